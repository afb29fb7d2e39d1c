/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/dataplane's RSS redirection tables for two ports: the
 * pure helpers, and sw_dp_reta_setup() on two net_null ports (which keep the
 * table they are given).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "sw_dataplane.h"
#include "sw_testenv.h"

#define RETA_MAX 512

static const unsigned sizes[] = {64, 128, 256, 512};

static void
test_reta_common(void **state)
{
	(void)state;
	assert_int_equal(sw_dp_reta_common(128, 128), 128);
	assert_int_equal(sw_dp_reta_common(128, 512), 128);
	assert_int_equal(sw_dp_reta_common(512, 64), 64);
	/* Equal sizes work whatever they are; unequal ones only as powers of two. */
	assert_int_equal(sw_dp_reta_common(192, 192), 192);
	assert_int_equal(sw_dp_reta_common(192, 128), 0);
	assert_int_equal(sw_dp_reta_common(0, 128), 0);
	assert_int_equal(sw_dp_reta_common(0, 0), 0);
}

/* Filled from the common size, every hash gets one queue on both ports. */
static void
test_reta_fill_agrees(void **state)
{
	static uint16_t a[RETA_MAX], b[RETA_MAX];

	(void)state;
	srand(7);
	for (unsigned x = 0; x < 4; x++)
		for (unsigned y = 0; y < 4; y++)
			for (uint16_t nq = 1; nq <= 8; nq++) {
				unsigned sa = sizes[x], sb = sizes[y];
				unsigned c = sw_dp_reta_common(sa, sb);
				bool used[8] = {false};

				sw_dp_reta_fill(a, sa, c, nq);
				sw_dp_reta_fill(b, sb, c, nq);
				assert_true(sw_dp_reta_agree(a, sa, b, sb, nq));
				for (unsigned i = 0; i < 10000; i++) {
					uint32_t h = (uint32_t)rand() ^ (uint32_t)rand() << 16;

					assert_int_equal(a[h % sa], b[h % sb]);
					used[a[h % sa]] = true;
				}
				/* Every worker gets a share. */
				for (unsigned q = 0; q < nq; q++)
					assert_true(used[q]);
			}
}

/* Tables of sa and sb entries filled from ca and cb for nq queues: do they agree? */
static bool
filled_agree(unsigned sa, unsigned ca, unsigned sb, unsigned cb, uint16_t nq)
{
	static uint16_t a[RETA_MAX], b[RETA_MAX];

	sw_dp_reta_fill(a, sa, ca, nq);
	sw_dp_reta_fill(b, sb, cb, nq);
	return sw_dp_reta_agree(a, sa, b, sb, nq);
}

/* The default fill of each table (i mod queues) disagrees when the count divides neither. */
static void
test_reta_default_fill_disagrees(void **state)
{
	(void)state;
	assert_false(filled_agree(128, 128, 512, 512, 3));
	/* With two queues it happens to agree. */
	assert_true(filled_agree(128, 128, 512, 512, 2));
}

static void
test_reta_agree_rejects(void **state)
{
	static uint16_t a[RETA_MAX], b[RETA_MAX];

	(void)state;
	assert_true(filled_agree(128, 128, 128, 128, 4));
	sw_dp_reta_fill(a, 128, 128, 4);
	sw_dp_reta_fill(b, 128, 128, 4);
	/* A queue no worker polls. */
	assert_false(sw_dp_reta_agree(a, 128, b, 128, 3));
	/* One entry changed on one port. */
	b[77] = (uint16_t)((b[77] + 1) % 4);
	assert_false(sw_dp_reta_agree(a, 128, b, 128, 4));
	/* Sizes with no common fill, and no queues. */
	sw_dp_reta_fill(b, 192, 192, 4);
	assert_false(sw_dp_reta_agree(a, 128, b, 192, 4));
	assert_false(sw_dp_reta_agree(a, 128, a, 128, 0));
}

/* net_null port name with nq queue pairs, configured for RSS and started; its port id. */
static uint16_t
null_port(const char *name, uint16_t nq)
{
	struct rte_eth_conf conf;
	uint16_t id;

	assert_int_equal(rte_eth_dev_get_port_by_name(name, &id), 0);
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP;
	assert_int_equal(rte_eth_dev_configure(id, nq, nq, &conf), 0);
	return id;
}

/* Read a port's whole table (at most 512 entries). */
static unsigned
read_reta(uint16_t id, uint16_t *reta)
{
	struct rte_eth_rss_reta_entry64 conf[512 / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_dev_info info;

	assert_int_equal(rte_eth_dev_info_get(id, &info), 0);
	assert_true(info.reta_size > 0 && info.reta_size <= 512);
	memset(conf, 0, sizeof(conf));
	for (unsigned i = 0; i < info.reta_size; i++)
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
	assert_int_equal(rte_eth_dev_rss_reta_query(id, conf, info.reta_size), 0);
	for (unsigned i = 0; i < info.reta_size; i++)
		reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	return info.reta_size;
}

/* Three queues: both tables are written with the common fill and agree when read back. */
static void
test_reta_setup_null_ports(void **state)
{
	uint16_t ports[SW_NB_PORTS], a[512], b[512];
	unsigned sa, sb;

	(void)state;
	ports[0] = null_port("net_null0", 3);
	ports[1] = null_port("net_null1", 3);
	assert_int_equal(sw_dp_reta_setup(ports, 3), 0);
	sa = read_reta(ports[0], a);
	sb = read_reta(ports[1], b);
	assert_true(sw_dp_reta_agree(a, sa, b, sb, 3));
	for (unsigned i = 0; i < sa; i++)
		assert_int_equal(a[i], (i % sw_dp_reta_common(sa, sb)) % 3);
	/* No queue at all: nothing is written. */
	assert_int_equal(sw_dp_reta_setup(ports, 0), -EINVAL);
}

int
main(int argc, char **argv)
{
	static char opts[][16] = {"--no-huge", "-m", "64", "--no-pci", "--no-shconf", "--log-level",
		"*:error", "--vdev", "net_null0", "--vdev", "net_null1", "--file-prefix"};
	char prefix[64];
	char *eal_argv[RTE_DIM(opts) + 3];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reta_common),
		cmocka_unit_test(test_reta_fill_agrees),
		cmocka_unit_test(test_reta_default_fill_disagrees),
		cmocka_unit_test(test_reta_agree_rejects),
		cmocka_unit_test(test_reta_setup_null_ports),
	};
	int ret;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "sw_unit_dp_%d", (int)getpid());
	eal_argv[0] = argv[0];
	for (unsigned i = 0; i < RTE_DIM(opts); i++)
		eal_argv[i + 1] = opts[i];
	eal_argv[RTE_DIM(opts) + 1] = prefix;
	eal_argv[RTE_DIM(opts) + 2] = NULL;
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "test_dataplane: EAL init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	sw_testenv_eal_cleanup();
	return ret;
}
