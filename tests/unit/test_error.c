/*
 * test_error.c - error codes, names, texts and the error record; the
 * version, against its one source (the top CMakeLists.txt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "events_int.h"

static void test_events_err2str_every_code_has_text(void **state) {
        for (int i = 0; i < EVENTS_ERR__COUNT; i++) {
                assert_non_null(events_err2str((events_err_t)i));
                assert_string_not_equal(events_err2str((events_err_t)i),
                                        "unknown error");
                assert_string_not_equal(events_err2name((events_err_t)i),
                                        "ERR_UNKNOWN");
        }
}

static void test_events_err2str_out_of_range(void **state) {
        assert_string_equal(events_err2str(EVENTS_ERR__COUNT), "unknown error");
        assert_string_equal(events_err2str((events_err_t)-1), "unknown error");
        assert_string_equal(events_err2name((events_err_t)9999), "ERR_UNKNOWN");
}

static void test_events_error_clear_resets_location(void **state) {
        events_error_t e;
        memset(&e, 0x5a, sizeof(e));
        events_error_clear(&e);
        assert_int_equal(e.code, EVENTS_OK);
        assert_int_equal(e.line, 0);
        assert_true(e.offset == (size_t)-1);
        assert_string_equal(e.pointer, "");
        events_error_clear(NULL); /* must not crash */
}

static void test_events_error_set_fills_text(void **state) {
        events_error_t e;
        assert_int_equal(events__error_set(&e, EVENTS_ERR_JSON, "bad %s", "x"),
                         EVENTS_ERR_JSON);
        assert_int_equal(e.code, EVENTS_ERR_JSON);
        assert_string_equal(e.text, "bad x");
        assert_int_equal(events__error_set(NULL, EVENTS_ERR_IO, "ignored"),
                         EVENTS_ERR_IO);
        events__error_set(&e, EVENTS_ERR_NOMEM, NULL);
        assert_string_equal(e.text, "out of memory");
}

static void test_events_error_format_places(void **state) {
        events_error_t e;
        char buf[128];

        events__error_set(&e, EVENTS_ERR_DUPLICATE_KEY, "duplicate key \"a\"");
        e.line = 1, e.column = 9, e.offset = 8;
        assert_string_equal(events_error_format(&e, buf, sizeof(buf)),
                            "line 1, column 9 (byte 8): duplicate key \"a\"");

        events__error_set(&e, EVENTS_ERR_VALIDATION,
                          "does not match format \"email\"");
        events__error_set_pointer(&e, "/data/email");
        assert_string_equal(events_error_format(&e, buf, sizeof(buf)),
                            "/data/email: does not match format \"email\"");

        events__error_set(&e, EVENTS_ERR_TOO_LARGE, "too big");
        e.offset = 1048577;
        assert_string_equal(events_error_format(&e, buf, sizeof(buf)),
                            "byte 1048577: too big");

        /* A tiny buffer is truncated, never overrun. */
        assert_string_equal(events_error_format(&e, buf, 5), "byte");
        assert_string_equal(events_error_format(NULL, buf, sizeof(buf)), "");
}

/* The numbers and the string of events/version.h tell one version. */
static void test_events_version_matches_macros(void **state) {
        char want[32];

        snprintf(want, sizeof(want), "%d.%d.%d", EVENTS_VERSION_MAJOR,
                 EVENTS_VERSION_MINOR, EVENTS_VERSION_PATCH);
        assert_string_equal(EVENTS_VERSION_STR, want);
        assert_string_equal(events_version(), want);
}

/* The first line of @p path that starts with @p prefix, without it and
 * without the line end, into @p out; 0 when found. */
static int read_field(const char *path, const char *prefix, char *out,
                      size_t size) {
        FILE *fp = fopen(path, "r");
        char line[512];
        int found = -1;

        if (!fp)
                return -1;
        while (found && fgets(line, sizeof(line), fp)) {
                if (strncmp(line, prefix, strlen(prefix)))
                        continue;
                line[strcspn(line, "\r\n")] = '\0';
                snprintf(out, size, "%s", line + strlen(prefix));
                found = 0;
        }
        fclose(fp);
        return found;
}

/* The library's version is the project's: the one in project(events
 * VERSION ...) (read from the source, not from a generated header), the
 * pkg-config file's and the shared library's SONAME major. */
static void test_events_version_is_the_project_version(void **state) {
        const char *src = getenv("EVENTS_SOURCE_DIR"),
                   *build = getenv("EVENTS_BUILD_DIR");
        char path[1024], project[64], pc[64];
        size_t n;

        /* ctest sets both (tests/CMakeLists.txt); run by hand, say what is
         * missing rather than pass without comparing anything. */
        if (!src || !build)
                fail_msg("EVENTS_SOURCE_DIR and EVENTS_BUILD_DIR must be set "
                         "(run it through ctest)");
        snprintf(path, sizeof(path), "%s/CMakeLists.txt", src);
        assert_int_equal(read_field(path, "project(events VERSION ", project,
                                    sizeof(project)),
                         0);
        n = strcspn(project, " )");
        project[n] = '\0';
        assert_string_equal(events_version(), project);

        snprintf(path, sizeof(path), "%s/libevents/events.pc", build);
        assert_int_equal(read_field(path, "Version: ", pc, sizeof(pc)), 0);
        assert_string_equal(pc, project);

        snprintf(path, sizeof(path), "%s/libevents/libevents.so.%d", build,
                 EVENTS_VERSION_MAJOR);
        assert_int_equal(access(path, F_OK), 0);
        snprintf(path, sizeof(path), "%s/libevents/libevents.so.%s", build,
                 events_version());
        assert_int_equal(access(path, F_OK), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_err2str_every_code_has_text),
                cmocka_unit_test(test_events_err2str_out_of_range),
                cmocka_unit_test(test_events_error_clear_resets_location),
                cmocka_unit_test(test_events_error_set_fills_text),
                cmocka_unit_test(test_events_error_format_places),
                cmocka_unit_test(test_events_version_matches_macros),
                cmocka_unit_test(test_events_version_is_the_project_version),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
