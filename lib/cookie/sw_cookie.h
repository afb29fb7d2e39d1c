/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies: stateless encoding of a client's SYN options into the proxy's ISN (and TSval). */
#ifndef SW_COOKIE_H
#define SW_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw_aes.h"
#include "sw_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * SYN cookies (RFC 4987 section 3.6)
 * ==================================
 *
 * When the proxy answers a SYN it keeps no state: everything it must remember
 * about the client's SYN is folded into the SYN-ACK's ISN (the "cookie") and,
 * when the client offered timestamps, into the low 6 bits of the SYN-ACK's
 * TSval. The third ACK gives both back (ack - 1, TSecr) and sw_cookie_check()
 * verifies and decodes them.
 *
 * Keys and epochs
 * ---------------
 * One 128-bit master key (getrandom(2)), immutable once set and shared
 * read-only by all workers. Time is cut into epochs; the caller computes the
 * epoch number (now / epoch_len). The key of epoch e is derived, so workers
 * share no mutable state:
 *
 *   key(e) = le64(SipHash-2-4(master, "synwall-epoch" || le32(e) || 0x00))
 *         || le64(SipHash-2-4(master, "synwall-epoch" || le32(e) || 0x01))
 *
 * ("synwall-epoch" is the 13 ASCII bytes without NUL; message length 18.)
 * Where cookies use AES (below), the epoch's two AES-128 keys are derived the
 * same way, with the domain bytes 0x02, 0x03 (IPv4 messages) and 0x04, 0x05
 * (the others):
 *
 *   aes_key(e)  = le64(SipHash-2-4(master, "synwall-epoch" || le32(e) || 0x02))
 *              || le64(SipHash-2-4(master, "synwall-epoch" || le32(e) || 0x03))
 *   aes6_key(e) = le64(SipHash-2-4(master, "synwall-epoch" || le32(e) || 0x04))
 *              || le64(SipHash-2-4(master, "synwall-epoch" || le32(e) || 0x05))
 *
 * Each worker caches key(e) and key(e - 1) in its own struct sw_cookie_keys,
 * in the slot of the epoch's parity (key[e & 1]), so a check selects the key
 * straight from the cookie's parity bit: one hash per make and per check.
 *
 * Validity window: a cookie made in epoch e verifies in epochs e and e + 1,
 * i.e. it lives between 1 and 2 epoch lengths. In e + 2 the parity slot holds
 * key(e + 2); in e - 1 (a cookie "from the future") it holds key(e - 2); both
 * mismatch. Epoch numbers wrap modulo 2^32, harmlessly.
 *
 * Cookie layout, no-TS mode (SYN-ACK without timestamp option)
 * -------------------------------------------------------------
 *
 *    31                                                8   7   6       3   2   1   0
 *   +----------------------------------------------------+---+-----------+---+-------+
 *   |                 hash (24 bits)                     | P |  wscale   | S |  MSS  |
 *   +----------------------------------------------------+---+-----------+---+-------+
 *
 *   P      epoch parity (e & 1)
 *   wscale client's window shift 0..14 (RFC 7323 section 2.3), 15 = no WS option
 *   S      client sent SACK-permitted (RFC 2018 section 2)
 *   MSS    index into the MSS table of the family (see below)
 *   ECN cannot be carried in this mode: check() reports ecn = false.
 *
 * Cookie layout, TS mode (client sent TS, SYN-ACK echoes it; RFC 7323 section 3)
 * -----------------------------------------------------------------------------
 *
 *    31                                                              3   2   1   0
 *   +----------------------------------------------------------------+---+-------+
 *   |                        hash (29 bits)                          | P |  MSS  |
 *   +----------------------------------------------------------------+---+-------+
 *
 *   SYN-ACK TSval (returned by the client as TSecr in the third ACK):
 *
 *    31                                                    6   5           2   1   0
 *   +--------------------------------------------------------+---------------+---+---+
 *   |              proxy clock, high 26 bits                 |    wscale     | S | E |
 *   +--------------------------------------------------------+---------------+---+---+
 *
 *   wscale, S as above; E: the SYN was ECN-setup (ECE and CWR, RFC 3168 section 6.1.1).
 *   The clock bits are not authenticated here (the caller may check them).
 *
 * Hash input
 * ----------
 * hash = SipHash-2-4(key(epoch of P), m), or on a CPU with AES-NI the AES
 * CBC-MACs below. The cookie's hash field is the low 24 (no-TS) or
 * 29 (TS) bits of the 64-bit hash. Inputs:
 *
 *   mode   0 = no-TS, 1 = TS
 *   data   (little-endian 16 bits)
 *            no-TS: cookie bits [7:0]            (P, wscale, S, MSS)
 *            TS:    cookie bits [2:0] | low6 << 3 (P, MSS, TSval bits [5:0])
 *   vlan   t->pad[0..2], the VLAN ids (zero when untagged)
 *
 * IPv4 tuple (family 4, address bytes 4..15 zero, as sw_pkt_tuple() makes
 * it): the 23-byte message m4, two SipHash compressions and the final word:
 *
 *   bytes  0..3   t->src[0..3]    (client address, network order)
 *   bytes  4..7   t->dst[0..3]    (server address)
 *   bytes  8..9   t->sport        (network order, as stored)
 *   bytes 10..11  t->dport        (network order, as stored)
 *   bytes 12..15  client_isn      (little-endian)
 *   byte  16      4               (family)
 *   byte  17      mode
 *   bytes 18..19  data
 *   bytes 20..22  vlan            (t->pad[0], t->pad[1], t->pad[2])
 *
 * IPv4 with AES-NI (struct sw_cookie_keys.use_aes, chosen once per cache:
 * sw_cpu_has_aes()): the same fields as two 16-byte blocks,
 *
 *   b1     bytes 0..15 of m4 (addresses, ports, client_isn)
 *   b2     byte 0: 4 (family), 1: mode, 2..3: data (little-endian),
 *          4..6: vlan, 7..15: zero
 *
 * and hash = the low 64 bits (little-endian) of the CBC-MAC
 * AES-128(aes_key(epoch of P), AES-128(aes_key(epoch of P), b1) xor b2).
 * Every message of this key is two blocks long, and CBC-MAC over messages
 * of one fixed length is a PRF when AES is a PRP (Bellare, Kilian, Rogaway,
 * "The security of the cipher block chaining message authentication code",
 * 2000); the key is used for nothing else. About 25 instructions instead
 * of SipHash-2-4's ~170 for the 23-byte message.
 *
 * Any other tuple (IPv6; or family 4 with stray address bytes): the 44-byte
 * message m6:
 *
 *   bytes  0..15  t->src          (client address)
 *   bytes 16..31  t->dst          (server address)
 *   bytes 32..33  t->sport        (network order, as stored)
 *   bytes 34..35  t->dport        (network order, as stored)
 *   bytes 36..39  client_isn      (little-endian)
 *   byte  40      t->family       (4 or 6)
 *   byte  41      mode
 *   bytes 42..43  data
 *
 * Without AES-NI: SipHash-2-4 of m6 with the VLAN ids as the 24-bit value
 * pad[0] << 16 | pad[1] << 8 | pad[2] in bytes 4..6 of SipHash's final
 * word, above the data (the length byte stays 44). With AES-NI: three
 * blocks,
 *
 *   b1     bytes 0..15 of m6 (t->src)
 *   b2     bytes 16..31 (t->dst)
 *   b3     bytes 32..43 (ports, client_isn, family, mode, data), then
 *          12..14: vlan (t->pad[0..2]), 15: zero
 *
 * and hash = the low 64 bits of their CBC-MAC under aes6_key(epoch of P):
 * AES(k, AES(k, AES(k, b1) xor b2) xor b3). Again every message of that key
 * has one length (three blocks), and the key is aes_key's sibling, not
 * aes_key itself: CBC-MAC over messages of two lengths under one key would
 * not be a PRF (a two-block tag extends to a three-block forgery). Per IPv6
 * cookie (bench_dp under callgrind) a make costs about 160 instructions and
 * a check 105, where SipHash-2-4 took 375 and 365.
 *
 * The SipHash messages' lengths differ, and the AES ones use different
 * keys, so an IPv4 and an IPv6 message never coincide; either way the same
 * 4-tuple in another VLAN gets another cookie. Because the data
 * bits are hashed, a captured cookie cannot be replayed with other options,
 * other parity or in the other mode: every accepted value has exactly one
 * hash per data pattern.
 *
 * Forgery probability
 * -------------------
 * An attacker who has not seen the SYN-ACK sends an ACK for a tuple and
 * client ISN of its choice (the ISN is just its seq - 1) and a guessed ack.
 * For one (tuple, client ISN, mode, TSecr) the number of accepted ack values
 * is exact, not statistical:
 *
 *   no-TS: 2 parities * 2^7 data patterns, one hash each = 256 values of 2^32
 *          -> 2^-24 per forged ACK
 *   TS:    2 parities * 2^2 data patterns                =   8 values of 2^32
 *          -> 2^-29 per forged ACK (for whatever TSecr the attacker chose)
 *
 * The data path checks a bare ACK that fails a second time as a zero-window
 * probe (seq = ISN, lib/dataplane/proxy_ack.c), which doubles the accepted
 * values per (tuple, seq): 512 without TS (2^-23), 16 with a TSecr fitted to
 * the proxy's clock (2^-28; any SYN-ACK shows the clock). The attacker picks
 * the mode per packet (by omitting the TS option), so the bound to plan with
 * is 2^-23: a blind flood of 14.88 Mpps (10 GbE, 64-byte frames) completes
 * about 1.8 spoofed handshakes per second, 148.8 Mpps (100 GbE) about 18 per
 * second. Each one only makes the proxy open one backend connection for a
 * spoofed client; rate-limit those accordingly. (Linux's syncookies are of
 * the same order.)
 * Guessing the keys instead is as hard as breaking SipHash-2-4 (or AES-128)
 * with a 128-bit key; epoch keys are PRF outputs of the master key, so
 * learning one epoch key reveals neither the master nor any other epoch key.
 *
 * MSS tables (2-bit index)
 * ------------------------
 *   IPv4 {536, 1300, 1460, 8960}, IPv6 {1220, 1360, 1440, 8940}.
 * The encoded entry is the largest one <= the client's MSS; below the
 * smallest, the smallest. A SYN without MSS option is taken as the RFC 9293
 * default (section 3.7.1): 536 for IPv4, 1220 for IPv6.
 *
 * Stale versus forged
 * -------------------
 * sw_cookie_check() never returns -ETIMEDOUT: telling an expired cookie from
 * a forged one would cost a second SipHash (under key(e - 2)) for every bad
 * ACK, i.e. double the work of an ACK flood. Both are -EINVAL.
 */

/* SipHash-2-4 key size and master key size in bytes. */
#define SW_COOKIE_KEY_LEN 16

/* Cookie field layout, no-TS mode (see the drawing above). */
#define SW_COOKIE_NOTS_HASH_SHIFT 8 /* hash bits [31:8] */
#define SW_COOKIE_NOTS_HASH_BITS 24
#define SW_COOKIE_NOTS_PARITY_SHIFT 7
#define SW_COOKIE_NOTS_WSCALE_SHIFT 3 /* 4 bits */
#define SW_COOKIE_NOTS_SACK_SHIFT 2
#define SW_COOKIE_NOTS_MSS_SHIFT 0 /* 2 bits */

/* Cookie field layout, TS mode. */
#define SW_COOKIE_TS_HASH_SHIFT 3 /* hash bits [31:3] */
#define SW_COOKIE_TS_HASH_BITS 29
#define SW_COOKIE_TS_PARITY_SHIFT 2
#define SW_COOKIE_TS_MSS_SHIFT 0 /* 2 bits */

/* TSval low bits in TS mode. */
#define SW_COOKIE_TSVAL_BITS 6
#define SW_COOKIE_TSVAL_MASK 0x3fu
#define SW_COOKIE_TSVAL_WSCALE_SHIFT 2 /* 4 bits */
#define SW_COOKIE_TSVAL_SACK_SHIFT 1
#define SW_COOKIE_TSVAL_ECN_SHIFT 0

/* Largest window shift (RFC 7323 section 2.3); the 4-bit field value 15 means "no WS option". */
#define SW_COOKIE_WSCALE_MAX 14
#define SW_COOKIE_WSCALE_NONE 15

/* Number of MSS table entries per family (2-bit index). */
#define SW_COOKIE_MSS_ENTRIES 4

/* Exact number of accepted ack values per (tuple, client ISN, mode, TSecr); see above. */
#define SW_COOKIE_NOTS_ACCEPTED 256u
#define SW_COOKIE_TS_ACCEPTED 8u

/*
 * The master key. Written once at start (sw_cookie_master_init or _set),
 * then read-only for every worker; never changed while workers run.
 */
struct sw_cookie_master {
	uint8_t key[SW_COOKIE_KEY_LEN];
};

/* One SipHash-2-4 key as two little-endian 64-bit words (k0 = bytes 0..7). */
struct sw_cookie_key {
	uint64_t k0;
	uint64_t k1;
};

/*
 * A worker's epoch key cache. Owner: one worker lcore, which alone reads and
 * writes it (sw_cookie_keys_update at the top of its loop, make/check per
 * packet). Before the first make/check, zero it and call sw_cookie_keys_update,
 * or call sw_cookie_keys_init: make/check do not test is_init.
 */
struct sw_cookie_keys {
	struct sw_aes128 aes[2]; /* aes[p]: aes_key of the epoch of parity p (use_aes only) */
	struct sw_aes128 aes6[2]; /* aes6[p]: aes6_key of the epoch of parity p (use_aes only) */
	struct sw_cookie_key key[2]; /* key[p]: key of the window's epoch of parity p */
	uint32_t epoch; /* current epoch: make() uses it; window is {epoch - 1, epoch} */
	bool is_init; /* key[] valid for epoch (false when zeroed) */
	bool use_aes; /* cookies are AES CBC-MACs (set at init, kept by update) */
};

/* Which hash cookies use (sw_cookie_keys_init_as). */
enum sw_cookie_hash {
	SW_COOKIE_HASH_AUTO = 0, /* AES where the CPU has AES-NI, else SipHash */
	SW_COOKIE_HASH_SIPHASH,
	SW_COOKIE_HASH_AES,
};

/* Client SYN options, as decoded by tcpopt (make input) or from a cookie (check output). */
struct sw_cookie_opts {
	uint16_t mss; /* make: client MSS, 0 = no option; check: the MSS table value */
	uint8_t wscale; /* window shift; make clamps > 14 to 14; check: 0 when !has_wscale */
	bool has_wscale; /* client sent a Window Scale option (RFC 7323 section 2) */
	bool sack_perm; /* client sent SACK-permitted (RFC 2018 section 2) */
	bool ecn; /* ECN-setup SYN (ECE|CWR, RFC 3168 section 6.1.1); kept in TS mode only */
	bool has_ts; /* client sent a timestamp option: TS-mode cookie (RFC 7323 section 3) */
};

/*
 * Fill the master key from getrandom(2), blocking until the kernel's pool is
 * seeded (early boot only). Returns 0, or -errno from getrandom (-ENOSYS
 * before Linux 3.17); the key is unchanged on error.
 */
int sw_cookie_master_init(struct sw_cookie_master *m);

/* Set the master key from given bytes (tests, or a key shared by a cluster of proxies). */
void sw_cookie_master_set(struct sw_cookie_master *m, const uint8_t key[SW_COOKIE_KEY_LEN]);

/* Derive key(epoch) from the master key (the formula above). */
void sw_cookie_key_derive(
	const struct sw_cookie_master *m, uint32_t epoch, struct sw_cookie_key *out);

/* Derive the AES key aes_key(epoch) (family 4) or aes6_key(epoch) (6), 16 bytes (formulas above). */
void sw_cookie_aes_key_derive(const struct sw_cookie_master *m, uint32_t epoch, int family,
	uint8_t out[SW_COOKIE_KEY_LEN]);

/*
 * Derive both window keys for epoch unconditionally (after start, or after a
 * master change), cookies with the hash of the CPU (AES-NI or not).
 */
void sw_cookie_keys_init(
	struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch);

/*
 * sw_cookie_keys_init with the hash chosen: -ENOTSUP (k untouched) when
 * AES is asked for on a CPU without AES-NI. Cookies of caches of different
 * kinds do not verify in each other: every worker of a proxy uses one kind.
 */
int sw_cookie_keys_init_as(struct sw_cookie_keys *k, const struct sw_cookie_master *m,
	uint32_t epoch, enum sw_cookie_hash kind);

/*
 * Make the cache current for epoch: no-op when unchanged, one derivation
 * when it advanced by one, two otherwise (jumps, or the clock going back).
 * A zeroed cache is initialised with sw_cookie_keys_init; an initialised one
 * keeps its kind.
 */
void sw_cookie_keys_update(
	struct sw_cookie_keys *k, const struct sw_cookie_master *m, uint32_t epoch);

/*
 * Compute the cookie (the proxy's ISN in its SYN-ACK) for a client SYN on
 * tuple t (client -> server) with sequence number client_isn and options o,
 * in the current epoch of k. In TS mode (o->has_ts) *tsval_low6 receives the
 * 6 bits to put in the SYN-ACK's TSval (see sw_cookie_tsval); tsval_low6 may
 * be NULL when !o->has_ts and is then left untouched.
 */
uint32_t sw_cookie_make(const struct sw_cookie_keys *k, const struct sw_tuple *t,
	uint32_t client_isn, const struct sw_cookie_opts *o, uint32_t *tsval_low6);

/* One SYN to answer, for sw_cookie_make_bulk. */
struct sw_cookie_req {
	const struct sw_tuple *t; /* client -> server */
	uint32_t isn; /* the client's */
	struct sw_cookie_opts o; /* what the cookie encodes */
};

/*
 * sw_cookie_make for n requests, in the current epoch of k: cookie[i] and,
 * in TS mode, tsval_low6[i] as sw_cookie_make(k, req[i].t, req[i].isn,
 * &req[i].o, &tsval_low6[i]) gives them (tsval_low6[i] untouched otherwise).
 * For a burst of SYNs: the hashes of different requests are independent, so
 * one loop over them overlaps their latencies (AES: ~30 cycles each, which a
 * single call leaves exposed), and a burst pays one call.
 */
void sw_cookie_make_bulk(const struct sw_cookie_keys *k, const struct sw_cookie_req *req,
	unsigned int n, uint32_t *cookie, uint32_t *tsval_low6);

/*
 * Verify the third ACK on tuple t: client_isn = its seq - 1, cookie = its
 * ack - 1, has_ts = it carries a timestamp option, tsecr = that option's
 * TSecr (ignored when !has_ts). Returns 0 and fills *out (mss = table value,
 * has_ts = has_ts) when the cookie was made for this tuple and ISN in epoch
 * k->epoch or k->epoch - 1; -EINVAL otherwise (forged, expired, or options
 * altered), leaving *out unspecified. out must not be NULL.
 */
int sw_cookie_check(const struct sw_cookie_keys *k, const struct sw_tuple *t, uint32_t client_isn,
	uint32_t cookie, bool has_ts, uint32_t tsecr, struct sw_cookie_opts *out);

/* The epoch parity bit of cookie, in TS mode (has_ts) or not: the layouts above. */
static inline uint32_t
sw_cookie_parity(uint32_t cookie, bool has_ts)
{
	return (cookie >> (has_ts ? SW_COOKIE_TS_PARITY_SHIFT : SW_COOKIE_NOTS_PARITY_SHIFT)) & 1;
}

/*
 * The epoch a cookie that sw_cookie_check() accepted was made in: k->epoch or
 * the one before, as its parity bit says.
 */
static inline uint32_t
sw_cookie_epoch(const struct sw_cookie_keys *k, uint32_t cookie, bool has_ts)
{
	return k->epoch - ((k->epoch & 1) != sw_cookie_parity(cookie, has_ts));
}

/*
 * MSS table entry idx (0..3) of family (4 or 6). Returns 0 for another family
 * or idx > 3.
 */
uint16_t sw_cookie_mss_table(int family, unsigned int idx);

/* MSS table index for a client MSS (0 = no option) in family (6 = IPv6, anything else IPv4). */
unsigned int sw_cookie_mss_index(int family, uint16_t client_mss);

/*
 * SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
 * 2012) of len bytes at msg under a 16-byte key; the 64-bit output as the
 * little-endian integer of the reference implementation's 8 output bytes.
 */
uint64_t sw_cookie_siphash24(const uint8_t key[SW_COOKIE_KEY_LEN], const void *msg, size_t len);

/* SYN-ACK TSval in TS mode: the caller's clock with its low 6 bits replaced by low6. */
static inline uint32_t
sw_cookie_tsval(uint32_t clock, uint32_t low6)
{
	return (clock & ~SW_COOKIE_TSVAL_MASK) | (low6 & SW_COOKIE_TSVAL_MASK);
}

#ifdef __cplusplus
}
#endif

#endif /* SW_COOKIE_H */
