/*
 * events/router.h - route events by type to handler functions.
 *
 * A route is a pattern and an ordered list of handlers. Patterns are an
 * exact type ("user.created"), a glob where '*' matches any run of
 * characters ("user.*", "*.deleted", "*"), or the default route (pattern
 * NULL), which catches what nothing else matches. The most specific route
 * wins: an exact type first, then the glob with the most literal
 * characters (ties: the one added first), then the default.
 *
 * Each route has a policy: how often a failing handler is retried, the
 * exponential backoff between tries, and whether events are validated
 * against their schema before the handlers run.
 *
 * Thread safety: build the router on one thread, then dispatch from any
 * number of threads; add and set functions must not race with dispatch.
 */
#ifndef EVENTS_ROUTER_H
#define EVENTS_ROUTER_H

#include "events/common.h"
#include "events/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct events_router_s events_router_t;
/** A route inside a router; borrowed, lives as long as the router. */
typedef struct events_route_s events_route_t;

/**
 * A handler function.
 * @param ev     the event; borrowed for the duration of the call.
 * @param opaque as given to events_router_add().
 * @returns 0 on success; anything else is a failure, retried by policy.
 */
typedef int (*events_handler_cb)(const events_event_t *ev, void *opaque);

/**
 * Called after every handler call, for metrics and logs.
 * @param handler the handler's name; @param rc what it returned;
 * @param attempt 1 for the first try; @param duration_us its run time.
 */
typedef void (*events_router_observer_cb)(const events_event_t *ev,
                                          const char *pattern,
                                          const char *handler, int rc,
                                          int attempt, int64_t duration_us,
                                          void *opaque);

/** @returns EVENTS_OK or EVENTS_ERR_NOMEM. Free with events_router_destroy().
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_router_new(events_router_t **rp);
/** @brief Free a router; @p r may be NULL. Handlers' opaques are not freed. */
EVENTS_API void events_router_destroy(events_router_t *r);

/**
 * @brief Attach a handler to a pattern; several handlers on one pattern run
 *        in the order they were added.
 * @param pattern an exact type, a glob, or NULL for the default route.
 * @param name    the handler's name in logs, metrics and DLQ headers;
 *                copied.
 * @param opaque  handed back unchanged to @p cb.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (bad pattern, NULL cb or
 *          name), EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_router_add(events_router_t *r,
                                                           const char *pattern,
                                                           const char *name,
                                                           events_handler_cb cb,
                                                           void *opaque);

/**
 * @brief Set a route's policy; the route is created if it has no handler
 *        yet. Defaults: 3 retries, 100 ms initial backoff doubling up to
 *        10 s, validation on.
 * @param max_retries tries after the first; 0 means none.
 * @param backoff_ms  the first wait; each next wait doubles.
 * @param backoff_max_ms the longest wait.
 * @param validate    1 to validate before the handlers run, 0 not to.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG, EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_router_set_policy(
        events_router_t *r, const char *pattern, int max_retries,
        int backoff_ms, int backoff_max_ms, int validate);

/** @brief Observe every handler call; @p cb may be NULL to stop. */
EVENTS_API void events_router_set_observer(events_router_t *r,
                                           events_router_observer_cb cb,
                                           void *opaque);

/**
 * @brief The route an event type goes to.
 * @returns a borrowed route, or NULL when nothing matches and there is no
 *          default route.
 */
EVENTS_API const events_route_t *events_router_match(const events_router_t *r,
                                                     const char *event_type);

/** @returns the route's pattern, or NULL for the default route. */
EVENTS_API const char *events_route_pattern(const events_route_t *rt);
/** @returns whether the route validates events first (1 or 0). */
EVENTS_API int events_route_validates(const events_route_t *rt);
/** @returns the number of handlers on the route. */
EVENTS_API size_t events_route_handler_count(const events_route_t *rt);
/** @returns handler @p i's name (borrowed), or NULL when out of range. */
EVENTS_API const char *events_route_handler_name(const events_route_t *rt,
                                                 size_t i);

/**
 * What a dispatch did; filled by events_router_dispatch(). Caller-owned.
 */
typedef struct events_dispatch_s {
        const events_route_t *route; /**< the route used, or NULL */
        size_t handlers_ok;          /**< handlers that succeeded */
        const char *failed_handler;  /**< borrowed name, or NULL */
        int attempts;                /**< tries of the failed handler */
        int rc;                      /**< the failed handler's last rc */
} events_dispatch_t;

/**
 * @brief Run an event's handlers in order. A failing handler is retried in
 *        place with exponential backoff, per its route's policy; handlers
 *        that already succeeded are not run again. A handler that still
 *        fails stops the dispatch: the handlers after it do not run.
 * @param stop  may be NULL; when *stop becomes non-zero (a signal
 *              handler's run flag), backoff waits end early and no more
 *              retries start.
 * @param out   may be NULL.
 * @returns EVENTS_OK, EVENTS_ERR_NO_ROUTE, EVENTS_ERR_HANDLER, or
 *          EVENTS_ERR_TIMED_OUT when stopped during retries.
 * @remark runs on the calling thread and sleeps there during backoff.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_router_dispatch(const events_router_t *r, const events_event_t *ev,
                       const volatile int *stop, events_dispatch_t *out);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_ROUTER_H */
