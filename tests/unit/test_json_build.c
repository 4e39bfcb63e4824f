/*
 * test_json_build.c - the parser's fast path builds exactly what
 * json_loadb() builds, or declines (NULL) and leaves the document to it.
 *
 * Differential: every JSON file of the JSON-Schema-Test-Suite, and every
 * schema and instance inside them written back compactly, goes through both.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "events_int.h"
#include "json_build_int.h"

#define JSTS_DIR "/usr/share/json-schema-test-suite"

static int built, declined;

/* Both parsers on one document: same tree, or the fast path declined. */
static void same_as_jansson(const char *buf, size_t len) {
        json_error_t je;
        json_t *want = json_loadb(buf, len,
                                  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        json_t *got = events__json_build(buf, len);

        if (!got) {
                declined++;
        } else {
                built++;
                if (!want || !json_equal(got, want)) {
                        fprintf(stderr, "fast path differs on: %.*s\n",
                                (int)(len > 200 ? 200 : len), buf);
                        fail();
                }
        }
        json_decref(got);
        json_decref(want);
}

static void cases(void **state) {
        static const char *const same[] = {
            "{}",
            "[]",
            "\"\"",
            "0",
            "-0",
            "true",
            " false ",
            "null",
            "9223372036854775807",
            "-9223372036854775808",
            "{\"a\":[1,-2,{\"b\":null}],\"c\":\"x\\\"y\\\\z\\/\"}",
            "{\"s\":\"\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00\"}",
            "{\"k\\u00e9y\":1, \"k\\u00e8y\" : 2}",
            "\t{\r\n\"a\"\n:\n1\n}\n",
            "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}",
            "[[[[[[[[[[1]]]]]]]]]]",
        };
        static const char *const decline[] = {
            "",
            "   ",
            "{\"a\":1,\"a\":2}",          /* duplicate: jansson's error */
            "1.5",                        /* reals: jansson's strtod */
            "[1e3]",
            "9223372036854775808",        /* overflows int64 */
            "-9223372036854775809",
            "012",
            "{\"a\":1,}",
            "[1,]",
            "{\"a\" 1}",
            "[1 2]",
            "{} x",
            "tru",
            "nul",
            "-",
            "{\"a\":\"unterminated}",
            "NaN",
        };
        json_t *v;

        for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++) {
                v = events__json_build(same[i], strlen(same[i]));
                if (!v)
                        fprintf(stderr, "declined: %s\n", same[i]);
                assert_non_null(v);
                json_decref(v);
                same_as_jansson(same[i], strlen(same[i]));
        }
        for (size_t i = 0; i < sizeof(decline) / sizeof(*decline); i++) {
                v = events__json_build(decline[i], strlen(decline[i]));
                if (v)
                        fprintf(stderr, "built: %s\n", decline[i]);
                assert_null(v);
        }
        v = events__json_build("-9223372036854775808", 20);
        assert_true(json_integer_value(v) == INT64_MIN);
        json_decref(v);
        assert_null(events__json_build(NULL, 0));
}

/* Every value inside a document, written compactly, through both. */
static void walk(json_t *v) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        const char *key;
        json_t *x;
        size_t i;

        assert_non_null(text);
        same_as_jansson(text, strlen(text));
        free(text);
        if (json_is_object(v)) {
                json_object_foreach(v, key, x) walk(x);
        } else if (json_is_array(v)) {
                json_array_foreach(v, i, x) walk(x);
        }
}

static void scan_dir(const char *dir, int *files) {
        DIR *d = opendir(dir);
        struct dirent *e;

        assert_non_null(d);
        while ((e = readdir(d))) {
                char path[4096];
                struct stat st;
                FILE *fp;
                char *buf;
                size_t n;
                json_t *doc;

                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                if (stat(path, &st))
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        scan_dir(path, files);
                        continue;
                }
                n = strlen(e->d_name);
                if (n < 5 || strcmp(e->d_name + n - 5, ".json"))
                        continue;
                assert_non_null(fp = fopen(path, "rb"));
                buf = malloc((size_t)st.st_size + 1);
                assert_non_null(buf);
                n = fread(buf, 1, (size_t)st.st_size, fp);
                fclose(fp);
                same_as_jansson(buf, n); /* the file as it is written */
                doc = json_loadb(buf, n, JSON_DECODE_ANY, NULL);
                if (doc)
                        walk(doc);
                json_decref(doc);
                free(buf);
                (*files)++;
        }
        closedir(d);
}

static void test_events__json_build_matches_jansson_on_suite(void **state) {
        int files = 0;

        built = declined = 0;
        scan_dir(JSTS_DIR, &files);
        assert_true(files > 50);
        /* the fast path must actually take most of it */
        assert_true(built > 10000);
        assert_true(built > declined);
}

static void test_events__json_build_cases(void **state) {
        cases(state);
}

/* Through the public parser: errors keep their place and code. */
static void test_events_json_parse_errors_unchanged(void **state) {
        events_error_t e;
        json_t *v = NULL;

        assert_int_equal(events_json_parse(&v, "{\"a\":1,\"a\":2}", 13, 0, 0,
                                           &e),
                         EVENTS_ERR_DUPLICATE_KEY);
        assert_int_equal(events_json_parse(&v, "[1,]", 4, 0, 0, &e),
                         EVENTS_ERR_JSON);
        assert_int_equal(events_json_parse(&v, "{\"r\":0.5,\"i\":7}", 15, 0,
                                           0, &e),
                         EVENTS_OK);
        assert_true(json_is_real(json_object_get(v, "r")));
        assert_true(json_is_integer(json_object_get(v, "i")));
        json_decref(v);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_events__json_build_cases),
            cmocka_unit_test(test_events__json_build_matches_jansson_on_suite),
            cmocka_unit_test(test_events_json_parse_errors_unchanged),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
