/* SPDX-License-Identifier: BSD-3-Clause */
/* Line scan of a config file: line numbers for rte_cfgfile's sections and keys, syntax errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_internal.h"

/*
 * The config file proper (prefix lists have their own line reader): rte_cfgfile
 * keeps about 320 bytes per key, so 16 MiB of one-key lines took 2.9 GB. 1 MiB
 * is tens of thousands of lines; long lists belong in @files.
 */
#define FILE_SIZE_MAX (1 << 20)
/* rte_cfgfile reads lines with fgets into CFG_NAME_LEN + CFG_VALUE_LEN + 4 bytes. */
#define LINE_LEN_MAX (CFG_NAME_LEN + CFG_VALUE_LEN + 2)

struct scan_ctx {
	const char *path;
	struct sw_config_errors *errs;
	struct rules_scan *scan;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct rules_loc
loc_at(const struct scan_ctx *sx, unsigned int line, const char *section, const char *key)
{
	struct rules_loc l = {.file = sx->path, .line = line, .section = section, .key = key};

	return l;
}

/* Copy s[0..n) into a CFG_NAME_LEN buffer with blanks trimmed; -1 if it does not fit. */
static int
trim_copy(char *dst, const char *s, size_t n)
{
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n >= CFG_NAME_LEN)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
scan_add_section(struct rules_scan *sc, unsigned int line, const char *name)
{
	struct rules_scan_sec *s;

	if (sc->n == sc->cap) {
		unsigned int cap = sc->cap ? sc->cap * 2 : 8;
		struct rules_scan_sec *v = realloc(sc->secs, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		sc->secs = v;
		sc->cap = cap;
	}
	s = &sc->secs[sc->n++];
	memset(s, 0, sizeof(*s));
	s->line = line;
	strcpy(s->name, name);
	return 0;
}

static int
scan_add_key(struct rules_scan_sec *s, unsigned int line, const char *name)
{
	if (s->n == s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 16;
		struct rules_scan_key *v = realloc(s->keys, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->keys = v;
		s->cap = cap;
	}
	s->keys[s->n].line = line;
	strcpy(s->keys[s->n].name, name);
	s->n++;
	return 0;
}

/* One line of text (without '\n'); see the pipeline comment at the top. */
static void
scan_line(struct scan_ctx *sx, unsigned int lineno, const char *line, size_t len)
{
	struct rules_scan_sec *cur = sx->scan->n ? &sx->scan->secs[sx->scan->n - 1] : NULL;
	struct rules_loc loc = loc_at(sx, lineno, cur != NULL ? cur->name : NULL, NULL);
	const char *semi, *eq, *b, *e;
	char name[CFG_NAME_LEN];
	size_t i, vlen;

	if (len > LINE_LEN_MAX) {
		rules_err(sx->errs, &loc, "line too long (%zu characters, max %d)", len,
			LINE_LEN_MAX);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			rules_err(sx->errs, &loc, "control character 0x%02x at column %zu", ch,
				i + 1);
			return;
		}
	}
	semi = memchr(line, ';', len);
	if (semi != NULL)
		len = (size_t)(semi - line);
	if (memchr(line, '\\', len) != NULL) {
		rules_err(sx->errs, &loc, "'\\' is not supported outside comments");
		return;
	}
	b = line;
	e = line + len;
	while (b < e && is_blank(*b))
		b++;
	while (e > b && is_blank(e[-1]))
		e--;
	if (b == e)
		return;

	if (*b == '[') {
		const char *close = memchr(b, ']', (size_t)(e - b));

		if (close == NULL) {
			rules_err(sx->errs, &loc, "section header without closing ']'");
			return;
		}
		if (close + 1 != e) {
			rules_err(sx->errs, &loc, "unexpected text after ']'");
			return;
		}
		if (trim_copy(name, b + 1, (size_t)(close - b - 1)) < 0) {
			rules_err(sx->errs, &loc, "section name too long (max %d characters)",
				CFG_NAME_LEN - 1);
			return;
		}
		if (name[0] == '\0') {
			rules_err(sx->errs, &loc, "empty section name");
			return;
		}
		if (scan_add_section(sx->scan, lineno, name) < 0)
			rules_err(sx->errs, &loc, "out of memory");
		return;
	}

	eq = memchr(b, '=', (size_t)(e - b));
	if (eq == NULL) {
		rules_err(sx->errs, &loc,
			"expected '[section]' or 'key = value' (comments start with ';')");
		return;
	}
	if (trim_copy(name, b, (size_t)(eq - b)) < 0) {
		rules_err(
			sx->errs, &loc, "key name too long (max %d characters)", CFG_NAME_LEN - 1);
		return;
	}
	if (name[0] == '\0') {
		rules_err(sx->errs, &loc, "missing key name before '='");
		return;
	}
	loc.key = name;
	for (b = eq + 1; b < e && is_blank(*b); b++)
		;
	vlen = (size_t)(e - b);
	if (vlen == 0) {
		rules_err(sx->errs, &loc, "empty value");
		return;
	}
	if (vlen >= CFG_VALUE_LEN) {
		rules_err(sx->errs, &loc,
			"value too long (%zu characters, max %d; put long prefix lists in an "
			"@file)",
			vlen, CFG_VALUE_LEN - 1);
		return;
	}
	if (cur == NULL) {
		rules_err(sx->errs, &loc, "key outside any [section]");
		return;
	}
	if (scan_add_key(cur, lineno, name) < 0)
		rules_err(sx->errs, &loc, "out of memory");
}

FILE *
rules_fopen_regular(const char *path, struct stat *st)
{
	/* O_NONBLOCK: open() of a FIFO without a writer returns instead of waiting. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), err;
	FILE *f = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, st) < 0)
		err = errno;
	else if (!S_ISREG(st->st_mode))
		err = EINVAL;
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		err = errno;
	else if ((f = fdopen(fd, "r")) == NULL)
		err = errno;
	else
		return f;
	close(fd);
	errno = err;
	return NULL;
}

/* Read the whole file and scan it; returns the number of errors (or 1 if unreadable). */
unsigned int
rules_scan_file(const char *path, struct rules_scan *sc, struct sw_config_errors *e)
{
	struct scan_ctx ctx = {.path = path, .errs = e, .scan = sc};
	struct scan_ctx *sx = &ctx;
	struct rules_loc loc = loc_at(sx, 0, NULL, NULL);
	unsigned int before = sx->errs->count, lineno = 0;
	size_t size = 0, off = 0;
	struct stat st;
	char *text;
	FILE *f;

	/* rte_cfgfile reads the file again: it must be a plain, finite file. */
	f = rules_fopen_regular(sx->path, &st);
	if (f == NULL) {
		if (errno == EINVAL)
			rules_err(sx->errs, &loc, "not a regular file");
		else
			rules_err(sx->errs, &loc, "cannot open: %s", strerror(errno));
		return 1;
	}
	if (st.st_size > FILE_SIZE_MAX) {
		rules_err(sx->errs, &loc, "file too large (max 1 MiB; long lists go in @files)");
		fclose(f);
		return 1;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		rules_err(sx->errs, &loc, "out of memory");
		fclose(f);
		return 1;
	}
	size = fread(text, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || size > (size_t)st.st_size) {
		rules_err(
			sx->errs, &loc, "%s", ferror(f) ? "read error" : "file changed while read");
		free(text);
		fclose(f);
		return 1;
	}
	fclose(f);
	while (off < size) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - text - off) : size - off;

		scan_line(sx, ++lineno, text + off, len);
		off += len + 1;
	}
	free(text);
	return sx->errs->count - before;
}

void
rules_scan_free(struct rules_scan *sc)
{
	unsigned int i;

	for (i = 0; i < sc->n; i++)
		free(sc->secs[i].keys);
	free(sc->secs);
	memset(sc, 0, sizeof(*sc));
}
