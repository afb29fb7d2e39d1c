/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/pkt internals shared with its unit tests: the general parser behind sw_pkt_parse(). */
#ifndef PKT_INTERNAL_H
#define PKT_INTERNAL_H

#include <stdint.h>

#include "sw_pkt.h"

/*
 * sw_pkt_parse() without its IPv4/TCP fast path: every frame goes through
 * the general code. Same contract and results as sw_pkt_parse(); the unit
 * tests compare the two.
 */
enum sw_pkt_verdict pkt_parse_general(const uint8_t *frame, uint32_t len, struct sw_pkt_view *v);

#endif /* PKT_INTERNAL_H */
