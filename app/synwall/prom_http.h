/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus scrape endpoint: one plain pthread serving GET /metrics over HTTP/1.0. */
#ifndef SW_PROM_HTTP_H
#define SW_PROM_HTTP_H

#include <stdint.h>

#include "sw_prom.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The server is one thread, not an lcore, and makes no DPDK call. It reads
 * the request heads of up to SW_PROM_HTTP_MAX_CONN connections at once (a
 * new one beyond that closes the oldest) and answers one at a time:
 *  - GET (or HEAD) /metrics[?...]: 200, Content-Type "text/plain;
 *    version=0.0.4; charset=utf-8", Content-Length, Connection: close; the body
 *    is whatever render(arg, out) writes (out is an open_memstream() stream);
 *  - another path: 404; another method: 405; a malformed request line: 400;
 *    a request head over SW_PROM_HTTP_MAX_REQ bytes: 431; render failure: 500.
 * A client gets SW_PROM_HTTP_IO_TIMEOUT_MS to send its request head, while
 * the others are read too, and as long again to take the reply: a client that
 * stalls before its request delays no other scrape, one that stalls reading
 * its reply delays the next answers by that much at most. All signals are
 * blocked in the thread.
 */
#define SW_PROM_HTTP_MAX_REQ 4096 /* bytes of request line + headers */
#define SW_PROM_HTTP_IO_TIMEOUT_MS 2000 /* to receive the request head; again to send the reply */
#define SW_PROM_HTTP_POLL_MS 50 /* stop-flag check period (stop joins within ~2x) */
#define SW_PROM_HTTP_MAX_CONN 16 /* connections reading their request head at once */

struct sw_prom_http;

/*
 * Bind addr ("127.0.0.1:9100", "[::1]:9100"; numeric host, port 0 picks a
 * free one), listen and start the server thread. render is called on that
 * thread for every scrape, with arg. Returns NULL with errno set: EINVAL for
 * a malformed addr, the socket/bind/listen errno (EADDRINUSE, EACCES, ...),
 * ENOMEM, or the pthread_create error.
 */
struct sw_prom_http *sw_prom_http_start(const char *addr, sw_prom_render_t render, void *arg);

/* The bound TCP port (host order): the real one when addr asked for port 0. */
uint16_t sw_prom_http_port(const struct sw_prom_http *s);

/* Stop the thread (joined within ~2 * SW_PROM_HTTP_POLL_MS plus a render), close, free. */
void sw_prom_http_stop(struct sw_prom_http *s);

#ifdef __cplusplus
}
#endif

#endif /* SW_PROM_HTTP_H */
