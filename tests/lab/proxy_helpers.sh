# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# proxy_helpers.sh: helpers for the proxy e2e files (tests/e2e/test_proxy*.sh), sourced after
# lab.sh and e2e.sh: the proxy config, live counters and flows over DPDK telemetry, host
# sysctl profiles, packet captures whose decode lands in the test log when a test fails.

# proxy_write_config FILE [PORTS [PORTS_LINE]]: the lab ports ($LAB_OUT_PORT / $LAB_IN_PORT,
# lab.sh), PORTS_LINE (e.g. "csum_offload = off") in [ports], short teardown timeouts
# (ESTABLISHED keeps its 1 h default, so a flow whose teardown synwall missed never drains),
# and the service 198.18.2.1/32 on PORTS (default "80, 5001, 5002").
proxy_write_config()
{
	local file=$1 ports=${2:-80, 5001, 5002} line=${3:-}
	cat >"$file" <<EOF
; synwall proxy e2e config written by tests/lab/proxy_helpers.sh
[ports]
outside = ${LAB_OUT_PORT:-net_af_packet0}
inside = ${LAB_IN_PORT:-net_af_packet1}
$line

[timeouts]
syn_sent = 5s
fin_wait = 5s
close_wait = 5s
last_ack = 5s
closing = 5s
time_wait = 2s
closed = 1s

[service web]
dst = $LAB_SRV_IP/32
ports = $ports
EOF
}

# proxy_start [PORTS]: write the config above and start synwall on it (e2e_file_setup).
proxy_start()
{
	proxy_write_config "$LAB_DIR/synwall.ini" "$@"
	# The namespace's own tcp_rmem default (it depends on memory), for proxy_hosts_default.
	lab_srv sysctl -n net.ipv4.tcp_rmem >"$LAB_DIR/tcp_rmem.default"
	# shellcheck disable=SC2086
	lab_start_synwall "$LAB_DIR/synwall.ini" ${E2E_SYNWALL_ARGS:-}
}

# proxy_tel CMD: one DPDK telemetry request to the running synwall; prints the JSON answer.
proxy_tel()
{
	local out
	out=$(dpdk-telemetry.py -f "sw-$LAB_ID" <<<"$1" 2>&1) || {
		echo "telemetry $1 failed: $out" >&2
		return 1
	}
	grep -m1 '^{' <<<"$out"
}

# proxy_stats: "name value" lines of /synwall/stats (per-port counters, drop_*, events).
proxy_stats()
{
	proxy_tel /synwall/stats | "$LAB_PYTHON" -c '
import json, sys
for k, v in next(iter(json.load(sys.stdin).values())).items():
    print(k, v)'
}

# proxy_stat_get FILE NAME: one value from a proxy_stats snapshot file (0 when absent).
proxy_stat_get()
{
	awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"
}

# proxy_stat_delta BEFORE AFTER NAME: AFTER - BEFORE for one counter.
proxy_stat_delta()
{
	echo $(($(proxy_stat_get "$2" "$3") - $(proxy_stat_get "$1" "$3")))
}

# proxy_delta NAME: the change of one counter between the snapshots $LAB_DIR/before.stats
# and $LAB_DIR/after.stats (taken with proxy_stats).
proxy_delta()
{
	proxy_stat_delta "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" "$1"
}

# proxy_flows: one line "total=N SYN_SENT=n ESTABLISHED=n ..." from /synwall/flows (the
# states are its upper-case keys; total is its "total" when it has one, else their sum).
proxy_flows()
{
	proxy_tel /synwall/flows | "$LAB_PYTHON" -c '
import json, sys
d = next(iter(json.load(sys.stdin).values()))
states = {k: v for k, v in d.items() if k.isupper()}
total = d.get("total", sum(states.values()))
print(" ".join([f"total={total}"] + [f"{k}={v}" for k, v in states.items()]))'
}

# proxy_flows_field LINE KEY: value of KEY in a proxy_flows line.
proxy_flows_field()
{
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# proxy_flows_live LINE: flows in states a finished connection must have left (everything
# but TIME_WAIT and CLOSED).
proxy_flows_live()
{
	local s n=0
	for s in SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT LAST_ACK CLOSING; do
		n=$((n + $(proxy_flows_field "$1" "$s")))
	done
	echo "$n"
}

# proxy_wait_flows_zero TIMEOUT_S: poll /synwall/flows until total is 0; prints the
# seconds it took (or the last line seen) and returns 1 on timeout.
proxy_wait_flows_zero()
{
	local deadline t0 line
	t0=$(date +%s.%N)
	deadline=$((SECONDS + $1))
	while :; do
		line=$(proxy_flows)
		if [[ "$(proxy_flows_field "$line" total)" == 0 ]]; then
			awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", e - s }'
			return 0
		fi
		if ((SECONDS >= deadline)); then
			echo "$line"
			return 1
		fi
		sleep 0.25
	done
}

# proxy_worker_cpu: "TICKS N": CPU time (utime + stime, in clock ticks) used so far by
# synwall's worker lcore threads, and how many there are. A busy-polling worker uses all
# of its CPU unless the scheduler gives that CPU to something else.
proxy_worker_cpu()
{
	local pid task comm ticks=0 n=0
	local -a st
	pid=$(cat "$LAB_DIR/synwall.pid")
	for task in /proc/"$pid"/task/*; do
		comm=$(cat "$task/comm" 2>/dev/null) || continue
		[[ "$comm" == *worker* ]] || continue
		read -ra st <"$task/stat"
		# Fields 14 and 15 (utime, stime) counted after the ")" that ends the name.
		ticks=$((ticks + st[13] + st[14]))
		n=$((n + 1))
	done
	echo "$ticks $n"
}

# proxy_worker_share BEFORE AFTER SECONDS: percentage of their CPUs synwall's workers got
# between two proxy_worker_cpu readings SECONDS apart.
proxy_worker_share()
{
	local hz
	hz=$(getconf CLK_TCK)
	awk -v b="$1" -v a="$2" -v s="$3" -v hz="$hz" 'BEGIN {
		split(b, x, " "); split(a, y, " ")
		if (s <= 0 || y[2] == 0) { print 0; exit }
		printf "%d", (y[1] - x[1]) * 100 / (hz * s * y[2]) }'
}

# proxy_idle_listener NAME PORT BACKLOG SECONDS: a server socket on the lab server's address
# that accepts nothing (the kernel completes handshakes into its backlog), in the background
# as NAME (lab_bg) for SECONDS, and waits until it listens.
proxy_idle_listener()
{
	local name=$1 port=$2 backlog=$3 secs=$4
	lab_bg srv "$name" "$LAB_PYTHON" -c "import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$LAB_SRV_IP', $port))
s.listen($backlog)
time.sleep($secs)"
	lab_wait_tcp srv "$port" 10
}

# proxy_hosts_default: client and server back to this file's baseline: kernel TCP option
# sysctls on, default buffers, no iptables INPUT/OUTPUT rules. Every test starts with it.
proxy_hosts_default()
{
	local role rmem
	rmem=$(tr -s '\t ' ' ' <"$LAB_DIR/tcp_rmem.default")
	for role in cli srv; do
		ip netns exec "$(lab_ns "$role")" sysctl -qw net.ipv4.tcp_timestamps=1 \
			net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
			net.ipv4.tcp_rmem="$rmem" >/dev/null
		ip netns exec "$(lab_ns "$role")" iptables -F INPUT
		ip netns exec "$(lab_ns "$role")" iptables -F OUTPUT
	done
}

# proxy_capture_start NAME ROLE FILTER...: tcpdump on ROLE's lab interface into
# $LAB_DIR/NAME.pcap; waits until it listens. When the test then fails (exits non-zero),
# its SYN/FIN/RST segments and last packets are printed into its log and the whole
# decode is kept next to it as capture-TIME-NAME.log (an EXIT trap).
proxy_capture_start()
{
	local name=$1 role=$2 ifname
	shift 2
	ifname=$LAB_CLI_IF
	[[ "$role" == srv ]] && ifname=$LAB_SRV_IF
	lab_bg "$role" "cap-$name" tcpdump --immediate-mode -U -n -s 128 -i "$ifname" \
		-w "$LAB_DIR/$name.pcap" "$@"
	lab_wait_for 10 grep -q "listening on" "$LAB_DIR/cap-$name.log" ||
		{ cat "$LAB_DIR/cap-$name.log" >&2; return 1; }
	PROXY_CAPTURES="${PROXY_CAPTURES:-} $name"
	trap '_proxy_dump_on_failure $?' EXIT
}

# proxy_capture_stop: stop every capture this test started (tcpdump flushes on TERM).
proxy_capture_stop()
{
	local name
	for name in ${PROXY_CAPTURES:-}; do
		lab_kill "cap-$name"
	done
}

# proxy_capture_text NAME [TCPDUMP_ARGS...]: the decoded capture (one line per packet).
proxy_capture_text()
{
	local name=$1
	shift
	tcpdump -n -tt -r "$LAB_DIR/$name.pcap" "$@" 2>/dev/null
}

# _proxy_dump_on_failure RC: the EXIT trap of a test with captures.
_proxy_dump_on_failure()
{
	local name
	(($1 != 0)) || return 0
	proxy_capture_stop
	for name in ${PROXY_CAPTURES:-}; do
		echo "--- capture $name: SYN/FIN/RST segments (first 200)" >&2
		proxy_capture_text "$name" 'tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0' |
			head -n 200 >&2
		echo "--- capture $name: last 40 packets" >&2
		proxy_capture_text "$name" | tail -n 40 >&2
		# All of it, kept with the logs (the runner copies $LAB_DIR/*.log).
		proxy_capture_text "$name" -S >"$LAB_DIR/capture-$(date +%H%M%S)-$name.log"
	done
}

# proxy_fail MSG: fail the test (its captures are printed on the way out).
proxy_fail()
{
	fail "$@"
}

# proxy_sockets ROLE PORT STATES...: TCP sockets of ROLE whose local or remote port is
# PORT, in any of STATES (ss state names, e.g. fin-wait-1 close-wait).
proxy_sockets()
{
	local role=$1 port=$2 st
	local -a filter=()
	shift 2
	for st in "$@"; do
		filter+=(state "$st")
	done
	ip netns exec "$(lab_ns "$role")" ss -Htan "${filter[@]}" \
		"( sport = :$port or dport = :$port )"
}

# proxy_ports: /synwall/ports (tests/lab/swtel.py) as one line per role:
# "ROLE name=N port_id=N driver=D rx_csum_offload=N tx_csum_offload=N".
proxy_ports()
{
	local out
	out=$("$LAB_PYTHON" "$LAB_LIB_DIR/swtel.py" get "sw-$LAB_ID" /synwall/ports) ||
		fail "telemetry /synwall/ports failed"
	"$LAB_PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
for role in ("outside", "inside"):
    p = d.get(role, {})
    keys = ("name", "port_id", "driver", "rx_csum_offload", "tx_csum_offload")
    print(role, " ".join("%s=%s" % (k, p.get(k, "missing")) for k in keys))
' "$out"
}

# proxy_xfer PORT UP_MIB DOWN_MIB: one proxied connection through tcpxfer.py, both ways at
# once; byte counts and sha256 must match across client and server.
proxy_xfer()
{
	local port=$1 up=$2 down=$3 limit=30 cli srv rc=0
	lab_bg srv "xfer-$port" "$LAB_PYTHON" "$LAB_LIB_DIR/tcpxfer.py" serve "$LAB_SRV_IP" \
		"$port" --send-mib "$down" --timeout "$limit"
	lab_wait_tcp srv "$port" 10
	cli=$(lab_cli timeout $((limit + 10)) "$LAB_PYTHON" "$LAB_LIB_DIR/tcpxfer.py" send \
		"$LAB_SRV_IP" "$port" --send-mib "$up" --timeout "$limit") || rc=$?
	lab_bg_wait "xfer-$port" $((limit + 10)) || rc=$((rc ? rc : 100 + $?))
	srv=$(grep '^tcpxfer role=server' "$LAB_DIR/xfer-$port.log" || true)
	echo "client: $cli"
	echo "server: $srv"
	if ((rc != 0)) || [[ -z "$srv" || -z "$cli" ]]; then
		sed 's/^/server log: /' "$LAB_DIR/xfer-$port.log" >&2
		fail "transfer on port $port (up $up MiB, down $down MiB) failed (rc $rc)"
	fi
	assert_eq "$(proxy_kv "$cli" sent)" "$((up * 1048576))" "bytes the client sent"
	assert_eq "$(proxy_kv "$srv" sent)" "$((down * 1048576))" "bytes the server sent"
	assert_eq "$(proxy_kv "$srv" rcvd)" "$(proxy_kv "$cli" sent)" "bytes client->server"
	assert_eq "$(proxy_kv "$srv" rcvd_sha)" "$(proxy_kv "$cli" sent_sha)" \
		"sha256 client->server"
	assert_eq "$(proxy_kv "$cli" rcvd)" "$(proxy_kv "$srv" sent)" "bytes server->client"
	assert_eq "$(proxy_kv "$cli" rcvd_sha)" "$(proxy_kv "$srv" sent_sha)" \
		"sha256 server->client"
}

# proxy_kv LINE KEY: value of KEY=VALUE in a helper's result line.
proxy_kv()
{
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2; exit }'
}
