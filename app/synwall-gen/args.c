/* SPDX-License-Identifier: BSD-3-Clause */
/* Command line: parse (syntax, units) then validate (ranges, the lab address rule, ports). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "gen.h"
#include "sw_tcpopt.h"
#include "sw_version.h"

/* Exit status for a bad command line or a refused address range. */
#define ERR_USAGE (-2)

const struct gen_mode_ops *const gen_modes[GEN_MODE_MAX] = {
	[GEN_MODE_CLIENTS] = &gen_mode_clients,
	[GEN_MODE_SERVERS] = &gen_mode_servers,
	[GEN_MODE_SYN_FLOOD] = &gen_mode_syn_flood,
	[GEN_MODE_ACK_FLOOD] = &gen_mode_ack_flood,
	[GEN_MODE_RST_FLOOD] = &gen_mode_rst_flood,
	[GEN_MODE_FIN_FLOOD] = &gen_mode_fin_flood,
};

void
gen_args_version(void)
{
	printf(SW_VERSION_FMT "\n", SW_VERSION_ARGS(GEN_NAME));
}

void
gen_args_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- --mode MODE[,MODE...] [options]\n"
		"\n"
		"Lab traffic generator for synwall. Addresses must lie in 198.18.0.0/15 (IPv4)\n"
		"or 2001:2::/48 (IPv6); the three of --client-net, --server-ip and --src-net\n"
		"are of one family, which is the family of every frame sent.\n"
		"Every run is bounded by --duration (and --count / --conns); SIGINT stops it.\n"
		"\n"
		"Modes (combinable):\n"
		"  syn-flood  spoofed SYNs from --src-net, random ports/ISNs, mixed options\n"
		"  ack-flood  spoofed ACKs with forged cookies     rst-flood  spoofed RSTs\n"
		"  fin-flood  spoofed FIN-ACKs                     (all: --rate and --count each)\n"
		"  clients    stateful clients: handshake, request, verify response, close\n"
		"  servers    stateful servers: accept, verify request, serve the pattern, close\n"
		"\n"
		"Ports and addresses:\n"
		"  --port-client N      port of clients and floods (default 0)\n"
		"  --port-server N      port of servers (default 1, or 0 with servers alone)\n"
		"  --client-net PFX     client source addresses (default 198.18.1.0/24; IPv6:\n"
		"                       e.g. 2001:2:0:1::/64)\n"
		"  --server-ip IP       server address (default 198.18.2.1; IPv6: e.g.\n"
		"                       2001:2:0:2::1)\n"
		"  --service-port N     server TCP port (default 80)\n"
		"  --src-net PFX        flood sources (default 198.19.0.0/16; IPv6: e.g.\n"
		"                       2001:2:0:8000::/49, random low 64 bits at most)\n"
		"  --client-mac MAC     source MAC on the client port (default: the port's)\n"
		"  --server-mac MAC     source MAC on the server port (default: the port's)\n"
		"  --dst-mac MAC        destination of client-port frames (default: the local\n"
		"                       server port's MAC, else resolved by ARP or IPv6\n"
		"                       neighbour discovery)\n"
		"Floods:\n"
		"  --rate PPS           per flood mode, 0 = as fast as possible (default 10000)\n"
		"  --count N            per flood mode, 0 = until --duration (default 0)\n"
		"Clients:\n"
		"  --conns N            connections in total (default 1000)\n"
		"  --concurrency N      open at once at most (default 64)\n"
		"  --conn-rate N        new connections per second, 0 = no limit (default 0)\n"
		"  --request-bytes N    request size, >= 16 (default 128)\n"
		"  --response-bytes N   response size asked of the server (default 1024)\n"
		"  --close-first client|server   who sends the first FIN (default client)\n"
		"Servers:\n"
		"  --synack-zero-window  SYN-ACKs announce window 0 and no update follows, so\n"
		"                       clients must probe (tests the path a SYN proxy takes)\n"
		"TCP:\n"
		"  --mss N (default and most 1460, IPv6 1440)  --wscale N|none (7)  --no-sack\n"
		"  --no-ts\n"
		"  --window BYTES       receive window (default 65535)\n"
		"  --rto-ms N (200)  --rto-max-ms N (1000)  --retries N (5)\n"
		"  --probe-ms N         zero-window probe delay (default 200)\n"
		"  --idle-ms N          peer silence before failing (default 5000)\n"
		"  --linger-ms N        TIME_WAIT of the active closer (default 500)\n"
		"  --table N            connection table size per TCP mode (default 131072)\n"
		"Run:\n"
		"  --duration T         hard time bound: 10, 10s, 500ms, 2m (default 10s, max 1h)\n"
		"  --drain-ms N         receive on after the bounded work is done (default 500)\n"
		"  --hold T             after the report keep the ports open, unpolled, until\n"
		"                       SIGINT/SIGTERM or T (max 10m, default 0), so that the\n"
		"                       peer (synwall over memif) can stop first\n"
		"  --stats-interval S   live stats period in seconds, 0 = off (default 1)\n"
		"  --json FILE          write the final report as JSON\n"
		"  --mbufs N (32768)  --burst N (32)  --link-timeout S (10)\n"
		"  -V, --version        print the version (synwall-gen, git tree, DPDK)\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 ok, 1 runtime error, 2 bad usage or refused range,\n"
		"3 a client connection failed or clients completed fewer than --conns, or a\n"
		"server connection failed after its handshake.\n",
		prog);
}

enum {
	OPT_MODE = 256,
	OPT_PORT_CLIENT,
	OPT_PORT_SERVER,
	OPT_CLIENT_NET,
	OPT_SERVER_IP,
	OPT_SERVICE_PORT,
	OPT_SRC_NET,
	OPT_CLIENT_MAC,
	OPT_SERVER_MAC,
	OPT_DST_MAC,
	OPT_RATE,
	OPT_COUNT,
	OPT_DURATION,
	OPT_CONNS,
	OPT_CONCURRENCY,
	OPT_CONN_RATE,
	OPT_REQUEST,
	OPT_RESPONSE,
	OPT_CLOSE_FIRST,
	OPT_SYNACK_ZERO_WIN,
	OPT_MSS,
	OPT_WSCALE,
	OPT_NO_SACK,
	OPT_NO_TS,
	OPT_WINDOW,
	OPT_RTO,
	OPT_RTO_MAX,
	OPT_RETRIES,
	OPT_PROBE,
	OPT_IDLE,
	OPT_LINGER,
	OPT_DRAIN,
	OPT_HOLD,
	OPT_TABLE,
	OPT_STATS,
	OPT_JSON,
	OPT_MBUFS,
	OPT_BURST,
	OPT_LINK_TIMEOUT,
};

static const struct option long_opts[] = {
	{"mode", required_argument, NULL, OPT_MODE},
	{"port-client", required_argument, NULL, OPT_PORT_CLIENT},
	{"port-server", required_argument, NULL, OPT_PORT_SERVER},
	{"client-net", required_argument, NULL, OPT_CLIENT_NET},
	{"server-ip", required_argument, NULL, OPT_SERVER_IP},
	{"service-port", required_argument, NULL, OPT_SERVICE_PORT},
	{"src-net", required_argument, NULL, OPT_SRC_NET},
	{"client-mac", required_argument, NULL, OPT_CLIENT_MAC},
	{"server-mac", required_argument, NULL, OPT_SERVER_MAC},
	{"dst-mac", required_argument, NULL, OPT_DST_MAC},
	{"rate", required_argument, NULL, OPT_RATE},
	{"count", required_argument, NULL, OPT_COUNT},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"conns", required_argument, NULL, OPT_CONNS},
	{"concurrency", required_argument, NULL, OPT_CONCURRENCY},
	{"conn-rate", required_argument, NULL, OPT_CONN_RATE},
	{"request-bytes", required_argument, NULL, OPT_REQUEST},
	{"response-bytes", required_argument, NULL, OPT_RESPONSE},
	{"close-first", required_argument, NULL, OPT_CLOSE_FIRST},
	{"synack-zero-window", no_argument, NULL, OPT_SYNACK_ZERO_WIN},
	{"mss", required_argument, NULL, OPT_MSS},
	{"wscale", required_argument, NULL, OPT_WSCALE},
	{"no-sack", no_argument, NULL, OPT_NO_SACK},
	{"no-ts", no_argument, NULL, OPT_NO_TS},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"rto-ms", required_argument, NULL, OPT_RTO},
	{"rto-max-ms", required_argument, NULL, OPT_RTO_MAX},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"probe-ms", required_argument, NULL, OPT_PROBE},
	{"idle-ms", required_argument, NULL, OPT_IDLE},
	{"linger-ms", required_argument, NULL, OPT_LINGER},
	{"drain-ms", required_argument, NULL, OPT_DRAIN},
	{"hold", required_argument, NULL, OPT_HOLD},
	{"table", required_argument, NULL, OPT_TABLE},
	{"stats-interval", required_argument, NULL, OPT_STATS},
	{"json", required_argument, NULL, OPT_JSON},
	{"mbufs", required_argument, NULL, OPT_MBUFS},
	{"burst", required_argument, NULL, OPT_BURST},
	{"link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Decimal digits only, within [min, max]. */
static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out < min || *out > max)
		goto bad;
	return 0;
bad:
	fprintf(stderr, GEN_NAME ": --%s: '%s' is not a whole number in %lu..%lu\n", opt, s,
		(unsigned long)min, (unsigned long)max);
	return ERR_USAGE;
}

static int
parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = parse_u64(opt, s, min, max, &v);

	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

/* N (seconds), Ns, Nms or Nm. */
static int
parse_duration(const char *opt, const char *s, uint64_t *ms)
{
	char *end;
	uint64_t v, mult = 1000;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		goto bad;
	/* At most 1 h, unit applied (v first: no overflow); --duration's bound of the run. */
	if (v > 3600000 || v * mult > 3600000) {
		fprintf(stderr, GEN_NAME ": --%s: '%s' is over 1h\n", opt, s);
		return ERR_USAGE;
	}
	*ms = v * mult;
	return 0;
bad:
	fprintf(stderr, GEN_NAME ": --%s: '%s' is not a duration (10, 10s, 500ms, 2m)\n", opt, s);
	return ERR_USAGE;
}

/* An IPv4 or IPv6 address; *family says which. */
static int
parse_ip(const char *opt, const char *s, struct gen_ip *ip, uint8_t *family)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->b) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->b) == 1) {
		*family = 6;
		return 0;
	}
	fprintf(stderr, GEN_NAME ": --%s: '%s' is not an IPv4 or IPv6 address\n", opt, s);
	return ERR_USAGE;
}

/* Any bit of a set past the first plen. */
static bool
has_host_bits(const struct gen_ip *a, uint8_t plen)
{
	for (unsigned int i = 0; i < sizeof(a->b); i++) {
		int net_bits = (int)plen - (int)(8 * i); /* of this byte, if in 0..7 */

		if (net_bits < 8 && (a->b[i] & (net_bits <= 0 ? 0xffu : 0xffu >> net_bits)))
			return true;
	}
	return false;
}

/* ADDR/LEN with zero host bits, IPv4 or IPv6. */
static int
parse_prefix(const char *opt, const char *s, struct gen_ip *net, uint8_t *plen, uint8_t *family)
{
	char buf[INET6_ADDRSTRLEN + 4];
	char *slash;
	uint64_t len;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		goto bad;
	*slash = '\0';
	if (parse_ip(opt, buf, net, family) != 0 ||
		parse_u64(opt, slash + 1, 0, gen_ip_len(*family) * 8, &len) != 0)
		return ERR_USAGE;
	*plen = (uint8_t)len;
	if (has_host_bits(net, *plen)) {
		fprintf(stderr, GEN_NAME ": --%s: '%s' has host bits set\n", opt, s);
		return ERR_USAGE;
	}
	return 0;
bad:
	fprintf(stderr, GEN_NAME ": --%s: '%s' is not a prefix ADDR/LEN\n", opt, s);
	return ERR_USAGE;
}

static int
parse_mac(const char *opt, const char *s, struct rte_ether_addr *mac)
{
	if (rte_ether_unformat_addr(s, mac) != 0) {
		fprintf(stderr, GEN_NAME ": --%s: '%s' is not a MAC address\n", opt, s);
		return ERR_USAGE;
	}
	return 0;
}

static int
parse_modes(const char *s, uint32_t *modes)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return ERR_USAGE;
	strcpy(buf, s);
	*modes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		int m;

		for (m = 0; m < GEN_MODE_MAX; m++)
			if (strcmp(tok, gen_modes[m]->name) == 0)
				break;
		if (m == GEN_MODE_MAX) {
			fprintf(stderr, GEN_NAME ": --mode: unknown mode '%s'\n", tok);
			return ERR_USAGE;
		}
		*modes |= 1u << m;
	}
	return 0;
}

/* The address options: their families must agree (family[] of parse_one()). */
enum { ADDR_CLIENT, ADDR_SERVER, ADDR_SRC, ADDR_MAX };

static void
defaults(struct gen_cfg *cfg, uint8_t family[ADDR_MAX])
{
	memset(cfg, 0, sizeof(*cfg));
	sw_wr32(cfg->client_net.b, 0xc6120100u); /* 198.18.1.0/24 */
	cfg->client_plen = 24;
	sw_wr32(cfg->server_ip.b, 0xc6120201u); /* 198.18.2.1 */
	cfg->service_port = 80;
	sw_wr32(cfg->src_net.b, 0xc6130000u); /* 198.19.0.0/16 */
	cfg->src_plen = 16;
	for (int i = 0; i < ADDR_MAX; i++)
		family[i] = 4;
	cfg->rate_pps = 10000;
	cfg->duration_ms = 10000;
	cfg->conns = 1000;
	cfg->concurrency = 64;
	cfg->request_bytes = 128;
	cfg->response_bytes = 1024;
	cfg->mss = 0; /* the family's largest, set by validate() */
	cfg->wscale = 7;
	cfg->sack = true;
	cfg->ts = true;
	cfg->window_bytes = 65535;
	cfg->rto_ms = 200;
	cfg->rto_max_ms = 1000;
	cfg->retries = 5;
	cfg->probe_ms = 200;
	cfg->idle_ms = 5000;
	cfg->linger_ms = 500;
	cfg->drain_ms = 500;
	cfg->table_size = 131072;
	cfg->stats_interval_ms = 1000;
	cfg->nb_mbufs = 32768;
	cfg->burst = 32;
	cfg->link_timeout_ms = 10000;
}

static int
parse_one(struct gen_cfg *cfg, uint8_t family[ADDR_MAX], int c, const char *arg)
{
	const char *opt = NULL;
	uint64_t v = 0;
	uint32_t u = 0;
	int ret;

	for (const struct option *o = long_opts; o->name != NULL; o++)
		if (o->val == c)
			opt = o->name;
	switch (c) {
	case OPT_MODE:
		return parse_modes(arg, &cfg->modes);
	case OPT_PORT_CLIENT:
	case OPT_PORT_SERVER: {
		enum gen_role r = c == OPT_PORT_CLIENT ? GEN_ROLE_CLIENT : GEN_ROLE_SERVER;

		ret = parse_u32(opt, arg, 0, RTE_MAX_ETHPORTS - 1, &u);
		cfg->port_id[r] = (uint16_t)u;
		cfg->has_port[r] = true;
		return ret;
	}
	case OPT_CLIENT_NET:
		return parse_prefix(
			opt, arg, &cfg->client_net, &cfg->client_plen, &family[ADDR_CLIENT]);
	case OPT_SERVER_IP:
		return parse_ip(opt, arg, &cfg->server_ip, &family[ADDR_SERVER]);
	case OPT_SERVICE_PORT:
		ret = parse_u32(opt, arg, 1, 65535, &u);
		cfg->service_port = (uint16_t)u;
		return ret;
	case OPT_SRC_NET:
		return parse_prefix(opt, arg, &cfg->src_net, &cfg->src_plen, &family[ADDR_SRC]);
	case OPT_CLIENT_MAC:
		cfg->has_mac[GEN_ROLE_CLIENT] = true;
		return parse_mac(opt, arg, &cfg->mac[GEN_ROLE_CLIENT]);
	case OPT_SERVER_MAC:
		cfg->has_mac[GEN_ROLE_SERVER] = true;
		return parse_mac(opt, arg, &cfg->mac[GEN_ROLE_SERVER]);
	case OPT_DST_MAC:
		cfg->has_dst_mac = true;
		return parse_mac(opt, arg, &cfg->dst_mac);
	case OPT_RATE:
		return parse_u64(opt, arg, 0, 100000000, &cfg->rate_pps);
	case OPT_COUNT:
		return parse_u64(opt, arg, 0, 10000000000ull, &cfg->count);
	case OPT_DURATION:
		return parse_duration(opt, arg, &cfg->duration_ms);
	case OPT_CONNS:
		return parse_u64(opt, arg, 1, 1000000000, &cfg->conns);
	case OPT_CONCURRENCY:
		return parse_u32(opt, arg, 1, 4194304, &cfg->concurrency);
	case OPT_CONN_RATE:
		return parse_u32(opt, arg, 0, 10000000, &cfg->conn_rate);
	case OPT_REQUEST:
		return parse_u32(opt, arg, GEN_HDR_LEN, GEN_LEN_MAX, &cfg->request_bytes);
	case OPT_RESPONSE:
		return parse_u32(opt, arg, 0, GEN_LEN_MAX, &cfg->response_bytes);
	case OPT_CLOSE_FIRST:
		if (strcmp(arg, "client") != 0 && strcmp(arg, "server") != 0) {
			fprintf(stderr, GEN_NAME ": --close-first: '%s' is not client|server\n",
				arg);
			return ERR_USAGE;
		}
		cfg->server_closes_first = strcmp(arg, "server") == 0;
		return 0;
	case OPT_SYNACK_ZERO_WIN:
		cfg->synack_zero_win = true;
		return 0;
	case OPT_MSS:
		ret = parse_u32(opt, arg, 64, GEN_MSS_MAX4, &u);
		cfg->mss = (uint16_t)u;
		return ret;
	case OPT_WSCALE:
		if (strcmp(arg, "none") == 0) {
			cfg->wscale = -1;
			return 0;
		}
		ret = parse_u32(opt, arg, 0, SW_TCPOPT_WS_MAX, &u);
		cfg->wscale = (int8_t)u;
		return ret;
	case OPT_NO_SACK:
		cfg->sack = false;
		return 0;
	case OPT_NO_TS:
		cfg->ts = false;
		return 0;
	case OPT_WINDOW:
		return parse_u32(opt, arg, 1, 0x3fffc000u, &cfg->window_bytes);
	case OPT_RTO:
		return parse_u32(opt, arg, 1, 60000, &cfg->rto_ms);
	case OPT_RTO_MAX:
		return parse_u32(opt, arg, 1, 60000, &cfg->rto_max_ms);
	case OPT_RETRIES:
		ret = parse_u32(opt, arg, 0, 20, &u);
		cfg->retries = (uint8_t)u;
		return ret;
	case OPT_PROBE:
		return parse_u32(opt, arg, 1, 60000, &cfg->probe_ms);
	case OPT_IDLE:
		return parse_u32(opt, arg, 1, 600000, &cfg->idle_ms);
	case OPT_LINGER:
		return parse_u32(opt, arg, 0, 60000, &cfg->linger_ms);
	case OPT_DRAIN:
		return parse_u32(opt, arg, 0, 60000, &cfg->drain_ms);
	case OPT_HOLD:
		ret = parse_duration(opt, arg, &v);
		if (ret == 0 && v > 600000) {
			fprintf(stderr, GEN_NAME ": --hold: at most 10m\n");
			ret = ERR_USAGE;
		}
		cfg->hold_ms = (uint32_t)v;
		return ret;
	case OPT_TABLE:
		return parse_u32(opt, arg, 1024, 4194304, &cfg->table_size);
	case OPT_STATS:
		ret = parse_u32(opt, arg, 0, 3600, &u);
		cfg->stats_interval_ms = u * 1000;
		return ret;
	case OPT_JSON:
		cfg->json_path = arg;
		return 0;
	case OPT_MBUFS:
		return parse_u32(opt, arg, 2048, 4194304, &cfg->nb_mbufs);
	case OPT_BURST:
		ret = parse_u32(opt, arg, 1, GEN_BURST_MAX, &u);
		cfg->burst = (uint16_t)u;
		return ret;
	case OPT_LINK_TIMEOUT:
		ret = parse_u64(opt, arg, 0, 600, &v);
		cfg->link_timeout_ms = (uint32_t)v * 1000;
		return ret;
	default:
		return ERR_USAGE;
	}
}

/*
 * A prefix inside 198.18.0.0/15 (RFC 2544) or 2001:2::/48 (RFC 5180): the
 * network rule of the lab, no exception.
 */
static int
check_lab(const char *opt, uint8_t family, const struct gen_ip *net, uint8_t plen)
{
	static const struct gen_ip lab4 = {{GEN_LAB_NET4}}, lab6 = {{GEN_LAB_NET6}};
	uint8_t lab_plen = family == 6 ? GEN_LAB_PLEN6 : GEN_LAB_PLEN4;
	char buf[INET6_ADDRSTRLEN];

	if (plen >= lab_plen && gen_in_net(net, family == 6 ? &lab6 : &lab4, lab_plen))
		return 0;
	inet_ntop(family == 6 ? AF_INET6 : AF_INET, net->b, buf, sizeof(buf));
	fprintf(stderr, GEN_NAME ": --%s %s/%u refused: only %s may be used\n", opt, buf, plen,
		family == 6 ? "2001:2::/48" : "198.18.0.0/15");
	return ERR_USAGE;
}

/* The addresses: one family, inside the lab ranges, the three sets apart. */
static int
validate_addrs(struct gen_cfg *cfg, const uint8_t family[ADDR_MAX])
{
	static const char *const opt[ADDR_MAX] = {"client-net", "server-ip", "src-net"};

	if (family[ADDR_CLIENT] != family[ADDR_SERVER] || family[ADDR_SRC] != family[ADDR_SERVER]) {
		fprintf(stderr,
			GEN_NAME ": --%s (IPv%u), --%s (IPv%u) and --%s (IPv%u) must be of one "
				 "family; the defaults are IPv4, so give all three for IPv6\n",
			opt[ADDR_CLIENT], family[ADDR_CLIENT], opt[ADDR_SERVER],
			family[ADDR_SERVER], opt[ADDR_SRC], family[ADDR_SRC]);
		return ERR_USAGE;
	}
	cfg->family = family[ADDR_SERVER];
	if (check_lab(opt[ADDR_CLIENT], cfg->family, &cfg->client_net, cfg->client_plen) != 0 ||
		check_lab(opt[ADDR_SERVER], cfg->family, &cfg->server_ip,
			(uint8_t)(gen_ip_len(cfg->family) * 8)) != 0 ||
		check_lab(opt[ADDR_SRC], cfg->family, &cfg->src_net, cfg->src_plen) != 0)
		return ERR_USAGE;
	if (gen_in_net(&cfg->src_net, &cfg->client_net, RTE_MIN(cfg->src_plen, cfg->client_plen))) {
		fprintf(stderr, GEN_NAME ": --src-net and --client-net overlap\n");
		return ERR_USAGE;
	}
	if (gen_in_net(&cfg->server_ip, &cfg->src_net, cfg->src_plen) ||
		gen_in_net(&cfg->server_ip, &cfg->client_net, cfg->client_plen)) {
		fprintf(stderr, GEN_NAME ": --server-ip lies in --src-net or --client-net\n");
		return ERR_USAGE;
	}
	return 0;
}

static int
validate(struct gen_cfg *cfg, const uint8_t family[ADDR_MAX])
{
	uint16_t mss_max;

	if (cfg->modes == 0) {
		fprintf(stderr, GEN_NAME ": --mode is required (see --help)\n");
		return ERR_USAGE;
	}
	if (validate_addrs(cfg, family) != 0)
		return ERR_USAGE;
	mss_max = (uint16_t)(GEN_MSS_MAX4 - (cfg->family == 6 ? GEN_IP6_EXTRA : 0));
	if (cfg->mss == 0) {
		cfg->mss = mss_max;
	} else if (cfg->mss > mss_max) {
		fprintf(stderr, GEN_NAME ": --mss %u: at most %u over IPv%u\n", cfg->mss, mss_max,
			cfg->family);
		return ERR_USAGE;
	}
	if (cfg->duration_ms == 0) {
		fprintf(stderr, GEN_NAME ": --duration must be at least 1ms\n");
		return ERR_USAGE;
	}
	if (cfg->wscale < 0 && cfg->window_bytes > 0xffff) {
		fprintf(stderr, GEN_NAME ": --window above 65535 needs --wscale\n");
		return ERR_USAGE;
	}
	if (cfg->wscale >= 0 && (cfg->window_bytes >> cfg->wscale) > 0xffff) {
		fprintf(stderr, GEN_NAME ": --window %u does not fit 16 bits at --wscale %d\n",
			cfg->window_bytes, cfg->wscale);
		return ERR_USAGE;
	}
	/* Below one unit of the shift every window field would read 0: nothing could be sent. */
	if (cfg->wscale >= 0 && (cfg->window_bytes >> cfg->wscale) == 0) {
		fprintf(stderr,
			GEN_NAME ": --window %u is below one unit (%u bytes) at --wscale %d\n",
			cfg->window_bytes, 1u << cfg->wscale, cfg->wscale);
		return ERR_USAGE;
	}
	if (cfg->rto_max_ms < cfg->rto_ms) {
		fprintf(stderr, GEN_NAME ": --rto-max-ms is below --rto-ms\n");
		return ERR_USAGE;
	}
	if (gen_mode_on(cfg, GEN_MODE_CLIENTS) && cfg->concurrency > cfg->table_size / 2) {
		fprintf(stderr,
			GEN_NAME ": --concurrency %u needs --table of at least %u (lingering "
				 "connections use entries too)\n",
			cfg->concurrency, cfg->concurrency * 2);
		return ERR_USAGE;
	}
	return 0;
}

int
gen_args_parse(struct gen_cfg *cfg, int argc, char **argv)
{
	uint8_t family[ADDR_MAX];
	int c, ret;

	defaults(cfg, family);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hV", long_opts, NULL)) != -1) {
		if (c == 'h') {
			gen_args_usage(stdout, argv[0]);
			return 1;
		}
		if (c == 'V') {
			gen_args_version();
			return 1;
		}
		if (c == '?') {
			gen_args_usage(stderr, argv[0]);
			return ERR_USAGE;
		}
		ret = parse_one(cfg, family, c, optarg);
		if (ret != 0)
			return ret;
	}
	if (optind < argc) {
		fprintf(stderr, GEN_NAME ": unexpected argument '%s'\n", argv[optind]);
		return ERR_USAGE;
	}
	return validate(cfg, family);
}

/* After EAL init: the ports the enabled modes need exist and differ. */
int
gen_args_check_ports(struct gen_cfg *cfg)
{
	bool need[GEN_ROLE_MAX] = {false, false};
	static const char *const opt[GEN_ROLE_MAX] = {"port-client", "port-server"};

	for (int m = 0; m < GEN_MODE_MAX; m++)
		if (gen_mode_on(cfg, (enum gen_mode)m))
			need[gen_modes[m]->role] = true;
	if (!cfg->has_port[GEN_ROLE_SERVER])
		cfg->port_id[GEN_ROLE_SERVER] = need[GEN_ROLE_CLIENT] ? 1 : 0;
	for (int r = 0; r < GEN_ROLE_MAX; r++)
		if (need[r] && !rte_eth_dev_is_valid_port(cfg->port_id[r])) {
			fprintf(stderr,
				GEN_NAME ": --%s %u: no such port (%u ports; see the EAL "
					 "--vdev / -a options)\n",
				opt[r], cfg->port_id[r], rte_eth_dev_count_avail());
			return ERR_USAGE;
		}
	if (need[GEN_ROLE_CLIENT] && need[GEN_ROLE_SERVER] &&
		cfg->port_id[GEN_ROLE_CLIENT] == cfg->port_id[GEN_ROLE_SERVER]) {
		fprintf(stderr, GEN_NAME ": --port-client and --port-server are both %u\n",
			cfg->port_id[GEN_ROLE_CLIENT]);
		return ERR_USAGE;
	}
	return 0;
}
