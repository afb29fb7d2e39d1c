/* SPDX-License-Identifier: BSD-3-Clause */
/* What an operator sees: attack detection, telemetry commands and Prometheus metrics. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_telemetry.h>

#include "prom_http.h"
#include "runtime.h"
#include "sw_detect.h"
#include "sw_prom.h"
#include "sw_version.h"

#define OBS_INTERVAL_MS 1000
#define FLOW_DUMP_MAX 64

/*
 * Per-service view kept by the control thread. Index: service id. Written by
 * the main lcore once a second (cp: rw); read by the telemetry and
 * Prometheus threads (racy doubles/counters for display only).
 */
struct svc_obs {
	char name[SW_CONFIG_NAME_MAX];
	struct sw_detect det;
	struct sw_svc_stats last; /* totals at the previous sample */
	struct sw_svc_stats total; /* totals at the latest sample */
};

static struct sw_app *g_app; /* for callbacks on the telemetry / HTTP threads */

/*
 * The telemetry callbacks read the workers and the runtime, which the
 * shutdown frees, and DPDK 22.11 cannot unregister a command. A callback
 * runs inside tel_enter() / tel_leave(); sw_app_telemetry_fini() closes the
 * gate and waits for the callbacks in flight, before anything is freed.
 * Sequentially consistent: a callback that saw the gate open is counted
 * before fini reads the count.
 */
static atomic_uint tel_active;
static atomic_bool tel_closed;

static bool
tel_enter(void)
{
	atomic_fetch_add(&tel_active, 1);
	if (atomic_load(&tel_closed)) {
		atomic_fetch_sub(&tel_active, 1);
		return false;
	}
	return true;
}

static void
tel_leave(void)
{
	atomic_fetch_sub(&tel_active, 1);
}

/*
 * A reload frees the old runtime once the workers have passed it, but the
 * telemetry and Prometheus threads read the runtime too (service names and
 * actions, counts) and are no RCU readers: they load and use it under
 * rt_lock, and sw_app_runtime_retire() frees under it.
 */
static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;

void
sw_app_runtime_retire(struct sw_runtime *old)
{
	pthread_mutex_lock(&rt_lock);
	sw_runtime_free(old);
	pthread_mutex_unlock(&rt_lock);
}
static struct svc_obs obs[SW_CONFIG_SERVICES_MAX + 1];
static struct sw_hll *scratch;
static uint64_t obs_last_ms;
static uint32_t obs_last_sec;

static uint64_t
now_ms(void)
{
	return rte_rdtsc() / (rte_get_tsc_hz() / 1000);
}

static struct sw_runtime *
cur_rt(void)
{
	return atomic_load_explicit(&g_app->sh.rt, memory_order_acquire);
}

static void
svc_sum(uint16_t id, struct sw_svc_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < g_app->sh.nb_workers; i++) {
		const volatile struct sw_svc_stats *s = &g_app->workers[i]->svc[id];

		out->syn += s->syn;
		out->synack += s->synack;
		out->cookie_valid += s->cookie_valid;
		out->cookie_invalid += s->cookie_invalid;
		out->established += s->established;
		out->dropped += s->dropped;
	}
}

/*
 * Re-key the per-service views after (re)loading a config: keep detectors by
 * name. Built aside and swapped in under rt_lock: a scrape in between would
 * otherwise read zeros, and a Prometheus counter (attacks_total) that drops
 * to 0 and back reads as a reset.
 */
void
sw_app_observe_config(struct sw_app *app, const struct sw_config *cfg)
{
	/* obs changes only here and in sw_app_observe(), both on the control thread. */
	static struct svc_obs fresh[SW_CONFIG_SERVICES_MAX + 1];
	struct sw_detect_conf dc;

	g_app = app;
	memset(fresh, 0, sizeof(fresh));
	sw_detect_conf_default(&dc);
	dc.syn_rate_on = cfg->general.attack_syn_rate;
	dc.syn_rate_off = cfg->general.attack_syn_rate_off;
	dc.sources_on = cfg->general.attack_sources;
	dc.ratio_on = cfg->general.attack_handshake_pct / 100.0;
	if (sw_detect_conf_validate(&dc) != 0)
		sw_detect_conf_default(&dc);
	for (unsigned i = 0; i < cfg->n_services; i++) {
		const struct sw_config_service *s = &cfg->services[i];
		struct svc_obs *o = &fresh[s->id];
		/* Ids are kept by name across reloads: the same name at the same id. */
		if (strcmp(obs[s->id].name, s->name) == 0) {
			*o = obs[s->id];
			o->det.conf = dc; /* a reload's thresholds apply from the next sample */
			continue;
		}
		snprintf(o->name, sizeof(o->name), "%s", s->name);
		sw_detect_init(&o->det, &dc);
		if (app->workers[0] != NULL) {
			svc_sum(s->id, &o->total);
			o->last = o->total;
		}
	}
	pthread_mutex_lock(&rt_lock);
	memcpy(obs, fresh, sizeof(fresh));
	pthread_mutex_unlock(&rt_lock);
}

/* Once a second: per-service rates, distinct sources, attack state changes. */
void
sw_app_observe(struct sw_app *app)
{
	uint64_t now = now_ms();
	uint32_t sec = (uint32_t)(now / 1000);
	struct sw_runtime *rt = cur_rt();

	/* Merge the bank of the second that just ended, well after the switch. */
	if (sec == obs_last_sec || now % 1000 < 100 || now - obs_last_ms < OBS_INTERVAL_MS / 2)
		return;
	if (scratch == NULL) {
		scratch = malloc(sw_hll_memsize(SW_HLL_P));
		if (scratch == NULL || sw_hll_init(scratch, SW_HLL_P) != 0)
			return;
	}
	obs_last_ms = now;
	obs_last_sec = sec;
	for (uint16_t id = 1; id <= SW_CONFIG_SERVICES_MAX; id++) {
		struct svc_obs *o = &obs[id];
		struct sw_detect_sample smp;
		enum sw_detect_event ev;

		if (o->name[0] == '\0' || rt->svc[id] == NULL)
			continue;
		o->last = o->total;
		svc_sum(id, &o->total);
		sw_hll_clear(scratch);
		for (unsigned i = 0; i < app->sh.nb_workers; i++)
			sw_hll_merge(scratch, sw_dp_hll(app->workers[i], (sec - 1) & 1, id));
		/* SYNs and sources of the same whole second (the workers' banks). */
		smp.syns = 0;
		for (unsigned i = 0; i < app->sh.nb_workers; i++)
			smp.syns += app->workers[i]->syn_bank[(sec - 1) & 1][id];
		smp.completed = o->total.cookie_valid - o->last.cookie_valid;
		smp.forged_acks = o->total.cookie_invalid - o->last.cookie_invalid;
		smp.sources = sw_hll_estimate(scratch);
		smp.interval_ms = 1000;
		ev = sw_detect_update(&o->det, &smp, now);
		if (ev == SW_DETECT_EV_ATTACK_START)
			SW_LOG(WARNING,
				"service %s: SYN attack started: %.0f SYN/s, %.0f distinct "
				"sources, "
				"%.0f%% handshakes completed\n",
				o->name, o->det.syn_rate, o->det.sources, 100.0 * o->det.ratio);
		else if (ev == SW_DETECT_EV_ATTACK_END)
			SW_LOG(WARNING,
				"service %s: SYN attack ended after %.0f s: peak %.0f SYN/s, peak "
				"%.0f distinct sources\n",
				o->name,
				(double)(o->det.attack_end_ms - o->det.attack_start_ms) / 1000.0,
				o->det.peak_syn_rate, o->det.peak_sources);
	}
}

/* --- telemetry ------------------------------------------------------------------------- */

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sw_stats s;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	sw_app_stats_collect(g_app, &s);
	rte_tel_data_start_dict(d);
	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		for (unsigned c = 0; c < SW_PC_MAX; c++) {
			char name[64];

			snprintf(name, sizeof(name), "%s_%s", sw_stats_port_role[p],
				sw_stats_port_names[c]);
			rte_tel_data_add_dict_u64(d, name, s.port[p][c]);
		}
	for (unsigned c = 0; c < SW_DROP_MAX; c++) {
		char name[64];

		snprintf(name, sizeof(name), "drop_%s", sw_stats_drop_names[c]);
		rte_tel_data_add_dict_u64(d, name, s.drop[0][c] + s.drop[1][c]);
	}
	for (unsigned c = 0; c < SW_EV_MAX; c++)
		rte_tel_data_add_dict_u64(d, sw_stats_event_names[c], s.ev[c]);
	return 0;
}

/* /synwall/ports: per port role, its device, driver, the checksum offloads and RSS in use. */
static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const char *names[SW_NB_PORTS] = {g_app->outside_name, g_app->inside_name};

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "name", names[p]);
		rte_tel_data_add_dict_u64(c, "port_id", g_app->sh.port_id[p]);
		rte_tel_data_add_dict_string(c, "driver", g_app->port_driver[p]);
		rte_tel_data_add_dict_u64(c, "rx_csum_offload", g_app->csum_rx[p]);
		rte_tel_data_add_dict_u64(c, "tx_csum_offload", g_app->csum_tx[p]);
		rte_tel_data_add_dict_u64(c, "rss", g_app->port_rss[p]);
		rte_tel_data_add_dict_string(c, "reta", g_app->reta);
		rte_tel_data_add_dict_container(d, sw_stats_port_role[p], c, 0);
	}
	return 0;
}

static void
flows_by_state(uint32_t by_state[SW_CONN_STATE_MAX], uint32_t *total)
{
	memset(by_state, 0, sizeof(uint32_t) * SW_CONN_STATE_MAX);
	*total = 0;
	for (unsigned i = 0; i < g_app->sh.nb_workers; i++) {
		uint32_t one[SW_CONN_STATE_MAX];

		sw_flowtab_count_by_state(g_app->workers[i]->ft, one);
		*total += sw_flowtab_count(g_app->workers[i]->ft);
		for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++)
			by_state[s] += one[s];
	}
}

static void
fmt_addr(char *buf, size_t len, const uint8_t *a, uint8_t family)
{
	if (family == 4)
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	else
		snprintf(buf, len,
			"%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
			a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
			a[12], a[13], a[14], a[15]);
}

/* /synwall/flows[,N]: counts by state, capacity, evictions; with N, up to N flows dumped. */
static int
tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t by_state[SW_CONN_STATE_MAX], total, cap = 0;
	uint64_t evictions = 0;
	unsigned want = 0;

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0') {
		char *end;

		want = (unsigned)strtoul(params, &end, 10);
		if (*end != '\0')
			return -EINVAL;
		want = RTE_MIN(want, (unsigned)FLOW_DUMP_MAX);
	}
	flows_by_state(by_state, &total);
	for (unsigned i = 0; i < g_app->sh.nb_workers; i++) {
		cap += sw_flowtab_capacity(g_app->workers[i]->ft);
		evictions += sw_flowtab_evictions(g_app->workers[i]->ft);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "total", total);
	rte_tel_data_add_dict_u64(d, "capacity", cap);
	rte_tel_data_add_dict_u64(d, "evictions", evictions);
	for (unsigned s = 1; s < SW_CONN_STATE_MAX; s++)
		rte_tel_data_add_dict_u64(
			d, sw_conn_state_name((enum sw_conn_state)s), by_state[s]);
	if (want > 0) {
		struct rte_tel_data *list = rte_tel_data_alloc();
		struct sw_flow fl[FLOW_DUMP_MAX];
		unsigned n = 0;

		if (list == NULL)
			return -ENOMEM;
		rte_tel_data_start_array(list, RTE_TEL_STRING_VAL);
		for (unsigned i = 0; i < g_app->sh.nb_workers && n < want; i++)
			n += sw_flowtab_dump(g_app->workers[i]->ft, 0, want - n, fl + n);
		for (unsigned i = 0; i < n; i++) {
			char src[48], dst[48], line[160];

			fmt_addr(src, sizeof(src), fl[i].key.src, fl[i].key.family);
			fmt_addr(dst, sizeof(dst), fl[i].key.dst, fl[i].key.family);
			snprintf(line, sizeof(line), "%s:%u > %s:%u %s svc %u", src,
				rte_be_to_cpu_16(fl[i].key.sport), dst,
				rte_be_to_cpu_16(fl[i].key.dport),
				sw_conn_state_name((enum sw_conn_state)fl[i].conn.state),
				fl[i].service_id);
			rte_tel_data_add_array_string(list, line);
		}
		rte_tel_data_add_dict_container(d, "dump", list, 0);
	}
	return 0;
}

/* A service name as a telemetry dict key: what DPDK refuses in one becomes '_'. */
static void
tel_key(char *key, const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < SW_CONFIG_NAME_MAX; i++) {
		char ch = name[i];

		key[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				(ch >= '0' && ch <= '9') || ch == '_'
			? ch
			: '_';
	}
	key[i] = '\0';
}

/*
 * /synwall/services[,NAME]: one dict per service with counters, rates and
 * attack state; with NAME (the service's name or its key), that one alone.
 * DPDK 22.11 cuts a reply at 16 KiB, about 65 services: with more, the list
 * is incomplete and NAME is the way to each (Prometheus lists them all).
 */
static int
tel_services(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sw_runtime *rt = cur_rt();
	const bool one = params != NULL && *params != '\0';
	bool found = false;

	RTE_SET_USED(cmd);
	rte_tel_data_start_dict(d);
	for (uint16_t id = 1; id <= SW_CONFIG_SERVICES_MAX; id++) {
		const struct sw_config_service *s = rt->svc[id];
		const struct svc_obs *o = &obs[id];
		char key[SW_CONFIG_NAME_MAX];
		struct rte_tel_data *sd;
		struct sw_svc_stats t;
		static const char *const act[] = {"proxy", "pass", "drop"};

		if (s == NULL)
			continue;
		/* DPDK takes [A-Za-z0-9_] in keys; service names may have '.' and '-'. */
		tel_key(key, s->name);
		if (one && strcmp(params, s->name) != 0 && strcmp(params, key) != 0)
			continue;
		found = true;
		sd = rte_tel_data_alloc();

		if (sd == NULL)
			return -ENOMEM;
		svc_sum(id, &t);
		rte_tel_data_start_dict(sd);
		rte_tel_data_add_dict_string(sd, "action", act[s->action]);
		rte_tel_data_add_dict_u64(sd, "syn", t.syn);
		rte_tel_data_add_dict_u64(sd, "synack", t.synack);
		rte_tel_data_add_dict_u64(sd, "cookie_valid", t.cookie_valid);
		rte_tel_data_add_dict_u64(sd, "cookie_invalid", t.cookie_invalid);
		rte_tel_data_add_dict_u64(sd, "established", t.established);
		rte_tel_data_add_dict_u64(sd, "dropped", t.dropped);
		rte_tel_data_add_dict_string(
			sd, "state", o->det.state == SW_DETECT_ATTACK ? "under_attack" : "normal");
		rte_tel_data_add_dict_u64(sd, "syn_rate", (uint64_t)o->det.syn_rate);
		rte_tel_data_add_dict_u64(sd, "distinct_sources", (uint64_t)o->det.sources);
		rte_tel_data_add_dict_u64(sd, "handshake_pct", (uint64_t)(100.0 * o->det.ratio));
		rte_tel_data_add_dict_u64(sd, "attacks", o->det.nb_attacks);
		rte_tel_data_add_dict_u64(sd, "peak_syn_rate", (uint64_t)o->det.peak_syn_rate);
		rte_tel_data_add_dict_u64(sd, "peak_sources", (uint64_t)o->det.peak_sources);
		rte_tel_data_add_dict_string(sd, "name", s->name);
		if (rte_tel_data_add_dict_container(d, key, sd, 0) != 0)
			rte_tel_data_free(sd); /* not kept: a full dict, or a duplicate key */
	}
	return one && !found ? -EINVAL : 0;
}

/* /synwall/lcores: per worker: lcore, packets, busy/idle polls, cycles per packet. */
static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < g_app->sh.nb_workers; i++) {
		const struct sw_worker *w = g_app->workers[i];
		struct rte_tel_data *wd = rte_tel_data_alloc();
		char name[32];
		uint64_t pkts = w->stats.port[0][SW_PC_rx] + w->stats.port[1][SW_PC_rx];

		if (wd == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(wd);
		rte_tel_data_add_dict_u64(wd, "lcore", w->lcore_id);
		rte_tel_data_add_dict_u64(wd, "queue", w->queue_id);
		rte_tel_data_add_dict_u64(wd, "rx_packets", pkts);
		rte_tel_data_add_dict_u64(wd, "polls_busy", w->stats.ev[SW_EV_polls_busy]);
		rte_tel_data_add_dict_u64(wd, "polls_idle", w->stats.ev[SW_EV_polls_idle]);
		rte_tel_data_add_dict_u64(
			wd, "cycles_per_packet", pkts ? w->stats.ev[SW_EV_cycles_busy] / pkts : 0);
		rte_tel_data_add_dict_u64(wd, "flows", sw_flowtab_count(w->ft));
		snprintf(name, sizeof(name), "worker%u", i);
		rte_tel_data_add_dict_container(d, name, wd, 0);
	}
	return 0;
}

/* /synwall/config: what is running and how reloads went. */
static int
tel_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sw_runtime *rt = cur_rt();
	struct rte_tel_data *restart;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", SW_VERSION);
	rte_tel_data_add_dict_string(d, "git", SW_GIT);
	rte_tel_data_add_dict_string(d, "file", g_app->config_path);
	rte_tel_data_add_dict_string(d, "outside", g_app->outside_name);
	rte_tel_data_add_dict_string(d, "inside", g_app->inside_name);
	rte_tel_data_add_dict_u64(d, "generation", rt->generation);
	rte_tel_data_add_dict_u64(d, "services", rt->n_services);
	rte_tel_data_add_dict_u64(d, "workers", g_app->sh.nb_workers);
	rte_tel_data_add_dict_u64(d, "flow_capacity_per_worker", g_app->sh.flow_capacity);
	rte_tel_data_add_dict_u64(d, "cookie_epoch_ms", g_app->sh.cookie_epoch_ms);
	/* The key epoch the workers use now (keys rotate without locks: derived per epoch). */
	rte_tel_data_add_dict_u64(d, "cookie_epoch", g_app->workers[0]->keys.epoch);
	rte_tel_data_add_dict_u64(d, "software_steering", g_app->sh.steer);
	rte_tel_data_add_dict_u64(d, "reload_ok", g_app->reload_ok);
	rte_tel_data_add_dict_u64(d, "reload_failed", g_app->reload_failed);
	/* Start-only keys the file changed since the start: they wait for a restart. */
	restart = rte_tel_data_alloc();
	if (restart != NULL) {
		uint32_t mask = __atomic_load_n(&g_app->restart_mask, __ATOMIC_RELAXED);

		rte_tel_data_start_array(restart, RTE_TEL_STRING_VAL);
		for (unsigned i = 0; i < SW_RESTART_KEYS; i++)
			if (mask & (UINT32_C(1) << i))
				rte_tel_data_add_array_string(restart, sw_app_restart_key_names[i]);
		rte_tel_data_add_dict_container(d, "restart_needed", restart, 0);
	}
	return 0;
}

/* /synwall/reload: ask the control loop to re-read the config (as SIGHUP does). */
static int
tel_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	atomic_store(&g_app->reload_requested, true);
	rte_tel_data_string(d, "reload requested");
	return 0;
}

/* --- Prometheus --------------------------------------------------------------------------- */

static int
prom_render_locked(void *arg, FILE *out)
{
	struct sw_prom_writer pw;
	struct sw_stats s;
	uint32_t by_state[SW_CONN_STATE_MAX], total;
	struct sw_runtime *rt = cur_rt();

	RTE_SET_USED(arg);
	sw_app_stats_collect(g_app, &s);
	sw_prom_init_file(&pw, out);

	sw_prom_family(
		&pw, "synwall_port_packets_total", "packets by port and outcome", SW_PROM_COUNTER);
	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		for (unsigned c = 0; c < SW_PC_MAX; c++)
			if (c != SW_PC_rx_bytes && c != SW_PC_tx_bytes)
				sw_prom_sample_u64(&pw, "synwall_port_packets_total",
					SW_PROM_LABELS("port", sw_stats_port_role[p], "counter",
						sw_stats_port_names[c]),
					s.port[p][c]);
	sw_prom_family(
		&pw, "synwall_port_bytes_total", "bytes by port and direction", SW_PROM_COUNTER);
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		sw_prom_sample_u64(&pw, "synwall_port_bytes_total",
			SW_PROM_LABELS("port", sw_stats_port_role[p], "dir", "rx"),
			s.port[p][SW_PC_rx_bytes]);
		sw_prom_sample_u64(&pw, "synwall_port_bytes_total",
			SW_PROM_LABELS("port", sw_stats_port_role[p], "dir", "tx"),
			s.port[p][SW_PC_tx_bytes]);
	}
	sw_prom_family(&pw, "synwall_drops_total", "dropped packets by receiving port and cause",
		SW_PROM_COUNTER);
	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		for (unsigned c = 0; c < SW_DROP_MAX; c++)
			sw_prom_sample_u64(&pw, "synwall_drops_total",
				SW_PROM_LABELS("port", sw_stats_port_role[p], "cause",
					sw_stats_drop_names[c]),
				s.drop[p][c]);
	sw_prom_family(&pw, "synwall_events_total", "proxy events", SW_PROM_COUNTER);
	for (unsigned c = 0; c < SW_EV_MAX; c++)
		sw_prom_sample_u64(&pw, "synwall_events_total",
			SW_PROM_LABELS("event", sw_stats_event_names[c]), s.ev[c]);

	flows_by_state(by_state, &total);
	sw_prom_family(&pw, "synwall_flows", "flows in the tables by TCP state", SW_PROM_GAUGE);
	for (unsigned st = 1; st < SW_CONN_STATE_MAX; st++)
		sw_prom_sample_u64(&pw, "synwall_flows",
			SW_PROM_LABELS("state", sw_conn_state_name((enum sw_conn_state)st)),
			by_state[st]);

	/* One family at a time: the text format wants a family's samples together. */
	sw_prom_family(&pw, "synwall_lcore_packets_total", "packets received per worker lcore",
		SW_PROM_COUNTER);
	for (unsigned i = 0; i < g_app->sh.nb_workers; i++) {
		const struct sw_worker *w = g_app->workers[i];
		char lc[16];

		snprintf(lc, sizeof(lc), "%u", w->lcore_id);
		sw_prom_sample_u64(&pw, "synwall_lcore_packets_total", SW_PROM_LABELS("core", lc),
			w->stats.port[0][SW_PC_rx] + w->stats.port[1][SW_PC_rx]);
	}
	sw_prom_family(&pw, "synwall_lcore_busy_cycles_total", "TSC cycles in busy polls",
		SW_PROM_COUNTER);
	for (unsigned i = 0; i < g_app->sh.nb_workers; i++) {
		const struct sw_worker *w = g_app->workers[i];
		char lc[16];

		snprintf(lc, sizeof(lc), "%u", w->lcore_id);
		sw_prom_sample_u64(&pw, "synwall_lcore_busy_cycles_total",
			SW_PROM_LABELS("core", lc), w->stats.ev[SW_EV_cycles_busy]);
	}

	static const char *const fam[][3] = {
		{"synwall_service_syn_total", "SYNs to the service", "c"},
		{"synwall_service_synack_total", "cookie SYN-ACKs sent", "c"},
		{"synwall_service_cookie_valid_total", "third ACKs that verified", "c"},
		{"synwall_service_cookie_invalid_total", "forged or expired third ACKs", "c"},
		{"synwall_service_established_total", "connections spliced to a backend", "c"},
		{"synwall_service_under_attack", "1 while the detector says SYN attack", "g"},
		{"synwall_service_syn_rate", "SYN/s over the last interval", "g"},
		{"synwall_service_distinct_sources", "distinct SYN sources last interval (HLL)",
			"g"},
		{"synwall_service_attacks_total", "attacks detected", "c"},
	};
	for (unsigned k = 0; k < RTE_DIM(fam); k++) {
		sw_prom_family(&pw, fam[k][0], fam[k][1],
			fam[k][2][0] == 'c' ? SW_PROM_COUNTER : SW_PROM_GAUGE);
		for (uint16_t id = 1; id <= SW_CONFIG_SERVICES_MAX; id++) {
			const struct svc_obs *o = &obs[id];
			struct sw_svc_stats t;
			double v;

			if (rt->svc[id] == NULL)
				continue;
			const char *name = rt->svc[id]->name;

			svc_sum(id, &t);
			switch (k) {
			case 0:
				v = (double)t.syn;
				break;
			case 1:
				v = (double)t.synack;
				break;
			case 2:
				v = (double)t.cookie_valid;
				break;
			case 3:
				v = (double)t.cookie_invalid;
				break;
			case 4:
				v = (double)t.established;
				break;
			case 5:
				v = o->det.state == SW_DETECT_ATTACK;
				break;
			case 6:
				v = o->det.syn_rate;
				break;
			case 7:
				v = o->det.sources;
				break;
			default:
				v = o->det.nb_attacks;
				break;
			}
			sw_prom_sample(&pw, fam[k][0], SW_PROM_LABELS("service", name), v);
		}
	}
	/* The Prometheus convention for what runs: a constant 1 carrying it in labels. */
	sw_prom_family(&pw, "synwall_build_info", "synwall version, git tree and DPDK version",
		SW_PROM_GAUGE);
	sw_prom_sample_u64(&pw, "synwall_build_info",
		SW_PROM_LABELS("version", SW_VERSION, "git", SW_GIT, "dpdk", rte_version()), 1);
	sw_prom_family(&pw, "synwall_cookie_epoch", "SYN cookie key epoch in use (rotations)",
		SW_PROM_GAUGE);
	sw_prom_sample_u64(&pw, "synwall_cookie_epoch", NULL, g_app->workers[0]->keys.epoch);
	sw_prom_family(
		&pw, "synwall_config_reloads_total", "config reloads by outcome", SW_PROM_COUNTER);
	sw_prom_sample_u64(&pw, "synwall_config_reloads_total", SW_PROM_LABELS("result", "ok"),
		g_app->reload_ok);
	sw_prom_sample_u64(&pw, "synwall_config_reloads_total", SW_PROM_LABELS("result", "failed"),
		g_app->reload_failed);
	sw_prom_family(&pw, "synwall_config_restart_needed",
		"start-only config keys changed by a reload, waiting for a restart", SW_PROM_GAUGE);
	sw_prom_sample_u64(&pw, "synwall_config_restart_needed", NULL,
		(uint64_t)__builtin_popcount(
			__atomic_load_n(&g_app->restart_mask, __ATOMIC_RELAXED)));
	return sw_prom_finish(&pw);
}

static int
prom_render(void *arg, FILE *out)
{
	int ret;

	pthread_mutex_lock(&rt_lock);
	ret = prom_render_locked(arg, out);
	pthread_mutex_unlock(&rt_lock);
	return ret;
}

/* fn inside the shutdown gate (tel_enter): what rte_telemetry calls. */
#define TEL_GATED(fn) \
	static int fn##_gated(const char *cmd, const char *params, struct rte_tel_data *d) \
	{ \
		int ret; \
\
		if (!tel_enter()) \
			return -EAGAIN; \
		pthread_mutex_lock(&rt_lock); \
		ret = fn(cmd, params, d); \
		pthread_mutex_unlock(&rt_lock); \
		tel_leave(); \
		return ret; \
	}

TEL_GATED(tel_stats)
TEL_GATED(tel_flows)
TEL_GATED(tel_services)
TEL_GATED(tel_lcores)
TEL_GATED(tel_ports)
TEL_GATED(tel_config)
TEL_GATED(tel_reload)

int
sw_app_telemetry_init(struct sw_app *app)
{
	g_app = app;
	sw_app_observe_config(app, cur_rt()->cfg);
	rte_telemetry_register_cmd("/synwall/stats", tel_stats_gated,
		"Counters summed over workers: per port, drops by cause, events");
	rte_telemetry_register_cmd("/synwall/flows", tel_flows_gated,
		"Flows by TCP state, capacity, evictions. Param: N to dump up to 64 flows");
	rte_telemetry_register_cmd("/synwall/services", tel_services_gated,
		"Per service: counters, SYN rate, distinct sources, attack state. Param: a "
		"service name for that one");
	rte_telemetry_register_cmd("/synwall/lcores", tel_lcores_gated,
		"Per worker lcore: packets, busy/idle polls, cycles per packet");
	rte_telemetry_register_cmd("/synwall/ports", tel_ports_gated,
		"Per port: device, driver, checksum offloads in use");
	rte_telemetry_register_cmd("/synwall/config", tel_config_gated,
		"Running config file, generation, reload counts");
	rte_telemetry_register_cmd(
		"/synwall/reload", tel_reload_gated, "Re-read the config file (like SIGHUP)");
	if (app->prom_addr != NULL) {
		app->prom = sw_prom_http_start(app->prom_addr, prom_render, app);
		if (app->prom == NULL) {
			int err = errno;

			SW_LOG(ERR, "prometheus endpoint %s: %s\n", app->prom_addr, strerror(err));
			/* The commands are registered: closed before the unwind frees. */
			sw_app_telemetry_fini(app);
			return -err;
		}
		SW_LOG(INFO, "prometheus metrics on http://%s/metrics\n", app->prom_addr);
	}
	return 0;
}

void
sw_app_telemetry_fini(struct sw_app *app)
{
	/* No telemetry callback runs past here; the HTTP thread is joined below. */
	atomic_store(&tel_closed, true);
	while (atomic_load(&tel_active) != 0)
		rte_delay_us_sleep(1000);
	if (app->prom != NULL)
		sw_prom_http_stop(app->prom);
	app->prom = NULL;
	free(scratch);
	scratch = NULL;
}
