#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# macro_memif.sh: kernel-free macro benchmark over net_memif. synwall-gen (clients, floods)
# on one memif port and its servers on another, with in between either nothing (the
# generator wired to itself: its own ceiling), dpdk-testpmd io forwarding (the ceiling of
# a DPDK process on this memif setup), or synwall with one worker.
#
#   tests/perf/macro_memif.sh OUT_DIR [SCENARIO...]
#
# Scenarios (default: all), each NAME-DUT with DUT self|testpmd|synwall:
#   flood-*    spoofed SYN flood, unpaced, MACRO_FLOOD_COUNT SYNs (self/testpmd: with
#              servers on port 1 that count the SYNs crossing)
#   ackflood-synwall  forged-cookie ACK flood, unpaced, MACRO_FLOOD_COUNT ACKs
#   flood6-synwall, conns6-synwall  flood-synwall and conns-synwall over IPv6 (clients
#              2001:2:0:1::/64, server 2001:2:0:2::1, flood sources 2001:2:0:8000::/49)
#   conns-*    MACRO_CONNS short connections (64 B request, 64 B response), 256 at once
#   relay-*    MACRO_RELAY_CONNS bulk connections of MACRO_RELAY_BYTES response each
#   latency-*  MACRO_LAT_CONNS connections at MACRO_LAT_RATE/s (light load: setup latency)
# Every scenario runs MACRO_ROUNDS times (default 2), the rounds interleaved; result.json
# keeps, per scenario, the round in which the DUT got the largest share of a core (for
# gen ⇄ gen: the fastest round), since on a shared machine other busy processes steal cycles;
# for the relay the fastest round for every DUT (its rate is set by retransmission timeouts).
# Writes OUT_DIR/NAME-DUT.rROUND.{gen.json,gen.log,dut.json,dut.log,cpu} and
# OUT_DIR/result.json.
#
# Layout on 2 cores: the generator on lcore 0 (-l 0); testpmd and synwall with their main
# lcore on CPU 0 and their one forwarding/worker lcore on CPU 1. Every DPDK process runs
# --no-huge (the machine's hugepages are shared) with its own --file-prefix, whose runtime
# directory is removed afterwards. Memif sockets are abstract (DPDK 22.11's default), named
# after this run. The DUT is always stopped before the generator (which holds its ports
# with --hold): DPDK 22.11's memif PMD can crash a process still polling when its peer exits.
set -euo pipefail
# Debian's python3, not whatever python3 comes first in PATH.
PY=${PYTHON:-/usr/bin/python3}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out=${1:?usage: macro_memif.sh OUT_DIR [SCENARIO...]}
shift
build=${BUILD_DIR:-$repo/build}
GEN=$build/app/synwall-gen
SYNWALL=$build/app/synwall
TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd || true)}
MACRO_FLOOD_COUNT=${MACRO_FLOOD_COUNT:-4000000}
MACRO_CONNS=${MACRO_CONNS:-100000}
MACRO_RELAY_CONNS=${MACRO_RELAY_CONNS:-64}
MACRO_RELAY_BYTES=${MACRO_RELAY_BYTES:-8000000}
MACRO_LAT_CONNS=${MACRO_LAT_CONNS:-4000}
MACRO_LAT_RATE=${MACRO_LAT_RATE:-2000}
MACRO_DURATION=${MACRO_DURATION:-10}
MACRO_ROUNDS=${MACRO_ROUNDS:-2}
ALL=(flood-self flood-testpmd flood-synwall ackflood-synwall conns-self conns-testpmd
	conns-synwall relay-self relay-testpmd relay-synwall latency-self latency-testpmd
	latency-synwall flood6-synwall conns6-synwall)
# The IPv6 scenarios' addresses (2001:2::/48 only). Without its servers in the same run the
# generator has no neighbour discovery to learn a MAC: any will do, synwall bridges it.
GEN6=(--client-net 2001:2:0:1::/64 --server-ip 2001:2:0:2::1 --src-net 2001:2:0:8000::/49)
(($# > 0)) || set -- "${ALL[@]}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
tag="swb$$"
EAL_COMMON=(--no-pci --no-huge --log-level=lib.eal:error --log-level=pmd.net.memif:error)

log()
{
	printf '[macro %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# wait_log FILE REGEX TIMEOUT_S PID: until FILE matches, or PID exits, or the timeout.
wait_log()
{
	local file=$1 re=$2 deadline=$((SECONDS + $3)) pid=$4
	while ! grep -q "$re" "$file" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || return 1
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# stop_pid PID NAME TIMEOUT_S: SIGINT, wait, then SIGKILL. Only PIDs this script started.
stop_pid()
{
	local pid=$1 name=$2 deadline=$((SECONDS + $3)) rc=0
	kill -INT "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			log "$name (pid $pid) still running after SIGINT, killing it"
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

# cpu_ticks PID: utime+stime of the whole process (all threads), in clock ticks.
cpu_ticks()
{
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# gen_args NAME: the generator's traffic options for a scenario name.
gen_args()
{
	local d=$MACRO_DURATION
	case "$1" in
	flood-synwall)
		echo --mode syn-flood --rate 0 --count "$MACRO_FLOOD_COUNT" --duration "$d"
		;;
	flood6-synwall)
		echo --mode syn-flood --rate 0 --count "$MACRO_FLOOD_COUNT" --duration "$d" \
			"${GEN6[@]}" --dst-mac 02:00:00:00:00:02
		;;
	flood-*)
		# Servers on port 1 count the SYNs that crossed (srv_syn); a small table keeps
		# their SYN-ACKs (and the port they need started) from adding much traffic.
		echo --mode syn-flood,servers --table 1024 --rate 0 --count "$MACRO_FLOOD_COUNT" \
			--duration "$d"
		;;
	ackflood-*) echo --mode ack-flood --rate 0 --count "$MACRO_FLOOD_COUNT" --duration "$d" ;;
	conns-* | conns6-*)
		local -a v6=()
		[[ "$1" != conns6-* ]] || v6=("${GEN6[@]}")
		echo --mode clients,servers --conns "$MACRO_CONNS" --concurrency 256 \
			--request-bytes 64 --response-bytes 64 --duration "$d" --table 262144 "${v6[@]}"
		;;
	relay-*)
		echo --mode clients,servers --conns "$MACRO_RELAY_CONNS" \
			--concurrency "$MACRO_RELAY_CONNS" --request-bytes 64 \
			--response-bytes "$MACRO_RELAY_BYTES" --duration "$d"
		;;
	latency-*)
		echo --mode clients,servers --conns "$MACRO_LAT_CONNS" --concurrency 64 \
			--conn-rate "$MACRO_LAT_RATE" --request-bytes 64 --response-bytes 64 \
			--duration "$d"
		;;
	*) return 1 ;;
	esac
}

# run NAME-DUT: one scenario.
run()
{
	local name=$1 dut=${1##*-} base="$out/$1.r$2" s_out="$tag-$1-o" s_in="$tag-$1-i"
	local dut_pid="" gen_pid rc=0 tpfd="" fp_gen="$tag-gen" fp_dut="$tag-dut"
	local -a args
	read -r -a args <<<"$(gen_args "$name")" || { log "unknown scenario $name"; return 1; }
	rm -f "$base".*
	case "$dut" in
	self)
		# One process: port 0 (memif server) wired to port 1 (memif client).
		"$GEN" -l 0 "${EAL_COMMON[@]}" -m 512 --file-prefix "$fp_gen" \
			--vdev "net_memif0,role=server,id=0,socket=$s_out" \
			--vdev "net_memif1,role=client,id=0,socket=$s_out" \
			-- "${args[@]}" --stats-interval 0 --json "$base.gen.json" \
			>"$base.gen.log" 2>&1 </dev/null &
		gen_pid=$!
		wait "$gen_pid" || rc=$?
		rm -rf "/run/dpdk/$fp_gen"
		return $rc
		;;
	synwall)
		cat >"$base.ini" <<EOF
; written by tests/perf/macro_memif.sh
[ports]
outside = net_memif0
inside = net_memif1
[general]
flow_capacity = 1048576
[service web]
dst = 198.18.2.0/24
ports = 80
EOF
		# The IPv6 scenarios' service (only theirs: the IPv4 ones keep one service).
		[[ "$name" != *6-* ]] || printf '[service web6]\ndst = 2001:2:0:2::/64\nports = 80\n' \
			>>"$base.ini"
		"$SYNWALL" -l 0-1 "${EAL_COMMON[@]}" -m 1024 --file-prefix "$fp_dut" \
			--vdev "net_memif0,role=server,id=0,socket=$s_out" \
			--vdev "net_memif1,role=server,id=0,socket=$s_in" \
			-- -f "$base.ini" --summary-json "$base.dut.json" --stats-interval 1 \
			>"$base.dut.log" 2>&1 </dev/null &
		dut_pid=$!
		wait_log "$base.dut.log" "synwall: running" 30 "$dut_pid" ||
			{ log "$name: synwall did not start"; stop_pid "$dut_pid" synwall 5 || true; return 1; }
		;;
	testpmd)
		[[ -x "$TESTPMD" ]] || { log "dpdk-testpmd not found"; return 1; }
		# testpmd quits when its stdin closes: a FIFO this shell holds open feeds it.
		mkfifo "$base.stdin"
		exec {tpfd}<>"$base.stdin"
		stdbuf -oL "$TESTPMD" -l 0-1 "${EAL_COMMON[@]}" -m 1024 --file-prefix "$fp_dut" \
			--vdev "net_memif0,role=server,id=0,socket=$s_out" \
			--vdev "net_memif1,role=server,id=0,socket=$s_in" \
			-- --forward-mode=io --auto-start --total-num-mbufs=32768 --nb-cores=1 \
			<"$base.stdin" >"$base.dut.log" 2>&1 &
		dut_pid=$!
		wait_log "$base.dut.log" "Press enter to exit" 30 "$dut_pid" ||
			{ log "$name: testpmd did not start"; stop_pid "$dut_pid" testpmd 5 || true; return 1; }
		;;
	esac
	# How much of a core the DUT gets (its worker spins whenever it runs): a shared
	# machine's other busy processes show here.
	echo "t0=$(date +%s.%N) dut0=$(cpu_ticks "$dut_pid")" >"$base.cpu"
	"$GEN" -l 0 "${EAL_COMMON[@]}" -m 512 --file-prefix "$fp_gen" \
		--vdev "net_memif0,role=client,id=0,socket=$s_out" \
		--vdev "net_memif1,role=client,id=0,socket=$s_in" \
		-- "${args[@]}" --stats-interval 0 --json "$base.gen.json" --hold 60 \
		>"$base.gen.log" 2>&1 </dev/null &
	gen_pid=$!
	wait_log "$base.gen.log" "holding the ports" $((MACRO_DURATION + 30)) "$gen_pid" ||
		log "$name: generator ended without holding its ports"
	echo "t1=$(date +%s.%N) dut1=$(cpu_ticks "$dut_pid") gen1=$(cpu_ticks "$gen_pid")" >>"$base.cpu"
	stop_pid "$dut_pid" "$dut" 20 || { rc=$?; log "$name: $dut exited with $rc"; }
	stop_pid "$gen_pid" synwall-gen 10 || { rc=$?; log "$name: synwall-gen exited with $rc"; }
	if [[ -n "$tpfd" ]]; then
		exec {tpfd}>&-
		rm -f "$base.stdin"
	fi
	rm -rf "/run/dpdk/$fp_gen" "/run/dpdk/$fp_dut"
	return $rc
}

failed=()
for ((round = 1; round <= MACRO_ROUNDS; round++)); do
	for s in "$@"; do
		log "$s (round $round/$MACRO_ROUNDS): $(gen_args "$s")"
		run "$s" "$round" || failed+=("$s.r$round")
	done
done

MACRO_LAT_RATE=$MACRO_LAT_RATE "$PY" - "$out" "$@" <<'EOF'
import glob, json, os, re, sys

out, names = sys.argv[1], sys.argv[2:]
lat_rate = float(os.environ["MACRO_LAT_RATE"])

def load(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None

def one(base):
    g = load(base + ".gen.json")
    if g is None:
        return None
    c, r, el = g["counters"], g["rates"], g["elapsed_s"]
    lat = g.get("latency_us", {})
    e = {"elapsed_s": el, "tx_pps": r["tx_pps"], "rx_pps": r["rx_pps"],
         "syn_flood_pps": r["syn_flood_pps"], "ack_flood_pps": r["ack_flood_pps"],
         "flood_synack_pps": r["flood_synack_pps"],
         "conns_per_s": r["conns_completed_per_s"],
         "srv_syn_pps": c["srv_syn"] / el if el else None,
         "cli_completed": c["cli_completed"], "cli_failed": c["cli_failed"],
         "payload_gbps": 8 * c["cli_bytes_verified"] / el / 1e9 if el else None,
         "setup_us_p50": lat.get("setup", {}).get("p50"),
         "setup_us_p99": lat.get("setup", {}).get("p99"),
         "conn_us_p50": lat.get("conn", {}).get("p50"),
         "conn_us_p99": lat.get("conn", {}).get("p99")}
    try:
        cpu = dict(kv.split("=") for kv in open(base + ".cpu").read().split())
        hz = os.sysconf("SC_CLK_TCK")
        wall = float(cpu["t1"]) - float(cpu["t0"])
        e["dut_core_share"] = (int(cpu["dut1"]) - int(cpu["dut0"])) / hz / wall
        e["gen_core_share"] = int(cpu["gen1"]) / hz / wall
    except (OSError, KeyError, ValueError, ZeroDivisionError):
        pass
    d = load(base + ".dut.json")
    if d is not None:
        drops = d["drops"]
        e["dut_cookie_invalid"] = drops.get("cookie_invalid")
        e["dut_drops_pps"] = sum(drops.values()) / el if el else None
        e["dut_fwd_pps"] = (d["ports"]["outside"]["fwd"] + d["ports"]["inside"]["fwd"]) / el
        e["dut_synack_sent"] = d["counters"]["synack_sent"]
        e["dut_polls_busy"] = d["counters"]["polls_busy"]
        e["dut_polls_idle"] = d["counters"]["polls_idle"]
        e["dut_cycles_busy"] = d["counters"]["cycles_busy"]
        rx = d["ports"]["outside"]["rx"] + d["ports"]["inside"]["rx"]
        e["dut_busy_cycles_per_pkt"] = d["counters"]["cycles_busy"] / rx if rx else None
    return e

res = {}
for n in names:
    runs = []
    for p in sorted(glob.glob(os.path.join(out, n + ".r*.gen.json"))):
        e = one(p[:-len(".gen.json")])
        if e is not None:
            e["round"] = int(p.rsplit(".r", 1)[1].split(".")[0])
            runs.append(e)
    if not runs:
        res[n] = {"error": "no generator report"}
        continue
    # gen <-> gen has no DUT: the round with the best rate. The relay, a transfer of about a
    # second, is decided by how many ring-full drops become the generator's retransmission
    # timeouts (testpmd's too): its fastest round, for every DUT alike.
    if n.startswith("relay-"):
        best = max(runs, key=lambda e: e["rx_pps"])
    else:
        best = max(runs, key=lambda e: e.get("dut_core_share") or e["rx_pps"])
    best["rounds"] = len(runs)
    if n.startswith("latency-"):
        best["lat_rate"] = lat_rate  # the connection rate these latencies were measured at
    res[n] = best
json.dump(res, open(os.path.join(out, "result.json"), "w"), indent=1)
EOF
if ((${#failed[@]} > 0)); then
	log "failed: ${failed[*]}"
	exit 1
fi
