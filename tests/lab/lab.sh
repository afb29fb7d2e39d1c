# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# lab.sh: network-namespace lab that puts synwall between a Linux client and server.
#
# Source it from bash (`source tests/lab/lab.sh`), then:
#   lab_up                          create namespaces, veths, addresses; installs an EXIT trap
#   lab_write_config FILE           write a minimal synwall config for the lab's ports
#   lab_start_synwall CONFIG [ARGS] start synwall in the dut namespace, wait for "synwall: running"
#   lab_stop_synwall [SIGNAL]       signal it (TERM), wait, return its exit code
#   lab_down                        stop everything this lab started, delete its namespaces
#   lab_cli/lab_srv/lab_dut CMD...  run CMD inside that namespace
#   lab_bg ROLE NAME CMD...         start CMD in the background inside namespace ROLE (cli|srv)
#
# Topology (every name below exists only inside the lab's own namespaces):
#
#   sw-<id>-cli            sw-<id>-dut (synwall on net_af_packet)           sw-<id>-srv
#   cli0 198.18.1.1/16 ==== swo0 [outside]  synwall  [inside] swi0 ==== srv0 198.18.2.1/16
#                                                                         route 198.19.0.0/16
#                                                                         via 198.18.1.1
#
# With LAB_PMD=tap, synwall's ports are net_tap devices instead: DPDK creates the kernel
# tap interfaces swto0 / swti0 in the dut namespace when synwall starts, and tc wires each
# one to the veth end of its side, both ways (ingress qdisc, u32 match-all, mirred egress
# redirect): swo0 <-> swto0 [net_tap0] synwall [net_tap1] swti0 <-> swi0. The wiring is
# made once synwall runs (the taps exist only then) and removed when it stops.
#
# Client and server share one L2 segment through synwall. The spoofed flood range
# (LAB_FLOOD_NET) is routed by the server back through synwall to the client, so the
# server kernel really answers spoofed SYNs. Addresses come only from 198.18.0.0/15 and
# 2001:2::/48 (RFC 2544 / RFC 5180 benchmarking ranges).
#
# Knobs (environment, read by lab_up / lab_start_synwall):
#   LAB_MTU=1500      MTU of every veth (above 1500: bigger af_packet frames, which synwall
#                     accepts only with mbufs of at least lab_afp_framesz + 96 bytes)
#   LAB_IPV6=0        1: also give client/server 2001:2::1/64 and 2001:2::2/64
#   LAB_HUGE=auto     1: hugepages, 0: --no-huge -m 512, auto: hugepages if >= 512 MiB free
#   LAB_LCORES=0-1    EAL -l argument ("0@0,1@1,2@1": --lcores, more lcores than CPUs)
#   LAB_QPAIRS=N      af_packet queue pairs per port (one per synwall worker)
#   LAB_AFP_FRAMECNT=N  frames in each net_af_packet ring (the PMD's framecnt; its default
#                     is 512): a deeper ring absorbs the worker's scheduling gaps
#   LAB_PMD=af_packet the DPDK driver of synwall's ports: af_packet (net_af_packet0/1 on the
#                     veths), af_xdp (net_af_xdp0/1 on the veths: the PMD loads an XDP
#                     program that redirects every frame to its AF_XDP socket, copy mode
#                     on veth; LAB_QPAIRS queues need veths created with as many) or tap
#                     (net_tap0/1, wired to the veths with tc, see above; RX and TX
#                     checksum offload, done in software by the PMD). Set it before
#                     lab_up; configs must name the ports $LAB_OUT_PORT / $LAB_IN_PORT
#                     (lab_write_config does)
#   SYNWALL=PATH      binary to run (default $LAB_BUILD_DIR/app/synwall)
#   LAB_BUILD_DIR=DIR meson build tree for synwall and tests/tools (default build/)
#   LAB_STANDIN=testpmd  develop the lab against dpdk-testpmd (io forwarding) instead of
#                     synwall (CONFIG and EXTRA_ARGS are then ignored)
#   LAB_KEEP_LOGS=DIR copy the lab's logs there on lab_down
#   LAB_VERBOSE=1     log every command the lab runs
#
# Rules the lab keeps: it touches only namespaces/interfaces it created, signals only
# processes it started (by PID, or processes living in its own namespaces), and every
# wait is bounded.

# Guard against double sourcing in the same shell; state survives into child shells
# through the exported LAB_* variables below.
if [[ -n "${_LAB_SH_LOADED:-}" && "${_LAB_SH_LOADED}" == "$BASHPID" ]]; then
	return 0
fi
_LAB_SH_LOADED=$BASHPID

LAB_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_REPO="$(cd "$LAB_LIB_DIR/../.." && pwd)"
export LAB_LIB_DIR LAB_REPO

# Fixed lab addressing. Interfaces live inside the lab's namespaces, so their names
# never collide with anything outside.
LAB_CLI_IF=cli0
LAB_SRV_IF=srv0
LAB_OUT_IF=swo0
LAB_IN_IF=swi0
LAB_CLI_IP=198.18.1.1
LAB_SRV_IP=198.18.2.1
LAB_PLEN=16
LAB_FLOOD_NET=198.19.0.0/16
LAB_CLI_IP6=2001:2::1
LAB_SRV_IP6=2001:2::2
LAB_PLEN6=64
# Locally administered MACs, so scapy tests can build frames without asking.
LAB_CLI_MAC=02:53:57:00:01:01
LAB_SRV_MAC=02:53:57:00:02:01
LAB_OUT_MAC=02:53:57:00:0f:01
LAB_IN_MAC=02:53:57:00:0f:02
LAB_PYTHON=${LAB_PYTHON:-/usr/bin/python3}
# The PMD the lab wires synwall to (see the knob above and test_udp_fragments), and the
# kernel names of the tap interfaces DPDK creates in the dut namespace for LAB_PMD=tap.
LAB_PMD=${LAB_PMD:-af_packet}
LAB_OUT_TAP=swto0
LAB_IN_TAP=swti0
export LAB_PMD LAB_CLI_IF LAB_SRV_IF LAB_OUT_IF LAB_IN_IF LAB_CLI_IP LAB_SRV_IP LAB_PLEN
export LAB_OUT_TAP LAB_IN_TAP
export LAB_FLOOD_NET LAB_CLI_IP6 LAB_SRV_IP6 LAB_PLEN6 LAB_CLI_MAC LAB_SRV_MAC
export LAB_OUT_MAC LAB_IN_MAC LAB_PYTHON

lab_log()
{
	printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

lab_die()
{
	lab_log "ERROR: $*"
	return 1
}

# Run a command, echoing it first when LAB_VERBOSE=1.
_lab_run()
{
	[[ "${LAB_VERBOSE:-0}" == 1 ]] && lab_log "+ $*"
	"$@"
}

lab_cli() { ip netns exec "$LAB_CLI" "$@"; }
lab_srv() { ip netns exec "$LAB_SRV" "$@"; }
lab_dut() { ip netns exec "$LAB_DUT" "$@"; }

# lab_ns ROLE: print the namespace name of cli|srv|dut.
lab_ns()
{
	case "$1" in
	cli) echo "$LAB_CLI" ;;
	srv) echo "$LAB_SRV" ;;
	dut) echo "$LAB_DUT" ;;
	*) lab_die "unknown role '$1' (cli|srv|dut)" ;;
	esac
}

# lab_wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds; 1 on timeout.
lab_wait_for()
{
	local timeout_s=$1 deadline
	shift
	deadline=$((SECONDS + timeout_s))
	while ! "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			return 1
		fi
		sleep 0.1
	done
	return 0
}

_lab_tcp_listening()
{
	local ns=$1 port=$2
	ip netns exec "$ns" ss -Hltn "sport = :$port" | grep -q LISTEN
}

_lab_udp_bound()
{
	local ns=$1 port=$2
	ip netns exec "$ns" ss -Hlun "sport = :$port" | grep -q .
}

# lab_wait_tcp ROLE PORT [TIMEOUT_S]: wait until something listens on TCP PORT in ROLE.
lab_wait_tcp()
{
	local ns
	ns=$(lab_ns "$1") || return 1
	lab_wait_for "${3:-10}" _lab_tcp_listening "$ns" "$2" ||
		lab_die "nothing listens on tcp/$2 in $1 after ${3:-10}s"
}

# lab_wait_udp ROLE PORT [TIMEOUT_S]: wait until a UDP socket is bound to PORT in ROLE.
lab_wait_udp()
{
	local ns
	ns=$(lab_ns "$1") || return 1
	lab_wait_for "${3:-10}" _lab_udp_bound "$ns" "$2" ||
		lab_die "nothing bound to udp/$2 in $1 after ${3:-10}s"
}

# lab_bg ROLE NAME CMD...: start CMD in the background inside ROLE's namespace.
# Output goes to $LAB_DIR/NAME.log, the PID to $LAB_DIR/NAME.pid.
lab_bg()
{
	local role=$1 name=$2 ns
	shift 2
	ns=$(lab_ns "$role") || return 1
	ip netns exec "$ns" "$@" >"$LAB_DIR/$name.log" 2>&1 </dev/null &
	echo $! >"$LAB_DIR/$name.pid"
}

# lab_bg_pid NAME: PID of a background command started with lab_bg.
lab_bg_pid()
{
	cat "$LAB_DIR/$1.pid" 2>/dev/null
}

# lab_bg_wait NAME TIMEOUT_S: wait for a lab_bg command to end; returns its exit code
# if it is our child, 0 if it ended otherwise, 124 (and kills it) on timeout.
lab_bg_wait()
{
	local pid deadline
	pid=$(lab_bg_pid "$1") || return 1
	deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			lab_log "$1 (pid $pid) still running after $2s, killing it"
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 124
		fi
		# A zombie child still answers kill -0: reap it if it is ours.
		if ! ps -o stat= -p "$pid" 2>/dev/null | grep -qv Z; then
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
}

# lab_kill NAME: stop a lab_bg command (TERM, then KILL after 2 s).
lab_kill()
{
	local pid
	pid=$(lab_bg_pid "$1") || return 0
	_lab_kill_pids "$pid"
	rm -f "$LAB_DIR/$1.pid"
}

# _lab_kill_pids PID...: TERM, wait up to 2 s, then KILL. Only PIDs the lab started.
_lab_kill_pids()
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

# lab_reset_hosts: end every process in the client and server namespaces (all of them
# were started by this lab) so that one test's leftovers cannot disturb the next.
lab_reset_hosts()
{
	local ns pids
	for ns in "$LAB_CLI" "$LAB_SRV"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -n "$pids" ]] && _lab_kill_pids $pids
	done
	return 0
}

# Interfaces are created directly inside the lab's namespaces, never in the caller's.
_lab_veth()
{
	local ns_a=$1 if_a=$2 mac_a=$3 ns_b=$4 if_b=$5 mac_b=$6
	local -a q=()
	# AF_XDP binds one socket per queue: a veth has one unless asked for more.
	[[ "$LAB_PMD" == af_xdp && -n "${LAB_QPAIRS:-}" ]] &&
		q=(numtxqueues "$LAB_QPAIRS" numrxqueues "$LAB_QPAIRS")
	_lab_run ip -n "$ns_a" link add "$if_a" address "$mac_a" mtu "$LAB_MTU" "${q[@]}" type veth \
		peer name "$if_b" address "$mac_b" mtu "$LAB_MTU" "${q[@]}" netns "$ns_b" || return 1
}

# Checksum/segmentation offloads off: af_packet hands frames to DPDK as they are, so
# CHECKSUM_PARTIAL or GSO super-frames from the kernel would cross synwall broken.
_lab_offloads_off()
{
	local ns=$1 ifname=$2
	_lab_run ip netns exec "$ns" ethtool -K "$ifname" tx off rx off gso off tso off gro off \
		>/dev/null 2>&1 || lab_die "ethtool -K $ifname failed in $ns"
}

_lab_sysctl()
{
	local ns=$1
	shift
	_lab_run ip netns exec "$ns" sysctl -qw "$@" >/dev/null
}

_lab_host_setup()
{
	local ns=$1 ifname=$2 ip=$3 ip6=$4
	_lab_sysctl "$ns" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	_lab_sysctl "$ns" "net.ipv4.conf.$ifname.rp_filter=0"
	if [[ "$LAB_IPV6" == 1 ]]; then
		# No SLAAC and no fe80:: link-local: the only IPv6 addresses are 2001:2::/48.
		_lab_sysctl "$ns" "net.ipv6.conf.$ifname.addr_gen_mode=1" \
			"net.ipv6.conf.$ifname.accept_ra=0" "net.ipv6.conf.$ifname.autoconf=0"
		_lab_run ip -n "$ns" addr add "$ip6/$LAB_PLEN6" dev "$ifname" nodad || return 1
	else
		_lab_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	fi
	_lab_run ip -n "$ns" addr add "$ip/$LAB_PLEN" dev "$ifname" || return 1
	_lab_offloads_off "$ns" "$ifname" || return 1
	_lab_run ip -n "$ns" link set lo up || return 1
	_lab_run ip -n "$ns" link set "$ifname" up || return 1
}

# _lab_port_names: set and export LAB_OUT_PORT / LAB_IN_PORT, the DPDK names of synwall's
# outside / inside ports (what a config's [ports] section names) for LAB_PMD.
_lab_port_names()
{
	case "$LAB_PMD" in
	af_packet) LAB_OUT_PORT=net_af_packet0 LAB_IN_PORT=net_af_packet1 ;;
	af_xdp) LAB_OUT_PORT=net_af_xdp0 LAB_IN_PORT=net_af_xdp1 ;;
	tap) LAB_OUT_PORT=net_tap0 LAB_IN_PORT=net_tap1 ;;
	*)
		lab_die "unknown LAB_PMD '$LAB_PMD' (af_packet|af_xdp|tap)"
		return 1
		;;
	esac
	export LAB_OUT_PORT LAB_IN_PORT
}

# lab_up: build the lab. Sets and exports LAB_ID, LAB_CLI, LAB_SRV, LAB_DUT, LAB_DIR and
# installs an EXIT trap (plus INT/TERM -> exit) that calls lab_down.
lab_up()
{
	local ns suffix="" tool ifname
	[[ $EUID -eq 0 ]] || { lab_die "the lab needs root (network namespaces)"; return 1; }
	for tool in ip ethtool ss timeout; do
		command -v "$tool" >/dev/null || { lab_die "missing tool: $tool (run scripts/setup.sh)"; return 1; }
	done
	LAB_MTU=${LAB_MTU:-1500}
	LAB_IPV6=${LAB_IPV6:-0}
	_lab_port_names || return 1
	if [[ "$LAB_PMD" == tap ]]; then
		command -v tc >/dev/null || { lab_die "missing tool: tc (LAB_PMD=tap)"; return 1; }
		[[ -c /dev/net/tun ]] || { lab_die "no /dev/net/tun (LAB_PMD=tap)"; return 1; }
	fi
	LAB_ID=${LAB_ID_BASE:-$$}
	# A stale lab from a crashed run with the same PID: pick another id, never reuse it.
	while [[ -e "/run/netns/sw-$LAB_ID$suffix-cli" || -e "/run/netns/sw-$LAB_ID$suffix-dut" ||
		-e "/run/netns/sw-$LAB_ID$suffix-srv" ]]; do
		suffix="r$RANDOM"
	done
	LAB_ID="$LAB_ID$suffix"
	LAB_CLI="sw-$LAB_ID-cli"
	LAB_SRV="sw-$LAB_ID-srv"
	LAB_DUT="sw-$LAB_ID-dut"
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sw-lab-$LAB_ID.XXXXXX") || return 1
	LAB_OWNER=$BASHPID
	LAB_NS_CREATED=""
	export LAB_ID LAB_CLI LAB_SRV LAB_DUT LAB_DIR LAB_OWNER LAB_MTU LAB_IPV6 LAB_PMD
	trap lab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	for ns in "$LAB_CLI" "$LAB_DUT" "$LAB_SRV"; do
		_lab_run ip netns add "$ns" || { lab_die "ip netns add $ns failed"; return 1; }
		LAB_NS_CREATED="$LAB_NS_CREATED $ns"
	done
	export LAB_NS_CREATED

	if ! _lab_veth "$LAB_CLI" "$LAB_CLI_IF" "$LAB_CLI_MAC" "$LAB_DUT" "$LAB_OUT_IF" "$LAB_OUT_MAC" ||
		! _lab_veth "$LAB_SRV" "$LAB_SRV_IF" "$LAB_SRV_MAC" "$LAB_DUT" "$LAB_IN_IF" "$LAB_IN_MAC"; then
		lab_die "veth creation failed"
		return 1
	fi

	# The dut kernel must stay silent on the wire: no IPv6 (no ND/MLD), no addresses.
	_lab_sysctl "$LAB_DUT" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	for ifname in "$LAB_OUT_IF" "$LAB_IN_IF"; do
		_lab_sysctl "$LAB_DUT" "net.ipv6.conf.$ifname.disable_ipv6=1"
		_lab_offloads_off "$LAB_DUT" "$ifname" || return 1
		_lab_run ip -n "$LAB_DUT" link set "$ifname" promisc on up || return 1
	done
	_lab_run ip -n "$LAB_DUT" link set lo up || return 1

	_lab_host_setup "$LAB_CLI" "$LAB_CLI_IF" "$LAB_CLI_IP" "$LAB_CLI_IP6" || return 1
	_lab_host_setup "$LAB_SRV" "$LAB_SRV_IF" "$LAB_SRV_IP" "$LAB_SRV_IP6" || return 1
	# Server answers to spoofed flood sources go back through synwall to the client.
	_lab_run ip -n "$LAB_SRV" route add "$LAB_FLOOD_NET" via "$LAB_CLI_IP" dev "$LAB_SRV_IF" ||
		{ lab_die "flood route failed"; return 1; }
	lab_log "up: $LAB_CLI <-> $LAB_DUT <-> $LAB_SRV (mtu $LAB_MTU, ipv6 $LAB_IPV6," \
		"pmd $LAB_PMD, dir $LAB_DIR)"
}

# lab_afp_framesz: af_packet ring frame size for LAB_MTU. A frame holds the tpacket v2
# header and MAC offset (66 bytes), Ethernet + VLAN header and the payload. The PMD
# addresses frame i at i * framesz, so a block must hold a whole number of frames: above
# MTU 1500 frame = block = that size rounded up to the page size. The PMD refuses to start
# unless the mbuf data room (minus headroom) holds framesz - 32 bytes, so jumbo MTUs need a
# synwall configured with big enough mbufs.
lab_afp_framesz()
{
	local page need=$((66 + 18 + LAB_MTU))
	if ((LAB_MTU <= 1500)); then
		echo 2048
		return 0
	fi
	page=$(getconf PAGESIZE)
	echo $(((need + page - 1) / page * page))
}

# lab_eal_args: print (one per line) the EAL arguments for a DPDK process on the lab ports.
lab_eal_args()
{
	local vdev_opts="" free_kb
	local lc_opt=-l
	if ((LAB_MTU > 1500)); then
		vdev_opts=",framesz=$(lab_afp_framesz),blocksz=$(lab_afp_framesz)"
	fi
	# Several workers need one queue pair each on every port.
	[[ -n "${LAB_QPAIRS:-}" ]] && vdev_opts+=",qpairs=$LAB_QPAIRS"
	[[ -n "${LAB_AFP_FRAMECNT:-}" ]] && vdev_opts+=",framecnt=$LAB_AFP_FRAMECNT"
	# "0@0,1@1,2@1" maps more lcores than CPUs (EAL --lcores); "0-1" is a plain list.
	[[ "${LAB_LCORES:-}" == *@* ]] && lc_opt=--lcores
	printf '%s\n' "$lc_opt" "${LAB_LCORES:-0-1}" --no-pci --file-prefix "sw-$LAB_ID"
	if [[ "$LAB_PMD" == tap ]]; then
		# Queues come from the application's configuration: no qpairs, no frame sizes.
		printf '%s\n' --vdev "net_tap0,iface=$LAB_OUT_TAP" \
			--vdev "net_tap1,iface=$LAB_IN_TAP"
	elif [[ "$LAB_PMD" == af_xdp ]]; then
		vdev_opts=",start_queue=0,queue_count=${LAB_QPAIRS:-1}"
		printf '%s\n' --vdev "net_af_xdp0,iface=$LAB_OUT_IF$vdev_opts" \
			--vdev "net_af_xdp1,iface=$LAB_IN_IF$vdev_opts"
	else
		printf '%s\n' --vdev "net_af_packet0,iface=$LAB_OUT_IF$vdev_opts" \
			--vdev "net_af_packet1,iface=$LAB_IN_IF$vdev_opts"
	fi
	case "${LAB_HUGE:-auto}" in
	1) ;;
	0) printf '%s\n' --no-huge -m 512 ;;
	*)
		free_kb=$(awk '/^HugePages_Free:/ {f=$2} /^Hugepagesize:/ {s=$2} END {print f*s}' \
			/proc/meminfo)
		if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts || ((free_kb < 524288)); then
			printf '%s\n' --no-huge -m 512
		fi
		;;
	esac
}

# lab_synwall_bin: path of the binary under test: $SYNWALL, else the meson build tree's
# (LAB_BUILD_DIR, default build/) app/synwall, or app/synwall/synwall when that is a
# directory (meson's layout for app/synwall/meson.build).
lab_synwall_bin()
{
	local bin=${SYNWALL:-${LAB_BUILD_DIR:-$LAB_REPO/build}/app/synwall}
	[[ -d "$bin" ]] && bin="$bin/synwall"
	echo "$bin"
}

# lab_null_synwall LOG CONFIG [SYNWALL_ARGS...]: synwall on two net_null ports (endless null
# frames, bridged; no lab traffic) with file prefix sw-null-$LAB_ID, in the background in
# the dut namespace (lab_down ends it with the namespace if a test does not): LAB_NULL_PID
# is its PID, LOG gets its output and LOG.rc its exit code. Waits until it runs (10 s at
# most); returns 1 if it does not. Its 127.0.0.1 is the dut namespace's (lab_dut).
lab_null_synwall()
{
	local log=$1 cfg=$2 i
	local -a vdevs=(--vdev net_null0 --vdev net_null1)
	shift 2
	# LAB_NULL_VDEVS="--vdev A --vdev B": other devices (one word each, no spaces).
	[[ -n "${LAB_NULL_VDEVS:-}" ]] && read -r -a vdevs <<<"$LAB_NULL_VDEVS"
	(
		ip netns exec "$LAB_DUT" "$(lab_synwall_bin)" -l 0-1 --no-pci --no-huge -m 512 \
			--file-prefix "sw-null-$LAB_ID" "${vdevs[@]}" -- \
			-f "$cfg" "$@" >"$log" 2>&1 </dev/null &
		echo $! >"$log.pid"
		wait $!
		echo $? >"$log.rc"
	) &
	for i in $(seq 100); do
		[[ -s "$log.pid" ]] && grep -q "running:" "$log" && break
		[[ -e "$log.rc" ]] && break
		sleep 0.1
	done
	LAB_NULL_PID=$(cat "$log.pid" 2>/dev/null)
	grep -q "running:" "$log"
}

# lab_write_config FILE [SERVICE_PORTS]: a minimal config for the lab: outside/inside
# ports and one protected service "web" on the server subnet (default ports "80, 5001").
lab_write_config()
{
	local file=$1 ports=${2:-80, 5001}
	cat >"$file" <<EOF
; synwall lab config written by tests/lab/lab.sh
[ports]
outside = ${LAB_OUT_PORT:-net_af_packet0}
inside = ${LAB_IN_PORT:-net_af_packet1}

[service web]
dst = 198.18.2.0/24
ports = $ports
EOF
}

# _lab_tc_redirect FROM TO: every frame FROM receives (dut namespace) leaves through TO.
# (qdisc replace: a tap PMD with rte_flow support has added an ingress qdisc already.)
_lab_tc_redirect()
{
	_lab_run tc -n "$LAB_DUT" qdisc replace dev "$1" ingress || return 1
	_lab_run tc -n "$LAB_DUT" filter add dev "$1" parent ffff: protocol all prio 1 \
		u32 match u32 0 0 action mirred egress redirect dev "$2"
}

# _lab_tap_wire: LAB_PMD=tap: once the DPDK process runs, connect each of its tap
# interfaces to the veth of its side in both directions (see the header). The taps get the
# veths' treatment: offloads off (frames cross as they are), no IPv6, promiscuous.
_lab_tap_wire()
{
	local pair veth tap
	_lab_tap_unwire
	for pair in "$LAB_OUT_IF:$LAB_OUT_TAP" "$LAB_IN_IF:$LAB_IN_TAP"; do
		veth=${pair%%:*} tap=${pair#*:}
		lab_wait_for 10 ip -n "$LAB_DUT" link show dev "$tap" ||
			{ lab_die "tap interface $tap not in $LAB_DUT"; return 1; }
		_lab_sysctl "$LAB_DUT" "net.ipv6.conf.$tap.disable_ipv6=1"
		_lab_offloads_off "$LAB_DUT" "$tap" || return 1
		_lab_run ip -n "$LAB_DUT" link set "$tap" promisc on up || return 1
		if ! _lab_tc_redirect "$veth" "$tap" || ! _lab_tc_redirect "$tap" "$veth"; then
			lab_die "tc redirect $veth <-> $tap failed"
			return 1
		fi
	done
	lab_log "wired $LAB_OUT_IF <-> $LAB_OUT_TAP, $LAB_IN_IF <-> $LAB_IN_TAP (tc mirred)"
}

# _lab_tap_unwire: remove what _lab_tap_wire added (the taps themselves vanish with the
# DPDK process that created them). Harmless when nothing is wired.
_lab_tap_unwire()
{
	local ifname
	[[ "$LAB_PMD" == tap && -n "${LAB_DUT:-}" ]] || return 0
	for ifname in "$LAB_OUT_IF" "$LAB_IN_IF" "$LAB_OUT_TAP" "$LAB_IN_TAP"; do
		tc -n "$LAB_DUT" qdisc del dev "$ifname" ingress >/dev/null 2>&1 || true
	done
	return 0
}

# lab_start_synwall CONFIG [EXTRA_ARGS...]: start synwall in the dut namespace on the lab
# ports, with --summary-json $LAB_DIR/summary.json, and wait (30 s max) for
# "synwall: running" (LAB_PMD=tap: then wires its taps to the veths). Log:
# $LAB_DIR/synwall.log. Exit code lands in $LAB_DIR/synwall.rc.
lab_start_synwall()
{
	local config=$1 bin ready_re timeout_s=${LAB_START_TIMEOUT:-30} deadline pid
	local -a eal cmd
	shift
	if lab_synwall_running; then
		lab_die "synwall already running (pid $(cat "$LAB_DIR/synwall.pid"))"
		return 1
	fi
	mapfile -t eal < <(lab_eal_args)
	rm -f "$LAB_DIR/synwall.rc" "$LAB_DIR/synwall.pid" "$LAB_DIR/synwall.stopped" \
		"$LAB_DIR/summary.json" "$LAB_DIR/synwall.log"
	if [[ "${LAB_STANDIN:-}" == testpmd ]]; then
		# Development stand-in: testpmd bridges port 0 <-> port 1. It quits when stdin
		# closes, so an idle tail (inside the dut namespace) keeps stdin open.
		bin=$(command -v dpdk-testpmd) || { lab_die "dpdk-testpmd not found"; return 1; }
		cmd=(sh -c 'tail -f /dev/null | exec stdbuf -oL "$@"' sh "$bin" "${eal[@]}" -- \
			--forward-mode=io --auto-start --total-num-mbufs=8192 \
			--mbuf-size=$(($(lab_afp_framesz) + 128)))
		ready_re='Press enter to exit'
	else
		bin=$(lab_synwall_bin)
		[[ -x "$bin" ]] || { lab_die "synwall binary not found: $bin (build it, or set SYNWALL=)"; return 1; }
		cmd=("$bin" "${eal[@]}" -- -f "$config" --summary-json "$LAB_DIR/summary.json" "$@")
		ready_re='synwall: running'
	fi
	echo "${cmd[*]}" >"$LAB_DIR/synwall.cmd"
	[[ "${LAB_VERBOSE:-0}" == 1 ]] && lab_log "+ ${cmd[*]}"
	# The wrapper records the exit code so that any process (not only this shell, whose
	# child synwall is) can learn it through lab_stop_synwall.
	(
		# Callers may run under `set -Ee` with an ERR trap, and a Ctrl-C or CI timeout
		# signals the whole process group: none of it may stop this subshell before it
		# records the exit code. (Caught, not ignored: synwall gets default handlers.)
		set +eE
		trap - EXIT ERR
		trap : INT TERM
		ip netns exec "$LAB_DUT" "${cmd[@]}" >"$LAB_DIR/synwall.log" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$LAB_DIR/synwall.pid.tmp"
		mv "$LAB_DIR/synwall.pid.tmp" "$LAB_DIR/synwall.pid"
		while :; do
			wait "$pid"
			rc=$?
			# A signal caught above interrupts wait while synwall still runs.
			kill -0 "$pid" 2>/dev/null || break
		done
		echo "$rc" >"$LAB_DIR/synwall.rc.tmp"
		mv "$LAB_DIR/synwall.rc.tmp" "$LAB_DIR/synwall.rc"
	) &
	deadline=$((SECONDS + timeout_s))
	while [[ ! -e "$LAB_DIR/synwall.pid" ]] ||
		! grep -q "$ready_re" "$LAB_DIR/synwall.log" 2>/dev/null; do
		if [[ -e "$LAB_DIR/synwall.rc" ]]; then
			lab_log "synwall exited with $(cat "$LAB_DIR/synwall.rc") before running; log:"
			sed 's/^/  | /' "$LAB_DIR/synwall.log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			lab_log "synwall not running after ${timeout_s}s; log:"
			sed 's/^/  | /' "$LAB_DIR/synwall.log" >&2
			lab_stop_synwall KILL >/dev/null 2>&1
			return 1
		fi
		sleep 0.1
	done
	pid=$(cat "$LAB_DIR/synwall.pid")
	if [[ "$LAB_PMD" == tap ]] && ! _lab_tap_wire; then
		lab_stop_synwall KILL >/dev/null 2>&1
		return 1
	fi
	lab_log "synwall running (pid $pid)"
}

# lab_synwall_running: true while the synwall started by lab_start_synwall is alive.
lab_synwall_running()
{
	[[ -n "${LAB_DIR:-}" && -e "$LAB_DIR/synwall.pid" && ! -e "$LAB_DIR/synwall.rc" ]]
}

# lab_stop_synwall [SIGNAL] [TIMEOUT_S]: send SIGNAL (default TERM), wait for the exit
# (default 20 s; then KILL) and return synwall's exit code (124 on timeout).
lab_stop_synwall()
{
	local sig=${1:-TERM} timeout_s=${2:-20} pid deadline rc
	[[ -e "$LAB_DIR/synwall.pid" ]] || { lab_die "synwall was not started"; return 1; }
	pid=$(cat "$LAB_DIR/synwall.pid")
	# Tells the e2e runner this stop was asked for (a crash would leave no marker).
	touch "$LAB_DIR/synwall.stopped"
	if [[ ! -e "$LAB_DIR/synwall.rc" ]]; then
		kill "-$sig" "$pid" 2>/dev/null
		deadline=$((SECONDS + timeout_s))
		while [[ ! -e "$LAB_DIR/synwall.rc" ]]; do
			if ((SECONDS >= deadline)); then
				lab_log "synwall (pid $pid) did not exit ${timeout_s}s after SIG$sig; killing"
				kill -KILL "$pid" 2>/dev/null
				lab_wait_for 5 test -e "$LAB_DIR/synwall.rc"
				_lab_tap_unwire
				return 124
			fi
			sleep 0.05
		done
	fi
	_lab_tap_unwire
	rc=$(cat "$LAB_DIR/synwall.rc")
	return "$rc"
}

# lab_summary_check [FILE]: check the JSON summary's invariants (tests/lab/summary.py).
lab_summary_check()
{
	"$LAB_PYTHON" "$LAB_LIB_DIR/summary.py" check "${1:-$LAB_DIR/summary.json}"
}

# lab_summary_get PATH [FILE]: print one value of the summary, e.g. ports.outside.rx.
lab_summary_get()
{
	"$LAB_PYTHON" "$LAB_LIB_DIR/summary.py" get "${2:-$LAB_DIR/summary.json}" "$1"
}

# lab_tool NAME: path of a helper from tests/tools (meson build dir, else build it with cc
# into $LAB_TOOLS_DIR, default build/lab-tools).
lab_tool()
{
	local name=$1 dir=${LAB_TOOLS_DIR:-$LAB_REPO/build/lab-tools} cand
	for cand in "${LAB_BUILD_DIR:-$LAB_REPO/build}/tests/tools/$name" "$dir/$name"; do
		if [[ -x "$cand" && "$cand" -nt "$LAB_REPO/tests/tools/$name.c" ]]; then
			echo "$cand"
			return 0
		fi
	done
	mkdir -p "$dir" || return 1
	# Compile to a temporary name: concurrent callers never see a half-written binary.
	cc -O2 -g -std=gnu11 -Wall -Wextra -Werror -o "$dir/$name.tmp.$$" \
		"$LAB_REPO/tests/tools/$name.c" >&2 || return 1
	mv -f "$dir/$name.tmp.$$" "$dir/$name"
	echo "$dir/$name"
}

# lab_down: stop synwall and every process in the lab's namespaces, delete the
# namespaces (which deletes their veths), DPDK runtime files of our prefix, and LAB_DIR.
# Only the shell that ran lab_up does anything here.
lab_down()
{
	local rc=$? ns pids
	[[ -n "${LAB_OWNER:-}" && "$LAB_OWNER" == "$BASHPID" ]] || return "$rc"
	trap - EXIT INT TERM
	if lab_synwall_running; then
		lab_stop_synwall TERM 10 >/dev/null 2>&1
	fi
	for ns in $LAB_NS_CREATED; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -n "$pids" ]] && _lab_kill_pids $pids
	done
	# Reap the wrapper subshells of lab_bg / lab_start_synwall.
	wait 2>/dev/null
	for ns in $LAB_NS_CREATED; do
		ip netns del "$ns" 2>/dev/null || lab_log "could not delete namespace $ns"
	done
	LAB_NS_CREATED=""
	rm -rf "/var/run/dpdk/sw-$LAB_ID" "/var/run/dpdk/sw-null-$LAB_ID"
	rm -f /dev/hugepages/"sw-$LAB_ID"map_*
	if [[ -n "${LAB_KEEP_LOGS:-}" && -d "$LAB_DIR" ]]; then
		mkdir -p "$LAB_KEEP_LOGS" && find "$LAB_DIR" -maxdepth 1 -type f \
			\( -name '*.log' -o -name '*.json' -o -name '*.cmd' -o -name '*.ini' \) \
			-exec cp {} "$LAB_KEEP_LOGS/" \;
	fi
	rm -rf "$LAB_DIR"
	LAB_OWNER=""
	lab_log "down: $LAB_ID"
	return "$rc"
}
