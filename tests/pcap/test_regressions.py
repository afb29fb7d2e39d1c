# SPDX-License-Identifier: BSD-3-Clause
"""Regressions found by the e2e suites: duplicate third ACKs in one burst, learned options."""
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from conftest import CLI4, CLI_MAC, SRV4, SRV_MAC, flows, make_config, u32


def _syn(sport, isn, opts):
    return bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                 TCP(sport=sport, dport=80, flags="S", seq=isn, options=opts))


def _ack(sport, isn, cookie, opts=()):
    return bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                 TCP(sport=sport, dport=80, flags="A", seq=u32(isn + 1), ack=u32(cookie + 1),
                     window=1000, options=list(opts)))


def _synack_from_backend(bsyn, opts):
    t = bsyn[TCP]
    return bytes(Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src=SRV4, dst=CLI4) /
                 TCP(sport=80, dport=t.sport, flags="SA", seq=77777, ack=u32(t.seq + 1),
                     window=65160, options=opts))


def test_duplicate_third_ack_in_one_burst(start):
    """Two copies of a valid third ACK in the same burst: one flow, one backend SYN; the
    copy is absorbed as a retransmitted third ACK."""
    h = start(make_config())
    outs = h.send("o", _syn(41000, 1000, [("MSS", 1460)]))
    cookie = outs[0][1][TCP].seq
    ack = _ack(41000, 1000, cookie)
    outs = h.send("o", ack, ack)
    backend_syns = [f for pt, f in outs if pt == "i" and f[TCP].flags == "S"]
    assert len(backend_syns) == 1
    assert flows(h) == (1, {"SYN_SENT": 1})
    st = h.stats()
    assert st["counters"]["cookie_valid"] == 1
    assert st["counters"]["backend_syn_sent"] == 1
    assert st["counters"]["third_ack_rtx"] == 1


def _handshake(h, sport, ts, sack):
    """Client SYN with/without TS and SACK; returns the proxy SYN-ACK's options and
    completes the backend side with a backend that agrees to everything offered."""
    opts = [("MSS", 1460)]
    if sack:
        opts.append(("SAckOK", b""))
    if ts:
        opts.append(("Timestamp", (1000 + sport, 0)))
    opts += [("NOP", None), ("WScale", 7)]
    outs = h.send("o", _syn(sport, 5000, opts))
    sa = outs[0][1][TCP]
    sa_opts = dict((k, v) for k, v in sa.options)
    ack_opts = [("NOP", None), ("NOP", None), ("Timestamp", (1001 + sport, sa_opts["Timestamp"][0]))] \
        if "Timestamp" in sa_opts else []
    outs = h.send("o", _ack(sport, 5000, sa.seq, ack_opts))
    bsyn = [f for pt, f in outs if pt == "i"][0]
    boffer = dict((k, v) for k, v in bsyn[TCP].options)
    # The backend supports SACK and TS: it agrees to whatever the SYN offered.
    bopts = [("MSS", 1460)]
    if "SAckOK" in boffer:
        bopts.append(("SAckOK", b""))
    if "Timestamp" in boffer:
        bopts.append(("Timestamp", (9000, boffer["Timestamp"][0])))
    bopts += [("NOP", None), ("WScale", 7)]
    h.send("i", _synack_from_backend(bsyn, bopts))
    return sa_opts, boffer


def test_learned_options_not_poisoned_by_a_plain_client(start):
    """A client without TS/SACK must not stop the proxy offering them to later clients:
    the backend only declined what it was never offered."""
    h = start(make_config())
    sa1, _ = _handshake(h, 42001, ts=True, sack=True)
    assert "Timestamp" in sa1 and "SAckOK" in sa1
    sa2, b2 = _handshake(h, 42002, ts=False, sack=False)
    assert "Timestamp" not in b2 and "SAckOK" not in b2
    sa3, b3 = _handshake(h, 42003, ts=True, sack=True)
    assert "Timestamp" in sa3 and "SAckOK" in sa3, sa3
    assert "Timestamp" in b3 and "SAckOK" in b3, b3


def test_sack_offered_to_backend_only_when_negotiated_with_client(start):
    """With sack = off for the service, the client is not offered SACK, and so the
    backend SYN does not ask for it either (RFC 2018: SACK only when both ends agreed)."""
    h = start(make_config(service="sack = off\n"))
    sa, boffer = _handshake(h, 42010, ts=True, sack=True)
    assert "SAckOK" not in sa
    assert "SAckOK" not in boffer


def test_lost_window_update_recovered_by_zero_window_probe(start):
    """The proxy's window update to the client is lost: the client, still at window 0,
    sends a zero-window probe (seq = SND.UNA - 1, RFC 9293 3.8.6.1); it reaches the backend
    through the splice, and the backend's ACK (with its window) reopens the client's window."""
    h = start(make_config())
    isn = 3000
    outs = h.send("o", _syn(43000, isn, [("MSS", 1460), ("NOP", None), ("WScale", 7)]))
    C = outs[0][1][TCP].seq
    assert outs[0][1][TCP].window == 0
    outs = h.send("o", _ack(43000, isn, C))
    bsyn = [f for pt, f in outs if pt == "i"][0]
    outs = h.send("i", _synack_from_backend(bsyn, [("MSS", 1460), ("NOP", None), ("WScale", 7)]))
    update = [f for pt, f in outs if pt == "o"]
    assert len(update) == 1 and update[0][TCP].window > 0  # ... and this one gets lost
    probe = bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                  TCP(sport=43000, dport=80, flags="A", seq=isn, ack=u32(C + 1), window=1000))
    outs = h.send("o", probe)
    fwd = [f for pt, f in outs if pt == "i"]
    assert len(fwd) == 1, outs
    assert fwd[0][TCP].seq == isn and fwd[0][TCP].ack == u32(77777 + 1)  # translated to K
    # The backend answers the probe with an ACK carrying its window.
    back = bytes(Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src=SRV4, dst=CLI4) /
                 TCP(sport=80, dport=43000, flags="A", seq=77778, ack=isn + 1, window=502))
    outs = h.send("i", back)
    to_cli = [f for pt, f in outs if pt == "o"]
    assert len(to_cli) == 1
    assert to_cli[0][TCP].seq == u32(C + 1) and to_cli[0][TCP].ack == isn + 1
    assert to_cli[0][TCP].window == 502  # backend and proxy both use window scale 7
    assert flows(h) == (1, {"ESTABLISHED": 1})
