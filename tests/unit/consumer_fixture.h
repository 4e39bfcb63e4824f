/*
 * consumer_fixture.h - what the consumer's unit tests (test_consumer_*.c)
 * share: one librdkafka mock cluster per test program, messages seeded
 * into it, consumers on it whose callbacks count what they saw, and
 * topics read back with their keys and headers.
 *
 * Each test uses its own topics and group (fixture_name()), so tests do
 * not see each other's messages or offsets.
 */
#ifndef EVENTS_TEST_CONSUMER_FIXTURE_H
#define EVENTS_TEST_CONSUMER_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "consumer_int.h"
#include "router_int.h"

extern rd_kafka_t *seeder; /* owns the mock cluster; produces test data */
extern rd_kafka_mock_cluster_t *mock;

/* The consumers' auto.commit.interval.ms: far away, but for the test of
 * commits in time, which sets it for a while. */
extern const char *commit_interval_ms;

/* cmocka group setup and teardown: start and stop the mock cluster. */
int mock_setup(void **state);
int mock_teardown(void **state);

/* "<what>-<pid>-<n>": a topic or group name no other test uses. */
void name(char *buf, size_t size, const char *what);
void create_topic(const char *topic, int partitions);
/* Produce one message to partition 0, with an event_type header when
 * @p type is not NULL. */
void seed(const char *topic, const char *key, const char *value,
          const char *type);
/* Produce {"event_type":type,"data":{"user_id":n}} with key n. */
void seed_event(const char *topic, const char *type, int n);
rd_kafka_conf_t *consumer_conf(void);

/* What the callbacks saw. */
typedef struct seen_s {
        int deliveries;
        int outcomes[EVENTS_DISPOSITION_SKIPPED + 1];
        events_err_t last_reason;
        char last_type[64];
        int handled;    /* calls of the counting handler */
        int fail_calls; /* calls of the failing handler */
        int errors_logged;
        int64_t offsets[32];
        const events_consumer_t *c;
        int saw_message; /* events_consumer_message() inside a handler */
        char log[2048];  /* the messages logged, one per line, while room */
} seen_t;

void on_delivery(const events_delivery_t *d, void *opaque);
void on_log(events_log_level_t level, const char *msg, void *opaque);
/* Counts in seen_t.handled; returns 0. */
int count_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                  void *opaque);
/* Counts in seen_t.fail_calls; returns 5. */
int fail_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                 void *opaque);

/* A consumer of @p topic in @p group from the beginning, reporting to
 * @p s. */
events_consumer_t *consumer(const char *topic, const char *group,
                            events_router_t *r, seen_t *s);
/* The same with @p conf (from consumer_conf(), then changed), which it
 * takes. */
events_consumer_t *consumer_with(rd_kafka_conf_t *conf, const char *topic,
                                 const char *group, events_router_t *r,
                                 seen_t *s);
/* Poll until @p n deliveries were seen or @p ms passed; returns the first
 * error poll gave, or EVENTS_OK. */
events_err_t poll_until(events_consumer_t *c, seen_t *s, int n, int ms);
/* The group's committed offset for partition 0 of @p topic. */
int64_t committed(const char *group, const char *topic);

/* A message read back, copied out of librdkafka (whose handle must not
 * outlive its messages). */
typedef struct copy_s {
        char *payload;
        size_t len;
        char *key;
        size_t key_len;
        rd_kafka_headers_t *hdrs;
} copy_t;

void copy_free(copy_t *m);
/* A consumer of partition 0 of @p topic from the start (a group of its
 * own, assigned, not subscribed); its messages must be destroyed before
 * reader_close(). */
rd_kafka_t *reader_open(const char *topic);
/* Its next message (errors are skipped), or NULL once events__mono_us()
 * passes @p end_us. */
rd_kafka_message_t *reader_next(rd_kafka_t *rk, int64_t end_us);
/* Unassign and destroy, within a bound: the reader commits nothing, and
 * its close is waited for up to 10 s (a test then fails on its own
 * assertions, not on a hang). */
void reader_close(rd_kafka_t *rk);
/* Read up to @p max messages of partition 0 of @p topic from the start. */
int read_topic(const char *topic, copy_t *out, int max, int ms);
/* The last value of header @p hname as a string in a static buffer, or
 * NULL. */
char *header(const copy_t *m, const char *hname);

#endif
