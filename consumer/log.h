/*
 * log.h - the programs' logs: one record per line on stderr, with a UTC
 * timestamp, a level, a message and key=value fields, in logfmt (the
 * default) or as one JSON object per line (--log-format json):
 *
 *   ts=2026-11-27T18:05:00.123456Z level=info msg="partitions assigned" n=3
 *   {"ts":"2026-11-27T18:05:00.123456Z","level":"info",
 *    "msg":"partitions assigned","n":3}
 *
 * In JSON, a value that is a plain decimal integer is written as a number,
 * anything else as a string; bytes that are not UTF-8 become U+FFFD, so
 * every line parses. Used by events-consumer and events-producer.
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

typedef enum {
        LOG_FORMAT_LOGFMT = 0,
        LOG_FORMAT_JSON = 1,
} log_format_t;

/** One field of a record: both borrowed for the call. */
typedef struct {
        const char *key;
        const char *value;
} log_field_t;

/** Parse "logfmt" or "json"; @returns -1 when unknown. */
int log_format_parse(const char *s);
/** Choose the format of every record from now on. Default: logfmt. */
void log_set_format(log_format_t format);

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
 * Write one record whose fields are given apart (each is its own key in
 * either format), e.g. a library record. Values are quoted as needed.
 */
void log_fields(log_level_t level, const char *msg, const log_field_t *fields,
                size_t nfields);

/**
 * Format a record into @p buf (for tests and for the watchdog's record,
 * prepared before it is needed): @p fields_logfmt as log_msg() takes them,
 * after printf formatting. @returns the length, newline included.
 */
size_t log_format_line(char *buf, size_t size, log_level_t level,
                       const char *msg, const char *fields_logfmt);

/**
 * Quote a value for logfmt when it needs it (spaces, '=', quotes, control
 * characters, empty): "a b" -> "\"a b\"". @returns buf, always
 * NUL-terminated, truncated to fit (the closing quote is kept).
 */
char *log_quote(const char *s, char *buf, size_t size);

#endif /* CONSUMER_LOG_H */
