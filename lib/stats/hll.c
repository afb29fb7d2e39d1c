/* SPDX-License-Identifier: BSD-3-Clause */
/* HyperLogLog sketch: merge, clear, Ertl's improved estimate, the XXH64 hash (add: sw_hll.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sw_hll.h"

/* Registers are read by other threads: relaxed atomic byte accesses, plain movs on x86/arm64. */
static inline uint8_t
reg_load(const uint8_t *r)
{
	return __atomic_load_n(r, __ATOMIC_RELAXED);
}

static inline void
reg_store(uint8_t *r, uint8_t v)
{
	__atomic_store_n(r, v, __ATOMIC_RELAXED);
}

size_t
sw_hll_memsize(unsigned p)
{
	if (p < SW_HLL_P_MIN || p > SW_HLL_P_MAX)
		return 0;
	return sizeof(struct sw_hll) + ((size_t)1 << p);
}

int
sw_hll_init(void *mem, unsigned p)
{
	struct sw_hll *h = mem;

	if (h == NULL || p < SW_HLL_P_MIN || p > SW_HLL_P_MAX)
		return -EINVAL;
	h->p = (uint8_t)p;
	h->q = (uint8_t)(64 - p);
	h->is_dirty = 0;
	h->pad = 0;
	h->m = 1u << p;
	memset(h->reg, 0, h->m);
	return 0;
}

int
sw_hll_merge(struct sw_hll *dst, const struct sw_hll *src)
{
	if (dst->p != src->p)
		return -EINVAL;
	for (uint32_t i = 0; i < dst->m; i++) {
		const uint8_t s = reg_load(&src->reg[i]);

		if (s > reg_load(&dst->reg[i])) {
			reg_store(&dst->reg[i], s);
			dst->is_dirty = 1;
		}
	}
	return 0;
}

void
sw_hll_clear(struct sw_hll *h)
{
	/* Every register is still 0: nothing to do (the per-second rollover of idle services). */
	if (!h->is_dirty)
		return;
	for (uint32_t i = 0; i < h->m; i++)
		reg_store(&h->reg[i], 0);
	h->is_dirty = 0;
}

double
sw_hll_std_error(unsigned p)
{
	if (p < SW_HLL_P_MIN || p > SW_HLL_P_MAX)
		return 0;
	return 1.04 / sqrt((double)(1u << p));
}

/* Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the registers still at 0. */
static double
ertl_sigma(double x)
{
	double y = 1, z = x, z_prev;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		z_prev = z;
		z += x * y;
		y += y;
	} while (z != z_prev);
	return z;
}

/* Ertl's tau(x), for the registers at the maximum rank q + 1. */
static double
ertl_tau(double x)
{
	double y = 1, z, z_prev;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		z_prev = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != z_prev);
	return z / 3;
}

double
sw_hll_estimate(const struct sw_hll *h)
{
	uint32_t hist[64 - SW_HLL_P_MIN + 2] = {0}; /* registers per rank 0..q+1 */
	const double m = h->m;
	const unsigned q = h->q;
	double z;

	for (uint32_t i = 0; i < h->m; i++) {
		uint8_t r = reg_load(&h->reg[i]);

		/* Only a corrupted sketch has more; clamp rather than index out of range. */
		hist[r <= q + 1 ? r : q + 1]++;
	}
	if (hist[0] == h->m)
		return 0;

	z = m * ertl_tau(1 - hist[q + 1] / m);
	for (unsigned k = q; k >= 1; k--)
		z = 0.5 * (z + hist[k]);
	z += m * ertl_sigma(hist[0] / m);
	/* alpha_inf = 1 / (2 ln 2) */
	return m * m / (2 * M_LN2 * z);
}

/* XXH64 (public domain algorithm by Yann Collet), specification v0.8. */
#define XXH_P1 SW_HLL_XXH_P1
#define XXH_P2 SW_HLL_XXH_P2
#define XXH_P3 SW_HLL_XXH_P3
#define XXH_P4 SW_HLL_XXH_P4
#define XXH_P5 SW_HLL_XXH_P5

static inline uint64_t
rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
read64_le(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint32_t
read32_le(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t
xxh_round(uint64_t acc, uint64_t input)
{
	acc += input * XXH_P2;
	acc = rotl64(acc, 31);
	return acc * XXH_P1;
}

static inline uint64_t
xxh_merge_round(uint64_t acc, uint64_t val)
{
	acc ^= xxh_round(0, val);
	return acc * XXH_P1 + XXH_P4;
}

uint64_t
sw_hll_hash_bytes(const uint8_t *addr, unsigned len, uint64_t seed)
{
	const uint8_t *p = addr;
	const uint8_t *const end = addr + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = seed + XXH_P1 + XXH_P2;
		uint64_t v2 = seed + XXH_P2;
		uint64_t v3 = seed;
		uint64_t v4 = seed - XXH_P1;

		do {
			v1 = xxh_round(v1, read64_le(p));
			v2 = xxh_round(v2, read64_le(p + 8));
			v3 = xxh_round(v3, read64_le(p + 16));
			v4 = xxh_round(v4, read64_le(p + 24));
			p += 32;
		} while (end - p >= 32);
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xxh_merge_round(h, v1);
		h = xxh_merge_round(h, v2);
		h = xxh_merge_round(h, v3);
		h = xxh_merge_round(h, v4);
	} else {
		h = seed + XXH_P5;
	}
	h += len;

	for (; end - p >= 8; p += 8) {
		h ^= xxh_round(0, read64_le(p));
		h = rotl64(h, 27) * XXH_P1 + XXH_P4;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)read32_le(p) * XXH_P1;
		h = rotl64(h, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= *p * XXH_P5;
		h = rotl64(h, 11) * XXH_P1;
	}

	return sw_hll_xxh_avalanche(h);
}
