/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4 building blocks shared by the generic hash and the fixed-layout cookie hash. */
#ifndef COOKIE_INTERNAL_H
#define COOKIE_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/*
 * SipHash-2-4 (Aumasson & Bernstein 2012): 2 SipRounds per 8-byte message
 * word, 4 in finalisation. The four 64-bit state words.
 */
struct sip_state {
	uint64_t v0;
	uint64_t v1;
	uint64_t v2;
	uint64_t v3;
};

static inline uint64_t
sip_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound (paper, section 2, figure 2.1). */
static inline void
sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = sip_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = sip_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = sip_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = sip_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = sip_rotl(s->v2, 32);
}

/* Initialisation: the key xor "somepseudorandomlygeneratedbytes". */
static inline void
sip_init(struct sip_state *s, uint64_t k0, uint64_t k1)
{
	s->v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	s->v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	s->v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	s->v3 = k1 ^ UINT64_C(0x7465646279746573);
}

/* Compression of one little-endian message word, c = 2 rounds. */
static inline void
sip_compress(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/*
 * Last word (remaining 0..7 bytes, little-endian, with (len mod 256) in the
 * top byte), then finalisation, d = 4 rounds.
 */
static inline uint64_t
sip_finish(struct sip_state *s, uint64_t last)
{
	sip_compress(s, last);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* Little-endian 64-bit load from any alignment. */
static inline uint64_t
sip_load_le64(const void *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return rte_le_to_cpu_64(x);
}

#endif /* COOKIE_INTERNAL_H */
