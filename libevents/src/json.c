/*
 * json.c - strict JSON in, for the envelope module.
 *
 * Valid documents take a fast path: a one-pass parser that builds jansson
 * values directly (json_loadb() reads through a per-byte stream and cost
 * the producer most of its time). Anything the fast path does not accept
 * is parsed again by the slow path, which reports the error: one fast
 * pre-scan of the raw bytes enforces what jansson cannot or reports
 * imprecisely (the nesting limit, NUL bytes raw and \u0000, UTF-8
 * validity, lone surrogate escapes, control characters and bad escapes in
 * strings) with the exact byte offset; then jansson's json_loadb() with
 * JSON_REJECT_DUPLICATES reports the rest (syntax, trailing data, duplicate
 * keys, number overflow). jansson's error position points just past the
 * token it had read, so it is mapped back to that token's first byte.
 * Both paths can also tell where things are in the input bytes: the
 * top-level value, the brace that closes a top-level object, and the value
 * of one top-level member whose name the caller gives (events__json_top_t).
 * What a caller does with those offsets is its own business.
 *
 * Writing JSON back is json_write.c.
 */
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_int.h"
#include "number_int.h"

/* Byte classes outside strings. Only these bytes need a look; everything
 * else (digits, letters, whitespace) is left to jansson. */
enum { B_PLAIN = 0, B_QUOTE, B_OPEN, B_CLOSE, B_COMMA, B_COLON, B_NUL, B_HIGH };

static const unsigned char outer_class[256] = {
        [0] = B_NUL,     ['"'] = B_QUOTE, ['{'] = B_OPEN,
        ['['] = B_OPEN,  ['}'] = B_CLOSE, [']'] = B_CLOSE,
        [','] = B_COMMA, [':'] = B_COLON, [0x80 ... 0xff] = B_HIGH,
};

/* Byte classes inside strings: 0 for bytes copied as they are. */
enum { S_PLAIN = 0, S_QUOTE, S_BSLASH, S_NUL, S_CTRL, S_HIGH };

static const unsigned char string_class[256] = {
        [0] = S_NUL,       [1 ... 0x1f] = S_CTRL,    ['"'] = S_QUOTE,
        ['\\'] = S_BSLASH, [0x80 ... 0xff] = S_HIGH,
};

/* The length of the valid UTF-8 sequence at b[0..n) (n >= 1): 1 to 4, or 0
 * when it is invalid (overlong, a surrogate, above U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *b, size_t n) {
        unsigned char c = b[0];

        if (c < 0x80)
                return 1;
        if (c < 0xc2)
                return 0; /* continuation byte, or overlong 2-byte lead */
        if (c < 0xe0)
                return n >= 2 && (b[1] & 0xc0) == 0x80 ? 2 : 0;
        if (c < 0xf0) {
                if (n < 3 || (b[1] & 0xc0) != 0x80 || (b[2] & 0xc0) != 0x80)
                        return 0;
                if ((c == 0xe0 && b[1] < 0xa0) || (c == 0xed && b[1] > 0x9f))
                        return 0; /* overlong, or UTF-16 surrogate */
                return 3;
        }
        if (c < 0xf5) {
                if (n < 4 || (b[1] & 0xc0) != 0x80 || (b[2] & 0xc0) != 0x80 ||
                    (b[3] & 0xc0) != 0x80)
                        return 0;
                if ((c == 0xf0 && b[1] < 0x90) || (c == 0xf4 && b[1] > 0x8f))
                        return 0; /* overlong, or above U+10FFFF */
                return 4;
        }
        return 0;
}

size_t events__utf8_seq(const unsigned char *b, size_t n) {
        return utf8_seq(b, n);
}

/* Four hex digits at p, or -1. */
static int hex4(const unsigned char *p) {
        int v = 0;

        for (int k = 0; k < 4; k++) {
                unsigned c = p[k], d;

                if (c - '0' < 10)
                        d = c - '0';
                else if ((c | 0x20) - 'a' < 6)
                        d = (c | 0x20) - 'a' + 10;
                else
                        return -1;
                v = (v << 4) | (int)d;
        }
        return v;
}

void events__error_locate(events_error_t *err, const char *buf, size_t len,
                          size_t offset) {
        int line = 1, col = 1;

        if (!err)
                return;
        err->offset = offset;
        if (!buf)
                return;
        if (offset > len)
                offset = len;
        for (size_t i = 0; i < offset; i++) {
                unsigned char c = (unsigned char)buf[i];

                if (c == '\n') {
                        line++;
                        col = 1;
                } else if ((c & 0xc0) != 0x80) {
                        col++;
                }
        }
        err->line = line;
        err->column = col;
}

/* A failure found by the pre-scan: its code, offset and text. */
typedef struct scan_fail_s {
        events_err_t code;
        size_t offset;
        char text[96];
} scan_fail_t;

static events_err_t scan_failed(scan_fail_t *f, events_err_t code,
                                size_t offset, const char *fmt, ...)
        EVENTS__PRINTF(4, 5);

static events_err_t scan_failed(scan_fail_t *f, events_err_t code,
                                size_t offset, const char *fmt, ...) {
        va_list ap;

        f->code = code;
        f->offset = offset;
        va_start(ap, fmt);
        vsnprintf(f->text, sizeof(f->text), fmt, ap);
        va_end(ap);
        return code;
}

/*
 * Check the string whose opening quote is at b[i]. On success *endp is the
 * offset just past its closing quote (or len when it is unterminated, which
 * jansson reports) and *escp whether it holds a backslash escape.
 */
static events_err_t scan_string(const unsigned char *b, size_t len, size_t i,
                                size_t *endp, int *escp, scan_fail_t *f) {
        size_t j = i + 1, n;
        int cp, lo;

        *escp = 0;
        for (;;) {
                while (j < len && string_class[b[j]] == S_PLAIN)
                        j++;
                if (j >= len) {
                        *endp = len;
                        return EVENTS_OK;
                }
                switch (string_class[b[j]]) {
                case S_QUOTE:
                        *endp = j + 1;
                        return EVENTS_OK;
                case S_BSLASH:
                        *escp = 1;
                        if (j + 1 >= len) {
                                *endp = len;
                                return EVENTS_OK;
                        }
                        switch (b[j + 1]) {
                        case '"':
                        case '\\':
                        case '/':
                        case 'b':
                        case 'f':
                        case 'n':
                        case 'r':
                        case 't':
                                j += 2;
                                break;
                        case 'u':
                                cp = len - j >= 6 ? hex4(b + j + 2) : -1;
                                if (cp < 0)
                                        return scan_failed(
                                                f, EVENTS_ERR_JSON, j,
                                                "invalid \\u escape in a "
                                                "string");
                                if (cp == 0)
                                        return scan_failed(
                                                f, EVENTS_ERR_NUL, j,
                                                "\\u0000 (NUL) in a string");
                                if (cp >= 0xdc00 && cp <= 0xdfff)
                                        return scan_failed(
                                                f, EVENTS_ERR_UTF8, j,
                                                "lone low surrogate \\u%04X",
                                                (unsigned)cp);
                                if (cp < 0xd800 || cp > 0xdbff) {
                                        j += 6;
                                        break;
                                }
                                /* A high surrogate needs a low one. */
                                if (len - j >= 8 && b[j + 6] == '\\' &&
                                    b[j + 7] == 'u') {
                                        lo = len - j >= 12 ? hex4(b + j + 8)
                                                           : -1;
                                        if (lo < 0)
                                                return scan_failed(
                                                        f, EVENTS_ERR_JSON,
                                                        j + 6,
                                                        "invalid \\u escape "
                                                        "in a string");
                                } else {
                                        lo = -1;
                                }
                                if (lo < 0xdc00 || lo > 0xdfff)
                                        return scan_failed(
                                                f, EVENTS_ERR_UTF8, j,
                                                "lone high surrogate \\u%04X",
                                                (unsigned)cp);
                                j += 12;
                                break;
                        default:
                                return scan_failed(
                                        f, EVENTS_ERR_JSON, j,
                                        "invalid escape \\%c in a string",
                                        b[j + 1] >= 0x20 && b[j + 1] < 0x7f
                                                ? b[j + 1]
                                                : '?');
                        }
                        break;
                case S_NUL:
                        return scan_failed(f, EVENTS_ERR_NUL, j,
                                           "NUL byte in a string");
                case S_CTRL:
                        return scan_failed(f, EVENTS_ERR_JSON, j,
                                           "control character 0x%02x in a "
                                           "string (escape it)",
                                           b[j]);
                default: /* S_HIGH */
                        n = utf8_seq(b + j, len - j);
                        if (!n)
                                return scan_failed(f, EVENTS_ERR_UTF8, j,
                                                   "invalid UTF-8 byte 0x%02x",
                                                   b[j]);
                        j += n;
                        break;
                }
        }
}

static int is_ws(unsigned char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The named member's value, which started at top->value_offset, ends
 * before the delimiter at b[i] and the white space in front of it. */
static void prescan_value_end(const unsigned char *b, size_t i,
                              events__json_top_t *top) {
        while (i > top->value_offset && is_ws(b[i - 1]))
                i--;
        top->value_len = i - top->value_offset;
}

/*
 * The pre-scan: one pass over the bytes that checks what is listed at the
 * top of this file and fills @p top (top->member is read). It tracks
 * strings and nesting only; the grammar is jansson's job, so on input
 * jansson will reject anyway the offsets in @p top may mean nothing.
 */
static events_err_t prescan(const unsigned char *b, size_t len, int max_depth,
                            events__json_top_t *top, scan_fail_t *f) {
        size_t i = 0, end = 0, n;
        int depth = 0, esc;
        int in_top = 0;   /* directly inside the top-level object */
        int seen_top = 0; /* the top-level value has started */
        int key_next = 0; /* in_top: the next string is a key */
        int named = 0;    /* in_top: the last key was top->member */
        int in_value = 0; /* in_top: inside the named member's value */
        events_err_t rc;

        top->start = EVENTS__NPOS;
        top->close = EVENTS__NPOS;
        top->value_offset = EVENTS__NPOS;
        top->value_len = 0;
        top->escaped_key = 0;

        while (i < len &&
               (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
                i++;
        top->start = i;

        while (i < len) {
                unsigned char c = b[i];

                switch (outer_class[c]) {
                case B_PLAIN:
                        i++;
                        while (i < len && outer_class[b[i]] == B_PLAIN)
                                i++;
                        break;
                case B_QUOTE:
                        if ((rc = scan_string(b, len, i, &end, &esc, f)))
                                return rc;
                        if (in_top && depth == 1 && key_next) {
                                top->escaped_key |= esc;
                                named = top->member &&
                                        end - i == top->member_len + 2 &&
                                        !memcmp(b + i + 1, top->member,
                                                top->member_len);
                        }
                        i = end;
                        break;
                case B_OPEN:
                        if (++depth > max_depth)
                                return scan_failed(
                                        f, EVENTS_ERR_TOO_DEEP, i,
                                        "nesting deeper than %d levels",
                                        max_depth);
                        if (depth == 1 && !seen_top) {
                                seen_top = 1;
                                in_top = c == '{';
                                key_next = 1;
                        }
                        i++;
                        break;
                case B_CLOSE:
                        if (depth == 1 && in_top) {
                                if (in_value)
                                        prescan_value_end(b, i, top);
                                if (c == '}')
                                        top->close = i;
                                in_top = in_value = 0;
                        }
                        if (depth > 0)
                                depth--;
                        i++;
                        break;
                case B_COMMA:
                        if (depth == 1) {
                                if (in_value)
                                        prescan_value_end(b, i, top);
                                key_next = 1;
                                named = in_value = 0;
                        }
                        i++;
                        break;
                case B_COLON:
                        if (depth == 1) {
                                key_next = 0;
                                if (in_top && named) {
                                        n = i + 1;
                                        while (n < len && is_ws(b[n]))
                                                n++;
                                        top->value_offset = n;
                                        in_value = 1;
                                        named = 0;
                                }
                        }
                        i++;
                        break;
                case B_NUL:
                        return scan_failed(f, EVENTS_ERR_NUL, i, "NUL byte");
                default: /* B_HIGH: not valid JSON here, but is it UTF-8? */
                        n = utf8_seq(b + i, len - i);
                        if (!n)
                                return scan_failed(f, EVENTS_ERR_UTF8, i,
                                                   "invalid UTF-8 byte 0x%02x",
                                                   c);
                        i += n;
                        break;
                }
        }
        return EVENTS_OK;
}

static int is_delim(unsigned char c) {
        return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' ||
               c == ',' || c == '"';
}

/*
 * The first byte of the token that holds byte pos - 1, or pos when that
 * byte is whitespace. jansson's error position is just past the token it
 * was reading (the duplicate key, the number that overflows, the
 * unexpected word); users want where that token begins.
 */
static size_t token_start(const unsigned char *b, size_t len, size_t pos) {
        size_t i = 0, s, e;

        if (pos == 0)
                return 0;
        if (pos > len)
                pos = len;
        while (i < len) {
                while (i < len && is_ws(b[i]))
                        i++;
                if (i >= pos)
                        return pos;
                s = i;
                if (b[i] == '"') {
                        for (e = i + 1; e < len; e++) {
                                if (b[e] == '\\')
                                        e++;
                                else if (b[e] == '"')
                                        break;
                        }
                        e = e < len ? e + 1 : len;
                } else if (is_delim(b[i])) {
                        e = i + 1;
                } else {
                        for (e = i + 1; e < len; e++)
                                if (is_ws(b[e]) || is_delim(b[e]))
                                        break;
                }
                if (pos - 1 < e)
                        return s;
                i = e;
        }
        return pos;
}

static events_err_t map_jansson_code(enum json_error_code c) {
        switch (c) {
        case json_error_out_of_memory:
                return EVENTS_ERR_NOMEM;
        case json_error_stack_overflow:
                return EVENTS_ERR_TOO_DEEP;
        case json_error_invalid_argument:
                return EVENTS_ERR_INVALID_ARG;
        case json_error_invalid_utf8:
                return EVENTS_ERR_UTF8;
        case json_error_null_character:
        case json_error_null_byte_in_key:
                return EVENTS_ERR_NUL;
        case json_error_duplicate_key:
                return EVENTS_ERR_DUPLICATE_KEY;
        case json_error_numeric_overflow:
                return EVENTS_ERR_NUMBER_OVERFLOW;
        default:
                return EVENTS_ERR_JSON;
        }
}

/* The offset and text that a jansson error maps to. */
static events_err_t jansson_fail(const json_error_t *je, const unsigned char *b,
                                 size_t len, scan_fail_t *f) {
        enum json_error_code jc = json_error_code(je);
        events_err_t code = map_jansson_code(jc);
        size_t pos = je->position > 0 ? (size_t)je->position : 0, off, n;

        if (pos > len)
                pos = len;
        /* At the end of input the place to point at is the end itself. */
        off = jc == json_error_premature_end_of_input
                      ? pos
                      : token_start(b, len, pos);
        n = pos > off ? pos - off : 0;
        if (n > 60)
                n = 60;
        switch (code) {
        case EVENTS_ERR_DUPLICATE_KEY:
                return scan_failed(f, code, off, "duplicate key %.*s", (int)n,
                                   (const char *)b + off);
        case EVENTS_ERR_NUMBER_OVERFLOW:
                return scan_failed(f, code, off,
                                   "number %.*s%s does not fit a 64-bit "
                                   "integer or a double",
                                   (int)n, (const char *)b + off,
                                   pos - off > n ? "..." : "");
        default:
                if (jc == json_error_end_of_input_expected)
                        return scan_failed(f, code, off,
                                           "unexpected data after the JSON "
                                           "value");
                return scan_failed(f, code, off, "%s", je->text);
        }
}

#define JANSSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

/*
 * The fast path. json_loadb() reads through a per-byte stream and costs
 * about 190 instructions a byte (callgrind, 170-byte envelopes): most of
 * the producer's time. This parser builds the same jansson values in one
 * pass over the bytes at a fraction of that. It only has to be right on
 * valid input: on anything it does not accept it gives up, and the
 * pre-scan and jansson parse the document again to report the error, so
 * every error text, code and offset comes from one place.
 * test_json.c checks that both paths accept the same documents and build
 * equal values.
 */
typedef struct fast_s {
        const unsigned char *b;
        size_t len;
        size_t i;
        int depth;
        int max_depth;
        events__json_top_t *top;
        char *scratch; /* unescaped strings */
        size_t scratch_cap;
} fast_t;

static const unsigned char ws_byte[256] = {
        [' '] = 1,
        ['\t'] = 1,
        ['\n'] = 1,
        ['\r'] = 1,
};

static void fast_ws(fast_t *p) {
        while (p->i < p->len && ws_byte[p->b[p->i]])
                p->i++;
}

static size_t utf8_put(unsigned cp, char *o) {
        if (cp < 0x80) {
                o[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char)(0xc0 | (cp >> 6));
                o[1] = (char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char)(0xe0 | (cp >> 12));
                o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                o[2] = (char)(0x80 | (cp & 0x3f));
                return 3;
        }
        o[0] = (char)(0xf0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
}

/*
 * The string whose opening quote is at p->i. *sp and *np get its bytes:
 * in the input when it has no escape (*escp = 0), else unescaped into
 * p->scratch, valid until the next escaped string. @returns 0 or -1.
 */
static int fast_string(fast_t *p, const char **sp, size_t *np, int *escp) {
        const unsigned char *b = p->b;
        size_t len = p->len, start = p->i + 1, j = start, end, n;
        long un;

        for (;;) {
                while (j < len && string_class[b[j]] == S_PLAIN)
                        j++;
                if (j >= len)
                        return -1;
                if (b[j] == '"') {
                        *sp = (const char *)b + start;
                        *np = j - start;
                        *escp = 0;
                        p->i = j + 1;
                        return 0;
                }
                if (b[j] == '\\')
                        break;
                if (b[j] < 0x80 || !(n = utf8_seq(b + j, len - j)))
                        return -1; /* NUL, control character, bad UTF-8 */
                j += n;
        }
        /* Escaped: find the end, then unescape everything into scratch
         * (never longer than the raw text). */
        if ((end = events__json_string_end(b, len, j)) >= len)
                return -1;
        if (end - start > p->scratch_cap) {
                size_t cap = (end - start) * 2 + 64;
                char *q = realloc(p->scratch, cap);

                if (!q)
                        return -1;
                p->scratch = q;
                p->scratch_cap = cap;
        }
        if ((un = events__json_unescape(b, start, end, p->scratch)) < 0)
                return -1;
        *sp = p->scratch;
        *np = (size_t)un;
        *escp = 1;
        p->i = end + 1;
        return 0;
}

size_t events__json_string_end(const unsigned char *b, size_t len, size_t j) {
        size_t end;

        for (end = j; end < len && b[end] != '"'; end++)
                if (b[end] == '\\')
                        end++;
        return end < len ? end : len;
}

long events__json_unescape(const unsigned char *b, size_t start, size_t end,
                           char *out) {
        char *o = out;
        size_t j = start, n;

        while (j < end) {
                unsigned char c = b[j];
                int cp, lo;

                if (string_class[c] == S_PLAIN) {
                        *o++ = (char)c;
                        j++;
                        continue;
                }
                if (c != '\\') {
                        if (c < 0x80 || !(n = utf8_seq(b + j, end - j)))
                                return -1;
                        memcpy(o, b + j, n);
                        o += n;
                        j += n;
                        continue;
                }
                if (end - j < 2)
                        return -1;
                switch (b[j + 1]) {
                case '"':
                case '\\':
                case '/':
                        *o++ = (char)b[j + 1];
                        break;
                case 'b':
                        *o++ = '\b';
                        break;
                case 'f':
                        *o++ = '\f';
                        break;
                case 'n':
                        *o++ = '\n';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                case 'u':
                        if (end - j < 6 || (cp = hex4(b + j + 2)) <= 0 ||
                            (cp >= 0xdc00 && cp <= 0xdfff))
                                return -1; /* bad, NUL, lone low */
                        if (cp >= 0xd800 && cp <= 0xdbff) {
                                if (end - j < 12 || b[j + 6] != '\\' ||
                                    b[j + 7] != 'u' ||
                                    (lo = hex4(b + j + 8)) < 0xdc00 ||
                                    lo > 0xdfff)
                                        return -1; /* lone high */
                                cp = 0x10000 + ((cp - 0xd800) << 10) +
                                     (lo - 0xdc00);
                                j += 6;
                        }
                        o += utf8_put((unsigned)cp, o);
                        j += 6;
                        continue;
                default:
                        return -1;
                }
                j += 2;
        }
        return (long)(o - out);
}

/* A number, read the way jansson reads it: an integer when it has no
 * fraction or exponent (and must fit json_int_t), else a finite double. */
static json_t *fast_number(fast_t *p) {
        const unsigned char *b = p->b;
        size_t len = p->len, s = p->i, j = s, digits;
        int neg, real;

        if (events__number_scan(b, len, s, &j, &neg, &real, &digits))
                return NULL;
        p->i = j;
        if (!real) {
                unsigned long long u = 0;

                if (digits > 19)
                        return NULL;
                for (size_t k = s + (size_t)neg; k < j; k++)
                        u = u * 10 + (unsigned)(b[k] - '0');
                if (u > (neg ? 1ULL << 63 : (1ULL << 63) - 1))
                        return NULL;
                if (neg)
                        return json_integer(u == 1ULL << 63 ? INT64_MIN
                                                            : -(json_int_t)u);
                return json_integer((json_int_t)u);
        } else {
                char small[64], *tmp = small, *end;
                int ok;
                double d;

                /* strtod() needs a NUL-terminated copy. */
                if (j - s >= sizeof(small) && !(tmp = malloc(j - s + 1)))
                        return NULL;
                memcpy(tmp, b + s, j - s);
                tmp[j - s] = '\0';
                d = strtod(tmp, &end);
                /* A locale whose decimal point is not '.' stops strtod
                 * early: jansson knows how to cope with that. */
                ok = end == tmp + (j - s) && !isinf(d);
                if (tmp != small)
                        free(tmp);
                return ok ? json_real(d) : NULL;
        }
}

static json_t *fast_value(fast_t *p);

static json_t *fast_object(fast_t *p) {
        events__json_top_t *top = p->depth == 1 ? p->top : NULL;
        json_t *obj = json_object(), *v;
        const char *k;
        char *kcopy = NULL;
        size_t klen, vstart, before;
        int esc, named;

        if (!obj)
                return NULL;
        p->i++;
        fast_ws(p);
        if (p->i < p->len && p->b[p->i] == '}')
                goto close;
        for (;;) {
                if (p->i >= p->len || p->b[p->i] != '"' ||
                    fast_string(p, &k, &klen, &esc))
                        goto fail;
                if (esc) { /* scratch is reused by the value */
                        if (top)
                                top->escaped_key = 1;
                        if (!(kcopy = malloc(klen + 1)))
                                goto fail;
                        memcpy(kcopy, k, klen);
                        k = kcopy;
                }
                fast_ws(p);
                if (p->i >= p->len || p->b[p->i] != ':')
                        goto fail;
                p->i++;
                fast_ws(p);
                vstart = p->i;
                /* As the pre-scan: only a key written without escapes. */
                named = top && top->member && !esc && klen == top->member_len &&
                        !memcmp(k, top->member, klen);
                if (!(v = fast_value(p)))
                        goto fail;
                if (named) {
                        top->value_offset = vstart;
                        top->value_len = p->i - vstart;
                }
                before = json_object_size(obj);
                if (json_object_setn_new_nocheck(obj, k, klen, v) ||
                    json_object_size(obj) == before)
                        goto fail; /* no memory, or a duplicate key */
                free(kcopy);
                kcopy = NULL;
                fast_ws(p);
                if (p->i < p->len && p->b[p->i] == ',') {
                        p->i++;
                        fast_ws(p);
                        continue;
                }
                if (p->i < p->len && p->b[p->i] == '}')
                        break;
                goto fail;
        }
close:
        if (top)
                top->close = p->i;
        p->i++;
        return obj;
fail:
        free(kcopy);
        json_decref(obj);
        return NULL;
}

static json_t *fast_array(fast_t *p) {
        json_t *arr = json_array(), *v;

        if (!arr)
                return NULL;
        p->i++;
        fast_ws(p);
        if (p->i < p->len && p->b[p->i] == ']') {
                p->i++;
                return arr;
        }
        for (;;) {
                if (!(v = fast_value(p)) || json_array_append_new(arr, v))
                        break;
                fast_ws(p);
                if (p->i < p->len && p->b[p->i] == ',') {
                        p->i++;
                        fast_ws(p);
                        continue;
                }
                if (p->i < p->len && p->b[p->i] == ']') {
                        p->i++;
                        return arr;
                }
                break;
        }
        json_decref(arr);
        return NULL;
}

static json_t *fast_value(fast_t *p) {
        const char *s;
        size_t n;
        int esc;
        json_t *v;

        if (p->i >= p->len)
                return NULL;
        switch (p->b[p->i]) {
        case '{':
        case '[':
                if (++p->depth > p->max_depth)
                        return NULL;
                v = p->b[p->i] == '{' ? fast_object(p) : fast_array(p);
                p->depth--;
                return v;
        case '"':
                if (fast_string(p, &s, &n, &esc))
                        return NULL;
                return json_stringn_nocheck(s, n);
        case 't':
                if (p->len - p->i >= 4 && !memcmp(p->b + p->i, "true", 4)) {
                        p->i += 4;
                        return json_true();
                }
                return NULL;
        case 'f':
                if (p->len - p->i >= 5 && !memcmp(p->b + p->i, "false", 5)) {
                        p->i += 5;
                        return json_false();
                }
                return NULL;
        case 'n':
                if (p->len - p->i >= 4 && !memcmp(p->b + p->i, "null", 4)) {
                        p->i += 4;
                        return json_null();
                }
                return NULL;
        default:
                return fast_number(p);
        }
}

json_t *events__json_parse_fast(const char *buf, size_t len, int max_depth,
                                events__json_top_t *top) {
        events__json_top_t t;
        fast_t p = {.b = (const unsigned char *)buf,
                    .len = len,
                    .max_depth = max_depth < JSON_PARSER_MAX_DEPTH
                                         ? max_depth
                                         : JSON_PARSER_MAX_DEPTH,
                    .top = &t};
        json_t *v;

        t.member = top ? top->member : NULL;
        t.member_len = top ? top->member_len : 0;
        t.close = EVENTS__NPOS;
        t.value_offset = EVENTS__NPOS;
        t.value_len = 0;
        t.escaped_key = 0;
        fast_ws(&p);
        t.start = p.i;
        v = fast_value(&p);
        free(p.scratch);
        if (!v)
                return NULL;
        fast_ws(&p);
        if (p.i != len) {
                json_decref(v);
                return NULL;
        }
        if (!json_is_object(v))
                t.close = EVENTS__NPOS;
        if (top)
                *top = t;
        return v;
}

events_err_t events__json_parse_slow(json_t **out, const char *buf, size_t len,
                                     int max_depth, events_error_t *err,
                                     events__json_top_t *top) {
        const unsigned char *b = (const unsigned char *)buf;
        events__json_top_t t;
        scan_fail_t f;
        json_error_t je;
        json_t *j;
        events_err_t rc;

        *out = NULL;
        t.member = top ? top->member : NULL;
        t.member_len = top ? top->member_len : 0;
        rc = prescan(b, len, max_depth, &t, &f);
        if (rc) {
                /* Report the first error in the document: jansson may find
                 * one before the pre-scan's, in the bytes before it. */
                j = json_loadb(buf, f.offset, JANSSON_FLAGS, &je);
                if (j) {
                        json_decref(j);
                } else if (json_error_code(&je) !=
                           json_error_premature_end_of_input) {
                        scan_fail_t early;

                        jansson_fail(&je, b, f.offset, &early);
                        if (early.offset < f.offset)
                                f = early;
                }
        } else {
                j = json_loadb(buf, len, JANSSON_FLAGS, &je);
                if (j) {
                        if (top)
                                *top = t;
                        *out = j;
                        return EVENTS_OK;
                }
                jansson_fail(&je, b, len, &f);
        }
        events__error_set(err, f.code, "%s", f.text);
        events__error_locate(err, buf, len, f.offset);
        return f.code;
}

events_err_t events__json_parse_top(json_t **out, const char *buf, size_t len,
                                    size_t max_bytes, int max_depth,
                                    events_error_t *err,
                                    events__json_top_t *top) {
        if (out)
                *out = NULL;
        if (!out || (!buf && len) || max_depth < 0)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (!buf)
                buf = "";
        if (!max_bytes)
                max_bytes = EVENTS_DEFAULT_MAX_BYTES;
        if (!max_depth)
                max_depth = EVENTS_DEFAULT_MAX_DEPTH;
        if (len > max_bytes || len > INT_MAX) {
                size_t limit = max_bytes < INT_MAX ? max_bytes : INT_MAX;

                events__error_set(err, EVENTS_ERR_TOO_LARGE,
                                  "document of %zu bytes is larger than the "
                                  "limit of %zu bytes",
                                  len, limit);
                events__error_locate(err, buf, len, limit);
                return EVENTS_ERR_TOO_LARGE;
        }
        if ((*out = events__json_parse_fast(buf, len, max_depth, top)))
                return EVENTS_OK;
        return events__json_parse_slow(out, buf, len, max_depth, err, top);
}

events_err_t events_json_parse(json_t **out, const char *buf, size_t len,
                               size_t max_bytes, int max_depth,
                               events_error_t *err) {
        return events__json_parse_top(out, buf, len, max_bytes, max_depth, err,
                                      NULL);
}
