/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-plane views of the workers: summed counters, flows, the stats line. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "runtime.h"

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

void
sw_app_pmd_json(const struct sw_app *app, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "\"pmd\": {");

	for (unsigned p = 0; p < SW_NB_PORTS && off < len; p++) {
		struct rte_eth_stats st;

		memset(&st, 0, sizeof(st));
		if (app->port_started[p])
			rte_eth_stats_get(app->sh.port_id[p], &st);
		off += (size_t)snprintf(buf + off, len - off,
			"%s\"%s\": {\"ipackets\": %" PRIu64 ", \"opackets\": %" PRIu64
			", \"imissed\": %" PRIu64 ", \"ierrors\": %" PRIu64
			", \"rx_nombuf\": %" PRIu64 ", \"oerrors\": %" PRIu64 "}",
			p ? ", " : "", sw_stats_port_role[p], st.ipackets, st.opackets, st.imissed,
			st.ierrors, st.rx_nombuf, st.oerrors);
	}
	if (off < len)
		snprintf(buf + off, len - off, "}");
}

static double
rate(uint64_t now, uint64_t before, double secs)
{
	return secs > 0 ? (double)(now - before) / secs : 0.0;
}

void
sw_app_stats_mark(struct sw_app *app)
{
	sw_app_stats_collect(app, &app->last);
	app->last_tsc = rte_get_timer_cycles();
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
