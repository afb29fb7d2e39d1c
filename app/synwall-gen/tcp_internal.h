/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by tcp.c (table, output, timers) and tcp_input.c (segment input). */
#ifndef GEN_TCP_INTERNAL_H
#define GEN_TCP_INTERNAL_H

#include "tcp.h"

#define HDR_MAGIC "SWG1"

#define F(x) GEN_TCB_F_##x

/* Failure causes: same order as GEN_FAIL_LIST, so cli/srv_fail_<first> + cause is the counter. */
#define FAIL_ENUM(n, h) FAIL_##n,
enum gen_tcp_fail { GEN_FAIL_LIST(FAIL_ENUM) FAIL_MAX };
#undef FAIL_ENUM

/* Counters of one role. */
struct gen_tcp_role_ctrs {
	enum gen_ctr tx, rtx, failed, fail0, completed, verified;
};
extern const struct gen_tcp_role_ctrs gen_tcp_rc[GEN_ROLE_MAX];

static inline uint64_t
ms_tsc(const struct gen_worker *w, uint64_t ms)
{
	return ms * w->hz / 1000;
}

/*
 * Nanoseconds since tsc (a past w->now_tsc). Whole seconds and the rest apart:
 * ticks * 10^9 in 64 bits wraps after 2^64 / 10^9 ticks, about 7 s at 2.6 GHz.
 */
static inline uint64_t
ns_since(const struct gen_worker *w, uint64_t tsc)
{
	uint64_t d = w->now_tsc - tsc;

	return d / w->hz * 1000000000ull + d % w->hz * 1000000000ull / w->hz;
}

/* Sequence number just past our last data byte: where the FIN goes. */
static inline uint32_t
data_end(const struct gen_tcb *t)
{
	return t->iss + 1 + t->tx_len;
}

/* Peer bytes received in order so far (the FIN excluded). */
static inline uint32_t
rx_got(const struct gen_tcb *t)
{
	return t->rcv_nxt - t->irs - 1 - ((t->flags & F(FIN_RCVD)) ? 1 : 0);
}

/* Send one segment: len bytes of our stream from seq, regenerated from the pattern. */
void gen_tcp_xmit(struct gen_tcp *e, struct gen_tcb *t, uint32_t seq, uint8_t flags, uint32_t len);
/* Data the window allows, the FIN when due, an owed ACK; force: at least one byte (probe). */
void gen_tcp_output(struct gen_tcp *e, struct gen_tcb *t, bool force);
/* Re-arm the timer of an OPEN connection for what it waits on; acked: progress was made. */
void gen_tcp_arm(struct gen_tcp *e, struct gen_tcb *t, bool acked);
/* Count the failure, RST the peer (unless it reset us), free the entry. */
void gen_tcp_fail(struct gen_tcp *e, struct gen_tcb *t, enum gen_tcp_fail cause);
/* Both FINs exchanged and ours ACKed: count, then linger (active closer) or free. */
void gen_tcp_complete(struct gen_tcp *e, struct gen_tcb *t);
/* Options of the peer's SYN or SYN-ACK, as far as we offered them too. */
void gen_tcp_take_syn_opts(
	struct gen_tcp *e, struct gen_tcb *t, const struct sw_tcpopt *o, bool we_offered);

#endif /* GEN_TCP_INTERNAL_H */
