# SPDX-License-Identifier: BSD-3-Clause
"""Controlled TCP close sequences for the synwall lab (tests/e2e/test_proxy_close.sh).

  tcpclose.py serve   ADDR PORT --mode MODE [--conns N] [--sync DIR] [--timeout S]
  tcpclose.py connect ADDR PORT --mode MODE [--conns N] [--sync DIR] [--timeout S]

Each connection first moves REQ bytes client->server, then RESP bytes server->client
(deterministic pseudo-random content, checked byte for byte by the receiver), then
closes the way MODE says:

  client_fin    client shutdown(SHUT_WR); the server must read EOF, then sends TAIL more
                bytes (data in the half-closed direction) and closes; the client reads
                them and EOF, then closes. The client is the active closer.
  server_fin    the same with the roles swapped.
  simultaneous  both shutdown(SHUT_WR) at one agreed instant, then both read EOF and
                close. The instant is agreed through the --sync directory (both hosts
                share the file system and CLOCK_REALTIME): each side writes its ready
                time, and both fire at max(ready times) + 50 ms, spinning the last 2 ms.
                Best effort: when the two FINs really cross, both ends go through CLOSING
                and both end in TIME-WAIT.
  client_rst    the client closes with SO_LINGER {on, 0}, which sends a RST; the server,
                blocked in recv(), must get ECONNRESET.
  server_rst    the same with the roles swapped.

One line per connection on stdout:
  tcpclose role=R mode=M conn=I cport=P outcome=eof|reset|sent_fin|sent_rst
Exit: 0 when every connection behaved as MODE expects, 1 otherwise, 2 on bad usage.
"""
import argparse
import os
import random
import socket
import struct
import sys
import time

REQ = 64 * 1024
RESP = 64 * 1024
TAIL = 32 * 1024
MODES = ("client_fin", "server_fin", "simultaneous", "client_rst", "server_rst")


class Failure(Exception):
    """The connection did not behave as the mode expects."""


def content(conn, what, n):
    return random.Random(f"{conn}/{what}").randbytes(n)


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(65536, n - len(buf)))
        if not chunk:
            raise Failure(f"EOF after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def expect(sock, conn, what, n):
    if recv_exact(sock, n) != content(conn, what, n):
        raise Failure(f"{what}: received bytes differ from what the peer sent")


def expect_eof(sock):
    extra = sock.recv(1)
    if extra:
        raise Failure("data where EOF was expected")


def expect_reset(sock):
    try:
        data = sock.recv(1)
    except ConnectionResetError:
        return
    raise Failure("EOF instead of a reset" if not data else "data instead of a reset")


def barrier(sync_dir, conn, role):
    """Both sides return at the same CLOCK_REALTIME instant (see the module doc)."""
    other = "server" if role == "client" else "client"
    mine = os.path.join(sync_dir, f"{conn}.{role}")
    theirs = os.path.join(sync_dir, f"{conn}.{other}")
    with open(mine + ".tmp", "w", encoding="ascii") as f:
        f.write(repr(time.time()))
    os.rename(mine + ".tmp", mine)
    deadline = time.monotonic() + 10
    while not os.path.exists(theirs):
        if time.monotonic() > deadline:
            raise Failure("peer never reached the close barrier")
        time.sleep(0.0005)
    with open(mine, encoding="ascii") as f:
        t_mine = float(f.read())
    with open(theirs, encoding="ascii") as f:
        t_theirs = float(f.read())
    fire = max(t_mine, t_theirs) + 0.05
    while time.time() < fire - 0.002:
        time.sleep(0.0005)
    while time.time() < fire:
        pass


def rst_close(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def run_conn(sock, role, mode, conn, sync_dir):
    """Exchange data, then close as MODE says; return the outcome word."""
    if role == "client":
        sock.sendall(content(conn, "req", REQ))
        expect(sock, conn, "resp", RESP)
    else:
        expect(sock, conn, "req", REQ)
        sock.sendall(content(conn, "resp", RESP))
    active = mode.startswith(role)
    if mode == "simultaneous":
        barrier(sync_dir, conn, role)
        sock.shutdown(socket.SHUT_WR)
        expect_eof(sock)
        sock.close()
        return "eof"
    if mode.endswith("_rst"):
        if active:
            # Let the peer block in recv() first; the RST must reach it there.
            time.sleep(0.05)
            rst_close(sock)
            return "sent_rst"
        expect_reset(sock)
        sock.close()
        return "reset"
    if active:
        sock.shutdown(socket.SHUT_WR)
        expect(sock, conn, "tail", TAIL)
        expect_eof(sock)
        sock.close()
        return "sent_fin"
    expect_eof(sock)
    sock.sendall(content(conn, "tail", TAIL))
    sock.close()
    return "eof"


def report(role, mode, conn, cport, outcome):
    print(f"tcpclose role={role} mode={mode} conn={conn} cport={cport} outcome={outcome}",
          flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("role", choices=("serve", "connect"))
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--mode", choices=MODES, required=True)
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--sync", default="", help="directory for the simultaneous-close barrier")
    ap.add_argument("--timeout", type=float, default=10.0, help="per socket operation, s")
    args = ap.parse_args()
    if args.conns < 1 or (args.mode == "simultaneous" and not os.path.isdir(args.sync)):
        ap.error("--conns must be >= 1; simultaneous needs an existing --sync directory")
    role = "client" if args.role == "connect" else "server"
    lsock = None
    try:
        if role == "server":
            lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lsock.bind((args.addr, args.port))
            lsock.listen(16)
            lsock.settimeout(args.timeout)
            print("tcpclose listening", flush=True)
        for conn in range(args.conns):
            if role == "server":
                sock, peer = lsock.accept()
                cport = peer[1]
            else:
                sock = socket.create_connection((args.addr, args.port), timeout=args.timeout)
                cport = sock.getsockname()[1]
            sock.settimeout(args.timeout)
            try:
                outcome = run_conn(sock, role, args.mode, conn, args.sync)
            finally:
                if sock.fileno() >= 0:
                    sock.close()
            report(role, args.mode, conn, cport, outcome)
    except (OSError, Failure) as exc:
        print(f"tcpclose {role} {args.mode}: {exc!r}", file=sys.stderr, flush=True)
        return 1
    finally:
        if lsock is not None:
            lsock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
