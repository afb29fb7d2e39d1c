# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Proxy e2e: real Linux clients reach a protected service through synwall's SYN cookies and
# splice. Every combination of the client's timestamps / SACK / window scaling against
# servers with window scale 10, 0 and none moves data both ways intact; the proxied path
# keeps at least 80 % of the plain bridge's throughput; 1 % loss on both hosts still
# delivers every byte.

# shellcheck source=../lab/proxy_helpers.sh
source "$LAB_LIB_DIR/proxy_helpers.sh"

PROXY_PORT=5001 # in [service web]: proxied
BRIDGE_PORT=5003 # not in any service: bridged untouched
PROXY_MATRIX_MIB=${PROXY_MATRIX_MIB:-4}
PROXY_BULK_MIB=${PROXY_BULK_MIB:-64}
PROXY_LOSS_MIB=${PROXY_LOSS_MIB:-16}
PROXY_MIN_RATIO_PCT=${PROXY_MIN_RATIO_PCT:-80}
TIMEOUT_test_matrix_server_wscale10=90
TIMEOUT_test_matrix_server_wscale0=90
TIMEOUT_test_matrix_server_no_wscale=90
TIMEOUT_test_wscale_learned=90
TIMEOUT_test_throughput_vs_bridge=150
TIMEOUT_test_loss_1pct=90

e2e_file_setup()
{
	proxy_start
}

# xfer PORT UP_MIB DOWN_MIB [RCVBUF] [TIMEOUT_S]: one connection through tcpxfer.py,
# UP_MIB client->server and DOWN_MIB server->client at the same time. Both byte counts
# and both sha256 must match across the two processes. Sets XFER_CPORT (client port) and
# XFER_ELAPSED (client's connect-to-EOF seconds).
xfer()
{
	local port=$1 up=$2 down=$3 rcvbuf=${4:-0} limit=${5:-30} cli srv rc=0
	lab_bg srv "xfer-$port" "$LAB_PYTHON" "$LAB_LIB_DIR/tcpxfer.py" serve "$LAB_SRV_IP" \
		"$port" --send-mib "$down" --rcvbuf "$rcvbuf" --timeout "$limit"
	lab_wait_tcp srv "$port" 10
	cli=$(lab_cli timeout $((limit + 10)) "$LAB_PYTHON" "$LAB_LIB_DIR/tcpxfer.py" send \
		"$LAB_SRV_IP" "$port" --send-mib "$up" --timeout "$limit") || rc=$?
	lab_bg_wait "xfer-$port" $((limit + 10)) || rc=$((rc ? rc : 100 + $?))
	srv=$(grep '^tcpxfer role=server' "$LAB_DIR/xfer-$port.log" || true)
	if ((rc != 0)) || [[ -z "$srv" || -z "$cli" ]]; then
		echo "client: $cli" >&2
		sed 's/^/server: /' "$LAB_DIR/xfer-$port.log" >&2
		proxy_fail "transfer on port $port (up $up MiB, down $down MiB) failed (rc $rc)"
	fi
	[[ "$(proxy_kv "$cli" sent)" == "$(proxy_kv "$srv" rcvd)" &&
		"$(proxy_kv "$cli" sent_sha)" == "$(proxy_kv "$srv" rcvd_sha)" ]] ||
		proxy_fail "client->server bytes differ on port $port: $cli / $srv"
	[[ "$(proxy_kv "$srv" sent)" == "$(proxy_kv "$cli" rcvd)" &&
		"$(proxy_kv "$srv" sent_sha)" == "$(proxy_kv "$cli" rcvd_sha)" ]] ||
		proxy_fail "server->client bytes differ on port $port: $cli / $srv"
	assert_eq "$(proxy_kv "$cli" sent)" "$((${up%.*} * 1048576))" "bytes the client sent"
	assert_eq "$(proxy_kv "$srv" sent)" "$((${down%.*} * 1048576))" "bytes the server sent"
	XFER_CPORT=$(proxy_kv "$cli" cport)
	XFER_ELAPSED=$(proxy_kv "$cli" elapsed_s)
}

# syn_opts CAPTURE SRC DST FLAGS: TCP options of the first segment SRC > DST with exactly
# FLAGS ("S" or "S.") in a capture, as "ts=0|1 sack=0|1 ws=none|N mss=N".
syn_opts()
{
	local line
	line=$(proxy_capture_text "$1" | grep -F -m1 " IP $2 > $3: Flags [$4]," || true)
	[[ -n "$line" ]] || { echo "missing"; return 0; }
	"$LAB_PYTHON" - "$line" <<'EOF'
import re, sys
line = sys.argv[1]
m = re.search(r"options \[([^\]]*)\]", line)
opts = m.group(1) if m else ""
ws = re.search(r"wscale (\d+)", opts)
mss = re.search(r"mss (\d+)", opts)
print(f"ts={int('TS val' in opts)} sack={int('sackOK' in opts)}"
      f" ws={ws.group(1) if ws else 'none'} mss={mss.group(1) if mss else 'none'}")
EOF
}

# matrix PROFILE: the 8 client option combinations against one server profile.
#   wscale10  server defaults: tcp_rmem max 32 MiB, the kernel announces window scale 10
#   wscale0   tcp_rmem "4096 65535 65535" and SO_RCVBUF 32768 on the listener: window
#             scale option present with shift 0 (tcp_rmem alone still gives shift 7 here,
#             the global net.core.rmem_max counts too)
#   nows      tcp_window_scaling=0: no window scale option at all
matrix()
{
	local profile=$1 rcvbuf=0 want_srv_ws ts sack ws cli srv before after n=0 bad=0
	local cport srv_syn srv_synack cli_synack row want
	local -a rows=()
	proxy_hosts_default
	case $profile in
	wscale10) want_srv_ws=10 ;;
	wscale0)
		lab_srv sysctl -qw net.ipv4.tcp_rmem="4096 65535 65535"
		rcvbuf=32768 want_srv_ws=0
		;;
	nows)
		lab_srv sysctl -qw net.ipv4.tcp_window_scaling=0
		want_srv_ws=none
		;;
	esac
	cli="$LAB_CLI_IP" srv="$LAB_SRV_IP.$PROXY_PORT"
	proxy_capture_start syn-cli cli "tcp port $PROXY_PORT and tcp[tcpflags] & tcp-syn != 0"
	proxy_capture_start syn-srv srv "tcp port $PROXY_PORT and tcp[tcpflags] & tcp-syn != 0"
	proxy_stats >"$LAB_DIR/before.stats"
	for ts in 0 1; do
		for sack in 0 1; do
			for ws in 0 1; do
				lab_cli sysctl -qw net.ipv4.tcp_timestamps=$ts \
					net.ipv4.tcp_sack=$sack net.ipv4.tcp_window_scaling=$ws
				xfer "$PROXY_PORT" "$PROXY_MATRIX_MIB" "$PROXY_MATRIX_MIB" "$rcvbuf"
				echo "client ts=$ts sack=$sack ws=$ws: $PROXY_MATRIX_MIB MiB" \
					"each way in ${XFER_ELAPSED}s, sha256 match" \
					"(client port $XFER_CPORT)"
				rows+=("$ts $sack $ws $XFER_CPORT")
				n=$((n + 1))
			done
		done
	done
	proxy_stats >"$LAB_DIR/after.stats"
	sleep 0.3
	proxy_capture_stop
	for what in syn_rcvd synack_sent cookie_valid conn_established; do
		echo "$what +$(proxy_delta "$what")"
	done
	assert_ge "$(proxy_delta cookie_valid)" "$n" "cookie_valid increments for $n connections"
	assert_ge "$(proxy_delta conn_established)" "$n" \
		"conn_established increments for $n connections"

	# Options on the wire, per connection. Every server profile here supports timestamps
	# and SACK, so with the default "learn" settings the proxy must offer each client the
	# timestamps / SACK-permitted it asked for, and never an option the client's SYN
	# lacked (RFC 7323 2.2 and 3.2, RFC 2018 2). Its SYN to the backend carries what the
	# client negotiated, so that both ends agree on what is in use.
	printf '%-16s %-34s %-34s %s\n' "client ts/sack/ws" "proxy SYN-ACK to client" \
		"proxy SYN to server" "server SYN-ACK"
	for row in "${rows[@]}"; do
		read -r ts sack ws cport <<<"$row"
		cli_synack=$(syn_opts syn-cli "$srv" "$cli.$cport" S.)
		srv_syn=$(syn_opts syn-srv "$cli.$cport" "$srv" S)
		srv_synack=$(syn_opts syn-srv "$srv" "$cli.$cport" S.)
		printf '%-16s %-34s %-34s %s\n' "$ts/$sack/$ws" "$cli_synack" "$srv_syn" \
			"$srv_synack"
		want="ts=$ts sack=$sack ws="
		((ws)) && want+="[0-9]+" || want+="none"
		# Once the epoch turns the proxy offers what it learned: no WS from a server
		# without it (test_wscale_learned checks the learned values exactly).
		if ((ws)) && [[ "$profile" == nows && "$cli_synack" == *" ws=none "* ]]; then
			:
		elif ! grep -Eq "^$want mss=[0-9]+$" <<<"$cli_synack"; then
			echo "  ^ proxy SYN-ACK to client: want '$want' (what the client offered)"
			bad=1
		fi
		if ! grep -Eq "^$want mss=[0-9]+$" <<<"$srv_syn"; then
			echo "  ^ proxy SYN to server: want '$want' (the client's options)"
			bad=1
		fi
		# The profile really is what it claims (only visible when the SYN offered scaling).
		if ((ws)) && [[ "$srv_synack" != *" ws=$want_srv_ws "* ]]; then
			echo "  ^ server SYN-ACK: want ws=$want_srv_ws (profile $profile)"
			bad=1
		fi
	done
	((bad == 0)) || proxy_fail "TCP options on the wire do not match (see the table)"
	proxy_hosts_default
}

# What the proxy offers a client must not depend on what an earlier client asked for:
# one client without timestamps and SACK, between two that have both, through the same
# service. The third must be offered both again (the backend supports both throughout).
test_options_follow_each_client()
{
	local step ts sack cport got want bad=0
	local cli="$LAB_CLI_IP" srv="$LAB_SRV_IP.$PROXY_PORT"
	local -a rows=()
	e2e_require_synwall
	proxy_hosts_default
	proxy_capture_start syn-cli cli "tcp port $PROXY_PORT and tcp[tcpflags] & tcp-syn != 0"
	for step in "1 1" "0 0" "1 1"; do
		read -r ts sack <<<"$step"
		lab_cli sysctl -qw net.ipv4.tcp_timestamps="$ts" net.ipv4.tcp_sack="$sack"
		xfer "$PROXY_PORT" 1 1
		rows+=("$ts $sack $XFER_CPORT")
	done
	sleep 0.3
	proxy_capture_stop
	for step in "${rows[@]}"; do
		read -r ts sack cport <<<"$step"
		got=$(syn_opts syn-cli "$srv" "$cli.$cport" S.)
		want="ts=$ts sack=$sack"
		echo "client ts=$ts sack=$sack (port $cport): proxy SYN-ACK $got"
		[[ "$got" =~ ^"$want ws="[0-9]+" " ]] || { echo "  ^ want $want ws=N"; bad=1; }
	done
	((bad == 0)) || proxy_fail "the proxy's SYN-ACK options follow an earlier client"
	proxy_hosts_default
}

test_matrix_server_wscale10()
{
	e2e_require_synwall
	matrix wscale10
}

test_matrix_server_wscale0()
{
	e2e_require_synwall
	matrix wscale0
}

test_matrix_server_no_wscale()
{
	e2e_require_synwall
	matrix nows
}

# reload_epoch DURATION: SIGHUP synwall onto the proxy config with [general] cookie_epoch =
# DURATION (empty: without the key, the default) and wait until the reload is counted.
reload_epoch()
{
	local before i
	proxy_write_config "$LAB_DIR/synwall.ini.next"
	[[ -z "$1" ]] || printf '\n[general]\ncookie_epoch = %s\n' "$1" >>"$LAB_DIR/synwall.ini.next"
	mv "$LAB_DIR/synwall.ini.next" "$LAB_DIR/synwall.ini"
	before=$(reloads_ok)
	kill -HUP "$(cat "$LAB_DIR/synwall.pid")"
	for ((i = 0; i < 50; i++)); do
		(($(reloads_ok) > before)) && return 0
		sleep 0.1
	done
	proxy_fail "reload to cookie_epoch '$1' not counted"
}

# reloads_ok: synwall's count of successful reloads (/synwall/config).
reloads_ok()
{
	proxy_tel /synwall/config | "$LAB_PYTHON" -c \
		'import json,sys; print(next(iter(json.load(sys.stdin).values()))["reload_ok"])'
}

# The window scale the proxy offers clients follows the server's (learned from its
# SYN-ACK, frozen per cookie epoch): after one connection to each server profile and one
# epoch turn (cookie_epoch = 1s here), the next client's SYN-ACK carries the server's shift,
# or no WS option when the server has none, and its transfer still matches byte for byte.
test_wscale_learned()
{
	e2e_require_synwall
	local profile want rcvbuf got cport bad=0
	local cli="$LAB_CLI_IP" srv="$LAB_SRV_IP.$PROXY_PORT"
	reload_epoch 1s
	for profile in wscale10:10 wscale0:0 nows:none wscale10:10; do
		want=${profile#*:} profile=${profile%%:*} rcvbuf=0
		proxy_hosts_default
		case $profile in
		wscale0)
			lab_srv sysctl -qw net.ipv4.tcp_rmem="4096 65535 65535"
			rcvbuf=32768
			;;
		nows) lab_srv sysctl -qw net.ipv4.tcp_window_scaling=0 ;;
		esac
		xfer "$PROXY_PORT" 1 1 "$rcvbuf" # the proxy learns the server's options
		sleep 1.2 # the next SYN is in a later cookie epoch
		proxy_capture_start "ws-$profile-$want" cli \
			"tcp port $PROXY_PORT and tcp[tcpflags] & tcp-syn != 0"
		xfer "$PROXY_PORT" 2 2 "$rcvbuf"
		cport=$XFER_CPORT
		sleep 0.3
		proxy_capture_stop
		PROXY_CAPTURES=""
		got=$(syn_opts "ws-$profile-$want" "$srv" "$cli.$cport" S.)
		echo "server $profile: proxy SYN-ACK to the next client: $got (want ws=$want)"
		[[ "$got" == *" ws=$want "* ]] || bad=1
	done
	proxy_hosts_default
	reload_epoch ""
	((bad == 0)) || proxy_fail "the window scale offered does not follow the server's"
}

# mbps MIB SECONDS
mbps()
{
	awk -v m="$1" -v s="$2" 'BEGIN { printf "%.0f", m * 8 * 1.048576 / s }'
}

# 64 MiB each way, on the proxied port and on a bridged one, three times; the best time of
# each is compared, so that noise from the shared CPUs does not decide the verdict. Each
# proxied transfer runs right next to its bridged twin, in alternating order.
test_throughput_vs_bridge()
{
	local run port ports dir best key cpu0 cpu1 t0 p b bad=0
	local -A best_s=()
	e2e_require_synwall
	proxy_hosts_default
	proxy_stats >"$LAB_DIR/before.stats"
	cpu0=$(proxy_worker_cpu)
	t0=$(date +%s.%N)
	for run in 1 2 3; do
		for dir in up down; do
			ports="$PROXY_PORT $BRIDGE_PORT"
			((run % 2)) || ports="$BRIDGE_PORT $PROXY_PORT"
			for port in $ports; do
				if [[ $dir == up ]]; then
					xfer "$port" "$PROXY_BULK_MIB" 0 0 60
				else
					xfer "$port" 0 "$PROXY_BULK_MIB" 0 60
				fi
				key="$port-$dir"
				echo "run $run port $port $dir: $PROXY_BULK_MIB MiB in" \
					"${XFER_ELAPSED}s" \
					"($(mbps "$PROXY_BULK_MIB" "$XFER_ELAPSED") Mbit/s)," \
					"sha256 match"
				best=${best_s[$key]:-}
				if [[ -z "$best" ]] || awk -v a="$XFER_ELAPSED" -v b="$best" \
					'BEGIN { exit !(a < b) }'; then
					best_s[$key]=$XFER_ELAPSED
				fi
			done
		done
	done
	cpu1=$(proxy_worker_cpu)
	proxy_stats >"$LAB_DIR/after.stats"
	echo "synwall's worker got $(proxy_worker_share "$cpu0" "$cpu1" \
		"$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')")% of its CPU"
	# Exactly the proxied connections went through cookies; the bridged ones did not.
	assert_eq "$(proxy_delta cookie_valid)" 6 \
		"cookie_valid over 6 proxied + 6 bridged connections"
	for dir in up down; do
		p=$(mbps "$PROXY_BULK_MIB" "${best_s[$PROXY_PORT-$dir]}")
		b=$(mbps "$PROXY_BULK_MIB" "${best_s[$BRIDGE_PORT-$dir]}")
		echo "THROUGHPUT $dir (best of 3, $PROXY_BULK_MIB MiB): proxied $p Mbit/s," \
			"bridged $b Mbit/s, ratio $((p * 100 / b)) %"
		if ((p * 100 < b * PROXY_MIN_RATIO_PCT)); then
			echo "  ^ proxied below $PROXY_MIN_RATIO_PCT % of bridged"
			bad=1
		fi
	done
	((bad == 0)) || fail "proxied throughput below $PROXY_MIN_RATIO_PCT % of the bridge's"
}

# iptables_drops ROLE: packets dropped so far by ROLE's INPUT rules.
iptables_drops()
{
	ip netns exec "$(lab_ns "$1")" iptables -L INPUT -v -x -n |
		awk '$3 == "DROP" { n += $1 } END { print n + 0 }'
}

test_loss_1pct()
{
	local role r0c r0s
	e2e_require_synwall
	proxy_hosts_default
	for role in cli srv; do
		ip netns exec "$(lab_ns "$role")" iptables -A INPUT -m statistic --mode random \
			--probability 0.01 -j DROP
	done
	r0c=$(e2e_snmp cli Tcp RetransSegs)
	r0s=$(e2e_snmp srv Tcp RetransSegs)
	proxy_stats >"$LAB_DIR/before.stats"
	xfer "$PROXY_PORT" "$PROXY_LOSS_MIB" "$PROXY_LOSS_MIB" 0 60
	proxy_stats >"$LAB_DIR/after.stats"
	echo "1% loss: $PROXY_LOSS_MIB MiB each way in ${XFER_ELAPSED}s, sha256 match;" \
		"dropped cli $(iptables_drops cli) srv $(iptables_drops srv);" \
		"retransmitted cli $(($(e2e_snmp cli Tcp RetransSegs) - r0c))" \
		"srv $(($(e2e_snmp srv Tcp RetransSegs) - r0s))"
	# The loss really happened on both hosts (else this test proves nothing).
	assert_ge "$(iptables_drops cli)" 1 "packets dropped by the client's INPUT rule"
	assert_ge "$(iptables_drops srv)" 1 "packets dropped by the server's INPUT rule"
	assert_ge "$(proxy_delta cookie_valid)" 1 "the connection went through a cookie"
	proxy_hosts_default
}
