/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum (RFC 1071): partial sums, IPv4 header, TCP/UDP with pseudo header. */
#include <string.h>

#include "sw_pkt.h"

/* Unaligned native-order loads; memcpy compiles to one mov on x86 and arm64. */
static inline uint64_t
ld64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint32_t
ld32(const uint8_t *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint16_t
ld16(const uint8_t *p)
{
	uint16_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* 64-bit ones' complement add: the carry out of bit 63 comes back in at bit 0. */
static inline uint64_t
add64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/*
 * Words are summed 64 bits at a time with end-around carry; since 2^16 = 1
 * modulo 0xffff, folding the 64-bit sum gives the 16-bit ones' complement sum
 * (RFC 1071 section 2(C), "parallel summation"). Byte order does not matter
 * as long as buf[0] lands in the same half of a 16-bit word as a native load
 * puts it, which the trailing odd byte below takes care of.
 */
uint32_t
sw_csum_partial(const void *buf, size_t len, uint32_t start)
{
	const uint8_t *p = buf;
	uint64_t s0 = start, s1 = 0;

	while (len >= 32) {
		s0 = add64(s0, ld64(p));
		s1 = add64(s1, ld64(p + 8));
		s0 = add64(s0, ld64(p + 16));
		s1 = add64(s1, ld64(p + 24));
		p += 32;
		len -= 32;
	}
	s0 = add64(s0, s1);
	while (len >= 8) {
		s0 = add64(s0, ld64(p));
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		s0 = add64(s0, ld32(p));
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		s0 = add64(s0, ld16(p));
		p += 2;
		len -= 2;
	}
	if (len) {
		/* Odd length: the last byte is the high-order byte of a zero-padded word. */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
		s0 = add64(s0, p[0]);
#else
		s0 = add64(s0, (uint64_t)p[0] << 8);
#endif
	}
	/* 64 -> 32 bits with end-around carry. */
	s0 = (s0 & 0xffffffff) + (s0 >> 32);
	s0 = (s0 & 0xffffffff) + (s0 >> 32);
	return (uint32_t)s0;
}

uint16_t
sw_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t
sw_csum_pseudo(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_len)
{
	const uint8_t *l3 = frame + v->l3_off;
	uint64_t sum;

	/*
	 * IPv4 (RFC 9293 section 3.1): src, dst, zero, protocol, TCP length.
	 * IPv6 (RFC 8200 section 8.1): src, dst, 32-bit length, 3 zero bytes,
	 * next header. The zero bytes add nothing, so both reduce to the
	 * addresses plus two network-order 16-bit words.
	 */
	sum = (uint64_t)rte_cpu_to_be_16(l4_len) + rte_cpu_to_be_16((uint16_t)v->l4_proto);
	if (v->family == 4) {
		sum += ld32(l3 + 12);
		sum += ld32(sw_pkt_dst(frame, v));
	} else {
		const uint8_t *s = l3 + 8, *d = sw_pkt_dst(frame, v);

		sum = add64(sum, ld64(s));
		sum = add64(sum, ld64(s + 8));
		sum = add64(sum, ld64(d));
		sum = add64(sum, ld64(d + 8));
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return (uint32_t)sum;
}

rte_be16_t
sw_csum_ipv4_hdr(const uint8_t *ip, uint16_t ihl_bytes)
{
	return (rte_be16_t)~sw_csum_fold(sw_csum_partial(ip, ihl_bytes, 0));
}

rte_be16_t
sw_csum_l4(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_total)
{
	uint32_t sum = sw_csum_pseudo(frame, v, l4_total);

	sum = sw_csum_partial(frame + v->l4_off, l4_total, sum);
	return (rte_be16_t)~sw_csum_fold(sum);
}

bool
sw_csum_verify_tcp(const uint8_t *frame, const struct sw_pkt_view *v)
{
	/* A fragment's checksum covers the reassembled segment: not verifiable here. */
	if (!v->has_l4 || v->l4_proto != SW_IPPROTO_TCP || v->is_fragment)
		return false;
	/* RFC 791 section 3.1: the sum over a right header, checksum included, is all ones. */
	if (v->family == 4 &&
		sw_csum_ipv4_hdr(frame + v->l3_off, (uint16_t)(v->l4_off - v->l3_off)) != 0)
		return false;
	/* RFC 9293 section 3.1: likewise over pseudo header and segment. */
	return sw_csum_l4(frame, v, (uint16_t)(v->l4_len + v->payload_len)) == 0;
}
