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
        for (int i = 1; i <= 2; i++) {
                char t[16];

                snprintf(t, sizeof(t), "t%d", i);
                assert_int_equal(rd_kafka_mock_topic_create(mock, t, 1, 1),
                                 RD_KAFKA_RESP_ERR_NO_ERROR);
                snprintf(t, sizeof(t), "t%d.dlq", i);
                assert_int_equal(rd_kafka_mock_topic_create(mock, t, 1, 1),
                                 RD_KAFKA_RESP_ERR_NO_ERROR);
        }
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
 * messages (headers and all), as events_consumer_poll() hands them. */
static void fetch_lines(const char *topic, char lines[][512],
                        rd_kafka_message_t **msgs) {
        char errstr[256];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *rk;
        rd_kafka_topic_partition_list_t *tp;
        int got = 0;

        for (int i = 0; i < LINES; i++)
                assert_int_equal(
                        rd_kafka_producev(
                                seeder, RD_KAFKA_V_TOPIC(topic),
                                RD_KAFKA_V_VALUE(lines[i], strlen(lines[i])),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END),
                        RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(rd_kafka_flush(seeder, 10000),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_conf_set(conf, "bootstrap.servers",
                          rd_kafka_mock_cluster_bootstraps(mock), errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "group.id", "reader", errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        rd_kafka_poll_set_consumer(rk);
        tp = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(tp, topic, 0)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
        assert_int_equal(rd_kafka_assign(rk, tp), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(tp);
        /* Up to a minute: under valgrind the mock fetches slowly. */
        for (int tries = 0; got < LINES && tries < 600; tries++) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);

                if (!m)
                        continue;
                if (m->err) {
                        rd_kafka_message_destroy(m);
                        continue;
                }
                msgs[got++] = m;
        }
        assert_int_equal(got, LINES);
        /* The messages outlive their consumer's handle only if it stays:
         * closed after they are destroyed (run_dir). */
        msgs[LINES] = (rd_kafka_message_t *)rk;
}

static void run_dir(const char *dir, const char *topic) {
        const char *topics[] = {topic};
        static char lines[LINES][512];
        rd_kafka_message_t *msgs[LINES + 1];
        char errstr[128];
        events_registry_t *reg = NULL;
        events_router_t *r = NULL;
        events_consumer_t *c = NULL;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_error_t err;
        int handled = 0;
        long valid = 0;

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
        for (int round = 0; round < ROUNDS; round++)
                for (size_t k = 0; k < PER_ROUND; k++)
                        make_line(lines[round * PER_ROUND + (int)k],
                                  sizeof(lines[0]), round, k);
        fetch_lines(topic, lines, msgs);
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
        rd_kafka_consumer_close((rd_kafka_t *)msgs[LINES]);
        rd_kafka_destroy((rd_kafka_t *)msgs[LINES]);
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
        run_dir(dir, "t1");
        snprintf(strict, sizeof(strict), "%s/examples/schemas-strict", src);
        run_dir(strict, "t2");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__consumer_fastpath_equals_full),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
