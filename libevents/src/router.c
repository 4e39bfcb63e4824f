/*
 * router.c - route events by type to handler functions (events/router.h).
 *
 * A router is a small array of routes, each a pattern (exact type, glob,
 * or the default route) with an ordered array of handlers and a retry
 * policy. Routers hold a handful to a few hundred routes, so matching is
 * a linear scan: exact routes first, then the glob with the most literal
 * characters (ties go to the one added first), then the default. A route
 * that has a policy but no handler yet does not match anything: declaring
 * a policy must not swallow events that another route would handle.
 *
 * Dispatch runs the handlers on the calling thread, in order. A failing
 * handler is retried in place with exponential backoff; the handlers that
 * succeeded before it are not run again, and the ones after it do not run
 * when it finally fails. The consumer (consumer_message.c) then
 * dead-letters the event. Each call gets a context (handler_ctx.c) on
 * this function's stack, with the Kafka message when there is one. Backoff
 * sleeps in short slices so that a stop flag set by a signal handler ends it
 * quickly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "router_int.h"

#define SLEEP_SLICE_MS 10

typedef enum route_kind_e {
        ROUTE_EXACT,
        ROUTE_GLOB,
        ROUTE_DEFAULT
} route_kind_t;

typedef struct handler_s {
        char *name;
        events_handler_cb cb;
        void *opaque;
} handler_t;

struct events_route_s {
        char *pattern; /* NULL for the default route */
        route_kind_t kind;
        size_t literals; /* non-'*' characters: a glob's specificity */
        handler_t *handlers;
        size_t nhandlers, cap;
        int max_retries;
        int backoff_ms;
        int backoff_max_ms;
        int validate;
};

struct events_router_s {
        events_route_t **routes; /* in the order they were added */
        size_t nroutes, cap;
        events_router_observer_cb observer;
        void *observer_opaque;
};

int events__sleep_ms(int64_t ms, const volatile int *stop) {
        int64_t end = events__mono_us() + ms * 1000, left;

        while ((left = end - events__mono_us()) > 0) {
                struct timespec ts;
                int64_t slice = SLEEP_SLICE_MS * 1000;

                if (stop && *stop)
                        return 1;
                if (left < slice)
                        slice = left;
                ts.tv_sec = slice / 1000000;
                ts.tv_nsec = (long)(slice % 1000000) * 1000;
                while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
                        if (stop && *stop)
                                return 1;
        }
        return stop && *stop;
}

/* A pattern is a valid event type in which '*' may also appear. */
static int pattern_valid(const char *p, route_kind_t *kind, size_t *literals) {
        size_t n = 0, stars = 0;

        for (; p[n]; n++) {
                char ch = p[n];
                if (ch == '*')
                        stars++;
                else if (!((ch >= 'a' && ch <= 'z') ||
                           (ch >= 'A' && ch <= 'Z') ||
                           (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                           ch == '-'))
                        return 0;
        }
        if (n == 0 || n > EVENTS_EVENT_TYPE_MAX)
                return 0;
        *kind = stars ? ROUTE_GLOB : ROUTE_EXACT;
        *literals = n - stars;
        return 1;
}

/* '*' matches any run of characters, empty included. Iterative, with one
 * backtrack point: linear in practice, never exponential. A '*' that ends
 * the pattern ("*", "user.*", the commonest routes) takes the rest of the
 * string at once. */
static int glob_match(const char *pat, const char *s) {
        const char *star = NULL, *resume = NULL;

        while (*s) {
                if (*pat == '*') {
                        while (*pat == '*')
                                pat++;
                        if (!*pat)
                                return 1;
                        star = pat - 1;
                        resume = s;
                } else if (*pat == *s) {
                        pat++;
                        s++;
                } else if (star) {
                        pat = star + 1;
                        s = ++resume;
                } else {
                        return 0;
                }
        }
        while (*pat == '*')
                pat++;
        return *pat == '\0';
}

events_err_t events_router_new(events_router_t **rp) {
        if (!rp)
                return EVENTS_ERR_INVALID_ARG;
        *rp = calloc(1, sizeof(**rp));
        return *rp ? EVENTS_OK : EVENTS_ERR_NOMEM;
}

static void route_destroy(events_route_t *rt) {
        for (size_t i = 0; i < rt->nhandlers; i++)
                free(rt->handlers[i].name);
        free(rt->handlers);
        free(rt->pattern);
        free(rt);
}

void events_router_destroy(events_router_t *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->nroutes; i++)
                route_destroy(r->routes[i]);
        free(r->routes);
        free(r);
}

/* The route with exactly this pattern, created when absent. */
static events_err_t route_get(events_router_t *r, const char *pattern,
                              events_route_t **out) {
        route_kind_t kind = ROUTE_DEFAULT;
        size_t literals = 0;
        events_route_t *rt;

        if (pattern && !pattern_valid(pattern, &kind, &literals))
                return EVENTS_ERR_INVALID_ARG;
        for (size_t i = 0; i < r->nroutes; i++) {
                rt = r->routes[i];
                if (pattern ? (rt->pattern && !strcmp(rt->pattern, pattern))
                            : !rt->pattern) {
                        *out = rt;
                        return EVENTS_OK;
                }
        }
        if (r->nroutes == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 8;
                events_route_t **n = realloc(r->routes, cap * sizeof(*n));
                if (!n)
                        return EVENTS_ERR_NOMEM;
                r->routes = n;
                r->cap = cap;
        }
        if (!(rt = calloc(1, sizeof(*rt))))
                return EVENTS_ERR_NOMEM;
        if (pattern && !(rt->pattern = strdup(pattern))) {
                free(rt);
                return EVENTS_ERR_NOMEM;
        }
        rt->kind = kind;
        rt->literals = literals;
        rt->max_retries = EVENTS_ROUTE_DEFAULT_RETRIES;
        rt->backoff_ms = EVENTS_ROUTE_DEFAULT_BACKOFF_MS;
        rt->backoff_max_ms = EVENTS_ROUTE_DEFAULT_BACKOFF_MAX_MS;
        rt->validate = 1;
        r->routes[r->nroutes++] = rt;
        *out = rt;
        return EVENTS_OK;
}

events_err_t events_router_add(events_router_t *r, const char *pattern,
                               const char *name, events_handler_cb cb,
                               void *opaque) {
        events_route_t *rt;
        events_err_t rc;
        char *copy;

        if (!r || !name || !*name || !cb)
                return EVENTS_ERR_INVALID_ARG;
        if ((rc = route_get(r, pattern, &rt)))
                return rc;
        if (rt->nhandlers == rt->cap) {
                size_t cap = rt->cap ? rt->cap * 2 : 2;
                handler_t *n = realloc(rt->handlers, cap * sizeof(*n));
                if (!n)
                        return EVENTS_ERR_NOMEM;
                rt->handlers = n;
                rt->cap = cap;
        }
        if (!(copy = strdup(name)))
                return EVENTS_ERR_NOMEM;
        rt->handlers[rt->nhandlers].name = copy;
        rt->handlers[rt->nhandlers].cb = cb;
        rt->handlers[rt->nhandlers].opaque = opaque;
        rt->nhandlers++;
        return EVENTS_OK;
}

events_err_t events_router_set_policy(events_router_t *r, const char *pattern,
                                      int max_retries, int backoff_ms,
                                      int backoff_max_ms, int validate) {
        events_route_t *rt;
        events_err_t rc;

        if (!r || events_route_policy_check(max_retries, backoff_ms,
                                            backoff_max_ms, NULL))
                return EVENTS_ERR_INVALID_ARG;
        if ((rc = route_get(r, pattern, &rt)))
                return rc;
        rt->max_retries = max_retries;
        rt->backoff_ms = backoff_ms;
        rt->backoff_max_ms = backoff_max_ms;
        rt->validate = validate ? 1 : 0;
        return EVENTS_OK;
}

void events_router_set_observer(events_router_t *r,
                                events_router_observer_cb cb, void *opaque) {
        if (!r)
                return;
        r->observer = cb;
        r->observer_opaque = opaque;
}

const events_route_t *events_router_match(const events_router_t *r,
                                          const char *event_type) {
        const events_route_t *best = NULL, *dflt = NULL;

        if (!r || !event_type)
                return NULL;
        for (size_t i = 0; i < r->nroutes; i++) {
                const events_route_t *rt = r->routes[i];

                if (!rt->nhandlers)
                        continue;
                switch (rt->kind) {
                case ROUTE_EXACT:
                        if (!strcmp(rt->pattern, event_type))
                                return rt;
                        break;
                case ROUTE_GLOB:
                        if ((!best || rt->literals > best->literals) &&
                            glob_match(rt->pattern, event_type))
                                best = rt;
                        break;
                case ROUTE_DEFAULT:
                        dflt = rt;
                        break;
                }
        }
        return best ? best : dflt;
}

const char *events_route_pattern(const events_route_t *rt) {
        return rt ? rt->pattern : NULL;
}

int events_route_validates(const events_route_t *rt) {
        return rt ? rt->validate : 0;
}

size_t events_route_handler_count(const events_route_t *rt) {
        return rt ? rt->nhandlers : 0;
}

const char *events_route_handler_name(const events_route_t *rt, size_t i) {
        return rt && i < rt->nhandlers ? rt->handlers[i].name : NULL;
}

static events_err_t in_range(const char *field, int v, int hi,
                             events_error_t *err) {
        if (v >= 0 && v <= hi)
                return EVENTS_OK;
        events__error_set(err, EVENTS_ERR_INVALID_ARG,
                          "must be between 0 and %d", hi);
        events__error_set_pointer(err, field);
        return EVENTS_ERR_INVALID_ARG;
}

events_err_t events_route_policy_check(int max_retries, int backoff_ms,
                                       int backoff_max_ms,
                                       events_error_t *err) {
        events_err_t rc;

        if ((rc = in_range("/retries", max_retries, EVENTS_ROUTE_MAX_RETRIES,
                           err)) ||
            (rc = in_range("/backoff_ms", backoff_ms,
                           EVENTS_ROUTE_MAX_BACKOFF_MS, err)) ||
            (rc = in_range("/backoff_max_ms", backoff_max_ms,
                           EVENTS_ROUTE_MAX_BACKOFF_MS, err)))
                return rc;
        if (backoff_max_ms < backoff_ms)
                return events__error_set(
                        err, EVENTS_ERR_INVALID_ARG,
                        "backoff_max_ms (%d) is less than backoff_ms (%d)",
                        backoff_max_ms, backoff_ms);
        events_error_clear(err);
        return EVENTS_OK;
}

int64_t events_route_backoff_ms(int backoff_ms, int backoff_max_ms,
                                int attempt) {
        int64_t ms = backoff_ms;

        if (attempt < 1 || backoff_ms < 0 || backoff_max_ms < 0)
                return 0;
        for (int i = 1; i < attempt && ms < backoff_max_ms; i++)
                ms *= 2;
        return ms > backoff_max_ms ? backoff_max_ms : ms;
}

int64_t events__route_backoff_ms(const events_route_t *rt, int attempt) {
        return events_route_backoff_ms(rt->backoff_ms, rt->backoff_max_ms,
                                       attempt);
}

events_err_t events__router_dispatch_route(
        const events_router_t *r, const events_route_t *rt,
        const events_event_t *ev, const rd_kafka_message_t *m,
        const events_cloudevent_t *ce, const volatile int *stop,
        const volatile int64_t *deadline_ms, events_dispatch_t *out) {
        events_dispatch_t local;
        events_handler_ctx_t ctx;

        if (!out)
                out = &local;
        memset(out, 0, sizeof(*out));
        out->route = rt;
        if (!rt)
                return EVENTS_ERR_NO_ROUTE;
        ctx.msg = m;
        ctx.ce = ce;
        ctx.stop = stop;
        ctx.deadline_ms = deadline_ms;
        for (size_t i = 0; i < rt->nhandlers; i++) {
                const handler_t *h = &rt->handlers[i];
                int attempt = 0, rc;

                for (;;) {
                        /* the clock is read only for an observer: at
                         * hundreds of thousands of events a second it
                         * shows in profiles */
                        int64_t t0 = r->observer ? events__mono_us() : 0;

                        attempt++;
                        ctx.attempt = attempt;
                        ctx.error[0] = '\0';
                        rc = h->cb(ev, &ctx, h->opaque);
                        if (r->observer)
                                r->observer(ev, &ctx, rt->pattern, h->name, rc,
                                            events__mono_us() - t0,
                                            r->observer_opaque);
                        if (rc == 0)
                                break;
                        out->failed_handler = h->name;
                        out->attempts = attempt;
                        out->rc = rc;
                        memcpy(out->error, ctx.error, sizeof(out->error));
                        /* Failed while the program stops: most likely
                         * cut short by the cancellation, so the event is
                         * left to be consumed again, never dead-lettered. */
                        if (stop && *stop)
                                return EVENTS_ERR_TIMED_OUT;
                        if (attempt > rt->max_retries)
                                return EVENTS_ERR_HANDLER;
                        if (events__sleep_ms(
                                    events__route_backoff_ms(rt, attempt),
                                    stop))
                                return EVENTS_ERR_TIMED_OUT;
                }
                out->failed_handler = NULL;
                out->attempts = 0;
                out->rc = 0;
                out->error[0] = '\0';
                out->handlers_ok++;
        }
        return EVENTS_OK;
}

events_err_t events_router_dispatch(const events_router_t *r,
                                    const events_event_t *ev,
                                    const volatile int *stop,
                                    events_dispatch_t *out) {
        if (!r || !ev) {
                if (out)
                        memset(out, 0, sizeof(*out));
                return EVENTS_ERR_INVALID_ARG;
        }
        return events__router_dispatch_route(
                r, events_router_match(r, events_event_type(ev)), ev, NULL,
                NULL, stop, NULL, out);
}
