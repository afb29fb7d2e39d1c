# SPDX-License-Identifier: BSD-3-Clause
"""Handshake golden packets: every client SYN option combination, end to end and relayed."""
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6

from conftest import (MSS_TABLE, Flow, assert_checksums, flows, make_config, mss_index, one,
                      u32)

WS_VALUES = [None, 0, 7, 14]


def _ids(mss, sack, ts, ws):
    return "mss%s-%s-%s-ws%s" % (mss or "none", "sack" if sack else "nosack",
                                 "ts" if ts else "nots", "none" if ws is None else ws)


COMBOS = [(m, s, t, w) for m in (1460, None) for s in (True, False) for t in (True, False)
          for w in WS_VALUES]


@pytest.mark.parametrize("mss,sack,ts,ws", COMBOS, ids=[_ids(*c) for c in COMBOS])
def test_handshake_and_relay(h, mss, sack, ts, ws):
    f = Flow(h, mss=mss, sack=sack, ts=ts, ws=ws, cwin=1000, bwin=65160)

    f.syn()
    assert flows(h) == (0, {}), "a SYN must not create state"
    f.ack3()
    assert flows(h) == (1, {"SYN_SENT": 1})
    back, upd = f.synack()
    assert flows(h) == (1, {"ESTABLISHED": 1})
    for p in (back, upd, f.backend_syn):
        assert_checksums(p)

    # Data both ways, translated.
    f.c2s(b"GET / HTTP/1.0\r\n\r\n", flags="PA")
    f.s2c(b"x" * 100, flags="A")
    f.s2c(b"y" * 100, flags="PA")
    if sack:
        # The client lost nothing, but SACKs the second segment as if the first were lost:
        # blocks are server-stream numbers, translated by K - C (or NOPed without backend SACK).
        left = u32(f.snd_s - 100 - f.delta)
        f.c2s(flags="A", ack=u32(left - 100), sack=(left, u32(left + 100)))
    f.c2s(flags="A")
    assert flows(h) == (1, {"ESTABLISHED": 1})

    c = h.counters()
    assert c["syn_rcvd"] == 1 and c["synack_sent"] == 1
    assert c["cookie_valid"] == 1 and c["cookie_ts_mode"] == (1 if ts else 0)
    assert c["backend_syn_sent"] == 1 and c["conn_established"] == 1
    assert h.drops() == {}


@pytest.mark.parametrize("mss,sack,ts,ws", [(1460, True, True, 7), (None, False, False, None),
                                             (1400, True, False, 14), (9000, False, True, 0)],
                         ids=["all", "none", "sack-ws14", "ts-ws0"])
def test_handshake_ipv6(h, mss, sack, ts, ws):
    f = Flow(h, v6=True, mss=mss, sack=sack, ts=ts, ws=ws).open()
    f.c2s(b"hello", flags="PA")
    f.s2c(b"world", flags="PA")
    f.c2s()
    assert flows(h) == (1, {"ESTABLISHED": 1})


@pytest.mark.parametrize("family,mss", [(4, 100), (4, 535), (4, 536), (4, 1299), (4, 1300),
                                        (4, 1459), (4, 1460), (4, 8959), (4, 8960), (4, 65535),
                                        (6, 1220), (6, 1359), (6, 1360), (6, 1440), (6, 9000)])
def test_mss_quantised(h, family, mss):
    """The backend SYN carries the largest MSS table entry <= the client's (cookie, 2 bits)."""
    f = Flow(h, v6=family == 6, mss=mss)
    f.syn()
    bs = f.ack3()  # checks MSS = table value
    idx = mss_index(family, mss)
    assert dict(bs[TCP].options)["MSS"] == MSS_TABLE[family][idx]


def test_wscale_above_14_is_14(h):
    """RFC 7323 2.3: a shift of 15 is used as 14, in the cookie and the backend SYN."""
    f = Flow(h, ws=15)
    f.open()
    f.s2c(b"z" * 10)
    f.c2s()


def test_sequence_numbers_wrap(h):
    """ISNs just below 2^32: seq/ack/SACK arithmetic is modulo 2^32."""
    f = Flow(h, isn=0xFFFFFFF0, iss=0xFFFFFFF8).open()
    f.c2s(b"a" * 40, flags="PA")
    f.s2c(b"b" * 40, flags="PA")
    f.c2s(flags="A")
    f.s2c(b"c" * 40, flags="PA")
    assert flows(h) == (1, {"ESTABLISHED": 1})


def test_synack_to_client_in_same_vlan(h):
    """An 802.1Q-tagged SYN is answered in the same VLAN and relayed with the tag."""
    f = Flow(h, vlan=42).open()
    f.c2s(b"q", flags="PA")
    f.s2c(b"r", flags="PA")


def test_syn_with_payload_is_answered_without_it(h):
    """Data on a SYN is not acknowledged: SYN-ACK ack = ISN + 1, no payload."""
    f = Flow(h)
    syn = f.syn_packet() / b"early data"
    sa = one(h.send("o", syn), "o")
    f.check_synack(sa, syn)
    assert len(sa[TCP].payload) == 0


def test_ecn_setup_syn_ts_mode(start):
    """ecn = on: an ECN-setup SYN gets ECE in the SYN-ACK, E in the TSval, ECE|CWR to the
    backend. A backend SYN-ACK without ECE (or with ECE and CWR, not ECN-setup) counts as
    ecn_declined; one with ECE alone does not."""
    h = start(make_config(service="ecn = on\n"))
    f = Flow(h, ecn=True, adv_ecn=True).open()
    f.c2s(b"e", flags="PA")
    assert h.counters()["ecn_declined"] == 1
    for flags, declined in (("SAE", 0), ("SAEC", 1)):
        g = Flow(h, ecn=True, adv_ecn=True)
        g.syn()
        g.ack3()
        sa = g.synack_packet()
        sa[TCP].flags = flags
        g.check_synack_outs(sa, h.send("i", sa))
        assert h.counters()["ecn_declined"] == 1 + declined, flags


def test_service_options_off(start):
    """sack = off, timestamps = off, wscale = 3, mss = 1200: the SYN-ACK offers only that."""
    h = start(make_config(service="sack = off\ntimestamps = off\nwscale = 3\nmss = 1200\n"))
    f = Flow(h, adv_sack=False, adv_ts=False, adv_ws=3, adv_mss=1200).open()
    f.c2s(b"o" * 20, flags="PA")
    f.s2c(b"p" * 20, flags="PA")


def test_wscale_reload_applies_next_epoch(start):
    """A reload that changes a service's fixed wscale (7 -> 2) between a SYN-ACK and its
    third ACK: the splice keeps the shift the SYN-ACK announced. Before, it read the new
    one and rescaled the backend's windows to 2 for a client that reads them with 7. SYNs
    of the same cookie epoch are still offered 7; the new shift applies from the next."""
    cfg = make_config(general="cookie_epoch = 1s\n", service="wscale = %d\n")
    h = start(cfg % 7)
    f = Flow(h, adv_ws=7, epoch_ms=1000)
    f.syn()
    h.advance(100)
    assert h.reload(cfg % 2) == []
    g = Flow(h, adv_ws=7, epoch_ms=1000)
    g.syn()
    f.ack3()
    f.synack()
    f.s2c(b"p" * 20, flags="PA")
    h.advance(1000)
    k = Flow(h, adv_ws=2, epoch_ms=1000).open()
    k.s2c(b"q" * 20, flags="PA")
    g.ack3()
    g.synack()
    g.s2c(b"r" * 20, flags="PA")


def test_learned_backend_options(h):
    """After a backend answered without SACK/TS and MSS 1300, new clients are offered that."""
    first = Flow(h, b_sack=False, b_ts=False, b_mss=1300).open()
    f = Flow(h, srv=first.srv, adv_sack=False, adv_ts=False, adv_mss=1300)
    f.syn()
    f.ack3()
    f.synack()
    assert flows(h) == (2, {"ESTABLISHED": 2})


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_learned_backend_mss_zero_is_no_mss(h, v6):
    """A backend SYN-ACK with MSS 0 teaches what one without MSS does (536 / 1220): Linux
    ignores an MSS of 0 (tcp_parse_options()), and offering it to every later client would
    tell them to send no data."""
    first = Flow(h, v6=v6, b_mss=0).open()
    f = Flow(h, v6=v6, srv=first.srv, adv_mss=MSS_TABLE[6 if v6 else 4][0])
    f.syn()
    f.ack3()
    f.synack()
    assert flows(h) == (2, {"ESTABLISHED": 2})


def test_service_options_on_override_learned(start):
    """sack = on, timestamps = on, mss = 1200: offered even after the backend declined them."""
    h = start(make_config(service="sack = on\ntimestamps = on\nmss = 1200\n"))
    first = Flow(h, b_sack=False, b_ts=False, b_mss=1300, adv_mss=1200).open()
    f = Flow(h, srv=first.srv, adv_mss=1200)
    f.syn()
    f.ack3()
    f.synack()
    assert flows(h) == (2, {"ESTABLISHED": 2})


def test_third_ack_with_data_opens_backend(h):
    """Data on the third ACK is not relayed (the SYN can't carry it); the client retransmits."""
    f = Flow(h)
    f.syn()
    f.tc += 5
    a = f.ack3_packet(payload=b"data on the third ACK")
    bs = one(h.send("o", a), "i")
    assert bs[TCP].flags == "S" and bs[TCP].seq == f.isn and len(bs[TCP].payload) == 0
    assert_checksums(bs)
    assert flows(h) == (1, {"SYN_SENT": 1})


def test_two_clients_independent(h):
    """Two concurrent flows keep separate cookies, deltas and timestamps."""
    a = Flow(h, isn=111, iss=9_000_000)
    b = Flow(h, srv=a.srv, isn=222, iss=1_000, ws=None, sack=False)
    a.syn()
    b.syn()
    a.ack3()
    b.ack3()
    b.synack()
    a.synack()
    a.c2s(b"A", flags="PA")
    b.c2s(b"B", flags="PA")
    b.s2c(b"bb", flags="PA")
    a.s2c(b"aa", flags="PA")
    assert flows(h) == (2, {"ESTABLISHED": 2})


EPOCH_1S = make_config(general="cookie_epoch = 1s\n")


def _talk(f):
    """Data both ways with windows that need the negotiated shifts, then a pure ACK."""
    f.c2s(b"GET /ws HTTP/1.0\r\n\r\n", flags="PA")
    f.s2c(b"w" * 300, flags="PA")
    f.c2s(flags="A")


def test_learned_wscale_from_next_epoch(start):
    """A backend's window scale is offered to clients from the next cookie epoch on.

    Within an epoch the shift is frozen (the third ACK must find what its SYN-ACK said): a
    SYN answered before the epoch turned still gets 7 at its third ACK afterwards, while
    clients of the new epoch are offered the backend's 10.
    """
    h = start(EPOCH_1S)
    first = Flow(h, b_ws=10, epoch_ms=1000).open()  # learned: 10; this epoch offers 7
    _talk(first)
    same = Flow(h, srv=first.srv, b_ws=10, epoch_ms=1000).open()  # still 7 (frozen)
    _talk(same)
    pending = Flow(h, srv=first.srv, b_ws=10, epoch_ms=1000)
    pending.syn()  # SYN-ACK with 7
    h.advance(1000)
    new = Flow(h, srv=first.srv, b_ws=10, adv_ws=10, epoch_ms=1000).open()
    _talk(new)
    pending.ack3()
    pending.synack()
    _talk(pending)  # windows rescaled 10 -> 7 for the client that was told 7
    h.advance(1000)
    again = Flow(h, srv=first.srv, b_ws=10, adv_ws=10, epoch_ms=1000).open()
    _talk(again)
    assert flows(h) == (5, {"ESTABLISHED": 5})
    assert h.drops() == {}


def test_learned_no_wscale(start):
    """A backend that declines window scaling: the next epoch's SYN-ACKs carry no WS option,
    so neither leg scales; a client SYN without WS is unaffected."""
    h = start(EPOCH_1S)
    first = Flow(h, b_ws=None, epoch_ms=1000).open()
    _talk(first)
    h.advance(1000)
    f = Flow(h, srv=first.srv, b_ws=None, adv_ws=None, cwin=60000, bwin=50000,
             epoch_ms=1000).open()
    _talk(f)
    plain = Flow(h, srv=first.srv, ws=None, b_ws=None, adv_ws=None, epoch_ms=1000).open()
    _talk(plain)
    # The backend scales again later: learned back, offered from the epoch after.
    back = Flow(h, srv=first.srv, b_ws=8, adv_ws=None, epoch_ms=1000).open()
    _talk(back)  # client leg unscaled, backend leg shift 8: rescaled both ways
    h.advance(1000)
    Flow(h, srv=first.srv, b_ws=8, adv_ws=8, epoch_ms=1000).open()
    assert h.drops() == {}


def test_configured_wscale_not_learned(start):
    """wscale = 5 in the service: offered whatever the backend says, in every epoch."""
    h = start(make_config(general="cookie_epoch = 1s\n", service="wscale = 5\n"))
    first = Flow(h, b_ws=10, adv_ws=5, epoch_ms=1000).open()
    h.advance(1000)
    f = Flow(h, srv=first.srv, b_ws=10, adv_ws=5, epoch_ms=1000).open()
    _talk(f)


def test_ecn_setup_syn_without_timestamps(start):
    """ecn = on, client without timestamps: the cookie has no room for ECN, so the SYN-ACK
    does not agree to it (no ECE) and the backend SYN does not ask for it."""
    h = start(make_config(service="ecn = on\n"))
    f = Flow(h, ts=False, ecn=True, adv_ecn=True)
    assert not f.ecn_on
    sa = f.syn()
    assert not sa[TCP].flags & 0x40, "SYN-ACK agreed to ECN: %s" % sa[TCP].flags
    bs = f.ack3()
    assert not bs[TCP].flags & 0xC0, "backend SYN: %s" % bs[TCP].flags


def _with_ecn_field(frame, field):
    """frame with DSCP 10 and the IP ECN field set to field (checksum recomputed)."""
    if IPv6 in frame:
        frame[IPv6].tc = 0x28 | field
    else:
        frame[IP].tos = 0x28 | field
        del frame[IP].chksum
    return frame.__class__(bytes(frame))


def _tos(frame):
    return frame[IPv6].tc if IPv6 in frame else frame[IP].tos


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("field", [1, 2, 3], ids=["ect1", "ect0", "ce"])
def test_generated_packets_not_ect(h, v6, field):
    """RFC 3168 sections 6.1.1 and 6.1.4: the SYN-ACK, the backend SYN, the ACK to the backend
    and the window update are Not-ECT whatever the frame they are made from carried (ECT(1),
    ECT(0) or CE); the DSCP is kept, and the IPv4 header checksum still verifies."""
    f = Flow(h, v6=v6)
    syn = _with_ecn_field(f.syn_packet(), field)
    sa = one(h.send("o", syn), "o")
    ts = dict(sa[TCP].options).get("Timestamp")
    f.C, f.P = sa[TCP].seq, ts[0] if ts else None
    f.tc += 5
    bs = one(h.send("o", _with_ecn_field(f.ack3_packet(), field)), "i")
    assert "S" in str(bs[TCP].flags)
    outs = h.send("i", _with_ecn_field(f.synack_packet(), field))
    assert sorted(pt for pt, _ in outs) == ["i", "o"], [(pt, x.summary()) for pt, x in outs]
    for name, frame in [("SYN-ACK", sa), ("backend SYN", bs)] + \
            [("ACK to the backend" if pt == "i" else "window update", x) for pt, x in outs]:
        assert _tos(frame) == 0x28, "%s: traffic class 0x%02x, expected 0x28" % (
            name, _tos(frame))
        assert_checksums(frame)
    assert flows(h) == (1, {"ESTABLISHED": 1})


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("b_ecn", [False, True], ids=["declined", "agreed"])
def test_ecn_boundary(start, v6, b_ecn):
    """ecn = on and the client agreed ECN. A backend that agrees gets the client's ECT(0) and
    CE as sent. One that declines is counted (ecn_declined) and synwall is the ECN boundary
    (RFC 6040 4.2): the client's ECT(0) leaves Not-ECT (IPv4 checksum updated), a CE-marked
    segment is dropped (ecn_ce) and its retransmission without the mark goes through."""
    h = start(make_config(service="ecn = on\n"))
    f = Flow(h, v6=v6, ecn=True, adv_ecn=True, b_ecn=b_ecn).open()
    assert h.counters()["ecn_declined"] == (0 if b_ecn else 1)
    f.cli_ecn = 2  # ECT(0)
    _, outs = f.c2s(b"x" * 100, flags="PA")
    assert_checksums(outs[0][1])
    assert _tos(outs[0][1]) & 3 == (2 if b_ecn else 0)
    f.cli_ecn = 3  # CE
    if b_ecn:
        f.c2s(b"y" * 100, flags="PA")
    else:
        f.c2s(b"y" * 100, flags="PA", expect="drop")
        assert h.drops() == {"ecn_ce": 1}
        f.cli_ecn = 2
        f.c2s(b"y" * 100, flags="PA")
    f.s2c(b"z" * 50, flags="PA")
    f.c2s(flags="A")
