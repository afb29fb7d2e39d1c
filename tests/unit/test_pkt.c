/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for lib/pkt: every parse verdict, golden checksums, incremental updates, tuples. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sw_csum64.h"
#include "sw_pkt.h"
#include "pkt_internal.h"

/*
 * Golden frames, built with scapy 2.5 (python3-scapy) and embedded as bytes;
 * every checksum in them is scapy's. Addresses from 198.18.0.0/15 and 2001:2::/48.
 */
/* Hex dumps, 12 bytes a line: kept out of clang-format's hands. */
/* clang-format off */
/* IPv4 SYN, Linux option order: MSS 1460, SAckOK, TS(0xdeadbeef, 0), NOP, WS 7 */
static const uint8_t g_v4_syn[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
	0x9b, 0x61, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x01, 0x9c, 0x40,
	0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xfa, 0xf0, 0x41, 0x54, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x07,
};
/* IPv4 with a Router Alert IP option (IHL 6), PSH+ACK, NOP NOP TS, 5-byte payload (odd) */
static const uint8_t g_v4_opt_data[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x46, 0x00, 0x00, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
	0x58, 0x8f, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x01, 0x94, 0x04,
	0x00, 0x00, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x02, 0x80, 0x18, 0x20, 0x00, 0xe9, 0x20, 0x00, 0x00, 0x01, 0x01,
	0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x68, 0x65,
	0x6c, 0x6c, 0x6f,
};
/* IPv4 bare ACK padded to 60 bytes with garbage that no checksum may include */
static const uint8_t g_v4_padded[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
	0xed, 0x9a, 0xc6, 0x12, 0x00, 0x07, 0xc6, 0x12, 0x01, 0x09, 0x04, 0xd2,
	0x01, 0xbb, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x50, 0x10,
	0x20, 0x00, 0xfc, 0x07, 0x00, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
/* IPv6 SYN-ACK, seq 0xfffffff0, MSS NOP NOP SAckOK NOP WS, 7-byte payload */
static const uint8_t g_v6_synack[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x27, 0x06, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0xbb, 0xc3, 0x50, 0xff, 0xff,
	0xff, 0xf0, 0x11, 0x22, 0x33, 0x45, 0x80, 0x12, 0xff, 0xff, 0x55, 0x03,
	0x00, 0x00, 0x02, 0x04, 0x05, 0xa0, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03,
	0x03, 0x09, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
/* IPv6 + Hop-by-Hop + Destination Options + Routing type 0 (2 addresses, Segments Left 2) + TCP */
static const uint8_t g_v6_ext[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x4f, 0x00, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x06, 0x04,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x20, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x10, 0x20, 0x00, 0x8b, 0x45, 0x00, 0x00, 0x61, 0x62,
	0x63,
};
/* IPv6 + Segment Routing Header (RFC 8754, Segments Left 1, final 2001:2::99) + TCP SYN */
static const uint8_t g_v6_srh[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x3c, 0x2b, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x06, 0x04, 0x04, 0x01, 0x01, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x99, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0x03,
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02,
	0x20, 0x00, 0x4f, 0x3c, 0x00, 0x00,
};
/* 802.1Q (PCP 3, VID 100) IPv4 UDP, 5-byte payload */
static const uint8_t g_vlan_v4_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0x60, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x11, 0xed, 0xa4, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
	0x01, 0x01, 0x14, 0xe9, 0x00, 0x35, 0x00, 0x0d, 0x0d, 0xa7, 0x71, 0x75,
	0x65, 0x72, 0x79,
};
/* 802.1ad VID 10 + 802.1Q VID 20, IPv6 TCP RST */
static const uint8_t g_qinq_v6_tcp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x04, 0x20, 0x00, 0x4f, 0xc9, 0x00, 0x00,
};
/* IPv6 first fragment (offset 0, M) of a TCP segment, 16-byte payload */
static const uint8_t g_v6_frag_first[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x2c, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x07, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x10, 0x20, 0x00, 0x8b, 0xe5, 0x00, 0x00, 0x78, 0x78,
	0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
	0x78, 0x78,
};
/* IPv6 later fragment (offset 5, next header TCP) */
static const uint8_t g_v6_frag_later[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x2c, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00, 0x00, 0x28, 0x00, 0x00,
	0x00, 0x07, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79,
	0x79, 0x79, 0x79, 0x79, 0x79, 0x79,
};
/* IPv4 later fragment (offset 3, MF), protocol TCP */
static const uint8_t g_v4_frag_later[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x20, 0x03, 0x40, 0x06,
	0xcd, 0xa1, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x01, 0x7a, 0x7a,
	0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
	0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
};
/* ARP request */
static const uint8_t g_arp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0xfc,
	0x00, 0x00, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc6, 0x12, 0x00, 0x02,
};
/* IPv6 UDP, 3-byte payload (odd) */
static const uint8_t g_v6_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x11, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0b,
	0xe0, 0xb2, 0x6f, 0x64, 0x64,
};
/* clang-format on */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Deterministic xorshift64 so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/*
 * Parse a heap copy of exactly len bytes so that AddressSanitizer catches any
 * read past the end; the copy is returned for checksum calls (free it).
 */
static enum sw_pkt_verdict
parse_exact(const uint8_t *src, uint32_t len, struct sw_pkt_view *v, uint8_t **copy)
{
	uint8_t *buf = malloc(len ? len : 1);
	enum sw_pkt_verdict r;

	assert_non_null(buf);
	memcpy(buf, src, len);
	r = sw_pkt_parse(buf, len, v);
	if (copy != NULL)
		*copy = buf;
	else
		free(buf);
	return r;
}

/* Every field a golden frame must parse to. */
struct golden {
	const char *name;
	const uint8_t *frame;
	uint32_t len;
	enum sw_pkt_verdict verdict;
	uint16_t l3_off, l4_off, l4_len, payload_len, ip_len, ether_type;
	uint16_t tci0, tci1;
	uint8_t n_vlan, family, l4_proto, tcp_flags;
	bool is_fragment, has_ip_options, has_l4;
	uint16_t dst_off;
	bool tcp_csum_ok; /* sw_csum_verify_tcp() */
};

#define G(n) .name = #n, .frame = g_##n, .len = sizeof(g_##n)

static const struct golden goldens[] = {
	{G(v4_syn), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 34, .l4_len = 40,
		.payload_len = 0, .ip_len = 60, .ether_type = 0x0800, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 4, .l4_proto = 6, .tcp_flags = SW_TCP_SYN, .dst_off = 30,
		.is_fragment = false, .has_ip_options = false, .has_l4 = true, .tcp_csum_ok = true},
	{G(v4_opt_data), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 38, .l4_len = 32,
		.payload_len = 5, .ip_len = 61, .ether_type = 0x0800, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 4, .l4_proto = 6, .tcp_flags = SW_TCP_PSH | SW_TCP_ACK,
		.dst_off = 30, .is_fragment = false, .has_ip_options = true, .has_l4 = true,
		.tcp_csum_ok = true},
	{G(v4_padded), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 34, .l4_len = 20,
		.payload_len = 0, .ip_len = 40, .ether_type = 0x0800, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 4, .l4_proto = 6, .tcp_flags = SW_TCP_ACK, .dst_off = 30,
		.is_fragment = false, .has_ip_options = false, .has_l4 = true, .tcp_csum_ok = true},
	{G(v6_synack), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 54, .l4_len = 32,
		.payload_len = 7, .ip_len = 79, .ether_type = 0x86dd, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 6, .l4_proto = 6, .tcp_flags = SW_TCP_SYN | SW_TCP_ACK,
		.dst_off = 38, .is_fragment = false, .has_ip_options = false, .has_l4 = true,
		.tcp_csum_ok = true},
	{G(v6_ext), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 110, .l4_len = 20,
		.payload_len = 3, .ip_len = 119, .ether_type = 0x86dd, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 6, .l4_proto = 6, .tcp_flags = SW_TCP_ACK, .dst_off = 94,
		.is_fragment = false, .has_ip_options = false, .has_l4 = true, .tcp_csum_ok = true},
	{G(v6_srh), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 94, .l4_len = 20,
		.payload_len = 0, .ip_len = 100, .ether_type = 0x86dd, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 6, .l4_proto = 6, .tcp_flags = SW_TCP_SYN, .dst_off = 62,
		.is_fragment = false, .has_ip_options = false, .has_l4 = true, .tcp_csum_ok = true},
	{G(vlan_v4_udp), .verdict = SW_PKT_OK, .l3_off = 18, .l4_off = 38, .l4_len = 0,
		.payload_len = 13, .ip_len = 33, .ether_type = 0x0800, .n_vlan = 1, .tci0 = 0x6064,
		.tci1 = 0, .family = 4, .l4_proto = 17, .tcp_flags = 0, .dst_off = 34,
		.is_fragment = false, .has_ip_options = false, .has_l4 = true,
		.tcp_csum_ok = false},
	{G(qinq_v6_tcp), .verdict = SW_PKT_OK, .l3_off = 22, .l4_off = 62, .l4_len = 20,
		.payload_len = 0, .ip_len = 60, .ether_type = 0x86dd, .n_vlan = 2, .tci0 = 10,
		.tci1 = 20, .family = 6, .l4_proto = 6, .tcp_flags = SW_TCP_RST, .dst_off = 46,
		.is_fragment = false, .has_ip_options = false, .has_l4 = true, .tcp_csum_ok = true},
	{G(v6_frag_first), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 62, .l4_len = 20,
		.payload_len = 16, .ip_len = 84, .ether_type = 0x86dd, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 6, .l4_proto = 6, .tcp_flags = SW_TCP_ACK, .dst_off = 38,
		.is_fragment = true, .has_ip_options = false, .has_l4 = true, .tcp_csum_ok = false},
	{G(v6_frag_later), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 62, .l4_len = 0,
		.payload_len = 16, .ip_len = 64, .ether_type = 0x86dd, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 6, .l4_proto = 6, .tcp_flags = 0, .dst_off = 38,
		.is_fragment = true, .has_ip_options = false, .has_l4 = false,
		.tcp_csum_ok = false},
	{G(v4_frag_later), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 34, .l4_len = 0,
		.payload_len = 24, .ip_len = 44, .ether_type = 0x0800, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 4, .l4_proto = 6, .tcp_flags = 0, .dst_off = 30,
		.is_fragment = true, .has_ip_options = false, .has_l4 = false,
		.tcp_csum_ok = false},
	{G(arp), .verdict = SW_PKT_NOT_IP, .l3_off = 14, .l4_off = 0, .l4_len = 0, .payload_len = 0,
		.ip_len = 0, .ether_type = 0x0806, .n_vlan = 0, .tci0 = 0, .tci1 = 0, .family = 0,
		.l4_proto = 0, .tcp_flags = 0, .dst_off = 0, .is_fragment = false,
		.has_ip_options = false, .has_l4 = false, .tcp_csum_ok = false},
	{G(v6_udp), .verdict = SW_PKT_OK, .l3_off = 14, .l4_off = 54, .l4_len = 0,
		.payload_len = 11, .ip_len = 51, .ether_type = 0x86dd, .n_vlan = 0, .tci0 = 0,
		.tci1 = 0, .family = 6, .l4_proto = 17, .tcp_flags = 0, .dst_off = 38,
		.is_fragment = false, .has_ip_options = false, .has_l4 = true,
		.tcp_csum_ok = false},
};

static void
test_golden_views(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		struct sw_pkt_view v;
		uint8_t *buf;

		print_message("golden %s\n", g->name);
		assert_int_equal(parse_exact(g->frame, g->len, &v, &buf), g->verdict);
		assert_int_equal(v.l3_off, g->l3_off);
		assert_int_equal(v.l4_off, g->l4_off);
		assert_int_equal(v.l4_len, g->l4_len);
		assert_int_equal(v.payload_len, g->payload_len);
		assert_int_equal(v.ip_len, g->ip_len);
		assert_int_equal(v.ether_type, g->ether_type);
		assert_int_equal(v.n_vlan, g->n_vlan);
		assert_int_equal(v.vlan_tci[0], g->tci0);
		assert_int_equal(v.vlan_tci[1], g->tci1);
		assert_int_equal(v.family, g->family);
		assert_int_equal(v.l4_proto, g->l4_proto);
		assert_int_equal(v.tcp_flags, g->tcp_flags);
		assert_int_equal(v.is_fragment, g->is_fragment);
		assert_int_equal(v.has_ip_options, g->has_ip_options);
		assert_int_equal(v.has_l4, g->has_l4);
		assert_int_equal(v.dst_off, g->dst_off);
		if (g->verdict == SW_PKT_OK) {
			assert_int_equal(v.l4_off + v.l4_len + v.payload_len, v.l3_off + v.ip_len);
			assert_int_equal(sw_csum_verify_tcp(buf, &v), g->tcp_csum_ok);
		}
		free(buf);
	}
}

/* Cutting a golden frame anywhere must never read past the cut, nor be OK before the IP end. */
static void
test_golden_truncated(void **state)
{
	unsigned int i;
	uint32_t len;

	(void)state;
	for (i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];

		for (len = 0; len < g->len; len++) {
			struct sw_pkt_view v;
			enum sw_pkt_verdict r = parse_exact(g->frame, len, &v, NULL);

			if (len < 14u + 4u * g->n_vlan)
				assert_int_equal(r, SW_PKT_TRUNC_L2);
			else if (g->verdict == SW_PKT_NOT_IP)
				assert_int_equal(r, SW_PKT_NOT_IP);
			else if (len < (uint32_t)g->l3_off + g->ip_len)
				assert_int_equal(r, SW_PKT_BAD_L3);
			else
				assert_int_equal(r, SW_PKT_OK); /* only Ethernet padding cut */
		}
	}
}

static void
test_trunc_l2(void **state)
{
	uint8_t f[64];
	struct sw_pkt_view v;
	uint32_t len;

	(void)state;
	memcpy(f, g_qinq_v6_tcp, sizeof(f));
	for (len = 0; len < 14; len++)
		assert_int_equal(parse_exact(f, len, &v, NULL), SW_PKT_TRUNC_L2);
	/* 0x88A8 at 12, first tag needs bytes 14..17, second 18..21. */
	for (len = 14; len < 22; len++)
		assert_int_equal(parse_exact(f, len, &v, NULL), SW_PKT_TRUNC_L2);
	assert_int_equal(parse_exact(f, 22, &v, NULL), SW_PKT_BAD_L3);
	/* Single 802.1Q tag cut inside the tag. */
	for (len = 14; len < 18; len++)
		assert_int_equal(parse_exact(g_vlan_v4_udp, len, &v, NULL), SW_PKT_TRUNC_L2);
}

static void
test_vlan_variants(void **state)
{
	uint8_t f[128];
	struct sw_pkt_view v;

	(void)state;
	/* 0x8100 + 0x8100 stacking is accepted like 802.1ad. */
	memcpy(f, g_qinq_v6_tcp, sizeof(g_qinq_v6_tcp));
	f[12] = 0x81;
	f[13] = 0x00;
	assert_int_equal(parse_exact(f, sizeof(g_qinq_v6_tcp), &v, NULL), SW_PKT_OK);
	assert_int_equal(v.n_vlan, 2);
	assert_int_equal(v.vlan_tci[0], 10);
	assert_int_equal(v.vlan_tci[1], 20);

	/* Three tags: bridged as not-IP, the third TPID reported. */
	memcpy(f, g_qinq_v6_tcp, 22);
	f[20] = 0x81;
	f[21] = 0x00;
	f[22] = 0x00;
	f[23] = 0x1e;
	f[24] = 0x86;
	f[25] = 0xdd;
	memcpy(f + 26, g_qinq_v6_tcp + 22, sizeof(g_qinq_v6_tcp) - 22);
	assert_int_equal(parse_exact(f, sizeof(g_qinq_v6_tcp) + 4, &v, NULL), SW_PKT_NOT_IP);
	assert_int_equal(v.n_vlan, 2);
	assert_int_equal(v.ether_type, SW_ETHER_TYPE_VLAN);
	assert_int_equal(v.family, 0);

	/* A tag around ARP: not IP. */
	memcpy(f, g_vlan_v4_udp, 18);
	f[16] = 0x08;
	f[17] = 0x06;
	memcpy(f + 18, g_arp + 14, sizeof(g_arp) - 14);
	assert_int_equal(parse_exact(f, sizeof(g_arp) + 4, &v, NULL), SW_PKT_NOT_IP);
	assert_int_equal(v.ether_type, SW_ETHER_TYPE_ARP);
	assert_int_equal(v.n_vlan, 1);
}

static void
test_bad_ipv4(void **state)
{
	uint8_t f[sizeof(g_v4_syn)];
	struct sw_pkt_view v;
	const uint32_t n = sizeof(f);

	(void)state;
	/* Version 6 in an IPv4 ether type. */
	memcpy(f, g_v4_syn, n);
	f[14] = 0x65;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	/* IHL 4 and 0. */
	f[14] = 0x44;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	f[14] = 0x40;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	/* IHL 15 (60 bytes) > total length 60 - no: equal is fine, 61 is not possible; use tot 40. */
	memcpy(f, g_v4_syn, n);
	f[14] = 0x4f;
	f[17] = 40;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	/* Total length < 20. */
	memcpy(f, g_v4_syn, n);
	f[17] = 19;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	/* Total length one byte past the frame. */
	f[17] = 61;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	/* Total length exactly the IP header: OK, TCP then has no room. */
	f[17] = 20;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L4);
	/* IPv4 header itself truncated. */
	assert_int_equal(parse_exact(g_v4_syn, 33, &v, NULL), SW_PKT_BAD_L3);
	/* Non-TCP/UDP protocol with no L4 checks (ICMP, 0 bytes of payload). */
	memcpy(f, g_v4_syn, n);
	f[23] = 1;
	f[17] = 20;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_int_equal(v.l4_proto, 1);
	assert_false(v.has_l4);
	assert_int_equal(v.payload_len, 0);
}

static void
test_ipv4_fragments(void **state)
{
	uint8_t f[sizeof(g_v4_syn)];
	struct sw_pkt_view v;
	const uint32_t n = sizeof(f);
	uint8_t *buf;

	(void)state;
	/* First fragment: MF, offset 0 -> TCP parsed. */
	memcpy(f, g_v4_syn, n);
	f[20] = 0x20;
	f[21] = 0x00;
	assert_int_equal(parse_exact(f, n, &v, &buf), SW_PKT_OK);
	assert_true(v.is_fragment);
	assert_true(v.has_l4);
	assert_int_equal(v.l4_len, 40);
	assert_int_equal(v.tcp_flags, SW_TCP_SYN);
	assert_false(sw_csum_verify_tcp(buf, &v)); /* covers the reassembled segment */
	free(buf);
	/* Tiny first fragment (RFC 1858): 12 bytes of TCP only. */
	f[17] = 32;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L4);
	/* Last fragment: offset 1 (8 bytes), MF clear -> no TCP parse. */
	memcpy(f, g_v4_syn, n);
	f[20] = 0x00;
	f[21] = 0x01;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_true(v.is_fragment);
	assert_false(v.has_l4);
	assert_int_equal(v.l4_len, 0);
	assert_int_equal(v.tcp_flags, 0);
	assert_int_equal(v.payload_len, 40);
	/* A non-first fragment may be shorter than a TCP header. */
	f[17] = 21;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_int_equal(v.payload_len, 1);
	/* DF alone is not a fragment. */
	assert_int_equal(parse_exact(g_v4_syn, n, &v, NULL), SW_PKT_OK);
	assert_false(v.is_fragment);
}

/* One IPv6 extension header to put in a built frame. */
struct ext {
	uint8_t type;
	uint8_t hdr_ext_len; /* 8-octet units after the first 8 (not for Fragment) */
	uint16_t frag_word; /* Fragment: offset << 3 | M */
	uint8_t rt_type, seg_left; /* Routing */
};

/*
 * Build Ether + IPv6 + exts + a 20-byte TCP ACK into f; returns the frame
 * length. The IPv6 payload length covers everything built.
 */
static uint32_t
build_v6(uint8_t *f, const struct ext *e, unsigned int n_ext)
{
	uint32_t off = 54, hlen;
	uint8_t *nh = f + 20;
	unsigned int i;

	memcpy(f, g_v6_synack, 54);
	for (i = 0; i < n_ext; i++) {
		uint8_t *h = f + off;

		*nh = e[i].type;
		hlen = e[i].type == 44 ? 8u : (e[i].hdr_ext_len + 1u) * 8u;
		memset(h, 0, hlen);
		h[1] = e[i].type == 44 ? 0 : e[i].hdr_ext_len;
		if (e[i].type == 44)
			sw_wr16(h + 2, e[i].frag_word);
		if (e[i].type == 43) {
			h[2] = e[i].rt_type;
			h[3] = e[i].seg_left;
			/* Address k filled with k + 1 for finding it again. */
			for (uint32_t k = 0; 8 + 16 * (k + 1) <= hlen; k++)
				memset(h + 8 + 16 * k, (int)(k + 1), 16);
		}
		nh = h;
		off += hlen;
	}
	*nh = SW_IPPROTO_TCP;
	memset(f + off, 0, 20);
	f[off + SW_TCP_OFF_DOFF] = 0x50;
	f[off + SW_TCP_OFF_FLAGS] = SW_TCP_ACK;
	off += 20;
	sw_wr16(f + 18, (uint16_t)(off - 54));
	return off;
}

static void
test_ipv6_ext_each(void **state)
{
	static const uint8_t types[] = {0, 43, 44, 60};
	uint8_t f[2048];
	struct sw_pkt_view v;
	unsigned int i;
	uint32_t n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(types); i++) {
		struct ext e = {.type = types[i], .hdr_ext_len = 1};

		n = build_v6(f, &e, 1);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		assert_int_equal(v.l4_off, 54 + (types[i] == 44 ? 8 : 16));
		assert_int_equal(v.l4_proto, SW_IPPROTO_TCP);
		assert_int_equal(v.l4_len, 20);
		assert_true(v.has_l4);
		assert_false(v.is_fragment); /* Fragment with offset 0, M 0: atomic */
		assert_int_equal(v.dst_off, 38);
	}
	/* All four, Hop-by-Hop first, Destination Options twice (RFC 8200 section 4.1 order). */
	{
		struct ext e[] = {{.type = 0}, {.type = 60}, {.type = 43, .hdr_ext_len = 2},
			{.type = 44, .frag_word = 1}, {.type = 60, .hdr_ext_len = 3}};

		n = build_v6(f, e, ARRAY_LEN(e));
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		assert_int_equal(v.l4_off, 54 + 8 + 8 + 24 + 8 + 32);
		assert_true(v.is_fragment);
		assert_true(v.has_l4);
	}
	/* Other next headers end the walk without checks: No Next Header, ESP. */
	{
		struct ext e = {.type = 60};

		n = build_v6(f, &e, 1);
		f[54] = 59;
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		assert_int_equal(v.l4_proto, 59);
		assert_int_equal(v.l4_off, 62);
		assert_false(v.has_l4);
		assert_int_equal(v.payload_len, 20);
		f[54] = 50;
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		assert_int_equal(v.l4_proto, 50);
	}
}

static void
test_ipv6_ext_bad(void **state)
{
	uint8_t f[2048];
	struct sw_pkt_view v;
	unsigned int i;
	uint32_t n, cut;

	(void)state;
	/* Hop-by-Hop after another header (RFC 8200 section 4.1). */
	{
		struct ext e[] = {{.type = 60}, {.type = 0}};

		n = build_v6(f, e, 2);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_EXTHDR);
	}
	/* SW_PKT_IPV6_EXT_MAX headers pass, one more does not. */
	{
		struct ext e[SW_PKT_IPV6_EXT_MAX + 1];

		for (i = 0; i < ARRAY_LEN(e); i++)
			e[i] = (struct ext){.type = 60};
		n = build_v6(f, e, SW_PKT_IPV6_EXT_MAX);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		n = build_v6(f, e, SW_PKT_IPV6_EXT_MAX + 1);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_EXTHDR);
	}
	/*
	 * Chain cut by the IPv6 payload length at every byte of every header
	 * (the frame keeps its bytes: only the IP length says where it ends).
	 */
	{
		struct ext e[] = {{.type = 0, .hdr_ext_len = 1}, {.type = 43, .hdr_ext_len = 2},
			{.type = 44}, {.type = 60}};

		n = build_v6(f, e, ARRAY_LEN(e));
		for (cut = 0; cut < 16 + 24 + 8 + 8; cut++) {
			sw_wr16(f + 18, (uint16_t)cut);
			assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_EXTHDR);
		}
		/* Cut in the TCP header instead. */
		for (; cut < n - 54; cut++) {
			sw_wr16(f + 18, (uint16_t)cut);
			assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L4);
		}
		sw_wr16(f + 18, (uint16_t)cut);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		/* A header length pointing far past the packet. */
		f[54 + 1] = 255;
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_EXTHDR);
	}
	/* IPv6 header: version, truncation, payload length beyond the frame. */
	n = sizeof(g_v6_synack);
	memcpy(f, g_v6_synack, n);
	f[14] = 0x40;
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	assert_int_equal(parse_exact(g_v6_synack, 53, &v, NULL), SW_PKT_BAD_L3);
	memcpy(f, g_v6_synack, n);
	sw_wr16(f + 18, (uint16_t)(n - 54 + 1));
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L3);
	/* Jumbogram-style payload length 0: empty payload, TCP does not fit. */
	sw_wr16(f + 18, 0);
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_L4);
}

static void
test_ipv6_fragment(void **state)
{
	uint8_t f[256];
	struct sw_pkt_view v;
	uint32_t n;

	(void)state;
	/* First fragment: walk on to TCP. */
	{
		struct ext e = {.type = 44, .frag_word = 0x0001};

		n = build_v6(f, &e, 1);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		assert_true(v.is_fragment);
		assert_true(v.has_l4);
		assert_int_equal(v.l4_off, 62);
	}
	/* Later fragment, then a header the walk must not look at. */
	{
		struct ext e[] = {{.type = 44, .frag_word = 0x0008}, {.type = 0}};

		n = build_v6(f, e, 2);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
		assert_true(v.is_fragment);
		assert_false(v.has_l4);
		assert_int_equal(v.l4_proto, 0);
		assert_int_equal(v.l4_off, 62);
		assert_int_equal(v.l4_len, 0);
		assert_int_equal(v.payload_len, 28);
	}
	/* Fragment header cut short. */
	{
		struct ext e = {.type = 44};

		n = build_v6(f, &e, 1);
		sw_wr16(f + 18, 7);
		assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_BAD_EXTHDR);
	}
}

static void
test_ipv6_routing_dst(void **state)
{
	uint8_t f[256];
	struct sw_pkt_view v;
	uint32_t n;
	struct ext e = {.type = 43, .hdr_ext_len = 6, .rt_type = 0, .seg_left = 2};

	(void)state;
	/* Type 0, 3 addresses, in transit: the last one is final (at 54 + 8 + 32). */
	n = build_v6(f, &e, 1);
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_int_equal(v.dst_off, 54 + 8 + 32);
	assert_int_equal(f[v.dst_off], 3);
	/* Segments Left 0: the IPv6 destination is final. */
	e.seg_left = 0;
	n = build_v6(f, &e, 1);
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_int_equal(v.dst_off, 38);
	/* SRH: Segment List[0]. */
	e = (struct ext){.type = 43, .hdr_ext_len = 4, .rt_type = 4, .seg_left = 1};
	n = build_v6(f, &e, 1);
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_int_equal(v.dst_off, 54 + 8);
	/* RPL (type 3, compressed): IPv6 destination kept. */
	e.rt_type = 3;
	n = build_v6(f, &e, 1);
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_int_equal(v.dst_off, 38);
	/* Routing header too short to hold an address. */
	e = (struct ext){.type = 43, .hdr_ext_len = 1, .rt_type = 0, .seg_left = 1};
	n = build_v6(f, &e, 1);
	assert_int_equal(parse_exact(f, n, &v, NULL), SW_PKT_OK);
	assert_int_equal(v.dst_off, 38);
}

static void
test_bad_tcp(void **state)
{
	uint8_t f[128];
	struct sw_pkt_view v;
	const uint32_t n = sizeof(g_v4_syn);
	unsigned int doff;

	(void)state;
	memcpy(f, g_v4_syn, n);
	for (doff = 0; doff < 16; doff++) {
		f[34 + SW_TCP_OFF_DOFF] = (uint8_t)(doff << 4);
		/* RFC 9293 section 3.1: 5 <= doff, doff * 4 <= 40 bytes of TCP here. */
		assert_int_equal(parse_exact(f, n, &v, NULL),
			doff >= 5 && doff <= 10 ? SW_PKT_OK : SW_PKT_BAD_L4);
		if (doff >= 5 && doff <= 10) {
			assert_int_equal(v.l4_len, doff * 4);
			assert_int_equal(v.payload_len, 40 - doff * 4);
		}
	}
	/* IPv6 likewise. */
	memcpy(f, g_qinq_v6_tcp, sizeof(g_qinq_v6_tcp));
	f[62 + SW_TCP_OFF_DOFF] = 0x60;
	assert_int_equal(parse_exact(f, sizeof(g_qinq_v6_tcp), &v, NULL), SW_PKT_BAD_L4);
	f[62 + SW_TCP_OFF_DOFF] = 0x40;
	assert_int_equal(parse_exact(f, sizeof(g_qinq_v6_tcp), &v, NULL), SW_PKT_BAD_L4);
}

static void
test_udp(void **state)
{
	uint8_t f[sizeof(g_vlan_v4_udp)];
	struct sw_pkt_view v;
	uint8_t *buf;
	rte_be16_t stored;

	(void)state;
	memcpy(f, g_vlan_v4_udp, sizeof(f));
	/* 8 bytes of UDP is enough; 7 is not. */
	sw_wr16(f + 18 + 2, 28);
	assert_int_equal(parse_exact(f, sizeof(f), &v, NULL), SW_PKT_OK);
	assert_int_equal(v.payload_len, 8);
	sw_wr16(f + 18 + 2, 27);
	assert_int_equal(parse_exact(f, sizeof(f), &v, NULL), SW_PKT_BAD_L4);

	/* UDP checksums (v4 and v6, odd payloads) recompute to scapy's. */
	assert_int_equal(parse_exact(g_vlan_v4_udp, sizeof(g_vlan_v4_udp), &v, &buf), SW_PKT_OK);
	memcpy(&stored, buf + v.l4_off + 6, 2);
	assert_int_equal(sw_csum_l4(buf, &v, v.payload_len), 0);
	memset(buf + v.l4_off + 6, 0, 2);
	assert_int_equal(sw_csum_l4(buf, &v, v.payload_len), stored);
	free(buf);
	assert_int_equal(parse_exact(g_v6_udp, sizeof(g_v6_udp), &v, &buf), SW_PKT_OK);
	memcpy(&stored, buf + v.l4_off + 6, 2);
	memset(buf + v.l4_off + 6, 0, 2);
	assert_int_equal(sw_csum_l4(buf, &v, v.payload_len), stored);
	free(buf);
}

/* RFC 1071 by the book: big-endian 16-bit words, byte at a time, end-around carry. */
static uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
test_csum_partial(void **state)
{
	static uint8_t buf[1024 + 16];
	size_t align, len, i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	/* Every alignment and length, against the reference. */
	for (align = 0; align < 8; align++)
		for (len = 0; len <= 1024; len++)
			assert_int_equal(sw_csum_fold(sw_csum_partial(buf + align, len, 0)),
				rte_cpu_to_be_16(ref_csum(buf + align, len)));
	/* All ones: many carries. */
	memset(buf, 0xff, sizeof(buf));
	for (len = 0; len <= 1024; len += 7)
		assert_int_equal(sw_csum_fold(sw_csum_partial(buf + 1, len, 0)),
			rte_cpu_to_be_16(ref_csum(buf + 1, len)));
	assert_int_equal(sw_csum_fold(sw_csum_partial(buf, 0, 0xffffffff)), 0xffff);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	/* Chaining: an even-length head, then the rest, equals one call. */
	for (len = 0; len <= 200; len += 2) {
		uint32_t head = sw_csum_partial(buf, len, 0);

		assert_int_equal(sw_csum_fold(sw_csum_partial(buf + len, 333, head)),
			sw_csum_fold(sw_csum_partial(buf, len + 333, 0)));
	}
	/* An odd-length head: swap the tail's sum (the documented way). */
	for (len = 1; len <= 201; len += 2) {
		uint32_t head = sw_csum_fold(sw_csum_partial(buf, len, 0));
		uint32_t tail = sw_csum_swap16(sw_csum_fold(sw_csum_partial(buf + len, 333, 0)));

		assert_int_equal(sw_csum_fold(head + tail),
			sw_csum_fold(sw_csum_partial(buf, len + 333, 0)));
	}
	/* Large start values: a 32-bit start plus data must still fold right. */
	for (i = 0; i < 1000; i++) {
		uint32_t start = rnd() | 0xffff0000u;
		uint16_t expect = rte_cpu_to_be_16(ref_csum(buf, 100));
		uint32_t s = sw_csum_fold(start) + (uint32_t)expect;

		assert_int_equal(sw_csum_fold(sw_csum_partial(buf, 100, start)), sw_csum_fold(s));
	}
}

/* Recompute the stored IPv4 and TCP checksums of every golden TCP frame from scratch. */
static void
test_csum_golden(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(goldens); i++) {
		const struct golden *g = &goldens[i];
		struct sw_pkt_view v;
		rte_be16_t stored;
		uint8_t *buf;

		if (g->verdict != SW_PKT_OK || g->l4_proto != SW_IPPROTO_TCP || !g->has_l4)
			continue;
		print_message("csum %s\n", g->name);
		assert_int_equal(parse_exact(g->frame, g->len, &v, &buf), SW_PKT_OK);
		if (v.family == 4) {
			uint8_t *ip = buf + v.l3_off;

			assert_int_equal(sw_csum_ipv4_hdr(ip, (uint16_t)(v.l4_off - v.l3_off)), 0);
			memcpy(&stored, ip + 10, 2);
			memset(ip + 10, 0, 2);
			assert_int_equal(
				sw_csum_ipv4_hdr(ip, (uint16_t)(v.l4_off - v.l3_off)), stored);
			memcpy(ip + 10, &stored, 2);
		}
		memcpy(&stored, buf + v.l4_off + SW_TCP_OFF_CSUM, 2);
		memset(buf + v.l4_off + SW_TCP_OFF_CSUM, 0, 2);
		assert_int_equal(sw_csum_l4(buf, &v, (uint16_t)(v.l4_len + v.payload_len)), stored);
		memcpy(buf + v.l4_off + SW_TCP_OFF_CSUM, &stored, 2);
		free(buf);
	}
}

/*
 * Any single bit flipped in the bytes the checksums cover breaks verification
 * (or the parse): the whole IPv4 packet; for IPv6 the addresses, the payload
 * length, the final destination and the TCP segment (extension headers, hop
 * limit, flow label, a destination a Routing header overrides are not
 * covered, RFC 8200 section 8.1). Padding flips never matter.
 */
static void
test_csum_verify_flips(void **state)
{
	static const struct {
		const uint8_t *f;
		uint32_t len;
	} frames[] = {{g_v4_syn, sizeof(g_v4_syn)}, {g_v4_opt_data, sizeof(g_v4_opt_data)},
		{g_v6_synack, sizeof(g_v6_synack)}, {g_v6_ext, sizeof(g_v6_ext)},
		{g_v4_padded, sizeof(g_v4_padded)}};
	unsigned int i, byte, bit;

	(void)state;
	for (i = 0; i < ARRAY_LEN(frames); i++) {
		uint8_t f[256];
		struct sw_pkt_view v;

		memcpy(f, frames[i].f, frames[i].len);
		assert_int_equal(sw_pkt_parse(f, frames[i].len, &v), SW_PKT_OK);
		for (byte = 14; byte < frames[i].len; byte++) {
			bool in_ip = byte < (uint32_t)v.l3_off + v.ip_len;
			bool covered = in_ip &&
				(v.family == 4 || byte >= v.l4_off || (byte >= 18 && byte < 20) ||
					(byte >= 22 && byte < 38) ||
					(byte >= v.dst_off && byte < v.dst_off + 16u));

			for (bit = 0; bit < 8; bit++) {
				struct sw_pkt_view v2;

				f[byte] ^= (uint8_t)(1u << bit);
				if (sw_pkt_parse(f, frames[i].len, &v2) == SW_PKT_OK &&
					(covered || !in_ip)) {
					assert_int_equal(sw_csum_verify_tcp(f, &v2), !in_ip);
				}
				f[byte] ^= (uint8_t)(1u << bit);
			}
		}
	}
}

/* sw_csum_replace16/32 and sw_csum_replace_sum against a full recompute. */
static void
test_csum_incremental(void **state)
{
	static const struct {
		const uint8_t *f;
		uint32_t len;
	} frames[] = {{g_v4_syn, sizeof(g_v4_syn)}, {g_v6_synack, sizeof(g_v6_synack)},
		{g_v4_opt_data, sizeof(g_v4_opt_data)}};
	unsigned int i, iter;

	(void)state;
	for (i = 0; i < ARRAY_LEN(frames); i++) {
		uint8_t f[256];
		struct sw_pkt_view v;

		memcpy(f, frames[i].f, frames[i].len);
		assert_int_equal(sw_pkt_parse(f, frames[i].len, &v), SW_PKT_OK);
		for (iter = 0; iter < 20000; iter++) {
			uint8_t *tcp = f + v.l4_off;
			rte_be16_t *ck = (rte_be16_t *)(tcp + SW_TCP_OFF_CSUM);
			uint32_t total = v.l4_len + v.payload_len;
			uint32_t kind = rnd() % 4, off;
			rte_be16_t ck_inc;

			if (kind == 0) {
				/* A 32-bit field: seq or ack. */
				rte_be32_t o, n = rnd();

				off = rnd() & 1 ? SW_TCP_OFF_SEQ : SW_TCP_OFF_ACK;
				memcpy(&o, tcp + off, 4);
				memcpy(tcp + off, &n, 4);
				sw_csum_replace32(ck, o, n);
			} else if (kind == 1) {
				/* A 16-bit field: port, window, urgent pointer. */
				static const uint8_t offs[] = {SW_TCP_OFF_SPORT, SW_TCP_OFF_DPORT,
					SW_TCP_OFF_WIN, SW_TCP_OFF_URP};
				rte_be16_t o, n = (rte_be16_t)rnd();

				off = offs[rnd() % 4];
				memcpy(&o, tcp + off, 2);
				memcpy(tcp + off, &n, 2);
				sw_csum_replace16(ck, o, n);
			} else {
				/* Any run of bytes after the checksum field, odd or even start. */
				uint32_t len, k, os, ns;

				off = 18 + rnd() % (total - 18);
				len = 1 + rnd() % (total - off);
				os = sw_csum_partial(tcp + off, len, 0);
				for (k = 0; k < len; k++)
					tcp[off + k] = kind == 2 ? (uint8_t)rnd() : 0xff;
				ns = sw_csum_partial(tcp + off, len, 0);
				sw_csum_replace_sum(ck, os, ns, off & 1);
			}
			memcpy(&ck_inc, ck, 2);
			memset(ck, 0, 2);
			assert_int_equal(ck_inc, sw_csum_l4(f, &v, (uint16_t)total));
			memcpy(ck, &ck_inc, 2);
			assert_true(sw_csum_verify_tcp(f, &v));
		}
	}
}

/* Pseudo header: IPv4 and IPv6 against sums written out by hand. */
static void
test_csum_pseudo(void **state)
{
	struct sw_pkt_view v;
	uint8_t ph[40];
	uint8_t *buf;

	(void)state;
	assert_int_equal(parse_exact(g_v4_syn, sizeof(g_v4_syn), &v, &buf), SW_PKT_OK);
	memcpy(ph, buf + 26, 8);
	ph[8] = 0;
	ph[9] = 6;
	sw_wr16(ph + 10, 1234);
	assert_int_equal(sw_csum_fold(sw_csum_pseudo(buf, &v, 1234)),
		sw_csum_fold(sw_csum_partial(ph, 12, 0)));
	/* A view built by hand (dst_off 0) uses the IP header's destination. */
	v.dst_off = 0;
	assert_int_equal(sw_csum_fold(sw_csum_pseudo(buf, &v, 1234)),
		sw_csum_fold(sw_csum_partial(ph, 12, 0)));
	free(buf);

	assert_int_equal(parse_exact(g_v6_ext, sizeof(g_v6_ext), &v, &buf), SW_PKT_OK);
	memcpy(ph, buf + 22, 16);
	memcpy(ph + 16, buf + 94, 16); /* final destination from the routing header */
	memset(ph + 32, 0, 8);
	sw_wr16(ph + 34, 0xfffe);
	ph[39] = 6;
	assert_int_equal(sw_csum_fold(sw_csum_pseudo(buf, &v, 0xfffe)),
		sw_csum_fold(sw_csum_partial(ph, 40, 0)));
	v.dst_off = 0;
	memcpy(ph + 16, buf + 38, 16);
	assert_int_equal(sw_csum_fold(sw_csum_pseudo(buf, &v, 0xfffe)),
		sw_csum_fold(sw_csum_partial(ph, 40, 0)));
	free(buf);
}

static void
test_tuple(void **state)
{
	static const uint8_t zero[16];
	struct sw_pkt_view v;
	struct sw_tuple t, r;
	uint8_t *buf;

	(void)state;
	assert_int_equal(parse_exact(g_v4_syn, sizeof(g_v4_syn), &v, &buf), SW_PKT_OK);
	sw_pkt_tuple(buf, &v, false, &t);
	assert_int_equal(t.family, 4);
	assert_memory_equal(t.src, "\xc6\x12\x00\x01", 4);
	assert_memory_equal(t.dst, "\xc6\x12\x01\x01", 4);
	assert_memory_equal(t.src + 4, zero, 12);
	assert_memory_equal(t.dst + 4, zero, 12);
	assert_int_equal(rte_be_to_cpu_16(t.sport), 40000);
	assert_int_equal(rte_be_to_cpu_16(t.dport), 80);
	assert_memory_equal(t.pad, zero, 3);
	sw_pkt_tuple(buf, &v, true, &r);
	assert_memory_equal(r.src, t.dst, 16);
	assert_memory_equal(r.dst, t.src, 16);
	assert_int_equal(r.sport, t.dport);
	assert_int_equal(r.dport, t.sport);
	free(buf);

	/* IPv6 SYN-ACK reversed is the client -> server tuple of its SYN. */
	assert_int_equal(parse_exact(g_v6_synack, sizeof(g_v6_synack), &v, &buf), SW_PKT_OK);
	sw_pkt_tuple(buf, &v, true, &r);
	assert_int_equal(r.family, 6);
	assert_memory_equal(r.src, buf + 38, 16);
	assert_memory_equal(r.dst, buf + 22, 16);
	assert_int_equal(rte_be_to_cpu_16(r.sport), 50000);
	assert_int_equal(rte_be_to_cpu_16(r.dport), 443);
	sw_pkt_tuple(buf, &v, false, &t);
	sw_pkt_tuple(buf, &v, false, &r);
	assert_memory_equal(&t, &r, sizeof(t));
	free(buf);

	/* Routing header in transit: the final destination. */
	assert_int_equal(parse_exact(g_v6_ext, sizeof(g_v6_ext), &v, &buf), SW_PKT_OK);
	sw_pkt_tuple(buf, &v, false, &t);
	assert_memory_equal(t.dst, buf + 94, 16);
	free(buf);

	/* UDP has ports; a later fragment has none; ARP gives zeros. */
	assert_int_equal(parse_exact(g_v6_udp, sizeof(g_v6_udp), &v, &buf), SW_PKT_OK);
	sw_pkt_tuple(buf, &v, false, &t);
	assert_int_equal(rte_be_to_cpu_16(t.sport), 1000);
	assert_int_equal(rte_be_to_cpu_16(t.dport), 2000);
	free(buf);
	assert_int_equal(
		parse_exact(g_v4_frag_later, sizeof(g_v4_frag_later), &v, &buf), SW_PKT_OK);
	sw_pkt_tuple(buf, &v, false, &t);
	assert_int_equal(t.sport, 0);
	assert_int_equal(t.dport, 0);
	assert_int_equal(t.family, 4);
	free(buf);
	assert_int_equal(parse_exact(g_arp, sizeof(g_arp), &v, &buf), SW_PKT_NOT_IP);
	sw_pkt_tuple(buf, &v, false, &t);
	assert_int_equal(t.family, 0);
	assert_memory_equal(t.src, zero, 16);
	free(buf);
}

/* Random frames with an IP ether type: never out of bounds, views consistent. */
static void
test_parse_random(void **state)
{
	unsigned int iter;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		uint8_t f[160];
		struct sw_pkt_view v;
		uint32_t len = rnd() % sizeof(f), i;
		const struct golden *g = &goldens[rnd() % ARRAY_LEN(goldens)];

		/* Start from a golden frame and damage a few bytes. */
		memcpy(f, g->frame, g->len < len ? g->len : len);
		for (i = g->len; i < len; i++)
			f[i] = (uint8_t)rnd();
		for (i = rnd() % 4; i > 0 && len > 0; i--)
			f[rnd() % len] = (uint8_t)rnd();
		if (parse_exact(f, len, &v, NULL) != SW_PKT_OK)
			continue;
		assert_true(v.l3_off + v.ip_len <= len);
		assert_int_equal(v.l4_off + v.l4_len + v.payload_len, v.l3_off + v.ip_len);
		assert_true(v.dst_off + (v.family == 4 ? 4 : 16) <= v.l4_off);
		if (v.has_l4 && v.l4_proto == SW_IPPROTO_TCP)
			assert_true(v.l4_len >= 20 && v.l4_len <= 60);
	}
}

/*
 * sw_pkt_parse_tcp() against sw_pkt_parse(), sw_pkt_tuple() and
 * sw_tuple_set_vlan(): true exactly for TCP packets with an L4 header, the
 * same view and tuple byte for byte; false with the same verdict otherwise.
 */
static void
parse_tcp_check(const uint8_t *buf, uint32_t len, bool reverse)
{
	struct sw_pkt_view a, b;
	struct sw_tuple ta, tb;
	enum sw_pkt_verdict pa = (enum sw_pkt_verdict)0x77, pb;
	bool tcp;

	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	memset(&ta, 0xa5, sizeof(ta));
	tcp = sw_pkt_parse_tcp(buf, len, reverse, &a, &ta, &pa);
	pb = sw_pkt_parse(buf, len, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	if (!tcp) {
		assert_int_equal(pa, pb);
		assert_false(pb == SW_PKT_OK && b.l4_proto == SW_IPPROTO_TCP && b.has_l4);
		return;
	}
	assert_int_equal(pa, 0x77); /* untouched */
	assert_int_equal(pb, SW_PKT_OK);
	assert_int_equal(b.l4_proto, SW_IPPROTO_TCP);
	assert_true(b.has_l4);
	memset(&tb, 0x5a, sizeof(tb));
	sw_pkt_tuple(buf, &b, reverse, &tb);
	sw_tuple_set_vlan(&tb, &b);
	assert_memory_equal(&ta, &tb, sizeof(ta));
}

/*
 * sw_pkt_parse() (IPv4/TCP fast path first) against the general parser alone:
 * same verdict and the same view byte for byte (both zero the view first).
 */
static void
parse_both(const uint8_t *src, uint32_t len)
{
	struct sw_pkt_view a, b;
	uint8_t *buf = malloc(len ? len : 1);
	enum sw_pkt_verdict ra, rb;

	assert_non_null(buf);
	memcpy(buf, src, len);
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	ra = sw_pkt_parse(buf, len, &a);
	rb = pkt_parse_general(buf, len, &b);
	assert_int_equal(ra, rb);
	assert_memory_equal(&a, &b, sizeof(a));
	parse_tcp_check(buf, len, false);
	parse_tcp_check(buf, len, true);
	free(buf);
}

static void
test_parse_fast_vs_general(void **state)
{
	static const struct {
		const uint8_t *frame;
		uint32_t len;
	} base[] = {
		{g_v4_syn, sizeof(g_v4_syn)},
		{g_v4_padded, sizeof(g_v4_padded)},
		{g_v4_opt_data, sizeof(g_v4_opt_data)},
		{g_vlan_v4_udp, sizeof(g_vlan_v4_udp)},
		{g_v6_synack, sizeof(g_v6_synack)},
	};
	static uint8_t big[14 + 65535 + 8];
	uint8_t f[160];
	unsigned int b, pos, val, iter;
	uint32_t len, tot;

	(void)state;
	/* Every truncation and some padding. */
	for (b = 0; b < ARRAY_LEN(base); b++) {
		memset(f, 0xee, sizeof(f));
		memcpy(f, base[b].frame, base[b].len);
		for (len = 0; len <= base[b].len + 16; len++)
			parse_both(f, len);
	}
	/* Every value of every header byte (Ethernet, IPv4 or IPv6, TCP up to the flags). */
	for (b = 0; b < ARRAY_LEN(base); b++) {
		const unsigned int hdr_end = base[b].frame == g_v6_synack ? 14 + 40 + 14 : 48;

		for (pos = 0; pos < hdr_end && pos < base[b].len; pos++) {
			for (val = 0; val < 256; val++) {
				memcpy(f, base[b].frame, base[b].len);
				f[pos] = (uint8_t)val;
				parse_both(f, base[b].len);
			}
		}
	}
	/* The fields the fast path decides on, set at random together, at random lengths. */
	for (iter = 0; iter < 300000; iter++) {
		uint32_t r = rnd(), q = rnd();

		b = r % 3; /* the IPv4 TCP frames */
		memset(f, (int)(q & 0xff), sizeof(f));
		memcpy(f, base[b].frame, base[b].len);
		if (r & (1u << 2))
			f[14] = (uint8_t)(0x40 | ((r >> 3) % 16)); /* IHL */
		if (r & (1u << 7))
			sw_wr16(f + 16, (uint16_t)((q >> 8) % 128)); /* total length */
		if (r & (1u << 8))
			sw_wr16(f + 20, (uint16_t)(q >> 16) & 0xe00f); /* flags, low offset */
		if (r & (1u << 9))
			f[46] = (uint8_t)(((r >> 10) % 16) << 4); /* data offset */
		if (r & (1u << 14))
			f[23] = (r >> 15) & 1 ? 17 : (uint8_t)(r >> 16); /* protocol */
		len = (r >> 24) & 1 ? base[b].len : 40 + (q >> 24) % 100;
		parse_both(f, len);
	}
	/* The same for the IPv6 fast path's fields (lib/pkt/parse.c parse_tcp_fast6). */
	for (iter = 0; iter < 300000; iter++) {
		uint32_t r = rnd(), q = rnd();

		memset(f, (int)(q & 0xff), sizeof(f));
		memcpy(f, g_v6_synack, sizeof(g_v6_synack));
		if (r & 1)
			f[14] = (uint8_t)(r >> 1); /* version, traffic class */
		if (r & (1u << 9))
			sw_wr16(f + 18, (uint16_t)((q >> 8) % 128)); /* payload length */
		if (r & (1u << 10))
			f[20] = (r >> 11) & 1 ? 0 : (uint8_t)(r >> 12); /* next header */
		if (r & (1u << 20))
			f[14 + 40 + 12] = (uint8_t)(((r >> 21) % 16) << 4); /* data offset */
		if (r & (1u << 25))
			sw_wr16(f + 12, (r >> 26) & 1 ? 0x8100 : 0x0800); /* ether type */
		len = (r >> 27) & 1 ? (uint32_t)sizeof(g_v6_synack) : 40 + (q >> 24) % 110;
		parse_both(f, len);
	}
	/* Near the 16-bit offset limit: IP packets ending at and past byte 65535. */
	memcpy(big, g_v6_synack, sizeof(g_v6_synack));
	for (tot = 65440; tot <= 65535 - 40; tot++) {
		sw_wr16(big + 18, (uint16_t)tot);
		parse_both(big, 14 + 40 + tot);
		parse_both(big, sizeof(big));
	}
	memcpy(big, g_v4_syn, sizeof(g_v4_syn));
	for (tot = 65500; tot <= 65535; tot++) {
		sw_wr16(big + 16, (uint16_t)tot);
		parse_both(big, 14 + tot);
		parse_both(big, sizeof(big));
	}
}

/* sw_pkt_tuple() against the struct sw_tuple rules written out byte by byte. */
static void
ref_tuple(const uint8_t *frame, const struct sw_pkt_view *v, bool reverse, struct sw_tuple *t)
{
	unsigned int alen = v->family == 4 ? 4 : 16, i;
	const uint8_t *src, *dst = sw_pkt_dst(frame, v);
	uint8_t sp[2] = {0, 0}, dp[2] = {0, 0};

	memset(t, 0, sizeof(*t));
	if (v->family != 4 && v->family != 6)
		return;
	src = frame + v->l3_off + (v->family == 4 ? 12 : 8);
	if (v->has_l4) {
		sp[0] = frame[v->l4_off];
		sp[1] = frame[v->l4_off + 1];
		dp[0] = frame[v->l4_off + 2];
		dp[1] = frame[v->l4_off + 3];
	}
	for (i = 0; i < alen; i++) {
		t->src[i] = reverse ? dst[i] : src[i];
		t->dst[i] = reverse ? src[i] : dst[i];
	}
	memcpy(&t->sport, reverse ? dp : sp, 2);
	memcpy(&t->dport, reverse ? sp : dp, 2);
	t->family = v->family;
}

static void
test_tuple_random(void **state)
{
	unsigned int iter, n_ok = 0;

	(void)state;
	for (iter = 0; iter < 100000; iter++) {
		uint8_t f[160];
		struct sw_pkt_view v;
		struct sw_tuple t, r;
		uint32_t len = rnd() % sizeof(f), i;
		const struct golden *g = &goldens[rnd() % ARRAY_LEN(goldens)];
		bool reverse = rnd() & 1;

		memcpy(f, g->frame, g->len < len ? g->len : len);
		for (i = g->len; i < len; i++)
			f[i] = (uint8_t)rnd();
		for (i = rnd() % 3; i > 0 && len > 0; i--)
			f[rnd() % len] = (uint8_t)rnd();
		{
			enum sw_pkt_verdict pv = sw_pkt_parse(f, len, &v);

			if (pv != SW_PKT_OK && pv != SW_PKT_NOT_IP)
				continue;
		}
		n_ok++;
		memset(&t, 0xa5, sizeof(t));
		sw_pkt_tuple(f, &v, reverse, &t);
		ref_tuple(f, &v, reverse, &r);
		assert_memory_equal(&t, &r, sizeof(t));
		parse_tcp_check(f, len, reverse);
	}
	assert_true(n_ok > 10000);
}

/*
 * sw_csum_verify_tcp() and sw_csum_set_tcp() against RFC 1071 by the book
 * (ref_csum over the header and over a pseudo header + segment copy), on
 * damaged golden frames: every length, alignment and family they reach.
 */
static bool
ref_verify_tcp(const uint8_t *f, const struct sw_pkt_view *v)
{
	uint8_t seg[40 + 65536];
	uint32_t l4_total = v->l4_len + v->payload_len, n;

	if (!v->has_l4 || v->l4_proto != SW_IPPROTO_TCP || v->is_fragment)
		return false;
	if (v->family == 4) {
		if (ref_csum(f + v->l3_off, v->l4_off - v->l3_off) != 0xffff)
			return false;
		memcpy(seg, f + v->l3_off + 12, 4);
		memcpy(seg + 4, sw_pkt_dst(f, v), 4);
		seg[8] = 0;
		seg[9] = SW_IPPROTO_TCP;
		sw_wr16(seg + 10, (uint16_t)l4_total);
		n = 12;
	} else {
		memcpy(seg, f + v->l3_off + 8, 16);
		memcpy(seg + 16, sw_pkt_dst(f, v), 16);
		sw_wr32(seg + 32, l4_total);
		seg[36] = seg[37] = seg[38] = 0;
		seg[39] = SW_IPPROTO_TCP;
		n = 40;
	}
	memcpy(seg + n, f + v->l4_off, l4_total);
	return ref_csum(seg, n + l4_total) == 0xffff;
}

static void
test_csum_random(void **state)
{
	unsigned int iter, n_tcp = 0, n_ok = 0;

	(void)state;
	for (iter = 0; iter < 100000; iter++) {
		uint8_t f[160];
		struct sw_pkt_view v;
		const struct golden *g = &goldens[rnd() % ARRAY_LEN(goldens)];
		uint32_t len = g->len, i;

		memcpy(f, g->frame, g->len);
		/* Damage a byte now and then; change the payload length sometimes. */
		if (rnd() % 4 == 0)
			f[rnd() % len] ^= (uint8_t)(1 + rnd() % 255);
		if (rnd() % 2 == 0 && len < sizeof(f) - 40) {
			uint32_t extra = rnd() % 40;

			for (i = 0; i < extra; i++)
				f[len + i] = (uint8_t)rnd();
			len += extra;
		}
		if (sw_pkt_parse(f, len, &v) != SW_PKT_OK)
			continue;
		if (v.family == 4 && rnd() % 2 == 0 && !v.is_fragment) {
			/* Grow the IP packet over the extra bytes, if any. */
			uint32_t room = len - v.l3_off - v.ip_len;

			if (room > 0) {
				sw_wr16(f + v.l3_off + 2,
					(uint16_t)(v.ip_len + rnd() % (room + 1)));
				if (sw_pkt_parse(f, len, &v) != SW_PKT_OK)
					continue;
			}
		}
		assert_int_equal(sw_csum_verify_tcp(f, &v), ref_verify_tcp(f, &v));
		{
			/* The _addrs form: the same verdict; on success, the addresses' sum. */
			uint64_t as = 0;
			bool ok = sw_csum_verify_tcp_addrs(f, &v, &as);
			unsigned alen = v.family == 4 ? 4 : 16;
			uint8_t ab[32];

			assert_int_equal(ok, ref_verify_tcp(f, &v));
			if (ok) {
				memcpy(ab, f + v.l3_off + (v.family == 4 ? 12 : 8), alen);
				memcpy(ab + alen, sw_pkt_dst(f, &v), alen);
				/* Both folded and not inverted; the native sum is in wire order. */
				assert_int_equal(rte_be_to_cpu_16(sw_csum_fold64_16(as)),
					ref_csum(ab, 2 * alen));
			}
		}
		if (!v.has_l4 || v.l4_proto != SW_IPPROTO_TCP || v.is_fragment)
			continue;
		n_tcp++;
		/* sw_csum_set_tcp() equals zeroing and storing the two separate results. */
		{
			uint8_t g2[160];
			uint16_t l4_total = (uint16_t)(v.ip_len - (v.l4_off - v.l3_off));
			rte_be16_t cs;

			memcpy(g2, f, len);
			if (v.family == 4) {
				g2[v.l3_off + 10] = g2[v.l3_off + 11] = 0;
				cs = sw_csum_ipv4_hdr(
					g2 + v.l3_off, (uint16_t)((g2[v.l3_off] & 0x0f) * 4));
				memcpy(g2 + v.l3_off + 10, &cs, 2);
			}
			g2[v.l4_off + SW_TCP_OFF_CSUM] = g2[v.l4_off + SW_TCP_OFF_CSUM + 1] = 0;
			cs = sw_csum_l4(g2, &v, l4_total);
			memcpy(g2 + v.l4_off + SW_TCP_OFF_CSUM, &cs, 2);

			sw_csum_set_tcp(f, &v);
			assert_memory_equal(f, g2, len);
			assert_true(sw_csum_verify_tcp(f, &v));
			assert_true(ref_verify_tcp(f, &v));
			n_ok++;
		}
	}
	assert_true(n_tcp > 10000 && n_ok == n_tcp);
}

/*
 * IPv6 addresses whose 64-bit sum is 2^64 - 1 or near it (all ones; found by
 * fuzz_pkt): a checksum computed and stored verifies, by the book too.
 */
static void
test_csum_ipv6_high_addrs(void **state)
{
	static const uint8_t fills[] = {0xff, 0xfe, 0x7f, 0x80, 0x00};
	unsigned int gi, fi, n = 0;

	(void)state;
	for (gi = 0; gi < ARRAY_LEN(goldens); gi++) {
		for (fi = 0; fi < ARRAY_LEN(fills); fi++) {
			uint8_t f[160];
			struct sw_pkt_view v;

			memcpy(f, goldens[gi].frame, goldens[gi].len);
			if (sw_pkt_parse(f, goldens[gi].len, &v) != SW_PKT_OK || v.family != 6 ||
				!v.has_l4 || v.l4_proto != SW_IPPROTO_TCP || v.is_fragment)
				continue;
			memset(f + v.l3_off + 8, fills[fi], 32);
			if (sw_pkt_parse(f, goldens[gi].len, &v) != SW_PKT_OK)
				continue;
			sw_csum_set_tcp(f, &v);
			assert_true(ref_verify_tcp(f, &v));
			assert_true(sw_csum_verify_tcp(f, &v));
			n++;
		}
	}
	assert_true(n > 0);
}

/* sw_csum_verifies64() is sw_csum_fold64_16() == 0xffff, near multiples of 0xffff and at random. */
static void
test_csum_verifies64(void **state)
{
	static const uint64_t edges[] = {0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0xfffeffff,
		0xffffffff, 0xffff0000ffffULL, 0x1000100010001ULL, 0xfffffffffffeULL,
		0xfffefffefffeffffULL, 0xfffffffffffefffeULL, 0xffffffffffff0000ULL,
		0xfffffffffffffffeULL, ~0ULL};
	uint64_t s;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(edges); i++)
		for (int d = -2; d <= 2; d++) {
			s = edges[i] + (uint64_t)(int64_t)d;
			assert_int_equal(sw_csum_verifies64(s), sw_csum_fold64_16(s) == 0xffff);
		}
	for (unsigned i = 0; i < 1000000; i++) {
		s = (uint64_t)rnd() << 32 | rnd();
		if (i & 1) /* a multiple of 0xffff, give or take a little */
			s = (s >> (rnd() % 17)) / 0xffff * 0xffff + (rnd() % 3) - 1;
		assert_int_equal(sw_csum_verifies64(s), sw_csum_fold64_16(s) == 0xffff);
	}
}

/*
 * A random TCP frame at f, checksums right per ref_csum(): 0-2 VLAN tags;
 * IPv4 (IHL 5-15) or IPv6; data offset 5-15; a payload of 0-99 bytes (odd
 * lengths too), often none or a few words so the whole segment is at most
 * 60 bytes (the fast path). Returns the frame length.
 */
static uint32_t
build_tcp_random(uint8_t *f, bool is_v6)
{
	uint8_t seg[40 + 60 + 100];
	uint32_t off = 12, l3, l4, ihl = 20, doff, pay, l4_total, n, i;
	unsigned n_vlan = rnd() % 3;

	for (i = 0; i < 12; i++)
		f[i] = (uint8_t)rnd();
	for (i = 0; i < n_vlan; i++, off += 4) {
		sw_wr16(f + off, 0x8100);
		sw_wr16(f + off + 2, (uint16_t)(rnd() & 0xfff));
	}
	sw_wr16(f + off, is_v6 ? 0x86dd : 0x0800);
	l3 = off + 2;
	doff = rnd() % 2 ? 5 + rnd() % 11 : 5;
	switch (rnd() % 4) {
	case 0:
		pay = 0;
		break;
	case 1:
		pay = 4 * (rnd() % 11);
		break;
	default:
		pay = rnd() % 100;
		break;
	}
	l4_total = 4 * doff + pay;
	if (!is_v6) {
		if (rnd() % 4 == 0)
			ihl = 4 * (6 + rnd() % 10);
		f[l3] = (uint8_t)(0x40 | ihl / 4);
		f[l3 + 1] = (uint8_t)rnd();
		sw_wr16(f + l3 + 2, (uint16_t)(ihl + l4_total));
		sw_wr32(f + l3 + 4, (rnd() << 16) | (rnd() % 2 ? 0x4000 : 0)); /* id, DF */
		f[l3 + 8] = (uint8_t)rnd();
		f[l3 + 9] = SW_IPPROTO_TCP;
		sw_wr16(f + l3 + 10, 0);
		sw_wr32(f + l3 + 12, 0xc6120000 | (rnd() & 0x1ffff));
		sw_wr32(f + l3 + 16, rnd() % 8 ? 0xc6120000 | (rnd() & 0x1ffff) : rnd());
		memset(f + l3 + 20, 1, ihl - 20); /* NOP options */
		sw_wr16(f + l3 + 10, (uint16_t)~ref_csum(f + l3, ihl));
		memcpy(seg, f + l3 + 12, 8);
		seg[8] = 0;
		seg[9] = SW_IPPROTO_TCP;
		sw_wr16(seg + 10, (uint16_t)l4_total);
		n = 12;
	} else {
		ihl = 40;
		sw_wr32(f + l3, 0x60000000 | (rnd() & 0xfffff));
		sw_wr16(f + l3 + 4, (uint16_t)l4_total);
		f[l3 + 6] = SW_IPPROTO_TCP;
		f[l3 + 7] = (uint8_t)rnd();
		for (i = 8; i < 40; i++)
			f[l3 + i] = (uint8_t)(rnd() % 4 ? rnd() : 0xff); /* many carries */
		memcpy(f + l3 + 8, "\x20\x01\x00\x02", 4);
		memcpy(seg, f + l3 + 8, 32);
		sw_wr32(seg + 32, l4_total);
		seg[36] = seg[37] = seg[38] = 0;
		seg[39] = SW_IPPROTO_TCP;
		n = 40;
	}
	l4 = l3 + ihl;
	for (i = 0; i < l4_total; i++)
		f[l4 + i] = (uint8_t)(rnd() % 8 ? rnd() : 0xff);
	f[l4 + 12] = (uint8_t)(doff << 4 | (f[l4 + 12] & 0x0f));
	sw_wr16(f + l4 + SW_TCP_OFF_CSUM, 0);
	memcpy(seg + n, f + l4, l4_total);
	sw_wr16(f + l4 + SW_TCP_OFF_CSUM, (uint16_t)~ref_csum(seg, n + l4_total));
	return l4 + l4_total;
}

/*
 * sw_csum_verify_tcp() and _addrs() on random frames of every shape, with
 * their fast path (IPv4, IHL 5, segment a multiple of 4 up to 60 bytes) and
 * general code: right checksums verify, the addresses' sum is RFC 1071's
 * (and small enough for plain adds), and any damage gives ref_verify_tcp()'s
 * verdict; at every alignment.
 */
static void
test_csum_verify_shapes(void **state)
{
	static uint8_t buf[8 + 14 + 8 + 60 + 60 + 100];
	unsigned n_fast = 0;

	(void)state;
	for (unsigned iter = 0; iter < 200000; iter++) {
		uint8_t *f = buf + rnd() % 8;
		bool is_v6 = rnd() % 3 == 0;
		uint32_t len = build_tcp_random(f, is_v6), alen = is_v6 ? 16 : 4, bit;
		struct sw_pkt_view v;
		uint64_t as = 0;
		uint8_t ab[32];

		assert_int_equal(sw_pkt_parse(f, len, &v), SW_PKT_OK);
		assert_true(v.has_l4 && v.l4_proto == SW_IPPROTO_TCP && !v.is_fragment);
		assert_int_equal(v.l4_off + v.l4_len + v.payload_len, len);
		n_fast += !is_v6 && v.l4_off - v.l3_off == 20 && v.l4_len + v.payload_len <= 60 &&
			(v.payload_len & 3) == 0;
		assert_true(ref_verify_tcp(f, &v));
		assert_true(sw_csum_verify_tcp(f, &v));
		assert_true(sw_csum_verify_tcp_addrs(f, &v, &as));
		assert_true(sw_csum_verify_tcp_addrs(f, &v, NULL));
		memcpy(ab, f + v.l3_off + (is_v6 ? 8 : 12), alen);
		memcpy(ab + alen, sw_pkt_dst(f, &v), alen);
		assert_int_equal(rte_be_to_cpu_16(sw_csum_fold64_16(as)), ref_csum(ab, 2 * alen));
		assert_true(as <= (is_v6 ? 0xffffffffULL : 0x1fffffffeULL));

		/* One bit flipped in the IP packet, or the whole checksum field negated. */
		if (iter % 8 == 0) {
			uint8_t *c = f + v.l4_off + SW_TCP_OFF_CSUM;

			/* 0x0000 and 0xffff are the same ones' complement number. */
			if (sw_rd16(c) == 0 || sw_rd16(c) == 0xffff)
				sw_wr16(c, (uint16_t)~sw_rd16(c));
			else
				c[rnd() % 2] ^= (uint8_t)(1u << rnd() % 8);
		} else {
			bit = rnd() % (8 * (len - v.l3_off));
			f[v.l3_off + bit / 8] ^= (uint8_t)(1u << bit % 8);
		}
		assert_int_equal(sw_csum_verify_tcp(f, &v), ref_verify_tcp(f, &v));
		assert_int_equal(sw_csum_verify_tcp_addrs(f, &v, &as), ref_verify_tcp(f, &v));
	}
	assert_true(n_fast > 20000);

	/* A hand-filled view over zeros: the IPv4 header sums to 0, not 0xffff. */
	{
		struct sw_pkt_view v;

		memset(&v, 0, sizeof(v));
		v.l3_off = 14;
		v.l4_off = 34;
		v.l4_len = 20;
		v.family = 4;
		v.l4_proto = SW_IPPROTO_TCP;
		v.has_l4 = true;
		memset(buf, 0, sizeof(buf));
		assert_false(ref_verify_tcp(buf, &v));
		assert_false(sw_csum_verify_tcp(buf, &v));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_views),
		cmocka_unit_test(test_golden_truncated),
		cmocka_unit_test(test_trunc_l2),
		cmocka_unit_test(test_vlan_variants),
		cmocka_unit_test(test_bad_ipv4),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_ext_each),
		cmocka_unit_test(test_ipv6_ext_bad),
		cmocka_unit_test(test_ipv6_fragment),
		cmocka_unit_test(test_ipv6_routing_dst),
		cmocka_unit_test(test_bad_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_csum_partial),
		cmocka_unit_test(test_csum_golden),
		cmocka_unit_test(test_csum_verify_flips),
		cmocka_unit_test(test_csum_incremental),
		cmocka_unit_test(test_csum_pseudo),
		cmocka_unit_test(test_tuple),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_parse_fast_vs_general),
		cmocka_unit_test(test_tuple_random),
		cmocka_unit_test(test_csum_random),
		cmocka_unit_test(test_csum_verifies64),
		cmocka_unit_test(test_csum_ipv6_high_addrs),
		cmocka_unit_test(test_csum_verify_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
