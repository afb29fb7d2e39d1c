# SPDX-License-Identifier: BSD-3-Clause
"""FIN teardown: client-first, server-first and simultaneous close; per-state idle timeouts."""
import pytest

from conftest import DEFAULT_TMO, Flow, flows, make_config


def state(h):
    total, st = flows(h)
    assert total == 1, st
    return next(iter(st))


def _established(h, **kw):
    f = Flow(h, **kw).open()
    f.c2s(b"request", flags="PA")
    f.s2c(b"response", flags="PA")
    f.c2s()
    return f


def _expire_after(h, ms):
    """The single flow survives ms - 1 idle milliseconds and is gone at ms, silently."""
    h.advance(ms - 1)
    assert h.expire() == []
    assert flows(h)[0] == 1, "flow expired early"
    h.advance(1)
    assert h.expire() == [], "expiry must not send anything"
    assert flows(h) == (0, {})


@pytest.mark.fresh
@pytest.mark.parametrize("ts", [True, False], ids=["ts", "nots"])
def test_client_first_close(h, ts):
    f = _established(h, ts=ts)
    f.c2s(b"last words", flags="FPA")
    assert state(h) == "FIN_WAIT_1"
    f.s2c(flags="A")
    assert state(h) == "FIN_WAIT_2"
    f.s2c(b"more from the server", flags="PA")  # half-close: the server may still send
    f.c2s()
    assert state(h) == "FIN_WAIT_2"
    f.s2c(flags="FA")
    assert state(h) == "LAST_ACK"
    f.c2s(flags="A")
    assert state(h) == "TIME_WAIT"
    assert h.counters()["conn_closed"] == 1
    _expire_after(h, DEFAULT_TMO["TIME_WAIT"])
    assert h.counters()["flows_expired"] == 1


@pytest.mark.fresh
def test_server_first_close(h):
    f = _established(h)
    f.s2c(b"bye", flags="FPA")
    assert state(h) == "CLOSE_WAIT"
    f.c2s(flags="A")
    assert state(h) == "CLOSE_WAIT"
    f.c2s(b"client still sends", flags="PA")
    f.s2c()
    f.c2s(flags="FA")
    assert state(h) == "LAST_ACK"
    f.s2c(flags="A")
    assert state(h) == "TIME_WAIT"
    assert h.counters()["conn_closed"] == 1
    _expire_after(h, DEFAULT_TMO["TIME_WAIT"])


@pytest.mark.fresh
def test_simultaneous_close(h):
    f = _established(h)
    c_fin = f.snd_c
    f.c2s(flags="FA")
    assert state(h) == "FIN_WAIT_1"
    # The server's FIN crosses the client's: it does not ACK it.
    f.s2c(flags="FA", ack=c_fin)
    assert state(h) == "CLOSING"
    f.c2s(flags="A")  # ACKs the server FIN
    assert state(h) == "CLOSING"
    f.s2c(flags="A")  # ACKs the client FIN
    assert state(h) == "TIME_WAIT"
    _expire_after(h, DEFAULT_TMO["TIME_WAIT"])


def test_fin_fin_ack_combined(h):
    """The server's FIN also ACKs the client's FIN: FIN_WAIT_1 -> LAST_ACK directly."""
    f = _established(h)
    f.c2s(flags="FA")
    f.s2c(flags="FA")
    assert state(h) == "LAST_ACK"
    f.c2s(flags="A")
    assert state(h) == "TIME_WAIT"


def test_retransmitted_fin_in_time_wait(h):
    """Our last ACK was lost: the server's repeated FIN still reaches the client."""
    f = _established(h)
    f.c2s(flags="FA")
    f.s2c(flags="FA")
    f.c2s(flags="A")
    assert state(h) == "TIME_WAIT"
    fin_seq = (f.snd_s - 1) & 0xFFFFFFFF
    f.s2c(flags="FA", seq=fin_seq)
    f.c2s(flags="A")
    assert state(h) == "TIME_WAIT"


def test_data_after_fin_dropped(h):
    """Nothing new may follow a FIN (RFC 9293 3.6); a retransmitted FIN may."""
    f = _established(h)
    f.c2s(b"end", flags="FPA")
    fin_seq = (f.snd_c - 4) & 0xFFFFFFFF
    f.c2s(b"more", flags="PA", expect="drop")
    assert h.drops() == {"conn_invalid": 1}
    f.c2s(b"end", flags="FPA", seq=fin_seq)
    assert state(h) == "FIN_WAIT_1"


TMO_CFG = make_config(timeouts="established = 9s\nfin_wait = 3s\nclose_wait = 4s\n"
                               "last_ack = 5s\nclosing = 6s\ntime_wait = 7s\nclosed = 8s\n")
TMO = {"ESTABLISHED": 9000, "FIN_WAIT_1": 3000, "FIN_WAIT_2": 3000, "CLOSE_WAIT": 4000,
       "LAST_ACK": 5000, "CLOSING": 6000, "TIME_WAIT": 7000, "CLOSED": 8000}

DRIVE = {
    "ESTABLISHED": [],
    "FIN_WAIT_1": [("c", "FA")],
    "FIN_WAIT_2": [("c", "FA"), ("s", "A")],
    "CLOSE_WAIT": [("s", "FA")],
    "LAST_ACK": [("s", "FA"), ("c", "FA")],
    "CLOSING": [("c", "FA"), ("s", "FA*")],
    "TIME_WAIT": [("c", "FA"), ("s", "FA"), ("c", "A")],
    "CLOSED": [("c", "R")],
}


@pytest.mark.parametrize("st", list(TMO))
def test_state_timeout(start, st):
    """Each state's idle timeout from [timeouts], counted from the last accepted segment."""
    h = start(TMO_CFG)
    f = _established(h)
    c_nxt = f.snd_c
    for side, fl in DRIVE[st]:
        if side == "c":
            f.c2s(flags=fl, ack=0 if fl == "R" else None, win=0 if fl == "R" else None,
                  ts=fl != "R")
        elif fl == "FA*":
            f.s2c(flags="FA", ack=c_nxt)
        else:
            f.s2c(flags=fl)
    assert state(h) == st
    _expire_after(h, TMO[st])
    assert h.counters()["flows_expired"] == 1


def test_traffic_rearms_timeout(start):
    h = start(TMO_CFG)
    f = _established(h)
    for _ in range(3):
        h.advance(8000)
        assert h.expire() == []
        f.c2s(b"keepalive", flags="PA")
    _expire_after(h, TMO["ESTABLISHED"])


def test_service_timeout_override(start):
    h = start(make_config(service="timeout_time_wait = 2s\n"))
    f = _established(h)
    f.c2s(flags="FA")
    f.s2c(flags="FA")
    f.c2s(flags="A")
    assert state(h) == "TIME_WAIT"
    _expire_after(h, 2000)


@pytest.mark.parametrize("flags", ["R", "RA"])
def test_rst_in_time_wait_is_no_reset(h, flags):
    """A RST after the FIN teardown is forwarded but resets nothing: conn_reset stays 0."""
    f = _established(h)
    f.c2s(flags="FA")
    f.s2c(flags="FA")
    f.c2s(flags="A")
    assert state(h) == "TIME_WAIT"
    assert h.counters()["conn_closed"] == 1
    f.c2s(flags=flags, ack=0 if flags == "R" else None, win=0, ts=False)
    assert state(h) == "CLOSED"
    assert h.counters()["conn_reset"] == 0
    assert h.counters()["conn_closed"] == 1
