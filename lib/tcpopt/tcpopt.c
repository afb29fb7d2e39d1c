/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options parse / size / build and checksum-preserving in-place rewrites. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sw_csum64.h"
#include "sw_tcpopt.h"
#include "tcpopt_internal.h"

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

/*
 * Kind and length bytes of the layouts the fast paths of sw_tcpopt_parse()
 * recognise, as they lie in memory: compared with words loaded in native
 * order (one cmp with a memory operand on x86), no byte swaps.
 */
#define BE_MSS RTE_BE16(SW_TCPOPT_MSS << 8 | SW_TCPOPT_MSS_LEN) /* MSS(4), kind and length */
#define BE_NOP_NOP_TS RTE_BE32(SW_TCPOPT_NOP_NOP_TS)
#define BE_SACKP_TS RTE_BE32(0x0402080a) /* SACK_PERM(2) TS(10) */
#define BE_NOP_NOP_SACKP RTE_BE32(0x01010402) /* NOP NOP SACK_PERM(2) */
#define BE_SACKP_EOL_EOL RTE_BE32(0x04020000) /* SACK_PERM(2) EOL EOL */
#define BE_NOP_NOP_SACK(n) RTE_BE32(0x01010500 | (2 + 8 * (n))) /* NOP NOP SACK(2 + 8n) */
#define BE_NOP_WS RTE_BE32(0x01030300) /* NOP WS(3), under BE_NOP_WS_MASK */
#define BE_NOP_WS_MASK RTE_BE32(0xffffff00) /* all but the shift byte */

/* What a recognised layout holds, for fast_fill(). */
#define F_MSS 1u /* MSS at offset 0: every recognised layout with MSS starts with it */
#define F_WS 2u
#define F_SACKP 4u
#define F_TS 8u

/*
 * TSval and TSecr from the TS option's value bytes v into *out with one
 * 8-byte load and store: the big-endian pair read as one 64-bit number is
 * TSval << 32 | TSecr, and tsecr follows tsval in the struct (asserted).
 */
static inline void
fill_ts(struct sw_tcpopt *out, const uint8_t *v)
{
	uint64_t x = rte_be_to_cpu_64(sw_ld64(v));

	_Static_assert(offsetof(struct sw_tcpopt, tsecr) ==
			offsetof(struct sw_tcpopt, tsval) + sizeof(uint32_t),
		"tsval, tsecr adjacent");
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	x = x << 32 | x >> 32; /* tsval in the low half: the lower address */
#endif
	memcpy((uint8_t *)out + offsetof(struct sw_tcpopt, tsval), &x, sizeof(x));
}

/*
 * *out as the general loop leaves it for a recognised layout: every field
 * written, those of absent options 0 (it zeroes first). The flags and
 * offsets are constants once inlined: field by field, with no memset before
 * them, the constant bytes merge into one or two immediate stores.
 */
static inline __attribute__((always_inline)) int
fast_fill(struct sw_tcpopt *out, const uint8_t *opt, unsigned int f, unsigned int ws_off,
	unsigned int ts_off, unsigned int sack_off, unsigned int n_sack)
{
	if (f & F_TS) {
		fill_ts(out, opt + ts_off + 2);
	} else {
		out->tsval = 0;
		out->tsecr = 0;
	}
	out->mss = f & F_MSS ? sw_rd16(opt + 2) : 0;
	out->wscale = f & F_WS ? ws_clamp(opt[ws_off + 2]) : 0;
	out->n_sack = (uint8_t)n_sack;
	out->ts_off = (uint8_t)ts_off;
	out->sack_off = (uint8_t)sack_off;
	out->ws_off = (uint8_t)ws_off;
	out->mss_off = 0;
	out->has_mss = f & F_MSS;
	out->has_wscale = f & F_WS;
	out->has_sack_perm = f & F_SACKP;
	out->has_ts = f & F_TS;
	return 0;
}

/* Bytes opt[off, off + 3) are NOP WS(3), whatever the shift byte after them. */
static inline bool
nop_ws_at(const uint8_t *opt, unsigned int off)
{
	return (sw_ld32(opt + off) & BE_NOP_WS_MASK) == BE_NOP_WS;
}

/*
 * The layouts that real stacks send, each matched whole (every kind and
 * length byte, and the exact area length), so that it is a complete and
 * valid option list: no duplicates, nothing after it, and the general loop
 * would find exactly these options at exactly these offsets. Values inside
 * the options (MSS, shift, timestamps, SACK edges) are not checked, as the
 * general loop does not check them either (the shift is clamped by both).
 * Anything else, any single byte off, goes to the general loop.
 *
 *   12  NOP NOP TS                          every segment once TS is on
 *       MSS NOP WS NOP NOP SACKP            Windows SYN
 *       MSS NOP NOP SACKP NOP WS            Linux SYN without timestamps
 *   20  MSS SACKP TS NOP WS                 Linux SYN and SYN-ACK,
 *                                           sw_tcpopt_syn_build()'s
 *       MSS NOP WS SACKP TS                 FreeBSD SYN (tcp_addoptions())
 *   24  NOP NOP TS NOP NOP SACK(1 block)    ACK after a loss, Linux and BSD
 *       MSS NOP WS NOP NOP TS SACKP EOL EOL macOS SYN
 *       MSS NOP WS NOP NOP TS NOP NOP SACKP Windows SYN with timestamps
 *   32  NOP NOP TS NOP NOP SACK(2 blocks)
 *   40  NOP NOP TS NOP NOP SACK(3 blocks)
 *
 * Lengths 12 and 20 (nearly every ACK and SYN with options) and 0 are
 * compared first in sw_tcpopt_parse() itself; the longer layouts are here,
 * out of line: one switch over all the lengths compiles to a jump table,
 * about 9 instructions of dispatch on every call instead of 2 to 6.
 */
static __attribute__((noinline)) int
parse_rare(const uint8_t *opt, uint16_t len, struct sw_tcpopt *out)
{
	switch (len) {
	case 24:
		if (sw_ld32(opt) == BE_NOP_NOP_TS) {
			if (sw_ld32(opt + 12) == BE_NOP_NOP_SACK(1))
				return fast_fill(out, opt, F_TS, 0, 2, 14, 1);
			break;
		}
		if (sw_ld16(opt) != BE_MSS || !nop_ws_at(opt, 4) ||
			sw_ld32(opt + 8) != BE_NOP_NOP_TS)
			break;
		if (sw_ld32(opt + 20) == BE_SACKP_EOL_EOL || sw_ld32(opt + 20) == BE_NOP_NOP_SACKP)
			return fast_fill(out, opt, F_MSS | F_WS | F_SACKP | F_TS, 5, 10, 0, 0);
		break;
	case 32:
		if (sw_ld32(opt) == BE_NOP_NOP_TS && sw_ld32(opt + 12) == BE_NOP_NOP_SACK(2))
			return fast_fill(out, opt, F_TS, 0, 2, 14, 2);
		break;
	case 40:
		if (sw_ld32(opt) == BE_NOP_NOP_TS && sw_ld32(opt + 12) == BE_NOP_NOP_SACK(3))
			return fast_fill(out, opt, F_TS, 0, 2, 14, 3);
		break;
	default:
		break;
	}
	return tcpopt_parse_general(opt, len, out);
}

int
sw_tcpopt_parse(const uint8_t *opt, uint16_t len, struct sw_tcpopt *out)
{
	if (len == 12) {
		if (sw_ld32(opt) == BE_NOP_NOP_TS)
			return fast_fill(out, opt, F_TS, 0, 2, 0, 0);
		if (sw_ld16(opt) != BE_MSS)
			return tcpopt_parse_general(opt, len, out);
		if (nop_ws_at(opt, 4) && sw_ld32(opt + 8) == BE_NOP_NOP_SACKP)
			return fast_fill(out, opt, F_MSS | F_WS | F_SACKP, 5, 0, 0, 0);
		if (sw_ld32(opt + 4) == BE_NOP_NOP_SACKP && nop_ws_at(opt, 8))
			return fast_fill(out, opt, F_MSS | F_WS | F_SACKP, 9, 0, 0, 0);
		return tcpopt_parse_general(opt, len, out);
	}
	if (len == 20) {
		if (sw_ld16(opt) != BE_MSS)
			return tcpopt_parse_general(opt, len, out);
		if (sw_ld32(opt + 4) == BE_SACKP_TS && nop_ws_at(opt, 16))
			return fast_fill(out, opt, F_MSS | F_WS | F_SACKP | F_TS, 17, 6, 0, 0);
		if (nop_ws_at(opt, 4) && sw_ld32(opt + 8) == BE_SACKP_TS)
			return fast_fill(out, opt, F_MSS | F_WS | F_SACKP | F_TS, 5, 10, 0, 0);
		return tcpopt_parse_general(opt, len, out);
	}
	/* No options: ACKs and data of a connection without timestamps. */
	if (len == 0) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (len >= 24)
		return parse_rare(opt, len, out);
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

	/*
	 * Exactly n words, each from a constant index so that w stays in
	 * registers (a loop on n would index a stack array).
	 */
	switch (n) {
	case 5:
		sw_wr32(buf + 16, w[4]);
		/* fall through */
	case 4:
		sw_wr32(buf + 12, w[3]);
		/* fall through */
	case 3:
		sw_wr32(buf + 8, w[2]);
		/* fall through */
	case 2:
		sw_wr32(buf + 4, w[1]);
		/* fall through */
	default:
		sw_wr32(buf, w[0]);
		break;
	}
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
