/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the whole data path (parse, classify, cookies, flow table,
 * proxy state machine, relay, teardown, expiry) of real synwall workers between
 * two net_ring ports, driven by sequences of frames, clock steps and polls; each
 * input runs on fresh workers and must leave no mbuf behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "fuzz_rd.h"
#include "sw_dataplane.h"
#include "sw_pkt.h"
#include "sw_tcpopt.h"
#include "sw_testenv.h"

/*
 * Input layout (integers big endian; bytes past the end read as zero, so any
 * input decodes):
 *   setup (1): bit 0 two workers with software steering, bit 3 two workers
 *     without it (RSS: each frame stays on the RX queue it names; else one
 *     worker), bit 1 the workers' tx_csum, bit 2 start on config B (else A)
 *   then up to MAX_RECORDS records, each op (1) then fields; kind = op & 15,
 *   a = op >> 4:
 *   0-5 FRAME: a: bit 0 server -> client on the inside port (else client ->
 *       server on the outside port), bit 1 fix the checksums, bit 2 poll after,
 *       bit 3 RX queue 1 (two workers only);
 *       sel (1): tuple (bits 0-3, tuples[]), seq mode (4-5), ack mode (6-7):
 *         0 the field as is, 1 learned, 2 learned + (int8_t)field, 3 learned + field
 *         (learned: this side's next seq / the peer's next seq it saw in the
 *         worker's output; the field as is while nothing was learned);
 *       salt (1): the client port is CPORT_BASE + 256 * tuple + salt;
 *       flags (1); shape (1): VLAN (bits 0-1: none, 10, 25, QinQ 100/10), L3
 *         extra (2-4: 0-3 none, 4 IPv4 options / hop-by-hop, 5 record route /
 *         routing header in transit, 6 first fragment, 7 later fragment),
 *         delivery (5-6: 0-1 one mbuf, 2 exact-size external buffer (ASan sees
 *         overruns), 3 two segments), bit 7 payload length in 2 bytes;
 *       seq (4), ack (4), window (2), payload length (1 or 2, at most 1460);
 *       split (1, delivery 3 only): the first segment's length, 8 * split, 0 = headers;
 *       options (1): bit 0 MSS, 1 SACK-permitted, 2 timestamps, 3 window scale,
 *         4-5 SACK blocks, 6 timestamps from the input (else own clock and
 *         learned echo), 7 raw option bytes instead of all that; then, in order:
 *         raw: length (1, mod 41) and bytes; MSS (2); wscale (1); TS (8, bit 6);
 *         SACK blocks (2 each: left edge offset (int8_t * 8) from the learned
 *         next seq, length / 8)
 *   6  RAW: a: bit 0 inside port, bit 1 poll after, bit 2 external buffer, bit 3
 *       two segments (split in the middle); length (2: bit 15 RX queue 1, rest
 *       mod RAW_MAX + 1), bytes
 *   7  PATCH the last frame queued and queue it again: a: bit 0 fix checksums,
 *       bit 1 poll after, bits 2-3 number of patches; length (2: 0 keeps it, else
 *       mod RAW_MAX + 1; grown with zeros), patches of offset (2) and XOR byte (1)
 *   8  CLOCK: step (1): steps_ms[step & 15] * (1 + (step >> 4)); a bit 0 poll after
 *   9  POLL: a: bit 0 leave the TX rings full (no drain), bits 1-3 repeat - 1
 *   10 EXPIRE: sweep every flow-table slot once
 *   11 HANDSHAKE n connections: sel (1): tuple (0-3), VLAN (4-5), bit 6 ECN-setup
 *       SYN, bit 7 no MSS; salt (1) of the first; n (1, 1 + n % 64); stages (1):
 *       bit 0 TS, 1 SACK, 2 WS, then what happens after SYN and third ACK: 3 the
 *       backend's SYN-ACK, 4 client data, 5 server data, 6 client FIN, 7 server
 *       FIN (both: then the last ACKs); shape (1): FRAME's L3 extra and delivery
 *       bits for every frame (split: headers); each stage queued for all, then polled
 *   12 OFFLOAD: a: NIC RX checksum verdict on the frames queued from now on, IP
 *       (bits 0-1) and L4 (2-3): unknown, good, bad, none; byte (1): bit 1 set
 *       the workers' tx_csum to bit 0
 *   13 POOL: a bit 0: give back the mbufs held; else hold all but leave (1) free
 *   14 RELOAD: swap the running config (A <-> B, as a reload would)
 *   15 FLOOD: repeat the last FRAME n (1, 1 + n % 128) times with salt + 1..n;
 *       a bit 0 poll after
 * After the records: poll until every queue is empty, let every flow expire,
 * check that no mbuf is left, free the workers.
 *
 * Checked (abort() when broken): after every poll, nothing left in a worker's
 * TX or free buffers; the flow table's per-state counts sum to its count, none
 * FREE; the per-service flow counts sum to it too; on each port rx == fwd +
 * answered + consumed + drops. Every frame sent passes rte_mbuf_check(), and
 * while every frame queued had right checksums, every TCP segment sent has
 * them (check_csum). At the end: every flow expired within 16 steps of 200 h,
 * tx counted == frames on the TX rings, no mbuf in use (kept SYNs included),
 * every external buffer released. ASan and UBSan watch everything else.
 */

#define MAX_RECORDS 1024
#define MAX_FRAMES 16384 /* per input, so that no input runs for seconds */
#define N_TUPLES 16
#define N_CONV (N_TUPLES * 256)
#define CPORT_BASE 10000 /* client ports: CPORT_BASE .. CPORT_BASE + N_CONV - 1 */
#define FLOW_CAP 128 /* per worker: small, so tables fill and evict */
#define N_QUEUES 2 /* per port, one per worker */
#define RING_DEPTH 256
#define POOL_SIZE 4096
#define RAW_MAX 1600
#define FRAME_MAX 1700 /* largest template: headers, 60 bytes of TCP, 1460 of payload */
#define PAYLOAD_MAX 1460
#define START_MS 1000000ull /* the clock starts at 1000 s */
#define TEARDOWN_STEP_MS (200ull * 3600 * 1000) /* past every timeout (168 h at most) */

/*
 * The client / server pairs: IPv4 198.18.NET.HOST, IPv6 2001:2:0:NET::HOST
 * (addresses from 198.18.0.0/15 and 2001:2::/48).
 */
struct tuple_def {
	uint8_t family;
	uint8_t cli_net, cli_host, srv_net, srv_host;
	uint16_t dport;
};

static const struct tuple_def tuples[N_TUPLES] = {
	{4, 1, 1, 2, 1, 80}, /* web */
	{6, 1, 1, 2, 1, 443}, /* web */
	{4, 6, 1, 4, 1, 80}, /* fixed */
	{6, 6, 1, 4, 1, 8080}, /* fixed */
	{4, 1, 2, 5, 1, 80}, /* tagged: VLAN 10, 20-30 only */
	{6, 1, 2, 5, 1, 80}, /* tagged */
	{4, 9, 1, 2, 1, 80}, /* global deny list */
	{4, 8, 1, 2, 1, 443}, /* global allow list */
	{4, 1, 3, 3, 1, 80}, /* open: action pass */
	{4, 1, 4, 7, 1, 22}, /* closed: action drop */
	{4, 1, 5, 10, 1, 80}, /* no service */
	{6, 9, 1, 2, 1, 80}, /* global deny list */
	{4, 6, 200, 4, 1, 8080}, /* fixed's own deny list */
	{6, 1, 3, 2, 2, 80}, /* web */
	{4, 1, 1, 2, 1, 443}, /* web, the client of tuple 0 */
	{4, 1, 6, 2, 200, 8080}, /* web's prefix, not its port */
};

/* An address of the tuples (4 or 16 bytes at out). */
static void
tuple_addr(uint8_t family, uint8_t net, uint8_t host, uint8_t *out)
{
	static const uint8_t v4[4] = {198, 18}, v6[16] = {0x20, 0x01, 0, 2};

	memcpy(out, family == 4 ? v4 : v6, family == 4 ? 4 : 16);
	out[family == 4 ? 2 : 7] = net;
	out[family == 4 ? 3 : 15] = host;
}

/*
 * Config A; B is what a reload turns it into: "tagged" removed (its flows keep
 * its timeouts), options and the default action changed, another cookie epoch.
 */
static const char cfg_a[] = "[ports]\noutside = o\ninside = i\n"
			    "[general]\nflow_capacity = 1024\nmbufs = 1024\ncookie_epoch = 5s\n"
			    "allow = 198.18.8.0/24\ndeny = 198.18.9.0/24, 2001:2:0:9::/64\n"
			    "src_syn_rate = 1000\nsrc_syn_burst = 100\nsrc_rate_slots = 1024\n"
			    "[service web]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80, 443\n"
			    "[service fixed]\ndst = 198.18.4.0/24, 2001:2:0:4::/64\n"
			    "ports = 80, 8080\nmss = 1200\nwscale = 3\nsack = on\n"
			    "timestamps = off\necn = on\nsyn_rate = 200\nflow_share = 50\n"
			    "deny = 198.18.6.128/25\ntimeout_syn_sent = 3s\n"
			    "timeout_established = 5s\ntimeout_fin_wait = 2s\n"
			    "timeout_close_wait = 2s\ntimeout_last_ack = 1s\n"
			    "timeout_closing = 1s\ntimeout_time_wait = 1s\n"
			    "timeout_closed = 500ms\n"
			    "[service tagged]\ndst = 198.18.5.0/24, 2001:2:0:5::/64\nports = 80\n"
			    "vlan = 10, 20-30\nmss = 536\nwscale = 0\nsack = off\n"
			    "timestamps = on\necn = off\n"
			    "[service open]\ndst = 198.18.3.0/24\nports = 80\naction = pass\n"
			    "[service closed]\ndst = 198.18.7.0/24\nports = 1-65535\n"
			    "action = drop\n";
static const char cfg_b[] = "[ports]\noutside = o\ninside = i\n"
			    "[general]\nflow_capacity = 1024\nmbufs = 1024\ncookie_epoch = 2s\n"
			    "default_action = drop\nallow = 198.18.8.0/24\n"
			    "deny = 198.18.9.0/24, 2001:2:0:9::/64\nsrc_rate_slots = 1024\n"
			    "[timeouts]\nestablished = 30s\ntime_wait = 3s\n"
			    "[service web]\ndst = 198.18.2.0/24, 2001:2:0:2::/64\nports = 80, 443\n"
			    "mss = 1300\nwscale = 5\nsack = off\ntimestamps = on\necn = on\n"
			    "syn_rate = 50\n"
			    "[service fixed]\ndst = 198.18.4.0/24, 2001:2:0:4::/64\n"
			    "ports = 80, 8080\naction = pass\n"
			    "[service open]\ndst = 198.18.3.0/24\nports = 80\naction = pass\n"
			    "[service closed]\ndst = 198.18.7.0/24\nports = 1-65535\n"
			    "action = drop\n";

static const uint8_t cli_mac[6] = {2, 0, 0, 0, 0, 1}, srv_mac[6] = {2, 0, 0, 0, 0, 2};

/* CLOCK steps: around the timeouts, the cookie epochs, the RTOs and the ms clock. */
static const uint32_t steps_ms[16] = {
	1, 7, 30, 64, 101, 250, 500, 999, 1000, 2001, 4999, 10000, 30001, 61000, 3600000, 86400000};

/* What one end of a connection knows, learned from the frames the workers sent it. */
struct endpoint {
	uint32_t snd_nxt; /* next seq it sends (valid with has_snd) */
	uint32_t rcv_nxt; /* next seq it expects (valid with has_rcv) */
	uint32_t ts_recent; /* last TSval it received */
	uint32_t ts_own; /* its TSval clock */
	bool has_snd, has_rcv;
};

/* One client port of one tuple: [0] the client, [1] the server. */
struct conv {
	uint32_t gen; /* == input_gen: valid in this input, else zero */
	struct endpoint ep[2];
};

struct opt_spec {
	uint8_t bits; /* the options byte */
	uint8_t raw_len;
	uint8_t ws;
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint8_t sack[3][2];
	uint8_t raw[SW_TCP_OPT_MAX];
};

#define OPT_MSS 0x01
#define OPT_SACKP 0x02
#define OPT_TS 0x04
#define OPT_WS 0x08
#define OPT_TS_INPUT 0x40
#define OPT_RAW 0x80

/* A FRAME record, decoded. */
struct frame_spec {
	uint8_t tuple, salt, dir, flags, vlan, l3x, deliver, split, seq_mode, ack_mode, queue;
	bool fix_csum;
	uint32_t seq, ack;
	uint16_t win, plen;
	struct opt_spec opt;
};

static struct rte_mempool *pool;
static struct rte_ring *rxr[SW_NB_PORTS][N_QUEUES], *txr[SW_NB_PORTS][N_QUEUES];
static struct sw_dp_shared sh;
static struct sw_runtime *rt_cfg[2]; /* A, B */
/* Their snapshots, also referenced here: LeakSanitizer does not scan DPDK memory. */
static struct sw_config *cfg_keep[2];
static uint32_t epoch_cfg[2];
static unsigned rt_cur;
static struct sw_worker *wk[N_QUEUES];
static unsigned n_wk;
static uint64_t now_tsc, tsc_per_ms;

static struct conv convs[N_CONV];
static uint32_t input_gen;
static uint64_t rx_ol; /* NIC verdicts put on the frames queued (OFFLOAD) */
static struct rte_mbuf *held[POOL_SIZE];
static unsigned n_held;
static unsigned ext_outstanding; /* external buffers not yet released */
static unsigned n_frames; /* queued in this input */
static uint64_t drained[SW_NB_PORTS]; /* frames taken from the TX rings, this input */
/* Every frame queued so far in this input had right checksums (see check_csum). */
static bool all_clean;

/* The last frame queued (PATCH) and the last FRAME record (FLOOD). */
static uint8_t last_frame[FRAME_MAX];
static uint16_t last_len;
static uint8_t last_port, last_queue;
static struct frame_spec last_spec;
static bool has_last_spec;

/* FUZZ_DP_STATS=1: counters summed over every input, printed at exit. */
static bool want_stats;
static struct sw_stats stats_total;
static uint64_t polls_in_state[SW_CONN_STATE_MAX], max_flows, inputs;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_dp: " __VA_ARGS__); \
			abort(); \
		} \
	} while (0)

static bool
seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static struct conv *
conv_get(unsigned idx)
{
	struct conv *c = &convs[idx];

	if (c->gen != input_gen) {
		memset(c, 0, sizeof(*c));
		c->gen = input_gen;
		c->ep[0].ts_own = 1000000 + idx;
		c->ep[1].ts_own = 70000000 + idx;
	}
	return c;
}

/* Release of an external buffer (delivery 2): the data and its shared info. */
static void
ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
	ext_outstanding--;
}

/* An mbuf holding frame[0, len) as delivery asks; NULL when the pool is empty. */
static struct rte_mbuf *
make_mbuf(const uint8_t *frame, uint16_t len, uint8_t deliver, uint16_t split)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *m2;
	struct rte_mbuf_ext_shared_info *shinfo;
	uint8_t *buf;

	if (m == NULL)
		return NULL;
	if (deliver == 2) {
		/* Exactly headroom + frame: a read past the frame is a heap overflow. */
		buf = malloc((size_t)RTE_PKTMBUF_HEADROOM + len);
		shinfo = calloc(1, sizeof(*shinfo));
		if (buf == NULL || shinfo == NULL) {
			free(buf);
			free(shinfo);
			rte_pktmbuf_free(m);
			return NULL;
		}
		shinfo->free_cb = ext_free;
		shinfo->fcb_opaque = shinfo;
		rte_mbuf_ext_refcnt_set(shinfo, 1);
		rte_pktmbuf_attach_extbuf(
			m, buf, RTE_BAD_IOVA, (uint16_t)(RTE_PKTMBUF_HEADROOM + len), shinfo);
		rte_pktmbuf_reset_headroom(m);
		ext_outstanding++;
	}
	if (deliver != 3 || split > len)
		split = len;
	memcpy(rte_pktmbuf_append(m, split), frame, split);
	if (deliver == 3) {
		m2 = rte_pktmbuf_alloc(pool);
		if (m2 == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - split)), frame + split, len - split);
		rte_pktmbuf_chain(m, m2);
	}
	return m;
}

/* Queue a frame as received on port (role) and RX queue; remembered for PATCH. */
static void
inject(unsigned port, unsigned queue, const uint8_t *frame, uint16_t len, uint8_t deliver,
	uint16_t split)
{
	struct rte_mbuf *m;

	if (frame != last_frame)
		memcpy(last_frame, frame, len);
	last_len = len;
	last_port = (uint8_t)port;
	last_queue = (uint8_t)queue;
	queue = n_wk > 1 ? queue & 1 : 0;
	if (n_frames++ >= MAX_FRAMES)
		return;
	m = make_mbuf(frame, len, deliver, split);
	if (m == NULL)
		return;
	m->port = sh.port_id[port];
	m->ol_flags |= rx_ol;
	if (rte_ring_enqueue(rxr[port][queue], m) != 0)
		rte_pktmbuf_free(m);
}

/* Fix the IPv4 header and TCP checksums of a frame that parses. */
static void
fix_csums(uint8_t *frame, uint16_t len)
{
	struct sw_pkt_view v;
	rte_be16_t cs;

	if (sw_pkt_parse(frame, len, &v) != SW_PKT_OK || v.family == 0)
		return;
	if (v.l4_proto == SW_IPPROTO_TCP && v.has_l4) {
		sw_csum_set_tcp(frame, &v);
	} else if (v.family == 4) {
		uint8_t *ip = frame + v.l3_off;

		memset(ip + 10, 0, 2);
		cs = sw_csum_ipv4_hdr(ip, (uint16_t)((ip[0] & 15) * 4));
		memcpy(ip + 10, &cs, 2);
	}
}

/* The TCP options of a template frame (a multiple of 4 bytes, at most 40). */
static uint16_t
build_opts(uint8_t *o, const struct opt_spec *os, const struct endpoint *me)
{
	uint32_t tsval = os->bits & OPT_TS_INPUT ? os->tsval : me->ts_own;
	uint32_t tsecr = os->bits & OPT_TS_INPUT ? os->tsecr : me->ts_recent;
	unsigned n = 0, nsack = (os->bits >> 4) & 3;

	if (os->bits & OPT_RAW) {
		memcpy(o, os->raw, os->raw_len);
		n = os->raw_len;
		while (n % 4 != 0)
			o[n++] = SW_TCPOPT_EOL;
		return (uint16_t)n;
	}
	if (os->bits & OPT_MSS) {
		o[n++] = SW_TCPOPT_MSS;
		o[n++] = SW_TCPOPT_MSS_LEN;
		sw_wr16(o + n, os->mss);
		n += 2;
	}
	/* Linux's layout: SACK_PERM TS | NOP NOP TS | NOP NOP SACK_PERM, whole words. */
	if ((os->bits & (OPT_SACKP | OPT_TS)) != (OPT_SACKP | OPT_TS) &&
		(os->bits & (OPT_SACKP | OPT_TS))) {
		o[n++] = SW_TCPOPT_NOP;
		o[n++] = SW_TCPOPT_NOP;
	}
	if (os->bits & OPT_SACKP) {
		o[n++] = SW_TCPOPT_SACK_PERM;
		o[n++] = SW_TCPOPT_SACK_PERM_LEN;
	}
	if (os->bits & OPT_TS) {
		o[n++] = SW_TCPOPT_TS;
		o[n++] = SW_TCPOPT_TS_LEN;
		sw_wr32(o + n, tsval);
		sw_wr32(o + n + 4, tsecr);
		n += 8;
	}
	if (os->bits & OPT_WS) {
		o[n++] = SW_TCPOPT_NOP;
		o[n++] = SW_TCPOPT_WS;
		o[n++] = SW_TCPOPT_WS_LEN;
		o[n++] = os->ws;
	}
	while (nsack > 0 && n + 4 + 8 * nsack > SW_TCP_OPT_MAX)
		nsack--;
	if (nsack > 0) {
		o[n++] = SW_TCPOPT_NOP;
		o[n++] = SW_TCPOPT_NOP;
		o[n++] = SW_TCPOPT_SACK;
		o[n++] = (uint8_t)(2 + 8 * nsack);
		for (unsigned i = 0; i < nsack; i++) {
			uint32_t left = me->rcv_nxt + (uint32_t)((int8_t)os->sack[i][0] * 8);

			sw_wr32(o + n, left);
			sw_wr32(o + n + 4, left + 1 + os->sack[i][1] * 8u);
			n += 8;
		}
	}
	return (uint16_t)n;
}

/* seq or ack per its mode (see the layout), from what the sender learned. */
static uint32_t
rel(uint8_t mode, uint32_t field, bool known, uint32_t learned)
{
	if (mode == 0 || !known)
		return field;
	if (mode == 1)
		return learned;
	if (mode == 2)
		return learned + (uint32_t)(int32_t)(int8_t)field;
	return learned + field;
}

/* Build a FRAME record into b; returns its length. Updates the sender's snd_nxt and clock. */
static uint16_t
build_tcp(const struct frame_spec *s, uint8_t *b, uint16_t *hdr_len)
{
	const struct tuple_def *td = &tuples[s->tuple];
	struct endpoint *me = &conv_get(s->tuple * 256u + s->salt)->ep[s->dir];
	const bool v6 = td->family == 6, s2c = s->dir != 0;
	const uint16_t cport = (uint16_t)(CPORT_BASE + s->tuple * 256u + s->salt);
	uint8_t src[16], dst[16];
	uint16_t off = 12, l3, l4, olen, ext = 0;
	uint32_t seq, ack;
	uint8_t *ip, *tcp;

	tuple_addr(td->family, s2c ? td->srv_net : td->cli_net, s2c ? td->srv_host : td->cli_host,
		src);
	tuple_addr(td->family, s2c ? td->cli_net : td->srv_net, s2c ? td->cli_host : td->srv_host,
		dst);
	memcpy(b, s2c ? cli_mac : srv_mac, 6);
	memcpy(b + 6, s2c ? srv_mac : cli_mac, 6);
	if (s->vlan == 3) {
		sw_wr16(b + off, SW_ETHER_TYPE_QINQ);
		sw_wr16(b + off + 2, 100);
		off += 4;
	}
	if (s->vlan != 0) {
		sw_wr16(b + off, SW_ETHER_TYPE_VLAN);
		sw_wr16(b + off + 2, s->vlan == 2 ? 0x2000 | 25 : 10);
		off += 4;
	}
	sw_wr16(b + off, v6 ? SW_ETHER_TYPE_IPV6 : SW_ETHER_TYPE_IPV4);
	l3 = (uint16_t)(off + 2);
	ip = b + l3;
	if (!v6) {
		static const uint8_t ipopt[2][12] = {
			{SW_TCPOPT_NOP, SW_TCPOPT_NOP, SW_TCPOPT_NOP, 0},
			{7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}, /* record route, then EOL */
		};

		if (s->l3x == 4 || s->l3x == 5)
			ext = s->l3x == 4 ? 4 : 12;
		memset(ip, 0, 20);
		ip[0] = (uint8_t)(0x40 | (20 + ext) / 4);
		sw_wr16(ip + 4, (uint16_t)(0x1000 + s->salt));
		sw_wr16(ip + 6, s->l3x == 6 ? 0x2000 : s->l3x == 7 ? 185 : 0x4000);
		ip[8] = 64;
		ip[9] = SW_IPPROTO_TCP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		if (ext != 0)
			memcpy(ip + 20, ipopt[s->l3x - 4], ext);
		l4 = (uint16_t)(l3 + 20 + ext);
	} else {
		uint8_t *x = ip + 40;

		memset(ip, 0, 40);
		ip[0] = 0x60;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		ip[6] = SW_IPPROTO_TCP;
		if (s->l3x >= 4) {
			ip[6] = s->l3x == 4 ? 0 : s->l3x == 5 ? 43 : 44;
			memset(x, 0, 8);
			x[0] = SW_IPPROTO_TCP;
			ext = 8;
			if (s->l3x == 4) {
				x[2] = 1; /* PadN over the 6 bytes */
				x[3] = 4;
			} else if (s->l3x == 5) {
				/* Type 0, one segment left: the final destination is in the header. */
				x[1] = 2;
				x[3] = 1;
				memcpy(x + 8, dst, 16);
				tuple_addr(6, 0xff, 1, ip + 24);
				ext = 24;
			} else if (s->l3x == 6) {
				x[3] = 1; /* offset 0, M */
			} else {
				x[2] = 0x05; /* offset 0x50 / 8, last */
			}
			sw_wr32(x + 4, 0x1000u + s->salt);
		}
		l4 = (uint16_t)(l3 + 40 + ext);
	}

	tcp = b + l4;
	seq = rel(s->seq_mode, s->seq, me->has_snd, me->snd_nxt);
	ack = rel(s->ack_mode, s->ack, me->has_rcv, me->rcv_nxt);
	memset(tcp, 0, 20);
	sw_wr16(tcp, s2c ? td->dport : cport);
	sw_wr16(tcp + 2, s2c ? cport : td->dport);
	sw_wr32(tcp + 4, seq);
	sw_wr32(tcp + 8, ack);
	olen = build_opts(tcp + 20, &s->opt, me);
	tcp[12] = (uint8_t)((20 + olen) / 4 << 4);
	tcp[13] = s->flags;
	sw_wr16(tcp + 14, s->win);
	for (unsigned i = 0; i < s->plen; i++)
		tcp[20 + olen + i] = (uint8_t)(i * 7 + s->salt);
	*hdr_len = (uint16_t)(l4 + 20 + olen);
	if (v6)
		sw_wr16(ip + 4, (uint16_t)(*hdr_len + s->plen - l3 - 40));
	else
		sw_wr16(ip + 2, (uint16_t)(*hdr_len + s->plen - l3));
	if (s->fix_csum)
		fix_csums(b, (uint16_t)(*hdr_len + s->plen));

	me->snd_nxt = seq + s->plen + !!(s->flags & SW_TCP_SYN) + !!(s->flags & SW_TCP_FIN);
	me->has_snd = true;
	me->ts_own++;
	return (uint16_t)(*hdr_len + s->plen);
}

static void
send_spec(const struct frame_spec *s)
{
	static uint8_t b[FRAME_MAX];
	uint16_t hl, len = build_tcp(s, b, &hl);

	all_clean &= s->fix_csum;
	inject(s->dir ? SW_PORT_INSIDE : SW_PORT_OUTSIDE, s->queue, b, len, s->deliver,
		s->split != 0 ? (uint16_t)(s->split * 8) : hl);
}

/*
 * What the end a worker sent m to learns from it: the peer's next seq, its
 * own acknowledged seq, the TSval to echo. Outside: to the client, inside:
 * to the server; the client port names the conversation.
 */
static void
learn(unsigned port, const struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct sw_pkt_view v;
	struct sw_tcpopt o;
	struct endpoint *ep;
	const uint8_t *tcp;
	uint32_t seq, ack, end;
	uint16_t cport;
	uint8_t fl;

	if (sw_pkt_parse(f, rte_pktmbuf_data_len(m), &v) != SW_PKT_OK ||
		v.l4_proto != SW_IPPROTO_TCP || !v.has_l4)
		return;
	tcp = f + v.l4_off;
	cport = sw_rd16(tcp + (port == SW_PORT_OUTSIDE ? 2 : 0));
	if (cport < CPORT_BASE || cport >= CPORT_BASE + N_CONV)
		return;
	ep = &conv_get(cport - CPORT_BASE)->ep[port == SW_PORT_OUTSIDE ? 0 : 1];
	seq = sw_rd32(tcp + 4);
	ack = sw_rd32(tcp + 8);
	fl = tcp[13];
	end = seq + v.payload_len + !!(fl & SW_TCP_SYN) + !!(fl & SW_TCP_FIN);
	if (fl & SW_TCP_SYN) {
		ep->rcv_nxt = end;
		ep->has_rcv = true;
		if (!(fl & SW_TCP_ACK))
			ep->has_snd = false; /* a new connection: the server picks its ISN */
	} else if (!ep->has_rcv || seq_gt(end, ep->rcv_nxt)) {
		ep->rcv_nxt = end;
		ep->has_rcv = true;
	}
	if ((fl & SW_TCP_ACK) && (!ep->has_snd || seq_gt(ack, ep->snd_nxt))) {
		ep->snd_nxt = ack;
		ep->has_snd = true;
	}
	if (sw_tcpopt_parse(tcp + 20, (uint16_t)(v.l4_len - 20), &o) == 0 && o.has_ts)
		ep->ts_recent = o.tsval;
}

/*
 * While every frame queued had right checksums, so has every TCP segment sent
 * (fragments aside: their checksum covers the reassembled segment): built
 * anew, translated by RFC 1624 updates or bridged untouched. One that asks
 * for TX checksum insertion gets it as a NIC would first
 * (rte_net_intel_cksum_prepare's contract: the pseudo header's sum in the
 * TCP field, 0 in the IPv4 one), as harness.c does.
 */
static void
check_csum(unsigned port, const struct rte_mbuf *m)
{
	static uint8_t f[RTE_MBUF_DEFAULT_DATAROOM];
	struct sw_pkt_view v;
	rte_be16_t c;

	/* A copy: a kept backend SYN shares its buffer with what is sent. */
	memcpy(f, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
	if (sw_pkt_parse(f, rte_pktmbuf_data_len(m), &v) != SW_PKT_OK ||
		v.l4_proto != SW_IPPROTO_TCP || !v.has_l4 || v.is_fragment)
		return;
	if (m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)) {
		CHECK(m->l2_len == v.l3_off && m->l2_len + m->l3_len == v.l4_off,
			"TX offload asked with l2_len %u, l3_len %u\n", m->l2_len, m->l3_len);
		if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
			c = (rte_be16_t)~rte_raw_cksum(f + v.l3_off, m->l3_len);
			memcpy(f + v.l3_off + 10, &c, 2);
		}
		if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM) {
			c = (rte_be16_t)~rte_raw_cksum(f + v.l4_off, v.l4_len + v.payload_len);
			memcpy(f + v.l4_off + 16, &c, 2);
		}
	}
	CHECK(sw_csum_verify_tcp(f, &v), "port %u: TCP segment sent with a wrong checksum\n", port);
}

/* Take every frame the workers transmitted: check, learn, free. */
static void
drain_tx(void)
{
	struct rte_mbuf *m;
	const char *why;

	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		for (unsigned q = 0; q < N_QUEUES; q++)
			while (rte_ring_dequeue(txr[p][q], (void **)&m) == 0) {
				CHECK(rte_mbuf_check(m, 1, &why) == 0, "bad mbuf sent: %s\n", why);
				drained[p]++;
				if (all_clean)
					check_csum(p, m);
				learn(p, m);
				rte_pktmbuf_free(m);
			}
}

/* Invariants of a worker between polls. */
static void
check_worker(const struct sw_worker *w)
{
	uint32_t by_state[SW_CONN_STATE_MAX], n = sw_flowtab_count(w->ft), sum = 0, svc = 0;

	CHECK(w->tx_n[0] == 0 && w->tx_n[1] == 0 && w->free_n == 0 && w->syn_n == 0,
		"mbufs left buffered after a poll\n");
	sw_flowtab_count_by_state(w->ft, by_state);
	for (unsigned s = 0; s < SW_CONN_STATE_MAX; s++) {
		sum += by_state[s];
		if (by_state[s] != 0)
			polls_in_state[s]++;
	}
	CHECK(sum == n && by_state[SW_CONN_FREE] == 0 && n <= FLOW_CAP,
		"flow table counts: %u flows, %u by state, %u FREE\n", n, sum,
		by_state[SW_CONN_FREE]);
	for (unsigned id = 0; id <= SW_CONFIG_SERVICES_MAX; id++)
		svc += w->svc_flows[id];
	CHECK(svc == n, "flows per service sum to %u, the table holds %u\n", svc, n);
	if (n > max_flows)
		max_flows = n;
}

/* Every received packet ends in exactly one of fwd / answered / consumed / a drop. */
static void
check_stats(void)
{
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		uint64_t rx = 0, out = 0;

		for (unsigned i = 0; i < n_wk; i++) {
			const struct sw_stats *s = &wk[i]->stats;

			rx += s->port[p][SW_PC_rx];
			out += s->port[p][SW_PC_fwd] + s->port[p][SW_PC_answered] +
				s->port[p][SW_PC_consumed] + sw_stats_port_drops(s, p);
		}
		CHECK(rx == out, "port %u: rx %" PRIu64 " != accounted %" PRIu64 "\n", p, rx, out);
	}
}

static void
poll_all(bool drain)
{
	for (unsigned i = 0; i < n_wk; i++) {
		sw_dp_poll(wk[i], now_tsc);
		check_worker(wk[i]);
	}
	check_stats();
	if (drain)
		drain_tx();
}

static bool
queues_empty(void)
{
	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		for (unsigned q = 0; q < N_QUEUES; q++)
			if (rte_ring_count(rxr[p][q]) != 0)
				return false;
	for (unsigned i = 0; i < n_wk; i++)
		if (rte_ring_count(wk[i]->steer_ring) != 0)
			return false;
	return true;
}

/* Poll until every RX queue and steering ring is empty. */
static void
poll_until_empty(void)
{
	for (unsigned i = 0; i < 64 && !queues_empty(); i++)
		poll_all(true);
	CHECK(queues_empty(), "RX queues never drained\n");
}

/* One pass of expiry over every slot (the harness.c "expire"). */
static void
expire_sweep(void)
{
	for (unsigned i = 0; i < FLOW_CAP / 32 + 2; i++)
		poll_all(true);
}

static uint32_t
flows_total(void)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < n_wk; i++)
		n += sw_flowtab_count(wk[i]->ft);
	return n;
}

static void
pool_release(void)
{
	for (unsigned i = 0; i < n_held; i++)
		rte_pktmbuf_free(held[i]);
	n_held = 0;
}

static void
pool_hold(unsigned leave)
{
	while (n_held < POOL_SIZE && rte_mempool_avail_count(pool) > leave) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		if (m == NULL)
			break;
		held[n_held++] = m;
	}
}

static void
set_config(unsigned which)
{
	rt_cur = which;
	atomic_store(&sh.rt, rt_cfg[which]);
	__atomic_store_n(&sh.cookie_epoch_ms, epoch_cfg[which], __ATOMIC_RELAXED);
}

static void
decode_opts(struct rd *r, struct opt_spec *o)
{
	memset(o, 0, sizeof(*o));
	o->bits = rd8(r);
	if (o->bits & OPT_RAW) {
		o->raw_len = (uint8_t)(rd8(r) % (SW_TCP_OPT_MAX + 1));
		for (unsigned i = 0; i < o->raw_len; i++)
			o->raw[i] = rd8(r);
		return;
	}
	if (o->bits & OPT_MSS)
		o->mss = rd16(r);
	if (o->bits & OPT_WS)
		o->ws = rd8(r);
	if (o->bits & OPT_TS_INPUT) {
		o->tsval = rd32(r);
		o->tsecr = rd32(r);
	}
	for (unsigned i = 0; i < ((o->bits >> 4) & 3u); i++) {
		o->sack[i][0] = rd8(r);
		o->sack[i][1] = rd8(r);
	}
}

static void
op_frame(struct rd *r, uint8_t a)
{
	struct frame_spec s;
	uint8_t sel = rd8(r), shape;

	memset(&s, 0, sizeof(s));
	s.dir = a & 1;
	s.fix_csum = a & 2;
	s.queue = (a >> 3) & 1;
	s.tuple = sel & 15;
	s.seq_mode = (sel >> 4) & 3;
	s.ack_mode = sel >> 6;
	s.salt = rd8(r);
	s.flags = rd8(r);
	shape = rd8(r);
	s.vlan = shape & 3;
	s.l3x = (shape >> 2) & 7;
	s.deliver = (shape >> 5) & 3;
	s.seq = rd32(r);
	s.ack = rd32(r);
	s.win = rd16(r);
	s.plen = (uint16_t)((shape & 0x80 ? rd16(r) : rd8(r)) % (PAYLOAD_MAX + 1));
	if (s.deliver == 3)
		s.split = rd8(r);
	decode_opts(r, &s.opt);
	last_spec = s;
	has_last_spec = true;
	send_spec(&s);
	if (a & 4)
		poll_all(true);
}

static void
op_raw(struct rd *r, uint8_t a)
{
	static uint8_t b[RAW_MAX];
	uint16_t l = rd16(r), len = (uint16_t)((l & 0x7fff) % (RAW_MAX + 1));
	uint8_t deliver = 0;

	for (unsigned i = 0; i < len; i++)
		b[i] = rd8(r);
	if (a & 4)
		deliver = 2;
	else if (a & 8)
		deliver = 3;
	all_clean = false;
	inject(a & 1 ? SW_PORT_INSIDE : SW_PORT_OUTSIDE, l >> 15, b, len, deliver,
		(uint16_t)(len / 2));
	if (a & 2)
		poll_all(true);
}

static void
op_patch(struct rd *r, uint8_t a)
{
	uint16_t nl = rd16(r);
	unsigned n = (a >> 2) & 3;

	if (nl != 0) {
		nl = (uint16_t)(nl % (RAW_MAX + 1));
		if (nl > last_len)
			memset(last_frame + last_len, 0, nl - last_len);
		last_len = nl;
	}
	for (unsigned i = 0; i < n; i++) {
		uint16_t off = rd16(r);
		uint8_t x = rd8(r);

		if (last_len != 0)
			last_frame[off % last_len] ^= x;
	}
	if (a & 1)
		fix_csums(last_frame, last_len);
	else
		all_clean = false;
	inject(last_port, last_queue, last_frame, last_len, 0, 0);
	if (a & 2)
		poll_all(true);
}

/* n connections of one tuple, stage by stage (see HANDSHAKE in the layout). */
static void
op_handshake(struct rd *r)
{
	uint8_t sel = rd8(r), salt = rd8(r), stages, shape;
	unsigned n = 1 + rd8(r) % 64u;
	struct frame_spec s;

	stages = rd8(r);
	memset(&s, 0, sizeof(s));
	s.tuple = sel & 15;
	s.vlan = (sel >> 4) & 3;
	s.fix_csum = true;
	shape = rd8(r);
	s.l3x = (shape >> 2) & 7;
	s.deliver = (shape >> 5) & 3;
	/* Stage k: 0 SYN, 1 third ACK, 2 SYN-ACK, 3-4 data, 5-6 FINs, 7 the last ACKs. */
	for (unsigned k = 0; k < 8; k++) {
		if (k >= 2 && k <= 6 && !(stages & (8u << (k - 2))))
			continue;
		if (k == 7 && (stages & 0xc0) != 0xc0)
			continue;
		for (unsigned i = 0; i < n; i++) {
			s.salt = (uint8_t)(salt + i);
			s.queue = i & 1;
			s.dir = k == 2 || k == 4 || k == 6;
			s.seq_mode = k == 0 || k == 2 ? 0 : 1;
			s.ack_mode = 1;
			s.plen = k == 3 ? 100 : k == 4 ? 200 : 0;
			s.win = s.dir ? 65160 : 502;
			s.opt.bits = (uint8_t)((stages & 1 ? OPT_TS : 0) |
				(stages & 2 ? OPT_SACKP : 0) | (stages & 4 ? OPT_WS : 0));
			if (k == 0 || k == 2) {
				s.opt.bits |= sel & 0x80 ? 0 : OPT_MSS;
				s.opt.mss = s.dir ? 1400 : 1460;
				s.opt.ws = s.dir ? 5 : 7;
				s.seq = (i + 1) * (s.dir ? 5000011u : 1000003u) + s.salt;
				s.flags = s.dir ? SW_TCP_SYN | SW_TCP_ACK : SW_TCP_SYN;
				if (k == 0 && (sel & 0x40))
					s.flags |= SW_TCP_ECE | SW_TCP_CWR;
			} else {
				s.opt.bits &= OPT_TS;
				s.flags = SW_TCP_ACK | (k == 3 || k == 4 ? SW_TCP_PSH : 0) |
					(k == 5 || k == 6 ? SW_TCP_FIN : 0);
			}
			send_spec(&s);
			if (k == 7) {
				/* Both sides ACK the other's FIN. */
				s.dir = 1;
				send_spec(&s);
			}
		}
		poll_until_empty();
	}
}

static void
op_flood(struct rd *r, uint8_t a)
{
	unsigned n = 1 + rd8(r) % 128u;
	struct frame_spec s = last_spec;

	if (!has_last_spec)
		return;
	for (unsigned i = 1; i <= n; i++) {
		s.salt = (uint8_t)(last_spec.salt + i);
		s.queue = i & 1;
		send_spec(&s);
	}
	if (a & 1)
		poll_all(true);
}

static void
op_offload(struct rd *r, uint8_t a)
{
	static const uint64_t ip[] = {RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_NONE};
	static const uint64_t l4[] = {RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		RTE_MBUF_F_RX_L4_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_NONE};
	uint8_t b = rd8(r);

	rx_ol = ip[a & 3] | l4[(a >> 2) & 3];
	if (b & 2)
		for (unsigned i = 0; i < n_wk; i++)
			wk[i]->tx_csum = b & 1;
}

static void
workers_create(uint8_t setup)
{
	n_wk = setup & 9 ? 2 : 1;
	sh.nb_workers = (uint16_t)n_wk;
	sh.steer = setup & 1;
	set_config(setup & 4 ? 1 : 0);
	for (unsigned i = 0; i < n_wk; i++) {
		wk[i] = sw_dp_worker_create(&sh, (uint16_t)i, rte_lcore_id(), 0);
		CHECK(wk[i] != NULL, "worker: %s\n", rte_strerror(rte_errno));
		sh.steer_rings[i] = wk[i]->steer_ring;
		wk[i]->ts_clock = 0x5eed0000u * (i + 1); /* reproducible TSvals */
		wk[i]->tx_csum = setup & 2;
	}
	tsc_per_ms = wk[0]->tsc_per_ms;
	now_tsc = START_MS * tsc_per_ms;
}

/* Empty every queue, let every flow go, check nothing is left, free the workers. */
static void
workers_teardown(void)
{
	pool_release();
	poll_until_empty();
	for (unsigned i = 0; i < 16 && flows_total() != 0; i++) {
		now_tsc += TEARDOWN_STEP_MS * tsc_per_ms;
		expire_sweep();
	}
	CHECK(flows_total() == 0, "%u flows never expired\n", flows_total());
	drain_tx();
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		uint64_t tx = 0;

		for (unsigned i = 0; i < n_wk; i++)
			tx += wk[i]->stats.port[p][SW_PC_tx];
		CHECK(tx == drained[p], "port %u: tx %" PRIu64 ", %" PRIu64 " on the ring\n", p, tx,
			drained[p]);
	}
	/* No flow left, nothing queued: the workers hold no mbuf (kept SYNs included). */
	CHECK(rte_mempool_in_use_count(pool) == 0, "mbuf leak: %u in use with no flow left\n",
		rte_mempool_in_use_count(pool));
	for (unsigned i = 0; i < n_wk; i++) {
		if (want_stats) {
			struct sw_stats prev = stats_total;
			const struct sw_stats *in[2] = {&prev, &wk[i]->stats};

			sw_stats_sum(&stats_total, in, 2);
		}
		sw_dp_worker_free(wk[i]);
		wk[i] = NULL;
		sh.steer_rings[i] = NULL;
	}
	CHECK(rte_mempool_in_use_count(pool) == 0, "mbuf leak after worker free: %u\n",
		rte_mempool_in_use_count(pool));
	CHECK(ext_outstanding == 0, "%u external buffers never released\n", ext_outstanding);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	unsigned n_rec = 0;

	input_gen++;
	inputs++;
	rx_ol = 0;
	has_last_spec = false;
	last_len = 0;
	last_port = SW_PORT_OUTSIDE;
	last_queue = 0;
	memset(drained, 0, sizeof(drained));
	all_clean = true;
	n_frames = 0;
	workers_create(rd8(&r));

	while (r.n > 0 && n_rec++ < MAX_RECORDS) {
		uint8_t op = rd8(&r), a = op >> 4;

		switch (op & 15) {
		case 6:
			op_raw(&r, a);
			break;
		case 7:
			op_patch(&r, a);
			break;
		case 8: {
			uint8_t st = rd8(&r);

			now_tsc += (uint64_t)steps_ms[st & 15] * (1u + (st >> 4)) * tsc_per_ms;
			if (a & 1)
				poll_all(true);
			break;
		}
		case 9:
			for (unsigned i = 0; i <= (a >> 1); i++)
				poll_all(!(a & 1));
			break;
		case 10:
			expire_sweep();
			break;
		case 11:
			op_handshake(&r);
			break;
		case 12:
			op_offload(&r, a);
			break;
		case 13:
			if (a & 1)
				pool_release();
			else
				pool_hold(rd8(&r));
			break;
		case 14:
			set_config(rt_cur ^ 1);
			break;
		case 15:
			op_flood(&r, a);
			break;
		default:
			op_frame(&r, a);
			break;
		}
	}
	workers_teardown();
	return 0;
}

static void
print_stats(void)
{
	printf("fuzz_dp: %" PRIu64 " inputs, at most %" PRIu64 " flows in a table\n", inputs,
		max_flows);
	for (unsigned s = 1; s < SW_CONN_STATE_MAX; s++)
		printf("  polls with a flow in %-12s %" PRIu64 "\n",
			sw_conn_state_name((enum sw_conn_state)s), polls_in_state[s]);
	for (unsigned e = 0; e < SW_EV_MAX; e++)
		if (stats_total.ev[e] != 0)
			printf("  ev %-20s %" PRIu64 "\n", sw_stats_event_names[e],
				stats_total.ev[e]);
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		for (unsigned c = 0; c < SW_PC_MAX; c++)
			if (stats_total.port[p][c] != 0)
				printf("  %s %-18s %" PRIu64 "\n", sw_stats_port_role[p],
					sw_stats_port_names[c], stats_total.port[p][c]);
		for (unsigned c = 0; c < SW_DROP_MAX; c++)
			if (stats_total.drop[p][c] != 0)
				printf("  %s drop %-13s %" PRIu64 "\n", sw_stats_port_role[p],
					sw_stats_drop_names[c], stats_total.drop[p][c]);
	}
}

/* Load a config text through a temporary file, as the app loads its file. */
static struct sw_config *
load_text(const char *text)
{
	char path[] = "/tmp/fuzz_dp_XXXXXX";
	struct sw_config_errors errs;
	struct sw_config *cfg;
	int fd = mkstemp(path);

	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	memset(&errs, 0, sizeof(errs));
	cfg = sw_config_load(path, &errs);
	unlink(path);
	if (cfg == NULL)
		sw_config_errors_print(&errs, stderr);
	sw_config_errors_free(&errs);
	return cfg;
}

/* Both ports over net_ring, N_QUEUES queue pairs each (one per worker). */
static int
ring_ports(void)
{
	for (unsigned p = 0; p < SW_NB_PORTS; p++) {
		struct rte_eth_conf conf;
		char name[RTE_RING_NAMESIZE];
		int port;

		for (unsigned q = 0; q < N_QUEUES; q++) {
			snprintf(name, sizeof(name), "fzdp_%u_rx%u", p, q);
			rxr[p][q] =
				rte_ring_create(name, RING_DEPTH, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(name, sizeof(name), "fzdp_%u_tx%u", p, q);
			txr[p][q] =
				rte_ring_create(name, RING_DEPTH, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (rxr[p][q] == NULL || txr[p][q] == NULL)
				return -1;
		}
		port = rte_eth_from_rings(
			sw_stats_port_role[p], rxr[p], N_QUEUES, txr[p], N_QUEUES, 0);
		if (port < 0)
			return -1;
		memset(&conf, 0, sizeof(conf));
		if (rte_eth_dev_configure((uint16_t)port, N_QUEUES, N_QUEUES, &conf) != 0)
			return -1;
		for (uint16_t q = 0; q < N_QUEUES; q++) {
			if (rte_eth_rx_queue_setup((uint16_t)port, q, RING_DEPTH, 0, NULL, pool) !=
				0)
				return -1;
			if (rte_eth_tx_queue_setup((uint16_t)port, q, RING_DEPTH, 0, NULL) != 0)
				return -1;
		}
		if (rte_eth_dev_start((uint16_t)port) != 0)
			return -1;
		sh.port_id[p] = (uint16_t)port;
	}
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char a_nohuge[] = "--no-huge", a_m[] = "-m", a_mem[] = "512", a_nopci[] = "--no-pci",
		    a_noshconf[] = "--no-shconf", a_notel[] = "--no-telemetry",
		    a_log[] = "--log-level=4", a_l[] = "-l", a_fp[] = "--file-prefix";
	char prefix[64], lcore[16];
	char *eal_argv[] = {(*argv)[0], a_nohuge, a_m, a_mem, a_nopci, a_noshconf, a_notel, a_log,
		a_l, lcore, a_fp, prefix, NULL};
	static const uint8_t master[SW_COOKIE_KEY_LEN] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	struct sw_config *ca, *cb;
	cpu_set_t cpus;
	unsigned cpu = 0;

	RTE_SET_USED(argc);
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &cpus))
			cpu++;
	snprintf(lcore, sizeof(lcore), "%u", cpu);
	snprintf(prefix, sizeof(prefix), "fuzz_dp_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		rmdir(rte_eal_get_runtime_dir());
		exit(1);
	}
	/*
	 * With --no-shconf and --no-telemetry nothing lives in the runtime
	 * directory: remove it now, so that a crash (libFuzzer's _Exit) leaves
	 * none behind in /var/run/dpdk.
	 */
	if (rmdir(rte_eal_get_runtime_dir()) != 0)
		fprintf(stderr, "fuzz_dp: %s not removed\n", rte_eal_get_runtime_dir());

	pool = rte_pktmbuf_pool_create("fuzz_dp", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ca = cfg_keep[0] = load_text(cfg_a);
	cb = cfg_keep[1] = load_text(cfg_b);
	if (pool == NULL || ca == NULL || cb == NULL || ring_ports() != 0) {
		fprintf(stderr, "fuzz_dp: setup failed\n");
		exit(1);
	}
	epoch_cfg[0] = ca->general.cookie_epoch_ms;
	epoch_cfg[1] = cb->general.cookie_epoch_ms;
	sh.flow_capacity = FLOW_CAP;
	sh.src_rate_slots = ca->general.src_rate_slots;
	sh.pool[0] = pool;
	sw_cookie_master_set(&sh.cookie_master, master);
	for (unsigned i = 0; i < 16; i++)
		sh.flow_hash_key[i] = (uint8_t)(i * 37 + 1);
	sh.hll_seed = 0x5eed;
	rt_cfg[0] = sw_runtime_build(ca, NULL);
	rt_cfg[1] = rt_cfg[0] != NULL ? sw_runtime_build(cb, rt_cfg[0]) : NULL;
	if (rt_cfg[1] == NULL) {
		fprintf(stderr, "fuzz_dp: runtime: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	rt_cfg[1]->generation = 1;
	want_stats = getenv("FUZZ_DP_STATS") != NULL;
	if (want_stats)
		atexit(print_stats);
	return 0;
}
