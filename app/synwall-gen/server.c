/* SPDX-License-Identifier: BSD-3-Clause */
/* servers mode: accept SYNs to --server-ip:--service-port, read the request, serve the pattern. */
#include <errno.h>
#include <inttypes.h>

#include <rte_malloc.h>

#include "tcp.h"

struct server {
	struct gen_tcp tcp;
};

static int
servers_init(struct gen_worker *w, void **priv)
{
	struct server *s = rte_zmalloc("gen_servers", sizeof(*s), RTE_CACHE_LINE_SIZE);
	int ret;

	if (s == NULL)
		return -ENOMEM;
	ret = gen_tcp_init(&s->tcp, w, GEN_ROLE_SERVER, "servers");
	if (ret != 0) {
		rte_free(s);
		return ret;
	}
	*priv = s;
	return 0;
}

static void
servers_fini(void *priv)
{
	struct server *s = priv;

	gen_tcp_fini(&s->tcp);
	rte_free(s);
}

static uint16_t
servers_tx_burst(struct gen_worker *w, void *priv, uint16_t budget)
{
	struct server *s = priv;

	RTE_SET_USED(w);
	RTE_SET_USED(budget);
	gen_tcp_poll(&s->tcp);
	return 0;
}

/* A SYN (no ACK): new connection, retransmission, or reuse of a lingering tuple. */
static void
on_syn(struct gen_worker *w, struct server *s, struct gen_tcb *t, const uint8_t *f,
	const struct sw_pkt_view *v, const struct sw_tcpopt *o, const struct gen_ip *rip,
	uint16_t rport)
{
	const struct gen_cfg *cfg = w->cfg;

	gen_ctr_add(w, GEN_CTR_srv_syn, 1);
	if (t != NULL && t->state == GEN_TCB_LINGER) {
		gen_tcp_free(&s->tcp, t); /* RFC 9293 3.10.7.4: a new SYN may reopen TIME-WAIT */
		t = NULL;
	}
	if (t != NULL) {
		gen_tcp_input(&s->tcp, t, f, v, o);
		return;
	}
	t = gen_tcp_alloc(&s->tcp, &cfg->server_ip, rip, cfg->service_port, rport);
	if (t == NULL) {
		gen_ctr_add(w, GEN_CTR_srv_table_full, 1);
		return;
	}
	gen_tcp_accept(&s->tcp, t, f, v, o);
}

static bool
servers_rx(struct gen_worker *w, void *priv, uint16_t role, struct rte_mbuf *m,
	const struct sw_pkt_view *v)
{
	const struct gen_cfg *cfg = w->cfg;
	struct server *s = priv;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *tcph = f + v->l4_off;
	uint16_t sport = sw_rd16(tcph + SW_TCP_OFF_SPORT);
	struct gen_ip sip, dip;
	struct sw_tcpopt o;
	struct gen_tcb *t;

	gen_pkt_addrs(f, v, &sip, &dip);
	if (role != GEN_ROLE_SERVER || !gen_ip_eq(&dip, &cfg->server_ip) ||
		sw_rd16(tcph + SW_TCP_OFF_DPORT) != cfg->service_port)
		return false;
	if (!sw_csum_verify_tcp(f, v) ||
		sw_tcpopt_parse(
			tcph + SW_TCP_HDR_MIN, (uint16_t)(v->l4_len - SW_TCP_HDR_MIN), &o) != 0) {
		gen_ctr_add(w, GEN_CTR_rx_bad, 1);
		return true;
	}
	gen_ctr_add(w, GEN_CTR_rx_server, 1);
	t = gen_tcp_lookup(&s->tcp, &dip, &sip, cfg->service_port, sport);
	if ((v->tcp_flags & (SW_TCP_SYN | SW_TCP_ACK | SW_TCP_RST)) == SW_TCP_SYN) {
		on_syn(w, s, t, f, v, &o, &sip, sport);
		return true;
	}
	if (t == NULL) {
		gen_ctr_add(w, GEN_CTR_rx_stray, 1);
		gen_tcp_reply_rst(w, GEN_ROLE_SERVER, f, v);
		return true;
	}
	gen_tcp_input(&s->tcp, t, f, v, &o);
	return true;
}

static void
servers_report(const struct gen_worker *w, const void *priv, const struct gen_snap *cur,
	const struct gen_snap *prev, FILE *f)
{
	const uint64_t *x = cur->ctr;

	RTE_SET_USED(w);
	RTE_SET_USED(priv);
	fprintf(f,
		"  servers   open %u  syn %" PRIu64 " (%.0f/s)  accepted %" PRIu64
		"  completed %" PRIu64 " (%.0f/s)  failed %" PRIu64 "\n",
		cur->srv_active, x[GEN_CTR_srv_syn], gen_rate(cur, prev, GEN_CTR_srv_syn),
		x[GEN_CTR_srv_accepted], x[GEN_CTR_srv_completed],
		gen_rate(cur, prev, GEN_CTR_srv_completed), x[GEN_CTR_srv_failed]);
	fprintf(f, "            rtx %" PRIu64 "  table-full %" PRIu64 "  verified %.3f MB\n",
		x[GEN_CTR_srv_rtx], x[GEN_CTR_srv_table_full],
		(double)x[GEN_CTR_srv_bytes_verified] / 1e6);
	gen_fail_line(f, cur, GEN_CTR_srv_fail_syn_timeout, GEN_CTR_srv_failed);
}

const struct gen_mode_ops gen_mode_servers = {
	.name = "servers",
	.role = GEN_ROLE_SERVER,
	.init = servers_init,
	.fini = servers_fini,
	.tx_burst = servers_tx_burst,
	.rx = servers_rx,
	.is_done = NULL,
	.report = servers_report,
};
