# SPDX-License-Identifier: BSD-3-Clause
"""One burst mixing relayed segments, a relayed FIN, a bridged non-IP frame and drops.

The worker keeps the burst's port for every packet of it (sw_worker.rx_port) and the
flow-table hashes of the bulk lookup for the packets that need them again: every verdict
must count on the port the burst came in on. What is not TCP leaves while the burst is
parsed, ahead of its TCP segments, which leave in arrival order.
"""
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import ARP, Ether

from conftest import CLI4, CLI_MAC, SRV4, SRV_MAC, Flow, flows, u32

PORT_NAME = {"o": "outside", "i": "inside"}


def _established(h):
    f = Flow(h, ts=False, b_ts=False).open()
    f.c2s(b"request", flags="PA")
    f.s2c(b"response", flags="PA")
    return f


def _seg(f, port, flags, payload=b"", off=0):
    """A segment of f from port's side, at the next sequence number (plus off)."""
    if port == "o":
        return f.cli_frame(flags, u32(f.snd_c + off), u32(f.snd_s - f.delta), payload=payload)
    return f.srv_frame(flags, u32(f.snd_s + off), f.snd_c, payload=payload)


@pytest.mark.parametrize("port", ["o", "i"])
def test_mixed_burst(h, port):
    a, b = _established(h), _established(h)
    other = "i" if port == "o" else "o"
    arp = Ether(src=CLI_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=CLI4, pdst=SRV4)
    if port == "o":
        # A client RST without a flow: no_flow, never answered.
        stray = (Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                 TCP(sport=39999, dport=80, flags="R", seq=1))
    else:
        stray = (Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src=SRV4, dst=CLI4) /
                 TCP(sport=80, dport=39999, flags="PA", seq=1, ack=1) / b"data")
    burst = [
        _seg(a, port, "PA", b"one"),
        arp,
        stray,
        _seg(b, port, "FA"),
        bytes(_seg(a, port, "A"))[:10],  # truncated: trunc_l2
        _seg(a, port, "PA", b"two", off=3),
    ]
    before = h.stats()["ports"]
    outs = h.send(port, *burst)
    assert [p for p, _ in outs] == [other] * 4, [(p, f.summary()) for p, f in outs]
    assert ARP in outs[0][1]
    tcp = [f[TCP] for _, f in outs[1:]]
    assert [(bytes(t.payload), str(t.flags)) for t in tcp] == [
        (b"one", "PA"), (b"", "FA"), (b"two", "PA")]
    a_port, b_port = (a.sport, b.sport) if port == "o" else (a.dport, b.dport)
    assert [t.sport for t in tcp] == [a_port, b_port, a_port]

    st = h.stats()["ports"]
    rx, tx = PORT_NAME[port], PORT_NAME[other]
    assert st[rx]["rx"] - before[rx]["rx"] == len(burst)
    assert st[rx]["fwd"] - before[rx]["fwd"] == 4
    assert st[tx]["tx"] - before[tx]["tx"] == 4
    assert st[rx]["drop_causes"] == {"no_flow": 1, "trunc_l2": 1}
    assert before[rx]["drop_causes"] == {} and st[tx]["drop_causes"] == {}
    closing = "FIN_WAIT_1" if port == "o" else "CLOSE_WAIT"
    assert flows(h) == (2, {"ESTABLISHED": 1, closing: 1})
