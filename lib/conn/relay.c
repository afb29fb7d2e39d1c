/* SPDX-License-Identifier: BSD-3-Clause */
/* The spliced relay's fast path: track and translate an ESTABLISHED ACK/data/FIN segment at once. */
#include <errno.h>

#include "sw_pkt.h"

#include "sw_conn.h"
#include "conn_internal.h"

/*
 * One case of sw_conn_relay(), dir and has_ts constants (the caller checked
 * everything else): no per-direction or per-layout branches left.
 */
static inline __attribute__((always_inline)) enum sw_conn_verdict
relay_one(struct sw_conn *c, enum sw_conn_dir dir, bool has_ts, bool fin, uint8_t *tcph,
	uint32_t payload_len)
{
	uint32_t seq = sw_rd32(tcph + SW_TCP_OFF_SEQ);
	uint32_t ack = sw_rd32(tcph + SW_TCP_OFF_ACK);
	uint16_t w = sw_rd16(tcph + SW_TCP_OFF_WIN);
	enum sw_conn_verdict v;

	/*
	 * sw_conn_xlate() runs first in the general path, but neither step
	 * reads what the other writes here: the tracker changes half[] and
	 * at most this side's FIN flag, the translation only the header.
	 * Tracking first lets the compiler keep c's fields in registers across
	 * the header stores.
	 */
	v = conn_track_est(c, dir, fin, seq, ack, payload_len, w);
	/* fl: ACK set, no SYN (all the translation looks at). */
	conn_xlate_fixed(c, dir, tcph, SW_TCP_ACK, has_ts, w, conn_win_xlate(c, dir, w));
	return v;
}

int
sw_conn_relay(struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint16_t tcph_len,
	uint32_t payload_len)
{
	uint8_t fl = tcph[SW_TCP_OFF_FLAGS];
	int has_ts;

	if ((c->flags & CONN_EST_MASK) != CONN_EST ||
		(fl & (SW_TCP_SYN | SW_TCP_RST | SW_TCP_ACK)) != SW_TCP_ACK ||
		payload_len > CONN_SEG_MAX || (unsigned int)dir > SW_DIR_S2C)
		return -EAGAIN;
	has_ts = conn_fixed_opts(tcph, tcph_len);
	if (has_ts < 0)
		return -EAGAIN;
	if (fl & SW_TCP_FIN) /* once per direction: one general copy */
		return relay_one(c, dir, has_ts, true, tcph, payload_len);
	if (has_ts)
		return dir == SW_DIR_C2S ? relay_one(c, SW_DIR_C2S, true, false, tcph, payload_len)
					 : relay_one(c, SW_DIR_S2C, true, false, tcph, payload_len);
	return dir == SW_DIR_C2S ? relay_one(c, SW_DIR_C2S, false, false, tcph, payload_len)
				 : relay_one(c, SW_DIR_S2C, false, false, tcph, payload_len);
}
