/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lib/tcpopt: parse (good and malformed), build round trips, in-place rewrites. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sw_pkt.h"
#include "sw_tcpopt.h"
#include "tcpopt_internal.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Deterministic xorshift64 so failures reproduce. */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Parse a heap copy of exactly len bytes so AddressSanitizer sees any overrun. */
static int
parse_exact(const uint8_t *opt, uint16_t len, struct sw_tcpopt *o)
{
	uint8_t *buf = malloc(len ? len : 1);
	int r;

	assert_non_null(buf);
	if (len)
		memcpy(buf, opt, len);
	r = sw_tcpopt_parse(buf, len, o);
	free(buf);
	return r;
}

/* Linux 6.x SYN: MSS 1460, SACK_PERM, TS, NOP, WS 7. */
static const uint8_t linux_syn[] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 1, 3, 3, 7};
/* Windows 10 SYN: MSS 1460, NOP, WS 8, NOP, NOP, SACK_PERM. */
static const uint8_t windows_syn[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
/* Established ACK: NOP NOP TS, NOP NOP SACK with 3 blocks (40 bytes, the maximum). */
static const uint8_t ack_sack3[] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 26, 0, 0, 0x10, 0,
	0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10};

static void
test_parse_linux_syn(void **state)
{
	struct sw_tcpopt o;

	(void)state;
	assert_int_equal(parse_exact(linux_syn, sizeof(linux_syn), &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.mss_off, 0);
	assert_true(o.has_sack_perm);
	assert_true(o.has_ts);
	assert_int_equal(o.ts_off, 6);
	assert_int_equal(o.tsval, 0xdeadbeef);
	assert_int_equal(o.tsecr, 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.ws_off, 17);
	assert_int_equal(o.n_sack, 0);
}

static void
test_parse_windows_syn(void **state)
{
	struct sw_tcpopt o;

	(void)state;
	assert_int_equal(parse_exact(windows_syn, sizeof(windows_syn), &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 1460);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 8);
	assert_int_equal(o.ws_off, 5);
	assert_true(o.has_sack_perm);
	assert_false(o.has_ts);
	assert_int_equal(o.n_sack, 0);
}

static void
test_parse_empty_and_ack(void **state)
{
	struct sw_tcpopt o;
	uint8_t only_nops[40];

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(parse_exact(NULL, 0, &o), 0);
	assert_false(o.has_mss || o.has_wscale || o.has_sack_perm || o.has_ts);
	assert_int_equal(o.n_sack, 0);
	memset(only_nops, SW_TCPOPT_NOP, sizeof(only_nops));
	assert_int_equal(parse_exact(only_nops, sizeof(only_nops), &o), 0);
	assert_false(o.has_mss || o.has_wscale || o.has_sack_perm || o.has_ts);

	assert_int_equal(parse_exact(ack_sack3, sizeof(ack_sack3), &o), 0);
	assert_true(o.has_ts);
	assert_int_equal(o.ts_off, 2);
	assert_int_equal(o.tsval, 1);
	assert_int_equal(o.tsecr, 2);
	assert_int_equal(o.n_sack, 3);
	assert_int_equal(o.sack_off, 14);
	assert_false(o.has_mss);
}

static void
test_parse_unknown_and_clamp(void **state)
{
	/* MPTCP (30) len 4, TFO cookie (34) len 10, experimental (254) len 2, WS 15. */
	static const uint8_t opts[] = {
		30, 4, 0, 0, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 254, 2, 3, 3, 15, 1};
	static const uint8_t ws255[] = {3, 3, 255};
	struct sw_tcpopt o;

	(void)state;
	assert_int_equal(parse_exact(opts, sizeof(opts), &o), 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, SW_TCPOPT_WS_MAX); /* RFC 7323 section 2.3 */
	assert_int_equal(o.ws_off, 16);
	assert_int_equal(parse_exact(ws255, sizeof(ws255), &o), 0);
	assert_int_equal(o.wscale, SW_TCPOPT_WS_MAX);
}

static void
test_parse_eol(void **state)
{
	/* Everything after EOL is ignored, even garbage and would-be duplicates. */
	static const uint8_t a[] = {2, 4, 1, 0, 0, 2, 0, 0xff, 5, 3};
	static const uint8_t b[] = {0, 2, 4, 5, 0xb4};
	static const uint8_t c[] = {1, 1, 1, 0};
	struct sw_tcpopt o;

	(void)state;
	assert_int_equal(parse_exact(a, sizeof(a), &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 256);
	assert_int_equal(parse_exact(b, sizeof(b), &o), 0);
	assert_false(o.has_mss);
	assert_int_equal(parse_exact(c, sizeof(c), &o), 0);
}

/* Each malformed area must be -EINVAL, and so must it with NOPs in front. */
static void
expect_einval(const uint8_t *opt, uint16_t len)
{
	uint8_t buf[SW_TCP_OPT_MAX];
	struct sw_tcpopt o;
	uint16_t pad;

	assert_int_equal(parse_exact(opt, len, &o), -EINVAL);
	for (pad = 1; pad + len <= SW_TCP_OPT_MAX; pad++) {
		memset(buf, SW_TCPOPT_NOP, pad);
		memcpy(buf + pad, opt, len);
		assert_int_equal(parse_exact(buf, (uint16_t)(pad + len), &o), -EINVAL);
	}
}

static void
test_parse_malformed(void **state)
{
	static const uint8_t fixed[][2] = {{SW_TCPOPT_MSS, SW_TCPOPT_MSS_LEN},
		{SW_TCPOPT_WS, SW_TCPOPT_WS_LEN}, {SW_TCPOPT_SACK_PERM, SW_TCPOPT_SACK_PERM_LEN},
		{SW_TCPOPT_TS, SW_TCPOPT_TS_LEN}};
	uint8_t buf[64];
	unsigned int i, l, kind;

	(void)state;
	/* Length 0 and 1, for known and unknown kinds. */
	for (kind = 2; kind < 256; kind++) {
		for (l = 0; l < 2; l++) {
			memset(buf, 0, sizeof(buf));
			buf[0] = (uint8_t)kind;
			buf[1] = (uint8_t)l;
			expect_einval(buf, 4);
		}
		/* Kind at the last position: no room for its length. */
		buf[0] = (uint8_t)kind;
		expect_einval(buf, 1);
		/* Length overrunning the area by one. */
		buf[1] = 5;
		memset(buf + 2, 0, 2);
		expect_einval(buf, 4);
	}
	/* Wrong fixed lengths: every length 2..40 but the right one. */
	for (i = 0; i < ARRAY_LEN(fixed); i++) {
		for (l = 2; l <= SW_TCP_OPT_MAX; l++) {
			if (l == fixed[i][1])
				continue;
			memset(buf, 0, sizeof(buf));
			buf[0] = fixed[i][0];
			buf[1] = (uint8_t)l;
			expect_einval(buf, (uint16_t)l);
		}
	}
	/* SACK: 2 + 8n with n in 1..4 only. */
	for (l = 2; l <= SW_TCP_OPT_MAX; l++) {
		struct sw_tcpopt o;

		memset(buf, 0, sizeof(buf));
		buf[0] = SW_TCPOPT_SACK;
		buf[1] = (uint8_t)l;
		if (l >= 10 && (l - 2) % 8 == 0) {
			assert_int_equal(parse_exact(buf, (uint16_t)l, &o), 0);
			assert_int_equal(o.n_sack, (l - 2) / 8);
			assert_int_equal(o.sack_off, 0);
		} else {
			expect_einval(buf, (uint16_t)l);
		}
	}
	/* Longer than any TCP header allows (RFC 9293 section 3.1). */
	memset(buf, SW_TCPOPT_NOP, sizeof(buf));
	expect_einval(buf, SW_TCP_OPT_MAX + 1);
	buf[0] = SW_TCPOPT_SACK;
	buf[1] = 42; /* five blocks */
	expect_einval(buf, 42);
}

static void
test_parse_duplicates(void **state)
{
	static const uint8_t mss[] = {2, 4, 5, 0xb4};
	static const uint8_t ws[] = {1, 3, 3, 7};
	static const uint8_t sp[] = {1, 1, 4, 2};
	static const uint8_t ts[] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	static const uint8_t sack[] = {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	static const struct {
		const uint8_t *o;
		uint16_t len;
	} each[] = {{mss, sizeof(mss)}, {ws, sizeof(ws)}, {sp, sizeof(sp)}, {ts, sizeof(ts)},
		{sack, sizeof(sack)}};
	uint8_t buf[SW_TCP_OPT_MAX];
	struct sw_tcpopt o;
	unsigned int i, j;

	(void)state;
	for (i = 0; i < ARRAY_LEN(each); i++) {
		for (j = 0; j < ARRAY_LEN(each); j++) {
			uint16_t n = (uint16_t)(each[i].len + each[j].len);

			memcpy(buf, each[i].o, each[i].len);
			memcpy(buf + each[i].len, each[j].o, each[j].len);
			assert_int_equal(parse_exact(buf, n, &o), i == j ? -EINVAL : 0);
		}
	}
}

/* Round trip of every combination of the SYN options, checking Linux's exact layout. */
static void
test_syn_build_roundtrip(void **state)
{
	static const uint16_t mss_values[] = {536, 1460, 8960, 65535};
	unsigned int combo, mi, ws;

	(void)state;
	for (combo = 0; combo < 16; combo++) {
		for (mi = 0; mi < ARRAY_LEN(mss_values); mi++) {
			for (ws = 0; ws < 16; ws++) {
				struct sw_tcpopt_syn s = {
					.mss = (combo & 8) ? mss_values[mi] : 1,
					.wscale = (uint8_t)ws,
					.has_wscale = combo & 1,
					.has_sack_perm = combo & 2,
					.has_ts = combo & 4,
					.tsval = rnd(),
					.tsecr = rnd(),
				};
				uint8_t buf[SW_TCP_OPT_MAX + 8];
				struct sw_tcpopt p;
				uint16_t size = sw_tcpopt_syn_size(&s);

				memset(buf, 0xee, sizeof(buf));
				assert_int_equal(size % 4, 0);
				assert_true(size <= SW_TCP_OPT_MAX);
				assert_int_equal(sw_tcpopt_syn_build(buf, &s), size);
				assert_int_equal(buf[size], 0xee); /* nothing past size */
				assert_int_equal(sw_tcpopt_parse(buf, size, &p), 0);
				assert_true(p.has_mss);
				assert_int_equal(p.mss, s.mss);
				assert_int_equal(p.mss_off, 0);
				assert_int_equal(p.has_wscale, s.has_wscale);
				assert_int_equal(p.has_sack_perm, s.has_sack_perm);
				assert_int_equal(p.has_ts, s.has_ts);
				assert_int_equal(p.n_sack, 0);
				if (s.has_wscale) {
					assert_int_equal(p.wscale, ws > 14 ? 14 : ws);
					assert_int_equal(p.ws_off, size - 3);
					assert_int_equal(buf[size - 4], SW_TCPOPT_NOP);
				}
				if (s.has_ts) {
					/* TS values 4-byte aligned within the options. */
					assert_int_equal(p.ts_off, 6);
					assert_int_equal(p.tsval, s.tsval);
					assert_int_equal(p.tsecr, s.tsecr);
					assert_int_equal(buf[4], s.has_sack_perm ? 4 : 1);
					assert_int_equal(buf[5], s.has_sack_perm ? 2 : 1);
				} else if (s.has_sack_perm) {
					assert_memory_equal(buf + 4, "\x01\x01\x04\x02", 4);
				}
				assert_int_equal(size,
					4 +
						(s.has_ts			  ? 12
								: s.has_sack_perm ? 4
										  : 0) +
						(s.has_wscale ? 4 : 0));
			}
		}
	}
	/* The Linux SYN above is what we build for its settings, byte for byte but NOP/WS order. */
	{
		struct sw_tcpopt_syn s = {.mss = 1460,
			.wscale = 7,
			.has_wscale = true,
			.has_sack_perm = true,
			.has_ts = true,
			.tsval = 0xdeadbeef};
		static const uint8_t expect[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xde, 0xad, 0xbe,
			0xef, 0, 0, 0, 0, 1, 3, 3, 7};
		uint8_t buf[SW_TCP_OPT_MAX];

		assert_int_equal(sw_tcpopt_syn_build(buf, &s), sizeof(expect));
		assert_memory_equal(buf, expect, sizeof(expect));
		assert_memory_equal(buf, linux_syn, sizeof(linux_syn));
	}
}

static void
test_ts_build(void **state)
{
	static const uint8_t expect[] = {
		1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
	uint8_t buf[16];
	struct sw_tcpopt p;

	(void)state;
	assert_int_equal(sw_tcpopt_ts_size(), 12);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(sw_tcpopt_ts_build(buf, 0x12345678, 0x9abcdef0), 12);
	assert_memory_equal(buf, expect, sizeof(expect));
	assert_int_equal(buf[12], 0xee);
	assert_int_equal(sw_tcpopt_parse(buf, 12, &p), 0);
	assert_true(p.has_ts);
	assert_int_equal(p.tsval, 0x12345678);
	assert_int_equal(p.tsecr, 0x9abcdef0);
}

/*
 * A test segment: Ethernet + IPv4 or IPv6 + TCP with the given options (padded
 * with EOL to a multiple of 4) and an odd-length random payload, with right
 * checksums. Returns the frame length and fills the view.
 */
static uint32_t
build_segment(uint8_t *f, bool v6, const uint8_t *opt, unsigned int opt_len, struct sw_pkt_view *v)
{
	unsigned int opt_pad = (opt_len + 3) & ~3u;
	unsigned int pay = 1 + 2 * (rnd() % 20);
	unsigned int l3 = 14, l4 = v6 ? 54 : 34, tcp_len = 20 + opt_pad + pay, i;
	rte_be16_t ck;

	memset(f, 0, l4);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[l3] = 0x60;
		sw_wr16(f + l3 + 4, (uint16_t)tcp_len);
		f[l3 + 6] = SW_IPPROTO_TCP;
		f[l3 + 7] = 64;
		for (i = 0; i < 32; i++)
			f[l3 + 8 + i] = (uint8_t)rnd();
	} else {
		f[l3] = 0x45;
		sw_wr16(f + l3 + 2, (uint16_t)(20 + tcp_len));
		f[l3 + 8] = 64;
		f[l3 + 9] = SW_IPPROTO_TCP;
		for (i = 0; i < 8; i++)
			f[l3 + 12 + i] = (uint8_t)rnd();
	}
	for (i = 0; i < 20; i++)
		f[l4 + i] = (uint8_t)rnd();
	f[l4 + SW_TCP_OFF_DOFF] = (uint8_t)(((20 + opt_pad) / 4) << 4);
	memcpy(f + l4 + 20, opt, opt_len);
	memset(f + l4 + 20 + opt_len, SW_TCPOPT_EOL, opt_pad - opt_len);
	for (i = 0; i < pay; i++)
		f[l4 + 20 + opt_pad + i] = (uint8_t)rnd();

	assert_int_equal(sw_pkt_parse(f, l4 + tcp_len, v), SW_PKT_OK);
	if (!v6) {
		ck = sw_csum_ipv4_hdr(f + l3, 20);
		memcpy(f + l3 + 10, &ck, 2);
	}
	memset(f + l4 + SW_TCP_OFF_CSUM, 0, 2);
	ck = sw_csum_l4(f, v, (uint16_t)tcp_len);
	memcpy(f + l4 + SW_TCP_OFF_CSUM, &ck, 2);
	assert_true(sw_csum_verify_tcp(f, v));
	return l4 + tcp_len;
}

/* The incrementally updated checksum must equal a full recompute, bit for bit. */
static void
check_csum(uint8_t *f, const struct sw_pkt_view *v)
{
	uint8_t *ckp = f + v->l4_off + SW_TCP_OFF_CSUM;
	rte_be16_t inc, full;

	memcpy(&inc, ckp, 2);
	memset(ckp, 0, 2);
	full = sw_csum_l4(f, v, (uint16_t)(v->l4_len + v->payload_len));
	memcpy(ckp, &inc, 2);
	assert_int_equal(inc, full);
	assert_true(sw_csum_verify_tcp(f, v));
}

/*
 * Options with `lead` NOPs in front of TS and SACK (blocks) and MSS, so that
 * each option lands at every parity; returns the length.
 */
static unsigned int
make_opts(uint8_t *o, unsigned int lead, unsigned int n_blocks, bool mss, bool ts)
{
	unsigned int n = 0, i;

	memset(o, SW_TCPOPT_NOP, lead);
	n += lead;
	if (mss) {
		o[n] = SW_TCPOPT_MSS;
		o[n + 1] = 4;
		sw_wr16(o + n + 2, (uint16_t)rnd());
		n += 4;
	}
	if (ts) {
		o[n] = SW_TCPOPT_TS;
		o[n + 1] = 10;
		for (i = 2; i < 10; i++)
			o[n + i] = (uint8_t)rnd();
		n += 10;
	}
	if (n_blocks) {
		o[n] = SW_TCPOPT_SACK;
		o[n + 1] = (uint8_t)(2 + 8 * n_blocks);
		/* Edges near 2^32 so that adding a delta wraps. */
		for (i = 0; i < 2 * n_blocks; i++)
			sw_wr32(o + n + 2 + 4 * i,
				(rnd() & 1) ? 0xffffffffu - (rnd() & 0xff) : rnd());
		n += 2 + 8 * n_blocks;
	}
	return n;
}

static void
test_rewrite_csum(void **state)
{
	unsigned int iter, parity_seen[4][2] = {{0}};

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		uint8_t f[256], opt[SW_TCP_OPT_MAX], *oa;
		unsigned int lead = rnd() % 4, n_blocks = rnd() % 3, what = rnd() % 4, i;
		bool mss = rnd() & 1, ts = true;
		unsigned int len = make_opts(opt, lead, n_blocks, mss, ts);
		struct sw_pkt_view v;
		struct sw_tcpopt p;
		uint32_t edges[8];
		rte_be16_t *ck;

		if (len > SW_TCP_OPT_MAX)
			continue;
		build_segment(f, rnd() & 1, opt, len, &v);
		oa = f + v.l4_off + SW_TCP_HDR_MIN;
		assert_int_equal(sw_tcpopt_parse(oa, (uint16_t)(v.l4_len - SW_TCP_HDR_MIN), &p), 0);
		for (i = 0; i < 2u * p.n_sack; i++)
			edges[i] = sw_rd32(oa + p.sack_off + 2 + 4 * i);
		ck = (rte_be16_t *)(f + v.l4_off + SW_TCP_OFF_CSUM);

		switch (what) {
		case 0: {
			uint32_t tsval = rnd(), tsecr = rnd();

			sw_tcpopt_set_ts(oa, &p, tsval, tsecr, ck);
			assert_int_equal(sw_rd32(oa + p.ts_off + 2), tsval);
			assert_int_equal(sw_rd32(oa + p.ts_off + 6), tsecr);
			parity_seen[0][p.ts_off & 1]++;
			break;
		}
		case 1: {
			uint32_t delta = (rnd() & 1) ? rnd() : 0x100 + (rnd() & 0xff);

			sw_tcpopt_sack_add(oa, &p, delta, ck);
			for (i = 0; i < 2u * p.n_sack; i++)
				assert_int_equal(sw_rd32(oa + p.sack_off + 2 + 4 * i),
					(uint32_t)(edges[i] + delta));
			if (p.n_sack)
				parity_seen[1][p.sack_off & 1]++;
			break;
		}
		case 2: {
			struct sw_tcpopt q;

			sw_tcpopt_sack_strip(oa, &p, ck);
			assert_int_equal(sw_tcpopt_parse(oa, (uint16_t)(v.l4_len - 20), &q), 0);
			assert_int_equal(q.n_sack, 0);
			assert_int_equal(q.has_ts, p.has_ts);
			assert_int_equal(q.tsval, p.tsval);
			if (p.n_sack)
				parity_seen[2][p.sack_off & 1]++;
			break;
		}
		default: {
			uint16_t m = (uint16_t)rnd();

			sw_tcpopt_set_mss(oa, &p, m, ck);
			if (p.has_mss) {
				assert_int_equal(sw_rd16(oa + p.mss_off + 2), m);
				parity_seen[3][p.mss_off & 1]++;
			}
			break;
		}
		}
		check_csum(f, &v);
	}
	/* Every helper saw both parities. */
	for (unsigned int h = 0; h < 4; h++) {
		assert_true(parity_seen[h][0] > 100);
		assert_true(parity_seen[h][1] > 100);
	}
}

/* Fixed wraparound cases, at odd and even placement. */
static void
test_rewrite_wrap(void **state)
{
	unsigned int lead;

	(void)state;
	for (lead = 0; lead < 4; lead++) {
		uint8_t opt[SW_TCP_OPT_MAX], f[256], *oa;
		struct sw_pkt_view v;
		struct sw_tcpopt p;
		rte_be16_t *ck;
		unsigned int n = lead;

		memset(opt, SW_TCPOPT_NOP, lead);
		opt[n++] = SW_TCPOPT_SACK;
		opt[n++] = 18;
		sw_wr32(opt + n, 0xfffffff0);
		sw_wr32(opt + n + 4, 0xffffffff);
		sw_wr32(opt + n + 8, 0);
		sw_wr32(opt + n + 12, 0x7fffffff);
		n += 16;
		opt[n++] = SW_TCPOPT_TS;
		opt[n++] = 10;
		memset(opt + n, 0xff, 8);
		n += 8;
		build_segment(f, lead & 1, opt, n, &v);
		oa = f + v.l4_off + 20;
		ck = (rte_be16_t *)(f + v.l4_off + SW_TCP_OFF_CSUM);
		assert_int_equal(sw_tcpopt_parse(oa, (uint16_t)(v.l4_len - 20), &p), 0);
		assert_int_equal(p.sack_off, lead);

		sw_tcpopt_sack_add(oa, &p, 0x20, ck);
		assert_int_equal(sw_rd32(oa + lead + 2), 0x10);
		assert_int_equal(sw_rd32(oa + lead + 6), 0x1f);
		assert_int_equal(sw_rd32(oa + lead + 10), 0x20);
		assert_int_equal(sw_rd32(oa + lead + 14), 0x8000001f);
		check_csum(f, &v);
		sw_tcpopt_sack_add(oa, &p, (uint32_t)-0x20, ck); /* and back */
		assert_int_equal(sw_rd32(oa + lead + 2), 0xfffffff0);
		check_csum(f, &v);
		sw_tcpopt_set_ts(oa, &p, 0, 0xffffffff, ck);
		check_csum(f, &v);
		sw_tcpopt_set_ts(oa, &p, 0xffffffff, 0, ck);
		check_csum(f, &v);
		sw_tcpopt_sack_strip(oa, &p, ck);
		check_csum(f, &v);
	}
}

/* Helpers leave the segment alone when the option is absent. */
static void
test_rewrite_absent(void **state)
{
	static const uint8_t opt[] = {1, 1, 1, 1};
	uint8_t f[256], before[256];
	struct sw_pkt_view v;
	struct sw_tcpopt p;
	uint32_t len;
	rte_be16_t *ck;

	(void)state;
	len = build_segment(f, false, opt, sizeof(opt), &v);
	ck = (rte_be16_t *)(f + v.l4_off + SW_TCP_OFF_CSUM);
	assert_int_equal(sw_tcpopt_parse(f + v.l4_off + 20, 4, &p), 0);
	memcpy(before, f, len);
	sw_tcpopt_set_ts(f + v.l4_off + 20, &p, 1, 2, ck);
	sw_tcpopt_sack_add(f + v.l4_off + 20, &p, 5, ck);
	sw_tcpopt_sack_strip(f + v.l4_off + 20, &p, ck);
	sw_tcpopt_set_mss(f + v.l4_off + 20, &p, 1000, ck);
	assert_memory_equal(f, before, len);
}

/* Random option areas: never an overrun, offsets always inside the area. */
static void
test_parse_random(void **state)
{
	unsigned int iter;

	(void)state;
	for (iter = 0; iter < 300000; iter++) {
		uint8_t buf[SW_TCP_OPT_MAX];
		uint16_t len = (uint16_t)(rnd() % (SW_TCP_OPT_MAX + 1)), i;
		struct sw_tcpopt p;

		for (i = 0; i < len; i++) {
			/* Bias towards known kinds and small lengths. */
			uint32_t r = rnd();

			buf[i] = (uint8_t)((r & 3) == 0 ? r >> 8 : (r >> 8) % 11);
		}
		if (parse_exact(buf, len, &p) != 0)
			continue;
		if (p.has_mss)
			assert_true(p.mss_off + 4 <= len);
		if (p.has_wscale)
			assert_true(p.ws_off + 3 <= len && p.wscale <= 14);
		if (p.has_ts)
			assert_true(p.ts_off + 10 <= len);
		if (p.n_sack)
			assert_true(p.n_sack <= 4 && p.sack_off + 2 + 8 * p.n_sack <= len);
	}
}

/*
 * The fast paths of sw_tcpopt_parse() against the general loop: same return
 * value and, on success, the same struct byte for byte (it has no padding).
 */
static void
parse_both(const uint8_t *opt, uint16_t len)
{
	struct sw_tcpopt fast, gen;
	uint8_t *buf = malloc(len ? len : 1);
	int rf, rg;

	assert_non_null(buf);
	if (len)
		memcpy(buf, opt, len);
	/* Garbage first: each must set every byte itself. */
	memset(&fast, 0xa5, sizeof(fast));
	memset(&gen, 0x5a, sizeof(gen));
	rf = sw_tcpopt_parse(buf, len, &fast);
	rg = tcpopt_parse_general(buf, len, &gen);
	free(buf);
	assert_int_equal(rf, rg);
	if (rf == 0)
		assert_memory_equal(&fast, &gen, sizeof(fast));
}

/*
 * Every layout sw_tcpopt_parse() has a fast path for, as real stacks send
 * it. vals marks the bytes that are option values (MSS, shift, timestamps,
 * SACK edges): any value there keeps the layout; every other byte is a kind
 * or length (or EOL padding) that the fast path must match exactly.
 */
#define B(i) (1ull << (i))
#define BR(lo, hi) ((~0ull >> (63 - (hi))) & ~(B(lo) - 1)) /* bits lo..hi */

static const struct layout {
	const char *name;
	uint8_t len;
	uint8_t opt[SW_TCP_OPT_MAX];
	uint64_t vals;
} layouts[] = {
	{"NOP NOP TS", 12, {1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0},
		BR(4, 11)},
	{"Windows SYN", 12, {2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2}, BR(2, 3) | B(7)},
	{"Linux SYN without TS", 12, {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7}, BR(2, 3) | B(11)},
	{"Linux SYN", 20,
		{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 1, 3, 3, 7},
		BR(2, 3) | BR(8, 15) | B(19)},
	{"FreeBSD SYN", 20, {2, 4, 0x05, 0xb4, 1, 3, 3, 6, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0},
		BR(2, 3) | B(7) | BR(12, 19)},
	{"NOP NOP TS NOP NOP SACK(1)", 24,
		{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0},
		BR(4, 11) | BR(16, 23)},
	{"macOS SYN", 24,
		{2, 4, 0x05, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 5, 6, 7, 8, 0, 0, 0, 0, 4, 2, 0, 0},
		BR(2, 3) | B(7) | BR(12, 19)},
	{"Windows SYN with TS", 24,
		{2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 8, 10, 5, 6, 7, 8, 0, 0, 0, 0, 1, 1, 4, 2},
		BR(2, 3) | B(7) | BR(12, 19)},
	{"NOP NOP TS NOP NOP SACK(2)", 32,
		{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 18, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0,
			0, 0x30, 0, 0, 0, 0x40, 0},
		BR(4, 11) | BR(16, 31)},
	{"NOP NOP TS NOP NOP SACK(3)", 40,
		{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 26, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0,
			0, 0x30, 0, 0, 0, 0x40, 0, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10},
		BR(4, 11) | BR(16, 39)},
};

/* A layout with random option values, mostly uniform bytes, sometimes extremes. */
static void
layout_random(const struct layout *l, uint8_t *buf)
{
	uint32_t mode = rnd() % 4;
	unsigned int i;

	memcpy(buf, l->opt, l->len);
	for (i = 0; i < l->len; i++) {
		if (!(l->vals & B(i)))
			continue;
		buf[i] = mode == 0 ? 0 : mode == 1 ? 0xff : (uint8_t)rnd();
		/* Shifts and MSS bytes around the clamp and the kinds' values. */
		if (mode == 2 && (rnd() & 1))
			buf[i] = (uint8_t)(rnd() % 16);
	}
}

/* The layouts parse as what they are, through the fast path and the general loop alike. */
static void
test_parse_layouts(void **state)
{
	unsigned int t;

	(void)state;
	for (t = 0; t < ARRAY_LEN(layouts); t++) {
		const struct layout *l = &layouts[t];
		struct sw_tcpopt o;
		bool syn = l->opt[0] == SW_TCPOPT_MSS;

		print_message("  %s\n", l->name);
		assert_int_equal(parse_exact(l->opt, l->len, &o), 0);
		assert_int_equal(o.has_mss, syn);
		assert_int_equal(o.has_wscale, syn);
		assert_int_equal(o.has_sack_perm, syn);
		assert_int_equal(o.has_ts, l->len != 12 || !syn);
		assert_int_equal(o.n_sack, syn ? 0 : (l->len - 16) / 8);
		parse_both(l->opt, l->len);
	}
}

/* (a) Every layout with random values in its value bytes. */
static void
test_fast_random_values(void **state)
{
	uint8_t buf[SW_TCP_OPT_MAX];
	unsigned int t, iter;

	(void)state;
	for (t = 0; t < ARRAY_LEN(layouts); t++) {
		for (iter = 0; iter < 20000; iter++) {
			struct sw_tcpopt o;

			layout_random(&layouts[t], buf);
			assert_int_equal(parse_exact(buf, layouts[t].len, &o), 0);
			parse_both(buf, layouts[t].len);
		}
	}
}

/* (b) Every single-byte value at every position of each layout, over two sets of values. */
static void
test_fast_mutations(void **state)
{
	uint8_t base[SW_TCP_OPT_MAX], buf[SW_TCP_OPT_MAX];
	unsigned int t, rep, pos, val;

	(void)state;
	for (t = 0; t < ARRAY_LEN(layouts); t++) {
		for (rep = 0; rep < 2; rep++) {
			if (rep == 0)
				memcpy(base, layouts[t].opt, layouts[t].len);
			else
				layout_random(&layouts[t], base);
			for (pos = 0; pos < layouts[t].len; pos++) {
				for (val = 0; val < 256; val++) {
					memcpy(buf, base, layouts[t].len);
					buf[pos] = (uint8_t)val;
					parse_both(buf, layouts[t].len);
				}
			}
		}
	}
}

/*
 * (c) Each layout cut to every shorter length, and followed by 1 to 8 more
 * bytes (NOP, EOL, or option-like) up to the 40-byte limit and past it.
 */
static void
test_fast_lengths(void **state)
{
	static const uint8_t fill[] = {SW_TCPOPT_NOP, SW_TCPOPT_EOL, SW_TCPOPT_MSS, 0xff};
	uint8_t buf[SW_TCP_OPT_MAX + 8];
	unsigned int t, f, len, iter;

	(void)state;
	for (t = 0; t < ARRAY_LEN(layouts); t++) {
		for (len = 0; len <= layouts[t].len; len++)
			parse_both(layouts[t].opt, (uint16_t)len);
		for (f = 0; f < ARRAY_LEN(fill); f++) {
			memset(buf, fill[f], sizeof(buf));
			memcpy(buf, layouts[t].opt, layouts[t].len);
			for (len = layouts[t].len + 1u; len <= layouts[t].len + 8u; len++)
				parse_both(buf, (uint16_t)len);
		}
		for (iter = 0; iter < 200; iter++) {
			for (len = 0; len < sizeof(buf); len++)
				buf[len] = (uint8_t)(rnd() % 12);
			memcpy(buf, layouts[t].opt, layouts[t].len);
			parse_both(buf, (uint16_t)(layouts[t].len + 1 + rnd() % 8));
		}
	}
}

/* Random changes of 1..4 bytes of a layout, mostly to small values (kinds and lengths). */
static void
test_fast_multi_mutations(void **state)
{
	uint8_t buf[SW_TCP_OPT_MAX];
	unsigned int iter;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		const struct layout *l = &layouts[rnd() % ARRAY_LEN(layouts)];
		unsigned int n = 1 + rnd() % 4, k;

		layout_random(l, buf);
		for (k = 0; k < n; k++) {
			uint32_t q = rnd();

			buf[q % l->len] = (uint8_t)((q >> 8) & 1 ? (q >> 16) % 12 : q >> 16);
		}
		parse_both(buf, l->len);
	}
}

/*
 * (d) Random option areas: uniform bytes, bytes biased to kinds and small
 * lengths, and lists of whole options (any kind, length and NOP/EOL padding),
 * which land on and near the fast-path layouts far more often.
 */
static void
test_fast_random_areas(void **state)
{
	static const uint8_t kinds[] = {SW_TCPOPT_EOL, SW_TCPOPT_NOP, SW_TCPOPT_MSS, SW_TCPOPT_WS,
		SW_TCPOPT_SACK_PERM, SW_TCPOPT_SACK, SW_TCPOPT_TS, 30};
	static const uint8_t fixed_len[] = {1, 1, 4, 3, 2, 0, 10, 4};
	static const uint16_t lens[] = {12, 20, 24, 32, 40};
	uint8_t buf[SW_TCP_OPT_MAX];
	unsigned int iter, i;

	(void)state;
	for (iter = 0; iter < 150000; iter++) {
		uint32_t r = rnd();
		uint16_t len = (r & 1) ? lens[(r >> 1) % ARRAY_LEN(lens)]
				       : (uint16_t)((r >> 1) % (SW_TCP_OPT_MAX + 1));

		switch (iter % 3) {
		case 0:
			for (i = 0; i < len; i++)
				buf[i] = (uint8_t)rnd();
			break;
		case 1:
			for (i = 0; i < len; i++)
				buf[i] = (uint8_t)(rnd() % 12);
			break;
		default:
			for (i = 0; i < len;) {
				unsigned int k = rnd() % ARRAY_LEN(kinds), olen, j;

				buf[i++] = kinds[k];
				if (kinds[k] <= SW_TCPOPT_NOP || i == len)
					continue;
				olen = kinds[k] == SW_TCPOPT_SACK ? 2 + 8 * (1 + rnd() % 4)
								  : fixed_len[k];
				if (rnd() % 8 == 0)
					olen = rnd() % 12; /* a wrong length now and then */
				buf[i++] = (uint8_t)olen;
				for (j = 2; j < olen && i < len; j++)
					buf[i++] = (uint8_t)rnd();
			}
			break;
		}
		parse_both(buf, len);
	}
}

/* sw_tcpopt_syn_words() as it was, w[n++] after w[n++]: the reference for the words. */
static unsigned
syn_words_ref(const struct sw_tcpopt_syn *o, uint32_t w[SW_TCPOPT_SYN_WORDS_MAX])
{
	unsigned n = 0;

	w[n++] = (uint32_t)SW_TCPOPT_MSS << 24 | (uint32_t)SW_TCPOPT_MSS_LEN << 16 | o->mss;
	if (o->has_ts) {
		w[n++] = (o->has_sack_perm ? 0x0402u << 16 : 0x0101u << 16) | 0x080a;
		w[n++] = o->tsval;
		w[n++] = o->tsecr;
	} else if (o->has_sack_perm) {
		w[n++] = 0x01010402;
	}
	if (o->has_wscale)
		w[n++] = 0x01030300 | (o->wscale > SW_TCPOPT_WS_MAX ? SW_TCPOPT_WS_MAX : o->wscale);
	return n;
}

/*
 * sw_tcpopt_syn_words() gives the reference's words and number for every
 * combination of options and every shift, zeroes all words past them, and
 * sw_tcpopt_syn_build() writes exactly those words.
 */
static void
test_syn_words(void **state)
{
	unsigned int combo, ws, iter, i;

	(void)state;
	for (combo = 0; combo < 8; combo++) {
		for (ws = 0; ws < 256; ws++) {
			for (iter = 0; iter < 4; iter++) {
				struct sw_tcpopt_syn s = {
					.mss = (uint16_t)rnd(),
					.wscale = (uint8_t)ws,
					.has_wscale = combo & 1,
					.has_sack_perm = combo & 2,
					.has_ts = combo & 4,
					.tsval = iter == 0 ? 0 : rnd(),
					.tsecr = iter == 1 ? 0xffffffff : rnd(),
				};
				uint32_t w[SW_TCPOPT_SYN_WORDS_MAX], ref[SW_TCPOPT_SYN_WORDS_MAX];
				uint8_t buf[SW_TCP_OPT_MAX + 4];
				unsigned n, nref;

				memset(w, 0xa5, sizeof(w));
				n = sw_tcpopt_syn_words(&s, w);
				nref = syn_words_ref(&s, ref);
				assert_int_equal(n, nref);
				assert_memory_equal(w, ref, n * sizeof(w[0]));
				for (i = n; i < SW_TCPOPT_SYN_WORDS_MAX; i++)
					assert_int_equal(w[i], 0);
				memset(buf, 0xee, sizeof(buf));
				assert_int_equal(sw_tcpopt_syn_build(buf, &s), 4 * n);
				assert_int_equal(sw_tcpopt_syn_size(&s), 4 * n);
				for (i = 0; i < n; i++)
					assert_int_equal(sw_rd32(buf + 4 * i), ref[i]);
				assert_int_equal(buf[4 * n], 0xee);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_linux_syn),
		cmocka_unit_test(test_parse_windows_syn),
		cmocka_unit_test(test_parse_empty_and_ack),
		cmocka_unit_test(test_parse_unknown_and_clamp),
		cmocka_unit_test(test_parse_eol),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_duplicates),
		cmocka_unit_test(test_syn_build_roundtrip),
		cmocka_unit_test(test_ts_build),
		cmocka_unit_test(test_rewrite_csum),
		cmocka_unit_test(test_rewrite_wrap),
		cmocka_unit_test(test_rewrite_absent),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_parse_layouts),
		cmocka_unit_test(test_fast_random_values),
		cmocka_unit_test(test_fast_mutations),
		cmocka_unit_test(test_fast_lengths),
		cmocka_unit_test(test_fast_multi_mutations),
		cmocka_unit_test(test_fast_random_areas),
		cmocka_unit_test(test_syn_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
