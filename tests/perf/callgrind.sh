#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per packet for each data-path stage, counted by callgrind (deterministic,
# unlike cycles), and a regression check against tests/perf/callgrind-baseline.txt.
#   tests/perf/callgrind.sh [BUILD_DIR]             print the table, check the baseline
#   SW_CG_UPDATE=1 tests/perf/callgrind.sh [BUILD]  rewrite the baseline
# Fails when a stage costs more than 10% over its baseline, or when a stage of the
# baseline was not measured at all. The baseline is counted at
# 2000 flows (its header says): with another SW_CG_FLOWS the change is shown, not checked
# (the per-packet figures agree within 1% up to 10^6 flows, except expiry, whose cost per
# flow includes the empty polls of a walk over a larger table).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build=${1:-$here/../../build}
n=${SW_CG_FLOWS:-2000}
base="$here/callgrind-baseline.txt"
base_n=$(sed -n '1s/.*, \([0-9]*\) flows)$/\1/p' "$base" 2>/dev/null || true)
check=1
[[ "$base_n" == "$n" ]] || check=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v valgrind >/dev/null || { echo "callgrind: valgrind not installed" >&2; exit 1; }
# Three times: software checksums (the keys as they are), as on a NIC with checksum
# offloads (SW_BENCH_OFFLOAD=1: keys with the suffix _ol), and over IPv6 with software
# checksums (SW_BENCH_V6=1: suffix _v6).
for run in 0:0 1:0 0:1; do
	ol=${run%:*} v6=${run#*:}
	SW_BENCH_OFFLOAD=$ol SW_BENCH_V6=$v6 valgrind --tool=callgrind --collect-atstart=no \
		--callgrind-out-file="$tmp/cg$ol$v6.out" "$build/tests/perf/bench_dp" "$n" \
		>"$tmp/bench$ol$v6.log" 2>"$tmp/valgrind.log" ||
		{ tail -n 20 "$tmp/valgrind.log"; exit 1; }
done

# Read back by tests/perf/plot.py: the table's flow count, whatever bench.sh ran later.
echo "callgrind: $n flows"
printf '| path | instructions/packet | baseline | change |\n|---|---|---|---|\n'
fail=0
: >"$tmp/new.txt"
for f in "$tmp"/cg00.out.* "$tmp"/cg10.out.* "$tmp"/cg01.out.*; do
	key=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
	ir=$(sed -n 's/^summary: //p' "$f")
	[[ -n "$key" && -n "$ir" ]] || continue
	per=$(( (ir + n / 2) / n ))
	echo "$key $per" >>"$tmp/new.txt"
	old=$(awk -v k="$key" '$1 == k { print $2 }' "$base" 2>/dev/null || true)
	if [[ -n "$old" ]]; then
		pct=$(( (per - old) * 100 / old ))
		printf '| %s | %d | %d | %+d%% |\n' "$key" "$per" "$old" "$pct"
		if (( check && per * 100 > old * 110 )); then
			echo "REGRESSION: $key costs $per instructions/packet, baseline $old (> +10%)" >&2
			fail=1
		fi
	else
		printf '| %s | %d | - | new |\n' "$key" "$per"
	fi
done
# A stage of the baseline that this run did not measure is not checked: a failure too.
if ((check)); then
	while read -r key _; do
		[[ -z "$key" || "$key" == \#* ]] && continue
		if ! awk -v k="$key" '$1 == k { found = 1 } END { exit !found }' "$tmp/new.txt"; then
			echo "MISSING: $key is in the baseline but was not measured" >&2
			fail=1
		fi
	done <"$base"
fi
((check)) || echo "flows $n: the baseline ($base_n flows) is shown, not checked"
if [[ "${SW_CG_UPDATE:-0}" == 1 ]]; then
	{ echo "# instructions per packet (tests/perf/callgrind.sh, $n flows)"; cat "$tmp/new.txt"; } >"$base"
	echo "baseline written: $base"
fi
exit $fail
