/*
 * http.h - a tiny HTTP/1.1 server on 127.0.0.1 for /health and /metrics.
 *
 * One thread, one poll() loop, at most HTTP_MAX_CLIENTS connections, one
 * request per connection (Connection: close). A client gets
 * HTTP_CLIENT_TIMEOUT_MS to send its request head and to read the answer,
 * and at most 8 KiB of request head: a slow or broken client costs one
 * slot for a bounded time, never the daemon's main loop.
 */
#ifndef CONSUMER_HTTP_H
#define CONSUMER_HTTP_H

#include <stddef.h>

#define HTTP_MAX_CLIENTS 16
#define HTTP_CLIENT_TIMEOUT_MS 5000

/**
 * Answer a GET for @p path (without the query string).
 * @param status  set to the HTTP status (200, 404, 503, ...).
 * @param ctype   set to a static content type.
 * @param body    set to a malloc'ed body (the server frees it), or NULL.
 */
typedef void (*http_route_fn)(void *opaque, const char *path, int *status,
                              const char **ctype, char **body, size_t *len);

typedef struct http_server http_server_t;

/**
 * Listen on 127.0.0.1:@p port (0 picks a free port) and start the thread.
 * @returns 0 and *out, or -1 with the reason in @p err.
 */
int http_server_start(http_server_t **out, int port, http_route_fn route,
                      void *opaque, char *err, size_t errsize);

/** The port listened on (useful with port 0). */
int http_server_port(const http_server_t *s);

/** Stop the thread, close every socket. @p s may be NULL. */
void http_server_stop(http_server_t *s);

#endif /* CONSUMER_HTTP_H */
