/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the in-process harness and benchmarks: ring-backed ports, EAL cleanup. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include "sw_testenv.h"

int
sw_testenv_ring_port(const char *name, unsigned depth, struct rte_mempool *pool,
	struct rte_ring **rx, struct rte_ring **tx)
{
	char rn[RTE_RING_NAMESIZE];
	struct rte_eth_conf conf;
	int port;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	*rx = rte_ring_create(rn, depth, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	*tx = rte_ring_create(rn, depth, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (*rx == NULL || *tx == NULL)
		return -1;
	port = rte_eth_from_rings(name, rx, 1, tx, 1, 0);
	if (port < 0)
		return -1;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure((uint16_t)port, 1, 1, &conf) != 0 ||
		rte_eth_rx_queue_setup((uint16_t)port, 0, (uint16_t)depth, 0, NULL, pool) != 0 ||
		rte_eth_tx_queue_setup((uint16_t)port, 0, (uint16_t)depth, 0, NULL) != 0 ||
		rte_eth_dev_start((uint16_t)port) != 0)
		return -1;
	return port;
}

void
sw_testenv_eal_cleanup(void)
{
	char dir[PATH_MAX], cmd[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	/* Only a DPDK runtime directory of ours: /run/dpdk/<our file prefix>. */
	if (strstr(dir, "/dpdk/") != NULL && strchr(dir, '\'') == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
}
