/* SPDX-License-Identifier: BSD-3-Clause */
/* Micro-benchmark of sw_cookie_make/check: cycles and ns per operation over 1M distinct tuples. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_RDTSC 1
#else
#define HAVE_RDTSC 0
#endif

#include "sw_cookie.h"

#define N_TUPLES (1u << 20)
#define N_ROUNDS 5 /* best of, to skip warm-up and noise */

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

/* Distinct tuples i = 0..N-1: client address and port vary, as in a spoofed SYN flood. */
static void
tuple_fill(struct sw_tuple *t, int family, uint32_t i)
{
	memset(t, 0, sizeof(*t));
	t->family = (uint8_t)family;
	if (family == 4) {
		t->src[0] = 198; /* 198.18.0.0/15 */
		t->src[1] = (uint8_t)(18 + ((i >> 16) & 1));
		t->src[2] = (uint8_t)(i >> 8);
		t->src[3] = (uint8_t)i;
		t->dst[0] = 198;
		t->dst[1] = 19;
		t->dst[3] = 1;
	} else {
		static const uint8_t pfx[6] = {
			0x20, 0x01, 0x00, 0x02, 0x00, 0x00}; /* 2001:2::/48 */

		memcpy(t->src, pfx, sizeof(pfx));
		memcpy(t->dst, pfx, sizeof(pfx));
		t->src[13] = (uint8_t)(i >> 16);
		t->src[14] = (uint8_t)(i >> 8);
		t->src[15] = (uint8_t)i;
		t->dst[15] = 1;
	}
	t->sport = (rte_be16_t)(1024 + (i * 7919u) % 60000u);
	t->dport = rte_cpu_to_be_16(443);
}

struct result {
	double cyc;
	double ns;
};

static void
report(const char *what, const struct result *r)
{
	printf("%-36s %7.1f cycles/op (TSC) %7.2f ns/op\n", what, r->cyc, r->ns);
}

static volatile uint32_t sink;

/* One family and mode: make over all tuples, then check valid cookies, then check forgeries. */
static void
bench(const struct sw_cookie_keys *k, const struct sw_tuple *tuples, uint32_t *cookies, int family,
	bool has_ts)
{
	const char *hash = k->use_aes ? "AES    " : "SipHash";
	struct sw_cookie_opts o = {.mss = 1460,
		.wscale = 7,
		.has_wscale = true,
		.sack_perm = true,
		.ecn = false,
		.has_ts = has_ts};
	struct result mk = {1e30, 1e30}, ck = {1e30, 1e30}, fg = {1e30, 1e30}, lat = {1e30, 1e30};
	uint32_t acc = 0, low6 = 0, n_ok = 0, n_forged_ok = 0;
	unsigned int r, i;
	char name[64];

	for (r = 0; r < N_ROUNDS; r++) {
		uint64_t t0 = now_ns(), c0 = now_tsc(), t1, c1;

		for (i = 0; i < N_TUPLES; i++)
			cookies[i] = sw_cookie_make(k, &tuples[i], i * 2654435761u, &o, &low6);
		c1 = now_tsc();
		t1 = now_ns();
		if ((double)(c1 - c0) / N_TUPLES < mk.cyc)
			mk.cyc = (double)(c1 - c0) / N_TUPLES;
		if ((double)(t1 - t0) / N_TUPLES < mk.ns)
			mk.ns = (double)(t1 - t0) / N_TUPLES;
	}
	acc ^= cookies[N_TUPLES - 1];

	/* Latency: each make's ISN is the previous cookie, so calls cannot overlap. */
	for (r = 0; r < N_ROUNDS; r++) {
		uint64_t t0 = now_ns(), c0 = now_tsc(), t1, c1;
		uint32_t prev = 0;

		for (i = 0; i < N_TUPLES; i++)
			prev = sw_cookie_make(k, &tuples[i], prev, &o, &low6);
		c1 = now_tsc();
		t1 = now_ns();
		acc ^= prev;
		if ((double)(c1 - c0) / N_TUPLES < lat.cyc)
			lat.cyc = (double)(c1 - c0) / N_TUPLES;
		if ((double)(t1 - t0) / N_TUPLES < lat.ns)
			lat.ns = (double)(t1 - t0) / N_TUPLES;
	}

	for (r = 0; r < N_ROUNDS; r++) {
		struct sw_cookie_opts d;
		uint64_t t0 = now_ns(), c0 = now_tsc(), t1, c1;

		n_ok = 0;
		for (i = 0; i < N_TUPLES; i++)
			n_ok += sw_cookie_check(k, &tuples[i], i * 2654435761u, cookies[i], has_ts,
					sw_cookie_tsval(0x12345600, low6), &d) == 0;
		c1 = now_tsc();
		t1 = now_ns();
		if ((double)(c1 - c0) / N_TUPLES < ck.cyc)
			ck.cyc = (double)(c1 - c0) / N_TUPLES;
		if ((double)(t1 - t0) / N_TUPLES < ck.ns)
			ck.ns = (double)(t1 - t0) / N_TUPLES;
	}

	/* An ACK flood: same tuples, ack values that are not the cookie. */
	for (r = 0; r < N_ROUNDS; r++) {
		struct sw_cookie_opts d;
		uint64_t t0 = now_ns(), c0 = now_tsc(), t1, c1;

		n_forged_ok = 0;
		for (i = 0; i < N_TUPLES; i++)
			n_forged_ok +=
				sw_cookie_check(k, &tuples[i], i * 2654435761u,
					cookies[i] ^ 0x5a5a0000u, has_ts, 0x12345600, &d) == 0;
		c1 = now_tsc();
		t1 = now_ns();
		if ((double)(c1 - c0) / N_TUPLES < fg.cyc)
			fg.cyc = (double)(c1 - c0) / N_TUPLES;
		if ((double)(t1 - t0) / N_TUPLES < fg.ns)
			fg.ns = (double)(t1 - t0) / N_TUPLES;
	}
	sink = acc;

	snprintf(name, sizeof(name), "IPv%d %s %s make", family, hash, has_ts ? "TS   " : "no-TS");
	report(name, &mk);
	snprintf(name, sizeof(name), "IPv%d %s %s make (latency)", family, hash,
		has_ts ? "TS   " : "no-TS");
	report(name, &lat);
	snprintf(name, sizeof(name), "IPv%d %s %s check (valid)", family, hash,
		has_ts ? "TS   " : "no-TS");
	report(name, &ck);
	snprintf(name, sizeof(name), "IPv%d %s %s check (forged)", family, hash,
		has_ts ? "TS   " : "no-TS");
	report(name, &fg);
	if (n_ok != N_TUPLES || n_forged_ok != 0) {
		fprintf(stderr, "bench: %u of %u valid accepted, %u forged accepted\n", n_ok,
			N_TUPLES, n_forged_ok);
		exit(1);
	}
}

int
main(void)
{
	struct sw_cookie_master m;
	struct sw_cookie_keys k;
	struct sw_tuple *tuples;
	uint32_t *cookies;
	int family;
	uint32_t i;

	tuples = malloc(sizeof(*tuples) * N_TUPLES);
	cookies = malloc(sizeof(*cookies) * N_TUPLES);
	if (tuples == NULL || cookies == NULL || sw_cookie_master_init(&m) != 0) {
		fprintf(stderr, "bench: setup failed\n");
		return 1;
	}
	printf("%u distinct tuples, best of %u rounds%s\n", N_TUPLES, N_ROUNDS,
		HAVE_RDTSC ? "" : " (no TSC on this CPU: cycles read 0)");
	for (family = 4; family <= 6; family += 2) {
		for (i = 0; i < N_TUPLES; i++)
			tuple_fill(&tuples[i], family, i);
		/* Each hash: AES (where the CPU has AES-NI), SipHash. */
		for (int kind = SW_COOKIE_HASH_AES; kind >= SW_COOKIE_HASH_SIPHASH; kind--) {
			if (sw_cookie_keys_init_as(&k, &m, 1, (enum sw_cookie_hash)kind) != 0)
				continue;
			bench(&k, tuples, cookies, family, false);
			bench(&k, tuples, cookies, family, true);
		}
	}
	free(tuples);
	free(cookies);
	return 0;
}
