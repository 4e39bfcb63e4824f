/*
 * log.c - the programs' records on stderr, in logfmt or JSON (log.h). The
 * only writer to stderr besides usage messages: every record is formatted
 * into a stack buffer and written with a single write(2), which keeps
 * lines whole when several threads log at once, and keeps the logger free
 * of locks and allocations.
 *
 * log_msg() takes its fields as logfmt text (printf-built, the way most
 * call sites write them); in JSON they are parsed back into pairs, so
 * that one call site serves both formats. A JSON line is closed properly
 * even when it is truncated.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The longest record; longer ones are cut (and stay valid JSON). */
#define LINE_MAX_BYTES 4096
/* Room kept at the end of a JSON line to close it: "\"}\n" and one
 * escape. */
#define JSON_RESERVE 12
/* Fields parsed back from log_msg()'s logfmt text. */
#define PARSED_FIELDS_MAX 32

static volatile int min_level = LOG_INFO;
static volatile int out_format = LOG_FORMAT_LOGFMT;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_format_parse(const char *s) {
        if (!strcmp(s, "logfmt"))
                return LOG_FORMAT_LOGFMT;
        if (!strcmp(s, "json"))
                return LOG_FORMAT_JSON;
        return -1;
}

void log_set_format(log_format_t format) {
        out_format = (int)format;
}

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

/* ---- building one line ---- */

typedef struct {
        char *buf;
        size_t size; /* usable: the caller keeps room for the newline */
        size_t n;
        int full; /* a value was cut: write no more fields */
} line_t;

static void put(line_t *l, const char *s, size_t len) {
        if (l->n + len > l->size) {
                len = l->size > l->n ? l->size - l->n : 0;
                l->full = 1;
        }
        memcpy(l->buf + l->n, s, len);
        l->n += len;
}

static void puts_(line_t *l, const char *s) {
        put(l, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at @p p, or 0. */
static size_t utf8_len(const unsigned char *p) {
        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                return (p[1] & 0xc0) == 0x80 ? 2 : 0;
        if (p[0] >= 0xe0 && p[0] <= 0xef) {
                if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
                    (p[0] == 0xe0 && p[1] < 0xa0) ||
                    (p[0] == 0xed && p[1] > 0x9f))
                        return 0;
                return 3;
        }
        if (p[0] >= 0xf0 && p[0] <= 0xf4) {
                if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
                    (p[3] & 0xc0) != 0x80 || (p[0] == 0xf0 && p[1] < 0x90) ||
                    (p[0] == 0xf4 && p[1] > 0x8f))
                        return 0;
                return 4;
        }
        return 0;
}

/* A JSON string, escaped; cut (and closed) when the line is full. */
static void json_str(line_t *l, const char *s) {
        const unsigned char *p = (const unsigned char *)s;

        put(l, "\"", 1);
        while (*p && !l->full) {
                char esc[8];
                size_t k = 0, len = utf8_len(p);

                if (l->n + 8 > l->size) {
                        l->full = 1;
                        break;
                }
                if (*p == '"' || *p == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char)*p;
                        k = 2;
                } else if (*p == '\n') {
                        memcpy(esc, "\\n", 2);
                        k = 2;
                } else if (*p == '\t') {
                        memcpy(esc, "\\t", 2);
                        k = 2;
                } else if (*p < 0x20 || *p == 0x7f) {
                        k = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", *p);
                } else if (!len) {
                        memcpy(esc, "\\ufffd", 6);
                        k = 6;
                        len = 1;
                }
                if (k) {
                        put(l, esc, k);
                        p += len ? len : 1;
                } else {
                        put(l, (const char *)p, len);
                        p += len;
                }
        }
        l->buf[l->n++] = '"'; /* room kept by JSON_RESERVE */
}

/* A plain decimal integer that fits a double exactly: a JSON number. */
static int is_int(const char *s) {
        size_t i = (*s == '-'), d = 0;

        if (s[i] == '0')
                return s[i + 1] == '\0' && !i;
        for (; s[i] >= '0' && s[i] <= '9'; i++)
                d++;
        return d > 0 && d <= 15 && s[i] == '\0';
}

static void start_line(line_t *l, log_level_t level, const char *msg) {
        char ts[64], q[1024];
        struct timespec now;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, now.tv_nsec / 1000);
        if (out_format == LOG_FORMAT_JSON) {
                puts_(l, "{\"ts\":\"");
                puts_(l, ts);
                puts_(l, "\",\"level\":\"");
                puts_(l, level_names[level]);
                puts_(l, "\",\"msg\":");
                json_str(l, msg);
        } else {
                puts_(l, "ts=");
                puts_(l, ts);
                puts_(l, " level=");
                puts_(l, level_names[level]);
                puts_(l, " msg=");
                puts_(l, log_quote(msg, q, sizeof(q)));
        }
}

static void add_field(line_t *l, const char *key, const char *value) {
        char q[2048];

        if (l->full)
                return;
        if (out_format == LOG_FORMAT_JSON) {
                put(l, ",", 1);
                json_str(l, key);
                put(l, ":", 1);
                if (is_int(value))
                        puts_(l, value);
                else
                        json_str(l, value);
        } else {
                put(l, " ", 1);
                puts_(l, key);
                put(l, "=", 1);
                puts_(l, log_quote(value, q, sizeof(q)));
        }
}

static size_t end_line(line_t *l) {
        if (out_format == LOG_FORMAT_JSON)
                l->buf[l->n++] = '}';
        l->buf[l->n++] = '\n';
        return l->n;
}

/* Split log_msg()'s logfmt text (modified in place) into pairs: key=value
 * or key="quoted \"value\"", separated by spaces. A word without '=' is
 * kept as a key with an empty value: nothing is lost, and the line stays
 * valid. @returns the number of pairs. */
static size_t parse_logfmt(char *s, log_field_t *f, size_t max) {
        size_t n = 0;

        while (*s && n < max) {
                char *key, *val, *o;

                while (*s == ' ')
                        s++;
                if (!*s)
                        break;
                key = s;
                while (*s && *s != '=' && *s != ' ')
                        s++;
                if (*s != '=') {
                        if (*s)
                                *s++ = '\0';
                        f[n].key = key;
                        f[n++].value = "";
                        continue;
                }
                *s++ = '\0';
                val = o = s;
                if (*s == '"') {
                        val = o = ++s;
                        while (*s && *s != '"') {
                                if (*s == '\\' && s[1]) {
                                        s++;
                                        *o++ = *s == 'n'   ? '\n'
                                               : *s == 't' ? '\t'
                                                           : *s;
                                        s++;
                                } else {
                                        *o++ = *s++;
                                }
                        }
                        if (*s)
                                s++;
                } else {
                        while (*s && *s != ' ')
                                *o++ = *s++;
                }
                if (*s)
                        s++;
                *o = '\0';
                f[n].key = key;
                f[n++].value = val;
        }
        return n;
}

size_t log_format_line(char *buf, size_t size, log_level_t level,
                       const char *msg, const char *fields_logfmt) {
        line_t l = {buf, size > JSON_RESERVE ? size - JSON_RESERVE : 0, 0, 0};

        if (size < JSON_RESERVE + 2)
                return 0;
        start_line(&l, level, msg);
        if (fields_logfmt && *fields_logfmt) {
                if (out_format == LOG_FORMAT_JSON) {
                        char tmp[LINE_MAX_BYTES];
                        log_field_t f[PARSED_FIELDS_MAX];
                        size_t nf;

                        snprintf(tmp, sizeof(tmp), "%s", fields_logfmt);
                        nf = parse_logfmt(tmp, f, PARSED_FIELDS_MAX);
                        for (size_t i = 0; i < nf; i++)
                                add_field(&l, f[i].key, f[i].value);
                } else {
                        put(&l, " ", 1);
                        puts_(&l, fields_logfmt);
                }
        }
        return end_line(&l);
}

static void write_line(const char *line, size_t n) {
        for (size_t off = 0; off < n;) {
                ssize_t w = write(STDERR_FILENO, line + off, n - off);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                off += (size_t)w;
        }
}

void log_msg(log_level_t level, const char *msg, const char *fmt, ...) {
        char line[LINE_MAX_BYTES], fields[LINE_MAX_BYTES] = "";
        int saved = errno;

        if (!log_enabled(level))
                return;
        if (fmt && *fmt) {
                va_list ap;

                va_start(ap, fmt);
                vsnprintf(fields, sizeof(fields), fmt, ap);
                va_end(ap);
        }
        write_line(line,
                   log_format_line(line, sizeof(line), level, msg, fields));
        errno = saved;
}

void log_fields(log_level_t level, const char *msg, const log_field_t *fields,
                size_t nfields) {
        char line[LINE_MAX_BYTES];
        line_t l = {line, sizeof(line) - JSON_RESERVE, 0, 0};
        int saved = errno;

        if (!log_enabled(level))
                return;
        start_line(&l, level, msg);
        for (size_t i = 0; i < nfields; i++)
                add_field(&l, fields[i].key, fields[i].value);
        write_line(line, end_line(&l));
        errno = saved;
}
