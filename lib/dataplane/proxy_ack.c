/* SPDX-License-Identifier: BSD-3-Clause */
/* Third handshake ACK: verify the cookie, create the flow, turn the ACK into the backend SYN. */
#include <string.h>

#include "dp_internal.h"

static int
keep_alloc(struct sw_worker *w, struct rte_mbuf *m, uint32_t *slot)
{
	if (w->syn_keep_nfree == 0)
		return -ENOSPC;
	*slot = w->syn_keep_free[--w->syn_keep_nfree];
	w->syn_keep[*slot] = m;
	return 0;
}

void
dp_keep_release(struct sw_worker *w, struct sw_flow *f)
{
	uint32_t slot = f->aux;

	if (slot == DP_NO_KEEP || slot >= w->syn_keep_n)
		return;
	rte_pktmbuf_free(w->syn_keep[slot]);
	w->syn_keep[slot] = NULL;
	w->syn_keep_free[w->syn_keep_nfree++] = slot;
	f->aux = DP_NO_KEEP;
}

struct rte_mbuf *
dp_keep_take(struct sw_worker *w, struct sw_flow *f)
{
	uint32_t slot = f->aux;
	struct rte_mbuf *m;

	if (slot == DP_NO_KEEP || slot >= w->syn_keep_n)
		return NULL;
	m = w->syn_keep[slot];
	w->syn_keep[slot] = NULL;
	w->syn_keep_free[w->syn_keep_nfree++] = slot;
	f->aux = DP_NO_KEEP;
	return m;
}

/*
 * The window scale the SYN-ACK of a valid cookie announced: the service's
 * setting as frozen for the cookie's epoch (sw_cookie_epoch; the running
 * one if no SYN of the epoch froze it here), and when that is learn, the
 * learned shift frozen for the epoch.
 */
static __rte_always_inline uint8_t
adv_wscale(struct sw_worker *w, const struct sw_tuple *t, uint16_t sid,
	const struct sw_config_service *svc, uint32_t cookie, bool ts_mode)
{
	const uint32_t epoch = sw_cookie_epoch(&w->keys, cookie, ts_mode);
	uint8_t ws;

	if (!dp_ws_snap_peek(&w->svc_ws[sid][epoch & 1], epoch, &ws))
		ws = svc != NULL ? svc->wscale : SW_CONFIG_WSCALE_LEARN;
	return ws != SW_CONFIG_WSCALE_LEARN ? ws : dp_adv_wscale(w, t, epoch);
}

/* A zero-window probe comes after the client's probe timer, at least its RTO: 200 ms on Linux. */
#define PROBE_MIN_MS 100

/*
 * Whether an ACK that failed the cookie check may be a zero-window probe:
 * the SYN-ACK's window is 0, so when a client's third ACK is lost the client
 * has nothing to send but probes, and Linux's carry seq = snd_una - 1, the
 * client's ISN itself (RFC 9293 3.8.6.1). Without this, such a connection
 * hangs. A probe has no payload, and with timestamps it echoes the TSval of
 * our SYN-ACK, sent between PROBE_MIN_MS and two cookie epochs ago: a random
 * TSecr passes with a chance of about 2 * epoch / 2^32, so a forged-ACK flood
 * pays the second cookie check only without timestamps, or with a TSecr
 * fitted to our clock and at least PROBE_MIN_MS old.
 */
static inline bool
is_probe(const struct sw_worker *w, const struct sw_pkt_view *v, const struct sw_tcpopt *o)
{
	uint32_t epoch_ms = __atomic_load_n(&w->sh->cookie_epoch_ms, __ATOMIC_RELAXED);
	uint32_t age;

	if (v->payload_len != 0 || (v->tcp_flags & (SW_TCP_SYN | SW_TCP_FIN | SW_TCP_RST)) != 0)
		return false;
	if (!o->has_ts)
		return true;
	/* Our TSvals carry the clock with its low 6 bits replaced: up to 63 ms ahead of it. */
	age = w->now_ms + w->ts_clock - o->tsecr + SW_COOKIE_TSVAL_MASK;
	return age >= PROBE_MIN_MS && age <= 2 * epoch_ms + SW_COOKIE_TSVAL_MASK;
}

/* The backend SYN of a third ACK that is not plain, by the generic builders. 0 or -ENOSPC. */
static __rte_noinline int
backend_syn_generic(
	struct dp_pkt *p, uint32_t isn, uint8_t flags, uint16_t win, const struct sw_tcpopt_syn *so)
{
	uint8_t opt[SW_TCP_OPT_MAX];
	uint16_t opt_len = sw_tcpopt_syn_build(opt, so);

	return dp_make_tcp(p->m, &p->v, isn, 0, flags, win, opt, opt_len);
}

void
dp_proxy_ack(struct sw_worker *w, struct dp_pkt *p)
{
	struct sw_pkt_view *v = &p->v;
	uint8_t *tcph = dp_tcph(p);
	struct sw_tcpopt o;
	struct sw_cookie_opts co;
	struct sw_conn_syn_opts client, adv_c;
	struct sw_tcpopt_syn so;
	struct sw_flow *f;
	uint32_t isn, cookie, slot, syn_win;
	uint16_t win;
	uint64_t addr_sum;
	uint8_t flags;
	bool evicted = false;

	if (sw_tcpopt_parse(tcph + SW_TCP_HDR_MIN, (uint16_t)(v->l4_len - SW_TCP_HDR_MIN), &o) !=
		0) {
		dp_drop(w, p, SW_DROP_bad_tcpopt);
		return;
	}
	const struct sw_tuple *t = p->t;

	isn = sw_rd32(tcph + SW_TCP_OFF_SEQ) - 1;
	cookie = sw_rd32(tcph + SW_TCP_OFF_ACK) - 1;
	/* Forged or expired: drop silently, never reflect a RST (RFC 4987 3.6). */
	if (sw_cookie_check(&w->keys, t, isn, cookie, o.has_ts, o.tsecr, &co) != 0) {
		if (!is_probe(w, v, &o) ||
			sw_cookie_check(&w->keys, t, isn + 1, cookie, o.has_ts, o.tsecr, &co) !=
				0) {
			w->svc[p->service_id].cookie_invalid++;
			dp_drop(w, p, SW_DROP_cookie_invalid);
			return;
		}
		isn++;
		w->stats.ev[SW_EV_third_ack_probe]++;
	}
	/* The addresses' sum serves the backend SYN's checksum (same addresses, dp_tcp_plain). */
	if (!dp_csum_ok(p, &addr_sum)) {
		dp_drop(w, p, SW_DROP_bad_csum);
		return;
	}
	/*
	 * The service id and its config in locals: the calls below would
	 * otherwise make the compiler load them again after every one.
	 */
	const uint16_t sid = p->service_id;
	const struct sw_config_service *svc = w->rt->svc[sid];

	w->stats.ev[SW_EV_cookie_valid]++;
	w->svc[sid].cookie_valid++;
	if (co.has_ts)
		w->stats.ev[SW_EV_cookie_ts_mode]++;

	/* The service's share of the table ([service] flow_share). */
	if (unlikely(svc != NULL && svc->flow_share_pct < 100) &&
		w->svc_flows[sid] >=
			RTE_MAX((uint64_t)w->sh->flow_capacity * svc->flow_share_pct / 100,
				(uint64_t)1)) {
		dp_drop(w, p, SW_DROP_table_full);
		return;
	}
	const uint64_t hash = dp_hash(w, p);

	/* SYN_SENT from the start: one step instead of add then set_state. */
	f = sw_flowtab_add_state(w->ft, t, hash, SW_CONN_SYN_SENT, &evicted);
	dp_ft_added(w, hash);
	if (evicted) {
		dp_ft_deleted(w);
		w->stats.ev[SW_EV_flows_evicted]++;
	}
	if (f == NULL) {
		/* Table full of established flows: the client's retransmission may succeed. */
		dp_drop(w, p, SW_DROP_table_full);
		return;
	}
	client.mss = co.mss;
	client.wscale = co.wscale;
	client.has_wscale = co.has_wscale;
	client.sack_perm = co.sack_perm;
	client.has_ts = co.has_ts;
	client.ecn = co.ecn;
	/* What the SYN-ACK offered: SACK and TS as the cookie says, the shift as it was frozen. */
	adv_c.mss = 0; /* not used */
	adv_c.wscale = adv_wscale(w, t, sid, svc, cookie, co.has_ts);
	adv_c.has_wscale = co.has_wscale && adv_c.wscale != SW_ADV_WS_NONE;
	adv_c.sack_perm = co.sack_perm;
	adv_c.has_ts = co.has_ts;
	adv_c.ecn = co.ecn;
	f->service_id = sid;
	w->svc_flows[sid]++;
	f->aux = DP_NO_KEEP;
	win = sw_rd16(tcph + SW_TCP_OFF_WIN); /* read once: sw_conn_open() is opaque */
	sw_conn_open(&f->conn, isn, cookie, &client, &adv_c, o.has_ts ? o.tsval : 0,
		o.has_ts ? o.tsecr : 0, win);
	f->expire_ms = w->now_ms + SW_BACKEND_RTO_MS;

	/* The ACK becomes the backend SYN: the client's own ISN and options. */
	so.mss = co.mss;
	so.wscale = co.wscale;
	so.has_wscale = co.has_wscale;
	so.has_sack_perm = co.sack_perm;
	so.has_ts = co.has_ts;
	so.tsval = o.tsval;
	so.tsecr = 0;
	/* A SYN's window is never scaled (RFC 7323 2.2): unscale the third ACK's. */
	syn_win = win;
	if (adv_c.has_wscale) /* the client scales only when our SYN-ACK had WS too */
		syn_win = RTE_MIN((uint32_t)syn_win << co.wscale, 0xffffu);
	flags = SW_TCP_SYN | (co.ecn ? SW_TCP_ECE | SW_TCP_CWR : 0);
	/*
	 * The common case in one pass: the options' words written and summed as
	 * they go (all SW_TCPOPT_SYN_WORDS_MAX stored, the unused ones zero), the
	 * checksums from addr_sum; the rest (IPv4 options, extension headers, a
	 * chained payload, no room) by the generic builders.
	 */
	if (likely(dp_is_plain(p->m, v, SW_TCP_HDR_MIN + 4 * SW_TCPOPT_SYN_WORDS_MAX))) {
		uint32_t ow[SW_TCPOPT_SYN_WORDS_MAX];
		unsigned n = sw_tcpopt_syn_words(&so, ow);

		dp_tcp_plain(p->m, v, isn, 0, flags, (uint16_t)syn_win, ow, SW_TCPOPT_SYN_WORDS_MAX,
			n, addr_sum, w->tx_csum);
	} else if (backend_syn_generic(p, isn, flags, (uint16_t)syn_win, &so) != 0) {
		dp_flow_forget(w, f);
		sw_flowtab_del(w->ft, f);
		dp_ft_deleted(w);
		dp_drop(w, p, SW_DROP_no_mbuf);
		return;
	}
	/* Keep a reference for retransmission; the PMD releases its own after TX. */
	if (keep_alloc(w, p->m, &slot) == 0) {
		rte_mbuf_refcnt_update(p->m, 1);
		f->aux = slot;
	} else {
		/*
		 * Keep slots full (a bound on the mbufs they pin): no copy to
		 * retransmit or to reset the client from. The flow waits for
		 * the backend's SYN-ACK for the whole SYN_SENT timeout instead.
		 */
		w->stats.ev[SW_EV_backend_syn_unkept]++;
		f->expire_ms = w->now_ms + w->rt->tmo[sid].ms[SW_CONN_SYN_SENT];
	}
	w->stats.ev[SW_EV_backend_syn_sent]++;
	dp_fwd(w, p);
}
