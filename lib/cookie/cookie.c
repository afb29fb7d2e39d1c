/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookie keys, make and check (layouts and security argument in sw_cookie.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

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
 * SipHash-2-4 of the 44-byte message of sw_cookie.h: five full words, then
 * family, mode, data and the VLAN ids in the final word with the length. Out
 * of line, so that the IPv4 path needs no stack frame.
 */
static __attribute__((noinline)) uint64_t
cookie_hash_m6(const struct sw_cookie_key *key, const struct sw_tuple *t, uint64_t ports_isn,
	uint32_t mode, uint32_t data)
{
	struct sip_state s;
	uint64_t last;

	sip_init(&s, key->k0, key->k1);
	sip_compress(&s, sip_load_le64(&t->src[0]));
	sip_compress(&s, sip_load_le64(&t->src[8]));
	sip_compress(&s, sip_load_le64(&t->dst[0]));
	sip_compress(&s, sip_load_le64(&t->dst[8]));
	sip_compress(&s, ports_isn);
	/* Bytes 44..46 of the message: the VLAN ids of the tuple (zero when untagged). */
	last = ((uint64_t)COOKIE_MSG_LEN << 56) | (uint64_t)t->family | ((uint64_t)mode << 8) |
		((uint64_t)data << 16) |
		((uint64_t)((uint32_t)t->pad[0] << 16 | (uint32_t)t->pad[1] << 8 | t->pad[2])
			<< 32);
	return sip_finish(&s, last);
}

/*
 * SipHash-2-4 of the message of sw_cookie.h for this tuple: the 23-byte IPv4
 * message (two full words, then seven bytes and the length in the final
 * word), or the 44-byte one.
 */
static inline uint64_t
cookie_hash(const struct sw_cookie_key *key, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t mode, uint32_t data)
{
	struct sip_state s;
	uint64_t ports_isn;
	uint64_t last;

	/* The ports as stored (network order) read little-endian, then the ISN. */
	ports_isn = (uint64_t)rte_le_to_cpu_16(t->sport) |
		((uint64_t)rte_le_to_cpu_16(t->dport) << 16) | ((uint64_t)client_isn << 32);
	if (unlikely(!is_v4_tuple(t)))
		return cookie_hash_m6(key, t, ports_isn, mode, data);
	/* Bytes 0..7: both addresses; 8..15: ports and ISN; 16..22 and the length. */
	sip_init(&s, key->k0, key->k1);
	sip_compress(&s, (uint64_t)load_le32(t->src) | ((uint64_t)load_le32(t->dst) << 32));
	sip_compress(&s, ports_isn);
	last = ((uint64_t)COOKIE_MSG_LEN_V4 << 56) | 4u | ((uint64_t)mode << 8) |
		((uint64_t)data << 16) | ((uint64_t)t->pad[0] << 32) | ((uint64_t)t->pad[1] << 40) |
		((uint64_t)t->pad[2] << 48);
	return sip_finish(&s, last);
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

void
sw_cookie_key_derive(const struct sw_cookie_master *m, uint32_t epoch, struct sw_cookie_key *out)
{
	/* "synwall-epoch" || le32(epoch) || domain byte (0: k0, 1: k1) */
	uint8_t msg[EPOCH_LABEL_LEN + 4 + 1];

	memcpy(msg, EPOCH_LABEL, EPOCH_LABEL_LEN);
	msg[EPOCH_LABEL_LEN + 0] = (uint8_t)epoch;
	msg[EPOCH_LABEL_LEN + 1] = (uint8_t)(epoch >> 8);
	msg[EPOCH_LABEL_LEN + 2] = (uint8_t)(epoch >> 16);
	msg[EPOCH_LABEL_LEN + 3] = (uint8_t)(epoch >> 24);
	msg[EPOCH_LABEL_LEN + 4] = 0;
	out->k0 = sw_cookie_siphash24(m->key, msg, sizeof(msg));
	msg[EPOCH_LABEL_LEN + 4] = 1;
	out->k1 = sw_cookie_siphash24(m->key, msg, sizeof(msg));
}

void
sw_cookie_keys_init(struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch)
{
	sw_cookie_key_derive(m, epoch, &k->key[epoch & 1]);
	sw_cookie_key_derive(m, epoch - 1, &k->key[(epoch - 1) & 1]);
	k->epoch = epoch;
	k->is_init = true;
}

void
sw_cookie_keys_update(struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch)
{
	if (likely(k->is_init && k->epoch == epoch))
		return;
	if (k->is_init && epoch == k->epoch + 1) {
		/* Slot of parity epoch & 1 held key(epoch - 2), now out of the window. */
		sw_cookie_key_derive(m, epoch, &k->key[epoch & 1]);
		k->epoch = epoch;
		return;
	}
	sw_cookie_keys_init(k, m, epoch);
}

uint32_t
sw_cookie_make(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	const struct sw_cookie_opts *o, uint32_t *tsval_low6)
{
	uint32_t parity = k->epoch & 1;
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
	h = cookie_hash(&k->key[parity], t, client_isn, o->has_ts, data);
	/* The low 32 - shift bits of the hash fill the cookie above the data bits. */
	return cookie | ((uint32_t)h << shift);
}

int
sw_cookie_check(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t cookie, bool has_ts, uint32_t tsecr, struct sw_cookie_opts *out)
{
	uint32_t low6 = tsecr & SW_COOKIE_TSVAL_MASK;
	unsigned int shift = has_ts ? SW_COOKIE_TS_HASH_SHIFT : SW_COOKIE_NOTS_HASH_SHIFT;
	uint32_t data_mask = (UINT32_C(1) << shift) - 1;
	uint32_t parity;
	uint32_t data;
	uint32_t ws;
	uint32_t sack;
	uint64_t h;

	parity = sw_cookie_parity(cookie, has_ts);
	data = has_ts ? (cookie & data_mask) | (low6 << SW_COOKIE_TS_HASH_SHIFT)
		      : cookie & data_mask;
	/* One hash, under the key of the epoch the parity bit names (e or e - 1). */
	h = cookie_hash(&k->key[parity], t, client_isn, has_ts, data);
	if (((cookie ^ ((uint32_t)h << shift)) & ~data_mask) != 0)
		return -EINVAL;

	if (has_ts) {
		ws = low6 >> SW_COOKIE_TSVAL_WSCALE_SHIFT;
		sack = (low6 >> SW_COOKIE_TSVAL_SACK_SHIFT) & 1;
	} else {
		ws = (cookie >> SW_COOKIE_NOTS_WSCALE_SHIFT) & 0xf;
		sack = (cookie >> SW_COOKIE_NOTS_SACK_SHIFT) & 1;
	}
	/* The MSS index is bits [1:0] in both modes. */
	out->mss = mss_tab[fam_idx(t->family)][cookie & 3];
	out->has_wscale = ws != SW_COOKIE_WSCALE_NONE;
	out->wscale = (uint8_t)(out->has_wscale ? ws : 0);
	out->sack_perm = sack != 0;
	out->ecn = has_ts && ((low6 >> SW_COOKIE_TSVAL_ECN_SHIFT) & 1) != 0;
	out->has_ts = has_ts;
	return 0;
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
