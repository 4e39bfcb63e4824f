/*
 * events/producer.h - publish lines of NDJSON to a Kafka topic, one event
 * per line, with every line's outcome accounted for.
 *
 * The producer takes one input line at a time (bytes plus a line number the
 * caller chooses) and does what events-producer does with it: parse it
 * strictly, wrap it in an envelope when a wrap type is set, validate it
 * against a schema registry, keep or add its timestamp, extract its
 * partition key, and hand it to librdkafka. Every submitted line ends in
 * exactly one outcome, reported once through the receipt callback:
 *
 *   skipped    an empty (or blank) line; nothing is sent
 *   rejected   the line is bad (JSON, envelope, schema, size); not sent
 *   delivered  the broker acknowledged it (partition and offset known)
 *   failed     it was not delivered: a delivery error, a timeout, a purge
 *              at close, or an interrupt while waiting for queue space
 *
 * so that, at any moment, read = skipped + rejected + delivered + failed +
 * in_flight (see events_producer_counts()).
 *
 * Where a line is already a valid envelope the message is the line's own
 * bytes: the timestamp is spliced in (or kept) rather than the event being
 * re-serialized. A line given with a wrap type becomes
 * {"event_type":TYPE,"data":LINE,"timestamp":...} by concatenation.
 *
 * Each message's key is the event's partition key, its Kafka timestamp is
 * the event's timestamp, and its "event_type" header carries the type.
 *
 * Threads: one thread drives a producer (submit, poll, flush, close);
 * receipt and error callbacks run on that thread, inside those calls.
 * Shaping can be spread over worker threads (events_producer_set_workers()).
 *
 * Order: shaped lines are handed to librdkafka in windows of up to a few
 * hundred, grouped by the partition their key is predicted to go to, each
 * group in submission order (librdkafka spends much less per message on
 * runs for one partition than on messages that alternate between
 * partitions). Each key's messages are therefore always sent in
 * submission order. The prediction uses the configured "partitioner" and
 * the partitions the delivery reports have shown, and grouping is used
 * only while the reports confirm it, so that each partition, too, receives
 * its messages in submission order; with a partitioner it cannot predict
 * (random, or an application's callback) lines are sent one by one in
 * submission order. Windows are used with workers, or after
 * events_producer_set_partition_runs(); a message waits for its window only
 * while more lines come: events_producer_poll(), _flush() and _close() send
 * whatever is shaped.
 *
 * events_producer_interrupt() alone may be called from a signal handler or
 * another thread.
 *
 * A minimal program:
 *
 *   rd_kafka_conf_t *conf = events_producer_conf_new();
 *   events_kafka_conf_set(conf, "bootstrap.servers=localhost:9092", NULL);
 *   events_producer_t *p;
 *   if (events_producer_new(&p, conf, "events", &err)) ...;  // conf: still
 * ours
 *   // from here on the producer owns conf
 *   events_producer_set_receipt_cb(p, on_receipt, NULL);
 *   while ((n = getline(&line, &cap, stdin)) != -1)
 *           events_producer_submit(p, line, (size_t)n, ++lineno, NULL);
 *   events_producer_close(p, 10000);  // flush; purge what is left
 *   events_producer_destroy(p);
 */
#ifndef EVENTS_PRODUCER_H
#define EVENTS_PRODUCER_H

#include <librdkafka/rdkafka.h>

#include "events/cloudevents.h"
#include "events/common.h"
#include "events/event.h"
#include "events/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A producer (opaque). */
typedef struct events_producer_s events_producer_t;
/** The outcome of one line, handed to the receipt callback (opaque). */
typedef struct events_receipt_s events_receipt_t;

/** What became of a line. */
typedef enum events_outcome_e {
        EVENTS_OUTCOME_QUEUED = 0, /**< handed to librdkafka; a receipt
                                        follows (only returned by submit) */
        EVENTS_OUTCOME_SKIPPED,    /**< empty or blank line */
        EVENTS_OUTCOME_REJECTED,   /**< bad line, not sent */
        EVENTS_OUTCOME_DELIVERED,  /**< acknowledged by the broker */
        EVENTS_OUTCOME_FAILED,     /**< not delivered */
        EVENTS_OUTCOME__COUNT
} events_outcome_t;

/** The default partition key path. */
#define EVENTS_DEFAULT_KEY_PATH "data.user_id"
/** The longest partition key, in bytes. */
#define EVENTS_KEY_MAX 1024

/**
 * Counters, copied out by events_producer_counts(). At any moment
 * read == skipped + rejected + delivered + failed + in_flight.
 */
typedef struct events_producer_counts_s {
        uint64_t read;             /**< lines submitted, blank ones included */
        uint64_t skipped;          /**< blank lines */
        uint64_t rejected;         /**< bad lines, not sent */
        uint64_t delivered;        /**< acknowledged by the broker */
        uint64_t failed;           /**< not delivered, for any reason */
        uint64_t failed_permanent; /**< of failed: those a retry won't fix */
        uint64_t in_flight;        /**< queued, delivery report still pending */
        uint64_t bytes;            /**< message bytes delivered */
        uint64_t no_key; /**< lines sent (or valid, in a dry run) without a
                              key although a key path was set: the path
                              was not in the event */
} events_producer_counts_t;

/**
 * Called once for every submitted line, when its outcome is final.
 * @param r      the receipt; borrowed, valid only during the call.
 * @param opaque as given to events_producer_set_receipt_cb().
 * @remark Without workers, rejected and skipped lines are reported inside
 *         events_producer_submit(), before it returns; delivered and failed
 *         ones inside submit, poll, flush, close or destroy, in the order
 *         librdkafka reports them (in order within a partition). With
 *         workers every outcome may come later, in any of those calls.
 */
typedef void (*events_receipt_cb)(const events_receipt_t *r, void *opaque);

/**
 * Called for errors librdkafka reports outside any one message, such as
 * "all brokers down" (transient; librdkafka keeps trying) or a fatal
 * idempotence error (after which every line fails).
 * @param err    EVENTS_ERR_KAFKA.
 * @param reason a readable text, borrowed for the call.
 * @param fatal  1 when the producer can no longer deliver anything.
 */
typedef void (*events_producer_error_cb)(events_err_t err, const char *reason,
                                         int fatal, void *opaque);

/**
 * @brief A librdkafka configuration with the producer's defaults: the
 *        idempotent producer (enable.idempotence=true), acks=all,
 *        no compression (compression.codec=none, so that every client
 *        reads the messages with nothing optional installed; set gzip,
 *        snappy, lz4 or zstd when every reader has the codec) and
 *        linger.ms=10 (librdkafka's default is 5: a message may
 *        wait up to 10 ms for its batch, and batches are about twice as
 *        large, which halves the broker's requests; set it lower when
 *        latency matters more than throughput).
 * @returns a new configuration for the caller to change further and then
 *          give to events_producer_new(); NULL when out of memory.
 */
EVENTS_API EVENTS_NODISCARD rd_kafka_conf_t *events_producer_conf_new(void);

/**
 * @brief Create a producer for one topic.
 * @param pp    on success, the producer; free with events_producer_destroy().
 * @param conf  the librdkafka configuration (start from
 *              events_producer_conf_new() for the defaults). Taken over
 *              on success only, like rd_kafka_new(): on any error it is
 *              left to the caller, unchanged, to free or use again.
 *              The producer's copy has its delivery-report, error and
 *              opaque callbacks replaced by the producer's own.
 *              NULL makes a dry run: nothing is sent,
 *              every good line is reported delivered at once with partition
 *              and offset -1, and its message is in the receipt.
 * @param topic the topic; copied. May be NULL for a dry run.
 * @param err   may be NULL; librdkafka's reason on failure.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG, EVENTS_ERR_CONF (librdkafka
 *          refused the configuration), EVENTS_ERR_KAFKA (librdkafka refused
 *          the topic, e.g. a name over 512 bytes), EVENTS_ERR_NOMEM.
 * @remark On every error @p conf is still the caller's, as it was.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_producer_new(events_producer_t **pp, rd_kafka_conf_t *conf,
                    const char *topic, events_error_t *err);

/**
 * @brief Validate every line against @p reg. Default: NULL, no schema
 *        validation (the envelope's shape is always checked).
 * @param reg borrowed; it must outlive the producer.
 */
EVENTS_API void events_producer_set_registry(events_producer_t *p,
                                             const events_registry_t *reg);

/**
 * @brief Read lines as bare data objects and wrap each in an envelope of
 *        type @p event_type, stamped now. NULL (the default) reads lines as
 *        whole envelopes.
 * @param event_type copied.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (not a valid event type),
 *          EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_producer_set_wrap_type(events_producer_t *p, const char *event_type);

/**
 * @brief Send every event as a CloudEvent (events/cloudevents.h) in
 *        @p mode instead of as our envelope: in binary mode the data is
 *        the value and the attributes are ce_ headers; in structured mode
 *        the value is the whole CloudEvent as JSON. Each event gets a new
 *        id (events_cloudevent_id()); type and time are its own; the
 *        partition key stays the message key (and is partitionkey in
 *        structured mode). The event_type header is sent in both modes.
 *        Lines are checked, validated and keyed as without it, but
 *        always shaped on the full path: the envelope path (the default,
 *        EVENTS_CE_NONE) is unchanged.
 * @param mode   EVENTS_CE_NONE, EVENTS_CE_BINARY or EVENTS_CE_STRUCTURED.
 * @param source every event's source; copied. NULL means
 *               events_cloudevent_default_source().
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (a bad mode, an empty
 *          source), EVENTS_ERR_NOMEM.
 * @remark set it before the first line, as the other settings.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_producer_set_cloudevents(
        events_producer_t *p, events_ce_mode_t mode, const char *source);

/**
 * @brief The dotted path of the partition key in the envelope (default
 *        "data.user_id"). A line without the path gets no key. NULL or ""
 *        sends every message without a key.
 * @param path copied.
 * @returns EVENTS_OK or EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_producer_set_key_path(events_producer_t *p, const char *path);

/**
 * @brief Whether to replace timestamps already in the input with the
 *        current time (default 0: a valid timestamp is kept).
 */
EVENTS_API void events_producer_set_restamp(events_producer_t *p, int restamp);

/**
 * @brief Limit the rate to @p per_second lines (a token bucket holding up to
 *        a tenth of a second's worth, at least one). 0 (the default) is no
 *        limit. events_producer_submit() waits for a token, serving delivery
 *        reports while it waits.
 * @returns EVENTS_OK or EVENTS_ERR_INVALID_ARG (negative).
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_producer_set_rate(events_producer_t *p, double per_second);

/**
 * @brief Without workers, let shaped messages wait in the producer, a window
 *        of up to a few hundred, so that they reach librdkafka grouped by
 *        partition (see Order above). Off by default: each message is handed
 *        to librdkafka inside its events_producer_submit(). With workers
 *        windows are always used.
 *
 * Rejected and skipped lines are still reported inside
 * events_producer_submit(). A program that turns this on must call
 * events_producer_poll() whenever its input would block, or the last
 * messages wait for the next line. events-producer does.
 */
EVENTS_API void events_producer_set_partition_runs(events_producer_t *p,
                                                   int on);

/** The most worker threads events_producer_set_workers() accepts. */
#define EVENTS_PRODUCER_MAX_WORKERS 64

/**
 * @brief Shape lines (parse, validate, stamp, key) on @p n worker threads
 *        while the calling thread reads and sends. 0, the default, does
 *        everything on the calling thread inside events_producer_submit().
 *
 * With workers, events_producer_submit() copies the line and returns
 * EVENTS_OUTCOME_QUEUED at once (its @p err is not filled); a line's
 * rejection, like its delivery, arrives later as its receipt, still on the
 * calling thread (inside submit, poll, flush, close or destroy). The
 * calling thread shapes lines too whenever it would otherwise wait. Lines
 * wait for their window (see Order above): call events_producer_poll()
 * whenever the input would block.
 *
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (n out of 0 to
 *          EVENTS_PRODUCER_MAX_WORKERS), EVENTS_ERR_STATE (lines were
 *          already submitted, or workers already set), EVENTS_ERR_NOMEM.
 * @remark Set the registry, wrap type, key path and restamp first: the
 *         workers read them, and they must not change afterwards. Workers
 *         run with every signal blocked.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_producer_set_workers(events_producer_t *p, int n);

/**
 * @brief Register the receipt callback (default: none).
 * @param cb may be NULL; @param opaque handed back unchanged.
 */
EVENTS_API void events_producer_set_receipt_cb(events_producer_t *p,
                                               events_receipt_cb cb,
                                               void *opaque);

/** The bit of an events_outcome_t in a mask of outcomes. */
#define EVENTS_OUTCOME_BIT(outcome) (1u << (unsigned)(outcome))

/**
 * @brief Choose which outcomes reach the receipt callback (default:
 *        every one).
 * @param mask EVENTS_OUTCOME_BIT()s, e.g.
 *             EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_REJECTED) |
 *             EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_FAILED) for a program that
 *             acts only on lines that did not arrive.
 * @remark events_producer_counts() counts every line either way; a
 *         program that needs no receipt for delivered lines saves a call
 *         per line.
 */
EVENTS_API void events_producer_set_receipt_outcomes(events_producer_t *p,
                                                     unsigned mask);

/**
 * @brief The time to stamp the lines submitted from now on with, when they
 *        have no timestamp of their own (all lines, with restamp), instead
 *        of the clock's time when each is shaped.
 * @param us microseconds since the epoch; 0 (the default) reads the clock
 *           for each line.
 * @remark A program that reads its input in blocks can give the time each
 *         block was read: its lines arrived then, and the clock is read
 *         once a block rather than once a line (about 2% of the sending
 *         thread's time). events-producer does.
 */
EVENTS_API void events_producer_set_stamp_time(events_producer_t *p,
                                               int64_t us);

/**
 * @brief Receive librdkafka's log records (default: none, and then nothing
 *        is printed either): the library sets its own log callback on the
 *        producer's configuration, so librdkafka never writes to stderr.
 *        Records carry the fields "rdkafka" (librdkafka's facility) and
 *        "client". Errors that librdkafka also reports through its error
 *        callback (events_producer_set_error_cb()) are not logged again.
 * @param cb may be NULL; @param opaque handed back unchanged.
 * @remark called on the thread that drives the producer (from its polls),
 *         as the error callback is.
 */
EVENTS_API void events_producer_set_log_fields_cb(events_producer_t *p,
                                                  events_log_fields_cb cb,
                                                  void *opaque);

/**
 * @brief Register the error callback (default: none).
 * @param cb may be NULL; @param opaque handed back unchanged.
 */
EVENTS_API void events_producer_set_error_cb(events_producer_t *p,
                                             events_producer_error_cb cb,
                                             void *opaque);

/**
 * @brief The largest message the producer will send: librdkafka's
 *        message.max.bytes. A line whose message would be larger is
 *        rejected with EVENTS_ERR_TOO_LARGE, never sent.
 */
EVENTS_API size_t events_producer_max_message_bytes(const events_producer_t *p);

/**
 * @brief Submit one line.
 *
 * A trailing "\n" or "\r\n" is ignored. A blank line is skipped. Otherwise
 * the line is parsed, wrapped (with a wrap type), validated (with a
 * registry), stamped, keyed and produced. When librdkafka's queue is full
 * the call serves delivery reports and retries until there is room; it
 * never drops the line. With a rate limit it first waits for a token.
 *
 * @param buf  the line's bytes; need not be NUL-terminated; borrowed.
 * @param len  their number.
 * @param line the line's number (or any id the caller likes): it is in the
 *             line's receipt and in the message's delivery report.
 * @param err  may be NULL; for REJECTED and FAILED, the reason (a JSON
 *             pointer for schema failures, line/column within the line for
 *             JSON errors).
 * @returns EVENTS_OUTCOME_QUEUED (a receipt follows; with workers, always
 *          this unless _FAILED), _SKIPPED or _REJECTED (the receipt was
 *          already given), _DELIVERED (dry run only), or _FAILED: the line
 * could not be queued (the producer hit a fatal error, or
 * events_producer_interrupt() was called while the line waited for room or for
 * a token).
 */
EVENTS_API events_outcome_t events_producer_submit(events_producer_t *p,
                                                   const char *buf, size_t len,
                                                   uint64_t line,
                                                   events_error_t *err);

/**
 * @brief Send every line still waiting to be shaped or sent (with workers,
 *        see events_producer_set_workers()), then serve delivery reports
 *        (and so receipts), waiting up to @p timeout_ms for the first one.
 *        Call it before waiting for more input, so that nothing read sits
 *        unsent meanwhile.
 * @returns the number of reports and errors served.
 */
EVENTS_API int events_producer_poll(events_producer_t *p, int timeout_ms);

/**
 * @brief Wait up to @p timeout_ms for every queued line to be delivered or
 *        failed, serving receipts meanwhile.
 * @returns EVENTS_OK when nothing is in flight any more,
 *          EVENTS_ERR_TIMED_OUT otherwise.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_producer_flush(events_producer_t *p, int timeout_ms);

/**
 * @brief Flush for up to @p timeout_ms, then purge what is still queued or
 *        in flight: those lines get a failed receipt ("purged"). Afterwards
 *        nothing is in flight and every line has had its receipt.
 * @returns EVENTS_OK when everything was flushed in time,
 *          EVENTS_ERR_TIMED_OUT when lines had to be purged.
 * @remark A purged line that was in flight may in fact have reached the
 *         broker; it is counted as failed because no acknowledgement came.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_producer_close(events_producer_t *p, int timeout_ms);

/**
 * @brief Make blocking waits inside events_producer_submit() (for queue
 *        room or a rate token) give up: the waiting line fails with
 *        EVENTS_ERR_STATE ("interrupted"), and so does every later submit.
 * @remark Async-signal-safe: it only sets a flag.
 */
EVENTS_API void events_producer_interrupt(events_producer_t *p);

/**
 * @brief Copy the counters into @p out.
 */
EVENTS_API void events_producer_counts(const events_producer_t *p,
                                       events_producer_counts_t *out);

/**
 * @brief Free a producer. Lines still in flight are purged first, each
 *        with its failed receipt (see events_producer_close() with a
 *        timeout of 0). @p p may be NULL.
 */
EVENTS_API void events_producer_destroy(events_producer_t *p);

/* ---- Receipts: borrowed during the receipt callback only. ---- */

/** @returns the line number given to events_producer_submit(). */
EVENTS_API uint64_t events_receipt_line(const events_receipt_t *r);
/** @returns SKIPPED, REJECTED, DELIVERED or FAILED. */
EVENTS_API events_outcome_t events_receipt_outcome(const events_receipt_t *r);
/** @returns the partition of a delivered line, else -1. */
EVENTS_API int32_t events_receipt_partition(const events_receipt_t *r);
/** @returns the offset of a delivered line, else -1. */
EVENTS_API int64_t events_receipt_offset(const events_receipt_t *r);
/**
 * @returns the reason of a rejected or failed line (code EVENTS_OK
 *          otherwise); borrowed for the callback.
 */
EVENTS_API const events_error_t *
events_receipt_error(const events_receipt_t *r);
/**
 * @returns librdkafka's error code of a failed line
 *          (RD_KAFKA_RESP_ERR_NO_ERROR otherwise).
 */
EVENTS_API rd_kafka_resp_err_t
events_receipt_kafka_err(const events_receipt_t *r);
/**
 * @returns 1 when the line failed for a reason that sending it again later
 *          may fix (timeout, broker down, purged at close, interrupted),
 *          0 otherwise.
 */
EVENTS_API int events_receipt_retriable(const events_receipt_t *r);
/**
 * @brief The input line as it was submitted, without its line ending:
 *        available for skipped and rejected lines.
 * @returns the bytes (not NUL-terminated) or NULL; *lenp gets the length.
 */
EVENTS_API const char *events_receipt_input(const events_receipt_t *r,
                                            size_t *lenp);
/**
 * @brief The message that was (or would have been) sent: available for
 *        delivered and failed lines; for failed ones it can be replayed.
 * @returns the bytes (not NUL-terminated) or NULL; *lenp gets the length.
 */
EVENTS_API const char *events_receipt_message(const events_receipt_t *r,
                                              size_t *lenp);

/** @returns "queued", "skipped", "rejected", "delivered" or "failed". */
EVENTS_API const char *events_outcome_name(events_outcome_t outcome);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_PRODUCER_H */
