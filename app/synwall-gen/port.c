/* SPDX-License-Identifier: BSD-3-Clause */
/* Ports: mempool, one RX/TX queue per port, link wait, TX queueing, a minimal ARP. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "gen.h"

#define NB_RXD 1024
#define NB_TXD 1024
#define MBUF_CACHE 256
#define ARP_RETRY_MS 1000
#define LINK_DOWN_WAIT_MS 500
#define DISCONNECT_MS 20

static const char *const role_name[GEN_ROLE_MAX] = {"client", "server"};

static int
port_setup(struct gen_worker *w, enum gen_role role)
{
	struct gen_port *p = &w->port[role];
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD;
	struct rte_eth_conf conf;
	int ret, socket;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(p->port_id, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	socket = rte_eth_dev_socket_id(p->port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(
			p->port_id, 0, nb_rxd, (unsigned)socket, NULL, w->pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(p->port_id, 0, nb_txd, (unsigned)socket, NULL);
	if (ret != 0) {
		fprintf(stderr, GEN_NAME ": %s port %u: setup: %s\n", role_name[role], p->port_id,
			rte_strerror(-ret));
		return ret;
	}
	/* A lab port behind a bump in the wire sees frames for other MACs too. */
	ret = rte_eth_promiscuous_enable(p->port_id);
	if (ret != 0 && ret != -ENOTSUP)
		fprintf(stderr, GEN_NAME ": %s port %u: promiscuous: %s\n", role_name[role],
			p->port_id, rte_strerror(-ret));
	if (w->cfg->has_mac[role]) {
		p->mac = w->cfg->mac[role];
	} else {
		ret = rte_eth_macaddr_get(p->port_id, &p->mac);
		if (ret != 0)
			return ret;
	}
	ret = rte_eth_dev_start(p->port_id);
	if (ret != 0) {
		fprintf(stderr, GEN_NAME ": %s port %u: start: %s\n", role_name[role], p->port_id,
			rte_strerror(-ret));
		return ret;
	}
	return 0;
}

static int
wait_links(struct gen_worker *w)
{
	uint64_t end = rte_get_timer_cycles() + w->cfg->link_timeout_ms * rte_get_timer_hz() / 1000;

	for (;;) {
		bool all_up = true;

		for (int r = 0; r < GEN_ROLE_MAX; r++) {
			struct rte_eth_link link;

			if (!w->port[r].is_used)
				continue;
			memset(&link, 0, sizeof(link));
			if (rte_eth_link_get_nowait(w->port[r].port_id, &link) != 0 ||
				link.link_status != RTE_ETH_LINK_UP)
				all_up = false;
		}
		if (all_up)
			return 0;
		if (rte_get_timer_cycles() > end)
			break;
		rte_delay_us_sleep(10 * 1000);
	}
	for (int r = 0; r < GEN_ROLE_MAX; r++)
		if (w->port[r].is_used) {
			struct rte_eth_link link;

			memset(&link, 0, sizeof(link));
			rte_eth_link_get_nowait(w->port[r].port_id, &link);
			fprintf(stderr, GEN_NAME ": %s port %u: link %s\n", role_name[r],
				w->port[r].port_id, link.link_status ? "up" : "DOWN");
		}
	fprintf(stderr, GEN_NAME ": links not up after %u ms (--link-timeout)\n",
		w->cfg->link_timeout_ms);
	return -ETIMEDOUT;
}

int
gen_ports_init(struct gen_worker *w)
{
	const struct gen_cfg *cfg = w->cfg;
	int ret;

	w->pool = rte_pktmbuf_pool_create("gen_mbuf", cfg->nb_mbufs, MBUF_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (w->pool == NULL) {
		fprintf(stderr, GEN_NAME ": mempool of %u mbufs: %s\n", cfg->nb_mbufs,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (int m = 0; m < GEN_MODE_MAX; m++)
		if (gen_mode_on(cfg, (enum gen_mode)m))
			w->port[gen_modes[m]->role].is_used = true;
	for (int r = 0; r < GEN_ROLE_MAX; r++) {
		if (!w->port[r].is_used)
			continue;
		w->port[r].port_id = cfg->port_id[r];
		ret = port_setup(w, (enum gen_role)r);
		if (ret != 0) {
			gen_ports_fini(w);
			return ret;
		}
	}
	/* Where client-side frames go: configured, the local servers' port, else ARP. */
	if (cfg->has_dst_mac) {
		w->port[GEN_ROLE_CLIENT].dst_mac = cfg->dst_mac;
		w->port[GEN_ROLE_CLIENT].has_dst_mac = true;
	} else if (w->port[GEN_ROLE_SERVER].is_used) {
		w->port[GEN_ROLE_CLIENT].dst_mac = w->port[GEN_ROLE_SERVER].mac;
		w->port[GEN_ROLE_CLIENT].has_dst_mac = true;
	} else {
		memset(&w->port[GEN_ROLE_CLIENT].dst_mac, 0xff, RTE_ETHER_ADDR_LEN);
	}
	ret = wait_links(w);
	if (ret != 0)
		gen_ports_fini(w);
	return ret;
}

static bool
links_down(const struct gen_worker *w)
{
	for (int r = 0; r < GEN_ROLE_MAX; r++) {
		struct rte_eth_link link;

		if (!w->port[r].is_used)
			continue;
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(w->port[r].port_id, &link) == 0 &&
			link.link_status == RTE_ETH_LINK_UP)
			return false;
	}
	return true;
}

/*
 * The client and server ports are two memif ports of this process wired to
 * each other: the same socket and interface id (net_memif's defaults:
 * /run/memif.sock, 0).
 */
static bool
memif_looped(const struct gen_worker *w)
{
	char sock[2][256], id[2][16];

	for (int r = 0; r < GEN_ROLE_MAX; r++) {
		struct rte_eth_dev_info info;
		const struct rte_devargs *da;
		struct rte_kvargs *kv;
		const char *v;

		if (!w->port[r].is_used || rte_eth_dev_info_get(w->port[r].port_id, &info) != 0 ||
			info.driver_name == NULL || strcmp(info.driver_name, "net_memif") != 0 ||
			info.device == NULL)
			return false;
		da = rte_dev_devargs(info.device);
		kv = da != NULL && da->args != NULL ? rte_kvargs_parse(da->args, NULL) : NULL;
		v = kv != NULL ? rte_kvargs_get(kv, "socket") : NULL;
		snprintf(sock[r], sizeof(sock[r]), "%s", v != NULL ? v : "/run/memif.sock");
		v = kv != NULL ? rte_kvargs_get(kv, "id") : NULL;
		snprintf(id[r], sizeof(id[r]), "%s", v != NULL ? v : "0");
		rte_kvargs_free(kv);
	}
	return strcmp(sock[0], sock[1]) == 0 && strcmp(id[0], id[1]) == 0;
}

/*
 * Until port r's link is down, at most LINK_DOWN_WAIT_MS, then DISCONNECT_MS
 * more: memif marks the link down first and frees the regions last.
 */
static void
link_down_wait(const struct gen_worker *w, int r)
{
	uint64_t end = rte_get_timer_cycles() + LINK_DOWN_WAIT_MS * rte_get_timer_hz() / 1000;
	struct rte_eth_link link;

	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(w->port[r].port_id, &link) != 0 ||
			link.link_status == RTE_ETH_LINK_DOWN || rte_get_timer_cycles() >= end)
			break;
		rte_delay_us_sleep(1000);
	}
	rte_delay_us_sleep(DISCONNECT_MS * 1000);
}

void
gen_ports_fini(struct gen_worker *w)
{
	const bool looped = memif_looped(w);
	uint64_t end;

	/*
	 * Two memif ports of this process wired to each other: stopping one
	 * makes the EAL interrupt thread disconnect the other, freeing its
	 * regions. Stopping the other meanwhile frees them twice ("EAL: Error:
	 * Invalid memory"), and so does closing it: wait until its link is down
	 * after each. Bounded; other PMDs just report the link down after stop.
	 */
	for (int r = 0; r < GEN_ROLE_MAX; r++) {
		struct gen_port *p = &w->port[r];

		rte_pktmbuf_free_bulk(p->tx, p->n_tx);
		p->n_tx = 0;
		if (!p->is_used)
			continue;
		rte_eth_dev_stop(p->port_id);
		if (looped && r + 1 < GEN_ROLE_MAX)
			link_down_wait(w, r + 1);
	}
	end = rte_get_timer_cycles() + LINK_DOWN_WAIT_MS * rte_get_timer_hz() / 1000;
	while (!links_down(w) && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(1000);
	rte_delay_us_sleep(10 * 1000);
	for (int r = 0; r < GEN_ROLE_MAX; r++) {
		struct gen_port *p = &w->port[r];

		if (!p->is_used)
			continue;
		rte_eth_dev_close(p->port_id);
		p->is_used = false;
	}
	rte_mempool_free(w->pool);
	w->pool = NULL;
}

static_assert(GEN_CTR_MAX <= UINT8_MAX + 1, "a counter id fits gen_port.tx_ctr");

static void
flush_port(struct gen_worker *w, struct gen_port *p)
{
	uint16_t done = 0;

	/* A few tries: a ring the peer drains in the meantime takes the rest. */
	for (int i = 0; i < 4 && done < p->n_tx; i++)
		done += rte_eth_tx_burst(p->port_id, 0, p->tx + done, (uint16_t)(p->n_tx - done));
	for (uint16_t i = 0; i < done; i++)
		gen_ctr_add(w, (enum gen_ctr)p->tx_ctr[i], 1);
	if (done < p->n_tx) {
		gen_ctr_add(w, GEN_CTR_tx_drop, p->n_tx - done);
		rte_pktmbuf_free_bulk(p->tx + done, p->n_tx - done);
	}
	p->n_tx = 0;
}

void
gen_tx(struct gen_worker *w, enum gen_role role, struct rte_mbuf *m, enum gen_ctr c)
{
	struct gen_port *p = &w->port[role];

	if (p->n_tx == GEN_TXBUF_MAX)
		flush_port(w, p);
	p->tx_ctr[p->n_tx] = (uint8_t)c;
	p->tx[p->n_tx++] = m;
}

void
gen_tx_flush(struct gen_worker *w)
{
	for (int r = 0; r < GEN_ROLE_MAX; r++)
		if (w->port[r].n_tx > 0)
			flush_port(w, &w->port[r]);
}

bool
gen_is_ours(const struct gen_cfg *cfg, enum gen_role role, const struct gen_ip *ip)
{
	if (role == GEN_ROLE_SERVER)
		return gen_ip_eq(ip, &cfg->server_ip);
	return gen_in_net(ip, &cfg->client_net, cfg->client_plen);
}

static void
arp_send(struct gen_worker *w, enum gen_role role, uint16_t op, const struct rte_ether_addr *tha,
	const struct gen_ip *sip, const struct gen_ip *tip)
{
	struct gen_port *p = &w->port[role];
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	if (m == NULL) {
		gen_ctr_add(w, GEN_CTR_no_mbuf, 1);
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	ah = (struct rte_arp_hdr *)(eh + 1);
	if (op == RTE_ARP_OP_REQUEST)
		memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	else
		eh->dst_addr = *tha;
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = p->mac;
	memcpy(&ah->arp_data.arp_sip, sip->b, sizeof(ah->arp_data.arp_sip));
	if (op == RTE_ARP_OP_REQUEST)
		memset(&ah->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	else
		ah->arp_data.arp_tha = *tha;
	memcpy(&ah->arp_data.arp_tip, tip->b, sizeof(ah->arp_data.arp_tip));
	gen_tx(w, role, m, GEN_CTR_tx_arp);
}

void
gen_learn_dst(struct gen_worker *w, const struct rte_ether_addr *mac, const char *how)
{
	struct gen_port *p = &w->port[GEN_ROLE_CLIENT];
	char ip[INET6_ADDRSTRLEN], eth[RTE_ETHER_ADDR_FMT_SIZE];

	if (w->cfg->has_dst_mac || !rte_is_valid_assigned_ether_addr(mac) ||
		(p->has_dst_mac && rte_is_same_ether_addr(&p->dst_mac, mac)))
		return;
	p->dst_mac = *mac;
	p->has_dst_mac = true;
	inet_ntop(w->cfg->family == 6 ? AF_INET6 : AF_INET, w->cfg->server_ip.b, ip, sizeof(ip));
	rte_ether_format_addr(eth, sizeof(eth), mac);
	fprintf(stderr, GEN_NAME ": %s is at %s (%s)\n", ip, eth, how);
}

void
gen_arp_rx(
	struct gen_worker *w, enum gen_role role, struct rte_mbuf *m, const struct sw_pkt_view *v)
{
	const struct gen_cfg *cfg = w->cfg;
	const struct rte_arp_hdr *ah;
	struct rte_ether_addr sha;
	struct gen_ip sip, tip;

	gen_ctr_add(w, GEN_CTR_rx_arp, 1);
	/* ARP resolves IPv4 addresses: an IPv6 run has none to answer for. */
	if (cfg->family != 4 || rte_pktmbuf_data_len(m) < (uint32_t)v->l3_off + sizeof(*ah))
		return;
	ah = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, v->l3_off);
	if (ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
		ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4)
		return;
	sha = ah->arp_data.arp_sha;
	gen_ip_read(&sip, (const uint8_t *)&ah->arp_data.arp_sip, 4);
	gen_ip_read(&tip, (const uint8_t *)&ah->arp_data.arp_tip, 4);
	/* Learn the server's MAC from its request or reply (RFC 826 merge step). */
	if (role == GEN_ROLE_CLIENT && gen_ip_eq(&sip, &cfg->server_ip))
		gen_learn_dst(w, &sha, "ARP");
	if (ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) && gen_is_ours(cfg, role, &tip))
		arp_send(w, role, RTE_ARP_OP_REPLY, &sha, &tip, &sip);
}

void
gen_arp_poll(struct gen_worker *w)
{
	const struct gen_cfg *cfg = w->cfg;
	struct gen_port *p = &w->port[GEN_ROLE_CLIENT];
	struct gen_hosts first;

	if (cfg->family == 6) {
		gen_nd_poll(w);
		return;
	}
	if (!p->is_used || p->has_dst_mac || w->now_tsc < w->arp_next_tsc)
		return;
	w->arp_next_tsc = w->now_tsc + ARP_RETRY_MS * w->hz / 1000;
	/* Asked from the first client address, which this port answers ARP for. */
	gen_hosts_init(&first, &cfg->client_net, cfg->client_plen, cfg->family, 1);
	arp_send(w, GEN_ROLE_CLIENT, RTE_ARP_OP_REQUEST, NULL, &first.first, &cfg->server_ip);
}
