/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker lifecycle and the burst loop: rx -> parse -> classify -> dispatch -> tx. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "dp_internal.h"

RTE_LOG_REGISTER(sw_dp_logtype, synwall.dp, INFO);

#define STEER_RING_SIZE 4096
/*
 * Flow-table slots examined per poll: capacity / 1024, within [32, 1024], so a
 * sweep takes about 1024 polls up to about 10^6 slots per worker, and
 * capacity / 1024 polls above (65,536 at the 2^26 maximum: about 0.2 s of
 * polls at 10 Mpps in bursts of 32). Backend SYN retransmission and timeouts
 * ride on it, late by at most one sweep.
 */
#define EXPIRE_SWEEP_POLLS 1024

struct sw_worker *
sw_dp_worker_create(struct sw_dp_shared *sh, uint16_t idx, unsigned lcore_id, int socket)
{
	struct sw_worker *w;
	char name[RTE_RING_NAMESIZE];
	uint32_t keep = RTE_MIN(sh->flow_capacity, (uint32_t)DP_NO_KEEP);
	const struct rte_mempool *mp = sh->pool[socket >= 0 ? socket : 0];

	/*
	 * A kept backend SYN pins an mbuf of the pool the ports receive into:
	 * valid handshakes to a backend that never answers would drain it and
	 * stop all reception. The workers keep at most a quarter of the pool
	 * between them; past that a backend SYN goes unkept (proxy_ack.c).
	 */
	if (mp != NULL) {
		const uint32_t workers = sh->nb_workers > 0 ? sh->nb_workers : 1;
		const uint32_t share = mp->size / (4u * workers);

		keep = RTE_MIN(keep, share > 64 ? share : 64);
	}

	w = rte_zmalloc_socket("sw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		goto nomem;
	w->sh = sh;
	w->idx = idx;
	w->queue_id = idx;
	w->lcore_id = lcore_id;
	w->pool = sh->pool[socket < 0 ? 0 : socket];
	if (w->pool == NULL)
		w->pool = sh->pool[0];
	w->tsc_hz = rte_get_tsc_hz();
	w->tsc_per_ms = w->tsc_hz / 1000;
	if (w->tsc_per_ms == 0)
		w->tsc_per_ms = 1;

	w->ft = rte_zmalloc_socket(
		"sw_flowtab", sw_flowtab_memsize(sh->flow_capacity), RTE_CACHE_LINE_SIZE, socket);
	if (w->ft == NULL)
		goto nomem;
	if (sw_flowtab_init(w->ft, sh->flow_capacity, sh->flow_hash_key) != 0) {
		rte_errno = EINVAL;
		goto fail;
	}

	sw_flowtab_set_evict_cb(w->ft, dp_flow_evicted, w);
	w->expire_budget = sh->flow_capacity / EXPIRE_SWEEP_POLLS;
	w->expire_budget = RTE_MIN(w->expire_budget, 1024u);
	w->expire_budget = RTE_MAX(w->expire_budget, 32u);

	w->syn_keep = rte_zmalloc_socket("sw_syn_keep", keep * sizeof(*w->syn_keep), 0, socket);
	w->syn_keep_free =
		rte_zmalloc_socket("sw_syn_free", keep * sizeof(*w->syn_keep_free), 0, socket);
	if (w->syn_keep == NULL || w->syn_keep_free == NULL)
		goto nomem;
	w->syn_keep_n = keep;
	for (uint32_t i = 0; i < keep; i++)
		w->syn_keep_free[i] = keep - 1 - i;
	w->syn_keep_nfree = keep;

	w->hll_size = sw_hll_memsize(SW_HLL_P);
	w->hll_mem = rte_zmalloc_socket("sw_hll", 2 * (SW_CONFIG_SERVICES_MAX + 1) * w->hll_size,
		RTE_CACHE_LINE_SIZE, socket);
	if (w->hll_mem == NULL)
		goto nomem;
	for (unsigned b = 0; b < 2; b++)
		for (unsigned id = 0; id <= SW_CONFIG_SERVICES_MAX; id++)
			sw_hll_init(sw_dp_hll(w, b, (uint16_t)id), SW_HLL_P);

	if (dp_ratelimit_init(w, sh->src_rate_slots ? sh->src_rate_slots : 65536, socket) != 0)
		goto nomem;

	snprintf(name, sizeof(name), "sw_steer_%u", idx);
	w->steer_ring = rte_ring_create(name, STEER_RING_SIZE, socket, RING_F_SC_DEQ);
	if (w->steer_ring == NULL)
		goto fail;

	sw_cookie_keys_update(&w->keys, &sh->cookie_master, 0);
	/* Our TSvals start at a random point: they must not reveal uptime. */
	w->ts_clock = (uint32_t)rte_rand();
	return w;
nomem:
	rte_errno = ENOMEM;
fail:
	sw_dp_worker_free(w);
	return NULL;
}

void
sw_dp_worker_free(struct sw_worker *w)
{
	if (w == NULL)
		return;
	if (w->free_n != 0)
		dp_free_bulk(w->free_buf, w->free_n);
	if (w->syn_keep != NULL) {
		for (uint32_t i = 0; i < w->syn_keep_n; i++)
			rte_pktmbuf_free(w->syn_keep[i]);
	}
	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		for (unsigned i = 0; i < w->tx_n[p]; i++) {
			/* Never sent: dp_tx() counted their bytes. */
			w->stats.port[p][SW_PC_tx_bytes] -= rte_pktmbuf_pkt_len(w->tx_buf[p][i]);
			rte_pktmbuf_free(w->tx_buf[p][i]);
		}
	if (w->steer_ring != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_sc_dequeue(w->steer_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->steer_ring);
	}
	dp_ratelimit_free(w);
	rte_free(w->hll_mem);
	rte_free(w->syn_keep);
	rte_free(w->syn_keep_free);
	rte_free(w->ft);
	rte_free(w);
}

/*
 * rte_pktmbuf_free_bulk() of the mbufs the burst dropped or absorbed. Almost
 * all are what the PMD handed over: direct, one segment, no other reference,
 * one pool; then they go back to it in one put, without the per-mbuf
 * pre-free that rte_pktmbuf_free_bulk() does (it checks the same four things
 * and resets nothing for such mbufs). Anything else: rte_pktmbuf_free_bulk().
 */
void
dp_free_bulk(struct rte_mbuf **m, unsigned n)
{
	struct rte_mempool *mp = m[0]->pool;

	for (unsigned i = 0; i < n; i++) {
		const struct rte_mbuf *x = m[i];

		if (unlikely(x->pool != mp || !RTE_MBUF_DIRECT(x) || rte_mbuf_refcnt_read(x) != 1 ||
			    x->next != NULL || x->nb_segs != 1)) {
			rte_pktmbuf_free_bulk(m, n);
			return;
		}
		__rte_mbuf_sanity_check(x, 1);
	}
	rte_mempool_put_bulk(mp, (void **)m, n);
}

void
sw_dp_flush(struct sw_worker *w)
{
	if (w->free_n != 0) {
		dp_free_bulk(w->free_buf, w->free_n);
		w->free_n = 0;
	}
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		uint16_t n = w->tx_n[p];
		uint16_t sent;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(w->sh->port_id[p], w->queue_id, w->tx_buf[p], n);
		/* dp_tx() counted every queued packet's bytes: take back the refused ones'. */
		for (uint16_t i = sent; i < n; i++) {
			w->stats.port[p][SW_PC_tx_bytes] -= rte_pktmbuf_pkt_len(w->tx_buf[p][i]);
			rte_pktmbuf_free(w->tx_buf[p][i]);
		}
		w->stats.port[p][SW_PC_tx] += sent;
		w->stats.port[p][SW_PC_tx_drops] += n - sent;
		w->tx_n[p] = 0;
	}
}

/* dp_tx() with the buffer full: send what is queued, then queue m. */
void
dp_tx_full(struct sw_worker *w, unsigned out, struct rte_mbuf *m)
{
	sw_dp_flush(w);
	w->stats.port[out][SW_PC_tx_bytes] += rte_pktmbuf_pkt_len(m);
	w->tx_buf[out][w->tx_n[out]++] = m;
}

/* Map the parser's verdicts to drop causes; SW_PKT_NOT_IP is bridged. */
static const uint8_t parse_drop[] = {
	[SW_PKT_TRUNC_L2] = SW_DROP_trunc_l2,
	[SW_PKT_BAD_L3] = SW_DROP_bad_l3,
	[SW_PKT_BAD_EXTHDR] = SW_DROP_bad_exthdr,
	[SW_PKT_BAD_L4] = SW_DROP_bad_l4,
};

/*
 * Symmetric software hash of a parsed packet: both directions of a flow give
 * the same value (addresses and ports combined order-independently).
 */
static uint32_t
steer_hash_of(uint8_t family, const uint8_t *src, const uint8_t *dst, uint32_t ports)
{
	uint32_t a, b;

	if (family == 4) {
		a = rte_hash_crc_4byte(sw_rd32(src), 0);
		b = rte_hash_crc_4byte(sw_rd32(dst), 0);
	} else {
		/* rte_hash_crc() loads 8 bytes at a time: hand it aligned copies. */
		uint64_t s6[2], d6[2];

		memcpy(s6, src, sizeof(s6));
		memcpy(d6, dst, sizeof(d6));
		a = rte_hash_crc(s6, sizeof(s6), 0);
		b = rte_hash_crc(d6, sizeof(d6), 0);
	}
	return rte_hash_crc_4byte(a ^ b ^ ports, 0x5157);
}

static uint32_t
steer_hash(const struct dp_pkt *p)
{
	const uint8_t *ip = p->frame + p->v.l3_off;
	uint32_t ports = 0;

	/* A first fragment has its ports too: it goes where its flow's other packets go. */
	if (p->v.has_l4) {
		const uint8_t *l4 = p->frame + p->v.l4_off;

		ports = (uint32_t)sw_rd16(l4) ^ sw_rd16(l4 + 2);
	}
	return steer_hash_of(p->v.family, p->v.family == 4 ? ip + 12 : ip + 8,
		sw_pkt_dst(p->frame, &p->v), ports);
}

/* steer_hash() of the packets of t's flow. */
static uint32_t
steer_hash_tuple(const struct sw_tuple *t)
{
	return steer_hash_of(t->family, t->src, t->dst,
		(uint32_t)sw_rd16((const uint8_t *)&t->sport) ^
			sw_rd16((const uint8_t *)&t->dport));
}

/* Frames ahead whose first line is prefetched while parsing (PMD-written, cold). */
#define DP_PREFETCH 4

/*
 * A TCP packet without a flow (classified): bridge, drop, or a SYN / third ACK
 * to proxy. port and action are w->rx_port and p->action, as the caller has them.
 */
static __rte_always_inline void
no_flow(struct sw_worker *w, struct dp_pkt *p, unsigned port, uint8_t action)
{
	uint8_t flags = p->v.tcp_flags;

	/* The proxy's own packets first: a client SYN or ACK for a protected service. */
	if (likely(action == SW_CLASS_PROXY && port == SW_PORT_OUTSIDE)) {
		if ((flags & (SW_TCP_SYN | SW_TCP_ACK)) == SW_TCP_SYN)
			dp_proxy_syn(w, p);
		else if ((flags & (SW_TCP_SYN | SW_TCP_ACK | SW_TCP_RST)) == SW_TCP_ACK)
			dp_proxy_ack(w, p);
		else
			dp_drop(w, p, SW_DROP_no_flow);
		return;
	}
	switch (action) {
	case SW_CLASS_PROXY:
		/* A server packet for a protected service without a flow. */
		dp_drop(w, p, SW_DROP_no_flow);
		return;
	case SW_CLASS_BRIDGE:
	case SW_CLASS_PASS:
		dp_fwd(w, p);
		return;
	case SW_CLASS_DROP_DENY:
		w->svc[p->service_id].dropped++;
		dp_drop(w, p, SW_DROP_deny);
		return;
	case SW_CLASS_DROP_SERVICE:
		w->svc[p->service_id].dropped++;
		dp_drop(w, p, SW_DROP_service_drop);
		return;
	default:
		dp_drop(w, p, SW_DROP_default_drop);
		return;
	}
}

void
dp_no_flow(struct sw_worker *w, struct dp_pkt *p)
{
	no_flow(w, p, w->rx_port, p->action);
}

/*
 * Queue p on worker `to`'s inbox as having gone through `hops` workers
 * before it, or drop it as steer_full when that is full. Consumes p->m. The
 * receiver counts rx again: ours is undone, so each packet counts once. The
 * caller takes p's bytes out of the burst's rx bytes (a packet dropped here
 * counts in rx but not in rx_bytes).
 */
static void
hand_to(struct sw_worker *w, struct dp_pkt *p, uint16_t to, uint16_t hops)
{
	unsigned port = w->rx_port;
	struct rte_mbuf *m = p->m;

	w->stats.port[port][SW_PC_rx]--;
	m->hash.usr = port | (uint32_t)hops << 8;
	if (rte_ring_mp_enqueue(w->sh->steer_rings[to], m) != 0) {
		w->stats.port[port][SW_PC_rx]++;
		dp_drop(w, p, SW_DROP_steer_full);
	} else {
		w->stats.ev[SW_EV_steered]++;
	}
}

/*
 * Steer p to its owner worker when that is not w. Returns true when p left
 * (hand_to()). The rx bytes are the caller's register, not ours through a
 * pointer: a local whose address escapes would be stored and reloaded for
 * every packet.
 */
static __rte_noinline bool
steer_away_hash(struct sw_worker *w, struct dp_pkt *p, uint32_t hash)
{
	uint16_t owner = hash % w->sh->nb_workers;

	if (owner == w->idx)
		return false;
	hand_to(w, p, owner, 0);
	return true;
}

/*
 * With RSS (no software steering) and several workers: a packet the NIC
 * hashed on other fields than its flow's segments, so that it may have
 * landed on another worker than the flow's: an ICMP error (hashed on its own
 * addresses) or a first fragment (addresses only, no ports). When this
 * worker does not have the flow, p goes on to the next worker; each worker
 * is tried once, and the last does what a worker without the flow does.
 * Returns true when p left (hand_to()). Under software steering it was
 * handed to its owner already.
 */
static __rte_noinline bool
hand_on(struct sw_worker *w, struct dp_pkt *p)
{
	const unsigned n = w->sh->nb_workers;

	if (w->sh->steer || w->rx_hops + 1u >= n)
		return false;
	hand_to(w, p, (uint16_t)((w->idx + 1u) % n), (uint16_t)(w->rx_hops + 1u));
	return true;
}

static inline bool
steer_away(struct sw_worker *w, struct dp_pkt *p)
{
	return steer_away_hash(w, p, steer_hash(p));
}

/*
 * Parse failures and non-TCP: out of the way of the TCP loop. True when
 * steered away. An ICMP error to a server about one of its segments goes to
 * the worker of the quoted segment's flow (software steering; with RSS,
 * hand_on()) and is bridged, translated (icmp.c).
 */
static __rte_noinline bool
not_tcp(struct sw_worker *w, struct dp_pkt *p, enum sw_pkt_verdict pv)
{
	struct dp_icmp_quote q;

	if (pv == SW_PKT_NOT_IP) {
		dp_fwd(w, p);
	} else if (pv != SW_PKT_OK) {
		dp_drop(w, p, parse_drop[pv]);
	} else if (w->rx_port == SW_PORT_OUTSIDE && dp_icmp_quote(p->frame, &p->v, &q)) {
		if (w->sh->steer && steer_away_hash(w, p, steer_hash_tuple(&q.t)))
			return true;
		if (!dp_icmp_error(w, p, &q) && hand_on(w, p))
			return true;
		dp_fwd(w, p);
	} else if (w->sh->steer && steer_away(w, p)) {
		return true;
	} else {
		dp_fwd(w, p);
	}
	return false;
}

void
sw_dp_process_burst(struct sw_worker *w, unsigned port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_pkt pk[SW_BURST];
	struct sw_tuple tup[SW_BURST];
	const struct sw_tuple *keys[SW_BURST];
	const struct sw_tuple *cq[SW_BURST];
	const struct sw_tuple *const *cls = cq; /* the tuples to classify */
	struct sw_flow *flows[SW_BURST];
	uint64_t hashes[SW_BURST];
	uint8_t qidx[SW_BURST + 1]; /* pk index of each classified tuple, then a sentinel */
	uint8_t act[SW_BURST];
	uint16_t svc[SW_BURST];
	unsigned nq = 0, nc = 0;
	const bool steer = w->sh->steer;
	const bool reverse = port == SW_PORT_INSIDE; /* orient client -> server */
	uint64_t rx_bytes = 0;

	RTE_ASSERT(n <= SW_BURST);
	w->rx_port = port;
	w->stats.port[port][SW_PC_rx] += n;
	for (uint16_t i = 0; i < RTE_MIN(n, (uint16_t)DP_PREFETCH); i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	/*
	 * Stage 1: parse, and for TCP fill the tuple in the same pass; anything
	 * else goes straight through or is dropped. p and t walk pk[] and tup[]
	 * (the next free entries): indexes would be rescaled for every packet.
	 */
	struct dp_pkt *p = pk;
	struct sw_tuple *t = tup;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum sw_pkt_verdict pv;

		if (i + DP_PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH], void *));
		rx_bytes += rte_pktmbuf_pkt_len(m);
		p->m = m;
		p->frame = rte_pktmbuf_mtod(m, uint8_t *);
		if (unlikely(!sw_pkt_parse_tcp(
			    p->frame, rte_pktmbuf_data_len(m), reverse, &p->v, t, &pv))) {
			/* Its length read first: a packet handed to another worker may be gone. */
			const uint32_t len = rte_pktmbuf_pkt_len(m);

			if (not_tcp(w, p, pv))
				rx_bytes -= len;
			continue;
		}
		if (unlikely(steer)) {
			const uint32_t len = rte_pktmbuf_pkt_len(m);

			if (steer_away(w, p)) {
				rx_bytes -= len;
				continue;
			}
		}
		p->t = t;
		keys[nq++] = t;
		p++;
		t++;
	}
	w->stats.port[port][SW_PC_rx_bytes] += rx_bytes;
	if (nq == 0)
		return;

	/*
	 * Stage 2: look flows up in bulk (prefetched), then classify in bulk
	 * what has no flow. A packet of a live flow needs no rules: a flow
	 * outlives a reload that removes or changes its service (it keeps being
	 * translated until it closes). A client SYN is classified even with a
	 * flow: on a TIME_WAIT/CLOSED flow it may reopen it as a new connection.
	 */
	const bool any_flow = sw_flowtab_count(w->ft) != 0;

	if (any_flow) {
		sw_flowtab_lookup_bulk_hashed(w->ft, keys, nq, flows, hashes);
		for (unsigned i = 0; i < nq; i++) {
			if (flows[i] != NULL &&
				(port != SW_PORT_OUTSIDE ||
					(pk[i].v.tcp_flags & (SW_TCP_SYN | SW_TCP_ACK)) !=
						SW_TCP_SYN))
				continue;
			cq[nc] = keys[i];
			qidx[nc++] = (uint8_t)i;
		}
	} else {
		/* No flow at all (a flood on a quiet box): every packet is classified. */
		for (unsigned i = 0; i < nq; i++) {
			flows[i] = NULL;
			hashes[i] = 0; /* computed when needed (dp_hash) */
			qidx[i] = (uint8_t)i;
		}
		cls = keys;
		nc = nq;
	}
	if (nc > 0)
		sw_classify_tuples(w->rt->cl, cls, nc, act, svc);

	/* Stage 3: act. */
	const uint32_t changes0 = w->ft_changes, dels0 = w->ft_dels;
	unsigned k = 0;

	qidx[nc] = UINT8_MAX; /* sentinel: no packet index matches it */
	p = pk;
	for (unsigned i = 0; i < nq; i++, p++) {
		struct sw_flow *f = flows[i];
		bool classified = qidx[k] == i;

		p->hash = hashes[i];
		if (classified) {
			p->action = act[k];
			p->service_id = svc[k];
			k++;
		}
		/*
		 * An earlier packet of this burst changed the table: the bulk
		 * result may be stale. After a deletion or eviction any hit may
		 * be (an evicted entry reused for another tuple); after an add,
		 * only a miss on the added tuple (a duplicate third ACK, or the
		 * data right behind a third ACK), which the filter of added
		 * hashes lets through with few false positives. Look again.
		 */
		if (unlikely(w->ft_changes != changes0) &&
			(w->ft_dels != dels0 || (f == NULL && dp_ft_maybe_added(w, dp_hash(w, p)))))
			f = sw_flowtab_lookup(w->ft, p->t, dp_hash(w, p));
		if (f != NULL) {
			dp_proxy_flow(w, p, f);
			continue;
		}
		if (unlikely(!classified)) {
			/* Its flow went away earlier in this burst: classify it alone. */
			sw_classify_tuples(w->rt->cl, &p->t, 1, &p->action, &p->service_id);
		}
		if (unlikely(p->v.is_fragment)) {
			const uint32_t len = rte_pktmbuf_pkt_len(p->m);

			if (hand_on(w, p)) {
				w->stats.port[port][SW_PC_rx_bytes] -= len;
				continue;
			}
		}
		no_flow(w, p, port, p->action);
	}
	if (w->syn_n != 0)
		dp_syn_flush(w);
	if (unlikely(w->ft_changes != changes0))
		memset(w->ft_added, 0, sizeof(w->ft_added));
}

static void
poll_time(struct sw_worker *w, uint64_t now_tsc)
{
	const uint64_t ms = now_tsc / w->tsc_per_ms;
	uint32_t epoch, len;

	w->now_tsc = now_tsc;
	w->now_ms = (uint32_t)ms;
	/* cp may change the epoch length on reload: a relaxed read, once per poll. */
	len = __atomic_load_n(&w->sh->cookie_epoch_ms, __ATOMIC_RELAXED);
	if (unlikely(len != w->epoch_len_ms)) {
		/* The next epoch begins now, under the new length (see epoch_base). */
		if (w->epoch_len_ms != 0) {
			w->epoch_base += (uint32_t)((ms - w->epoch_t0_ms) / w->epoch_len_ms) + 1;
			w->epoch_t0_ms = ms;
		}
		w->epoch_len_ms = len;
	}
	epoch = w->epoch_base + (uint32_t)((ms - w->epoch_t0_ms) / len);
	sw_cookie_keys_update(&w->keys, &w->sh->cookie_master, epoch);
	/* The 64-bit ms, as the control thread's second (observe.c): now_ms wraps at 2^32. */
	if (unlikely((uint32_t)(ms / 1000) != w->hll_sec)) {
		/*
		 * A poll more than a second after the last one (the worker was
		 * descheduled) skipped a second: the other bank still holds the
		 * second before that, which the control thread would read as the
		 * second that just ended. Nothing was counted in it: clear both.
		 */
		const bool skipped = (uint32_t)(ms / 1000) - w->hll_sec != 1;

		w->hll_sec = (uint32_t)(ms / 1000);
		for (unsigned bank = 0; bank < 2; bank++) {
			if (bank != (w->hll_sec & 1) && !skipped)
				continue;
			for (unsigned id = 0; id <= SW_CONFIG_SERVICES_MAX; id++)
				sw_hll_clear(sw_dp_hll(w, bank, (uint16_t)id));
			memset(w->syn_bank[bank], 0, sizeof(w->syn_bank[bank]));
		}
	}
}

unsigned
sw_dp_poll(struct sw_worker *w, uint64_t now_tsc)
{
	struct rte_mbuf *pkts[SW_BURST];
	unsigned total = 0;

	poll_time(w, now_tsc);
	w->rt = atomic_load_explicit(&w->sh->rt, memory_order_acquire);

	for (unsigned port = 0; port < SW_NB_PORTS; port++) {
		uint16_t n = rte_eth_rx_burst(w->sh->port_id[port], w->queue_id, pkts, SW_BURST);

		if (n > 0) {
			sw_dp_process_burst(w, port, pkts, n);
			total += n;
		}
	}
	if (w->sh->nb_workers > 1) {
		unsigned n =
			rte_ring_sc_dequeue_burst(w->steer_ring, (void **)pkts, SW_BURST, NULL);

		/* Handed-over packets are processed one run of port and hops (hand_to()) at a time. */
		for (unsigned i = 0; i < n;) {
			uint32_t usr = pkts[i]->hash.usr;
			unsigned j = i + 1;

			while (j < n && pkts[j]->hash.usr == usr)
				j++;
			w->rx_hops = (uint16_t)(usr >> 8);
			sw_dp_process_burst(w, usr & 0xff, pkts + i, (uint16_t)(j - i));
			i = j;
		}
		w->rx_hops = 0;
		total += n;
	}
	sw_dp_flush(w);
	sw_flowtab_expire(w->ft, w->now_ms, w->expire_budget, dp_flow_expired, w);
	sw_dp_flush(w);
	return total;
}

int
sw_dp_worker_main(void *arg)
{
	struct sw_worker *w = arg;
	struct sw_dp_shared *sh = w->sh;

	rte_rcu_qsbr_thread_register(sh->rcu, w->idx);
	rte_rcu_qsbr_thread_online(sh->rcu, w->idx);
	DP_LOG(INFO, "worker %u on lcore %u, queue %u\n", w->idx, w->lcore_id, w->queue_id);

	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		uint64_t start = rte_rdtsc();
		unsigned n = sw_dp_poll(w, start);

		if (n > 0) {
			w->stats.ev[SW_EV_polls_busy]++;
			w->stats.ev[SW_EV_cycles_busy] += rte_rdtsc() - start;
		} else {
			w->stats.ev[SW_EV_polls_idle]++;
		}
		/* The runtime snapshot read in this poll is no longer referenced. */
		rte_rcu_qsbr_quiescent(sh->rcu, w->idx);
	}
	sw_dp_flush(w);
	rte_rcu_qsbr_thread_offline(sh->rcu, w->idx);
	rte_rcu_qsbr_thread_unregister(sh->rcu, w->idx);
	return 0;
}
