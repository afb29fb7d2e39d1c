# SPDX-License-Identifier: BSD-3-Clause
"""RSTs: backend refusal and timeout, exact / in-window / out-of-window RSTs (RFC 5961), reopen."""
import pytest
from scapy.layers.inet import TCP

from conftest import Flow, assert_checksums, assert_frame, flows, make_config, one, rescale, u32


def _client_rst(f, like):
    """The RST synwall sends the client for a flow that never got a backend: seq C + 1."""
    return f.to_client(like, TCP(sport=f.dport, dport=f.sport, seq=u32(f.C + 1),
                                 ack=u32(f.isn + 1), flags="RA", window=0, urgptr=0))


@pytest.mark.fresh
@pytest.mark.parametrize("v6,ts", [(False, True), (False, False), (True, True)],
                         ids=["v4-ts", "v4-nots", "v6-ts"])
def test_backend_never_answers(h, v6, ts):
    """Backend SYN resent after 1 s, 2 s, 4 s (byte-identical); 8 s later the client is reset."""
    f = Flow(h, v6=v6, ts=ts)
    f.syn()
    syn = bytes(f.ack3())
    schedule = [1000, 2000, 4000]
    for n, wait in enumerate(schedule, 1):
        h.advance(wait - 1)
        assert h.expire() == [], "retransmission %d sent early" % n
        h.advance(1)
        rtx = one(h.expire(), "i")
        assert bytes(rtx) == syn, "retransmission %d is not the original SYN" % n
        assert flows(h) == (1, {"SYN_SENT": 1})
    h.advance(8000 - 1)
    assert h.expire() == []
    h.advance(1)
    rst = one(h.expire(), "o")
    assert_frame(rst, _client_rst(f, f.ack3_frame), "RST to the client")
    assert flows(h) == (0, {})
    c = h.counters()
    assert c["backend_syn_rtx"] == 3 and c["backend_timeout"] == 1
    # A late SYN-ACK finds no flow.
    f.B = f.tb
    assert h.send("i", f.synack_packet()) == []
    assert h.drops() == {"no_flow": 1}


@pytest.mark.fresh
def test_backend_answers_after_retransmission(h):
    f = Flow(h)
    f.syn()
    syn = bytes(f.ack3())
    h.advance(1000)
    assert bytes(one(h.expire(), "i")) == syn
    f.synack()
    h.advance(2000)
    assert h.expire() == [], "no retransmission once the backend answered"
    f.c2s(b"ok", flags="PA")
    assert flows(h) == (1, {"ESTABLISHED": 1})
    assert h.counters()["backend_syn_rtx"] == 1


@pytest.mark.fresh
@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_backend_refuses(h, v6):
    """Backend RST|ACK (closed port) -> the client gets RST|ACK seq C + 1, ack J + 1; CLOSED."""
    f = Flow(h, v6=v6)
    f.syn()
    f.ack3()
    rst = f.srv_frame("RA", 0, u32(f.isn + 1), win=0)
    out = one(h.send("i", rst), "o")
    assert_frame(out, _client_rst(f, rst), "RST to the client")
    assert flows(h) == (1, {"CLOSED": 1})
    assert h.counters()["backend_refused"] == 1
    # Nothing more gets through a CLOSED flow; no SYN retransmission either.
    h.advance(5000)
    assert h.expire() == []
    f.c2s(b"late", flags="PA", ack=u32(f.C + 1), expect="drop")
    # CLOSED lasts 10 s.
    h.advance(10_000 - 5000 - 1)
    assert h.expire() == []
    assert flows(h) == (1, {"CLOSED": 1})
    h.advance(1)
    assert h.expire() == []
    assert flows(h) == (0, {})


@pytest.mark.parametrize("flags,ack", [("R", "none"), ("RA", "wrong")])
def test_backend_rst_not_acking_syn(h, flags, ack):
    """RFC 9293 3.10.7.3: in SYN-SENT a RST counts only if it ACKs the SYN."""
    f = Flow(h)
    f.syn()
    f.ack3()
    rst = f.srv_frame(flags, u32(f.isn + 1) if ack == "none" else 0,
                      0 if ack == "none" else u32(f.isn + 5), win=0)
    assert h.send("i", rst) == []
    assert flows(h) == (1, {"SYN_SENT": 1})
    assert h.drops() == {"conn_invalid": 1}
    f.synack()


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("flags", ["R", "RA"])
def test_exact_rst(h, side, flags):
    """RST at the receiver's expected seq: translated, forwarded, flow CLOSED."""
    f = Flow(h).open()
    f.c2s(b"q" * 10, flags="PA")
    f.s2c(b"r" * 10, flags="PA")
    f.c2s()
    if side == "client":
        f.c2s(flags=flags, ack=0 if flags == "R" else None, win=0, ts=False)
    else:
        f.s2c(flags=flags, ack=0 if flags == "R" else None, win=0, ts=False)
    assert flows(h) == (1, {"CLOSED": 1})
    assert h.counters()["conn_reset"] == 1
    # Stragglers are dropped.
    f.s2c(b"late", flags="PA", expect="drop")
    f.c2s(b"late", flags="PA", expect="drop")


@pytest.mark.parametrize("side", ["client", "server"])
def test_rst_in_window_not_exact(h, side):
    """RFC 5961 3.2: in the window but not exact -> forwarded (the end challenges), flow stays."""
    f = Flow(h).open()
    f.c2s(b"q" * 10, flags="PA")
    f.s2c(b"r" * 10, flags="PA")
    f.c2s()
    if side == "client":
        f.c2s(flags="R", seq=u32(f.snd_c + 1000), ack=0, win=0, ts=False)
    else:
        f.s2c(flags="R", seq=u32(f.snd_s + 1000), ack=0, win=0, ts=False)
    assert flows(h) == (1, {"ESTABLISHED": 1})
    # The flow still relays, and the genuine exact RST then closes it.
    f.c2s(b"still", flags="PA")
    f.s2c(flags="A")
    if side == "client":
        f.c2s(flags="R", ack=0, win=0, ts=False)
    else:
        f.s2c(flags="R", ack=0, win=0, ts=False)
    assert flows(h) == (1, {"CLOSED": 1})


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("where", ["below", "beyond"])
def test_rst_out_of_window(h, side, where):
    """RST before the receiver's last ACK or beyond its window: dropped, flow ESTABLISHED."""
    f = Flow(h).open()
    f.c2s(b"q" * 10, flags="PA")
    f.s2c(b"r" * 10, flags="PA")
    f.c2s()
    if side == "client":
        seq = u32(f.snd_c - 1) if where == "below" else u32(f.snd_c + (1 << 20))
        f.c2s(flags="R", seq=seq, ack=0, win=0, ts=False, expect="drop")
    else:
        seq = u32(f.snd_s - 1) if where == "below" else u32(f.snd_s + (1 << 20))
        f.s2c(flags="R", seq=seq, ack=0, win=0, ts=False, expect="drop")
    assert flows(h) == (1, {"ESTABLISHED": 1})
    assert h.drops() == {"conn_invalid": 1}
    assert h.counters()["conn_reset"] == 0
    f.c2s(b"alive", flags="PA")
    f.s2c(b"alive", flags="PA")


@pytest.mark.fresh
@pytest.mark.parametrize("flags", ["R", "RA"])
def test_client_rst_while_syn_sent(h, flags):
    """Client gives up before the backend answered: RST at J + 1 is passed on, flow CLOSED.
    A RST|ACK (what Linux sends when an application aborts) goes without ACK and with ack 0:
    its C + 1 is in the cookie's numbering, and a SYN-RECEIVED Linux backend drops a RST
    whose ACK is not its ISN + 1."""
    f = Flow(h)
    f.syn()
    f.ack3()
    rst = f.cli_frame(flags, u32(f.isn + 1), u32(f.C + 1) if "A" in flags else 0, win=0)
    out = one(h.send("o", rst), "i")
    exp = rst.copy()
    exp[TCP].flags, exp[TCP].ack = "R", 0
    assert_frame(out, exp, "client RST to the backend")
    assert_checksums(out)
    assert flows(h) == (1, {"CLOSED": 1})
    h.advance(1000)
    assert h.expire() == [], "no SYN retransmission for a reset flow"


def _close_client_first(f):
    f.c2s(b"bye", flags="FPA")
    f.s2c(flags="A")
    f.s2c(flags="FA")
    f.c2s(flags="A")


@pytest.mark.parametrize("prior", ["TIME_WAIT", "CLOSED"])
def test_reopen(h, prior):
    """A new SYN on a TIME_WAIT/CLOSED tuple: fresh cookie SYN-ACK, then a new flow."""
    f = Flow(h).open()
    f.c2s(b"q" * 10, flags="PA")
    if prior == "TIME_WAIT":
        _close_client_first(f)
    else:
        f.c2s(flags="R", ack=0, win=0, ts=False)
    assert flows(h) == (1, {prior: 1})
    g = Flow(h, sport=f.sport, srv=f.srv, isn=u32(f.snd_c + 100_000), iss=123_456_789)
    g.tc = f.tc + 10
    sa = g.syn()
    assert sa[TCP].seq != f.C
    assert flows(h) == (0, {})
    assert h.counters()["conn_reopened"] == 1
    g.ack3()
    assert flows(h) == (1, {"SYN_SENT": 1})
    g.synack()
    g.c2s(b"second life", flags="PA")
    g.s2c(b"ok", flags="PA")
    assert flows(h) == (1, {"ESTABLISHED": 1})


def _live_flow(h):
    f = Flow(h).open()
    f.c2s(b"q" * 10, flags="PA")
    f.s2c(b"r" * 10, flags="PA")
    f.c2s()
    return f


def _challenge_to_client(f, syn):
    return f.to_client(syn, TCP(sport=f.dport, dport=f.sport, seq=u32(f.snd_s - f.delta),
                                ack=f.snd_c, flags="A", urgptr=0,
                                window=rescale(f.bwin >> f.ws_srv, f.own_s, f.view_s)))


@pytest.mark.fresh
@pytest.mark.parametrize("flags", ["S", "SA"])
def test_client_syn_on_established_gets_challenge_ack(h, flags):
    """RFC 5961 4.2: a client that lost its connection and reuses the port gets an ACK with
    the server's numbers (as the client sees them) and resets the stale flow itself; the
    flow is unchanged and nothing reaches the server."""
    f = _live_flow(h)
    syn = f.cli_frame(flags, u32(f.snd_c + 5_000_000), 0 if flags == "S" else 77, win=64240)
    assert_frame(one(h.send("o", syn), "o"), _challenge_to_client(f, syn), "challenge ACK")
    assert flows(h) == (1, {"ESTABLISHED": 1})
    assert h.counters()["challenge_ack"] == 1
    # The client, in SYN-SENT, answers the unacceptable ACK with <SEQ=SEG.ACK><CTL=RST>:
    # exactly where the server expects it, so the stale flow closes ...
    f.c2s(flags="R", seq=f.snd_c, ack=0, win=0, ts=False)
    assert flows(h) == (1, {"CLOSED": 1})
    # ... and its retransmitted SYN opens a new one.
    g = Flow(h, sport=f.sport, srv=f.srv, isn=u32(f.snd_c + 5_000_000))
    g.syn()
    assert h.counters()["conn_reopened"] == 1


@pytest.mark.fresh
def test_server_syn_on_established_gets_challenge_ack(h):
    f = _live_flow(h)
    syn = f.srv_frame("S", u32(f.snd_s + 999), 0, win=65535)
    exp = f.to_server(syn, TCP(sport=f.sport, dport=f.dport, seq=f.snd_c, ack=f.snd_s,
                               flags="A", urgptr=0,
                               window=rescale(f.cwin, f.own_c, f.view_c)))
    assert_frame(one(h.send("i", syn), "i"), exp, "challenge ACK to the server")
    assert flows(h) == (1, {"ESTABLISHED": 1})


@pytest.mark.fresh
def test_challenge_ack_rate_limited(h):
    """At most 1000 challenge ACKs per second per worker; the rest are dropped and counted."""
    f = _live_flow(h)
    syn = bytes(f.cli_frame("S", u32(f.snd_c + 5_000_000), 0, win=64240))
    outs = h.send("o", *[syn] * 1001)
    while True:
        more = h.poll()
        if not more:
            break
        outs += more
    assert len(outs) == 1000 and all(pt == "o" for pt, _ in outs)
    assert len({bytes(fr) for _, fr in outs}) == 1
    assert h.drops() == {"conn_invalid": 1}
    h.advance(1000)
    assert len(h.send("o", syn)) == 1, "a new second has a new budget"
    assert h.counters()["challenge_ack"] == 1001


@pytest.mark.fresh
def test_reopen_after_service_removed_is_bridged(h):
    """A new SYN on a TIME_WAIT tuple whose service a reload removed: the old flow goes and
    the SYN is what the rules say now (bridged untouched), not a cookie SYN-ACK."""
    f = Flow(h).open()
    f.c2s(b"q" * 10, flags="PA")
    _close_client_first(f)
    assert flows(h) == (1, {"TIME_WAIT": 1})
    cfg = make_config().replace("dst = 198.18.2.0/24, 2001:2:0:2::/64", "dst = 198.18.7.0/24")
    assert h.reload(cfg) == []
    syn = f.cli_frame("S", u32(f.snd_c + 100_000), 0, win=64240)
    out = one(h.send("o", syn), "i")
    assert bytes(out) == bytes(syn)
    assert flows(h) == (0, {})
    assert h.counters().get("conn_reopened", 0) == 0
