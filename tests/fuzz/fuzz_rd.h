/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A reader over a fuzzer's input: big-endian integers, bytes past the end read
 * as zero, so that any input decodes.
 */
#ifndef SW_FUZZ_RD_H
#define SW_FUZZ_RD_H

#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
rd8(struct rd *r)
{
	uint8_t v = 0;

	if (r->n > 0) {
		v = *r->p++;
		r->n--;
	}
	return v;
}

static inline uint16_t
rd16(struct rd *r)
{
	uint16_t v = (uint16_t)(rd8(r) << 8);

	return (uint16_t)(v | rd8(r));
}

static inline uint32_t
rd32(struct rd *r)
{
	uint32_t v = (uint32_t)rd16(r) << 16;

	return v | rd16(r);
}

#endif /* SW_FUZZ_RD_H */
