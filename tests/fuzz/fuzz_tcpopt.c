/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for sw_tcpopt_parse(), the SYN builders and the in-place
 * rewrites; sw_tcpopt_parse()'s fast paths must agree with the general loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw_pkt.h"
#include "sw_tcpopt.h"
#include "tcpopt_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
	do { \
		if (!(c)) \
			__builtin_trap(); \
	} while (0)

/* Checksum of the options area alone: enough to compare incremental with full. */
static rte_be16_t
opt_csum(const uint8_t *opt, uint16_t len)
{
	return (rte_be16_t)~sw_csum_fold(sw_csum_partial(opt, len, 0));
}

/* Build SYN options from 12 input bytes and check they parse back to the same. */
static void
syn_roundtrip(const uint8_t *d)
{
	struct sw_tcpopt_syn s = {
		.mss = sw_rd16(d),
		.wscale = d[2],
		.has_wscale = d[3] & 1,
		.has_sack_perm = d[3] & 2,
		.has_ts = d[3] & 4,
		.tsval = sw_rd32(d + 4),
		.tsecr = sw_rd32(d + 8),
	};
	uint8_t buf[SW_TCP_OPT_MAX];
	uint32_t w[SW_TCPOPT_SYN_WORDS_MAX];
	struct sw_tcpopt p;
	uint16_t n = sw_tcpopt_syn_size(&s);
	unsigned nw;

	CHECK(n <= SW_TCP_OPT_MAX && n % 4 == 0);
	CHECK(sw_tcpopt_syn_build(buf, &s) == n);
	/* The words are the bytes built, and those past them are 0. */
	memset(w, 0xa5, sizeof(w));
	nw = sw_tcpopt_syn_words(&s, w);
	CHECK(4 * nw == n);
	for (unsigned i = 0; i < SW_TCPOPT_SYN_WORDS_MAX; i++)
		CHECK(i < nw ? sw_rd32(buf + 4 * i) == w[i] : w[i] == 0);
	CHECK(sw_tcpopt_parse(buf, n, &p) == 0);
	CHECK(p.has_mss && p.mss == s.mss);
	CHECK(p.has_wscale == s.has_wscale && p.has_sack_perm == s.has_sack_perm);
	CHECK(p.has_ts == s.has_ts);
	if (s.has_wscale)
		CHECK(p.wscale == (s.wscale > SW_TCPOPT_WS_MAX ? SW_TCPOPT_WS_MAX : s.wscale));
	if (s.has_ts)
		CHECK(p.tsval == s.tsval && p.tsecr == s.tsecr);
}

/*
 * The layouts sw_tcpopt_parse() has fast paths for, values zero. An input can
 * ask for one (settings byte 3, high nibble): the options area is then that
 * layout XOR the input, so that an all-zero input is the exact layout and few
 * set bits are near misses, which random bytes alone seldom reach. XOR is a
 * bijection: every area is still reachable.
 */
static const struct {
	uint8_t len;
	uint8_t b[SW_TCP_OPT_MAX];
} layouts[] = {
	{12, {1, 1, 8, 10}}, /* NOP NOP TS */
	{12, {2, 4, 0, 0, 1, 3, 3, 0, 1, 1, 4, 2}}, /* Windows SYN */
	{12, {2, 4, 0, 0, 1, 1, 4, 2, 1, 3, 3, 0}}, /* Linux SYN without TS */
	{20, {2, 4, 0, 0, 4, 2, 8, 10, [16] = 1, 3, 3, 0}}, /* Linux SYN */
	{20, {2, 4, 0, 0, 1, 3, 3, 0, 4, 2, 8, 10}}, /* FreeBSD SYN */
	{24, {1, 1, 8, 10, [12] = 1, 1, 5, 10}}, /* NOP NOP TS NOP NOP SACK(1) */
	{24, {2, 4, 0, 0, 1, 3, 3, 0, 1, 1, 8, 10, [20] = 4, 2, 0, 0}}, /* macOS SYN */
	{24, {2, 4, 0, 0, 1, 3, 3, 0, 1, 1, 8, 10, [20] = 1, 1, 4, 2}}, /* Windows SYN, TS */
	{32, {1, 1, 8, 10, [12] = 1, 1, 5, 18}}, /* NOP NOP TS NOP NOP SACK(2) */
	{40, {1, 1, 8, 10, [12] = 1, 1, 5, 26}}, /* NOP NOP TS NOP NOP SACK(3) */
};

/* sw_tcpopt_parse() and the general loop: the same return value and the same struct. */
static void
parse_both(const uint8_t *opt, uint16_t len)
{
	struct sw_tcpopt fast, gen;
	int r;

	memset(&fast, 0xa5, sizeof(fast));
	memset(&gen, 0x5a, sizeof(gen));
	r = sw_tcpopt_parse(opt, len, &fast);
	CHECK(tcpopt_parse_general(opt, len, &gen) == r);
	if (r == 0)
		CHECK(memcmp(&fast, &gen, sizeof(fast)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *opt;
	uint16_t len;
	struct sw_tcpopt p;
	rte_be16_t ck;
	uint32_t a, b;
	unsigned int layout;

	/* 12 bytes of SYN settings and rewrite values, then the options area. */
	if (size < 12)
		return 0;
	syn_roundtrip(data);
	layout = data[3] >> 4;
	a = sw_rd32(data + 4);
	b = sw_rd32(data + 8);
	data += 12;
	size -= 12;
	if (size > 64)
		return 0;
	len = (uint16_t)size;
	opt = malloc(len ? len : 1);
	if (opt == NULL)
		return 0;
	if (len)
		memcpy(opt, data, len);
	if (layout >= 1 && layout <= sizeof(layouts) / sizeof(layouts[0]))
		for (size_t i = 0; i < len && i < layouts[layout - 1].len; i++)
			opt[i] ^= layouts[layout - 1].b[i];
	parse_both(opt, len);
	if (sw_tcpopt_parse(opt, len, &p) != 0) {
		free(opt);
		return 0;
	}
	CHECK(len <= SW_TCP_OPT_MAX);
	if (p.has_mss)
		CHECK(p.mss_off + 4u <= len && opt[p.mss_off] == SW_TCPOPT_MSS);
	if (p.has_wscale)
		CHECK(p.ws_off + 3u <= len && p.wscale <= SW_TCPOPT_WS_MAX);
	if (p.has_ts)
		CHECK(p.ts_off + 10u <= len && opt[p.ts_off] == SW_TCPOPT_TS);
	if (p.n_sack)
		CHECK(p.n_sack <= 4 && p.sack_off + 2u + 8u * p.n_sack <= len);

	/* Each rewrite keeps the incremental checksum equal to a full recompute. */
	ck = opt_csum(opt, len);
	sw_tcpopt_set_ts(opt, &p, a, b, &ck);
	CHECK(ck == opt_csum(opt, len));
	sw_tcpopt_sack_add(opt, &p, a ^ b, &ck);
	CHECK(ck == opt_csum(opt, len));
	sw_tcpopt_set_mss(opt, &p, (uint16_t)b, &ck);
	CHECK(ck == opt_csum(opt, len));
	sw_tcpopt_sack_strip(opt, &p, &ck);
	CHECK(ck == opt_csum(opt, len));
	free(opt);
	return 0;
}
