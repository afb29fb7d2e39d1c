# SPDX-License-Identifier: BSD-3-Clause
"""IPv6 through the proxy: every extension header in front of TCP, truncated chains,
fragments, routing headers in transit, the IPv6 MSS table, full-address flow keys,
teardown, and ICMPv6 neighbour discovery bridged untouched.

Replies synwall builds (SYN-ACK, backend SYN, ACK to the backend, window update, RST) carry
a minimal IPv6 header: the extension headers of the packet they are made from are not
theirs. Segments it relays keep every extension header, byte for byte.
"""
import pytest
from scapy.layers.inet import TCP
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6MLReport2, ICMPv6ND_NA, ICMPv6ND_NS,
                                ICMPv6ND_RA, ICMPv6ND_Redirect, ICMPv6ND_RS,
                                ICMPv6NDOptDstLLAddr, ICMPv6NDOptPrefixInfo,
                                ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                IPv6ExtHdrSegmentRouting, PadN, RouterAlert)
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from conftest import (CLI6, CLI_MAC, MSS_TABLE, SRV6, SRV_MAC, Flow, assert_checksums, flows,
                      make_config, one)

SEG6 = "2001:2:0:5::1"  # an intermediate node of a routing header (not protected)


class ExtFlow(Flow):
    """An IPv6 Flow whose client (cli_l3) and server (srv_l3) frames get extension headers:
    each hook takes the IPv6 header synwall's peer would send and returns the L3 headers to
    put in front of TCP (it may change the IPv6 destination, for a routing header)."""

    def __init__(self, h, cli_l3=None, srv_l3=None, **kw):
        kw.setdefault("v6", True)
        super().__init__(h, **kw)
        self.cli_l3, self.srv_l3 = cli_l3, srv_l3

    def _ip(self, src, dst, ttl, ip_id=None, flags=0):
        ip = super()._ip(src, dst, ttl, ip_id, flags)
        hook = self.cli_l3 if src == self.cli else self.srv_l3
        return hook(ip) if hook else ip


def hbh(ip):
    return ip / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"")])


def dstopt(ip):
    return ip / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)])


def rh0_done(ip):
    """Type 0 routing header already processed (Segments Left 0): the IPv6 dst is final."""
    return ip / IPv6ExtHdrRouting(type=0, segleft=0, addresses=[SEG6])


def srh_done(ip):
    return ip / IPv6ExtHdrSegmentRouting(addresses=[ip.dst, SEG6], segleft=0, lastentry=1)


def atomic_frag(ip):
    """RFC 6946 atomic fragment (offset 0, M clear): a whole packet."""
    return ip / IPv6ExtHdrFragment(offset=0, m=0, id=0x1234)


def chain(ip):
    """Every walked header at once, in RFC 8200 section 4.1 order."""
    return (ip / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)]) /
            IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 12)]) /
            IPv6ExtHdrRouting(type=0, segleft=0, addresses=[SEG6, SEG6]) /
            IPv6ExtHdrFragment(offset=0, m=0, id=7) /
            IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]))


def eight(ip):
    """SW_PKT_IPV6_EXT_MAX headers: the most the parser walks."""
    for _ in range(8):
        ip = ip / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)])
    return ip


EXT = {"hbh": hbh, "dstopt": dstopt, "rh0_done": rh0_done, "srh_done": srh_done,
       "atomic_frag": atomic_frag, "chain": chain, "eight": eight}


def _ext_present(frame):
    return [layer.__name__ for layer in (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                                         IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting,
                                         IPv6ExtHdrFragment) if layer in frame]


@pytest.mark.parametrize("name", list(EXT))
def test_ext_headers_proxied_and_relayed(h, name):
    """A client whose every segment carries the extension headers: answered with a minimal
    IPv6 header, spliced, relayed with the headers intact, closed."""
    f = ExtFlow(h, cli_l3=EXT[name], srv_l3=dstopt if name == "dstopt" else None)
    sa = f.syn()
    bs = f.ack3()
    back, upd = f.synack()
    for p in (sa, bs, back, upd):
        assert _ext_present(p) == [], "reply carries %s" % _ext_present(p)
        assert p[IPv6].nh == 6
        assert_checksums(p)
    assert flows(h) == (1, {"ESTABLISHED": 1})
    f.c2s(b"GET / HTTP/1.1\r\n\r\n", flags="PA")
    f.s2c(b"x" * 700, flags="PA")
    f.c2s(flags="A")
    # Client-first close, every segment with its headers.
    f.c2s(flags="FA")
    f.s2c(flags="FA")
    f.c2s(flags="A")
    assert flows(h) == (1, {"TIME_WAIT": 1})
    c = h.counters()
    assert c["synack_sent"] == 1 and c["cookie_valid"] == 1 and c["conn_established"] == 1
    assert c["conn_closed"] == 1
    assert h.drops() == {}


@pytest.mark.parametrize("mss", [None, 536, 1219, 1220, 1359, 1360, 1439, 1440, 8939, 8940,
                                 9000, 65535])
def test_ipv6_mss_table(h, mss):
    """The cookie carries an index into the IPv6 MSS table (1220, 1360, 1440, 8940): the
    backend SYN offers the largest entry <= the client's MSS (without MSS: the smallest)."""
    f = ExtFlow(h, cli_l3=hbh, mss=mss)
    f.syn()
    bs = f.ack3()
    want = MSS_TABLE[6][0] if mss is None else max(
        [t for t in MSS_TABLE[6] if t <= mss] or [MSS_TABLE[6][0]])
    assert dict(bs[TCP].options)["MSS"] == want


@pytest.mark.parametrize("ts,ws,sack", [(False, None, False), (False, 7, True),
                                        (True, None, True), (True, 14, False)],
                         ids=["bare", "ws-sack", "ts-sack", "ts-ws14"])
def test_ipv6_option_combinations_behind_chain(h, ts, ws, sack):
    """Cookie bits (no-TS mode: in the ISN; TS mode: in the TSval) survive the header chain."""
    f = ExtFlow(h, cli_l3=chain, ts=ts, ws=ws, sack=sack).open()
    f.c2s(b"a" * 100, flags="PA")
    f.s2c(b"b" * 100, flags="PA")
    f.c2s()


@pytest.mark.parametrize("name,l3", [
    ("rh0", lambda ip: IPv6(src=ip.src, dst=SEG6, hlim=ip.hlim) /
     IPv6ExtHdrRouting(type=0, segleft=1, addresses=[ip.dst])),
    ("srh", lambda ip: IPv6(src=ip.src, dst=SEG6, hlim=ip.hlim) /
     IPv6ExtHdrSegmentRouting(addresses=[ip.dst, SEG6], segleft=1, lastentry=1)),
], ids=["rh0", "srh"])
def test_routing_header_in_transit(h, name, l3):
    """Segments Left > 0: the connection is with the final destination (RFC 8200 section
    8.1), which is what synwall classifies, keys the flow and computes the cookie on. Its
    replies and the backend SYN are between the client and that final destination, with a
    minimal IPv6 header."""
    f = ExtFlow(h, cli_l3=l3)
    sa = f.syn()
    assert (sa[IPv6].src, sa[IPv6].dst) == (f.srv, f.cli)
    bs = f.ack3()
    assert bs[IPv6].dst == f.srv, "backend SYN sent to %s, not the final destination %s" % (
        bs[IPv6].dst, f.srv)
    f.synack()
    f.c2s(b"through the segment", flags="PA")
    f.s2c(b"back", flags="PA")
    assert flows(h) == (1, {"ESTABLISHED": 1})


def _syn6(l3_after_ipv6=None, **tcp):
    kw = dict(sport=39001, dport=80, flags="S", seq=1000, window=64240,
              options=[("MSS", 1440), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None),
                       ("WScale", 7)])
    kw.update(tcp)
    ip = IPv6(src=CLI6, dst=SRV6, hlim=50)
    if l3_after_ipv6 is not None:
        ip = ip / l3_after_ipv6
    return Ether(src=CLI_MAC, dst=SRV_MAC) / ip / TCP(**kw)


def _dropped(h, port, frame, cause):
    outs = h.send(port, frame)
    assert outs == [], "dropped frame produced %s" % [(p, f.summary()) for p, f in outs]
    assert h.drops() == {cause: 1}
    assert flows(h) == (0, {})
    c = h.counters()
    assert c["synack_sent"] == 0 and c["backend_syn_sent"] == 0


def _plen_fixed(frame_bytes, plen):
    """frame with its IPv6 payload length set to plen (Ethernet + IPv6 at offset 14)."""
    b = bytearray(frame_bytes)
    b[18:20] = plen.to_bytes(2, "big")
    return bytes(b)


def _truncated_chains():
    syn_do = bytes(_syn6(IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)])))
    syn_hbh = bytes(_syn6(IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)])))
    syn_rh = bytes(_syn6(IPv6ExtHdrRouting(type=0, segleft=0, addresses=[SEG6])))
    syn_frag = bytes(_syn6(IPv6ExtHdrFragment(offset=0, m=0, id=1)))
    ext_len = bytearray(syn_do)
    ext_len[55] = 200  # Hdr Ext Len: (200 + 1) * 8 bytes, past the end of the payload
    rh_len = bytearray(syn_rh)
    rh_len[55] = 9  # 80 bytes, the payload holds 24 + TCP
    hbh_second = bytes(_syn6(IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) /
                             IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)])))
    nine = IPv6(src=CLI6, dst=SRV6, hlim=50)
    for _ in range(9):
        nine = nine / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)])
    nine = bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / nine /
                 TCP(sport=39001, dport=80, flags="S", seq=1))
    ipv6_end = 14 + 40
    return [
        # The IPv6 payload ends inside an extension header (the frame may go on: padding).
        ("do_payload_4", _plen_fixed(syn_do, 4), "bad_exthdr"),
        ("hbh_payload_6", _plen_fixed(syn_hbh, 6), "bad_exthdr"),
        ("rh_payload_20", _plen_fixed(syn_rh, 20), "bad_exthdr"),
        ("frag_payload_4", _plen_fixed(syn_frag, 4), "bad_exthdr"),
        # A header's own length runs past the payload.
        ("do_len_overrun", bytes(ext_len), "bad_exthdr"),
        ("rh_len_overrun", bytes(rh_len), "bad_exthdr"),
        # RFC 8200 section 4.3: Hop-by-Hop only right after the IPv6 header.
        ("hbh_not_first", hbh_second, "bad_exthdr"),
        # More than SW_PKT_IPV6_EXT_MAX (8) headers.
        ("nine_headers", nine, "bad_exthdr"),
        # The frame ends inside the chain (payload length says more): bad L3.
        ("frame_cut_in_chain", syn_do[:ipv6_end + 4], "bad_l3"),
        # The chain is whole, the TCP header after it is cut.
        ("tcp_cut_after_chain", _plen_fixed(syn_do[:ipv6_end + 8 + 12], 8 + 12), "bad_l4"),
        ("tcp_doff_past_end_after_chain",
         _plen_fixed(syn_do[:ipv6_end + 8 + 24], 8 + 24), "bad_l4"),
    ]


@pytest.mark.parametrize("name,raw,cause", _truncated_chains(),
                         ids=[c[0] for c in _truncated_chains()])
@pytest.mark.parametrize("port", ["o", "i"])
def test_truncated_chain_dropped(h, name, raw, cause, port):
    """A malformed chain in front of a SYN is never answered nor waved through: one drop,
    one named cause, on either port."""
    _dropped(h, port, raw, cause)


def test_syn_in_first_fragment_behind_headers(h):
    """The first fragment (M set) of a SYN, behind Hop-by-Hop and Destination Options: not
    answered (a cookie over a fragment's checksum), not forwarded: syn_fragment."""
    p = _syn6(IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)]) /
              IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) /
              IPv6ExtHdrFragment(offset=0, m=1, id=99))
    _dropped(h, "o", p, "syn_fragment")


def test_syn_first_fragment_too_short_for_tcp(h):
    """A first fragment holding only 8 bytes of the TCP header (ports, no flags): it can't
    be classified as anything but malformed (RFC 7112: the whole chain and upper-layer header
    belong in the first fragment)."""
    tcp = bytes(TCP(sport=39001, dport=80, flags="S", seq=1000))[:8]
    p = (Ether(src=CLI_MAC, dst=SRV_MAC) / IPv6(src=CLI6, dst=SRV6, hlim=50) /
         IPv6ExtHdrFragment(offset=0, m=1, id=100, nh=6) / Raw(tcp))
    _dropped(h, "o", p, "bad_l4")


def test_non_first_fragment_bridged(h):
    """A later fragment has no TCP header to protect: bridged untouched. Its first fragment
    (the one with the SYN) never gets through, so the server can't reassemble a SYN."""
    p = (Ether(src=CLI_MAC, dst=SRV_MAC) / IPv6(src=CLI6, dst=SRV6, hlim=50) /
         IPv6ExtHdrFragment(offset=2, m=0, id=99, nh=6) / Raw(b"\xaa" * 24))
    raw = bytes(p)
    assert bytes(one(h.send("o", raw), "i")) == raw
    assert h.drops() == {} and flows(h) == (0, {})


def test_flows_keyed_on_full_addresses(h):
    """Two clients whose addresses differ only in their last bytes, same ports, same server:
    two flows, each translated with its own cookie; data never crosses over."""
    srv = "2001:2:0:2::77"
    a = Flow(h, v6=True, cli="2001:2:0:1::1:1", srv=srv, sport=41000, isn=1000)
    b = Flow(h, v6=True, cli="2001:2:0:1::2:1", srv=srv, sport=41000, isn=900_000)
    c = Flow(h, v6=True, cli="2001:2:0:1:8000::1:1", srv=srv, sport=41000, isn=5_000_000)
    for f in (a, b, c):
        f.syn()
    assert flows(h) == (0, {})
    for f in (a, b, c):
        f.ack3()
    assert flows(h) == (3, {"SYN_SENT": 3})
    for f in (a, b, c):
        f.synack()
    assert flows(h) == (3, {"ESTABLISHED": 3})
    assert len({a.C, b.C, c.C}) == 3
    a.c2s(b"from a", flags="PA")
    b.c2s(b"from b", flags="PA")
    c.s2c(b"to c", flags="PA")
    b.s2c(b"to b", flags="PA")
    a.s2c(b"to a", flags="PA")
    c.c2s(flags="RA")
    assert flows(h) == (3, {"ESTABLISHED": 2, "CLOSED": 1})


def test_ipv6_server_first_close_and_rst(h):
    f = Flow(h, v6=True).open()
    f.s2c(b"bye", flags="FPA")
    f.c2s(flags="A")
    f.c2s(flags="FA")
    f.s2c(flags="A")
    assert flows(h) == (1, {"TIME_WAIT": 1})
    g = ExtFlow(h, cli_l3=dstopt).open()
    g.c2s(b"abc", flags="PA")
    g.c2s(flags="RA")
    assert flows(h) == (2, {"TIME_WAIT": 1, "CLOSED": 1})


def _nd_frames():
    cli_ll = CLI_MAC
    sol = "ff02::1:ff00:2"
    return {
        "ns_dad": ("o", Ether(src=CLI_MAC, dst="33:33:ff:00:00:02") /
                   IPv6(src="::", dst=sol, hlim=255) / ICMPv6ND_NS(tgt=SRV6)),
        "ns": ("o", Ether(src=CLI_MAC, dst="33:33:ff:00:00:02") /
               IPv6(src=CLI6, dst=sol, hlim=255) / ICMPv6ND_NS(tgt=SRV6) /
               ICMPv6NDOptSrcLLAddr(lladdr=cli_ll)),
        "na": ("i", Ether(src=SRV_MAC, dst=CLI_MAC) / IPv6(src=SRV6, dst=CLI6, hlim=255) /
               ICMPv6ND_NA(tgt=SRV6, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=SRV_MAC)),
        "na_unsolicited": ("i", Ether(src=SRV_MAC, dst="33:33:00:00:00:01") /
                           IPv6(src=SRV6, dst="ff02::1", hlim=255) /
                           ICMPv6ND_NA(tgt=SRV6, S=0, O=1) /
                           ICMPv6NDOptDstLLAddr(lladdr=SRV_MAC)),
        "rs": ("o", Ether(src=CLI_MAC, dst="33:33:00:00:00:02") /
               IPv6(src=CLI6, dst="ff02::2", hlim=255) / ICMPv6ND_RS() /
               ICMPv6NDOptSrcLLAddr(lladdr=cli_ll)),
        "ra": ("i", Ether(src=SRV_MAC, dst="33:33:00:00:00:01") /
               IPv6(src=SRV6, dst="ff02::1", hlim=255) / ICMPv6ND_RA() /
               ICMPv6NDOptPrefixInfo(prefix="2001:2:0:2::", prefixlen=64)),
        "redirect": ("i", Ether(src=SRV_MAC, dst=CLI_MAC) / IPv6(src=SRV6, dst=CLI6, hlim=255) /
                     ICMPv6ND_Redirect(tgt="2001:2:0:2::9", dst="2001:2:0:9::1")),
        "mld2_report": ("o", Ether(src=CLI_MAC, dst="33:33:00:00:00:16") /
                        IPv6(src=CLI6, dst="ff02::16", hlim=1) /
                        IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"")]) /
                        ICMPv6MLReport2()),
        "echo_to_protected": ("o", Ether(src=CLI_MAC, dst=SRV_MAC) /
                              IPv6(src=CLI6, dst=SRV6) / ICMPv6EchoRequest(data=b"ping")),
    }


@pytest.mark.parametrize("name", list(_nd_frames()))
def test_icmpv6_bridged_unchanged(h, name):
    """Neighbour discovery, MLD (behind Hop-by-Hop) and echo: bridged byte for byte."""
    port, frame = _nd_frames()[name]
    raw = bytes(frame)
    out = one(h.send(port, raw), "i" if port == "o" else "o")
    assert bytes(out) == raw, "bridged frame was modified"
    assert flows(h) == (0, {})
    assert h.drops() == {}
    assert h.counters()["syn_rcvd"] == 0


def harness_takes(h, nbytes):
    """True if the harness can inject an nbytes frame (its mbufs may be smaller than the
    config's MTU): probes with a bridged non-IP frame, keeping the accounting right."""
    probe = Ether(src=CLI_MAC, dst="01:80:c2:00:00:0e", type=0x88B5) / Raw(b"\0" * (nbytes - 14))
    try:
        outs = h.send("o", probe)
    except RuntimeError:
        h.n_in["o"] -= 1
        assert h.p.stdout.readline().strip() == "done"  # the failed command's end
        return False
    assert bytes(one(outs, "i")) == bytes(probe)
    return True


JUMBO_SKIP = ("tests/pcap/harness.c sizes its mbufs with RTE_MBUF_DEFAULT_BUF_SIZE (2048 "
              "bytes of data), not from [general] mtu: jumbo frames can't be injected")


def test_jumbo_ipv6_relay(start):
    """MTU 9000: a client and backend with MSS 8940 (the IPv6 MSS table's top entry); full
    9000-byte IPv6 packets relayed both ways, behind a Destination Options header too,
    never truncated."""
    h = start(make_config(general="mtu = 9000\n"))
    if not harness_takes(h, 9018):
        pytest.skip(JUMBO_SKIP)
    # Before a backend is learned the proxy offers the MTU's MSS (9000 - 60).
    f = ExtFlow(h, mss=8940, b_mss=8940, srv_l3=dstopt, adv_mss=8940)
    f.open()
    assert dict(f.backend_syn[TCP].options)["MSS"] == 8940
    up = bytes(range(256)) * 34 + b"u" * (8928 - 256 * 34)
    p, outs = f.c2s(up, flags="PA")
    assert len(p) == 14 + 9000 and len(outs[0][1]) == 14 + 9000
    p, outs = f.s2c(b"d" * (8928 - 8), flags="PA")
    assert len(p) == 14 + 9000 and len(outs[0][1]) == 14 + 9000
    f.c2s()


@pytest.mark.parametrize("final", ["ff02::1", "::1", "::"])
def test_routing_header_to_martian_final_destination(start, final):
    """A SYN whose routing header leads to a martian final destination (multicast, loopback,
    unspecified) under a service covering every address: never answered (martian_src),
    since the SYN-ACK would come from that address."""
    h = start(make_config(extra="[service all6]\ndst = ::/0\nports = 8080\n"))
    p = (Ether(src=CLI_MAC, dst=SRV_MAC) / IPv6(src=CLI6, dst=SEG6, hlim=50) /
         IPv6ExtHdrSegmentRouting(addresses=[final, SEG6], segleft=1, lastentry=1) /
         TCP(sport=39002, dport=8080, flags="S", seq=1000, options=[("MSS", 1440)]))
    _dropped(h, "o", p, "martian_src")
