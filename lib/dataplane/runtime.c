/* SPDX-License-Identifier: BSD-3-Clause */
/* Runtime snapshots: what the workers need, built from one validated config. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "dp_internal.h"

/* Default MSS advertised before a backend has been learned (Linux defaults). */
#define ADV_MSS_V4_DEFAULT 1460
#define ADV_MSS_V6_DEFAULT 1440

/*
 * Service ids are identities that flows keep: a service keeps its id across
 * reloads as long as its name stays; a new name gets an id no service of the
 * previous config used, so that flows of a removed service are never taken
 * for a new one while the id space (SW_CONFIG_SERVICES_MAX) allows.
 */
static int
assign_ids(struct sw_config *cfg, const struct sw_runtime *prev)
{
	bool used[SW_CONFIG_SERVICES_MAX + 1] = {false};
	bool taken_before[SW_CONFIG_SERVICES_MAX + 1] = {false};
	unsigned next = 1;

	if (prev == NULL)
		return 0; /* first config: ids are positions (the parser's choice) */
	for (uint16_t id = 1; id <= SW_CONFIG_SERVICES_MAX; id++)
		taken_before[id] = prev->svc[id] != NULL || prev->retired[id];
	for (unsigned i = 0; i < cfg->n_services; i++) {
		struct sw_config_service *s = &cfg->services[i];

		s->id = 0;
		for (uint16_t id = 1; id <= SW_CONFIG_SERVICES_MAX; id++)
			if (prev->svc[id] != NULL && strcmp(prev->svc[id]->name, s->name) == 0) {
				s->id = id;
				used[id] = true;
				break;
			}
	}
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < cfg->n_services; i++) {
			struct sw_config_service *s = &cfg->services[i];

			if (s->id != 0)
				continue;
			/* Pass 0: ids unused by the previous config; pass 1: any free one. */
			for (next = 1; next <= SW_CONFIG_SERVICES_MAX; next++)
				if (!used[next] && (pass == 1 || !taken_before[next]))
					break;
			if (next > SW_CONFIG_SERVICES_MAX)
				continue;
			s->id = (uint16_t)next;
			used[next] = true;
		}
	for (unsigned i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].id == 0)
			return -ENOSPC;
	return 0;
}

/* SACK or timestamps (bit) offered: as learned (true while unlearned), or as configured. */
static void
opt_bits(struct dp_svc_syn *ss, enum sw_config_opt opt, uint8_t bit)
{
	if (opt == SW_CONFIG_OPT_LEARN)
		ss->opts_keep |= bit;
	if (opt != SW_CONFIG_OPT_OFF)
		ss->opts_unlearned |= bit;
	if (opt == SW_CONFIG_OPT_ON)
		ss->opts_set |= bit;
}

/* The SYN path's view of service s (struct dp_svc_syn). */
static void
svc_syn_init(struct dp_svc_syn *ss, const struct sw_config *cfg, uint32_t mtu,
	const struct sw_config_service *s)
{
	memset(ss, 0, sizeof(*ss));
	ss->mss_cfg = s->mss;
	ss->mss_unlearned[0] = ADV_MSS_V4_DEFAULT;
	ss->mss_unlearned[1] = ADV_MSS_V6_DEFAULT;
	/* Jumbo MTU: until a backend is learned, offer what the MTU allows. */
	if (mtu > 1500) {
		ss->mss_unlearned[0] = (uint16_t)(mtu - 40);
		ss->mss_unlearned[1] = (uint16_t)(mtu - 60);
	}
	if (s->mss != SW_CONFIG_MSS_LEARN) {
		ss->mss_unlearned[0] = s->mss;
		ss->mss_unlearned[1] = s->mss;
	}
	ss->wscale = s->wscale;
	opt_bits(ss, s->sack, DP_ADV_SACK);
	opt_bits(ss, s->timestamps, DP_ADV_TS);
	ss->ecn_mask = s->ecn == SW_CONFIG_OPT_ON ? SW_TCP_ECE | SW_TCP_CWR : 0;
	ss->is_rate_limited = cfg->general.src_syn_rate != 0 || s->syn_rate != 0;
}

struct sw_runtime *
sw_runtime_build(struct sw_config *cfg, const struct sw_runtime *prev)
{
	struct dp_runtime *drt;
	struct sw_runtime *rt;

	if (assign_ids(cfg, prev) != 0) {
		rte_errno = ENOSPC;
		return NULL;
	}
	drt = rte_zmalloc("sw_runtime", sizeof(*drt), RTE_CACHE_LINE_SIZE);
	if (drt == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rt = &drt->rt;
	rt->cl = sw_classifier_build(cfg, SOCKET_ID_ANY);
	if (rt->cl == NULL) {
		int err = rte_errno;

		rte_free(drt);
		rte_errno = err;
		return NULL;
	}
	memcpy(rt->tmo[0].ms, cfg->timeouts.ms, sizeof(rt->tmo[0].ms));
	/* The ports keep the MTU they were set up with until a restart. */
	rt->mtu = prev != NULL ? prev->mtu : cfg->general.mtu;
	/* Removed services' flows keep the timeouts they had. */
	if (prev != NULL)
		for (uint16_t id = 1; id <= SW_CONFIG_SERVICES_MAX; id++)
			if (prev->svc[id] != NULL || prev->retired[id]) {
				rt->tmo[id] = prev->tmo[id];
				rt->retired[id] = true;
			}
	for (unsigned i = 0; i < cfg->n_services; i++) {
		struct sw_config_service *s = &cfg->services[i];

		memcpy(rt->tmo[s->id].ms, s->timeouts.ms, sizeof(rt->tmo[0].ms));
		rt->svc[s->id] = s;
		rt->retired[s->id] = false;
		svc_syn_init(&drt->syn[s->id], cfg, rt->mtu, s);
	}
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
	rte_free(container_of(rt, struct dp_runtime, rt));
}
