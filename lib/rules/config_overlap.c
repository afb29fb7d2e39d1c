/* SPDX-License-Identifier: BSD-3-Clause */
/* Phase 2 check that services sharing destinations and ports agree on what to do with them. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rules_internal.h"

/* One dst prefix of one service. */
struct ov_item {
	struct sw_config_prefix p;
	uint16_t svc; /* index into c->services */
};

/* Per service pair: has the pair been looked at / reported. */
#define PAIR_KNOWN 0x1 /* PAIR_SHARED is computed */
#define PAIR_SHARED 0x2 /* the two services have a port and a VLAN in common */
#define PAIR_REPORTED 0x4

struct ov_ctx {
	struct sw_config_errors *e;
	const char *path;
	const struct sw_config *c;
	const struct rules_svc_ref *refs;
	uint8_t (*pair)[SW_CONFIG_SERVICES_MAX]; /* [lo][hi] PAIR_* flags */
	unsigned int n_err;
};

static int
ov_cmp(const void *a, const void *b)
{
	const struct ov_item *x = a, *y = b;
	int r;

	if (x->p.family != y->p.family)
		return x->p.family < y->p.family ? -1 : 1;
	r = memcmp(x->p.addr, y->p.addr, sizeof(x->p.addr));
	if (r != 0)
		return r;
	if (x->p.depth != y->p.depth)
		return x->p.depth < y->p.depth ? -1 : 1;
	return (int)x->svc - (int)y->svc;
}

/* a contains b (or equals it). */
static bool
contains(const struct sw_config_prefix *a, const struct sw_config_prefix *b)
{
	unsigned int full = a->depth / 8, rest = a->depth % 8;

	if (a->family != b->family || a->depth > b->depth)
		return false;
	if (memcmp(a->addr, b->addr, full) != 0)
		return false;
	return rest == 0 || ((a->addr[full] ^ b->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* First port both services hold, or -1. */
static int
shared_port(const struct sw_config_service *a, const struct sw_config_service *b)
{
	unsigned int w;

	for (w = 0; w < SW_CONFIG_PORT_WORDS; w++) {
		uint64_t both = a->ports[w] & b->ports[w];

		if (both != 0)
			return (int)(w * 64 + (unsigned int)__builtin_ctzll(both));
	}
	return -1;
}

/* First VID both services match (SW_CONFIG_VLAN_UNTAGGED: untagged frames), or -1. */
static int
shared_vlan(const struct sw_config_service *a, const struct sw_config_service *b)
{
	unsigned int w;

	for (w = 0; w < SW_CONFIG_VLAN_WORDS; w++) {
		uint64_t both = a->vlans[w] & b->vlans[w];

		if (both != 0)
			return (int)(w * 64 + (unsigned int)__builtin_ctzll(both));
	}
	return -1;
}

/* outer (service t) contains or equals inner (service s), t != s. */
static void
check_pair(struct ov_ctx *x, const struct ov_item *outer, const struct ov_item *inner)
{
	static const char *const action[] = {"proxy", "pass", "drop"};
	unsigned int lo = RTE_MIN(outer->svc, inner->svc), hi = RTE_MAX(outer->svc, inner->svc);
	const struct sw_config_service *so = &x->c->services[outer->svc];
	const struct sw_config_service *si = &x->c->services[inner->svc];
	const struct ov_item *later = outer->svc == hi ? outer : inner;
	const struct ov_item *earlier = outer->svc == hi ? inner : outer;
	const struct sw_config_service *sl = &x->c->services[later->svc];
	const struct sw_config_service *se = &x->c->services[earlier->svc];
	struct rules_loc loc = {
		.file = x->path,
		.line = x->refs[hi].dst_line,
		.section = x->refs[hi].section,
		.key = "dst",
	};
	uint8_t *f = &x->pair[lo][hi];
	bool has_vlans = so->has_vlans || si->has_vlans;
	char pl[80], pe[80], in_vlan[32] = "", and_vlan[32] = "";
	int port, vid;

	if (*f & PAIR_REPORTED)
		return;
	if (!(*f & PAIR_KNOWN))
		*f |= PAIR_KNOWN |
			(shared_port(so, si) >= 0 && shared_vlan(so, si) >= 0 ? PAIR_SHARED : 0);
	if (!(*f & PAIR_SHARED))
		return;
	port = shared_port(so, si);
	vid = shared_vlan(so, si);
	if (has_vlans && vid == SW_CONFIG_VLAN_UNTAGGED) {
		snprintf(in_vlan, sizeof(in_vlan), " for untagged frames");
		snprintf(and_vlan, sizeof(and_vlan), " and untagged frames");
	} else if (has_vlans) {
		snprintf(in_vlan, sizeof(in_vlan), " in VLAN %d", vid);
		snprintf(and_vlan, sizeof(and_vlan), " and VLAN %d", vid);
	}
	rules_prefix_str(&later->p, pl, sizeof(pl));
	rules_prefix_str(&earlier->p, pe, sizeof(pe));
	if (so->action != si->action) {
		rules_err(x->e, &loc,
			"%s of service '%s' overlaps %s of service '%s' (line %u) on port %d%s "
			"with a different action (%s vs %s)",
			pl, sl->name, pe, se->name, x->refs[lo].dst_line, port, in_vlan,
			action[sl->action], action[se->action]);
	} else if (outer->p.depth == inner->p.depth) {
		rules_err(x->e, &loc,
			"%s is also a dst of service '%s' (line %u) and both have port %d%s: "
			"ambiguous (use disjoint ports%s or a more specific prefix)",
			pl, se->name, x->refs[lo].dst_line, port, and_vlan,
			has_vlans ? ", disjoint VLANs" : "");
	} else {
		return; /* nested, same action: the most specific prefix wins */
	}
	*f |= PAIR_REPORTED;
	x->n_err++;
}

unsigned int
rules_check_overlaps(struct sw_config_errors *e, const char *path, const struct sw_config *c,
	const struct rules_svc_ref *refs)
{
	struct ov_ctx x = {.e = e, .path = path, .c = c, .refs = refs};
	struct ov_item *items = NULL;
	size_t n = 0, total = 0, i, j, sp = 0, *stack = NULL;

	for (i = 0; i < c->n_services; i++)
		if (refs[i].is_ok)
			total += c->services[i].dst.n;
	if (total == 0)
		return 0;
	items = malloc(total * sizeof(*items));
	stack = malloc(total * sizeof(*stack));
	x.pair = calloc(SW_CONFIG_SERVICES_MAX, sizeof(*x.pair));
	if (items == NULL || stack == NULL || x.pair == NULL) {
		struct rules_loc loc = {.file = path};

		rules_err(e, &loc, "out of memory");
		x.n_err++;
		goto out;
	}
	for (i = 0; i < c->n_services; i++) {
		if (!refs[i].is_ok)
			continue;
		for (j = 0; j < c->services[i].dst.n; j++) {
			items[n].p = c->services[i].dst.v[j];
			items[n].svc = (uint16_t)i;
			n++;
		}
	}
	qsort(items, n, sizeof(*items), ov_cmp);

	/*
	 * Sorted by address then length, a prefix's containing prefixes come before it and are
	 * exactly what remains on the stack once non-containing ones are popped.
	 */
	for (i = 0; i < n; i++) {
		if (i > 0 && ov_cmp(&items[i - 1], &items[i]) == 0)
			continue;
		while (sp > 0 && !contains(&items[stack[sp - 1]].p, &items[i].p))
			sp--;
		for (j = 0; j < sp; j++)
			if (items[stack[j]].svc != items[i].svc)
				check_pair(&x, &items[stack[j]], &items[i]);
		stack[sp++] = i;
	}
out:
	free(x.pair);
	free(stack);
	free(items);
	return x.n_err;
}
