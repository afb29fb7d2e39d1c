/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS redirection tables (RETA) for two ports that must send a flow's two
 * directions to one queue. The symmetric key gives both directions the same
 * hash h; a port sends it to queue RETA[h mod size]. Ports of different NICs
 * may have tables of different sizes, whose default fill (i mod queues) then
 * disagrees unless the queue count divides both. Filled from the smaller
 * size (both powers of two, so h mod small = (h mod big) mod small), every
 * table gives h the same queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "sw_dataplane.h"

static bool
is_pow2(unsigned x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

unsigned
sw_dp_reta_common(unsigned sa, unsigned sb)
{
	if (sa == sb)
		return sa;
	if (!is_pow2(sa) || !is_pow2(sb))
		return 0;
	return sa < sb ? sa : sb;
}

void
sw_dp_reta_fill(uint16_t *reta, unsigned size, unsigned common, uint16_t nq)
{
	for (unsigned i = 0; i < size; i++)
		reta[i] = (uint16_t)((i % common) % nq);
}

bool
sw_dp_reta_agree(const uint16_t *a, unsigned sa, const uint16_t *b, unsigned sb, uint16_t nq)
{
	const unsigned n = sa > sb ? sa : sb;

	if (sw_dp_reta_common(sa, sb) == 0 || nq == 0)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (a[i % sa] != b[i % sb] || a[i % sa] >= nq)
			return false;
	return true;
}

/*
 * Write reta (size entries) into a port's redirection table, then read the
 * table back into reta: what the port will use, whatever it made of ours.
 */
static int
write_read(uint16_t port_id, uint16_t *reta, unsigned size)
{
	const unsigned groups = (size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE;
	struct rte_eth_rss_reta_entry64 *conf = calloc(groups, sizeof(*conf));
	int ret;

	if (conf == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < size; i++) {
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = reta[i];
	}
	ret = rte_eth_dev_rss_reta_update(port_id, conf, (uint16_t)size);
	if (ret == 0) {
		for (unsigned g = 0; g < groups; g++)
			memset(conf[g].reta, 0xff, sizeof(conf[g].reta));
		ret = rte_eth_dev_rss_reta_query(port_id, conf, (uint16_t)size);
	}
	for (unsigned i = 0; ret == 0 && i < size; i++)
		reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	free(conf);
	return ret;
}

int
sw_dp_reta_setup(const uint16_t port_id[SW_NB_PORTS], uint16_t nq)
{
	unsigned size[SW_NB_PORTS];
	uint16_t *reta[SW_NB_PORTS] = {NULL, NULL};
	unsigned common;
	int ret = 0;

	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		struct rte_eth_dev_info info;

		ret = rte_eth_dev_info_get(port_id[p], &info);
		if (ret != 0)
			return ret;
		size[p] = info.reta_size;
	}
	if (size[0] == 0 && size[1] == 0)
		return -ENOENT;
	common = sw_dp_reta_common(size[0], size[1]);
	if (common == 0 || nq == 0)
		return -EINVAL;
	for (unsigned p = 0; p < SW_NB_PORTS && ret == 0; p++) {
		reta[p] = calloc(size[p], sizeof(uint16_t));
		if (reta[p] == NULL) {
			ret = -ENOMEM;
			break;
		}
		sw_dp_reta_fill(reta[p], size[p], common, nq);
		ret = write_read(port_id[p], reta[p], size[p]);
	}
	if (ret == 0 && !sw_dp_reta_agree(reta[0], size[0], reta[1], size[1], nq))
		ret = -EIO;
	free(reta[0]);
	free(reta[1]);
	return ret;
}
