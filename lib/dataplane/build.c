/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet construction: in-place TCP rewrites, header copies, checksums, learned options. */
#include <errno.h>
#include <string.h>

#include "dp_internal.h"

void
dp_swap_l2_l3_l4(uint8_t *frame, struct sw_pkt_view *v)
{
	uint8_t tmp[16];
	uint8_t *ip = frame + v->l3_off;
	uint8_t *l4 = frame + v->l4_off;
	unsigned alen = v->family == 4 ? 4 : 16;
	uint8_t *src = ip + (v->family == 4 ? 12 : 8);
	uint8_t *dst = src + alen;

	/*
	 * A routing header still in transit: the reply comes from the final
	 * destination (RFC 8200 8.1) and dp_make_tcp drops the extension headers.
	 */
	if (v->family == 6 && v->dst_off != 0 && v->dst_off != v->l3_off + 24) {
		memcpy(dst, frame + v->dst_off, 16);
		v->dst_off = 0;
	}

	memcpy(tmp, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, tmp, 6);
	memcpy(tmp, src, alen);
	memcpy(src, dst, alen);
	memcpy(dst, tmp, alen);
	memcpy(tmp, l4, 2);
	memcpy(l4, l4 + 2, 2);
	memcpy(l4 + 2, tmp, 2);
}

int
dp_make_tcp(struct rte_mbuf *m, struct sw_pkt_view *v, uint32_t seq, uint32_t ack, uint8_t flags,
	uint16_t win, const uint8_t *opt, uint16_t opt_len)
{
	uint16_t l4_len = (uint16_t)(SW_TCP_HDR_MIN + opt_len);
	uint32_t frame_len = (uint32_t)v->l4_off + l4_len;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = frame + v->l3_off;
	uint8_t *tcph = frame + v->l4_off;

	RTE_ASSERT(opt_len <= SW_TCP_OPT_MAX && opt_len % 4 == 0);
	/*
	 * Replies and generated segments carry a minimal L3 header: IPv4 options
	 * and IPv6 extension headers of the packet they are made from do not
	 * apply to them (a Record Route or a routing header would be wrong).
	 */
	{
		uint16_t min_l3 = v->family == 4 ? 20 : 40;

		if (v->l4_off - v->l3_off > min_l3) {
			/* A routing header in transit: the final destination is the one. */
			if (v->family == 6 && v->dst_off != 0 && v->dst_off != v->l3_off + 24)
				memcpy(ip + 24, frame + v->dst_off, 16);
			memmove(frame + v->l3_off + min_l3, tcph, SW_TCP_HDR_MIN);
			v->l4_off = (uint16_t)(v->l3_off + min_l3);
			tcph = frame + v->l4_off;
			if (v->family == 4)
				ip[0] = 0x45;
			else
				ip[6] = SW_IPPROTO_TCP;
			v->has_ip_options = false;
			v->dst_off = 0;
			frame_len = (uint32_t)v->l4_off + l4_len;
		}
	}
	/* Only the first segment is kept: the payload is never part of a reply. */
	if (m->next != NULL) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	if (frame_len > (uint32_t)m->buf_len - m->data_off)
		return -ENOSPC;
	m->data_len = (uint16_t)frame_len;
	m->pkt_len = frame_len;
	dp_reset_ol_flags(m);

	sw_wr32(tcph + SW_TCP_OFF_SEQ, seq);
	sw_wr32(tcph + SW_TCP_OFF_ACK, ack);
	tcph[SW_TCP_OFF_DOFF] = (uint8_t)((l4_len / 4) << 4);
	tcph[SW_TCP_OFF_FLAGS] = flags;
	sw_wr16(tcph + SW_TCP_OFF_WIN, win);
	sw_wr16(tcph + SW_TCP_OFF_URP, 0);
	if (opt_len > 0)
		memcpy(tcph + SW_TCP_HDR_MIN, opt, opt_len);

	v->l4_len = l4_len;
	v->payload_len = 0;
	v->tcp_flags = flags;
	if (v->family == 4) {
		v->ip_len = (uint16_t)(v->l4_off - v->l3_off + l4_len);
		ip[1] &= DP_IPV4_NOT_ECT;
		sw_wr16(ip + 2, v->ip_len);
		ip[6] = 0x40; /* DF, no fragment offset */
		ip[7] = 0;
		ip[8] = 64; /* TTL */
	} else {
		v->ip_len = (uint16_t)(v->l4_off - v->l3_off + l4_len);
		ip[1] &= DP_IPV6_NOT_ECT;
		sw_wr16(ip + 4, (uint16_t)(v->ip_len - 40));
		ip[7] = 64; /* hop limit */
	}
	v->is_fragment = false;
	sw_csum_set_tcp(frame, v);
	return 0;
}

int
dp_make_seg(struct rte_mbuf *m, struct sw_pkt_view *v, const struct sw_conn_seg *seg,
	uint8_t extra_flags)
{
	uint8_t opt[SW_TCP_OPT_MAX];
	uint16_t opt_len = 0;

	if (seg->has_ts)
		opt_len = sw_tcpopt_ts_build(opt, seg->tsval, seg->tsecr);
	return dp_make_tcp(
		m, v, seg->seq, seg->ack, SW_TCP_ACK | extra_flags, seg->win, opt, opt_len);
}

struct rte_mbuf *
dp_copy_headers(struct sw_worker *w, const struct rte_mbuf *src, const struct sw_pkt_view *v)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	uint16_t len = (uint16_t)(v->l4_off + v->l4_len);

	if (m == NULL)
		return NULL;
	if (rte_pktmbuf_append(m, len) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_mtod(src, const uint8_t *), len);
	m->port = src->port;
	return m;
}

/* The epoch's frozen window scale for t's backend (dp_adv_wscale_at). */
uint8_t
dp_adv_wscale(struct sw_worker *w, const struct sw_tuple *t, uint32_t epoch)
{
	unsigned slot = dp_learned_slot(t);
	uint8_t ws;

	/*
	 * A third ACK nearly always finds its epoch frozen (by its SYN): that
	 * value needs no learned entry, so compare the backend's address only
	 * when the snapshot is still to be taken.
	 */
	if (dp_ws_snap_peek(&w->ws_snap[slot][epoch & 1], epoch, &ws))
		return ws;
	return dp_adv_wscale_at(w, slot, dp_learned_at(w, slot, t), epoch);
}

/*
 * Learn a backend's options from its SYN-ACK. The backend can only agree to
 * what our SYN offered (the client's options), so an option the SYN did not
 * carry teaches nothing: a client without timestamps must not make the proxy
 * stop offering them to the next clients.
 */
void
dp_learned_put(struct sw_worker *w, const struct sw_tuple *t, const struct sw_tcpopt *o,
	bool offered_sack, bool offered_ts, bool offered_ws)
{
	struct sw_learned *l = &w->learned[dp_learned_slot(t)];

	if (l->family != t->family || l->port != t->dport || memcmp(l->addr, t->dst, 16) != 0) {
		memcpy(l->addr, t->dst, 16);
		l->port = t->dport;
		l->family = t->family;
		l->sack = true; /* until the backend declines what we offered */
		l->ts = true;
		l->wscale = SW_ADV_WS_NONE;
		l->ws_known = false;
	}
	/* An MSS of 0 is no MSS, as Linux reads it (tcp_parse_options()): the defaults. */
	l->mss = o->has_mss && o->mss != 0 ? o->mss : (t->family == 4 ? 536 : 1220);
	if (offered_ws) {
		l->wscale = o->has_wscale ? RTE_MIN(o->wscale, (uint8_t)14) : SW_ADV_WS_NONE;
		l->ws_known = true;
	}
	if (offered_sack)
		l->sack = o->has_sack_perm;
	if (offered_ts)
		l->ts = o->has_ts;
}
