/*
 * consumer_dlq.c - the consumer's dead-letter topic and the internal
 * producer behind it and behind events_consumer_publish(). The producer is
 * made on first use from a copy of the consumer's configuration without
 * its consumer-only properties; every write waits for its delivery report
 * (served by polling the producer on the polling thread), so an offset is
 * stored only once its DLQ copy is acknowledged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_int.h"

#define DEFAULT_PUBLISH_MS 30000

/* A synchronous produce's state. It lives on the heap because a publish
 * that gives up waiting leaves its delivery report still to come: the
 * report then frees it. */
typedef struct pending_s {
        int done;
        int abandoned;
        rd_kafka_resp_err_t err;
} pending_t;

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

rd_kafka_conf_t *events__consumer_producer_conf(rd_kafka_conf_t *conf) {
        return rd_kafka_conf_dup_filter(
                conf, sizeof(consumer_only) / sizeof(*consumer_only),
                (const char **)consumer_only);
}

static events_err_t producer_get(events_consumer_t *c, events_error_t *err) {
        char errstr[512];
        events_err_t rc;

        if (c->producer)
                return EVENTS_OK;
        /* Synchronous writes: no linger, every replica. */
        if ((rc = events__consumer_conf_set(c->pconf, "linger.ms", "0", err)) ||
            (rc = events__consumer_conf_set(c->pconf, "acks", "all", err)) ||
            (rc = events__consumer_conf_set(c->pconf, "log.queue", "true",
                                            err)))
                return rc;
        rd_kafka_conf_set_dr_msg_cb(c->pconf, dr_msg_cb);
        rd_kafka_conf_set_error_cb(c->pconf, events__consumer_error_cb);
        rd_kafka_conf_set_log_cb(c->pconf, events__consumer_log_cb);
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

/* Write a message to its DLQ and wait for the acknowledgement. */
events_err_t events__consumer_dead_letter(events_consumer_t *c,
                                          const rd_kafka_message_t *m,
                                          events_delivery_t *d,
                                          events_error_t *err) {
        rd_kafka_headers_t *orig = NULL, *h;
        char ts[EVENTS_TIMESTAMP_BUFSIZE];
        char *topic;
        events_err_t rc;
        rd_kafka_timestamp_type_t tstype;
        int64_t kts = rd_kafka_message_timestamp(m, &tstype);

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
        /* The original Kafka timestamp, for a redrive to restore: the
         * DLQ message's own is the time of this write. */
        if (tstype != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && kts >= 0) {
                hdr_add_int(h, EVENTS_DLQ_HDR_TIMESTAMP, kts);
                hdr_add(h, EVENTS_DLQ_HDR_TIMESTAMP_TYPE,
                        tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                                ? "log_append"
                                : "create");
        }
        rc = produce_sync(c, topic, m->key, m->key_len, m->payload, m->len, h,
                          DEFAULT_PUBLISH_MS, err);
        d->dlq_topic = topic;
        return rc;
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
