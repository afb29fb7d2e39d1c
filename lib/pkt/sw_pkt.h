/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet parsing (L2-L4 into a view), checksums and TCP builders over plain buffers. */
#ifndef SW_PKT_H
#define SW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TCP flag bits (RFC 9293 section 3.1; ECE/CWR RFC 3168). */
#define SW_TCP_FIN 0x01
#define SW_TCP_SYN 0x02
#define SW_TCP_RST 0x04
#define SW_TCP_PSH 0x08
#define SW_TCP_ACK 0x10
#define SW_TCP_URG 0x20
#define SW_TCP_ECE 0x40
#define SW_TCP_CWR 0x80

#define SW_ETHER_TYPE_IPV4 0x0800
#define SW_ETHER_TYPE_IPV6 0x86DD
#define SW_ETHER_TYPE_ARP 0x0806
#define SW_ETHER_TYPE_VLAN 0x8100 /* 802.1Q */
#define SW_ETHER_TYPE_QINQ 0x88A8 /* 802.1ad service tag */

#define SW_IPPROTO_TCP 6
#define SW_IPPROTO_UDP 17
#define SW_IPPROTO_ICMPV6 58

#define SW_TCP_HDR_MIN 20
#define SW_TCP_HDR_MAX 60
#define SW_TCP_OPT_MAX 40

/* Most IPv6 extension headers sw_pkt_parse() walks before SW_PKT_BAD_EXTHDR. */
#define SW_PKT_IPV6_EXT_MAX 8

/*
 * A connection's addresses, oriented client -> server (src = client).
 * IPv4 addresses occupy the first 4 bytes of src/dst, the rest is zero, so
 * that two tuples compare equal with memcmp and hash the same.
 */
struct sw_tuple {
	uint8_t src[16];
	uint8_t dst[16];
	rte_be16_t sport;
	rte_be16_t dport;
	uint8_t family; /* 4 or 6 */
	/*
	 * VLAN ids, so that equal addresses in different VLANs are different
	 * connections: (outer VID << 12 | inner VID) big-endian over 3 bytes,
	 * or the one VID; zero when untagged. sw_pkt_tuple() leaves them zero,
	 * sw_tuple_set_vlan() fills them.
	 */
	uint8_t pad[3];
};

/* Outcome of parsing one frame: one value per reason, each maps to a drop counter. */
enum sw_pkt_verdict {
	SW_PKT_OK = 0, /* parsed; see the view for what it is */
	SW_PKT_NOT_IP, /* ARP, LLDP, ... : bridge untouched */
	SW_PKT_TRUNC_L2, /* frame shorter than its Ethernet/VLAN headers */
	SW_PKT_BAD_L3, /* IPv4/IPv6 header malformed (version, IHL, total length) */
	SW_PKT_BAD_EXTHDR, /* IPv6 ext header chain overruns the packet, misplaced HbH, too long */
	SW_PKT_BAD_L4, /* TCP header shorter than 20 or data offset beyond packet; UDP < 8 */
};

/*
 * Offsets are from the start of the frame; lengths in bytes.
 *
 * For SW_PKT_OK with family != 0 the IP packet ends at l3_off + ip_len, and
 * l4_off + l4_len + payload_len == l3_off + ip_len always holds: bytes between
 * the end of the IP packet and the end of the frame (Ethernet padding) belong
 * to nobody. For anything but a bounds-checked TCP header (UDP, ICMP, a
 * non-first fragment, ...) l4_len is 0 and payload_len counts every byte from
 * l4_off to the end of the IP packet.
 *
 * For SW_PKT_NOT_IP, ether_type, n_vlan and vlan_tci are still filled (a frame
 * with 3+ tags reports n_vlan 2 and the third tag's TPID as ether_type).
 */
struct sw_pkt_view {
	uint16_t l3_off; /* first byte of the IPv4/IPv6 header */
	uint16_t l4_off; /* first byte of the TCP/UDP header (after IPv6 ext headers) */
	uint16_t l4_len; /* TCP: header length incl. options; else 0 */
	uint16_t payload_len; /* TCP payload bytes (per IP length, not frame length); see above */
	uint16_t ip_len; /* IP total length from the header (IPv6: 40 + payload length) */
	uint16_t ether_type; /* innermost ether type, host order */
	uint16_t vlan_tci[2]; /* outer first; valid for n_vlan entries */
	uint8_t n_vlan; /* 0, 1 (802.1Q) or 2 (QinQ) */
	uint8_t family; /* 4, 6, or 0 when not IP */
	uint8_t l4_proto; /* IP protocol of the L4 header (after ext headers) */
	uint8_t tcp_flags; /* valid when l4_proto == TCP */
	bool is_fragment; /* IPv4 MF/offset or IPv6 fragment header (not atomic, RFC 6946) */
	bool has_ip_options; /* IPv4 IHL > 5 */
	/*
	 * A TCP or UDP header was found and fits in the IP payload (TCP: doff
	 * checked; UDP: 8 bytes). False for non-first fragments, other
	 * protocols and non-IP. Test it before reading ports or TCP fields.
	 */
	bool has_l4;
	/*
	 * Offset of the destination address the L4 pseudo header and the tuple
	 * use: the IP header's destination, or for IPv6 with a Routing header
	 * in transit (Segments Left > 0, types 0, 2 and 4) the final destination
	 * from that header (RFC 8200 section 8.1). IPv4 source-route options
	 * are not followed (see has_ip_options). 0 (a view filled by hand)
	 * means the IP header's destination: use sw_pkt_dst() to read it.
	 */
	uint16_t dst_off;
};

/* The destination address of the view (4 or 16 bytes), per dst_off above. */
static inline const uint8_t *
sw_pkt_dst(const uint8_t *frame, const struct sw_pkt_view *v)
{
	if (v->dst_off != 0)
		return frame + v->dst_off;
	return frame + v->l3_off + (v->family == 4 ? 16 : 24);
}

/*
 * Parse Ethernet (+ up to two VLAN tags), IPv4/IPv6 (+ IPv6 extension headers),
 * and the TCP header bounds. Reads only within [frame, frame + len).
 * A fragment that is not the first one is SW_PKT_OK with is_fragment set and
 * l4_len 0. Returns a verdict; the view is valid only for SW_PKT_OK.
 *
 * Decisions, per verdict:
 * - VLAN tags: TPID 0x8100 or 0x88A8 at either position (802.1ad's 0x88A8 +
 *   0x8100, and the older 0x8100 + 0x8100 stacking). A third tag gives
 *   SW_PKT_NOT_IP: such frames are bridged untouched, never dropped as malformed.
 * - SW_PKT_BAD_L3: IPv4 header truncated, version != 4, IHL < 5, total length
 *   < IHL * 4 or beyond the frame (RFC 791 section 3.1); IPv6 header truncated,
 *   version != 6, payload length beyond the frame (RFC 8200 section 3); an IP
 *   packet ending past byte 65535 of the frame (offsets are 16-bit).
 *   IPv6 jumbograms (payload length 0, RFC 2675) are not supported: the
 *   payload is then empty and the chain or TCP check fails.
 * - IPv6 extension headers walked: Hop-by-Hop (0, only right after the IPv6
 *   header, RFC 8200 section 4.1), Routing (43), Fragment (44), Destination
 *   Options (60); at most SW_PKT_IPV6_EXT_MAX of them. Any other next header
 *   (TCP, UDP, ICMPv6, AH, ESP, No Next Header, ...) ends the walk and becomes
 *   l4_proto. SW_PKT_BAD_EXTHDR: a header overrunning the IPv6 payload, a
 *   misplaced Hop-by-Hop, or too many headers.
 * - IPv6 Fragment header (RFC 8200 section 4.5): offset != 0 sets is_fragment
 *   and stops the walk (l4_proto = its next header); offset 0 with M set sets
 *   is_fragment and walks on; an atomic fragment (offset 0, M clear) is
 *   processed as a whole packet, is_fragment clear (RFC 6946 section 4).
 * - IPv4 fragment (MF or offset != 0): is_fragment; the first one has its TCP
 *   header checked like any packet, so a first fragment too short to hold it
 *   is SW_PKT_BAD_L4 (RFC 1858 tiny fragments); later ones have has_l4 false.
 * - SW_PKT_BAD_L4: TCP with fewer than 20 bytes of IP payload, data offset < 5
 *   or beyond the IP payload (RFC 9293 section 3.1); UDP with fewer than 8
 *   bytes of IP payload (RFC 768). Other protocols are not checked.
 */
enum sw_pkt_verdict sw_pkt_parse(const uint8_t *frame, uint32_t len, struct sw_pkt_view *v);

/*
 * Fill a tuple from a parsed TCP/UDP packet; when reverse, src/dst are swapped.
 * The destination is sw_pkt_dst(); ports are zero when !v->has_l4 (non-first
 * fragments, other protocols); a non-IP view gives an all-zero tuple.
 */
void sw_pkt_tuple(
	const uint8_t *frame, const struct sw_pkt_view *v, bool reverse, struct sw_tuple *t);

/*
 * Internet checksum (RFC 1071). Partial sums are over 16-bit words loaded in
 * the CPU's byte order, like DPDK's rte_raw_cksum(): the ones' complement sum is
 * byte-order independent (RFC 1071 section 2(B)), so a folded, inverted result
 * stored with a plain 16-bit store is the network-order checksum. Those
 * results are typed rte_be16_t; sw_csum_fold() results compare equal to them
 * the same way.
 *
 * buf[0] is taken as the high-order byte of a word (an even position of the
 * checksummed stream); buf itself may have any alignment, and an odd len pads
 * the last byte with zero. To add a buffer starting at an odd stream position,
 * byte-swap its folded sum (sw_csum_swap16) before adding.
 */
/* Put the view's VLAN ids into t->pad (see struct sw_tuple). */
static inline void
sw_tuple_set_vlan(struct sw_tuple *t, const struct sw_pkt_view *v)
{
	uint32_t id = 0;

	if (v->n_vlan == 1)
		id = v->vlan_tci[0] & 0xfff;
	else if (v->n_vlan == 2)
		id = (uint32_t)(v->vlan_tci[0] & 0xfff) << 12 | (v->vlan_tci[1] & 0xfff);
	t->pad[0] = (uint8_t)(id >> 16);
	t->pad[1] = (uint8_t)(id >> 8);
	t->pad[2] = (uint8_t)id;
}

/* Ones' complement sum of buf (not folded, not inverted); start is a previous partial sum. */
uint32_t sw_csum_partial(const void *buf, size_t len, uint32_t start);
/* Fold a partial sum to 16 bits (not inverted). */
uint16_t sw_csum_fold(uint32_t sum);
/*
 * Pseudo-header partial sum (RFC 9293 section 3.1, RFC 8200 section 8.1),
 * l4_len host order. Uses v->family, v->l4_proto, the source address of the
 * IP header and the destination at v->dst_off.
 */
uint32_t sw_csum_pseudo(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_len);
/*
 * Checksum of an IPv4 header as it is in the buffer: zero the checksum field
 * first to get the value to store; over a header whose stored checksum is
 * right the result is 0. Network order.
 */
rte_be16_t sw_csum_ipv4_hdr(const uint8_t *ip, uint16_t ihl_bytes);
/*
 * Full TCP/UDP checksum over [l4_off, l4_off + l4_total) plus the pseudo
 * header, with the checksum field counted as whatever the buffer holds: zero
 * it first to get the value to store (for UDP store 0xFFFF when the result is
 * 0, RFC 768); over a segment with a right checksum the result is 0.
 * The caller guarantees the range lies within the frame. Network order.
 */
rte_be16_t sw_csum_l4(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_total);
/*
 * True when the IPv4 header checksum (IPv4 only; IPv6 has none) and the TCP
 * checksum over the whole IP payload from l4_off (l4_len + payload_len,
 * per the IP length, not the frame length) verify. False for anything that is
 * not a TCP packet with has_l4 set, and for fragments (the checksum covers the
 * reassembled segment).
 */
bool sw_csum_verify_tcp(const uint8_t *frame, const struct sw_pkt_view *v);
/*
 * sw_csum_verify_tcp() that also stores in *addr_sum (may be NULL) the
 * ones' complement sum of the pseudo header's two addresses (the final
 * destination for IPv6), below 2^33 (not folded to 16 bits), for a caller
 * that builds a reply between the same two addresses and sums its own
 * checksum with plain 64-bit adds (sw_csum64.h).
 */
bool sw_csum_verify_tcp_addrs(
	const uint8_t *frame, const struct sw_pkt_view *v, uint64_t *addr_sum);
/*
 * The address sum sw_csum_verify_tcp_addrs() stores, without verifying: for
 * a segment whose checksum the NIC verified (RTE_MBUF_F_RX_L4_CKSUM_GOOD).
 */
uint64_t sw_csum_addrs(const uint8_t *frame, const struct sw_pkt_view *v);
/*
 * Compute and store the IPv4 header checksum (IPv4 only; IHL from the header)
 * and the TCP checksum over [l4_off, l3_off + ip_len) with the pseudo header,
 * both fields zeroed first. The one-call form of zeroing the fields and
 * storing sw_csum_ipv4_hdr() and sw_csum_l4(frame, v, ip_len - (l4_off -
 * l3_off)), with the same results. The caller guarantees the range lies
 * within the frame.
 */
void sw_csum_set_tcp(uint8_t *frame, const struct sw_pkt_view *v);

/* Swap the two bytes of a 16-bit sum: the sum of the same bytes at the other parity. */
static inline uint16_t
sw_csum_swap16(uint16_t x)
{
	return (uint16_t)((x << 8) | (x >> 8));
}

/*
 * Incremental update (RFC 1624 eqn. 3) for a field of any length at any
 * position: old_sum and new_sum are the sw_csum_partial() sums of the old and
 * new bytes; odd says the field starts at an odd offset of the checksummed
 * stream, in which case each byte counts in the other half of its word and
 * the folded sums are byte-swapped (RFC 1071 section 2(B)).
 */
static inline void
sw_csum_replace_sum(rte_be16_t *cksum, uint32_t old_sum, uint32_t new_sum, bool odd)
{
	uint16_t o, n;
	uint32_t sum;

	old_sum = (old_sum & 0xffff) + (old_sum >> 16);
	old_sum = (old_sum & 0xffff) + (old_sum >> 16);
	new_sum = (new_sum & 0xffff) + (new_sum >> 16);
	new_sum = (new_sum & 0xffff) + (new_sum >> 16);
	o = (uint16_t)old_sum;
	n = (uint16_t)new_sum;

	if (odd) {
		o = sw_csum_swap16(o);
		n = sw_csum_swap16(n);
	}
	sum = (uint16_t)(~*cksum);
	sum += (uint16_t)~o;
	sum += n;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*cksum = (rte_be16_t)~sum;
}

/*
 * Incremental checksum update (RFC 1624 eqn. 3): the checksum field *cksum
 * (network order) is adjusted for a 16/32-bit field changing old -> new
 * (both network order).
 */
static inline void
sw_csum_replace16(rte_be16_t *cksum, rte_be16_t old_v, rte_be16_t new_v)
{
	uint32_t sum = (uint16_t)(~*cksum);

	sum += (uint16_t)~old_v;
	sum += new_v;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*cksum = (rte_be16_t)~sum;
}

static inline void
sw_csum_replace32(rte_be16_t *cksum, rte_be32_t old_v, rte_be32_t new_v)
{
	sw_csum_replace16(cksum, (rte_be16_t)(old_v >> 16), (rte_be16_t)(new_v >> 16));
	sw_csum_replace16(cksum, (rte_be16_t)(old_v & 0xffff), (rte_be16_t)(new_v & 0xffff));
}

/*
 * Big-endian loads and stores at any alignment (host order values), for the
 * TCP header at frame + v->l4_off and the like: one load or store and a
 * byte swap (memcpy of a fixed size is a plain unaligned access).
 */
static inline uint64_t
sw_rd64(const uint8_t *p)
{
	rte_be64_t x;

	memcpy(&x, p, sizeof(x));
	return rte_be_to_cpu_64(x);
}

static inline uint32_t
sw_rd32(const uint8_t *p)
{
	rte_be32_t x;

	memcpy(&x, p, sizeof(x));
	return rte_be_to_cpu_32(x);
}

static inline uint16_t
sw_rd16(const uint8_t *p)
{
	rte_be16_t x;

	memcpy(&x, p, sizeof(x));
	return rte_be_to_cpu_16(x);
}

static inline void
sw_wr64(uint8_t *p, uint64_t x)
{
	rte_be64_t be = rte_cpu_to_be_64(x);

	memcpy(p, &be, sizeof(be));
}

static inline void
sw_wr32(uint8_t *p, uint32_t x)
{
	rte_be32_t be = rte_cpu_to_be_32(x);

	memcpy(p, &be, sizeof(be));
}

static inline void
sw_wr16(uint8_t *p, uint16_t x)
{
	rte_be16_t be = rte_cpu_to_be_16(x);

	memcpy(p, &be, sizeof(be));
}

/* TCP header field offsets (RFC 9293 figure 1). */
#define SW_TCP_OFF_SPORT 0
#define SW_TCP_OFF_DPORT 2
#define SW_TCP_OFF_SEQ 4
#define SW_TCP_OFF_ACK 8
#define SW_TCP_OFF_DOFF 12
#define SW_TCP_OFF_FLAGS 13
#define SW_TCP_OFF_WIN 14
#define SW_TCP_OFF_CSUM 16
#define SW_TCP_OFF_URP 18

/* Wrap-safe sequence comparisons (RFC 9293 section 3.4). */
static inline bool
sw_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
sw_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* Fixed offsets of the untagged IPv4/TCP fast path. */
#define SW_PKT_ETH_LEN 14
#define SW_PKT_IPV4_MIN 20

/*
 * The common case of sw_pkt_parse() in one pass (inline, for sw_pkt_parse_tcp()
 * callers): untagged IPv4 without options, not a fragment (MF and offset 0x3fff), carrying a TCP header that fits. Returns true with the view
 * filled exactly as the general path fills it, or false (view untouched)
 * for anything else, which the general path then parses from scratch.
 */
_Static_assert(sizeof(struct sw_pkt_view) == 26 && offsetof(struct sw_pkt_view, vlan_tci) == 12 &&
		offsetof(struct sw_pkt_view, n_vlan) == 16 &&
		offsetof(struct sw_pkt_view, family) == 17 &&
		offsetof(struct sw_pkt_view, l4_proto) == 18 &&
		offsetof(struct sw_pkt_view, tcp_flags) == 19 &&
		offsetof(struct sw_pkt_view, is_fragment) == 20 &&
		offsetof(struct sw_pkt_view, has_ip_options) == 21 &&
		offsetof(struct sw_pkt_view, has_l4) == 22 &&
		offsetof(struct sw_pkt_view, dst_off) == 24,
	"sw_pkt_parse_fast() writes the view as thirteen 16-bit words");

static inline bool
sw_pkt_parse_fast(const uint8_t *frame, uint32_t len, struct sw_pkt_view *v)
{
	const uint8_t *ip = frame + SW_PKT_ETH_LEN;
	const uint8_t *l4 = ip + SW_PKT_IPV4_MIN;
	uint32_t tot, hlen, et_vihl, frag_proto;

	if (len < SW_PKT_ETH_LEN + SW_PKT_IPV4_MIN + SW_TCP_HDR_MIN)
		return false;
	/*
	 * Two loads, two compares: ether type IPv4 and version/IHL 0x45 (the
	 * 4 bytes from the ether type: type, version/IHL, TOS); neither MF nor
	 * an offset, and protocol TCP (flags/offset, TTL, protocol).
	 */
	memcpy(&et_vihl, frame + 12, 4);
	memcpy(&frag_proto, ip + 6, 4);
	if ((et_vihl & RTE_BE32(0xffffff00)) != RTE_BE32(SW_ETHER_TYPE_IPV4 << 16 | 0x4500) ||
		(frag_proto & RTE_BE32(0x3fff00ff)) != RTE_BE32(SW_IPPROTO_TCP))
		return false;
	/* RFC 791 section 3.1 and RFC 9293 section 3.1, as the general parser checks them. */
	tot = sw_rd16(ip + 2);
	hlen = (uint32_t)(l4[SW_TCP_OFF_DOFF] >> 4) * 4;
	if (tot < SW_PKT_IPV4_MIN + SW_TCP_HDR_MIN || tot > len - SW_PKT_ETH_LEN ||
		tot > 0xffff - SW_PKT_ETH_LEN /* offsets are 16-bit */ || hlen < SW_TCP_HDR_MIN ||
		hlen > tot - SW_PKT_IPV4_MIN)
		return false;
	/*
	 * The whole view from one image of 16-bit words, padding zero like the
	 * general path's memset: no memset, then stores over it. Byte pairs
	 * are (first | second << 8) little-endian, whatever the byte order:
	 * n_vlan 0 and family 4; l4_proto TCP and the flags; no fragment, no
	 * IP options; has_l4 and the padding byte.
	 */
	const uint16_t img[13] = {SW_PKT_ETH_LEN, SW_PKT_ETH_LEN + SW_PKT_IPV4_MIN, (uint16_t)hlen,
		(uint16_t)(tot - SW_PKT_IPV4_MIN - hlen), (uint16_t)tot, SW_ETHER_TYPE_IPV4, 0, 0,
		rte_le_to_cpu_16(4 << 8),
		rte_le_to_cpu_16((uint16_t)(SW_IPPROTO_TCP | l4[SW_TCP_OFF_FLAGS] << 8)), 0,
		rte_le_to_cpu_16(1), SW_PKT_ETH_LEN + 16};

	memcpy(v, img, sizeof(*v));
	return true;
}

/*
 * The tuple of a frame sw_pkt_parse_fast() took: sw_pkt_tuple() and
 * sw_tuple_set_vlan() for an untagged IPv4/TCP header at its fixed offsets.
 */
_Static_assert(offsetof(struct sw_tuple, dport) == offsetof(struct sw_tuple, sport) + 2,
	"sw_pkt_tuple_fast() stores both ports at once");
_Static_assert(sizeof(struct sw_tuple) == 40 && offsetof(struct sw_tuple, dst) == 16 &&
		offsetof(struct sw_tuple, sport) == 32 && offsetof(struct sw_tuple, family) == 36,
	"sw_pkt_tuple_fast() writes the tuple as four 64-bit words and two 32-bit ones");

static inline void
sw_pkt_tuple_fast(const uint8_t *frame, bool reverse, struct sw_tuple *t)
{
	const uint8_t *ip = frame + SW_PKT_ETH_LEN;
	uint32_t src, dst, ports;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&ports, ip + SW_PKT_IPV4_MIN + SW_TCP_OFF_SPORT, 4);
	/* Reversed: addresses swap, and so do the two 16-bit ports (a rotation in any byte order). */
	ports = reverse ? (ports >> 16 | ports << 16) : ports;
	/*
	 * The whole tuple from one image, zeros included (no memset, then
	 * stores over it): each address with the first 4 bytes of its zero
	 * tail in one 64-bit word (address bytes first, whatever the byte
	 * order), the rest of the tail, the ports, and family 4 with the VLAN
	 * bytes zero (bytes 4 0 0 0, whatever the byte order). Six stores.
	 */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	const uint64_t ws = src, wd = dst;
#else
	const uint64_t ws = (uint64_t)src << 32, wd = (uint64_t)dst << 32;
#endif
	const uint64_t wa = reverse ? wd : ws, wb = reverse ? ws : wd;
	const struct {
		uint64_t w[4];
		uint32_t ports, fam;
	} img = {{wa, 0, wb, 0}, ports, rte_le_to_cpu_32(4)};

	_Static_assert(sizeof(img) == sizeof(*t), "the image is the whole tuple");
	memcpy(t, &img, sizeof(*t));
}

/*
 * sw_pkt_parse_tcp() past its inline IPv4 fast path: untagged IPv6/TCP
 * without extension headers in one pass, every other frame through the
 * general parser.
 */
bool sw_pkt_parse_tcp_general(const uint8_t *frame, uint32_t len, bool reverse,
	struct sw_pkt_view *v, struct sw_tuple *t, enum sw_pkt_verdict *pv);

/*
 * sw_pkt_parse() and, for a TCP packet, its tuple in the same call. Returns
 * true for a TCP packet (verdict SW_PKT_OK, l4_proto TCP, has_l4) with *t
 * filled as sw_pkt_tuple(frame, v, reverse, t) followed by
 * sw_tuple_set_vlan(t, v), *pv untouched. Returns false for anything else,
 * with the verdict in *pv and *t unspecified. The untagged IPv4/TCP fast
 * path reads the addresses and ports at their fixed offsets while the header
 * is hot, without a second pass over the view; inline, so the burst loop
 * pays no call for it.
 */
static inline bool
sw_pkt_parse_tcp(const uint8_t *frame, uint32_t len, bool reverse, struct sw_pkt_view *v,
	struct sw_tuple *t, enum sw_pkt_verdict *pv)
{
	if (likely(sw_pkt_parse_fast(frame, len, v))) {
		sw_pkt_tuple_fast(frame, reverse, t);
		return true;
	}
	return sw_pkt_parse_tcp_general(frame, len, reverse, v, t, pv);
}

#ifdef __cplusplus
}
#endif

#endif /* SW_PKT_H */
