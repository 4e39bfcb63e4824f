/*
 * test_timestamp.c - RFC 3339 parsing and formatting, and the civil-date
 * arithmetic under them. The parse cases are data: tests/data/envelope/
 * timestamps.tsv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "event_int.h"

static FILE *open_data(const char *name) {
        const char *dir = getenv("EVENTS_TEST_DATA");
        char path[1024];
        FILE *fp;

        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "r");
        if (!fp)
                fail_msg("cannot open %s", path);
        return fp;
}

static void test_events_timestamp_parse_data_file(void **state) {
        FILE *fp = open_data("envelope/timestamps.tsv");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int cases = 0, lineno = 0;

        while ((n = getline(&line, &cap, fp)) != -1) {
                char *tab, *input, *want, text[EVENTS_TIMESTAMP_BUFSIZE];
                events_error_t err;
                int64_t us = 0;
                events_err_t rc;
                size_t want_off;

                lineno++;
                if (n > 0 && line[n - 1] == '\n')
                        line[--n] = '\0';
                if (n == 0 || line[0] == '#')
                        continue;
                tab = strchr(line, '\t');
                if (!tab)
                        fail_msg("line %d: no tab", lineno);
                *tab = '\0';
                input = line;
                want = tab + 1;
                rc = events_timestamp_parse(input, strlen(input), &us, &err);
                if (sscanf(want, "error %zu", &want_off) == 1) {
                        if (rc != EVENTS_ERR_TIMESTAMP)
                                fail_msg("line %d: \"%s\" parsed (%s), "
                                         "expected an error at %zu",
                                         lineno, input, events_err2name(rc),
                                         want_off);
                        if (err.offset != want_off)
                                fail_msg("line %d: \"%s\": error at %zu, "
                                         "expected %zu (%s)",
                                         lineno, input, err.offset, want_off,
                                         err.text);
                        assert_int_equal(err.code, EVENTS_ERR_TIMESTAMP);
                        assert_true(strlen(err.text) > 0);
                } else {
                        if (rc != EVENTS_OK)
                                fail_msg("line %d: \"%s\": %s", lineno, input,
                                         err.text);
                        assert_int_equal(
                                events_timestamp_format(us, text, sizeof(text)),
                                EVENTS_TIMESTAMP_LEN);
                        if (strcmp(text, want))
                                fail_msg("line %d: \"%s\" gave %s, expected "
                                         "%s",
                                         lineno, input, text, want);
                }
                cases++;
        }
        free(line);
        fclose(fp);
        assert_true(cases >= 85); /* the file was read to its end */
}

static void test_events_timestamp_parse_known_values(void **state) {
        int64_t us;

        assert_int_equal(
                events_timestamp_parse("1970-01-01T00:00:00Z", 20, &us, NULL),
                EVENTS_OK);
        assert_true(us == 0);
        assert_int_equal(events_timestamp_parse("2026-11-27T18:05:00.123456Z",
                                                27, &us, NULL),
                         EVENTS_OK);
        assert_true(us == 1795802700123456LL);
        assert_int_equal(events_timestamp_parse("1969-12-31T23:59:59.999999Z",
                                                27, &us, NULL),
                         EVENTS_OK);
        assert_true(us == -1);
        assert_int_equal(
                events_timestamp_parse("0001-01-01T00:00:00Z", 20, &us, NULL),
                EVENTS_OK);
        assert_true(us == EVENTS__TS_MIN_US);
        assert_int_equal(events_timestamp_parse("9999-12-31T23:59:59.999999Z",
                                                27, &us, NULL),
                         EVENTS_OK);
        assert_true(us == EVENTS__TS_MAX_US);
}

static void test_events_timestamp_parse_uses_len_not_nul(void **state) {
        const char *s = "2026-11-27T18:05:00Zgarbage";
        int64_t a, b;

        assert_int_equal(events_timestamp_parse(s, 20, &a, NULL), EVENTS_OK);
        assert_int_equal(
                events_timestamp_parse("2026-11-27T18:05:00Z", 20, &b, NULL),
                EVENTS_OK);
        assert_true(a == b);
        assert_int_equal(events_timestamp_parse(s, 21, &a, NULL),
                         EVENTS_ERR_TIMESTAMP);
        /* A NUL inside the length is just a bad byte. */
        assert_int_equal(
                events_timestamp_parse("2026-11-27T18:05:00\0Z", 21, &a, NULL),
                EVENTS_ERR_TIMESTAMP);
}

static void test_events_timestamp_parse_invalid_args(void **state) {
        events_error_t err;
        int64_t us;

        assert_int_equal(events_timestamp_parse(NULL, 0, &us, &err),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(err.code, EVENTS_ERR_INVALID_ARG);
        assert_int_equal(
                events_timestamp_parse("2026-11-27T18:05:00Z", 20, NULL, NULL),
                EVENTS_ERR_INVALID_ARG);
}

static void test_events_timestamp_parse_error_text(void **state) {
        events_error_t err;
        int64_t us;
        char buf[300];

        assert_int_equal(
                events_timestamp_parse("2023-02-29T00:00:00Z", 20, &us, &err),
                EVENTS_ERR_TIMESTAMP);
        assert_string_equal(events_error_format(&err, buf, sizeof(buf)),
                            "byte 8: invalid timestamp "
                            "\"2023-02-29T00:00:00Z\": February 29 in a "
                            "common year");
        assert_int_equal(
                events_timestamp_parse("2016-12-31T23:59:60Z", 20, &us, &err),
                EVENTS_ERR_TIMESTAMP);
        assert_non_null(strstr(err.text, "leap second"));
}

static void test_events_timestamp_format_values(void **state) {
        char buf[EVENTS_TIMESTAMP_BUFSIZE];

        /* The named length is the format's, and the buffer size holds it. */
        assert_int_equal(EVENTS_TIMESTAMP_LEN,
                         strlen("2026-11-27T18:05:00.123456Z"));
        assert_true(EVENTS_TIMESTAMP_BUFSIZE >= EVENTS_TIMESTAMP_LEN + 1);
        assert_int_equal(events_timestamp_format(0, buf, sizeof(buf)),
                         EVENTS_TIMESTAMP_LEN);
        assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
        assert_int_equal(events_timestamp_format(-1, buf, sizeof(buf)),
                         EVENTS_TIMESTAMP_LEN);
        assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
        assert_int_equal(
                events_timestamp_format(1795802700123456LL, buf, sizeof(buf)),
                EVENTS_TIMESTAMP_LEN);
        assert_string_equal(buf, "2026-11-27T18:05:00.123456Z");
        assert_int_equal(
                events_timestamp_format(EVENTS__TS_MIN_US, buf, sizeof(buf)),
                EVENTS_TIMESTAMP_LEN);
        assert_string_equal(buf, "0001-01-01T00:00:00.000000Z");
        assert_int_equal(
                events_timestamp_format(EVENTS__TS_MAX_US, buf, sizeof(buf)),
                EVENTS_TIMESTAMP_LEN);
        assert_string_equal(buf, "9999-12-31T23:59:59.999999Z");
        /* The 400-year cycle's extra day: 2000-12-31 is day 366. */
        assert_int_equal(
                events_timestamp_format(978220800000000LL, buf, sizeof(buf)),
                EVENTS_TIMESTAMP_LEN);
        assert_string_equal(buf, "2000-12-31T00:00:00.000000Z");
}

static void test_events_timestamp_format_out_of_range(void **state) {
        char buf[EVENTS_TIMESTAMP_BUFSIZE];

        memset(buf, 'x', sizeof(buf));
        assert_int_equal(events_timestamp_format(EVENTS__TS_MIN_US - 1, buf,
                                                 sizeof(buf)),
                         0);
        assert_string_equal(buf, "");
        assert_int_equal(events_timestamp_format(EVENTS__TS_MAX_US + 1, buf,
                                                 sizeof(buf)),
                         0);
        assert_int_equal(events_timestamp_format(INT64_MIN, buf, sizeof(buf)),
                         0);
        assert_int_equal(events_timestamp_format(INT64_MAX, buf, sizeof(buf)),
                         0);
        /* EVENTS_TIMESTAMP_LEN characters need one more byte. */
        assert_int_equal(events_timestamp_format(0, buf, EVENTS_TIMESTAMP_LEN),
                         0);
        assert_int_equal(
                events_timestamp_format(0, buf, EVENTS_TIMESTAMP_LEN + 1),
                EVENTS_TIMESTAMP_LEN);
        assert_int_equal(events_timestamp_format(0, NULL, 0), 0);
}

/* Walk every day from 0001-01-01 to 9999-12-31 with a naive calendar and
 * check both conversions against the running count. */
static void test_events_civil_days_every_day(void **state) {
        static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
        int64_t n = -719162; /* 0001-01-01 */
        int y = 1, m = 1, d = 1;

        for (;;) {
                int yy, mm, dd, len;

                if (events__days_from_civil(y, m, d) != n)
                        fail_msg("days_from_civil(%04d-%02d-%02d)", y, m, d);
                events__civil_from_days(n, &yy, &mm, &dd);
                if (yy != y || mm != m || dd != d)
                        fail_msg("civil_from_days(%lld) = %04d-%02d-%02d, "
                                 "expected %04d-%02d-%02d",
                                 (long long)n, yy, mm, dd, y, m, d);
                if (y == 9999 && m == 12 && d == 31)
                        break;
                len = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) ||
                                                 y % 400 == 0));
                n++;
                if (++d > len) {
                        d = 1;
                        if (++m > 12) {
                                m = 1;
                                y++;
                        }
                }
        }
        assert_true(n == 2932896); /* 9999-12-31 */
}

/* Random times across the whole range: format agrees with glibc's
 * gmtime_r(), and parsing the text gives the time back. */
static void test_events_timestamp_format_matches_gmtime(void **state) {
        uint64_t x = 88172645463325252ULL;
        char buf[EVENTS_TIMESTAMP_BUFSIZE], want[64];

        for (int i = 0; i < 20000; i++) {
                int64_t span = EVENTS__TS_MAX_US - EVENTS__TS_MIN_US, us, back;
                time_t t;
                struct tm tm;

                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                us = EVENTS__TS_MIN_US + (int64_t)(x % (uint64_t)span);
                assert_int_equal(events_timestamp_format(us, buf, sizeof(buf)),
                                 EVENTS_TIMESTAMP_LEN);
                t = (time_t)((us - (((us % 1000000) + 1000000) % 1000000)) /
                             1000000);
                assert_non_null(gmtime_r(&t, &tm));
                snprintf(want, sizeof(want),
                         "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (int)(((us % 1000000) + 1000000) % 1000000));
                assert_string_equal(buf, want);
                assert_int_equal(events_timestamp_parse(buf,
                                                        EVENTS_TIMESTAMP_LEN,
                                                        &back, NULL),
                                 EVENTS_OK);
                assert_true(back == us);
        }
}

/* Bounded by the same clock read before and after. Not time(NULL): glibc
 * reads it from the coarse clock, up to a tick behind CLOCK_REALTIME, so
 * "time(NULL) + 1 s" could fall before a precise now that had just
 * crossed a second (the test failed so about once in five runs). */
static int64_t realtime_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void test_events_now_us_is_now(void **state) {
        int64_t a = realtime_us(), now = events_now_us(), b = realtime_us();

        (void)state;
        assert_true(now >= a && now <= b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_timestamp_parse_data_file),
                cmocka_unit_test(test_events_timestamp_parse_known_values),
                cmocka_unit_test(test_events_timestamp_parse_uses_len_not_nul),
                cmocka_unit_test(test_events_timestamp_parse_invalid_args),
                cmocka_unit_test(test_events_timestamp_parse_error_text),
                cmocka_unit_test(test_events_timestamp_format_values),
                cmocka_unit_test(test_events_timestamp_format_out_of_range),
                cmocka_unit_test(test_events_civil_days_every_day),
                cmocka_unit_test(test_events_timestamp_format_matches_gmtime),
                cmocka_unit_test(test_events_now_us_is_now),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
