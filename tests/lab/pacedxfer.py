# SPDX-License-Identifier: BSD-3-Clause
"""Paced TCP transfers and connection probes for the synwall lab (tests/e2e/test_reload.sh).

  pacedxfer.py serve ADDR PORT [--send-mib M] [--rate-mibps R] [--progress FILE] [--timeout S]
  pacedxfer.py send  ADDR PORT [--bind SRC] [--send-mib M] [--rate-mibps R] [--progress FILE]
                     [--timeout S]
  pacedxfer.py echo  ADDR PORT [--duration S]
  pacedxfer.py probe ADDR PORT [--bind SRC] [--want ok|fail] [--since EPOCH] [--max-wait S]
                     [--interval S] [--timeout S] [--confirm N]

serve / send: one connection. Each side sends --send-mib MiB of pseudo-random bytes paced
to --rate-mibps (0: as fast as it goes) while it reads whatever the peer sends until EOF,
half-closes once its bytes are out and closes once it has read EOF, so a clean run has no
RST. Pacing makes a transfer last a known time, e.g. through a whole reload loop. Each side
prints one line:
  pacedxfer role=R cport=P sent=N sent_sha=HEX rcvd=N rcvd_sha=HEX elapsed_s=X error=E
(error=none on success; else reset, timeout or the errno name); the client also prints
"pacedxfer connected cport=P" once connected. --progress FILE: the bytes
received so far, rewritten every 0.1 s, to see that a transfer keeps moving.

echo: accept connections for --duration seconds; each one reads until EOF, answers "ok\\n"
and closes (a probe's peer).

probe: the shell asks "is a new connection from SRC possible?" A probe connects, sends a
line, half-closes and reads the echo server's answer, within --timeout. probe repeats
(every --interval, for at most --max-wait seconds after --since, an epoch time, default
now) until one probe's outcome is --want, then checks that --confirm more probes in a row
give the same outcome. It prints
  probe want=W got_after_s=X probes=N confirmed=yes|no first_at=EPOCH outcomes=ok,fail,...
(got_after_s: start of the first probe with the wanted outcome, relative to --since).
Exit: 0 when the wanted outcome came and was confirmed, 1 otherwise, 2 on bad usage.
"""
import argparse
import errno
import hashlib
import os
import socket
import sys
import threading
import time

CHUNK = 64 * 1024


def pattern(nbytes):
    """nbytes of pseudo-random data, built from a 1 MiB random block (cheap for 256 MiB)."""
    block = os.urandom(1024 * 1024)
    full, rest = divmod(nbytes, len(block))
    # Each MiB differs: a counter in its first 8 bytes, so a misplaced block shows in the sha.
    parts = []
    for i in range(full):
        parts.append(i.to_bytes(8, "big") + block[8:])
    parts.append(block[:rest])
    return b"".join(parts)


def err_name(exc):
    if isinstance(exc, ConnectionResetError):
        return "reset"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, OSError) and exc.errno:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    return type(exc).__name__


def exchange(sock, data, rate_bps, timeout_s, progress):
    """Send data (paced) and read until EOF concurrently; return (rcvd, sha, error)."""
    sock.settimeout(timeout_s)
    err = []

    def sender():
        try:
            view = memoryview(data)
            start = time.monotonic()
            for off in range(0, len(view), CHUNK):
                if rate_bps > 0:
                    due = start + off / rate_bps
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                sock.sendall(view[off:off + CHUNK])
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            err.append(exc)

    thr = threading.Thread(target=sender, daemon=True)
    thr.start()
    sha = hashlib.sha256()
    total = 0
    buf = bytearray(CHUNK)
    last_progress = 0.0
    error = None
    try:
        while True:
            n = sock.recv_into(buf)
            if n == 0:
                break
            sha.update(memoryview(buf)[:n])
            total += n
            if progress and time.monotonic() - last_progress >= 0.1:
                last_progress = time.monotonic()
                write_progress(progress, total)
    except OSError as exc:
        error = exc
    thr.join(timeout_s)
    if progress:
        write_progress(progress, total)
    if error is None and err:
        error = err[0]
    if error is None and thr.is_alive():
        error = socket.timeout("sender did not finish")
    return total, sha.hexdigest(), error


def write_progress(path, total):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % total)
    os.replace(tmp, path)


def report(role, cport, data, rcvd, rcvd_sha, elapsed, error):
    print("pacedxfer role=%s cport=%d sent=%d sent_sha=%s rcvd=%d rcvd_sha=%s elapsed_s=%.3f "
          "error=%s" % (role, cport, len(data), hashlib.sha256(data).hexdigest(), rcvd,
                        rcvd_sha, elapsed, "none" if error is None else err_name(error)),
          flush=True)


def listener(addr, port):
    lsock = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(64)
    return lsock


def cmd_serve(args):
    data = pattern(int(args.send_mib * 1024 * 1024))
    lsock = listener(args.addr, args.port)
    lsock.settimeout(args.timeout)
    print("pacedxfer listening", flush=True)
    try:
        conn, peer = lsock.accept()
    except OSError as exc:
        report("server", 0, data, 0, hashlib.sha256().hexdigest(), 0.0, exc)
        return 1
    t0 = time.monotonic()
    rcvd, sha, error = exchange(conn, data, args.rate_mibps * 1024 * 1024, args.timeout,
                                args.progress)
    conn.close()
    lsock.close()
    report("server", peer[1], data, rcvd, sha, time.monotonic() - t0, error)
    return 0 if error is None else 1


def cmd_send(args):
    data = pattern(int(args.send_mib * 1024 * 1024))
    sock = socket.socket(socket.AF_INET6 if ":" in args.addr else socket.AF_INET)
    if args.bind:
        sock.bind((args.bind, 0))
    sock.settimeout(args.timeout)
    t0 = time.monotonic()
    try:
        sock.connect((args.addr, args.port))
    except OSError as exc:
        report("client", 0, data, 0, hashlib.sha256().hexdigest(), 0.0, exc)
        return 1
    cport = sock.getsockname()[1]
    print("pacedxfer connected cport=%d" % cport, flush=True)
    rcvd, sha, error = exchange(sock, data, args.rate_mibps * 1024 * 1024, args.timeout,
                                args.progress)
    sock.close()
    report("client", cport, data, rcvd, sha, time.monotonic() - t0, error)
    return 0 if error is None else 1


def cmd_echo(args):
    lsock = listener(args.addr, args.port)
    print("pacedxfer echo listening", flush=True)
    deadline = time.monotonic() + args.duration

    def one(conn):
        try:
            conn.settimeout(5)
            while conn.recv(4096):
                pass
            conn.sendall(b"ok\n")
        except OSError:
            pass
        finally:
            conn.close()

    while time.monotonic() < deadline:
        lsock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            continue
        threading.Thread(target=one, args=(conn,), daemon=True).start()
    lsock.close()
    return 0


def probe_once(args):
    """One connection attempt; True when the echo server's answer came back in time."""
    sock = socket.socket(socket.AF_INET6 if ":" in args.addr else socket.AF_INET)
    try:
        if args.bind:
            sock.bind((args.bind, 0))
        sock.settimeout(args.timeout)
        sock.connect((args.addr, args.port))
        sock.sendall(b"probe\n")
        sock.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            part = sock.recv(64)
            if not part:
                break
            got += part
        return got == b"ok\n"
    except OSError:
        return False
    finally:
        sock.close()


def cmd_probe(args):
    since = args.since if args.since is not None else time.time()
    want_ok = args.want == "ok"
    outcomes = []
    first_at = time.time()
    got_after = None
    confirmed = 0
    while True:
        start = time.time()
        ok = probe_once(args)
        outcomes.append("ok" if ok else "fail")
        if got_after is None:
            if ok == want_ok:
                got_after = start - since
            elif start - since > args.max_wait:
                break
        else:
            if ok != want_ok:
                break
            confirmed += 1
            if confirmed >= args.confirm:
                break
        rest = start + args.interval - time.time()
        if rest > 0:
            time.sleep(rest)
    good = got_after is not None and confirmed >= args.confirm
    print("probe want=%s got_after_s=%s probes=%d confirmed=%s first_at=%.3f outcomes=%s" % (
        args.want, "none" if got_after is None else "%.3f" % got_after, len(outcomes),
        "yes" if good else "no", first_at, ",".join(outcomes)), flush=True)
    return 0 if good else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    for mode in ("serve", "send"):
        p = sub.add_parser(mode)
        p.add_argument("addr")
        p.add_argument("port", type=int)
        p.add_argument("--bind", default="")
        p.add_argument("--send-mib", type=float, default=0)
        p.add_argument("--rate-mibps", type=float, default=0)
        p.add_argument("--progress", default="")
        p.add_argument("--timeout", type=float, default=60)
    p = sub.add_parser("echo")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--duration", type=float, default=60)
    p = sub.add_parser("probe")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--bind", default="")
    p.add_argument("--want", choices=("ok", "fail"), default="ok")
    p.add_argument("--since", type=float)
    p.add_argument("--max-wait", type=float, default=3)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--timeout", type=float, default=0.3)
    p.add_argument("--confirm", type=int, default=3)
    args = ap.parse_args()
    return {"serve": cmd_serve, "send": cmd_send, "echo": cmd_echo, "probe": cmd_probe}[
        args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
