# SPDX-License-Identifier: BSD-3-Clause
"""Malformed and unacceptable input: each dropped silently under exactly one named cause."""
import pytest
from scapy.layers.inet import IP, TCP, in4_chksum
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrSegmentRouting
from scapy.layers.l2 import Dot1Q, Ether

from conftest import (CLI4, CLI6, CLI_MAC, SRV4, SRV6, SRV_MAC, Flow, flows, u32)


def _dropped(h, port, frame, cause):
    outs = h.send(port, frame)
    assert outs == [], "dropped frame produced %s" % [(p, f.summary()) for p, f in outs]
    assert h.drops() == {cause: 1}
    assert flows(h) == (0, {})
    c = h.counters()
    assert c["synack_sent"] == 0 and c["backend_syn_sent"] == 0


def _syn(**kw):
    tcp = dict(sport=39999, dport=80, flags="S", seq=1000, window=64240,
               options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None),
                        ("WScale", 7)])
    tcp.update(kw)
    return Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4, ttl=50) / TCP(**tcp)


def with_raw_options(p, opts):
    """p (Ether/IP/TCP without options or payload) with raw TCP option bytes and valid sums."""
    tcp = bytearray(bytes(p[TCP]) + opts)
    tcp[12] = (5 + len(opts) // 4) << 4
    tcp[16:18] = b"\0\0"
    ip = p[IP].copy()
    ip.remove_payload()
    ip.len = None
    ip.chksum = None
    ip.proto = 6
    tcp[16:18] = in4_chksum(6, IP(bytes(ip / bytes(tcp))), bytes(tcp)).to_bytes(2, "big")
    return Ether(bytes(p[Ether].copy().__class__(src=p[Ether].src, dst=p[Ether].dst) /
                       ip / bytes(tcp)))


def test_syn_bad_tcp_checksum(h):
    _dropped(h, "o", _syn(chksum=0xBEEF), "bad_csum")


def test_syn_bad_ip_checksum(h):
    p = _syn()
    p[IP].chksum = 0xBEEF
    _dropped(h, "o", p, "bad_csum")


@pytest.mark.parametrize("opts", [
    b"\x08\x0a\x00\x00",                    # TS says 10 bytes, 4 left
    b"\x01\x01\x01\x02",                    # MSS kind in the last byte, no length
    b"\x02\x00\x00\x00",                    # length 0
    b"\x02\x01\x01\x01",                    # length 1
    b"\x02\x04\x05\xb4\x02\x04\x05\xb4",    # MSS twice
    b"\x03\x04\x07\x00",                    # WS of length 4
    b"\x02\x04\x05\xb4\x03\x03\x07\x05",    # SACK option of length 3 after WS
], ids=["ts_overrun", "no_length", "len0", "len1", "dup_mss", "ws_len4", "sack_len3"])
def test_syn_bad_options(h, opts):
    _dropped(h, "o", with_raw_options(_syn(options=[]), opts), "bad_tcpopt")


@pytest.mark.parametrize("flags", ["SF", "SR", "SU", "SFR"])
def test_syn_bad_flags(h, flags):
    _dropped(h, "o", _syn(flags=flags), "syn_bad_flags")


@pytest.mark.parametrize("src_mac,src", [
    (CLI_MAC, "255.255.255.255"), (CLI_MAC, "224.0.0.5"), (CLI_MAC, "127.0.0.1"),
    (CLI_MAC, "0.0.0.0"), (CLI_MAC, "240.0.0.1"), ("01:00:5e:00:00:05", CLI4),
    ("ff:ff:ff:ff:ff:ff", CLI4)],
    ids=["bcast", "mcast", "loopback", "unspec", "class_e", "l2_mcast", "l2_bcast"])
def test_syn_martian_source_v4(h, src_mac, src):
    p = _syn()
    p[Ether].src = src_mac
    p[IP].src = src
    _dropped(h, "o", Ether(bytes(p)), "martian_src")


@pytest.mark.parametrize("src", ["::1", "::", "ff02::1"])
def test_syn_martian_source_v6(h, src):
    p = (Ether(src=CLI_MAC, dst=SRV_MAC) / IPv6(src=src, dst=SRV6) /
         TCP(sport=40000, dport=80, flags="S", seq=1000, options=[("MSS", 1440)]))
    _dropped(h, "o", p, "martian_src")


def test_syn_first_fragment_v4(h):
    p = _syn()
    p[IP].flags = "MF"
    _dropped(h, "o", Ether(bytes(p)), "syn_fragment")


def test_syn_fragment_v6(h):
    p = (Ether(src=CLI_MAC, dst=SRV_MAC) / IPv6(src=CLI6, dst=SRV6) /
         IPv6ExtHdrFragment(m=1, offset=0, id=7) /
         TCP(sport=40000, dport=80, flags="S", seq=1000, options=[("MSS", 1440)]))
    _dropped(h, "o", p, "syn_fragment")


def _frame(hexs):
    return bytes.fromhex(hexs.replace(" ", ""))


def _truncated_cases():
    syn = bytes(_syn())
    vlan = bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / Dot1Q(vlan=5) / IP(src=CLI4, dst=SRV4) /
                 TCP(sport=40000, dport=80, flags="S"))
    ip = syn[14:]
    eth = syn[:14]
    # IPv4 total length larger than the frame.
    long_len = bytearray(syn)
    long_len[16:18] = (len(ip) + 20).to_bytes(2, "big")
    # IHL 4 (< 5).
    ihl4 = bytearray(syn)
    ihl4[14] = 0x44
    # TCP header cut: IP payload of 12 bytes.
    short_tcp = bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4, proto=6) /
                      bytes(TCP(sport=40000, dport=80, flags="S"))[:12])
    # TCP data offset 4, and data offset 15 with a 40-byte segment.
    doff4 = bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                  TCP(sport=40000, dport=80, flags="S", dataofs=4))
    doff15 = bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                   TCP(sport=40000, dport=80, flags="S", dataofs=15) / (b"\x01" * 20))
    v6 = bytearray(bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IPv6(src=CLI6, dst=SRV6) /
                         TCP(sport=40000, dport=80, flags="S")))
    v6[18:20] = (200).to_bytes(2, "big")
    return [
        ("empty_l2", syn[:10], "trunc_l2"),
        ("vlan_cut", vlan[:16], "trunc_l2"),
        ("ip_cut", eth + ip[:12], "bad_l3"),
        ("ip_len_long", bytes(long_len), "bad_l3"),
        ("ihl4", bytes(ihl4), "bad_l3"),
        ("ip6_plen_long", bytes(v6), "bad_l3"),
        ("tcp_cut", short_tcp, "bad_l4"),
        ("doff4", doff4, "bad_l4"),
        ("doff15", doff15, "bad_l4"),
    ]


@pytest.mark.parametrize("name,raw,cause", _truncated_cases(),
                         ids=[c[0] for c in _truncated_cases()])
@pytest.mark.parametrize("port", ["o", "i"])
def test_truncated_frames(h, name, raw, cause, port):
    _dropped(h, port, raw, cause)


@pytest.mark.parametrize("flags", ["SA", "R", "RA"])
def test_outside_segment_without_flow(h, flags):
    """A SYN-ACK or RST from a client with no flow: no_flow, never answered."""
    _dropped(h, "o", _syn(flags=flags, ack=5), "no_flow")


def test_server_segment_without_flow(h):
    p = (Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src=SRV4, dst=CLI4) /
         TCP(sport=80, dport=39999, flags="PA", seq=1, ack=1) / b"data")
    _dropped(h, "i", p, "no_flow")


def test_ack_without_flow_is_cookie_checked(h):
    """A pure ACK with no flow is taken as a third ACK: its cookie fails."""
    _dropped(h, "o", _syn(flags="A", ack=12345, options=[]), "cookie_invalid")


def _bad_opts_segment(f, flags, seq):
    p = f.cli_frame(flags, seq, u32(f.snd_s - f.delta), options=[])
    opts = b"\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02\x01\x01\x08\x0a" \
           b"\x00\x00\x00\x01\x00\x00\x00\x02"  # two TS options
    return with_raw_options(p, opts)


def test_established_segment_bad_options_dropped(h):
    f = Flow(h).open()
    assert h.send("o", _bad_opts_segment(f, "A", f.snd_c)) == []
    assert h.drops() == {"bad_tcpopt": 1}
    assert flows(h) == (1, {"ESTABLISHED": 1})
    f.c2s(b"fine", flags="PA")


@pytest.mark.parametrize("flags", ["FA", "R"])
def test_dropped_fin_or_rst_does_not_change_state(h, flags):
    """A FIN or RST that synwall drops (bad_tcpopt) never reached the peer: state unchanged."""
    f = Flow(h).open()
    assert h.send("o", _bad_opts_segment(f, flags, f.snd_c)) == []
    assert h.drops() == {"bad_tcpopt": 1}
    assert flows(h) == (1, {"ESTABLISHED": 1})
    f.c2s(b"still open", flags="PA")


def test_syn_with_routing_header_in_transit(h):
    """Segments Left > 0: synwall classifies by the final destination (the server). Whatever
    it does, it must not emit a SYN-ACK that is not from the server to the client."""
    seg = "2001:2:0:5::1"
    p = (Ether(src=CLI_MAC, dst=SRV_MAC) / IPv6(src=CLI6, dst=seg) /
         IPv6ExtHdrSegmentRouting(addresses=[SRV6, seg], segleft=1, lastentry=1) /
         TCP(sport=40000, dport=80, flags="S", seq=1000, options=[("MSS", 1440)]))
    outs = h.send("o", p)
    assert len(outs) <= 1
    for port, f in outs:
        assert port == "o"
        assert (f[IPv6].src, f[IPv6].dst) == (SRV6, CLI6), "SYN-ACK from %s to %s" % (
            f[IPv6].src, f[IPv6].dst)
        assert IPv6ExtHdrSegmentRouting not in f or f[IPv6ExtHdrSegmentRouting].segleft == 0
