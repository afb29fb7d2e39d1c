/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/rules: errors, line scan, value parsers and overlap check shared by config*.c. */
#ifndef RULES_INTERNAL_H
#define RULES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <rte_cfgfile.h>

#include "sw_rules.h"

/* Where an error is: printed as "file:line: [section] key: reason (via)". */
struct rules_loc {
	const char *file; /* path as shown to the user */
	unsigned int line; /* 1-based; 0 = whole file */
	const char *section; /* section name without brackets, or NULL */
	const char *key; /* key name, or NULL */
	const char *via_file; /* for @file lists: the config file that named the list, or NULL */
	unsigned int via_line;
};

/* Append one formatted error (or only count it once SW_CONFIG_ERRORS_MAX are stored). */
void rules_err(struct sw_config_errors *e, const struct rules_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Phase 1 value parsers. Each returns 0, or -1 with a reason written to why[len]. They check
 * syntax, type and unit only; key-specific ranges are phase 2's job (config.c).
 */
int rules_parse_u64(const char *s, uint64_t *out, char *why, size_t len);
int rules_parse_duration_ms(const char *s, uint64_t *ms, char *why, size_t len);
int rules_parse_prefix(const char *s, struct sw_config_prefix *p, char *why, size_t len);

/* Format "addr/depth" into buf (at least 64 bytes). */
const char *rules_prefix_str(const struct sw_config_prefix *p, char *buf, size_t len);

/*
 * Lists: parse "80, 443, 8000-8080" into a port bitmap, or "prefix, prefix, @file" into a
 * prefix array (appending). @file paths are relative to dir ("" = current directory).
 * Every bad item is reported through e at loc; the return value is the number of errors.
 */
unsigned int rules_parse_ports(struct sw_config_errors *e, const struct rules_loc *loc,
	const char *s, uint64_t *bitmap, uint32_t *n_ports);
unsigned int rules_parse_prefixes(struct sw_config_errors *e, const struct rules_loc *loc,
	const char *dir, const char *s, struct sw_config_prefixes *out);
/*
 * VLAN list "none, 10, 20-30" into a 4096-bit VID bitmap (bit SW_CONFIG_VLAN_UNTAGGED: none),
 * or "any" alone: every bit, *is_any set. VIDs are 1..4094. Returns the number of errors.
 */
unsigned int rules_parse_vlans(struct sw_config_errors *e, const struct rules_loc *loc,
	const char *s, uint64_t *bitmap, bool *is_any);

/* Line numbers of sections and keys, in the order rte_cfgfile stores them. */
struct rules_scan_key {
	unsigned int line;
	char name[CFG_NAME_LEN];
};

struct rules_scan_sec {
	unsigned int line;
	char name[CFG_NAME_LEN];
	unsigned int n, cap;
	struct rules_scan_key *keys;
};

struct rules_scan {
	unsigned int n, cap;
	struct rules_scan_sec *secs;
};

/*
 * Our own pass over the config text, mirroring rte_cfgfile's grammar: records the line of every
 * section and key, and reports as errors (with lines) whatever rte_cfgfile would skip, truncate
 * or refuse silently. Returns the number of errors; the file is not worth loading if > 0.
 */
unsigned int rules_scan_file(const char *path, struct rules_scan *sc, struct sw_config_errors *e);

/*
 * fopen(path, "r") of a regular file only, without blocking on the way: a
 * FIFO (or a device) is refused before anything waits for a writer. NULL
 * with errno set (EINVAL: not a regular file); *st filled on success.
 */
FILE *rules_fopen_regular(const char *path, struct stat *st);
void rules_scan_free(struct rules_scan *sc);

/* What the overlap check needs to know about each service besides the snapshot. */
struct rules_svc_ref {
	bool is_ok; /* dst, ports, action and vlan parsed cleanly: take part in the check */
	const char *section; /* "service NAME" as written */
	unsigned int dst_line; /* line of its dst key */
};

/*
 * Phase 2 cross-service rule: two services whose dst prefixes nest (or are equal) and whose
 * port sets and VLAN sets intersect must have the same action, and may not share an
 * identical prefix.
 * refs has c->n_services entries. Reports through e; returns the number of errors.
 */
unsigned int rules_check_overlaps(struct sw_config_errors *e, const char *path,
	const struct sw_config *c, const struct rules_svc_ref *refs);

#endif /* RULES_INTERNAL_H */
