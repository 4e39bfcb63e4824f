/*
 * consumer_int.h - the consumer's private parts, shared by its modules:
 *
 *   consumer.c          the API: creation, settings, poll, commit, close
 *   consumer_group.c    group membership: rebalances, the start position
 *   consumer_message.c  handling one message: routing, retries, offsets
 *   consumer_dlq.c      the dead-letter topic and its internal producer
 *   consumer_fetch.c    the kicker thread that wakes librdkafka's fetcher
 *   consumer_stats.c    statistics, errors, logs and the health accessors
 *
 * One message is handled at a time, on the thread that calls
 * events_consumer_poll(). librdkafka's main queue is forwarded to the
 * consumer queue (rd_kafka_poll_set_consumer) and its logs to the main
 * queue, so that rebalances, statistics, errors and logs are all served on
 * that same thread: the only state shared with other threads is the health
 * record, under a mutex (and the kicker's request, under its own).
 *
 * At least once: enable.auto.offset.store=false, and an offset is stored
 * only after the event's handlers succeeded or after the broker
 * acknowledged its dead-letter copy. The DLQ and events_consumer_publish()
 * go through an internal producer, created on first use from the
 * consumer's configuration minus its consumer-only properties, and every
 * write through it waits for its delivery report. When a DLQ write fails
 * the partition is paused and rewound to the event, nothing more is
 * stored, and the consumer stops: the next member of the group gets the
 * event again.
 */
#ifndef EVENTS_CONSUMER_INT_H
#define EVENTS_CONSUMER_INT_H

#include <pthread.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "event_int.h"
#include "lite_int.h"
#include "log_int.h"
#include "router_int.h"

/* Distinct partitions the kicker takes turns to wake (consumer_fetch.c). */
#define KICK_MAX 4

typedef enum state_e { STATE_RUNNING, STATE_STOPPED, STATE_CLOSED } state_t;

/* A partition's offsets as we know them: the newest we stored (the next
 * offset to read) and the newest the group's coordinator confirmed. */
typedef struct offs_s {
        char *topic;
        int32_t partition;
        int64_t stored;
        int64_t committed;
} offs_t;

typedef struct lag_s {
        char *topic;
        int32_t partition;
        int64_t lag;
} lag_t;

struct events_consumer_s {
        rd_kafka_t *rk;
        rd_kafka_t *producer;   /* created on first DLQ write or publish */
        rd_kafka_conf_t *pconf; /* the producer's configuration until then */
        int close_timed_out;    /* destroy must not try to leave again */
        int close_unassigned;   /* the close's one unassign was made */
        int cooperative;        /* a cooperative assignment strategy */
        state_t state;

        events_router_t *router;
        const events_registry_t *registry;
        events_report_t *report; /* validation reasons, reused */
        /* The lite tree each message is checked on (lazy events), reused
         * from message to message. */
        events__lite_t lite;
        char *dlq_tmpl;
        events_start_t start;
        int64_t start_time_ms;
        const volatile int *stop;
        const volatile int64_t *deadline_ms; /* handlers' (may be NULL) */
        const rd_kafka_message_t *current;
        char **explicit_topics; /* subscribed by name, not by pattern */
        size_t nexplicit;
        /* Stored and committed offsets per partition (consumer_group.c),
         * for a truthful final commit. */
        offs_t *offs;
        size_t noffs;
        int ever_joined;      /* ever got an assignment */
        rd_kafka_queue_t *cq; /* the consumer queue */

        /* The newest handled offset not yet given to librdkafka: runs of
         * one partition are stored once (see store_offset()). */
        rd_kafka_topic_t *st_rkt;
        int32_t st_partition;
        int64_t st_offset;
        unsigned st_count;
        int64_t st_since_us; /* when the pending offset began */

        /* Waking a fetcher that stopped on the queue thresholds (see
         * kick_fetchers()). */
        int64_t q_min_msgs;
        int64_t q_max_bytes;
        double avg_len;
        int armed;
        int64_t prev_qlen;
        unsigned kick_every;
        unsigned nmsgs;
        struct {
                char topic[256];
                int32_t partition;
        } recent[KICK_MAX]; /* distinct partitions seen lately */
        int nrecent;
        unsigned kicks;
        /* The kicker thread makes the query, so that its round trip does
         * not hold the polling thread: started on the first kick. */
        pthread_t kicker;
        int kicker_started;
        pthread_mutex_t klock;
        pthread_cond_t kcond;
        int kquit, kpending;
        char ktopic[256];
        int32_t kpartition;

        events__log_t log;
        events_delivery_cb delivery_cb;
        events_filter_cb filter_cb; /* NULL: handle everything */
        void *filter_opaque;
        void *delivery_opaque;

        /* Health, read by other threads. */
        pthread_mutex_t lock;
        int assigned;
        int broker_up;
        lag_t *lags;
        size_t nlags;
        char last_error[256];
        int64_t last_error_us;
        int joined; /* in the group: an assignment came, no full revoke */
        uint64_t counters[EVENTS_COUNTER__COUNT];
};

/* ---- consumer_stats.c: logs, errors, statistics (polling thread) ---- */

/** Log through the user's log callback, if any: key, value pairs after
 *  @p msg, ending with a NULL key (see events__log()). */
#define events__consumer_log(c, level, ...)                                    \
        events__log(&(c)->log, level, __VA_ARGS__, (char *)NULL)

/** Record the last error for the health accessors (thread-safe). */
void events__consumer_set_last_error(events_consumer_t *c, const char *fmt, ...)
        EVENTS__PRINTF(2, 3);

/** Record whether a broker is up (thread-safe). */
void events__consumer_set_broker_up(events_consumer_t *c, int up);

/** librdkafka's log callback, for the consumer and its producer. */
void events__consumer_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                             const char *buf);

/** librdkafka's error callback, for the consumer and its producer. */
void events__consumer_error_cb(rd_kafka_t *rk, int err, const char *reason,
                               void *opaque);

/** Count one of events_counter_t (thread-safe). */
void events__consumer_count(events_consumer_t *c, events_counter_t which);

/** librdkafka's statistics callback: lags and broker states. */
int events__consumer_stats_cb(rd_kafka_t *rk, char *json, size_t len,
                              void *opaque);

/* ---- consumer_group.c: group membership ---- */

/** Serve a rebalance: apply the start position, assign or revoke. */
void events__consumer_rebalance(events_consumer_t *c, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t *parts);

/** A dead-letter topic (the default "<topic>.dlq" or the DLQ template's
 *  shape) that was not subscribed to by name: never assigned. */
int events__consumer_skip_topic(const events_consumer_t *c, const char *topic);

/** We stored @p next (the next offset to read) for a partition. */
void events__consumer_note_stored(events_consumer_t *c, const char *topic,
                                  int32_t partition, int64_t next);

/** librdkafka's offset commit callback: what the coordinator confirmed,
 *  and the commit counters. */
void events__consumer_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t *offsets,
                                void *opaque);

/** The partitions whose stored offset is not confirmed committed, as a
 *  list for rd_kafka_commit() (NULL when none; the caller frees it). */
rd_kafka_topic_partition_list_t *
events__consumer_uncommitted_list(const events_consumer_t *c);

/** Take a commit result: confirmed partitions are marked committed. */
void events__consumer_note_committed(
        events_consumer_t *c, const rd_kafka_topic_partition_list_t *offsets);

/** librdkafka's rebalance callback; the opaque is the consumer. */
void events__consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t *parts,
                                   void *opaque);

/* ---- consumer.c ---- */

/** rd_kafka_conf_set(), its refusal as EVENTS_ERR_CONF in @p err. */
events_err_t events__consumer_conf_set(rd_kafka_conf_t *conf, const char *k,
                                       const char *v, events_error_t *err);

/* ---- consumer_dlq.c: the dead-letter topic and the internal producer ---- */

/**
 * A copy of the consumer's configuration @p conf without the properties
 * only a consumer understands, for the internal producer.
 * @returns the copy (the caller owns it), or NULL when out of memory.
 */
rd_kafka_conf_t *events__consumer_producer_conf(rd_kafka_conf_t *conf);

/**
 * Write @p m to its DLQ, with the headers that @p d describes, and wait
 * for the acknowledgement. Sets d->dlq_topic (the caller frees it; it may
 * stay NULL when out of memory).
 */
events_err_t events__consumer_dead_letter(events_consumer_t *c,
                                          const rd_kafka_message_t *m,
                                          events_delivery_t *d,
                                          events_error_t *err);

/* ---- consumer_message.c: one message ---- */

/** Handle one message completely (see events_consumer_poll()). */
events_err_t events__consumer_handle(events_consumer_t *c,
                                     const rd_kafka_message_t *m,
                                     events_error_t *err);

/** Give librdkafka the pending offset, if any. */
void events__consumer_store_flush(events_consumer_t *c);

/* ---- consumer_fetch.c: waking librdkafka's fetcher ---- */

/** Sample the queue after @p m and wake the fetchers when it drains. */
void events__consumer_kick_fetchers(events_consumer_t *c,
                                    const rd_kafka_message_t *m);

/** Stop and join the kicker thread, if it was started. */
void events__consumer_kicker_stop(events_consumer_t *c);

#endif /* EVENTS_CONSUMER_INT_H */
