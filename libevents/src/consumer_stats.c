/*
 * consumer_stats.c - what the consumer knows of its own health: the log,
 * error and statistics callbacks of librdkafka (served on the polling
 * thread), which fill the health record (assignment, broker state, lag per
 * partition, the last error), and the thread-safe accessors that read it
 * under c->lock, e.g. from an HTTP server's thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "consumer_int.h"

void events__consumer_set_last_error(events_consumer_t *c, const char *fmt,
                                     ...) {
        va_list ap;

        pthread_mutex_lock(&c->lock);
        va_start(ap, fmt);
        vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
        va_end(ap);
        c->last_error_us = events_now_us();
        pthread_mutex_unlock(&c->lock);
}

void events__consumer_set_broker_up(events_consumer_t *c, int up) {
        pthread_mutex_lock(&c->lock);
        c->broker_up = up;
        pthread_mutex_unlock(&c->lock);
}

/* ---- librdkafka callbacks, served on the polling thread ---- */

void events__consumer_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                             const char *buf) {
        events_consumer_t *c = rd_kafka_opaque(rk);

        if (c)
                events__log_rdkafka(&c->log, rk, level, fac, buf);
}

void events__consumer_error_cb(rd_kafka_t *rk, int err, const char *reason,
                               void *opaque) {
        events_consumer_t *c = opaque;
        const char *code = rd_kafka_err2name((rd_kafka_resp_err_t)err);

        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                events__consumer_set_broker_up(c, 0);
        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                char fatal[256];
                rd_kafka_resp_err_t ferr =
                        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
                events__consumer_set_last_error(c, "fatal kafka error %s: %s",
                                                rd_kafka_err2name(ferr), fatal);
                events__consumer_log(c, EVENTS_LOG_ERROR, "fatal kafka error",
                                     "code", rd_kafka_err2name(ferr), "error",
                                     fatal, "client", rd_kafka_name(rk));
                return;
        }
        events__consumer_set_last_error(c, "kafka error %s: %s", code, reason);
        events__consumer_log(c,
                             err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
                                     ? EVENTS_LOG_ERROR
                                     : EVENTS_LOG_WARNING,
                             "kafka error", "code", code, "error", reason,
                             "client", rd_kafka_name(rk));
}

/* Statistics: consumer_lag per partition, and whether any broker is UP. */
int events__consumer_stats_cb(rd_kafka_t *rk, char *json, size_t len,
                              void *opaque) {
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
                        int64_t value = json_integer_value(lag);

                        if (part < 0 || (fs && !strcmp(fs, "none")))
                                continue;
                        /* Nothing committed yet: librdkafka says -1. The
                         * backlog is still there, from the position (the
                         * next offset to read) or, before the first
                         * fetch, the low watermark. */
                        if (!json_is_integer(lag) || value < 0) {
                                int64_t hi = json_integer_value(
                                        json_object_get(p, "hi_offset"));
                                int64_t pos = json_integer_value(
                                        json_object_get(p, "app_offset"));
                                int64_t lo = json_integer_value(
                                        json_object_get(p, "lo_offset"));
                                int64_t from = pos >= 0 ? pos : lo;

                                if (hi < 0 || from < 0)
                                        continue;
                                value = hi > from ? hi - from : 0;
                        }
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
                        lags[n].lag = value;
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

void events__consumer_count(events_consumer_t *c, events_counter_t which) {
        pthread_mutex_lock(&c->lock);
        c->counters[which]++;
        pthread_mutex_unlock(&c->lock);
}

/* ---- health, from any thread ---- */

int events_consumer_joined(const events_consumer_t *c) {
        int j;

        if (!c)
                return 0;
        pthread_mutex_lock((pthread_mutex_t *)&c->lock);
        j = c->joined;
        pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
        return j;
}

uint64_t events_consumer_counter(const events_consumer_t *c,
                                 events_counter_t which) {
        uint64_t v;

        if (!c || (int)which < 0 || which >= EVENTS_COUNTER__COUNT)
                return 0;
        pthread_mutex_lock((pthread_mutex_t *)&c->lock);
        v = c->counters[which];
        pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
        return v;
}

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
