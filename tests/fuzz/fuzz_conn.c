/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: segment sequences through sw_conn_track + sw_conn_xlate on one flow,
 * with the fast paths (sw_conn_relay, and those inside track and xlate) held against
 * sw_conn_track_slow + sw_conn_xlate_slow on every segment.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_rd.h"
#include "sw_conn.h"
#include "sw_pkt.h"
#include "sw_tcpopt.h"

/*
 * Input layout (all integers big endian; missing bytes read as zero):
 *   flow header, 28 bytes:
 *     j, cookie, k, client_tsval, proxy_tsval (5 x 4),
 *     option bits (1): 0 cli WS, 1 cli SACK, 2 cli TS, 3 ECN, 4 adv WS, 5 adv SACK, 6 adv TS,
 *     ws_cli, ws_adv (2), client window (2), pad (1)
 *   then records until the input ends:
 *     op (1): bit 0 direction; bit 1 seq relative; bit 2 ack relative; bits 3..5 action;
 *       bits 6..7 the checksum field of the differential check (0xffff, 0, else win)
 *     flags (1), seq (4), ack (4), payload length (4), window (2),
 *     option length (1, mod 41), option bytes
 * Relative numbers are the expected value (the sender's SND.NXT, the peer's SND.NXT in
 * the sender's view) plus the low 16 bits taken as signed.
 */

static const uint8_t ip_src[4] = {198, 18, 0, 1};
static const uint8_t ip_dst[4] = {198, 18, 0, 2};

/* Folded RFC 1071 sum of pseudo header + TCP header (no payload) incl. the checksum field. */
static uint16_t
tcp_sum(const uint8_t *h, uint16_t hlen)
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i < 4; i += 2)
		s += (uint32_t)(ip_src[i] << 8 | ip_src[i + 1]) +
			(uint32_t)(ip_dst[i] << 8 | ip_dst[i + 1]);
	s += 6 + hlen;
	for (i = 0; i < hlen; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void
syn_opts(uint8_t bits, uint8_t ws, bool adv, struct sw_conn_syn_opts *o)
{
	unsigned int sh = adv ? 4 : 0;

	memset(o, 0, sizeof(*o));
	o->mss = 1460;
	o->has_wscale = bits & (1u << sh);
	o->sack_perm = bits & (2u << sh);
	o->has_ts = bits & (4u << sh);
	o->ecn = !adv && (bits & 8u);
	o->wscale = ws;
}

/* Monotonic bits: nothing but sw_conn_open() may clear them. */
#define STICKY \
	(SW_CONN_F_OPEN | SW_CONN_F_SPLICED | SW_CONN_F_DELTA | SW_CONN_F_CLOSED | \
		SW_CONN_F_SIMUL | SW_CONN_F_FIN_C2S | SW_CONN_F_FIN_S2C | SW_CONN_F_FINACK_C2S | \
		SW_CONN_F_FINACK_S2C)

static void
check_invariants(const struct sw_conn *c, const struct sw_conn *before, bool reopened)
{
	enum sw_conn_state ps = sw_conn_next_state(before);
	enum sw_conn_state ns = sw_conn_next_state(c);
	struct sw_conn_timeouts t;

	if ((unsigned int)ns >= SW_CONN_STATE_MAX)
		abort();
	if (sw_conn_state_name(ns) == NULL)
		abort();
	sw_conn_timeouts_default(&t);
	(void)sw_conn_timeout_ms(c, &t);
	if (reopened)
		return;
	if ((before->flags & STICKY) & ~c->flags)
		abort();
	if (ps == SW_CONN_CLOSED && ns != SW_CONN_CLOSED)
		abort();
	if (ps == SW_CONN_TIME_WAIT && ns != SW_CONN_TIME_WAIT && ns != SW_CONN_CLOSED)
		abort();
	if (ps != SW_CONN_FREE && ns == SW_CONN_FREE)
		abort();
	if (ps != SW_CONN_SYN_SENT && ps != SW_CONN_FREE && ns == SW_CONN_SYN_SENT)
		abort();
	if (before->state != c->state)
		abort(); /* the library never writes the table's field */
	if ((c->flags & SW_CONN_F_SPLICED) && !(c->flags & SW_CONN_F_CLOSED)) {
		int d;

		for (d = 0; d < 2; d++) {
			const struct sw_conn_half *h = &c->half[d];
			const struct sw_conn_half *o = &c->half[d ^ 1];

			/* Nobody ACKs what was never sent; the window edge is never behind the ACK. */
			if (sw_seq_lt(o->end, h->ack))
				abort();
			if (sw_seq_lt(h->maxend, h->ack))
				abort();
			/* Once a side's FIN is seen its end does not move. */
			if ((before->flags & (d == 0 ? SW_CONN_F_FIN_C2S : SW_CONN_F_FIN_S2C)) &&
				before->half[d].end != h->end)
				abort();
		}
	}
}

/* Build a header with valid checksum at the END of an exact-size allocation, translate, check. */
static void
fuzz_xlate(const struct sw_conn *c, enum sw_conn_dir dir, uint8_t fl, uint32_t seq, uint32_t ack,
	uint16_t win, const uint8_t *opt, uint8_t olen)
{
	uint16_t hlen = (uint16_t)(20 + ((olen + 3u) & ~3u));
	uint8_t *mem = malloc((size_t)hlen + 1);
	uint8_t *h, orig[60];
	uint16_t ck;

	if (mem == NULL)
		return;
	h = mem + 1; /* odd address, and the last byte is the allocation's last */
	memset(h, 0, hlen);
	sw_wr16(h, 40000);
	sw_wr16(h + 2, 80);
	sw_wr32(h + 4, seq);
	sw_wr32(h + 8, ack);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = fl;
	sw_wr16(h + 14, win);
	sw_wr16(h + 18, 0x5a5a);
	memcpy(h + 20, opt, olen);
	ck = (uint16_t)~tcp_sum(h, hlen);
	sw_wr16(h + 16, ck);
	if (tcp_sum(h, hlen) != 0xffff)
		abort();
	memcpy(orig, h, hlen);

	if (sw_conn_xlate(c, dir, h, hlen) != 0) {
		if (memcmp(orig, h, hlen) != 0)
			abort(); /* untouched on error */
	} else {
		if (tcp_sum(h, hlen) != 0xffff)
			abort(); /* RFC 1624 update kept the checksum right */
		if (memcmp(orig, h, 4) != 0 || memcmp(orig + 12, h + 12, 2) != 0 ||
			memcmp(orig + 18, h + 18, 2) != 0)
			abort();
	}
	free(mem);
}

/* A header as fuzz_xlate() builds it, at the end of an exact-size allocation (odd address). */
static uint8_t *
mk_hdr(uint8_t **mem, uint8_t fl, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opt,
	uint8_t olen, uint16_t ck, uint16_t *hlen)
{
	uint16_t hl = (uint16_t)(20 + ((olen + 3u) & ~3u));
	uint8_t *h;

	*mem = malloc((size_t)hl + 1);
	if (*mem == NULL)
		return NULL;
	h = *mem + 1;
	memset(h, 0, hl);
	sw_wr16(h, 40000);
	sw_wr16(h + 2, 80);
	sw_wr32(h + 4, seq);
	sw_wr32(h + 8, ack);
	h[12] = (uint8_t)((hl / 4) << 4);
	h[13] = fl;
	sw_wr16(h + 14, win);
	sw_wr16(h + 16, ck); /* any value: the results are compared, not verified */
	memcpy(h + 20, opt, olen);
	*hlen = hl;
	return h;
}

/*
 * The data path's order, relay first then xlate + track, and xlate + track
 * alone, must leave flow and header exactly as the general functions do.
 */
static void
fuzz_diff(const struct sw_conn *c, enum sw_conn_dir dir, uint8_t fl, uint32_t seq, uint32_t ack,
	uint32_t len, uint16_t win, const uint8_t *opt, uint8_t olen, uint16_t ck)
{
	struct sw_conn c1 = *c, c2 = *c, c3 = *c;
	uint8_t *m1, *m2, *m3, *h1, *h2, *h3;
	enum sw_conn_verdict v1 = SW_CONN_V_MAX, v2 = SW_CONN_V_MAX, v3 = SW_CONN_V_MAX;
	uint16_t hl;
	int r1, r2, r3;

	h1 = mk_hdr(&m1, fl, seq, ack, win, opt, olen, ck, &hl);
	h2 = mk_hdr(&m2, fl, seq, ack, win, opt, olen, ck, &hl);
	h3 = mk_hdr(&m3, fl, seq, ack, win, opt, olen, ck, &hl);
	if (h1 == NULL || h2 == NULL || h3 == NULL)
		goto out;

	r1 = sw_conn_xlate_slow(&c1, dir, h1, hl);
	if (r1 == 0)
		v1 = sw_conn_track_slow(&c1, dir, fl, seq, ack, len, win);

	r2 = sw_conn_relay(&c2, dir, h2, hl, len);
	if (r2 == -EAGAIN) {
		if (memcmp(&c2, c, sizeof(c2)) != 0 || memcmp(h2, h3, hl) != 0)
			abort(); /* declined: nothing written */
		r2 = sw_conn_xlate(&c2, dir, h2, hl);
		if (r2 == 0)
			v2 = sw_conn_track(&c2, dir, fl, seq, ack, len, win);
	} else {
		if (r2 != SW_CONN_V_FWD && r2 != SW_CONN_V_DROP_INVALID)
			abort();
		v2 = (enum sw_conn_verdict)r2;
		r2 = 0;
	}

	r3 = sw_conn_xlate(&c3, dir, h3, hl);
	if (r3 == 0)
		v3 = sw_conn_track(&c3, dir, fl, seq, ack, len, win);

	if (r2 != r1 || r3 != r1 || v2 != v1 || v3 != v1)
		abort();
	if (memcmp(h2, h1, hl) != 0 || memcmp(h3, h1, hl) != 0)
		abort();
	if (memcmp(&c2, &c1, sizeof(c1)) != 0 || memcmp(&c3, &c1, sizeof(c1)) != 0)
		abort();
out:
	free(m1);
	free(m2);
	free(m3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	struct sw_conn_syn_opts cli, adv;
	struct sw_conn c, before;
	struct sw_conn_seg sg, sg2;
	uint32_t j, cookie, k, cts, pts;
	uint8_t bits, wsc, wsa, opt[40];
	uint16_t cwin;
	unsigned int n_rec = 0;

	j = rd32(&r);
	cookie = rd32(&r);
	k = rd32(&r);
	cts = rd32(&r);
	pts = rd32(&r);
	bits = rd8(&r);
	wsc = rd8(&r);
	wsa = rd8(&r);
	cwin = rd16(&r);
	(void)rd8(&r);
	syn_opts(bits, wsc, false, &cli);
	syn_opts(bits, wsa, true, &adv);
	memset(&c, 0, sizeof(c));
	sw_conn_open(&c, j, cookie, &cli, &adv, cts, pts, cwin);
	c.state = (uint8_t)sw_conn_next_state(&c);

	while (r.n > 0 && n_rec++ < 256) {
		uint8_t op = rd8(&r), fl = rd8(&r);
		enum sw_conn_dir dir = (enum sw_conn_dir)(op & 1);
		uint32_t seq = rd32(&r), ack = rd32(&r), len = rd32(&r);
		uint16_t win = rd16(&r);
		uint8_t olen = (uint8_t)(rd8(&r) % 41), i;
		uint32_t exp_seq, exp_ack;
		bool reopened = false;
		struct sw_tcpopt o;

		for (i = 0; i < olen; i++)
			opt[i] = rd8(&r);
		if (c.flags & SW_CONN_F_SPLICED) {
			exp_seq = c.half[dir].end;
			exp_ack = c.half[dir ^ 1].end - (dir == SW_DIR_C2S ? c.seq_delta : 0);
		} else {
			exp_seq = dir == SW_DIR_C2S ? c.client_isn + 1 : k + 1;
			exp_ack = dir == SW_DIR_C2S ? c.cookie + 1 : c.client_isn + 1;
		}
		if (op & 2)
			seq = exp_seq + (uint32_t)(int32_t)(int16_t)seq;
		if (op & 4)
			ack = exp_ack + (uint32_t)(int32_t)(int16_t)ack;
		if (len & 0x80000000u)
			len &= 0xffff; /* mostly realistic lengths, sometimes huge ones */

		before = c;
		switch ((op >> 3) & 7) {
		case 5: /* backend SYN-ACK */
			if (sw_tcpopt_parse(opt, olen, &o) == 0)
				(void)sw_conn_on_synack(&c, (op & 2) ? k + seq - exp_seq : seq, ack,
					win, &o, &sg, (fl & 1) ? &sg2 : NULL);
			else
				(void)sw_conn_on_synack(&c, seq, ack, win, NULL, NULL, &sg2);
			break;
		case 6:
			if (fl & 0x80)
				sw_conn_abort(&c);
			else
				(void)sw_conn_syn_retry(&c, fl & 7);
			break;
		case 7:
			if (sw_conn_can_reopen(&c)) {
				syn_opts(fl, (uint8_t)win, false, &cli);
				syn_opts(fl, (uint8_t)(win >> 8), true, &adv);
				sw_conn_open(&c, seq, ack, &cli, &adv, len, ~len, win);
				reopened = true;
			}
			sw_conn_challenge_ack(&c, dir, &sg);
			break;
		default: {
			enum sw_conn_verdict v;

			/* The checksum field: 0xffff, 0 or the window bits, for the -0 corners. */
			fuzz_diff(&c, dir, fl, seq, ack, len, win, opt, olen,
				(op & 0xc0) == 0	      ? 0xffff
					: (op & 0xc0) == 0x40 ? 0
							      : win);
			v = sw_conn_track(&c, dir, fl, seq, ack, len, win);

			if ((unsigned int)v >= SW_CONN_V_MAX || sw_conn_verdict_name(v) == NULL)
				abort();
			fuzz_xlate(&c, dir, fl, seq, ack, win, opt, olen);
			break;
		}
		}
		check_invariants(&c, &before, reopened);
		c.state = (uint8_t)sw_conn_next_state(&c); /* what the flow table does */
	}
	return 0;
}
