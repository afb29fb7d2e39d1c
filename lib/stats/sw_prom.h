/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition format 0.0.4 writer over a caller buffer or a FILE stream. */
#ifndef SW_PROM_H
#define SW_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Usage, one family at a time (the format wants a family's samples together):
 *
 *	struct sw_prom_writer w;
 *
 *	sw_prom_init_file(&w, out);
 *	sw_prom_family(&w, "synwall_rx_packets_total", "packets received", SW_PROM_COUNTER);
 *	sw_prom_sample_u64(&w, "synwall_rx_packets_total", SW_PROM_LABELS("port", "outside"), n);
 *	...
 *	return sw_prom_finish(&w);
 *
 * Produces
 *
 *	# HELP synwall_rx_packets_total packets received
 *	# TYPE synwall_rx_packets_total counter
 *	synwall_rx_packets_total{port="outside"} 42
 *
 * Metric and label names are sanitised to [a-zA-Z_:][a-zA-Z0-9_:]* and
 * [a-zA-Z_][a-zA-Z0-9_]* (other bytes become '_', a leading digit gets a '_'
 * prefix). HELP text escapes backslash and newline; label values escape
 * backslash, double quote and newline. Errors are sticky: every later call
 * returns the first one. After -EIO or -EEXIST nothing more is written; after
 * -ENOSPC the length keeps counting, so sw_prom_len() + 1 is the buffer size
 * that would have fitted.
 */

/*
 * Body renderer for an exporter (app/synwall/prom_http.c): writes the whole
 * exposition to out, typically through sw_prom_init_file(). Runs on the
 * exporter's thread and may read live per-worker counters racily. Returns 0,
 * or a negative errno to answer the scrape with an HTTP 500.
 */
typedef int (*sw_prom_render_t)(void *arg, FILE *out);

/* Family types this writer supports (no histogram/summary). */
enum sw_prom_type {
	SW_PROM_COUNTER,
	SW_PROM_GAUGE,
	SW_PROM_UNTYPED,
};

/* Families remembered to reject a family opened twice (a scrape-breaking error). */
#define SW_PROM_MAX_FAMILIES 256

/* A writer; on the caller's stack, used by one thread. */
struct sw_prom_writer {
	FILE *f; /* output stream, or NULL when writing to buf */
	char *buf; /* output buffer (NUL-terminated after every call when size > 0) */
	size_t size; /* buf size in bytes */
	size_t len; /* bytes produced so far (may exceed size - 1: see sw_prom_len()) */
	int err; /* first error: 0, -ENOSPC (buffer full), -EIO (stream), -EEXIST */
	unsigned nb_families; /* families opened so far */
	uint64_t family_hash[SW_PROM_MAX_FAMILIES]; /* FNV-1a of each opened family name */
	uint64_t cur_family; /* hash of the family being written (0: none) */
};

/* Label list for the sample functions: SW_PROM_LABELS("k1", v1, "k2", v2). */
#define SW_PROM_LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Write into buf[size]; like snprintf, output is truncated and -ENOSPC reported. */
void sw_prom_init_buf(struct sw_prom_writer *w, char *buf, size_t size);
/* Write to stream f. */
void sw_prom_init_file(struct sw_prom_writer *w, FILE *f);

/*
 * Open family name: emits "# HELP" (when help is not NULL) and "# TYPE". A
 * repeat call for the family being written is a no-op; reopening an earlier
 * family returns -EEXIST (Prometheus would reject the whole scrape).
 */
int sw_prom_family(
	struct sw_prom_writer *w, const char *name, const char *help, enum sw_prom_type type);

/*
 * One sample line. labels is NULL or a NULL-terminated list of name, value
 * pairs (SW_PROM_LABELS()). Doubles print with the fewest of 15..17
 * significant digits that read back exactly, NaN as NaN, infinities as
 * +Inf/-Inf (assumes the "C" LC_NUMERIC locale, the default unless the
 * program calls setlocale()). Returns 0 or the sticky error.
 */
int sw_prom_sample(
	struct sw_prom_writer *w, const char *name, const char *const *labels, double value);
/* Same with an exact 64-bit integer value (counters above 2^53 keep every digit). */
int sw_prom_sample_u64(
	struct sw_prom_writer *w, const char *name, const char *const *labels, uint64_t value);

/* Flush a stream writer; returns 0 or the sticky error. */
int sw_prom_finish(struct sw_prom_writer *w);
/* Bytes produced (excluding the NUL); with -ENOSPC, the bytes that would have been. */
size_t sw_prom_len(const struct sw_prom_writer *w);
/* Sticky error: 0, -ENOSPC, -EIO or -EEXIST. */
int sw_prom_error(const struct sw_prom_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* SW_PROM_H */
