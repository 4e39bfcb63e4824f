/*
 * events/consumer.h - consume events from Kafka in a consumer group and
 * route each one to its handlers, at least once.
 *
 * The consumer reads messages with librdkafka's high-level consumer, parses
 * each one as an event envelope, optionally validates it against its
 * schema, and dispatches it through a router (events/router.h). Delivery:
 *
 * - At least once. Offsets are stored (enable.auto.offset.store=false) only
 *   after an event's handlers all succeeded, or after the event was written
 *   to the dead-letter topic and the broker acknowledged that write. Stored
 *   offsets are committed by librdkafka's auto-commit, on partition revoke
 *   and on events_consumer_close(). A run of events of one partition is
 *   stored once, with its newest offset: the offset reaches librdkafka when
 *   another partition's event comes, every 1024 events, before a poll waits
 *   for messages, and before every commit this library makes (revoke,
 *   events_consumer_commit(), close). Auto-commit may thus commit an offset
 *   a little behind the last handled event, never ahead of it.
 * - Handler failure. A failing handler is retried in place with
 *   exponential backoff, per its route's policy (events_router_set_policy).
 *   When it still fails, the event goes to the dead-letter topic (DLQ).
 * - Poison events. Malformed JSON, an invalid envelope, an event that fails
 *   its schema, or an event type with no route goes straight to the DLQ,
 *   and the consumer continues with the next message.
 * - DLQ failure. When the DLQ write fails, the offset is not stored, the
 *   partition is paused and rewound to the event, and the consumer stops:
 *   events_consumer_poll() returns EVENTS_ERR_KAFKA once (with the reason),
 *   then EVENTS_ERR_STATE. The caller should close and exit non-zero; the
 *   event is redelivered to the next consumer of the group.
 * - Order is kept within a partition: one message is handled at a time, on
 *   the calling thread, and a failed event is retried before the next.
 *
 * A DLQ message keeps the original key and value bytes verbatim and the
 * original headers, followed by the EVENTS_DLQ_HDR_* headers below (values
 * are text, without a NUL).
 *
 * Threads: events_consumer_poll(), _run(), _close(), _publish(), the
 * setters and events_consumer_message() belong to one thread, the polling
 * thread; every callback (log, delivery, handlers, the router's observer)
 * runs on it. The health accessors (events_consumer_assigned_count(),
 * _broker_up(), _lag_foreach(), _last_error()) are thread-safe and may be
 * called from any thread, e.g. an HTTP server's. Besides librdkafka's
 * threads, the consumer may start one of its own, which only wakes
 * librdkafka's fetcher (see events_consumer_new()) and blocks all signals.
 */
#ifndef EVENTS_CONSUMER_H
#define EVENTS_CONSUMER_H

#include <librdkafka/rdkafka.h>

#include "events/common.h"
#include "events/event.h"
#include "events/router.h"
#include "events/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Dead-letter headers, added to every DLQ message.
 * @{ */
/** Why, readable: "handler \"mail\" failed 4 times: smtp refused" with
 *  the text the handler set (events_handler_ctx_set_error()) in its last
 *  try, else "handler \"mail\" failed 4 times (rc 1)". */
#define EVENTS_DLQ_HDR_ERROR "events.error"
/** Why, stable: events_err2name() of the reason ("ERR_HANDLER",
 *  "ERR_JSON", "ERR_ENVELOPE", "ERR_VALIDATION", "ERR_NO_SCHEMA",
 *  "ERR_NO_ROUTE", ...). */
#define EVENTS_DLQ_HDR_ERROR_CODE "events.error.code"
/** The failing handler's name; only for ERR_HANDLER. */
#define EVENTS_DLQ_HDR_HANDLER "events.handler"
/** The original topic. */
#define EVENTS_DLQ_HDR_TOPIC "events.topic"
/** The original partition, in decimal. */
#define EVENTS_DLQ_HDR_PARTITION "events.partition"
/** The original offset, in decimal. */
#define EVENTS_DLQ_HDR_OFFSET "events.offset"
/** How many times the failing handler ran, in decimal; "0" for poison
 *  events, which no handler saw. */
#define EVENTS_DLQ_HDR_ATTEMPTS "events.attempts"
/** The event type, when known (from the body, else from the
 *  EVENTS_HEADER_EVENT_TYPE header). */
#define EVENTS_DLQ_HDR_EVENT_TYPE "events.event_type"
/** When the event was dead-lettered, RFC 3339 UTC. */
#define EVENTS_DLQ_HDR_TIME "events.dead_lettered_at"
/** The original message's Kafka timestamp, in ms since the epoch, in
 *  decimal; absent when it had none. The DLQ message's own timestamp is
 *  the time of the dead-letter write. */
#define EVENTS_DLQ_HDR_TIMESTAMP "events.timestamp"
/** The original timestamp's type: "create" (set by the producer) or
 *  "log_append" (set by the broker); with EVENTS_DLQ_HDR_TIMESTAMP. */
#define EVENTS_DLQ_HDR_TIMESTAMP_TYPE "events.timestamp_type"
/** @} */

/** The default DLQ topic template: the original topic plus ".dlq". */
#define EVENTS_DLQ_DEFAULT "{topic}.dlq"

/** A consumer (opaque). */
typedef struct events_consumer_s events_consumer_t;

/**
 * A log callback: the message with its fields written into one text. The
 * library never prints; it hands every log line here.
 * @param level  how important.
 * @param msg    one line, no newline; borrowed for the call: the message,
 *               then its fields as logfmt " key=value" pairs (values
 *               quoted when they need it). Prefer
 *               events_consumer_set_log_fields_cb(), which keeps them apart.
 * @param opaque as given to events_consumer_set_log_cb().
 * @remark called on the polling thread, or (rarely, librdkafka's own
 *         logs before the first poll) on a librdkafka thread.
 */
typedef void (*events_log_cb)(events_log_level_t level, const char *msg,
                              void *opaque);

/** Where a group without committed offsets starts reading. */
typedef enum events_start_e {
        /** Committed offsets; without them, the conf's auto.offset.reset
         *  (librdkafka's default: the end). */
        EVENTS_START_COMMITTED = 0,
        EVENTS_START_BEGINNING, /**< the oldest message */
        EVENTS_START_END,       /**< only new messages */
        EVENTS_START_TIME       /**< the first message at or after a time */
} events_start_t;

/** What happened to one consumed message. */
typedef enum events_disposition_e {
        /** Every handler succeeded; the offset is stored. */
        EVENTS_DISPOSITION_HANDLED = 0,
        /** Written to the DLQ and acknowledged; the offset is stored. */
        EVENTS_DISPOSITION_DEAD_LETTERED,
        /** The DLQ write failed; the offset is not stored; the consumer
         *  stopped. */
        EVENTS_DISPOSITION_DLQ_FAILED,
        /** The stop flag ended the retries; the offset is not stored and
         *  the event will be consumed again. */
        EVENTS_DISPOSITION_INTERRUPTED,
        /** The filter (events_consumer_set_filter()) declined it: no
         *  handler ran; the offset is stored, as for a handled event. */
        EVENTS_DISPOSITION_SKIPPED
} events_disposition_t;

/**
 * One consumed message and what became of it, for metrics and logs.
 * Every string is borrowed for the duration of the callback.
 */
typedef struct events_delivery_s {
        events_disposition_t outcome;
        const char *topic;
        int32_t partition;
        int64_t offset;
        const char *event_type;      /**< NULL when unknown */
        const events_route_t *route; /**< the route used, or NULL */
        events_err_t reason;         /**< EVENTS_OK when handled */
        const char *error;           /**< readable reason; "" when handled */
        const char *handler;         /**< the failed handler, or NULL */
        int attempts;                /**< tries of the failed handler */
        const char *dlq_topic;       /**< the DLQ topic, or NULL */
        int64_t duration_us;         /**< from receipt to outcome */
} events_delivery_t;

/**
 * Called once for every message consumed, after its outcome is known:
 * the count of calls is "events consumed", grouped by d->event_type.
 * @remark called on the polling thread.
 */
typedef void (*events_delivery_cb)(const events_delivery_t *d, void *opaque);

/**
 * Decides whether the consumer handles a message (the program's --type and
 * --partition). Called once per message, before routing and validation.
 * @param topic, partition where the message was read.
 * @param event_type the event type; NULL when the message is not a valid
 *                   event and no event-type header names one.
 * @returns non-zero to handle the message as usual; 0 to skip it: no
 *          handler runs, nothing is dead-lettered, its offset is stored
 *          (so committed) and the delivery callback sees
 *          EVENTS_DISPOSITION_SKIPPED.
 * @remark called on the polling thread.
 */
typedef int (*events_filter_cb)(const char *topic, int32_t partition,
                                const char *event_type, void *opaque);

/**
 * @brief Create a consumer and subscribe it to topics.
 *
 * The consumer sets these properties on @p conf: group.id (when @p group is
 * not NULL), enable.auto.offset.store=false, statistics.interval.ms=5000
 * (unless set), and its own rebalance, statistics, error and log
 * callbacks and opaque; do not set those yourself.
 *
 * Prefetch defaults, set only when @p conf has librdkafka's own value:
 * queued.min.messages=20000 (librdkafka: 100000) and
 * queued.max.messages.kbytes=16384 (librdkafka: 65536). Both bound the
 * messages waiting in the consumer queue, summed over all partitions, and
 * so most of the consumer's memory (some 25 MB in all with 200-byte events;
 * 60 MB with librdkafka's defaults). librdkafka 2.0.2 stops fetching at
 * either bound and, left alone, resumes only on its broker thread's next
 * 1 s tick; the consumer therefore wakes the fetcher (a watermark query
 * for a recent partition, from a small thread of its own, started on the
 * first such wake-up) when the queue, after being at least half full,
 * shrinks below 75%. Set larger values for big bursts, smaller for less
 * memory. bootstrap.servers and
 * anything else (-X options, security) come from @p conf. The DLQ and
 * events_consumer_publish() use an internal producer made from a copy of
 * @p conf without its consumer properties, created on first use.
 *
 * @param cp     on success, the consumer; free with
 *               events_consumer_destroy().
 * @param conf   librdkafka configuration; on success the consumer owns it
 *               (as rd_kafka_new() does); on failure the caller still does.
 * @param group  the consumer group id, or NULL to use conf's group.id.
 * @param topics the topics to subscribe to; copied.
 * @param ntopics how many; at least 1.
 * @param router borrowed: it must outlive the consumer, or be swapped out
 *               with events_consumer_set_router() first.
 * @param err    may be NULL; the reason on failure.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG, EVENTS_ERR_CONF (no group, a
 *          property librdkafka refuses), EVENTS_ERR_KAFKA, EVENTS_ERR_NOMEM.
 * @remark Set the options below before the first events_consumer_poll():
 *         partitions are assigned, and the start position applied, during
 *         polls.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_consumer_new(
        events_consumer_t **cp, rd_kafka_conf_t *conf, const char *group,
        const char *const *topics, size_t ntopics, events_router_t *router,
        events_error_t *err);

/**
 * @brief Close the consumer if it is not closed yet (with a 10 s bound),
 *        then free it. @p c may be NULL. The router and registry are not
 *        freed.
 */
EVENTS_API void events_consumer_destroy(events_consumer_t *c);

/**
 * @brief The partitions whose stored offsets the group's coordinator has
 *        not confirmed as committed: after a failed
 *        events_consumer_close(), the partitions whose events will be
 *        consumed again.
 * @param buf  may be NULL; gets "topic[partition]" names, comma-separated,
 *             truncated to @p size.
 * @returns how many partitions.
 * @remark the polling thread; valid until events_consumer_destroy().
 */
EVENTS_API int events_consumer_uncommitted(const events_consumer_t *c,
                                           char *buf, size_t size);

/** @brief Receive log lines; @p cb NULL to drop them (the default). */
EVENTS_API void events_consumer_set_log_cb(events_consumer_t *c,
                                           events_log_cb cb, void *opaque);

/**
 * @brief Receive log records with their fields kept apart (see
 *        events_log_fields_cb); @p cb NULL to stop. When both this and
 *        events_consumer_set_log_cb() are set, each record goes to this
 *        one only. librdkafka's own logs arrive with the fields "rdkafka"
 *        (its facility) and "client"; its errors (its error callback) as
 *        "kafka error" with "code" and "error", each once.
 * @remark called on the polling thread, or (rarely, librdkafka's own logs
 *         before the first poll) on a librdkafka thread.
 */
EVENTS_API void events_consumer_set_log_fields_cb(events_consumer_t *c,
                                                  events_log_fields_cb cb,
                                                  void *opaque);

/** @brief Be told of every message's outcome; @p cb may be NULL. */
EVENTS_API void events_consumer_set_delivery_cb(events_consumer_t *c,
                                                events_delivery_cb cb,
                                                void *opaque);

/**
 * @brief Validate events, on routes whose policy says so, against a
 *        registry of schemas.
 * @param reg borrowed; NULL (the default) turns validation off.
 * @remark an event that fails (EVENTS_ERR_VALIDATION, or EVENTS_ERR_NO_SCHEMA
 *         when the registry rejects unknown types) goes to the DLQ.
 */
EVENTS_API void events_consumer_set_registry(events_consumer_t *c,
                                             const events_registry_t *reg);

/**
 * @brief Name the dead-letter topic.
 * @param tmpl a topic name in which "{topic}" stands for the event's topic;
 *             copied. NULL restores EVENTS_DLQ_DEFAULT ("{topic}.dlq"). A
 *             name without "{topic}" sends every DLQ message there.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (empty), EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_consumer_set_dlq_topic(events_consumer_t *c, const char *tmpl);

/**
 * @brief Choose where partitions without a committed offset for the group
 *        start: this is how a new group replays a topic. Partitions that
 *        have a committed offset always resume from it.
 * @param time_ms for EVENTS_START_TIME: milliseconds since the Unix epoch;
 *                each partition starts at its first message whose Kafka
 *                timestamp is at or after it (or at the end, when none is).
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG.
 * @remark applied when partitions are assigned; call before the first poll.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_consumer_set_start(
        events_consumer_t *c, events_start_t where, int64_t time_ms);

/**
 * @brief A run flag that ends handler retries early: when *stop becomes
 *        non-zero (a signal handler sets it), backoff waits end and no more
 *        retries start; the event being retried is not stored and will be
 *        consumed again (EVENTS_DISPOSITION_INTERRUPTED). NULL (the default):
 *        retries always run to the end of their policy.
 */
EVENTS_API void events_consumer_set_stop_flag(events_consumer_t *c,
                                              const volatile int *stop);

/**
 * @brief The time by which a cancelled handler must have returned, as
 *        handlers read it with events_handler_ctx_deadline_ms().
 * @param deadline_ms points to a CLOCK_MONOTONIC time in milliseconds, 0
 *                    while there is none; the program sets it (a signal
 *                    handler may: it is read, never cached) before it sets
 *                    the stop flag. NULL (the default): no deadline.
 */
EVENTS_API void
events_consumer_set_handler_deadline(events_consumer_t *c,
                                     const volatile int64_t *deadline_ms);

/**
 * @brief Handle only the messages @p cb accepts; skip (and commit) the
 *        others. See events_filter_cb.
 * @param cb NULL: handle every message (the default).
 * @param opaque handed back to @p cb unchanged.
 * @remark call it before the first poll, on the polling thread.
 */
EVENTS_API void events_consumer_set_filter(events_consumer_t *c,
                                           events_filter_cb cb, void *opaque);

/**
 * @brief Use another router from the next message on (SIGHUP reload). The
 *        position in every partition is kept.
 * @param router borrowed; not NULL.
 * @returns the previous router, now unused by the consumer: the caller may
 *          destroy it.
 * @remark call it on the polling thread, between polls (never from a
 *         handler).
 */
EVENTS_API events_router_t *events_consumer_set_router(events_consumer_t *c,
                                                       events_router_t *router);

/** @returns the router in use (borrowed). */
EVENTS_API events_router_t *events_consumer_router(const events_consumer_t *c);

/**
 * @brief Wait up to @p timeout_ms for one message and handle it completely:
 *        parse, validate, dispatch with retries, DLQ, offset store. Serves
 *        rebalances, statistics and errors on the way.
 * @param err may be NULL; filled when the return is not EVENTS_OK.
 * @returns EVENTS_OK (a message was handled or dead-lettered, or none
 *          came); EVENTS_ERR_TIMED_OUT when the stop flag interrupted
 *          retries (the event is not stored); EVENTS_ERR_KAFKA on a fatal
 *          consumer error or a failed DLQ write (the consumer is then
 *          stopped); EVENTS_ERR_STATE once stopped or closed.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_consumer_poll(events_consumer_t *c, int timeout_ms, events_error_t *err);

/**
 * @brief Poll until *stop becomes non-zero or an error stops the consumer.
 *        The consumer is not closed: call events_consumer_close() after.
 * @param stop not NULL; checked between messages, at least every 100 ms.
 * @returns EVENTS_OK when stopped by the flag, or the error of
 *          events_consumer_poll() (not EVENTS_ERR_TIMED_OUT, which ends the
 *          run with EVENTS_OK).
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_consumer_run(
        events_consumer_t *c, const volatile int *stop, events_error_t *err);

/**
 * @brief Commit the stored offsets now, synchronously.
 * @returns EVENTS_OK (also when there was nothing to commit),
 *          EVENTS_ERR_KAFKA, EVENTS_ERR_STATE when closed.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_consumer_commit(events_consumer_t *c, events_error_t *err);

/**
 * @brief Commit the stored offsets, leave the group and stop fetching,
 *        within about @p timeout_ms. Flushes the internal producer first.
 *        Idempotent. After it, poll returns EVENTS_ERR_STATE.
 *
 *        The final commit commits explicitly every offset stored since the
 *        coordinator last confirmed one, and counts only a confirmed
 *        commit: with no broker, or no answer within about two thirds of
 *        @p timeout_ms, it fails and the partitions are named (see
 *        events_consumer_uncommitted()). Nothing stored: nothing to commit,
 *        EVENTS_OK.
 *
 *        A consumer that never took the assignment the group handed it
 *        (it did not poll since) declines it: the log says "assignment
 *        declined". The close makes one unassign and no other request to
 *        the terminating group, which librdkafka 2.0.2 could leave
 *        unanswered forever (librdkafka issue #4884).
 * @param timeout_ms the bound; <= 0 means 10000.
 * @returns EVENTS_OK, EVENTS_ERR_KAFKA (the final commit failed; the text
 *          names the partitions), or EVENTS_ERR_TIMED_OUT (the group was
 *          not left in time; the broker will expire the member after
 *          session.timeout.ms).
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_consumer_close(
        events_consumer_t *c, int timeout_ms, events_error_t *err);

/**
 * @brief Publish one message through the consumer's internal producer and
 *        wait for the broker's acknowledgement (for a `forward` handler:
 *        an event is only stored once its forward copy is safe).
 * @param key     may be NULL.
 * @param headers may be NULL; copied, the caller keeps its own.
 * @param timeout_ms how long to wait for the acknowledgement; <= 0 means
 *                   30000.
 * @returns EVENTS_OK, EVENTS_ERR_KAFKA (refused or not acknowledged),
 *          EVENTS_ERR_TIMED_OUT, EVENTS_ERR_INVALID_ARG, EVENTS_ERR_NOMEM.
 * @remark polling thread only (typically from a handler).
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_consumer_publish(
        events_consumer_t *c, const char *topic, const void *key, size_t keylen,
        const void *value, size_t len, const rd_kafka_headers_t *headers,
        int timeout_ms, events_error_t *err);

/**
 * @brief The Kafka message being handled, for handlers that need its key,
 *        headers, topic, partition or offset. A handler has these through
 *        its context (events_handler_ctx_topic() and the rest, in
 *        events/router.h), which also works outside a consumer: prefer it.
 * @returns a borrowed message, valid during the handler call; NULL outside
 *          one.
 */
EVENTS_API const rd_kafka_message_t *
events_consumer_message(const events_consumer_t *c);

/** @returns the number of partitions assigned now. Thread-safe. */
EVENTS_API int events_consumer_assigned_count(const events_consumer_t *c);

/**
 * @returns 1 when at least one broker connection is up, 0 when all are down,
 *          -1 before the first statistics or connection event. Thread-safe.
 */
EVENTS_API int events_consumer_broker_up(const events_consumer_t *c);

/**
 * @returns 1 when the consumer is a member of its group: an assignment
 *          (possibly of no partition, when the group has more members than
 *          partitions) came and was not revoked since; else 0. Thread-safe.
 */
EVENTS_API int events_consumer_joined(const events_consumer_t *c);

/** The consumer's counters, for events_consumer_counter(). */
typedef enum events_counter_e {
        /** Offset commits the broker accepted (automatic and explicit). */
        EVENTS_COUNTER_COMMITS_OK = 0,
        /** Offset commits that failed (nothing to commit is not counted). */
        EVENTS_COUNTER_COMMITS_FAILED,
        /** Rebalances that assigned partitions (possibly none). */
        EVENTS_COUNTER_ASSIGNS,
        /** Rebalances that revoked partitions (or lost them). */
        EVENTS_COUNTER_REVOKES,
        EVENTS_COUNTER__COUNT /**< how many counters there are */
} events_counter_t;

/**
 * @brief One of the consumer's counters, since it was created.
 * @returns the count; 0 for a NULL consumer or an unknown counter.
 * @remark thread-safe.
 */
EVENTS_API uint64_t events_consumer_counter(const events_consumer_t *c,
                                            events_counter_t which);

/** One partition's lag, for events_consumer_lag_foreach(). */
typedef void (*events_lag_cb)(const char *topic, int32_t partition, int64_t lag,
                              void *opaque);

/**
 * @brief Visit the consumer lag of every assigned partition, from
 *        librdkafka's latest statistics: the high watermark minus the
 *        committed offset (librdkafka's consumer_lag); for a partition
 *        with nothing committed yet, minus the consumer's position, or the
 *        low watermark before it has one, so that a new group on a backlog
 *        shows its lag. Partitions whose high watermark is not known yet
 *        are skipped.
 * @remark thread-safe; @p cb runs under the consumer's lock and must not
 *         call back into the consumer.
 * @returns the number of partitions visited.
 */
EVENTS_API size_t events_consumer_lag_foreach(const events_consumer_t *c,
                                              events_lag_cb cb, void *opaque);

/**
 * @brief The most recent error: a Kafka error, a failed DLQ write, a
 *        handler that went to the DLQ.
 * @param buf  where to copy its text; NUL-terminated when size > 0.
 * @returns when it happened, in microseconds since the epoch (0 when there
 *          has been none). Thread-safe.
 */
EVENTS_API int64_t events_consumer_last_error(const events_consumer_t *c,
                                              char *buf, size_t size);

/**
 * @returns the librdkafka consumer handle (borrowed), for what this API
 *          does not cover (rd_kafka_name(), metadata). Do not poll it, close
 *          it or change its assignment.
 */
EVENTS_API rd_kafka_t *events_consumer_handle(const events_consumer_t *c);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_CONSUMER_H */
