# SPDX-License-Identifier: BSD-3-Clause
"""A TX ring that refuses packets: tx, tx_bytes and tx_drops of the port still match what
left. The worker counts a packet's bytes when it queues it (dp_tx) and takes back those
of the packets the PMD refuses (sw_dp_flush): a packet refused must not count.

The harness's 'expire' polls the worker many times without draining the TX rings (1024
entries): SYN-ACKs answered out of the outside port and segments forwarded to it from the
inside, 64 a poll, overflow the outside ring. A harness of its own, not the fixture's:
the fixture's accounting check wants no TX drop."""
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

from conftest import CLI4, CLI_MAC, SRV4, SRV_MAC, make_config
from harness import Harness

N = 1000  # per input port; rx rings hold 1023, the outside TX ring less than 2 * N


def test_tx_bytes_with_refused_packets(tmp_path):
    with Harness(make_config(), tmp_path) as h:
        for i in range(N):
            syn = (Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                   TCP(sport=10000 + i, dport=80, flags="S", seq=i))
            h.cmd("in o " + bytes(syn).hex())
            # Payload lengths vary so that a wrong packet's bytes show.
            udp = (Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src=SRV4, dst=CLI4) /
                   UDP(sport=53, dport=20000 + i) / (b"x" * (i % 97)))
            h.cmd("in i " + bytes(udp).hex())
        outs = h.expire()
        st = h.stats()["ports"]
        o = st["outside"]
        sent = [f for port, f in outs if port == "o"]
        assert 0 < len(sent) < 2 * N
        assert o["tx_drops"] == 2 * N - len(sent), o
        assert o["tx"] == len(sent), o
        assert o["tx_bytes"] == sum(len(bytes(f)) for f in sent), o
        i = st["inside"]
        assert i["tx"] == i["tx_drops"] == i["tx_bytes"] == 0, i
