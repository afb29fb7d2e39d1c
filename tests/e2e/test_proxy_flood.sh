# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Proxy under flood e2e: during a bounded spoofed SYN flood (sources 198.19.0.0/16) at a
# protected port, 1000 real curl connections all succeed, the server never holds a
# half-open socket from a spoofed source, synwall answers the flood with cookies and
# accounts for every packet. A control flood at an unprotected port shows the server does
# get half-open sockets when synwall does not proxy (so the zero above means something).

# shellcheck source=../lab/proxy_helpers.sh
source "$LAB_LIB_DIR/proxy_helpers.sh"

FLOOD_PORT=80 # in [service web]
CONTROL_PORT=5003 # in no service: bridged to the server kernel
FLOOD_COUNT=${FLOOD_COUNT:-200000}
# Paced so that the flood outlasts the 1000 curls (about 2 s unloaded) several times over:
# 200k SYNs at 20k/s = 10 s. test_flood_max_rate runs the same count unpaced.
FLOOD_RATE=${FLOOD_RATE:-20000}
CURL_LOOPS=4
CURL_PER_LOOP=250
TIMEOUT_test_flood_protected=90
TIMEOUT_test_flood_max_rate=60
TIMEOUT_test_flood_unprotected_control=60

e2e_file_setup()
{
	proxy_start
}

# sampler_start NAME PORT: every 0.1 s, one line "total spoofed" of the server's SYN-RECV
# sockets on PORT (spoofed: peer in 198.19.0.0/16), into $LAB_DIR/NAME.log. Stops by
# itself after 60 s.
sampler_start()
{
	# shellcheck disable=SC2016
	lab_bg srv "$1" bash -c '
		for ((i = 0; i < 600; i++)); do
			ss -Htan state syn-recv "( sport = :$0 )" | awk "
				{ n++ } \$4 ~ /^198\.19\./ { s++ } END { print n + 0, s + 0 }"
			sleep 0.1
		done' "$2"
}

# sampler_report NAME: "samples N max_total N max_spoofed N"
sampler_report()
{
	awk '{ n++; if ($1 > t) t = $1; if ($2 > s) s = $2 }
		END { printf "samples %d max_total %d max_spoofed %d\n", n, t, s }' \
		"$LAB_DIR/$1.log"
}

# link NS_ROLE IFNAME COUNTER: one /sys/class/net statistics counter.
link()
{
	ip netns exec "$(lab_ns "$1")" cat "/sys/class/net/$2/statistics/$3"
}

# flood_start NAME PORT COUNT RATE: synflood from the client namespace in the background.
flood_start()
{
	local sf
	sf=$(lab_tool synflood)
	lab_bg cli "$1" "$sf" --src "$LAB_FLOOD_NET" --dst "$LAB_SRV_IP" --dport "$2" \
		--count "$3" --rate "$4" --duration 30
}

# flood_sent NAME: packets the flood handed to the kernel (its summary line).
flood_sent()
{
	grep -o 'sent=[0-9]*' "$LAB_DIR/$1.log" | cut -d= -f2
}

# accounting BEFORE AFTER: every packet synwall received is forwarded, answered, consumed
# or dropped under a named cause (both ports together; telemetry sums drops over ports).
accounting()
{
	"$LAB_PYTHON" - "$1" "$2" <<'EOF'
import sys
def load(p):
    return {k: int(v) for k, v in (l.split() for l in open(p))}
b, a = load(sys.argv[1]), load(sys.argv[2])
d = {k: a[k] - b.get(k, 0) for k in a}
rx = d["outside_rx"] + d["inside_rx"]
out = sum(d[f"{p}_{k}"] for p in ("outside", "inside") for k in ("fwd", "answered", "consumed"))
drops = {k[5:]: v for k, v in d.items() if k.startswith("drop_") and v}
print(f"accounting: rx {rx} = fwd+answered+consumed {out} + drops {sum(drops.values())}"
      f" {drops or ''}")
sys.exit(0 if rx == out + sum(drops.values()) else 1)
EOF
}

test_flood_protected()
{
	local www="$LAB_DIR/www" i ok conns t0 t_curl sent drop0 drop1 tx0 tx1 dlv0 dlv1 rep
	local synack valid est flows cpu0 cpu1 t_flood share rx
	e2e_require_synwall
	proxy_hosts_default
	mkdir -p "$www"
	echo "synwall flood e2e" >"$www/index.txt"
	lab_bg srv http "$LAB_PYTHON" -m http.server "$FLOOD_PORT" --bind "$LAB_SRV_IP" \
		--directory "$www"
	lab_wait_tcp srv "$FLOOD_PORT" 10
	proxy_stats >"$LAB_DIR/before.stats"
	tx0=$(link cli "$LAB_CLI_IF" tx_packets)
	drop0=$(link cli "$LAB_CLI_IF" tx_dropped)
	dlv0=$(link dut "$LAB_OUT_IF" rx_packets)
	sampler_start synrecv "$FLOOD_PORT"
	cpu0=$(proxy_worker_cpu)
	t_flood=$(date +%s.%N)
	flood_start flood "$FLOOD_PORT" "$FLOOD_COUNT" "$FLOOD_RATE"
	sleep 0.5
	# 1000 connections: CURL_LOOPS curl processes in parallel, each fetching CURL_PER_LOOP
	# URLs one after the other. The server speaks HTTP/1.0 and closes every connection,
	# so each URL is a new TCP connection (checked: num_connects is 1 for each).
	t0=$(date +%s.%N)
	for ((i = 0; i < CURL_LOOPS; i++)); do
		lab_bg cli "curl$i" curl -sS -o /dev/null --max-time 10 \
			-w '%{http_code} %{num_connects}\n' \
			"http://$LAB_SRV_IP:$FLOOD_PORT/index.txt?loop=$i&n=[1-$CURL_PER_LOOP]"
	done
	for ((i = 0; i < CURL_LOOPS; i++)); do
		lab_bg_wait "curl$i" 60 || echo "curl loop $i exited $?"
	done
	t_curl=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	kill -0 "$(lab_bg_pid flood)" 2>/dev/null ||
		fail "the flood ended before the curls (they took ${t_curl}s): raise FLOOD_COUNT"
	flows=$(proxy_flows)
	lab_bg_wait flood 40 || fail "synflood exited $?"
	cpu1=$(proxy_worker_cpu)
	t_flood=$(awk -v s="$t_flood" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
	sleep 1
	proxy_stats >"$LAB_DIR/after.stats"
	lab_kill synrecv
	tx1=$(link cli "$LAB_CLI_IF" tx_packets)
	drop1=$(link cli "$LAB_CLI_IF" tx_dropped)
	dlv1=$(link dut "$LAB_OUT_IF" rx_packets)

	cat "$LAB_DIR/flood.log"
	ok=$(cat "$LAB_DIR"/curl*.log | grep -c '^200 1$' || true)
	conns=$(cat "$LAB_DIR"/curl*.log | awk '{ n += $2 } END { print n + 0 }')
	echo "curl: $ok of $((CURL_LOOPS * CURL_PER_LOOP)) answered 200 over $conns connections" \
		"in ${t_curl}s, all during the flood"
	cat "$LAB_DIR"/curl*.log | sort | uniq -c | sed 's/^/  curl results: /'
	sent=$(flood_sent flood)
	rx=$(proxy_delta outside_rx)
	share=$(proxy_worker_share "$cpu0" "$cpu1" "$t_flood")
	synack=$(proxy_delta synack_sent)
	valid=$(proxy_delta cookie_valid)
	est=$(proxy_delta conn_established)
	rep=$(sampler_report synrecv)
	echo "flood: sent $sent (client veth tx +$((tx1 - tx0)) incl. curl, tx_dropped" \
		"+$((drop1 - drop0))); dut veth rx +$((dlv1 - dlv0)); synwall outside rx +$rx" \
		"(lost in the af_packet ring before synwall: $((dlv1 - dlv0 - rx)))"
	echo "synwall's worker got ${share}% of its CPU during the ${t_flood}s flood"
	echo "synwall: syn_rcvd +$(proxy_delta syn_rcvd) synack_sent +$synack" \
		"cookie_valid +$valid conn_established +$est"
	echo "flows right after the curls: $flows"
	echo "server SYN-RECV on :$FLOOD_PORT during the flood: $rep"

	assert_eq "$ok" $((CURL_LOOPS * CURL_PER_LOOP)) "curl transfers that got 200"
	assert_eq "$conns" $((CURL_LOOPS * CURL_PER_LOOP)) "TCP connections curl opened"
	assert_ge "$(awk '{ print $2 }' <<<"$rep")" 20 "SYN-RECV samples taken"
	assert_eq "$(awk '{ print $6 }' <<<"$rep")" 0 "server SYN-RECV sockets from spoofed sources"
	# Every SYN that reached synwall got a cookie SYN-ACK.
	assert_eq "$synack" "$(proxy_delta syn_rcvd)" "cookie SYN-ACKs vs SYNs received"
	# Capacity: at least 90 % of the flood answered (the curls' own SYNs are in synack_sent
	# too: 1000 of them are theirs). Frames lost in the af_packet ring before synwall saw
	# them are excused only when the worker did not have its CPU: a busy poller that the
	# scheduler preempts (other busy pollers on the same CPU of a shared machine) cannot
	# drain its ring, and DPDK 22.11's net_af_packet reports no imissed for those frames.
	echo "flood SYNs answered with a cookie: $((synack - ok)) of $sent"
	if ((synack - ok < sent * 9 / 10 && dlv1 - dlv0 - rx > 0 && share < 90)); then
		echo "WARNING: capacity check skipped: $((dlv1 - dlv0 - rx)) frames lost before" \
			"synwall while its worker got only ${share}% of its CPU"
	else
		assert_ge $((synack - ok)) $((sent * 9 / 10)) "flood SYNs answered with a cookie"
	fi
	assert_ge "$valid" $((CURL_LOOPS * CURL_PER_LOOP)) "cookie_valid"
	assert_ge "$est" $((CURL_LOOPS * CURL_PER_LOOP)) "conn_established"
	# No state for the flood: only the curls' connections can be in the table.
	assert_le "$(proxy_flows_field "$flows" total)" $((CURL_LOOPS * CURL_PER_LOOP)) \
		"flows in synwall's table during the flood"
	accounting "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" ||
		fail "synwall's counters do not account for every packet it received"
}

# The same count unpaced: whatever reaches synwall is answered, nothing reaches the server.
test_flood_max_rate()
{
	local sent dlv0 dlv1 rx synack rep cpu0 cpu1 t_flood
	e2e_require_synwall
	proxy_hosts_default
	proxy_idle_listener listener "$FLOOD_PORT" 4096 60
	proxy_stats >"$LAB_DIR/before.stats"
	dlv0=$(link dut "$LAB_OUT_IF" rx_packets)
	sampler_start synrecv "$FLOOD_PORT"
	cpu0=$(proxy_worker_cpu)
	t_flood=$(date +%s.%N)
	flood_start flood "$FLOOD_PORT" "$FLOOD_COUNT" 0
	lab_bg_wait flood 40 || fail "synflood exited $?"
	cpu1=$(proxy_worker_cpu)
	t_flood=$(awk -v s="$t_flood" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
	sleep 1
	proxy_stats >"$LAB_DIR/after.stats"
	dlv1=$(link dut "$LAB_OUT_IF" rx_packets)
	lab_kill synrecv
	cat "$LAB_DIR/flood.log"
	sent=$(flood_sent flood)
	rx=$(proxy_delta outside_rx)
	synack=$(proxy_delta synack_sent)
	rep=$(sampler_report synrecv)
	echo "max rate: sent $sent, dut veth rx +$((dlv1 - dlv0)), synwall outside rx +$rx" \
		"(lost in the af_packet ring before synwall: $((dlv1 - dlv0 - rx))), synack_sent" \
		"+$synack ($((synack * 100 / sent)) % of sent)"
	echo "synwall's worker got $(proxy_worker_share "$cpu0" "$cpu1" "$t_flood")% of its CPU" \
		"during the ${t_flood}s flood"
	echo "server SYN-RECV on :$FLOOD_PORT during the flood: $rep"
	assert_ge "$(awk '{ print $2 }' <<<"$rep")" 5 "SYN-RECV samples taken"
	assert_eq "$(awk '{ print $6 }' <<<"$rep")" 0 "server SYN-RECV sockets from spoofed sources"
	assert_eq "$synack" "$rx" "SYNs synwall received vs cookie SYN-ACKs it sent"
	accounting "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" ||
		fail "synwall's counters do not account for every packet it received"
}

# Control: the same kind of flood at a port synwall does not protect reaches the server
# kernel, which then holds SYN-RECV sockets for spoofed sources. Without this, the zero
# in the tests above could come from a flood that never arrives.
test_flood_unprotected_control()
{
	local n=20000 rep synack fwd rx
	e2e_require_synwall
	proxy_hosts_default
	proxy_idle_listener listener "$CONTROL_PORT" 4096 60
	proxy_stats >"$LAB_DIR/before.stats"
	sampler_start synrecv "$CONTROL_PORT"
	flood_start flood "$CONTROL_PORT" "$n" 10000
	lab_bg_wait flood 40 || fail "synflood exited $?"
	sleep 0.5
	proxy_stats >"$LAB_DIR/after.stats"
	lab_kill synrecv
	cat "$LAB_DIR/flood.log"
	rep=$(sampler_report synrecv)
	synack=$(proxy_delta synack_sent)
	fwd=$(proxy_delta outside_fwd)
	rx=$(proxy_delta outside_rx)
	echo "control flood at unprotected :$CONTROL_PORT: synwall outside rx +$rx, fwd +$fwd," \
		"synack_sent +$synack; server SYN-RECV: $rep"
	assert_eq "$synack" 0 "cookie SYN-ACKs for an unprotected port"
	assert_eq "$fwd" "$rx" "flood SYNs synwall received vs bridged to the server"
	assert_ge "$(awk '{ print $6 }' <<<"$rep")" 1 \
		"server SYN-RECV sockets from spoofed sources without protection"
}
