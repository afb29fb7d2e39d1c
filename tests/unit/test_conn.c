/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lib/conn: state machine rows, RST checks, translation arithmetic, checksums. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sw_conn.h"
#include "sw_pkt.h"
#include "sw_tcpopt.h"

/* ---- Flow fixtures -------------------------------------------------------------------- */

/* One proxied connection's handshake parameters (all host order). */
struct fp {
	uint32_t j; /* client ISN */
	uint32_t c; /* cookie: proxy ISN towards the client */
	uint32_t k; /* backend ISN */
	uint32_t cli_tsval; /* client TSval in the third ACK */
	uint32_t proxy_tsval; /* TSval of the proxy SYN-ACK */
	uint32_t srv_tsval; /* TSval of the backend SYN-ACK */
	struct sw_conn_syn_opts cli, adv;
	struct sw_tcpopt srv; /* backend SYN-ACK options */
	uint16_t cli_win; /* third ACK window field */
	uint16_t srv_win; /* backend SYN-ACK window field */
	uint16_t cwin, swin; /* window fields used on later segments */
};

static void
fp_default(struct fp *p)
{
	memset(p, 0, sizeof(*p));
	p->j = 1000;
	p->c = 5000000;
	p->k = 90000000;
	p->cli_tsval = 777;
	p->proxy_tsval = 123456;
	p->srv_tsval = 999999;
	p->cli = (struct sw_conn_syn_opts){
		.mss = 1460, .wscale = 7, .has_wscale = true, .sack_perm = true, .has_ts = true};
	p->adv = (struct sw_conn_syn_opts){
		.mss = 1460, .wscale = 7, .has_wscale = true, .sack_perm = true, .has_ts = true};
	p->srv.has_mss = true;
	p->srv.mss = 1460;
	p->srv.has_wscale = true;
	p->srv.wscale = 7;
	p->srv.has_sack_perm = true;
	p->srv.has_ts = true;
	p->srv.tsval = p->srv_tsval;
	p->srv.tsecr = p->cli_tsval;
	p->cli_win = 502;
	p->srv_win = 64240;
	p->cwin = 502;
	p->swin = 502;
}

/* Wrap variant: every ISN and clock a few units below 2^32. */
static void
fp_wrap(struct fp *p)
{
	fp_default(p);
	p->j = 0xffffffe0u;
	p->c = 0xfffffff0u;
	p->k = 0xffffff00u;
	p->cli_tsval = 0xfffffffeu;
	p->proxy_tsval = 0xfffffff0u;
	p->srv_tsval = 5;
	p->srv.tsval = p->srv_tsval;
	p->srv.tsecr = p->cli_tsval;
}

/* Wire values: client stream offset x (both wires), client's ACK of server offset y, ... */
static uint32_t
cseq(const struct fp *p, uint32_t x)
{
	return p->j + 1 + x;
}

static uint32_t
cack(const struct fp *p, uint32_t y)
{
	return p->c + 1 + y; /* proxy space */
}

static uint32_t
sseq(const struct fp *p, uint32_t y)
{
	return p->k + 1 + y; /* backend space */
}

static uint32_t
sack_(const struct fp *p, uint32_t x)
{
	return p->j + 1 + x;
}

/* What the flow table does: store the state the conn computed. */
static void
sync_state(struct sw_conn *c)
{
	c->state = (uint8_t)sw_conn_next_state(c);
}

static void
do_open(struct sw_conn *c, const struct fp *p)
{
	memset(c, 0, sizeof(*c));
	sw_conn_open(c, p->j, p->c, &p->cli, &p->adv, p->cli_tsval, p->proxy_tsval, p->cli_win);
	sync_state(c);
	assert_int_equal(c->state, SW_CONN_SYN_SENT);
}

static void
do_splice(struct sw_conn *c, const struct fp *p)
{
	do_open(c, p);
	assert_int_equal(sw_conn_on_synack(c, p->k, p->j + 1, p->srv_win, &p->srv, NULL, NULL), 0);
	sync_state(c);
	assert_int_equal(c->state, SW_CONN_ESTABLISHED);
}

static enum sw_conn_verdict
seg(struct sw_conn *c, enum sw_conn_dir d, uint8_t fl, uint32_t seq, uint32_t ack, uint32_t len,
	uint16_t win)
{
	enum sw_conn_verdict v = sw_conn_track(c, d, fl, seq, ack, len, win);

	sync_state(c);
	return v;
}

#define A SW_TCP_ACK
#define F SW_TCP_FIN
#define R SW_TCP_RST
#define S SW_TCP_SYN
#define C2S SW_DIR_C2S
#define S2C SW_DIR_S2C

/* ---- Packet helpers ------------------------------------------------------------------- */

static const uint8_t ip_src[4] = {198, 18, 0, 1};
static const uint8_t ip_dst[4] = {198, 18, 0, 2};

/* RFC 1071 sum of buf (not folded). */
static uint32_t
sum16(const uint8_t *b, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Full TCP checksum over pseudo header + header + payload, checksum field taken as zero. */
static uint16_t
full_csum(const uint8_t *h, uint16_t hlen, const uint8_t *pl, uint16_t plen)
{
	uint8_t ph[12];
	uint8_t tmp[60];
	uint32_t s;

	memcpy(ph, ip_src, 4);
	memcpy(ph + 4, ip_dst, 4);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = (uint8_t)((hlen + plen) >> 8);
	ph[11] = (uint8_t)(hlen + plen);
	memcpy(tmp, h, hlen);
	tmp[16] = tmp[17] = 0;
	s = sum16(ph, sizeof(ph), 0);
	s = sum16(tmp, hlen, s);
	s = sum16(pl, plen, s);
	return (uint16_t)~fold(s);
}

/* True when the stored checksum verifies and equals a full recomputation. */
static bool
csum_ok(const uint8_t *h, uint16_t hlen, const uint8_t *pl, uint16_t plen)
{
	return sw_rd16(h + 16) == full_csum(h, hlen, pl, plen);
}

/* Build a TCP header with the given options (padded with EOL to 4 bytes); returns its length. */
static uint16_t
mk_tcp(uint8_t *h, uint32_t seq, uint32_t ack, uint8_t fl, uint16_t win, const uint8_t *opt,
	uint8_t olen, const uint8_t *pl, uint16_t plen)
{
	uint16_t hlen = (uint16_t)(20 + ((olen + 3u) & ~3u));

	memset(h, 0, 60);
	sw_wr16(h, 40000);
	sw_wr16(h + 2, 80);
	sw_wr32(h + 4, seq);
	sw_wr32(h + 8, ack);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = fl;
	sw_wr16(h + 14, win);
	sw_wr16(h + 18, 0x1234); /* urgent pointer: must never change */
	if (olen > 0)
		memcpy(h + 20, opt, olen);
	sw_wr16(h + 16, full_csum(h, hlen, pl, plen));
	return hlen;
}

/* Options writers: return bytes written. */
static uint8_t
o_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = SW_TCPOPT_TS;
	o[1] = 10;
	sw_wr32(o + 2, tsval);
	sw_wr32(o + 6, tsecr);
	return 10;
}

static uint8_t
o_sack(uint8_t *o, const uint32_t *edges, unsigned n_blocks)
{
	unsigned i;

	o[0] = SW_TCPOPT_SACK;
	o[1] = (uint8_t)(2 + 8 * n_blocks);
	for (i = 0; i < 2 * n_blocks; i++)
		sw_wr32(o + 2 + 4 * i, edges[i]);
	return (uint8_t)(2 + 8 * n_blocks);
}

/* Translate and check that the checksum still verifies; returns xlate's result. */
static int
xl(const struct sw_conn *c, enum sw_conn_dir d, uint8_t *h, uint16_t hlen)
{
	static const uint8_t no_pl[1];
	int rc = sw_conn_xlate(c, d, h, hlen);

	assert_true(csum_ok(h, hlen, no_pl, 0));
	assert_int_equal(sw_rd16(h + 18), 0x1234);
	assert_int_equal(sw_rd16(h), 40000);
	return rc;
}

/* ---- Names, timeouts, open ------------------------------------------------------------ */

static void
test_names_timeouts(void **state)
{
	struct sw_conn_timeouts t;
	struct sw_conn c;
	struct fp p;
	int i;

	(void)state;
	assert_string_equal(sw_conn_state_name(SW_CONN_SYN_SENT), "SYN_SENT");
	assert_string_equal(sw_conn_state_name(SW_CONN_ESTABLISHED), "ESTABLISHED");
	assert_string_equal(sw_conn_state_name(SW_CONN_TIME_WAIT), "TIME_WAIT");
	assert_string_equal(sw_conn_state_name(SW_CONN_CLOSED), "CLOSED");
	assert_string_equal(sw_conn_state_name(SW_CONN_STATE_MAX), "UNKNOWN");
	for (i = 0; i < SW_CONN_STATE_MAX; i++)
		assert_non_null(sw_conn_state_name((enum sw_conn_state)i));
	for (i = 0; i <= SW_CONN_V_MAX; i++)
		assert_non_null(sw_conn_verdict_name((enum sw_conn_verdict)i));
	assert_string_equal(sw_conn_verdict_name(SW_CONN_V_RST_FWD), "rst_fwd");

	sw_conn_timeouts_default(&t);
	assert_int_equal(t.ms[SW_CONN_FREE], 0);
	assert_int_equal(t.ms[SW_CONN_SYN_SENT], 120000);
	assert_int_equal(t.ms[SW_CONN_ESTABLISHED], 432000000u);
	assert_int_equal(t.ms[SW_CONN_FIN_WAIT_1], 120000);
	assert_int_equal(t.ms[SW_CONN_FIN_WAIT_2], 120000);
	assert_int_equal(t.ms[SW_CONN_CLOSE_WAIT], 60000);
	assert_int_equal(t.ms[SW_CONN_LAST_ACK], 30000);
	assert_int_equal(t.ms[SW_CONN_CLOSING], 120000);
	assert_int_equal(t.ms[SW_CONN_TIME_WAIT], 120000);
	assert_int_equal(t.ms[SW_CONN_CLOSED], 10000);

	fp_default(&p);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sw_conn_next_state(&c), SW_CONN_FREE);
	assert_int_equal(sw_conn_timeout_ms(&c, &t), 0);
	do_open(&c, &p);
	assert_int_equal(sw_conn_timeout_ms(&c, &t), 120000);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, NULL), 0);
	assert_int_equal(sw_conn_timeout_ms(&c, &t), 432000000u);
}

static void
test_open(void **state)
{
	struct sw_conn_syn_opts o;
	struct sw_conn c;
	struct fp p;

	(void)state;
	fp_default(&p);
	p.cli.wscale = 200; /* RFC 7323 2.3: used as 14 */
	p.cli.ecn = true;
	memset(&c, 0xff, sizeof(c));
	c.state = SW_CONN_FREE;
	sw_conn_open(&c, p.j, p.c, &p.cli, &p.adv, p.cli_tsval, p.proxy_tsval, p.cli_win);
	assert_int_equal(c.state, SW_CONN_FREE); /* the table's field is not touched */
	assert_int_equal(sw_conn_next_state(&c), SW_CONN_SYN_SENT);
	assert_int_equal(c.ws_cli, 14);
	assert_int_equal(c.ws_adv, 7);
	assert_int_equal(c.client_isn, p.j);
	assert_int_equal(c.cookie, p.c);
	assert_int_equal(c.client_tsval, p.cli_tsval);
	assert_int_equal(c.proxy_tsval, p.proxy_tsval);
	assert_int_equal(c.pad, 0);
	assert_int_equal(c.syn_retries, 0);
	assert_int_equal(c.half[C2S].end, p.j + 1);
	assert_int_equal(c.half[C2S].ack, p.c + 1);
	assert_false(sw_conn_can_reopen(&c));

	sw_conn_client_syn_opts(&c, &o);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 14);
	assert_true(o.has_wscale && o.sack_perm && o.has_ts && o.ecn);
	assert_int_equal(sizeof(struct sw_conn), 44);
}

/* The inline fast path of sw_conn_next_state() agrees with the full decision everywhere. */
static void
test_next_state_fast_path(void **state)
{
	static const uint32_t bits[] = {SW_CONN_F_OPEN, SW_CONN_F_SPLICED, SW_CONN_F_CLOSED,
		SW_CONN_F_SIMUL, SW_CONN_F_FIN_C2S, SW_CONN_F_FIN_S2C, SW_CONN_F_FINACK_C2S,
		SW_CONN_F_FINACK_S2C, SW_CONN_F_DELTA, SW_CONN_F_SRV_TS};
	struct sw_conn c;
	unsigned est = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (uint32_t m = 0; m < (1u << (sizeof(bits) / sizeof(bits[0]))); m++) {
		c.flags = 0;
		for (unsigned b = 0; b < sizeof(bits) / sizeof(bits[0]); b++)
			if (m & (1u << b))
				c.flags |= bits[b];
		assert_int_equal(sw_conn_next_state(&c), sw_conn_next_state_slow(&c));
		est += sw_conn_next_state(&c) == SW_CONN_ESTABLISHED;
	}
	/* OPEN|SPLICED with any of FINACK x2 (no FIN: unreachable but harmless), SIMUL, DELTA, TS. */
	assert_int_equal(est, 32);
}

/* ---- Backend SYN-ACK -------------------------------------------------------------------- */

static void
test_synack(void **state)
{
	struct sw_conn c, c0;
	struct sw_conn_seg s, u;
	struct fp p;

	(void)state;
	fp_default(&p);
	do_open(&c, &p);
	c0 = c;
	/* RFC 9293 3.10.7.3: ack must be J + 1 exactly. */
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j, p.srv_win, &p.srv, NULL, NULL), -EINVAL);
	assert_int_equal(
		sw_conn_on_synack(&c, p.k, p.j + 2, p.srv_win, &p.srv, NULL, NULL), -EINVAL);
	assert_int_equal(
		sw_conn_on_synack(&c, p.k, p.c + 1, p.srv_win, &p.srv, NULL, NULL), -EINVAL);
	assert_memory_equal(&c, &c0, sizeof(c));
	assert_int_equal(sw_conn_next_state(&c), SW_CONN_SYN_SENT);

	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, &s, &u), 0);
	sync_state(&c);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);
	assert_int_equal(c.seq_delta, p.k - p.c);
	assert_int_equal(c.ts_delta, p.srv_tsval - p.proxy_tsval);
	assert_int_equal(c.ws_srv, 7);
	assert_true(c.flags & SW_CONN_F_SRV_SACK);
	/* Spaces: client stream client space, server stream backend space. */
	assert_int_equal(c.half[C2S].end, p.j + 1);
	assert_int_equal(c.half[C2S].ack, p.k + 1);
	assert_int_equal(c.half[S2C].end, p.k + 1);
	assert_int_equal(c.half[S2C].ack, p.j + 1);

	/* What the proxy sends on splicing. */
	assert_int_equal(s.seq, p.j + 1);
	assert_int_equal(s.ack, p.k + 1);
	assert_int_equal(s.win, p.cli_win); /* same shift on both legs: unchanged */
	assert_true(s.has_ts);
	assert_int_equal(s.tsval, p.cli_tsval);
	assert_int_equal(s.tsecr, p.srv_tsval);
	assert_int_equal(u.seq, p.c + 1);
	assert_int_equal(u.ack, p.j + 1);
	assert_int_equal(u.win, 64240 >> 7);
	assert_true(u.has_ts);
	assert_int_equal(u.tsval, p.proxy_tsval);
	assert_int_equal(u.tsecr, p.cli_tsval);

	/* Retransmitted SYN-ACK: same K -> -EALREADY, nothing changes, the same ACK again. */
	c0 = c;
	memset(&s, 0xa5, sizeof(s));
	memset(&u, 0xa5, sizeof(u));
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, &s, &u), -EALREADY);
	assert_int_equal(s.seq, p.j + 1);
	assert_int_equal(s.ack, p.k + 1);
	assert_int_equal(s.win, p.cli_win);
	assert_true(s.has_ts);
	assert_int_equal(s.tsval, p.cli_tsval); /* the SYN-ACK's TSecr */
	assert_int_equal(s.tsecr, p.srv_tsval);
	assert_false(u.has_ts); /* no window update */
	assert_int_equal(u.seq, 0);
	assert_int_equal(
		sw_conn_on_synack(&c, p.k + 1, p.j + 1, p.srv_win, &p.srv, NULL, NULL), -EINVAL);
	/* An ACK beyond anything the client sent is not a retransmission. */
	assert_int_equal(
		sw_conn_on_synack(&c, p.k, p.j + 2, p.srv_win, &p.srv, NULL, NULL), -EINVAL);
	assert_memory_equal(&c, &c0, sizeof(c));
	/* After client data the re-ACK carries the client's SND.NXT (RFC 9293 3.10.7.4). */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 100, 9), SW_CONN_V_FWD);
	assert_int_equal(
		sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, &s, NULL), -EALREADY);
	assert_int_equal(s.seq, p.j + 101);
	assert_int_equal(s.ack, p.k + 1);

	/* Not in SYN_SENT, never spliced: -EINVAL. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, NULL), -EINVAL);
}

static void
test_synack_backend_opts(void **state)
{
	struct sw_conn c;
	struct sw_conn_seg s, u;
	struct fp p;

	(void)state;
	/* Backend without any option; client had them all. */
	fp_default(&p);
	memset(&p.srv, 0, sizeof(p.srv));
	do_open(&c, &p);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, 1000, NULL, &s, &u), 0);
	assert_false(c.flags & (SW_CONN_F_SRV_WS | SW_CONN_F_SRV_SACK | SW_CONN_F_SRV_TS));
	assert_int_equal(c.proxy_tsval, p.proxy_tsval); /* kept for the window update */
	assert_true(u.has_ts);
	assert_int_equal(u.tsval, p.proxy_tsval);
	assert_int_equal(u.tsecr, p.cli_tsval);
	assert_int_equal(u.win, 1000 >> 7);
	assert_false(s.has_ts);
	/* The client scales by 7 but the backend does not: the bytes, unscaled. */
	assert_int_equal(s.win, 502u << 7);
	fp_default(&p);
	memset(&p.srv, 0, sizeof(p.srv));
	p.cli_win = 600; /* 76800 bytes: more than a 16-bit field holds */
	do_open(&c, &p);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, 1000, NULL, &s, NULL), 0);
	assert_int_equal(s.win, 0xffff);

	/* Backend answers options the client never offered: ignored. */
	fp_default(&p);
	p.cli.has_wscale = p.cli.sack_perm = p.cli.has_ts = false;
	p.adv.has_wscale = p.adv.sack_perm = p.adv.has_ts = false;
	p.srv.wscale = 20;
	do_open(&c, &p);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, 1000, &p.srv, NULL, NULL), 0);
	assert_false(c.flags & (SW_CONN_F_SRV_WS | SW_CONN_F_SRV_SACK | SW_CONN_F_SRV_TS));

	/* Shift above 14 is used as 14. */
	fp_default(&p);
	p.srv.wscale = 20;
	do_open(&c, &p);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, 1000, &p.srv, NULL, NULL), 0);
	assert_int_equal(c.ws_srv, 14);
}

/* ---- SYN_SENT ----------------------------------------------------------------------------- */

static void
test_syn_sent(void **state)
{
	uint8_t h[60];
	uint16_t hl;
	struct sw_conn c, c0;
	struct fp p;

	(void)state;
	fp_wrap(&p);
	do_open(&c, &p);
	c0 = c;
	/* Client segments wait: the client was told window 0. */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 0, 600), SW_CONN_V_DROP_EARLY);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 10, 600), SW_CONN_V_DROP_EARLY);
	assert_int_equal(
		seg(&c, C2S, A | F, cseq(&p, 0), cack(&p, 0), 0, 600), SW_CONN_V_DROP_EARLY);
	assert_int_equal(seg(&c, C2S, S, p.j, 0, 0, 600), SW_CONN_V_DROP_EARLY);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 1), 0, 600), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, C2S, 0, cseq(&p, 0), 0, 0, 600), SW_CONN_V_DROP_INVALID);
	assert_int_equal(c.state, SW_CONN_SYN_SENT);
	/* The client's window update is remembered for the backend ACK. */
	assert_int_equal(c.half[C2S].maxend, cack(&p, 0) + (600u << 7));
	/* Backend segments other than its SYN-ACK and an acceptable RST. */
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), p.j + 1, 0, 100), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, S2C, R, 0, 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, S2C, R | A, 0, p.j, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, C2S, R, cseq(&p, 1), 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(c.state, SW_CONN_SYN_SENT);

	/* Backend refuses: RST+ACK(J+1), seq 0; forwarded with seq C + 1. */
	assert_int_equal(seg(&c, S2C, R | A, 0, p.j + 1, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	assert_true(sw_conn_can_reopen(&c));
	hl = mk_tcp(h, 0, p.j + 1, R | A, 0, NULL, 0, NULL, 0);
	assert_int_equal(xl(&c, S2C, h, hl), 0);
	assert_int_equal(sw_rd32(h + 4), p.c + 1);
	assert_int_equal(sw_rd32(h + 8), p.j + 1);
	/* Nothing else passes a flow that was never spliced. */
	assert_int_equal(seg(&c, S2C, R | A, 0, p.j + 1, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(
		sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, NULL), -EINVAL);

	/* Client RST at J + 1 exactly. */
	c = c0;
	assert_int_equal(seg(&c, C2S, R, cseq(&p, 0), 0, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	hl = mk_tcp(h, cseq(&p, 0), cack(&p, 0), R | A, 0, NULL, 0, NULL, 0);
	assert_int_equal(xl(&c, C2S, h, hl), 0);
	assert_int_equal(sw_rd32(h + 8), cack(&p, 0)); /* no delta known: untouched */
}

static void
test_syn_retry(void **state)
{
	struct sw_conn c;
	struct fp p;

	(void)state;
	fp_default(&p);
	do_open(&c, &p);
	assert_int_equal(sw_conn_syn_retry(&c, 3), 0);
	assert_int_equal(sw_conn_syn_retry(&c, 3), 0);
	assert_int_equal(sw_conn_syn_retry(&c, 3), 0);
	assert_int_equal(c.syn_retries, 3);
	assert_int_equal(sw_conn_syn_retry(&c, 3), -ETIMEDOUT);
	sync_state(&c);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	assert_int_equal(sw_conn_syn_retry(&c, 3), -EINVAL);

	do_splice(&c, &p);
	assert_int_equal(sw_conn_syn_retry(&c, 3), -EINVAL);
	sw_conn_abort(&c);
	sync_state(&c);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	memset(&c, 0, sizeof(c));
	sw_conn_abort(&c);
	assert_int_equal(sw_conn_next_state(&c), SW_CONN_FREE);
}

/* ---- Teardown rows -------------------------------------------------------------------------- */

/* Both wraps: offsets are small, the ISNs decide whether 2^32 is crossed. */
static void
run_client_first(const struct fp *p)
{
	struct sw_conn c;
	uint16_t W = p->cwin;

	do_splice(&c, p);
	assert_int_equal(seg(&c, C2S, A, cseq(p, 0), cack(p, 0), 100, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, S2C, A, sseq(p, 0), sack_(p, 100), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);
	/* Client FIN at 100 -> FIN_WAIT_1. */
	assert_int_equal(seg(&c, C2S, F | A, cseq(p, 100), cack(p, 0), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	assert_int_equal(c.half[C2S].end, cseq(p, 101));
	/* An ACK short of the FIN changes nothing. */
	assert_int_equal(seg(&c, S2C, A, sseq(p, 0), sack_(p, 100), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	/* Server ACKs the FIN -> FIN_WAIT_2. */
	assert_int_equal(seg(&c, S2C, A, sseq(p, 0), sack_(p, 101), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_2);
	/* Half-closed: the server may still send. */
	assert_int_equal(seg(&c, S2C, A, sseq(p, 0), sack_(p, 101), 50, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(p, 101), cack(p, 50), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_2);
	/* ... but the client may not. */
	assert_int_equal(seg(&c, C2S, A, cseq(p, 101), cack(p, 50), 1, W), SW_CONN_V_DROP_INVALID);
	/* Server FIN -> LAST_ACK, then the client's ACK -> TIME_WAIT. */
	assert_int_equal(seg(&c, S2C, F | A, sseq(p, 50), sack_(p, 101), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_LAST_ACK);
	assert_false(sw_conn_can_reopen(&c));
	assert_int_equal(seg(&c, C2S, A, cseq(p, 101), cack(p, 51), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);
	assert_true(sw_conn_can_reopen(&c));
	/* Lost last ACK: the server's FIN comes again and the client re-ACKs: both pass. */
	assert_int_equal(seg(&c, S2C, F | A, sseq(p, 50), sack_(p, 101), 0, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(p, 101), cack(p, 51), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);
	/* New data in TIME_WAIT is invalid. */
	assert_int_equal(seg(&c, S2C, A, sseq(p, 51), sack_(p, 101), 5, W), SW_CONN_V_DROP_INVALID);
}

static void
test_client_first_close(void **state)
{
	struct fp p;

	(void)state;
	fp_default(&p);
	run_client_first(&p);
	fp_wrap(&p);
	run_client_first(&p);
}

static void
run_server_first(const struct fp *p)
{
	struct sw_conn c;
	uint16_t W = p->cwin;

	do_splice(&c, p);
	assert_int_equal(seg(&c, S2C, A, sseq(p, 0), sack_(p, 0), 300, W), SW_CONN_V_FWD);
	/* Server FIN right after its data -> CLOSE_WAIT. */
	assert_int_equal(seg(&c, S2C, F | A, sseq(p, 300), sack_(p, 0), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSE_WAIT);
	/* Client ACKs it, sends more data: still CLOSE_WAIT. */
	assert_int_equal(seg(&c, C2S, A, cseq(p, 0), cack(p, 301), 20, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSE_WAIT);
	assert_int_equal(seg(&c, S2C, A, sseq(p, 301), sack_(p, 20), 0, W), SW_CONN_V_FWD);
	/* Server data after its FIN is invalid. */
	assert_int_equal(seg(&c, S2C, A, sseq(p, 301), sack_(p, 20), 1, W), SW_CONN_V_DROP_INVALID);
	/* Client FIN -> LAST_ACK; server ACK -> TIME_WAIT. */
	assert_int_equal(seg(&c, C2S, F | A, cseq(p, 20), cack(p, 301), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_LAST_ACK);
	assert_int_equal(seg(&c, S2C, A, sseq(p, 301), sack_(p, 21), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);
}

static void
test_server_first_close(void **state)
{
	struct fp p;

	(void)state;
	fp_default(&p);
	run_server_first(&p);
	fp_wrap(&p);
	run_server_first(&p);
}

static void
run_simultaneous(const struct fp *p)
{
	struct sw_conn c;
	uint16_t W = p->cwin;

	do_splice(&c, p);
	/* Both FINs cross: neither acknowledges the other. */
	assert_int_equal(seg(&c, C2S, F | A, cseq(p, 0), cack(p, 0), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	assert_int_equal(seg(&c, S2C, F | A, sseq(p, 0), sack_(p, 0), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSING);
	/* One ACK: still CLOSING until both are ACKed. */
	assert_int_equal(seg(&c, C2S, A, cseq(p, 1), cack(p, 1), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSING);
	assert_int_equal(seg(&c, S2C, A, sseq(p, 1), sack_(p, 1), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);

	/* Server first this time, client FIN does not ACK it. */
	do_splice(&c, p);
	assert_int_equal(seg(&c, S2C, F | A, sseq(p, 0), sack_(p, 0), 0, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, F | A, cseq(p, 0), cack(p, 0), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSING);
	assert_int_equal(seg(&c, S2C, A, sseq(p, 1), sack_(p, 1), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSING);
	assert_int_equal(seg(&c, C2S, A, cseq(p, 1), cack(p, 1), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);
}

static void
test_simultaneous_close(void **state)
{
	struct fp p;

	(void)state;
	fp_default(&p);
	run_simultaneous(&p);
	fp_wrap(&p);
	run_simultaneous(&p);
}

static void
test_fin_with_data(void **state)
{
	struct sw_conn c;
	struct fp p;

	(void)state;
	fp_wrap(&p);
	do_splice(&c, &p);
	/* 100 bytes + FIN: the FIN is sequence number J + 1 + 100. */
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 0), cack(&p, 0), 100, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	assert_int_equal(c.half[C2S].end, cseq(&p, 101));
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 100), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 101), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_2);
	/* Retransmission of the data part alone passes; of the whole segment too. */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 100, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 0), cack(&p, 0), 100, 9), SW_CONN_V_FWD);
	/* The same FIN moved (other length) is not. */
	assert_int_equal(
		seg(&c, C2S, F | A, cseq(&p, 0), cack(&p, 0), 99, 9), SW_CONN_V_DROP_INVALID);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_2);
}

static void
test_fin_ack_combined(void **state)
{
	struct sw_conn c;
	struct fp p;

	(void)state;
	fp_default(&p);
	do_splice(&c, &p);
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 0), cack(&p, 0), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	/* Server FIN+ACK acknowledging the client FIN: LAST_ACK, not CLOSING. */
	assert_int_equal(seg(&c, S2C, F | A, sseq(&p, 0), sack_(&p, 1), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_LAST_ACK);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 1), cack(&p, 1), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);

	/* Server first; client FIN+ACK acknowledging it. */
	do_splice(&c, &p);
	assert_int_equal(seg(&c, S2C, F | A, sseq(&p, 0), sack_(&p, 0), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 0), cack(&p, 1), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_LAST_ACK);
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 1), sack_(&p, 1), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);
}

static void
test_fin_retransmit(void **state)
{
	struct sw_conn c, c0;
	struct fp p;

	(void)state;
	fp_wrap(&p);
	do_splice(&c, &p);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 10, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 10), cack(&p, 0), 0, 9), SW_CONN_V_FWD);
	c0 = c;
	/* Same FIN again: accepted, no change at all. */
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 10), cack(&p, 0), 0, 9), SW_CONN_V_FWD);
	assert_memory_equal(&c, &c0, sizeof(c));
	/* A FIN elsewhere, data beyond the FIN: invalid, no change. */
	assert_int_equal(
		seg(&c, C2S, F | A, cseq(&p, 11), cack(&p, 0), 0, 9), SW_CONN_V_DROP_INVALID);
	assert_int_equal(
		seg(&c, C2S, F | A, cseq(&p, 9), cack(&p, 0), 0, 9), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 10), cack(&p, 0), 1, 9), SW_CONN_V_DROP_INVALID);
	assert_memory_equal(&c, &c0, sizeof(c));
	/* A FIN cannot come before bytes already seen. */
	do_splice(&c, &p);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 10, 9), SW_CONN_V_FWD);
	assert_int_equal(
		seg(&c, C2S, F | A, cseq(&p, 5), cack(&p, 0), 0, 9), SW_CONN_V_DROP_INVALID);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);
	/* Out of order: FIN first, then the missing data. */
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 20), cack(&p, 0), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 10), cack(&p, 0), 10, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 21), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_2);
}

/* ---- Validation of ordinary segments ------------------------------------------------------ */

static void
test_invalid_segments(void **state)
{
	struct sw_conn c, c0;
	struct fp p;

	(void)state;
	fp_wrap(&p);
	do_splice(&c, &p);
	c0 = c;
	/* No ACK bit. */
	assert_int_equal(seg(&c, C2S, 0, cseq(&p, 0), 0, 10, 9), SW_CONN_V_DROP_INVALID);
	/* ACK of data never sent (both spaces). */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 1), 0, 9), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 1), 0, 9), SW_CONN_V_DROP_INVALID);
	/* Beyond the receiver's window (the backend opened 64240 bytes), or straddling it. */
	assert_int_equal(
		seg(&c, C2S, A, cseq(&p, 64241), cack(&p, 0), 1, 9), SW_CONN_V_DROP_INVALID);
	assert_int_equal(
		seg(&c, C2S, A, cseq(&p, 64000), cack(&p, 0), 300, 9), SW_CONN_V_DROP_INVALID);
	assert_int_equal(
		seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 64242, 9), SW_CONN_V_DROP_INVALID);
	/* ACK older than SND.UNA - 2^30 (RFC 5961 section 5). */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0) - 0x40000001u, 0, 9),
		SW_CONN_V_DROP_INVALID);
	/* Too long to be a segment. */
	assert_int_equal(
		seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 0x10000, 9), SW_CONN_V_DROP_INVALID);
	assert_memory_equal(&c, &c0, sizeof(c));
	/* Filling the window exactly, and one byte more (zero-window probe): allowed. */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 64240, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 64240), cack(&p, 0), 1, 9), SW_CONN_V_FWD);
	/* An old ACK within 2^30 passes, and its (stale) window is ignored. */
	c0 = c;
	assert_int_equal(
		seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0) - 0x3fffffffu, 0, 0xffff), SW_CONN_V_FWD);
	assert_memory_equal(&c, &c0, sizeof(c));
	/* Old retransmissions and keep-alives (seq = SND.NXT - 1) pass. */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0) - 1, cack(&p, 0), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0) - 100000, cack(&p, 0), 1, 9), SW_CONN_V_FWD);
	/* Invalid direction. */
	assert_int_equal(
		sw_conn_track(&c, (enum sw_conn_dir)2, A, 0, 0, 0, 0), SW_CONN_V_DROP_INVALID);
	/* Unopened flow. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(seg(&c, C2S, A, 0, 0, 0, 0), SW_CONN_V_DROP_INVALID);
}

/* ---- RST (RFC 5961 section 3) ------------------------------------------------------------- */

static void
run_rst(const struct fp *p)
{
	struct sw_conn base, c;
	uint16_t W = p->cwin;

	do_splice(&base, p);
	/* Client sent 100, server ACKed 50; server sent 200, client ACKed 120. */
	assert_int_equal(seg(&base, C2S, A, cseq(p, 0), cack(p, 0), 100, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&base, S2C, A, sseq(p, 0), sack_(p, 50), 200, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&base, C2S, A, cseq(p, 100), cack(p, 120), 0, W), SW_CONN_V_FWD);

	/* Client RST: exact at the server's RCV.NXT (J+1+50), or at its own SND.NXT (train). */
	c = base;
	assert_int_equal(seg(&c, C2S, R, cseq(p, 50), 0, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	c = base;
	assert_int_equal(seg(&c, C2S, R | A, cseq(p, 100), cack(p, 120), 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	/* In the window beyond: forwarded, no state change (the server challenges it). */
	c = base;
	assert_int_equal(seg(&c, C2S, R, cseq(p, 5000), 0, 0, 0), SW_CONN_V_RST_INWIN);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);
	/* Below RCV.NXT, or past the window: dropped. */
	assert_int_equal(seg(&c, C2S, R, cseq(p, 49), 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, C2S, R, cseq(p, 50 + 2000000), 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(
		seg(&c, C2S, R, cseq(p, 0) + 0x80000000u, 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);

	/* Server RST in the backend's space: exact at K+1+120 .. K+1+200. */
	c = base;
	assert_int_equal(seg(&c, S2C, R, sseq(p, 120), 0, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	c = base;
	assert_int_equal(seg(&c, S2C, R, sseq(p, 200), 0, 0, 0), SW_CONN_V_RST_FWD);
	c = base;
	assert_int_equal(seg(&c, S2C, R, sseq(p, 201), 0, 0, 0), SW_CONN_V_RST_INWIN);
	assert_int_equal(seg(&c, S2C, R, sseq(p, 119), 0, 0, 0), SW_CONN_V_DROP_INVALID);
	/* The client space number for the same place is not the backend's: dropped. */
	if (p->k - p->c > 0x1000000 && p->c - p->k > 0x1000000)
		assert_int_equal(seg(&c, S2C, R, cack(p, 120), 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);

	/* After CLOSED: stragglers dropped, late exact RSTs still forwarded. */
	c = base;
	assert_int_equal(seg(&c, S2C, R, sseq(p, 120), 0, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(
		seg(&c, C2S, A, cseq(p, 100), cack(p, 120), 10, W), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, C2S, R, cseq(p, 50), 0, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(seg(&c, C2S, R, cseq(p, 10), 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	assert_true(sw_conn_can_reopen(&c));

	/* RST in a closing state and in TIME_WAIT. */
	c = base;
	assert_int_equal(seg(&c, C2S, F | A, cseq(p, 100), cack(p, 200), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_FIN_WAIT_1);
	assert_int_equal(seg(&c, C2S, R, cseq(p, 101), 0, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSED);
	c = base;
	assert_int_equal(seg(&c, C2S, F | A, cseq(p, 100), cack(p, 200), 0, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, S2C, F | A, sseq(p, 200), sack_(p, 101), 0, W), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(p, 101), cack(p, 201), 0, W), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);
	assert_int_equal(seg(&c, S2C, R, sseq(p, 201), 0, 0, 0), SW_CONN_V_RST_FWD);
	assert_int_equal(c.state, SW_CONN_CLOSED);
}

static void
test_rst(void **state)
{
	struct fp p;

	(void)state;
	fp_default(&p);
	run_rst(&p);
	fp_wrap(&p);
	run_rst(&p);
	/* No window scaling anywhere: windows are plain 16-bit. */
	fp_wrap(&p);
	p.cli.has_wscale = p.adv.has_wscale = p.srv.has_wscale = false;
	p.cwin = p.swin = 60000;
	run_rst(&p);
}

static void
test_rst_zero_window(void **state)
{
	struct sw_conn c;
	struct fp p;

	(void)state;
	fp_default(&p);
	p.srv_win = 0;
	do_splice(&c, &p);
	/* Zero window: only the exact RCV.NXT is acceptable (RFC 9293 3.10.7.4 table). */
	assert_int_equal(seg(&c, C2S, R, cseq(&p, 1), 0, 0, 0), SW_CONN_V_DROP_INVALID);
	assert_int_equal(seg(&c, C2S, R, cseq(&p, 0), 0, 0, 0), SW_CONN_V_RST_FWD);
}

/* ---- SYN on a live flow, reopen -------------------------------------------------------------- */

static void
test_syn_challenge_reopen(void **state)
{
	struct sw_conn c;
	struct sw_conn_seg s;
	struct fp p;

	(void)state;
	fp_wrap(&p);
	do_splice(&c, &p);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 100, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 100), 30, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 100), cack(&p, 30), 0, 11), SW_CONN_V_FWD);
	assert_false(sw_conn_can_reopen(&c));
	/* RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK. */
	assert_int_equal(seg(&c, C2S, S, 12345, 0, 0, 100), SW_CONN_V_CHALLENGE_ACK);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);
	sw_conn_challenge_ack(&c, C2S, &s);
	assert_int_equal(s.seq, cack(&p, 30)); /* the server's SND.NXT in the client's view */
	assert_int_equal(s.ack, cseq(&p, 100));
	/* The window up to the highest edge the backend opened (its SYN-ACK's). */
	assert_int_equal(s.win, (64240 - 100) >> 7);
	assert_false(s.has_ts);
	sw_conn_challenge_ack(&c, S2C, &s);
	assert_int_equal(s.seq, cseq(&p, 100));
	assert_int_equal(s.ack, sseq(&p, 30));
	assert_int_equal(s.win, ((502u << 7) - 30) >> 7);
	assert_int_equal(seg(&c, S2C, S | A, 1, 2, 0, 100), SW_CONN_V_CHALLENGE_ACK);

	/* TIME_WAIT: SYN is for the reopen path, not track. */
	assert_int_equal(seg(&c, C2S, F | A, cseq(&p, 100), cack(&p, 30), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, S2C, F | A, sseq(&p, 30), sack_(&p, 101), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 101), cack(&p, 31), 0, 9), SW_CONN_V_FWD);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT);
	assert_true(sw_conn_can_reopen(&c));
	assert_int_equal(seg(&c, C2S, S, 12345, 0, 0, 100), SW_CONN_V_DROP_INVALID);
	assert_int_equal(
		sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, NULL), -EINVAL);
	/* Reopen over the same entry: a fresh SYN_SENT flow. */
	p.j += 5000000;
	p.c += 777;
	sw_conn_open(&c, p.j, p.c, &p.cli, &p.adv, p.cli_tsval, p.proxy_tsval, p.cli_win);
	assert_int_equal(c.state, SW_CONN_TIME_WAIT); /* until the table stores the new one */
	sync_state(&c);
	assert_int_equal(c.state, SW_CONN_SYN_SENT);
	assert_false(c.flags & (SW_CONN_F_FIN_C2S | SW_CONN_F_FIN_S2C | SW_CONN_F_SPLICED));
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, NULL), 0);
	sync_state(&c);
	assert_int_equal(c.state, SW_CONN_ESTABLISHED);

	/* Unspliced flows give no challenge ACK numbers. */
	do_open(&c, &p);
	sw_conn_challenge_ack(&c, C2S, &s);
	assert_int_equal(s.seq, 0);
	assert_int_equal(s.ack, 0);
}

/* ---- Translation ----------------------------------------------------------------------------- */

static void
run_xlate_numbers(const struct fp *p)
{
	struct sw_conn c;
	uint8_t h[60], opt[40], n;
	uint32_t edges[8], i;
	uint16_t hl;

	do_splice(&c, p);
	/* S2C: seq -= K - C, ack unchanged, TSval -= ts_delta, TSecr unchanged. */
	opt[0] = opt[1] = SW_TCPOPT_NOP;
	n = (uint8_t)(2 + o_ts(opt + 2, p->srv_tsval + 1000, p->cli_tsval + 7));
	hl = mk_tcp(h, sseq(p, 10), sack_(p, 20), A, 300, opt, n, NULL, 0);
	assert_int_equal(xl(&c, S2C, h, hl), 0);
	assert_int_equal(sw_rd32(h + 4), cack(p, 10));
	assert_int_equal(sw_rd32(h + 8), sack_(p, 20));
	assert_int_equal(sw_rd32(h + 24), p->proxy_tsval + 1000);
	assert_int_equal(sw_rd32(h + 28), p->cli_tsval + 7);

	/* C2S: ack += K - C, seq unchanged, TSecr += ts_delta, SACK edges += K - C. */
	opt[0] = opt[1] = SW_TCPOPT_NOP;
	n = (uint8_t)(2 + o_ts(opt + 2, p->cli_tsval + 9, p->proxy_tsval + 1000));
	opt[n++] = SW_TCPOPT_NOP;
	opt[n++] = SW_TCPOPT_NOP;
	for (i = 0; i < 6; i++)
		edges[i] = cack(p, 100 * (i + 1));
	n = (uint8_t)(n + o_sack(opt + n, edges, 3));
	hl = mk_tcp(h, cseq(p, 20), cack(p, 10), A, 300, opt, n, NULL, 0);
	assert_int_equal(xl(&c, C2S, h, hl), 0);
	assert_int_equal(sw_rd32(h + 4), cseq(p, 20));
	assert_int_equal(sw_rd32(h + 8), sseq(p, 10));
	assert_int_equal(sw_rd32(h + 24), p->cli_tsval + 9);
	assert_int_equal(sw_rd32(h + 28), p->srv_tsval + 1000);
	for (i = 0; i < 6; i++)
		assert_int_equal(sw_rd32(h + 36 + 4 * i), sseq(p, 100 * (i + 1)));

	/* C2S without ACK bit (a RST): ack field and TSecr left alone. */
	opt[0] = opt[1] = SW_TCPOPT_NOP;
	n = (uint8_t)(2 + o_ts(opt + 2, 1, 2));
	hl = mk_tcp(h, cseq(p, 20), 0xabcdef, R, 0, opt, n, NULL, 0);
	assert_int_equal(xl(&c, C2S, h, hl), 0);
	assert_int_equal(sw_rd32(h + 8), 0xabcdef);
	assert_int_equal(sw_rd32(h + 28), 2);
}

static void
test_xlate_wrap(void **state)
{
	struct fp p;

	(void)state;
	fp_default(&p);
	run_xlate_numbers(&p);
	fp_wrap(&p); /* K < C, ts_delta wraps, every field crosses 2^32 */
	run_xlate_numbers(&p);
	fp_default(&p);
	p.k = 3;
	p.c = 0xfffffff0u;
	p.srv_tsval = 0xffffffffu;
	p.srv.tsval = p.srv_tsval;
	p.proxy_tsval = 2;
	run_xlate_numbers(&p);
}

static void
test_xlate_ts_off(void **state)
{
	struct sw_conn c;
	uint8_t h[60], opt[40], n;
	uint16_t hl;
	struct fp p;

	(void)state;
	/* Backend without TS: nothing to translate; TS options pass untouched. */
	fp_default(&p);
	p.srv.has_ts = false;
	do_splice(&c, &p);
	opt[0] = opt[1] = SW_TCPOPT_NOP;
	n = (uint8_t)(2 + o_ts(opt + 2, 11, 22));
	hl = mk_tcp(h, cseq(&p, 0), cack(&p, 0), A, 9, opt, n, NULL, 0);
	assert_int_equal(xl(&c, C2S, h, hl), 0);
	assert_int_equal(sw_rd32(h + 24), 11);
	assert_int_equal(sw_rd32(h + 28), 22);
	hl = mk_tcp(h, sseq(&p, 0), sack_(&p, 0), A, 9, opt, n, NULL, 0);
	assert_int_equal(xl(&c, S2C, h, hl), 0);
	assert_int_equal(sw_rd32(h + 24), 11);
	/* TS at an odd offset (one NOP before it): still right, checksum still right. */
	fp_wrap(&p);
	do_splice(&c, &p);
	opt[0] = SW_TCPOPT_NOP;
	n = (uint8_t)(1 + o_ts(opt + 1, 0xfffffff0u, 0xfffffff3u));
	hl = mk_tcp(h, sseq(&p, 0), sack_(&p, 0), A, 9, opt, n, NULL, 0);
	assert_int_equal(xl(&c, S2C, h, hl), 0);
	assert_int_equal(sw_rd32(h + 23), 0xfffffff0u - (p.srv_tsval - p.proxy_tsval));
	assert_int_equal(sw_rd32(h + 27), 0xfffffff3u);
}

static void
test_sack_strip(void **state)
{
	static const uint8_t nops[18] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	struct sw_conn c;
	uint8_t h[60], opt[40], n;
	uint32_t edges[4];
	uint16_t hl;
	struct fp p;

	(void)state;
	fp_wrap(&p);
	p.srv.has_sack_perm = false;
	do_splice(&c, &p);
	assert_false(c.flags & SW_CONN_F_SRV_SACK);
	opt[0] = opt[1] = SW_TCPOPT_NOP;
	n = (uint8_t)(2 + o_ts(opt + 2, 5, p.proxy_tsval));
	edges[0] = cack(&p, 10);
	edges[1] = cack(&p, 20);
	edges[2] = cack(&p, 30);
	edges[3] = cack(&p, 40);
	opt[n++] = SW_TCPOPT_NOP;
	opt[n++] = SW_TCPOPT_NOP;
	n = (uint8_t)(n + o_sack(opt + n, edges, 2));
	hl = mk_tcp(h, cseq(&p, 0), cack(&p, 0), A, 9, opt, n, NULL, 0);
	assert_int_equal(hl, 52);
	assert_int_equal(xl(&c, C2S, h, hl), 0);
	assert_memory_equal(h + 34, nops, 18);
	assert_int_equal(sw_rd32(h + 28), p.srv_tsval); /* TS still translated */
	assert_int_equal(sw_rd32(h + 8), sseq(&p, 0));

	/* SACK at an odd offset. */
	opt[0] = SW_TCPOPT_NOP;
	n = (uint8_t)(1 + o_sack(opt + 1, edges, 1));
	hl = mk_tcp(h, cseq(&p, 0), cack(&p, 0), A, 9, opt, n, NULL, 0);
	assert_int_equal(xl(&c, C2S, h, hl), 0);
	assert_memory_equal(h + 21, nops, 10);

	/* S2C SACK blocks are client stream numbers: untouched. */
	fp_wrap(&p);
	do_splice(&c, &p);
	edges[0] = cseq(&p, 10);
	edges[1] = cseq(&p, 20);
	n = o_sack(opt, edges, 1);
	hl = mk_tcp(h, sseq(&p, 0), sack_(&p, 0), A, 9, opt, n, NULL, 0);
	assert_int_equal(xl(&c, S2C, h, hl), 0);
	assert_int_equal(sw_rd32(h + 22), cseq(&p, 10));
	assert_int_equal(sw_rd32(h + 26), cseq(&p, 20));
}

/* Window translation of one field; checks the checksum too. */
static uint16_t
xwin(const struct sw_conn *c, enum sw_conn_dir d, uint16_t w, uint8_t fl)
{
	uint8_t h[60];
	uint16_t hl = mk_tcp(h, 1, 2, fl, w, NULL, 0, NULL, 0);

	assert_int_equal(xl(c, d, h, hl), 0);
	return sw_rd16(h + 14);
}

static void
splice_ws(struct sw_conn *c, bool cli_ws, uint8_t ws_cli, bool adv_ws, uint8_t ws_adv, bool srv_ws,
	uint8_t ws_srv)
{
	struct fp p;

	fp_default(&p);
	p.cli.has_wscale = cli_ws;
	p.cli.wscale = ws_cli;
	p.adv.has_wscale = adv_ws;
	p.adv.wscale = ws_adv;
	p.srv.has_wscale = srv_ws;
	p.srv.wscale = ws_srv;
	do_splice(c, &p);
}

static void
test_window_rescale(void **state)
{
	struct sw_conn c;

	(void)state;
	/* Same shifts on both legs: unchanged both ways. */
	splice_ws(&c, true, 7, true, 7, true, 7);
	assert_int_equal(xwin(&c, S2C, 1234, A), 1234);
	assert_int_equal(xwin(&c, C2S, 1234, A), 1234);

	/* Backend shift 0 (option present), client told 7: w >> 7, a small window stays open. */
	splice_ws(&c, true, 7, true, 7, true, 0);
	assert_int_equal(xwin(&c, S2C, 65535, A), 511);
	assert_int_equal(xwin(&c, S2C, 1000, A), 7);
	assert_int_equal(xwin(&c, S2C, 100, A), 1);
	assert_int_equal(xwin(&c, S2C, 0, A), 0);
	assert_int_equal(xwin(&c, C2S, 1000, A), 1000); /* the backend got the client's shift */

	/* Backend without WS at all: the client's own scaled window must be expanded for it. */
	splice_ws(&c, true, 7, true, 7, false, 0);
	assert_int_equal(xwin(&c, S2C, 1000, A), 7);
	assert_int_equal(xwin(&c, C2S, 100, A), 12800);
	assert_int_equal(xwin(&c, C2S, 1000, A), 0xffff);

	/* Backend 14 (and above, clamped), client told 7: << 7, clamped to 0xffff. */
	splice_ws(&c, true, 7, true, 7, true, 14);
	assert_int_equal(xwin(&c, S2C, 3, A), 384);
	assert_int_equal(xwin(&c, S2C, 511, A), 65408);
	assert_int_equal(xwin(&c, S2C, 512, A), 0xffff);
	assert_int_equal(xwin(&c, S2C, 0xffff, A), 0xffff);
	splice_ws(&c, true, 7, true, 7, true, 30);
	assert_int_equal(c.ws_srv, 14);
	assert_int_equal(xwin(&c, S2C, 3, A), 384);

	/* Backend 9, client told 12: >> 3. */
	splice_ws(&c, true, 3, true, 12, true, 9);
	assert_int_equal(xwin(&c, S2C, 800, A), 100);
	assert_int_equal(xwin(&c, S2C, 7, A), 1);

	/* Proxy advertised no WS though the client offered it; backend agreed with 7. */
	splice_ws(&c, true, 7, false, 0, true, 7);
	assert_int_equal(xwin(&c, S2C, 100, A), 12800);
	assert_int_equal(xwin(&c, S2C, 1000, A), 0xffff);
	assert_int_equal(xwin(&c, C2S, 1000, A), 7); /* client unscaled, backend reads << 7 */

	/* Client never offered WS: no scaling anywhere whatever the others said. */
	splice_ws(&c, false, 0, true, 7, true, 7);
	assert_int_equal(xwin(&c, S2C, 1000, A), 1000);
	assert_int_equal(xwin(&c, C2S, 1000, A), 1000);

	/* A SYN's window is never scaled (RFC 7323 2.2). */
	splice_ws(&c, true, 7, true, 7, true, 0);
	assert_int_equal(xwin(&c, S2C, 1000, S | A), 1000);
}

/*
 * A window the proxy advertises itself (the ACK completing the backend's
 * handshake, a challenge ACK) that is under one unit of the receiver's shift
 * goes out as one unit; the receiver's data inside that unit must pass.
 */
static void
test_generated_window_unit(void **state)
{
	struct sw_conn c;
	struct sw_conn_seg tb, tc, ch;
	struct fp p;

	(void)state;
	/* Client WS 10, proxy SYN-ACK without WS, backend WS 7; third ACK window 700 bytes. */
	fp_default(&p);
	p.cli.wscale = 10;
	p.adv.has_wscale = false;
	p.cli_win = 700;
	do_open(&c, &p);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, &tb, &tc), 0);
	sync_state(&c);
	assert_int_equal(tb.win, 1); /* 700 >> 10 is 0: one unit, 1024 bytes */
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 0), 1024, 502), SW_CONN_V_FWD);
	/* One byte more than the unit (and its probe byte) is still beyond the window. */
	assert_int_equal(
		seg(&c, S2C, A, sseq(&p, 1024), sack_(&p, 0), 2, 502), SW_CONN_V_DROP_INVALID);

	/* Client WS 7, backend WS 2: 50 bytes left of the server's window, challenge ACK. */
	fp_default(&p);
	p.srv.wscale = 2;
	p.srv_win = 0;
	do_open(&c, &p);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, NULL), 0);
	sync_state(&c);
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 0), 0, 100), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 350, 502), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 350), 0, 0), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, S, 12345, 0, 0, 502), SW_CONN_V_CHALLENGE_ACK);
	sw_conn_challenge_ack(&c, C2S, &ch);
	assert_int_equal(ch.win, 1); /* 50 bytes: one unit of the client's shift, 128 */
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 350), cack(&p, 0), 128, 502), SW_CONN_V_FWD);
}

static void
test_window_edges(void **state)
{
	struct sw_conn c;
	struct sw_conn_seg s;
	struct fp p;

	(void)state;
	/* Backend shift 0, client told 7: the client may send up to what it was told. */
	fp_default(&p);
	p.srv.wscale = 0;
	p.srv_win = 100; /* the client sees 1 << 7 = 128 bytes */
	do_open(&c, &p);
	assert_int_equal(sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, &s), 0);
	sync_state(&c);
	assert_int_equal(s.win, 1);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 0), cack(&p, 0), 128, 9), SW_CONN_V_FWD);
	assert_int_equal(
		seg(&c, C2S, A, cseq(&p, 100), cack(&p, 0), 30, 9), SW_CONN_V_DROP_INVALID);
	/* A later window of 1000 bytes (shift 0) from the backend. */
	assert_int_equal(seg(&c, S2C, A, sseq(&p, 0), sack_(&p, 0), 0, 1000), SW_CONN_V_FWD);
	assert_int_equal(seg(&c, C2S, A, cseq(&p, 128), cack(&p, 0), 872, 9), SW_CONN_V_FWD);
	assert_int_equal(
		seg(&c, C2S, A, cseq(&p, 1000), cack(&p, 0), 2, 9), SW_CONN_V_DROP_INVALID);
	sw_conn_challenge_ack(&c, C2S, &s);
	assert_int_equal(s.win, 7);
}

static void
test_xlate_malformed(void **state)
{
	struct sw_conn c;
	uint8_t h[60], h0[60], opt[40];
	uint16_t hl;
	struct fp p;

	(void)state;
	fp_default(&p);
	do_splice(&c, &p);
	/* TS with length 9. */
	opt[0] = SW_TCPOPT_TS;
	opt[1] = 9;
	memset(opt + 2, 0, 10);
	hl = mk_tcp(h, sseq(&p, 0), sack_(&p, 0), A, 9, opt, 12, NULL, 0);
	memcpy(h0, h, sizeof(h));
	assert_int_equal(sw_conn_xlate(&c, S2C, h, hl), -EINVAL);
	assert_memory_equal(h, h0, sizeof(h));
	/* Length not matching the data offset, or out of range. */
	hl = mk_tcp(h, sseq(&p, 0), sack_(&p, 0), A, 9, NULL, 0, NULL, 0);
	memcpy(h0, h, sizeof(h));
	assert_int_equal(sw_conn_xlate(&c, S2C, h, 24), -EINVAL);
	assert_int_equal(sw_conn_xlate(&c, S2C, h, 16), -EINVAL);
	assert_int_equal(sw_conn_xlate(&c, S2C, h, 64), -EINVAL);
	assert_int_equal(sw_conn_xlate(&c, (enum sw_conn_dir)7, h, hl), -EINVAL);
	assert_memory_equal(h, h0, sizeof(h));
	/* Option running past the end. */
	opt[0] = SW_TCPOPT_NOP;
	opt[1] = SW_TCPOPT_NOP;
	opt[2] = SW_TCPOPT_SACK;
	opt[3] = 10;
	hl = mk_tcp(h, sseq(&p, 0), sack_(&p, 0), A, 9, opt, 4, NULL, 0);
	memcpy(h0, h, sizeof(h));
	assert_int_equal(sw_conn_xlate(&c, C2S, h, hl), -EINVAL);
	assert_memory_equal(h, h0, sizeof(h));
}

/* xorshift64*: deterministic. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/*
 * Random flows and random option layouts (TS and SACK at even and odd
 * offsets, unknown options, EOL padding), both directions, random payload:
 * after xlate the checksum must equal a full recomputation, and every field
 * must hold its expected value.
 */
static void
test_xlate_checksum_random(void **state)
{
	unsigned it;

	(void)state;
	for (it = 0; it < 20000; it++) {
		struct sw_conn c;
		struct fp p;
		uint8_t h[60], h0[60], opt[40], pl[64];
		uint32_t edges[8], seqv, ackv, tsval = 0, tsecr = 0;
		uint16_t hl, plen = (uint16_t)(rnd() % 64), w = (uint16_t)rnd();
		uint8_t n = 0, fl, nblk = 0, ts_at = 0, sack_at = 0;
		enum sw_conn_dir d = (enum sw_conn_dir)(rnd() & 1);
		bool want_ts = rnd() & 1, want_sack = rnd() & 1;
		unsigned i;

		fp_default(&p);
		p.j = rnd();
		p.c = rnd();
		p.k = rnd();
		p.cli_tsval = rnd();
		p.proxy_tsval = rnd();
		p.srv_tsval = rnd();
		p.srv.tsval = p.srv_tsval;
		p.cli.wscale = (uint8_t)(rnd() % 15);
		p.adv.wscale = (uint8_t)(rnd() % 15);
		p.srv.wscale = (uint8_t)(rnd() % 15);
		p.srv.has_wscale = rnd() & 1;
		p.srv.has_sack_perm = rnd() & 1;
		p.srv.has_ts = rnd() & 3;
		do_splice(&c, &p);

		for (i = 0; i < plen; i++)
			pl[i] = (uint8_t)rnd();
		n = (uint8_t)(rnd() % 3); /* 0..2 leading NOPs: shifts parity */
		memset(opt, SW_TCPOPT_NOP, n);
		if (rnd() & 1) { /* an unknown option */
			opt[n] = 30;
			opt[n + 1] = 3;
			opt[n + 2] = (uint8_t)rnd();
			n = (uint8_t)(n + 3);
		}
		if (want_ts) {
			ts_at = n;
			tsval = rnd();
			tsecr = rnd();
			n = (uint8_t)(n + o_ts(opt + n, tsval, tsecr));
		}
		if (want_sack) {
			nblk = (uint8_t)(1 +
				rnd() % ((40u - n - 2) / 8 < 4 ? (40u - n - 2) / 8 : 4));
			sack_at = n;
			for (i = 0; i < 2u * nblk; i++)
				edges[i] = rnd();
			n = (uint8_t)(n + o_sack(opt + n, edges, nblk));
		}
		fl = (uint8_t)(rnd() & (A | F | R | SW_TCP_PSH | SW_TCP_URG));
		seqv = rnd();
		ackv = rnd();
		hl = mk_tcp(h, seqv, ackv, fl, w, opt, n, pl, plen);
		memcpy(h0, h, sizeof(h));
		assert_true(csum_ok(h, hl, pl, plen));
		assert_int_equal(sw_conn_xlate(&c, d, h, hl), 0);
		assert_true(csum_ok(h, hl, pl, plen));
		/* Fields. */
		if (d == S2C) {
			assert_int_equal(sw_rd32(h + 4), seqv - (p.k - p.c));
			assert_int_equal(sw_rd32(h + 8), ackv);
		} else {
			assert_int_equal(sw_rd32(h + 4), seqv);
			assert_int_equal(sw_rd32(h + 8), (fl & A) ? ackv + (p.k - p.c) : ackv);
		}
		if (want_ts) {
			uint32_t exp_val = tsval, exp_ecr = tsecr;

			if (c.flags & SW_CONN_F_SRV_TS) {
				if (d == S2C)
					exp_val = tsval - (p.srv_tsval - p.proxy_tsval);
				else if (fl & A)
					exp_ecr = tsecr + (p.srv_tsval - p.proxy_tsval);
			}
			assert_int_equal(sw_rd32(h + 20 + ts_at + 2), exp_val);
			assert_int_equal(sw_rd32(h + 20 + ts_at + 6), exp_ecr);
		}
		if (want_sack) {
			for (i = 0; i < 2u * nblk; i++) {
				const uint8_t *e = h + 20 + sack_at + 2 + 4 * i;

				if (d == S2C)
					assert_int_equal(sw_rd32(e), edges[i]);
				else if (c.flags & SW_CONN_F_SRV_SACK)
					assert_int_equal(sw_rd32(e), edges[i] + (p.k - p.c));
				else
					assert_true(e[0] == SW_TCPOPT_NOP &&
						e[1] == SW_TCPOPT_NOP && e[2] == SW_TCPOPT_NOP &&
						e[3] == SW_TCPOPT_NOP);
			}
		}
		/* Ports, data offset, flags, urgent pointer: never touched. */
		assert_memory_equal(h, h0, 4);
		assert_memory_equal(h + 12, h0 + 12, 2);
		assert_memory_equal(h + 18, h0 + 18, 2);
	}
}

/* ---- Fast paths against the general ones ---------------------------------------------- */

/* A segment's header for the differential test: mostly the common layouts, sometimes not. */
static uint16_t
diff_hdr(uint8_t *h, uint32_t seq, uint32_t ack, uint8_t fl, uint16_t win)
{
	uint8_t opt[40], n = 0;
	uint32_t edges[8];
	unsigned i, k = rnd() % 16;
	uint16_t hl;

	if (k < 7) { /* NOP NOP TS, the relay's layout */
		opt[0] = opt[1] = SW_TCPOPT_NOP;
		n = (uint8_t)(2 + o_ts(opt + 2, rnd(), rnd()));
	} else if (k == 7) { /* NOP NOP TS, one byte changed */
		opt[0] = opt[1] = SW_TCPOPT_NOP;
		n = (uint8_t)(2 + o_ts(opt + 2, rnd(), rnd()));
		opt[rnd() % 4] = (uint8_t)rnd();
	} else if (k == 8) { /* TS first, then NOP NOP */
		n = o_ts(opt, rnd(), rnd());
		opt[n++] = SW_TCPOPT_NOP;
		opt[n++] = SW_TCPOPT_NOP;
	} else if (k == 9) { /* NOP NOP TS NOP NOP SACK */
		opt[0] = opt[1] = SW_TCPOPT_NOP;
		n = (uint8_t)(2 + o_ts(opt + 2, rnd(), rnd()));
		opt[n++] = SW_TCPOPT_NOP;
		opt[n++] = SW_TCPOPT_NOP;
		for (i = 0; i < 6; i++)
			edges[i] = seq + rnd() % 4096;
		n = (uint8_t)(n + o_sack(opt + n, edges, 1 + rnd() % 3));
	} else if (k == 10) { /* garbage */
		n = (uint8_t)(rnd() % 41);
		for (i = 0; i < n; i++)
			opt[i] = (uint8_t)rnd();
	} /* else none */
	hl = mk_tcp(h, seq, ack, fl, win, opt, n, NULL, 0);
	if (rnd() % 4 == 0) /* any checksum, the ones' complement zeros included */
		sw_wr16(h + 16, rnd() & 1 ? (uint16_t)rnd() : (rnd() & 1 ? 0xffff : 0));
	if (rnd() % 64 == 0)
		h[12] = (uint8_t)(h[12] ^ 0x10); /* data offset disagrees with the length */
	return hl;
}

static uint8_t
diff_flags(void)
{
	static const uint8_t common[] = {A, A | SW_TCP_PSH, A, A | SW_TCP_PSH, A | F,
		A | F | SW_TCP_PSH, A | R, R, S, S | A, 0, F, A | SW_TCP_URG,
		A | SW_TCP_PSH | 0x40 /* ECE */};

	if (rnd() % 8 == 0)
		return (uint8_t)rnd();
	if (rnd() % 2 == 0) /* mostly the relay's own segments */
		return rnd() & 1 ? A : A | SW_TCP_PSH;
	return common[rnd() % sizeof(common)];
}

/*
 * Random flow parameters for the fast-path tests: seq_delta and ts_delta -1
 * or 1 for some flows (the checksum corners), each option on three times in
 * four, shifts equal half the time (the relay's own case). srv_like_adv: the
 * server's shift follows the advertised one (else the client's) when equal.
 */
static void
fp_random(struct fp *p, unsigned flow, bool srv_like_adv)
{
	fp_default(p);
	p->j = rnd();
	p->c = rnd();
	p->k = flow % 7 < 2 ? p->c - 1 + 2 * (flow % 7) : rnd();
	p->cli_tsval = rnd();
	p->proxy_tsval = rnd();
	p->srv_tsval = flow % 5 < 2 ? p->proxy_tsval - 1 + 2 * (flow % 5) : rnd();
	p->srv.tsval = p->srv_tsval;
	p->srv.tsecr = p->cli_tsval;
	p->cli.has_wscale = rnd() % 4 != 0;
	p->adv.has_wscale = rnd() % 4 != 0;
	p->srv.has_wscale = rnd() % 4 != 0;
	p->cli.wscale = (uint8_t)(rnd() % 16);
	p->adv.wscale = (uint8_t)(rnd() % 2 ? p->cli.wscale : rnd() % 16);
	p->srv.wscale =
		(uint8_t)(rnd() % 2 ? (srv_like_adv ? p->adv.wscale : p->cli.wscale) : rnd() % 16);
	p->cli.has_ts = rnd() % 4 != 0;
	p->adv.has_ts = rnd() % 4 != 0;
	p->srv.has_ts = rnd() % 4 != 0;
	p->cli.sack_perm = rnd() & 1;
	p->adv.sack_perm = rnd() & 1;
	p->srv.has_sack_perm = rnd() & 1;
	p->cli_win = (uint16_t)rnd();
	p->srv_win = (uint16_t)rnd();
}

/*
 * sw_conn_relay() (falling back to sw_conn_xlate() + sw_conn_track() on
 * -EAGAIN, as the data path does) and sw_conn_xlate() + sw_conn_track()
 * must leave the header and the flow byte for byte as
 * sw_conn_xlate_slow() + sw_conn_track_slow() do, with the same results,
 * over random flows and segment sequences near and far from the windows.
 */
static void
test_fast_paths_random(void **state)
{
	unsigned flow, it;

	(void)state;
	for (flow = 0; flow < 20000; flow++) {
		struct sw_conn c;
		struct fp p;

		fp_random(&p, flow, false);
		do_open(&c, &p);
		if (flow % 11 != 0) /* a few flows stay in SYN_SENT */
			assert_int_equal(
				sw_conn_on_synack(&c, p.k, p.j + 1, p.srv_win, &p.srv, NULL, NULL),
				0);
		sync_state(&c);

		for (it = 0; it < 64; it++) {
			enum sw_conn_dir d = (enum sw_conn_dir)(rnd() & 1);
			struct sw_conn c1 = c, c2 = c, c3 = c;
			uint8_t h[60], h1[60], h2[60], h3[60], fl = diff_flags();
			uint32_t seq, ack, len;
			uint16_t hl, win = (uint16_t)(rnd() % 4 ? rnd() % 2048 : rnd());

			enum sw_conn_verdict v1 = SW_CONN_V_MAX, v2 = SW_CONN_V_MAX,
					     v3 = SW_CONN_V_MAX;
			int r1, r2, r3;

			/* Around where the sender and its peer are, in the sender's wire space. */
			if (c.flags & SW_CONN_F_SPLICED) {
				seq = c.half[d].end;
				ack = c.half[d ^ 1].end - (d == C2S ? c.seq_delta : 0);
			} else {
				seq = d == C2S ? p.j + 1 : p.k + 1;
				ack = d == C2S ? p.c + 1 : p.j + 1;
			}
			if (rnd() % 4 == 0)
				seq += (uint32_t)((int32_t)(rnd() % 8192) - 4096);
			if (rnd() % 4 == 0)
				ack += (uint32_t)((int32_t)(rnd() % 8192) - 4096);
			if (rnd() % 32 == 0)
				seq = rnd();
			if (rnd() % 32 == 0)
				ack = rnd();
			if (rnd() % 4 == 0) /* one off either way */
				ack += rnd() % 3 - 1;
			len = rnd() % 3 ? rnd() % 1500 : 0;
			if (rnd() % 32 == 0)
				len = rnd() % 2 ? 65535 + rnd() % 3 : rnd();
			if (c.flags & SW_CONN_F_SPLICED) {
				if (rnd() % 16 == 0) /* around SND.UNA - MAX.SND.WND (RFC 5961 5) */
					ack = c.half[d].ack - (d == C2S ? c.seq_delta : 0) -
						(1u << 30) + rnd() % 5 - 2;
				if (rnd() % 8 == 0) /* ending around the window edge (+1 probe) */
					seq = c.half[d ^ 1].maxend + 1 - len + rnd() % 3 - 1;
				if (rnd() % 8 == 0) /* ending around what was already seen */
					seq = c.half[d].end - len + rnd() % 5 - 3;
			}
			if (rnd() % 16 == 0)
				win = (uint16_t)(rnd() % 4); /* rounding up to one unit */
			hl = diff_hdr(h, seq, ack, fl, win);
			if (rnd() % 16 == 0) {
				/*
				 * The ones' complement corners: ~HC = 0 and every change
				 * a no-op term or 0xffffffff -> 0 (seq_delta and ts_delta
				 * -1 or 1), where the sum's zero-ness shows; 0 -> 1 with
				 * the others, a carry out of 32 bits in the one-fold sum.
				 */
				sw_wr16(h + 16, 0xffff);
				sw_wr32(h + 4, rnd() & 1 ? 0xffffffffu : 0);
				sw_wr32(h + 8, rnd() & 1 ? 0xffffffffu : 0);
				if (hl == 32) {
					sw_wr32(h + 24, rnd() & 1 ? 0xffffffffu : 0);
					sw_wr32(h + 28, rnd() & 1 ? 0xffffffffu : 0);
				}
				seq = sw_rd32(h + 4);
				ack = sw_rd32(h + 8);
			}
			memcpy(h1, h, sizeof(h));
			memcpy(h2, h, sizeof(h));
			memcpy(h3, h, sizeof(h));

			/* Reference: the general functions, in the data path's order. */
			r1 = sw_conn_xlate_slow(&c1, d, h1, hl);
			if (r1 == 0)
				v1 = sw_conn_track_slow(&c1, d, h[13], seq, ack, len, win);

			/* The data path: relay, else xlate + track. */
			r2 = sw_conn_relay(&c2, d, h2, hl, len);
			if (r2 == -EAGAIN) {
				assert_memory_equal(&c2, &c, sizeof(c));
				assert_memory_equal(h2, h, sizeof(h));
				r2 = sw_conn_xlate(&c2, d, h2, hl);
				if (r2 == 0)
					v2 = sw_conn_track(&c2, d, h[13], seq, ack, len, win);
			} else {
				assert_true(r2 == SW_CONN_V_FWD || r2 == SW_CONN_V_DROP_INVALID);
				if (!(fl & F) || r2 != SW_CONN_V_FWD)
					assert_int_equal(
						sw_conn_next_state(&c2), SW_CONN_ESTABLISHED);
				v2 = (enum sw_conn_verdict)r2;
				r2 = 0;
			}

			/* xlate + track with their own fast paths. */
			r3 = sw_conn_xlate(&c3, d, h3, hl);
			if (r3 == 0)
				v3 = sw_conn_track(&c3, d, h[13], seq, ack, len, win);

			assert_int_equal(r2, r1);
			assert_int_equal(r3, r1);
			assert_int_equal(v2, v1);
			assert_int_equal(v3, v1);
			assert_memory_equal(h2, h1, sizeof(h));
			assert_memory_equal(h3, h1, sizeof(h));
			assert_memory_equal(&c2, &c1, sizeof(c));
			assert_memory_equal(&c3, &c1, sizeof(c));
			c = c1;
			sync_state(&c);
			if (sw_conn_can_reopen(&c) && rnd() % 4 == 0)
				break;
		}
	}
}

/* Shift the sender of d applies to its windows, from the handshake (RFC 7323 section 2.2). */
static uint8_t
model_own(const struct fp *p, enum sw_conn_dir d)
{
	uint8_t cli = p->cli.wscale > 14 ? 14 : p->cli.wscale;
	uint8_t srv = p->srv.wscale > 14 ? 14 : p->srv.wscale;

	if (!p->cli.has_wscale)
		return 0;
	if (d == C2S)
		return p->adv.has_wscale ? cli : 0; /* the client leg: client SYN, proxy SYN-ACK */
	return p->srv.has_wscale ? srv : 0; /* the backend leg: client's options, backend SYN-ACK */
}

/* Shift the receiver of d reads the (translated) windows with. */
static uint8_t
model_view(const struct fp *p, enum sw_conn_dir d)
{
	uint8_t cli = p->cli.wscale > 14 ? 14 : p->cli.wscale;
	uint8_t adv = p->adv.wscale > 14 ? 14 : p->adv.wscale;

	if (!p->cli.has_wscale)
		return 0;
	if (d == C2S)
		return p->srv.has_wscale ? cli : 0; /* the backend got the client's shift */
	return p->adv.has_wscale ? adv : 0;
}

/*
 * Segments sw_conn_relay() must take itself (never -EAGAIN): ACK or
 * PSH|ACK, sometimes the first FIN, options none or NOP NOP TS, on
 * ESTABLISHED flows of every option mix, mostly within the windows. It must
 * leave header and flow as sw_conn_xlate_slow() + sw_conn_track_slow() do.
 * test_fast_paths_random() lets it decline anything; this one also counts
 * that every case it takes (direction, timestamps translated or not, window
 * rescaled or not, FIN or not) is met often, accepted and dropped, so that a
 * relay which declines a case, or gets one wrong, does not go unseen.
 */
static void
test_relay_cases(void **state)
{
	/* [dir][ts translated][rescaled][fin][verdict FWD] */
	unsigned hits[2][2][2][2][2];
	unsigned flow, it, d, t, r, f, v;

	(void)state;
	memset(hits, 0, sizeof(hits));
	for (flow = 0; flow < 8000; flow++) {
		struct sw_conn c;
		struct fp p;
		bool ts_on;

		fp_random(&p, flow, true);
		do_splice(&c, &p);
		ts_on = p.cli.has_ts && p.adv.has_ts && p.srv.has_ts;

		for (it = 0; it < 48; it++) {
			enum sw_conn_dir dir = (enum sw_conn_dir)(rnd() & 1);
			struct sw_conn c1 = c, c2 = c;
			uint8_t h[60], h1[60], h2[60], opt[12];
			uint8_t fl = (uint8_t)(A | (rnd() & 1 ? SW_TCP_PSH : 0));
			bool has_ts = rnd() % 4 != 0, corner = rnd() % 16 == 0;
			uint32_t seq = c.half[dir].end;
			uint32_t ack = c.half[dir ^ 1].end - (dir == C2S ? c.seq_delta : 0);
			uint32_t len = rnd() % 3 ? rnd() % 1500 : 0;
			uint16_t hl, win = (uint16_t)(rnd() % 4 ? rnd() % 2048 : rnd());
			enum sw_conn_verdict v1;
			int r2;

			if (rnd() % 16 == 0)
				fl |= F;
			if (rnd() % 8 == 0) /* behind, or off the window: dropped */
				seq += (uint32_t)((int32_t)(rnd() % 8192) - 4096);
			if (rnd() % 8 == 0)
				ack -= rnd() % 4096;
			if (rnd() % 32 == 0)
				ack += 1 + rnd() % 4; /* ACKs what was never sent */
			if (rnd() % 16 == 0)
				win = (uint16_t)(rnd() % 4); /* rounding up to one unit */
			if (has_ts) {
				opt[0] = opt[1] = SW_TCPOPT_NOP;
				o_ts(opt + 2, rnd(), rnd());
			}
			hl = mk_tcp(h, seq, ack, fl, win, opt, has_ts ? 12 : 0, NULL, 0);
			if (corner) {
				/* The ones' complement corners, as in test_fast_paths_random(). */
				sw_wr16(h + 16, 0xffff);
				sw_wr32(h + 4, rnd() & 1 ? 0xffffffffu : 0);
				sw_wr32(h + 8, rnd() & 1 ? 0xffffffffu : 0);
				if (has_ts) {
					sw_wr32(h + 24, rnd() & 1 ? 0xffffffffu : 0);
					sw_wr32(h + 28, rnd() & 1 ? 0xffffffffu : 0);
				}
				seq = sw_rd32(h + 4);
				ack = sw_rd32(h + 8);
			}
			memcpy(h1, h, sizeof(h));
			memcpy(h2, h, sizeof(h));

			assert_int_equal(sw_conn_xlate_slow(&c1, dir, h1, hl), 0);
			v1 = sw_conn_track_slow(&c1, dir, fl, seq, ack, len, win);
			r2 = sw_conn_relay(&c2, dir, h2, hl, len);
			assert_int_equal(r2, v1);
			assert_memory_equal(h2, h1, sizeof(h));
			assert_memory_equal(&c2, &c1, sizeof(c));
			if (!corner) {
				static const uint8_t no_pl[1];

				assert_true(csum_ok(h2, hl, no_pl, 0));
			}

			hits[dir][ts_on && has_ts][model_own(&p, dir) != model_view(&p, dir)]
			    [(fl & F) != 0][v1 == SW_CONN_V_FWD]++;
			c = c1;
			sync_state(&c);
			if (c.state != SW_CONN_ESTABLISHED) {
				/* The first FIN went through: the relay leaves the rest alone. */
				memcpy(h2, h, sizeof(h));
				c2 = c;
				assert_int_equal(sw_conn_relay(&c2, dir, h2, hl, len), -EAGAIN);
				assert_memory_equal(h2, h, sizeof(h));
				assert_memory_equal(&c2, &c, sizeof(c));
				break;
			}
		}
	}
	for (d = 0; d < 2; d++)
		for (t = 0; t < 2; t++)
			for (r = 0; r < 2; r++)
				for (f = 0; f < 2; f++)
					for (v = 0; v < 2; v++)
						assert_true(hits[d][t][r][f][v] >= 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_timeouts),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_next_state_fast_path),
		cmocka_unit_test(test_synack),
		cmocka_unit_test(test_synack_backend_opts),
		cmocka_unit_test(test_syn_sent),
		cmocka_unit_test(test_syn_retry),
		cmocka_unit_test(test_client_first_close),
		cmocka_unit_test(test_server_first_close),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_fin_with_data),
		cmocka_unit_test(test_fin_ack_combined),
		cmocka_unit_test(test_fin_retransmit),
		cmocka_unit_test(test_invalid_segments),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_rst_zero_window),
		cmocka_unit_test(test_syn_challenge_reopen),
		cmocka_unit_test(test_xlate_wrap),
		cmocka_unit_test(test_xlate_ts_off),
		cmocka_unit_test(test_sack_strip),
		cmocka_unit_test(test_window_rescale),
		cmocka_unit_test(test_generated_window_unit),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_xlate_malformed),
		cmocka_unit_test(test_xlate_checksum_random),
		cmocka_unit_test(test_fast_paths_random),
		cmocka_unit_test(test_relay_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
