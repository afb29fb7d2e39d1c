/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour discovery (RFC 4861), what ARP does for an IPv4 run: answer
 * Neighbor Solicitations for our addresses (the client addresses on the
 * client port, the server address on the server port) and, on the client
 * port without --dst-mac or local servers, find the server's MAC with
 * Neighbor Solicitations of our own. No router discovery, no DAD, no
 * neighbour cache beyond the one MAC the client port sends to.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "gen.h"

#define ND_TYPE_NS 135 /* RFC 4861 section 4.3 */
#define ND_TYPE_NA 136 /* section 4.4 */
#define ND_OPT_SLLA 1 /* Source Link-Layer Address (section 4.6.1) */
#define ND_OPT_TLLA 2 /* Target Link-Layer Address */
#define ND_HOP_LIMIT 255 /* sections 7.1.1, 7.1.2: only from the link itself */
#define ND_MSG_LEN 24 /* type, code, checksum, flags/reserved, target */
#define ND_LL_OPT_LEN 8 /* type, length 1 (8 bytes), MAC */
#define NA_F_SOLICITED 0x40
#define NA_F_OVERRIDE 0x20
#define IPV6_HDR_LEN 40
#define ND_RETRY_MS 1000

/* Solicited-node multicast address of a (RFC 4291 section 2.7.1): ff02::1:ff00:0/104 | low 24 bits. */
static void
solicited_node(const struct gen_ip *a, struct gen_ip *out)
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(out->b, pfx, sizeof(pfx));
	memcpy(out->b + sizeof(pfx), a->b + sizeof(pfx), 16 - sizeof(pfx));
}

/* One NS or NA with our MAC in its link-layer option, from src to dst about target. */
static void
nd_send(struct gen_worker *w, enum gen_role role, uint8_t type, uint8_t flags,
	const struct rte_ether_addr *eth_dst, const struct gen_ip *src, const struct gen_ip *dst,
	const struct gen_ip *target)
{
	const uint16_t icmp_len = ND_MSG_LEN + ND_LL_OPT_LEN;
	struct gen_port *p = &w->port[role];
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	struct sw_pkt_view v;
	uint8_t *f, *ip, *icmp;
	rte_be16_t cs;

	if (m == NULL) {
		gen_ctr_add(w, GEN_CTR_no_mbuf, 1);
		return;
	}
	f = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + IPV6_HDR_LEN + icmp_len);
	if (f == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(f, eth_dst, RTE_ETHER_ADDR_LEN);
	memcpy(f + RTE_ETHER_ADDR_LEN, &p->mac, RTE_ETHER_ADDR_LEN);
	sw_wr16(f + 12, SW_ETHER_TYPE_IPV6);
	ip = f + RTE_ETHER_HDR_LEN;
	sw_wr32(ip, 6u << 28);
	sw_wr16(ip + 4, icmp_len);
	ip[6] = SW_IPPROTO_ICMPV6;
	ip[7] = ND_HOP_LIMIT;
	memcpy(ip + 8, src->b, 16);
	memcpy(ip + 24, dst->b, 16);
	icmp = ip + IPV6_HDR_LEN;
	memset(icmp, 0, icmp_len);
	icmp[0] = type;
	icmp[4] = flags;
	memcpy(icmp + 8, target->b, 16);
	icmp[ND_MSG_LEN] = type == ND_TYPE_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
	icmp[ND_MSG_LEN + 1] = 1;
	memcpy(icmp + ND_MSG_LEN + 2, &p->mac, RTE_ETHER_ADDR_LEN);
	/* RFC 4443 section 2.3: the checksum covers the IPv6 pseudo header (next header 58). */
	memset(&v, 0, sizeof(v));
	v.l3_off = RTE_ETHER_HDR_LEN;
	v.family = 6;
	v.l4_off = RTE_ETHER_HDR_LEN + IPV6_HDR_LEN;
	v.l4_proto = SW_IPPROTO_ICMPV6;
	cs = sw_csum_l4(f, &v, icmp_len);
	memcpy(icmp + 2, &cs, sizeof(cs));
	gen_tx(w, role, m, GEN_CTR_tx_nd);
}

/*
 * The link-layer address option of type want among the options at opt
 * (len bytes) into *mac: 1 found, 0 absent, -1 malformed (an option of
 * length 0 or running past the end: RFC 4861 section 7.1.1 says drop).
 */
static int
ll_option(const uint8_t *opt, uint32_t len, uint8_t want, struct rte_ether_addr *mac)
{
	int found = 0;

	while (len > 0) {
		uint32_t olen;

		if (len < 2 || opt[1] == 0)
			return -1;
		olen = (uint32_t)opt[1] * 8;
		if (olen > len)
			return -1;
		if (opt[0] == want && olen >= 2 + RTE_ETHER_ADDR_LEN && !found) {
			memcpy(mac, opt + 2, RTE_ETHER_ADDR_LEN);
			found = 1;
		}
		opt += olen;
		len -= olen;
	}
	return found;
}

void
gen_nd_rx(struct gen_worker *w, enum gen_role role, struct rte_mbuf *m, const struct sw_pkt_view *v)
{
	const struct gen_cfg *cfg = w->cfg;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = f + v->l3_off, *icmp = f + v->l4_off;
	const uint32_t icmp_len = v->payload_len;
	struct rte_ether_addr ll, eth_src;
	struct gen_ip src, target;
	uint8_t type;
	int has_ll;

	/*
	 * RFC 4861 sections 7.1.1, 7.1.2: NS or NA, hop limit 255, code 0, at
	 * least 24 bytes, a right checksum, a unicast target; no extension
	 * headers taken (the parser's l4_off right after the fixed header).
	 */
	if (cfg->family != 6 || v->n_vlan != 0 || v->is_fragment ||
		v->l4_off != v->l3_off + IPV6_HDR_LEN || icmp_len < ND_MSG_LEN ||
		(icmp[0] != ND_TYPE_NS && icmp[0] != ND_TYPE_NA)) {
		gen_ctr_add(w, GEN_CTR_rx_other, 1);
		return;
	}
	gen_ctr_add(w, GEN_CTR_rx_nd, 1);
	type = icmp[0];
	if (ip[7] != ND_HOP_LIMIT || icmp[1] != 0 || icmp[8] == 0xff ||
		sw_csum_l4(f, v, (uint16_t)icmp_len) != 0)
		return;
	has_ll = ll_option(icmp + ND_MSG_LEN, icmp_len - ND_MSG_LEN,
		type == ND_TYPE_NS ? ND_OPT_SLLA : ND_OPT_TLLA, &ll);
	if (has_ll < 0)
		return;
	memcpy(&eth_src, f + RTE_ETHER_ADDR_LEN, sizeof(eth_src));
	gen_ip_read(&src, ip + 8, 6);
	gen_ip_read(&target, icmp + 8, 6);
	if (type == ND_TYPE_NA) {
		/* Section 7.2.5: the answer to our NS; the option, else the frame's source. */
		if (role == GEN_ROLE_CLIENT && gen_ip_eq(&target, &cfg->server_ip))
			gen_learn_dst(w, has_ll ? &ll : &eth_src, "neighbour discovery");
		return;
	}
	/* An NS from the unspecified address is duplicate address detection: not ours to answer. */
	if (gen_ip_eq(&src, &(const struct gen_ip){{0}}))
		return;
	/* Section 7.2.3: the sender's cache entry, as ARP's merge step does. */
	if (role == GEN_ROLE_CLIENT && has_ll && gen_ip_eq(&src, &cfg->server_ip))
		gen_learn_dst(w, &ll, "neighbour discovery");
	if (gen_is_ours(cfg, role, &target))
		nd_send(w, role, ND_TYPE_NA, NA_F_SOLICITED | NA_F_OVERRIDE,
			has_ll ? &ll : &eth_src, &target, &src, &target);
}

void
gen_nd_poll(struct gen_worker *w)
{
	const struct gen_cfg *cfg = w->cfg;
	struct gen_port *p = &w->port[GEN_ROLE_CLIENT];
	struct rte_ether_addr mc;
	struct gen_hosts first;
	struct gen_ip group;

	if (!p->is_used || p->has_dst_mac || w->now_tsc < w->arp_next_tsc)
		return;
	w->arp_next_tsc = w->now_tsc + ND_RETRY_MS * w->hz / 1000;
	/* To the server's solicited-node group (RFC 2464 section 7: 33:33 + its low 32 bits). */
	solicited_node(&cfg->server_ip, &group);
	mc.addr_bytes[0] = 0x33;
	mc.addr_bytes[1] = 0x33;
	memcpy(&mc.addr_bytes[2], group.b + 12, 4);
	/* Asked from the first client address, which this port answers NS for. */
	gen_hosts_init(&first, &cfg->client_net, cfg->client_plen, cfg->family, 1);
	nd_send(w, GEN_ROLE_CLIENT, ND_TYPE_NS, 0, &mc, &first.first, &group, &cfg->server_ip);
}
