/* SPDX-License-Identifier: BSD-3-Clause */
/* Config loading: line scan, rte_cfgfile parse (phase 1), validation (phase 2) into a snapshot. */

/*
 * Pipeline, each step reporting every error it finds:
 *   scan     config_scan.c: our own pass over the text mirroring rte_cfgfile's grammar, so
 *            every section and key gets a line number, and what rte_cfgfile would silently
 *            skip, truncate or refuse without saying where (junk lines, text after ']',
 *            over-long values, keys before any section, '\' escapes) is an error with a line.
 *            Syntax errors stop here.
 *   phase 1  rte_cfgfile_load, then each key is looked up in its section's schema (unknown or
 *            duplicate keys are errors) and parsed into its type: number, duration with unit,
 *            keyword, device name, port list, prefix list (@file lists read here). A value is
 *            a member of its type or an error: ports are 1..65535 with lo <= hi, VLAN IDs
 *            1..4094 with lo <= hi, prefixes have a valid length and no host bits.
 *   phase 2  key ranges, required sections and keys, cross-field rules (outside != inside,
 *            proxy-only options on non-proxy services, overlapping services), defaults applied.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "rules_internal.h"

#define WHY_LEN 256

enum kind { K_UINT, K_DURATION, K_ENUM, K_DEVICE, K_ENDPOINT, K_PREFIXES, K_PORTS, K_VLANS };

#define KF_REQUIRED 0x1 /* phase 2: missing key is an error */
#define KF_PROXY_ONLY 0x2 /* phase 2: service key valid only with action = proxy */

/* One key of a section's schema. */
struct key_spec {
	const char *name;
	enum kind kind;
	const char *word; /* K_UINT: keyword accepted instead of a number ("all", "learn") */
	const char *const *words; /* K_ENUM: accepted keywords, NULL-terminated; num = index */
	uint64_t min, max; /* phase 2 range of K_UINT / K_DURATION, in ms for durations */
	const char *range; /* the range as written in messages */
	unsigned int flags;
};

/* What phase 1 made of one key. */
struct slot {
	const char *text; /* value as written (owned by load.entries) */
	unsigned int line; /* line of the key */
	bool is_set;
	bool is_ok; /* parsed (and, after phase 2 ranges, in range) */
	bool is_word; /* K_UINT: the keyword form; K_VLANS: "any" */
	uint64_t num; /* number, ms, or keyword index */
};

static const char *const words_default[] = {"bridge", "drop", NULL};
static const char *const words_action[] = {"proxy", "pass", "drop", NULL};
static const char *const words_opt[] = {"learn", "on", "off", NULL};
static const char *const words_offload[] = {"auto", "off", NULL};

enum { P_OUTSIDE, P_INSIDE, P_CSUM_OFFLOAD, P_MAX };
static const struct key_spec ports_keys[P_MAX] = {
	[P_OUTSIDE] = {.name = "outside", .kind = K_DEVICE, .flags = KF_REQUIRED},
	[P_INSIDE] = {.name = "inside", .kind = K_DEVICE, .flags = KF_REQUIRED},
	[P_CSUM_OFFLOAD] = {.name = "csum_offload", .kind = K_ENUM, .words = words_offload},
};

enum {
	G_WORKERS,
	G_FLOW_CAPACITY,
	G_COOKIE_EPOCH,
	G_MBUFS,
	G_STATS_INTERVAL,
	G_DEFAULT_ACTION,
	G_MTU,
	G_ALLOW,
	G_DENY,
	G_SRC_SYN_RATE,
	G_SRC_SYN_BURST,
	G_SRC_PREFIX_V4,
	G_SRC_PREFIX_V6,
	G_SRC_SLOTS,
	G_ATTACK_SYN_RATE,
	G_ATTACK_SYN_RATE_OFF,
	G_ATTACK_SOURCES,
	G_ATTACK_HANDSHAKE_PCT,
	G_PROMETHEUS,
	G_MAX
};
static const struct key_spec general_keys[G_MAX] = {
	[G_WORKERS] = {"workers", K_UINT, "all", NULL, 1, SW_CONFIG_WORKERS_MAX, NULL, 0},
	[G_FLOW_CAPACITY] = {"flow_capacity", K_UINT, NULL, NULL, 1024, 67108864, "1024..67108864",
		0},
	[G_COOKIE_EPOCH] = {"cookie_epoch", K_DURATION, NULL, NULL, 1000, 3600000, "1s..1h", 0},
	[G_MBUFS] = {"mbufs", K_UINT, NULL, NULL, 1024, 4194304, "1024..4194304", 0},
	[G_STATS_INTERVAL] = {"stats_interval", K_DURATION, NULL, NULL, 0, 3600000,
		"0 (off) or up to 1h", 0},
	[G_DEFAULT_ACTION] = {"default_action", K_ENUM, NULL, words_default, 0, 0, NULL, 0},
	[G_MTU] = {"mtu", K_UINT, NULL, NULL, 576, 9000, "576..9000", 0},
	[G_ALLOW] = {"allow", K_PREFIXES, NULL, NULL, 0, 0, NULL, 0},
	[G_DENY] = {"deny", K_PREFIXES, NULL, NULL, 0, 0, NULL, 0},
	[G_SRC_SYN_RATE] = {"src_syn_rate", K_UINT, NULL, NULL, 0, 100000000,
		"0 (off) .. 100000000", 0},
	[G_SRC_SYN_BURST] = {"src_syn_burst", K_UINT, NULL, NULL, 1, 100000000, "1..100000000", 0},
	[G_SRC_PREFIX_V4] = {"src_prefix_v4", K_UINT, NULL, NULL, 8, 32, "8..32", 0},
	[G_SRC_PREFIX_V6] = {"src_prefix_v6", K_UINT, NULL, NULL, 16, 128, "16..128", 0},
	[G_SRC_SLOTS] = {"src_rate_slots", K_UINT, NULL, NULL, 1024, 16777216, "1024..16777216", 0},
	[G_ATTACK_SYN_RATE] = {"attack_syn_rate", K_UINT, NULL, NULL, 1, 1000000000,
		"1..1000000000", 0},
	[G_ATTACK_SYN_RATE_OFF] = {"attack_syn_rate_off", K_UINT, NULL, NULL, 0, 1000000000,
		"0..1000000000", 0},
	[G_ATTACK_SOURCES] = {"attack_sources", K_UINT, NULL, NULL, 1, 1000000000, "1..1000000000",
		0},
	[G_ATTACK_HANDSHAKE_PCT] = {"attack_handshake_pct", K_UINT, NULL, NULL, 0, 100, "0..100",
		0},
	[G_PROMETHEUS] = {"prometheus", K_ENDPOINT, NULL, NULL, 0, 0, NULL, 0},
};

/* [timeouts] keys, their defaults and the connection states they set. */
enum { T_MAX = 8 };
static const struct {
	const char *name; /* service override: "timeout_" name, service_keys[S_TIMEOUT + i] */
	uint32_t default_ms;
	enum sw_conn_state st[2]; /* st[1] == SW_CONN_FREE: only one state */
} timeout_keys[T_MAX] = {
	{"syn_sent", 10000, {SW_CONN_SYN_SENT, SW_CONN_FREE}},
	{"established", 432000000, {SW_CONN_ESTABLISHED, SW_CONN_FREE}},
	{"fin_wait", 120000, {SW_CONN_FIN_WAIT_1, SW_CONN_FIN_WAIT_2}},
	{"close_wait", 60000, {SW_CONN_CLOSE_WAIT, SW_CONN_FREE}},
	{"last_ack", 30000, {SW_CONN_LAST_ACK, SW_CONN_FREE}},
	{"closing", 30000, {SW_CONN_CLOSING, SW_CONN_FREE}},
	{"time_wait", 120000, {SW_CONN_TIME_WAIT, SW_CONN_FREE}},
	{"closed", 10000, {SW_CONN_CLOSED, SW_CONN_FREE}},
};
#define TIMEOUT_MIN_MS 100
#define TIMEOUT_MAX_MS (7 * 24 * 3600000u)
#define TIMEOUT_RANGE "100ms..168h"
#define TIMEOUT_SPEC(n) \
	{ \
		n, K_DURATION, NULL, NULL, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS, TIMEOUT_RANGE, 0 \
	}
static const struct key_spec timeouts_keys[T_MAX] = {
	TIMEOUT_SPEC("syn_sent"),
	TIMEOUT_SPEC("established"),
	TIMEOUT_SPEC("fin_wait"),
	TIMEOUT_SPEC("close_wait"),
	TIMEOUT_SPEC("last_ack"),
	TIMEOUT_SPEC("closing"),
	TIMEOUT_SPEC("time_wait"),
	TIMEOUT_SPEC("closed"),
};

enum {
	S_DST,
	S_PORTS,
	S_ACTION,
	S_MSS,
	S_WSCALE,
	S_SACK,
	S_TIMESTAMPS,
	S_ECN,
	S_SYN_RATE,
	S_FLOW_SHARE,
	S_ALLOW,
	S_DENY,
	S_VLAN,
	S_TIMEOUT, /* S_TIMEOUT + i: timeout_keys[i].svc_name */
	S_MAX = S_TIMEOUT + T_MAX
};
#define SVC_TIMEOUT_SPEC(n) \
	{ \
		n, K_DURATION, NULL, NULL, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS, TIMEOUT_RANGE, \
			KF_PROXY_ONLY \
	}
static const struct key_spec service_keys[S_MAX] = {
	[S_DST] = {"dst", K_PREFIXES, NULL, NULL, 0, 0, NULL, KF_REQUIRED},
	[S_PORTS] = {"ports", K_PORTS, NULL, NULL, 0, 0, NULL, KF_REQUIRED},
	[S_ACTION] = {"action", K_ENUM, NULL, words_action, 0, 0, NULL, 0},
	[S_MSS] = {"mss", K_UINT, "learn", NULL, 536, 9000, "536..9000 or learn", KF_PROXY_ONLY},
	[S_WSCALE] = {"wscale", K_UINT, "learn", NULL, 0, 14, "0..14 or learn", KF_PROXY_ONLY},
	[S_SACK] = {"sack", K_ENUM, NULL, words_opt, 0, 0, NULL, KF_PROXY_ONLY},
	[S_TIMESTAMPS] = {"timestamps", K_ENUM, NULL, words_opt, 0, 0, NULL, KF_PROXY_ONLY},
	[S_ECN] = {"ecn", K_ENUM, NULL, words_opt, 0, 0, NULL, KF_PROXY_ONLY},
	[S_SYN_RATE] = {"syn_rate", K_UINT, NULL, NULL, 0, 100000000, "0..100000000",
		KF_PROXY_ONLY},
	[S_FLOW_SHARE] = {"flow_share", K_UINT, NULL, NULL, 1, 100, "1..100 (percent)",
		KF_PROXY_ONLY},
	[S_ALLOW] = {"allow", K_PREFIXES, NULL, NULL, 0, 0, NULL, 0},
	[S_DENY] = {"deny", K_PREFIXES, NULL, NULL, 0, 0, NULL, 0},
	[S_VLAN] = {"vlan", K_VLANS, NULL, NULL, 0, 0, NULL, 0},
	[S_TIMEOUT + 0] = SVC_TIMEOUT_SPEC("timeout_syn_sent"),
	[S_TIMEOUT + 1] = SVC_TIMEOUT_SPEC("timeout_established"),
	[S_TIMEOUT + 2] = SVC_TIMEOUT_SPEC("timeout_fin_wait"),
	[S_TIMEOUT + 3] = SVC_TIMEOUT_SPEC("timeout_close_wait"),
	[S_TIMEOUT + 4] = SVC_TIMEOUT_SPEC("timeout_last_ack"),
	[S_TIMEOUT + 5] = SVC_TIMEOUT_SPEC("timeout_closing"),
	[S_TIMEOUT + 6] = SVC_TIMEOUT_SPEC("timeout_time_wait"),
	[S_TIMEOUT + 7] = SVC_TIMEOUT_SPEC("timeout_closed"),
};

/* Phase 1 result of one [service NAME] section. */
struct draft_service {
	unsigned int line; /* of the section header */
	const char *section; /* "service NAME" */
	struct slot slots[S_MAX];
};

/* State of one sw_config_load call. */
struct load {
	const char *path;
	char *dir; /* for @file lists; "" = current directory */
	struct sw_config_errors *errs;
	struct rules_scan scan;
	struct rte_cfgfile_entry **entries; /* per section, copied out of rte_cfgfile */
	struct sw_config *c;
	unsigned int ports_line, general_line, timeouts_line; /* 0 = section absent */
	struct slot ports[P_MAX];
	struct slot general[G_MAX];
	struct slot timeouts[T_MAX];
	struct draft_service *drafts; /* c->n_services entries */
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct rules_loc
loc_at(const struct load *ld, unsigned int line, const char *section, const char *key)
{
	struct rules_loc l = {.file = ld->path, .line = line, .section = section, .key = key};

	return l;
}

/* Load with rte_cfgfile, check it agrees with the scan, copy every section's entries out. */
static int
cfgfile_read(struct load *ld)
{
	static const struct rte_cfgfile_parameters params = {
		.comment_character = CFG_DEFAULT_COMMENT_CHARACTER,
	};
	struct rules_loc loc = loc_at(ld, 0, NULL, NULL);
	struct rte_cfgfile *cfg;
	unsigned int i;
	int ret = -1;

	cfg = rte_cfgfile_load_with_params(ld->path, CFG_FLAG_EMPTY_VALUES, &params);
	if (cfg == NULL) {
		rules_err(ld->errs, &loc, "rte_cfgfile_load failed");
		return -1;
	}
	if (rte_cfgfile_num_sections(cfg, NULL, 0) != (int)ld->scan.n)
		goto disagree;
	ld->entries = calloc(ld->scan.n ? ld->scan.n : 1, sizeof(*ld->entries));
	if (ld->entries == NULL)
		goto nomem;
	for (i = 0; i < ld->scan.n; i++) {
		const struct rules_scan_sec *s = &ld->scan.secs[i];
		char name[CFG_NAME_LEN];
		unsigned int j;
		int n;

		n = rte_cfgfile_section_num_entries_by_index(cfg, name, (int)i);
		if (n != (int)s->n || strcmp(name, s->name) != 0)
			goto disagree;
		ld->entries[i] = calloc(s->n ? s->n : 1, sizeof(**ld->entries));
		if (ld->entries[i] == NULL)
			goto nomem;
		if (rte_cfgfile_section_entries_by_index(cfg, (int)i, name, ld->entries[i], n) != n)
			goto disagree;
		for (j = 0; j < s->n; j++)
			if (strcmp(ld->entries[i][j].name, s->keys[j].name) != 0)
				goto disagree;
	}
	ret = 0;
	goto out;
disagree:
	rules_err(ld->errs, &loc, "internal error: rte_cfgfile and the line scan disagree");
	goto out;
nomem:
	rules_err(ld->errs, &loc, "out of memory");
out:
	rte_cfgfile_close(cfg);
	return ret;
}

/* Device name as rte_eth_dev_get_port_by_name knows it: vdev name or PCI address. */
static int
parse_device(const char *s, char *why, size_t len)
{
	size_t i, n = strlen(s);

	if (strchr(s, ',') != NULL) {
		snprintf(why, len,
			"'%.64s': device arguments belong on the EAL command line "
			"(--vdev / -a); give the bare device name here",
			s);
		return -1;
	}
	if (n >= SW_CONFIG_DEV_MAX) {
		snprintf(why, len, "device name too long (max %d characters)",
			SW_CONFIG_DEV_MAX - 1);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == ':' ||
			    ch == '-')) {
			snprintf(why, len, "'%.64s': invalid character '%c' in device name", s, ch);
			return -1;
		}
	}
	return 0;
}

static void
list_keys(char *buf, size_t len, const struct key_spec *specs, unsigned int n_specs)
{
	unsigned int k;
	size_t off = 0;

	buf[0] = '\0';
	for (k = 0; k < n_specs && off < len; k++)
		off += snprintf(buf + off, len - off, "%s%s", k ? ", " : "", specs[k].name);
}

/*
 * Phase 1 for one section: every entry is looked up in specs and parsed into slots; prefix and
 * port lists go straight to dst[k] (a struct sw_config_prefixes * or struct sw_config_service *).
 */
static void
parse_section(struct load *ld, unsigned int sec, const struct key_spec *specs, unsigned int n_specs,
	struct slot *slots, void *const *dst)
{
	const struct rules_scan_sec *s = &ld->scan.secs[sec];
	unsigned int j, k;

	for (j = 0; j < s->n; j++) {
		const struct rte_cfgfile_entry *ent = &ld->entries[sec][j];
		struct rules_loc loc = loc_at(ld, s->keys[j].line, s->name, ent->name);
		struct sw_config_service *svc;
		char why[WHY_LEN];
		struct slot *sl;
		unsigned int w;
		int ret = 0;

		for (k = 0; k < n_specs; k++)
			if (strcmp(ent->name, specs[k].name) == 0)
				break;
		if (k == n_specs) {
			list_keys(why, sizeof(why), specs, n_specs);
			rules_err(ld->errs, &loc, "unknown key (valid: %s)", why);
			continue;
		}
		sl = &slots[k];
		if (sl->is_set) {
			rules_err(ld->errs, &loc, "duplicate key (first at line %u)", sl->line);
			continue;
		}
		sl->is_set = true;
		sl->line = loc.line;
		sl->text = ent->value;
		switch (specs[k].kind) {
		case K_UINT:
			if (specs[k].word != NULL && strcmp(ent->value, specs[k].word) == 0)
				sl->is_word = true;
			else
				ret = rules_parse_u64(ent->value, &sl->num, why, sizeof(why));
			break;
		case K_DURATION:
			ret = rules_parse_duration_ms(ent->value, &sl->num, why, sizeof(why));
			break;
		case K_ENUM:
			for (w = 0; specs[k].words[w] != NULL; w++)
				if (strcmp(ent->value, specs[k].words[w]) == 0)
					break;
			sl->num = w;
			if (specs[k].words[w] == NULL) {
				char opts[96];
				size_t off = 0;

				for (w = 0; specs[k].words[w] != NULL; w++)
					off += snprintf(opts + off, sizeof(opts) - off, "%s%s",
						w ? ", " : "", specs[k].words[w]);
				snprintf(why, sizeof(why), "'%.64s' is not one of: %s", ent->value,
					opts);
				ret = -1;
			}
			break;
		case K_DEVICE:
			ret = parse_device(ent->value, why, sizeof(why));
			break;
		case K_ENDPOINT: {
			struct sockaddr_storage ss;
			socklen_t ss_len;

			ret = strlen(ent->value) < SW_CONFIG_DEV_MAX &&
					sw_config_parse_endpoint(ent->value, &ss, &ss_len) == 0
				? 0
				: -1;
			if (ret < 0)
				snprintf(why, sizeof(why),
					"'%.64s' is not ADDRESS:PORT (a numeric IPv4 address, or "
					"[IPv6]:PORT; port 0..65535)",
					ent->value);
			break;
		}
		case K_PREFIXES:
			sl->is_ok = rules_parse_prefixes(
					    ld->errs, &loc, ld->dir, ent->value, dst[k]) == 0;
			continue;
		case K_PORTS:
			svc = dst[k];
			sl->is_ok = rules_parse_ports(ld->errs, &loc, ent->value, svc->ports,
					    &svc->n_ports) == 0;
			continue;
		case K_VLANS:
			svc = dst[k];
			sl->is_ok = rules_parse_vlans(ld->errs, &loc, ent->value, svc->vlans,
					    &sl->is_word) == 0;
			continue;
		}
		if (ret < 0)
			rules_err(ld->errs, &loc, "%s", why);
		sl->is_ok = ret == 0;
	}
}

static void
parse_service(struct load *ld, unsigned int sec, struct draft_service *d)
{
	struct sw_config_service *svc = &ld->c->services[ld->c->n_services - 1];
	void *const dst[S_MAX] = {
		[S_DST] = &svc->dst,
		[S_PORTS] = svc,
		[S_ALLOW] = &svc->allow,
		[S_DENY] = &svc->deny,
		[S_VLAN] = svc,
	};

	parse_section(ld, sec, service_keys, S_MAX, d->slots, dst);
}

/* [service NAME] header: name syntax, duplicates, the service limit. */
static struct draft_service *
service_open(struct load *ld, unsigned int sec)
{
	const struct rules_scan_sec *s = &ld->scan.secs[sec];
	struct rules_loc loc = loc_at(ld, s->line, s->name, NULL);
	const char *name = s->name + strlen("service");
	struct sw_config_service *svc;
	struct draft_service *d;
	size_t i, n;

	while (is_blank(*name))
		name++;
	n = strlen(name);
	if (n == 0) {
		rules_err(ld->errs, &loc, "missing service name: use [service NAME]");
		return NULL;
	}
	if (n >= SW_CONFIG_NAME_MAX) {
		rules_err(ld->errs, &loc, "service name too long (max %d characters)",
			SW_CONFIG_NAME_MAX - 1);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-')) {
			rules_err(ld->errs, &loc,
				"invalid character '%c' in service name (allowed: A-Z a-z 0-9 _ . "
				"-)",
				ch);
			return NULL;
		}
	}
	for (i = 0; i < ld->c->n_services; i++) {
		if (strcmp(ld->c->services[i].name, name) == 0) {
			rules_err(ld->errs, &loc, "duplicate service '%s' (first at line %u)", name,
				ld->drafts[i].line);
			return NULL;
		}
	}
	if (ld->c->n_services == SW_CONFIG_SERVICES_MAX) {
		rules_err(ld->errs, &loc, "too many services (max %d)", SW_CONFIG_SERVICES_MAX);
		return NULL;
	}
	svc = &ld->c->services[ld->c->n_services];
	d = &ld->drafts[ld->c->n_services];
	ld->c->n_services++;
	svc->id = ld->c->n_services;
	memcpy(svc->name, name, n + 1);
	d->line = s->line;
	d->section = s->name;
	return d;
}

static void
phase1(struct load *ld)
{
	unsigned int i, n_svc = 0;

	for (i = 0; i < ld->scan.n; i++)
		if (strncmp(ld->scan.secs[i].name, "service", 7) == 0)
			n_svc++;
	n_svc = RTE_MIN(n_svc, (unsigned int)SW_CONFIG_SERVICES_MAX);
	ld->c->services = calloc(n_svc ? n_svc : 1, sizeof(*ld->c->services));
	ld->drafts = calloc(n_svc ? n_svc : 1, sizeof(*ld->drafts));
	if (ld->c->services == NULL || ld->drafts == NULL) {
		struct rules_loc loc = loc_at(ld, 0, NULL, NULL);

		rules_err(ld->errs, &loc, "out of memory");
		return;
	}

	for (i = 0; i < ld->scan.n; i++) {
		const struct rules_scan_sec *s = &ld->scan.secs[i];
		struct rules_loc loc = loc_at(ld, s->line, s->name, NULL);
		unsigned int *seen = NULL;

		if (strcmp(s->name, "ports") == 0)
			seen = &ld->ports_line;
		else if (strcmp(s->name, "general") == 0)
			seen = &ld->general_line;
		else if (strcmp(s->name, "timeouts") == 0)
			seen = &ld->timeouts_line;
		if (seen != NULL && *seen != 0) {
			rules_err(ld->errs, &loc, "duplicate section (first at line %u)", *seen);
			continue;
		}
		if (seen != NULL)
			*seen = s->line;

		if (seen == &ld->ports_line) {
			void *const dst[P_MAX] = {NULL};

			parse_section(ld, i, ports_keys, P_MAX, ld->ports, dst);
		} else if (seen == &ld->general_line) {
			void *const dst[G_MAX] = {
				[G_ALLOW] = &ld->c->general.allow, [G_DENY] = &ld->c->general.deny};

			parse_section(ld, i, general_keys, G_MAX, ld->general, dst);
		} else if (seen == &ld->timeouts_line) {
			void *const dst[T_MAX] = {NULL};

			parse_section(ld, i, timeouts_keys, T_MAX, ld->timeouts, dst);
		} else if (strncmp(s->name, "service", 7) == 0 &&
			(s->name[7] == '\0' || is_blank(s->name[7]))) {
			struct draft_service *d = service_open(ld, i);

			if (d != NULL)
				parse_service(ld, i, d);
		} else {
			rules_err(ld->errs, &loc,
				"unknown section (expected ports, general, timeouts or service "
				"NAME)");
		}
	}
}

/* Phase 2 ranges and required keys for one section's slots. */
static void
check_slots(struct load *ld, const char *section, unsigned int sec_line,
	const struct key_spec *specs, unsigned int n_specs, struct slot *slots)
{
	unsigned int k;

	for (k = 0; k < n_specs; k++) {
		struct slot *sl = &slots[k];
		struct rules_loc loc = loc_at(ld, sl->line, section, specs[k].name);

		if (!sl->is_set) {
			if (specs[k].flags & KF_REQUIRED) {
				loc.line = sec_line;
				rules_err(ld->errs, &loc, "missing required key");
			}
			continue;
		}
		if (!sl->is_ok || sl->is_word ||
			(specs[k].kind != K_UINT && specs[k].kind != K_DURATION))
			continue;
		if (sl->num >= specs[k].min && sl->num <= specs[k].max)
			continue;
		if (specs[k].range != NULL)
			rules_err(ld->errs, &loc, "'%s' out of range %s", sl->text, specs[k].range);
		else
			rules_err(ld->errs, &loc, "'%s' out of range %" PRIu64 "..%" PRIu64 "%s%s",
				sl->text, specs[k].min, specs[k].max,
				specs[k].word != NULL ? " or " : "",
				specs[k].word != NULL ? specs[k].word : "");
		sl->is_ok = false;
	}
}

static uint64_t
val(const struct slot *sl, uint64_t def)
{
	return sl->is_set && sl->is_ok && !sl->is_word ? sl->num : def;
}

static void
phase2(struct load *ld)
{
	struct sw_config *c = ld->c;
	struct sw_config_general *g = &c->general;
	struct rules_svc_ref refs[SW_CONFIG_SERVICES_MAX];
	unsigned int i, k, t;

	if (ld->ports_line == 0) {
		struct rules_loc loc = loc_at(ld, 0, "ports", NULL);

		rules_err(ld->errs, &loc, "missing required section");
	} else {
		const struct slot *o = &ld->ports[P_OUTSIDE], *in = &ld->ports[P_INSIDE];

		check_slots(ld, "ports", ld->ports_line, ports_keys, P_MAX, ld->ports);
		if (o->is_ok && in->is_ok && strcmp(o->text, in->text) == 0) {
			struct rules_loc loc = loc_at(ld, in->line, "ports", "inside");

			rules_err(ld->errs, &loc, "'%s' is also the outside port (line %u)",
				in->text, o->line);
		}
		if (o->is_ok)
			strcpy(c->ports.outside, o->text);
		if (in->is_ok)
			strcpy(c->ports.inside, in->text);
		c->ports.csum_offload = val(&ld->ports[P_CSUM_OFFLOAD], 0) == 0;
	}

	check_slots(ld, "general", ld->general_line, general_keys, G_MAX, ld->general);
	g->workers = (uint32_t)val(&ld->general[G_WORKERS], 0);
	g->flow_capacity = (uint32_t)val(&ld->general[G_FLOW_CAPACITY], 1048576);
	g->cookie_epoch_ms = (uint32_t)val(&ld->general[G_COOKIE_EPOCH], 60000);
	g->mbufs = (uint32_t)val(&ld->general[G_MBUFS], 65536);
	g->stats_interval_ms = (uint32_t)val(&ld->general[G_STATS_INTERVAL], 0);
	g->default_action = (enum sw_config_default)val(&ld->general[G_DEFAULT_ACTION], 0);
	g->mtu = (uint16_t)val(&ld->general[G_MTU], 1500);
	g->src_syn_rate = (uint32_t)val(&ld->general[G_SRC_SYN_RATE], 0);
	g->src_syn_burst = (uint32_t)val(
		&ld->general[G_SRC_SYN_BURST], g->src_syn_rate > 0 ? g->src_syn_rate : 1);
	g->src_prefix_v4 = (uint8_t)val(&ld->general[G_SRC_PREFIX_V4], 24);
	g->src_prefix_v6 = (uint8_t)val(&ld->general[G_SRC_PREFIX_V6], 64);
	g->src_rate_slots = (uint32_t)val(&ld->general[G_SRC_SLOTS], 65536);
	g->attack_syn_rate = (uint32_t)val(&ld->general[G_ATTACK_SYN_RATE], 1000);
	g->attack_syn_rate_off =
		(uint32_t)val(&ld->general[G_ATTACK_SYN_RATE_OFF], g->attack_syn_rate / 2);
	g->attack_sources = (uint32_t)val(&ld->general[G_ATTACK_SOURCES], 1000);
	g->attack_handshake_pct = (uint8_t)val(&ld->general[G_ATTACK_HANDSHAKE_PCT], 50);
	if (ld->general[G_PROMETHEUS].is_ok)
		snprintf(
			g->prometheus, sizeof(g->prometheus), "%s", ld->general[G_PROMETHEUS].text);
	/* Against the attack_syn_rate written: none to compare with when that one is wrong. */
	if (ld->general[G_ATTACK_SYN_RATE_OFF].is_set && ld->general[G_ATTACK_SYN_RATE_OFF].is_ok &&
		(!ld->general[G_ATTACK_SYN_RATE].is_set || ld->general[G_ATTACK_SYN_RATE].is_ok) &&
		g->attack_syn_rate_off >= g->attack_syn_rate) {
		struct rules_loc loc = loc_at(ld, ld->general[G_ATTACK_SYN_RATE_OFF].line,
			"general", "attack_syn_rate_off");

		rules_err(ld->errs, &loc, "must be below attack_syn_rate (%u) for hysteresis",
			g->attack_syn_rate);
	}
	/* A burst without a rate limits nothing: src_syn_rate 0 is off. */
	if (ld->general[G_SRC_SYN_BURST].is_set &&
		(!ld->general[G_SRC_SYN_RATE].is_set ||
			(ld->general[G_SRC_SYN_RATE].is_ok && g->src_syn_rate == 0))) {
		struct rules_loc loc =
			loc_at(ld, ld->general[G_SRC_SYN_BURST].line, "general", "src_syn_burst");

		rules_err(ld->errs, &loc, "needs src_syn_rate (above 0: 0 is off)");
	}

	check_slots(ld, "timeouts", ld->timeouts_line, timeouts_keys, T_MAX, ld->timeouts);
	for (t = 0; t < T_MAX; t++) {
		uint32_t ms = (uint32_t)val(&ld->timeouts[t], timeout_keys[t].default_ms);

		c->timeouts.ms[timeout_keys[t].st[0]] = ms;
		if (timeout_keys[t].st[1] != SW_CONN_FREE)
			c->timeouts.ms[timeout_keys[t].st[1]] = ms;
	}

	for (i = 0; i < c->n_services; i++) {
		struct sw_config_service *svc = &c->services[i];
		struct draft_service *d = &ld->drafts[i];
		struct slot *sl = d->slots;

		check_slots(ld, d->section, d->line, service_keys, S_MAX, sl);
		if (sl[S_DST].is_ok && svc->dst.n == 0) {
			struct rules_loc loc = loc_at(ld, sl[S_DST].line, d->section, "dst");

			rules_err(ld->errs, &loc, "no prefixes (empty list file?)");
			sl[S_DST].is_ok = false;
		}
		svc->action = (enum sw_config_action)val(&sl[S_ACTION], SW_CONFIG_ACTION_PROXY);
		for (k = 0; k < S_MAX; k++) {
			struct rules_loc loc =
				loc_at(ld, sl[k].line, d->section, service_keys[k].name);

			if (!sl[k].is_set || !(service_keys[k].flags & KF_PROXY_ONLY) ||
				!sl[S_ACTION].is_ok || svc->action == SW_CONFIG_ACTION_PROXY)
				continue;
			rules_err(ld->errs, &loc, "only valid with action = proxy (action is %s)",
				words_action[svc->action]);
		}
		svc->mss = (uint16_t)val(&sl[S_MSS], SW_CONFIG_MSS_LEARN);
		/* Clients would send segments the ports' MTU cannot carry (40: IPv4 + TCP headers). */
		if (svc->mss != SW_CONFIG_MSS_LEARN && svc->mss > c->general.mtu - 40 &&
			(!ld->general[G_MTU].is_set || ld->general[G_MTU].is_ok)) {
			struct rules_loc loc = loc_at(ld, sl[S_MSS].line, d->section, "mss");

			rules_err(ld->errs, &loc, "%u is more than [general] mtu %u carries (%u)",
				svc->mss, c->general.mtu, c->general.mtu - 40);
		}
		svc->wscale = (uint8_t)val(&sl[S_WSCALE], SW_CONFIG_WSCALE_LEARN);
		svc->sack = (enum sw_config_opt)val(&sl[S_SACK], SW_CONFIG_OPT_LEARN);
		svc->timestamps = (enum sw_config_opt)val(&sl[S_TIMESTAMPS], SW_CONFIG_OPT_LEARN);
		svc->ecn = (enum sw_config_opt)val(&sl[S_ECN], SW_CONFIG_OPT_LEARN);
		svc->syn_rate = (uint32_t)val(&sl[S_SYN_RATE], 0);
		svc->flow_share_pct = (uint8_t)val(&sl[S_FLOW_SHARE], 100);
		/* No vlan key, or "any" (the keyword form): every VLAN and untagged frames. */
		svc->has_vlans = sl[S_VLAN].is_set && !sl[S_VLAN].is_word;
		if (!svc->has_vlans)
			memset(svc->vlans, 0xff, sizeof(svc->vlans));
		svc->timeouts = c->timeouts;
		for (t = 0; t < T_MAX; t++) {
			const struct slot *ts = &sl[S_TIMEOUT + t];
			uint32_t ms;

			if (!ts->is_set || !ts->is_ok)
				continue;
			ms = (uint32_t)ts->num;
			svc->timeouts.ms[timeout_keys[t].st[0]] = ms;
			if (timeout_keys[t].st[1] != SW_CONN_FREE)
				svc->timeouts.ms[timeout_keys[t].st[1]] = ms;
		}
		refs[i].is_ok = sl[S_DST].is_ok && sl[S_PORTS].is_ok &&
			(!sl[S_ACTION].is_set || sl[S_ACTION].is_ok) &&
			(!sl[S_VLAN].is_set || sl[S_VLAN].is_ok);
		refs[i].section = d->section;
		refs[i].dst_line = sl[S_DST].line;
	}
	rules_check_overlaps(ld->errs, ld->path, c, refs);
}

void
sw_config_free(struct sw_config *c)
{
	unsigned int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_services; i++) {
		free(c->services[i].dst.v);
		free(c->services[i].allow.v);
		free(c->services[i].deny.v);
	}
	free(c->services);
	free(c->general.allow.v);
	free(c->general.deny.v);
	free(c->path);
	free(c);
}

struct sw_config *
sw_config_load(const char *path, struct sw_config_errors *errs)
{
	struct sw_config_errors local = {0};
	struct load ld = {.path = path, .errs = errs != NULL ? errs : &local};
	unsigned int i;
	const char *slash;

	memset(ld.errs, 0, sizeof(*ld.errs));
	ld.c = calloc(1, sizeof(*ld.c));
	if (ld.c != NULL)
		ld.c->path = strdup(path);
	slash = strrchr(path, '/');
	ld.dir = slash == NULL	? strdup("")
		: slash == path ? strdup("/")
				: strndup(path, (size_t)(slash - path));
	if (ld.c == NULL || ld.c->path == NULL || ld.dir == NULL) {
		struct rules_loc loc = loc_at(&ld, 0, NULL, NULL);

		rules_err(ld.errs, &loc, "out of memory");
		goto out;
	}
	if (rules_scan_file(ld.path, &ld.scan, ld.errs) > 0 || cfgfile_read(&ld) < 0)
		goto out;
	phase1(&ld);
	if (ld.c->services != NULL && ld.drafts != NULL)
		phase2(&ld);
out:
	if (ld.entries != NULL)
		for (i = 0; i < ld.scan.n; i++)
			free(ld.entries[i]);
	free(ld.entries);
	rules_scan_free(&ld.scan);
	free(ld.drafts);
	free(ld.dir);
	if (ld.errs->count != 0) {
		sw_config_free(ld.c);
		ld.c = NULL;
	}
	sw_config_errors_free(&local);
	return ld.c;
}
