/*
 * events/plugin.h - the ABI between events-consumer and handler plugins.
 *
 * A plugin is a shared object that events-consumer loads with dlopen() when
 * the routes file names it:
 *
 *   {"type": "plugin", "path": "libmyhandlers.so", "function": "on_signup",
 *    "config": {"greeting": "welcome"}}
 *
 * The plugin exports one descriptor, named events_plugin_abi, declared with
 * EVENTS_PLUGIN_DEFINE(), and any number of handler functions with the
 * signature of events_handler_cb (see events/router.h):
 *
 *   int on_signup(const events_event_t *ev, events_handler_ctx_t *ctx,
 *                 void *state);
 *
 * The context gives the Kafka message's topic, partition, offset, key,
 * headers and timestamp, takes the reason of a failure
 * (events_handler_ctx_set_error(), which reaches the dead-letter header
 * events.error), and says when the daemon is shutting down
 * (events_handler_ctx_cancelled()).
 *
 * The daemon checks the descriptor's abi_version (see Versioning below);
 * then, for every handler entry of the routes file that names the plugin,
 * it calls init() with that entry's "config" and looks the function up by
 * name with dlsym(). The state that init() returns is handed to the
 * function on each call and to fini() when the routes are unloaded (on
 * exit, or when SIGHUP loads a new routes file).
 *
 * A handler returns 0 when it handled the event; anything else is a
 * failure, retried with backoff per the route's policy and then sent to
 * the dead-letter topic. The event and the context are borrowed for the
 * call only; read the event with the functions of events/event.h. Handlers
 * run on the daemon's main thread, one event at a time, so a plugin needs
 * no locking of its own state, and it must not call exit() or change
 * signal dispositions.
 *
 * Shutdown (SIGTERM, SIGINT): the daemon cannot interrupt a function in
 * its own process, so a plugin that works for long must cooperate:
 *
 * - check events_handler_ctx_cancelled() at least every 100 ms of work
 *   (and between retries of its own I/O); once it is 1,
 * - return non-zero (events_handler_ctx_set_error() may say why) by
 *   events_handler_ctx_deadline_ms(): a CLOCK_MONOTONIC time in ms, the
 *   signal's time plus half of the daemon's --shutdown-timeout. Bound any
 *   blocking call by it (poll timeouts, socket timeouts).
 * - The event is then not committed, not dead-lettered: it is consumed
 *   again after the restart, so the handler must be safe to run again on
 *   it (at-least-once).
 * - A plugin still running at the end of --shutdown-timeout is abandoned:
 *   the daemon exits with status 75 without a final commit (the events
 *   since the last commit come again).
 *
 *   int on_signup(const events_event_t *ev, events_handler_ctx_t *ctx,
 *                 void *state) {
 *           while (more_work(state)) {
 *                   if (events_handler_ctx_cancelled(ctx)) {
 *                           events_handler_ctx_set_error(ctx, "cancelled");
 *                           return -1;
 *                   }
 *                   do_a_slice(state, 50); // at most 50 ms
 *           }
 *           return 0;
 *   }
 *
 * Build a plugin as a shared object (CMake: add_library(x MODULE ...),
 * linked to events::events; or cc -shared -fPIC x.c $(pkg-config --cflags
 * --libs events)). A complete example is examples/plugin/example_plugin.c.
 *
 * Versioning: EVENTS_PLUGIN_ABI_VERSION changes whenever the descriptor or
 * the handler signature changes incompatibly. Fields are only appended.
 *
 * - 2 (now): handlers take a context, events_handler_cb.
 * - 1: handlers took (const events_event_t *ev, void *state), the type
 *   events_plugin_handler_v1_cb. The daemon still loads such plugins and
 *   calls their functions with that signature (the descriptor did not
 *   change); they get no context, and their failures read "plugin
 *   function F returned N". Rebuild against this header to use the
 *   context.
 * - Anything else (0, or a version newer than the daemon's) is refused
 *   when the routes file is loaded, with the version the plugin declares
 *   and the ones the daemon speaks.
 */
#ifndef EVENTS_PLUGIN_H
#define EVENTS_PLUGIN_H

#include <stdint.h>

#include <jansson.h>

#include "events/common.h"
#include "events/event.h"
#include "events/router.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The plugin ABI version that this header describes. */
#define EVENTS_PLUGIN_ABI_VERSION 2

/** The oldest plugin ABI version the daemon still loads (adapted). */
#define EVENTS_PLUGIN_ABI_VERSION_MIN 1

/** A handler function of plugin ABI version 1, without a context. */
typedef int (*events_plugin_handler_v1_cb)(const events_event_t *ev,
                                           void *state);

/** The name of the descriptor symbol the daemon looks up. */
#define EVENTS_PLUGIN_SYMBOL "events_plugin_abi"

/**
 * A plugin's one-time setup for one handler entry of the routes file.
 * @param config  the entry's "config" value (borrowed, valid during the
 *                call only; take a reference to keep it), or NULL when the
 *                entry has none.
 * @param statep  where to store the state given to the handler function
 *                and to fini(); it starts as NULL.
 * @param errbuf  where to write a reason on failure (NUL-terminated).
 * @param errsize the size of errbuf.
 * @returns 0 on success; anything else makes the routes file fail to load
 *          (at start: the daemon exits; on SIGHUP: the old routes stay).
 */
typedef int (*events_plugin_init_cb)(const json_t *config, void **statep,
                                     char *errbuf, size_t errsize);

/**
 * Release what init() created. Called once per successful init().
 * @param state as stored by init(); may be NULL.
 */
typedef void (*events_plugin_fini_cb)(void *state);

/**
 * The descriptor a plugin exports as `events_plugin_abi`.
 * Write it with EVENTS_PLUGIN_DEFINE() rather than by hand.
 */
typedef struct events_plugin_s {
        uint32_t abi_version;       /**< EVENTS_PLUGIN_ABI_VERSION */
        const char *name;           /**< the plugin's name, for logs */
        const char *version;        /**< the plugin's own version */
        events_plugin_init_cb init; /**< may be NULL: state stays NULL */
        events_plugin_fini_cb fini; /**< may be NULL */
} events_plugin_t;

#if defined(__GNUC__)
#define EVENTS_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define EVENTS_PLUGIN_EXPORT
#endif

/**
 * Declare the plugin's descriptor. Use once per plugin, at file scope:
 *
 *   EVENTS_PLUGIN_DEFINE("greeter", "1.0.0", greeter_init, greeter_fini);
 *
 * Handler functions must be exported too (EVENTS_PLUGIN_HANDLER, or built
 * without -fvisibility=hidden).
 */
#define EVENTS_PLUGIN_DEFINE(name_, version_, init_, fini_)                    \
        EVENTS_PLUGIN_EXPORT extern const events_plugin_t events_plugin_abi;   \
        EVENTS_PLUGIN_EXPORT const events_plugin_t events_plugin_abi = {       \
                EVENTS_PLUGIN_ABI_VERSION, (name_), (version_), (init_),       \
                (fini_)}

/** Mark a handler function as exported: EVENTS_PLUGIN_HANDLER int f(...). */
#define EVENTS_PLUGIN_HANDLER EVENTS_PLUGIN_EXPORT

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_PLUGIN_H */
