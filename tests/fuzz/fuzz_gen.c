/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: synwall-gen's receive side (parse, ARP, neighbour
 * discovery, the clients' and servers' TCP, the floods' replies) in the real
 * worker step, between two net_ring ports whose client port is looped to the
 * server port (gen <-> gen, as over memif), with frames of the input put on
 * the wires between steps. Each input runs on fresh modes at a clock of its
 * own and must leave no mbuf behind.
 *
 * Input layout (integers big endian; bytes past the end read as zero):
 *   setup (1): bit 0 IPv6 (else IPv4)
 *   then up to MAX_RECORDS records, op (1): kind = op & 3, a = op >> 2:
 *   0 STEP: clock + (a & 31) ms, one worker step, then what each port sent is
 *       delivered to the other (a & 32: dropped instead)
 *   1 RAW frame: a bit 0 to the server port (else the client port); length (2,
 *       mod RAW_MAX + 1), bytes
 *   2 SEGMENT built like the generator's own: a bit 0 to the server port from
 *       client host (1) % 4 and port (2), else to the client port from the
 *       server, for client host (1) % 4 and the clients' first port (1024);
 *       flags (1), seq (4), ack (4), window (2), options length (1, mod 11,
 *       4-byte words) and bytes, payload length (2, mod 1441), payload zeros
 *   3 RESOLVE: forget the client port's destination MAC (ARP / ND pending)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "fuzz_rd.h"
#include "gen.h"

#define MAX_RECORDS 256
#define RAW_MAX 1600
#define RING_DEPTH 1024
#define CLIENT_SPORT 1024 /* client.c SPORT_FIRST: the first connections' port */

static struct gen_cfg cfg4, cfg6;
static struct gen_worker *w;
static struct rte_ring *rxr[GEN_ROLE_MAX], *txr[GEN_ROLE_MAX];

/* Every mbuf on a ring back to the pool. */
static void
ring_free(struct rte_ring *r)
{
	void *objs[64];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(r, objs, RTE_DIM(objs), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
}

/* Put m on the wire into role's port (freed when the ring is full). */
static void
deliver(enum gen_role role, struct rte_mbuf *m)
{
	if (rte_ring_enqueue(rxr[role], m) != 0)
		rte_pktmbuf_free(m);
}

/* What each port sent goes to the other (loop), or back to the pool. */
static void
wires(bool loop)
{
	void *objs[64];
	unsigned n;

	for (int r = 0; r < GEN_ROLE_MAX; r++)
		while ((n = rte_ring_dequeue_burst(txr[r], objs, RTE_DIM(objs), NULL)) > 0) {
			if (!loop) {
				rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
				continue;
			}
			for (unsigned i = 0; i < n; i++)
				deliver((enum gen_role)(r ^ 1), objs[i]);
		}
}

static void
op_raw(struct rd *r, uint8_t a)
{
	uint16_t len = (uint16_t)(rd16(r) % (RAW_MAX + 1));
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	uint8_t *p;

	if (m == NULL)
		return;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	for (uint16_t i = 0; i < len; i++)
		p[i] = rd8(r);
	deliver(a & 1 ? GEN_ROLE_SERVER : GEN_ROLE_CLIENT, m);
}

static void
op_segment(struct rd *r, uint8_t a)
{
	const struct gen_cfg *cfg = w->cfg;
	const bool to_server = a & 1;
	uint8_t opt[SW_TCP_OPT_MAX];
	struct gen_hosts hosts;
	struct gen_ip host;
	struct gen_seg h;
	struct rte_mbuf *m;
	uint8_t *payload;
	uint16_t port;

	gen_hosts_init(&hosts, &cfg->client_net, cfg->client_plen, cfg->family, 4);
	gen_hosts_get(&hosts, rd8(r) % hosts.n, cfg->family, &host);
	port = to_server ? rd16(r) : CLIENT_SPORT;
	memset(&h, 0, sizeof(h));
	if (to_server) {
		h.src_mac = &w->port[GEN_ROLE_CLIENT].mac;
		h.dst_mac = &w->port[GEN_ROLE_SERVER].mac;
		h.sip = host;
		h.dip = cfg->server_ip;
		h.sport = port;
		h.dport = cfg->service_port;
	} else {
		h.src_mac = &w->port[GEN_ROLE_SERVER].mac;
		h.dst_mac = &w->port[GEN_ROLE_CLIENT].mac;
		h.sip = cfg->server_ip;
		h.dip = host;
		h.sport = cfg->service_port;
		h.dport = port;
	}
	h.flags = rd8(r);
	h.seq = rd32(r);
	h.ack = rd32(r);
	h.win = rd16(r);
	h.opt_len = (uint16_t)(rd8(r) % 11 * 4);
	for (uint16_t i = 0; i < h.opt_len; i++)
		opt[i] = rd8(r);
	h.opt = opt;
	h.payload_len = (uint16_t)(rd16(r) % 1441);
	m = gen_pkt_tcp(w, &h, &payload);
	if (m == NULL)
		return;
	memset(payload, 0, h.payload_len);
	gen_pkt_tcp_finish(w, m);
	deliver(to_server ? GEN_ROLE_SERVER : GEN_ROLE_CLIENT, m);
}

static void
modes_fini(void)
{
	for (int m = GEN_MODE_MAX - 1; m >= 0; m--)
		if (w->priv[m] != NULL) {
			gen_modes[m]->fini(w->priv[m]);
			w->priv[m] = NULL;
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	unsigned n_rec = 0;

	w->cfg = rd8(&r) & 1 ? &cfg6 : &cfg4;
	memset(w->ctr, 0, sizeof(w->ctr));
	memset(w->hist, 0, sizeof(w->hist));
	w->cli_active = w->srv_active = 0;
	w->arp_next_tsc = 0;
	w->port[GEN_ROLE_CLIENT].dst_mac = w->port[GEN_ROLE_SERVER].mac;
	w->port[GEN_ROLE_CLIENT].has_dst_mac = true;
	w->start_tsc = w->now_tsc = w->hz; /* a clock of the input's own, from 1 s */
	w->now_ms = w->ts_base;
	rte_srand(1);
	for (int m = 0; m < GEN_MODE_MAX; m++)
		if (gen_mode_on(w->cfg, (enum gen_mode)m) &&
			gen_modes[m]->init(w, &w->priv[m]) != 0)
			abort();

	while (r.n > 0 && n_rec++ < MAX_RECORDS) {
		uint8_t op = rd8(&r), a = op >> 2;

		switch (op & 3) {
		case 0:
			w->now_tsc += (uint64_t)(a & 31) * w->hz / 1000;
			w->now_ms =
				w->ts_base + (uint32_t)((w->now_tsc - w->start_tsc) * 1000 / w->hz);
			gen_worker_step(w);
			wires(!(a & 32));
			break;
		case 1:
			op_raw(&r, a);
			break;
		case 2:
			op_segment(&r, a);
			break;
		default:
			memset(&w->port[GEN_ROLE_CLIENT].dst_mac, 0xff, RTE_ETHER_ADDR_LEN);
			w->port[GEN_ROLE_CLIENT].has_dst_mac = false;
			break;
		}
	}
	/* The last frames in, then everything back: a frame still held is a leak. */
	gen_worker_step(w);
	modes_fini();
	for (int i = 0; i < GEN_ROLE_MAX; i++) {
		ring_free(rxr[i]);
		ring_free(txr[i]);
	}
	if (rte_mempool_in_use_count(w->pool) != 0) {
		fprintf(stderr, "fuzz_gen: %u mbufs not returned\n",
			rte_mempool_in_use_count(w->pool));
		abort();
	}
	return 0;
}

/* A ring pair as port role: rte_eth_from_rings only; gen_ports_init configures it. */
static int
ring_port(const char *name, enum gen_role role)
{
	char rn[RTE_RING_NAMESIZE];
	int port;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	rxr[role] = rte_ring_create(rn, RING_DEPTH, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	txr[role] = rte_ring_create(rn, RING_DEPTH, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rxr[role] == NULL || txr[role] == NULL)
		return -1;
	port = rte_eth_from_rings(name, &rxr[role], 1, &txr[role], 1, 0);
	return port;
}

/* The generator's own option parser, as a command line would give it. */
static void
cfg_make(struct gen_cfg *cfg, bool v6, int pc, int ps)
{
	char pcs[8], pss[8];
	char *argv[] = {"fuzz_gen", "--mode", "clients,servers,syn-flood,ack-flood", "--conns", "8",
		"--concurrency", "4", "--count", "4", "--rate", "0", "--request-bytes", "200",
		"--response-bytes", "3000", "--close-first", "server", "--mbufs", "4096",
		"--stats-interval", "0", "--duration", "3600", "--port-client", pcs,
		"--port-server", pss, "--client-net", v6 ? "2001:2:0:1::/126" : "198.18.1.0/30",
		"--server-ip", v6 ? "2001:2:0:2::1" : "198.18.2.1", "--src-net",
		v6 ? "2001:2:0:8000::/126" : "198.19.0.0/30", NULL};

	snprintf(pcs, sizeof(pcs), "%d", pc);
	snprintf(pss, sizeof(pss), "%d", ps);
	if (gen_args_parse(cfg, (int)RTE_DIM(argv) - 1, argv) != 0 ||
		gen_args_check_ports(cfg) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal_argv[] = {(*argv)[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
		"--no-telemetry", "--log-level=4", "-l", "0", "--file-prefix", prefix, NULL};
	int pc, ps;

	RTE_SET_USED(argc);
	snprintf(prefix, sizeof(prefix), "fuzz_gen_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0)
		abort();
	/* Nothing lives in the runtime directory (as fuzz_dp): none left behind by a crash. */
	if (rmdir(rte_eal_get_runtime_dir()) != 0)
		fprintf(stderr, "fuzz_gen: %s not removed\n", rte_eal_get_runtime_dir());
	pc = ring_port("gen_c", GEN_ROLE_CLIENT);
	ps = ring_port("gen_s", GEN_ROLE_SERVER);
	if (pc < 0 || ps < 0)
		abort();
	cfg_make(&cfg4, false, pc, ps);
	cfg_make(&cfg6, true, pc, ps);
	w = rte_zmalloc("gen_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (w == NULL)
		abort();
	w->cfg = &cfg4;
	w->hz = rte_get_timer_hz();
	w->ts_base = 0x12345678;
	w->link_lost = -1;
	if (gen_ports_init(w) != 0)
		abort();
	return 0;
}
