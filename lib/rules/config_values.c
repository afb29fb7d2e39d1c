/* SPDX-License-Identifier: BSD-3-Clause */
/* Config value parsers (numbers, durations, ports, prefixes, @file lists) and error collection. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "rules_internal.h"

#define ITEM_MAX 128 /* longest list item we look at; longer ones are malformed anyway */
#define LIST_LINE_MAX 1024 /* longest line in an @file list */

void
rules_err(struct sw_config_errors *e, const struct rules_loc *loc, const char *fmt, ...)
{
	char head[512], reason[512], via[320] = "";
	char *msg;
	va_list ap;
	int n;

	if (e == NULL)
		return;
	e->count++;
	if (e->n_msgs >= SW_CONFIG_ERRORS_MAX)
		return;

	if (loc->line > 0)
		n = snprintf(head, sizeof(head), "%s:%u: ", loc->file, loc->line);
	else
		n = snprintf(head, sizeof(head), "%s: ", loc->file);
	if (loc->section != NULL && n >= 0 && (size_t)n < sizeof(head))
		n += snprintf(head + n, sizeof(head) - n, "[%s]%s", loc->section,
			loc->key != NULL ? " " : ": ");
	if (loc->key != NULL && n >= 0 && (size_t)n < sizeof(head))
		snprintf(head + n, sizeof(head) - n, "%s: ", loc->key);
	if (loc->via_file != NULL)
		snprintf(via, sizeof(via), " (list named at %s:%u)", loc->via_file, loc->via_line);

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	if (e->n_msgs == e->cap) {
		unsigned int cap = e->cap ? e->cap * 2 : 16;
		char **v = realloc(e->msgs, cap * sizeof(*v));

		if (v == NULL)
			return;
		e->msgs = v;
		e->cap = cap;
	}
	if (asprintf(&msg, "%s%s%s", head, reason, via) < 0)
		return;
	/* Messages quote file contents: keep terminal control sequences out. */
	for (n = 0; msg[n] != '\0'; n++)
		if ((unsigned char)msg[n] < 0x20 || msg[n] == 0x7f)
			msg[n] = '?';
	e->msgs[e->n_msgs++] = msg;
}

int
sw_config_errors_print(const struct sw_config_errors *e, FILE *f)
{
	unsigned int i;

	if (e == NULL)
		return 0;
	for (i = 0; i < e->n_msgs; i++)
		fprintf(f, "%s\n", e->msgs[i]);
	if (e->count > e->n_msgs)
		fprintf(f, "(%u more errors not shown)\n", e->count - e->n_msgs);
	return (int)e->count;
}

const char *
sw_config_errors_get(const struct sw_config_errors *e, unsigned int i)
{
	if (e == NULL || i >= e->n_msgs)
		return NULL;
	return e->msgs[i];
}

void
sw_config_errors_free(struct sw_config_errors *e)
{
	unsigned int i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n_msgs; i++)
		free(e->msgs[i]);
	free(e->msgs);
	memset(e, 0, sizeof(*e));
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Decimal digits only: strtoull alone would accept "-1", "+1" and leading blanks. */
int
rules_parse_u64(const char *s, uint64_t *out, char *why, size_t len)
{
	unsigned long long v;
	char *end;

	if (!is_digit(s[0])) {
		snprintf(why, len, "'%.64s' is not a decimal number", s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE) {
		snprintf(why, len, "'%.64s' is too large", s);
		return -1;
	}
	if (*end != '\0') {
		snprintf(why, len, "'%.64s' is not a decimal number", s);
		return -1;
	}
	*out = v;
	return 0;
}

/* "<digits><unit>", unit one of ms, s, m, h; a bare "0" needs no unit. */
int
rules_parse_duration_ms(const char *s, uint64_t *ms, char *why, size_t len)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}};
	unsigned long long v;
	unsigned int i;
	char *end;

	if (!is_digit(s[0])) {
		snprintf(why, len,
			"'%.64s' is not a duration (expected e.g. 60s; units ms, s, m, h)", s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE) {
		snprintf(why, len, "'%.64s' is too large", s);
		return -1;
	}
	if (*end == '\0') {
		if (v == 0) {
			*ms = 0;
			return 0;
		}
		snprintf(why, len, "'%.64s' has no unit (use ms, s, m or h)", s);
		return -1;
	}
	for (i = 0; i < RTE_DIM(units); i++) {
		if (strcmp(end, units[i].name) != 0)
			continue;
		if (v > UINT64_MAX / units[i].ms) {
			snprintf(why, len, "'%.64s' is too large", s);
			return -1;
		}
		*ms = v * units[i].ms;
		return 0;
	}
	snprintf(why, len, "'%.64s': unknown unit '%.16s' (use ms, s, m or h)", s, end);
	return -1;
}

const char *
rules_prefix_str(const struct sw_config_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(p->family, p->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->depth);
	return buf;
}

/* "addr" or "addr/len"; the family follows from the address; host bits must be clear. */
int
rules_parse_prefix(const char *s, struct sw_config_prefix *p, char *why, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 1], net[80];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	uint64_t depth;
	unsigned int max, i, host_bits = 0;
	struct sw_config_prefix masked;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(why, len, "'%.64s' is not an IPv4 or IPv6 address or prefix", s);
		return -1;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	p->family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, addr, p->addr) != 1) {
		snprintf(why, len, "'%.64s' is not a valid %s address", addr,
			p->family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	max = p->family == AF_INET ? 32 : 128;
	depth = max;
	if (slash != NULL) {
		char dwhy[128];

		if (rules_parse_u64(slash + 1, &depth, dwhy, sizeof(dwhy)) < 0) {
			snprintf(why, len, "'%.64s': prefix length '%.16s' is not a number", s,
				slash + 1);
			return -1;
		}
		if (depth > max) {
			snprintf(why, len, "'%.64s': prefix length %.16s out of range 0..%u", s,
				slash + 1, max);
			return -1;
		}
	}
	p->depth = (uint8_t)depth;

	masked = *p;
	for (i = 0; i < max / 8; i++) {
		unsigned int d = p->depth;
		unsigned int keep = d >= (i + 1) * 8 ? 8 : d > i * 8 ? d - i * 8 : 0;
		uint8_t mask = keep == 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		host_bits |= masked.addr[i] & (uint8_t)~mask;
		masked.addr[i] &= mask;
	}
	if (host_bits != 0) {
		snprintf(why, len, "host bits set in '%.64s' (the network is %s)", s,
			rules_prefix_str(&masked, net, sizeof(net)));
		return -1;
	}
	return 0;
}

/* Next comma-separated item of *cur, trimmed, into buf; returns 0 at end of list. */
static int
next_item(const char **cur, char *buf, size_t len, int *is_truncated)
{
	const char *s = *cur, *e;
	size_t n;

	if (s == NULL)
		return 0;
	e = strchr(s, ',');
	n = e != NULL ? (size_t)(e - s) : strlen(s);
	*cur = e != NULL ? e + 1 : NULL;
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	*is_truncated = n >= len;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 1;
}

static int
parse_port(const char *s, uint64_t *v, char *why, size_t len)
{
	if (rules_parse_u64(s, v, why, len) < 0)
		return -1;
	if (*v < 1 || *v > 65535) {
		snprintf(why, len, "port %.16s out of range 1..65535", s);
		return -1;
	}
	return 0;
}

unsigned int
rules_parse_ports(struct sw_config_errors *e, const struct rules_loc *loc, const char *s,
	uint64_t *bitmap, uint32_t *n_ports)
{
	char item[ITEM_MAX], why[256];
	unsigned int n_err = 0;
	int is_truncated;

	while (next_item(&s, item, sizeof(item), &is_truncated)) {
		char *dash = strchr(item, '-');
		uint64_t lo, hi, p;

		if (item[0] == '\0') {
			rules_err(e, loc, "empty item in port list");
			n_err++;
			continue;
		}
		if (is_truncated) {
			rules_err(e, loc, "port list item '%.64s...' is too long", item);
			n_err++;
			continue;
		}
		if (dash != NULL) {
			char *l = item, *h = dash + 1;

			*dash = '\0';
			while (dash > item && is_blank(dash[-1]))
				*--dash = '\0';
			while (is_blank(*h))
				h++;
			if (parse_port(l, &lo, why, sizeof(why)) < 0 ||
				parse_port(h, &hi, why, sizeof(why)) < 0) {
				rules_err(e, loc, "%s", why);
				n_err++;
				continue;
			}
			if (lo > hi) {
				rules_err(
					e, loc, "inverted port range %s-%s (low end first)", l, h);
				n_err++;
				continue;
			}
		} else {
			if (parse_port(item, &lo, why, sizeof(why)) < 0) {
				rules_err(e, loc, "%s", why);
				n_err++;
				continue;
			}
			hi = lo;
		}
		for (p = lo; p <= hi; p++) {
			uint64_t bit = UINT64_C(1) << (p % 64);

			if (!(bitmap[p / 64] & bit))
				(*n_ports)++;
			bitmap[p / 64] |= bit;
		}
	}
	return n_err;
}

static int
parse_vid(const char *s, bool is_truncated, uint64_t *v, char *why, size_t len)
{
	if (is_truncated || rules_parse_u64(s, v, why, len) < 0) {
		snprintf(why, len, "'%.32s' is not a VLAN ID (%d..%d), a range LO-HI, none or any",
			s, SW_CONFIG_VLAN_MIN, SW_CONFIG_VLAN_MAX);
		return -1;
	}
	if (*v < SW_CONFIG_VLAN_MIN || *v > SW_CONFIG_VLAN_MAX) {
		snprintf(why, len, "VLAN ID %.16s out of range %d..%d%s", s, SW_CONFIG_VLAN_MIN,
			SW_CONFIG_VLAN_MAX, *v == 0 ? " (untagged frames: none)" : "");
		return -1;
	}
	return 0;
}

unsigned int
rules_parse_vlans(struct sw_config_errors *e, const struct rules_loc *loc, const char *s,
	uint64_t *bitmap, bool *is_any)
{
	char item[ITEM_MAX], why[256];
	unsigned int n_err = 0, n_items = 0;
	bool has_any = false;
	int is_truncated;

	while (next_item(&s, item, sizeof(item), &is_truncated)) {
		char *dash = strchr(item, '-');
		uint64_t lo, hi, v;

		n_items++;
		if (item[0] == '\0') {
			rules_err(e, loc, "empty item in VLAN list");
			n_err++;
			continue;
		}
		if (strcmp(item, "any") == 0) {
			has_any = true;
			continue;
		}
		if (strcmp(item, "none") == 0) {
			bitmap[0] |= UINT64_C(1) << SW_CONFIG_VLAN_UNTAGGED;
			continue;
		}
		if (dash != NULL) {
			char *l = item, *h = dash + 1;

			*dash = '\0';
			while (dash > item && is_blank(dash[-1]))
				*--dash = '\0';
			while (is_blank(*h))
				h++;
			if (parse_vid(l, is_truncated, &lo, why, sizeof(why)) < 0 ||
				parse_vid(h, is_truncated, &hi, why, sizeof(why)) < 0) {
				rules_err(e, loc, "%s", why);
				n_err++;
				continue;
			}
			if (lo > hi) {
				rules_err(
					e, loc, "inverted VLAN range %s-%s (low end first)", l, h);
				n_err++;
				continue;
			}
		} else {
			if (parse_vid(item, is_truncated, &lo, why, sizeof(why)) < 0) {
				rules_err(e, loc, "%s", why);
				n_err++;
				continue;
			}
			hi = lo;
		}
		for (v = lo; v <= hi; v++)
			bitmap[v / 64] |= UINT64_C(1) << (v % 64);
	}
	*is_any = false;
	if (has_any && n_items > 1) {
		rules_err(e, loc,
			"'any' (every VLAN and untagged frames) cannot be combined with "
			"other items");
		n_err++;
	} else if (has_any) {
		*is_any = true;
		memset(bitmap, 0xff, SW_CONFIG_VLAN_WORDS * sizeof(*bitmap));
	}
	return n_err;
}

static int
push_prefix(struct sw_config_prefixes *out, uint32_t *cap, const struct sw_config_prefix *p)
{
	if (out->n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;
		struct sw_config_prefix *v = realloc(out->v, ncap * sizeof(*v));

		if (v == NULL)
			return -1;
		out->v = v;
		*cap = ncap;
	}
	out->v[out->n++] = *p;
	return 0;
}

/* One prefix per line, '#' starts a comment, blank lines ignored. */
static unsigned int
read_list_file(struct sw_config_errors *e, const struct rules_loc *loc, const char *path,
	struct sw_config_prefixes *out, uint32_t *cap)
{
	struct rules_loc floc = {
		.file = path,
		.section = loc->section,
		.key = loc->key,
		.via_file = loc->file,
		.via_line = loc->line,
	};
	unsigned int n_err = 0;
	size_t lcap = 0;
	char *line = NULL;
	struct stat st;
	ssize_t n;
	FILE *f;

	/* Devices and FIFOs could block or never end. */
	f = rules_fopen_regular(path, &st);
	if (f == NULL) {
		if (errno == EINVAL)
			rules_err(e, loc, "list file '%s' is not a regular file", path);
		else
			rules_err(e, loc, "cannot open list file '%s': %s", path, strerror(errno));
		return 1;
	}
	while ((n = getline(&line, &lcap, f)) >= 0) {
		struct sw_config_prefix p;
		char why[256], *s = line, *hash;
		size_t len = (size_t)n;

		floc.line++;
		if (len > LIST_LINE_MAX) {
			rules_err(e, &floc, "line too long (%zu characters, max %d)", len,
				LIST_LINE_MAX);
			n_err++;
			continue;
		}
		if (memchr(line, '\0', len) != NULL) {
			rules_err(e, &floc, "NUL byte in list file");
			n_err++;
			continue;
		}
		hash = strchr(s, '#');
		if (hash != NULL)
			*hash = '\0';
		len = strlen(s);
		while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\n'))
			s[--len] = '\0';
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			continue;
		if (strpbrk(s, ", \t") != NULL) {
			rules_err(e, &floc, "'%.64s': expected one prefix per line", s);
			n_err++;
			continue;
		}
		if (*s == '@') {
			rules_err(
				e, &floc, "'%.64s': a list file cannot name another list file", s);
			n_err++;
			continue;
		}
		if (rules_parse_prefix(s, &p, why, sizeof(why)) < 0) {
			rules_err(e, &floc, "%s", why);
			n_err++;
			continue;
		}
		if (push_prefix(out, cap, &p) < 0) {
			rules_err(e, &floc, "out of memory");
			n_err++;
			break;
		}
	}
	if (ferror(f)) {
		rules_err(e, loc, "cannot read list file '%s': %s", path, strerror(errno));
		n_err++;
	}
	free(line);
	fclose(f);
	return n_err;
}

unsigned int
rules_parse_prefixes(struct sw_config_errors *e, const struct rules_loc *loc, const char *dir,
	const char *s, struct sw_config_prefixes *out)
{
	char item[ITEM_MAX], why[256];
	unsigned int n_err = 0;
	uint32_t cap = out->n;
	int is_truncated;

	while (next_item(&s, item, sizeof(item), &is_truncated)) {
		struct sw_config_prefix p;

		if (item[0] == '\0') {
			rules_err(e, loc, "empty item in prefix list");
			n_err++;
			continue;
		}
		if (is_truncated) {
			rules_err(e, loc, "list item '%.64s...' is too long", item);
			n_err++;
			continue;
		}
		if (item[0] == '@') {
			const char *rel = item + 1;
			char *path;

			while (is_blank(*rel))
				rel++;
			if (*rel == '\0') {
				rules_err(e, loc, "'@' needs a file name");
				n_err++;
				continue;
			}
			if (rel[0] == '/' || dir[0] == '\0')
				path = strdup(rel);
			else if (asprintf(&path, "%s/%s", dir, rel) < 0)
				path = NULL;
			if (path == NULL) {
				rules_err(e, loc, "out of memory");
				n_err++;
				continue;
			}
			n_err += read_list_file(e, loc, path, out, &cap);
			free(path);
			continue;
		}
		if (rules_parse_prefix(item, &p, why, sizeof(why)) < 0) {
			rules_err(e, loc, "%s", why);
			n_err++;
			continue;
		}
		if (push_prefix(out, &cap, &p) < 0) {
			rules_err(e, loc, "out of memory");
			n_err++;
		}
	}
	return n_err;
}
