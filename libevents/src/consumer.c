/*
 * consumer.c - the Kafka consumer glue (events/consumer.h): its API.
 * Creation (the configuration the consumer imposes or defaults, the
 * subscription), the settings, the poll loop that takes one message at a
 * time to consumer_message.c, the commit, the close that leaves the group
 * within a deadline, and destroy. The shared struct and the map of the
 * other modules are in consumer_int.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "consumer_int.h"

#define DEFAULT_CLOSE_MS 10000
#define RUN_POLL_MS 100
/* Prefetch defaults, applied when the configuration leaves librdkafka's
 * own (see events_consumer_new() in consumer.h). */
#define RDK_QUEUED_MIN_MSGS "100000"
#define RDK_QUEUED_MAX_KBYTES "65536"
#define DEFAULT_QUEUED_MIN_MSGS "20000"
#define DEFAULT_QUEUED_MAX_KBYTES "16384"
/* Check the consumer queue's length every this many messages (at most). */
#define KICK_EVERY 64

/* ---- creation ---- */

/* What the consumer owns beside librdkafka's handles. */
static void free_owned(events_consumer_t *c) {
        for (size_t i = 0; i < c->nexplicit; i++)
                free(c->explicit_topics[i]);
        free(c->explicit_topics);
        for (size_t i = 0; i < c->noffs; i++)
                free(c->offs[i].topic);
        free(c->offs);
}

events_err_t events__consumer_conf_set(rd_kafka_conf_t *conf, const char *k,
                                       const char *v, events_error_t *err) {
        char errstr[256];

        if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK)
                return events__error_set(err, EVENTS_ERR_CONF, "%s: %s", k,
                                         errstr);
        return EVENTS_OK;
}

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
        /* Topics named outright (not patterns) may be DLQ topics: the
         * user asked for them. */
        if (!(c->explicit_topics = calloc(ntopics, sizeof(char *)))) {
                free(c);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        for (size_t i = 0; i < ntopics; i++)
                if (topics[i][0] != '^' &&
                    !(c->explicit_topics[c->nexplicit++] = strdup(topics[i]))) {
                        for (size_t j = 0; j < i; j++)
                                free(c->explicit_topics[j]);
                        free(c->explicit_topics);
                        free(c);
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                }
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
        if (group &&
            (rc = events__consumer_conf_set(dup, "group.id", group, err)))
                goto fail;
        if (rd_kafka_conf_get(dup, "group.id", val, &vlen) !=
                    RD_KAFKA_CONF_OK ||
            !*val) {
                rc = events__error_set(err, EVENTS_ERR_CONF,
                                       "no consumer group: give a group or "
                                       "set group.id");
                goto fail;
        }
        if (!(c->pconf = events__consumer_producer_conf(dup))) {
                rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                goto fail;
        }
        /* The rebalance protocol, from the configuration: asking
         * librdkafka (rd_kafka_rebalance_protocol()) from the rebalance
         * handler waits on the group's thread, which, while the consumer
         * closes, waits on the handler (test_consumer_poll hung there once),
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
            (rc = events__consumer_conf_set(dup, "statistics.interval.ms",
                                            "5000", err)))
                goto fail;
        /* Prefetch bounds: librdkafka's defaults let 100000 messages or
         * 64 MB wait in the queue; smaller is enough once stalled fetchers
         * are woken (events__consumer_kick_fetchers()). Only when the user left
         * them. */
        vlen = sizeof(val);
        if (rd_kafka_conf_get(dup, "queued.min.messages", val, &vlen) ==
                    RD_KAFKA_CONF_OK &&
            !strcmp(val, RDK_QUEUED_MIN_MSGS) &&
            (rc = events__consumer_conf_set(dup, "queued.min.messages",
                                            DEFAULT_QUEUED_MIN_MSGS, err)))
                goto fail;
        vlen = sizeof(val);
        if (rd_kafka_conf_get(dup, "queued.max.messages.kbytes", val, &vlen) ==
                    RD_KAFKA_CONF_OK &&
            !strcmp(val, RDK_QUEUED_MAX_KBYTES) &&
            (rc = events__consumer_conf_set(dup, "queued.max.messages.kbytes",
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
        if ((rc = events__consumer_conf_set(dup, "enable.auto.offset.store",
                                            "false", err)) ||
            (rc = events__consumer_conf_set(dup, "log.queue", "true", err)))
                goto fail;
        rd_kafka_conf_set_rebalance_cb(dup, events__consumer_rebalance_cb);
        rd_kafka_conf_set_stats_cb(dup, events__consumer_stats_cb);
        rd_kafka_conf_set_offset_commit_cb(dup, events__consumer_commit_cb);
        rd_kafka_conf_set_error_cb(dup, events__consumer_error_cb);
        rd_kafka_conf_set_log_cb(dup, events__consumer_log_cb);
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
            (rc = events__consumer_conf_set(
                     c->pconf, "bootstrap.servers",
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
        free_owned(c);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->klock);
        pthread_cond_destroy(&c->kcond);
        free(c);
        return rc;
}

/* ---- settings ---- */

void events_consumer_set_log_cb(events_consumer_t *c, events_log_cb cb,
                                void *opaque) {
        if (!c)
                return;
        c->log.cb = cb;
        c->log.cb_opaque = opaque;
}

void events_consumer_set_log_fields_cb(events_consumer_t *c,
                                       events_log_fields_cb cb, void *opaque) {
        if (!c)
                return;
        c->log.fcb = cb;
        c->log.fcb_opaque = opaque;
}

void events_consumer_set_delivery_cb(events_consumer_t *c,
                                     events_delivery_cb cb, void *opaque) {
        if (!c)
                return;
        c->delivery_cb = cb;
        c->delivery_opaque = opaque;
}

void events_consumer_set_filter(events_consumer_t *c, events_filter_cb cb,
                                void *opaque) {
        if (!c)
                return;
        c->filter_cb = cb;
        c->filter_opaque = opaque;
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

void events_consumer_set_handler_deadline(events_consumer_t *c,
                                          const volatile int64_t *deadline_ms) {
        if (c)
                c->deadline_ms = deadline_ms;
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

/* Nodes the lite tree keeps between messages (about 56 bytes each). */
#define LITE_KEEP_NODES 4096

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
                events__consumer_store_flush(c);
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
                events__consumer_set_last_error(c, "consumer error: %s",
                                                rd_kafka_message_errstr(m));
                events__consumer_log(
                        c,
                        kerr == RD_KAFKA_RESP_ERR__FATAL ? EVENTS_LOG_ERROR
                                                         : EVENTS_LOG_WARNING,
                        "consumer error", "code", rd_kafka_err2name(kerr),
                        "error", rd_kafka_message_errstr(m), "topic",
                        m->rkt ? rd_kafka_topic_name(m->rkt) : NULL,
                        "partition", m->rkt ? EVENTS__I64(m->partition) : NULL);
                rd_kafka_message_destroy(m);
                if (kerr == RD_KAFKA_RESP_ERR__FATAL) {
                        c->state = STATE_STOPPED;
                        return events__error_set(err, EVENTS_ERR_KAFKA,
                                                 "fatal consumer error");
                }
                return EVENTS_OK;
        }
        if (c->broker_up != 1)
                events__consumer_set_broker_up(c, 1);
        if (++c->nmsgs % c->kick_every == 0)
                events__consumer_kick_fetchers(c, m);
        rc = events__consumer_handle(c, m, err);
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
        events__consumer_store_flush(c);
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
                events__consumer_rebalance(
                        c, rd_kafka_event_error(ev),
                        rd_kafka_event_topic_partition_list(ev));
        rd_kafka_event_destroy(ev);
}

/* The final commit: the offsets we stored that the coordinator has not
 * confirmed, committed explicitly on a queue of our own so that a broker
 * that does not answer cannot hold us past @p deadline (us). Only a
 * confirmed commit counts: with no answer in time, nothing is claimed. */
static events_err_t final_commit(events_consumer_t *c, int64_t deadline,
                                 events_error_t *err) {
        rd_kafka_topic_partition_list_t *l;
        rd_kafka_resp_err_t kerr = RD_KAFKA_RESP_ERR__TIMED_OUT;
        rd_kafka_queue_t *q;
        char parts[512];
        int n;

        events__consumer_store_flush(c);
        if (!(l = events__consumer_uncommitted_list(c))) {
                events__consumer_log(c, EVENTS_LOG_INFO,
                                     "final commit: no offsets to commit",
                                     "group_joined",
                                     c->ever_joined ? "true" : "false");
                return EVENTS_OK;
        }
        if (!(q = rd_kafka_queue_new(c->rk))) {
                rd_kafka_topic_partition_list_destroy(l);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        kerr = rd_kafka_commit_queue(c->rk, l, q, NULL, NULL);
        while (!kerr) {
                int64_t left = deadline - events__mono_us();
                rd_kafka_event_t *ev;

                if (left <= 0) {
                        kerr = RD_KAFKA_RESP_ERR__TIMED_OUT;
                        break;
                }
                ev = rd_kafka_queue_poll(
                        q, left > 100000 ? 100 : (int)(left / 1000) + 1);
                if (!ev)
                        continue;
                if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
                        kerr = rd_kafka_event_error(ev);
                        events__consumer_note_committed(
                                c, rd_kafka_event_topic_partition_list(ev));
                        rd_kafka_event_destroy(ev);
                        break;
                }
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_topic_partition_list_destroy(l);
        n = events_consumer_uncommitted(c, parts, sizeof(parts));
        if (n == 0) {
                events__consumer_log(
                        c, EVENTS_LOG_INFO, "final commit: offsets committed",
                        "group_joined", c->ever_joined ? "true" : "false");
                return EVENTS_OK;
        }
        if (!kerr)
                kerr = RD_KAFKA_RESP_ERR__FAIL; /* a partition's own error */
        events__consumer_set_last_error(c, "final commit failed: %s",
                                        rd_kafka_err2str(kerr));
        events__consumer_log(c, EVENTS_LOG_ERROR,
                             "final commit failed: offsets not committed",
                             "partitions", parts, "count", EVENTS__I64(n),
                             "code", rd_kafka_err2name(kerr), "error",
                             rd_kafka_err2str(kerr));
        return events__error_set(err, EVENTS_ERR_KAFKA,
                                 "final commit failed (%s): offsets of %d "
                                 "partition%s not committed: %s",
                                 rd_kafka_err2str(kerr), n, n == 1 ? "" : "s",
                                 parts);
}

events_err_t events_consumer_close(events_consumer_t *c, int timeout_ms,
                                   events_error_t *err) {
        rd_kafka_queue_t *q;
        rd_kafka_error_t *error;
        events_err_t rc = EVENTS_OK;
        int64_t deadline, t0;

        if (!c)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (c->state == STATE_CLOSED)
                return EVENTS_OK;
        if (timeout_ms <= 0)
                timeout_ms = DEFAULT_CLOSE_MS;
        t0 = events__mono_us();
        deadline = t0 + (int64_t)timeout_ms * 1000;
        c->state = STATE_CLOSED;

        if (c->producer)
                rd_kafka_flush(c->producer, timeout_ms / 4);
        /* The commit gets up to two thirds of what is left; leaving the
         * group, the rest. */
        rc = final_commit(c, deadline - (deadline - events__mono_us()) / 3,
                          err);

        /* Leave the group asynchronously, serving its rebalance callback
         * here, so that a broker that does not answer cannot hold us past
         * the deadline. */
        q = rd_kafka_queue_new(c->rk);
        if ((error = rd_kafka_consumer_close_queue(c->rk, q))) {
                events__consumer_log(c, EVENTS_LOG_ERROR, "close failed",
                                     "error", rd_kafka_error_string(error));
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
                                events__consumer_log(
                                        c, EVENTS_LOG_ERROR,
                                        "close: group not left in time",
                                        "timeout_ms", EVENTS__I64(timeout_ms));
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
                events__consumer_log(
                        c, EVENTS_LOG_INFO, "consumer closed", "group_joined",
                        c->ever_joined ? "true" : "false", "duration_ms",
                        EVENTS__I64((events__mono_us() - t0) / 1000));
        return rc;
}

void events_consumer_destroy(events_consumer_t *c) {
        if (!c)
                return;
        /* destroy() cannot report: a failed close was already told through
         * the log callback, and a caller who cares calls close() first. */
        events_err_t closed = events_consumer_close(c, DEFAULT_CLOSE_MS, NULL);
        (void)closed;
        if (c->producer) {
                rd_kafka_flush(c->producer, 1000);
                rd_kafka_destroy(c->producer);
        }
        if (c->pconf)
                rd_kafka_conf_destroy(c->pconf);
        events__consumer_kicker_stop(c);
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
        free_owned(c);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->klock);
        pthread_cond_destroy(&c->kcond);
        free(c);
}
