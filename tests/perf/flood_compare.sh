#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# flood_compare.sh: the same bounded spoofed SYN flood against Linux iptables SYNPROXY
# (tests/lab/kernel_synproxy.sh) and against synwall on net_af_packet and on net_af_xdp
# (tests/lab/lab.sh, LAB_PMD), measured the same way: SYN-ACKs answered per second,
# legitimate curl connections during the flood (success rate, time_connect p50/p99), and
# CPU per million SYNs.
#
#   tests/perf/flood_compare.sh OUT_DIR [kernel|synwall|synwall_xdp|both|all]
#
# both: kernel and synwall (af_packet); all: the three. Writes
# OUT_DIR/{kernel,synwall,synwall_xdp}/result.json (plus raw samples and logs beside them).
# Environment: FLOOD_COUNT (3000000 SYNs), FLOOD_RATE (0 = unpaced), FLOOD_DURATION (10 s),
# CURL_MAX (2000 curls at most per phase), LAB_BUILD_DIR (build/).
#
# Both sides get one core for the proxy: the flood sender (tests/tools/synflood, sources
# 198.19.0.0/16, target 198.18.2.1:80) is pinned to CPU 0; synwall's one worker runs on
# lcore 1 = CPU 1; the kernel router's receive processing on r0 is steered to CPU 1 by RPS.
# CPU: synwall's utime+stime from /proc/PID/stat (a poll-mode worker burns its core whatever
# the load) and its busy cycles (cycles_busy, from Prometheus) per million SYNs; the kernel's
# softirq time from /proc/stat (machine-wide, less the rate measured just before the flood).
# The lab scripts end only the processes living in their own namespaces.
set -euo pipefail
# Debian's python3, not whatever python3 comes first in PATH.
PY=${PYTHON:-/usr/bin/python3}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
usage="usage: $0 OUT_DIR [kernel|synwall|synwall_xdp|both|all]"
out=${1:?$usage}
which=${2:-both}
FLOOD_COUNT=${FLOOD_COUNT:-3000000}
FLOOD_RATE=${FLOOD_RATE:-0}
FLOOD_DURATION=${FLOOD_DURATION:-10}
CURL_MAX=${CURL_MAX:-2000}
SRV_IP=198.18.2.1
PROM_PORT=9187
export LAB_BUILD_DIR=${LAB_BUILD_DIR:-$repo/build}
mkdir -p "$out"
out="$(cd "$out" && pwd)"

log()
{
	printf '[flood %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# sample CLI_NS PROBE: key=value lines: time, /proc/stat totals, cli0 received packets,
# then PROBE's own lines.
sample()
{
	local ns=$1 probe=$2
	echo "t=$(date +%s.%N)"
	awk '$1 == "cpu" { print "softirq=" $8; print "system=" $4; print "irq=" $7 }' /proc/stat
	echo "cli_rx=$(ip netns exec "$ns" cat /sys/class/net/cli0/statistics/rx_packets)"
	echo "cli_synack=$(ip netns exec "$ns" nft list counter netdev swbench synack 2>/dev/null |
		awk '$1 == "packets" { print $2 }')"
	"$probe"
}

probe_kernel()
{
	local s
	s=$(ksp_synproxy_stats)
	echo "synproxy_syn_received=${s%% *}"
	s=${s#* }
	echo "synproxy_cookie_invalid=${s%% *}"
	echo "synproxy_cookie_valid=${s#* }"
}

probe_synwall()
{
	local pid
	pid=$(cat "$LAB_DIR/synwall.pid")
	# utime and stime: fields 14 and 15 of /proc/PID/stat (after the "(comm)" field).
	awk '{ sub(/^.*\) /, ""); print "sw_utime=" $12; print "sw_stime=" $13 }' "/proc/$pid/stat"
	lab_dut curl -s -m 2 "http://127.0.0.1:$PROM_PORT/metrics" | awk '
		/^synwall_events_total\{event="(synack_sent|syn_rcvd|cycles_busy|polls_busy|polls_idle)"\}/ {
			split($1, a, "\""); print "sw_" a[2] "=" $2 }'
}

# curl_loop CLI_NS FILE WHILE_PID|- N: up to N sequential curls to the server, one line
# "time_connect http_code time_total" each, while WHILE_PID lives (or N curls when "-").
curl_loop()
{
	local ns=$1 file=$2 while_pid=$3 n=$4 i
	: >"$file"
	for ((i = 0; i < n; i++)); do
		if [[ "$while_pid" != - ]] && ! kill -0 "$while_pid" 2>/dev/null; then
			break
		fi
		ip netns exec "$ns" curl -s -o /dev/null --connect-timeout 3 -m 5 \
			-w '%{time_connect} %{http_code} %{time_total}\n' "http://$SRV_IP/" >>"$file" ||
			true
	done
}

# measure NAME CLI_NS SRV_NS PROBE: serve HTTP in SRV_NS, 20 idle curls, 1 s softirq baseline,
# then the flood with curls alongside; raw data into $out/NAME/.
measure()
{
	local name=$1 cli=$2 srv=$3 probe=$4 dir="$out/$1" synflood http_pid flood_pid
	mkdir -p "$dir"
	synflood=$(lab_tool synflood)
	ip netns exec "$srv" "$PY" -m http.server 80 --bind "$SRV_IP" >"$dir/http.log" 2>&1 \
		</dev/null &
	http_pid=$!
	lab_wait_for 10 sh -c "ip netns exec $srv ss -Hltn 'sport = :80' | grep -q LISTEN" ||
		{ log "$name: no HTTP server"; return 1; }
	curl_loop "$cli" "$dir/curl_idle.txt" - 20
	# The answers: SYN-ACKs to the flood's sources only. cli0's rx_packets (cli_rx, kept as
	# a cross-check) also counts the curls' packets, which made "answered" exceed "sent".
	ip netns exec "$cli" nft -f - <<-'NFT' || log "$name: no nft counter: answered = cli0 rx"
		table netdev swbench {
			counter synack { }
			chain in {
				type filter hook ingress device "cli0" priority 0;
				ip daddr 198.19.0.0/16 tcp flags & (syn | ack) == syn | ack counter name "synack"
			}
		}
	NFT
	sample "$cli" "$probe" >"$dir/b0"
	sleep 1
	sample "$cli" "$probe" >"$dir/s0"
	log "$name: flood of $FLOOD_COUNT SYNs (rate ${FLOOD_RATE:-0}, at most ${FLOOD_DURATION}s)"
	(
		ip netns exec "$cli" taskset -c 0 "$synflood" --src 198.19.0.0/16 --dst "$SRV_IP" \
			--dport 80 --count "$FLOOD_COUNT" --rate "$FLOOD_RATE" \
			--duration "$FLOOD_DURATION" --quiet >"$dir/flood.txt" 2>&1
		echo "rc=$?" >>"$dir/flood.txt"
		sleep 0.3 # answers still queued
		sample "$cli" "$probe" >"$dir/s1"
	) &
	flood_pid=$!
	curl_loop "$cli" "$dir/curl_flood.txt" "$flood_pid" "$CURL_MAX"
	wait "$flood_pid"
	kill "$http_pid" 2>/dev/null
	wait "$http_pid" 2>/dev/null || true
	"$PY" - "$dir" "$name" <<'EOF'
import json, os, re, sys

d, name = sys.argv[1], sys.argv[2]
hz = os.sysconf("SC_CLK_TCK")
tsc_hz = None
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("cpu MHz"):
            tsc_hz = float(line.split(":")[1]) * 1e6
            break

def kv(p):
    r = {}
    for line in open(os.path.join(d, p)):
        k, _, v = line.strip().partition("=")
        if v:
            r[k] = float(v)
    return r

b0, s0, s1 = kv("b0"), kv("s0"), kv("s1")
fl = open(os.path.join(d, "flood.txt")).read()
m = re.search(r"sent=(\d+) failed=(\d+) elapsed_s=([\d.]+) pps=(\d+)", fl)
sent, elapsed = (int(m.group(1)), float(m.group(3))) if m else (0, 0.0)
dt = s1["t"] - s0["t"]
d_ = {k: s1[k] - s0[k] for k in s1 if k in s0}
base_softirq_rate = (s0["softirq"] - b0["softirq"]) / hz / (s0["t"] - b0["t"])

def curls(p):
    rows = [l.split() for l in open(os.path.join(d, p)) if len(l.split()) >= 3]
    ok = sorted(float(r[0]) for r in rows if r[1] == "200")
    tot = sorted(float(r[2]) for r in rows if r[1] == "200")
    def pct(v, q):
        return v[min(len(v) - 1, int(q * len(v)))] * 1e3 if v else None
    return {"attempts": len(rows), "ok": len(ok),
            "success_pct": 100.0 * len(ok) / len(rows) if rows else None,
            "connect_ms_p50": pct(ok, 0.50), "connect_ms_p99": pct(ok, 0.99),
            "connect_ms_max": ok[-1] * 1e3 if ok else None,
            "total_ms_p50": pct(tot, 0.50), "total_ms_p99": pct(tot, 0.99)}

answered = d_["cli_synack"] if "cli_synack" in d_ else d_["cli_rx"]
r = {"name": name, "flood_sent": sent, "flood_elapsed_s": elapsed,
     "flood_pps": sent / elapsed if elapsed else None,
     "window_s": dt, "answered": answered, "cli_rx": d_["cli_rx"],
     "answered_pps": answered / elapsed if elapsed else None,
     "answered_pct": 100.0 * answered / sent if sent else None,
     "softirq_s": d_["softirq"] / hz,
     "softirq_s_net": d_["softirq"] / hz - base_softirq_rate * dt,
     "system_s": d_["system"] / hz,
     "curl_idle": curls("curl_idle.txt"), "curl_flood": curls("curl_flood.txt")}
mill = answered / 1e6 if answered else None
if "synproxy_syn_received" in d_:
    r["synproxy_syn_received"] = d_["synproxy_syn_received"]
    r["cpu_s_per_msyn"] = r["softirq_s_net"] / mill if mill else None
if "sw_utime" in d_:
    cpu = (d_["sw_utime"] + d_["sw_stime"]) / hz
    busy = d_.get("sw_cycles_busy", 0) / tsc_hz
    polls = d_.get("sw_polls_busy", 0) + d_.get("sw_polls_idle", 0)
    r.update({"sw_cpu_s": cpu, "sw_utime_s": d_["sw_utime"] / hz,
              "sw_stime_s": d_["sw_stime"] / hz,
              "sw_synack_sent": d_.get("sw_synack_sent"), "sw_busy_s": busy,
              "sw_busy_ratio_cycles": busy / dt,
              "sw_busy_ratio_polls": d_.get("sw_polls_busy", 0) / polls if polls else None,
              "cpu_s_per_msyn": cpu / mill if mill else None,
              "busy_s_per_msyn": busy / mill if mill else None,
              "softirq_s_per_msyn": r["softirq_s_net"] / mill if mill else None})
json.dump(r, open(os.path.join(d, "result.json"), "w"), indent=1)
print(f"[flood] {name}: sent {sent} in {elapsed:.1f} s, answered {answered:.0f}, curls "
      f"{r['curl_flood']['ok']}/{r['curl_flood']['attempts']} ok", file=sys.stderr)
EOF
}

run_kernel()
{
	(
		# shellcheck source=../lab/lab.sh
		source "$repo/tests/lab/lab.sh" # lab_tool, lab_wait_for
		# shellcheck source=../lab/kernel_synproxy.sh
		source "$repo/tests/lab/kernel_synproxy.sh"
		KSP_RPS_CPUS=2 ksp_up
		measure kernel "$KSP_CLI" "$KSP_SRV" probe_kernel
	)
}

# run_synwall NAME PMD: synwall on the lab's LAB_PMD=PMD ports, results in OUT_DIR/NAME.
run_synwall()
{
	local name=$1 pmd=$2
	(
		# shellcheck source=../lab/lab.sh
		source "$repo/tests/lab/lab.sh"
		export LAB_HUGE=${LAB_HUGE:-0} LAB_LCORES=0-1 LAB_PMD=$pmd
		lab_up
		lab_write_config "$LAB_DIR/synwall.ini" 80
		lab_start_synwall "$LAB_DIR/synwall.ini" --prometheus "127.0.0.1:$PROM_PORT"
		lab_wait_for 10 lab_dut curl -sf -m 1 "http://127.0.0.1:$PROM_PORT/metrics" ||
			{ log "synwall: no Prometheus endpoint"; exit 1; }
		measure "$name" "$LAB_CLI" "$LAB_SRV" probe_synwall
		lab_stop_synwall INT || log "synwall exited with $?"
		cp "$LAB_DIR/synwall.log" "$LAB_DIR/summary.json" "$out/$name/" 2>/dev/null || true
	)
}

case "$which" in
kernel) run_kernel ;;
synwall) run_synwall synwall af_packet ;;
synwall_xdp) run_synwall synwall_xdp af_xdp ;;
both) run_kernel && run_synwall synwall af_packet ;;
all) run_kernel && run_synwall synwall af_packet && run_synwall synwall_xdp af_xdp ;;
*) echo "$usage" >&2; exit 2 ;;
esac
