/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/tcpopt internals shared with its unit tests: the general parser behind sw_tcpopt_parse(). */
#ifndef TCPOPT_INTERNAL_H
#define TCPOPT_INTERNAL_H

#include <stdint.h>

#include "sw_tcpopt.h"

/*
 * sw_tcpopt_parse() without its fast paths for the common layouts: the
 * general loop, for any layout. Same contract and results (it zeroes *out
 * too); the unit tests compare the two.
 */
int tcpopt_parse_general(const uint8_t *opt, uint16_t len, struct sw_tcpopt *out);

#endif /* TCPOPT_INTERNAL_H */
