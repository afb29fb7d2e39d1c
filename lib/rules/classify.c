/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-packet classification: one longest-prefix table per family, then service and source sets. */

/*
 * All prefixes of the snapshot (service dst, global and per-service allow/deny) go into ONE
 * IPv4 table and ONE IPv6 table; each costs 16 to 64 MiB of tbl24, so one per list would not
 * scale. IPv6 uses rte_lpm6, with its /128s in a hash table beside it (struct host6). IPv4
 * uses rte_fib (DIR24_8), the same DIR-24-8 lookup as rte_lpm: rte_lpm_add looks for a free
 * tbl8 group by scanning all of them, so building 100,000 scattered /32s took 35 s (300,000:
 * 390 s); rte_fib keeps routes in an rte_rib tree and free groups in a bitmap (100,000: well
 * under a second), and its 1- or 2-byte next hops cut tbl24 to 16 or 32 MiB when classes and
 * tbl8 groups are few.
 *
 * The next hop of a prefix P is a "class" describing every list entry that contains P, not
 * only P's own:
 *   chain  the services whose dst contains P, most specific first;
 *   set    a bitmap of the source lists (global allow/deny, per-service allow/deny) holding
 *          P or a prefix containing P.
 * For an address A, the longest match P is the most specific inserted prefix containing A,
 * and every other inserted prefix containing A contains P, so P's class is exactly what A
 * matches. Classes are interned (deduplicated), so 100,000 deny /32s make one class.
 * Per packet: one lookup for dst (-> chain), one for src (-> set), then walk the chain for
 * the first service holding the port and the VLAN (the chain is as long as dst prefixes nest,
 * plus services sharing a prefix on disjoint ports or VLANs, usually 1), then the precedence
 * in sw_rules.h. The cost does not depend on the number of prefixes.
 *
 * Small configs (at most SMALL_MAX distinct prefixes in a family, as most deployments: a few
 * service networks, no big lists) skip the LPM of that family: the prefixes sit in a short
 * array sorted longest first, and the first one containing the address is its longest match,
 * so it has the same class the LPM would return (two prefixes of one length that both contain
 * an address are equal). A few masked compares cost less than building the lookup arrays and
 * calling rte_fib (~25 instructions) or rte_lpm6, and save the LPM's 16+ MiB. When neither
 * family needs an LPM, classification is one pass per packet with no intermediate arrays, and
 * each table entry carries what its class decides (struct small_hit): when that depends on the
 * port alone, as it does for a prefix of one service without a vlan key, a packet costs a
 * masked compare and one port bit, no class, chain or VLAN lookup; without source lists (the
 * PATH_SMALL* paths) the source is not looked up at all.
 *
 * Services are numbered by their index in the snapshot inside the classifier (chains, set
 * bits); ids[] turns an index into the sw_config_service.id reported, which the runtime may
 * have reassigned (ids stay stable across reloads, positions do not).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_hash_crc.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "sw_rules.h"

#define CLASS_MAX (1u << 21) /* rte_lpm6 next hops are 21 bits wide */
#define BURST 32
#define SMALL_MAX 8 /* distinct prefixes of a family kept in a linear table, not an LPM */
#define TAG_SRC 0x80000000u /* tag: source list bit; otherwise a service index (dst) */
#define LIST_ALLOW 0 /* set bits: global allow, global deny, then per service i: */
#define LIST_DENY 1 /*   2 + 2i allow, 3 + 2i deny */

/* Everything a class points at. */
struct class_entry {
	uint32_t chain_off; /* first entry in chains[] */
	uint32_t chain_len; /* services whose dst contains the prefix, most specific first */
	uint32_t set_off; /* first word in sets[]; the empty set is at 0 */
};

/*
 * What a small-table entry decides, worked out at build time from its class (small_finish)
 * so that a packet usually needs neither classes[] nor chains[] nor the VLAN bitmap: with at
 * most one service on the chain and that service in every VLAN, the verdict depends on the
 * port alone, one bit picking res[0] or res[1]. Anything else (several services, a vlan key,
 * a source in a list) takes the general verdict() from cls.
 */
struct small_hit {
	const uint64_t *ports; /* port bitmap of the chain's service; any bitmap when none */
	uint32_t res[2]; /* service id | action << 16, port not in / in ports (when is_one) */
	uint32_t cls;
	bool is_one; /* chain of no service, or of one service matching every VLAN */
	bool is_no_src; /* empty source set: as a source, the address is in no list */
};

/*
 * A family's prefixes when they are few, longest first: the first match is the longest.
 * Entry n is the miss: class 0, and mask 0 and net 0, which every address matches, so the
 * IPv4 scan stops on it with no bound check (a miss is one more compare). Addresses stay in
 * network order (a masked compare holds in any byte order): the scan does not byte-swap.
 * Each entry holds its small_hit, first, so a match is the address of what it decides.
 */
struct small4 {
	uint32_t n;
	struct {
		struct small_hit hit;
		uint32_t net; /* network order, host bits zero */
		uint32_t mask;
	} e[SMALL_MAX + 1];
};

struct small6 {
	uint32_t n;
	struct {
		struct small_hit hit;
		uint64_t net[2]; /* the address bytes as two words (masked alike) */
		uint64_t mask[2];
	} e[SMALL_MAX + 1];
};

/*
 * IPv6 /128 prefixes beside rte_lpm6 (which gives each one 13 tbl8 groups of 1 KiB: 100,000
 * host prefixes took 1.3 GiB): an open-addressing table of the addresses, at most half full,
 * probed linearly. A /128 is the longest match of the one address it holds, so its class
 * overrides what the LPM returns for that address. Its keys come from the config, never
 * from packets, so their clusters are fixed when it is built.
 */
struct host6_entry {
	uint64_t a[2]; /* the address as two words */
	uint32_t cls1; /* class + 1; 0: empty slot */
};

struct host6 {
	struct host6_entry *e; /* NULL: no /128 in the LPM path */
	uint32_t mask; /* slots - 1 */
};

/* How a call goes about its packets, chosen at build time (sw_classifier.path). */
enum class_path {
	PATH_LPM = 0, /* an LPM in either family: stage the addresses, look them up in bulk */
	PATH_SMALL_SRC, /* linear tables, source lists: the source is matched too */
	PATH_SMALL, /* linear tables, no source list */
	PATH_SMALL_ONE, /* the same, every entry is_one: res[] is the verdict, nothing to test */
};

struct sw_classifier {
	struct rte_fib *fib4; /* NULL if the snapshot has no IPv4 prefix or they are in small4 */
	struct rte_lpm6 *lpm6; /* NULL if the snapshot has no IPv6 prefix or they are in small6 */
	struct host6 host6; /* the /128s when lpm6 is used: they are not in it */
	struct small4 small4; /* IPv4 prefixes when fib4 is NULL (n = 0: none) */
	struct small6 small6; /* IPv6 prefixes when lpm6 is NULL */
	struct class_entry *classes; /* class 0: no chain, empty set (lookup miss) */
	uint16_t *chains; /* service indexes (id - 1) */
	uint64_t *sets; /* n_sets * set_words */
	uint64_t (*ports)[SW_CONFIG_PORT_WORDS]; /* per service index; bit: port as carried */
	uint64_t (*vlans)[SW_CONFIG_VLAN_WORDS]; /* per service index; bit 0: untagged */
	uint32_t set_words;
	uint16_t n_services;
	bool has_src_lists; /* any allow/deny prefix: src lookups needed */
	uint8_t path; /* enum class_path */
	uint8_t no_service; /* SW_CLASS_BRIDGE or SW_CLASS_DROP_DEFAULT */
	uint8_t svc_verdict[SW_CONFIG_SERVICES_MAX]; /* per service index */
	uint16_t ids[SW_CONFIG_SERVICES_MAX]; /* per service index: sw_config_service.id */
};

/* Build-time content-addressed store of uint32 arrays; ids are dense from 0. */
struct intern {
	uint32_t *pool;
	size_t pool_n, pool_cap;
	uint32_t *off, *len; /* per id */
	uint32_t n, cap;
	uint32_t *slots; /* id + 1, 0 = free */
	uint32_t mask;
};

static uint32_t
hash_words(const uint32_t *d, uint32_t n)
{
	uint32_t h = 2166136261u, i;

	for (i = 0; i < n; i++)
		h = (h ^ d[i]) * 16777619u;
	return h ^ n;
}

static int
intern_grow(struct intern *t)
{
	uint32_t nmask = t->mask ? t->mask * 2 + 1 : 255, i;
	uint32_t *ns = calloc((size_t)nmask + 1, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		uint32_t h = hash_words(t->pool + t->off[i], t->len[i]) & nmask;

		while (ns[h] != 0)
			h = (h + 1) & nmask;
		ns[h] = i + 1;
	}
	free(t->slots);
	t->slots = ns;
	t->mask = nmask;
	return 0;
}

/* Id of data[0..n), adding it if new; -1 on ENOMEM. */
static int64_t
intern_get(struct intern *t, const uint32_t *d, uint32_t n)
{
	uint32_t h, id;

	if ((t->n + 1) * 2 > t->mask && intern_grow(t) < 0)
		return -1;
	for (h = hash_words(d, n) & t->mask; t->slots[h] != 0; h = (h + 1) & t->mask) {
		id = t->slots[h] - 1;
		if (t->len[id] == n &&
			(n == 0 || memcmp(t->pool + t->off[id], d, n * sizeof(*d)) == 0))
			return id;
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		uint32_t *o = realloc(t->off, cap * sizeof(*o));

		if (o == NULL)
			return -1;
		t->off = o;
		o = realloc(t->len, cap * sizeof(*o));
		if (o == NULL)
			return -1;
		t->len = o;
		t->cap = cap;
	}
	if (t->pool_n + n > t->pool_cap) {
		size_t cap = RTE_MAX(t->pool_cap * 2, t->pool_n + n + 256);
		uint32_t *p = realloc(t->pool, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		t->pool = p;
		t->pool_cap = cap;
	}
	if (n > 0)
		memcpy(t->pool + t->pool_n, d, n * sizeof(*d));
	id = t->n++;
	t->off[id] = (uint32_t)t->pool_n;
	t->len[id] = n;
	t->pool_n += n;
	t->slots[h] = id + 1;
	return id;
}

static void
intern_free(struct intern *t)
{
	free(t->pool);
	free(t->off);
	free(t->len);
	free(t->slots);
}

/* One (prefix, tag) pair; equal prefixes make one LPM rule. */
struct item {
	uint8_t addr[16];
	uint8_t depth;
	uint32_t tag;
};

struct build {
	const struct sw_config *c;
	unsigned int flags; /* SW_CLASS_BUILD_* */
	struct sw_classifier *cl;
	struct item *items[2]; /* [0] IPv4, [1] IPv6 */
	size_t n_items[2], cap_items[2];
	struct intern chains, sets, classes;
	uint32_t *scratch; /* chain or set being built: max(services, set words * 2) */
};

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int r = memcmp(x->addr, y->addr, sizeof(x->addr));

	if (r != 0)
		return r;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->tag < y->tag ? -1 : x->tag > y->tag;
}

static int
add_list(struct build *b, const struct sw_config_prefixes *l, uint32_t tag)
{
	uint32_t i;

	for (i = 0; i < l->n; i++) {
		int f = l->v[i].family == AF_INET6;
		struct item *it;

		if (b->n_items[f] == b->cap_items[f]) {
			size_t cap = b->cap_items[f] ? b->cap_items[f] * 2 : 256;
			struct item *v = realloc(b->items[f], cap * sizeof(*v));

			if (v == NULL)
				return -ENOMEM;
			b->items[f] = v;
			b->cap_items[f] = cap;
		}
		it = &b->items[f][b->n_items[f]++];
		memcpy(it->addr, l->v[i].addr, sizeof(it->addr));
		it->depth = l->v[i].depth;
		it->tag = tag;
	}
	return 0;
}

static bool
contains(const struct item *a, const struct item *p)
{
	unsigned int full = a->depth / 8, rest = a->depth % 8;

	if (a->depth > p->depth || memcmp(a->addr, p->addr, full) != 0)
		return false;
	return rest == 0 || ((a->addr[full] ^ p->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/*
 * tbl8 groups the distinct prefixes need (both LPMs use 8-bit groups after a 24-bit table);
 * IPv6 /128s need none: they go to the host table.
 */
static uint32_t
tbl8_needed(const struct item *it, const size_t *first, size_t n_nodes)
{
	uint8_t last[16][16];
	bool seen[16] = {false};
	uint32_t groups = 0;
	size_t k;

	for (k = 0; k < n_nodes; k++) {
		const struct item *p = &it[first[k]];
		unsigned int levels = p->depth == 128 ? 0 : (p->depth + 7u) / 8, l;

		for (l = 3; l < levels; l++) {
			if (seen[l] && memcmp(last[l], p->addr, l) == 0)
				continue;
			memcpy(last[l], p->addr, l);
			seen[l] = true;
			groups++;
		}
	}
	return groups;
}

static int
table_add(struct build *b, int f, const uint8_t *addr, uint8_t depth, uint32_t cls)
{
	if (f == 0) {
		uint32_t ip;

		memcpy(&ip, addr, sizeof(ip));
		return rte_fib_add(b->cl->fib4, rte_be_to_cpu_32(ip), depth, cls);
	}
	return rte_lpm6_add(b->cl->lpm6, addr, depth, cls);
}

static inline uint32_t
host6_hash(uint64_t a0, uint64_t a1)
{
	return rte_hash_crc_8byte(a1, rte_hash_crc_8byte(a0, 0));
}

/* Room for n /128s, at most half full. 0 or -ENOMEM. */
static int
host6_create(struct host6 *h, uint32_t n, int socket_id)
{
	uint32_t slots = rte_align32pow2(2 * n);

	h->e = rte_zmalloc_socket(
		"sw_class_host6", (size_t)slots * sizeof(*h->e), RTE_CACHE_LINE_SIZE, socket_id);
	h->mask = slots - 1;
	return h->e == NULL ? -ENOMEM : 0;
}

/* Each address once (the build's nodes are distinct). */
static void
host6_put(struct host6 *h, const uint8_t *addr, uint32_t cls)
{
	uint64_t a[2];
	uint32_t i;

	memcpy(a, addr, sizeof(a));
	for (i = host6_hash(a[0], a[1]) & h->mask; h->e[i].cls1 != 0; i = (i + 1) & h->mask)
		;
	h->e[i].a[0] = a[0];
	h->e[i].a[1] = a[1];
	h->e[i].cls1 = cls + 1;
}

/* The class + 1 of addr's /128, 0 when it has none. */
static inline uint32_t
host6_get(const struct host6 *h, const uint8_t *addr)
{
	uint64_t a[2];
	uint32_t i;

	memcpy(a, addr, sizeof(a));
	for (i = host6_hash(a[0], a[1]) & h->mask; h->e[i].cls1 != 0; i = (i + 1) & h->mask)
		if (h->e[i].a[0] == a[0] && h->e[i].a[1] == a[1])
			return h->e[i].cls1;
	return 0;
}

/*
 * rules: distinct prefixes; tbl8s: groups they need; max_cls: largest class they use;
 * def_cls: the class of 0.0.0.0/0 (IPv4 misses return it; IPv6 /0 is added as two /1s).
 */
static int
table_create(struct build *b, int f, uint32_t rules, uint32_t tbl8s, uint32_t max_cls,
	uint32_t def_cls, int socket_id)
{
	static uint32_t seq; /* table names are global to the process */
	uint32_t n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	/* Margin of 16 groups: tbl8s must not be 0, and the slack costs 16 KiB at most. */
	uint32_t groups = tbl8s + 16, widest = RTE_MAX(max_cls, groups);
	struct rte_lpm6_config cfg6 = {.max_rules = RTE_MAX(rules, 64u), .number_tbl8s = groups};
	struct rte_fib_conf cfg4 = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = def_cls,
		.max_routes = (int)RTE_MAX(rules, 64u),
		.dir24_8 =
			{
				/* A DIR24_8 entry holds a next hop or a tbl8 index, less one flag bit. */
				.nh_sz = widest < (1u << 7)   ? RTE_FIB_DIR24_8_1B
					: widest < (1u << 15) ? RTE_FIB_DIR24_8_2B
							      : RTE_FIB_DIR24_8_4B,
				.num_tbl8 = groups,
			},
	};
	char name[RTE_LPM6_NAMESIZE];

	snprintf(name, sizeof(name), "swcl%d_%u", f ? 6 : 4, n);
	if (f == 0) {
		b->cl->fib4 = rte_fib_create(name, socket_id, &cfg4);
		return b->cl->fib4 == NULL ? -rte_errno : 0;
	}
	b->cl->lpm6 = rte_lpm6_create(name, socket_id, &cfg6);
	return b->cl->lpm6 == NULL ? -rte_errno : 0;
}

/* Chain of a node: its own services, then its parent's, without repeats. */
static int64_t
node_chain(struct build *b, const struct item *it, size_t n, int64_t parent)
{
	uint32_t len = 0, i, j;
	size_t k;

	for (k = 0; k < n; k++) {
		if (it[k].tag & TAG_SRC)
			continue;
		if (len == 0 || b->scratch[len - 1] != it[k].tag)
			b->scratch[len++] = it[k].tag; /* tags sorted: repeats are adjacent */
	}
	if (parent > 0) {
		const uint32_t *pc = b->chains.pool + b->chains.off[parent];
		uint32_t pl = b->chains.len[parent], own = len;

		for (i = 0; i < pl; i++) {
			for (j = 0; j < own && b->scratch[j] != pc[i]; j++)
				;
			if (j == own)
				b->scratch[len++] = pc[i];
		}
	}
	return intern_get(&b->chains, b->scratch, len);
}

/* Source-list set of a node: its own lists OR its parent's. */
static int64_t
node_set(struct build *b, const struct item *it, size_t n, int64_t parent)
{
	uint32_t words = b->cl->set_words * 2, i;
	size_t k;

	if (parent >= 0)
		memcpy(b->scratch, b->sets.pool + b->sets.off[parent], words * sizeof(uint32_t));
	else
		memset(b->scratch, 0, words * sizeof(uint32_t));
	for (k = 0; k < n; k++) {
		if (!(it[k].tag & TAG_SRC))
			continue;
		i = it[k].tag & ~TAG_SRC;
		b->scratch[i / 32] |= 1u << (i % 32);
	}
	return intern_get(&b->sets, b->scratch, words);
}

/*
 * Put a family's n_nodes prefixes, with their classes, into its small table, longest first.
 * Entries past n stay zeroed (rte_zmalloc): entry n is the sentinel, mask 0 and class 0.
 */
static void
small_fill(struct build *b, int f, const struct item *it, const size_t *first, size_t n_nodes,
	const uint32_t *node_cls)
{
	struct sw_classifier *cl = b->cl;
	size_t k;

	for (k = 0; k < n_nodes; k++) {
		const struct item *p = &it[first[k]];
		uint8_t mask[16] = {0};
		unsigned int j, pos = 0;

		for (j = 0; j < p->depth; j++)
			mask[j / 8] |= (uint8_t)(0x80 >> (j % 8));
		/* Insertion point: after every prefix at least as long. */
		if (f == 0) {
			struct small4 *t = &cl->small4;
			uint32_t a, m;

			while (pos < t->n &&
				(uint32_t)__builtin_popcount(t->e[pos].mask) >= p->depth)
				pos++;
			memmove(&t->e[pos + 1], &t->e[pos], (t->n - pos) * sizeof(t->e[0]));
			memcpy(&a, p->addr, 4);
			memcpy(&m, mask, 4);
			t->e[pos].net = a & m;
			t->e[pos].mask = m;
			t->e[pos].hit.cls = node_cls[k];
			t->n++;
		} else {
			struct small6 *t = &cl->small6;
			uint8_t net[16];

			while (pos < t->n &&
				(uint32_t)(__builtin_popcountll(t->e[pos].mask[0]) +
					__builtin_popcountll(t->e[pos].mask[1])) >= p->depth)
				pos++;
			memmove(&t->e[pos + 1], &t->e[pos], (t->n - pos) * sizeof(t->e[0]));
			for (j = 0; j < 16; j++)
				net[j] = p->addr[j] & mask[j];
			memcpy(t->e[pos].net, net, 16);
			memcpy(t->e[pos].mask, mask, 16);
			t->e[pos].hit.cls = node_cls[k];
			t->n++;
		}
	}
}

/* One family: group equal prefixes into nodes, give each a class, fill the LPM. */
static int
build_family(struct build *b, int f, int socket_id)
{
	struct item *it = b->items[f];
	size_t n = b->n_items[f], n_nodes = 0, n_host = 0, sp = 0, k, i;
	size_t *first = NULL, *stack = NULL;
	int64_t *node_ch = NULL, *node_st = NULL;
	uint32_t *node_cls = NULL, max_cls = 0;
	int ret = -ENOMEM;

	if (n == 0)
		return 0;
	qsort(it, n, sizeof(*it), item_cmp);
	first = malloc((n + 1) * sizeof(*first));
	stack = malloc(n * sizeof(*stack));
	node_ch = malloc(n * sizeof(*node_ch));
	node_st = malloc(n * sizeof(*node_st));
	node_cls = malloc(n * sizeof(*node_cls));
	if (first == NULL || stack == NULL || node_ch == NULL || node_st == NULL ||
		node_cls == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (i == 0 || it[i].depth != it[i - 1].depth ||
			memcmp(it[i].addr, it[i - 1].addr, sizeof(it[i].addr)) != 0)
			first[n_nodes++] = i;
	first[n_nodes] = n;

	/* Sorted by address then length: the stack holds the containing nodes (see config_overlap.c). */
	for (k = 0; k < n_nodes; k++) {
		const struct item *p = &it[first[k]];
		size_t cnt = first[k + 1] - first[k];
		int64_t pch = -1, pst = -1, ch, st, cls;
		uint32_t pair[2];

		while (sp > 0 && !contains(&it[first[stack[sp - 1]]], p))
			sp--;
		if (sp > 0) {
			pch = node_ch[stack[sp - 1]];
			pst = node_st[stack[sp - 1]];
		}
		ch = node_chain(b, p, cnt, pch);
		st = node_set(b, p, cnt, pst);
		if (ch < 0 || st < 0)
			goto out;
		pair[0] = (uint32_t)ch;
		pair[1] = (uint32_t)st;
		cls = intern_get(&b->classes, pair, 2);
		if (cls < 0)
			goto out;
		if ((uint64_t)cls >= CLASS_MAX) {
			ret = -E2BIG;
			goto out;
		}
		node_ch[k] = ch;
		node_st[k] = st;
		node_cls[k] = (uint32_t)cls;
		stack[sp++] = k;
	}

	if (n_nodes <= SMALL_MAX && !(b->flags & SW_CLASS_BUILD_LPM)) {
		small_fill(b, f, it, first, n_nodes, node_cls);
		ret = 0;
		goto out;
	}
	for (k = 0; k < n_nodes; k++) {
		max_cls = RTE_MAX(max_cls, node_cls[k]);
		n_host += it[first[k]].depth == 128;
	}
	ret = table_create(b, f, (uint32_t)(n_nodes - n_host) + 2, tbl8_needed(it, first, n_nodes),
		max_cls, it[0].depth == 0 ? node_cls[0] : 0, socket_id);
	if (ret == 0 && n_host > 0)
		ret = host6_create(&b->cl->host6, n_host, socket_id);
	if (ret < 0)
		goto out;
	for (k = 0; k < n_nodes; k++) {
		const struct item *p = &it[first[k]];

		if (p->depth == 128) {
			host6_put(&b->cl->host6, p->addr, node_cls[k]);
		} else if (p->depth > 0) {
			ret = table_add(b, f, p->addr, p->depth, node_cls[k]);
		} else if (f == 1) {
			/* rte_lpm6 takes depth 1..: /0 is two /1s, unless a /1 node is there. */
			struct item half = *p;
			unsigned int h;

			half.depth = 1;
			half.tag = 0;
			for (h = 0; h < 2 && ret == 0; h++) {
				size_t q;

				half.addr[0] = (uint8_t)(h << 7);
				for (q = 1; q < n_nodes; q++)
					if (item_cmp(&it[first[q]], &half) >= 0)
						break;
				if (q < n_nodes && it[first[q]].depth == 1 &&
					it[first[q]].addr[0] == half.addr[0])
					continue;
				ret = table_add(b, f, half.addr, 1, node_cls[k]);
			}
		}
		if (ret < 0)
			goto out;
	}
	ret = 0;
out:
	free(first);
	free(stack);
	free(node_ch);
	free(node_st);
	free(node_cls);
	return ret;
}

/* Copy the interned chains, sets and classes into the classifier's own memory. */
static int
flatten(struct build *b, int socket_id)
{
	struct sw_classifier *cl = b->cl;
	uint32_t i, j, chain_total = 0;
	uint32_t *chain_off;

	for (i = 0; i < b->chains.n; i++)
		chain_total += b->chains.len[i];
	cl->classes =
		rte_zmalloc_socket("sw_class", b->classes.n * sizeof(*cl->classes), 0, socket_id);
	cl->chains = rte_zmalloc_socket(
		"sw_class", (chain_total + 1) * sizeof(*cl->chains), 0, socket_id);
	cl->sets = rte_zmalloc_socket(
		"sw_class", (size_t)b->sets.n * cl->set_words * sizeof(*cl->sets), 0, socket_id);
	chain_off = malloc(b->chains.n * sizeof(*chain_off));
	if (cl->classes == NULL || cl->chains == NULL || cl->sets == NULL || chain_off == NULL) {
		free(chain_off);
		return -ENOMEM;
	}
	chain_total = 0;
	for (i = 0; i < b->chains.n; i++) {
		chain_off[i] = chain_total;
		for (j = 0; j < b->chains.len[i]; j++)
			cl->chains[chain_total++] = (uint16_t)b->chains.pool[b->chains.off[i] + j];
	}
	for (i = 0; i < b->sets.n; i++) {
		const uint32_t *w = b->sets.pool + b->sets.off[i];

		for (j = 0; j < cl->set_words; j++)
			cl->sets[i * cl->set_words + j] =
				(uint64_t)w[2 * j] | (uint64_t)w[2 * j + 1] << 32;
	}
	for (i = 0; i < b->classes.n; i++) {
		const uint32_t *pair = b->classes.pool + b->classes.off[i];

		cl->classes[i].chain_off = chain_off[pair[0]];
		cl->classes[i].chain_len = b->chains.len[pair[0]];
		cl->classes[i].set_off = pair[1] * cl->set_words;
	}
	free(chain_off);
	return 0;
}

/*
 * sw_classifier.ports are indexed by the port as the packet carries it, network order read as
 * a native integer: no byte swap per packet. dst starts zeroed; one step per port in src.
 */
static void
ports_wire(uint64_t *dst, const uint64_t *src)
{
	uint32_t w;
	uint64_t x;

	for (w = 0; w < SW_CONFIG_PORT_WORDS; w++)
		for (x = src[w]; x != 0; x &= x - 1) {
			uint16_t p = rte_cpu_to_be_16((uint16_t)(w * 64 + __builtin_ctzll(x)));

			dst[p / 64] |= 1ull << (p % 64);
		}
}

static bool
all_ones(const uint64_t *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (w[i] != UINT64_MAX)
			return false;
	return true;
}

/* Precompute what a small-table entry decides (its cls set), once the classes are flattened. */
static void
small_finish(const struct sw_classifier *cl, struct small_hit *h)
{
	const struct class_entry *e = &cl->classes[h->cls];

	h->ports = cl->ports[0]; /* a row exists even with no service; res[0] == res[1] */
	h->res[0] = (uint32_t)cl->no_service << 16;
	h->res[1] = h->res[0];
	h->is_one = e->chain_len == 0;
	/* Sets are interned: the empty one is set 0 and no other set is empty. */
	h->is_no_src = e->set_off == 0;
	if (e->chain_len == 1) {
		uint16_t s = cl->chains[e->chain_off];

		h->ports = cl->ports[s];
		h->res[1] = cl->ids[s] | (uint32_t)cl->svc_verdict[s] << 16;
		h->is_one = all_ones(cl->vlans[s], SW_CONFIG_VLAN_WORDS);
	}
}

void
sw_classifier_free(struct sw_classifier *cl)
{
	if (cl == NULL)
		return;
	rte_fib_free(cl->fib4);
	rte_lpm6_free(cl->lpm6);
	rte_free(cl->host6.e);
	rte_free(cl->classes);
	rte_free(cl->chains);
	rte_free(cl->sets);
	rte_free(cl->ports);
	rte_free(cl->vlans);
	rte_free(cl);
}

struct sw_classifier *
sw_classifier_build(const struct sw_config *c, int socket_id)
{
	return sw_classifier_build_flags(c, socket_id, 0);
}

struct sw_classifier *
sw_classifier_build_flags(const struct sw_config *c, int socket_id, unsigned int flags)
{
	static const uint8_t verdict[] = {
		[SW_CONFIG_ACTION_PROXY] = SW_CLASS_PROXY,
		[SW_CONFIG_ACTION_PASS] = SW_CLASS_PASS,
		[SW_CONFIG_ACTION_DROP] = SW_CLASS_DROP_SERVICE,
	};
	struct build b = {.c = c, .flags = flags};
	struct sw_classifier *cl;
	uint32_t empty_pair[2] = {0, 0};
	bool is_one;
	uint16_t i;
	int ret = -ENOMEM;

	if (c == NULL || c->n_services > SW_CONFIG_SERVICES_MAX ||
		(flags & ~SW_CLASS_BUILD_LPM) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	cl = rte_zmalloc_socket("sw_classifier", sizeof(*cl), RTE_CACHE_LINE_SIZE, socket_id);
	if (cl == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	b.cl = cl;
	cl->n_services = c->n_services;
	cl->no_service = c->general.default_action == SW_CONFIG_DEFAULT_DROP ? SW_CLASS_DROP_DEFAULT
									     : SW_CLASS_BRIDGE;
	cl->set_words = (2u + 2u * c->n_services + 63) / 64;
	cl->ports = rte_zmalloc_socket("sw_class_ports",
		RTE_MAX(c->n_services, 1) * sizeof(*cl->ports), RTE_CACHE_LINE_SIZE, socket_id);
	cl->vlans = rte_zmalloc_socket("sw_class_vlans",
		RTE_MAX(c->n_services, 1) * sizeof(*cl->vlans), RTE_CACHE_LINE_SIZE, socket_id);
	b.scratch = malloc(RTE_MAX(c->n_services + 1u, cl->set_words * 2) * sizeof(*b.scratch));
	if (cl->ports == NULL || cl->vlans == NULL || b.scratch == NULL)
		goto fail;

	/* Id 0 of each store is the empty one: lookup misses land on class 0. */
	memset(b.scratch, 0, cl->set_words * 2 * sizeof(*b.scratch));
	if (intern_get(&b.chains, b.scratch, 0) != 0 ||
		intern_get(&b.sets, b.scratch, cl->set_words * 2) != 0 ||
		intern_get(&b.classes, empty_pair, 2) != 0)
		goto fail;

	if (add_list(&b, &c->general.allow, TAG_SRC | LIST_ALLOW) < 0 ||
		add_list(&b, &c->general.deny, TAG_SRC | LIST_DENY) < 0)
		goto fail;
	for (i = 0; i < c->n_services; i++) {
		const struct sw_config_service *s = &c->services[i];

		ports_wire(cl->ports[i], s->ports);
		memcpy(cl->vlans[i], s->vlans, sizeof(cl->vlans[i]));
		cl->svc_verdict[i] = verdict[s->action];
		cl->ids[i] = s->id;
		if (add_list(&b, &s->dst, i) < 0 ||
			add_list(&b, &s->allow, TAG_SRC | (2u + 2u * i)) < 0 ||
			add_list(&b, &s->deny, TAG_SRC | (3u + 2u * i)) < 0)
			goto fail;
		cl->has_src_lists |= s->allow.n > 0 || s->deny.n > 0;
	}
	cl->has_src_lists |= c->general.allow.n > 0 || c->general.deny.n > 0;

	ret = build_family(&b, 0, socket_id);
	if (ret == 0)
		ret = build_family(&b, 1, socket_id);
	if (ret == 0)
		ret = flatten(&b, socket_id);
	if (ret < 0)
		goto fail;
	is_one = true;
	for (i = 0; i <= cl->small4.n; i++) { /* with the sentinel */
		small_finish(cl, &cl->small4.e[i].hit);
		is_one &= cl->small4.e[i].hit.is_one;
	}
	for (i = 0; i <= cl->small6.n; i++) {
		small_finish(cl, &cl->small6.e[i].hit);
		is_one &= cl->small6.e[i].hit.is_one;
	}
	if (cl->fib4 != NULL || cl->lpm6 != NULL)
		cl->path = PATH_LPM;
	else if (cl->has_src_lists)
		cl->path = PATH_SMALL_SRC;
	else
		cl->path = is_one ? PATH_SMALL_ONE : PATH_SMALL;
	free(b.items[0]);
	free(b.items[1]);
	free(b.scratch);
	intern_free(&b.chains);
	intern_free(&b.sets);
	intern_free(&b.classes);
	return cl;
fail:
	free(b.items[0]);
	free(b.items[1]);
	free(b.scratch);
	intern_free(&b.chains);
	intern_free(&b.sets);
	intern_free(&b.classes);
	sw_classifier_free(cl);
	rte_errno = -ret;
	return NULL;
}

static inline bool
bit(const uint64_t *w, uint32_t i)
{
	return (w[i / 64] >> (i % 64)) & 1;
}

/* Bit of sw_classifier.vlans for a query's vlan: untagged and VID 0 are bit 0. */
static inline uint16_t
vlan_bit(uint16_t vlan)
{
	return vlan == SW_CLASS_VLAN_UNTAGGED ? SW_CONFIG_VLAN_UNTAGGED : vlan & 0xfff;
}

/*
 * Precedence documented in sw_rules.h: deny, allow, service action, default. src_lists is
 * cl->has_src_lists, passed as a constant by the callers: without source lists every set is
 * empty and scls is 0.
 */
static __rte_always_inline void
verdict(const struct sw_classifier *cl, uint32_t dcls, uint32_t scls, uint32_t port, uint16_t vid,
	uint8_t *action, uint16_t *service, bool src_lists)
{
	const struct class_entry *d = &cl->classes[dcls];
	uint32_t k, svc = UINT32_MAX;

	for (k = 0; k < d->chain_len; k++) {
		uint16_t s = cl->chains[d->chain_off + k];

		if (bit(cl->ports[s], port) && bit(cl->vlans[s], vid)) {
			svc = s;
			break;
		}
	}
	*service = svc == UINT32_MAX ? 0 : cl->ids[svc];
	if (src_lists) {
		const uint64_t *set = &cl->sets[cl->classes[scls].set_off];

		if (bit(set, LIST_DENY) || (svc != UINT32_MAX && bit(set, 3 + 2 * svc))) {
			*action = SW_CLASS_DROP_DENY;
			return;
		}
		if (bit(set, LIST_ALLOW) || (svc != UINT32_MAX && bit(set, 2 + 2 * svc))) {
			*action = SW_CLASS_PASS;
			return;
		}
	}
	*action = svc != UINT32_MAX ? cl->svc_verdict[svc] : cl->no_service;
}

/* Small-table entry of an IPv4 address (network order): the sentinel when nothing contains it. */
static __rte_always_inline const struct small_hit *
small4_hit(const struct small4 *t, const uint8_t *addr)
{
	const __typeof__(t->e[0]) *e = t->e;
	uint32_t a;

	memcpy(&a, addr, 4);
	while ((a & e->mask) != e->net)
		e++;
	return &e->hit;
}

/*
 * Bounded rather than stopped by the sentinel: the bound costs little next to a 16-byte
 * compare, and IPv4-only configs (n = 0) skip the compare altogether.
 */
static __rte_always_inline const struct small_hit *
small6_hit(const struct small6 *t, const uint8_t *addr)
{
	uint64_t a[2];
	uint32_t k;

	memcpy(a, addr, 16);
	for (k = 0; k < t->n; k++)
		if (((a[0] & t->e[k].mask[0]) ^ t->e[k].net[0]) == 0 &&
			((a[1] & t->e[k].mask[1]) ^ t->e[k].net[1]) == 0)
			break;
	return &t->e[k].hit;
}

/*
 * The packets of one call: queries (sw_classify_bulk) or tuples (sw_classify_tuples), tuples
 * a compile-time constant in every caller so each form gets its own loops.
 */
struct in {
	const struct sw_class_query *q;
	const struct sw_tuple *const *t;
};

static __rte_always_inline bool
in_is4(struct in in, unsigned int i, bool tuples)
{
	return tuples ? in.t[i]->family == 4 : in.q[i].family == AF_INET;
}

static __rte_always_inline bool
in_is6(struct in in, unsigned int i, bool tuples)
{
	return tuples ? in.t[i]->family == 6 : in.q[i].family == AF_INET6;
}

static __rte_always_inline const uint8_t *
in_src(struct in in, unsigned int i, bool tuples)
{
	return tuples ? in.t[i]->src : in.q[i].src;
}

static __rte_always_inline const uint8_t *
in_dst(struct in in, unsigned int i, bool tuples)
{
	return tuples ? in.t[i]->dst : in.q[i].dst;
}

/* Index of the destination port in sw_classifier.ports: as carried, see ports_wire(). */
static __rte_always_inline uint32_t
in_port(struct in in, unsigned int i, bool tuples)
{
	return (uint32_t)(tuples ? in.t[i]->dport : in.q[i].dport);
}

_Static_assert(SW_CONFIG_VLAN_UNTAGGED == 0, "a tuple's VID 0 (untagged) is the untagged bit");

/* Bit of sw_classifier.vlans: a tuple's innermost VID is the low 12 bits of its pad. */
static __rte_always_inline uint16_t
in_vlan_bit(struct in in, unsigned int i, bool tuples)
{
	if (tuples)
		return (uint16_t)(((unsigned int)in.t[i]->pad[1] << 8 | in.t[i]->pad[2]) & 0xfff);
	return vlan_bit(in.q[i].vlan);
}

/*
 * No LPM at all (both families small or empty): one pass, nothing staged. all_one: every
 * entry is_one (PATH_SMALL_ONE), a constant like src_lists and tuples.
 */
static __rte_always_inline void
classify_small(const struct sw_classifier *cl, struct in in, unsigned int n, uint8_t *action_out,
	uint16_t *service_out, bool src_lists, bool all_one, bool tuples)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct small_hit *d, *s = NULL;

		if (likely(in_is4(in, i, tuples))) {
			d = small4_hit(&cl->small4, in_dst(in, i, tuples));
			if (src_lists)
				s = small4_hit(&cl->small4, in_src(in, i, tuples));
		} else if (in_is6(in, i, tuples)) {
			d = small6_hit(&cl->small6, in_dst(in, i, tuples));
			if (src_lists)
				s = small6_hit(&cl->small6, in_src(in, i, tuples));
		} else {
			d = &cl->small4.e[cl->small4.n].hit; /* the sentinel: class 0 */
			s = d;
		}
		if (likely((all_one || d->is_one) && (!src_lists || s->is_no_src))) {
			size_t p = in_port(in, i, tuples);
			uint32_t r = d->res[(d->ports[p / 64] >> (p % 64)) & 1];

			service_out[i] = (uint16_t)r;
			action_out[i] = (uint8_t)(r >> 16);
			continue;
		}
		verdict(cl, d->cls, src_lists ? s->cls : 0, in_port(in, i, tuples),
			in_vlan_bit(in, i, tuples), &action_out[i], &service_out[i], src_lists);
	}
}

/* At least one LPM: per burst, stage the addresses, look them up in bulk, then decide. */
static __rte_always_inline void
classify_lpm(const struct sw_classifier *cl, struct in in, unsigned int n, uint8_t *action_out,
	uint16_t *service_out, bool tuples)
{
	const bool src_lists = cl->has_src_lists;
	unsigned int base;

	for (base = 0; base < n; base += BURST) {
		unsigned int m = RTE_MIN(n - base, (unsigned int)BURST), i, n4 = 0, n6 = 0;
		uint32_t dcls[BURST], scls[BURST];
		uint32_t ip4[2 * BURST];
		uint64_t nh4[2 * BURST];
		uint8_t ip6[2 * BURST][RTE_LPM6_IPV6_ADDR_SIZE];
		int32_t nh6[2 * BURST];
		uint8_t idx4[BURST], idx6[BURST];

		for (i = 0; i < m; i++) {
			const uint8_t *src = in_src(in, base + i, tuples);
			const uint8_t *dst = in_dst(in, base + i, tuples);
			uint32_t a;

			dcls[i] = 0;
			scls[i] = 0;
			if (in_is4(in, base + i, tuples)) {
				if (cl->fib4 == NULL) {
					dcls[i] = small4_hit(&cl->small4, dst)->cls;
					if (src_lists)
						scls[i] = small4_hit(&cl->small4, src)->cls;
					continue;
				}
				memcpy(&a, dst, 4);
				ip4[n4] = rte_be_to_cpu_32(a);
				memcpy(&a, src, 4);
				ip4[BURST + n4] = rte_be_to_cpu_32(a);
				idx4[n4++] = (uint8_t)i;
			} else if (in_is6(in, base + i, tuples)) {
				if (cl->lpm6 == NULL) {
					dcls[i] = small6_hit(&cl->small6, dst)->cls;
					if (src_lists)
						scls[i] = small6_hit(&cl->small6, src)->cls;
					continue;
				}
				memcpy(ip6[n6], dst, RTE_LPM6_IPV6_ADDR_SIZE);
				memcpy(ip6[BURST + n6], src, RTE_LPM6_IPV6_ADDR_SIZE);
				idx6[n6++] = (uint8_t)i;
			}
		}
		if (n4 > 0) {
			/* misses return default_nh: class 0, or the class of 0.0.0.0/0 */
			rte_fib_lookup_bulk(cl->fib4, ip4, nh4, (int)n4);
			if (src_lists)
				rte_fib_lookup_bulk(cl->fib4, ip4 + BURST, nh4 + BURST, (int)n4);
			for (i = 0; i < n4; i++) {
				dcls[idx4[i]] = (uint32_t)nh4[i];
				if (src_lists)
					scls[idx4[i]] = (uint32_t)nh4[BURST + i];
			}
		}
		if (n6 > 0) {
			rte_lpm6_lookup_bulk_func(cl->lpm6, ip6, nh6, n6);
			if (src_lists)
				rte_lpm6_lookup_bulk_func(cl->lpm6, ip6 + BURST, nh6 + BURST, n6);
			for (i = 0; i < n6; i++) {
				if (nh6[i] >= 0)
					dcls[idx6[i]] = (uint32_t)nh6[i];
				if (src_lists && nh6[BURST + i] >= 0)
					scls[idx6[i]] = (uint32_t)nh6[BURST + i];
			}
			for (i = 0; cl->host6.e != NULL && i < n6; i++) {
				uint32_t c = host6_get(&cl->host6, ip6[i]);

				if (c != 0)
					dcls[idx6[i]] = c - 1;
				if (src_lists && (c = host6_get(&cl->host6, ip6[BURST + i])) != 0)
					scls[idx6[i]] = c - 1;
			}
		}
		for (i = 0; i < m; i++)
			verdict(cl, dcls[i], scls[i], in_port(in, base + i, tuples),
				in_vlan_bit(in, base + i, tuples), &action_out[base + i],
				&service_out[base + i], src_lists);
	}
}

static __attribute__((noinline)) void
classify_lpm_queries(const struct sw_classifier *cl, struct in in, unsigned int n,
	uint8_t *action_out, uint16_t *service_out)
{
	classify_lpm(cl, in, n, action_out, service_out, false);
}

static __attribute__((noinline)) void
classify_lpm_tuples(const struct sw_classifier *cl, struct in in, unsigned int n,
	uint8_t *action_out, uint16_t *service_out)
{
	classify_lpm(cl, in, n, action_out, service_out, true);
}

/*
 * One function per small path and form, which the entry points tail-call: with every loop
 * inlined into them, each call saved the six registers the LPM loop needs, whatever the path.
 */
#define SMALL_FN(name, src_lists, all_one, tuples) \
	static __attribute__((noinline)) void name(const struct sw_classifier *cl, struct in in, \
		unsigned int n, uint8_t *action_out, uint16_t *service_out) \
	{ \
		classify_small(cl, in, n, action_out, service_out, src_lists, all_one, tuples); \
	}
SMALL_FN(small_one_q, false, true, false)
SMALL_FN(small_q, false, false, false)
SMALL_FN(small_src_q, true, false, false)
SMALL_FN(small_one_t, false, true, true)
SMALL_FN(small_t, false, false, true)
SMALL_FN(small_src_t, true, false, true)

void
sw_classify_bulk(const struct sw_classifier *cl, const struct sw_class_query *q, unsigned int n,
	uint8_t *action_out, uint16_t *service_out)
{
	struct in in = {.q = q};

	switch (cl->path) {
	case PATH_SMALL_ONE:
		small_one_q(cl, in, n, action_out, service_out);
		break;
	case PATH_SMALL:
		small_q(cl, in, n, action_out, service_out);
		break;
	case PATH_SMALL_SRC:
		small_src_q(cl, in, n, action_out, service_out);
		break;
	default:
		classify_lpm_queries(cl, in, n, action_out, service_out);
	}
}

void
sw_classify_tuples(const struct sw_classifier *cl, const struct sw_tuple *const *t, unsigned int n,
	uint8_t *action_out, uint16_t *service_out)
{
	struct in in = {.t = t};

	switch (cl->path) {
	case PATH_SMALL_ONE:
		small_one_t(cl, in, n, action_out, service_out);
		break;
	case PATH_SMALL:
		small_t(cl, in, n, action_out, service_out);
		break;
	case PATH_SMALL_SRC:
		small_src_t(cl, in, n, action_out, service_out);
		break;
	default:
		classify_lpm_tuples(cl, in, n, action_out, service_out);
	}
}
