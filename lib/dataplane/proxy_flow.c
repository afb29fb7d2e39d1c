/* SPDX-License-Identifier: BSD-3-Clause */
/* Packets of existing flows: backend SYN-ACK, the spliced relay, teardown, RST, expiry. */
#include <string.h>

#include "dp_internal.h"

/* Direction of a segment: it came in on the outside port (client) or the inside one. */
static inline enum sw_conn_dir
dp_dir(const struct sw_worker *w)
{
	return w->rx_port == SW_PORT_OUTSIDE ? SW_DIR_C2S : SW_DIR_S2C;
}

static const struct sw_conn_timeouts *
flow_tmo(const struct sw_worker *w, const struct sw_flow *f)
{
	/* A service removed by a reload: its flows keep its timeouts (runtime.c). */
	return &w->rt->tmo[f->service_id];
}

static void
flow_rearm(struct sw_worker *w, struct sw_flow *f)
{
	f->expire_ms = w->now_ms + sw_conn_timeout_ms(&f->conn, flow_tmo(w, f));
}

/* window_update() of a SYN-ACK that is not plain, by the generic builders. */
static __rte_noinline void
window_update_generic(struct sw_worker *w, const struct dp_pkt *p, struct rte_mbuf *kept,
	const struct sw_conn_seg *upd_seg)
{
	struct rte_mbuf *upd;

	if (kept != NULL)
		rte_pktmbuf_free(kept);
	upd = dp_copy_headers(w, p->m, &p->v);
	if (upd != NULL) {
		struct sw_pkt_view uv = p->v;

		if (dp_make_seg(upd, &uv, upd_seg, 0) == 0)
			dp_generated(w, SW_PORT_OUTSIDE, upd);
		else
			rte_pktmbuf_free(upd);
	} else {
		/* The client's zero-window probe fetches the window later. */
		w->stats.ev[SW_EV_gen_no_mbuf]++;
	}
}

/*
 * The window update to the client: upd_seg in the SYN-ACK's own headers
 * (server -> client, as received). kept is the backend SYN taken from its
 * slot, or NULL; consumed either way.
 */
static inline void
window_update(struct sw_worker *w, const struct dp_pkt *p, struct rte_mbuf *kept,
	const struct sw_conn_seg *upd_seg, bool plain, uint64_t addr_sum)
{
	const struct sw_pkt_view *v = &p->v;
	struct rte_mbuf *upd;

	if (unlikely(!plain)) {
		window_update_generic(w, p, kept, upd_seg);
		return;
	}
	/*
	 * The backend SYN is done with once the backend answered: when the
	 * slot's reference is the only one (the PMD has released its own after
	 * TX), its buffer carries the update: a free and an allocation saved.
	 * Of what rte_pktmbuf_reset() clears, the fields a transmit may look
	 * at; dp_seg_plain() sets the lengths and ol_flags, and the headroom
	 * the receive left is as good as any.
	 */
	if (kept != NULL && rte_mbuf_refcnt_read(kept) == 1 && RTE_MBUF_DIRECT(kept) &&
		kept->next == NULL) {
		kept->nb_segs = 1;
		kept->tx_offload = 0;
		kept->vlan_tci = 0;
		kept->vlan_tci_outer = 0;
		kept->packet_type = 0;
		upd = kept;
	} else {
		if (kept != NULL)
			rte_pktmbuf_free(kept);
		upd = rte_pktmbuf_alloc(w->pool);
		if (upd == NULL) {
			/* The client's zero-window probe fetches the window later. */
			w->stats.ev[SW_EV_gen_no_mbuf]++;
			return;
		}
	}
	/* One segment either way: only the room is left to check (dp_is_plain). */
	if (unlikely((uint32_t)v->l4_off + SW_TCP_HDR_MIN + DP_SEG_OPT_LEN >
		    (uint32_t)upd->buf_len - upd->data_off)) {
		/* Mbufs too small for the one-pass writer: the generic builders decide. */
		rte_pktmbuf_free(upd);
		window_update_generic(w, p, NULL, upd_seg);
		return;
	}
	/* L2, L3 and the ports as received; dp_seg_plain() writes the rest. */
	memcpy(rte_pktmbuf_mtod(upd, uint8_t *), p->frame, v->l4_off + 4u);
	upd->port = p->m->port;
	dp_seg_plain(upd, v, upd_seg, addr_sum, w->tx_csum);
	dp_generated(w, SW_PORT_OUTSIDE, upd);
}

/*
 * Backend SYN-ACK in SYN_SENT (or a retransmission of it): ACK the backend
 * from the received mbuf and open the client's window with a generated ACK.
 */
static void
on_synack(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f)
{
	struct sw_pkt_view *v = &p->v;
	uint8_t *tcph = dp_tcph(p);
	struct sw_conn *c = &f->conn;
	struct sw_conn_seg seg, upd_seg;
	struct sw_tcpopt o;
	/*
	 * Both replies in one pass each when the SYN-ACK is plain (dp_is_plain):
	 * the two share its addresses, so one address sum serves both.
	 */
	const bool plain = dp_is_plain(p->m, v, SW_TCP_HDR_MIN + DP_SEG_OPT_LEN);
	uint64_t addr_sum = 0;
	int ret;

	if (sw_tcpopt_parse(tcph + SW_TCP_HDR_MIN, (uint16_t)(v->l4_len - SW_TCP_HDR_MIN), &o) !=
		0) {
		dp_drop(w, p, SW_DROP_bad_tcpopt);
		return;
	}
	ret = sw_conn_on_synack(c, sw_rd32(tcph + SW_TCP_OFF_SEQ), sw_rd32(tcph + SW_TCP_OFF_ACK),
		sw_rd16(tcph + SW_TCP_OFF_WIN), &o, &seg, &upd_seg);
	if (ret == -EALREADY) {
		w->stats.ev[SW_EV_synack_rtx]++;
	} else if (ret != 0) {
		dp_drop(w, p, SW_DROP_synack_invalid);
		return;
	}
	if (likely(plain))
		addr_sum = dp_addr_sum_plain(p->frame, v);
	if (ret == 0) {
		struct rte_mbuf *kept;

		dp_state_sync(w, f);
		kept = dp_keep_take(w, f);
		dp_learned_put(w, p->t, &o, c->flags & SW_CONN_F_CLI_SACK,
			c->flags & SW_CONN_F_CLI_TS, c->flags & SW_CONN_F_CLI_WS);
		flow_rearm(w, f);
		w->stats.ev[SW_EV_conn_established]++;
		/*
		 * The client was told ECN is on (ecn = on); the backend's answer is
		 * not an ECN-setup SYN-ACK (ECE without CWR, RFC 3168 6.1.1).
		 */
		if ((c->flags & SW_CONN_F_CLI_ECN) &&
			(v->tcp_flags & (SW_TCP_ECE | SW_TCP_CWR)) != SW_TCP_ECE) {
			w->stats.ev[SW_EV_ecn_declined]++;
			c->flags |= SW_CONN_F_ECN_STRIP; /* see ecn_boundary() */
		}
		if (f->service_id <= SW_CONFIG_SERVICES_MAX)
			w->svc[f->service_id].established++;
		/* Window update to the client (server -> client, as received). */
		window_update(w, p, kept, &upd_seg, plain, addr_sum);
	}
	/* ACK the backend from the SYN-ACK itself (turned client -> server). */
	if (likely(plain)) {
		dp_swap_plain(p->frame, v);
		dp_seg_plain(p->m, v, &seg, addr_sum, w->tx_csum);
	} else {
		dp_swap_l2_l3_l4(p->frame, v);
		if (dp_make_seg(p->m, v, &seg, 0) != 0) {
			dp_drop(w, p, SW_DROP_no_mbuf);
			return;
		}
	}
	dp_answer(w, p);
}

/* Backend refused (RST to our SYN): reset the client with its own numbering. */
static void
on_backend_rst(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f)
{
	struct sw_conn *c = &f->conn;
	uint8_t *tcph = dp_tcph(p);

	/* RFC 9293 3.10.7.3: a RST in SYN-SENT is acceptable if it ACKs our SYN. */
	if (!(p->v.tcp_flags & SW_TCP_ACK) || sw_rd32(tcph + SW_TCP_OFF_ACK) != c->client_isn + 1) {
		w->stats.ev[SW_EV_rst_inexact]++;
		dp_drop(w, p, SW_DROP_conn_invalid);
		return;
	}
	if (dp_make_tcp(p->m, &p->v, c->cookie + 1, c->client_isn + 1, SW_TCP_RST | SW_TCP_ACK, 0,
		    NULL, 0) != 0) {
		dp_drop(w, p, SW_DROP_no_mbuf);
		return;
	}
	dp_keep_release(w, f);
	sw_conn_abort(c);
	dp_state_sync(w, f);
	flow_rearm(w, f);
	w->stats.ev[SW_EV_backend_refused]++;
	dp_fwd(w, p);
}

/* RFC 5961 4.2: a SYN on a synchronized flow gets a challenge ACK, never a reset. */
static void
challenge_ack(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f, enum sw_conn_dir dir)
{
	struct sw_conn_seg seg;

	/* At most SW_CHALLENGE_ACK_PER_S per worker (Linux: tcp_challenge_ack_limit). */
	if (w->challenge_sec != w->now_ms / 1000) {
		w->challenge_sec = w->now_ms / 1000;
		w->challenge_n = 0;
	}
	if (w->challenge_n >= SW_CHALLENGE_ACK_PER_S) {
		dp_drop(w, p, SW_DROP_conn_invalid);
		return;
	}
	w->challenge_n++;
	w->stats.ev[SW_EV_challenge_ack]++;
	sw_conn_challenge_ack(&f->conn, dir, &seg);
	dp_swap_l2_l3_l4(p->frame, &p->v);
	if (dp_make_seg(p->m, &p->v, &seg, 0) != 0) {
		dp_drop(w, p, SW_DROP_no_mbuf);
		return;
	}
	dp_answer(w, p);
}

/*
 * The client of a flow with SW_CONN_F_ECN_STRIP was agreed ECN and sends
 * ECT; its backend declined ECN and would ignore a CE mark. synwall is the
 * ECN boundary, as a tunnel decapsulator is (RFC 6040 section 4.2): ECT goes
 * on as Not-ECT, so that the routers towards the backend drop instead of
 * marking, and a CE mark made on the way here is turned into the loss the
 * client's congestion control will see (false: drop it). IPv4 header
 * checksum updated (sw_csum_replace16).
 */
static bool
ecn_boundary(struct dp_pkt *p)
{
	uint8_t *ip = p->frame + p->v.l3_off;

	if (p->v.family == 4) {
		const rte_be16_t w0 = sw_ld16(ip); /* version, IHL, TOS */
		rte_be16_t cksum = sw_ld16(ip + 10); /* the header may be unaligned */

		if ((ip[1] & 3) == 3)
			return false;
		ip[1] &= DP_IPV4_NOT_ECT;
		sw_csum_replace16(&cksum, w0, sw_ld16(ip));
		sw_st16(ip + 10, cksum);
	} else {
		if ((ip[1] & 0x30) == 0x30)
			return false;
		ip[1] &= DP_IPV6_NOT_ECT;
	}
	return true;
}

/*
 * A client's RST while the backend's SYN-ACK is awaited (SYN_SENT) goes to
 * the backend without ACK. Its ack, C + 1, is in the cookie's numbering,
 * which the backend never saw: passed on as it is, it would acknowledge a
 * sequence number the backend never sent, and nothing can translate it yet
 * (K is unknown). RFC 9293 3.10.7.4 checks a RST by its sequence number alone
 * (J + 1 here, which the tracker has checked), so the backend takes it either
 * way. Flags and ack rewritten, checksum updated (sw_csum_replace16/32).
 */
static void
rst_drop_ack(uint8_t *tcph)
{
	const rte_be16_t w0 = sw_ld16(tcph + SW_TCP_OFF_DOFF); /* data offset and flags */
	rte_be16_t cksum = sw_ld16(tcph + SW_TCP_OFF_CSUM); /* tcph may be unaligned */

	tcph[SW_TCP_OFF_FLAGS] &= (uint8_t)~SW_TCP_ACK;
	sw_csum_replace16(&cksum, w0, sw_ld16(tcph + SW_TCP_OFF_DOFF));
	sw_csum_replace32(&cksum, sw_ld32(tcph + SW_TCP_OFF_ACK), 0);
	sw_st32(tcph + SW_TCP_OFF_ACK, 0);
	sw_st16(tcph + SW_TCP_OFF_CSUM, cksum);
}

/*
 * Everything but the relay fast path: handshake, teardown, RST, SYN on a
 * live flow. Kept out of line so the fast path needs no stack frame.
 */
void
dp_proxy_flow_slow(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f)
{
	enum sw_conn_dir dir = dp_dir(w);
	struct sw_conn *c = &f->conn;
	uint8_t *tcph = dp_tcph(p);
	uint8_t flags = p->v.tcp_flags;
	enum sw_conn_verdict verdict;
	enum sw_conn_state ns;
	uint8_t old = c->state;

	if (unlikely(c->flags & SW_CONN_F_ECN_STRIP) && dir == SW_DIR_C2S && !ecn_boundary(p)) {
		dp_drop(w, p, SW_DROP_ecn_ce);
		return;
	}
	if (c->state == SW_CONN_SYN_SENT) {
		if (dir == SW_DIR_S2C) {
			if (flags & SW_TCP_RST)
				on_backend_rst(w, p, f);
			else if ((flags & (SW_TCP_SYN | SW_TCP_ACK)) == (SW_TCP_SYN | SW_TCP_ACK))
				on_synack(w, p, f);
			else
				dp_drop(w, p, SW_DROP_conn_invalid);
			return;
		}
		if ((flags & (SW_TCP_SYN | SW_TCP_RST)) == 0) {
			/* Retransmitted third ACK or zero-window probe: the SYN is under way. */
			w->stats.ev[SW_EV_third_ack_rtx]++;
			dp_consume(w, p);
			return;
		}
		if (flags & SW_TCP_SYN) {
			dp_drop(w, p, SW_DROP_conn_invalid);
			return;
		}
		/* Client RST while we wait: fall through to the tracker (in-window check). */
	}

	if (dir == SW_DIR_C2S && (flags & (SW_TCP_SYN | SW_TCP_ACK)) == SW_TCP_SYN &&
		sw_conn_can_reopen(c)) {
		/* Only a SYN the proxy would answer replaces the old flow. */
		if (flags & (SW_TCP_FIN | SW_TCP_RST | SW_TCP_URG)) {
			dp_drop(w, p, SW_DROP_syn_bad_flags);
			return;
		}
		uint64_t addr_sum;

		if (!dp_csum_ok(p, &addr_sum)) {
			dp_drop(w, p, SW_DROP_bad_csum);
			return;
		}
		dp_keep_release(w, f);
		dp_flow_forget(w, f);
		sw_flowtab_del(w->ft, f);
		dp_ft_deleted(w);
		/* A new connection: what the rules say now (a reload may have changed them). */
		if (p->action == SW_CLASS_PROXY)
			w->stats.ev[SW_EV_conn_reopened]++;
		dp_no_flow(w, p);
		return;
	}
	/* A SYN on a live flow reaches the tracker, which asks for a challenge ACK. */
	if (dir == SW_DIR_S2C && (flags & (SW_TCP_SYN | SW_TCP_ACK)) == (SW_TCP_SYN | SW_TCP_ACK)) {
		on_synack(w, p, f);
		return;
	}

	/*
	 * Translate first: a segment with malformed options is dropped before it
	 * can move the state machine. The tracker sees the fields as received.
	 */
	{
		uint32_t seq = sw_rd32(tcph + SW_TCP_OFF_SEQ), ack = sw_rd32(tcph + SW_TCP_OFF_ACK);
		uint16_t win = sw_rd16(tcph + SW_TCP_OFF_WIN);

		if (sw_conn_xlate(c, dir, tcph, p->v.l4_len) != 0) {
			dp_drop(w, p, SW_DROP_bad_tcpopt);
			return;
		}
		verdict = sw_conn_track(c, dir, flags, seq, ack, p->v.payload_len, win);
	}
	/* dp_state_sync(), keeping the state for the timeout below. */
	ns = sw_conn_next_state(c);
	if (ns != old)
		sw_flowtab_set_state(w->ft, f, (uint8_t)ns);
	switch (verdict) {
	case SW_CONN_V_FWD:
	case SW_CONN_V_RST_FWD:
	case SW_CONN_V_RST_INWIN:
		break;
	case SW_CONN_V_CHALLENGE_ACK:
		challenge_ack(w, p, f, dir);
		return;
	case SW_CONN_V_DROP_EARLY:
		w->stats.ev[SW_EV_third_ack_rtx]++;
		dp_consume(w, p);
		return;
	default:
		if (flags & SW_TCP_RST)
			w->stats.ev[SW_EV_rst_inexact]++;
		dp_drop(w, p, SW_DROP_conn_invalid);
		return;
	}
	if (verdict == SW_CONN_V_RST_FWD) {
		if (old == SW_CONN_SYN_SENT && (flags & SW_TCP_ACK))
			rst_drop_ack(tcph);
		dp_keep_release(w, f);
		/* A RST after the FIN teardown (TIME_WAIT) closes nothing that was open. */
		if (old != SW_CONN_TIME_WAIT && old != SW_CONN_CLOSED)
			w->stats.ev[SW_EV_conn_reset]++;
	} else if (verdict == SW_CONN_V_RST_INWIN) {
		w->stats.ev[SW_EV_rst_inexact]++;
	} else if (old != SW_CONN_TIME_WAIT && f->conn.state == SW_CONN_TIME_WAIT) {
		w->stats.ev[SW_EV_conn_closed]++;
	}
	/* flow_rearm(): the tracker has run, ns is sw_conn_next_state(). */
	f->expire_ms = w->now_ms + flow_tmo(w, f)->ms[ns];
	dp_fwd(w, p);
}

/*
 * A relayed first FIN: the state moves to FIN_WAIT_1 or CLOSE_WAIT (never
 * TIME_WAIT, so no conn_closed). Out of line: the common segment then needs
 * no register for the state or the connection across its calls.
 */
static __rte_noinline void
relay_fin(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f)
{
	enum sw_conn_state ns = sw_conn_next_state(&f->conn);

	sw_flowtab_set_state(w->ft, f, (uint8_t)ns);
	f->expire_ms = w->now_ms + flow_tmo(w, f)->ms[ns];
	dp_fwd(w, p);
}

/*
 * The spliced relay: an ACK, data or first FIN segment of an ESTABLISHED
 * flow, tracked and translated in one pass. Without FIN the state stays
 * ESTABLISHED: nothing to sync, ESTABLISHED's timeout. What the relay does
 * not take goes the general way with nothing changed.
 */
void
dp_proxy_flow_relay(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f)
{
	int v = sw_conn_relay(&f->conn, dp_dir(w), dp_tcph(p), p->v.l4_len, p->v.payload_len);

	if (likely(v == SW_CONN_V_FWD)) {
		if (unlikely(p->v.tcp_flags & SW_TCP_FIN)) {
			relay_fin(w, p, f);
			return;
		}
		f->expire_ms = w->now_ms + flow_tmo(w, f)->ms[SW_CONN_ESTABLISHED];
		dp_fwd(w, p);
	} else if (v == SW_CONN_V_DROP_INVALID) {
		dp_drop(w, p, SW_DROP_conn_invalid);
	} else {
		dp_proxy_flow_slow(w, p, f);
	}
}

/* How long a first fragment's mark lasts: the receiver's ACK comes within an RTT or two. */
#define FRAG_MARK_MS 10000

static inline void
frag_unmark(struct sw_worker *w, unsigned i)
{
	w->frag_mark[i].f = NULL;
	w->frag_n--;
}

/*
 * A first fragment of a flow's segment (the only one with the TCP header:
 * the proxy never learns the segment's length), or any segment while some
 * flow has such a mark. The first fragment is tracked and translated as
 * usual and marks its flow and direction; the other direction's next ACK
 * beyond what the tracker saw, within its window, is taken as the proof of
 * the segment (sw_conn_ack_seen) and the mark goes. Then as dp_proxy_flow().
 */
void
dp_proxy_flow_frag(struct sw_worker *w, struct dp_pkt *p, struct sw_flow *f)
{
	const enum sw_conn_dir dir = dp_dir(w);
	const bool mark = p->v.is_fragment && (f->conn.flags & SW_CONN_F_SPLICED);
	unsigned i, slot = SW_FRAG_MARKS;

	for (i = 0; i < SW_FRAG_MARKS; i++) {
		if (w->frag_mark[i].f == NULL) {
			slot = RTE_MIN(slot, i);
			continue;
		}
		if ((int32_t)(w->frag_mark[i].until_ms - w->now_ms) <= 0) {
			frag_unmark(w, i); /* expired */
			slot = RTE_MIN(slot, i);
		} else if (w->frag_mark[i].f != f) {
			continue;
		} else if (w->frag_mark[i].dir == dir) {
			slot = mark ? i : slot; /* this direction's mark again: renewed below */
		} else if (!p->v.is_fragment && (p->v.tcp_flags & SW_TCP_ACK) &&
			sw_conn_ack_seen(&f->conn, dir, sw_rd32(dp_tcph(p) + SW_TCP_OFF_ACK))) {
			frag_unmark(w, i);
		}
	}
	if (mark) {
		if (slot == SW_FRAG_MARKS) /* all taken: the next in turn goes */
			slot = w->frag_next++ % SW_FRAG_MARKS;
		else if (w->frag_mark[slot].f == NULL)
			w->frag_n++;
		w->frag_mark[slot].f = f;
		w->frag_mark[slot].dir = (uint8_t)dir;
		w->frag_mark[slot].until_ms = w->now_ms + FRAG_MARK_MS;
	}
	if (likely(f->conn.state == SW_CONN_ESTABLISHED))
		dp_proxy_flow_relay(w, p, f);
	else
		dp_proxy_flow_slow(w, p, f);
}

void
dp_frag_forget(struct sw_worker *w, const struct sw_flow *f)
{
	for (unsigned i = 0; i < SW_FRAG_MARKS; i++)
		if (w->frag_mark[i].f == f)
			frag_unmark(w, i);
}

/* RST to the client of a flow whose backend never answered; built from the kept SYN. */
static void
reset_client(struct sw_worker *w, struct sw_flow *f)
{
	struct rte_mbuf *syn = w->syn_keep[f->aux];
	struct rte_mbuf *m;
	struct sw_pkt_view v;
	uint8_t *frame;

	if (sw_pkt_parse(rte_pktmbuf_mtod(syn, const uint8_t *), rte_pktmbuf_data_len(syn), &v) !=
		SW_PKT_OK)
		return;
	m = dp_copy_headers(w, syn, &v);
	if (m == NULL) {
		w->stats.ev[SW_EV_gen_no_mbuf]++;
		return;
	}
	frame = rte_pktmbuf_mtod(m, uint8_t *);
	dp_swap_l2_l3_l4(frame, &v);
	if (dp_make_tcp(m, &v, f->conn.cookie + 1, f->conn.client_isn + 1, SW_TCP_RST | SW_TCP_ACK,
		    0, NULL, 0) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_generated(w, SW_PORT_OUTSIDE, m);
}

bool
dp_flow_expired(struct sw_flow *f, void *arg)
{
	struct sw_worker *w = arg;

	if (f->conn.state == SW_CONN_SYN_SENT && f->aux != DP_NO_KEEP) {
		if (sw_conn_syn_retry(&f->conn, SW_BACKEND_SYN_RETRIES) == 0) {
			struct rte_mbuf *syn = w->syn_keep[f->aux];

			rte_mbuf_refcnt_update(syn, 1);
			dp_generated(w, SW_PORT_INSIDE, syn);
			w->stats.ev[SW_EV_backend_syn_rtx]++;
			/* Exponential backoff (RFC 6298 5.5). */
			f->expire_ms = w->now_ms + (SW_BACKEND_RTO_MS << f->conn.syn_retries);
			return false;
		}
		reset_client(w, f);
		w->stats.ev[SW_EV_backend_timeout]++;
	} else {
		w->stats.ev[SW_EV_flows_expired]++;
	}
	dp_keep_release(w, f);
	dp_flow_forget(w, f);
	return true;
}

/* The flow table is about to evict f for a new flow: give back its kept SYN. */
void
dp_flow_evicted(struct sw_flow *f, void *arg)
{
	dp_keep_release(arg, f);
	dp_flow_forget(arg, f);
}
