/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer harness for lib/cookie: check() on arbitrary input, make -> check round trips. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw_cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input consumed front to back; missing bytes read as zero. */
struct reader {
	const uint8_t *p;
	size_t n;
};

static void
rd_bytes(struct reader *r, void *out, size_t len)
{
	size_t take = len < r->n ? len : r->n;

	memset(out, 0, len);
	if (take != 0) {
		memcpy(out, r->p, take);
		r->p += take;
		r->n -= take;
	}
}

static uint32_t
rd_u32(struct reader *r)
{
	uint32_t v;

	rd_bytes(r, &v, sizeof(v));
	return v;
}

static uint16_t
rd_u16(struct reader *r)
{
	uint16_t v;

	rd_bytes(r, &v, sizeof(v));
	return v;
}

static uint8_t
rd_u8(struct reader *r)
{
	uint8_t v;

	rd_bytes(r, &v, sizeof(v));
	return v;
}

/*
 * Layout: master key (16), epoch (4), tuple (40, raw: any family, any pad),
 * client ISN (4), ack (4), tsecr (4), flags (1), client MSS (2), wscale (1).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint8_t key[SW_COOKIE_KEY_LEN];
	struct sw_cookie_master m;
	struct sw_cookie_keys k, k_prev;
	struct sw_cookie_opts o, d, d2;
	struct sw_tuple t;
	uint32_t epoch, isn, ack, tsecr, cookie, low6 = 0, tsval;
	enum sw_cookie_hash kind;
	uint8_t flags;
	int rc;

	rd_bytes(&r, key, sizeof(key));
	epoch = rd_u32(&r);
	rd_bytes(&r, &t, sizeof(t));
	isn = rd_u32(&r);
	ack = rd_u32(&r);
	tsecr = rd_u32(&r);
	flags = rd_u8(&r);

	sw_cookie_master_set(&m, key);
	/* Flag bit 5: IPv4 cookies with SipHash even where the CPU has AES-NI. */
	kind = (flags >> 5) & 1 ? SW_COOKIE_HASH_SIPHASH : SW_COOKIE_HASH_AUTO;
	if (sw_cookie_keys_init_as(&k, &m, epoch, kind) != 0 ||
		sw_cookie_keys_init_as(&k_prev, &m, epoch - 1, kind) != 0)
		abort();

	/* 1. Arbitrary ACK: never crashes; if accepted, the decoded options re-make that cookie. */
	rc = sw_cookie_check(&k, &t, isn, ack, flags & 1, tsecr, &d);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc == 0) {
		bool has_ts = flags & 1;
		uint32_t parity = has_ts ? (ack >> SW_COOKIE_TS_PARITY_SHIFT) & 1
					 : (ack >> SW_COOKIE_NOTS_PARITY_SHIFT) & 1;
		const struct sw_cookie_keys *km = parity == (epoch & 1) ? &k : &k_prev;

		if (d.has_ts != has_ts || d.wscale > SW_COOKIE_WSCALE_MAX ||
			(!d.has_wscale && d.wscale != 0) || (!has_ts && d.ecn))
			abort();
		if (sw_cookie_make(km, &t, isn, &d, &low6) != ack)
			abort();
		if (has_ts && low6 != (tsecr & SW_COOKIE_TSVAL_MASK))
			abort();
	}

	/* 2. make -> check round trip with options from the input. */
	memset(&o, 0, sizeof(o));
	o.has_ts = (flags >> 1) & 1;
	o.has_wscale = (flags >> 2) & 1;
	o.sack_perm = (flags >> 3) & 1;
	o.ecn = (flags >> 4) & 1;
	o.mss = rd_u16(&r);
	o.wscale = rd_u8(&r);
	cookie = sw_cookie_make(&k, &t, isn, &o, o.has_ts ? &low6 : NULL);
	tsval = sw_cookie_tsval(tsecr, low6);
	if (sw_cookie_check(&k, &t, isn, cookie, o.has_ts, tsval, &d) != 0)
		abort();
	if (d.mss !=
			sw_cookie_mss_table(
				t.family == 6 ? 6 : 4, sw_cookie_mss_index(t.family, o.mss)) ||
		d.has_wscale != o.has_wscale || d.sack_perm != o.sack_perm ||
		d.ecn != (o.has_ts && o.ecn) || d.has_ts != o.has_ts)
		abort();
	if (o.has_wscale &&
		d.wscale != (o.wscale > SW_COOKIE_WSCALE_MAX ? SW_COOKIE_WSCALE_MAX : o.wscale))
		abort();
	/* Still valid one epoch later, not two. */
	sw_cookie_keys_update(&k, &m, epoch + 1);
	if (sw_cookie_check(&k, &t, isn, cookie, o.has_ts, tsval, &d2) != 0)
		abort();
	sw_cookie_keys_update(&k, &m, epoch + 2);
	rc = sw_cookie_check(&k, &t, isn, cookie, o.has_ts, tsval, &d2);
	if (rc != 0 && rc != -EINVAL)
		abort();
	return 0;
}
