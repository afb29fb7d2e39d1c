/* SPDX-License-Identifier: BSD-3-Clause */
/* The appliance's control-plane state, shared by the app's files. */
#ifndef SYNWALL_APP_H
#define SYNWALL_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "sw_dataplane.h"
#include "sw_rules.h"
#include "sw_stats.h"

extern int sw_app_logtype;
#define SW_LOG(level, ...) rte_log(RTE_LOG_##level, sw_app_logtype, "synwall: " __VA_ARGS__)

struct sw_prom_http;

/* Keys a reload cannot apply; their names, "[section] key". */
#define SW_RESTART_KEYS 9
extern const char *const sw_app_restart_key_names[SW_RESTART_KEYS];

/* Everything main owns. Written by the main lcore only. */
struct sw_app {
	const char *config_path;
	const char *summary_json; /* --summary-json FILE, or NULL */
	bool summary_json_stdout; /* --json: JSON of the final summary on stdout */
	unsigned stats_interval_s; /* 0 = off */
	bool stats_interval_set; /* given on the command line: beats the config */
	double duration_s; /* --duration: stop by itself after this long, 0 = run */

	struct sw_config *cfg; /* current snapshot */
	char outside_name[SW_CONFIG_DEV_MAX], inside_name[SW_CONFIG_DEV_MAX];
	unsigned nb_mbufs;
	uint16_t mtu;

	struct sw_dp_shared sh;
	struct sw_worker *workers[SW_MAX_WORKERS];
	bool port_started[SW_NB_PORTS];
	bool csum_offload; /* [ports] csum_offload = auto */
	bool csum_rx[SW_NB_PORTS], csum_tx[SW_NB_PORTS]; /* checksum offloads enabled */
	char port_driver[SW_NB_PORTS][64]; /* rte_eth_dev_info.driver_name */
	bool port_rss[SW_NB_PORTS]; /* configured with RSS (symmetric key) */
	/* RSS redirection tables: "set" (filled alike, read back), "driver" (none exposed), "none" */
	char reta[8];
	bool pool0_alias;

	uint64_t reload_ok, reload_failed; /* SIGHUP outcomes */
	/*
	 * Start-only keys whose value in the file differs from the running one
	 * after the last good reload: bit i is sw_app_restart_key_names[i].
	 * Written by the main lcore, read by telemetry (atomic, relaxed).
	 */
	uint32_t restart_mask;
	atomic_bool reload_requested; /* set by /synwall/reload (telemetry thread) */
	const char *prom_addr; /* --prometheus ADDR:PORT, or [general] prometheus */
	char prom_addr_cfg[SW_CONFIG_DEV_MAX];
	struct sw_prom_http *prom;
	struct sw_stats last; /* previous stats line's totals */
	uint64_t last_tsc;
};

int sw_app_pools_init(struct sw_app *app);
void sw_app_pools_fini(struct sw_app *app);
int sw_app_ports_init(struct sw_app *app);
void sw_app_ports_fini(struct sw_app *app);

/* Sum every worker's counters. */
void sw_app_stats_collect(const struct sw_app *app, struct sw_stats *out);
/* "\"flows\": {\"total\": N, \"SYN_SENT\": n, ...}" summed over workers. */
void sw_app_flows_json(const struct sw_app *app, char *buf, size_t len);
/* Re-key per-service views (detectors) after a config is (re)loaded. */
void sw_app_observe_config(struct sw_app *app, const struct sw_config *cfg);
/* Once-a-second detection pass; called from the control loop. */
void sw_app_observe(struct sw_app *app);
/* "\"pmd\": {...}": the PMDs' own counters (RX misses, no-mbuf, errors) per port. */
void sw_app_pmd_json(const struct sw_app *app, char *buf, size_t len);
/* The testpmd-style periodic line. */
void sw_app_stats_line(struct sw_app *app);
/* The counters and time the next stats line counts from, without printing one. */
void sw_app_stats_mark(struct sw_app *app);

#endif /* SYNWALL_APP_H */
