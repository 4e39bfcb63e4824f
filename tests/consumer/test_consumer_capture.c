/*
 * test_consumer_capture.c - the -o spellings (offsets.c) and the capture
 * record's bytes (capture.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "offsets.h"

static void test_offset_spec_parse_forms(void **state) {
        offset_spec_t o;

        (void)state;
        assert_int_equal(offset_spec_parse("beginning", &o), 0);
        assert_int_equal(o.kind, OFFSET_BEGINNING);
        assert_int_equal(o.partition, -1);
        assert_int_equal(offset_spec_parse("end", &o), 0);
        assert_int_equal(o.kind, OFFSET_END);
        assert_int_equal(offset_spec_parse("stored", &o), 0);
        assert_int_equal(o.kind, OFFSET_STORED);
        assert_int_equal(offset_spec_parse("42", &o), 0);
        assert_int_equal(o.kind, OFFSET_ABS);
        assert_int_equal(o.value, 42);
        assert_int_equal(offset_spec_parse("-5", &o), 0);
        assert_int_equal(o.kind, OFFSET_TAIL);
        assert_int_equal(o.value, 5);
        assert_int_equal(offset_spec_parse("3:-5", &o), 0);
        assert_int_equal(o.partition, 3);
        assert_int_equal(o.kind, OFFSET_TAIL);
        assert_int_equal(offset_spec_parse("s@1700000000000", &o), 0);
        assert_int_equal(o.kind, OFFSET_START_TIME);
        assert_int_equal(o.value, 1700000000000LL);
        /* An RFC 3339 time has colons: not a partition prefix. */
        assert_int_equal(offset_spec_parse("e@2026-01-02T03:04:05Z", &o), 0);
        assert_int_equal(o.kind, OFFSET_END_TIME);
        assert_int_equal(o.partition, -1);
        assert_int_equal(o.value, 1767323045000LL);
        assert_int_equal(offset_spec_parse("1:s@2026-01-02T03:04:05Z", &o), 0);
        assert_int_equal(o.partition, 1);
        assert_int_equal(o.value, 1767323045000LL);
}

static void test_offset_spec_parse_refuses(void **state) {
        offset_spec_t o = {.partition = 7};

        (void)state;
        assert_int_equal(offset_spec_parse("", &o), -1);
        assert_int_equal(offset_spec_parse("-0", &o), -1);
        assert_int_equal(offset_spec_parse("x@1", &o), -1);
        assert_int_equal(offset_spec_parse("s@yesterday", &o), -1);
        assert_int_equal(offset_spec_parse("12abc", &o), -1);
        assert_int_equal(offset_spec_parse("1:", &o), -1);
        assert_int_equal(o.partition, 7);
}

static void test_capture_bytes_text_binary_null(void **state) {
        static const unsigned char bin[] = {0xff, 0x00, 0x80, 'a'};
        json_t *j;

        (void)state;
        j = capture_bytes("h\0i", 3);
        assert_true(json_is_string(j));
        assert_int_equal(json_string_length(j), 3);
        json_decref(j);
        j = capture_bytes(bin, sizeof(bin));
        assert_string_equal(json_string_value(json_object_get(j, "base64")),
                            "/wCAYQ==");
        json_decref(j);
        j = capture_bytes(bin, 1);
        assert_string_equal(json_string_value(json_object_get(j, "base64")),
                            "/w==");
        json_decref(j);
        j = capture_bytes(bin, 0);
        assert_string_equal(json_string_value(j), "");
        json_decref(j);
        assert_true(json_is_null(capture_bytes(NULL, 0)));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_offset_spec_parse_forms),
                cmocka_unit_test(test_offset_spec_parse_refuses),
                cmocka_unit_test(test_capture_bytes_text_binary_null),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
