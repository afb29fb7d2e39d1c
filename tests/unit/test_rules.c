/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lib/rules: config fixtures (no EAL), then classification golden tests (EAL). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "sw_rules.h"

#define EXPECT_MAX 512

/* snprintf that must not truncate (and keeps -Wformat-truncation quiet: the result is used). */
#define FMT(buf, ...) \
	do { \
		int n_ = snprintf(buf, sizeof(buf), __VA_ARGS__); \
		assert_true(n_ >= 0 && (size_t)n_ < sizeof(buf)); \
	} while (0)

static char configs_dir[PATH_MAX]; /* tests/unit/configs */
static char top_dir[PATH_MAX]; /* source tree root, for the config directory */
static char tmp_dir[PATH_MAX]; /* per-run scratch directory */

/*
 * Fixture annotations. A comment line
 *   ; expect: TEXT                the next non-annotation line must produce an error
 *                                 "FIXTURE:LINE: TEXT..."
 *   ; expect-file: TEXT           an error "FIXTURE: TEXT..." (no line)
 *   ; expect-list REL:N: TEXT     an error "DIR/REL:N: TEXT... (list named at FIXTURE:LINE)"
 * $DIR in TEXT is the fixture directory. The load must fail with exactly these errors.
 */
struct expect {
	char head[PATH_MAX + 32]; /* "path:line: " */
	char text[512];
	char via[PATH_MAX + 64]; /* "" or "(list named at path:line)" */
	bool needs_line;
	bool is_used;
};

static void
subst_dir(char *dst, size_t len, const char *src)
{
	const char *d = strstr(src, "$DIR");

	int n;

	if (d == NULL)
		n = snprintf(dst, len, "%s", src);
	else
		n = snprintf(dst, len, "%.*s%s%s", (int)(d - src), src, configs_dir, d + 4);
	assert_true(n >= 0 && (size_t)n < len);
}

static unsigned int
read_expectations(const char *path, struct expect *ex)
{
	unsigned int n = 0, first_pending = 0, lineno = 0, i;
	char line[1024];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		lineno++;
		if (strncmp(line, "; expect: ", 10) == 0) {
			assert_true(n < EXPECT_MAX);
			memset(&ex[n], 0, sizeof(ex[n]));
			subst_dir(ex[n].text, sizeof(ex[n].text), line + 10);
			ex[n++].needs_line = true;
		} else if (strncmp(line, "; expect-file: ", 15) == 0) {
			assert_true(n < EXPECT_MAX);
			memset(&ex[n], 0, sizeof(ex[n]));
			FMT(ex[n].head, "%s: ", path);
			subst_dir(ex[n].text, sizeof(ex[n].text), line + 15);
			n++;
		} else if (strncmp(line, "; expect-list ", 14) == 0) {
			char *rest = strstr(line + 14, ": ");

			assert_non_null(rest);
			assert_true(n < EXPECT_MAX);
			memset(&ex[n], 0, sizeof(ex[n]));
			FMT(ex[n].head, "%s/%.*s: ", configs_dir, (int)(rest - line - 14),
				line + 14);
			subst_dir(ex[n].text, sizeof(ex[n].text), rest + 2);
			ex[n].via[0] = '?'; /* completed below */
			ex[n++].needs_line = true;
		} else {
			for (i = first_pending; i < n; i++) {
				if (!ex[i].needs_line)
					continue;
				if (ex[i].via[0] == '?')
					FMT(ex[i].via, "(list named at %s:%u)", path, lineno);
				else
					FMT(ex[i].head, "%s:%u: ", path, lineno);
				ex[i].needs_line = false;
			}
			first_pending = n;
		}
	}
	fclose(f);
	return n;
}

static void
dump_errors(const struct sw_config_errors *e)
{
	fprintf(stderr, "--- %u error(s) reported:\n", e->count);
	sw_config_errors_print(e, stderr);
}

/* One bad fixture: every annotated error is reported, and nothing else. */
static void
test_fixture(void **state)
{
	static struct expect ex[EXPECT_MAX];
	struct sw_config_errors e = {0};
	char path[PATH_MAX];
	unsigned int n, i, m;
	struct sw_config *c;

	FMT(path, "%s/%s", configs_dir, (const char *)*state);
	n = read_expectations(path, ex);
	assert_true(n > 0);
	c = sw_config_load(path, &e);
	if (c != NULL || e.count != n)
		dump_errors(&e);
	assert_null(c);
	for (i = 0; i < n; i++) {
		size_t hl = strlen(ex[i].head);

		for (m = 0; m < e.n_msgs; m++) {
			const char *msg = sw_config_errors_get(&e, m);

			if (strncmp(msg, ex[i].head, hl) == 0 &&
				strncmp(msg + hl, ex[i].text, strlen(ex[i].text)) == 0 &&
				(ex[i].via[0] == '\0' || strstr(msg, ex[i].via) != NULL)) {
				break;
			}
		}
		if (m == e.n_msgs) {
			dump_errors(&e);
			fail_msg("missing error: %s%s %s", ex[i].head, ex[i].text, ex[i].via);
		}
	}
	assert_int_equal(e.count, n);
	sw_config_errors_free(&e);
}

static struct sw_config *
load_ok(const char *path)
{
	struct sw_config_errors e = {0};
	struct sw_config *c = sw_config_load(path, &e);

	if (c == NULL)
		dump_errors(&e);
	assert_non_null(c);
	assert_int_equal(e.count, 0);
	sw_config_errors_free(&e);
	return c;
}

static struct sw_config *
load_fixture(const char *name)
{
	char path[PATH_MAX];

	FMT(path, "%s/%s", configs_dir, name);
	return load_ok(path);
}

static struct sw_config *
load_text(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	FMT(path, "%s/%s", tmp_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return load_ok(path);
}

static void
assert_prefix(const struct sw_config_prefix *p, const char *text)
{
	char buf[80], a[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(p->family, p->addr, a, sizeof(a)));
	FMT(buf, "%s/%u", a, p->depth);
	assert_string_equal(buf, text);
}

/* VIDs (and the untagged bit) a service matches. */
static unsigned int
vlan_count(const struct sw_config_service *s)
{
	unsigned int w, n = 0;

	for (w = 0; w < SW_CONFIG_VLAN_WORDS; w++)
		n += (unsigned int)__builtin_popcountll(s->vlans[w]);
	return n;
}

static void
test_good_full(void **state)
{
	struct sw_config *c = load_fixture("good_full.ini");
	const struct sw_config_service *s;
	char path[PATH_MAX];

	(void)state;
	FMT(path, "%s/good_full.ini", configs_dir);
	assert_string_equal(c->path, path);
	assert_string_equal(c->ports.outside, "0000:3b:00.0");
	assert_false(c->ports.csum_offload);
	assert_string_equal(c->ports.inside, "net_af_packet1");

	assert_int_equal(c->general.workers, 4);
	assert_int_equal(c->general.flow_capacity, 2097152);
	assert_int_equal(c->general.cookie_epoch_ms, 120000);
	assert_int_equal(c->general.mbufs, 131072);
	assert_int_equal(c->general.stats_interval_ms, 1500);
	assert_int_equal(c->general.default_action, SW_CONFIG_DEFAULT_DROP);
	assert_int_equal(c->general.mtu, 9000);
	assert_string_equal(c->general.prometheus, "[::1]:9100");
	assert_int_equal(c->general.allow.n, 2);
	assert_prefix(&c->general.allow.v[0], "198.19.1.0/24");
	assert_int_equal(c->general.allow.v[0].family, AF_INET);
	assert_prefix(&c->general.allow.v[1], "2001:2:0:ff::/64");
	assert_int_equal(c->general.allow.v[1].family, AF_INET6);
	assert_int_equal(c->general.deny.n, 4); /* @file first, then the inline host */
	assert_prefix(&c->general.deny.v[0], "198.19.7.0/24");
	assert_prefix(&c->general.deny.v[1], "198.19.8.1/32");
	assert_prefix(&c->general.deny.v[2], "2001:2:0:77::/64");
	assert_prefix(&c->general.deny.v[3], "198.19.9.9/32");

	assert_int_equal(c->timeouts.ms[SW_CONN_FREE], 0);
	assert_int_equal(c->timeouts.ms[SW_CONN_SYN_SENT], 5000);
	assert_int_equal(c->timeouts.ms[SW_CONN_ESTABLISHED], 7200000);
	assert_int_equal(c->timeouts.ms[SW_CONN_FIN_WAIT_1], 90000);
	assert_int_equal(c->timeouts.ms[SW_CONN_FIN_WAIT_2], 90000);
	assert_int_equal(c->timeouts.ms[SW_CONN_CLOSE_WAIT], 45000);
	assert_int_equal(c->timeouts.ms[SW_CONN_LAST_ACK], 20000);
	assert_int_equal(c->timeouts.ms[SW_CONN_CLOSING], 15000);
	assert_int_equal(c->timeouts.ms[SW_CONN_TIME_WAIT], 60000);
	assert_int_equal(c->timeouts.ms[SW_CONN_CLOSED], 500);

	assert_int_equal(c->n_services, 3);
	s = &c->services[0];
	assert_int_equal(s->id, 1);
	assert_string_equal(s->name, "web");
	assert_int_equal(s->action, SW_CONFIG_ACTION_PROXY);
	assert_int_equal(s->dst.n, 2);
	assert_prefix(&s->dst.v[0], "198.18.2.0/24");
	assert_prefix(&s->dst.v[1], "2001:2:0:2::/64");
	assert_int_equal(s->n_ports, 2 + 81);
	assert_false(sw_config_service_has_port(s, 0));
	assert_false(sw_config_service_has_port(s, 79));
	assert_true(sw_config_service_has_port(s, 80));
	assert_true(sw_config_service_has_port(s, 443));
	assert_false(sw_config_service_has_port(s, 7999));
	assert_true(sw_config_service_has_port(s, 8000));
	assert_true(sw_config_service_has_port(s, 8080));
	assert_false(sw_config_service_has_port(s, 8081));
	assert_int_equal(s->mss, 1400);
	assert_int_equal(s->wscale, 7);
	assert_int_equal(s->sack, SW_CONFIG_OPT_ON);
	assert_int_equal(s->timestamps, SW_CONFIG_OPT_OFF);
	assert_int_equal(s->ecn, SW_CONFIG_OPT_LEARN);
	assert_int_equal(s->syn_rate, 5000);
	assert_int_equal(s->allow.n, 1);
	assert_prefix(&s->allow.v[0], "198.19.5.0/24");
	assert_int_equal(s->deny.n, 2);
	assert_prefix(&s->deny.v[1], "2001:2:0:66::/64");
	assert_int_equal(s->timeouts.ms[SW_CONN_SYN_SENT], 5000); /* from [timeouts] */
	assert_int_equal(s->timeouts.ms[SW_CONN_ESTABLISHED], 1800000);
	assert_int_equal(s->timeouts.ms[SW_CONN_FIN_WAIT_1], 10000);
	assert_int_equal(s->timeouts.ms[SW_CONN_FIN_WAIT_2], 10000);
	assert_int_equal(s->timeouts.ms[SW_CONN_CLOSED], 500);
	/* vlan = none, 10, 20 - 30, 25 */
	assert_true(s->has_vlans);
	assert_true(sw_config_service_has_vlan(s, SW_CONFIG_VLAN_UNTAGGED));
	assert_false(sw_config_service_has_vlan(s, 9));
	assert_true(sw_config_service_has_vlan(s, 10));
	assert_false(sw_config_service_has_vlan(s, 11));
	assert_false(sw_config_service_has_vlan(s, 19));
	assert_true(sw_config_service_has_vlan(s, 20));
	assert_true(sw_config_service_has_vlan(s, 25));
	assert_true(sw_config_service_has_vlan(s, 30));
	assert_false(sw_config_service_has_vlan(s, 31));
	assert_false(sw_config_service_has_vlan(s, 4095));
	assert_false(sw_config_service_has_vlan(s, 0xffff));
	assert_int_equal(vlan_count(s), 1 + 1 + 11);

	s = &c->services[1];
	assert_int_equal(s->id, 2);
	assert_string_equal(s->name, "ssh.admin-1");
	assert_int_equal(s->action, SW_CONFIG_ACTION_PASS);
	assert_int_equal(s->dst.n, 1);
	assert_prefix(&s->dst.v[0], "198.18.3.7/32");
	assert_int_equal(s->n_ports, 1);
	assert_true(sw_config_service_has_port(s, 22));
	assert_int_equal(s->mss, SW_CONFIG_MSS_LEARN);
	assert_int_equal(s->wscale, SW_CONFIG_WSCALE_LEARN);
	assert_int_equal(s->allow.n, 0);
	assert_null(s->allow.v);
	assert_false(s->has_vlans); /* no vlan key: every VLAN, untagged too */
	assert_int_equal(vlan_count(s), 4096);

	s = &c->services[2];
	assert_int_equal(s->id, 3);
	assert_string_equal(s->name, "blackhole");
	assert_int_equal(s->action, SW_CONFIG_ACTION_DROP);
	assert_prefix(&s->dst.v[1], "2001:2:0:4::1/128");
	assert_int_equal(s->n_ports, 65535);
	assert_false(sw_config_service_has_port(s, 0));
	assert_true(sw_config_service_has_port(s, 65535));
	assert_false(s->has_vlans); /* vlan = any */
	assert_int_equal(vlan_count(s), 4096);
	sw_config_free(c);
}

/* config/synwall.ini sets every key to its documented default: they must be the built-in ones. */
static void
test_reference_defaults(void **state)
{
	struct sw_config *min = load_fixture("good_minimal.ini"), *ref;
	const struct sw_config_service *a, *b;
	char path[PATH_MAX];

	(void)state;
	FMT(path, "%s/config/synwall.ini", top_dir);
	ref = load_ok(path);
	assert_int_equal(min->general.workers, 0);
	assert_int_equal(ref->general.workers, min->general.workers);
	assert_int_equal(ref->general.flow_capacity, min->general.flow_capacity);
	assert_int_equal(ref->general.flow_capacity, 1048576);
	assert_int_equal(ref->general.cookie_epoch_ms, min->general.cookie_epoch_ms);
	assert_int_equal(ref->general.cookie_epoch_ms, 60000);
	assert_int_equal(ref->general.mbufs, min->general.mbufs);
	assert_int_equal(ref->general.mbufs, 65536);
	assert_int_equal(ref->general.stats_interval_ms, min->general.stats_interval_ms);
	assert_int_equal(ref->general.default_action, min->general.default_action);
	assert_int_equal(ref->general.default_action, SW_CONFIG_DEFAULT_BRIDGE);
	assert_int_equal(ref->general.mtu, min->general.mtu);
	assert_int_equal(ref->general.mtu, 1500);
	assert_memory_equal(&ref->timeouts, &min->timeouts, sizeof(ref->timeouts));
	assert_int_equal(ref->n_services, 1);
	a = &ref->services[0];
	b = &min->services[0];
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->wscale, b->wscale);
	assert_int_equal(a->sack, b->sack);
	assert_int_equal(a->timestamps, b->timestamps);
	assert_int_equal(a->ecn, b->ecn);
	assert_int_equal(a->syn_rate, b->syn_rate);
	assert_int_equal(a->has_vlans, b->has_vlans);
	assert_false(a->has_vlans);
	assert_memory_equal(a->vlans, b->vlans, sizeof(a->vlans));
	assert_int_equal(vlan_count(a), 4096);
	assert_memory_equal(&a->timeouts, &b->timeouts, sizeof(a->timeouts));
	assert_memory_equal(&a->timeouts, &min->timeouts, sizeof(a->timeouts));
	sw_config_free(ref);
	sw_config_free(min);
}

static void
test_lab(void **state)
{
	struct sw_config *c;
	char path[PATH_MAX];

	(void)state;
	FMT(path, "%s/config/lab.ini", top_dir);
	c = load_ok(path);
	assert_string_equal(c->ports.outside, "net_af_packet0");
	assert_string_equal(c->ports.inside, "net_af_packet1");
	assert_true(c->ports.csum_offload); /* auto, the default */
	assert_int_equal(c->n_services, 1);
	assert_int_equal(c->services[0].action, SW_CONFIG_ACTION_PROXY);
	assert_int_equal(c->services[0].dst.n, 1);
	assert_prefix(&c->services[0].dst.v[0], "198.18.2.0/24");
	assert_int_equal(c->services[0].n_ports, 2);
	assert_true(sw_config_service_has_port(&c->services[0], 80));
	assert_true(sw_config_service_has_port(&c->services[0], 5001));
	sw_config_free(c);
}

static void
test_missing_config(void **state)
{
	struct sw_config_errors e = {0};
	char path[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	FMT(path, "%s/does_not_exist.ini", configs_dir);
	assert_null(sw_config_load(path, &e));
	assert_int_equal(e.count, 1);
	FMT(want, "%s: cannot open: No such file or directory", path);
	assert_string_equal(sw_config_errors_get(&e, 0), want);
	assert_null(sw_config_errors_get(&e, 1));
	sw_config_errors_free(&e);
	assert_int_equal(e.count, 0);
	assert_null(e.msgs);
}

/*
 * A FIFO as the config or as a list file is refused at once: opening one
 * without a writer used to block the load (and a reload, and with it the
 * process's SIGTERM). A child does the loads, so a hang fails the test
 * (alarm) instead of stopping the suite.
 */
static void
test_fifo_refused(void **state)
{
	char fifo[PATH_MAX], lst[PATH_MAX], ini[PATH_MAX], want[2][PATH_MAX + 96];
	char text[PATH_MAX + 128];
	int status;
	pid_t pid;
	FILE *f;

	(void)state;
	FMT(fifo, "%s/config.fifo", tmp_dir);
	FMT(lst, "%s/list.fifo", tmp_dir);
	FMT(ini, "%s/fifo_list.ini", tmp_dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mkfifo(lst, 0600), 0);
	FMT(text, "[general]\ndeny = @%s\n[service web]\ndst = 198.18.2.1/32\nports = 80\n", lst);
	f = fopen(ini, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	FMT(want[0], "%s: not a regular file", fifo);
	FMT(want[1], "%s:2: [general] deny: list file '%s' is not a regular file", ini, lst);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *paths[2] = {fifo, ini};

		alarm(5);
		for (unsigned i = 0; i < 2; i++) {
			struct sw_config_errors e = {0};

			if (sw_config_load(paths[i], &e) != NULL || e.count == 0 ||
				strcmp(sw_config_errors_get(&e, 0), want[i]) != 0) {
				fprintf(stderr, "%s: %s\n", paths[i],
					e.count ? sw_config_errors_get(&e, 0) : "loaded");
				_exit(1);
			}
			sw_config_errors_free(&e);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status)); /* not killed by the alarm */
	assert_int_equal(WEXITSTATUS(status), 0);
	unlink(fifo);
	unlink(lst);
}

/* A config file over 1 MiB is refused before rte_cfgfile copies it (320 bytes a key). */
static void
test_config_too_large(void **state)
{
	struct sw_config_errors e = {0};
	char path[PATH_MAX], want[PATH_MAX + 64];
	FILE *f;

	(void)state;
	FMT(path, "%s/too_large.ini", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[ports]\noutside = a\ninside = b\n");
	for (unsigned i = 0; i < (1u << 20) / 8; i++)
		fputs(";   pad\n", f); /* 8 bytes a line */
	fclose(f);
	assert_null(sw_config_load(path, &e));
	assert_int_equal(e.count, 1);
	FMT(want, "%s: file too large (max 1 MiB; long lists go in @files)", path);
	assert_string_equal(sw_config_errors_get(&e, 0), want);
	sw_config_errors_free(&e);
	unlink(path);
}

/* errs may be NULL, or uninitialised: each load starts it afresh. */
static void
test_errors_api(void **state)
{
	static struct expect ex[EXPECT_MAX];
	struct sw_config_errors e;
	unsigned int n;
	char bad[PATH_MAX], good[PATH_MAX];
	struct sw_config *c;

	(void)state;
	FMT(bad, "%s/bad_multi.ini", configs_dir);
	FMT(good, "%s/good_minimal.ini", configs_dir);
	assert_null(sw_config_load(bad, NULL));
	c = sw_config_load(good, NULL);
	assert_non_null(c);
	sw_config_free(c);
	sw_config_free(NULL);

	n = read_expectations(bad, ex);
	memset(&e, 0xa5, sizeof(e)); /* garbage, as an uninitialised local would hold */
	assert_null(sw_config_load(bad, &e));
	assert_int_equal(e.count, n);
	assert_int_equal(e.n_msgs, n);
	sw_config_errors_free(&e);
	memset(&e, 0xa5, sizeof(e));
	c = sw_config_load(good, &e);
	assert_non_null(c);
	assert_int_equal(e.count, 0);
	assert_int_equal(e.n_msgs, 0);
	sw_config_free(c);
	sw_config_errors_free(&e);
	sw_config_errors_free(NULL);
	assert_int_equal(sw_config_errors_print(NULL, stderr), 0);
}

/* Past SW_CONFIG_ERRORS_MAX messages are counted, and print says how many it left out. */
static void
test_errors_cap(void **state)
{
	struct sw_config_errors e = {0};
	char path[PATH_MAX], out[PATH_MAX], line[256];
	bool has_summary = false;
	unsigned int i, lines = 0;
	FILE *f;

	(void)state;
	FMT(path, "%s/many_bad.txt", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < SW_CONFIG_ERRORS_MAX + 500; i++)
		fprintf(f, "198.19.%u.%u/24\n", i / 250, i % 250 + 1);
	fclose(f);
	FMT(path, "%s/many_bad.ini", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[ports]\noutside = a\ninside = b\n[general]\ndeny = @many_bad.txt\n");
	fclose(f);
	assert_null(sw_config_load(path, &e));
	assert_int_equal(e.count, SW_CONFIG_ERRORS_MAX + 500);
	assert_int_equal(e.n_msgs, SW_CONFIG_ERRORS_MAX);

	FMT(out, "%s/errors.txt", tmp_dir);
	f = fopen(out, "w+");
	assert_non_null(f);
	assert_int_equal(sw_config_errors_print(&e, f), SW_CONFIG_ERRORS_MAX + 500);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		lines++;
		has_summary |= strcmp(line, "(500 more errors not shown)\n") == 0;
	}
	fclose(f);
	assert_int_equal(lines, SW_CONFIG_ERRORS_MAX + 1);
	assert_true(has_summary);
	sw_config_errors_free(&e);
}

/* ---------------------------------------------------------------- classification (EAL) */

struct golden {
	const char *src, *dst;
	uint16_t port;
	uint8_t action;
	uint16_t service;
	uint16_t vlan; /* sw_class_query.vlan; 0 (left out) = untagged */
};

static const char *const action_names[] = {
	"BRIDGE", "PROXY", "PASS", "DROP_DENY", "DROP_SERVICE", "DROP_DEFAULT"};

static void
make_query(struct sw_class_query *q, uint8_t (*buf)[16], const struct golden *g)
{
	int fam = strchr(g->dst, ':') != NULL ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(fam, g->src, buf[0]), 1);
	assert_int_equal(inet_pton(fam, g->dst, buf[1]), 1);
	q->family = (uint8_t)fam;
	q->src = buf[0];
	q->dst = buf[1];
	q->dport = htons(g->port);
	q->vlan = g->vlan;
}

/* The tuple sw_pkt_tuple() and sw_tuple_set_vlan() would make of a query's packet. */
static void
query_tuple(struct sw_tuple *t, const struct sw_class_query *q)
{
	memset(t, 0, sizeof(*t));
	t->family = q->family == AF_INET ? 4 : q->family == AF_INET6 ? 6 : 0;
	if (t->family != 0) {
		memcpy(t->src, q->src, t->family == 4 ? 4 : 16);
		memcpy(t->dst, q->dst, t->family == 4 ? 4 : 16);
	}
	t->sport = htons(1234);
	t->dport = q->dport;
	if (q->vlan != SW_CLASS_VLAN_UNTAGGED) {
		t->pad[1] = (uint8_t)((q->vlan & 0xfff) >> 8);
		t->pad[2] = (uint8_t)q->vlan;
	}
}

/* sw_classify_tuples() on the queries' packets must give act[] and svc[]: alone, then in bulk. */
static unsigned int
check_tuples(const struct sw_classifier *cl, const struct sw_class_query *q, unsigned int n,
	const uint8_t *act, const uint16_t *svc)
{
	struct sw_tuple *t = calloc(n, sizeof(*t));
	const struct sw_tuple **tp = calloc(n, sizeof(*tp));
	uint8_t *a = calloc(n, 1);
	uint16_t *s = calloc(n, sizeof(*s));
	unsigned int i, fails = 0;

	assert_non_null(t);
	assert_non_null(tp);
	assert_non_null(a);
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		query_tuple(&t[i], &q[i]);
		tp[i] = &t[i];
		sw_classify_tuples(cl, &tp[i], 1, &a[i], &s[i]);
		fails += a[i] != act[i] || s[i] != svc[i];
	}
	memset(a, 0xff, n);
	sw_classify_tuples(cl, tp, n, a, s);
	for (i = 0; i < n; i++)
		fails += a[i] != act[i] || s[i] != svc[i];
	if (fails > 0)
		fprintf(stderr, "tuples: %u results differ from the queries'\n", fails);
	free(t);
	free(tp);
	free(a);
	free(s);
	return fails;
}

/*
 * Each case alone, then all of them in one bulk call (several bursts, families mixed), then
 * the same as tuples.
 */
static void
check_golden(const struct sw_classifier *cl, const struct golden *g, unsigned int n)
{
	struct sw_class_query *q = calloc(n * 3, sizeof(*q));
	uint8_t(*buf)[2][16] = calloc(n, sizeof(*buf));
	uint8_t *act = calloc(n * 3, 1);
	uint16_t *svc = calloc(n * 3, sizeof(*svc));
	unsigned int i, fails = 0;

	assert_non_null(q);
	assert_non_null(buf);
	assert_non_null(act);
	assert_non_null(svc);
	for (i = 0; i < n; i++) {
		make_query(&q[i], buf[i], &g[i]);
		sw_classify_bulk(cl, &q[i], 1, &act[i], &svc[i]);
		if (act[i] != g[i].action || svc[i] != g[i].service) {
			fprintf(stderr, "case %u: %s -> %s:%u vlan 0x%x: got %s/%u, want %s/%u\n",
				i, g[i].src, g[i].dst, g[i].port, g[i].vlan, action_names[act[i]],
				svc[i], action_names[g[i].action], g[i].service);
			fails++;
		}
	}
	for (i = n; i < n * 3; i++)
		q[i] = q[i % n];
	memset(act, 0xff, n * 3);
	sw_classify_bulk(cl, q, n * 3, act, svc);
	for (i = 0; i < n * 3; i++) {
		if (act[i] != g[i % n].action || svc[i] != g[i % n].service) {
			fprintf(stderr, "bulk case %u: got %s/%u\n", i, action_names[act[i]],
				svc[i]);
			fails++;
		}
	}
	fails += check_tuples(cl, q, n * 3, act, svc);
	free(q);
	free(buf);
	free(act);
	free(svc);
	assert_int_equal(fails, 0);
}

/* Flags of the classifiers build() makes: the classify group runs with 0, then LPM only. */
static unsigned int build_flags;

static struct sw_classifier *
build(const struct sw_config *c)
{
	struct sw_classifier *cl = sw_classifier_build_flags(c, SOCKET_ID_ANY, build_flags);

	if (cl == NULL)
		fprintf(stderr, "sw_classifier_build: %s\n", rte_strerror(rte_errno));
	assert_non_null(cl);
	return cl;
}

#define PORTS_HDR "[ports]\noutside = net_af_packet0\ninside = net_af_packet1\n"

static const char classify_ini[] = PORTS_HDR
	"[general]\n"
	"allow = 198.19.1.0/24, 198.19.3.0/24, 198.19.4.5/32, 2001:2:0:a1::/64\n"
	"deny = 198.19.2.0/24, 198.19.3.7/32, 198.19.4.0/24, 198.19.6.66, 2001:2:0:d1::/64\n"
	"[service wide]\n" /* 1 */
	"dst = 198.18.0.0/16\nports = 80\n"
	"[service mid]\n" /* 2: nested in wide, same action */
	"dst = 198.18.2.0/24\nports = 80, 443\n"
	"allow = 198.19.6.0/24\ndeny = 198.19.5.0/24, 198.19.1.128/25\n"
	"[service alt]\n" /* 3: nested in mid, disjoint ports */
	"dst = 198.18.2.128/25\nports = 8080\naction = pass\n"
	"[service sink]\n" /* 4 */
	"dst = 198.18.5.0/24\nports = 22\naction = drop\n"
	"[service range]\n" /* 5 */
	"dst = 198.18.6.0/24\nports = 8000-8080, 9000\n"
	"[service v6]\n" /* 6 */
	"dst = 2001:2:0:2::/64\nports = 80\n"
	"[service v6host]\n" /* 7 */
	"dst = 2001:2:0:2::1:0/112\nports = 443\naction = pass\n";

static const struct golden classify_cases[] = {
	/* most specific dst prefix holding the port wins */
	{"198.19.0.1", "198.18.2.200", 8080, SW_CLASS_PASS, 3},
	{"198.19.0.1", "198.18.2.200", 80, SW_CLASS_PROXY, 2},
	{"198.19.0.1", "198.18.2.200", 443, SW_CLASS_PROXY, 2},
	{"198.19.0.1", "198.18.2.1", 8080, SW_CLASS_BRIDGE, 0},
	{"198.19.0.1", "198.18.3.1", 80, SW_CLASS_PROXY, 1},
	{"198.19.0.1", "198.18.3.1", 443, SW_CLASS_BRIDGE, 0},
	{"198.19.0.1", "198.18.5.9", 22, SW_CLASS_DROP_SERVICE, 4},
	{"198.19.0.1", "198.18.5.9", 23, SW_CLASS_BRIDGE, 0},
	{"198.19.0.1", "198.18.5.9", 80, SW_CLASS_PROXY, 1},
	{"198.19.0.1", "198.20.0.1", 80, SW_CLASS_BRIDGE, 0},
	/* port ranges */
	{"198.19.0.1", "198.18.6.1", 7999, SW_CLASS_BRIDGE, 0},
	{"198.19.0.1", "198.18.6.1", 8000, SW_CLASS_PROXY, 5},
	{"198.19.0.1", "198.18.6.1", 8040, SW_CLASS_PROXY, 5},
	{"198.19.0.1", "198.18.6.1", 8080, SW_CLASS_PROXY, 5},
	{"198.19.0.1", "198.18.6.1", 8081, SW_CLASS_BRIDGE, 0},
	{"198.19.0.1", "198.18.6.1", 9000, SW_CLASS_PROXY, 5},
	{"198.19.0.1", "198.18.6.1", 9001, SW_CLASS_BRIDGE, 0},
	{"198.19.0.1", "198.18.6.1", 80, SW_CLASS_PROXY, 1},
	/* IPv6 */
	{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_PROXY, 6},
	{"2001:2:0:99::1", "2001:2:0:2::5", 443, SW_CLASS_BRIDGE, 0},
	{"2001:2:0:99::1", "2001:2:0:2::1:5", 443, SW_CLASS_PASS, 7},
	{"2001:2:0:99::1", "2001:2:0:2::1:5", 80, SW_CLASS_PROXY, 6},
	{"2001:2:0:99::1", "2001:2:0:3::1", 80, SW_CLASS_BRIDGE, 0},
	{"2001:2:0:a1::1", "2001:2:0:2::5", 80, SW_CLASS_PASS, 6},
	{"2001:2:0:d1::1", "2001:2:0:2::5", 80, SW_CLASS_DROP_DENY, 6},
	{"2001:2:0:d1::1", "2001:2:0:3::1", 80, SW_CLASS_DROP_DENY, 0},
	/* global allow / deny, for service and non-service traffic */
	{"198.19.1.1", "198.18.2.1", 80, SW_CLASS_PASS, 2},
	{"198.19.1.1", "198.18.3.1", 443, SW_CLASS_PASS, 0},
	{"198.19.2.1", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 2},
	{"198.19.2.1", "198.18.3.1", 443, SW_CLASS_DROP_DENY, 0},
	/* deny beats allow whichever is more specific */
	{"198.19.3.7", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 2},
	{"198.19.3.8", "198.18.2.1", 80, SW_CLASS_PASS, 2},
	{"198.19.4.5", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 2},
	/* per-service lists apply to that service only */
	{"198.19.5.1", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 2},
	{"198.19.5.1", "198.18.3.1", 80, SW_CLASS_PROXY, 1},
	{"198.19.5.1", "198.18.2.200", 8080, SW_CLASS_PASS, 3},
	{"198.19.6.1", "198.18.2.1", 443, SW_CLASS_PASS, 2},
	{"198.19.6.1", "198.18.3.1", 80, SW_CLASS_PROXY, 1},
	/* global deny beats service allow; service deny beats global allow */
	{"198.19.6.66", "198.18.2.1", 443, SW_CLASS_DROP_DENY, 2},
	{"198.19.1.200", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 2},
	{"198.19.1.200", "198.18.3.1", 80, SW_CLASS_PASS, 1},
};

static void
test_classify_golden(void **state)
{
	struct sw_config *c = load_text("classify.ini", classify_ini);
	struct sw_classifier *cl = build(c);
	struct sw_class_query q = {.family = 0};
	uint8_t act;
	uint16_t svc;

	(void)state;
	sw_config_free(c); /* the classifier keeps its own copy */
	check_golden(cl, classify_cases, RTE_DIM(classify_cases));
	sw_classify_bulk(cl, &q, 1, &act, &svc); /* not IP: no-service verdict */
	assert_int_equal(act, SW_CLASS_BRIDGE);
	assert_int_equal(svc, 0);
	sw_classify_bulk(cl, NULL, 0, NULL, NULL);
	sw_classifier_free(cl);
	sw_classifier_free(NULL);
}

static void
test_classify_default_drop(void **state)
{
	static const struct golden cases[] = {
		{"198.19.0.1", "198.18.3.1", 80, SW_CLASS_DROP_DEFAULT, 0},
		{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_DROP_DEFAULT, 0},
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"198.19.1.1", "198.18.3.1", 80, SW_CLASS_PASS, 0},
		{"198.19.2.1", "198.18.3.1", 80, SW_CLASS_DROP_DENY, 0},
		{"198.19.2.1", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"2001:2::1", "2001:2::2", 80, SW_CLASS_DROP_DEFAULT, 0},
	};
	struct sw_config *c = load_text("default_drop.ini",
		PORTS_HDR "[general]\ndefault_action = drop\n"
			  "allow = 198.19.1.0/24\ndeny = 198.19.2.0/24\n"
			  "[service web]\ndst = 198.18.2.0/24\nports = 80\n");
	struct sw_classifier *cl = build(c);

	(void)state;
	check_golden(cl, cases, RTE_DIM(cases));
	sw_classifier_free(cl);
	sw_config_free(c);
}

/* No prefix at all: no LPM is built and everything gets the default. */
static void
test_classify_empty(void **state)
{
	static const struct golden bridge[] = {
		{"198.19.0.1", "198.18.3.1", 80, SW_CLASS_BRIDGE, 0},
		{"2001:2::1", "2001:2::2", 80, SW_CLASS_BRIDGE, 0},
	};
	static const struct golden drop[] = {
		{"198.19.0.1", "198.18.3.1", 80, SW_CLASS_DROP_DEFAULT, 0},
		{"2001:2::1", "2001:2::2", 80, SW_CLASS_DROP_DEFAULT, 0},
	};
	struct sw_config *c = load_text("empty.ini", PORTS_HDR);
	struct sw_classifier *cl = build(c);

	(void)state;
	check_golden(cl, bridge, RTE_DIM(bridge));
	sw_classifier_free(cl);
	sw_config_free(c);
	c = load_text("empty_drop.ini", PORTS_HDR "[general]\ndefault_action = drop\n");
	cl = build(c);
	check_golden(cl, drop, RTE_DIM(drop));
	sw_classifier_free(cl);
	sw_config_free(c);
}

/* /0 prefixes (the LPMs take depth >= 1), also next to an explicit /1. */
static void
test_classify_default_route(void **state)
{
	static const struct golden cases[] = {
		{"10.0.0.1", "10.1.1.1", 22, SW_CLASS_DROP_SERVICE, 1},
		{"10.0.0.1", "200.1.1.1", 22, SW_CLASS_DROP_SERVICE, 1},
		{"10.0.0.1", "200.1.1.1", 23, SW_CLASS_BRIDGE, 0},
		{"200.0.0.1", "10.1.1.1", 22, SW_CLASS_DROP_DENY, 1},
		{"200.0.0.1", "10.1.1.1", 23, SW_CLASS_DROP_DENY, 0},
		{"10.0.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 2},
		{"10.0.0.1", "198.18.2.1", 22, SW_CLASS_DROP_SERVICE, 1},
		{"2001:2::1", "2001:2:0:1::1", 22, SW_CLASS_DROP_SERVICE, 1},
		{"2001:2::1", "8000::1", 22, SW_CLASS_DROP_SERVICE, 1},
		{"2001:2:0:d::1", "2001:2:0:1::1", 22, SW_CLASS_DROP_DENY, 1},
	};
	struct sw_config *c = load_text("default_route.ini",
		PORTS_HDR "[general]\ndeny = 128.0.0.0/1, 2001:2:0:d::/64\n"
			  "[service any]\ndst = 0.0.0.0/0, ::/0\nports = 22\naction = drop\n"
			  "[service web]\ndst = 198.18.2.0/24\nports = 80\n");
	struct sw_classifier *cl = build(c);

	(void)state;
	check_golden(cl, cases, RTE_DIM(cases));
	sw_classifier_free(cl);
	sw_config_free(c);
}

/*
 * The vlan key: one prefix and port served differently per VLAN, a nested service narrowed to
 * one VLAN falling back to the wider one elsewhere, the innermost VID only (PCP/DEI bits
 * ignored), VID 0 matched as untagged.
 */
static const char classify_vlan_ini[] =
	PORTS_HDR "[service web]\n" /* 1: every VLAN */
		  "dst = 198.18.2.0/24\nports = 80\n"
		  "[service tagged]\n" /* 2: same prefix, port 443 in VLANs 10, 20-30 */
		  "dst = 198.18.2.0/24\nports = 443\nvlan = 10, 20-30\n"
		  "[service plain]\n" /* 3: same prefix and port, untagged only, another action */
		  "dst = 198.18.2.0/24\nports = 443\nvlan = none\naction = pass\n"
		  "[service host10]\n" /* 4: nested in web, VLAN 10 only, same action */
		  "dst = 198.18.2.7/32\nports = 80\nvlan = 10\n"
		  "[service v6]\n" /* 5 */
		  "dst = 2001:2:0:2::/64\nports = 80\nvlan = 100\n"
		  "[service v6rest]\n" /* 6: the same prefix and port, untagged and 101..4094 */
		  "dst = 2001:2:0:2::/64\nports = 80\nvlan = none, 101-4094\naction = drop\n"
		  "[service sink]\n" /* 7: pass service in VLAN 30 only, deny list */
		  "dst = 198.18.3.0/24\nports = 22\nvlan = 30\naction = pass\n"
		  "deny = 198.19.9.0/24\n";

static const struct golden classify_vlan_cases[] = {
	{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1, SW_CLASS_VLAN_UNTAGGED},
	{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1, 10},
	{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1, 4095},
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PASS, 3, SW_CLASS_VLAN_UNTAGGED},
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PASS, 3, 0}, /* priority tag */
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PASS, 3, 0xe000}, /* PCP 7, VID 0 */
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PROXY, 2, 10},
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PROXY, 2, 0xa00a}, /* PCP 5, VID 10 */
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_BRIDGE, 0, 11},
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_BRIDGE, 0, 19},
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PROXY, 2, 20},
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PROXY, 2, 30},
	{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_BRIDGE, 0, 31},
	{"198.19.0.1", "198.18.2.7", 80, SW_CLASS_PROXY, 4, 10},
	{"198.19.0.1", "198.18.2.7", 80, SW_CLASS_PROXY, 1, 11},
	{"198.19.0.1", "198.18.2.7", 80, SW_CLASS_PROXY, 1, SW_CLASS_VLAN_UNTAGGED},
	{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_PROXY, 5, 100},
	{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_DROP_SERVICE, 6, SW_CLASS_VLAN_UNTAGGED},
	{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_DROP_SERVICE, 6, 101},
	{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_DROP_SERVICE, 6, 4094},
	{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_BRIDGE, 0, 4095},
	{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_BRIDGE, 0, 99},
	{"2001:2:0:99::1", "2001:2:0:2::5", 443, SW_CLASS_BRIDGE, 0, 100},
	{"198.19.0.1", "198.18.3.1", 22, SW_CLASS_PASS, 7, 30},
	{"198.19.0.1", "198.18.3.1", 22, SW_CLASS_BRIDGE, 0, 31},
	/* the per-service deny list applies where the service matches, in its VLAN only */
	{"198.19.9.1", "198.18.3.1", 22, SW_CLASS_DROP_DENY, 7, 30},
	{"198.19.9.1", "198.18.3.1", 22, SW_CLASS_BRIDGE, 0, SW_CLASS_VLAN_UNTAGGED},
};

static void
test_classify_vlan(void **state)
{
	struct sw_config *c = load_text("classify_vlan.ini", classify_vlan_ini);
	struct sw_classifier *cl = build(c);

	(void)state;
	sw_config_free(c);
	check_golden(cl, classify_vlan_cases, RTE_DIM(classify_vlan_cases));
	sw_classifier_free(cl);
}

/*
 * The classifier reports sw_config_service.id, which the runtime reassigns on reload so that
 * ids stay stable (lib/dataplane/runtime.c): not the service's position in the file.
 */
static void
test_classify_reports_ids(void **state)
{
	static const struct golden cases[] = {
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 7, 0},
		{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_PROXY, 3, 10},
		{"198.19.0.1", "198.18.5.9", 22, SW_CLASS_DROP_SERVICE, 5, 0},
		{"198.19.5.1", "198.18.5.9", 22, SW_CLASS_DROP_DENY, 5, 0},
		{"2001:2:0:99::1", "2001:2:0:2::5", 80, SW_CLASS_PROXY, 7, 0},
	};
	struct sw_config *c = load_text("ids.ini",
		PORTS_HDR "[service web]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80\n"
			  "[service tagged]\ndst = 198.18.2.0/24\nports = 443\nvlan = 10\n"
			  "[service sink]\ndst = 198.18.5.0/24\nports = 22\naction = drop\n"
			  "deny = 198.19.5.0/24\n");
	struct sw_classifier *cl;

	(void)state;
	assert_int_equal(c->n_services, 3);
	c->services[0].id = 7;
	c->services[1].id = 3;
	c->services[2].id = 5;
	cl = build(c);
	check_golden(cl, cases, RTE_DIM(cases));
	sw_classifier_free(cl);
	sw_config_free(c);
}

/*
 * The shapes of small config classify_small() special-cases: with no source list the source
 * is not looked up, and a prefix whose chain is one service in every VLAN decides by the port
 * alone. Each shape next to the ones that must not take those shortcuts: a source list (a
 * skipped source lookup would miss the deny and allow cases), two services on one prefix, a
 * vlan key. Ports are also queried byte-swapped: the port bitmaps are indexed in wire order.
 */
static void
test_classify_small_paths(void **state)
{
#define WEB "[service web]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80, 8080\n"
	static const struct golden plain[] = {
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"198.19.0.1", "198.18.2.1", 8080, SW_CLASS_PROXY, 1},
		{"198.19.0.1", "198.18.2.1", 0x5000, SW_CLASS_BRIDGE, 0}, /* 80 swapped */
		{"198.19.0.1", "198.18.2.1", 0x901f, SW_CLASS_BRIDGE, 0}, /* 8080 swapped */
		{"198.19.0.1", "198.18.2.1", 81, SW_CLASS_BRIDGE, 0},
		{"198.19.0.1", "198.18.3.1", 80, SW_CLASS_BRIDGE, 0},
		{"198.18.2.9", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"2001:2::1", "2001:2:0:2::1", 80, SW_CLASS_PROXY, 1},
		{"2001:2::1", "2001:2:0:2::1", 0x5000, SW_CLASS_BRIDGE, 0},
		{"2001:2::1", "2001:2:0:3::1", 80, SW_CLASS_BRIDGE, 0},
	};
	/* WEB with source lists: global ones, then the service's own. */
	static const struct golden lists[] = {
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"198.19.0.1", "198.18.2.1", 0x5000, SW_CLASS_BRIDGE, 0},
		{"198.19.0.1", "198.18.3.1", 80, SW_CLASS_BRIDGE, 0},
		{"198.19.9.1", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"198.19.9.1", "198.18.3.1", 80, SW_CLASS_DROP_DENY, 0},
		{"198.19.8.1", "198.18.2.1", 80, SW_CLASS_PASS, 1},
		{"198.19.8.1", "198.18.2.1", 81, SW_CLASS_PASS, 0},
		{"198.19.0.1", "198.19.9.1", 80, SW_CLASS_BRIDGE, 0}, /* a listed prefix as dst */
		{"2001:2:0:d::1", "2001:2:0:2::1", 80, SW_CLASS_DROP_DENY, 1},
		{"2001:2::1", "2001:2:0:2::1", 80, SW_CLASS_PROXY, 1},
	};
	static const struct golden svc_lists[] = {
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"198.19.9.1", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"198.19.9.1", "198.18.2.1", 81, SW_CLASS_BRIDGE, 0},
		{"198.19.9.1", "198.18.3.1", 80, SW_CLASS_BRIDGE, 0},
		{"198.19.8.1", "198.18.2.1", 8080, SW_CLASS_PASS, 1},
	};
	/* Two services on 198.18.2.0/24, one alone on 198.18.4.0/24, default drop. */
	static const struct golden shared[] = {
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"198.19.0.1", "198.18.2.1", 22, SW_CLASS_PASS, 2},
		{"198.19.0.1", "198.18.2.1", 443, SW_CLASS_DROP_DEFAULT, 0},
		{"198.19.0.1", "198.18.4.1", 443, SW_CLASS_PROXY, 3},
		{"198.19.0.1", "198.18.4.1", 22, SW_CLASS_DROP_DEFAULT, 0},
		{"198.19.0.1", "198.18.5.1", 443, SW_CLASS_DROP_DEFAULT, 0},
		{"2001:2::1", "2001:2:0:2::1", 80, SW_CLASS_DROP_DEFAULT, 0},
	};
	/* One service per prefix, narrowed to VLAN 10, or to all but the VLANs above 4000. */
	static const struct golden vlan[] = {
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1, 10},
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_BRIDGE, 0, SW_CLASS_VLAN_UNTAGGED},
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_BRIDGE, 0, 11},
		{"198.19.0.1", "198.18.2.1", 81, SW_CLASS_BRIDGE, 0, 10},
		{"198.19.0.1", "198.18.4.1", 80, SW_CLASS_PROXY, 2, SW_CLASS_VLAN_UNTAGGED},
		{"198.19.0.1", "198.18.4.1", 80, SW_CLASS_PROXY, 2, 4000},
		{"198.19.0.1", "198.18.4.1", 80, SW_CLASS_BRIDGE, 0, 4001},
	};
	static const struct {
		const char *ini;
		const struct golden *g;
		unsigned int n;
	} configs[] = {
		{PORTS_HDR WEB, plain, RTE_DIM(plain)},
		{PORTS_HDR "[general]\ndeny = 198.19.9.0/24, 2001:2:0:d::/64\n"
			   "allow = 198.19.8.0/24\n" WEB,
			lists, RTE_DIM(lists)},
		{PORTS_HDR WEB "deny = 198.19.9.0/24\nallow = 198.19.8.0/24\n", svc_lists,
			RTE_DIM(svc_lists)},
		{PORTS_HDR "[general]\ndefault_action = drop\n"
			   "[service web]\ndst = 198.18.2.0/24\nports = 80\n"
			   "[service ssh]\ndst = 198.18.2.0/24\nports = 22\naction = pass\n"
			   "[service tls]\ndst = 198.18.4.0/24\nports = 443\n",
			shared, RTE_DIM(shared)},
		{PORTS_HDR "[service web]\ndst = 198.18.2.0/24\nports = 80\nvlan = 10\n"
			   "[service most]\ndst = 198.18.4.0/24\nports = 80\nvlan = none, 1-4000\n",
			vlan, RTE_DIM(vlan)},
	};
	struct sw_class_query q = {.family = 0, .dport = htons(80)};
	uint8_t act;
	uint16_t svc;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(configs); i++) {
		char name[32];
		struct sw_config *c;
		struct sw_classifier *cl;

		FMT(name, "small_paths_%u.ini", i);
		c = load_text(name, configs[i].ini);
		cl = build(c);
		sw_config_free(c);
		check_golden(cl, configs[i].g, configs[i].n);
		/* Not IP: the miss (class 0) of every shape. */
		sw_classify_bulk(cl, &q, 1, &act, &svc);
		assert_int_equal(act, i == 3 ? SW_CLASS_DROP_DEFAULT : SW_CLASS_BRIDGE);
		assert_int_equal(svc, 0);
		assert_int_equal(check_tuples(cl, &q, 1, &act, &svc), 0);
		sw_classifier_free(cl);
	}
#undef WEB
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * 100,000 deny prefixes from an @file: 60k contiguous /24s, 30k /32s each in its own /24 (one
 * tbl8 group each: the 2-byte DIR24_8 next-hop width), 10k IPv6 /64s. Load, build, classify.
 */
/* Queries, their source addresses and results, for bulk tests of n packets. */
struct qbuf {
	struct sw_class_query *q;
	uint8_t (*addr)[16];
	uint8_t *act;
	uint16_t *svc;
};

static void
qbuf_alloc(struct qbuf *b, unsigned int n)
{
	b->q = calloc(n, sizeof(*b->q));
	b->addr = calloc(n, sizeof(*b->addr));
	b->act = calloc(n, 1);
	b->svc = calloc(n, sizeof(*b->svc));
	assert_non_null(b->q);
	assert_non_null(b->addr);
	assert_non_null(b->act);
	assert_non_null(b->svc);
}

static void
qbuf_free(struct qbuf *b)
{
	free(b->q);
	free(b->addr);
	free(b->act);
	free(b->svc);
}

static void
test_classify_100k(void **state)
{
	static const struct golden cases[] = {
		{"10.0.0.1", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"10.5.7.9", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"10.234.95.255", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"10.234.96.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"11.0.3.4", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"11.0.3.5", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"11.117.47.250", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"11.117.47.48", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"11.117.48.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"11.0.3.4", "198.18.3.1", 80, SW_CLASS_DROP_DENY, 0},
		{"198.19.0.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"2001:2:0:1234::9", "2001:2:0:ffff::1", 80, SW_CLASS_DROP_DENY, 2},
		{"2001:2:0:2710::1", "2001:2:0:ffff::1", 80, SW_CLASS_PROXY, 2},
	};
	struct sw_class_query *q;
	struct sw_classifier *cl;
	struct sw_config *c;
	struct qbuf b;
	uint8_t(*addr)[16], dst4[4], dst6[16], *act;
	uint16_t *svc;
	char path[PATH_MAX];
	unsigned int i, n = 0, bad = 0;
	double t0, t1, t2, t3;
	FILE *f;

	(void)state;
	FMT(path, "%s/big_deny.txt", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# generated: 100,000 prefixes\n");
	for (i = 0; i < 60000; i++)
		fprintf(f, "10.%u.%u.0/24\n", i >> 8, i & 255);
	for (i = 0; i < 30000; i++)
		fprintf(f, "11.%u.%u.%u\n", i >> 8, i & 255, i % 250 + 1);
	for (i = 0; i < 10000; i++)
		fprintf(f, "2001:2:0:%x::/64\n", i);
	fclose(f);

	t0 = now_s();
	c = load_text("big.ini",
		PORTS_HDR "[general]\ndeny = @big_deny.txt\n"
			  "[service web]\ndst = 198.18.2.0/24\nports = 80\n"
			  "[service web6]\ndst = 2001:2:0:ffff::/64\nports = 80\n");
	t1 = now_s();
	assert_int_equal(c->general.deny.n, 100000);
	cl = build(c);
	t2 = now_s();
	check_golden(cl, cases, RTE_DIM(cases));

	/* Every listed prefix, as a source, is denied. */
	qbuf_alloc(&b, 100000);
	q = b.q;
	addr = b.addr;
	act = b.act;
	svc = b.svc;
	inet_pton(AF_INET, "198.18.2.9", dst4);
	inet_pton(AF_INET6, "2001:2:0:ffff::9", dst6);
	for (i = 0; i < c->general.deny.n; i++, n++) {
		const struct sw_config_prefix *p = &c->general.deny.v[i];

		memcpy(addr[n], p->addr, 16);
		if (p->depth < (p->family == AF_INET ? 32 : 128))
			addr[n][p->family == AF_INET ? 3 : 15] |= 0x2a; /* a host inside */
		q[n].family = p->family;
		q[n].src = addr[n];
		q[n].dst = p->family == AF_INET ? dst4 : dst6;
		q[n].dport = htons(80);
	}
	t3 = now_s();
	sw_classify_bulk(cl, q, n, act, svc);
	t3 = now_s() - t3;
	for (i = 0; i < n; i++)
		bad += act[i] != SW_CLASS_DROP_DENY || svc[i] != (q[i].family == AF_INET ? 1 : 2);
	assert_int_equal(bad, 0);
	fprintf(stderr, "100k prefixes: load %.3f s, build %.3f s, classify %u in %.3f s\n",
		t1 - t0, t2 - t1, n, t3);
	qbuf_free(&b);
	sw_classifier_free(cl);
	sw_config_free(c);
}

/* EAL heap bytes allocated on every socket. */
static size_t
heap_allocated(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

/*
 * 100,000 scattered IPv6 /128s in a deny list, nested in an allow /64, and a /128 service
 * beside a /64 one: every listed address is denied, its neighbours are not, and the
 * classifier fits the test's 256 MiB of EAL memory (rte_lpm6 alone gave each /128 13 tbl8
 * groups of 1 KiB: 1.3 GiB).
 */
static void
test_classify_100k_hosts6(void **state)
{
	static const struct golden cases[] = {
		{"2001:2:1:0:0:0:0:0", "2001:2:0:ffff::1", 80, SW_CLASS_DROP_DENY, 1},
		{"2001:2:1:0:1::", "2001:2:0:ffff::1", 80, SW_CLASS_PROXY, 1},
		{"2001:2:1:5::99", "2001:2:0:ffff::1", 80, SW_CLASS_DROP_DENY, 1},
		{"2001:2:1:5::98", "2001:2:0:ffff::1", 80, SW_CLASS_PASS, 1},
		{"2001:2:9::1", "2001:2:0:eeee::7", 80, SW_CLASS_PROXY, 2},
		{"2001:2:9::1", "2001:2:0:eeee::7", 81, SW_CLASS_PROXY, 3},
		{"2001:2:9::1", "2001:2:0:eeee::8", 81, SW_CLASS_PROXY, 3},
		{"2001:2:9::1", "2001:2:0:eeee::8", 80, SW_CLASS_BRIDGE, 0},
		{"2001:2:1:5::99", "2001:2:0:eeee::7", 80, SW_CLASS_DROP_DENY, 2},
	};
	enum { N = 100000 };
	struct sw_class_query *q;
	struct sw_classifier *cl;
	struct sw_config *c;
	struct qbuf b;
	uint8_t(*addr)[16], dst6[16], *act;
	uint16_t *svc;
	char path[PATH_MAX];
	unsigned int i, bad = 0;
	size_t heap0;
	FILE *f;

	(void)state;
	FMT(path, "%s/hosts6.txt", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < N - 1; i++)
		fprintf(f, "2001:2:1:%x:0:%x:0:%x\n", i >> 12, (i * 7919u) & 0xffff, i & 0xffff);
	fprintf(f, "2001:2:1:5::99\n");
	fclose(f);
	c = load_text("hosts6.ini",
		PORTS_HDR "[general]\ndeny = @hosts6.txt\nallow = 2001:2:1:5::/64\n"
			  "[service web6]\ndst = 2001:2:0:ffff::/64\nports = 80\n"
			  "[service host6]\ndst = 2001:2:0:eeee::7\nports = 80\n"
			  "[service net6]\ndst = 2001:2:0:eeee::/64\nports = 81\n");
	assert_int_equal(c->general.deny.n, N);
	heap0 = heap_allocated();
	cl = build(c);
	fprintf(stderr, "100k IPv6 /128s: classifier %.1f MiB\n",
		(double)(heap_allocated() - heap0) / (1 << 20));
	check_golden(cl, cases, RTE_DIM(cases));

	/* Every listed address as a source is denied; the same with word 4 set is not. */
	qbuf_alloc(&b, 2 * N);
	q = b.q;
	addr = b.addr;
	act = b.act;
	svc = b.svc;
	inet_pton(AF_INET6, "2001:2:0:ffff::9", dst6);
	for (i = 0; i < 2 * N; i++) {
		memcpy(addr[i], c->general.deny.v[i / 2].addr, 16);
		addr[i][9] |= (uint8_t)(i & 1);
		q[i].family = AF_INET6;
		q[i].src = addr[i];
		q[i].dst = dst6;
		q[i].dport = htons(80);
	}
	sw_classify_bulk(cl, q, 2 * N, act, svc);
	for (i = 0; i < 2 * N; i++) {
		bool in_allow = addr[i][6] == 0 && addr[i][7] == 5;
		uint8_t want = (i & 1) == 0 ? SW_CLASS_DROP_DENY
			: in_allow	    ? SW_CLASS_PASS
					    : SW_CLASS_PROXY;

		bad += act[i] != want || svc[i] != 1;
	}
	assert_int_equal(bad, 0);
	qbuf_free(&b);
	sw_classifier_free(cl);
	sw_config_free(c);
}

/* 40,000 /32s each in its own /24: more tbl8 groups than 2-byte next hops can index. */
static void
test_classify_scattered(void **state)
{
	static const struct golden cases[] = {
		{"12.0.0.1", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"12.0.0.2", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"12.156.63.250", "198.18.2.1", 80, SW_CLASS_DROP_DENY, 1},
		{"12.156.64.1", "198.18.2.1", 80, SW_CLASS_PROXY, 1},
		{"12.100.100.201", "198.18.3.1", 80, SW_CLASS_DROP_DENY, 0},
		{"12.100.100.101", "198.18.3.1", 80, SW_CLASS_BRIDGE, 0},
	};
	struct sw_classifier *cl;
	struct sw_config *c;
	char path[PATH_MAX];
	unsigned int i;
	FILE *f;

	(void)state;
	FMT(path, "%s/scattered.txt", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < 40000; i++)
		fprintf(f, "12.%u.%u.%u\n", i >> 8, i & 255, i % 250 + 1);
	fclose(f);
	c = load_text("scattered.ini",
		PORTS_HDR "[general]\ndeny = @scattered.txt\n"
			  "[service web]\ndst = 198.18.2.0/24\nports = 80\n");
	cl = build(c);
	check_golden(cl, cases, RTE_DIM(cases));
	sw_classifier_free(cl);
	sw_config_free(c);
}

/* xorshift64*: reproducible pseudo-random numbers. */
static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545f4914f6cdd1dULL;
}

/* One of a few addresses, so that prefixes nest and queries hit them; perturbed low bits. */
static void
rnd_addr(uint64_t *st, int fam, uint8_t *a, bool perturb)
{
	uint64_t r = rnd(st);

	memset(a, 0, 16);
	if (fam == AF_INET) {
		a[0] = 198;
		a[1] = (uint8_t)(18 + (r & 1));
		a[2] = (uint8_t)((r >> 1) & 3);
		a[3] = (uint8_t)(((r >> 3) & 3) * 64);
		if (perturb)
			a[3] ^= (uint8_t)(r >> 8);
	} else {
		a[0] = 0x20;
		a[1] = 0x01;
		a[3] = 0x02;
		a[7] = (uint8_t)((r >> 1) & 3);
		a[8] = (uint8_t)(((r >> 3) & 3) * 64);
		if (perturb) {
			a[8] ^= (uint8_t)(r >> 8);
			a[15] = (uint8_t)(r >> 16);
		}
	}
}

/* "addr/depth" of a random prefix around rnd_addr()'s addresses; /0 now and then. */
static void
rnd_prefix(uint64_t *st, char *buf, size_t len)
{
	int fam = rnd(st) & 1 ? AF_INET6 : AF_INET;
	unsigned int max = fam == AF_INET ? 32 : 128, depth;
	uint8_t a[16];
	char txt[INET6_ADDRSTRLEN];
	uint64_t r = rnd(st);

	rnd_addr(st, fam, a, false);
	/* A host (/32, /128) one time in eight besides: the LPM path keeps IPv6 /128s apart. */
	depth = r % 16 == 0 ? 0
		: r % 8 == 1
		? max
		: (fam == AF_INET ? 14 + (unsigned)(r >> 4) % 19 : 40 + (unsigned)(r >> 4) % 89);
	for (unsigned int j = depth; j < max; j++) /* host bits zero */
		a[j / 8] &= (uint8_t) ~(0x80 >> (j % 8));
	inet_ntop(fam, a, txt, sizeof(txt));
	snprintf(buf, len, "%s/%u", txt, depth > max ? max : depth);
}

/*
 * Small tables against the LPMs: random configs with a few nested prefixes per family
 * (services sharing prefixes on disjoint ports, VLAN sets, allow/deny lists), random queries
 * of both families around them; the linear tables and rte_fib/rte_lpm6 must agree on every
 * verdict and service.
 */
static void
test_classify_small_vs_lpm(void **state)
{
	uint64_t st = 0x9e3779b97f4a7c15ULL;
	unsigned int built = 0, queries = 0, proxied = 0, denied = 0, allowed = 0;

	(void)state;
	for (unsigned int round = 0; round < 150; round++) {
		char text[4096], pfx[64], path[PATH_MAX];
		size_t off = 0;
		unsigned int nsvc = 1 + (unsigned int)(rnd(&st) % 4);
		struct sw_config_errors errs = {0};
		struct sw_classifier *small, *lpm;
		struct sw_config *c;
		FILE *f;

#define ADD(...) (off += (size_t)snprintf(text + off, sizeof(text) - off, __VA_ARGS__))
		ADD(PORTS_HDR "[general]\n");
		if (rnd(&st) & 1)
			ADD("default_action = drop\n");
		for (const char *list = "allow"; list != NULL;
			list = strcmp(list, "allow") == 0 ? "deny" : NULL) {
			unsigned int k = (unsigned int)(rnd(&st) % 3);

			if (k == 0)
				continue;
			ADD("%s = ", list);
			for (unsigned int j = 0; j < k; j++) {
				rnd_prefix(&st, pfx, sizeof(pfx));
				ADD("%s%s", j ? ", " : "", pfx);
			}
			ADD("\n");
		}
		for (unsigned int i = 0; i < nsvc; i++) {
			uint64_t r = rnd(&st);
			static const char *const vlans[] = {
				"", "vlan = 10\n", "vlan = none\n", "vlan = none, 11-20\n"};
			static const char *const actions[] = {"proxy", "pass", "drop"};

			rnd_prefix(&st, pfx, sizeof(pfx));
			ADD("[service s%u]\ndst = %s", i, pfx);
			if (r & 1) {
				rnd_prefix(&st, pfx, sizeof(pfx));
				ADD(", %s", pfx);
			}
			/* Disjoint ports per service: no two services are ambiguous. */
			ADD("\nports = %u, %u-%u\n%saction = %s\n", 80 + i, 1000 + 10 * i,
				1005 + 10 * i, vlans[(r >> 1) % 4], actions[(r >> 3) % 3]);
			if ((r >> 5) % 4 == 0) {
				rnd_prefix(&st, pfx, sizeof(pfx));
				ADD("%s = %s\n", (r >> 7) & 1 ? "deny" : "allow", pfx);
			}
		}
#undef ADD
		FMT(path, "%s/small_%u.ini", tmp_dir, round);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		c = sw_config_load(path, &errs);
		sw_config_errors_free(&errs);
		if (c == NULL)
			continue; /* overlapping services, a duplicate prefix...: not this test's */
		small = sw_classifier_build_flags(c, SOCKET_ID_ANY, 0);
		lpm = sw_classifier_build_flags(c, SOCKET_ID_ANY, SW_CLASS_BUILD_LPM);
		assert_non_null(small);
		assert_non_null(lpm);
		built++;

		enum { NQ = 300 };
		struct sw_class_query q[NQ];
		uint8_t addr[NQ][2][16], act_s[NQ], act_l[NQ];
		uint16_t svc_s[NQ], svc_l[NQ];
		static const uint16_t vids[] = {
			SW_CLASS_VLAN_UNTAGGED, 0, 10, 11, 15, 20, 21, 4095};

		for (unsigned int i = 0; i < NQ; i++) {
			uint64_t r = rnd(&st);
			int fam = r % 16 == 0 ? 0 : (r & 2 ? AF_INET6 : AF_INET);

			/* Unperturbed one time in four: exactly a host prefix's address. */
			rnd_addr(&st, fam == AF_INET6 ? AF_INET6 : AF_INET, addr[i][0],
				(r >> 24) % 4 != 0);
			rnd_addr(&st, fam == AF_INET6 ? AF_INET6 : AF_INET, addr[i][1],
				(r >> 26) % 4 != 0);
			q[i].family = (uint8_t)fam;
			q[i].src = addr[i][0];
			q[i].dst = addr[i][1];
			q[i].dport = htons((uint16_t)((r >> 8) % 3 == 0 ? 80 + (r >> 12) % 5
									: 998 + (r >> 12) % 45));
			q[i].vlan = vids[(r >> 20) % RTE_DIM(vids)];
		}
		sw_classify_bulk(small, q, NQ, act_s, svc_s);
		sw_classify_bulk(lpm, q, NQ, act_l, svc_l);
		/* sw_classify_tuples() on the same packets as tuples (QinQ: any outer VID). */
		struct sw_tuple tup[NQ];
		const struct sw_tuple *tp[NQ];
		uint8_t act_t[NQ];
		uint16_t svc_t[NQ];

		for (unsigned int i = 0; i < NQ; i++) {
			uint32_t id = 0;

			memset(&tup[i], 0, sizeof(tup[i]));
			tup[i].family = q[i].family == AF_INET ? 4
				: q[i].family == AF_INET6      ? 6
							       : 0;
			memcpy(tup[i].src, q[i].src, q[i].family == AF_INET6 ? 16 : 4);
			memcpy(tup[i].dst, q[i].dst, q[i].family == AF_INET6 ? 16 : 4);
			tup[i].sport = htons(1234);
			tup[i].dport = q[i].dport;
			if (q[i].vlan != SW_CLASS_VLAN_UNTAGGED)
				id = (uint32_t)(rnd(&st) % 3 == 0 ? rnd(&st) % 4096 : 0) << 12 |
					(q[i].vlan & 0xfff);
			tup[i].pad[0] = (uint8_t)(id >> 16);
			tup[i].pad[1] = (uint8_t)(id >> 8);
			tup[i].pad[2] = (uint8_t)id;
			tp[i] = &tup[i];
		}
		sw_classify_tuples(small, tp, NQ, act_t, svc_t);
		assert_memory_equal(act_t, act_s, sizeof(act_t));
		assert_memory_equal(svc_t, svc_s, sizeof(svc_t));
		memset(act_t, 0xff, sizeof(act_t));
		sw_classify_tuples(lpm, tp, NQ, act_t, svc_t);
		assert_memory_equal(act_t, act_l, sizeof(act_t));
		assert_memory_equal(svc_t, svc_l, sizeof(svc_t));
		for (unsigned int i = 0; i < NQ; i++) {
			sw_classify_tuples(i % 2 ? small : lpm, &tp[i], 1, &act_t[i], &svc_t[i]);
			assert_int_equal(act_t[i], act_s[i]);
			assert_int_equal(svc_t[i], svc_s[i]);
		}
		for (unsigned int i = 0; i < NQ; i++) {
			if (act_s[i] != act_l[i] || svc_s[i] != svc_l[i])
				fprintf(stderr, "round %u query %u: small %s/%u, lpm %s/%u\n%s",
					round, i, action_names[act_s[i]], svc_s[i],
					action_names[act_l[i]], svc_l[i], text);
			assert_int_equal(act_s[i], act_l[i]);
			assert_int_equal(svc_s[i], svc_l[i]);
			proxied += act_s[i] == SW_CLASS_PROXY;
			denied += act_s[i] == SW_CLASS_DROP_DENY;
			allowed += act_s[i] == SW_CLASS_PASS;
		}
		queries += NQ;
		sw_classifier_free(small);
		sw_classifier_free(lpm);
		sw_config_free(c);
	}
	print_message("small vs lpm: %u configs, %u queries: %u proxy, %u pass, %u deny\n", built,
		queries, proxied, allowed, denied);
	/* The run must have exercised the verdicts. */
	assert_true(built >= 50);
	assert_true(proxied > 100 && denied > 100 && allowed > 100);
}

/* ---------------------------------------------------------------- setup */

static bool
has_fixtures(void)
{
	char probe[PATH_MAX + 32];

	FMT(configs_dir, "%s/tests/unit/configs", top_dir);
	FMT(probe, "%s/good_minimal.ini", configs_dir);
	return access(probe, R_OK) == 0;
}

/*
 * The source tree: $SW_SRCDIR, else from __FILE__ as the compiler saw it, which meson makes
 * relative to the build directory: try it from the current directory (meson test runs there),
 * then from the build directory found from this executable (build/tests/unit/test_rules).
 */
static int
find_dirs(void)
{
	const char *env = getenv("SW_SRCDIR");
	const char *file = __FILE__, *end = strstr(file, "tests/unit/test_rules.c");
	char exe[PATH_MAX], rel[PATH_MAX];
	ssize_t n;
	int up;

	if (env != NULL) {
		FMT(top_dir, "%s", env);
		return has_fixtures() ? 0 : -1;
	}
	if (end == NULL)
		return -1;
	FMT(rel, "%.*s", (int)(end - file), file);
	FMT(top_dir, "%s.", rel);
	if (rel[0] == '/' || has_fixtures())
		return has_fixtures() ? 0 : -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (up = 0; up < 3; up++) { /* test_rules, unit, tests */
		char *slash = strrchr(exe, '/');

		if (slash == NULL)
			return -1;
		*slash = '\0';
	}
	FMT(top_dir, "%s/%s.", exe, rel);
	if (!has_fixtures()) {
		fprintf(stderr,
			"cannot find tests/unit/configs (set SW_SRCDIR to the source tree)\n");
		return -1;
	}
	return 0;
}

static int
config_setup(void **state)
{
	(void)state;
	FMT(tmp_dir, "/tmp/test_rules_XXXXXX");
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	return find_dirs();
}

static void remove_dir(const char *dir);

static int
config_teardown(void **state)
{
	(void)state;
	remove_dir(tmp_dir);
	return 0;
}

static int
eal_setup(void **state)
{
	char prefix[64];
	char *argv[] = {(char *)(uintptr_t) "test_rules", (char *)(uintptr_t) "--no-huge",
		(char *)(uintptr_t) "-m", (char *)(uintptr_t) "256", (char *)(uintptr_t) "--no-pci",
		(char *)(uintptr_t) "--file-prefix", prefix, (char *)(uintptr_t) "--log-level=4"};

	FMT(prefix, "test_rules_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return config_setup(state);
}

/* Remove the files directly in dir, then dir itself. */
static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char p[PATH_MAX + 300];

		if (de->d_name[0] == '.')
			continue;
		FMT(p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static int
eal_teardown(void **state)
{
	char run_dir[PATH_MAX];

	(void)state;
	remove_dir(tmp_dir);
	FMT(run_dir, "%s", rte_eal_get_runtime_dir()); /* /var/run/dpdk/test_rules_<pid> */
	rte_eal_cleanup();
	remove_dir(run_dir);
	return 0;
}

#define FIXTURE(f) \
	{ \
		"fixture " f, test_fixture, NULL, NULL, (void *)(uintptr_t)f \
	}

int
main(void)
{
	static const struct CMUnitTest config_tests[] = {
		cmocka_unit_test(test_good_full),
		cmocka_unit_test(test_reference_defaults),
		cmocka_unit_test(test_lab),
		cmocka_unit_test(test_missing_config),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_config_too_large),
		cmocka_unit_test(test_errors_api),
		cmocka_unit_test(test_errors_cap),
		FIXTURE("bad_syntax.ini"),
		FIXTURE("bad_unknown_section.ini"),
		FIXTURE("bad_unknown_key.ini"),
		FIXTURE("bad_duplicate_key.ini"),
		FIXTURE("bad_duplicate_section.ini"),
		FIXTURE("bad_prefix.ini"),
		FIXTURE("bad_host_bits.ini"),
		FIXTURE("bad_prefix_len.ini"),
		FIXTURE("bad_port.ini"),
		FIXTURE("bad_port_zero.ini"),
		FIXTURE("bad_port_65536.ini"),
		FIXTURE("bad_port_range.ini"),
		FIXTURE("bad_port_list.ini"),
		FIXTURE("bad_port_long.ini"),
		FIXTURE("bad_duplicate_service.ini"),
		FIXTURE("bad_service_name.ini"),
		FIXTURE("bad_action.ini"),
		FIXTURE("bad_enum.ini"),
		FIXTURE("bad_number.ini"),
		FIXTURE("bad_duration_unit.ini"),
		FIXTURE("bad_device.ini"),
		FIXTURE("bad_prometheus.ini"),
		FIXTURE("bad_attack_rate.ini"),
		FIXTURE("bad_mss_mtu.ini"),
		FIXTURE("bad_burst_no_rate.ini"),
		FIXTURE("bad_missing_file.ini"),
		FIXTURE("bad_list_line.ini"),
		FIXTURE("bad_empty_dst.ini"),
		FIXTURE("bad_ranges_low.ini"),
		FIXTURE("bad_ranges_high.ini"),
		FIXTURE("bad_missing_ports_section.ini"),
		FIXTURE("bad_missing_ports_key.ini"),
		FIXTURE("bad_same_ports.ini"),
		FIXTURE("bad_service_no_dst.ini"),
		FIXTURE("bad_service_no_ports.ini"),
		FIXTURE("bad_overlap.ini"),
		FIXTURE("bad_ambiguous.ini"),
		FIXTURE("bad_proxy_only.ini"),
		FIXTURE("bad_too_many_services.ini"),
		FIXTURE("bad_multi.ini"),
		FIXTURE("bad_vlan.ini"),
		FIXTURE("bad_vlan_overlap.ini"),
	};
	static const struct CMUnitTest classify_tests[] = {
		cmocka_unit_test(test_classify_golden),
		cmocka_unit_test(test_classify_default_drop),
		cmocka_unit_test(test_classify_empty),
		cmocka_unit_test(test_classify_default_route),
		cmocka_unit_test(test_classify_vlan),
		cmocka_unit_test(test_classify_reports_ids),
		cmocka_unit_test(test_classify_small_paths),
		cmocka_unit_test(test_classify_100k),
		cmocka_unit_test(test_classify_scattered),
		cmocka_unit_test(test_classify_100k_hosts6),
		cmocka_unit_test(test_classify_small_vs_lpm),
	};
	int fails;

	fails = cmocka_run_group_tests_name("config", config_tests, config_setup, config_teardown);
	fails += cmocka_run_group_tests_name("classify", classify_tests, eal_setup, NULL);
	/* The same golden cases again with every family in an LPM (no small tables). */
	build_flags = SW_CLASS_BUILD_LPM;
	fails += cmocka_run_group_tests_name("classify_lpm", classify_tests, NULL, eal_teardown);
	return fails;
}
