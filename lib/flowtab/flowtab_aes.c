/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow table's AES-NI keyed hash: the out-of-line hashes. */
#include "flowtab_internal.h"

#if SW_HAVE_AES
SW_AES_TARGET uint64_t
ft_hash_aes_v6(const struct sw_flowtab *ft, const struct sw_tuple *t)
{
	/* [sport dport family pad[0..2] 0 x 8] [src] [dst]: byte 12 of the first block is 0. */
	__m128i x =
		sw_aes128_enc(&ft->aes, _mm_loadl_epi64((const __m128i *)(const void *)&t->sport));

	x = sw_aes128_enc(
		&ft->aes, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(const void *)t->src)));
	x = sw_aes128_enc(
		&ft->aes, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(const void *)t->dst)));
	return (uint64_t)_mm_cvtsi128_si64(x);
}

SW_AES_TARGET uint64_t
ft_hash_aes(const struct sw_flowtab *ft, const struct sw_tuple *t)
{
	return tuple_hash_aes(ft, t);
}

#endif
