/*
 * runner.c - run the official JSON-Schema-Test-Suite (draft-07) against
 * libevents' validator and print a tally per file.
 *
 * Usage: schema_conformance [SUITE_DIR] [-v]
 *   SUITE_DIR holds tests/draft7/ and remotes/ (default
 *   /usr/share/json-schema-test-suite). -v lists every failing case.
 *
 * Every case is validated twice: once without a report (the fast yes/no
 * path) and once with one; both answers must agree with the suite, and a
 * report must hold failures exactly when the instance is invalid.
 * Every case whose instance the fast path's token parser takes (lite.c:
 * no escapes, at most 64 members) is validated a third time on that tree,
 * and its verdict must equal the other two: one validator, two
 * representations.
 * References to http://localhost:1234/ are served from remotes/, so
 * refRemote.json runs without a server.
 *
 * Exit status: 0 when every case of every required (non-optional) file
 * passed; 1 otherwise; 2 when the suite cannot be read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lite_int.h"
#include "schema_int.h"

#define REMOTE_BASE "http://localhost:1234/"

typedef struct tally_s {
        int passed, failed;
} tally_t;

/* Cases the token tree took; must stay above 0. */
static int lite_valid;
static int lite_wrong;
static events__lite_t lite;

/* The verdict on the token tree of @p data: 1 valid, 0 invalid, -1 the
 * token parser did not take it. */
static int lite_verdict(const events_schema_t *s, const json_t *data) {
        json_t *wrap = json_pack("{sO}", "v", data);
        char *text = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
        int v = -1;

        if (text && !events__lite_parse(&lite, text, strlen(text), 64) &&
            lite.used > 1)
                v = events__lite_validate(s->root, &lite, 1);
        free(text);
        json_decref(wrap);
        return v;
}

static const char *suite_dir = "/usr/share/json-schema-test-suite";
static int verbose;

static json_t *load_remote(const char *uri, void *opaque) {
        char path[4096];
        (void)opaque;
        if (strncmp(uri, REMOTE_BASE, strlen(REMOTE_BASE)))
                return NULL;
        snprintf(path, sizeof(path), "%s/remotes/%s", suite_dir,
                 uri + strlen(REMOTE_BASE));
        return json_load_file(path, 0, NULL);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json files of dir, sorted; NULL-terminated. */
static char **list_files(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *e;
        char **v = NULL;
        size_t n = 0;

        if (!d)
                return NULL;
        while ((e = readdir(d))) {
                size_t len = strlen(e->d_name);
                char **nv;
                if (len <= 5 || strcmp(e->d_name + len - 5, ".json"))
                        continue;
                if (!(nv = realloc(v, (n + 2) * sizeof(*v))))
                        break;
                v = nv;
                v[n++] = strdup(e->d_name);
                v[n] = NULL;
        }
        closedir(d);
        if (v)
                qsort(v, n, sizeof(*v), cmp_str);
        return v;
}

static void run_file(const char *dir, const char *rel, const char *file,
                     tally_t *t) {
        char path[8192];
        json_error_t jerr;
        json_t *groups, *group;
        size_t gi;
        tally_t ft = {0, 0};
        events_report_t *report = events_report_new(64);

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        groups = json_load_file(path, 0, &jerr);
        if (!groups) /* bignum.json: numbers past int64 */
                groups = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
        if (!groups || !report) {
                printf("  FAIL  %s%s: cannot read: %s\n", rel, file, jerr.text);
                t->failed++;
                json_decref(groups);
                events_report_destroy(report);
                return;
        }
        json_array_foreach(groups, gi, group) {
                const char *gdesc = json_string_value(
                        json_object_get(group, "description"));
                json_t *tests = json_object_get(group, "tests"), *test;
                events_schema_t *s = NULL;
                events_error_t err;
                size_t ti;

                if (events__schema_compile_ex(&s,
                                              json_object_get(group, "schema"),
                                              NULL, load_remote, NULL, &err)) {
                        char buf[512];
                        ft.failed += (int)json_array_size(tests);
                        printf("        %s%s: \"%s\": schema does not compile: "
                               "%s\n",
                               rel, file, gdesc,
                               events_error_format(&err, buf, sizeof(buf)));
                        continue;
                }
                json_array_foreach(tests, ti, test) {
                        int want = json_is_true(json_object_get(test, "valid"));
                        json_t *data = json_object_get(test, "data");
                        int fast, full, ok, lv;
                        size_t nfail;

                        fast = events_schema_validate(s, data, NULL) ==
                               EVENTS_OK;
                        events_report_clear(report);
                        full = events_schema_validate(s, data, report) ==
                               EVENTS_OK;
                        nfail = events_report_count(report);
                        lv = lite_verdict(s, data);
                        lite_valid += lv >= 0;
                        ok = fast == want && full == want &&
                             (want ? nfail == 0 : nfail > 0);
                        if (lv >= 0 && lv != full) {
                                /* never allowed, in optional files too */
                                ok = 0;
                                lite_wrong++;
                                printf("        %s%s: \"%s\": the token "
                                       "tree's verdict differs\n",
                                       rel, file, gdesc);
                        }
                        if (ok) {
                                ft.passed++;
                        } else {
                                char buf[1024];
                                ft.failed++;
                                if (verbose || !strstr(rel, "optional"))
                                        printf("        %s%s: \"%s\" / \"%s\": "
                                               "expected %s, fast %s, "
                                               "reported %s (%s)\n",
                                               rel, file, gdesc,
                                               json_string_value(
                                                       json_object_get(
                                                               test,
                                                               "description")),
                                               want ? "valid" : "invalid",
                                               fast ? "valid" : "invalid",
                                               full ? "valid" : "invalid",
                                               events_report_format(
                                                       report, buf,
                                                       sizeof(buf)));
                        }
                }
                events_schema_destroy(s);
        }
        printf("  %s  %s%-28s %4d/%-4d\n", ft.failed ? "FAIL" : "ok  ", rel,
               file, ft.passed, ft.passed + ft.failed);
        t->passed += ft.passed;
        t->failed += ft.failed;
        json_decref(groups);
        events_report_destroy(report);
}

static int run_dir(const char *rel, tally_t *t) {
        char dir[4096];
        char **files;

        snprintf(dir, sizeof(dir), "%s/tests/draft7/%s", suite_dir, rel);
        if (!(files = list_files(dir)))
                return -1;
        for (char **f = files; *f; f++) {
                run_file(dir, rel, *f, t);
                free(*f);
        }
        free(files);
        return 0;
}

int main(int argc, char **argv) {
        tally_t req = {0, 0}, opt = {0, 0};

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "-v"))
                        verbose = 1;
                else
                        suite_dir = argv[i];
        }
        printf("JSON-Schema-Test-Suite draft7 (%s)\n", suite_dir);
        if (run_dir("", &req)) {
                fprintf(stderr,
                        "schema_conformance: cannot read %s/tests/draft7"
                        " (install json-schema-test-suite)\n",
                        suite_dir);
                return 2;
        }
        printf("optional (not required):\n");
        run_dir("optional/", &opt);
        run_dir("optional/format/", &opt);
        printf("optional: %d passed, %d failed\n", opt.passed, opt.failed);
        printf("%d passed, %d failed\n", req.passed, req.failed);
        printf("token tree: %d cases validated on it, %d differing\n",
               lite_valid, lite_wrong);
        events__lite_free(&lite);
        return req.failed || req.passed == 0 || lite_wrong || !lite_valid ? 1
                                                                          : 0;
}
