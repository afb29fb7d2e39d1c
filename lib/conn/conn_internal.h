/* SPDX-License-Identifier: BSD-3-Clause */
/* Private helpers shared by conn.c and xlate.c: negotiated window shifts and rescaling. */
#ifndef SW_CONN_INTERNAL_H
#define SW_CONN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "sw_conn.h"

/* Largest window shift (RFC 7323 section 2.3). */
#define CONN_WS_MAX 14

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
static inline uint8_t
conn_shift_own(const struct sw_conn *c, enum sw_conn_dir dir)
{
	if (dir == SW_DIR_C2S)
		return conn_has(c, SW_CONN_F_CLI_WS | SW_CONN_F_ADV_WS) ? c->ws_cli : 0;
	return conn_has(c, SW_CONN_F_CLI_WS | SW_CONN_F_SRV_WS) ? c->ws_srv : 0;
}

static inline uint8_t
conn_shift_view(const struct sw_conn *c, enum sw_conn_dir dir)
{
	if (dir == SW_DIR_C2S)
		return conn_has(c, SW_CONN_F_CLI_WS | SW_CONN_F_SRV_WS) ? c->ws_cli : 0;
	return conn_has(c, SW_CONN_F_CLI_WS | SW_CONN_F_ADV_WS) ? c->ws_adv : 0;
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

#endif /* SW_CONN_INTERNAL_H */
