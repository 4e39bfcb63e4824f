/*
 * http.c - the daemon's HTTP listener (see http.h), on libmicrohttpd.
 *
 * We make and bind the listening socket ourselves (so that one parser
 * takes "[ADDR:]PORT" for IPv4 and IPv6, and port 0 can be read back)
 * and hand it to libmicrohttpd, which runs one internal thread on epoll.
 * That thread answers each request from the route function at once: the
 * routes only read counters under a short lock, so no request waits on
 * the daemon's main loop.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"

/* File descriptors kept back from HTTP for Kafka, handlers and files. */
#define FD_RESERVE 512

struct http_server {
        struct MHD_Daemon *mhd;
        int port;
        http_route_fn route;
        void *opaque;
};

int http_listen_parse(const char *arg, char *addr, size_t addr_size,
                      int *port) {
        const char *p = arg, *colon;
        char *end;
        long v;
        size_t alen;

        if (arg[0] == '[') {
                const char *close = strchr(arg, ']');
                if (!close || close[1] != ':')
                        return -1;
                alen = (size_t)(close - arg - 1);
                if (alen == 0 || alen >= addr_size)
                        return -1;
                memcpy(addr, arg + 1, alen);
                addr[alen] = '\0';
                p = close + 2;
        } else if ((colon = strrchr(arg, ':'))) {
                alen = (size_t)(colon - arg);
                if (alen == 0 || alen >= addr_size || memchr(arg, ':', alen))
                        return -1; /* bare IPv6 needs brackets */
                memcpy(addr, arg, alen);
                addr[alen] = '\0';
                p = colon + 1;
        } else {
                snprintf(addr, addr_size, "%s", HTTP_DEFAULT_ADDR);
        }
        if (*p < '0' || *p > '9')
                return -1;
        errno = 0;
        v = strtol(p, &end, 10);
        if (errno || *end || v < 0 || v > 65535)
                return -1;
        {
                struct in6_addr a6;
                struct in_addr a4;
                if (inet_pton(AF_INET, addr, &a4) != 1 &&
                    inet_pton(AF_INET6, addr, &a6) != 1)
                        return -1;
        }
        *port = (int)v;
        return 0;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
        char buf[512], q[600];
        size_t n;

        (void)cls;
        vsnprintf(buf, sizeof(buf), fmt, ap);
        n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                buf[--n] = '\0';
        log_msg(LOG_DEBUG, "http", "detail=%s", log_quote(buf, q, sizeof(q)));
}

/* Paths are compared as sent: no percent-decoding. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s) {
        (void)cls;
        (void)c;
        return strlen(s);
}

static enum MHD_Result queue(struct MHD_Connection *conn, int status,
                             const char *ctype, char *body, size_t len,
                             const char *allow) {
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (body)
                r = MHD_create_response_from_buffer(len, body,
                                                    MHD_RESPMEM_MUST_FREE);
        else
                r = MHD_create_response_from_buffer(0, (void *)"",
                                                    MHD_RESPMEM_PERSISTENT);
        if (!r) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        if (allow)
                MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
        ret = MHD_queue_response(conn, (unsigned int)status, r);
        MHD_destroy_response(r);
        return ret;
}

static char *text(const char *s, size_t *len) {
        *len = strlen(s);
        return strdup(s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
        struct http_server *s = cls;
        const char *ctype = "text/plain; charset=utf-8";
        char *body = NULL;
        size_t len = 0;
        int status = 404;

        (void)version;
        (void)upload;
        (void)con_cls;
        if (strcmp(method, MHD_HTTP_METHOD_GET) &&
            strcmp(method, MHD_HTTP_METHOD_HEAD)) {
                /* A request body, if any, is not read: the answer closes
                 * the connection. */
                *upload_size = 0;
                body = text("only GET and HEAD\n", &len);
                return queue(conn, 405, ctype, body, len, "GET, HEAD");
        }
        s->route(s->opaque, url, &status, &ctype, &body, &len);
        if (!body) {
                ctype = "text/plain; charset=utf-8";
                body = text(status == 404 ? "not found\n" : "\n", &len);
        }
        return queue(conn, status, ctype, body, len, NULL);
}

/* Room for HTTP connections: the open file limit, raised to its hard
 * maximum, minus what the rest of the daemon needs. */
static unsigned int connection_limit(void) {
        struct rlimit rl;
        rlim_t room;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return 64;
        if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
                (void)getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur == RLIM_INFINITY)
                return HTTP_MAX_CONNECTIONS;
        room = rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - FD_RESERVE
                                            : rl.rlim_cur / 2;
        return room < HTTP_MAX_CONNECTIONS ? (unsigned int)room
                                           : HTTP_MAX_CONNECTIONS;
}

static int listen_on(const char *addr, int port, int *bound_port) {
        struct sockaddr_storage ss;
        socklen_t slen;
        int fd, one = 1, family;

        memset(&ss, 0, sizeof(ss));
        if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) ==
            1) {
                struct sockaddr_in *a = (struct sockaddr_in *)&ss;
                family = a->sin_family = AF_INET;
                a->sin_port = htons((uint16_t)port);
                slen = sizeof(*a);
        } else if (inet_pton(AF_INET6, addr,
                             &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
                family = a->sin6_family = AF_INET6;
                a->sin6_port = htons((uint16_t)port);
                slen = sizeof(*a);
        } else {
                errno = EINVAL;
                return -1;
        }
        fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* A backlog as deep as the kernel allows (somaxconn caps it): a
         * burst of probes waits in it rather than being refused. */
        if (bind(fd, (struct sockaddr *)&ss, slen) < 0 ||
            listen(fd, SOMAXCONN > 4096 ? SOMAXCONN : 4096) < 0 ||
            getsockname(fd, (struct sockaddr *)&ss, &slen) < 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        *bound_port = family == AF_INET
                              ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                              : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        return fd;
}

int http_server_start(http_server_t **out, const char *addr, int port,
                      http_route_fn route, void *opaque, char *err,
                      size_t errsize) {
        struct http_server *s = calloc(1, sizeof(*s));
        unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                             MHD_USE_ERROR_LOG;
        sigset_t all, old;
        int fd;

        *out = NULL;
        if (!addr)
                addr = HTTP_DEFAULT_ADDR;
        if (!s) {
                snprintf(err, errsize, "out of memory");
                return -1;
        }
        s->route = route;
        s->opaque = opaque;
        fd = listen_on(addr, port, &s->port);
        if (fd < 0) {
                snprintf(err, errsize, "%s%s%s:%d: %s",
                         strchr(addr, ':') ? "[" : "", addr,
                         strchr(addr, ':') ? "]" : "", port, strerror(errno));
                free(s);
                return -1;
        }
        if (strchr(addr, ':'))
                flags |= MHD_USE_IPv6;
        /* The server's thread must not take the daemon's signals: the main
         * loop's flags are what they are for. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        s->mhd = MHD_start_daemon(
                flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
                fd, MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
                MHD_OPTION_CONNECTION_TIMEOUT,
                (unsigned int)HTTP_IDLE_TIMEOUT_S,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                (size_t)HTTP_CONNECTION_MEMORY, MHD_OPTION_UNESCAPE_CALLBACK,
                no_unescape, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                MHD_OPTION_END);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!s->mhd) {
                snprintf(err, errsize, "%s:%d: cannot start the HTTP server",
                         addr, port);
                close(fd);
                free(s);
                return -1;
        }
        *out = s;
        return 0;
}

int http_server_port(const http_server_t *s) {
        return s->port;
}

void http_server_stop(http_server_t *s) {
        if (!s)
                return;
        /* Closes the listening socket and every connection. */
        MHD_stop_daemon(s->mhd);
        free(s);
}
