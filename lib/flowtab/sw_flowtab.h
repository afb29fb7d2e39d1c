/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker flow table: keyed-hash index, dense entries, eviction and incremental expiry. */
#ifndef SW_FLOWTAB_H
#define SW_FLOWTAB_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw_conn.h"
#include "sw_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Concurrency model
 * -----------------
 * A table is owned by exactly one worker thread (the "owner", dp below): only
 * it calls add, del, set_state, expire, lookup*, and only it writes entries.
 * No lock is taken anywhere.
 *
 * Another thread (the control plane, cp below) may call the readers marked
 * "control-thread safe" at any time:
 *  - counters (count, count_by_state, evictions) are single-writer values read
 *    with relaxed atomics: each one is exact at some instant, but two counters
 *    read one after the other may belong to different instants (their sum may
 *    differ from sw_flowtab_count() by the operations that happened meanwhile);
 *  - sw_flowtab_dump() copies entries while the owner may be rewriting them:
 *    a copied entry may be stale, deleted a moment later, or torn (key of one
 *    flow, conn of another; each aligned 32-bit word is read atomically). It
 *    is for display and debugging only. The owner's writes are plain stores,
 *    so ThreadSanitizer reports this race: it is deliberate.
 * The memory itself must outlive every reader (the caller's business).
 */

/*
 * One flow: what the owner reads and writes per packet. Entries live in one
 * dense array inside the table; a pointer stays valid until the entry is
 * deleted, expired or evicted (eviction happens only inside sw_flowtab_add(),
 * so do not keep a flow pointer across an add).
 * Owner: dp: rw (the worker), cp: ro (racy, through sw_flowtab_dump()).
 */
struct sw_flow {
	/* Lookup key, client -> server; copied by sw_flowtab_add(), never change it. */
	struct sw_tuple key;
	/*
	 * Absolute deadline on the caller's millisecond clock, compared
	 * wrap-safely: expired when (int32_t)(expire_ms - now_ms) <= 0, so a
	 * deadline must lie within 2^31 ms (24.8 days) of now. Zero after add:
	 * the caller sets it. While the entry is free the table keeps its
	 * free-list link here.
	 */
	uint32_t expire_ms;
	/* Service this flow belongs to (owner: rules), an identity, not a pointer. 0 after add. */
	uint16_t service_id;
	/*
	 * Two bytes for the caller, 0 after add: either the 16-bit aux (the
	 * dataplane keeps the slot of the backend SYN kept for retransmission
	 * there) or flags + pad; the table never reads them.
	 */
	union {
		uint16_t aux;
		struct {
			uint8_t flags;
			uint8_t pad;
		};
	};
	/*
	 * Connection state (owner: conn). conn.state == SW_CONN_FREE means the
	 * entry is unused. Written only through sw_flowtab_set_state() (or at
	 * insert by sw_flowtab_add_state()), which moves the flow between the
	 * per-state counters; code that let another library store a new state
	 * first restores the old one, then calls it (see sw_conn_next_state()).
	 * All zero after sw_flowtab_add().
	 */
	struct sw_conn conn;
};

static_assert(sizeof(struct sw_tuple) == 40, "sw_tuple is part of the flow key layout");
static_assert(offsetof(struct sw_flow, conn) == 48, "sw_flow header must stay 48 bytes");
static_assert(sizeof(struct sw_flow) == 48 + sizeof(struct sw_conn), "sw_flow has holes");
static_assert(sizeof(struct sw_flow) <= 92, "sw_flow grew: over 100 bytes per flow with the index");

/* The table: lives at the start of the caller's memory; opaque. */
struct sw_flowtab;

/* Largest capacity accepted by sw_flowtab_init(). */
#define SW_FLOWTAB_CAPACITY_MAX (1u << 30)

/*
 * Bytes of memory to give sw_flowtab_init() for capacity flows (a multiple of
 * the cache line); 0 when capacity is 0 or above SW_FLOWTAB_CAPACITY_MAX.
 */
size_t sw_flowtab_memsize(uint32_t capacity);

/*
 * Initialise a table in mem: at least sw_flowtab_memsize(capacity) bytes,
 * cache-line aligned (rte_zmalloc_socket() or aligned_alloc(); it need not be
 * zeroed). hash_key is the 128-bit SipHash key: random, secret, and private
 * to this appliance. Only the header and index are written (the entry array
 * is claimed lazily), so init costs about 7 bytes per flow of memset.
 * Returns 0, or -EINVAL on a NULL or misaligned pointer or a bad capacity.
 */
int sw_flowtab_init(void *mem, uint32_t capacity, const uint8_t hash_key[16]);

/*
 * Keyed hash of a tuple under the table's key (AES-128 with AES-NI, else
 * SipHash-1-3; fixed for the table's life): pass it to lookup, prefetch and
 * add. Attackers choose the tuples, so the index must not be predictable
 * without the key.
 */
uint64_t sw_flowtab_hash(const struct sw_flowtab *ft, const struct sw_tuple *key);

/* Find key (hash = sw_flowtab_hash(ft, key)); NULL when absent. Owner only. */
struct sw_flow *sw_flowtab_lookup(struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash);

/* Prefetch the two index bucket lines a lookup or add of this hash reads. */
void sw_flowtab_prefetch(const struct sw_flowtab *ft, uint64_t hash);

/*
 * Look up n keys: hash all, prefetch their buckets, then their candidate
 * entries, then compare. out[i] is the flow of keys[i] or NULL on a miss.
 * Any n is accepted (processed in groups of 32). Returns the number of hits.
 * Owner only.
 */
unsigned sw_flowtab_lookup_bulk(struct sw_flowtab *ft, const struct sw_tuple *const keys[],
	unsigned n, struct sw_flow *out[]);

/*
 * sw_flowtab_lookup_bulk() that also stores hashes[i] = sw_flowtab_hash(ft,
 * keys[i]), for a later sw_flowtab_add() or sw_flowtab_lookup() of the same
 * key without hashing it again. Owner only.
 */
unsigned sw_flowtab_lookup_bulk_hashed(struct sw_flowtab *ft, const struct sw_tuple *const keys[],
	unsigned n, struct sw_flow *out[], uint64_t hashes[]);

/*
 * Insert key, which must not be in the table (look it up first; duplicates
 * are not detected), hash = sw_flowtab_hash(ft, key). Returns the new entry
 * with the key copied and every other field zero: conn.state is SW_CONN_FREE
 * until the caller sets the real state with sw_flowtab_set_state() (until
 * then the flow is never evicted or expired, and counted under FREE); the
 * caller also sets expire_ms.
 *
 * When all capacity entries are in use, one flow among the 20 slots of
 * key's two candidate index buckets is evicted to make room: the first of
 * CLOSED/TIME_WAIT, then SYN_SENT, then the other closing states
 * (FIN_WAIT_1/2, CLOSE_WAIT, LAST_ACK, CLOSING), earliest deadline first
 * within a class. ESTABLISHED flows, flows still in SW_CONN_FREE and states
 * unknown to this table are never evicted. *evicted (may be NULL) is set to
 * whether that happened, and the table's eviction counter is incremented.
 * Returns NULL when the table is full and no candidate is evictable.
 * Bounded time: placement reads at most 222 index lines (cuckoo search),
 * and its last-resort fallback stops at the first free slot.
 */
struct sw_flow *sw_flowtab_add(
	struct sw_flowtab *ft, const struct sw_tuple *key, uint64_t hash, bool *evicted);

/*
 * sw_flowtab_add() with conn.state = state (and counted under it) instead
 * of SW_CONN_FREE: the same as sw_flowtab_add() then
 * sw_flowtab_set_state(ft, f, state), in one step. state SW_CONN_FREE is
 * sw_flowtab_add(); a state not below SW_CONN_STATE_MAX is ignored (the flow
 * is added in SW_CONN_FREE, as set_state ignores it). The flow just added is
 * never the victim of its own eviction. Owner only.
 */
struct sw_flow *sw_flowtab_add_state(struct sw_flowtab *ft, const struct sw_tuple *key,
	uint64_t hash, uint8_t state, bool *evicted);

/*
 * Have sw_flowtab_add() and sw_flowtab_add_state() call cb(victim, arg)
 * before they evict a flow, so the owner can release what the victim holds.
 * Owner only; cb must not call into the table.
 */
void sw_flowtab_set_evict_cb(
	struct sw_flowtab *ft, void (*cb)(struct sw_flow *f, void *arg), void *arg);

/* Remove a flow returned by lookup/add (not already deleted). Owner only. */
void sw_flowtab_del(struct sw_flowtab *ft, struct sw_flow *f);

/*
 * The only way to change f->conn.state (from its current value to new_state),
 * so that the per-state counts stay exact. new_state must be below
 * SW_CONN_STATE_MAX and not SW_CONN_FREE (use sw_flowtab_del() to free a
 * flow); invalid values are ignored. Owner only.
 */
void sw_flowtab_set_state(struct sw_flowtab *ft, struct sw_flow *f, uint8_t new_state);

/* Expiry callback: return true to have the table delete f, false if it re-armed f->expire_ms. */
typedef bool (*sw_flowtab_expire_cb_t)(struct sw_flow *f, void *arg);

/*
 * Incremental expiry: examine at most min(budget, entries ever used) entry
 * slots from a rotating cursor, so no call scans the table twice and a
 * budget below the table size never scans it whole. For every live flow
 * (state not FREE) whose deadline has passed ((int32_t)(expire_ms - now_ms)
 * <= 0) call cb(f, arg); on true the table deletes f, on false cb must have
 * moved f->expire_ms into the future (e.g. to retransmit a SYN with backoff)
 * or it is called again on the next pass. cb may call sw_flowtab_set_state()
 * on f, nothing else of this API. Returns the slots examined. Owner only.
 */
unsigned sw_flowtab_expire(struct sw_flowtab *ft, uint32_t now_ms, unsigned budget,
	sw_flowtab_expire_cb_t cb, void *arg);

/* Live flows (entries allocated by add and not yet deleted). Control-thread safe. */
uint32_t sw_flowtab_count(const struct sw_flowtab *ft);

/*
 * Live flows per state; out[SW_CONN_FREE] counts flows added whose state the
 * owner has not set yet (0 between owner calls). Each element exact at the
 * instant it was read. Control-thread safe.
 */
void sw_flowtab_count_by_state(const struct sw_flowtab *ft, uint32_t out[SW_CONN_STATE_MAX]);

/* Capacity given to init; entry slots are numbered 0..capacity-1. Control-thread safe. */
uint32_t sw_flowtab_capacity(const struct sw_flowtab *ft);

/*
 * Racy snapshot for the control plane: scan entry slots from start on (in
 * slot order, up to the last slot ever used) and copy the first max live
 * entries (state not FREE) to out. Returns the number copied (<= max; 0 when
 * start is at or beyond the capacity). The scan may read every slot of a
 * sparse table once (about 3 ns per slot). Entries may be stale or torn, see
 * the concurrency model above. Control-thread safe.
 */
unsigned sw_flowtab_dump(
	const struct sw_flowtab *ft, unsigned start, unsigned max, struct sw_flow *out);

/* Flows evicted by sw_flowtab_add() since init. Control-thread safe. */
uint64_t sw_flowtab_evictions(const struct sw_flowtab *ft);

#ifdef __cplusplus
}
#endif

#endif /* SW_FLOWTAB_H */
