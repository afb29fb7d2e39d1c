# SPDX-License-Identifier: BSD-3-Clause
"""Cookie SYN-ACKs from both builders: the one-pass fast path (IPv4 without options, IPv6
without extension headers) and the generic one (everything else), byte for byte, with the
fields a fast path could get wrong (TOS, IP id, flow label, reserved TCP bits, odd payloads,
checksums)."""
import pytest
from scapy.layers.inet import IP, TCP, IPOption_NOP, IPOption_RR
from scapy.layers.l2 import Ether

from conftest import Flow, flows, make_config, one


def _answer(h, f, syn):
    syn = Ether(bytes(syn))  # recompute lengths and checksums of the edited frame
    sa = one(h.send("o", syn), "o")
    f.check_synack(sa, syn)
    assert flows(h) == (0, {})
    assert h.drops() == {}
    return sa


@pytest.mark.parametrize("opts", [[IPOption_NOP()] * 4,
                                  [IPOption_RR(routers=["198.18.9.9"]), IPOption_NOP()]],
                         ids=["nops", "record_route"])
def test_syn_with_ipv4_options_answered_without_them(h, opts):
    """IPv4 options (generic builder): the SYN-ACK has a 20-byte header, id and TOS kept."""
    f = Flow(h)
    syn = f.syn_packet()
    syn[IP].options = opts
    syn[IP].tos = 0x28
    sa = _answer(h, f, syn)
    assert sa[IP].ihl == 5 and sa[IP].options == []
    f.ack3()


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("vlan", [None, 7], ids=["untagged", "vlan"])
def test_syn_header_fields_kept_or_reset(h, v6, vlan):
    """DSCP, IP id and flow label are kept, the ECN field Not-ECT; TTL 64, DF; reserved TCP
    bits and NS cleared; urgent pointer zeroed (URG is not set); the handshake completes."""
    f = Flow(h, v6=v6, vlan=vlan)
    syn = f.syn_packet()
    if v6:
        syn["IPv6"].tc = 0xB9
        syn["IPv6"].fl = 0xABCDE
    else:
        syn[IP].tos = 0xB9
        syn[IP].id = 0xFFFF
    syn[TCP].reserved = 7
    syn[TCP].flags = "SN" if not f.ecn else syn[TCP].flags
    syn[TCP].urgptr = 0x1234
    _answer(h, f, syn)
    f.ack3()


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
@pytest.mark.parametrize("n", [1, 3, 7, 16, 17], ids=lambda n: "payload%d" % n)
def test_syn_with_odd_and_even_payloads(h, v6, n):
    """The SYN's checksum covers its payload (odd lengths pad a zero byte); the reply has none."""
    f = Flow(h, v6=v6)
    sa = _answer(h, f, f.syn_packet() / (b"\xff" * n))
    assert len(sa[TCP].payload) == 0


@pytest.mark.parametrize("where", ["v4_tcp", "v4_ip", "v6_tcp"])
@pytest.mark.parametrize("n", [0, 3], ids=lambda n: "payload%d" % n)
def test_syn_bad_checksum_dropped(h, where, n):
    """One flipped bit in the TCP checksum or the IPv4 header's is bad_csum."""
    v6 = where.startswith("v6")
    f = Flow(h, v6=v6)
    syn = bytearray(bytes(Ether(bytes(f.syn_packet() / (b"\x01" * n)))))
    syn[14 + 10 if where == "v4_ip" else 14 + (40 if v6 else 20) + 16] ^= 0x01
    assert h.send("o", Ether(bytes(syn))) == []
    assert h.drops() == {"bad_csum": 1}


def test_syn_with_ipv4_options_bad_checksum_dropped(h):
    """The generic checksum check still runs for a SYN with IPv4 options."""
    f = Flow(h)
    syn = f.syn_packet()
    syn[IP].options = [IPOption_NOP()] * 4
    raw = bytearray(bytes(Ether(bytes(syn))))
    raw[14 + 24 + 16] ^= 0x80
    assert h.send("o", Ether(bytes(raw))) == []
    assert h.drops() == {"bad_csum": 1}


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_syn_without_options_grows_to_mss_option(h, v6):
    """A 20-byte SYN header: the SYN-ACK grows by the MSS option (frame longer than the SYN)."""
    f = Flow(h, v6=v6, mss=None, sack=False, ts=False, ws=None)
    syn = f.syn_packet()
    assert syn[TCP].options == []
    sa = _answer(h, f, syn)
    assert [k for k, _ in sa[TCP].options] == ["MSS"]


# The SYN path skips the backend's learned slot when a service configures MSS, window scale,
# SACK and timestamps (proxy_syn.c, adv_opts): the same offer either way, unless one of them
# is learned after all.
ALL_SET = "mss = 1200\nwscale = 3\nsack = off\ntimestamps = on\n"


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_all_options_configured_ignore_learned(start, v6):
    """All four configured: offered before and after a backend with other options is learned."""
    h = start(make_config(service=ALL_SET))
    adv = dict(adv_mss=1200, adv_ws=3, adv_sack=False, adv_ts=True)
    first = Flow(h, v6=v6, b_mss=1300, b_sack=True, b_ts=False, b_ws=10, **adv).open()
    Flow(h, v6=v6, srv=first.srv, b_mss=1300, b_sack=True, b_ts=False, b_ws=10, **adv).open()
    assert h.drops() == {}


@pytest.mark.parametrize("learned", ["mss", "sack", "timestamps"])
def test_one_option_learned_is_looked_up(start, learned):
    """Three configured, the fourth learned: the learned backend's value is offered."""
    service = {"mss": "wscale = 3\nsack = on\ntimestamps = on\n",
               "sack": "mss = 1200\nwscale = 3\nsack = learn\ntimestamps = on\n",
               "timestamps": "mss = 1200\nwscale = 3\nsack = on\ntimestamps = learn\n"}[learned]
    adv = dict(adv_mss=1200, adv_ws=3)
    if learned == "mss":
        adv["adv_mss"] = None  # the default before the backend is learned
    h = start(make_config(service=service))
    first = Flow(h, b_mss=1300, **adv).open()
    adv["adv_mss"] = 1300 if learned == "mss" else 1200
    # Learned SACK and TS on, as in the unlearned offer: learned off below.
    f = Flow(h, srv=first.srv, b_mss=1300, **adv).open()
    b = dict(b_sack=learned != "sack", b_ts=learned != "timestamps")
    second = Flow(h, srv=f.srv, b_mss=1300, **b, **adv).open()
    Flow(h, srv=second.srv, b_mss=1300, **b, **adv, adv_sack=b["b_sack"],
         adv_ts=b["b_ts"]).open()
    assert h.drops() == {}
