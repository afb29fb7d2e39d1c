/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus scrape endpoint: address parsing, the accept loop and the HTTP/1.0 exchange. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "prom_http.h"
#include "sw_rules.h"

#define LISTEN_BACKLOG 16
#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

/* One endpoint. Fields are written by start() before the thread exists, then read-only. */
struct sw_prom_http {
	int fd; /* listening socket, non-blocking (closed by stop()) */
	uint16_t port; /* bound TCP port, host order */
	sw_prom_render_t render; /* body renderer, called on the server thread */
	void *arg; /* render's argument */
	pthread_t thread; /* the server thread */
	bool stop; /* stop(): atomic store-release; thread: load-acquire */
};

static bool
stopping(const struct sw_prom_http *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_ACQUIRE);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for events on fd until deadline, waking every SW_PROM_HTTP_POLL_MS to
 * look at the stop flag. Returns 1 when ready, 0 on timeout or stop, -1 on error.
 */
static int
wait_io(const struct sw_prom_http *s, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		int64_t left = deadline - now_ms();
		int n;

		if (stopping(s) || left <= 0)
			return 0;
		n = poll(&pfd, 1, (int)(left < SW_PROM_HTTP_POLL_MS ? left : SW_PROM_HTTP_POLL_MS));
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int
send_all(const struct sw_prom_http *s, int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (wait_io(s, fd, POLLOUT, deadline) <= 0)
			return -1;
	}
	return 0;
}

/* Length of the request head (through its blank line), or 0 while incomplete. */
static size_t
head_len(const char *req, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (req[i] != '\n')
			continue;
		if (i + 1 < len && req[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && req[i + 1] == '\r' && req[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Read the request head into req. Returns its length, 0 when too long, -1 to drop the client. */
static ssize_t
read_head(const struct sw_prom_http *s, int fd, char *req, size_t cap)
{
	const int64_t deadline = now_ms() + SW_PROM_HTTP_IO_TIMEOUT_MS;
	size_t len = 0;

	for (;;) {
		size_t hl = head_len(req, len);
		ssize_t n;

		if (hl > 0)
			return (ssize_t)hl;
		if (len == cap)
			return 0;
		n = recv(fd, req + len, cap - len, 0);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return -1;
		if (wait_io(s, fd, POLLIN, deadline) <= 0)
			return -1;
	}
}

/* Status and Allow header for a request head (request line only; headers are ignored). */
static int
route(const char *req, size_t len, bool *is_head, const char **allow)
{
	const char *end = memchr(req, '\n', len);
	const char *sp1, *sp2, *path_end;
	size_t line_len;

	*is_head = false;
	*allow = NULL;
	line_len = (size_t)(end - req);
	if (line_len > 0 && req[line_len - 1] == '\r')
		line_len--;
	sp1 = memchr(req, ' ', line_len);
	if (sp1 == NULL || sp1 == req)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', line_len - (size_t)(sp1 + 1 - req));
	if (sp2 == NULL || sp2 == sp1 + 1 || sp1[1] != '/')
		return 400;
	if ((size_t)(req + line_len - (sp2 + 1)) < 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return 400;

	if ((size_t)(sp1 - req) == 4 && memcmp(req, "HEAD", 4) == 0) {
		*is_head = true;
	} else if ((size_t)(sp1 - req) != 3 || memcmp(req, "GET", 3) != 0) {
		*allow = "GET, HEAD";
		return 405;
	}
	path_end = memchr(sp1 + 1, '?', (size_t)(sp2 - (sp1 + 1)));
	if (path_end == NULL)
		path_end = sp2;
	if ((size_t)(path_end - (sp1 + 1)) != strlen("/metrics") ||
		memcmp(sp1 + 1, "/metrics", strlen("/metrics")) != 0)
		return 404;
	return 200;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Internal Server Error";
	}
}

/* Render the metrics into a malloc'd body. Returns 0 or -1 (nothing to free). */
static int
render_body(const struct sw_prom_http *s, char **body, size_t *body_len)
{
	FILE *f = open_memstream(body, body_len);
	int ret;

	if (f == NULL)
		return -1;
	ret = s->render(s->arg, f);
	if (fclose(f) != 0) {
		free(*body);
		return -1;
	}
	if (ret < 0) {
		free(*body);
		return -1;
	}
	return 0;
}

static void
serve_client(const struct sw_prom_http *s, int fd)
{
	char req[SW_PROM_HTTP_MAX_REQ];
	char hdr[512];
	char errbody[64];
	const char *allow = NULL;
	char *body = NULL;
	size_t body_len = 0;
	bool is_head = false;
	ssize_t req_len;
	int64_t deadline;
	int status, hdr_len;

	req_len = read_head(s, fd, req, sizeof(req));
	if (req_len < 0)
		return;
	status = req_len == 0 ? 431 : route(req, (size_t)req_len, &is_head, &allow);
	if (status == 200 && render_body(s, &body, &body_len) < 0)
		status = 500;
	if (status != 200) {
		body_len = (size_t)snprintf(
			errbody, sizeof(errbody), "%d %s\n", status, reason(status));
		body = errbody;
	}

	hdr_len = snprintf(hdr, sizeof(hdr),
		"HTTP/1.0 %d %s\r\n"
		"Content-Type: %s\r\n"
		"Content-Length: %zu\r\n"
		"%s%s%s"
		"Connection: close\r\n"
		"\r\n",
		status, reason(status),
		status == 200 ? CONTENT_TYPE_METRICS : "text/plain; charset=utf-8", body_len,
		allow != NULL ? "Allow: " : "", allow != NULL ? allow : "",
		allow != NULL ? "\r\n" : "");

	deadline = now_ms() + SW_PROM_HTTP_IO_TIMEOUT_MS;
	if (send_all(s, fd, hdr, (size_t)hdr_len, deadline) == 0 && !is_head)
		send_all(s, fd, body, body_len, deadline);
	if (body != errbody)
		free(body);

	/* Half-close, then discard what the client still sends so close() sends FIN, not RST. */
	shutdown(fd, SHUT_WR);
	while (recv(fd, req, sizeof(req), MSG_DONTWAIT) > 0)
		;
}

static void *
server_thread(void *p)
{
	struct sw_prom_http *s = p;

	while (!stopping(s)) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int fd;

		if (poll(&pfd, 1, SW_PROM_HTTP_POLL_MS) <= 0)
			continue;
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of fds or memory: back off instead of spinning on a pending connection. */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
				errno != ECONNABORTED)
				poll(NULL, 0, SW_PROM_HTTP_POLL_MS);
			continue;
		}
		serve_client(s, fd);
		close(fd);
	}
	return NULL;
}

struct sw_prom_http *
sw_prom_http_start(const char *addr, sw_prom_render_t render, void *arg)
{
	struct sockaddr_storage ss;
	socklen_t ss_len = sizeof(ss);
	sigset_t all, old;
	struct sw_prom_http *s;
	const int one = 1;
	int err;

	if (addr == NULL || render == NULL || sw_config_parse_endpoint(addr, &ss, &ss_len) < 0) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->render = render;
	s->arg = arg;
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail_free;
	if (setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail_close;
	if (ss.ss_family == AF_INET6 &&
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail_close;
	if (bind(s->fd, (struct sockaddr *)&ss, ss_len) < 0 || listen(s->fd, LISTEN_BACKLOG) < 0)
		goto fail_close;
	ss_len = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &ss_len) < 0)
		goto fail_close;
	if (ss.ss_family == AF_INET6)
		s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);

	/* Signals (SIGINT/SIGTERM) must keep going to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&s->thread, NULL, server_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		errno = err;
		goto fail_close;
	}
	pthread_setname_np(s->thread, "sw-prom");
	return s;

fail_close:
	err = errno;
	close(s->fd);
	errno = err;
fail_free:
	err = errno;
	free(s);
	errno = err;
	return NULL;
}

uint16_t
sw_prom_http_port(const struct sw_prom_http *s)
{
	return s->port;
}

void
sw_prom_http_stop(struct sw_prom_http *s)
{
	if (s == NULL)
		return;
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	close(s->fd);
	free(s);
}
