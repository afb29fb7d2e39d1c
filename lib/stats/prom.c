/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text format 0.0.4 writer: HELP/TYPE once per family, escaping, name sanitising. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sw_prom.h"

static const char *const type_names[] = {
	[SW_PROM_COUNTER] = "counter",
	[SW_PROM_GAUGE] = "gauge",
	[SW_PROM_UNTYPED] = "untyped",
};

void
sw_prom_init_buf(struct sw_prom_writer *w, char *buf, size_t size)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = size;
	if (size > 0)
		buf[0] = '\0';
}

void
sw_prom_init_file(struct sw_prom_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/* Low level output: every byte goes through here. */
static void
put(struct sw_prom_writer *w, const char *s, size_t n)
{
	if (w->err != 0 && w->err != -ENOSPC)
		return;
	if (w->f != NULL) {
		if (fwrite(s, 1, n, w->f) != n)
			w->err = -EIO;
		else
			w->len += n;
		return;
	}
	if (w->err == 0) {
		size_t room = w->size > w->len ? w->size - w->len - 1 : 0;
		size_t k = n < room ? n : room;

		if (w->size > 0) {
			memcpy(w->buf + w->len, s, k);
			w->buf[w->len + k] = '\0';
		}
		if (k < n)
			w->err = -ENOSPC;
	}
	w->len += n;
}

static void
put_str(struct sw_prom_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
put_char(struct sw_prom_writer *w, char c)
{
	put(w, &c, 1);
}

static bool
name_char_ok(char c, bool allow_colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || (allow_colon && c == ':');
}

/* Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names: the same without ':'. */
static void
put_name(struct sw_prom_writer *w, const char *name, bool allow_colon)
{
	if (name == NULL || name[0] == '\0') {
		put_char(w, '_');
		return;
	}
	if (name[0] >= '0' && name[0] <= '9')
		put_char(w, '_');
	for (const char *p = name; *p != '\0'; p++)
		put_char(w, name_char_ok(*p, allow_colon) ? *p : '_');
}

/* HELP escapes \ and newline; label values also escape ". */
static void
put_escaped(struct sw_prom_writer *w, const char *s, bool is_label_value)
{
	const char *run = s;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		const char *esc = NULL;

		if (*p == '\\')
			esc = "\\\\";
		else if (*p == '\n')
			esc = "\\n";
		else if (*p == '"' && is_label_value)
			esc = "\\\"";
		if (esc == NULL)
			continue;
		put(w, run, (size_t)(p - run));
		put_str(w, esc);
		run = p + 1;
	}
	put(w, run, (size_t)(p - run));
}

/* FNV-1a step. */
static uint64_t
fnv_step(uint64_t h, char c)
{
	return (h ^ (uint8_t)c) * 0x100000001b3ULL;
}

/* FNV-1a over the name as put_name() writes it, so "a-b" and "a_b" are one family. */
static uint64_t
family_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	if (name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
		h = fnv_step(h, '_');
	for (const char *p = name; *p != '\0'; p++)
		h = fnv_step(h, name_char_ok(*p, true) ? *p : '_');
	return h != 0 ? h : 1;
}

static bool
writing_stopped(const struct sw_prom_writer *w)
{
	return w->err != 0 && w->err != -ENOSPC;
}

int
sw_prom_family(struct sw_prom_writer *w, const char *name, const char *help, enum sw_prom_type type)
{
	uint64_t h;

	if (writing_stopped(w))
		return w->err;
	if (name == NULL || (unsigned)type > SW_PROM_UNTYPED)
		return -EINVAL;
	h = family_hash(name);
	if (h == w->cur_family)
		return w->err;
	for (unsigned i = 0; i < w->nb_families; i++) {
		if (w->family_hash[i] == h) {
			w->err = -EEXIST;
			return w->err;
		}
	}
	/* Beyond the table, families are still written, just not checked for repeats. */
	if (w->nb_families < SW_PROM_MAX_FAMILIES)
		w->family_hash[w->nb_families++] = h;
	w->cur_family = h;

	if (help != NULL) {
		put_str(w, "# HELP ");
		put_name(w, name, true);
		put_char(w, ' ');
		put_escaped(w, help, false);
		put_char(w, '\n');
	}
	put_str(w, "# TYPE ");
	put_name(w, name, true);
	put_char(w, ' ');
	put_str(w, type_names[type]);
	put_char(w, '\n');
	return w->err;
}

static void
put_series(struct sw_prom_writer *w, const char *name, const char *const *labels)
{
	put_name(w, name, true);
	if (labels == NULL || labels[0] == NULL)
		return;
	put_char(w, '{');
	for (unsigned i = 0; labels[i] != NULL; i += 2) {
		if (i > 0)
			put_char(w, ',');
		put_name(w, labels[i], false);
		put_str(w, "=\"");
		/* An odd-length list: the last name gets an empty value. */
		if (labels[i + 1] == NULL) {
			put_char(w, '"');
			break;
		}
		put_escaped(w, labels[i + 1], true);
		put_char(w, '"');
	}
	put_char(w, '}');
}

int
sw_prom_sample(struct sw_prom_writer *w, const char *name, const char *const *labels, double value)
{
	char num[32];

	if (writing_stopped(w))
		return w->err;
	if (name == NULL)
		return -EINVAL;
	put_series(w, name, labels);
	if (isnan(value)) {
		snprintf(num, sizeof(num), " NaN\n");
	} else if (isinf(value)) {
		snprintf(num, sizeof(num), " %cInf\n", value > 0 ? '+' : '-');
	} else {
		/* Shortest of 15..17 significant digits that reads back exactly (0.1, not 0.1000..01). */
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(num, sizeof(num), " %.*g\n", prec, value);
			if (strtod(num, NULL) == value)
				break;
		}
	}
	put_str(w, num);
	return w->err;
}

int
sw_prom_sample_u64(
	struct sw_prom_writer *w, const char *name, const char *const *labels, uint64_t value)
{
	char num[32];

	if (writing_stopped(w))
		return w->err;
	if (name == NULL)
		return -EINVAL;
	put_series(w, name, labels);
	snprintf(num, sizeof(num), " %" PRIu64 "\n", value);
	put_str(w, num);
	return w->err;
}

int
sw_prom_finish(struct sw_prom_writer *w)
{
	if (w->f != NULL && w->err == 0 && fflush(w->f) != 0)
		w->err = -EIO;
	return w->err;
}

size_t
sw_prom_len(const struct sw_prom_writer *w)
{
	return w->len;
}

int
sw_prom_error(const struct sw_prom_writer *w)
{
	return w->err;
}
