/*
 * route - a user's own service that routes events with libevents, without
 * events-consumer: it joins a consumer group, sends user.created events to
 * one C function and order.placed events to another, and lets the library
 * do the rest (at-least-once offsets, retries, the dead-letter topic
 * "<topic>.dlq" for events that still fail or that nothing routes).
 *
 *   events-route localhost:9092 my-service users orders
 *
 * Each handler gets the event and a context: where the message came from,
 * and a place to say why it failed (that text becomes the DLQ message's
 * events.error header). Ctrl-C stops it cleanly.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>

#include <events/events.h>

static volatile int stop;

static void on_signal(int sig) {
        (void)sig;
        stop = 1;
}

static int on_user_created(const events_event_t *ev, events_handler_ctx_t *ctx,
                           void *opaque) {
        json_t *email = json_object_get(events_event_data(ev), "email");

        (void)opaque;
        if (!json_is_string(email)) {
                events_handler_ctx_set_error(ctx, "no email in user.created");
                return 1; /* retried by the route's policy, then the DLQ */
        }
        printf("welcome %s (%s/%" PRId32 "@%" PRId64 ")\n",
               json_string_value(email), events_handler_ctx_topic(ctx),
               events_handler_ctx_partition(ctx),
               events_handler_ctx_offset(ctx));
        return 0;
}

static int on_order_placed(const events_event_t *ev, events_handler_ctx_t *ctx,
                           void *opaque) {
        size_t keylen;
        const char *key = events_handler_ctx_key(ctx, &keylen);
        const char *ts = events_event_timestamp(ev);

        (void)opaque;
        printf("order for user %.*s at %s\n", key ? (int)keylen : 1,
               key ? key : "-", ts ? ts : "-");
        return 0;
}

int main(int argc, char **argv) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_router_t *router = NULL;
        events_consumer_t *consumer = NULL;
        events_error_t err = {0};
        char kv[512];
        int rc = EX_OK;

        if (argc < 4) {
                fprintf(stderr, "usage: %s BROKERS GROUP TOPIC...\n", argv[0]);
                rd_kafka_conf_destroy(conf);
                return EX_USAGE;
        }
        snprintf(kv, sizeof(kv), "bootstrap.servers=%s", argv[1]);
        if (events_kafka_conf_set(conf, kv, &err) ||
            events_router_new(&router) ||
            events_router_add(router, "user.created", "welcome",
                              on_user_created, NULL) ||
            events_router_add(router, "order.placed", "orders", on_order_placed,
                              NULL) ||
            events_consumer_new(&consumer, conf, argv[2],
                                (const char *const *)argv + 3, (size_t)argc - 3,
                                router, &err)) {
                fprintf(stderr, "route: %s\n",
                        err.text[0] ? err.text : "cannot set up the router");
                rd_kafka_conf_destroy(conf);
                events_router_destroy(router);
                return EX_CONFIG;
        }
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        setvbuf(stdout, NULL, _IOLBF, 0);
        events_consumer_set_stop_flag(consumer, &stop);
        /* A new group starts with the oldest events; later runs resume. */
        if (events_consumer_set_start(consumer, EVENTS_START_BEGINNING, 0) ||
            events_consumer_run(consumer, &stop, &err)) {
                fprintf(stderr, "route: %s\n", err.text);
                rc = EX_SOFTWARE;
        }
        /* Commit what was handled and leave the group; a failed final
         * commit means those events will be handled again. */
        if (events_consumer_close(consumer, 0, &err) != EVENTS_OK) {
                fprintf(stderr, "route: close: %s\n", err.text);
                rc = EX_TEMPFAIL;
        }
        events_consumer_destroy(consumer);
        events_router_destroy(router);
        return rc;
}
