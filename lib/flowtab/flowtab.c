/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker flow table: keyed-hash index of cache-line buckets over a dense entry array. */

/*
 * Design
 * ------
 * Memory (one block from the caller, cache-line aligned):
 *
 *   [struct sw_flowtab: 3 lines][bucket 0]...[bucket nb-1][sw_flow 0]...[sw_flow cap-1]
 *
 * Index: nb = ceil(capacity / 9) (rounded up to even) buckets of one 64-byte
 * line, 10 slots each, so a full table fills at most 90% of the slots:
 *
 *   byte 0                  20     22        24                               64
 *        | sig[0] .. sig[9] | ovfl | chained | idx[0] .. idx[9] (uint32 each) |
 *
 * sig is 16 bits of the hash (never 0; 0 marks an empty slot), idx the entry
 * number. 10 slots rather than 8 use the whole line: 6.4 index bytes per
 * slot, 7.1 per flow when full.
 *
 * Placement: bucketized cuckoo hashing with partial keys (as DPDK's
 * rte_hash and cuckoo filters). A key may sit in b1 = fastrange(hash) or
 * b2 = F(sig) - b1 (mod nb); b2 follows from b1 and sig alone, so a key can
 * be moved to its other bucket without reading its entry. Insert takes the
 * emptier of b1/b2; when both are full, a breadth-first search (depth 2)
 * moves one or two keys to their other buckets. Only if that fails (never
 * in our runs: 10^6 flows at 95% slot load, 6*10^6 churn inserts) does the
 * key go to the first free slot after b1 (linear probing, "chained" bit set,
 * never moved); every bucket passed counts it in ovfl, and a lookup goes on
 * past b1 and b2 only while ovfl != 0. So an insert always succeeds while
 * slots remain, in bounded time, and deletion only clears a slot (plus the
 * ovfl counts of a chained key): no tombstones, no rehash.
 *
 * Lookup: both bucket lines are fetched at once (prefetch), ten signatures
 * each compared with SSE2 (a scalar loop elsewhere; the bulk lookup tests
 * all twenty at once with SSE4.1), and an entry is read only on a signature
 * match (false positive 20/65536 per miss). A miss costs two parallel line
 * reads and nothing else; a hit adds the 92-byte entry. Linear probing or
 * a single-choice bucket would read one line per miss, but at 90% load
 * their clusters make misses walk ~5 buckets in series (measured), and
 * misses are what a flood of spoofed packets produces.
 *
 * Hash: a PRF under the caller's 128-bit key. Tuples are chosen by the
 * attacker and lookup timing leaks bucket collisions, so the hash must be a
 * PRF: seeded CRC32C is linear (CRC(a) ^ CRC(b) does not depend on the seed,
 * collisions are free to compute), and seeded non-cryptographic hashes have
 * seed-independent multicollisions (MurmurHash3, CityHash: Aumasson,
 * Bernstein, Bosslet, "Hash-flooding DoS reloaded", 2012) or no claim
 * against them (jhash, xxHash). Two PRFs, one per table, chosen at init:
 *  - AES-128 where the CPU has AES-NI (11 instructions per block). An IPv4
 *    tuple's meaningful bytes fit one block, encrypted once:
 *      src[0..3] dst[0..3] sport dport family(4) pad[0..2] (VLAN ids)
 *    An IPv6 (or other) tuple is CBC-MAC'd over three blocks:
 *      [sport dport family pad[0..2] 0 x 8] [src] [dst]
 *    Byte 12 of an IPv4 block is 4 and of an IPv6 first block 0, so no
 *    message is a prefix of another: CBC-MAC of full AES over a prefix-free
 *    set is a PRF (Bellare, Kilian, Rogaway; Petrank, Rackoff), stronger
 *    than SipHash-1-3 and about a fifth of its instructions.
 *  - SipHash-1-3 (Aumasson & Bernstein; the variant Rust's HashMap and Python
 *    use for attacker-supplied keys) elsewhere: 5 rounds for IPv4 (its 15
 *    significant bytes: addresses, ports, VLAN ids; the length differs from
 *    the 40-byte IPv6 encoding, so the two cannot collide structurally) and
 *    9 for IPv6.
 * 48 bits are used: the low 32 pick b1, the top 16 are the signature (and
 * pick b2).
 *
 * Entries: a dense array claimed lazily (bump pointer hwm, then a LIFO free
 * list threaded through free entries' expire_ms), so init writes only the
 * index and a recently freed, cache-warm entry is reused first. Expiry walks
 * entries [0, hwm) with a cursor, not the index: expire_ms and the state are
 * in the entry it would read anyway, and the walk is sequential.
 *
 * Bytes per flow at full capacity: sizeof(struct sw_flow) + 64/9 (index)
 * + 384/capacity (header); with a 44-byte struct sw_conn, 92 + 7.1 = 99.1.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_prefetch.h>

#include "flowtab_internal.h"
#include "sw_csum64.h"

#ifdef __SSE4_1__
#include <smmintrin.h>
#endif

/* Keyed hash of t: AES (the table's kind is FT_HASH_AES, the caller has the "aes" target) or SipHash. */
static __rte_always_inline uint64_t
tuple_hash_as(const struct sw_flowtab *ft, const struct sw_tuple *t, bool aes)
{
#if SW_HAVE_AES
	if (aes)
		return tuple_hash_aes(ft, t);
#else
	RTE_SET_USED(aes);
#endif
	return tuple_hash_siphash(ft, t);
}

static inline bool
hash_is_aes(const struct sw_flowtab *ft)
{
	return SW_HAVE_AES && ft->hash_kind == FT_HASH_AES;
}

/* The table's keyed hash of t, out of the hot loops (one predictable branch). */
static inline uint64_t
tuple_hash(const struct sw_flowtab *ft, const struct sw_tuple *t)
{
#if SW_HAVE_AES
	if (likely(hash_is_aes(ft)))
		return ft_hash_aes(ft, t);
#endif
	return tuple_hash_siphash(ft, t);
}

/* Single-writer counter updates: a relaxed store is enough, readers use relaxed loads. */
static inline void
cnt32_add(uint32_t *c, int32_t d)
{
	__atomic_store_n(c, *c + (uint32_t)d, __ATOMIC_RELAXED);
}

static inline bool
key_eq(const struct sw_tuple *a, const struct sw_tuple *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	static_assert(sizeof(*a) == 40, "compared as 16 + 16 + 8 bytes");
#ifdef __SSE4_1__
	__m128i d = _mm_or_si128(_mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)x),
					 _mm_loadu_si128((const __m128i *)(const void *)y)),
		_mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(x + 16)),
			_mm_loadu_si128((const __m128i *)(const void *)(y + 16))));

	return _mm_testz_si128(d, d) && sw_ld64(x + 32) == sw_ld64(y + 32);
#else
	return ((sw_ld64(x) ^ sw_ld64(y)) | (sw_ld64(x + 8) ^ sw_ld64(y + 8)) |
		       (sw_ld64(x + 16) ^ sw_ld64(y + 16)) | (sw_ld64(x + 24) ^ sw_ld64(y + 24)) |
		       (sw_ld64(x + 32) ^ sw_ld64(y + 32))) == 0;
#endif
}

/* The entry and its key may straddle lines: prefetch all of it, the caller reads conn next. */
static inline void
prefetch_flow(const struct sw_flow *f)
{
	rte_prefetch0(f);
	rte_prefetch0((const uint8_t *)f + sizeof(*f) / 2);
	rte_prefetch0((const uint8_t *)f + sizeof(*f) - 1);
}

size_t
sw_flowtab_memsize(uint32_t capacity)
{
	if (capacity == 0 || capacity > SW_FLOWTAB_CAPACITY_MAX)
		return 0;
	return header_bytes() + (size_t)n_buckets_for(capacity) * sizeof(struct ft_bucket) +
		RTE_ALIGN_CEIL((size_t)capacity * sizeof(struct sw_flow), RTE_CACHE_LINE_SIZE);
}

int
ft_init_hash(void *mem, uint32_t capacity, const uint8_t hash_key[16], enum ft_hash_kind kind)
{
	struct sw_flowtab *ft = mem;

	if (mem == NULL || hash_key == NULL || ((uintptr_t)mem & (RTE_CACHE_LINE_SIZE - 1)) != 0 ||
		capacity == 0 || capacity > SW_FLOWTAB_CAPACITY_MAX || kind > FT_HASH_AUTO)
		return -EINVAL;
	static_assert((uint64_t)SW_FLOWTAB_CAPACITY_MAX * FT_BUCKET_SLOTS / FT_SLOTS_USED_MAX <
			UINT32_MAX,
		"slot numbers fit 32 bits");
	if (kind == FT_HASH_AUTO)
		kind = sw_cpu_has_aes() ? FT_HASH_AES : FT_HASH_SIPHASH;
	if (kind == FT_HASH_AES && !sw_cpu_has_aes())
		return -ENOTSUP;

	memset(ft, 0, sizeof(*ft));
	ft->k0 = load_le64(hash_key);
	ft->k1 = load_le64(hash_key + 8);
	ft->hash_kind = (uint8_t)kind;
#if SW_HAVE_AES
	if (kind == FT_HASH_AES)
		sw_aes128_expand(&ft->aes, hash_key);
#endif
	ft->capacity = capacity;
	ft->n_buckets = n_buckets_for(capacity);
	ft->buckets = (struct ft_bucket *)((uint8_t *)mem + header_bytes());
	ft->flows = (struct sw_flow *)(ft->buckets + ft->n_buckets);
	ft->free_head = FT_ENTRY_NIL;
	memset(ft->buckets, 0, (size_t)ft->n_buckets * sizeof(struct ft_bucket));
	return 0;
}

int
sw_flowtab_init(void *mem, uint32_t capacity, const uint8_t hash_key[16])
{
	return ft_init_hash(mem, capacity, hash_key, FT_HASH_AUTO);
}

uint64_t
sw_flowtab_hash(const struct sw_flowtab *ft, const struct sw_tuple *key)
{
	return tuple_hash(ft, key);
}

void
sw_flowtab_prefetch(const struct sw_flowtab *ft, uint64_t hash)
{
	struct ft_pos p = hash_pos(ft, hash);

	rte_prefetch0(&ft->buckets[p.b1]);
	rte_prefetch0(&ft->buckets[p.b2]);
}

/* Search bucket bk's slots in mask for key. */
static inline struct sw_flow *
bucket_find(struct sw_flowtab *ft, const struct ft_bucket *bk, unsigned mask,
	const struct sw_tuple *key)
{
	while (mask != 0) {
		struct sw_flow *f = &ft->flows[bk->idx[__builtin_ctz(mask)]];

		if (likely(key_eq(&f->key, key)))
			return f;
		mask &= mask - 1;
	}
	return NULL;
}

/* Overflow chain from bucket b on: stops at the first bucket nothing passed. */
static struct sw_flow *
probe_from(struct sw_flowtab *ft, const struct sw_tuple *key, uint32_t b, uint16_t sig)
{
	for (uint32_t n = ft->n_buckets; n > 0; n--) {
		const struct ft_bucket *bk = &ft->buckets[b];
		struct sw_flow *f = bucket_find(ft, bk, sig_match(bk, sig), key);

		if (f != NULL)
			return f;
		if (bk->ovfl == 0)
			return NULL;
		b = next_bucket(ft, b);
	}
	return NULL;
}

struct sw_flow *
sw_flowtab_lookup(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash)
{
	struct ft_pos p = hash_pos(ft, hash);
	const struct ft_bucket *bk1 = &ft->buckets[p.b1], *bk2 = &ft->buckets[p.b2];
	struct sw_flow *f;

	rte_prefetch0(bk2); /* both lines in flight at once */
	f = bucket_find(ft, bk1, sig_match(bk1, p.sig), key);
	if (f == NULL)
		f = bucket_find(ft, bk2, sig_match(bk2, p.sig), key);
	if (f == NULL && unlikely(bk1->ovfl != 0))
		f = probe_from(ft, key, next_bucket(ft, p.b1), p.sig);
	return f;
}

/* lookup_group()'s rare cases, out of its loops: the whole search of sw_flowtab_lookup(). */
static __attribute__((noinline)) struct sw_flow *
lookup_cold(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash)
{
	return sw_flowtab_lookup(ft, key, hash);
}

/*
 * One group of g <= FT_BULK_GROUP keys, in three passes so that the memory
 * accesses of one key overlap the work on the others: hash and prefetch both
 * bucket lines; match signatures, settle the misses (no signature match, no
 * overflow chain: the common case under a flood) and prefetch the first
 * candidate entry of the others; compare the keys of those. A candidate that
 * is not the key (another key with the same signature: 20/65536 per lookup)
 * and an overflow chain go to lookup_cold(), so the hot loops carry one
 * candidate per key and no slot masks.
 */
static __rte_always_inline unsigned
lookup_group(struct sw_flowtab *ft, const struct sw_tuple *const keys[], unsigned g,
	struct sw_flow *out[], uint64_t hashes[], bool aes)
{
	struct ft_bucket *const buckets = ft->buckets;
	struct sw_flow *const flows = ft->flows;
	const uint32_t nb = ft->n_buckets;
	struct {
		const struct ft_bucket *bk1, *bk2;
		uint32_t sig; /* 32 bits: loaded straight into a vector lane */
	} q[FT_BULK_GROUP]; /* one record per key: fewer base registers than three arrays */
	uint8_t pend[FT_BULK_GROUP];
	unsigned hits = 0, np = 0;

	for (unsigned i = 0; i < g; i++) {
		uint64_t h = tuple_hash_as(ft, keys[i], aes);
		struct ft_pos p = hash_pos_nb(nb, h);

		hashes[i] = h;
		q[i].bk1 = &buckets[p.b1];
		q[i].bk2 = &buckets[p.b2];
		q[i].sig = p.sig;
		rte_prefetch0(q[i].bk1);
		rte_prefetch0(q[i].bk2);
	}
	/* The candidate goes straight to out[i]: a hit stores nothing more. */
	for (unsigned i = 0; i < g; i++) {
		const uint32_t *e = pair_first(q[i].bk1, q[i].bk2, q[i].sig);
		struct sw_flow *f = NULL;

		if (e != NULL) {
			f = &flows[*e];
			prefetch_flow(f);
			pend[np++] = (uint8_t)i;
		} else if (unlikely(q[i].bk1->ovfl != 0)) {
			f = lookup_cold(ft, keys[i], hashes[i]);
			hits += f != NULL;
		}
		out[i] = f;
	}
	hits += np;
	for (unsigned j = 0; j < np; j++) {
		unsigned i = pend[j];

		if (unlikely(!key_eq(&out[i]->key, keys[i]))) {
			out[i] = lookup_cold(ft, keys[i], hashes[i]);
			hits -= out[i] == NULL;
		}
	}
	return hits;
}

/* Groups of FT_BULK_GROUP keys; hashes may be NULL. */
static __rte_always_inline unsigned
lookup_bulk(struct sw_flowtab *ft, const struct sw_tuple *const keys[], unsigned n,
	struct sw_flow *out[], uint64_t hashes[], bool aes)
{
	uint64_t scratch[FT_BULK_GROUP]; /* hashes when the caller wants none: no test per key */
	unsigned hits = 0;

	for (unsigned base = 0; base < n; base += FT_BULK_GROUP)
		hits += lookup_group(ft, keys + base, RTE_MIN(n - base, (unsigned)FT_BULK_GROUP),
			out + base, hashes != NULL ? hashes + base : scratch, aes);
	return hits;
}

#if SW_HAVE_AES
static SW_AES_TARGET __attribute__((noinline)) unsigned
lookup_bulk_aes(struct sw_flowtab *ft, const struct sw_tuple *const keys[], unsigned n,
	struct sw_flow *out[], uint64_t hashes[])
{
	return lookup_bulk(ft, keys, n, out, hashes, true);
}
#endif

unsigned
sw_flowtab_lookup_bulk_hashed(struct sw_flowtab *ft, const struct sw_tuple *const keys[],
	unsigned n, struct sw_flow *out[], uint64_t hashes[])
{
#if SW_HAVE_AES
	if (likely(hash_is_aes(ft)))
		return lookup_bulk_aes(ft, keys, n, out, hashes);
#endif
	return lookup_bulk(ft, keys, n, out, hashes, false);
}

unsigned
sw_flowtab_lookup_bulk(struct sw_flowtab *ft, const struct sw_tuple *const keys[], unsigned n,
	struct sw_flow *out[])
{
	return sw_flowtab_lookup_bulk_hashed(ft, keys, n, out, NULL);
}

/* Eviction class of a state: lower goes first, -1 never (RFC 9293 section 3.3.2 names). */
static int
evict_class(uint8_t state)
{
	switch (state) {
	case SW_CONN_CLOSED:
	case SW_CONN_TIME_WAIT:
		return 0;
	case SW_CONN_SYN_SENT:
		return 1;
	case SW_CONN_FIN_WAIT_1:
	case SW_CONN_FIN_WAIT_2:
	case SW_CONN_CLOSE_WAIT:
	case SW_CONN_LAST_ACK:
	case SW_CONN_CLOSING:
		return 2;
	default: /* FREE (just added), ESTABLISHED, states this table does not know */
		return -1;
	}
}

/* Best victim among the slots of the key's two buckets, or NULL. */
static struct sw_flow *
evict_pick(struct sw_flowtab *ft, uint64_t hash)
{
	struct ft_pos p = hash_pos(ft, hash);
	uint32_t b[2] = {p.b1, p.b2};
	struct sw_flow *best = NULL;
	int best_class = INT_MAX;

	for (unsigned k = 0; k < 2 && (k == 0 || p.b2 != p.b1); k++) {
		const struct ft_bucket *bk = &ft->buckets[b[k]];
		unsigned used = ~sig_match(bk, FT_SIG_EMPTY) & FT_SLOT_MASK;

		for (; used != 0; used &= used - 1) {
			struct sw_flow *f = &ft->flows[bk->idx[__builtin_ctz(used)]];
			int c = evict_class(f->conn.state);

			if (c < 0 || c > best_class)
				continue;
			if (c < best_class || (int32_t)(f->expire_ms - best->expire_ms) < 0) {
				best = f;
				best_class = c;
			}
		}
	}
	return best;
}

/* Slot of bk holding entry idx (its signature is sig), or -1. */
static inline int
slot_of(const struct ft_bucket *bk, uint16_t sig, uint32_t idx)
{
	for (unsigned m = sig_match(bk, sig); m != 0; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);

		if (bk->idx[i] == idx)
			return (int)i;
	}
	return -1;
}

/* Unlink f from the index, fix the counters, free the entry. */
static void
flow_remove(struct sw_flowtab *ft, struct sw_flow *f)
{
	uint32_t idx = (uint32_t)(f - ft->flows);
	struct ft_pos p = hash_pos(ft, tuple_hash(ft, &f->key));
	uint32_t b = p.b1, dist = 0;
	int slot;

	RTE_ASSERT(idx < ft->hwm);
	/*
	 * In b1 or b2: placed directly, no chain to unwind. Elsewhere: on b1's
	 * overflow chain, dist buckets after b1 (a chain never ends in b2, which
	 * was full when the chain passed it).
	 */
	slot = slot_of(&ft->buckets[b], p.sig, idx);
	if (slot < 0) {
		b = p.b2;
		slot = slot_of(&ft->buckets[b], p.sig, idx);
	}
	if (slot < 0 && ft->buckets[p.b1].ovfl != 0) {
		/* Find first, then fix ovfl: a stray pointer must not corrupt the counts. */
		for (b = next_bucket(ft, p.b1), dist = 1; dist < ft->n_buckets; dist++) {
			slot = slot_of(&ft->buckets[b], p.sig, idx);
			if (slot >= 0 || ft->buckets[b].ovfl == 0)
				break;
			b = next_bucket(ft, b);
		}
	}
	if (slot < 0) {
		RTE_ASSERT(false); /* not in the table: double delete or foreign pointer */
		return;
	}
	ft->buckets[b].sig[slot] = FT_SIG_EMPTY;
	ft->buckets[b].chained &= (uint16_t) ~(1u << slot);
	for (b = p.b1; dist > 0; dist--) {
		struct ft_bucket *bk = &ft->buckets[b];

		if (bk->ovfl != FT_OVFL_SATURATED)
			bk->ovfl--;
		b = next_bucket(ft, b);
	}
	RTE_ASSERT(f->conn.state < SW_CONN_STATE_MAX);
	if (likely(f->conn.state < SW_CONN_STATE_MAX))
		cnt32_add(&ft->n_state[f->conn.state], -1);
	cnt32_add(&ft->n_used, -1);
	__atomic_store_n(&f->conn.state, SW_CONN_FREE, __ATOMIC_RELAXED);
	f->expire_ms = ft->free_head;
	ft->free_head = idx;
}

/* Move the key of bx slot s to the free slot e of by (its other bucket). */
static inline void
slot_move(struct ft_bucket *bx, unsigned s, struct ft_bucket *by, unsigned e)
{
	by->idx[e] = bx->idx[s];
	by->sig[e] = bx->sig[s];
	bx->sig[s] = FT_SIG_EMPTY;
}

/*
 * b1 and b2 are full: free a slot in one of them by moving a key to its own
 * other bucket, or a key of that bucket on to its other bucket (cuckoo moves,
 * breadth first, depth 2: at most 2 + 20 + 200 bucket lines are read, and at
 * 90% load the first level nearly always succeeds). Chain-placed keys stay.
 * Returns the bucket with the freed slot, *slot set, or NULL.
 */
static struct ft_bucket *
cuckoo_make_room(struct sw_flowtab *ft, const struct ft_pos *p, unsigned *slot)
{
	uint32_t from[2] = {p->b1, p->b2};

	for (unsigned k = 0; k < 2; k++) {
		const struct ft_bucket *bx = &ft->buckets[from[k]];

		for (unsigned m = FT_SLOT_MASK & ~bx->chained; m != 0; m &= m - 1)
			rte_prefetch0(
				&ft->buckets[alt_bucket(ft, from[k], bx->sig[__builtin_ctz(m)])]);
	}
	for (unsigned k = 0; k < 2; k++) {
		struct ft_bucket *bx = &ft->buckets[from[k]];

		for (unsigned m = FT_SLOT_MASK & ~bx->chained; m != 0; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m);
			struct ft_bucket *by = &ft->buckets[alt_bucket(ft, from[k], bx->sig[s])];
			unsigned e = sig_match(by, FT_SIG_EMPTY);

			if (e != 0) {
				slot_move(bx, s, by, (unsigned)__builtin_ctz(e));
				*slot = s;
				return bx;
			}
		}
	}
	for (unsigned k = 0; k < 2; k++) {
		struct ft_bucket *bx = &ft->buckets[from[k]];

		for (unsigned m = FT_SLOT_MASK & ~bx->chained; m != 0; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m);
			uint32_t y = alt_bucket(ft, from[k], bx->sig[s]);
			struct ft_bucket *by = &ft->buckets[y];

			if (y == p->b1 || y == p->b2)
				continue;
			for (unsigned n = FT_SLOT_MASK & ~by->chained; n != 0; n &= n - 1) {
				unsigned t = (unsigned)__builtin_ctz(n);
				struct ft_bucket *bz = &ft->buckets[alt_bucket(ft, y, by->sig[t])];
				unsigned e = sig_match(bz, FT_SIG_EMPTY);

				if (e != 0) {
					slot_move(by, t, bz, (unsigned)__builtin_ctz(e));
					slot_move(bx, s, by, t);
					*slot = s;
					return bx;
				}
			}
		}
	}
	return NULL;
}

/*
 * Both buckets of p are full: cuckoo moves; failing those, the first free
 * slot after b1 (the overflow chain), counting the pass in each bucket on
 * the way. n_used < capacity < slots, so a free slot exists within n_buckets
 * steps. Returns the bucket, *slot set (NULL only on a broken invariant).
 */
static __attribute__((noinline)) struct ft_bucket *
slot_place_full(struct sw_flowtab *ft, struct ft_pos p, unsigned *slot)
{
	struct ft_bucket *bk = cuckoo_make_room(ft, &p, slot);
	uint32_t b = p.b1;
	unsigned m = 0;

	if (likely(bk != NULL))
		return bk;
	for (uint32_t n = ft->n_buckets; n > 0 && m == 0; n--) {
		bk = &ft->buckets[b];
		if (bk->ovfl != FT_OVFL_SATURATED)
			bk->ovfl++;
		b = next_bucket(ft, b);
		m = sig_match(&ft->buckets[b], FT_SIG_EMPTY);
	}
	RTE_ASSERT(m != 0);
	if (unlikely(m == 0))
		return NULL;
	bk = &ft->buckets[b];
	*slot = (unsigned)__builtin_ctz(m);
	bk->chained |= (uint16_t)(1u << *slot);
	return bk;
}

/*
 * Index entry idx: in the emptier of its two buckets, else as
 * slot_place_full() finds room.
 */
static __rte_always_inline void
slot_place(struct sw_flowtab *ft, uint64_t hash, uint32_t idx)
{
	struct ft_pos p = hash_pos(ft, hash);
	struct ft_bucket *bk1 = &ft->buckets[p.b1], *bk2 = &ft->buckets[p.b2];
	unsigned m1 = sig_match(bk1, FT_SIG_EMPTY), m2 = sig_match(bk2, FT_SIG_EMPTY);
	struct ft_bucket *bk;
	unsigned slot;

	if (likely((m1 | m2) != 0)) {
		bool first = __builtin_popcount(m1) >= __builtin_popcount(m2);

		bk = first ? bk1 : bk2;
		slot = (unsigned)__builtin_ctz(first ? m1 : m2);
	} else {
		/* p by value (two registers): the common case stores nothing for it. */
		bk = slot_place_full(ft, p, &slot);
		if (unlikely(bk == NULL))
			return;
	}
	bk->idx[slot] = idx;
	bk->sig[slot] = p.sig;
}

void
sw_flowtab_del(struct sw_flowtab *ft, struct sw_flow *f)
{
	flow_remove(ft, f);
}

/*
 * Take a free entry (recycled, else the next never-used one), key copied,
 * rest zero but conn.state (state, valid: checked by the caller), and index
 * it, counted under state.
 */
static __rte_always_inline struct sw_flow *
add_entry(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash, uint8_t state)
{
	uint32_t idx = ft->free_head, hwm = ft->hwm;
	struct sw_flow *f;

	static_assert(offsetof(struct sw_flow, key) == 0, "key first, the rest zeroed after it");
	if (idx != FT_ENTRY_NIL) {
		f = &ft->flows[idx];
		ft->free_head = f->expire_ms;
	} else {
		idx = hwm;
		RTE_ASSERT(idx < ft->capacity);
		f = &ft->flows[idx];
	}
	f->key = *key;
	memset((uint8_t *)f + sizeof(f->key), 0, sizeof(*f) - sizeof(f->key));
	f->conn.state = state; /* before hwm publishes a new entry to sw_flowtab_dump() */
	if (idx == hwm) /* published once initialised */
		__atomic_store_n(&ft->hwm, idx + 1, __ATOMIC_RELEASE);

	slot_place(ft, hash, idx);
	cnt32_add(&ft->n_state[state], 1);
	cnt32_add(&ft->n_used, 1);
	return f;
}

/* sw_flowtab_add() on a full table: evict a victim first (out of line: the rare case). */
static __attribute__((noinline)) struct sw_flow *
add_evicting(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash, uint8_t state,
	bool *evicted)
{
	struct sw_flow *f = evict_pick(ft, hash);

	if (f == NULL)
		return NULL;
	/* The owner releases what the victim holds (e.g. a kept packet) first. */
	if (ft->evict_cb != NULL)
		ft->evict_cb(f, ft->evict_arg);
	flow_remove(ft, f);
	__atomic_store_n(&ft->evictions, ft->evictions + 1, __ATOMIC_RELAXED);
	if (evicted != NULL)
		*evicted = true;
	return add_entry(ft, key, hash, state);
}

/*
 * One body for both adds: sw_flowtab_add() is state FREE, and a caller that
 * knows the state at insert time (the third ACK: SYN_SENT) saves the
 * set_state call and its two counter updates.
 */
static __rte_always_inline struct sw_flow *
add_as(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash, uint8_t state,
	bool *evicted)
{
	if (evicted != NULL)
		*evicted = false;
	if (unlikely(ft->n_used >= ft->capacity))
		return add_evicting(ft, key, hash, state, evicted);
	return add_entry(ft, key, hash, state);
}

struct sw_flow *
sw_flowtab_add(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash, bool *evicted)
{
	return add_as(ft, key, hash, SW_CONN_FREE, evicted);
}

struct sw_flow *
sw_flowtab_add_state(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash,
	uint8_t state, bool *evicted)
{
	/* As sw_flowtab_set_state(): an invalid state is ignored (the flow stays FREE). */
	if (unlikely(state >= SW_CONN_STATE_MAX)) {
		RTE_ASSERT(false);
		state = SW_CONN_FREE;
	}
	return add_as(ft, key, hash, state, evicted);
}

void
sw_flowtab_set_state(struct sw_flowtab *ft, struct sw_flow *f, uint8_t new_state)
{
	uint8_t old = f->conn.state;

	if (unlikely(new_state == SW_CONN_FREE || new_state >= SW_CONN_STATE_MAX ||
		    old >= SW_CONN_STATE_MAX)) {
		RTE_ASSERT(false);
		return;
	}
	if (old == new_state)
		return;
	cnt32_add(&ft->n_state[old], -1);
	cnt32_add(&ft->n_state[new_state], 1);
	__atomic_store_n(&f->conn.state, new_state, __ATOMIC_RELAXED);
}

unsigned
sw_flowtab_expire(struct sw_flowtab *ft, uint32_t now_ms, unsigned budget,
	sw_flowtab_expire_cb_t cb, void *arg)
{
	uint32_t hwm = ft->hwm;
	uint32_t c = ft->cursor;
	unsigned n = RTE_MIN(budget, hwm);

	for (unsigned k = 0; k < n; k++) {
		struct sw_flow *f = &ft->flows[c];

		c = c + 1 < hwm ? c + 1 : 0;
		if (f->conn.state == SW_CONN_FREE || (int32_t)(f->expire_ms - now_ms) > 0)
			continue;
		if (cb(f, arg))
			flow_remove(ft, f);
	}
	ft->cursor = c;
	return n;
}

uint32_t
sw_flowtab_count(const struct sw_flowtab *ft)
{
	return __atomic_load_n(&ft->n_used, __ATOMIC_RELAXED);
}

void
sw_flowtab_count_by_state(const struct sw_flowtab *ft, uint32_t out[SW_CONN_STATE_MAX])
{
	for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++)
		out[s] = __atomic_load_n(&ft->n_state[s], __ATOMIC_RELAXED);
}

uint32_t
sw_flowtab_capacity(const struct sw_flowtab *ft)
{
	return ft->capacity;
}

void
sw_flowtab_set_evict_cb(struct sw_flowtab *ft, void (*cb)(struct sw_flow *f, void *arg), void *arg)
{
	ft->evict_cb = cb;
	ft->evict_arg = arg;
}

uint64_t
sw_flowtab_evictions(const struct sw_flowtab *ft)
{
	return __atomic_load_n(&ft->evictions, __ATOMIC_RELAXED);
}

/* Word-wise relaxed copy of an entry the owner may be writing: torn across words, never within. */
typedef uint32_t __attribute__((may_alias)) u32_alias_t;

static void
copy_racy(struct sw_flow *dst, const struct sw_flow *src)
{
	const u32_alias_t *s = (const u32_alias_t *)src;
	u32_alias_t *d = (u32_alias_t *)dst;

	for (size_t i = 0; i < sizeof(*src) / sizeof(uint32_t); i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

unsigned
sw_flowtab_dump(const struct sw_flowtab *ft, unsigned start, unsigned max, struct sw_flow *out)
{
	/* Entries at or above hwm were never handed out (and may be uninitialised memory). */
	uint32_t hwm = __atomic_load_n(&ft->hwm, __ATOMIC_ACQUIRE);
	unsigned n = 0;

	for (uint32_t i = start; i < hwm && n < max; i++) {
		const struct sw_flow *f = &ft->flows[i];

		if (__atomic_load_n(&f->conn.state, __ATOMIC_RELAXED) == SW_CONN_FREE)
			continue;
		copy_racy(&out[n], f);
		if (out[n].conn.state != SW_CONN_FREE) /* freed while copying */
			n++;
	}
	return n;
}
