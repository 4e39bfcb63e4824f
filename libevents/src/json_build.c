/*
 * json_build.c - the fast path of the strict parser: build the jansson tree
 * of a document that json.c's pre-scan has already found clean.
 *
 * Profiling the producer showed jansson's json_loadb() taking over half of
 * each line's time: its lexer reads the input one byte at a time through a
 * stream callback and copies every token into a growing buffer. Building
 * the same values directly (json_object(), json_stringn_nocheck(), ...) from
 * the raw bytes costs a fraction of that.
 *
 * This builder is deliberately partial. It handles what events are made of
 * (objects, arrays, strings with any escape, integers, true, false, null)
 * and returns NULL for anything else: a syntax error, a duplicate key, a
 * real number, an integer that overflows, trailing bytes. The caller then
 * runs json_loadb() as before, so errors, reals and every corner case keep
 * jansson's exact behaviour and json.c's exact messages. Inputs are trusted
 * only for what the pre-scan checked: UTF-8 validity, no NUL, no control
 * characters in strings, valid escapes without lone surrogates, and the
 * nesting limit (which bounds this recursion).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_build_int.h"

typedef struct cursor_s {
        const unsigned char *b;
        size_t len;
        size_t i;
} cursor_t;

static json_t *build_value(cursor_t *c);

static void skip_ws(cursor_t *c) {
        while (c->i < c->len) {
                unsigned char ch = c->b[c->i];

                if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
                        break;
                c->i++;
        }
}

static int hexval(unsigned char ch) {
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        ch |= 0x20;
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        return -1;
}

static long hex4_at(const unsigned char *p) {
        long v = 0;

        for (int k = 0; k < 4; k++) {
                int d = hexval(p[k]);

                if (d < 0)
                        return -1;
                v = (v << 4) | d;
        }
        return v;
}

static size_t put_utf8(unsigned char *o, unsigned long cp) {
        if (cp < 0x80) {
                o[0] = (unsigned char)cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (unsigned char)(0xc0 | (cp >> 6));
                o[1] = (unsigned char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (unsigned char)(0xe0 | (cp >> 12));
                o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                o[2] = (unsigned char)(0x80 | (cp & 0x3f));
                return 3;
        }
        o[0] = (unsigned char)(0xf0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (unsigned char)(0x80 | (cp & 0x3f));
        return 4;
}

/*
 * Decode the escapes of s[0..n) into o (at least n bytes: an escape never
 * decodes longer than it is written). Returns the decoded length, or
 * (size_t)-1 on an escape the pre-scan should have refused.
 */
static size_t unescape(const unsigned char *s, size_t n, unsigned char *o) {
        size_t i = 0, k = 0;

        while (i < n) {
                long cp, lo;

                if (s[i] != '\\') {
                        o[k++] = s[i++];
                        continue;
                }
                if (i + 1 >= n)
                        return (size_t)-1;
                switch (s[i + 1]) {
                case '"':
                case '\\':
                case '/':
                        o[k++] = s[i + 1];
                        break;
                case 'b':
                        o[k++] = '\b';
                        break;
                case 'f':
                        o[k++] = '\f';
                        break;
                case 'n':
                        o[k++] = '\n';
                        break;
                case 'r':
                        o[k++] = '\r';
                        break;
                case 't':
                        o[k++] = '\t';
                        break;
                case 'u':
                        if (i + 6 > n || (cp = hex4_at(s + i + 2)) <= 0)
                                return (size_t)-1;
                        i += 6;
                        if (cp >= 0xd800 && cp <= 0xdbff) {
                                if (i + 6 > n || s[i] != '\\' ||
                                    s[i + 1] != 'u' ||
                                    (lo = hex4_at(s + i + 2)) < 0xdc00 ||
                                    lo > 0xdfff)
                                        return (size_t)-1;
                                i += 6;
                                cp = 0x10000 + ((cp - 0xd800) << 10) +
                                     (lo - 0xdc00);
                        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                                return (size_t)-1;
                        }
                        k += put_utf8(o + k, (unsigned long)cp);
                        continue;
                default:
                        return (size_t)-1;
                }
                i += 2;
        }
        return k;
}

/*
 * The string whose opening quote is at c->i. On success *sp and *np are
 * its decoded bytes: either in the input, or in *heap (which the caller
 * frees) when it had escapes. Returns 0 or -1.
 */
static int build_string(cursor_t *c, const char **sp, size_t *np,
                        unsigned char **heap) {
        size_t start = c->i + 1, j = start;
        int esc = 0;

        *heap = NULL;
        while (j < c->len && c->b[j] != '"') {
                if (c->b[j] == '\\') {
                        esc = 1;
                        j++;
                }
                j++;
        }
        if (j >= c->len)
                return -1;
        c->i = j + 1;
        if (!esc) {
                *sp = (const char *)c->b + start;
                *np = j - start;
                return 0;
        }
        if (!(*heap = malloc(j - start + 1)))
                return -1;
        *np = unescape(c->b + start, j - start, *heap);
        if (*np == (size_t)-1) {
                free(*heap);
                *heap = NULL;
                return -1;
        }
        *sp = (const char *)*heap;
        return 0;
}

/* An integer; reals and anything else return NULL (jansson decides). */
static json_t *build_number(cursor_t *c) {
        const unsigned char *b = c->b;
        size_t i = c->i, digits = 0;
        unsigned long long v = 0, limit = 9223372036854775807ULL;
        int neg = 0;

        if (b[i] == '-') {
                neg = 1;
                limit++;
                i++;
        }
        if (i >= c->len || b[i] < '0' || b[i] > '9')
                return NULL;
        if (b[i] == '0' && i + 1 < c->len && b[i + 1] >= '0' && b[i + 1] <= '9')
                return NULL; /* a leading zero: jansson's error */
        while (i < c->len && b[i] >= '0' && b[i] <= '9') {
                if (++digits > 19)
                        return NULL;
                v = v * 10 + (unsigned)(b[i] - '0');
                i++;
        }
        if (v > limit)
                return NULL;
        if (i < c->len && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'))
                return NULL; /* a real: left to jansson's strtod */
        c->i = i;
        if (neg)
                return json_integer(v == limit ? INT64_MIN
                                               : -(json_int_t)v);
        return json_integer((json_int_t)v);
}

static int literal(cursor_t *c, const char *word, size_t n) {
        if (c->len - c->i < n || memcmp(c->b + c->i, word, n))
                return -1;
        c->i += n;
        return 0;
}

static json_t *build_object(cursor_t *c) {
        json_t *obj = json_object(), *v;
        const char *k;
        size_t kn;
        unsigned char *heap;

        if (!obj)
                return NULL;
        c->i++;
        skip_ws(c);
        if (c->i < c->len && c->b[c->i] == '}') {
                c->i++;
                return obj;
        }
        for (;;) {
                if (c->i >= c->len || c->b[c->i] != '"' ||
                    build_string(c, &k, &kn, &heap))
                        goto fail;
                skip_ws(c);
                if (c->i >= c->len || c->b[c->i] != ':') {
                        free(heap);
                        goto fail;
                }
                c->i++;
                skip_ws(c);
                /* a duplicate key is jansson's error to report */
                if (json_object_getn(obj, k, kn) || !(v = build_value(c)) ||
                    json_object_setn_new_nocheck(obj, k, kn, v)) {
                        free(heap);
                        goto fail;
                }
                free(heap);
                skip_ws(c);
                if (c->i >= c->len)
                        goto fail;
                if (c->b[c->i] == '}') {
                        c->i++;
                        return obj;
                }
                if (c->b[c->i] != ',')
                        goto fail;
                c->i++;
                skip_ws(c);
        }
fail:
        json_decref(obj);
        return NULL;
}

static json_t *build_array(cursor_t *c) {
        json_t *arr = json_array(), *v;

        if (!arr)
                return NULL;
        c->i++;
        skip_ws(c);
        if (c->i < c->len && c->b[c->i] == ']') {
                c->i++;
                return arr;
        }
        for (;;) {
                if (!(v = build_value(c)) || json_array_append_new(arr, v))
                        goto fail;
                skip_ws(c);
                if (c->i >= c->len)
                        goto fail;
                if (c->b[c->i] == ']') {
                        c->i++;
                        return arr;
                }
                if (c->b[c->i] != ',')
                        goto fail;
                c->i++;
                skip_ws(c);
        }
fail:
        json_decref(arr);
        return NULL;
}

static json_t *build_value(cursor_t *c) {
        const char *s;
        size_t n;
        unsigned char *heap;
        json_t *v;

        if (c->i >= c->len)
                return NULL;
        switch (c->b[c->i]) {
        case '{':
                return build_object(c);
        case '[':
                return build_array(c);
        case '"':
                if (build_string(c, &s, &n, &heap))
                        return NULL;
                v = json_stringn_nocheck(s, n);
                free(heap);
                return v;
        case 't':
                return literal(c, "true", 4) ? NULL : json_true();
        case 'f':
                return literal(c, "false", 5) ? NULL : json_false();
        case 'n':
                return literal(c, "null", 4) ? NULL : json_null();
        default:
                return build_number(c);
        }
}

json_t *events__json_build(const char *buf, size_t len) {
        cursor_t c = {(const unsigned char *)buf, len, 0};
        json_t *v;

        if (!buf)
                return NULL;
        skip_ws(&c);
        if (!(v = build_value(&c)))
                return NULL;
        skip_ws(&c);
        if (c.i != c.len) {
                json_decref(v);
                return NULL;
        }
        return v;
}
