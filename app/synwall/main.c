/* SPDX-License-Identifier: BSD-3-Clause */
/* synwall: command line, ordered init/teardown, worker launch and the control loop. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>

#include "runtime.h"
#include "sw_version.h"
#include "synwall.h"

RTE_LOG_REGISTER(sw_app_logtype, synwall.app, INFO);

/* --check-config refuses the worker counts the start would. */
_Static_assert(SW_CONFIG_WORKERS_MAX == SW_MAX_WORKERS, "[general] workers range");

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = 1;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- -f FILE [options]\n"
		"\n"
		"synwall answers SYNs to protected services with SYN cookies and splices\n"
		"validated connections to the servers; everything else is bridged between\n"
		"the outside and inside ports named in the config file.\n"
		"\n"
		"Options:\n"
		"  -f, --config FILE        configuration file (INI; see config/synwall.ini)\n"
		"      --check-config       parse and validate FILE, print every error, exit 0/1\n"
		"                           (needs no EAL options, hugepages or ports)\n"
		"      --stats-interval SEC print a stats line every SEC seconds (0 = off;\n"
		"                           overrides [general] stats_interval)\n"
		"      --summary-json FILE  write the final counters as JSON to FILE at exit\n"
		"      --json               print the final counters as JSON on stdout at exit\n"
		"      --prometheus ADDR    serve Prometheus metrics on http://ADDR/metrics\n"
		"                           (e.g. 127.0.0.1:9100; overrides [general] prometheus)\n"
		"      --duration SEC       stop by itself after SEC seconds (default: run until\n"
		"                           SIGINT/SIGTERM)\n"
		"  -V, --version            print the version (synwall, git tree, DPDK) and exit\n"
		"  -h, --help               this text\n"
		"\n"
		"Signals: SIGINT/SIGTERM stop cleanly and print the final counters;\n"
		"SIGHUP reloads the config file.\n"
		"\n"
		"Example (lab, af_packet on two veths):\n"
		"  %s -l 0-1 --no-pci --vdev net_af_packet0,iface=veth0 \\\n"
		"     --vdev net_af_packet1,iface=veth1 -- -f config/lab.ini --stats-interval 1\n",
		prog, prog);
}

enum { OPT_CHECK = 256, OPT_STATS, OPT_JSON_FILE, OPT_JSON, OPT_DURATION, OPT_PROM };

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'f'},
	{"check-config", no_argument, NULL, OPT_CHECK},
	{"stats-interval", required_argument, NULL, OPT_STATS},
	{"summary-json", required_argument, NULL, OPT_JSON_FILE},
	{"json", no_argument, NULL, OPT_JSON},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"prometheus", required_argument, NULL, OPT_PROM},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void
print_version(void)
{
	printf(SW_VERSION_FMT "\n", SW_VERSION_ARGS("synwall"));
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out > max || s[0] == '-')
		return -EINVAL;
	return 0;
}

/* Returns 0 to run, 1 to exit 0 (help, version), -1 to exit 1. */
static int
parse_args(struct sw_app *app, int argc, char **argv, bool *check_only)
{
	int c;
	unsigned long v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			app->config_path = optarg;
			break;
		case OPT_CHECK:
			*check_only = true;
			break;
		case OPT_STATS:
			if (parse_uint(optarg, 86400, &v) != 0) {
				fprintf(stderr, "synwall: --stats-interval: '%s' is not 0..86400\n",
					optarg);
				return -1;
			}
			app->stats_interval_s = (unsigned)v;
			app->stats_interval_set = true;
			break;
		case OPT_JSON_FILE:
			app->summary_json = optarg;
			break;
		case OPT_JSON:
			app->summary_json_stdout = true;
			break;
		case OPT_DURATION:
			if (parse_uint(optarg, 31536000, &v) != 0) {
				fprintf(stderr,
					"synwall: --duration: '%s' is not a whole number of "
					"seconds\n",
					optarg);
				return -1;
			}
			app->duration_s = (double)v;
			break;
		case OPT_PROM:
			app->prom_addr = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 1;
		case 'V':
			print_version();
			return 1;
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "synwall: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (app->config_path == NULL) {
		fprintf(stderr, "synwall: -f FILE is required (see --help)\n");
		return -1;
	}
	return 0;
}

/*
 * --summary-json FILE is written at exit: refuse at the start a path that cannot be
 * (missing directory, read-only file system, a directory), not after the whole run.
 */
static int
check_summary_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		return access(path, W_OK);
	}
	if (errno != ENOENT)
		return -1;
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return access(dir, W_OK);
}

static int
load_config(struct sw_app *app)
{
	struct sw_config_errors errs;
	struct sw_config *cfg;

	memset(&errs, 0, sizeof(errs));
	cfg = sw_config_load(app->config_path, &errs);
	if (cfg == NULL) {
		sw_config_errors_print(&errs, stderr);
		sw_config_errors_free(&errs);
		return -EINVAL;
	}
	sw_config_errors_free(&errs);
	app->cfg = cfg;
	sw_app_apply_general(app, cfg);
	return 0;
}

/* --- ordered init / teardown ------------------------------------------------------------ */

static int
step_cookie(struct sw_app *app)
{
	int ret = sw_cookie_master_init(&app->sh.cookie_master);

	if (ret == 0 &&
		(getrandom(app->sh.flow_hash_key, 16, 0) != 16 ||
			getrandom(&app->sh.hll_seed, sizeof(app->sh.hll_seed), 0) !=
				sizeof(app->sh.hll_seed)))
		ret = -EIO;
	return ret;
}

static int
step_rcu(struct sw_app *app)
{
	size_t sz = rte_rcu_qsbr_get_memsize(app->sh.nb_workers);

	app->sh.rcu = rte_zmalloc("sw_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (app->sh.rcu == NULL)
		return -ENOMEM;
	return rte_rcu_qsbr_init(app->sh.rcu, app->sh.nb_workers);
}

static void
fini_rcu(struct sw_app *app)
{
	rte_free(app->sh.rcu);
	app->sh.rcu = NULL;
}

static int
step_runtime(struct sw_app *app)
{
	struct sw_runtime *rt = sw_runtime_build(app->cfg, NULL);

	if (rt == NULL)
		return -rte_errno;
	app->cfg = NULL; /* owned by rt now */
	atomic_store_explicit(&app->sh.rt, rt, memory_order_release);
	return 0;
}

static void
fini_runtime(struct sw_app *app)
{
	struct sw_runtime *rt = atomic_exchange(&app->sh.rt, NULL);

	sw_runtime_free(rt);
}

static int
step_workers(struct sw_app *app)
{
	unsigned lcore, idx = 0;

	RTE_LCORE_FOREACH_WORKER (lcore) {
		int socket = (int)rte_lcore_to_socket_id(lcore);
		struct sw_worker *w = sw_dp_worker_create(&app->sh, (uint16_t)idx, lcore, socket);

		if (w == NULL) {
			SW_LOG(ERR, "worker on lcore %u: %s\n", lcore, rte_strerror(rte_errno));
			return -rte_errno;
		}
		app->workers[idx] = w;
		app->sh.steer_rings[idx] = w->steer_ring;
		idx++;
	}
	return 0;
}

static void
fini_workers(struct sw_app *app)
{
	for (unsigned i = 0; i < app->sh.nb_workers; i++) {
		sw_dp_worker_free(app->workers[i]);
		app->workers[i] = NULL;
	}
}

static int
step_telemetry(struct sw_app *app)
{
	return sw_app_telemetry_init(app);
}

/* Live capture with dpdk-dumpcap / dpdk-pdump (a secondary process). */
static int
step_pdump(struct sw_app *app)
{
	RTE_SET_USED(app);
	if (rte_pdump_init() != 0) {
		/* e.g. --no-shconf / in-memory: capture is unavailable, the appliance is not. */
		SW_LOG(WARNING, "pdump unavailable: %s\n", rte_strerror(rte_errno));
	}
	return 0;
}

static void
fini_pdump(struct sw_app *app)
{
	RTE_SET_USED(app);
	rte_pdump_uninit();
}

struct init_step {
	const char *name;
	int (*init)(struct sw_app *app);
	void (*fini)(struct sw_app *app);
};

/* Run top to bottom; unwound bottom to top. */
static const struct init_step steps[] = {
	{"cookie keys", step_cookie, NULL},
	{"mempools", sw_app_pools_init, sw_app_pools_fini},
	{"rcu", step_rcu, fini_rcu},
	{"runtime", step_runtime, fini_runtime},
	{"workers", step_workers, fini_workers},
	{"ports", sw_app_ports_init, sw_app_ports_fini},
	{"telemetry", step_telemetry, sw_app_telemetry_fini}, /* first to go: reads the rest */
	{"pdump", step_pdump, fini_pdump},
};

/* Returns 0, or -1 when the --summary-json file could not be written. */
static int
write_summary(struct sw_app *app)
{
	struct sw_stats s;

	char flows[1024], pmd[512];
	size_t fl;

	sw_app_stats_collect(app, &s);
	sw_app_flows_json(app, flows, sizeof(flows));
	sw_app_pmd_json(app, pmd, sizeof(pmd));
	printf("synwall: final counters\n");
	sw_stats_write_text(&s, stdout);
	printf("  %s\n  %s\n", flows, pmd);
	/* Both go into the JSON summary. */
	fl = strlen(flows);
	snprintf(flows + fl, sizeof(flows) - fl, ", %s", pmd);
	if (app->summary_json_stdout)
		sw_stats_write_json_ex(&s, stdout, flows);
	if (app->summary_json != NULL) {
		FILE *f = fopen(app->summary_json, "w");

		if (f == NULL) {
			SW_LOG(ERR, "cannot write %s: %s\n", app->summary_json, strerror(errno));
			fflush(stdout);
			return -1;
		}
		sw_stats_write_json_ex(&s, f, flows);
		if ((ferror(f) | fclose(f)) != 0) {
			SW_LOG(ERR, "cannot write %s: %s\n", app->summary_json, strerror(errno));
			fflush(stdout);
			return -1;
		}
	}
	fflush(stdout);
	return 0;
}

static void
control_loop(struct sw_app *app)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t start = rte_get_timer_cycles();
	uint64_t last_stats = start; /* the last stats line, or the start */
	uint64_t next_stats = start + (uint64_t)app->stats_interval_s * hz;

	app->last_tsc = start;
	while (!got_stop) {
		uint64_t now;

		rte_delay_us_sleep(50 * 1000);
		now = rte_get_timer_cycles();
		if (got_reload || atomic_exchange(&app->reload_requested, false)) {
			const unsigned interval0 = app->stats_interval_s;

			got_reload = 0;
			if (sw_app_reload(app) == 0) {
				sw_app_observe_config(app, atomic_load(&app->sh.rt)->cfg);
				/*
				 * Lines turned on: the first covers one interval from
				 * now, not the time since start. A changed interval
				 * applies at once: the next line counts from the last.
				 */
				if (interval0 == 0 && app->stats_interval_s > 0) {
					sw_app_stats_mark(app);
					last_stats = now;
				}
				next_stats = last_stats + (uint64_t)app->stats_interval_s * hz;
			}
		}
		sw_app_observe(app);
		if (app->stats_interval_s > 0 && now >= next_stats) {
			sw_app_stats_line(app);
			last_stats = now;
			next_stats = now + (uint64_t)app->stats_interval_s * hz;
		}
		if (app->duration_s > 0 && (double)(now - start) / (double)hz >= app->duration_s)
			break;
	}
}

int
main(int argc, char **argv)
{
	static struct sw_app app;
	bool check_only = false;
	int eal_argc, ret, exit_code = 0;

	int sep = -1;
	size_t done = 0;

	/* App options follow "--"; --check-config, --help and --version need no EAL. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (sep < 0) {
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
				usage(stdout, argv[0]);
				return 0;
			} else if (strcmp(argv[i], "-V") == 0 ||
				strcmp(argv[i], "--version") == 0) {
				print_version();
				return 0;
			}
		fprintf(stderr, "synwall: missing '-- -f FILE' (see --help)\n");
		return 1;
	}
	argv[sep] = argv[0];
	ret = parse_args(&app, argc - sep, argv + sep, &check_only);
	if (ret != 0)
		return ret > 0 ? 0 : 1;
	if (check_only) {
		struct sw_config_errors errs;
		struct sw_config *cfg;

		memset(&errs, 0, sizeof(errs));
		cfg = sw_config_load(app.config_path, &errs);
		if (cfg == NULL) {
			sw_config_errors_print(&errs, stderr);
			sw_config_errors_free(&errs);
			return 1;
		}
		sw_config_errors_free(&errs);
		printf("%s: OK\n", app.config_path);
		sw_config_free(cfg);
		return 0;
	}
	/*
	 * From here on, before EAL (which can take seconds: hugepages, probing): a
	 * SIGHUP is a reload request and SIGINT/SIGTERM a clean stop, never the
	 * default action's kill. A stop asked for during the start ends the
	 * control loop at once.
	 */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (app.summary_json != NULL && check_summary_path(app.summary_json) != 0) {
		fprintf(stderr, "synwall: --summary-json %s: %s\n", app.summary_json,
			strerror(errno));
		return 1;
	}
	if (load_config(&app) != 0)
		return 1;

	eal_argc = rte_eal_init(sep, argv);
	if (eal_argc < 0) {
		fprintf(stderr, "synwall: EAL init failed: %s\n", rte_strerror(rte_errno));
		sw_config_free(app.cfg);
		return 1;
	}
	/* What runs, first in the log: bug reports and fleet checks start here. */
	SW_LOG(INFO, SW_VERSION_FMT ", config %s\n", SW_VERSION_ARGS("synwall"), app.config_path);
	app.sh.nb_workers = (uint16_t)rte_lcore_count() - 1;
	if (app.sh.nb_workers == 0 || app.sh.nb_workers > SW_MAX_WORKERS) {
		SW_LOG(ERR, "need 1..%u worker lcores besides the main one (e.g. -l 0-1)\n",
			SW_MAX_WORKERS);
		sw_config_free(app.cfg);
		rte_eal_cleanup();
		return 1;
	}
	if (sw_app_check_workers(&app) != 0) {
		sw_config_free(app.cfg);
		rte_eal_cleanup();
		return 1;
	}

	for (done = 0; done < RTE_DIM(steps); done++) {
		ret = steps[done].init(&app);
		if (ret != 0) {
			SW_LOG(ERR, "init %s failed: %s\n", steps[done].name, rte_strerror(-ret));
			exit_code = 1;
			break;
		}
	}
	if (exit_code == 0) {
		unsigned lcore, idx = 0;

		RTE_LCORE_FOREACH_WORKER (lcore)
			rte_eal_remote_launch(sw_dp_worker_main, app.workers[idx++], lcore);
		printf("synwall: running: %u worker(s), outside=%s inside=%s%s\n",
			app.sh.nb_workers, app.outside_name, app.inside_name,
			app.sh.steer ? ", software steering" : "");
		fflush(stdout);
		control_loop(&app);
		atomic_store_explicit(&app.sh.stop, true, memory_order_relaxed);
		rte_eal_mp_wait_lcore();
		if (write_summary(&app) != 0)
			exit_code = 1;
	}
	while (done-- > 0)
		if (steps[done].fini != NULL)
			steps[done].fini(&app);
	sw_app_telemetry_fini(&app); /* idempotent; frees what a failed init left */
	sw_config_free(app.cfg);
	rte_eal_cleanup();
	return exit_code;
}
