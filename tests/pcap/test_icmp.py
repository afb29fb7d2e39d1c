# SPDX-License-Identifier: BSD-3-Clause
"""ICMP errors about spliced connections: a router between synwall and the client quotes a
server segment as the client's side saw it; the server must find its own sequence number in
the quote, or it ignores the error (RFC 5927 4.1) and path MTU discovery fails."""
import pytest
from scapy.layers.inet import ICMP, IP, TCP
from scapy.layers.inet6 import ICMPv6DestUnreach, ICMPv6PacketTooBig, ICMPv6TimeExceeded, IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from conftest import CLI_MAC, SRV_MAC, Flow, fragments, one

ROUTER4, ROUTER6 = "198.18.1.254", "2001:2:0:1::fe"


def _error(v6, kind, dst, quote):
    """An ICMP error from the client-side router to dst quoting the IP packet `quote`."""
    if v6:
        msg = {"too_big": ICMPv6PacketTooBig(mtu=1280), "unreach": ICMPv6DestUnreach(code=3),
               "ttl": ICMPv6TimeExceeded()}[kind]
        l3 = IPv6(src=ROUTER6, dst=dst) / msg
    else:
        msg = {"too_big": ICMP(type=3, code=4, nexthopmtu=1280), "unreach": ICMP(type=3, code=1),
               "ttl": ICMP(type=11)}[kind]
        l3 = IP(src=ROUTER4, dst=dst) / msg
    return Ether(src=CLI_MAC, dst=SRV_MAC) / l3 / Raw(quote)


def _quote(pkt, l3, seq=None, cut=None):
    """pkt's IP packet as quoted: its sequence number replaced (TCP checksum recomputed)."""
    q = pkt[l3].copy()
    if seq is not None:
        q[TCP].seq = seq
        del q[TCP].chksum
    b = bytes(q)
    return b[:cut] if cut else b


@pytest.mark.parametrize("kind", ["too_big", "unreach", "ttl"])
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_icmp_error_quote_translated(h, v6, kind):
    """The quoted server segment gets back the server's sequence number, its own checksum
    and the ICMP checksum fixed: the frame the server receives is the frame it would get
    without the proxy in the path."""
    l3 = IPv6 if v6 else IP
    f = Flow(h, v6=v6).open()
    p, outs = f.s2c(b"x" * 100, flags="PA")
    seen = one(outs, "o")
    assert seen[TCP].seq != p[TCP].seq  # the splice shifts the server's numbers
    got = one(h.send("o", _error(v6, kind, f.srv, _quote(seen, l3))), "i")
    want = _error(v6, kind, f.srv, _quote(seen, l3, seq=p[TCP].seq))
    assert bytes(got) == bytes(want), (got.show(dump=True), want.show(dump=True))
    assert h.counters()["icmp_xlated"] == 1


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_icmp_error_short_quote(h, v6):
    """RFC 792's minimum quote (the IP header and 8 bytes: ports and sequence number) is
    translated too; the TCP checksum is not in it."""
    l3 = IPv6 if v6 else IP
    f = Flow(h, v6=v6).open()
    p, outs = f.s2c(b"y" * 10, flags="PA")
    seen = one(outs, "o")
    hl = 40 if v6 else 20
    got = one(h.send("o", _error(v6, "too_big", f.srv, _quote(seen, l3, cut=hl + 8))), "i")
    want = _error(v6, "too_big", f.srv, _quote(seen, l3, seq=p[TCP].seq, cut=hl + 8))
    # The quote's TCP checksum is cut off: only the sequence number may differ.
    assert bytes(got) == bytes(want)


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_icmp_errors_left_alone(h, v6):
    """Bridged untouched: an error quoting a flow synwall does not have, one sent to another
    host than the quoted source, and one about a client segment coming from the server side
    (the client's numbers are never shifted)."""
    l3 = IPv6 if v6 else IP
    f = Flow(h, v6=v6).open()
    _, outs = f.s2c(b"z" * 10, flags="PA")
    seen = one(outs, "o")
    other = seen.copy()
    other[TCP].dport ^= 1
    for frame in [_error(v6, "too_big", f.srv, _quote(other, l3)),
                  _error(v6, "too_big", f.cli, _quote(seen, l3))]:
        assert bytes(one(h.send("o", frame), "i")) == bytes(frame)
    c2s, outs = f.c2s(b"w" * 10, flags="PA")
    seen_srv = one(outs, "i")
    back = _error(v6, "too_big", f.cli, _quote(seen_srv, l3))
    back[Ether].src, back[Ether].dst = SRV_MAC, CLI_MAC
    assert bytes(one(h.send("i", back), "o")) == bytes(back)
    assert h.counters()["icmp_xlated"] == 0


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_rss_hand_on_without_the_flow(h, v6):
    """With RSS and two workers (no software steering), an ICMP error and a first fragment
    land on either worker: one without their flow hands them on to the next, once each.
    Here every inbox is the worker's own: what it hands on comes back as the other
    worker's, at the end of the same poll, and is then bridged (the error) or dropped (a
    forged third ACK) by that last worker. Each counts once in rx and ends once (the
    fixture's accounting check)."""
    l3 = IPv6 if v6 else IP
    f = Flow(h, v6=v6).open()
    _, outs = f.s2c(b"z" * 10, flags="PA")
    seen = one(outs, "o")
    h.workers(2, 0)
    # The flow is here: translated at once, nothing handed on.
    one(h.send("o", _error(v6, "too_big", f.srv, _quote(seen, l3))), "i")
    assert (h.counters()["icmp_xlated"], h.counters()["steered"]) == (1, 0)
    # A flow no worker has: handed on once, then bridged untouched.
    other = seen.copy()
    other[TCP].dport ^= 1
    err = _error(v6, "too_big", f.srv, _quote(other, l3))
    assert bytes(one(h.send("o", err), "i")) == bytes(err)
    assert (h.counters()["icmp_xlated"], h.counters()["steered"]) == (1, 1)
    # A first fragment of a segment of no flow: handed on once, then dropped.
    seg = f.cli_frame("PA", 1000, 2000, payload=bytes(1500))
    seg[TCP].sport ^= 1
    first = fragments(seg, v6)[0]
    drops0 = sum(h.drops().values())
    assert h.send("o", first) == []
    assert h.counters()["steered"] == 2
    assert sum(h.drops().values()) == drops0 + 1
