# SPDX-License-Identifier: BSD-3-Clause
"""802.1Q and QinQ through the proxy: tagged connections are answered, spliced and closed with
exactly the tags they came with (TPIDs, PCP and DEI bits included), IPv4 and IPv6, behind
IPv6 extension headers too; services match on the innermost VLAN ID (the vlan key), and
untagged and tagged traffic coexist.
"""
import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, IPv6
from scapy.layers.l2 import ARP
from scapy.layers.l2 import Dot1Q, Ether

from conftest import (CLI4, CLI6, CLI_MAC, SRV4, SRV6, SRV_MAC, assert_frame, flows,
                      make_config, one, u32)
from test_ipv6 import JUMBO_SKIP, ExtFlow, chain, dstopt, harness_takes

TPID_C = 0x8100  # 802.1Q C-tag
TPID_S = 0x88A8  # 802.1ad S-tag


def tci(vid, pcp=0, dei=0):
    return (pcp << 13) | (dei << 12) | vid


class TagFlow(ExtFlow):
    """A Flow whose every frame, both ways, carries `tags` [(TPID, TCI), ...], outer first
    (IPv6 extension header hooks as in ExtFlow)."""

    def __init__(self, h, tags, **kw):
        kw.setdefault("v6", False)
        super().__init__(h, **kw)
        self.tags = list(tags)

    def _l2(self, src, dst):
        return tagged(Ether(src=src, dst=dst), self.tags)


def tagged(eth, tags):
    """eth / the tags, with explicit TPIDs (scapy would write 0x8100 everywhere)."""
    if not tags:
        return eth
    eth.type = tags[0][0]
    p = eth
    for i, (_, t) in enumerate(tags):
        d = Dot1Q(prio=t >> 13, id=(t >> 12) & 1, vlan=t & 0xFFF)
        if i + 1 < len(tags):
            d.type = tags[i + 1][0]
        p = p / d
    return p


TAGS = {
    "dot1q": [(TPID_C, tci(10))],
    "dot1q_pcp_dei": [(TPID_C, tci(10, pcp=5, dei=1))],
    "priority_tag": [(TPID_C, tci(0, pcp=3))],
    "qinq_88a8": [(TPID_S, tci(100, pcp=1)), (TPID_C, tci(10, pcp=6))],
    "qinq_8100_8100": [(TPID_C, tci(200)), (TPID_C, tci(4094))],
}


def _tag_bytes(frame):
    """The raw bytes between the MACs and the innermost ether type."""
    raw = bytes(frame)
    off = 12
    while int.from_bytes(raw[off:off + 2], "big") in (TPID_C, TPID_S):
        off += 4
    return raw[12:off]


def _converse(f, h):
    """Handshake, data both ways, client-first close: every frame checked by the model."""
    sa = f.syn()
    bs = f.ack3()
    back, upd = f.synack()
    want = _tag_bytes(f.syn_frame)
    for p in (sa, bs, back, upd):
        assert _tag_bytes(p) == want, "tags %s, expected %s" % (_tag_bytes(p).hex(), want.hex())
    f.c2s(b"GET / HTTP/1.1\r\n\r\n", flags="PA")
    f.s2c(b"z" * 600, flags="PA")
    f.c2s(flags="FA")
    f.s2c(flags="FA")
    f.c2s(flags="A")
    assert flows(h) == (1, {"TIME_WAIT": 1})
    c = h.counters()
    assert c["synack_sent"] == 1 and c["conn_established"] == 1 and c["conn_closed"] == 1
    assert h.drops() == {}


@pytest.mark.parametrize("name", list(TAGS))
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_tagged_connection(h, name, v6):
    _converse(TagFlow(h, TAGS[name], v6=v6), h)


@pytest.mark.parametrize("name", ["dot1q", "qinq_88a8"])
def test_tagged_ipv6_behind_extension_headers(h, name):
    """VLAN tags + IPv6 + the whole extension header chain on every client segment and a
    Destination Options header on the server's."""
    _converse(TagFlow(h, TAGS[name], v6=True, cli_l3=chain, srv_l3=dstopt), h)


def test_untagged_and_tagged_coexist(h):
    """Connections untagged, in VLAN 10 and in QinQ 100/10 to the same server, interleaved:
    each frame leaves with its own tags and its own flow's numbering."""
    fs = [TagFlow(h, [], srv=SRV4), TagFlow(h, TAGS["dot1q"], srv=SRV4),
          TagFlow(h, TAGS["qinq_88a8"], srv=SRV4), TagFlow(h, TAGS["dot1q"], v6=True, srv=SRV6),
          TagFlow(h, [], v6=True, srv=SRV6)]
    for f in fs:
        f.syn()
    for f in fs:
        f.ack3()
    for f in reversed(fs):
        f.synack()
    for i, f in enumerate(fs):
        f.c2s(b"c%d" % i, flags="PA")
    for i, f in enumerate(reversed(fs)):
        f.s2c(b"s%d" % i, flags="PA")
    assert flows(h) == (len(fs), {"ESTABLISHED": len(fs)})


@pytest.mark.fresh
def test_backend_timeout_rst_keeps_tags(h):
    """The backend SYN retransmissions and the RST to the client (built from the kept SYN
    when the backend never answers) carry the client's QinQ tags."""
    f = TagFlow(h, TAGS["qinq_88a8"], v6=True)
    f.syn()
    syn = bytes(f.ack3())
    for wait in (1000, 2000, 4000):
        h.advance(wait)
        assert bytes(one(h.expire(), "i")) == syn
    h.advance(8000)
    rst = one(h.expire(), "o")
    assert_frame(rst, f.to_client(f.ack3_frame,
                                  TCP(sport=f.dport, dport=f.sport, seq=u32(f.C + 1),
                                      ack=u32(f.isn + 1), flags="RA", window=0, urgptr=0)),
                 "RST to the client")


def test_same_tuple_in_two_vlans(h):
    """Two tenants with the same addresses in VLANs 10 and 20: two independent connections.
    (A frame of one VLAN must never be translated with, or answered from, the other VLAN's
    flow.)"""
    srv = "198.18.2.200"
    a = TagFlow(h, [(TPID_C, tci(10))], srv=srv, sport=41700, isn=1000, iss=7_000)
    b = TagFlow(h, [(TPID_C, tci(20))], srv=srv, sport=41700, isn=3_000_000, iss=9_000_000)
    a.open()
    b.syn_frame = syn = b.syn_packet()
    sa = one(h.send("o", syn), "o")
    assert str(sa[TCP].flags) == "SA", (
        "VLAN 20 SYN answered with flags %s seq %d ack %d: VLAN 10's flow answered it" % (
            sa[TCP].flags, sa[TCP].seq, sa[TCP].ack))
    b.check_synack(sa, syn)
    b.ack3()
    b.synack()
    a.c2s(b"tenant a", flags="PA")
    b.c2s(b"tenant b", flags="PA")
    assert flows(h) == (2, {"ESTABLISHED": 2})


@pytest.mark.parametrize("other", [[(TPID_C, tci(20))], [], [(TPID_S, tci(7)), (TPID_C, tci(10))]],
                         ids=["vlan20", "untagged", "qinq-7-10"])
def test_cookie_bound_to_vlan(h, other):
    """A cookie the proxy gave in VLAN 10 does not open a connection for the same addresses
    and ports in another VLAN (or untagged, or with another outer tag): cookie_invalid."""
    a = TagFlow(h, [(TPID_C, tci(10))])
    a.syn()
    b = TagFlow(h, other, cli=a.cli, srv=a.srv, sport=a.sport, isn=a.isn)
    b.C, b.P, b.tc = a.C, a.P, a.tc
    assert h.send("o", b.ack3_packet()) == []
    assert h.drops() == {"cookie_invalid": 1}
    assert flows(h) == (0, {})
    a.ack3()  # in its own VLAN the cookie is good
    assert flows(h) == (1, {"SYN_SENT": 1})


def _bridged_frames():
    ns = (IPv6(src=CLI6, dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=SRV6))
    na = (IPv6(src=SRV6, dst=CLI6, hlim=255) / ICMPv6ND_NA(tgt=SRV6, S=1, O=1) /
          ICMPv6NDOptDstLLAddr(lladdr=SRV_MAC))
    arp = ARP(op=1, hwsrc=CLI_MAC, psrc=CLI4, pdst=SRV4)
    res = {}
    for name in ("dot1q", "qinq_88a8", "priority_tag"):
        tags = TAGS[name]
        res["ns-" + name] = ("o", tagged(Ether(src=CLI_MAC, dst="33:33:ff:00:00:01"), tags) / ns)
        res["na-" + name] = ("i", tagged(Ether(src=SRV_MAC, dst=CLI_MAC), tags) / na)
        res["arp-" + name] = ("o", tagged(Ether(src=CLI_MAC, dst="ff:ff:ff:ff:ff:ff"), tags) / arp)
        res["udp-" + name] = ("o", tagged(Ether(src=CLI_MAC, dst=SRV_MAC), tags) /
                              IP(src=CLI4, dst=SRV4) / UDP(sport=40001, dport=80) / b"u")
    return res


@pytest.mark.parametrize("name", list(_bridged_frames()))
def test_tagged_non_tcp_bridged_unchanged(h, name):
    """Neighbour discovery, ARP and UDP in VLANs: bridged byte for byte, tags included."""
    port, frame = _bridged_frames()[name]
    raw = bytes(frame)
    assert bytes(one(h.send(port, raw), "i" if port == "o" else "o")) == raw
    assert h.drops() == {} and flows(h) == (0, {})


# ---------------------------------------------------------------------------------------------
# The vlan key, through the data path
# ---------------------------------------------------------------------------------------------
VLAN_CFG = make_config(
    service="vlan = none, 10, 1000-1010\n",
    extra="[service v20]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80\nvlan = 20\n"
          "action = pass\n"
          "[service v30]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80\nvlan = 30\n"
          "action = drop\n"
          "[service v40]\ndst = 198.18.2.0/24\nports = 80\nvlan = 40\nwscale = 3\n"
          "mss = 1200\nsack = off\n")


def _syn_frame(tags, v6=False, sport=42000):
    l3 = IPv6(src=CLI6, dst=SRV6, hlim=50) if v6 else IP(src=CLI4, dst=SRV4, ttl=50)
    return (tagged(Ether(src=CLI_MAC, dst=SRV_MAC), tags) / l3 /
            TCP(sport=sport, dport=80, flags="S", seq=1, window=64240,
                options=[("MSS", 1460), ("NOP", None), ("WScale", 7)]))


@pytest.mark.parametrize("tags,v6,verdict", [
    ([], False, "proxy"),
    ([], True, "proxy"),
    ([(TPID_C, tci(0, pcp=2))], False, "proxy"),  # priority-tagged: untagged
    ([(TPID_C, tci(10))], False, "proxy"),
    ([(TPID_C, tci(10, pcp=7, dei=1))], True, "proxy"),  # PCP/DEI ignored
    ([(TPID_C, tci(1005))], False, "proxy"),
    ([(TPID_C, tci(20))], False, "pass"),
    ([(TPID_C, tci(20))], True, "pass"),
    ([(TPID_C, tci(30))], False, "service_drop"),
    ([(TPID_C, tci(30))], True, "service_drop"),
    ([(TPID_C, tci(11))], False, "bridge"),  # no service for VLAN 11
    ([(TPID_C, tci(4095))], True, "bridge"),
    ([(TPID_S, tci(20)), (TPID_C, tci(10))], False, "proxy"),  # the inner VID counts
    ([(TPID_S, tci(10)), (TPID_C, tci(20))], False, "pass"),
    ([(TPID_C, tci(10)), (TPID_C, tci(30))], True, "service_drop"),
], ids=["untagged-v4", "untagged-v6", "prio-tag", "vlan10", "vlan10-pcp-v6", "vlan1005",
        "vlan20-pass", "vlan20-pass-v6", "vlan30-drop", "vlan30-drop-v6", "vlan11-none",
        "vlan4095-none-v6", "qinq-20-10", "qinq-10-20", "qinq-10-30-v6"])
def test_service_vlan_key(start, tags, v6, verdict):
    """One prefix and port, per VLAN: proxied (untagged, 10, 1000-1010), passed (20), dropped
    (30), bridged as no service (any other VLAN). Only the innermost VID is looked at."""
    h = start(VLAN_CFG)
    syn = _syn_frame(tags, v6)
    outs = h.send("o", syn)
    c = h.counters()
    if verdict == "proxy":
        sa = one(outs, "o")
        assert "SA" == str(sa[TCP].flags)
        assert _tag_bytes(sa) == _tag_bytes(syn)
        assert c["synack_sent"] == 1
    elif verdict in ("pass", "bridge"):
        assert bytes(one(outs, "i")) == bytes(syn)
        assert c["syn_rcvd"] == 0
        assert h.drops() == {}
    else:
        assert outs == []
        assert h.drops() == {verdict: 1}
    assert flows(h) == (0, {})


def test_service_vlan_options(start):
    """The service of VLAN 40 has its own options (wscale 3, MSS 1200, no SACK), the
    untagged one the defaults: the same destination and port, answered per VLAN."""
    h = start(VLAN_CFG)
    f40 = TagFlow(h, [(TPID_C, tci(40))], adv_ws=3, adv_mss=1200, adv_sack=False)
    _converse(f40, h)
    h.mark()
    f = TagFlow(h, [])
    _converse(f, h)


@pytest.mark.fresh
def test_reload_reorders_services(start):
    """A reload inserts a VLAN service in front of 'web': service ids stay with the names
    (runtime.c), and the classifier reports those ids, not file positions, so each VLAN gets
    its own service's options and the spliced flow keeps going."""
    h = start(make_config(service="vlan = none\n"))
    old = TagFlow(h, []).open()
    text = ("[ports]\noutside = o\ninside = i\n"
            "[general]\nflow_capacity = 1024\nmbufs = 1024\n"
            "[service tagged]\ndst = 198.18.2.0/24\nports = 80\nvlan = 10\nwscale = 3\n"
            "[service web]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80, 443\n"
            "vlan = none\n")
    assert h.reload(text) == []
    old.c2s(b"still spliced", flags="PA")
    old.s2c(b"yes", flags="PA")
    TagFlow(h, []).open().c2s(b"untagged after reload", flags="PA")
    TagFlow(h, [(TPID_C, tci(10))], adv_ws=3).open().c2s(b"vlan 10", flags="PA")
    assert flows(h) == (3, {"ESTABLISHED": 3})


def test_jumbo_qinq_relay(start):
    """MTU 9000 in QinQ: MSS 8960 (the IPv4 table's top entry), 9000-byte IPv4 packets in
    9022-byte frames relayed both ways with both tags, never truncated."""
    h = start(make_config(general="mtu = 9000\n"))
    if not harness_takes(h, 9022):
        pytest.skip(JUMBO_SKIP)
    # Before a backend is learned the proxy offers the MTU's MSS (9000 - 40).
    f = TagFlow(h, TAGS["qinq_88a8"], mss=8960, b_mss=8960, adv_mss=8960)
    f.open()
    assert dict(f.backend_syn[TCP].options)["MSS"] == 8960
    p, outs = f.c2s(b"u" * 8948, flags="PA")
    assert len(p) == 22 + 9000 and len(outs[0][1]) == 22 + 9000
    p, outs = f.s2c(b"d" * 8948, flags="PA")
    assert len(p) == 22 + 9000 and len(outs[0][1]) == 22 + 9000
    f.c2s()
