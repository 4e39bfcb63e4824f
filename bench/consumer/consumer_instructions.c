/*
 * events-bench-consumer-handle - the consumer's work per event without
 * Kafka, for instruction counts (bench/producer/instructions runs it under
 * callgrind): every line of stdin becomes a message of topic "bench" and
 * goes through events__consumer_handle(), the function events_consumer_poll()
 * calls for each message: parse, route, validate (through the same fast
 * path as the producer), a no-op handler, the offset.
 *
 *   events-bench-consumer-handle SCHEMAS_DIR < EVENTS.ndjson
 *
 * Prints "handled N failed M". The consumer is made, never subscribed: no
 * broker is needed (its bootstrap address is a closed local port).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_int.h"

static int noop(const events_event_t *ev, events_handler_ctx_t *ctx,
                void *opaque) {
        (*(long *)opaque)++;
        return 0;
}

int main(int argc, char **argv) {
        const char *topics[] = {"bench"};
        char errstr[256], *line = NULL;
        size_t cap = 0;
        ssize_t n;
        long handled = 0, failed = 0;
        int64_t offset = 0;
        events_registry_t *reg = NULL;
        events_router_t *r = NULL;
        events_consumer_t *c = NULL;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_topic_t *rkt;
        events_error_t err;

        if (argc != 2) {
                fprintf(stderr, "usage: %s SCHEMAS_DIR < EVENTS\n", argv[0]);
                return 2;
        }
        if (events_registry_new(&reg) ||
            events_registry_load_dir(reg, argv[1], &err) ||
            events_router_new(&r) ||
            events_router_add(r, "*", "noop", noop, &handled) ||
            rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:9", errstr,
                              sizeof(errstr)) ||
            events_consumer_new(&c, conf, "bench", topics, 1, r, &err)) {
                fprintf(stderr, "events-bench-consumer-handle: setup failed\n");
                return 1;
        }
        events_consumer_set_registry(c, reg);
        rkt = rd_kafka_topic_new(c->rk, "bench", NULL);
        while ((n = getline(&line, &cap, stdin)) > 0) {
                rd_kafka_message_t m;

                if (line[n - 1] == '\n')
                        n--;
                memset(&m, 0, sizeof(m));
                m.rkt = rkt;
                m.partition = 0;
                m.offset = offset++;
                m.payload = line;
                m.len = (size_t)n;
                if (events__consumer_handle(c, &m, &err) != EVENTS_OK)
                        failed++;
        }
        printf("handled %ld failed %ld\n", handled, failed);
        free(line);
        rd_kafka_topic_destroy(rkt);
        events_consumer_destroy(c);
        events_router_destroy(r);
        events_registry_destroy(reg);
        return failed ? 1 : 0;
}
