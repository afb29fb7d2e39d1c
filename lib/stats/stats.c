/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names generated from the one list, summing and summary output. */
#include <inttypes.h>
#include <string.h>

#include "sw_stats.h"

#define NAME_(name, help) #name,
#define HELP_(name, help) help,
const char *const sw_stats_port_names[SW_PC_MAX] = {SW_PORT_COUNTERS(NAME_)};
const char *const sw_stats_port_help[SW_PC_MAX] = {SW_PORT_COUNTERS(HELP_)};
const char *const sw_stats_drop_names[SW_DROP_MAX] = {SW_DROP_CAUSES(NAME_)};
const char *const sw_stats_drop_help[SW_DROP_MAX] = {SW_DROP_CAUSES(HELP_)};
const char *const sw_stats_event_names[SW_EV_MAX] = {SW_EVENT_COUNTERS(NAME_)};
const char *const sw_stats_event_help[SW_EV_MAX] = {SW_EVENT_COUNTERS(HELP_)};
const char *const sw_stats_port_role[SW_NB_PORTS] = {"outside", "inside"};
#undef NAME_
#undef HELP_

void
sw_stats_sum(struct sw_stats *out, const struct sw_stats *const in[], unsigned n)
{
	const size_t words = sizeof(*out) / sizeof(uint64_t);
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < n; i++) {
		const volatile uint64_t *w = (const volatile uint64_t *)in[i];

		for (size_t k = 0; k < words; k++)
			o[k] += w[k];
	}
}

uint64_t
sw_stats_port_drops(const struct sw_stats *s, unsigned port)
{
	uint64_t sum = 0;

	for (unsigned c = 0; c < SW_DROP_MAX; c++)
		sum += s->drop[port][c];
	return sum;
}

void
sw_stats_write_json(const struct sw_stats *s, FILE *f)
{
	sw_stats_write_json_ex(s, f, NULL);
}

void
sw_stats_write_json_ex(const struct sw_stats *s, FILE *f, const char *extra)
{
	fprintf(f, "{\"ports\": {");
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		fprintf(f, "%s\"%s\": {", p ? ", " : "", sw_stats_port_role[p]);
		for (unsigned c = 0; c < SW_PC_MAX; c++)
			fprintf(f, "\"%s\": %" PRIu64 ", ", sw_stats_port_names[c], s->port[p][c]);
		fprintf(f, "\"drops\": %" PRIu64 ", \"drop_causes\": {", sw_stats_port_drops(s, p));
		for (unsigned c = 0, first = 1; c < SW_DROP_MAX; c++) {
			if (s->drop[p][c] == 0)
				continue;
			fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", sw_stats_drop_names[c],
				s->drop[p][c]);
			first = 0;
		}
		fprintf(f, "}}");
	}
	fprintf(f, "}, \"drops\": {");
	for (unsigned c = 0; c < SW_DROP_MAX; c++)
		fprintf(f, "%s\"%s\": %" PRIu64, c ? ", " : "", sw_stats_drop_names[c],
			s->drop[0][c] + s->drop[1][c]);
	fprintf(f, "}, \"counters\": {");
	for (unsigned c = 0; c < SW_EV_MAX; c++)
		fprintf(f, "%s\"%s\": %" PRIu64, c ? ", " : "", sw_stats_event_names[c], s->ev[c]);
	fprintf(f, "}%s%s}\n", extra != NULL ? ", " : "", extra != NULL ? extra : "");
}

void
sw_stats_write_text(const struct sw_stats *s, FILE *f)
{
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		const uint64_t *c = s->port[p];

		fprintf(f,
			"  %-8s rx %" PRIu64 "  fwd %" PRIu64 "  answered %" PRIu64
			"  consumed %" PRIu64 "  drops %" PRIu64 "  | tx %" PRIu64
			"  generated %" PRIu64 "  tx_drops %" PRIu64 "\n",
			sw_stats_port_role[p], c[SW_PC_rx], c[SW_PC_fwd], c[SW_PC_answered],
			c[SW_PC_consumed], sw_stats_port_drops(s, p), c[SW_PC_tx],
			c[SW_PC_generated], c[SW_PC_tx_drops]);
	}
	fprintf(f, "  drops by cause:");
	int any = 0;
	for (unsigned c = 0; c < SW_DROP_MAX; c++) {
		uint64_t v = s->drop[0][c] + s->drop[1][c];

		if (v) {
			fprintf(f, " %s=%" PRIu64, sw_stats_drop_names[c], v);
			any = 1;
		}
	}
	fprintf(f, "%s\n  events:", any ? "" : " none");
	for (unsigned c = 0; c < SW_EV_MAX; c++)
		if (s->ev[c] && c < SW_EV_polls_busy)
			fprintf(f, " %s=%" PRIu64, sw_stats_event_names[c], s->ev[c]);
	fprintf(f, "\n");
}
