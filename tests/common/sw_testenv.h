/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the in-process harness and benchmarks: ring-backed ports, EAL cleanup. */
#ifndef SW_TESTENV_H
#define SW_TESTENV_H

#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

/*
 * Create a net_ring ethdev named name over two new rings (depth each): frames
 * enqueued on *rx are what the port receives, frames the port transmits land
 * on *tx. Configured with one queue pair on pool and started. Returns the port
 * id, or -1.
 */
int sw_testenv_ring_port(const char *name, unsigned depth, struct rte_mempool *pool,
	struct rte_ring **rx, struct rte_ring **tx);

/* rte_eal_cleanup(), then remove the process's /run/dpdk/<prefix> (--no-shconf leaves it). */
void sw_testenv_eal_cleanup(void);

#endif /* SW_TESTENV_H */
