# SPDX-License-Identifier: BSD-3-Clause
"""DPDK telemetry client and config-reload driver for the synwall lab (tests/e2e/test_*.sh).

  swtel.py get PREFIX CMD [KEY...]       one request; prints the answer's JSON, or with KEYs
                                         the value at that path (e.g. web state; a list:
                                         one item per line)
  swtel.py watch PREFIX CMD [--interval S] [--duration S]
                                         one JSON line {"t": EPOCH, "v": ANSWER} per
                                         request, every S seconds, for a bounded time
  swtel.py reload-storm PREFIX PID CONFIG --variant FILE:ok[:SERVICES]|FILE:fail ...
                                         [--count N] [--telemetry-every K] [--wait S]
                                         [--sleep S] [--max-wait-ms MS] [--keep-going]

It talks to the telemetry socket /var/run/dpdk/PREFIX/dpdk_telemetry.v2 directly (the
protocol dpdk-telemetry.py speaks: SOCK_SEQPACKET, a greeting, then one JSON answer per
command), on one connection, so that a loop can poll it every few milliseconds.

reload-storm: N times, in turn through the variants, copy the variant over CONFIG with
an atomic rename, ask synwall to reload (SIGHUP to PID; every K-th one through
/synwall/reload instead), and wait until /synwall/config shows the reload was handled
(reload_ok + reload_failed went up by one) before the next one, so no two reloads merge.
After each one it checks the outcome the variant expects: "ok" -> reload_ok +1 and
generation +1 (and, given SERVICES, that many services running); "fail" -> reload_failed
+1, generation and service count unchanged (the running config stays). A reload not
counted within --max-wait-ms (1000) is a mismatch too ("SLOW"). It stops at the first
mismatch unless --keep-going. One line per reload on stderr, then on stdout (n: reloads
done):
  reload-storm n=N ok=A failed=B mismatches=M max_wait_ms=X mean_wait_ms=Y elapsed_s=Z
Exit: 0 when every reload had the expected outcome, 1 otherwise, 2 on bad usage.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import sys
import time


class Telemetry:
    """One connection to a DPDK process's telemetry socket."""

    def __init__(self, prefix):
        rundir = os.environ.get("RUNTIME_DIRECTORY", "/var/run")
        path = os.path.join(rundir, "dpdk", prefix, "dpdk_telemetry.v2")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(5)
        self.sock.connect(path)
        hello = json.loads(self.sock.recv(1024).decode())
        self.buf_len = int(hello.get("max_output_len", 16384))

    def get(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.buf_len).decode())
        return reply[cmd.split(",")[0]]

    def close(self):
        self.sock.close()


def cmd_get(args):
    tel = Telemetry(args.prefix)
    val = tel.get(args.cmd)
    tel.close()
    for key in args.keys:
        val = val[key]
    if isinstance(val, list):
        for item in val:
            print(json.dumps(item) if isinstance(item, (dict, list)) else item)
    else:
        print(json.dumps(val) if isinstance(val, dict) else val)
    return 0


def cmd_watch(args):
    tel = Telemetry(args.prefix)
    deadline = time.monotonic() + args.duration
    while time.monotonic() < deadline:
        t = time.time()
        print(json.dumps({"t": round(t, 3), "v": tel.get(args.cmd)}), flush=True)
        rest = t + args.interval - time.time()
        if rest > 0:
            time.sleep(rest)
    tel.close()
    return 0


def reload_state(tel):
    c = tel.get("/synwall/config")
    return c["reload_ok"], c["reload_failed"], c["generation"], c["services"]


def cmd_reload_storm(args):
    variants = []
    for v in args.variant:
        parts = v.split(":")
        path, want = parts[0], parts[1] if len(parts) > 1 else ""
        services = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        if want not in ("ok", "fail") or not os.path.isfile(path) or len(parts) > 3 or \
                (len(parts) == 3 and services is None):
            print("swtel: --variant %s: want FILE:ok[:SERVICES] or FILE:fail" % v,
                  file=sys.stderr)
            return 2
        variants.append((path, want, services))
    tel = Telemetry(args.prefix)
    ok0, failed0, gen, nsvc = reload_state(tel)
    ok, failed = ok0, failed0
    mismatches = 0
    waits = []
    tmp = args.config + ".storm.tmp"
    t_start = time.monotonic()
    for i in range(args.count):
        path, want, want_svc = variants[i % len(variants)]
        shutil.copyfile(path, tmp)
        os.replace(tmp, args.config)
        via = "telemetry" if args.telemetry_every and (i + 1) % args.telemetry_every == 0 \
            else "sighup"
        t0 = time.monotonic()
        if via == "sighup":
            os.kill(args.pid, signal.SIGHUP)
        else:
            tel.get("/synwall/reload")
        while True:
            n_ok, n_failed, n_gen, n_svc = reload_state(tel)
            if n_ok + n_failed > ok + failed:
                break
            if time.monotonic() - t0 > args.wait:
                break
            time.sleep(0.002)
        wait_ms = (time.monotonic() - t0) * 1000
        waits.append(wait_ms)
        handled = n_ok + n_failed - ok - failed
        if want == "ok":
            good = handled == 1 and n_ok == ok + 1 and n_gen == gen + 1 and \
                (want_svc is None or n_svc == want_svc)
        else:
            good = (handled == 1 and n_failed == failed + 1 and n_gen == gen and
                    n_svc == nsvc)
        slow = wait_ms > args.max_wait_ms
        if not good or slow:
            mismatches += 1
        print("reload %3d %-9s %-40s want=%-4s ok=%d failed=%d gen=%d services=%d "
              "wait_ms=%.1f%s%s" % (i + 1, via, os.path.basename(path), want, n_ok, n_failed,
                                    n_gen, n_svc, wait_ms, "" if good else "  MISMATCH",
                                    "  SLOW" if slow else ""),
              file=sys.stderr, flush=True)
        ok, failed, gen, nsvc = n_ok, n_failed, n_gen, n_svc
        if mismatches and not args.keep_going:
            break
        if args.sleep > 0:
            time.sleep(args.sleep)
    tel.close()
    print("reload-storm n=%d ok=%d failed=%d mismatches=%d max_wait_ms=%.1f "
          "mean_wait_ms=%.1f elapsed_s=%.2f" % (
              len(waits), ok - ok0, failed - failed0, mismatches, max(waits),
              sum(waits) / len(waits), time.monotonic() - t_start), flush=True)
    return 0 if mismatches == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("get")
    p.add_argument("prefix")
    p.add_argument("cmd")
    p.add_argument("keys", nargs="*")
    p = sub.add_parser("watch")
    p.add_argument("prefix")
    p.add_argument("cmd")
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--duration", type=float, default=10)
    p = sub.add_parser("reload-storm")
    p.add_argument("prefix")
    p.add_argument("pid", type=int)
    p.add_argument("config")
    p.add_argument("--variant", action="append", required=True)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--telemetry-every", type=int, default=0)
    p.add_argument("--wait", type=float, default=5)
    p.add_argument("--sleep", type=float, default=0.02)
    p.add_argument("--max-wait-ms", type=float, default=1000)
    p.add_argument("--keep-going", action="store_true")
    args = ap.parse_args()
    if args.mode == "get":
        return cmd_get(args)
    if args.mode == "watch":
        if not 0 < args.duration <= 600 or args.interval <= 0:
            print("swtel: watch: --duration 0..600, --interval > 0", file=sys.stderr)
            return 2
        return cmd_watch(args)
    if args.count < 1 or args.count > 10000:
        print("swtel: --count: 1..10000", file=sys.stderr)
        return 2
    return cmd_reload_storm(args)


if __name__ == "__main__":
    sys.exit(main())
