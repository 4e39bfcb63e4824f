/*
 * test_cloudevents.c - the CloudEvents Kafka binding: encode and decode in
 * both modes (round trips), detection, the errors that name the missing or
 * bad attribute, specversion, time, ids, the handler context's accessors
 * and the producer's CloudEvents mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "producer_int.h"
#include "router_int.h"

/* An event of type user.created, data {"user_id":42,...}, at a fixed time. */
static events_event_t *event(void) {
        events_event_t *ev = NULL;
        json_t *data =
                json_pack("{s:i,s:s}", "user_id", 42, "email", "a@example.com");

        assert_int_equal(events_event_new(&ev, "user.created", data, NULL),
                         EVENTS_OK);
        json_decref(data);
        /* 2026-11-27T18:05:00.123456Z */
        assert_int_equal(
                events_event_set_timestamp_us(ev, INT64_C(1795802700123456)),
                EVENTS_OK);
        return ev;
}

static events_cloudevent_t *attrs(void) {
        events_cloudevent_t *ce = NULL;

        assert_int_equal(events_cloudevent_new(&ce), EVENTS_OK);
        assert_int_equal(events_cloudevent_set(ce, "id", "id-1"), EVENTS_OK);
        assert_int_equal(events_cloudevent_set(ce, "source", "/test"),
                         EVENTS_OK);
        assert_int_equal(events_cloudevent_set(ce, "partitionkey", "42"),
                         EVENTS_OK);
        assert_int_equal(events_cloudevent_set(ce, "tenant", "acme"),
                         EVENTS_OK);
        return ce;
}

/* The header's value as a string ("" for none, NULL when absent). */
static const char *hdr(rd_kafka_headers_t *h, const char *name) {
        static char buf[512];
        const void *v;
        size_t n;

        if (rd_kafka_header_get_last(h, name, &v, &n))
                return NULL;
        assert_true(n < sizeof(buf));
        memcpy(buf, v ? v : "", n);
        buf[n] = '\0';
        return buf;
}

/* Decode @p m and check that it is the event of event() with attrs(). */
static void check_decoded(const events_ce_message_t *m, events_ce_mode_t mode) {
        events_event_t *ev = NULL;
        events_cloudevent_t *ce = NULL;
        events_error_t err;
        json_t *want =
                json_pack("{s:i,s:s}", "user_id", 42, "email", "a@example.com");

        assert_int_equal(events_cloudevent_detect(m), mode);
        assert_int_equal(events_cloudevent_decode(m, &ev, &ce, &err),
                         EVENTS_OK);
        assert_string_equal(events_event_type(ev), "user.created");
        assert_true(json_equal(events_event_data(ev), want));
        assert_string_equal(events_event_timestamp(ev),
                            "2026-11-27T18:05:00.123456Z");
        assert_int_equal(events_cloudevent_mode(ce), mode);
        assert_string_equal(events_cloudevent_get(ce, "specversion"), "1.0");
        assert_string_equal(events_cloudevent_get(ce, "id"), "id-1");
        assert_string_equal(events_cloudevent_get(ce, "source"), "/test");
        assert_string_equal(events_cloudevent_get(ce, "type"), "user.created");
        assert_string_equal(events_cloudevent_get(ce, "time"),
                            "2026-11-27T18:05:00.123456Z");
        assert_string_equal(events_cloudevent_get(ce, "datacontenttype"),
                            "application/json");
        assert_string_equal(events_cloudevent_get(ce, "partitionkey"), "42");
        assert_string_equal(events_cloudevent_get(ce, "tenant"), "acme");
        json_decref(want);
        events_event_destroy(ev);
        events_cloudevent_destroy(ce);
}

static void test_events_cloudevent_encode_binary_round_trip(void **state) {
        events_event_t *ev = event();
        events_cloudevent_t *ce = attrs();
        events_ce_message_t m;

        (void)state;
        assert_int_equal(
                events_cloudevent_encode(ev, ce, EVENTS_CE_BINARY, &m, NULL),
                EVENTS_OK);
        assert_string_equal(hdr(m.headers, "ce_specversion"), "1.0");
        assert_string_equal(hdr(m.headers, "ce_id"), "id-1");
        assert_string_equal(hdr(m.headers, "ce_source"), "/test");
        assert_string_equal(hdr(m.headers, "ce_type"), "user.created");
        assert_string_equal(hdr(m.headers, "ce_time"),
                            "2026-11-27T18:05:00.123456Z");
        assert_string_equal(hdr(m.headers, "ce_tenant"), "acme");
        assert_string_equal(hdr(m.headers, "content-type"), "application/json");
        /* the key is the partition key; no header for it */
        assert_null(hdr(m.headers, "ce_partitionkey"));
        assert_int_equal(m.key_len, 2);
        assert_memory_equal(m.key, "42", 2);
        assert_int_equal(m.len, strlen("{\"user_id\":42,\"email\":\"a@example."
                                       "com\"}"));
        assert_memory_equal(
                m.value, "{\"user_id\":42,\"email\":\"a@example.com\"}", m.len);
        check_decoded(&m, EVENTS_CE_BINARY);
        free((void *)m.value);
        rd_kafka_headers_destroy(m.headers);
        events_cloudevent_destroy(ce);
        events_event_destroy(ev);
}

static void test_events_cloudevent_encode_structured_round_trip(void **state) {
        events_event_t *ev = event();
        events_cloudevent_t *ce = attrs();
        events_ce_message_t m;
        json_t *root;

        (void)state;
        assert_int_equal(events_cloudevent_encode(ev, ce, EVENTS_CE_STRUCTURED,
                                                  &m, NULL),
                         EVENTS_OK);
        assert_string_equal(hdr(m.headers, "content-type"),
                            "application/cloudevents+json");
        assert_null(hdr(m.headers, "ce_specversion"));
        root = json_loadb(m.value, m.len, 0, NULL);
        assert_non_null(root);
        assert_string_equal(
                json_string_value(json_object_get(root, "specversion")), "1.0");
        assert_string_equal(json_string_value(json_object_get(root, "type")),
                            "user.created");
        assert_string_equal(
                json_string_value(json_object_get(root, "partitionkey")), "42");
        assert_int_equal(json_integer_value(json_object_get(
                                 json_object_get(root, "data"), "user_id")),
                         42);
        json_decref(root);
        check_decoded(&m, EVENTS_CE_STRUCTURED);
        free((void *)m.value);
        rd_kafka_headers_destroy(m.headers);
        events_cloudevent_destroy(ce);
        events_event_destroy(ev);
}

static void test_events_cloudevent_encode_defaults(void **state) {
        events_event_t *ev = event();
        events_ce_message_t m;
        char src[300];
        const char *id;

        (void)state;
        assert_int_equal(
                events_cloudevent_encode(ev, NULL, EVENTS_CE_BINARY, &m, NULL),
                EVENTS_OK);
        assert_int_equal(events_cloudevent_default_source(src, sizeof(src)),
                         EVENTS_OK);
        assert_int_equal(strncmp(src, "/events-producer/", 17), 0);
        assert_true(strlen(src) > 17);
        assert_string_equal(hdr(m.headers, "ce_source"), src);
        id = hdr(m.headers, "ce_id");
        assert_int_equal(strlen(id), EVENTS_CE_ID_LEN);
        assert_null(m.key);
        free((void *)m.value);
        rd_kafka_headers_destroy(m.headers);
        events_event_destroy(ev);
}

static void test_events_cloudevent_encode_refuses_fixed(void **state) {
        events_event_t *ev = event();
        events_cloudevent_t *ce = attrs();
        events_ce_message_t m;
        events_error_t err;

        (void)state;
        assert_int_equal(events_cloudevent_set(ce, "type", "x"), EVENTS_OK);
        assert_int_equal(
                events_cloudevent_encode(ev, ce, EVENTS_CE_BINARY, &m, &err),
                EVENTS_ERR_ENVELOPE);
        assert_non_null(strstr(err.text, "\"type\""));
        assert_int_equal(
                events_cloudevent_encode(ev, NULL, EVENTS_CE_NONE, &m, &err),
                EVENTS_ERR_INVALID_ARG);
        events_cloudevent_destroy(ce);
        events_event_destroy(ev);
}

static void test_events_cloudevent_set_bad_name(void **state) {
        events_cloudevent_t *ce = NULL;
        const char *name, *value;

        (void)state;
        assert_int_equal(events_cloudevent_new(&ce), EVENTS_OK);
        assert_int_equal(events_cloudevent_set(ce, "Upper", "x"),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_cloudevent_set(ce, "", "x"),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(
                events_cloudevent_set(ce, "abcdefghijklmnopqrstu", "x"),
                EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_cloudevent_set(ce, "a1", "x"), EVENTS_OK);
        assert_int_equal(events_cloudevent_set(ce, "a1", "y"), EVENTS_OK);
        assert_int_equal(events_cloudevent_count(ce), 1);
        assert_int_equal(events_cloudevent_at(ce, 0, &name, &value), 0);
        assert_string_equal(name, "a1");
        assert_string_equal(value, "y");
        assert_int_equal(events_cloudevent_at(ce, 1, &name, &value), -1);
        events_cloudevent_destroy(ce);
}

/* A binary-mode message with these ce_ headers (NULL-terminated pairs). */
static rd_kafka_headers_t *headers(const char *const *kv) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(8);

        for (; kv[0]; kv += 2)
                assert_int_equal(rd_kafka_header_add(h, kv[0], -1, kv[1], -1),
                                 RD_KAFKA_RESP_ERR_NO_ERROR);
        return h;
}

static events_err_t decode_binary(const char *const *kv, const char *value,
                                  events_event_t **evp, events_error_t *err) {
        events_ce_message_t m = {value, strlen(value), NULL, 0, headers(kv)};
        events_err_t rc = events_cloudevent_decode(&m, evp, NULL, err);

        rd_kafka_headers_destroy(m.headers);
        return rc;
}

static void test_events_cloudevent_decode_binary_missing(void **state) {
        static const char *const missing_id[] = {
                "ce_specversion", "1.0",          "ce_source", "/s",
                "ce_type",        "user.created", NULL};
        static const char *const missing_type[] = {
                "ce_specversion", "1.0", "ce_id", "1", "ce_source", "/s", NULL};
        static const char *const empty_source[] = {
                "ce_specversion", "1.0",          "ce_id", "1", "ce_source", "",
                "ce_type",        "user.created", NULL};
        events_event_t *ev = NULL;
        events_error_t err;

        (void)state;
        assert_int_equal(decode_binary(missing_id, "{}", &ev, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_null(ev);
        assert_string_equal(err.text, "header ce_id: missing");
        assert_int_equal(decode_binary(missing_type, "{}", &ev, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_string_equal(err.text, "header ce_type: missing");
        assert_int_equal(decode_binary(empty_source, "{}", &ev, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_string_equal(err.text, "header ce_source: empty");
}

static void test_events_cloudevent_decode_bad_specversion(void **state) {
        static const char *const v03[] = {"ce_specversion",
                                          "0.3",
                                          "ce_id",
                                          "1",
                                          "ce_source",
                                          "/s",
                                          "ce_type",
                                          "user.created",
                                          NULL};
        static const char doc[] = "{\"specversion\":\"2.0\",\"id\":\"1\","
                                  "\"source\":\"/s\",\"type\":\"t\"}";
        events_ce_message_t m = {doc, sizeof(doc) - 1, NULL, 0, NULL};
        events_event_t *ev = NULL;
        events_error_t err;

        (void)state;
        assert_int_equal(decode_binary(v03, "{}", &ev, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_non_null(strstr(err.text, "header ce_specversion: \"0.3\""));
        assert_int_equal(events_cloudevent_decode(&m, &ev, NULL, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_string_equal(err.pointer, "/specversion");
        assert_non_null(strstr(err.text, "\"2.0\""));
}

static void test_events_cloudevent_decode_structured_errors(void **state) {
        static const struct {
                const char *doc;
                events_err_t rc;
                const char *pointer;
        } cases[] = {
                {"{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"t\"}",
                 EVENTS_ERR_ENVELOPE, "/source"},
                {"{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\"}",
                 EVENTS_ERR_ENVELOPE, "/type"},
                {"{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                 "\"type\":\"a b\"}",
                 EVENTS_ERR_ENVELOPE, "/type"},
                {"{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                 "\"type\":\"t\",\"data\":[1]}",
                 EVENTS_ERR_ENVELOPE, "/data"},
                {"{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                 "\"type\":\"t\",\"data_base64\":\"AA==\"}",
                 EVENTS_ERR_ENVELOPE, "/data_base64"},
                {"{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\","
                 "\"type\":\"t\",\"time\":\"yesterday\"}",
                 EVENTS_ERR_TIMESTAMP, "/time"},
                {"{\"specversion\":\"1.0\",\"id\":1,\"source\":\"/s\","
                 "\"type\":\"t\",\"x\":{}}",
                 EVENTS_ERR_ENVELOPE, "/x"},
        };
        events_event_t *ev = NULL;
        events_error_t err;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                events_ce_message_t m = {cases[i].doc, strlen(cases[i].doc),
                                         NULL, 0, NULL};

                assert_int_equal(events_cloudevent_detect(&m),
                                 EVENTS_CE_STRUCTURED);
                assert_int_equal(events_cloudevent_decode(&m, &ev, NULL, &err),
                                 cases[i].rc);
                assert_null(ev);
                assert_string_equal(err.pointer, cases[i].pointer);
        }
}

static void test_events_cloudevent_decode_time(void **state) {
        static const char *const offset[] = {"ce_specversion",
                                             "1.0",
                                             "ce_id",
                                             "1",
                                             "ce_source",
                                             "/s",
                                             "ce_type",
                                             "user.created",
                                             "ce_time",
                                             "2026-11-27T19:05:00.5+01:00",
                                             NULL};
        static const char *const bad[] = {"ce_specversion",
                                          "1.0",
                                          "ce_id",
                                          "1",
                                          "ce_source",
                                          "/s",
                                          "ce_type",
                                          "user.created",
                                          "ce_time",
                                          "2026-02-30T00:00:00Z",
                                          NULL};
        static const char *const none[] = {"ce_specversion",
                                           "1.0",
                                           "ce_id",
                                           "1",
                                           "ce_source",
                                           "/s",
                                           "ce_type",
                                           "user.created",
                                           NULL};
        events_event_t *ev = NULL;
        events_error_t err;

        (void)state;
        assert_int_equal(decode_binary(offset, "{\"a\":1}", &ev, &err),
                         EVENTS_OK);
        assert_string_equal(events_event_timestamp(ev),
                            "2026-11-27T18:05:00.500000Z");
        events_event_destroy(ev);
        assert_int_equal(decode_binary(bad, "{}", &ev, &err),
                         EVENTS_ERR_TIMESTAMP);
        assert_non_null(strstr(err.text, "header ce_time"));
        assert_int_equal(decode_binary(none, "", &ev, &err), EVENTS_OK);
        assert_int_equal(events_event_has_timestamp(ev), 0);
        assert_int_equal(json_object_size(events_event_data(ev)), 0);
        events_event_destroy(ev);
}

static void test_events_cloudevent_decode_binary_data(void **state) {
        static const char *const text[] = {
                "ce_specversion", "1.0",        "ce_id",   "1",
                "ce_source",      "/s",         "ce_type", "user.created",
                "content-type",   "text/plain", NULL};
        static const char *const ok[] = {
                "ce_specversion",
                "1.0",
                "ce_id",
                "1",
                "ce_source",
                "/s",
                "ce_type",
                "user.created",
                "content-type",
                "application/vnd.x+json; charset=utf-8",
                NULL};
        events_event_t *ev = NULL;
        events_error_t err;

        (void)state;
        assert_int_equal(decode_binary(text, "{}", &ev, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_non_null(strstr(err.text, "header content-type"));
        assert_int_equal(decode_binary(ok, "[1]", &ev, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_non_null(strstr(err.text, "value"));
        assert_int_equal(decode_binary(ok, "{\"a\":", &ev, &err),
                         EVENTS_ERR_JSON);
        assert_int_equal(decode_binary(ok, "{\"a\":1}", &ev, &err), EVENTS_OK);
        events_event_destroy(ev);
}

/* What the Python SDK's to_structured() writes: no datacontenttype in the
 * JSON, the data's type in the content-type header, and the key. */
static void test_events_cloudevent_decode_sdk_structured(void **state) {
        static const char doc[] =
                "{\"specversion\": \"1.0\", \"id\": \"u-1\", \"source\": "
                "\"/py\", \"type\": \"user.deleted\", \"time\": "
                "\"2026-12-03T00:30:00.123456+00:00\", \"data\": "
                "{\"user_id\": 7}}";
        static const char *const ct[] = {"content-type", "application/json",
                                         NULL};
        events_ce_message_t m = {doc, sizeof(doc) - 1, "7", 1, headers(ct)};
        events_event_t *ev = NULL;
        events_cloudevent_t *ce = NULL;

        (void)state;
        assert_int_equal(events_cloudevent_detect(&m), EVENTS_CE_STRUCTURED);
        assert_int_equal(events_cloudevent_decode(&m, &ev, &ce, NULL),
                         EVENTS_OK);
        assert_string_equal(events_event_type(ev), "user.deleted");
        assert_string_equal(events_event_timestamp(ev),
                            "2026-12-03T00:30:00.123456Z");
        assert_string_equal(events_cloudevent_get(ce, "datacontenttype"),
                            "application/json");
        assert_string_equal(events_cloudevent_get(ce, "partitionkey"), "7");
        events_event_destroy(ev);
        events_cloudevent_destroy(ce);
        rd_kafka_headers_destroy(m.headers);
}

static void test_events_cloudevent_detect_envelope(void **state) {
        static const char env[] =
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":1}}";
        static const char *const et[] = {"event_type", "user.created", NULL};
        events_ce_message_t m = {env, sizeof(env) - 1, NULL, 0, headers(et)};
        events_event_t *ev = NULL;
        events_error_t err;

        (void)state;
        assert_int_equal(events_cloudevent_detect(&m), EVENTS_CE_NONE);
        assert_int_equal(events_cloudevent_decode(&m, &ev, NULL, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_non_null(strstr(err.text, "not a CloudEvent"));
        rd_kafka_headers_destroy(m.headers);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(a, b);
}

static void test_events_cloudevent_id_unique(void **state) {
        enum { N = 20000 };
        char(*ids)[EVENTS_CE_ID_LEN + 1] = malloc(N * sizeof(*ids));

        (void)state;
        assert_non_null(ids);
        assert_int_equal(events_cloudevent_id(ids[0], EVENTS_CE_ID_LEN),
                         EVENTS_ERR_INVALID_ARG);
        for (int i = 0; i < N; i++) {
                assert_int_equal(events_cloudevent_id(ids[i], sizeof(ids[i])),
                                 EVENTS_OK);
                assert_int_equal(strlen(ids[i]), 36);
                assert_int_equal(ids[i][8], '-');
                assert_int_equal(ids[i][14], '4');           /* version 4 */
                assert_non_null(strchr("89ab", ids[i][19])); /* variant */
        }
        qsort(ids, N, sizeof(*ids), cmp_str);
        for (int i = 1; i < N; i++)
                assert_string_not_equal(ids[i - 1], ids[i]);
        free(ids);
}

static int saw_ce;
static char saw_id[64];

static int ce_handler(const events_event_t *ev, events_handler_ctx_t *ctx,
                      void *opaque) {
        const char *id = events_handler_ctx_ce_attr(ctx, "id");

        (void)ev;
        (void)opaque;
        saw_ce = events_handler_ctx_cloudevent(ctx) != NULL;
        snprintf(saw_id, sizeof(saw_id), "%s", id ? id : "(none)");
        return 0;
}

static void test_events_handler_ctx_ce_attr(void **state) {
        events_router_t *r = NULL;
        events_event_t *ev = event();
        events_cloudevent_t *ce = attrs();

        (void)state;
        assert_int_equal(events_router_new(&r), EVENTS_OK);
        assert_int_equal(events_router_add(r, "user.*", "h", ce_handler, NULL),
                         EVENTS_OK);
        /* outside a CloudEvent: nothing */
        assert_int_equal(events_router_dispatch(r, ev, NULL, NULL), EVENTS_OK);
        assert_int_equal(saw_ce, 0);
        assert_string_equal(saw_id, "(none)");
        /* as the consumer dispatches a decoded CloudEvent */
        assert_int_equal(events__router_dispatch_route(
                                 r, events_router_match(r, "user.created"), ev,
                                 NULL, ce, NULL, NULL, NULL),
                         EVENTS_OK);
        assert_int_equal(saw_ce, 1);
        assert_string_equal(saw_id, "id-1");
        events_router_destroy(r);
        events_cloudevent_destroy(ce);
        events_event_destroy(ev);
}

/* The producer's CloudEvents mode, shaped as events_producer_submit()
 * would: the message decodes back to the line's event, keyed. */
static void producer_mode(events_ce_mode_t mode) {
        static const char line[] =
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":42},"
                "\"timestamp\":\"2026-11-27T18:05:00.123456Z\"}";
        events_producer_t *p = NULL;
        events__probe_t out;
        events_ce_message_t m = {0};
        events_event_t *ev = NULL;
        events_cloudevent_t *ce = NULL;
        rd_kafka_headers_t *h = NULL;

        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        assert_int_equal(events_producer_set_cloudevents(p, mode, "/unit"),
                         EVENTS_OK);
        assert_int_equal(
                events__producer_probe(p, line, sizeof(line) - 1, 0, 1, &out),
                EVENTS_OK);
        assert_int_equal(out.outcome, EVENTS_OUTCOME_QUEUED);
        assert_int_equal(out.lite_taken, 0);
        assert_string_equal(out.key, "42");
        m.value = out.msg;
        m.len = out.mlen;
        m.key = out.key;
        m.key_len = out.klen;
        if (mode == EVENTS_CE_BINARY) {
                /* the headers events__producer_produce_ce() sends */
                static const char *const kv[] = {"ce_specversion",
                                                 "1.0",
                                                 "ce_id",
                                                 "x",
                                                 "ce_source",
                                                 "/unit",
                                                 "ce_type",
                                                 "user.created",
                                                 "ce_time",
                                                 "2026-11-27T18:05:00.123456Z",
                                                 NULL};
                h = headers(kv);
                m.headers = h;
                assert_string_equal(out.msg, "{\"user_id\":42}");
        }
        assert_int_equal(events_cloudevent_decode(&m, &ev, &ce, NULL),
                         EVENTS_OK);
        assert_string_equal(events_event_type(ev), "user.created");
        assert_int_equal(json_integer_value(json_object_get(
                                 events_event_data(ev), "user_id")),
                         42);
        assert_string_equal(events_cloudevent_get(ce, "source"), "/unit");
        assert_string_equal(events_cloudevent_get(ce, "partitionkey"), "42");
        assert_string_equal(events_event_timestamp(ev),
                            "2026-11-27T18:05:00.123456Z");
        if (mode == EVENTS_CE_STRUCTURED)
                assert_int_equal(strlen(events_cloudevent_get(ce, "id")), 36);
        events_event_destroy(ev);
        events_cloudevent_destroy(ce);
        if (h)
                rd_kafka_headers_destroy(h);
        free(out.msg);
        /* back to the envelope: the lite path again */
        assert_int_equal(
                events_producer_set_cloudevents(p, EVENTS_CE_NONE, NULL),
                EVENTS_OK);
        assert_int_equal(
                events__producer_probe(p, line, sizeof(line) - 1, 0, 1, &out),
                EVENTS_OK);
        assert_int_equal(out.lite_taken, 1);
        assert_memory_equal(out.msg, line, sizeof(line) - 1);
        free(out.msg);
        events_producer_destroy(p);
}

static void test_events_producer_set_cloudevents_binary(void **state) {
        (void)state;
        producer_mode(EVENTS_CE_BINARY);
}

static void test_events_producer_set_cloudevents_structured(void **state) {
        (void)state;
        producer_mode(EVENTS_CE_STRUCTURED);
}

static void test_events_producer_set_cloudevents_bad(void **state) {
        events_producer_t *p = NULL;

        (void)state;
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        assert_int_equal(
                events_producer_set_cloudevents(p, (events_ce_mode_t)7, NULL),
                EVENTS_ERR_INVALID_ARG);
        assert_int_equal(
                events_producer_set_cloudevents(p, EVENTS_CE_BINARY, ""),
                EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_ce_mode_parse("binary"), EVENTS_CE_BINARY);
        assert_int_equal(events_ce_mode_parse("structured"),
                         EVENTS_CE_STRUCTURED);
        assert_int_equal(events_ce_mode_parse("Binary"), EVENTS_CE_NONE);
        events_producer_destroy(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(
                        test_events_cloudevent_encode_binary_round_trip),
                cmocka_unit_test(
                        test_events_cloudevent_encode_structured_round_trip),
                cmocka_unit_test(test_events_cloudevent_encode_defaults),
                cmocka_unit_test(test_events_cloudevent_encode_refuses_fixed),
                cmocka_unit_test(test_events_cloudevent_set_bad_name),
                cmocka_unit_test(test_events_cloudevent_decode_binary_missing),
                cmocka_unit_test(test_events_cloudevent_decode_bad_specversion),
                cmocka_unit_test(
                        test_events_cloudevent_decode_structured_errors),
                cmocka_unit_test(test_events_cloudevent_decode_time),
                cmocka_unit_test(test_events_cloudevent_decode_binary_data),
                cmocka_unit_test(test_events_cloudevent_decode_sdk_structured),
                cmocka_unit_test(test_events_cloudevent_detect_envelope),
                cmocka_unit_test(test_events_cloudevent_id_unique),
                cmocka_unit_test(test_events_handler_ctx_ce_attr),
                cmocka_unit_test(test_events_producer_set_cloudevents_binary),
                cmocka_unit_test(
                        test_events_producer_set_cloudevents_structured),
                cmocka_unit_test(test_events_producer_set_cloudevents_bad),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
