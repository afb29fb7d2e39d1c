/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookie keys, make and check (layouts and security argument in sw_cookie.h). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>

#include "sw_cookie.h"
#include "cookie_internal.h"

/* Default MSS when the SYN has no MSS option (RFC 9293 section 3.7.1). */
#define TCP_DEFAULT_MSS_V4 536
#define TCP_DEFAULT_MSS_V6 1220

/* Domain separation string of the epoch key derivation (13 bytes, no NUL). */
#define EPOCH_LABEL "synwall-epoch"
#define EPOCH_LABEL_LEN (sizeof(EPOCH_LABEL) - 1)

/* Lengths of the cookie hash messages (layouts in sw_cookie.h). */
#define COOKIE_MSG_LEN 44
#define COOKIE_MSG_LEN_V4 23

/*
 * MSS tables, [0] IPv4, [1] IPv6, ascending. Entry 0 equals the family's
 * default MSS, so "no option" and "below the smallest" both give index 0.
 */
static const uint16_t mss_tab[2][SW_COOKIE_MSS_ENTRIES] = {
	{TCP_DEFAULT_MSS_V4, 1300, 1460, 8960},
	{TCP_DEFAULT_MSS_V6, 1360, 1440, 8940},
};

/* Family index into mss_tab: 1 for IPv6, 0 otherwise. */
static inline unsigned int
fam_idx(int family)
{
	return family == 6;
}

/* Largest table entry <= mss (smallest entry if below it); branch-free. */
static inline uint32_t
mss_quantise(unsigned int f, uint16_t mss)
{
	const uint16_t *tab = mss_tab[f];

	/* mss == 0 (no option) falls below tab[1] and so maps to tab[0], the default. */
	return (uint32_t)(mss >= tab[1]) + (mss >= tab[2]) + (mss >= tab[3]);
}

/*
 * True for an IPv4 tuple as sw_pkt_tuple() makes it: family 4 and address
 * bytes 4..15 zero. Only those take the short message; anything else (IPv6,
 * or a hand-made tuple breaking the struct sw_tuple rule) hashes every byte.
 */
static inline bool
is_v4_tuple(const struct sw_tuple *t)
{
	uint64_t s_hi, d_hi;
	uint32_t s_mid, d_mid;

	memcpy(&s_mid, &t->src[4], sizeof(s_mid));
	memcpy(&s_hi, &t->src[8], sizeof(s_hi));
	memcpy(&d_mid, &t->dst[4], sizeof(d_mid));
	memcpy(&d_hi, &t->dst[8], sizeof(d_hi));
	return t->family == 4 && ((s_hi | d_hi) | (uint64_t)(s_mid | d_mid)) == 0;
}

/* Little-endian 32-bit load from any alignment. */
static inline uint32_t
load_le32(const void *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return rte_le_to_cpu_32(x);
}

/*
 * The hash of sw_cookie.h in two halves: begin takes the tuple and client ISN
 * (the first 16 bytes of m4, the first 40 of m6) into *pre, finish the rest
 * (family, mode, data, VLAN ids). For IPv4 the 23-byte message (two full
 * SipHash words, then seven bytes and the length in the final word) or its
 * two AES blocks (aes: k->use_aes, and the caller has the "aes" target); the
 * 44-byte message otherwise (SipHash, or three AES blocks under aes6_key).
 * Under the keys of parity.
 */

/* The ports as stored (network order) read little-endian, then the ISN. */
static inline uint64_t
ports_isn_word(const struct sw_tuple *t, uint32_t client_isn)
{
	return (uint64_t)rte_le_to_cpu_16(t->sport) | ((uint64_t)rte_le_to_cpu_16(t->dport) << 16) |
		((uint64_t)client_isn << 32);
}

/* A cookie's hash state after the tuple and the client ISN (hash_begin), for hash_finish. */
struct cookie_pre {
	uint64_t v[4]; /* SipHash's v0..v3; AES: the encrypted first block in v[0..1] */
	bool v4; /* the 23-byte message (IPv4), else the 44-byte one */
};

static inline void
pre_store(struct cookie_pre *pre, const struct sip_state *s)
{
	pre->v[0] = s->v0;
	pre->v[1] = s->v1;
	pre->v[2] = s->v2;
	pre->v[3] = s->v3;
}

static inline void
pre_load(const struct cookie_pre *pre, struct sip_state *s)
{
	s->v0 = pre->v[0];
	s->v1 = pre->v[1];
	s->v2 = pre->v[2];
	s->v3 = pre->v[3];
}

/* m6: five full words (out of line, so that the IPv4 path needs no stack frame). */
static __attribute__((noinline)) void
hash_begin_m6(const struct sw_cookie_key *key, const struct sw_tuple *t, uint32_t client_isn,
	struct cookie_pre *pre)
{
	struct sip_state s;

	sip_init(&s, key->k0, key->k1);
	sip_compress(&s, sip_load_le64(&t->src[0]));
	sip_compress(&s, sip_load_le64(&t->src[8]));
	sip_compress(&s, sip_load_le64(&t->dst[0]));
	sip_compress(&s, sip_load_le64(&t->dst[8]));
	sip_compress(&s, ports_isn_word(t, client_isn));
	pre_store(pre, &s);
}

/* m6: family, mode, data and the VLAN ids in the final word with the length. */
static __attribute__((noinline)) uint64_t
hash_finish_m6(const struct sw_tuple *t, const struct cookie_pre *pre, uint32_t mode, uint32_t data)
{
	struct sip_state s;
	uint64_t last;

	pre_load(pre, &s);
	/* Bytes 44..46 of the message: the VLAN ids of the tuple (zero when untagged). */
	last = ((uint64_t)COOKIE_MSG_LEN << 56) | (uint64_t)t->family | ((uint64_t)mode << 8) |
		((uint64_t)data << 16) |
		((uint64_t)((uint32_t)t->pad[0] << 16 | (uint32_t)t->pad[1] << 8 | t->pad[2])
			<< 32);
	return sip_finish(&s, last);
}

#if SW_HAVE_AES
/* AES: b1 = words w0 w1, encrypted; the result in pre->v[0..1]. */
static inline SW_AES_TARGET void
hash_begin_aes(const struct sw_aes128 *a, uint64_t w0, uint64_t w1, struct cookie_pre *pre)
{
	_mm_storeu_si128((__m128i *)(void *)pre->v,
		sw_aes128_enc(a, _mm_set_epi64x((long long)w1, (long long)w0)));
}

/* AES: the encrypted b1 xor b2 (the word tail), encrypted: the low 64 bits. */
static inline SW_AES_TARGET uint64_t
hash_finish_aes(const struct sw_aes128 *a, const struct cookie_pre *pre, uint64_t tail)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)pre->v);

	x = sw_aes128_enc(a, _mm_xor_si128(x, _mm_cvtsi64_si128((long long)tail)));
	return (uint64_t)_mm_cvtsi128_si64(x);
}
#endif

/* The last 8 bytes of m4's b2 and of m6's b3: family, mode, data, then the VLAN ids. */
static inline uint64_t
aes_tail(uint8_t family, const struct sw_tuple *t, uint32_t mode, uint32_t data)
{
	return (uint64_t)family | ((uint64_t)mode << 8) | ((uint64_t)data << 16) |
		((uint64_t)t->pad[0] << 32) | ((uint64_t)t->pad[1] << 40) |
		((uint64_t)t->pad[2] << 48);
}

#if SW_HAVE_AES
/*
 * m6 as three AES blocks under aes6_key: b1 = src, b2 = dst, encrypted in
 * chain; then b3's first half (ports and ISN) xored in. The state in
 * pre->v[0..1]. Out of line, as hash_begin_m6.
 */
static SW_AES_TARGET __attribute__((noinline)) void
hash_begin_aes6(const struct sw_aes128 *a, const struct sw_tuple *t, uint32_t client_isn,
	struct cookie_pre *pre)
{
	__m128i x = sw_aes128_enc(a, _mm_loadu_si128((const __m128i *)(const void *)t->src));

	x = sw_aes128_enc(
		a, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(const void *)t->dst)));
	x = _mm_xor_si128(x, _mm_cvtsi64_si128((long long)ports_isn_word(t, client_isn)));
	_mm_storeu_si128((__m128i *)(void *)pre->v, x);
}

/* m6 with AES: b3's second half (family, mode, data, VLAN ids) xored in, encrypted: the low 64 bits. */
static SW_AES_TARGET __attribute__((noinline)) uint64_t
hash_finish_aes6(const struct sw_aes128 *a, const struct sw_tuple *t, const struct cookie_pre *pre,
	uint32_t mode, uint32_t data)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)pre->v);

	x = _mm_xor_si128(x, _mm_set_epi64x((long long)aes_tail(t->family, t, mode, data), 0));
	return (uint64_t)_mm_cvtsi128_si64(sw_aes128_enc(a, x));
}
#endif

static __rte_always_inline void
hash_begin(const struct sw_cookie_keys *k, uint32_t parity, const struct sw_tuple *t,
	uint32_t client_isn, struct cookie_pre *pre, bool aes)
{
	const struct sw_cookie_key *key = &k->key[parity];
	struct sip_state s;
	uint64_t addrs;

	pre->v4 = is_v4_tuple(t);
	if (unlikely(!pre->v4)) {
#if SW_HAVE_AES
		if (aes) {
			hash_begin_aes6(&k->aes6[parity], t, client_isn, pre);
			return;
		}
#endif
		hash_begin_m6(key, t, client_isn, pre);
		return;
	}
	/* Bytes 0..7: both addresses; 8..15: ports and ISN. */
	addrs = (uint64_t)load_le32(t->src) | ((uint64_t)load_le32(t->dst) << 32);
#if SW_HAVE_AES
	if (aes) {
		hash_begin_aes(&k->aes[parity], addrs, ports_isn_word(t, client_isn), pre);
		return;
	}
#else
	RTE_SET_USED(aes);
#endif
	sip_init(&s, key->k0, key->k1);
	sip_compress(&s, addrs);
	sip_compress(&s, ports_isn_word(t, client_isn));
	pre_store(pre, &s);
}

static __rte_always_inline uint64_t
hash_finish(const struct sw_cookie_keys *k, uint32_t parity, const struct sw_tuple *t,
	const struct cookie_pre *pre, uint32_t mode, uint32_t data, bool aes)
{
	struct sip_state s;
	uint64_t tail;

	if (unlikely(!pre->v4)) {
#if SW_HAVE_AES
		if (aes)
			return hash_finish_aes6(&k->aes6[parity], t, pre, mode, data);
#endif
		return hash_finish_m6(t, pre, mode, data);
	}
	/* Bytes 16..22 of m4 (b2 for AES). */
	tail = aes_tail(4, t, mode, data);
#if SW_HAVE_AES
	if (aes)
		return hash_finish_aes(&k->aes[parity], pre, tail);
#else
	RTE_SET_USED(aes);
	RTE_SET_USED(k);
	RTE_SET_USED(parity);
#endif
	pre_load(pre, &s);
	return sip_finish(&s, tail | ((uint64_t)COOKIE_MSG_LEN_V4 << 56));
}

int
sw_cookie_master_init(struct sw_cookie_master *m)
{
	uint8_t buf[SW_COOKIE_KEY_LEN];
	size_t off = 0;

	while (off < sizeof(buf)) {
		ssize_t n = getrandom(buf + off, sizeof(buf) - off, 0);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			explicit_bzero(buf, sizeof(buf));
			return -err;
		}
		off += (size_t)n;
	}
	memcpy(m->key, buf, sizeof(m->key));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

void
sw_cookie_master_set(struct sw_cookie_master *m, const uint8_t key[SW_COOKIE_KEY_LEN])
{
	memcpy(m->key, key, sizeof(m->key));
}

/* SipHash-2-4(master, "synwall-epoch" || le32(epoch) || domain) */
static uint64_t
epoch_prf(const struct sw_cookie_master *m, uint32_t epoch, uint8_t domain)
{
	uint8_t msg[EPOCH_LABEL_LEN + 4 + 1];

	memcpy(msg, EPOCH_LABEL, EPOCH_LABEL_LEN);
	msg[EPOCH_LABEL_LEN + 0] = (uint8_t)epoch;
	msg[EPOCH_LABEL_LEN + 1] = (uint8_t)(epoch >> 8);
	msg[EPOCH_LABEL_LEN + 2] = (uint8_t)(epoch >> 16);
	msg[EPOCH_LABEL_LEN + 3] = (uint8_t)(epoch >> 24);
	msg[EPOCH_LABEL_LEN + 4] = domain;
	return sw_cookie_siphash24(m->key, msg, sizeof(msg));
}

void
sw_cookie_key_derive(const struct sw_cookie_master *m, uint32_t epoch, struct sw_cookie_key *out)
{
	out->k0 = epoch_prf(m, epoch, 0);
	out->k1 = epoch_prf(m, epoch, 1);
}

void
sw_cookie_aes_key_derive(const struct sw_cookie_master *m, uint32_t epoch, int family,
	uint8_t out[SW_COOKIE_KEY_LEN])
{
	/* Domains 2, 3: aes_key (m4, two blocks); 4, 5: aes6_key (m6, three blocks). */
	const uint8_t domain = family == 4 ? 2 : 4;

	for (unsigned half = 0; half < 2; half++) {
		uint64_t h = epoch_prf(m, epoch, (uint8_t)(domain + half));

		for (unsigned i = 0; i < 8; i++)
			out[8 * half + i] = (uint8_t)(h >> (8 * i));
	}
}

/* The keys of epoch into the slot of its parity. */
static void
slot_derive(struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch)
{
	sw_cookie_key_derive(m, epoch, &k->key[epoch & 1]);
	if (k->use_aes) {
		uint8_t key[SW_COOKIE_KEY_LEN];

		sw_cookie_aes_key_derive(m, epoch, 4, key);
		sw_aes128_expand(&k->aes[epoch & 1], key);
		sw_cookie_aes_key_derive(m, epoch, 6, key);
		sw_aes128_expand(&k->aes6[epoch & 1], key);
		explicit_bzero(key, sizeof(key));
	}
}

int
sw_cookie_keys_init_as(struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch,
	enum sw_cookie_hash kind)
{
	bool has_aes = sw_cpu_has_aes();

	if (kind == SW_COOKIE_HASH_AES && !has_aes)
		return -ENOTSUP;
	if (kind != SW_COOKIE_HASH_AUTO && kind != SW_COOKIE_HASH_AES &&
		kind != SW_COOKIE_HASH_SIPHASH)
		return -EINVAL;
	memset(k->aes, 0, sizeof(k->aes));
	memset(k->aes6, 0, sizeof(k->aes6));
	k->use_aes = kind == SW_COOKIE_HASH_AES || (kind == SW_COOKIE_HASH_AUTO && has_aes);
	slot_derive(k, m, epoch);
	slot_derive(k, m, epoch - 1);
	k->epoch = epoch;
	k->is_init = true;
	return 0;
}

void
sw_cookie_keys_init(struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch)
{
	(void)sw_cookie_keys_init_as(k, m, epoch, SW_COOKIE_HASH_AUTO);
}

void
sw_cookie_keys_update(struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch)
{
	if (likely(k->is_init && k->epoch == epoch))
		return;
	if (k->is_init && epoch == k->epoch + 1) {
		/* Slot of parity epoch & 1 held the keys of epoch - 2, now out of the window. */
		slot_derive(k, m, epoch);
		k->epoch = epoch;
		return;
	}
	if (k->is_init)
		(void)sw_cookie_keys_init_as(
			k, m, epoch, k->use_aes ? SW_COOKIE_HASH_AES : SW_COOKIE_HASH_SIPHASH);
	else
		sw_cookie_keys_init(k, m, epoch);
}

/* The second half of make: the options encoded, hashed after *pre (made in k->epoch, of parity). */
static __rte_always_inline uint32_t
cookie_finish(const struct sw_cookie_keys *k, uint32_t parity, const struct sw_tuple *t,
	const struct cookie_pre *pre, const struct sw_cookie_opts *o, uint32_t *tsval_low6,
	bool aes)
{
	uint32_t mss_idx = mss_quantise(fam_idx(t->family), o->mss);
	uint32_t sack = o->sack_perm;
	uint32_t ws;
	uint32_t cookie;
	uint32_t data;
	unsigned int shift;
	uint64_t h;

	/* RFC 7323 section 2.3: a shift above 14 is used as 14. */
	ws = o->wscale > SW_COOKIE_WSCALE_MAX ? SW_COOKIE_WSCALE_MAX : o->wscale;
	ws = o->has_wscale ? ws : SW_COOKIE_WSCALE_NONE;

	if (o->has_ts) {
		uint32_t low6 = (ws << SW_COOKIE_TSVAL_WSCALE_SHIFT) |
			(sack << SW_COOKIE_TSVAL_SACK_SHIFT) |
			((uint32_t)o->ecn << SW_COOKIE_TSVAL_ECN_SHIFT);

		cookie =
			(parity << SW_COOKIE_TS_PARITY_SHIFT) | (mss_idx << SW_COOKIE_TS_MSS_SHIFT);
		data = cookie | (low6 << SW_COOKIE_TS_HASH_SHIFT);
		shift = SW_COOKIE_TS_HASH_SHIFT;
		if (tsval_low6 != NULL)
			*tsval_low6 = low6;
	} else {
		cookie = (parity << SW_COOKIE_NOTS_PARITY_SHIFT) |
			(ws << SW_COOKIE_NOTS_WSCALE_SHIFT) | (sack << SW_COOKIE_NOTS_SACK_SHIFT) |
			(mss_idx << SW_COOKIE_NOTS_MSS_SHIFT);
		data = cookie;
		shift = SW_COOKIE_NOTS_HASH_SHIFT;
	}
	h = hash_finish(k, parity, t, pre, o->has_ts, data, aes);
	/* The low 32 - shift bits of the hash fill the cookie above the data bits. */
	return cookie | ((uint32_t)h << shift);
}

static __rte_always_inline uint32_t
cookie_make(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	const struct sw_cookie_opts *o, uint32_t *tsval_low6, bool aes)
{
	struct cookie_pre pre;

	hash_begin(k, k->epoch & 1, t, client_isn, &pre, aes);
	return cookie_finish(k, k->epoch & 1, t, &pre, o, tsval_low6, aes);
}

/* The options a cookie (with low6 = the TSecr's low bits in TS mode) decodes to, into *out. */
static __rte_always_inline void
cookie_decode(
	unsigned int f, uint32_t cookie, bool has_ts, uint32_t low6, struct sw_cookie_opts *out)
{
	uint32_t ws;
	uint32_t sack;

	if (has_ts) {
		ws = low6 >> SW_COOKIE_TSVAL_WSCALE_SHIFT;
		sack = (low6 >> SW_COOKIE_TSVAL_SACK_SHIFT) & 1;
	} else {
		ws = (cookie >> SW_COOKIE_NOTS_WSCALE_SHIFT) & 0xf;
		sack = (cookie >> SW_COOKIE_NOTS_SACK_SHIFT) & 1;
	}
	/* The MSS index is bits [1:0] in both modes. */
	out->mss = mss_tab[f][cookie & 3];
	out->has_wscale = ws != SW_COOKIE_WSCALE_NONE;
	out->wscale = (uint8_t)(out->has_wscale ? ws : 0);
	out->sack_perm = sack != 0;
	out->ecn = has_ts && ((low6 >> SW_COOKIE_TSVAL_ECN_SHIFT) & 1) != 0;
	out->has_ts = has_ts;
}

static __rte_always_inline int
cookie_check(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t cookie, bool has_ts, uint32_t tsecr, struct sw_cookie_opts *out, bool aes)
{
	uint32_t low6 = tsecr & SW_COOKIE_TSVAL_MASK;
	unsigned int shift = has_ts ? SW_COOKIE_TS_HASH_SHIFT : SW_COOKIE_NOTS_HASH_SHIFT;
	uint32_t data_mask = (UINT32_C(1) << shift) - 1;
	struct cookie_pre pre;
	uint32_t parity;
	uint32_t data;
	uint64_t h;

	parity = sw_cookie_parity(cookie, has_ts);
	data = has_ts ? (cookie & data_mask) | (low6 << SW_COOKIE_TS_HASH_SHIFT)
		      : cookie & data_mask;
	/* One hash, under the key of the epoch the parity bit names (e or e - 1). */
	hash_begin(k, parity, t, client_isn, &pre, aes);
	h = hash_finish(k, parity, t, &pre, has_ts, data, aes);
	if (((cookie ^ ((uint32_t)h << shift)) & ~data_mask) != 0)
		return -EINVAL;
	cookie_decode(fam_idx(t->family), cookie, has_ts, low6, out);
	return 0;
}

/*
 * Both instantiated twice: with the AES rounds inlined (an "aes" target
 * function) and without. The public functions only pick one: no clone with
 * the arguments unpacked, so that the pick is a plain tail call.
 */
#if defined(__clang__)
#define COOKIE_NOCLONE __attribute__((noinline))
#else
#define COOKIE_NOCLONE __attribute__((noinline, noclone))
#endif

#if SW_HAVE_AES
static SW_AES_TARGET COOKIE_NOCLONE uint32_t
cookie_make_aes(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	const struct sw_cookie_opts *o, uint32_t *tsval_low6)
{
	return cookie_make(k, t, client_isn, o, tsval_low6, true);
}

/* Requests per pass of make_bulk: its hash states live on the stack. */
#define BULK_CHUNK 32

/*
 * Two passes over the requests: every first half, then every second half.
 * Within a pass the hashes are independent, so the CPU overlaps them.
 */
static __rte_always_inline void
make_bulk(const struct sw_cookie_keys *k, const struct sw_cookie_req *req, unsigned int n,
	uint32_t *cookie, uint32_t *tsval_low6, bool aes)
{
	struct cookie_pre pre[BULK_CHUNK];
	const uint32_t parity = k->epoch & 1;

	for (unsigned int base = 0; base < n; base += BULK_CHUNK) {
		unsigned int m = RTE_MIN(n - base, (unsigned int)BULK_CHUNK);
		const struct sw_cookie_req *r = req + base;

		for (unsigned int i = 0; i < m; i++)
			hash_begin(k, parity, r[i].t, r[i].isn, &pre[i], aes);
		for (unsigned int i = 0; i < m; i++)
			cookie[base + i] = cookie_finish(
				k, parity, r[i].t, &pre[i], &r[i].o, &tsval_low6[base + i], aes);
	}
}

static SW_AES_TARGET COOKIE_NOCLONE void
make_bulk_aes(const struct sw_cookie_keys *k, const struct sw_cookie_req *req, unsigned int n,
	uint32_t *cookie, uint32_t *tsval_low6)
{
	make_bulk(k, req, n, cookie, tsval_low6, true);
}

#endif

/* Every check with SipHash keys. */
static COOKIE_NOCLONE int
cookie_check_sip(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t cookie, bool has_ts, uint32_t tsecr, struct sw_cookie_opts *out)
{
	return cookie_check(k, t, client_isn, cookie, has_ts, tsecr, out, false);
}

#if SW_HAVE_AES
/* The fast path below reads these fields as one little-endian word each. */
_Static_assert(offsetof(struct sw_tuple, dport) == offsetof(struct sw_tuple, sport) + 2,
	"sport, dport adjacent");
_Static_assert(offsetof(struct sw_tuple, pad) == offsetof(struct sw_tuple, family) + 1,
	"family, pad adjacent");
/* ... and finds the parity bit just below the hash field in both modes. */
_Static_assert(SW_COOKIE_NOTS_PARITY_SHIFT + 1 == SW_COOKIE_NOTS_HASH_SHIFT, "no-TS parity");
_Static_assert(SW_COOKIE_TS_PARITY_SHIFT + 1 == SW_COOKIE_TS_HASH_SHIFT, "TS parity");

/* The CBC-MAC of b1 and b2 = (tail, 0): the low 64 bits. */
static inline SW_AES_TARGET uint64_t
aes_mac2(const struct sw_aes128 *a, __m128i b1, uint64_t tail)
{
	__m128i x = sw_aes128_enc(a, b1);

	x = sw_aes128_enc(a, _mm_xor_si128(x, _mm_cvtsi64_si128((long long)tail)));
	return (uint64_t)_mm_cvtsi128_si64(x);
}

/* cookie_check_aes: 1 << the hash field's shift, [0] no-TS, [1] TS. */
static const uint32_t check_scale[2] = {
	UINT32_C(1) << SW_COOKIE_NOTS_HASH_SHIFT,
	UINT32_C(1) << SW_COOKIE_TS_HASH_SHIFT,
};

/*
 * cookie_check for AES keys and a tuple that takes the 44-byte message
 * (IPv6): the three blocks in line, branch-free up to the verdict as
 * cookie_check_aes below (with the generic code it cost 1.3 times as many
 * instructions). test_check_matches_reference holds it to the model.
 */
static SW_AES_TARGET COOKIE_NOCLONE int
cookie_check_aes6(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t cookie, bool has_ts, uint32_t tsecr, struct sw_cookie_opts *out)
{
	const uint32_t ts = has_ts, scale = check_scale[ts];
	/* The parity bit is the one below the hash field in both modes. */
	const struct sw_aes128 *a = (cookie * 2) & scale ? &k->aes6[1] : &k->aes6[0];
	const uint32_t low6 = tsecr & (SW_COOKIE_TSVAL_MASK & -ts);
	const uint32_t data = (cookie & (scale - 1)) | (low6 << SW_COOKIE_TS_HASH_SHIFT);
	__m128i x = sw_aes128_enc(a, _mm_loadu_si128((const __m128i *)(const void *)t->src));
	uint64_t h;

	x = sw_aes128_enc(
		a, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(const void *)t->dst)));
	x = _mm_xor_si128(x,
		_mm_set_epi64x((long long)aes_tail(t->family, t, ts, data),
			(long long)ports_isn_word(t, client_isn)));
	h = (uint64_t)_mm_cvtsi128_si64(sw_aes128_enc(a, x));
	if ((cookie ^ ((uint32_t)h * scale)) > scale - 1)
		return -EINVAL;
	cookie_decode(fam_idx(t->family), cookie, has_ts, low6, out);
	return 0;
}

/*
 * cookie_check for AES keys, written out for the IPv4 tuple: every forged
 * ACK of a flood comes here, so it is branch-free up to the verdict (the
 * 44-byte message is a tail call away) and keeps few values live: with the
 * generic code's branches, spills and stack frame it cost 1.5 times as many
 * instructions. Same message as hash_begin + hash_finish;
 * test_check_matches_reference compares the two on random inputs.
 */
static SW_AES_TARGET COOKIE_NOCLONE int
cookie_check_aes(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t cookie, bool has_ts, uint32_t tsecr, struct sw_cookie_opts *out)
{
	__m128i src = _mm_loadu_si128((const __m128i *)(const void *)t->src);
	__m128i dst = _mm_loadu_si128((const __m128i *)(const void *)t->dst);
	uint32_t ts, scale, low6, data, zero_bytes;
	const struct sw_aes128 *a;
	__m128i b1;
	uint64_t tail, h;

	/*
	 * is_v4_tuple in vector registers, whose addresses b1 reuses (the
	 * general-purpose ones are scarce here: each one more is one more saved
	 * and restored): a bit per address byte zero in both, bytes 4..15 must be.
	 */
	zero_bytes = (uint32_t)_mm_movemask_epi8(
		_mm_cmpeq_epi8(_mm_or_si128(src, dst), _mm_setzero_si128()));
	if (unlikely(t->family != 4 || (zero_bytes | 0xf) != 0xffff))
		return cookie_check_aes6(k, t, client_isn, cookie, has_ts, tsecr, out);
	/*
	 * 1 << the hash field's shift (8 no-TS, 3 TS): looked up rather than
	 * branched on (a flood picks the mode per packet), and multiplied by
	 * rather than shifted by (no variable shift, whose count must be in CL).
	 */
	ts = has_ts;
	scale = check_scale[ts];
	/* The parity bit is the one below the hash field in both modes. */
	a = (cookie * 2) & scale ? &k->aes[1] : &k->aes[0];
	/* The TSecr's low bits count in TS mode only. */
	low6 = tsecr & (SW_COOKIE_TSVAL_MASK & -ts);
	data = (cookie & (scale - 1)) | (low6 << SW_COOKIE_TS_HASH_SHIFT);
	/*
	 * b1: bytes 0..15 of m4, the first four of each address, then the ports
	 * as stored (read little-endian, as ports_isn_word) and the ISN.
	 */
	b1 = _mm_unpacklo_epi64(_mm_unpacklo_epi32(src, dst),
		_mm_unpacklo_epi32(_mm_cvtsi32_si128((int)load_le32(&t->sport)),
			_mm_cvtsi32_si128((int)client_isn)));
	/* b2: family 4, mode, data, then the VLAN ids: the three bytes after t->family. */
	tail = 4u | (ts << 8) | ((uint64_t)data << 16) |
		((uint64_t)(load_le32(&t->family) >> 8) << 32);
	h = aes_mac2(a, b1, tail);
	/* Some bit above the data bits differs: the value exceeds the data mask. */
	if ((cookie ^ ((uint32_t)h * scale)) > scale - 1)
		return -EINVAL;
	cookie_decode(0, cookie, has_ts, low6, out);
	return 0;
}
#endif

uint32_t
sw_cookie_make(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	const struct sw_cookie_opts *o, uint32_t *tsval_low6)
{
#if SW_HAVE_AES
	if (likely(k->use_aes))
		return cookie_make_aes(k, t, client_isn, o, tsval_low6);
#endif
	return cookie_make(k, t, client_isn, o, tsval_low6, false);
}

void
sw_cookie_make_bulk(const struct sw_cookie_keys *k, const struct sw_cookie_req *req, unsigned int n,
	uint32_t *cookie, uint32_t *tsval_low6)
{
#if SW_HAVE_AES
	if (likely(k->use_aes)) {
		make_bulk_aes(k, req, n, cookie, tsval_low6);
		return;
	}
#endif
	make_bulk(k, req, n, cookie, tsval_low6, false);
}

int
sw_cookie_check(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t cookie, bool has_ts, uint32_t tsecr, struct sw_cookie_opts *out)
{
#if SW_HAVE_AES
	if (likely(k->use_aes))
		return cookie_check_aes(k, t, client_isn, cookie, has_ts, tsecr, out);
#endif
	return cookie_check_sip(k, t, client_isn, cookie, has_ts, tsecr, out);
}

uint16_t
sw_cookie_mss_table(int family, unsigned int idx)
{
	if ((family != 4 && family != 6) || idx >= SW_COOKIE_MSS_ENTRIES)
		return 0;
	return mss_tab[fam_idx(family)][idx];
}

unsigned int
sw_cookie_mss_index(int family, uint16_t client_mss)
{
	return mss_quantise(fam_idx(family), client_mss);
}
