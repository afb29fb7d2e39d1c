# SPDX-License-Identifier: BSD-3-Clause
"""Turn the raw outputs of scripts/bench.sh into a markdown table and a PNG plot.

  plot.py RESULTS_DIR     writes RESULTS_DIR/results.md, results.json and bench.png,
                          prints the markdown on stdout

RESULTS_DIR holds what bench.sh collected:
  env.json                     machine, load, timings of the run
  micro/bench_dp-<N>-<i>.log   tests/perf/bench_dp runs (cycles/packet, bytes/flow); N = 1e6c:
                               stateless rows, 10^6 tuples, a table of 20,000 slots (in cache);
                               1e4ol: 10^4 flows with NIC checksum offloads (SW_BENCH_OFFLOAD=1)
  micro/callgrind.log          tests/perf/callgrind.sh (instructions/packet)
  micro/bench_flowtab.log      tests/perf/bench_flowtab (bytes per live flow)
  macro/result.json            tests/perf/macro_memif.sh
  flood/{kernel,synwall,synwall_xdp}/result.json   tests/perf/flood_compare.sh
Missing parts are shown as "-" (a stage that was skipped or failed).
The PNG needs matplotlib (python3-matplotlib); the markdown does not.
"""
import glob
import json
import os
import re
import statistics
import sys

# Data-path stages: key (as in callgrind.sh), bench_dp label pattern, name, goals
# (cycles, instructions) from the issue; None: no goal.
PATHS = [
    ("syn", r"^SYN ", "SYN -> cookie SYN-ACK", 120, 350),
    ("forged_ack", r"^forged ACK", "forged ACK -> drop", 100, 300),
    ("valid_ack", r"^valid ACK", "valid ACK -> flow + backend SYN", 400, 800),
    ("backend_synack", r"^backend SYN-ACK", "backend SYN-ACK -> ACK + window update", None, None),
    ("relay_c2s", r"relay client->server", "relay client->server", 150, 300),
    ("relay_s2c", r"relay server->client", "relay server->client", 150, 300),
    ("fin", r"^FIN", "FIN (teardown)", None, None),
    ("expiry", r"^flow expiry", "expiry (per flow)", None, None),
]
SHORT = {"syn": "SYN", "forged_ack": "forged\nACK", "valid_ack": "valid\nACK",
         "backend_synack": "backend\nSYN-ACK", "relay_c2s": "relay\nc→s", "relay_s2c": "relay\ns→c",
         "fin": "FIN", "expiry": "expiry"}


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def parse_bench_dp(path):
    """{key: cycles}, plus '_mem' {flows, capacity, table_bytes} from one bench_dp log."""
    r = {}
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return r
    for line in text.splitlines():
        m = re.match(r"^\|\s*(.+?)\s*\|\s*([\d.]+)\s*\|$", line)
        if not m:
            continue
        for key, pat, *_ in PATHS:
            if re.search(pat, m.group(1)):
                r[key] = float(m.group(2))
    m = re.search(r"flows (\d+), capacity (\d+), table (\d+) bytes", text)
    if m:
        r["_mem"] = {"flows": int(m.group(1)), "capacity": int(m.group(2)),
                     "table_bytes": int(m.group(3))}
    return r


def micro_runs(d, n):
    """Per key: best (min) and median cycles over the bench_dp runs with N flows."""
    runs = [parse_bench_dp(p) for p in sorted(glob.glob(os.path.join(d, f"bench_dp-{n}-*.log")))]
    runs = [r for r in runs if any(k in r for k, *_ in PATHS)]
    out = {"runs": len(runs)}
    for key, *_ in PATHS:
        v = [r[key] for r in runs if key in r]
        if v:
            out[key] = {"min": min(v), "median": statistics.median(v)}
    mem = [r["_mem"] for r in runs if "_mem" in r]
    if mem:
        out["mem"] = mem[0]
    return out


def parse_callgrind(path):
    """{key: instructions/packet}, plus '_flows': the flows callgrind.sh counted them over."""
    r = {}
    try:
        for line in open(path, encoding="utf-8"):
            m = re.match(r"^\|\s*(\w+)\s*\|\s*(\d+)\s*\|", line)
            if m:
                r[m.group(1)] = int(m.group(2))
            m = re.match(r"^callgrind: (\d+) flows$", line)
            if m:
                r["_flows"] = int(m.group(1))
    except OSError:
        pass
    return r


def parse_flowtab(path):
    """[(capacity, flows, bytes_per_live_flow, memsize)] from bench_flowtab's output."""
    r = []
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return r
    for m in re.finditer(r"capacity (\d+), (\d+)% full \((\d+) flows\).*?\n\s*memsize (\d+) "
                         r"bytes: ([\d.]+) bytes/flow of capacity, ([\d.]+) bytes/live flow", text):
        r.append({"capacity": int(m.group(1)), "flows": int(m.group(3)),
                  "memsize": int(m.group(4)), "bytes_per_flow": float(m.group(6))})
    return r


def fmt(v, digits=1, scale=1.0):
    if v is None:
        return "-"
    v = v * scale
    if abs(v) >= 100 or digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def goal_mark(value, goal):
    if value is None or goal is None:
        return ""
    return " ✓" if value <= goal else " ✗"


def collect(res):
    data = {"env": load_json(os.path.join(res, "env.json")) or {}}
    micro = os.path.join(res, "micro")
    data["micro"] = {n: micro_runs(micro, n)
                     for n in ("1e4", "1e6c", "1e6", "1e7", "1e4ol", "1e4v6")}
    data["callgrind"] = parse_callgrind(os.path.join(micro, "callgrind.log"))
    data["flowtab"] = parse_flowtab(os.path.join(micro, "bench_flowtab.log"))
    data["macro"] = load_json(os.path.join(res, "macro", "result.json")) or {}
    data["kernel"] = load_json(os.path.join(res, "flood", "kernel", "result.json")) or {}
    data["synwall_afp"] = load_json(os.path.join(res, "flood", "synwall", "result.json")) or {}
    data["synwall_xdp"] = load_json(os.path.join(res, "flood", "synwall_xdp", "result.json")) or {}
    return data


def total_cpu(s):
    """synwall's busy-poll CPU-s per million SYNs plus the kernel softirq of its run."""
    b, q = s.get("busy_s_per_msyn"), s.get("softirq_s_per_msyn")
    return b + q if b is not None and q is not None else None


def mget(data, scn, key):
    return (data["macro"].get(scn) or {}).get(key)


def render_md(data):
    env, mi, cg = data["env"], data["micro"], data["callgrind"]
    L = []
    L.append("### Data path, no PMD (tests/perf/bench_dp, one worker; callgrind.sh)")
    L.append("")
    n4, n6c, n6, n7 = (mi[n].get("runs", 0) for n in ("1e4", "1e6c", "1e6", "1e7"))
    # The flows callgrind.log itself was counted over: env.json is rewritten by every bench.sh
    # run, also by an --only run that left an older callgrind.log in place.
    cg_flows = cg.get("_flows", env.get("callgrind_flows", 2000))
    L.append(f"Cycles/packet: best of {n4} / {n6c} / {n6} / {n7} runs with 10^4 distinct "
             f"4-tuples (table in cache) / 10^6 tuples with the table in cache (stateless "
             f"paths only: 20,000 slots, 10,000 other flows) / 10^6 / 10^7 tuples with the "
             f"table sized for them (capacity 2x, 2x, 1x flows); SYN and forged ACK: best of 3 "
             f"passes within a run. Instructions/packet: callgrind, "
             f"{int(cg_flows):,} flows. ✓/✗: goal met or not with the table "
             f"in cache, as the goals are stated (SYN and forged ACK: 10^6 tuples; the paths "
             f"that need their flows in the table: 10^4).")
    L.append("")
    L.append("| path | cycles 10^4 | cycles 10^6, table in cache | cycles 10^6 | cycles 10^7 "
             "| goal cycles | instructions | goal instructions |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, _, name, gc, gi in PATHS:
        c4, c6c, c6, c7 = ((mi[n].get(key) or {}).get("min")
                           for n in ("1e4", "1e6c", "1e6", "1e7"))
        judged = c6c if c6c is not None else c4
        ins = cg.get(key)
        L.append(f"| {name} | {fmt(c4)} | {fmt(c6c)} | {fmt(c6)} | {fmt(c7)} | "
                 f"{('≤ ' + str(gc)) if gc else '-'}{goal_mark(judged, gc)} | {fmt(ins, 0)} | "
                 f"{('≤ ' + str(gi)) if gi else '-'}{goal_mark(ins, gi)} |")
    L.append("")

    ol = mi.get("1e4ol", {})
    if ol.get("runs") or any(k + "_ol" in cg for k, *_ in PATHS):
        L.append("With NIC checksum offloads, as on a NIC that has them (`[ports] csum_offload "
                 "= auto`): every frame arrives verified (RX_IP/L4_CKSUM_GOOD) and the "
                 "packets synwall writes leave their sums to TX (bench_dp with "
                 f"SW_BENCH_OFFLOAD=1, best of {ol.get('runs', 0)} runs, 10^4 flows).")
        L.append("")
        L.append("| path | cycles 10^4 | instructions | software checksums: instructions |")
        L.append("|---|---:|---:|---:|")
        for key, _, name, _gc, _gi in PATHS:
            L.append(f"| {name} | {fmt((ol.get(key) or {}).get('min'))} | "
                     f"{fmt(cg.get(key + '_ol'), 0)} | {fmt(cg.get(key), 0)} |")
        L.append("")

    v6 = mi.get("1e4v6", {})
    if v6.get("runs") or any(k + "_v6" in cg for k, *_ in PATHS):
        L.append("The same paths over IPv6 (bench_dp with SW_BENCH_V6=1: clients "
                 "2001:2:0:1::/64, service 2001:2:0:2::1; software checksums; best of "
                 f"{v6.get('runs', 0)} runs, 10^4 flows), next to IPv4.")
        L.append("")
        L.append("| path | cycles IPv4 | cycles IPv6 | instructions IPv4 | instructions IPv6 |")
        L.append("|---|---:|---:|---:|---:|")
        for key, _, name, _gc, _gi in PATHS:
            L.append(f"| {name} | {fmt((mi.get('1e4', {}).get(key) or {}).get('min'))} | "
                     f"{fmt((v6.get(key) or {}).get('min'))} | {fmt(cg.get(key), 0)} | "
                     f"{fmt(cg.get(key + '_v6'), 0)} |")
        L.append("")

    L.append("### Memory per flow")
    L.append("")
    L.append("| flows | capacity | table bytes | bytes per live flow | bytes per slot | from |")
    L.append("|---:|---:|---:|---:|---:|---|")
    for n in ("1e6", "1e7"):
        mem = mi[n].get("mem")
        if mem:
            L.append(f"| {mem['flows']:,} | {mem['capacity']:,} | {mem['table_bytes']:,} | "
                     f"{mem['table_bytes'] / mem['flows']:.1f} | "
                     f"{mem['table_bytes'] / mem['capacity']:.1f} | bench_dp |")
    for ft in data["flowtab"]:
        L.append(f"| {ft['flows']:,} | {ft['capacity']:,} | {ft['memsize']:,} | "
                 f"{ft['bytes_per_flow']:.1f} | {ft['memsize'] / ft['capacity']:.1f} | "
                 f"bench_flowtab |")
    L.append("")

    L.append("### Macro over net_memif (synwall-gen ⇄ DUT ⇄ synwall-gen, one DUT worker)")
    L.append("")
    rounds = max([v.get("rounds", 0) for v in data["macro"].values()] or [0])
    L.append(f"Each scenario run {rounds} times; shown: the round in which the DUT got the "
             f"largest share of its core (gen ⇄ gen, and the relay for every DUT: the fastest, as "
             f"its rate is set by how many ring-full drops become retransmission timeouts). "
             f"Generator on CPU 0, DUT "
             f"worker on CPU 1, all --no-huge. SYN flood: gen ⇄ gen and testpmd count the SYNs "
             f"that crossed to the server port, synwall the cookie SYN-ACKs that came back.")
    L.append("")
    L.append("| metric | gen ⇄ gen | testpmd io | synwall | synwall / testpmd |")
    L.append("|---|---:|---:|---:|---:|")
    fs = mget(data, "flood-self", "srv_syn_pps")
    ft_ = mget(data, "flood-testpmd", "srv_syn_pps")
    fw = mget(data, "flood-synwall", "flood_synack_pps")
    L.append(f"| SYN flood, Mpps (crossed / answered by synwall) | {fmt(fs, 2, 1e-6)} | "
             f"{fmt(ft_, 2, 1e-6)} | {fmt(fw, 2, 1e-6)} | {fmt(ratio(fw, ft_), 2)} |")
    offered = mget(data, "ackflood-synwall", "ack_flood_pps")
    dropped = mget(data, "ackflood-synwall", "dut_drops_pps")
    L.append(f"| forged-ACK flood, Mpps dropped (offered {fmt(offered, 2, 1e-6)}) | - | - | "
             f"{fmt(dropped, 2, 1e-6)} | - |")
    cs, ct, cw = (mget(data, f"conns-{d}", "conns_per_s") for d in ("self", "testpmd", "synwall"))
    L.append(f"| new connections/s completed (64 B each way, 256 open) | {fmt(cs, 0)} | "
             f"{fmt(ct, 0)} | {fmt(cw, 0)} | {fmt(ratio(cw, ct), 2)} |")
    rs, rt, rw = (mget(data, f"relay-{d}", "rx_pps") for d in ("self", "testpmd", "synwall"))
    L.append(f"| relay, Mpps through the DUT (bulk, both directions) | {fmt(rs, 3, 1e-6)} | "
             f"{fmt(rt, 3, 1e-6)} | {fmt(rw, 3, 1e-6)} | {fmt(ratio(rw, rt), 2)} |")
    gs, gt, gw = (mget(data, f"relay-{d}", "payload_gbps") for d in ("self", "testpmd", "synwall"))
    L.append(f"| relay, payload Gbit/s | {fmt(gs, 2)} | {fmt(gt, 2)} | {fmt(gw, 2)} | "
             f"{fmt(ratio(gw, gt), 2)} |")
    # The rate the latency scenarios ran at, as recorded with them (else this run's setting).
    lat_rate = next((v for v in (mget(data, f"latency-{d}", "lat_rate")
                                 for d in ("synwall", "testpmd", "self")) if v is not None),
                    env.get("lat_rate", 2000))
    for p in ("p50", "p99"):
        ls_, lt, lw = (mget(data, f"latency-{d}", f"setup_us_{p}")
                       for d in ("self", "testpmd", "synwall"))
        L.append(f"| setup latency {p}, µs (SYN to usable window, "
                 f"{lat_rate:.0f} conn/s) | {fmt(ls_)} | {fmt(lt)} | {fmt(lw)} | "
                 f"{fmt(ratio(lw, lt), 2)} |")
    add50 = None
    if mget(data, "latency-synwall", "setup_us_p50") is not None and \
            mget(data, "latency-self", "setup_us_p50") is not None:
        add50 = mget(data, "latency-synwall", "setup_us_p50") - \
            mget(data, "latency-self", "setup_us_p50")
    L.append(f"| latency added by synwall at p50, µs (vs gen ⇄ gen) | - | - | {fmt(add50)} | - |")
    for scn, what in (("flood", "SYN flood"), ("relay", "relay")):
        sh = [mget(data, f"{scn}-{d}", "dut_core_share") for d in ("testpmd", "synwall")]
        L.append(f"| share of a core the DUT process got during the {what} (CPU time / wall) "
                 f"| - | {fmt(sh[0] and sh[0] * 100, 0)} % | {fmt(sh[1] and sh[1] * 100, 0)} % "
                 f"| - |")
    # A poll-mode DUT works whenever it is scheduled: on a shared machine, its flood rate
    # divided by the share of a core it got estimates what a whole core would do. (Not for
    # the relay, which is bound by the round trip, i.e. by scheduling delays, not by CPU.)
    est = [ratio(ft_, mget(data, "flood-testpmd", "dut_core_share")),
           ratio(fw, mget(data, "flood-synwall", "dut_core_share"))]
    L.append(f"| SYN flood, Mpps per whole DUT core (rate / core share, estimate) | - | "
             f"{fmt(est[0], 2, 1e-6)} | {fmt(est[1], 2, 1e-6)} | "
             f"{fmt(ratio(est[1], est[0]), 2)} |")
    bc = mget(data, "flood-synwall", "dut_busy_cycles_per_pkt")
    L.append(f"| synwall busy cycles per packet in the SYN flood (counters) | - | - | {fmt(bc)} "
             f"| - |")
    # The same flood and connections over IPv6 (2001:2::/48), through synwall only.
    f6 = mget(data, "flood6-synwall", "flood_synack_pps")
    c6 = mget(data, "conns6-synwall", "conns_per_s")
    L.append(f"| IPv6 SYN flood, Mpps answered by synwall (IPv6 / IPv4 {fmt(ratio(f6, fw), 2)}) "
             f"| - | - | {fmt(f6, 2, 1e-6)} | - |")
    b6 = mget(data, "flood6-synwall", "dut_busy_cycles_per_pkt")
    L.append(f"| synwall busy cycles per packet in the IPv6 SYN flood (IPv6 / IPv4 "
             f"{fmt(ratio(b6, bc), 2)}) | - | - | {fmt(b6)} | - |")
    L.append(f"| IPv6 new connections/s completed through synwall (IPv6 / IPv4 "
             f"{fmt(ratio(c6, cw), 2)}) | - | - | {fmt(c6, 0)} | - |")
    L.append("")

    k = data["kernel"]
    # synwall's columns: af_packet always (a dash when not run), af_xdp when it ran.
    sws = [("af_packet", data["synwall_afp"])]
    if data["synwall_xdp"]:
        sws.append(("af_xdp", data["synwall_xdp"]))
    L.append("### Against the kernel: spoofed SYN flood in the netns lab "
             f"(Linux SYNPROXY vs synwall on {' and '.join('net_' + n for n, _ in sws)})")
    L.append("")
    L.append("| metric | Linux SYNPROXY | "
             + " | ".join(f"synwall ({n})" for n, _ in sws) + " | "
             + " | ".join(f"{n} / kernel" for n, _ in sws) + " |")
    L.append("|---|---:|" + "---:|" * (2 * len(sws)))

    def line(name, kcell, cells, rats=None):
        rats = rats if rats is not None else ["-"] * len(sws)
        L.append(f"| {name} | {kcell} | " + " | ".join(cells) + " | " + " | ".join(rats) + " |")

    def row(name, key, digits=1, scale=1.0, rat=True, sub=None, skey=None):
        get = (lambda d: (d.get(sub) or {}).get(key)) if sub else (lambda d: d.get(key))
        sget = (lambda d: d.get(skey)) if skey else get
        kv = get(k)
        line(name, fmt(kv, digits, scale), [fmt(sget(s), digits, scale) for _, s in sws],
             [fmt(ratio(sget(s), kv), 2) if rat else "-" for _, s in sws])

    def srow(name, f, rat=None):
        line(name, "-", [f(s) for _, s in sws],
             [rat(s) for _, s in sws] if rat else None)

    row("flood offered, kpps (sender on CPU 0)", "flood_pps", 1, 1e-3)
    row("SYN-ACKs answered, kpps", "answered_pps", 1, 1e-3)
    row("answered, % of SYNs sent", "answered_pct", rat=False)
    kc = k.get("curl_flood") or {}
    line("legitimate curls during the flood: ok / tried",
         f"{kc.get('ok', '-')} / {kc.get('attempts', '-')}",
         [f"{(s.get('curl_flood') or {}).get('ok', '-')} / "
          f"{(s.get('curl_flood') or {}).get('attempts', '-')}" for _, s in sws])
    row("curl success during the flood, %", "success_pct", rat=False, sub="curl_flood")
    row("time_connect p50, ms (idle)", "connect_ms_p50", 2, sub="curl_idle")
    row("time_connect p50, ms (flood)", "connect_ms_p50", 2, sub="curl_flood")
    row("time_connect p99, ms (flood)", "connect_ms_p99", 2, sub="curl_flood")
    row("curl time_total p50, ms (flood; one small page)", "total_ms_p50", 2, sub="curl_flood")
    row("kernel softirq CPU-s per million SYNs answered", "cpu_s_per_msyn", 2,
        skey="softirq_s_per_msyn")
    srow("synwall process CPU-s per million SYNs (utime+stime; polls 100%)",
         lambda s: fmt(s.get("cpu_s_per_msyn"), 2))
    srow("synwall busy-poll CPU-s per million SYNs (cycles_busy)",
         lambda s: fmt(s.get("busy_s_per_msyn"), 2),
         lambda s: fmt(ratio(s.get("busy_s_per_msyn"), k.get("cpu_s_per_msyn")), 2))
    # The kernel's figure is all of its softirq; synwall's busy-poll alone leaves out the
    # softirq its veth/af_packet/af_xdp path costs the kernel, so the ratio above is a lower
    # bound. Busy-poll + softirq is the upper one (a sendto's softirq may be in both).
    srow("synwall busy-poll + kernel softirq CPU-s per million SYNs (vs the kernel's softirq)",
         lambda s: fmt(total_cpu(s), 2),
         lambda s: fmt(ratio(total_cpu(s), k.get("cpu_s_per_msyn")), 2))

    def share(s):
        cs = ratio(s.get("sw_cpu_s"), s.get("window_s"))
        return f"{fmt(cs and cs * 100, 0)} %"

    def busy(s):
        br, bp = s.get("sw_busy_ratio_cycles"), s.get("sw_busy_ratio_polls")
        return f"{fmt(br and br * 100, 1)} %; {fmt(bp and bp * 100, 2)} %"

    srow("share of a core synwall got during the flood (CPU time / wall)", share)
    srow("synwall busy-poll ratio: cycles_busy / elapsed; polls_busy / polls", busy)
    L.append("")
    if env:
        L.append(f"Run: {env.get('date', '?')}, {env.get('cpu', '?')}, {env.get('nproc', '?')} "
                 f"CPUs, git {env.get('git', '?')}, {env.get('runtime_s', 0):.0f} s; machine "
                 f"{env.get('busy_pct_start', '?')} % busy just before the start (other "
                 f"work), load average {env.get('load_start', '?')} at start, "
                 f"{env.get('load_end', '?')} at end.")
        if env.get("busy_others"):
            L.append(f"Other busy processes at start (the machine is shared; figures that "
                     f"need a core to themselves suffer): {env['busy_others']}.")
    return "\n".join(L) + "\n"


def render_png(data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mi, cg = data["micro"], data["callgrind"]
    fig, axs = plt.subplots(2, 3, figsize=(18, 10))
    fig.suptitle("synwall benchmark (scripts/bench.sh), one worker, "
                 f"{data['env'].get('date', '')}", fontsize=14)
    keys = [p for p in PATHS if p[0] != "expiry"]
    names = [SHORT[p[0]] for p in keys]
    x = range(len(keys))

    ax = axs[0][0]
    w = 0.27
    for i, (n, lab) in enumerate((("1e4", "10^4 flows"), ("1e6", "10^6"), ("1e7", "10^7"))):
        vals = [(mi[n].get(k[0]) or {}).get("min", 0) for k in keys]
        ax.bar([j + (i - 1) * w for j in x], vals, w, label=lab)
    for j, k in enumerate(keys):
        if k[3]:
            ax.hlines(k[3], j - 1.5 * w, j + 1.5 * w, colors="red", linewidth=2,
                      label="goal" if j == 0 else None)
    ax.set_yscale("log")
    ax.set_title("cycles / packet (bench_dp, best of runs)")
    ax.set_xticks(list(x), names, fontsize=9)
    ax.legend(fontsize=8)

    ax = axs[0][1]
    vals = [cg.get(k[0], 0) for k in keys]
    ax.bar(list(x), vals, 0.6, color="tab:purple", label="measured")
    for j, k in enumerate(keys):
        if k[4]:
            ax.hlines(k[4], j - 0.4, j + 0.4, colors="red", linewidth=2,
                      label="goal" if j == 0 else None)
        ax.text(j, vals[j], f"{vals[j]:,}", ha="center", va="bottom", fontsize=7)
    ax.set_title("instructions / packet (callgrind)")
    ax.set_xticks(list(x), names, fontsize=9)
    ax.legend(fontsize=8)

    ax = axs[0][2]
    duts = ("self", "testpmd", "synwall")
    labels = ("gen ⇄ gen", "testpmd io", "synwall")
    rows = [("SYN flood", lambda d: mget(data, f"flood-{d}",
                                         "flood_synack_pps" if d == "synwall" else "srv_syn_pps")),
            ("forged ACK\ndropped", lambda d: mget(data, "ackflood-synwall", "dut_drops_pps")
             if d == "synwall" else None),
            ("relay", lambda d: mget(data, f"relay-{d}", "rx_pps"))]
    w = 0.27
    for i, (d, lab) in enumerate(zip(duts, labels)):
        vals = [(f(d) or 0) / 1e6 for _, f in rows]
        bars = ax.bar([j + (i - 1) * w for j in range(len(rows))], vals, w, label=lab)
        for b, v in zip(bars, vals):
            if v:
                ax.text(b.get_x() + b.get_width() / 2, v, f"{v:.2f}", ha="center",
                        va="bottom", fontsize=7)
    ax.set_title("memif throughput, Mpps")
    ax.set_xticks(range(len(rows)), [r[0] for r in rows])
    ax.legend(fontsize=8)

    ax = axs[1][0]
    vals = [(mget(data, f"conns-{d}", "conns_per_s") or 0) / 1e3 for d in duts]
    bars = ax.bar(labels, vals, color=["tab:blue", "tab:orange", "tab:green"])
    for b, v in zip(bars, vals):
        ax.text(b.get_x() + b.get_width() / 2, v, f"{v:.1f}k", ha="center", va="bottom",
                fontsize=8)
    ax.set_title("memif: new connections / s (thousands)")

    ax = axs[1][1]
    w = 0.38
    for i, p in enumerate(("p50", "p99")):
        vals = [mget(data, f"latency-{d}", f"setup_us_{p}") or 0 for d in duts]
        bars = ax.bar([j + (i - 0.5) * w for j in range(3)], vals, w, label=p)
        for b, v in zip(bars, vals):
            ax.text(b.get_x() + b.get_width() / 2, v, f"{v:,.0f}", ha="center", va="bottom",
                    fontsize=7)
    ax.set_yscale("symlog", linthresh=10)
    ax.set_xticks(range(3), labels)
    ax.set_title("memif: setup latency, µs (SYN to usable window)")
    ax.legend(fontsize=8)

    ax = axs[1][2]
    cols = [("Linux SYNPROXY", data["kernel"], "cpu_s_per_msyn"),
            ("synwall af_packet", data["synwall_afp"], "busy_s_per_msyn")]
    if data["synwall_xdp"]:
        cols.append(("synwall af_xdp", data["synwall_xdp"], "busy_s_per_msyn"))
    metrics = [("answered\nkpps", lambda d, c: (d.get("answered_pps") or 0) / 1e3),
               ("curl ok\n% in flood",
                lambda d, c: (d.get("curl_flood") or {}).get("success_pct") or 0),
               ("connect p99\nms in flood",
                lambda d, c: (d.get("curl_flood") or {}).get("connect_ms_p99") or 0),
               ("CPU-s per\nM SYN (*)", lambda d, c: d.get(c) or 0)]
    w = 0.8 / len(cols)
    for i, (lab, d, cpu_key) in enumerate(cols):
        vals = [f(d, cpu_key) for _, f in metrics]
        bars = ax.bar([j + (i - (len(cols) - 1) / 2) * w for j in range(len(metrics))], vals, w,
                      label=lab)
        for b, v in zip(bars, vals):
            ax.text(b.get_x() + b.get_width() / 2, v, f"{v:,.1f}", ha="center", va="bottom",
                    fontsize=7)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xticks(range(len(metrics)), [m[0] for m in metrics], fontsize=8)
    ax.set_title("netns lab, spoofed SYN flood\n(*) kernel: softirq; synwall: busy-poll cycles",
                 fontsize=10)
    ax.legend(fontsize=8)

    for ax in axs.flat:
        if not any(p.get_height() for p in ax.patches):
            ax.text(0.5, 0.5, "not run", transform=ax.transAxes, ha="center", fontsize=14,
                    color="gray")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def self_test():
    """Render fixed inputs and check the figures derived from them (meson test bench_report)."""
    import tempfile

    with tempfile.TemporaryDirectory() as res:
        def put(rel, text):
            os.makedirs(os.path.dirname(os.path.join(res, rel)), exist_ok=True)
            with open(os.path.join(res, rel), "w", encoding="utf-8") as f:
                f.write(text if isinstance(text, str) else json.dumps(text))

        # env.json as a later --only run leaves it: its settings are not the tables' own.
        put("env.json", {"callgrind_flows": 1000000, "lat_rate": 2000})
        put("micro/bench_dp-1e4-1.log", "| SYN -> cookie SYN-ACK | 130.0 |\n"
            "| established relay client->server | 60.0 |\n")
        put("micro/bench_dp-1e6c-1.log", "| SYN -> cookie SYN-ACK | 110.0 |\n")
        put("micro/bench_dp-1e6-1.log", "| SYN -> cookie SYN-ACK | 125.0 |\n"
            "flows 1000000, capacity 2000000, table 198222720 bytes = 99.1 bytes/flow\n")
        put("micro/callgrind.log", "callgrind: 2000 flows\n| path | instructions/packet |"
            " baseline | change |\n|---|---|---|---|\n| syn | 400 | 400 | +0% |\n"
            "| relay_c2s | 300 | 300 | +0% |\n")
        put("micro/bench_flowtab.log", "capacity 1000000, 100% full (1000000 flows), 0% IPv6, "
            "2M pages, sizeof(sw_flow) 92\n  memsize 99111552 bytes: 99.1 bytes/flow of "
            "capacity, 99.1 bytes/live flow\n")
        put("macro/result.json", {
            "flood-testpmd": {"srv_syn_pps": 8e6, "rounds": 2},
            "flood-synwall": {"flood_synack_pps": 12e6, "rounds": 2},
            "latency-self": {"setup_us_p50": 1.0, "lat_rate": 500.0},
            "latency-synwall": {"setup_us_p50": 5.0, "lat_rate": 500.0}})
        put("flood/kernel/result.json", {"cpu_s_per_msyn": 3.59, "answered_pps": 263000})
        put("flood/synwall/result.json", {"busy_s_per_msyn": 3.00, "softirq_s_per_msyn": 2.34,
                                          "answered_pps": 291000})
        md = render_md(collect(res))

    def row(start):
        rows = [r for r in md.splitlines() if r.startswith("| " + start)]
        if len(rows) != 1:
            return [f"{len(rows)} rows {start!r}"] * 8
        return [c.strip() for c in rows[0].strip("|").split("|")]

    checks = [
        # SYN: cycles judged with 10^6 tuples and the table in cache (110), not 10^4 (130).
        (row("SYN -> cookie")[5], "≤ 120 ✓"),
        (row("SYN -> cookie")[7], "≤ 350 ✗"),
        (row("relay client->server")[5], "≤ 150 ✓"),
        (row("relay client->server")[7], "≤ 300 ✓"),
        # Bytes per live flow: bench_dp (half full) and bench_flowtab (full).
        (row("1,000,000 | 2,000,000")[3], "198.2"),
        (row("1,000,000 | 1,000,000")[3:6], ["99.1", "99.1", "bench_flowtab"]),
        # synwall / testpmd, not the other way round.
        (row("SYN flood, Mpps (crossed")[4], "1.50"),
        (row("latency added")[3], "4.0"),
        # Kernel comparison: synwall / kernel; the total counts synwall's softirq too.
        (row("SYN-ACKs answered")[3], "1.11"),
        (row("synwall busy-poll CPU-s")[1:4], ["-", "3.00", "0.84"]),
        (row("synwall busy-poll + kernel softirq")[1:4], ["-", "5.34", "1.49"]),
        ("callgrind, 2,000 flows" in md, True),
        ("500 conn/s" in md, True),
    ]
    bad = [(got, want) for got, want in checks if got != want]
    for got, want in bad:
        print(f"plot.py self-test: got {got!r}, want {want!r}", file=sys.stderr)
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    res = sys.argv[1]
    data = collect(res)
    md = render_md(data)
    with open(os.path.join(res, "results.md"), "w", encoding="utf-8") as f:
        f.write(md)
    with open(os.path.join(res, "results.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    sys.stdout.write(md)
    try:
        render_png(data, os.path.join(res, "bench.png"))
    except ImportError:
        print("plot.py: matplotlib missing, no PNG (apt-get install python3-matplotlib)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
