# SPDX-License-Identifier: BSD-3-Clause
"""TCP bulk transfer with sha256 on both ends, for the synwall lab (tests/e2e/test_proxy*.sh).

  tcpxfer.py serve ADDR PORT [--conns N] [--send-mib M] [--rcvbuf B] [--timeout S]
  tcpxfer.py send  ADDR PORT [--send-mib M | --send-bytes N] [--hold] [--timeout S]

Each side sends --send-mib MiB of random bytes and, at the same time, reads whatever the
peer sends until EOF (so both directions run concurrently when both sizes are non-zero).
A side half-closes (shutdown SHUT_WR) once its bytes are out, and closes once it has
read EOF. --hold keeps the write side open until the peer's EOF instead: a client that
sends one byte and holds reads a server-speaks-first stream (`nc -l -N <file`) to its end
without ever half-closing it, and its first byte carries the cookie's ack. The client times from connect() until EOF from the server, which comes only
after the server has read all of the client's bytes: that is the transfer time.

One result line per connection on stdout, for the shell to compare across processes:
  tcpxfer role=client cport=P sent=N sent_sha=HEX rcvd=N rcvd_sha=HEX elapsed_s=X
  tcpxfer role=server cport=P sent=N sent_sha=HEX rcvd=N rcvd_sha=HEX elapsed_s=X
(cport: the client's port, to find the connection in a capture.)
The server also prints "tcpxfer listening" once it listens.

--rcvbuf sets SO_RCVBUF on the listener before listen(): Linux then clamps the window of
the accepted connections to it, and a small value (32768) makes the kernel announce
window scale 0 in its SYN-ACK (tcp_select_initial_window: shift = ilog2(clamp) - 15).

Exit: 0 when every connection completed, 1 on a socket error or timeout, 2 on bad usage.
"""
import argparse
import hashlib
import os
import socket
import sys
import threading
import time

CHUNK = 256 * 1024


def payload(mib):
    return os.urandom(int(mib * 1024 * 1024))


def exchange(sock, data, timeout_s, hold=False):
    """Send data and read until EOF concurrently; return (rcvd_len, rcvd_sha).
    With hold, half-close only after the peer's EOF."""
    sock.settimeout(timeout_s)
    err = []

    def sender():
        try:
            view = memoryview(data)
            for off in range(0, len(view), CHUNK):
                sock.sendall(view[off:off + CHUNK])
            if not hold:
                sock.shutdown(socket.SHUT_WR)
        except OSError as exc:  # reported by the main thread
            err.append(exc)

    thr = threading.Thread(target=sender, daemon=True)
    thr.start()
    sha = hashlib.sha256()
    total = 0
    buf = bytearray(CHUNK)
    while True:
        n = sock.recv_into(buf)
        if n == 0:
            break
        sha.update(memoryview(buf)[:n])
        total += n
    thr.join(timeout_s)
    if thr.is_alive():
        raise TimeoutError("sender still running after EOF from the peer")
    if err:
        raise err[0]
    return total, sha.hexdigest()


def report(role, cport, data, rcvd, rcvd_sha, elapsed):
    sent_sha = hashlib.sha256(data).hexdigest()
    print(f"tcpxfer role={role} cport={cport} sent={len(data)} sent_sha={sent_sha}"
          f" rcvd={rcvd} rcvd_sha={rcvd_sha} elapsed_s={elapsed:.4f}", flush=True)


def serve(args):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.rcvbuf:
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    lsock.bind((args.addr, args.port))
    lsock.listen(64)
    lsock.settimeout(args.timeout)
    print("tcpxfer listening", flush=True)
    for _ in range(args.conns):
        conn, peer = lsock.accept()
        data = payload(args.send_mib)
        t0 = time.monotonic()
        with conn:
            rcvd, rcvd_sha = exchange(conn, data, args.timeout)
        report("server", peer[1], data, rcvd, rcvd_sha, time.monotonic() - t0)
    return 0


def send(args):
    data = os.urandom(args.send_bytes) if args.send_bytes >= 0 else payload(args.send_mib)
    t0 = time.monotonic()
    with socket.create_connection((args.addr, args.port), timeout=args.timeout) as sock:
        cport = sock.getsockname()[1]
        rcvd, rcvd_sha = exchange(sock, data, args.timeout, args.hold)
    report("client", cport, data, rcvd, rcvd_sha, time.monotonic() - t0)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("serve", "send"))
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--conns", type=int, default=1, help="serve: connections to accept")
    ap.add_argument("--send-mib", type=float, default=0.0, help="MiB to send on each connection")
    ap.add_argument("--send-bytes", type=int, default=-1, help="send: bytes to send (not MiB)")
    ap.add_argument("--hold", action="store_true",
                    help="send: half-close only after the peer's EOF")
    ap.add_argument("--rcvbuf", type=int, default=0, help="serve: SO_RCVBUF of the listener")
    ap.add_argument("--timeout", type=float, default=30.0, help="per socket operation, seconds")
    args = ap.parse_args()
    if args.conns < 1 or args.send_mib < 0 or args.timeout <= 0:
        ap.error("bad --conns, --send-mib or --timeout")
    try:
        return serve(args) if args.mode == "serve" else send(args)
    except (OSError, TimeoutError) as exc:
        print(f"tcpxfer {args.mode}: {exc!r}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
