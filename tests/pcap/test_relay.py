# SPDX-License-Identifier: BSD-3-Clause
"""Relay translation when the backend's options differ from what the proxy advertised."""
import pytest
from scapy.layers.inet import TCP
from scapy.packet import Padding

from conftest import Flow, assert_frame, flows, make_config, one, u32

WINDOWS = [0, 1, 3, 100, 509, 65535]


@pytest.mark.parametrize("cws,bws", [(7, 0), (7, None), (7, 14), (0, 7), (14, 2), (2, 14),
                                     (None, 7)],
                         ids=["c7-b0", "c7-bnone", "c7-b14", "c0-b7", "c14-b2", "c2-b14",
                              "cnone-b7"])
def test_window_rescaling(h, cws, bws):
    """Windows re-expressed from the sender's shift to the receiver's (advertised 7)."""
    f = Flow(h, ws=cws, b_ws=bws, bwin=65535, cwin=700).open()
    for w in WINDOWS:
        f.s2c(b"s", flags="PA", win=w)
        f.c2s(b"c", flags="PA", win=w)
    assert flows(h) == (1, {"ESTABLISHED": 1})


def test_backend_without_sack(h):
    """The backend refused SACK: client SACK blocks become NOPs (same length, valid checksum)."""
    f = Flow(h, b_sack=False).open()
    f.s2c(b"a" * 100, flags="PA")
    f.s2c(b"b" * 100, flags="PA")
    left = u32(f.snd_s - 100 - f.delta)
    for blocks in [(left, u32(left + 100)),
                   (left, u32(left + 50), u32(left + 60), u32(left + 100)),
                   (left, u32(left + 10), u32(left + 20), u32(left + 30), u32(left + 40),
                    u32(left + 50))]:
        p, outs = f.c2s(ack=u32(left - 100), sack=blocks)
        assert "SAck" not in dict(outs[0][1][TCP].options)


def test_server_sack_blocks_unchanged(h):
    """Server SACK blocks are client-stream numbers: identical on both wires."""
    f = Flow(h).open()
    f.c2s(b"a" * 100, flags="PA")
    f.c2s(b"b" * 100, flags="PA")
    j = f.snd_c
    f.s2c(ack=u32(j - 200), sack=(u32(j - 100), j))


def test_backend_without_timestamps(h):
    """The backend refused TS: client TSecr is not translated, server segments carry none."""
    f = Flow(h, b_ts=False).open()
    assert not f.ts_on
    f.c2s(b"x" * 10, flags="PA")
    f.s2c(b"y" * 10, flags="PA")
    f.c2s()


def test_backend_without_wscale_and_sack_and_ts(h):
    f = Flow(h, b_ws=None, b_sack=False, b_ts=False, b_mss=536, bwin=29200).open()
    f.c2s(b"x" * 10, flags="PA", win=5000)
    f.s2c(b"y" * 10, flags="PA", win=29200)
    left = u32(f.snd_s - 5 - f.delta)
    f.c2s(sack=(left, u32(left + 5)))


def test_timestamp_translation_follows_backend_clock(h):
    """TSval of the server = proxy clock + (backend clock - backend SYN-ACK TSval)."""
    f = Flow(h).open()
    for step in (1, 1000, 0x7FFFFFFF):
        f.tb = u32(f.tb + step)
        p, outs = f.s2c(b"t", flags="PA")
        tsval = dict(outs[0][1][TCP].options)["Timestamp"][0]
        assert tsval == u32(f.P + (dict(p[TCP].options)["Timestamp"][0] - f.B))
        f.c2s()


def test_padded_ack_forwarded(h):
    """A 60-byte Ethernet frame (padding after the IP packet) is translated, padding kept."""
    f = Flow(h, ts=False).open()
    p = f.cli_frame("A", f.snd_c, u32(f.snd_s - f.delta))
    raw = bytes(p) + b"\x00" * (60 - len(bytes(p)))
    out = one(h.send("o", raw), "i")
    exp = f.xlate_c2s(p) / Padding(b"\x00" * (60 - len(bytes(p))))
    assert_frame(out, exp, "padded ACK")
    assert len(bytes(out)) == 60


@pytest.mark.parametrize("what", ["ack_unsent", "beyond_window", "no_ack_flag"])
def test_unacceptable_segments_dropped(h, what):
    """RFC 9293 3.10.7.4: ACK of unsent data, data beyond the window, no ACK flag: dropped."""
    f = Flow(h).open()
    f.s2c(b"r" * 10, flags="PA")
    if what == "ack_unsent":
        f.c2s(flags="A", ack=u32(f.snd_s - f.delta + 1000), expect="drop")
    elif what == "beyond_window":
        f.c2s(b"z", flags="PA", seq=u32(f.snd_c + (1 << 24)), expect="drop")
    else:
        f.c2s(b"z", flags="P", expect="drop")
    assert h.drops() == {"conn_invalid": 1}
    assert flows(h) == (1, {"ESTABLISHED": 1})
    f.c2s(b"ok", flags="PA")


def test_client_segment_before_window_update_absorbed(h):
    """Between the third ACK and the backend's SYN-ACK, client data is absorbed (window 0)."""
    f = Flow(h)
    f.syn()
    f.ack3()
    p = f.cli_frame("PA", f.snd_c, u32(f.C + 1), payload=b"too early")
    assert h.send("o", p) == []
    f.synack()
    f.c2s(b"too early", flags="PA")


@pytest.mark.fresh
def test_reload_same_service_keeps_flows(h):
    f = Flow(h).open()
    f.c2s(b"before", flags="PA")
    assert h.reload(make_config(general="cookie_epoch = 30s\n")) == []
    f.c2s(b"after", flags="PA")
    f.s2c(b"reply", flags="PA")
    assert flows(h) == (1, {"ESTABLISHED": 1})


@pytest.mark.parametrize("mtu0,mtu1", [(1500, 9000), (9000, 1500)])
def test_reload_keeps_running_mtu(start, mtu0, mtu1):
    """[general] mtu needs a restart: after a reload that changes it, SYN-ACKs still offer
    the MSS of the MTU the ports run with (before a backend is learned: 1460, or 8960 for
    9000), not the file's."""
    h = start(make_config(general="mtu = %d\n" % mtu0))
    want = 1460 if mtu0 == 1500 else mtu0 - 40

    def offered():
        sa = one(h.send("o", Flow(h).syn_packet()), "o")
        return dict(sa[TCP].options)["MSS"]

    assert offered() == want
    assert h.reload(make_config(general="mtu = %d\n" % mtu1)) == []
    assert offered() == want


@pytest.mark.fresh
@pytest.mark.parametrize("change", ["removed", "pass"])
def test_reload_keeps_spliced_flows(h, change):
    """A spliced flow can only live translated: a reload must not bridge it raw."""
    f = Flow(h).open()
    f.c2s(b"before", flags="PA")
    if change == "removed":
        cfg = make_config().replace("dst = 198.18.2.0/24, 2001:2:0:2::/64", "dst = 198.18.7.0/24")
    else:
        cfg = make_config(service="action = pass\n")
    assert h.reload(cfg) == []
    f.c2s(b"after", flags="PA")
    f.s2c(b"reply", flags="PA")
