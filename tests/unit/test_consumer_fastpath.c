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

#include "consumer_fixture.h"

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

#define ROUNDS 3
#define PER_ROUND 72
#define LINES (ROUNDS * PER_ROUND)

/* Line @p k of round @p round into @p buf. Three rounds of 72 lines, 24
 * layouts (shape and timestamp form): each layout comes back with other
 * values, in another order. */
static void make_line(char *buf, size_t size, int round, size_t k) {
        size_t st = (k + (size_t)round) % (sizeof(stamps) / sizeof(stamps[0]));
        size_t sh = k % (sizeof(shapes) / sizeof(shapes[0]));
        unsigned mix = (unsigned)(k * 2654435761u) >> 8;
        size_t pick[4];

        /* Mostly valid values, now and then an invalid one; another mix
         * each round. */
        for (int i = 0; i < 4; i++) {
                unsigned v = (mix >> (5 * i + round)) & 31;
                pick[i] = v < 8 ? 3 : v % 3;
        }
/* The shapes are this file's own constants. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(buf, size, shapes[sh].fmt, shapes[sh].slot[0][pick[0]],
                 shapes[sh].slot[1][pick[1]], shapes[sh].slot[2][pick[2]],
                 shapes[sh].slot[3][pick[3]], stamps[st]);
#pragma GCC diagnostic pop
}

/* The lines as messages of @p topic in the mock cluster, read back: real
 * messages (headers and all), as events_consumer_poll() hands them.
 * @returns the reader, to close once the messages are destroyed. */
static rd_kafka_t *fetch_lines(const char *topic, char lines[][512],
                               rd_kafka_message_t **msgs) {
        rd_kafka_t *rk;
        /* Up to a minute: under valgrind the mock fetches slowly. */
        int64_t end = events__mono_us() + 60 * 1000000LL;
        int got = 0;

        for (int i = 0; i < LINES; i++)
                seed(topic, NULL, lines[i], NULL);
        rk = reader_open(topic);
        while (got < LINES && (msgs[got] = reader_next(rk, end)))
                got++;
        assert_int_equal(got, LINES);
        return rk;
}

static void run_dir(const char *dir) {
        const char *topics[1];
        static char lines[LINES][512];
        rd_kafka_message_t *msgs[LINES];
        rd_kafka_t *reader;
        char topic[64], dlq[80];
        events_registry_t *reg = NULL;
        events_router_t *r = NULL;
        events_consumer_t *c = NULL;
        rd_kafka_conf_t *conf = consumer_conf();
        events_error_t err;
        int handled = 0;
        long valid = 0;

        name(topic, sizeof(topic), "fast");
        snprintf(dlq, sizeof(dlq), "%s.dlq", topic);
        create_topic(topic, 1);
        create_topic(dlq, 1);
        topics[0] = topic;
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_load_dir(reg, dir, &err), EVENTS_OK);
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "count", count, &handled),
                         EVENTS_OK);
        assert_int_equal(events_consumer_new(&c, conf, "g", topics, 1, r, &err),
                         EVENTS_OK);
        events_consumer_set_registry(c, reg);
        assert_int_equal(events_consumer_set_dlq_topic(c, "{topic}.dlq"),
                         EVENTS_OK);
        for (int round = 0; round < ROUNDS; round++)
                for (size_t k = 0; k < PER_ROUND; k++)
                        make_line(lines[round * PER_ROUND + (int)k],
                                  sizeof(lines[0]), round, k);
        reader = fetch_lines(topic, lines, msgs);
        for (int i = 0; i < LINES; i++) {
                const char *line = lines[i];
                events_event_t *ev = NULL;
                int want, before = handled;

                assert_int_equal((int)msgs[i]->len, (int)strlen(line));
                want = events_event_parse(&ev, line, strlen(line), NULL) ==
                               EVENTS_OK &&
                       events_registry_validate(reg, ev, NULL) == EVENTS_OK;
                events_event_destroy(ev);
                (void)events__consumer_handle(c, msgs[i], &err);
                if ((handled > before) != want)
                        fail_msg("%s: the fast path says %s, the full path "
                                 "%s: %s",
                                 dir, handled > before ? "valid" : "invalid",
                                 want ? "valid" : "invalid", line);
                valid += want;
                rd_kafka_message_destroy(msgs[i]);
        }
        reader_close(reader);
        /* Both outcomes were exercised, and layouts were taken. */
        fprintf(stderr, "%s: %ld of %d valid\n", dir, valid, LINES);
        assert_true(valid > 20 && valid < LINES - 20);
        assert_true(c->lite.ntpl > 0);
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
        return cmocka_run_group_tests(tests, mock_setup, mock_teardown);
}
