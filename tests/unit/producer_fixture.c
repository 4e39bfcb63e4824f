/*
 * producer_fixture.c - the receipt collector and small helpers that the
 * producer's unit tests share (producer_fixture.h).
 */
#include "producer_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *dup_bytes(const char *b, size_t n) {
        char *s = malloc(n + 1);

        assert_non_null(s);
        if (n)
                memcpy(s, b, n);
        s[n] = '\0';
        return s;
}

void collect(const events_receipt_t *r, void *opaque) {
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

struct seen *seen_new(void) {
        struct seen *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        return s;
}

void seen_free(struct seen *s) {
        for (int i = 0; i < MAXLINES; i++) {
                free(s->msg[i]);
                free(s->input[i]);
        }
        free(s);
}

events_producer_t *dry_producer(struct seen *s) {
        events_producer_t *p = NULL;

        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_receipt_cb(p, collect, s);
        return p;
}

events_producer_t *unreachable_producer(const char *extra) {
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
        return p;
}

events_outcome_t submit(events_producer_t *p, const char *line, uint64_t n) {
        return events_producer_submit(p, line, strlen(line), n, NULL);
}

void assert_counts_add_up(events_producer_t *p) {
        events_producer_counts_t c;

        events_producer_counts(p, &c);
        assert_int_equal(c.read, c.skipped + c.rejected + c.delivered +
                                         c.failed + c.in_flight);
}
