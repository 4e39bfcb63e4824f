/*
 * test_producer_shape.c - the producer API shaping lines into messages, in
 * dry runs (no Kafka): normalized input, keys, timestamps spliced or
 * restamped, type wrapping, validation, rejected, blank and too large
 * lines, timestamps through the shaper's cache of the last minute, and the
 * configuration defaults.
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

/* The shaper keeps the last stamp's text: each line still gets its own
 * stamp time's, whichever came before it. */
static void test_events_producer_stamp_time_changes(void **state) {
        static const int64_t t[] = {
                1795802700123456LL,
                1795802700123456LL, /* twice the same */
                1795802700123457LL, /* a microsecond on */
                1795802700123456LL, /* back */
                1795802701000000LL, /* the next second */
                1LL,                /* just after the epoch (0 is the clock) */
                1795802701000000LL,
        };
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        const char *bare = "{\"event_type\":\"a\",\"data\":{\"n\":1}}",
                   *own = "{\"event_type\":\"a\",\"data\":{},"
                          "\"timestamp\":\"2001-01-01T00:00:00.5\"}";
        char want[EVENTS_TIMESTAMP_BUFSIZE + 2];
        uint64_t n = 0;

        (void)state;
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                events_producer_set_stamp_time(p, t[i]);
                assert_int_equal(submit(p, bare, ++n),
                                 EVENTS_OUTCOME_DELIVERED);
                assert_int_equal(submit(p, own, ++n), EVENTS_OUTCOME_DELIVERED);
                want[0] = '"';
                assert_int_equal(events_timestamp_format(t[i], want + 1,
                                                         sizeof(want) - 1),
                                 EVENTS_TIMESTAMP_LEN);
                strcat(want, "\"");
                assert_non_null(strstr(s->msg[n - 1], want));
                assert_non_null(
                        strstr(s->msg[n], "\"2001-01-01T00:00:00.500000Z\""));
        }
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
        events_producer_t *p = unreachable_producer("message.max.bytes=2000");
        char big[3000];
        int n;

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

/* Timestamps as a stream writes them, most in one minute, so that the
 * shaper's cache of the last minute (timestamp_int.h) is warm, with the
 * ways they go wrong in that minute: a line shaped after them is the line
 * the full path (jansson, no cache) makes of it, or the same rejection. */
static const char *const one_minute[] = {
        "2026-11-18T11:06:40.002489",
        "2026-11-18T11:06:40.013527",
        "2026-11-18T11:06:40.013527Z",
        "2026-11-18T11:06:41Z",
        "2026-11-18T11:06:41",
        "2026-11-18T11:06:41.5",
        "2026-11-18T11:06:41.123456789",
        "2026-11-18T11:06:41.1234567890",
        "2026-11-18T11:06:42+01:00",
        "2026-11-18T11:06:42.25-05:30",
        "2026-11-18T11:06:59.999999Z",
        "2026-11-18T11:06:60Z",
        "2026-11-18T11:06:60.000001",
        "2026-11-18T11:06:61",
        "2026-11-18T11:06:42+24:00",
        "2026-11-18T11:06:42+05:60",
        "2026-11-18T11:06:42+0530",
        "2026-11-18T11:06:42.",
        "2026-11-18T11:06:42Zjunk",
        "2026-11-18t11:06:43.000001z",
        "2026-11-18 11:06:43.000001",
        "2026-11-18T11:06:4",
        "2026-11-18T11:06",
        "2024-02-29T23:59:59.999999",
        "2024-02-29T23:59:60",
        "2023-02-29T23:59:59.999999",
        "2026-11-18T11:07:00.000000",
        "0001-01-01T00:00:00+00:01",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999-00:01",
        "9999-12-31T23:59:59.999999Z",
        "2026-11-18T11:06:44.999999",
};

/* Shape lines with the timestamps of one_minute, in an order drawn at
 * random (the same on every run), with @p workers worker threads: more
 * lines than the workers' ring has slots, so that each slot's shaper
 * meets a warm cache too. Compare each with the full path. */
static void same_as_full_path(int workers) {
        enum { LINES = 1500 };
        size_t nts = sizeof(one_minute) / sizeof(one_minute[0]);
        struct seen *s = seen_new();
        events_producer_t *p = dry_producer(s);
        events__probe_t *want = calloc(LINES, sizeof(*want));
        char(*line)[200] = calloc(LINES, sizeof(*line));
        uint64_t x = 88172645463325252ULL;

        assert_non_null(want);
        assert_non_null(line);
        assert_true(LINES < MAXLINES);
        if (workers)
                assert_int_equal(events_producer_set_workers(p, workers),
                                 EVENTS_OK);
        for (int n = 0; n < LINES; n++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                snprintf(line[n], sizeof(line[n]),
                         "{\"event_type\":\"a\",\"data\":{\"user_id\":%d},"
                         "\"timestamp\":\"%s\"}",
                         n, one_minute[x % nts]);
                assert_int_equal(events__producer_probe(p, line[n],
                                                        strlen(line[n]), 1, 0,
                                                        &want[n]),
                                 EVENTS_OK);
        }
        for (int n = 0; n < LINES; n++)
                submit(p, line[n], (uint64_t)n + 1);
        assert_int_equal(events_producer_close(p, 1000), EVENTS_OK);
        for (int n = 0; n < LINES; n++) {
                assert_int_equal(s->count[n + 1], 1);
                if (want[n].outcome == EVENTS_OUTCOME_QUEUED) {
                        assert_int_equal(s->outcome[n + 1],
                                         EVENTS_OUTCOME_DELIVERED);
                        assert_string_equal(s->msg[n + 1], want[n].msg);
                } else {
                        assert_int_equal(s->outcome[n + 1],
                                         EVENTS_OUTCOME_REJECTED);
                        assert_int_equal(s->code[n + 1], want[n].code);
                }
                free(want[n].msg);
        }
        free(want);
        free(line);
        events_producer_destroy(p);
        seen_free(s);
}

static void test_events_producer_submit_timestamps_in_one_minute(void **state) {
        same_as_full_path(0);
}

static void
test_events_producer_set_workers_timestamps_in_one_minute(void **state) {
        same_as_full_path(2);
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
                cmocka_unit_test(test_events_producer_stamp_time_changes),
                cmocka_unit_test(
                        test_events_producer_registry_change_reaches_layout),
                cmocka_unit_test(test_events_producer_submit_validates),
                cmocka_unit_test(test_events_producer_submit_rejects_bad_lines),
                cmocka_unit_test(
                        test_events_producer_submit_skips_blank_and_crlf),
                cmocka_unit_test(test_events_producer_submit_rejects_too_large),
                cmocka_unit_test(test_events_producer_conf_new_defaults),
                cmocka_unit_test(test_events_producer_set_key_path_checks),
                cmocka_unit_test(
                        test_events_producer_submit_timestamps_in_one_minute),
                cmocka_unit_test(
                        test_events_producer_set_workers_timestamps_in_one_minute),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
