/* SPDX-License-Identifier: BSD-3-Clause */
/* synwall-gen: configuration, counters, the worker and the per-mode ops (testpmd fwd_engine). */
#ifndef GEN_H
#define GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sw_pkt.h"

#define GEN_NAME "synwall-gen"

/*
 * The only address space the generator may put on a wire: 198.18.0.0/15
 * (RFC 2544) and 2001:2::/48 (RFC 5180), the benchmarking ranges.
 */
#define GEN_LAB_NET4 198, 18 /* 198.18.0.0, the bytes before the zeros */
#define GEN_LAB_PLEN4 15
#define GEN_LAB_NET6 0x20, 0x01, 0x00, 0x02 /* 2001:2::, the bytes before the zeros */
#define GEN_LAB_PLEN6 48

/*
 * The largest MSS (and the default): a 1500-byte MTU and one mbuf of payload.
 * The IPv6 header is 20 bytes longer than IPv4's, so the same MTU leaves 20
 * bytes less for TCP payload (RFC 8200 section 8.3).
 */
#define GEN_MSS_MAX4 1460
#define GEN_IP6_EXTRA 20

#define GEN_BURST_MAX 64
/*
 * Full RX bursts read per port per loop iteration before the timers run: after
 * a stall (a shared core) the backlog is read first, so that segments already
 * waiting in the ring do not look lost to the retransmission timers.
 */
#define GEN_RX_BURSTS 8
#define GEN_TXBUF_MAX 512 /* frames queued per port before a forced flush */
#define GEN_HDR_LEN 16 /* request header, see gen_pattern.c */
#define GEN_LEN_MAX (1u << 30) /* request / response bytes: keeps sequence maths in half space */

/* Modes, in the order their ops run each iteration. */
enum gen_mode {
	GEN_MODE_CLIENTS = 0,
	GEN_MODE_SERVERS,
	GEN_MODE_SYN_FLOOD,
	GEN_MODE_ACK_FLOOD,
	GEN_MODE_RST_FLOOD,
	GEN_MODE_FIN_FLOOD,
	GEN_MODE_MAX
};

/* Which side of the lab a port faces: clients and floods, or servers. */
enum gen_role { GEN_ROLE_CLIENT = 0, GEN_ROLE_SERVER, GEN_ROLE_MAX };

/*
 * An address in network byte order, either family: IPv4 takes the first 4
 * bytes, the rest zero (as in struct sw_tuple), so one type, comparison and
 * hash key serve both. The family itself is the run's (gen_cfg.family).
 */
struct gen_ip {
	uint8_t b[16];
};

/* Address bytes of a family: 4 or 16. */
static inline unsigned int
gen_ip_len(uint8_t family)
{
	return family == 6 ? 16 : 4;
}

/* The address of family at p (4 or 16 bytes of a header). */
static inline void
gen_ip_read(struct gen_ip *a, const uint8_t *p, uint8_t family)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->b, p, gen_ip_len(family));
}

static inline bool
gen_ip_eq(const struct gen_ip *a, const struct gen_ip *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* a lies in net/plen (net without host bits): the first plen bits are equal. */
static inline bool
gen_in_net(const struct gen_ip *a, const struct gen_ip *net, uint8_t plen)
{
	unsigned int full = plen / 8u, rest = plen % 8u;

	if (memcmp(a->b, net->b, full) != 0)
		return false;
	return rest == 0 || ((a->b[full] ^ net->b[full]) & (0xff00u >> rest)) == 0;
}

/* Source and destination address of a parsed IP frame, of v->family. */
static inline void
gen_pkt_addrs(
	const uint8_t *frame, const struct sw_pkt_view *v, struct gen_ip *src, struct gen_ip *dst)
{
	gen_ip_read(src, frame + v->l3_off + (v->family == 6 ? 8 : 12), v->family);
	gen_ip_read(dst, sw_pkt_dst(frame, v), v->family);
}

/* Usable addresses of a prefix: first and how many (see gen_hosts_init()). */
struct gen_hosts {
	struct gen_ip first;
	uint64_t n;
};

/*
 * Parsed and validated command line (args.c). Addresses network order (struct
 * gen_ip), ports host order.
 * Written once before the worker starts; read-only afterwards.
 */
struct gen_cfg {
	uint32_t modes; /* bit (1u << enum gen_mode) per enabled mode */
	uint16_t port_id[GEN_ROLE_MAX]; /* DPDK port ids; valid for roles in use */
	bool has_port[GEN_ROLE_MAX]; /* port given on the command line */
	struct rte_ether_addr mac[GEN_ROLE_MAX]; /* source MAC per role, valid with has_mac */
	bool has_mac[GEN_ROLE_MAX];
	struct rte_ether_addr
		dst_mac; /* destination of client-port frames, valid with has_dst_mac */
	bool has_dst_mac;
	uint8_t family; /* 4 or 6: the family of every address below */
	struct gen_ip client_net; /* client source addresses: client_net/client_plen, hosts only */
	uint8_t client_plen;
	struct gen_ip server_ip; /* servers listen here; clients and floods target it */
	uint16_t service_port; /* TCP port of the service */
	struct gen_ip src_net; /* flood sources: src_net/src_plen, inside the lab ranges */
	uint8_t src_plen;
	uint64_t rate_pps; /* per flood mode; 0 = as fast as the TX queue takes them */
	uint64_t count; /* per flood mode; 0 = until duration */
	uint64_t duration_ms; /* hard bound of the whole run, 1 ms .. 1 h */
	uint64_t conns; /* clients: connections in total */
	uint32_t concurrency; /* clients: open connections at most */
	uint32_t conn_rate; /* clients: new connections per second, 0 = no limit */
	uint32_t request_bytes; /* clients: request size incl. the 16-byte header */
	uint32_t response_bytes; /* clients: response size asked of the server */
	bool server_closes_first; /* --close-first server */
	bool synack_zero_win; /* servers: SYN-ACK with window 0 and no update (probe test) */
	uint16_t mss; /* MSS we announce and never exceed (default per family) */
	int8_t wscale; /* window shift we announce, -1 = no Window Scale option */
	bool sack; /* announce SACK-permitted (RFC 2018); we never send SACK blocks */
	bool ts; /* announce Timestamps (RFC 7323) */
	uint32_t window_bytes; /* receive window we announce (scaled by wscale) */
	uint32_t rto_ms; /* initial retransmission timeout, doubled per retry */
	uint32_t rto_max_ms; /* backoff cap */
	uint8_t retries; /* retransmissions before a connection fails */
	uint32_t probe_ms; /* zero-window probe delay */
	uint32_t idle_ms; /* waiting for the peer with nothing outstanding: fail after this */
	uint32_t linger_ms; /* TIME_WAIT of the active closer (re-ACKs retransmitted FINs) */
	uint32_t drain_ms; /* after every bounded mode is done, keep receiving this long */
	uint32_t hold_ms; /* after the report, keep the ports open (not polled) this long */
	uint32_t table_size; /* connection table entries per TCP mode */
	uint32_t stats_interval_ms; /* 0 = no live stats */
	const char *json_path; /* final report as JSON, or NULL */
	uint32_t nb_mbufs;
	uint32_t link_timeout_ms;
	uint16_t burst;
};

/*
 * Every counter, in report order: name and meaning. One list generates the
 * enum, the names (JSON keys) and the help.
 */
#define GEN_FAIL_LIST(X) \
	X(syn_timeout, "handshake never completed (SYN / SYN-ACK retries exhausted)") \
	X(win_timeout, "peer window stayed zero (probes exhausted)") \
	X(rtx_timeout, "data or FIN never acknowledged (retries exhausted)") \
	X(idle_timeout, "peer silent while we waited for its data or FIN") \
	X(reset, "connection reset by the peer") \
	X(verify, "received bytes differ from the expected pattern") \
	X(proto, "protocol error: bad header, excess data, early FIN, bad ACK")

#define GEN_FAIL_ONE(n, h) +1
#define GEN_FAIL_N (0 GEN_FAIL_LIST(GEN_FAIL_ONE))

#define GEN_CTR_CLI_FAIL(n, h) X(cli_fail_##n, "client failure: " h)
#define GEN_CTR_SRV_FAIL(n, h) X(srv_fail_##n, "server failure: " h)

#define GEN_CTR_LIST(X) \
	X(tx_syn_flood, "SYNs sent by syn-flood") \
	X(tx_ack_flood, "ACKs sent by ack-flood") \
	X(tx_rst_flood, "RSTs sent by rst-flood") \
	X(tx_fin_flood, "FINs sent by fin-flood") \
	X(tx_client, "segments sent by clients") \
	X(tx_server, "segments sent by servers") \
	X(tx_arp, "ARP frames sent") \
	X(tx_nd, "IPv6 neighbour solicitations and advertisements sent") \
	X(rst_tx, "RSTs sent for segments of no connection (clients and servers)") \
	X(tx_drop, "frames the TX queue refused (freed; TCP retransmits)") \
	X(no_mbuf, "mbuf allocation failures") \
	X(rx_frames, "frames received on all ports") \
	X(rx_flood_synack, "SYN-ACKs to flood sources") \
	X(rx_flood_rst, "RSTs to flood sources") \
	X(rx_flood_other, "other segments to flood sources") \
	X(rx_client, "segments for client connections") \
	X(rx_server, "segments for servers") \
	X(rx_arp, "ARP frames received") \
	X(rx_nd, "IPv6 neighbour solicitations and advertisements received") \
	X(rx_bad, "frames that did not parse, or TCP with a bad checksum") \
	X(rx_stray, "TCP segments for no connection of ours") \
	X(rx_other, "frames that are neither TCP nor address resolution (ARP, ND)") \
	X(cli_started, "client connections opened (SYN sent)") \
	X(cli_synack, "SYN-ACKs received by clients") \
	X(cli_zero_win, "SYN-ACKs with a zero window (the proxy's)") \
	X(cli_win_open, "window updates that opened a zero window") \
	X(cli_probe, "zero-window probes sent by clients") \
	X(cli_rtx, "client retransmissions (SYN, data, FIN)") \
	X(cli_completed, "client connections completed and verified") \
	X(cli_failed, "client connections failed (sum of causes)") \
	GEN_FAIL_LIST(GEN_CTR_CLI_FAIL) \
	X(cli_bytes_tx, "request bytes sent by clients (first transmissions)") \
	X(cli_bytes_verified, "response bytes received and verified by clients") \
	X(cli_table_full, "client opens deferred: connection table full") \
	X(srv_syn, "SYNs received by servers") \
	X(srv_accepted, "server handshakes completed") \
	X(srv_completed, "server connections completed (request verified, response sent, closed)") \
	X(srv_failed, "server connections failed (sum of causes)") \
	GEN_FAIL_LIST(GEN_CTR_SRV_FAIL) \
	X(srv_rtx, "server retransmissions (SYN-ACK, data, FIN)") \
	X(srv_bytes_verified, "request bytes received and verified by servers") \
	X(srv_table_full, "SYNs dropped: server connection table full") \
	X(srv_halfopen_reset, \
		"half-opens reset by their source (in srv_fail_reset, not a run failure)")

#define X(n, h) GEN_CTR_##n,
enum gen_ctr { GEN_CTR_LIST(X) GEN_CTR_MAX };
#undef X

extern const char *const gen_ctr_name[GEN_CTR_MAX];
extern const char *const gen_ctr_help[GEN_CTR_MAX];

/* Latency histograms the clients fill. */
enum gen_hist_id {
	GEN_HIST_SETUP = 0, /* SYN sent -> usable (SYN-ACK and a nonzero window) */
	GEN_HIST_CONN, /* SYN sent -> request/response verified and closed */
	GEN_HIST_MAX
};

/*
 * Log-linear histogram of nanoseconds: 16 sub-buckets per power of two (6 %
 * resolution), exact below 16 ns. Writer: the worker; reader: the main lcore
 * through gen_hist_snap() (relaxed loads, totals may lag by one sample).
 */
#define GEN_HIST_SUB_BITS 4
#define GEN_HIST_BUCKETS 640
struct gen_hist {
	uint64_t n[GEN_HIST_BUCKETS];
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
};

/* Per role port state (owner: the worker, except what init writes before it starts). */
struct gen_port {
	bool is_used;
	uint16_t port_id;
	struct rte_ether_addr mac; /* our source MAC */
	struct rte_ether_addr dst_mac; /* client role: where frames go; server role: unused */
	bool has_dst_mac; /* client role: resolved or configured (else broadcast, ARP pending) */
	uint16_t n_tx; /* frames in tx[] */
	struct rte_mbuf *tx[GEN_TXBUF_MAX];
	uint8_t tx_ctr[GEN_TXBUF_MAX]; /* the counter (enum gen_ctr) each frame adds to once sent */
};

struct gen_worker;
struct gen_snap;

/* One traffic mode (testpmd's struct fwd_engine). */
struct gen_mode_ops {
	const char *name; /* as given to --mode */
	enum gen_role role; /* port its traffic leaves on */
	/* Allocate the mode's state into *priv. 0 or -errno. Runs on the main lcore. */
	int (*init)(struct gen_worker *w, void **priv);
	void (*fini)(void *priv);
	/*
	 * Generate this iteration's frames (new flood packets, new connections,
	 * timers, deferred ACKs), at most budget new ones; returns how many
	 * were generated.
	 */
	uint16_t (*tx_burst)(struct gen_worker *w, void *priv, uint16_t budget);
	/*
	 * Offer one received frame: returns true when the mode claims it.
	 * Borrows m (the caller frees it). Called for TCP frames of the run's
	 * address family only.
	 */
	bool (*rx)(struct gen_worker *w, void *priv, uint16_t role, struct rte_mbuf *m,
		const struct sw_pkt_view *v);
	/* True when the mode's bounded work is over; NULL for unbounded modes (servers). */
	bool (*is_done)(const struct gen_worker *w, const void *priv);
	/* Print the mode's lines of a live or final report. */
	void (*report)(const struct gen_worker *w, const void *priv, const struct gen_snap *cur,
		const struct gen_snap *prev, FILE *f);
};

extern const struct gen_mode_ops gen_mode_clients;
extern const struct gen_mode_ops gen_mode_servers;
extern const struct gen_mode_ops gen_mode_syn_flood;
extern const struct gen_mode_ops gen_mode_ack_flood;
extern const struct gen_mode_ops gen_mode_rst_flood;
extern const struct gen_mode_ops gen_mode_fin_flood;
extern const struct gen_mode_ops *const gen_modes[GEN_MODE_MAX];

/* A consistent-enough copy of the counters for reports. */
struct gen_snap {
	uint64_t tsc; /* when taken */
	double elapsed_s; /* since the worker started; final: until the bounded work was done */
	double run_s; /* since the worker started, drain included */
	uint64_t ctr[GEN_CTR_MAX];
	/* ctr when the bounded work was done (final), else ctr: what elapsed_s's rates count */
	uint64_t ctr_work[GEN_CTR_MAX];
	struct gen_hist hist[GEN_HIST_MAX];
	uint32_t cli_active; /* client connections open now */
	uint32_t srv_active; /* server connections open now */
};

/*
 * The single worker (owner: the lcore running gen_worker_main; the main
 * lcore reads ctr[], hist[], *_active and the flags through relaxed atomics).
 */
struct gen_worker {
	const struct gen_cfg *cfg;
	struct rte_mempool *pool;
	uint64_t hz; /* TSC ticks per second */
	uint64_t start_tsc; /* worker loop start (dp: w once; main: r) */
	uint64_t stop_tsc; /* worker loop end, 0 while running (dp: w once; main: r) */
	uint64_t
		done_tsc; /* bounded work all done (drain starts), 0 before (dp: w once; main: r) */
	uint64_t now_tsc; /* refreshed every loop iteration */
	uint32_t now_ms; /* (now_tsc - start_tsc) in ms, + a random base: the TCP timestamp clock */
	uint32_t ts_base;
	uint16_t ip_id; /* IPv4 identification counter */
	struct gen_port port[GEN_ROLE_MAX];
	void *priv[GEN_MODE_MAX]; /* mode state, NULL for disabled modes */
	uint64_t arp_next_tsc; /* next ARP request or IPv6 NS while dst_mac is unresolved */
	uint64_t ctr[GEN_CTR_MAX]; /* dp: rw; main: ro (relaxed) */
	uint64_t ctr_done[GEN_CTR_MAX]; /* ctr at done_tsc (dp: w once, before it; main: r) */
	struct gen_hist hist[GEN_HIST_MAX]; /* dp: rw; main: ro (relaxed) */
	uint32_t cli_active, srv_active; /* dp: rw; main: ro (relaxed) */
	bool stop; /* main: w (SIGINT); dp: r */
	bool exited; /* dp: w when the loop is over; main: r */
	int link_lost; /* port id whose link went down during the run, -1 if none (dp: w) */
	uint64_t next_link_tsc; /* next link check */
	bool inline_stats; /* no worker lcore: the loop prints live stats itself */
	uint64_t next_stats_tsc; /* inline_stats only */
	struct gen_snap last; /* inline_stats only: previous snapshot */
} __rte_cache_aligned;

/* Single writer: a relaxed store after a plain read is enough for a racy reader. */
static inline void
gen_ctr_add(struct gen_worker *w, enum gen_ctr c, uint64_t n)
{
	__atomic_store_n(&w->ctr[c], w->ctr[c] + n, __ATOMIC_RELAXED);
}

static inline bool
gen_mode_on(const struct gen_cfg *cfg, enum gen_mode m)
{
	return (cfg->modes & (1u << m)) != 0;
}

/* worker.c */
/* The loop's main lcore entry (arg: the worker); returns when the run is over. */
int gen_worker_main(void *arg);
/*
 * One iteration at w->now_tsc / now_ms (the caller's clock): receive, let
 * every mode transmit, address resolution, flush. The loop's body, and a
 * test harness's step.
 */
void gen_worker_step(struct gen_worker *w);

/* args.c */
int gen_args_parse(struct gen_cfg *cfg, int argc, char **argv);
void gen_args_usage(FILE *f, const char *prog);
/* "synwall-gen 0.1.0 (git ...), DPDK ..." on stdout (--version). */
void gen_args_version(void);
int gen_args_check_ports(struct gen_cfg *cfg);

/* port.c: setup, TX queueing and ARP. */
int gen_ports_init(struct gen_worker *w);
void gen_ports_fini(struct gen_worker *w);
/*
 * Queue m on role's port (consumes m); counter c counts it once the TX queue
 * has taken it (a frame the queue refuses counts as tx_drop only).
 */
void gen_tx(struct gen_worker *w, enum gen_role role, struct rte_mbuf *m, enum gen_ctr c);
void gen_tx_flush(struct gen_worker *w);
/* Handle an ARP frame received on role (borrows m). */
void gen_arp_rx(
	struct gen_worker *w, enum gen_role role, struct rte_mbuf *m, const struct sw_pkt_view *v);
/* Ask for the client port's destination when unresolved (ARP, or IPv6 NS), once a second. */
void gen_arp_poll(struct gen_worker *w);
/* Whether ip is ours on the role's port: a client address, or the server address. */
bool gen_is_ours(const struct gen_cfg *cfg, enum gen_role role, const struct gen_ip *ip);
/* mac (how: "ARP", ...) becomes the client port's destination, unless configured. */
void gen_learn_dst(struct gen_worker *w, const struct rte_ether_addr *mac, const char *how);

/* nd.c: IPv6 neighbour discovery (RFC 4861), ARP's part in an IPv6 run. */
/* Handle an ICMPv6 frame received on role (borrows m). */
void gen_nd_rx(
	struct gen_worker *w, enum gen_role role, struct rte_mbuf *m, const struct sw_pkt_view *v);
void gen_nd_poll(struct gen_worker *w);

/* pkt.c: addresses, frame building and the verifiable byte pattern. */
/*
 * The hosts of net/plen: without the network and broadcast addresses up to
 * IPv4 /30, without the Subnet-Router anycast address (host part zero, RFC
 * 4291 section 2.6.1) up to IPv6 /126; /31, /127 and /32, /128 use them all.
 * n is capped at max (an IPv6 prefix has up to 2^80 of them).
 */
void gen_hosts_init(
	struct gen_hosts *hs, const struct gen_ip *net, uint8_t plen, uint8_t family, uint64_t max);
/* Host i (< hs->n) of the prefix. */
void gen_hosts_get(const struct gen_hosts *hs, uint64_t i, uint8_t family, struct gen_ip *a);
/* One TCP segment to build; the IP header is of the run's family. */
struct gen_seg {
	const struct rte_ether_addr *src_mac, *dst_mac;
	struct gen_ip sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt; /* options area, a multiple of 4 bytes */
	uint16_t opt_len;
	uint16_t payload_len;
};
/*
 * Build Ethernet + IPv4 (or IPv6, no extension headers) + TCP headers;
 * *payload gets where payload_len bytes go.
 */
struct rte_mbuf *gen_pkt_tcp(struct gen_worker *w, const struct gen_seg *h, uint8_t **payload);
/* Fill the checksums (IPv4 header, TCP) of a frame gen_pkt_tcp() built (payload written). */
void gen_pkt_tcp_finish(const struct gen_worker *w, struct rte_mbuf *m);
/* Seed of one direction of a connection, from its addresses (all of them) and ports. */
uint32_t gen_pattern_seed(uint8_t family, const struct gen_ip *cip, const struct gen_ip *sip,
	uint16_t cport, uint16_t sport, bool s2c);
void gen_pattern_fill(uint32_t seed, uint32_t off, uint8_t *buf, uint32_t len);
/* 0 when buf holds the pattern at off, else -EBADMSG. */
int gen_pattern_check(uint32_t seed, uint32_t off, const uint8_t *buf, uint32_t len);

/* stats.c */
void gen_hist_add(struct gen_hist *h, uint64_t ns);
void gen_snap_take(const struct gen_worker *w, struct gen_snap *s);
/* p in [0, 1]; returns microseconds (bucket upper bound, at most max). */
double gen_hist_pct(const struct gen_hist *cur, const struct gen_hist *prev, double p);
void gen_report_live(
	const struct gen_worker *w, const struct gen_snap *cur, const struct gen_snap *prev);
void gen_report_final(const struct gen_worker *w, const struct gen_snap *s);
int gen_report_json(const struct gen_worker *w, const struct gen_snap *s, const char *path);
/* Rate of a counter over [prev, cur] (or the whole run when prev is NULL). */
double gen_rate(const struct gen_snap *cur, const struct gen_snap *prev, enum gen_ctr c);
/* "failures: cause=n ..." for the GEN_FAIL_N counters from first, when total > 0. */
void gen_fail_line(FILE *f, const struct gen_snap *cur, enum gen_ctr first, enum gen_ctr total);
void gen_hist_line(FILE *f, const char *label, const struct gen_snap *cur,
	const struct gen_snap *prev, enum gen_hist_id id);

#endif /* GEN_H */
