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


def _data(sport, seq, ack, payload):
    return bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                 TCP(sport=sport, dport=80, flags="PA", seq=seq, ack=ack, window=1000) /
                 payload)


def _third_ack_then_data(h, together):
    """SYN, then the third ACK and the client's first data segment, in one burst or two.
    Returns what came out for the ACK and the data, without the cookie's bits."""
    outs = h.send("o", _syn(41500, 3000, [("MSS", 1460)]))
    cookie = outs[0][1][TCP].seq
    ack = _ack(41500, 3000, cookie)
    data = _data(41500, u32(3001), u32(cookie + 1), b"GET / HTTP/1.0\r\n\r\n")
    outs = h.send("o", ack, data) if together else h.send("o", ack) + h.send("o", data)
    shape = [(pt, str(f[TCP].flags), len(f[TCP].payload), u32(f[TCP].seq - 3000)
              if pt == "i" else None) for pt, f in outs]
    return shape, flows(h), h.drops(), h.counters()["cookie_valid"]


def test_third_ack_and_data_in_one_burst(start):
    """A client that speaks first sends its request right behind the third ACK, often in
    the same burst: the data must meet the flow the ACK has just created, exactly as when
    it comes a burst later (the bulk lookup of the burst ran before the flow existed)."""
    apart = _third_ack_then_data(start(make_config()), together=False)
    together = _third_ack_then_data(start(make_config()), together=True)
    assert together == apart
    assert apart[1] == (1, {"SYN_SENT": 1})
    assert apart[3] == 1
    assert "no_flow" not in apart[2]


def test_many_third_acks_and_data_in_one_burst(start):
    """16 third ACKs each followed by its data segment in one burst of 32: the added-flow
    filter must let every data segment find its flow, whatever the other adds."""
    h = start(make_config())
    sports = list(range(41600, 41616))
    outs = h.send("o", *[_syn(sp, sp * 11, [("MSS", 1460)]) for sp in sports])
    cookie = {f[TCP].dport: f[TCP].seq for _, f in outs}
    burst = []
    for sp in sports:
        burst.append(_ack(sp, sp * 11, cookie[sp]))
        burst.append(_data(sp, u32(sp * 11 + 1), u32(cookie[sp] + 1), b"x" * 10))
    h.send("o", *burst)
    assert flows(h) == (16, {"SYN_SENT": 16})
    assert "no_flow" not in h.drops()
    assert h.counters()["cookie_valid"] == 16


def test_external_buffer_mbufs_through_a_handshake(start):
    """Some PMDs receive into external buffers (rte_pktmbuf_attach_extbuf). Every reply
    synwall writes in place (SYN-ACK, backend SYN, ACK to the backend, window update) must
    keep the mbuf's external-buffer flag, or freeing it returns foreign memory to the pool
    and never releases the buffer."""
    h = start(make_config())
    outs = h.send("o", _syn(41700, 7000, [("MSS", 1460), ("SAckOK", b""),
                                          ("Timestamp", (5, 0)), ("NOP", None),
                                          ("WScale", 7)]), ext=True)
    assert [str(f[TCP].flags) for _, f in outs] == ["SA"]
    sa = outs[0][1][TCP]
    tsval = dict(sa.options)["Timestamp"][0]
    outs = h.send("o", _ack(41700, 7000, sa.seq,
                            [("NOP", None), ("NOP", None), ("Timestamp", (6, tsval))]), ext=True)
    bsyn = [f for pt, f in outs if pt == "i"][0]
    assert str(bsyn[TCP].flags) == "S"
    outs = h.send("i", _synack_from_backend(bsyn, [("MSS", 1460), ("SAckOK", b""),
                                                   ("Timestamp", (9000, 6)),
                                                   ("NOP", None), ("WScale", 7)]), ext=True)
    assert sorted((pt, str(f[TCP].flags)) for pt, f in outs) == [("i", "A"), ("o", "A")]
    assert flows(h) == (1, {"ESTABLISHED": 1})
    assert h.extbufs() == 0


def test_external_buffer_mbufs_dropped_in_bulk(start):
    """Dropped mbufs go back to their pool in one put when they are plain; a burst that
    mixes plain mbufs with ones attached to external buffers must still release every
    external buffer (rte_pktmbuf_free_bulk's path)."""
    h = start(make_config())
    forged = [_ack(41800 + i, 100 * i, 0x12345678) for i in range(6)]
    assert h.send("o", *forged[:3]) == []
    assert h.send("o", forged[3], ext=True) == []
    for f in forged[4:]:
        h.cmd("inx o " + bytes(f).hex() if f is forged[4] else "in o " + bytes(f).hex())
    h.n_in["o"] += 2
    assert h.poll() == []
    assert h.drops() == {"cookie_invalid": 6}
    assert h.extbufs() == 0
