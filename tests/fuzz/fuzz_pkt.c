/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer harness for sw_pkt_parse(), the checksum functions and sw_pkt_tuple(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
	do { \
		if (!(c)) \
			__builtin_trap(); \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_pkt_view v, v2;
	struct sw_tuple t, r, t2;
	enum sw_pkt_verdict pv, pv2 = SW_PKT_OK;
	bool tcp;
	uint8_t *f;
	rte_be16_t ck;

	if (size > 65535 + 64)
		return 0;
	/* An exact-size heap copy: AddressSanitizer flags any read past the end. */
	f = malloc(size ? size : 1);
	if (f == NULL)
		return 0;
	if (size)
		memcpy(f, data, size);
	/* The burst loop's one-pass parse + tuple agrees with parse, then tuple. */
	tcp = sw_pkt_parse_tcp(f, (uint32_t)size, false, &v2, &t2, &pv2);
	pv = sw_pkt_parse(f, (uint32_t)size, &v);
	if (tcp) {
		CHECK(pv == SW_PKT_OK && v.has_l4 && v.l4_proto == SW_IPPROTO_TCP);
		CHECK(memcmp(&v, &v2, sizeof(v)) == 0);
	} else {
		CHECK(pv2 == pv ||
			(pv == SW_PKT_OK && !(v.has_l4 && v.l4_proto == SW_IPPROTO_TCP)));
	}
	if (pv != SW_PKT_OK) {
		free(f);
		return 0;
	}

	/* The view's invariants (sw_pkt.h). */
	CHECK(v.family == 4 || v.family == 6);
	CHECK((uint32_t)v.l3_off + v.ip_len <= size);
	CHECK(v.l4_off + v.l4_len + v.payload_len == v.l3_off + v.ip_len);
	CHECK(v.dst_off >= v.l3_off && v.dst_off + (v.family == 4 ? 4u : 16u) <= v.l4_off);
	CHECK(v.n_vlan <= 2);
	if (v.has_l4 && v.l4_proto == SW_IPPROTO_TCP)
		CHECK(v.l4_len >= SW_TCP_HDR_MIN && v.l4_len <= SW_TCP_HDR_MAX &&
			v.l4_len == (f[v.l4_off + SW_TCP_OFF_DOFF] >> 4) * 4u);
	else
		CHECK(v.l4_len == 0);

	sw_pkt_tuple(f, &v, false, &t);
	sw_pkt_tuple(f, &v, true, &r);
	CHECK(memcmp(t.src, r.dst, 16) == 0 && t.sport == r.dport && t.family == v.family);
	if (tcp) {
		struct sw_tuple tv = t;

		sw_tuple_set_vlan(&tv, &v);
		CHECK(memcmp(&tv, &t2, sizeof(tv)) == 0);
	}
	(void)sw_csum_verify_tcp(f, &v);

	/* Storing freshly computed checksums makes any unfragmented TCP packet verify. */
	if (v.has_l4 && v.l4_proto == SW_IPPROTO_TCP && !v.is_fragment) {
		if (v.family == 4) {
			memset(f + v.l3_off + 10, 0, 2);
			ck = sw_csum_ipv4_hdr(f + v.l3_off, (uint16_t)(v.l4_off - v.l3_off));
			memcpy(f + v.l3_off + 10, &ck, 2);
		}
		memset(f + v.l4_off + SW_TCP_OFF_CSUM, 0, 2);
		ck = sw_csum_l4(f, &v, (uint16_t)(v.l4_len + v.payload_len));
		memcpy(f + v.l4_off + SW_TCP_OFF_CSUM, &ck, 2);
		CHECK(sw_csum_verify_tcp(f, &v));
	}
	free(f);
	return 0;
}
