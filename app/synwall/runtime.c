/* SPDX-License-Identifier: BSD-3-Clause */
/* Config in the app: apply [general], reload with RCU publish and grace period. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "runtime.h"

void
sw_app_apply_general(struct sw_app *app, const struct sw_config *cfg)
{
	snprintf(app->outside_name, sizeof(app->outside_name), "%s", cfg->ports.outside);
	snprintf(app->inside_name, sizeof(app->inside_name), "%s", cfg->ports.inside);
	app->nb_mbufs = cfg->general.mbufs;
	app->mtu = cfg->general.mtu;
	app->csum_offload = cfg->ports.csum_offload;
	app->sh.flow_capacity = cfg->general.flow_capacity;
	app->sh.cookie_epoch_ms = cfg->general.cookie_epoch_ms;
	app->sh.src_rate_slots = cfg->general.src_rate_slots;
	if (app->prom_addr == NULL && cfg->general.prometheus[0] != '\0')
		app->prom_addr = app->prom_addr_cfg;
	snprintf(app->prom_addr_cfg, sizeof(app->prom_addr_cfg), "%s", cfg->general.prometheus);
	if (!app->stats_interval_set)
		app->stats_interval_s = (cfg->general.stats_interval_ms + 999) / 1000;
}

int
sw_app_check_workers(struct sw_app *app)
{
	uint32_t want = app->cfg->general.workers;

	if (want != 0 && want != app->sh.nb_workers) {
		SW_LOG(ERR,
			"%s: [general] workers = %u but the EAL lcore list gives %u worker(s)\n",
			app->config_path, want, app->sh.nb_workers);
		return -EINVAL;
	}
	return 0;
}

const char *const sw_app_restart_key_names[SW_RESTART_KEYS] = {
	"[ports] outside",
	"[ports] inside",
	"[ports] csum_offload",
	"[general] workers",
	"[general] flow_capacity",
	"[general] mbufs",
	"[general] mtu",
	"[general] src_rate_slots",
	"[general] prometheus",
};

/*
 * The keys a reload cannot apply (they size memory or set the ports up) whose
 * value in cfg differs from the running one: bit i for sw_app_restart_key_names[i].
 */
static uint32_t
restart_mask(const struct sw_app *app, const struct sw_config *cfg)
{
	const struct sw_config_general *g = &cfg->general;
	const bool changed[SW_RESTART_KEYS] = {
		strcmp(cfg->ports.outside, app->outside_name) != 0,
		strcmp(cfg->ports.inside, app->inside_name) != 0,
		cfg->ports.csum_offload != app->csum_offload,
		g->workers != 0 && g->workers != app->sh.nb_workers,
		g->flow_capacity != app->sh.flow_capacity,
		g->mbufs != app->nb_mbufs,
		g->mtu != app->mtu,
		g->src_rate_slots != app->sh.src_rate_slots,
		strcmp(g->prometheus, app->prom_addr_cfg) != 0,
	};
	uint32_t mask = 0;

	for (unsigned i = 0; i < SW_RESTART_KEYS; i++)
		mask |= (uint32_t)changed[i] << i;
	return mask;
}

int
sw_app_reload(struct sw_app *app)
{
	struct sw_config_errors errs;
	struct sw_config *cfg;
	struct sw_runtime *rt, *old;
	uint32_t mask;

	memset(&errs, 0, sizeof(errs));
	cfg = sw_config_load(app->config_path, &errs);
	if (cfg == NULL) {
		SW_LOG(ERR, "reload of %s rejected (%u error(s)); keeping the running config\n",
			app->config_path, errs.count);
		sw_config_errors_print(&errs, stderr);
		sw_config_errors_free(&errs);
		app->reload_failed++;
		return -EINVAL;
	}
	sw_config_errors_free(&errs);
	rt = sw_runtime_build(cfg, atomic_load_explicit(&app->sh.rt, memory_order_relaxed));
	if (rt == NULL) {
		SW_LOG(ERR, "reload: building classifier: %s\n", rte_strerror(rte_errno));
		sw_config_free(cfg);
		app->reload_failed++;
		return -rte_errno;
	}
	old = atomic_load_explicit(&app->sh.rt, memory_order_relaxed);
	rt->generation = old->generation + 1;
	atomic_store_explicit(&app->sh.rt, rt, memory_order_release);
	/* Free the old snapshot only once every worker has passed a quiescent state. */
	rte_rcu_qsbr_synchronize(app->sh.rcu, RTE_QSBR_THRID_INVALID);
	sw_app_runtime_retire(old);
	/* What a reload may change beyond the runtime: cookie epoch, stats interval. */
	__atomic_store_n(&app->sh.cookie_epoch_ms, cfg->general.cookie_epoch_ms, __ATOMIC_RELAXED);
	if (!app->stats_interval_set)
		app->stats_interval_s = (cfg->general.stats_interval_ms + 999) / 1000;
	app->reload_ok++;
	SW_LOG(INFO, "reloaded %s (generation %" PRIu64 ")\n", app->config_path, rt->generation);
	/* Start-only keys: said at every reload that leaves them different, never applied. */
	mask = restart_mask(app, cfg);
	__atomic_store_n(&app->restart_mask, mask, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < SW_RESTART_KEYS; i++)
		if (mask & (UINT32_C(1) << i))
			SW_LOG(WARNING,
				"reload: %s changed in %s: it applies at the next start, "
				"the running value stays\n",
				sw_app_restart_key_names[i], app->config_path);
	return 0;
}
