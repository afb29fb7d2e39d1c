# SPDX-License-Identifier: BSD-3-Clause
"""Cookie validation: forged, altered and expired third ACKs; retransmitted SYN / ACK / SYN-ACK."""
import random

import pytest
from scapy.layers.inet import TCP

from conftest import Flow, assert_frame, flows, make_config, one, u32

EPOCH_1S = make_config(general="cookie_epoch = 1s\n")


def _assert_dropped_invalid(h, outs, n=1):
    assert outs == [], "nothing may be sent for a bad third ACK: %s" % [
        (p, f.summary()) for p, f in outs]
    assert flows(h) == (0, {})
    st = h.stats()
    assert st["ports"]["outside"]["drop_causes"] == {"cookie_invalid": n}
    assert st["counters"]["cookie_valid"] == 0 and st["counters"]["backend_syn_sent"] == 0


@pytest.mark.parametrize("ts", [True, False], ids=["ts", "nots"])
def test_forged_ack_random(h, ts):
    """Blind ACKs with random ack numbers: dropped, counted, no RST reflected, no state."""
    rnd = random.Random(4987)
    f = Flow(h, ts=ts)
    f.C, f.P = 0, 0x12345678
    frames = []
    for i in range(20):
        ack = rnd.getrandbits(32)
        f.tc += 1
        frames.append(f.ack3_packet(ack=ack, tsecr=rnd.getrandbits(32)))
    _assert_dropped_invalid(h, h.send("o", *frames), n=20)


@pytest.mark.parametrize("what", ["ack+1", "seq", "sport", "tsecr_low6", "no_ts", "add_ts"])
def test_altered_third_ack(h, what):
    """A real cookie replayed with another ISN, port, or options: the hash covers them all."""
    f = Flow(h, ts=what != "add_ts")
    f.syn()
    f.tc += 5
    if what == "ack+1":
        a = f.ack3_packet(ack=u32(f.C + 2))
    elif what == "seq":
        a = f.ack3_packet(seq=f.isn + 2)
    elif what == "sport":
        a = f.ack3_packet()
        a[TCP].sport += 1
    elif what == "tsecr_low6":
        a = f.ack3_packet(tsecr=f.P ^ 0x04)  # flip the SACK bit the TSval carries
    elif what == "no_ts":
        a = f.ack3_packet()
        a[TCP].options = []
    else:  # a TS option the SYN never had: the ACK is checked as a TS-mode cookie
        a = f.ack3_packet()
        a[TCP].options = [("NOP", None), ("NOP", None), ("Timestamp", (5, f.C & 0x3F))]
    _assert_dropped_invalid(h, h.send("o", a))


@pytest.mark.parametrize("delay_ms,valid", [(0, True), (999, True), (1000, True), (1999, True),
                                            (2000, False), (3500, False)])
@pytest.mark.parametrize("ts", [True, False], ids=["ts", "nots"])
def test_cookie_lifetime(start, delay_ms, valid, ts):
    """cookie_epoch = 1s: a cookie made at an epoch start verifies for 2 epochs, then never."""
    h = start(EPOCH_1S)
    f = Flow(h, ts=ts, epoch_ms=1000)
    f.syn()
    h.advance(delay_ms)
    if valid:
        f.ack3()
        assert flows(h) == (1, {"SYN_SENT": 1})
    else:
        f.tc += 5
        _assert_dropped_invalid(h, h.send("o", f.ack3_packet()))


def _answered(h, f):
    """f's SYN sent and answered; f holds the cookie (and the SYN-ACK's TSval) to ACK."""
    sa = one(h.send("o", f.syn_packet()), "o")
    ts = dict(sa[TCP].options).get("Timestamp")
    f.C, f.P = sa[TCP].seq, ts[0] if ts else None
    f.tc += 5


@pytest.mark.parametrize("ts", [True, False], ids=["ts", "nots"])
def test_epoch_length_reload_keeps_handshakes(start, ts):
    """A reload from cookie_epoch = 60s to 1s: epochs keep their numbering (the next one
    begins at the reload, under the new length), so a SYN answered just before the reload
    completes after it, and the new length is in force: a cookie made after the reload is
    refused 2.1 s later. (With the epoch recomputed as time / length, every cookie in
    flight was refused and its client, held by the zero window, hung.)"""
    h = start(make_config(general="cookie_epoch = 60s\n"))
    f = Flow(h, ts=ts)
    f.syn()
    h.advance(100)
    assert h.reload(make_config(general="cookie_epoch = 1s\n")) == []
    h.advance(500)
    f.ack3()
    f.synack()
    assert flows(h) == (1, {"ESTABLISHED": 1})
    g = Flow(h, ts=ts)
    _answered(h, g)
    h.advance(2100)
    outs = h.send("o", g.ack3_packet())
    assert outs == [] and h.drops() == {"cookie_invalid": 1}
    k = Flow(h, ts=ts)
    _answered(h, k)
    h.advance(1500)
    assert "S" in str(one(h.send("o", k.ack3_packet()), "i")[TCP].flags)


def test_third_ack_bad_checksum(h):
    """A valid cookie on a corrupted segment: bad_csum, no flow, nothing sent."""
    f = Flow(h)
    f.syn()
    f.tc += 5
    a = f.ack3_packet()
    a[TCP].chksum = 0x1234
    assert h.send("o", a) == []
    assert flows(h) == (0, {})
    assert h.drops() == {"bad_csum": 1}


@pytest.mark.fresh
def test_syn_retransmission_same_cookie(h):
    """A retransmitted SYN in the same epoch gets the same cookie; its TSval follows the clock."""
    f = Flow(h)
    sa1 = f.syn()
    h.advance(300)
    sa2 = one(h.send("o", f.syn_frame), "o")
    f.check_synack(sa2, f.syn_frame)
    assert sa2[TCP].seq == sa1[TCP].seq
    ts1 = dict(sa1[TCP].options)["Timestamp"][0]
    ts2 = dict(sa2[TCP].options)["Timestamp"][0]
    # 1 kHz clock, low 6 bits are cookie data.
    assert 300 - 64 < u32(ts2 - ts1) < 300 + 64, (ts1, ts2)
    # Either SYN-ACK completes the handshake.
    f.ack3()
    f.synack()
    c = h.counters()
    assert c["syn_rcvd"] == 2 and c["synack_sent"] == 2 and c["cookie_valid"] == 1


def test_syn_retransmission_next_epoch(start):
    """In the next epoch the cookie changes (parity bit), and the older one still verifies."""
    h = start(EPOCH_1S)
    f = Flow(h, ts=False, epoch_ms=1000)
    sa1 = f.syn()
    h.advance(1000)
    sa2 = one(h.send("o", f.syn_frame), "o")
    f.check_synack(sa2, f.syn_frame)  # checks the parity bit of the new epoch
    assert sa2[TCP].seq != sa1[TCP].seq
    assert (sa1[TCP].seq >> 7) & 1 != (sa2[TCP].seq >> 7) & 1
    f.C = sa1[TCP].seq
    f.ack3()
    assert flows(h) == (1, {"SYN_SENT": 1})


def test_third_ack_retransmitted(h):
    """While the backend SYN is under way, a repeated third ACK is absorbed, not a second SYN."""
    f = Flow(h)
    f.syn()
    f.ack3()
    assert h.send("o", f.ack3_frame) == []
    # A zero-window probe / early data from the client is absorbed the same way.
    f.tc += 1
    assert h.send("o", f.ack3_packet(payload=b"early")) == []
    assert flows(h) == (1, {"SYN_SENT": 1})
    c = h.counters()
    assert c["third_ack_rtx"] == 2 and c["backend_syn_sent"] == 1 and c["cookie_valid"] == 1
    st = h.stats()["ports"]["outside"]
    assert st["consumed"] == 2 and st["drops"] == 0
    f.synack()


def test_backend_synack_retransmitted(h):
    """A repeated backend SYN-ACK is ACKed again (our ACK was lost), with no second update."""
    f = Flow(h)
    f.syn()
    f.ack3()
    back1, _ = f.synack()
    sa = f.synack_packet()
    again = one(h.send("i", sa), "i")
    assert_frame(again, f.expected_backend_ack(sa), "re-ACK of the backend SYN-ACK")
    assert flows(h) == (1, {"ESTABLISHED": 1})
    c = h.counters()
    assert c["synack_rtx"] == 1 and c["conn_established"] == 1
    # The relay is unaffected.
    f.c2s(b"after", flags="PA")
    f.s2c(b"reply", flags="PA")


@pytest.mark.parametrize("what", ["ack", "flags"])
def test_backend_synack_invalid(h, what):
    """A SYN-ACK that does not ACK our SYN (J + 1) is dropped; the flow keeps waiting."""
    f = Flow(h)
    f.syn()
    f.ack3()
    f.B = f.tb
    if what == "ack":
        sa = f.synack_packet(ack=u32(f.isn + 7))
        cause = "synack_invalid"
    else:
        sa = f.synack_packet()
        sa[TCP].flags = "S"  # a SYN from the server: simultaneous open is not supported
        cause = "conn_invalid"
    assert h.send("i", sa) == []
    assert flows(h) == (1, {"SYN_SENT": 1})
    assert h.drops() == {cause: 1}
    f.synack()


@pytest.mark.parametrize("ts", [True, False])
def test_third_ack_lost_probe_opens(start, ts):
    """The third ACK is lost: the client, held by the SYN-ACK's zero window, sends only
    zero-window probes, seq = snd_una - 1 = its ISN (Linux). The first probe is taken as
    the third ACK: the backend SYN carries the client's ISN, and the connection opens."""
    h = start(None)
    f = Flow(h, ts=ts)
    f.syn()
    # Linux probes after its RTO (200 ms at least) with the SYN-ACK's TSval as TSecr.
    h.advance(300)
    f.tc += 300
    probe = f.ack3_packet(seq=f.isn)
    bs = one(h.send("o", probe), "i")
    assert str(bs[TCP].flags) == "S" and bs[TCP].seq == f.isn
    c = h.counters()
    assert c["cookie_valid"] == 1 and c["third_ack_probe"] == 1 and c["backend_syn_sent"] == 1
    f.ack3_frame, f.backend_syn, f.ts_recent_s = probe, bs, f.tc
    f.synack()
    f.c2s(b"after the probe", flags="PA")
    assert flows(h) == (1, {"ESTABLISHED": 1})


@pytest.mark.fresh
def test_probe_form_needs_a_bare_ack(h):
    """The probe form (seq = ISN) is not accepted sooner than a probe timer, with payload,
    or with a TSecr far from our clock; a right third ACK still opens the connection."""
    f = Flow(h)
    f.syn()
    f.tc += 5
    # Too soon after the SYN-ACK for a probe timer.
    assert h.send("o", f.ack3_packet(seq=f.isn)) == []
    h.advance(300)
    f.tc += 300
    assert h.send("o", f.ack3_packet(seq=f.isn, payload=b"x")) == []
    assert h.send("o", f.ack3_packet(seq=f.isn, tsecr=u32(f.P + 0x40000000))) == []
    c = h.counters()
    assert c["cookie_valid"] == 0 and c["third_ack_probe"] == 0
    assert h.drops() == {"cookie_invalid": 3}
    f.ack3()
