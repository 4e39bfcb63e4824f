/*
 * test_producer.c - the producer API: shaping lines into messages, the
 * receipts and counters, and delivery against librdkafka's mock cluster
 * (no broker needed).
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

#include "events_int.h"
#include "producer_int.h"

#define MAXLINES 4096

/* Every receipt, by line number. */
struct seen {
        int count[MAXLINES];
        events_outcome_t outcome[MAXLINES];
        int32_t partition[MAXLINES];
        int64_t offset[MAXLINES];
        events_err_t code[MAXLINES];
        int retriable[MAXLINES];
        char *msg[MAXLINES];
        char *input[MAXLINES];
        int receipts;
};

static char *dup_bytes(const char *b, size_t n) {
        char *s = malloc(n + 1);

        assert_non_null(s);
        if (n)
                memcpy(s, b, n);
        s[n] = '\0';
        return s;
}

static void collect(const events_receipt_t *r, void *opaque) {
        struct seen *s = opaque;
        uint64_t line = events_receipt_line(r);
        const char *b;
        size_t n;

        assert_true(line < MAXLINES);
        s->receipts++;
        s->count[line]++;
        s->outcome[line] = events_receipt_outcome(r);
        s->partition[line] = events_receipt_partition(r);
        s->offset[line] = events_receipt_offset(r);
        s->code[line] = events_receipt_error(r)->code;
        s->retriable[line] = events_receipt_retriable(r);
        if ((b = events_receipt_message(r, &n))) {
                free(s->msg[line]);
                s->msg[line] = dup_bytes(b, n);
        }
        if ((b = events_receipt_input(r, &n))) {
                free(s->input[line]);
                s->input[line] = dup_bytes(b, n);
        }
}

static struct seen *seen_new(void) {
        struct seen *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        return s;
}

static void seen_free(struct seen *s) {
        for (int i = 0; i < MAXLINES; i++) {
                free(s->msg[i]);
                free(s->input[i]);
        }
        free(s);
}

static events_producer_t *dry_producer(struct seen *s) {
        events_producer_t *p = NULL;

        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_receipt_cb(p, collect, s);
        return p;
}

static events_outcome_t submit(events_producer_t *p, const char *line,
                               uint64_t n) {
        return events_producer_submit(p, line, strlen(line), n, NULL);
}

static void assert_counts_add_up(events_producer_t *p) {
        events_producer_counts_t c;

        events_producer_counts(p, &c);
        assert_int_equal(c.read, c.skipped + c.rejected + c.delivered +
                                         c.failed + c.in_flight);
}

/* ---- shaping, in dry runs ---- */

static void test_events_producer_submit_keeps_normalized_input(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        const char *in =
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1},"
                "\"timestamp\":\"2026-11-27T18:05:00.123456Z\",\"z\":1}";

        assert_int_equal(submit(p, in, 1), EVENTS_OUTCOME_DELIVERED);
        assert_string_equal(s->msg[1], in);
        assert_int_equal(s->count[1], 1);
        events_producer_destroy(p);
        seen_free(s);
}

/* Lines without the key path are counted: the -k mistake made visible. */
static void test_events_producer_counts_no_key(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events_producer_counts_t c;

        submit(p, "{\"event_type\":\"a\",\"data\":{\"user_id\":1}}", 1);
        submit(p, "{\"event_type\":\"a\",\"data\":{\"id\":2}}", 2);
        submit(p, "{\"event_type\":\"a\",\"data\":{\"user_id\":null}}", 3);
        submit(p, "not json", 4); /* rejected: not counted as sent */
        events_producer_counts(p, &c);
        assert_int_equal(c.delivered, 3);
        assert_int_equal(c.no_key, 2);
        /* No key wanted: nothing is missing. */
        assert_int_equal(events_producer_set_key_path(p, NULL), EVENTS_OK);
        submit(p, "{\"event_type\":\"a\",\"data\":{\"id\":5}}", 5);
        events_producer_counts(p, &c);
        assert_int_equal(c.no_key, 2);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_submit_splices_timestamp(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);

        /* an offset is normalized in place, other bytes untouched */
        submit(p,
               "{\"event_type\":\"a\", \"timestamp\": "
               "\"2026-11-27T19:05:00+01:00\""
               ", \"data\":{\"user_id\":1}}",
               1);
        assert_string_equal(s->msg[1], "{\"event_type\":\"a\", \"timestamp\": "
                                       "\"2026-11-27T18:05:00.000000Z\", "
                                       "\"data\":{\"user_id\":1}}");
        /* an absent one is appended before the final brace */
        submit(p, "{\"event_type\":\"a\",\"data\":{}} ", 2);
        {
                const char *pre = "{\"event_type\":\"a\",\"data\":{},"
                                  "\"timestamp\":\"";
                size_t n = strlen(pre);

                assert_int_equal(strncmp(s->msg[2], pre, n), 0);
                assert_int_equal(strlen(s->msg[2]),
                                 n + EVENTS_TIMESTAMP_LEN + 2);
                assert_string_equal(s->msg[2] + n + EVENTS_TIMESTAMP_LEN,
                                    "\"}");
        }
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_submit_escaped_key_serializes(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);

        /* the raw bytes cannot tell whether "d\u0061ta" is a known member:
         * the event is serialized instead of spliced */
        assert_int_equal(
                submit(p,
                       "{\"event_type\":\"a\",\"d\\u0061ta\":{\"user_id\":1}}",
                       1),
                EVENTS_OUTCOME_DELIVERED);
        assert_int_equal(
                strncmp(s->msg[1],
                        "{\"event_type\":\"a\",\"data\":{\"user_id\":1},"
                        "\"timestamp\":\"",
                        strlen("{\"event_type\":\"a\",\"data\":{\"user_"
                               "id\":1},\"timestamp\":\"")),
                0);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_submit_restamp_replaces(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        const char *in = "{\"event_type\":\"a\",\"data\":{},"
                         "\"timestamp\":\"2001-01-01T00:00:00.000000Z\"}";

        events_producer_set_restamp(p, 1);
        submit(p, in, 1);
        assert_int_equal(strlen(s->msg[1]), strlen(in));
        assert_null(strstr(s->msg[1], "2001-01-01"));
        events_producer_destroy(p);
        seen_free(s);
}

/* A stamp time given is what lines without a timestamp get, on the lite
 * path (a layout seen twice) and the full one (--type); a line's own
 * timestamp is kept; 0 goes back to the clock. */
static void test_events_producer_stamp_time(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        const char *bare = "{\"event_type\":\"a\",\"data\":{\"n\":1}}",
                   *own = "{\"event_type\":\"a\",\"data\":{},"
                          "\"timestamp\":\"2001-01-01T00:00:00.000000Z\"}";
        const int64_t t = 1795802700123456LL; /* 2026-11-27T18:05:00.123456Z */
        events_event_t *ev = NULL;
        int64_t before;

        (void)state;
        events_producer_set_stamp_time(p, t);
        for (int i = 1; i <= 3; i++)
                assert_int_equal(submit(p, bare, (uint64_t)i),
                                 EVENTS_OUTCOME_DELIVERED);
        submit(p, own, 4);
        for (int i = 1; i <= 3; i++)
                assert_non_null(
                        strstr(s->msg[i], "\"2026-11-27T18:05:00.123456Z\""));
        assert_non_null(strstr(s->msg[4], "2001-01-01T00:00:00.000000Z"));
        assert_int_equal(events_producer_set_wrap_type(p, "a"), EVENTS_OK);
        submit(p, "{\"n\":2}", 5);
        assert_non_null(strstr(s->msg[5], "2026-11-27T18:05:00.123456Z"));
        events_producer_destroy(p);
        /* Back to the clock. */
        p = dry_producer(s);
        events_producer_set_stamp_time(p, t);
        events_producer_set_stamp_time(p, 0);
        before = events_now_us();
        submit(p, bare, 6);
        assert_int_equal(
                events_event_parse(&ev, s->msg[6], strlen(s->msg[6]), NULL),
                EVENTS_OK);
        assert_true(events_event_timestamp_us(ev) >= before);
        assert_true(events_event_timestamp_us(ev) <= events_now_us());
        events_event_destroy(ev);
        events_producer_destroy(p);
        seen_free(s);
}

/* A schema added to the registry while producing reaches the next line of
 * a layout whose plan was made with the old one. */
static void test_events_producer_registry_change_reaches_layout(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events_registry_t *reg = NULL;
        const char *line = "{\"event_type\":\"t.r\",\"data\":{\"n\":5}}";
        json_t *loose = json_loads("{\"properties\":{\"n\":{\"maximum\":10}}}",
                                   0, NULL),
               *strict = json_loads("{\"properties\":{\"n\":{\"maximum\":3}}}",
                                    0, NULL);

        (void)state;
        assert_non_null(loose);
        assert_non_null(strict);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_add(reg, "t.r", loose, NULL),
                         EVENTS_OK);
        events_producer_set_registry(p, reg);
        /* The second and third lines take the layout and its plan. */
        for (int i = 1; i <= 3; i++)
                assert_int_equal(submit(p, line, (uint64_t)i),
                                 EVENTS_OUTCOME_DELIVERED);
        assert_int_equal(events_registry_add(reg, "t.r", strict, NULL),
                         EVENTS_OK);
        assert_int_equal(submit(p, line, 4), EVENTS_OUTCOME_REJECTED);
        assert_int_equal(s->code[4], EVENTS_ERR_VALIDATION);
        events_producer_destroy(p);
        events_registry_destroy(reg);
        json_decref(loose);
        json_decref(strict);
        seen_free(s);
}

static void test_events_producer_submit_wraps_type(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events_event_t *ev = NULL;

        assert_int_equal(events_producer_set_wrap_type(p, "bad type"),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_producer_set_wrap_type(p, "user.login"),
                         EVENTS_OK);
        assert_int_equal(submit(p, "{\"user_id\":7}\n", 1),
                         EVENTS_OUTCOME_DELIVERED);
        assert_int_equal(
                events_event_parse(&ev, s->msg[1], strlen(s->msg[1]), NULL),
                EVENTS_OK);
        assert_string_equal(events_event_type(ev), "user.login");
        assert_true(events_event_has_timestamp(ev));
        assert_int_equal(json_integer_value(json_object_get(
                                 events_event_data(ev), "user_id")),
                         7);
        events_event_destroy(ev);
        /* a bare line must be an object */
        assert_int_equal(submit(p, "[1,2]", 2), EVENTS_OUTCOME_REJECTED);
        assert_int_equal(s->code[2], EVENTS_ERR_ENVELOPE);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_submit_validates(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events_registry_t *reg = NULL;
        events_error_t e;
        const char *dir = getenv("EVENTS_SCHEMAS_DIR");

        assert_non_null(dir);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_load_dir(reg, dir, NULL), EVENTS_OK);
        events_producer_set_registry(p, reg);
        assert_int_equal(
                submit(p,
                       "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,"
                       "\"ip\":\"203.0.113.7\",\"method\":\"password\"}}",
                       1),
                EVENTS_OUTCOME_DELIVERED);
        /* every failure is named, by its JSON pointer */
        assert_int_equal(
                events_producer_submit(p,
                                       "{\"event_type\":\"user.login\","
                                       "\"data\":{\"user_id\":0,"
                                       "\"ip\":\"203.0.113.7\",\"method\":"
                                       "[\"carrier pigeon\"]}}",
                                       95, 2, &e),
                EVENTS_OUTCOME_REJECTED);
        assert_int_equal(e.code, EVENTS_ERR_VALIDATION);
        assert_non_null(strstr(e.text, "/data/user_id"));
        assert_non_null(strstr(e.text, "/data/method"));
        assert_int_equal(s->code[2], EVENTS_ERR_VALIDATION);
        /* a type without a schema: rejected, unless allowed */
        assert_int_equal(submit(p, "{\"event_type\":\"x.y\",\"data\":{}}", 3),
                         EVENTS_OUTCOME_REJECTED);
        assert_int_equal(s->code[3], EVENTS_ERR_NO_SCHEMA);
        events_registry_set_unknown_type(reg, EVENTS_UNKNOWN_TYPE_ALLOW);
        assert_int_equal(submit(p, "{\"event_type\":\"x.y\",\"data\":{}}", 4),
                         EVENTS_OUTCOME_DELIVERED);
        events_producer_destroy(p);
        events_registry_destroy(reg);
        seen_free(s);
}

static void test_events_producer_submit_rejects_bad_lines(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events_error_t e;
        events_producer_counts_t c;

        assert_int_equal(events_producer_submit(p, "{\"a\":", 5, 1, &e),
                         EVENTS_OUTCOME_REJECTED);
        assert_int_equal(e.code, EVENTS_ERR_JSON);
        assert_int_equal(submit(p, "{\"event_type\":\"a\",\"data\":1}", 2),
                         EVENTS_OUTCOME_REJECTED);
        assert_int_equal(s->code[2], EVENTS_ERR_ENVELOPE);
        assert_int_equal(submit(p,
                                "{\"event_type\":\"a\",\"data\":{},"
                                "\"timestamp\":\"yesterday\"}",
                                3),
                         EVENTS_OUTCOME_REJECTED);
        assert_int_equal(s->code[3], EVENTS_ERR_TIMESTAMP);
        assert_int_equal(submit(p,
                                "{\"event_type\":\"a\",\"a\":1,\"a\":2,"
                                "\"data\":{}}",
                                4),
                         EVENTS_OUTCOME_REJECTED);
        /* the receipt carries the line verbatim, for the reject file */
        assert_string_equal(s->input[1], "{\"a\":");
        events_producer_counts(p, &c);
        assert_int_equal(c.rejected, 4);
        assert_int_equal(c.read, 4);
        assert_int_equal(s->receipts, 4);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_submit_skips_blank_and_crlf(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events_producer_counts_t c;

        assert_int_equal(submit(p, "\n", 1), EVENTS_OUTCOME_SKIPPED);
        assert_int_equal(submit(p, "  \r\n", 2), EVENTS_OUTCOME_SKIPPED);
        assert_int_equal(submit(p, "", 3), EVENTS_OUTCOME_SKIPPED);
        assert_int_equal(
                submit(p, "{\"event_type\":\"a\",\"data\":{\"user_id\":1}}\r\n",
                       4),
                EVENTS_OUTCOME_DELIVERED);
        assert_null(strchr(s->msg[4], '\r'));
        events_producer_counts(p, &c);
        assert_int_equal(c.skipped, 3);
        assert_int_equal(c.delivered, 1);
        assert_int_equal(s->receipts, 4);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_submit_rejects_too_large(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = NULL;
        rd_kafka_conf_t *conf = events_producer_conf_new();
        char big[3000];
        int n;

        assert_int_equal(
                events_kafka_conf_set(conf, "message.max.bytes=2000", NULL),
                EVENTS_OK);
        assert_int_equal(events_kafka_conf_set(
                                 conf, "bootstrap.servers=127.0.0.1:1", NULL),
                         EVENTS_OK);
        assert_int_equal(events_kafka_conf_set(conf, "log_level=0", NULL),
                         EVENTS_OK);
        assert_int_equal(events_producer_new(&p, conf, "t", NULL), EVENTS_OK);
        assert_int_equal(events_producer_max_message_bytes(p), 2000);
        events_producer_set_receipt_cb(p, collect, s);
        n = snprintf(big, sizeof(big),
                     "{\"event_type\":\"a\",\"data\":{\"s\":\"%2500s\"}}", "x");
        assert_int_equal(events_producer_submit(p, big, (size_t)n, 1, NULL),
                         EVENTS_OUTCOME_REJECTED);
        assert_int_equal(s->code[1], EVENTS_ERR_TOO_LARGE);
        assert_counts_add_up(p);
        events_producer_destroy(p);
        seen_free(s);
}

/* The defaults events_producer_conf_new() promises, and that a property
 * set afterwards still wins. */
static void test_events_producer_conf_new_defaults(void **state) {
        rd_kafka_conf_t *conf = events_producer_conf_new();
        static const char *const want[][2] = {
                {"enable.idempotence", "true"},
                {"acks", "-1"},
                {"compression.codec", "none"},
                {"linger.ms", "10"},
        };
        char val[64];
        size_t n;

        (void)state;
        assert_non_null(conf);
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                n = sizeof(val);
                assert_int_equal(rd_kafka_conf_get(conf, want[i][0], val, &n),
                                 RD_KAFKA_CONF_OK);
                assert_string_equal(val, want[i][1]);
        }
        assert_int_equal(events_kafka_conf_set(conf, "linger.ms=0", NULL),
                         EVENTS_OK);
        n = sizeof(val);
        assert_int_equal(rd_kafka_conf_get(conf, "linger.ms", val, &n),
                         RD_KAFKA_CONF_OK);
        assert_string_equal(val, "0");
        rd_kafka_conf_destroy(conf);
}

static void test_events_producer_set_key_path_checks(void **state) {
        events_producer_t *p = NULL;

        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        assert_int_equal(events_producer_set_key_path(p, "data.id"), EVENTS_OK);
        assert_int_equal(events_producer_set_key_path(p, ""), EVENTS_OK);
        assert_int_equal(events_producer_set_key_path(p, NULL), EVENTS_OK);
        assert_int_equal(events_producer_set_rate(p, -1),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_producer_new(NULL, NULL, NULL, NULL),
                         EVENTS_ERR_INVALID_ARG);
        events_producer_destroy(p);
        events_producer_destroy(NULL);
        assert_string_equal(events_outcome_name(EVENTS_OUTCOME_FAILED),
                            "failed");
}

/* ---- delivery, against the mock cluster ---- */

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

static void test_events_producer_submit_key_header_timestamp(void **state) {
        struct mock m;
        struct seen *s = seen_new();
        events_producer_t *p;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *consumer;
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_message_t *msg = NULL;
        rd_kafka_headers_t *hdrs;
        rd_kafka_timestamp_type_t tstype;
        const void *val;
        size_t vlen;
        char errstr[256];
        const char *in = "{\"event_type\":\"user.created\",\"data\":"
                         "{\"user_id\":\"u-42\"},"
                         "\"timestamp\":\"2026-11-27T18:05:00.123456Z\"}";

        mock_start(&m, 1);
        p = mock_producer(&m, s, NULL);
        assert_int_equal(submit(p, in, 1), EVENTS_OUTCOME_QUEUED);
        assert_int_equal(events_producer_close(p, 10000), EVENTS_OK);
        assert_int_equal(s->outcome[1], EVENTS_OUTCOME_DELIVERED);

        rd_kafka_conf_set(conf, "bootstrap.servers", m.bootstraps, errstr,
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
        for (int i = 0; i < 100 && !msg; i++) {
                msg = rd_kafka_consumer_poll(consumer, 100);
                if (msg && msg->err) {
                        rd_kafka_message_destroy(msg);
                        msg = NULL;
                }
        }
        assert_non_null(msg);
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
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
        events_producer_destroy(p);
        mock_stop(&m);
        seen_free(s);
}

static void test_events_producer_flush_times_out_then_fails(void **state) {
        struct seen *s = seen_new();
        events_producer_t *p = NULL;
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_producer_counts_t c;

        /* nobody listens on port 1: messages expire after 300 ms */
        assert_int_equal(events_kafka_conf_set(
                                 conf, "bootstrap.servers=127.0.0.1:1", NULL),
                         EVENTS_OK);
        assert_int_equal(
                events_kafka_conf_set(conf, "message.timeout.ms=300", NULL),
                EVENTS_OK);
        assert_int_equal(events_kafka_conf_set(conf, "log_level=0", NULL),
                         EVENTS_OK);
        assert_int_equal(events_producer_new(&p, conf, "t", NULL), EVENTS_OK);
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
        events_producer_t *p = NULL;
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_producer_counts_t c;

        assert_int_equal(events_kafka_conf_set(
                                 conf, "bootstrap.servers=127.0.0.1:1", NULL),
                         EVENTS_OK);
        assert_int_equal(events_kafka_conf_set(conf, "log_level=0", NULL),
                         EVENTS_OK);
        assert_int_equal(events_producer_new(&p, conf, "t", NULL), EVENTS_OK);
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
        events_producer_t *p = NULL;
        rd_kafka_conf_t *conf = events_producer_conf_new();

        assert_int_equal(events_kafka_conf_set(
                                 conf, "bootstrap.servers=127.0.0.1:1", NULL),
                         EVENTS_OK);
        assert_int_equal(events_kafka_conf_set(conf, "log_level=0", NULL),
                         EVENTS_OK);
        if (extra)
                assert_int_equal(events_kafka_conf_set(conf, extra, NULL),
                                 EVENTS_OK);
        assert_int_equal(events_producer_new(&p, conf, "t", NULL), EVENTS_OK);
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
        events_producer_t *p = NULL;
        rd_kafka_conf_t *conf = events_producer_conf_new();

        assert_int_equal(events_kafka_conf_set(
                                 conf, "bootstrap.servers=127.0.0.1:1", NULL),
                         EVENTS_OK);
        assert_int_equal(events_kafka_conf_set(conf, "log_level=0", NULL),
                         EVENTS_OK);
        assert_int_equal(events_producer_new(&p, conf, "t", NULL), EVENTS_OK);
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
                cmocka_unit_test(
                        test_events_producer_submit_keeps_normalized_input),
                cmocka_unit_test(test_events_producer_submit_splices_timestamp),
                cmocka_unit_test(test_events_producer_counts_no_key),
                cmocka_unit_test(
                        test_events_producer_submit_escaped_key_serializes),
                cmocka_unit_test(test_events_producer_submit_restamp_replaces),
                cmocka_unit_test(test_events_producer_submit_wraps_type),
                cmocka_unit_test(test_events_producer_stamp_time),
                cmocka_unit_test(
                        test_events_producer_registry_change_reaches_layout),
                cmocka_unit_test(test_events_producer_submit_validates),
                cmocka_unit_test(test_events_producer_submit_rejects_bad_lines),
                cmocka_unit_test(
                        test_events_producer_submit_skips_blank_and_crlf),
                cmocka_unit_test(test_events_producer_submit_rejects_too_large),
                cmocka_unit_test(test_events_producer_conf_new_defaults),
                cmocka_unit_test(test_events_producer_receipt_outcomes),
                cmocka_unit_test(test_events_producer_set_key_path_checks),
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
