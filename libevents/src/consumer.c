/*
 * consumer.c - the Kafka consumer glue (events/consumer.h): group
 * membership, at-least-once delivery through the router, the dead-letter
 * topic, and the health data a daemon renders.
 *
 * One message is handled at a time, on the thread that calls
 * events_consumer_poll(). librdkafka's main queue is forwarded to the
 * consumer queue (rd_kafka_poll_set_consumer) and its logs to the main
 * queue, so that rebalances, statistics, errors and logs are all served on
 * that same thread: the only state shared with other threads is the health
 * record, under a mutex.
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
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "event_int.h"
#include "lite_int.h"
#include "router_int.h"

#define DEFAULT_CLOSE_MS 10000
#define DEFAULT_PUBLISH_MS 30000
#define COMMITTED_TIMEOUT_MS 10000
#define RUN_POLL_MS 100
/* Prefetch defaults, applied when the configuration leaves librdkafka's
 * own (see events_consumer_new() in consumer.h). */
#define RDK_QUEUED_MIN_MSGS "100000"
#define RDK_QUEUED_MAX_KBYTES "65536"
#define DEFAULT_QUEUED_MIN_MSGS "20000"
#define DEFAULT_QUEUED_MAX_KBYTES "16384"
#define KICK_TIMEOUT_MS 1000
#define KICK_MAX 4
/* Check the consumer queue's length every this many messages (at most). */
#define KICK_EVERY 64
/* Give librdkafka the pending offset at least every this many messages. */
#define STORE_EVERY 1024

typedef enum state_e { STATE_RUNNING, STATE_STOPPED, STATE_CLOSED } state_t;

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
        const rd_kafka_message_t *current;
        rd_kafka_queue_t *cq; /* the consumer queue */

        /* The newest handled offset not yet given to librdkafka: runs of
         * one partition are stored once (see store_offset()). */
        rd_kafka_topic_t *st_rkt;
        int32_t st_partition;
        int64_t st_offset;
        unsigned st_count;

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

        events_log_cb log_cb;
        void *log_opaque;
        events_delivery_cb delivery_cb;
        void *delivery_opaque;

        /* Health, read by other threads. */
        pthread_mutex_t lock;
        int assigned;
        int broker_up;
        lag_t *lags;
        size_t nlags;
        char last_error[256];
        int64_t last_error_us;
};

/* A synchronous produce's state. It lives on the heap because a publish
 * that gives up waiting leaves its delivery report still to come: the
 * report then frees it. */
typedef struct pending_s {
        int done;
        int abandoned;
        rd_kafka_resp_err_t err;
} pending_t;

static void logf_(events_consumer_t *c, events_log_level_t level,
                  const char *fmt, ...) EVENTS__PRINTF(3, 4);

static void logf_(events_consumer_t *c, events_log_level_t level,
                  const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        if (!c->log_cb)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        c->log_cb(level, buf, c->log_opaque);
}

static void set_last_error(events_consumer_t *c, const char *fmt, ...)
        EVENTS__PRINTF(2, 3);

static void set_last_error(events_consumer_t *c, const char *fmt, ...) {
        va_list ap;

        pthread_mutex_lock(&c->lock);
        va_start(ap, fmt);
        vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
        va_end(ap);
        c->last_error_us = events_now_us();
        pthread_mutex_unlock(&c->lock);
}

static void set_broker_up(events_consumer_t *c, int up) {
        pthread_mutex_lock(&c->lock);
        c->broker_up = up;
        pthread_mutex_unlock(&c->lock);
}

/* ---- librdkafka callbacks, served on the polling thread ---- */

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf) {
        events_consumer_t *c = rd_kafka_opaque(rk);
        events_log_level_t l = level <= EVENTS_LOG_ERROR ? EVENTS_LOG_ERROR
                               : level >= EVENTS_LOG_DEBUG
                                       ? EVENTS_LOG_DEBUG
                                       : (events_log_level_t)level;

        if (c && c->log_cb)
                logf_(c, l, "rdkafka=%s client=%s: %s", fac, rd_kafka_name(rk),
                      buf);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason,
                     void *opaque) {
        events_consumer_t *c = opaque;

        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                set_broker_up(c, 0);
        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                char fatal[256];
                rd_kafka_resp_err_t ferr =
                        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
                set_last_error(c, "fatal kafka error %s: %s",
                               rd_kafka_err2name(ferr), fatal);
                logf_(c, EVENTS_LOG_ERROR, "fatal kafka error %s: %s",
                      rd_kafka_err2name(ferr), fatal);
                return;
        }
        set_last_error(c, "kafka error %s: %s",
                       rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
        logf_(c,
              err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ? EVENTS_LOG_ERROR
                                                         : EVENTS_LOG_WARNING,
              "kafka error %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err),
              reason);
}

/* Statistics: consumer_lag per partition, and whether any broker is UP. */
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
        events_consumer_t *c = opaque;
        json_t *root, *topics, *brokers, *t, *p, *b;
        const char *tname, *pname, *bname;
        lag_t *lags = NULL;
        size_t n = 0, cap = 0;
        int up = 0, nbrokers = 0;

        if (!(root = json_loadb(json, len, 0, NULL)))
                return 0;
        topics = json_object_get(root, "topics");
        json_object_foreach(topics, tname, t) {
                json_object_foreach(json_object_get(t, "partitions"), pname,
                                    p) {
                        json_t *lag = json_object_get(p, "consumer_lag");
                        const char *fs = json_string_value(
                                json_object_get(p, "fetch_state"));
                        long part = strtol(pname, NULL, 10);

                        if (part < 0 || !json_is_integer(lag) ||
                            json_integer_value(lag) < 0 ||
                            (fs && !strcmp(fs, "none")))
                                continue;
                        if (n == cap) {
                                size_t ncap = cap ? cap * 2 : 16;
                                lag_t *nl = realloc(lags, ncap * sizeof(*nl));
                                if (!nl)
                                        goto out;
                                lags = nl;
                                cap = ncap;
                        }
                        if (!(lags[n].topic = strdup(tname)))
                                goto out;
                        lags[n].partition = (int32_t)part;
                        lags[n].lag = json_integer_value(lag);
                        n++;
                }
        }
        brokers = json_object_get(root, "brokers");
        json_object_foreach(brokers, bname, b) {
                const char *st = json_string_value(json_object_get(b, "state"));
                nbrokers++;
                if (st && !strcmp(st, "UP"))
                        up = 1;
        }
        pthread_mutex_lock(&c->lock);
        {
                lag_t *old = c->lags;
                size_t nold = c->nlags;
                c->lags = lags;
                c->nlags = n;
                lags = old;
                n = nold;
        }
        if (nbrokers)
                c->broker_up = up;
        pthread_mutex_unlock(&c->lock);
out:
        for (size_t i = 0; i < n; i++)
                free(lags[i].topic);
        free(lags);
        json_decref(root);
        return 0; /* librdkafka frees json */
}

/* For partitions the group has no committed offset for, choose the start
 * the caller asked for. Partitions with a committed offset keep it. */
static void apply_start(events_consumer_t *c,
                        rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_topic_partition_list_t *committed, *times = NULL;
        rd_kafka_resp_err_t err;

        if (c->start == EVENTS_START_COMMITTED || parts->cnt == 0)
                return;
        committed = rd_kafka_topic_partition_list_copy(parts);
        err = rd_kafka_committed(c->rk, committed, COMMITTED_TIMEOUT_MS);
        if (err) {
                logf_(c, EVENTS_LOG_WARNING,
                      "cannot read committed offsets (%s): start position "
                      "not applied, using the group's offsets",
                      rd_kafka_err2str(err));
                rd_kafka_topic_partition_list_destroy(committed);
                return;
        }
        for (int i = 0; i < committed->cnt; i++) {
                rd_kafka_topic_partition_t *cp = &committed->elems[i];
                rd_kafka_topic_partition_t *pp =
                        rd_kafka_topic_partition_list_find(parts, cp->topic,
                                                           cp->partition);

                if (!pp || cp->err || cp->offset != RD_KAFKA_OFFSET_INVALID)
                        continue;
                if (c->start == EVENTS_START_BEGINNING) {
                        pp->offset = RD_KAFKA_OFFSET_BEGINNING;
                } else if (c->start == EVENTS_START_END) {
                        pp->offset = RD_KAFKA_OFFSET_END;
                } else {
                        if (!times)
                                times = rd_kafka_topic_partition_list_new(
                                        parts->cnt);
                        rd_kafka_topic_partition_list_add(times, cp->topic,
                                                          cp->partition)
                                ->offset = c->start_time_ms;
                }
        }
        rd_kafka_topic_partition_list_destroy(committed);
        if (!times)
                return;
        err = rd_kafka_offsets_for_times(c->rk, times, COMMITTED_TIMEOUT_MS);
        for (int i = 0; i < times->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &times->elems[i];
                rd_kafka_topic_partition_t *pp =
                        rd_kafka_topic_partition_list_find(parts, tp->topic,
                                                           tp->partition);

                if (!pp)
                        continue;
                if (err || tp->err) {
                        logf_(c, EVENTS_LOG_WARNING,
                              "cannot find offset by time topic=%s "
                              "partition=%" PRId32 ": %s",
                              tp->topic, tp->partition,
                              rd_kafka_err2str(err ? err : tp->err));
                        continue;
                }
                /* -1: no message at or after the time: start at the end */
                pp->offset = tp->offset >= 0 ? tp->offset : RD_KAFKA_OFFSET_END;
                logf_(c, EVENTS_LOG_INFO,
                      "start by time topic=%s partition=%" PRId32
                      " offset=%" PRId64,
                      tp->topic, tp->partition, tp->offset);
        }
        rd_kafka_topic_partition_list_destroy(times);
}

static void store_flush(events_consumer_t *c);

static void commit_sync(events_consumer_t *c, const char *why) {
        rd_kafka_resp_err_t err;

        store_flush(c);
        err = rd_kafka_commit(c->rk, NULL, 0);

        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                logf_(c, EVENTS_LOG_DEBUG, "offsets committed on %s", why);
        else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
                set_last_error(c, "commit on %s failed: %s", why,
                               rd_kafka_err2str(err));
                logf_(c, EVENTS_LOG_ERROR, "commit on %s failed: %s", why,
                      rd_kafka_err2str(err));
        }
}

static void rebalance(events_consumer_t *c, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *parts) {
        int cooperative = c->cooperative;
        rd_kafka_error_t *error = NULL;
        rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_topic_partition_list_t *now = NULL;

        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                apply_start(c, parts);
                if (cooperative)
                        error = rd_kafka_incremental_assign(c->rk, parts);
                else
                        aerr = rd_kafka_assign(c->rk, parts);
                logf_(c, EVENTS_LOG_INFO, "partitions assigned count=%d",
                      parts->cnt);
        } else {
                /* while still assigned: the pending offset is ours */
                store_flush(c);
                if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
                    !rd_kafka_assignment_lost(c->rk))
                        commit_sync(c, "revoke");
                if (cooperative)
                        error = rd_kafka_incremental_unassign(c->rk, parts);
                else
                        aerr = rd_kafka_assign(c->rk, NULL);
                logf_(c, EVENTS_LOG_INFO, "partitions revoked count=%d%s",
                      parts->cnt,
                      err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS
                              ? ""
                              : " (rebalance error)");
        }
        if (error) {
                logf_(c, EVENTS_LOG_ERROR, "assignment failed: %s",
                      rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        } else if (aerr) {
                logf_(c, EVENTS_LOG_ERROR, "assignment failed: %s",
                      rd_kafka_err2str(aerr));
        }
        if (!rd_kafka_assignment(c->rk, &now)) {
                pthread_mutex_lock(&c->lock);
                c->assigned = now->cnt;
                pthread_mutex_unlock(&c->lock);
                rd_kafka_topic_partition_list_destroy(now);
        }
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        rebalance(opaque, err, parts);
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                      void *opaque) {
        pending_t *p = m->_private;

        if (!p)
                return;
        if (p->abandoned) {
                free(p);
                return;
        }
        p->err = m->err;
        p->done = 1;
}

/* ---- creation ---- */

static events_err_t conf_set(rd_kafka_conf_t *conf, const char *k,
                             const char *v, events_error_t *err) {
        char errstr[256];

        if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK)
                return events__error_set(err, EVENTS_ERR_CONF, "%s: %s", k,
                                         errstr);
        return EVENTS_OK;
}

/* Properties that only a consumer understands: a producer made from the
 * consumer's configuration must not see them (librdkafka warns, and
 * test.mock.num.brokers would start a second, separate mock cluster). */
static const char *const consumer_only[] = {
        "group.",
        "partition.assignment.strategy",
        "session.timeout.ms",
        "heartbeat.interval.ms",
        "coordinator.query.interval.ms",
        "max.poll.interval.ms",
        "enable.auto.commit",
        "auto.commit.interval.ms",
        "enable.auto.offset.store",
        "queued.",
        "fetch.",
        "max.partition.fetch.bytes",
        "offset.store.method",
        "isolation.level",
        "consume.callback.max.messages",
        "enable.partition.eof",
        "check.crcs",
        "auto.offset.reset",
        "consume_cb",
        "rebalance_cb",
        "offset_commit_cb",
        "statistics.interval.ms",
        "stats_cb",
        "test.mock.",
};

events_err_t events_consumer_new(events_consumer_t **cp, rd_kafka_conf_t *conf,
                                 const char *group, const char *const *topics,
                                 size_t ntopics, events_router_t *router,
                                 events_error_t *err) {
        events_consumer_t *c;
        rd_kafka_conf_t *dup = NULL;
        rd_kafka_topic_partition_list_t *subs = NULL;
        rd_kafka_mock_cluster_t *mock;
        char errstr[512], val[64], strategy[512];
        size_t vlen = sizeof(val);
        rd_kafka_resp_err_t kerr;
        events_err_t rc;

        if (!cp || !conf || !topics || !ntopics || !router)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        *cp = NULL;
        for (size_t i = 0; i < ntopics; i++)
                if (!topics[i] || !*topics[i])
                        return events__error_set(err, EVENTS_ERR_INVALID_ARG,
                                                 "empty topic name");
        if (!(c = calloc(1, sizeof(*c))))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        pthread_mutex_init(&c->lock, NULL);
        pthread_mutex_init(&c->klock, NULL);
        pthread_cond_init(&c->kcond, NULL);
        c->router = router;
        c->broker_up = -1;
        if (!(c->dlq_tmpl = strdup(EVENTS_DLQ_DEFAULT))) {
                rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                goto fail;
        }

        /* Work on a copy: on failure the caller's conf must be untouched. */
        if (!(dup = rd_kafka_conf_dup(conf))) {
                rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                goto fail;
        }
        if (group && (rc = conf_set(dup, "group.id", group, err)))
                goto fail;
        if (rd_kafka_conf_get(dup, "group.id", val, &vlen) !=
                    RD_KAFKA_CONF_OK ||
            !*val) {
                rc = events__error_set(err, EVENTS_ERR_CONF,
                                       "no consumer group: give a group or "
                                       "set group.id");
                goto fail;
        }
        if (!(c->pconf = rd_kafka_conf_dup_filter(
                      dup, sizeof(consumer_only) / sizeof(*consumer_only),
                      (const char **)consumer_only))) {
                rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                goto fail;
        }
        /* The rebalance protocol, from the configuration: asking
         * librdkafka (rd_kafka_rebalance_protocol()) from the rebalance
         * handler waits on the group's thread, which, while the consumer
         * closes, waits on the handler (test_consumer hung there once),
         * and it answers NULL before the group is joined. librdkafka
         * refuses to mix eager and cooperative strategies. */
        vlen = sizeof(strategy);
        c->cooperative =
                rd_kafka_conf_get(dup, "partition.assignment.strategy",
                                  strategy, &vlen) == RD_KAFKA_CONF_OK &&
                strstr(strategy, "cooperative") != NULL;
        vlen = sizeof(val);
        if (rd_kafka_conf_get(dup, "statistics.interval.ms", val, &vlen) ==
                    RD_KAFKA_CONF_OK &&
            !strcmp(val, "0") &&
            (rc = conf_set(dup, "statistics.interval.ms", "5000", err)))
                goto fail;
        /* Prefetch bounds: librdkafka's defaults let 100000 messages or
         * 64 MB wait in the queue; smaller is enough once stalled fetchers
         * are woken (kick_fetchers()). Only when the user left them. */
        vlen = sizeof(val);
        if (rd_kafka_conf_get(dup, "queued.min.messages", val, &vlen) ==
                    RD_KAFKA_CONF_OK &&
            !strcmp(val, RDK_QUEUED_MIN_MSGS) &&
            (rc = conf_set(dup, "queued.min.messages", DEFAULT_QUEUED_MIN_MSGS,
                           err)))
                goto fail;
        vlen = sizeof(val);
        if (rd_kafka_conf_get(dup, "queued.max.messages.kbytes", val, &vlen) ==
                    RD_KAFKA_CONF_OK &&
            !strcmp(val, RDK_QUEUED_MAX_KBYTES) &&
            (rc = conf_set(dup, "queued.max.messages.kbytes",
                           DEFAULT_QUEUED_MAX_KBYTES, err)))
                goto fail;
        vlen = sizeof(val);
        if (rd_kafka_conf_get(dup, "queued.min.messages", val, &vlen) ==
            RD_KAFKA_CONF_OK)
                c->q_min_msgs = strtoll(val, NULL, 10);
        vlen = sizeof(val);
        if (rd_kafka_conf_get(dup, "queued.max.messages.kbytes", val, &vlen) ==
            RD_KAFKA_CONF_OK)
                c->q_max_bytes = strtoll(val, NULL, 10) * 1024;
        if (c->q_min_msgs <= 0)
                c->q_min_msgs = INT64_MAX / 4;
        if (c->q_max_bytes <= 0)
                c->q_max_bytes = INT64_MAX / 4;
        /* a few samples per queue's worth, even for a small queue */
        c->kick_every = c->q_min_msgs / 8 < KICK_EVERY
                                ? (unsigned)(c->q_min_msgs / 8 + 1)
                                : KICK_EVERY;
        if ((rc = conf_set(dup, "enable.auto.offset.store", "false", err)) ||
            (rc = conf_set(dup, "log.queue", "true", err)))
                goto fail;
        rd_kafka_conf_set_rebalance_cb(dup, rebalance_cb);
        rd_kafka_conf_set_stats_cb(dup, stats_cb);
        rd_kafka_conf_set_error_cb(dup, error_cb);
        rd_kafka_conf_set_log_cb(dup, log_cb);
        rd_kafka_conf_set_opaque(dup, c);

        if (!(c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, dup, errstr,
                                   sizeof(errstr)))) {
                rc = events__error_set(err, EVENTS_ERR_KAFKA,
                                       "cannot create the consumer: %s",
                                       errstr);
                goto fail;
        }
        dup = NULL; /* the handle owns it */
        rd_kafka_set_log_queue(c->rk, NULL);
        rd_kafka_poll_set_consumer(c->rk);
        c->cq = rd_kafka_queue_get_consumer(c->rk);

        /* A consumer on a mock cluster (test.mock.num.brokers): its DLQ
         * producer must reach the same cluster. */
        if ((mock = rd_kafka_handle_mock_cluster(c->rk)) &&
            (rc = conf_set(c->pconf, "bootstrap.servers",
                           rd_kafka_mock_cluster_bootstraps(mock), err)))
                goto fail;

        subs = rd_kafka_topic_partition_list_new((int)ntopics);
        for (size_t i = 0; i < ntopics; i++)
                rd_kafka_topic_partition_list_add(subs, topics[i],
                                                  RD_KAFKA_PARTITION_UA);
        kerr = rd_kafka_subscribe(c->rk, subs);
        rd_kafka_topic_partition_list_destroy(subs);
        if (kerr) {
                rc = events__error_set(err, EVENTS_ERR_KAFKA,
                                       "cannot subscribe: %s",
                                       rd_kafka_err2str(kerr));
                goto fail;
        }
        rd_kafka_conf_destroy(conf);
        *cp = c;
        return EVENTS_OK;
fail:
        if (dup)
                rd_kafka_conf_destroy(dup);
        if (c->cq)
                rd_kafka_queue_destroy(c->cq);
        if (c->rk) {
                c->close_timed_out = 1; /* never joined: nothing to leave */
                rd_kafka_destroy_flags(c->rk,
                                       RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        }
        if (c->pconf)
                rd_kafka_conf_destroy(c->pconf);
        free(c->dlq_tmpl);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->klock);
        pthread_cond_destroy(&c->kcond);
        free(c);
        return rc;
}

static events_err_t producer_get(events_consumer_t *c, events_error_t *err) {
        char errstr[512];
        events_err_t rc;

        if (c->producer)
                return EVENTS_OK;
        /* Synchronous writes: no linger, every replica. */
        if ((rc = conf_set(c->pconf, "linger.ms", "0", err)) ||
            (rc = conf_set(c->pconf, "acks", "all", err)) ||
            (rc = conf_set(c->pconf, "log.queue", "true", err)))
                return rc;
        rd_kafka_conf_set_dr_msg_cb(c->pconf, dr_msg_cb);
        rd_kafka_conf_set_error_cb(c->pconf, error_cb);
        rd_kafka_conf_set_log_cb(c->pconf, log_cb);
        rd_kafka_conf_set_opaque(c->pconf, c);
        if (!(c->producer = rd_kafka_new(RD_KAFKA_PRODUCER, c->pconf, errstr,
                                         sizeof(errstr))))
                return events__error_set(err, EVENTS_ERR_KAFKA,
                                         "cannot create the producer: %s",
                                         errstr);
        c->pconf = NULL;
        rd_kafka_set_log_queue(c->producer, NULL);
        return EVENTS_OK;
}

/* Produce one message and wait for its delivery report. Takes @p hdrs
 * (may be NULL) in every case. */
static events_err_t produce_sync(events_consumer_t *c, const char *topic,
                                 const void *key, size_t keylen,
                                 const void *value, size_t len,
                                 rd_kafka_headers_t *hdrs, int timeout_ms,
                                 events_error_t *err) {
        pending_t *p;
        rd_kafka_resp_err_t kerr;
        events_err_t rc;
        int64_t deadline;

        if ((rc = producer_get(c, err))) {
                if (hdrs)
                        rd_kafka_headers_destroy(hdrs);
                return rc;
        }
        if (!(p = calloc(1, sizeof(*p)))) {
                if (hdrs)
                        rd_kafka_headers_destroy(hdrs);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        if (timeout_ms <= 0)
                timeout_ms = DEFAULT_PUBLISH_MS;
        deadline = events__mono_us() + (int64_t)timeout_ms * 1000;
        for (;;) {
                kerr = rd_kafka_producev(
                        c->producer, RD_KAFKA_V_TOPIC(topic),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_KEY(key, keylen),
                        RD_KAFKA_V_VALUE((void *)value, len),
                        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(p),
                        RD_KAFKA_V_END);
                if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL ||
                    events__mono_us() >= deadline)
                        break;
                rd_kafka_poll(c->producer, 10);
        }
        if (kerr) {
                if (hdrs)
                        rd_kafka_headers_destroy(hdrs);
                free(p);
                return events__error_set(err, EVENTS_ERR_KAFKA,
                                         "produce to %s: %s", topic,
                                         rd_kafka_err2str(kerr));
        }
        while (!p->done) {
                int64_t left = deadline - events__mono_us();
                if (left <= 0) {
                        p->abandoned = 1; /* the report frees it */
                        return events__error_set(
                                err, EVENTS_ERR_TIMED_OUT,
                                "produce to %s: no acknowledgement in %d ms",
                                topic, timeout_ms);
                }
                rd_kafka_poll(c->producer,
                              left > 100000 ? 100 : (int)(left / 1000) + 1);
        }
        kerr = p->err;
        free(p);
        if (kerr)
                return events__error_set(err, EVENTS_ERR_KAFKA,
                                         "produce to %s: %s", topic,
                                         rd_kafka_err2str(kerr));
        return EVENTS_OK;
}

/* ---- settings ---- */

void events_consumer_set_log_cb(events_consumer_t *c, events_log_cb cb,
                                void *opaque) {
        if (!c)
                return;
        c->log_cb = cb;
        c->log_opaque = opaque;
}

void events_consumer_set_delivery_cb(events_consumer_t *c,
                                     events_delivery_cb cb, void *opaque) {
        if (!c)
                return;
        c->delivery_cb = cb;
        c->delivery_opaque = opaque;
}

void events_consumer_set_registry(events_consumer_t *c,
                                  const events_registry_t *reg) {
        if (c)
                c->registry = reg;
}

events_err_t events_consumer_set_dlq_topic(events_consumer_t *c,
                                           const char *tmpl) {
        char *copy;

        if (!c || (tmpl && !*tmpl))
                return EVENTS_ERR_INVALID_ARG;
        if (!(copy = strdup(tmpl ? tmpl : EVENTS_DLQ_DEFAULT)))
                return EVENTS_ERR_NOMEM;
        free(c->dlq_tmpl);
        c->dlq_tmpl = copy;
        return EVENTS_OK;
}

events_err_t events_consumer_set_start(events_consumer_t *c,
                                       events_start_t where, int64_t time_ms) {
        if (!c || where < EVENTS_START_COMMITTED || where > EVENTS_START_TIME ||
            (where == EVENTS_START_TIME && time_ms < 0))
                return EVENTS_ERR_INVALID_ARG;
        c->start = where;
        c->start_time_ms = time_ms;
        return EVENTS_OK;
}

void events_consumer_set_stop_flag(events_consumer_t *c,
                                   const volatile int *stop) {
        if (c)
                c->stop = stop;
}

events_router_t *events_consumer_set_router(events_consumer_t *c,
                                            events_router_t *router) {
        events_router_t *old;

        if (!c || !router)
                return NULL;
        old = c->router;
        c->router = router;
        return old;
}

events_router_t *events_consumer_router(const events_consumer_t *c) {
        return c ? c->router : NULL;
}

const rd_kafka_message_t *events_consumer_message(const events_consumer_t *c) {
        return c ? c->current : NULL;
}

rd_kafka_t *events_consumer_handle(const events_consumer_t *c) {
        return c ? c->rk : NULL;
}

/* ---- handling one message ---- */

/* "{topic}" in the template becomes the message's topic. */
static char *dlq_topic(const events_consumer_t *c, const char *topic) {
        const char *at = strstr(c->dlq_tmpl, "{topic}");
        char *out;
        size_t pre, tlen, post;

        if (!at)
                return strdup(c->dlq_tmpl);
        pre = (size_t)(at - c->dlq_tmpl);
        tlen = strlen(topic);
        post = strlen(at + 7);
        if (!(out = malloc(pre + tlen + post + 1)))
                return NULL;
        memcpy(out, c->dlq_tmpl, pre);
        memcpy(out + pre, topic, tlen);
        memcpy(out + pre + tlen, at + 7, post + 1);
        return out;
}

static void hdr_add(rd_kafka_headers_t *h, const char *name, const char *v) {
        rd_kafka_header_add(h, name, -1, v, (ssize_t)strlen(v));
}

static void hdr_add_int(rd_kafka_headers_t *h, const char *name, int64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRId64, v);
        hdr_add(h, name, buf);
}

/* Seek a partition back to @p offset (and pause it), so that the message is
 * consumed again rather than skipped. */
static void rewind_partition(events_consumer_t *c, const rd_kafka_message_t *m,
                             int pause) {
        rd_kafka_topic_partition_list_t *l =
                rd_kafka_topic_partition_list_new(1);
        rd_kafka_error_t *error;

        rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt),
                                          m->partition)
                ->offset = m->offset;
        if (pause)
                rd_kafka_pause_partitions(c->rk, l);
        if ((error = rd_kafka_seek_partitions(c->rk, l, 5000))) {
                logf_(c, EVENTS_LOG_WARNING, "seek back failed: %s",
                      rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
        rd_kafka_topic_partition_list_destroy(l);
}

/* Give librdkafka the pending offset, if any. Called before anything that
 * may commit or change the assignment: taking the next batch (which
 * serves rebalances), a commit, the close. */
static void store_flush(events_consumer_t *c) {
        rd_kafka_resp_err_t kerr;

        if (!c->st_rkt)
                return;
        kerr = rd_kafka_offset_store(c->st_rkt, c->st_partition, c->st_offset);
        if (kerr) {
                /* Revoked while we handled it: the new owner redoes it. */
                logf_(c, EVENTS_LOG_WARNING,
                      "offset not stored topic=%s partition=%" PRId32
                      " offset=%" PRId64 ": %s",
                      rd_kafka_topic_name(c->st_rkt), c->st_partition,
                      c->st_offset, rd_kafka_err2str(kerr));
        }
        rd_kafka_topic_destroy(c->st_rkt);
        c->st_rkt = NULL;
}

/* The message is done with (handled, or safe in the DLQ): its offset may be
 * stored. Consecutive messages of one partition are stored once, with the
 * newest offset: the pending one is flushed when another partition comes,
 * and by store_flush() before any commit. A pending offset is never
 * committed early, only late, which keeps at-least-once. */
static void store_offset(events_consumer_t *c, const rd_kafka_message_t *m) {
        if (c->st_rkt &&
            (c->st_rkt != m->rkt || c->st_partition != m->partition))
                store_flush(c);
        if (!c->st_rkt) {
                /* m->rkt is the message's: keep our own reference */
                c->st_rkt = rd_kafka_topic_new(
                        c->rk, rd_kafka_topic_name(m->rkt), NULL);
                c->st_partition = m->partition;
        }
        c->st_offset = m->offset;
        /* a long run of one partition still reaches the commits */
        if (++c->st_count % STORE_EVERY == 0)
                store_flush(c);
}

/* Write a message to its DLQ and wait for the acknowledgement. */
static events_err_t dead_letter(events_consumer_t *c,
                                const rd_kafka_message_t *m,
                                events_delivery_t *d, events_error_t *err) {
        rd_kafka_headers_t *orig = NULL, *h;
        char ts[EVENTS_TIMESTAMP_BUFSIZE];
        char *topic;
        events_err_t rc;

        if (!(topic = dlq_topic(c, d->topic)))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        if (!rd_kafka_message_headers(m, &orig) && orig)
                h = rd_kafka_headers_copy(orig);
        else
                h = rd_kafka_headers_new(9);
        hdr_add(h, EVENTS_DLQ_HDR_ERROR, d->error);
        hdr_add(h, EVENTS_DLQ_HDR_ERROR_CODE, events_err2name(d->reason));
        if (d->handler)
                hdr_add(h, EVENTS_DLQ_HDR_HANDLER, d->handler);
        hdr_add(h, EVENTS_DLQ_HDR_TOPIC, d->topic);
        hdr_add_int(h, EVENTS_DLQ_HDR_PARTITION, d->partition);
        hdr_add_int(h, EVENTS_DLQ_HDR_OFFSET, d->offset);
        hdr_add_int(h, EVENTS_DLQ_HDR_ATTEMPTS, d->attempts);
        if (d->event_type)
                hdr_add(h, EVENTS_DLQ_HDR_EVENT_TYPE, d->event_type);
        if (events_timestamp_format(events_now_us(), ts, sizeof(ts)))
                hdr_add(h, EVENTS_DLQ_HDR_TIME, ts);
        rc = produce_sync(c, topic, m->key, m->key_len, m->payload, m->len, h,
                          DEFAULT_PUBLISH_MS, err);
        d->dlq_topic = topic;
        return rc;
}

static void deliver(events_consumer_t *c, events_delivery_t *d, int64_t t0) {
        if (c->delivery_cb) {
                d->duration_us = events__mono_us() - t0;
                c->delivery_cb(d, c->delivery_opaque);
        }
}

/* The event type from the message header, when the body is unusable. */
static const char *header_type(const rd_kafka_message_t *m, char *buf,
                               size_t size) {
        rd_kafka_headers_t *h;
        const void *v;
        size_t len;

        if (rd_kafka_message_headers(m, &h) ||
            rd_kafka_header_get_last(h, EVENTS_HEADER_EVENT_TYPE, &v, &len) ||
            !v || len == 0 || len >= size)
                return NULL;
        memcpy(buf, v, len);
        buf[len] = '\0';
        return events_type_valid(buf) ? buf : NULL;
}

/* 1 when the lite validator certainly accepts @p ev, which must be the
 * lazy event built on c->lite (so that the tree is the event's): an input
 * timestamp that was not normalized would read differently in the full
 * path's tree, so those go the full way. 0: ask the full validator, which
 * also writes the reasons. */
static int lite_valid(events_consumer_t *c, const events_event_t *ev) {
        const events__event_input_t *in = events__event_input(ev);
        long d;

        if (!events__event_is_lazy(ev) ||
            (in->ts_present && !in->ts_normalized) ||
            (d = events__lite_get(&c->lite, 0, "data", 4)) < 0)
                return 0;
        return events__registry_lite_validate(
                c->registry, events_event_type(ev), &c->lite, (uint32_t)d);
}

static events_err_t handle(events_consumer_t *c, const rd_kafka_message_t *m,
                           events_error_t *err) {
        int64_t t0 = c->delivery_cb ? events__mono_us() : 0;
        events_delivery_t d;
        events_dispatch_t dr;
        events_event_t *ev = NULL;
        events_error_t perr;
        char text[512], typebuf[EVENTS_EVENT_TYPE_MAX + 1];
        events_err_t rc;

        memset(&d, 0, sizeof(d));
        d.topic = rd_kafka_topic_name(m->rkt);
        d.partition = m->partition;
        d.offset = m->offset;
        d.error = "";

        /* The event reads m's payload until it is destroyed, which happens
         * in this function, before events_consumer_poll() destroys m. */
        rc = events__event_parse_lazy(&ev, m->payload ? m->payload : "", m->len,
                                      &c->lite, &perr);
        if (rc) {
                char where[300];
                d.reason = rc;
                d.event_type = header_type(m, typebuf, sizeof(typebuf));
                snprintf(text, sizeof(text), "not a valid event: %s",
                         events_error_format(&perr, where, sizeof(where)));
                d.error = text;
                goto dlq;
        }
        d.event_type = events_event_type(ev);
        d.route = events_router_match(c->router, d.event_type);
        if (!d.route) {
                d.reason = EVENTS_ERR_NO_ROUTE;
                snprintf(text, sizeof(text), "no route for event type \"%s\"",
                         d.event_type);
                d.error = text;
                goto dlq;
        }
        if (c->registry && events_route_validates(d.route)) {
                if (!c->report)
                        c->report = events_report_new(4);
                if (c->report)
                        events_report_clear(c->report);
                rc = lite_valid(c, ev) ? EVENTS_OK
                                       : events_registry_validate(
                                                 c->registry, ev, c->report);
                if (rc) {
                        char why[400];
                        d.reason = rc;
                        if (c->report && events_report_count(c->report))
                                events_report_format(c->report, why,
                                                     sizeof(why));
                        else
                                snprintf(why, sizeof(why), "%s",
                                         events_err2str(rc));
                        snprintf(text, sizeof(text),
                                 "schema validation failed: %s", why);
                        d.error = text;
                        goto dlq;
                }
        }

        c->current = m;
        rc = events__router_dispatch_route(c->router, d.route, ev, c->stop,
                                           &dr);
        c->current = NULL;
        if (rc == EVENTS_OK) {
                d.outcome = EVENTS_DISPOSITION_HANDLED;
                store_offset(c, m);
                deliver(c, &d, t0);
                events_event_destroy(ev);
                return EVENTS_OK;
        }
        d.handler = dr.failed_handler;
        d.attempts = dr.attempts;
        if (rc == EVENTS_ERR_TIMED_OUT) {
                d.outcome = EVENTS_DISPOSITION_INTERRUPTED;
                d.reason = rc;
                d.error = "stopped during handler retries";
                rewind_partition(c, m, 0);
                logf_(c, EVENTS_LOG_WARNING,
                      "retries interrupted by stop topic=%s partition=%" PRId32
                      " offset=%" PRId64 " handler=%s attempts=%d: not stored",
                      d.topic, d.partition, d.offset, d.handler, d.attempts);
                deliver(c, &d, t0);
                events_event_destroy(ev);
                return events__error_set(err, EVENTS_ERR_TIMED_OUT,
                                         "stopped during handler retries");
        }
        d.reason = EVENTS_ERR_HANDLER;
        snprintf(text, sizeof(text), "handler \"%s\" failed %d time%s (rc %d)",
                 d.handler, d.attempts, d.attempts == 1 ? "" : "s", dr.rc);
        d.error = text;

dlq:
        rc = dead_letter(c, m, &d, &perr);
        if (rc == EVENTS_OK) {
                d.outcome = EVENTS_DISPOSITION_DEAD_LETTERED;
                store_offset(c, m);
                if (d.reason == EVENTS_ERR_HANDLER)
                        set_last_error(c, "%s", d.error);
                logf_(c, EVENTS_LOG_WARNING,
                      "dead-lettered topic=%s partition=%" PRId32
                      " offset=%" PRId64 " event_type=%s reason=%s dlq=%s: %s",
                      d.topic, d.partition, d.offset,
                      d.event_type ? d.event_type : "-",
                      events_err2name(d.reason), d.dlq_topic, d.error);
                deliver(c, &d, t0);
                free((char *)d.dlq_topic);
                events_event_destroy(ev);
                return EVENTS_OK;
        }
        /* The event is neither handled nor safe in the DLQ: keep it. */
        d.outcome = EVENTS_DISPOSITION_DLQ_FAILED;
        rewind_partition(c, m, 1);
        c->state = STATE_STOPPED;
        set_last_error(c, "DLQ write failed, consumer stopped: %s", perr.text);
        logf_(c, EVENTS_LOG_ERROR,
              "DLQ write failed topic=%s partition=%" PRId32 " offset=%" PRId64
              " dlq=%s: %s; offset not stored, partition paused, consumer "
              "stopped",
              d.topic, d.partition, d.offset, d.dlq_topic ? d.dlq_topic : "-",
              perr.text);
        deliver(c, &d, t0);
        free((char *)d.dlq_topic);
        events_event_destroy(ev);
        return events__error_set(err, EVENTS_ERR_KAFKA,
                                 "DLQ write failed, consumer stopped: %s",
                                 perr.text);
}

/* Nodes the lite tree keeps between messages (about 56 bytes each). */
#define LITE_KEEP_NODES 4096

/* Remember a partition messages come from, for kick_fetchers(). */
static void note_partition(events_consumer_t *c, const rd_kafka_message_t *m) {
        const char *t = rd_kafka_topic_name(m->rkt);
        int i;

        for (i = 0; i < c->nrecent; i++)
                if (c->recent[i].partition == m->partition &&
                    !strcmp(c->recent[i].topic, t))
                        return;
        if (strlen(t) >= sizeof(c->recent[0].topic))
                return;
        i = c->nrecent < KICK_MAX ? c->nrecent++
                                  : (int)(c->nmsgs / c->kick_every) % KICK_MAX;
        strcpy(c->recent[i].topic, t);
        c->recent[i].partition = m->partition;
}

static void *kicker_main(void *opaque) {
        events_consumer_t *c = opaque;
        char topic[sizeof(c->ktopic)];
        int32_t partition;

        pthread_mutex_lock(&c->klock);
        for (;;) {
                int64_t lo, hi;

                while (!c->kquit && !c->kpending)
                        pthread_cond_wait(&c->kcond, &c->klock);
                if (c->kquit)
                        break;
                memcpy(topic, c->ktopic, sizeof(topic));
                partition = c->kpartition;
                c->kpending = 0;
                pthread_mutex_unlock(&c->klock);
                rd_kafka_query_watermark_offsets(c->rk, topic, partition, &lo,
                                                 &hi, KICK_TIMEOUT_MS);
                pthread_mutex_lock(&c->klock);
        }
        pthread_mutex_unlock(&c->klock);
        return NULL;
}

/* Hand a query to the kicker thread, starting it if need be; when it
 * cannot start, make the query here. */
static void kick_request(events_consumer_t *c, const char *topic,
                         int32_t partition) {
        if (!c->kicker_started) {
                sigset_t all, old;
                int rc;

                sigfillset(&all);
                pthread_sigmask(SIG_SETMASK, &all, &old);
                rc = pthread_create(&c->kicker, NULL, kicker_main, c);
                pthread_sigmask(SIG_SETMASK, &old, NULL);
                if (rc) {
                        int64_t lo, hi;
                        rd_kafka_query_watermark_offsets(c->rk, topic,
                                                         partition, &lo, &hi,
                                                         KICK_TIMEOUT_MS);
                        return;
                }
                c->kicker_started = 1;
        }
        pthread_mutex_lock(&c->klock);
        snprintf(c->ktopic, sizeof(c->ktopic), "%s", topic);
        c->kpartition = partition;
        c->kpending = 1;
        pthread_cond_signal(&c->kcond);
        pthread_mutex_unlock(&c->klock);
}

static void kicker_stop(events_consumer_t *c) {
        if (!c->kicker_started)
                return;
        pthread_mutex_lock(&c->klock);
        c->kquit = 1;
        pthread_cond_signal(&c->kcond);
        pthread_mutex_unlock(&c->klock);
        pthread_join(c->kicker, NULL);
        c->kicker_started = 0;
}

/* librdkafka 2.0.2 stops fetching a partition while the consumer queue
 * holds queued.min.messages messages or queued.max.messages.kbytes (the
 * partitions' queues are forwarded to it, so the thresholds apply to their
 * sum), and looks again only when its broker thread wakes up: on network
 * or queue activity, else once a second. A consumer that drains the queue
 * in less than a second then idles until that tick (measured: fetches at
 * whole seconds, the queue empty in between).
 *
 * So, sampling the queue's length every kick_every messages: once it was at
 * half a threshold or more (the fetcher is ahead and may stop), when it is
 * below 75% of the threshold and shrinking, wake the fetchers before the
 * queue runs dry (once, until it grows to half a threshold again). Thresholds
 * are crossed between samples, so the rule asks for no exact value: a watermark
 * query for a partition goes through its leader's broker thread, which
 * then re-evaluates all its partitions and fetches again. One query per
 * cycle, made by the kicker thread (it is a synchronous round trip), for
 * each of the last KICK_MAX distinct partitions seen in turn: with several
 * brokers, each leader is woken every few cycles (and by its own 1 s tick
 * at worst). A consumer that keeps up never kicks: its queue stays short.
 * The bytes threshold is estimated from the mean message size. */
static void kick_fetchers(events_consumer_t *c, const rd_kafka_message_t *m) {
        int64_t qlen = (int64_t)rd_kafka_queue_length(c->cq), prev;
        double bytes;

        c->avg_len = c->avg_len * 0.75 + (double)m->len * 0.25;
        note_partition(c, m);
        bytes = (double)qlen * c->avg_len;
        prev = c->prev_qlen;
        c->prev_qlen = qlen;
        if (qlen * 2 >= c->q_min_msgs || bytes * 2 >= (double)c->q_max_bytes)
                c->armed = 1;
        if (!c->armed || qlen >= prev || qlen * 4 >= c->q_min_msgs * 3 ||
            bytes * 4 >= (double)c->q_max_bytes * 3)
                return;
        c->armed = 0;
        if (c->nrecent) {
                int i = (int)(c->kicks++ % (unsigned)c->nrecent);
                kick_request(c, c->recent[i].topic, c->recent[i].partition);
        }
}

events_err_t events_consumer_poll(events_consumer_t *c, int timeout_ms,
                                  events_error_t *err) {
        rd_kafka_message_t *m;
        events_err_t rc;

        if (!c)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (c->state != STATE_RUNNING)
                return events__error_set(err, EVENTS_ERR_STATE,
                                         c->state == STATE_CLOSED
                                                 ? "consumer closed"
                                                 : "consumer stopped");
        if (c->producer)
                rd_kafka_poll(c->producer, 0);
        /* Nothing there now: store the pending offset before waiting, so
         * that an idle consumer's position reaches the commits. */
        if (!(m = rd_kafka_consumer_poll(c->rk, 0)) && timeout_ms != 0) {
                store_flush(c);
                m = rd_kafka_consumer_poll(c->rk, timeout_ms);
        }
        if (!m)
                return EVENTS_OK;
        if (m->err) {
                rd_kafka_resp_err_t kerr = m->err;
                if (kerr == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        rd_kafka_message_destroy(m);
                        return EVENTS_OK;
                }
                set_last_error(c, "consumer error: %s",
                               rd_kafka_message_errstr(m));
                logf_(c,
                      kerr == RD_KAFKA_RESP_ERR__FATAL ? EVENTS_LOG_ERROR
                                                       : EVENTS_LOG_WARNING,
                      "consumer error %s: %s", rd_kafka_err2name(kerr),
                      rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
                if (kerr == RD_KAFKA_RESP_ERR__FATAL) {
                        c->state = STATE_STOPPED;
                        return events__error_set(err, EVENTS_ERR_KAFKA,
                                                 "fatal consumer error");
                }
                return EVENTS_OK;
        }
        if (c->broker_up != 1)
                set_broker_up(c, 1);
        if (++c->nmsgs % c->kick_every == 0)
                kick_fetchers(c, m);
        rc = handle(c, m, err);
        /* A tree that a rare huge message grew is not kept for the next
         * ones (as the producer does). */
        if (c->lite.cap > LITE_KEEP_NODES)
                events__lite_free(&c->lite);
        rd_kafka_message_destroy(m);
        return rc;
}

events_err_t events_consumer_run(events_consumer_t *c, const volatile int *stop,
                                 events_error_t *err) {
        events_err_t rc;

        if (!c || !stop)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        while (!*stop) {
                rc = events_consumer_poll(c, RUN_POLL_MS, err);
                if (rc == EVENTS_ERR_TIMED_OUT)
                        return EVENTS_OK;
                if (rc)
                        return rc;
        }
        return EVENTS_OK;
}

events_err_t events_consumer_commit(events_consumer_t *c, events_error_t *err) {
        rd_kafka_resp_err_t kerr;

        if (!c)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (c->state == STATE_CLOSED)
                return events__error_set(err, EVENTS_ERR_STATE,
                                         "consumer closed");
        store_flush(c);
        kerr = rd_kafka_commit(c->rk, NULL, 0);
        if (kerr && kerr != RD_KAFKA_RESP_ERR__NO_OFFSET)
                return events__error_set(err, EVENTS_ERR_KAFKA, "commit: %s",
                                         rd_kafka_err2str(kerr));
        return EVENTS_OK;
}

/* An event of the close queue: rebalances are served as by the callback;
 * anything else (a message fetched before the close, an error) is dropped:
 * its offset is not stored, so it is not lost. */
static void serve_close_event(events_consumer_t *c, rd_kafka_event_t *ev) {
        if (!ev)
                return;
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
                rebalance(c, rd_kafka_event_error(ev),
                          rd_kafka_event_topic_partition_list(ev));
        rd_kafka_event_destroy(ev);
}

events_err_t events_consumer_close(events_consumer_t *c, int timeout_ms,
                                   events_error_t *err) {
        rd_kafka_queue_t *q;
        rd_kafka_error_t *error;
        rd_kafka_resp_err_t kerr;
        events_err_t rc = EVENTS_OK;
        int64_t deadline;

        if (!c)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (c->state == STATE_CLOSED)
                return EVENTS_OK;
        if (timeout_ms <= 0)
                timeout_ms = DEFAULT_CLOSE_MS;
        deadline = events__mono_us() + (int64_t)timeout_ms * 1000;
        c->state = STATE_CLOSED;

        if (c->producer)
                rd_kafka_flush(c->producer, timeout_ms / 4);
        store_flush(c);
        kerr = rd_kafka_commit(c->rk, NULL, 0);
        if (kerr && kerr != RD_KAFKA_RESP_ERR__NO_OFFSET) {
                rc = events__error_set(err, EVENTS_ERR_KAFKA,
                                       "commit on close: %s",
                                       rd_kafka_err2str(kerr));
                logf_(c, EVENTS_LOG_ERROR, "commit on close failed: %s",
                      rd_kafka_err2str(kerr));
        }

        /* Leave the group asynchronously, serving its rebalance callback
         * here, so that a broker that does not answer cannot hold us past
         * the deadline. */
        q = rd_kafka_queue_new(c->rk);
        if ((error = rd_kafka_consumer_close_queue(c->rk, q))) {
                logf_(c, EVENTS_LOG_ERROR, "close: %s",
                      rd_kafka_error_string(error));
                if (!rc)
                        rc = events__error_set(err, EVENTS_ERR_KAFKA,
                                               "close: %s",
                                               rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        } else {
                while (!rd_kafka_consumer_closed(c->rk)) {
                        int64_t left = deadline - events__mono_us();
                        if (left <= 0) {
                                c->close_timed_out = 1;
                                logf_(c, EVENTS_LOG_ERROR,
                                      "close: group not left within %d ms",
                                      timeout_ms);
                                if (!rc)
                                        rc = events__error_set(
                                                err, EVENTS_ERR_TIMED_OUT,
                                                "group not left within %d ms",
                                                timeout_ms);
                                break;
                        }
                        serve_close_event(
                                c,
                                rd_kafka_queue_poll(
                                        q, left > 100000
                                                   ? 100
                                                   : (int)(left / 1000) + 1));
                }
        }
        rd_kafka_queue_destroy(q);
        pthread_mutex_lock(&c->lock);
        c->assigned = 0;
        pthread_mutex_unlock(&c->lock);
        if (rc == EVENTS_OK)
                logf_(c, EVENTS_LOG_INFO, "consumer closed, group left");
        return rc;
}

void events_consumer_destroy(events_consumer_t *c) {
        if (!c)
                return;
        events_consumer_close(c, DEFAULT_CLOSE_MS, NULL);
        if (c->producer) {
                rd_kafka_flush(c->producer, 1000);
                rd_kafka_destroy(c->producer);
        }
        if (c->pconf)
                rd_kafka_conf_destroy(c->pconf);
        kicker_stop(c);
        if (c->st_rkt) /* only when the close did not run: drop it */
                rd_kafka_topic_destroy(c->st_rkt);
        if (c->cq)
                rd_kafka_queue_destroy(c->cq);
        rd_kafka_destroy_flags(
                c->rk,
                c->close_timed_out ? RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE : 0);
        events_report_destroy(c->report);
        events__lite_free(&c->lite);
        for (size_t i = 0; i < c->nlags; i++)
                free(c->lags[i].topic);
        free(c->lags);
        free(c->dlq_tmpl);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->klock);
        pthread_cond_destroy(&c->kcond);
        free(c);
}

events_err_t events_consumer_publish(events_consumer_t *c, const char *topic,
                                     const void *key, size_t keylen,
                                     const void *value, size_t len,
                                     const rd_kafka_headers_t *headers,
                                     int timeout_ms, events_error_t *err) {
        rd_kafka_headers_t *h = NULL;

        if (!c || !topic || !*topic || (!value && len))
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (c->state == STATE_CLOSED)
                return events__error_set(err, EVENTS_ERR_STATE,
                                         "consumer closed");
        if (headers && !(h = rd_kafka_headers_copy(headers)))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        return produce_sync(c, topic, key, keylen, value, len, h, timeout_ms,
                            err);
}

/* ---- health, from any thread ---- */

int events_consumer_assigned_count(const events_consumer_t *c) {
        int n;

        if (!c)
                return 0;
        pthread_mutex_lock((pthread_mutex_t *)&c->lock);
        n = c->assigned;
        pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
        return n;
}

int events_consumer_broker_up(const events_consumer_t *c) {
        int up;

        if (!c)
                return -1;
        pthread_mutex_lock((pthread_mutex_t *)&c->lock);
        up = c->broker_up;
        pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
        return up;
}

size_t events_consumer_lag_foreach(const events_consumer_t *c, events_lag_cb cb,
                                   void *opaque) {
        size_t n;

        if (!c || !cb)
                return 0;
        pthread_mutex_lock((pthread_mutex_t *)&c->lock);
        for (n = 0; n < c->nlags; n++)
                cb(c->lags[n].topic, c->lags[n].partition, c->lags[n].lag,
                   opaque);
        pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
        return n;
}

int64_t events_consumer_last_error(const events_consumer_t *c, char *buf,
                                   size_t size) {
        int64_t when;

        if (!c)
                return 0;
        pthread_mutex_lock((pthread_mutex_t *)&c->lock);
        when = c->last_error_us;
        if (buf && size)
                snprintf(buf, size, "%s", c->last_error);
        pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
        return when;
}
