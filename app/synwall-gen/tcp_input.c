/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP endpoint engine, segment input: handshake, RST, ACK and window, in-order data, FIN. */
#include <errno.h>
#include <string.h>

#include "tcp_internal.h"

/* Server: the 16-byte request header is complete. */
static int
parse_header(struct gen_tcb *t)
{
	uint32_t req = sw_rd32(t->hdr + 4), resp = sw_rd32(t->hdr + 8);

	if (memcmp(t->hdr, HDR_MAGIC, 4) != 0 || req < GEN_HDR_LEN || req > GEN_LEN_MAX ||
		resp > GEN_LEN_MAX || (t->hdr[12] & ~1) != 0)
		return -EBADMSG;
	t->rx_len = req;
	t->tx_len = resp;
	t->hdr_flags = t->hdr[12];
	if (t->hdr_flags & 1)
		t->flags |= F(SRV_CLOSE);
	t->flags |= F(HDR_OK);
	return 0;
}

/* In-order payload: verify it against the pattern (the server's header aside). */
static int
deliver(struct gen_tcp *e, struct gen_tcb *t, const uint8_t *data, uint32_t len)
{
	while (len > 0) {
		uint32_t off = t->rcv_nxt - t->irs - 1, n;

		if (!e->is_client && off < GEN_HDR_LEN) {
			n = RTE_MIN(len, GEN_HDR_LEN - off);
			memcpy(t->hdr + off, data, n);
			if (off + n == GEN_HDR_LEN && parse_header(t) != 0)
				return FAIL_proto;
		} else {
			n = len;
			if (off + n > t->rx_len || off + n < off)
				return FAIL_proto;
			if (gen_pattern_check(t->seed_rx, off, data, n) != 0)
				return FAIL_verify;
			gen_ctr_add(e->w, gen_tcp_rc[e->role].verified, n);
		}
		t->rcv_nxt += n;
		data += n;
		len -= n;
	}
	return -1;
}

/* What the application wants next: start sending, then when to close. */
static void
app_update(struct gen_tcp *e, struct gen_tcb *t)
{
	bool rx_done = (e->is_client || (t->flags & F(HDR_OK))) && rx_got(t) >= t->rx_len;

	if (e->is_client) {
		if (!(t->flags & F(FIN_WANT)) && rx_done &&
			(!(t->flags & F(SRV_CLOSE)) || (t->flags & F(FIN_RCVD))))
			t->flags |= F(FIN_WANT);
		return;
	}
	if (!(t->flags & F(TX_GO)) && rx_done)
		t->flags |= F(TX_GO);
	if ((t->flags & (F(TX_GO) | F(FIN_WANT))) == F(TX_GO) &&
		((t->flags & F(SRV_CLOSE)) || (t->flags & F(FIN_RCVD))))
		t->flags |= F(FIN_WANT);
}

static void
ack_later(struct gen_tcp *e, struct gen_tcb *t)
{
	t->flags |= F(ACK_NOW);
	if (t->flags & F(PENDING))
		return;
	if (e->n_pend == RTE_DIM(e->pend)) {
		gen_tcp_output(e, t, false);
		return;
	}
	t->flags |= F(PENDING);
	e->pend[e->n_pend++] = (uint32_t)(t - e->tcb);
}

/* SYN-ACK to our SYN (RFC 9293 section 3.10.7.3). */
static void
input_synack(struct gen_tcp *e, struct gen_tcb *t, uint32_t seq, uint32_t ack, uint16_t win,
	const struct sw_tcpopt *o)
{
	struct gen_worker *w = e->w;

	if (ack != t->iss + 1) {
		gen_ctr_add(w, GEN_CTR_rx_stray, 1);
		return;
	}
	gen_ctr_add(w, GEN_CTR_cli_synack, 1);
	t->irs = seq;
	t->rcv_nxt = seq + 1;
	t->snd_una = ack;
	gen_tcp_take_syn_opts(e, t, o, true);
	t->snd_wnd = win; /* never scaled in a SYN-ACK (RFC 7323 section 2.2) */
	t->state = GEN_TCB_OPEN;
	t->retries = 0;
	t->flags |= F(TX_GO);
	/* The third ACK goes alone, as Linux does: a SYN proxy turns it into the backend SYN. */
	gen_tcp_xmit(e, t, t->snd_nxt, SW_TCP_ACK, 0);
	if (win == 0) {
		t->flags |= F(ZERO_WIN);
		gen_ctr_add(w, GEN_CTR_cli_zero_win, 1);
	} else {
		t->flags |= F(USABLE);
		gen_hist_add(&w->hist[GEN_HIST_SETUP], ns_since(w, t->open_tsc));
	}
	app_update(e, t);
	gen_tcp_output(e, t, false);
	gen_tcp_arm(e, t, true);
}

/* RST: acceptable in SYN_SENT when it ACKs our SYN, else when in the receive window. */
static void
input_rst(struct gen_tcp *e, struct gen_tcb *t, uint32_t seq, uint32_t ack, uint8_t flags)
{
	bool ok;

	if (t->state == GEN_TCB_SYN_SENT)
		ok = (flags & SW_TCP_ACK) && ack == t->iss + 1;
	else
		ok = sw_seq_leq(t->rcv_nxt, seq) &&
			sw_seq_lt(seq, t->rcv_nxt + RTE_MAX(e->w->cfg->window_bytes, 1u));
	if (!ok) {
		gen_ctr_add(e->w, GEN_CTR_rx_stray, 1);
		return;
	}
	if (t->state == GEN_TCB_LINGER) {
		gen_tcp_free(e, t);
	} else if ((t->flags & (F(FIN_SENT) | F(FIN_RCVD))) == (F(FIN_SENT) | F(FIN_RCVD)) &&
		t->snd_una == data_end(t)) {
		/*
		 * LAST_ACK: everything exchanged, only our FIN's ACK missing, and
		 * the peer, past its TIME_WAIT, answers our retransmitted FIN with
		 * a RST. The connection did its work.
		 */
		t->flags |= F(FIN_ACKED);
		gen_tcp_complete(e, t);
		if (t->state == GEN_TCB_LINGER)
			gen_tcp_free(e, t);
	} else {
		/* A spoofed SYN's source that exists resets our SYN-ACK: a half-open, as a timeout. */
		if (t->state == GEN_TCB_SYN_RCVD)
			gen_ctr_add(e->w, GEN_CTR_srv_halfopen_reset, 1);
		gen_tcp_fail(e, t, FAIL_reset);
	}
}

/* ACK field of a synchronized connection; returns true when it acknowledged something new. */
static bool
input_ack(struct gen_tcp *e, struct gen_tcb *t, uint32_t ack, uint16_t win)
{
	struct gen_worker *w = e->w;
	bool acked = false;
	uint32_t wnd;

	if (sw_seq_lt(t->snd_nxt, ack)) {
		/* ACKs something never sent (RFC 9293 section 3.10.7.4): re-ACK, ignore. */
		ack_later(e, t);
		return false;
	}
	if (sw_seq_lt(t->snd_una, ack)) {
		t->snd_una = ack;
		t->retries = 0;
		acked = true;
		if ((t->flags & F(FIN_SENT)) && ack == data_end(t) + 1)
			t->flags |= F(FIN_ACKED);
	}
	if (ack != t->snd_una)
		return acked; /* an old ACK: its window is stale */
	wnd = (uint32_t)win << ((t->flags & F(WS)) ? t->snd_ws : 0);
	if (t->snd_wnd == 0 && wnd > 0) {
		/* A probe sent into the zero window was most likely dropped: go back. */
		t->snd_nxt = t->snd_una;
		if (e->is_client && (t->flags & F(ZERO_WIN)) && !(t->flags & F(USABLE)))
			gen_ctr_add(w, GEN_CTR_cli_win_open, 1);
		t->retries = 0;
	}
	t->snd_wnd = wnd;
	if (e->is_client && wnd > 0 && !(t->flags & F(USABLE))) {
		t->flags |= F(USABLE);
		gen_hist_add(&w->hist[GEN_HIST_SETUP], ns_since(w, t->open_tsc));
	}
	return acked;
}

void
gen_tcp_input(struct gen_tcp *e, struct gen_tcb *t, const uint8_t *frame,
	const struct sw_pkt_view *v, const struct sw_tcpopt *o)
{
	const uint8_t *tcph = frame + v->l4_off;
	const uint8_t *data = tcph + v->l4_len;
	uint32_t seq = sw_rd32(tcph + SW_TCP_OFF_SEQ);
	uint32_t ack = sw_rd32(tcph + SW_TCP_OFF_ACK);
	uint16_t win = sw_rd16(tcph + SW_TCP_OFF_WIN);
	uint8_t flags = v->tcp_flags;
	uint32_t len = v->payload_len;
	bool acked = false;
	int ret;

	if (flags & SW_TCP_RST) {
		input_rst(e, t, seq, ack, flags);
		return;
	}
	switch (t->state) {
	case GEN_TCB_SYN_SENT:
		if ((flags & (SW_TCP_SYN | SW_TCP_ACK)) == (SW_TCP_SYN | SW_TCP_ACK))
			input_synack(e, t, seq, ack, win, o);
		else
			gen_ctr_add(e->w, GEN_CTR_rx_stray, 1);
		return;
	case GEN_TCB_SYN_RCVD:
		if ((flags & (SW_TCP_SYN | SW_TCP_ACK)) == SW_TCP_SYN) {
			if (seq == t->irs)
				gen_tcp_synack_again(e, t);
			return;
		}
		if (!(flags & SW_TCP_ACK) || ack != t->iss + 1 || (flags & SW_TCP_SYN)) {
			gen_ctr_add(e->w, GEN_CTR_rx_stray, 1);
			return;
		}
		t->state = GEN_TCB_OPEN;
		t->snd_una = ack;
		t->retries = 0;
		t->tmr = GEN_TMR_NONE;
		gen_ctr_add(e->w, GEN_CTR_srv_accepted, 1);
		break;
	case GEN_TCB_LINGER:
		/* TIME_WAIT: a retransmitted FIN means our last ACK was lost. */
		if (flags & SW_TCP_FIN)
			gen_tcp_xmit(e, t, t->snd_nxt, SW_TCP_ACK, 0);
		return;
	case GEN_TCB_OPEN:
		if (flags & SW_TCP_SYN) {
			/* Retransmitted SYN-ACK: our third ACK was lost. */
			ack_later(e, t);
			return;
		}
		break;
	default:
		return;
	}
	if (!(flags & SW_TCP_ACK))
		return;
	if ((t->flags & F(TS)) && o->has_ts && sw_seq_leq(seq, t->rcv_nxt))
		t->ts_recent = o->tsval;
	acked = input_ack(e, t, ack, win);

	if (len > 0 || (flags & SW_TCP_FIN)) {
		if (sw_seq_lt(seq, t->rcv_nxt)) {
			uint32_t skip = t->rcv_nxt - seq;

			if (skip >= len + ((flags & SW_TCP_FIN) ? 1 : 0)) {
				ack_later(e, t); /* duplicate */
				goto out;
			}
			skip = RTE_MIN(skip, len);
			data += skip;
			len -= skip;
			seq += skip;
		}
		if (seq != t->rcv_nxt) {
			ack_later(e, t); /* out of order: dropped, the dup ACK asks again */
			goto out;
		}
		if (len > 0) {
			ret = deliver(e, t, data, len);
			if (ret >= 0) {
				gen_tcp_fail(e, t, (enum gen_tcp_fail)ret);
				return;
			}
			ack_later(e, t);
		}
		if ((flags & SW_TCP_FIN) && !(t->flags & F(FIN_RCVD))) {
			app_update(e, t);
			if (rx_got(t) < t->rx_len || (!e->is_client && !(t->flags & F(HDR_OK)))) {
				gen_tcp_fail(e, t, FAIL_proto); /* FIN before the whole message */
				return;
			}
			t->flags |= F(FIN_RCVD);
			t->rcv_nxt++;
			ack_later(e, t);
		}
	}
out:
	app_update(e, t);
	gen_tcp_output(e, t, false);
	if ((t->flags & (F(FIN_SENT) | F(FIN_ACKED) | F(FIN_RCVD))) ==
		(F(FIN_SENT) | F(FIN_ACKED) | F(FIN_RCVD))) {
		if (t->flags & F(ACK_NOW))
			gen_tcp_output(e, t, false); /* the ACK of the peer's FIN must not wait */
		gen_tcp_complete(e, t);
		return;
	}
	gen_tcp_arm(e, t, acked);
}
