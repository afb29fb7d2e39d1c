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
/* A connection whose request head is still arriving. */
struct pending {
	int fd;
	int64_t deadline; /* now_ms() by which the head must be complete */
	size_t len; /* bytes in req */
	char req[SW_PROM_HTTP_MAX_REQ];
};

struct sw_prom_http {
	struct pending pend[SW_PROM_HTTP_MAX_CONN]; /* server thread only */
	unsigned n_pend;
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

/* Answer a request head of req_len bytes (0: too long) and end the connection's output. */
static void
respond(const struct sw_prom_http *s, int fd, char *req, size_t req_len)
{
	char hdr[512];
	char errbody[64];
	const char *allow = NULL;
	char *body = NULL;
	size_t body_len = 0;
	bool is_head = false;
	int64_t deadline;
	int status, hdr_len;
	size_t drained = 0;
	ssize_t n;

	status = req_len == 0 ? 431 : route(req, req_len, &is_head, &allow);
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

	/*
	 * Half-close, then discard what the client still sends so close() sends
	 * FIN, not RST; a bounded amount, so that a sender cannot hold the thread.
	 */
	shutdown(fd, SHUT_WR);
	while (drained < 16 * SW_PROM_HTTP_MAX_REQ &&
		(n = recv(fd, req, SW_PROM_HTTP_MAX_REQ, MSG_DONTWAIT)) > 0)
		drained += (size_t)n;
}

/* Close pending connection i (the last one takes its place). */
static void
pending_drop(struct sw_prom_http *s, unsigned i)
{
	close(s->pend[i].fd);
	if (i != --s->n_pend)
		s->pend[i] = s->pend[s->n_pend];
}

/*
 * Read what pending connection i has sent; answer it once its head is
 * complete (or too long). Returns true when it is done with (answered,
 * closed by the client, or failed).
 */
static bool
pending_read(struct sw_prom_http *s, unsigned i)
{
	struct pending *c = &s->pend[i];
	ssize_t n = recv(c->fd, c->req + c->len, sizeof(c->req) - c->len, 0);
	size_t hl;

	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	if (n == 0)
		return true;
	c->len += (size_t)n;
	hl = head_len(c->req, c->len);
	if (hl == 0 && c->len < sizeof(c->req))
		return false;
	respond(s, c->fd, c->req, hl);
	return true;
}

/* Take every connection waiting in the listen queue; when full, the oldest goes. */
static void
accept_all(struct sw_prom_http *s)
{
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned oldest = 0;

		if (fd < 0) {
			/* Out of fds or memory: back off instead of spinning on a pending connection. */
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
				errno != ECONNABORTED)
				poll(NULL, 0, SW_PROM_HTTP_POLL_MS);
			return;
		}
		if (s->n_pend == SW_PROM_HTTP_MAX_CONN) {
			for (unsigned i = 1; i < s->n_pend; i++)
				if (s->pend[i].deadline < s->pend[oldest].deadline)
					oldest = i;
			pending_drop(s, oldest);
		}
		s->pend[s->n_pend].fd = fd;
		s->pend[s->n_pend].deadline = now_ms() + SW_PROM_HTTP_IO_TIMEOUT_MS;
		s->pend[s->n_pend].len = 0;
		s->n_pend++;
	}
}

/*
 * One poll over the listening socket and every connection still sending its
 * request head: a client that connects and stalls holds only its own slot
 * (until its deadline), not the others' scrapes.
 */
static void *
server_thread(void *p)
{
	struct sw_prom_http *s = p;

	while (!stopping(s)) {
		struct pollfd pfd[1 + SW_PROM_HTTP_MAX_CONN];
		const unsigned np = s->n_pend;
		int64_t now = now_ms(), wait = SW_PROM_HTTP_POLL_MS;
		int n;

		pfd[0] = (struct pollfd){.fd = s->fd, .events = POLLIN};
		for (unsigned i = 0; i < np; i++) {
			pfd[1 + i] = (struct pollfd){.fd = s->pend[i].fd, .events = POLLIN};
			if (s->pend[i].deadline - now < wait)
				wait = s->pend[i].deadline - now > 0 ? s->pend[i].deadline - now
								     : 0;
		}
		n = poll(pfd, 1 + np, (int)wait);
		if (n < 0 && errno != EINTR)
			poll(NULL, 0, SW_PROM_HTTP_POLL_MS);
		now = now_ms();
		/* Backwards: pending_drop() moves the last entry, already looked at, into i. */
		for (unsigned i = np; i-- > 0;) {
			bool done = n > 0 && (pfd[1 + i].revents & (POLLIN | POLLHUP | POLLERR)) &&
				pending_read(s, i);

			if (done || now >= s->pend[i].deadline)
				pending_drop(s, i);
		}
		if (n > 0 && (pfd[0].revents & POLLIN))
			accept_all(s);
	}
	while (s->n_pend > 0)
		pending_drop(s, s->n_pend - 1);
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
