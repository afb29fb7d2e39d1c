/* SPDX-License-Identifier: BSD-3-Clause */
/* Micro-benchmark of lib/flowtab: bytes/flow, insert, lookup hit/miss/bulk, expiry scan, delete. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_RDTSC 1
#else
#define HAVE_RDTSC 0
#endif

#include "sw_flowtab.h"

#define N_ROUNDS 3 /* lookups: best of, to skip warm-up and noise */
#define BULK 32
#define HUGE_2M (2u << 20)

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
now_tsc(void)
{
#if HAVE_RDTSC
	return __rdtsc();
#else
	return 0;
#endif
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * Random client (address and port) towards one of 16 servers, as in a flood
 * of spoofed sources; v6_pct percent are IPv6 (2001:2::/48 servers).
 */
static void
tuple_random(struct sw_tuple *t, unsigned v6_pct)
{
	uint64_t r = rng();

	memset(t, 0, sizeof(*t));
	t->sport = (uint16_t)r;
	t->dport = (uint16_t)(r >> 16) & 0x0300; /* 4 service ports */
	if ((r >> 32) % 100 < v6_pct) {
		uint64_t a = rng(), b = rng();

		t->family = 6;
		memcpy(t->src, &a, 8);
		memcpy(t->src + 8, &b, 8);
		t->dst[0] = 0x20;
		t->dst[1] = 0x01;
		t->dst[3] = 0x02;
		t->dst[15] = (uint8_t)(r >> 40) & 15;
	} else {
		uint32_t a = (uint32_t)rng();

		t->family = 4;
		memcpy(t->src, &a, 4);
		t->dst[0] = 198;
		t->dst[1] = 19;
		t->dst[3] = (uint8_t)(r >> 40) & 15;
	}
}

struct timing {
	uint64_t ns;
	uint64_t tsc;
};

static void
report(const char *what, struct timing t, uint64_t n)
{
	printf("  %-28s %8.1f ns  %8.1f tsc cycles\n", what, (double)t.ns / (double)n,
		(double)t.tsc / (double)n);
}

static struct timing
best(struct timing a, struct timing b)
{
	return a.ns <= b.ns ? a : b;
}

static volatile uintptr_t sink;

static struct timing
run_single(struct sw_flowtab *ft, const struct sw_tuple *keys, uint64_t n, uint64_t *hits)
{
	struct timing t;
	uintptr_t acc = 0;
	uint64_t h = 0;

	t.ns = now_ns();
	t.tsc = now_tsc();
	for (uint64_t i = 0; i < n; i++) {
		struct sw_flow *f = sw_flowtab_lookup(ft, &keys[i], sw_flowtab_hash(ft, &keys[i]));

		acc += (uintptr_t)f;
		h += f != NULL;
	}
	t.tsc = now_tsc() - t.tsc;
	t.ns = now_ns() - t.ns;
	sink = acc;
	*hits = h;
	return t;
}

static struct timing
run_bulk(struct sw_flowtab *ft, const struct sw_tuple *keys, uint64_t n, uint64_t *hits)
{
	const struct sw_tuple *kp[BULK];
	struct sw_flow *out[BULK];
	struct timing t;
	uintptr_t acc = 0;
	uint64_t h = 0;

	t.ns = now_ns();
	t.tsc = now_tsc();
	for (uint64_t i = 0; i + BULK <= n; i += BULK) {
		for (unsigned j = 0; j < BULK; j++)
			kp[j] = &keys[i + j];
		h += sw_flowtab_lookup_bulk(ft, kp, BULK, out);
		acc += (uintptr_t)out[BULK - 1];
	}
	t.tsc = now_tsc() - t.tsc;
	t.ns = now_ns() - t.ns;
	sink = acc;
	*hits = h;
	return t;
}

static bool
never_due(struct sw_flow *f, void *arg)
{
	(void)f;
	(void)arg;
	return false;
}

static int
bench(uint32_t capacity, unsigned fill_pct, unsigned v6_pct)
{
	uint64_t live = (uint64_t)capacity * fill_pct / 100;
	size_t sz = sw_flowtab_memsize(capacity);
	struct sw_tuple *hit_keys, *miss_keys;
	uint8_t key[16];
	struct sw_flowtab *ft;
	struct timing t, tb;
	uint64_t hits;

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)rng();
	/* 2 MiB pages, as with DPDK hugepages (SW_BENCH_4K=1: 4 KiB pages, more TLB misses). */
	ft = aligned_alloc(HUGE_2M, (sz + HUGE_2M - 1) / HUGE_2M * HUGE_2M);
	if (ft != NULL && getenv("SW_BENCH_4K") == NULL)
		madvise(ft, (sz + HUGE_2M - 1) / HUGE_2M * HUGE_2M, MADV_HUGEPAGE);
	hit_keys = malloc(live * sizeof(*hit_keys));
	miss_keys = malloc(live * sizeof(*miss_keys));
	if (ft == NULL || hit_keys == NULL || miss_keys == NULL ||
		sw_flowtab_init(ft, capacity, key))
		return -1;
	/* Touch all of it first: page faults are not what is measured. */
	memset(ft, 0, sz);
	sw_flowtab_init(ft, capacity, key);

	printf("capacity %u, %u%% full (%llu flows), %u%% IPv6, %s pages, sizeof(sw_flow) %zu\n",
		capacity, fill_pct, (unsigned long long)live, v6_pct,
		getenv("SW_BENCH_4K") == NULL ? "2M" : "4K", sizeof(struct sw_flow));
	printf("  memsize %zu bytes: %.1f bytes/flow of capacity, %.1f bytes/live flow\n", sz,
		(double)sz / capacity, (double)sz / (double)live);

	for (uint64_t i = 0; i < live; i++) {
		tuple_random(&hit_keys[i], v6_pct);
		tuple_random(&miss_keys[i], v6_pct);
	}

	/* Insert (add + set_state + deadline), keys in random order. */
	t.ns = now_ns();
	t.tsc = now_tsc();
	for (uint64_t i = 0; i < live; i++) {
		const struct sw_tuple *k = &hit_keys[i];
		uint64_t h = sw_flowtab_hash(ft, k);
		struct sw_flow *f = sw_flowtab_lookup(ft, k, h);

		if (f != NULL)
			continue; /* a random duplicate */
		f = sw_flowtab_add(ft, k, h, NULL);
		if (f == NULL)
			return -1;
		sw_flowtab_set_state(ft, f, SW_CONN_ESTABLISHED);
		f->expire_ms = 1u << 30;
	}
	t.tsc = now_tsc() - t.tsc;
	t.ns = now_ns() - t.ns;
	report("insert (lookup miss + add)", t, live);

	/* Hash only. */
	t.ns = now_ns();
	t.tsc = now_tsc();
	uint64_t acc = 0;
	for (uint64_t i = 0; i < live; i++)
		acc += sw_flowtab_hash(ft, &hit_keys[i]);
	t.tsc = now_tsc() - t.tsc;
	t.ns = now_ns() - t.ns;
	sink = (uintptr_t)acc;
	report("hash (AES-NI, else SipHash-1-3)", t, live);

	/* Lookups, keys in an order unrelated to insertion. */
	for (uint64_t i = live - 1; i > 0; i--) {
		uint64_t j = rng() % (i + 1);
		struct sw_tuple tmp = hit_keys[i];

		hit_keys[i] = hit_keys[j];
		hit_keys[j] = tmp;
	}
	t = run_single(ft, hit_keys, live, &hits);
	for (int r = 1; r < N_ROUNDS; r++)
		t = best(t, run_single(ft, hit_keys, live, &hits));
	report("lookup hit", t, live);
	printf("    (%llu hits of %llu)\n", (unsigned long long)hits, (unsigned long long)live);
	tb = run_single(ft, miss_keys, live, &hits);
	for (int r = 1; r < N_ROUNDS; r++)
		tb = best(tb, run_single(ft, miss_keys, live, &hits));
	report("lookup miss", tb, live);
	printf("    (%llu false hits)\n", (unsigned long long)hits);
	t = run_bulk(ft, hit_keys, live, &hits);
	for (int r = 1; r < N_ROUNDS; r++)
		t = best(t, run_bulk(ft, hit_keys, live, &hits));
	report("lookup_bulk(32) hit, per key", t, live / BULK * BULK);
	t = run_bulk(ft, miss_keys, live, &hits);
	for (int r = 1; r < N_ROUNDS; r++)
		t = best(t, run_bulk(ft, miss_keys, live, &hits));
	report("lookup_bulk(32) miss, per key", t, live / BULK * BULK);

	/* Expiry sweep with nothing due: the per-slot cost of the background scan. */
	t.ns = now_ns();
	t.tsc = now_tsc();
	for (uint64_t done = 0; done < live;)
		done += sw_flowtab_expire(ft, 0, 256, never_due, NULL);
	t.tsc = now_tsc() - t.tsc;
	t.ns = now_ns() - t.ns;
	report("expire scan, per slot", t, live);

	/* Delete everything, in the shuffled order. */
	t.ns = now_ns();
	t.tsc = now_tsc();
	for (uint64_t i = 0; i < live; i++) {
		const struct sw_tuple *k = &hit_keys[i];
		struct sw_flow *f = sw_flowtab_lookup(ft, k, sw_flowtab_hash(ft, k));

		if (f != NULL)
			sw_flowtab_del(ft, f);
	}
	t.tsc = now_tsc() - t.tsc;
	t.ns = now_ns() - t.ns;
	report("lookup + del", t, live);
	if (sw_flowtab_count(ft) != 0)
		return -1;

	free(hit_keys);
	free(miss_keys);
	free(ft);
	return 0;
}

int
main(int argc, char **argv)
{
	/* bench_flowtab [capacity fill_pct v6_pct]...; default: 1e6 and 1e7 at 100% and 75%, v4. */
	static const uint32_t def[][3] = {
		{1000000, 100, 0},
		{1000000, 75, 0},
		{1000000, 100, 50},
		{10000000, 100, 0},
		{10000000, 75, 0},
	};

	if (argc > 1) {
		for (int i = 1; i + 2 < argc; i += 3) {
			uint32_t cap = (uint32_t)strtoul(argv[i], NULL, 0);
			unsigned fill = (unsigned)strtoul(argv[i + 1], NULL, 0);
			unsigned v6 = (unsigned)strtoul(argv[i + 2], NULL, 0);

			if (cap == 0 || fill == 0 || fill > 100 || v6 > 100 ||
				bench(cap, fill, v6)) {
				fprintf(stderr, "bench failed: %u %u %u\n", cap, fill, v6);
				return 1;
			}
		}
		return 0;
	}
	for (unsigned i = 0; i < sizeof(def) / sizeof(def[0]); i++) {
		if (bench(def[i][0], def[i][1], def[i][2]) != 0) {
			fprintf(stderr, "bench failed\n");
			return 1;
		}
	}
	return 0;
}
