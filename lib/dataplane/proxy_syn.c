/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN to a protected service: answer with a SYN-cookie SYN-ACK built in place, keep no state. */
#include <string.h>

#include <rte_byteorder.h>

#include "dp_internal.h"
#include "sw_csum64.h"

/* Default options advertised before a backend has been learned (Linux defaults). */
#define ADV_MSS_V4_DEFAULT 1460
#define ADV_MSS_V6_DEFAULT 1440

/* Most option bytes sw_tcpopt_syn_build() writes: MSS, SACK-permitted + TS, NOP + WS. */
#define SYNACK_OPT_MAX 20

/*
 * Sources and destinations a SYN proxy must never answer (RFC 4987 section
 * 3.3's reflection concern; RFC 1122 3.2.1.3, RFC 4291 2.7): unspecified,
 * loopback, multicast, limited broadcast and class E; a multicast Ethernet source.
 */
/* IPv4 first octets 0, 127 and 224-255 (0/8, 127/8, multicast, class E, broadcast). */
static const uint32_t martian_v4[8] = {[0] = 1u, [3] = 1u << 31, [7] = UINT32_MAX};

static inline bool
martian_octet(uint8_t x)
{
	return (martian_v4[x >> 5] >> (x & 31)) & 1;
}

static bool
is_martian(const uint8_t *frame, const struct sw_pkt_view *v)
{
	const uint8_t *ip = frame + v->l3_off;

	if (frame[6] & 1)
		return true;
	if (v->family == 4)
		return martian_octet(ip[12]) || martian_octet(ip[16]);
	static const uint8_t zero[16], loop[16] = {[15] = 1};
	/* The final destination when a routing header is in transit (the reply's source). */
	const uint8_t *s6 = ip + 8, *d6 = sw_pkt_dst(frame, v);

	return s6[0] == 0xff || d6[0] == 0xff || memcmp(s6, zero, 16) == 0 ||
		memcmp(s6, loop, 16) == 0 || memcmp(d6, zero, 16) == 0 || memcmp(d6, loop, 16) == 0;
}

/*
 * The SYN-ACK fast path, for a plain SYN: one segment, IPv4 without options
 * or IPv6 without extension headers (VLAN tags are fine), and room for the
 * largest reply. Everything else takes the generic builders (build.c).
 *
 * Checksums: partial sums over native-order loads, like lib/pkt's (RFC 1071
 * section 2(B)), so a folded, inverted sum stored with a plain 16-bit store
 * is the network-order checksum. 32-bit words are added into 64 bits (no
 * carry is lost below 2^32 words), 64-bit words with the end-around carry;
 * both are congruent to the 16-bit sum modulo 0xffff.
 */
static inline bool
is_plain(const struct dp_pkt *p)
{
	const struct rte_mbuf *m = p->m;
	unsigned l3_len = (unsigned)(p->v.l4_off - p->v.l3_off);

	return m->next == NULL && l3_len == (p->v.family == 4 ? 20u : 40u) &&
		(uint32_t)p->v.l4_off + SW_TCP_HDR_MIN + SYNACK_OPT_MAX <=
		(uint32_t)m->buf_len - m->data_off;
}

/*
 * Rewrite a plain SYN into its SYN-ACK in one pass: the bytes that
 * sw_tcpopt_syn_build(), dp_swap_l2_l3_l4() and dp_make_tcp() (window 0)
 * produce, with the checksums summed from the values written. addr_sum is
 * sw_csum_verify_tcp_addrs()'s.
 */
static inline void
synack_plain(struct rte_mbuf *m, struct sw_pkt_view *v, uint32_t seq, uint32_t ack, uint8_t flags,
	const struct sw_tcpopt_syn *so, uint64_t addr_sum)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = frame + v->l3_off;
	uint8_t *tcph = frame + v->l4_off;
	uint8_t *o = tcph + SW_TCP_HDR_MIN;
	uint32_t w[SW_TCPOPT_SYN_WORDS_MAX];
	uint64_t sum, a;
	uint16_t l4_len;
	uint32_t x;
	unsigned n;

	/* Options first, straight into the frame and summed as written: their length is the header's. */
	n = sw_tcpopt_syn_words(so, w);
	sum = 0;
	for (unsigned i = 0; i < n; i++) {
		x = rte_cpu_to_be_32(w[i]);
		sw_st32(o + 4 * i, x);
		sum += x;
	}
	l4_len = (uint16_t)(SW_TCP_HDR_MIN + 4 * n);
	RTE_ASSERT(l4_len <= SW_TCP_HDR_MIN + SYNACK_OPT_MAX);

	/* Only the headers are kept: the payload is never part of the reply. */
	m->data_len = (uint16_t)(v->l4_off + l4_len);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;

	/* Ethernet: swap the 6-byte addresses (the expression is byte-order neutral). */
	a = sw_ld64(frame);
	x = sw_ld32(frame + 8);
	sw_st64(frame, a >> 48 | a << 48 | (uint64_t)x << 16);
	sw_st32(frame + 8, (uint32_t)(a >> 16));

	/*
	 * TCP: ports swapped (the same sum), seq, ack, data offset, flags, and a
	 * zero window, checksum and urgent pointer; then the pseudo header.
	 */
	x = sw_ld32(tcph);
	sw_st32(tcph, x << 16 | x >> 16);
	sum += x;
	x = rte_cpu_to_be_32(seq);
	sw_st32(tcph + SW_TCP_OFF_SEQ, x);
	sum += x;
	x = rte_cpu_to_be_32(ack);
	sw_st32(tcph + SW_TCP_OFF_ACK, x);
	sum += x;
	x = rte_cpu_to_be_32((uint32_t)(l4_len / 4) << 28 | (uint32_t)flags << 16);
	sw_st32(tcph + SW_TCP_OFF_DOFF, x);
	sum += x + addr_sum + rte_cpu_to_be_16(l4_len) + rte_cpu_to_be_16(SW_IPPROTO_TCP);
	sw_st32(tcph + SW_TCP_OFF_CSUM, 0);
	sw_st16(tcph + SW_TCP_OFF_CSUM, (uint16_t)~sw_csum_fold64_16(sum));

	/* IP: addresses swapped (the same sum), length, DF, TTL or hop limit 64. */
	v->ip_len = (uint16_t)(v->l4_off - v->l3_off + l4_len);
	if (v->family == 4) {
		uint16_t len = rte_cpu_to_be_16(v->ip_len);
		uint16_t frag = rte_cpu_to_be_16(0x4000); /* DF, no fragment offset */
		uint16_t ttl_proto = rte_cpu_to_be_16(64 << 8 | SW_IPPROTO_TCP);

		a = sw_ld64(ip + 12);
		sw_st64(ip + 12, a << 32 | a >> 32);
		sw_st16(ip + 2, len);
		sw_st16(ip + 6, frag);
		sum = addr_sum + sw_ld16(ip) + sw_ld16(ip + 4) + len + frag + ttl_proto;
		sw_st16(ip + 8, ttl_proto);
		sw_st16(ip + 10, (uint16_t)~sw_csum_fold64_16(sum));
	} else {
		uint64_t s0 = sw_ld64(ip + 8), s1 = sw_ld64(ip + 16);

		sw_st64(ip + 8, sw_ld64(ip + 24));
		sw_st64(ip + 16, sw_ld64(ip + 32));
		sw_st64(ip + 24, s0);
		sw_st64(ip + 32, s1);
		sw_wr16(ip + 4, l4_len);
		ip[7] = 64; /* hop limit */
	}
	v->l4_len = l4_len;
	v->payload_len = 0;
	v->tcp_flags = flags;
}

/* Options the proxy advertises to a service's clients in its SYN-ACK. */
struct dp_adv {
	uint16_t mss;
	uint8_t wscale;
	bool sack, ts, ecn;
};

/* Options the proxy offers clients of this service: config overrides, else learned. */
static inline void
adv_opts(struct sw_worker *w, const struct sw_tuple *t, uint16_t service_id, struct dp_adv *adv)
{
	const struct sw_config_service *svc = w->rt->svc[service_id];
	unsigned slot = dp_learned_slot(t);
	const struct sw_learned *l = dp_learned_at(w, slot, t);

	if (l != NULL) {
		adv->mss = l->mss;
		adv->sack = l->sack;
		adv->ts = l->ts;
	} else {
		adv->mss = t->family == 4 ? ADV_MSS_V4_DEFAULT : ADV_MSS_V6_DEFAULT;
		/* Jumbo MTU: until a backend is learned, offer what the MTU allows. */
		if (w->rt->cfg->general.mtu > 1500)
			adv->mss = (uint16_t)(w->rt->cfg->general.mtu - (t->family == 4 ? 40 : 60));
		adv->sack = true;
		adv->ts = true;
	}
	if (svc->mss != SW_CONFIG_MSS_LEARN)
		adv->mss = svc->mss;
	/*
	 * The window scale must be known again when the third ACK arrives:
	 * configured, or learned but frozen per cookie epoch (dp_adv_wscale).
	 * The translation rescales the backend's windows to it (sw_conn_xlate).
	 */
	adv->wscale = svc->wscale != SW_CONFIG_WSCALE_LEARN
		? svc->wscale
		: dp_adv_wscale_at(w, slot, l, w->keys.epoch);
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
	const uint8_t *ip = p->frame + v->l3_off;
	uint8_t flags = v->tcp_flags;
	unsigned bank = w->hll_sec & 1;
	/* The common case, answered by the one-pass builder; the rest by the generic one. */
	bool plain = is_plain(p);
	struct sw_tcpopt o;
	struct sw_cookie_opts co;
	struct sw_tcpopt_syn so;
	struct dp_adv adv;
	uint32_t isn, cookie, low6 = 0;
	uint64_t addr_sum = 0;
	uint8_t reply_flags;

	w->stats.ev[SW_EV_syn_rcvd]++;
	w->svc[p->service_id].syn++;
	w->syn_bank[bank][p->service_id]++;
	sw_hll_add_hash(sw_dp_hll(w, bank, p->service_id),
		sw_hll_hash_addr(v->family == 4 ? ip + 12 : ip + 8, v->family == 4 ? 4 : 16,
			w->sh->hll_seed));
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
	if (!sw_csum_verify_tcp_addrs(p->frame, v, &addr_sum)) {
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
	adv_opts(w, p->t, p->service_id, &adv);

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

	/* Zero window until the backend is connected (see README, "handshake"). */
	reply_flags = SW_TCP_SYN | SW_TCP_ACK | (co.ecn ? SW_TCP_ECE : 0);
	if (plain) {
		synack_plain(p->m, v, cookie, isn + 1, reply_flags, &so, addr_sum);
	} else {
		uint8_t opt[SW_TCP_OPT_MAX];
		uint16_t opt_len = sw_tcpopt_syn_build(opt, &so);

		dp_swap_l2_l3_l4(p->frame, v);
		if (dp_make_tcp(p->m, v, cookie, isn + 1, reply_flags, 0, opt, opt_len) != 0) {
			dp_drop(w, p, SW_DROP_no_mbuf);
			return;
		}
	}
	w->stats.ev[SW_EV_synack_sent]++;
	w->svc[p->service_id].synack++;
	dp_answer(w, p);
}
