/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-flow state machine: open, backend SYN-ACK, teardown tracking, RST checks, timeouts. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sw_pkt.h"
#include "sw_tcpopt.h"

#include "sw_conn.h"
#include "conn_internal.h"

#define SEC_MS 1000u
#define DAY_MS (86400u * SEC_MS)

static const char *const state_names[SW_CONN_STATE_MAX] = {
	[SW_CONN_FREE] = "FREE",
	[SW_CONN_SYN_SENT] = "SYN_SENT",
	[SW_CONN_ESTABLISHED] = "ESTABLISHED",
	[SW_CONN_FIN_WAIT_1] = "FIN_WAIT_1",
	[SW_CONN_FIN_WAIT_2] = "FIN_WAIT_2",
	[SW_CONN_CLOSE_WAIT] = "CLOSE_WAIT",
	[SW_CONN_LAST_ACK] = "LAST_ACK",
	[SW_CONN_CLOSING] = "CLOSING",
	[SW_CONN_TIME_WAIT] = "TIME_WAIT",
	[SW_CONN_CLOSED] = "CLOSED",
};

static const char *const verdict_names[SW_CONN_V_MAX] = {
	[SW_CONN_V_FWD] = "fwd",
	[SW_CONN_V_DROP_INVALID] = "drop_invalid",
	[SW_CONN_V_RST_FWD] = "rst_fwd",
	[SW_CONN_V_RST_INWIN] = "rst_inwin",
	[SW_CONN_V_CHALLENGE_ACK] = "challenge_ack",
	[SW_CONN_V_DROP_EARLY] = "drop_early",
};

void
sw_conn_timeouts_default(struct sw_conn_timeouts *t)
{
	memset(t, 0, sizeof(*t));
	t->ms[SW_CONN_SYN_SENT] = 120 * SEC_MS;
	t->ms[SW_CONN_ESTABLISHED] = 5 * DAY_MS;
	t->ms[SW_CONN_FIN_WAIT_1] = 120 * SEC_MS;
	t->ms[SW_CONN_FIN_WAIT_2] = 120 * SEC_MS;
	t->ms[SW_CONN_CLOSE_WAIT] = 60 * SEC_MS;
	t->ms[SW_CONN_LAST_ACK] = 30 * SEC_MS;
	t->ms[SW_CONN_CLOSING] = 120 * SEC_MS;
	t->ms[SW_CONN_TIME_WAIT] = 120 * SEC_MS;
	t->ms[SW_CONN_CLOSED] = 10 * SEC_MS;
}

const char *
sw_conn_state_name(enum sw_conn_state s)
{
	if ((unsigned int)s >= SW_CONN_STATE_MAX)
		return "UNKNOWN";
	return state_names[s];
}

const char *
sw_conn_verdict_name(enum sw_conn_verdict v)
{
	if ((unsigned int)v >= SW_CONN_V_MAX)
		return "unknown";
	return verdict_names[v];
}

static inline uint32_t
fin_flag(enum sw_conn_dir d)
{
	return d == SW_DIR_C2S ? SW_CONN_F_FIN_C2S : SW_CONN_F_FIN_S2C;
}

static inline uint32_t
finack_flag(enum sw_conn_dir d)
{
	return d == SW_DIR_C2S ? SW_CONN_F_FINACK_C2S : SW_CONN_F_FINACK_S2C;
}

enum sw_conn_state
sw_conn_next_state_slow(const struct sw_conn *c)
{
	uint32_t f = c->flags;
	bool fin_c, fin_s, ack_c, ack_s;

	if (!(f & SW_CONN_F_OPEN))
		return SW_CONN_FREE;
	if (f & SW_CONN_F_CLOSED)
		return SW_CONN_CLOSED;
	if (!(f & SW_CONN_F_SPLICED))
		return SW_CONN_SYN_SENT;
	fin_c = f & SW_CONN_F_FIN_C2S;
	fin_s = f & SW_CONN_F_FIN_S2C;
	ack_c = f & SW_CONN_F_FINACK_C2S;
	ack_s = f & SW_CONN_F_FINACK_S2C;
	if (!fin_c && !fin_s)
		return SW_CONN_ESTABLISHED;
	if (!fin_s)
		return ack_c ? SW_CONN_FIN_WAIT_2 : SW_CONN_FIN_WAIT_1;
	if (!fin_c)
		return SW_CONN_CLOSE_WAIT;
	if (ack_c && ack_s)
		return SW_CONN_TIME_WAIT;
	/* A simultaneous close stays CLOSING until both FINs are ACKed. */
	return (f & SW_CONN_F_SIMUL) ? SW_CONN_CLOSING : SW_CONN_LAST_ACK;
}

static inline uint8_t
clamp_ws(uint8_t ws)
{
	return ws > CONN_WS_MAX ? CONN_WS_MAX : ws; /* RFC 7323 section 2.3 */
}

void
sw_conn_open(struct sw_conn *c, uint32_t client_isn, uint32_t cookie,
	const struct sw_conn_syn_opts *client, const struct sw_conn_syn_opts *adv,
	uint32_t client_tsval, uint32_t proxy_tsval, uint32_t client_win)
{
	struct sw_conn_half *hc = &c->half[SW_DIR_C2S];
	uint8_t state = c->state;
	uint32_t f = SW_CONN_F_OPEN;
	uint32_t w = client_win > 0xffff ? 0xffff : client_win;

	memset(c, 0, sizeof(*c));
	c->state = state; /* the flow table's */
	if (client->has_wscale) {
		f |= SW_CONN_F_CLI_WS;
		c->ws_cli = clamp_ws(client->wscale);
	}
	if (client->sack_perm)
		f |= SW_CONN_F_CLI_SACK;
	if (client->has_ts)
		f |= SW_CONN_F_CLI_TS;
	if (client->ecn)
		f |= SW_CONN_F_CLI_ECN;
	if (adv->has_wscale) {
		f |= SW_CONN_F_ADV_WS;
		c->ws_adv = clamp_ws(adv->wscale);
	}
	if (adv->sack_perm)
		f |= SW_CONN_F_ADV_SACK;
	if (adv->has_ts)
		f |= SW_CONN_F_ADV_TS;
	c->flags = f;
	c->mss = client->mss;
	c->cookie = cookie;
	c->proxy_tsval = proxy_tsval;
	c->client_isn = client_isn;
	c->client_tsval = client_tsval;

	/*
	 * The client has sent its SYN and the third ACK, and ACKed the proxy's
	 * SYN-ACK: server stream values are in proxy space until on_synack.
	 */
	hc->end = client_isn + 1;
	hc->ack = cookie + 1;
	hc->maxend = hc->ack + (w << conn_shift_own(c, SW_DIR_C2S));
}

/* Bytes a window field w of direction dir opens: the sender's meaning or the receiver's, larger. */
static uint32_t
win_bytes(const struct sw_conn *c, enum sw_conn_dir dir, uint16_t w)
{
	return conn_win_bytes(w, conn_shift_own(c, dir), conn_shift_view(c, dir));
}

/* Window field the sender of direction d would advertise now, as its receiver reads it. */
static uint16_t
win_field(const struct sw_conn *c, enum sw_conn_dir d)
{
	const struct sw_conn_half *h = &c->half[d];
	uint32_t v;

	if (!sw_seq_lt(h->ack, h->maxend))
		return 0;
	v = (h->maxend - h->ack) >> conn_shift_view(c, d);
	if (v == 0)
		return 1; /* open, if less than one unit: see conn_rescale() */
	return v > 0xffff ? 0xffff : (uint16_t)v;
}

/*
 * win_field() for a segment the proxy makes in the name of the sender of d,
 * which opens what the field tells its receiver: a window under one unit of
 * the receiver's shift goes out as one unit, more than half[d].maxend holds.
 * The edge moves there, so that the receiver's data within the window the
 * proxy itself gave it is not dropped as beyond it (the rule of maxend in
 * sw_conn.h: the larger of the sender's meaning and the receiver's).
 */
static uint16_t
win_field_open(struct sw_conn *c, enum sw_conn_dir d)
{
	struct sw_conn_half *h = &c->half[d];
	uint16_t w = win_field(c, d);
	uint32_t edge = h->ack + ((uint32_t)w << conn_shift_view(c, d));

	if (sw_seq_lt(h->maxend, edge))
		h->maxend = edge;
	return w;
}

/* The ACK completing the backend's handshake: seq, K + 1, TS from the client's clock. */
static void
synack_ack(struct sw_conn *c, const struct sw_tcpopt *synack, uint32_t seq, uint32_t client_tsval,
	struct sw_conn_seg *out)
{
	memset(out, 0, sizeof(*out));
	out->seq = seq;
	out->ack = c->cookie + c->seq_delta + 1; /* K + 1 */
	out->win = win_field_open(c, SW_DIR_C2S);
	if ((c->flags & SW_CONN_F_SRV_TS) && synack->has_ts) {
		out->has_ts = true;
		out->tsval = client_tsval; /* the client's clock, as in the SYN */
		out->tsecr = synack->tsval;
	}
}

/* The window update to the client right after the splice. */
static void
client_winupdate(struct sw_conn *c, const struct sw_tcpopt *synack, uint32_t client_tsval,
	struct sw_conn_seg *out)
{
	out->seq = c->cookie + 1;
	out->ack = c->half[SW_DIR_S2C].ack;
	out->win = win_field_open(c, SW_DIR_S2C);
	if (!conn_has(c, SW_CONN_F_CLI_TS | SW_CONN_F_ADV_TS))
		return;
	if (!(c->flags & SW_CONN_F_SRV_TS)) {
		out->has_ts = true;
		out->tsval = c->proxy_tsval;
	} else if (synack->has_ts) {
		out->has_ts = true;
		out->tsval = synack->tsval - c->ts_delta; /* == the proxy SYN-ACK's TSval */
	}
	out->tsecr = client_tsval;
}

int
sw_conn_on_synack(struct sw_conn *c, uint32_t seq, uint32_t ack, uint16_t win,
	const struct sw_tcpopt *o, struct sw_conn_seg *to_backend, struct sw_conn_seg *to_client)
{
	static const struct sw_tcpopt no_opts;
	struct sw_conn_half *hc = &c->half[SW_DIR_C2S];
	struct sw_conn_half *hs = &c->half[SW_DIR_S2C];
	enum sw_conn_state st = sw_conn_next_state(c);
	uint32_t f = c->flags;
	uint32_t shown, client_tsval;

	if (o == NULL)
		o = &no_opts;
	if (to_client != NULL)
		memset(to_client, 0, sizeof(*to_client));
	if (st != SW_CONN_SYN_SENT) {
		/*
		 * A retransmission: our ACK to the backend was lost (RFC 9293
		 * section 3.10.7.4). J is gone with the handshake fields; a
		 * retransmitted SYN-ACK still ACKs J + 1, which is never beyond
		 * what the client has sent.
		 */
		if ((f & SW_CONN_F_SPLICED) && st != SW_CONN_TIME_WAIT && st != SW_CONN_CLOSED &&
			seq == c->cookie + c->seq_delta && sw_seq_leq(ack, hc->end) &&
			sw_seq_leq(ack, hs->ack)) {
			if (to_backend != NULL)
				synack_ack(c, o, hc->end, o->tsecr, to_backend);
			return -EALREADY;
		}
		return -EINVAL;
	}
	/* RFC 9293 section 3.10.7.3: SND.UNA < SEG.ACK =< SND.NXT, i.e. exactly J + 1. */
	if (ack != c->client_isn + 1)
		return -EINVAL;

	/* The backend may only agree to what our SYN (the client's options) offered. */
	if (o->has_wscale && (f & SW_CONN_F_CLI_WS)) {
		f |= SW_CONN_F_SRV_WS;
		c->ws_srv = clamp_ws(o->wscale);
	}
	if (o->has_sack_perm && (f & SW_CONN_F_CLI_SACK))
		f |= SW_CONN_F_SRV_SACK;
	if (o->has_ts && (f & SW_CONN_F_CLI_TS)) {
		f |= SW_CONN_F_SRV_TS;
		c->ts_delta = o->tsval - c->proxy_tsval; /* RFC 7323 clocks wrap mod 2^32 */
	}
	c->flags = f | SW_CONN_F_SPLICED | SW_CONN_F_DELTA;
	c->flags |= conn_relay_mode(c); /* the options are final: sw_conn_relay()'s mode */
	c->seq_delta = seq - c->cookie;

	/* Rebase the client's ACK and window edge onto backend space; half[S2C] comes alive. */
	client_tsval = c->client_tsval;
	hc->ack += c->seq_delta;
	hc->maxend += c->seq_delta;
	hs->end = seq + 1; /* the SYN occupies one sequence number */
	hs->ack = ack;
	/* A SYN-ACK's window is not scaled (RFC 7323 section 2.2); the client gets it rescaled. */
	shown = (uint32_t)conn_rescale(win, 0, conn_shift_view(c, SW_DIR_S2C))
		<< conn_shift_view(c, SW_DIR_S2C);
	hs->maxend = ack + (shown > win ? shown : win);

	if (to_backend != NULL)
		synack_ack(c, o, hc->end, client_tsval, to_backend);
	if (to_client != NULL)
		client_winupdate(c, o, client_tsval, to_client);
	return 0;
}

/* SYN_SENT: only RSTs get through; the client is told window 0 and waits. */
static enum sw_conn_verdict
track_syn_sent(struct sw_conn *c, enum sw_conn_dir dir, uint8_t fl, uint32_t seq, uint32_t ack,
	uint16_t win)
{
	struct sw_conn_half *hc = &c->half[SW_DIR_C2S];
	uint32_t edge;

	if (dir == SW_DIR_S2C) {
		/* RFC 9293 section 3.10.7.3: in SYN-SENT a RST counts only if it ACKs our SYN. */
		if ((fl & SW_TCP_RST) && (fl & SW_TCP_ACK) && ack == c->client_isn + 1) {
			/*
			 * Backend refused. The client expects C + 1 (RFC 5961 section
			 * 3.2): make sw_conn_xlate() map the RST's seq there.
			 */
			c->seq_delta = seq - (c->cookie + 1);
			c->flags |= SW_CONN_F_DELTA | SW_CONN_F_CLOSED;
			return SW_CONN_V_RST_FWD;
		}
		return SW_CONN_V_DROP_INVALID; /* its SYN-ACK goes to sw_conn_on_synack() */
	}
	if (fl & SW_TCP_RST) {
		/* The client has sent nothing since the third ACK: exactly J + 1. */
		if (seq == c->client_isn + 1) {
			c->flags |= SW_CONN_F_CLOSED;
			return SW_CONN_V_RST_FWD;
		}
		return SW_CONN_V_DROP_INVALID;
	}
	if (fl & SW_TCP_SYN)
		return SW_CONN_V_DROP_EARLY; /* a late duplicate of its SYN */
	/* The proxy sent nothing but C: the only acceptable ACK is C + 1 (RFC 9293 3.10.7.4). */
	if (!(fl & SW_TCP_ACK) || ack != c->cookie + 1)
		return SW_CONN_V_DROP_INVALID;
	edge = ack + ((uint32_t)win << conn_shift_own(c, SW_DIR_C2S));
	if (sw_seq_lt(hc->maxend, edge))
		hc->maxend = edge;
	return SW_CONN_V_DROP_EARLY;
}

/*
 * RST on a spliced flow (RFC 5961 section 3.2). The receiver's RCV.NXT lies
 * between the last ACK it sent and the sender's SND.NXT: a RST in that range
 * is the exact match as far as an observer can tell; elsewhere in the
 * receiver's window it is passed on for the endpoint's challenge ACK.
 */
static enum sw_conn_verdict
track_rst(struct sw_conn *c, enum sw_conn_dir dir, uint32_t seq)
{
	const struct sw_conn_half *hd = &c->half[dir];
	const struct sw_conn_half *ho = &c->half[conn_other(dir)];

	if (sw_seq_lt(seq, ho->ack))
		return SW_CONN_V_DROP_INVALID;
	if (sw_seq_leq(seq, hd->end)) {
		c->flags |= SW_CONN_F_CLOSED;
		return SW_CONN_V_RST_FWD;
	}
	if (sw_seq_lt(seq, ho->maxend))
		return SW_CONN_V_RST_INWIN;
	return SW_CONN_V_DROP_INVALID;
}

enum sw_conn_verdict
sw_conn_track_slow(struct sw_conn *c, enum sw_conn_dir dir, uint8_t tcp_flags, uint32_t seq,
	uint32_t ack, uint32_t payload_len, uint16_t win)
{
	enum sw_conn_state st = sw_conn_next_state(c);
	enum sw_conn_dir od = conn_other(dir);
	struct sw_conn_half *hd, *ho;
	uint32_t ack_s, end, edge;
	bool fin = tcp_flags & SW_TCP_FIN;

	if (st == SW_CONN_FREE || payload_len > CONN_SEG_MAX ||
		((unsigned int)dir != SW_DIR_C2S && (unsigned int)dir != SW_DIR_S2C))
		return SW_CONN_V_DROP_INVALID;
	hd = &c->half[dir];
	ho = &c->half[od];
	if (st == SW_CONN_SYN_SENT)
		return track_syn_sent(c, dir, tcp_flags, seq, ack, win);
	if (!(c->flags & SW_CONN_F_SPLICED))
		return SW_CONN_V_DROP_INVALID; /* closed before the backend answered */
	if (tcp_flags & SW_TCP_RST)
		return track_rst(c, dir, seq);
	if (st == SW_CONN_CLOSED)
		return SW_CONN_V_DROP_INVALID;
	if (tcp_flags & SW_TCP_SYN) {
		/* RFC 5961 section 4.2; a client SYN in TIME_WAIT is a reopen (the caller's). */
		if (st == SW_CONN_TIME_WAIT)
			return SW_CONN_V_DROP_INVALID;
		return SW_CONN_V_CHALLENGE_ACK;
	}
	/* RFC 9293 section 3.10.7.4, fifth check: without ACK, drop. */
	if (!(tcp_flags & SW_TCP_ACK))
		return SW_CONN_V_DROP_INVALID;

	/* Stored spaces: the client's ACK is of the server stream, kept in backend space. */
	ack_s = dir == SW_DIR_C2S ? ack + c->seq_delta : ack;
	/*
	 * RFC 9293 section 3.10.7.4: SEG.ACK > SND.NXT acknowledges nothing
	 * sent; RFC 5961 section 5: SEG.ACK < SND.UNA - MAX.SND.WND is blind.
	 */
	if (sw_seq_lt(ho->end, ack_s) || sw_seq_lt(ack_s, hd->ack - CONN_WIN_MAX))
		return SW_CONN_V_DROP_INVALID;
	/*
	 * RFC 9293 section 3.10.7.4, first check: the segment must lie in the
	 * receive window; one byte more passes for a zero-window probe (RFC
	 * 9293 section 3.8.6.1). The edge is the highest the receiver ever
	 * advertised, as the sender or the receiver reads it, so nothing a
	 * well-behaved sender may send is dropped.
	 */
	end = seq + payload_len + (fin ? 1 : 0); /* a FIN occupies one sequence number */
	if (sw_seq_lt(ho->maxend + 1, end))
		return SW_CONN_V_DROP_INVALID;
	if (c->flags & fin_flag(dir)) {
		/*
		 * After a FIN nothing new may come (RFC 9293 section 3.6): data must
		 * end at or before the FIN's own number (hd->end - 1); a pure ACK
		 * may carry SND.NXT (hd->end); a retransmitted FIN must not move.
		 */
		if (fin ? end != hd->end : sw_seq_lt(payload_len > 0 ? hd->end - 1 : hd->end, end))
			return SW_CONN_V_DROP_INVALID;
	} else if (fin && sw_seq_lt(end, hd->end)) {
		return SW_CONN_V_DROP_INVALID; /* a FIN before bytes already seen */
	}

	/*
	 * Accepted. The ACK first: it may acknowledge the other side's FIN. A
	 * window counts only with an ACK not older than the last one (RFC 9293
	 * section 3.10.7.4, the SND.WL2 rule): an old segment's window is stale.
	 */
	if (sw_seq_leq(hd->ack, ack_s)) {
		hd->ack = ack_s;
		edge = ack_s + win_bytes(c, dir, win);
		if (sw_seq_lt(hd->maxend, edge))
			hd->maxend = edge;
	}
	if ((c->flags & fin_flag(od)) && sw_seq_leq(ho->end, hd->ack))
		c->flags |= finack_flag(od);

	if (sw_seq_lt(hd->end, end))
		hd->end = end;
	if (fin && !(c->flags & fin_flag(dir))) {
		c->flags |= fin_flag(dir);
		/* Both FINs out before the first is ACKed: simultaneous close. */
		if ((c->flags & fin_flag(od)) && !(c->flags & finack_flag(od)))
			c->flags |= SW_CONN_F_SIMUL;
	}
	return SW_CONN_V_FWD;
}

enum sw_conn_verdict
sw_conn_track(struct sw_conn *c, enum sw_conn_dir dir, uint8_t tcp_flags, uint32_t seq,
	uint32_t ack, uint32_t payload_len, uint16_t win)
{
	/* ESTABLISHED, ACK without SYN or RST (FIN allowed): the relay and the first FIN. */
	if ((c->flags & CONN_EST_MASK) == CONN_EST &&
		(tcp_flags & (SW_TCP_SYN | SW_TCP_RST | SW_TCP_ACK)) == SW_TCP_ACK &&
		payload_len <= CONN_SEG_MAX && (unsigned int)dir <= SW_DIR_S2C)
		return conn_track_est(c, dir, tcp_flags & SW_TCP_FIN, seq, ack, payload_len, win);
	return sw_conn_track_slow(c, dir, tcp_flags, seq, ack, payload_len, win);
}

bool
sw_conn_can_reopen(const struct sw_conn *c)
{
	enum sw_conn_state st = sw_conn_next_state(c);

	return st == SW_CONN_TIME_WAIT || st == SW_CONN_CLOSED;
}

bool
sw_conn_ack_seen(struct sw_conn *c, enum sw_conn_dir dir, uint32_t ack)
{
	struct sw_conn_half *hd, *ho;
	uint32_t ack_s;

	if ((c->flags & (SW_CONN_F_SPLICED | SW_CONN_F_CLOSED)) != SW_CONN_F_SPLICED ||
		((unsigned int)dir != SW_DIR_C2S && (unsigned int)dir != SW_DIR_S2C))
		return false;
	hd = &c->half[dir];
	ho = &c->half[conn_other(dir)];
	ack_s = dir == SW_DIR_C2S ? ack + c->seq_delta : ack;
	/* hd->maxend: the right edge dir advertised, which the other side's data must end by. */
	if (!sw_seq_lt(ho->end, ack_s) || sw_seq_lt(hd->maxend + 1, ack_s))
		return false;
	ho->end = ack_s;
	return true;
}

uint32_t
sw_conn_timeout_ms(const struct sw_conn *c, const struct sw_conn_timeouts *t)
{
	return t->ms[sw_conn_next_state(c)];
}

int
sw_conn_syn_retry(struct sw_conn *c, uint8_t max_retries)
{
	if (sw_conn_next_state(c) != SW_CONN_SYN_SENT)
		return -EINVAL;
	if (c->syn_retries >= max_retries) {
		c->flags |= SW_CONN_F_CLOSED;
		return -ETIMEDOUT;
	}
	c->syn_retries++;
	return 0;
}

void
sw_conn_abort(struct sw_conn *c)
{
	if (c->flags & SW_CONN_F_OPEN)
		c->flags |= SW_CONN_F_CLOSED;
}

void
sw_conn_client_syn_opts(const struct sw_conn *c, struct sw_conn_syn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mss = c->mss;
	o->has_wscale = c->flags & SW_CONN_F_CLI_WS;
	o->wscale = c->ws_cli;
	o->sack_perm = c->flags & SW_CONN_F_CLI_SACK;
	o->has_ts = c->flags & SW_CONN_F_CLI_TS;
	o->ecn = c->flags & SW_CONN_F_CLI_ECN;
}

void
sw_conn_challenge_ack(struct sw_conn *c, enum sw_conn_dir dir, struct sw_conn_seg *out)
{
	enum sw_conn_dir peer = conn_other(dir);
	const struct sw_conn_half *hp = &c->half[peer];

	memset(out, 0, sizeof(*out));
	if (!(c->flags & SW_CONN_F_SPLICED))
		return;
	out->seq = hp->end;
	out->ack = hp->ack;
	if (peer == SW_DIR_S2C)
		out->seq -= c->seq_delta; /* server stream, to the client: its view */
	out->win = win_field_open(c, peer);
}
