/*
 * test_lite.c - the producer's lite path (lite.c, shape_lite() in
 * producer.c) against the full path: for every line, in every setting,
 * both must give the same outcome, message, key, type and timestamp; the
 * lite path must take the simple valid lines (or it would be pointless)
 * and may decline anything else. The lite validator's soundness on the
 * JSON-Schema-Test-Suite is checked by the conformance runner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "events_int.h"
#include "event_int.h"
#include "lite_fixture.h"
#include "lite_int.h"
#include "producer_int.h"

/* A fixed clock: 2026-11-27T18:05:00.123456Z. */
#define NOW_US 1795802700123456LL

static const char *const lines[] = {
        /* the benchmark's line, and variations the lite path takes */
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":100001,\"ip\":"
        "\"203.0.113.7\",\"user_agent\":\"b/1\",\"method\":\"password\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":7,\"ip\":"
        "\"2001:db8::1\",\"method\":\"sso\",\"mfa\":true,\"country\":\"DE\","
        "\"x_geo\":\"berlin\"},\"timestamp\":\"2026-11-27T18:05:00.123456Z\"}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":7,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"},\"timestamp\":"
        "\"2026-11-27T19:05:00+01:00\"}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":7,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"},\"timestamp\":"
        "\"2026-11-27t18:05:00.5z\",\"trace\":[1,2.5,{\"a\":null}]}",
        " \t{ \"data\" : {\"user_id\":12,\"ip\":\"10.0.0.1\",\"method\":"
        "\"passkey\"} , \"event_type\" : \"user.login\" }  ",
        "{\"event_type\":\"user.created\",\"data\":{\"user_id\":3,\"email\":"
        "\"a@example.com\",\"name\":\"Zoë Ünal\",\"plan\":\"pro\",\"locale\":"
        "\"en-GB\"}}",
        "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":9}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":9.0,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1e3,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":-0,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"}}",
        "{\"event_type\":\"x.unknown\",\"data\":{\"a\":1}}",
        "{\"event_type\":\"user.login\",\"data\":{}}",
        /* invalid: the full path rejects, the lite path must not take */
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":0,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"ip\":"
        "\"203.0.113.999\",\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"ip\":"
        "\"203.0.113.7\",\"method\":\"pigeon\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\",\"extra\":1}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\",\"country\":\"de\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1.5,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":"
        "9007199254740992,\"ip\":\"203.0.113.7\",\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"ip\":\"203.0.113.7\","
        "\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"user_id\":2,"
        "\"ip\":\"203.0.113.7\",\"method\":\"sso\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"},\"timestamp\":\"yesterday\"}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"ip\":"
        "\"203.0.113.7\",\"method\":\"sso\"},\"timestamp\":12}",
        "{\"event_type\":\"user login\",\"data\":{}}",
        "{\"event_type\":\"\",\"data\":{}}",
        "{\"event_type\":1,\"data\":{}}",
        "{\"event_type\":\"user.login\",\"data\":[]}",
        "{\"event_type\":\"user.login\"}",
        "{\"data\":{}}",
        "[1,2]",
        "\"text\"",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1}}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":01}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1.}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1e999}}",
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":"
        "99999999999999999999}}",
        "{\"event_type\":\"user.login\",\"data\":{\"s\":\"a\tb\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"s\":\"\xc3\x28\"}}",
        "{\"event_type\":\"user.login\",\"data\":{\"s\":tru}}",
        /* escapes: the lite path declines, the full path decides */
        "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,\"ip\":"
        "\"203.0.113.7\",\"method\":\"ss\\u006f\"}}",
        "{\"ev\\u0065nt_type\":\"user.logout\",\"data\":{\"user_id\":1}}",
        "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":1},"
        "\"time\\u0073tamp\":\"2026-11-27T18:05:00Z\"}",
        "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":\"a\\\"b\"}}",
        /* escapes in values: unescaped (the name), or left to the full
         * path (a timestamp is spliced by its bytes) */
        "{\"event_type\":\"user.created\",\"data\":{\"user_id\":3,"
        "\"email\":\"zoe@example.com\",\"name\":\"Zo\\u00eb\"}}",
        "{\"event_type\":\"user\\u002elogout\",\"data\":{\"user_id\":4}}",
        "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":5},"
        "\"timestamp\":\"2026-11-27T18:05:00\\u002e123456Z\"}",
        /* keys of other kinds */
        "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":1,"
        "\"session_id\":\"123e4567-e89b-12d3-a456-426614174000\"}}",
        "{\"event_type\":\"x.y\",\"data\":{\"user_id\":\"abc\"}}",
        "{\"event_type\":\"x.y\",\"data\":{\"user_id\":2.5}}",
        "{\"event_type\":\"x.y\",\"data\":{\"user_id\":[4,5]},\"k\":[[1],"
        "{\"b\":\"c\"}]}",
        "{\"event_type\":\"x.y\",\"data\":{\"user_id\":{\"n\":1}}}",
        "",
        "   ",
};

static const char *const key_paths[] = {
        "data.user_id",   NULL,         "k.1.b",     "k.0.0",
        "data.user_id.1", "event_type", "timestamp", "k.01"};

static void compare(const events__probe_t *full, const events__probe_t *lite,
                    const char *line) {
        if (full->outcome != lite->outcome || full->code != lite->code)
                fail_msg("outcome %d/%d code %d/%d: %s", full->outcome,
                         lite->outcome, full->code, lite->code, line);
        if (full->outcome != EVENTS_OUTCOME_QUEUED)
                return;
        if (full->mlen != lite->mlen ||
            memcmp(full->msg, lite->msg, full->mlen))
                fail_msg("message %s / %s", full->msg, lite->msg);
        assert_int_equal(full->has_key, lite->has_key);
        assert_int_equal(full->klen, lite->klen);
        assert_string_equal(full->key, lite->key);
        assert_string_equal(full->type, lite->type);
        assert_int_equal(full->ts_ms, lite->ts_ms);
}

static void run_all(events_producer_t *p, int *taken) {
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                events__probe_t a, b;

                assert_int_equal(events__producer_probe(p, lines[i],
                                                        strlen(lines[i]),
                                                        NOW_US, 0, &a),
                                 EVENTS_OK);
                assert_int_equal(events__producer_probe(p, lines[i],
                                                        strlen(lines[i]),
                                                        NOW_US, 1, &b),
                                 EVENTS_OK);
                assert_int_equal(a.lite_taken, 0);
                compare(&a, &b, lines[i]);
                if (b.lite_taken)
                        taken[i]++;
                free(a.msg);
                free(b.msg);
        }
}

static void test_events__producer_probe_lite_equals_full(void **state) {
        const char *dir = getenv("EVENTS_SCHEMAS_DIR");
        events_registry_t *reg = NULL;
        events_producer_t *p = NULL;
        int taken[sizeof(lines) / sizeof(lines[0])] = {0};

        (void)state;
        assert_non_null(dir);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_load_dir(reg, dir, NULL), EVENTS_OK);
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        for (int with_reg = 0; with_reg < 2; with_reg++) {
                events_producer_set_registry(p, with_reg ? reg : NULL);
                for (int allow = 0; allow < 2; allow++) {
                        events_registry_set_unknown_type(
                                reg, allow ? EVENTS_UNKNOWN_TYPE_ALLOW
                                           : EVENTS_UNKNOWN_TYPE_REJECT);
                        for (int restamp = 0; restamp < 2; restamp++) {
                                events_producer_set_restamp(p, restamp);
                                for (size_t k = 0;
                                     k <
                                     sizeof(key_paths) / sizeof(key_paths[0]);
                                     k++) {
                                        assert_int_equal(
                                                events_producer_set_key_path(
                                                        p,
                                                        key_paths[k]
                                                                ? key_paths[k]
                                                                : ""),
                                                EVENTS_OK);
                                        run_all(p, taken);
                                }
                        }
                }
        }
        /* The simple valid lines go the lite way, and so does a value with
         * an escape; a timestamp with one does not (it is spliced by its
         * bytes). */
        for (size_t i = 0; i < 12; i++)
                if (!taken[i])
                        fail_msg("the lite path never took: %s", lines[i]);
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                if (strstr(lines[i], "Zo\\u00eb") && !taken[i])
                        fail_msg("the lite path never took: %s", lines[i]);
                if (strstr(lines[i], "00\\u002e1") && taken[i])
                        fail_msg("the lite path took: %s", lines[i]);
        }
        events_producer_destroy(p);
        events_registry_destroy(reg);
}

static void test_events__lite_parse_declines(void **state) {
        events__lite_t L = {0};
        char deep[200];
        size_t n = 0;

        (void)state;
        {
                const char *doc = "{\"a\":[1,{\"b\":\"c\"}]}";

                assert_int_equal(events__lite_parse(&L, doc, strlen(doc), 64),
                                 0);
                assert_int_equal(L.used, 5);
                assert_int_equal(L.n[0].count, 1);
                assert_int_equal(L.n[1].count, 2);
                assert_int_equal(L.close, 18);
                assert_int_equal(events__lite_get(&L, 0, "a", 1), 1);
                assert_int_equal(events__lite_get(&L, 0, "b", 1), -1);
        }
        /* Escapes in values are unescaped (Python's json.dumps() writes
         * \u00eb for ë); in keys they are left to the full path, and so
         * is what jansson refuses: \u0000, a lone surrogate, a bad
         * escape. */
        {
                const char *doc =
                        "{\"a\":\"Zo\\u00eb \\\"x\\\"\\n\\ud83d\\ude00\"}";

                assert_int_equal(events__lite_parse(&L, doc, strlen(doc), 64),
                                 0);
                assert_true(L.escaped);
                assert_int_equal(L.n[1].len, 13);
                assert_memory_equal(L.n[1].s,
                                    "Zo\xc3\xab \"x\"\n\xf0\x9f\x98\x80", 13);
                assert_null(events__lite_remember(&L, doc, strlen(doc),
                                                  UINT32_MAX));
        }
        assert_int_equal(events__lite_parse(&L, "{\"a\":\"\\u0000\"}", 14, 64),
                         -1);
        assert_int_equal(events__lite_parse(&L, "{\"a\":\"\\ud800\"}", 14, 64),
                         -1);
        assert_int_equal(events__lite_parse(&L, "{\"a\":\"\\x\"}", 10, 64), -1);
        /* not an object, escaped keys, duplicates, too deep, trailing
         * bytes */
        assert_int_equal(events__lite_parse(&L, "[]", 2, 64), -1);
        assert_int_equal(events__lite_parse(&L, "{\"a\\n\":1}", 9, 64), -1);
        assert_int_equal(events__lite_parse(&L, "{\"a\":1,\"a\":1}", 13, 64),
                         -1);
        assert_int_equal(events__lite_parse(&L, "{} x", 4, 64), -1);
        deep[n++] = '{';
        deep[n++] = '"';
        deep[n++] = 'a';
        deep[n++] = '"';
        deep[n++] = ':';
        for (int i = 0; i < 70; i++)
                deep[n++] = '[';
        for (int i = 0; i < 70; i++)
                deep[n++] = ']';
        deep[n++] = '}';
        assert_int_equal(events__lite_parse(&L, deep, n, 64), -1);
        assert_int_equal(events__lite_parse(&L, deep, n, 100), 0);
        events__lite_free(&L);
}

static void test_events__lite_timestamp_matches_format(void **state) {
        static const int64_t us[] = {0,
                                     1,
                                     999999,
                                     1000000,
                                     NOW_US,
                                     NOW_US + 1,
                                     NOW_US + 876543,
                                     NOW_US + 876544,
                                     NOW_US - 1,
                                     NOW_US + 1000000,
                                     -1,
                                     -1000001,
                                     EVENTS__TS_MAX_US,
                                     EVENTS__TS_MAX_US + 1,
                                     EVENTS__TS_MIN_US,
                                     86399999999LL,
                                     86400000000LL};
        events__lite_t L = {0};

        (void)state;
        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
                        char a[EVENTS_TIMESTAMP_BUFSIZE] = "",
                             b[EVENTS_TIMESTAMP_BUFSIZE] = "";
                        size_t na =
                                events_timestamp_format(us[i], a, sizeof(a));
                        size_t nb = events__lite_timestamp(&L, us[i], b);

                        assert_int_equal(na, nb);
                        if (na)
                                assert_string_equal(a, b);
                }
        events__lite_free(&L);
}

/* Every byte position of a string, for each kind of byte: the 8-byte scan
 * must find what the byte loop would. */
static void test_events__lite_parse_string_bytes(void **state) {
        /* Plain bytes first (the neighbours of the bytes that stop a
         * scan, which an eight-byte scan must not take for them), then
         * those that stop it. */
        static const unsigned char kinds[] = {'y', 0x7f, ' ',  '!',  '#',  '[',
                                              ']', 0x20, '\t', 0x01, 0x1f, '\\',
                                              '"', 0x80, 0xff, 0xc3};
        const size_t plain = 8;
        events__lite_t L = {0};
        char doc[64];

        (void)state;
        for (size_t k = 0; k < sizeof(kinds); k++)
                for (size_t len = 1; len < 40; len++)
                        for (size_t at = 0; at < len; at++) {
                                int want = k < plain;
                                size_t n = 0;

                                memcpy(doc, "{\"a\":\"", 6);
                                n = 6;
                                for (size_t i = 0; i < len; i++)
                                        doc[n++] =
                                                i == at ? (char)kinds[k] : 'x';
                                doc[n++] = '"';
                                doc[n++] = '}';
                                assert_int_equal(
                                        events__lite_parse(&L, doc, n, 64),
                                        want ? 0 : -1);
                                if (want)
                                        assert_int_equal(L.n[1].len, len);
                        }
        events__lite_free(&L);
}

/* Integers of every length, with every byte that can end them, with the
 * line ending at every distance after them: the eight-byte digit scan
 * must read what the byte loop reads, and leave reals to the general
 * path. */
static void test_events__lite_parse_integers(void **state) {
        static const char *ends[] = {"}",   ",\"b\":1}", " }",   "\n}",
                                     ".5}", "e3}",       "E+2}", ".0e1}"};
        events__lite_t L = {0};
        char doc[96], num[24];

        (void)state;
        for (size_t digits = 1; digits <= 19; digits++)
                for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++)
                        for (int first = 1; first <= 9; first += 4)
                                for (size_t pad = 0; pad < 10; pad++) {
                                        int real =
                                                strpbrk(ends[e], ".eE") != NULL;
                                        size_t n;

                                        for (size_t i = 0; i < digits; i++)
                                                num[i] =
                                                        (char)('0' +
                                                               (i ? (first +
                                                                     3 * i) % 10
                                                                  : (size_t)first));
                                        num[digits] = '\0';
                                        n = (size_t)snprintf(doc, sizeof(doc),
                                                             "{\"a\":%*s%s%s",
                                                             (int)pad, "", num,
                                                             ends[e]);
                                        /* 19 digits: past what the lite
                                         * tree takes as an integer */
                                        if (digits > 18 && !real) {
                                                assert_int_equal(
                                                        events__lite_parse(
                                                                &L, doc, n, 64),
                                                        -1);
                                                continue;
                                        }
                                        assert_int_equal(
                                                events__lite_parse(&L, doc, n,
                                                                   64),
                                                0);
                                        if (real) {
                                                assert_int_equal(
                                                        L.n[1].type,
                                                        EVENTS__LT_REAL);
                                                continue;
                                        }
                                        assert_int_equal(L.n[1].type,
                                                         EVENTS__LT_INT);
                                        assert_int_equal(L.n[1].len, digits);
                                        assert_true(L.n[1].num.i ==
                                                    strtoll(num, NULL, 10));
                                }
        events__lite_free(&L);
}

static void count_delivered(const events_receipt_t *r, void *opaque) {
        if (events_receipt_outcome(r) == EVENTS_OUTCOME_DELIVERED)
                (*(int *)opaque)++;
}

/* A line with 20,000 nodes grows the lite tree past what is kept; the
 * next lines start from a fresh one (valgrind and ASan watch this). */
static void test_events_producer_submit_large_then_small(void **state) {
        events_producer_t *p = NULL;
        size_t cap = 64 + 2 * 20000, n = 0;
        char *big = malloc(cap);
        const char *small = "{\"event_type\":\"x.y\",\"data\":{\"user_id\":5}}";
        int delivered = 0;

        (void)state;
        assert_non_null(big);
        n += (size_t)sprintf(big, "{\"event_type\":\"x.y\",\"data\":{\"a\":[");
        for (int i = 0; i < 20000; i++) {
                big[n++] = i ? ',' : '0';
                if (i)
                        big[n++] = '0';
        }
        n += (size_t)sprintf(big + n, "]}}");
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_receipt_cb(p, count_delivered, &delivered);
        for (int round = 0; round < 2; round++) {
                assert_int_equal(events_producer_submit(p, big, n, 1, NULL),
                                 EVENTS_OUTCOME_DELIVERED);
                assert_int_equal(events_producer_submit(p, small, strlen(small),
                                                        2, NULL),
                                 EVENTS_OUTCOME_DELIVERED);
        }
        assert_int_equal(delivered, 4);
        events_producer_destroy(p);
        free(big);
}

/* ---- Layouts: a matched line must be what its parse would be ---- */

/* Values for the slots of the benchmark's layout: valid and invalid ones,
 * other types, and the bytes the lite parser refuses. */
static const char *const values[] = {
        "1",
        "100001",
        "0",
        "-1",
        "-0",
        "1.0",
        "1.5",
        "1e3",
        "2E-2",
        "01",
        "1.",
        "-",
        "1e",
        "99999999999999999999",
        "9007199254740991",
        "9007199254740992",
        "\"abc\"",
        "\"\"",
        "\"203.0.113.7\"",
        "\"203.0.113.999\"",
        "\"2001:db8::1\"",
        "\"password\"",
        "\"sso\"",
        "\"pigeon\"",
        "\"a\\\"b\"",
        "\"ss\\u006f\"",
        "\"Zo\xc3\xab\"",
        "\"\xc3\x28\"",
        "\"\xe2\x82\"",
        "\"a\tb\"",
        "\"a\x7f\"",
        "\"unterminated",
        "true",
        "false",
        "null",
        "{}",
        "[]",
        "[1]",
        "{\"a\":1}",
        "",
        "\"b/1\" ",
};

static const char *const stamps[] = {
        "",
        ",\"timestamp\":\"2026-11-27T18:05:00.123456Z\"",
        ",\"timestamp\":\"2026-11-27T19:05:00+01:00\"",
        /* Written back as their own digits and a Z, or formatted again:
         * both must give the full path's text. */
        ",\"timestamp\":\"2026-11-27T18:05:00.123456\"",
        ",\"timestamp\":\"2026-11-27T18:05:00.12345Z\"",
        ",\"timestamp\":\"2026-11-27T18:05:00.123456z\"",
        ",\"timestamp\":\"2026-11-27t18:05:00.123456\"",
        ",\"timestamp\":\"2026-11-27 18:05:00.123456\"",
        ",\"timestamp\":\"2026-11-27T18:05:00.1234567\"",
        ",\"timestamp\":\"2026-02-30T18:05:00.123456\"",
        ",\"timestamp\":\"yesterday\"",
        ",\"timestamp\":12",
};

/* The benchmark's line with its slot @p at (0-3: user_id, ip, user_agent,
 * method; 4: event type) set to @p v, and a timestamp member @p ts. */
static size_t variant(char *buf, size_t cap, int at, const char *v,
                      const char *ts) {
        const char *f[5] = {"100001", "\"203.0.113.7\"", "\"b/1\"",
                            "\"password\"", "\"user.login\""};
        int n;

        f[at] = v;
        n = snprintf(buf, cap,
                     "{\"event_type\":%s,\"data\":{\"user_id\":%s,\"ip\":%s,"
                     "\"user_agent\":%s,\"method\":%s}%s}",
                     f[4], f[0], f[1], f[2], f[3], ts);
        assert_true(n > 0 && (size_t)n < cap);
        return (size_t)n;
}

/* 1 for a plain string value, 2 for a number, 0 for anything else. */
static int kind(const char *v) {
        size_t n = strlen(v);

        if (n >= 2 && v[0] == '"' && v[n - 1] == '"' && !strchr(v, '\\'))
                return 1;
        if (n && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) &&
            v[n - 1] != ' ')
                return 2;
        return 0;
}

/* For every pair of lines: remember the first's layout; when the second
 * matches it, the tree must be the one events__lite_parse() builds, and
 * when it does not, the parse must fail or the layout differ. Same-layout
 * variants must match when they parse. */
static void test_events__lite_match_equals_parse(void **state) {
        events__lite_t L = {0}, P = {0};
        char a[512], b[512];
        size_t na, nb, matched = 0;
        const size_t nv = sizeof(values) / sizeof(values[0]);

        (void)state;
        for (int at = 0; at < 5; at++)
                for (size_t i = 0; i < nv; i++)
                        for (size_t j = 0; j < nv; j++) {
                                na = variant(a, sizeof(a), at, values[i], "");
                                nb = variant(b, sizeof(b), at, values[j], "");
                                if (events__lite_parse(&L, a, na, 64))
                                        continue;
                                /* Misses are the point here: no pause. */
                                L.pause = L.win_lines = L.win_hits = 0;
                                /* A line with escapes is parsed, its
                                 * strings unescaped, never remembered. */
                                if (!events__lite_remember(&L, a, na,
                                                           UINT32_MAX)) {
                                        assert_true(L.escaped);
                                        continue;
                                }
                                if (!events__lite_match(&L, b, nb)) {
                                        /* Values of one kind, without
                                         * what the lite parser refuses,
                                         * are one layout. */
                                        if (kind(values[i]) &&
                                            kind(values[i]) ==
                                                    kind(values[j]) &&
                                            !events__lite_parse(&P, b, nb, 64))
                                                fail_msg("no match: %s / %s", a,
                                                         b);
                                        continue;
                                }
                                matched++;
                                assert_int_equal(
                                        events__lite_parse(&P, b, nb, 64), 0);
                                lite_same_tree(&L, &P);
                        }
        /* A string layout matches every other plain string. */
        assert_true(matched > 500);
        events__lite_free(&L);
        events__lite_free(&P);
}

/* A line of layout @p id (of a few hundred that share beginnings: keys
 * that are prefixes of each other, values of every kind, nesting, arrays,
 * literals), its values picked by @p seed. */
static size_t index_line(char *buf, size_t size, unsigned id, unsigned *seed) {
        static const char *const keys[] = {"a", "ab", "abc", "b", "ba", "c"};
        /* Kinds: numbers, strings, then one layout each. */
        static const char *const nums[] = {"1", "-2", "3.5", "12", "1e3"};
        static const char *const strs[] = {"\"x\"", "\"\"", "\"abc\""};
        static const char *const lits[] = {
                "true",      "false",
                "null",      "[]",
                "{}",        "[1,\"y\"]",
                "{\"a\":1}", "{\"ab\":\"z\",\"b\":[true]}"};
        unsigned shape = id * 2654435761u, members = 1 + shape % 3;
        size_t n = 0;

        n += (size_t)snprintf(buf + n, size - n, "{");
        for (unsigned m = 0; m < members; m++) {
                unsigned k, kind;
                const char *v;

                shape = shape * 1103515245u + 12345u;
                k = (shape >> 16) % 6;
                kind = (shape >> 8) % 10;
                *seed = *seed * 1103515245u + 12345u;
                v = kind == 0   ? nums[(*seed >> 16) % 5]
                    : kind == 1 ? strs[(*seed >> 16) % 3]
                                : lits[kind - 2];
                /* Keys are unique: each member's index is appended. */
                n += (size_t)snprintf(buf + n, size - n, "%s\"%s%u\":%s",
                                      m ? "," : "", keys[k], m, v);
        }
        n += (size_t)snprintf(buf + n, size - n, "}");
        return n;
}

/* One line through @p L's layouts: a match must give @p L the tree (and
 * the closing brace) a parse gives (@returns 1); a line that matches no
 * layout is parsed and remembered (@returns 0). */
static int match_or_remember(events__lite_t *L, events__lite_t *P,
                             const char *buf, size_t n) {
        assert_int_equal(events__lite_parse(P, buf, n, 64), 0);
        L->pause = 0; /* misses are the point here */
        if (events__lite_match(L, buf, n)) {
                lite_same_tree(L, P);
                assert_int_equal(L->close, P->close);
                return 1;
        }
        assert_int_equal(events__lite_parse(L, buf, n, 64), 0);
        L->pause = 0; /* the miss may have ended a window */
        assert_non_null(events__lite_remember(L, buf, n, UINT32_MAX));
        assert_true(L->ntpl <= EVENTS__LITE_LAYOUTS);
        return 0;
}

/* The index of layouts: lines of a few hundred layouts that share their
 * beginnings, in a random order, each matched (then equal to its parse)
 * or parsed and remembered; again, when every line must match; past
 * EVENTS__LITE_LAYOUTS layouts, when all are forgotten and matching
 * starts again, still equal to the parse; and a run of one layout, which
 * is matched against the last layout directly. */
static void test_events__lite_index_equals_parse(void **state) {
        events__lite_t L = {0}, P = {0};
        char buf[512];
        size_t n, matched = 0;
        unsigned seed;

        (void)state;
        for (int round = 0; round < 2; round++) {
                seed = 7 + (unsigned)round;
                for (unsigned i = 0; i < 3000; i++) {
                        n = index_line(buf, sizeof(buf), i * 7919u % 300,
                                       &seed);
                        /* The second round has seen every layout. */
                        if (match_or_remember(&L, &P, buf, n))
                                matched++;
                        else
                                assert_int_equal(round, 0);
                }
        }
        assert_true(matched > 5000);
        /* More layouts than are kept: forgotten, and still right. */
        for (int i = 0; i < 3 * EVENTS__LITE_LAYOUTS; i++) {
                n = (size_t)snprintf(buf, sizeof(buf),
                                     "{\"k%d\":%d,\"v\":\"s%d\"}", i % 2500, i,
                                     i);
                (void)match_or_remember(&L, &P, buf, n);
        }
        /* A run of one layout, with a line of another in it, which must
         * not be taken for it. */
        for (int i = 0; i < 300; i++) {
                n = (size_t)snprintf(buf, sizeof(buf),
                                     i % 50 == 25 ? "{\"r\":%d,\"s\":[\"t%d\"]}"
                                                  : "{\"r\":%d,\"s\":\"t%d\"}",
                                     i * 7 - 500, i);
                (void)match_or_remember(&L, &P, buf, n);
        }
        assert_true(L.run);
        /* The same layout remembered twice is one layout. */
        n = (size_t)snprintf(buf, sizeof(buf), "{\"only\":1}");
        assert_int_equal(events__lite_parse(&L, buf, n, 64), 0);
        {
                events__ltpl_t *a =
                        events__lite_remember(&L, buf, n, UINT32_MAX);
                assert_non_null(a);
                assert_int_equal(events__lite_parse(&L, buf, n, 64), 0);
                assert_ptr_equal(events__lite_remember(&L, buf, n, UINT32_MAX),
                                 a);
        }
        events__lite_free(&L);
        events__lite_free(&P);
}

/* Segments that begin alike: one is the other's beginning ({"a": before
 * a number, {"a":" before a string), in both orders of remembering, and
 * a value that one layout fixes (the event type) where another has a
 * slot. Each line must match its own layout's tree whichever segment is
 * tried first, or miss; never another tree. */
static void test_events__lite_index_prefix_segments(void **state) {
        static const char *docs[] = {
                "{\"a\":12,\"b\":\"x\"}",
                "{\"a\":\"12\",\"b\":\"x\"}",
                "{\"a\":-3,\"b\":\"x\"}",
                "{\"a\":\"\",\"b\":\"x\"}",
                "{\"a\":7}",
                "{\"a\":\"7\"}",
                "{\"a\":7,\"b\":8}",
                "{\"a\":\"7\",\"b\":8}",
        };
        const size_t nl = sizeof(docs) / sizeof(docs[0]);

        (void)state;
        for (int order = 0; order < 2; order++) {
                events__lite_t L = {0}, P = {0};
                size_t matched = 0;

                for (int round = 0; round < 3; round++)
                        for (size_t i = 0; i < nl; i++) {
                                const char *line = docs[order ? nl - 1 - i : i];

                                if (match_or_remember(&L, &P, line,
                                                      strlen(line)))
                                        matched++;
                                else /* seen, so remembered */
                                        assert_int_equal(round, 0);
                        }
                /* Every line after the first round (and the first
                 * round's lines of a layout seen before it). */
                assert_true(matched >= 2 * nl);
                events__lite_free(&L);
                events__lite_free(&P);
        }
        /* The event type fixed in one layout, a slot in the other. */
        {
                events__lite_t L = {0}, P = {0};
                const char *fixed = "{\"t\":\"user.a\",\"v\":1}";
                const char *other = "{\"t\":\"user.b\",\"v\":1}";

                assert_int_equal(
                        events__lite_parse(&L, fixed, strlen(fixed), 64), 0);
                assert_non_null(
                        events__lite_remember(&L, fixed, strlen(fixed), 1));
                assert_int_equal(
                        events__lite_parse(&L, other, strlen(other), 64), 0);
                assert_non_null(events__lite_remember(&L, other, strlen(other),
                                                      UINT32_MAX));
                for (int i = 0; i < 4; i++) {
                        const char *line = i % 2 ? fixed : other;

                        assert_int_equal(
                                match_or_remember(&L, &P, line, strlen(line)),
                                1);
                }
                events__lite_free(&L);
                events__lite_free(&P);
        }
}

/* A tree that keeps its layouts (and validation plans) from line to line
 * must shape every line as the full path does: lines of one layout with
 * each slot set to each value, in every order the loops give. */
static void test_events__producer_layouts_equal_full(void **state) {
        const char *dir = getenv("EVENTS_SCHEMAS_DIR");
        events_registry_t *reg = NULL;
        events_producer_t *p = NULL;
        events__lite_t L = {0};
        char buf[512];
        size_t n, taken = 0;
        const size_t nv = sizeof(values) / sizeof(values[0]),
                     nt = sizeof(stamps) / sizeof(stamps[0]);

        (void)state;
        assert_non_null(dir);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_load_dir(reg, dir, NULL), EVENTS_OK);
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_registry(p, reg);
        /* Each setting change must reach lines of a layout already seen. */
        for (int kp = 0; kp < 6; kp++) {
                int restamp = kp % 2;
                const char *paths[] = {"data.user_id", "timestamp", ""};

                assert_int_equal(events_producer_set_key_path(p, paths[kp / 2]),
                                 EVENTS_OK);
                events_producer_set_restamp(p, restamp);
                for (size_t t = 0; t < nt; t++)
                        for (int at = 0; at < 5; at++)
                                for (size_t i = 0; i < 2 * nv; i++) {
                                        events__probe_t full, lay;

                                        /* The base line before each
                                         * variant: its plan is in place. */
                                        n = i % 2 ? variant(buf, sizeof(buf),
                                                            at, values[i / 2],
                                                            stamps[t])
                                                  : variant(buf, sizeof(buf), 0,
                                                            "100001",
                                                            stamps[t]);
                                        assert_int_equal(events__producer_probe(
                                                                 p, buf, n,
                                                                 NOW_US, 0,
                                                                 &full),
                                                         EVENTS_OK);
                                        assert_int_equal(
                                                events__producer_probe_tree(
                                                        p, &L, buf, n, NOW_US,
                                                        &lay),
                                                EVENTS_OK);
                                        compare(&full, &lay, buf);
                                        taken += (size_t)lay.lite_taken;
                                        free(full.msg);
                                        free(lay.msg);
                                }
        }
        assert_true(taken > 100);
        events__lite_free(&L);
        events_producer_destroy(p);
        events_registry_destroy(reg);
}

/* A layout's plan decides the schemas scalars mostly have (integer
 * bounds, exclusive ones, a real bound; an enum with a length; an anyOf
 * of formats, one of them through a "$ref" or both lean (v_node()'s
 * SCH_S_ANY_LEAN); a pattern) as the full validator does, for each value
 * in each place, after a line that put the plan in place. */
static void test_events__lite_plan_checks_equal_full(void **state) {
        static const char *const schema =
                "{\"type\":\"object\",\"properties\":{"
                "\"a\":{\"type\":\"integer\",\"exclusiveMinimum\":0,"
                "\"exclusiveMaximum\":10},"
                "\"b\":{\"minimum\":1.5,\"maximum\":3},"
                "\"c\":{\"type\":\"string\",\"enum\":[\"x\",\"yy\",7],"
                "\"maxLength\":1},"
                "\"d\":{\"anyOf\":[{\"format\":\"ipv4\"},"
                "{\"$ref\":\"#/definitions/v6\"}]},"
                "\"e\":{\"type\":[\"string\",\"integer\"],\"pattern\":\"^a\","
                "\"minimum\":-3,\"multipleOf\":3},"
                "\"f\":{\"type\":\"string\",\"maxLength\":7,\"anyOf\":["
                "{\"format\":\"ipv4\"},{\"format\":\"ipv6\"}]}},"
                "\"definitions\":{\"v6\":{\"format\":\"ipv6\"}}}";
        static const char *const vals[] = {"0",
                                           "1",
                                           "9",
                                           "10",
                                           "-3",
                                           "-6",
                                           "3",
                                           "6",
                                           "1.5",
                                           "2",
                                           "3.0",
                                           "3.5",
                                           "1e0",
                                           "\"x\"",
                                           "\"yy\"",
                                           "\"z\"",
                                           "7",
                                           "\"1.2.3.4\"",
                                           "\"::1\"",
                                           "\"1.2.3\"",
                                           "\"a\"",
                                           "\"ab\"",
                                           "\"ba\"",
                                           "\"\"",
                                           "true",
                                           "null",
                                           "[1]",
                                           "{}",
                                           "\"10.0.0.10\"",
                                           "\"::ffff:1.2.3.4\"",
                                           "\"1::\""};
        const char *base[6] = {"5",           "2",      "\"x\"",
                               "\"1.2.3.4\"", "\"ab\"", "\"::1\""};
        json_error_t jerr;
        json_t *doc = json_loads(schema, 0, &jerr);
        events_registry_t *reg = NULL;
        events_producer_t *p = NULL;
        events__lite_t L = {0};
        char buf[512];
        size_t taken = 0, nv = sizeof(vals) / sizeof(vals[0]);

        (void)state;
        assert_non_null(doc);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_add(reg, "t.plan", doc, NULL),
                         EVENTS_OK);
        json_decref(doc);
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_registry(p, reg);
        for (int at = 0; at < 6; at++)
                for (size_t i = 0; i < 2 * nv; i++) {
                        const char *f[6];
                        events__probe_t full, lay;
                        int n;

                        memcpy(f, base, sizeof(f));
                        if (i % 2)
                                f[at] = vals[i / 2];
                        n = snprintf(buf, sizeof(buf),
                                     "{\"event_type\":\"t.plan\",\"data\":{"
                                     "\"a\":%s,\"b\":%s,\"c\":%s,\"d\":%s,"
                                     "\"e\":%s,\"f\":%s}}",
                                     f[0], f[1], f[2], f[3], f[4], f[5]);
                        assert_true(n > 0 && (size_t)n < sizeof(buf));
                        assert_int_equal(
                                events__producer_probe(p, buf, (size_t)n,
                                                       NOW_US, 0, &full),
                                EVENTS_OK);
                        assert_int_equal(
                                events__producer_probe_tree(
                                        p, &L, buf, (size_t)n, NOW_US, &lay),
                                EVENTS_OK);
                        compare(&full, &lay, buf);
                        taken += (size_t)lay.lite_taken;
                        free(full.msg);
                        free(lay.msg);
                }
        /* The base lines pass and take the plan. */
        assert_true(taken > nv);
        events__lite_free(&L);
        events_producer_destroy(p);
        events_registry_destroy(reg);
}

/* A setting changed between two lines of one layout reaches the second:
 * what a layout caches is only good for the settings it was made with. */
static void test_events__producer_layout_sees_new_settings(void **state) {
        const char *line =
                "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":9},"
                "\"timestamp\":\"2026-11-27T19:05:00+01:00\"}";
        const char *paths[] = {"data.user_id", "timestamp", "", "data.user_id"};
        events_producer_t *p = NULL;
        events__lite_t L = {0};

        (void)state;
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        for (int step = 0; step < 8; step++) {
                assert_int_equal(
                        events_producer_set_key_path(p, paths[step / 2]),
                        EVENTS_OK);
                events_producer_set_restamp(p, step % 2);
                /* Twice: the second line takes what the first cached. */
                for (int twice = 0; twice < 2; twice++) {
                        events__probe_t full, lay;

                        assert_int_equal(
                                events__producer_probe(p, line, strlen(line),
                                                       NOW_US, 0, &full),
                                EVENTS_OK);
                        assert_int_equal(events__producer_probe_tree(
                                                 p, &L, line, strlen(line),
                                                 NOW_US, &lay),
                                         EVENTS_OK);
                        assert_int_equal(lay.lite_taken, 1);
                        compare(&full, &lay, line);
                        free(full.msg);
                        free(lay.msg);
                }
        }
        events__lite_free(&L);
        events_producer_destroy(p);
}

/* A line as the producer takes it: matched, or parsed and remembered
 * (unless layouts are paused). */
static void feed(events__lite_t *L, const char *buf, int n) {
        if (events__lite_match(L, buf, (size_t)n))
                return;
        assert_int_equal(events__lite_parse(L, buf, (size_t)n, 64), 0);
        events__lite_remember(L, buf, (size_t)n, UINT32_MAX);
}

/* Lines that never repeat a layout pause the layouts (they would cost
 * more than they save); lines that do bring them back. */
static void test_events__lite_layouts_pause_and_resume(void **state) {
        events__lite_t L = {0};
        char buf[256];
        int n;

        (void)state;
        for (int i = 0; i < 256; i++) {
                n = snprintf(buf, sizeof(buf), "{\"a\":1,\"k%d\":2}", i);
                assert_null(events__lite_match(&L, buf, (size_t)n));
                assert_int_equal(events__lite_parse(&L, buf, (size_t)n, 64), 0);
                events__lite_remember(&L, buf, (size_t)n, UINT32_MAX);
        }
        assert_true(L.pause > 0);
        /* Paused: a line of a remembered layout is parsed, not matched. */
        n = snprintf(buf, sizeof(buf), "{\"a\":7,\"k255\":8}");
        assert_null(events__lite_match(&L, buf, (size_t)n));
        for (int i = 0; i < 1100; i++) {
                n = snprintf(buf, sizeof(buf), "{\"a\":%d,\"b\":\"x\"}", i);
                feed(&L, buf, n);
        }
        assert_int_equal(L.pause, 0);
        assert_true(L.ntpl > 0 && L.tpl[L.ntpl - 1]->hits > 0);
        assert_int_equal(L.n[1].num.i, 1099);
        events__lite_free(&L);
}

/* The pause follows the hit rate, not a run of misses: one line in 32
 * repeating a layout (a hit after every 31 misses) pauses them, one in
 * two never does. */
static void test_events__lite_layouts_pause_by_rate(void **state) {
        events__lite_t L = {0};
        char buf[256];
        int n, paused = 0;

        (void)state;
        for (int i = 0; i < 2 * 256 && !paused; i++) {
                if (i % 32 == 0)
                        n = snprintf(buf, sizeof(buf), "{\"a\":%d}", i);
                else
                        n = snprintf(buf, sizeof(buf), "{\"n%d\":1}", i);
                feed(&L, buf, n);
                paused = L.pause > 0;
        }
        assert_true(paused);
        events__lite_free(&L);

        memset(&L, 0, sizeof(L));
        for (int i = 0; i < 4000; i++) {
                if (i % 2)
                        n = snprintf(buf, sizeof(buf), "{\"a\":%d}", i);
                else
                        n = snprintf(buf, sizeof(buf), "{\"n%d\":1}", i);
                feed(&L, buf, n);
                assert_int_equal(L.pause, 0);
        }
        events__lite_free(&L);
}

/* The strict example schemas use if/then (user.created, user.deleted,
 * user.password_changed), enums, patterns and patternProperties: every
 * valid line of them goes the fast way now, and every line gets the full
 * path's outcome and message, with a fresh tree and with a kept one
 * (layouts and their plans). */
static void test_events__producer_probe_strict_on_fast_path(void **state) {
        static const char *const strict_lines[] = {
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":5,"
                "\"email\":\"a@example.com\",\"signup_source\":\"admin\","
                "\"created_by\":2}}",
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":6,"
                "\"email\":\"b@example.com\",\"signup_source\":\"web\","
                "\"referrer\":\"https://www.example.com/p?q=1\"}}",
                "{\"event_type\":\"user.deleted\",\"data\":{\"user_id\":7,"
                "\"reason\":\"fraud\",\"deleted_by\":3}}",
                "{\"event_type\":\"user.password_changed\",\"data\":{"
                "\"user_id\":8,\"reason\":\"admin\",\"changed_by\":1,"
                "\"ip\":\"2001:db8::7\"}}",
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":9,"
                "\"ip\":\"198.51.100.4\",\"method\":\"sso\","
                "\"x_trial\":\"b\",\"country\":\"NL\"}}",
                "{\"event_type\":\"user.updated\",\"data\":{\"user_id\":10,"
                "\"changes\":{\"plan\":\"pro\",\"locale\":\"en-GB\"}}}",
                /* invalid: the if/then's required, an enum, a pattern */
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":5,"
                "\"email\":\"a@example.com\",\"signup_source\":\"admin\"}}",
                "{\"event_type\":\"user.deleted\",\"data\":{\"user_id\":7,"
                "\"reason\":\"admin\"}}",
                "{\"event_type\":\"user.password_changed\",\"data\":{"
                "\"user_id\":8,\"reason\":\"admin\"}}",
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":9,"
                "\"ip\":\"198.51.100.4\",\"method\":\"sso\","
                "\"x_Trial\":\"b\"}}",
                "{\"event_type\":\"user.updated\",\"data\":{\"user_id\":10,"
                "\"changes\":{}}}",
        };
        const size_t n_valid = 6;
        const char *src = getenv("EVENTS_SOURCE_DIR");
        char dir[4096];
        events_registry_t *reg = NULL;
        events_producer_t *p = NULL;
        events__lite_t kept = {0};

        (void)state;
        assert_non_null(src);
        snprintf(dir, sizeof(dir), "%s/examples/schemas-strict", src);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_load_dir(reg, dir, NULL), EVENTS_OK);
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_registry(p, reg);
        for (int round = 0; round < 3; round++)
                for (size_t i = 0;
                     i < sizeof(strict_lines) / sizeof(strict_lines[0]); i++) {
                        const char *l = strict_lines[i];
                        events__probe_t a, b, c;

                        assert_int_equal(events__producer_probe(p, l, strlen(l),
                                                                NOW_US, 0, &a),
                                         EVENTS_OK);
                        assert_int_equal(events__producer_probe(p, l, strlen(l),
                                                                NOW_US, 1, &b),
                                         EVENTS_OK);
                        assert_int_equal(
                                events__producer_probe_tree(
                                        p, &kept, l, strlen(l), NOW_US, &c),
                                EVENTS_OK);
                        compare(&a, &b, l);
                        compare(&a, &c, l);
                        assert_int_equal(a.outcome,
                                         i < n_valid ? EVENTS_OUTCOME_QUEUED
                                                     : EVENTS_OUTCOME_REJECTED);
                        if (i < n_valid && (!b.lite_taken || !c.lite_taken))
                                fail_msg("the fast path did not take: %s", l);
                        free(a.msg);
                        free(b.msg);
                        free(c.msg);
                }
        events__lite_free(&kept);
        events_producer_destroy(p);
        events_registry_destroy(reg);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__producer_probe_lite_equals_full),
                cmocka_unit_test(test_events__lite_parse_declines),
                cmocka_unit_test(
                        test_events__producer_probe_strict_on_fast_path),
                cmocka_unit_test(test_events_producer_submit_large_then_small),
                cmocka_unit_test(test_events__lite_parse_string_bytes),
                cmocka_unit_test(test_events__lite_parse_integers),
                cmocka_unit_test(test_events__lite_timestamp_matches_format),
                cmocka_unit_test(test_events__lite_match_equals_parse),
                cmocka_unit_test(test_events__producer_layouts_equal_full),
                cmocka_unit_test(test_events__lite_plan_checks_equal_full),
                cmocka_unit_test(
                        test_events__producer_layout_sees_new_settings),
                cmocka_unit_test(test_events__lite_layouts_pause_and_resume),
                cmocka_unit_test(test_events__lite_layouts_pause_by_rate),
                cmocka_unit_test(test_events__lite_index_equals_parse),
                cmocka_unit_test(test_events__lite_index_prefix_segments),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
