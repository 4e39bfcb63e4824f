/*
 * cloudevents.c - the CloudEvents 1.0 Kafka protocol binding: an event as
 * a CloudEvent in binary or structured mode, and back (events/
 * cloudevents.h).
 *
 * Decoding reads the message's headers and value into an attribute list
 * (events_cloudevent_t, a small array of name/value strings kept in
 * message order), checks the required attributes in one place for both
 * modes (check_required()), and builds the event from type, time and data.
 * Encoding writes the value with events__ce_write_value(), which the
 * producer also uses on its own buffer, and the headers with librdkafka's
 * header list.
 *
 * Ids are random UUIDs from a per-thread generator (xoshiro256**, seeded
 * from getrandom(2)): no lock and no system call per id. A forked child
 * seeds again (pthread_atfork), so that it never repeats its parent's ids.
 */
#define _GNU_SOURCE /* memmem() */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "cloudevents_int.h"
#include "events_int.h"

typedef struct attr_s {
        char *name;
        char *value;
} attr_t;

struct events_cloudevent_s {
        events_ce_mode_t mode;
        attr_t *a;
        size_t n, cap;
};

/* ---- attributes ---- */

events_err_t events_cloudevent_new(events_cloudevent_t **cep) {
        if (!cep)
                return EVENTS_ERR_INVALID_ARG;
        *cep = calloc(1, sizeof(**cep));
        return *cep ? EVENTS_OK : EVENTS_ERR_NOMEM;
}

void events_cloudevent_destroy(events_cloudevent_t *ce) {
        if (!ce)
                return;
        for (size_t i = 0; i < ce->n; i++) {
                free(ce->a[i].name);
                free(ce->a[i].value);
        }
        free(ce->a);
        free(ce);
}

static attr_t *find(const events_cloudevent_t *ce, const char *name,
                    size_t nlen) {
        for (size_t i = 0; ce && i < ce->n; i++)
                if (strlen(ce->a[i].name) == nlen &&
                    !memcmp(ce->a[i].name, name, nlen))
                        return &ce->a[i];
        return NULL;
}

/* Set name[0..nlen) to value[0..vlen), replacing in place. No checks. */
static events_err_t set_raw(events_cloudevent_t *ce, const char *name,
                            size_t nlen, const char *value, size_t vlen) {
        attr_t *at = find(ce, name, nlen);
        char *v = strndup(value, vlen);

        if (!v)
                return EVENTS_ERR_NOMEM;
        if (at) {
                free(at->value);
                at->value = v;
                return EVENTS_OK;
        }
        if (ce->n == ce->cap) {
                size_t cap = ce->cap ? ce->cap * 2 : 8;
                attr_t *na = realloc(ce->a, cap * sizeof(*na));

                if (!na) {
                        free(v);
                        return EVENTS_ERR_NOMEM;
                }
                ce->a = na;
                ce->cap = cap;
        }
        if (!(ce->a[ce->n].name = strndup(name, nlen))) {
                free(v);
                return EVENTS_ERR_NOMEM;
        }
        ce->a[ce->n++].value = v;
        return EVENTS_OK;
}

static int name_valid(const char *name) {
        size_t n = 0;

        for (; name[n]; n++)
                if (!((name[n] >= 'a' && name[n] <= 'z') ||
                      (name[n] >= '0' && name[n] <= '9')))
                        return 0;
        return n >= 1 && n <= EVENTS_CE_NAME_MAX;
}

events_err_t events_cloudevent_set(events_cloudevent_t *ce, const char *name,
                                   const char *value) {
        if (!ce || !name || !value || !name_valid(name))
                return EVENTS_ERR_INVALID_ARG;
        return set_raw(ce, name, strlen(name), value, strlen(value));
}

const char *events_cloudevent_get(const events_cloudevent_t *ce,
                                  const char *name) {
        const attr_t *at = name ? find(ce, name, strlen(name)) : NULL;

        return at ? at->value : NULL;
}

size_t events_cloudevent_count(const events_cloudevent_t *ce) {
        return ce ? ce->n : 0;
}

int events_cloudevent_at(const events_cloudevent_t *ce, size_t i,
                         const char **namep, const char **valuep) {
        if (!ce || i >= ce->n)
                return -1;
        if (namep)
                *namep = ce->a[i].name;
        if (valuep)
                *valuep = ce->a[i].value;
        return 0;
}

events_ce_mode_t events_cloudevent_mode(const events_cloudevent_t *ce) {
        return ce ? ce->mode : EVENTS_CE_NONE;
}

const char *events_ce_mode_name(events_ce_mode_t mode) {
        return mode == EVENTS_CE_BINARY       ? "binary"
               : mode == EVENTS_CE_STRUCTURED ? "structured"
                                              : "none";
}

events_ce_mode_t events_ce_mode_parse(const char *name) {
        if (name && !strcmp(name, "binary"))
                return EVENTS_CE_BINARY;
        if (name && !strcmp(name, "structured"))
                return EVENTS_CE_STRUCTURED;
        return EVENTS_CE_NONE;
}

/* ---- ids and the default source ---- */

static __thread uint64_t rng_s[4];
static __thread unsigned rng_gen; /* the fork generation it was seeded in,
                                     + 1 (0: never seeded) */
static volatile unsigned fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void) {
        fork_gen++;
}

static void atfork_register(void) {
        /* Nothing to do when it fails: only a forked child would then
         * repeat its parent's ids. */
        int rc = pthread_atfork(NULL, NULL, on_fork_child);
        (void)rc;
}

static uint64_t rotl(uint64_t x, int k) {
        return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna), from its published description. */
static uint64_t rng_next(void) {
        uint64_t *s = rng_s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return r;
}

static int rng_seed(void) {
        size_t got = 0;

        while (got < sizeof(rng_s)) {
                ssize_t n =
                        getrandom((char *)rng_s + got, sizeof(rng_s) - got, 0);
                if (n <= 0)
                        return -1;
                got += (size_t)n;
        }
        if (!(rng_s[0] | rng_s[1] | rng_s[2] | rng_s[3]))
                rng_s[0] = 1; /* the one state xoshiro cannot leave */
        return 0;
}

events_err_t events_cloudevent_id(char *buf, size_t size) {
        static const char hex[] = "0123456789abcdef";
        unsigned char b[16];
        uint64_t hi, lo;
        size_t at = 0;

        if (!buf || size < EVENTS_CE_ID_LEN + 1)
                return EVENTS_ERR_INVALID_ARG;
        pthread_once(&atfork_once, atfork_register);
        if (rng_gen != fork_gen + 1) {
                if (rng_seed())
                        return EVENTS_ERR_IO;
                rng_gen = fork_gen + 1;
        }
        hi = rng_next();
        lo = rng_next();
        for (int i = 0; i < 8; i++) {
                b[i] = (unsigned char)(hi >> (56 - 8 * i));
                b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
        }
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        for (int i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        buf[at++] = '-';
                buf[at++] = hex[b[i] >> 4];
                buf[at++] = hex[b[i] & 15];
        }
        buf[at] = '\0';
        return EVENTS_OK;
}

events_err_t events_cloudevent_default_source(char *buf, size_t size) {
        char host[256];
        int n;

        if (!buf)
                return EVENTS_ERR_INVALID_ARG;
        if (gethostname(host, sizeof(host)) || !host[0])
                snprintf(host, sizeof(host), "localhost");
        host[sizeof(host) - 1] = '\0';
        n = snprintf(buf, size, "%s%s", EVENTS_CE_DEFAULT_SOURCE_PREFIX, host);
        if (n < 0 || (size_t)n >= size) {
                if (size)
                        buf[0] = '\0';
                return EVENTS_ERR_TOO_LARGE;
        }
        return EVENTS_OK;
}

/* ---- encoding ---- */

static int put_str(events__buf_t *b, const char *s) {
        return events__buf_put(b, s, strlen(s));
}

/* ,"name":"value" */
static int put_member(events__buf_t *b, const char *name, const char *v,
                      size_t vlen) {
        return put_str(b, ",\"") || put_str(b, name) || put_str(b, "\":") ||
               events__json_dump_string(b, v, vlen);
}

/* The attributes an encoder writes itself, never from the caller's list. */
static int reserved(const char *name) {
        static const char *const r[] = {
                "specversion",     "id",          "source", "type", "time",
                "datacontenttype", "partitionkey"};

        for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
                if (!strcmp(name, r[i]))
                        return 1;
        return 0;
}

events_err_t events__ce_write_value(events__buf_t *b, const events_event_t *ev,
                                    events_ce_mode_t mode,
                                    const events__ce_attrs_t *a) {
        const char *type = events_event_type(ev), *ts;
        json_t *data = events_event_data(ev);

        if (!data)
                return EVENTS_ERR_NOMEM;
        if (mode == EVENTS_CE_BINARY)
                return events__json_dump(b, data);
        ts = events_event_timestamp(ev);
        if (put_str(b, "{\"specversion\":\"" EVENTS_CE_SPECVERSION "\"") ||
            put_member(b, "id", a->id, strlen(a->id)) ||
            put_member(b, "source", a->source, strlen(a->source)) ||
            put_member(b, "type", type, strlen(type)) ||
            (ts && put_member(b, "time", ts, strlen(ts))) ||
            put_str(b, ",\"datacontenttype\":\"" EVENTS_CE_DATA_CONTENT_TYPE
                       "\"") ||
            (a->pkey && put_member(b, "partitionkey", a->pkey, a->pklen)))
                return EVENTS_ERR_NOMEM;
        for (size_t i = 0; a->ext && i < a->ext->n; i++) {
                const attr_t *x = &a->ext->a[i];

                if (!reserved(x->name) &&
                    put_member(b, x->name, x->value, strlen(x->value)))
                        return EVENTS_ERR_NOMEM;
        }
        if (put_str(b, ",\"data\":"))
                return EVENTS_ERR_NOMEM;
        {
                events_err_t rc = events__json_dump(b, data);

                if (rc)
                        return rc;
        }
        return put_str(b, "}") ? EVENTS_ERR_NOMEM : EVENTS_OK;
}

static int add_header(rd_kafka_headers_t *h, const char *name,
                      const char *value) {
        return rd_kafka_header_add(h, name, -1, value, -1) !=
               RD_KAFKA_RESP_ERR_NO_ERROR;
}

static events_err_t encode_headers(const events_event_t *ev,
                                   const events_cloudevent_t *ce,
                                   events_ce_mode_t mode,
                                   const events__ce_attrs_t *a,
                                   rd_kafka_headers_t *h) {
        const char *ts = events_event_timestamp(ev);
        char name[sizeof(EVENTS_CE_HEADER_PREFIX) + 256];

        if (mode == EVENTS_CE_STRUCTURED)
                return add_header(h, EVENTS_CE_HEADER_CONTENT_TYPE,
                                  EVENTS_CE_STRUCTURED_CONTENT_TYPE)
                               ? EVENTS_ERR_NOMEM
                               : EVENTS_OK;
        if (add_header(h, "ce_specversion", EVENTS_CE_SPECVERSION) ||
            add_header(h, "ce_id", a->id) ||
            add_header(h, "ce_source", a->source) ||
            add_header(h, "ce_type", events_event_type(ev)) ||
            (ts && add_header(h, "ce_time", ts)) ||
            add_header(h, EVENTS_CE_HEADER_CONTENT_TYPE,
                       EVENTS_CE_DATA_CONTENT_TYPE))
                return EVENTS_ERR_NOMEM;
        for (size_t i = 0; ce && i < ce->n; i++) {
                if (reserved(ce->a[i].name))
                        continue;
                snprintf(name, sizeof(name), EVENTS_CE_HEADER_PREFIX "%s",
                         ce->a[i].name);
                if (add_header(h, name, ce->a[i].value))
                        return EVENTS_ERR_NOMEM;
        }
        return EVENTS_OK;
}

events_err_t events_cloudevent_encode(const events_event_t *ev,
                                      const events_cloudevent_t *ce,
                                      events_ce_mode_t mode,
                                      events_ce_message_t *out,
                                      events_error_t *err) {
        static const char *const fixed[] = {"type", "time", "specversion",
                                            "datacontenttype"};
        char id[EVENTS_CE_ID_LEN + 1], source[300];
        events__ce_attrs_t a = {0};
        events__buf_t b = {0};
        events_err_t rc;

        if (!ev || !out ||
            (mode != EVENTS_CE_BINARY && mode != EVENTS_CE_STRUCTURED))
                return events__error_set(err, EVENTS_ERR_INVALID_ARG,
                                         "needs an event, an output and the "
                                         "binary or structured mode");
        memset(out, 0, sizeof(*out));
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
                if (events_cloudevent_get(ce, fixed[i]))
                        return events__error_set(
                                err, EVENTS_ERR_ENVELOPE,
                                "attribute \"%s\" comes from the event or "
                                "the binding, and cannot be set",
                                fixed[i]);
        if (!(a.id = events_cloudevent_get(ce, "id"))) {
                if ((rc = events_cloudevent_id(id, sizeof(id))))
                        return events__error_set(err, rc,
                                                 "no random seed for an id");
                a.id = id;
        }
        if (!(a.source = events_cloudevent_get(ce, "source"))) {
                if (events_cloudevent_default_source(source, sizeof(source)))
                        snprintf(source, sizeof(source), "%slocalhost",
                                 EVENTS_CE_DEFAULT_SOURCE_PREFIX);
                a.source = source;
        }
        if ((a.pkey = events_cloudevent_get(ce, "partitionkey")))
                a.pklen = strlen(a.pkey);
        a.ext = ce;
        if ((rc = events__ce_write_value(&b, ev, mode, &a)))
                goto fail;
        if (!(out->headers = rd_kafka_headers_new(8)) ||
            (rc = encode_headers(ev, ce, mode, &a, out->headers))) {
                rc = EVENTS_ERR_NOMEM;
                goto fail;
        }
        out->value = b.p;
        out->len = b.len;
        out->key = a.pkey;
        out->key_len = a.pklen;
        return EVENTS_OK;
fail:
        if (out->headers)
                rd_kafka_headers_destroy(out->headers);
        out->headers = NULL;
        free(b.p);
        return events__error_set(err, rc, NULL);
}

/* ---- detection ---- */

/* The header @p name's last value, or NULL (then *lenp is 0). */
static const char *header(rd_kafka_headers_t *h, const char *name,
                          size_t *lenp) {
        const void *v = NULL;

        *lenp = 0;
        if (!h || rd_kafka_header_get_last(h, name, &v, lenp) || !v)
                return NULL;
        return v;
}

/* Whether the media type v[0..n) (parameters ignored) is @p type. */
static int media_is(const char *v, size_t n, const char *type) {
        size_t tl = strlen(type);

        while (n > 0 && (*v == ' ' || *v == '\t'))
                v++, n--;
        if (n < tl || strncasecmp(v, type, tl))
                return 0;
        v += tl, n -= tl;
        while (n > 0 && (*v == ' ' || *v == '\t'))
                v++, n--;
        return n == 0 || *v == ';';
}

/* JSON data: application/json, text/json or any type with "+json". */
static int media_json(const char *v, size_t n) {
        size_t end = 0;

        if (media_is(v, n, "application/json") || media_is(v, n, "text/json"))
                return 1;
        while (end < n && v[end] != ';')
                end++;
        while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t'))
                end--;
        return end >= 5 && !strncasecmp(v + end - 5, "+json", 5);
}

events_ce_mode_t events_cloudevent_detect(const events_ce_message_t *msg) {
        const char *ct, *v;
        size_t n, len;

        if (!msg)
                return EVENTS_CE_NONE;
        if (header(msg->headers, "ce_specversion", &n))
                return EVENTS_CE_BINARY;
        ct = header(msg->headers, EVENTS_CE_HEADER_CONTENT_TYPE, &n);
        if (ct && media_is(ct, n, EVENTS_CE_STRUCTURED_CONTENT_TYPE))
                return EVENTS_CE_STRUCTURED;
        v = msg->value;
        len = msg->len;
        while (len > 0 && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
                v++, len--;
        if (len > 0 && *v == '{' && memmem(v, len, "\"specversion\"", 13))
                return EVENTS_CE_STRUCTURED;
        return EVENTS_CE_NONE;
}

/* ---- decoding ---- */

/* Name the place of attribute @p name in @p mode, for an error text. */
static events_err_t fail_at(events_error_t *err, events_err_t code,
                            events_ce_mode_t mode, const char *name,
                            const char *why) {
        char ptr[EVENTS_CE_NAME_MAX + 32];

        if (mode == EVENTS_CE_BINARY) {
                if (!strcmp(name, "datacontenttype"))
                        return events__error_set(
                                err, code,
                                "header " EVENTS_CE_HEADER_CONTENT_TYPE ": %s",
                                why);
                return events__error_set(
                        err, code, "header " EVENTS_CE_HEADER_PREFIX "%s: %s",
                        name, why);
        }
        events__error_set(err, code, "attribute \"%s\": %s", name, why);
        snprintf(ptr, sizeof(ptr), "/%s", name);
        events__error_set_pointer(err, ptr);
        return code;
}

/* The rules both modes share, on the attributes read. @p usp: time's. */
static events_err_t check_required(const events_cloudevent_t *ce,
                                   events_ce_mode_t mode, int64_t *usp,
                                   int *has_time, events_error_t *err) {
        static const char *const req[] = {"specversion", "id", "source",
                                          "type"};
        const char *v;

        for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
                if (!(v = events_cloudevent_get(ce, req[i])))
                        return fail_at(err, EVENTS_ERR_ENVELOPE, mode, req[i],
                                       "missing");
                if (!*v)
                        return fail_at(err, EVENTS_ERR_ENVELOPE, mode, req[i],
                                       "empty");
        }
        v = events_cloudevent_get(ce, "specversion");
        if (strcmp(v, EVENTS_CE_SPECVERSION)) {
                char why[128];

                snprintf(why, sizeof(why),
                         "\"%.40s\" is not a supported version "
                         "(" EVENTS_CE_SPECVERSION " is)",
                         v);
                return fail_at(err, EVENTS_ERR_ENVELOPE, mode, "specversion",
                               why);
        }
        if (!events_type_valid(events_cloudevent_get(ce, "type")))
                return fail_at(err, EVENTS_ERR_ENVELOPE, mode, "type",
                               "not a valid event type ([A-Za-z0-9._-], 1 to "
                               "255 bytes)");
        *has_time = 0;
        if ((v = events_cloudevent_get(ce, "time"))) {
                if (events_timestamp_parse(v, strlen(v), usp, NULL))
                        return fail_at(err, EVENTS_ERR_TIMESTAMP, mode, "time",
                                       "not an RFC 3339 timestamp");
                *has_time = 1;
        }
        if ((v = events_cloudevent_get(ce, "datacontenttype")) &&
            !media_json(v, strlen(v)))
                return fail_at(err, EVENTS_ERR_ENVELOPE, mode,
                               "datacontenttype",
                               "not a JSON content type; only JSON data is "
                               "supported");
        return EVENTS_OK;
}

/* Binary mode: the ce_ headers and content-type into @p ce. */
static events_err_t read_headers(events_cloudevent_t *ce, rd_kafka_headers_t *h,
                                 events_error_t *err) {
        const char *name;
        const void *v;
        size_t size, nl = strlen(EVENTS_CE_HEADER_PREFIX);

        for (size_t i = 0;
             h && !rd_kafka_header_get_all(h, i, &name, &v, &size); i++) {
                const char *attr;

                if (!strncasecmp(name, EVENTS_CE_HEADER_PREFIX, nl) && name[nl])
                        attr = name + nl;
                else if (!strcasecmp(name, EVENTS_CE_HEADER_CONTENT_TYPE))
                        attr = "datacontenttype";
                else
                        continue;
                if (v && memchr(v, '\0', size))
                        return events__error_set(err, EVENTS_ERR_ENVELOPE,
                                                 "header %s: holds a NUL byte",
                                                 name);
                {
                        char lower[256];
                        size_t n = strlen(attr);

                        if (n >= sizeof(lower))
                                return events__error_set(
                                        err, EVENTS_ERR_ENVELOPE,
                                        "header %.40s...: name too long", name);
                        for (size_t k = 0; k <= n; k++)
                                lower[k] =
                                        (char)tolower((unsigned char)attr[k]);
                        if (set_raw(ce, lower, n, v ? v : "", v ? size : 0))
                                return events__error_set(err, EVENTS_ERR_NOMEM,
                                                         NULL);
                }
        }
        return EVENTS_OK;
}

/* Structured mode: the members of @p root but data into @p ce; data into
 * *datap (borrowed from root; NULL when absent or null). */
static events_err_t read_members(events_cloudevent_t *ce, json_t *root,
                                 json_t **datap, events_error_t *err) {
        const char *name;
        json_t *v;
        char num[EVENTS__REAL_BUFSIZE + 24];

        *datap = NULL;
        json_object_foreach(root, name, v) {
                const char *text;
                size_t len;

                if (!strcmp(name, "data")) {
                        if (!json_is_null(v))
                                *datap = v;
                        continue;
                }
                if (!strcmp(name, "data_base64"))
                        return fail_at(err, EVENTS_ERR_ENVELOPE,
                                       EVENTS_CE_STRUCTURED, "data_base64",
                                       "binary data is not supported; data "
                                       "must be a JSON object");
                switch (json_typeof(v)) {
                case JSON_STRING:
                        text = json_string_value(v);
                        len = json_string_length(v);
                        break;
                case JSON_INTEGER:
                        len = events__int_format(json_integer_value(v), num);
                        text = num;
                        break;
                case JSON_REAL:
                        len = events__real_format(json_real_value(v), num);
                        text = num;
                        break;
                case JSON_TRUE:
                case JSON_FALSE:
                        text = json_is_true(v) ? "true" : "false";
                        len = strlen(text);
                        break;
                case JSON_NULL:
                        continue; /* null is absent, says the JSON format */
                default:
                        if (strlen(name) > 200)
                                name = "(a long name)";
                        return fail_at(err, EVENTS_ERR_ENVELOPE,
                                       EVENTS_CE_STRUCTURED, name,
                                       "must be a string, number or boolean");
                }
                if (set_raw(ce, name, strlen(name), text, len))
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        return EVENTS_OK;
}

/* The data of a binary-mode message: its value, as a JSON object. */
static events_err_t binary_data(const events_ce_message_t *msg, json_t **datap,
                                events_error_t *err) {
        events_err_t rc;
        char why[EVENTS_ERROR_TEXT_LENGTH];

        if (!msg->value || msg->len == 0) {
                *datap = json_object();
                return *datap ? EVENTS_OK : EVENTS_ERR_NOMEM;
        }
        rc = events_json_parse(datap, msg->value, msg->len, 0, 0, err);
        if (rc) {
                if (err) {
                        snprintf(why, sizeof(why), "%s", err->text);
                        events__error_set(err, rc, "value (the data): %.200s",
                                          why);
                }
                return rc;
        }
        if (!json_is_object(*datap)) {
                json_decref(*datap);
                *datap = NULL;
                return events__error_set(err, EVENTS_ERR_ENVELOPE,
                                         "value (the data): must be a JSON "
                                         "object");
        }
        return EVENTS_OK;
}

events_err_t events_cloudevent_decode(const events_ce_message_t *msg,
                                      events_event_t **evp,
                                      events_cloudevent_t **cep,
                                      events_error_t *err) {
        events_ce_mode_t mode;
        events_cloudevent_t *ce = NULL;
        events_event_t *ev = NULL;
        json_t *root = NULL, *data = NULL, *sdata = NULL; /* sdata: root's */
        int64_t us = 0;
        int has_time = 0;
        events_err_t rc;

        if (!msg || !evp)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        *evp = NULL;
        if (cep)
                *cep = NULL;
        mode = events_cloudevent_detect(msg);
        if (mode == EVENTS_CE_NONE)
                return events__error_set(
                        err, EVENTS_ERR_ENVELOPE,
                        "not a CloudEvent: no ce_specversion header, no "
                        "content-type " EVENTS_CE_STRUCTURED_CONTENT_TYPE
                        ", no specversion member");
        if ((rc = events_cloudevent_new(&ce)))
                return events__error_set(err, rc, NULL);
        ce->mode = mode;
        if (mode == EVENTS_CE_BINARY) {
                rc = read_headers(ce, msg->headers, err);
        } else {
                size_t n;
                const char *ct =
                        header(msg->headers, EVENTS_CE_HEADER_CONTENT_TYPE, &n);

                rc = events_json_parse(&root, msg->value ? msg->value : "",
                                       msg->len, 0, 0, err);
                if (!rc && !json_is_object(root))
                        rc = events__error_set(err, EVENTS_ERR_ENVELOPE,
                                               "a structured CloudEvent must "
                                               "be a JSON object");
                if (!rc)
                        rc = read_members(ce, root, &sdata, err);
                /* The SDK's to_structured() moves datacontenttype to the
                 * content-type header. */
                if (!rc && ct &&
                    !media_is(ct, n, EVENTS_CE_STRUCTURED_CONTENT_TYPE) &&
                    !events_cloudevent_get(ce, "datacontenttype") &&
                    set_raw(ce, "datacontenttype", 15, ct, n))
                        rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        if (rc || (rc = check_required(ce, mode, &us, &has_time, err)))
                goto out;
        if (msg->key && msg->key_len > 0 &&
            !events_cloudevent_get(ce, "partitionkey") &&
            !memchr(msg->key, '\0', msg->key_len) &&
            set_raw(ce, "partitionkey", 12, msg->key, msg->key_len)) {
                rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                goto out;
        }
        if (mode == EVENTS_CE_BINARY) {
                if ((rc = binary_data(msg, &data, err)))
                        goto out;
        } else if (sdata && !json_is_object(sdata)) {
                rc = fail_at(err, EVENTS_ERR_ENVELOPE, mode, "data",
                             "must be a JSON object");
                goto out;
        } else if (sdata) {
                data = json_incref(sdata);
        } else if (!(data = json_object())) {
                rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                goto out;
        }
        rc = events_event_new(&ev, events_cloudevent_get(ce, "type"), data,
                              err);
        if (!rc && has_time)
                rc = events_event_set_timestamp_us(ev, us);
        if (rc) {
                events_event_destroy(ev);
                ev = NULL;
                goto out;
        }
        *evp = ev;
        if (cep) {
                *cep = ce;
                ce = NULL;
        }
out:
        json_decref(data);
        json_decref(root);
        events_cloudevent_destroy(ce);
        return rc;
}
