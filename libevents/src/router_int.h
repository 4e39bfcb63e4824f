/*
 * router_int.h - what the consumer needs from the router beyond its public
 * API: dispatching on a route it already matched, so that an event is
 * matched once even when it is validated between match and dispatch, and
 * with the Kafka message the handlers' context describes.
 */
#ifndef EVENTS_ROUTER_INT_H
#define EVENTS_ROUTER_INT_H

#include <librdkafka/rdkafka.h>

#include "events_int.h"

/* A handler's context (events/router.h): one per dispatch, on its stack. */
struct events_handler_ctx_s {
        const rd_kafka_message_t *msg;       /* NULL outside Kafka */
        const events_cloudevent_t *ce;       /* NULL: not a CloudEvent */
        const volatile int *stop;            /* may be NULL */
        const volatile int64_t *deadline_ms; /* may be NULL; 0: none */
        int attempt;
        char error[EVENTS_HANDLER_ERROR_MAX];
};

/**
 * Run the handlers of @p rt (matched by events_router_match() on @p r) for
 * @p ev, with the same retry, backoff, stop and observer rules as
 * events_router_dispatch(). @p rt NULL gives EVENTS_ERR_NO_ROUTE. @p m
 * (may be NULL) is the message the handlers' context describes; it must
 * outlive the call; so must @p ce (may be NULL), the message's CloudEvents
 * attributes when it was one.
 */
events_err_t events__router_dispatch_route(
        const events_router_t *r, const events_route_t *rt,
        const events_event_t *ev, const rd_kafka_message_t *m,
        const events_cloudevent_t *ce, const volatile int *stop,
        const volatile int64_t *deadline_ms, events_dispatch_t *out);

/** Milliseconds the @p attempt-th retry (1-based) waits under @p rt's policy.
 */
int64_t events__route_backoff_ms(const events_route_t *rt, int attempt);

/** Sleep up to @p ms, in short slices, returning early (1) when *stop is set.
 */
int events__sleep_ms(int64_t ms, const volatile int *stop);

#endif /* EVENTS_ROUTER_INT_H */
