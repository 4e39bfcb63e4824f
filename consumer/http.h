/*
 * http.h - the daemon's HTTP listener for /livez, /readyz, /health and
 * /metrics, served by libmicrohttpd on its own thread (epoll).
 *
 * Probes are small and frequent, so the server is sized for many idle
 * connections (HTTP_MAX_CONNECTIONS, bounded further by the process's open
 * file limit) with a short idle timeout, and a small per-connection memory
 * budget: a request head past it is answered 431. Only GET and HEAD are
 * served (405 with Allow otherwise), and paths match exactly, without
 * percent-decoding, dot segments or trailing slashes (404 otherwise).
 */
#ifndef CONSUMER_HTTP_H
#define CONSUMER_HTTP_H

#include <stddef.h>

/** Connections served at once (idle keep-alive ones included). */
#define HTTP_MAX_CONNECTIONS 20000
/** A connection idle this long is closed (seconds). */
#define HTTP_IDLE_TIMEOUT_S 10
/** Memory for one connection's request head and answer headers. */
#define HTTP_CONNECTION_MEMORY 16384
/** The default listen address of --http PORT. */
#define HTTP_DEFAULT_ADDR "127.0.0.1"

/**
 * Answer a GET or HEAD for @p path (without the query string).
 * @param status  set to the HTTP status (200, 404, 503, ...).
 * @param ctype   set to a static content type.
 * @param body    set to a malloc'ed body (the server frees it), or NULL.
 * @remark called on the server's thread.
 */
typedef void (*http_route_fn)(void *opaque, const char *path, int *status,
                              const char **ctype, char **body, size_t *len);

typedef struct http_server http_server_t;

/**
 * Parse "[ADDR:]PORT": "8080", "0.0.0.0:8080", "[::]:8080", "[::1]:8080".
 * @param addr set to the numeric address (HTTP_DEFAULT_ADDR when absent).
 * @returns 0, or -1 when @p arg is not of that form.
 */
int http_listen_parse(const char *arg, char *addr, size_t addr_size, int *port);

/**
 * Listen on @p addr (numeric IPv4 or IPv6; NULL: HTTP_DEFAULT_ADDR) and
 * @p port (0 picks a free port) and start the server's thread.
 * @returns 0 and *out, or -1 with the reason in @p err.
 */
int http_server_start(http_server_t **out, const char *addr, int port,
                      http_route_fn route, void *opaque, char *err,
                      size_t errsize);

/** The port listened on (useful with port 0). */
int http_server_port(const http_server_t *s);

/** Stop the thread, close every socket. @p s may be NULL. */
void http_server_stop(http_server_t *s);

#endif /* CONSUMER_HTTP_H */
