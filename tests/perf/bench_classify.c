/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classification cost per packet against the number of prefixes: configs with
 * 1, 1,000 and 100,000 prefixes (service destinations and a source deny list
 * of that size), random IPv4/IPv6 packets classified in bursts of 32 with
 * sw_classify_bulk. Prints cycles per packet; the cost must not grow with the
 * prefix count (rte_fib / rte_lpm6 lookups).
 *
 *   bench_classify [packets]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memory.h>
#include <rte_random.h>

#include "sw_rules.h"
#include "sw_testenv.h"

#define BURST 32

static char dir[] = "/tmp/bench_classify_XXXXXX";

/* A config whose service has n destination prefixes and whose deny list has n prefixes. */
static struct sw_config *
make_config(unsigned n)
{
	char path[256], list[256];
	FILE *f;
	struct sw_config_errors errs = {0};
	struct sw_config *c;

	snprintf(list, sizeof(list), "%s/deny_%u.txt", dir, n);
	f = fopen(list, "w");
	if (f == NULL)
		return NULL;
	/* Scattered /32s in 198.19.0.0/16 and 2001:2:0:ff00::/56 /128s. */
	for (unsigned i = 0; i < n; i++) {
		if (i % 2 == 0)
			fprintf(f, "198.19.%u.%u/32\n", (i / 2) >> 8 & 0xff, (i / 2) & 0xff);
		else
			fprintf(f, "2001:2:0:ff%02x::%x/128\n", (i / 2) >> 16 & 0xff,
				(i / 2) & 0xffff);
	}
	fclose(f);
	snprintf(list, sizeof(list), "%s/dst_%u.txt", dir, n);
	f = fopen(list, "w");
	if (f == NULL)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		if (i % 2 == 0)
			fprintf(f, "198.18.%u.%u/32\n", 16 + ((i / 2) >> 8 & 0x7f), (i / 2) & 0xff);
		else
			fprintf(f, "2001:2:0:%x::/64\n", 0x100 + (i / 2) % 0xfe00);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/c_%u.ini", dir, n);
	f = fopen(path, "w");
	if (f == NULL)
		return NULL;
	fprintf(f,
		"[ports]\noutside = o\ninside = i\n[general]\ndeny = @deny_%u.txt\n"
		"[service web]\ndst = @dst_%u.txt\nports = 80, 443, 8000-8080\n",
		n, n);
	fclose(f);
	c = sw_config_load(path, &errs);
	if (c == NULL)
		sw_config_errors_print(&errs, stderr);
	sw_config_errors_free(&errs);
	return c;
}

int
main(int argc, char **argv)
{
	static char a_nohuge[] = "--no-huge", a_m[] = "-m", a_mem[] = "2048",
		    a_nopci[] = "--no-pci", a_noshconf[] = "--no-shconf", a_log[] = "--log-level=4",
		    a_fp[] = "--file-prefix";
	char prefix[64];
	char *eal_argv[] = {
		argv[0], a_nohuge, a_m, a_mem, a_nopci, a_noshconf, a_log, a_fp, prefix, NULL};
	unsigned npkt = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1u << 20;
	static const unsigned sizes[] = {1, 1000, 100000};
	uint8_t(*addr)[2][16];
	struct sw_class_query *q;

	snprintf(prefix, sizeof(prefix), "bench_classify_%d", (int)getpid());
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		perror("mlockall");
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0 || mkdtemp(dir) == NULL)
		return 1;
	addr = calloc(npkt, sizeof(*addr));
	q = calloc(npkt, sizeof(*q));
	if (addr == NULL || q == NULL)
		return 1;
	/* Half IPv4, half IPv6; destinations inside and outside the services. */
	for (unsigned i = 0; i < npkt; i++) {
		uint64_t r = rte_rand();

		if (i % 2 == 0) {
			uint8_t s[4] = {198, 19, (uint8_t)(r >> 8), (uint8_t)r};
			uint8_t d[4] = {
				198, 18, (uint8_t)(16 + (r >> 16) % 128), (uint8_t)(r >> 24)};

			memcpy(addr[i][0], s, 4);
			memcpy(addr[i][1], d, 4);
			q[i].family = AF_INET;
		} else {
			uint8_t s[16] = {0x20, 0x01, 0, 2, 0, 0, 0xff, (uint8_t)r};
			uint8_t d[16] = {0x20, 0x01, 0, 2, 0, 0, (uint8_t)(1 + (r >> 8) % 0xfe),
				(uint8_t)(r >> 16)};

			s[15] = (uint8_t)(r >> 32);
			d[15] = 1;
			memcpy(addr[i][0], s, 16);
			memcpy(addr[i][1], d, 16);
			q[i].family = AF_INET6;
		}
		q[i].src = addr[i][0];
		q[i].dst = addr[i][1];
		q[i].dport = rte_cpu_to_be_16((uint16_t)(r % 3 == 0 ? 80 : 8000 + (r >> 40) % 200));
		q[i].vlan = SW_CLASS_VLAN_UNTAGGED;
	}
	printf("| prefixes (dst + deny each) | build ms | cycles/packet | proxied | denied |\n"
	       "|---|---|---|---|---|\n");
	for (unsigned k = 0; k < RTE_DIM(sizes); k++) {
		struct sw_config *c = make_config(sizes[k]);
		uint64_t t0, cyc = 0, counts[SW_CLASS_ACTION_MAX] = {0};
		struct sw_classifier *cl;
		uint8_t act[BURST];
		uint16_t svc[BURST];

		if (c == NULL)
			return 1;
		t0 = rte_rdtsc();
		cl = sw_classifier_build(c, SOCKET_ID_ANY);
		if (cl == NULL) {
			fprintf(stderr, "classifier build failed\n");
			return 1;
		}
		double build_ms = (double)(rte_rdtsc() - t0) * 1000.0 / (double)rte_get_tsc_hz();

		/* Warm-up pass: first-touch page faults are not classification. */
		for (unsigned i = 0; i + BURST <= npkt; i += BURST)
			sw_classify_bulk(cl, q + i, BURST, act, svc);

		for (unsigned i = 0; i + BURST <= npkt; i += BURST) {
			t0 = rte_rdtsc_precise();
			sw_classify_bulk(cl, q + i, BURST, act, svc);
			cyc += rte_rdtsc_precise() - t0;
			for (unsigned j = 0; j < BURST; j++)
				counts[act[j]]++;
		}
		printf("| %u | %.1f | %.1f | %" PRIu64 " | %" PRIu64 " |\n", sizes[k], build_ms,
			(double)cyc / (npkt / BURST * BURST), counts[SW_CLASS_PROXY],
			counts[SW_CLASS_DROP_DENY]);
		sw_classifier_free(cl);
		sw_config_free(c);
	}
	if (system("rm -rf /tmp/bench_classify_*") != 0)
		return 1;
	sw_testenv_eal_cleanup();
	return 0;
}
