/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum primitives (RFC 1071) for code that builds sums itself:
 * 64-bit ones' complement accumulation with end-around carry, folding, and
 * unaligned native-order loads/stores. lib/pkt's checksums are built on
 * them; the SYN-ACK fast path (lib/dataplane/proxy_syn.c) sums the fields it
 * writes with them.
 */
#ifndef SW_CSUM64_H
#define SW_CSUM64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/* Unaligned native-order loads and stores; memcpy compiles to one mov on x86 and arm64. */
static inline uint64_t
sw_ld64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint32_t
sw_ld32(const uint8_t *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint16_t
sw_ld16(const uint8_t *p)
{
	uint16_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline void
sw_st64(uint8_t *p, uint64_t x)
{
	memcpy(p, &x, sizeof(x));
}

static inline void
sw_st32(uint8_t *p, uint32_t x)
{
	memcpy(p, &x, sizeof(x));
}

static inline void
sw_st16(uint8_t *p, uint16_t x)
{
	memcpy(p, &x, sizeof(x));
}

/* 64-bit ones' complement add: the carry out of bit 63 comes back in at bit 0 (add, adc). */
static inline uint64_t
sw_csum_add64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/*
 * 64 -> 32 bits with end-around carry: the high half of s + rol(s, 32) is
 * hi + lo plus the carry out of the low half, which is exactly the carry
 * that must come back in. Zero only for s == 0, like repeated folding.
 */
static inline uint32_t
sw_csum_fold64(uint64_t s)
{
	return (uint32_t)((s + ((s << 32) | (s >> 32))) >> 32);
}

/* 32 -> 16 bits, the same way (not inverted). Zero only for s == 0. */
static inline uint16_t
sw_csum_fold32(uint32_t s)
{
	return (uint16_t)((s + ((s << 16) | (s >> 16))) >> 16);
}

/* 64 -> 16 bits, not inverted; zero only for s == 0 (as sw_csum_fold). */
static inline uint16_t
sw_csum_fold64_16(uint64_t s)
{
	return sw_csum_fold32(sw_csum_fold64(s));
}

/*
 * sw_csum_fold64_16(s) == 0xffff (a sum that verifies) in one multiply.
 * Folding keeps s modulo 0xffff (2^16 = 1) and gives 0 only for s == 0, so
 * the test is s != 0 && s % 0xffff == 0, for s any value congruent to the
 * sum modulo 0xffff and zero exactly when the sum is. 0xffff is odd: times
 * its inverse modulo 2^64, multiples of it map to their quotient, at most
 * (2^64 - 1) / 0xffff, and every other value maps above; minus 1 moves
 * s == 0 to the top as well.
 */
static inline bool
sw_csum_verifies64(uint64_t s)
{
	return s * 0xfffefffefffeffffULL - 1 < 0x1000100010001ULL;
}

/*
 * Add len bytes at p (even stream position) to acc as native-order 64-bit
 * words with end-around carry. Since 2^16 = 1 modulo 0xffff, folding the sum
 * gives the 16-bit ones' complement sum (RFC 1071 section 2(C), "parallel
 * summation"). Byte order does not matter as long as p[0] lands in the same
 * half of a 16-bit word as a native load puts it, which the trailing odd byte
 * below takes care of.
 */
static inline __attribute__((always_inline)) uint64_t
sw_csum_sum_bytes(const uint8_t *p, size_t len, uint64_t acc)
{
	while (len >= 32) {
		acc = sw_csum_add64(acc, sw_ld64(p));
		acc = sw_csum_add64(acc, sw_ld64(p + 8));
		acc = sw_csum_add64(acc, sw_ld64(p + 16));
		acc = sw_csum_add64(acc, sw_ld64(p + 24));
		p += 32;
		len -= 32;
	}
	if (len & 16) {
		acc = sw_csum_add64(acc, sw_ld64(p));
		acc = sw_csum_add64(acc, sw_ld64(p + 8));
		p += 16;
	}
	if (len & 8) {
		acc = sw_csum_add64(acc, sw_ld64(p));
		p += 8;
	}
	if (len & 4) {
		acc = sw_csum_add64(acc, sw_ld32(p));
		p += 4;
	}
	if (len & 2) {
		acc = sw_csum_add64(acc, sw_ld16(p));
		p += 2;
	}
	if (len & 1) {
		/* Odd length: the last byte is the high-order byte of a zero-padded word. */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
		acc = sw_csum_add64(acc, p[0]);
#else
		acc = sw_csum_add64(acc, (uint64_t)p[0] << 8);
#endif
	}
	return acc;
}

#endif /* SW_CSUM64_H */
