/*
 * log_int.h - how the library's modules log: a record is a short message
 * and key/value fields, handed to the program's callback (structured, or
 * the older one-text callback with the fields written after the message).
 * The library never prints. librdkafka's log and error callbacks of the
 * consumer and of the producer come through here too, so that each
 * librdkafka event gives one record.
 */
#ifndef EVENTS_LOG_INT_H
#define EVENTS_LOG_INT_H

#include <librdkafka/rdkafka.h>

#include "events_int.h"

/* The most fields one record carries; more are dropped. */
#define EVENTS__LOG_FIELDS_MAX 16

/* Where a handle's records go. Zeroed: nowhere. */
typedef struct events__log_s {
        events_log_cb cb; /* the one-text callback, or NULL */
        void *cb_opaque;
        events_log_fields_cb fcb; /* the structured one; wins over cb */
        void *fcb_opaque;
} events__log_t;

/** Whether a record would go anywhere. */
int events__log_on(const events__log_t *lg);

/**
 * Log @p msg with fields given as key, value pairs ending with a NULL key;
 * a NULL value leaves its field out. Values are borrowed for the call.
 * Example: events__log(lg, EVENTS_LOG_INFO, "partitions assigned",
 *                      "count", EVENTS__I64(n), (char *)NULL).
 */
void events__log(const events__log_t *lg, events_log_level_t level,
                 const char *msg, ...) __attribute__((sentinel));

/** @p v in decimal in @p buf (at least 24 bytes). @returns buf. */
const char *events__i64(char *buf, int64_t v);

/* A number as a field value, in a buffer that lives to the end of the
 * enclosing block (a compound literal). */
#define EVENTS__I64(v) events__i64((char[24]){0}, (int64_t)(v))

/**
 * librdkafka's log line (a log_cb's arguments) as a record with the
 * fields rdkafka (the facility) and client. Lines that librdkafka also
 * reports through its error callback (facility FAIL: a broker connection
 * failed) are left out: the error callback logs them, once.
 */
void events__log_rdkafka(const events__log_t *lg, const rd_kafka_t *rk,
                         int level, const char *fac, const char *buf);

#endif /* EVENTS_LOG_INT_H */
