/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics endpoint's address, one parser for the config check
 * ([general] prometheus) and the listener (app/synwall/prom_http.c, also
 * --prometheus): libc only, no EAL.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sw_rules.h"

int
sw_config_parse_endpoint(const char *addr, struct sockaddr_storage *ss, socklen_t *ss_len)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *host_start, *host_end, *port_str;
	struct addrinfo hints, *res = NULL;
	size_t host_len, port_len;
	struct in_addr v4;
	int ret;

	if (addr[0] == '[') {
		host_start = addr + 1;
		host_end = strchr(host_start, ']');
		if (host_end == NULL || host_end[1] != ':')
			return -EINVAL;
		port_str = host_end + 2;
	} else {
		host_start = addr;
		host_end = strrchr(addr, ':');
		/* An unbracketed IPv6 address is ambiguous: refuse it. */
		if (host_end == NULL || memchr(addr, ':', (size_t)(host_end - addr)) != NULL)
			return -EINVAL;
		port_str = host_end + 1;
	}
	host_len = (size_t)(host_end - host_start);
	port_len = strlen(port_str);
	if (host_len == 0 || host_len >= sizeof(host) || port_len == 0 || port_len > 5 ||
		strspn(port_str, "0123456789") != port_len || strtoul(port_str, NULL, 10) > 65535)
		return -EINVAL;
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	/* getaddrinfo() takes inet_aton() forms ("1.2.3", "0x7f.1"): only dotted quads here. */
	if (addr[0] != '[' && inet_pton(AF_INET, host, &v4) != 1)
		return -EINVAL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = addr[0] == '[' ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	ret = getaddrinfo(host, port_str, &hints, &res);
	if (ret != 0 || res == NULL || res->ai_addrlen > sizeof(*ss)) {
		if (res != NULL)
			freeaddrinfo(res);
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*ss_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}
