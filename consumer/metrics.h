/*
 * metrics.h - the daemon's counters, the handler-duration histogram, the
 * consumer lag per partition and the health checks, rendered as
 * Prometheus text (/metrics) and a JSON body (/health).
 *
 * The main thread updates, the HTTP thread renders; one mutex guards all.
 * Label sets (event type x handler) are capped, so that a producer sending
 * endless distinct event types cannot grow the daemon's memory without
 * bound: past the cap, new types are counted under type="_other".
 */
#ifndef CONSUMER_METRICS_H
#define CONSUMER_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct metrics metrics_t;

metrics_t *metrics_new(void);
void metrics_destroy(metrics_t *m);

/** An event was read from Kafka (whatever happens to it next). */
void metrics_consumed(metrics_t *m, const char *type);
/** One handler call finished (from the router's observer). */
void metrics_handler_call(metrics_t *m, const char *type, const char *handler,
                          int rc, int64_t duration_us);
/** An event's handlers all succeeded (ok=1), or @p handler failed for good. */
void metrics_event_done(metrics_t *m, const char *type, const char *handler,
                        int ok);
/** An event went to the dead-letter topic; @p handler is "" for poison. */
void metrics_dead_lettered(metrics_t *m, const char *type, const char *handler,
                           const char *reason);
/** An event was skipped by --type or --partition (and committed). */
void metrics_skipped(metrics_t *m, const char *type);
/** A reload of the routes file succeeded or failed. */
void metrics_reload(metrics_t *m, int ok);
/** One partition's lag, for metrics_source_t.lag_foreach. */
typedef void (*metrics_lag_cb)(const char *topic, int32_t partition,
                               int64_t lag, void *opaque);

/** The consumer's own counters, for metrics_source_t.counters. */
typedef struct metrics_counters {
        uint64_t commits_ok, commits_failed;
        uint64_t assigns, revokes;
} metrics_counters_t;

/**
 * Where the gauges come from (the consumer); every function is called
 * from the HTTP thread and must be thread-safe. Any may be NULL.
 */
typedef struct metrics_source {
        int (*assigned)(void *opaque);  /* partitions assigned now */
        int (*broker_up)(void *opaque); /* 1 up, 0 down, -1 unknown yet */
        size_t (*lag_foreach)(void *opaque, metrics_lag_cb cb, void *cb_opaque);
        void *opaque;
        int (*joined)(void *opaque); /* 1 when a member of the group */
        void (*counters)(void *opaque, metrics_counters_t *out);
        /* The handler call running now: its start (consumer_mono_ms()),
         * or 0 when none, and its limit in *limit_ms. */
        int64_t (*busy)(void *opaque, int64_t *limit_ms);
        void *busy_opaque;
        /* How long the loop may go without turning while no handler runs */
        int64_t loop_limit_ms;
} metrics_source_t;

/** The main loop turned (call after every poll): /livez's heartbeat. */
void metrics_heartbeat(metrics_t *m);

/** Grace past a handler's limit before /livez fails. */
#define METRICS_STALL_GRACE_MS 2000

/**
 * An event was handled @p age_us after its envelope's timestamp (once per
 * event, at its first handler call): the event-age histogram.
 */
void metrics_event_age(metrics_t *m, int64_t age_us);

/**
 * Answer one HTTP path: /livez, /readyz, /health (JSON, 200 or 503) and
 * /metrics (Prometheus text); anything else is 404 with no body.
 * An http_route_fn with the metrics as its opaque.
 */
void metrics_route(void *opaque, const char *path, int *status,
                   const char **ctype, char **body, size_t *len);

/** Set the gauges' source; copied. Call before the HTTP server starts. */
void metrics_set_source(metrics_t *m, const metrics_source_t *src);

/**
 * The Prometheus text exposition (format 0.0.4).
 * @returns a malloc'ed buffer and its length in *len, or NULL.
 */
char *metrics_render(metrics_t *m, size_t *len);

/** Which checks a health answer holds. */
typedef enum {
        METRICS_LIVE,   /* /livez: the loop turns, no handler stalls */
        METRICS_READY,  /* /readyz: in the group, a broker up */
        METRICS_HEALTH, /* /health: all of the above, and handlers that
                           succeed more often than they fail */
} metrics_probe_t;

/**
 * The health checks as a JSON object, in the shape of a Flask service's
 * health check:
 *   {"status":"healthy"|"unhealthy","checks":{"<name>":{"ok":...,...}},
 *    "timestamp":"2026-12-03T00:00:00.000000Z"}
 * @param ok set to 1 when every check passes.
 * @returns a malloc'ed buffer, or NULL.
 */
char *metrics_health(metrics_t *m, metrics_probe_t which, int *ok, size_t *len);

#endif /* CONSUMER_METRICS_H */
