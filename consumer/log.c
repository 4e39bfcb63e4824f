/*
 * log.c - logfmt records on stderr. The daemon's only writer to stderr
 * besides usage messages: every record is formatted into a stack buffer and
 * written with a single write(2), which keeps lines whole when the HTTP
 * thread and the main thread log at once, and keeps the logger free of
 * locks and allocations.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *s) {
        for (int i = 0; i < 4; i++)
                if (!strcmp(s, level_names[i]))
                        return i;
        if (!strcmp(s, "warning"))
                return LOG_WARN;
        return -1;
}

void log_set_level(log_level_t level) {
        min_level = (int)level;
}

int log_enabled(log_level_t level) {
        return (int)level >= min_level;
}

char *log_quote(const char *s, char *buf, size_t size) {
        size_t o = 0;
        int need = (*s == '\0');

        if (size == 0)
                return buf;
        for (const char *p = s; *p && !need; p++)
                if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' ||
                    *p == 0x7f)
                        need = 1;
        if (!need) {
                snprintf(buf, size, "%s", s);
                return buf;
        }
        if (size < 3) {
                buf[0] = '\0';
                return buf;
        }
        buf[o++] = '"';
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;
                char esc[8];
                size_t n;

                if (c == '"' || c == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char)c;
                        n = 2;
                } else if (c == '\n') {
                        memcpy(esc, "\\n", 2);
                        n = 2;
                } else if (c == '\t') {
                        memcpy(esc, "\\t", 2);
                        n = 2;
                } else if (c < 0x20 || c == 0x7f) {
                        n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
                } else {
                        esc[0] = (char)c;
                        n = 1;
                }
                if (o + n + 2 > size)
                        break;
                memcpy(buf + o, esc, n);
                o += n;
        }
        buf[o++] = '"';
        buf[o] = '\0';
        return buf;
}

void log_msg(log_level_t level, const char *msg, const char *fmt, ...) {
        char line[4096], ts[64], qmsg[512];
        struct timespec now;
        struct tm tm;
        size_t n;
        int saved = errno;

        if (!log_enabled(level))
                return;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, now.tv_nsec / 1000);
        n = (size_t)snprintf(line, sizeof(line), "ts=%s level=%s msg=%s", ts,
                             level_names[level],
                             log_quote(msg, qmsg, sizeof(qmsg)));
        if (n < sizeof(line) - 2 && fmt && *fmt) {
                va_list ap;

                line[n++] = ' ';
                va_start(ap, fmt);
                int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
                va_end(ap);
                if (m > 0)
                        n += (size_t)m;
        }
        if (n > sizeof(line) - 2)
                n = sizeof(line) - 2; /* truncated: keep the newline */
        line[n++] = '\n';
        for (size_t off = 0; off < n;) {
                ssize_t w = write(STDERR_FILENO, line + off, n - off);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                off += (size_t)w;
        }
        errno = saved;
}
