/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro benchmark of the data path without a PMD: one real worker between two
 * net_ring ports, fed pre-built frames for each path over N distinct 4-tuples.
 * Prints cycles per packet (TSC) per path and the flow table's bytes per flow.
 * Run it under `valgrind --tool=callgrind` with a small N for instructions per
 * packet (tests/perf/callgrind.sh does that).
 *
 *   bench_dp [flows] [capacity]
 *
 * With capacity < flows only the stateless rows run (SYN, forged ACK): flows
 * distinct 4-tuples meet a table of capacity slots holding capacity / 2 other
 * flows, small enough to stay in cache ("bench_dp 1000000 20000": 10^6
 * tuples, table in cache, as the goals are stated).
 *
 * SW_BENCH_OFFLOAD=1: as on a NIC with checksum offloads ([ports]
 * csum_offload): every frame arrives with RX_IP_CKSUM_GOOD and
 * RX_L4_CKSUM_GOOD, and the worker leaves its one-pass packets' sums to TX
 * (tx_csum). The paths' keys get the suffix "_ol".
 *
 * SW_BENCH_V6=1: the same paths over IPv6 (clients 2001:2:0:1::/64, service
 * 2001:2:0:2::1, background flows from 2001:2:0:3::/64). Keys get "_v6".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <valgrind/callgrind.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sw_dataplane.h"
#include "sw_pkt.h"
#include "sw_tcpopt.h"
#include "sw_testenv.h"

/* The largest frame built: Ethernet, IPv6, TCP with timestamps, 64 bytes of payload. */
#define FRAME_MAX (14 + 40 + 32 + 64)

static struct rte_ring *rxr[SW_NB_PORTS], *txr[SW_NB_PORTS];
static struct sw_dp_shared sh;
static struct sw_worker *w;
static uint64_t now_tsc;
static uint64_t rx_ol; /* ol_flags of every frame fed (SW_BENCH_OFFLOAD) */
static const char *key_sfx = "", *label_sfx = "";
static bool v6; /* SW_BENCH_V6: IPv6 frames */
static uint16_t ip_hlen = 20; /* IP header bytes: 20, or 40 with v6 */

/* One pre-built frame per flow and path. */
struct frame {
	uint16_t len;
	uint8_t b[FRAME_MAX];
};

static const uint8_t cli_mac[6] = {2, 0, 0, 0, 0, 1}, srv_mac[6] = {2, 0, 0, 0, 0, 2};

/* Both ports over net_ring (tests/common). */
static int
ring_ports(void)
{
	for (unsigned role = 0; role < SW_NB_PORTS; role++) {
		int port = sw_testenv_ring_port(role == SW_PORT_OUTSIDE ? "o" : "i", 4096,
			sh.pool[0], &rxr[role], &txr[role]);

		if (port < 0)
			return -1;
		sh.port_id[role] = (uint16_t)port;
	}
	return 0;
}

/*
 * TCP frame from client i (198.18.x.y:port, or 2001:2:0:1::x:port with v6) to
 * the service (198.18.2.1:80, 2001:2:0:2::1:80) or back.
 */
static void
build(struct frame *f, uint32_t i, bool s2c, uint8_t flags, uint32_t seq, uint32_t ack,
	uint16_t win, const uint8_t *opt, uint16_t opt_len, uint16_t payload)
{
	uint8_t *b = f->b, *ip = b + 14, *tcp = ip + ip_hlen;
	uint8_t cli[16] = {198, 18}, srv[16] = {198, 18, 2, 1};
	uint16_t cport;
	uint16_t l4 = (uint16_t)(20 + opt_len);
	unsigned alen = v6 ? 16 : 4;
	struct sw_pkt_view v;
	rte_be16_t cs;

	/* Distinct tuples: i spreads over client address bytes and the port. */
	if (v6) {
		static const uint8_t pfx[8] = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0x01};

		memcpy(cli, pfx, sizeof(pfx));
		sw_wr32(cli + 12, 1 + (i >> 16));
		memcpy(srv, pfx, sizeof(pfx)); /* bytes 8..14 stay zero */
		srv[7] = 0x02;
		srv[15] = 1;
	} else {
		cli[3] = (uint8_t)(i >> 16 ^ i >> 8);
		cli[2] = (uint8_t)(1 + ((i >> 24) & 0x7f));
	}
	cport = (uint16_t)(1024 + (i & 0xffff));
	RTE_VERIFY(14u + ip_hlen + l4 + payload <= FRAME_MAX);
	memset(b, 0, FRAME_MAX);
	memcpy(b, s2c ? cli_mac : srv_mac, 6);
	memcpy(b + 6, s2c ? srv_mac : cli_mac, 6);
	if (v6) {
		/* RFC 8200 section 3: version 6, payload length, next header TCP, hop limit. */
		sw_wr16(b + 12, 0x86dd);
		ip[0] = 0x60;
		sw_wr16(ip + 4, (uint16_t)(l4 + payload));
		ip[6] = SW_IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, s2c ? srv : cli, alen);
		memcpy(ip + 24, s2c ? cli : srv, alen);
	} else {
		b[12] = 0x08;
		ip[0] = 0x45;
		sw_wr16(ip + 2, (uint16_t)(20 + l4 + payload));
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = SW_IPPROTO_TCP;
		memcpy(ip + 12, s2c ? srv : cli, alen);
		memcpy(ip + 16, s2c ? cli : srv, alen);
	}
	sw_wr16(tcp, s2c ? 80 : cport);
	sw_wr16(tcp + 2, s2c ? cport : 80);
	sw_wr32(tcp + 4, seq);
	sw_wr32(tcp + 8, ack);
	tcp[12] = (uint8_t)((l4 / 4) << 4);
	tcp[13] = flags;
	sw_wr16(tcp + 14, win);
	if (opt_len)
		memcpy(tcp + 20, opt, opt_len);
	f->len = (uint16_t)(14 + ip_hlen + l4 + payload);
	sw_pkt_parse(b, f->len, &v);
	if (!v6) {
		cs = sw_csum_ipv4_hdr(ip, 20);
		memcpy(ip + 10, &cs, 2);
	}
	cs = sw_csum_l4(b, &v, (uint16_t)(l4 + payload));
	memcpy(tcp + 16, &cs, 2);
}

static void
drain(struct rte_mbuf **out, unsigned *n_out, unsigned port)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(txr[port], (void **)&m) == 0) {
		if (out != NULL)
			out[(*n_out)++] = m;
		else
			rte_pktmbuf_free(m);
	}
}

/*
 * Feed frames[0..n) into port in bursts of 32, timing only the worker; cycles per packet.
 * Callgrind counts only the passes with cg set (one per path: instructions per packet).
 */
static double
run_pass(const struct frame *frames, uint32_t n, unsigned port, bool cg)
{
	uint64_t cycles = 0;
	struct rte_mbuf *pk[SW_BURST];

	for (uint32_t i = 0; i < n; i += SW_BURST) {
		uint16_t b = (uint16_t)RTE_MIN((uint32_t)SW_BURST, n - i);
		uint64_t t0;

		if (rte_pktmbuf_alloc_bulk(sh.pool[0], pk, b) != 0) {
			fprintf(stderr, "mbufs exhausted\n");
			exit(1);
		}
		for (uint16_t k = 0; k < b; k++) {
			memcpy(rte_pktmbuf_append(pk[k], frames[i + k].len), frames[i + k].b,
				frames[i + k].len);
			pk[k]->ol_flags |= rx_ol;
		}
		t0 = rte_rdtsc_precise();
		if (cg)
			CALLGRIND_TOGGLE_COLLECT;
		sw_dp_process_burst(w, port, pk, b);
		sw_dp_flush(w);
		if (cg)
			CALLGRIND_TOGGLE_COLLECT;
		cycles += rte_rdtsc_precise() - t0;
		drain(NULL, NULL, SW_PORT_OUTSIDE);
		drain(NULL, NULL, SW_PORT_INSIDE);
	}
	return (double)cycles / n;
}

static double
run(const struct frame *frames, uint32_t n, unsigned port)
{
	return run_pass(frames, n, port, true);
}

/* Like run() but collects the first frame sent on out_port for each input. */
static double
run_collect_pass(const struct frame *frames, uint32_t n, unsigned port, struct frame *out,
	unsigned out_port, bool cg)
{
	uint64_t cycles = 0;
	struct rte_mbuf *pk[SW_BURST];
	struct rte_mbuf *o[4 * SW_BURST];
	uint32_t got = 0;

	for (uint32_t i = 0; i < n; i += SW_BURST) {
		uint16_t b = (uint16_t)RTE_MIN((uint32_t)SW_BURST, n - i);
		unsigned no = 0;
		uint64_t t0;

		if (rte_pktmbuf_alloc_bulk(sh.pool[0], pk, b) != 0) {
			fprintf(stderr, "mbufs exhausted\n");
			exit(1);
		}
		for (uint16_t k = 0; k < b; k++) {
			memcpy(rte_pktmbuf_append(pk[k], frames[i + k].len), frames[i + k].b,
				frames[i + k].len);
			pk[k]->ol_flags |= rx_ol;
		}
		t0 = rte_rdtsc_precise();
		if (cg)
			CALLGRIND_TOGGLE_COLLECT;
		sw_dp_process_burst(w, port, pk, b);
		sw_dp_flush(w);
		if (cg)
			CALLGRIND_TOGGLE_COLLECT;
		cycles += rte_rdtsc_precise() - t0;
		drain(o, &no, out_port);
		drain(NULL, NULL, out_port ^ 1);
		for (unsigned k = 0; k < no; k++) {
			if (got < n) {
				out[got].len =
					(uint16_t)RTE_MIN(rte_pktmbuf_data_len(o[k]), FRAME_MAX);
				memcpy(out[got].b, rte_pktmbuf_mtod(o[k], uint8_t *), out[got].len);
				got++;
			}
			rte_pktmbuf_free(o[k]);
		}
	}
	if (got != n) {
		fprintf(stderr, "expected %u frames out, got %u\n", n, got);
		exit(1);
	}
	return (double)cycles / n;
}

static double
run_collect(
	const struct frame *frames, uint32_t n, unsigned port, struct frame *out, unsigned out_port)
{
	return run_collect_pass(frames, n, port, out, out_port, true);
}

/*
 * The stateless paths (SYN, forged ACK) leave nothing behind, so the same
 * frames can be fed again: BENCH_PASSES passes, the best one reported (the
 * first is printed as well: it pays for cold caches, branch predictors and
 * TLBs, which the 10^4 row's 1.5 ms cannot amortise). Callgrind counts the
 * last pass. out, when given, holds the last pass's replies.
 */
#define BENCH_PASSES 3

static char cold_note[128]; /* "SYN x, forged ACK y": the first passes */

static double
run_best(const struct frame *frames, uint32_t n, unsigned port, struct frame *out,
	unsigned out_port, const char *label)
{
	double best = 0, first = 0;

	for (unsigned r = 0; r < BENCH_PASSES; r++) {
		bool cg = r == BENCH_PASSES - 1;
		double c = out != NULL ? run_collect_pass(frames, n, port, out, out_port, cg)
				       : run_pass(frames, n, port, cg);

		if (r == 0)
			first = best = c;
		best = RTE_MIN(best, c);
	}
	snprintf(cold_note + strlen(cold_note), sizeof(cold_note) - strlen(cold_note), "%s%s %.1f",
		cold_note[0] ? ", " : "", label, first);
	return best;
}

/* One table row; under callgrind also dumps the path's instructions (tests/perf/callgrind.sh). */
static void
report(const char *label, const char *key, double cycles)
{
	char k[64];

	snprintf(k, sizeof(k), "%s%s", key, key_sfx);
	printf("| %s%s | %.1f |\n", label, label_sfx, cycles);
	fflush(stdout);
	CALLGRIND_DUMP_STATS_AT(k);
}

static uint32_t
rd_seq(const struct frame *f)
{
	return sw_rd32(f->b + 14 + ip_hlen + 4);
}

static uint32_t
rd_tsval(const struct frame *f, uint32_t *tsecr)
{
	struct sw_tcpopt o;
	const uint8_t *tcp = f->b + 14 + ip_hlen;

	sw_tcpopt_parse(tcp + 20, (uint16_t)((tcp[12] >> 4) * 4 - 20), &o);
	*tsecr = o.tsecr;
	return o.tsval;
}

int
main(int argc, char **argv)
{
	static char a_nohuge[] = "--no-huge", a_m[] = "-m", a_nopci[] = "--no-pci",
		    a_noshconf[] = "--no-shconf", a_log[] = "--log-level=4",
		    a_fp[] = "--file-prefix";
	char prefix[64], a_mem[24];
	char *eal_argv[] = {
		argv[0], a_nohuge, a_m, a_mem, a_nopci, a_noshconf, a_log, a_fp, prefix, NULL};
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	uint32_t cap = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 2 * n;
	const char *mem_env = getenv("SW_BENCH_DP_MEM_MB");
	/*
	 * EAL memory (MiB): the flow table, the mbuf pool (about 2.5 KiB per mbuf) and 512 MiB
	 * for the rest, unless SW_BENCH_DP_MEM_MB says otherwise. Sized to fit because
	 * mlockall() below faults all of it in: 10^7 flows need about 1.1 GiB of table.
	 */
	uint64_t pool_bytes = (uint64_t)(RTE_MIN(n, 65535u) + 16384) * 2560;
	uint64_t mem_mb = (sw_flowtab_memsize(cap) + pool_bytes) / (1u << 20) + 512;
	static const char cfg_text[] = "[ports]\noutside = o\ninside = i\n[general]\n"
				       "flow_capacity = 1024\n[service web]\ndst = 198.18.2.1\n"
				       "ports = 80\n";
	static const char cfg_text6[] = "[ports]\noutside = o\ninside = i\n[general]\n"
					"flow_capacity = 1024\n[service web]\n"
					"dst = 2001:2:0:2::1\nports = 80\n";
	char cfg_path[] = "/tmp/bench_dp_XXXXXX";
	struct sw_config_errors errs = {0};
	struct sw_config *cfg;
	struct frame *syn, *synack, *ack, *forged, *bsyn, *bsynack, *c2s, *s2c, *fin;
	uint8_t opt[40];
	struct sw_tcpopt_syn so = {.mss = 1460,
		.wscale = 7,
		.has_wscale = true,
		.has_sack_perm = true,
		.has_ts = true,
		.tsval = 1000,
		.tsecr = 0};
	uint16_t opt_len;
	int fd;

	if (mem_env != NULL && *mem_env != '\0')
		mem_mb = strtoull(mem_env, NULL, 10);
	if (getenv("SW_BENCH_V6") != NULL && strcmp(getenv("SW_BENCH_V6"), "1") == 0) {
		v6 = true;
		ip_hlen = 40;
	}
	snprintf(a_mem, sizeof(a_mem), "%" PRIu64, mem_mb);
	snprintf(prefix, sizeof(prefix), "bench_dp_%d", (int)getpid());
	/* --no-huge memory is faulted in on first touch: keep page faults out of the timing. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		perror("mlockall (figures include page faults)");
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0)
		return 1;
	fd = mkstemp(cfg_path);
	if (fd < 0 || write(fd, v6 ? cfg_text6 : cfg_text, strlen(v6 ? cfg_text6 : cfg_text)) < 0)
		return 1;
	close(fd);
	cfg = sw_config_load(cfg_path, &errs);
	unlink(cfg_path);
	if (cfg == NULL) {
		sw_config_errors_print(&errs, stderr);
		return 1;
	}
	sh.nb_workers = 1;
	sh.flow_capacity = cap;
	sh.cookie_epoch_ms = 3600 * 1000;
	sh.pool[0] = rte_pktmbuf_pool_create(
		"bench", RTE_MIN(n, 65535u) + 16384, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (sh.pool[0] == NULL || sw_cookie_master_init(&sh.cookie_master) != 0 ||
		ring_ports() != 0)
		return 1;
	atomic_store(&sh.rt, sw_runtime_build(cfg, NULL));
	w = sw_dp_worker_create(&sh, 0, rte_lcore_id(), 0);
	if (w == NULL) {
		fprintf(stderr, "worker: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (getenv("SW_BENCH_OFFLOAD") != NULL && strcmp(getenv("SW_BENCH_OFFLOAD"), "1") == 0) {
		rx_ol = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		w->tx_csum = true;
	}
	key_sfx = v6 ? (rx_ol ? "_v6_ol" : "_v6") : (rx_ol ? "_ol" : "");
	label_sfx = v6 ? (rx_ol ? " (IPv6, NIC csum offload)" : " (IPv6)")
		       : (rx_ol ? " (NIC csum offload)" : "");
	now_tsc = rte_rdtsc();
	w->rt = atomic_load(&sh.rt);
	sw_dp_poll(w, now_tsc); /* sets the worker clock and keys */

	syn = calloc(n, sizeof(*syn));
	synack = calloc(n, sizeof(*syn));
	ack = calloc(n, sizeof(*syn));
	forged = calloc(n, sizeof(*syn));
	bsyn = calloc(n, sizeof(*syn));
	bsynack = calloc(n, sizeof(*syn));
	c2s = calloc(n, sizeof(*syn));
	s2c = calloc(n, sizeof(*syn));
	fin = calloc(n, sizeof(*syn));
	if (fin == NULL)
		return 1;

	opt_len = sw_tcpopt_syn_build(opt, &so);
	for (uint32_t i = 0; i < n; i++)
		build(&syn[i], i, false, SW_TCP_SYN, 1000 + i, 0, 64240, opt, opt_len, 0);

	/*
	 * As during a real flood, SYNs and forged ACKs meet a table that holds
	 * other clients' flows (198.19.0.0/16): min(n, capacity - n) of them,
	 * removed again before the third ACKs fill the table; capacity / 2 of
	 * them when only the stateless rows run.
	 */
	const bool stateless_only = cap < n;
	uint32_t bg = stateless_only ? cap / 2 : RTE_MIN(n, cap - n);
	struct sw_tuple *bgt = calloc(bg ? bg : 1, sizeof(*bgt));

	if (bgt == NULL)
		return 1;
	for (uint32_t i = 0; i < bg; i++) {
		struct frame fr;
		struct sw_pkt_view v;
		struct sw_flow *f;
		bool ev = false;

		build(&fr, i, false, SW_TCP_ACK, 1, 1, 502, NULL, 0, 0);
		if (v6)
			fr.b[14 + 8 + 7] = 3; /* 2001:2:0:3::x */
		else
			fr.b[14 + 13] = 19; /* 198.19.x.y */
		sw_pkt_parse(fr.b, fr.len, &v);
		sw_pkt_tuple(fr.b, &v, false, &bgt[i]);
		f = sw_flowtab_add(w->ft, &bgt[i], sw_flowtab_hash(w->ft, &bgt[i]), &ev);
		if (f == NULL || ev) {
			fprintf(stderr, "background flow %u not added\n", i);
			return 1;
		}
		sw_flowtab_set_state(w->ft, f, SW_CONN_ESTABLISHED);
		f->expire_ms = w->now_ms + 24u * 3600 * 1000;
	}
	printf("SYN and forged-ACK rows: the table holds %u other established flows\n\n", bg);

	printf("| path | cycles/packet |\n|---|---|\n");
	report("SYN -> cookie SYN-ACK", "syn",
		run_best(syn, n, SW_PORT_OUTSIDE, synack, SW_PORT_OUTSIDE, "SYN"));

	for (uint32_t i = 0; i < n; i++) {
		uint32_t tsecr, tsval = rd_tsval(&synack[i], &tsecr);

		opt_len = sw_tcpopt_ts_build(opt, 1001, tsval);
		build(&ack[i], i, false, SW_TCP_ACK, 1001 + i, rd_seq(&synack[i]) + 1, 502, opt,
			opt_len, 0);
		build(&forged[i], i, false, SW_TCP_ACK, 1001 + i, rd_seq(&synack[i]) ^ 0x5a5a5a,
			502, opt, opt_len, 0);
	}
	report("forged ACK -> drop", "forged_ack",
		run_best(forged, n, SW_PORT_OUTSIDE, NULL, 0, "forged ACK"));
	if (stateless_only) {
		printf("\nstateless rows only (capacity %u < %u flows): best of %u passes; first "
		       "(cold) pass cycles/packet: %s\n",
			cap, n, BENCH_PASSES, cold_note);
		sw_testenv_eal_cleanup();
		return 0;
	}
	for (uint32_t i = 0; i < bg; i++) {
		struct sw_flow *f =
			sw_flowtab_lookup(w->ft, &bgt[i], sw_flowtab_hash(w->ft, &bgt[i]));

		if (f == NULL) {
			fprintf(stderr, "background flow %u lost\n", i);
			return 1;
		}
		sw_flowtab_del(w->ft, f);
	}
	free(bgt);
	report("valid ACK -> flow + backend SYN", "valid_ack",
		run_collect(ack, n, SW_PORT_OUTSIDE, bsyn, SW_PORT_INSIDE));

	opt_len = sw_tcpopt_syn_build(opt, &so);
	for (uint32_t i = 0; i < n; i++)
		build(&bsynack[i], i, true, SW_TCP_SYN | SW_TCP_ACK, 7000000 + i, 1001 + i, 65160,
			opt, opt_len, 0);
	report("backend SYN-ACK -> ACK + window update", "backend_synack",
		run(bsynack, n, SW_PORT_INSIDE));

	for (uint32_t i = 0; i < n; i++) {
		opt_len = sw_tcpopt_ts_build(opt, 1002, 1000);
		build(&c2s[i], i, false, SW_TCP_ACK | SW_TCP_PSH, 1001 + i, rd_seq(&synack[i]) + 1,
			502, opt, opt_len, 64);
		build(&s2c[i], i, true, SW_TCP_ACK | SW_TCP_PSH, 7000001 + i, 1001 + i + 64, 502,
			opt, opt_len, 64);
		build(&fin[i], i, false, SW_TCP_ACK | SW_TCP_FIN, 1001 + 64 + i,
			rd_seq(&synack[i]) + 1 + 64, 502, opt, opt_len, 0);
	}
	report("established relay client->server", "relay_c2s", run(c2s, n, SW_PORT_OUTSIDE));
	report("established relay server->client", "relay_s2c", run(s2c, n, SW_PORT_INSIDE));
	report("FIN (teardown)", "fin", run(fin, n, SW_PORT_OUTSIDE));

	{
		uint32_t before = sw_flowtab_count(w->ft);
		uint64_t t0, cyc;
		unsigned budget_rounds = sw_flowtab_capacity(w->ft) / 64 + 2;

		/* FIN_WAIT flows: past every per-state timeout. */
		now_tsc += (uint64_t)w->tsc_per_ms * 1000 * 3600;
		t0 = rte_rdtsc_precise();
		CALLGRIND_TOGGLE_COLLECT;
		for (unsigned r = 0; r < budget_rounds; r++)
			sw_dp_poll(w, now_tsc);
		CALLGRIND_TOGGLE_COLLECT;
		cyc = rte_rdtsc_precise() - t0;
		drain(NULL, NULL, SW_PORT_OUTSIDE);
		drain(NULL, NULL, SW_PORT_INSIDE);
		report("flow expiry (per flow, incl. empty slots)", "expiry",
			before ? (double)cyc / before : 0.0);
		printf("\nexpired %u of %u flows\n", before - sw_flowtab_count(w->ft), before);
		printf("stateless rows: best of %u passes; first (cold) pass cycles/packet: %s\n",
			BENCH_PASSES, cold_note);
	}
	printf("\nflows %u, capacity %u, table %zu bytes = %.1f bytes/flow at capacity, "
	       "%.1f bytes/flow at 50%% load\n",
		n, cap, sw_flowtab_memsize(cap), (double)sw_flowtab_memsize(cap) / cap,
		(double)sw_flowtab_memsize(cap) / (cap / 2));
	printf("counters: synack_sent %" PRIu64 " cookie_valid %" PRIu64 " established %" PRIu64
	       " cookie_invalid %" PRIu64 "\n",
		w->stats.ev[SW_EV_synack_sent], w->stats.ev[SW_EV_cookie_valid],
		w->stats.ev[SW_EV_conn_established],
		w->stats.drop[SW_PORT_OUTSIDE][SW_DROP_cookie_invalid]);
	sw_testenv_eal_cleanup();
	return 0;
}
