/* SPDX-License-Identifier: BSD-3-Clause */
/* Data-path internals shared by the stage files: verdict accounting and TX buffering. */
#ifndef SW_DP_INTERNAL_H
#define SW_DP_INTERNAL_H

#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "sw_csum64.h"
#include "sw_dataplane.h"
#include "sw_pkt.h"
#include "sw_tcpopt.h"

extern int sw_dp_logtype;
#define DP_LOG(level, ...) rte_log(RTE_LOG_##level, sw_dp_logtype, "synwall: " __VA_ARGS__)

/*
 * Everything a stage needs to know about one received packet. The port role
 * it came in on is the burst's: sw_worker.rx_port.
 */
struct dp_pkt {
	struct rte_mbuf *m;
	uint8_t *frame; /* rte_pktmbuf_mtod */
	struct sw_pkt_view v;
	uint8_t action; /* enum sw_class_action */
	uint16_t service_id;
	const struct sw_tuple *t; /* client -> server tuple (TCP packets only) */
	uint64_t hash; /* sw_flowtab_hash() of t, or 0: not known yet */
};

/*
 * The flow-table hash of p->t: the bulk lookup's when there was one. 0 marks
 * it unknown (one store per packet, no flag): a hash that is 0 is only
 * computed again, to the same value.
 */
static inline uint64_t
dp_hash(struct sw_worker *w, struct dp_pkt *p)
{
	if (p->hash == 0)
		p->hash = sw_flowtab_hash(w->ft, p->t);
	return p->hash;
}

/*
 * The ol_flags of an mbuf rewritten into a reply: no offload requested, but
 * the buffer's kind kept. Some PMDs receive into external buffers
 * (RTE_MBUF_F_EXTERNAL): clear that flag and freeing the mbuf returns
 * foreign memory to the pool and never releases the buffer.
 */
static inline void
dp_reset_ol_flags(struct rte_mbuf *m)
{
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
}

/* dp_csum_ok() for a segment the NIC gave a verdict on (proxy_syn.c). */
bool dp_csum_nic(const struct dp_pkt *p, uint64_t *addr_sum);

/*
 * Does a received TCP segment's checksum verify (and the IPv4 header's)?
 * The NIC's verdict when it gave one (RX checksum offload, app ports.c):
 * GOOD skips the sums, BAD fails. Unknown, and NONE (virtio, vhost: data
 * intact but the checksum field partial), are verified here. *addr_sum as
 * sw_csum_verify_tcp_addrs() stores it. No verdict costs one test; a
 * verdict is taken out of line, off the path of the lab's PMDs.
 */
static __rte_always_inline bool
dp_csum_ok(const struct dp_pkt *p, uint64_t *addr_sum)
{
	if (unlikely(p->m->ol_flags & (RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK)))
		return dp_csum_nic(p, addr_sum);
	return sw_csum_verify_tcp_addrs(p->frame, &p->v, addr_sum);
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

/*
 * Queue m for TX on port role `out`; frees and counts when the buffer is full.
 * Its bytes count as transmitted now, while m is hot (the packet is final
 * once queued): sw_dp_flush() takes back those of the packets the PMD refuses,
 * instead of a second pass over the buffer.
 */
void dp_tx_full(struct sw_worker *w, unsigned out, struct rte_mbuf *m);

static inline void
dp_tx(struct sw_worker *w, unsigned out, struct rte_mbuf *m)
{
	/*
	 * A full buffer is flushed out of line (dp_tx_full): the callers keep
	 * no registers alive across a call for it, and usually tail-call.
	 */
	if (unlikely(w->tx_n[out] == SW_TX_BUF)) {
		dp_tx_full(w, out, m);
		return;
	}
	w->stats.port[out][SW_PC_tx_bytes] += rte_pktmbuf_pkt_len(m);
	w->tx_buf[out][w->tx_n[out]++] = m;
}

/* Received packet leaves through the other port. Consumes p->m. */
static inline void
dp_fwd(struct sw_worker *w, struct dp_pkt *p)
{
	const unsigned port = w->rx_port;

	w->stats.port[port][SW_PC_fwd]++;
	dp_tx(w, dp_other(port), p->m);
}

/* Received packet was rewritten into a reply out of the same port. Consumes p->m. */
static inline void
dp_answer(struct sw_worker *w, struct dp_pkt *p)
{
	const unsigned port = w->rx_port;

	w->stats.port[port][SW_PC_answered]++;
	dp_tx(w, port, p->m);
}

/* Free n mbufs (n > 0) as rte_pktmbuf_free_bulk() does (worker.c). */
void dp_free_bulk(struct rte_mbuf **m, unsigned n);

/* Free a received mbuf later, in bulk with the others of this poll (sw_dp_flush). */
static inline void
dp_free(struct sw_worker *w, struct rte_mbuf *m)
{
	if (unlikely(w->free_n == SW_FREE_BUF)) {
		dp_free_bulk(w->free_buf, w->free_n);
		w->free_n = 0;
	}
	w->free_buf[w->free_n++] = m;
}

/* Received packet dropped for one cause. Consumes p->m. */
static inline void
dp_drop(struct sw_worker *w, struct dp_pkt *p, enum sw_drop_cause cause)
{
	w->stats.drop[w->rx_port][cause]++;
	dp_free(w, p->m);
}

/* Received packet absorbed without a drop (e.g. a retransmitted third ACK). */
static inline void
dp_consume(struct sw_worker *w, struct dp_pkt *p)
{
	w->stats.port[w->rx_port][SW_PC_consumed]++;
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
/* A packet of an existing flow (proxy_flow.c): the spliced relay, or everything else. */
void dp_proxy_flow_relay(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f);
void dp_proxy_flow_frag(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f);
/* Drop f's first-fragment marks (its entry is going away). */
void dp_frag_forget(struct sw_worker *w, const struct sw_flow *f);
void dp_proxy_flow_slow(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f);

/* Dispatched inline: the relay is entered without a call that only branches. */
static inline void
dp_proxy_flow(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f)
{
	if (unlikely(p->v.is_fragment | (w->frag_n != 0)))
		dp_proxy_flow_frag(w, p, f);
	else if (likely(f->conn.state == SW_CONN_ESTABLISHED))
		dp_proxy_flow_relay(w, p, f);
	else
		dp_proxy_flow_slow(w, p, f);
}

bool dp_flow_expired(struct sw_flow *f, void *arg);
void dp_flow_evicted(struct sw_flow *f, void *arg);

/* No kept SYN for this flow (sw_flow.aux). */
#define DP_NO_KEEP 0xffffu
/* Release the backend SYN kept for retransmission, if any. */
void dp_keep_release(struct sw_worker *w, struct sw_flow *f);
/*
 * Take the backend SYN kept for retransmission, if any, out of its slot:
 * the caller owns the reference the slot held (it may reuse the mbuf when
 * that is the only one, rte_mbuf_refcnt_read() == 1). NULL when none.
 */
struct rte_mbuf *dp_keep_take(struct sw_worker *w, struct sw_flow *f);
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
	if (unlikely(w->frag_n != 0))
		dp_frag_forget(w, f);
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

/*
 * One-pass segment writers, for the connection-setup packets (the backend
 * SYN, the ACK to the backend and the client's window update) made from a
 * plain frame: one segment, IPv4 without options or IPv6 without extension
 * headers (VLAN tags are fine), and room for l4_max header bytes from l4_off.
 * They write the bytes dp_make_tcp() would, but sum the checksums from the
 * values they store instead of reading the frame back (sw_csum_set_tcp), as
 * the SYN-ACK fast path does (proxy_syn.c). Anything else takes the generic
 * builders above.
 *
 * Checksums: partial sums over native-order loads (RFC 1071 section 2(B)),
 * 32-bit words added into 64 bits; congruent modulo 0xffff to the 16-bit
 * sum, and never zero (the protocol term), so the folded, inverted result
 * is the one sw_csum_set_tcp() stores, byte for byte.
 */
static inline bool
dp_is_plain(const struct rte_mbuf *m, const struct sw_pkt_view *v, uint32_t l4_max)
{
	uint32_t l3_len = (uint32_t)(v->l4_off - v->l3_off);
	uint32_t l3_min = (uint32_t)v->family * 10 - 20; /* 20 for IPv4, 40 for IPv6 */

	/* Bitwise: one branch on the result. */
	return (m->next == NULL) & (l3_len == l3_min) &
		((uint32_t)v->l4_off + l4_max <= (uint32_t)m->buf_len - m->data_off);
}

/*
 * The pseudo header's two addresses of a plain frame, summed as
 * sw_csum_verify_tcp_addrs() does (below 2^33): the same in both directions.
 */
static inline uint64_t
dp_addr_sum_plain(const uint8_t *frame, const struct sw_pkt_view *v)
{
	const uint8_t *ip = frame + v->l3_off;

	if (v->family == 4)
		return (uint64_t)sw_ld32(ip + 12) + sw_ld32(ip + 16);
	/* Source and destination are adjacent: 32 bytes, folded below 2^32. */
	return sw_csum_fold64(sw_csum_sum_bytes(ip + 8, 32, 0));
}

/* dp_swap_l2_l3_l4() of a plain frame: MAC addresses, IP addresses, ports. */
static __rte_always_inline void
dp_swap_plain(uint8_t *frame, const struct sw_pkt_view *v)
{
	uint8_t *ip = frame + v->l3_off;
	uint8_t *tcph = frame + v->l4_off;
	uint64_t a = sw_ld64(frame);
	uint32_t x = sw_ld32(frame + 8);

	/* Ethernet: swap the 6-byte addresses (the expression is byte-order neutral). */
	sw_st64(frame, a >> 48 | a << 48 | (uint64_t)x << 16);
	sw_st32(frame + 8, (uint32_t)(a >> 16));
	if (v->family == 4) {
		a = sw_ld64(ip + 12);
		sw_st64(ip + 12, a << 32 | a >> 32);
	} else {
		uint64_t s0 = sw_ld64(ip + 8), s1 = sw_ld64(ip + 16);

		sw_st64(ip + 8, sw_ld64(ip + 24));
		sw_st64(ip + 16, sw_ld64(ip + 32));
		sw_st64(ip + 24, s0);
		sw_st64(ip + 32, s1);
	}
	x = sw_ld32(tcph);
	sw_st32(tcph, x << 16 | x >> 16);
}

/*
 * Everything synwall makes itself is a SYN, SYN-ACK, pure ACK or RST, which
 * RFC 3168 (sections 6.1.1 and 6.1.4) sends Not-ECT: the ECN field of the
 * frame it is made from (ECT or CE, copied from a client's SYN or ACK) is
 * cleared. Masks of byte 1 of the IP header: the low 2 bits of the IPv4 TOS,
 * bits 5..4 of IPv6's (the low half of the traffic class).
 */
#define DP_IPV4_NOT_ECT 0xfcu
#define DP_IPV6_NOT_ECT 0xcfu

/*
 * dp_make_tcp() of a plain frame whose addresses and ports are already the
 * reply's: n option words ow (host order, on the wire big-endian), seq, ack,
 * flags, win, the IP length, DF and TTL (hop limit) 64, Not-ECT, and both checksums;
 * addr_sum is dp_addr_sum_plain()'s. All n_store >= n words are stored
 * (dp_is_plain() made room for them), those past n must be 0: beyond the
 * segment's end they add nothing to the sum, and the caller needs no loop
 * on n. The view is left as it was: nothing reads it once the packet is
 * queued.
 *
 * tx_ol (sw_worker.tx_csum, a constant where the caller can make it one):
 * the NIC inserts the checksums. The mbuf asks for it (TX_IP_CKSUM for IPv4,
 * TX_TCP_CKSUM, l2_len, l3_len) and the frame holds what DPDK's contract
 * wants (rte_net_intel_cksum_prepare()): 0 in the IPv4 header's field, the
 * pseudo header's sum, not inverted, in the TCP one. No sum over the header.
 */
static __rte_always_inline void
dp_tcp_plain(struct rte_mbuf *m, const struct sw_pkt_view *v, uint32_t seq, uint32_t ack,
	uint8_t flags, uint16_t win, const uint32_t *ow, unsigned n_store, unsigned n,
	uint64_t addr_sum, const bool tx_ol)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = frame + v->l3_off;
	uint8_t *tcph = frame + v->l4_off;
	uint16_t l4_len = (uint16_t)(SW_TCP_HDR_MIN + 4 * n);
	const uint64_t pseudo =
		addr_sum + rte_cpu_to_be_16(l4_len) + rte_cpu_to_be_16(SW_IPPROTO_TCP);
	uint64_t sum = 0;
	uint32_t x;

	RTE_ASSERT(n <= n_store && n_store <= SW_TCP_OPT_MAX / 4);
	for (unsigned i = 0; i < n_store; i++) {
		x = rte_cpu_to_be_32(ow[i]);
		sw_st32(tcph + SW_TCP_HDR_MIN + 4 * i, x);
		if (!tx_ol)
			sum += x;
	}
	/* Only the headers are kept: the payload is never part of these packets. */
	m->data_len = (uint16_t)(v->l4_off + l4_len);
	m->pkt_len = m->data_len;
	dp_reset_ol_flags(m);
	if (tx_ol) {
		m->tx_offload = rte_mbuf_tx_offload(
			v->l3_off, (uint64_t)(v->l4_off - v->l3_off), 0, 0, 0, 0, 0);
		m->ol_flags |= v->family == 4
			? RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM
			: RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
	}

	/* TCP: ports as they are, seq, ack, data offset, flags, window; checksum, urgent 0. */
	sum += sw_ld32(tcph);
	x = rte_cpu_to_be_32(seq);
	sw_st32(tcph + SW_TCP_OFF_SEQ, x);
	sum += x;
	x = rte_cpu_to_be_32(ack);
	sw_st32(tcph + SW_TCP_OFF_ACK, x);
	sum += x;
	x = rte_cpu_to_be_32((uint32_t)(l4_len / 4) << 28 | (uint32_t)flags << 16 | win);
	sw_st32(tcph + SW_TCP_OFF_DOFF, x);
	sum += x + pseudo;
	sw_st32(tcph + SW_TCP_OFF_CSUM, 0);
	if (tx_ol)
		sw_st16(tcph + SW_TCP_OFF_CSUM, sw_csum_fold64_16(pseudo));
	else
		sw_st16(tcph + SW_TCP_OFF_CSUM, (uint16_t)~sw_csum_fold64_16(sum));

	/*
	 * IP: length, DF, TTL or hop limit 64; version, DSCP, id and flow label
	 * kept, the ECN field Not-ECT (DP_IPV4_NOT_ECT, DP_IPV6_NOT_ECT).
	 */
	if (v->family == 4) {
		uint16_t len = rte_cpu_to_be_16((uint16_t)(20 + l4_len));
		uint16_t frag = rte_cpu_to_be_16(0x4000); /* DF, no fragment offset */
		uint16_t ttl_proto = rte_cpu_to_be_16(64 << 8 | SW_IPPROTO_TCP);

		ip[1] &= DP_IPV4_NOT_ECT;
		sw_st16(ip + 2, len);
		sw_st16(ip + 6, frag);
		sw_st16(ip + 8, ttl_proto);
		sum = addr_sum + sw_ld16(ip) + sw_ld16(ip + 4) + len + frag + ttl_proto;
		sw_st16(ip + 10, tx_ol ? 0 : (uint16_t)~sw_csum_fold64_16(sum));
	} else {
		ip[1] &= DP_IPV6_NOT_ECT;
		sw_wr16(ip + 4, l4_len);
		ip[7] = 64; /* hop limit */
	}
}

#define DP_SEG_OPT_LEN 12 /* the most option bytes dp_seg_plain() writes */

/*
 * dp_make_seg(m, v, seg, 0) of a plain frame (dp_is_plain with
 * SW_TCP_HDR_MIN + DP_SEG_OPT_LEN) whose addresses and ports are the
 * segment's. The three TS words are always stored, zeroed without
 * timestamps: no branch on seg->has_ts.
 */
static __rte_always_inline void
dp_seg_plain(struct rte_mbuf *m, const struct sw_pkt_view *v, const struct sw_conn_seg *seg,
	uint64_t addr_sum, bool tx_ol)
{
	const uint32_t mask = seg->has_ts ? ~0u : 0;
	const uint32_t ow[3] = {SW_TCPOPT_NOP_NOP_TS & mask, seg->tsval & mask, seg->tsecr & mask};

	dp_tcp_plain(m, v, seg->seq, seg->ack, SW_TCP_ACK, seg->win, ow, 3, seg->has_ts ? 3 : 0,
		addr_sum, tx_ol);
}

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
/* True with *ws = s's value when s was frozen for epoch (struct sw_ws_snap). */
static inline bool
dp_ws_snap_peek(const struct sw_ws_snap *s, uint32_t epoch, uint8_t *ws)
{
	if (!s->set || s->epoch != epoch)
		return false;
	*ws = s->ws;
	return true;
}
/* s's value for epoch: the frozen one, or now, frozen from here on. */
static inline uint8_t
dp_ws_snap_take(struct sw_ws_snap *s, uint32_t epoch, uint8_t now)
{
	uint8_t ws;

	if (dp_ws_snap_peek(s, epoch, &ws))
		return ws;
	s->ws = now;
	s->epoch = epoch;
	s->set = true;
	return now;
}
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
	return dp_ws_snap_take(&w->ws_snap[slot][epoch & 1], epoch,
		l != NULL && l->ws_known ? l->wscale : SW_ADV_WS_DEFAULT);
}
/*
 * Service sid's wscale setting for the SYN-ACKs of epoch: the one the
 * epoch's first SYN found (cur, the running config's, when there was none:
 * the snapshot is taken then). Fixed for the epoch, as the learned shift:
 * the cookie has no bit for it, and a reload between a SYN-ACK and its
 * third ACK must not change the shift the splice assumes.
 */
static inline uint8_t
dp_svc_wscale(struct sw_worker *w, uint16_t sid, uint8_t cur, uint32_t epoch)
{
	return dp_ws_snap_take(&w->svc_ws[sid][epoch & 1], epoch, cur);
}
/* The TCP segment an ICMP error quotes (icmp.c). */
struct dp_icmp_quote {
	struct sw_tuple t; /* its flow's tuple, client to server */
	uint16_t seq_off; /* frame offset of its sequence number */
	uint16_t csum_off; /* of its checksum; 0 when the quote stops short of it */
};
/*
 * An ICMP or ICMPv6 error (unreachable, too big, time exceeded, parameter
 * problem) sent to the source of the TCP segment it quotes (a server, when
 * received on the outside port): its quote in *q. False for anything else.
 */
bool dp_icmp_quote(const uint8_t *frame, const struct sw_pkt_view *v, struct dp_icmp_quote *q);
/*
 * Translate the quoted sequence number of a spliced flow's server segment to
 * the server's numbering, and both checksums (nothing to write while it is
 * not spliced yet). False (nothing written) when this worker has no such flow.
 */
bool dp_icmp_error(struct sw_worker *w, struct dp_pkt *p, const struct dp_icmp_quote *q);
void dp_learned_put(struct sw_worker *w, const struct sw_tuple *t, const struct sw_tcpopt *o,
	bool offered_sack, bool offered_ts, bool offered_ws);

#endif /* SW_DP_INTERNAL_H */
