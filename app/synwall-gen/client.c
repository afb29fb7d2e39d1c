/* SPDX-License-Identifier: BSD-3-Clause */
/* clients mode: open connections at --conn-rate up to --concurrency, request, verify, close. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include "tcp.h"

#define SPORT_FIRST 1024u
#define SPORT_COUNT (65536u - SPORT_FIRST)
#define TUPLE_TRIES 4 /* tuples skipped while still lingering from an earlier connection */

struct client {
	struct gen_tcp tcp;
	uint64_t credit; /* --conn-rate token bucket: tokens * hz */
	uint64_t last_tsc;
	uint64_t started; /* connections opened */
	uint64_t next; /* next tuple index, 0 .. space - 1 */
	uint64_t space; /* client addresses * source ports */
	struct gen_hosts hosts; /* client addresses */
};

static int
clients_init(struct gen_worker *w, void **priv)
{
	const struct gen_cfg *cfg = w->cfg;
	struct client *c = rte_zmalloc("gen_clients", sizeof(*c), RTE_CACHE_LINE_SIZE);
	int ret;

	if (c == NULL)
		return -ENOMEM;
	ret = gen_tcp_init(&c->tcp, w, GEN_ROLE_CLIENT, "clients");
	if (ret != 0) {
		rte_free(c);
		return ret;
	}
	/* At most 2^32 addresses (an IPv6 /64 has 2^64): space stays far below 2^64. */
	gen_hosts_init(&c->hosts, &cfg->client_net, cfg->client_plen, cfg->family, UINT32_MAX);
	c->space = c->hosts.n * SPORT_COUNT;
	/* A random start: a rerun does not meet the flows a middlebox still holds. */
	c->next = rte_rand_max(c->space);
	*priv = c;
	return 0;
}

static void
clients_fini(void *priv)
{
	struct client *c = priv;

	gen_tcp_fini(&c->tcp);
	rte_free(c);
}

static struct gen_tcb *
open_one(struct gen_worker *w, struct client *c)
{
	const struct gen_cfg *cfg = w->cfg;
	struct gen_tcb *t = NULL;

	for (int i = 0; i < TUPLE_TRIES && t == NULL; i++) {
		uint16_t lport = (uint16_t)(SPORT_FIRST + c->next / c->hosts.n);
		struct gen_ip lip;

		gen_hosts_get(&c->hosts, c->next % c->hosts.n, cfg->family, &lip);
		c->next = (c->next + 1) % c->space;
		if (gen_tcp_lookup(&c->tcp, &lip, &cfg->server_ip, lport, cfg->service_port) !=
			NULL)
			continue;
		t = gen_tcp_alloc(&c->tcp, &lip, &cfg->server_ip, lport, cfg->service_port);
		if (t == NULL)
			return NULL;
	}
	if (t == NULL)
		return NULL;
	t->peer_mac = w->port[GEN_ROLE_CLIENT].dst_mac;
	t->tx_len = cfg->request_bytes;
	t->rx_len = cfg->response_bytes;
	t->seed_tx = gen_pattern_seed(cfg->family, &t->lip, &t->rip, t->lport, t->rport, false);
	t->seed_rx = gen_pattern_seed(cfg->family, &t->lip, &t->rip, t->lport, t->rport, true);
	gen_tcp_connect(&c->tcp, t);
	return t;
}

static uint16_t
clients_tx_burst(struct gen_worker *w, void *priv, uint16_t budget)
{
	const struct gen_cfg *cfg = w->cfg;
	struct client *c = priv;
	uint64_t n, opened = 0;

	gen_tcp_poll(&c->tcp);
	if (c->started >= cfg->conns)
		return 0;
	/*
	 * Not before the server's MAC is known (ARP or neighbour discovery
	 * pending): a connection keeps the MAC it opened with, and a segment to
	 * the broadcast address is no host's (RFC 1122 section 3.3.6 for IPv4).
	 */
	if (!w->port[GEN_ROLE_CLIENT].has_dst_mac)
		return 0;
	n = RTE_MIN((uint64_t)budget, cfg->conns - c->started);
	if (c->tcp.n_active >= cfg->concurrency)
		return 0;
	n = RTE_MIN(n, (uint64_t)(cfg->concurrency - c->tcp.n_active));
	if (cfg->conn_rate > 0) {
		/* 100 ms of credit survives a stall, as for the floods. */
		uint64_t cap = RTE_MAX((uint64_t)budget, (uint64_t)cfg->conn_rate / 10) * w->hz;

		if (c->last_tsc == 0)
			c->last_tsc = w->now_tsc;
		c->credit += RTE_MIN(w->now_tsc - c->last_tsc, w->hz) * cfg->conn_rate;
		c->credit = RTE_MIN(c->credit, cap);
		c->last_tsc = w->now_tsc;
		n = RTE_MIN(n, c->credit / w->hz);
	}
	while (opened < n) {
		if (open_one(w, c) == NULL) {
			gen_ctr_add(w, GEN_CTR_cli_table_full, 1);
			break;
		}
		opened++;
	}
	if (cfg->conn_rate > 0)
		c->credit -= opened * w->hz;
	c->started += opened;
	gen_ctr_add(w, GEN_CTR_cli_started, opened);
	return (uint16_t)opened;
}

static bool
clients_rx(struct gen_worker *w, void *priv, uint16_t role, struct rte_mbuf *m,
	const struct sw_pkt_view *v)
{
	const struct gen_cfg *cfg = w->cfg;
	struct client *c = priv;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *tcph = f + v->l4_off;
	struct gen_ip sip, dip;
	struct sw_tcpopt o;
	struct gen_tcb *t;

	gen_pkt_addrs(f, v, &sip, &dip);
	if (role != GEN_ROLE_CLIENT || !gen_in_net(&dip, &cfg->client_net, cfg->client_plen) ||
		!gen_ip_eq(&sip, &cfg->server_ip) ||
		sw_rd16(tcph + SW_TCP_OFF_SPORT) != cfg->service_port)
		return false;
	if (!sw_csum_verify_tcp(f, v) ||
		sw_tcpopt_parse(
			tcph + SW_TCP_HDR_MIN, (uint16_t)(v->l4_len - SW_TCP_HDR_MIN), &o) != 0) {
		gen_ctr_add(w, GEN_CTR_rx_bad, 1);
		return true;
	}
	t = gen_tcp_lookup(
		&c->tcp, &dip, &sip, sw_rd16(tcph + SW_TCP_OFF_DPORT), cfg->service_port);
	if (t == NULL) {
		/* E.g. a FIN retransmitted after our TIME_WAIT ended: let the peer close. */
		gen_ctr_add(w, GEN_CTR_rx_stray, 1);
		gen_tcp_reply_rst(w, GEN_ROLE_CLIENT, f, v);
		return true;
	}
	gen_ctr_add(w, GEN_CTR_rx_client, 1);
	gen_tcp_input(&c->tcp, t, f, v, &o);
	return true;
}

static bool
clients_is_done(const struct gen_worker *w, const void *priv)
{
	const struct client *c = priv;

	return c->started >= w->cfg->conns && c->tcp.n_active == 0;
}

static void
clients_report(const struct gen_worker *w, const void *priv, const struct gen_snap *cur,
	const struct gen_snap *prev, FILE *f)
{
	const uint64_t *x = cur->ctr;

	RTE_SET_USED(w);
	RTE_SET_USED(priv);
	fprintf(f,
		"  clients   open %u  started %" PRIu64 " (%.0f/s)  completed %" PRIu64
		" (%.0f/s)  failed %" PRIu64 "\n",
		cur->cli_active, x[GEN_CTR_cli_started], gen_rate(cur, prev, GEN_CTR_cli_started),
		x[GEN_CTR_cli_completed], gen_rate(cur, prev, GEN_CTR_cli_completed),
		x[GEN_CTR_cli_failed]);
	fprintf(f,
		"            syn-ack %" PRIu64 "  zero-window %" PRIu64 "  window-open %" PRIu64
		"  probes %" PRIu64 "  rtx %" PRIu64 "  verified %.3f MB  sent %.3f MB\n",
		x[GEN_CTR_cli_synack], x[GEN_CTR_cli_zero_win], x[GEN_CTR_cli_win_open],
		x[GEN_CTR_cli_probe], x[GEN_CTR_cli_rtx],
		(double)x[GEN_CTR_cli_bytes_verified] / 1e6, (double)x[GEN_CTR_cli_bytes_tx] / 1e6);
	gen_fail_line(f, cur, GEN_CTR_cli_fail_syn_timeout, GEN_CTR_cli_failed);
	gen_hist_line(f, "setup", cur, prev, GEN_HIST_SETUP);
	gen_hist_line(f, "conn", cur, prev, GEN_HIST_CONN);
}

const struct gen_mode_ops gen_mode_clients = {
	.name = "clients",
	.role = GEN_ROLE_CLIENT,
	.init = clients_init,
	.fini = clients_fini,
	.tx_burst = clients_tx_burst,
	.rx = clients_rx,
	.is_done = clients_is_done,
	.report = clients_report,
};
