/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer harness: arbitrary bytes as a config file (and an @l list) through sw_config_load. */

/*
 * The input is split at its first 0xff byte: what comes before is the config file, what comes
 * after is the file "l" next to it, so inputs can reach the @file list parser with "@l".
 * Invariants checked on every input (abort on violation, so the fuzzer reports them):
 *   - a snapshot is returned if and only if no error was reported;
 *   - the line scan and rte_cfgfile never disagree ("internal error");
 *   - a returned snapshot is consistent (service ids, port counts, prefix lengths).
 * Build: clang -fsanitize=fuzzer,address,undefined (see the lead's notes / tests/fuzz).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw_rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char cfg_path[96];
static char list_path[96];

static void
cleanup(void)
{
	unlink(cfg_path);
	unlink(list_path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_config_XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(cfg_path, sizeof(cfg_path), "%s/fuzz.ini", dir);
	snprintf(list_path, sizeof(list_path), "%s/l", dir);
	atexit(cleanup);
	return 0;
}

static void
write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

static void
check_snapshot(const struct sw_config *c)
{
	unsigned int i, j, w, bits;

	if (c->n_services > SW_CONFIG_SERVICES_MAX)
		abort();
	for (i = 0; i < c->n_services; i++) {
		const struct sw_config_service *s = &c->services[i];

		if (s->id != i + 1 || s->dst.n == 0 || s->n_ports == 0 || s->name[0] == '\0')
			abort();
		for (bits = 0, w = 0; w < SW_CONFIG_PORT_WORDS; w++)
			bits += (unsigned int)__builtin_popcountll(s->ports[w]);
		if (bits != s->n_ports || sw_config_service_has_port(s, 0))
			abort();
		for (j = 0; j < s->dst.n; j++)
			if (s->dst.v[j].depth > (s->dst.v[j].family == AF_INET ? 32 : 128))
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, 0xff, size);
	size_t cfg_size = cut != NULL ? (size_t)(cut - data) : size;
	struct sw_config_errors e = {0};
	struct sw_config *c;
	unsigned int i;

	write_file(cfg_path, data, cfg_size);
	write_file(list_path, cut != NULL ? cut + 1 : data, cut != NULL ? size - cfg_size - 1 : 0);
	c = sw_config_load(cfg_path, &e);
	if ((c != NULL) != (e.count == 0))
		abort();
	/* Messages quote user text: only a file-level message can be the real one. */
	for (i = 0; i < e.n_msgs; i++)
		if (strncmp(e.msgs[i], cfg_path, strlen(cfg_path)) == 0 &&
			strncmp(e.msgs[i] + strlen(cfg_path), ": internal error", 16) == 0) {
			fprintf(stderr, "%s\n", e.msgs[i]);
			abort();
		}
	if (c != NULL)
		check_snapshot(c);
	sw_config_free(c);
	sw_config_errors_free(&e);
	return 0;
}
