/*
 * test_consumer_handle.c - the consumer handle around its poll loop,
 * against librdkafka's mock cluster: the checks of events_consumer_new(),
 * router swap, publish, the handler's context and the health accessors
 * (lag, counters).
 *
 * One mock cluster serves the whole file (consumer_fixture.h); each test
 * uses its own topics and group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "consumer_fixture.h"

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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_consumer_new_rejects_bad_input),
                cmocka_unit_test(
                        test_events_consumer_set_router_swaps_between_polls),
                cmocka_unit_test(test_events_consumer_publish_acknowledged),
                cmocka_unit_test(test_events_consumer_health_accessors),
                cmocka_unit_test(test_events_consumer_lag_without_commit),
                cmocka_unit_test(
                        test_events_handler_ctx_fields_of_consumed_message),
        };
        return cmocka_run_group_tests(tests, mock_setup, mock_teardown);
}
