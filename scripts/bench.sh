#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench.sh: synwall's performance on this machine in one command, with one worker: the data
# path without a PMD (cycles and instructions per packet against the goals, bytes per flow),
# macro runs over net_memif (synwall-gen ⇄ synwall ⇄ synwall-gen, next to gen ⇄ gen and
# dpdk-testpmd io forwarding as the ceiling), and the same spoofed SYN flood through Linux
# iptables SYNPROXY and through synwall on net_af_packet in the netns lab.
#
#   sudo scripts/bench.sh [-o DIR] [--quick] [--only micro,macro,kernel]
#
# BENCH_WAIT_QUIET=SECONDS first waits (bounded) for a quiet machine.
#
# Prints a markdown table and writes into DIR (default build/bench/): results.md,
# results.json, bench.png (matplotlib) and every raw log. About 5 minutes on 2 idle cores
# (--quick: about 2, smaller counts, for checking the script itself).
#
#   micro   tests/perf/bench_dp with 10^4 (table in cache; also with NIC offloads and over
#           IPv6), 10^6 (SYN and forged ACK also with a 20,000-slot table, in cache) and 10^7
#           distinct 4-tuples
#           (best of BENCH_RUNS_SMALL / BENCH_RUNS_1E6 runs, one run at 10^7, skipped when
#           MemAvailable is short), tests/perf/callgrind.sh, tests/perf/bench_flowtab (bytes per
#           live flow, table full)
#   macro   tests/perf/macro_memif.sh
#   kernel  tests/perf/flood_compare.sh (tests/lab/kernel_synproxy.sh and tests/lab/lab.sh)
#
# Every flood is bounded in count and time and uses only 198.18.0.0/15 (sources
# 198.19.0.0/16); every process is started and ended by PID; namespaces, memif sockets
# (abstract) and DPDK runtime directories are removed. The machine may be shared: the load
# at start and the other busy processes are recorded next to the figures.
set -euo pipefail
# Debian's python (python3-matplotlib), not whatever python3 comes first in PATH.
PY=${PYTHON:-/usr/bin/python3}
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=${BUILD_DIR:-$repo/build}
res=$build/bench
quick=0
only=micro,macro,kernel

usage()
{
	sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-0}"
}

while (($# > 0)); do
	case "$1" in
	-o) res=${2:?-o needs a directory}; shift 2 ;;
	--quick) quick=1; shift ;;
	--only) only=${2:?--only needs a list}; shift 2 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown argument $1" >&2; usage 2 ;;
	esac
done

log()
{
	printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

[[ $EUID -eq 0 ]] || { log "run as root (namespaces, mlock, apt-get)"; exit 1; }
want() { [[ ",$only," == *",$1,"* ]]; }

if ((quick)); then
	: "${BENCH_RUNS_SMALL:=2}" "${BENCH_RUNS_1E6:=1}" "${BENCH_1E7:=0}"
	export MACRO_FLOOD_COUNT=${MACRO_FLOOD_COUNT:-500000} MACRO_CONNS=${MACRO_CONNS:-20000}
	export MACRO_RELAY_BYTES=${MACRO_RELAY_BYTES:-1000000} MACRO_LAT_CONNS=${MACRO_LAT_CONNS:-1000}
	export MACRO_ROUNDS=${MACRO_ROUNDS:-1}
	export FLOOD_COUNT=${FLOOD_COUNT:-300000} FLOOD_DURATION=${FLOOD_DURATION:-5}
fi
BENCH_RUNS_SMALL=${BENCH_RUNS_SMALL:-7}
BENCH_RUNS_1E6=${BENCH_RUNS_1E6:-3}
BENCH_1E7=${BENCH_1E7:-1}
# Instructions over 10^6 distinct 4-tuples, as the goals are stated (about 90 s and 2.3 GB
# under valgrind); --quick counts 2000 flows, as CI's baseline check does.
if ((quick)); then CG_FLOWS=${SW_CG_FLOWS:-2000}; else CG_FLOWS=${SW_CG_FLOWS:-1000000}; fi

t_start=$SECONDS
mkdir -p "$res"
res="$(cd "$res" && pwd)"
# Only the stages run now lose their previous results.
want micro && rm -rf "$res/micro"
want macro && rm -rf "$res/macro"
want kernel && rm -rf "$res/flood"
mkdir -p "$res/micro"

# Packages and build. setup.sh is idempotent (apt only when something is missing).
"$repo/scripts/setup.sh" >"$res/setup.log" 2>&1 || { cat "$res/setup.log" >&2; exit 1; }
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
	log "installing python3-matplotlib"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends python3-matplotlib >"$res/apt.log" 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends \
			python3-matplotlib >"$res/apt.log" 2>&1; } ||
		log "python3-matplotlib could not be installed: no PNG"
fi
[[ -f "$build/build.ninja" ]] || meson setup "$build" "$repo" >"$res/meson.log" 2>&1
# Others may be editing the tree: a failed build is retried a few times.
for try in 1 2 3 4; do
	ninja -C "$build" >"$res/build.log" 2>&1 && break
	((try < 4)) || { tail -n 30 "$res/build.log" >&2; log "build failed"; exit 1; }
	log "build failed (try $try), retrying in 20 s"
	sleep 20
done

# Conditions of the run. BENCH_WAIT_QUIET=S: wait up to S seconds for the machine to be
# quiet (under 15 % of all CPUs busy over 3 s) before starting, since the figures need cores.
machine_busy_pct()
{
	local -a a b
	read -r -a a < <(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	sleep 3
	read -r -a b < <(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	echo $(((b[0] - a[0]) * 100 / (b[0] - a[0] + b[1] - a[1] + 1)))
}
t_wait=$SECONDS
if ((${BENCH_WAIT_QUIET:-0} > 0)); then
	deadline=$((SECONDS + BENCH_WAIT_QUIET))
	while busy=$(machine_busy_pct) && ((busy >= 15)); do
		if ((SECONDS >= deadline)); then
			log "machine still ${busy}% busy after ${BENCH_WAIT_QUIET}s: running anyway"
			break
		fi
		log "machine ${busy}% busy, waiting for it to be quiet"
		sleep 10
	done
fi
waited=$((SECONDS - t_wait))
busy_start=$(machine_busy_pct)
busy_others=$(ps -eo pid=,pcpu=,comm= --sort=-pcpu | awk -v me=$$ '
	$2 >= 20 && $1 != me { printf "%s%s (pid %s, %s%%)", sep, $3, $1, $2; sep = ", " }')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "results in $res; machine ${busy_start}% busy, load $load_start${busy_others:+; busy: $busy_others}"

failed=()
stage()
{
	local name=$1 t0=$SECONDS
	shift
	log "== $name"
	if "$@"; then
		log "== $name done in $((SECONDS - t0)) s"
	else
		log "== $name FAILED ($?) after $((SECONDS - t0)) s"
		failed+=("$name")
	fi
}

# bench_dp LOG ARGS...: one bench_dp run; its EAL runtime directory is removed afterwards.
bench_dp()
{
	local logf=$1 pid rc=0
	shift
	"$build/tests/perf/bench_dp" "$@" >"$logf" 2>&1 </dev/null &
	pid=$!
	wait "$pid" || rc=$?
	rm -rf "/run/dpdk/bench_dp_$pid"
	((rc == 0)) || { log "bench_dp $* failed ($rc):"; tail -n 5 "$logf" >&2; }
	return $rc
}

micro()
{
	local i need_kb avail_kb n7=10000000 rc=0
	for ((i = 1; i <= BENCH_RUNS_SMALL; i++)); do
		bench_dp "$res/micro/bench_dp-1e4-$i.log" 10000 || rc=1
		# As on a NIC with checksum offloads ([ports] csum_offload = auto).
		SW_BENCH_OFFLOAD=1 bench_dp "$res/micro/bench_dp-1e4ol-$i.log" 10000 || rc=1
		# The same paths over IPv6.
		SW_BENCH_V6=1 bench_dp "$res/micro/bench_dp-1e4v6-$i.log" 10000 || rc=1
	done
	for ((i = 1; i <= BENCH_RUNS_1E6; i++)); do
		# The stateless paths over 10^6 tuples with a table that stays in cache.
		bench_dp "$res/micro/bench_dp-1e6c-$i.log" 1000000 20000 || rc=1
		bench_dp "$res/micro/bench_dp-1e6-$i.log" 1000000 || rc=1
	done
	if ((BENCH_1E7)); then
		# 9 pre-built frames of 152 B per flow, 1.1 GB of table, the pool, 2 GB to spare.
		need_kb=$(((9 * 152 * n7 + 1200 * 1000 * 1000) / 1024 + 3 * 1024 * 1024))
		avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
		if ((avail_kb >= need_kb)); then
			bench_dp "$res/micro/bench_dp-1e7-1.log" "$n7" "$n7" || rc=1
		else
			log "10^7 flows skipped: MemAvailable $((avail_kb / 1024)) MiB < $((need_kb / 1024)) MiB"
		fi
	fi
	avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
	if ((CG_FLOWS > 2000 && avail_kb < CG_FLOWS * 3 + 1024 * 1024)); then
		log "callgrind: $CG_FLOWS flows need $((CG_FLOWS * 3 / 1024 + 1024)) MiB, MemAvailable $((avail_kb / 1024)) MiB: 2000 flows"
		CG_FLOWS=2000
	fi
	# callgrind.sh's bench_dp gets a private, throwaway /run/dpdk (its PID is valgrind's).
	mkdir -p /run/dpdk
	# shellcheck disable=SC2016 # $0 and $1 are for the inner sh
	SW_CG_FLOWS=$CG_FLOWS unshare -m --propagation private sh -c \
		'mount -t tmpfs -o size=16m swbench /run/dpdk && exec "$0" "$1"' \
		"$repo/tests/perf/callgrind.sh" "$build" >"$res/micro/callgrind.log" 2>&1 ||
		log "callgrind.sh exited $? (a regression against its baseline, or an error)"
	grep -q '^| syn ' "$res/micro/callgrind.log" || rc=1
	# bench_flowtab: meson builds it (tests/perf/meson.build) against the flowtab library and
	# everything it needs; bytes per live flow at 10^6 (and 10^7) flows, table full.
	if ((BENCH_1E7)); then
		"$build/tests/perf/bench_flowtab" 1000000 100 0 10000000 100 0
	else
		"$build/tests/perf/bench_flowtab" 1000000 100 0
	fi >"$res/micro/bench_flowtab.log" 2>&1 || { log "bench_flowtab failed"; rc=1; }
	grep -q 'bytes/live flow' "$res/micro/bench_flowtab.log" || rc=1
	return $rc
}

want micro && stage micro micro
want macro && stage macro env BUILD_DIR="$build" MACRO_DURATION="${MACRO_DURATION:-10}" \
	"$repo/tests/perf/macro_memif.sh" "$res/macro"
want kernel && stage kernel env LAB_BUILD_DIR="$build" "$repo/tests/perf/flood_compare.sh" \
	"$res/flood" all

runtime=$((SECONDS - t_start - waited))
"$PY" - "$res/env.json" <<EOF
import json, sys
json.dump({"date": "$(date -u +%Y-%m-%dT%H:%MZ)",
           "git": "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo +dirty)",
           "cpu": "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)",
           "nproc": $(nproc), "runtime_s": $runtime, "waited_quiet_s": $waited, "quick": $quick,
           "load_start": "$load_start", "busy_pct_start": $busy_start, "load_end": "$(cut -d' ' -f1-3 /proc/loadavg)",
           "busy_others": "$busy_others", "callgrind_flows": $CG_FLOWS,
           "lat_rate": ${MACRO_LAT_RATE:-2000}, "failed": "${failed[*]:-}"},
          open(sys.argv[1], "w"), indent=1)
EOF
"$PY" "$repo/tests/perf/plot.py" "$res" || log "plot.py failed (table above, if any)"
[[ -f "$res/bench.png" ]] && log "plot: $res/bench.png"
log "done in ${runtime} s (plus ${waited} s waiting for a quiet machine)${failed:+; failed stages: ${failed[*]}}"
((${#failed[@]} == 0))
