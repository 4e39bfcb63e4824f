/*
 * test_producer_delivery.c - the producer API delivering against
 * librdkafka's mock cluster (no broker needed): receipts and their
 * outcomes, every line delivered once with and without workers, partition
 * order, flush, close and interrupt, a full queue, the rate limit, and
 * configurations librdkafka refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "producer_fixture.h"

struct mock {
        rd_kafka_t *rk; /* owns the mock cluster */
        rd_kafka_mock_cluster_t *mc;
        char bootstraps[512];
};

static void mock_start(struct mock *m, int partitions) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[256];

        rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
        m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        assert_non_null(m->rk);
        m->mc = rd_kafka_mock_cluster_new(m->rk, 3);
        assert_non_null(m->mc);
        snprintf(m->bootstraps, sizeof(m->bootstraps), "%s",
                 rd_kafka_mock_cluster_bootstraps(m->mc));
        assert_int_equal(rd_kafka_mock_topic_create(m->mc, "t", partitions, 3),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
}

static void mock_stop(struct mock *m) {
        rd_kafka_mock_cluster_destroy(m->mc);
        rd_kafka_destroy(m->rk);
}

static events_producer_t *mock_producer(struct mock *m, struct seen *s,
                                        const char *extra) {
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_producer_t *p = NULL;
        char kv[600];

        snprintf(kv, sizeof(kv), "bootstrap.servers=%s", m->bootstraps);
        assert_int_equal(events_kafka_conf_set(conf, kv, NULL), EVENTS_OK);
        assert_int_equal(events_kafka_conf_set(conf, "linger.ms=1", NULL),
                         EVENTS_OK);
        if (extra)
                assert_int_equal(events_kafka_conf_set(conf, extra, NULL),
                                 EVENTS_OK);
        assert_int_equal(events_producer_new(&p, conf, "t", NULL), EVENTS_OK);
        events_producer_set_receipt_cb(p, collect, s);
        return p;
}

/* Receipts for the chosen outcomes only; the counts still see every
 * line. */
static void test_events_producer_receipt_outcomes(void **state) {
        struct mock m;
        struct seen *s = seen_new();
        events_producer_t *p;
        events_producer_counts_t c;
        char line[200];

        (void)state;
        mock_start(&m, 2);
        p = mock_producer(&m, s, NULL);
        events_producer_set_receipt_outcomes(
                p, EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_REJECTED) |
                           EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_SKIPPED));
        for (int i = 1; i <= 30; i++) {
                if (i % 10 == 0)
                        snprintf(line, sizeof(line), "{\"event_type\":1}\n");
                else if (i % 10 == 5)
                        snprintf(line, sizeof(line), "\n");
                else
                        snprintf(line, sizeof(line),
                                 "{\"event_type\":\"a.b\",\"data\":"
                                 "{\"user_id\":%d}}\n",
                                 i);
                submit(p, line, (uint64_t)i);
        }
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        events_producer_counts(p, &c);
        assert_int_equal(c.delivered, 24);
        assert_int_equal(c.rejected, 3);
        assert_int_equal(c.skipped, 3);
        assert_int_equal(s->receipts, 6);
        for (int i = 1; i <= 30; i++)
                assert_int_equal(s->count[i], i % 5 == 0);
        assert_int_equal(s->outcome[10], EVENTS_OUTCOME_REJECTED);
        assert_int_equal(s->outcome[5], EVENTS_OUTCOME_SKIPPED);
        events_producer_destroy(p);
        /* Nothing but deliveries: every line's receipt again. */
        s->receipts = 0;
        p = mock_producer(&m, s, NULL);
        events_producer_set_receipt_outcomes(
                p, EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_DELIVERED));
        submit(p, "{\"event_type\":1}", 31);
        submit(p, "{\"event_type\":\"a.b\",\"data\":{}}", 32);
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        assert_int_equal(s->receipts, 1);
        assert_int_equal(s->outcome[32], EVENTS_OUTCOME_DELIVERED);
        assert_int_equal(s->count[31], 0);
        events_producer_destroy(p);
        mock_stop(&m);
        seen_free(s);
}

static void delivers_every_line(int workers) {
        struct mock m;
        struct seen *s = seen_new();
        events_producer_t *p;
        events_producer_counts_t c;
        char line[200];
        /* the next offset per partition: each user's events, in order */
        int64_t last[4][8];

        memset(last, 0xff, sizeof(last));
        mock_start(&m, 4);
        /* a tiny queue: the producer must wait for room, never drop */
        p = mock_producer(&m, s, "queue.buffering.max.messages=16");
        assert_int_equal(events_producer_set_workers(p, workers), EVENTS_OK);
        for (int i = 1; i <= 1000; i++) {
                snprintf(line, sizeof(line),
                         "{\"event_type\":\"user.login\",\"data\":"
                         "{\"user_id\":%d,\"n\":%d}}\n",
                         i % 8, i);
                assert_int_not_equal(submit(p, line, (uint64_t)i),
                                     EVENTS_OUTCOME_FAILED);
                assert_counts_add_up(p);
        }
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        events_producer_counts(p, &c);
        assert_int_equal(c.delivered, 1000);
        assert_int_equal(c.in_flight, 0);
        assert_int_equal(s->receipts, 1000);
        for (int i = 1; i <= 1000; i++) {
                int u = i % 8, part = s->partition[i];

                assert_int_equal(s->count[i], 1);
                assert_int_equal(s->outcome[i], EVENTS_OUTCOME_DELIVERED);
                assert_in_range(part, 0, 3);
                /* a user's lines rise in offset on one partition */
                for (int q = 0; q < 4; q++)
                        if (q != part)
                                assert_true(last[q][u] == -1);
                assert_true(s->offset[i] > last[part][u]);
                last[part][u] = s->offset[i];
        }
        events_producer_destroy(p);
        mock_stop(&m);
        seen_free(s);
}

static void test_events_producer_submit_delivers_every_line(void **state) {
        delivers_every_line(0);
}

static void test_events_producer_set_workers_keeps_order(void **state) {
        delivers_every_line(2);
}

/* With workers, every outcome still comes back once per line, rejections
 * included, and the messages are those a single thread would send. */
static void test_events_producer_set_workers_same_outcomes(void **state) {
        struct seen *one = seen_new(), *many = seen_new();
        events_producer_t *p1 = dry_producer(one), *p2 = dry_producer(many);
        char line[200];
        events_producer_counts_t c1, c2;

        assert_int_equal(events_producer_set_workers(p2, 3), EVENTS_OK);
        assert_int_equal(events_producer_set_workers(p2, 1), EVENTS_ERR_STATE);
        assert_int_equal(events_producer_set_workers(p1, -1),
                         EVENTS_ERR_INVALID_ARG);
        for (int i = 1; i < MAXLINES; i++) {
                switch (i % 5) {
                case 0:
                        snprintf(line, sizeof(line), "{\"event_type\":");
                        break;
                case 1:
                        snprintf(line, sizeof(line), " \r\n");
                        break;
                default:
                        snprintf(line, sizeof(line),
                                 "{\"event_type\":\"a\",\"data\":{\"user_id\":%"
                                 "d},"
                                 "\"timestamp\":\"2026-11-27T18:05:00.%06dZ\"}"
                                 "\n",
                                 i, i);
                }
                submit(p1, line, (uint64_t)i);
                assert_int_equal(submit(p2, line, (uint64_t)i),
                                 EVENTS_OUTCOME_QUEUED);
                assert_counts_add_up(p2);
        }
        assert_int_equal(events_producer_close(p2, 1000), EVENTS_OK);
        events_producer_counts(p1, &c1);
        events_producer_counts(p2, &c2);
        assert_int_equal(c2.in_flight, 0);
        assert_memory_equal(&c1, &c2, sizeof(c1));
        for (int i = 1; i < MAXLINES; i++) {
                assert_int_equal(many->count[i], 1);
                assert_int_equal(many->outcome[i], one->outcome[i]);
                assert_int_equal(many->code[i], one->code[i]);
                if (one->msg[i])
                        assert_string_equal(many->msg[i], one->msg[i]);
                if (one->input[i])
                        assert_string_equal(many->input[i], one->input[i]);
        }
        events_producer_destroy(p1);
        events_producer_destroy(p2);
        seen_free(one);
        seen_free(many);
}

/* Lines still in the pipeline at destroy get their receipts. */
static void test_events_producer_destroy_drains_workers(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);

        assert_int_equal(events_producer_set_workers(p, 2), EVENTS_OK);
        for (int i = 1; i <= 100; i++)
                submit(p, "{\"event_type\":\"a\",\"data\":{}}", (uint64_t)i);
        events_producer_destroy(p);
        assert_int_equal(s->receipts, 100);
        seen_free(s);
}

/* A partitioner no producer can predict: the default's choice, moved on
 * by one. */
static int32_t shifted_partitioner(const rd_kafka_topic_t *rkt, const void *key,
                                   size_t keylen, int32_t cnt, void *rkt_opaque,
                                   void *msg_opaque) {
        return (rd_kafka_msg_partitioner_consistent(rkt, key, keylen, cnt,
                                                    rkt_opaque, msg_opaque) +
                1) %
               cnt;
}

/*
 * Lines of 40 users over 3 partitions, with @p workers, and
 * events_producer_set_partition_runs(@p windows). Whether or not the
 * producer sends them in partition runs (@p runs: whether it must have),
 * each partition receives its lines in input order: offsets rise with line
 * numbers across all the users of a partition, not only within each one.
 * @p partitioner: a "partitioner" property, or NULL; @p shifted: use
 * shifted_partitioner() instead.
 */
static void partition_order(const char *partitioner, int shifted, int runs,
                            int workers, int windows) {
        struct mock m;
        struct seen *s = seen_new();
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_producer_t *p = NULL;
        events_producer_counts_t c;
        char line[200], kv[600];
        int64_t last[3] = {-1, -1, -1};
        int n = MAXLINES - 1, on = 0;
        /* librdkafka's partitioner for these keys, which are never empty */
        int32_t (*want)(const rd_kafka_topic_t *, const void *, size_t, int32_t,
                        void *, void *) =
                shifted        ? shifted_partitioner
                : !partitioner ? rd_kafka_msg_partitioner_consistent
                : !strcmp(partitioner, "murmur2_random")
                        ? rd_kafka_msg_partitioner_murmur2
                        : NULL;

        mock_start(&m, 3);
        snprintf(kv, sizeof(kv), "bootstrap.servers=%s", m.bootstraps);
        assert_int_equal(events_kafka_conf_set(conf, kv, NULL), EVENTS_OK);
        /* Reports must come back during the pauses below, under valgrind
         * too, for runs to be confirmed: no waiting for batches. */
        assert_int_equal(events_kafka_conf_set(conf, "linger.ms=1", NULL),
                         EVENTS_OK);
        if (partitioner) {
                snprintf(kv, sizeof(kv), "partitioner=%s", partitioner);
                assert_int_equal(events_kafka_conf_set(conf, kv, NULL),
                                 EVENTS_OK);
        }
        if (shifted) {
                /* made by events_producer_conf_new()'s acks=all */
                rd_kafka_topic_conf_t *tc =
                        rd_kafka_conf_get_default_topic_conf(conf);

                assert_non_null(tc);
                rd_kafka_topic_conf_set_partitioner_cb(tc, shifted_partitioner);
        }
        assert_int_equal(events_producer_new(&p, conf, "t", NULL), EVENTS_OK);
        events_producer_set_receipt_cb(p, collect, s);
        assert_int_equal(events_producer_set_workers(p, workers), EVENTS_OK);
        events_producer_set_partition_runs(p, windows);
        for (int i = 1; i <= n; i++) {
                events_error_t e;
                events_outcome_t oc;

                /* every 97th line is cut short: rejected */
                snprintf(line, sizeof(line),
                         "{\"event_type\":\"user.login\",\"data\":"
                         "{\"user_id\":\"u%d\",\"n\":%d}%s",
                         i % 40, i, i % 97 ? "}" : "");
                oc = events_producer_submit(p, line, strlen(line), (uint64_t)i,
                                            &e);
                /* Without workers a rejection is known at once, with
                 * runs as without. */
                if (i % 97 == 0 && !workers) {
                        assert_int_equal(oc, EVENTS_OUTCOME_REJECTED);
                        assert_int_equal(e.code, EVENTS_ERR_JSON);
                        assert_int_equal(s->outcome[i],
                                         EVENTS_OUTCOME_REJECTED);
                } else {
                        assert_int_equal(oc, EVENTS_OUTCOME_QUEUED);
                }
                on |= events__producer_runs_on(p);
                /* An input that pauses now and then, long enough for the
                 * reports of what was sent to come back (however slow the
                 * machine or valgrind): they are what confirms runs. */
                for (int w = 0; i % 1000 == 0 && w < 400; w++) {
                        events_producer_counts(p, &c);
                        if (!c.in_flight)
                                break;
                        events_producer_poll(p, 50);
                }
                /* Windows asked for can be turned off and on again with
                 * lines waiting: each partition's order holds. */
                if (windows && i == 2500) {
                        events_producer_set_partition_runs(p, 0);
                        assert_false(events__producer_runs_on(p));
                } else if (windows && i == 3000) {
                        events_producer_set_partition_runs(p, 1);
                }
        }
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        events_producer_counts(p, &c);
        assert_int_equal(c.rejected, (uint64_t)(n / 97));
        assert_int_equal(c.delivered, (uint64_t)(n - n / 97));
        assert_int_equal(s->receipts, n);
        assert_int_equal(on, runs);
        for (int i = 1; i <= n; i++) {
                int part = s->partition[i];

                assert_int_equal(s->count[i], 1);
                if (i % 97 == 0) {
                        assert_int_equal(s->outcome[i],
                                         EVENTS_OUTCOME_REJECTED);
                        continue;
                }
                assert_in_range(part, 0, 2);
                assert_true(s->offset[i] > last[part]);
                last[part] = s->offset[i];
                /* The partition the configured partitioner gives the key,
                 * however the line was sent. */
                if (want) {
                        snprintf(line, sizeof(line), "u%d", i % 40);
                        assert_int_equal(part, want(NULL, line, strlen(line), 3,
                                                    NULL, NULL));
                }
        }
        for (int q = 0; q < 3; q++)
                assert_true(last[q] >= 0);
        events_producer_destroy(p);
        mock_stop(&m);
        seen_free(s);
}

/* The default partitioner is predicted: lines go in partition runs. */
/* With partitioner=consistent, keyless lines all go where librdkafka's
 * consistent partitioner sends them (one partition), as they would
 * without events-producer: no sticky partitions, even while keyed lines
 * are partitioned with a hint. */
static void test_events_producer_consistent_keyless_stay(void **state) {
        struct mock m;
        struct seen *s = seen_new();
        events_producer_t *p;
        char line[200];
        int32_t want = rd_kafka_msg_partitioner_consistent(NULL, NULL, 0, 3,
                                                           NULL, NULL);

        (void)state;
        mock_start(&m, 3);
        p = mock_producer(&m, s, "partitioner=consistent");
        events_producer_set_partition_runs(p, 1);
        for (int i = 1; i <= 600; i++) {
                /* even lines have a key (user_id), odd ones none */
                if (i % 2)
                        snprintf(line, sizeof(line),
                                 "{\"event_type\":\"a.b\",\"data\":"
                                 "{\"n\":%d}}",
                                 i);
                else
                        snprintf(line, sizeof(line),
                                 "{\"event_type\":\"a.b\",\"data\":"
                                 "{\"user_id\":%d}}",
                                 i % 13);
                submit(p, line, (uint64_t)i);
                /* time for a sticky partition to change, were it used */
                if (i % 50 == 0)
                        events_producer_poll(p, 30);
        }
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        for (int i = 1; i <= 600; i += 2) {
                assert_int_equal(s->outcome[i], EVENTS_OUTCOME_DELIVERED);
                assert_int_equal(s->partition[i], want);
        }
        events_producer_destroy(p);
        mock_stop(&m);
        seen_free(s);
}

static void test_events_producer_runs_keep_partition_order(void **state) {
        partition_order(NULL, 0, 1, 2, 0);
        partition_order("murmur2_random", 0, 1, 2, 0);
        partition_order(NULL, 0, 1, 0, 1);
}

/* A partitioner that cannot be predicted turns runs off; without workers
 * they are off unless asked for. */
static void test_events_producer_runs_off_when_unpredictable(void **state) {
        partition_order("random", 0, 0, 2, 0);
        partition_order(NULL, 1, 0, 2, 0);
        partition_order(NULL, 1, 0, 0, 1);
        /* without workers, only when asked for */
        partition_order(NULL, 0, 0, 0, 0);
}

/* A consumer of the mock cluster's partition 0 of "t", from the start. */
static rd_kafka_t *mock_consumer(struct mock *m) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_t *consumer;
        char errstr[256];

        rd_kafka_conf_set(conf, "bootstrap.servers", m->bootstraps, errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "group.id", "g", errstr, sizeof(errstr));
        consumer =
                rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        assert_non_null(consumer);
        parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, "t", 0)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
        assert_int_equal(rd_kafka_assign(consumer, parts), 0);
        rd_kafka_topic_partition_list_destroy(parts);
        return consumer;
}

/* The next message of @p consumer, waiting up to 10 s for it. */
static rd_kafka_message_t *next_message(rd_kafka_t *consumer) {
        rd_kafka_message_t *msg = NULL;

        for (int i = 0; i < 100 && !msg; i++) {
                msg = rd_kafka_consumer_poll(consumer, 100);
                if (msg && msg->err) {
                        rd_kafka_message_destroy(msg);
                        msg = NULL;
                }
        }
        assert_non_null(msg);
        return msg;
}

static void close_consumer(rd_kafka_t *consumer) {
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
}

static void test_events_producer_submit_key_header_timestamp(void **state) {
        struct mock m;
        struct seen *s = seen_new();
        events_producer_t *p;
        rd_kafka_t *consumer;
        rd_kafka_message_t *msg;
        rd_kafka_headers_t *hdrs;
        rd_kafka_timestamp_type_t tstype;
        const void *val;
        size_t vlen;
        const char *in = "{\"event_type\":\"user.created\",\"data\":"
                         "{\"user_id\":\"u-42\"},"
                         "\"timestamp\":\"2026-11-27T18:05:00.123456Z\"}";

        mock_start(&m, 1);
        p = mock_producer(&m, s, NULL);
        assert_int_equal(submit(p, in, 1), EVENTS_OUTCOME_QUEUED);
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        assert_int_equal(s->outcome[1], EVENTS_OUTCOME_DELIVERED);

        consumer = mock_consumer(&m);
        msg = next_message(consumer);
        assert_int_equal(msg->len, strlen(in));
        assert_memory_equal(msg->payload, in, msg->len);
        assert_int_equal(msg->key_len, 4);
        assert_memory_equal(msg->key, "u-42", 4);
        assert_int_equal(rd_kafka_message_timestamp(msg, &tstype),
                         1795802700123LL);
        assert_int_equal(rd_kafka_message_headers(msg, &hdrs), 0);
        assert_int_equal(
                rd_kafka_header_get_last(hdrs, "event_type", &val, &vlen), 0);
        assert_int_equal(vlen, strlen("user.created"));
        assert_memory_equal(val, "user.created", vlen);
        rd_kafka_message_destroy(msg);
        close_consumer(consumer);
        events_producer_destroy(p);
        mock_stop(&m);
        seen_free(s);
}

/* Messages of three types in waves, each wave flushed (its delivery
 * reports served) before the next: each message carries exactly one
 * header, its own type. */
static void test_events_producer_headers_match_type(void **state) {
        static const char *const types[] = {"user.created", "user.login",
                                            "order.placed.with.a.longer.type"};
        struct mock m;
        struct seen *s = seen_new();
        events_producer_t *p;
        rd_kafka_t *consumer;
        char line[200];
        int n = 0;

        (void)state;
        mock_start(&m, 1);
        p = mock_producer(&m, s, NULL);
        for (int wave = 0; wave < 4; wave++) {
                for (int i = 0; i < 30; i++) {
                        n++;
                        snprintf(line, sizeof(line),
                                 "{\"event_type\":\"%s\",\"data\":"
                                 "{\"user_id\":%d}}",
                                 types[(n * 7 + wave) % 3], n);
                        assert_int_equal(submit(p, line, (uint64_t)n),
                                         EVENTS_OUTCOME_QUEUED);
                }
                assert_int_equal(events_producer_flush(p, 10000), EVENTS_OK);
        }
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        consumer = mock_consumer(&m);
        for (int i = 1; i <= n; i++) {
                rd_kafka_message_t *msg = next_message(consumer);
                rd_kafka_headers_t *hdrs;
                const char *name;
                const void *val;
                size_t vlen;
                const char *want = types[(i * 7 + (i - 1) / 30) % 3];

                assert_true(msg->len > 16 + strlen(want));
                assert_memory_equal((const char *)msg->payload + 15, want,
                                    strlen(want));
                assert_int_equal(rd_kafka_message_headers(msg, &hdrs), 0);
                assert_int_equal(rd_kafka_header_cnt(hdrs), 1);
                assert_int_equal(
                        rd_kafka_header_get_all(hdrs, 0, &name, &val, &vlen),
                        0);
                assert_string_equal(name, "event_type");
                assert_int_equal(vlen, strlen(want));
                assert_memory_equal(val, want, vlen);
                rd_kafka_message_destroy(msg);
        }
        close_consumer(consumer);
        events_producer_destroy(p);
        mock_stop(&m);
        seen_free(s);
}

static void test_events_producer_flush_times_out_then_fails(void **state) {
        struct seen *s = seen_new();
        /* nobody listens on port 1: messages expire after 300 ms */
        events_producer_t *p = unreachable_producer("message.timeout.ms=300");
        events_producer_counts_t c;

        events_producer_set_receipt_cb(p, collect, s);
        for (int i = 1; i <= 5; i++)
                assert_int_equal(submit(p, "{\"event_type\":\"a\",\"data\":{}}",
                                        (uint64_t)i),
                                 EVENTS_OUTCOME_QUEUED);
        assert_int_equal(events_producer_flush(p, 10000), EVENTS_OK);
        events_producer_counts(p, &c);
        assert_int_equal(c.failed, 5);
        assert_int_equal(c.failed_permanent, 0);
        for (int i = 1; i <= 5; i++) {
                assert_int_equal(s->outcome[i], EVENTS_OUTCOME_FAILED);
                assert_int_equal(s->code[i], EVENTS_ERR_KAFKA);
                assert_true(s->retriable[i]);
                /* the message itself comes back, for a replay */
                assert_non_null(strstr(s->msg[i], "\"timestamp\""));
        }
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_close_purges_the_rest(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = unreachable_producer(NULL);
        events_producer_counts_t c;

        events_producer_set_receipt_cb(p, collect, s);
        for (int i = 1; i <= 50; i++)
                submit(p, "{\"event_type\":\"a\",\"data\":{}}", (uint64_t)i);
        assert_int_equal(events_producer_close(p, 100), EVENTS_ERR_TIMED_OUT);
        events_producer_counts(p, &c);
        assert_int_equal(c.in_flight, 0);
        assert_int_equal(c.failed, 50);
        assert_int_equal(s->receipts, 50);
        for (int i = 1; i <= 50; i++)
                assert_int_equal(s->count[i], 1);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_interrupt_fails_later_lines(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events_error_t e;

        events_producer_interrupt(p);
        assert_int_equal(
                events_producer_submit(p, "{\"event_type\":\"a\",\"data\":{}}",
                                       28, 1, &e),
                EVENTS_OUTCOME_FAILED);
        assert_int_equal(e.code, EVENTS_ERR_STATE);
        assert_int_equal(s->outcome[1], EVENTS_OUTCOME_FAILED);
        assert_true(s->retriable[1]);
        assert_counts_add_up(p);
        events_producer_destroy(p);
        seen_free(s);
}

static void *interrupt_soon(void *arg) {
        struct timespec ts = {0, 100 * 1000 * 1000};

        nanosleep(&ts, NULL);
        events_producer_interrupt(arg);
        return NULL;
}

/* A producer whose broker never answers, so that nothing is ever
 * delivered while the test runs. */
static events_producer_t *stuck_producer(struct seen *s, const char *extra) {
        events_producer_t *p = unreachable_producer(extra);

        events_producer_set_receipt_cb(p, collect, s);
        return p;
}

/* Queue full: submit waits for room (it never drops the line) until it is
 * interrupted; then the line fails, retriable, and is accounted for. */
static void test_events_producer_submit_waits_when_queue_full(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p =
                stuck_producer(s, "queue.buffering.max.messages=1");
        events_error_t e;
        pthread_t t;

        assert_int_equal(submit(p, "{\"event_type\":\"a\",\"data\":{}}", 1),
                         EVENTS_OUTCOME_QUEUED);
        assert_int_equal(pthread_create(&t, NULL, interrupt_soon, p), 0);
        assert_int_equal(
                events_producer_submit(p, "{\"event_type\":\"a\",\"data\":{}}",
                                       28, 2, &e),
                EVENTS_OUTCOME_FAILED);
        pthread_join(t, NULL);
        assert_int_equal(e.code, EVENTS_ERR_STATE);
        assert_int_equal(s->outcome[2], EVENTS_OUTCOME_FAILED);
        assert_true(s->retriable[2]);
        assert_counts_add_up(p);
        events_producer_destroy(p);
        assert_int_equal(s->count[1], 1); /* purged at destroy */
        seen_free(s);
}

/* --rate: a line waits for its token, and an interrupt ends the wait. */
static void test_events_producer_set_rate_waits_for_token(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = stuck_producer(s, NULL);
        pthread_t t;

        /* one token every 100 s: the first line takes the only one */
        assert_int_equal(events_producer_set_rate(p, 0.01), EVENTS_OK);
        assert_int_equal(submit(p, "{\"event_type\":\"a\",\"data\":{}}", 1),
                         EVENTS_OUTCOME_QUEUED);
        assert_int_equal(pthread_create(&t, NULL, interrupt_soon, p), 0);
        assert_int_equal(submit(p, "{\"event_type\":\"a\",\"data\":{}}", 2),
                         EVENTS_OUTCOME_FAILED);
        pthread_join(t, NULL);
        assert_int_equal(s->code[2], EVENTS_ERR_STATE);
        assert_counts_add_up(p);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_destroy_reports_pending(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = unreachable_producer(NULL);

        events_producer_set_receipt_cb(p, collect, s);
        submit(p, "{\"event_type\":\"a\",\"data\":{}}", 1);
        events_producer_destroy(p);
        assert_int_equal(s->count[1], 1);
        assert_int_equal(s->outcome[1], EVENTS_OUTCOME_FAILED);
        seen_free(s);
}

static void test_events_producer_new_bad_conf(void **state) {
        events_producer_t *p = NULL;
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_error_t e;

        assert_int_equal(events_producer_new(&p, conf, NULL, &e),
                         EVENTS_ERR_INVALID_ARG);
        assert_null(p);
        /* idempotence with acks=1 is refused by librdkafka; conf stays ours */
        assert_int_equal(events_kafka_conf_set(conf, "acks=1", NULL),
                         EVENTS_OK);
        assert_int_equal(events_producer_new(&p, conf, "t", &e),
                         EVENTS_ERR_CONF);
        assert_null(p);
        rd_kafka_conf_destroy(conf);
        /* A topic librdkafka refuses (a name over 512 bytes), after
         * librdkafka made a handle: the topic configuration made for it is
         * freed once, and conf is still ours, usable again (valgrind,
         * ASan: events-producer freed it a second time). */
        {
                char topic[600], val[16];
                size_t vlen = sizeof(val);

                memset(topic, 't', sizeof(topic) - 1);
                topic[sizeof(topic) - 1] = '\0';
                conf = events_producer_conf_new();
                assert_int_equal(
                        events_kafka_conf_set(conf, "log_level=0", NULL),
                        EVENTS_OK);
                assert_int_equal(events_producer_new(&p, conf, topic, &e),
                                 EVENTS_ERR_KAFKA);
                assert_null(p);
                assert_non_null(strstr(e.text, "refused (599 bytes)"));
                assert_int_equal(
                        rd_kafka_conf_get(conf, "log_level", val, &vlen),
                        RD_KAFKA_CONF_OK);
                assert_string_equal(val, "0");
                /* Taken on success: nothing for us to free afterwards. */
                assert_int_equal(events_producer_new(&p, conf, "t", &e),
                                 EVENTS_OK);
                events_producer_destroy(p);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_producer_receipt_outcomes),
                cmocka_unit_test(
                        test_events_producer_submit_delivers_every_line),
                cmocka_unit_test(test_events_producer_set_workers_keeps_order),
                cmocka_unit_test(
                        test_events_producer_set_workers_same_outcomes),
                cmocka_unit_test(test_events_producer_destroy_drains_workers),
                cmocka_unit_test(
                        test_events_producer_runs_keep_partition_order),
                cmocka_unit_test(test_events_producer_consistent_keyless_stay),
                cmocka_unit_test(
                        test_events_producer_runs_off_when_unpredictable),
                cmocka_unit_test(
                        test_events_producer_submit_key_header_timestamp),
                cmocka_unit_test(
                        test_events_producer_flush_times_out_then_fails),
                cmocka_unit_test(test_events_producer_headers_match_type),
                cmocka_unit_test(test_events_producer_close_purges_the_rest),
                cmocka_unit_test(
                        test_events_producer_interrupt_fails_later_lines),
                cmocka_unit_test(
                        test_events_producer_submit_waits_when_queue_full),
                cmocka_unit_test(test_events_producer_set_rate_waits_for_token),
                cmocka_unit_test(test_events_producer_destroy_reports_pending),
                cmocka_unit_test(test_events_producer_new_bad_conf),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
