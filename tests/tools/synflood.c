/* SPDX-License-Identifier: BSD-3-Clause */
/* synflood: a bounded spoofed TCP SYN generator for the synwall lab (raw IPv4/IPv6 socket). */

/*
 * Every packet is a Linux-like SYN: random source address inside --src, random source
 * port and ISN, options MSS, SACK_PERM, TS, NOP, WS (the order Linux sends them in).
 * The run is always bounded: it stops after --count packets or --duration seconds,
 * whichever comes first, and is paced to --rate packets per second.
 *
 * --src and --dst are both IPv4 or both IPv6 prefixes; the family picks the raw socket
 * (IPv4: IP_HDRINCL, IPv6: IPV6_HDRINCL, both implied by IPPROTO_RAW on Linux).
 *
 * Safety: source and destination must both lie inside 198.18.0.0/15 (RFC 2544
 * benchmarking range) or, for IPv6, inside 2001:2::/48 (RFC 5180); anything else is
 * refused before a socket is opened. Run it inside the lab's client namespace
 * (tests/lab/lab.sh), where those ranges are all there is.
 *
 * Output (stdout, one line): "synflood: sent=N failed=N elapsed_s=X pps=Y".
 * Exit: 0 done, 1 socket error, 2 bad usage or refused target.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg() */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The only ranges this tool may use as source or destination: 198.18.0.0/15, 2001:2::/48. */
#define LAB_NET4 "198.18.0.0/15"
#define LAB_NET6 "2001:2::/48"

#define MAX_COUNT 100000000ull /* hard cap on --count */
#define MAX_DURATION_S 600.0 /* hard cap on --duration */
#define MAX_RATE_PPS 10000000ull
#define BATCH_MAX 64 /* packets per sendmmsg() */

/* TCP option kinds (RFC 9293 section 3.2, RFC 2018, RFC 7323). */
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TS 8

#define IP_HDR_LEN 20
#define IP6_HDR_LEN 40 /* RFC 8200 section 3 */
#define TCP_HDR_LEN 20
#define TCP_OPT_LEN 20 /* MSS 4 + SACK_PERM 2 + TS 10 + NOP 1 + WS 3 */
#define PKT_LEN (IP6_HDR_LEN + TCP_HDR_LEN + TCP_OPT_LEN)

#define TCP_FLAG_SYN 0x02
#define IP_FLAG_DF 0x4000

/* An IPv4 or IPv6 prefix. */
struct prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order, host bits cleared; IPv4 in addr[0..3] */
	unsigned int plen; /* 0..32 or 0..128 */
};

/* Command-line configuration. */
struct flood_conf {
	struct prefix src; /* spoofed sources: random inside this prefix */
	struct prefix dst; /* targets: random inside this prefix (/32: one host) */
	uint16_t dport_lo; /* destination ports, random in [lo, hi] */
	uint16_t dport_hi;
	uint64_t count; /* packets to send (successfully handed to the kernel) */
	double duration_s; /* wall-clock limit */
	uint64_t rate_pps; /* target rate; 0 = as fast as possible (still bounded) */
	uint16_t mss; /* MSS option value */
	uint8_t wscale; /* window scale option value */
	bool has_options; /* false: bare SYN without options */
	uint64_t seed; /* PRNG seed; 0 = from the clock */
	bool is_quiet; /* no progress line at the end on stderr */
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* splitmix64: small, fast, good enough for addresses, ports and ISNs. */
static uint64_t
rnd_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int
addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* Network bits of byte i of a prefix of length plen. */
static uint8_t
mask_byte(unsigned int plen, unsigned int i)
{
	if (plen >= 8 * (i + 1))
		return 0xff;
	if (plen <= 8 * i)
		return 0;
	return (uint8_t)(0xff << (8 - (plen - 8 * i)));
}

static bool
prefix_inside(const struct prefix *inner, const struct prefix *outer)
{
	unsigned int i;

	if (inner->family != outer->family || inner->plen < outer->plen)
		return false;
	for (i = 0; i < addr_len(outer->family); i++)
		if ((inner->addr[i] & mask_byte(outer->plen, i)) != outer->addr[i])
			return false;
	return true;
}

/* Random address inside p into out (host bits random, network bits from p). */
static void
prefix_pick(const struct prefix *p, uint64_t *rnd, uint8_t *out)
{
	uint64_t r = 0;
	unsigned int i;

	for (i = 0; i < addr_len(p->family); i++) {
		uint8_t m = mask_byte(p->plen, i);

		if (i % 8 == 0)
			r = rnd_next(rnd);
		out[i] = (uint8_t)((p->addr[i] & m) | ((uint8_t)(r >> (8 * (i % 8))) & ~m));
	}
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-' || *s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "ADDR" or "ADDR/LEN", IPv4 or IPv6; host bits must be zero. */
static int
parse_prefix(const char *s, struct prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 4];
	char *slash;
	uint64_t plen;
	unsigned int i;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(p, 0, sizeof(*p));
	p->family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	plen = 8 * addr_len(p->family);
	if (slash != NULL && parse_u64(slash + 1, 0, plen, &plen) < 0)
		return -EINVAL;
	if (inet_pton(p->family, buf, p->addr) != 1)
		return -EINVAL;
	p->plen = (unsigned int)plen;
	for (i = 0; i < addr_len(p->family); i++)
		if ((p->addr[i] & ~mask_byte(p->plen, i)) != 0)
			return -EINVAL;
	return 0;
}

/* "P" or "LO-HI". */
static int
parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	char *dash;
	uint64_t a, b;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (parse_u64(buf, 1, 65535, &a) < 0)
		return -EINVAL;
	b = a;
	if (dash != NULL && parse_u64(dash + 1, a, 65535, &b) < 0)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int
parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v > 0.0) || v > MAX_DURATION_S)
		return -EINVAL;
	*out = v;
	return 0;
}

/* RFC 1071 one's-complement sum over len bytes, folded into 32 bits. */
static uint32_t
csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Build one SYN into pkt (PKT_LEN bytes) from src to dst (addresses of conf's family,
 * network order); returns its length. Header fields are written byte by byte in network
 * order, so no struct layout or alignment is assumed.
 */
static size_t
build_syn(const struct flood_conf *conf, uint8_t *pkt, const uint8_t *src, const uint8_t *dst,
	uint64_t *rnd)
{
	bool is_v6 = conf->src.family == AF_INET6;
	size_t ip_len = is_v6 ? IP6_HDR_LEN : IP_HDR_LEN;
	uint8_t *ip = pkt;
	uint8_t *tcp = pkt + ip_len;
	uint8_t *opt = tcp + TCP_HDR_LEN;
	size_t opt_len = conf->has_options ? TCP_OPT_LEN : 0;
	size_t tcp_len = TCP_HDR_LEN + opt_len;
	size_t len = ip_len + tcp_len;
	uint64_t r = rnd_next(rnd);
	uint16_t sport = (uint16_t)(1024 + (r % (65536 - 1024)));
	uint16_t dport = (uint16_t)(conf->dport_lo +
		(r >> 16) % ((uint32_t)conf->dport_hi - conf->dport_lo + 1));
	uint32_t isn = (uint32_t)(r >> 32);
	uint32_t sum;

	memset(pkt, 0, len);
	if (is_v6) {
		/* IPv6 header, RFC 8200 section 3: version 6, no traffic class or flow label. */
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)tcp_len);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64; /* hop limit */
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		/* IPv4 header, RFC 791. */
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)len);
		put16(ip + 4, (uint16_t)rnd_next(rnd));
		put16(ip + 6, IP_FLAG_DF);
		ip[8] = 64; /* TTL */
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, IP_HDR_LEN)));
	}

	/* TCP header, RFC 9293 section 3.1. */
	put16(tcp + 0, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, isn);
	tcp[12] = (uint8_t)((tcp_len / 4) << 4);
	tcp[13] = TCP_FLAG_SYN;
	put16(tcp + 14, 64240); /* what Linux advertises with MSS 1460 */
	if (conf->has_options) {
		opt[0] = TCPOPT_MSS;
		opt[1] = 4;
		put16(opt + 2, conf->mss);
		opt[4] = TCPOPT_SACK_PERM;
		opt[5] = 2;
		opt[6] = TCPOPT_TS;
		opt[7] = 10;
		put32(opt + 8, (uint32_t)rnd_next(rnd)); /* TSval */
		put32(opt + 12, 0); /* TSecr: 0 in a SYN */
		opt[16] = TCPOPT_NOP;
		opt[17] = TCPOPT_WS;
		opt[18] = 3;
		opt[19] = conf->wscale;
	}
	/*
	 * Pseudo-header (RFC 9293 section 3.1, RFC 8200 section 8.1): the addresses, then
	 * protocol and TCP length; the sum does not depend on where the zero bytes go.
	 */
	sum = csum_add(0, is_v6 ? ip + 8 : ip + 12, is_v6 ? 32 : 8);
	sum += IPPROTO_TCP + (uint32_t)tcp_len;
	sum = csum_add(sum, tcp, tcp_len);
	put16(tcp + 16, csum_fold(sum));
	return len;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
		!stop_requested)
		;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: synflood --dst ADDR[/LEN] --dport PORT[-PORT] --src PREFIX/LEN [options]\n"
		"  --src PREFIX/LEN    spoofed sources, random inside (must be in 198.18.0.0/15,\n"
		"                      or for IPv6 in 2001:2::/48)\n"
		"  --dst ADDR[/LEN]    target(s), random inside (same ranges, same family as "
		"--src)\n"
		"  --dport P[-P]       destination port or range\n"
		"  --count N           packets to send (default 1000, max %llu)\n"
		"  --duration SEC      time limit (default 10, max %.0f)\n"
		"  --rate PPS          target rate (default 10000; 0 = unpaced, still bounded)\n"
		"  --mss N             MSS option (default 1460)\n"
		"  --wscale N          window scale option (default 7)\n"
		"  --no-options        bare SYNs without TCP options\n"
		"  --seed N            PRNG seed (default: from the clock)\n"
		"  --quiet             no summary on stderr\n",
		MAX_COUNT, MAX_DURATION_S);
}

static int
parse_args(int argc, char **argv, struct flood_conf *conf)
{
	static const struct option longopts[] = {
		{"src", required_argument, NULL, 's'},
		{"dst", required_argument, NULL, 'd'},
		{"dport", required_argument, NULL, 'p'},
		{"count", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, 't'},
		{"rate", required_argument, NULL, 'r'},
		{"mss", required_argument, NULL, 'm'},
		{"wscale", required_argument, NULL, 'w'},
		{"no-options", no_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 'S'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct prefix lab;
	bool has_src = false, has_dst = false, has_port = false;
	uint64_t v;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (parse_prefix(optarg, &conf->src) < 0) {
				fprintf(stderr, "synflood: --src %s: not an IPv4/IPv6 prefix\n",
					optarg);
				return -EINVAL;
			}
			has_src = true;
			break;
		case 'd':
			if (parse_prefix(optarg, &conf->dst) < 0) {
				fprintf(stderr,
					"synflood: --dst %s: not an IPv4/IPv6 address/prefix\n",
					optarg);
				return -EINVAL;
			}
			has_dst = true;
			break;
		case 'p':
			if (parse_ports(optarg, &conf->dport_lo, &conf->dport_hi) < 0) {
				fprintf(stderr, "synflood: --dport %s: not a port or range\n",
					optarg);
				return -EINVAL;
			}
			has_port = true;
			break;
		case 'c':
			if (parse_u64(optarg, 1, MAX_COUNT, &conf->count) < 0) {
				fprintf(stderr, "synflood: --count %s: want 1..%llu\n", optarg,
					MAX_COUNT);
				return -EINVAL;
			}
			break;
		case 't':
			if (parse_seconds(optarg, &conf->duration_s) < 0) {
				fprintf(stderr, "synflood: --duration %s: want (0, %.0f] seconds\n",
					optarg, MAX_DURATION_S);
				return -EINVAL;
			}
			break;
		case 'r':
			if (parse_u64(optarg, 0, MAX_RATE_PPS, &conf->rate_pps) < 0) {
				fprintf(stderr, "synflood: --rate %s: want 0..%llu pps\n", optarg,
					MAX_RATE_PPS);
				return -EINVAL;
			}
			break;
		case 'm':
			if (parse_u64(optarg, 1, 65535, &v) < 0) {
				fprintf(stderr, "synflood: --mss %s: want 1..65535\n", optarg);
				return -EINVAL;
			}
			conf->mss = (uint16_t)v;
			break;
		case 'w':
			/* RFC 7323 section 2.3: shift counts above 14 are invalid. */
			if (parse_u64(optarg, 0, 14, &v) < 0) {
				fprintf(stderr, "synflood: --wscale %s: want 0..14\n", optarg);
				return -EINVAL;
			}
			conf->wscale = (uint8_t)v;
			break;
		case 'n':
			conf->has_options = false;
			break;
		case 'S':
			if (parse_u64(optarg, 0, UINT64_MAX, &conf->seed) < 0) {
				fprintf(stderr, "synflood: --seed %s: not a number\n", optarg);
				return -EINVAL;
			}
			break;
		case 'q':
			conf->is_quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !has_src || !has_dst || !has_port) {
		usage(stderr);
		return -EINVAL;
	}
	if (conf->src.family != conf->dst.family) {
		fprintf(stderr, "synflood: --src and --dst must both be IPv4 or both IPv6\n");
		return -EINVAL;
	}
	if (parse_prefix(conf->src.family == AF_INET6 ? LAB_NET6 : LAB_NET4, &lab) < 0)
		return -EINVAL;
	if (!prefix_inside(&conf->src, &lab) || !prefix_inside(&conf->dst, &lab)) {
		fprintf(stderr, "synflood: refused: --src and --dst must lie inside %s\n",
			conf->src.family == AF_INET6 ? LAB_NET6 : LAB_NET4);
		return -EPERM;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct flood_conf conf = {
		.count = 1000,
		.duration_s = 10.0,
		.rate_pps = 10000,
		.mss = 1460,
		.wscale = 7,
		.has_options = true,
	};
	static uint8_t pkts[BATCH_MAX][PKT_LEN];
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec iovs[BATCH_MAX];
	struct sockaddr_storage dsts[BATCH_MAX];
	uint64_t sent = 0, failed = 0, rnd;
	double start, deadline, elapsed;
	int fd, rc = 0;

	if (parse_args(argc, argv, &conf) < 0)
		return 2;
	rnd = conf.seed != 0 ? conf.seed : (uint64_t)(now_s() * 1e9) ^ (uint64_t)getpid();

	/*
	 * IPPROTO_RAW implies IP_HDRINCL / IPV6_HDRINCL: the kernel routes, we write every
	 * header byte (the spoofed source included).
	 */
	fd = socket(conf.src.family, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror(conf.src.family == AF_INET6 ? "synflood: socket(AF_INET6, SOCK_RAW)"
						   : "synflood: socket(AF_INET, SOCK_RAW)");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	start = now_s();
	deadline = start + conf.duration_s;
	while (sent < conf.count && !stop_requested) {
		uint64_t want = conf.count - sent;
		unsigned int n, i;
		double now = now_s();
		int r;

		if (now >= deadline)
			break;
		if (want > BATCH_MAX)
			want = BATCH_MAX;
		if (conf.rate_pps != 0) {
			/* Pace: packet k is due at start + k / rate; batches stay <= 1 ms. */
			double due = start + (double)sent / (double)conf.rate_pps;
			uint64_t per_ms = conf.rate_pps / 1000 + 1;

			if (due > now) {
				sleep_until(due < deadline ? due : deadline);
				continue;
			}
			if (want > per_ms)
				want = per_ms;
		}
		n = (unsigned int)want;
		for (i = 0; i < n; i++) {
			uint8_t src[16], dst[16];
			socklen_t dlen;

			prefix_pick(&conf.src, &rnd, src);
			prefix_pick(&conf.dst, &rnd, dst);
			iovs[i].iov_base = pkts[i];
			iovs[i].iov_len = build_syn(&conf, pkts[i], src, dst, &rnd);
			memset(&dsts[i], 0, sizeof(dsts[i]));
			if (conf.src.family == AF_INET6) {
				struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dsts[i];

				d6->sin6_family = AF_INET6;
				memcpy(&d6->sin6_addr, dst, 16);
				dlen = sizeof(*d6);
			} else {
				struct sockaddr_in *d4 = (struct sockaddr_in *)&dsts[i];

				d4->sin_family = AF_INET;
				memcpy(&d4->sin_addr, dst, 4);
				dlen = sizeof(*d4);
			}
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_name = &dsts[i];
			msgs[i].msg_hdr.msg_namelen = dlen;
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS || errno == EAGAIN) {
				/* Queue full: count the batch's head as failed, back off briefly. */
				failed++;
				usleep(100);
				continue;
			}
			perror("synflood: sendmmsg");
			rc = 1;
			break;
		}
		sent += (uint64_t)r;
	}
	elapsed = now_s() - start;
	close(fd);
	printf("synflood: sent=%" PRIu64 " failed=%" PRIu64 " elapsed_s=%.3f pps=%.0f\n", sent,
		failed, elapsed, elapsed > 0 ? (double)sent / elapsed : 0.0);
	if (!conf.is_quiet && sent < conf.count && rc == 0)
		fprintf(stderr,
			"synflood: stopped by %s after %" PRIu64 " of %" PRIu64 " packets\n",
			stop_requested ? "signal" : "--duration", sent, conf.count);
	return rc;
}
