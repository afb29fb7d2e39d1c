/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN to a protected service: answer with a SYN-cookie SYN-ACK built in place, keep no state. */
#include <string.h>

#include "dp_internal.h"

/* Default options advertised before a backend has been learned (Linux defaults). */
#define ADV_MSS_V4_DEFAULT 1460
#define ADV_MSS_V6_DEFAULT 1440

/*
 * Sources and destinations a SYN proxy must never answer (RFC 4987 section
 * 3.3's reflection concern; RFC 1122 3.2.1.3, RFC 4291 2.7): unspecified,
 * loopback, multicast, limited broadcast and class E; a multicast Ethernet source.
 */
static bool
is_martian(const uint8_t *frame, const struct sw_pkt_view *v)
{
	const uint8_t *ip = frame + v->l3_off;

	if (frame[6] & 1)
		return true;
	if (v->family == 4) {
		const uint8_t *s = ip + 12, *d = ip + 16;

		return s[0] == 0 || s[0] == 127 || s[0] >= 224 || d[0] == 0 || d[0] == 127 ||
			d[0] >= 224;
	}
	static const uint8_t zero[16], loop[16] = {[15] = 1};
	/* The final destination when a routing header is in transit (the reply's source). */
	const uint8_t *s6 = ip + 8, *d6 = sw_pkt_dst(frame, v);

	return s6[0] == 0xff || d6[0] == 0xff || memcmp(s6, zero, 16) == 0 ||
		memcmp(s6, loop, 16) == 0 || memcmp(d6, zero, 16) == 0 || memcmp(d6, loop, 16) == 0;
}

/* Options the proxy offers clients of this service: config overrides, else learned. */
void
dp_adv_opts(struct sw_worker *w, const struct sw_tuple *t, uint16_t service_id, struct dp_adv *adv)
{
	const struct sw_config_service *svc = w->rt->svc[service_id];
	const struct sw_learned *l = dp_learned_get(w, t);

	adv->mss = t->family == 4 ? ADV_MSS_V4_DEFAULT : ADV_MSS_V6_DEFAULT;
	/* Jumbo MTU: until a backend is learned, offer what the MTU allows. */
	if (w->rt->cfg->general.mtu > 1500)
		adv->mss = (uint16_t)(w->rt->cfg->general.mtu - (t->family == 4 ? 40 : 60));
	adv->sack = true;
	adv->ts = true;
	if (l != NULL) {
		adv->mss = l->mss;
		adv->sack = l->sack;
		adv->ts = l->ts;
	}
	if (svc->mss != SW_CONFIG_MSS_LEARN)
		adv->mss = svc->mss;
	/*
	 * The window scale must be known again when the third ACK arrives:
	 * configured, or learned but frozen per cookie epoch (dp_adv_wscale).
	 * The translation rescales the backend's windows to it (sw_conn_xlate).
	 */
	adv->wscale = svc->wscale != SW_CONFIG_WSCALE_LEARN ? svc->wscale
							    : dp_adv_wscale(w, t, w->keys.epoch);
	if (svc->sack != SW_CONFIG_OPT_LEARN)
		adv->sack = svc->sack == SW_CONFIG_OPT_ON;
	if (svc->timestamps != SW_CONFIG_OPT_LEARN)
		adv->ts = svc->timestamps == SW_CONFIG_OPT_ON;
	adv->ecn = svc->ecn == SW_CONFIG_OPT_ON;
}

void
dp_proxy_syn(struct sw_worker *w, struct dp_pkt *p)
{
	struct sw_pkt_view *v = &p->v;
	uint8_t *tcph = dp_tcph(p);
	uint8_t flags = v->tcp_flags;
	struct sw_tcpopt o;
	struct sw_cookie_opts co;
	struct sw_tcpopt_syn so;
	struct dp_adv adv;
	uint8_t opt[SW_TCP_OPT_MAX];
	uint32_t isn, cookie, low6 = 0;
	uint16_t opt_len;

	w->stats.ev[SW_EV_syn_rcvd]++;
	w->svc[p->service_id].syn++;
	w->syn_bank[w->hll_sec & 1][p->service_id]++;
	{
		const uint8_t *ip = p->frame + v->l3_off;

		sw_hll_add_hash(sw_dp_hll(w, w->hll_sec & 1, p->service_id),
			sw_hll_hash_addr(v->family == 4 ? ip + 12 : ip + 8, v->family == 4 ? 4 : 16,
				w->sh->hll_seed));
	}
	/* RFC 9293 3.10.7.2: SYN with RST is not a connection request; FIN/URG: scans. */
	if (flags & (SW_TCP_FIN | SW_TCP_RST | SW_TCP_URG)) {
		dp_drop(w, p, SW_DROP_syn_bad_flags);
		return;
	}
	if (v->is_fragment) {
		dp_drop(w, p, SW_DROP_syn_fragment);
		return;
	}
	if (is_martian(p->frame, v)) {
		dp_drop(w, p, SW_DROP_martian_src);
		return;
	}
	if (!sw_csum_verify_tcp(p->frame, v)) {
		dp_drop(w, p, SW_DROP_bad_csum);
		return;
	}
	if (!dp_ratelimit_syn(w, p)) {
		w->svc[p->service_id].dropped++;
		dp_drop(w, p, SW_DROP_rate_limit);
		return;
	}
	if (sw_tcpopt_parse(tcph + SW_TCP_HDR_MIN, (uint16_t)(v->l4_len - SW_TCP_HDR_MIN), &o) !=
		0) {
		dp_drop(w, p, SW_DROP_bad_tcpopt);
		return;
	}
	dp_adv_opts(w, p->t, p->service_id, &adv);

	isn = sw_rd32(tcph + SW_TCP_OFF_SEQ);
	co.mss = o.has_mss ? o.mss : 0;
	co.wscale = o.wscale;
	co.has_wscale = o.has_wscale;
	/* SACK as negotiated with the client: the backend SYN offers exactly that. */
	co.sack_perm = o.has_sack_perm && adv.sack;
	/* ECN-setup SYN: ECE and CWR both set (RFC 3168 section 6.1.1). */
	co.ecn = adv.ecn && (flags & (SW_TCP_ECE | SW_TCP_CWR)) == (SW_TCP_ECE | SW_TCP_CWR);
	co.has_ts = o.has_ts && adv.ts;
	cookie = sw_cookie_make(&w->keys, p->t, isn, &co, &low6);

	so.mss = adv.mss;
	/* RFC 7323 2.2: only in reply to a SYN that had it; none when the backend declines WS. */
	so.has_wscale = o.has_wscale && adv.wscale != SW_ADV_WS_NONE;
	so.wscale = adv.wscale;
	so.has_sack_perm = co.sack_perm;
	so.has_ts = co.has_ts;
	so.tsval = sw_cookie_tsval(w->now_ms + w->ts_clock, low6);
	so.tsecr = o.tsval;
	opt_len = sw_tcpopt_syn_build(opt, &so);

	dp_swap_l2_l3_l4(p->frame, v);
	/* Zero window until the backend is connected (see README, "handshake"). */
	if (dp_make_tcp(p->m, v, cookie, isn + 1,
		    SW_TCP_SYN | SW_TCP_ACK | (co.ecn ? SW_TCP_ECE : 0), 0, opt, opt_len) != 0) {
		dp_drop(w, p, SW_DROP_no_mbuf);
		return;
	}
	w->stats.ev[SW_EV_synack_sent]++;
	w->svc[p->service_id].synack++;
	dp_answer(w, p);
}
