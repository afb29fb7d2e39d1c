# SPDX-License-Identifier: BSD-3-Clause
"""Traffic synwall does not proxy leaves through the other port byte for byte."""
import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6ND_NS, IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether

from conftest import (CLI4, CLI6, CLI_MAC, OTHER4, SRV4, SRV6, SRV_MAC, flows, make_config,
                      one)


def _c2s(l3):
    return Ether(src=CLI_MAC, dst=SRV_MAC) / l3


def _s2c(l3):
    return Ether(src=SRV_MAC, dst=CLI_MAC) / l3


def _frag(first):
    p = IP(src=CLI4, dst=SRV4, id=77, flags="MF" if first else 0, frag=0 if first else 3,
           proto=6)
    return _c2s(p / (b"\x9c\x40\x00\x50" + b"\x00" * 20 if first else b"\xaa" * 24))


FRAMES = {
    "arp_request": ("o", Ether(src=CLI_MAC, dst="ff:ff:ff:ff:ff:ff") /
                    ARP(op=1, hwsrc=CLI_MAC, psrc=CLI4, pdst=SRV4)),
    "arp_reply": ("i", Ether(src=SRV_MAC, dst=CLI_MAC) /
                  ARP(op=2, hwsrc=SRV_MAC, psrc=SRV4, hwdst=CLI_MAC, pdst=CLI4)),
    "udp_to_protected": ("o", _c2s(IP(src=CLI4, dst=SRV4) / UDP(sport=5353, dport=80) / b"u")),
    "udp_from_server": ("i", _s2c(IP(src=SRV4, dst=CLI4) / UDP(sport=80, dport=5353) / b"v")),
    "udp_bad_checksum": ("o", _c2s(IP(src=CLI4, dst=SRV4) / UDP(sport=1, dport=80,
                                                                 chksum=0x1234) / b"w")),
    "icmp_echo": ("o", _c2s(IP(src=CLI4, dst=SRV4) / ICMP() / b"ping")),
    "icmp6_ns": ("i", Ether(src=SRV_MAC, dst="33:33:ff:00:00:01") /
                 IPv6(src=SRV6, dst="ff02::1:ff00:1") / ICMPv6ND_NS(tgt=CLI6)),
    "lldp": ("o", Ether(src=CLI_MAC, dst="01:80:c2:00:00:0e", type=0x88CC) / (b"\x02" * 40)),
    "qinq_triple_tag": ("o", Ether(src=CLI_MAC, dst=SRV_MAC) / Dot1Q(vlan=1, type=0x8100) /
                        Dot1Q(vlan=2, type=0x8100) / Dot1Q(vlan=3) / IP(src=CLI4, dst=SRV4) /
                        TCP(dport=80, flags="S")),
    "tcp_other_port": ("o", _c2s(IP(src=CLI4, dst=SRV4) / TCP(sport=40000, dport=81,
                                                               flags="S"))),
    "tcp_other_dst": ("o", _c2s(IP(src=CLI4, dst=OTHER4) / TCP(sport=40000, dport=80,
                                                                flags="S"))),
    "tcp_other_dst_v6": ("o", _c2s(IPv6(src=CLI6, dst="2001:2:0:3::1") /
                                    TCP(sport=40000, dport=80, flags="S"))),
    "tcp_other_port_bad_csum": ("o", _c2s(IP(src=CLI4, dst=SRV4) /
                                          TCP(sport=40000, dport=22, flags="S",
                                              chksum=0xDEAD))),
    "tcp_other_port_garbage_flags": ("o", _c2s(IP(src=CLI4, dst=SRV4, ttl=3) /
                                               TCP(sport=1, dport=8080, flags="SFRPAUEC") /
                                               b"x")),
    # The server opens a connection out (ephemeral source port): not a protected service.
    "server_outbound_syn": ("i", _s2c(IP(src=SRV4, dst=CLI4) /
                                      TCP(sport=51000, dport=22, flags="S"))),
    "client_answers_outbound": ("o", _c2s(IP(src=CLI4, dst=SRV4) /
                                          TCP(sport=22, dport=51000, flags="SA"))),
    # A fragment other than the first carries no TCP header: it can't be classified.
    "tcp_non_first_fragment": ("o", _frag(False)),
    "padded_arp": ("o", Ether(bytes(Ether(src=CLI_MAC, dst="ff:ff:ff:ff:ff:ff") /
                                    ARP(op=1, hwsrc=CLI_MAC, psrc=CLI4, pdst=SRV4)) +
                              b"\x00" * 18)),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_bridged_unchanged(h, name):
    port, frame = FRAMES[name]
    raw = bytes(frame)
    out = one(h.send(port, raw), "i" if port == "o" else "o")
    assert bytes(out) == raw, "bridged frame was modified"
    assert flows(h) == (0, {})
    st = h.stats()
    assert st["ports"]["outside" if port == "o" else "inside"]["fwd"] == 1
    assert h.drops() == {}
    assert st["counters"]["syn_rcvd"] == 0


def test_burst_of_mixed_traffic(h):
    """A burst mixing every kind above: each frame out once, unchanged. (Non-TCP frames are
    sent in the parse stage, TCP ones after classification: order across flows may change.)"""
    outs_o = [bytes(f) for p, f in FRAMES.values() if p == "o"]
    got = h.send("o", *outs_o)
    assert [pt for pt, _ in got] == ["i"] * len(outs_o)
    assert sorted(bytes(f) for _, f in got) == sorted(outs_o)


def test_service_pass_and_allow(start):
    """action = pass and an allow-listed source are bridged untouched; deny is dropped."""
    cfg = make_config(general="allow = 198.18.1.2\ndeny = 198.18.1.3\n",
                      extra="[service open]\ndst = 198.18.4.0/24\nports = 80\naction = pass\n")
    h = start(cfg)
    for src, dst in [(CLI4, "198.18.4.9"), ("198.18.1.2", SRV4)]:
        raw = bytes(_c2s(IP(src=src, dst=dst) / TCP(sport=40000, dport=80, flags="S")))
        assert bytes(one(h.send("o", raw), "i")) == raw
    assert h.send("o", _c2s(IP(src="198.18.1.3", dst=SRV4) /
                            TCP(sport=40000, dport=80, flags="S"))) == []
    assert h.drops() == {"deny": 1}
    assert h.counters()["syn_rcvd"] == 0


def test_ipv6_host_deny_list(start):
    """Twelve IPv6 /128s in deny (more than the small table: the LPM path, whose /128s live
    in a hash table beside rte_lpm6): a listed source is dropped as deny, as is one inside
    a listed /64; its neighbour address gets a cookie SYN-ACK."""
    hosts = ["2001:2:0:1::%x" % (0x100 + i) for i in range(11)] + ["2001:2:0:1::1"]
    cfg = make_config(general="deny = %s, 2001:2:0:7::/64\n" % ", ".join(hosts))
    h = start(cfg)
    for src in ["2001:2:0:1::1", "2001:2:0:1::105", "2001:2:0:7::9"]:
        assert h.send("o", _c2s(IPv6(src=src, dst=SRV6) /
                                TCP(sport=40000, dport=80, flags="S"))) == []
    assert h.drops() == {"deny": 3}
    sa = one(h.send("o", _c2s(IPv6(src="2001:2:0:1::2", dst=SRV6) /
                              TCP(sport=40000, dport=80, flags="S"))), "o")
    assert sa[TCP].flags == "SA"
    assert h.counters()["syn_rcvd"] == 1
