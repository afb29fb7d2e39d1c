/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP endpoint engine: connection table, segment output, timers, close and failure. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "tcp_internal.h"

#define TIMER_SCAN 64 /* live entries whose timer is checked per poll */

const struct gen_tcp_role_ctrs gen_tcp_rc[GEN_ROLE_MAX] = {
	[GEN_ROLE_CLIENT] = {GEN_CTR_tx_client, GEN_CTR_cli_rtx, GEN_CTR_cli_failed,
		GEN_CTR_cli_fail_syn_timeout, GEN_CTR_cli_completed, GEN_CTR_cli_bytes_verified},
	[GEN_ROLE_SERVER] = {GEN_CTR_tx_server, GEN_CTR_srv_rtx, GEN_CTR_srv_failed,
		GEN_CTR_srv_fail_syn_timeout, GEN_CTR_srv_completed, GEN_CTR_srv_bytes_verified},
};

static void
set_active(struct gen_tcp *e)
{
	uint32_t *p = e->is_client ? &e->w->cli_active : &e->w->srv_active;

	__atomic_store_n(p, e->n_active, __ATOMIC_RELAXED);
}

int
gen_tcp_init(struct gen_tcp *e, struct gen_worker *w, enum gen_role role, const char *name)
{
	struct rte_hash_parameters hp;
	char hname[RTE_HASH_NAMESIZE];

	memset(e, 0, sizeof(*e));
	e->w = w;
	e->role = role;
	e->is_client = role == GEN_ROLE_CLIENT;
	e->cap = w->cfg->table_size;
	snprintf(hname, sizeof(hname), "gen_%s", name);
	memset(&hp, 0, sizeof(hp));
	hp.name = hname;
	hp.entries = e->cap;
	hp.key_len = sizeof(struct gen_tcp_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = (int)rte_socket_id();
	e->h = rte_hash_create(&hp);
	if (e->h == NULL)
		return -rte_errno;
	/* Positions rte_hash_add_key() returns are below entries: index tcb[] directly. */
	e->tcb = rte_zmalloc_socket("gen_tcb", (size_t)e->cap * sizeof(*e->tcb),
		RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	e->live = rte_zmalloc_socket("gen_live", (size_t)e->cap * sizeof(*e->live),
		RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (e->tcb == NULL || e->live == NULL) {
		gen_tcp_fini(e);
		return -ENOMEM;
	}
	return 0;
}

void
gen_tcp_fini(struct gen_tcp *e)
{
	rte_hash_free(e->h);
	rte_free(e->tcb);
	rte_free(e->live);
	e->h = NULL;
	e->tcb = NULL;
	e->live = NULL;
}

static void
make_key(struct gen_tcp_key *k, const struct gen_ip *lip, const struct gen_ip *rip, uint16_t lport,
	uint16_t rport)
{
	k->lip = *lip;
	k->rip = *rip;
	k->lport = lport;
	k->rport = rport;
}

struct gen_tcb *
gen_tcp_lookup(struct gen_tcp *e, const struct gen_ip *lip, const struct gen_ip *rip,
	uint16_t lport, uint16_t rport)
{
	struct gen_tcp_key k;
	int32_t pos;

	make_key(&k, lip, rip, lport, rport);
	pos = rte_hash_lookup(e->h, &k);
	if (pos < 0 || (uint32_t)pos >= e->cap)
		return NULL;
	return &e->tcb[pos];
}

struct gen_tcb *
gen_tcp_alloc(struct gen_tcp *e, const struct gen_ip *lip, const struct gen_ip *rip, uint16_t lport,
	uint16_t rport)
{
	struct gen_tcp_key k;
	struct gen_tcb *t;
	int32_t pos;

	make_key(&k, lip, rip, lport, rport);
	pos = rte_hash_add_key(e->h, &k);
	if (pos < 0)
		return NULL;
	if ((uint32_t)pos >= e->cap) {
		rte_hash_del_key(e->h, &k);
		return NULL;
	}
	t = &e->tcb[pos];
	memset(t, 0, sizeof(*t));
	t->lip = *lip;
	t->rip = *rip;
	t->lport = lport;
	t->rport = rport;
	t->live_idx = e->n_live;
	e->live[e->n_live++] = (uint32_t)pos;
	e->n_active++;
	set_active(e);
	return t;
}

void
gen_tcp_free(struct gen_tcp *e, struct gen_tcb *t)
{
	struct gen_tcp_key k;
	uint32_t last;

	if (t->state != GEN_TCB_LINGER) {
		e->n_active--;
		set_active(e);
	}
	make_key(&k, &t->lip, &t->rip, t->lport, t->rport);
	rte_hash_del_key(e->h, &k);
	/* Swap the last live entry into this one's place. */
	last = e->live[--e->n_live];
	e->live[t->live_idx] = last;
	e->tcb[last].live_idx = t->live_idx;
	t->state = GEN_TCB_FREE;
	t->flags = 0;
}

/* Receive window field for a segment (RFC 7323 section 2.3: SYNs are never scaled). */
static uint16_t
rcv_win(const struct gen_tcp *e, const struct gen_tcb *t, bool syn)
{
	uint32_t win = e->w->cfg->window_bytes;

	if (!syn && (t->flags & F(WS)))
		win >>= t->rcv_ws;
	return (uint16_t)RTE_MIN(win, 0xffffu);
}

static void
write_header(const struct gen_worker *w, uint8_t *hdr)
{
	const struct gen_cfg *cfg = w->cfg;

	memcpy(hdr, HDR_MAGIC, 4);
	sw_wr32(hdr + 4, cfg->request_bytes);
	sw_wr32(hdr + 8, cfg->response_bytes);
	hdr[12] = cfg->server_closes_first ? 1 : 0;
	hdr[13] = hdr[14] = hdr[15] = 0;
}

/*
 * Send one segment of t: seq, flags, and len bytes of our stream from seq
 * (SYN/SYN-ACK carry the SYN options, everything else the TS option when
 * agreed). The payload is regenerated from the pattern, so retransmissions
 * need no copy of what was sent.
 */
void
gen_tcp_xmit(struct gen_tcp *e, struct gen_tcb *t, uint32_t seq, uint8_t flags, uint32_t len)
{
	struct gen_worker *w = e->w;
	const struct gen_cfg *cfg = w->cfg;
	uint8_t opt[SW_TCP_OPT_MAX];
	struct rte_mbuf *m;
	struct gen_seg h;
	uint8_t *pl;

	h.src_mac = &w->port[e->role].mac;
	h.dst_mac = &t->peer_mac;
	h.sip = t->lip;
	h.dip = t->rip;
	h.sport = t->lport;
	h.dport = t->rport;
	h.seq = seq;
	h.ack = (flags & SW_TCP_ACK) ? t->rcv_nxt : 0;
	h.flags = flags;
	h.win = rcv_win(e, t, (flags & SW_TCP_SYN) != 0);
	if ((flags & (SW_TCP_SYN | SW_TCP_ACK)) == (SW_TCP_SYN | SW_TCP_ACK) &&
		cfg->synack_zero_win)
		h.win = 0; /* as a SYN proxy does; our data ACKs open the window */
	h.opt = opt;
	h.opt_len = 0;
	h.payload_len = (uint16_t)len;
	if (flags & SW_TCP_SYN) {
		struct sw_tcpopt_syn so;
		bool is_synack = (flags & SW_TCP_ACK) != 0;

		memset(&so, 0, sizeof(so));
		so.mss = cfg->mss;
		so.has_wscale = is_synack ? (t->flags & F(WS)) != 0 : cfg->wscale >= 0;
		so.wscale = (uint8_t)RTE_MAX(cfg->wscale, 0);
		so.has_sack_perm = is_synack ? (t->flags & F(SACK)) != 0 : cfg->sack;
		so.has_ts = is_synack ? (t->flags & F(TS)) != 0 : cfg->ts;
		so.tsval = w->now_ms;
		so.tsecr = is_synack ? t->ts_recent : 0;
		h.opt_len = sw_tcpopt_syn_build(opt, &so);
	} else if (t->flags & F(TS)) {
		h.opt_len = sw_tcpopt_ts_build(opt, w->now_ms, t->ts_recent);
	}
	m = gen_pkt_tcp(w, &h, &pl);
	if (m == NULL)
		return;
	if (len > 0) {
		uint32_t off = seq - t->iss - 1;

		gen_pattern_fill(t->seed_tx, off, pl, len);
		if (e->is_client && off < GEN_HDR_LEN) {
			uint8_t hdr[GEN_HDR_LEN];

			write_header(w, hdr);
			memcpy(pl, hdr + off, RTE_MIN(len, GEN_HDR_LEN - off));
		}
	}
	gen_pkt_tcp_finish(w, m);
	gen_tx(w, e->role, m, gen_tcp_rc[e->role].tx);
}

/*
 * Send what the window allows of our stream, then the FIN when wanted and
 * all data is out, then an owed ACK if nothing else carried one. With force,
 * at least one byte goes out even into a zero window (the probe).
 */
void
gen_tcp_output(struct gen_tcp *e, struct gen_tcb *t, bool force)
{
	uint32_t end = data_end(t);
	bool sent = false;

	if (t->state != GEN_TCB_OPEN)
		return;
	if (t->flags & F(TX_GO)) {
		while (sw_seq_lt(t->snd_nxt, end)) {
			uint32_t in_flight = t->snd_nxt - t->snd_una;
			uint32_t room = t->snd_wnd > in_flight ? t->snd_wnd - in_flight : 0;
			uint32_t len;
			uint8_t fl = SW_TCP_ACK;

			if (room == 0) {
				if (!force || sent)
					break;
				room = 1;
			}
			len = RTE_MIN((uint32_t)t->mss, end - t->snd_nxt);
			len = RTE_MIN(len, room);
			if (t->snd_nxt + len == end) {
				fl |= SW_TCP_PSH;
				if (t->flags & F(FIN_WANT))
					fl |= SW_TCP_FIN;
			}
			gen_tcp_xmit(e, t, t->snd_nxt, fl, len);
			t->snd_nxt += len;
			if (sw_seq_lt(t->snd_max, t->snd_nxt)) {
				if (e->is_client)
					gen_ctr_add(e->w, GEN_CTR_cli_bytes_tx,
						t->snd_nxt - t->snd_max);
				t->snd_max = t->snd_nxt;
			}
			if (fl & SW_TCP_FIN) {
				t->snd_nxt++;
				t->flags |= F(FIN_SENT);
				if (!(t->flags & F(FIN_RCVD)))
					t->flags |= F(ACTIVE_CLOSE);
			}
			sent = true;
		}
	}
	if ((t->flags & (F(TX_GO) | F(FIN_WANT) | F(FIN_SENT))) == (F(TX_GO) | F(FIN_WANT)) &&
		t->snd_nxt == end) {
		gen_tcp_xmit(e, t, t->snd_nxt, SW_TCP_FIN | SW_TCP_ACK, 0);
		t->snd_nxt++;
		t->flags |= F(FIN_SENT);
		if (!(t->flags & F(FIN_RCVD)))
			t->flags |= F(ACTIVE_CLOSE);
		sent = true;
	}
	if ((t->flags & F(ACK_NOW)) && !sent)
		gen_tcp_xmit(e, t, t->snd_nxt, SW_TCP_ACK, 0);
	t->flags &= (uint16_t)~F(ACK_NOW);
}

/* base << retries, capped at --rto-max-ms (RFC 6298 section 5.5 backoff). */
static uint64_t
backoff_ms(const struct gen_cfg *cfg, uint32_t base, uint8_t retries)
{
	uint64_t ms = (uint64_t)base << (retries < 20 ? retries : 20);
	uint64_t cap = RTE_MAX(cfg->rto_max_ms, base);

	return RTE_MIN(ms, cap);
}

static uint64_t
rto_tsc(const struct gen_tcp *e, const struct gen_tcb *t)
{
	return ms_tsc(e->w, backoff_ms(e->w->cfg, e->w->cfg->rto_ms, t->retries));
}

/* Re-arm the timer of an OPEN connection for what it waits on now. */
void
gen_tcp_arm(struct gen_tcp *e, struct gen_tcb *t, bool acked)
{
	struct gen_worker *w = e->w;
	enum gen_tmr k;
	uint64_t d;

	if (t->state != GEN_TCB_OPEN)
		return;
	if (t->snd_una != t->snd_nxt)
		k = GEN_TMR_RTX;
	else if ((t->flags & F(TX_GO)) && sw_seq_lt(t->snd_nxt, data_end(t)) && t->snd_wnd == 0)
		k = GEN_TMR_PROBE;
	else
		k = GEN_TMR_IDLE;
	if (k == t->tmr && !(k == GEN_TMR_RTX && acked) && k != GEN_TMR_IDLE)
		return;
	if (k == GEN_TMR_RTX)
		d = rto_tsc(e, t);
	else if (k == GEN_TMR_PROBE)
		d = ms_tsc(w, backoff_ms(w->cfg, w->cfg->probe_ms, t->retries));
	else
		d = ms_tsc(w, w->cfg->idle_ms);
	t->tmr = (uint8_t)k;
	t->deadline_tsc = w->now_tsc + d;
}

void
gen_tcp_fail(struct gen_tcp *e, struct gen_tcb *t, enum gen_tcp_fail cause)
{
	struct gen_worker *w = e->w;

	/* Tell the peer (and any middlebox holding state) unless it told us. */
	if (cause != FAIL_reset) {
		uint8_t fl = SW_TCP_RST;

		if (t->state != GEN_TCB_SYN_SENT)
			fl |= SW_TCP_ACK;
		gen_tcp_xmit(e, t, t->snd_nxt, fl, 0);
	}
	gen_ctr_add(w, gen_tcp_rc[e->role].failed, 1);
	gen_ctr_add(w, (enum gen_ctr)(gen_tcp_rc[e->role].fail0 + cause), 1);
	gen_tcp_free(e, t);
}

/* Both FINs exchanged and ours acknowledged. */
void
gen_tcp_complete(struct gen_tcp *e, struct gen_tcb *t)
{
	struct gen_worker *w = e->w;

	gen_ctr_add(w, gen_tcp_rc[e->role].completed, 1);
	if (e->is_client)
		gen_hist_add(&w->hist[GEN_HIST_CONN], ns_since(w, t->open_tsc));
	if (!(t->flags & F(ACTIVE_CLOSE))) {
		gen_tcp_free(e, t);
		return;
	}
	t->state = GEN_TCB_LINGER;
	e->n_active--;
	set_active(e);
	t->tmr = GEN_TMR_LINGER;
	t->deadline_tsc = w->now_tsc + ms_tsc(w, w->cfg->linger_ms);
}

void
gen_tcp_connect(struct gen_tcp *e, struct gen_tcb *t)
{
	struct gen_worker *w = e->w;

	t->iss = (uint32_t)rte_rand();
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->snd_nxt;
	t->state = GEN_TCB_SYN_SENT;
	t->open_tsc = w->now_tsc;
	if (w->cfg->server_closes_first)
		t->flags |= F(SRV_CLOSE);
	gen_tcp_xmit(e, t, t->iss, SW_TCP_SYN, 0);
	t->tmr = GEN_TMR_RTX;
	t->deadline_tsc = w->now_tsc + rto_tsc(e, t);
}

/* Options of the peer's SYN or SYN-ACK, as far as we offered them too. */
void
gen_tcp_take_syn_opts(
	struct gen_tcp *e, struct gen_tcb *t, const struct sw_tcpopt *o, bool we_offered)
{
	const struct gen_cfg *cfg = e->w->cfg;

	t->mss = RTE_MIN(cfg->mss, o->has_mss && o->mss > 0 ? o->mss : 536);
	if (o->has_wscale && cfg->wscale >= 0 && we_offered) {
		t->flags |= F(WS);
		t->snd_ws = o->wscale;
		t->rcv_ws = (uint8_t)cfg->wscale;
	}
	if (o->has_sack_perm && cfg->sack)
		t->flags |= F(SACK);
	if (o->has_ts && cfg->ts) {
		t->flags |= F(TS);
		t->ts_recent = o->tsval;
	}
}

void
gen_tcp_accept(struct gen_tcp *e, struct gen_tcb *t, const uint8_t *frame,
	const struct sw_pkt_view *v, const struct sw_tcpopt *o)
{
	struct gen_worker *w = e->w;
	const uint8_t *tcph = frame + v->l4_off;

	memcpy(&t->peer_mac, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	t->irs = sw_rd32(tcph + SW_TCP_OFF_SEQ);
	t->rcv_nxt = t->irs + 1;
	t->iss = (uint32_t)rte_rand();
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->snd_nxt;
	t->rx_len = GEN_HDR_LEN; /* until the header says more */
	t->seed_rx = gen_pattern_seed(w->cfg->family, &t->rip, &t->lip, t->rport, t->lport, false);
	t->seed_tx = gen_pattern_seed(w->cfg->family, &t->rip, &t->lip, t->rport, t->lport, true);
	gen_tcp_take_syn_opts(e, t, o, true);
	t->state = GEN_TCB_SYN_RCVD;
	t->open_tsc = w->now_tsc;
	gen_tcp_synack_again(e, t);
	t->tmr = GEN_TMR_RTX;
	t->deadline_tsc = w->now_tsc + rto_tsc(e, t);
}

void
gen_tcp_synack_again(struct gen_tcp *e, struct gen_tcb *t)
{
	gen_tcp_xmit(e, t, t->iss, SW_TCP_SYN | SW_TCP_ACK, 0);
}

static void
expire(struct gen_tcp *e, struct gen_tcb *t)
{
	struct gen_worker *w = e->w;
	uint8_t max = w->cfg->retries;

	switch (t->state) {
	case GEN_TCB_LINGER:
		gen_tcp_free(e, t);
		return;
	case GEN_TCB_SYN_SENT:
	case GEN_TCB_SYN_RCVD:
		if (++t->retries > max) {
			gen_tcp_fail(e, t, FAIL_syn_timeout);
			return;
		}
		if (t->state == GEN_TCB_SYN_SENT)
			gen_tcp_xmit(e, t, t->iss, SW_TCP_SYN, 0);
		else
			gen_tcp_synack_again(e, t);
		gen_ctr_add(w, gen_tcp_rc[e->role].rtx, 1);
		t->deadline_tsc = w->now_tsc + rto_tsc(e, t);
		return;
	case GEN_TCB_OPEN:
		break;
	default:
		return;
	}
	if (t->tmr == GEN_TMR_IDLE) {
		gen_tcp_fail(e, t, FAIL_idle_timeout);
		return;
	}
	if (++t->retries > max) {
		gen_tcp_fail(e, t, t->snd_wnd == 0 ? FAIL_win_timeout : FAIL_rtx_timeout);
		return;
	}
	if (t->tmr == GEN_TMR_PROBE) {
		if (e->is_client)
			gen_ctr_add(w, GEN_CTR_cli_probe, 1);
	} else {
		/* Go back N: resend from the oldest unacknowledged byte (or FIN). */
		t->snd_nxt = t->snd_una;
		if ((t->flags & F(FIN_SENT)) && !(t->flags & F(FIN_ACKED)))
			t->flags &= (uint16_t)~F(FIN_SENT);
		gen_ctr_add(w, gen_tcp_rc[e->role].rtx, 1);
	}
	gen_tcp_output(e, t, true);
	t->tmr = GEN_TMR_NONE;
	gen_tcp_arm(e, t, false);
}

void
gen_tcp_poll(struct gen_tcp *e)
{
	uint64_t now = e->w->now_tsc;
	uint32_t i, n;

	for (i = 0; i < e->n_pend; i++) {
		struct gen_tcb *t = &e->tcb[e->pend[i]];

		t->flags &= (uint16_t)~F(PENDING);
		if ((t->flags & F(ACK_NOW)) && t->state == GEN_TCB_OPEN)
			gen_tcp_output(e, t, false);
	}
	e->n_pend = 0;

	n = RTE_MIN(e->n_live, (uint32_t)TIMER_SCAN);
	for (i = 0; i < n && e->n_live > 0; i++) {
		struct gen_tcb *t;

		if (e->scan >= e->n_live)
			e->scan = 0;
		t = &e->tcb[e->live[e->scan]];
		if (t->tmr != GEN_TMR_NONE && (int64_t)(now - t->deadline_tsc) >= 0) {
			uint32_t before = e->n_live;

			expire(e, t);
			if (e->n_live < before)
				continue; /* freed: another entry moved into this slot */
		}
		e->scan++;
	}
}

void
gen_tcp_reply_rst(
	struct gen_worker *w, enum gen_role role, const uint8_t *frame, const struct sw_pkt_view *v)
{
	const uint8_t *tcph = frame + v->l4_off;
	uint8_t flags = v->tcp_flags;
	struct rte_ether_addr dst;
	struct rte_mbuf *m;
	struct gen_seg h;

	if (flags & SW_TCP_RST)
		return;
	memcpy(&dst, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memset(&h, 0, sizeof(h));
	h.src_mac = &w->port[role].mac;
	h.dst_mac = &dst;
	gen_pkt_addrs(frame, v, &h.dip, &h.sip);
	h.sport = sw_rd16(tcph + SW_TCP_OFF_DPORT);
	h.dport = sw_rd16(tcph + SW_TCP_OFF_SPORT);
	if (flags & SW_TCP_ACK) {
		h.seq = sw_rd32(tcph + SW_TCP_OFF_ACK);
		h.flags = SW_TCP_RST;
	} else {
		h.ack = sw_rd32(tcph + SW_TCP_OFF_SEQ) + v->payload_len +
			((flags & SW_TCP_SYN) ? 1 : 0) + ((flags & SW_TCP_FIN) ? 1 : 0);
		h.flags = SW_TCP_RST | SW_TCP_ACK;
	}
	m = gen_pkt_tcp(w, &h, NULL);
	if (m == NULL)
		return;
	gen_pkt_tcp_finish(w, m);
	gen_tx(w, role, m, GEN_CTR_rst_tx);
}
