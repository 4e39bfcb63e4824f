/*
 * consumer_fixture.c - the mock cluster, seeding, consumers and read-back
 * that the consumer's unit tests share (consumer_fixture.h).
 */
#include "consumer_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

rd_kafka_t *seeder;
rd_kafka_mock_cluster_t *mock;
static int serial;

void name(char *buf, size_t size, const char *what) {
        snprintf(buf, size, "%s-%d-%d", what, (int)getpid(), ++serial);
}

int mock_setup(void **state) {
        char errstr[256];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();

        rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "linger.ms", "0", errstr, sizeof(errstr));
        seeder = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        assert_non_null(seeder);
        mock = rd_kafka_handle_mock_cluster(seeder);
        assert_non_null(mock);
        return 0;
}

int mock_teardown(void **state) {
        rd_kafka_flush(seeder, 5000);
        rd_kafka_destroy(seeder);
        return 0;
}

void create_topic(const char *topic, int partitions) {
        assert_int_equal(rd_kafka_mock_topic_create(mock, topic, partitions, 1),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
}

/* Produce one message to partition 0, with an event_type header when
 * @p type is not NULL. */
void seed(const char *topic, const char *key, const char *value,
          const char *type) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(1);

        if (type)
                rd_kafka_header_add(h, EVENTS_HEADER_EVENT_TYPE, -1, type, -1);
        assert_int_equal(rd_kafka_producev(
                                 seeder, RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_PARTITION(0),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                                 RD_KAFKA_V_VALUE((void *)value, strlen(value)),
                                 RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(rd_kafka_flush(seeder, 5000),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
}

void seed_event(const char *topic, const char *type, int n) {
        char buf[256], key[32];

        snprintf(key, sizeof(key), "%d", n);
        snprintf(buf, sizeof(buf),
                 "{\"event_type\":\"%s\",\"data\":{\"user_id\":%d}}", type, n);
        seed(topic, key, buf, type);
}

const char *commit_interval_ms = "100000";

rd_kafka_conf_t *consumer_conf(void) {
        char errstr[256];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();

        assert_int_equal(
                rd_kafka_conf_set(conf, "bootstrap.servers",
                                  rd_kafka_mock_cluster_bootstraps(mock),
                                  errstr, sizeof(errstr)),
                RD_KAFKA_CONF_OK);
        if (getenv("TEST_CONSUMER_DEBUG"))
                rd_kafka_conf_set(conf, "debug", getenv("TEST_CONSUMER_DEBUG"),
                                  errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "statistics.interval.ms", "100", errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "auto.commit.interval.ms", commit_interval_ms,
                          errstr, sizeof(errstr));
        return conf;
}

void on_delivery(const events_delivery_t *d, void *opaque) {
        seen_t *s = opaque;

        s->outcomes[d->outcome]++;
        s->last_reason = d->reason;
        snprintf(s->last_type, sizeof(s->last_type), "%s",
                 d->event_type ? d->event_type : "");
        if (s->deliveries < 32)
                s->offsets[s->deliveries] = d->offset;
        s->deliveries++;
}

void on_log(events_log_level_t level, const char *msg, void *opaque) {
        seen_t *s = opaque;
        size_t used = strlen(s->log);

        if (level <= EVENTS_LOG_ERROR)
                s->errors_logged++;
        snprintf(s->log + used, sizeof(s->log) - used, "%s\n", msg);
        if (getenv("TEST_CONSUMER_VERBOSE"))
                fprintf(stderr, "%lld log level=%d %s\n",
                        (long long)(events__mono_us() / 1000 % 100000), level,
                        msg);
}

int count_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                  void *opaque) {
        seen_t *s = opaque;

        if (s->c) {
                const rd_kafka_message_t *m = events_consumer_message(s->c);
                if (m && m->payload)
                        s->saw_message++;
        }
        s->handled++;
        return 0;
}

int fail_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                 void *opaque) {
        seen_t *s = opaque;

        s->fail_calls++;
        return 5;
}

events_consumer_t *consumer(const char *topic, const char *group,
                            events_router_t *r, seen_t *s) {
        return consumer_with(consumer_conf(), topic, group, r, s);
}

events_consumer_t *consumer_with(rd_kafka_conf_t *conf, const char *topic,
                                 const char *group, events_router_t *r,
                                 seen_t *s) {
        events_consumer_t *c = NULL;
        const char *topics[] = {topic};
        events_error_t err;

        assert_int_equal(
                events_consumer_new(&c, conf, group, topics, 1, r, &err),
                EVENTS_OK);
        events_consumer_set_delivery_cb(c, on_delivery, s);
        events_consumer_set_log_cb(c, on_log, s);
        assert_int_equal(
                events_consumer_set_start(c, EVENTS_START_BEGINNING, 0),
                EVENTS_OK);
        s->c = c;
        return c;
}

/* Poll until @p n deliveries were seen or @p ms passed; returns the first
 * error poll gave, or EVENTS_OK. */
events_err_t poll_until(events_consumer_t *c, seen_t *s, int n, int ms) {
        int64_t end = events__mono_us() + (int64_t)ms * 1000;
        events_err_t rc;

        while (s->deliveries < n && events__mono_us() < end)
                if ((rc = events_consumer_poll(c, 100, NULL)))
                        return rc;
        return EVENTS_OK;
}

/* The group's committed offset for partition 0 of @p topic. */
int64_t committed(const char *group, const char *topic) {
        char errstr[256];
        rd_kafka_conf_t *conf = consumer_conf();
        rd_kafka_t *rk;
        rd_kafka_topic_partition_list_t *l;
        int64_t off;

        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, 0);
        assert_int_equal(rd_kafka_committed(rk, l, 5000),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        off = l->elems[0].offset;
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_destroy(rk);
        return off;
}

void copy_free(copy_t *m) {
        free(m->payload);
        free(m->key);
        if (m->hdrs)
                rd_kafka_headers_destroy(m->hdrs);
}

rd_kafka_t *reader_open(const char *topic) {
        char errstr[256], group[64];
        rd_kafka_conf_t *conf = consumer_conf();
        rd_kafka_t *rk;
        rd_kafka_topic_partition_list_t *l;

        name(group, sizeof(group), "reader");
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr,
                          sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        rd_kafka_poll_set_consumer(rk);
        l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, 0)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
        assert_int_equal(rd_kafka_assign(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(l);
        return rk;
}

rd_kafka_message_t *reader_next(rd_kafka_t *rk, int64_t end_us) {
        while (events__mono_us() < end_us) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);

                if (m && !m->err)
                        return m;
                if (m)
                        rd_kafka_message_destroy(m);
        }
        return NULL;
}

void reader_close(rd_kafka_t *rk) {
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_error_t *error;
        int64_t end = events__mono_us() + 10 * 1000000LL;
        int flags = 0;

        rd_kafka_assign(rk, NULL);
        if ((error = rd_kafka_consumer_close_queue(rk, q))) {
                rd_kafka_error_destroy(error);
                flags = RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE;
        }
        while (!flags && !rd_kafka_consumer_closed(rk)) {
                rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);

                if (ev)
                        rd_kafka_event_destroy(ev);
                if (events__mono_us() >= end)
                        flags = RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE;
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy_flags(rk, flags);
}

/* Read up to @p max messages of partition 0 of @p topic from the start. */
int read_topic(const char *topic, copy_t *out, int max, int ms) {
        rd_kafka_t *rk = reader_open(topic);
        rd_kafka_message_t *m;
        int n = 0;
        int64_t end = events__mono_us() + (int64_t)ms * 1000;

        while (n < max && (m = reader_next(rk, end))) {
                rd_kafka_headers_t *h = NULL;
                copy_t *cp = &out[n++];
                cp->len = m->len;
                cp->payload = malloc(m->len + 1);
                memcpy(cp->payload, m->payload, m->len);
                cp->key_len = m->key_len;
                cp->key = malloc(m->key_len + 1);
                if (m->key_len)
                        memcpy(cp->key, m->key, m->key_len);
                cp->hdrs = rd_kafka_message_headers(m, &h) || !h
                                   ? NULL
                                   : rd_kafka_headers_copy(h);
                rd_kafka_message_destroy(m);
        }
        reader_close(rk);
        return n;
}

char *header(const copy_t *m, const char *hname) {
        static char buf[512];
        const void *v;
        size_t len;

        if (!m->hdrs || rd_kafka_header_get_last(m->hdrs, hname, &v, &len) ||
            len >= sizeof(buf))
                return NULL;
        memcpy(buf, v, len);
        buf[len] = '\0';
        return buf;
}
