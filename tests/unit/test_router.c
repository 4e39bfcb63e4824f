/*
 * test_router.c - route matching precedence (exact, glob, default),
 * handlers in order, retries with backoff, the stop flag, policies.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "router_int.h"

static int noop(const events_event_t *ev, events_handler_ctx_t *ctx,
                void *opaque) {
        return 0;
}

static events_event_t *event(const char *type) {
        events_event_t *ev = NULL;
        json_t *data = json_object();

        assert_int_equal(events_event_new(&ev, type, data, NULL), EVENTS_OK);
        json_decref(data);
        return ev;
}

static const char *matched(const events_router_t *r, const char *type) {
        const events_route_t *rt = events_router_match(r, type);

        if (!rt)
                return "(none)";
        return events_route_pattern(rt) ? events_route_pattern(rt)
                                        : "(default)";
}

static void test_events_router_match_precedence(void **state) {
        events_router_t *r;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_string_equal(matched(r, "user.created"), "(none)");
        assert_int_equal(events_router_add(r, NULL, "d", noop, NULL),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "all", noop, NULL),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.*", "users", noop, NULL),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.created", "uc", noop, NULL),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "*.deleted", "del", noop, NULL),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.del*", "ud", noop, NULL),
                         EVENTS_OK);

        assert_string_equal(matched(r, "user.created"), "user.created");
        assert_string_equal(matched(r, "user.updated"), "user.*");
        /* "user.del*" has 8 literal characters, "*.deleted" 8: first added */
        assert_string_equal(matched(r, "user.deleted"), "*.deleted");
        assert_string_equal(matched(r, "user.delayed"), "user.del*");
        assert_string_equal(matched(r, "order.deleted"), "*.deleted");
        assert_string_equal(matched(r, "order.placed"), "*");
        /* an exact route does not match by prefix */
        assert_string_equal(matched(r, "user.created.v2"), "user.*");
        events_router_destroy(r);
}

static void test_events_router_match_default_catches_rest(void **state) {
        events_router_t *r;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.*", "u", noop, NULL),
                         EVENTS_OK);
        assert_string_equal(matched(r, "order.placed"), "(none)");
        assert_int_equal(events_router_add(r, NULL, "d", noop, NULL),
                         EVENTS_OK);
        assert_string_equal(matched(r, "order.placed"), "(default)");
        assert_string_equal(matched(r, "user.x"), "user.*");
        events_router_destroy(r);
}

static void test_events_router_match_glob_forms(void **state) {
        events_router_t *r;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "a*b*c", "g", noop, NULL),
                         EVENTS_OK);
        assert_string_equal(matched(r, "abc"), "a*b*c");
        assert_string_equal(matched(r, "a.x.b.y.c"), "a*b*c");
        assert_string_equal(matched(r, "aXbXcX"), "(none)");
        assert_string_equal(matched(r, "ab"), "(none)");
        events_router_destroy(r);
        /* Stars that end a pattern, one or several, after a literal
         * part or after another star: the rest of the type, empty or
         * not. */
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "u*r.**", "g", noop, NULL),
                         EVENTS_OK);
        assert_string_equal(matched(r, "user."), "u*r.**");
        assert_string_equal(matched(r, "ur.x.y"), "u*r.**");
        assert_string_equal(matched(r, "user.created"), "u*r.**");
        assert_string_equal(matched(r, "users"), "(none)");
        assert_string_equal(matched(r, "xuser.created"), "(none)");
        events_router_destroy(r);
}

static void test_events_router_add_rejects_bad_input(void **state) {
        events_router_t *r;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "", "x", noop, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_add(r, "user created", "x", noop, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_add(r, "user/*", "x", noop, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_add(r, "a", NULL, noop, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_add(r, "a", "x", NULL, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_set_policy(r, "a", -1, 0, 0, 1),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_set_policy(r, "a b", 1, 0, 0, 1),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_new(NULL), EVENTS_ERR_INVALID_ARG);
        events_router_destroy(r);
        events_router_destroy(NULL);
}

static void test_events_route_policy_check_limits(void **state) {
        events_error_t err;

        assert_int_equal(events_route_policy_check(
                                 EVENTS_ROUTE_DEFAULT_RETRIES,
                                 EVENTS_ROUTE_DEFAULT_BACKOFF_MS,
                                 EVENTS_ROUTE_DEFAULT_BACKOFF_MAX_MS, &err),
                         EVENTS_OK);
        assert_int_equal(events_route_policy_check(0, 0, 0, NULL), EVENTS_OK);
        assert_int_equal(events_route_policy_check(EVENTS_ROUTE_MAX_RETRIES + 1,
                                                   1, 1, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_string_equal(err.pointer, "/retries");
        assert_string_equal(err.text, "must be between 0 and 1000");
        assert_int_equal(events_route_policy_check(1, -1, 1, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_string_equal(err.pointer, "/backoff_ms");
        assert_int_equal(events_route_policy_check(
                                 1, 1, EVENTS_ROUTE_MAX_BACKOFF_MS + 1, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_string_equal(err.pointer, "/backoff_max_ms");
}

/* The longest backoff below the first is refused, never clamped: by the
 * router and by the routes file alike. */
static void
test_events_route_policy_check_rejects_max_below_first(void **state) {
        events_router_t *r;
        events_error_t err;

        assert_int_equal(events_route_policy_check(3, 500, 100, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_string_equal(err.pointer, "");
        assert_string_equal(err.text,
                            "backoff_max_ms (100) is less than backoff_ms "
                            "(500)");
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, "a", 3, 500, 100, 1),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_router_set_policy(r, "a", 3, 500, 500, 1),
                         EVENTS_OK);
        events_router_destroy(r);
}

static void test_events_route_backoff_ms_doubles_up_to_max(void **state) {
        assert_int_equal(events_route_backoff_ms(100, 10000, 1), 100);
        assert_int_equal(events_route_backoff_ms(100, 10000, 2), 200);
        assert_int_equal(events_route_backoff_ms(100, 10000, 8), 10000);
        assert_int_equal(events_route_backoff_ms(100, 10000, 1000000), 10000);
        assert_int_equal(events_route_backoff_ms(0, 10000, 5), 0);
        assert_int_equal(events_route_backoff_ms(100, 10000, 0), 0);
        assert_int_equal(events_route_backoff_ms(EVENTS_ROUTE_MAX_BACKOFF_MS,
                                                 EVENTS_ROUTE_MAX_BACKOFF_MS,
                                                 40),
                         EVENTS_ROUTE_MAX_BACKOFF_MS);
}

static void test_events_router_set_policy_alone_does_not_match(void **state) {
        events_router_t *r;
        const events_route_t *rt;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "all", noop, NULL),
                         EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, "user.*", 0, 5, 50, 0),
                         EVENTS_OK);
        assert_string_equal(matched(r, "user.created"), "*");
        assert_int_equal(events_router_add(r, "user.*", "u", noop, NULL),
                         EVENTS_OK);
        rt = events_router_match(r, "user.created");
        assert_string_equal(events_route_pattern(rt), "user.*");
        assert_int_equal(events_route_validates(rt), 0);
        assert_int_equal(events_route_handler_count(rt), 1);
        assert_string_equal(events_route_handler_name(rt, 0), "u");
        assert_null(events_route_handler_name(rt, 1));
        events_router_destroy(r);
}

static void test_events_router_set_policy_defaults_and_backoff(void **state) {
        events_router_t *r;
        const events_route_t *rt;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "x", "h", noop, NULL), EVENTS_OK);
        rt = events_router_match(r, "x");
        assert_int_equal(events_route_validates(rt), 1);
        assert_int_equal(events__route_backoff_ms(rt, 1), 100);
        assert_int_equal(events__route_backoff_ms(rt, 2), 200);
        assert_int_equal(events__route_backoff_ms(rt, 7), 6400);
        assert_int_equal(events__route_backoff_ms(rt, 8), 10000);
        assert_int_equal(events__route_backoff_ms(rt, 60), 10000);
        assert_int_equal(events_router_set_policy(r, "x", 5, 10, 35, 1),
                         EVENTS_OK);
        assert_int_equal(events__route_backoff_ms(rt, 1), 10);
        assert_int_equal(events__route_backoff_ms(rt, 2), 20);
        assert_int_equal(events__route_backoff_ms(rt, 3), 35);
        events_router_destroy(r);
}

/* A handler that records its call and fails the first `fail` times. */
typedef struct rec_s {
        char log[64];
        int calls;
        int fail;
} rec_t;

typedef struct tagged_s {
        rec_t *rec;
        char tag;
        int calls;
        int fail;
} tagged_t;

static int tagged_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                          void *opaque) {
        tagged_t *t = opaque;
        size_t n = strlen(t->rec->log);

        /* each try starts with an empty error buffer */
        assert_string_equal(events_handler_ctx_error(ctx), "");
        if (t->calls < t->fail)
                events_handler_ctx_set_error(ctx, "%c failed, try %d", t->tag,
                                             events_handler_ctx_attempt(ctx));

        assert_string_equal(events_event_type(ev), "user.created");
        if (n + 1 < sizeof(t->rec->log)) {
                t->rec->log[n] = t->tag;
                t->rec->log[n + 1] = '\0';
        }
        t->calls++;
        return t->calls <= t->fail ? 7 : 0;
}

typedef struct obs_s {
        int calls;
        int attempts[16];
        int rcs[16];
        char handlers[16][8];
        char errors[16][32];
} obs_t;

static void observer(const events_event_t *ev, const events_handler_ctx_t *ctx,
                     const char *pattern, const char *handler, int rc,
                     int64_t duration_us, void *opaque) {
        obs_t *o = opaque;

        assert_true(duration_us >= 0);
        if (o->calls < 16) {
                o->attempts[o->calls] = events_handler_ctx_attempt(ctx);
                o->rcs[o->calls] = rc;
                snprintf(o->handlers[o->calls], 8, "%s", handler);
                snprintf(o->errors[o->calls], 32, "%s",
                         events_handler_ctx_error(ctx));
        }
        o->calls++;
}

static void test_events_router_dispatch_runs_handlers_in_order(void **state) {
        events_router_t *r;
        events_event_t *ev = event("user.created");
        rec_t rec = {.log = ""};
        tagged_t a = {&rec, 'a', 0, 0}, b = {&rec, 'b', 0, 0},
                 c = {&rec, 'c', 0, 0}, other = {&rec, 'x', 0, 0};
        events_dispatch_t out;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.created", "a", tagged_handler, &a),
                EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "x", tagged_handler, &other),
                EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.created", "b", tagged_handler, &b),
                EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.created", "c", tagged_handler, &c),
                EVENTS_OK);
        assert_int_equal(events_router_dispatch(r, ev, NULL, &out), EVENTS_OK);
        assert_string_equal(rec.log, "abc");
        assert_int_equal(out.handlers_ok, 3);
        assert_null(out.failed_handler);
        assert_string_equal(events_route_pattern(out.route), "user.created");
        events_event_destroy(ev);
        events_router_destroy(r);
}

static void test_events_router_dispatch_retries_with_backoff(void **state) {
        events_router_t *r;
        events_event_t *ev = event("user.created");
        rec_t rec = {.log = ""};
        tagged_t a = {&rec, 'a', 0, 0}, b = {&rec, 'b', 0, 2},
                 c = {&rec, 'c', 0, 0};
        obs_t obs = {0};
        events_dispatch_t out;
        int64_t t0, elapsed;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "a", tagged_handler, &a),
                EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "b", tagged_handler, &b),
                EVENTS_OK);
        assert_int_equal(
                events_router_add(r, "user.*", "c", tagged_handler, &c),
                EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, "user.*", 3, 20, 1000, 1),
                         EVENTS_OK);
        events_router_set_observer(r, observer, &obs);
        t0 = events__mono_us();
        assert_int_equal(events_router_dispatch(r, ev, NULL, &out), EVENTS_OK);
        elapsed = events__mono_us() - t0;
        /* b failed twice: waits of 20 then 40 ms; a is not run again */
        assert_string_equal(rec.log, "abbbc");
        assert_true(elapsed >= 60000);
        assert_true(elapsed < 2000000);
        assert_int_equal(out.handlers_ok, 3);
        assert_int_equal(obs.calls, 5);
        assert_string_equal(obs.handlers[1], "b");
        assert_int_equal(obs.attempts[1], 1);
        assert_int_equal(obs.rcs[1], 7);
        assert_int_equal(obs.attempts[3], 3);
        assert_int_equal(obs.rcs[3], 0);
        assert_int_equal(obs.attempts[4], 1);
        /* the observer sees each try's own error text */
        assert_string_equal(obs.errors[1], "b failed, try 1");
        assert_string_equal(obs.errors[2], "b failed, try 2");
        assert_string_equal(obs.errors[3], "");
        assert_string_equal(out.error, "");
        events_event_destroy(ev);
        events_router_destroy(r);
}

static void test_events_router_dispatch_gives_up_after_retries(void **state) {
        events_router_t *r;
        events_event_t *ev = event("user.created");
        rec_t rec = {.log = ""};
        tagged_t a = {&rec, 'a', 0, 0}, b = {&rec, 'b', 0, 1000},
                 c = {&rec, 'c', 0, 0};
        events_dispatch_t out;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, NULL, "a", tagged_handler, &a),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, NULL, "b", tagged_handler, &b),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, NULL, "c", tagged_handler, &c),
                         EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, NULL, 2, 1, 1, 0),
                         EVENTS_OK);
        assert_int_equal(events_router_dispatch(r, ev, NULL, &out),
                         EVENTS_ERR_HANDLER);
        assert_string_equal(rec.log, "abbb");
        assert_int_equal(out.handlers_ok, 1);
        assert_string_equal(out.failed_handler, "b");
        assert_int_equal(out.attempts, 3);
        assert_int_equal(out.rc, 7);
        assert_string_equal(out.error, "b failed, try 3");
        assert_int_equal(c.calls, 0);

        /* no retries at all */
        b.calls = 0;
        rec.log[0] = '\0';
        assert_int_equal(events_router_set_policy(r, NULL, 0, 1, 1, 0),
                         EVENTS_OK);
        assert_int_equal(events_router_dispatch(r, ev, NULL, &out),
                         EVENTS_ERR_HANDLER);
        assert_string_equal(rec.log, "ab");
        assert_int_equal(out.attempts, 1);
        events_event_destroy(ev);
        events_router_destroy(r);
}

static void test_events_router_dispatch_no_route(void **state) {
        events_router_t *r;
        events_event_t *ev = event("user.created");
        events_dispatch_t out;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "order.*", "o", noop, NULL),
                         EVENTS_OK);
        assert_int_equal(events_router_dispatch(r, ev, NULL, &out),
                         EVENTS_ERR_NO_ROUTE);
        assert_null(out.route);
        assert_int_equal(events_router_dispatch(r, NULL, NULL, &out),
                         EVENTS_ERR_INVALID_ARG);
        events_event_destroy(ev);
        events_router_destroy(r);
}

typedef struct ctx_seen_s {
        const char *topic;
        int32_t partition;
        int64_t offset;
        const void *key;
        size_t key_len;
        int header_rc, header_at_rc;
        int64_t ts;
        events_tstype_t tstype;
        int cancelled;
} ctx_seen_t;

static int ctx_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                       void *opaque) {
        ctx_seen_t *s = opaque;

        s->topic = events_handler_ctx_topic(ctx);
        s->partition = events_handler_ctx_partition(ctx);
        s->offset = events_handler_ctx_offset(ctx);
        s->key = events_handler_ctx_key(ctx, &s->key_len);
        s->header_rc = events_handler_ctx_header(ctx, EVENTS_HEADER_EVENT_TYPE,
                                                 NULL, NULL);
        s->header_at_rc =
                events_handler_ctx_header_at(ctx, 0, NULL, NULL, NULL);
        s->ts = events_handler_ctx_timestamp_ms(ctx, &s->tstype);
        s->cancelled = events_handler_ctx_cancelled(ctx);
        events_handler_ctx_set_error(ctx, "%s: %d", "no kafka", 42);
        return 1;
}

/* Outside Kafka the context has no message: NULL and -1 throughout, while
 * the error buffer and the cancel flag work. */
static void test_events_router_dispatch_ctx_without_message(void **state) {
        events_router_t *r;
        events_event_t *ev = event("user.created");
        ctx_seen_t s;
        events_dispatch_t out;
        volatile int stop = 0;

        memset(&s, 0xff, sizeof(s));
        s.key_len = 99;
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "ctx", ctx_handler, &s),
                         EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, "*", 0, 1, 1, 0),
                         EVENTS_OK);
        assert_int_equal(events_router_dispatch(r, ev, &stop, &out),
                         EVENTS_ERR_HANDLER);
        assert_null(s.topic);
        assert_int_equal(s.partition, -1);
        assert_int_equal(s.offset, -1);
        assert_null(s.key);
        assert_int_equal(s.key_len, 0);
        assert_int_equal(s.header_rc, -1);
        assert_int_equal(s.header_at_rc, -1);
        assert_int_equal(s.ts, -1);
        assert_int_equal(s.tstype, EVENTS_TSTYPE_NONE);
        assert_int_equal(s.cancelled, 0);
        assert_string_equal(out.error, "no kafka: 42");

        /* the stop flag is the cancel flag; a handler that fails while
         * the program stops was most likely cut short: the event is
         * interrupted (not stored, not dead-lettered), even on its last
         * try */
        stop = 1;
        assert_int_equal(events_router_dispatch(r, ev, &stop, &out),
                         EVENTS_ERR_TIMED_OUT);
        assert_int_equal(s.cancelled, 1);
        assert_string_equal(out.error, "no kafka: 42");
        /* NULL contexts are tolerated by every accessor */
        assert_null(events_handler_ctx_topic(NULL));
        assert_int_equal(events_handler_ctx_offset(NULL), -1);
        assert_string_equal(events_handler_ctx_error(NULL), "");
        events_handler_ctx_set_error(NULL, "ignored");
        events_event_destroy(ev);
        events_router_destroy(r);
}

static volatile int stop_flag;

static void *set_stop_later(void *arg) {
        struct timespec ts = {0, 50 * 1000000};

        nanosleep(&ts, NULL);
        stop_flag = 1;
        return NULL;
}

static void test_events_router_dispatch_stop_ends_backoff(void **state) {
        events_router_t *r;
        events_event_t *ev = event("user.created");
        rec_t rec = {.log = ""};
        tagged_t a = {&rec, 'a', 0, 1000}, b = {&rec, 'b', 0, 0};
        events_dispatch_t out;
        pthread_t th;
        int64_t t0, elapsed;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "a", tagged_handler, &a),
                         EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "b", tagged_handler, &b),
                         EVENTS_OK);
        /* a 10 s backoff that the stop flag must cut short */
        assert_int_equal(events_router_set_policy(r, "*", 5, 10000, 10000, 0),
                         EVENTS_OK);
        stop_flag = 0;
        assert_int_equal(pthread_create(&th, NULL, set_stop_later, NULL), 0);
        t0 = events__mono_us();
        assert_int_equal(events_router_dispatch(r, ev, &stop_flag, &out),
                         EVENTS_ERR_TIMED_OUT);
        elapsed = events__mono_us() - t0;
        pthread_join(th, NULL);
        assert_true(elapsed < 1000000);
        assert_int_equal(a.calls, 1);
        assert_int_equal(b.calls, 0);
        assert_string_equal(out.failed_handler, "a");
        assert_int_equal(out.attempts, 1);

        /* already stopped: the first try runs, no retry starts */
        a.calls = 0;
        assert_int_equal(events_router_dispatch(r, ev, &stop_flag, &out),
                         EVENTS_ERR_TIMED_OUT);
        assert_int_equal(a.calls, 1);
        events_event_destroy(ev);
        events_router_destroy(r);
}

/* A long handler that honours the cancellation: it works in 10 ms slices
 * until cancelled, then checks it returns before its deadline. */
typedef struct {
        int64_t returned_ms; /* CLOCK_MONOTONIC ms when it returned */
        int64_t deadline_ms; /* as the context said */
        int64_t deadline_before;
} long_seen_t;

static int64_t mono_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int long_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                        void *opaque) {
        long_seen_t *s = opaque;
        struct timespec slice = {0, 10 * 1000000L};

        (void)ev;
        s->deadline_before = events_handler_ctx_deadline_ms(ctx);
        for (int i = 0; i < 3000 && !events_handler_ctx_cancelled(ctx); i++)
                nanosleep(&slice, NULL);
        s->deadline_ms = events_handler_ctx_deadline_ms(ctx);
        s->returned_ms = mono_ms();
        events_handler_ctx_set_error(ctx, "cancelled");
        return -1;
}

typedef struct {
        volatile int *stop;
        volatile int64_t *deadline;
        int64_t stopped_ms;
} stopper_t;

/* What a SIGTERM does in events-consumer: the deadline, then the flag. */
static void *stop_later(void *arg) {
        stopper_t *st = arg;
        struct timespec wait = {0, 150 * 1000000L};

        nanosleep(&wait, NULL);
        st->stopped_ms = mono_ms();
        *st->deadline = st->stopped_ms + 500;
        *st->stop = 1;
        return NULL;
}

static void test_events_router_dispatch_cancel_within_deadline(void **state) {
        events_router_t *r;
        events_event_t *ev = event("user.created");
        events_dispatch_t out;
        volatile int stop = 0;
        volatile int64_t deadline = 0;
        long_seen_t seen = {0, 0, 0};
        stopper_t st = {&stop, &deadline, 0};
        pthread_t t;
        (void)state;

        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "*", "long", long_handler, &seen),
                         EVENTS_OK);
        assert_int_equal(events_router_set_policy(r, "*", 3, 1000, 1000, 0),
                         EVENTS_OK);
        assert_int_equal(pthread_create(&t, NULL, stop_later, &st), 0);
        assert_int_equal(events__router_dispatch_route(
                                 r, events_router_match(r, "user.created"), ev,
                                 NULL, NULL, &stop, &deadline, &out),
                         EVENTS_ERR_TIMED_OUT);
        pthread_join(t, NULL);
        /* no deadline before the cancellation, the stopper's after */
        assert_int_equal(seen.deadline_before, -1);
        assert_int_equal(seen.deadline_ms, st.stopped_ms + 500);
        assert_true(seen.returned_ms <= seen.deadline_ms);
        /* one try: no retry starts once stopped */
        assert_int_equal(out.attempts, 1);
        assert_string_equal(out.error, "cancelled");
        /* the public dispatch has no deadline */
        assert_int_equal(events_router_dispatch(r, ev, &stop, &out),
                         EVENTS_ERR_TIMED_OUT);
        assert_int_equal(seen.deadline_ms, -1);
        events_router_destroy(r);
        events_event_destroy(ev);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_router_match_precedence),
                cmocka_unit_test(test_events_router_match_default_catches_rest),
                cmocka_unit_test(test_events_router_match_glob_forms),
                cmocka_unit_test(test_events_router_add_rejects_bad_input),
                cmocka_unit_test(test_events_route_policy_check_limits),
                cmocka_unit_test(
                        test_events_route_policy_check_rejects_max_below_first),
                cmocka_unit_test(
                        test_events_route_backoff_ms_doubles_up_to_max),
                cmocka_unit_test(
                        test_events_router_set_policy_alone_does_not_match),
                cmocka_unit_test(
                        test_events_router_set_policy_defaults_and_backoff),
                cmocka_unit_test(
                        test_events_router_dispatch_runs_handlers_in_order),
                cmocka_unit_test(
                        test_events_router_dispatch_retries_with_backoff),
                cmocka_unit_test(
                        test_events_router_dispatch_gives_up_after_retries),
                cmocka_unit_test(test_events_router_dispatch_no_route),
                cmocka_unit_test(test_events_router_dispatch_stop_ends_backoff),
                cmocka_unit_test(
                        test_events_router_dispatch_ctx_without_message),
                cmocka_unit_test(
                        test_events_router_dispatch_cancel_within_deadline),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
