/*
 * drain.h - -e for the routing daemon: has every assigned partition been
 * handled up to the end it had when it was first assigned?
 */
#ifndef CONSUMER_DRAIN_H
#define CONSUMER_DRAIN_H

#include <events/consumer.h>

typedef struct drain drain_t;

/** @returns a new tracker, or NULL when out of memory. */
drain_t *drain_new(void);
void drain_destroy(drain_t *d);

/**
 * Whether every partition assigned to @p c has been consumed up to the
 * end it had when first seen here. Call it between polls, on the polling
 * thread: events_consumer_poll() handles a message completely (handlers,
 * retries, DLQ, offset store) before it returns, so a consumed position
 * is a handled one. Asks the broker at most every 200 ms.
 * @returns 1 when drained, 0 otherwise (also while nothing is assigned).
 */
int drain_reached(drain_t *d, events_consumer_t *c);

#endif /* CONSUMER_DRAIN_H */
