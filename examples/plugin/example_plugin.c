/*
 * example_plugin.c - an events-consumer handler plugin, written as a user
 * would write one. Build it as a shared object linked to libevents (see
 * CMakeLists.txt next to it), then name it in a routes file:
 *
 *   {"pattern": "user.created",
 *    "handlers": [{"type": "plugin",
 *                  "path": "libevents_example_plugin.so",
 *                  "function": "example_append",
 *                  "config": {"path": "/tmp/signups.txt",
 *                             "field": "email"}}]}
 *
 * Each handler entry of the routes file gets its own state from
 * example_init(), built from that entry's "config"; the daemon passes the
 * state back to every call of the handler function and to example_fini().
 * Each call also gets a context (events_handler_ctx_t): the Kafka message's
 * topic, partition, offset, key, headers and timestamp, and a place to say
 * why the call failed, which the daemon logs and writes to the dead-letter
 * header events.error.
 *
 * The handlers:
 *  - example_append: append "EVENT_TYPE VALUE" to config.path, where VALUE
 *    is data[config.field] (default "user_id").
 *  - example_flaky: fail the first config.fail_times calls (default 2),
 *    then succeed; shows the retry policy at work.
 *  - example_fail: always fail; shows the dead-letter topic at work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <events/events.h>
#include <events/plugin.h>

struct example_state {
        char *path;     /* example_append: the output file */
        char *field;    /* example_append: which data field */
        int fail_times; /* example_flaky: failures still to come */
};

static int example_init(const json_t *config, void **statep, char *errbuf,
                        size_t errsize) {
        struct example_state *st = calloc(1, sizeof(*st));
        const char *path = NULL, *field = "user_id";
        json_t *v;

        if (!st) {
                snprintf(errbuf, errsize, "out of memory");
                return -1;
        }
        st->fail_times = 2;
        if (config && !json_is_object(config)) {
                snprintf(errbuf, errsize, "config must be an object");
                free(st);
                return -1;
        }
        if ((v = json_object_get(config, "path")))
                path = json_string_value(v);
        if ((v = json_object_get(config, "field")) && json_is_string(v))
                field = json_string_value(v);
        if ((v = json_object_get(config, "fail_times")) && json_is_integer(v))
                st->fail_times = (int)json_integer_value(v);
        st->path = path ? strdup(path) : NULL;
        st->field = strdup(field);
        *statep = st;
        return 0;
}

static void example_fini(void *state) {
        struct example_state *st = state;

        if (!st)
                return;
        free(st->path);
        free(st->field);
        free(st);
}

/* The descriptor the daemon checks: ABI version, name, version, init and
 * fini. Exactly one per plugin. */
EVENTS_PLUGIN_DEFINE("example", "1.0.0", example_init, example_fini);

EVENTS_PLUGIN_HANDLER int example_append(const events_event_t *ev,
                                         events_handler_ctx_t *ctx,
                                         void *state);
EVENTS_PLUGIN_HANDLER int example_flaky(const events_event_t *ev,
                                        events_handler_ctx_t *ctx, void *state);
EVENTS_PLUGIN_HANDLER int example_fail(const events_event_t *ev,
                                       events_handler_ctx_t *ctx, void *state);

EVENTS_PLUGIN_HANDLER int example_append(const events_event_t *ev,
                                         events_handler_ctx_t *ctx,
                                         void *state) {
        struct example_state *st = state;
        json_t *v = json_object_get(events_event_data(ev), st->field);
        char *text;
        FILE *fp;
        int rc = 0;

        if (!st->path) {
                /* nowhere to write: a failure, retried */
                events_handler_ctx_set_error(ctx, "no \"path\" in config");
                return 1;
        }
        /* Strings as they are; numbers and the rest as compact JSON. */
        text = json_is_string(v) ? strdup(json_string_value(v))
               : v               ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)
                                 : strdup("-");
        if (!text) {
                events_handler_ctx_set_error(ctx, "out of memory");
                return 1;
        }
        fp = fopen(st->path, "a");
        if (!fp) {
                events_handler_ctx_set_error(ctx, "cannot open %s", st->path);
                free(text);
                return 1;
        }
        if (fprintf(fp, "%s %s\n", events_event_type(ev), text) < 0)
                rc = 1;
        if (fclose(fp) != 0)
                rc = 1;
        if (rc)
                events_handler_ctx_set_error(ctx, "cannot write %s", st->path);
        free(text);
        return rc;
}

EVENTS_PLUGIN_HANDLER int example_flaky(const events_event_t *ev,
                                        events_handler_ctx_t *ctx,
                                        void *state) {
        struct example_state *st = state;

        (void)ev;
        if (st->fail_times > 0) {
                st->fail_times--;
                events_handler_ctx_set_error(ctx, "flaky: try %d fails",
                                             events_handler_ctx_attempt(ctx));
                return 1;
        }
        return 0;
}

EVENTS_PLUGIN_HANDLER int example_fail(const events_event_t *ev,
                                       events_handler_ctx_t *ctx, void *state) {
        (void)state;
        /* Where the event came from, in the reason (the DLQ keeps it). */
        events_handler_ctx_set_error(
                ctx, "example_fail always fails (%s at %s/%d/%lld)",
                events_event_type(ev),
                events_handler_ctx_topic(ctx) ? events_handler_ctx_topic(ctx)
                                              : "-",
                (int)events_handler_ctx_partition(ctx),
                (long long)events_handler_ctx_offset(ctx));
        return 1;
}
