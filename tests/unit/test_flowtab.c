/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of lib/flowtab: hash, index, eviction policy, counters, expiry, dump (no EAL). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>

#include "flowtab_internal.h" /* white-box checks; includes sw_flowtab.h */

static const uint8_t test_key[16] = {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96,
	0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};

/* xorshift64*: reproducible pseudo-random numbers for the tests. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t
rng_below(uint32_t n)
{
	return (uint32_t)(((rng() >> 32) * n) >> 32);
}

/* Hash of the tables ft_new() makes: FT_HASH_AUTO (sw_flowtab_init), or forced by a test. */
static enum ft_hash_kind cur_kind = FT_HASH_AUTO;

/* Table in fresh memory filled with garbage: init must not rely on zeroed memory. */
static struct sw_flowtab *
ft_new(uint32_t capacity)
{
	size_t sz = sw_flowtab_memsize(capacity);
	void *mem;

	assert_true(sz > 0);
	assert_int_equal(sz % 64, 0);
	mem = aligned_alloc(64, sz);
	assert_non_null(mem);
	memset(mem, 0xa5, sz);
	if (cur_kind == FT_HASH_AUTO)
		assert_int_equal(sw_flowtab_init(mem, capacity, test_key), 0);
	else
		assert_int_equal(ft_init_hash(mem, capacity, test_key, cur_kind), 0);
	return mem;
}

/* Whether this CPU runs the AES hash (tests of it are skipped otherwise). */
static bool
have_aes(void)
{
	void *mem = aligned_alloc(64, sw_flowtab_memsize(1));
	int ret;

	assert_non_null(mem);
	ret = ft_init_hash(mem, 1, test_key, FT_HASH_AES);
	free(mem);
	assert_true(ret == 0 || ret == -ENOTSUP);
	return ret == 0;
}

/* 198.18.x.y:port -> 198.19.0.1:80, distinct for every i < 2^32. */
static struct sw_tuple
key_v4(uint32_t i)
{
	struct sw_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.src[0] = 198;
	t.src[1] = 18;
	t.src[2] = (uint8_t)(i >> 8);
	t.src[3] = (uint8_t)i;
	t.dst[0] = 198;
	t.dst[1] = 19;
	t.dst[3] = 1;
	t.sport = rte_cpu_to_be_16((uint16_t)(1024 + (i >> 16)));
	t.dport = rte_cpu_to_be_16(80);
	return t;
}

/* 2001:2::<i>:port -> 2001:2::1:443. */
static struct sw_tuple
key_v6(uint32_t i)
{
	struct sw_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = 6;
	t.src[0] = 0x20;
	t.src[1] = 0x01;
	t.src[3] = 0x02;
	t.src[12] = (uint8_t)(i >> 24);
	t.src[13] = (uint8_t)(i >> 16);
	t.src[14] = (uint8_t)(i >> 8);
	t.src[15] = (uint8_t)i;
	t.dst[0] = 0x20;
	t.dst[1] = 0x01;
	t.dst[3] = 0x02;
	t.dst[15] = 1;
	t.sport = rte_cpu_to_be_16((uint16_t)(1024 + (i & 0x7fff)));
	t.dport = rte_cpu_to_be_16(443);
	return t;
}

/* VLAN ids into t->pad (outer << 12 | inner, big-endian over 3 bytes, as sw_tuple_set_vlan()). */
static void
set_vlan(struct sw_tuple *t, uint32_t ids)
{
	t->pad[0] = (uint8_t)(ids >> 16);
	t->pad[1] = (uint8_t)(ids >> 8);
	t->pad[2] = (uint8_t)ids;
}

/*
 * id % 4: 0 IPv4, 1 IPv6, 2 the 4-tuple of 0 in VLANs 10/11 (QinQ), 3 that 4-tuple in one
 * VLAN (1..4095): equal addresses and ports in different VLANs are different flows.
 */
static struct sw_tuple
key_of(uint32_t id)
{
	uint32_t i = id >> 2;
	struct sw_tuple t;

	switch (id & 3) {
	case 1:
		return key_v6(i);
	case 2:
		t = key_v4(i);
		set_vlan(&t, 10u << 12 | 11u);
		return t;
	case 3:
		t = key_v4(i);
		set_vlan(&t, 1 + i % 4095);
		return t;
	default:
		return key_v4(i);
	}
}

/* A random tuple: IPv4 or IPv6, random addresses, ports and VLAN ids (zero a quarter of the time). */
static struct sw_tuple
key_random(void)
{
	struct sw_tuple t;
	uint64_t r = rng();

	memset(&t, 0, sizeof(t));
	if (r & 1) {
		t.family = 6;
		for (unsigned j = 0; j < 16; j++) {
			t.src[j] = (uint8_t)rng();
			t.dst[j] = (uint8_t)rng();
		}
	} else {
		t.family = 4;
		for (unsigned j = 0; j < 4; j++) {
			t.src[j] = (uint8_t)rng();
			t.dst[j] = (uint8_t)rng();
		}
	}
	t.sport = (rte_be16_t)(r >> 8);
	t.dport = (rte_be16_t)(r >> 24);
	if ((r >> 40) & 3)
		set_vlan(&t, (uint32_t)(r >> 42) & 0xffffff);
	return t;
}

/* A random non-FREE state, 40% ESTABLISHED. */
static uint8_t
random_state_est(void)
{
	if (rng_below(10) < 4)
		return SW_CONN_ESTABLISHED;
	return (uint8_t)(1 + rng_below(SW_CONN_STATE_MAX - 1));
}

static struct sw_flow *
ft_find(struct sw_flowtab *ft, const struct sw_tuple *k)
{
	return sw_flowtab_lookup(ft, k, sw_flowtab_hash(ft, k));
}

static struct sw_flow *
ft_insert(struct sw_flowtab *ft, const struct sw_tuple *k, uint8_t state, uint32_t expire_ms,
	bool *evicted)
{
	struct sw_flow *f = sw_flowtab_add(ft, k, sw_flowtab_hash(ft, k), evicted);

	if (f != NULL) {
		sw_flowtab_set_state(ft, f, state);
		f->expire_ms = expire_ms;
	}
	return f;
}

static uint32_t
sum_states(const struct sw_flowtab *ft)
{
	uint32_t c[SW_CONN_STATE_MAX], sum = 0;

	sw_flowtab_count_by_state(ft, c);
	for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++)
		sum += c[s];
	return sum;
}

static uint32_t
state_count(const struct sw_flowtab *ft, unsigned state)
{
	uint32_t c[SW_CONN_STATE_MAX];

	sw_flowtab_count_by_state(ft, c);
	return c[state];
}

/*
 * White-box consistency check of the whole table: every index slot points to
 * a distinct allocated entry with the right signature, in one of its two
 * buckets unless chained; ovfl equals the chains passing each bucket; the
 * free list and the live entries partition [0, hwm); counters match.
 */
static void
check_invariants(const struct sw_flowtab *ft)
{
	uint32_t *ovfl = calloc(ft->n_buckets, sizeof(*ovfl));
	uint8_t *seen = calloc(ft->hwm + 1, 1);
	uint32_t cnt[SW_CONN_STATE_MAX] = {0};
	uint32_t used = 0, n_free = 0;

	assert_non_null(ovfl);
	assert_non_null(seen);
	for (uint32_t b = 0; b < ft->n_buckets; b++) {
		const struct ft_bucket *bk = &ft->buckets[b];

		assert_int_equal(bk->chained & ~FT_SLOT_MASK, 0);
		for (unsigned i = 0; i < FT_BUCKET_SLOTS; i++) {
			bool chained = (bk->chained >> i) & 1;
			const struct sw_flow *f;
			struct ft_pos p;
			uint32_t idx = bk->idx[i];

			if (bk->sig[i] == FT_SIG_EMPTY) {
				assert_false(chained);
				continue;
			}
			assert_true(idx < ft->hwm);
			assert_int_equal(seen[idx], 0);
			seen[idx] = 1;
			used++;
			f = &ft->flows[idx];
			cnt[f->conn.state]++;
			p = hash_pos(ft, sw_flowtab_hash(ft, &f->key));
			assert_int_equal(p.sig, bk->sig[i]);
			if (!chained) {
				assert_true(b == p.b1 || b == p.b2);
				continue;
			}
			assert_true(b != p.b1 && b != p.b2);
			for (uint32_t x = p.b1; x != b; x = next_bucket(ft, x))
				ovfl[x]++;
		}
	}
	for (uint32_t b = 0; b < ft->n_buckets; b++)
		assert_int_equal(ft->buckets[b].ovfl, ovfl[b]);
	for (uint32_t i = ft->free_head; i != FT_ENTRY_NIL; i = ft->flows[i].expire_ms) {
		assert_true(i < ft->hwm);
		assert_int_equal(seen[i], 0);
		assert_int_equal(ft->flows[i].conn.state, SW_CONN_FREE);
		seen[i] = 2;
		n_free++;
	}
	assert_int_equal(used, ft->n_used);
	assert_int_equal(used + n_free, ft->hwm);
	for (unsigned st = 0; st < SW_CONN_STATE_MAX; st++)
		assert_int_equal(cnt[st], ft->n_state[st]);
	free(ovfl);
	free(seen);
}

/* Next id from *id on whose key has b1 and b2 in the given buckets (b1 first when ordered). */
static uint32_t
find_key(const struct sw_flowtab *ft, uint32_t *id, uint32_t b1, uint32_t b2, bool ordered)
{
	for (;; (*id)++) {
		struct sw_tuple k = key_of(*id);
		struct ft_pos p = hash_pos(ft, sw_flowtab_hash(ft, &k));

		if ((p.b1 == b1 && p.b2 == b2) || (!ordered && p.b1 == b2 && p.b2 == b1))
			return (*id)++;
	}
}

/* Reference SipHash-c-d, byte by byte as in the paper. */
#define RROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define RROUND \
	do { \
		v0 += v1; \
		v1 = RROTL(v1, 13); \
		v1 ^= v0; \
		v0 = RROTL(v0, 32); \
		v2 += v3; \
		v3 = RROTL(v3, 16); \
		v3 ^= v2; \
		v0 += v3; \
		v3 = RROTL(v3, 21); \
		v3 ^= v0; \
		v2 += v1; \
		v1 = RROTL(v1, 17); \
		v1 ^= v2; \
		v2 = RROTL(v2, 32); \
	} while (0)

static uint64_t
ref_siphash(const uint8_t key[16], const uint8_t *msg, size_t len, int c, int d)
{
	uint64_t k0 = 0, k1 = 0, b = (uint64_t)len << 56;
	uint64_t v0, v1, v2, v3;
	size_t i;

	for (i = 0; i < 8; i++) {
		k0 |= (uint64_t)key[i] << (8 * i);
		k1 |= (uint64_t)key[8 + i] << (8 * i);
	}
	v0 = k0 ^ 0x736f6d6570736575ULL;
	v1 = k1 ^ 0x646f72616e646f6dULL;
	v2 = k0 ^ 0x6c7967656e657261ULL;
	v3 = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = 0;

		for (int j = 0; j < 8; j++)
			m |= (uint64_t)msg[i + j] << (8 * j);
		v3 ^= m;
		for (int r = 0; r < c; r++)
			RROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)msg[i + j] << (8 * j);
	v3 ^= b;
	for (int r = 0; r < c; r++)
		RROUND;
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < d; r++)
		RROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void
test_init_args(void **state)
{
	struct sw_flowtab *ft;
	void *mem;

	(void)state;
	assert_int_equal(sw_flowtab_memsize(0), 0);
	assert_int_equal(sw_flowtab_memsize(SW_FLOWTAB_CAPACITY_MAX + 1), 0);
	assert_true(sw_flowtab_memsize(1) > sizeof(struct sw_flow));
	assert_true(sw_flowtab_memsize(1000) >= 1000 * sizeof(struct sw_flow));
	mem = aligned_alloc(64, sw_flowtab_memsize(100) + 64);
	assert_non_null(mem);
	assert_int_equal(sw_flowtab_init(NULL, 100, test_key), -EINVAL);
	assert_int_equal(sw_flowtab_init(mem, 100, NULL), -EINVAL);
	assert_int_equal(sw_flowtab_init((uint8_t *)mem + 8, 100, test_key), -EINVAL);
	assert_int_equal(sw_flowtab_init(mem, 0, test_key), -EINVAL);
	assert_int_equal(sw_flowtab_init(mem, SW_FLOWTAB_CAPACITY_MAX + 1, test_key), -EINVAL);
	assert_int_equal(sw_flowtab_init(mem, 100, test_key), 0);
	ft = mem;
	assert_int_equal(sw_flowtab_capacity(ft), 100);
	assert_int_equal(sw_flowtab_count(ft), 0);
	assert_int_equal(sum_states(ft), 0);
	assert_int_equal(sw_flowtab_evictions(ft), 0);
	free(mem);
}

static void
test_hash_is_siphash13(void **state)
{
	uint8_t k[16], m[15];
	struct sw_flowtab *ft, *ft2;
	uint8_t other_key[16];

	(void)state;
	cur_kind = FT_HASH_SIPHASH;
	ft = ft_new(16);
	/* The reference itself, against the SipHash paper's SipHash-2-4 vector (appendix A). */
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	assert_true(ref_siphash(k, m, sizeof(m), 2, 4) == 0xa129ca6149be45e5ULL);

	for (uint32_t i = 0; i < 4000; i++) {
		struct sw_tuple t = i < 1000 ? key_of(i * 7919) : key_random();
		uint8_t msg4[15];

		if (t.family != 4) {
			assert_true(sw_flowtab_hash(ft, &t) ==
				ref_siphash(test_key, (const uint8_t *)&t, sizeof(t), 1, 3));
			continue;
		}
		/* IPv4: addresses, ports, VLAN ids. */
		memcpy(msg4, t.src, 4);
		memcpy(msg4 + 4, t.dst, 4);
		memcpy(msg4 + 8, &t.sport, 2);
		memcpy(msg4 + 10, &t.dport, 2);
		memcpy(msg4 + 12, t.pad, 3);
		assert_true(sw_flowtab_hash(ft, &t) == ref_siphash(test_key, msg4, 15, 1, 3));
	}

	/* Another key, another hash. */
	memcpy(other_key, test_key, sizeof(other_key));
	other_key[15] ^= 1;
	ft2 = ft_new(16);
	assert_int_equal(ft_init_hash(ft2, 16, other_key, FT_HASH_SIPHASH), 0);
	struct sw_tuple t = key_v4(1);
	assert_true(sw_flowtab_hash(ft, &t) != sw_flowtab_hash(ft2, &t));
	cur_kind = FT_HASH_AUTO;
	free(ft);
	free(ft2);
}

/* Low 64 bits (little endian) of a block. */
static uint64_t
block_lo64(const uint8_t b[16])
{
	uint64_t x = 0;

	for (int j = 7; j >= 0; j--)
		x = x << 8 | b[j];
	return x;
}

/*
 * The AES hash: AES-128 itself against FIPS-197 appendix C.1, then every hash against its
 * definition built from that block cipher (one block for IPv4, CBC-MAC over three for IPv6).
 */
static void
test_hash_is_aes(void **state)
{
	static const uint8_t fips_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	static const uint8_t fips_pt[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	static const uint8_t fips_ct[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8,
		0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
	struct sw_flowtab *ft, *ft2;
	uint8_t out[16], other_key[16];
	uint64_t same_tuple_vlan_differs = 0;

	(void)state;
	if (!have_aes()) {
		print_message("no AES-NI on this CPU: AES hash not tested\n");
		skip();
	}
	ft = ft_new(16);
	assert_int_equal(ft_init_hash(ft, 16, fips_key, FT_HASH_AES), 0);
	sw_aes128_block(&ft->aes, fips_pt, out);
	assert_memory_equal(out, fips_ct, 16);

	assert_int_equal(ft_init_hash(ft, 16, test_key, FT_HASH_AES), 0);
	for (uint32_t i = 0; i < 4000; i++) {
		struct sw_tuple t = i < 1000 ? key_of(i * 7919) : key_random();
		const uint8_t *tb = (const uint8_t *)&t;
		uint8_t blk[16], x[16];

		if (t.family == 4) {
			memcpy(blk, t.src, 4);
			memcpy(blk + 4, t.dst, 4);
			memcpy(blk + 8, tb + 32, 8); /* sport dport family pad */
			sw_aes128_block(&ft->aes, blk, x);
		} else {
			memset(blk, 0, sizeof(blk));
			memcpy(blk, tb + 32, 8);
			sw_aes128_block(&ft->aes, blk, x);
			for (int j = 0; j < 16; j++)
				blk[j] = x[j] ^ t.src[j];
			sw_aes128_block(&ft->aes, blk, x);
			for (int j = 0; j < 16; j++)
				blk[j] = x[j] ^ t.dst[j];
			sw_aes128_block(&ft->aes, blk, x);
		}
		assert_true(sw_flowtab_hash(ft, &t) == block_lo64(x));
	}
	/* The VLAN ids are hashed: the same 4-tuple in two VLANs hashes differently. */
	for (uint32_t i = 0; i < 1000; i++) {
		struct sw_tuple a = key_of(4 * i), b = key_of(4 * i + 2), c = key_of(4 * i + 3);

		same_tuple_vlan_differs += sw_flowtab_hash(ft, &a) != sw_flowtab_hash(ft, &b) &&
			sw_flowtab_hash(ft, &a) != sw_flowtab_hash(ft, &c);
	}
	assert_int_equal(same_tuple_vlan_differs, 1000);

	/* Another key, another hash. */
	memcpy(other_key, test_key, sizeof(other_key));
	other_key[15] ^= 1;
	ft2 = ft_new(16);
	assert_int_equal(ft_init_hash(ft2, 16, other_key, FT_HASH_AES), 0);
	struct sw_tuple t = key_v4(1), t6 = key_v6(1);
	assert_true(sw_flowtab_hash(ft, &t) != sw_flowtab_hash(ft2, &t));
	assert_true(sw_flowtab_hash(ft, &t6) != sw_flowtab_hash(ft2, &t6));
	free(ft);
	free(ft2);
}

/* sw_flowtab_init() picks AES exactly when the CPU has it; a bad kind is refused. */
static void
test_hash_auto(void **state)
{
	struct sw_flowtab *ft = ft_new(16);

	(void)state;
	assert_int_equal(ft->hash_kind, have_aes() ? FT_HASH_AES : FT_HASH_SIPHASH);
	assert_int_equal(
		ft_init_hash(ft, 16, test_key, (enum ft_hash_kind)(FT_HASH_AUTO + 1)), -EINVAL);
	free(ft);
}

static void
test_add_lookup_del_v4_v6(void **state)
{
	const uint32_t cap = 1000;
	struct sw_flowtab *ft = ft_new(cap);
	struct sw_flow *f[1000];
	struct sw_flow zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	for (uint32_t id = 0; id < cap; id++) {
		struct sw_tuple k = key_of(id);
		bool ev = true;

		assert_null(ft_find(ft, &k));
		f[id] = sw_flowtab_add(ft, &k, sw_flowtab_hash(ft, &k), &ev);
		assert_non_null(f[id]);
		assert_false(ev);
		assert_memory_equal(&f[id]->key, &k, sizeof(k));
		assert_int_equal(f[id]->expire_ms, 0);
		assert_int_equal(f[id]->service_id, 0);
		assert_int_equal(f[id]->aux, 0);
		assert_int_equal(f[id]->flags, 0);
		assert_memory_equal(&f[id]->conn, &zero.conn, sizeof(zero.conn));
		assert_int_equal(state_count(ft, SW_CONN_FREE), 1);
		sw_flowtab_set_state(ft, f[id], SW_CONN_ESTABLISHED);
		f[id]->service_id = (uint16_t)id;
	}
	assert_int_equal(sw_flowtab_count(ft), cap);
	assert_int_equal(state_count(ft, SW_CONN_ESTABLISHED), cap);
	for (uint32_t id = 0; id < cap; id++) {
		struct sw_tuple k = key_of(id);

		assert_ptr_equal(ft_find(ft, &k), f[id]);
		assert_int_equal(f[id]->service_id, id);
	}
	/* Same addresses, other family or port: misses. */
	for (uint32_t id = 0; id < 100; id++) {
		struct sw_tuple k = key_of(id);

		k.dport = rte_cpu_to_be_16(81);
		assert_null(ft_find(ft, &k));
		k = key_of(id);
		k.family = (uint8_t)(k.family == 4 ? 6 : 4);
		assert_null(ft_find(ft, &k));
	}
	for (uint32_t id = 0; id < cap; id += 2)
		sw_flowtab_del(ft, f[id]);
	assert_int_equal(sw_flowtab_count(ft), cap / 2);
	assert_int_equal(state_count(ft, SW_CONN_ESTABLISHED), cap / 2);
	for (uint32_t id = 0; id < cap; id++) {
		struct sw_tuple k = key_of(id);

		if (id % 2 == 0)
			assert_null(ft_find(ft, &k));
		else
			assert_ptr_equal(ft_find(ft, &k), f[id]);
	}
	/* Re-add: freed entries are reused, nothing leaks. */
	for (uint32_t id = cap; id < cap + cap / 2; id++) {
		struct sw_tuple k = key_of(id);

		assert_non_null(ft_insert(ft, &k, SW_CONN_SYN_SENT, 0, NULL));
	}
	assert_int_equal(sw_flowtab_count(ft), cap);
	assert_int_equal(sum_states(ft), cap);
	free(ft);
}

static void
test_fill_delete_all_cycles(void **state)
{
	const uint32_t cap = 20000;
	struct sw_flowtab *ft = ft_new(cap);

	(void)state;
	/* Full to 100% several times, different keys each round: probe counters must unwind. */
	for (uint32_t round = 0; round < 4; round++) {
		uint32_t base = round * cap;

		for (uint32_t i = 0; i < cap; i++) {
			struct sw_tuple k = key_of(base + i);
			bool ev;

			assert_non_null(ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, &ev));
			assert_false(ev);
		}
		for (uint32_t i = 0; i < cap; i++) {
			struct sw_tuple k = key_of(base + i);

			assert_non_null(ft_find(ft, &k));
		}
		check_invariants(ft);
		/* Full of ESTABLISHED: add fails cleanly. */
		struct sw_tuple extra = key_of(base + cap);
		bool ev = true;

		assert_null(ft_insert(ft, &extra, SW_CONN_SYN_SENT, 0, &ev));
		assert_false(ev);
		assert_int_equal(sw_flowtab_count(ft), cap);
		for (uint32_t i = 0; i < cap; i++) {
			struct sw_tuple k = key_of(base + i);

			sw_flowtab_del(ft, ft_find(ft, &k));
		}
		assert_int_equal(sw_flowtab_count(ft), 0);
		assert_int_equal(sum_states(ft), 0);
		check_invariants(ft);
	}
	assert_int_equal(sw_flowtab_evictions(ft), 0);
	free(ft);
}

static void
test_evict_preference(void **state)
{
	/* Capacity 9: one bucket, so every flow is an eviction candidate. */
	static const struct {
		uint8_t state;
		uint32_t expire_ms;
	} init[9] = {
		{SW_CONN_ESTABLISHED, 1},
		{SW_CONN_FIN_WAIT_2, 50},
		{SW_CONN_SYN_SENT, 10},
		{SW_CONN_TIME_WAIT, 300},
		{SW_CONN_ESTABLISHED, 2},
		{SW_CONN_CLOSED, 200},
		{SW_CONN_LAST_ACK, 5},
		{SW_CONN_SYN_SENT, 0xfffffff0}, /* before 10 on a wrapping clock */
		{SW_CONN_ESTABLISHED, 3},
	};
	/* Expected victims, by index in init[]. */
	static const unsigned order[] = {5, 3, 7, 2, 6, 1};
	struct sw_flowtab *ft = ft_new(9);
	struct sw_flow *f[9];

	(void)state;
	for (unsigned i = 0; i < 9; i++) {
		struct sw_tuple k = key_of(i);

		f[i] = ft_insert(ft, &k, init[i].state, init[i].expire_ms, NULL);
		assert_non_null(f[i]);
	}
	for (unsigned n = 0; n < RTE_DIM(order); n++) {
		struct sw_tuple k = key_of(100 + n), victim = key_of(order[n]);
		bool ev = false;

		assert_non_null(ft_find(ft, &victim));
		assert_non_null(ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, &ev));
		assert_true(ev);
		assert_null(ft_find(ft, &victim));
		assert_int_equal(sw_flowtab_evictions(ft), n + 1);
		assert_int_equal(sw_flowtab_count(ft), 9);
	}
	/* Only ESTABLISHED left: NULL, nothing evicted, nothing changed. */
	struct sw_tuple k = key_of(1000);
	bool ev = true;

	assert_null(ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, &ev));
	assert_false(ev);
	assert_int_equal(sw_flowtab_evictions(ft), RTE_DIM(order));
	assert_int_equal(state_count(ft, SW_CONN_ESTABLISHED), 9);
	assert_int_equal(sum_states(ft), 9);
	free(ft);
}

static void
test_evict_never_fresh_or_established(void **state)
{
	struct sw_flowtab *ft = ft_new(1);
	struct sw_tuple a = key_v4(1), b = key_v6(2);
	struct sw_flow *fa;
	bool ev = true;

	(void)state;
	/* A flow just added (state not set yet) is not a victim. */
	fa = sw_flowtab_add(ft, &a, sw_flowtab_hash(ft, &a), &ev);
	assert_non_null(fa);
	assert_null(sw_flowtab_add(ft, &b, sw_flowtab_hash(ft, &b), &ev));
	assert_false(ev);
	sw_flowtab_set_state(ft, fa, SW_CONN_CLOSED);
	assert_non_null(sw_flowtab_add(ft, &b, sw_flowtab_hash(ft, &b), &ev));
	assert_true(ev);
	assert_null(ft_find(ft, &a));
	assert_int_equal(sw_flowtab_count(ft), 1);
	assert_int_equal(state_count(ft, SW_CONN_FREE), 1);
	assert_int_equal(state_count(ft, SW_CONN_CLOSED), 0);
	/* evicted may be NULL. */
	sw_flowtab_set_state(ft, ft_find(ft, &b), SW_CONN_TIME_WAIT);
	assert_non_null(ft_insert(ft, &a, SW_CONN_ESTABLISHED, 0, NULL));
	assert_int_equal(sw_flowtab_evictions(ft), 2);
	free(ft);
}

static void
test_evict_second_bucket(void **state)
{
	/* Capacity 18: two buckets, both in every key's candidate set. */
	struct sw_flowtab *ft = ft_new(18);
	uint32_t id;

	(void)state;
	for (id = 0; id < 17; id++) {
		struct sw_tuple k = key_of(id);

		assert_non_null(ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, NULL));
	}
	/* One evictable flow, wherever it landed, is found by every new key. */
	for (; id < 17 + 40; id++) {
		struct sw_tuple k = key_of(id);
		bool ev = false;

		assert_non_null(ft_insert(ft, &k, SW_CONN_CLOSED, 0, &ev));
		assert_int_equal(ev, id > 17);
	}
	assert_int_equal(sw_flowtab_evictions(ft), 39);
	assert_int_equal(state_count(ft, SW_CONN_ESTABLISHED), 17);
	assert_int_equal(state_count(ft, SW_CONN_CLOSED), 1);
	free(ft);
}

static void
test_cuckoo_move_and_chain(void **state)
{
	/* Capacity 36: 4 buckets, 40 slots. */
	struct sw_flowtab *ft = ft_new(36);
	uint32_t next = 0, x, ids[22];
	struct sw_tuple k;
	struct sw_flow *f;

	(void)state;
	assert_int_equal(ft->n_buckets, 4);
	/* X may go to buckets 0 or 3 (b2 has the other parity): it lands in 0 (tie goes to b1). */
	x = find_key(ft, &next, 0, 3, true);
	k = key_of(x);
	ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, NULL);
	/* 19 keys confined to buckets 0 and 1 fill both. */
	for (unsigned i = 0; i < 19; i++) {
		ids[i] = find_key(ft, &next, 0, 1, false);
		k = key_of(ids[i]);
		assert_non_null(ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, NULL));
	}
	assert_int_equal(__builtin_popcount(sig_match(&ft->buckets[0], FT_SIG_EMPTY)), 0);
	assert_int_equal(__builtin_popcount(sig_match(&ft->buckets[1], FT_SIG_EMPTY)), 0);
	/* One more: the cuckoo search moves X to bucket 3, no chain. */
	ids[19] = find_key(ft, &next, 0, 1, false);
	k = key_of(ids[19]);
	assert_non_null(ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, NULL));
	check_invariants(ft);
	assert_int_equal(__builtin_popcount(sig_match(&ft->buckets[3], FT_SIG_EMPTY)), 9);
	assert_int_equal(ft->buckets[0].ovfl + ft->buckets[1].ovfl, 0);
	k = key_of(x);
	assert_non_null(ft_find(ft, &k));
	/* Buckets 0 and 1 hold 20 keys that can only go there: the next one is chained. */
	ids[20] = find_key(ft, &next, 0, 1, true);
	k = key_of(ids[20]);
	f = ft_insert(ft, &k, SW_CONN_SYN_SENT, 0, NULL);
	assert_non_null(f);
	check_invariants(ft);
	assert_int_equal(ft->buckets[0].ovfl, 1);
	assert_int_equal(ft->buckets[1].ovfl, 1);
	assert_int_equal(__builtin_popcount(ft->buckets[2].chained), 1);
	assert_ptr_equal(ft_find(ft, &k), f);
	for (unsigned i = 0; i < 21; i++) {
		struct sw_tuple kb = key_of(ids[i]);
		const struct sw_tuple *kp = &kb;
		struct sw_flow *out;

		assert_int_equal(sw_flowtab_lookup_bulk(ft, &kp, 1, &out), 1);
		assert_ptr_equal(out, ft_find(ft, &kb));
	}
	/* A miss whose b1 is bucket 0 walks the chain and stops, alone or in bulk. */
	uint32_t miss = find_key(ft, &next, 0, 1, true);
	k = key_of(miss);
	assert_null(ft_find(ft, &k));
	{
		struct sw_tuple kb[2] = {k, key_of(ids[20])};
		const struct sw_tuple *kp[2] = {&kb[0], &kb[1]};
		struct sw_flow *out[2];

		assert_int_equal(sw_flowtab_lookup_bulk(ft, kp, 2, out), 1);
		assert_null(out[0]);
		assert_ptr_equal(out[1], f);
	}
	/* Deleting the chained key unwinds ovfl; deleting a bucket-0 key does not touch it. */
	k = key_of(ids[20]);
	sw_flowtab_del(ft, ft_find(ft, &k));
	check_invariants(ft);
	assert_int_equal(ft->buckets[0].ovfl + ft->buckets[1].ovfl + ft->buckets[2].chained, 0);
	k = key_of(ids[0]);
	sw_flowtab_del(ft, ft_find(ft, &k));
	check_invariants(ft);
	assert_int_equal(sw_flowtab_count(ft), 20);
	free(ft);
}

static void
test_full_large_established_kept(void **state)
{
	const uint32_t cap = 4000;
	struct sw_flowtab *ft = ft_new(cap);
	uint32_t n_est = 0, n_evicted = 0, n_refused = 0;

	(void)state;
	for (uint32_t id = 0; id < cap; id++) {
		struct sw_tuple k = key_of(id);
		uint8_t s = (id % 3 == 0) ? SW_CONN_ESTABLISHED : (uint8_t)(3 + rng_below(7));

		assert_non_null(ft_insert(ft, &k, s, rng_below(1000), NULL));
		n_est += s == SW_CONN_ESTABLISHED;
	}
	/* Keep inserting past capacity: only non-ESTABLISHED flows may go. */
	for (uint32_t id = cap; id < 6 * cap; id++) {
		struct sw_tuple k = key_of(id);
		uint8_t s = (id % 3 == 0) ? SW_CONN_ESTABLISHED : SW_CONN_SYN_SENT;
		bool ev = false;
		struct sw_flow *f = ft_insert(ft, &k, s, 0, &ev);

		if (f == NULL) {
			n_refused++;
			assert_false(ev);
			continue;
		}
		assert_true(ev);
		n_evicted++;
		n_est += s == SW_CONN_ESTABLISHED;
		assert_int_equal(state_count(ft, SW_CONN_ESTABLISHED), n_est);
	}
	assert_int_equal(sw_flowtab_count(ft), cap);
	assert_int_equal(sw_flowtab_evictions(ft), n_evicted);
	assert_true(n_refused > 0); /* the table ends up saturated with ESTABLISHED */
	check_invariants(ft);
	for (uint32_t id = 0; id < 6 * cap; id++) {
		struct sw_tuple k = key_of(id);
		struct sw_flow *f = ft_find(ft, &k);

		if (id % 3 == 0 && id < cap)
			assert_non_null(f);
		if (f != NULL)
			assert_memory_equal(&f->key, &k, sizeof(k));
	}
	free(ft);
}

static void
test_counts_by_state(void **state)
{
	struct sw_flowtab *ft = ft_new(64);
	struct sw_flow *f[10];

	(void)state;
	for (unsigned i = 0; i < 10; i++) {
		struct sw_tuple k = key_of(i);

		f[i] = sw_flowtab_add(ft, &k, sw_flowtab_hash(ft, &k), NULL);
	}
	assert_int_equal(state_count(ft, SW_CONN_FREE), 10);
	for (unsigned i = 0; i < 10; i++)
		sw_flowtab_set_state(ft, f[i], SW_CONN_SYN_SENT);
	assert_int_equal(state_count(ft, SW_CONN_FREE), 0);
	assert_int_equal(state_count(ft, SW_CONN_SYN_SENT), 10);
	for (unsigned i = 0; i < 6; i++)
		sw_flowtab_set_state(ft, f[i], SW_CONN_ESTABLISHED);
	sw_flowtab_set_state(ft, f[0], SW_CONN_ESTABLISHED); /* no change */
	/* The conn library computed a new state: restore the old one, then set it. */
	f[1]->conn.state = SW_CONN_FIN_WAIT_1;
	f[1]->conn.state = SW_CONN_ESTABLISHED;
	sw_flowtab_set_state(ft, f[1], SW_CONN_FIN_WAIT_1);
	/* Invalid states are ignored. */
	sw_flowtab_set_state(ft, f[2], SW_CONN_FREE);
	sw_flowtab_set_state(ft, f[2], SW_CONN_STATE_MAX);
	assert_int_equal(f[2]->conn.state, SW_CONN_ESTABLISHED);
	assert_int_equal(state_count(ft, SW_CONN_SYN_SENT), 4);
	assert_int_equal(state_count(ft, SW_CONN_ESTABLISHED), 5);
	assert_int_equal(state_count(ft, SW_CONN_FIN_WAIT_1), 1);
	sw_flowtab_del(ft, f[1]);
	sw_flowtab_del(ft, f[9]);
	assert_int_equal(state_count(ft, SW_CONN_FIN_WAIT_1), 0);
	assert_int_equal(state_count(ft, SW_CONN_SYN_SENT), 3);
	assert_int_equal(sw_flowtab_count(ft), 8);
	assert_int_equal(sum_states(ft), 8);
	free(ft);
}

/* sw_flowtab_add_state(): the state set and counted at insert, the rest as sw_flowtab_add(). */
static void
test_add_state(void **state)
{
	struct sw_flowtab *ft = ft_new(8);
	struct sw_tuple k;
	struct sw_flow *f, *g;
	bool ev = true;

	(void)state;
	k = key_of(1);
	f = sw_flowtab_add_state(ft, &k, sw_flowtab_hash(ft, &k), SW_CONN_SYN_SENT, &ev);
	assert_non_null(f);
	assert_false(ev);
	assert_ptr_equal(ft_find(ft, &k), f);
	assert_int_equal(f->conn.state, SW_CONN_SYN_SENT);
	assert_int_equal(state_count(ft, SW_CONN_SYN_SENT), 1);
	assert_int_equal(state_count(ft, SW_CONN_FREE), 0);
	/* Every other field zero, as after sw_flowtab_add(). */
	{
		struct sw_flow z;

		memset(&z, 0, sizeof(z));
		z.key = k;
		z.conn.state = SW_CONN_SYN_SENT;
		assert_memory_equal(f, &z, sizeof(z));
	}
	/* A recycled entry is counted under its new state too. */
	f->expire_ms = 5;
	f->conn.flags = 0xffffffffu;
	sw_flowtab_del(ft, f);
	assert_int_equal(state_count(ft, SW_CONN_SYN_SENT), 0);
	g = sw_flowtab_add_state(ft, &k, sw_flowtab_hash(ft, &k), SW_CONN_ESTABLISHED, NULL);
	assert_ptr_equal(g, f);
	assert_int_equal(g->conn.state, SW_CONN_ESTABLISHED);
	assert_int_equal(g->conn.flags, 0);
	assert_int_equal(g->expire_ms, 0);
	assert_int_equal(state_count(ft, SW_CONN_ESTABLISHED), 1);
	/* FREE is sw_flowtab_add(); an invalid state is ignored the same way. */
	k = key_of(2);
	f = sw_flowtab_add_state(ft, &k, sw_flowtab_hash(ft, &k), SW_CONN_FREE, NULL);
	assert_int_equal(f->conn.state, SW_CONN_FREE);
	k = key_of(3);
	f = sw_flowtab_add_state(ft, &k, sw_flowtab_hash(ft, &k), SW_CONN_STATE_MAX, NULL);
	assert_non_null(f);
	assert_int_equal(f->conn.state, SW_CONN_FREE);
	assert_int_equal(state_count(ft, SW_CONN_FREE), 2);
	assert_int_equal(sw_flowtab_count(ft), 3);
	assert_int_equal(sum_states(ft), 3);
	check_invariants(ft);
	free(ft);
}

/* On a full table sw_flowtab_add_state() evicts as sw_flowtab_add(), never the new flow. */
static void
test_add_state_evicts(void **state)
{
	struct sw_flowtab *ft = ft_new(1);
	struct sw_tuple a = key_of(1), b = key_of(2), c = key_of(3);
	struct sw_flow *fa, *fb;
	bool ev = false;

	(void)state;
	fa = sw_flowtab_add_state(ft, &a, sw_flowtab_hash(ft, &a), SW_CONN_ESTABLISHED, &ev);
	assert_non_null(fa);
	/* Only an ESTABLISHED flow to evict: refused, nothing counted. */
	assert_null(sw_flowtab_add_state(ft, &b, sw_flowtab_hash(ft, &b), SW_CONN_SYN_SENT, &ev));
	assert_false(ev);
	assert_int_equal(sw_flowtab_evictions(ft), 0);
	sw_flowtab_set_state(ft, fa, SW_CONN_SYN_SENT);
	fb = sw_flowtab_add_state(ft, &b, sw_flowtab_hash(ft, &b), SW_CONN_SYN_SENT, &ev);
	assert_non_null(fb);
	assert_true(ev);
	assert_null(ft_find(ft, &a));
	assert_int_equal(sw_flowtab_evictions(ft), 1);
	assert_int_equal(state_count(ft, SW_CONN_SYN_SENT), 1);
	/* The new SYN_SENT flow is evictable by the next add, itself never at its own. */
	fb->expire_ms = 7;
	ev = false;
	assert_non_null(
		sw_flowtab_add_state(ft, &c, sw_flowtab_hash(ft, &c), SW_CONN_SYN_SENT, &ev));
	assert_true(ev);
	assert_null(ft_find(ft, &b));
	assert_non_null(ft_find(ft, &c));
	assert_int_equal(ft_find(ft, &c)->conn.state, SW_CONN_SYN_SENT);
	assert_int_equal(state_count(ft, SW_CONN_SYN_SENT), 1);
	assert_int_equal(sum_states(ft), 1);
	check_invariants(ft);
	free(ft);
}

/* Expiry callback context. */
struct exp_ctx {
	unsigned calls;
	uint32_t now_ms;
	int mode; /* 0 delete, 1 re-arm by rearm_ms, 2 delete odd service ids, re-arm the rest */
	uint32_t rearm_ms;
	uint8_t new_state; /* if not FREE: set_state on every flow seen */
	struct sw_flowtab *ft;
};

static bool
exp_cb(struct sw_flow *f, void *arg)
{
	struct exp_ctx *c = arg;

	c->calls++;
	assert_int_not_equal(f->conn.state, SW_CONN_FREE);
	assert_true((int32_t)(f->expire_ms - c->now_ms) <= 0);
	if (c->new_state != SW_CONN_FREE)
		sw_flowtab_set_state(c->ft, f, c->new_state);
	if (c->mode == 0 || (c->mode == 2 && (f->service_id & 1)))
		return true;
	f->expire_ms = c->now_ms + c->rearm_ms;
	return false;
}

static void
test_expire_budget_and_rearm(void **state)
{
	const uint32_t cap = 100;
	struct sw_flowtab *ft = ft_new(cap);
	struct exp_ctx c = {.ft = ft};

	(void)state;
	assert_int_equal(sw_flowtab_expire(ft, 0, 10, exp_cb, &c), 0); /* empty */
	for (uint32_t i = 0; i < cap; i++) {
		struct sw_tuple k = key_of(i);
		struct sw_flow *f = ft_insert(ft, &k, SW_CONN_SYN_SENT, 1000 + i, NULL);

		f->service_id = (uint16_t)i;
	}
	/* Nothing due yet. */
	assert_int_equal(sw_flowtab_expire(ft, 999, 1000, exp_cb, &c), cap);
	assert_int_equal(c.calls, 0);
	/* Budget respected: 10 slots per call, whole table in 10 calls. */
	c.now_ms = 1049; /* flows 0..49 due */
	c.mode = 2;
	c.rearm_ms = 500;
	for (unsigned n = 0; n < 10; n++) {
		unsigned before = c.calls;

		assert_int_equal(sw_flowtab_expire(ft, c.now_ms, 10, exp_cb, &c), 10);
		assert_true(c.calls - before <= 10);
	}
	assert_int_equal(c.calls, 50);
	assert_int_equal(sw_flowtab_count(ft), 75); /* 25 odd ones deleted */
	/* Re-armed ones are not due again until their new deadline. */
	c.calls = 0;
	assert_int_equal(sw_flowtab_expire(ft, c.now_ms, 1000, exp_cb, &c), cap);
	assert_int_equal(c.calls, 0);
	/* Budget larger than the table: every slot once, no more. */
	c.now_ms = 1049 + 500;
	c.mode = 0;
	c.new_state = SW_CONN_CLOSED;
	assert_int_equal(sw_flowtab_expire(ft, c.now_ms, 100000, exp_cb, &c), cap);
	assert_int_equal(c.calls, 75);
	assert_int_equal(sw_flowtab_count(ft), 0);
	assert_int_equal(sum_states(ft), 0);
	free(ft);
}

static void
test_expire_wraparound(void **state)
{
	struct sw_flowtab *ft = ft_new(16);
	struct exp_ctx c = {.ft = ft, .mode = 0};
	uint32_t now = UINT32_MAX - 5;
	struct sw_tuple k1 = key_v4(1), k2 = key_v4(2), k3 = key_v6(3);

	(void)state;
	ft_insert(ft, &k1, SW_CONN_ESTABLISHED, now + 10, NULL); /* wraps to 4 */
	ft_insert(ft, &k2, SW_CONN_ESTABLISHED, now - 10, NULL); /* already due */
	ft_insert(ft, &k3, SW_CONN_ESTABLISHED, now + 2, NULL); /* UINT32_MAX - 3 */
	c.now_ms = now;
	sw_flowtab_expire(ft, now, 16, exp_cb, &c);
	assert_int_equal(c.calls, 1);
	assert_null(ft_find(ft, &k2));
	c.now_ms = 2; /* clock wrapped: k3 due, k1 (4) not yet */
	sw_flowtab_expire(ft, 2, 16, exp_cb, &c);
	assert_int_equal(c.calls, 2);
	assert_null(ft_find(ft, &k3));
	assert_non_null(ft_find(ft, &k1));
	c.now_ms = 4;
	sw_flowtab_expire(ft, 4, 16, exp_cb, &c);
	assert_int_equal(c.calls, 3);
	assert_int_equal(sw_flowtab_count(ft), 0);
	free(ft);
}

static void
test_bulk_equals_single(void **state)
{
	const uint32_t cap = 10000;
	struct sw_flowtab *ft = ft_new(cap);
	static const unsigned sizes[] = {0, 1, 31, 32, 33, 100, 257};
	static struct sw_tuple rnd[3000];

	(void)state;
	for (uint32_t id = 0; id < 7000; id++) {
		struct sw_tuple k = key_of(id * 3);

		assert_non_null(ft_insert(ft, &k, SW_CONN_ESTABLISHED, 0, NULL));
	}
	/* Random tuples too (every family, random VLAN ids), half of them inserted. */
	for (unsigned i = 0; i < RTE_DIM(rnd); i++) {
		rnd[i] = key_random();
		if (i % 2 == 0 && ft_find(ft, &rnd[i]) == NULL)
			assert_non_null(ft_insert(ft, &rnd[i], SW_CONN_ESTABLISHED, 0, NULL));
	}
	for (unsigned s = 0; s < 2 * RTE_DIM(sizes); s++) {
		unsigned n = sizes[s % RTE_DIM(sizes)], hits = 0;
		struct sw_tuple tup[257];
		const struct sw_tuple *keys[257];
		struct sw_flow *out[257], *out2[257];
		uint64_t hashes[257];

		for (unsigned i = 0; i < n; i++) {
			if (s < RTE_DIM(sizes))
				tup[i] = key_of(rng_below(3 * 7000 + 300)); /* ~1/3 hits */
			else
				tup[i] = rnd[rng_below(RTE_DIM(rnd))]; /* ~1/2 hits */
			keys[i] = &tup[i];
			out[i] = (struct sw_flow *)(uintptr_t)1;
			out2[i] = (struct sw_flow *)(uintptr_t)1;
			hashes[i] = 0;
		}
		unsigned got = sw_flowtab_lookup_bulk(ft, keys, n, out);
		unsigned got2 = sw_flowtab_lookup_bulk_hashed(ft, keys, n, out2, hashes);

		for (unsigned i = 0; i < n; i++) {
			assert_ptr_equal(out[i], ft_find(ft, &tup[i]));
			assert_ptr_equal(out2[i], out[i]);
			assert_true(hashes[i] == sw_flowtab_hash(ft, &tup[i]));
			hits += out[i] != NULL;
		}
		assert_int_equal(got, hits);
		assert_int_equal(got2, hits);
	}
	free(ft);
}

/*
 * Bulk lookups whose first candidate slot is not the key: two keys with the
 * same buckets and signature, looked up with and without the other present.
 */
static void
test_bulk_same_sig(void **state)
{
	/* Capacity 18: two buckets, both in every key's candidate set. */
	struct sw_flowtab *ft = ft_new(18);
	static uint32_t first[2 << 16]; /* (b1, sig) -> id + 1 */
	uint32_t a = 0, b = 0;
	struct sw_tuple ka, kb;
	struct sw_flow *fa, *fb, *out[3];
	const struct sw_tuple *keys[3];

	(void)state;
	memset(first, 0, sizeof(first));
	for (uint32_t id = 0; b == 0; id++) {
		struct sw_tuple k = key_of(id);
		struct ft_pos p = hash_pos(ft, sw_flowtab_hash(ft, &k));
		uint32_t *slot = &first[p.b1 << 16 | p.sig];

		if (*slot == 0) {
			*slot = id + 1;
		} else {
			a = *slot - 1;
			b = id;
		}
	}
	ka = key_of(a);
	kb = key_of(b);
	fa = ft_insert(ft, &ka, SW_CONN_ESTABLISHED, 0, NULL);
	assert_non_null(fa);
	/* b's signature matches a's slot: a miss all the same. */
	keys[0] = &kb;
	keys[1] = &ka;
	assert_int_equal(sw_flowtab_lookup_bulk(ft, keys, 2, out), 1);
	assert_null(out[0]);
	assert_ptr_equal(out[1], fa);
	/* Both in: a sits in b1 (tie), b in b2, so b's first candidate is a. */
	fb = ft_insert(ft, &kb, SW_CONN_ESTABLISHED, 0, NULL);
	assert_non_null(fb);
	check_invariants(ft);
	keys[0] = &kb;
	keys[1] = &ka;
	keys[2] = &kb;
	assert_int_equal(sw_flowtab_lookup_bulk(ft, keys, 3, out), 3);
	assert_ptr_equal(out[0], fb);
	assert_ptr_equal(out[1], fa);
	assert_ptr_equal(out[2], fb);
	/* a gone: b's only candidate is itself. */
	sw_flowtab_del(ft, fa);
	assert_int_equal(sw_flowtab_lookup_bulk(ft, keys, 3, out), 2);
	assert_ptr_equal(out[0], fb);
	assert_null(out[1]);
	assert_ptr_equal(out[2], fb);
	free(ft);
}

/* Bulk lookups find keys in every slot of both buckets, slots 8 and 9 of b2 included. */
static void
test_bulk_every_slot(void **state)
{
	/* Capacity 36: 4 buckets. */
	struct sw_flowtab *ft = ft_new(36);
	uint32_t next = 0, ids[21];
	struct sw_tuple tup[21];
	const struct sw_tuple *keys[21];
	struct sw_flow *out[21];

	(void)state;
	assert_int_equal(ft->n_buckets, 4);
	/* 20 keys with b1 = 0, b2 = 1 alternate (the emptier, ties to b1): 0, 1, 0, 1, ... */
	for (unsigned i = 0; i < 21; i++) {
		ids[i] = find_key(ft, &next, 0, 1, true);
		tup[i] = key_of(ids[i]);
		keys[i] = &tup[i];
		if (i < 20)
			assert_non_null(ft_insert(ft, &tup[i], SW_CONN_ESTABLISHED, 0, NULL));
	}
	check_invariants(ft);
	/* Entries are numbered in insertion order: keys 17 and 19 are slots 8 and 9 of b2. */
	assert_int_equal(ft->buckets[1].idx[8], 17);
	assert_int_equal(ft->buckets[1].idx[9], 19);
	assert_int_equal(ft->buckets[0].idx[9], 18);
	/*
	 * A wrong first candidate would still be found (the key compare fails,
	 * the full search follows): check the candidate itself.
	 */
	for (unsigned i = 0; i < 21; i++) {
		struct ft_pos p = hash_pos(ft, sw_flowtab_hash(ft, &tup[i]));
		const uint32_t *e = pair_first(&ft->buckets[p.b1], &ft->buckets[p.b2], p.sig);

		if (i < 20) {
			assert_non_null(e);
			assert_int_equal(*e, i);
		} else {
			assert_null(e);
		}
	}
	assert_int_equal(sw_flowtab_lookup_bulk(ft, keys, 21, out), 20);
	for (unsigned i = 0; i < 20; i++)
		assert_ptr_equal(out[i], &ft->flows[i]);
	assert_null(out[20]);
	free(ft);
}

static void
test_dump(void **state)
{
	const uint32_t cap = 50;
	struct sw_flowtab *ft = ft_new(cap);
	struct sw_flow out[50];
	bool seen[40] = {false};
	unsigned n;

	(void)state;
	assert_int_equal(sw_flowtab_dump(ft, 0, 7, out), 0);
	for (uint32_t i = 0; i < 40; i++) {
		struct sw_tuple k = key_of(i);
		struct sw_flow *f = ft_insert(ft, &k, SW_CONN_ESTABLISHED, i, NULL);

		f->service_id = (uint16_t)i;
	}
	for (uint32_t i = 0; i < 40; i += 4) {
		struct sw_tuple k = key_of(i);

		sw_flowtab_del(ft, ft_find(ft, &k));
	}
	/* The first 7 live ones, skipping the holes, in slot order. */
	n = sw_flowtab_dump(ft, 0, 7, out);
	assert_int_equal(n, 7);
	for (unsigned j = 0; j < n; j++)
		assert_int_equal(out[j].service_id, j + 1 + j / 3);
	/* All of them. */
	n = sw_flowtab_dump(ft, 0, 50, out);
	assert_int_equal(n, 30);
	for (unsigned j = 0; j < n; j++) {
		uint16_t id = out[j].service_id;
		struct sw_tuple k = key_of(id);

		assert_true(id < 40 && id % 4 != 0);
		assert_false(seen[id]);
		seen[id] = true;
		assert_memory_equal(&out[j].key, &k, sizeof(k));
		assert_int_equal(out[j].conn.state, SW_CONN_ESTABLISHED);
		assert_int_equal(out[j].expire_ms, id);
	}
	/* From a slot index on. */
	n = sw_flowtab_dump(ft, 36, 50, out);
	assert_int_equal(n, 3);
	for (unsigned j = 0; j < n; j++)
		assert_int_equal(out[j].service_id, 37 + j);
	assert_int_equal(sw_flowtab_dump(ft, cap, 7, out), 0);
	assert_int_equal(sw_flowtab_dump(ft, UINT32_MAX, 7, out), 0);
	assert_int_equal(sw_flowtab_dump(ft, 0, 0, out), 0);
	free(ft);
}

/* Control-thread reader running against a busy owner: only sanity checks, counted, not asserted. */
struct reader_ctx {
	struct sw_flowtab *ft;
	int stop;
	unsigned long rounds;
	unsigned long bad;
	unsigned long copied;
};

static void *
reader_main(void *arg)
{
	struct reader_ctx *c = arg;
	uint32_t cap = sw_flowtab_capacity(c->ft);
	struct sw_flow out[16];

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		uint32_t cnt[SW_CONN_STATE_MAX];

		c->bad += sw_flowtab_count(c->ft) > cap;
		sw_flowtab_count_by_state(c->ft, cnt);
		for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++)
			c->bad += cnt[s] > cap;
		for (unsigned start = 0; start < cap; start += 16) {
			unsigned n = sw_flowtab_dump(c->ft, start, 16, out);

			c->bad += n > 16;
			for (unsigned j = 0; j < n && j < 16; j++) {
				/* Torn entries hold words of real flows (or zeroed ones). */
				c->bad += out[j].conn.state == SW_CONN_FREE ||
					out[j].conn.state >= SW_CONN_STATE_MAX;
				c->bad += out[j].key.family != 4 && out[j].key.family != 6 &&
					out[j].key.family != 0;
			}
			c->copied += n;
		}
		c->rounds++;
	}
	return NULL;
}

static bool
exp_delete(struct sw_flow *f, void *arg)
{
	(void)f;
	(void)arg;
	return true;
}

static void
test_concurrent_readers(void **state)
{
	const uint32_t cap = 2000;
	struct sw_flowtab *ft = ft_new(cap);
	struct reader_ctx c = {.ft = ft};
	struct sw_flow *f;
	pthread_t th;
	uint32_t now = 0;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, reader_main, &c), 0);
	for (unsigned op = 0; op < 200000; op++) {
		struct sw_tuple k = key_of(rng_below(3 * cap));
		unsigned r = rng_below(10);

		now++;
		f = ft_find(ft, &k);
		if (f == NULL && r < 5)
			ft_insert(ft, &k, random_state_est(), now + rng_below(5000), NULL);
		else if (f != NULL && r < 7)
			sw_flowtab_del(ft, f);
		else if (f != NULL)
			sw_flowtab_set_state(ft, f, random_state_est());
		if (op % 16 == 0)
			sw_flowtab_expire(ft, now, 32, exp_delete, NULL);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	print_message("reader: %lu rounds, %lu entries copied\n", c.rounds, c.copied);
	assert_int_equal(c.bad, 0);
	assert_true(c.rounds > 0);
	assert_int_equal(sum_states(ft), sw_flowtab_count(ft));
	check_invariants(ft);
	free(ft);
}

/* Randomised model test: the table against a plain array indexed by flow id. */
#define MODEL_IDS 2000
#define MODEL_CAP 1000
#define MODEL_OPS 100000

struct model_flow {
	bool present;
	uint8_t state;
	uint32_t expire_ms;
	struct sw_flow *f;
};

static struct model_flow model[MODEL_IDS];
static uint32_t model_count[SW_CONN_STATE_MAX];
static uint32_t model_live;

static void
model_remove(uint32_t id)
{
	assert_true(model[id].present);
	model[id].present = false;
	model_count[model[id].state]--;
	model_live--;
}

struct model_exp_ctx {
	struct sw_flowtab *ft;
	uint32_t now_ms;
	unsigned calls;
};

static bool
model_exp_cb(struct sw_flow *f, void *arg)
{
	struct model_exp_ctx *c = arg;
	uint32_t id = f->service_id;

	c->calls++;
	assert_true(id < MODEL_IDS && model[id].present);
	assert_ptr_equal(model[id].f, f);
	assert_true((int32_t)(model[id].expire_ms - c->now_ms) <= 0);
	if (rng_below(2) == 0) {
		model_remove(id);
		return true;
	}
	f->expire_ms = c->now_ms + 1 + rng_below(20000);
	model[id].expire_ms = f->expire_ms;
	return false;
}

static void
model_check_all(struct sw_flowtab *ft)
{
	for (uint32_t id = 0; id < MODEL_IDS; id++) {
		struct sw_tuple k = key_of(id);
		struct sw_flow *f = ft_find(ft, &k);

		if (!model[id].present) {
			assert_null(f);
			continue;
		}
		assert_ptr_equal(f, model[id].f);
		assert_int_equal(f->conn.state, model[id].state);
		assert_int_equal(f->expire_ms, model[id].expire_ms);
	}
}

static void
test_model_random(void **state)
{
	struct sw_flowtab *ft = ft_new(MODEL_CAP);
	uint32_t now = UINT32_MAX - 20000; /* the clock wraps during the run */
	unsigned n_evict = 0, n_full = 0, n_expired_calls = 0;

	(void)state;
	memset(model, 0, sizeof(model));
	memset(model_count, 0, sizeof(model_count));
	model_live = 0;
	for (unsigned op = 0; op < MODEL_OPS; op++) {
		uint32_t id = rng_below(MODEL_IDS);
		struct sw_tuple k = key_of(id);
		unsigned r = rng_below(100);

		now += rng_below(2);
		if (r < 30) {
			struct sw_flow *f = ft_find(ft, &k);

			assert_ptr_equal(f, model[id].present ? model[id].f : NULL);
		} else if (r < 60) {
			bool ev = false, with_state;
			uint8_t new_state;
			struct sw_flow *f;

			if (model[id].present)
				continue;
			/* Half the inserts in one step with their state (sw_flowtab_add_state). */
			with_state = rng_below(2) == 0;
			new_state = random_state_est();
			if (with_state)
				f = sw_flowtab_add_state(
					ft, &k, sw_flowtab_hash(ft, &k), new_state, &ev);
			else
				f = sw_flowtab_add(ft, &k, sw_flowtab_hash(ft, &k), &ev);
			if (f == NULL) {
				assert_false(ev);
				assert_int_equal(model_live, MODEL_CAP);
				n_full++;
				continue;
			}
			if (ev) {
				/* Exactly one flow vanished, never an ESTABLISHED one. */
				uint32_t gone = UINT32_MAX;

				assert_int_equal(model_live, MODEL_CAP);
				for (uint32_t j = 0; j < MODEL_IDS; j++) {
					struct sw_tuple kj = key_of(j);

					if (!model[j].present || j == id)
						continue;
					if (ft_find(ft, &kj) == NULL) {
						assert_int_equal(gone, UINT32_MAX);
						gone = j;
					}
				}
				assert_int_not_equal(gone, UINT32_MAX);
				assert_int_not_equal(model[gone].state, SW_CONN_ESTABLISHED);
				model_remove(gone);
				n_evict++;
			} else {
				assert_true(model_live < MODEL_CAP);
			}
			model[id].present = true;
			model[id].f = f;
			model[id].state = new_state;
			model[id].expire_ms = now + rng_below(30000);
			model_count[model[id].state]++;
			model_live++;
			if (with_state)
				assert_int_equal(f->conn.state, new_state);
			else
				sw_flowtab_set_state(ft, f, model[id].state);
			f->expire_ms = model[id].expire_ms;
			f->service_id = (uint16_t)id;
		} else if (r < 72) {
			if (!model[id].present)
				continue;
			sw_flowtab_del(ft, model[id].f);
			model_remove(id);
		} else if (r < 86) {
			uint8_t s = random_state_est();

			if (!model[id].present)
				continue;
			sw_flowtab_set_state(ft, model[id].f, s);
			model_count[model[id].state]--;
			model_count[s]++;
			model[id].state = s;
		} else if (r < 99) {
			struct model_exp_ctx c = {.ft = ft, .now_ms = now};
			unsigned budget = 1 + rng_below(64);

			assert_true(sw_flowtab_expire(ft, now, budget, model_exp_cb, &c) <= budget);
			assert_true(c.calls <= budget);
			n_expired_calls += c.calls;
		} else {
			now += rng_below(100);
		}

		assert_int_equal(sw_flowtab_count(ft), model_live);
		if (op % 64 == 0) {
			uint32_t cnt[SW_CONN_STATE_MAX];

			sw_flowtab_count_by_state(ft, cnt);
			for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++)
				assert_int_equal(cnt[s], model_count[s]);
		}
		if (op % 5000 == 0) {
			model_check_all(ft);
			check_invariants(ft);
		}
	}
	model_check_all(ft);
	check_invariants(ft);
	print_message("model: %u evictions, %u refused adds, %u expiry callbacks\n", n_evict,
		n_full, n_expired_calls);
	assert_int_equal(sw_flowtab_evictions(ft), n_evict);
	/* The run must have exercised every path. */
	assert_true(n_evict > 100);
	assert_true(n_full > 0);
	assert_true(n_expired_calls > 100);
	free(ft);
}

/* Run test under the SipHash table hash (the default is AES where the CPU has it). */
static void
with_siphash(void (*test)(void **), void **state)
{
	cur_kind = FT_HASH_SIPHASH;
	test(state);
	cur_kind = FT_HASH_AUTO;
}

static void
test_add_lookup_del_siphash(void **state)
{
	with_siphash(test_add_lookup_del_v4_v6, state);
}

static void
test_cuckoo_move_and_chain_siphash(void **state)
{
	with_siphash(test_cuckoo_move_and_chain, state);
}

static void
test_bulk_equals_single_siphash(void **state)
{
	with_siphash(test_bulk_equals_single, state);
}

static void
test_bulk_same_sig_siphash(void **state)
{
	with_siphash(test_bulk_same_sig, state);
}

static void
test_bulk_every_slot_siphash(void **state)
{
	with_siphash(test_bulk_every_slot, state);
}

static void
test_model_random_siphash(void **state)
{
	with_siphash(test_model_random, state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
		cmocka_unit_test(test_hash_is_siphash13),
		cmocka_unit_test(test_hash_is_aes),
		cmocka_unit_test(test_hash_auto),
		cmocka_unit_test(test_add_lookup_del_v4_v6),
		cmocka_unit_test(test_fill_delete_all_cycles),
		cmocka_unit_test(test_evict_preference),
		cmocka_unit_test(test_evict_never_fresh_or_established),
		cmocka_unit_test(test_evict_second_bucket),
		cmocka_unit_test(test_cuckoo_move_and_chain),
		cmocka_unit_test(test_full_large_established_kept),
		cmocka_unit_test(test_counts_by_state),
		cmocka_unit_test(test_add_state),
		cmocka_unit_test(test_add_state_evicts),
		cmocka_unit_test(test_expire_budget_and_rearm),
		cmocka_unit_test(test_expire_wraparound),
		cmocka_unit_test(test_bulk_equals_single),
		cmocka_unit_test(test_bulk_same_sig),
		cmocka_unit_test(test_bulk_every_slot),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_model_random),
		cmocka_unit_test(test_add_lookup_del_siphash),
		cmocka_unit_test(test_cuckoo_move_and_chain_siphash),
		cmocka_unit_test(test_bulk_equals_single_siphash),
		cmocka_unit_test(test_bulk_same_sig_siphash),
		cmocka_unit_test(test_bulk_every_slot_siphash),
		cmocka_unit_test(test_model_random_siphash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
