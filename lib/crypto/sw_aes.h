/* SPDX-License-Identifier: BSD-3-Clause */
/* AES-128 encryption with AES-NI: the block cipher under the flow table's hash and the IPv4 SYN cookie. */
#ifndef SW_AES_H
#define SW_AES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * AES-128 (FIPS-197) encryption only, with the AES-NI instructions. The code
 * is compiled for the "aes" target whatever the build's -march, and callers
 * run it only after sw_cpu_has_aes() said yes; a caller that inlines
 * sw_aes128_enc() must itself be an SW_AES_TARGET function. Elsewhere
 * (SW_HAVE_AES 0) callers use their portable keyed hash (SipHash).
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SW_HAVE_AES 1 /* compiled in; used when the CPU has AES-NI */
#else
#define SW_HAVE_AES 0
#endif

#define SW_AES128_KEY_LEN 16
#define SW_AES128_ROUNDS 10

/* An expanded AES-128 key: the 11 round keys (FIPS-197 section 5.2). */
struct sw_aes128 {
	uint64_t rk[SW_AES128_ROUNDS + 1][2] __attribute__((aligned(16)));
};

/* Whether the CPU has AES-NI (always false where SW_HAVE_AES is 0). */
bool sw_cpu_has_aes(void);

/* Expand key into a. Only where sw_cpu_has_aes(). */
void sw_aes128_expand(struct sw_aes128 *a, const uint8_t key[SW_AES128_KEY_LEN]);

/* out = AES-128 encryption of in under a (out of line; for tests and cold paths). */
void sw_aes128_block(const struct sw_aes128 *a, const uint8_t in[16], uint8_t out[16]);

#if SW_HAVE_AES
#include <wmmintrin.h>

#define SW_AES_TARGET __attribute__((target("aes")))

/* AES-128 encryption of one block: 10 rounds, 11 instructions. */
static inline SW_AES_TARGET __m128i
sw_aes128_enc(const struct sw_aes128 *a, __m128i x)
{
	const __m128i *rk = (const __m128i *)(const void *)a->rk;

	x = _mm_xor_si128(x, _mm_load_si128(&rk[0]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[1]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[2]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[3]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[4]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[5]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[6]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[7]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[8]));
	x = _mm_aesenc_si128(x, _mm_load_si128(&rk[9]));
	return _mm_aesenclast_si128(x, _mm_load_si128(&rk[10]));
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* SW_AES_H */
