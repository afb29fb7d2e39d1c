/* SPDX-License-Identifier: BSD-3-Clause */
/* Counters, latency histograms, snapshots, and the live, final and JSON reports. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include "gen.h"

#define X(n, h) #n,
const char *const gen_ctr_name[GEN_CTR_MAX] = {GEN_CTR_LIST(X)};
#undef X
#define X(n, h) h,
const char *const gen_ctr_help[GEN_CTR_MAX] = {GEN_CTR_LIST(X)};
#undef X

static const char *const hist_name[GEN_HIST_MAX] = {"setup", "conn"};

/*
 * Bucket of a value: exact below 16 ns; above, the power of two (msb) and the
 * next 4 bits select one of 16 sub-buckets, so every bucket is at most 1/16
 * (6.25 %) of its value wide.
 */
static unsigned
bucket_of(uint64_t ns)
{
	unsigned msb, idx;

	if (ns < (1u << GEN_HIST_SUB_BITS))
		return (unsigned)ns;
	msb = 63u - (unsigned)__builtin_clzll(ns);
	idx = (1u << GEN_HIST_SUB_BITS) + (msb - GEN_HIST_SUB_BITS) * (1u << GEN_HIST_SUB_BITS) +
		(unsigned)((ns >> (msb - GEN_HIST_SUB_BITS)) & ((1u << GEN_HIST_SUB_BITS) - 1));
	return RTE_MIN(idx, (unsigned)GEN_HIST_BUCKETS - 1);
}

/* Smallest value of the next bucket: the bucket's exclusive upper bound. */
static uint64_t
bucket_upper(unsigned idx)
{
	unsigned sub, shift;

	if (idx < (1u << GEN_HIST_SUB_BITS))
		return idx + 1;
	idx -= 1u << GEN_HIST_SUB_BITS;
	shift = idx >> GEN_HIST_SUB_BITS;
	sub = idx & ((1u << GEN_HIST_SUB_BITS) - 1);
	return (uint64_t)((1u << GEN_HIST_SUB_BITS) + sub + 1) << shift;
}

void
gen_hist_add(struct gen_hist *h, uint64_t ns)
{
	unsigned b = bucket_of(ns);

	__atomic_store_n(&h->n[b], h->n[b] + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->sum_ns, h->sum_ns + ns, __ATOMIC_RELAXED);
	if (ns > h->max_ns)
		__atomic_store_n(&h->max_ns, ns, __ATOMIC_RELAXED);
	__atomic_store_n(&h->count, h->count + 1, __ATOMIC_RELAXED);
}

double
gen_hist_pct(const struct gen_hist *cur, const struct gen_hist *prev, double p)
{
	uint64_t total = 0, target, seen = 0;
	unsigned i;

	for (i = 0; i < GEN_HIST_BUCKETS; i++)
		total += cur->n[i] - (prev != NULL ? prev->n[i] : 0);
	if (total == 0)
		return 0;
	target = (uint64_t)(p * (double)total + 0.999999);
	target = RTE_MAX(target, (uint64_t)1);
	for (i = 0; i < GEN_HIST_BUCKETS; i++) {
		seen += cur->n[i] - (prev != NULL ? prev->n[i] : 0);
		if (seen >= target)
			break;
	}
	i = RTE_MIN(i, (unsigned)GEN_HIST_BUCKETS - 1);
	/* Whole-run figures are capped by the exact maximum. */
	if (prev == NULL)
		return (double)RTE_MIN(bucket_upper(i), cur->max_ns) / 1e3;
	return (double)bucket_upper(i) / 1e3;
}

void
gen_snap_take(const struct gen_worker *w, struct gen_snap *s)
{
	uint64_t start = __atomic_load_n(&w->start_tsc, __ATOMIC_ACQUIRE);
	uint64_t stop = __atomic_load_n(&w->stop_tsc, __ATOMIC_ACQUIRE);
	uint64_t done = __atomic_load_n(&w->done_tsc, __ATOMIC_ACQUIRE);

	s->tsc = stop != 0 ? stop : rte_get_timer_cycles();
	s->run_s = start != 0 && s->tsc > start ? (double)(s->tsc - start) / (double)w->hz : 0;
	s->elapsed_s = s->run_s;
	/* Final figures: rates over the work, not over the drain that follows it. */
	if (stop != 0 && done != 0 && done > start)
		s->elapsed_s = (double)(done - start) / (double)w->hz;
	for (unsigned i = 0; i < GEN_CTR_MAX; i++)
		s->ctr[i] = __atomic_load_n(&w->ctr[i], __ATOMIC_RELAXED);
	/* done_tsc was stored (release) after ctr_done: loaded above with acquire. */
	memcpy(s->ctr_work, stop != 0 && done != 0 && done > start ? w->ctr_done : s->ctr,
		sizeof(s->ctr_work));
	for (unsigned h = 0; h < GEN_HIST_MAX; h++) {
		const struct gen_hist *src = &w->hist[h];
		struct gen_hist *dst = &s->hist[h];

		for (unsigned i = 0; i < GEN_HIST_BUCKETS; i++)
			dst->n[i] = __atomic_load_n(&src->n[i], __ATOMIC_RELAXED);
		dst->count = __atomic_load_n(&src->count, __ATOMIC_RELAXED);
		dst->sum_ns = __atomic_load_n(&src->sum_ns, __ATOMIC_RELAXED);
		dst->max_ns = __atomic_load_n(&src->max_ns, __ATOMIC_RELAXED);
	}
	s->cli_active = __atomic_load_n(&w->cli_active, __ATOMIC_RELAXED);
	s->srv_active = __atomic_load_n(&w->srv_active, __ATOMIC_RELAXED);
}

double
gen_rate(const struct gen_snap *cur, const struct gen_snap *prev, enum gen_ctr c)
{
	double dt;

	/* Final: the work's counts over the work's time. Live: deltas over the run's clock. */
	if (prev == NULL)
		return cur->elapsed_s > 0 ? (double)cur->ctr_work[c] / cur->elapsed_s : 0;
	dt = cur->run_s - prev->run_s;
	return dt > 0 ? (double)(cur->ctr[c] - prev->ctr[c]) / dt : 0;
}

void
gen_hist_line(FILE *f, const char *label, const struct gen_snap *cur, const struct gen_snap *prev,
	enum gen_hist_id id)
{
	const struct gen_hist *c = &cur->hist[id], *p = prev != NULL ? &prev->hist[id] : NULL;
	uint64_t n = c->count - (p != NULL ? p->count : 0);

	if (n == 0)
		return;
	fprintf(f, "            %-5s us   p50 %.1f  p99 %.1f  p99.9 %.1f", label,
		gen_hist_pct(c, p, 0.50), gen_hist_pct(c, p, 0.99), gen_hist_pct(c, p, 0.999));
	if (p == NULL)
		fprintf(f, "  max %.1f  mean %.1f", (double)c->max_ns / 1e3,
			(double)c->sum_ns / 1e3 / (double)c->count);
	fprintf(f, "  (%" PRIu64 " samples)\n", n);
}

void
gen_fail_line(FILE *f, const struct gen_snap *cur, enum gen_ctr first, enum gen_ctr total)
{
	static const size_t prefix = sizeof("cli_fail_") - 1;

	if (cur->ctr[total] == 0)
		return;
	fprintf(f, "            failures:");
	for (unsigned i = 0; i < GEN_FAIL_N; i++)
		if (cur->ctr[first + i] != 0)
			fprintf(f, " %s=%" PRIu64, gen_ctr_name[first + i] + prefix,
				cur->ctr[first + i]);
	fprintf(f, "\n");
}

static uint64_t
tx_total(const uint64_t *c)
{
	return c[GEN_CTR_tx_syn_flood] + c[GEN_CTR_tx_ack_flood] + c[GEN_CTR_tx_rst_flood] +
		c[GEN_CTR_tx_fin_flood] + c[GEN_CTR_tx_client] + c[GEN_CTR_tx_server] +
		c[GEN_CTR_tx_arp] + c[GEN_CTR_tx_nd] + c[GEN_CTR_rst_tx];
}

/* Per-type rates of the counters in list that moved: " name rate" each. */
static void
type_rates(FILE *f, const struct gen_snap *cur, const struct gen_snap *prev,
	const enum gen_ctr *list, const char *const *label, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (cur->ctr[list[i]] != 0)
			fprintf(f, "  %s %.0f", label[i], gen_rate(cur, prev, list[i]));
}

/* The lines every report has, then one block per enabled mode. */
static void
report_body(const struct gen_worker *w, const struct gen_snap *cur, const struct gen_snap *prev,
	FILE *f)
{
	static const enum gen_ctr tx_list[] = {GEN_CTR_tx_syn_flood, GEN_CTR_tx_ack_flood,
		GEN_CTR_tx_rst_flood, GEN_CTR_tx_fin_flood, GEN_CTR_tx_client, GEN_CTR_tx_server,
		GEN_CTR_rst_tx, GEN_CTR_tx_arp, GEN_CTR_tx_nd};
	static const char *const tx_label[] = {"syn-flood", "ack-flood", "rst-flood", "fin-flood",
		"client", "server", "rst", "arp", "nd"};
	static const enum gen_ctr rx_list[] = {GEN_CTR_rx_client, GEN_CTR_rx_server,
		GEN_CTR_rx_flood_synack, GEN_CTR_rx_flood_rst, GEN_CTR_rx_flood_other,
		GEN_CTR_rx_arp, GEN_CTR_rx_nd};
	static const char *const rx_label[] = {
		"client", "server", "flood-synack", "flood-rst", "flood-other", "arp", "nd"};
	const uint64_t *x = cur->ctr;
	double dt = prev != NULL ? cur->run_s - prev->run_s : cur->elapsed_s;
	uint64_t tx =
		prev != NULL ? tx_total(cur->ctr) - tx_total(prev->ctr) : tx_total(cur->ctr_work);

	fprintf(f, "  tx pps    %.0f:", dt > 0 ? (double)tx / dt : 0);
	type_rates(f, cur, prev, tx_list, tx_label, RTE_DIM(tx_list));
	fprintf(f, "\n  rx pps    %.0f:", gen_rate(cur, prev, GEN_CTR_rx_frames));
	type_rates(f, cur, prev, rx_list, rx_label, RTE_DIM(rx_list));
	fprintf(f,
		"\n  errors    tx-drop %" PRIu64 "  no-mbuf %" PRIu64 "  rx-bad %" PRIu64
		"  rx-stray %" PRIu64 "  rx-other %" PRIu64 "\n",
		x[GEN_CTR_tx_drop], x[GEN_CTR_no_mbuf], x[GEN_CTR_rx_bad], x[GEN_CTR_rx_stray],
		x[GEN_CTR_rx_other]);
	if (x[GEN_CTR_rx_flood_synack] + x[GEN_CTR_rx_flood_rst] + x[GEN_CTR_rx_flood_other] > 0)
		fprintf(f, "  to flood  syn-ack %" PRIu64 "  rst %" PRIu64 "  other %" PRIu64 "\n",
			x[GEN_CTR_rx_flood_synack], x[GEN_CTR_rx_flood_rst],
			x[GEN_CTR_rx_flood_other]);
	for (int m = 0; m < GEN_MODE_MAX; m++)
		if (w->priv[m] != NULL)
			gen_modes[m]->report(w, w->priv[m], cur, prev, f);
}

void
gen_report_live(const struct gen_worker *w, const struct gen_snap *cur, const struct gen_snap *prev)
{
	printf("-- " GEN_NAME " %7.2f s ----------------------------------------------------"
	       "------\n",
		cur->run_s);
	report_body(w, cur, prev, stdout);
	fflush(stdout);
}

void
gen_report_final(const struct gen_worker *w, const struct gen_snap *s)
{
	printf("== " GEN_NAME " final report: %.3f s of work (%.3f s run), rates are averages "
	       "over the work ==\n",
		s->elapsed_s, s->run_s);
	report_body(w, s, NULL, stdout);
	printf("  counters (nonzero):\n");
	for (unsigned i = 0; i < GEN_CTR_MAX; i++)
		if (s->ctr[i] != 0)
			printf("    %-22s %14" PRIu64 "  %s\n", gen_ctr_name[i], s->ctr[i],
				gen_ctr_help[i]);
	fflush(stdout);
}

static void
json_hist(FILE *f, const struct gen_hist *h)
{
	fprintf(f,
		"{\"count\": %" PRIu64 ", \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
		"\"p999\": %.3f, \"max\": %.3f, \"mean\": %.3f}",
		h->count, gen_hist_pct(h, NULL, 0.50), gen_hist_pct(h, NULL, 0.90),
		gen_hist_pct(h, NULL, 0.99), gen_hist_pct(h, NULL, 0.999), (double)h->max_ns / 1e3,
		h->count > 0 ? (double)h->sum_ns / 1e3 / (double)h->count : 0.0);
}

int
gen_report_json(const struct gen_worker *w, const struct gen_snap *s, const char *path)
{
	FILE *f = fopen(path, "w");
	const char *sep = "";

	if (f == NULL)
		return -errno;
	fprintf(f, "{\n  \"elapsed_s\": %.6f,\n  \"run_s\": %.6f,\n  \"modes\": [", s->elapsed_s,
		s->run_s);
	for (int m = 0; m < GEN_MODE_MAX; m++)
		if (w->priv[m] != NULL) {
			fprintf(f, "%s\"%s\"", sep, gen_modes[m]->name);
			sep = ", ";
		}
	fprintf(f, "],\n  \"counters\": {\n");
	for (unsigned i = 0; i < GEN_CTR_MAX; i++)
		fprintf(f, "    \"%s\": %" PRIu64 "%s\n", gen_ctr_name[i], s->ctr[i],
			i + 1 < GEN_CTR_MAX ? "," : "");
	fprintf(f,
		"  },\n  \"rates\": {\n"
		"    \"tx_pps\": %.1f,\n    \"rx_pps\": %.1f,\n"
		"    \"syn_flood_pps\": %.1f,\n    \"ack_flood_pps\": %.1f,\n"
		"    \"rst_flood_pps\": %.1f,\n    \"fin_flood_pps\": %.1f,\n"
		"    \"flood_synack_pps\": %.1f,\n"
		"    \"conns_completed_per_s\": %.1f,\n    \"server_completed_per_s\": %.1f\n"
		"  },\n  \"latency_us\": {\n",
		s->elapsed_s > 0 ? (double)tx_total(s->ctr_work) / s->elapsed_s : 0,
		gen_rate(s, NULL, GEN_CTR_rx_frames), gen_rate(s, NULL, GEN_CTR_tx_syn_flood),
		gen_rate(s, NULL, GEN_CTR_tx_ack_flood), gen_rate(s, NULL, GEN_CTR_tx_rst_flood),
		gen_rate(s, NULL, GEN_CTR_tx_fin_flood), gen_rate(s, NULL, GEN_CTR_rx_flood_synack),
		gen_rate(s, NULL, GEN_CTR_cli_completed), gen_rate(s, NULL, GEN_CTR_srv_completed));
	for (unsigned h = 0; h < GEN_HIST_MAX; h++) {
		fprintf(f, "    \"%s\": ", hist_name[h]);
		json_hist(f, &s->hist[h]);
		fprintf(f, "%s\n", h + 1 < GEN_HIST_MAX ? "," : "");
	}
	fprintf(f, "  }\n}\n");
	if (fclose(f) != 0)
		return -errno;
	return 0;
}
