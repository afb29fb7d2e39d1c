# SPDX-License-Identifier: BSD-3-Clause
"""Golden-packet test helpers: a counting harness, the expected-frame model of a proxied flow.

Every expected frame is built from scratch (or copied from the input and edited) with its
length and checksum fields deleted, so scapy recomputes them; assert_frame() then compares
the whole frame byte for byte. A wrong checksum, TTL, MAC, option byte or window shows up as
a mismatch with a field-by-field diff.
"""
import difflib
import os
import pathlib

import pytest
from scapy.layers.inet import IP, TCP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from harness import Harness

HERE = pathlib.Path(__file__).resolve().parent
os.environ.setdefault("SW_HARNESS",
                      str(HERE.parents[1] / "build" / "tests" / "pcap" / "sw_harness"))

# ---------------------------------------------------------------------------------------------
# Addresses (198.18.0.0/15 and 2001:2::/48 only) and the default configuration
# ---------------------------------------------------------------------------------------------
CLI_MAC = "02:00:00:00:00:01"
SRV_MAC = "02:00:00:00:00:02"
CLI4, SRV4 = "198.18.1.1", "198.18.2.1"
CLI6, SRV6 = "2001:2:0:1::1", "2001:2:0:2::1"
OTHER4 = "198.18.3.1"  # not protected

START_MS = 1_000_000  # harness.c starts its clock at 1000 s
MASK32 = 0xFFFFFFFF
ADV_WS = 7  # window shift offered to clients when the service says "learn"
MSS_TABLE = {4: (536, 1300, 1460, 8960), 6: (1220, 1360, 1440, 8940)}
ADV_MSS = {4: 1460, 6: 1440}
GEN_TTL = 64  # TTL / hop limit of every packet synwall builds

# Default timeouts of config/synwall.ini (ms).
DEFAULT_TMO = {"ESTABLISHED": 3600_000, "FIN_WAIT_1": 120_000, "FIN_WAIT_2": 120_000,
               "CLOSE_WAIT": 60_000, "LAST_ACK": 30_000, "CLOSING": 30_000,
               "TIME_WAIT": 120_000, "CLOSED": 10_000}


def make_config(general="", service="", timeouts="", extra=""):
    """A config protecting 198.18.2.0/24 and 2001:2:0:2::/64, ports 80 and 443."""
    text = ("[ports]\noutside = o\ninside = i\n"
            "[general]\nflow_capacity = 1024\nmbufs = 1024\n" + general +
            "[service web]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80, 443\n" + service)
    if timeouts:
        text += "[timeouts]\n" + timeouts
    return text + extra


def u32(x):
    return x & MASK32


def mss_index(family, mss):
    """Cookie MSS table index: largest entry <= mss, the smallest below it or without MSS."""
    tab = MSS_TABLE[family]
    m = mss or 0
    return sum(1 for t in tab[1:] if m >= t)


def rescale(w, frm, to):
    """A window field scaled by `frm` re-expressed with shift `to` (never 0 from nonzero)."""
    if frm == to or w == 0:
        return w
    v = (w << frm) >> to
    return 1 if v == 0 else min(v, 0xFFFF)


NOP = ("NOP", None)


def syn_options(mss, sack, ts, ws):
    """SYN / SYN-ACK options in synwall's (Linux's) layout. ts: (tsval, tsecr) or None."""
    o = [("MSS", mss)]
    if ts is not None:
        o += [("SAckOK", b"")] if sack else [NOP, NOP]
        o += [("Timestamp", ts)]
    elif sack:
        o += [NOP, NOP, ("SAckOK", b"")]
    if ws is not None:
        o += [NOP, ("WScale", min(ws, 14))]
    return o


def ts_options(tsval, tsecr):
    return [NOP, NOP, ("Timestamp", (u32(tsval), u32(tsecr)))]


# ---------------------------------------------------------------------------------------------
# Frame comparison
# ---------------------------------------------------------------------------------------------
def recompute(p):
    """Copy of p with every length/checksum field cleared so that scapy recomputes it."""
    p = p.copy()
    if IP in p:
        del p[IP].len
        del p[IP].chksum
        del p[IP].ihl
    if IPv6 in p:
        del p[IPv6].plen
    if TCP in p:
        del p[TCP].chksum
        del p[TCP].dataofs
    if UDP in p:
        del p[UDP].len
        del p[UDP].chksum
    return Ether(bytes(p))


def assert_checksums(p):
    """The IPv4 header and TCP checksums of p are what scapy computes from its other bytes."""
    raw = bytes(p)
    q = Ether(raw)
    if IP in q:
        del q[IP].chksum
    if TCP in q:
        del q[TCP].chksum
    good = Ether(bytes(q))
    if IP in p:
        assert p[IP].chksum == good[IP].chksum, "IPv4 checksum 0x%04x, expected 0x%04x" % (
            p[IP].chksum, good[IP].chksum)
    if TCP in p:
        assert p[TCP].chksum == good[TCP].chksum, "TCP checksum 0x%04x, expected 0x%04x" % (
            p[TCP].chksum, good[TCP].chksum)


def _dump(p):
    return p.show2(dump=True).splitlines() + ["raw " + bytes(p).hex()]


def assert_frame(actual, expected, what="frame"):
    """actual (as synwall sent it) equals expected (lengths, sums recomputed), byte for byte."""
    exp = recompute(expected)
    if bytes(actual) == bytes(exp):
        return
    diff = "\n".join(difflib.unified_diff(_dump(exp), _dump(actual), "expected", "actual",
                                          lineterm="", n=1))
    raise AssertionError("%s differs from the golden frame:\n%s" % (what, diff))


def fragments(pkt, v6, ident=7):
    """pkt (Ether / IP / TCP / data) as two or more 1000-byte fragments, each a whole frame."""
    eth = pkt[Ether]
    if v6:
        ip = pkt[IPv6].copy()
        l4 = ip.payload
        ip.remove_payload()
        frags = fragment6(ip / IPv6ExtHdrFragment(id=ident) / l4, 1000)
    else:
        frags = fragment(pkt[IP], 1000)
    return [Ether(src=eth.src, dst=eth.dst) / f for f in frags]


def one(outs, port):
    """The single frame of outs, which must have left through port."""
    assert len(outs) == 1, "expected one frame out of %s, got %s" % (
        port, [(pt, f.summary()) for pt, f in outs])
    assert outs[0][0] == port, "frame left through %s, expected %s" % (outs[0][0], port)
    return outs[0][1]


def by_port(outs, port):
    return [f for pt, f in outs if pt == port]


# ---------------------------------------------------------------------------------------------
# The harness, counting what went in and out
# ---------------------------------------------------------------------------------------------
def _delta(now, base):
    """now - base over the stats JSON; zero drop causes left out, as synwall prints them."""
    if isinstance(now, dict):
        out = {k: _delta(v, base.get(k, 0) if isinstance(base, dict) else 0)
               for k, v in now.items()}
        return out
    return now - base


class CountingHarness(Harness):
    """Harness that remembers the clock and counts frames per port, for the accounting check.

    mark() starts a new test on a harness shared by several tests: stats(), counters(),
    drops() and flows() then report what changed since, and the accounting check covers
    only that test's frames. Each Flow gets its own client port and server address
    (next_flow()), so tests sharing a harness never meet each other's flows or learned
    backend options.
    """

    def __init__(self, config_text, tmp_path):
        tmp_path.mkdir(parents=True, exist_ok=True)
        super().__init__(config_text, tmp_path)
        self.now_ms = START_MS
        self.n_flows = 0
        self.base_stats = None
        self.base_flows = None
        self.n_in = {"o": 0, "i": 0}
        self.n_out = {"o": 0, "i": 0}

    def mark(self):
        self.base_stats = super().stats()
        self.base_flows = super().flows()
        self.n_in = {"o": 0, "i": 0}
        self.n_out = {"o": 0, "i": 0}

    def next_flow(self):
        """(client port, server IPv4, server IPv6) for a new Flow on this harness."""
        n = self.n_flows
        self.n_flows += 1
        assert n < 240, "too many flows on one harness for the address plan"
        if n == 0:
            return 40000, SRV4, SRV6
        return 40000 + n, "198.18.2.%d" % (10 + n), "2001:2:0:2::%x" % (0x10 + n)

    def stats(self):
        st = super().stats()
        if self.base_stats is None:
            return st
        d = _delta(st, self.base_stats)
        for p in d["ports"].values():
            p["drop_causes"] = {k: v for k, v in p["drop_causes"].items() if v}
        return d

    def flows(self):
        total, st = super().flows()
        if self.base_flows is None:
            return total, st
        btotal, bst = self.base_flows
        d = {k: st.get(k, 0) - bst.get(k, 0) for k in set(st) | set(bst)}
        return total - btotal, {k: v for k, v in d.items() if v}

    def send(self, port, *frames, ext=False):
        self.n_in[port] += len(frames)
        return super().send(port, *frames, ext=ext)

    def poll(self):
        return self._count(super().poll())

    def expire(self):
        assert self.base_stats is None, "expire() needs @pytest.mark.fresh"
        return self._count(super().expire())

    def advance(self, ms):
        assert self.base_stats is None, "advance() needs @pytest.mark.fresh"
        self.now_ms += ms
        super().advance(ms)

    def _count(self, outs):
        for port, _ in outs:
            self.n_out[port] += 1
        return outs

    def reload(self, config_text):
        """Swap in a new configuration (harness 'reload'); RuntimeError on config errors."""
        self.n_reload = getattr(self, "n_reload", 0) + 1
        path = self.cfg.parent / ("reload%d.ini" % self.n_reload)
        path.write_text(config_text)
        return self.cmd("reload %s" % path)

    def counters(self):
        return self.stats()["counters"]

    def drops(self):
        return {k: v for k, v in self.stats()["drops"].items() if v}

    def check_accounting(self):
        """Every received packet ended in exactly one bucket; tx matches what the test saw."""
        if self.p.poll() is not None:
            return  # the harness died: the test has already failed on it
        st = self.stats()
        ports = st["ports"]
        for name, p in ports.items():
            assert p["rx"] == p["fwd"] + p["answered"] + p["consumed"] + p["drops"], (name, p)
            assert p["drops"] == sum(p["drop_causes"].values()), (name, p)
            assert p["tx_drops"] == 0, (name, p)
        o, i = ports["outside"], ports["inside"]
        assert o["fwd"] == i["tx"] + i["tx_drops"] - i["generated"] - i["answered"], st
        assert i["fwd"] == o["tx"] + o["tx_drops"] - o["generated"] - o["answered"], st
        assert o["rx"] == self.n_in["o"] and i["rx"] == self.n_in["i"], (self.n_in, st)
        assert o["tx"] == self.n_out["o"] and i["tx"] == self.n_out["i"], (self.n_out, st)
        per_cause = {}
        for p in ports.values():
            for k, v in p["drop_causes"].items():
                per_cause[k] = per_cause.get(k, 0) + v
        assert per_cause == {k: v for k, v in st["drops"].items() if v}, st


class _Pool:
    """Starts harness processes ahead of use and lets them exit in the background.

    EAL start-up and clean-up take about 0.4 s per process; overlapping them with the
    previous test keeps the suite fast. Exit codes are still checked (at the latest when
    the session ends) and a failure names the test that used the process.
    """

    def __init__(self, base):
        self.base = base
        self.n = 0
        self.spare = None
        self.closing = []
        self.failures = []

    def _new(self, config_text):
        self.n += 1
        return CountingHarness(config_text, self.base / ("h%d" % self.n))

    def take(self, config_text):
        if config_text is None and self.spare is not None:
            h, self.spare = self.spare, None
        else:
            h = self._new(config_text or make_config())
        if self.spare is None:
            self.spare = self._new(make_config())
        return h

    def retire(self, h, who):
        try:
            h.p.stdin.write("quit\n")
            h.p.stdin.flush()
            h.p.stdin.close()
        except BrokenPipeError:
            pass
        self.closing.append((h, who))
        self.reap(block=False)

    def reap(self, block):
        left = []
        for h, who in self.closing:
            if block:
                try:
                    h.p.wait(timeout=30)
                except Exception:  # noqa: BLE001 - report and kill below
                    h.p.kill()
                    h.p.wait()
            if h.p.poll() is None:
                left.append((h, who))
                continue
            if h.p.returncode != 0:
                self.failures.append("%s: harness exit code %s\n%s" % (
                    who, h.p.returncode, h.p.stderr.read()))
            h.p.stdout.close()
            h.p.stderr.close()
        self.closing = left

    def finish(self):
        if self.spare is not None:
            self.retire(self.spare, "(spare)")
            self.spare = None
        self.reap(block=True)


@pytest.fixture(scope="session")
def _pool(tmp_path_factory):
    pool = _Pool(tmp_path_factory.mktemp("harness"))
    yield pool
    pool.finish()
    assert not pool.failures, "\n".join(pool.failures)


@pytest.fixture
def start(_pool, request):
    """start(config_text=None) -> CountingHarness; accounting checked at teardown."""
    made = []

    def _start(config_text=None):
        h = _pool.take(config_text)
        made.append(h)
        return h

    yield _start
    try:
        for h in made:
            h.check_accounting()
    finally:
        for h in made:
            _pool.retire(h, request.node.nodeid)


def pytest_configure(config):
    config.addinivalue_line("markers", "fresh: the test gets a harness of its own (needed to "
                            "move the clock, expire flows, reload, or rely on global state)")


@pytest.fixture(scope="module")
def _shared(_pool, request):
    sh = _pool.take(None)
    yield sh
    _pool.retire(sh, request.node.nodeid)


@pytest.fixture
def h(request, start):
    """A harness with the default configuration.

    Unmarked tests share one per module (the clock never moves there): counters, flows and
    the accounting check are relative to the test's start, and every Flow has its own
    addresses. Tests marked @pytest.mark.fresh get a new one.
    """
    if request.node.get_closest_marker("fresh") is not None:
        yield start()
        return
    sh = request.getfixturevalue("_shared")
    if sh.p.poll() is not None:
        pytest.fail("the module's shared harness died in an earlier test")
    sh.mark()
    yield sh
    sh.check_accounting()


# ---------------------------------------------------------------------------------------------
# The model of one proxied connection
# ---------------------------------------------------------------------------------------------
class Flow:
    """One client connection through synwall, with the expected frame of every step.

    Client SYN options: mss (None = absent), sack, ts, ws (None = absent), ecn.
    Backend SYN-ACK options: b_mss, b_sack, b_ts, b_ws (the backend only agrees to what the
    SYN it got offered); b_ecn: it agrees to ECN when asked. adv_*: what the service offers clients (config / learned).
    Sequence numbers: the client stream is the same on both wires; the server stream is
    K-based on the inside and C-based (the cookie) on the outside, delta = K - C.
    """

    def __init__(self, h, v6=False, sport=None, dport=80, cli=None, srv=None, isn=1000,
                 mss=1460, sack=True, ts=True, ws=7, ecn=False,
                 b_mss=1460, b_sack=True, b_ts=True, b_ws=7, b_ecn=False, iss=5_000_000,
                 cwin=1024, bwin=65160,
                 adv_mss=None, adv_ws=ADV_WS, adv_sack=True, adv_ts=True, adv_ecn=False,
                 epoch_ms=60_000, vlan=None):
        self.h = h
        self.v6 = v6
        self.family = 6 if v6 else 4
        port, srv4, srv6 = h.next_flow()
        self.cli = cli or (CLI6 if v6 else CLI4)
        self.srv = srv or (srv6 if v6 else srv4)
        self.sport, self.dport = sport or port, dport
        self.isn, self.iss = u32(isn), u32(iss)
        self.mss, self.sack, self.ts, self.ws, self.ecn = mss, sack, ts, ws, ecn
        self.b_mss, self.b_sack, self.b_ts, self.b_ws = b_mss, b_sack, b_ts, b_ws
        self.cwin, self.bwin = cwin, bwin
        self.adv_mss = adv_mss or ADV_MSS[self.family]
        self.adv_ws, self.adv_sack, self.adv_ts, self.adv_ecn = adv_ws, adv_sack, adv_ts, adv_ecn
        self.epoch_ms = epoch_ms
        self.vlan = vlan
        # Negotiated, towards the client and towards the backend.
        self.ts_cli = ts and adv_ts  # TS-mode cookie, SYN-ACK and backend SYN carry TS
        self.ts_srv = self.ts_cli and b_ts
        self.ts_on = self.ts_srv  # timestamps translated
        self.cli_ws = ws is not None
        # WS in effect towards the client: it sent WS and the SYN-ACK had it (adv_ws None:
        # the service offers none, as learned from a backend that declines WS).
        self.adv_on = self.cli_ws and adv_ws is not None
        self.srv_ws = self.cli_ws and b_ws is not None
        self.ws_cli = min(ws, 14) if self.cli_ws else 0
        self.ws_srv = min(b_ws, 14) if self.srv_ws else 0
        self.sack_adv = sack and adv_sack
        # The backend SYN offers SACK only when it was negotiated with the client.
        self.srv_sack = self.sack_adv and b_sack
        self.ecn_on = ecn and adv_ecn and self.ts_cli
        self.b_ecn = b_ecn
        # Client agreed ECN, backend declined: its segments leave synwall Not-ECT.
        self.ecn_strip = self.ecn_on and not b_ecn
        self.cli_ecn = 0       # IP ECN field of the client's frames (cli_frame)
        # Shifts: own = what the sender applies, view = what the receiver applies.
        self.own_c = self.ws_cli if self.adv_on else 0
        self.view_c = self.ws_cli if self.srv_ws else 0
        self.own_s = self.ws_srv if self.srv_ws else 0
        self.view_s = self.adv_ws if self.adv_on else 0
        # Clocks and sequence state.
        self.tc = 100          # client TSval clock
        self.tb = 7_000_000    # backend TSval clock
        self.ip_id = 0x100
        self.C = None          # cookie (proxy ISN towards the client)
        self.P = None          # proxy SYN-ACK TSval
        self.B = None          # backend SYN-ACK TSval
        self.snd_c = u32(self.isn + 1)
        self.snd_s = u32(self.iss + 1)  # backend space
        self.ts_recent_c = 0   # last TSval the client got (client's view)
        self.ts_recent_s = 0   # last TSval the backend got
        self.syn_frame = self.ack3_frame = self.backend_syn = None

    # -- frame builders ---------------------------------------------------------------------
    def _l2(self, src, dst):
        e = Ether(src=src, dst=dst)
        if self.vlan is not None:
            e = e / Dot1Q(vlan=self.vlan)
        return e

    def _ip(self, src, dst, ttl, ip_id=None, flags=0):
        if self.v6:
            return IPv6(src=src, dst=dst, hlim=ttl, tc=0, fl=0)
        if ip_id is None:
            self.ip_id += 1
            ip_id = self.ip_id
        return IP(src=src, dst=dst, ttl=ttl, id=ip_id, flags=flags, tos=0)

    def cli_frame(self, flags, seq, ack=0, win=None, options=(), payload=b"", sport=None,
                  ttl=50):
        p = (self._l2(CLI_MAC, SRV_MAC) / self._ip(self.cli, self.srv, ttl) /
             TCP(sport=sport or self.sport, dport=self.dport, flags=flags, seq=u32(seq),
                 ack=u32(ack), window=self.cwin if win is None else win, options=list(options)))
        if self.cli_ecn:
            if self.v6:
                p[IPv6].tc |= self.cli_ecn
            else:
                p[IP].tos |= self.cli_ecn
        return p / Raw(payload) if payload else p

    def srv_frame(self, flags, seq, ack=0, win=None, options=(), payload=b"", ttl=60):
        p = (self._l2(SRV_MAC, CLI_MAC) / self._ip(self.srv, self.cli, ttl) /
             TCP(sport=self.dport, dport=self.sport, flags=flags, seq=u32(seq), ack=u32(ack),
                 window=self.bwin if win is None else win, options=list(options)))
        return p / Raw(payload) if payload else p

    def gen(self, src_mac, dst_mac, src, dst, like, tcp):
        """Expected packet synwall builds from `like` (IP id, DSCP and flow label kept, the ECN
        field Not-ECT as RFC 3168 6.1.1 and 6.1.4 want for SYNs, SYN-ACKs and pure ACKs, TTL 64,
        DF)."""
        if self.v6:
            ip = IPv6(src=src, dst=dst, hlim=GEN_TTL, tc=like[IPv6].tc & 0xFC, fl=like[IPv6].fl)
        else:
            ip = IP(src=src, dst=dst, ttl=GEN_TTL, id=like[IP].id, flags="DF", frag=0,
                    tos=like[IP].tos & 0xFC)
        return self._l2(src_mac, dst_mac) / ip / tcp

    def to_client(self, like, tcp):
        return self.gen(SRV_MAC, CLI_MAC, self.srv, self.cli, like, tcp)

    def to_server(self, like, tcp):
        return self.gen(CLI_MAC, SRV_MAC, self.cli, self.srv, like, tcp)

    @property
    def delta(self):
        return u32(self.iss - self.C)

    @property
    def ts_delta(self):
        return u32(self.B - self.P)

    def parity(self):
        return (self.h.now_ms // self.epoch_ms) & 1

    # -- handshake --------------------------------------------------------------------------
    def syn_packet(self, isn=None, flags="S"):
        ts = (self.tc, 0) if self.ts else None
        opts = [o for o in syn_options(self.mss, self.sack, ts, self.ws)]
        if self.mss is None:
            opts = opts[1:]
        if self.ecn:
            flags += "EC"
        return self.cli_frame(flags, self.isn if isn is None else isn, 0, win=64240,
                              options=opts)

    def syn(self):
        """Client SYN -> cookie SYN-ACK; checks every field and the cookie's encoded bits."""
        self.syn_frame = syn = self.syn_packet()
        sa = one(self.h.send("o", syn), "o")
        self.check_synack(sa, syn)
        return sa

    def check_synack(self, sa, syn):
        assert TCP in sa, sa.summary()
        C = sa[TCP].seq
        ws_bits = self.ws_cli if self.cli_ws else 15
        mss_idx = mss_index(self.family, self.mss)
        tsval = None
        if self.ts_cli:
            # TS mode: cookie = hash | parity | MSS index; TSval low 6 bits = ws | S | E.
            assert C & 3 == mss_idx, "cookie MSS index %d, expected %d" % (C & 3, mss_idx)
            assert (C >> 2) & 1 == self.parity(), "cookie parity bit"
            opts = dict((k, v) for k, v in sa[TCP].options if k == "Timestamp")
            assert "Timestamp" in opts, "SYN-ACK without timestamps: %s" % sa[TCP].options
            tsval = opts["Timestamp"][0]
            low6 = (ws_bits << 2) | (int(self.sack_adv) << 1) | int(self.ecn_on)
            assert tsval & 0x3F == low6, "TSval low bits 0x%02x, expected 0x%02x" % (
                tsval & 0x3F, low6)
        else:
            low8 = (self.parity() << 7) | (ws_bits << 3) | (int(self.sack_adv) << 2) | mss_idx
            assert C & 0xFF == low8, "cookie low byte 0x%02x, expected 0x%02x" % (C & 0xFF, low8)
        ts = (tsval, self.tc) if self.ts_cli else None
        flags = "SA" + ("E" if self.ecn_on else "")
        exp = self.to_client(syn, TCP(sport=self.dport, dport=self.sport, seq=C,
                                      ack=u32(syn[TCP].seq + 1), flags=flags, window=0,
                                      urgptr=0,
                                      options=syn_options(self.adv_mss, self.sack_adv, ts,
                                                          self.adv_ws if self.adv_on else None)))
        assert_frame(sa, exp, "cookie SYN-ACK")
        self.C, self.P = C, tsval
        return sa

    def ack3_packet(self, ack=None, tsecr=None, seq=None, payload=b""):
        opts = ts_options(self.tc, self.P if tsecr is None else tsecr) if self.ts_cli else []
        return self.cli_frame("A", self.isn + 1 if seq is None else seq,
                              u32(self.C + 1) if ack is None else ack, win=self.cwin,
                              options=opts, payload=payload)

    def ack3(self):
        """Third ACK -> backend SYN with the client's ISN and options, window unscaled."""
        self.tc += 5
        self.ack3_frame = a = self.ack3_packet()
        bs = one(self.h.send("o", a), "i")
        synwin = min(self.cwin << self.ws_cli, 0xFFFF) if self.adv_on else self.cwin
        q_mss = MSS_TABLE[self.family][mss_index(self.family, self.mss)]
        ts = (self.tc, 0) if self.ts_cli else None
        flags = "S" + ("EC" if self.ecn_on else "")
        exp = self.to_server(a, TCP(sport=self.sport, dport=self.dport, seq=self.isn, ack=0,
                                    flags=flags, window=synwin, urgptr=0,
                                    options=syn_options(q_mss, self.sack_adv, ts,
                                                        self.ws if self.cli_ws else None)))
        assert_frame(bs, exp, "backend SYN")
        self.backend_syn = bs
        self.ts_recent_s = self.tc
        return bs

    def synack_packet(self, ack=None):
        ts = (self.tb, self.ts_recent_s) if (self.ts_srv) else None
        opts = syn_options(self.b_mss, self.b_sack and self.srv_sack, ts,
                           self.b_ws if self.srv_ws else None)
        flags = "SA" + ("E" if self.ecn_on and self.b_ecn else "")
        return self.srv_frame(flags, self.iss, u32(self.isn + 1) if ack is None else ack,
                              win=self.bwin, options=opts)

    def expected_backend_ack(self, like):
        # TS echoes the SYN-ACK being answered (a retransmission has a newer TSval).
        opts = ts_options(self.ts_recent_s, dict(like[TCP].options)["Timestamp"][0]) \
            if self.ts_on else []
        return self.to_server(like, TCP(sport=self.sport, dport=self.dport,
                                        seq=u32(self.isn + 1), ack=u32(self.iss + 1),
                                        flags="A", urgptr=0,
                                        window=rescale(self.cwin, self.own_c, self.view_c),
                                        options=opts))

    def synack(self):
        """Backend SYN-ACK -> ACK to the backend + window update to the client."""
        self.B = self.tb if self.ts_srv else None
        sa = self.synack_packet()
        back, upd = self.check_synack_outs(sa, self.h.send("i", sa))
        if self.ts_srv:
            self.tb += 3
        return back, upd

    def check_synack_outs(self, sa, outs):
        """outs: the ACK to the backend and the window update made from SYN-ACK sa."""
        assert sorted(pt for pt, _ in outs) == ["i", "o"], [(pt, f.summary()) for pt, f in outs]
        back, upd = by_port(outs, "i")[0], by_port(outs, "o")[0]
        assert_frame(back, self.expected_backend_ack(sa), "ACK to the backend")
        opts = ts_options(self.P, self.ts_recent_s) if self.ts_cli else []
        exp = self.to_client(sa, TCP(sport=self.dport, dport=self.sport, seq=u32(self.C + 1),
                                     ack=u32(self.isn + 1), flags="A", urgptr=0,
                                     window=rescale(self.bwin, 0, self.view_s), options=opts))
        assert_frame(upd, exp, "window update to the client")
        if self.ts_cli:
            self.ts_recent_c = self.P
        return back, upd

    def open(self):
        self.syn()
        self.ack3()
        self.synack()
        return self

    # -- relay ------------------------------------------------------------------------------
    def xlate_c2s(self, p):
        e = p.copy()
        if self.ecn_strip:
            if self.v6:
                e[IPv6].tc &= 0xFC
            else:
                e[IP].tos &= 0xFC
                e[IP].chksum = None
        t = e[TCP]
        ackf = "A" in str(t.flags)
        if ackf:
            t.ack = u32(t.ack + self.delta)
        opts = []
        for k, v in t.options:
            if k == "Timestamp" and self.ts_on and ackf:
                v = (v[0], u32(v[1] + self.ts_delta))
            if k == "SAck":
                if self.srv_sack and self.b_sack:
                    v = tuple(u32(x + self.delta) for x in v)
                else:
                    opts += [NOP] * (2 + 4 * len(v))
                    continue
            opts.append((k, v))
        t.options = opts
        if "S" not in str(t.flags):
            t.window = rescale(t.window, self.own_c, self.view_c)
        return e

    def xlate_s2c(self, p):
        e = p.copy()
        t = e[TCP]
        t.seq = u32(t.seq - self.delta)
        opts = []
        for k, v in t.options:
            if k == "Timestamp" and self.ts_on:
                v = (u32(v[0] - self.ts_delta), v[1])
            opts.append((k, v))
        t.options = opts
        if "S" not in str(t.flags):
            t.window = rescale(t.window, self.own_s, self.view_s)
        return e

    def c2s(self, payload=b"", flags="A", seq=None, ack=None, win=None, sack=None,
            expect="fwd", ts=True):
        """Client segment; expect 'fwd' (checked translated on the inside) or 'drop'."""
        seq = self.snd_c if seq is None else seq
        ack = u32(self.snd_s - self.delta) if ack is None else ack
        opts = []
        if self.ts_cli and ts:
            self.tc += 7
            opts += ts_options(self.tc, self.ts_recent_c)
        if sack:
            opts += [NOP, NOP, ("SAck", tuple(u32(x) for x in sack))]
        p = self.cli_frame(flags, seq, ack, win=win, options=opts, payload=payload)
        outs = self.h.send("o", p)
        if expect == "fwd":
            assert_frame(one(outs, "i"), self.xlate_c2s(p), "client segment on the inside")
            end = u32(seq + len(payload) + (1 if "F" in flags else 0))
            if u32(end - self.snd_c) < 1 << 31 and "R" not in flags:
                self.snd_c = end
            if self.ts_cli and ts:
                self.ts_recent_s = self.tc
        else:
            assert outs == [], "expected a drop, got %s" % [(pt, f.summary()) for pt, f in outs]
        return p, outs

    def s2c(self, payload=b"", flags="A", seq=None, ack=None, win=None, expect="fwd",
            ts=True, sack=None):
        """Backend segment (backend numbering); expect 'fwd' or 'drop'."""
        seq = self.snd_s if seq is None else seq
        ack = self.snd_c if ack is None else ack
        opts = []
        if sack:
            opts += [NOP, NOP, ("SAck", tuple(u32(x) for x in sack))]
        if self.ts_srv and ts:
            self.tb += 3
            opts += ts_options(self.tb, self.ts_recent_s)
        win = (self.bwin >> self.ws_srv) if win is None else win
        p = self.srv_frame(flags, seq, ack, win=win, options=opts, payload=payload)
        outs = self.h.send("i", p)
        if expect == "fwd":
            exp = self.xlate_s2c(p)
            assert_frame(one(outs, "o"), exp, "server segment on the outside")
            end = u32(seq + len(payload) + (1 if "F" in flags else 0))
            if u32(end - self.snd_s) < 1 << 31 and "R" not in flags:
                self.snd_s = end
            if self.ts_srv and ts:
                self.ts_recent_c = exp[TCP].options[-1][1][0]
        else:
            assert outs == [], "expected a drop, got %s" % [(pt, f.summary()) for pt, f in outs]
        return p, outs


def flows(h):
    """(total, {state: n}) with a consistency check of the two."""
    total, st = h.flows()
    assert total == sum(st.values()), (total, st)
    return total, st
