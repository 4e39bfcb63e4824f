/*
 * test_lite_index.c - the walk of the layout index (lite.c, idx_match()):
 * a line matches a remembered layout only when it spells every fixed byte
 * of it and its values scan, whatever the length of a segment (shorter
 * than the eight bytes the walk compares first, between eight and
 * sixteen, longer), wherever it stands (the line's beginning, middle,
 * end), and whichever byte of it differs. Every line is handed to the
 * walk in a buffer of exactly its length, so that a read past its end is
 * an AddressSanitizer error. Each line is also given to a layout directly
 * (tpl_match()), which must take it exactly when the walk ends there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lite_fixture.h"
#include "lite_int.h"

/* Bytes for keys (not "a", the other key): a segment's bytes differ from
 * position to position. */
static const char KEYCHARS[] =
        "bcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-+*~";

/* Give @p L's tree the line @p buf[0..n) through layout @p t directly
 * (tpl_match(): the index is hidden). @returns t, or NULL. */
static events__ltpl_t *direct(events__lite_t *L, events__ltpl_t *t,
                              const char *buf, size_t n) {
        uint32_t nidx = L->nidx;
        events__ltpl_t *got;

        L->last = t;
        L->run = 1;
        L->pause = 0;
        L->nidx = 0;
        got = events__lite_match(L, buf, n);
        L->nidx = nidx;
        return got;
}

/* The layout the index walk finds for @p s[0..n) (the last layout is
 * not tried directly, and no pause holds), the line copied to a buffer
 * of exactly n bytes. When it finds one, @p L's tree must be the parse's
 * (@p P). And layout @p t (may be NULL) directly must take the line when
 * the walk ends at t, with the same tree, and else refuse it. */
static events__ltpl_t *walk(events__lite_t *L, events__lite_t *P, const char *s,
                            size_t n, events__ltpl_t *t) {
        char *buf = malloc(n ? n : 1);
        events__ltpl_t *got;

        assert_non_null(buf);
        memcpy(buf, s, n);
        L->last = NULL;
        L->run = 0;
        L->pause = 0;
        got = events__lite_match(L, buf, n);
        if (got) {
                assert_int_equal(events__lite_parse(P, buf, n, 64), 0);
                lite_same_tree(L, P);
        }
        if (t) {
                assert_ptr_equal(direct(L, t, buf, n), got == t ? t : NULL);
                if (got == t)
                        lite_same_tree(L, P);
        }
        free(buf);
        return got;
}

/* Parse and remember @p s: @returns its layout. */
static events__ltpl_t *learn(events__lite_t *L, const char *s) {
        events__ltpl_t *t;

        assert_int_equal(events__lite_parse(L, s, strlen(s), 64), 0);
        L->pause = 0;
        t = events__lite_remember(L, s, strlen(s), UINT32_MAX);
        assert_non_null(t);
        return t;
}

/* @p c changed into another byte. */
static char other_byte(char c) {
        return c == ' ' ? '\t' : c == 'Q' ? 'R' : 'Q';
}

/* Layouts of one segment of @p n bytes (the rest short), at the line's
 * beginning (where = 0), between two values (1: white space after a
 * comma in an array; 2: a key), at its end (3: white space before the
 * closing brace, after a number; 4: after a string; 5: a key and a
 * literal). @p v1 and @p v2 are the values. @returns the line's length,
 * 0 when no segment of @p n bytes fits there; *@p seg: where the segment
 * starts in @p buf. */
static size_t seg_line(char *buf, size_t size, int where, size_t n,
                       const char *v1, const char *v2, size_t *seg) {
        int r = -1;

        switch (where) {
        case 0: /* {"KEY": 1} */
                if (n < 4)
                        return 0;
                *seg = 0;
                r = snprintf(buf, size, "{\"%.*s\":%s}", (int)(n - 4), KEYCHARS,
                             v1);
                break;
        case 1: /* {"a":[1,   2]} */
                *seg = 6 + strlen(v1);
                r = snprintf(buf, size, "{\"a\":[%s,%*s%s]}", v1, (int)(n - 1),
                             "", v2);
                break;
        case 2: /* {"a":1,"KEY":2} */
                if (n < 4)
                        return 0;
                *seg = 5 + strlen(v1);
                r = snprintf(buf, size, "{\"a\":%s,\"%.*s\":%s}", v1,
                             (int)(n - 4), KEYCHARS, v2);
                break;
        case 3: /* {"a":1   } */
                *seg = 5 + strlen(v1);
                r = snprintf(buf, size, "{\"a\":%s%*s}", v1, (int)(n - 1), "");
                break;
        case 4: /* {"a":"x"   } */
                if (n < 2)
                        return 0;
                *seg = 6 + strlen(v1);
                r = snprintf(buf, size, "{\"a\":\"%s\"%*s}", v1, (int)(n - 2),
                             "");
                break;
        case 5: /* {"a":1,"KEY":true} */
                if (n < 9)
                        return 0;
                *seg = 5 + strlen(v1);
                r = snprintf(buf, size, "{\"a\":%s,\"%.*s\":true}", v1,
                             (int)(n - 9), KEYCHARS);
                break;
        }
        assert_true(r > 0 && (size_t)r < size);
        return (size_t)r;
}

/* One layout with a segment of every length from 1 to 64 bytes, in every
 * place: lines of the layout with values of other lengths (so that the
 * segment starts at other distances from the line's end) match it, with
 * the parse's tree; a line with any one byte of the segment changed, the
 * line cut short by one byte, or cut inside the segment, does not. */
static void test_events__lite_index_segment_bytes(void **state) {
        static const char *const nums[] = {"1", "-2", "12345678",
                                           "123456789012"};
        static const char *const strs[] = {"x", "", "abcdefghijklmnopq",
                                           "0123456789"};
        char buf[160], bad[160];
        size_t checked = 0;

        (void)state;
        for (int where = 0; where < 6; where++)
                for (size_t n = 1; n <= 64; n++) {
                        events__lite_t L = {0}, P = {0};
                        events__ltpl_t *t;
                        const char *const *vals = where == 4 ? strs : nums;
                        size_t len, seg;

                        if (!(len = seg_line(buf, sizeof(buf), where, n,
                                             vals[0], vals[0], &seg)))
                                continue;
                        t = learn(&L, buf);
                        for (int v = 0; v < 4; v++) {
                                len = seg_line(buf, sizeof(buf), where, n,
                                               vals[v], vals[3 - v], &seg);
                                if (walk(&L, &P, buf, len, t) != t)
                                        fail_msg("no match: %s", buf);
                                checked++;
                                /* Each byte of the segment changed. */
                                for (size_t k = 0; k < n; k++) {
                                        memcpy(bad, buf, len);
                                        bad[seg + k] = other_byte(buf[seg + k]);
                                        if (walk(&L, &P, bad, len, t))
                                                fail_msg("byte %zu of %zu: "
                                                         "%.*s",
                                                         k, n, (int)len, bad);
                                }
                                /* Cut short: by one byte, and inside the
                                 * segment. */
                                assert_null(walk(&L, &P, buf, len - 1, t));
                                for (size_t k = 0; k < n; k++)
                                        assert_null(
                                                walk(&L, &P, buf, seg + k, t));
                        }
                        events__lite_free(&L);
                        events__lite_free(&P);
                }
        assert_true(checked > 1300);
}

/* Layouts whose segments after one value begin alike: one segment the
 * beginning of another (shorter and longer than eight bytes), the same
 * first eight bytes, the same bytes but the last (at lengths 8, 9, 16,
 * 17, 24 and 33). All are remembered, in both orders; then each line,
 * round after round (the index moves the segment that matched to the
 * front), must find its own layout, with the parse's tree. */
static void test_events__lite_index_similar_segments(void **state) {
        static const char *const docs[] = {
                "{\"k\":1,\"a\":2}",
                "{\"k\":1,\"a\":true,\"b\":2}",
                "{\"k\":1,\"a\":true}",
                "{\"k\":1,\"a\":\"s\"}",
                "{\"k\":1,\"ab\":2}",
                "{\"k\":1,\"user_id\":2}",
                "{\"k\":1,\"user_ie\":2}",
                "{\"k\":1,\"user_idx\":2}",
                "{\"k\":1,\"user_agent\":\"x\"}",
                "{\"k\":1,\"user_agent\":\"x\",\"m\":false}",
                "{\"k\":1,\"user_agent\":\"x\",\"m\":false,\"n\":null}",
                "{\"k\":1,\"user_agent\":\"x\",\"m\":falsy}",
                "{\"k\":1,\"abcdefghijkl\":2}",
                "{\"k\":1,\"abcdefghijkm\":2}",
                "{\"k\":1,\"abcdefghijklmnopqrst\":2}",
                "{\"k\":1,\"abcdefghijklmnopqrsu\":2}",
                "{\"k\":1,\"abcdefghijklmnopqrstuvwxyz01234\":2}",
                "{\"k\":1,\"abcdefghijklmnopqrstuvwxyz01235\":2}",
                "{\"k\":1,\"abcdefghijklmnopqrstuvwxyz01235\":2,\"c\":3}",
                "{\"k\":1,\"abcdefghijklmnopqrstuvwxyz01235\":2,\"d\":3}",
        };
        const size_t nd = sizeof(docs) / sizeof(docs[0]);

        (void)state;
        for (int order = 0; order < 2; order++) {
                events__lite_t L = {0}, P = {0};
                events__ltpl_t *t[sizeof(docs) / sizeof(docs[0])] = {0};
                size_t learned = 0;

                for (size_t i = 0; i < nd; i++) {
                        size_t d = order ? nd - 1 - i : i;

                        /* A line that is not JSON has no layout. */
                        if (events__lite_parse(&L, docs[d], strlen(docs[d]),
                                               64))
                                continue;
                        t[d] = learn(&L, docs[d]);
                        learned++;
                }
                assert_int_equal(learned, nd - 1);
                for (int round = 0; round < 3; round++)
                        for (size_t i = 0; i < nd; i++) {
                                size_t d = (i * 7 + (size_t)round) % nd;
                                char line[128];
                                size_t n = strlen(docs[d]);

                                /* Other values, same layout. */
                                memcpy(line, docs[d], n);
                                line[5] = (char)('1' + round);
                                if (walk(&L, &P, line, n, t[d]) != t[d])
                                        fail_msg("not its layout: %.*s", (int)n,
                                                 line);
                        }
                events__lite_free(&L);
                events__lite_free(&P);
        }
}

/* Lines shorter than eight bytes, and a segment that ends one, two or
 * seven bytes before the line's end: the walk reads only the line's
 * bytes and decides as well as it does with more. */
static void test_events__lite_index_short_lines(void **state) {
        static const struct {
                const char *line;
                int layout; /* the index in learned[] it matches, or -1 */
        } cases[] = {
                {"{}", 0},
                {"{\"a\":1}", 1},
                {"{\"a\":9}", 1},
                {"{\"a\":12345}", 1},
                {"{\"a\":-1}", 1},
                {"{\"b\":1}", -1},
                {"{\"a\":1", -1},
                {"{\"a\":}", -1},
                {"{", -1},
                {"", -1},
                {"{ }", -1},
                {"{\"a\":\"\"}", 2},
                {"{\"a\":\"x\"}", 2},
                {"{\"a\":\"x\" }", -1},
                {"{\"a\":\"xy\"", -1},
                {"{\"a\":1,\"b\":2}", 3},
                {"{\"a\":1,\"b\":23}", 3},
                {"{\"a\":1,\"b\":2 }", -1},
                {"{\"a\":1,\"c\":2}", -1},
        };
        static const char *const learned[] = {
                "{}", "{\"a\":7}", "{\"a\":\"v\"}", "{\"a\":7,\"b\":8}"};
        events__lite_t L = {0}, P = {0};
        events__ltpl_t *t[4];

        (void)state;
        for (size_t i = 0; i < 4; i++)
                t[i] = learn(&L, learned[i]);
        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                        for (size_t d = 0; d < 4; d++) {
                                events__ltpl_t *got =
                                        walk(&L, &P, cases[i].line,
                                             strlen(cases[i].line), t[d]);

                                if (got != (cases[i].layout < 0
                                                    ? NULL
                                                    : t[cases[i].layout]))
                                        fail_msg("%s", cases[i].line);
                        }
        events__lite_free(&L);
        events__lite_free(&P);
}

/* A string value whose first byte that is not plain (the closing quote,
 * a control byte, a backslash, non-ASCII) stands anywhere in the line's
 * last bytes, and lines that end inside a string: the parse and the walk
 * read it as before (lp_string() compares the line's last sixteen bytes
 * at once there). */
static void test_events__lite_index_string_end(void **state) {
        static const struct {
                const char *bytes;
                int parses, walks; /* the walk: 1 its layout, 0 none */
        } stops[] = {
                {"", 1, 1},         /* the closing quote */
                {"\x01", 0, 0},     /* a control byte */
                {"\xc3\xa9", 1, 1}, /* UTF-8 */
                {"\xff", 0, 0},     /* not UTF-8 */
                {"\\n", 1, 0},      /* an escape: parsed, not walked */
        };
        events__lite_t L = {0}, P = {0};
        events__ltpl_t *t;
        char line[128], str[64];
        size_t checked = 0;

        (void)state;
        t = learn(&L, "{\"a\":\"v\"}");
        for (size_t s = 0; s < sizeof(stops) / sizeof(stops[0]); s++)
                for (size_t n = 0; n <= 40; n++)
                        for (size_t k = 0; k <= n; k++) {
                                size_t sl = strlen(stops[s].bytes), len;
                                int r;

                                memset(str, 'x', n + sl);
                                memcpy(str + k, stops[s].bytes, sl);
                                r = snprintf(line, sizeof(line),
                                             "{\"a\":\"%.*s\"}", (int)(n + sl),
                                             str);
                                len = (size_t)r;
                                assert_int_equal(
                                        events__lite_parse(&P, line, len, 64),
                                        stops[s].parses ? 0 : -1);
                                if (stops[s].parses && !stops[s].walks) {
                                        /* the escape, unescaped */
                                        assert_int_equal(P.n[1].len, n + 1);
                                        assert_int_equal(P.n[1].s[k], '\n');
                                } else if (stops[s].parses) {
                                        assert_int_equal(P.n[1].len, n + sl);
                                        assert_memory_equal(P.n[1].s, str,
                                                            n + sl);
                                }
                                assert_ptr_equal(walk(&L, &P, line, len, t),
                                                 stops[s].walks ? t : NULL);
                                /* Cut before the closing quote, or
                                 * without it: no line. */
                                assert_int_equal(events__lite_parse(
                                                         &P, line, len - 2, 64),
                                                 -1);
                                assert_null(walk(&L, &P, line, len - 2, t));
                                line[len - 2] = '}';
                                assert_int_equal(events__lite_parse(
                                                         &P, line, len - 1, 64),
                                                 -1);
                                assert_null(walk(&L, &P, line, len - 1, t));
                                checked++;
                        }
        assert_true(checked > 4000);
        events__lite_free(&L);
        events__lite_free(&P);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__lite_index_segment_bytes),
                cmocka_unit_test(test_events__lite_index_similar_segments),
                cmocka_unit_test(test_events__lite_index_short_lines),
                cmocka_unit_test(test_events__lite_index_string_end),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
