/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN rate limits: a token bucket per source prefix (bounded table) and per service. */
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dp_internal.h"

/*
 * One source prefix's bucket. Tokens are kept in thousandths so that a rate
 * in SYN/s refills `rate` thousandths per millisecond exactly; 64 bits, as
 * the configured burst and rates go up to 10^8 (10^11 thousandths).
 */
struct dp_src_bucket {
	uint32_t tag; /* hash of the prefix; 0 = empty */
	uint32_t last_ms; /* last refill */
	uint64_t tokens; /* thousandths of a SYN */
};

static_assert(sizeof(struct dp_src_bucket) == 16, "16-byte buckets");

int
dp_ratelimit_init(struct sw_worker *w, uint32_t slots, int socket)
{
	/* Power of two, so a slot is hash & mask; pairs (i, i ^ 1) form 2-way sets. */
	uint32_t n = rte_align32prevpow2(slots < 2 ? 2 : slots);

	w->src_buckets = rte_zmalloc_socket(
		"sw_src_rl", (size_t)n * sizeof(struct dp_src_bucket), RTE_CACHE_LINE_SIZE, socket);
	if (w->src_buckets == NULL)
		return -ENOMEM;
	w->src_mask = n - 1;
	return 0;
}

void
dp_ratelimit_free(struct sw_worker *w)
{
	rte_free(w->src_buckets);
	w->src_buckets = NULL;
}

static bool
take(uint64_t *tokens, uint32_t *last_ms, uint32_t now_ms, uint32_t rate, uint32_t burst)
{
	uint64_t cap = (uint64_t)burst * 1000;
	uint64_t t = *tokens + (uint64_t)(now_ms - *last_ms) * rate;

	*last_ms = now_ms;
	if (t > cap)
		t = cap;
	if (t < 1000) {
		*tokens = t;
		return false;
	}
	*tokens = t - 1000;
	return true;
}

/* True when a SYN from this packet's source prefix is within the per-source limit. */
static bool
src_allow(struct sw_worker *w, const struct dp_pkt *p, const struct sw_config_general *g)
{
	const uint8_t *ip = p->frame + p->v.l3_off;
	uint8_t pfx[16] = {0};
	unsigned bits = p->v.family == 4 ? g->src_prefix_v4 : g->src_prefix_v6;
	const uint8_t *src = p->v.family == 4 ? ip + 12 : ip + 8;
	struct dp_src_bucket *set, *b;
	uint32_t h, i;

	memcpy(pfx, src, bits / 8);
	if (bits % 8)
		pfx[bits / 8] = (uint8_t)(src[bits / 8] & (0xff00 >> (bits % 8)));
	h = rte_hash_crc(pfx, 16, (uint32_t)w->sh->hll_seed ^ p->v.family) | 1;
	i = h & w->src_mask & ~1u;
	set = &((struct dp_src_bucket *)w->src_buckets)[i];
	if (set[0].tag == h)
		b = &set[0];
	else if (set[1].tag == h)
		b = &set[1];
	else {
		/*
		 * New prefix: take the empty or least recently refilled way, full bucket.
		 * By age (now - last, unsigned), not by the signed difference of the two
		 * refill times, which reads a bucket idle over 2^31 ms as the newer one.
		 */
		b = set[0].tag == 0 ||
				(set[1].tag != 0 &&
					w->now_ms - set[0].last_ms > w->now_ms - set[1].last_ms)
			? &set[0]
			: &set[1];
		b->tag = h;
		b->tokens = (uint64_t)g->src_syn_burst * 1000;
		b->last_ms = w->now_ms;
	}
	return take(&b->tokens, &b->last_ms, w->now_ms, g->src_syn_rate, g->src_syn_burst);
}

/* dp_ratelimit_syn() with a limit configured. */
bool
dp_ratelimit_syn_limited(struct sw_worker *w, const struct dp_pkt *p)
{
	const struct sw_config *cfg = w->rt->cfg;
	const struct sw_config_service *svc = w->rt->svc[p->service_id];

	if (cfg->general.src_syn_rate != 0 && w->src_buckets != NULL &&
		!src_allow(w, p, &cfg->general))
		return false;
	if (svc->syn_rate != 0) {
		/*
		 * The service's rate is shared by the workers: syn_rate / n each
		 * and one more for the first syn_rate % n, so that the shares add
		 * up to syn_rate; at least 1 (a rate below the worker count lets
		 * one SYN/s through per worker, or some clients never would).
		 */
		const uint32_t n = w->sh->nb_workers;
		uint32_t rate = svc->syn_rate / n + (w->idx < svc->syn_rate % n);
		struct dp_svc_bucket *sb = &w->svc_bucket[p->service_id];

		if (rate == 0)
			rate = 1;
		/*
		 * Full at the first SYN. Not again at a reload: frequent reloads
		 * (deny-list pushes) would each let a second's worth more through.
		 */
		if (unlikely(!sb->is_set)) {
			sb->is_set = true;
			sb->tokens = (uint64_t)rate * 1000;
			sb->last_ms = w->now_ms;
		}
		return take(&sb->tokens, &sb->last_ms, w->now_ms, rate, rate);
	}
	return true;
}
