/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN to a protected service: answer with a SYN-cookie SYN-ACK built in place, keep no state. */
#include <string.h>

#include <rte_byteorder.h>

#include "dp_internal.h"

/* Most option bytes sw_tcpopt_syn_build() writes: MSS, SACK-permitted + TS, NOP + WS. */
#define SYNACK_OPT_MAX 20
static_assert(SYNACK_OPT_MAX == 4 * SW_TCPOPT_SYN_WORDS_MAX, "SYN-ACK options are whole words");

/*
 * Sources and destinations a SYN proxy must never answer (RFC 4987 section
 * 3.3's reflection concern; RFC 1122 3.2.1.3, RFC 4291 2.7): unspecified,
 * loopback, multicast, limited broadcast and class E; a multicast Ethernet source.
 */
/* IPv4 first octets 0, 127 and 224-255 (0/8, 127/8, multicast, class E, broadcast). */
static const bool martian_v4[256] = {[0] = true, [127] = true, [224 ... 255] = true};

/* IPv6 unspecified, loopback and multicast, source or (final) destination. */
static bool
is_martian_v6(const uint8_t *frame, const struct sw_pkt_view *v)
{
	static const uint8_t zero[16], loop[16] = {[15] = 1};
	/* The final destination when a routing header is in transit (the reply's source). */
	const uint8_t *s6 = frame + v->l3_off + 8, *d6 = sw_pkt_dst(frame, v);

	return s6[0] == 0xff || d6[0] == 0xff || memcmp(s6, zero, 16) == 0 ||
		memcmp(s6, loop, 16) == 0 || memcmp(d6, zero, 16) == 0 || memcmp(d6, loop, 16) == 0;
}

static inline bool
is_martian(const uint8_t *frame, const struct sw_pkt_view *v)
{
	const uint8_t *ip = frame + v->l3_off;

	if (v->family == 4)
		return (frame[6] & 1) | martian_v4[ip[12]] | martian_v4[ip[16]];
	return (frame[6] & 1) || is_martian_v6(frame, v);
}

/*
 * A plain SYN (dp_is_plain with room for the largest reply) gets its
 * SYN-ACK in one pass: addresses and ports swapped, then dp_tcp_plain()
 * writes the option words, the header (window 0) and both checksums from
 * the values written. addr_sum is sw_csum_verify_tcp_addrs()'s (the swap
 * keeps the sum). Everything else takes the generic builders (build.c).
 */
static inline bool
is_plain(const struct dp_pkt *p)
{
	return dp_is_plain(p->m, &p->v, SW_TCP_HDR_MIN + SYNACK_OPT_MAX);
}

static __rte_always_inline void
synack_plain(struct rte_mbuf *m, const struct sw_pkt_view *v, uint32_t seq, uint32_t ack,
	uint8_t flags, const struct sw_tcpopt_syn *so, uint64_t addr_sum, const bool tx_ol)
{
	uint32_t w[SW_TCPOPT_SYN_WORDS_MAX];
	unsigned n = sw_tcpopt_syn_words(so, w);

	dp_swap_plain(rte_pktmbuf_mtod(m, uint8_t *), v);
	dp_tcp_plain(m, v, seq, ack, flags, 0, w, SW_TCPOPT_SYN_WORDS_MAX, n, addr_sum, tx_ol);
}

/* The SYN-ACK of a SYN that is not plain, by the generic builders. Returns 0 or -ENOSPC. */
static __rte_noinline int
synack_generic(
	struct dp_pkt *p, uint32_t seq, uint32_t ack, uint8_t flags, const struct sw_tcpopt_syn *so)
{
	uint8_t opt[SW_TCP_OPT_MAX];
	uint16_t opt_len = sw_tcpopt_syn_build(opt, so);

	dp_swap_l2_l3_l4(p->frame, &p->v);
	return dp_make_tcp(p->m, &p->v, seq, ack, flags, 0, opt, opt_len);
}

bool
dp_csum_nic(const struct dp_pkt *p, uint64_t *addr_sum)
{
	const uint64_t ol = p->m->ol_flags;
	const uint64_t l4 = ol & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	const uint64_t l3 = ol & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD && !p->v.is_fragment &&
		(p->v.family != 4 || l3 == RTE_MBUF_F_RX_IP_CKSUM_GOOD)) {
		const uint8_t *ip = p->frame + p->v.l3_off;

		/* IPv4 inline: sw_csum_addrs() for both costs 18 instructions per SYN. */
		*addr_sum = p->v.family == 4 ? (uint64_t)sw_ld32(ip + 12) + sw_ld32(ip + 16)
					     : sw_csum_addrs(p->frame, &p->v);
		return true;
	}
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD || l3 == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	return sw_csum_verify_tcp_addrs(p->frame, &p->v, addr_sum);
}

/* Options the proxy advertises to a service's clients in its SYN-ACK. */
struct dp_adv {
	uint16_t mss;
	uint8_t wscale;
	uint8_t opts; /* DP_ADV_SACK | DP_ADV_TS */
};

/* Options the proxy offers clients of this service: config overrides, else learned. */
static inline struct dp_adv
adv_opts(struct sw_worker *w, const struct sw_tuple *t, uint16_t sid, const struct dp_svc_syn *ss)
{
	const uint32_t epoch = w->keys.epoch;
	const uint8_t ws = dp_svc_wscale(w, sid, ss->wscale, epoch);
	unsigned slot;
	const struct sw_learned *l;
	struct dp_adv adv;

	/*
	 * The window scale must be known again when the third ACK arrives:
	 * the setting and a learned shift are both frozen per cookie epoch
	 * (dp_svc_wscale, dp_adv_wscale). The translation rescales the
	 * backend's windows to it (sw_conn_xlate).
	 */
	if (ws == SW_CONFIG_WSCALE_LEARN) {
		slot = dp_learned_slot(t);
		l = dp_learned_at(w, slot, t);
		adv.wscale = dp_adv_wscale_at(w, slot, l, epoch);
	} else {
		adv.wscale = ws;
		/*
		 * A service that configures all four (MSS, window scale, SACK
		 * and timestamps on or off) offers the same whether its backend
		 * is learned or not: mss_unlearned is mss_cfg and opts_unlearned
		 * is opts_set (runtime.c). No need to hash the destination.
		 */
		if (ss->mss_cfg != SW_CONFIG_MSS_LEARN && ss->opts_keep == 0) {
			adv.mss = ss->mss_cfg;
			adv.opts = ss->opts_set;
			return adv;
		}
		slot = dp_learned_slot(t);
		l = dp_learned_at(w, slot, t);
	}
	if (l != NULL) {
		adv.mss = ss->mss_cfg != SW_CONFIG_MSS_LEARN ? ss->mss_cfg : l->mss;
		adv.opts = (uint8_t)((((unsigned)l->sack * DP_ADV_SACK) |
					     ((unsigned)l->ts * DP_ADV_TS)) &
				   ss->opts_keep) |
			ss->opts_set;
	} else {
		adv.mss = ss->mss_unlearned[t->family != 4];
		adv.opts = ss->opts_unlearned;
	}
	return adv;
}

/*
 * Queue a SYN that passed every check for its cookie SYN-ACK at the end of
 * the burst (dp_syn_flush): q is the next free entry, its addr_sum filled;
 * o is the SYN's parsed options.
 */
static __rte_always_inline void
syn_queue(struct sw_worker *w, struct sw_syn_pending *q, struct dp_pkt *p,
	const struct dp_svc_syn *ss, const struct sw_tcpopt *o)
{
	const uint8_t flags = p->v.tcp_flags;
	const struct dp_adv adv = adv_opts(w, p->t, p->service_id, ss);
	struct sw_cookie_req *req = &w->syn_req[w->syn_n];
	/* SACK as negotiated with the client: the backend SYN offers exactly that. */
	const bool sack = o->has_sack_perm & !!(adv.opts & DP_ADV_SACK);
	const bool ts = o->has_ts & !!(adv.opts & DP_ADV_TS);
	/*
	 * ECN-setup SYN: ECE and CWR both set (RFC 3168 section 6.1.1); ecn_mask
	 * 0: never. Agreed only with timestamps: the cookie carries ECN in the
	 * TSval, so without them the third ACK could not tell the backend SYN.
	 */
	const uint8_t ece =
		(flags & ss->ecn_mask) == (SW_TCP_ECE | SW_TCP_CWR) && ts ? SW_TCP_ECE : 0;

	RTE_ASSERT(q == &w->syn_q[w->syn_n] && w->syn_n < SW_BURST);
	req->o.mss = o->has_mss ? o->mss : 0;
	req->o.wscale = o->wscale;
	req->o.has_wscale = o->has_wscale;
	req->o.sack_perm = sack;
	req->o.ecn = ece != 0;
	req->o.has_ts = ts;
	q->so.mss = adv.mss;
	q->so.wscale = adv.wscale;
	/* RFC 7323 2.2: only in reply to a SYN that had it; none when the backend declines WS. */
	q->so.has_wscale = o->has_wscale & (adv.wscale != SW_ADV_WS_NONE);
	q->so.has_sack_perm = sack;
	q->so.has_ts = ts;
	/* q->so.tsval: the clock and the cookie's bits, dp_syn_flush. */
	q->so.tsecr = o->tsval;
	req->t = p->t;
	req->isn = sw_rd32(dp_tcph(p) + SW_TCP_OFF_SEQ);
	q->p = p;
	q->flags = SW_TCP_SYN | SW_TCP_ACK | ece;
	w->syn_n++;
}

/*
 * The SYN-ACKs of the burst's n queued SYNs, their cookies made; tx_ol is
 * w->tx_csum. Returns how many could not be built. One loop that tests
 * tx_ol per SYN: a copy of the loop for each value saved 8 instructions
 * per SYN but cost 3 cycles (bench_dp 200000 20000, interleaved runs).
 */
static __rte_always_inline unsigned
synack_all(struct sw_worker *w, unsigned n, const uint32_t *cookie, const uint32_t *low6,
	const bool tx_ol)
{
	const uint32_t clock = w->now_ms + w->ts_clock;
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++) {
		struct sw_syn_pending *q = &w->syn_q[i];
		struct dp_pkt *p = q->p;
		const uint32_t ack = w->syn_req[i].isn + 1;

		q->so.tsval = sw_cookie_tsval(clock, low6[i]);
		/*
		 * Zero window until the backend is connected (see README,
		 * "handshake"). The common case, answered by the one-pass
		 * builder; the rest by the generic one: decided here, where the
		 * builder reads the mbuf and view anyway, not at dp_proxy_syn,
		 * where they were live across its calls (19 instructions per SYN).
		 */
		if (likely(is_plain(p))) {
			synack_plain(
				p->m, &p->v, cookie[i], ack, q->flags, &q->so, q->addr_sum, tx_ol);
		} else if (synack_generic(p, cookie[i], ack, q->flags, &q->so) != 0) {
			dp_drop(w, p, SW_DROP_no_mbuf);
			failed++;
			continue;
		}
		w->svc[p->service_id].synack++;
		dp_answer(w, p);
	}
	return failed;
}

void
dp_syn_flush(struct sw_worker *w)
{
	const unsigned n = w->syn_n;
	uint32_t cookie[SW_BURST], low6[SW_BURST];
	unsigned failed;

	/* All the burst's cookies first: independent hashes, so their latencies overlap. */
	memset(low6, 0, n * sizeof(low6[0]));
	sw_cookie_make_bulk(&w->keys, w->syn_req, n, cookie, low6);
	failed = synack_all(w, n, cookie, low6, w->tx_csum);
	/* Once per burst: the answered SYNs are those queued but the few not built. */
	w->stats.ev[SW_EV_synack_sent] += n - failed;
	w->syn_n = 0;
}

void
dp_proxy_syn(struct sw_worker *w, struct dp_pkt *p)
{
	const uint16_t sid = p->service_id;
	const uint8_t flags = p->v.tcp_flags;
	const unsigned bank = w->hll_sec & 1;
	const uint8_t *frame = p->frame;
	const uint8_t *ip = frame + p->v.l3_off;
	/* Filled in place; taken (syn_n++) only when the SYN is answered. */
	struct sw_syn_pending *q = &w->syn_q[w->syn_n];
	const struct dp_svc_syn *ss;
	struct sw_tcpopt o;
	enum sw_drop_cause cause;

	w->stats.ev[SW_EV_syn_rcvd]++;
	w->svc[sid].syn++;
	w->syn_bank[bank][sid]++;
	/* The sketches are all SW_HLL_P (sw_dp_worker_create): shifts by constants. */
	RTE_ASSERT(sw_dp_hll(w, bank, sid)->p == SW_HLL_P);
	sw_hll_add_hash_p(sw_dp_hll(w, bank, sid),
		sw_hll_hash_addr(p->v.family == 4 ? ip + 12 : ip + 8, p->v.family == 4 ? 4 : 16,
			w->sh->hll_seed),
		SW_HLL_P);
	/* RFC 9293 3.10.7.2: SYN with RST is not a connection request; FIN/URG: scans. */
	if (unlikely(flags & (SW_TCP_FIN | SW_TCP_RST | SW_TCP_URG))) {
		cause = SW_DROP_syn_bad_flags;
		goto drop;
	}
	if (unlikely(p->v.is_fragment)) {
		cause = SW_DROP_syn_fragment;
		goto drop;
	}
	if (unlikely(is_martian(frame, &p->v))) {
		cause = SW_DROP_martian_src;
		goto drop;
	}
	if (unlikely(!dp_csum_ok(p, &q->addr_sum))) {
		cause = SW_DROP_bad_csum;
		goto drop;
	}
	ss = dp_svc_syn(w->rt, sid);
	if (unlikely(!dp_ratelimit_syn(w, p, ss))) {
		w->svc[sid].dropped++;
		cause = SW_DROP_rate_limit;
		goto drop;
	}
	if (unlikely(sw_tcpopt_parse(dp_tcph(p) + SW_TCP_HDR_MIN,
			     (uint16_t)(p->v.l4_len - SW_TCP_HDR_MIN), &o) != 0)) {
		cause = SW_DROP_bad_tcpopt;
		goto drop;
	}
	syn_queue(w, q, p, ss, &o);
	return;
drop:
	dp_drop(w, p, cause);
}
