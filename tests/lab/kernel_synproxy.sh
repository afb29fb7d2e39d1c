#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# kernel_synproxy.sh: the lab's kernel twin, for comparisons: Linux iptables SYNPROXY in a
# routing namespace between a Linux client and server, instead of synwall.
#
# Source it from bash (`source tests/lab/kernel_synproxy.sh`), then:
#   ksp_up                      create namespaces, veths, routes, SYNPROXY rules; EXIT trap
#   ksp_cli/ksp_rtr/ksp_srv CMD run CMD inside that namespace
#   ksp_synproxy_stats          "syn_received cookie_invalid cookie_valid" summed over CPUs
#   ksp_down                    stop what this lab started, delete its namespaces
# or run it: `tests/lab/kernel_synproxy.sh check` builds the lab, fetches a page through
# SYNPROXY with curl, prints the SYNPROXY counters and tears the lab down.
#
# Topology (every name exists only inside the lab's own namespaces):
#
#   ksp-<id>-cli               ksp-<id>-rtr (ip_forward, SYNPROXY)          ksp-<id>-srv
#   cli0 198.18.1.1/24 ==== r0 198.18.1.254/24   r1 198.18.2.254/24 ==== srv0 198.18.2.1/24
#   198.18.0.0/15 via .1.254   198.19.0.0/16 via 198.18.1.1              198.18.0.0/15,
#                                                                        198.19.0.0/16 via .2.254
#
# The router runs the textbook SYNPROXY rule set for tcp/80 (SYNs untracked in raw, then
# INVALID/UNTRACKED answered by SYNPROXY in FORWARD, the rest of INVALID dropped) with
# nf_conntrack_tcp_loose=0. SYN-ACKs to the spoofed flood range 198.19.0.0/16 are routed
# back to the client namespace, whose kernel drops them (it does not forward), so counting
# cli0's received packets counts the answers, as in tests/lab/lab.sh. Offloads are off on
# every veth, as in lab.sh. Addresses come only from 198.18.0.0/15 (RFC 2544).
#
# Knobs: KSP_WSCALE (7) and KSP_MSS (1460) are SYNPROXY's --wscale/--mss; KSP_MTU (1500);
# KSP_RPS_CPUS (hex CPU mask, unset: off) steers the router's receive processing on r0, so
# SYNPROXY's softirq work runs on those CPUs rather than on the sender's.
# Rules kept: only namespaces this lab created are touched; only processes living in them
# are signalled; every wait is bounded.

if [[ -n "${_KSP_SH_LOADED:-}" && "${_KSP_SH_LOADED}" == "$BASHPID" ]]; then
	# shellcheck disable=SC2317 # exit when run rather than sourced
	return 0 2>/dev/null || exit 0
fi
_KSP_SH_LOADED=$BASHPID

KSP_CLI_IF=cli0
KSP_SRV_IF=srv0
KSP_R_CLI_IF=r0
KSP_R_SRV_IF=r1
KSP_CLI_IP=198.18.1.1
KSP_SRV_IP=198.18.2.1
KSP_R_CLI_IP=198.18.1.254
KSP_R_SRV_IP=198.18.2.254
KSP_FLOOD_NET=198.19.0.0/16
KSP_SERVICE_PORT=80
export KSP_CLI_IF KSP_SRV_IF KSP_CLI_IP KSP_SRV_IP KSP_FLOOD_NET KSP_SERVICE_PORT

ksp_log()
{
	printf '[ksp %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

ksp_cli() { ip netns exec "$KSP_CLI" "$@"; }
ksp_rtr() { ip netns exec "$KSP_RTR" "$@"; }
ksp_srv() { ip netns exec "$KSP_SRV" "$@"; }

_ksp_sysctl()
{
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@" >/dev/null
}

_ksp_if_up()
{
	local ns=$1 ifname=$2 addr=$3
	ip netns exec "$ns" ethtool -K "$ifname" tx off rx off gso off tso off gro off \
		>/dev/null 2>&1 || { ksp_log "ethtool -K $ifname failed in $ns"; return 1; }
	ip -n "$ns" addr add "$addr" dev "$ifname" &&
		ip -n "$ns" link set "$ifname" up
}

# ksp_up: build the lab. Sets and exports KSP_ID, KSP_CLI, KSP_RTR, KSP_SRV, KSP_DIR and
# installs an EXIT trap (plus INT/TERM -> exit) that calls ksp_down.
ksp_up()
{
	local ns suffix="" tool mtu=${KSP_MTU:-1500} ipt
	[[ $EUID -eq 0 ]] || { ksp_log "needs root (network namespaces)"; return 1; }
	for tool in ip ethtool iptables sysctl; do
		command -v "$tool" >/dev/null || { ksp_log "missing tool: $tool"; return 1; }
	done
	KSP_ID=${KSP_ID_BASE:-$$}
	while [[ -e "/run/netns/ksp-$KSP_ID$suffix-cli" || -e "/run/netns/ksp-$KSP_ID$suffix-rtr" ||
		-e "/run/netns/ksp-$KSP_ID$suffix-srv" ]]; do
		suffix="r$RANDOM"
	done
	KSP_ID="$KSP_ID$suffix"
	KSP_CLI="ksp-$KSP_ID-cli"
	KSP_RTR="ksp-$KSP_ID-rtr"
	KSP_SRV="ksp-$KSP_ID-srv"
	KSP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ksp-$KSP_ID.XXXXXX") || return 1
	KSP_OWNER=$BASHPID
	KSP_NS_CREATED=""
	export KSP_ID KSP_CLI KSP_RTR KSP_SRV KSP_DIR KSP_OWNER
	trap ksp_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	for ns in "$KSP_CLI" "$KSP_RTR" "$KSP_SRV"; do
		ip netns add "$ns" || { ksp_log "ip netns add $ns failed"; return 1; }
		KSP_NS_CREATED="$KSP_NS_CREATED $ns"
		ip -n "$ns" link set lo up
		# No IPv6 at all: nothing but the test traffic on the wire.
		_ksp_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		_ksp_sysctl "$ns" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	done
	export KSP_NS_CREATED
	ip -n "$KSP_CLI" link add "$KSP_CLI_IF" mtu "$mtu" type veth peer name "$KSP_R_CLI_IF" \
		mtu "$mtu" netns "$KSP_RTR" || return 1
	ip -n "$KSP_SRV" link add "$KSP_SRV_IF" mtu "$mtu" type veth peer name "$KSP_R_SRV_IF" \
		mtu "$mtu" netns "$KSP_RTR" || return 1
	_ksp_if_up "$KSP_CLI" "$KSP_CLI_IF" "$KSP_CLI_IP/24" || return 1
	_ksp_if_up "$KSP_RTR" "$KSP_R_CLI_IF" "$KSP_R_CLI_IP/24" || return 1
	_ksp_if_up "$KSP_RTR" "$KSP_R_SRV_IF" "$KSP_R_SRV_IP/24" || return 1
	_ksp_if_up "$KSP_SRV" "$KSP_SRV_IF" "$KSP_SRV_IP/24" || return 1
	_ksp_sysctl "$KSP_RTR" "net.ipv4.conf.$KSP_R_CLI_IF.rp_filter=0" \
		"net.ipv4.conf.$KSP_R_SRV_IF.rp_filter=0"
	ip -n "$KSP_CLI" route add 198.18.0.0/15 via "$KSP_R_CLI_IP" dev "$KSP_CLI_IF" || return 1
	ip -n "$KSP_SRV" route add 198.18.0.0/15 via "$KSP_R_SRV_IP" dev "$KSP_SRV_IF" || return 1
	ip -n "$KSP_SRV" route add "$KSP_FLOOD_NET" via "$KSP_R_SRV_IP" dev "$KSP_SRV_IF" || return 1
	# Answers to the spoofed sources go back to the client side, where they are counted.
	ip -n "$KSP_RTR" route add "$KSP_FLOOD_NET" via "$KSP_CLI_IP" dev "$KSP_R_CLI_IF" || return 1
	_ksp_sysctl "$KSP_RTR" net.ipv4.ip_forward=1
	if [[ -n "${KSP_RPS_CPUS:-}" ]]; then
		ksp_rtr sh -c "echo $KSP_RPS_CPUS >/sys/class/net/$KSP_R_CLI_IF/queues/rx-0/rps_cpus" ||
			{ ksp_log "RPS on $KSP_R_CLI_IF failed"; return 1; }
	fi

	# The SYNPROXY rule set (iptables-extensions(8), SYNPROXY), per namespace.
	ipt=(ip netns exec "$KSP_RTR" iptables -w 5)
	if ! "${ipt[@]}" -t raw -A PREROUTING -p tcp --dport "$KSP_SERVICE_PORT" --syn \
		-j CT --notrack ||
		! "${ipt[@]}" -A FORWARD -p tcp --dport "$KSP_SERVICE_PORT" \
			-m state --state INVALID,UNTRACKED -j SYNPROXY --sack-perm --timestamp \
			--wscale "${KSP_WSCALE:-7}" --mss "${KSP_MSS:-1460}" ||
		! "${ipt[@]}" -A FORWARD -p tcp --dport "$KSP_SERVICE_PORT" -m state --state INVALID \
			-j DROP; then
		ksp_log "iptables SYNPROXY rules failed"
		return 1
	fi
	# Strict TCP tracking: an ACK of no known connection is INVALID, so it reaches SYNPROXY.
	# (The conntrack sysctls exist once conntrack is in use in the namespace: after the rules.)
	_ksp_sysctl "$KSP_RTR" net.netfilter.nf_conntrack_tcp_loose=0 ||
		{ ksp_log "nf_conntrack_tcp_loose=0 failed"; return 1; }
	ksp_log "up: $KSP_CLI <-> $KSP_RTR (SYNPROXY tcp/$KSP_SERVICE_PORT) <-> $KSP_SRV (dir $KSP_DIR)"
}

# ksp_bg ROLE NAME CMD...: start CMD in the background inside cli|rtr|srv; log in
# $KSP_DIR/NAME.log, PID in $KSP_DIR/NAME.pid.
ksp_bg()
{
	local role=$1 name=$2 ns
	shift 2
	case "$role" in
	cli) ns=$KSP_CLI ;;
	rtr) ns=$KSP_RTR ;;
	srv) ns=$KSP_SRV ;;
	*) ksp_log "unknown role $role"; return 1 ;;
	esac
	ip netns exec "$ns" "$@" >"$KSP_DIR/$name.log" 2>&1 </dev/null &
	echo $! >"$KSP_DIR/$name.pid"
}

# ksp_synproxy_stats: "syn_received cookie_invalid cookie_valid" of the router, summed over
# CPUs (/proc/net/stat/synproxy is per namespace, one hex row per CPU).
ksp_synproxy_stats()
{
	local _e syn inv val s=0 i=0 v=0
	while read -r _e syn inv val _; do
		[[ "$syn" =~ ^[0-9a-fA-F]+$ ]] || continue # the header line
		s=$((s + 16#$syn)) i=$((i + 16#$inv)) v=$((v + 16#$val))
	done < <(ksp_rtr cat /proc/net/stat/synproxy)
	echo "$s $i $v"
}

# _ksp_kill_pids PID...: TERM, wait up to 2 s, then KILL.
_ksp_kill_pids()
{
	local pid left
	(($# == 0)) && return 0
	kill -TERM "$@" 2>/dev/null
	for _ in $(seq 20); do
		left=()
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null && left+=("$pid")
		done
		((${#left[@]} == 0)) && return 0
		sleep 0.1
	done
	kill -KILL "${left[@]}" 2>/dev/null
	return 0
}

# ksp_down: stop every process in the lab's namespaces, delete them and KSP_DIR. Only the
# shell that ran ksp_up does anything here.
ksp_down()
{
	local rc=$? ns pids
	[[ -n "${KSP_OWNER:-}" && "$KSP_OWNER" == "$BASHPID" ]] || return "$rc"
	trap - EXIT INT TERM
	for ns in $KSP_NS_CREATED; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -n "$pids" ]] && _ksp_kill_pids $pids
	done
	wait 2>/dev/null
	for ns in $KSP_NS_CREATED; do
		ip netns del "$ns" 2>/dev/null || ksp_log "could not delete namespace $ns"
	done
	KSP_NS_CREATED=""
	[[ -n "${KSP_KEEP_LOGS:-}" && -d "$KSP_DIR" ]] && mkdir -p "$KSP_KEEP_LOGS" &&
		cp "$KSP_DIR"/*.log "$KSP_KEEP_LOGS/" 2>/dev/null
	rm -rf "$KSP_DIR"
	KSP_OWNER=""
	ksp_log "down: $KSP_ID"
	return "$rc"
}

# Run directly: a smoke check of the lab.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	case "${1:-check}" in
	check)
		ksp_up
		ksp_bg srv http python3 -m http.server "$KSP_SERVICE_PORT" --bind "$KSP_SRV_IP"
		for _ in $(seq 50); do
			ksp_srv ss -Hltn "sport = :$KSP_SERVICE_PORT" | grep -q LISTEN && break
			sleep 0.1
		done
		ksp_cli curl -sS -o /dev/null --connect-timeout 3 -m 5 \
			-w 'connect %{time_connect}s http %{http_code}\n' "http://$KSP_SRV_IP/"
		echo "synproxy syn_received cookie_invalid cookie_valid: $(ksp_synproxy_stats)"
		;;
	*)
		echo "usage: $0 [check]" >&2
		exit 2
		;;
	esac
fi
