/*
 * handlers.h - the built-in handlers of events-consumer (log, exec, file,
 * forward) and the plugin loader, built from a checked routes file into a
 * libevents router.
 *
 * A handler_set_t is one generation of routes: the router and every
 * handler instance it points to (open files, loaded plugins). A reload
 * builds a new set and, only when that succeeds, replaces the old one, so
 * a bad file never leaves the daemon half-configured.
 *
 * Handlers learn where the event came from (topic, partition, offset, key)
 * from their events_handler_ctx_t, and leave the reason of a failure there
 * (events_handler_ctx_set_error()): the router's observer and the DLQ
 * header read it from the same place.
 */
#ifndef CONSUMER_HANDLERS_H
#define CONSUMER_HANDLERS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <events/events.h>

#include "routes.h"

/** Where the event being handled came from (from its context). */
typedef struct msg_meta {
        const char *topic;
        int32_t partition;
        int64_t offset;
        const char *key; /* may be NULL */
        size_t key_len;
} msg_meta_t;

/**
 * Republish an event (the forward handler).
 * @returns 0 when the broker acknowledged it, -1 with a reason in err.
 */
typedef int (*handler_publish_fn)(void *opaque, const char *topic,
                                  const msg_meta_t *meta,
                                  const events_event_t *ev, const char *json,
                                  size_t len, char *err, size_t errsize);

/** What handlers share with the main loop; owned by the main loop. */
typedef struct handler_env {
        handler_publish_fn publish; /* NULL: forward handlers fail */
        void *publish_opaque;
        /* The serialized event, made once per event for every handler. */
        const events_event_t *ser_ev;
        char *ser;
        size_t ser_len;
        /* Stall detection for /livez: the handler call running now (0:
         * none) and how long it may run; written on the main thread,
         * read from the HTTP thread. */
        _Atomic int64_t busy_since_ms;
        _Atomic int64_t busy_limit_ms;
        int stall_timeout_ms; /* the limit of a handler without a shorter
                                 timeout of its own */
} handler_env_t;

/** Forget the cached serialization; call after each event (the consumer's
 * delivery callback). */
void handler_env_reset(handler_env_t *env);

typedef struct handler_set handler_set_t;

/**
 * Build handlers and a router from @p routes.
 * @param routes taken over on success (freed with the set); left to the
 *               caller on failure.
 * @param env    borrowed; must outlive the set.
 * @param err    "POINTER: reason" on failure (a file that cannot be
 *               opened, a plugin that cannot be loaded, ...).
 * @returns 0 and *out, or -1.
 */
int handler_set_new(routes_t *routes, handler_env_t *env, handler_set_t **out,
                    char *err, size_t errsize);

/** The router; borrowed, lives as long as the set. */
events_router_t *handler_set_router(handler_set_t *s);

/** The number of routes and handlers, for logs. */
void handler_set_counts(const handler_set_t *s, size_t *routes,
                        size_t *handlers);

/** Periodic work: fsync files whose interval has passed. */
void handler_set_tick(handler_set_t *s);

/** Sync and close files, fini and unload plugins. @p s may be NULL. */
void handler_set_destroy(handler_set_t *s);

#endif /* CONSUMER_HANDLERS_H */
