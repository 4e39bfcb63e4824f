/*
 * lite.c - the producer's light JSON tree and its "certainly valid"
 * validator (see lite_int.h for why they exist and what they promise).
 *
 * The parser accepts a subset of what json.c's parsers accept, so that
 * whatever it takes the full path would take too, as the same values:
 * strings without backslash escapes (valid UTF-8, no control bytes),
 * integers that fit 64 bits and finite reals read with strtod() as
 * json.c reads them, objects of at most 64 members with no key twice, and
 * nesting within the caller's limit. The validator mirrors
 * schema_validate.c keyword by keyword for the keywords it handles, and
 * answers 0 ("ask the full validator") for those it does not: if/then/
 * else, oneOf, not, multipleOf, dependencies, propertyNames, tuple items,
 * additionalItems, contains, uniqueItems, and enum or const compared with
 * an object or an array. Its 1 must never differ from the full
 * validator's verdict; test_lite.c checks this on the JSON Schema test
 * suite and on the producer's cases.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "event_int.h"
#include "number_int.h"
#include "lite_int.h"

/* Members an object may have on the lite path: duplicate keys are looked
 * for pairwise. */
#define LITE_MAX_MEMBERS 64
/* As schema_validate.c's limit on "$ref" depth. */
#define LITE_MAX_SCHEMA_DEPTH 512

typedef struct lp_s {
        events__lite_t *L;
        const unsigned char *b;
        size_t len, i;
        size_t guard; /* the last byte with an lstr[] entry, or len */
        int depth, max_depth;
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

/* lp_t.guard for @p b[0..len): the last byte that ends a string scan. */
static size_t last_stop(const unsigned char *b, size_t len) {
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

/* The string whose opening quote is at p->i, without escapes. Inlined:
 * the call cost as much as the scan of a short key. */
static inline __attribute__((always_inline)) int
lp_string(lp_t *p, const char **sp, size_t *np) {
        const unsigned char *b = p->b;
        size_t j = p->i + 1, start = j, n;

        for (;;) {
                /* No bounds check per byte: b[guard] stops the scan. */
                if (j > p->guard || p->guard >= p->len)
                        return -1;
                while (!lstr[b[j]])
                        j++;
                if (b[j] == '"')
                        break;
                if (b[j] < 0x80 || !(n = events__utf8_seq(b + j, p->len - j)))
                        return -1; /* escape, control byte, bad UTF-8 */
                j += n;
        }
        *sp = (const char *)b + start;
        *np = j - start;
        p->i = j + 1;
        return 0;
}

/* A number, as json.c's fast_number() reads it; nd->s and nd->len are
 * its text. */
static int lp_number(lp_t *p, events__lnode_t *nd) {
        const unsigned char *b = p->b;
        size_t len = p->len, s = p->i, j = s, digits;
        int neg, real;

        /* Most numbers are short positive integers: read the digits as
         * they are scanned. What is not one takes the general path. */
        if (j < len && b[j] >= '1' && b[j] <= '9') {
                unsigned long long u = 0;

                while (j < len && b[j] >= '0' && b[j] <= '9' && j - s < 18)
                        u = u * 10 + (unsigned)(b[j++] - '0');
                if (j >= len || (b[j] != '.' && (b[j] | 0x20) != 'e' &&
                                 (b[j] < '0' || b[j] > '9'))) {
                        p->i = j;
                        nd->type = EVENTS__LT_INT;
                        nd->num.i = (int64_t)u;
                        nd->s = (const char *)b + s;
                        nd->len = j - s;
                        return 0;
                }
                j = s;
        }
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
                if (p->i >= p->len || p->b[p->i] != '"' ||
                    lp_string(p, &k, &klen) || klen > UINT32_MAX)
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

int events__lite_parse(events__lite_t *L, const char *buf, size_t len,
                       int max_depth) {
        lp_t p = {.L = L,
                  .b = (const unsigned char *)buf,
                  .len = len,
                  .max_depth = max_depth};
        long root;

        L->used = 0;
        L->close = EVENTS__NPOS;
        if (!buf || len >= UINT32_MAX)
                return -1;
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

void events__lite_free(events__lite_t *L) {
        free(L->n);
        L->n = NULL;
        L->used = L->cap = 0;
        for (unsigned k = 0; k < L->ntpl; k++) {
                tpl_destroy(L->tpl[k]);
                L->tpl[k] = NULL;
        }
        L->ntpl = 0;
}

long events__lite_get(const events__lite_t *L, uint32_t obj, const char *key,
                      size_t klen) {
        const events__lnode_t *o = &L->n[obj];

        if (o->type != EVENTS__LT_OBJECT)
                return -1;
        for (uint32_t s = obj + 1; s < o->end; s = L->n[s].end)
                if (L->n[s].klen == klen && !memcmp(L->n[s].key, key, klen))
                        return (long)s;
        return -1;
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

/* Grow *pp to hold @p need items of @p size bytes. */
static int grow(void *pp, uint32_t *cap, size_t need, size_t size) {
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

events__ltpl_t *events__lite_remember(events__lite_t *L, const char *buf,
                                      size_t len, uint32_t fixed) {
        events__ltpl_t *t;
        size_t at = 0, start, end;
        unsigned k;

        if (L->pause || len > LAYOUT_MAX_BYTES || L->used > LAYOUT_MAX_NODES ||
            L->close >= len)
                return NULL;
        /* The least recently used layout makes room; the new one goes
         * first. */
        if (L->ntpl < EVENTS__LITE_LAYOUTS) {
                if (!(t = calloc(1, sizeof(*t))))
                        return NULL;
                k = L->ntpl++;
        } else {
                k = EVENTS__LITE_LAYOUTS - 1;
                t = L->tpl[k];
        }
        memmove(&L->tpl[1], &L->tpl[0], k * sizeof(L->tpl[0]));
        L->tpl[0] = t;
        t->planned = 0;
        t->ncheck = 0;
        t->nslot = 0;
        t->used = 0;
        t->hits = 0;
        t->shaped = 0;
        if (len > t->text_cap) {
                char *nt = realloc(t->text, len);

                if (!nt)
                        goto fail;
                t->text = nt;
                t->text_cap = len;
        }
        memcpy(t->text, buf, len);
        t->len = len;
        if (grow(&t->n, &t->n_cap, L->used, sizeof(*t->n)))
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
                    grow(&t->slot, &t->slot_cap, t->nslot + 1,
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
        return t;
fail:
        /* Forget it: a half-made layout must never match. */
        memmove(&L->tpl[0], &L->tpl[1], (L->ntpl - 1) * sizeof(L->tpl[0]));
        L->ntpl--;
        tpl_destroy(t);
        return NULL;
}

/* Fill L from buf through layout t: 0, or -1 when buf does not match. */
static int tpl_match(events__lite_t *L, const events__ltpl_t *t,
                     const char *buf, size_t len) {
        const unsigned char *b = (const unsigned char *)buf;
        size_t pos = 0, tl = t->len - t->tail;
        lp_t p = {.L = L, .b = b, .len = len, .guard = last_stop(b, len)};

        /* Cheap refusals first: the leading bytes, the trailing bytes. */
        if (len < tl || (t->nslot && len < t->slot[0].litlen) ||
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
                    memcmp(buf + pos, t->text + sl->lit, sl->litlen))
                        return -1;
                pos += sl->litlen;
                if (nd->type == EVENTS__LT_STRING) {
                        const char *sv;
                        size_t sn;

                        /* The opening quote ends the fixed bytes; the
                         * closing one starts the next. */
                        p.i = pos - 1;
                        if (lp_string(&p, &sv, &sn))
                                return -1;
                        nd->s = sv;
                        nd->len = sn;
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

/* After this many lines in a row match no layout, layouts are neither
 * tried nor remembered for LAYOUT_PAUSE lines: a stream whose lines do
 * not repeat their layouts pays little for them. */
#define LAYOUT_MISSES 32
#define LAYOUT_PAUSE 1024

events__ltpl_t *events__lite_match(events__lite_t *L, const char *buf,
                                   size_t len) {
        if (L->pause) {
                L->pause--;
                return NULL;
        }
        for (unsigned k = 0; k < L->ntpl; k++) {
                events__ltpl_t *t = L->tpl[k];

                if (tpl_match(L, t, buf, len))
                        continue;
                memmove(&L->tpl[1], &L->tpl[0], k * sizeof(L->tpl[0]));
                L->tpl[0] = t;
                t->hits++;
                L->miss_run = 0;
                return t;
        }
        if (++L->miss_run >= LAYOUT_MISSES) {
                L->miss_run = 0;
                L->pause = LAYOUT_PAUSE;
        }
        return NULL;
}

/* ------------------------------------------------------------ validator */

typedef struct lv_s {
        const events__lite_t *L;
        int depth;
        sch_matcher_t matcher;
} lv_t;

static int lv(lv_t *c, const sch_node_t *n, uint32_t i);

static int is_num(const events__lnode_t *v) {
        return v->type == EVENTS__LT_INT || v->type == EVENTS__LT_REAL;
}

static long double lnum(const events__lnode_t *v) {
        return v->type == EVENTS__LT_INT ? (long double)v->num.i
                                         : (long double)v->num.d;
}

/* schema_validate.c's num_cmp() with a lite number on the left. */
static int lnum_cmp(const events__lnode_t *a, const json_t *b) {
        if (a->type == EVENTS__LT_INT && json_is_integer(b)) {
                json_int_t x = a->num.i, y = json_integer_value(b);
                return x < y ? -1 : x > y;
        }
        {
                long double x = lnum(a),
                            y = json_is_integer(b)
                                        ? (long double)json_integer_value(b)
                                        : (long double)json_real_value(b);
                return x < y ? -1 : x > y;
        }
}

/* 1 when certainly equal (events__json_equal()); 0 when not, or when
 * @p v is an object or an array (not compared here). */
static int lequal(const json_t *j, const events__lnode_t *v) {
        if (is_num(v))
                return json_is_number(j) && lnum_cmp(v, j) == 0;
        switch (v->type) {
        case EVENTS__LT_STRING:
                return json_is_string(j) && json_string_length(j) == v->len &&
                       !memcmp(json_string_value(j), v->s, v->len);
        case EVENTS__LT_TRUE:
                return json_is_true(j);
        case EVENTS__LT_FALSE:
                return json_is_false(j);
        case EVENTS__LT_NULL:
                return json_is_null(j);
        default:
                return 0;
        }
}

static unsigned ltype(const events__lnode_t *v) {
        switch (v->type) {
        case EVENTS__LT_OBJECT:
                return SCH_T_OBJECT;
        case EVENTS__LT_ARRAY:
                return SCH_T_ARRAY;
        case EVENTS__LT_STRING:
                return SCH_T_STRING;
        case EVENTS__LT_INT:
                return SCH_T_INTEGER | SCH_T_NUMBER;
        case EVENTS__LT_REAL:
                return isfinite(v->num.d) && v->num.d == floor(v->num.d)
                               ? SCH_T_INTEGER | SCH_T_NUMBER
                               : SCH_T_NUMBER;
        case EVENTS__LT_TRUE:
        case EVENTS__LT_FALSE:
                return SCH_T_BOOLEAN;
        default:
                return SCH_T_NULL;
        }
}

static int lv_number(const sch_node_t *n, const events__lnode_t *v) {
        if (n->keys & SCH_K_MULTIPLE_OF)
                return 0; /* not handled here */
        if ((n->keys & SCH_K_MAXIMUM) && lnum_cmp(v, n->maximum) > 0)
                return 0;
        if ((n->keys & SCH_K_EXCL_MAXIMUM) && lnum_cmp(v, n->excl_maximum) >= 0)
                return 0;
        if ((n->keys & SCH_K_MINIMUM) && lnum_cmp(v, n->minimum) < 0)
                return 0;
        if ((n->keys & SCH_K_EXCL_MINIMUM) && lnum_cmp(v, n->excl_minimum) <= 0)
                return 0;
        return 1;
}

static int lv_string(lv_t *c, const sch_node_t *n, const events__lnode_t *v) {
        if (n->max_length >= 0 || n->min_length >= 0) {
                size_t cps = 0;

                for (size_t k = 0; k < v->len; k++)
                        cps += ((unsigned char)v->s[k] & 0xC0) != 0x80;
                if (n->max_length >= 0 && cps > (size_t)n->max_length)
                        return 0;
                if (n->min_length >= 0 && cps < (size_t)n->min_length)
                        return 0;
        }
        if (n->pattern.code &&
            events__regex_search(&n->pattern, v->s, v->len, &c->matcher) != 1)
                return 0;
        if (n->format != SCH_F_NONE &&
            !(n->format == SCH_F_DATE_TIME && v->is_ts) &&
            !events__format_check(n->format, v->s, v->len))
                return 0;
        return 1;
}

static int lv_array(lv_t *c, const sch_node_t *n, uint32_t i) {
        const events__lnode_t *v = &c->L->n[i];

        if (n->items_array || n->contains || (n->keys & SCH_K_UNIQUE_ITEMS))
                return 0; /* not handled here */
        if (n->max_items >= 0 && v->count > (unsigned long long)n->max_items)
                return 0;
        if (n->min_items >= 0 && v->count < (unsigned long long)n->min_items)
                return 0;
        if (n->items)
                for (uint32_t k = i + 1; k < v->end; k = c->L->n[k].end)
                        if (!lv(c, n->items, k))
                                return 0;
        return 1;
}

/* 0 when the byte table of a simple pattern (schema_int.h) already
 * refuses the first byte of @p s, as simple_match() would; 1 when the
 * pattern must run. */
static int first_byte_may_match(const sch_regex_t *re, const char *s,
                                size_t len) {
        unsigned char ch;

        if (!re->n_seg || !len || (re->n_seg > 1 && re->seg[0].min == 0))
                return 1;
        ch = (unsigned char)s[0];
        return (re->seg[0].set[ch >> 3] >> (ch & 7)) & 1;
}

static int lv_object(lv_t *c, const sch_node_t *n, uint32_t i) {
        const events__lite_t *L = c->L;
        const events__lnode_t *v = &L->n[i];
        uint64_t seen = 0; /* which props the object has */

        if (n->property_names || n->n_deps)
                return 0; /* not handled here */
        if (n->max_properties >= 0 &&
            v->count > (unsigned long long)n->max_properties)
                return 0;
        if (n->min_properties >= 0 &&
            v->count < (unsigned long long)n->min_properties)
                return 0;
        /* "required" from the walk below when every name is a property,
         * as schema_validate.c's yes/no path does. */
        if (!n->required_by_props)
                for (size_t r = 0; r < n->n_required; r++)
                        if (events__lite_get(L, i, n->required[r],
                                             strlen(n->required[r])) < 0)
                                return 0;
        if (!n->n_props && !n->n_pprops && !n->additional_properties)
                return 1;
        for (uint32_t k = i + 1; k < v->end; k = L->n[k].end) {
                const events__lnode_t *m = &L->n[k];
                int matched = 0;

                for (size_t p = 0; p < n->n_props; p++) {
                        if (n->props[p].len != m->klen ||
                            memcmp(n->props[p].name, m->key, m->klen))
                                continue;
                        matched = 1;
                        seen |= (uint64_t)1 << (p & 63);
                        if (!lv(c, n->props[p].schema, k))
                                return 0;
                        break;
                }
                for (size_t p = 0; p < n->n_pprops; p++) {
                        const sch_regex_t *re = &n->pprops[p].re;
                        int hit;

                        if (!first_byte_may_match(re, m->key, m->klen))
                                continue;
                        hit = events__regex_search(re, m->key, m->klen,
                                                   &c->matcher);
                        if (hit < 0)
                                return 0;
                        if (!hit)
                                continue;
                        matched = 1;
                        if (!lv(c, n->pprops[p].schema, k))
                                return 0;
                }
                if (!matched && n->additional_properties &&
                    !lv(c, n->additional_properties, k))
                        return 0;
        }
        if (n->required_by_props)
                for (size_t r = 0; r < n->n_required; r++)
                        if (!(seen & (uint64_t)1 << n->required_prop[r]))
                                return 0;
        return 1;
}

/* Keyword groups of a node (sch_node_t.lite), so that a node is asked
 * only about the keywords it has. */
enum {
        LK_READY = 1 << 0,   /* the mask is filled in */
        LK_DECLINE = 1 << 1, /* if, oneOf, not: not handled here */
        LK_ENUM = 1 << 2,
        LK_CONST = 1 << 3,
        LK_NUM = 1 << 4, /* maximum, minimum, exclusive*, multipleOf */
        LK_STR = 1 << 5, /* maxLength, minLength, pattern, format */
        LK_ARR = 1 << 6, /* any array keyword */
        LK_OBJ = 1 << 7, /* any object keyword */
        LK_ALL_OF = 1 << 8,
        LK_ANY_OF = 1 << 9
};

static unsigned lite_mask(const sch_node_t *n) {
        unsigned m = LK_READY;

        if (n->if_ || n->one_of || n->not_)
                m |= LK_DECLINE;
        if (n->enum_values)
                m |= LK_ENUM;
        if (n->keys & SCH_K_CONST)
                m |= LK_CONST;
        if (n->keys & SCH_K_NUMERIC)
                m |= LK_NUM;
        if (n->max_length >= 0 || n->min_length >= 0 || n->pattern.code ||
            n->format != SCH_F_NONE)
                m |= LK_STR;
        if (n->items || n->items_array || n->contains ||
            (n->keys & SCH_K_UNIQUE_ITEMS) || n->max_items >= 0 ||
            n->min_items >= 0)
                m |= LK_ARR;
        if (n->property_names || n->n_deps || n->max_properties >= 0 ||
            n->min_properties >= 0 || n->n_required || n->n_props ||
            n->n_pprops || n->additional_properties)
                m |= LK_OBJ;
        if (n->n_all_of)
                m |= LK_ALL_OF;
        if (n->any_of)
                m |= LK_ANY_OF;
        return m;
}

void events__lite_prepare(sch_node_t *n) {
        n->lite = lite_mask(n);
}

/* Whether string @p v is one of @p n's enum of strings (n->enum_str). */
static int in_enum_str(const sch_node_t *n, const events__lnode_t *v) {
        for (size_t k = 0; k < n->n_enum_str; k++)
                if (n->enum_str[k].len == v->len &&
                    !memcmp(n->enum_str[k].s, v->s, v->len))
                        return 1;
        return 0;
}

static int lv_node(lv_t *c, const sch_node_t *n, uint32_t i) {
        const events__lnode_t *v = &c->L->n[i];
        unsigned t, m;

        if (n->boolean >= 0)
                return n->boolean == 1;
        m = n->lite & LK_READY ? n->lite : lite_mask(n);
        if (m & LK_DECLINE)
                return 0; /* not handled here */
        t = ltype(v);
        if (n->types && !(n->types & t))
                return 0;
        if (m & LK_ENUM) {
                size_t k;
                const json_t *e;
                int found = 0;

                if (n->enum_str) {
                        /* Only strings: only a string can be one. */
                        found = v->type == EVENTS__LT_STRING &&
                                in_enum_str(n, v);
                } else {
                        json_array_foreach(n->enum_values, k, e) {
                                if (lequal(e, v)) {
                                        found = 1;
                                        break;
                                }
                        }
                }
                if (!found)
                        return 0;
        }
        if ((m & LK_CONST) && !lequal(n->const_value, v))
                return 0;
        if (t & SCH_T_NUMBER) {
                if ((m & LK_NUM) && !lv_number(n, v))
                        return 0;
        } else if (t == SCH_T_STRING) {
                if ((m & LK_STR) && !lv_string(c, n, v))
                        return 0;
        } else if (t == SCH_T_ARRAY) {
                if ((m & LK_ARR) && !lv_array(c, n, i))
                        return 0;
        } else if (t == SCH_T_OBJECT) {
                if ((m & LK_OBJ) && !lv_object(c, n, i))
                        return 0;
        }
        if (m & LK_ALL_OF)
                for (size_t k = 0; k < n->n_all_of; k++)
                        if (!lv(c, n->all_of[k], i))
                                return 0;
        if (m & LK_ANY_OF) {
                int found = 0;

                for (size_t k = 0; k < n->n_any_of && !found; k++)
                        found = lv(c, n->any_of[k], i);
                if (!found)
                        return 0;
        }
        return 1;
}

/* @p n past its "$ref"s, or NULL when they do not end. */
static const sch_node_t *past_refs(const sch_node_t *n) {
        for (int hops = 0; n->ref; hops++) {
                if (hops == 64)
                        return NULL;
                n = n->ref;
        }
        return n;
}

static int lv(lv_t *c, const sch_node_t *n, uint32_t i) {
        int ok;

        if (!(n = past_refs(n)) || c->depth >= LITE_MAX_SCHEMA_DEPTH)
                return 0;
        c->depth++;
        ok = lv_node(c, n, i);
        c->depth--;
        return ok;
}

/* Whether node @p i of layout @p t is a value that varies. */
static int is_slot(const events__ltpl_t *t, uint32_t i) {
        uint32_t lo = 0, hi = t->nslot;

        while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;

                if (t->slot[mid].node == i)
                        return 1;
                if (t->slot[mid].node < i)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return 0;
}

/* Kinds of plan checks (events__lcheck_t.kind). */
enum {
        LC_FULL, /* lv_node() */
        LC_INT,  /* an integer within [lo, hi], when the value is one */
        LC_STR   /* a string: enum, string keywords, anyOf of formats */
};

/* Whether every anyOf branch of @p n asks a string only for a format
 * (and perhaps to be a string): {"format": "ipv4"}. */
static int any_of_formats(const sch_node_t *n) {
        for (size_t k = 0; k < n->n_any_of; k++) {
                const sch_node_t *b = past_refs(n->any_of[k]);

                if (!b || b->boolean >= 0 ||
                    lite_mask(b) != (LK_READY | LK_STR) ||
                    (b->types && !(b->types & SCH_T_STRING)) ||
                    b->max_length >= 0 || b->min_length >= 0 ||
                    b->pattern.code || b->format == SCH_F_NONE)
                        return 0;
        }
        return 1;
}

/*
 * Choose how a plan checks node @p i against @p n. lv_node() asks a
 * value about every keyword group the node has; for the schemas scalars
 * mostly have (an integer's bounds; a string's enum, lengths, pattern,
 * format, or an anyOf of formats) the same verdict comes from fewer
 * questions. Anything else, and a value of another type than the one
 * chosen for, goes to lv_node().
 */
static void lcheck_compile(events__lcheck_t *ck, const sch_node_t *n,
                           uint32_t i) {
        unsigned m = lite_mask(n);
        const unsigned other = LK_DECLINE | LK_CONST | LK_ALL_OF;

        ck->node = i;
        ck->schema = n;
        ck->kind = LC_FULL;
        ck->str = (m & LK_STR) != 0;
        ck->lo = INT64_MIN;
        ck->hi = INT64_MAX;
        if (n->boolean >= 0 || (m & other))
                return;
        if (!(m & (LK_ENUM | LK_ANY_OF)) && !(n->keys & SCH_K_MULTIPLE_OF) &&
            (!n->types || (n->types & (SCH_T_INTEGER | SCH_T_NUMBER)))) {
                /* Integer bounds only: a real bound goes to lv_node(). */
                if (((n->keys & SCH_K_MAXIMUM) &&
                     !json_is_integer(n->maximum)) ||
                    ((n->keys & SCH_K_MINIMUM) &&
                     !json_is_integer(n->minimum)) ||
                    ((n->keys & SCH_K_EXCL_MAXIMUM) &&
                     (!json_is_integer(n->excl_maximum) ||
                      json_integer_value(n->excl_maximum) == INT64_MIN)) ||
                    ((n->keys & SCH_K_EXCL_MINIMUM) &&
                     (!json_is_integer(n->excl_minimum) ||
                      json_integer_value(n->excl_minimum) == INT64_MAX)))
                        return;
                if (n->keys & SCH_K_MAXIMUM)
                        ck->hi = json_integer_value(n->maximum);
                if ((n->keys & SCH_K_EXCL_MAXIMUM) &&
                    json_integer_value(n->excl_maximum) - 1 < ck->hi)
                        ck->hi = json_integer_value(n->excl_maximum) - 1;
                if (n->keys & SCH_K_MINIMUM)
                        ck->lo = json_integer_value(n->minimum);
                if ((n->keys & SCH_K_EXCL_MINIMUM) &&
                    json_integer_value(n->excl_minimum) + 1 > ck->lo)
                        ck->lo = json_integer_value(n->excl_minimum) + 1;
                ck->kind = LC_INT;
                return;
        }
        if ((!n->types || (n->types & SCH_T_STRING)) &&
            (!(m & LK_ENUM) || n->enum_str) &&
            (!(m & LK_ANY_OF) || any_of_formats(n)))
                ck->kind = LC_STR;
}

/* A string against an LC_STR check's node: lv_node()'s verdict. */
static int lcheck_string(lv_t *c, const events__lcheck_t *ck,
                         const events__lnode_t *v) {
        const sch_node_t *n = ck->schema;
        int found;

        if (n->enum_values && !in_enum_str(n, v))
                return 0;
        if (ck->str && !lv_string(c, n, v))
                return 0;
        if (n->any_of) {
                found = 0;
                for (size_t k = 0; k < n->n_any_of && !found; k++)
                        found = lv_string(c, past_refs(n->any_of[k]), v);
                if (!found)
                        return 0;
        }
        return 1;
}

static int lcheck(lv_t *c, const events__lcheck_t *ck) {
        const events__lnode_t *v = &c->L->n[ck->node];

        if (ck->kind == LC_INT && v->type == EVENTS__LT_INT)
                return v->num.i >= ck->lo && v->num.i <= ck->hi;
        if (ck->kind == LC_STR && v->type == EVENTS__LT_STRING)
                return lcheck_string(c, ck, v);
        return lv_node(c, ck->schema, ck->node);
}

/* events__lite_plan() below node @p i; @p c for its regex matcher. */
static int lplan(lv_t *c, events__ltpl_t *t, const sch_node_t *n, uint32_t i,
                 int depth) {
        const events__lite_t *L = c->L;
        const events__lnode_t *v = &L->n[i];
        unsigned m;

        if (!(n = past_refs(n)) || depth >= LITE_MAX_SCHEMA_DEPTH)
                return 0;
        if (n->boolean >= 0)
                return n->boolean == 1;
        if (v->type != EVENTS__LT_OBJECT && v->type != EVENTS__LT_ARRAY) {
                /* A value that is part of the layout (true, false, null,
                 * the fixed one) is the same on every line: it passed. */
                if (i < t->used && !is_slot(t, i))
                        return 1;
                /* Another value: checked in full on every line. */
                if (grow(&t->check, &t->check_cap, t->ncheck + 1,
                         sizeof(*t->check)))
                        return 0;
                lcheck_compile(&t->check[t->ncheck], n, i);
                t->ncheck++;
                return 1;
        }
        /* An object or an array: its keys and sizes are the layout's; the
         * keywords that look at more than those make no plan. */
        m = n->lite & LK_READY ? n->lite : lite_mask(n);
        if (m & (LK_DECLINE | LK_ENUM | LK_CONST | LK_ANY_OF))
                return 0;
        if (m & LK_ALL_OF)
                for (size_t k = 0; k < n->n_all_of; k++)
                        if (!lplan(c, t, n->all_of[k], i, depth + 1))
                                return 0;
        if (v->type == EVENTS__LT_ARRAY && (m & LK_ARR)) {
                if (n->items_array || n->contains ||
                    (n->keys & SCH_K_UNIQUE_ITEMS))
                        return 0;
                if (n->items)
                        for (uint32_t k = i + 1; k < v->end; k = L->n[k].end)
                                if (!lplan(c, t, n->items, k, depth + 1))
                                        return 0;
        }
        if (v->type == EVENTS__LT_OBJECT && (m & LK_OBJ)) {
                if (n->property_names || n->n_deps)
                        return 0;
                /* The members' schemas, found as lv_object() finds them. */
                for (uint32_t k = i + 1; k < v->end; k = L->n[k].end) {
                        const events__lnode_t *mb = &L->n[k];
                        int matched = 0, hit;

                        for (size_t q = 0; q < n->n_props; q++) {
                                if (n->props[q].len != mb->klen ||
                                    memcmp(n->props[q].name, mb->key, mb->klen))
                                        continue;
                                matched = 1;
                                if (!lplan(c, t, n->props[q].schema, k,
                                           depth + 1))
                                        return 0;
                                break;
                        }
                        for (size_t q = 0; q < n->n_pprops; q++) {
                                hit = events__regex_search(&n->pprops[q].re,
                                                           mb->key, mb->klen,
                                                           &c->matcher);
                                if (hit < 0)
                                        return 0;
                                if (!hit)
                                        continue;
                                matched = 1;
                                if (!lplan(c, t, n->pprops[q].schema, k,
                                           depth + 1))
                                        return 0;
                        }
                        if (!matched && n->additional_properties &&
                            !lplan(c, t, n->additional_properties, k,
                                   depth + 1))
                                return 0;
                }
        }
        return 1;
}

int events__lite_plan(events__ltpl_t *t, const sch_node_t *schema,
                      const events__lite_t *L, uint32_t i) {
        lv_t c;
        int ok;

        if (!t || !schema || i >= L->used)
                return 0;
        /* The tree the plan is for may have grown past the layout's nodes
         * (a timestamp appended); every line of the layout grows alike. */
        t->plan_used = (uint32_t)L->used;
        c.L = L;
        c.depth = 0;
        events__matcher_init(&c.matcher);
        ok = lplan(&c, t, schema, i, 0);
        events__matcher_fini(&c.matcher);
        return ok;
}

int events__lite_plan_check(const events__ltpl_t *t, const events__lite_t *L) {
        lv_t c;
        int ok = 1;

        if (!t->planned || L->used != t->plan_used)
                return 0;
        c.L = L;
        c.depth = 0;
        events__matcher_init(&c.matcher);
        /* A check's schema is past its "$ref"s (lplan()): no lv() wrapper. */
        for (uint32_t k = 0; k < t->ncheck && ok; k++)
                ok = lcheck(&c, &t->check[k]);
        events__matcher_fini(&c.matcher);
        return ok;
}

int events__lite_validate(const sch_node_t *schema, const events__lite_t *L,
                          uint32_t i) {
        lv_t c; /* not zero-filled: the matcher's arena is large */
        int ok;

        if (!schema || i >= L->used)
                return 0;
        c.L = L;
        c.depth = 0;
        events__matcher_init(&c.matcher);
        ok = lv(&c, schema, i);
        events__matcher_fini(&c.matcher);
        return ok;
}
