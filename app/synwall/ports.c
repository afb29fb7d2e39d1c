/* SPDX-License-Identifier: BSD-3-Clause */
/* Port and mempool setup: one RX/TX queue per worker on every port, symmetric RSS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "synwall.h"

#define NB_RXD 1024
#define NB_TXD 1024
#define MBUF_CACHE 256

/*
 * RSS key that makes Toeplitz symmetric: with the 16-bit pattern repeated,
 * swapping source and destination (addresses and ports) gives the same hash,
 * so both directions of a flow land on the same queue and worker
 * ("Scalable TCP Session Monitoring with Symmetric Receive-side Scaling",
 * Woo and Park).
 */
static uint8_t sym_rss_key[40] = {
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
};

int
sw_app_pools_init(struct sw_app *app)
{
	unsigned lcore;
	char name[RTE_MEMPOOL_NAMESIZE];
	/*
	 * One mbuf holds a whole frame of the configured MTU (Ethernet, two VLAN
	 * tags and FCS included): not every PMD can scatter (af_packet cannot),
	 * and the proxy rewrites headers in the first segment.
	 */
	uint32_t frame =
		(uint32_t)app->mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN;
	/* Jumbo: a power of two (af_packet's ring frames are sized that way, 16 KiB at 9000). */
	uint16_t data_room = (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
		(app->mtu > RTE_ETHER_MTU ? rte_align32pow2(frame) : frame) + RTE_PKTMBUF_HEADROOM);

	RTE_LCORE_FOREACH (lcore) {
		int socket = (int)rte_lcore_to_socket_id(lcore);

		if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
			socket = 0;
		if (app->sh.pool[socket] != NULL)
			continue;
		snprintf(name, sizeof(name), "sw_mbuf_%d", socket);
		app->sh.pool[socket] = rte_pktmbuf_pool_create(
			name, app->nb_mbufs, MBUF_CACHE, 0, data_room, socket);
		if (app->sh.pool[socket] == NULL) {
			SW_LOG(ERR, "mempool on socket %d (%u mbufs): %s\n", socket, app->nb_mbufs,
				rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	if (app->sh.pool[0] == NULL) {
		/* Keep pool[0] valid as the fallback for workers on other sockets. */
		for (int s = 1; s < RTE_MAX_NUMA_NODES; s++)
			if (app->sh.pool[s] != NULL) {
				app->sh.pool[0] = app->sh.pool[s];
				app->pool0_alias = true;
				break;
			}
	}
	return 0;
}

void
sw_app_pools_fini(struct sw_app *app)
{
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (s == 0 && app->pool0_alias) {
			app->sh.pool[0] = NULL;
			continue;
		}
		rte_mempool_free(app->sh.pool[s]);
		app->sh.pool[s] = NULL;
	}
}

/*
 * PMDs that pass segments with a partial checksum (the sender's
 * CHECKSUM_PARTIAL, flagged RTE_MBUF_F_RX_L4_CKSUM_NONE) once RX checksum
 * offload is on: synwall bridges and relays segments without summing them,
 * so they would leave with that partial checksum. No RX offload there.
 */
static bool
rx_csum_partial(const char *driver)
{
	static const char *const drivers[] = {"net_virtio", "net_virtio_user", "net_vhost"};

	for (unsigned i = 0; i < RTE_DIM(drivers); i++)
		if (strcmp(driver, drivers[i]) == 0)
			return true;
	return false;
}

/* [ports] csum_offload = auto: the checksum offloads the port has (see config/synwall.ini). */
static void
csum_offloads(struct sw_app *app, unsigned role, const struct rte_eth_dev_info *info,
	struct rte_eth_conf *conf)
{
	const uint64_t rx = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	const uint64_t tx = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;

	app->csum_rx[role] = false;
	app->csum_tx[role] = false;
	snprintf(app->port_driver[role], sizeof(app->port_driver[role]), "%s",
		info->driver_name != NULL ? info->driver_name : "?");
	if (!app->csum_offload)
		return;
	/* RX: each segment's flags say what the NIC verified; a part of it helps. */
	if ((info->rx_offload_capa & rx) != 0 && !rx_csum_partial(app->port_driver[role])) {
		conf->rxmode.offloads |= info->rx_offload_capa & rx;
		app->csum_rx[role] = true;
	}
	/* TX: the one-pass writers hand over both sums, IPv4 header and TCP. */
	if ((info->tx_offload_capa & tx) == tx) {
		conf->txmode.offloads |= tx;
		app->csum_tx[role] = true;
	}
}

/* Find port role's device and what it offers; the queue count must cover the workers. */
static int
port_probe(struct sw_app *app, unsigned role, const char *devname, struct rte_eth_dev_info *info)
{
	uint16_t port_id;
	uint16_t nq = app->sh.nb_workers;
	int ret;

	if (rte_eth_dev_get_port_by_name(devname, &port_id) != 0) {
		SW_LOG(ERR, "%s port '%s' not found: is it in the EAL --vdev/-a options?\n",
			sw_stats_port_role[role], devname);
		return -ENODEV;
	}
	app->sh.port_id[role] = port_id;
	ret = rte_eth_dev_info_get(port_id, info);
	if (ret != 0)
		return ret;
	if (info->max_rx_queues < nq || info->max_tx_queues < nq) {
		SW_LOG(ERR,
			"%s port %s has %u RX / %u TX queues, %u workers need one each "
			"(af_packet: add qpairs=%u to its --vdev)\n",
			sw_stats_port_role[role], devname, info->max_rx_queues, info->max_tx_queues,
			nq, nq);
		return -EINVAL;
	}
	return 0;
}

/* Configure and start port role; rss_hf: the RSS hash types (0: no RSS). */
static int
port_setup(struct sw_app *app, unsigned role, const char *devname,
	const struct rte_eth_dev_info *info, uint64_t rss_hf)
{
	struct rte_eth_conf conf;
	const uint16_t port_id = app->sh.port_id[role];
	uint16_t nq = app->sh.nb_workers;
	int ret;

	memset(&conf, 0, sizeof(conf));
	if (rss_hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = sym_rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(sym_rss_key);
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
		app->port_rss[role] = true;
	}
	/* Frames bigger than an mbuf (PMDs that ignore the data room) arrive chained. */
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	csum_offloads(app, role, info, &conf);

	ret = rte_eth_dev_configure(port_id, nq, nq, &conf);
	if (ret != 0) {
		SW_LOG(ERR, "configure %s: %s\n", devname, rte_strerror(-ret));
		return ret;
	}
	if (app->mtu != RTE_ETHER_MTU) {
		ret = rte_eth_dev_set_mtu(port_id, app->mtu);
		/*
		 * af_packet (DPDK 22.11) reports a 1518-byte maximum whatever the
		 * interface: the kernel interface's MTU and the ring's framesz rule.
		 */
		if (ret == -EINVAL && strcmp(info->driver_name, "net_af_packet") == 0) {
			SW_LOG(WARNING, "%s: MTU %u left to the kernel interface (af_packet)\n",
				devname, app->mtu);
			ret = 0;
		}
		if (ret != 0) {
			SW_LOG(ERR, "%s: MTU %u not supported: %s\n", devname, app->mtu,
				rte_strerror(-ret));
			return ret;
		}
	}
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD;
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; q < nq; q++) {
		int socket = rte_eth_dev_socket_id(port_id);
		struct rte_mempool *mp;

		if (socket < 0 || app->sh.pool[socket] == NULL)
			socket = 0;
		mp = app->sh.pool[socket];
		ret = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned)socket, NULL, mp);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned)socket, NULL);
		if (ret != 0) {
			SW_LOG(ERR, "%s queue %u: %s\n", devname, q, rte_strerror(-ret));
			return ret;
		}
	}
	/* A bump in the wire must see every destination MAC. */
	ret = rte_eth_promiscuous_enable(port_id);
	if (ret != 0 && ret != -ENOTSUP)
		SW_LOG(WARNING, "%s: promiscuous mode: %s\n", devname, rte_strerror(-ret));
	ret = rte_eth_dev_start(port_id);
	if (ret != 0) {
		SW_LOG(ERR, "start %s: %s\n", devname, rte_strerror(-ret));
		return ret;
	}
	app->port_started[role] = true;
	return 0;
}

/*
 * With RSS on both ports, a flow's two directions (one hash, by the
 * symmetric key) must pick the same queue on both: sw_dp_reta_setup() fills
 * their redirection tables alike, reads them back and compares. Where that
 * cannot be made sure, the workers steer in software. Ports that expose no
 * table (net_tap) are left to their drivers.
 */
static void
rss_reta_setup(struct sw_app *app)
{
	int ret = sw_dp_reta_setup(app->sh.port_id, app->sh.nb_workers);

	if (ret == 0) {
		snprintf(app->reta, sizeof(app->reta), "set");
	} else if (ret == -ENOENT) {
		snprintf(app->reta, sizeof(app->reta), "driver");
	} else {
		SW_LOG(WARNING, "RSS: %s: software steering\n",
			ret == -EINVAL	      ? "redirection tables of sizes with no common fill"
				: ret == -EIO ? "the redirection tables read back disagree"
					      : rte_strerror(-ret));
		app->sh.steer = true;
	}
}

int
sw_app_ports_init(struct sw_app *app)
{
	const char *names[SW_NB_PORTS] = {app->outside_name, app->inside_name};
	struct rte_eth_dev_info info[SW_NB_PORTS];
	/* The RSS hash types both ports offer: the same fields hashed on both. */
	uint64_t hf = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

	if (strcmp(names[0], names[1]) == 0) {
		SW_LOG(ERR, "outside and inside are the same port '%s'\n", names[0]);
		return -EINVAL;
	}
	for (unsigned role = 0; role < SW_NB_PORTS; role++) {
		int ret = port_probe(app, role, names[role], &info[role]);

		if (ret != 0)
			return ret;
		hf &= info[role].flow_type_rss_offloads;
		if (info[role].hash_key_size != sizeof(sym_rss_key))
			hf = 0; /* our symmetric key cannot be set */
	}
	snprintf(app->reta, sizeof(app->reta), "none");
	if (app->sh.nb_workers > 1 && hf == 0) {
		/*
		 * No symmetric RSS on both ports (af_packet, pcap, ring):
		 * whichever worker receives a packet hands it to the owner
		 * chosen by a symmetric software hash.
		 */
		app->sh.steer = true;
	}
	for (unsigned role = 0; role < SW_NB_PORTS; role++) {
		int ret = port_setup(app, role, names[role], &info[role],
			app->sh.nb_workers > 1 && !app->sh.steer ? hf : 0);

		if (ret != 0)
			return ret;
		SW_LOG(INFO, "%s port %s (%s): checksum offload rx %s, tx %s\n",
			sw_stats_port_role[role], names[role], app->port_driver[role],
			app->csum_rx[role] ? "on" : "off", app->csum_tx[role] ? "on" : "off");
	}
	if (app->sh.nb_workers > 1 && !app->sh.steer)
		rss_reta_setup(app);
	/* The generated packets go out of either port: offloaded only when both insert. */
	for (unsigned i = 0; i < app->sh.nb_workers; i++)
		app->workers[i]->tx_csum = app->csum_tx[0] && app->csum_tx[1];
	return 0;
}

void
sw_app_ports_fini(struct sw_app *app)
{
	for (unsigned role = 0; role < SW_NB_PORTS; role++) {
		if (!app->port_started[role])
			continue;
		rte_eth_dev_stop(app->sh.port_id[role]);
		rte_eth_dev_close(app->sh.port_id[role]);
		app->port_started[role] = false;
	}
}
