/*
 * test_event.c - the envelope: build, parse (good and bad documents from
 * tests/data/envelope/), stamp, serialize, round trips, partition keys, and
 * the producer's splice helpers from event_int.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <pthread.h>

#include <cmocka.h>

#include "event_int.h"
#include "lite_int.h"

/* Read a data file whole. */
static char *slurp(const char *rel, size_t *lenp) {
        const char *dir = getenv("EVENTS_TEST_DATA");
        char path[1024], *buf;
        FILE *fp;
        long n;

        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/envelope/%s", dir, rel);
        fp = fopen(path, "rb");
        if (!fp)
                fail_msg("cannot open %s", path);
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        n = ftell(fp);
        assert_true(n >= 0);
        rewind(fp);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
        buf[n] = '\0';
        fclose(fp);
        *lenp = (size_t)n;
        return buf;
}

static char *serialize(const events_event_t *ev) {
        char *out = NULL;
        size_t len = 0;

        assert_int_equal(events_event_serialize(ev, &out, &len), EVENTS_OK);
        assert_non_null(out);
        assert_int_equal(strlen(out), len);
        return out;
}

static events_event_t *parse_ok(const char *s) {
        events_event_t *ev = NULL;
        events_error_t err;

        if (events_event_parse(&ev, s, strlen(s), &err))
                fail_msg("parse \"%s\": %s", s, err.text);
        return ev;
}

/* Every good/NAME.json parses and serializes to good/NAME.expected; the
 * output parses again to the same output (the round trip is stable). */
static void test_events_event_parse_good_documents(void **state) {
        const char *dir = getenv("EVENTS_TEST_DATA");
        char path[1024];
        struct dirent *de;
        DIR *d;
        int cases = 0;

        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/envelope/good", dir);
        assert_non_null(d = opendir(path));
        while ((de = readdir(d))) {
                size_t nl = strlen(de->d_name), len, wlen;
                char rel[600], *in, *want, *out, *again;
                events_event_t *ev = NULL, *back = NULL;
                events_error_t err;

                if (nl < 6 || strcmp(de->d_name + nl - 5, ".json"))
                        continue;
                snprintf(rel, sizeof(rel), "good/%s", de->d_name);
                in = slurp(rel, &len);
                snprintf(rel, sizeof(rel), "good/%.*s.expected", (int)nl - 5,
                         de->d_name);
                want = slurp(rel, &wlen);
                while (wlen && want[wlen - 1] == '\n')
                        want[--wlen] = '\0';
                if (events_event_parse(&ev, in, len, &err))
                        fail_msg("%s: %s", de->d_name, err.text);
                out = serialize(ev);
                if (strcmp(out, want))
                        fail_msg("%s:\n got  %s\n want %s", de->d_name, out,
                                 want);
                assert_int_equal(
                        events_event_parse(&back, out, strlen(out), NULL),
                        EVENTS_OK);
                again = serialize(back);
                assert_string_equal(again, out);
                assert_true(json_equal(events_event_data(ev),
                                       events_event_data(back)));
                assert_string_equal(events_event_type(ev),
                                    events_event_type(back));
                assert_true(events_event_timestamp_us(ev) ==
                            events_event_timestamp_us(back));
                free(again);
                free(out);
                free(in);
                free(want);
                events_event_destroy(ev);
                events_event_destroy(back);
                cases++;
        }
        closedir(d);
        assert_true(cases >= 16);
}

/* Every line of bad/expected.tsv: the file fails with that code, offset,
 * line:column and JSON pointer. */
static void test_events_event_parse_bad_documents(void **state) {
        size_t mlen;
        char *manifest = slurp("bad/expected.tsv", &mlen), *line, *save;
        int cases = 0;

        for (line = strtok_r(manifest, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                char name[256], code[64], off[32], lc[32], ptr[64], rel[300];
                char *in, where[600];
                events_event_t *ev = (events_event_t *)1;
                events_error_t err;
                events_err_t rc;
                size_t len;

                if (line[0] == '#')
                        continue;
                if (sscanf(line,
                           "%255[^\t]\t%63[^\t]\t%31[^\t]\t%31[^\t]\t%63s",
                           name, code, off, lc, ptr) != 5)
                        fail_msg("bad manifest line: %s", line);
                snprintf(rel, sizeof(rel), "bad/%s", name);
                in = slurp(rel, &len);
                rc = events_event_parse(&ev, in, len, &err);
                assert_null(ev);
                events_error_format(&err, where, sizeof(where));
                if (strcmp(events_err2name(rc), code))
                        fail_msg("%s: got %s (%s), expected %s", name,
                                 events_err2name(rc), where, code);
                assert_int_equal(err.code, rc);
                assert_true(err.text[0] != '\0');
                if (strcmp(off, "-")) {
                        char got[64];

                        if (err.offset != strtoull(off, NULL, 10))
                                fail_msg("%s: offset %zu, expected %s (%s)",
                                         name, err.offset, off, where);
                        snprintf(got, sizeof(got), "%d:%d", err.line,
                                 err.column);
                        if (strcmp(got, lc))
                                fail_msg("%s: at %s, expected %s", name, got,
                                         lc);
                } else {
                        assert_true(err.offset == EVENTS__NPOS);
                        assert_int_equal(err.line, 0);
                }
                if (!strcmp(ptr, "-"))
                        assert_string_equal(err.pointer, "");
                else if (!strcmp(ptr, "\"\""))
                        assert_string_equal(err.pointer, "");
                else
                        assert_string_equal(err.pointer, ptr);
                /* The same without an error record. */
                assert_int_equal(events_event_parse(&ev, in, len, NULL), rc);
                free(in);
                cases++;
        }
        free(manifest);
        assert_true(cases >= 69);
}

static void test_events_type_valid_rules(void **state) {
        char longest[EVENTS_EVENT_TYPE_MAX + 2];

        assert_true(events_type_valid("user.created"));
        assert_true(events_type_valid("A-Z_a-z.0-9"));
        assert_true(events_type_valid("x"));
        assert_false(events_type_valid(""));
        assert_false(events_type_valid(NULL));
        assert_false(events_type_valid("user created"));
        assert_false(events_type_valid("user/created"));
        assert_false(events_type_valid("caf\xc3\xa9"));
        assert_false(events_type_valid("tab\t"));
        memset(longest, 'a', EVENTS_EVENT_TYPE_MAX);
        longest[EVENTS_EVENT_TYPE_MAX] = '\0';
        assert_true(events_type_valid(longest));
        longest[EVENTS_EVENT_TYPE_MAX] = 'a';
        longest[EVENTS_EVENT_TYPE_MAX + 1] = '\0';
        assert_false(events_type_valid(longest));
}

static void test_events_event_new_builds_envelope(void **state) {
        json_t *data = json_pack("{s:i, s:s}", "user_id", 42, "email",
                                 "a@example.com");
        events_event_t *ev;
        char *out;

        assert_int_equal(events_event_new(&ev, "user.created", data, NULL),
                         EVENTS_OK);
        assert_true(data->refcount > 1); /* the event took a reference */
        assert_string_equal(events_event_type(ev), "user.created");
        assert_ptr_equal(events_event_data(ev), data);
        assert_false(events_event_has_timestamp(ev));
        assert_null(events_event_timestamp(ev));
        assert_true(events_event_timestamp_us(ev) == 0);
        out = serialize(ev);
        assert_string_equal(out,
                            "{\"event_type\":\"user.created\",\"data\":{"
                            "\"user_id\":42,\"email\":\"a@example.com\"}}");
        free(out);
        assert_int_equal(events__event_input(ev)->known, 0);
        json_decref(data);
        /* The event's reference keeps data alive. */
        assert_int_equal(json_integer_value(json_object_get(
                                 events_event_data(ev), "user_id")),
                         42);
        events_event_destroy(ev);
        events_event_destroy(NULL);
}

static void test_events_event_new_rejects(void **state) {
        json_t *data = json_object(), *arr = json_array();
        events_event_t *ev = (events_event_t *)1;
        events_error_t err;

        assert_int_equal(events_event_new(&ev, "bad type", data, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_null(ev);
        assert_string_equal(err.pointer, "/event_type");
        assert_int_equal(events_event_new(&ev, "", data, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_int_equal(events_event_new(&ev, "a", arr, &err),
                         EVENTS_ERR_ENVELOPE);
        assert_string_equal(err.pointer, "/data");
        assert_int_equal(events_event_new(&ev, NULL, data, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_event_new(&ev, "a", NULL, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_event_new(NULL, "a", data, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(data->refcount, 1);
        json_decref(data);
        json_decref(arr);
}

/* Build, stamp, serialize, parse: the same event comes back. */
static void test_events_event_stamp_round_trip(void **state) {
        json_t *data = json_pack("{s:I, s:f, s:[s,n,b], s:{s:s}}", "user_id",
                                 (json_int_t)-9007199254740993LL, "score", 0.1,
                                 "list", "x", 1, "nested", "k", "\"q\"\n");
        events_event_t *ev, *back;
        int64_t before = events_now_us(), after;
        char *out, *again;

        assert_int_equal(events_event_new(&ev, "score.updated", data, NULL),
                         EVENTS_OK);
        assert_int_equal(events_event_stamp(ev), EVENTS_OK);
        after = events_now_us();
        assert_true(events_event_has_timestamp(ev));
        assert_true(events_event_timestamp_us(ev) >= before &&
                    events_event_timestamp_us(ev) <= after);
        assert_int_equal(strlen(events_event_timestamp(ev)),
                         EVENTS_TIMESTAMP_LEN);
        out = serialize(ev);
        back = parse_ok(out);
        assert_string_equal(events_event_type(back), "score.updated");
        assert_true(json_equal(events_event_data(back), data));
        assert_true(events_event_timestamp_us(back) ==
                    events_event_timestamp_us(ev));
        assert_string_equal(events_event_timestamp(back),
                            events_event_timestamp(ev));
        assert_true(events__event_input(back)->ts_normalized);
        again = serialize(back);
        assert_string_equal(again, out);
        free(out);
        free(again);
        json_decref(data);
        events_event_destroy(ev);
        events_event_destroy(back);
}

static void test_events_event_set_timestamp_us_range(void **state) {
        events_event_t *ev = parse_ok("{\"event_type\":\"a\",\"data\":{}}");
        char *out;

        assert_int_equal(events_event_set_timestamp_us(ev, 0), EVENTS_OK);
        assert_string_equal(events_event_timestamp(ev),
                            "1970-01-01T00:00:00.000000Z");
        assert_int_equal(
                events_event_set_timestamp_us(ev, EVENTS__TS_MAX_US + 1),
                EVENTS_ERR_TIMESTAMP);
        assert_int_equal(
                events_event_set_timestamp_us(ev, EVENTS__TS_MIN_US - 1),
                EVENTS_ERR_TIMESTAMP);
        /* A failed set leaves the previous timestamp. */
        assert_string_equal(events_event_timestamp(ev),
                            "1970-01-01T00:00:00.000000Z");
        assert_int_equal(events_event_set_timestamp_us(ev, -1), EVENTS_OK);
        out = serialize(ev);
        assert_string_equal(out, "{\"event_type\":\"a\",\"data\":{},"
                                 "\"timestamp\":\"1969-12-31T23:59:59."
                                 "999999Z\"}");
        free(out);
        assert_int_equal(events_event_set_timestamp_us(NULL, 0),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_event_stamp(NULL), EVENTS_ERR_INVALID_ARG);
        events_event_destroy(ev);
}

/* Stamping replaces an input timestamp, in the JSON too. */
static void test_events_event_stamp_replaces_timestamp(void **state) {
        events_event_t *ev =
                parse_ok("{\"event_type\":\"a\",\"data\":{},\"timestamp\":"
                         "\"2000-01-01T00:00:00Z\"}");
        json_t *ts;

        assert_string_equal(events_event_timestamp(ev),
                            "2000-01-01T00:00:00.000000Z");
        ts = json_object_get(events_event_json(ev), "timestamp");
        assert_string_equal(json_string_value(ts),
                            "2000-01-01T00:00:00.000000Z");
        assert_int_equal(events_event_set_timestamp_us(ev, 1795802700123456LL),
                         EVENTS_OK);
        ts = json_object_get(events_event_json(ev), "timestamp");
        assert_string_equal(json_string_value(ts),
                            "2026-11-27T18:05:00.123456Z");
        assert_string_equal(events_event_timestamp(ev),
                            "2026-11-27T18:05:00.123456Z");
        events_event_destroy(ev);
}

/* Unknown fields added through events_event_json() are serialized after
 * the known ones; data changed through events_event_data() shows. */
static void test_events_event_serialize_after_changes(void **state) {
        events_event_t *ev =
                parse_ok("{\"z\":0,\"event_type\":\"a\",\"data\":{\"n\":1}}");
        char *out;

        json_object_set_new(events_event_json(ev), "added", json_string("yes"));
        json_object_set_new(events_event_data(ev), "m", json_real(2.5));
        out = serialize(ev);
        assert_string_equal(out, "{\"event_type\":\"a\",\"data\":{\"n\":1,"
                                 "\"m\":2.5},\"z\":0,\"added\":\"yes\"}");
        free(out);
        events_event_destroy(ev);
}

static void test_events_event_serialize_cycle(void **state) {
        events_event_t *ev = parse_ok("{\"event_type\":\"a\",\"data\":{}}");
        json_t *data = events_event_data(ev), *inner = json_object();
        char *out = (char *)1;
        size_t len = 9;

        /* jansson refuses an object inside itself, but not two levels. */
        json_object_set_new(data, "inner", inner);
        json_object_set(inner, "back", data);
        assert_int_equal(events_event_serialize(ev, &out, &len),
                         EVENTS_ERR_TOO_DEEP);
        assert_null(out);
        assert_int_equal(len, 0);
        json_object_del(inner, "back");
        assert_int_equal(events_event_serialize(NULL, &out, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_event_serialize(ev, NULL, NULL),
                         EVENTS_ERR_INVALID_ARG);
        events_event_destroy(ev);
}

static void test_events_event_key_values(void **state) {
        events_event_t *ev = parse_ok(
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":42,"
                "\"name\":\"Ada\",\"score\":0.1,\"big\":-9223372036854775808,"
                "\"org\":{\"id\":\"o-7\",\"ids\":[10,\"b\",{\"x\":1.5}]},"
                "\"n\":null,\"t\":true,\"o\":{},\"a\":[],\"e\":\"\","
                "\"dot.key\":1},\"tenant\":\"acme\"}");
        char buf[64];
        size_t len = 0;

        assert_int_equal(
                events_event_key(ev, "data.user_id", buf, sizeof(buf), &len),
                EVENTS_OK);
        assert_string_equal(buf, "42");
        assert_int_equal(len, 2);
        assert_int_equal(
                events_event_key(ev, "data.name", buf, sizeof(buf), &len),
                EVENTS_OK);
        assert_string_equal(buf, "Ada");
        assert_int_equal(
                events_event_key(ev, "data.score", buf, sizeof(buf), NULL),
                EVENTS_OK);
        assert_string_equal(buf, "0.1");
        assert_int_equal(
                events_event_key(ev, "data.big", buf, sizeof(buf), NULL),
                EVENTS_OK);
        assert_string_equal(buf, "-9223372036854775808");
        assert_int_equal(
                events_event_key(ev, "data.org.id", buf, sizeof(buf), NULL),
                EVENTS_OK);
        assert_string_equal(buf, "o-7");
        assert_int_equal(
                events_event_key(ev, "data.org.ids.0", buf, sizeof(buf), NULL),
                EVENTS_OK);
        assert_string_equal(buf, "10");
        assert_int_equal(events_event_key(ev, "data.org.ids.2.x", buf,
                                          sizeof(buf), NULL),
                         EVENTS_OK);
        assert_string_equal(buf, "1.5");
        assert_int_equal(
                events_event_key(ev, "event_type", buf, sizeof(buf), NULL),
                EVENTS_OK);
        assert_string_equal(buf, "user.created");
        assert_int_equal(events_event_key(ev, "tenant", buf, sizeof(buf), NULL),
                         EVENTS_OK);
        assert_string_equal(buf, "acme");
        assert_int_equal(events_event_key(ev, "data.e", buf, sizeof(buf), &len),
                         EVENTS_OK);
        assert_string_equal(buf, "");
        assert_int_equal(len, 0);
        events_event_destroy(ev);
}

static void test_events_event_key_not_found(void **state) {
        events_event_t *ev = parse_ok(
                "{\"event_type\":\"a\",\"data\":{\"n\":null,\"t\":true,"
                "\"o\":{},\"a\":[1],\"dot.key\":1,\"s\":\"x\"}}");
        static const char *paths[] = {
                "data.missing", "data.n",     "data.t",    "data.o",   "data.a",
                "data.a.1",     "data.a.01",  "data.a.-1", "data.a.x", "data",
                "nope.user_id", "data.s.len", "",          "data.",    ".data",
                "data.dot.key",
        };
        char buf[16];

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                size_t len = 7;

                if (events_event_key(ev, paths[i], buf, sizeof(buf), &len) !=
                    EVENTS_ERR_NOT_FOUND)
                        fail_msg("path \"%s\" was found", paths[i]);
                assert_string_equal(buf, "");
                assert_int_equal(len, 0);
        }
        assert_int_equal(
                events_event_key(ev, "data.a.0", buf, sizeof(buf), NULL),
                EVENTS_OK);
        assert_string_equal(buf, "1");
        events_event_destroy(ev);
}

static void test_events_event_key_too_large(void **state) {
        events_event_t *ev = parse_ok("{\"event_type\":\"a\",\"data\":{"
                                      "\"id\":\"abcdef\",\"n\":123456}}");
        char buf[7];
        size_t len = 0;

        assert_int_equal(events_event_key(ev, "data.id", buf, 6, &len),
                         EVENTS_ERR_TOO_LARGE);
        assert_int_equal(len, 6); /* the room it needs, without the NUL */
        assert_string_equal(buf, "");
        assert_int_equal(events_event_key(ev, "data.id", buf, 7, &len),
                         EVENTS_OK);
        assert_string_equal(buf, "abcdef");
        assert_int_equal(events_event_key(ev, "data.n", NULL, 0, &len),
                         EVENTS_ERR_TOO_LARGE);
        assert_int_equal(len, 6);
        assert_int_equal(events_event_key(ev, NULL, buf, 7, &len),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_event_key(NULL, "data.n", buf, 7, &len),
                         EVENTS_ERR_INVALID_ARG);
        events_event_destroy(ev);
}

/* A document exactly at the size and depth limits parses; one byte or one
 * level more does not, and the error points at the first byte too many. */
static void test_events_event_parse_limits(void **state) {
        const char *head = "{\"event_type\":\"a\",\"data\":{\"pad\":\"";
        size_t max = EVENTS_DEFAULT_MAX_BYTES, hl = strlen(head);
        char *doc = malloc(max + 2);
        events_event_t *ev;
        events_error_t err;
        char deep[300];
        size_t n = 0;

        assert_non_null(doc);
        memcpy(doc, head, hl);
        memset(doc + hl, 'x', max - hl - 3);
        memcpy(doc + max - 3, "\"}}", 3);
        assert_int_equal(events_event_parse(&ev, doc, max, &err), EVENTS_OK);
        events_event_destroy(ev);
        memmove(doc + max - 2, doc + max - 3, 3);
        doc[max - 3] = 'x';
        assert_int_equal(events_event_parse(&ev, doc, max + 1, &err),
                         EVENTS_ERR_TOO_LARGE);
        assert_true(err.offset == max);
        assert_int_equal(err.line, 1);
        /* A smaller limit of our own. */
        assert_int_equal(
                events_event_parse_limits(&ev, doc, max + 1, 2 * max, 0, &err),
                EVENTS_OK);
        events_event_destroy(ev);
        assert_int_equal(events_event_parse_limits(&ev, head, 10, 9, 0, &err),
                         EVENTS_ERR_TOO_LARGE);
        assert_int_equal(err.offset, 9);
        free(doc);

        /* Depth: the envelope is level 1, data level 2, then 62 more. */
        n = (size_t)snprintf(deep, sizeof(deep),
                             "{\"event_type\":\"a\",\"data\":{\"x\":");
        for (int i = 0; i < 62; i++)
                deep[n++] = '[';
        for (int i = 0; i < 62; i++)
                deep[n++] = ']';
        memcpy(deep + n, "}}", 3);
        assert_int_equal(events_event_parse(&ev, deep, strlen(deep), &err),
                         EVENTS_OK);
        events_event_destroy(ev);
        n = (size_t)snprintf(deep, sizeof(deep),
                             "{\"event_type\":\"a\",\"data\":{\"x\":");
        for (int i = 0; i < 63; i++)
                deep[n++] = '[';
        for (int i = 0; i < 63; i++)
                deep[n++] = ']';
        memcpy(deep + n, "}}", 3);
        assert_int_equal(events_event_parse(&ev, deep, strlen(deep), &err),
                         EVENTS_ERR_TOO_DEEP);
        assert_int_equal(err.offset, 30 + 62); /* the 65th level's '[' */
        assert_int_equal(
                events_event_parse_limits(&ev, deep, strlen(deep), 0, 65, &err),
                EVENTS_OK);
        events_event_destroy(ev);
        assert_int_equal(
                events_event_parse_limits(&ev, deep, strlen(deep), 0, 2, &err),
                EVENTS_ERR_TOO_DEEP);
        assert_int_equal(err.offset, 30);
        assert_int_equal(
                events_event_parse_limits(&ev, deep, strlen(deep), 0, -1, &err),
                EVENTS_ERR_INVALID_ARG);
}

static void test_events_event_parse_invalid_args(void **state) {
        events_event_t *ev = (events_event_t *)1;
        events_error_t err;

        assert_int_equal(events_event_parse(NULL, "{}", 2, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_event_parse(&ev, NULL, 5, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_null(ev);
        assert_int_equal(events_event_parse(&ev, NULL, 0, &err),
                         EVENTS_ERR_JSON);
        /* The length is what counts, not a NUL. */
        assert_int_equal(events_event_parse(&ev,
                                            "{\"event_type\":\"a\",\"data\":{}}"
                                            "garbage",
                                            28, &err),
                         EVENTS_OK);
        events_event_destroy(ev);
}

/* The producer's view: where the timestamp was, and the splice. */
static void test_events_event_input_normalized(void **state) {
        const char *in = "{\"event_type\":\"a\",\"data\":{},"
                         "\"timestamp\":\"2026-11-27T18:05:00.123456Z\"}";
        events_event_t *ev = parse_ok(in);
        const events__event_input_t *ip = events__event_input(ev);
        char out[200];
        size_t n;

        assert_int_equal(ip->known, 1);
        assert_int_equal(ip->ts_present, 1);
        assert_int_equal(ip->ts_normalized, 1);
        assert_int_equal(ip->ts_offset, 40);
        assert_int_equal(ip->ts_len, 29);
        assert_int_equal(in[ip->ts_offset], '"');
        assert_int_equal(in[ip->ts_offset + ip->ts_len - 1], '"');
        assert_int_equal(ip->close_offset, strlen(in) - 1);
        assert_int_equal(ip->len, strlen(in));
        assert_int_equal(
                events__event_splice(ev, in, strlen(in), out, sizeof(out), &n),
                EVENTS_OK);
        assert_int_equal(n, strlen(in));
        assert_memory_equal(out, in, n);
        events_event_destroy(ev);
}

static void test_events_event_input_not_normalized(void **state) {
        const char *in = "{ \"timestamp\" : \"2026-11-27T19:05:00+01:00\" ,"
                         "\"event_type\":\"a\",\"data\":{\"k\":[1, 2]} }";
        const char *want = "{ \"timestamp\" : \"2026-11-27T18:05:00.000000Z\" ,"
                           "\"event_type\":\"a\",\"data\":{\"k\":[1, 2]} }";
        events_event_t *ev = parse_ok(in), *back;
        const events__event_input_t *ip = events__event_input(ev);
        char out[200];
        size_t n;

        assert_int_equal(ip->known, 1);
        assert_int_equal(ip->ts_present, 1);
        assert_int_equal(ip->ts_normalized, 0);
        assert_int_equal(ip->ts_offset, 16);
        assert_int_equal(ip->ts_len, 27);
        assert_int_equal(
                events__event_splice(ev, in, strlen(in), out, sizeof(out), &n),
                EVENTS_OK);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(out, want, n);
        back = NULL;
        assert_int_equal(events_event_parse(&back, out, n, NULL), EVENTS_OK);
        assert_true(events__event_input(back)->ts_normalized);
        events_event_destroy(back);
        /* Too small a buffer. */
        assert_int_equal(
                events__event_splice(ev, in, strlen(in), out, n - 1, &n),
                EVENTS_ERR_TOO_LARGE);
        /* Not the input it was parsed from. */
        assert_int_equal(events__event_splice(ev, in, strlen(in) - 1, out,
                                              sizeof(out), &n),
                         EVENTS_ERR_INVALID_ARG);
        events_event_destroy(ev);
}

static void test_events_event_input_no_timestamp(void **state) {
        const char *in = "{\"event_type\":\"a\",\"data\":{\"s\":\"}\"}\n }";
        events_event_t *ev = parse_ok(in), *back;
        const events__event_input_t *ip = events__event_input(ev);
        char out[200], *a, *b;
        size_t n;

        assert_int_equal(ip->known, 1);
        assert_int_equal(ip->ts_present, 0);
        assert_int_equal(ip->ts_normalized, 0);
        assert_true(ip->ts_offset == EVENTS__NPOS);
        assert_int_equal(ip->close_offset, strlen(in) - 1);
        /* Nothing to splice before it has a timestamp. */
        assert_int_equal(
                events__event_splice(ev, in, strlen(in), out, sizeof(out), &n),
                EVENTS_ERR_STATE);
        assert_int_equal(events_event_set_timestamp_us(ev, 1795802700123456LL),
                         EVENTS_OK);
        /* The input's facts do not change with the stamp. */
        assert_int_equal(ip->ts_present, 0);
        assert_int_equal(events__event_splice(ev, in, strlen(in), out,
                                              strlen(in) + EVENTS__SPLICE_EXTRA,
                                              &n),
                         EVENTS_OK);
        out[n] = '\0';
        assert_string_equal(out, "{\"event_type\":\"a\",\"data\":{\"s\":\"}\"}"
                                 "\n ,\"timestamp\":\"2026-11-27T18:05:00."
                                 "123456Z\"}");
        back = parse_ok(out);
        a = serialize(ev);
        b = serialize(back);
        assert_string_equal(a, b);
        free(a);
        free(b);
        events_event_destroy(back);
        events_event_destroy(ev);
}

static void test_events_event_input_unknown_when_key_escaped(void **state) {
        const char *in = "{\"event_type\":\"a\",\"data\":{},"
                         "\"time\\u0073tamp\":\"2026-11-27T18:05:00Z\"}";
        events_event_t *ev = parse_ok(in);
        char out[200];
        size_t n;

        assert_string_equal(events_event_timestamp(ev),
                            "2026-11-27T18:05:00.000000Z");
        assert_int_equal(events__event_input(ev)->known, 0);
        assert_int_equal(
                events__event_splice(ev, in, strlen(in), out, sizeof(out), &n),
                EVENTS_ERR_STATE);
        events_event_destroy(ev);
        /* Escapes below the top level do not matter. */
        ev = parse_ok("{\"event_type\":\"a\",\"data\":{\"\\u0074\":1}}");
        assert_int_equal(events__event_input(ev)->known, 1);
        events_event_destroy(ev);
}

/* A bad timestamp under an escaped key: no offset rather than a wrong one. */
static void test_events_event_parse_bad_timestamp_escaped_key(void **state) {
        const char *in = "{\"event_type\":\"a\",\"data\":{},"
                         "\"times\\u0074amp\":\"2026-02-30T00:00:00Z\"}";
        events_event_t *ev;
        events_error_t err;

        assert_int_equal(events_event_parse(&ev, in, strlen(in), &err),
                         EVENTS_ERR_TIMESTAMP);
        assert_string_equal(err.pointer, "/timestamp");
        assert_true(err.offset == EVENTS__NPOS);
        assert_int_equal(err.line, 0);
}

/* Nested "timestamp" keys are not the envelope's. */
static void test_events_event_input_nested_timestamp(void **state) {
        const char *in = "{\"data\":{\"timestamp\":\"x\",\"a\":[\"timestamp\","
                         "\"y\"]},\"event_type\":\"a\",\"v\":\"timestamp\"}";
        events_event_t *ev = parse_ok(in);

        assert_false(events_event_has_timestamp(ev));
        assert_int_equal(events__event_input(ev)->known, 1);
        assert_int_equal(events__event_input(ev)->ts_present, 0);
        assert_true(events__event_input(ev)->ts_offset == EVENTS__NPOS);
        events_event_destroy(ev);
}

/* Every sample line parses and serializes into something that parses to
 * the same event. */
static void test_events_event_parse_samples(void **state) {
        const char *src = getenv("EVENTS_SOURCE_DIR");
        char path[1024], *line = NULL;
        size_t cap = 0;
        ssize_t n;
        FILE *fp;
        int count = 0;

        assert_non_null(src);
        snprintf(path, sizeof(path), "%s/samples/events.ndjson", src);
        assert_non_null(fp = fopen(path, "r"));
        while ((n = getline(&line, &cap, fp)) > 0) {
                events_event_t *ev = NULL, *back = NULL;
                events_error_t err;
                char *out;

                if (events_event_parse(&ev, line, (size_t)n, &err))
                        fail_msg("sample %d: %s", count + 1, err.text);
                out = serialize(ev);
                assert_int_equal(
                        events_event_parse(&back, out, strlen(out), NULL),
                        EVENTS_OK);
                assert_true(json_equal(events_event_json(ev),
                                       events_event_json(back)));
                free(out);
                events_event_destroy(ev);
                events_event_destroy(back);
                count++;
        }
        free(line);
        fclose(fp);
        assert_true(count >= 9);
}

/* The consumer's lazy parse of buf[0..len) gives exactly what the full
 * parse gives: the verdict, the error report, and for an event its type,
 * timestamp, input offsets, tree and serialization. @returns whether the
 * lite path took it. */
static int lazy_same(events__lite_t *L, const char *buf, size_t len) {
        events_event_t *full = (events_event_t *)1, *lazy = (events_event_t *)1;
        events_error_t ef, el;
        events_err_t rf, rl;
        const events__event_input_t *fi, *li;
        char *sf, *sl, kf[64], kl[64];
        size_t kfn, kln;
        int taken;

        memset(&ef, 0x55, sizeof(ef));
        memset(&el, 0x55, sizeof(el));
        rf = events_event_parse(&full, buf, len, &ef);
        rl = events__event_parse_lazy(&lazy, buf, len, L, &el);
        assert_int_equal(rf, rl);
        if (rf) {
                assert_null(full);
                assert_null(lazy);
                assert_int_equal(ef.code, el.code);
                assert_int_equal(ef.offset, el.offset);
                assert_int_equal(ef.line, el.line);
                assert_int_equal(ef.column, el.column);
                assert_string_equal(ef.pointer, el.pointer);
                assert_string_equal(ef.text, el.text);
                return 0;
        }
        taken = events__event_is_lazy(lazy);
        assert_false(events__event_is_lazy(full));
        assert_string_equal(events_event_type(full), events_event_type(lazy));
        assert_int_equal(events_event_has_timestamp(full),
                         events_event_has_timestamp(lazy));
        assert_int_equal(events_event_timestamp_us(full),
                         events_event_timestamp_us(lazy));
        if (events_event_has_timestamp(full))
                assert_string_equal(events_event_timestamp(full),
                                    events_event_timestamp(lazy));
        fi = events__event_input(full);
        li = events__event_input(lazy);
        assert_int_equal(fi->known, li->known);
        assert_int_equal(fi->ts_present, li->ts_present);
        assert_int_equal(fi->ts_normalized, li->ts_normalized);
        assert_int_equal(fi->len, li->len);
        if (fi->known) {
                assert_int_equal(fi->close_offset, li->close_offset);
                if (fi->ts_present) {
                        assert_int_equal(fi->ts_offset, li->ts_offset);
                        assert_int_equal(fi->ts_len, li->ts_len);
                }
        }
        /* A key before the tree exists builds it. */
        rf = events_event_key(full, "event_type", kf, sizeof(kf), &kfn);
        rl = events_event_key(lazy, "event_type", kl, sizeof(kl), &kln);
        assert_int_equal(rf, rl);
        assert_int_equal(kfn, kln);
        assert_true(
                json_equal(events_event_json(full), events_event_json(lazy)));
        assert_true(
                json_equal(events_event_data(full), events_event_data(lazy)));
        assert_ptr_equal(events_event_data(lazy),
                         json_object_get(events_event_json(lazy), "data"));
        sf = serialize(full);
        sl = serialize(lazy);
        assert_string_equal(sf, sl);
        free(sf);
        free(sl);
        /* Stamping after the fact works on both alike. */
        assert_int_equal(events_event_set_timestamp_us(full, 1234567),
                         EVENTS_OK);
        assert_int_equal(events_event_set_timestamp_us(lazy, 1234567),
                         EVENTS_OK);
        sf = serialize(full);
        sl = serialize(lazy);
        assert_string_equal(sf, sl);
        free(sf);
        free(sl);
        events_event_destroy(full);
        events_event_destroy(lazy);
        return taken;
}

/* Every file under good/ and bad/: the lazy parse agrees with the full
 * one, and takes the plain good documents. */
static void test_events__event_parse_lazy_same_as_full(void **state) {
        const char *dirs[] = {"good", "bad"};
        events__lite_t L = {0};
        int cases = 0, taken = 0;

        (void)state;
        for (size_t k = 0; k < 2; k++) {
                char path[1024];
                struct dirent *de;
                DIR *d;

                snprintf(path, sizeof(path), "%s/envelope/%s",
                         getenv("EVENTS_TEST_DATA"), dirs[k]);
                assert_non_null(d = opendir(path));
                while ((de = readdir(d))) {
                        char rel[600], *in;
                        size_t len;

                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(rel, sizeof(rel), "%s/%s", dirs[k],
                                 de->d_name);
                        in = slurp(rel, &len);
                        taken += lazy_same(&L, in, len);
                        cases++;
                        free(in);
                }
                closedir(d);
        }
        assert_true(cases > 50);
        assert_true(taken > 5);
        events__lite_free(&L);
}

/* Envelopes the lite path could be fooled by, and ones it must take; in
 * order, for the timestamp cache (hits, near misses, negative instants). */
static void test_events__event_parse_lazy_poison(void **state) {
        static const char *const cases[] = {
                "",
                "{",
                "[]",
                "\"x\"",
                "{}",
                "{\"event_type\":\"a\"}",
                "{\"data\":{}}",
                "{\"event_type\":\"a\",\"data\":[]}",
                "{\"event_type\":\"a\",\"data\":null}",
                "{\"event_type\":1,\"data\":{}}",
                "{\"event_type\":\"\",\"data\":{}}",
                "{\"event_type\":\"a b\",\"data\":{}}",
                "{\"event_type\":\"\\u0061\",\"data\":{}}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":1}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":null}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"x\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"2026-02-30T00:00:00.000000Z\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"2026-01-01T23:59:60.000000Z\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"0000-01-01T00:00:00.000000Z\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"0001-01-01T00:00:00.000000+01:00\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"9999-12-31T23:59:59.999999Z\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"2026-11-27T18:05:00Z\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"2026-11-27t18:05:00.000000z\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"2026-11-27T18:05:00.1234567Z\"}",
                "{\"event_type\":\"a\",\"data\":{},"
                "\"timestamp\":\"2026-11-27T18:05:00.123456Z\"}",
                "{\"event_type\":\"a\",\"data\":{\"x\":1},\"event_type\":"
                "\"b\"}",
                "{\"event_type\":\"a\",\"data\":{\"x\":1,\"x\":2}}",
                "{\"event_type\":\"a\",\"data\":{\"x\":1e999}}",
                "{\"event_type\":\"a\",\"data\":{\"x\":99999999999999999999}}",
                "{\"event_type\":\"a\",\"data\":{\"x\":-0.0,\"y\":1.5e3}}",
                "{\"event_type\":\"a\",\"data\":{\"x\":01}}",
                "{\"event_type\":\"a\",\"data\":{\"x\":\"\\ud800\"}}",
                "{\"event_type\":\"a\",\"data\":{\"x\":\"\xc3\x28\"}}",
                "{\"event_type\":\"a\",\"data\":{\"x\":\"\xc3\xa9\"}}",
                "{\"event_type\":\"a\",\"data\":{}} x",
                "{\"event_type\":\"a\",\"data\":{}}\n",
                " \t{\"event_type\":\"a\",\"data\":{},\"extra\":[1,{}]} ",
                "{\"event_type\":\"a\",\"data\":{},}",
                "{\"event_type\":\"a\",\"data\":{\"a\":[1,2,]}}",
                "{\"event_type\":\"a\",\"data\":{\"a\":tru}}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"2026-11-"
                "27T18:05:00.000001Z\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"2026-11-"
                "27T18:05:00.999999Z\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"2026-11-"
                "27T18:05:00.99999xZ\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"2026-11-"
                "27T18:05:00.123456z\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"2026-11-"
                "27T18:05:00.123456+00:00\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"2026-11-"
                "27T18:05:00.1234567\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"2026-11-"
                "27T18:05:01.000000Z\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"1969-12-"
                "31T23:59:59.500000Z\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"1969-12-"
                "31T23:59:59.600000Z\"}",
                "{\"event_type\":\"a\",\"data\":{},\"timestamp\":\"0001-01-"
                "01T00:00:00.000000Z\"}",
        };
        events__lite_t L = {0};
        int taken = 0;
        char deep[300];
        size_t n = 0;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                taken += lazy_same(&L, cases[i], strlen(cases[i]));
        assert_true(taken >= 6);
        /* Nesting one past the default limit, then at it. */
        for (int depth = EVENTS_DEFAULT_MAX_DEPTH + 1;
             depth >= EVENTS_DEFAULT_MAX_DEPTH; depth--) {
                n = (size_t)snprintf(deep, sizeof(deep),
                                     "{\"event_type\":\"a\",\"data\":");
                for (int k = 2; k < depth; k++)
                        deep[n++] = '[';
                deep[n++] = '{';
                deep[n++] = '}';
                for (int k = 2; k < depth; k++)
                        deep[n++] = ']';
                deep[n++] = '}';
                lazy_same(&L, deep, n);
        }
        events__lite_free(&L);
}

#define LAZY_THREADS 8

static void *first_access(void *arg) {
        const events_event_t *ev = arg;
        json_t *d = events_event_data(ev);

        return d == events_event_data(ev) ? d : NULL;
}

/* Several threads reading a lazy event's data at once all see the one
 * tree (the losers' copies freed: valgrind and ASan check that). */
static void
test_events__event_parse_lazy_concurrent_first_access(void **state) {
        static const char doc[] = "{\"event_type\":\"a\",\"data\":{\"x\":"
                                  "[1,2,{\"y\":\"z\"}]},\"extra\":true}";
        events__lite_t L = {0};

        (void)state;
        for (int round = 0; round < 50; round++) {
                pthread_t th[LAZY_THREADS];
                void *got[LAZY_THREADS];
                events_event_t *ev = NULL;
                json_t *want;

                assert_int_equal(events__event_parse_lazy(
                                         &ev, doc, sizeof(doc) - 1, &L, NULL),
                                 EVENTS_OK);
                assert_true(events__event_is_lazy(ev));
                for (int k = 0; k < LAZY_THREADS; k++)
                        assert_int_equal(
                                pthread_create(&th[k], NULL, first_access, ev),
                                0);
                for (int k = 0; k < LAZY_THREADS; k++)
                        assert_int_equal(pthread_join(th[k], &got[k]), 0);
                want = events_event_data(ev);
                assert_non_null(want);
                for (int k = 0; k < LAZY_THREADS; k++)
                        assert_ptr_equal(got[k], want);
                assert_ptr_equal(json_object_get(events_event_json(ev), "data"),
                                 want);
                events_event_destroy(ev);
        }
        events__lite_free(&L);
}

/* A lazy event that nobody reads is destroyed without a tree. */
static void test_events__event_parse_lazy_never_read(void **state) {
        static const char doc[] = "{\"event_type\":\"a.b\",\"data\":{},"
                                  "\"timestamp\":\"2026-11-27T18:05:00."
                                  "000001Z\"}";
        events__lite_t L = {0};
        events_event_t *ev = NULL;

        (void)state;
        assert_int_equal(
                events__event_parse_lazy(&ev, doc, sizeof(doc) - 1, &L, NULL),
                EVENTS_OK);
        assert_true(events__event_is_lazy(ev));
        assert_string_equal(events_event_type(ev), "a.b");
        assert_string_equal(events_event_timestamp(ev),
                            "2026-11-27T18:05:00.000001Z");
        assert_true(events__event_input(ev)->ts_normalized);
        events_event_destroy(ev);
        /* No lite tree: the full path. */
        assert_int_equal(
                events__event_parse_lazy(&ev, doc, sizeof(doc) - 1, NULL, NULL),
                EVENTS_OK);
        assert_false(events__event_is_lazy(ev));
        events_event_destroy(ev);
        events__lite_free(&L);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_event_parse_good_documents),
                cmocka_unit_test(test_events_event_parse_bad_documents),
                cmocka_unit_test(test_events_type_valid_rules),
                cmocka_unit_test(test_events_event_new_builds_envelope),
                cmocka_unit_test(test_events_event_new_rejects),
                cmocka_unit_test(test_events_event_stamp_round_trip),
                cmocka_unit_test(test_events_event_set_timestamp_us_range),
                cmocka_unit_test(test_events_event_stamp_replaces_timestamp),
                cmocka_unit_test(test_events_event_serialize_after_changes),
                cmocka_unit_test(test_events_event_serialize_cycle),
                cmocka_unit_test(test_events_event_key_values),
                cmocka_unit_test(test_events_event_key_not_found),
                cmocka_unit_test(test_events_event_key_too_large),
                cmocka_unit_test(test_events_event_parse_limits),
                cmocka_unit_test(test_events_event_parse_invalid_args),
                cmocka_unit_test(test_events_event_input_normalized),
                cmocka_unit_test(test_events_event_input_not_normalized),
                cmocka_unit_test(test_events_event_input_no_timestamp),
                cmocka_unit_test(
                        test_events_event_input_unknown_when_key_escaped),
                cmocka_unit_test(test_events_event_input_nested_timestamp),
                cmocka_unit_test(
                        test_events_event_parse_bad_timestamp_escaped_key),
                cmocka_unit_test(test_events_event_parse_samples),
                cmocka_unit_test(test_events__event_parse_lazy_same_as_full),
                cmocka_unit_test(test_events__event_parse_lazy_poison),
                cmocka_unit_test(
                        test_events__event_parse_lazy_concurrent_first_access),
                cmocka_unit_test(test_events__event_parse_lazy_never_read),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
