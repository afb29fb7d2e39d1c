/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounds-checked parse of an Ethernet frame into a struct sw_pkt_view, and tuple extraction. */
#include <stddef.h>
#include <string.h>

#include <rte_branch_prediction.h>

#include "sw_pkt.h"
#include "pkt_internal.h"

#define ETH_HDR_LEN 14 /* dst MAC, src MAC, ether type */
#define VLAN_TAG_LEN 4 /* TCI + inner ether type */
#define IPV4_HDR_MIN 20 /* RFC 791 section 3.1: IHL >= 5 */
#define IPV6_HDR_LEN 40 /* RFC 8200 section 3 */
#define UDP_HDR_LEN 8 /* RFC 768 */
#define FRAME_OFF_MAX 65535 /* view offsets are 16-bit */

/* IPv4 flags/fragment offset word (RFC 791 section 3.1). */
#define IPV4_MF 0x2000
#define IPV4_FRAG_OFF_MASK 0x1fff

/* IPv6 extension headers walked (RFC 8200 section 4). */
#define IPV6_EXT_HOPOPTS 0
#define IPV6_EXT_ROUTING 43
#define IPV6_EXT_FRAGMENT 44
#define IPV6_EXT_DSTOPTS 60
#define IPV6_FRAG_HDR_LEN 8
#define IPV6_FRAG_OFF_MASK 0xfff8 /* fragment offset, in 8-byte units << 3 */
#define IPV6_FRAG_M 0x0001 /* more fragments */

/* Routing types whose addresses are plain 16-byte lists (RFC 8200 section 4.4). */
#define IPV6_RT_TYPE0 0 /* RFC 5095 (deprecated), final destination last */
#define IPV6_RT_TYPE2 2 /* RFC 6275 Mobile IPv6, one address */
#define IPV6_RT_SRH 4 /* RFC 8754, final destination is Segment List[0] */

static inline bool
is_vlan_tpid(uint16_t et)
{
	return et == SW_ETHER_TYPE_VLAN || et == SW_ETHER_TYPE_QINQ;
}

/*
 * Check the L4 header at v->l4_off, which has avail bytes up to the end of the
 * IP packet; set l4_len, payload_len, tcp_flags, has_l4.
 */
static inline enum sw_pkt_verdict
parse_l4(const uint8_t *frame, uint32_t avail, struct sw_pkt_view *v)
{
	const uint8_t *l4 = frame + v->l4_off;
	uint32_t hlen;

	v->payload_len = (uint16_t)avail;
	if (v->l4_proto == SW_IPPROTO_TCP) {
		/* RFC 9293 section 3.1: data offset in 32-bit words, at least 5. */
		if (avail < SW_TCP_HDR_MIN)
			return SW_PKT_BAD_L4;
		hlen = (uint32_t)(l4[SW_TCP_OFF_DOFF] >> 4) * 4;
		if (hlen < SW_TCP_HDR_MIN || hlen > avail)
			return SW_PKT_BAD_L4;
		v->l4_len = (uint16_t)hlen;
		v->payload_len = (uint16_t)(avail - hlen);
		v->tcp_flags = l4[SW_TCP_OFF_FLAGS];
		v->has_l4 = true;
	} else if (v->l4_proto == SW_IPPROTO_UDP) {
		/* RFC 768: the 8-byte header must be there; its length field is not checked. */
		if (avail < UDP_HDR_LEN)
			return SW_PKT_BAD_L4;
		v->has_l4 = true;
	}
	return SW_PKT_OK;
}

static enum sw_pkt_verdict
parse_ipv4(const uint8_t *frame, uint32_t len, struct sw_pkt_view *v)
{
	const uint8_t *ip = frame + v->l3_off;
	uint32_t avail = len - v->l3_off;
	uint32_t ihl, tot;
	uint16_t frag;

	/* RFC 791 section 3.1: version 4, IHL >= 5, IHL * 4 <= total length. */
	if (avail < IPV4_HDR_MIN || (ip[0] >> 4) != 4)
		return SW_PKT_BAD_L3;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = sw_rd16(ip + 2);
	/* tot <= avail also covers ihl <= avail. Padding after tot is ignored. */
	if (ihl < IPV4_HDR_MIN || tot < ihl || tot > avail || v->l3_off + tot > FRAME_OFF_MAX)
		return SW_PKT_BAD_L3;

	v->family = 4;
	v->ip_len = (uint16_t)tot;
	v->l4_proto = ip[9];
	v->l4_off = (uint16_t)(v->l3_off + ihl);
	v->dst_off = (uint16_t)(v->l3_off + 16);
	v->has_ip_options = ihl > IPV4_HDR_MIN;

	frag = sw_rd16(ip + 6);
	v->is_fragment = (frag & (IPV4_MF | IPV4_FRAG_OFF_MASK)) != 0;
	if (frag & IPV4_FRAG_OFF_MASK) {
		/* Not the first fragment: no L4 header here. */
		v->payload_len = (uint16_t)(tot - ihl);
		return SW_PKT_OK;
	}
	return parse_l4(frame, tot - ihl, v);
}

/*
 * For a Routing header still in transit, point dst_off at the final destination
 * (RFC 8200 section 8.1). hdr is the routing header, hlen its length (>= 8).
 */
static inline void
routing_final_dst(const uint8_t *frame, const uint8_t *hdr, uint32_t hlen, struct sw_pkt_view *v)
{
	uint32_t n_addr = (hlen - 8) / 16;
	uint32_t idx;

	if (hdr[3] == 0 || n_addr == 0) /* Segments Left 0: the IPv6 dst is final */
		return;
	switch (hdr[2]) {
	case IPV6_RT_TYPE0:
	case IPV6_RT_TYPE2:
		idx = n_addr - 1;
		break;
	case IPV6_RT_SRH:
		idx = 0;
		break;
	default:
		return; /* compressed or unknown layout: keep the IPv6 dst */
	}
	v->dst_off = (uint16_t)(hdr - frame + 8 + idx * 16);
}

static enum sw_pkt_verdict
parse_ipv6(const uint8_t *frame, uint32_t len, struct sw_pkt_view *v)
{
	const uint8_t *ip = frame + v->l3_off;
	uint32_t avail = len - v->l3_off;
	uint32_t tot, off, end, hlen;
	unsigned int n_ext = 0;
	uint16_t frag;
	uint8_t nh;

	/* RFC 8200 section 3: version 6, payload length within the frame. */
	if (avail < IPV6_HDR_LEN || (ip[0] >> 4) != 6)
		return SW_PKT_BAD_L3;
	tot = IPV6_HDR_LEN + (uint32_t)sw_rd16(ip + 4);
	if (tot > avail || v->l3_off + tot > FRAME_OFF_MAX)
		return SW_PKT_BAD_L3;

	v->family = 6;
	v->ip_len = (uint16_t)tot;
	v->dst_off = (uint16_t)(v->l3_off + 24);

	/* Walk the extension headers: [off, end) is what is left of the IP packet. */
	nh = ip[6];
	off = v->l3_off + IPV6_HDR_LEN;
	end = v->l3_off + tot;
	for (;;) {
		const uint8_t *h = frame + off;

		switch (nh) {
		case IPV6_EXT_HOPOPTS:
			/* RFC 8200 section 4.3: Hop-by-Hop only right after the IPv6 header. */
			if (n_ext != 0)
				return SW_PKT_BAD_EXTHDR;
			/* fall through */
		case IPV6_EXT_ROUTING:
		case IPV6_EXT_DSTOPTS:
			/* RFC 8200 sections 4.3-4.6: length in 8-octet units, not counting the first 8. */
			if (end - off < 8)
				return SW_PKT_BAD_EXTHDR;
			hlen = ((uint32_t)h[1] + 1) * 8;
			if (hlen > end - off)
				return SW_PKT_BAD_EXTHDR;
			if (nh == IPV6_EXT_ROUTING)
				routing_final_dst(frame, h, hlen, v);
			break;
		case IPV6_EXT_FRAGMENT:
			/* RFC 8200 section 4.5: fixed 8 bytes. */
			hlen = IPV6_FRAG_HDR_LEN;
			if (end - off < hlen)
				return SW_PKT_BAD_EXTHDR;
			frag = sw_rd16(h + 2);
			if (frag & IPV6_FRAG_OFF_MASK) {
				/* Not the first fragment: the rest is opaque. */
				v->is_fragment = true;
				v->l4_proto = h[0];
				v->l4_off = (uint16_t)(off + hlen);
				v->payload_len = (uint16_t)(end - off - hlen);
				return SW_PKT_OK;
			}
			/* RFC 6946 section 4: an atomic fragment is a whole packet. */
			if (frag & IPV6_FRAG_M)
				v->is_fragment = true;
			break;
		default:
			v->l4_proto = nh;
			v->l4_off = (uint16_t)off;
			return parse_l4(frame, end - off, v);
		}
		if (++n_ext > SW_PKT_IPV6_EXT_MAX)
			return SW_PKT_BAD_EXTHDR;
		nh = h[0];
		off += hlen;
	}
}

/* Everything else (pkt_internal.h); out of line so the fast path needs no stack frame. */
__attribute__((noinline)) enum sw_pkt_verdict
pkt_parse_general(const uint8_t *frame, uint32_t len, struct sw_pkt_view *v)
{
	uint32_t off = ETH_HDR_LEN;
	uint16_t et;

	memset(v, 0, sizeof(*v));
	if (len < ETH_HDR_LEN)
		return SW_PKT_TRUNC_L2;
	et = sw_rd16(frame + 12);

	/* Up to two tags (IEEE 802.1Q / 802.1ad); the TCI precedes the next ether type. */
	if (is_vlan_tpid(et)) {
		if (len < off + VLAN_TAG_LEN)
			return SW_PKT_TRUNC_L2;
		v->vlan_tci[0] = sw_rd16(frame + off);
		et = sw_rd16(frame + off + 2);
		off += VLAN_TAG_LEN;
		v->n_vlan = 1;
		if (is_vlan_tpid(et)) {
			if (len < off + VLAN_TAG_LEN)
				return SW_PKT_TRUNC_L2;
			v->vlan_tci[1] = sw_rd16(frame + off);
			et = sw_rd16(frame + off + 2);
			off += VLAN_TAG_LEN;
			v->n_vlan = 2;
		}
	}
	v->ether_type = et;
	v->l3_off = (uint16_t)off;

	if (et == SW_ETHER_TYPE_IPV4)
		return parse_ipv4(frame, len, v);
	if (et == SW_ETHER_TYPE_IPV6)
		return parse_ipv6(frame, len, v);
	/* ARP, LLDP, a third VLAN tag, ...: not ours to look at. */
	return SW_PKT_NOT_IP;
}

enum sw_pkt_verdict
sw_pkt_parse(const uint8_t *frame, uint32_t len, struct sw_pkt_view *v)
{
	if (likely(sw_pkt_parse_fast(frame, len, v)))
		return SW_PKT_OK;
	return pkt_parse_general(frame, len, v);
}

/*
 * sw_pkt_parse_fast() and sw_pkt_tuple_fast() for IPv6: untagged, TCP right
 * after the fixed header (no extension header), the TCP header within the
 * payload length. True with the view and tuple as the general path fills
 * them; false (both untouched) for anything else.
 */
static inline bool
parse_tcp_fast6(
	const uint8_t *frame, uint32_t len, bool reverse, struct sw_pkt_view *v, struct sw_tuple *t)
{
	const uint8_t *ip = frame + ETH_HDR_LEN;
	const uint8_t *l4 = ip + IPV6_HDR_LEN;
	uint32_t et_ver, plen, hlen;

	if (len < ETH_HDR_LEN + IPV6_HDR_LEN + SW_TCP_HDR_MIN)
		return false;
	/* Ether type IPv6 and version 6 (the top nibble of the next byte). */
	memcpy(&et_ver, frame + 12, 4);
	if ((et_ver & RTE_BE32(0xfffff000)) !=
			RTE_BE32((uint32_t)SW_ETHER_TYPE_IPV6 << 16 | 0x6000) ||
		ip[6] != SW_IPPROTO_TCP)
		return false;
	/* RFC 8200 section 3 and RFC 9293 section 3.1, as parse_ipv6() and parse_l4() check them. */
	plen = sw_rd16(ip + 4);
	hlen = (uint32_t)(l4[SW_TCP_OFF_DOFF] >> 4) * 4;
	if (plen > len - ETH_HDR_LEN - IPV6_HDR_LEN ||
		plen > FRAME_OFF_MAX - ETH_HDR_LEN - IPV6_HDR_LEN /* offsets are 16-bit */ ||
		hlen < SW_TCP_HDR_MIN || hlen > plen)
		return false;

	const uint16_t img[13] = {ETH_HDR_LEN, ETH_HDR_LEN + IPV6_HDR_LEN, (uint16_t)hlen,
		(uint16_t)(plen - hlen), (uint16_t)(IPV6_HDR_LEN + plen), SW_ETHER_TYPE_IPV6, 0, 0,
		rte_le_to_cpu_16(6 << 8),
		rte_le_to_cpu_16((uint16_t)(SW_IPPROTO_TCP | l4[SW_TCP_OFF_FLAGS] << 8)), 0,
		rte_le_to_cpu_16(1), ETH_HDR_LEN + 24};

	memcpy(v, img, sizeof(*v));
	/* The tuple: both addresses (swapped when reversed), the ports, family 6, no VLAN. */
	uint32_t ports, fam = rte_le_to_cpu_32(6);

	memcpy(reverse ? t->dst : t->src, ip + 8, 16);
	memcpy(reverse ? t->src : t->dst, ip + 24, 16);
	memcpy(&ports, l4 + SW_TCP_OFF_SPORT, 4);
	ports = reverse ? (ports >> 16 | ports << 16) : ports;
	memcpy(&t->sport, &ports, 4);
	memcpy(&t->family, &fam, 4);
	return true;
}

bool
sw_pkt_parse_tcp_general(const uint8_t *frame, uint32_t len, bool reverse, struct sw_pkt_view *v,
	struct sw_tuple *t, enum sw_pkt_verdict *pv)
{
	enum sw_pkt_verdict r;

	if (parse_tcp_fast6(frame, len, reverse, v, t))
		return true;
	r = pkt_parse_general(frame, len, v);

	if (r != SW_PKT_OK || v->l4_proto != SW_IPPROTO_TCP || !v->has_l4) {
		*pv = r;
		return false;
	}
	sw_pkt_tuple(frame, v, reverse, t);
	sw_tuple_set_vlan(t, v);
	return true;
}

void
sw_pkt_tuple(const uint8_t *frame, const struct sw_pkt_view *v, bool reverse, struct sw_tuple *t)
{
	const uint8_t *l3 = frame + v->l3_off;
	const uint8_t *src, *dst;
	uint8_t ports[4] = {0, 0, 0, 0}; /* sport, dport as in the header (network order) */

	memset(t, 0, sizeof(*t));
	if (v->family != 4 && v->family != 6)
		return;
	dst = sw_pkt_dst(frame, v);
	if (v->has_l4)
		memcpy(ports, frame + v->l4_off + SW_TCP_OFF_SPORT, sizeof(ports));
	if (reverse) {
		uint8_t p0 = ports[0], p1 = ports[1];

		ports[0] = ports[2];
		ports[1] = ports[3];
		ports[2] = p0;
		ports[3] = p1;
	}
	/* Constant sizes per family: plain loads and stores, no memcpy call. */
	if (v->family == 4) {
		src = l3 + 12;
		memcpy(reverse ? t->dst : t->src, src, 4);
		memcpy(reverse ? t->src : t->dst, dst, 4);
	} else {
		src = l3 + 8;
		memcpy(reverse ? t->dst : t->src, src, 16);
		memcpy(reverse ? t->src : t->dst, dst, 16);
	}
	memcpy(&t->sport, ports, 2);
	memcpy(&t->dport, ports + 2, 2);
	t->family = v->family;
}
