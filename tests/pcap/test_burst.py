# SPDX-License-Identifier: BSD-3-Clause
"""Several client SYNs in one burst: the worker starts each cookie on arrival and finishes
them together at the end of the burst (dp_syn_flush). Every SYN-ACK must carry its own
SYN's cookie: each third ACK, sent afterwards, opens its connection."""
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from conftest import CLI4, CLI6, CLI_MAC, SRV4, SRV6, SRV_MAC, make_config, syn_options, u32
from test_vlan import TAGS, tagged

CFG = make_config(service="vlan = none, 10\n")


def _frame(tags, v6, sport, seq, flags, ack=0, options=()):
    l3 = IPv6(src=CLI6, dst=SRV6, hlim=50) if v6 else IP(src=CLI4, dst=SRV4, ttl=50)
    return (tagged(Ether(src=CLI_MAC, dst=SRV_MAC), tags) / l3 /
            TCP(sport=sport, dport=80, flags=flags, seq=seq, ack=ack, window=502,
                options=list(options)))


@pytest.mark.parametrize("n", [2, 8, 32])
def test_syns_in_one_burst(start, n):
    h = start(CFG)
    conns = []
    for i in range(n):
        tags = [[], TAGS["dot1q"], TAGS["qinq_88a8"]][i % 3]
        v6 = i % 4 == 3
        ts = (1000 + i, 0) if i % 2 == 0 else None
        conns.append((tags, v6, 40000 + i, u32(0x1000 * i + 7), ts))
    syns = [_frame(t, v6, sp, isn, "S", options=syn_options(1460, True, ts, 7))
            for t, v6, sp, isn, ts in conns]
    outs = h.send("o", *syns)
    sas = {}
    for port, f in outs:
        assert port == "o" and str(f[TCP].flags) == "SA"
        sas[f[TCP].dport] = f
    assert len(sas) == n
    for tags, v6, sp, isn, ts in conns:
        sa = sas[sp]
        assert sa[TCP].ack == u32(isn + 1)
        opts = []
        if ts is not None:
            tsval = dict(sa[TCP].options)["Timestamp"][0]
            opts = [("NOP", None), ("NOP", None), ("Timestamp", (ts[0] + 1, tsval))]
        ack = _frame(tags, v6, sp, u32(isn + 1), "A", ack=u32(sa[TCP].seq + 1), options=opts)
        outs = h.send("o", ack)
        assert [str(f[TCP].flags) for _, f in outs] == ["S"], "third ACK of %d" % sp
    c = h.counters()
    assert c["cookie_valid"] == n
    assert h.drops() == {}
