/*
 * test_consumer.c - the consumer against librdkafka's mock cluster:
 * offsets stored only after handlers succeed, handler failures and poison
 * events dead-lettered with their headers, a failed DLQ write that stops
 * the consumer without storing, commit on close, start positions,
 * publish, router swap, the stop flag and the health accessors.
 *
 * One mock cluster serves the whole file; each test uses its own topics
 * and group, so tests do not see each other's messages or offsets.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "consumer_int.h"
#include "router_int.h"

#define APIKEY_PRODUCE 0 /* Kafka's ApiKey for Produce requests */

static rd_kafka_t *seeder; /* owns the mock cluster; produces test data */
static rd_kafka_mock_cluster_t *mock;
static int serial;

static void name(char *buf, size_t size, const char *what) {
        snprintf(buf, size, "%s-%d-%d", what, (int)getpid(), ++serial);
}

static int setup(void **state) {
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

static int teardown(void **state) {
        rd_kafka_flush(seeder, 5000);
        rd_kafka_destroy(seeder);
        return 0;
}

static void create_topic(const char *topic, int partitions) {
        assert_int_equal(rd_kafka_mock_topic_create(mock, topic, partitions, 1),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
}

/* Produce one message to partition 0, with an event_type header when
 * @p type is not NULL. */
static void seed(const char *topic, const char *key, const char *value,
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

static void seed_event(const char *topic, const char *type, int n) {
        char buf[256], key[32];

        snprintf(key, sizeof(key), "%d", n);
        snprintf(buf, sizeof(buf),
                 "{\"event_type\":\"%s\",\"data\":{\"user_id\":%d}}", type, n);
        seed(topic, key, buf, type);
}

/* The consumers' auto.commit.interval.ms: far away, but for the test of
 * commits in time. */
static const char *commit_interval_ms = "100000";

static rd_kafka_conf_t *consumer_conf(void) {
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

/* What the callbacks saw. */
typedef struct seen_s {
        int deliveries;
        int outcomes[EVENTS_DISPOSITION_SKIPPED + 1];
        events_err_t last_reason;
        char last_type[64];
        int handled;    /* calls of the counting handler */
        int fail_calls; /* calls of the failing handler */
        int errors_logged;
        int64_t offsets[32];
        const events_consumer_t *c;
        int saw_message; /* events_consumer_message() inside a handler */
} seen_t;

static void on_delivery(const events_delivery_t *d, void *opaque) {
        seen_t *s = opaque;

        s->outcomes[d->outcome]++;
        s->last_reason = d->reason;
        snprintf(s->last_type, sizeof(s->last_type), "%s",
                 d->event_type ? d->event_type : "");
        if (s->deliveries < 32)
                s->offsets[s->deliveries] = d->offset;
        s->deliveries++;
}

static void on_log(events_log_level_t level, const char *msg, void *opaque) {
        seen_t *s = opaque;

        if (level <= EVENTS_LOG_ERROR)
                s->errors_logged++;
        if (getenv("TEST_CONSUMER_VERBOSE"))
                fprintf(stderr, "%lld log level=%d %s\n",
                        (long long)(events__mono_us() / 1000 % 100000), level,
                        msg);
}

static int count_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
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

/* Counts, after 100 us: slower than the mock cluster's fetches. */
static int slow_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                        void *opaque) {
        struct timespec ts = {0, 100000};

        nanosleep(&ts, NULL);
        return count_handler(ev, ctx, opaque);
}

static int fail_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                        void *opaque) {
        seen_t *s = opaque;

        s->fail_calls++;
        return 5;
}

static events_consumer_t *consumer(const char *topic, const char *group,
                                   events_router_t *r, seen_t *s) {
        events_consumer_t *c = NULL;
        const char *topics[] = {topic};
        events_error_t err;

        assert_int_equal(events_consumer_new(&c, consumer_conf(), group, topics,
                                             1, r, &err),
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
static events_err_t poll_until(events_consumer_t *c, seen_t *s, int n, int ms) {
        int64_t end = events__mono_us() + (int64_t)ms * 1000;
        events_err_t rc;

        while (s->deliveries < n && events__mono_us() < end)
                if ((rc = events_consumer_poll(c, 100, NULL)))
                        return rc;
        return EVENTS_OK;
}

/* The group's committed offset for partition 0 of @p topic. */
static int64_t committed(const char *group, const char *topic) {
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

/* A message read back, copied out of librdkafka (whose handle must not
 * outlive its messages). */
typedef struct copy_s {
        char *payload;
        size_t len;
        char *key;
        size_t key_len;
        rd_kafka_headers_t *hdrs;
} copy_t;

static void copy_free(copy_t *m) {
        free(m->payload);
        free(m->key);
        if (m->hdrs)
                rd_kafka_headers_destroy(m->hdrs);
}

/* Read up to @p max messages of partition 0 of @p topic from the start. */
static int read_topic(const char *topic, copy_t *out, int max, int ms) {
        char errstr[256], group[64];
        rd_kafka_conf_t *conf = consumer_conf();
        rd_kafka_t *rk;
        rd_kafka_topic_partition_list_t *l;
        int n = 0;
        int64_t end = events__mono_us() + (int64_t)ms * 1000;

        name(group, sizeof(group), "reader");
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        rd_kafka_poll_set_consumer(rk);
        l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, 0)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
        assert_int_equal(rd_kafka_assign(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(l);
        while (n < max && events__mono_us() < end) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
                if (!m)
                        continue;
                if (m->err) {
                        rd_kafka_message_destroy(m);
                        continue;
                }
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
        rd_kafka_assign(rk, NULL);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        return n;
}

static char *header(const copy_t *m, const char *hname) {
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

static void test_events_consumer_poll_stores_after_handlers(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};

        name(topic, sizeof(topic), "t-ok");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        for (int i = 0; i < 5; i++)
                seed_event(topic, "user.created", i);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "count", count_handler, &s),
                EVENTS_OK);
        c = consumer(topic, group, r, &s);

        assert_int_equal(poll_until(c, &s, 5, 8000), EVENTS_OK);
        assert_int_equal(s.deliveries, 5);
        assert_int_equal(s.handled, 5);
        assert_int_equal(s.saw_message, 5);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_HANDLED], 5);
        assert_string_equal(s.last_type, "user.created");
        for (int i = 0; i < 5; i++)
                assert_int_equal(s.offsets[i], i); /* in partition order */
        assert_int_equal(events_consumer_assigned_count(c), 1);
        assert_null(events_consumer_message(c));

        /* auto-commit is far away: only the close commits */
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        assert_int_equal(events_consumer_uncommitted(c, NULL, 0), 0);
        assert_int_equal(events_consumer_assigned_count(c), 0);
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        assert_int_equal(events_consumer_poll(c, 0, NULL), EVENTS_ERR_STATE);
        events_consumer_destroy(c);
        assert_int_equal(committed(group, topic), 5);

        events_router_destroy(r);
}

/* The cooperative protocol: partitions come and go incrementally, and
 * the close, which revokes them from within the handler, still commits
 * and returns. */
static void test_events_consumer_cooperative_assign_and_close(void **state) {
        char topic[64], group[64], errstr[256];
        const char *topics[1];
        events_router_t *r;
        events_consumer_t *c = NULL;
        rd_kafka_conf_t *conf = consumer_conf();
        seen_t s = {0};

        (void)state;
        name(topic, sizeof(topic), "t-coop");
        name(group, sizeof(group), "group");
        topics[0] = topic;
        create_topic(topic, 1);
        for (int i = 0; i < 4; i++)
                seed_event(topic, "user.created", i);
        assert_int_equal(
                rd_kafka_conf_set(conf, "partition.assignment.strategy",
                                  "cooperative-sticky", errstr, sizeof(errstr)),
                RD_KAFKA_CONF_OK);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "count", count_handler, &s),
                EVENTS_OK);
        assert_int_equal(
                events_consumer_new(&c, conf, group, topics, 1, r, NULL),
                EVENTS_OK);
        events_consumer_set_delivery_cb(c, on_delivery, &s);
        events_consumer_set_log_cb(c, on_log, &s);
        assert_int_equal(
                events_consumer_set_start(c, EVENTS_START_BEGINNING, 0),
                EVENTS_OK);
        s.c = c;
        assert_int_equal(poll_until(c, &s, 4, 8000), EVENTS_OK);
        assert_int_equal(s.handled, 4);
        assert_int_equal(events_consumer_assigned_count(c), 1);
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        assert_int_equal(events_consumer_assigned_count(c), 0);
        events_consumer_destroy(c);
        assert_int_equal(committed(group, topic), 4);
        events_router_destroy(r);
}

/* Offsets of a run of one partition are stored once, late: a commit must
 * still see the newest handled one. */
/* Handles, after 150 ms: a handler slower than the offset's age limit. */
static int slower_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                          void *opaque) {
        struct timespec ts = {0, 150000000};

        nanosleep(&ts, NULL);
        return count_handler(ev, ctx, opaque);
}

/* A slow handler on one partition, with the next events always waiting:
 * the pending offset still reaches librdkafka within its age limit, so
 * the automatic commits (every 200 ms here) include it while the consumer
 * works, without waiting for 1024 events or an idle poll. */
static void test_events_consumer_slow_run_commits_in_time(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};
        struct timespec pause = {0, 200000000};
        int64_t off = -1;

        name(topic, sizeof(topic), "t-intime");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        for (int i = 0; i < 8; i++)
                seed_event(topic, "user.created", i);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "slow", slower_handler, &s),
                EVENTS_OK);
        commit_interval_ms = "200";
        c = consumer(topic, group, r, &s);
        assert_int_equal(poll_until(c, &s, 5, 8000), EVENTS_OK);
        assert_int_equal(s.handled, 5);
        /* no poll meanwhile: only librdkafka's timer commits (5 s at most,
         * for valgrind's sake) */
        for (int i = 0; i < 25; i++) {
                nanosleep(&pause, NULL);
                if ((off = committed(group, topic)) >= 2)
                        break;
        }
        commit_interval_ms = "100000";
        assert_true(off >= 2 && off <= 5);
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        events_consumer_destroy(c);
        events_router_destroy(r);
}

static void test_events_consumer_commit_stores_pending_offset(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};

        name(topic, sizeof(topic), "t-pending");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        for (int i = 0; i < 5; i++)
                seed_event(topic, "user.created", i);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "count", count_handler, &s),
                EVENTS_OK);
        c = consumer(topic, group, r, &s);

        assert_int_equal(poll_until(c, &s, 3, 8000), EVENTS_OK);
        assert_int_equal(s.handled, 3);
        assert_int_equal(events_consumer_commit(c, NULL), EVENTS_OK);
        assert_int_equal(committed(group, topic), 3);

        assert_int_equal(poll_until(c, &s, 5, 8000), EVENTS_OK);
        assert_int_equal(s.handled, 5);
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        events_consumer_destroy(c);
        assert_int_equal(committed(group, topic), 5);
        events_router_destroy(r);
}

/* librdkafka 2.0.2 stops fetching while queued.min.messages wait in the
 * queue and looks again only on its broker thread's 1 s tick; the consumer
 * wakes it when the queue runs low. 3000 events through a 200-message
 * queue in small fetches, to a handler slower than the fetcher (so that
 * the queue fills up again and again): about 15 s without the wake-up,
 * well under 1 s with it. */
static void test_events_consumer_poll_wakes_stalled_fetcher(void **state) {
        char topic[64], group[64], errstr[256], buf[128];
        const char *topics[1];
        rd_kafka_conf_t *pconf = rd_kafka_conf_new(), *conf;
        rd_kafka_t *p;
        events_router_t *r;
        events_consumer_t *c;
        events_error_t err;
        seen_t s = {0};
        int64_t t0;

        name(topic, sizeof(topic), "t-stall");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        /* many small batches, so that a fetch brings few messages */
        rd_kafka_conf_set(pconf, "bootstrap.servers",
                          rd_kafka_mock_cluster_bootstraps(mock), errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(pconf, "batch.num.messages", "10", errstr,
                          sizeof(errstr));
        p = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof(errstr));
        assert_non_null(p);
        for (int i = 0; i < 3000; i++) {
                int n = snprintf(buf, sizeof(buf),
                                 "{\"event_type\":\"user.created\","
                                 "\"data\":{\"user_id\":%d}}",
                                 i);
                assert_int_equal(
                        rd_kafka_producev(
                                p, RD_KAFKA_V_TOPIC(topic),
                                RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_VALUE(buf, (size_t)n),
                                RD_KAFKA_V_END),
                        RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        assert_int_equal(rd_kafka_flush(p, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_destroy(p);

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "slow", slow_handler, &s),
                EVENTS_OK);
        conf = consumer_conf();
        rd_kafka_conf_set(conf, "queued.min.messages", "200", errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "max.partition.fetch.bytes", "2048", errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "message.max.bytes", "1000", errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "fetch.max.bytes", "2048", errstr,
                          sizeof(errstr));
        topics[0] = topic;
        assert_int_equal(
                events_consumer_new(&c, conf, group, topics, 1, r, &err),
                EVENTS_OK);
        events_consumer_set_delivery_cb(c, on_delivery, &s);
        events_consumer_set_log_cb(c, on_log, &s);
        assert_int_equal(
                events_consumer_set_start(c, EVENTS_START_BEGINNING, 0),
                EVENTS_OK);
        assert_int_equal(poll_until(c, &s, 1, 10000), EVENTS_OK);
        assert_int_equal(s.handled, 1);
        t0 = events__mono_us();
        assert_int_equal(poll_until(c, &s, 3000, 7000), EVENTS_OK);
        if (getenv("TEST_CONSUMER_VERBOSE"))
                fprintf(stderr, "3000 events in %lld ms\n",
                        (long long)((events__mono_us() - t0) / 1000));
        assert_int_equal(s.handled, 3000);
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        events_consumer_destroy(c);
        assert_int_equal(committed(group, topic), 3000);
        events_router_destroy(r);
}

static void test_events_consumer_poll_handler_failure_to_dlq(void **state) {
        char topic[64], group[64], dlq[80];
        events_router_t *r;
        events_consumer_t *c;
        copy_t msgs[4];
        seen_t s = {0};
        const char *v;
        int n;

        name(topic, sizeof(topic), "t-fail");
        name(group, sizeof(group), "group");
        snprintf(dlq, sizeof(dlq), "%s.dlq", topic);
        create_topic(topic, 1);
        create_topic(dlq, 1);
        seed_event(topic, "user.created", 1);
        seed_event(topic, "user.deleted", 2);
        seed_event(topic, "user.created", 3);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.created", "count",
                                           count_handler, &s),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.deleted", "count",
                                           count_handler, &s),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.deleted", "mailer",
                                           fail_handler, &s),
                         EVENTS_OK);
        assert_int_equal(
                events_router_set_policy(r, "user.deleted", 2, 1, 4, 0),
                EVENTS_OK);
        c = consumer(topic, group, r, &s);

        assert_int_equal(poll_until(c, &s, 3, 8000), EVENTS_OK);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_HANDLED], 2);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_DEAD_LETTERED], 1);
        assert_int_equal(s.fail_calls, 3); /* 1 try + 2 retries */
        assert_int_equal(s.handled, 3);    /* count ran once per event */
        assert_true(events_consumer_last_error(c, NULL, 0) > 0);
        events_consumer_destroy(c);
        assert_int_equal(committed(group, topic), 3);

        n = read_topic(dlq, msgs, 4, 5000);
        assert_int_equal(n, 1);
        v = "{\"event_type\":\"user.deleted\",\"data\":{\"user_id\":2}}";
        assert_int_equal(msgs[0].len, strlen(v));
        assert_memory_equal(msgs[0].payload, v, strlen(v));
        assert_int_equal(msgs[0].key_len, 1);
        assert_memory_equal(msgs[0].key, "2", 1);
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_ERROR_CODE),
                            "ERR_HANDLER");
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_HANDLER), "mailer");
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_ATTEMPTS), "3");
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_TOPIC), topic);
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_PARTITION), "0");
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_OFFSET), "1");
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_EVENT_TYPE),
                            "user.deleted");
        assert_non_null(
                strstr(header(&msgs[0], EVENTS_DLQ_HDR_ERROR), "mailer"));
        assert_non_null(header(&msgs[0], EVENTS_DLQ_HDR_TIME));
        /* the original headers are kept */
        assert_string_equal(header(&msgs[0], EVENTS_HEADER_EVENT_TYPE),
                            "user.deleted");
        for (int i = 0; i < n; i++)
                copy_free(&msgs[i]);
        events_router_destroy(r);
}

static void test_events_consumer_poll_poison_to_dlq_and_continue(void **state) {
        char topic[64], group[64], dlq[80];
        events_router_t *r;
        events_consumer_t *c;
        copy_t msgs[5];
        seen_t s = {0};
        events_registry_t *reg;
        json_t *schema;
        int n;

        name(topic, sizeof(topic), "t-poison");
        name(group, sizeof(group), "group");
        snprintf(dlq, sizeof(dlq), "dead-%s", topic);
        create_topic(topic, 1);
        create_topic(dlq, 1);
        seed(topic, "k0", "{not json", "user.created");
        seed(topic, "k1", "{\"event_type\":\"user.created\"}", NULL);
        seed_event(topic, "order.placed", 2);
        seed_event(topic, "user.created", 3);
        seed(topic, "k4", "{\"event_type\":\"user.created\",\"data\":{}}",
             NULL);
        /* not validated on its route: handled */
        seed(topic, "k5", "{\"event_type\":\"user.raw\",\"data\":{}}", NULL);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        schema = json_pack("{s:[s], s:{s:{s:s}}}", "required", "user_id",
                           "properties", "user_id", "type", "integer");
        assert_int_equal(events_registry_add(reg, "user.created", schema, NULL),
                         EVENTS_OK);
        json_decref(schema);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "count", count_handler, &s),
                EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.raw", "count", count_handler, &s),
                EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, "user.raw", 0, 1, 1, 0),
                         EVENTS_OK);
        c = consumer(topic, group, r, &s);
        events_consumer_set_registry(c, reg);
        assert_int_equal(events_consumer_set_dlq_topic(c, "dead-{topic}"),
                         EVENTS_OK);
        assert_int_equal(events_consumer_set_dlq_topic(c, ""),
                         EVENTS_ERR_INVALID_ARG);

        assert_int_equal(poll_until(c, &s, 6, 8000), EVENTS_OK);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_DEAD_LETTERED], 4);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_HANDLED], 2);
        assert_int_equal(s.handled, 2);
        events_consumer_destroy(c);
        events_registry_destroy(reg);
        assert_int_equal(committed(group, topic), 6);

        n = read_topic(dlq, msgs, 5, 5000);
        assert_int_equal(n, 4);
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_ERROR_CODE),
                            "ERR_JSON");
        /* the body is unreadable: the type comes from the header */
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_EVENT_TYPE),
                            "user.created");
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_ATTEMPTS), "0");
        assert_null(header(&msgs[0], EVENTS_DLQ_HDR_HANDLER));
        assert_memory_equal(msgs[0].payload, "{not json", 9);
        assert_string_equal(header(&msgs[1], EVENTS_DLQ_HDR_ERROR_CODE),
                            "ERR_ENVELOPE");
        assert_null(header(&msgs[1], EVENTS_DLQ_HDR_EVENT_TYPE));
        assert_string_equal(header(&msgs[1], EVENTS_DLQ_HDR_OFFSET), "1");
        assert_string_equal(header(&msgs[2], EVENTS_DLQ_HDR_ERROR_CODE),
                            "ERR_NO_ROUTE");
        assert_string_equal(header(&msgs[2], EVENTS_DLQ_HDR_EVENT_TYPE),
                            "order.placed");
        assert_string_equal(header(&msgs[3], EVENTS_DLQ_HDR_ERROR_CODE),
                            "ERR_VALIDATION");
        assert_string_equal(header(&msgs[3], EVENTS_DLQ_HDR_OFFSET), "4");
        assert_non_null(
                strstr(header(&msgs[3], EVENTS_DLQ_HDR_ERROR), "user_id"));
        for (int i = 0; i < n; i++)
                copy_free(&msgs[i]);
        events_router_destroy(r);
}

/* Handles user.* only; a message with no type never matches. */
static int only_users(const char *topic, int32_t partition,
                      const char *event_type, void *opaque) {
        int *calls = opaque;

        (void)topic;
        (void)partition;
        (*calls)++;
        return event_type && !strncmp(event_type, "user.", 5);
}

static void test_events_consumer_set_filter_skips_and_stores(void **state) {
        char topic[64], group[64], dlq[80];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};
        int calls = 0;

        name(topic, sizeof(topic), "t-filter");
        name(group, sizeof(group), "group");
        snprintf(dlq, sizeof(dlq), "%s.dlq", topic);
        create_topic(topic, 1);
        create_topic(dlq, 1);
        seed_event(topic, "order.placed", 0);
        seed(topic, "k1", "{not json", NULL);
        seed_event(topic, "user.created", 2);
        seed_event(topic, "nobody.routes.this", 3);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "count", count_handler, &s),
                EVENTS_OK);
        c = consumer(topic, group, r, &s);
        events_consumer_set_filter(c, only_users, &calls);

        assert_int_equal(poll_until(c, &s, 4, 8000), EVENTS_OK);
        assert_int_equal(calls, 4);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_SKIPPED], 3);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_HANDLED], 1);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_DEAD_LETTERED], 0);
        assert_int_equal(s.handled, 1);
        events_consumer_destroy(c);
        /* skipped offsets are stored and committed like handled ones */
        assert_int_equal(committed(group, topic), 4);
        events_router_destroy(r);
}

static void test_events_consumer_poll_dlq_failure_stops(void **state) {
        char topic[64], group[64], dlq[80];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};
        events_error_t err;
        events_err_t rc = EVENTS_OK;
        int64_t end;
        char last[256];

        name(topic, sizeof(topic), "t-dlqfail");
        name(group, sizeof(group), "group");
        snprintf(dlq, sizeof(dlq), "%s.dlq", topic);
        create_topic(topic, 1);
        create_topic(dlq, 1);
        seed_event(topic, "user.created", 0);
        seed_event(topic, "user.deleted", 1);
        seed_event(topic, "user.created", 2);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.created", "count",
                                           count_handler, &s),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.deleted", "mailer",
                                           fail_handler, &s),
                         EVENTS_OK);
        assert_int_equal(
                events_router_set_policy(r, "user.deleted", 0, 1, 1, 0),
                EVENTS_OK);
        c = consumer(topic, group, r, &s);
        /* every Produce from now on is refused, for good */
        rd_kafka_mock_push_request_errors(
                mock, APIKEY_PRODUCE, 8,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);

        end = events__mono_us() + 10000000;
        while (events__mono_us() < end &&
               !(rc = events_consumer_poll(c, 100, &err)))
                ;
        rd_kafka_mock_clear_request_errors(mock, APIKEY_PRODUCE);
        assert_int_equal(rc, EVENTS_ERR_KAFKA);
        assert_non_null(strstr(err.text, "DLQ"));
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_HANDLED], 1);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_DLQ_FAILED], 1);
        assert_int_equal(s.handled, 1); /* the third event was not handled */
        assert_true(s.errors_logged > 0);
        assert_true(events_consumer_last_error(c, last, sizeof(last)) > 0);
        assert_non_null(strstr(last, "DLQ"));
        assert_int_equal(events_consumer_poll(c, 10, NULL), EVENTS_ERR_STATE);
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        events_consumer_destroy(c);
        /* the first event is committed, the failed one is not */
        assert_int_equal(committed(group, topic), 1);

        events_router_destroy(r);
}

static volatile int stop_flag;

static int stopping_fail_handler(const events_event_t *ev,
                                 events_handler_ctx_t *ctx, void *opaque) {
        stop_flag = 1; /* as a signal would, during the handler */
        return 1;
}

static void test_events_consumer_poll_stop_interrupts_retries(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};
        events_err_t rc = EVENTS_OK;
        int64_t end;

        name(topic, sizeof(topic), "t-stop");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        seed_event(topic, "user.created", 0);
        seed_event(topic, "user.deleted", 1);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.created", "count",
                                           count_handler, &s),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.deleted", "stopper",
                                           stopping_fail_handler, &s),
                         EVENTS_OK);
        assert_int_equal(
                events_router_set_policy(r, "user.deleted", 5, 10000, 10000, 0),
                EVENTS_OK);
        c = consumer(topic, group, r, &s);
        stop_flag = 0;
        events_consumer_set_stop_flag(c, &stop_flag);

        end = events__mono_us() + 10000000;
        while (events__mono_us() < end &&
               !(rc = events_consumer_poll(c, 100, NULL)))
                ;
        assert_int_equal(rc, EVENTS_ERR_TIMED_OUT);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_INTERRUPTED], 1);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_HANDLED], 1);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_DEAD_LETTERED], 0);
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        events_consumer_destroy(c);
        assert_int_equal(committed(group, topic), 1);
        events_router_destroy(r);
}

static void test_events_consumer_set_router_swaps_between_polls(void **state) {
        char topic[64], group[64];
        events_router_t *r1, *r2;
        events_consumer_t *c;
        seen_t s1 = {0}, s2 = {0};

        name(topic, sizeof(topic), "t-swap");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        seed_event(topic, "user.created", 0);
        seed_event(topic, "user.created", 1);
        assert_int_equal(events_router_new(&r1), EVENTS_OK);
        assert_int_equal(events_router_new(&r2), EVENTS_OK);
        assert_int_equal(events_router_add(r1, "*", "one", count_handler, &s1),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r2, "*", "two", count_handler, &s2),
                         EVENTS_OK);
        c = consumer(topic, group, r1, &s1);
        assert_int_equal(poll_until(c, &s1, 1, 8000), EVENTS_OK);
        assert_int_equal(s1.handled, 1);
        assert_ptr_equal(events_consumer_set_router(c, r2), r1);
        assert_ptr_equal(events_consumer_router(c), r2);
        events_router_destroy(r1);
        events_consumer_set_delivery_cb(c, on_delivery, &s2);
        assert_int_equal(poll_until(c, &s2, 1, 8000), EVENTS_OK);
        assert_int_equal(s2.handled, 1);
        assert_int_equal(s2.offsets[0], 1); /* position kept */
        events_consumer_destroy(c);
        events_router_destroy(r2);
}

static void test_events_consumer_publish_acknowledged(void **state) {
        char topic[64], group[64], out[64];
        events_router_t *r;
        events_consumer_t *c;
        copy_t msgs[2];
        rd_kafka_headers_t *h = rd_kafka_headers_new(1);
        seen_t s = {0};
        int n;

        name(topic, sizeof(topic), "t-pub");
        name(group, sizeof(group), "group");
        name(out, sizeof(out), "t-pub-out");
        create_topic(topic, 1);
        create_topic(out, 1);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "count", count_handler, &s),
                         EVENTS_OK);
        c = consumer(topic, group, r, &s);
        rd_kafka_header_add(h, "x", -1, "y", -1);
        assert_int_equal(events_consumer_publish(c, out, "k", 1, "hello", 5, h,
                                                 5000, NULL),
                         EVENTS_OK);
        rd_kafka_headers_destroy(h);
        assert_int_equal(events_consumer_publish(c, NULL, NULL, 0, "x", 1, NULL,
                                                 0, NULL),
                         EVENTS_ERR_INVALID_ARG);
        n = read_topic(out, msgs, 2, 5000);
        assert_int_equal(n, 1);
        assert_memory_equal(msgs[0].payload, "hello", 5);
        assert_memory_equal(msgs[0].key, "k", 1);
        assert_string_equal(header(&msgs[0], "x"), "y");
        copy_free(&msgs[0]);
        events_consumer_destroy(c);
        events_router_destroy(r);
}

/* What a handler saw in its context, copied out during the call. */
typedef struct ctx_copy_s {
        int calls;
        char topic[64];
        int32_t partition;
        int64_t offset;
        char key[16];
        size_t key_len;
        char hdr[32];
        char first_hdr[32];
        int64_t ts_ms;
        events_tstype_t tstype;
        int attempt;
        int cancelled;
} ctx_copy_t;

static int ctx_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                       void *opaque) {
        ctx_copy_t *cc = opaque;
        const void *v;
        const char *hname;
        size_t len;

        cc->calls++;
        snprintf(cc->topic, sizeof(cc->topic), "%s",
                 events_handler_ctx_topic(ctx));
        cc->partition = events_handler_ctx_partition(ctx);
        cc->offset = events_handler_ctx_offset(ctx);
        v = events_handler_ctx_key(ctx, &cc->key_len);
        if (v && cc->key_len < sizeof(cc->key))
                memcpy(cc->key, v, cc->key_len);
        if (!events_handler_ctx_header(ctx, "trace", &v, &len) &&
            len < sizeof(cc->hdr))
                memcpy(cc->hdr, v, len);
        if (!events_handler_ctx_header_at(ctx, 0, &hname, NULL, NULL))
                snprintf(cc->first_hdr, sizeof(cc->first_hdr), "%s", hname);
        cc->ts_ms = events_handler_ctx_timestamp_ms(ctx, &cc->tstype);
        cc->attempt = events_handler_ctx_attempt(ctx);
        cc->cancelled = events_handler_ctx_cancelled(ctx);
        return 0;
}

/* A handler's context describes the consumed message: topic, partition,
 * offset, key, headers and the Kafka timestamp. */
static void test_events_handler_ctx_fields_of_consumed_message(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        const char *v = "{\"event_type\":\"user.created\",\"data\":{}}";
        seen_t s = {0};
        ctx_copy_t cc;
        volatile int stop = 0;

        memset(&cc, 0, sizeof(cc));
        name(topic, sizeof(topic), "t-ctx");
        name(group, sizeof(group), "group");
        create_topic(topic, 2);
        /* two messages to partition 1: the second is at offset 1 */
        for (int i = 0; i < 2; i++) {
                rd_kafka_headers_t *h = rd_kafka_headers_new(2);

                rd_kafka_header_add(h, EVENTS_HEADER_EVENT_TYPE, -1,
                                    "user.created", -1);
                rd_kafka_header_add(h, "trace", -1, i ? "abc-123" : "x", -1);
                assert_int_equal(
                        rd_kafka_producev(
                                seeder, RD_KAFKA_V_TOPIC(topic),
                                RD_KAFKA_V_PARTITION(1),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY("user-42", 7),
                                RD_KAFKA_V_VALUE((void *)v, strlen(v)),
                                RD_KAFKA_V_TIMESTAMP(1764633600123 + i),
                                RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END),
                        RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        assert_int_equal(rd_kafka_flush(seeder, 5000),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "ctx", ctx_handler, &cc),
                         EVENTS_OK);
        c = consumer(topic, group, r, &s);
        events_consumer_set_stop_flag(c, &stop);
        assert_int_equal(poll_until(c, &s, 2, 8000), EVENTS_OK);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_HANDLED], 2);
        events_consumer_destroy(c);
        events_router_destroy(r);

        /* the second call's view */
        assert_int_equal(cc.calls, 2);
        assert_string_equal(cc.topic, topic);
        assert_int_equal(cc.partition, 1);
        assert_int_equal(cc.offset, 1);
        assert_int_equal(cc.key_len, 7);
        assert_memory_equal(cc.key, "user-42", 7);
        assert_string_equal(cc.hdr, "abc-123");
        assert_string_equal(cc.first_hdr, EVENTS_HEADER_EVENT_TYPE);
        assert_int_equal(cc.ts_ms, 1764633600124);
        assert_int_equal(cc.tstype, EVENTS_TSTYPE_CREATE_TIME);
        assert_int_equal(cc.attempt, 1);
        assert_int_equal(cc.cancelled, 0);
}

static int reasoned_fail_handler(const events_event_t *ev,
                                 events_handler_ctx_t *ctx, void *opaque) {
        seen_t *s = opaque;

        s->fail_calls++;
        events_handler_ctx_set_error(ctx, "smtp refused user %s (try %d)",
                                     json_string_value(json_object_get(
                                             events_event_data(ev), "who")),
                                     events_handler_ctx_attempt(ctx));
        return 2;
}

/* The text a failing handler sets is the DLQ message's events.error; a
 * handler that sets none still gets its rc there. */
static void test_events_consumer_poll_handler_error_text_to_dlq(void **state) {
        char topic[64], group[64], dlq[80];
        events_router_t *r;
        events_consumer_t *c;
        copy_t msgs[3];
        seen_t s = {0};
        int n;

        name(topic, sizeof(topic), "t-reason");
        name(group, sizeof(group), "group");
        snprintf(dlq, sizeof(dlq), "%s.dlq", topic);
        create_topic(topic, 1);
        create_topic(dlq, 1);
        seed(topic, "1",
             "{\"event_type\":\"mail.send\",\"data\":{\"who\":\"ann\"}}", NULL);
        seed_event(topic, "user.deleted", 2);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "mail.send", "smtp",
                                           reasoned_fail_handler, &s),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.deleted", "mailer",
                                           fail_handler, &s),
                         EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, "mail.send", 1, 1, 1, 0),
                         EVENTS_OK);
        assert_int_equal(
                events_router_set_policy(r, "user.deleted", 0, 1, 1, 0),
                EVENTS_OK);
        c = consumer(topic, group, r, &s);
        assert_int_equal(poll_until(c, &s, 2, 8000), EVENTS_OK);
        assert_int_equal(s.outcomes[EVENTS_DISPOSITION_DEAD_LETTERED], 2);
        events_consumer_destroy(c);

        n = read_topic(dlq, msgs, 3, 5000);
        assert_int_equal(n, 2);
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_ERROR),
                            "handler \"smtp\" failed 2 times: smtp refused "
                            "user ann (try 2)");
        assert_string_equal(header(&msgs[0], EVENTS_DLQ_HDR_HANDLER), "smtp");
        assert_string_equal(header(&msgs[1], EVENTS_DLQ_HDR_ERROR),
                            "handler \"mailer\" failed 1 time (rc 5)");
        for (int i = 0; i < n; i++)
                copy_free(&msgs[i]);
        events_router_destroy(r);
}

static void lag_visit(const char *topic, int32_t partition, int64_t lag,
                      void *opaque) {
        int64_t *sum = opaque;

        *sum += lag;
}

static void test_events_consumer_health_accessors(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};
        int64_t end, sum = -1;
        size_t n = 0;

        name(topic, sizeof(topic), "t-health");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        for (int i = 0; i < 3; i++)
                seed_event(topic, "user.created", i);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "count", count_handler, &s),
                         EVENTS_OK);
        c = consumer(topic, group, r, &s);
        assert_non_null(events_consumer_handle(c));
        assert_int_equal(poll_until(c, &s, 3, 8000), EVENTS_OK);
        assert_int_equal(events_consumer_commit(c, NULL), EVENTS_OK);
        /* statistics come every 100 ms: wait for a lag of 0 */
        end = events__mono_us() + 5000000;
        while (events__mono_us() < end && sum != 0) {
                assert_int_equal(events_consumer_poll(c, 100, NULL), EVENTS_OK);
                sum = 0;
                n = events_consumer_lag_foreach(c, lag_visit, &sum);
                if (!n)
                        sum = -1;
        }
        assert_int_equal(n, 1);
        assert_int_equal(sum, 0);
        assert_int_equal(events_consumer_broker_up(c), 1);
        assert_int_equal(events_consumer_assigned_count(c), 1);
        assert_int_equal(events_consumer_joined(c), 1);
        assert_true(events_consumer_counter(c, EVENTS_COUNTER_ASSIGNS) >= 1);
        assert_int_equal(events_consumer_counter(c, EVENTS_COUNTER_REVOKES), 0);
        assert_true(events_consumer_counter(c, EVENTS_COUNTER_COMMITS_OK) >= 1);
        assert_int_equal(
                events_consumer_counter(c, EVENTS_COUNTER_COMMITS_FAILED), 0);
        assert_int_equal(events_consumer_counter(c, EVENTS_COUNTER__COUNT), 0);
        assert_int_equal(events_consumer_counter(NULL, EVENTS_COUNTER_ASSIGNS),
                         0);
        assert_int_equal(events_consumer_joined(NULL), 0);
        events_consumer_destroy(c);
        events_router_destroy(r);
}

/* A group that has committed nothing yet: librdkafka reports no
 * consumer_lag (-1), yet the partition's lag is known from the high
 * watermark and the position; here all is read, so it is 0, and it shows.
 * (test_consumer_ops.sh shows a backlog's lag on every partition.) */
static void test_events_consumer_lag_without_commit(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};
        int64_t end, sum = -1;
        size_t n = 0;

        name(topic, sizeof(topic), "t-lag-new");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        for (int i = 0; i < 6; i++)
                seed_event(topic, "user.created", i);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "count", count_handler, &s),
                         EVENTS_OK);
        c = consumer(topic, group, r, &s);
        assert_int_equal(poll_until(c, &s, 6, 8000), EVENTS_OK);
        /* auto-commit is 100 s away: nothing is committed */
        assert_int_equal(committed(group, topic), RD_KAFKA_OFFSET_INVALID);
        end = events__mono_us() + 3000000;
        while (events__mono_us() < end && (n == 0 || sum != 0)) {
                assert_int_equal(events_consumer_poll(c, 100, NULL), EVENTS_OK);
                sum = 0;
                n = events_consumer_lag_foreach(c, lag_visit, &sum);
        }
        assert_int_equal(n, 1);
        assert_int_equal(sum, 0);
        events_consumer_destroy(c);
        events_router_destroy(r);
}

static void test_events_consumer_new_rejects_bad_input(void **state) {
        events_consumer_t *c = NULL;
        events_router_t *r;
        rd_kafka_conf_t *conf = consumer_conf();
        const char *topics[] = {"t"}, *empty[] = {""};
        events_error_t err;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_consumer_new(&c, conf, NULL, topics, 1, r, &err),
                EVENTS_ERR_CONF); /* no group */
        assert_null(c);
        assert_int_equal(events_consumer_new(&c, conf, "g", empty, 1, r, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_consumer_new(&c, conf, "g", topics, 0, r, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(
                events_consumer_new(&c, conf, "g", topics, 1, NULL, &err),
                EVENTS_ERR_INVALID_ARG);
        /* the caller still owns conf after failures */
        rd_kafka_conf_destroy(conf);
        events_consumer_destroy(NULL);
        events_router_destroy(r);
}

/* Which topics a pattern subscription leaves out: the default
 * "<topic>.dlq" and the shape of the DLQ template, unless subscribed to by
 * name. */
static void test_events__consumer_skip_topic_dlq_shapes(void **state) {
        struct events_consumer_s c;
        char *named[] = {"orders.dlq"};
        (void)state;

        memset(&c, 0, sizeof(c));
        c.dlq_tmpl = "{topic}-failed";
        assert_true(events__consumer_skip_topic(&c, "loop.dlq"));
        assert_true(events__consumer_skip_topic(&c, "loop.dlq.dlq"));
        assert_true(events__consumer_skip_topic(&c, "loop-failed"));
        assert_false(events__consumer_skip_topic(&c, "loop"));
        assert_false(events__consumer_skip_topic(&c, ".dlq"));
        assert_false(events__consumer_skip_topic(&c, "-failed"));
        assert_false(events__consumer_skip_topic(&c, "loop.dlqs"));
        c.explicit_topics = named;
        c.nexplicit = 1;
        assert_false(events__consumer_skip_topic(&c, "orders.dlq"));
        c.dlq_tmpl = "all-dead-letters";
        assert_true(events__consumer_skip_topic(&c, "all-dead-letters"));
        c.dlq_tmpl = "{topic}";
        assert_false(events__consumer_skip_topic(&c, "loop"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_consumer_new_rejects_bad_input),
                cmocka_unit_test(test_events__consumer_skip_topic_dlq_shapes),
                cmocka_unit_test(
                        test_events_consumer_poll_stores_after_handlers),
                cmocka_unit_test(
                        test_events_consumer_commit_stores_pending_offset),
                cmocka_unit_test(test_events_consumer_slow_run_commits_in_time),
                cmocka_unit_test(
                        test_events_consumer_poll_wakes_stalled_fetcher),
                cmocka_unit_test(
                        test_events_consumer_poll_handler_failure_to_dlq),
                cmocka_unit_test(
                        test_events_consumer_poll_poison_to_dlq_and_continue),
                cmocka_unit_test(test_events_consumer_poll_dlq_failure_stops),
                cmocka_unit_test(
                        test_events_consumer_set_filter_skips_and_stores),
                cmocka_unit_test(
                        test_events_consumer_poll_stop_interrupts_retries),
                cmocka_unit_test(
                        test_events_consumer_set_router_swaps_between_polls),
                cmocka_unit_test(test_events_consumer_publish_acknowledged),
                cmocka_unit_test(
                        test_events_consumer_cooperative_assign_and_close),
                cmocka_unit_test(test_events_consumer_health_accessors),
                cmocka_unit_test(test_events_consumer_lag_without_commit),
                cmocka_unit_test(
                        test_events_handler_ctx_fields_of_consumed_message),
                cmocka_unit_test(
                        test_events_consumer_poll_handler_error_text_to_dlq),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
