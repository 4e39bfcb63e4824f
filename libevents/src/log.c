/*
 * log.c - the library's log records (log_int.h): a message and key/value
 * fields, handed to the program's structured callback as they are, or
 * written after the message as logfmt pairs for the one-text callback.
 * Nothing here prints or allocates; a record is built on the stack.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log_int.h"

int events__log_on(const events__log_t *lg) {
        return lg && (lg->fcb || lg->cb);
}

const char *events__i64(char *buf, int64_t v) {
        snprintf(buf, 24, "%" PRId64, v);
        return buf;
}

/* Append " key=value" to @p out (size @p size, used @p *n), quoting the
 * value when logfmt needs it. Truncates silently. */
static void append_pair(char *out, size_t size, size_t *n, const char *k,
                        const char *v) {
        int quote = !*v;

        for (const char *p = v; *p && !quote; p++)
                if ((unsigned char)*p <= ' ' || *p == '=' || *p == '"' ||
                    *p == 0x7f)
                        quote = 1;
        if (*n + 1 >= size)
                return;
        *n += (size_t)snprintf(out + *n, size - *n, " %s=%s", k,
                               quote ? "\"" : "");
        if (*n >= size) {
                *n = size - 1;
                return;
        }
        for (const char *p = v; *p && *n + 3 < size; p++) {
                unsigned char ch = (unsigned char)*p;
                if (quote && (ch == '"' || ch == '\\')) {
                        out[(*n)++] = '\\';
                        out[(*n)++] = (char)ch;
                } else if (ch < ' ' || ch == 0x7f) {
                        out[(*n)++] = ' ';
                } else {
                        out[(*n)++] = (char)ch;
                }
        }
        if (quote && *n + 1 < size)
                out[(*n)++] = '"';
        out[*n] = '\0';
}

void events__log(const events__log_t *lg, events_log_level_t level,
                 const char *msg, ...) {
        events_log_field_t f[EVENTS__LOG_FIELDS_MAX];
        size_t nf = 0;
        const char *k;
        va_list ap;

        if (!events__log_on(lg))
                return;
        va_start(ap, msg);
        while ((k = va_arg(ap, const char *))) {
                const char *v = va_arg(ap, const char *);
                if (v && nf < EVENTS__LOG_FIELDS_MAX) {
                        f[nf].key = k;
                        f[nf].value = v;
                        nf++;
                }
        }
        va_end(ap);
        if (lg->fcb) {
                lg->fcb(level, msg, f, nf, lg->fcb_opaque);
        } else {
                char line[2048];
                size_t n = (size_t)snprintf(line, sizeof(line), "%s", msg);

                if (n >= sizeof(line))
                        n = sizeof(line) - 1;
                for (size_t i = 0; i < nf; i++)
                        append_pair(line, sizeof(line), &n, f[i].key,
                                    f[i].value);
                lg->cb(level, line, lg->cb_opaque);
        }
}

void events__log_rdkafka(const events__log_t *lg, const rd_kafka_t *rk,
                         int level, const char *fac, const char *buf) {
        events_log_level_t l = level <= EVENTS_LOG_ERROR ? EVENTS_LOG_ERROR
                               : level >= EVENTS_LOG_DEBUG
                                       ? EVENTS_LOG_DEBUG
                                       : (events_log_level_t)level;

        /* librdkafka logs a failed broker connection ("FAIL") and also
         * hands it to the error callback, which logs it with its code:
         * logging both made two lines of every connection error. */
        if (fac && !strcmp(fac, "FAIL"))
                return;
        events__log(lg, l, buf, "rdkafka", fac ? fac : "", "client",
                    rk ? rd_kafka_name(rk) : NULL, (char *)NULL);
}
