/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum (RFC 1071): partial sums, IPv4 header, TCP/UDP with pseudo header. */
#include <string.h>

#include <rte_branch_prediction.h>

#include "sw_pkt.h"

#define IPV4_HDR_MIN 20 /* RFC 791 section 3.1: IHL >= 5 */
#define IPV4_OFF_CSUM 10

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

static inline void
st16(uint8_t *p, uint16_t x)
{
	memcpy(p, &x, sizeof(x));
}

/*
 * 64 -> 32 bits with end-around carry: the high half of s + rol(s, 32) is
 * hi + lo plus the carry out of the low half, which is exactly the carry
 * that must come back in. Zero only for s == 0, like repeated folding.
 */
static inline uint32_t
fold64(uint64_t s)
{
	return (uint32_t)((s + ((s << 32) | (s >> 32))) >> 32);
}

/* 32 -> 16 bits, the same way (not inverted). Zero only for s == 0. */
static inline uint16_t
fold32(uint32_t s)
{
	return (uint16_t)((s + ((s << 16) | (s >> 16))) >> 16);
}

/* 64-bit ones' complement add: the carry out of bit 63 comes back in at bit 0 (add, adc). */
static inline uint64_t
add64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/*
 * Add len bytes at p (even stream position) to acc as native-order 64-bit
 * words with end-around carry. Since 2^16 = 1 modulo 0xffff, folding the sum
 * gives the 16-bit ones' complement sum (RFC 1071 section 2(C), "parallel
 * summation"). Byte order does not matter as long as p[0] lands in the same
 * half of a 16-bit word as a native load puts it, which the trailing odd byte
 * below takes care of.
 */
static inline __attribute__((always_inline)) uint64_t
sum_bytes(const uint8_t *p, size_t len, uint64_t acc)
{
	while (len >= 32) {
		acc = add64(acc, ld64(p));
		acc = add64(acc, ld64(p + 8));
		acc = add64(acc, ld64(p + 16));
		acc = add64(acc, ld64(p + 24));
		p += 32;
		len -= 32;
	}
	if (len & 16) {
		acc = add64(acc, ld64(p));
		acc = add64(acc, ld64(p + 8));
		p += 16;
	}
	if (len & 8) {
		acc = add64(acc, ld64(p));
		p += 8;
	}
	if (len & 4) {
		acc = add64(acc, ld32(p));
		p += 4;
	}
	if (len & 2) {
		acc = add64(acc, ld16(p));
		p += 2;
	}
	if (len & 1) {
		/* Odd length: the last byte is the high-order byte of a zero-padded word. */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
		acc = add64(acc, p[0]);
#else
		acc = add64(acc, (uint64_t)p[0] << 8);
#endif
	}
	return acc;
}

/* The 20-byte IPv4 header without options, unrolled. */
static inline uint64_t
sum_ipv4_hdr20(const uint8_t *ip)
{
	return add64(add64(ld64(ip), ld64(ip + 8)), ld32(ip + 16));
}

/* Sum of an IPv4 header of ihl_bytes (any length; 20 is the common case). */
static inline uint64_t
sum_ipv4_hdr(const uint8_t *ip, uint16_t ihl_bytes)
{
	if (likely(ihl_bytes == IPV4_HDR_MIN))
		return sum_ipv4_hdr20(ip);
	return sum_bytes(ip, ihl_bytes, 0);
}

/*
 * Pseudo-header sum, not folded.
 * IPv4 (RFC 9293 section 3.1): src, dst, zero, protocol, TCP length.
 * IPv6 (RFC 8200 section 8.1): src, dst, 32-bit length, 3 zero bytes, next
 * header. The zero bytes add nothing, so both reduce to the addresses plus
 * two network-order 16-bit words.
 */
static inline uint64_t
sum_pseudo(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_len)
{
	const uint8_t *l3 = frame + v->l3_off;
	const uint8_t *d = sw_pkt_dst(frame, v);
	uint64_t sum = (uint64_t)rte_cpu_to_be_16(l4_len) + rte_cpu_to_be_16((uint16_t)v->l4_proto);

	if (v->family == 4)
		return sum + ld32(l3 + 12) + ld32(d);
	/* IPv6: the two 16-byte addresses. */
	return sum_bytes(d, 16, sum_bytes(l3 + 8, 16, sum));
}

uint32_t
sw_csum_partial(const void *buf, size_t len, uint32_t start)
{
	const uint8_t *p = buf;
	uint64_t acc = start;

	return fold64(sum_bytes(p, len, acc));
}

uint16_t
sw_csum_fold(uint32_t sum)
{
	return fold32(sum);
}

uint32_t
sw_csum_pseudo(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_len)
{
	return fold64(sum_pseudo(frame, v, l4_len));
}

rte_be16_t
sw_csum_ipv4_hdr(const uint8_t *ip, uint16_t ihl_bytes)
{
	return (rte_be16_t)~fold32(fold64(sum_ipv4_hdr(ip, ihl_bytes)));
}

/* Checksum over pseudo header and [l4_off, l4_off + l4_total), not inverted. */
static inline uint16_t
l4_folded(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_total)
{
	return fold32(
		fold64(sum_bytes(frame + v->l4_off, l4_total, sum_pseudo(frame, v, l4_total))));
}

rte_be16_t
sw_csum_l4(const uint8_t *frame, const struct sw_pkt_view *v, uint16_t l4_total)
{
	return (rte_be16_t)~l4_folded(frame, v, l4_total);
}

bool
sw_csum_verify_tcp(const uint8_t *frame, const struct sw_pkt_view *v)
{
	/* A fragment's checksum covers the reassembled segment: not verifiable here. */
	if (!v->has_l4 || v->l4_proto != SW_IPPROTO_TCP || v->is_fragment)
		return false;
	/* RFC 791 section 3.1: the sum over a right header, checksum included, is all ones. */
	if (v->family == 4 &&
		fold32(fold64(sum_ipv4_hdr(
			frame + v->l3_off, (uint16_t)(v->l4_off - v->l3_off)))) != 0xffff)
		return false;
	/* RFC 9293 section 3.1: likewise over pseudo header and segment. */
	return l4_folded(frame, v, (uint16_t)(v->l4_len + v->payload_len)) == 0xffff;
}

void
sw_csum_set_tcp(uint8_t *frame, const struct sw_pkt_view *v)
{
	uint8_t *ip = frame + v->l3_off;
	uint8_t *l4 = frame + v->l4_off;
	uint16_t l4_total = (uint16_t)(v->ip_len - (v->l4_off - v->l3_off));

	if (v->family == 4) {
		st16(ip + IPV4_OFF_CSUM, 0);
		st16(ip + IPV4_OFF_CSUM,
			(uint16_t)~fold32(
				fold64(sum_ipv4_hdr(ip, (uint16_t)((ip[0] & 0x0f) * 4)))));
	}
	st16(l4 + SW_TCP_OFF_CSUM, 0);
	st16(l4 + SW_TCP_OFF_CSUM, (uint16_t)~l4_folded(frame, v, l4_total));
}
