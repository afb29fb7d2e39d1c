/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker loop: receive and dispatch to the modes, let each mode transmit, stop when bounded. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gen.h"

/*
 * One received frame: ARP and ICMPv6 to the responders, TCP of the run's family to the
 * first mode that claims it. The other family is never ours (every address
 * of a run is of one family), and the modes compare addresses of one family.
 */
static void
dispatch(struct gen_worker *w, enum gen_role role, struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	enum sw_pkt_verdict verdict;
	struct sw_pkt_view v;

	/* Frames are built and received as one segment (MTU 1500, 2 KiB mbufs). */
	verdict = sw_pkt_parse(f, rte_pktmbuf_data_len(m), &v);
	if (verdict == SW_PKT_NOT_IP) {
		if (v.ether_type == SW_ETHER_TYPE_ARP && v.n_vlan == 0)
			gen_arp_rx(w, role, m, &v);
		else
			gen_ctr_add(w, GEN_CTR_rx_other, 1);
		return;
	}
	if (verdict != SW_PKT_OK) {
		gen_ctr_add(w, GEN_CTR_rx_bad, 1);
		return;
	}
	if (v.family == 6 && v.l4_proto == SW_IPPROTO_ICMPV6) {
		gen_nd_rx(w, role, m, &v);
		return;
	}
	if (v.family != w->cfg->family || v.l4_proto != SW_IPPROTO_TCP || !v.has_l4 ||
		v.is_fragment) {
		gen_ctr_add(w, GEN_CTR_rx_other, 1);
		return;
	}
	for (int i = 0; i < GEN_MODE_MAX; i++)
		if (w->priv[i] != NULL && gen_modes[i]->rx(w, w->priv[i], (uint16_t)role, m, &v))
			return;
	gen_ctr_add(w, GEN_CTR_rx_stray, 1);
}

static void
rx_all(struct gen_worker *w)
{
	struct rte_mbuf *pkts[GEN_BURST_MAX];
	uint16_t burst = w->cfg->burst;

	for (int r = 0; r < GEN_ROLE_MAX; r++) {
		if (!w->port[r].is_used)
			continue;
		for (int b = 0; b < GEN_RX_BURSTS; b++) {
			uint16_t n = rte_eth_rx_burst(w->port[r].port_id, 0, pkts, burst);

			if (n == 0)
				break;
			gen_ctr_add(w, GEN_CTR_rx_frames, n);
			for (uint16_t i = 0; i < n; i++) {
				if (i + 1 < n)
					rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
				dispatch(w, (enum gen_role)r, pkts[i]);
			}
			rte_pktmbuf_free_bulk(pkts, n);
			if (n < burst)
				break;
		}
	}
}

/*
 * A peer that went away (the process behind a memif socket exited) ends the
 * run: nothing more can be measured, and a PMD tearing down rings under a
 * polling lcore is better avoided. Checked every LINK_CHECK_MS.
 */
#define LINK_CHECK_MS 10

static bool
link_lost(struct gen_worker *w)
{
	if (w->now_tsc < w->next_link_tsc)
		return false;
	w->next_link_tsc = w->now_tsc + LINK_CHECK_MS * w->hz / 1000;
	for (int r = 0; r < GEN_ROLE_MAX; r++) {
		struct rte_eth_link link;

		if (!w->port[r].is_used)
			continue;
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(w->port[r].port_id, &link) == 0 &&
			link.link_status == RTE_ETH_LINK_DOWN) {
			w->link_lost = w->port[r].port_id;
			return true;
		}
	}
	return false;
}

/* True when at least one mode is bounded and all bounded modes are done. */
static bool
all_done(const struct gen_worker *w)
{
	bool any = false;

	for (int i = 0; i < GEN_MODE_MAX; i++) {
		if (w->priv[i] == NULL || gen_modes[i]->is_done == NULL)
			continue;
		if (!gen_modes[i]->is_done(w, w->priv[i]))
			return false;
		any = true;
	}
	return any;
}

static void
inline_stats(struct gen_worker *w)
{
	/* Large (two histograms): kept off the stack of the data path. */
	static struct gen_snap cur;

	if (w->now_tsc < w->next_stats_tsc)
		return;
	gen_snap_take(w, &cur);
	gen_report_live(w, &cur, &w->last);
	w->last = cur;
	w->next_stats_tsc = w->now_tsc + (uint64_t)w->cfg->stats_interval_ms * w->hz / 1000;
}

void
gen_worker_step(struct gen_worker *w)
{
	rx_all(w);
	for (int i = 0; i < GEN_MODE_MAX; i++)
		if (w->priv[i] != NULL)
			gen_modes[i]->tx_burst(w, w->priv[i], w->cfg->burst);
	gen_arp_poll(w);
	gen_tx_flush(w);
}

int
gen_worker_main(void *arg)
{
	struct gen_worker *w = arg;
	const struct gen_cfg *cfg = w->cfg;
	uint64_t end_tsc, drain_end = 0;

	w->now_tsc = rte_get_timer_cycles();
	__atomic_store_n(&w->start_tsc, w->now_tsc, __ATOMIC_RELEASE);
	end_tsc = w->start_tsc + cfg->duration_ms * w->hz / 1000;
	if (w->inline_stats) {
		gen_snap_take(w, &w->last);
		w->next_stats_tsc = w->now_tsc + (uint64_t)cfg->stats_interval_ms * w->hz / 1000;
	}
	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		w->now_tsc = rte_get_timer_cycles();
		w->now_ms = w->ts_base + (uint32_t)((w->now_tsc - w->start_tsc) * 1000 / w->hz);
		gen_worker_step(w);
		if (w->now_tsc >= end_tsc || link_lost(w))
			break;
		if (drain_end == 0 && all_done(w)) {
			/* The final rates count what was done by then, not the drain's replies. */
			memcpy(w->ctr_done, w->ctr, sizeof(w->ctr_done));
			__atomic_store_n(&w->done_tsc, w->now_tsc, __ATOMIC_RELEASE);
			drain_end = w->now_tsc + (uint64_t)cfg->drain_ms * w->hz / 1000;
		}
		if (drain_end != 0 && w->now_tsc >= drain_end)
			break;
		if (w->inline_stats && cfg->stats_interval_ms > 0)
			inline_stats(w);
	}
	gen_tx_flush(w);
	__atomic_store_n(&w->stop_tsc, rte_get_timer_cycles(), __ATOMIC_RELEASE);
	__atomic_store_n(&w->exited, true, __ATOMIC_RELEASE);
	return 0;
}
