/* SPDX-License-Identifier: BSD-3-Clause */
/* Data-path internals shared by the stage files: verdict accounting and TX buffering. */
#ifndef SW_DP_INTERNAL_H
#define SW_DP_INTERNAL_H

#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "sw_dataplane.h"
#include "sw_pkt.h"
#include "sw_tcpopt.h"

extern int sw_dp_logtype;
#define DP_LOG(level, ...) rte_log(RTE_LOG_##level, sw_dp_logtype, "synwall: " __VA_ARGS__)

/* Everything a stage needs to know about one received packet. */
struct dp_pkt {
	struct rte_mbuf *m;
	uint8_t *frame; /* rte_pktmbuf_mtod */
	struct sw_pkt_view v;
	unsigned port; /* role it was received on */
	uint8_t action; /* enum sw_class_action */
	uint16_t service_id;
	const struct sw_tuple *t; /* client -> server tuple (TCP packets only) */
	uint64_t hash; /* sw_flowtab_hash() of t, valid with has_hash */
	bool has_hash;
};

/* The flow-table hash of p->t: the bulk lookup's when there was one. */
static inline uint64_t
dp_hash(struct sw_worker *w, struct dp_pkt *p)
{
	if (!p->has_hash) {
		p->hash = sw_flowtab_hash(w->ft, p->t);
		p->has_hash = true;
	}
	return p->hash;
}

/*
 * Bookkeeping of the burst's table changes (sw_worker.ft_dels, ft_added):
 * a flow added with hash h, and a flow deleted or evicted.
 */
static inline void
dp_ft_added(struct sw_worker *w, uint64_t h)
{
	unsigned b = (unsigned)(h >> 32) & 255; /* bits neither bucket nor signature use */

	w->ft_added[b / 64] |= 1ull << (b % 64);
	w->ft_changes++;
}

static inline bool
dp_ft_maybe_added(const struct sw_worker *w, uint64_t h)
{
	unsigned b = (unsigned)(h >> 32) & 255;

	return (w->ft_added[b / 64] >> (b % 64)) & 1;
}

static inline void
dp_ft_deleted(struct sw_worker *w)
{
	w->ft_dels++;
	w->ft_changes++;
}

static inline unsigned
dp_other(unsigned port)
{
	return port ^ 1;
}

static inline uint8_t *
dp_tcph(const struct dp_pkt *p)
{
	return p->frame + p->v.l4_off;
}

/* Queue m for TX on port role `out`; frees and counts when the buffer is full. */
static inline void
dp_tx(struct sw_worker *w, unsigned out, struct rte_mbuf *m)
{
	if (unlikely(w->tx_n[out] == SW_TX_BUF)) {
		sw_dp_flush(w);
	}
	w->tx_buf[out][w->tx_n[out]++] = m;
}

/* Received packet leaves through the other port. Consumes p->m. */
static inline void
dp_fwd(struct sw_worker *w, struct dp_pkt *p)
{
	w->stats.port[p->port][SW_PC_fwd]++;
	dp_tx(w, dp_other(p->port), p->m);
}

/* Received packet was rewritten into a reply out of the same port. Consumes p->m. */
static inline void
dp_answer(struct sw_worker *w, struct dp_pkt *p)
{
	w->stats.port[p->port][SW_PC_answered]++;
	dp_tx(w, p->port, p->m);
}

/* Free a received mbuf later, in bulk with the others of this poll (sw_dp_flush). */
static inline void
dp_free(struct sw_worker *w, struct rte_mbuf *m)
{
	if (unlikely(w->free_n == SW_FREE_BUF)) {
		rte_pktmbuf_free_bulk(w->free_buf, w->free_n);
		w->free_n = 0;
	}
	w->free_buf[w->free_n++] = m;
}

/* Received packet dropped for one cause. Consumes p->m. */
static inline void
dp_drop(struct sw_worker *w, struct dp_pkt *p, enum sw_drop_cause cause)
{
	w->stats.drop[p->port][cause]++;
	dp_free(w, p->m);
}

/* Received packet absorbed without a drop (e.g. a retransmitted third ACK). */
static inline void
dp_consume(struct sw_worker *w, struct dp_pkt *p)
{
	w->stats.port[p->port][SW_PC_consumed]++;
	dp_free(w, p->m);
}

/* A packet synwall created, out of port role `out`. Consumes m. */
static inline void
dp_generated(struct sw_worker *w, unsigned out, struct rte_mbuf *m)
{
	w->stats.port[out][SW_PC_generated]++;
	dp_tx(w, out, m);
}

/*
 * What a SYN to one service needs from the configuration, derived once per
 * runtime (runtime.c) so that the SYN path reads one small entry instead of
 * the service and [general] sections. Written by cp before the runtime is
 * published; dp: ro.
 */
struct dp_svc_syn {
	uint16_t mss_cfg; /* configured MSS, or SW_CONFIG_MSS_LEARN: the backend's learned one */
	uint16_t mss_unlearned[2]; /* MSS offered while no backend is learned: [0] IPv4, [1] IPv6 */
	uint8_t wscale; /* configured shift, or SW_CONFIG_WSCALE_LEARN (dp_adv_wscale_at) */
	/*
	 * SACK-permitted and timestamps offered (DP_ADV_* bits): the learned
	 * backend's & opts_keep | opts_set; opts_unlearned while none is learned.
	 */
	uint8_t opts_keep, opts_set, opts_unlearned;
	uint8_t ecn_mask; /* SW_TCP_ECE | SW_TCP_CWR with ecn = on, else 0 (never ECN-setup) */
	bool is_rate_limited; /* [general] src_syn_rate or the service's syn_rate is set */
};
#define DP_ADV_SACK 1u /* dp_svc_syn.opts_*: SACK-permitted (RFC 2018) */
#define DP_ADV_TS 2u /* timestamps (RFC 7323) */

/* What sw_runtime_build() allocates: the public runtime, then the data path's own tables. */
struct dp_runtime {
	struct sw_runtime rt; /* returned to the caller */
	struct dp_svc_syn syn[SW_CONFIG_SERVICES_MAX + 1]; /* per service id (zero: none) */
};

static inline const struct dp_svc_syn *
dp_svc_syn(const struct sw_runtime *rt, uint16_t service_id)
{
	return &container_of(rt, const struct dp_runtime, rt)->syn[service_id];
}

/* SYN rate limits (ratelimit.c): false = over a limit, drop as rate_limit. */
int dp_ratelimit_init(struct sw_worker *w, uint32_t slots, int socket);
void dp_ratelimit_free(struct sw_worker *w);
bool dp_ratelimit_syn_limited(struct sw_worker *w, const struct dp_pkt *p);
/* ss = dp_svc_syn(w->rt, p->service_id). */
static inline bool
dp_ratelimit_syn(struct sw_worker *w, const struct dp_pkt *p, const struct dp_svc_syn *ss)
{
	/* Neither limit configured (the default): nothing to count. */
	if (likely(!ss->is_rate_limited))
		return true;
	return dp_ratelimit_syn_limited(w, p);
}

/* Stage entry points (one file each). All consume p->m. */
/* A client SYN for a protected service: dropped, or queued for its SYN-ACK at dp_syn_flush. */
void dp_proxy_syn(struct sw_worker *w, struct dp_pkt *p);
/* Answer the SYNs dp_proxy_syn queued in this burst (before the burst's packets go away). */
void dp_syn_flush(struct sw_worker *w);
void dp_no_flow(struct sw_worker *w, struct dp_pkt *p);
void dp_proxy_ack(struct sw_worker *w, struct dp_pkt *p);
void dp_proxy_flow(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f);
bool dp_flow_expired(struct sw_flow *f, void *arg);
void dp_flow_evicted(struct sw_flow *f, void *arg);

/* No kept SYN for this flow (sw_flow.aux). */
#define DP_NO_KEEP 0xffffu
/* Release the backend SYN kept for retransmission, if any. */
void dp_keep_release(struct sw_worker *w, struct sw_flow *f);
/* The conn library may have moved the flow to another state: tell the flow table. */
static inline void
dp_state_sync(struct sw_worker *w, struct sw_flow *f)
{
	enum sw_conn_state ns = sw_conn_next_state(&f->conn);

	if (ns != f->conn.state)
		sw_flowtab_set_state(w->ft, f, (uint8_t)ns);
}

/* A flow leaves the table (expired, evicted, deleted): per-service accounting. */
static inline void
dp_flow_forget(struct sw_worker *w, const struct sw_flow *f)
{
	if (f->service_id <= SW_CONFIG_SERVICES_MAX && w->svc_flows[f->service_id] > 0)
		w->svc_flows[f->service_id]--;
}

/* Packet construction helpers (build.c). */
void dp_swap_l2_l3_l4(uint8_t *frame, struct sw_pkt_view *v);
/*
 * Rewrite the TCP header at the view so it has `opt_len` option bytes from
 * opt, set seq/ack/flags/window, fix IP lengths and checksums, and trim or
 * extend the mbuf. Payload is discarded. Returns 0 or -ENOSPC.
 */
int dp_make_tcp(struct rte_mbuf *m, struct sw_pkt_view *v, uint32_t seq, uint32_t ack,
	uint8_t flags, uint16_t win, const uint8_t *opt, uint16_t opt_len);
/* Rewrite m into the segment seg (ACK set, plus extra flags), TS option when seg has one. */
int dp_make_seg(struct rte_mbuf *m, struct sw_pkt_view *v, const struct sw_conn_seg *seg,
	uint8_t extra_flags);
/* Copy the L2..L4 headers of src (no payload) into a fresh mbuf; NULL when the pool is empty. */
struct rte_mbuf *dp_copy_headers(
	struct sw_worker *w, const struct rte_mbuf *src, const struct sw_pkt_view *v);

/* Learned backend options: the slot of t's backend in w->learned and w->ws_snap. */
static inline unsigned
dp_learned_slot(const struct sw_tuple *t)
{
	return rte_hash_crc(t->dst, 16, t->dport) & (SW_LEARN_SLOTS - 1);
}
/* The entry at slot when it is t's backend's, else NULL. */
static inline const struct sw_learned *
dp_learned_at(const struct sw_worker *w, unsigned slot, const struct sw_tuple *t)
{
	const struct sw_learned *l = &w->learned[slot];

	if (l->family != t->family || l->port != t->dport || memcmp(l->addr, t->dst, 16) != 0)
		return NULL;
	return l;
}
#define SW_ADV_WS_DEFAULT 7 /* window scale offered while a backend's is not learned */
uint8_t dp_adv_wscale(struct sw_worker *w, const struct sw_tuple *t, uint32_t epoch);
/*
 * Window scale for a learn-service's SYN-ACK made, or third ACK checked, with
 * a cookie of epoch: the epoch's frozen value for the backend's learned slot;
 * the first SYN of the epoch freezes the backend's learned shift (or the
 * default while nothing is learned). A slot shared by two backends gives
 * both the first one's shift for that epoch: the splice rescales any shift.
 * dp_adv_wscale() with t's slot and l = dp_learned_at(w, slot, t) known.
 */
static inline uint8_t
dp_adv_wscale_at(struct sw_worker *w, unsigned slot, const struct sw_learned *l, uint32_t epoch)
{
	struct sw_ws_snap *s = &w->ws_snap[slot][epoch & 1];

	if (s->set && s->epoch == epoch)
		return s->ws;
	s->ws = l != NULL && l->ws_known ? l->wscale : SW_ADV_WS_DEFAULT;
	s->epoch = epoch;
	s->set = true;
	return s->ws;
}
void dp_learned_put(struct sw_worker *w, const struct sw_tuple *t, const struct sw_tcpopt *o,
	bool offered_sack, bool offered_ts, bool offered_ws);

#endif /* SW_DP_INTERNAL_H */
