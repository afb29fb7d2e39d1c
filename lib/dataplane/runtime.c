/* SPDX-License-Identifier: BSD-3-Clause */
/* Runtime snapshots: what the workers need, built from one validated config. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "sw_dataplane.h"

struct sw_runtime *
sw_runtime_build(struct sw_config *cfg)
{
	struct sw_runtime *rt = rte_zmalloc("sw_runtime", sizeof(*rt), RTE_CACHE_LINE_SIZE);

	if (rt == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rt->cl = sw_classifier_build(cfg, SOCKET_ID_ANY);
	if (rt->cl == NULL) {
		int err = rte_errno;

		rte_free(rt);
		rte_errno = err;
		return NULL;
	}
	memcpy(rt->tmo[0].ms, cfg->timeouts.ms, sizeof(rt->tmo[0].ms));
	for (unsigned i = 0; i < cfg->n_services; i++)
		memcpy(rt->tmo[cfg->services[i].id].ms, cfg->services[i].timeouts.ms,
			sizeof(rt->tmo[0].ms));
	rt->cfg = cfg;
	rt->n_services = cfg->n_services;
	return rt;
}

void
sw_runtime_free(struct sw_runtime *rt)
{
	if (rt == NULL)
		return;
	sw_classifier_free(rt->cl);
	sw_config_free(rt->cfg);
	rte_free(rt);
}

