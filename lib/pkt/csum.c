/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum (RFC 1071): partial sums, IPv4 header, TCP/UDP with pseudo header. */
#include <string.h>

#include <rte_branch_prediction.h>

#include "sw_csum64.h"
#include "sw_pkt.h"

#define IPV4_HDR_MIN 20 /* RFC 791 section 3.1: IHL >= 5 */
#define IPV4_OFF_CSUM 10

/* The 20-byte IPv4 header without options, unrolled. */
static inline uint64_t
sum_ipv4_hdr20(const uint8_t *ip)
{
	return sw_csum_add64(sw_csum_add64(sw_ld64(ip), sw_ld64(ip + 8)), sw_ld32(ip + 16));
}

/* Sum of an IPv4 header of ihl_bytes (any length; 20 is the common case). */
static inline uint64_t
sum_ipv4_hdr(const uint8_t *ip, uint16_t ihl_bytes)
{
	if (likely(ihl_bytes == IPV4_HDR_MIN))
		return sum_ipv4_hdr20(ip);
	return sw_csum_sum_bytes(ip, ihl_bytes, 0);
}

/*
 * Pseudo-header sum, not folded.
 * IPv4 (RFC 9293 section 3.1): src, dst, zero, protocol, TCP length.
 * IPv6 (RFC 8200 section 8.1): src, dst, 32-bit length, 3 zero bytes, next
 * header. The zero bytes add nothing, so both reduce to the addresses plus
 * two network-order 16-bit words.
 */
static inline uint64_t
sum_addrs(const uint8_t *frame, const struct sw_pkt_view *v)
{
	const uint8_t *l3 = frame + v->l3_off;
	const uint8_t *d = sw_pkt_dst(frame, v);

	if (v->family == 4)
		return (uint64_t)sw_ld32(l3 + 12) + sw_ld32(d);
	/*
	 * IPv6: the two 16-byte addresses, folded below 2^32, so that callers
	 * can add the length and protocol (and more) with plain adds: the
	 * unfolded sum reaches 2^64 - 1 (all-ones addresses), and a plain add
	 * to it would lose the carry.
	 */
	return sw_csum_fold64(sw_csum_sum_bytes(d, 16, sw_csum_sum_bytes(l3 + 8, 16, 0)));
}

static inline uint64_t
sum_pseudo(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_len)
{
	return sum_addrs(frame, v) + rte_cpu_to_be_16(l4_len) +
		rte_cpu_to_be_16((uint16_t)v->l4_proto);
}

uint32_t
sw_csum_partial(const void *buf, size_t len, uint32_t start)
{
	const uint8_t *p = buf;
	uint64_t acc = start;

	return sw_csum_fold64(sw_csum_sum_bytes(p, len, acc));
}

uint16_t
sw_csum_fold(uint32_t sum)
{
	return sw_csum_fold32(sum);
}

uint32_t
sw_csum_pseudo(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_len)
{
	return sw_csum_fold64(sum_pseudo(frame, v, l4_len));
}

rte_be16_t
sw_csum_ipv4_hdr(const uint8_t *ip, uint16_t ihl_bytes)
{
	return (rte_be16_t)~sw_csum_fold32(sw_csum_fold64(sum_ipv4_hdr(ip, ihl_bytes)));
}

/* Checksum over pseudo header and [l4_off, l4_off + l4_total), not inverted. */
static inline uint16_t
l4_folded(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_total)
{
	return sw_csum_fold32(sw_csum_fold64(
		sw_csum_sum_bytes(frame + v->l4_off, l4_total, sum_pseudo(frame, v, l4_total))));
}

rte_be16_t
sw_csum_l4(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_total)
{
	return (rte_be16_t)~l4_folded(frame, v, l4_total);
}

/* Lengths sum_hdr() takes: multiples of 4 up to 60, the largest TCP header (RFC 9293 3.1). */
#define SUM_HDR_MASK 0x3c

/*
 * sw_csum_sum_bytes() for len & ~SUM_HDR_MASK == 0, as in a SYN: a jump
 * into straight-line adds, 2 instructions per 8 bytes, without the loop and
 * the 5 length tests.
 */
static inline __attribute__((always_inline)) uint64_t
sum_hdr(const uint8_t *p, unsigned len, uint64_t acc)
{
	if (len & 4)
		acc = sw_csum_add64(acc, sw_ld32(p + len - 4));
	switch (len >> 3) {
	case 7:
		acc = sw_csum_add64(acc, sw_ld64(p + 48));
		/* fallthrough */
	case 6:
		acc = sw_csum_add64(acc, sw_ld64(p + 40));
		/* fallthrough */
	case 5:
		acc = sw_csum_add64(acc, sw_ld64(p + 32));
		/* fallthrough */
	case 4:
		acc = sw_csum_add64(acc, sw_ld64(p + 24));
		/* fallthrough */
	case 3:
		acc = sw_csum_add64(acc, sw_ld64(p + 16));
		/* fallthrough */
	case 2:
		acc = sw_csum_add64(acc, sw_ld64(p + 8));
		/* fallthrough */
	case 1:
		acc = sw_csum_add64(acc, sw_ld64(p));
		/* fallthrough */
	case 0:
		break;
	default:
		__builtin_unreachable();
	}
	return acc;
}

/*
 * The pseudo header's length and protocol, as two network-order 16-bit
 * words, modulo 0xffff (all sw_csum_verifies64() looks at): there, a
 * little-endian byte swap of x is x * 2^8, since 2^16 = 1.
 */
static inline uint64_t
sum_len_proto(unsigned l4_total)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint64_t)(l4_total + SW_IPPROTO_TCP) << 8;
#else
	return l4_total + SW_IPPROTO_TCP;
#endif
}

/* verify_tcp() for any TCP view: IPv6, IPv4 options, a payload; out of line, off the SYN path. */
static __attribute__((noinline)) bool
verify_tcp_general(const uint8_t *frame, const struct sw_pkt_view *v, uint64_t *addr_sum)
{
	unsigned l4_total = (unsigned)v->l4_len + v->payload_len;
	bool is_ok = true;
	uint64_t a;

	if (v->family == 4) {
		const uint8_t *ip = frame + v->l3_off;

		a = (uint64_t)sw_ld32(ip + 12) + sw_ld32(ip + 16);
		is_ok = sw_csum_verifies64(
			sw_csum_sum_bytes(ip, (uint16_t)(v->l4_off - v->l3_off), 0));
	} else {
		a = sum_addrs(frame, v);
	}
	if (addr_sum != NULL)
		*addr_sum = a;
	/* A bare IPv6 SYN or ACK: the header's straight-line sum, as verify_tcp() takes it. */
	if ((l4_total & ~SUM_HDR_MASK) == 0)
		return is_ok &&
			sw_csum_verifies64(
				sum_hdr(frame + v->l4_off, l4_total, a + sum_len_proto(l4_total)));
	return is_ok &&
		sw_csum_verifies64(sw_csum_sum_bytes(
			frame + v->l4_off, l4_total, a + sum_len_proto(l4_total)));
}

static inline __attribute__((always_inline)) bool
verify_tcp(const uint8_t *frame, const struct sw_pkt_view *v, uint64_t *addr_sum)
{
	const uint8_t *ip = frame + v->l3_off;
	unsigned l4_total = (unsigned)v->l4_len + v->payload_len;
	uint64_t a, s;
	bool is_ok;

	/* A fragment's checksum covers the reassembled segment: not verifiable here. */
	if (!v->has_l4 || v->l4_proto != SW_IPPROTO_TCP || v->is_fragment)
		return false;
	/* The common case, a SYN or a bare ACK: IPv4 without options, no payload. */
	if (unlikely(v->family != 4 || v->l4_off - v->l3_off != IPV4_HDR_MIN ||
		    (l4_total & ~SUM_HDR_MASK) != 0))
		return verify_tcp_general(frame, v, addr_sum);
	/* The addresses' sum serves the header and the pseudo header. */
	a = (uint64_t)sw_ld32(ip + 12) + sw_ld32(ip + 16);
	/* RFC 791 section 3.1: the sum over a right header, checksum included, is all ones. */
	is_ok = sw_csum_verifies64(a + sw_ld32(ip) + sw_ld32(ip + 4) + sw_ld32(ip + 8));
	if (addr_sum != NULL)
		*addr_sum = a;
	/* RFC 9293 section 3.1: likewise over pseudo header and segment. */
	s = sum_hdr(frame + v->l4_off, l4_total, a + sum_len_proto(l4_total));
	return is_ok & sw_csum_verifies64(s);
}

bool
sw_csum_verify_tcp_addrs(const uint8_t *frame, const struct sw_pkt_view *v, uint64_t *addr_sum)
{
	return verify_tcp(frame, v, addr_sum);
}

uint64_t
sw_csum_addrs(const uint8_t *frame, const struct sw_pkt_view *v)
{
	return sum_addrs(frame, v);
}

bool
sw_csum_verify_tcp(const uint8_t *frame, const struct sw_pkt_view *v)
{
	return verify_tcp(frame, v, NULL);
}

void
sw_csum_set_tcp(uint8_t *frame, const struct sw_pkt_view *v)
{
	uint8_t *ip = frame + v->l3_off;
	uint8_t *l4 = frame + v->l4_off;
	uint16_t l4_total = (uint16_t)(v->ip_len - (v->l4_off - v->l3_off));

	if (v->family == 4) {
		sw_st16(ip + IPV4_OFF_CSUM, 0);
		sw_st16(ip + IPV4_OFF_CSUM,
			(uint16_t)~sw_csum_fold32(
				sw_csum_fold64(sum_ipv4_hdr(ip, (uint16_t)((ip[0] & 0x0f) * 4)))));
	}
	sw_st16(l4 + SW_TCP_OFF_CSUM, 0);
	sw_st16(l4 + SW_TCP_OFF_CSUM, (uint16_t)~l4_folded(frame, v, l4_total));
}
