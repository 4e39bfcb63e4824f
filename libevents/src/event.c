/*
 * event.c - the event envelope: build one from a type and data, parse and
 * check one from bytes, stamp it, serialize it, and pull a partition key
 * out of it.
 *
 * An event keeps the whole envelope as a jansson object (so unknown
 * top-level fields survive, in input order) next to what is read on every
 * message: the type, the data object and the timestamp, both as
 * microseconds and as its normalized text. Serialization writes event_type,
 * data and timestamp first, then the unknown members, straight from these
 * fields (see json.c), so no second object is built. For the producer an
 * event parsed from bytes also remembers where its timestamp was in them
 * (event_int.h), so a valid input line can be sent as it is, with only the
 * timestamp spliced in.
 */
#include <stdlib.h>
#include <string.h>

#include "event_int.h"
#include "lite_int.h"

struct events_event_s {
        /* The whole envelope; owns a reference. On a lazy event both are
         * NULL until the first access builds them (see materialize()), and
         * are then read and written with atomics only. */
        json_t *json;
        /* Its "data" member; the event owns a reference too, except on a
         * lazy event, where it is borrowed from json. */
        json_t *data;
        /* A lazy event: the bytes it was checked from (owned by the
         * caller, alive as long as the event), to build json from. */
        const char *src;
        size_t src_len;
        int lazy;
        char type[EVENTS_EVENT_TYPE_MAX + 1];
        size_t type_len;
        int has_ts;
        int64_t ts_us;
        char ts[EVENTS_TIMESTAMP_BUFSIZE]; /* normalized, when has_ts */
        events__event_input_t input;
};

/* 1 for the bytes allowed in an event type: [A-Za-z0-9._-]. */
static const unsigned char type_byte[256] = {
        ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
        ['.'] = 1,         ['_'] = 1,         ['-'] = 1,
};

static int type_ok(const char *s, size_t n) {
        if (n == 0 || n > EVENTS_EVENT_TYPE_MAX)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (!type_byte[(unsigned char)s[i]])
                        return 0;
        return 1;
}

int events_type_valid(const char *event_type) {
        return event_type &&
               type_ok(event_type,
                       strnlen(event_type, EVENTS_EVENT_TYPE_MAX + 1));
}

static events_err_t shape_fail(events_error_t *err, events_err_t code,
                               const char *pointer, const char *text) {
        events__error_set(err, code, "%s", text);
        events__error_set_pointer(err, pointer);
        return code;
}

#define TYPE_RULE "event_type must be 1 to 255 bytes from [A-Za-z0-9._-]"

events_err_t events_event_new(events_event_t **evp, const char *event_type,
                              json_t *data, events_error_t *err) {
        events_event_t *ev;
        json_t *t;

        if (evp)
                *evp = NULL;
        if (!evp || !event_type || !data)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (!events_type_valid(event_type))
                return shape_fail(err, EVENTS_ERR_ENVELOPE, "/event_type",
                                  TYPE_RULE);
        if (!json_is_object(data))
                return shape_fail(err, EVENTS_ERR_ENVELOPE, "/data",
                                  "data must be a JSON object");
        if (!(ev = calloc(1, sizeof(*ev))))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        ev->type_len = strlen(event_type);
        memcpy(ev->type, event_type, ev->type_len + 1);
        ev->data = json_incref(data);
        ev->json = json_object();
        t = json_stringn_nocheck(ev->type, ev->type_len);
        if (!ev->json || json_object_set_new(ev->json, "event_type", t) ||
            json_object_set(ev->json, "data", data)) {
                events_event_destroy(ev);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        *evp = ev;
        return EVENTS_OK;
}

/* Store @p us as the timestamp, in the fields and in the JSON. */
static events_err_t set_timestamp(events_event_t *ev, int64_t us) {
        char text[EVENTS_TIMESTAMP_BUFSIZE];
        size_t n = events_timestamp_format(us, text, sizeof(text));
        json_t *v;

        if (!n)
                return EVENTS_ERR_TIMESTAMP;
        v = json_object_get(ev->json, "timestamp");
        if (json_is_string(v)) {
                if (json_string_setn_nocheck(v, text, n))
                        return EVENTS_ERR_NOMEM;
        } else if (json_object_set_new(ev->json, "timestamp",
                                       json_stringn_nocheck(text, n))) {
                return EVENTS_ERR_NOMEM;
        }
        memcpy(ev->ts, text, n + 1);
        ev->ts_us = us;
        ev->has_ts = 1;
        return EVENTS_OK;
}

events_err_t events_event_parse(events_event_t **evp, const char *buf,
                                size_t len, events_error_t *err) {
        return events_event_parse_limits(evp, buf, len, 0, 0, err);
}

/* A timestamp error: point at the failing byte when the raw text between
 * the quotes is the string itself (no escapes), else at the value. */
static void locate_timestamp_error(events_error_t *err, const char *buf,
                                   size_t len, const events__json_top_t *top) {
        const char *raw;
        size_t rawlen, off;

        if (!err)
                return;
        if (top->value_offset == EVENTS__NPOS) {
                /* The key was escaped: the value's place is not known, and
                 * the offset within the string means nothing here. */
                err->offset = EVENTS__NPOS;
                err->line = err->column = 0;
                return;
        }
        raw = buf + top->value_offset + 1;
        rawlen = top->value_len - 2;
        off = top->value_offset;
        if (!memchr(raw, '\\', rawlen) && err->offset != EVENTS__NPOS &&
            err->offset <= rawlen)
                off += 1 + err->offset;
        events__error_locate(err, buf, len, off);
}

events_err_t events_event_parse_limits(events_event_t **evp, const char *buf,
                                       size_t len, size_t max_bytes,
                                       int max_depth, events_error_t *err) {
        /* Where the timestamp is, for the error report and for
         * events__event_splice(). */
        events__json_top_t top = {.member = "timestamp", .member_len = 9};
        events_event_t *ev;
        json_t *root, *t, *d, *ts;
        events_err_t rc;
        int64_t us;

        if (evp)
                *evp = NULL;
        if (!evp)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        rc = events__json_parse_top(&root, buf, len, max_bytes, max_depth, err,
                                    &top);
        if (rc)
                return rc;

        if (!json_is_object(root)) {
                events__error_set(err, EVENTS_ERR_ENVELOPE,
                                  "an envelope must be a JSON object");
                events__error_locate(err, buf, len, top.start);
                json_decref(root);
                return EVENTS_ERR_ENVELOPE;
        }
        t = json_object_get(root, "event_type");
        d = json_object_get(root, "data");
        ts = json_object_get(root, "timestamp");
        if (!t)
                rc = shape_fail(err, EVENTS_ERR_ENVELOPE, "/event_type",
                                "event_type is missing");
        else if (!json_is_string(t))
                rc = shape_fail(err, EVENTS_ERR_ENVELOPE, "/event_type",
                                "event_type must be a string");
        else if (!type_ok(json_string_value(t), json_string_length(t)))
                rc = shape_fail(err, EVENTS_ERR_ENVELOPE, "/event_type",
                                TYPE_RULE);
        else if (!d)
                rc = shape_fail(err, EVENTS_ERR_ENVELOPE, "/data",
                                "data is missing");
        else if (!json_is_object(d))
                rc = shape_fail(err, EVENTS_ERR_ENVELOPE, "/data",
                                "data must be a JSON object");
        else if (ts && !json_is_string(ts))
                rc = shape_fail(err, EVENTS_ERR_TIMESTAMP, "/timestamp",
                                "timestamp must be an RFC 3339 string");
        else if (ts && (rc = events_timestamp_parse(json_string_value(ts),
                                                    json_string_length(ts), &us,
                                                    err))) {
                events__error_set_pointer(err, "/timestamp");
                locate_timestamp_error(err, buf, len, &top);
        }
        if (rc) {
                json_decref(root);
                return rc;
        }

        if (!(ev = calloc(1, sizeof(*ev)))) {
                json_decref(root);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        ev->json = root;
        ev->data = json_incref(d);
        ev->type_len = json_string_length(t);
        memcpy(ev->type, json_string_value(t), ev->type_len + 1);

        ev->input.known = !top.escaped_key && top.close != EVENTS__NPOS;
        ev->input.len = len;
        ev->input.close_offset = top.close;
        /* A timestamp that is there is a string (checked above), so the
         * located value is its quoted text. */
        ev->input.ts_offset = top.value_offset;
        ev->input.ts_len = top.value_len;
        if (ts) {
                ev->input.ts_present = 1;
                if ((rc = set_timestamp(ev, us))) {
                        events_event_destroy(ev);
                        return events__error_set(err, rc, NULL);
                }
                ev->input.ts_normalized =
                        top.value_offset != EVENTS__NPOS &&
                        top.value_len == EVENTS_TIMESTAMP_LEN + 2 &&
                        !memcmp(buf + top.value_offset + 1, ev->ts,
                                EVENTS_TIMESTAMP_LEN);
        }
        *evp = ev;
        return EVENTS_OK;
}

/*
 * The consumer's lazy path. events__event_parse_lazy() decides everything
 * events_event_parse() decides (strict JSON, the envelope's shape, the
 * timestamp) on the lite tree, and keeps only the bytes: the jansson tree
 * is built on the first access. Whatever the lite tree does not take, or
 * any envelope the lite checks would reject, goes the full way, so every
 * error report is the full path's.
 */

/* 1 when @p s[0..n) has the normalized form "YYYY-MM-DDTHH:MM:SS.ffffffZ",
 * which, once events_timestamp_parse() accepted it and its instant is in
 * events_timestamp_format()'s range, is exactly what the formatter would
 * write for it. */
static int ts_normalized_shape(const char *s, size_t n) {
        static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";

        if (n != EVENTS_TIMESTAMP_LEN)
                return 0;
        for (size_t i = 0; i < EVENTS_TIMESTAMP_LEN; i++) {
                if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9')
                                    : s[i] != shape[i])
                        return 0;
        }
        return 1;
}

/* 1 when @p s[0..n) is a normalized timestamp in the second that @p L's
 * timestamp cache holds (lite_int.h: the text up to the fraction of second
 * L->ts_sec), with its instant in @p us: no parse needed. Consecutive
 * events mostly share their second. */
static int ts_cached(const events__lite_t *L, const char *s, size_t n,
                     int64_t *us) {
        int64_t frac = 0;

        if (n != EVENTS_TIMESTAMP_LEN || !L->ts_head[0] ||
            s[EVENTS_TIMESTAMP_LEN - 1] != 'Z' ||
            memcmp(s, L->ts_head, EVENTS__TS_HEAD_LEN))
                return 0;
        for (size_t i = EVENTS__TS_HEAD_LEN; i < EVENTS_TIMESTAMP_LEN - 1;
             i++) {
                if (s[i] < '0' || s[i] > '9')
                        return 0;
                frac = frac * 10 + (s[i] - '0');
        }
        *us = L->ts_sec * 1000000 + frac;
        return 1;
}

events_err_t events__event_parse_lazy(events_event_t **evp, const char *buf,
                                      size_t len, events__lite_t *L,
                                      events_error_t *err) {
        const events__lnode_t *t, *d, *ts = NULL;
        events_event_t *ev;
        long it, id, its;
        int64_t us = 0;
        int normalized = 0;

        if (!evp || !L)
                return events_event_parse_limits(evp, buf, len, 0, 0, err);
        *evp = NULL;
        /* A line of a layout seen before fills the tree without a parse;
         * another is parsed, and its layout remembered, its event type
         * part of it like a key (the layout then names the schema). */
        if (len > EVENTS_DEFAULT_MAX_BYTES)
                goto full;
        if (!events__lite_match(L, buf, len)) {
                if (events__lite_parse(L, buf, len, EVENTS_DEFAULT_MAX_DEPTH))
                        goto full;
                if ((it = events__lite_get(L, 0, "event_type", 10)) >= 0 &&
                    L->n[it].type == EVENTS__LT_STRING)
                        events__lite_remember(L, buf, len, (uint32_t)it);
        }
        if ((it = events__lite_get(L, 0, "event_type", 10)) < 0 ||
            (id = events__lite_get(L, 0, "data", 4)) < 0)
                goto full;
        t = &L->n[it];
        d = &L->n[id];
        if (t->type != EVENTS__LT_STRING || !type_ok(t->s, t->len) ||
            d->type != EVENTS__LT_OBJECT)
                goto full;
        if ((its = events__lite_get(L, 0, "timestamp", 9)) >= 0) {
                ts = &L->n[its];
                /* Its offset in the input is kept: not one with escapes
                 * (the node points to the unescaped copy). */
                if (ts->type != EVENTS__LT_STRING ||
                    events__lite_unescaped(L, ts->s))
                        goto full;
                if (!(normalized = ts_cached(L, ts->s, ts->len, &us))) {
                        if (events_timestamp_parse(ts->s, ts->len, &us, NULL) ||
                            us < EVENTS__TS_MIN_US || us > EVENTS__TS_MAX_US)
                                goto full;
                        normalized = ts_normalized_shape(ts->s, ts->len);
                        if (normalized && us >= 0) {
                                memcpy(L->ts_head, ts->s, EVENTS__TS_HEAD_LEN);
                                L->ts_sec = us / 1000000;
                        }
                }
        }
        if (!(ev = malloc(sizeof(*ev))))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        ev->json = ev->data = NULL;
        ev->src = buf;
        ev->src_len = len;
        ev->lazy = 1;
        ev->type_len = t->len;
        memcpy(ev->type, t->s, t->len);
        ev->type[t->len] = '\0';
        memset(&ev->input, 0, sizeof(ev->input));
        ev->input.known = L->close != EVENTS__NPOS;
        ev->input.len = len;
        ev->input.close_offset = L->close;
        ev->input.ts_offset = EVENTS__NPOS;
        ev->has_ts = 0;
        ev->ts_us = 0;
        ev->ts[0] = '\0';
        if (ts) {
                ev->input.ts_present = 1;
                ev->input.ts_offset = (size_t)(ts->s - buf) - 1;
                ev->input.ts_len = ts->len + 2;
                if (normalized) {
                        memcpy(ev->ts, ts->s, EVENTS_TIMESTAMP_LEN);
                        ev->ts[EVENTS_TIMESTAMP_LEN] = '\0';
                        ev->input.ts_normalized = 1;
                } else if (!events_timestamp_format(us, ev->ts,
                                                    sizeof(ev->ts))) {
                        free(ev);
                        goto full;
                }
                ev->ts_us = us;
                ev->has_ts = 1;
        }
        *evp = ev;
        return EVENTS_OK;
full:
        return events_event_parse_limits(evp, buf, len, 0, 0, err);
}

/* Build a lazy event's tree and publish it; a thread that loses the race
 * frees its copy and takes the winner's. @returns the tree, or NULL when
 * memory ran out. */
static json_t *materialize(const events_event_t *ev) {
        events_event_t *w = (events_event_t *)ev; /* only atomics written */
        json_t *root = NULL, *expected = NULL, *tv;

        if (events__json_parse_top(&root, ev->src, ev->src_len, 0, 0, NULL,
                                   NULL))
                return NULL;
        /* As events_event_parse() does: the tree holds the normalized
         * timestamp text. */
        if (ev->has_ts && !ev->input.ts_normalized &&
            (!(tv = json_object_get(root, "timestamp")) ||
             json_string_setn_nocheck(tv, ev->ts, EVENTS_TIMESTAMP_LEN))) {
                json_decref(root);
                return NULL;
        }
        if (!__atomic_compare_exchange_n(&w->json, &expected, root, 0,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                json_decref(root);
                return expected;
        }
        return root;
}

int events__event_is_lazy(const events_event_t *ev) {
        return ev && ev->lazy;
}

static json_t *lazy_json(const events_event_t *ev) {
        json_t *j = __atomic_load_n(&ev->json, __ATOMIC_ACQUIRE);

        return j ? j : materialize(ev);
}

static json_t *lazy_data(const events_event_t *ev) {
        events_event_t *w = (events_event_t *)ev; /* only atomics written */
        json_t *d = __atomic_load_n(&ev->data, __ATOMIC_ACQUIRE), *j;

        if (d)
                return d;
        if (!(j = lazy_json(ev)))
                return NULL;
        /* Every thread stores the same pointer: the tree is published. */
        d = json_object_get(j, "data");
        __atomic_store_n(&w->data, d, __ATOMIC_RELEASE);
        return d;
}

void events_event_destroy(events_event_t *ev) {
        if (!ev)
                return;
        if (ev->lazy) {
                json_decref(__atomic_load_n(&ev->json, __ATOMIC_ACQUIRE));
                free(ev);
                return;
        }
        json_decref(ev->data);
        json_decref(ev->json);
        free(ev);
}

const char *events_event_type(const events_event_t *ev) {
        return ev ? ev->type : NULL;
}

json_t *events_event_data(const events_event_t *ev) {
        if (!ev)
                return NULL;
        return ev->lazy ? lazy_data(ev) : ev->data;
}

json_t *events_event_json(const events_event_t *ev) {
        if (!ev)
                return NULL;
        return ev->lazy ? lazy_json(ev) : ev->json;
}

int events_event_has_timestamp(const events_event_t *ev) {
        return ev && ev->has_ts;
}

int64_t events_event_timestamp_us(const events_event_t *ev) {
        return ev && ev->has_ts ? ev->ts_us : 0;
}

const char *events_event_timestamp(const events_event_t *ev) {
        return ev && ev->has_ts ? ev->ts : NULL;
}

events_err_t events_event_stamp(events_event_t *ev) {
        if (!ev)
                return EVENTS_ERR_INVALID_ARG;
        if (ev->lazy && !lazy_json(ev))
                return EVENTS_ERR_NOMEM;
        return set_timestamp(ev, events_now_us());
}

events_err_t events_event_set_timestamp_us(events_event_t *ev, int64_t us) {
        if (!ev)
                return EVENTS_ERR_INVALID_ARG;
        if (ev->lazy && !lazy_json(ev))
                return EVENTS_ERR_NOMEM;
        return set_timestamp(ev, us);
}

static int is_known_member(const char *key, size_t n) {
        return (n == 10 && !memcmp(key, "event_type", 10)) ||
               (n == 4 && !memcmp(key, "data", 4)) ||
               (n == 9 && !memcmp(key, "timestamp", 9));
}

events_err_t events_event_serialize(const events_event_t *ev, char **bufp,
                                    size_t *lenp) {
        events__buf_t b = {0};
        events_err_t rc = EVENTS_ERR_NOMEM;
        json_t *json;
        void *it;

        if (bufp)
                *bufp = NULL;
        if (lenp)
                *lenp = 0;
        if (!ev || !bufp)
                return EVENTS_ERR_INVALID_ARG;
        json = events_event_json(ev);
        if (!json)
                return EVENTS_ERR_NOMEM;
        if (events__buf_reserve(&b, 256) ||
            events__buf_put(&b, "{\"event_type\":", 14) ||
            events__json_dump_string(&b, ev->type, ev->type_len) ||
            events__buf_put(&b, ",\"data\":", 8))
                goto fail;
        if ((rc = events__json_dump(&b, events_event_data(ev))))
                goto fail;
        rc = EVENTS_ERR_NOMEM;
        if (ev->has_ts && (events__buf_put(&b, ",\"timestamp\":\"", 14) ||
                           events__buf_put(&b, ev->ts, EVENTS_TIMESTAMP_LEN) ||
                           events__buf_put(&b, "\"", 1)))
                goto fail;
        for (it = json_object_iter(json); it;
             it = json_object_iter_next(json, it)) {
                const char *key = json_object_iter_key(it);
                size_t klen = json_object_iter_key_len(it);

                if (is_known_member(key, klen))
                        continue;
                rc = EVENTS_ERR_NOMEM;
                if (events__buf_put(&b, ",", 1) ||
                    events__json_dump_string(&b, key, klen) ||
                    events__buf_put(&b, ":", 1))
                        goto fail;
                if ((rc = events__json_dump(&b, json_object_iter_value(it))))
                        goto fail;
        }
        rc = EVENTS_ERR_NOMEM;
        if (events__buf_put(&b, "}", 1))
                goto fail;
        *bufp = b.p;
        if (lenp)
                *lenp = b.len;
        return EVENTS_OK;
fail:
        free(b.p);
        return rc;
}

long long events__path_index(const char *p, size_t n) {
        long long v = 0;

        if (n == 0 || n > 18 || (n > 1 && p[0] == '0'))
                return -1;
        for (size_t i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -1;
                v = v * 10 + (p[i] - '0');
        }
        return v;
}

events_err_t events_event_key(const events_event_t *ev, const char *path,
                              char *buf, size_t size, size_t *lenp) {
        char tmp[EVENTS__REAL_BUFSIZE];
        const char *p, *dot, *src;
        json_t *v;
        size_t seg, n;

        if (lenp)
                *lenp = 0;
        if (!ev || !path || (!buf && size))
                return EVENTS_ERR_INVALID_ARG;
        if (size)
                buf[0] = '\0';
        if (!(v = events_event_json(ev)))
                return EVENTS_ERR_NOMEM;
        for (p = path;; p = dot + 1) {
                dot = strchr(p, '.');
                seg = dot ? (size_t)(dot - p) : strlen(p);
                if (json_is_object(v)) {
                        v = json_object_getn(v, p, seg);
                } else if (json_is_array(v)) {
                        long long i = events__path_index(p, seg);

                        v = i < 0 ? NULL : json_array_get(v, (size_t)i);
                } else {
                        v = NULL;
                }
                if (!v)
                        return EVENTS_ERR_NOT_FOUND;
                if (!dot)
                        break;
        }
        switch (json_typeof(v)) {
        case JSON_STRING:
                src = json_string_value(v);
                n = json_string_length(v);
                break;
        case JSON_INTEGER:
                n = events__int_format(json_integer_value(v), tmp);
                src = tmp;
                break;
        case JSON_REAL:
                n = events__real_format(json_real_value(v), tmp);
                src = tmp;
                break;
        default:
                return EVENTS_ERR_NOT_FOUND;
        }
        if (lenp)
                *lenp = n;
        if (n >= size)
                return EVENTS_ERR_TOO_LARGE;
        memcpy(buf, src, n);
        buf[n] = '\0';
        return EVENTS_OK;
}

const events__event_input_t *events__event_input(const events_event_t *ev) {
        return &ev->input;
}

events_err_t events__event_splice(const events_event_t *ev, const char *in,
                                  size_t in_len, char *out, size_t out_size,
                                  size_t *out_len) {
        char mid[EVENTS__SPLICE_EXTRA];
        size_t head, tail, midlen, need;

        if (out_len)
                *out_len = 0;
        if (!ev || !in || !out || !out_len)
                return EVENTS_ERR_INVALID_ARG;
        if (!ev->input.known || !ev->has_ts)
                return EVENTS_ERR_STATE;
        if (in_len != ev->input.len)
                return EVENTS_ERR_INVALID_ARG;
        if (ev->input.ts_present) {
                head = ev->input.ts_offset;
                tail = head + ev->input.ts_len;
                midlen = 0;
        } else {
                head = tail = ev->input.close_offset;
                memcpy(mid, ",\"timestamp\":", 13);
                midlen = 13;
        }
        mid[midlen++] = '"';
        memcpy(mid + midlen, ev->ts, EVENTS_TIMESTAMP_LEN);
        midlen += EVENTS_TIMESTAMP_LEN;
        mid[midlen++] = '"';
        need = head + midlen + (in_len - tail);
        if (need > out_size)
                return EVENTS_ERR_TOO_LARGE;
        memcpy(out, in, head);
        memcpy(out + head, mid, midlen);
        memcpy(out + head + midlen, in + tail, in_len - tail);
        *out_len = need;
        return EVENTS_OK;
}
