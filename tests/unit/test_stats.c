/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of lib/stats (HLL, attack detector, Prometheus writer) and the /metrics server. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "sw_detect.h"
#include "sw_hll.h"
#include "sw_stats.h"
#include "sw_prom.h"
#include "prom_http.h"

/*
 * HyperLogLog
 */

#define HLL_SEED 0x5eed5eed12345678ULL

/* Sketch in fresh memory filled with garbage: init must not rely on zeroed memory. */
static struct sw_hll *
hll_new(unsigned p)
{
	size_t sz = sw_hll_memsize(p);
	void *mem;

	assert_true(sz > 0);
	mem = malloc(sz);
	assert_non_null(mem);
	memset(mem, 0xa5, sz);
	assert_int_equal(sw_hll_init(mem, p), 0);
	return mem;
}

/* Source i (< 2^17) as an IPv4 address in 198.18.0.0/15. */
static void
addr_v4(uint32_t i, uint8_t a[4])
{
	uint32_t v = (198u << 24 | 18u << 16) + i;

	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

/* Source i as an IPv6 address in 2001:2::/48. */
static void
addr_v6(uint64_t i, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[3] = 0x02;
	for (int k = 0; k < 8; k++)
		a[15 - k] = (uint8_t)(i >> (8 * k));
}

/* Add sources [from, to) (IPv4 while they fit in the /15, IPv6 otherwise). */
static void
hll_add_range(struct sw_hll *h, uint64_t from, uint64_t to, uint64_t seed, bool v6)
{
	uint8_t a[16];

	for (uint64_t i = from; i < to; i++) {
		if (v6) {
			addr_v6(i, a);
			sw_hll_add_hash(h, sw_hll_hash_addr(a, 16, seed));
		} else {
			addr_v4((uint32_t)i, a);
			sw_hll_add_hash(h, sw_hll_hash_addr(a, 4, seed));
		}
	}
}

static void
test_hll_init(void **state)
{
	uint8_t mem[64];
	struct sw_hll *h;

	(void)state;
	assert_int_equal(sw_hll_memsize(SW_HLL_P_MIN - 1), 0);
	assert_int_equal(sw_hll_memsize(SW_HLL_P_MAX + 1), 0);
	assert_int_equal(sw_hll_memsize(10), sizeof(struct sw_hll) + 1024);
	assert_int_equal(sw_hll_init(mem, 3), -EINVAL);
	assert_int_equal(sw_hll_init(mem, 17), -EINVAL);
	assert_int_equal(sw_hll_init(NULL, 10), -EINVAL);
	assert_true(sizeof(mem) >= sw_hll_memsize(4));
	assert_int_equal(sw_hll_init(mem, 4), 0);
	assert_true(sw_hll_estimate((struct sw_hll *)mem) == 0);
	assert_true(fabs(sw_hll_std_error(10) - 0.0325) < 1e-9);

	h = hll_new(SW_HLL_P_DEFAULT);
	assert_int_equal(h->m, 1024);
	assert_true(sw_hll_estimate(h) == 0);
	sw_hll_add_hash(h, 0);
	sw_hll_add_hash(h, UINT64_MAX);
	assert_true(fabs(sw_hll_estimate(h) - 2) < 0.01);
	free(h);
}

/* XXH64 vectors, checked with `printf ... | xxhsum -H1` (xxhash 0.8.1). */
static void
test_hll_hash(void **state)
{
	const uint8_t v4[4] = {0xc6, 0x12, 0x00, 0x01};
	const char *s35 = "0123456789abcdef0123456789abcdefXYZ";
	unsigned flips = 0;

	(void)state;
	assert_true(sw_hll_hash_addr(NULL, 0, 0) == 0xef46db3751d8e999ULL);
	assert_true(sw_hll_hash_addr((const uint8_t *)"a", 1, 0) == 0xd24ec4f1a98c6e5bULL);
	assert_true(sw_hll_hash_addr((const uint8_t *)"abc", 3, 0) == 0x44bc2cf5ad770999ULL);
	assert_true(sw_hll_hash_addr(v4, 4, 0) == 0x3bb6882797f9fc07ULL);
	assert_true(sw_hll_hash_addr((const uint8_t *)s35, 35, 0) == 0x654f6a2b39e4d8c1ULL);
	assert_true(sw_hll_hash_addr(v4, 4, 0) != sw_hll_hash_addr(v4, 4, 1));

	/* Avalanche: one input bit flips about half of the output bits. */
	for (unsigned bit = 0; bit < 128; bit++) {
		uint8_t a[16], b[16];

		addr_v6(0x1234, a);
		memcpy(b, a, sizeof(b));
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		flips += (unsigned)__builtin_popcountll(
			sw_hll_hash_addr(a, 16, HLL_SEED) ^ sw_hll_hash_addr(b, 16, HLL_SEED));
	}
	assert_true(flips > 128 * 28 && flips < 128 * 36);
}

/*
 * XXH64 for inputs under 32 bytes, written out from the specification (v0.8)
 * with the 8/4/1-byte steps as separate loops: the reference for the
 * 4-byte (IPv4) fast path of sw_hll_hash_addr() under random seeds.
 */
static uint64_t
ref_xxh64_short(const uint8_t *p, unsigned len, uint64_t seed)
{
	const uint64_t p1 = 0x9E3779B185EBCA87ULL, p2 = 0xC2B2AE3D27D4EB4FULL;
	const uint64_t p3 = 0x165667B19E3779F9ULL, p4 = 0x85EBCA77C2B2AE63ULL;
	const uint64_t p5 = 0x27D4EB2F165667C5ULL;
	uint64_t h = seed + p5 + len;
	unsigned i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t k = 0;

		for (unsigned b = 0; b < 8; b++)
			k |= (uint64_t)p[i + b] << (8 * b);
		k *= p2;
		k = (k << 31) | (k >> 33);
		h ^= k * p1;
		h = ((h << 27) | (h >> 37)) * p1 + p4;
	}
	for (; i + 4 <= len; i += 4) {
		uint64_t k = (uint64_t)p[i] | (uint64_t)p[i + 1] << 8 | (uint64_t)p[i + 2] << 16 |
			(uint64_t)p[i + 3] << 24;

		h ^= k * p1;
		h = ((h << 23) | (h >> 41)) * p2 + p3;
	}
	for (; i < len; i++) {
		h ^= p[i] * p5;
		h = ((h << 11) | (h >> 53)) * p1;
	}
	h ^= h >> 33;
	h *= p2;
	h ^= h >> 29;
	h *= p3;
	h ^= h >> 32;
	return h;
}

static void
test_hll_hash_short_ref(void **state)
{
	uint64_t x = 0x0123456789abcdefULL;
	uint8_t a[31];

	(void)state;
	for (unsigned iter = 0; iter < 20000; iter++) {
		unsigned len = iter % 32;
		uint64_t seed;

		for (unsigned i = 0; i < sizeof(a); i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			a[i] = (uint8_t)(x >> 56);
		}
		seed = x ^ (x >> 29) * 0x9e3779b97f4a7c15ULL;
		if (len == 31)
			len = 4; /* IPv4 more often */
		assert_true(sw_hll_hash_addr(a, len, seed) == ref_xxh64_short(a, len, seed));
		/* The out-of-line general code, which the inline 4-byte case bypasses. */
		assert_true(sw_hll_hash_bytes(a, len, seed) == ref_xxh64_short(a, len, seed));
	}
}

/*
 * sw_hll_add_hash() puts each hash in the register and at the rank of the
 * definition in sw_hll.h (rank = leading zeros of the q low bits + 1, q + 1
 * when they are all 0), for every precision, at the edges of the rank range
 * and at random.
 */
static void
test_hll_add_rank(void **state)
{
	uint64_t x = 0x243f6a8885a308d3ULL;

	(void)state;
	for (unsigned p = SW_HLL_P_MIN; p <= SW_HLL_P_MAX; p++) {
		const unsigned q = 64 - p;
		struct sw_hll *h = hll_new(p);

		for (unsigned iter = 0; iter < 3000; iter++) {
			uint64_t hash, w;
			uint32_t idx;
			unsigned rank;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			hash = x ^ x >> 31;
			if (iter < 2 * (q + 1)) {
				/* Every rank, with a zero and an all-ones index. */
				hash = iter / 2 < q ? (uint64_t)1 << (q - 1 - iter / 2) : 0;
				if (iter & 1)
					hash |= ~(uint64_t)0 << q;
			} else if (iter % 4 == 0) {
				hash >>= x % 64; /* high ranks */
			}
			idx = (uint32_t)(hash >> q);
			w = hash & (((uint64_t)1 << q) - 1);
			rank = w == 0 ? q + 1 : (unsigned)__builtin_clzll(w) - p + 1;

			sw_hll_clear(h);
			sw_hll_add_hash(h, hash);
			assert_int_equal(h->reg[idx], rank);
			for (uint32_t i = 0; i < h->m; i++)
				if (i != idx)
					assert_int_equal(h->reg[i], 0);
			/* A lower or equal rank leaves the register alone. */
			sw_hll_add_hash(h, hash | (uint64_t)1 << (q - 1));
			assert_int_equal(h->reg[idx], rank);
			if (p == SW_HLL_P_DEFAULT) {
				/* The constant-precision form (the data path's SW_HLL_P). */
				sw_hll_clear(h);
				sw_hll_add_hash_p(h, hash, SW_HLL_P_DEFAULT);
				assert_int_equal(h->reg[idx], rank);
				for (uint32_t i = 0; i < h->m; i++)
					if (i != idx)
						assert_int_equal(h->reg[i], 0);
			}
		}
		free(h);
	}
}

static void
test_hll_accuracy(void **state)
{
	static const uint64_t ns[] = {1000, 10000, 100000, 1000000};
	static const unsigned ps[] = {SW_HLL_P_DEFAULT, 14};

	(void)state;
	for (unsigned k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		const double bound = 3 * sw_hll_std_error(ps[k]);
		struct sw_hll *h = hll_new(ps[k]);

		for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			double est, err;

			sw_hll_clear(h);
			hll_add_range(h, 0, ns[i], HLL_SEED, ns[i] > 100000);
			est = sw_hll_estimate(h);
			err = (est - (double)ns[i]) / (double)ns[i];
			print_message("hll p=%u n=%-8" PRIu64
				      " estimate %.0f error %+.2f%% (bound %.2f%%)\n",
				ps[k], ns[i], est, 100 * err, 100 * bound);
			assert_true(fabs(err) <= bound);
		}
		free(h);
	}
}

/*
 * Over many seeds, the error has no bias and its spread matches the design
 * standard error, including the 2.5m..5m range where the classic estimator
 * switches from linear counting and is biased.
 */
static void
test_hll_bias(void **state)
{
	static const struct {
		uint64_t n;
		unsigned seeds;
	} runs[] = {{100, 64}, {1000, 64}, {2500, 64}, {4000, 64}, {6000, 64}, {10000, 64},
		{50000, 64}, {1000000, 32}};
	const double se = sw_hll_std_error(SW_HLL_P_DEFAULT);
	struct sw_hll *h = hll_new(SW_HLL_P_DEFAULT);

	(void)state;
	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		const uint64_t n = runs[i].n;
		const unsigned seeds = runs[i].seeds;
		double sum = 0, sum2 = 0, mean, rms;

		for (unsigned s = 0; s < seeds; s++) {
			double err;

			sw_hll_clear(h);
			hll_add_range(h, 0, n, HLL_SEED * (s + 1), n > 100000);
			err = (sw_hll_estimate(h) - (double)n) / (double)n;
			sum += err;
			sum2 += err * err;
		}
		mean = sum / seeds;
		rms = sqrt(sum2 / seeds);
		print_message("hll p=10 n=%-8" PRIu64 " over %2u seeds: mean %+.2f%% rms %.2f%%\n",
			n, seeds, 100 * mean, 100 * rms);
		/* 3 standard errors of the mean; rms at most 1.3x the design error. */
		assert_true(fabs(mean) <= 3 * se / sqrt(seeds));
		assert_true(rms <= 1.3 * se);
	}
	free(h);
}

static void
test_hll_duplicates(void **state)
{
	struct sw_hll *once = hll_new(SW_HLL_P_DEFAULT);
	struct sw_hll *many = hll_new(SW_HLL_P_DEFAULT);

	(void)state;
	hll_add_range(once, 0, 5000, HLL_SEED, false);
	for (int r = 0; r < 20; r++)
		hll_add_range(many, 0, 5000, HLL_SEED, false);
	assert_memory_equal(once->reg, many->reg, once->m);
	assert_true(sw_hll_estimate(once) == sw_hll_estimate(many));
	/* One source hammering: still one. */
	sw_hll_clear(many);
	for (int r = 0; r < 100000; r++)
		hll_add_range(many, 7, 8, HLL_SEED, false);
	assert_true(fabs(sw_hll_estimate(many) - 1) < 0.01);
	free(once);
	free(many);
}

static void
test_hll_merge(void **state)
{
	struct sw_hll *a = hll_new(SW_HLL_P_DEFAULT);
	struct sw_hll *b = hll_new(SW_HLL_P_DEFAULT);
	struct sw_hll *all = hll_new(SW_HLL_P_DEFAULT);
	struct sw_hll *other = hll_new(12);
	struct sw_hll *empty = hll_new(SW_HLL_P_DEFAULT);
	double est;

	(void)state;
	/* Two workers with overlapping sources, as the control thread merges them. */
	hll_add_range(a, 0, 60000, HLL_SEED, false);
	hll_add_range(b, 40000, 100000, HLL_SEED, false);
	hll_add_range(all, 0, 100000, HLL_SEED, false);
	assert_int_equal(sw_hll_merge(a, b), 0);
	assert_memory_equal(a->reg, all->reg, a->m);
	est = sw_hll_estimate(a);
	assert_true(est == sw_hll_estimate(all));
	assert_true(fabs(est - 100000) / 100000 <= 3 * sw_hll_std_error(SW_HLL_P_DEFAULT));

	/* Merging an empty sketch or itself changes nothing. */
	assert_int_equal(sw_hll_merge(a, empty), 0);
	assert_int_equal(sw_hll_merge(a, a), 0);
	assert_memory_equal(a->reg, all->reg, a->m);
	assert_int_equal(sw_hll_merge(empty, all), 0);
	assert_memory_equal(empty->reg, all->reg, a->m);

	assert_int_equal(sw_hll_merge(a, other), -EINVAL);
	assert_int_equal(sw_hll_merge(other, a), -EINVAL);
	free(a);
	free(b);
	free(all);
	free(other);
	free(empty);
}

static void
test_hll_clear(void **state)
{
	struct sw_hll *h = hll_new(SW_HLL_P_DEFAULT);
	struct sw_hll *fresh = hll_new(SW_HLL_P_DEFAULT);

	(void)state;
	hll_add_range(h, 0, 30000, HLL_SEED, false);
	assert_true(sw_hll_estimate(h) > 20000);
	sw_hll_clear(h);
	assert_true(sw_hll_estimate(h) == 0);
	assert_memory_equal(h->reg, fresh->reg, h->m);
	assert_int_equal(h->p, SW_HLL_P_DEFAULT);
	/* Usable for the next window. */
	hll_add_range(h, 0, 1000, HLL_SEED, false);
	assert_true(fabs(sw_hll_estimate(h) - 1000) / 1000 <= 3 * sw_hll_std_error(10));
	free(h);
	free(fresh);
}

/*
 * Clear skips a sketch nothing was added to or merged into since the last
 * clear: random add / merge / clear sequences on two sketches against a
 * model of plain register arrays, compared after every step.
 */
static void
test_hll_clear_lazy(void **state)
{
	struct sw_hll *h[2] = {hll_new(SW_HLL_P_MIN), hll_new(SW_HLL_P_MIN)};
	uint8_t model[2][1u << SW_HLL_P_MIN];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	memset(model, 0, sizeof(model));
	for (unsigned step = 0; step < 20000; step++) {
		unsigned r, k;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (unsigned)(x >> 56);
		k = r & 1;
		if (r % 8 < 3) {
			/* Add: the rank is the position of the first 1 after the index bits. */
			uint64_t hash = x >> ((r >> 3) % 64);
			uint32_t idx = (uint32_t)(hash >> (64 - SW_HLL_P_MIN));
			uint64_t w = hash << SW_HLL_P_MIN;
			uint8_t rank =
				w == 0 ? 64 - SW_HLL_P_MIN + 1 : (uint8_t)(__builtin_clzll(w) + 1);

			sw_hll_add_hash(h[k], hash);
			if (rank > model[k][idx])
				model[k][idx] = rank;
		} else if (r % 8 < 5) {
			assert_int_equal(sw_hll_merge(h[k], h[!k]), 0);
			for (unsigned i = 0; i < h[k]->m; i++)
				if (model[!k][i] > model[k][i])
					model[k][i] = model[!k][i];
		} else {
			/* Often twice in a row: the second one has nothing to do. */
			sw_hll_clear(h[k]);
			memset(model[k], 0, sizeof(model[k]));
		}
		assert_memory_equal(h[0]->reg, model[0], h[0]->m);
		assert_memory_equal(h[1]->reg, model[1], h[1]->m);
	}
	/* A merge of an empty sketch leaves the destination empty; of a full one, not. */
	sw_hll_clear(h[0]);
	sw_hll_clear(h[1]);
	assert_int_equal(sw_hll_merge(h[0], h[1]), 0);
	assert_true(sw_hll_estimate(h[0]) == 0);
	hll_add_range(h[1], 0, 100, HLL_SEED, false);
	assert_int_equal(sw_hll_merge(h[0], h[1]), 0);
	assert_true(sw_hll_estimate(h[0]) > 0);
	sw_hll_clear(h[0]);
	assert_true(sw_hll_estimate(h[0]) == 0);
	free(h[0]);
	free(h[1]);
}

/* A worker adding while the control thread merges and estimates (run under TSan/ASan). */
struct hll_race {
	struct sw_hll *h;
	bool done;
};

static void *
hll_race_worker(void *p)
{
	struct hll_race *r = p;

	hll_add_range(r->h, 0, 200000, HLL_SEED, true);
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_hll_concurrent_read(void **state)
{
	struct hll_race r = {.h = hll_new(SW_HLL_P_DEFAULT)};
	struct sw_hll *sum = hll_new(SW_HLL_P_DEFAULT);
	double prev = 0;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, hll_race_worker, &r), 0);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
		double est;

		sw_hll_clear(sum);
		assert_int_equal(sw_hll_merge(sum, r.h), 0);
		est = sw_hll_estimate(sum);
		/* Registers only grow: the estimate never goes down within the window. */
		assert_true(est >= prev);
		prev = est;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	sw_hll_clear(sum);
	assert_int_equal(sw_hll_merge(sum, r.h), 0);
	assert_true(fabs(sw_hll_estimate(sum) - 200000) / 200000 <= 3 * sw_hll_std_error(10));
	free(r.h);
	free(sum);
}

/*
 * Attack detector
 */

static struct sw_detect_sample
sample(uint64_t syn_rate, double ratio, double sources)
{
	struct sw_detect_sample s = {
		.syns = syn_rate,
		.completed = (uint64_t)((double)syn_rate * ratio),
		.forged_acks = syn_rate / 10,
		.sources = sources,
		.interval_ms = 1000,
	};

	return s;
}

static void
test_detect_conf(void **state)
{
	struct sw_detect_conf c;
	struct sw_detect d;

	(void)state;
	sw_detect_conf_default(&c);
	assert_true(c.syn_rate_on == 1000 && c.syn_rate_off == 500);
	assert_true(c.ratio_on == 0.5 && c.sources_on == 1000);
	assert_int_equal(c.enter_intervals, 2);
	assert_int_equal(c.leave_intervals, 5);
	assert_int_equal(sw_detect_conf_validate(&c), 0);
	assert_int_equal(sw_detect_init(&d, &c), 0);
	assert_int_equal(d.state, SW_DETECT_NORMAL);
	assert_int_equal(d.nb_attacks, 0);

	c.syn_rate_off = c.syn_rate_on;
	assert_int_equal(sw_detect_init(&d, &c), -EINVAL);
	sw_detect_conf_default(&c);
	c.ratio_on = 1.5;
	assert_int_equal(sw_detect_conf_validate(&c), -EINVAL);
	sw_detect_conf_default(&c);
	c.ratio_on = NAN;
	assert_int_equal(sw_detect_conf_validate(&c), -EINVAL);
	sw_detect_conf_default(&c);
	c.sources_on = -1;
	assert_int_equal(sw_detect_conf_validate(&c), -EINVAL);
	sw_detect_conf_default(&c);
	c.syn_rate_on = INFINITY;
	assert_int_equal(sw_detect_conf_validate(&c), -EINVAL);
	sw_detect_conf_default(&c);
	c.enter_intervals = 0;
	assert_int_equal(sw_detect_conf_validate(&c), -EINVAL);
	sw_detect_conf_default(&c);
	c.leave_intervals = 0;
	assert_int_equal(sw_detect_conf_validate(&c), -EINVAL);
	assert_int_equal(sw_detect_conf_validate(NULL), -EINVAL);

	assert_string_equal(sw_detect_state_name(SW_DETECT_ATTACK), "attack");
	assert_string_equal(sw_detect_event_name(SW_DETECT_EV_ATTACK_END), "attack_end");
}

/* Ramp up, plateau, drop: one start and one end, at the right samples, with the peaks. */
static void
test_detect_flood_timeline(void **state)
{
	struct sw_detect_sample tl[64];
	struct sw_detect_conf c;
	struct sw_detect d;
	unsigned n = 0, starts = 0, ends = 0, start_at = 0, end_at = 0;

	(void)state;
	for (int i = 0; i < 10; i++) /* baseline: legitimate clients */
		tl[n++] = sample(200, 0.97, 150);
	tl[n++] = sample(600, 0.6, 400); /* 10: ramp, below syn_rate_on */
	tl[n++] = sample(1500, 0.3, 2000); /* 11: first suspicious */
	tl[n++] = sample(8000, 0.05, 9000); /* 12: second: ATTACK_START here */
	for (int i = 0; i < 8; i++) /* 13..20: plateau */
		tl[n++] = sample(50000, 0.01, 40000 + 500 * (double)i);
	tl[n++] = sample(75000, 0.01, 30000); /* 21: the peak rate */
	tl[n++] = sample(50000, 0.01, 45000); /* 22: the peak sources */
	tl[n++] = sample(300, 0.9, 100); /* 23: drop; 23..27 below syn_rate_off */
	for (int i = 0; i < 10; i++) /* 24..33: ATTACK_END at 27 */
		tl[n++] = sample(250, 0.95, 120);

	sw_detect_conf_default(&c);
	assert_int_equal(sw_detect_init(&d, &c), 0);
	for (unsigned i = 0; i < n; i++) {
		enum sw_detect_event ev = sw_detect_update(&d, &tl[i], 1000 * (i + 1));

		if (ev == SW_DETECT_EV_ATTACK_START) {
			starts++;
			start_at = i;
			assert_int_equal(d.state, SW_DETECT_ATTACK);
			assert_int_equal(d.since_ms, 1000 * (i + 1));
			assert_int_equal(d.nb_attacks, 1);
			/* The declaring streak counts: peaks already at the second sample's. */
			assert_true(d.peak_syn_rate == 8000);
			assert_true(d.peak_sources == 9000);
			assert_int_equal(d.attack_syns, 1500 + 8000);
		} else if (ev == SW_DETECT_EV_ATTACK_END) {
			ends++;
			end_at = i;
			assert_int_equal(d.state, SW_DETECT_NORMAL);
		}
		if (i == 12 + 5) {
			assert_true(d.syn_rate == 50000);
			assert_true(fabs(d.ratio - 0.01) < 1e-9);
			assert_true(d.forged_rate == 5000);
		}
	}
	assert_int_equal(starts, 1);
	assert_int_equal(ends, 1);
	assert_int_equal(start_at, 12);
	assert_int_equal(end_at, 27);
	assert_int_equal(d.state, SW_DETECT_NORMAL);
	assert_int_equal(d.nb_attacks, 1);
	assert_int_equal(d.attack_start_ms, 13000);
	assert_int_equal(d.attack_end_ms, 28000);
	assert_int_equal(d.since_ms, 28000);
	assert_true(d.peak_syn_rate == 75000);
	assert_true(d.peak_sources == 45000);
	assert_true(d.peak_forged_rate == 7500);
	/* Kept after the end for the log line; cleared by the next attack. */
	assert_true(d.syn_rate == 250);
}

/* Rates around a threshold, or sources/ratio alone, must not toggle the state. */
static void
test_detect_no_flap(void **state)
{
	struct sw_detect_sample s;
	struct sw_detect_conf c;
	struct sw_detect d;

	(void)state;
	sw_detect_conf_default(&c);
	assert_int_equal(sw_detect_init(&d, &c), 0);

	/* Alternating just over / under syn_rate_on: never 2 suspicious in a row. */
	for (unsigned i = 0; i < 50; i++) {
		s = sample(i % 2 ? 1100 : 900, 0.1, 5000);
		assert_int_equal(sw_detect_update(&d, &s, i), SW_DETECT_EV_NONE);
	}
	/* Flash crowd: high rate, handshakes complete, few sources. */
	for (unsigned i = 0; i < 20; i++) {
		s = sample(20000, 0.9, 300);
		assert_int_equal(sw_detect_update(&d, &s, 100 + i), SW_DETECT_EV_NONE);
	}
	/* Many sources, forged ACKs, but a low SYN rate. */
	for (unsigned i = 0; i < 20; i++) {
		s = sample(900, 0.0, 50000);
		assert_int_equal(sw_detect_update(&d, &s, 200 + i), SW_DETECT_EV_NONE);
	}
	assert_int_equal(d.state, SW_DETECT_NORMAL);
	assert_int_equal(d.nb_attacks, 0);

	/* Many sources alone (handshakes completing) is enough at a high rate. */
	s = sample(20000, 0.9, 5000);
	assert_int_equal(sw_detect_update(&d, &s, 300), SW_DETECT_EV_NONE);
	assert_int_equal(sw_detect_update(&d, &s, 301), SW_DETECT_EV_ATTACK_START);

	/* Under attack: hovering between off and on, or dipping under off < 5 times in a row. */
	for (unsigned i = 0; i < 40; i++) {
		s = sample(700, 0.9, 100);
		assert_int_equal(sw_detect_update(&d, &s, 400 + i), SW_DETECT_EV_NONE);
	}
	for (unsigned i = 0; i < 40; i++) {
		s = sample(i % 5 == 4 ? 600 : 400, 0.9, 100);
		assert_int_equal(sw_detect_update(&d, &s, 500 + i), SW_DETECT_EV_NONE);
	}
	assert_int_equal(d.state, SW_DETECT_ATTACK);
	assert_int_equal(d.nb_attacks, 1);

	/* Empty intervals are ignored, they neither end nor extend the streak. */
	s = sample(0, 1, 0);
	s.interval_ms = 0;
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(sw_detect_update(&d, &s, 600), SW_DETECT_EV_NONE);
	assert_int_equal(d.state, SW_DETECT_ATTACK);
	/* Zero SYNs for 5 intervals: ends. */
	s = sample(0, 1, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(sw_detect_update(&d, &s, 700 + i), SW_DETECT_EV_NONE);
	assert_int_equal(sw_detect_update(&d, &s, 704), SW_DETECT_EV_ATTACK_END);
	assert_true(d.ratio == 1);
}

/* A second attack counts and starts fresh peaks; interval length scales the rates. */
static void
test_detect_second_attack(void **state)
{
	struct sw_detect_sample s;
	struct sw_detect_conf c;
	struct sw_detect d;

	(void)state;
	sw_detect_conf_default(&c);
	c.enter_intervals = 1;
	c.leave_intervals = 1;
	assert_int_equal(sw_detect_init(&d, &c), 0);

	s = sample(90000, 0, 80000);
	assert_int_equal(sw_detect_update(&d, &s, 1000), SW_DETECT_EV_ATTACK_START);
	s = sample(10, 1, 5);
	assert_int_equal(sw_detect_update(&d, &s, 2000), SW_DETECT_EV_ATTACK_END);
	assert_true(d.peak_syn_rate == 90000);

	/* 3000 SYNs in 250 ms = 12000/s. */
	s = sample(3000, 0.2, 2000);
	s.interval_ms = 250;
	assert_int_equal(sw_detect_update(&d, &s, 3000), SW_DETECT_EV_ATTACK_START);
	assert_true(d.syn_rate == 12000);
	assert_true(d.forged_rate == 1200);
	assert_int_equal(d.nb_attacks, 2);
	assert_true(d.peak_syn_rate == 12000);
	assert_true(d.peak_sources == 2000);
	assert_int_equal(d.attack_start_ms, 3000);
	assert_int_equal(d.attack_end_ms, 0);
	/* A completed count above the SYN count (straddling handshakes) clamps to 1. */
	s = sample(5000, 1, 10);
	s.completed = 9000;
	assert_int_equal(sw_detect_update(&d, &s, 4000), SW_DETECT_EV_NONE);
	assert_true(d.ratio == 1);
	s.sources = NAN;
	assert_int_equal(sw_detect_update(&d, &s, 5000), SW_DETECT_EV_NONE);
	assert_true(d.sources == 0);
}

/*
 * syn_rate_off 0 (what the config's default rate / 2 gives for attack_syn_rate
 * = 1): nothing is below 0, so the attack used to last forever. It ends after
 * leave_intervals samples without any SYN; one SYN restarts the count.
 */
static void
test_detect_off_zero(void **state)
{
	struct sw_detect_sample s;
	struct sw_detect_conf c;
	struct sw_detect d;

	(void)state;
	sw_detect_conf_default(&c);
	c.syn_rate_on = 1;
	c.syn_rate_off = 0;
	c.enter_intervals = 1;
	assert_int_equal(sw_detect_init(&d, &c), 0);
	s = sample(5000, 0, 5000);
	assert_int_equal(sw_detect_update(&d, &s, 1000), SW_DETECT_EV_ATTACK_START);
	s = sample(0, 1, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(sw_detect_update(&d, &s, 2000 + 1000 * i), SW_DETECT_EV_NONE);
	s = sample(1, 1, 1);
	assert_int_equal(sw_detect_update(&d, &s, 6000), SW_DETECT_EV_NONE);
	s = sample(0, 1, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(sw_detect_update(&d, &s, 7000 + 1000 * i), SW_DETECT_EV_NONE);
	assert_int_equal(sw_detect_update(&d, &s, 11000), SW_DETECT_EV_ATTACK_END);
}

/*
 * Prometheus writer
 */

static const char prom_expected[] =
	"# HELP sw_test_total Help with \\\\ backslash\\nand \"quotes\"\n"
	"# TYPE sw_test_total counter\n"
	"sw_test_total{path=\"a\\\\b\\\"c\\nd\",port=\"outside\"} 3\n"
	"sw_test_total{path=\"\",port=\"inside\"} 18446744073709551615\n"
	"# HELP sw_bad_name g\n"
	"# TYPE sw_bad_name gauge\n"
	"sw_bad_name{_9lbl=\"x\",a_b=\"y\"} 0.1\n"
	"sw_bad_name{k=\"nan\"} NaN\n"
	"sw_bad_name{k=\"pinf\"} +Inf\n"
	"sw_bad_name{k=\"ninf\"} -Inf\n"
	"sw_bad_name{k=\"big\"} 1.2345678901234567e+20\n"
	"# TYPE _1starts:digit untyped\n"
	"_1starts:digit -2.5\n";

static int
prom_write_sample_set(struct sw_prom_writer *w)
{
	sw_prom_family(
		w, "sw_test_total", "Help with \\ backslash\nand \"quotes\"", SW_PROM_COUNTER);
	sw_prom_sample_u64(
		w, "sw_test_total", SW_PROM_LABELS("path", "a\\b\"c\nd", "port", "outside"), 3);
	sw_prom_sample_u64(
		w, "sw_test_total", SW_PROM_LABELS("path", "", "port", "inside"), UINT64_MAX);
	sw_prom_family(w, "sw-bad name", "g", SW_PROM_GAUGE);
	sw_prom_family(w, "sw-bad name", "g", SW_PROM_GAUGE); /* repeat: no-op */
	sw_prom_sample(w, "sw-bad name", SW_PROM_LABELS("9lbl", "x", "a:b", "y"), 0.1);
	sw_prom_sample(w, "sw-bad name", SW_PROM_LABELS("k", "nan"), NAN);
	sw_prom_sample(w, "sw-bad name", SW_PROM_LABELS("k", "pinf"), INFINITY);
	sw_prom_sample(w, "sw-bad name", SW_PROM_LABELS("k", "ninf"), -INFINITY);
	sw_prom_sample(w, "sw-bad name", SW_PROM_LABELS("k", "big"), 1.2345678901234567e20);
	sw_prom_family(w, "1starts:digit", NULL, SW_PROM_UNTYPED);
	sw_prom_sample(w, "1starts:digit", NULL, -2.5);
	return sw_prom_finish(w);
}

static void
test_prom_format(void **state)
{
	struct sw_prom_writer w;
	char buf[2048];

	(void)state;
	sw_prom_init_buf(&w, buf, sizeof(buf));
	assert_int_equal(prom_write_sample_set(&w), 0);
	assert_string_equal(buf, prom_expected);
	assert_int_equal(sw_prom_len(&w), strlen(prom_expected));
	assert_int_equal(sw_prom_error(&w), 0);

	/* Reopening an earlier family would break the scrape. */
	assert_int_equal(sw_prom_family(&w, "sw_test_total", "again", SW_PROM_COUNTER), -EEXIST);
	assert_int_equal(sw_prom_sample(&w, "x", NULL, 1), -EEXIST);
	assert_string_equal(buf, prom_expected);

	/* Odd label list: the last name gets an empty value. */
	sw_prom_init_buf(&w, buf, sizeof(buf));
	sw_prom_sample(&w, "m", (const char *const[]){"a", "1", "b", NULL}, 1);
	assert_string_equal(buf, "m{a=\"1\",b=\"\"} 1\n");
	assert_int_equal(sw_prom_family(&w, "f", "h", (enum sw_prom_type)7), -EINVAL);
}

static void
test_prom_overflow(void **state)
{
	struct sw_prom_writer w;
	char small[40];
	char *big;

	(void)state;
	sw_prom_init_buf(&w, small, sizeof(small));
	assert_int_equal(prom_write_sample_set(&w), -ENOSPC);
	assert_int_equal(sw_prom_error(&w), -ENOSPC);
	/* Truncated like snprintf, NUL-terminated, and the length that was needed. */
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, prom_expected, sizeof(small) - 1);
	assert_int_equal(sw_prom_len(&w), strlen(prom_expected));

	big = malloc(sw_prom_len(&w) + 1);
	assert_non_null(big);
	sw_prom_init_buf(&w, big, strlen(prom_expected) + 1);
	assert_int_equal(prom_write_sample_set(&w), 0);
	assert_string_equal(big, prom_expected);
	free(big);

	sw_prom_init_buf(&w, NULL, 0);
	assert_int_equal(prom_write_sample_set(&w), -ENOSPC);
	assert_int_equal(sw_prom_len(&w), strlen(prom_expected));
}

static void
test_prom_file(void **state)
{
	struct sw_prom_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	sw_prom_init_file(&w, f);
	assert_int_equal(prom_write_sample_set(&w), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text, prom_expected);
	free(text);

	/* A stream that fails: -EIO, sticky. */
	f = fopen("/dev/full", "w");
	if (f != NULL) {
		setvbuf(f, NULL, _IONBF, 0);
		sw_prom_init_file(&w, f);
		assert_int_equal(prom_write_sample_set(&w), -EIO);
		fclose(f);
	}
}

#define PYTHON "/usr/bin/python3"

/* Parse prom_expected with the reference Python client and check what it reads back. */
static const char prom_parse_script[] =
	"import sys\n"
	"from prometheus_client.parser import text_string_to_metric_families\n"
	"out = []\n"
	"for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
	"    out.append('F %s %s %r' % (f.name, f.type, f.documentation))\n"
	"    for s in f.samples:\n"
	"        out.append('S %s %r %r' % (s.name, sorted(s.labels.items()), s.value))\n"
	"open(sys.argv[2], 'w').write('\\n'.join(out) + '\\n')\n";

static const char prom_parse_expected[] =
	"F sw_test counter 'Help with \\\\ backslash\\nand \"quotes\"'\n"
	"S sw_test_total [('path', 'a\\\\b\"c\\nd'), ('port', 'outside')] 3.0\n"
	"S sw_test_total [('path', ''), ('port', 'inside')] 1.8446744073709552e+19\n"
	"F sw_bad_name gauge 'g'\n"
	"S sw_bad_name [('_9lbl', 'x'), ('a_b', 'y')] 0.1\n"
	"S sw_bad_name [('k', 'nan')] nan\n"
	"S sw_bad_name [('k', 'pinf')] inf\n"
	"S sw_bad_name [('k', 'ninf')] -inf\n"
	"S sw_bad_name [('k', 'big')] 1.2345678901234567e+20\n"
	"F _1starts:digit unknown ''\n"
	"S _1starts:digit [] -2.5\n";

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void
test_prom_python_parser(void **state)
{
	char dir[] = "/tmp/sw_test_prom_XXXXXX";
	char metrics[64], script[64], out[64], cmd[256];
	char got[4096];
	size_t n;
	FILE *f;

	(void)state;
	if (access(PYTHON, X_OK) != 0 ||
		system(PYTHON " -c 'import prometheus_client.parser' 2>/dev/null") != 0) {
		print_message("python3-prometheus-client not installed: skipped\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(metrics, sizeof(metrics), "%s/metrics", dir);
	snprintf(script, sizeof(script), "%s/parse.py", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	assert_int_equal(write_file(metrics, prom_expected), 0);
	assert_int_equal(write_file(script, prom_parse_script), 0);
	snprintf(cmd, sizeof(cmd), PYTHON " %s %s %s", script, metrics, out);
	assert_int_equal(system(cmd), 0);

	f = fopen(out, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_string_equal(got, prom_parse_expected);
	unlink(metrics);
	unlink(script);
	unlink(out);
	rmdir(dir);
}

/*
 * /metrics HTTP server
 */

struct render_ctx {
	uint64_t scrapes; /* written by the server thread (atomic) */
	bool fail; /* render returns -EIO (atomic) */
};

static int
test_render(void *arg, FILE *out)
{
	struct render_ctx *ctx = arg;
	struct sw_prom_writer w;
	uint64_t n = __atomic_add_fetch(&ctx->scrapes, 1, __ATOMIC_RELAXED);

	if (__atomic_load_n(&ctx->fail, __ATOMIC_RELAXED))
		return -EIO;
	sw_prom_init_file(&w, out);
	sw_prom_family(&w, "synwall_scrapes_total", "scrapes served", SW_PROM_COUNTER);
	sw_prom_sample_u64(&w, "synwall_scrapes_total", NULL, n);
	return sw_prom_finish(&w);
}

static int
connect_to(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct timeval tv = {.tv_sec = 5};
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	fd = socket(family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

/* Send req, read the whole reply until the server closes. Returns its length. */
static size_t
http_exchange(int family, uint16_t port, const char *req, size_t req_len, char *resp, size_t cap)
{
	int fd = connect_to(family, port);
	size_t len = 0;
	ssize_t n;

	assert_int_equal(send(fd, req, req_len, MSG_NOSIGNAL), (ssize_t)req_len);
	while (len < cap - 1 && (n = recv(fd, resp + len, cap - 1 - len, 0)) > 0)
		len += (size_t)n;
	resp[len] = '\0';
	close(fd);
	return len;
}

static size_t
http_get(uint16_t port, const char *req, char *resp, size_t cap)
{
	return http_exchange(AF_INET, port, req, strlen(req), resp, cap);
}

static const char *
body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	assert_non_null(b);
	return b + 4;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_http_metrics(void **state)
{
	struct render_ctx ctx = {0};
	struct sw_prom_http *s;
	char resp[4096];
	char clen[64];
	const char *body;
	uint16_t port;
	int64_t t0;

	(void)state;
	s = sw_prom_http_start("127.0.0.1:0", test_render, &ctx);
	assert_non_null(s);
	port = sw_prom_http_port(s);
	assert_true(port != 0);

	http_get(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n", resp,
		sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(resp, "\r\nContent-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(resp, "\r\nConnection: close\r\n"));
	body = body_of(resp);
	assert_string_equal(body,
		"# HELP synwall_scrapes_total scrapes served\n"
		"# TYPE synwall_scrapes_total counter\n"
		"synwall_scrapes_total 1\n");
	snprintf(clen, sizeof(clen), "\r\nContent-Length: %zu\r\n", strlen(body));
	assert_non_null(strstr(resp, clen));

	/* Query string, bare LF line ends, HTTP/1.0; each scrape renders afresh. */
	http_get(port, "GET /metrics?x=1 HTTP/1.0\n\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(body_of(resp), "synwall_scrapes_total 2\n"));

	/* HEAD: headers only. */
	http_get(port, "HEAD /metrics HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_string_equal(body_of(resp), "");

	t0 = mono_ms();
	sw_prom_http_stop(s);
	assert_true(mono_ms() - t0 < 250);
	assert_int_equal(__atomic_load_n(&ctx.scrapes, __ATOMIC_RELAXED), 3);
}

static void
test_http_errors(void **state)
{
	struct render_ctx ctx = {0};
	struct sw_prom_http *s;
	char resp[4096];
	char big[6000];
	uint16_t port;

	(void)state;
	s = sw_prom_http_start("127.0.0.1:0", test_render, &ctx);
	assert_non_null(s);
	port = sw_prom_http_port(s);

	http_get(port, "GET / HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 404 Not Found\r\n", 24) == 0);
	http_get(port, "GET /metricsx HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 404 ", 13) == 0);
	http_get(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 405 ", 13) == 0);
	assert_non_null(strstr(resp, "\r\nAllow: GET, HEAD\r\n"));
	http_get(port, "garbage\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 400 ", 13) == 0);
	http_get(port, "GET /metrics\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 400 ", 13) == 0);
	http_get(port, "GET /metrics SPDY/3\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 400 ", 13) == 0);

	/* Request head over the bound: 431, and the connection is closed. */
	memcpy(big, "GET /metrics HTTP/1.1\r\nX-Pad: ", 30);
	memset(big + 30, 'a', sizeof(big) - 30);
	http_exchange(AF_INET, port, big, sizeof(big), resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 431 ", 13) == 0);

	/* Render failure: 500. */
	__atomic_store_n(&ctx.fail, true, __ATOMIC_RELAXED);
	http_get(port, "GET /metrics HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 500 ", 13) == 0);
	__atomic_store_n(&ctx.fail, false, __ATOMIC_RELAXED);

	/* Still serving. */
	http_get(port, "GET /metrics HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0);
	sw_prom_http_stop(s);
}

static void
test_http_addr(void **state)
{
	static const char *const bad[] = {"127.0.0.1", "127.0.0.1:", ":9100", "127.0.0.1:65536",
		"127.0.0.1:12x", "127.0.0.1:+80", "::1:9100", "[::1]9100", "[::1", "[]:80",
		"[127.0.0.1]:80", "localhost:9100", "1.2.3:80", "127.0.0.1:123456"};
	struct render_ctx ctx = {0};
	struct sw_prom_http *s, *s2;
	char addr[64];
	char resp[1024];

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(sw_prom_http_start(bad[i], test_render, &ctx));
		assert_int_equal(errno, EINVAL);
	}
	errno = 0;
	assert_null(sw_prom_http_start("127.0.0.1:0", NULL, &ctx));
	assert_int_equal(errno, EINVAL);
	assert_null(sw_prom_http_start(NULL, test_render, &ctx));

	/* Port in use: NULL + EADDRINUSE. */
	s = sw_prom_http_start("127.0.0.1:0", test_render, &ctx);
	assert_non_null(s);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", sw_prom_http_port(s));
	errno = 0;
	assert_null(sw_prom_http_start(addr, test_render, &ctx));
	assert_int_equal(errno, EADDRINUSE);
	sw_prom_http_stop(s);
	/* Released by stop: the same port binds again. */
	s = sw_prom_http_start(addr, test_render, &ctx);
	assert_non_null(s);
	sw_prom_http_stop(s);
	sw_prom_http_stop(NULL);

	/* IPv6 loopback, when the host has it. */
	s2 = sw_prom_http_start("[::1]:0", test_render, &ctx);
	if (s2 == NULL) {
		print_message("no IPv6 loopback (%s): [::1] part skipped\n", strerror(errno));
		return;
	}
	http_exchange(AF_INET6, sw_prom_http_port(s2), "GET /metrics HTTP/1.1\r\n\r\n", 25, resp,
		sizeof(resp));
	assert_true(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0);
	sw_prom_http_stop(s2);
}

/*
 * Clients that connect and stall before their request is complete delay no
 * other scrape (one at a time, eight of them held the next scrape 16 s); each
 * is dropped without a reply at its deadline.
 */
static void
test_http_stalled_client(void **state)
{
	struct render_ctx ctx = {0};
	struct sw_prom_http *s;
	char resp[4096];
	int64_t t0, dt;
	int idle, stalled[8];

	(void)state;
	s = sw_prom_http_start("127.0.0.1:0", test_render, &ctx);
	assert_non_null(s);
	for (unsigned i = 0; i < 8; i++) {
		stalled[i] = connect_to(AF_INET, sw_prom_http_port(s));
		send(stalled[i], "GET /met", 8, MSG_NOSIGNAL);
	}
	usleep(20 * 1000);

	t0 = mono_ms();
	http_get(sw_prom_http_port(s), "GET /metrics HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	dt = mono_ms() - t0;
	print_message("scrape behind 8 stalled clients answered in %" PRId64 " ms\n", dt);
	assert_true(strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_true(dt < SW_PROM_HTTP_IO_TIMEOUT_MS / 2);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(recv(stalled[i], resp, sizeof(resp), 0), 0);
		close(stalled[i]);
	}

	/* Stop while a client is stalled mid-request: joins promptly. */
	idle = connect_to(AF_INET, sw_prom_http_port(s));
	usleep(20 * 1000);
	t0 = mono_ms();
	sw_prom_http_stop(s);
	dt = mono_ms() - t0;
	print_message("stop with a stalled client joined in %" PRId64 " ms\n", dt);
	assert_true(dt < 250);
	close(idle);
}

/* --- the counter list ------------------------------------------------------------------ */

/* Names and help come from one X-macro list: every counter has both, and names are unique. */
static void
test_counter_names(void **state)
{
	(void)state;
	for (unsigned c = 0; c < SW_PC_MAX; c++)
		assert_true(sw_stats_port_names[c][0] != '\0' && sw_stats_port_help[c][0] != '\0');
	for (unsigned c = 0; c < SW_DROP_MAX; c++) {
		assert_true(sw_stats_drop_names[c][0] != '\0' && sw_stats_drop_help[c][0] != '\0');
		for (unsigned d = 0; d < c; d++)
			assert_string_not_equal(sw_stats_drop_names[c], sw_stats_drop_names[d]);
	}
	for (unsigned c = 0; c < SW_EV_MAX; c++) {
		assert_true(
			sw_stats_event_names[c][0] != '\0' && sw_stats_event_help[c][0] != '\0');
		for (unsigned d = 0; d < c; d++)
			assert_string_not_equal(sw_stats_event_names[c], sw_stats_event_names[d]);
	}
	assert_string_equal(sw_stats_drop_names[SW_DROP_cookie_invalid], "cookie_invalid");
}

/* Per-lcore blocks sum word by word; per-port drops add up; the JSON carries every counter. */
static void
test_counter_sum_and_json(void **state)
{
	static struct sw_stats a, b, sum;
	const struct sw_stats *in[2] = {&a, &b};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.port[SW_PORT_OUTSIDE][SW_PC_rx] = 10;
	b.port[SW_PORT_OUTSIDE][SW_PC_rx] = 32;
	a.drop[SW_PORT_OUTSIDE][SW_DROP_cookie_invalid] = 3;
	b.drop[SW_PORT_OUTSIDE][SW_DROP_bad_csum] = 4;
	b.drop[SW_PORT_INSIDE][SW_DROP_no_flow] = 5;
	a.ev[SW_EV_synack_sent] = 7;
	b.ev[SW_EV_synack_sent] = 8;
	sw_stats_sum(&sum, in, 2);
	assert_int_equal(sum.port[SW_PORT_OUTSIDE][SW_PC_rx], 42);
	assert_int_equal(sum.ev[SW_EV_synack_sent], 15);
	assert_int_equal(sw_stats_port_drops(&sum, SW_PORT_OUTSIDE), 7);
	assert_int_equal(sw_stats_port_drops(&sum, SW_PORT_INSIDE), 5);

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	sw_stats_write_json_ex(&sum, f, "\"extra\": 1");
	fclose(f);
	assert_non_null(strstr(buf, "\"outside\": {\"rx\": 42, "));
	assert_non_null(strstr(buf,
		"\"drops\": 7, \"drop_causes\": {\"bad_csum\": 4, "
		"\"cookie_invalid\": 3}"));
	assert_non_null(strstr(buf, "\"synack_sent\": 15"));
	assert_non_null(strstr(buf, "\"extra\": 1}"));
	for (unsigned c = 0; c < SW_EV_MAX; c++)
		assert_non_null(strstr(buf, sw_stats_event_names[c]));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_names),
		cmocka_unit_test(test_counter_sum_and_json),
		cmocka_unit_test(test_hll_init),
		cmocka_unit_test(test_hll_hash),
		cmocka_unit_test(test_hll_hash_short_ref),
		cmocka_unit_test(test_hll_add_rank),
		cmocka_unit_test(test_hll_accuracy),
		cmocka_unit_test(test_hll_bias),
		cmocka_unit_test(test_hll_duplicates),
		cmocka_unit_test(test_hll_merge),
		cmocka_unit_test(test_hll_clear),
		cmocka_unit_test(test_hll_clear_lazy),
		cmocka_unit_test(test_hll_concurrent_read),
		cmocka_unit_test(test_detect_conf),
		cmocka_unit_test(test_detect_flood_timeline),
		cmocka_unit_test(test_detect_no_flap),
		cmocka_unit_test(test_detect_second_attack),
		cmocka_unit_test(test_detect_off_zero),
		cmocka_unit_test(test_prom_format),
		cmocka_unit_test(test_prom_overflow),
		cmocka_unit_test(test_prom_file),
		cmocka_unit_test(test_prom_python_parser),
		cmocka_unit_test(test_http_metrics),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_http_addr),
		cmocka_unit_test(test_http_stalled_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
