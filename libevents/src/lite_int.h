/*
 * lite_int.h - a light, read-only JSON tree for the producer's hot path
 * (lite.c), and a validator that can only say "certainly valid".
 *
 * Building jansson values (a hashtable per object, an allocation per
 * value and per key) and freeing them again was most of the producer's
 * time. The lite tree is one array of nodes that points into the input
 * bytes, reused from line to line. It takes only the simplest documents:
 * strings without escapes, objects of at most 64 members without
 * duplicate keys, limited nesting; anything else makes the parser give
 * up, and the caller takes the full path (jansson, the full validator),
 * which also produces every error report. In the same spirit
 * events__lite_validate() returns 1 only when the full validator would
 * accept the value, and 0 when it would not or when it cannot tell
 * (keywords it does not handle): 0 always means "ask the full path".
 */
#ifndef EVENTS_LITE_INT_H
#define EVENTS_LITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "schema_int.h"

enum {
        EVENTS__LT_NULL,
        EVENTS__LT_TRUE,
        EVENTS__LT_FALSE,
        EVENTS__LT_INT,
        EVENTS__LT_REAL,
        EVENTS__LT_STRING,
        EVENTS__LT_ARRAY,
        EVENTS__LT_OBJECT
};

/** One value. Children follow their parent in document order; a node's
 *  subtree ends at index end, where its next sibling starts. */
typedef struct events__lnode_s {
        unsigned char type;
        unsigned char is_ts; /**< a string events_timestamp_format() wrote:
                                  a valid RFC 3339 date-time */
        uint32_t klen;       /**< member key length (in an object) */
        const char *key;     /**< member key, into the input; not terminated */
        const char *s;       /**< string bytes, into the input (no escapes);
                                  an integer's text */
        size_t len;          /**< their length */
        union {
                int64_t i;
                double d;
        } num;
        uint32_t count; /**< members or items */
        uint32_t end;   /**< index past the subtree */
} events__lnode_t;

/** A reusable tree; zero-initialize, events__lite_free() at the end. */
typedef struct events__lite_s {
        events__lnode_t *n;
        size_t used, cap;
        size_t close; /**< offset of the root object's closing brace */
        /* events__lite_timestamp()'s cache: the text up to the fraction
         * ("2026-11-27T18:05:00.") of the second ts_sec (-1: none). */
        int64_t ts_sec;
        char ts_head[20];
} events__lite_t;

/**
 * Parse @p buf[0..len) into @p L (its previous tree is dropped): exactly
 * one object, with only what the lite tree takes (see above).
 * @returns 0, or -1 when the full path must parse it (which may or may
 *          not accept it).
 */
int events__lite_parse(events__lite_t *L, const char *buf, size_t len,
                       int max_depth);

/**
 * events_timestamp_format() for @p us, which repeats the date and time of
 * day of the last call's second instead of computing them again.
 * @param buf at least EVENTS_TIMESTAMP_BUFSIZE bytes.
 * @returns the length (27), or 0 when @p us is out of range.
 */
size_t events__lite_timestamp(events__lite_t *L, int64_t us, char *buf);

/** Free @p L's memory (not @p L). */
void events__lite_free(events__lite_t *L);

/** The member @p key of object node @p obj, or -1. */
long events__lite_get(const events__lite_t *L, uint32_t obj, const char *key,
                      size_t klen);

/**
 * Append a member @p key : string @p s (not copied) to the root object,
 * which must not have that key yet. @returns its index, or -1 (no memory).
 */
long events__lite_append_string(events__lite_t *L, const char *key,
                                const char *s, size_t len);

/**
 * @returns 1 when @p schema certainly accepts node @p i, 0 when it does
 *          not or when the lite validator cannot tell.
 */
int events__lite_validate(const sch_node_t *schema, const events__lite_t *L,
                          uint32_t i);

/**
 * events__registry_validate_json() on a lite envelope (root node 0) and
 * its data node: @returns 1 when both are certainly valid (and the type
 * known, or unknown types allowed), else 0.
 */
int events__registry_lite_validate(const events_registry_t *r,
                                   const char *event_type,
                                   const events__lite_t *L, uint32_t data);

/** What events__producer_probe() found for one line. */
typedef struct events__probe_s {
        int lite_taken;           /**< the lite path shaped it */
        events_outcome_t outcome; /**< QUEUED, SKIPPED or REJECTED */
        events_err_t code;        /**< REJECTED: why */
        char *msg;                /**< QUEUED: the message (malloc'd) */
        size_t mlen;
        int has_key;
        char key[EVENTS_KEY_MAX + 1];
        size_t klen;
        char type[EVENTS_EVENT_TYPE_MAX + 1];
        int64_t ts_ms;
} events__probe_t;

/**
 * For tests: shape one line as events_producer_submit() would, with
 * @p now_us as the clock, on the lite path (@p lite: only when it takes
 * the line; out->lite_taken says whether it did) or on the full path.
 * Free out->msg.
 */
events_err_t events__producer_probe(const events_producer_t *p, const char *in,
                                    size_t n, int64_t now_us, int lite,
                                    events__probe_t *out);

#endif /* EVENTS_LITE_INT_H */
