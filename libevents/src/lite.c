/*
 * lite.c - the producer's light JSON tree: its parser, its timestamp
 * cache, and the layouts it remembers so that lines that repeat one need
 * no parse (see lite_int.h for why the tree exists and what it promises).
 *
 * The parser accepts a subset of what json.c's parsers accept, so that
 * whatever it takes the full path would take too, as the same values:
 * strings without backslash escapes (valid UTF-8, no control bytes),
 * integers that fit 64 bits and finite reals read with strtod() as
 * json.c reads them, objects of at most 64 members with no key twice, and
 * nesting within the caller's limit. Its "certainly valid" validator and
 * the validation plans kept with the layouts are lite_validate.c.
 */
#include <endian.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "event_int.h"
#include "number_int.h"
#include "lite_int.h"

/* Members an object may have on the lite path: duplicate keys are looked
 * for pairwise. */
#define LITE_MAX_MEMBERS 64

/* Nesting events__lite_from_json() takes: past jansson's own parse limit
 * (2048), so that any value jansson made can be validated. */
#define LITE_FROM_JSON_DEPTH 4096

typedef struct lp_s {
        events__lite_t *L;
        const unsigned char *b;
        size_t len, i;
        size_t guard; /* last_stop(): where a string scan must stop */
        int depth, max_depth;
        int unescape; /* strings with escapes are unescaped into L->sbuf
                         (a parse); else they end the fast path (a walk of
                         the layouts) */
} lp_t;

static const unsigned char lws[256] = {
        [' '] = 1,
        ['\t'] = 1,
        ['\n'] = 1,
        ['\r'] = 1,
};

/* 0: plain string byte; 1: ends the fast scan (quote, backslash, control,
 * non-ASCII). */
static const unsigned char lstr[256] = {
        [0 ... 0x1f] = 1,
        ['"'] = 1,
        ['\\'] = 1,
        [0x80 ... 0xff] = 1,
};

/* The bytes among @p b[0..8) that lstr[] marks, as the high bit of their
 * byte in the result (0: all eight are plain string bytes). Only the
 * lowest marked byte is exact: a borrow can mark a plain byte above a
 * marked one, never below, and the caller reads only the lowest. The
 * bytes are read little-endian, so the lowest is the first. */
static inline uint64_t stops8(const unsigned char *b) {
        const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
        uint64_t x, q, e;

        memcpy(&x, b, 8);
        x = le64toh(x);
        q = x ^ (ones * '"');
        e = x ^ (ones * '\\');
        return (x & high) |                      /* non-ASCII */
               ((x - ones * 0x20) & ~x & high) | /* control bytes */
               ((q - ones) & ~q & high) |        /* quote */
               ((e - ones) & ~e & high);         /* backslash */
}

#ifdef __SSE2__
/* stops8() for sixteen bytes, exactly: bit k of the result is set when
 * lstr[] marks b[k]. A signed compare with 0x20 catches control bytes
 * (0x00-0x1f) and non-ASCII ones (0x80-0xff, negative) at once. SSE2 is
 * part of x86-64; elsewhere stops8() does the scan alone. */
static inline unsigned stops16(const unsigned char *b) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
        __m128i m = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));

        return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* lp_t.guard for @p b[0..len): the last byte that ends a string scan. */
static size_t last_stop(const unsigned char *b, size_t len) {
#ifdef __SSE2__
        if (len >= 16) /* lp_string() reads no guard in such lines */
                return len;
#endif
        for (size_t k = len; k-- > 0;)
                if (lstr[b[k]])
                        return k;
        return len;
}

static void lp_ws(lp_t *p) {
        while (p->i < p->len && lws[p->b[p->i]])
                p->i++;
}

static long lp_push(lp_t *p) {
        events__lite_t *L = p->L;
        events__lnode_t *nd;

        if (L->used == L->cap) {
                size_t cap = L->cap ? L->cap * 2 : 64;
                events__lnode_t *n;

                if (cap > UINT32_MAX / 2 ||
                    !(n = realloc(L->n, cap * sizeof(*n))))
                        return -1;
                L->n = n;
                L->cap = cap;
        }
        /* What every node reads; the rest is set by its type. */
        nd = &L->n[L->used];
        nd->is_ts = 0;
        nd->klen = 0;
        nd->key = NULL;
        nd->count = 0;
        return (long)L->used++;
}

/* The rest of a string with an escape at @p j: unescaped (as jansson
 * would) into L->sbuf, which the parse sized to hold every string of the
 * line. Not inlined: Python's json.dumps() escapes non-ASCII letters
 * (ensure_ascii), so such lines are common, but not the common case. */
static __attribute__((noinline)) int lp_string_escaped(lp_t *p, size_t start,
                                                       size_t j,
                                                       const char **sp,
                                                       size_t *np) {
        events__lite_t *L = p->L;
        size_t end;
        long n;
        char *o;

        if (!p->unescape ||
            (end = events__json_string_end(p->b, p->len, j)) >= p->len)
                return -1;
        o = L->sbuf + L->sbuf_used;
        if ((n = events__json_unescape(p->b, start, end, o)) < 0)
                return -1;
        L->sbuf_used += (size_t)n;
        L->escaped = 1;
        *sp = o;
        *np = (size_t)n;
        p->i = end + 1;
        return 0;
}

/* The string whose opening quote is at p->i, without escapes. Inlined:
 * the call cost as much as the scan of a short key. */
static inline __attribute__((always_inline)) int
lp_string(lp_t *p, const char **sp, size_t *np) {
        const unsigned char *b = p->b;
        size_t j = p->i + 1, start = j, n;

        for (;;) {
                /* Sixteen or eight bytes at a time while they are plain,
                 * then byte by byte to the one that stopped them. */
#ifdef __SSE2__
                while (j + 16 <= p->len) {
                        unsigned m = stops16(b + j);

                        if (m) {
                                j += (size_t)__builtin_ctz(m);
                                goto stopped;
                        }
                        j += 16;
                }
                /* Fewer than sixteen bytes left: the line's last sixteen,
                 * those before j dropped (never a byte past the line). So
                 * a line of sixteen bytes or more needs no guard. */
                if (p->len >= 16) {
                        unsigned m = 0;

                        if (j < p->len)
                                m = stops16(b + p->len - 16) >>
                                    (j - (p->len - 16));
                        if (!m)
                                return -1; /* no closing quote */
                        j += (size_t)__builtin_ctz(m);
                        goto stopped;
                }
#endif
                while (j + 8 <= p->len) {
                        uint64_t m = stops8(b + j);

                        if (m) {
                                j += (size_t)__builtin_ctzll(m) >> 3;
                                break;
                        }
                        j += 8;
                }
                /* No bounds check per byte: b[guard] stops the scan. */
                if (j > p->guard || p->guard >= p->len)
                        return -1;
                while (!lstr[b[j]])
                        j++;
#ifdef __SSE2__
        stopped: /* stops16() is exact: b[j] is the byte that stops */
#endif
                if (b[j] == '"')
                        break;
                if (b[j] == '\\')
                        return lp_string_escaped(p, start, j, sp, np);
                if (b[j] < 0x80 || !(n = events__utf8_seq(b + j, p->len - j)))
                        return -1; /* control byte, bad UTF-8 */
                j += n;
        }
        *sp = (const char *)b + start;
        *np = j - start;
        p->i = j + 1;
        return 0;
}

/* How many of @p b[0..8) are digits before the first that is not (8:
 * all are). A byte is a digit when its high nibble is 3 both as it is
 * and plus 6; a carry out of a byte can only change bytes above the
 * first non-digit, which are not read. */
static inline uint64_t eight_digits(const unsigned char *b) {
        const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
        uint64_t x, nd;

        memcpy(&x, b, 8);
        x = le64toh(x);
        nd = ((x & ones * 0xf0) ^ ones * 0x30) |
             (((x + ones * 0x06) & ones * 0xf0) ^ ones * 0x30);
        /* A non-digit's byte is non-zero in its high nibble; + 0x70 sets
         * its high bit (a carry again only above it). */
        nd = (nd | (nd + ones * 0x70)) & high;
        return nd ? (uint64_t)__builtin_ctzll(nd) >> 3 : 8;
}

/* The value of the @p n (1 to 7) digits at @p b, eight bytes readable:
 * the digits go to the top of a word (leading zero bytes below them, the
 * first digit in the lowest byte as read), then pairs, fours and the
 * eight are combined by multiplying whole lanes. */
static inline uint64_t digits_value(const unsigned char *b, uint64_t n) {
        uint64_t v;

        memcpy(&v, b, 8);
        v = le64toh(v) - 0x3030303030303030ULL;
        v <<= 8 * (8 - n); /* the digits past the number drop off */
        v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ffULL;
        v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffffULL;
        return (v * 10000 + (v >> 32)) & 0xffffffffULL;
}

/* A number that lp_number() does not read at once, as json.c's
 * fast_number() reads it. Out of line: a real needs a buffer for
 * strtod(), and the stack check that comes with it. */
static __attribute__((noinline)) int lp_number_general(lp_t *p,
                                                       events__lnode_t *nd) {
        const unsigned char *b = p->b;
        size_t len = p->len, s = p->i, j = s, digits;
        int neg, real;

        if (events__number_scan(b, len, s, &j, &neg, &real, &digits))
                return -1;
        p->i = j;
        if (!real) {
                unsigned long long u = 0;

                if (digits > 18) /* let the full path judge the range */
                        return -1;
                for (size_t k = s + (size_t)neg; k < j; k++)
                        u = u * 10 + (unsigned)(b[k] - '0');
                nd->type = EVENTS__LT_INT;
                nd->num.i = neg ? -(int64_t)u : (int64_t)u;
                nd->s = (const char *)b + s; /* the digits, for keys */
                nd->len = j - s;
                return 0;
        } else {
                char tmp[64], *end;
                double d;

                if (j - s >= sizeof(tmp))
                        return -1;
                memcpy(tmp, b + s, j - s);
                tmp[j - s] = '\0';
                d = strtod(tmp, &end);
                if (end != tmp + (j - s) || isinf(d))
                        return -1;
                nd->type = EVENTS__LT_REAL;
                nd->num.d = d;
                nd->s = (const char *)b + s;
                nd->len = j - s;
                return 0;
        }
}

/* A number; nd->s and nd->len are its text. A positive integer of up to
 * seven digits, with eight bytes to read, inline (most numbers of most
 * events: ids, counts); anything else lp_number_general(). */
static inline __attribute__((always_inline)) int
lp_number(lp_t *p, events__lnode_t *nd) {
        const unsigned char *b = p->b;
        size_t j = p->i;

        if (j + 8 <= p->len && b[j] >= '1' && b[j] <= '9') {
                uint64_t n = eight_digits(b + j);

                if (n < 8 && b[j + n] != '.' && (b[j + n] | 0x20) != 'e') {
                        p->i = j + n;
                        nd->type = EVENTS__LT_INT;
                        nd->num.i = (int64_t)digits_value(b + j, n);
                        nd->s = (const char *)b + j;
                        nd->len = n;
                        return 0;
                }
        }
        return lp_number_general(p, nd);
}

static int lp_value(lp_t *p, long idx);

static int lp_object(lp_t *p, long idx) {
        const char *k;
        size_t klen;
        uint32_t count = 0;
        uint64_t seen = 0, bit; /* a bit per hash of the keys so far */
        long c;

        p->i++;
        lp_ws(p);
        if (p->i < p->len && p->b[p->i] == '}')
                goto close;
        for (;;) {
                /* A key with escapes is left to the full path: keys name
                 * the members the producer splices by their bytes. */
                if (p->i >= p->len || p->b[p->i] != '"' ||
                    lp_string(p, &k, &klen) || klen > UINT32_MAX ||
                    events__lite_unescaped(p->L, k))
                        return -1;
                if (++count > LITE_MAX_MEMBERS)
                        return -1;
                /* A key seen before: the full path reports it. Keys are
                 * compared only when their length and first and last
                 * bytes hash to a bit already set. */
                bit = (uint64_t)1
                      << ((klen * 7 +
                           (klen ? (unsigned char)k[0] * 3 +
                                            (unsigned char)k[klen - 1]
                                 : 0)) &
                          63);
                if (seen & bit) {
                        for (size_t s = (size_t)idx + 1; s < p->L->used;
                             s = p->L->n[s].end)
                                if (p->L->n[s].klen == klen &&
                                    !memcmp(p->L->n[s].key, k, klen))
                                        return -1;
                }
                seen |= bit;
                lp_ws(p);
                if (p->i >= p->len || p->b[p->i] != ':')
                        return -1;
                p->i++;
                lp_ws(p);
                if ((c = lp_push(p)) < 0)
                        return -1;
                p->L->n[c].key = k;
                p->L->n[c].klen = (uint32_t)klen;
                if (p->i < p->len && p->b[p->i] == '"') {
                        /* A string member, the commonest: no call. */
                        events__lnode_t *nd;
                        const char *sv;
                        size_t sn;

                        if (lp_string(p, &sv, &sn))
                                return -1;
                        nd = &p->L->n[c];
                        nd->type = EVENTS__LT_STRING;
                        nd->s = sv;
                        nd->len = sn;
                        nd->end = (uint32_t)p->L->used;
                } else if (lp_value(p, c)) {
                        return -1;
                }
                lp_ws(p);
                if (p->i < p->len && p->b[p->i] == ',') {
                        p->i++;
                        lp_ws(p);
                        continue;
                }
                if (p->i < p->len && p->b[p->i] == '}')
                        break;
                return -1;
        }
close:
        if (p->depth == 1)
                p->L->close = p->i;
        p->i++;
        p->L->n[idx].type = EVENTS__LT_OBJECT;
        p->L->n[idx].count = count;
        return 0;
}

static int lp_array(lp_t *p, long idx) {
        uint32_t count = 0;
        long c;

        p->i++;
        lp_ws(p);
        if (p->i < p->len && p->b[p->i] == ']') {
                p->i++;
                goto done;
        }
        for (;;) {
                if (count == UINT32_MAX || (c = lp_push(p)) < 0 ||
                    lp_value(p, c))
                        return -1;
                count++;
                lp_ws(p);
                if (p->i < p->len && p->b[p->i] == ',') {
                        p->i++;
                        lp_ws(p);
                        continue;
                }
                if (p->i < p->len && p->b[p->i] == ']') {
                        p->i++;
                        break;
                }
                return -1;
        }
done:
        p->L->n[idx].type = EVENTS__LT_ARRAY;
        p->L->n[idx].count = count;
        return 0;
}

/* Parse the value at p->i into node idx (already pushed). */
static int lp_value(lp_t *p, long idx) {
        events__lnode_t *nd;
        int rc;

        if (p->i >= p->len)
                return -1;
        switch (p->b[p->i]) {
        case '{':
        case '[':
                if (++p->depth > p->max_depth)
                        return -1;
                rc = p->b[p->i] == '{' ? lp_object(p, idx) : lp_array(p, idx);
                p->depth--;
                if (rc)
                        return -1;
                break;
        case '"': {
                const char *s;
                size_t n;

                if (lp_string(p, &s, &n))
                        return -1;
                nd = &p->L->n[idx];
                nd->type = EVENTS__LT_STRING;
                nd->s = s;
                nd->len = n;
                break;
        }
        case 't':
                if (p->len - p->i < 4 || memcmp(p->b + p->i, "true", 4))
                        return -1;
                p->i += 4;
                p->L->n[idx].type = EVENTS__LT_TRUE;
                break;
        case 'f':
                if (p->len - p->i < 5 || memcmp(p->b + p->i, "false", 5))
                        return -1;
                p->i += 5;
                p->L->n[idx].type = EVENTS__LT_FALSE;
                break;
        case 'n':
                if (p->len - p->i < 4 || memcmp(p->b + p->i, "null", 4))
                        return -1;
                p->i += 4;
                p->L->n[idx].type = EVENTS__LT_NULL;
                break;
        default:
                if (lp_number(p, &p->L->n[idx]))
                        return -1;
                break;
        }
        p->L->n[idx].end = (uint32_t)p->L->used;
        return 0;
}

/* ------------------------------------------------ a tree of a jansson value */

/* Node @p idx (pushed) from @p v; @p depth counts down to 0. */
static int from_json(events__lite_t *L, long idx, const json_t *v, int depth) {
        events__lnode_t *nd = &L->n[idx];
        uint32_t count = 0;
        long c;

        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                const char *key;
                json_t *m;

                if (depth <= 0)
                        return -1;
                nd->type = EVENTS__LT_OBJECT;
                json_object_foreach((json_t *)v, key, m) {
                        lp_t p = {.L = L};

                        if ((c = lp_push(&p)) < 0)
                                return -1;
                        L->n[c].key = key;
                        L->n[c].klen = (uint32_t)strlen(key);
                        if (from_json(L, c, m, depth - 1))
                                return -1;
                        count++;
                }
                break;
        }
        case JSON_ARRAY: {
                size_t k;
                json_t *m;

                if (depth <= 0)
                        return -1;
                nd->type = EVENTS__LT_ARRAY;
                json_array_foreach(v, k, m) {
                        lp_t p = {.L = L};

                        if ((c = lp_push(&p)) < 0 ||
                            from_json(L, c, m, depth - 1))
                                return -1;
                        count++;
                }
                break;
        }
        case JSON_STRING:
                nd->type = EVENTS__LT_STRING;
                nd->s = json_string_value(v);
                nd->len = json_string_length(v);
                break;
        case JSON_INTEGER:
                nd->type = EVENTS__LT_INT;
                nd->num.i = json_integer_value(v);
                nd->s = NULL;
                nd->len = 0;
                break;
        case JSON_REAL:
                nd->type = EVENTS__LT_REAL;
                nd->num.d = json_real_value(v);
                nd->s = NULL;
                nd->len = 0;
                break;
        case JSON_TRUE:
                nd->type = EVENTS__LT_TRUE;
                break;
        case JSON_FALSE:
                nd->type = EVENTS__LT_FALSE;
                break;
        default:
                nd->type = EVENTS__LT_NULL;
                break;
        }
        /* The node array may have moved: index again. */
        L->n[idx].count = count;
        L->n[idx].end = (uint32_t)L->used;
        return 0;
}

int events__lite_from_json(events__lite_t *L, const json_t *v) {
        lp_t p = {.L = L};
        long root;

        L->used = 0;
        L->close = EVENTS__NPOS;
        L->last = NULL;
        if (!v || (root = lp_push(&p)) < 0)
                return -1;
        return from_json(L, root, v, LITE_FROM_JSON_DEPTH);
}

/* ------------------------------------------------------- the run switch */

static int fastpath = -1;
static pthread_once_t fastpath_once = PTHREAD_ONCE_INIT;

static void fastpath_read(void) {
        const char *e = getenv("EVENTS_FASTPATH");

        fastpath = !(e && (!strcmp(e, "0") || !strcmp(e, "off")));
}

int events__fastpath_on(void) {
        pthread_once(&fastpath_once, fastpath_read);
        return fastpath;
}

/* ------------------------------------------------------------ the parser */

int events__lite_parse(events__lite_t *L, const char *buf, size_t len,
                       int max_depth) {
        lp_t p = {.L = L,
                  .b = (const unsigned char *)buf,
                  .len = len,
                  .max_depth = max_depth};
        long root;

        L->used = 0;
        L->close = EVENTS__NPOS;
        L->last = NULL;
        L->escaped = 0;
        L->sbuf_used = 0;
        if (!buf || len >= UINT32_MAX || !events__fastpath_on())
                return -1;
        /* Room for every string of the line unescaped: never longer than
         * the line. */
        if (len > L->sbuf_cap) {
                char *nb = realloc(L->sbuf, len);

                if (!nb)
                        return -1;
                L->sbuf = nb;
                L->sbuf_cap = len;
        }
        p.unescape = 1;
        p.guard = last_stop(p.b, len);
        lp_ws(&p);
        if (p.i >= len || p.b[p.i] != '{')
                return -1;
        if ((root = lp_push(&p)) < 0 || lp_value(&p, root))
                return -1;
        lp_ws(&p);
        return p.i == len ? 0 : -1;
}

size_t events__lite_timestamp(events__lite_t *L, int64_t us, char *buf) {
        int64_t sec = us / 1000000, frac = us % 1000000;

        /* A zero-filled tree has ts_sec 0, which the cache must not take
         * for the epoch's second: ts_head[0] is '\0' until it is filled. */
        if (us < 0 || sec != L->ts_sec || !L->ts_head[0]) {
                size_t n = events_timestamp_format(us, buf,
                                                   EVENTS_TIMESTAMP_BUFSIZE);

                if (n == EVENTS_TIMESTAMP_LEN && us >= 0) {
                        memcpy(L->ts_head, buf, EVENTS__TS_HEAD_LEN);
                        L->ts_sec = sec;
                }
                return n;
        }
        memcpy(buf, L->ts_head, EVENTS__TS_HEAD_LEN);
        events__put_digits(buf + EVENTS__TS_HEAD_LEN, (unsigned)frac, 6);
        buf[EVENTS_TIMESTAMP_LEN - 1] = 'Z';
        buf[EVENTS_TIMESTAMP_LEN] = '\0';
        return EVENTS_TIMESTAMP_LEN;
}

static void tpl_destroy(events__ltpl_t *t) {
        if (!t)
                return;
        free(t->text);
        free(t->n);
        free(t->slot);
        free(t->check);
        free(t);
}

/* Forget every layout and empty the index. */
static void layouts_forget(events__lite_t *L) {
        for (unsigned k = 0; k < L->ntpl; k++) {
                tpl_destroy(L->tpl[k]);
                L->tpl[k] = NULL;
        }
        L->ntpl = 0;
        L->nidx = 0;
        L->last = NULL;
        L->run = 0;
}

void events__lite_free(events__lite_t *L) {
        free(L->n);
        L->n = NULL;
        L->used = L->cap = 0;
        layouts_forget(L);
        free(L->tpl);
        L->tpl = NULL;
        L->tpl_cap = 0;
        free(L->idx);
        L->idx = NULL;
        L->idx_cap = 0;
        free(L->val);
        L->val = NULL;
        L->val_cap = 0;
        free(L->sbuf);
        L->sbuf = NULL;
        L->sbuf_cap = L->sbuf_used = 0;
}

long events__lite_append_string(events__lite_t *L, const char *key,
                                const char *s, size_t len) {
        lp_t p = {.L = L};
        long c;

        if (!L->used || L->n[0].type != EVENTS__LT_OBJECT ||
            L->n[0].end != L->used || (c = lp_push(&p)) < 0)
                return -1;
        L->n[c].type = EVENTS__LT_STRING;
        L->n[c].key = key;
        L->n[c].klen = (uint32_t)strlen(key);
        L->n[c].s = s;
        L->n[c].len = len;
        L->n[c].end = (uint32_t)L->used;
        L->n[0].count++;
        L->n[0].end = (uint32_t)L->used;
        return c;
}

/* -------------------------------------------------------------- layouts */

/* Lines and trees larger than these are not remembered: they are rare,
 * and their parse costs little next to their other work. */
#define LAYOUT_MAX_BYTES 8192
#define LAYOUT_MAX_NODES 512

int events__lite_grow(void *pp, uint32_t *cap, size_t need, size_t size) {
        void *n;
        size_t c = *cap ? *cap : 8;

        if (need <= *cap)
                return 0;
        while (c < need)
                c *= 2;
        if (c > UINT32_MAX || !(n = realloc(*(void **)pp, c * size)))
                return -1;
        *(void **)pp = n;
        *cap = (uint32_t)c;
        return 0;
}

/* ------------------------------------------------------ the index */

/* The eight bytes at @p b, the first in the lowest byte. */
static inline uint64_t load8(const unsigned char *b) {
        uint64_t w;

        memcpy(&w, b, 8);
        return le64toh(w);
}

/* The line's bytes b[pos, pos + 8) as load8() reads them; where the line
 * has fewer, those it has, zero above. Never a byte outside b[0, len):
 * the caller's buffer may end there. */
static inline uint64_t line_word(const unsigned char *b, size_t pos,
                                 size_t len) {
        size_t avail = len - pos;
        uint64_t w = 0;

        if (avail >= 8)
                return load8(b + pos);
        if (avail && len >= 8) /* the line's last eight bytes, shifted */
                return load8(b + len - 8) >> 8 * (8 - avail);
        for (size_t k = avail; k-- > 0;)
                w = w << 8 | b[pos + k];
        return w;
}

#ifdef __SSE2__
/* Whether the sixteen bytes at @p a and @p b are equal. */
static inline int eq16(const unsigned char *a, const unsigned char *b) {
        return _mm_movemask_epi8(_mm_cmpeq_epi8(
                       _mm_loadu_si128((const __m128i *)(const void *)a),
                       _mm_loadu_si128((const __m128i *)(const void *)b))) ==
               0xffff;
}
#endif

/* Whether a[0, n) is lit[0, n), n > 8, when their first eight bytes are
 * equal and lit's last eight are @p tail: those, then the ones between,
 * eight (n <= 24) or sixteen at a time. Reads only [0, n) of each. */
static inline int seg_rest(const unsigned char *a, const unsigned char *lit,
                           size_t n, uint64_t tail) {
        if (load8(a + n - 8) != tail)
                return 0;
        if (n <= 16)
                return 1;
        if (n <= 24) /* bytes [n - 16, n - 8): [8, n - 8) and more */
                return load8(a + n - 16) == load8(lit + n - 16);
#ifdef __SSE2__
        for (size_t k = 8; k + 16 < n - 8; k += 16)
                if (!eq16(a + k, lit + k))
                        return 0;
        return eq16(a + n - 24, lit + n - 24);
#else
        return !memcmp(a + 8, lit + 8, n - 16);
#endif
}

/* Layouts keep this many bytes after their text, zeroed, so that eight
 * bytes can be read at the start of any segment (idx_new(), seg_at()). */
#define TEXT_SLACK 16

/* A new segment of @p n bytes at @p lit, the first child of @p parent;
 * the root when there is none yet. @returns its index, or 0 (no memory;
 * 0 is the root, never a child). */
static uint32_t idx_new(events__lite_t *L, uint32_t parent, const char *lit,
                        uint32_t n) {
        events__lidx_t *x;
        uint32_t i;

        if (L->nidx == UINT32_MAX ||
            events__lite_grow(&L->idx, &L->idx_cap, L->nidx + 1,
                              sizeof(*L->idx)))
                return 0;
        i = L->nidx++;
        x = &L->idx[i];
        memset(x, 0, sizeof(*x));
        x->lit = lit;
        x->litlen = n;
        x->hmask = n >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << 8 * n) - 1;
        if (n) /* in a layout's text: TEXT_SLACK */
                x->head = load8((const unsigned char *)lit) & x->hmask;
        if (n >= 8)
                x->tail = load8((const unsigned char *)lit + n - 8);
        if (i == 0) /* the root */
                return 0;
        x->next = L->idx[parent].child;
        L->idx[parent].child = i;
        return i;
}

/* Whether the line's @p n bytes at @p pos (it has them) are @p lit, in a
 * layout's text: its first word, as idx_match() compares it, and the rest. */
static inline int seg_at(const unsigned char *b, size_t pos, size_t len,
                         const unsigned char *lit, size_t n) {
        uint64_t m = n >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << 8 * n) - 1;

        return !((line_word(b, pos, len) ^ load8(lit)) & m) &&
               (n <= 8 || seg_rest(b + pos, lit, n, load8(lit + n - 8)));
}

/*
 * Add layout @p t's path to the index: its segments (each slot's fixed
 * bytes, then its tail) and, after each but the last, the kind and node
 * of its value; t at the end. A segment the path has already is shared.
 * @returns 0, 1 when the path ends at a layout already (*@p same; nothing
 *          was added), or -1 (no memory).
 */
static int idx_add(events__lite_t *L, events__ltpl_t *t,
                   events__ltpl_t **same) {
        uint32_t at = 0;

        if (!L->nidx && (idx_new(L, 0, NULL, 0), !L->nidx))
                return -1;
        for (uint32_t j = 0; j <= t->nslot; j++) {
                const char *lit;
                uint32_t n, k;
                unsigned char kind;

                if (j < t->nslot) {
                        lit = t->text + t->slot[j].lit;
                        n = t->slot[j].litlen;
                } else {
                        lit = t->text + t->tail;
                        n = (uint32_t)(t->len - t->tail);
                }
                for (k = L->idx[at].child; k && (L->idx[k].litlen != n ||
                                                 memcmp(L->idx[k].lit, lit, n));
                     k = L->idx[k].next)
                        ;
                if (!k && !(k = idx_new(L, at, lit, n)))
                        return -1;
                at = k;
                if (j == t->nslot)
                        break;
                kind = t->n[t->slot[j].node].type == EVENTS__LT_STRING
                               ? EVENTS__LT_STRING
                               : EVENTS__LT_INT;
                if (!L->idx[k].vkind) {
                        L->idx[k].vkind = kind;
                        L->idx[k].node = t->slot[j].node;
                } else if (L->idx[k].vkind != kind ||
                           L->idx[k].node != t->slot[j].node) {
                        /* The same bytes before it make it the same
                         * value; anything else would be a bug: remember
                         * nothing. */
                        return -1;
                }
        }
        if (L->idx[at].leaf) {
                *same = L->idx[at].leaf;
                return 1;
        }
        if (events__lite_grow(&L->val, &L->val_cap, t->nslot ? t->nslot : 1,
                              sizeof(*L->val)))
                return -1;
        L->idx[at].leaf = t;
        return 0;
}

/* Walk the index with @p buf; fill L through the layout the walk ends at.
 * @returns that layout, or NULL (no layout's path spells the line). */
static events__ltpl_t *idx_match(events__lite_t *L, const char *buf,
                                 size_t len) {
        const unsigned char *b = (const unsigned char *)buf;
        lp_t p = {.L = L, .b = b, .len = len, .guard = last_stop(b, len)};
        events__ltpl_t *t;
        /* In locals, or the walk's stores make the compiler load them
         * again; neither array grows during a walk. */
        events__lidx_t *idx = L->idx;
        events__lval_t *val = L->val, *vp = val;
        events__lidx_t *at = idx; /* the root */
        size_t pos = 0;

        if (!L->nidx)
                return NULL;
        for (;;) {
                events__lidx_t *x = NULL;
                /* the link to the segment tried: moved to the front */
                uint32_t *link, k;
                size_t avail = len - pos, end = 0;
                uint64_t w = line_word(b, pos, len);

                /* The first segment that the line spells here and that
                 * what follows can continue: its value's first byte, or
                 * the line's end. The first word refuses most; it decides
                 * a segment of up to eight bytes alone. */
                for (link = &at->child; (k = *link); link = &x->next) {
                        x = &idx[k];
                        if ((w & x->hmask) != x->head || x->litlen > avail ||
                            (x->litlen > 8 &&
                             !seg_rest(b + pos, (const unsigned char *)x->lit,
                                       x->litlen, x->tail)))
                                continue;
                        end = pos + x->litlen;
                        if (end == len
                                    ? x->leaf != NULL
                                    : x->vkind == EVENTS__LT_STRING ||
                                              (x->vkind && (b[end] == '-' ||
                                                            (b[end] >= '0' &&
                                                             b[end] <= '9'))))
                                break;
                }
                if (!k)
                        return NULL;
                if (link != &at->child) {
                        /* Found first next time: streams repeat a few
                         * layouts (the order means nothing else). */
                        *link = x->next;
                        x->next = at->child;
                        at->child = k;
                }
                pos = end;
                if (pos == len) {
                        t = x->leaf;
                        break;
                }
                /* A walk passes no more values than the layout with the
                 * most has (sized by idx_add()). */
                vp->node = x->node;
                if (x->vkind == EVENTS__LT_STRING) {
                        /* The opening quote ends the segment before; the
                         * closing one starts the next. */
                        p.i = pos - 1;
                        if (lp_string(&p, &vp->v.s, &vp->v.len))
                                return NULL;
                        vp->v.type = EVENTS__LT_STRING;
                        pos = p.i - 1;
                } else {
                        p.i = pos;
                        if (lp_number(&p, &vp->v))
                                return NULL;
                        pos = p.i;
                }
                vp++;
                at = x;
        }
        /* The layout's nodes, then the line's values in its slots. */
        if (t->used > L->cap) {
                events__lnode_t *nn = realloc(L->n, t->used * sizeof(*nn));

                if (!nn)
                        return NULL;
                L->n = nn;
                L->cap = t->used;
        }
        memcpy(L->n, t->n, t->used * sizeof(*L->n));
        for (; val < vp; val++) {
                events__lnode_t *nd = &L->n[val->node];
                const events__lnode_t *v = &val->v;

                nd->type = v->type;
                memcpy(&nd->s, &v->s, EVENTS__LNODE_VALUE_BYTES);
        }
        L->used = t->used;
        L->close = len - t->len + t->close;
        return t;
}

/* ------------------------------------------------- remembering */

events__ltpl_t *events__lite_remember(events__lite_t *L, const char *buf,
                                      size_t len, uint32_t fixed) {
        events__ltpl_t *t, *same = NULL;
        size_t at = 0, start, end;

        /* A tree with unescaped strings points outside the line; its
         * lines are parsed each time. */
        if (L->pause || L->escaped || len > LAYOUT_MAX_BYTES ||
            L->used > LAYOUT_MAX_NODES || L->close >= len)
                return NULL;
        if (L->ntpl >= EVENTS__LITE_LAYOUTS)
                layouts_forget(L);
        if (events__lite_grow(&L->tpl, &L->tpl_cap, L->ntpl + 1,
                              sizeof(*L->tpl)) ||
            !(t = calloc(1, sizeof(*t)))) /* every count 0, nothing planned */
                return NULL;
        if (!(t->text = malloc(len + TEXT_SLACK)))
                goto fail;
        t->text_cap = len + TEXT_SLACK;
        memcpy(t->text, buf, len);
        memset(t->text + len, 0, TEXT_SLACK);
        t->len = len;
        if (events__lite_grow(&t->n, &t->n_cap, L->used, sizeof(*t->n)))
                goto fail;
        memcpy(t->n, L->n, L->used * sizeof(*t->n));
        t->used = (uint32_t)L->used;
        for (uint32_t i = 0; i < t->used; i++) {
                events__lnode_t *nd = &t->n[i];

                if (nd->key)
                        nd->key = t->text + (nd->key - buf);
                if (nd->type != EVENTS__LT_STRING &&
                    nd->type != EVENTS__LT_INT && nd->type != EVENTS__LT_REAL)
                        continue;
                /* A fixed value is read from the layout's copy. */
                if (i == fixed) {
                        nd->s = t->text + (nd->s - buf);
                        continue;
                }
                /* A value: the bytes from the last one up to it are
                 * fixed. Nodes are in document order. */
                start = (size_t)(nd->s - buf);
                end = start + nd->len;
                if (start < at || end > len ||
                    events__lite_grow(&t->slot, &t->slot_cap, t->nslot + 1,
                                      sizeof(*t->slot)))
                        goto fail;
                t->slot[t->nslot].node = i;
                t->slot[t->nslot].lit = (uint32_t)at;
                t->slot[t->nslot].litlen = (uint32_t)(start - at);
                t->nslot++;
                at = end;
        }
        if (L->close < at)
                goto fail;
        t->tail = (uint32_t)at;
        t->close = L->close;
        switch (idx_add(L, t, &same)) {
        case 0:
                L->tpl[L->ntpl++] = t;
                return L->last = t;
        case 1: /* remembered before: nothing in the index points to t */
                tpl_destroy(t);
                return L->last = same;
        default: /* no memory: the index may point into t's text */
                tpl_destroy(t);
                layouts_forget(L);
                return NULL;
        }
fail:
        tpl_destroy(t);
        return NULL;
}

/* Fill L from buf through layout t: 0, or -1 when buf does not match. The
 * last layout matched is tried this way before the index is walked: a
 * stream that repeats one layout pays for its bytes and nothing more, and
 * one that does not pays for the few bytes that tell it apart. */
static int tpl_match(events__lite_t *L, const events__ltpl_t *t,
                     const char *buf, size_t len) {
        const unsigned char *b = (const unsigned char *)buf;
        size_t pos = 0, tl = t->len - t->tail;
        lp_t p = {.L = L, .b = b, .len = len, .guard = last_stop(b, len)};

        /* Cheap refusals first: the leading bytes (up to the first value:
         * the event type and the first keys, what tells most layouts
         * apart), the trailing bytes. */
        if (len < tl || (t->nslot && len < t->slot[0].litlen) ||
            (t->nslot &&
             memcmp(buf, t->text + t->slot[0].lit, t->slot[0].litlen)) ||
            memcmp(buf + len - tl, t->text + t->tail, tl))
                return -1;
        if (t->used > L->cap) {
                events__lnode_t *nn = realloc(L->n, t->used * sizeof(*nn));

                if (!nn)
                        return -1;
                L->n = nn;
                L->cap = t->used;
        }
        /* The layout's nodes; the values are filled in below. */
        memcpy(L->n, t->n, t->used * sizeof(*L->n));
        for (uint32_t j = 0; j < t->nslot; j++) {
                const events__lslot_t *sl = &t->slot[j];
                events__lnode_t *nd = &L->n[sl->node];

                if (len - pos < sl->litlen ||
                    !seg_at(b, pos, len,
                            (const unsigned char *)t->text + sl->lit,
                            sl->litlen))
                        return -1;
                pos += sl->litlen;
                if (nd->type == EVENTS__LT_STRING) {
                        /* The opening quote ends the fixed bytes; the
                         * closing one starts the next. */
                        p.i = pos - 1;
                        if (lp_string(&p, &nd->s, &nd->len))
                                return -1;
                        pos = p.i - 1;
                } else {
                        p.i = pos;
                        if (lp_number(&p, nd))
                                return -1;
                        pos = p.i;
                }
                if (pos > len - tl)
                        return -1;
        }
        /* What is left must be the tail (compared above) exactly. */
        if (pos != len - tl)
                return -1;
        L->used = t->used;
        L->close = pos + (t->close - t->tail);
        return 0;
}

/* Layouts are judged by windows of LAYOUT_WINDOW lines: when fewer than
 * one in LAYOUT_MIN_HITS of them matched a layout, layouts are neither
 * tried nor remembered for LAYOUT_PAUSE lines. A miss costs a partial walk
 * of the index and a copy of the line, a hit saves the parse and most of
 * the validation; a stream whose lines never repeat a layout pays for the
 * windows only, a fifth of its lines. The mixed benchmark's first window
 * (256 lines of its 865 layouts) has about a third hits. */
#define LAYOUT_WINDOW 256
#define LAYOUT_MIN_HITS 16
#define LAYOUT_PAUSE 1024

static void window_count(events__lite_t *L, int hit) {
        L->win_hits += (unsigned)hit;
        if (++L->win_lines < LAYOUT_WINDOW)
                return;
        if (L->win_hits * LAYOUT_MIN_HITS < LAYOUT_WINDOW)
                L->pause = LAYOUT_PAUSE;
        L->win_lines = L->win_hits = 0;
}

events__ltpl_t *events__lite_match(events__lite_t *L, const char *buf,
                                   size_t len) {
        events__ltpl_t *t;

        if (L->pause) {
                L->pause--;
                return NULL;
        }
        /* The last layout directly while lines repeat it (and on every
         * 64th line, to find out whether they do); else the index. */
        t = L->last;
        if (t && (L->run || !(++L->probe & 63)) && !tpl_match(L, t, buf, len)) {
                L->run = 1;
        } else {
                t = idx_match(L, buf, len);
                L->run = t && t == L->last;
        }
        if (t)
                t->hits++;
        window_count(L, t != NULL);
        return L->last = t;
}
