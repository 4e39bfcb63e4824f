/*
 * test_consumer_poll.c - the consumer's poll loop against librdkafka's mock
 * cluster: offsets stored only after handlers succeed, commits on demand,
 * in time and on close, the cooperative protocol, the stalled fetcher
 * woken, the filter's skipped offsets stored, the stop flag that
 * interrupts retries, and the close of a consumer that never took its
 * assignment.
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

/* Counts, after 100 us: slower than the mock cluster's fetches. */
static int slow_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                        void *opaque) {
        struct timespec ts = {0, 100000};

        nanosleep(&ts, NULL);
        return count_handler(ev, ctx, opaque);
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

/* A consumer of @p topic in @p group whose partition.assignment.strategy
 * is @p strategy, counting into @p s, from the beginning. No statistics
 * events: its queue then holds only what a test waits for. */
static events_consumer_t *with_strategy(const char *topic, const char *group,
                                        const char *strategy,
                                        events_router_t **r, seen_t *s) {
        char errstr[256];
        rd_kafka_conf_t *conf = consumer_conf();

        assert_int_equal(rd_kafka_conf_set(conf,
                                           "partition.assignment.strategy",
                                           strategy, errstr, sizeof(errstr)),
                         RD_KAFKA_CONF_OK);
        assert_int_equal(rd_kafka_conf_set(conf, "statistics.interval.ms", "0",
                                           errstr, sizeof(errstr)),
                         RD_KAFKA_CONF_OK);
        assert_int_equal(events_router_new(r), EVENTS_OK);
        assert_int_equal(
                events_router_add(*r, "user.*", "count", count_handler, s),
                EVENTS_OK);
        return consumer_with(conf, topic, group, *r, s);
}

/* The cooperative protocol: partitions come and go incrementally, and
 * the close, which revokes them from within the handler, still commits
 * and returns. */
static void test_events_consumer_cooperative_assign_and_close(void **state) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};

        (void)state;
        name(topic, sizeof(topic), "t-coop");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        for (int i = 0; i < 4; i++)
                seed_event(topic, "user.created", i);
        c = with_strategy(topic, group, "cooperative-sticky", &r, &s);
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

/* A consumer that never polled since the group assigned it partitions
 * closes: the assignment it never took waits on its queue and is served
 * by the close, which declines it (one unassign, no other request to the
 * terminating group, see rebalance_closing()) and says so, in time, for
 * either protocol. */
static void close_untaken(const char *strategy) {
        char topic[64], group[64];
        events_router_t *r;
        events_consumer_t *c;
        seen_t s = {0};
        int64_t end = events__mono_us() + 30 * 1000000LL, t0;

        name(topic, sizeof(topic), "t-untaken");
        name(group, sizeof(group), "group");
        create_topic(topic, 1);
        c = with_strategy(topic, group, strategy, &r, &s);
        /* The topic is empty: what reaches the queue is the assignment. */
        while (rd_kafka_queue_length(c->cq) == 0 && events__mono_us() < end) {
                struct timespec ts = {0, 50000000};
                nanosleep(&ts, NULL);
        }
        assert_true(rd_kafka_queue_length(c->cq) > 0);

        t0 = events__mono_us();
        assert_int_equal(events_consumer_close(c, 5000, NULL), EVENTS_OK);
        assert_true(events__mono_us() - t0 < 5000000);
        assert_int_equal(events_consumer_assigned_count(c), 0);
        if (getenv("TEST_CONSUMER_VERBOSE"))
                fprintf(stderr, "log:\n%s", s.log);
        assert_non_null(strstr(s.log, "assignment declined"));
        assert_null(strstr(s.log, "partitions assigned"));
        assert_int_equal(s.errors_logged, 0);
        events_consumer_destroy(c);
        events_router_destroy(r);
}

static void test_events_consumer_close_declines_untaken_eager(void **state) {
        (void)state;
        close_untaken("range");
}

static void
test_events_consumer_close_declines_untaken_cooperative(void **state) {
        (void)state;
        close_untaken("cooperative-sticky");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(
                        test_events_consumer_poll_stores_after_handlers),
                cmocka_unit_test(
                        test_events_consumer_commit_stores_pending_offset),
                cmocka_unit_test(test_events_consumer_slow_run_commits_in_time),
                cmocka_unit_test(
                        test_events_consumer_poll_wakes_stalled_fetcher),
                cmocka_unit_test(
                        test_events_consumer_set_filter_skips_and_stores),
                cmocka_unit_test(
                        test_events_consumer_poll_stop_interrupts_retries),
                cmocka_unit_test(
                        test_events_consumer_cooperative_assign_and_close),
                cmocka_unit_test(
                        test_events_consumer_close_declines_untaken_eager),
                cmocka_unit_test(
                        test_events_consumer_close_declines_untaken_cooperative),
        };
        return cmocka_run_group_tests(tests, mock_setup, mock_teardown);
}
