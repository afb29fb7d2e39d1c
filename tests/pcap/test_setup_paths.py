# SPDX-License-Identifier: BSD-3-Clause
"""The connection-setup packets from both builders: the backend SYN made from the third ACK,
and the ACK to the backend and window update to the client made from the backend's SYN-ACK.
The one-pass writers (IPv4 without options, IPv6 without extension headers, VLAN tags fine)
and the generic builders (everything else) must give the same bytes: every frame is compared
with the model's and its checksums with scapy's. Also the mbuf the window update goes out in:
the kept backend SYN's when nothing else holds it, a fresh one when the SYN is still queued."""
import pytest
from scapy.layers.inet import IP, TCP, IPOption_NOP, IPOption_RR
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt, PadN
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether

from conftest import (MSS_TABLE, Flow, assert_checksums, assert_frame, flows, make_config,
                      mss_index, one, syn_options)


def _reparse(p):
    """p as bytes on the wire: lengths and checksums of the edited frame recomputed."""
    return Ether(bytes(p))


def expected_backend_syn(f, a):
    """Flow.ack3()'s expectation for third ACK a (IP id/TOS/flow label kept, no options)."""
    synwin = min(f.cwin << f.ws_cli, 0xFFFF) if f.adv_on else f.cwin
    q_mss = MSS_TABLE[f.family][mss_index(f.family, f.mss)]
    ts = (f.tc, 0) if f.ts_cli else None
    return f.to_server(a, TCP(sport=f.sport, dport=f.dport, seq=f.isn, ack=0,
                              flags="S" + ("EC" if f.ecn_on else ""), window=synwin, urgptr=0,
                              options=syn_options(q_mss, f.sack_adv, ts,
                                                  f.ws if f.cli_ws else None)))


def ack3_edited(f, edit=None, payload=b""):
    """Third ACK edited by edit(frame) -> backend SYN checked as Flow.ack3() does."""
    f.tc += 5
    a = f.ack3_packet(payload=payload)
    if edit is not None:
        a = edit(a) or a
    f.ack3_frame = a = _reparse(a)
    bs = one(f.h.send("o", a), "i")
    assert_frame(bs, expected_backend_syn(f, a), "backend SYN")
    assert_checksums(bs)
    f.backend_syn = bs
    f.ts_recent_s = f.tc
    return bs


def check_synack_outs(f, sa, outs):
    """Flow.check_synack_outs, and both frames' checksums against scapy's."""
    back, upd = f.check_synack_outs(sa, outs)
    assert_checksums(back)
    assert_checksums(upd)
    return back, upd


def synack_edited(f, edit=None, payload=b""):
    """Backend SYN-ACK edited by edit(frame) -> ACK + window update, checked."""
    f.B = f.tb if f.ts_srv else None
    sa = f.synack_packet()
    if payload:
        sa = sa / payload
    if edit is not None:
        sa = edit(sa) or sa
    sa = _reparse(sa)
    back, upd = check_synack_outs(f, sa, f.h.send("i", sa))
    if f.ts_srv:
        f.tb += 3
    return sa, back, upd


def converse(f):
    """Data both ways after the handshake: the flow the setup packets opened works."""
    f.c2s(b"GET / HTTP/1.1\r\n\r\n", flags="PA")
    f.s2c(b"z" * 301, flags="PA")
    assert flows(f.h)[1] == {"ESTABLISHED": 1}


# ---------------------------------------------------------------------------------------------
# Option combinations, both families: the one-pass writers' option words and lengths
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("ts", [True, False], ids=["ts", "nots"])
@pytest.mark.parametrize("sack", [True, False], ids=["sack", "nosack"])
@pytest.mark.parametrize("ws", [7, 14, 0, None], ids=["ws7", "ws14", "ws0", "nows"])
def test_setup_option_combinations(h, v6, ts, sack, ws):
    """Every SYN option layout (1 to 5 words) in the backend SYN, TS or not in the ACKs."""
    f = Flow(h, v6=v6, ts=ts, sack=sack, ws=ws, mss=1400, cwin=4321)
    f.syn()
    ack3_edited(f)
    synack_edited(f)
    converse(f)
    assert h.drops() == {}


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("declines", ["ts", "sack", "ws", "all"])
def test_backend_declines_options(h, v6, declines):
    """A backend SYN-ACK without some of the offered options: the ACKs follow what it agreed."""
    kw = {"ts": {"b_ts": False}, "sack": {"b_sack": False}, "ws": {"b_ws": None},
          "all": {"b_ts": False, "b_sack": False, "b_ws": None}}[declines]
    f = Flow(h, v6=v6, **kw)
    f.syn()
    ack3_edited(f)
    synack_edited(f)
    converse(f)


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("cwin", [0, 1, 0x1FF, 0xFFFF], ids=lambda w: "cwin%d" % w)
def test_backend_syn_window_unscaled(h, v6, cwin):
    """The third ACK's window times the client's shift, capped at 0xffff, in the SYN."""
    f = Flow(h, v6=v6, cwin=cwin, ws=9)
    f.syn()
    ack3_edited(f)
    synack_edited(f)


@pytest.mark.fresh
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_ecn_setup(start, v6):
    """ECN negotiated: the backend SYN carries ECE|CWR (one-pass writer, flags byte)."""
    h = start(make_config(service="ecn = on\n"))
    f = Flow(h, v6=v6, ecn=True, adv_ecn=True)
    f.syn()
    bs = ack3_edited(f)
    assert str(bs[TCP].flags) == "SEC"
    synack_edited(f)
    converse(f)


# ---------------------------------------------------------------------------------------------
# Header fields the one-pass writers keep or reset
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_header_fields_kept_or_reset(h, v6):
    """DSCP, IP id and flow label kept, ECN field Not-ECT; TTL 64, DF; the reserved TCP bits, NS,
    PSH and the urgent pointer of the third ACK and of the SYN-ACK are not carried over."""
    f = Flow(h, v6=v6)
    f.syn()

    def edit(p):
        if v6:
            p[IPv6].tc, p[IPv6].fl, p[IPv6].hlim = 0xB9, 0xABCDE, 3
        else:
            p[IP].tos, p[IP].id, p[IP].ttl, p[IP].flags = 0xB9, 0xFFFF, 3, 0
        p[TCP].reserved = 7
        p[TCP].urgptr = 0x1234
        p[TCP].flags = "PAN" if "S" not in str(p[TCP].flags) else "SAN"
        return p

    ack3_edited(f, edit)
    sa, back, upd = synack_edited(f, edit)
    if not v6:
        assert back[IP].id == upd[IP].id == 0xFFFF and back[IP].tos == upd[IP].tos == 0xB8
    converse(f)


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 17], ids=lambda n: "payload%d" % n)
def test_third_ack_with_payload(h, v6, n):
    """A third ACK with data (odd and even lengths): the checksum check covers it, the SYN
    has none (the data is the client's to send again)."""
    f = Flow(h, v6=v6)
    f.syn()
    bs = ack3_edited(f, payload=b"\xa5" * n)
    assert len(bs[TCP].payload) == 0
    synack_edited(f)


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_third_ack_bad_checksum_dropped(h, v6):
    """One flipped bit in a payload-carrying third ACK: bad_csum, no flow."""
    f = Flow(h, v6=v6)
    f.syn()
    raw = bytearray(bytes(_reparse(f.ack3_packet(payload=b"abc"))))
    raw[-2] ^= 0x10
    assert h.send("o", Ether(bytes(raw))) == []
    assert h.drops() == {"bad_csum": 1}
    assert flows(h) == (0, {})


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_synack_with_payload(h, v6):
    """Data on the backend SYN-ACK is not carried into the ACK or the window update."""
    f = Flow(h, v6=v6)
    f.syn()
    ack3_edited(f)
    sa, back, upd = synack_edited(f, payload=b"\x5a" * 5)
    assert len(back[TCP].payload) == 0 and len(upd[TCP].payload) == 0


# ---------------------------------------------------------------------------------------------
# The boundary with the generic builders
# ---------------------------------------------------------------------------------------------
IP_OPTS = {"nops": [IPOption_NOP()] * 4,
           "record_route": [IPOption_RR(routers=["198.18.9.9"]), IPOption_NOP()]}


@pytest.mark.parametrize("where", ["ack3", "synack", "both"])
@pytest.mark.parametrize("opts", list(IP_OPTS))
def test_ipv4_options(h, where, opts):
    """IPv4 options (generic builders): the packets made have a 20-byte header, id/TOS kept."""
    f = Flow(h)
    f.syn()

    def edit(p):
        p[IP].options = IP_OPTS[opts]
        p[IP].tos = 0x28
        return p

    bs = ack3_edited(f, edit if where in ("ack3", "both") else None)
    assert bs[IP].ihl == 5 and bs[IP].options == []
    sa, back, upd = synack_edited(f, edit if where in ("synack", "both") else None)
    for p in (back, upd):
        assert p[IP].ihl == 5 and p[IP].options == []
    converse(f)


def _destopt(p):
    """p with an IPv6 Destination Options header before TCP."""
    ip = p[IPv6]
    tcp = ip.payload.copy()
    ip.remove_payload()
    ip.add_payload(IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) / tcp)
    return p


@pytest.mark.parametrize("where", ["ack3", "synack", "both"])
def test_ipv6_extension_headers(h, where):
    """IPv6 extension headers (generic builders): the packets made have none."""
    f = Flow(h, v6=True)
    f.syn()
    bs = ack3_edited(f, _destopt if where in ("ack3", "both") else None)
    assert IPv6ExtHdrDestOpt not in bs
    sa, back, upd = synack_edited(f, _destopt if where in ("synack", "both") else None)
    assert IPv6ExtHdrDestOpt not in back and IPv6ExtHdrDestOpt not in upd
    converse(f)


TAGS = {"dot1q": lambda e: e / Dot1Q(vlan=7, prio=5),
        "qinq": lambda e: e / Dot1AD(vlan=100) / Dot1Q(vlan=10)}


@pytest.mark.parametrize("tag", list(TAGS))
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("ipopt", [False, True], ids=["plain", "ipopts"])
def test_vlan_tags(h, tag, v6, ipopt):
    """Tagged frames (offsets 18 and 22) through both writers; the tags are kept."""
    if ipopt and v6:
        pytest.skip("IPv4 options only")

    class Tagged(Flow):
        def _l2(self, src, dst):
            return TAGS[tag](Ether(src=src, dst=dst))

    f = Tagged(h, v6=v6)
    f.syn()

    def edit(p):
        if ipopt:
            p[IP].options = IP_OPTS["nops"]
        return p

    bs = ack3_edited(f, edit)
    sa, back, upd = synack_edited(f, edit)
    want = bytes(f.syn_frame)[12:16 if tag == "dot1q" else 20]
    for p in (bs, back, upd):
        assert bytes(p)[12:12 + len(want)] == want
    converse(f)


# ---------------------------------------------------------------------------------------------
# The window update's mbuf, and a SYN-ACK retransmission
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("ipopt", [False, True], ids=["plain", "ipopts"])
def test_synack_while_backend_syn_queued(h, v6, ipopt):
    """Third ACK and SYN-ACK in one poll: the backend SYN is still queued for TX when the
    SYN-ACK arrives, so the window update cannot reuse its mbuf and gets a fresh one."""
    if ipopt and v6:
        pytest.skip("IPv4 options only")
    f = Flow(h, v6=v6)
    f.syn()
    f.tc += 5
    a = _reparse(f.ack3_packet())
    f.ts_recent_s = f.tc
    f.B = f.tb if f.ts_srv else None
    sa = f.synack_packet()
    if ipopt:
        sa[IP].options = IP_OPTS["nops"]
    sa = _reparse(sa)
    h.cmd("in o %s" % bytes(a).hex())
    h.cmd("in i %s" % bytes(sa).hex())
    outs = h.poll()
    h.n_in["o"] += 1
    h.n_in["i"] += 1
    bs = [x for pt, x in outs if pt == "i" and "S" in str(x[TCP].flags)]
    assert len(bs) == 1, [(pt, x.summary()) for pt, x in outs]
    assert_frame(bs[0], expected_backend_syn(f, a), "backend SYN")
    check_synack_outs(f, sa, [(pt, x) for pt, x in outs if x is not bs[0]])
    if f.ts_srv:
        f.tb += 3
    converse(f)
    assert h.drops() == {}


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_synack_retransmission(h, v6):
    """A retransmitted SYN-ACK gets the ACK again (newer TSval echoed), no second update."""
    f = Flow(h, v6=v6)
    f.syn()
    ack3_edited(f)
    synack_edited(f)
    f.tb += 1000
    sa = f.synack_packet()
    sa = _reparse(sa)
    back = one(h.send("i", sa), "i")
    assert_frame(back, f.expected_backend_ack(sa), "ACK to a retransmitted SYN-ACK")
    assert_checksums(back)
    assert h.counters()["synack_rtx"] == 1


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_many_flows_reuse(h, v6):
    """Several handshakes in a row: each update leaves in its flow's own kept SYN buffer."""
    fs = [Flow(h, v6=v6, isn=1000 + 77 * i, iss=9_000 + 1_000_003 * i) for i in range(4)]
    for f in fs:
        f.syn()
        ack3_edited(f)
    for f in reversed(fs):
        synack_edited(f)
    for f in fs:
        f.c2s(b"x", flags="PA")
    assert flows(h) == (4, {"ESTABLISHED": 4})
