/*
 * test_timestamp_cache.c - events__timestamp_parse_cached(), the parse that
 * remembers the last minute (timestamp_int.h): on every input it must give
 * what events_timestamp_parse() gives, result and error record alike,
 * whatever the cache holds. Both are also compared with the parse as it
 * was before the cache (ref_parse() below, kept as written then), so that
 * the full parse's reorganisation is checked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_int.h"
#include "timestamp_int.h"

/* ---- The reference: events_timestamp_parse() before the cache. ---- */

static const int ref_days_before_month[13] = {0,   31,  59,  90,  120, 151, 181,
                                              212, 243, 273, 304, 334, 365};

static int ref_days_in_month(int y, int m) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        return ref_days_before_month[m] - ref_days_before_month[m - 1] +
               (m == 2 && leap);
}

static events_err_t ref_fail(events_error_t *err, const char *s, size_t len,
                             size_t pos, const char *why) {
        int shown = len > 40 ? 40 : (int)len;

        events__error_set(err, EVENTS_ERR_TIMESTAMP,
                          "invalid timestamp \"%.*s%s\": %s", shown, s,
                          len > 40 ? "..." : "", why);
        if (err)
                err->offset = pos;
        return EVENTS_ERR_TIMESTAMP;
}

static int ref_digit(unsigned char c) {
        return (unsigned)(c - '0') < 10;
}

static int ref_num2(const unsigned char *p) {
        return (p[0] - '0') * 10 + (p[1] - '0');
}

static events_err_t ref_parse(const char *s, size_t len, int64_t *usp,
                              events_error_t *err) {
        /* 'd' a digit, 'T' the date/time separator, others themselves. */
        static const char shape[] = "dddd-dd-ddTdd:dd:dd";
        const unsigned char *p = (const unsigned char *)s;
        int y, mo, d, h, mi, sec, us = 0, sign = 0, oh = 0, om = 0;
        size_t i, start, zone = 0;
        int64_t t;

        if (!s || !usp)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        /* The usual shape, in one expression; what is not, goes through
         * the loop below, which names the first byte that is wrong. */
        if (len >= sizeof(shape) - 1 && ref_digit(p[0]) && ref_digit(p[1]) &&
            ref_digit(p[2]) && ref_digit(p[3]) && p[4] == '-' &&
            ref_digit(p[5]) && ref_digit(p[6]) && p[7] == '-' &&
            ref_digit(p[8]) && ref_digit(p[9]) &&
            (p[10] == 'T' || p[10] == 't' || p[10] == ' ') &&
            ref_digit(p[11]) && ref_digit(p[12]) && p[13] == ':' &&
            ref_digit(p[14]) && ref_digit(p[15]) && p[16] == ':' &&
            ref_digit(p[17]) && ref_digit(p[18]))
                i = sizeof(shape) - 1;
        else
                i = 0;
        for (; i < sizeof(shape) - 1; i++) {
                char want = shape[i];

                if (i >= len)
                        return ref_fail(err, s, len, i,
                                        "too short for "
                                        "YYYY-MM-DDTHH:MM:SS");
                if (want == 'd'   ? !ref_digit(p[i])
                    : want == 'T' ? p[i] != 'T' && p[i] != 't' && p[i] != ' '
                                  : p[i] != (unsigned char)want)
                        return ref_fail(err, s, len, i,
                                        want == 'd'   ? "expected a digit"
                                        : want == 'T' ? "expected 'T'"
                                        : want == '-' ? "expected '-'"
                                                      : "expected ':'");
        }
        y = ref_num2(p) * 100 + ref_num2(p + 2);
        mo = ref_num2(p + 5);
        d = ref_num2(p + 8);
        h = ref_num2(p + 11);
        mi = ref_num2(p + 14);
        sec = ref_num2(p + 17);

        if (i < len && p[i] == '.') {
                start = ++i;
                while (i < len && ref_digit(p[i]))
                        i++;
                if (i == start)
                        return ref_fail(err, s, len, i,
                                        "expected digits after '.'");
                if (i - start > 9)
                        return ref_fail(err, s, len, start + 9,
                                        "more than 9 fractional digits");
                for (size_t k = 0; k < 6; k++) /* beyond: truncated */
                        us = us * 10 + (start + k < i ? p[start + k] - '0' : 0);
        }
        if (i < len) {
                zone = i;
                if (p[i] == 'Z' || p[i] == 'z') {
                        i++;
                } else if (p[i] == '+' || p[i] == '-') {
                        sign = p[i] == '+' ? 1 : -1;
                        if (len - i < 6 || !ref_digit(p[i + 1]) ||
                            !ref_digit(p[i + 2]) || p[i + 3] != ':' ||
                            !ref_digit(p[i + 4]) || !ref_digit(p[i + 5]))
                                return ref_fail(err, s, len, i,
                                                "expected an offset +HH:MM or "
                                                "-HH:MM");
                        oh = ref_num2(p + i + 1);
                        om = ref_num2(p + i + 4);
                        i += 6;
                } else {
                        return ref_fail(err, s, len, i,
                                        "expected a fraction, 'Z' or an "
                                        "offset +HH:MM");
                }
                if (i != len)
                        return ref_fail(err, s, len, i,
                                        "unexpected text after the zone");
        }

        if (y == 0)
                return ref_fail(err, s, len, 0, "year 0000 is out of range");
        if (mo < 1 || mo > 12)
                return ref_fail(err, s, len, 5, "month out of range");
        if (d < 1 || d > ref_days_in_month(y, mo))
                return ref_fail(err, s, len, 8,
                                d == 29 && mo == 2
                                        ? "February 29 in a common year"
                                        : "day out of range for the month");
        if (h > 23)
                return ref_fail(err, s, len, 11, "hour out of range");
        if (mi > 59)
                return ref_fail(err, s, len, 14, "minute out of range");
        if (sec == 60)
                return ref_fail(err, s, len, 17,
                                "leap seconds (:60) are not supported");
        if (sec > 59)
                return ref_fail(err, s, len, 17, "second out of range");
        if (oh > 23)
                return ref_fail(err, s, len, zone + 1,
                                "offset hour out of range");
        if (om > 59)
                return ref_fail(err, s, len, zone + 4,
                                "offset minute out of range");

        t = events__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
            sec - sign * (oh * 3600 + om * 60);
        t = t * 1000000 + us;
        if (t < EVENTS__TS_MIN_US || t > EVENTS__TS_MAX_US)
                return ref_fail(err, s, len, 0,
                                "outside years 0001 to 9999 in UTC");
        *usp = t;
        return EVENTS_OK;
}

/* ---- Comparing the three. ---- */

/* Parses made by the comparisons, and how many of them were accepted. */
static unsigned long compared, accepted;

/*
 * Parse s[0..len) with the reference, the full parse and the cached parse
 * (cache @p c, kept from the caller's previous inputs): the same code, the
 * same microsecond and the same error record, byte for byte.
 */
static void same(events__ts_cache_t *c, const char *s, size_t len) {
        events_error_t e_ref, e_full, e_cached;
        int64_t u_ref = -1, u_full = -2, u_cached = -3;
        events_err_t r_ref, r_full, r_cached;

        memset(&e_ref, 0, sizeof(e_ref));
        memset(&e_full, 0, sizeof(e_full));
        memset(&e_cached, 0, sizeof(e_cached));
        r_ref = ref_parse(s, len, &u_ref, &e_ref);
        r_full = events_timestamp_parse(s, len, &u_full, &e_full);
        r_cached =
                events__timestamp_parse_cached(c, s, len, &u_cached, &e_cached);
        if (r_ref != r_full || r_full != r_cached)
                fail_msg("\"%.*s\": codes %d (before), %d (full), %d (cached)",
                         (int)len, s, r_ref, r_full, r_cached);
        if (r_ref == EVENTS_OK) {
                if (u_ref != u_full || u_full != u_cached)
                        fail_msg("\"%.*s\": %lld (before), %lld (full), "
                                 "%lld (cached)",
                                 (int)len, s, (long long)u_ref,
                                 (long long)u_full, (long long)u_cached);
                accepted++;
        } else {
                /* Nothing written on failure. */
                assert_int_equal(u_full, -2);
                assert_int_equal(u_cached, -3);
                if (memcmp(&e_ref, &e_full, sizeof(e_ref)) ||
                    memcmp(&e_full, &e_cached, sizeof(e_ref)))
                        fail_msg("\"%.*s\": errors \"%s\" at %zu (before), "
                                 "\"%s\" at %zu (full), \"%s\" at %zu "
                                 "(cached)",
                                 (int)len, s, e_ref.text, e_ref.offset,
                                 e_full.text, e_full.offset, e_cached.text,
                                 e_cached.offset);
        }
        compared++;
}

static void same_str(events__ts_cache_t *c, const char *s) {
        same(c, s, strlen(s));
}

/* What may follow "YYYY-MM-DDTHH:MM": seconds, fraction, zone, and the
 * ways each goes wrong. The first parses, so the rest meet a warm cache
 * whenever the minute before them is valid. */
static const char *const tails[] = {
        ":00",
        ":00Z",
        ":59.999999Z",
        ":07.1",
        ":07.12",
        ":07.123",
        ":07.1234",
        ":07.12345",
        ":07.123456",
        ":07.1234567",
        ":07.12345678",
        ":07.123456789",
        ":07.1234567890",  /* 10 digits: refused */
        ":07.12345678901", /* 11 */
        ":07.",
        ":07.Z",
        ":07.12345x",
        ":07.123456x",
        ":07.123456 ",
        ":07z",
        ":07+00:00",
        ":07-00:00",
        ":07+23:59",
        ":07-23:59",
        ":07.5+14:00",
        ":07.000001-12:00",
        ":00+00:01", /* before 0001 on its first minute */
        ":59-00:01", /* after 9999 on its last */
        ":07+24:00",
        ":07+05:60",
        ":07-99:99",
        ":07+0530",
        ":07+05:3",
        ":07+05-30",
        ":07+",
        ":07Zjunk",
        ":07Z ",
        ":07+01:00Z",
        ":59",
        ":60",
        ":60Z",
        ":60.5+01:00",
        ":61",
        ":99.999999",
        ":5",
        ":5x",
        ":x5",
        ":",
        "",
        "-07",
        ":07",
};

/* Every tail after @p head (16 bytes), through one cache. */
static void all_tails(events__ts_cache_t *c, const char *head) {
        char buf[64];

        for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
                snprintf(buf, sizeof(buf), "%s%s", head, tails[t]);
                same_str(c, buf);
        }
}

static void test_events_timestamp_parse_cached_matches_full(void **state) {
        /* Leap and common years, centuries, the first and the last. */
        static const int years[] = {1,    4,    100,  400,  1900, 1969,
                                    1970, 2000, 2023, 2024, 2100, 9999};
        /* Valid and not: 0, ends of months, 32. */
        static const int days[] = {0, 1, 28, 29, 30, 31, 32};
        static const char *const hm[] = {"00:00", "23:59", "12:34",
                                         "24:00", "23:60", "99:99"};
        events__ts_cache_t c;
        char head[32];

        (void)state;
        memset(&c, 0, sizeof(c));
        compared = accepted = 0;
        for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++)
                for (int m = 0; m <= 13; m++)
                        for (size_t d = 0; d < sizeof(days) / sizeof(days[0]);
                             d++)
                                for (size_t h = 0;
                                     h < sizeof(hm) / sizeof(hm[0]); h++) {
                                        snprintf(head, sizeof(head),
                                                 "%04d-%02d-%02dT%s", years[y],
                                                 m, days[d], hm[h]);
                                        all_tails(&c, head);
                                }
        /* Year 0000, and the separators the parse accepts or refuses. */
        all_tails(&c, "0000-01-01T00:00");
        all_tails(&c, "2026-11-18t11:06");
        all_tails(&c, "2026-11-18 11:06");
        all_tails(&c, "2026-11-18T11:06");
        all_tails(&c, "2026-11-18x11:06");
        all_tails(&c, "2026-11-18T11-06");
        all_tails(&c, "2026-11-1aT11:06");
        /* Every one of the 12 * 14 * 7 * 6 + 7 heads with every tail, and
         * a good share accepted: the comparison saw both outcomes. */
        assert_int_equal(compared, (12 * 14 * 7 * 6 + 7) *
                                           (sizeof(tails) / sizeof(tails[0])));
        assert_true(accepted > compared / 10);
}

/* Every length of a valid timestamp and of a few bad ones, from the empty
 * string up, after a cache warmed by the same minute: a prefix of the
 * cached minute must not be taken for it. */
static void test_events_timestamp_parse_cached_every_length(void **state) {
        static const char *const full[] = {
                "2024-02-29T23:59:59.123456789+01:30",
                "2023-02-28T23:59:60.5Z",
                "9999-12-31T23:59:59.999999Z",
        };
        events__ts_cache_t c;

        (void)state;
        for (size_t k = 0; k < sizeof(full) / sizeof(full[0]); k++) {
                memset(&c, 0, sizeof(c));
                same_str(&c, "2024-02-29T23:59:00Z");
                same_str(&c, "2023-02-28T23:59:00Z");
                same_str(&c, "9999-12-31T23:59:00Z");
                for (size_t n = 0; n <= strlen(full[k]); n++)
                        same(&c, full[k], n);
        }
}

/* xorshift64: the same sequence on every run. */
static uint64_t next_rand(uint64_t *x) {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

/*
 * Walks of instants a few seconds apart (so that runs share a minute, as a
 * stream's timestamps do) over the places where the calendar turns: ends of
 * months and years, leap days, 1970, and the ends of the range. Each instant
 * is written with 0 to 9 fraction digits, a Z or none or an offset, and its
 * T sometimes a space.
 */
static void test_events_timestamp_parse_cached_walks(void **state) {
        static const char *const starts[] = {
                "0001-01-01T00:00:00Z", "1899-12-31T23:50:00Z",
                "1900-02-28T23:50:00Z", "1969-12-31T23:50:00Z",
                "2000-02-28T23:50:00Z", "2023-02-28T23:50:00Z",
                "2024-02-28T23:50:00Z", "2024-02-29T23:50:00Z",
                "2024-04-30T23:50:00Z", "2026-11-18T11:06:40Z",
                "2100-02-28T23:50:00Z", "9999-12-31T23:40:00Z",
        };
        static const char *const zones[] = {
                "Z", "", "+00:00", "+01:00", "-05:30", "+14:00", "-12:00", "z"};
        events__ts_cache_t c;
        uint64_t x = 0x9e3779b97f4a7c15ULL;

        (void)state;
        memset(&c, 0, sizeof(c));
        compared = accepted = 0;
        for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
                int64_t us;

                assert_int_equal(events_timestamp_parse(starts[k],
                                                        strlen(starts[k]), &us,
                                                        NULL),
                                 EVENTS_OK);
                for (int i = 0; i < 3000; i++) {
                        char norm[EVENTS_TIMESTAMP_BUFSIZE], buf[64];
                        uint64_t r = next_rand(&x);
                        int digits = (int)(r % 10);
                        const char *zone = zones[(r >> 8) % 8];

                        us += (int64_t)((r >> 16) % 3000000);
                        if (us > EVENTS__TS_MAX_US)
                                break;
                        assert_int_equal(
                                events_timestamp_format(us, norm, sizeof(norm)),
                                EVENTS_TIMESTAMP_LEN);
                        /* "YYYY-MM-DDTHH:MM:SS" then the digits wanted. */
                        snprintf(buf, sizeof(buf), "%.*s%s%.*s%s",
                                 EVENTS__TS_HEAD_LEN - 1, norm,
                                 digits ? "." : "", digits,
                                 digits > 6 ? "123456789"
                                            : norm + EVENTS__TS_HEAD_LEN,
                                 zone);
                        if ((r >> 40) % 16 == 0)
                                buf[10] = ' ';
                        same_str(&c, buf);
                }
        }
        /* Most of them are valid: the walks did not go off the calendar. */
        assert_true(accepted > compared * 9 / 10);
}

/* The cache is used: a timestamp in the cached minute is read from the
 * cached second of that minute (here made wrong on purpose), and one that
 * is not plainly valid goes to the full parse all the same. */
static void test_events_timestamp_parse_cached_uses_cache(void **state) {
        events__ts_cache_t c;
        events_error_t err;
        int64_t us, want;

        (void)state;
        memset(&c, 0, sizeof(c));
        assert_int_equal(events__timestamp_parse_cached(
                                 &c, "2026-11-18T11:06:40.5Z", 22, &us, NULL),
                         EVENTS_OK);
        assert_int_equal(c.valid, 1);
        assert_memory_equal(c.head, "2026-11-18T11:06", EVENTS__TS_MINUTE_LEN);
        assert_int_equal(c.minute_s * 1000000 + 40500000, us);

        c.minute_s += 3600; /* wrong on purpose */
        assert_int_equal(events__timestamp_parse_cached(
                                 &c, "2026-11-18T11:06:41Z", 20, &us, NULL),
                         EVENTS_OK);
        assert_int_equal(
                events_timestamp_parse("2026-11-18T12:06:41Z", 20, &want, NULL),
                EVENTS_OK);
        assert_int_equal(us, want); /* the cache answered */

        /* :60 in the cached minute: the full parse's own error. */
        assert_int_equal(events__timestamp_parse_cached(
                                 &c, "2026-11-18T11:06:60Z", 20, &us, &err),
                         EVENTS_ERR_TIMESTAMP);
        assert_int_equal(err.offset, 17);
        assert_non_null(strstr(err.text, "leap second"));
        /* A failure leaves the cache as it was. */
        assert_memory_equal(c.head, "2026-11-18T11:06", EVENTS__TS_MINUTE_LEN);

        /* Another minute: the full parse, which refills the cache. */
        assert_int_equal(events__timestamp_parse_cached(
                                 &c, "2026-11-18T11:07:00Z", 20, &us, NULL),
                         EVENTS_OK);
        assert_int_equal(
                events_timestamp_parse("2026-11-18T11:07:00Z", 20, &want, NULL),
                EVENTS_OK);
        assert_int_equal(us, want);
        assert_memory_equal(c.head, "2026-11-18T11:07", EVENTS__TS_MINUTE_LEN);
        assert_int_equal(c.minute_s * 1000000, want);
}

static void test_events_timestamp_parse_cached_invalid_args(void **state) {
        events__ts_cache_t c;
        events_error_t err;
        int64_t us;

        (void)state;
        memset(&c, 0, sizeof(c));
        assert_int_equal(events__timestamp_parse_cached(
                                 &c, "2026-11-18T11:06:40Z", 20, &us, NULL),
                         EVENTS_OK);
        assert_int_equal(
                events__timestamp_parse_cached(&c, NULL, 20, &us, &err),
                EVENTS_ERR_INVALID_ARG);
        assert_int_equal(err.code, EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events__timestamp_parse_cached(
                                 &c, "2026-11-18T11:06:41Z", 20, NULL, NULL),
                         EVENTS_ERR_INVALID_ARG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(
                        test_events_timestamp_parse_cached_matches_full),
                cmocka_unit_test(
                        test_events_timestamp_parse_cached_every_length),
                cmocka_unit_test(test_events_timestamp_parse_cached_walks),
                cmocka_unit_test(test_events_timestamp_parse_cached_uses_cache),
                cmocka_unit_test(
                        test_events_timestamp_parse_cached_invalid_args),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
