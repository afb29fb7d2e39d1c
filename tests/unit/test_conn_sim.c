/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Model-based test of lib/conn: two well-behaved TCP endpoints talk through
 * one proxied connection, calling the library the way the data path does
 * (sw_conn_relay() on an ESTABLISHED flow, else sw_conn_xlate() then
 * sw_conn_track()). Each endpoint keeps its own sequence space, window edges
 * and timestamp clock; the test knows both ISNs and checks every segment:
 *
 *   - a segment a correct endpoint may send is forwarded (verdict FWD): new
 *     data inside the peer's window, retransmissions, pure ACKs, zero-window
 *     probes, keepalives, FIN and its retransmission;
 *   - seq, ack, TSecr and SACK blocks arrive in the receiver's own numbering
 *     and the TCP checksum matches a full recomputation;
 *   - the flow's state is what the FIN/ACK exchange so far makes it
 *     (ESTABLISHED, FIN_WAIT_1/2, CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT).
 *
 * Handshakes are random over every combination of window scale (0..14 on
 * each of the three SYNs), SACK and timestamps, with ISNs near 2^32 in a
 * quarter of the flows. Windows are advertised and scaled as RFC 7323 says
 * (never shrinking the right edge), so whatever the proxy advertises itself
 * (the ACK to the backend, the client's window update) is what the endpoint
 * may fill.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sw_conn.h"
#include "sw_pkt.h"
#include "sw_tcpopt.h"

#define SIM_MSS 1460
#define SIM_SEGS_PER_FLOW 400
#define SIM_REPORT_MAX 10 /* failures printed in full */

static uint64_t rng;

/* xorshift64: reproducible from the seed printed with a failure. */
static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* A TCP checksum recomputed from scratch over the header (a fixed pseudo-header sum). */
static uint16_t
full_csum(const uint8_t *h, uint16_t hlen)
{
	uint32_t s = 0xc612 + 6 + hlen;

	for (uint16_t i = 0; i < hlen; i += 2)
		if (i != SW_TCP_OFF_CSUM)
			s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One endpoint; sequence numbers it sends in its own space, what it receives in its view. */
struct ep {
	uint32_t snd_una, snd_nxt; /* own stream */
	uint32_t snd_edge; /* right edge of the peer's window, as this endpoint knows it */
	uint32_t rcv_nxt, rcv_edge; /* peer's stream, as this endpoint sees it */
	uint8_t shift_send; /* shift of the window fields it sends */
	uint8_t shift_recv; /* shift it applies to the window fields it receives */
	bool fin_sent, fin_rcvd;
	uint32_t fin_seq;
	uint32_t clock; /* TSval clock */
	uint32_t ts_recent_view; /* last TSval received (what it echoes) */
	uint32_t
		ts_recent_orig; /* that TSval as its sender wrote it (what the sender expects back) */
	bool sack_on;
};

struct sim {
	struct sw_conn c;
	uint32_t j, ck, k; /* client ISN, cookie, backend ISN */
	bool ts; /* timestamps on both legs */
	bool fin[2], fin_acked[2], simul; /* the state model, by direction */
	long segs;
	unsigned failures;
};

static void
sync_state(struct sim *s)
{
	s->c.state = (uint8_t)sw_conn_next_state(&s->c);
}

/* The data path: the relay on an ESTABLISHED flow, else translate then track. */
static int
data_path(struct sim *s, enum sw_conn_dir d, uint8_t *h, uint16_t hl, uint32_t len)
{
	uint32_t seq = sw_rd32(h + SW_TCP_OFF_SEQ), ack = sw_rd32(h + SW_TCP_OFF_ACK);
	uint16_t win = sw_rd16(h + SW_TCP_OFF_WIN);
	uint8_t fl = h[SW_TCP_OFF_FLAGS];
	int v;

	if (s->c.state == SW_CONN_ESTABLISHED) {
		v = sw_conn_relay(&s->c, d, h, hl, len);
		if (v != -EAGAIN) {
			sync_state(s);
			return v;
		}
	}
	if (sw_conn_xlate(&s->c, d, h, hl) != 0)
		return -EINVAL;
	v = sw_conn_track(&s->c, d, fl, seq, ack, len, win);
	sync_state(s);
	return v;
}

static int
sim_fail(struct sim *s, const char *what, uint32_t got, uint32_t want)
{
	if (s->failures++ < SIM_REPORT_MAX)
		printf("segment %ld: %s: got %u, want %u (state %s)\n", s->segs, what, got, want,
			sw_conn_state_name((enum sw_conn_state)s->c.state));
	return -1;
}

/* The state the FIN/ACK exchange so far gives (the model). */
static enum sw_conn_state
model_state(const struct sim *s)
{
	if (!s->fin[SW_DIR_C2S] && !s->fin[SW_DIR_S2C])
		return SW_CONN_ESTABLISHED;
	if (!s->fin[SW_DIR_S2C])
		return s->fin_acked[SW_DIR_C2S] ? SW_CONN_FIN_WAIT_2 : SW_CONN_FIN_WAIT_1;
	if (!s->fin[SW_DIR_C2S])
		return SW_CONN_CLOSE_WAIT;
	if (s->fin_acked[SW_DIR_C2S] && s->fin_acked[SW_DIR_S2C])
		return SW_CONN_TIME_WAIT;
	return s->simul ? SW_CONN_CLOSING : SW_CONN_LAST_ACK;
}

enum seg_kind { SEG_DATA, SEG_RTX, SEG_ACK, SEG_PROBE, SEG_FIN_RTX, SEG_KEEPALIVE, SEG_KINDS };

/*
 * x sends one segment of kind to y in direction d, through the proxy, and y
 * takes it. Returns 0 (also when x has nothing of that kind to send) or -1
 * on a failed check.
 */
static int
send_seg(struct sim *s, struct ep *x, struct ep *y, enum sw_conn_dir d, enum seg_kind kind)
{
	/* x's stream as y numbers it, and y's stream as y numbers it, from x's numbers. */
	const uint32_t smap = d == SW_DIR_C2S ? 0 : s->ck - s->k;
	const uint32_t amap = d == SW_DIR_C2S ? s->k - s->ck : 0;
	uint32_t avail = x->snd_edge - x->snd_nxt;
	uint32_t seq = x->snd_nxt, len = 0, sack_l = 0, sack_r = 0, field;
	uint8_t h[SW_TCP_HDR_MAX], sent[SW_TCP_HDR_MAX];
	uint16_t hl = SW_TCP_HDR_MIN;
	bool fin = false, sack = false;
	int v;

	if ((int32_t)avail < 0)
		avail = 0;
	switch (kind) {
	case SEG_DATA: /* new data within the window, sometimes with FIN */
		if (x->fin_sent)
			return 0;
		len = avail > SIM_MSS ? 1 + rnd() % SIM_MSS : avail;
		fin = rnd() % 40 == 0;
		if (len == 0 && !fin)
			return 0;
		break;
	case SEG_RTX: /* part of what is unacknowledged, data only */
		if (x->snd_nxt == x->snd_una)
			return 0;
		seq = x->snd_una + rnd() % (x->snd_nxt - x->snd_una);
		len = x->snd_nxt - seq;
		if (x->fin_sent && seq + len == x->snd_nxt) {
			if (len <= 1)
				return 0;
			len--; /* not the FIN */
		}
		if (len > SIM_MSS)
			len = SIM_MSS;
		break;
	case SEG_ACK:
		break;
	case SEG_PROBE: /* zero-window probe: one byte at the closed edge (RFC 9293 3.8.6.1) */
		if (avail != 0 || x->fin_sent || x->snd_nxt != x->snd_edge)
			return 0;
		len = 1;
		break;
	case SEG_FIN_RTX:
		if (!x->fin_sent)
			return 0;
		seq = x->fin_seq;
		fin = true;
		break;
	case SEG_KEEPALIVE: /* seq = SND.NXT - 1, no data (RFC 9293 3.8.4) */
		if (x->fin_sent)
			return 0;
		seq = x->snd_nxt - 1;
		break;
	default:
		return 0;
	}

	/* The window: random, but never moving the right edge left (RFC 9293 3.8.6). */
	{
		uint32_t need = x->rcv_edge - x->rcv_nxt;
		uint32_t want = rnd() % 4 == 0 ? 0 : rnd() % (0xffffu << x->shift_send);
		uint32_t f_need, f_want;

		if ((int32_t)need < 0)
			need = 0;
		f_need = (need + (1u << x->shift_send) - 1) >> x->shift_send;
		f_want = want >> x->shift_send;
		field = f_need > f_want ? f_need : f_want;
		if (field > 0xffff)
			field = 0xffff;
		x->rcv_edge = x->rcv_nxt + (field << x->shift_send);
	}

	memset(h, 0, sizeof(h));
	sw_wr16(h + SW_TCP_OFF_SPORT, 40000);
	sw_wr16(h + SW_TCP_OFF_DPORT, 80);
	sw_wr32(h + SW_TCP_OFF_SEQ, seq);
	sw_wr32(h + SW_TCP_OFF_ACK, x->rcv_nxt);
	h[SW_TCP_OFF_FLAGS] = SW_TCP_ACK | (fin ? SW_TCP_FIN : 0);
	sw_wr16(h + SW_TCP_OFF_WIN, (uint16_t)field);
	if (s->ts) {
		x->clock += rnd() % 3;
		h[20] = h[21] = 1; /* NOP NOP TS */
		h[22] = 8;
		h[23] = 10;
		sw_wr32(h + 24, x->clock);
		sw_wr32(h + 28, x->ts_recent_view);
		hl = 32;
		if (x->sack_on && d == SW_DIR_C2S && rnd() % 8 == 0) {
			/* One block of server data above RCV.NXT, as if a hole were before it. */
			sack = true;
			sack_l = x->rcv_nxt + 1 + rnd() % 100;
			sack_r = sack_l + 1 + rnd() % 100;
			h[32] = h[33] = 1; /* NOP NOP SACK */
			h[34] = 5;
			h[35] = 10;
			sw_wr32(h + 36, sack_l);
			sw_wr32(h + 40, sack_r);
			hl = 44;
		}
	}
	h[SW_TCP_OFF_DOFF] = (uint8_t)((hl / 4) << 4);
	sw_wr16(h + SW_TCP_OFF_CSUM, full_csum(h, hl));
	memcpy(sent, h, sizeof(h));

	s->segs++;
	v = data_path(s, d, h, hl, len);
	if (v != SW_CONN_V_FWD)
		return sim_fail(s,
			d == SW_DIR_C2S ? "client segment verdict" : "server segment verdict",
			(uint32_t)v, SW_CONN_V_FWD);
	if (sw_rd16(h + SW_TCP_OFF_CSUM) != full_csum(h, hl))
		return sim_fail(s, "checksum", sw_rd16(h + SW_TCP_OFF_CSUM), full_csum(h, hl));
	if (sw_rd32(h + SW_TCP_OFF_SEQ) != seq + smap)
		return sim_fail(s, "seq", sw_rd32(h + SW_TCP_OFF_SEQ), seq + smap);
	if (sw_rd32(h + SW_TCP_OFF_ACK) != x->rcv_nxt + amap)
		return sim_fail(s, "ack", sw_rd32(h + SW_TCP_OFF_ACK), x->rcv_nxt + amap);
	if (sack && (s->c.flags & SW_CONN_F_SRV_SACK) &&
		(sw_rd32(h + 36) != sack_l + amap || sw_rd32(h + 40) != sack_r + amap))
		return sim_fail(s, "SACK left edge", sw_rd32(h + 36), sack_l + amap);

	/* The model: a FIN of d, and whether x's ACK covers the FIN of the other direction. */
	{
		const enum sw_conn_dir od = d ^ 1;

		if (s->fin[od] && (int32_t)(x->rcv_nxt + amap - (y->fin_seq + 1)) >= 0)
			s->fin_acked[od] = true;
		if (fin && !s->fin[d]) {
			s->fin[d] = true;
			s->simul = s->fin[od] && !s->fin_acked[od];
		}
	}

	/* y takes the segment. */
	{
		uint32_t rseq = sw_rd32(h + SW_TCP_OFF_SEQ), rack = sw_rd32(h + SW_TCP_OFF_ACK);
		uint32_t end = rseq + len;

		if ((int32_t)(rack - y->snd_nxt) > 0)
			return sim_fail(s, "ack beyond what the receiver sent", rack, y->snd_nxt);
		if ((int32_t)(rack - y->snd_una) >= 0) {
			y->snd_una = rack;
			y->snd_edge =
				rack + ((uint32_t)sw_rd16(h + SW_TCP_OFF_WIN) << y->shift_recv);
		}
		if (s->ts) {
			if (x->ts_recent_view != 0 && sw_rd32(h + 28) != x->ts_recent_orig)
				return sim_fail(s, "TSecr", sw_rd32(h + 28), x->ts_recent_orig);
			y->ts_recent_view = sw_rd32(h + 24);
			y->ts_recent_orig = sw_rd32(sent + 24);
		}
		if ((int32_t)(rseq - y->rcv_nxt) <= 0 && (int32_t)(end - y->rcv_nxt) > 0) {
			if ((int32_t)(end - y->rcv_edge) > 0)
				end = y->rcv_edge; /* beyond the window: trimmed */
			if ((int32_t)(end - y->rcv_nxt) > 0)
				y->rcv_nxt = end;
		}
		if (fin && end == rseq + len && end == y->rcv_nxt && !y->fin_rcvd) {
			y->fin_rcvd = true;
			y->rcv_nxt++;
		}
	}
	if (kind == SEG_PROBE && y->rcv_nxt != seq + len + smap) {
		/* The probe byte was not taken: sent again later. */
	} else if (fin && !x->fin_sent) {
		x->fin_sent = true;
		x->fin_seq = seq + len;
		x->snd_nxt = seq + len + 1;
	} else if ((int32_t)(seq + len - x->snd_nxt) > 0) {
		x->snd_nxt = seq + len;
	}
	if (s->c.state != model_state(s))
		return sim_fail(s, "state", s->c.state, model_state(s));
	return 0;
}

/* Window shift of a leg: both SYNs of that leg had WS (RFC 7323 2.2), at most 14. */
static uint8_t
leg_shift(bool a, bool b, uint8_t ws)
{
	return a && b ? (ws > 14 ? 14 : ws) : 0;
}

static uint32_t
isn(void)
{
	return rnd() % 4 ? rnd() : UINT32_MAX - rnd() % 5000;
}

/* One random handshake, then segments both ways until TIME_WAIT or SIM_SEGS_PER_FLOW. */
static void
sim_flow(struct sim *s)
{
	struct sw_conn_syn_opts cli = {0}, adv;
	struct sw_tcpopt so = {0};
	struct sw_conn_seg to_backend, to_client;
	struct ep c = {0}, b = {0};
	uint32_t cli_tsval, proxy_tsval, srv_tsval;
	uint16_t cwin, swin;
	const unsigned failures0 = s->failures;

	s->j = isn();
	s->ck = isn();
	s->k = isn();
	cli.mss = SIM_MSS;
	cli.has_wscale = rnd() % 4;
	cli.wscale = (uint8_t)(rnd() % 15);
	cli.sack_perm = rnd() & 1;
	cli.has_ts = rnd() % 4;
	/* The cookie SYN-ACK: WS sometimes declined or another shift. */
	adv = cli;
	adv.has_wscale = cli.has_wscale && rnd() % 4;
	adv.wscale = (uint8_t)(rnd() % 2 ? rnd() % 15 : cli.wscale);
	/* The backend's SYN-ACK. */
	so.has_wscale = rnd() % 4;
	so.wscale = (uint8_t)(rnd() % 2 ? rnd() % 15 : adv.wscale);
	so.has_sack_perm = rnd() & 1;
	so.has_ts = rnd() % 4;
	cli_tsval = rnd() | 1;
	proxy_tsval = rnd() | 1;
	srv_tsval = rnd() | 1;
	so.tsval = srv_tsval;
	so.tsecr = cli_tsval;

	c.shift_send = leg_shift(cli.has_wscale, adv.has_wscale, cli.wscale);
	c.shift_recv = leg_shift(cli.has_wscale, adv.has_wscale, adv.wscale);
	b.shift_send = leg_shift(cli.has_wscale, so.has_wscale, so.wscale);
	b.shift_recv = leg_shift(cli.has_wscale, so.has_wscale, cli.wscale);
	s->ts = cli.has_ts && so.has_ts;
	c.sack_on = cli.sack_perm;

	/* Client: SYN J, cookie SYN-ACK C (window 0), third ACK with window cwin. */
	c.snd_una = c.snd_nxt = s->j + 1;
	c.snd_edge = s->j + 1;
	c.rcv_nxt = s->ck + 1;
	cwin = (uint16_t)rnd();
	c.rcv_edge = c.rcv_nxt + ((uint32_t)cwin << c.shift_send);
	c.clock = cli_tsval;
	memset(&s->c, 0, sizeof(s->c));
	sw_conn_open(&s->c, s->j, s->ck, &cli, &adv, cli_tsval, proxy_tsval, cwin);
	sync_state(s);

	/* Backend: SYN-ACK K with window swin (not scaled), then the proxy's ACK. */
	swin = (uint16_t)rnd();
	b.snd_una = b.snd_nxt = s->k + 1;
	b.rcv_nxt = s->j + 1;
	b.rcv_edge = s->j + 1 + swin;
	b.clock = srv_tsval;
	assert_int_equal(
		sw_conn_on_synack(&s->c, s->k, s->j + 1, swin, &so, &to_backend, &to_client), 0);
	sync_state(s);
	assert_int_equal(to_backend.seq, s->j + 1);
	assert_int_equal(to_backend.ack, s->k + 1);
	b.snd_edge = s->k + 1 + ((uint32_t)to_backend.win << b.shift_recv);
	if (cli.has_ts && so.has_ts) {
		assert_int_equal(to_backend.tsval, cli_tsval);
		assert_int_equal(to_backend.tsecr, srv_tsval);
		b.ts_recent_view = to_backend.tsval;
		b.ts_recent_orig = cli_tsval;
	}
	assert_int_equal(to_client.seq, s->ck + 1);
	assert_int_equal(to_client.ack, s->j + 1);
	c.snd_edge = s->j + 1 + ((uint32_t)to_client.win << c.shift_recv);
	if (cli.has_ts && to_client.has_ts) {
		assert_int_equal(to_client.tsecr, cli_tsval);
		c.ts_recent_view = to_client.tsval;
		c.ts_recent_orig = s->ts ? srv_tsval : 0;
	}
	if (!s->ts)
		c.ts_recent_view = b.ts_recent_view = 0;
	memset(s->fin, 0, sizeof(s->fin));
	memset(s->fin_acked, 0, sizeof(s->fin_acked));
	s->simul = false;

	for (unsigned i = 0; i < SIM_SEGS_PER_FLOW && s->c.state != SW_CONN_TIME_WAIT; i++) {
		unsigned r = rnd() % 8;
		enum seg_kind kind = r < SEG_KINDS ? (enum seg_kind)r : SEG_DATA;
		int ret = rnd() & 1 ? send_seg(s, &c, &b, SW_DIR_C2S, kind)
				    : send_seg(s, &b, &c, SW_DIR_S2C, kind);

		if (ret != 0)
			break;
	}
	if (s->failures != failures0 && failures0 < SIM_REPORT_MAX)
		printf("  flow: J %u C %u K %u, WS client %d/%u cookie %d/%u backend %d/%u, TS "
		       "%d/%d, "
		       "SACK %d/%d, third-ACK window %u, backend SYN-ACK window %u\n",
			s->j, s->ck, s->k, cli.has_wscale, cli.wscale, adv.has_wscale, adv.wscale,
			so.has_wscale, so.wscale, cli.has_ts, so.has_ts, cli.sack_perm,
			so.has_sack_perm, cwin, swin);
}

static void
run_seed(uint64_t seed, unsigned flows)
{
	struct sim s;
	unsigned tw = 0;

	memset(&s, 0, sizeof(s));
	rng = seed;
	for (unsigned i = 0; i < flows; i++) {
		sim_flow(&s);
		tw += s.c.state == SW_CONN_TIME_WAIT;
	}
	printf("seed %#llx: %u flows, %ld segments, %u reached TIME_WAIT, %u failures\n",
		(unsigned long long)seed, flows, s.segs, tw, s.failures);
	assert_int_equal(s.failures, 0);
	/* The run went through the teardown too, not only the relay. */
	assert_true(tw > flows / 100);
}

static void
test_endpoints_through_conn(void **state)
{
	static const uint64_t seeds[] = {88172645463325252ull, 0x5eed0001ull, 0x5eed0002ull};

	(void)state;
	for (unsigned i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		run_seed(seeds[i], 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints_through_conn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
