/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame building (Ethernet + IPv4 + TCP with checksums) and the verifiable byte pattern. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gen.h"

#define L3_OFF RTE_ETHER_HDR_LEN
#define L4_OFF (L3_OFF + (uint16_t)sizeof(struct rte_ipv4_hdr))

struct rte_mbuf *
gen_pkt_tcp4(struct gen_worker *w, const struct gen_tcp4 *h, uint8_t **payload)
{
	uint16_t l4_len = (uint16_t)(SW_TCP_HDR_MIN + h->opt_len);
	uint16_t len = (uint16_t)(L4_OFF + l4_len + h->payload_len);
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
	sw_wr16(f + 12, SW_ETHER_TYPE_IPV4);

	/* RFC 791 section 3.1: version 4, IHL 5, DF, TTL 64. */
	ip = f + L3_OFF;
	ip[0] = 0x45;
	ip[1] = 0;
	sw_wr16(ip + 2, (uint16_t)(len - L3_OFF));
	sw_wr16(ip + 4, w->ip_id++);
	ip[6] = 0x40;
	ip[7] = 0;
	ip[8] = 64;
	ip[9] = SW_IPPROTO_TCP;
	ip[10] = ip[11] = 0;
	sw_wr32(ip + 12, h->sip);
	sw_wr32(ip + 16, h->dip);

	tcp = f + L4_OFF;
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
gen_pkt_tcp4_finish(struct rte_mbuf *m)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct sw_pkt_view v;
	rte_be16_t cs;

	memset(&v, 0, sizeof(v));
	v.l3_off = L3_OFF;
	v.l4_off = L4_OFF;
	v.family = 4;
	v.l4_proto = SW_IPPROTO_TCP;
	cs = sw_csum_ipv4_hdr(f + L3_OFF, sizeof(struct rte_ipv4_hdr));
	memcpy(f + L3_OFF + 10, &cs, sizeof(cs));
	cs = sw_csum_l4(f, &v, (uint16_t)(rte_pktmbuf_data_len(m) - L4_OFF));
	memcpy(f + L4_OFF + SW_TCP_OFF_CSUM, &cs, sizeof(cs));
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

uint32_t
gen_pattern_seed(uint32_t cip, uint32_t sip, uint16_t cport, uint16_t sport, bool s2c)
{
	uint32_t h = mix32(cip ^ 0x5157474eu);

	h = mix32(h ^ sip);
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
