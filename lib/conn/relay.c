/* SPDX-License-Identifier: BSD-3-Clause */
/* The spliced relay's fast path: track and translate an ESTABLISHED ACK/data/FIN segment at once. */
#include <errno.h>

#include "sw_pkt.h"

#include "sw_conn.h"
#include "conn_internal.h"

/*
 * What c->flags must show for the relay: ESTABLISHED (CONN_EST), the
 * translation delta valid (always with F_SPLICED, checked here for free)
 * and the derived mode set (conn_relay_mode()).
 */
#define RELAY_F_MASK (CONN_EST_MASK | SW_CONN_F_DELTA | CONN_F_RELAY | SW_CONN_F_ECN_STRIP)
#define RELAY_F_WANT (CONN_EST | SW_CONN_F_DELTA | CONN_F_RELAY)

/*
 * The data offset nibble and SYN|RST|ACK|FIN of bytes 12..13 of the
 * header, loaded as one native 16-bit word: the layout and flag checks in
 * one compare. RELAY_HW(doff, flags) is what such a word reads.
 */
#define RELAY_HW_MASK RTE_BE16(0xf000 | SW_TCP_SYN | SW_TCP_RST | SW_TCP_ACK | SW_TCP_FIN)
#define RELAY_HW(doff, fl) RTE_BE16((uint16_t)((doff) / 4) << 12 | (fl))

/*
 * sw_conn_xlate() then sw_conn_track() of one segment (the caller checked
 * the flow, flags and layout), dir, ts, fin and rescale constants where the
 * caller can make them so. ts: the layout is NOP NOP TS and CONN_F_TSX is
 * set. rescale false: the caller knows conn_f_rescale(dir) is clear.
 *
 * The tracker is conn_track_est() with the shifts from the derived mode;
 * the translation conn_xlate_fixed() without the flags it cannot see here
 * (F_DELTA, ACK set, no SYN) and without reloading what the tracker read:
 * the C2S ACK field becomes exactly ack_s, the S2C sequence number seq -
 * seq_delta. Neither step reads what the other writes (the tracker changes
 * half[] and at most this side's FIN flag, the translation only the
 * header), so their order does not matter.
 *
 * The checksum update sums host-order values, the network words as RFC
 * 1624 writes them, so the fields already loaded and swapped for the
 * tracker serve the sum too; conn_xlate_fixed() sums memory-order words
 * instead. Ones' complement addition commutes with swapping the bytes of
 * every word (RFC 1071 section 2(B)), both zeros included (0 stays 0,
 * 0xffff stays 0xffff), so the result is bit for bit the same. The terms
 * are those of conn_xlate_fixed(), the TS option's unchanged half too, with
 * one fold.
 */
static inline __attribute__((always_inline)) int
relay_one(struct sw_conn *c, uint32_t f, enum sw_conn_dir dir, bool ts, bool fin, bool rescale,
	uint8_t *tcph, uint32_t payload_len)
{
	struct sw_conn_half *hd = &c->half[dir];
	const struct sw_conn_half *ho = &c->half[dir ^ 1];
	uint32_t seq = sw_rd32(tcph + SW_TCP_OFF_SEQ);
	uint32_t ack = sw_rd32(tcph + SW_TCP_OFF_ACK);
	uint16_t w = sw_rd16(tcph + SW_TCP_OFF_WIN);
	uint32_t ack_s = dir == SW_DIR_C2S ? ack + c->seq_delta : ack; /* backend space */
	uint32_t end = seq + payload_len + (fin ? 1 : 0);
	uint32_t bytes = (uint32_t)w << conn_relay_own(f, dir), o, n;
	int v = SW_CONN_V_DROP_INVALID;
	uint64_t sum;

	if (rescale && (f & conn_f_rescale(dir))) {
		/*
		 * The shifts differ: conn_win_bytes() and conn_win_xlate() as the
		 * general path has them, and the window stored with its own
		 * checksum update now. Folding in between changes nothing: a
		 * folded sum is congruent to the unfolded one modulo 0xffff and
		 * zero only when it is, so the final fold below sees the same.
		 */
		uint8_t own = conn_shift_own(c, dir), view = conn_shift_view(c, dir);
		uint16_t nw = conn_rescale(w, own, view);

		bytes = conn_win_bytes(w, own, view);
		if (nw != w) {
			sum = 0xffffu - sw_rd16(tcph + SW_TCP_OFF_CSUM) + 0xffffu - w + nw;
			sw_wr16(tcph + SW_TCP_OFF_WIN, nw);
			sw_wr16(tcph + SW_TCP_OFF_CSUM, (uint16_t)~sw_csum_fold64_16(sum));
		}
	}

	/* conn_track_est(): the same checks and updates in the same order. */
	if (!sw_seq_lt(ho->end, ack_s) && !sw_seq_lt(ack_s, hd->ack - CONN_WIN_MAX) &&
		!sw_seq_lt(ho->maxend + 1, end) && !(fin && sw_seq_lt(end, hd->end))) {
		if (sw_seq_leq(hd->ack, ack_s)) {
			hd->ack = ack_s;
			if (sw_seq_lt(hd->maxend, ack_s + bytes))
				hd->maxend = ack_s + bytes;
		}
		if (sw_seq_lt(hd->end, end))
			hd->end = end;
		if (fin)
			c->flags = f | conn_fin_flag(dir); /* the other side has no FIN: no SIMUL */
		v = SW_CONN_V_FWD;
	}

	/*
	 * conn_xlate_fixed(), in host order (see above). RFC 1624 eqn. 3, ~HC
	 * + ~m + m' per changed word, with ~x written 0xffff - x (0xffffffff -
	 * x for a pair of words) so the constants add up to one at compile
	 * time; the integer sum is the same. Here ~HC and the constants of the
	 * pairs changed below: seq (S2C) or ack (C2S), and with ts TSval or
	 * TSecr and the other half, rewritten unchanged (~m + m, as
	 * sw_tcpopt_set_ts() does).
	 */
	sum = 0xffffu + (ts ? 3 * 0xffffffffull : 0xffffffffull) - sw_rd16(tcph + SW_TCP_OFF_CSUM);
	if (dir == SW_DIR_S2C) {
		/* Server stream: backend space -> the client's view; TSval to the proxy's clock. */
		n = seq - c->seq_delta;
		sw_wr32(tcph + SW_TCP_OFF_SEQ, n);
		sum = sum - seq + n;
		if (ts) {
			o = sw_rd32(tcph + CONN_OFF_TSVAL);
			n = o - c->ts_delta;
			sw_wr32(tcph + CONN_OFF_TSVAL, n);
			sum = sum - o + n;
		}
	} else {
		sw_wr32(tcph + SW_TCP_OFF_ACK, ack_s);
		sum = sum - ack + ack_s;
		if (ts) {
			o = sw_rd32(tcph + CONN_OFF_TSECR);
			n = o + c->ts_delta;
			sw_wr32(tcph + CONN_OFF_TSECR, n);
			sum = sum - o + n;
		}
	}
	sw_wr16(tcph + SW_TCP_OFF_CSUM, (uint16_t)~sw_csum_fold64_16(sum));
	return v;
}

/* No clone with the unused arguments dropped: the tail calls pass them on as they are. */
#if defined(__clang__)
#define RELAY_NOCLONE __attribute__((noinline))
#else
#define RELAY_NOCLONE __attribute__((noinline, noclone))
#endif

/*
 * One function per common case: a data segment or ACK of either direction
 * with or without timestamps, windows not rescaled. Each takes
 * sw_conn_relay()'s arguments, which its tail call passes on untouched
 * (dir and tcph_len are known here), and gets registers of its own: the
 * rarer cases, in relay_other(), would cost them callee-saved spills.
 */
#define RELAY_CASE(name, dir, ts) \
	static RELAY_NOCLONE int name(struct sw_conn *c, enum sw_conn_dir d, uint8_t *tcph, \
		uint16_t tcph_len, uint32_t payload_len) \
	{ \
		(void)d; \
		(void)tcph_len; \
		return relay_one(c, c->flags, dir, ts, false, false, tcph, payload_len); \
	}

RELAY_CASE(relay_c2s_ts, SW_DIR_C2S, true)
RELAY_CASE(relay_s2c_ts, SW_DIR_S2C, true)
RELAY_CASE(relay_c2s, SW_DIR_C2S, false)
RELAY_CASE(relay_s2c, SW_DIR_S2C, false)

/*
 * Everything else sw_conn_relay() takes, either layout (the caller checked
 * it and dir): the first FIN of a direction (once per flow and side), and
 * flows whose windows are rescaled (shifts differing between the legs).
 */
#define RELAY_OTHER(name, fin) \
	static RELAY_NOCLONE int name(struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, \
		uint16_t tcph_len, uint32_t payload_len) \
	{ \
		uint32_t f = c->flags; \
\
		if (tcph_len == CONN_TS_HDR_LEN && (f & CONN_F_TSX)) \
			return dir == SW_DIR_C2S \
				? relay_one(c, f, SW_DIR_C2S, true, fin, true, tcph, payload_len) \
				: relay_one(c, f, SW_DIR_S2C, true, fin, true, tcph, payload_len); \
		return dir == SW_DIR_C2S \
			? relay_one(c, f, SW_DIR_C2S, false, fin, true, tcph, payload_len) \
			: relay_one(c, f, SW_DIR_S2C, false, fin, true, tcph, payload_len); \
	}

RELAY_OTHER(relay_fin, true)
RELAY_OTHER(relay_rescale, false)

int
sw_conn_relay(struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint16_t tcph_len,
	uint32_t payload_len)
{
	uint32_t f = c->flags;
	uint16_t hw = sw_ld16(tcph + SW_TCP_OFF_DOFF) & RELAY_HW_MASK;
	bool ts;

	if ((f & RELAY_F_MASK) != RELAY_F_WANT || payload_len > CONN_SEG_MAX)
		return -EAGAIN;
	/*
	 * conn_fixed_opts() and the flags, in the order of how common they
	 * are. With timestamps not in effect on both legs the option goes as
	 * it is.
	 */
	if (tcph_len == CONN_TS_HDR_LEN &&
		sw_ld32(tcph + SW_TCP_HDR_MIN) == RTE_BE32(SW_TCPOPT_NOP_NOP_TS)) {
		if (likely(hw == RELAY_HW(CONN_TS_HDR_LEN, SW_TCP_ACK)))
			ts = f & CONN_F_TSX;
		else if (hw == RELAY_HW(CONN_TS_HDR_LEN, SW_TCP_ACK | SW_TCP_FIN))
			goto fin;
		else
			return -EAGAIN;
	} else if (tcph_len == SW_TCP_HDR_MIN) {
		if (likely(hw == RELAY_HW(SW_TCP_HDR_MIN, SW_TCP_ACK)))
			ts = false;
		else if (hw == RELAY_HW(SW_TCP_HDR_MIN, SW_TCP_ACK | SW_TCP_FIN))
			goto fin;
		else
			return -EAGAIN;
	} else {
		return -EAGAIN;
	}
	if (dir == SW_DIR_C2S) {
		if (unlikely(f & CONN_F_RESCALE_C2S))
			return relay_rescale(c, dir, tcph, tcph_len, payload_len);
		return ts ? relay_c2s_ts(c, dir, tcph, tcph_len, payload_len)
			  : relay_c2s(c, dir, tcph, tcph_len, payload_len);
	}
	if (dir == SW_DIR_S2C) {
		if (unlikely(f & CONN_F_RESCALE_S2C))
			return relay_rescale(c, dir, tcph, tcph_len, payload_len);
		return ts ? relay_s2c_ts(c, dir, tcph, tcph_len, payload_len)
			  : relay_s2c(c, dir, tcph, tcph_len, payload_len);
	}
	return -EAGAIN;
fin:
	if ((unsigned int)dir > SW_DIR_S2C)
		return -EAGAIN;
	return relay_fin(c, dir, tcph, tcph_len, payload_len);
}
