/*
 * producer_int.h - the producer's internals that the unit tests reach: how
 * a line's message is put together without re-serializing the event.
 */
#ifndef EVENTS_PRODUCER_INT_H
#define EVENTS_PRODUCER_INT_H

#include <stddef.h>

#include "events/producer.h"

/** Where the top-level "timestamp" member of an envelope's bytes is. */
typedef struct events__ts_span_s {
        int found;       /* 1 when the object has a "timestamp" member */
        size_t start;    /* the value's first byte (its opening quote) */
        size_t end;      /* one past the value's last byte */
        size_t close;    /* the offset of the object's final '}' */
} events__ts_span_t;

/**
 * Find the "timestamp" member in the bytes of a JSON object that has
 * already been parsed successfully (so they are known to be valid JSON).
 * @returns 0 on success; -1 when the bytes are not a plain object or a
 *          top-level key uses escapes (then the caller re-serializes).
 */
int events__ts_span(const char *buf, size_t len, events__ts_span_t *span);

#endif /* EVENTS_PRODUCER_INT_H */
