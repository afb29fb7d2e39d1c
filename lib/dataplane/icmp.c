/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors about a spliced connection. A router between synwall and a
 * client that cannot forward a server's segment (fragmentation needed,
 * packet too big, unreachable, time exceeded) quotes that segment as the
 * client's side saw it, and sends the error to the server. The quoted
 * sequence number is in the client's numbering (the server's minus
 * seq_delta): the server's stack checks it against its own send window
 * (RFC 5927 section 4.1; Linux tcp_v4_err()/tcp_v6_err()) and would ignore
 * the error, and path MTU discovery towards clients would fail. The other
 * direction needs nothing: the client's stream keeps its numbers.
 */
#include <string.h>

#include "dp_internal.h"

#define ICMP_HDR_LEN 8
#define IPPROTO_ICMPV4 1
#define IPV6_HDR_LEN 40

/* RFC 792 / RFC 4443 error types that quote the offending packet. */
static inline bool
is_error(uint8_t family, uint8_t type)
{
	if (family == 4)
		return type == 3 /* destination unreachable */ || type == 11 /* time exceeded */ ||
			type == 12 /* parameter problem */;
	return type >= 1 && type <= 4; /* unreachable, too big, time exceeded, parameter */
}

bool
dp_icmp_quote(const uint8_t *frame, const struct sw_pkt_view *v, struct dp_icmp_quote *q)
{
	const uint8_t *ip = frame + v->l3_off;
	const uint8_t *icmp = frame + v->l4_off;
	const uint8_t *in = icmp + ICMP_HDR_LEN;
	const uint8_t *tcp, *srv, *cli;
	uint32_t n = v->payload_len; /* ICMP message bytes (l4_len is 0 for ICMP) */
	uint32_t ihl;

	if (v->is_fragment ||
		v->l4_proto != (v->family == 4 ? IPPROTO_ICMPV4 : SW_IPPROTO_ICMPV6) ||
		n < ICMP_HDR_LEN || !is_error(v->family, icmp[0]))
		return false;
	n -= ICMP_HDR_LEN;
	if (v->family == 4) {
		if (n < SW_PKT_IPV4_MIN || (in[0] >> 4) != 4)
			return false;
		ihl = (in[0] & 0xfu) * 4u;
		/* A TCP header's first 8 bytes (RFC 792), from a first fragment or none. */
		if (ihl < SW_PKT_IPV4_MIN || n < ihl + 8 || in[9] != SW_IPPROTO_TCP ||
			(sw_rd16(in + 6) & 0x1fff) != 0)
			return false;
		srv = in + 12;
		cli = in + 16;
		/* Sent to the quoted segment's source, as a router does. */
		if (memcmp(ip + 16, srv, 4) != 0)
			return false;
	} else {
		/* Extension headers in the quote are not walked: such a quote is left alone. */
		if (n < IPV6_HDR_LEN + 8 || (in[0] >> 4) != 6 || in[6] != SW_IPPROTO_TCP)
			return false;
		ihl = IPV6_HDR_LEN;
		srv = in + 8;
		cli = in + 24;
		if (memcmp(sw_pkt_dst(frame, v), srv, 16) != 0)
			return false;
	}
	tcp = in + ihl;
	/* The flow's tuple, client to server (sw_pkt_tuple() on the outside port). */
	memset(&q->t, 0, sizeof(q->t));
	q->t.family = v->family;
	memcpy(q->t.src, cli, v->family == 4 ? 4 : 16);
	memcpy(q->t.dst, srv, v->family == 4 ? 4 : 16);
	memcpy(&q->t.sport, tcp + SW_TCP_OFF_DPORT, 2);
	memcpy(&q->t.dport, tcp + SW_TCP_OFF_SPORT, 2);
	sw_tuple_set_vlan(&q->t, v);
	q->seq_off = (uint16_t)(tcp + SW_TCP_OFF_SEQ - frame);
	/* The quoted TCP checksum, when the quote reaches it. */
	q->csum_off =
		n >= ihl + SW_TCP_OFF_CSUM + 2 ? (uint16_t)(tcp + SW_TCP_OFF_CSUM - frame) : 0;
	return true;
}

bool
dp_icmp_error(struct sw_worker *w, struct dp_pkt *p, const struct dp_icmp_quote *q)
{
	uint8_t *frame = p->frame;
	rte_be16_t *icmp_csum = (rte_be16_t *)(void *)(frame + p->v.l4_off + 2);
	struct sw_flow *f = sw_flowtab_lookup(w->ft, &q->t, sw_flowtab_hash(w->ft, &q->t));
	rte_be32_t old_seq, new_seq;

	if (f == NULL)
		return false;
	if (!(f->conn.flags & SW_CONN_F_DELTA))
		return true;
	memcpy(&old_seq, frame + q->seq_off, 4);
	new_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(old_seq) + f->conn.seq_delta);
	memcpy(frame + q->seq_off, &new_seq, 4);
	sw_csum_replace32(icmp_csum, old_seq, new_seq);
	if (q->csum_off != 0) {
		/* The quoted segment's own checksum follows, and the ICMP sum covers it too. */
		rte_be16_t *tcp_csum = (rte_be16_t *)(void *)(frame + q->csum_off);
		rte_be16_t old_c = *tcp_csum;

		sw_csum_replace32(tcp_csum, old_seq, new_seq);
		sw_csum_replace16(icmp_csum, old_c, *tcp_csum);
	}
	w->stats.ev[SW_EV_icmp_xlated]++;
	return true;
}
