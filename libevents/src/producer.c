/*
 * producer.c - the producer's API: one NDJSON line in, one Kafka message
 * out, and one receipt per line whatever happens to it.
 *
 * This file creates the producer, holds its settings, and takes each line
 * in events_producer_submit(): the line is shaped (producer_shape.c) and
 * sent (producer_pipeline.c) at once, or put in the ring for the workers
 * or the partition window. Every outcome is counted and reported in
 * producer_receipt.c.
 *
 * Accounting: every line is counted once in "read" and once in exactly one
 * of skipped, rejected, in_flight (then delivered or failed). At close,
 * what did not flush in time is purged so that each of those lines, too,
 * gets its failed receipt before the handle goes away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "producer_int.h"

/* What every message shares in p->vu; events__producer_send() fills in the
 * rest. */
static void vu_init(events_producer_t *p) {
        static const rd_kafka_vtype_t types[EVENTS__VU__COUNT] = {
                [EVENTS__VU_RKT] = RD_KAFKA_VTYPE_RKT,
                [EVENTS__VU_MSGFLAGS] = RD_KAFKA_VTYPE_MSGFLAGS,
                [EVENTS__VU_VALUE] = RD_KAFKA_VTYPE_VALUE,
                [EVENTS__VU_KEY] = RD_KAFKA_VTYPE_KEY,
                [EVENTS__VU_TIMESTAMP] = RD_KAFKA_VTYPE_TIMESTAMP,
                [EVENTS__VU_HEADERS] = RD_KAFKA_VTYPE_HEADERS,
                [EVENTS__VU_OPAQUE] = RD_KAFKA_VTYPE_OPAQUE,
        };

        for (int i = 0; i < EVENTS__VU__COUNT; i++)
                p->vu[i].vtype = types[i];
        p->vu[EVENTS__VU_RKT].u.rkt = p->rkt;
        p->vu[EVENTS__VU_MSGFLAGS].u.i = RD_KAFKA_MSG_F_COPY;
}

rd_kafka_conf_t *events_producer_conf_new(void) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[256];

        if (!conf)
                return NULL;
        if (rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof(errstr)) !=
                    RD_KAFKA_CONF_OK ||
            /* Uncompressed by default, so that every client reads the
             * topic with nothing optional installed: kafka-python as
             * Debian packages it has no lz4, snappy or zstd, and gzip
             * costs the producer more than the bytes it saves
             * (bench/producer). Compression is one setting away
             * (events-producer -z; docs/python.md lists what each codec
             * needs on the reading side). */
            rd_kafka_conf_set(conf, "compression.codec", "none", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            /* Batches fill up by time, not by size: waiting 10 ms instead
             * of librdkafka's 5 makes them about 1.6 times larger, and the
             * broker's work is mostly per batch (bench/producer, measured
             * with lz4: its CPU time per event fell by a third, and the
             * producer's by a tenth, in interleaved rounds). */
            rd_kafka_conf_set(conf, "linger.ms", "10", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

events_err_t events_producer_new(events_producer_t **pp, rd_kafka_conf_t *conf,
                                 const char *topic, events_error_t *err) {
        events_producer_t *p;
        rd_kafka_topic_conf_t *tconf;
        rd_kafka_conf_t *dup;
        char errstr[512], val[64];
        size_t vlen = sizeof(val);

        if (!pp || (conf && (!topic || !*topic)))
                return events__error_set(err, EVENTS_ERR_INVALID_ARG,
                                         "a producer needs a topic");
        *pp = NULL;
        if (!(p = calloc(1, sizeof(*p))))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        events_error_clear(&p->ok);
        p->max_msg = 1000000; /* librdkafka's default message.max.bytes */
        p->receipt_mask = ~0u;
        p->shaper.lite = &p->lite;
        if ((topic && !(p->topic = strdup(topic))) ||
            !(p->key_path = strdup(EVENTS_DEFAULT_KEY_PATH)) ||
            !(p->shaper.report = events_report_new(4))) {
                events_producer_destroy(p);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        if (conf) {
                if (rd_kafka_conf_get(conf, "message.max.bytes", val, &vlen) ==
                    RD_KAFKA_CONF_OK)
                        p->max_msg = (size_t)strtoull(val, NULL, 10);
                /* A topic property: answered from the default topic
                 * configuration, when one was made. */
                vlen = sizeof(val);
                p->runs.fn = events__runs_partitioner(
                        rd_kafka_conf_get(conf, "partitioner", val, &vlen) ==
                                        RD_KAFKA_CONF_OK
                                ? val
                                : "consistent_random",
                        &p->runs.exact);
                /* An application's own partitioner stays in place. */
                vlen = sizeof(val);
                if (rd_kafka_conf_get(conf, "partitioner_cb", val, &vlen) ==
                            RD_KAFKA_CONF_OK &&
                    vlen > 1)
                        p->runs.exact = NULL;
                /* Work on a copy, as events_consumer_new() does: the
                 * caller's conf stays untouched until everything below has
                 * worked, and is the caller's still on any failure, also
                 * once librdkafka has taken the copy and then refused the
                 * topic. */
                if (!(dup = rd_kafka_conf_dup(conf))) {
                        events_producer_destroy(p);
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                }
                rd_kafka_conf_set_dr_msg_cb(dup, events__producer_dr_cb);
                rd_kafka_conf_set_error_cb(dup, events__producer_error_cb);
                /* librdkafka prints its logs to stderr unless given a log
                 * callback; the library never prints. Queued, they are
                 * served by the producer's polls, on the driving thread. */
                rd_kafka_conf_set_log_cb(dup, events__producer_log_cb);
                if (rd_kafka_conf_set(dup, "log.queue", "true", errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                        rd_kafka_conf_destroy(dup);
                        events_producer_destroy(p);
                        return events__error_set(err, EVENTS_ERR_CONF, "%s",
                                                 errstr);
                }
                rd_kafka_conf_set_opaque(dup, p);
                p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, dup, errstr,
                                     sizeof(errstr));
                if (!p->rk) {
                        /* rd_kafka_new() takes its conf on success only. */
                        rd_kafka_conf_destroy(dup);
                        events_producer_destroy(p);
                        return events__error_set(err, EVENTS_ERR_CONF, "%s",
                                                 errstr);
                }
                /* dup is the handle's now. */
                rd_kafka_set_log_queue(p->rk, NULL);
                /* Without memory for it, the topic keeps librdkafka's
                 * partitioner: nothing but the hint is lost. */
                tconf = p->runs.exact ? rd_kafka_default_topic_conf_dup(p->rk)
                                      : NULL;
                if (tconf) {
                        rd_kafka_topic_conf_set_partitioner_cb(
                                tconf, events__hinted_partitioner);
                        rd_kafka_topic_conf_set_opaque(tconf, p);
                }
                /* tconf is librdkafka's now, even when this fails. */
                p->rkt = rd_kafka_topic_new(p->rk, topic, tconf);
                if (!p->rkt) {
                        /* A refused name is most likely a long one: a part
                         * of it, so that the reason fits in err. */
                        events__error_set(
                                err, EVENTS_ERR_KAFKA,
                                "topic \"%.64s%s\" refused (%zu bytes): %s",
                                topic, strlen(topic) > 64 ? "..." : "",
                                strlen(topic),
                                rd_kafka_err2str(rd_kafka_last_error()));
                        events_producer_destroy(p);
                        return EVENTS_ERR_KAFKA;
                }
                vu_init(p);
                /* Success: conf is ours to free, as rd_kafka_new() would
                 * have taken it. */
                rd_kafka_conf_destroy(conf);
        }
        *pp = p;
        return EVENTS_OK;
}

void events_producer_set_registry(events_producer_t *p,
                                  const events_registry_t *reg) {
        if (p)
                p->reg = reg;
        p->settings_gen++;
}

events_err_t events_producer_set_wrap_type(events_producer_t *p,
                                           const char *event_type) {
        char *type = NULL, *prefix = NULL;
        int n;

        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        if (event_type) {
                if (!events_type_valid(event_type))
                        return EVENTS_ERR_INVALID_ARG;
                /* A valid type has no character that JSON would escape. */
                n = snprintf(NULL, 0,
                             "{\"event_type\":\"%s\",\"data\":", event_type);
                if (!(type = strdup(event_type)) ||
                    !(prefix = malloc((size_t)n + 1))) {
                        free(type);
                        return EVENTS_ERR_NOMEM;
                }
                snprintf(prefix, (size_t)n + 1,
                         "{\"event_type\":\"%s\",\"data\":", event_type);
                p->wrap_prefix_len = (size_t)n;
        }
        free(p->wrap_type);
        free(p->wrap_prefix);
        p->wrap_type = type;
        p->settings_gen++;
        p->wrap_prefix = prefix;
        return EVENTS_OK;
}

events_err_t events_producer_set_cloudevents(events_producer_t *p,
                                             events_ce_mode_t mode,
                                             const char *source) {
        char def[300], *copy = NULL;

        if (!p ||
            (mode != EVENTS_CE_NONE && mode != EVENTS_CE_BINARY &&
             mode != EVENTS_CE_STRUCTURED) ||
            (source && !*source))
                return EVENTS_ERR_INVALID_ARG;
        if (mode != EVENTS_CE_NONE) {
                if (!source) {
                        if (events_cloudevent_default_source(def, sizeof(def)))
                                return EVENTS_ERR_INVALID_ARG;
                        source = def;
                }
                if (!(copy = strdup(source)))
                        return EVENTS_ERR_NOMEM;
        }
        free(p->ce_source);
        p->ce_source = copy;
        p->ce_mode = mode;
        p->settings_gen++;
        return EVENTS_OK;
}

events_err_t events_producer_set_key_path(events_producer_t *p,
                                          const char *path) {
        char *copy = NULL;

        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        if (path && *path && !(copy = strdup(path)))
                return EVENTS_ERR_NOMEM;
        free(p->key_path);
        p->key_path = copy;
        p->settings_gen++;
        return EVENTS_OK;
}

void events_producer_set_restamp(events_producer_t *p, int restamp) {
        if (p)
                p->restamp = !!restamp;
        p->settings_gen++;
}

events_err_t events_producer_set_rate(events_producer_t *p, double per_second) {
        if (!p || !(per_second >= 0))
                return EVENTS_ERR_INVALID_ARG;
        p->rate_on = per_second > 0;
        events__tbucket_init(&p->tb, per_second, per_second / 10,
                             events__mono_us());
        return EVENTS_OK;
}

void events_producer_set_receipt_cb(events_producer_t *p, events_receipt_cb cb,
                                    void *opaque) {
        if (p) {
                p->receipt_cb = cb;
                p->receipt_opaque = opaque;
        }
}

void events_producer_set_receipt_outcomes(events_producer_t *p, unsigned mask) {
        if (p)
                p->receipt_mask = mask;
}

void events_producer_set_stamp_time(events_producer_t *p, int64_t us) {
        if (p)
                p->stamp_us = us > 0 ? us : 0;
}

void events_producer_set_log_fields_cb(events_producer_t *p,
                                       events_log_fields_cb cb, void *opaque) {
        if (p) {
                p->log.fcb = cb;
                p->log.fcb_opaque = opaque;
        }
}

void events_producer_set_error_cb(events_producer_t *p,
                                  events_producer_error_cb cb, void *opaque) {
        if (p) {
                p->error_cb = cb;
                p->error_opaque = opaque;
        }
}

size_t events_producer_max_message_bytes(const events_producer_t *p) {
        return p ? p->max_msg : 0;
}

void events_producer_interrupt(events_producer_t *p) {
        if (p)
                p->interrupted = 1;
}

void events_producer_counts(const events_producer_t *p,
                            events_producer_counts_t *out) {
        if (!out)
                return;
        if (!p) {
                memset(out, 0, sizeof(*out));
                return;
        }
        *out = p->c;
}

/* ---- Submitting a line ---- */

events_outcome_t events_producer_submit(events_producer_t *p, const char *buf,
                                        size_t len, uint64_t line,
                                        events_error_t *err) {
        events_error_t local;
        events_outcome_t oc;
        size_t n = len;

        if (!p || (!buf && len))
                return EVENTS_OUTCOME_FAILED;
        if (!buf)
                buf = "";
        p->c.read++;
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        if (p->fatal || p->interrupted) {
                events_error_t *e = err ? err : &local;

                events__error_set(
                        e, p->fatal ? EVENTS_ERR_KAFKA : EVENTS_ERR_STATE, "%s",
                        p->fatal ? p->fatal_reason : "interrupted");
                return events__producer_finish_sync(
                        p, &(events__finish_t){.line = line,
                                               .outcome = EVENTS_OUTCOME_FAILED,
                                               .in = buf,
                                               .n = n,
                                               .retriable = !p->fatal,
                                               .e = e});
        }
        if (p->ring && p->nworkers)
                return events__producer_pipeline_submit(p, buf, n, line);
        if (p->ring ||
            (p->windows && p->runs.on && !events__producer_ring_new(p)))
                return events__producer_window_submit(p, buf, n, line, err);
        events__producer_shape(p, &p->shaper, buf, n, p->stamp_us, &p->one);
        oc = events__producer_send(p, line, buf, n, &p->one, 0);
        if (err) {
                if (oc == EVENTS_OUTCOME_REJECTED ||
                    oc == EVENTS_OUTCOME_FAILED)
                        *err = p->one.err;
                else
                        events_error_clear(err);
        }
        return oc;
}

int events_producer_poll(events_producer_t *p, int timeout_ms) {
        if (!p)
                return 0;
        events__producer_drain_all(p);
        if (!p->rk)
                return 0;
        return rd_kafka_poll(p->rk, timeout_ms);
}

events_err_t events_producer_flush(events_producer_t *p, int timeout_ms) {
        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        events__producer_drain_all(p);
        if (!p->rk)
                return EVENTS_OK;
        rd_kafka_flush(p->rk, timeout_ms);
        /* flush() waits for librdkafka's queues; the reports for the last
         * messages may still be waiting to be served. */
        while (p->c.in_flight > 0 && rd_kafka_outq_len(p->rk) == 0 &&
               rd_kafka_poll(p->rk, 0) > 0)
                ;
        return p->c.in_flight ? EVENTS_ERR_TIMED_OUT : EVENTS_OK;
}

events_err_t events_producer_close(events_producer_t *p, int timeout_ms) {
        events_err_t rc;
        int64_t deadline;

        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        events__producer_drain_all(p);
        if (!p->rk)
                return EVENTS_OK;
        rc = events_producer_flush(p, timeout_ms);
        if (rc == EVENTS_OK)
                return EVENTS_OK;
        rd_kafka_purge(p->rk,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        /* Purged messages come back as failed reports; serve them all. */
        deadline = events__mono_us() + 10 * 1000000;
        while (p->c.in_flight > 0 && events__mono_us() < deadline)
                rd_kafka_poll(p->rk, 100);
        return EVENTS_ERR_TIMED_OUT;
}

void events_producer_destroy(events_producer_t *p) {
        if (!p)
                return;
        events__producer_workers_stop(
                p); /* sends what is left in the pipeline first */
        if (p->rk) {
                if (p->c.in_flight > 0) {
                        /* destroy() cannot report: what close() purges is
                         * counted failed and gets its failed receipt. */
                        events_err_t closed = events_producer_close(p, 0);
                        (void)closed;
                }
                if (p->rkt)
                        rd_kafka_topic_destroy(p->rkt);
                rd_kafka_destroy(p->rk);
        }
        events_report_destroy(p->shaper.report);
        events__lite_free(&p->lite);
        free(p->shaper.buf);
        free(p->topic);
        free(p->wrap_type);
        free(p->wrap_prefix);
        free(p->key_path);
        free(p->ce_source);
        free(p);
}

void events_producer_set_partition_runs(events_producer_t *p, int on) {
        if (p)
                p->windows = on != 0;
}
