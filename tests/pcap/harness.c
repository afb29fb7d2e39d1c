/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet harness: one synwall worker between two net_ring ports, driven
 * line by line on stdin so a scapy test can send packets, move the clock and
 * read back every packet synwall transmitted.
 *
 * Commands (one per line; every reply ends with a line "done"):
 *   in o|i HEX      queue a frame as received on the outside / inside port
 *   inx o|i HEX     the same in an mbuf attached to an external buffer, as some
 *                   PMDs receive (rte_pktmbuf_attach_extbuf)
 *   extbufs         "extbufs N": external buffers not yet released by their last mbuf
 *   rxcsum IP L4    the NIC's checksum verdicts (RX offload) on the frames queued from
 *                   now on: each unknown, good, bad or none (RTE_MBUF_F_RX_*_CKSUM_*)
 *   txcsum 0|1      the worker's tx_csum: its one-pass packets ask for TX checksum
 *                   insertion (both ports offload it)
 *   poll            run one worker iteration; prints "out o|i HEX" per frame sent;
 *                   a frame asking for checksum insertion gets them inserted as a NIC
 *                   would (rte_net_intel_cksum_prepare's contract) and " tx=ip,tcp"
 *   advance MS      move the worker's clock forward
 *   expire          run worker iterations until the flow table was scanned once
 *   flows           "flows N" then "state NAME COUNT" for non-empty states
 *   stats           the JSON counters
 *   banks ID        "banks N0 N1": SYNs of service ID in the worker's two one-second banks
 *   workers N IDX   the worker is worker IDX of N (shares of per-service limits); every
 *                   inbox is its own (what it hands on comes back to it)
 *   reload FILE     load FILE, swap it in (errors: "error ..." lines)
 *   quit
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sw_dataplane.h"
#include "sw_testenv.h"

static struct rte_ring *rx_ring[SW_NB_PORTS], *tx_ring[SW_NB_PORTS];
static struct sw_dp_shared sh;
static struct sw_worker *w;
static uint64_t now_tsc;

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* External buffers handed to mbufs by "inx" and not yet freed by their callback. */
static unsigned ext_outstanding;
/* ol_flags of the frames queued next ("rxcsum"). */
static uint64_t rx_ol;

/* "rxcsum IP L4": the flags a NIC's RX checksum offload would set. */
static int
cmd_rxcsum(const char *arg)
{
	static const char *const words[] = {"unknown", "good", "bad", "none"};
	static const uint64_t ip[] = {RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_NONE};
	static const uint64_t l4[] = {RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		RTE_MBUF_F_RX_L4_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_NONE};
	char a[16], b[16];
	int ia = -1, ib = -1;

	if (sscanf(arg, "%15s %15s", a, b) != 2)
		return -EINVAL;
	for (int i = 0; i < (int)RTE_DIM(words); i++) {
		if (strcmp(a, words[i]) == 0)
			ia = i;
		if (strcmp(b, words[i]) == 0)
			ib = i;
	}
	if (ia < 0 || ib < 0)
		return -EINVAL;
	rx_ol = ip[ia] | l4[ib];
	return 0;
}

/*
 * A NIC's TX checksum insertion on a frame that asks for it: the IPv4
 * header's sum over its field as stored, the TCP checksum over the segment
 * with the pseudo header's sum in its field (the caller's part of the
 * contract). False when m asks for none.
 */
static bool
nic_csum(struct rte_mbuf *m)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
	uint8_t *l4 = ip + m->l3_len;
	uint16_t l4_len, c;

	if ((m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)) == 0)
		return false;
	if (m->ol_flags & RTE_MBUF_F_TX_IPV4)
		l4_len = (uint16_t)(rte_be_to_cpu_16(((struct rte_ipv4_hdr *)ip)->total_length) -
			m->l3_len);
	else
		l4_len = (uint16_t)(rte_be_to_cpu_16(((struct rte_ipv6_hdr *)ip)->payload_len) +
			sizeof(struct rte_ipv6_hdr) - m->l3_len);
	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		c = (uint16_t)~rte_raw_cksum(ip, m->l3_len);
		memcpy(ip + 10, &c, 2);
	}
	if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM) {
		c = (uint16_t)~rte_raw_cksum(l4, l4_len);
		memcpy(l4 + 16, &c, 2);
	}
	return true;
}

static void
ext_free(void *addr, void *opaque)
{
	RTE_SET_USED(opaque);
	ext_outstanding--;
	rte_free(addr);
}

/* An mbuf whose data lives in an external buffer of 2 KiB (headroom as usual). */
static struct rte_mbuf *
alloc_ext(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sh.pool[0]);
	struct rte_mbuf_ext_shared_info *shinfo;
	uint16_t len = 2048 + sizeof(*shinfo);
	void *buf;

	if (m == NULL)
		return NULL;
	buf = rte_malloc("sw_harness_ext", len, RTE_CACHE_LINE_SIZE);
	if (buf == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	shinfo = rte_pktmbuf_ext_shinfo_init_helper(buf, &len, ext_free, NULL);
	if (shinfo == NULL) {
		rte_free(buf);
		rte_pktmbuf_free(m);
		return NULL;
	}
	rte_pktmbuf_attach_extbuf(m, buf, rte_malloc_virt2iova(buf), len, shinfo);
	rte_pktmbuf_reset_headroom(m);
	ext_outstanding++;
	return m;
}

static int
cmd_in(unsigned port, const char *hex, bool ext)
{
	struct rte_mbuf *m = ext ? alloc_ext() : rte_pktmbuf_alloc(sh.pool[0]);
	size_t n = strlen(hex) / 2;
	uint8_t *d;

	if (m == NULL)
		return -ENOMEM;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			rte_pktmbuf_free(m);
			return -EINVAL;
		}
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	m->port = sh.port_id[port];
	m->ol_flags |= rx_ol;
	if (rte_ring_enqueue(rx_ring[port], m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

static void
drain_tx(void)
{
	struct rte_mbuf *m;

	for (unsigned p = 0; p < SW_NB_PORTS; p++)
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0) {
			bool tx = nic_csum(m);

			printf("out %c ", p == SW_PORT_OUTSIDE ? 'o' : 'i');
			for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
				const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);

				for (unsigned i = 0; i < s->data_len; i++)
					printf("%02x", d[i]);
			}
			if (tx)
				printf(" tx=%s",
					m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM ? "ip,tcp" : "tcp");
			printf("\n");
			rte_pktmbuf_free(m);
		}
}

static void
cmd_flows(void)
{
	uint32_t by_state[SW_CONN_STATE_MAX];

	sw_flowtab_count_by_state(w->ft, by_state);
	printf("flows %u\n", sw_flowtab_count(w->ft));
	for (unsigned s = 1; s < SW_CONN_STATE_MAX; s++)
		if (by_state[s])
			printf("state %s %u\n", sw_conn_state_name((enum sw_conn_state)s),
				by_state[s]);
}

static int
cmd_reload(const char *path)
{
	struct sw_config_errors errs;
	struct sw_config *cfg;
	struct sw_runtime *rt, *old;

	memset(&errs, 0, sizeof(errs));
	cfg = sw_config_load(path, &errs);
	if (cfg == NULL) {
		for (unsigned i = 0; i < errs.n_msgs; i++)
			printf("error %s\n", errs.msgs[i]);
		sw_config_errors_free(&errs);
		return -EINVAL;
	}
	rt = sw_runtime_build(cfg, atomic_load(&sh.rt));
	if (rt == NULL) {
		printf("error runtime: %s\n", rte_strerror(rte_errno));
		sw_config_free(cfg);
		return -EINVAL;
	}
	/* As app/synwall/runtime.c numbers its reloads. */
	rt->generation = atomic_load(&sh.rt)->generation + 1;
	old = atomic_exchange(&sh.rt, rt);
	/* Single-threaded: no worker holds the old snapshot between commands. */
	sw_runtime_free(old);
	/* What app/synwall/runtime.c's reload applies beyond the runtime. */
	__atomic_store_n(&sh.cookie_epoch_ms, cfg->general.cookie_epoch_ms, __ATOMIC_RELAXED);
	return 0;
}

int
main(int argc, char **argv)
{
	static char a_nohuge[] = "--no-huge", a_m[] = "-m", a_mem[] = "256", a_nopci[] = "--no-pci",
		    a_noshconf[] = "--no-shconf", a_log[] = "--log-level=5",
		    a_fp[] = "--file-prefix";
	char prefix[64];
	char *eal_argv[] = {
		argv[0], a_nohuge, a_m, a_mem, a_nopci, a_noshconf, a_log, a_fp, prefix, NULL};
	static char line[65536];
	struct sw_config_errors errs;
	struct sw_config *cfg;
	struct sw_runtime *rt;
	unsigned nw, wi;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CONFIG\n", argv[0]);
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "sw_harness_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	memset(&errs, 0, sizeof(errs));
	cfg = sw_config_load(argv[1], &errs);
	if (cfg == NULL) {
		sw_config_errors_print(&errs, stderr);
		return 1;
	}
	sh.nb_workers = 1;
	sh.flow_capacity = cfg->general.flow_capacity;
	sh.cookie_epoch_ms = cfg->general.cookie_epoch_ms;
	/* One segment holds a whole frame of the configured MTU, as in app/synwall/ports.c. */
	sh.pool[0] = rte_pktmbuf_pool_create("harness", 8192, 0, 0,
		cfg->general.mtu > 1500 ? 16384 + RTE_PKTMBUF_HEADROOM : RTE_MBUF_DEFAULT_BUF_SIZE,
		0);
	if (sh.pool[0] == NULL || sw_cookie_master_init(&sh.cookie_master) != 0)
		return 1;
	for (unsigned i = 0; i < 16; i++)
		sh.flow_hash_key[i] = (uint8_t)rand();
	for (unsigned role = 0; role < SW_NB_PORTS; role++) {
		int port = sw_testenv_ring_port(
			sw_stats_port_role[role], 1024, sh.pool[0], &rx_ring[role], &tx_ring[role]);

		if (port < 0) {
			fprintf(stderr, "ring ports: %s\n", rte_strerror(rte_errno));
			return 1;
		}
		sh.port_id[role] = (uint16_t)port;
	}
	rt = sw_runtime_build(cfg, atomic_load(&sh.rt));
	if (rt == NULL)
		return 1;
	atomic_store(&sh.rt, rt);
	w = sw_dp_worker_create(&sh, 0, rte_lcore_id(), 0);
	if (w == NULL) {
		fprintf(stderr, "worker: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	sh.steer_rings[0] = w->steer_ring;
	/* Start the clock at 1000 s so nothing is near zero. */
	now_tsc = 1000ull * 1000 * w->tsc_per_ms;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *arg;

		line[strcspn(line, "\r\n")] = '\0';
		arg = strchr(line, ' ');
		if (arg != NULL)
			*arg++ = '\0';
		if (strcmp(line, "quit") == 0)
			break;
		if ((strcmp(line, "in") == 0 || strcmp(line, "inx") == 0) && arg != NULL &&
			(arg[0] == 'o' || arg[0] == 'i') && arg[1] == ' ') {
			int ret = cmd_in(arg[0] == 'o' ? SW_PORT_OUTSIDE : SW_PORT_INSIDE, arg + 2,
				line[2] == 'x');

			if (ret != 0)
				printf("error in: %s\n", strerror(-ret));
		} else if (strcmp(line, "poll") == 0) {
			sw_dp_poll(w, now_tsc);
			drain_tx();
		} else if (strcmp(line, "advance") == 0 && arg != NULL) {
			now_tsc += strtoull(arg, NULL, 10) * w->tsc_per_ms;
		} else if (strcmp(line, "expire") == 0) {
			unsigned rounds = sw_flowtab_capacity(w->ft) / 32 + 2;

			for (unsigned i = 0; i < rounds; i++)
				sw_dp_poll(w, now_tsc);
			drain_tx();
		} else if (strcmp(line, "rxcsum") == 0 && arg != NULL) {
			if (cmd_rxcsum(arg) != 0)
				printf("error rxcsum: IP and L4 each unknown, good, bad or none\n");
		} else if (strcmp(line, "txcsum") == 0 && arg != NULL) {
			w->tx_csum = strcmp(arg, "1") == 0;
		} else if (strcmp(line, "extbufs") == 0) {
			printf("extbufs %u\n", ext_outstanding);
		} else if (strcmp(line, "flows") == 0) {
			cmd_flows();
		} else if (strcmp(line, "workers") == 0 && arg != NULL &&
			sscanf(arg, "%u %u", &nw, &wi) == 2 && nw >= 1 && nw <= 64 && wi < nw) {
			sh.nb_workers = nw;
			w->idx = (uint16_t)wi;
			/* Every inbox is ours: what the worker hands on comes back as the next one's. */
			for (unsigned i = 0; i < nw; i++)
				sh.steer_rings[i] = w->steer_ring;
		} else if (strcmp(line, "banks") == 0 && arg != NULL &&
			sscanf(arg, "%u", &nw) == 1 && nw <= SW_CONFIG_SERVICES_MAX) {
			printf("banks %u %u\n", w->syn_bank[0][nw], w->syn_bank[1][nw]);
		} else if (strcmp(line, "stats") == 0) {
			sw_stats_write_json(&w->stats, stdout);
		} else if (strcmp(line, "reload") == 0 && arg != NULL) {
			cmd_reload(arg);
		} else {
			printf("error unknown command '%s'\n", line);
		}
		printf("done\n");
		fflush(stdout);
	}
	sw_dp_worker_free(w);
	sw_runtime_free(atomic_load(&sh.rt));
	sw_testenv_eal_cleanup();
	return 0;
}
