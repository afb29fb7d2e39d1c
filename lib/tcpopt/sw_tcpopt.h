/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options: parse, size and build over a plain options area, and in-place rewrites. */
#ifndef SW_TCPOPT_H
#define SW_TCPOPT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include "sw_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Option kinds: RFC 9293 section 3.2, RFC 7323 (WS, TS), RFC 2018 (SACK). */
#define SW_TCPOPT_EOL 0
#define SW_TCPOPT_NOP 1
#define SW_TCPOPT_MSS 2
#define SW_TCPOPT_WS 3
#define SW_TCPOPT_SACK_PERM 4
#define SW_TCPOPT_SACK 5
#define SW_TCPOPT_TS 8

/* Option lengths, kind and length bytes included. */
#define SW_TCPOPT_MSS_LEN 4 /* RFC 9293 section 3.2 */
#define SW_TCPOPT_WS_LEN 3 /* RFC 7323 section 2.2 */
#define SW_TCPOPT_SACK_PERM_LEN 2 /* RFC 2018 section 2 */
#define SW_TCPOPT_TS_LEN 10 /* RFC 7323 section 3.2 */
#define SW_TCPOPT_SACK_BLOCK_LEN 8 /* RFC 2018 section 3: left edge, right edge */
#define SW_TCPOPT_SACK_MAX_BLOCKS 4 /* 2 + 4 * 8 = 34 <= 40 */

#define SW_TCPOPT_WS_MAX 14 /* RFC 7323 section 2.3 */

/*
 * What sw_tcpopt_parse() found in one options area. Offsets are from the start
 * of that area (the byte after the 20-byte fixed TCP header), so an offset's
 * parity is its parity in the checksummed stream; the in-place rewrite helpers
 * below rely on that. Filled by the parser, read by the caller; the rewrite
 * helpers take it const and do not update it.
 */
struct sw_tcpopt {
	uint32_t tsval, tsecr; /* RFC 7323 TSval/TSecr, host order, valid when has_ts */
	uint16_t mss; /* host order, valid when has_mss (0 is not rejected here) */
	uint8_t wscale; /* valid when has_wscale; values > 14 clamped to 14 (RFC 7323 2.3) */
	uint8_t n_sack; /* SACK blocks present (0..4) */
	uint8_t ts_off; /* offset of the TS option's kind byte, valid when has_ts */
	uint8_t sack_off; /* offset of the SACK option's kind byte, valid when n_sack > 0 */
	uint8_t ws_off, mss_off; /* offsets of those options' kind bytes, valid with has_* */
	bool has_mss, has_wscale, has_sack_perm, has_ts;
};

/*
 * Parse the options area opt[0, len). Returns 0 on success, -EINVAL when
 * malformed:
 * - len > 40 (RFC 9293 section 3.1: data offset is at most 15 words);
 * - an option length of 0 or 1, or one running past the area (RFC 9293
 *   section 3.1: length counts kind and length bytes);
 * - a kind byte other than EOL/NOP at the last position (no room for its length);
 * - a wrong fixed length for MSS (4), WS (3), SACK_PERM (2) or TS (10);
 * - a SACK length other than 2 + 8n with n in 1..4 (RFC 2018 section 3);
 * - a second MSS, WS, SACK_PERM, TS or SACK option.
 * EOL ends the list (RFC 9293 section 3.2); bytes after it are not looked at.
 * Unknown kinds with a valid length are skipped. Whether an option belongs
 * in this segment (e.g. MSS outside a SYN) is for the caller to decide.
 * *out is zeroed first; on error its contents are unspecified.
 */
int sw_tcpopt_parse(const uint8_t *opt, uint16_t len, struct sw_tcpopt *out);

/* Options a SYN or SYN-ACK carries (all host order). */
struct sw_tcpopt_syn {
	uint16_t mss; /* always sent (RFC 9293 section 3.7.1) */
	uint8_t wscale; /* sent when has_wscale; clamped to SW_TCPOPT_WS_MAX when built */
	bool has_wscale;
	bool has_sack_perm;
	bool has_ts;
	uint32_t tsval, tsecr; /* sent when has_ts */
};

/* Bytes sw_tcpopt_syn_build() writes: a multiple of 4, at most 20 (so <= 40). */
uint16_t sw_tcpopt_syn_size(const struct sw_tcpopt_syn *o);

/*
 * Write exactly sw_tcpopt_syn_size(o) bytes at buf, in Linux's order, every
 * option aligned to its natural boundary with NOPs:
 *   MSS(4)
 *   SACK_PERM(2) TS(10)  |  NOP NOP TS(10)  |  NOP NOP SACK_PERM(2)  (or nothing)
 *   NOP WS(3)            (when has_wscale)
 * Returns the length written.
 */
uint16_t sw_tcpopt_syn_build(uint8_t *buf, const struct sw_tcpopt_syn *o);

#define SW_TCPOPT_SYN_WORDS_MAX 5

/*
 * The option block of sw_tcpopt_syn_build() as 32-bit words in host order
 * (w[i] goes on the wire big-endian at buf + 4 * i); returns their number n.
 * All SW_TCPOPT_SYN_WORDS_MAX words are written, those from n on with 0, so
 * that a caller may store and sum all of them without a loop on n. The one
 * definition of the layout: for code that writes the words itself and sums
 * them for a checksum as it goes.
 *
 * Every word goes to a constant index (no w[n++]): inlined, w then lives in
 * registers instead of a stack array written at a variable index and read
 * back. With timestamps, the usual case, there is a single branch.
 */
/* Four option bytes as one host-order word, a first. */
#define SW_TCPOPT_WORD(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
/* NOP NOP TS(10), the first word of every non-SYN segment's timestamps (RFC 7323 appendix A). */
#define SW_TCPOPT_NOP_NOP_TS \
	SW_TCPOPT_WORD(SW_TCPOPT_NOP, SW_TCPOPT_NOP, SW_TCPOPT_TS, SW_TCPOPT_TS_LEN)

static inline unsigned
sw_tcpopt_syn_words(const struct sw_tcpopt_syn *o, uint32_t w[SW_TCPOPT_SYN_WORDS_MAX])
{
	/* RFC 7323 section 2.3: a shift above 14 is sent as 14. */
	uint32_t shift = o->wscale > SW_TCPOPT_WS_MAX ? SW_TCPOPT_WS_MAX : o->wscale;
	/* NOP WS(3), or 0 when not sent. */
	uint32_t ws = o->has_wscale
		? SW_TCPOPT_WORD(SW_TCPOPT_NOP, SW_TCPOPT_WS, SW_TCPOPT_WS_LEN, 0) | shift
		: 0;

	w[0] = SW_TCPOPT_WORD(SW_TCPOPT_MSS, SW_TCPOPT_MSS_LEN, 0, 0) | o->mss;
	if (o->has_ts) {
		w[1] = o->has_sack_perm
			? SW_TCPOPT_WORD(SW_TCPOPT_SACK_PERM, SW_TCPOPT_SACK_PERM_LEN, SW_TCPOPT_TS,
				  SW_TCPOPT_TS_LEN)
			: SW_TCPOPT_WORD(
				  SW_TCPOPT_NOP, SW_TCPOPT_NOP, SW_TCPOPT_TS, SW_TCPOPT_TS_LEN);
		w[2] = o->tsval;
		w[3] = o->tsecr;
		w[4] = ws;
		return 4u + o->has_wscale;
	}
	/* NOP NOP SACK_PERM(2) then NOP WS(3), each word only when its option is sent. */
	w[1] = o->has_sack_perm ? SW_TCPOPT_WORD(SW_TCPOPT_NOP, SW_TCPOPT_NOP, SW_TCPOPT_SACK_PERM,
					  SW_TCPOPT_SACK_PERM_LEN)
				: ws;
	w[2] = o->has_sack_perm ? ws : 0;
	w[3] = 0;
	w[4] = 0;
	return 1u + o->has_sack_perm + o->has_wscale;
}

/* 12: NOP NOP TS(10), the form every non-SYN segment uses. */
uint16_t sw_tcpopt_ts_size(void);

/* Write NOP NOP TS(tsval, tsecr) (host order) at buf; returns 12. */
uint16_t sw_tcpopt_ts_build(uint8_t *buf, uint32_t tsval, uint32_t tsecr);

/*
 * In-place rewrites of a live segment's options. opt is the options area that
 * p was parsed from (it must start at TCP header byte 20); cksum points at
 * the TCP checksum field, updated incrementally (RFC 1624 eqn. 3), with fields
 * at odd offsets handled by byte-swapping their sums (RFC 1071 section 2(B)).
 * Each helper does nothing when the option it rewrites is absent from p.
 */

/* Set TSval and TSecr (host order). */
void sw_tcpopt_set_ts(
	uint8_t *opt, const struct sw_tcpopt *p, uint32_t tsval, uint32_t tsecr, rte_be16_t *cksum);

/* Add delta to every SACK block edge, modulo 2^32 (sequence space, RFC 9293 section 3.4). */
void sw_tcpopt_sack_add(uint8_t *opt, const struct sw_tcpopt *p, uint32_t delta, rte_be16_t *cksum);

/* Turn the whole SACK option into NOPs (p->n_sack is then stale). */
void sw_tcpopt_sack_strip(uint8_t *opt, const struct sw_tcpopt *p, rte_be16_t *cksum);

/* Set the MSS value (host order). */
void sw_tcpopt_set_mss(uint8_t *opt, const struct sw_tcpopt *p, uint16_t mss, rte_be16_t *cksum);

#ifdef __cplusplus
}
#endif

#endif /* SW_TCPOPT_H */
