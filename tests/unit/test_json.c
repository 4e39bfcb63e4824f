/*
 * test_json.c - strict JSON parsing (what the pre-scan and jansson each
 * catch, offsets, line/column, limits) and the compact serializer. Whole
 * envelopes with each error kind are data: tests/data/envelope/bad/.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_int.h"

/* Parse @p s (its strlen) and expect @p code at @p offset. */
static void expect_fail(const char *s, events_err_t code, size_t offset) {
        events_error_t err;
        json_t *j = (json_t *)1;
        events_err_t rc = events_json_parse(&j, s, strlen(s), 0, 0, &err);

        if (rc != code)
                fail_msg("\"%s\": %s (%s), expected %s", s, events_err2name(rc),
                         err.text, events_err2name(code));
        assert_null(j);
        if (err.offset != offset)
                fail_msg("\"%s\": offset %zu, expected %zu (%s)", s, err.offset,
                         offset, err.text);
}

static json_t *parse_ok(const char *s) {
        events_error_t err;
        json_t *j = NULL;

        if (events_json_parse(&j, s, strlen(s), 0, 0, &err))
                fail_msg("\"%s\": %s", s, err.text);
        return j;
}

static void test_events_json_parse_any_value(void **state) {
        static const char *ok[] = {"42",        "-0",
                                   "1.5e3",     "\"s\"",
                                   "true",      "null",
                                   "[]",        "{}",
                                   " [1, {}] ", "\"\\u00e9\\ud83d\\ude00\""};
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                json_decref(parse_ok(ok[i]));
}

static void test_events_json_parse_precise_offsets(void **state) {
        /* The pre-scan's findings: the byte itself. */
        expect_fail("[\"a\x01\"]", EVENTS_ERR_JSON, 3);
        expect_fail("[\"\\a\"]", EVENTS_ERR_JSON, 2);
        expect_fail("[\"\\u12\"]", EVENTS_ERR_JSON, 2);
        expect_fail("[\"\\ud800\\u12\"]", EVENTS_ERR_JSON, 8);
        expect_fail("[\"\\ud800\\n\"]", EVENTS_ERR_UTF8, 2);
        expect_fail("[\"\\ud800\"]", EVENTS_ERR_UTF8, 2);
        expect_fail("[\"\\uDFFF\"]", EVENTS_ERR_UTF8, 2);
        expect_fail("[\"\\u0000\"]", EVENTS_ERR_NUL, 2);
        expect_fail("[1,\"\xc3\"]", EVENTS_ERR_UTF8, 4);
        expect_fail("[1,\"\xf0\x9f\x98\"]", EVENTS_ERR_UTF8, 4);
        /* jansson's findings: the start of the token. */
        expect_fail("[1,2,,3]", EVENTS_ERR_JSON, 5);
        expect_fail("[1,2] [", EVENTS_ERR_JSON, 6);
        expect_fail("[1,falsey]", EVENTS_ERR_JSON, 3);
        expect_fail("{\"a\":1,\"b\":{\"c\":2,\"c\":3}}",
                    EVENTS_ERR_DUPLICATE_KEY, 18);
        expect_fail("[123456789012345678901234567890]",
                    EVENTS_ERR_NUMBER_OVERFLOW, 1);
        expect_fail("[0, 1e999999]", EVENTS_ERR_NUMBER_OVERFLOW, 4);
        expect_fail("[1,2", EVENTS_ERR_JSON, 4);
        expect_fail("", EVENTS_ERR_JSON, 0);
}

/* Valid escapes and UTF-8 of every length pass the pre-scan. */
static void test_events_json_parse_valid_unicode(void **state) {
        json_t *j = parse_ok("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\uD83D\\uDE00"
                             "\\u0041\\uFFFF\", \"\xc2\x80\xdf\xbf\xe0\xa0\x80"
                             "\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f"
                             "\xbf\xbf\"]");

        assert_string_equal(json_string_value(json_array_get(j, 0)),
                            "\"\\/\b\f\n\r\t");
        assert_string_equal(json_string_value(json_array_get(j, 1)),
                            "\xf0\x9f\x98\x80"
                            "A\xef\xbf\xbf");
        json_decref(j);
}

/* The first error in document order is the one reported. */
static void test_events_json_parse_first_error_wins(void **state) {
        expect_fail("[\"\xff\", \"\\ud800\"]", EVENTS_ERR_UTF8, 2);
        expect_fail("[\"\\ud800\", \"\xff\"]", EVENTS_ERR_UTF8, 2);
        expect_fail("[tru, \"\xff\"]", EVENTS_ERR_JSON, 1);
        expect_fail("{\"a\":1,\"a\":2,\"b\":\"\\u0000\"}",
                    EVENTS_ERR_DUPLICATE_KEY, 7);
        expect_fail(
                "[1e999, [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                "[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                EVENTS_ERR_NUMBER_OVERFLOW, 1);
}

static void test_events_json_parse_nul_bytes(void **state) {
        events_error_t err;
        json_t *j;

        assert_int_equal(events_json_parse(&j, "[1]\0", 4, 0, 0, &err),
                         EVENTS_ERR_NUL);
        assert_int_equal(err.offset, 3);
        assert_int_equal(events_json_parse(&j, "\0", 1, 0, 0, &err),
                         EVENTS_ERR_NUL);
        assert_int_equal(err.offset, 0);
        assert_int_equal(events_json_parse(&j, "[12\0]", 5, 0, 0, &err),
                         EVENTS_ERR_NUL);
        assert_int_equal(err.offset, 3);
        assert_int_equal(events_json_parse(&j, "{\"a\0b\":1}", 9, 0, 0, &err),
                         EVENTS_ERR_NUL);
        assert_int_equal(err.offset, 3);
}

static void test_events_json_parse_line_column(void **state) {
        /* Columns count characters: é is two bytes, one column. */
        const char *s = "{\n  \"caf\xc3\xa9\": 1,\n  \"\xc3\xa9\": tru\n}";
        events_error_t err;
        char buf[200];
        json_t *j;

        assert_int_equal(events_json_parse(&j, s, strlen(s), 0, 0, &err),
                         EVENTS_ERR_JSON);
        assert_int_equal(err.offset, 24);
        assert_int_equal(err.line, 3);
        assert_int_equal(err.column, 8);
        events_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "line 3, column 8 (byte 24): invalid token "
                                 "near 'tru'");
        /* A bad byte on line 2. */
        assert_int_equal(events_json_parse(&j, "[\n \"\xff\"]", 7, 0, 0, &err),
                         EVENTS_ERR_UTF8);
        assert_int_equal(err.line, 2);
        assert_int_equal(err.column, 3);
        assert_string_equal(err.text, "invalid UTF-8 byte 0xff");
}

static void test_events_json_parse_limits(void **state) {
        char doc[5000];
        events_error_t err;
        json_t *j;
        size_t n = 0;

        assert_int_equal(events_json_parse(&j, "[1,2]", 5, 5, 0, &err),
                         EVENTS_OK);
        json_decref(j);
        assert_int_equal(events_json_parse(&j, "[1,2]", 5, 4, 0, &err),
                         EVENTS_ERR_TOO_LARGE);
        assert_int_equal(err.offset, 4);
        assert_int_equal(events_json_parse(&j, "[[]]", 4, 0, 1, &err),
                         EVENTS_ERR_TOO_DEEP);
        assert_int_equal(err.offset, 1);
        assert_int_equal(events_json_parse(&j, "[[]]", 4, 0, 2, &err),
                         EVENTS_OK);
        json_decref(j);
        /* Brackets inside strings are not nesting. */
        assert_int_equal(events_json_parse(&j, "[\"[[[\"]", 7, 0, 1, &err),
                         EVENTS_OK);
        json_decref(j);
        /* Past jansson's own limit (2048) its error maps to TOO_DEEP. */
        for (int i = 0; i < 2100; i++)
                doc[n++] = '[';
        for (int i = 0; i < 2100; i++)
                doc[n++] = ']';
        assert_int_equal(events_json_parse(&j, doc, n, 0, 3000, &err),
                         EVENTS_ERR_TOO_DEEP);
        assert_int_equal(events_json_parse(&j, doc, n, 0, 0, &err),
                         EVENTS_ERR_TOO_DEEP);
        assert_int_equal(err.offset, 64);
}

static void test_events_json_parse_invalid_args(void **state) {
        events_error_t err;
        json_t *j = (json_t *)1;

        assert_int_equal(events_json_parse(NULL, "1", 1, 0, 0, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_json_parse(&j, NULL, 1, 0, 0, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_null(j);
        assert_int_equal(events_json_parse(&j, "1", 1, 0, -5, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_json_parse(&j, "1", 1, 0, 0, NULL), EVENTS_OK);
        json_decref(j);
        assert_int_equal(events_json_parse(&j, "[", 1, 0, 0, NULL),
                         EVENTS_ERR_JSON);
}

static void test_events_json_parse_numbers(void **state) {
        json_t *j = parse_ok("[9223372036854775807, -9223372036854775808, "
                             "1.7976931348623157e308, 1e-400, -0.0, 4.9e-324]");

        assert_true(json_integer_value(json_array_get(j, 0)) == INT64_MAX);
        assert_true(json_integer_value(json_array_get(j, 1)) == INT64_MIN);
        assert_true(json_is_real(json_array_get(j, 2)));
        assert_true(json_real_value(json_array_get(j, 3)) == 0.0);
        json_decref(j);
}

static char *dump(const json_t *v) {
        events__buf_t b = {0};

        assert_int_equal(events__json_dump(&b, v), EVENTS_OK);
        return b.p;
}

static void test_events_json_dump_compact(void **state) {
        json_t *v = json_pack("{s:[i,f,b,b,n], s:s, s:{}, s:[]}", "a", 1, 2.5,
                              1, 0, "s", "x\"\\/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9",
                              "o", "e");
        char *out;

        json_object_setn_new_nocheck(v, "k\0z", 3, json_integer(-7));
        out = dump(v);
        assert_string_equal(out,
                            "{\"a\":[1,2.5,true,false,null],"
                            "\"s\":\"x\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f"
                            "\x7f\xc3\xa9\",\"o\":{},\"e\":[],"
                            "\"k\\u0000z\":-7}");
        free(out);
        json_decref(v);
        assert_int_equal(events__json_dump(NULL, v), EVENTS_ERR_INVALID_ARG);
}

/* The serializer's text parses back to an equal value. */
static void test_events_json_dump_round_trip(void **state) {
        const char *s = "{\"u\":\"\xf0\x9f\x98\x80\\u0001\",\"n\":[0,-1,"
                        "0.1,1e300,-2.5e-300,123456789.125,4.9e-324],"
                        "\"deep\":[[[{\"a\":{}}]]]}";
        json_t *a = parse_ok(s), *b;
        char *out = dump(a);

        b = parse_ok(out);
        assert_true(json_equal(a, b));
        free(out);
        json_decref(a);
        json_decref(b);
}

static void test_events_real_format_shortest(void **state) {
        static const struct {
                double d;
                const char *text;
        } cases[] = {
                {0.1, "0.1"},
                {1.0, "1.0"},
                {-0.0, "-0.0"},
                {0.0, "0.0"},
                {100.0, "100.0"},
                {1e21, "1e+21"},
                {1e300, "1e+300"},
                {0.3, "0.3"},
                {0.1 + 0.2, "0.30000000000000004"},
                {1.0 / 3.0, "0.3333333333333333"},
                {123456789012345680.0, "1.2345678901234568e+17"},
                {2.5e-300, "2.5e-300"},
                {4.9406564584124654e-324, "5e-324"},
                {1.7976931348623157e308, "1.7976931348623157e+308"},
        };
        char buf[EVENTS__REAL_BUFSIZE];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = events__real_format(cases[i].d, buf);

                assert_string_equal(buf, cases[i].text);
                assert_int_equal(n, strlen(cases[i].text));
                assert_true(strtod(buf, NULL) == cases[i].d);
        }
}

/* The plain algorithm: %.{p}g for growing p until it reads back. */
static void real_format_oracle(double d, char *buf) {
        for (int p = fpclassify(d) == FP_SUBNORMAL ? 1 : 15; p <= 17; p++) {
                snprintf(buf, 40, "%.*g", p, d);
                if (p == 17 || strtod(buf, NULL) == d)
                        break;
        }
        if (!strpbrk(buf, ".e"))
                strcat(buf, ".0");
}

/* Random doubles of four kinds (any bit pattern, short decimals, 53-bit
 * fractions, powers of two down to the subnormals): the one-printf
 * rounding gives exactly what the plain algorithm gives. */
static void test_events_real_format_matches_plain_algorithm(void **state) {
        uint64_t x = 0x2545f4914f6cdd1dULL;
        int checked = 0;

        for (int i = 0; i < 10000; i++) {
                char got[EVENTS__REAL_BUFSIZE], want[40];
                uint64_t bits;
                double d;

                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                bits = x;
                switch (i % 4) {
                case 0:
                        memcpy(&d, &bits, sizeof(d));
                        break;
                case 1:
                        d = (double)(x % 100000000) /
                            pow(10, (double)(x >> 60));
                        break;
                case 2:
                        d = (double)(x >> 11) * 0x1p-53;
                        break;
                default:
                        d = ldexp((x >> 40) % 2 ? 1.0 : -1.0,
                                  (int)(x % 2098) - 1074);
                        break;
                }
                if (!isfinite(d) || d == 0)
                        continue;
                events__real_format(d, got);
                real_format_oracle(d, want);
                if (strcmp(got, want))
                        fail_msg("%a: got %s, expected %s", d, got, want);
                checked++;
        }
        assert_true(checked > 9500);
}

static void test_events_int_format_extremes(void **state) {
        char buf[24];

        assert_int_equal(events__int_format(0, buf), 1);
        assert_string_equal(buf, "0");
        assert_int_equal(events__int_format(INT64_MIN, buf), 20);
        assert_string_equal(buf, "-9223372036854775808");
        events__int_format(INT64_MAX, buf);
        assert_string_equal(buf, "9223372036854775807");
        events__int_format(-42, buf);
        assert_string_equal(buf, "-42");
}

static void test_events_buf_grows(void **state) {
        events__buf_t b = {0};
        char chunk[100];

        memset(chunk, 'z', sizeof(chunk));
        for (int i = 0; i < 100; i++)
                assert_int_equal(events__buf_put(&b, chunk, sizeof(chunk)), 0);
        assert_int_equal(b.len, 10000);
        assert_true(b.cap > b.len);
        assert_int_equal(b.p[b.len], '\0');
        assert_int_equal(events__buf_reserve(&b, SIZE_MAX), -1);
        free(b.p);
}

static void test_events_error_locate_columns(void **state) {
        events_error_t err;

        events_error_clear(&err);
        events__error_locate(&err, "ab\ncd\xc3\xa9x", 8, 7);
        assert_int_equal(err.line, 2);
        assert_int_equal(err.column, 4);
        assert_int_equal(err.offset, 7);
        events__error_locate(&err, "abc", 3, 99); /* clamped to the end */
        assert_int_equal(err.column, 4);
        assert_int_equal(err.offset, 99);
        events__error_locate(NULL, "abc", 3, 1);
}

/* Compare the fast path with the slow one (pre-scan + json_loadb) on
 * @p doc: they must agree on accepting it, build equal values and report
 * the same top-level facts. @returns 1 if accepted. */
static int differential(const char *doc, size_t n) {
        /* Any name will do; the envelope's is the one that matters. */
        events__json_top_t tf = {.member = "timestamp", .member_len = 9},
                           ts = tf;
        json_t *fast, *slow = NULL;
        events_err_t rc;

        events_error_t err;

        fast = events__json_parse_fast(doc, n, 64, &tf);
        rc = events__json_parse_slow(&slow, doc, n, 64, &err, &ts);
        if (rc) { /* the error record is complete and inside the input */
                assert_int_equal(err.code, rc);
                assert_true(err.text[0] != '\0');
                assert_true(err.offset <= n);
                assert_true(err.line >= 1 && err.column >= 1);
        }
        if (!fast != !slow) {
                char shown[200];
                size_t k;

                for (k = 0; k < n && k < sizeof(shown) - 1; k++)
                        shown[k] =
                                doc[k] >= 0x20 && doc[k] < 0x7f ? doc[k] : '?';
                shown[k] = '\0';
                fail_msg("fast path %s, slow path %s (%s): %s",
                         fast ? "accepts" : "rejects",
                         slow ? "accepts" : "rejects", events_err2name(rc),
                         shown);
        }
        if (!fast)
                return 0;
        assert_int_equal(rc, EVENTS_OK);
        assert_true(json_equal(fast, slow));
        assert_int_equal(tf.start, ts.start);
        if (json_is_object(fast)) {
                assert_int_equal(tf.close, ts.close);
                assert_int_equal(tf.value_offset, ts.value_offset);
                assert_int_equal(tf.value_len, ts.value_len);
                assert_int_equal(tf.escaped_key, ts.escaped_key);
        }
        json_decref(fast);
        json_decref(slow);
        return 1;
}

/* If @p doc is a valid envelope: its serialization parses back to the
 * same envelope, and splicing a timestamp into the input gives a document
 * that parses to the same event. @returns 1 if it was an envelope. */
static int envelope_round_trip(const char *doc, size_t n) {
        events_event_t *ev = NULL, *back = NULL, *spliced = NULL;
        char *out, buf[600];
        size_t len, slen;

        if (events_event_parse(&ev, doc, n, NULL))
                return 0;
        assert_int_equal(events_event_set_timestamp_us(ev, 1795802700123456LL),
                         EVENTS_OK);
        assert_int_equal(events_event_serialize(ev, &out, &len), EVENTS_OK);
        assert_int_equal(events_event_parse(&back, out, len, NULL), EVENTS_OK);
        assert_true(json_equal(events_event_json(ev), events_event_json(back)));
        if (events__event_input(ev)->known) {
                assert_true(n + EVENTS__SPLICE_EXTRA <= sizeof(buf));
                assert_int_equal(events__event_splice(ev, doc, n, buf,
                                                      sizeof(buf), &slen),
                                 EVENTS_OK);
                assert_int_equal(events_event_parse(&spliced, buf, slen, NULL),
                                 EVENTS_OK);
                assert_true(json_equal(events_event_json(ev),
                                       events_event_json(spliced)));
                events_event_destroy(spliced);
        }
        free(out);
        events_event_destroy(back);
        events_event_destroy(ev);
        return 1;
}

/* Both paths locate the value of the member they are asked for, whatever
 * its type, without the white space around it, and only at the top level
 * and only under a key written without escapes. */
static void test_events_json_parse_top_member_value(void **state) {
        static const struct {
                const char *doc, *member, *want; /* want NULL: not found */
        } cases[] = {
                {"{\"a\":1,\"b\":\"x\"}", "b", "\"x\""},
                {"{ \"a\" :\t-12.5e3 , \"b\":2}", "a", "-12.5e3"},
                {"{\"a\": {\"b\":[1,{}]} }", "a", "{\"b\":[1,{}]}"},
                {"{\"a\":[1, 2]\n}", "a", "[1, 2]"},
                {"{\"a\":null}", "a", "null"},
                {"{\"a\":{\"b\":1}}", "b", NULL},       /* not top-level */
                {"{\"\\u0061\":1}", "a", NULL},         /* escaped key */
                {"[\"a\",1]", "a", NULL},               /* not an object */
                {"{\"ab\":1,\"a\":\"\"}", "a", "\"\""}, /* not a prefix */
                {"{\"a\":1}", NULL, NULL},              /* nothing asked */
        };
        (void)state;

        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
                const char *doc = cases[k].doc;
                size_t n = strlen(doc);
                events__json_top_t tops[2];
                json_t *fast, *slow;

                for (int w = 0; w < 2; w++) {
                        tops[w] = (events__json_top_t){0};
                        tops[w].member = cases[k].member;
                        tops[w].member_len =
                                cases[k].member ? strlen(cases[k].member) : 0;
                }
                fast = events__json_parse_fast(doc, n, 64, &tops[0]);
                assert_non_null(fast);
                assert_int_equal(events__json_parse_slow(&slow, doc, n, 64,
                                                         NULL, &tops[1]),
                                 EVENTS_OK);
                for (int w = 0; w < 2; w++) {
                        const events__json_top_t *t = &tops[w];

                        if (!cases[k].want) {
                                assert_true(t->value_offset == EVENTS__NPOS);
                                continue;
                        }
                        assert_true(t->value_offset < n);
                        assert_int_equal(t->value_len, strlen(cases[k].want));
                        assert_memory_equal(doc + t->value_offset,
                                            cases[k].want, t->value_len);
                }
                json_decref(fast);
                json_decref(slow);
        }
}

static void test_events_json_parse_fast_matches_slow_cases(void **state) {
        static const char *docs[] = {
                "{}",
                "[]",
                " {\"a\" : [ 1 , 2.5e-3 , \"x\" ] } ",
                "0",
                "-0",
                "-0.0",
                "1E400",
                "1e-400",
                "0.1",
                "01",
                "-",
                "1.",
                ".5",
                "+1",
                "1e",
                "1e+",
                "1.5E+3",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775808",
                "-9223372036854775809",
                "12345678901234567890",
                "123456789012345678901234567890123456789012345678901234567890"
                "1234567890.5",
                "true",
                "false",
                "null",
                "tru",
                "nul",
                "truex",
                "[true,]",
                "\"\\u0000\"",
                "\"\\ud83d\\ude00\"",
                "\"\\ud83d\"",
                "\"\\ude00\"",
                "\"\\ud83d\\u0041\"",
                "\"\\uD83D\\uDE00x\"",
                "\"\\u00e9\\u20AC\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
                "\"\\x\"",
                "\"\\u12\"",
                "\"a\x7f\"",
                "\"\xc3\xa9\"",
                "\"\xc3\"",
                "\"\xed\xa0\x80\"",
                "\"\xf4\x8f\xbf\xbf\"",
                "\"\xf4\x90\x80\x80\"",
                "\"\xe0\x9f\xbf\"",
                "{\"a\":1,\"a\":1}",
                "{\"a\":1,\"\\u0061\":1}",
                "{\"\\u0000\":1}",
                "{\"\":{\"\":[]}}",
                "{\"a\" 1}",
                "{\"a\":}",
                "{,}",
                "[1 2]",
                "[1,,2]",
                "{\"a\":1}}",
                "{\"a\":1} ",
                "[1]x",
                "{\"timestamp\":\"t\",\"x\":{\"timestamp\":\"u\"}}",
                "{\"timestamp\":1}",
                "{\"time\\u0073tamp\":\"t\"}",
                "{\"a\":[{\"b\":\"\\\"}\"}]}",
                "\t\r\n[\r\n]\t",
                "\x0c[]",
        };
        int accepted = 0;

        for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
                accepted += differential(docs[i], strlen(docs[i]));
        assert_true(accepted > 20);
}

/* Random mutations of valid envelopes, biased towards bytes that matter
 * to JSON: both paths must agree on every one. */
static void test_events_json_parse_fast_matches_slow_mutations(void **state) {
        static const char seed[] =
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":42,"
                "\"score\":-1.25e-3,\"name\":\"Ad\\u00e9 \\ud83d\\ude00\\n\","
                "\"tags\":[\"a\",true,false,null,{}],\"raw\":\"caf\xc3\xa9\"},"
                "\"timestamp\":\"2026-11-27T18:05:00Z\",\"x\":[0,[1,[2]]]}";
        static const char alphabet[] =
                "{}[],:\"\\u0123456789abcdefABCDEF-+.eE "
                "\ntrfnlsd\xc3\xa9\xff\x80\xed\xa0\xf0\x01";
        uint64_t x = 0x9e3779b97f4a7c15ULL;
        char doc[512];
        int accepted = 0, envelopes = 0, total = 10000;

        for (int it = 0; it < total; it++) {
                size_t n = sizeof(seed) - 1;
                int edits;

                memcpy(doc, seed, n);
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                edits = 1 + (int)(x % 3);
                for (int e = 0; e < edits; e++) {
                        size_t pos;
                        char c;

                        if (n == 0)
                                break;
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        pos = (size_t)(x >> 8) % n;
                        c = alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
                        switch (x % 4) {
                        case 0: /* replace */
                                doc[pos] = c;
                                break;
                        case 1: /* insert */
                                if (n + 1 < sizeof(doc)) {
                                        memmove(doc + pos + 1, doc + pos,
                                                n - pos);
                                        doc[pos] = c;
                                        n++;
                                }
                                break;
                        case 2: /* delete */
                                memmove(doc + pos, doc + pos + 1, n - pos - 1);
                                n--;
                                break;
                        default: /* truncate */
                                n = pos + 1;
                                break;
                        }
                }
                accepted += differential(doc, n);
                envelopes += envelope_round_trip(doc, n);
        }
        assert_true(envelopes > 25);
        /* Both outcomes were exercised. */
        assert_true(accepted > 100);
        assert_true(accepted < total - 100);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_json_parse_any_value),
                cmocka_unit_test(test_events_json_parse_precise_offsets),
                cmocka_unit_test(test_events_json_parse_valid_unicode),
                cmocka_unit_test(test_events_json_parse_first_error_wins),
                cmocka_unit_test(test_events_json_parse_nul_bytes),
                cmocka_unit_test(test_events_json_parse_line_column),
                cmocka_unit_test(test_events_json_parse_limits),
                cmocka_unit_test(test_events_json_parse_invalid_args),
                cmocka_unit_test(test_events_json_parse_numbers),
                cmocka_unit_test(test_events_json_dump_compact),
                cmocka_unit_test(test_events_json_dump_round_trip),
                cmocka_unit_test(test_events_real_format_shortest),
                cmocka_unit_test(
                        test_events_real_format_matches_plain_algorithm),
                cmocka_unit_test(test_events_int_format_extremes),
                cmocka_unit_test(test_events_buf_grows),
                cmocka_unit_test(test_events_error_locate_columns),
                cmocka_unit_test(test_events_json_parse_top_member_value),
                cmocka_unit_test(
                        test_events_json_parse_fast_matches_slow_cases),
                cmocka_unit_test(
                        test_events_json_parse_fast_matches_slow_mutations),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
