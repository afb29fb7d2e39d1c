# SPDX-License-Identifier: BSD-3-Clause
"""NIC checksum offloads ([ports] csum_offload): the RX verdicts the NIC gives are used,
and with TX insertion on both ports the one-pass packets ask the NIC for their checksums.

The harness inserts the checksums a frame asks for as a NIC would, from what synwall left
in the fields (0 in the IPv4 header, the pseudo header's sum in TCP): the Flow model's
byte-for-byte checks then prove those values, and `sw_tx_csum` shows which frames asked.
"""
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from conftest import Flow, assert_checksums, flows, one


@pytest.fixture
def tx(h):
    """Both ports insert checksums on TX for the test's length."""
    h.txcsum(True)
    yield h
    h.txcsum(False)


@pytest.fixture
def rx(h):
    """RX verdicts set by the test with h.rxcsum(); back to none after it."""
    yield h
    h.rxcsum("unknown", "unknown")


def corrupt(frame, layer=TCP):
    """frame with a wrong checksum in `layer` (scapy's right one, bits flipped)."""
    p = Ether(bytes(frame))
    p[layer].chksum ^= 0x5A5A
    return p


def asked(f, v6):
    assert f.sw_tx_csum == ("tcp" if v6 else "ip,tcp"), (
        "%s asked the NIC for '%s'" % (f.summary(), f.sw_tx_csum))


@pytest.mark.parametrize("v6,ts,vlan", [(False, True, None), (False, False, None),
                                         (True, True, None), (False, True, 7)],
                         ids=["v4", "v4-nots", "v6", "vlan"])
def test_tx_offload_setup_packets(tx, v6, ts, vlan):
    """SYN-ACK, backend SYN, ACK to the backend and window update leave their sums to the
    NIC; once inserted, every byte is the software path's. Relayed segments ask nothing."""
    f = Flow(tx, v6=v6, ts=ts, vlan=vlan)
    asked(f.syn(), v6)
    asked(f.ack3(), v6)
    back, upd = f.synack()
    asked(back, v6)
    asked(upd, v6)
    _, outs = f.c2s(b"GET / HTTP/1.0\r\n\r\n", flags="PA")
    out = one(outs, "i")
    assert out.sw_tx_csum == ""
    assert flows(tx) == (1, {"ESTABLISHED": 1})


def test_tx_offload_same_bytes_as_software(h, tx):
    """The same SYN answered with and without TX insertion: the same frame on the wire."""
    f = Flow(h)
    syn = f.syn_packet()
    tx.txcsum(False)
    soft = one(h.send("o", syn), "o")
    assert soft.sw_tx_csum == ""
    tx.txcsum(True)
    hard = one(h.send("o", syn), "o")
    asked(hard, False)
    assert bytes(hard) == bytes(soft)


def test_tx_offload_generic_builder_sums_itself(tx):
    """A SYN with IPv4 options takes the generic builder: full sums, nothing asked."""
    f = Flow(tx)
    syn = f.syn_packet()
    syn[IP].options = [b"\x01\x01\x01\x00"]  # NOP NOP NOP EOL
    del syn[IP].ihl, syn[IP].len, syn[IP].chksum, syn[TCP].chksum
    sa = one(tx.send("o", Ether(bytes(syn))), "o")
    assert sa.sw_tx_csum == ""
    assert sa[TCP].flags == "SA"
    assert_checksums(sa)


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_rx_good_is_trusted(rx, v6):
    """L4 (and, for IPv4, IP) GOOD: the NIC verified, synwall does not sum again."""
    f = Flow(rx, v6=v6)
    rx.rxcsum("unknown" if v6 else "good", "good")
    # A NIC would not say GOOD here: the proof that its verdict, not a sum, decided.
    sa = one(rx.send("o", corrupt(f.syn_packet())), "o")
    assert sa[TCP].flags == "SA"
    assert rx.drops() == {}


@pytest.mark.parametrize("ip,l4", [("good", "bad"), ("bad", "good"), ("unknown", "bad"),
                                   ("bad", "unknown")])
def test_rx_bad_is_dropped(rx, ip, l4):
    """A BAD verdict drops a right segment as bad_csum."""
    f = Flow(rx)
    rx.rxcsum(ip, l4)
    assert rx.send("o", f.syn_packet()) == []
    assert rx.drops() == {"bad_csum": 1}


@pytest.mark.parametrize("ip,l4,layer", [("none", "none", TCP), ("unknown", "none", TCP),
                                         ("unknown", "good", IP), ("none", "good", IP)],
                         ids=["none-tcp", "l4none-tcp", "ipunknown-ip", "ipnone-ip"])
def test_rx_without_verdict_is_summed(rx, ip, l4, layer):
    """NONE (partial checksum) and UNKNOWN are verified in software: a corrupted segment
    is dropped, a right one answered. An IPv4 header needs its own GOOD."""
    f = Flow(rx)
    rx.rxcsum(ip, l4)
    assert rx.send("o", corrupt(f.syn_packet(), layer)) == []
    assert rx.drops() == {"bad_csum": 1}
    sa = one(rx.send("o", f.syn_packet()), "o")
    assert sa[TCP].flags == "SA"


def test_rx_verdicts_on_the_third_ack(rx):
    """The third ACK: BAD drops it (no flow), GOOD lets a corrupted one open the flow."""
    f = Flow(rx)
    f.syn()
    rx.rxcsum("good", "bad")
    assert rx.send("o", f.ack3_packet()) == []
    assert rx.drops() == {"bad_csum": 1}
    assert flows(rx) == (0, {})
    rx.rxcsum("good", "good")
    bs = one(rx.send("o", corrupt(f.ack3_packet())), "i")
    assert bs[TCP].flags == "S"
    assert_checksums(bs)
    assert flows(rx) == (1, {"SYN_SENT": 1})
