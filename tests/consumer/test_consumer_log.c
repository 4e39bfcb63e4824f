/*
 * test_consumer_log.c - logfmt quoting and levels of the daemon's logger.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static void test_log_quote_plain_and_quoted(void **state) {
        char b[64];
        (void)state;

        assert_string_equal(log_quote("user.created", b, sizeof(b)),
                            "user.created");
        assert_string_equal(log_quote("", b, sizeof(b)), "\"\"");
        assert_string_equal(log_quote("a b", b, sizeof(b)), "\"a b\"");
        assert_string_equal(log_quote("k=v", b, sizeof(b)), "\"k=v\"");
        assert_string_equal(log_quote("say \"hi\"\n", b, sizeof(b)),
                            "\"say \\\"hi\\\"\\n\"");
        assert_string_equal(log_quote("a\x01", b, sizeof(b)), "\"a\\x01\"");
}

static void test_log_quote_truncates_and_keeps_the_quote(void **state) {
        char b[8];
        (void)state;

        assert_string_equal(log_quote("a b c d e f g", b, sizeof(b)),
                            "\"a b c\"");
        assert_string_equal(log_quote("abcdefghij", b, sizeof(b)), "abcdefg");
}

static void test_log_level_parse_and_filter(void **state) {
        (void)state;

        assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
        assert_int_equal(log_level_parse("info"), LOG_INFO);
        assert_int_equal(log_level_parse("warn"), LOG_WARN);
        assert_int_equal(log_level_parse("warning"), LOG_WARN);
        assert_int_equal(log_level_parse("error"), LOG_ERROR);
        assert_int_equal(log_level_parse("loud"), -1);
        log_set_level(LOG_WARN);
        assert_false(log_enabled(LOG_INFO));
        assert_true(log_enabled(LOG_ERROR));
        log_set_level(LOG_INFO);
        assert_true(log_enabled(LOG_INFO));
        assert_false(log_enabled(LOG_DEBUG));
}

static void test_log_msg_one_logfmt_line(void **state) {
        int p[2], saved = dup(STDERR_FILENO);
        char buf[512] = "";
        ssize_t n;
        (void)state;

        assert_int_equal(pipe(p), 0);
        dup2(p[1], STDERR_FILENO);
        log_msg(LOG_WARN, "handler failed", "handler=%s attempt=%d", "log", 2);
        log_msg(LOG_DEBUG, "hidden", "x=1");
        dup2(saved, STDERR_FILENO);
        close(p[1]);
        n = read(p[0], buf, sizeof(buf) - 1);
        close(p[0]);
        close(saved);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_non_null(strstr(buf, " level=warn msg=\"handler failed\" "
                                    "handler=log attempt=2\n"));
        assert_memory_equal(buf, "ts=", 3);
        assert_null(strstr(buf, "hidden"));
}

/* What log_* writes to stderr, in @p buf. */
static void capture_start(int p[2], int *saved) {
        *saved = dup(STDERR_FILENO);
        assert_int_equal(pipe(p), 0);
        dup2(p[1], STDERR_FILENO);
}

static void capture_end(int p[2], int saved, char *buf, size_t size) {
        ssize_t n;

        dup2(saved, STDERR_FILENO);
        close(p[1]);
        n = read(p[0], buf, size - 1);
        close(p[0]);
        close(saved);
        assert_true(n > 0);
        buf[n] = '\0';
}

static void test_log_fields_each_its_own_key(void **state) {
        log_field_t f[] = {{"topic", "orders"},
                           {"partition", "3"},
                           {"error", "exit status 1"}};
        char buf[1024];
        int p[2], saved;
        (void)state;

        capture_start(p, &saved);
        log_fields(LOG_WARN, "dead-lettered", f, 3);
        capture_end(p, saved, buf, sizeof(buf));
        assert_non_null(strstr(buf,
                               " level=warn msg=dead-lettered topic=orders "
                               "partition=3 error=\"exit status 1\"\n"));
}

static void test_log_json_fields_and_escapes(void **state) {
        log_field_t f[] = {{"partition", "3"},
                           {"offset", "-12"},
                           {"key", "007"},
                           {"error", "a \"b\"\n\x01\xff"}};
        char buf[2048];
        int p[2], saved;
        (void)state;

        log_set_format(LOG_FORMAT_JSON);
        capture_start(p, &saved);
        log_fields(LOG_INFO, "m", f, 4);
        log_msg(LOG_INFO, "handler failed", "handler=%s rc=%d error=%s", "x", 2,
                "\"exit status 1\"");
        log_msg(LOG_INFO, "odd", "word error=\"unterminated");
        capture_end(p, saved, buf, sizeof(buf));
        log_set_format(LOG_FORMAT_LOGFMT);
        assert_memory_equal(buf, "{\"ts\":\"", 7);
        assert_non_null(strstr(buf, "\"level\":\"info\",\"msg\":\"m\","
                                    "\"partition\":3,\"offset\":-12,"
                                    "\"key\":\"007\",\"error\":\"a "
                                    "\\\"b\\\"\\n\\u0001\\ufffd\"}\n"));
        assert_non_null(strstr(buf, "\"msg\":\"handler failed\",\"handler\":"
                                    "\"x\",\"rc\":2,\"error\":\"exit "
                                    "status 1\"}\n"));
        assert_non_null(strstr(buf, "\"msg\":\"odd\",\"word\":\"\","
                                    "\"error\":\"unterminated\"}\n"));
}

static void test_log_json_long_line_stays_closed(void **state) {
        char big[6000], line[512];
        size_t n;
        (void)state;

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        log_set_format(LOG_FORMAT_JSON);
        n = log_format_line(line, sizeof(line), LOG_INFO, big, "a=1");
        log_set_format(LOG_FORMAT_LOGFMT);
        assert_true(n > 0 && n <= sizeof(line));
        assert_memory_equal(line + n - 3, "\"}\n", 3);
        assert_int_equal(log_format_parse("json"), LOG_FORMAT_JSON);
        assert_int_equal(log_format_parse("logfmt"), LOG_FORMAT_LOGFMT);
        assert_int_equal(log_format_parse("text"), -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_log_quote_plain_and_quoted),
                cmocka_unit_test(test_log_quote_truncates_and_keeps_the_quote),
                cmocka_unit_test(test_log_level_parse_and_filter),
                cmocka_unit_test(test_log_msg_one_logfmt_line),
                cmocka_unit_test(test_log_fields_each_its_own_key),
                cmocka_unit_test(test_log_json_fields_and_escapes),
                cmocka_unit_test(test_log_json_long_line_stays_closed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
