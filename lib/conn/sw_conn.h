/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-flow SYN proxy state machine and client<->backend translation (no mbuf, no EAL). */
#ifndef SW_CONN_H
#define SW_CONN_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sw_tcpopt; /* sw_tcpopt.h */

/*
 * TCP state of a proxied connection, named from the client's side as Linux
 * conntrack does (RFC 9293 section 3.3.2 for the teardown states).
 * SW_CONN_FREE marks an unused flow-table slot.
 */
enum sw_conn_state {
	SW_CONN_FREE = 0,
	SW_CONN_SYN_SENT, /* cookie ACK validated, SYN sent to backend */
	SW_CONN_ESTABLISHED, /* backend SYN-ACK seen, halves spliced */
	SW_CONN_FIN_WAIT_1, /* client sent FIN, not yet ACKed by server */
	SW_CONN_FIN_WAIT_2, /* client FIN ACKed, server still open */
	SW_CONN_CLOSE_WAIT, /* server sent FIN, client still open */
	SW_CONN_LAST_ACK, /* both FINs sent, the second one not yet ACKed */
	SW_CONN_CLOSING, /* simultaneous close: both FINs in flight, neither ACKed */
	SW_CONN_TIME_WAIT, /* both FINs ACKed */
	SW_CONN_CLOSED, /* RST seen or backend refused; kept briefly to absorb stragglers */
	SW_CONN_STATE_MAX
};

/* Direction of a segment: client -> server (outside -> inside) or back. */
enum sw_conn_dir {
	SW_DIR_C2S = 0,
	SW_DIR_S2C = 1,
};

/*
 * What sw_conn_track() makes of one segment. Every value but FWD, RST_FWD and
 * RST_INWIN means "do not forward"; each maps to one drop/answer counter.
 */
enum sw_conn_verdict {
	/* Acceptable: translate with sw_conn_xlate() and forward. */
	SW_CONN_V_FWD = 0,
	/*
	 * Not acceptable, drop and count: out-of-window RST (RFC 5961 section 3.2),
	 * data or FIN beyond a FIN already seen, ACK of data never sent (RFC 9293
	 * section 3.10.7.4) or older than SND.UNA - 2^30 (RFC 5961 section 5),
	 * segment reaching beyond the receiver's window (+1 byte for a probe),
	 * segment without ACK, anything but an acceptable RST on a CLOSED flow.
	 */
	SW_CONN_V_DROP_INVALID,
	/*
	 * RST whose sequence number is where the receiver expects it (RFC 5961
	 * section 3.2: between the receiver's last ACK and the sender's last
	 * byte, i.e. the exact RCV.NXT as far as the proxy can know it):
	 * translate and forward; the flow is now CLOSED.
	 */
	SW_CONN_V_RST_FWD,
	/*
	 * RST inside the receiver's window but not at its expected point:
	 * translate and forward, state unchanged. The receiving end answers it
	 * with a challenge ACK (RFC 5961 section 3.2) and the genuine peer then
	 * resets exactly, which closes the flow; a blind attacker gets nothing.
	 */
	SW_CONN_V_RST_INWIN,
	/*
	 * SYN on a synchronized flow (RFC 5961 section 4.2): drop it and send
	 * its sender a challenge ACK built by sw_conn_challenge_ack() (rate
	 * limit those). A client SYN on a TIME_WAIT/CLOSED flow is not this:
	 * check sw_conn_can_reopen() before calling track.
	 */
	SW_CONN_V_CHALLENGE_ACK,
	/*
	 * Client segment while the backend handshake is still running
	 * (SYN_SENT; the client was told window 0): drop quietly, the client
	 * retransmits once the proxy sends its window update.
	 */
	SW_CONN_V_DROP_EARLY,
	SW_CONN_V_MAX
};

/*
 * Per-state idle timeouts in milliseconds (index: enum sw_conn_state). A
 * flow's deadline is now + sw_conn_timeout_ms() after each accepted segment.
 */
struct sw_conn_timeouts {
	uint32_t ms[SW_CONN_STATE_MAX]; /* ms[SW_CONN_FREE] is unused (0) */
};

/* SYN options of one side, as decoded from a cookie or advertised by the proxy. */
struct sw_conn_syn_opts {
	uint16_t mss; /* MSS option value, host order (RFC 9293 section 3.7.1) */
	uint8_t wscale; /* window shift, valid with has_wscale; > 14 is used as 14 (RFC 7323 2.3) */
	bool has_wscale; /* Window Scale option present (RFC 7323 section 2.2) */
	bool sack_perm; /* SACK-permitted present (RFC 2018 section 2) */
	bool has_ts; /* Timestamps option present (RFC 7323 section 3.2) */
	bool ecn; /* ECN-setup SYN, ECE|CWR (RFC 3168 section 6.1.1) */
};

/*
 * Bits of struct sw_conn.flags. CLI_* are the client's SYN options (from the
 * cookie), ADV_* what the proxy's SYN-ACK advertised to the client, SRV_*
 * what the backend's SYN-ACK agreed to. An option is in effect towards the
 * client when CLI_x and ADV_x are both set, towards the backend when CLI_x and
 * SRV_x are (the proxy's SYN to the backend carries the client's options).
 */
#define SW_CONN_F_OPEN (1u << 0) /* sw_conn_open() ran: the entry is a flow */
#define SW_CONN_F_SPLICED (1u << 1) /* backend SYN-ACK accepted; half[] valid */
#define SW_CONN_F_DELTA (1u << 2) /* seq_delta (and ts_delta if TS) valid */
#define SW_CONN_F_CLOSED (1u << 3) /* RST accepted, retries exhausted or aborted */
#define SW_CONN_F_SIMUL (1u << 4) /* simultaneous close: second FIN came before the first's ACK */
#define SW_CONN_F_CLI_WS (1u << 5) /* client SYN had Window Scale */
#define SW_CONN_F_CLI_SACK (1u << 6) /* client SYN had SACK-permitted */
#define SW_CONN_F_CLI_TS (1u << 7) /* client SYN had Timestamps */
#define SW_CONN_F_CLI_ECN (1u << 8) /* client SYN was ECN-setup */
#define SW_CONN_F_ADV_WS (1u << 9) /* proxy SYN-ACK had Window Scale (ws_adv) */
#define SW_CONN_F_ADV_SACK (1u << 10) /* proxy SYN-ACK had SACK-permitted */
#define SW_CONN_F_ADV_TS (1u << 11) /* proxy SYN-ACK had Timestamps (proxy_tsval) */
#define SW_CONN_F_SRV_WS (1u << 12) /* backend SYN-ACK had Window Scale (ws_srv) */
#define SW_CONN_F_SRV_SACK (1u << 13) /* backend SYN-ACK had SACK-permitted */
#define SW_CONN_F_SRV_TS (1u << 14) /* backend SYN-ACK had Timestamps (ts_delta valid) */
#define SW_CONN_F_FIN_C2S (1u << 15) /* client FIN seen: half[C2S].end is the FIN's end */
#define SW_CONN_F_FIN_S2C (1u << 16) /* server FIN seen: half[S2C].end is the FIN's end */
#define SW_CONN_F_FINACK_C2S (1u << 17) /* client FIN ACKed by the server */
#define SW_CONN_F_FINACK_S2C (1u << 18) /* server FIN ACKed by the client */
/*
 * Set by the caller: the client was agreed ECN, the backend declined it, so
 * the client's segments must leave Not-ECT (the data path's business, not
 * the library's). sw_conn_relay() leaves such a flow to the general path.
 */
#define SW_CONN_F_ECN_STRIP (1u << 23)
/*
 * Bits 19..22 and 24..31 are the library's own: what sw_conn_on_synack() derives from
 * the option bits above for the relay (conn_internal.h). Callers leave them
 * alone, as every other bit but SW_CONN_F_ECN_STRIP.
 */

/*
 * What the proxy has seen of one direction. Sequence spaces: every value
 * belonging to the client's byte stream is in client space (the client's own
 * numbers, J-based; identical on both wires, the backend got ISN J). Every
 * value belonging to the server's byte stream is in BACKEND space (K-based,
 * as on the inside wire); the client sees it minus seq_delta. Before the
 * backend SYN-ACK (SYN_SENT) half[C2S].ack and .maxend are in proxy space
 * (cookie-based) and half[S2C] is unused; sw_conn_on_synack() rebases them.
 */
struct sw_conn_half {
	/*
	 * Sender's highest sequence number sent + 1 (seq + payload length, + 1
	 * for a FIN): SND.NXT as the proxy saw it. Once this direction's FIN is
	 * seen it stops moving and is the sequence number that ACKs the FIN.
	 * Space: this direction's stream.
	 */
	uint32_t end;
	/*
	 * Highest ACK sent in this direction: the sender's RCV.NXT for the
	 * other stream, never beyond the other half's end. Space: the other
	 * direction's stream.
	 */
	uint32_t ack;
	/*
	 * Highest right window edge this sender advertised, ack + window in
	 * bytes (scaled; the larger of the sender's meaning and what the
	 * translated field tells the receiver): the other direction's segments
	 * must end by it (+1 for a zero-window probe). Space: the other
	 * direction's stream.
	 */
	uint32_t maxend;
};

/*
 * One proxied flow (owner: the worker that owns the flow table; dp: rw,
 * cp: ro via racy dumps). Callers read the fields but change them only
 * through this API, with one exception: `state` belongs to the flow table,
 * see sw_conn_next_state().
 */
struct sw_conn {
	/*
	 * enum sw_conn_state as last stored by the flow table
	 * (sw_flowtab_set_state()). This library never writes it and never
	 * reads it: the state it computes from the fields below is
	 * sw_conn_next_state(), which the caller copies here.
	 */
	uint8_t state;
	uint8_t ws_cli; /* client's window shift 0..14, valid with F_CLI_WS */
	uint8_t ws_adv; /* shift the proxy advertised to the client 0..14, valid with F_ADV_WS */
	uint8_t ws_srv; /* backend's window shift 0..14, valid with F_SRV_WS */
	uint32_t flags; /* SW_CONN_F_* */
	uint32_t cookie; /* proxy ISN C towards the client (its SYN-ACK seq) */
	/* Server stream translation: backend seq (K-based) - client-visible seq (C-based) = K - C. */
	uint32_t seq_delta;
	union {
		/* SYN_SENT, and later whenever !F_SRV_TS: TSval of the proxy's SYN-ACK. */
		uint32_t proxy_tsval;
		/* With F_SRV_TS: backend SYN-ACK TSval - proxy_tsval (RFC 7323 clocks, mod 2^32). */
		uint32_t ts_delta;
	};
	/*
	 * half[S2C] is unused until the backend's SYN-ACK (F_SPLICED): until then
	 * its bytes hold what only the handshake with the backend needs, and
	 * sw_conn_on_synack() overwrites them. 44 bytes in all keep a flow
	 * under 100 bytes (sw_flowtab.h).
	 */
	union {
		struct sw_conn_half half[2]; /* index: enum sw_conn_dir of the segments' sender */
		struct {
			struct sw_conn_half half_c2s_; /* half[SW_DIR_C2S]; use half[] */
			/* Until F_SPLICED only: */
			uint32_t client_isn; /* J, the client's ISN; third ACK seq = J + 1 */
			uint32_t
				client_tsval; /* client's TSval in the third ACK: the backend SYN's */
			uint16_t
				mss; /* client's MSS (decoded from the cookie): for the backend SYN */
			uint8_t syn_retries; /* backend SYN retransmissions so far */
			uint8_t pad; /* zero */
		};
	};
};

static_assert(sizeof(struct sw_conn) == 44, "sw_conn: 44 bytes + 48-byte flow header");
static_assert(offsetof(struct sw_conn, client_isn) == offsetof(struct sw_conn, half[SW_DIR_S2C]),
	"handshake-only fields share half[S2C]");

/*
 * A segment the proxy generates itself, host order; the caller builds the
 * packet. TS option only when has_ts (then NOP NOP TS, as every non-SYN
 * segment of a timestamped connection must carry it, RFC 7323 section 3.2).
 */
struct sw_conn_seg {
	uint32_t seq; /* sequence number, in the receiver's wire space */
	uint32_t ack; /* acknowledgment number (ACK flag set), receiver's wire space */
	uint32_t tsval; /* TSval, valid with has_ts */
	uint32_t tsecr; /* TSecr, valid with has_ts */
	uint16_t win; /* window field, already scaled for the receiver */
	bool has_ts; /* put a Timestamps option in the segment */
};

/*
 * Defaults close to Linux nf_conntrack_tcp: SYN_SENT 120 s (but the backend
 * SYN retry limit usually ends it first), ESTABLISHED 5 days, FIN_WAIT_1/2
 * 120 s (conntrack FIN_WAIT), CLOSE_WAIT 60 s, LAST_ACK 30 s, CLOSING 120 s
 * (conntrack keeps a simultaneous close in FIN_WAIT/CLOSE_WAIT-like states of
 * 120 s), TIME_WAIT 120 s (2 MSL, RFC 9293 section 3.4.2), CLOSED 10 s.
 */
void sw_conn_timeouts_default(struct sw_conn_timeouts *t);

/* "SYN_SENT", "ESTABLISHED", ...; "UNKNOWN" when out of range. Never NULL. */
const char *sw_conn_state_name(enum sw_conn_state s);

/* "fwd", "drop_invalid", ...; "unknown" when out of range. Never NULL. */
const char *sw_conn_verdict_name(enum sw_conn_verdict v);

/*
 * The state the flow is in according to its bookkeeping: FREE before open,
 * SYN_SENT until the backend SYN-ACK, then the teardown states from the FIN
 * flags, CLOSED after an accepted RST. Every function that takes a non-const
 * struct sw_conn may change it; the caller then stores it in c->state through
 * the flow table:
 *	ns = sw_conn_next_state(&f->conn);
 *	if (ns != f->conn.state)
 *		sw_flowtab_set_state(ft, f, ns);
 */
enum sw_conn_state sw_conn_next_state_slow(const struct sw_conn *c);

static inline enum sw_conn_state
sw_conn_next_state(const struct sw_conn *c)
{
	/* The common case first: spliced, open, no FIN, not closed. */
	if ((c->flags &
		    (SW_CONN_F_OPEN | SW_CONN_F_SPLICED | SW_CONN_F_CLOSED | SW_CONN_F_FIN_C2S |
			    SW_CONN_F_FIN_S2C)) == (SW_CONN_F_OPEN | SW_CONN_F_SPLICED))
		return SW_CONN_ESTABLISHED;
	return sw_conn_next_state_slow(c);
}

/*
 * The third ACK validated (ack = cookie + 1, seq = client_isn + 1): make c a
 * flow in SYN_SENT. client: options decoded from the cookie; adv: options the
 * proxy's SYN-ACK carried (wscale = ws_adv; its mss is not used);
 * client_tsval: TSval of the third ACK (the backend SYN carries it);
 * proxy_tsval: TSval of the proxy's SYN-ACK (the client's TSecr in the third
 * ACK); client_win: window field of the third ACK (scaled by the client's
 * shift when WS is in effect towards the client). Everything but c->state is
 * overwritten; c->state is left to the caller (now SYN_SENT).
 */
void sw_conn_open(struct sw_conn *c, uint32_t client_isn, uint32_t cookie,
	const struct sw_conn_syn_opts *client, const struct sw_conn_syn_opts *adv,
	uint32_t client_tsval, uint32_t proxy_tsval, uint32_t client_win);

/*
 * Backend SYN-ACK (SYN and ACK set; the caller checks the flags) with seq,
 * ack, window field (never scaled in a SYN, RFC 7323 section 2.2) and parsed
 * options o (NULL = none). In SYN_SENT: ack must be exactly client_isn + 1
 * (RFC 9293 section 3.10.7.3), else -EINVAL and nothing changes (RFC 9293:
 * answer <SEQ=SEG.ACK><CTL=RST> to the backend); on success record K = seq,
 * seq_delta, ts_delta and the backend's options; the flow is ESTABLISHED.
 * A retransmitted SYN-ACK (seq K again, ack not beyond what the client sent)
 * once spliced and not yet in TIME_WAIT/CLOSED returns -EALREADY.
 * Anything else: -EINVAL.
 *
 * What to send, filled on 0 and -EALREADY (either pointer may be NULL):
 * to_backend: the proxy's ACK completing the backend's handshake, seq J + 1
 * (the client's SND.NXT on a retransmission), ack K + 1, the client's window
 * rescaled; TS when the backend agreed: TSval = the SYN-ACK's TSecr (the
 * client's clock, as the backend saw it in its SYN), TSecr = its TSval.
 * to_client (on 0 only; zeroed on -EALREADY): the window update, seq C + 1,
 * ack J + 1, the SYN-ACK's window rescaled for the client; TS when in effect
 * towards the client: TSval = the proxy SYN-ACK's, TSecr = client_tsval.
 * Handshake-only fields (client_isn, client_tsval, mss, syn_retries) are gone
 * after a 0 return: half[S2C] takes their place.
 */
int sw_conn_on_synack(struct sw_conn *c, uint32_t seq, uint32_t ack, uint16_t win,
	const struct sw_tcpopt *o, struct sw_conn_seg *to_backend, struct sw_conn_seg *to_client);

/*
 * Account one segment (not a backend SYN-ACK, see sw_conn_on_synack()) for
 * the teardown state machine and say what to do with it. dir: who sent it;
 * tcp_flags: SW_TCP_* of the header; seq, ack, win: header fields as received,
 * BEFORE sw_conn_xlate(); payload_len: TCP payload bytes (above 65535 is
 * invalid). Updates FIN/ACK bookkeeping and window edges only for acceptable
 * segments; a retransmitted FIN is accepted and changes nothing.
 */
enum sw_conn_verdict sw_conn_track(struct sw_conn *c, enum sw_conn_dir dir, uint8_t tcp_flags,
	uint32_t seq, uint32_t ack, uint32_t payload_len, uint16_t win);

/*
 * sw_conn_track() without its ESTABLISHED fast path: the general state
 * machine, same results. For tests that hold the fast path against it.
 */
enum sw_conn_verdict sw_conn_track_slow(struct sw_conn *c, enum sw_conn_dir dir, uint8_t tcp_flags,
	uint32_t seq, uint32_t ack, uint32_t payload_len, uint16_t win);

/*
 * Translate one segment of direction dir in place. tcph: the TCP header,
 * tcph_len bytes incl. options (must equal the data offset, 20..60); the
 * checksum at tcph + 16 is updated incrementally (RFC 1624). Reads and writes
 * only tcph[0, tcph_len); tcph needs no alignment.
 * S2C: seq -= seq_delta; TSval -= ts_delta; window rescaled from the
 * backend's shift to the one advertised to the client.
 * C2S: ack += seq_delta (ACK set); TSecr += ts_delta (ACK set); SACK block
 * edges += seq_delta, or the SACK option turned into NOPs when the backend
 * did not agree to SACK; window rescaled (normally unchanged).
 * Windows are not rescaled in a SYN (RFC 7323 section 2.2). A nonzero window
 * never becomes 0 (that would stall the sender), the result is at most 0xffff.
 * Returns 0, or -EINVAL (header untouched) when tcph_len is inconsistent or
 * the options are malformed: drop and count.
 */
int sw_conn_xlate(const struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint16_t tcph_len);

/*
 * sw_conn_xlate() without its fast path for the usual options (none, or
 * NOP NOP TS): parses with sw_tcpopt_parse(), same results. For tests.
 */
int sw_conn_xlate_slow(
	const struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint16_t tcph_len);

/*
 * The spliced relay's fast path: sw_conn_xlate() then sw_conn_track() of
 * one segment in one pass, for the common case only: the flow ESTABLISHED
 * (sw_conn_next_state()) after sw_conn_on_synack() (which derives the
 * relay's mode), the segment ACK without SYN or RST (FIN allowed),
 * options none or exactly NOP NOP TS, tcph_len equal to the data offset,
 * payload_len at most 65535. Returns the verdict sw_conn_track() would give
 * (SW_CONN_V_FWD or SW_CONN_V_DROP_INVALID), with tcph translated and c
 * updated exactly as the two calls leave them: the state stays ESTABLISHED
 * unless an accepted segment carried the first FIN (then sync it, see
 * sw_conn_next_state()). Or -EAGAIN, with nothing written: call
 * sw_conn_xlate() and sw_conn_track().
 */
int sw_conn_relay(struct sw_conn *c, enum sw_conn_dir dir, uint8_t *tcph, uint16_t tcph_len,
	uint32_t payload_len);

/* True when a new client SYN may replace this flow: TIME_WAIT or CLOSED (as conntrack). */
bool sw_conn_can_reopen(const struct sw_conn *c);
/*
 * Before tracking an ACK from dir on a flow whose other direction sent a
 * first fragment: the proxy saw only that fragment's part of the segment
 * (the rest of the datagram carries no TCP header), so the ACK for all of it
 * lies beyond what the tracker counts as sent. The receiver's ACK is the
 * proof: when ack lies beyond the other direction's end and within the
 * window dir advertised, that end moves to it. True when it moved.
 */
bool sw_conn_ack_seen(struct sw_conn *c, enum sw_conn_dir dir, uint32_t ack);

/* Idle timeout for the flow's current state (sw_conn_next_state()), from t. */
uint32_t sw_conn_timeout_ms(const struct sw_conn *c, const struct sw_conn_timeouts *t);

/*
 * Backend SYN retransmission timer fired in SYN_SENT: returns 0 and counts a
 * retry when fewer than max_retries were made (resend the SYN), -ETIMEDOUT
 * when the limit is reached (the flow is now CLOSED: reset the client), or
 * -EINVAL when the flow is not in SYN_SENT.
 */
int sw_conn_syn_retry(struct sw_conn *c, uint8_t max_retries);

/* Force the flow to CLOSED (e.g. after resetting both ends). */
void sw_conn_abort(struct sw_conn *c);

/* The client's SYN options, as the backend SYN must carry them (with seq = client_isn). */
void sw_conn_client_syn_opts(const struct sw_conn *c, struct sw_conn_syn_opts *o);

/*
 * A challenge ACK (RFC 5961 sections 3.2 and 4.2) to the sender of direction
 * dir, as if from its peer: <SEQ=peer's SND.NXT><ACK=peer's RCV.NXT>, in the
 * receiving side's wire space, with the peer's current window. No TS option
 * (has_ts false): the proxy does not keep per-segment TSvals. Only for a
 * spliced flow (after on_synack); otherwise *out is zeroed. A window under
 * one unit of the receiver's shift goes out as one unit, and the peer's edge
 * moves to what that unit opens.
 */
void sw_conn_challenge_ack(struct sw_conn *c, enum sw_conn_dir dir, struct sw_conn_seg *out);

#ifdef __cplusplus
}
#endif

#endif /* SW_CONN_H */
