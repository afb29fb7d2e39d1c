# SPDX-License-Identifier: BSD-3-Clause
"""Fragmented segments of spliced connections. Only the first fragment has the TCP header:
it is tracked and translated, the rest bridged. The tracker never learns the segment's
length, so the receiver's ACK for all of it, beyond what it saw, is its proof."""
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6

from conftest import Flow, assert_frame, fragments, u32

PAYLOAD = 1500


@pytest.mark.parametrize("sender", ["client", "server"])
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_fragmented_segment_and_its_ack(h, v6, sender):
    """A 1500-byte segment in fragments: the first is translated, the others go through as
    they are, and the receiver's ACK of all 1500 bytes is relayed (it was dropped as
    conn_invalid: the tracker had counted only the first fragment's bytes). The
    connection goes on."""
    l3 = IPv6 if v6 else IP
    f = Flow(h, v6=v6, ts=False, cwin=60000).open()
    data = bytes(range(256)) * 6
    data = data[:PAYLOAD]
    if sender == "client":
        p = f.cli_frame("PA", f.snd_c, u32(f.snd_s - f.delta), payload=data)
        port_in, port_out = "o", "i"
        want_seq, want_ack = f.snd_c, f.snd_s
    else:
        p = f.srv_frame("PA", f.snd_s, f.snd_c, win=f.bwin >> f.ws_srv, payload=data)
        port_in, port_out = "i", "o"
        want_seq, want_ack = u32(f.snd_s - f.delta), f.snd_c
    frags = fragments(p, v6)
    assert len(frags) >= 2
    outs = []
    for fr in frags:
        outs += h.send(port_in, fr)
    assert [pt for pt, _ in outs] == [port_out] * len(frags), outs
    first = outs[0][1]
    assert (first[TCP].seq, first[TCP].ack) == (want_seq, want_ack)
    for (_, out), fr in zip(outs[1:], frags[1:]):
        assert bytes(out[l3].payload) == bytes(fr[l3].payload)
    if sender == "client":
        f.snd_c = u32(f.snd_c + PAYLOAD)
        a = f.srv_frame("A", f.snd_s, f.snd_c, win=f.bwin >> f.ws_srv)
        got = h.send("i", a)
        assert [pt for pt, _ in got] == ["o"], (got, h.drops())
        assert_frame(got[0][1], f.xlate_s2c(a), "server's ACK of the fragmented segment")
    else:
        f.snd_s = u32(f.snd_s + PAYLOAD)
        a = f.cli_frame("A", f.snd_c, u32(f.snd_s - f.delta))
        got = h.send("o", a)
        assert [pt for pt, _ in got] == ["i"], (got, h.drops())
        assert_frame(got[0][1], f.xlate_c2s(a), "client's ACK of the fragmented segment")
    assert h.drops() == {}
    f.c2s(b"x" * 10, flags="PA")
    f.s2c(b"y" * 10, flags="PA")


def test_ack_beyond_data_without_fragment_dropped(h):
    """Without a fragment, an ACK for data never sent is still dropped (RFC 9293 3.10.7.4)."""
    f = Flow(h, ts=False).open()
    f.c2s(b"z" * 100, flags="PA")
    a = f.srv_frame("A", f.snd_s, u32(f.snd_c + 500), win=f.bwin >> f.ws_srv)
    assert h.send("i", a) == []
    assert h.drops() == {"conn_invalid": 1}


def test_ack_beyond_window_after_fragment_dropped(h):
    """After a first fragment, an ACK beyond the window the receiver advertised is no proof:
    dropped as before; the ACK that fits still passes."""
    f = Flow(h, ts=False).open()
    p = f.cli_frame("PA", f.snd_c, u32(f.snd_s - f.delta), payload=b"w" * PAYLOAD)
    for fr in fragments(p, False):
        h.send("o", fr)
    far = f.srv_frame("A", f.snd_s, u32(f.snd_c + f.bwin + 4096), win=f.bwin >> f.ws_srv)
    assert h.send("i", far) == []
    assert h.drops() == {"conn_invalid": 1}
    f.snd_c = u32(f.snd_c + PAYLOAD)
    a = f.srv_frame("A", f.snd_s, f.snd_c, win=f.bwin >> f.ws_srv)
    assert [pt for pt, _ in h.send("i", a)] == ["o"]
