/*
 * json.c - strict JSON in, compact JSON out, for the envelope module.
 *
 * Parsing is jansson's json_loadb() behind one fast pre-scan of the raw
 * bytes. The pre-scan enforces what jansson cannot or reports imprecisely:
 * the nesting limit, NUL bytes (raw and \u0000), UTF-8 validity, lone
 * surrogate escapes, control characters and bad escapes in strings, each
 * with the exact byte offset of the offending byte. On the way it notes
 * where the top-level object's "timestamp" value and closing brace are, so
 * that the producer can splice a timestamp into the input bytes. jansson
 * then builds the tree and reports the rest (syntax, trailing data,
 * duplicate keys, number overflow); its error position points just past
 * the token it had read, so we map it back to that token's first byte.
 *
 * The serializer walks jansson values itself rather than calling
 * json_dumps(): it writes reals with the shortest text that reads back the
 * same (json_dumps writes 0.1 as 0.10000000000000001), and it lets
 * event.c write the envelope's members in a fixed order without building a
 * second object.
 */
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_int.h"

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

/*
 * The pre-scan: one pass over the bytes that checks what is listed at the
 * top of this file and fills @p top. It tracks strings and nesting only;
 * the grammar is jansson's job, so on input jansson will reject anyway the
 * offsets in @p top may mean nothing.
 */
static events_err_t prescan(const unsigned char *b, size_t len, int max_depth,
                            events__json_top_t *top, scan_fail_t *f) {
        size_t i = 0, end = 0, n;
        int depth = 0, esc;
        int in_top = 0;   /* directly inside the top-level object */
        int seen_top = 0; /* the top-level value has started */
        int key_next = 0; /* in_top: the next string is a key */
        int ts_key = 0;   /* in_top: the last key was "timestamp" */
        events_err_t rc;

        top->start = EVENTS__NPOS;
        top->close = EVENTS__NPOS;
        top->ts_offset = EVENTS__NPOS;
        top->ts_len = 0;
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
                        if (in_top && depth == 1) {
                                if (key_next) {
                                        top->escaped_key |= esc;
                                        ts_key = end - i == 11 &&
                                                 !memcmp(b + i, "\"timestamp\"",
                                                         11);
                                } else if (ts_key) {
                                        top->ts_offset = i;
                                        top->ts_len = end - i;
                                }
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
                                if (c == '}')
                                        top->close = i;
                                in_top = 0;
                        }
                        if (depth > 0)
                                depth--;
                        i++;
                        break;
                case B_COMMA:
                        if (depth == 1) {
                                key_next = 1;
                                ts_key = 0;
                        }
                        i++;
                        break;
                case B_COLON:
                        if (depth == 1)
                                key_next = 0;
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

static int is_ws(unsigned char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
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

events_err_t events__json_parse_top(json_t **out, const char *buf, size_t len,
                                    size_t max_bytes, int max_depth,
                                    events_error_t *err,
                                    events__json_top_t *top) {
        const unsigned char *b = (const unsigned char *)buf;
        events__json_top_t t;
        scan_fail_t f;
        json_error_t je;
        json_t *j;
        events_err_t rc;

        if (out)
                *out = NULL;
        if (!out || (!buf && len) || max_depth < 0)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (!buf)
                buf = "", b = (const unsigned char *)buf;
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

events_err_t events_json_parse(json_t **out, const char *buf, size_t len,
                               size_t max_bytes, int max_depth,
                               events_error_t *err) {
        return events__json_parse_top(out, buf, len, max_bytes, max_depth, err,
                                      NULL);
}

/* Serialization. */

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

size_t events__real_format(double d, char *buf) {
        int n = 0, need_point = 1;

        if (!isfinite(d)) { /* jansson never holds these; stay valid JSON */
                memcpy(buf, "null", 5);
                return 4;
        }
        /* 15 significant digits always read back as written (DBL_DIG), so
         * when they read back as d they are also the shortest such text. */
        for (int prec = 15; prec <= 17; prec++) {
                n = snprintf(buf, EVENTS__REAL_BUFSIZE, "%.*g", prec, d);
                if (prec == 17 || strtod(buf, NULL) == d)
                        break;
        }
        for (int i = 0; i < n; i++) {
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
        return (size_t)n;
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
