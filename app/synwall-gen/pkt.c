/* SPDX-License-Identifier: BSD-3-Clause */
/* Addresses, frame building (Ethernet + IPv4/IPv6 + TCP with checksums), the byte pattern. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gen.h"

#define L3_OFF RTE_ETHER_HDR_LEN

/* Where the TCP header starts: right after the IP header, which has no options. */
static inline uint16_t
l4_off(uint8_t family)
{
	return (uint16_t)(L3_OFF +
		(family == 6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr)));
}

/* a += n, a a big-endian number of the family's width (callers stay inside one prefix). */
static void
ip_add(struct gen_ip *a, uint64_t n, uint8_t family)
{
	uint64_t lo, sum;

	if (family == 4) {
		sw_wr32(a->b, sw_rd32(a->b) + (uint32_t)n);
		return;
	}
	lo = sw_rd64(a->b + 8);
	sum = lo + n;
	sw_wr64(a->b + 8, sum);
	if (sum < lo)
		sw_wr64(a->b, sw_rd64(a->b) + 1);
}

void
gen_hosts_init(
	struct gen_hosts *hs, const struct gen_ip *net, uint8_t plen, uint8_t family, uint64_t max)
{
	unsigned int bits = gen_ip_len(family) * 8 - plen;
	uint64_t n;

	hs->first = *net;
	if (bits <= 1) {
		hs->n = 1ull << bits;
		return;
	}
	ip_add(&hs->first, 1, family);
	n = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
	if (family == 4)
		n--; /* the broadcast address */
	hs->n = RTE_MIN(n, max);
}

void
gen_hosts_get(const struct gen_hosts *hs, uint64_t i, uint8_t family, struct gen_ip *a)
{
	*a = hs->first;
	ip_add(a, i, family);
}

struct rte_mbuf *
gen_pkt_tcp(struct gen_worker *w, const struct gen_seg *h, uint8_t **payload)
{
	uint8_t family = w->cfg->family;
	uint16_t l4o = l4_off(family);
	uint16_t l4_len = (uint16_t)(SW_TCP_HDR_MIN + h->opt_len);
	uint16_t len = (uint16_t)(l4o + l4_len + h->payload_len);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	uint8_t *f, *ip, *tcp;

	if (m == NULL) {
		gen_ctr_add(w, GEN_CTR_no_mbuf, 1);
		return NULL;
	}
	f = (uint8_t *)rte_pktmbuf_append(m, len);
	if (f == NULL) {
		rte_pktmbuf_free(m);
		gen_ctr_add(w, GEN_CTR_no_mbuf, 1);
		return NULL;
	}
	memcpy(f, h->dst_mac, RTE_ETHER_ADDR_LEN);
	memcpy(f + RTE_ETHER_ADDR_LEN, h->src_mac, RTE_ETHER_ADDR_LEN);

	ip = f + L3_OFF;
	if (family == 6) {
		/*
		 * RFC 8200 section 3: version 6, traffic class and flow label 0,
		 * payload length, next header TCP (no extension headers), hop
		 * limit 64.
		 */
		sw_wr16(f + 12, SW_ETHER_TYPE_IPV6);
		sw_wr32(ip, 6u << 28);
		sw_wr16(ip + 4, (uint16_t)(len - l4o));
		ip[6] = SW_IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, h->sip.b, 16);
		memcpy(ip + 24, h->dip.b, 16);
	} else {
		/* RFC 791 section 3.1: version 4, IHL 5, DF, TTL 64. */
		sw_wr16(f + 12, SW_ETHER_TYPE_IPV4);
		ip[0] = 0x45;
		ip[1] = 0;
		sw_wr16(ip + 2, (uint16_t)(len - L3_OFF));
		sw_wr16(ip + 4, w->ip_id++);
		ip[6] = 0x40;
		ip[7] = 0;
		ip[8] = 64;
		ip[9] = SW_IPPROTO_TCP;
		ip[10] = ip[11] = 0;
		memcpy(ip + 12, h->sip.b, 4);
		memcpy(ip + 16, h->dip.b, 4);
	}

	tcp = f + l4o;
	sw_wr16(tcp + SW_TCP_OFF_SPORT, h->sport);
	sw_wr16(tcp + SW_TCP_OFF_DPORT, h->dport);
	sw_wr32(tcp + SW_TCP_OFF_SEQ, h->seq);
	sw_wr32(tcp + SW_TCP_OFF_ACK, h->ack);
	tcp[SW_TCP_OFF_DOFF] = (uint8_t)((l4_len / 4) << 4);
	tcp[SW_TCP_OFF_FLAGS] = h->flags;
	sw_wr16(tcp + SW_TCP_OFF_WIN, h->win);
	sw_wr16(tcp + SW_TCP_OFF_CSUM, 0);
	sw_wr16(tcp + SW_TCP_OFF_URP, 0);
	if (h->opt_len > 0)
		memcpy(tcp + SW_TCP_HDR_MIN, h->opt, h->opt_len);
	if (payload != NULL)
		*payload = tcp + l4_len;
	return m;
}

void
gen_pkt_tcp_finish(const struct gen_worker *w, struct rte_mbuf *m)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct sw_pkt_view v;
	rte_be16_t cs;

	memset(&v, 0, sizeof(v));
	v.l3_off = L3_OFF;
	v.family = w->cfg->family;
	v.l4_off = l4_off(v.family);
	v.l4_proto = SW_IPPROTO_TCP;
	if (v.family == 4) {
		cs = sw_csum_ipv4_hdr(f + L3_OFF, sizeof(struct rte_ipv4_hdr));
		memcpy(f + L3_OFF + 10, &cs, sizeof(cs));
	}
	/* The pseudo header of v.family: IPv6's (RFC 8200 section 8.1) sums both 16-byte addresses. */
	cs = sw_csum_l4(f, &v, (uint16_t)(rte_pktmbuf_data_len(m) - v.l4_off));
	memcpy(f + v.l4_off + SW_TCP_OFF_CSUM, &cs, sizeof(cs));
}

/*
 * The pattern: stream byte i is byte (i & 3) of the 32-bit word
 * mix(seed + (i >> 2) * golden), so any byte range can be produced or checked
 * from its offset alone, retransmissions included. The seed comes from the
 * connection's 4-tuple (client -> server orientation, which a bump in the
 * wire such as synwall leaves unchanged) and the direction, so a byte
 * delivered to the wrong connection or direction fails verification.
 *
 * A request starts with a 16-byte header that the pattern does not cover:
 *   0       4            8             12      13      16
 *   | "SWG1" | req_len BE | resp_len BE | flags | 0 0 0 |
 * req_len counts the header; flags bit 0: the server closes first.
 */
static inline uint32_t
mix32(uint32_t h)
{
	/* MurmurHash3 finalizer: every input bit affects every output bit. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * Every 32-bit word of the address mixed into h: all 16 bytes of an IPv6
 * address count, and an IPv4 address is the one word it always was, so IPv4
 * seeds (and streams) are unchanged.
 */
static inline uint32_t
mix_ip(uint32_t h, const struct gen_ip *a, uint8_t family)
{
	for (unsigned int i = 0; i < gen_ip_len(family); i += 4)
		h = mix32(h ^ sw_rd32(a->b + i));
	return h;
}

uint32_t
gen_pattern_seed(uint8_t family, const struct gen_ip *cip, const struct gen_ip *sip, uint16_t cport,
	uint16_t sport, bool s2c)
{
	uint32_t h = mix_ip(0x5157474eu, cip, family);

	h = mix_ip(h, sip, family);
	h = mix32(h ^ ((uint32_t)cport << 16 | sport));
	return mix32(h ^ (s2c ? 0xa5a5a5a5u : 0x3c3c3c3cu));
}

static inline uint8_t
pattern_byte(uint32_t seed, uint32_t i)
{
	return (uint8_t)(mix32(seed + (i >> 2) * 0x9e3779b9u) >> ((i & 3) * 8));
}

void
gen_pattern_fill(uint32_t seed, uint32_t off, uint8_t *buf, uint32_t len)
{
	uint32_t i = 0;

	while (i < len && ((off + i) & 3) != 0) {
		buf[i] = pattern_byte(seed, off + i);
		i++;
	}
	for (; i + 4 <= len; i += 4) {
		uint32_t x = mix32(seed + ((off + i) >> 2) * 0x9e3779b9u);

		buf[i] = (uint8_t)x;
		buf[i + 1] = (uint8_t)(x >> 8);
		buf[i + 2] = (uint8_t)(x >> 16);
		buf[i + 3] = (uint8_t)(x >> 24);
	}
	for (; i < len; i++)
		buf[i] = pattern_byte(seed, off + i);
}

int
gen_pattern_check(uint32_t seed, uint32_t off, const uint8_t *buf, uint32_t len)
{
	uint8_t tmp[256];

	while (len > 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)sizeof(tmp));

		gen_pattern_fill(seed, off, tmp, n);
		if (memcmp(tmp, buf, n) != 0)
			return -EBADMSG;
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}
