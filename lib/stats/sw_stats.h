/* SPDX-License-Identifier: BSD-3-Clause */
/* The one list of synwall counters: names, help text and per-lcore storage. */
#ifndef SW_STATS_H
#define SW_STATS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SW_PORT_OUTSIDE 0
#define SW_PORT_INSIDE 1
#define SW_NB_PORTS 2

/*
 * Per-port packet accounting. Every received packet ends in exactly one of
 * fwd / answered / consumed / a drop cause, so on each port
 *   rx == fwd + answered + consumed + sum(drops)
 * holds at any quiescent point (tested end to end).
 */
#define SW_PORT_COUNTERS(X) \
	X(rx, "packets received on the port") \
	X(fwd, "received packets sent out of the other port (bridged or translated)") \
	X(answered, "received packets turned into a reply sent back out of the same port") \
	X(consumed, "received packets absorbed by the proxy without a drop") \
	X(tx, "packets transmitted on the port") \
	X(generated, "packets synwall created itself and sent on the port") \
	X(tx_drops, "packets the port's TX queue refused (freed, counted)") \
	X(rx_bytes, "bytes received on the port") \
	X(tx_bytes, "bytes transmitted on the port")

/* Each drop increments exactly one cause (and the port it was received on). */
#define SW_DROP_CAUSES(X) \
	X(trunc_l2, "frame shorter than its Ethernet/VLAN headers") \
	X(bad_l3, "malformed IPv4/IPv6 header") \
	X(bad_exthdr, "IPv6 extension header chain malformed or truncated") \
	X(bad_l4, "malformed TCP header (data offset)") \
	X(bad_csum, "IPv4 or TCP checksum wrong on a packet the proxy would answer") \
	X(bad_tcpopt, "malformed TCP options") \
	X(syn_bad_flags, "SYN with FIN/RST/URG or ACK combination not answered") \
	X(syn_fragment, "fragmented TCP packet to a protected service") \
	X(martian_src, "broadcast, multicast, loopback or unspecified source") \
	X(deny, "source on a deny list") \
	X(rate_limit, "SYN over the per-source or per-service rate limit") \
	X(service_drop, "destination service has action drop") \
	X(default_drop, "no service matched and default_action is drop") \
	X(cookie_invalid, "third ACK whose cookie does not verify (forged or expired)") \
	X(no_flow, "non-SYN packet for a protected service without a flow") \
	X(table_full, "flow table full of established flows: third ACK dropped") \
	X(conn_invalid, "segment rejected by the connection state machine") \
	X(ecn_ce, "CE-marked client segment of a flow whose backend declined ECN") \
	X(synack_invalid, "backend SYN-ACK that does not match the flow") \
	X(no_mbuf, "mempool empty when a packet had to be created") \
	X(steer_full, "software steering ring to the owning worker full")

/* Events, not tied to one port. */
#define SW_EVENT_COUNTERS(X) \
	X(syn_rcvd, "SYNs to protected services") \
	X(synack_sent, "cookie SYN-ACKs sent to clients") \
	X(cookie_valid, "third ACKs whose cookie verified") \
	X(cookie_ts_mode, "verified cookies that used timestamp encoding") \
	X(backend_syn_sent, "SYNs sent to backends") \
	X(backend_syn_rtx, "SYNs retransmitted to backends") \
	X(backend_syn_unkept, "SYNs sent to backends without a kept copy (keep slots full)") \
	X(backend_timeout, "backends that never answered: client reset") \
	X(backend_refused, "backends that answered the SYN with RST") \
	X(third_ack_rtx, "retransmitted third ACKs absorbed") \
	X(third_ack_probe, "zero-window probes taken as the lost third ACK") \
	X(synack_rtx, "retransmitted backend SYN-ACKs re-acknowledged") \
	X(conn_established, "connections spliced to a backend") \
	X(ecn_declined, "backends that declined the ECN agreed with the client") \
	X(conn_closed, "connections that finished the FIN teardown") \
	X(conn_reset, "connections closed by an in-window RST") \
	X(conn_reopened, "new SYNs on TIME_WAIT/CLOSED flows") \
	X(flows_expired, "flows removed by timeout") \
	X(flows_evicted, "non-established flows evicted for a new one") \
	X(rst_inexact, "RSTs not at the expected sequence number (dropped or passed as is)") \
	X(challenge_ack, "challenge ACKs sent for a SYN on a live flow (RFC 5961 4.2)") \
	X(icmp_xlated, "ICMP errors to a server whose quoted sequence number was translated") \
	X(gen_no_mbuf, "packets synwall had to create but the mempool was empty") \
	X(steered, "packets handed to another worker (steering, or RSS hand-on)") \
	X(polls_busy, "RX polls that returned packets") \
	X(polls_idle, "RX polls that returned nothing") \
	X(cycles_busy, "TSC cycles spent in busy polls")

/* Generated enums: SW_PC_<name>, SW_DROP_<name>, SW_EV_<name>. */
#define SW_PC_E_(name, help) SW_PC_##name,
#define SW_DROP_E_(name, help) SW_DROP_##name,
#define SW_EV_E_(name, help) SW_EV_##name,
enum sw_port_ctr { SW_PORT_COUNTERS(SW_PC_E_) SW_PC_MAX };
enum sw_drop_cause { SW_DROP_CAUSES(SW_DROP_E_) SW_DROP_MAX };
enum sw_event { SW_EVENT_COUNTERS(SW_EV_E_) SW_EV_MAX };
#undef SW_PC_E_
#undef SW_DROP_E_
#undef SW_EV_E_

/*
 * One worker's counters. Written only by the owning lcore with plain stores
 * (dp: rw); read by the control thread while running (cp: ro, may see a value
 * one burst old; 64-bit aligned stores are not torn on the supported targets).
 */
struct sw_stats {
	uint64_t port[SW_NB_PORTS][SW_PC_MAX];
	uint64_t drop[SW_NB_PORTS][SW_DROP_MAX];
	uint64_t ev[SW_EV_MAX];
};

extern const char *const sw_stats_port_names[SW_PC_MAX];
extern const char *const sw_stats_port_help[SW_PC_MAX];
extern const char *const sw_stats_drop_names[SW_DROP_MAX];
extern const char *const sw_stats_drop_help[SW_DROP_MAX];
extern const char *const sw_stats_event_names[SW_EV_MAX];
extern const char *const sw_stats_event_help[SW_EV_MAX];
extern const char *const sw_stats_port_role[SW_NB_PORTS];

/* Sum n per-lcore blocks into out (out is overwritten). */
void sw_stats_sum(struct sw_stats *out, const struct sw_stats *const in[], unsigned n);
/* Total drops received on one port. */
uint64_t sw_stats_port_drops(const struct sw_stats *s, unsigned port);
/* Write the summary JSON object (see README) for s to f. */
void sw_stats_write_json(const struct sw_stats *s, FILE *f);
/* Same, with extra JSON members (e.g. "\"flows\": {...}") appended inside the object. */
void sw_stats_write_json_ex(const struct sw_stats *s, FILE *f, const char *extra);
/* Human-readable final summary. */
void sw_stats_write_text(const struct sw_stats *s, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* SW_STATS_H */
