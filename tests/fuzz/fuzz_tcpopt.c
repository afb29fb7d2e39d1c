/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer harness for sw_tcpopt_parse(), the SYN builders and the in-place rewrites. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw_pkt.h"
#include "sw_tcpopt.h"

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
	struct sw_tcpopt p;
	uint16_t n = sw_tcpopt_syn_size(&s);

	CHECK(n <= SW_TCP_OPT_MAX && n % 4 == 0);
	CHECK(sw_tcpopt_syn_build(buf, &s) == n);
	CHECK(sw_tcpopt_parse(buf, n, &p) == 0);
	CHECK(p.has_mss && p.mss == s.mss);
	CHECK(p.has_wscale == s.has_wscale && p.has_sack_perm == s.has_sack_perm);
	CHECK(p.has_ts == s.has_ts);
	if (s.has_wscale)
		CHECK(p.wscale == (s.wscale > SW_TCPOPT_WS_MAX ? SW_TCPOPT_WS_MAX : s.wscale));
	if (s.has_ts)
		CHECK(p.tsval == s.tsval && p.tsecr == s.tsecr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *opt;
	uint16_t len;
	struct sw_tcpopt p;
	rte_be16_t ck;
	uint32_t a, b;

	/* 12 bytes of SYN settings and rewrite values, then the options area. */
	if (size < 12)
		return 0;
	syn_roundtrip(data);
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
