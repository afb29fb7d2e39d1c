/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker burst loop: rx -> parse -> classify -> act -> tx, one instance per lcore. */
#ifndef SW_DATAPLANE_H
#define SW_DATAPLANE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "sw_conn.h"
#include "sw_cookie.h"
#include "sw_flowtab.h"
#include "sw_hll.h"
#include "sw_rules.h"
#include "sw_stats.h"
#include "sw_tcpopt.h"

#define SW_BURST 32
#define SW_TX_BUF 128 /* per worker and port: a burst may emit up to 2 packets per input */
#define SW_FREE_BUF 64 /* per worker: mbufs to free in one rte_pktmbuf_free_bulk() */
#define SW_MAX_WORKERS 64
#define SW_LEARN_SLOTS 1024 /* learned backend options, per worker, direct mapped */

/* Backend SYN retransmission (RFC 6298 initial RTO 1 s, doubled each time). */
#define SW_BACKEND_RTO_MS 1000
#define SW_BACKEND_SYN_RETRIES 3
/* Challenge ACKs per worker and second (RFC 5961 section 10 asks for a limit). */
#define SW_CHALLENGE_ACK_PER_S 1000

/*
 * The running configuration as the workers see it: the parsed snapshot plus
 * what was built from it. Immutable once published; replaced as a whole
 * through rcu (cp: writes the pointer, dp: reads it between quiescent states).
 */
struct sw_runtime {
	struct sw_config *cfg; /* the validated snapshot */
	struct sw_classifier *cl; /* classifier built from cfg */
	struct sw_conn_timeouts tmo[SW_CONFIG_SERVICES_MAX + 1]; /* per service id; [0] = global */
	uint64_t generation; /* increments on every successful reload */
	/* The MTU the ports run with: the first config's; a reload keeps it (start-only key). */
	uint32_t mtu;
	uint16_t n_services; /* cfg->n_services */
	/* Service of each id (NULL: no such service now); ids are stable across reloads. */
	const struct sw_config_service *svc[SW_CONFIG_SERVICES_MAX + 1];
	/* Ids of services removed by a reload: their flows keep tmo[id]. */
	bool retired[SW_CONFIG_SERVICES_MAX + 1];
};

/* Shared by all workers; set up by the control thread before they start. */
struct sw_dp_shared {
	uint16_t port_id[SW_NB_PORTS]; /* DPDK port of outside / inside */
	uint16_t nb_workers;
	bool steer; /* software steering: queues < workers or no symmetric RSS */
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES]; /* for generated packets */
	struct sw_cookie_master cookie_master;
	uint32_t cookie_epoch_ms;
	uint32_t flow_capacity;
	uint32_t src_rate_slots; /* per-source SYN buckets per worker (fixed at start) */
	uint8_t flow_hash_key[16];
	/* Each worker's inbox (MP/SC): steered packets, or with RSS the hand-ons of worker.c. */
	struct rte_ring *steer_rings[SW_MAX_WORKERS];
	struct rte_rcu_qsbr *rcu; /* workers report quiescent states each loop */
	uint64_t hll_seed; /* seed of the source-address hash for the sketches */
	_Atomic(struct sw_runtime *) rt; /* cp: rw, dp: ro (acquire) */
	atomic_bool stop; /* cp: sets; dp: polls and returns */
};

/* HyperLogLog precision of the per-service distinct-source sketches (1 KiB each). */
#define SW_HLL_P 10
/* Per-service counters of one worker (dp: rw, cp: ro). Index: service id (0 = none). */
struct sw_svc_stats {
	uint64_t syn; /* SYNs to the service */
	uint64_t synack; /* cookie SYN-ACKs sent */
	uint64_t cookie_valid; /* third ACKs that verified */
	uint64_t cookie_invalid; /* third ACKs that did not (forged or expired) */
	uint64_t established; /* connections spliced to a backend */
	uint64_t dropped; /* packets to the service dropped (any cause) */
};

/*
 * Per-service SYN token bucket of one worker (thousandths of a SYN). Full at
 * the service's first SYN; a reload keeps it (take() caps it at the new burst).
 */
struct dp_svc_bucket {
	uint64_t tokens; /* thousandths of a SYN: up to the range's 10^8 * 1000 */
	uint32_t last_ms;
	bool is_set; /* filled at the first SYN */
};

#define SW_ADV_WS_NONE 0xff /* window scale: no Window Scale option */

/* Options learned from a backend's SYN-ACK (per backend ip:port). */
struct sw_learned {
	uint8_t addr[16];
	rte_be16_t port;
	uint16_t mss;
	uint8_t wscale; /* backend's shift, SW_ADV_WS_NONE = declined WS; valid with ws_known */
	uint8_t family;
	bool sack, ts;
	bool ws_known; /* a SYN-ACK answered a SYN that offered WS */
};

/*
 * Window scale offered to clients of a service with wscale = learn, frozen
 * per cookie epoch and learned slot: the third ACK must find the shift its
 * SYN-ACK announced, and the cookie has no bit left to carry it. The first
 * SYN of epoch e whose backend hashes to slot s fixes ws_snap[s][e & 1]
 * from what was learned then; a cookie lives in epochs e and e + 1 only, so
 * the entry is still there for its third ACK (build.c, dp_adv_wscale).
 */
struct sw_ws_snap {
	uint32_t epoch; /* cookie epoch the entry belongs to, valid with set */
	uint8_t ws; /* 0..14 or SW_ADV_WS_NONE */
	bool set;
};

/*
 * A SYN answered in this burst, its cookie still to be made: the burst makes
 * all of them in one sw_cookie_make_bulk call, so that their hashes overlap
 * (dp_syn_flush, proxy_syn.c). Its sw_cookie_req is the same index of
 * sw_worker.syn_req.
 */
struct sw_syn_pending {
	struct dp_pkt *p; /* in the burst's array */
	struct sw_tcpopt_syn so; /* the SYN-ACK's options but the TSval */
	uint64_t addr_sum; /* sw_csum_verify_tcp_addrs's */
	uint8_t flags; /* the SYN-ACK's */
};

#define SW_FRAG_MARKS 8 /* flows with a first fragment in flight, per worker */

/*
 * One worker lcore. Allocated on its NUMA socket; every field is written only
 * by the owning lcore (dp: rw) unless noted.
 */
struct sw_worker {
	unsigned lcore_id;
	uint16_t idx; /* 0..nb_workers-1 */
	uint16_t queue_id; /* RX/TX queue this worker owns on every port */
	struct sw_dp_shared *sh;
	struct sw_flowtab *ft; /* cp: ro through the flowtab readers */
	struct rte_mempool *pool; /* generated packets */
	struct sw_cookie_keys keys; /* epoch keys cache */
	/*
	 * Cookie epochs: epoch = epoch_base + (ms - epoch_t0_ms) / epoch_len_ms.
	 * A reload that changes the length starts the next epoch at once under
	 * the new length (poll_time), so the numbering stays continuous and the
	 * cookies of handshakes in flight stay valid (a cookie of epoch e is
	 * checked in e and e + 1). Per worker: a flow's SYN and third ACK meet
	 * on one worker.
	 */
	uint32_t epoch_len_ms; /* length in use; 0 before the first poll */
	uint32_t epoch_base;
	uint64_t epoch_t0_ms;
	struct rte_ring *steer_ring; /* MP/SC: other workers enqueue, this one dequeues */
	uint64_t tsc_hz;
	uint64_t tsc_per_ms;
	uint64_t now_tsc; /* set once per poll */
	uint32_t now_ms; /* ms clock derived from now_tsc */
	uint32_t ts_clock; /* clock for our TSvals (ms), random offset */
	struct sw_runtime *rt; /* snapshot used during this poll */
	/*
	 * Port role of the burst being processed (sw_dp_process_burst): every
	 * packet of a burst came in on it, so it is set once, not per packet.
	 */
	unsigned rx_port;
	/*
	 * Workers the burst's packets went through before this one (0 for a
	 * burst from a port): with RSS, an ICMP error or a first fragment
	 * whose flow a worker does not have goes on to the next (worker.c).
	 */
	uint16_t rx_hops;
	/*
	 * Both ports insert IPv4 header and TCP checksums on TX (cp sets it
	 * before the worker starts): the packets synwall writes in one pass
	 * (dp_tcp_plain) leave their checksums to the NIC. dp: ro.
	 */
	bool tx_csum;

	/* TX buffering per port, flushed at the end of each poll. */
	uint16_t tx_n[SW_NB_PORTS];
	struct rte_mbuf *tx_buf[SW_NB_PORTS][SW_TX_BUF];
	/* Dropped or consumed mbufs, freed in bulk by sw_dp_flush() (or when full). */
	uint16_t free_n;
	struct rte_mbuf *free_buf[SW_FREE_BUF];

	/* Backend SYNs kept for retransmission: slot index stored in the flow. */
	struct rte_mbuf **syn_keep;
	uint32_t syn_keep_n;
	uint32_t *syn_keep_free;
	uint32_t syn_keep_nfree;

	struct sw_learned learned[SW_LEARN_SLOTS];
	struct sw_ws_snap ws_snap[SW_LEARN_SLOTS][2]; /* [slot][epoch & 1] */
	/*
	 * Each service's wscale setting (a shift or SW_CONFIG_WSCALE_LEARN) as
	 * the first SYN of a cookie epoch found it, [service id][epoch & 1]: a
	 * reload that changes it applies from the next epoch, and a third ACK
	 * reads what its SYN-ACK used (dp_svc_wscale).
	 */
	struct sw_ws_snap svc_ws[SW_CONFIG_SERVICES_MAX + 1][2];
	unsigned expire_budget; /* flow-table slots examined per poll */
	/*
	 * What the burst being processed did to the flow table, for its bulk
	 * lookup results (sw_dp_process_burst): flows added or deleted (any
	 * change), deleted or evicted (a hit may be stale), and a 256-bit filter
	 * of the hashes of flows added (a miss on one of them may be stale;
	 * cleared after a burst that added).
	 */
	uint32_t ft_changes;
	uint32_t ft_dels;
	uint64_t ft_added[4];
	/*
	 * Flows whose direction dir sent a first fragment lately: the receiver's
	 * ACK for the whole segment is let through (sw_conn_ack_seen,
	 * dp_proxy_flow_frag). frag_n: marks in use, 0 almost always.
	 */
	struct {
		const struct sw_flow *f;
		uint32_t until_ms;
		uint8_t dir;
	} frag_mark[SW_FRAG_MARKS];
	uint8_t frag_n;
	uint8_t frag_next; /* the mark a new one replaces when all are taken */
	uint32_t challenge_sec; /* second of the current challenge-ACK budget */
	uint32_t challenge_n; /* challenge ACKs sent in it */

	/*
	 * Distinct SYN sources per service, two banks by second parity: the
	 * worker adds to bank (now_s & 1) and clears it when a new second
	 * starts; the control thread merges bank ((now_s - 1) & 1). cp: ro.
	 */
	uint8_t *hll_mem;
	size_t hll_size; /* bytes of one sketch */
	uint32_t hll_sec; /* second the current bank belongs to */
	/* SYNs per service in the same one-second banks as the sketches (cp: ro). */
	uint32_t syn_bank[2][SW_CONFIG_SERVICES_MAX + 1];
	/* Flows per service id in this worker's table (flow_share limit; cp: ro). */
	uint32_t svc_flows[SW_CONFIG_SERVICES_MAX + 1];

	struct sw_svc_stats svc[SW_CONFIG_SERVICES_MAX + 1]; /* cp: ro */
	void *src_buckets; /* per-source SYN buckets (ratelimit.c) */
	uint32_t src_mask; /* slots - 1 */
	struct dp_svc_bucket svc_bucket[SW_CONFIG_SERVICES_MAX + 1];
	struct sw_stats stats; /* cp: ro */

	/* SYNs of the burst being processed, answered at its end (dp: rw only). */
	uint16_t syn_n;
	struct sw_syn_pending syn_q[SW_BURST];
	struct sw_cookie_req syn_req[SW_BURST]; /* their cookies' inputs */
} __rte_cache_aligned;

/*
 * Build what the workers need from a validated snapshot; takes ownership of
 * cfg on success. prev (NULL at start) is the running runtime: services keep
 * their ids by name (see runtime.c). NULL + rte_errno on failure.
 */
struct sw_runtime *sw_runtime_build(struct sw_config *cfg, const struct sw_runtime *prev);
/* Free a runtime (NULL allowed); only after every worker is quiescent. */
void sw_runtime_free(struct sw_runtime *rt);

/* The sketch of service id in bank (0 or 1). */
static inline struct sw_hll *
sw_dp_hll(const struct sw_worker *w, unsigned bank, uint16_t id)
{
	return (struct sw_hll *)(w->hll_mem +
		((size_t)bank * (SW_CONFIG_SERVICES_MAX + 1) + id) * w->hll_size);
}

/* Create a worker's state (flow table, rings) on socket. NULL + rte_errno on failure. */
struct sw_worker *sw_dp_worker_create(
	struct sw_dp_shared *sh, uint16_t idx, unsigned lcore_id, int socket);
void sw_dp_worker_free(struct sw_worker *w);

/* lcore entry point: poll until sh->stop. arg is the struct sw_worker. */
int sw_dp_worker_main(void *arg);

/*
 * One iteration at time now_tsc: drain RX of every port (and the steering
 * ring), process, flush TX, run a slice of flow expiry. Returns packets
 * processed. Exposed for in-process harnesses that control time.
 */
unsigned sw_dp_poll(struct sw_worker *w, uint64_t now_tsc);

/*
 * Process a burst received on port role `port` (SW_PORT_OUTSIDE/INSIDE).
 * Consumes every mbuf: each is transmitted, buffered for TX, or freed.
 */
void sw_dp_process_burst(struct sw_worker *w, unsigned port, struct rte_mbuf **pkts, uint16_t n);

/* Flush buffered TX on every port. */
void sw_dp_flush(struct sw_worker *w);

/*
 * RSS redirection tables of the two ports (reta.c): a hash must pick the
 * same queue on both. sw_dp_reta_common(): the size to fill from, for tables
 * of sa and sb entries (equal, or both powers of two), 0 when none works.
 * sw_dp_reta_fill(): reta[i] = (i mod common) mod nq, for a table of size
 * entries. sw_dp_reta_agree(): every hash gets the same queue, below nq, from
 * table a (sa entries) and table b (sb).
 */
unsigned sw_dp_reta_common(unsigned sa, unsigned sb);
void sw_dp_reta_fill(uint16_t *reta, unsigned size, unsigned common, uint16_t nq);
bool sw_dp_reta_agree(const uint16_t *a, unsigned sa, const uint16_t *b, unsigned sb, uint16_t nq);

/*
 * Fill the redirection tables of the two ports (configured, RSS) alike for
 * nq queues, read them back and compare: 0 when every hash picks the same
 * queue on both; -ENOENT when neither port exposes a table; -EINVAL for sizes
 * with no common fill; -EIO when the tables read back disagree; another
 * negative errno when one could not be written or read.
 */
int sw_dp_reta_setup(const uint16_t port_id[SW_NB_PORTS], uint16_t nq);

#endif /* SW_DATAPLANE_H */
