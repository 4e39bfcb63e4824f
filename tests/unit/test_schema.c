/*
 * test_schema.c - compiling and validating JSON Schemas, the failure
 * report and its messages.
 *
 * Data-driven: tests/data/schema/cases.json holds cases in the
 * JSON-Schema-Test-Suite's format that the suite lacks (ECMA-262 regular
 * expressions, formats, number equality, references); messages.json holds
 * a schema, an instance and the exact failures expected, each written
 * "POINTER|KEYWORD|MESSAGE".
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema_int.h"

static json_t *load_data(const char *name) {
        char path[4096];
        json_error_t jerr;
        const char *dir = getenv("EVENTS_TEST_DATA");
        json_t *j;

        snprintf(path, sizeof(path), "%s/schema/%s", dir ? dir : "tests/data",
                 name);
        j = json_load_file(path, 0, &jerr);
        if (!j)
                fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
        return j;
}

static events_schema_t *compile_text(const char *text) {
        json_t *doc = json_loads(text, 0, NULL);
        events_schema_t *s = NULL;
        events_error_t err;

        assert_non_null(doc);
        if (events_schema_compile(&s, doc, &err) != EVENTS_OK)
                fail_msg("%s: %s %s", text, err.pointer, err.text);
        json_decref(doc);
        return s;
}

static events_err_t compile_error(const char *text, events_error_t *err) {
        json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
        events_schema_t *s = NULL;
        events_err_t rc;

        assert_non_null(doc);
        rc = events_schema_compile(&s, doc, err);
        assert_null(s);
        json_decref(doc);
        return rc;
}

static void test_events_schema_validate_cases(void **state) {
        json_t *groups = load_data("cases.json"), *g;
        size_t gi, failed = 0, total = 0;

        json_array_foreach(groups, gi, g) {
                events_schema_t *s = NULL;
                events_error_t err;
                json_t *t;
                size_t ti;

                if (events_schema_compile(&s, json_object_get(g, "schema"),
                                          &err)) {
                        print_error("%s: does not compile: %s %s\n",
                                    json_string_value(
                                            json_object_get(g, "description")),
                                    err.pointer, err.text);
                        failed++;
                        continue;
                }
                json_array_foreach(json_object_get(g, "tests"), ti, t) {
                        int want = json_is_true(json_object_get(t, "valid"));
                        int got = events_schema_validate(
                                          s, json_object_get(t, "data"),
                                          NULL) == EVENTS_OK;
                        total++;
                        if (got != want) {
                                failed++;
                                print_error("%s / %s: expected %s\n",
                                            json_string_value(json_object_get(
                                                    g, "description")),
                                            json_string_value(json_object_get(
                                                    t, "description")),
                                            want ? "valid" : "invalid");
                        }
                }
                events_schema_destroy(s);
        }
        json_decref(groups);
        assert_true(total > 100);
        assert_int_equal(failed, 0);
}

static void test_events_report_messages(void **state) {
        json_t *cases = load_data("messages.json"), *c;
        events_report_t *r = events_report_new(16);
        size_t ci, failed = 0;

        assert_non_null(r);
        json_array_foreach(cases, ci, c) {
                const char *desc =
                        json_string_value(json_object_get(c, "description"));
                json_t *want = json_object_get(c, "failures"), *w;
                events_schema_t *s = NULL;
                events_error_t err;
                size_t i;

                if (events_schema_compile(&s, json_object_get(c, "schema"),
                                          &err)) {
                        print_error("%s: does not compile: %s\n", desc,
                                    err.text);
                        failed++;
                        continue;
                }
                events_report_clear(r);
                assert_int_equal(events_schema_validate(
                                         s, json_object_get(c, "data"), NULL),
                                 EVENTS_ERR_VALIDATION);
                assert_int_equal(events_schema_validate(
                                         s, json_object_get(c, "data"), r),
                                 EVENTS_ERR_VALIDATION);
                if (events_report_count(r) != json_array_size(want)) {
                        char buf[1024];
                        print_error("%s: %zu failures, expected %zu: %s\n",
                                    desc, events_report_count(r),
                                    json_array_size(want),
                                    events_report_format(r, buf, sizeof(buf)));
                        failed++;
                }
                json_array_foreach(want, i, w) {
                        char got[1024];
                        if (i >= events_report_count(r))
                                break;
                        snprintf(got, sizeof(got), "%s|%s|%s",
                                 events_report_pointer(r, i),
                                 events_report_keyword(r, i),
                                 events_report_message(r, i));
                        if (strcmp(got, json_string_value(w))) {
                                print_error("%s:\n   got %s\n  want %s\n", desc,
                                            got, json_string_value(w));
                                failed++;
                        }
                }
                events_schema_destroy(s);
        }
        events_report_destroy(r);
        json_decref(cases);
        assert_int_equal(failed, 0);
}

static void test_events_schema_compile_bad_keyword(void **state) {
        events_error_t err;

        assert_int_equal(
                compile_error("{\"properties\":{\"a\":{\"minLength\":-1}}}",
                              &err),
                EVENTS_ERR_SCHEMA);
        assert_string_equal(err.pointer, "/properties/a/minLength");
        assert_string_equal(err.text, "must be a non-negative integer");

        assert_int_equal(compile_error("{\"type\":\"strin\"}", &err),
                         EVENTS_ERR_SCHEMA);
        assert_string_equal(err.pointer, "/type");
        assert_int_equal(compile_error("{\"multipleOf\":0}", &err),
                         EVENTS_ERR_SCHEMA);
        assert_int_equal(compile_error("{\"required\":[1]}", &err),
                         EVENTS_ERR_SCHEMA);
        assert_string_equal(err.pointer, "/required");
        assert_int_equal(compile_error("{\"allOf\":[]}", &err),
                         EVENTS_ERR_SCHEMA);
        assert_int_equal(compile_error("{\"items\":[{},3]}", &err),
                         EVENTS_ERR_SCHEMA);
        assert_string_equal(err.pointer, "/items/1");
        assert_int_equal(compile_error("12", &err), EVENTS_ERR_SCHEMA);
}

static void test_events_schema_compile_bad_pattern(void **state) {
        events_error_t err;

        assert_int_equal(compile_error("{\"pattern\":\"^(abc\"}", &err),
                         EVENTS_ERR_SCHEMA);
        assert_string_equal(err.pointer, "/pattern");
        assert_non_null(strstr(err.text, "ECMA-262"));
        /* Perl's \Z is no ECMA-262 escape: refused, not reinterpreted */
        assert_int_equal(
                compile_error("{\"patternProperties\":{\"a\\\\Z\":{}}}", &err),
                EVENTS_ERR_SCHEMA);
        assert_string_equal(err.pointer, "/patternProperties/a\\Z");
}

/* Verdicts of short subjects are remembered per pattern (schema_regex.c):
 * the same subject under two patterns gets each its own, again and again,
 * and a pattern compiled where a freed one was (same size, likely the same
 * address) never gets the freed one's. */
static int pattern_ok(const events_schema_t *s, const char *v) {
        json_t *j = json_string(v);
        int ok = events_schema_validate(s, j, NULL) == EVENTS_OK;

        json_decref(j);
        return ok;
}

static void test_events_schema_pattern_verdicts_remembered(void **state) {
        events_schema_t *a = compile_text("{\"pattern\":\"^(ab)?c$\"}");
        events_schema_t *b = compile_text("{\"pattern\":\"^(ab)?d$\"}");

        (void)state;
        for (int round = 0; round < 3; round++) {
                assert_true(pattern_ok(a, "abc"));
                assert_false(pattern_ok(b, "abc"));
                assert_true(pattern_ok(b, "abd"));
                assert_false(pattern_ok(a, "abd"));
                assert_true(pattern_ok(a, "c"));
                assert_false(pattern_ok(a, "abcc"));
        }
        /* longer than what is remembered: the same answers */
        assert_true(pattern_ok(a, "c"));
        assert_false(pattern_ok(a, "ababababababababababababc"));
        events_schema_destroy(a);
        a = compile_text("{\"pattern\":\"^(ab)?d$\"}");
        assert_false(pattern_ok(a, "abc"));
        assert_true(pattern_ok(a, "abd"));
        events_schema_destroy(a);
        events_schema_destroy(b);
}

static void test_events_schema_compile_unresolvable_ref(void **state) {
        events_error_t err;

        assert_int_equal(
                compile_error("{\"properties\":{\"a\":{\"$ref\":\"#/nope\"}}}",
                              &err),
                EVENTS_ERR_SCHEMA);
        assert_string_equal(err.pointer, "/properties/a/$ref");
        assert_string_equal(err.text, "unresolvable reference \"#/nope\"");
        /* remote documents are not fetched */
        assert_int_equal(
                compile_error("{\"$ref\":\"http://example.com/x.json\"}", &err),
                EVENTS_ERR_SCHEMA);
}

static void test_events_schema_compile_null_args(void **state) {
        events_schema_t *s = NULL;
        json_t *doc = json_object();

        assert_int_equal(events_schema_compile(NULL, doc, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_schema_compile(&s, NULL, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_schema_validate(NULL, doc, NULL),
                         EVENTS_ERR_INVALID_ARG);
        events_schema_destroy(NULL);
        json_decref(doc);
}

static void test_events_schema_compile_copies_document(void **state) {
        json_t *doc = json_pack("{s:[s]}", "enum", "a");
        json_t *a = json_string("a"), *b = json_string("b");
        events_schema_t *s;

        assert_int_equal(events_schema_compile(&s, doc, NULL), EVENTS_OK);
        /* the caller may change or free its document afterwards */
        json_array_set_new(json_object_get(doc, "enum"), 0, json_string("b"));
        json_decref(doc);
        assert_int_equal(events_schema_validate(s, a, NULL), EVENTS_OK);
        assert_int_equal(events_schema_validate(s, b, NULL),
                         EVENTS_ERR_VALIDATION);
        events_schema_destroy(s);
        json_decref(a);
        json_decref(b);
}

static void test_events_report_limit_truncates(void **state) {
        events_schema_t *s = compile_text("{\"items\":{\"type\":\"string\"}}");
        events_report_t *r = events_report_new(2);
        json_t *inst = json_loads("[1,2,3,4,5]", 0, NULL);
        char buf[256];

        assert_int_equal(events_schema_validate(s, inst, r),
                         EVENTS_ERR_VALIDATION);
        assert_int_equal(events_report_count(r), 2);
        assert_true(events_report_truncated(r));
        assert_string_equal(
                events_report_format(r, buf, sizeof(buf)),
                "/0: must be of type string, not integer; /1: must be of "
                "type string, not integer; ...");
        events_report_clear(r);
        assert_int_equal(events_report_count(r), 0);
        assert_false(events_report_truncated(r));
        json_decref(inst);
        events_report_destroy(r);
        events_schema_destroy(s);
}

static void test_events_report_default_limit(void **state) {
        events_schema_t *s = compile_text("{\"items\":{\"type\":\"string\"}}");
        events_report_t *r = events_report_new(0);
        json_t *inst = json_array();

        for (int i = 0; i < 40; i++)
                json_array_append_new(inst, json_integer(i));
        assert_int_equal(events_schema_validate(s, inst, r),
                         EVENTS_ERR_VALIDATION);
        assert_int_equal(events_report_count(r), 16);
        assert_true(events_report_truncated(r));
        json_decref(inst);
        events_report_destroy(r);
        events_schema_destroy(s);
}

static void test_events_report_format_edges(void **state) {
        events_schema_t *s = compile_text("{\"type\":\"object\"}");
        events_report_t *r = events_report_new(4);
        json_t *inst = json_integer(3);
        char buf[64], tiny[8];

        assert_string_equal(events_report_format(r, buf, sizeof(buf)), "");
        assert_int_equal(events_schema_validate(s, inst, r),
                         EVENTS_ERR_VALIDATION);
        assert_string_equal(events_report_format(r, buf, sizeof(buf)),
                            "(root): must be of type object, not integer");
        assert_string_equal(events_report_format(r, tiny, sizeof(tiny)),
                            "(root):");
        assert_null(events_report_format(r, NULL, 0));
        assert_string_equal(events_report_format(NULL, buf, sizeof(buf)), "");
        assert_null(events_report_pointer(r, 1));
        assert_null(events_report_keyword(r, 1));
        assert_null(events_report_message(r, 1));
        assert_int_equal(events_report_count(NULL), 0);
        json_decref(inst);
        events_report_destroy(r);
        events_report_destroy(NULL);
        events_schema_destroy(s);
}

static void test_events_schema_validate_appends(void **state) {
        events_schema_t *s = compile_text("{\"type\":\"string\"}");
        events_report_t *r = events_report_new(4);
        json_t *inst = json_integer(3);

        assert_int_equal(events_schema_validate(s, inst, r),
                         EVENTS_ERR_VALIDATION);
        assert_int_equal(events_schema_validate(s, inst, r),
                         EVENTS_ERR_VALIDATION);
        assert_int_equal(events_report_count(r), 2);
        json_decref(inst);
        events_report_destroy(r);
        events_schema_destroy(s);
}

static void test_events_schema_validate_deep_pointer(void **state) {
        events_schema_t *s =
                compile_text("{\"properties\":{\"a/b\":{\"$ref\":\"#\"},"
                             "\"v\":{\"type\":\"string\"}}}");
        events_report_t *r = events_report_new(4);
        json_t *root = json_object(), *cur = root;
        char want[1024] = "";

        /* 100 levels: deeper than the path kept on the stack */
        for (int i = 0; i < 100; i++) {
                json_t *next = json_object();
                json_object_set_new(cur, "a/b", next);
                cur = next;
                strcat(want, "/a~1b");
        }
        json_object_set_new(cur, "v", json_integer(1));
        strcat(want, "/v");
        assert_int_equal(events_schema_validate(s, root, r),
                         EVENTS_ERR_VALIDATION);
        assert_int_equal(events_report_count(r), 1);
        assert_string_equal(events_report_pointer(r, 0), want);
        json_decref(root);
        events_report_destroy(r);
        events_schema_destroy(s);
}

typedef struct worker_s {
        const events_schema_t *s;
        json_t *good, *bad;
        int errors;
} worker_t;

static void *worker(void *arg) {
        worker_t *w = arg;
        events_report_t *r = events_report_new(8);
        for (int i = 0; i < 2000; i++) {
                events_report_clear(r);
                if (events_schema_validate(w->s, w->good, r) != EVENTS_OK)
                        w->errors++;
                if (events_schema_validate(w->s, w->bad, r) !=
                            EVENTS_ERR_VALIDATION ||
                    events_report_count(r) != 2 ||
                    strcmp(events_report_pointer(r, 0), "/email") ||
                    strcmp(events_report_pointer(r, 1), "/code"))
                        w->errors++;
                if (events_schema_validate(w->s, w->bad, NULL) == EVENTS_OK)
                        w->errors++;
        }
        events_report_destroy(r);
        return NULL;
}

static void test_events_schema_validate_threads(void **state) {
        events_schema_t *s = compile_text(
                "{\"properties\":{\"email\":{\"format\":\"email\"},"
                "\"code\":{\"pattern\":\"^[A-Z]{3}\\\\d+$\"}},"
                "\"patternProperties\":{\"^x_\":{\"type\":\"string\"}}}");
        worker_t w[4];
        pthread_t th[4];

        for (int i = 0; i < 4; i++) {
                w[i].s = s;
                w[i].good = json_pack("{s:s,s:s,s:s}", "email", "a@example.com",
                                      "code", "ABC12", "x_a", "y");
                w[i].bad =
                        json_pack("{s:s,s:s}", "email", "a@", "code", "abc12");
                w[i].errors = 0;
                assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]),
                                 0);
        }
        for (int i = 0; i < 4; i++) {
                pthread_join(th[i], NULL);
                assert_int_equal(w[i].errors, 0);
                json_decref(w[i].good);
                json_decref(w[i].bad);
        }
        events_schema_destroy(s);
}

static void test_events__uri_resolve_rfc3986(void **state) {
        /* RFC 3986 section 5.4's examples */
        static const char *const ex[][2] = {
                {"g", "http://a/b/c/g"},
                {"./g", "http://a/b/c/g"},
                {"g/", "http://a/b/c/g/"},
                {"/g", "http://a/g"},
                {"//g", "http://g"},
                {"?y", "http://a/b/c/d;p?y"},
                {"g?y", "http://a/b/c/g?y"},
                {"#s", "http://a/b/c/d;p?q#s"},
                {"g#s", "http://a/b/c/g#s"},
                {"", "http://a/b/c/d;p?q"},
                {".", "http://a/b/c/"},
                {"..", "http://a/b/"},
                {"../g", "http://a/b/g"},
                {"../../g", "http://a/g"},
                {"../../../g", "http://a/g"},
                {"/./g", "http://a/g"},
                {"g.", "http://a/b/c/g."},
                {"g/../h", "http://a/b/c/h"},
                {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
                {"urn:x:y", "urn:x:y"},
        };
        for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
                char *u = events__uri_resolve("http://a/b/c/d;p?q", ex[i][0]);
                assert_non_null(u);
                assert_string_equal(u, ex[i][1]);
                free(u);
        }
        {
                char *u = events__uri_resolve("events:/schemas/a.json",
                                              "_common.json#/definitions/x");
                assert_string_equal(u, "events:/schemas/_common.json#/"
                                       "definitions/x");
                free(u);
                u = events__uri_resolve(NULL, "#/a");
                assert_string_equal(u, "#/a");
                free(u);
        }
}

/* "ipv4": four parts of 1-3 digits, each at most 255, no leading zero; and
 * as the last 32 bits of an "ipv6". */
static void test_events__format_check_ipv4(void **state) {
        static const struct {
                const char *s;
                int ok;
        } cases[] = {
                {"0.0.0.0", 1},        {"255.255.255.255", 1},
                {"203.0.113.7", 1},    {"10.20.30.40", 1},
                {"1.2.3.4", 1},        {"256.1.1.1", 0},
                {"1.2.3.256", 0},      {"1.2.3", 0},
                {"1.2.3.4.5", 0},      {"01.2.3.4", 0},
                {"1.2.3.04", 0},       {"1.2.3.00", 0},
                {"1..2.3", 0},         {".1.2.3", 0},
                {"1.2.3.", 0},         {"1.2.3.4 ", 0},
                {"1.2.3.1000", 0},     {"1234.1.1.1", 0},
                {"a.b.c.d", 0},        {"", 0},
                {"1.2.3.4\n", 0},      {"999.0.0.0", 0},
                {"::ffff:1.2.3.4", 1}, {"::ffff:1.2.3.04", 0},
                {"::ffff:1.2.3", 0},   {"::ffff:300.2.3.4", 0},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                sch_format_t f =
                        strchr(cases[i].s, ':') ? SCH_F_IPV6 : SCH_F_IPV4;

                if (events__format_check(f, cases[i].s, strlen(cases[i].s)) !=
                    cases[i].ok)
                        fail_msg("\"%s\": expected %s", cases[i].s,
                                 cases[i].ok ? "valid" : "invalid");
        }
        /* the length bounds the scan: a valid prefix is not enough */
        assert_int_equal(events__format_check(SCH_F_IPV4, "1.2.3.45", 7), 1);
        assert_int_equal(events__format_check(SCH_F_IPV4, "1.2.3.45", 6), 0);
}

typedef struct format_case_s {
        sch_format_t f;
        const char *s;
        int ok;
} format_case_t;

static const char *format_name(sch_format_t f) {
        switch (f) {
        case SCH_F_UUID:
                return "uuid";
        case SCH_F_HOSTNAME:
                return "hostname";
        case SCH_F_EMAIL:
                return "email";
        case SCH_F_IDN_EMAIL:
                return "idn-email";
        case SCH_F_IPV6:
                return "ipv6";
        case SCH_F_IPV4:
                return "ipv4";
        case SCH_F_URI:
                return "uri";
        case SCH_F_URI_REFERENCE:
                return "uri-reference";
        case SCH_F_IRI:
                return "iri";
        default:
                return "?";
        }
}

static void check_formats(const format_case_t *c, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (events__format_check(c[i].f, c[i].s, strlen(c[i].s)) !=
                    c[i].ok)
                        fail_msg("%s \"%s\": expected %s", format_name(c[i].f),
                                 c[i].s, c[i].ok ? "valid" : "invalid");
}

/* "uuid": 8-4-4-4-12 hex digits of either case, dashes in their places
 * and nowhere else, exactly 36 bytes. */
static void test_events__format_check_uuid(void **state) {
        static const format_case_t cases[] = {
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09dd", 1},
                {SCH_F_UUID, "B730D88F-E1E8-44AA-9F9D-B8DD8A3B09DD", 1},
                {SCH_F_UUID, "b730D88f-E1e8-44Aa-9F9d-B8dd8A3b09Dd", 1},
                {SCH_F_UUID, "00000000-0000-0000-0000-000000000000", 1},
                {SCH_F_UUID, "b730d88fe1e844aa9f9db8dd8a3b09dd", 0},
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09d", 0},
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09ddd", 0},
                {SCH_F_UUID, "{b730d88f-e1e8-44aa-9f9d-b8dd8a3b09d}", 0},
                {SCH_F_UUID, "b730d88f_e1e8_44aa_9f9d_b8dd8a3b09dd", 0},
                {SCH_F_UUID, "b730d88fe-1e8-44aa-9f9d-b8dd8a3b09dd", 0},
                {SCH_F_UUID, "g730d88f-e1e8-44aa-9f9d-b8dd8a3b09dd", 0},
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09dg", 0},
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09d-", 0},
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d--8dd8a3b09dd", 0},
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09d\xc3", 0},
                {SCH_F_UUID, "b730d88f-e1e8-44aa-9f9d-b8dd8a3b 9dd", 0},
                {SCH_F_UUID, "", 0},
        };

        (void)state;
        check_formats(cases, sizeof(cases) / sizeof(cases[0]));
        /* the length bounds the scan */
        assert_int_equal(events__format_check(
                                 SCH_F_UUID,
                                 "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09dd0", 36),
                         1);
        assert_int_equal(events__format_check(
                                 SCH_F_UUID,
                                 "b730d88f-e1e8-44aa-9f9d-b8dd8a3b09d\0", 36),
                         0);
}

/* Fill @p buf with @p n labels of @p len letters, dot-separated, and
 * @p tail after them; @returns buf. */
static char *labels(char *buf, int n, int len, const char *tail) {
        char *w = buf;
        for (int i = 0; i < n; i++) {
                if (i)
                        *w++ = '.';
                for (int k = 0; k < len; k++)
                        *w++ = (char)('a' + (i + k) % 26);
        }
        strcpy(w, tail);
        return buf;
}

/* "hostname": labels of 1 to 63 letters, digits and hyphens, not starting
 * or ending with a hyphen; at most 253 bytes. */
static void test_events__format_check_hostname(void **state) {
        static const format_case_t cases[] = {
                {SCH_F_HOSTNAME, "a", 1},
                {SCH_F_HOSTNAME, "example.com", 1},
                {SCH_F_HOSTNAME, "a-b.c0", 1},
                {SCH_F_HOSTNAME, "xn--bcher-kva.example", 1},
                {SCH_F_HOSTNAME, "1.2.3.4", 1},
                {SCH_F_HOSTNAME, "A.B-C.D", 1},
                {SCH_F_HOSTNAME, "", 0},
                {SCH_F_HOSTNAME, "-a.com", 0},
                {SCH_F_HOSTNAME, "a-.com", 0},
                {SCH_F_HOSTNAME, "a.-b", 0},
                {SCH_F_HOSTNAME, "a.b-", 0},
                {SCH_F_HOSTNAME, "-", 0},
                {SCH_F_HOSTNAME, "a..b", 0},
                {SCH_F_HOSTNAME, ".a", 0},
                {SCH_F_HOSTNAME, "a.", 0},
                {SCH_F_HOSTNAME, ".", 0},
                {SCH_F_HOSTNAME, "a_b.com", 0},
                {SCH_F_HOSTNAME, "a b", 0},
                {SCH_F_HOSTNAME,
                 "b\xc3\xbc"
                 "cher.example",
                 0},
                {SCH_F_HOSTNAME, "a.com\n", 0},
        };
        char buf[400];

        (void)state;
        check_formats(cases, sizeof(cases) / sizeof(cases[0]));
        /* a label of 63 passes, of 64 does not, wherever it stands */
        assert_int_equal(events__format_check(SCH_F_HOSTNAME,
                                              labels(buf, 1, 63, ""), 63),
                         1);
        assert_int_equal(events__format_check(SCH_F_HOSTNAME,
                                              labels(buf, 1, 64, ""), 64),
                         0);
        assert_int_equal(events__format_check(SCH_F_HOSTNAME,
                                              labels(buf, 2, 63, ".x"), 129),
                         1);
        labels(buf, 1, 64, ".x");
        assert_int_equal(events__format_check(SCH_F_HOSTNAME, buf, 66), 0);
        /* 253 bytes in all pass (63 + 1 + 63 + 1 + 63 + 1 + 61), 254 do
         * not, though every label is short enough */
        labels(buf, 3, 63, ".");
        memset(buf + 192, 'z', 61);
        buf[253] = '\0';
        assert_int_equal(events__format_check(SCH_F_HOSTNAME, buf, 253), 1);
        buf[253] = 'z';
        buf[254] = '\0';
        assert_int_equal(events__format_check(SCH_F_HOSTNAME, buf, 254), 0);
}

/* "email": a dot-atom (no dot first, last or twice) or a quoted local
 * part of at most 64 bytes, the last "@", then a hostname or an address
 * literal; "idn-email" the same with UTF-8 in the local part and labels. */
static void test_events__format_check_email(void **state) {
        static const format_case_t cases[] = {
                {SCH_F_EMAIL, "a@example.com", 1},
                {SCH_F_EMAIL, "first.last@example.com", 1},
                {SCH_F_EMAIL, "x!#$%&'*+/=?^_`{|}~-y@example.com", 1},
                {SCH_F_EMAIL, "a@b", 1},
                {SCH_F_EMAIL, "\"quoted local\"@example.com", 1},
                {SCH_F_EMAIL, "\"a\\\"b\"@example.com", 1},
                {SCH_F_EMAIL, "\"a@b\"@example.com", 1},
                {SCH_F_EMAIL, "a@[1.2.3.4]", 1},
                {SCH_F_EMAIL, "a@[IPv6:::1]", 1},
                {SCH_F_EMAIL, "a..b@example.com", 0},
                {SCH_F_EMAIL, ".a@example.com", 0},
                {SCH_F_EMAIL, "a.@example.com", 0},
                {SCH_F_EMAIL, "a@b@example.com", 0},
                {SCH_F_EMAIL, "\"a\"b\"@example.com", 0},
                {SCH_F_EMAIL, "\"a\\\"@example.com", 0},
                {SCH_F_EMAIL, "\"@example.com", 0},
                {SCH_F_EMAIL, "@example.com", 0},
                {SCH_F_EMAIL, "a@", 0},
                {SCH_F_EMAIL, "ab", 0},
                {SCH_F_EMAIL, "a b@example.com", 0},
                {SCH_F_EMAIL, "a(b)@example.com", 0},
                {SCH_F_EMAIL, "a@-b.com", 0},
                {SCH_F_EMAIL, "a@b-.com", 0},
                {SCH_F_EMAIL, "a@example..com", 0},
                {SCH_F_EMAIL, "a@example.com.", 0},
                {SCH_F_EMAIL, "a@ex_ample.com", 0},
                {SCH_F_EMAIL, "a@[1.2.3]", 0},
                {SCH_F_EMAIL, "a@[IPv6:1::2::3]", 0},
                {SCH_F_EMAIL, "a@[1.2.3.4", 0},
                {SCH_F_EMAIL, "\xc3\xa9@example.com", 0},
                {SCH_F_EMAIL, "a@ex\xc3\xa4mple.com", 0},
                {SCH_F_IDN_EMAIL, "\xc3\xa9@example.com", 1},
                {SCH_F_IDN_EMAIL, "a@ex\xc3\xa4mple.com", 1},
                {SCH_F_IDN_EMAIL, "a@example.com", 1},
                {SCH_F_IDN_EMAIL, "\xc3\xa9.@example.com", 0},
                {SCH_F_IDN_EMAIL, "a..\xc3\xa9@example.com", 0},
                {SCH_F_IDN_EMAIL, "a@-\xc3\xa4.com", 0},
                {SCH_F_IDN_EMAIL, "a b@example.com", 0},
        };
        char buf[400];

        (void)state;
        check_formats(cases, sizeof(cases) / sizeof(cases[0]));
        /* a local part of 64 bytes passes, of 65 does not */
        memset(buf, 'x', 64);
        strcpy(buf + 64, "@example.com");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, strlen(buf)),
                         1);
        memset(buf, 'x', 65);
        strcpy(buf + 65, "@example.com");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, strlen(buf)),
                         0);
        /* the domain is a hostname: labels of 63 pass, of 64 do not */
        strcpy(buf, "a@");
        labels(buf + 2, 1, 63, ".com");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, strlen(buf)),
                         1);
        labels(buf + 2, 1, 64, ".com");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, strlen(buf)),
                         0);
}

/* "ipv6": eight groups of 1 to 4 hex digits, "::" once for one or more
 * zero groups, the last 32 bits maybe as a dotted quad. */
static void test_events__format_check_ipv6(void **state) {
        static const format_case_t cases[] = {
                {SCH_F_IPV6, "::", 1},
                {SCH_F_IPV6, "::1", 1},
                {SCH_F_IPV6, "1::", 1},
                {SCH_F_IPV6, "1:2:3:4:5:6:7:8", 1},
                {SCH_F_IPV6, "1:2:3:4:5:6:7::", 1},
                {SCH_F_IPV6, "::2:3:4:5:6:7:8", 1},
                {SCH_F_IPV6, "ABCD:ef01::", 1},
                {SCH_F_IPV6, "2001:db8:9fa8:8046::a84f", 1},
                {SCH_F_IPV6, "1:2:3:4:5:6:1.2.3.4", 1},
                {SCH_F_IPV6, "::1.2.3.4", 1},
                {SCH_F_IPV6, "", 0},
                {SCH_F_IPV6, ":", 0},
                {SCH_F_IPV6, ":1:2::", 0},
                {SCH_F_IPV6, "1:", 0},
                {SCH_F_IPV6, "1:2:3:4:5:6:7", 0},
                {SCH_F_IPV6, "1:2:3:4:5:6:7:8:9", 0},
                {SCH_F_IPV6, "1:2:3:4:5:6:7:8:", 0},
                {SCH_F_IPV6, "1::2::3", 0},
                {SCH_F_IPV6, "12345::", 0},
                {SCH_F_IPV6, "g::1", 0},
                {SCH_F_IPV6, "1:2:3:4:5:6:7:1.2.3.4", 0},
                {SCH_F_IPV6, "::1.2.3.04", 0},
                {SCH_F_IPV6, "::ab.1.2.3", 0},
                {SCH_F_IPV6, "fe80::1%eth0", 0},
        };

        (void)state;
        check_formats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Cases with an explicit length: NUL bytes inside, or a shorter view of
 * a longer string. */
typedef struct format_len_case_s {
        sch_format_t f;
        const char *s;
        size_t len;
        int ok;
} format_len_case_t;

#define LEN_CASE(f, lit, ok)                                                   \
        { f, lit, sizeof(lit) - 1, ok }

static void check_len_formats(const format_len_case_t *c, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (events__format_check(c[i].f, c[i].s, c[i].len) != c[i].ok)
                        fail_msg("%s \"%s\" (%zu bytes): expected %s",
                                 format_name(c[i].f), c[i].s, c[i].len,
                                 c[i].ok ? "valid" : "invalid");
}

/* The checks accept common strings through a table-driven machine and
 * leave everything else to the full scanner: strings with a NUL inside,
 * and the ones just at the lengths where the machine stops being used,
 * get the same answer from both. */
static void test_events__format_check_nul_and_view(void **state) {
        static const format_len_case_t cases[] = {
                LEN_CASE(SCH_F_EMAIL, "a@b\0", 0),
                LEN_CASE(SCH_F_EMAIL, "a\0@b", 0),
                LEN_CASE(SCH_F_IDN_EMAIL, "\xc3\xa9@b\0", 0),
                LEN_CASE(SCH_F_HOSTNAME, "a\0b", 0),
                LEN_CASE(SCH_F_HOSTNAME, "a.b\0", 0),
                LEN_CASE(SCH_F_IPV4, "1.2.3.4\0", 0),
                LEN_CASE(SCH_F_IPV4, "1.2.3.\0", 0),
                LEN_CASE(SCH_F_IPV4, "1.2\0.3.4", 0),
                LEN_CASE(SCH_F_IPV6, "::ffff:1.2.3.4\0", 0),
                LEN_CASE(SCH_F_IPV6, "1:2:3:4:5:6:7:8\0", 0),
                LEN_CASE(SCH_F_IPV6, "1:2:3:4\0:5:6:7:8", 0),
                LEN_CASE(SCH_F_URI, "http://h\0/", 0),
                LEN_CASE(SCH_F_URI, "http://h/p\0", 0),
                LEN_CASE(SCH_F_UUID,
                         "b730d88f-e1e8-44aa-9f9d-b8dd8a3\0"
                         "09dd",
                         0),
                /* a view that ends before the string does */
                {SCH_F_EMAIL, "a@b.c-", 5, 1},
                {SCH_F_HOSTNAME, "ab.c.", 4, 1},
                {SCH_F_IPV4, "100.100.100.1000", 15, 1},
                {SCH_F_IPV4, "1.2.3.4", 6, 0},
                {SCH_F_IPV6, "1::2:", 4, 1},
                {SCH_F_IPV6, "2001:db8::12345", 14, 1},
                {SCH_F_URI, "http://h/a b", 10, 1},
        };

        (void)state;
        check_len_formats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Every byte as a one-byte local part: e-mail takes RFC 5322 atext,
 * idn-email UTF-8 bytes too; and as a one-byte host name, only letters
 * and digits. */
static void test_events__format_check_email_every_byte(void **state) {
        static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
        char buf[16];

        (void)state;
        for (int c = 0; c < 256; c++) {
                int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                            (c >= 'A' && c <= 'Z');
                int at = alnum || (c && strchr(atext, c));

                memcpy(buf, "?@ex.io", 8);
                buf[0] = (char)c;
                if (events__format_check(SCH_F_EMAIL, buf, 7) != at)
                        fail_msg("email, local part byte 0x%02x", c);
                if (events__format_check(SCH_F_IDN_EMAIL, buf, 7) !=
                    (at || c >= 0x80))
                        fail_msg("idn-email, local part byte 0x%02x", c);
                memcpy(buf, "a@b?c.io", 9);
                buf[3] = (char)c;
                if (events__format_check(SCH_F_EMAIL, buf, 8) !=
                    (alnum || c == '-' || c == '.'))
                        fail_msg("email, domain byte 0x%02x", c);
                if (events__format_check(SCH_F_HOSTNAME, buf + 3, 1) != alnum)
                        fail_msg("hostname, byte 0x%02x", c);
        }
}

/* Where the limits of 64 (local part), 63 (label) and 253 (domain) bind,
 * the answer does not depend on how long the whole address is. */
static void test_events__format_check_email_limits(void **state) {
        char buf[400];

        (void)state;
        /* 65 bytes in all, local part of 62: "x...x@" + 2 labels */
        memset(buf, 'x', 62);
        strcpy(buf + 62, "@a");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, 64), 1);
        /* a label of 63 in an address of 65 and of 66 bytes */
        strcpy(buf, "a@");
        labels(buf + 2, 1, 63, "");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, 65), 1);
        strcpy(buf, "ab@");
        labels(buf + 3, 1, 63, "");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, 66), 1);
        /* a label of 64 in an address of 66 bytes */
        strcpy(buf, "a@");
        labels(buf + 2, 1, 64, "");
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, 66), 0);
        /* a domain of 253 passes, of 254 does not */
        strcpy(buf, "a@");
        labels(buf + 2, 3, 63, ".");
        memset(buf + 2 + 192, 'z', 61);
        buf[2 + 253] = '\0';
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, 255), 1);
        buf[2 + 253] = 'z';
        buf[2 + 254] = '\0';
        assert_int_equal(events__format_check(SCH_F_EMAIL, buf, 256), 0);
        /* a host name of 63 bytes in one label; of 64 in two */
        labels(buf, 1, 63, "");
        assert_int_equal(events__format_check(SCH_F_HOSTNAME, buf, 63), 1);
        labels(buf, 1, 62, ".x");
        assert_int_equal(events__format_check(SCH_F_HOSTNAME, buf, 64), 1);
        labels(buf, 1, 62, "-.x");
        assert_int_equal(events__format_check(SCH_F_HOSTNAME, buf, 65), 0);
}

/* "uri": the forms the common path takes and the ones it leaves to the
 * full check (userinfo, IP literals, percent-encoding, non-ASCII). */
static void test_events__format_check_uri_edges(void **state) {
        static const format_case_t cases[] = {
                {SCH_F_URI, "https://www.example.com/pricing", 1},
                {SCH_F_URI, "https://search.example.net/search?q=a+b", 1},
                {SCH_F_URI, "android-app://com.example.app/", 1},
                {SCH_F_URI, "http://", 1},
                {SCH_F_URI, "http:///x", 1},
                {SCH_F_URI, "http://:80", 1},
                {SCH_F_URI, "http://h:/", 1},
                {SCH_F_URI, "http://h/p?q#f?/:@", 1},
                {SCH_F_URI, "http://u@h/", 1},
                {SCH_F_URI, "http://h@/", 1},
                {SCH_F_URI, "http://[::1]/", 1},
                {SCH_F_URI, "http://h/%41", 1},
                {SCH_F_URI, "http:/h", 1},
                {SCH_F_URI, "http://h:8a/", 0},
                {SCH_F_URI, "http://h:80:80/", 0},
                {SCH_F_URI, "http://h/p#f#g", 0},
                {SCH_F_URI, "http://h/a b", 0},
                {SCH_F_URI, "http://h/\xc3\xa9", 0},
                {SCH_F_IRI, "http://h/\xc3\xa9", 1},
                {SCH_F_URI, "http://h/%4", 0},
                {SCH_F_URI, "1http://h/", 0},
                {SCH_F_URI, "//h/p", 0},
                {SCH_F_URI_REFERENCE, "//h/p", 1},
                {SCH_F_URI, "http://h/[", 0},
                {SCH_F_URI, "http://h/{", 0},
        };

        (void)state;
        check_formats(cases, sizeof(cases) / sizeof(cases[0]));
}

/* "ipv4" and "ipv6" at their edges: lengths, a fifth hex digit, "::" in
 * every place, a dotted quad after groups of every size. */
static void test_events__format_check_ip_edges(void **state) {
        static const format_case_t cases[] = {
                {SCH_F_IPV4, "100.100.100.100", 1},
                {SCH_F_IPV4, "255.255.255.2550", 0},
                {SCH_F_IPV4, "0.0.0", 0},
                {SCH_F_IPV4, "1.2.3.4.", 0},
                {SCH_F_IPV4, "2001:db8::1", 0},
                {SCH_F_IPV4, "::1", 0},
                {SCH_F_IPV6, "2001:db8:8e7a:3867::eae1", 1},
                {SCH_F_IPV6, "abcd:ef01:2345:6789:ABCD:EF01:2345:6789", 1},
                {SCH_F_IPV6, "0000:0000:0000:0000:0000:0000:0000:0000", 1},
                {SCH_F_IPV6, "abcd:ef01:2345:6789:ABCD:EF01:2345:67890", 0},
                {SCH_F_IPV6, "abcde::", 0},
                {SCH_F_IPV6, "::abcde", 0},
                {SCH_F_IPV6, "abcde:1", 0},
                {SCH_F_IPV6, "1:2:3:4:5:6:7x8", 0},
                {SCH_F_IPV6, "1:2:3:4:5:6:7.8", 0},
                {SCH_F_IPV6, "1:2:3:4:5:6:7:abcd:", 0},
                {SCH_F_IPV6, "::123.1.2.3", 1},
                {SCH_F_IPV6, "::1234.1.2.3", 0},
                {SCH_F_IPV6, "1:2:3:4:5::1.2.3.4", 1},
                {SCH_F_IPV6, "1:2:3:4:5:6::1.2.3.4", 0},
                {SCH_F_IPV6, "abcd::1.2.3.4", 1},
                {SCH_F_IPV6, "::ffff:1.2.3", 0},
                {SCH_F_IPV6, ":::", 0},
                {SCH_F_IPV6, "1:::2", 0},
        };
        char buf[64];

        (void)state;
        check_formats(cases, sizeof(cases) / sizeof(cases[0]));
        /* "::" in each of the nine places of seven groups; and in seven
         * groups of four hex digits and eight of them */
        for (int at = 0; at <= 7; at++) {
                char *w = buf;
                for (int g = 0; g < 7; g++) {
                        if (g == at)
                                w += sprintf(w, "::");
                        else if (g)
                                *w++ = ':';
                        w += sprintf(w, "%x", 0xabc0 + g);
                }
                if (at == 7)
                        w += sprintf(w, "::");
                assert_int_equal(events__format_check(SCH_F_IPV6, buf,
                                                      (size_t)(w - buf)),
                                 1);
                /* with an eighth group there is no room for "::" */
                w += sprintf(w, at == 7 ? "1" : ":1");
                assert_int_equal(events__format_check(SCH_F_IPV6, buf,
                                                      (size_t)(w - buf)),
                                 0);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_schema_validate_cases),
                cmocka_unit_test(test_events_report_messages),
                cmocka_unit_test(test_events_schema_compile_bad_keyword),
                cmocka_unit_test(test_events_schema_compile_bad_pattern),
                cmocka_unit_test(
                        test_events_schema_pattern_verdicts_remembered),
                cmocka_unit_test(test_events_schema_compile_unresolvable_ref),
                cmocka_unit_test(test_events_schema_compile_null_args),
                cmocka_unit_test(test_events_schema_compile_copies_document),
                cmocka_unit_test(test_events_report_limit_truncates),
                cmocka_unit_test(test_events_report_default_limit),
                cmocka_unit_test(test_events_report_format_edges),
                cmocka_unit_test(test_events_schema_validate_appends),
                cmocka_unit_test(test_events_schema_validate_deep_pointer),
                cmocka_unit_test(test_events_schema_validate_threads),
                cmocka_unit_test(test_events__uri_resolve_rfc3986),
                cmocka_unit_test(test_events__format_check_ipv4),
                cmocka_unit_test(test_events__format_check_uuid),
                cmocka_unit_test(test_events__format_check_hostname),
                cmocka_unit_test(test_events__format_check_email),
                cmocka_unit_test(test_events__format_check_ipv6),
                cmocka_unit_test(test_events__format_check_nul_and_view),
                cmocka_unit_test(test_events__format_check_email_every_byte),
                cmocka_unit_test(test_events__format_check_email_limits),
                cmocka_unit_test(test_events__format_check_uri_edges),
                cmocka_unit_test(test_events__format_check_ip_edges),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
