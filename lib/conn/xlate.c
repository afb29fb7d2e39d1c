/* SPDX-License-Identifier: BSD-3-Clause */
/* In-place translation of relayed segments: seq/ack, window, timestamps, SACK (RFC 1624 sums). */
#include <errno.h>
#include <string.h>

#include "sw_pkt.h"
#include "sw_tcpopt.h"

#include "sw_conn.h"
#include "conn_internal.h"

/* Store v (host order) at p, an even offset of the TCP header, and fix the checksum. */
static inline void
put32(uint8_t *p, uint32_t v, rte_be16_t *cksum)
{
	rte_be32_t o, n = rte_cpu_to_be_32(v);

	memcpy(&o, p, sizeof(o));
	memcpy(p, &n, sizeof(n));
	sw_csum_replace32(cksum, o, n);
}

static inline void
put16(uint8_t *p, uint16_t v, rte_be16_t *cksum)
{
	rte_be16_t o, n = rte_cpu_to_be_16(v);

	memcpy(&o, p, sizeof(o));
	memcpy(p, &n, sizeof(n));
	sw_csum_replace16(cksum, o, n);
}

int
sw_conn_xlate_slow(const struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint16_t tcph_len)
{
	uint8_t *opt = tcph + SW_TCP_HDR_MIN;
	struct sw_tcpopt o;
	rte_be16_t cksum;
	uint16_t w, nw;
	uint8_t fl;

	/* RFC 9293 section 3.1: data offset in 32-bit words, 5..15. */
	if (tcph_len < SW_TCP_HDR_MIN || tcph_len > SW_TCP_HDR_MAX ||
		(tcph[SW_TCP_OFF_DOFF] >> 4) * 4u != tcph_len)
		return -EINVAL;
	if ((unsigned int)dir != SW_DIR_C2S && (unsigned int)dir != SW_DIR_S2C)
		return -EINVAL;
	/* Parse before touching anything, so a malformed header is left as it was. */
	if (sw_tcpopt_parse(opt, tcph_len - SW_TCP_HDR_MIN, &o) != 0)
		return -EINVAL;

	memcpy(&cksum, tcph + SW_TCP_OFF_CSUM, sizeof(cksum)); /* tcph may be unaligned */
	fl = tcph[SW_TCP_OFF_FLAGS];
	if (dir == SW_DIR_S2C) {
		/* Server stream: backend space (K-based) -> the client's view (C-based). */
		if (c->flags & SW_CONN_F_DELTA)
			put32(tcph + SW_TCP_OFF_SEQ, sw_rd32(tcph + SW_TCP_OFF_SEQ) - c->seq_delta,
				&cksum);
		/* RFC 7323 section 3.2: TSval on the backend's clock -> the proxy's clock. */
		if (conn_ts_on(c) && o.has_ts)
			sw_tcpopt_set_ts(opt, &o, o.tsval - c->ts_delta, o.tsecr, &cksum);
	} else {
		/* The ACK field is meaningful only with ACK set (RFC 9293 section 3.1). */
		if ((c->flags & SW_CONN_F_DELTA) && (fl & SW_TCP_ACK))
			put32(tcph + SW_TCP_OFF_ACK, sw_rd32(tcph + SW_TCP_OFF_ACK) + c->seq_delta,
				&cksum);
		/* RFC 7323 section 3.2: TSecr is valid only with ACK set; echo on the backend's clock. */
		if (conn_ts_on(c) && o.has_ts && (fl & SW_TCP_ACK))
			sw_tcpopt_set_ts(opt, &o, o.tsval, o.tsecr + c->ts_delta, &cksum);
		/* RFC 2018 section 3: blocks are server stream numbers; none if never agreed. */
		if (o.n_sack > 0) {
			if (c->flags & SW_CONN_F_SRV_SACK)
				sw_tcpopt_sack_add(opt, &o, c->seq_delta, &cksum);
			else
				sw_tcpopt_sack_strip(opt, &o, &cksum);
		}
	}
	/* RFC 7323 section 2.2: the window of a SYN is never scaled. */
	if (!(fl & SW_TCP_SYN)) {
		w = sw_rd16(tcph + SW_TCP_OFF_WIN);
		nw = conn_win_xlate(c, dir, w);
		if (nw != w)
			put16(tcph + SW_TCP_OFF_WIN, nw, &cksum);
	}
	memcpy(tcph + SW_TCP_OFF_CSUM, &cksum, sizeof(cksum));
	return 0;
}

int
sw_conn_xlate(const struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint16_t tcph_len)
{
	int has_ts = conn_fixed_opts(tcph, tcph_len);
	uint16_t w, nw;
	uint8_t fl;

	if (has_ts < 0 || (unsigned int)dir > SW_DIR_S2C)
		return sw_conn_xlate_slow(c, dir, tcph, tcph_len);
	fl = tcph[SW_TCP_OFF_FLAGS];
	w = sw_rd16(tcph + SW_TCP_OFF_WIN);
	/* RFC 7323 section 2.2: the window of a SYN is never scaled. */
	nw = (fl & SW_TCP_SYN) ? w : conn_win_xlate(c, dir, w);
	conn_xlate_fixed(c, dir, tcph, fl, has_ts, w, nw);
	return 0;
}
