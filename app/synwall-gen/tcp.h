/* SPDX-License-Identifier: BSD-3-Clause */
/* The generator's small TCP endpoint engine, shared by the clients and servers modes. */
#ifndef GEN_TCP_H
#define GEN_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>

#include "gen.h"
#include "sw_tcpopt.h"

/*
 * Deliberately simple TCP (RFC 9293 subset): no congestion control, a fixed
 * receive window, in-order receive only (out-of-order data is dropped and
 * re-ACKed), go-back-N retransmission on a backed-off timeout with a bounded
 * retry count, and a 1-byte zero-window probe (RFC 9293 section 3.8.6.1)
 * when the peer's window is zero - which is how a client gets through a SYN
 * proxy that answers with a zero window until the backend has accepted.
 */
enum gen_tcb_state {
	GEN_TCB_FREE = 0,
	GEN_TCB_SYN_SENT, /* client: SYN sent */
	GEN_TCB_SYN_RCVD, /* server: SYN-ACK sent */
	GEN_TCB_OPEN, /* synchronized: data and the FIN exchange */
	GEN_TCB_LINGER, /* done, active closer: re-ACK retransmitted FINs (TIME_WAIT) */
};

/* What the single per-connection timer is armed for. */
enum gen_tmr {
	GEN_TMR_NONE = 0,
	GEN_TMR_RTX, /* SYN, SYN-ACK, data or FIN outstanding */
	GEN_TMR_PROBE, /* data to send, peer window zero */
	GEN_TMR_IDLE, /* nothing outstanding: waiting for the peer */
	GEN_TMR_LINGER,
};

/* struct gen_tcb.flags */
#define GEN_TCB_F_TS (1u << 0) /* timestamps on every segment (both SYNs had them) */
#define GEN_TCB_F_SACK (1u << 1) /* SACK-permitted agreed (we never send blocks) */
#define GEN_TCB_F_WS (1u << 2) /* window scaling agreed: snd_ws / rcv_ws apply */
#define GEN_TCB_F_TX_GO (1u << 3) /* our stream may be sent (tx_len known) */
#define GEN_TCB_F_FIN_WANT (1u << 4) /* send FIN after the last data byte */
#define GEN_TCB_F_FIN_SENT (1u << 5) /* FIN sent (cleared again by a go-back) */
#define GEN_TCB_F_FIN_ACKED (1u << 6)
#define GEN_TCB_F_FIN_RCVD (1u << 7) /* peer FIN received in order */
#define GEN_TCB_F_ACK_NOW (1u << 8) /* an ACK is owed */
#define GEN_TCB_F_PENDING (1u << 9) /* on the deferred-ACK list */
#define GEN_TCB_F_USABLE (1u << 10) /* client: synchronized with a nonzero window */
#define GEN_TCB_F_ZERO_WIN (1u << 11) /* client: SYN-ACK came with window 0 */
#define GEN_TCB_F_ACTIVE_CLOSE (1u << 12) /* our FIN went out before the peer's came in */
#define GEN_TCB_F_SRV_CLOSE (1u << 13) /* the server closes first */
#define GEN_TCB_F_HDR_OK (1u << 14) /* server: request header received and valid */

/*
 * One connection (owner: the worker). Sequence numbers are absolute; our data
 * byte i has sequence iss + 1 + i, the peer's irs + 1 + i. Ports host
 * order.
 */
struct gen_tcb {
	struct gen_ip lip, rip; /* local and remote address */
	uint16_t lport, rport;
	uint8_t state; /* enum gen_tcb_state */
	uint8_t tmr; /* enum gen_tmr */
	uint8_t retries; /* timeouts since the last progress */
	uint8_t snd_ws; /* peer's window shift (applies to windows it sends) */
	uint8_t rcv_ws; /* our window shift (applies to windows we send) */
	uint8_t hdr_flags; /* server: request header flags */
	uint16_t flags; /* GEN_TCB_F_* */
	uint16_t mss; /* largest payload we send: min(our MSS, the peer's) */
	uint32_t iss, irs; /* initial sequence numbers, ours and the peer's */
	uint32_t snd_una, snd_nxt; /* oldest unacknowledged, next to send */
	uint32_t snd_max; /* highest sequence sent + 1 (first transmissions end here) */
	uint32_t snd_wnd; /* peer's window in bytes (scaled) */
	uint32_t rcv_nxt; /* next peer byte expected */
	uint32_t ts_recent; /* peer's last TSval (RFC 7323 section 4.3) */
	uint32_t tx_len; /* bytes of our stream */
	uint32_t rx_len; /* bytes of the peer's stream expected */
	uint32_t seed_tx, seed_rx; /* pattern seeds of both streams */
	uint32_t live_idx; /* position in gen_tcp.live */
	uint64_t open_tsc; /* SYN sent (client) / received (server) */
	uint64_t deadline_tsc; /* timer */
	struct rte_ether_addr peer_mac;
	uint8_t hdr[GEN_HDR_LEN]; /* server: request header as received */
};

/* One endpoint table: the clients' or the servers' (owner: the worker). */
struct gen_tcp {
	struct gen_worker *w;
	enum gen_role role;
	bool is_client;
	struct rte_hash *h; /* gen_tcp_key -> position = index into tcb[] */
	struct gen_tcb *tcb; /* cap entries */
	uint32_t cap;
	uint32_t *live; /* indexes of non-free entries, n_live of them */
	uint32_t n_live;
	uint32_t n_active; /* entries neither free nor lingering */
	uint32_t scan; /* timer scan cursor into live[] */
	/* Entries owing a deferred ACK: at most one per frame read in an iteration. */
	uint32_t pend[GEN_ROLE_MAX * GEN_RX_BURSTS * GEN_BURST_MAX];
	uint32_t n_pend;
};

/* Full addresses, IPv6 too: connections differing in any address byte are different. */
struct gen_tcp_key {
	struct gen_ip lip, rip;
	uint16_t lport, rport;
};
_Static_assert(sizeof(struct gen_tcp_key) == 36, "no padding: the whole key is hashed");

int gen_tcp_init(struct gen_tcp *e, struct gen_worker *w, enum gen_role role, const char *name);
void gen_tcp_fini(struct gen_tcp *e);
struct gen_tcb *gen_tcp_lookup(struct gen_tcp *e, const struct gen_ip *lip,
	const struct gen_ip *rip, uint16_t lport, uint16_t rport);
/* A zeroed entry keyed by the tuple, or NULL (table full). The caller sets it up. */
struct gen_tcb *gen_tcp_alloc(struct gen_tcp *e, const struct gen_ip *lip, const struct gen_ip *rip,
	uint16_t lport, uint16_t rport);
void gen_tcp_free(struct gen_tcp *e, struct gen_tcb *t);
/* Client: send the SYN of a fresh entry (tx_len, rx_len, seeds, peer_mac set). */
void gen_tcp_connect(struct gen_tcp *e, struct gen_tcb *t);
/* Server: answer the SYN at frame (options o) with a SYN-ACK from a fresh entry. */
void gen_tcp_accept(struct gen_tcp *e, struct gen_tcb *t, const uint8_t *frame,
	const struct sw_pkt_view *v, const struct sw_tcpopt *o);
/* Resend the SYN-ACK (the peer retransmitted its SYN). */
void gen_tcp_synack_again(struct gen_tcp *e, struct gen_tcb *t);
/* A segment (checksum verified) of connection t. */
void gen_tcp_input(struct gen_tcp *e, struct gen_tcb *t, const uint8_t *frame,
	const struct sw_pkt_view *v, const struct sw_tcpopt *o);
/* Expired timers (a slice of the table) and deferred ACKs. */
void gen_tcp_poll(struct gen_tcp *e);
/* RST answering a segment of no connection (RFC 9293 section 3.10.7.1); never to a RST. */
void gen_tcp_reply_rst(struct gen_worker *w, enum gen_role role, const uint8_t *frame,
	const struct sw_pkt_view *v);

#endif /* GEN_TCP_H */
