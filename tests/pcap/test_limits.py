# SPDX-License-Identifier: BSD-3-Clause
"""Limits: a full flow table (eviction), per-service SYN rate."""
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from conftest import CLI4, CLI_MAC, SRV4, SRV_MAC, Flow, flows, make_config, u32

BURST = 32  # frames the worker takes per port per poll


def _syn(sport, isn):
    return bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                 TCP(sport=sport, dport=80, flags="S", seq=isn, options=[("MSS", 1460)]))


def _ack(sport, isn, cookie):
    return bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=CLI4, dst=SRV4) /
                 TCP(sport=sport, dport=80, flags="A", seq=u32(isn + 1), ack=u32(cookie + 1),
                     window=1000))


def _open_syn_sent(h, sports):
    """Complete the client handshake for each port (no TS), leaving flows in SYN_SENT."""
    for i in range(0, len(sports), BURST):
        chunk = sports[i:i + BURST]
        outs = h.send("o", *[_syn(sp, sp * 7) for sp in chunk])
        assert len(outs) == len(chunk)
        cookie = {f[TCP].dport: f[TCP].seq for _, f in outs}
        outs = h.send("o", *[_ack(sp, sp * 7, cookie[sp]) for sp in chunk])
        assert [pt for pt, _ in outs] == ["i"] * len(chunk)


def _poll_all(h, rounds):
    outs = []
    for _ in range(rounds):
        outs += h.poll()
    return outs


@pytest.mark.fresh
def test_kept_syns_bounded_by_the_pool(start):
    """Kept backend SYNs pin mbufs of the pool the ports receive into; a backend that never
    answers must not let handshakes drain it. The harness pool has 8192 mbufs: one worker
    keeps at most 2048 (a quarter). Later backend SYNs go unkept (backend_syn_unkept), their
    flows wait the SYN_SENT timeout without retransmission, SYNs are still answered and a
    connection still completes through the splice."""
    h = start(make_config(general="flow_capacity = 16384\n").replace(
        "flow_capacity = 1024\n", ""))
    _open_syn_sent(h, list(range(20000, 20000 + 2048 + 256)))
    assert flows(h) == (2304, {"SYN_SENT": 2304})
    assert h.counters()["backend_syn_unkept"] == 256
    f = Flow(h).open()  # unkept as well: its window update is built without the copy
    f.c2s(b"still works", flags="PA")
    h.advance(1000)
    outs = []
    for _ in range(16384 // 32 + 4):
        outs += h.poll()
    rtx = {fr[TCP].sport for pt, fr in outs if pt == "i" and fr[TCP].flags == "S"}
    assert len(rtx) == 2048 and max(rtx) < 20000 + 2048 + 256
    assert flows(h)[1]["SYN_SENT"] == 2304, "unkept flows wait for the SYN_SENT timeout"


@pytest.mark.fresh
def test_eviction_of_syn_sent_flow(h):
    """Table full of SYN_SENT flows: a new third ACK evicts one; the new flow works fully."""
    sports = list(range(20000, 20000 + 1024))
    _open_syn_sent(h, sports)
    assert flows(h) == (1024, {"SYN_SENT": 1024})
    _open_syn_sent(h, [30000])
    assert flows(h) == (1024, {"SYN_SENT": 1024})
    assert h.counters()["flows_evicted"] == 1
    # One second later every live flow's backend SYN is retransmitted, the new one included.
    h.advance(1000)
    outs = _poll_all(h, 1024 // 32 + 4)  # expiry looks at >= 32 slots per poll
    rtx = {f[TCP].sport for pt, f in outs if pt == "i" and f[TCP].flags == "S"}
    assert 30000 in rtx, "the new flow's SYN was not retransmitted"
    assert len(rtx) == 1024
    assert flows(h) == (1024, {"SYN_SENT": 1024})


def test_service_syn_rate(start):
    """syn_rate = 10: a burst of 32 SYNs in one instant is not all answered; excess counted."""
    h = start(make_config(service="syn_rate = 10\n"))
    outs = h.send("o", *[_syn(sp, 1) for sp in range(21000, 21000 + BURST)])
    answered = len(outs)
    assert answered <= 20, "%d SYN-ACKs for syn_rate = 10" % answered
    assert h.drops() == {"rate_limit": BURST - answered}
    h.advance(2000)
    assert len(h.send("o", _syn(22000, 1))) == 1, "the limit must refill"


@pytest.mark.parametrize("workers,idx,share", [(2, 0, 2), (2, 1, 1), (4, 2, 1), (4, 3, 1),
                                               (3, 0, 1)])
def test_service_syn_rate_shares_add_up(start, workers, idx, share):
    """syn_rate = 3 over the workers: syn_rate / n each, one more for the first
    syn_rate % n, at least 1 (4 workers: 1 each, 4 SYN/s in all, no worker at 0)."""
    h = start(make_config(service="syn_rate = 3\n"))
    h.workers(workers, idx)
    outs = h.send("o", *[_syn(sp, 1) for sp in range(24000, 24000 + 8)])
    assert len(outs) == share, "worker %d of %d answered %d SYNs at once" % (
        idx, workers, len(outs))
    assert h.drops() == {"rate_limit": 8 - share}


@pytest.mark.fresh
def test_syn_banks_after_a_stalled_worker(h):
    """The detector reads the SYNs (and sources) of the second that just ended from the
    workers' two one-second banks. A worker that polls again only after more than a second
    (descheduled) must not leave the bank of two seconds ago for that second."""
    assert h.banks(1) == (0, 0)
    h.send("o", *[_syn(sp, 1) for sp in range(23000, 23003)])  # second 1000: bank 0
    assert h.banks(1) == (3, 0)
    h.advance(1000)
    h.send("o", *[_syn(sp, 1) for sp in range(23003, 23005)])  # second 1001: bank 1
    assert h.banks(1) == (3, 2)
    h.advance(2000)  # second 1003: the control thread reads bank 0 as second 1002's
    h.poll()
    assert h.banks(1) == (0, 0), "a skipped second kept the bank of second 1000"
    h.send("o", _syn(23005, 1))
    assert h.banks(1) == (0, 1)


def test_service_syn_rate_survives_reload(start):
    """A reload (here: another service added) gives a service's spent SYN budget no fresh
    burst: frequent reloads, e.g. deny-list pushes, must not each let a second's worth of
    SYNs more through. A new rate applies at once, within the tokens left."""
    cfg = make_config(service="syn_rate = 10\n")
    h = start(cfg)
    outs = h.send("o", *[_syn(sp, 1) for sp in range(21000, 21000 + BURST)])
    assert 0 < len(outs) <= 20
    assert h.reload(cfg + "[service other]\ndst = 198.18.9.0/24\nports = 80\n") == []
    assert h.send("o", _syn(22000, 1)) == [], "a reload refilled the spent budget"
    h.advance(2000)
    assert len(h.send("o", _syn(22001, 1))) == 1, "the limit must refill"


def test_source_syn_rate_limit(start):
    """src_syn_rate = 5, burst 5: a /24 gets 5 SYN-ACKs at once, the rest are dropped as
    rate_limit; another /24 has its own bucket; one second later 5 more get through."""
    h = start(make_config(general="src_syn_rate = 5\nsrc_syn_burst = 5\n"))

    def syns(net, n):
        return [bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src="198.19.%d.%d" % (net, i),
                                                           dst=SRV4) /
                      TCP(sport=2000 + i, dport=80, flags="S", seq=i)) for i in range(n)]

    assert len(h.send("o", *syns(7, 10))) == 5
    assert len(h.send("o", *syns(8, 3))) == 3
    assert h.stats()["drops"]["rate_limit"] == 5
    h.advance(1000)
    assert len(h.send("o", *syns(7, 10))) == 5
    assert h.stats()["drops"]["rate_limit"] == 10


@pytest.mark.parametrize("burst", [4294967, 4294968, 100000000])
def test_large_limits_do_not_wrap(start, burst):
    """Bursts and rates up to the documented 100000000: tokens are thousandths, which a
    32-bit count wrapped above 4294967 (every SYN refused). All 10 SYNs of one source
    and of a service at such a rate are answered."""
    h = start(make_config(general="src_syn_rate = 10\nsrc_syn_burst = %d\n" % burst))
    syns = [bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src="198.19.9.9", dst=SRV4) /
                  TCP(sport=3000 + i, dport=80, flags="S", seq=i)) for i in range(10)]
    assert len(h.send("o", *syns)) == 10
    h = start(make_config(service="syn_rate = %d\n" % burst))
    assert len(h.send("o", *[_syn(sp, 1) for sp in range(23000, 23010)])) == 10
    assert h.drops() == {}


def test_service_flow_share(start):
    """flow_share = 1 of a 1024-flow table: the service may hold 10 flows (1% is 10.24);
    the 11th valid third ACK is dropped as table_full and opens nothing."""
    h = start(make_config(service="flow_share = 1\n"))
    _open_syn_sent(h, list(range(21000, 21010)))
    assert flows(h) == (10, {"SYN_SENT": 10})
    outs = h.send("o", _syn(21010, 7))
    cookie = outs[0][1][TCP].seq
    assert h.send("o", _ack(21010, 7, cookie)) == []
    assert flows(h) == (10, {"SYN_SENT": 10})
    assert h.stats()["drops"]["table_full"] == 1


def _src_syn(src, sport):
    return bytes(Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=src, dst=SRV4) /
                 TCP(sport=sport, dport=80, flags="S", seq=sport))


# Three /24s whose buckets share one 2-way set of the harness's 65536-slot table (hash seed
# 0: rte_hash_crc, i.e. CRC32C, of the 16-byte prefix, seeded with the family).
_SET = ["198.19.7.1", "198.196.135.1", "199.47.216.1"]


def test_source_bucket_eviction_takes_the_least_recent(start):
    """The three prefixes collide: the third evicts the least recently refilled bucket, so
    the evicted source starts again with a full bucket (documented)."""
    h = start(make_config(general="src_syn_rate = 1\nsrc_syn_burst = 1\n"))
    s, a, c = _SET
    assert len(h.send("o", _src_syn(s, 4000))) == 1
    h.advance(1)
    assert len(h.send("o", _src_syn(a, 4001), _src_syn(a, 4002))) == 1
    h.advance(1)
    assert len(h.send("o", _src_syn(c, 4003))) == 1  # evicts s
    assert len(h.send("o", _src_syn(s, 4004))) == 1, "the prefixes do not collide"


def test_source_bucket_eviction_after_24_days(start):
    """A bucket last refilled more than 2^31 ms (24.9 days) ago is still the least recent
    one: a new prefix must evict it, not the source that was refilled a moment ago. The
    signed 32-bit comparison of the two refill times took the stale bucket for the newer
    one, so two busy sources sharing its set evicted each other and each got a full burst
    every time: no limit at all."""
    h = start(make_config(general="src_syn_rate = 1\nsrc_syn_burst = 1\n"))
    s, a, c = _SET
    assert len(h.send("o", _src_syn(s, 4000))) == 1
    h.advance(30 * 86400 * 1000)
    assert len(h.send("o", _src_syn(a, 4001), _src_syn(a, 4002))) == 1
    h.advance(1)
    assert len(h.send("o", _src_syn(c, 4003))) == 1  # must evict the stale s
    for i in range(4):
        assert h.send("o", _src_syn(a, 4010 + i)) == [], "a's bucket was evicted"
        assert h.send("o", _src_syn(c, 4020 + i)) == [], "c's bucket was evicted"
