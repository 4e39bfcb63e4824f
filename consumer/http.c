/*
 * http.c - the /health and /metrics listener (see http.h).
 *
 * Every socket is non-blocking. A connection goes through two states:
 * reading the request head (until CRLF CRLF), then writing the whole
 * response; then it is closed. The main thread stops the server through a
 * pipe that the poll() loop watches, so shutdown never waits for a client.
 */
#include "clock.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define HEAD_MAX 8192

struct client {
        int fd; /* -1: free slot */
        int64_t deadline_ms;
        char head[HEAD_MAX + 1];
        size_t head_len;
        char *out; /* response, when writing */
        size_t out_len, out_off;
};

struct http_server {
        int listen_fd;
        int wake[2];
        int port;
        http_route_fn route;
        void *opaque;
        pthread_t thread;
        struct client clients[HTTP_MAX_CLIENTS];
};

static void client_close(struct client *c) {
        if (c->fd >= 0)
                close(c->fd);
        free(c->out);
        c->out = NULL;
        c->fd = -1;
        c->head_len = c->out_len = c->out_off = 0;
}

static const char *reason_phrase(int status) {
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
        case 503:
                return "Service Unavailable";
        default:
                return "Error";
        }
}

/* Build the whole response in c->out. */
static void respond(struct client *c, int status, const char *ctype,
                    const char *body, size_t len, int head_only) {
        char hdr[256];
        int n = snprintf(hdr, sizeof(hdr),
                         "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n"
                         "Cache-Control: no-store\r\n\r\n",
                         status, reason_phrase(status), ctype, len);
        size_t total = (size_t)n + (head_only ? 0 : len);

        free(c->out);
        c->out = malloc(total);
        if (!c->out) {
                client_close(c);
                return;
        }
        memcpy(c->out, hdr, (size_t)n);
        if (!head_only && len)
                memcpy(c->out + n, body, len);
        c->out_len = total;
        c->out_off = 0;
}

static void simple(struct client *c, int status, const char *text) {
        respond(c, status, "text/plain; charset=utf-8", text, strlen(text), 0);
}

static void handle_request(struct http_server *s, struct client *c) {
        char method[16], target[1024], version[16];
        const char *ctype = "text/plain; charset=utf-8";
        char *body = NULL, *q;
        size_t len = 0;
        int status = 404, head_only;

        if (sscanf(c->head, "%15s %1023s %15s", method, target, version) != 3 ||
            strncmp(version, "HTTP/1.", 7)) {
                simple(c, 400, "bad request\n");
                return;
        }
        head_only = !strcmp(method, "HEAD");
        if (strcmp(method, "GET") && !head_only) {
                simple(c, 405, "only GET and HEAD\n");
                return;
        }
        if ((q = strchr(target, '?')))
                *q = '\0';
        s->route(s->opaque, target, &status, &ctype, &body, &len);
        if (!body)
                simple(c, status, status == 404 ? "not found\n" : "\n");
        else
                respond(c, status, ctype, body, len, head_only);
        free(body);
}

static void on_readable(struct http_server *s, struct client *c) {
        ssize_t n = read(c->fd, c->head + c->head_len, HEAD_MAX - c->head_len);

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                client_close(c);
                return;
        }
        if (n < 0)
                return;
        c->head_len += (size_t)n;
        c->head[c->head_len] = '\0';
        if (strstr(c->head, "\r\n\r\n") || strstr(c->head, "\n\n"))
                handle_request(s, c);
        else if (c->head_len >= HEAD_MAX)
                simple(c, 431, "request head too large\n");
}

static void on_writable(struct client *c) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL);

        if (n < 0) {
                if (errno != EAGAIN && errno != EINTR)
                        client_close(c);
                return;
        }
        c->out_off += (size_t)n;
        if (c->out_off == c->out_len) {
                shutdown(c->fd, SHUT_WR);
                client_close(c);
        }
}

static void accept_clients(struct http_server *s) {
        for (;;) {
                int fd = accept4(s->listen_fd, NULL, NULL,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
                struct client *c = NULL;

                if (fd < 0)
                        return;
                for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
                        if (s->clients[i].fd < 0) {
                                c = &s->clients[i];
                                break;
                        }
                if (!c) {
                        /* Full: refuse rather than queue without bound. */
                        close(fd);
                        continue;
                }
                c->fd = fd;
                c->head_len = 0;
                c->deadline_ms = consumer_mono_ms() + HTTP_CLIENT_TIMEOUT_MS;
        }
}

static void *server_main(void *arg) {
        struct http_server *s = arg;
        struct pollfd pfd[HTTP_MAX_CLIENTS + 2];
        int idx[HTTP_MAX_CLIENTS + 2];

        for (;;) {
                int n = 0, timeout = 1000;
                int64_t now = consumer_mono_ms();

                pfd[n].fd = s->wake[0];
                pfd[n].events = POLLIN;
                idx[n++] = -1;
                pfd[n].fd = s->listen_fd;
                pfd[n].events = POLLIN;
                idx[n++] = -2;
                for (int i = 0; i < HTTP_MAX_CLIENTS; i++) {
                        struct client *c = &s->clients[i];
                        if (c->fd < 0)
                                continue;
                        if (now >= c->deadline_ms) {
                                client_close(c);
                                continue;
                        }
                        if (c->deadline_ms - now < timeout)
                                timeout = (int)(c->deadline_ms - now);
                        pfd[n].fd = c->fd;
                        pfd[n].events = c->out ? POLLOUT : POLLIN;
                        idx[n++] = i;
                }
                if (poll(pfd, (nfds_t)n, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_msg(LOG_ERROR, "http poll failed", "error=\"%s\"",
                                strerror(errno));
                        return NULL;
                }
                if (pfd[0].revents)
                        return NULL;
                if (pfd[1].revents & POLLIN)
                        accept_clients(s);
                for (int k = 2; k < n; k++) {
                        struct client *c = &s->clients[idx[k]];
                        if (!pfd[k].revents || c->fd != pfd[k].fd)
                                continue;
                        if (c->out)
                                on_writable(c);
                        else if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
                                on_readable(s, c);
                        /* A response ready now is written on the next
                         * round, when the socket says it can take it. */
                }
        }
}

int http_server_start(http_server_t **out, int port, http_route_fn route,
                      void *opaque, char *err, size_t errsize) {
        struct http_server *s = calloc(1, sizeof(*s));
        struct sockaddr_in addr;
        socklen_t alen = sizeof(addr);
        int one = 1;
        sigset_t all, old;

        *out = NULL;
        if (!s) {
                snprintf(err, errsize, "out of memory");
                return -1;
        }
        s->listen_fd = -1;
        s->wake[0] = s->wake[1] = -1;
        for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
                s->clients[i].fd = -1;
        s->route = route;
        s->opaque = opaque;
        s->listen_fd =
                socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->listen_fd < 0)
                goto sys;
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        memset(&addr, 0, sizeof(addr));
        addr.sin_family = AF_INET;
        addr.sin_port = htons((uint16_t)port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            listen(s->listen_fd, 64) < 0 ||
            getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen) < 0)
                goto sys;
        s->port = ntohs(addr.sin_port);
        if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0)
                goto sys;
        /* The thread must not take the daemon's signals: the main loop's
         * flags are what they are for. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        errno = pthread_create(&s->thread, NULL, server_main, s);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (errno)
                goto sys;
        *out = s;
        return 0;
sys:
        snprintf(err, errsize, "127.0.0.1:%d: %s", port, strerror(errno));
        if (s->listen_fd >= 0)
                close(s->listen_fd);
        if (s->wake[0] >= 0) {
                close(s->wake[0]);
                close(s->wake[1]);
        }
        free(s);
        return -1;
}

int http_server_port(const http_server_t *s) {
        return s->port;
}

void http_server_stop(http_server_t *s) {
        if (!s)
                return;
        while (write(s->wake[1], "x", 1) < 0 && errno == EINTR)
                ;
        pthread_join(s->thread, NULL);
        for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
                client_close(&s->clients[i]);
        close(s->listen_fd);
        close(s->wake[0]);
        close(s->wake[1]);
        free(s);
}
