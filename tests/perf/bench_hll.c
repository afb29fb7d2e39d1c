/* SPDX-License-Identifier: BSD-3-Clause */
/* Micro-benchmark of lib/stats HLL: address hash, add, merge and estimate costs per operation. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw_hll.h"

#define N_ADDRS (1u << 20)
#define N_ROUNDS 3 /* best of, to skip warm-up and noise */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps results alive so the compiler cannot drop the measured work. */
static volatile uint64_t sink;

static double
bench_hash(const uint8_t *addrs, unsigned len)
{
	double best = 1e30;

	for (int r = 0; r < N_ROUNDS; r++) {
		uint64_t t0 = now_ns(), acc = 0;
		double ns;

		for (uint32_t i = 0; i < N_ADDRS; i++)
			acc += sw_hll_hash_addr(addrs + (size_t)i * len, len, 0x1234);
		sink = acc;
		ns = (double)(now_ns() - t0) / N_ADDRS;
		if (ns < best)
			best = ns;
	}
	return best;
}

static double
bench_add(struct sw_hll *h, const uint8_t *addrs, unsigned len)
{
	double best = 1e30;

	for (int r = 0; r < N_ROUNDS; r++) {
		uint64_t t0;
		double ns;

		sw_hll_clear(h);
		t0 = now_ns();
		for (uint32_t i = 0; i < N_ADDRS; i++)
			sw_hll_add_hash(h, sw_hll_hash_addr(addrs + (size_t)i * len, len, 0x1234));
		ns = (double)(now_ns() - t0) / N_ADDRS;
		if (ns < best)
			best = ns;
	}
	return best;
}

int
main(void)
{
	uint8_t *v4 = malloc((size_t)N_ADDRS * 4);
	uint8_t *v6 = malloc((size_t)N_ADDRS * 16);
	struct sw_hll *a = malloc(sw_hll_memsize(SW_HLL_P_MAX));
	struct sw_hll *b = malloc(sw_hll_memsize(SW_HLL_P_MAX));

	if (v4 == NULL || v6 == NULL || a == NULL || b == NULL)
		return 1;
	for (uint32_t i = 0; i < N_ADDRS; i++) {
		uint32_t x = (198u << 24 | 18u << 16) + (i & 0x1ffff) + (i >> 17);
		uint8_t *p6 = v6 + (size_t)i * 16;

		v4[i * 4] = (uint8_t)(x >> 24);
		v4[i * 4 + 1] = (uint8_t)(x >> 16);
		v4[i * 4 + 2] = (uint8_t)(x >> 8);
		v4[i * 4 + 3] = (uint8_t)x;
		memset(p6, 0, 16);
		p6[0] = 0x20; /* 2001:2::/48 */
		p6[1] = 0x01;
		p6[3] = 0x02;
		memcpy(p6 + 12, &i, sizeof(i));
	}

	printf("hash v4 (4 B)               %6.2f ns/op\n", bench_hash(v4, 4));
	printf("hash v6 (16 B)              %6.2f ns/op\n", bench_hash(v6, 16));
	for (unsigned p = 10; p <= SW_HLL_P_MAX; p += 6) {
		double add4, add6;
		uint64_t t0;
		double merge_ns, est_ns;
		const int reps = 1000;

		sw_hll_init(a, p);
		sw_hll_init(b, p);
		add4 = bench_add(a, v4, 4);
		add6 = bench_add(b, v6, 16);
		t0 = now_ns();
		for (int r = 0; r < reps; r++)
			sw_hll_merge(a, b);
		merge_ns = (double)(now_ns() - t0) / reps;
		t0 = now_ns();
		for (int r = 0; r < reps; r++)
			sink += (uint64_t)sw_hll_estimate(a);
		est_ns = (double)(now_ns() - t0) / reps;
		printf("p=%-2u (%zu B) hash+add v4   %6.2f ns/op\n", p, sw_hll_memsize(p), add4);
		printf("p=%-2u hash+add v6           %6.2f ns/op\n", p, add6);
		printf("p=%-2u merge                 %8.0f ns\n", p, merge_ns);
		printf("p=%-2u estimate              %8.0f ns\n", p, est_ns);
	}
	free(v4);
	free(v6);
	free(a);
	free(b);
	return 0;
}
