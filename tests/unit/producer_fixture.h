/*
 * producer_fixture.h - what the producer's unit tests (test_producer_*.c)
 * share: a receipt collector that keeps every receipt by line number, a
 * dry-run producer reporting to it, a producer whose broker never
 * answers, and the check that the counts add up.
 */
#ifndef EVENTS_TEST_PRODUCER_FIXTURE_H
#define EVENTS_TEST_PRODUCER_FIXTURE_H

#include <stdint.h>

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

/* The receipt callback: records @p r in the struct seen @p opaque. */
void collect(const events_receipt_t *r, void *opaque);
struct seen *seen_new(void);
void seen_free(struct seen *s);
/* A producer without Kafka (dry run) whose receipts go to @p s. */
events_producer_t *dry_producer(struct seen *s);
/* A producer of topic "t" aimed at 127.0.0.1:1, where nobody listens, its
 * librdkafka logs off, with the setting @p extra ("name=value", or NULL);
 * no receipt callback yet. */
events_producer_t *unreachable_producer(const char *extra);
/* Submit the NUL-terminated @p line as line @p n. */
events_outcome_t submit(events_producer_t *p, const char *line, uint64_t n);
/* read = skipped + rejected + delivered + failed + in flight. */
void assert_counts_add_up(events_producer_t *p);

#endif
