/* SPDX-License-Identifier: BSD-3-Clause */
/* AES-128 key schedule with AES-NI, one-block encryption, CPU check. */
#include <assert.h>
#include <string.h>

#include "sw_aes.h"

#if SW_HAVE_AES
/* One step of the key schedule: the previous round key and its aeskeygenassist word. */
#define AES_EXPAND_STEP(k, rcon) \
	do { \
		__m128i g_ = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k, rcon), 0xff); \
		k = _mm_xor_si128(k, _mm_slli_si128(k, 4)); \
		k = _mm_xor_si128(k, _mm_slli_si128(k, 4)); \
		k = _mm_xor_si128(k, _mm_slli_si128(k, 4)); \
		k = _mm_xor_si128(k, g_); \
	} while (0)

SW_AES_TARGET void
sw_aes128_expand(struct sw_aes128 *a, const uint8_t key[SW_AES128_KEY_LEN])
{
	__m128i *rk = (__m128i *)(void *)a->rk;
	__m128i k = _mm_loadu_si128((const __m128i *)(const void *)key);

	/* aeskeygenassist takes the round constant as an immediate: unrolled. */
	_mm_store_si128(&rk[0], k);
	AES_EXPAND_STEP(k, 0x01);
	_mm_store_si128(&rk[1], k);
	AES_EXPAND_STEP(k, 0x02);
	_mm_store_si128(&rk[2], k);
	AES_EXPAND_STEP(k, 0x04);
	_mm_store_si128(&rk[3], k);
	AES_EXPAND_STEP(k, 0x08);
	_mm_store_si128(&rk[4], k);
	AES_EXPAND_STEP(k, 0x10);
	_mm_store_si128(&rk[5], k);
	AES_EXPAND_STEP(k, 0x20);
	_mm_store_si128(&rk[6], k);
	AES_EXPAND_STEP(k, 0x40);
	_mm_store_si128(&rk[7], k);
	AES_EXPAND_STEP(k, 0x80);
	_mm_store_si128(&rk[8], k);
	AES_EXPAND_STEP(k, 0x1b);
	_mm_store_si128(&rk[9], k);
	AES_EXPAND_STEP(k, 0x36);
	_mm_store_si128(&rk[10], k);
}

SW_AES_TARGET void
sw_aes128_block(const struct sw_aes128 *a, const uint8_t in[16], uint8_t out[16])
{
	_mm_storeu_si128((__m128i *)(void *)out,
		sw_aes128_enc(a, _mm_loadu_si128((const __m128i *)(const void *)in)));
}

bool
sw_cpu_has_aes(void)
{
	return __builtin_cpu_supports("aes");
}
#else
void
sw_aes128_expand(struct sw_aes128 *a, const uint8_t key[SW_AES128_KEY_LEN])
{
	(void)key;
	memset(a, 0, sizeof(*a));
	assert(false);
}

void
sw_aes128_block(const struct sw_aes128 *a, const uint8_t in[16], uint8_t out[16])
{
	(void)a;
	(void)in;
	memset(out, 0, 16);
	assert(false);
}

bool
sw_cpu_has_aes(void)
{
	return false;
}
#endif
