/*
 * log.h - the daemon's logs: one logfmt record per line on stderr, with a
 * level, a UTC timestamp and key=value fields.
 *
 *   ts=2026-11-27T18:05:00.123456Z level=info msg="partitions assigned" n=3
 *
 * Records below the chosen level are dropped before they are formatted.
 * Each record is written with one write(2), so lines from several threads
 * never interleave.
 */
#ifndef CONSUMER_LOG_H
#define CONSUMER_LOG_H

#include <stddef.h>

typedef enum {
        LOG_DEBUG = 0,
        LOG_INFO = 1,
        LOG_WARN = 2,
        LOG_ERROR = 3,
} log_level_t;

/** Parse "debug", "info", "warn" or "error"; @returns -1 when unknown. */
int log_level_parse(const char *s);
/** Only records at @p level and above are written. Default: info. */
void log_set_level(log_level_t level);
/** Whether a record at @p level would be written. */
int log_enabled(log_level_t level);

/**
 * Write one record. @p fmt is the fields after msg, in logfmt, built with
 * printf conventions; use log_quote() for values that may hold spaces.
 * Example: log_msg(LOG_INFO, "assigned", "n=%d", n).
 */
void log_msg(log_level_t level, const char *msg, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/**
 * Quote a value for logfmt when it needs it (spaces, '=', quotes, control
 * characters, empty): "a b" -> "\"a b\"". @returns buf, always
 * NUL-terminated, truncated to fit (the closing quote is kept).
 */
char *log_quote(const char *s, char *buf, size_t size);

#endif /* CONSUMER_LOG_H */
