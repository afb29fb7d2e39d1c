# SPDX-License-Identifier: BSD-3-Clause
"""UDP echo for the lab: one side serves, the other sends and checks the echo.

  udp_echo.py serve ADDR PORT [COUNT] [TIMEOUT_S]
      echo COUNT datagrams (default 1) back to their sender, then exit 0;
      exit 1 if TIMEOUT_S (default 10) passes first.
  udp_echo.py send ADDR PORT SIZE [TIMEOUT_S]
      send one datagram of SIZE bytes (a pattern with a random token), wait for the echo,
      exit 0 if it comes back byte for byte. SIZE above the MTU tests IP fragments.
"""
import os
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port, count, timeout_s):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    deadline = time.monotonic() + timeout_s
    for i in range(count):
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"udp_echo: timeout after {i} of {count} datagrams", file=sys.stderr)
            return 1
        s.settimeout(left)
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            print(f"udp_echo: timeout after {i} of {count} datagrams", file=sys.stderr)
            return 1
        print(f"udp_echo: {len(data)} bytes from {peer[0]}:{peer[1]}", flush=True)
        s.sendto(data, peer)
    return 0


def send(addr, port, size, timeout_s):
    token = os.urandom(8).hex().encode()
    payload = (token * (size // len(token) + 1))[:size]
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(timeout_s)
    s.connect((addr, port))
    s.send(payload)
    try:
        echo = s.recv(65535)
    except socket.timeout:
        print(f"udp_echo: no echo within {timeout_s}s", file=sys.stderr)
        return 1
    if echo != payload:
        print(f"udp_echo: echo differs ({len(echo)} bytes, sent {len(payload)})", file=sys.stderr)
        return 1
    print(f"udp_echo: {size} bytes echoed", flush=True)
    return 0


def main(argv):
    try:
        if len(argv) >= 4 and argv[1] == "serve":
            count = int(argv[4]) if len(argv) > 4 else 1
            timeout_s = float(argv[5]) if len(argv) > 5 else 10.0
            return serve(argv[2], int(argv[3]), count, timeout_s)
        if len(argv) >= 5 and argv[1] == "send":
            timeout_s = float(argv[5]) if len(argv) > 5 else 5.0
            return send(argv[2], int(argv[3]), int(argv[4]), timeout_s)
    except ValueError as e:
        print(f"udp_echo: {e}", file=sys.stderr)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
