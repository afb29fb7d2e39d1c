/* SPDX-License-Identifier: BSD-3-Clause */
/* Config file to validated immutable snapshot (sw_config_*); packet classification (sw_class*). */
#ifndef SW_RULES_H
#define SW_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/socket.h>

#include <rte_byteorder.h>

#include "sw_conn.h"
#include "sw_pkt.h"

/*
 * Two name families live here, as the rest of the tree calls them:
 *   sw_config_*  load / free the snapshot (needs no EAL);
 *   sw_class*    classifier built from a snapshot (needs EAL memory: rte_lpm, rte_lpm6).
 * config/synwall.ini documents every key, its default, unit and range.
 */

/*
 * The metrics endpoint "a.b.c.d:port" or "[v6addr]:port" (numeric host, a
 * v6 scope id allowed; port 0..65535) to a socket address: what [general]
 * prometheus and --prometheus take. 0, or -EINVAL.
 */
int sw_config_parse_endpoint(const char *addr, struct sockaddr_storage *ss, socklen_t *ss_len);

#define SW_CONFIG_SERVICES_MAX 256 /* [service NAME] sections per file */
#define SW_CONFIG_WORKERS_MAX 64 /* [general] workers: SW_MAX_WORKERS (sw_dataplane.h) */
#define SW_CONFIG_NAME_MAX 32 /* service name, NUL included: [A-Za-z0-9_.-]{1,31} */
#define SW_CONFIG_DEV_MAX 64 /* device name, NUL included (RTE_ETH_NAME_MAX_LEN) */
#define SW_CONFIG_PORT_WORDS (65536 / 64)
#define SW_CONFIG_VLAN_WORDS (4096 / 64)
/*
 * Bit of sw_config_service.vlans standing for untagged frames. VID 0 is never a VLAN: a
 * priority-tagged frame (VID 0, IEEE 802.1Q-2018 section 9.6) belongs to no VLAN and is
 * matched as untagged.
 */
#define SW_CONFIG_VLAN_UNTAGGED 0
#define SW_CONFIG_VLAN_MIN 1 /* VIDs a vlan key may name: 1..4094 (4095 is reserved) */
#define SW_CONFIG_VLAN_MAX 4094
#define SW_CONFIG_ERRORS_MAX 1000 /* messages kept; later ones are only counted */

/* Action of a service on matching traffic. */
enum sw_config_action {
	SW_CONFIG_ACTION_PROXY = 0, /* SYN proxy (cookies), then splice */
	SW_CONFIG_ACTION_PASS, /* bridge untouched */
	SW_CONFIG_ACTION_DROP, /* drop and count */
};

/* Action on traffic matching no service ([general] default_action). */
enum sw_config_default {
	SW_CONFIG_DEFAULT_BRIDGE = 0,
	SW_CONFIG_DEFAULT_DROP,
};

/* Tri-state TCP option policy towards the client (sack, timestamps, ecn). */
enum sw_config_opt {
	SW_CONFIG_OPT_LEARN = 0, /* mirror what the backend offers */
	SW_CONFIG_OPT_ON,
	SW_CONFIG_OPT_OFF,
};

#define SW_CONFIG_MSS_LEARN 0 /* sw_config_service.mss: learn from the backend */
#define SW_CONFIG_WSCALE_LEARN 0xff /* sw_config_service.wscale: learn from the backend */

/* One IPv4 or IPv6 prefix; host bits are always zero. */
struct sw_config_prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t depth; /* prefix length: 0..32 or 0..128 */
	uint8_t addr[16]; /* network order; IPv4 uses addr[0..3], the rest is zero */
};

/* A prefix list in file order (duplicates kept: it is a set, duplicates are harmless). */
struct sw_config_prefixes {
	uint32_t n;
	struct sw_config_prefix *v; /* n entries, owned by the snapshot */
};

/* [ports]: DPDK device names (rte_eth_dev_get_port_by_name) of the two bridged ports. */
struct sw_config_ports {
	char outside[SW_CONFIG_DEV_MAX]; /* clients / Internet side */
	char inside[SW_CONFIG_DEV_MAX]; /* servers side */
	/* csum_offload = auto (default): the NIC checksum offloads a port has; off: none. */
	bool csum_offload;
};

/* [general]. */
struct sw_config_general {
	uint32_t workers; /* worker lcores to use; 0 = all worker lcores */
	uint32_t flow_capacity; /* flows per worker */
	uint32_t cookie_epoch_ms; /* SYN cookie key rotation period */
	uint32_t mbufs; /* mbufs per port per socket */
	uint32_t stats_interval_ms; /* periodic stats log; 0 = off */
	enum sw_config_default default_action;
	uint16_t mtu; /* bytes, L3 */
	struct sw_config_prefixes allow; /* sources bridged untouched, never proxied */
	struct sw_config_prefixes deny; /* sources dropped and counted */
	/* Per-source SYN token bucket (0 = off): SYN/s and burst per source prefix. */
	uint32_t src_syn_rate;
	uint32_t src_syn_burst;
	uint8_t src_prefix_v4; /* sources are grouped by this IPv4 prefix length (24) */
	uint8_t src_prefix_v6; /* and this IPv6 prefix length (64) */
	uint32_t src_rate_slots; /* buckets per worker: memory is bounded by this */
	/* Attack detector thresholds (per service, per second). */
	uint32_t attack_syn_rate; /* SYN/s to enter "under attack" */
	uint32_t attack_syn_rate_off; /* SYN/s below which it ends (hysteresis) */
	uint32_t attack_sources; /* distinct sources per second that look like spoofing */
	uint8_t attack_handshake_pct; /* completed handshakes % at or below which SYNs look forged */
	char prometheus[SW_CONFIG_DEV_MAX]; /* "ADDR:PORT" of the metrics endpoint, "" = off */
};

/*
 * Idle timeouts per connection state, milliseconds, indexed by enum sw_conn_state.
 * ms[SW_CONN_FREE] is 0; the fin_wait key sets both FIN_WAIT_1 and FIN_WAIT_2.
 */
struct sw_config_timeouts {
	uint32_t ms[SW_CONN_STATE_MAX];
};

/* [service NAME]. */
struct sw_config_service {
	uint16_t id; /* index in sw_config.services + 1; 0 means "no service" */
	char name[SW_CONFIG_NAME_MAX]; /* NAME from the section header */
	enum sw_config_action action; /* default proxy */
	struct sw_config_prefixes dst; /* destination prefixes, at least one */
	uint64_t ports[SW_CONFIG_PORT_WORDS]; /* bit p set: TCP dst port p (host order) */
	uint32_t n_ports; /* bits set in ports, at least one */
	/*
	 * VLANs the service matches, by the VID of the frame's innermost tag: bit v for VID v,
	 * bit SW_CONFIG_VLAN_UNTAGGED for untagged and priority-tagged frames. Without a vlan
	 * key (or with vlan = any) all 4096 bits are set and has_vlans is false.
	 */
	uint64_t vlans[SW_CONFIG_VLAN_WORDS];
	bool has_vlans; /* a vlan key narrows the service to the VLANs in vlans */
	uint16_t mss; /* 536..9000, or SW_CONFIG_MSS_LEARN */
	uint8_t wscale; /* 0..14, or SW_CONFIG_WSCALE_LEARN */
	enum sw_config_opt sack;
	enum sw_config_opt timestamps;
	enum sw_config_opt ecn;
	uint32_t syn_rate;
	uint8_t flow_share_pct;
	/* most of each worker's flow table this service may hold, % */ /* new connections per second, 0 = unlimited */
	struct sw_config_prefixes allow; /* per-service source allow list */
	struct sw_config_prefixes deny; /* per-service source deny list */
	/* effective timeouts: [timeouts] with this service's timeout_* overrides applied */
	struct sw_config_timeouts timeouts;
};

/* The immutable snapshot: built by sw_config_load, read-only after, freed by sw_config_free. */
struct sw_config {
	char *path; /* file it was loaded from, as given */
	struct sw_config_ports ports;
	struct sw_config_general general;
	struct sw_config_timeouts timeouts; /* [timeouts] with defaults applied */
	uint16_t n_services;
	struct sw_config_service *services; /* n_services entries, in file order */
};

/*
 * Every error found by one sw_config_load, in order: phase 1 (syntax, types, units) then
 * phase 2 (ranges, required keys, cross-field rules). Each message reads
 *   FILE:LINE: [section] key: reason
 * sw_config_load initialises it (an uninitialised stack struct is fine); release the messages
 * with sw_config_errors_free before reusing it for another load, or they leak.
 */
struct sw_config_errors {
	unsigned int count; /* errors found, including those not stored */
	unsigned int n_msgs; /* messages stored: min(count, SW_CONFIG_ERRORS_MAX) */
	unsigned int cap;
	char **msgs; /* n_msgs NUL-terminated lines without trailing newline */
};

/*
 * Load, parse and validate a config file. No EAL needed.
 * Returns the snapshot, or NULL if there was any error (errs->count > 0 then; errs may be NULL).
 * *errs is initialised here and holds every error of this load.
 */
struct sw_config *sw_config_load(const char *path, struct sw_config_errors *errs);

/* Free a snapshot (NULL allowed). */
void sw_config_free(struct sw_config *c);

/* Print every stored message, one per line, then a count of unstored ones. Returns count. */
int sw_config_errors_print(const struct sw_config_errors *e, FILE *f);

/* Message i (0-based) or NULL. */
const char *sw_config_errors_get(const struct sw_config_errors *e, unsigned int i);

/* Release the messages and zero the struct (NULL allowed). */
void sw_config_errors_free(struct sw_config_errors *e);

/* True if host-order TCP port is in the service's port set. */
static inline bool
sw_config_service_has_port(const struct sw_config_service *s, uint16_t port)
{
	return (s->ports[port / 64] >> (port % 64)) & 1;
}

/* True if the service matches frames whose innermost VID is vid: 0..4095, 0 = untagged. */
static inline bool
sw_config_service_has_vlan(const struct sw_config_service *s, uint16_t vid)
{
	return vid < 4096 && ((s->vlans[vid / 64] >> (vid % 64)) & 1);
}

/*
 * Classification verdicts, in precedence order (first that applies wins):
 *   1. source in [general] deny or in the matched service's deny  -> SW_CLASS_DROP_DENY
 *   2. source in [general] allow or in the matched service's allow -> SW_CLASS_PASS
 *   3. matched service: proxy -> SW_CLASS_PROXY, pass -> SW_CLASS_PASS,
 *      drop -> SW_CLASS_DROP_SERVICE
 *   4. no service: default_action bridge -> SW_CLASS_BRIDGE, drop -> SW_CLASS_DROP_DEFAULT
 * Deny beats allow at any scope. The matched service is the one whose most specific dst prefix
 * contains the destination and whose port set holds the port and VLAN set the frame's VLAN; if
 * the most specific one lacks the port or the VLAN, the next less specific service is tried.
 */
enum sw_class_action {
	SW_CLASS_BRIDGE = 0, /* no service matched, default_action = bridge: bridge untouched */
	SW_CLASS_PROXY, /* service action proxy */
	SW_CLASS_PASS, /* allow-listed source or service action pass: bridge untouched */
	SW_CLASS_DROP_DENY, /* deny-listed source (global or service) */
	SW_CLASS_DROP_SERVICE, /* service action drop */
	SW_CLASS_DROP_DEFAULT, /* no service matched, default_action = drop */
	SW_CLASS_ACTION_MAX
};

/* sw_class_query.vlan of an untagged frame. */
#define SW_CLASS_VLAN_UNTAGGED 0xffff

/* One packet to classify; addresses point at 4 (AF_INET) or 16 (AF_INET6) network-order bytes. */
struct sw_class_query {
	uint8_t family; /* AF_INET or AF_INET6; anything else gets the no-service verdict */
	const uint8_t *src;
	const uint8_t *dst;
	rte_be16_t dport; /* TCP destination port, network order */
	/*
	 * VID of the innermost VLAN tag (QinQ: the C-tag), host order; only the low 12 bits
	 * count. SW_CLASS_VLAN_UNTAGGED for an untagged frame; VID 0 (a priority tag, or a
	 * zeroed query) is matched as untagged too.
	 */
	uint16_t vlan;
};

struct sw_classifier;

/*
 * Build a classifier from a snapshot, on socket_id (or SOCKET_ID_ANY). Needs EAL.
 * The classifier copies what it needs: the snapshot may be freed afterwards.
 * Returns NULL and sets rte_errno (ENOMEM, ENOSPC, E2BIG, EINVAL) on failure.
 */
struct sw_classifier *sw_classifier_build(const struct sw_config *c, int socket_id);

/* sw_classifier_build_flags() flags. */
#define SW_CLASS_BUILD_LPM 1u /* always use rte_fib/rte_lpm6, even for a few prefixes (tests) */

/*
 * sw_classifier_build() with flags (0 or SW_CLASS_BUILD_*). The result classifies the same
 * either way; without SW_CLASS_BUILD_LPM a family with at most 8 distinct prefixes is matched
 * linearly (faster, no LPM memory). Same returns as sw_classifier_build().
 */
struct sw_classifier *sw_classifier_build_flags(
	const struct sw_config *c, int socket_id, unsigned int flags);

/* Free a classifier (NULL allowed). Callers on the data path must be quiescent first. */
void sw_classifier_free(struct sw_classifier *cl);

/*
 * Classify n packets: action_out[i] is an enum sw_class_action, service_out[i] the matched
 * service id (sw_config_service.id) or 0. The service id is reported for deny/allow verdicts
 * too, so per-service counters can attribute them. Thread-safe: the classifier is read-only.
 */
void sw_classify_bulk(const struct sw_classifier *cl, const struct sw_class_query *q,
	unsigned int n, uint8_t *action_out, uint16_t *service_out);

/*
 * sw_classify_bulk() over client -> server tuples as sw_pkt_tuple() and sw_tuple_set_vlan()
 * make them, with the same results as the query {family 4 -> AF_INET, 6 -> AF_INET6, src, dst,
 * dport, innermost VID or SW_CLASS_VLAN_UNTAGGED}: the VID is the low 12 bits of t->pad, 0
 * (untagged) matched as untagged. Nothing is copied into queries first.
 */
void sw_classify_tuples(const struct sw_classifier *cl, const struct sw_tuple *const *t,
	unsigned int n, uint8_t *action_out, uint16_t *service_out);

#endif /* SW_RULES_H */
