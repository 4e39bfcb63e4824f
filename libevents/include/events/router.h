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

#include "events/cloudevents.h"
#include "events/common.h"
#include "events/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct events_router_s events_router_t;
/** A route inside a router; borrowed, lives as long as the router. */
typedef struct events_route_s events_route_t;

/**
 * A handler's context (opaque): where the event came from (the Kafka
 * message's topic, partition, offset, key, headers and timestamp), which
 * try this is, a buffer for the reason of a failure, and a cancel flag.
 *
 * Lifetime: valid during the handler call only, on the thread that runs
 * the handler (the consumer's polling thread, or the thread that calls
 * events_router_dispatch()); do not keep it or any pointer it returns.
 *
 * Outside Kafka (events_router_dispatch(), e.g. tests or a program that
 * routes events it got elsewhere) there is no message: the message
 * accessors then return NULL, -1 or EVENTS_TSTYPE_NONE, while the error
 * buffer, the attempt and the cancel flag work as they do under the
 * consumer.
 */
typedef struct events_handler_ctx_s events_handler_ctx_t;

/** The longest error text a handler can set, NUL included. */
#define EVENTS_HANDLER_ERROR_MAX 256

/**
 * A handler function. Plugins export functions of this type (see
 * events/plugin.h).
 * @param ev     the event; borrowed for the duration of the call.
 * @param ctx    the call's context (never NULL); borrowed for the call.
 * @param opaque as given to events_router_add().
 * @returns 0 on success; anything else is a failure, retried by policy.
 *          Say why with events_handler_ctx_set_error(): the text reaches
 *          logs and the dead-letter header events.error.
 */
typedef int (*events_handler_cb)(const events_event_t *ev,
                                 events_handler_ctx_t *ctx, void *opaque);

/**
 * Called after every handler call, for metrics and logs.
 * @param ctx     the call's context: events_handler_ctx_attempt() is 1 for
 *                the first try, events_handler_ctx_error() the reason the
 *                handler gave ("" if none). Borrowed for the call.
 * @param pattern the route's pattern, NULL for the default route.
 * @param handler the handler's name; @param rc what it returned;
 * @param duration_us its run time.
 */
typedef void (*events_router_observer_cb)(const events_event_t *ev,
                                          const events_handler_ctx_t *ctx,
                                          const char *pattern,
                                          const char *handler, int rc,
                                          int64_t duration_us, void *opaque);

#if defined(__GNUC__)
#define EVENTS_ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EVENTS_ATTR_PRINTF(f, a)
#endif

/**
 * @brief The topic of the message being handled.
 * @returns a borrowed name, valid during the handler call; NULL outside
 *          Kafka or when @p ctx is NULL.
 * @remark the handler's thread only, as are all events_handler_ctx_*().
 */
EVENTS_API const char *
events_handler_ctx_topic(const events_handler_ctx_t *ctx);

/** @returns the message's partition; -1 outside Kafka. */
EVENTS_API int32_t
events_handler_ctx_partition(const events_handler_ctx_t *ctx);

/** @returns the message's offset; -1 outside Kafka. */
EVENTS_API int64_t events_handler_ctx_offset(const events_handler_ctx_t *ctx);

/**
 * @brief The message's key (the event's partition key), as raw bytes.
 * @param lenp may be NULL; set to the key's length (0 without a key).
 * @returns the borrowed key bytes, valid during the call and not
 *          NUL-terminated; NULL when the message has no key, or outside
 *          Kafka.
 */
EVENTS_API const void *events_handler_ctx_key(const events_handler_ctx_t *ctx,
                                              size_t *lenp);

/**
 * @brief Look up a message header by name (the last one, when several
 *        have that name).
 * @param valuep may be NULL; set to the borrowed value (not
 *               NUL-terminated; NULL for a header without a value).
 * @param sizep  may be NULL; set to the value's size.
 * @returns 0 when found, -1 when not (always outside Kafka).
 */
EVENTS_API int events_handler_ctx_header(const events_handler_ctx_t *ctx,
                                         const char *name, const void **valuep,
                                         size_t *sizep);

/**
 * @brief Visit the message's headers in order: the @p idx-th one
 *        (0-based).
 * @param namep, valuep, sizep may be NULL; set to borrowed pointers valid
 *        during the call.
 * @returns 0, or -1 past the last header (always outside Kafka).
 */
EVENTS_API int events_handler_ctx_header_at(const events_handler_ctx_t *ctx,
                                            size_t idx, const char **namep,
                                            const void **valuep, size_t *sizep);

/** What a Kafka message timestamp means (librdkafka's types). */
typedef enum events_tstype_e {
        EVENTS_TSTYPE_NONE = 0,       /**< no timestamp (or outside Kafka) */
        EVENTS_TSTYPE_CREATE_TIME,    /**< set by the producer */
        EVENTS_TSTYPE_LOG_APPEND_TIME /**< set by the broker */
} events_tstype_t;

/**
 * @brief The Kafka message's timestamp. For messages written by
 *        events-producer it equals the envelope's timestamp (to the
 *        millisecond).
 * @param typep may be NULL; set to the timestamp's type.
 * @returns milliseconds since the Unix epoch; -1 when the message has none
 *          or outside Kafka.
 */
EVENTS_API int64_t events_handler_ctx_timestamp_ms(
        const events_handler_ctx_t *ctx, events_tstype_t *typep);

/**
 * @returns which try this is: 1 for the first call, 2 for the first retry.
 */
EVENTS_API int events_handler_ctx_attempt(const events_handler_ctx_t *ctx);

/**
 * @brief Say why the handler fails, printf-style. The text (cut to
 *        EVENTS_HANDLER_ERROR_MAX - 1 bytes) goes to the router's observer,
 *        to events_dispatch_t.error and, when the event is dead-lettered,
 *        to its events.error header. The buffer is cleared before each
 *        try; a later call replaces an earlier one. Setting it does not by
 *        itself make the call fail: the return value does.
 * @param ctx may be NULL (then nothing happens).
 */
EVENTS_API void events_handler_ctx_set_error(events_handler_ctx_t *ctx,
                                             const char *fmt, ...)
        EVENTS_ATTR_PRINTF(2, 3);

/**
 * @returns the text set by events_handler_ctx_set_error() in this try, ""
 *          when none (never NULL); borrowed for the call.
 */
EVENTS_API const char *
events_handler_ctx_error(const events_handler_ctx_t *ctx);

/**
 * @brief Whether the handler should give up early: 1 once the stop flag
 *        (events_consumer_set_stop_flag(), or the @p stop of
 *        events_router_dispatch()) is set, i.e. the program is shutting
 *        down. A long handler should check it at least every
 *        100 ms and return non-zero; the event is then not stored (even on
 *        its last try: no dead-lettering) and will be consumed again. See
 *        events_handler_ctx_deadline_ms() for how long it may take.
 * @returns 1 or 0.
 * @remark reads a flag that a signal handler may set: check it again
 *         rather than caching it.
 */
EVENTS_API int events_handler_ctx_cancelled(const events_handler_ctx_t *ctx);

/**
 * @brief The CloudEvents attributes of the event, when the message was a
 *        CloudEvent (events/cloudevents.h): id, source, specversion, type,
 *        time, datacontenttype, partitionkey and any extension.
 * @returns borrowed attributes, valid during the call; NULL when the
 *          message was our own envelope, or outside Kafka.
 */
EVENTS_API const events_cloudevent_t *
events_handler_ctx_cloudevent(const events_handler_ctx_t *ctx);

/**
 * @brief One CloudEvents attribute of the event, by name ("id", "source",
 *        ...): events_cloudevent_get() on events_handler_ctx_cloudevent().
 * @returns a borrowed string valid during the call, or NULL when the
 *          event was not a CloudEvent or has no such attribute.
 */
EVENTS_API const char *
events_handler_ctx_ce_attr(const events_handler_ctx_t *ctx, const char *name);

/**
 * @brief When a cancelled handler must have returned: a CLOCK_MONOTONIC
 *        time in milliseconds (compare with clock_gettime(CLOCK_MONOTONIC)).
 *        events-consumer sets it when it is asked to stop, to the signal's
 *        time plus half of --shutdown-timeout; a handler still running at
 *        the end of --shutdown-timeout is abandoned: the process exits with
 *        status 75 and nothing more is committed.
 * @returns the deadline, or -1 when there is none (not cancelled, or the
 *          program set none: events_consumer_set_handler_deadline()).
 * @remark the handler's thread; read it again rather than caching it.
 */
EVENTS_API int64_t
events_handler_ctx_deadline_ms(const events_handler_ctx_t *ctx);

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
 *        yet. Defaults (EVENTS_ROUTE_DEFAULT_*): 3 retries, 100 ms initial
 *        backoff doubling up to 10 s, validation on. The policy must pass
 *        events_route_policy_check().
 * @param max_retries tries after the first; 0 means none.
 * @param backoff_ms  the first wait; each next wait doubles.
 * @param backoff_max_ms the longest wait.
 * @param validate    1 to validate before the handlers run, 0 not to.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (a bad pattern, or a policy
 *          events_route_policy_check() refuses), EVENTS_ERR_NOMEM.
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
        /** The failed handler's last error text, "" when it set none. */
        char error[EVENTS_HANDLER_ERROR_MAX];
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
 * @remark runs on the calling thread and sleeps there during backoff. The
 *         handlers get a context without a Kafka message (see
 *         events_handler_ctx_t): its message accessors return NULL or -1;
 *         events_handler_ctx_cancelled() follows @p stop.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_router_dispatch(const events_router_t *r, const events_event_t *ev,
                       const volatile int *stop, events_dispatch_t *out);

/*
 * Route policy: its defaults, its limits and its backoff rule, defined
 * once here for the router and for every reader of policies (the
 * consumer's routes file). A policy is retries after the first try, a
 * first backoff that doubles on each retry, and a longest backoff.
 */

/** Tries after the first, when a route sets none. */
#define EVENTS_ROUTE_DEFAULT_RETRIES 3
/** The first backoff in ms, when a route sets none. */
#define EVENTS_ROUTE_DEFAULT_BACKOFF_MS 100
/** The longest backoff in ms, when a route sets none. */
#define EVENTS_ROUTE_DEFAULT_BACKOFF_MAX_MS 10000
/** The most retries a policy may ask for. */
#define EVENTS_ROUTE_MAX_RETRIES 1000
/** The longest backoff (either kind) a policy may ask for, in ms: 1 h. */
#define EVENTS_ROUTE_MAX_BACKOFF_MS 3600000

/**
 * @brief Check a retry policy: retries in [0, EVENTS_ROUTE_MAX_RETRIES],
 *        both backoffs in [0, EVENTS_ROUTE_MAX_BACKOFF_MS], and
 *        @p backoff_max_ms not less than @p backoff_ms. A longest backoff
 *        below the first is refused, not clamped: it is a mistake in the
 *        policy, better reported when it is loaded than guessed at.
 * @param err may be NULL; err->pointer names the bad field relative to the
 *            policy ("/retries", "/backoff_ms", "/backoff_max_ms"; "" when
 *            two fields disagree) and err->text says why ("must be between
 *            0 and 1000", "backoff_max_ms (100) is less than backoff_ms
 *            (500)").
 * @returns EVENTS_OK or EVENTS_ERR_INVALID_ARG.
 * @remark pure; safe from any thread.
 */
EVENTS_API events_err_t events_route_policy_check(int max_retries,
                                                  int backoff_ms,
                                                  int backoff_max_ms,
                                                  events_error_t *err);

/**
 * @brief How long the @p attempt-th retry (1-based) waits: @p backoff_ms
 *        doubled (attempt - 1) times, at most @p backoff_max_ms.
 * @returns milliseconds; 0 when @p attempt < 1 or a backoff is negative.
 * @remark pure; safe from any thread.
 */
EVENTS_API int64_t events_route_backoff_ms(int backoff_ms, int backoff_max_ms,
                                           int attempt);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_ROUTER_H */
