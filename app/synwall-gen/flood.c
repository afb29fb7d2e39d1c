/* SPDX-License-Identifier: BSD-3-Clause */
/* syn-flood, ack-flood, rst-flood, fin-flood: spoofed sources in --src-net, rate and count bound. */
#include <errno.h>
#include <inttypes.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "gen.h"
#include "sw_tcpopt.h"

struct flood {
	enum gen_mode mode;
	enum gen_ctr ctr; /* tx counter */
	uint64_t sent;
	uint64_t credit; /* --rate token bucket: tokens * hz */
	uint64_t last_tsc;
	struct gen_hosts src; /* source addresses */
	uint16_t mss_less; /* taken off flood_mss[]: the IPv6 header's extra 20 bytes */
};

/*
 * IPv4 MSS values seen in the wild: Ethernet, PPPoE, tunnels, the RFC 9293
 * default, jumbo. IPv6 SYNs announce each 20 bytes less (the same MTUs).
 */
static const uint16_t flood_mss[8] = {1460, 1460, 1460, 1452, 1440, 1400, 536, 8960};

static int
flood_init(struct gen_worker *w, void **priv, enum gen_mode mode, enum gen_ctr ctr)
{
	const struct gen_cfg *cfg = w->cfg;
	struct flood *fl = rte_zmalloc("gen_flood", sizeof(*fl), RTE_CACHE_LINE_SIZE);

	if (fl == NULL)
		return -ENOMEM;
	fl->mode = mode;
	fl->ctr = ctr;
	/* IPv6: up to 2^64 - 1 sources, the low 64 bits of a shorter prefix. */
	gen_hosts_init(&fl->src, &cfg->src_net, cfg->src_plen, cfg->family, UINT64_MAX);
	fl->mss_less = cfg->family == 6 ? GEN_IP6_EXTRA : 0;
	*priv = fl;
	return 0;
}

static int
syn_init(struct gen_worker *w, void **priv)
{
	return flood_init(w, priv, GEN_MODE_SYN_FLOOD, GEN_CTR_tx_syn_flood);
}

static int
ack_init(struct gen_worker *w, void **priv)
{
	return flood_init(w, priv, GEN_MODE_ACK_FLOOD, GEN_CTR_tx_ack_flood);
}

static int
rst_init(struct gen_worker *w, void **priv)
{
	return flood_init(w, priv, GEN_MODE_RST_FLOOD, GEN_CTR_tx_rst_flood);
}

static int
fin_init(struct gen_worker *w, void **priv)
{
	return flood_init(w, priv, GEN_MODE_FIN_FLOOD, GEN_CTR_tx_fin_flood);
}

static void
flood_fini(void *priv)
{
	rte_free(priv);
}

/* One spoofed segment; options as Linux, Windows and friends send them, mixed per packet. */
static struct rte_mbuf *
flood_pkt(struct gen_worker *w, const struct flood *fl)
{
	const struct gen_cfg *cfg = w->cfg;
	uint64_t r = rte_rand(), r2 = rte_rand();
	uint8_t opt[SW_TCP_OPT_MAX];
	struct rte_mbuf *m;
	struct gen_seg h;

	h.src_mac = &w->port[GEN_ROLE_CLIENT].mac;
	h.dst_mac = &w->port[GEN_ROLE_CLIENT].dst_mac;
	/* IPv4 prefixes have fewer than 2^32 hosts: r's low half picks one, as it always did. */
	gen_hosts_get(&fl->src,
		fl->src.n <= UINT32_MAX ? (r & 0xffffffffu) % fl->src.n : rte_rand_max(fl->src.n),
		cfg->family, &h.sip);
	h.dip = cfg->server_ip;
	h.sport = (uint16_t)(1024 + (r >> 32) % 64512);
	h.dport = cfg->service_port;
	h.seq = (uint32_t)r2;
	h.ack = (uint32_t)(r2 >> 32); /* a forged cookie for ack-flood */
	h.win = (uint16_t)(r >> 48) | 0x0200;
	h.opt = opt;
	h.opt_len = 0;
	h.payload_len = 0;
	switch (fl->mode) {
	case GEN_MODE_SYN_FLOOD: {
		struct sw_tcpopt_syn so;
		uint8_t k = (uint8_t)(r >> 40);

		h.flags = SW_TCP_SYN;
		h.ack = 0;
		h.win = (k & 1) ? 64240 : 65535;
		so.mss = (uint16_t)(flood_mss[(k >> 1) & 7] - fl->mss_less);
		so.has_wscale = (k >> 4) % 10 != 0; /* 90 % */
		so.wscale = (uint8_t)((r2 >> 40) % 11);
		so.has_sack_perm = (k >> 5) % 8 != 0;
		so.has_ts = (k >> 6) != 0; /* 75 % */
		so.tsval = (uint32_t)(r2 >> 32);
		so.tsecr = 0;
		h.opt_len = sw_tcpopt_syn_build(opt, &so);
		break;
	}
	case GEN_MODE_ACK_FLOOD:
		h.flags = SW_TCP_ACK;
		if (r & (1ull << 47))
			h.opt_len = sw_tcpopt_ts_build(opt, (uint32_t)r2, (uint32_t)(r2 >> 16));
		break;
	case GEN_MODE_RST_FLOOD:
		h.flags = (r & (1ull << 47)) ? SW_TCP_RST | SW_TCP_ACK : SW_TCP_RST;
		if (!(h.flags & SW_TCP_ACK))
			h.ack = 0;
		h.win = 0;
		break;
	default:
		h.flags = SW_TCP_FIN | SW_TCP_ACK;
		break;
	}
	m = gen_pkt_tcp(w, &h, NULL);
	if (m != NULL)
		gen_pkt_tcp_finish(w, m);
	return m;
}

static uint16_t
flood_tx_burst(struct gen_worker *w, void *priv, uint16_t budget)
{
	const struct gen_cfg *cfg = w->cfg;
	struct flood *fl = priv;
	struct rte_mbuf *pkts[GEN_BURST_MAX];
	uint64_t n = RTE_MIN((uint64_t)budget, (uint64_t)GEN_BURST_MAX);
	uint16_t i, nb, sent;

	if (cfg->count > 0) {
		if (fl->sent >= cfg->count)
			return 0;
		n = RTE_MIN(n, cfg->count - fl->sent);
	}
	if (cfg->rate_pps > 0) {
		/*
		 * Credit kept across a stall (the lcore descheduled on a shared
		 * core): 100 ms worth, at least one burst. Catching up still goes
		 * at most one burst per loop iteration.
		 */
		uint64_t cap = RTE_MAX((uint64_t)budget, cfg->rate_pps / 10) * w->hz;

		if (fl->last_tsc == 0)
			fl->last_tsc = w->now_tsc;
		fl->credit += RTE_MIN(w->now_tsc - fl->last_tsc, w->hz) * cfg->rate_pps;
		fl->credit = RTE_MIN(fl->credit, cap);
		fl->last_tsc = w->now_tsc;
		n = RTE_MIN(n, fl->credit / w->hz);
	}
	for (nb = 0; nb < n; nb++) {
		pkts[nb] = flood_pkt(w, fl);
		if (pkts[nb] == NULL)
			break;
	}
	if (nb == 0)
		return 0;
	/*
	 * TCP segments queued this iteration go first: a flood at line rate
	 * must not starve the connections it runs alongside of ring space.
	 */
	gen_tx_flush(w);
	/* Straight to the queue: only frames it took count (and use up rate and count). */
	sent = rte_eth_tx_burst(w->port[GEN_ROLE_CLIENT].port_id, 0, pkts, nb);
	for (i = sent; i < nb; i++)
		rte_pktmbuf_free(pkts[i]);
	fl->sent += sent;
	if (cfg->rate_pps > 0)
		fl->credit -= (uint64_t)sent * w->hz;
	gen_ctr_add(w, fl->ctr, sent);
	return sent;
}

/* Answers to spoofed sources (the proxy's cookie SYN-ACKs, RSTs): count them, by kind. */
static bool
flood_rx(struct gen_worker *w, void *priv, uint16_t role, struct rte_mbuf *m,
	const struct sw_pkt_view *v)
{
	const struct gen_cfg *cfg = w->cfg;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t flags = v->tcp_flags;
	struct gen_ip dip;

	RTE_SET_USED(priv);
	gen_ip_read(&dip, sw_pkt_dst(f, v), v->family);
	if (role != GEN_ROLE_CLIENT || !gen_in_net(&dip, &cfg->src_net, cfg->src_plen))
		return false;
	if ((flags & (SW_TCP_SYN | SW_TCP_ACK | SW_TCP_RST)) == (SW_TCP_SYN | SW_TCP_ACK))
		gen_ctr_add(w, GEN_CTR_rx_flood_synack, 1);
	else if (flags & SW_TCP_RST)
		gen_ctr_add(w, GEN_CTR_rx_flood_rst, 1);
	else
		gen_ctr_add(w, GEN_CTR_rx_flood_other, 1);
	return true;
}

static bool
flood_is_done(const struct gen_worker *w, const void *priv)
{
	const struct flood *fl = priv;

	return w->cfg->count > 0 && fl->sent >= w->cfg->count;
}

static void
flood_report(const struct gen_worker *w, const void *priv, const struct gen_snap *cur,
	const struct gen_snap *prev, FILE *f)
{
	const struct flood *fl = priv;

	fprintf(f, "  %-9s sent %" PRIu64 " (%.0f pps)", gen_modes[fl->mode]->name,
		cur->ctr[fl->ctr], gen_rate(cur, prev, fl->ctr));
	if (w->cfg->count > 0)
		fprintf(f, " of %" PRIu64, w->cfg->count);
	fprintf(f, "\n");
}

const struct gen_mode_ops gen_mode_syn_flood = {
	.name = "syn-flood",
	.role = GEN_ROLE_CLIENT,
	.init = syn_init,
	.fini = flood_fini,
	.tx_burst = flood_tx_burst,
	.rx = flood_rx,
	.is_done = flood_is_done,
	.report = flood_report,
};

const struct gen_mode_ops gen_mode_ack_flood = {
	.name = "ack-flood",
	.role = GEN_ROLE_CLIENT,
	.init = ack_init,
	.fini = flood_fini,
	.tx_burst = flood_tx_burst,
	.rx = flood_rx,
	.is_done = flood_is_done,
	.report = flood_report,
};

const struct gen_mode_ops gen_mode_rst_flood = {
	.name = "rst-flood",
	.role = GEN_ROLE_CLIENT,
	.init = rst_init,
	.fini = flood_fini,
	.tx_burst = flood_tx_burst,
	.rx = flood_rx,
	.is_done = flood_is_done,
	.report = flood_report,
};

const struct gen_mode_ops gen_mode_fin_flood = {
	.name = "fin-flood",
	.role = GEN_ROLE_CLIENT,
	.init = fin_init,
	.fini = flood_fini,
	.tx_burst = flood_tx_burst,
	.rx = flood_rx,
	.is_done = flood_is_done,
	.report = flood_report,
};
