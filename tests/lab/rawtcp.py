# SPDX-License-Identifier: BSD-3-Clause
"""Hand-made TCP handshakes for the synwall lab (tests/e2e/test_proxy_close.sh).

  rawtcp.py dup-third-ack SRC DST DPORT SPORT --stop-pid PID [--copies N]

dup-third-ack: send a SYN from SRC:SPORT, read the cookie SYN-ACK, then send the third
ACK N times (default 2) back to back while process PID (synwall) is stopped with
SIGSTOP, so that the copies reach it in one receive burst: what a client does when it
gets two SYN-ACKs at once (its SYN was retransmitted while the proxy was not scheduled).
Then it waits for the proxy's window update (the backend accepted). The local kernel
knows nothing of this connection: it answers the SYN-ACK and the window update with
RSTs of its own, as any host would (the first one is dropped by the stateless proxy,
the second closes the proxied connection).

Prints "rawtcp isn=J cookie=C window_update=yes|no" and exits 0, or 1 when no SYN-ACK came.
Only 198.18.0.0/15 addresses are accepted.
"""
import argparse
import ipaddress
import os
import signal
import socket
import struct
import sys
import time

LAB_NET = ipaddress.ip_network("198.18.0.0/15")
SYN, RST, ACK = 0x02, 0x04, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, seq, ack, flags, win, opts=b""):
    """IPv4 + TCP header (with checksums) as bytes."""
    doff = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, win, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), os.getpid() & 0xFFFF, 0x4000, 64,
                     6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def recv_seg(rsock, sport, dport, deadline):
    """Next TCP segment DPORT -> SPORT before deadline: (seq, ack, flags, win) or None."""
    while time.monotonic() < deadline:
        rsock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            pkt = rsock.recv(65535)
        except socket.timeout:
            return None
        ihl = (pkt[0] & 0x0F) * 4
        sp, dp, seq, ack, _off, flags, win = struct.unpack("!HHIIBBH", pkt[ihl:ihl + 16])
        if sp == dport and dp == sport:
            return seq, ack, flags, win
    return None


def wait_stopped(pid):
    """SIGSTOP takes effect asynchronously: wait until every thread of pid is stopped."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        states = []
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii") as f:
                states.append(f.read().rsplit(")", 1)[1].split()[0])
        if all(st in "tT" for st in states):
            return
        time.sleep(0.001)
    raise TimeoutError(f"process {pid} did not stop")


def dup_third_ack(args):
    ssock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rsock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    dst = (args.dst, 0)
    isn = int.from_bytes(os.urandom(4), "big")
    mss = struct.pack("!BBH", 2, 4, 1460)
    ssock.sendto(segment(args.src, args.dst, args.sport, args.dport, isn, 0, SYN, 64240, mss), dst)
    got = recv_seg(rsock, args.sport, args.dport, time.monotonic() + 3)
    if got is None or got[2] & (SYN | ACK) != SYN | ACK or got[1] != (isn + 1) & 0xFFFFFFFF:
        print(f"rawtcp: no SYN-ACK for the SYN (got {got})", file=sys.stderr)
        return 1
    cookie = got[0]
    ack = segment(args.src, args.dst, args.sport, args.dport, (isn + 1) & 0xFFFFFFFF,
                  (cookie + 1) & 0xFFFFFFFF, ACK, 502)
    os.kill(args.stop_pid, signal.SIGSTOP)
    try:
        wait_stopped(args.stop_pid)
        for _ in range(args.copies):
            ssock.sendto(ack, dst)
        time.sleep(0.05)
    finally:
        os.kill(args.stop_pid, signal.SIGCONT)
    # The backend accepted: the proxy opens the window (an ACK with a non-zero window).
    update = "no"
    deadline = time.monotonic() + 3
    while (seg := recv_seg(rsock, args.sport, args.dport, deadline)) is not None:
        if seg[2] & ACK and not seg[2] & (SYN | RST) and seg[3] > 0:
            update = "yes"
            break
    print(f"rawtcp isn={isn} cookie={cookie} window_update={update}", flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", choices=("dup-third-ack",))
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("dport", type=int)
    ap.add_argument("sport", type=int)
    ap.add_argument("--stop-pid", type=int, required=True)
    ap.add_argument("--copies", type=int, default=2)
    args = ap.parse_args()
    for addr in (args.src, args.dst):
        if ipaddress.ip_address(addr) not in LAB_NET:
            ap.error(f"{addr}: only 198.18.0.0/15 is allowed")
    if not 1 <= args.copies <= 8:
        ap.error("--copies: 1..8")
    return dup_third_ack(args)


if __name__ == "__main__":
    sys.exit(main())
