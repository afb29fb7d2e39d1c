/* SPDX-License-Identifier: BSD-3-Clause */
/* Generic SipHash-2-4 over a byte string, for key derivation and tests. */
#include <stddef.h>
#include <stdint.h>

#include "sw_cookie.h"
#include "cookie_internal.h"

uint64_t
sw_cookie_siphash24(const uint8_t key[SW_COOKIE_KEY_LEN], const void *msg, size_t len)
{
	const uint8_t *p = msg;
	size_t n_full = len & ~(size_t)7;
	struct sip_state s;
	uint64_t last;
	size_t i;

	sip_init(&s, sip_load_le64(key), sip_load_le64(key + 8));
	for (i = 0; i < n_full; i += 8)
		sip_compress(&s, sip_load_le64(p + i));

	/* Final word: the 0..7 trailing bytes, little-endian, and len mod 256 in the top byte. */
	last = (uint64_t)len << 56;
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[n_full + i] << (8 * i);
	return sip_finish(&s, last);
}
