/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options parse / size / build and checksum-preserving in-place rewrites. */
#include <errno.h>
#include <string.h>

#include "sw_tcpopt.h"
#include "tcpopt_internal.h"

/*
 * Kind and length bytes of the layouts the fast paths of sw_tcpopt_parse()
 * recognise, as big-endian words. Each layout is a complete, valid option
 * list, so the fast path fills *out exactly as the general loop would.
 */
#define HDR_NOP_NOP_TS 0x0101080au /* NOP NOP TS(10): every segment with timestamps */
#define HDR_MSS 0x0204u /* MSS(4) */
#define HDR_SACKP_TS 0x0402080au /* SACK_PERM(2) TS(10) */
#define HDR_NOP_WS 0x010303u /* NOP WS(3) */
#define LEN_TS_ONLY 12 /* NOP NOP TS */
#define LEN_LINUX_SYN 20 /* MSS SACK_PERM TS NOP WS */

/* RFC 7323 section 2.3: a shift above 14 is used as 14. */
static inline uint8_t
ws_clamp(uint8_t ws)
{
	return ws > SW_TCPOPT_WS_MAX ? SW_TCPOPT_WS_MAX : ws;
}

/* The general parser, for any layout (tcpopt_internal.h). */
int
tcpopt_parse_general(const uint8_t *opt, uint16_t len, struct sw_tcpopt *out)
{
	unsigned int i = 0;
	unsigned int olen;
	uint8_t kind;

	memset(out, 0, sizeof(*out));
	if (len > SW_TCP_OPT_MAX)
		return -EINVAL;

	while (i < len) {
		kind = opt[i];
		if (kind == SW_TCPOPT_EOL)
			break;
		if (kind == SW_TCPOPT_NOP) {
			i++;
			continue;
		}
		/* RFC 9293 section 3.1: every other kind has a length byte, counting itself. */
		if (i + 1 >= len)
			return -EINVAL;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;

		switch (kind) {
		case SW_TCPOPT_MSS:
			/* RFC 9293 section 3.2 */
			if (olen != SW_TCPOPT_MSS_LEN || out->has_mss)
				return -EINVAL;
			out->has_mss = true;
			out->mss_off = (uint8_t)i;
			out->mss = sw_rd16(opt + i + 2);
			break;
		case SW_TCPOPT_WS:
			/* RFC 7323 section 2.2; 2.3: a shift above 14 is used as 14. */
			if (olen != SW_TCPOPT_WS_LEN || out->has_wscale)
				return -EINVAL;
			out->has_wscale = true;
			out->ws_off = (uint8_t)i;
			out->wscale = ws_clamp(opt[i + 2]);
			break;
		case SW_TCPOPT_SACK_PERM:
			/* RFC 2018 section 2 */
			if (olen != SW_TCPOPT_SACK_PERM_LEN || out->has_sack_perm)
				return -EINVAL;
			out->has_sack_perm = true;
			break;
		case SW_TCPOPT_TS:
			/* RFC 7323 section 3.2 */
			if (olen != SW_TCPOPT_TS_LEN || out->has_ts)
				return -EINVAL;
			out->has_ts = true;
			out->ts_off = (uint8_t)i;
			out->tsval = sw_rd32(opt + i + 2);
			out->tsecr = sw_rd32(opt + i + 6);
			break;
		case SW_TCPOPT_SACK:
			/* RFC 2018 section 3: 2 + 8n bytes, n blocks of left/right edge. */
			if ((olen - 2) % SW_TCPOPT_SACK_BLOCK_LEN != 0 || olen == 2 ||
				(olen - 2) / SW_TCPOPT_SACK_BLOCK_LEN > SW_TCPOPT_SACK_MAX_BLOCKS ||
				out->n_sack != 0)
				return -EINVAL;
			out->n_sack = (uint8_t)((olen - 2) / SW_TCPOPT_SACK_BLOCK_LEN);
			out->sack_off = (uint8_t)i;
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

int
sw_tcpopt_parse(const uint8_t *opt, uint16_t len, struct sw_tcpopt *out)
{
	/* NOP NOP TS: non-SYN segments of a connection with timestamps (RFC 7323 appendix A). */
	if (len == LEN_TS_ONLY && sw_rd32(opt) == HDR_NOP_NOP_TS) {
		memset(out, 0, sizeof(*out));
		out->has_ts = true;
		out->ts_off = 2;
		out->tsval = sw_rd32(opt + 4);
		out->tsecr = sw_rd32(opt + 8);
		return 0;
	}
	/* MSS SACK_PERM TS NOP WS: the SYN and SYN-ACK of Linux. */
	if (len == LEN_LINUX_SYN && sw_rd16(opt) == HDR_MSS && sw_rd32(opt + 4) == HDR_SACKP_TS &&
		sw_rd32(opt + 16) >> 8 == HDR_NOP_WS) {
		memset(out, 0, sizeof(*out));
		out->has_mss = true;
		out->mss = sw_rd16(opt + 2);
		out->has_sack_perm = true;
		out->has_ts = true;
		out->ts_off = 6;
		out->tsval = sw_rd32(opt + 8);
		out->tsecr = sw_rd32(opt + 12);
		out->has_wscale = true;
		out->ws_off = 17;
		out->wscale = ws_clamp(opt[19]);
		return 0;
	}
	return tcpopt_parse_general(opt, len, out);
}

uint16_t
sw_tcpopt_syn_size(const struct sw_tcpopt_syn *o)
{
	uint16_t n = SW_TCPOPT_MSS_LEN;

	if (o->has_ts)
		n += 12; /* SACK_PERM + TS, or NOP NOP TS */
	else if (o->has_sack_perm)
		n += 4; /* NOP NOP SACK_PERM */
	if (o->has_wscale)
		n += 4; /* NOP WS */
	return n;
}

static inline uint8_t *
put_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	p[0] = SW_TCPOPT_TS;
	p[1] = SW_TCPOPT_TS_LEN;
	sw_wr32(p + 2, tsval);
	sw_wr32(p + 6, tsecr);
	return p + SW_TCPOPT_TS_LEN;
}

uint16_t
sw_tcpopt_syn_build(uint8_t *buf, const struct sw_tcpopt_syn *o)
{
	uint32_t w[SW_TCPOPT_SYN_WORDS_MAX];
	unsigned n = sw_tcpopt_syn_words(o, w);

	for (unsigned i = 0; i < n; i++)
		sw_wr32(buf + 4 * i, w[i]);
	return (uint16_t)(4 * n);
}

uint16_t
sw_tcpopt_ts_size(void)
{
	return 2 + SW_TCPOPT_TS_LEN;
}

uint16_t
sw_tcpopt_ts_build(uint8_t *buf, uint32_t tsval, uint32_t tsecr)
{
	buf[0] = SW_TCPOPT_NOP;
	buf[1] = SW_TCPOPT_NOP;
	put_ts(buf + 2, tsval, tsecr);
	return 2 + SW_TCPOPT_TS_LEN;
}

/*
 * A byte at an odd offset of the checksummed stream is the low-order byte of
 * its 16-bit word. Swapping the bytes of each half of a 32-bit value moves
 * every byte to the half of the word it really occupies, so the even-aligned
 * RFC 1624 update can be applied to the swapped values (RFC 1071 section 2(B)).
 */
static inline rte_be32_t
swap_halves(rte_be32_t x)
{
	return ((x & 0x00ff00ffu) << 8) | ((x >> 8) & 0x00ff00ffu);
}

/* Store val (host order) at opt + off and fix *cksum for the 4 changed bytes. */
static inline void
rewrite32(uint8_t *opt, unsigned int off, uint32_t val, rte_be16_t *cksum)
{
	rte_be32_t o, n = rte_cpu_to_be_32(val);

	memcpy(&o, opt + off, sizeof(o));
	memcpy(opt + off, &n, sizeof(n));
	if (off & 1) {
		o = swap_halves(o);
		n = swap_halves(n);
	}
	sw_csum_replace32(cksum, o, n);
}

void
sw_tcpopt_set_ts(
	uint8_t *opt, const struct sw_tcpopt *p, uint32_t tsval, uint32_t tsecr, rte_be16_t *cksum)
{
	uint8_t *f = opt + p->ts_off + 2;
	rte_be32_t o1, o2, n1 = rte_cpu_to_be_32(tsval), n2 = rte_cpu_to_be_32(tsecr);
	uint64_t sum;
	uint32_t s32;

	if (!p->has_ts)
		return;
	memcpy(&o1, f, sizeof(o1));
	memcpy(&o2, f + 4, sizeof(o2));
	memcpy(f, &n1, sizeof(n1));
	memcpy(f + 4, &n2, sizeof(n2));
	if ((p->ts_off + 2u) & 1) {
		o1 = swap_halves(o1);
		o2 = swap_halves(o2);
		n1 = swap_halves(n1);
		n2 = swap_halves(n2);
	}
	/*
	 * RFC 1624 eqn. 3 over the four 16-bit words at once: ~HC + ~m + m'.
	 * The 32-bit values are pairs of words; 2^16 = 1 modulo 0xffff, so
	 * summing them whole and folding is the same ones' complement sum, and
	 * like four sw_csum_replace16() steps the result is 0 only when every
	 * term is.
	 */
	sum = (uint64_t)(uint16_t) ~*cksum + (uint32_t)~o1 + (uint32_t)~o2 + n1 + n2;
	sum = (sum & 0xffffffff) + (sum >> 32);
	s32 = (uint32_t)sum + (uint32_t)(sum >> 32);
	s32 = (s32 & 0xffff) + (s32 >> 16);
	s32 = (s32 & 0xffff) + (s32 >> 16);
	*cksum = (rte_be16_t)~s32;
}

void
sw_tcpopt_sack_add(uint8_t *opt, const struct sw_tcpopt *p, uint32_t delta, rte_be16_t *cksum)
{
	unsigned int off = p->sack_off + 2u;
	unsigned int i;

	/* Both edges of each block move: uint32_t arithmetic wraps like sequence numbers. */
	for (i = 0; i < 2u * p->n_sack; i++, off += 4)
		rewrite32(opt, off, sw_rd32(opt + off) + delta, cksum);
}

void
sw_tcpopt_sack_strip(uint8_t *opt, const struct sw_tcpopt *p, rte_be16_t *cksum)
{
	unsigned int len = 2u + SW_TCPOPT_SACK_BLOCK_LEN * p->n_sack;
	uint32_t old_sum, new_sum;

	if (p->n_sack == 0)
		return;
	old_sum = sw_csum_partial(opt + p->sack_off, len, 0);
	memset(opt + p->sack_off, SW_TCPOPT_NOP, len);
	new_sum = sw_csum_partial(opt + p->sack_off, len, 0);
	sw_csum_replace_sum(cksum, old_sum, new_sum, p->sack_off & 1);
}

void
sw_tcpopt_set_mss(uint8_t *opt, const struct sw_tcpopt *p, uint16_t mss, rte_be16_t *cksum)
{
	unsigned int off = p->mss_off + 2u;
	rte_be16_t o, n = rte_cpu_to_be_16(mss);

	if (!p->has_mss)
		return;
	memcpy(&o, opt + off, sizeof(o));
	memcpy(opt + off, &n, sizeof(n));
	if (off & 1) {
		o = sw_csum_swap16(o);
		n = sw_csum_swap16(n);
	}
	sw_csum_replace16(cksum, o, n);
}
