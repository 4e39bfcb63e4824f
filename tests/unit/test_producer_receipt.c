/*
 * test_producer_receipt.c - what a receipt says (producer_receipt.c),
 * field by field, on each way a line ends: a dry run's valid line, a
 * rejected and a blank one, a line after an interrupt, a delivery report
 * that failed; the counts when a receipt is not wanted; NULL receipts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "producer_fixture.h"

/* One receipt, every field, copied out of the callback. */
struct one {
        int count;
        uint64_t line;
        events_outcome_t outcome;
        int32_t partition;
        int64_t offset;
        rd_kafka_resp_err_t kerr;
        int retriable;
        events_err_t code;
        char text[EVENTS_ERROR_TEXT_LENGTH];
        char msg[512], in[512];
        int has_msg, has_in;
        size_t mlen, ilen;
};

static void copy_bytes(char *to, size_t size, const char *b, size_t n) {
        assert_true(n < size);
        memcpy(to, b, n);
        to[n] = '\0';
}

static void keep_last(const events_receipt_t *r, void *opaque) {
        struct one *o = opaque;
        const events_error_t *e = events_receipt_error(r);
        const char *b;

        o->count++;
        o->line = events_receipt_line(r);
        o->outcome = events_receipt_outcome(r);
        o->partition = events_receipt_partition(r);
        o->offset = events_receipt_offset(r);
        o->kerr = events_receipt_kafka_err(r);
        o->retriable = events_receipt_retriable(r);
        assert_non_null(e); /* an all-clear record at least */
        o->code = e->code;
        snprintf(o->text, sizeof(o->text), "%s", e->text);
        b = events_receipt_message(r, &o->mlen);
        if ((o->has_msg = b != NULL))
                copy_bytes(o->msg, sizeof(o->msg), b, o->mlen);
        b = events_receipt_input(r, &o->ilen);
        if ((o->has_in = b != NULL))
                copy_bytes(o->in, sizeof(o->in), b, o->ilen);
}

static events_producer_t *dry(struct one *o) {
        events_producer_t *p = NULL;

        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_receipt_cb(p, keep_last, o);
        return p;
}

#define GOOD                                                                   \
        "{\"event_type\":\"a.b\",\"data\":{\"user_id\":7},"                    \
        "\"timestamp\":\"2026-11-27T18:05:00.123456Z\"}"

/* A dry run's valid line: delivered, nowhere in Kafka, all clear. */
static void test_events_receipt_dry_run_delivered(void **state) {
        struct one o = {0};
        events_producer_t *p = dry(&o);
        events_producer_counts_t c;

        (void)state;
        assert_int_equal(events_producer_submit(p, GOOD "\r\n",
                                                strlen(GOOD "\r\n"), 41, NULL),
                         EVENTS_OUTCOME_DELIVERED);
        assert_int_equal(o.count, 1);
        assert_int_equal(o.line, 41);
        assert_int_equal(o.outcome, EVENTS_OUTCOME_DELIVERED);
        assert_int_equal(o.partition, -1);
        assert_int_equal(o.offset, -1);
        assert_int_equal(o.kerr, RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(o.retriable, 0);
        assert_int_equal(o.code, EVENTS_OK);
        assert_true(o.has_msg);
        assert_string_equal(o.msg, GOOD);
        /* The input without its line ending. */
        assert_true(o.has_in);
        assert_int_equal(o.ilen, strlen(GOOD));
        assert_string_equal(o.in, GOOD);
        events_producer_counts(p, &c);
        assert_int_equal(c.delivered, 1);
        assert_int_equal(c.bytes, o.mlen);
        events_producer_destroy(p);
}

/* A rejected line: its reason, its input, no message. */
static void test_events_receipt_rejected(void **state) {
        struct one o = {0};
        events_producer_t *p = dry(&o);

        (void)state;
        assert_int_equal(submit(p, "{\"event_type\":\"a.b\"", 3),
                         EVENTS_OUTCOME_REJECTED);
        assert_int_equal(o.count, 1);
        assert_int_equal(o.line, 3);
        assert_int_equal(o.outcome, EVENTS_OUTCOME_REJECTED);
        assert_int_not_equal(o.code, EVENTS_OK);
        assert_true(o.text[0] != '\0');
        assert_int_equal(o.kerr, RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(o.retriable, 0);
        assert_false(o.has_msg);
        assert_int_equal(o.mlen, 0);
        assert_true(o.has_in);
        assert_string_equal(o.in, "{\"event_type\":\"a.b\"");
        assert_counts_add_up(p);
        events_producer_destroy(p);
}

/* A blank line: skipped, all clear, its (empty) input. */
static void test_events_receipt_skipped(void **state) {
        struct one o = {0};
        events_producer_t *p = dry(&o);
        events_producer_counts_t c;

        (void)state;
        assert_int_equal(submit(p, "  \n", 9), EVENTS_OUTCOME_SKIPPED);
        assert_int_equal(o.count, 1);
        assert_int_equal(o.outcome, EVENTS_OUTCOME_SKIPPED);
        assert_int_equal(o.code, EVENTS_OK);
        assert_false(o.has_msg);
        events_producer_counts(p, &c);
        assert_int_equal(c.skipped, 1);
        assert_counts_add_up(p);
        events_producer_destroy(p);
}

/* After an interrupt: failed, worth sending again, with its input. */
static void test_events_receipt_interrupted(void **state) {
        struct one o = {0};
        events_producer_t *p = dry(&o);
        events_producer_counts_t c;
        events_error_t err;

        (void)state;
        events_producer_interrupt(p);
        assert_int_equal(events_producer_submit(p, GOOD, strlen(GOOD), 5, &err),
                         EVENTS_OUTCOME_FAILED);
        assert_int_equal(err.code, EVENTS_ERR_STATE);
        assert_int_equal(o.count, 1);
        assert_int_equal(o.outcome, EVENTS_OUTCOME_FAILED);
        assert_int_equal(o.code, EVENTS_ERR_STATE);
        assert_int_equal(o.retriable, 1);
        assert_true(o.has_in);
        assert_string_equal(o.in, GOOD);
        assert_false(o.has_msg);
        events_producer_counts(p, &c);
        assert_int_equal(c.failed, 1);
        assert_int_equal(c.failed_permanent, 0);
        assert_counts_add_up(p);
        events_producer_destroy(p);
}

/* Outcomes left out of the mask get no receipt, and are counted all the
 * same. */
static void test_events_receipt_not_wanted_still_counted(void **state) {
        struct one o = {0};
        events_producer_t *p = dry(&o);
        events_producer_counts_t c;

        (void)state;
        events_producer_set_receipt_outcomes(
                p, EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_REJECTED));
        assert_int_equal(submit(p, GOOD, 1), EVENTS_OUTCOME_DELIVERED);
        assert_int_equal(submit(p, "", 2), EVENTS_OUTCOME_SKIPPED);
        assert_int_equal(o.count, 0);
        assert_int_equal(submit(p, "[", 3), EVENTS_OUTCOME_REJECTED);
        assert_int_equal(o.count, 1);
        assert_int_equal(o.line, 3);
        events_producer_counts(p, &c);
        assert_int_equal(c.delivered, 1);
        assert_int_equal(c.skipped, 1);
        assert_int_equal(c.rejected, 1);
        assert_int_equal(c.bytes, strlen(GOOD));
        assert_counts_add_up(p);
        events_producer_destroy(p);
}

/* A delivery report that failed: librdkafka's error, the message back,
 * no input (the line is long gone), nowhere in Kafka. */
static void test_events_receipt_delivery_failed(void **state) {
        struct one o = {0};
        events_producer_t *p;

        (void)state;
        /* Nobody listens on port 1: the message expires after 300 ms. */
        p = unreachable_producer("message.timeout.ms=300");
        events_producer_set_receipt_cb(p, keep_last, &o);
        assert_int_equal(submit(p, GOOD, 12), EVENTS_OUTCOME_QUEUED);
        assert_int_equal(events_producer_flush(p, 10000), EVENTS_OK);
        assert_int_equal(o.count, 1);
        assert_int_equal(o.line, 12);
        assert_int_equal(o.outcome, EVENTS_OUTCOME_FAILED);
        assert_int_equal(o.kerr, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
        assert_int_equal(o.retriable, 1);
        assert_int_equal(o.code, EVENTS_ERR_KAFKA);
        assert_int_equal(o.partition, -1);
        assert_int_equal(o.offset, -1);
        assert_true(o.has_msg);
        assert_string_equal(o.msg, GOOD);
        assert_false(o.has_in);
        assert_counts_add_up(p);
        events_producer_destroy(p);
}

/* A NULL receipt reads as nothing, not a crash. */
static void test_events_receipt_null(void **state) {
        size_t n = 99;

        (void)state;
        assert_int_equal(events_receipt_line(NULL), 0);
        assert_int_equal(events_receipt_outcome(NULL), EVENTS_OUTCOME_FAILED);
        assert_int_equal(events_receipt_partition(NULL), -1);
        assert_int_equal(events_receipt_offset(NULL), -1);
        assert_null(events_receipt_error(NULL));
        assert_int_equal(events_receipt_kafka_err(NULL),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(events_receipt_retriable(NULL), 0);
        assert_null(events_receipt_input(NULL, &n));
        assert_int_equal(n, 0);
        n = 99;
        assert_null(events_receipt_message(NULL, &n));
        assert_int_equal(n, 0);
        assert_null(events_receipt_message(NULL, NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_receipt_dry_run_delivered),
                cmocka_unit_test(test_events_receipt_rejected),
                cmocka_unit_test(test_events_receipt_skipped),
                cmocka_unit_test(test_events_receipt_interrupted),
                cmocka_unit_test(test_events_receipt_not_wanted_still_counted),
                cmocka_unit_test(test_events_receipt_delivery_failed),
                cmocka_unit_test(test_events_receipt_null),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
