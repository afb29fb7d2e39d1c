/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow table internals: index layout, keyed hash, bucket positions (for flowtab.c and tests). */
#ifndef FLOWTAB_INTERNAL_H
#define FLOWTAB_INTERNAL_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#ifdef __SSE4_1__
#include <smmintrin.h>
#endif

#include "sw_aes.h"
#include "sw_flowtab.h"

#define FT_BUCKET_SLOTS 10
#define FT_BUCKET_BYTES 64
#define FT_SLOTS_USED_MAX 9 /* per bucket on average when the table is full: 90% load */
#define FT_SLOT_MASK ((1u << FT_BUCKET_SLOTS) - 1)
#define FT_SIG_EMPTY 0
#define FT_OVFL_SATURATED UINT16_MAX
#define FT_ENTRY_NIL UINT32_MAX /* end of the free list */
#define FT_BULK_GROUP 32 /* keys hashed and prefetched together by lookup_bulk */

/* One index line. Owner: dp: rw; the control thread never reads the index. */
struct ft_bucket {
	uint16_t sig[FT_BUCKET_SLOTS]; /* hash bits 48..63 of the slot's key, never 0; 0 = empty */
	uint16_t ovfl; /* chain-placed keys whose chain passed this full bucket; saturating */
	uint16_t chained; /* slot bit set: a chain-placed key (not in its b1/b2), never moved */
	uint32_t idx[FT_BUCKET_SLOTS]; /* entry number in flows[], valid when sig != 0 */
} __rte_aligned(FT_BUCKET_BYTES);

static_assert(sizeof(struct ft_bucket) == FT_BUCKET_BYTES, "a bucket is one 64-byte line");
static_assert(RTE_CACHE_LINE_SIZE % FT_BUCKET_BYTES == 0, "buckets must not straddle lines");
static_assert(sizeof(struct sw_flow) % sizeof(uint32_t) == 0, "dump copies 32-bit words");

/* Keyed hash of a table, chosen at init (see "Hash" in flowtab.c). */
enum ft_hash_kind {
	FT_HASH_SIPHASH = 0, /* SipHash-1-3: any CPU */
	FT_HASH_AES, /* AES-128 (CBC-MAC for IPv6) with AES-NI: x86-64 CPUs that have it */
	FT_HASH_AUTO, /* init only: AES when the CPU has it, else SipHash */
};

/*
 * Table header, at the start of the caller's memory. Lines 0..3 are read-only
 * after init and read on every operation; what the owner writes starts on the
 * next line, so it and the control thread reading counters share no line with
 * the hot read-only part.
 */
struct sw_flowtab {
	/* Set by init, then read-only (dp: ro, cp: ro). */
	uint64_t k0; /* SipHash key, bytes 0..7 of hash_key, little endian */
	uint64_t k1; /* SipHash key, bytes 8..15 */
	struct ft_bucket *buckets; /* n_buckets lines right after this header */
	struct sw_flow *flows; /* capacity entries right after the buckets */
	uint32_t n_buckets; /* ceil(capacity / FT_SLOTS_USED_MAX) rounded up to even, or 1 */
	uint32_t capacity; /* entries in flows[] */
	uint8_t hash_kind; /* enum ft_hash_kind: FT_HASH_SIPHASH or FT_HASH_AES */
	/* AES-128 round keys expanded from hash_key (FT_HASH_AES only). */
	struct sw_aes128 aes;

	/* Owner state. */
	uint32_t hwm __rte_cache_aligned; /* dp: rw, cp: ro (acquire): flows[0, hwm) initialised */
	uint32_t free_head; /* dp: rw: first free entry below hwm, FT_ENTRY_NIL if none */
	uint32_t cursor; /* dp: rw: next entry expiry examines, < hwm when hwm > 0 */
	uint32_t n_used; /* dp: rw, cp: ro (relaxed): live entries */
	uint64_t evictions; /* dp: rw, cp: ro (relaxed): flows evicted by add */
	/* dp: rw, cp: ro (relaxed): live entries per conn.state. */
	uint32_t n_state[SW_CONN_STATE_MAX];
	/* dp: ro: called with a victim just before eviction removes it (may be NULL). */
	void (*evict_cb)(struct sw_flow *f, void *arg);
	void *evict_arg;
};

static_assert(sizeof(struct sw_flowtab) % RTE_CACHE_LINE_SIZE == 0, "header is whole lines");

static inline uint64_t
load_le64(const void *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return rte_le_to_cpu_64(x);
}

static inline uint32_t
load_le32(const void *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return rte_le_to_cpu_32(x);
}

#define FT_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define FT_SIPROUND(v0, v1, v2, v3) \
	do { \
		v0 += v1; \
		v1 = FT_ROTL64(v1, 13); \
		v1 ^= v0; \
		v0 = FT_ROTL64(v0, 32); \
		v2 += v3; \
		v3 = FT_ROTL64(v3, 16); \
		v3 ^= v2; \
		v0 += v3; \
		v3 = FT_ROTL64(v3, 21); \
		v3 ^= v0; \
		v2 += v1; \
		v1 = FT_ROTL64(v1, 17); \
		v1 ^= v2; \
		v2 = FT_ROTL64(v2, 32); \
	} while (0)

/*
 * SipHash-1-3 of the message m[0..nw-1] (little-endian words) followed by the
 * final block `last` (message length << 56 | tail bytes), per the reference.
 */
static inline uint64_t
siphash13(uint64_t k0, uint64_t k1, const uint64_t *m, unsigned nw, uint64_t last)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;

	for (unsigned i = 0; i < nw; i++) {
		v3 ^= m[i];
		FT_SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v3 ^= last;
	FT_SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	FT_SIPROUND(v0, v1, v2, v3);
	FT_SIPROUND(v0, v1, v2, v3);
	FT_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * SipHash-1-3 message per family:
 *   IPv4: src[0..3] dst[0..3] sport dport pad[0..2] (15 bytes: addresses, ports, VLAN ids;
 *         the other address bytes are zero by contract and family is 4)
 *   else: the whole 40-byte struct sw_tuple
 */
static inline uint64_t
tuple_hash_siphash(const struct sw_flowtab *ft, const struct sw_tuple *t)
{
	uint64_t m[5];

	static_assert(offsetof(struct sw_tuple, dport) == offsetof(struct sw_tuple, sport) + 2,
		"ports are adjacent");
	static_assert(
		offsetof(struct sw_tuple, family) == 36 && offsetof(struct sw_tuple, pad) == 37,
		"family and VLAN ids are the tuple's last word");
	if (likely(t->family == 4)) {
		m[0] = (uint64_t)load_le32(t->src) | (uint64_t)load_le32(t->dst) << 32;
		return siphash13(ft->k0, ft->k1, m, 1,
			(15ULL << 56) | (uint64_t)(load_le32(&t->family) >> 8) << 32 |
				(uint64_t)load_le32(&t->sport));
	}
	for (unsigned i = 0; i < 5; i++)
		m[i] = load_le64((const uint8_t *)t + 8 * i);
	return siphash13(ft->k0, ft->k1, m, 5, 40ULL << 56);
}

/* Internal, for tests: init with a given hash; -ENOTSUP when AES is asked for but absent. */
int ft_init_hash(void *mem, uint32_t capacity, const uint8_t hash_key[16], enum ft_hash_kind kind);

#if SW_HAVE_AES
/*
 * AES-NI code runs only on tables whose init found AES-NI on the CPU. The
 * hot functions are instantiated twice from one always-inline body
 * (lookup_group with aes = true inside an SW_AES_TARGET function, and
 * aes = false), so the AES rounds inline into the bulk lookup.
 */

/* AES hash of any tuple, out of line (see "Hash" in flowtab.c); FT_HASH_AES tables only. */
uint64_t ft_hash_aes(const struct sw_flowtab *ft, const struct sw_tuple *t);

/* AES hash of a non-IPv4 tuple: CBC-MAC over three blocks (33 rounds, out of line). */
uint64_t ft_hash_aes_v6(const struct sw_flowtab *ft, const struct sw_tuple *t);

/*
 * The AES hash of a tuple: an IPv4 tuple's src[0..3] dst[0..3] and last
 * word (sport dport family pad[0..2]) as one block, encrypted; other
 * families out of line. The low 64 bits of the result.
 */
static inline SW_AES_TARGET uint64_t
tuple_hash_aes(const struct sw_flowtab *ft, const struct sw_tuple *t)
{
	__m128i addr, blk;

	if (unlikely(t->family != 4))
		return ft_hash_aes_v6(ft, t);
#ifdef __SSE4_1__
	/* Each part loaded into its lane: three instructions (four below). */
	addr = _mm_insert_epi32(
		_mm_cvtsi32_si128((int)load_le32(t->src)), (int)load_le32(t->dst), 1);
	blk = _mm_insert_epi64(addr, (long long)load_le64(&t->sport), 1);
#else
	addr = _mm_unpacklo_epi32(_mm_cvtsi32_si128((int)load_le32(t->src)),
		_mm_cvtsi32_si128((int)load_le32(t->dst)));
	blk = _mm_castps_si128(
		_mm_loadh_pi(_mm_castsi128_ps(addr), (const __m64 *)(const void *)&t->sport));
#endif
	return (uint64_t)_mm_cvtsi128_si64(sw_aes128_enc(&ft->aes, blk));
}
#endif

/* Signature of a hash, 1..UINT16_MAX; unsigned, so alt_bucket() multiplies it unextended. */
static inline unsigned
hash_sig(uint64_t hash)
{
	unsigned sig = (unsigned)(hash >> 48);

	static_assert(FT_SIG_EMPTY == 0, "0 becomes 1 without a branch");
	return sig | (sig == FT_SIG_EMPTY);
}

static inline uint32_t
next_bucket(const struct sw_flowtab *ft, uint32_t b)
{
	return b + 1 < ft->n_buckets ? b + 1 : 0;
}

/*
 * The other bucket of a key in bucket b with signature sig (partial-key
 * cuckoo): b1 + b2 = F(sig) mod n_buckets, so a displaced slot finds its
 * alternative from its signature alone, without reading the entry. F is
 * the signature scaled to [0, n_buckets) (sig is already a PRF output: no
 * mixing needed) and forced odd: n_buckets is even (or 1, the only case
 * where b1 == b2 and F is 0), so 2b = F has no solution and b2 != b1
 * without a fix-up branch. b2 is uniform over the buckets of the other
 * parity, as the two tables of classic cuckoo hashing.
 */
static inline uint32_t
alt_bucket_nb(uint32_t nb, uint32_t b, unsigned sig)
{
	uint32_t f = (uint32_t)(((uint64_t)sig * nb) >> 16) | (nb > 1);
	uint32_t a = f - b;

	return f < b ? a + nb : a;
}

static inline uint32_t
alt_bucket(const struct sw_flowtab *ft, uint32_t b, uint16_t sig)
{
	return alt_bucket_nb(ft->n_buckets, b, sig);
}

/* Where a key may be: b1 from the low 32 hash bits, b2 = alt_bucket(b1), sig from the top 16. */
struct ft_pos {
	uint32_t b1;
	uint32_t b2;
	uint16_t sig;
};

/* hash_pos() with n_buckets in a register (the bulk lookup's loop). */
static inline struct ft_pos
hash_pos_nb(uint32_t nb, uint64_t hash)
{
	struct ft_pos p;
	unsigned sig = hash_sig(hash);

	p.b1 = (uint32_t)(((hash & UINT32_MAX) * nb) >> 32);
	p.sig = (uint16_t)sig;
	p.b2 = alt_bucket_nb(nb, p.b1, sig);
	return p;
}

static inline struct ft_pos
hash_pos(const struct sw_flowtab *ft, uint64_t hash)
{
	return hash_pos_nb(ft->n_buckets, hash);
}

/* Bit i set when slot i of bk holds sig (sig = FT_SIG_EMPTY: the free slots). */
static inline unsigned
sig_match(const struct ft_bucket *bk, uint16_t sig)
{
#ifdef __SSE2__
	__m128i s = _mm_set1_epi16((short)sig);
	__m128i lo = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)bk->sig), s);
	/* sig[8], sig[9], ovfl, chained: the last two lanes are masked off below. */
	__m128i hi = _mm_cmpeq_epi16(_mm_loadl_epi64((const __m128i *)&bk->sig[8]), s);

	return (unsigned)_mm_movemask_epi8(_mm_packs_epi16(lo, hi)) & FT_SLOT_MASK;
#else
	unsigned m = 0;

	for (unsigned i = 0; i < FT_BUCKET_SLOTS; i++)
		m |= (unsigned)(bk->sig[i] == sig) << i;
	return m;
#endif
}

/*
 * The bulk lookup's signature match: the idx of the first slot holding sig
 * in bk1, else in bk2 (the order of sw_flowtab_lookup()); NULL when neither
 * holds it. Overflow chains are the caller's business.
 */
static __rte_always_inline const uint32_t *
pair_first(const struct ft_bucket *bk1, const struct ft_bucket *bk2, uint32_t sig)
{
#ifdef __SSE4_1__
	/*
	 * Slots 0..7 of each bucket compared and or-ed, slots 8..9 of both in
	 * one register (lanes 0, 1 and 4, 5; lanes 2, 3 and 6, 7 are ovfl and
	 * chained, masked off): a miss takes one test; the slot masks are only
	 * extracted on a match.
	 */
	const __m128i valid =
		_mm_set_epi8(0, 0, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
	__m128i s = _mm_set1_epi16((short)sig);
	__m128i lo1 = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)bk1->sig), s);
	__m128i lo2 = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)bk2->sig), s);
	__m128i hi = _mm_castps_si128(
		_mm_loadh_pi(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)&bk1->sig[8])),
			(const __m64 *)&bk2->sig[8]));
	unsigned m, b;

	hi = _mm_cmpeq_epi16(hi, s);
	if (_mm_testz_si128(_mm_packs_epi16(_mm_or_si128(lo1, lo2), hi), valid))
		return NULL;
	m = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(lo1, hi)) & FT_SLOT_MASK;
	if (m != 0)
		return &bk1->idx[__builtin_ctz(m)];
	/* Bits 0..7: slots 0..7 of bk2; bits 12, 13: its slots 8, 9. */
	b = (unsigned)__builtin_ctz(
		(unsigned)_mm_movemask_epi8(_mm_packs_epi16(lo2, hi)) & 0x30ffu);
	return &bk2->idx[b - ((b & 8) >> 1)];
#else
	unsigned m = sig_match(bk1, (uint16_t)sig);

	if (m != 0)
		return &bk1->idx[__builtin_ctz(m)];
	m = sig_match(bk2, (uint16_t)sig);
	return m != 0 ? &bk2->idx[__builtin_ctz(m)] : NULL;
#endif
}

/* ceil(capacity / FT_SLOTS_USED_MAX), rounded up to even (see alt_bucket()) unless 1. */
static inline uint32_t
n_buckets_for(uint32_t capacity)
{
	uint32_t nb = (capacity + FT_SLOTS_USED_MAX - 1) / FT_SLOTS_USED_MAX;

	return nb > 1 ? nb + (nb & 1) : nb;
}

static inline size_t
header_bytes(void)
{
	return RTE_ALIGN_CEIL(sizeof(struct sw_flowtab), RTE_CACHE_LINE_SIZE);
}

#endif /* FLOWTAB_INTERNAL_H */
