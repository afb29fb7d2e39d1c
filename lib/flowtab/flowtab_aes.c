/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow table's AES-NI keyed hash: key schedule, out-of-line hashes, CPU check. */
#include <string.h>

#include <rte_common.h>
#include <rte_debug.h>

#include "flowtab_internal.h"

#if FT_HAVE_AES
FT_AES_TARGET uint64_t
ft_hash_aes_v6(const struct sw_flowtab *ft, const struct sw_tuple *t)
{
	/* [sport dport family pad[0..2] 0 x 8] [src] [dst]: byte 12 of the first block is 0. */
	__m128i x = ft_aes_enc(ft, _mm_loadl_epi64((const __m128i *)(const void *)&t->sport));

	x = ft_aes_enc(
		ft, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(const void *)t->src)));
	x = ft_aes_enc(
		ft, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(const void *)t->dst)));
	return (uint64_t)_mm_cvtsi128_si64(x);
}

FT_AES_TARGET uint64_t
ft_hash_aes(const struct sw_flowtab *ft, const struct sw_tuple *t)
{
	return tuple_hash_aes(ft, t);
}

#define AES_EXPAND_STEP(k, rcon) \
	do { \
		__m128i g_ = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k, rcon), 0xff); \
		k = _mm_xor_si128(k, _mm_slli_si128(k, 4)); \
		k = _mm_xor_si128(k, _mm_slli_si128(k, 4)); \
		k = _mm_xor_si128(k, _mm_slli_si128(k, 4)); \
		k = _mm_xor_si128(k, g_); \
	} while (0)

FT_AES_TARGET void
ft_aes_expand(struct sw_flowtab *ft, const uint8_t key[16])
{
	__m128i *rk = (__m128i *)(void *)ft->aes_rk;
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

FT_AES_TARGET void
ft_aes_block(const struct sw_flowtab *ft, const uint8_t in[16], uint8_t out[16])
{
	RTE_ASSERT(ft->hash_kind == FT_HASH_AES);
	_mm_storeu_si128((__m128i *)(void *)out,
		ft_aes_enc(ft, _mm_loadu_si128((const __m128i *)(const void *)in)));
}

bool
ft_cpu_has_aes(void)
{
	return __builtin_cpu_supports("aes");
}
#else
void
ft_aes_block(const struct sw_flowtab *ft, const uint8_t in[16], uint8_t out[16])
{
	RTE_SET_USED(ft);
	RTE_SET_USED(in);
	memset(out, 0, 16);
	RTE_ASSERT(false);
}

bool
ft_cpu_has_aes(void)
{
	return false;
}
#endif
