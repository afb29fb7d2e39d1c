/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers shared by conn.c, xlate.c and relay.c: negotiated window
 * shifts and rescaling, and the inline cores of the relay fast path (the
 * ESTABLISHED tracker and the fixed-layout translation).
 */
#ifndef SW_CONN_INTERNAL_H
#define SW_CONN_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sw_pkt.h"

#include "sw_conn.h"
#include "sw_csum64.h"
#include "sw_tcpopt.h"

/* Largest window shift (RFC 7323 section 2.3). */
#define CONN_WS_MAX 14

/* Largest payload sw_conn_track() accepts: IP total length is 16 bits (RFC 791, RFC 8200). */
#define CONN_SEG_MAX 0xffffu

/*
 * Largest window a peer can open (0xffff << 14 < 2^30, RFC 7323 section 2.3):
 * MAX.SND.WND of RFC 5961 section 5. With segments confined to the window
 * and ACKs to [SND.UNA - 2^30, SND.NXT], every stored number stays within
 * 2^31 of those it is compared with, so the wrap-safe comparisons hold.
 */
#define CONN_WIN_MAX (1u << 30)

/*
 * Flags that make sw_conn_next_state() ESTABLISHED: open, spliced, no FIN
 * either way, not closed. Masked with CONN_EST_MASK, they equal CONN_EST.
 */
#define CONN_EST_MASK \
	(SW_CONN_F_OPEN | SW_CONN_F_SPLICED | SW_CONN_F_CLOSED | SW_CONN_F_FIN_C2S | \
		SW_CONN_F_FIN_S2C)
#define CONN_EST (SW_CONN_F_OPEN | SW_CONN_F_SPLICED)

/*
 * The relay's mode, derived once by sw_conn_on_synack() (conn_relay_mode())
 * and kept in the free high bits of c->flags (sw_conn.h: bits 19..22, 24..31), so
 * that a relayed segment does not recombine the option bits and shifts
 * every time: the timestamps decision (conn_ts_on()), the sender's window
 * shift of each direction (conn_shift_own()) and whether its receiver reads
 * windows with another shift (conn_shift_view(), rescaling needed). Nothing
 * they derive from changes after the splice. CONN_F_RELAY says the rest is
 * valid: a flow spliced any other way (none is) would take the general path.
 */
#define CONN_F_RELAY (1u << 19) /* the bits below are set */
#define CONN_F_TSX (1u << 20) /* conn_ts_on() */
#define CONN_F_RESCALE_C2S (1u << 21) /* conn_shift_own(C2S) != conn_shift_view(C2S) */
#define CONN_F_RESCALE_S2C (1u << 22) /* the same for S2C */
#define CONN_OWN_POS 24 /* conn_shift_own(dir) in bits 24 + 4 * dir .. 27 + 4 * dir */

static_assert(CONN_F_RELAY > SW_CONN_F_FINACK_S2C, "derived bits above the SW_CONN_F_* ones");
static_assert(
	CONN_F_RESCALE_S2C < SW_CONN_F_ECN_STRIP && SW_CONN_F_ECN_STRIP < (1u << CONN_OWN_POS),
	"the caller's bit 23 between the derived ones");
static_assert(CONN_WS_MAX < 16, "a shift fits in 4 bits");

static inline uint32_t
conn_f_rescale(enum sw_conn_dir d)
{
	return CONN_F_RESCALE_C2S << d; /* CONN_F_RESCALE_S2C for SW_DIR_S2C */
}

static inline uint8_t
conn_relay_own(uint32_t flags, enum sw_conn_dir d)
{
	return (flags >> (CONN_OWN_POS + 4 * d)) & 0xf;
}

/* Options area of a relayed segment: NOP NOP TS(10) (RFC 7323 appendix A), 12 bytes. */
#define CONN_TS_HDR_LEN (SW_TCP_HDR_MIN + 12)
#define CONN_OFF_TSVAL (SW_TCP_HDR_MIN + 4)
#define CONN_OFF_TSECR (SW_TCP_HDR_MIN + 8)

static inline bool
conn_has(const struct sw_conn *c, uint32_t f)
{
	return (c->flags & f) == f;
}

static inline enum sw_conn_dir
conn_other(enum sw_conn_dir d)
{
	return d == SW_DIR_C2S ? SW_DIR_S2C : SW_DIR_C2S;
}

/*
 * Window scaling is in effect on a leg only when both its SYN and SYN-ACK
 * carried the option (RFC 7323 section 2.2); the backend leg's SYN carries
 * the client's option, so it needs CLI_WS and SRV_WS.
 *
 * conn_shift_own(): shift the sender of dir applies to the windows it sends.
 * conn_shift_view(): shift the receiver of dir applies to the (translated)
 * window fields it gets.
 */
/* ws when both flags f are set, else 0; branch-free (a mask, not a jump). */
static inline uint8_t
conn_ws_if(const struct sw_conn *c, uint32_t f, uint8_t ws)
{
	return ws & (uint8_t) - (uint8_t)conn_has(c, f);
}

static inline uint8_t
conn_shift_own(const struct sw_conn *c, enum sw_conn_dir dir)
{
	if (dir == SW_DIR_C2S)
		return conn_ws_if(c, SW_CONN_F_CLI_WS | SW_CONN_F_ADV_WS, c->ws_cli);
	return conn_ws_if(c, SW_CONN_F_CLI_WS | SW_CONN_F_SRV_WS, c->ws_srv);
}

static inline uint8_t
conn_shift_view(const struct sw_conn *c, enum sw_conn_dir dir)
{
	if (dir == SW_DIR_C2S)
		return conn_ws_if(c, SW_CONN_F_CLI_WS | SW_CONN_F_SRV_WS, c->ws_cli);
	return conn_ws_if(c, SW_CONN_F_CLI_WS | SW_CONN_F_ADV_WS, c->ws_adv);
}

/*
 * Window field w scaled by `from` re-expressed with shift `to`:
 * min(0xffff, (w << from) >> to). A nonzero window stays nonzero: rounding
 * it to 0 would leave the sender probing a window that, as far as the
 * receiver knows, is open, so it would never send the update that ends the
 * stall.
 */
static inline uint16_t
conn_rescale(uint16_t w, uint8_t from, uint8_t to)
{
	uint32_t v;

	if (from == to || w == 0)
		return w;
	v = ((uint32_t)w << from) >> to; /* from <= 14: w << from < 2^30 */
	if (v == 0)
		return 1;
	return v > 0xffff ? 0xffff : (uint16_t)v;
}

/* The window field w of direction dir as its receiver will get it from sw_conn_xlate(). */
static inline uint16_t
conn_win_xlate(const struct sw_conn *c, enum sw_conn_dir dir, uint16_t w)
{
	return conn_rescale(w, conn_shift_own(c, dir), conn_shift_view(c, dir));
}

/* Timestamps are translated only when in effect on both legs (RFC 7323 section 3.2). */
static inline bool
conn_ts_on(const struct sw_conn *c)
{
	return conn_has(c, SW_CONN_F_CLI_TS | SW_CONN_F_ADV_TS | SW_CONN_F_SRV_TS);
}

/* Bytes a window field w opens: the sender's meaning (shift own) or the receiver's, larger. */
static inline uint32_t
conn_win_bytes(uint16_t w, uint8_t own, uint8_t view)
{
	uint32_t o = (uint32_t)w << own;
	uint32_t s = (uint32_t)conn_rescale(w, own, view) << view;

	return o > s ? o : s;
}

static inline uint32_t
conn_fin_flag(enum sw_conn_dir d)
{
	return SW_CONN_F_FIN_C2S << d; /* SW_CONN_F_FIN_S2C for SW_DIR_S2C */
}

/*
 * The derived bits of c (CONN_F_RELAY and the rest) from its option bits
 * and shifts. Window scaling in effect on both legs comes first: the
 * client's shift is then both sides' of the backend leg (no C2S rescale).
 */
static inline uint32_t
conn_relay_mode(const struct sw_conn *c)
{
	uint32_t m = CONN_F_RELAY | (conn_ts_on(c) ? CONN_F_TSX : 0);
	uint8_t own_c, own_s;

	if (conn_has(c, SW_CONN_F_CLI_WS | SW_CONN_F_ADV_WS | SW_CONN_F_SRV_WS))
		return m | (uint32_t)c->ws_cli << (CONN_OWN_POS + 4 * SW_DIR_C2S) |
			(uint32_t)c->ws_srv << (CONN_OWN_POS + 4 * SW_DIR_S2C) |
			(c->ws_srv != c->ws_adv ? CONN_F_RESCALE_S2C : 0);
	own_c = conn_shift_own(c, SW_DIR_C2S);
	own_s = conn_shift_own(c, SW_DIR_S2C);
	return m | (uint32_t)own_c << (CONN_OWN_POS + 4 * SW_DIR_C2S) |
		(uint32_t)own_s << (CONN_OWN_POS + 4 * SW_DIR_S2C) |
		(own_c != conn_shift_view(c, SW_DIR_C2S) ? CONN_F_RESCALE_C2S : 0) |
		(own_s != conn_shift_view(c, SW_DIR_S2C) ? CONN_F_RESCALE_S2C : 0);
}

/*
 * sw_conn_track() of an acceptable-looking segment on an ESTABLISHED flow
 * ((c->flags & CONN_EST_MASK) == CONN_EST): ACK set, no SYN, no RST, payload
 * at most CONN_SEG_MAX, dir valid; fin says whether FIN is set. The general
 * tracker reduces to this when no FIN has been seen either way: same checks,
 * same updates, in the same order (tests compare it with
 * sw_conn_track_slow()).
 */
static inline enum sw_conn_verdict
conn_track_est(struct sw_conn *c, enum sw_conn_dir dir, bool fin, uint32_t seq, uint32_t ack,
	uint32_t payload_len, uint16_t win)
{
	struct sw_conn_half *hd = &c->half[dir];
	const struct sw_conn_half *ho = &c->half[dir ^ 1];
	uint32_t ack_s = dir == SW_DIR_C2S ? ack + c->seq_delta : ack;
	uint32_t end = seq + payload_len + (fin ? 1 : 0);
	uint32_t edge;

	/* RFC 9293 section 3.10.7.4 / RFC 5961 section 5: see sw_conn_track_slow(). */
	if (sw_seq_lt(ho->end, ack_s) || sw_seq_lt(ack_s, hd->ack - CONN_WIN_MAX) ||
		sw_seq_lt(ho->maxend + 1, end))
		return SW_CONN_V_DROP_INVALID;
	if (fin && sw_seq_lt(end, hd->end))
		return SW_CONN_V_DROP_INVALID; /* a FIN before bytes already seen */
	if (sw_seq_leq(hd->ack, ack_s)) {
		hd->ack = ack_s;
		edge = ack_s + conn_win_bytes(win, conn_shift_own(c, dir), conn_shift_view(c, dir));
		if (sw_seq_lt(hd->maxend, edge))
			hd->maxend = edge;
	}
	if (sw_seq_lt(hd->end, end))
		hd->end = end;
	if (fin)
		c->flags |= conn_fin_flag(dir); /* the other side has no FIN: no SIMUL */
	return SW_CONN_V_FWD;
}

/*
 * The options of tcph (tcph_len bytes) in one of the two layouts relayed
 * segments nearly always have: none (0) or exactly NOP NOP TS (1, TSval at
 * tcph + CONN_OFF_TSVAL). -1 for anything else, including a data offset
 * that disagrees with tcph_len: leave those to the general parser.
 */
static inline int
conn_fixed_opts(const uint8_t *tcph, uint16_t tcph_len)
{
	uint32_t w;

	if (tcph_len == SW_TCP_HDR_MIN)
		return tcph[SW_TCP_OFF_DOFF] >> 4 == SW_TCP_HDR_MIN / 4 ? 0 : -1;
	if (tcph_len != CONN_TS_HDR_LEN || tcph[SW_TCP_OFF_DOFF] >> 4 != CONN_TS_HDR_LEN / 4)
		return -1;
	memcpy(&w, tcph + SW_TCP_HDR_MIN, sizeof(w));
	return w == rte_cpu_to_be_32(SW_TCPOPT_NOP_NOP_TS) ? 1 : -1;
}

/*
 * Store v (host order) at p, an even offset of the TCP header, and return
 * its RFC 1624 eqn. 3 terms ~m + m' as one 32-bit pair of 16-bit words.
 */
static inline uint64_t
conn_put32(uint8_t *p, uint32_t v)
{
	uint32_t o, n = rte_cpu_to_be_32(v);

	memcpy(&o, p, sizeof(o));
	memcpy(p, &n, sizeof(n));
	return (uint64_t)(uint32_t)~o + n;
}

/*
 * sw_conn_xlate() of a header whose options are none or NOP NOP TS (has_ts,
 * conn_fixed_opts()), dir valid; fl: its flags (only ACK is looked at); w:
 * its window field, nw: the field to store (w for a SYN). Rewrites the same fields as the general path and adds
 * the same RFC 1624 terms ~m + m' (a TS option's unchanged half too, as
 * sw_tcpopt_set_ts() does) to ~HC, folding once: ones' complement addition
 * is associative, and the folded sum is 0 only when every term is, so the
 * checksum comes out bit for bit as the field-by-field updates leave it.
 */
static inline void
conn_xlate_fixed(const struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint8_t fl,
	bool has_ts, uint16_t w, uint16_t nw)
{
	bool delta = c->flags & SW_CONN_F_DELTA;
	bool ts = has_ts && conn_ts_on(c);
	rte_be16_t ck;
	uint64_t sum;

	memcpy(&ck, tcph + SW_TCP_OFF_CSUM, sizeof(ck));
	sum = (uint16_t)~ck;
	if (dir == SW_DIR_S2C) {
		/* Server stream: backend space -> the client's view; TSval to the proxy's clock. */
		if (delta)
			sum += conn_put32(tcph + SW_TCP_OFF_SEQ,
				sw_rd32(tcph + SW_TCP_OFF_SEQ) - c->seq_delta);
		if (ts)
			sum += conn_put32(tcph + CONN_OFF_TSVAL,
				       sw_rd32(tcph + CONN_OFF_TSVAL) - c->ts_delta) +
				0xffffffffu; /* TSecr rewritten unchanged: ~m + m */
	} else if (fl & SW_TCP_ACK) {
		/* ACK and TSecr are meaningful only with ACK set (RFC 9293 3.1, RFC 7323 3.2). */
		if (delta)
			sum += conn_put32(tcph + SW_TCP_OFF_ACK,
				sw_rd32(tcph + SW_TCP_OFF_ACK) + c->seq_delta);
		if (ts)
			sum += conn_put32(tcph + CONN_OFF_TSECR,
				       sw_rd32(tcph + CONN_OFF_TSECR) + c->ts_delta) +
				0xffffffffu; /* TSval rewritten unchanged */
	}
	if (nw != w) {
		rte_be16_t o, n = rte_cpu_to_be_16(nw);

		memcpy(&o, tcph + SW_TCP_OFF_WIN, sizeof(o));
		memcpy(tcph + SW_TCP_OFF_WIN, &n, sizeof(n));
		sum += (uint16_t)~o + (uint32_t)n;
	}
	ck = (rte_be16_t)~sw_csum_fold64_16(sum); /* RFC 1071 end-around carry */
	memcpy(tcph + SW_TCP_OFF_CSUM, &ck, sizeof(ck));
}

#endif /* SW_CONN_INTERNAL_H */
