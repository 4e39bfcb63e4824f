/*
 * test_error.c - error codes, names, texts and the error record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

static void test_events_version_matches_macros(void **state) {
        assert_string_equal(events_version(), EVENTS_VERSION_STR);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_err2str_every_code_has_text),
                cmocka_unit_test(test_events_err2str_out_of_range),
                cmocka_unit_test(test_events_error_clear_resets_location),
                cmocka_unit_test(test_events_error_set_fills_text),
                cmocka_unit_test(test_events_error_format_places),
                cmocka_unit_test(test_events_version_matches_macros),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
