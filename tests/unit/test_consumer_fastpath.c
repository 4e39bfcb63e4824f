/*
 * test_consumer_fastpath.c - the consumer's fast path (layouts, their
 * plans, the tree's normalized timestamp) against the full path: each line
 * of many, in the layouts and timestamp forms producers send (Python's
 * utcnow().isoformat() without a zone among them), valid and invalid,
 * seen again and again so that lines of a layout come back with other
 * values, reaches its handler exactly when events_event_parse() and
 * events_registry_validate() accept it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consumer_int.h"

#include <librdkafka/rdkafka_mock.h>

/* A mock cluster takes the dead letters of the invalid lines. */
static rd_kafka_t *seeder;
static rd_kafka_mock_cluster_t *mock;

static int setup(void **state) {
        char errstr[256];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();

        (void)state;
        rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", errstr,
                          sizeof(errstr));
        seeder = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        assert_non_null(seeder);
        mock = rd_kafka_handle_mock_cluster(seeder);
        assert_non_null(mock);
        assert_int_equal(rd_kafka_mock_topic_create(mock, "t", 1, 1),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(rd_kafka_mock_topic_create(mock, "t.dlq", 1, 1),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        rd_kafka_destroy(seeder);
        return 0;
}

static int count(const events_event_t *ev, events_handler_ctx_t *ctx,
                 void *opaque) {
        (void)ev;
        (void)ctx;
        (*(int *)opaque)++;
        return 0;
}

static const char *const stamps[] = {
        "",
        ",\"timestamp\":\"2026-11-27T18:05:00.123456\"",
        ",\"timestamp\":\"2026-11-27T18:05:00.654321Z\"",
        ",\"timestamp\":\"2026-11-27T19:05:00+01:00\"",
        ",\"timestamp\":\"2026-11-27 18:05:00.1\"",
        ",\"timestamp\":\"2026-02-30T18:05:00.123456\"",
        ",\"timestamp\":\"yesterday\"",
        ",\"timestamp\":12",
};

/* Events of the shipped types, each %s a slot of the shape, filled from
 * its candidates: the first three valid against both schema folders (the
 * strict one's if/then included, with the slots' other values), the
 * fourth not. */
static const struct shape_s {
        const char *fmt;
        const char *slot[4][4];
} shapes[] = {
        {"{\"event_type\":\"user.created\",\"data\":{\"user_id\":%s,"
         "\"email\":%s,\"plan\":%s,\"created_by\":%s}%s}",
         {{"42", "7", "9007199254740991", "0"},
          {"\"ada@example.com\"", "\"b@example.org\"", "\"c.d@example.net\"",
           "\"not an address\""},
          {"\"pro\"", "\"free\"", "\"team\"", "\"gold\""},
          {"1", "2", "3", "\"x\""}}},
        {"{\"event_type\":\"user.login\",\"data\":{\"user_id\":%s,"
         "\"ip\":%s,\"method\":%s,\"country\":%s}%s}",
         {{"42", "7", "1", "-1"},
          {"\"203.0.113.7\"", "\"2001:db8::1\"", "\"10.0.0.1\"", "\"10.0.0\""},
          {"\"sso\"", "\"password\"", "\"passkey\"", "\"telepathy\""},
          {"\"NL\"", "\"DE\"", "\"US\"", "\"nl\""}}},
        {"{\"data\":{\"user_id\":%s,\"reason\":%s,\"deleted_by\":%s,"
         "\"comment\":%s},\"event_type\":\"user.deleted\"%s}",
         {{"42", "7", "1", "\"42\""},
          {"\"admin\"", "\"fraud\"", "\"user_request\"", "\"bored\""},
          {"1", "2", "3", "0"},
          {"\"\"", "\"gone\"", "\"x\"", "7"}}},
};

static void run_dir(const char *dir) {
        const char *topics[] = {"t"};
        char errstr[128], line[512];
        events_registry_t *reg = NULL;
        events_router_t *r = NULL;
        events_consumer_t *c = NULL;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_topic_t *rkt;
        events_error_t err;
        int handled = 0;
        long lines = 0, valid = 0;
        int64_t offset = 0;

        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_load_dir(reg, dir, &err), EVENTS_OK);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "count", count, &handled),
                         EVENTS_OK);
        assert_int_equal(
                rd_kafka_conf_set(conf, "bootstrap.servers",
                                  rd_kafka_mock_cluster_bootstraps(mock),
                                  errstr, sizeof(errstr)),
                RD_KAFKA_CONF_OK);
        assert_int_equal(events_consumer_new(&c, conf, "g", topics, 1, r, &err),
                         EVENTS_OK);
        events_consumer_set_registry(c, reg);
        assert_int_equal(events_consumer_set_dlq_topic(c, "{topic}.dlq"),
                         EVENTS_OK);
        rkt = rd_kafka_topic_new(c->rk, "t", NULL);
        /* Three rounds of 72 lines, 24 layouts (shape and timestamp
         * form): each layout comes back with other values, in another
         * order. */
        for (int round = 0; round < 3; round++)
                for (size_t k = 0; k < 72; k++) {
                        size_t st = (k + (size_t)round) %
                                    (sizeof(stamps) / sizeof(stamps[0]));
                        size_t sh = k % (sizeof(shapes) / sizeof(shapes[0]));
                        unsigned mix = (unsigned)(k * 2654435761u) >> 8;
                        size_t pick[4];

                        /* Mostly valid values, now and then an invalid
                         * one; another mix each round. */
                        for (int i = 0; i < 4; i++) {
                                unsigned v = (mix >> (5 * i + round)) & 31;
                                pick[i] = v < 8 ? 3 : v % 3;
                        }
                        events_event_t *ev = NULL;
                        rd_kafka_message_t m;
                        int want, before = handled;

/* The shapes are this file's own constants. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                        snprintf(line, sizeof(line), shapes[sh].fmt,
                                 shapes[sh].slot[0][pick[0]],
                                 shapes[sh].slot[1][pick[1]],
                                 shapes[sh].slot[2][pick[2]],
                                 shapes[sh].slot[3][pick[3]], stamps[st]);
#pragma GCC diagnostic pop
                        want = events_event_parse(&ev, line, strlen(line),
                                                  NULL) == EVENTS_OK &&
                               events_registry_validate(reg, ev, NULL) ==
                                       EVENTS_OK;
                        events_event_destroy(ev);
                        memset(&m, 0, sizeof(m));
                        m.rkt = rkt;
                        m.offset = offset++;
                        m.payload = line;
                        m.len = strlen(line);
                        (void)events__consumer_handle(c, &m, &err);
                        if ((handled > before) != want)
                                fail_msg("%s: the fast path says %s, the full "
                                         "path %s: %s",
                                         dir,
                                         handled > before ? "valid" : "invalid",
                                         want ? "valid" : "invalid", line);
                        lines++;
                        valid += want;
                }
        /* Both outcomes were exercised, and layouts were taken. */
        fprintf(stderr, "%s: %ld of %ld valid\n", dir, valid, lines);
        assert_true(valid > 20 && valid < lines - 20);
        assert_true(c->lite.ntpl > 0);
        rd_kafka_topic_destroy(rkt);
        events_consumer_destroy(c);
        events_router_destroy(r);
        events_registry_destroy(reg);
}

static void test_events__consumer_fastpath_equals_full(void **state) {
        const char *dir = getenv("EVENTS_SCHEMAS_DIR"),
                   *src = getenv("EVENTS_SOURCE_DIR");
        char strict[4096];

        (void)state;
        assert_non_null(dir);
        assert_non_null(src);
        run_dir(dir);
        snprintf(strict, sizeof(strict), "%s/examples/schemas-strict", src);
        run_dir(strict);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__consumer_fastpath_equals_full),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
