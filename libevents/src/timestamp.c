/*
 * timestamp.c - RFC 3339 timestamps: parse any offset (or none) into
 * microseconds since the Unix epoch, format them back as UTC with six
 * fractional digits, and read the clock.
 *
 * Every event goes through here, a million per producer run, so this avoids
 * strptime(), mktime() and the time zone database: dates are converted with
 * plain proleptic Gregorian arithmetic (400-year cycles of 146097 days).
 * The producer's shaping goes further (events__timestamp_parse_cached(),
 * timestamp_int.h): a stream's timestamps share their minute, so it
 * remembers the last one and reads only the seconds on, with the full
 * parse's own reader of what follows them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event_int.h"
#include "timestamp_int.h"

/* Days before the first of each month in a common year, and the year. */
static const int days_before_month[13] = {0,   31,  59,  90,  120, 151, 181,
                                          212, 243, 273, 304, 334, 365};

static int is_leap(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
        return days_before_month[m] - days_before_month[m - 1] +
               (m == 2 && is_leap(y));
}

/*
 * Civil dates and day numbers, in closed form: the year is counted from
 * March, so that February's leap day ends it, and eras of 400 years
 * (146097 days) repeat exactly. Within an era, a year of 365 days gains a
 * day every 4 years except every 100th, except every 400th; months from
 * March follow a 153-days-per-5-months pattern. No loop and no table: this
 * runs for every event (test_events_civil_days_every_day checks every day
 * of years 0001 to 9999 both ways).
 */
int64_t events__days_from_civil(int y, int m, int d) {
        int64_t yy = (int64_t)y - (m <= 2); /* from March */
        int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
        int64_t yoe = yy - era * 400;                        /* [0, 399] */
        int64_t mp = m > 2 ? m - 3 : m + 9;                  /* March = 0 */
        int64_t doy = (153 * mp + 2) / 5 + d - 1;            /* [0, 365] */
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */

        return era * 146097 + doe - 719468; /* 0000-03-01 to 1970-01-01 */
}

void events__civil_from_days(int64_t days, int *yp, int *mp, int *dp) {
        int64_t z = days + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mo = (5 * doy + 2) / 153; /* March = 0 */
        int m = (int)(mo < 10 ? mo + 3 : mo - 9);

        *yp = (int)(yoe + era * 400 + (m <= 2));
        *mp = m;
        *dp = (int)(doy - (153 * mo + 2) / 5 + 1);
}

static events_err_t ts_fail(events_error_t *err, const char *s, size_t len,
                            size_t pos, const char *why) {
        int shown = len > 40 ? 40 : (int)len;

        events__error_set(err, EVENTS_ERR_TIMESTAMP,
                          "invalid timestamp \"%.*s%s\": %s", shown, s,
                          len > 40 ? "..." : "", why);
        if (err)
                err->offset = pos;
        return EVENTS_ERR_TIMESTAMP;
}

static int digit(unsigned char c) {
        return (unsigned)(c - '0') < 10;
}

static int num2(const unsigned char *p) {
        return (p[0] - '0') * 10 + (p[1] - '0');
}

/* What follows the seconds: an optional fraction, then an optional zone. */
typedef struct {
        int us;           /* the fraction in microseconds, truncated */
        int sign, oh, om; /* the offset as written (sign 0: none or Z) */
        size_t zone;      /* where the zone starts, when sign != 0 */
        size_t pos;       /* on error: the byte that is wrong */
        const char *why;  /* on error: what was expected */
} ts_tail_t;

/* Scale a fraction of n (1 to 5) digits to microseconds. */
static const int frac_scale[6] = {1000000, 100000, 10000, 1000, 100, 10};

/* Read p[i..len), i just past the seconds, into @p t: 0, or -1 with
 * t->pos and t->why set. Only the syntax: ranges are the caller's. */
static inline __attribute__((always_inline)) int
parse_tail(const unsigned char *p, size_t i, size_t len, ts_tail_t *t) {
        t->us = t->sign = t->oh = t->om = 0;
        t->zone = 0;
        if (i < len && p[i] == '.') {
                size_t start = ++i, n;

                /* Six digits, the usual count, then any more. */
                if (len - i >= 6 && digit(p[i]) && digit(p[i + 1]) &&
                    digit(p[i + 2]) && digit(p[i + 3]) && digit(p[i + 4]) &&
                    digit(p[i + 5]))
                        i += 6;
                while (i < len && digit(p[i]))
                        i++;
                n = i - start;
                if (n == 0) {
                        t->pos = i;
                        t->why = "expected digits after '.'";
                        return -1;
                }
                if (n > 9) {
                        t->pos = start + 9;
                        t->why = "more than 9 fractional digits";
                        return -1;
                }
                /* The first six digits make the microseconds; beyond them
                 * they are truncated. */
                if (n >= 6) {
                        t->us = num2(p + start) * 10000 +
                                num2(p + start + 2) * 100 + num2(p + start + 4);
                } else {
                        int us = 0;

                        for (size_t k = 0; k < n; k++)
                                us = us * 10 + (p[start + k] - '0');
                        t->us = us * frac_scale[n];
                }
        }
        if (i == len)
                return 0;
        if (p[i] == 'Z' || p[i] == 'z') {
                i++;
        } else if (p[i] == '+' || p[i] == '-') {
                t->zone = i;
                t->sign = p[i] == '+' ? 1 : -1;
                if (len - i < 6 || !digit(p[i + 1]) || !digit(p[i + 2]) ||
                    p[i + 3] != ':' || !digit(p[i + 4]) || !digit(p[i + 5])) {
                        t->pos = i;
                        t->why = "expected an offset +HH:MM or -HH:MM";
                        return -1;
                }
                t->oh = num2(p + i + 1);
                t->om = num2(p + i + 4);
                i += 6;
        } else {
                t->pos = i;
                t->why = "expected a fraction, 'Z' or an offset +HH:MM";
                return -1;
        }
        if (i != len) {
                t->pos = i;
                t->why = "unexpected text after the zone";
                return -1;
        }
        return 0;
}

/* The bytes up to the seconds' last digit: "YYYY-MM-DDTHH:MM:SS". */
#define TS_SECONDS_END 19

/* events_timestamp_parse(), filling @p c (may be NULL) when it succeeds. */
static events_err_t parse_full(const char *s, size_t len, int64_t *usp,
                               events_error_t *err, events__ts_cache_t *c) {
        /* 'd' a digit, 'T' the date/time separator, others themselves. */
        static const char shape[] = "dddd-dd-ddTdd:dd:dd";
        const unsigned char *p = (const unsigned char *)s;
        int y, mo, d, h, mi, sec;
        ts_tail_t tl;
        size_t i;
        int64_t minute, t;

        if (!s || !usp)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        /* The usual shape, in one expression; what is not, goes through
         * the loop below, which names the first byte that is wrong. */
        if (len >= TS_SECONDS_END && digit(p[0]) && digit(p[1]) &&
            digit(p[2]) && digit(p[3]) && p[4] == '-' && digit(p[5]) &&
            digit(p[6]) && p[7] == '-' && digit(p[8]) && digit(p[9]) &&
            (p[10] == 'T' || p[10] == 't' || p[10] == ' ') && digit(p[11]) &&
            digit(p[12]) && p[13] == ':' && digit(p[14]) && digit(p[15]) &&
            p[16] == ':' && digit(p[17]) && digit(p[18]))
                i = TS_SECONDS_END;
        else
                i = 0;
        for (; i < TS_SECONDS_END; i++) {
                char want = shape[i];

                if (i >= len)
                        return ts_fail(err, s, len, i,
                                       "too short for "
                                       "YYYY-MM-DDTHH:MM:SS");
                if (want == 'd'   ? !digit(p[i])
                    : want == 'T' ? p[i] != 'T' && p[i] != 't' && p[i] != ' '
                                  : p[i] != (unsigned char)want)
                        return ts_fail(err, s, len, i,
                                       want == 'd'   ? "expected a digit"
                                       : want == 'T' ? "expected 'T'"
                                       : want == '-' ? "expected '-'"
                                                     : "expected ':'");
        }
        y = num2(p) * 100 + num2(p + 2);
        mo = num2(p + 5);
        d = num2(p + 8);
        h = num2(p + 11);
        mi = num2(p + 14);
        sec = num2(p + 17);
        if (parse_tail(p, TS_SECONDS_END, len, &tl))
                return ts_fail(err, s, len, tl.pos, tl.why);

        if (y == 0)
                return ts_fail(err, s, len, 0, "year 0000 is out of range");
        if (mo < 1 || mo > 12)
                return ts_fail(err, s, len, 5, "month out of range");
        if (d < 1 || d > days_in_month(y, mo))
                return ts_fail(err, s, len, 8,
                               d == 29 && mo == 2
                                       ? "February 29 in a common year"
                                       : "day out of range for the month");
        if (h > 23)
                return ts_fail(err, s, len, 11, "hour out of range");
        if (mi > 59)
                return ts_fail(err, s, len, 14, "minute out of range");
        if (sec == 60)
                return ts_fail(err, s, len, 17,
                               "leap seconds (:60) are not supported");
        if (sec > 59)
                return ts_fail(err, s, len, 17, "second out of range");
        if (tl.oh > 23)
                return ts_fail(err, s, len, tl.zone + 1,
                               "offset hour out of range");
        if (tl.om > 59)
                return ts_fail(err, s, len, tl.zone + 4,
                               "offset minute out of range");

        minute = events__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
        t = minute + sec - tl.sign * (tl.oh * 3600 + tl.om * 60);
        t = t * 1000000 + tl.us;
        if (t < EVENTS__TS_MIN_US || t > EVENTS__TS_MAX_US)
                return ts_fail(err, s, len, 0,
                               "outside years 0001 to 9999 in UTC");
        if (c) {
                memcpy(c->head, s, EVENTS__TS_MINUTE_LEN);
                c->minute_s = minute;
                c->valid = 1;
        }
        *usp = t;
        return EVENTS_OK;
}

events_err_t events_timestamp_parse(const char *s, size_t len, int64_t *usp,
                                    events_error_t *err) {
        return parse_full(s, len, usp, err, NULL);
}

/*
 * The cached minute was checked by the full parse (its date exists, its
 * hour and minute are in range), so a timestamp that starts with the same
 * bytes differs only from the seconds on. Those are read here as the full
 * parse reads them; whatever is not plainly valid (a syntax error, :60, an
 * offset out of range, a result outside the years) goes to the full parse,
 * so that errors are the full parse's own.
 */
events_err_t events__timestamp_parse_cached(events__ts_cache_t *c,
                                            const char *s, size_t len,
                                            int64_t *usp, events_error_t *err) {
        const unsigned char *p = (const unsigned char *)s;
        ts_tail_t tl;
        int sec;
        int64_t t;

        if (c->valid && s && usp && len >= TS_SECONDS_END &&
            !memcmp(s, c->head, EVENTS__TS_MINUTE_LEN) && p[16] == ':' &&
            digit(p[17]) && digit(p[18]) && (sec = num2(p + 17)) <= 59 &&
            !parse_tail(p, TS_SECONDS_END, len, &tl) && tl.oh <= 23 &&
            tl.om <= 59) {
                t = c->minute_s + sec - tl.sign * (tl.oh * 3600 + tl.om * 60);
                t = t * 1000000 + tl.us;
                if (t >= EVENTS__TS_MIN_US && t <= EVENTS__TS_MAX_US) {
                        *usp = t;
                        return EVENTS_OK;
                }
        }
        return parse_full(s, len, usp, err, c);
}

/* "00" to "99". */
static const char digits2[100][2] = {
#define D2(t)                                                                  \
        {t, '0'}, {t, '1'}, {t, '2'}, {t, '3'}, {t, '4'}, {t, '5'}, {t, '6'},  \
                {t, '7'}, {t, '8'}, {                                          \
                t, '9'                                                         \
        }
        D2('0'), D2('1'), D2('2'), D2('3'), D2('4'),
        D2('5'), D2('6'), D2('7'), D2('8'), D2('9'),
#undef D2
};

void events__put_digits(char *p, unsigned v, int n) {
        /* Two digits at a time from the right, then an odd one. */
        for (; n >= 2; n -= 2, v /= 100)
                memcpy(p + n - 2, digits2[v % 100], 2);
        if (n)
                p[0] = (char)('0' + v % 10);
}

size_t events_timestamp_format(int64_t us, char *buf, size_t size) {
        int64_t secs, days, sod;
        int y, m, d;
        unsigned frac;

        if (!buf || size < EVENTS_TIMESTAMP_LEN + 1 || us < EVENTS__TS_MIN_US ||
            us > EVENTS__TS_MAX_US) {
                if (buf && size)
                        buf[0] = '\0';
                return 0;
        }
        /* Floor divisions: times before 1970 are negative. */
        secs = us / 1000000;
        if (us % 1000000 < 0)
                secs--;
        frac = (unsigned)(us - secs * 1000000);
        days = secs / 86400;
        if (secs % 86400 < 0)
                days--;
        sod = secs - days * 86400;
        events__civil_from_days(days, &y, &m, &d);

        events__put_digits(buf, (unsigned)y, 4);
        buf[4] = '-';
        events__put_digits(buf + 5, (unsigned)m, 2);
        buf[7] = '-';
        events__put_digits(buf + 8, (unsigned)d, 2);
        buf[10] = 'T';
        events__put_digits(buf + 11, (unsigned)(sod / 3600), 2);
        buf[13] = ':';
        events__put_digits(buf + 14, (unsigned)(sod / 60 % 60), 2);
        buf[16] = ':';
        events__put_digits(buf + 17, (unsigned)(sod % 60), 2);
        buf[19] = '.';
        events__put_digits(buf + EVENTS__TS_HEAD_LEN, frac, 6);
        buf[EVENTS_TIMESTAMP_LEN - 1] = 'Z';
        buf[EVENTS_TIMESTAMP_LEN] = '\0';
        return EVENTS_TIMESTAMP_LEN;
}

int64_t events__mono_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t events_now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
