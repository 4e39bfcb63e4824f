/*
 * timestamp_int.h - the parse of a timestamp that remembers the previous
 * one's date, hour and minute (timestamp.c), for callers that parse many
 * timestamps in a row: the producer's shaping (producer_shape.c).
 *
 * Consecutive events' timestamps nearly always share
 * "YYYY-MM-DDTHH:MM"; when a timestamp starts with the bytes of the last
 * one that parsed, only its seconds, fraction and zone are read. The cache
 * belongs to its caller (one per shaper, never shared between threads at
 * once), so events_timestamp_parse() itself keeps no state.
 */
#ifndef EVENTS_TIMESTAMP_INT_H
#define EVENTS_TIMESTAMP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "events_int.h"

/** The bytes a cache entry covers: "2026-11-18T11:06". */
#define EVENTS__TS_MINUTE_LEN 16

/** A shaper's timestamp caches. All zero is empty. */
typedef struct events__ts_cache_s {
        /* The last timestamp that parsed, by its first
         * EVENTS__TS_MINUTE_LEN bytes (events__timestamp_parse_cached()). */
        char head[EVENTS__TS_MINUTE_LEN]; /**< as written, its T or t or ' ' */
        int64_t minute_s; /**< that minute (no zone applied), epoch seconds */
        int valid;        /**< 1 when head and minute_s hold an entry */
        /* The last instant lines were stamped with and its text, which the
         * lines of one read share (producer_shape.c). */
        int64_t stamp_us;
        char stamp[EVENTS_TIMESTAMP_BUFSIZE]; /**< "" when none */
} events__ts_cache_t;

/**
 * @brief events_timestamp_parse() with a cache of the last minute parsed.
 *
 * @param c the caller's cache (not NULL); updated by every timestamp that
 *        parses without it.
 * @param s, len, usp, err as for events_timestamp_parse().
 * @returns exactly what events_timestamp_parse() returns for the same
 *          input, with the same *usp and the same error record: a timestamp
 *          that the cache cannot decide (any error, any field out of range)
 *          takes the full parse.
 * @remark Not thread-safe on one cache: each thread needs its own.
 */
EVENTS_NODISCARD events_err_t
events__timestamp_parse_cached(events__ts_cache_t *c, const char *s, size_t len,
                               int64_t *usp, events_error_t *err);

#endif
