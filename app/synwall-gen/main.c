/* SPDX-License-Identifier: BSD-3-Clause */
/* synwall-gen: EAL and command line, ordered init/teardown, worker launch, stats and exit code. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "gen.h"

#define EXIT_USAGE 2
#define EXIT_CHECK 3 /* a connection failed, or clients did not complete --conns */
#define CONTROL_SLEEP_US 10000

static struct gen_worker *stop_target; /* what SIGINT/SIGTERM stop */

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	if (stop_target != NULL)
		__atomic_store_n(&stop_target->stop, true, __ATOMIC_RELAXED);
}

static int
step_ports(struct gen_worker *w)
{
	return gen_ports_init(w);
}

static void
fini_ports(struct gen_worker *w)
{
	gen_ports_fini(w);
}

static void
fini_modes(struct gen_worker *w)
{
	for (int m = GEN_MODE_MAX - 1; m >= 0; m--)
		if (w->priv[m] != NULL) {
			gen_modes[m]->fini(w->priv[m]);
			w->priv[m] = NULL;
		}
}

static int
step_modes(struct gen_worker *w)
{
	for (int m = 0; m < GEN_MODE_MAX; m++) {
		int ret;

		if (!gen_mode_on(w->cfg, (enum gen_mode)m))
			continue;
		ret = gen_modes[m]->init(w, &w->priv[m]);
		if (ret != 0) {
			fprintf(stderr, GEN_NAME ": mode %s: %s\n", gen_modes[m]->name,
				rte_strerror(-ret));
			fini_modes(w);
			return ret;
		}
	}
	return 0;
}

struct init_step {
	const char *name;
	int (*init)(struct gen_worker *w);
	void (*fini)(struct gen_worker *w);
};

/* Run top to bottom, unwound bottom to top. */
static const struct init_step steps[] = {
	{"ports", step_ports, fini_ports},
	{"modes", step_modes, fini_modes},
};

/* Main lcore while a worker lcore runs the loop: live stats until the worker exits. */
static void
control_loop(struct gen_worker *w)
{
	static struct gen_snap cur, prev;
	const struct gen_cfg *cfg = w->cfg;
	uint64_t next = 0;

	while (!__atomic_load_n(&w->exited, __ATOMIC_ACQUIRE)) {
		uint64_t now;

		rte_delay_us_sleep(CONTROL_SLEEP_US);
		if (cfg->stats_interval_ms == 0 ||
			__atomic_load_n(&w->start_tsc, __ATOMIC_ACQUIRE) == 0)
			continue;
		now = rte_get_timer_cycles();
		if (next == 0) {
			gen_snap_take(w, &prev);
			next = now + (uint64_t)cfg->stats_interval_ms * w->hz / 1000;
			continue;
		}
		if (now < next)
			continue;
		gen_snap_take(w, &cur);
		gen_report_live(w, &cur, &prev);
		prev = cur;
		next += (uint64_t)cfg->stats_interval_ms * w->hz / 1000;
	}
}

/*
 * --hold: the ports stay open but nobody polls them, so that the peer can
 * stop first. A memif peer going away tears our rings down from the EAL
 * interrupt thread, which is only safe while no lcore polls them - and
 * likewise for the peer when we go away first.
 */
static void
hold_ports(struct gen_worker *w)
{
	uint64_t end = rte_get_timer_cycles() + (uint64_t)w->cfg->hold_ms * w->hz / 1000;

	if (w->cfg->hold_ms == 0 || __atomic_load_n(&w->stop, __ATOMIC_RELAXED))
		return;
	printf(GEN_NAME ": holding the ports open for at most %.3f s (SIGINT/SIGTERM ends it)\n",
		(double)w->cfg->hold_ms / 1000);
	fflush(stdout);
	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED) && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(CONTROL_SLEEP_US);
}

static int
run(struct gen_worker *w)
{
	static struct gen_snap fin;
	const struct gen_cfg *cfg = w->cfg;
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	uint64_t srv_failed;
	int exit_code = 0;

	printf(GEN_NAME ": running on lcore %u:", lcore < RTE_MAX_LCORE ? lcore : rte_lcore_id());
	for (int m = 0; m < GEN_MODE_MAX; m++)
		if (w->priv[m] != NULL)
			printf(" %s", gen_modes[m]->name);
	printf(" (duration bound %.3f s)\n", (double)cfg->duration_ms / 1000);
	fflush(stdout);
	if (lcore < RTE_MAX_LCORE) {
		rte_eal_remote_launch(gen_worker_main, w, lcore);
		control_loop(w);
		rte_eal_wait_lcore(lcore);
	} else {
		w->inline_stats = true;
		gen_worker_main(w);
	}
	gen_snap_take(w, &fin);
	gen_report_final(w, &fin);
	if (w->link_lost >= 0) {
		printf(GEN_NAME ": stopped early: port %d link went down (peer gone?)\n",
			w->link_lost);
		exit_code = EXIT_FAILURE;
	}
	if (cfg->json_path != NULL) {
		int ret = gen_report_json(w, &fin, cfg->json_path);

		if (ret != 0) {
			fprintf(stderr, GEN_NAME ": %s: %s\n", cfg->json_path, strerror(-ret));
			exit_code = EXIT_FAILURE;
		}
	}
	hold_ports(w);
	/*
	 * Server half-opens that never complete (spoofed SYNs of a flood sent
	 * straight at the servers), whether they time out or their source resets
	 * them, are counted, but are no failure of the run.
	 */
	srv_failed = fin.ctr[GEN_CTR_srv_failed] - fin.ctr[GEN_CTR_srv_fail_syn_timeout] -
		fin.ctr[GEN_CTR_srv_halfopen_reset];
	if (fin.ctr[GEN_CTR_cli_failed] > 0 || srv_failed > 0 ||
		(w->priv[GEN_MODE_CLIENTS] != NULL &&
			fin.ctr[GEN_CTR_cli_completed] < cfg->conns)) {
		printf(GEN_NAME ": CHECK FAILED: clients completed %" PRIu64 " of %" PRIu64
				", client failures %" PRIu64 ", server failures %" PRIu64
				" (half-opens aside)\n",
			fin.ctr[GEN_CTR_cli_completed],
			w->priv[GEN_MODE_CLIENTS] != NULL ? cfg->conns : 0,
			fin.ctr[GEN_CTR_cli_failed], srv_failed);
		if (exit_code == 0)
			exit_code = EXIT_CHECK;
	}
	return exit_code;
}

int
main(int argc, char **argv)
{
	static struct gen_cfg cfg;
	struct gen_worker *w;
	int sep = -1, ret, exit_code;
	size_t done;

	/* Application options follow "--"; --help and --version work without EAL. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (sep < 0) {
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
				gen_args_usage(stdout, argv[0]);
				return 0;
			} else if (strcmp(argv[i], "-V") == 0 ||
				strcmp(argv[i], "--version") == 0) {
				gen_args_version();
				return 0;
			}
		fprintf(stderr, GEN_NAME ": missing '-- --mode MODE' (see --help)\n");
		return EXIT_USAGE;
	}
	argv[sep] = argv[0];
	ret = gen_args_parse(&cfg, argc - sep, argv + sep);
	if (ret != 0)
		return ret > 0 ? 0 : EXIT_USAGE;

	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		fprintf(stderr, GEN_NAME ": EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	if (gen_args_check_ports(&cfg) != 0) {
		rte_eal_cleanup();
		return EXIT_USAGE;
	}
	w = rte_zmalloc("gen_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (w == NULL) {
		fprintf(stderr, GEN_NAME ": out of memory\n");
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	w->cfg = &cfg;
	w->hz = rte_get_timer_hz();
	w->ts_base = (uint32_t)rte_rand();
	w->ip_id = (uint16_t)rte_rand();
	w->link_lost = -1;

	exit_code = 0;
	for (done = 0; done < RTE_DIM(steps); done++) {
		ret = steps[done].init(w);
		if (ret != 0) {
			fprintf(stderr, GEN_NAME ": init %s failed: %s\n", steps[done].name,
				rte_strerror(-ret));
			exit_code = EXIT_FAILURE;
			break;
		}
	}
	if (exit_code == 0) {
		stop_target = w;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		exit_code = run(w);
	}
	while (done-- > 0)
		steps[done].fini(w);
	rte_free(w);
	rte_eal_cleanup();
	return exit_code;
}
