/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-plane views of the workers: summed counters, the stats line, telemetry. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "runtime.h"

static struct sw_app *tel_app; /* telemetry callbacks run on their own thread: read-only use */

void
sw_app_stats_collect(const struct sw_app *app, struct sw_stats *out)
{
	const struct sw_stats *in[SW_MAX_WORKERS];
	unsigned n = 0;

	for (unsigned i = 0; i < app->sh.nb_workers; i++)
		if (app->workers[i] != NULL)
			in[n++] = &app->workers[i]->stats;
	sw_stats_sum(out, in, n);
}

void
sw_app_flows_json(const struct sw_app *app, char *buf, size_t len)
{
	uint32_t by_state[SW_CONN_STATE_MAX] = {0}, total = 0;
	size_t off;

	for (unsigned i = 0; i < app->sh.nb_workers; i++) {
		uint32_t one[SW_CONN_STATE_MAX];

		if (app->workers[i] == NULL)
			continue;
		sw_flowtab_count_by_state(app->workers[i]->ft, one);
		total += sw_flowtab_count(app->workers[i]->ft);
		for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++)
			by_state[s] += one[s];
	}
	off = (size_t)snprintf(buf, len, "\"flows\": {\"total\": %u", total);
	for (unsigned s = 1; s < SW_CONN_STATE_MAX && off < len; s++)
		off += (size_t)snprintf(buf + off, len - off, ", \"%s\": %u",
			sw_conn_state_name((enum sw_conn_state)s), by_state[s]);
	if (off < len)
		snprintf(buf + off, len - off, "}");
}

static double
rate(uint64_t now, uint64_t before, double secs)
{
	return secs > 0 ? (double)(now - before) / secs : 0.0;
}

void
sw_app_stats_line(struct sw_app *app)
{
	struct sw_stats s;
	uint64_t now = rte_get_timer_cycles();
	double secs = (double)(now - app->last_tsc) / (double)rte_get_timer_hz();
	uint32_t flows = 0;

	sw_app_stats_collect(app, &s);
	for (unsigned i = 0; i < app->sh.nb_workers; i++)
		flows += sw_flowtab_count(app->workers[i]->ft);
	printf("synwall:");
	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		printf(" %s rx %.0f pps tx %.0f pps |", sw_stats_port_role[p],
			rate(s.port[p][SW_PC_rx], app->last.port[p][SW_PC_rx], secs),
			rate(s.port[p][SW_PC_tx], app->last.port[p][SW_PC_tx], secs));
	printf(" syn %.0f/s synack %.0f/s est %.0f/s | flows %u | drops",
		rate(s.ev[SW_EV_syn_rcvd], app->last.ev[SW_EV_syn_rcvd], secs),
		rate(s.ev[SW_EV_synack_sent], app->last.ev[SW_EV_synack_sent], secs),
		rate(s.ev[SW_EV_conn_established], app->last.ev[SW_EV_conn_established], secs),
		flows);
	int any = 0;
	for (unsigned c = 0; c < SW_DROP_MAX; c++) {
		uint64_t d = s.drop[0][c] + s.drop[1][c];
		uint64_t b = app->last.drop[0][c] + app->last.drop[1][c];

		if (d != b) {
			printf(" %s=%" PRIu64, sw_stats_drop_names[c], d - b);
			any = 1;
		}
	}
	printf("%s\n", any ? "" : " 0");
	fflush(stdout);
	app->last = s;
	app->last_tsc = now;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sw_stats s;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	sw_app_stats_collect(tel_app, &s);
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

static int
tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t by_state[SW_CONN_STATE_MAX] = {0};

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < tel_app->sh.nb_workers; i++) {
		uint32_t one[SW_CONN_STATE_MAX];

		sw_flowtab_count_by_state(tel_app->workers[i]->ft, one);
		for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++)
			by_state[s] += one[s];
	}
	for (unsigned s = 1; s < SW_CONN_STATE_MAX; s++)
		rte_tel_data_add_dict_u64(d, sw_conn_state_name((enum sw_conn_state)s),
			by_state[s]);
	return 0;
}

int
sw_app_telemetry_init(struct sw_app *app)
{
	tel_app = app;
	rte_telemetry_register_cmd("/synwall/stats", tel_stats,
		"synwall counters summed over workers: per port, drops by cause, events");
	rte_telemetry_register_cmd("/synwall/flows", tel_flows,
		"synwall flows by TCP state, summed over workers");
	return 0;
}

void
sw_app_telemetry_fini(struct sw_app *app)
{
	RTE_SET_USED(app);
}
