/*
 * test_consumer_dlq.c - dead-lettering against librdkafka's mock cluster:
 * handler failures and poison events written to the DLQ with their
 * headers and the handler's error text, a failed DLQ write that stops the
 * consumer without storing, and which topics a pattern subscription leaves
 * out as dead-letter topics.
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

#define APIKEY_PRODUCE 0 /* Kafka's ApiKey for Produce requests */

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
                cmocka_unit_test(test_events__consumer_skip_topic_dlq_shapes),
                cmocka_unit_test(
                        test_events_consumer_poll_handler_failure_to_dlq),
                cmocka_unit_test(
                        test_events_consumer_poll_poison_to_dlq_and_continue),
                cmocka_unit_test(test_events_consumer_poll_dlq_failure_stops),
                cmocka_unit_test(
                        test_events_consumer_poll_handler_error_text_to_dlq),
        };
        return cmocka_run_group_tests(tests, mock_setup, mock_teardown);
}
