# SPDX-License-Identifier: BSD-3-Clause
# synwall-gen e2e: foreign ranges refused, gen <-> gen over a memif pair, the zero-window
# probe path, clients plus a SYN flood through synwall, SIGINT and the duration bound.
# Everything runs over net_memif inside the lab's dut namespace (no kernel on the path,
# abstract memif sockets private to that namespace); the file starts its own synwall.
# shellcheck disable=SC2034 # read by run.sh, which sources this file
E2E_SYNWALL=0

gen_bin()
{
	echo "${LAB_BUILD_DIR:-$LAB_REPO/build}/app/synwall-gen"
}

# gen_self NAME LCORES GEN_ARGS...: one generator whose port 0 (memif server) is wired to
# its port 1 (memif client); runs in the background as lab_bg NAME.
gen_self()
{
	local name=$1 lcores=$2 sock="$LAB_DIR/$1.sock"
	shift 2
	lab_bg dut "$name" "$(gen_bin)" -l "$lcores" --no-pci --no-huge -m 512 \
		--file-prefix "gen-$LAB_ID-$name" --log-level=lib.eal:error \
		--vdev "net_memif0,role=server,id=0,socket=$sock" \
		--vdev "net_memif1,role=client,id=0,socket=$sock" -- "$@"
}

# gen_cleanup NAME...: at the end of a test, however it ends: stop the processes it started
# (lab_bg NAMEs) and remove the DPDK runtime directories of this file's prefixes.
gen_cleanup()
{
	local name
	# An EXIT trap under set -e: nothing here may change how the test ended.
	set +eE
	trap - ERR
	for name in "$@"; do
		lab_kill "$name" >/dev/null 2>&1
	done
	rm -rf "/var/run/dpdk/gen-$LAB_ID-"* "/var/run/dpdk/sw-$LAB_ID-gen"
	return 0
}

# gen_val FILE PATH: a value of a generator JSON report (counters.NAME, latency_us.setup.p50).
gen_val()
{
	"$LAB_PYTHON" -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(int(v) if isinstance(v, (int, float)) else v)' "$1" "$2"
}

test_gen_refuses_foreign_ranges()
{
	local args rc
	for args in "--src-net 10.0.0.0/8" "--src-net 198.16.0.0/13" "--src-net 198.20.0.0/16" \
		"--client-net 192.0.2.0/24" "--server-ip 203.0.113.1"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci -- --mode syn-flood,clients $args 2>"$LAB_DIR/refused.err" || rc=$?
		assert_eq "$rc" 2 "synwall-gen $args"
		assert_file_match "$LAB_DIR/refused.err" refused "synwall-gen $args"
	done
	for args in "--duration 0" "--duration 2h" "--rate -1" "--count x" "--mode nope" \
		"--request-bytes 8" "--src-net 198.19.0.1/16"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci -- --mode syn-flood $args 2>/dev/null || rc=$?
		assert_eq "$rc" 2 "synwall-gen $args"
	done
}

test_gen_self_clients_servers()
{
	local j="$LAB_DIR/self.json" n=3000 rc=0
	trap 'gen_cleanup self' EXIT
	gen_self self 0-1 --mode clients,servers --conns $n --concurrency 64 \
		--request-bytes 3000 --response-bytes 20000 --close-first server --duration 30 \
		--stats-interval 0 --json "$j"
	lab_bg_wait self 40 || rc=$?
	cat "$LAB_DIR/self.log"
	assert_eq "$rc" 0 "generator exit status"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed"
	assert_eq "$(gen_val "$j" counters.srv_completed)" $n "servers completed"
	assert_eq "$(gen_val "$j" counters.cli_failed)" 0 "client failures"
	assert_eq "$(gen_val "$j" counters.cli_bytes_verified)" $((n * 20000)) "response bytes verified"
	assert_eq "$(gen_val "$j" counters.srv_bytes_verified)" $((n * (3000 - 16))) \
		"request bytes verified (header excluded)"
	assert_eq "$(gen_val "$j" latency_us.conn.count)" $n "connection latency samples"
}

test_gen_zero_window_probe()
{
	local j="$LAB_DIR/probe.json" n=200 rc=0
	trap 'gen_cleanup probe' EXIT
	gen_self probe 0-1 --mode clients,servers --conns $n --concurrency 100 \
		--synack-zero-window --probe-ms 200 --duration 20 --stats-interval 0 --json "$j"
	lab_bg_wait probe 30 || rc=$?
	cat "$LAB_DIR/probe.log"
	assert_eq "$rc" 0 "generator exit status"
	assert_eq "$(gen_val "$j" counters.cli_zero_win)" $n "zero-window SYN-ACKs"
	assert_ge "$(gen_val "$j" counters.cli_probe)" $n "zero-window probes"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed"
	# Usable only after the probe: setup latency is at least the probe delay.
	assert_ge "$(gen_val "$j" latency_us.setup.p50)" 190000 "setup p50 (us)"
}

test_gen_through_synwall()
{
	local j="$LAB_DIR/sw-gen.json" sj="$LAB_DIR/sw-summary.json" n=5000 flood=50000 rc=0
	local out="$LAB_DIR/sw-out.sock" in="$LAB_DIR/sw-in.sock"
	trap 'gen_cleanup gen sw' EXIT
	cat >"$LAB_DIR/sw-memif.ini" <<EOF
[ports]
outside = net_memif0
inside = net_memif1
[service web]
dst = 198.18.2.0/24
ports = 80
EOF
	lab_bg dut sw "$(lab_synwall_bin)" -l 0-1 --no-pci --no-huge -m 512 \
		--file-prefix "sw-$LAB_ID-gen" --log-level=lib.eal:error \
		--vdev "net_memif0,role=server,id=0,socket=$out" \
		--vdev "net_memif1,role=server,id=0,socket=$in" \
		-- -f "$LAB_DIR/sw-memif.ini" --summary-json "$sj"
	lab_wait_for 20 grep -q "synwall: running" "$LAB_DIR/sw.log" || fail "synwall did not start"
	lab_bg dut gen "$(gen_bin)" -l 0 --no-pci --no-huge -m 512 \
		--file-prefix "gen-$LAB_ID-sw" --log-level=lib.eal:error \
		--vdev "net_memif0,role=client,id=0,socket=$out" \
		--vdev "net_memif1,role=client,id=0,socket=$in" \
		-- --mode clients,servers,syn-flood --conns $n --concurrency 128 \
		--rate 50000 --count $flood --duration 40 --stats-interval 5 --json "$j" --hold 30
	# The generator holds its ports open, unpolled, so that synwall stops first: a memif
	# peer leaving tears the rings down under whoever still polls them (DPDK 22.11).
	lab_wait_for 50 grep -q "holding the ports" "$LAB_DIR/gen.log" || fail "generator not done"
	kill -INT "$(lab_bg_pid sw)"
	lab_bg_wait sw 20 || fail "synwall exit $? on SIGINT"
	kill -INT "$(lab_bg_pid gen)"
	lab_bg_wait gen 20 || rc=$?
	cat "$LAB_DIR/gen.log" "$LAB_DIR/sw.log"
	assert_eq "$rc" 0 "generator exit status"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed through synwall"
	# The proxy answers every SYN itself with window 0 and opens it once spliced.
	assert_eq "$(gen_val "$j" counters.cli_zero_win)" $n "proxy zero-window SYN-ACKs"
	assert_eq "$(gen_val "$j" counters.cli_win_open)" $n "window updates from the proxy"
	assert_eq "$(gen_val "$j" counters.tx_syn_flood)" $flood "flood SYNs sent"
	assert_ge "$(gen_val "$j" counters.rx_flood_synack)" $((flood * 95 / 100)) \
		"cookie SYN-ACKs to the spoofed sources"
	# The flood never reaches the servers: they saw exactly the clients' SYNs.
	assert_eq "$(gen_val "$j" counters.srv_syn)" $n "SYNs that reached the servers"
	lab_summary_check "$sj"
}

test_gen_sigint_and_duration()
{
	local j="$LAB_DIR/dur.json" start wall sent rc=0
	trap 'gen_cleanup dur int' EXIT
	# Duration bound: 1 s at 10000 pps, servers answering the flood.
	start=$SECONDS
	gen_self dur 0 --mode syn-flood,servers --rate 10000 --duration 1 --stats-interval 0 \
		--json "$j"
	lab_bg_wait dur 20 || rc=$?
	wall=$((SECONDS - start))
	assert_eq "$rc" 0 "generator exit status (duration)"
	assert_le "$wall" 10 "wall time of a 1 s run, EAL setup included"
	sent=$(gen_val "$j" counters.tx_syn_flood)
	assert_ge "$sent" 9000 "SYNs in 1 s at 10000 pps"
	assert_le "$sent" 10100 "SYNs in 1 s at 10000 pps"

	# SIGINT: a 60 s run stops at once, with its final report.
	rc=0
	gen_self int 0-1 --mode syn-flood,servers --rate 10000 --duration 60 --stats-interval 1 \
		--json "$LAB_DIR/int.json"
	lab_wait_for 20 grep -q "synwall-gen: running" "$LAB_DIR/int.log" || fail "not running"
	sleep 1
	kill -INT "$(lab_bg_pid int)"
	lab_bg_wait int 10 || rc=$?
	cat "$LAB_DIR/int.log"
	assert_eq "$rc" 0 "generator exit status (SIGINT)"
	assert_file_match "$LAB_DIR/int.log" "final report" "final report after SIGINT"
	assert_le "$(gen_val "$LAB_DIR/int.json" run_s)" 10 "run time after SIGINT"
}
