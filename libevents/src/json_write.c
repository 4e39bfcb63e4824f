/*
 * json_write.c - compact JSON out, for the envelope module.
 *
 * The serializer walks jansson values itself rather than calling
 * json_dumps(): it writes reals with the shortest text that reads back the
 * same (json_dumps writes 0.1 as 0.10000000000000001), it lets event.c
 * write the envelope's members in a fixed order without building a second
 * object, and it writes into one growable buffer with no callback per
 * chunk. Partition keys use the same number formatting.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_int.h"

int events__buf_reserve(events__buf_t *b, size_t n) {
        size_t need, cap;
        char *p;

        if (n > SIZE_MAX / 2 - b->len)
                return -1;
        need = b->len + n + 1;
        if (need <= b->cap)
                return 0;
        cap = b->cap ? b->cap : 256;
        while (cap < need)
                cap *= 2;
        p = realloc(b->p, cap);
        if (!p)
                return -1;
        b->p = p;
        b->cap = cap;
        return 0;
}

int events__buf_put(events__buf_t *b, const void *p, size_t n) {
        if (events__buf_reserve(b, n))
                return -1;
        memcpy(b->p + b->len, p, n);
        b->len += n;
        b->p[b->len] = '\0';
        return 0;
}

static int buf_putc(events__buf_t *b, char c) {
        if (b->len + 1 >= b->cap && events__buf_reserve(b, 1))
                return -1;
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return 0;
}

/* How a byte is written inside a JSON string: 0 as it is, 'u' as \u00XX,
 * any other letter as a backslash and that letter. */
static const char escape_as[256] = {
        [0 ... 7] = 'u', ['\b'] = 'b',  ['\t'] = 't', ['\n'] = 'n',
        [0x0b] = 'u',    ['\f'] = 'f',  ['\r'] = 'r', [0x0e ... 0x1f] = 'u',
        ['"'] = '"',     ['\\'] = '\\',
};

int events__json_dump_string(events__buf_t *b, const char *s, size_t len) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *u = (const unsigned char *)s;
        size_t start = 0;

        if (buf_putc(b, '"'))
                return -1;
        for (size_t i = 0; i < len; i++) {
                char e = escape_as[u[i]];
                char seq[6];
                size_t n;

                if (!e)
                        continue;
                if (events__buf_put(b, s + start, i - start))
                        return -1;
                start = i + 1;
                seq[0] = '\\';
                seq[1] = e;
                n = 2;
                if (e == 'u') {
                        seq[2] = '0';
                        seq[3] = '0';
                        seq[4] = hex[u[i] >> 4];
                        seq[5] = hex[u[i] & 0xf];
                        n = 6;
                }
                if (events__buf_put(b, seq, n))
                        return -1;
        }
        if (events__buf_put(b, s + start, len - start) || buf_putc(b, '"'))
                return -1;
        return 0;
}

size_t events__int_format(json_int_t v, char *buf) {
        char tmp[24];
        size_t n = 0, len = 0;
        unsigned long long u =
                v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

        do {
                tmp[n++] = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                buf[len++] = '-';
        while (n)
                buf[len++] = tmp[--n];
        buf[len] = '\0';
        return len;
}

/* Write the significant digits dig[0..nd) with decimal exponent x (the
 * value is d.ddd * 10^x) the way printf's %.{prec}g does: trailing zeros
 * dropped, scientific when x < -4 or x >= prec, a two-digit exponent at
 * least. @p pt is the decimal point. @returns the length. */
static size_t g_style(char *buf, int neg, const char *dig, int nd, int x,
                      int prec, char pt) {
        char *o = buf;

        while (nd > 1 && dig[nd - 1] == '0')
                nd--;
        if (neg)
                *o++ = '-';
        if (x < -4 || x >= prec) {
                unsigned ax = (unsigned)(x < 0 ? -x : x);

                *o++ = dig[0];
                if (nd > 1) {
                        *o++ = pt;
                        memcpy(o, dig + 1, (size_t)nd - 1);
                        o += nd - 1;
                }
                *o++ = 'e';
                *o++ = x < 0 ? '-' : '+';
                if (ax >= 100)
                        *o++ = (char)('0' + ax / 100);
                *o++ = (char)('0' + ax / 10 % 10);
                *o++ = (char)('0' + ax % 10);
        } else if (x >= 0) {
                for (int i = 0; i <= x; i++)
                        *o++ = i < nd ? dig[i] : '0';
                if (nd > x + 1) {
                        *o++ = pt;
                        memcpy(o, dig + x + 1, (size_t)(nd - x - 1));
                        o += nd - x - 1;
                }
        } else {
                *o++ = '0';
                *o++ = pt;
                for (int i = 0; i < -x - 1; i++)
                        *o++ = '0';
                memcpy(o, dig, (size_t)nd);
                o += nd;
        }
        *o = '\0';
        return (size_t)(o - buf);
}

/* The plain way: %.{p}g for growing p until it reads back. */
static size_t real_format_slow(double d, char *buf) {
        int n = 0;

        for (int prec = fpclassify(d) == FP_SUBNORMAL ? 1 : 15; prec <= 17;
             prec++) {
                n = snprintf(buf, EVENTS__REAL_BUFSIZE, "%.*g", prec, d);
                if (prec == 17 || strtod(buf, NULL) == d)
                        break;
        }
        return (size_t)n;
}

/*
 * The shortest text for d, from a single printf: %.16e gives the 17
 * significant digits that always read back; shorter candidates are those
 * digits rounded, each checked with strtod(). Rounding the printed digits
 * agrees with printf's own rounding except when the dropped digits are
 * exactly 5, 50, 500...: then printf is asked.
 */
static size_t real_format_fast(double d, char *buf) {
        char sci[40], dig[17], cand[17], pt;
        int n, s, x, neg, first = 15, nd;

        n = snprintf(sci, sizeof(sci), "%.16e", d);
        neg = sci[0] == '-';
        s = neg;
        /* d.dddddddddddddddde[+-]XX[X]; anything else (a multi-byte
         * decimal point) takes the plain way. */
        if (n < s + 22 || sci[s + 18] != 'e')
                return real_format_slow(d, buf);
        pt = sci[s + 1];
        dig[0] = sci[s];
        memcpy(dig + 1, sci + s + 2, 16);
        x = atoi(sci + s + 19);

        if (fpclassify(d) == FP_SUBNORMAL) {
                first = 1;
        } else {
                /* A 15-digit text that reads back lies within half an ulp,
                 * under 12 units of the 17th digit, of d: so when digits
                 * 16-17 are far from 00 it cannot exist. */
                int r = (dig[15] - '0') * 10 + (dig[16] - '0');

                if (r >= 13 && r <= 87)
                        first = 16;
        }
        for (int prec = first; prec <= 16; prec++) {
                int cx = x, up = 0, exact_half = 1;

                memcpy(cand, dig, (size_t)prec);
                if (dig[prec] > '5') {
                        up = 1;
                } else if (dig[prec] == '5') {
                        for (int k = prec + 1; k < 17; k++)
                                if (dig[k] != '0')
                                        exact_half = 0;
                        if (exact_half) { /* printf knows the tie */
                                char t[40];
                                int m = snprintf(t, sizeof(t), "%.*e", prec - 1,
                                                 d);

                                (void)m;
                                cand[0] = t[s];
                                if (prec > 1)
                                        memcpy(cand + 1, t + s + 2,
                                               (size_t)prec - 1);
                                cx = atoi(strchr(t, 'e') + 1);
                        } else {
                                up = 1;
                        }
                }
                if (up) {
                        int k = prec - 1;

                        while (k >= 0 && cand[k] == '9')
                                cand[k--] = '0';
                        if (k >= 0) {
                                cand[k]++;
                        } else { /* 9.99 -> 10.0 */
                                cand[0] = '1';
                                cx++;
                        }
                }
                nd = (int)g_style(buf, neg, cand, prec, cx, prec, pt);
                if (strtod(buf, NULL) == d)
                        return (size_t)nd;
        }
        return g_style(buf, neg, dig, 17, x, 17, pt);
}

size_t events__real_format(double d, char *buf) {
        size_t n;
        int need_point = 1;

        if (!isfinite(d)) { /* jansson never holds these; stay valid JSON */
                memcpy(buf, "null", 5);
                return 4;
        }
        if (d == 0) {
                memcpy(buf, signbit(d) ? "-0.0" : "0.0", signbit(d) ? 5 : 4);
                return signbit(d) ? 4 : 3;
        }
        n = real_format_fast(d, buf);
        for (size_t i = 0; i < n; i++) {
                char c = buf[i];

                if (c == 'e') {
                        need_point = 0;
                } else if ((c < '0' || c > '9') && c != '-' && c != '+') {
                        buf[i] = '.'; /* whatever the locale's decimal point */
                        need_point = 0;
                }
        }
        if (need_point) {
                buf[n++] = '.';
                buf[n++] = '0';
                buf[n] = '\0';
        }
        return n;
}

static events_err_t dump(events__buf_t *b, const json_t *v, int depth) {
        char tmp[EVENTS__REAL_BUFSIZE];
        events_err_t rc;
        size_t n;

        if (depth > EVENTS__DUMP_MAX_DEPTH)
                return EVENTS_ERR_TOO_DEEP;
        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                json_t *o = (json_t *)v;
                void *it = json_object_iter(o);

                if (buf_putc(b, '{'))
                        return EVENTS_ERR_NOMEM;
                for (int first = 1; it;
                     it = json_object_iter_next(o, it), first = 0) {
                        if ((!first && buf_putc(b, ',')) ||
                            events__json_dump_string(
                                    b, json_object_iter_key(it),
                                    json_object_iter_key_len(it)) ||
                            buf_putc(b, ':'))
                                return EVENTS_ERR_NOMEM;
                        if ((rc = dump(b, json_object_iter_value(it),
                                       depth + 1)))
                                return rc;
                }
                return buf_putc(b, '}') ? EVENTS_ERR_NOMEM : EVENTS_OK;
        }
        case JSON_ARRAY:
                if (buf_putc(b, '['))
                        return EVENTS_ERR_NOMEM;
                n = json_array_size(v);
                for (size_t i = 0; i < n; i++) {
                        if (i && buf_putc(b, ','))
                                return EVENTS_ERR_NOMEM;
                        if ((rc = dump(b, json_array_get(v, i), depth + 1)))
                                return rc;
                }
                return buf_putc(b, ']') ? EVENTS_ERR_NOMEM : EVENTS_OK;
        case JSON_STRING:
                return events__json_dump_string(b, json_string_value(v),
                                                json_string_length(v))
                               ? EVENTS_ERR_NOMEM
                               : EVENTS_OK;
        case JSON_INTEGER:
                n = events__int_format(json_integer_value(v), tmp);
                break;
        case JSON_REAL:
                n = events__real_format(json_real_value(v), tmp);
                break;
        case JSON_TRUE:
                return events__buf_put(b, "true", 4) ? EVENTS_ERR_NOMEM
                                                     : EVENTS_OK;
        case JSON_FALSE:
                return events__buf_put(b, "false", 5) ? EVENTS_ERR_NOMEM
                                                      : EVENTS_OK;
        default:
                return events__buf_put(b, "null", 4) ? EVENTS_ERR_NOMEM
                                                     : EVENTS_OK;
        }
        return events__buf_put(b, tmp, n) ? EVENTS_ERR_NOMEM : EVENTS_OK;
}

events_err_t events__json_dump(events__buf_t *b, const json_t *v) {
        if (!b || !v)
                return EVENTS_ERR_INVALID_ARG;
        return dump(b, v, 1);
}
