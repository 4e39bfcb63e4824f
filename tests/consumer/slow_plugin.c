/*
 * slow_plugin.c - handlers that take 40 s, for the shutdown tests
 * (tests/integration/test_consumer_shutdown_plugin.sh):
 *
 * - slow_cooperative works in 10 ms slices and gives up once
 *   events_handler_ctx_cancelled() says so, as events/plugin.h asks;
 * - slow_stubborn ignores the cancellation: the daemon's watchdog must end
 *   it at --shutdown-timeout.
 *
 * Both append the event's offset to the file named by the entry's config
 * {"marker": PATH} when they start, so the test knows a handler runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <events/events.h>
#include <events/plugin.h>

static int slow_init(const json_t *config, void **statep, char *errbuf,
                     size_t errsize) {
        const char *m = json_string_value(json_object_get(config, "marker"));

        if (!m) {
                snprintf(errbuf, errsize, "config.marker: expected a path");
                return -1;
        }
        *statep = strdup(m);
        return *statep ? 0 : -1;
}

static void slow_fini(void *state) {
        free(state);
}

EVENTS_PLUGIN_DEFINE("slow-test", "0.0.1", slow_init, slow_fini);

static void mark(const char *path, const events_handler_ctx_t *ctx) {
        FILE *f = fopen(path, "a");

        if (f) {
                fprintf(f, "%" PRId64 "\n", events_handler_ctx_offset(ctx));
                fclose(f);
        }
}

EVENTS_PLUGIN_HANDLER int slow_cooperative(const events_event_t *ev,
                                           events_handler_ctx_t *ctx,
                                           void *state);
EVENTS_PLUGIN_HANDLER int slow_stubborn(const events_event_t *ev,
                                        events_handler_ctx_t *ctx, void *state);

EVENTS_PLUGIN_HANDLER int slow_cooperative(const events_event_t *ev,
                                           events_handler_ctx_t *ctx,
                                           void *state) {
        struct timespec slice = {0, 10 * 1000000L};

        (void)ev;
        mark(state, ctx);
        for (int i = 0; i < 4000; i++) {
                if (events_handler_ctx_cancelled(ctx)) {
                        events_handler_ctx_set_error(
                                ctx, "cancelled, deadline %" PRId64,
                                events_handler_ctx_deadline_ms(ctx));
                        return -1;
                }
                nanosleep(&slice, NULL);
        }
        return 0;
}

EVENTS_PLUGIN_HANDLER int slow_stubborn(const events_event_t *ev,
                                        events_handler_ctx_t *ctx,
                                        void *state) {
        struct timespec left = {40, 0};

        (void)ev;
        mark(state, ctx);
        while (nanosleep(&left, &left) < 0 && errno == EINTR)
                ;
        return 0;
}
