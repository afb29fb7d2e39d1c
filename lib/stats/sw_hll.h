/* SPDX-License-Identifier: BSD-3-Clause */
/* HyperLogLog sketch: fixed-memory estimate of the number of distinct source addresses. */
#ifndef SW_HLL_H
#define SW_HLL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A sketch has m = 2^p one-byte registers. The relative standard error of
 * the estimate is 1.04 / sqrt(m):
 *
 *   p   registers  memory   std error
 *   4        16      ~24 B   26 %
 *  10      1024      ~1 KB   3.25 %   (default)
 *  12      4096      ~4 KB   1.63 %
 *  16     65536     ~64 KB   0.41 %
 *
 * Each 64-bit hash is split as
 *
 *   63          64-p 63-p                         0
 *  +---------------+-------------------------------+
 *  | register idx  |  w: q = 64-p bits             |
 *  +---------------+-------------------------------+
 *
 * and the register keeps max(rank), rank = leading zeros of w + 1 (1..q+1).
 * The estimate is Ertl's "improved" estimator (O. Ertl, "New cardinality
 * estimation algorithms for HyperLogLog sketches", 2017, algorithm 6): it
 * needs no empirical bias tables, is unbiased from 0 up to 2^64 and has no
 * switch-over jump between linear counting and the raw HLL estimate.
 *
 * Concurrency. A per-worker sketch is written by its worker only (dp: rw).
 * The control thread may read it while the worker adds (cp: ro) to merge or
 * estimate: registers are accessed with relaxed atomic byte loads/stores, so
 * a reader sees, per register, either the old or the new value; since
 * registers only grow within a window, a racy read is at worst one burst
 * behind. sw_hll_clear() is for the owner only (e.g. on a reset request flag
 * the worker acts on itself), or for a sketch no one else writes.
 */
#define SW_HLL_P_MIN 4
#define SW_HLL_P_MAX 16
#define SW_HLL_P_DEFAULT 10

/*
 * A sketch; lives in caller memory of sw_hll_memsize(p) bytes, set up by
 * sw_hll_init(). Read-only fields are set by init and never change.
 */
struct sw_hll {
	uint8_t p; /* precision, SW_HLL_P_MIN..SW_HLL_P_MAX (init: w, then ro) */
	uint8_t q; /* 64 - p: hash bits used for the rank (init: w, then ro) */
	/*
	 * Some register may be non-zero: set by add/merge when they raise one,
	 * cleared by init/clear, so that clearing a sketch nothing was added to
	 * since the last clear touches no register (owner: rw; not read by others).
	 */
	uint8_t is_dirty;
	uint8_t pad; /* zero */
	uint32_t m; /* number of registers, 2^p (init: w, then ro) */
	uint8_t reg[]; /* m rank registers, 0..q+1 (owner: rw; others: relaxed ro) */
};

/* Bytes needed for a sketch of precision p, or 0 when p is out of range. */
size_t sw_hll_memsize(unsigned p);

/*
 * Make mem (sw_hll_memsize(p) bytes, any content, alignment of a pointer) an
 * empty sketch of precision p; use it as (struct sw_hll *)mem afterwards.
 * Returns 0, or -EINVAL when mem is NULL or p is out of range.
 */
int sw_hll_init(void *mem, unsigned p);

/*
 * sw_hll_add_hash() for a sketch of precision p (h->p == p): with p a
 * constant, the shifts take immediates instead of reading p and q from the
 * sketch (the data path's sketches are all SW_HLL_P).
 */
static inline void
sw_hll_add_hash_p(struct sw_hll *h, uint64_t hash, unsigned p)
{
	const uint32_t idx = (uint32_t)(hash >> (64 - p));
	/*
	 * The q rank bits, left-aligned, with a 1 just below them (bit p - 1, in
	 * place of the p index bits shifted out): the leading zero count is that
	 * of the rank bits, or q when they are all zero, so rank is 1..q+1.
	 */
	const uint64_t w = (hash << 1 | 1) << (p - 1);
	const uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);

	/*
	 * Single writer: load + conditional store, no read-modify-write atomics
	 * needed; relaxed, as other threads read the registers (plain movs).
	 */
	if (rank > __atomic_load_n(&h->reg[idx], __ATOMIC_RELAXED)) {
		__atomic_store_n(&h->reg[idx], rank, __ATOMIC_RELAXED);
		h->is_dirty = 1;
	}
}

/*
 * Count one element by its 64-bit hash. Constant time, no allocation; inline,
 * as the data path adds one hash per SYN.
 */
static inline void
sw_hll_add_hash(struct sw_hll *h, uint64_t hash)
{
	sw_hll_add_hash_p(h, hash, h->p);
}

/*
 * dst = dst UNION src (register-wise max). src may be written concurrently by
 * its owner. Returns 0, or -EINVAL when the precisions differ.
 */
int sw_hll_merge(struct sw_hll *dst, const struct sw_hll *src);

/* Estimated number of distinct hashes added since init or the last clear. */
double sw_hll_estimate(const struct sw_hll *h);

/*
 * Empty the sketch (owner only, see above). Costs nothing when nothing was
 * added since init or the last clear; the registers must only be written
 * through this API.
 */
void sw_hll_clear(struct sw_hll *h);

/* Design relative standard error 1.04 / sqrt(2^p) (0 when p is out of range). */
double sw_hll_std_error(unsigned p);

/* XXH64's primes (public domain algorithm by Yann Collet, specification v0.8). */
#define SW_HLL_XXH_P1 0x9E3779B185EBCA87ULL
#define SW_HLL_XXH_P2 0xC2B2AE3D27D4EB4FULL
#define SW_HLL_XXH_P3 0x165667B19E3779F9ULL
#define SW_HLL_XXH_P4 0x85EBCA77C2B2AE63ULL
#define SW_HLL_XXH_P5 0x27D4EB2F165667C5ULL

/* XXH64's final avalanche. */
static inline uint64_t
sw_hll_xxh_avalanche(uint64_t h)
{
	h ^= h >> 33;
	h *= SW_HLL_XXH_P2;
	h ^= h >> 29;
	h *= SW_HLL_XXH_P3;
	h ^= h >> 32;
	return h;
}

/* sw_hll_hash_addr() for any length, out of line; use that one. */
uint64_t sw_hll_hash_bytes(const uint8_t *addr, unsigned len, uint64_t seed);

/*
 * Keyed 64-bit hash of a byte string (an IPv4 or IPv6 source address). This
 * is XXH64 (bit-exact with xxhsum -H1), good enough for HLL register spread
 * at a few ns per address. The seed must be random per process (not known to
 * senders): with a known seed, an attacker can pick addresses that land in
 * few registers, or in high ranks, and skew the estimate.
 *
 * The 4- and 16-byte cases (IPv4 and IPv6, one per SYN) are inline: XXH64
 * with the length constant-folded, without a call or the general code's
 * loops and register spills.
 */
static inline uint64_t
sw_hll_hash_addr(const uint8_t *addr, unsigned len, uint64_t seed)
{
	uint32_t x;
	uint64_t h;

	if (len == 16) {
		uint64_t k[2];

		memcpy(k, addr, sizeof(k));
		h = seed + SW_HLL_XXH_P5 + 16;
		for (unsigned i = 0; i < 2; i++) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			k[i] = __builtin_bswap64(k[i]);
#endif
			/* XXH64's round(0, k), then the 8-byte step. */
			k[i] *= SW_HLL_XXH_P2;
			h ^= (k[i] << 31 | k[i] >> 33) * SW_HLL_XXH_P1;
			h = (h << 27 | h >> 37) * SW_HLL_XXH_P1 + SW_HLL_XXH_P4;
		}
		return sw_hll_xxh_avalanche(h);
	}
	if (len != 4)
		return sw_hll_hash_bytes(addr, len, seed);
	memcpy(&x, addr, sizeof(x));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap32(x); /* XXH64 reads little-endian */
#endif
	h = seed + SW_HLL_XXH_P5 + 4;
	h ^= (uint64_t)x * SW_HLL_XXH_P1;
	h = (h << 23 | h >> 41) * SW_HLL_XXH_P2 + SW_HLL_XXH_P3;
	return sw_hll_xxh_avalanche(h);
}

#ifdef __cplusplus
}
#endif

#endif /* SW_HLL_H */
