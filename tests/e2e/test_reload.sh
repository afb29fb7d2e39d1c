# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Hot reload under load: proxied transfers keep running (same sha256, no RST) while the
# config is reloaded 100 times (SIGHUP and /synwall/reload, two valid configs and one
# invalid one); invalid configs are rejected and counted, never applied; new rules (a
# deny, an action change, a removed service) apply to new connections within one second
# while existing flows, even from a newly denied source or of a removed service, finish;
# reloadable [general] keys (cookie_epoch, attack thresholds) take effect; start-only keys
# keep their running values and are named (log, /synwall/config restart_needed).
#
# Client addresses: 198.18.1.1 (the lab's) and 198.18.1.2 (added here, the one a reload
# denies). Server 198.18.2.1: port 5001 carries the transfers, port 80 answers probes.

TIMEOUT_test_reload_storm_during_transfer=180
TIMEOUT_test_reload_deny_within_1s=120
TIMEOUT_test_reload_removes_service_of_live_flow=90
TIMEOUT_test_reload_action_drop_keeps_live_flow=90
TIMEOUT_test_reload_attack_thresholds_apply=60

RELOAD_CLI2=198.18.1.2
RELOAD_PROM=127.0.0.1:9100

# reload_cfg FILE VARIANT: write one of the configs the tests switch between.
#   A         the start config: service web (198.18.2.0/24 ports 80, 5001), proxied
#   B         valid: other timeouts, a [general] deny that does not cover the client, a
#             second service api listed first (web's position changes, its id must not)
#   C         invalid: ambiguous services (same prefix, shared port 5001, different actions)
#             and a duration without a unit; parses as INI, fails validation
#   deny_gen  A + [general] deny = 198.18.1.2/32
#   deny_svc  A + [service web] deny = 198.18.1.2/32
#   noweb     web removed; only api (port 8080)
#   webdrop   A with web's action = drop
#   general   A with reloadable [general] keys changed: cookie_epoch = 5s, attack
#             thresholds 300 / 100 SYN/s (README: only [ports], workers, flow_capacity,
#             mbufs, mtu, src_rate_slots and prometheus need a restart)
#   restart   A with three of those start-only keys changed: [ports] csum_offload = off,
#             [general] flow_capacity = 4096, mbufs = 4096
reload_cfg()
{
	local file=$1 variant=$2 general="" timeouts="" api="" web_extra="" web=1 ports=""
	case "$variant" in
	A) ;;
	B)
		general="deny = 198.18.200.0/24, 198.18.3.7"
		timeouts=$'established = 1h\nfin_wait = 30s\nlast_ack = 10s'
		api=$'[service api]\ndst = 198.18.2.0/24\nports = 8080\ntimeout_established = 10m'
		web_extra="timeout_established = 2h"
		;;
	C)
		timeouts="established = 5"
		api=$'[service api]\ndst = 198.18.2.0/24\nports = 5001, 8080\naction = drop'
		;;
	deny_gen) general="deny = $RELOAD_CLI2/32" ;;
	deny_svc) web_extra="deny = $RELOAD_CLI2/32" ;;
	noweb)
		web=0
		api=$'[service api]\ndst = 198.18.2.0/24\nports = 8080'
		;;
	webdrop) web_extra="action = drop" ;;
	general)
		general=$'cookie_epoch = 5s\nattack_syn_rate = 300\nattack_syn_rate_off = 100'
		;;
	restart)
		ports="csum_offload = off"
		general=$'flow_capacity = 4096\nmbufs = 4096'
		;;
	*) fail "reload_cfg: unknown variant $variant" ;;
	esac
	{
		echo "; synwall reload e2e config $variant (tests/e2e/test_reload.sh)"
		printf '[ports]\noutside = %s\ninside = %s\n' \
			"${LAB_OUT_PORT:-net_af_packet0}" "${LAB_IN_PORT:-net_af_packet1}"
		if [[ -n "$ports" ]]; then echo "$ports"; fi
		echo
		printf '[general]\nprometheus = %s\n' "$RELOAD_PROM"
		if [[ -n "$general" ]]; then echo "$general"; fi
		printf '\n[timeouts]\nsyn_sent = 5s\ntime_wait = 2s\nclosed = 1s\n'
		if [[ -n "$timeouts" ]]; then echo "$timeouts"; fi
		echo
		if [[ -n "$api" ]]; then printf '%s\n\n' "$api"; fi
		if ((web)); then
			printf '[service web]\ndst = 198.18.2.0/24\nports = 80, 5001\n'
			if [[ -n "$web_extra" ]]; then echo "$web_extra"; fi
		fi
	} >"$file"
}

e2e_file_setup()
{
	reload_cfg "$LAB_DIR/synwall.ini" A
	ip -n "$LAB_CLI" addr add "$RELOAD_CLI2/$LAB_PLEN" dev "$LAB_CLI_IF"
	lab_start_synwall "$LAB_DIR/synwall.ini" --stats-interval 1
}

# --- helpers ---------------------------------------------------------------------------

rl_py() { "$LAB_PYTHON" "$@"; }

# rl_tel CMD [KEY...]: one telemetry value (or the whole answer).
rl_tel()
{
	rl_py "$LAB_LIB_DIR/swtel.py" get "sw-$LAB_ID" "$@"
}

# rl_stats FILE: /synwall/stats as "name value" lines.
rl_stats()
{
	rl_tel /synwall/stats | rl_py -c '
import json, sys
for k, v in json.load(sys.stdin).items():
    print(k, v)' >"$1"
}

# rl_delta BEFORE AFTER NAME
rl_delta()
{
	awk -v k="$3" 'FNR == 1 { f++ } $1 == k { v[f] = $2 } END { print v[2] - v[1] }' "$1" "$2"
}

# rl_prom NAME [LABELS]: one sample of synwall's Prometheus endpoint, e.g.
#   rl_prom synwall_config_reloads_total 'result="ok"'
rl_prom()
{
	local want=$1
	[[ -n "${2:-}" ]] && want="$1{$2}"
	lab_dut curl -sf --max-time 5 "http://$RELOAD_PROM/metrics" |
		awk -v want="$want" '$1 == want { print $2; found = 1 } END { exit !found }'
}

# rl_rst_capture_start [PORT]: record every RST seen by the client and the server (only
# those of TCP port PORT when given). The probes' connections (port 80) may legitimately
# end in a RST: the echo server closes passively (LAST_ACK, then no socket), so the
# client's duplicate ACK of a retransmitted FIN (tail loss probe after a queueing delay)
# finds no socket and the server kernel answers RST, as it would without synwall.
# --immediate-mode: without it a RST of the last second before the stop can be lost in
# the kernel's capture ring (TPACKET_V3 hands blocks over after a timeout).
rl_rst_capture_start()
{
	local role ifname filter='tcp[tcpflags] & tcp-rst != 0'
	[[ -n "${1:-}" ]] && filter="$filter and tcp port $1"
	for role in cli srv; do
		ifname=$LAB_CLI_IF
		[[ $role == srv ]] && ifname=$LAB_SRV_IF
		lab_bg "$role" "rst-$role" tcpdump -i "$ifname" -nn -U --immediate-mode \
			-w "$LAB_DIR/rst-$role.pcap" "$filter"
	done
	for role in cli srv; do
		lab_wait_for 10 grep -q "listening on" "$LAB_DIR/rst-$role.log" ||
			fail "tcpdump ($role) did not start: $(cat "$LAB_DIR/rst-$role.log")"
	done
}

# rl_rst_capture_count: stop the captures, print the RSTs they saw (client + server), and
# list them in the test log.
rl_rst_capture_count()
{
	local role n total=0
	for role in cli srv; do
		lab_kill "rst-$role"
		n=$(tcpdump -tt -nn -r "$LAB_DIR/rst-$role.pcap" 2>/dev/null | tee -a "$LAB_DIR/rst.txt" |
			wc -l)
		echo "RSTs seen by $role: $n" >&2
		total=$((total + n))
	done
	[[ -s "$LAB_DIR/rst.txt" ]] && sed 's/^/  rst | /' "$LAB_DIR/rst.txt" >&2
	echo "$total"
}

# rl_xfer_start NAME UP_MIB DOWN_MIB RATE_MIBPS [BIND]: a paced transfer on port 5001
# (client -> server UP_MIB, server -> client DOWN_MIB), in the background. The receiving
# ends write their progress to $LAB_DIR/NAME-{cli,srv}.progress.
rl_xfer_start()
{
	local name=$1 up=$2 down=$3 rate=$4 bind=${5:-}
	rm -f "$LAB_DIR/$name"-*.progress
	lab_bg srv "$name-srv" "$LAB_PYTHON" "$LAB_LIB_DIR/pacedxfer.py" serve "$LAB_SRV_IP" 5001 \
		--send-mib "$down" --rate-mibps "$rate" --timeout 150 \
		--progress "$LAB_DIR/$name-srv.progress"
	lab_wait_tcp srv 5001 10
	lab_bg cli "$name-cli" "$LAB_PYTHON" "$LAB_LIB_DIR/pacedxfer.py" send "$LAB_SRV_IP" 5001 \
		${bind:+--bind "$bind"} --send-mib "$up" --rate-mibps "$rate" --timeout 150 \
		--progress "$LAB_DIR/$name-cli.progress"
	lab_wait_for 10 rl_xfer_moving "$name" 0 || fail "transfer $name did not start"
}

# rl_xfer_bytes NAME: bytes received so far by both ends of a transfer.
rl_xfer_bytes()
{
	cat "$LAB_DIR/$1-cli.progress" "$LAB_DIR/$1-srv.progress" 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }'
}

# rl_xfer_moving NAME BYTES: true once the transfer has received more than BYTES.
rl_xfer_moving()
{
	(($(rl_xfer_bytes "$1") > $2))
}

# rl_xfer_keeps_moving NAME WHAT: the transfer (16 MiB/s both ways together) moves 8 MiB
# more within 3 s from now, and is still running.
rl_xfer_keeps_moving()
{
	local bytes0
	bytes0=$(rl_xfer_bytes "$1")
	rl_xfer_running "$1" || fail "$2 ended too early (make it longer)"
	lab_wait_for 3 rl_xfer_moving "$1" "$((bytes0 + 8 * 1024 * 1024))" ||
		fail "$2 stalled at $(rl_xfer_bytes "$1") B"
	echo "$2 keeps moving: $((($(rl_xfer_bytes "$1") - bytes0) / 1024)) KiB since the check began"
}

# rl_xfer_running NAME: true while both ends of the transfer are still at work.
rl_xfer_running()
{
	kill -0 "$(lab_bg_pid "$1-cli")" 2>/dev/null && kill -0 "$(lab_bg_pid "$1-srv")" 2>/dev/null
}

# rl_xfer_check NAME TIMEOUT_S: wait for both ends, then check sizes, sha256 and errors.
rl_xfer_check()
{
	local name=$1 limit=$2 cli srv rc=0
	lab_bg_wait "$name-cli" "$limit" || rc=$?
	lab_bg_wait "$name-srv" 15 || rc=$?
	cli=$(grep -m1 '^pacedxfer role=client' "$LAB_DIR/$name-cli.log" || true)
	srv=$(grep -m1 '^pacedxfer role=server' "$LAB_DIR/$name-srv.log" || true)
	echo "$cli"
	echo "$srv"
	[[ -n "$cli" && -n "$srv" ]] || fail "transfer $name: no result (client: $(tail -3 \
		"$LAB_DIR/$name-cli.log"), server: $(tail -3 "$LAB_DIR/$name-srv.log"))"
	assert_match "$cli" ' error=none$' "transfer $name, client side"
	assert_match "$srv" ' error=none$' "transfer $name, server side"
	((rc == 0)) || fail "transfer $name: an end exited $rc"
	f() { sed -nE "s/.* $2=([^ ]+).*/\1/p" <<<"$1"; }
	assert_eq "$(f "$srv" rcvd)" "$(f "$cli" sent)" "transfer $name: bytes up"
	assert_eq "$(f "$srv" rcvd_sha)" "$(f "$cli" sent_sha)" "transfer $name: sha256 up"
	assert_eq "$(f "$cli" rcvd)" "$(f "$srv" sent)" "transfer $name: bytes down"
	assert_eq "$(f "$cli" rcvd_sha)" "$(f "$srv" sent_sha)" "transfer $name: sha256 down"
}

# rl_reload_send VARIANT: install a config (atomic rename) and SIGHUP synwall, without
# waiting: RL_T0 is the epoch time of the signal, RL_RELOADS the reloads counted before.
rl_reload_send()
{
	reload_cfg "$LAB_DIR/next.ini" "$1"
	mv "$LAB_DIR/next.ini" "$LAB_DIR/synwall.ini"
	RL_RELOADS=$(($(rl_tel /synwall/config reload_ok) + $(rl_tel /synwall/config reload_failed)))
	RL_T0=$(date +%s.%N)
	kill -HUP "$(cat "$LAB_DIR/synwall.pid")"
}

# rl_reload_wait: wait (2 s max) until synwall has counted the reload rl_reload_send asked.
rl_reload_wait()
{
	lab_wait_for 2 rl_reloads_above "$RL_RELOADS" || fail "reload not handled in 2 s"
}

# rl_config_a: make sure config A runs (an earlier test that failed may have left another).
rl_config_a()
{
	reload_cfg "$LAB_DIR/a.ini" A
	cmp -s "$LAB_DIR/a.ini" "$LAB_DIR/synwall.ini" || rl_reload A
}

rl_reloads_above()
{
	(($(rl_tel /synwall/config reload_ok) + $(rl_tel /synwall/config reload_failed) > $1))
}

# rl_reload VARIANT: rl_reload_send, then rl_reload_wait.
rl_reload()
{
	rl_reload_send "$1"
	rl_reload_wait
}

# rl_probe SRC WANT SINCE [MAX_WAIT] [PORT]: probe new connections from SRC to the server
# (port 80, the echo server) until one has outcome WANT (ok|fail), then 3 more in a row;
# prints the probe summary and "AFTER" seconds since SINCE in RL_PROBE_AFTER.
rl_probe()
{
	local src=$1 want=$2 since=$3 max=${4:-3} port=${5:-80} out rc=0
	out=$(lab_cli "$LAB_PYTHON" "$LAB_LIB_DIR/pacedxfer.py" probe "$LAB_SRV_IP" "$port" \
		--bind "$src" --want "$want" --since "$since" --max-wait "$max" --interval 0.1 \
		--timeout 0.3 --confirm 3) || rc=$?
	echo "probe from $src to :$port: $out" >&2
	((rc == 0)) || fail "probe from $src: wanted $want (within ${max}s, confirmed): $out"
	RL_PROBE_AFTER=$(sed -nE 's/.* got_after_s=([0-9.]+) .*/\1/p' <<<"$out")
}

# rl_within AFTER LIMIT MSG: AFTER <= LIMIT (decimal seconds).
rl_within()
{
	awk -v a="$1" -v l="$2" 'BEGIN { exit !(a <= l) }' || fail "$3: took ${1}s > ${2}s"
	echo "$3: ${1}s"
}

rl_echo_start()
{
	lab_bg srv echo80 "$LAB_PYTHON" "$LAB_LIB_DIR/pacedxfer.py" echo "$LAB_SRV_IP" 80 \
		--duration "${1:-100}"
	lab_wait_tcp srv 80 10
}

# --- tests -----------------------------------------------------------------------------

# The test's own inputs: A and B are valid, C is not (for the reason intended).
test_reload_configs_check()
{
	local v
	for v in A B deny_gen deny_svc noweb webdrop general; do
		reload_cfg "$LAB_DIR/check-$v.ini" "$v"
		e2e_check_config "$LAB_DIR/check-$v.ini" || fail "config $v: $(cat "$LAB_DIR/check.err")"
	done
	reload_cfg "$LAB_DIR/check-C.ini" C
	if e2e_check_config "$LAB_DIR/check-C.ini"; then
		fail "config C passed --check-config"
	fi
	cat "$LAB_DIR/check.err"
	assert_file_match "$LAB_DIR/check.err" 'established' "C: the duration without unit"
	assert_file_match "$LAB_DIR/check.err" '(api|web).*(api|web)' "C: the ambiguous services"
}

# 100 reloads (A, B, C in turn; every 10th through /synwall/reload) during a paced
# 256 MiB transfer each way on one connection.
test_reload_storm_during_transfer()
{
	local b a rsts n_ok n_failed out rej0 rej1 okl0 okl1 pid max_wait web_syn0 web_syn1 storm_rc=0
	e2e_require_synwall
	rl_config_a
	reload_cfg "$LAB_DIR/cfg-A.ini" A
	reload_cfg "$LAB_DIR/cfg-B.ini" B
	reload_cfg "$LAB_DIR/cfg-C.ini" C
	rl_stats "$LAB_DIR/before.stats"
	rl_tel /synwall/config >"$LAB_DIR/before.config"
	rej0=$(grep -c 'rejected' "$LAB_DIR/synwall.log" || true)
	okl0=$(grep -c 'reloaded .*(generation' "$LAB_DIR/synwall.log" || true)
	rl_rst_capture_start
	# 8 MiB/s: 20 s, longer than the loop of about 10 s (which the test checks).
	rl_xfer_start storm 160 160 8
	web_syn0=$(rl_tel /synwall/services web syn)
	pid=$(cat "$LAB_DIR/synwall.pid")
	out=$(rl_py "$LAB_LIB_DIR/swtel.py" reload-storm "sw-$LAB_ID" "$pid" \
		"$LAB_DIR/synwall.ini" --variant "$LAB_DIR/cfg-A.ini:ok:1" \
		--variant "$LAB_DIR/cfg-B.ini:ok:2" --variant "$LAB_DIR/cfg-C.ini:fail" \
		--count 100 --telemetry-every 10 --wait 5 --sleep 0.05 \
		2>"$LAB_DIR/storm.log") || storm_rc=$?
	echo "$out"
	grep -E 'MISMATCH|SLOW|reload +(1|2|3|50|98|99|100) ' "$LAB_DIR/storm.log" || true
	((storm_rc == 0)) || fail "a reload had an unexpected outcome or was slow: $(grep -E \
		'MISMATCH|SLOW' "$LAB_DIR/storm.log" | head -3)"
	rl_xfer_running storm || fail "the transfer ended before the 100 reloads did: \
$(rl_xfer_bytes storm) bytes; make it longer (reloads must happen during it)"
	echo "transfer still running after the loop: $(rl_xfer_bytes storm) bytes so far"
	rl_xfer_check storm 120
	rsts=$(rl_rst_capture_count)
	rl_stats "$LAB_DIR/after.stats"
	rl_tel /synwall/config >"$LAB_DIR/after.config"
	cat "$LAB_DIR/after.config"

	assert_match "$out" ' n=100 ok=67 failed=33 mismatches=0 ' "reload outcomes"
	max_wait=$(sed -nE 's/.* max_wait_ms=([0-9.]+) .*/\1/p' <<<"$out")
	rl_within "$(awk -v m="$max_wait" 'BEGIN { printf "%.3f", m / 1000 }')" 1.0 \
		"slowest reload (signal to counted)"
	assert_eq "$rsts" 0 "RST segments of the transfers seen by client or server"
	assert_eq "$(rl_delta "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" conn_reset)" 0 \
		"conn_reset"
	b=$(rl_py -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' \
		"$LAB_DIR/before.config")
	a=$(rl_py -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' \
		"$LAB_DIR/after.config")
	assert_eq "$((a - b))" 67 "generations added by 67 valid reloads"
	n_ok=$(rl_tel /synwall/config reload_ok)
	n_failed=$(rl_tel /synwall/config reload_failed)
	assert_eq "$(rl_prom synwall_config_reloads_total 'result="ok"')" "$n_ok" \
		"Prometheus reloads ok vs telemetry"
	assert_eq "$(rl_prom synwall_config_reloads_total 'result="failed"')" "$n_failed" \
		"Prometheus reloads failed vs telemetry"
	rej1=$(grep -c 'rejected' "$LAB_DIR/synwall.log" || true)
	okl1=$(grep -c 'reloaded .*(generation' "$LAB_DIR/synwall.log" || true)
	assert_eq "$((rej1 - rej0))" 33 "'reload ... rejected' log lines"
	assert_eq "$((okl1 - okl0))" 67 "'reloaded ... (generation N)' log lines"
	# The last reload was C's successor A: one service again, web still proxying.
	assert_eq "$(rl_tel /synwall/config services)" 1 "services after the loop"
	assert_eq "$(rl_tel /synwall/services web action)" proxy "web after the loop"
	# web keeps its id (and so its counters) under B too, where api comes first.
	assert_ge "$web_syn0" 1 "web's SYN counter with the transfer open"
	rl_reload B
	web_syn1=$(rl_tel /synwall/services web syn)
	rl_reload A
	assert_ge "$web_syn1" "$web_syn0" "web's SYN counter under config B (web listed second)"
}

# A deny added by reload stops new connections from 198.18.1.2 within 1 s, while that
# address's own transfer continues; removing it lets them in within 1 s. Once through
# [general] deny, once through the service's deny.
test_reload_deny_within_1s()
{
	local rsts round
	e2e_require_synwall
	rl_config_a
	rl_echo_start 100
	rl_rst_capture_start 5001
	rl_stats "$LAB_DIR/before.stats"
	# 128 MiB each way at 8 MiB/s: 16 s, from the address about to be denied.
	rl_xfer_start deny 128 128 8 "$RELOAD_CLI2"
	rl_probe "$RELOAD_CLI2" ok "$(date +%s.%N)" 2
	rl_probe "$LAB_CLI_IP" ok "$(date +%s.%N)" 2
	for round in deny_gen deny_svc; do
		rl_stats "$LAB_DIR/r0.stats"
		rl_reload_send "$round"
		rl_probe "$RELOAD_CLI2" fail "$RL_T0" 3
		rl_reload_wait
		rl_within "$RL_PROBE_AFTER" 1.0 "$round: new connections from $RELOAD_CLI2 refused"
		rl_probe "$LAB_CLI_IP" ok "$(date +%s.%N)" 1
		rl_stats "$LAB_DIR/r1.stats"
		assert_ge "$(rl_delta "$LAB_DIR/r0.stats" "$LAB_DIR/r1.stats" drop_deny)" 1 \
			"$round: drop_deny"
		rl_xfer_keeps_moving deny "$round: the denied source's transfer"
		rl_reload_send A
		rl_probe "$RELOAD_CLI2" ok "$RL_T0" 3
		rl_reload_wait
		rl_within "$RL_PROBE_AFTER" 1.0 "$round removed: $RELOAD_CLI2 connects again"
	done
	rl_xfer_running deny || fail "the transfer ended before the rounds did: make it longer"
	rl_xfer_check deny 60
	rsts=$(rl_rst_capture_count)
	rl_stats "$LAB_DIR/after.stats"
	assert_eq "$rsts" 0 "RST segments of the transfers seen by client or server"
	# conn_reset also counts the probes' late RSTs (see rl_rst_capture_start): shown only.
	echo "conn_reset +$(rl_delta "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" conn_reset)" \
		"(probes included)"
}

# Reload to a config without the service of a live proxied flow: the flow finishes (sha
# ok, FIN teardown, no RST); new connections to the port are then bridged, not proxied;
# restoring the service proxies new connections again.
test_reload_removes_service_of_live_flow()
{
	local t0 rsts flow0 flow1 d cport
	e2e_require_synwall
	rl_config_a
	rl_echo_start 80
	rl_rst_capture_start 5001
	rl_stats "$LAB_DIR/before.stats"
	# 80 MiB each way at 8 MiB/s: 10 s.
	rl_xfer_start rm 80 80 8
	cport=$(sed -nE 's/^pacedxfer connected cport=([0-9]+)$/\1/p' "$LAB_DIR/rm-cli.log")
	flow0=$(rl_tel /synwall/flows,64 dump | grep -F "$LAB_CLI_IP:$cport > " || true)
	echo "flow before: $flow0"
	assert_match "$flow0" "$LAB_CLI_IP:$cport > $LAB_SRV_IP:5001 [A-Z_0-9]+ svc [0-9]+" \
		"the transfer's flow"
	rl_reload noweb
	assert_eq "$(rl_tel /synwall/config services)" 1 "services after removing web"
	rl_tel /synwall/services | grep -q '"web"' && fail "web still listed after its removal"
	flow1=$(rl_tel /synwall/flows,64 dump | grep -F "$LAB_CLI_IP:$cport > " || true)
	echo "flow after: $flow1"
	assert_eq "$(sed -E 's/.* svc //' <<<"$flow1")" "$(sed -E 's/.* svc //' <<<"$flow0")" \
		"the live flow's service id across the reload"
	rl_stats "$LAB_DIR/r0.stats"
	rl_xfer_keeps_moving rm "the removed service's transfer"
	rl_probe "$LAB_CLI_IP" ok "$(date +%s.%N)" 1
	rl_stats "$LAB_DIR/r1.stats"
	assert_eq "$(rl_delta "$LAB_DIR/r0.stats" "$LAB_DIR/r1.stats" syn_rcvd)" 0 \
		"SYNs proxied to the removed service (port 80 must be bridged now)"
	rl_xfer_running rm || fail "the transfer ended before the checks did: make it longer"
	rl_xfer_check rm 60
	sleep 0.5
	rl_stats "$LAB_DIR/after.stats"
	rl_stats "$LAB_DIR/r2.stats"
	rl_reload_send A
	rl_probe "$LAB_CLI_IP" ok "$RL_T0" 1
	rl_reload_wait
	rl_within "$RL_PROBE_AFTER" 1.0 "web restored: new connection"
	rl_stats "$LAB_DIR/r3.stats"
	assert_ge "$(rl_delta "$LAB_DIR/r2.stats" "$LAB_DIR/r3.stats" syn_rcvd)" 1 \
		"SYNs proxied once web is back"
	rsts=$(rl_rst_capture_count)
	assert_eq "$rsts" 0 "RST segments of the transfers seen by client or server"
	# conn_reset also counts the probes' late RSTs (see rl_rst_capture_start): shown only.
	for d in conn_reset conn_closed; do
		echo "$d +$(rl_delta "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" "$d")"
	done
	assert_ge "$(rl_delta "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" conn_closed)" 1 \
		"the removed service's flow closed by FIN"
}

# Reload web from proxy to drop during a transfer: the flow finishes; new connections
# are dropped within 1 s; back to proxy, they connect within 1 s.
test_reload_action_drop_keeps_live_flow()
{
	local t0 rsts
	e2e_require_synwall
	rl_config_a
	rl_echo_start 80
	rl_rst_capture_start 5001
	rl_stats "$LAB_DIR/before.stats"
	# 64 MiB each way at 8 MiB/s: 8 s.
	rl_xfer_start act 64 64 8
	rl_reload_send webdrop
	rl_probe "$LAB_CLI_IP" fail "$RL_T0" 3
	rl_reload_wait
	assert_eq "$(rl_tel /synwall/services web action)" drop "web's action after the reload"
	rl_within "$RL_PROBE_AFTER" 1.0 "web dropped: new connections refused"
	rl_stats "$LAB_DIR/r1.stats"
	assert_ge "$(rl_delta "$LAB_DIR/before.stats" "$LAB_DIR/r1.stats" drop_service_drop)" 1 \
		"drop_service_drop"
	rl_xfer_keeps_moving act "the dropped service's transfer"
	rl_xfer_check act 60
	rl_reload_send A
	rl_probe "$LAB_CLI_IP" ok "$RL_T0" 3
	rl_reload_wait
	rl_within "$RL_PROBE_AFTER" 1.0 "web proxied again: new connection"
	rsts=$(rl_rst_capture_count)
	rl_stats "$LAB_DIR/after.stats"
	assert_eq "$rsts" 0 "RST segments of the transfers seen by client or server"
	# conn_reset also counts the probes' late RSTs (see rl_rst_capture_start): shown only.
	echo "conn_reset +$(rl_delta "$LAB_DIR/before.stats" "$LAB_DIR/after.stats" conn_reset)" \
		"(probes included)"
}

# [general] cookie_epoch is not among the keys README says a reload ignores: a reload to
# cookie_epoch = 5s shows in /synwall/config (which reports what the workers use).
test_reload_cookie_epoch_applies()
{
	e2e_require_synwall
	rl_config_a
	assert_eq "$(rl_tel /synwall/config cookie_epoch_ms)" 60000 "cookie_epoch_ms before"
	rl_reload general
	sleep 1
	rl_tel /synwall/config
	local got
	got=$(rl_tel /synwall/config cookie_epoch_ms)
	rl_reload A
	assert_eq "$got" 5000 "cookie_epoch_ms 1 s after a reload to cookie_epoch = 5s"
}

# Start-only keys ([ports] csum_offload, [general] flow_capacity and mbufs here) changed by
# a reload: the reload succeeds (the rest of the file applies), the running values stay,
# synwall says which keys wait for a restart (a warning per key in its log and
# /synwall/config restart_needed), and a reload back to the start values clears that.
test_reload_start_only_keys_named()
{
	local cap warned
	e2e_require_synwall
	rl_config_a
	assert_eq "$(rl_tel /synwall/config restart_needed)" "" "restart_needed at the start"
	cap=$(rl_tel /synwall/config flow_capacity_per_worker)
	rl_reload restart
	rl_tel /synwall/config
	assert_eq "$(rl_tel /synwall/config restart_needed | paste -sd '|')" \
		"[ports] csum_offload|[general] flow_capacity|[general] mbufs" \
		"restart_needed after a reload to csum_offload = off, flow_capacity, mbufs = 4096"
	assert_eq "$(rl_tel /synwall/config flow_capacity_per_worker)" "$cap" \
		"flow_capacity_per_worker after that reload (the running value)"
	assert_eq "$(rl_prom synwall_config_restart_needed)" 3 \
		"Prometheus synwall_config_restart_needed after that reload"
	warned=$(grep -c "reload: \[.*\] .* changed in .*: it applies at the next start" \
		"$LAB_DIR/synwall.log" || true)
	rl_reload A
	assert_eq "$warned" 3 "warnings in the log, one per start-only key"
	assert_eq "$(rl_tel /synwall/config restart_needed)" "" \
		"restart_needed after a reload back to the start config"
	assert_eq "$(rl_prom synwall_config_restart_needed)" 0 \
		"Prometheus synwall_config_restart_needed after the reload back"
}

# The attack thresholds are reloadable too: a 600 SYN/s flood (spoofed, 198.19.0.0/16)
# leaves web "normal" under the default attack_syn_rate (1000) and must make it
# "under_attack" after a reload to attack_syn_rate = 300.
test_reload_attack_thresholds_apply()
{
	local sf state=normal rc=0
	e2e_require_synwall
	rl_config_a
	sf=$(lab_tool synflood)
	lab_wait_for 15 rl_web_state_is normal || fail "web not normal at the start"
	lab_cli "$sf" --src "$LAB_FLOOD_NET" --dst "$LAB_SRV_IP" --dport 80 --count 2400 \
		--rate 600 --duration 4
	assert_eq "$(rl_tel /synwall/services web state)" normal "600 SYN/s under the default 1000"
	assert_eq "$(rl_tel /synwall/services web attacks)" 0 "attacks under the default threshold"
	rl_reload general
	lab_bg cli flood "$sf" --src "$LAB_FLOOD_NET" --dst "$LAB_SRV_IP" --dport 80 \
		--count 3600 --rate 600 --duration 6
	lab_wait_for 5 rl_web_state_is under_attack && state=under_attack
	lab_bg_wait flood 10 || rc=$?
	rl_tel /synwall/services web
	rl_reload A
	lab_wait_for 15 rl_web_state_is normal || true
	((rc == 0)) || fail "synflood exited $rc"
	assert_eq "$state" under_attack \
		"web's state 5 s into a 600 SYN/s flood after a reload to attack_syn_rate = 300"
}

rl_web_state_is() { [[ "$(rl_tel /synwall/services web state)" == "$1" ]]; }

# Reloads while operators look: a reload frees the old runtime once the workers are past
# it, but the Prometheus and telemetry threads read it too (service names, actions, counts)
# and used to go on reading freed memory: scrapes with no service samples, then SIGSEGV.
# 150 SIGHUPs (every 50 ms) during 8 s of back-to-back scrapes and /synwall/services,
# /synwall/config queries; every scrape and /synwall/config lists all 200 services,
# /synwall/services some (DPDK's 16 KiB telemetry answer holds only 68 or so of 200; a
# freed runtime lists none), synwall exits 0. Its own synwall on net_null ports
# (lab_null_synwall), Prometheus on the dut namespace's 127.0.0.1.
TIMEOUT_test_reload_during_scrapes=60
test_reload_during_scrapes()
{
	local cfg="$LAB_DIR/many.ini" log="$LAB_DIR/null-many.log" port=19418 i qpid
	e2e_require_synwall
	{
		printf '%s\n' '[ports]' 'outside = net_null0' 'inside = net_null1' '[general]' \
			'mbufs = 4096' 'flow_capacity = 4096'
		for i in $(seq 200); do
			printf '[service s%d]\ndst = 198.18.%d.%d/32\nports = 80\n' "$i" \
				$((2 + i / 250)) $((i % 250 + 1))
		done
	} >"$cfg"
	lab_null_synwall "$log" "$cfg" --prometheus "127.0.0.1:$port" ||
		{ cat "$log"; fail "synwall did not start"; }
	lab_dut "$LAB_PYTHON" - "$port" "sw-null-$LAB_ID" 200 >"$LAB_DIR/scrapes.log" 2>&1 <<'PYEOF' &
import json, re, socket, sys, time, urllib.request
port, prefix, want = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
t0, n, bad = time.time(), 0, 0
def tel(s, cmd):
    s.send(cmd.encode())
    return next(iter(json.loads(s.recv(1 << 22)).values()))
while time.time() - t0 < 8:  # bounded: 8 s of queries
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        s.recv(1024)
        svcs, conf = len(tel(s, "/synwall/services")), tel(s, "/synwall/config")["services"]
        s.close()
    except (OSError, ValueError) as e:
        print("query failed:", e)
        bad += 1
        time.sleep(0.1)
        continue
    n += 1
    fams = {f: len(re.findall(rb"^%s\{" % f.encode(), body, re.M)) for f in
            ("synwall_service_syn_total", "synwall_service_attacks_total")}
    for what, got in list(fams.items()) + [("/synwall/config services", conf)]:
        if got != want:
            bad += 1
            if bad <= 10:
                print("round %d: %s lists %d services, want %d" % (n, what, got, want))
    if svcs == 0:
        bad += 1
        print("round %d: /synwall/services lists no service" % n)
print("query rounds", n, "bad", bad)
sys.exit(1 if bad or n < 10 else 0)
PYEOF
	qpid=$!
	for i in $(seq 150); do
		kill -HUP "$LAB_NULL_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$qpid" || true
	cat "$LAB_DIR/scrapes.log"
	kill -TERM "$LAB_NULL_PID" 2>/dev/null || true
	lab_wait_for 15 test -e "$log.rc" || fail "synwall did not stop"
	grep -E 'runtime error|AddressSanitizer|Segmentation' "$log" && tail -40 "$log"
	echo "reloads: $(grep -c 'reloaded ' "$log" || true)"
	assert_eq "$(cat "$log.rc")" 0 "synwall's exit code after reloads under queries and SIGTERM"
	assert_file_match "$LAB_DIR/scrapes.log" '^query rounds [0-9]+ bad 0$' \
		"every scrape and telemetry answer during the reloads lists all services"
	assert_ge "$(grep -c 'reloaded ' "$log" || true)" 50 "reloads done during the queries"
}

# A SIGHUP while synwall starts up (here: as soon as EAL has created its runtime config,
# some 100 ms before the ports are up) is a reload request like any other, not the
# default action's kill (synwall used to install its handlers only after EAL and the
# lcore checks, and died with 129). It starts, does the reload, and exits 0 on SIGTERM.
# net_null ports, its own file prefix (runtime directory removed here).
test_sighup_during_startup()
{
	local cfg="$LAB_DIR/hup.ini" log="$LAB_DIR/hup.log" prefix="sw-hup-$LAB_ID" pid i rc
	e2e_require_synwall
	printf '%s\n' '[ports]' 'outside = net_null0' 'inside = net_null1' '[general]' \
		'mbufs = 4096' 'flow_capacity = 4096' '[service web]' 'dst = 198.18.2.1/32' \
		'ports = 80' >"$cfg"
	rm -rf "/var/run/dpdk/$prefix"
	# ip netns exec, not the lab_dut function: $! must be synwall itself (exec'd by ip).
	ip netns exec "$LAB_DUT" "$(lab_synwall_bin)" -l 0-1 --no-pci --no-huge -m 512 \
		--file-prefix "$prefix" --vdev net_null0 --vdev net_null1 -- -f "$cfg" >"$log" \
		2>&1 </dev/null &
	pid=$!
	for i in $(seq 2000); do
		[[ -e "/var/run/dpdk/$prefix/config" ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	kill -HUP "$pid" || fail "synwall gone before the SIGHUP: $(cat "$log")"
	lab_wait_for 10 grep -q "synwall: running" "$log" || true
	lab_wait_for 3 grep -q "synwall: reloaded" "$log" || true
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" && rc=0 || rc=$?
	rm -rf "/var/run/dpdk/$prefix"
	grep -v '^EAL\|^TELEMETRY\|^  ' "$log" || true
	assert_eq "$rc" 0 "synwall's exit code after a SIGHUP during its start and a SIGTERM"
	assert_file_match "$log" "synwall: running" "synwall started after a SIGHUP during its start"
	assert_file_match "$log" "synwall: reloaded" "the SIGHUP during the start reloaded the config"
}
