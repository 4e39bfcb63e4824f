/*
 * schema_regex.c - ECMA-262 regular expressions ("pattern",
 * "patternProperties", format "regex") on PCRE2.
 *
 * PCRE2 is close to ECMA-262 once told so: UTF mode without UCP keeps \d
 * and \w ASCII as in ECMA; PCRE2_DOLLAR_ENDONLY makes "$" match only at the
 * very end; PCRE2_ALT_BSUX and PCRE2_EXTRA_ALT_BSUX read \uHHHH, \u{H...}
 * and \xHH the ECMA way; "[]" and "[^]" are allowed; a back reference to an
 * unset group matches the empty string. What remains is translated before
 * compiling: ECMA's \s and \S include the Unicode spaces, and escapes that
 * ECMA does not have (\A, \Z, \z, \G, \Q...) are rejected rather than given
 * their Perl meaning; "." excludes every ECMA line terminator; a UTF-16
 * surrogate pair written as two \uHHHH escapes becomes one code point. A
 * "pattern" is a search, not anchored.
 *
 * Compiled code is JIT-compiled when the platform allows it. It is read
 * only afterwards; each validation brings its own match data, from an
 * arena on its own stack, so that threads never share one and a
 * validation does not go to the heap for it. Short subjects' verdicts are
 * remembered, per thread (memo_t below).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

/* PCRE2's JIT code reads ahead in words past the subject, which valgrind
 * reports as uses of uninitialised memory though no result depends on
 * them. Under valgrind the interpreter runs instead: same answers, and the
 * unit tests stay meaningful there. EVENTS_VALGRIND_JIT=1 keeps the JIT
 * under valgrind, for callgrind's instruction counts (bench/producer/
 * instructions): the interpreter costs several times what the JIT code
 * does, and what is measured should be what runs. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define EVENTS__UNDER_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef EVENTS__UNDER_VALGRIND
#define EVENTS__UNDER_VALGRIND() 0
#endif

static int jit_under_valgrind(void) {
        const char *v = getenv("EVENTS_VALGRIND_JIT");

        return v && !strcmp(v, "1");
}

/* ECMA-262's \s: WhiteSpace and LineTerminator, PCRE2's \s plus the
 * Unicode spaces (written \uHHHH: with PCRE2_ALT_BSUX, \x{...} is not
 * read). */
#define ECMA_SPACE                                                             \
        "\\s\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f"         \
        "\\u3000\\ufeff"

typedef struct buf_s {
        char *p;
        size_t len, cap;
} buf_t;

static int buf_put(buf_t *b, const char *s, size_t n) {
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 64;
                char *p;
                while (cap < b->len + n + 1)
                        cap *= 2;
                if (!(p = realloc(b->p, cap)))
                        return -1;
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
        return 0;
}

static int put(buf_t *b, const char *s) {
        return buf_put(b, s, strlen(s));
}

/* The value of "\\uHHHH" at src[i] (i at the backslash), or -1. */
static long u_escape(const char *src, size_t len, size_t i) {
        char hex[5];
        char *end;
        long v;

        if (i + 6 > len || src[i] != '\\' || src[i + 1] != 'u')
                return -1;
        memcpy(hex, src + i + 2, 4);
        hex[4] = '\0';
        v = strtol(hex, &end, 16);
        return *end || hex[0] == '+' || hex[0] == '-' || hex[0] == ' ' ? -1 : v;
}

/* Rewrite @p src for PCRE2. @returns 0, -1 out of memory, -2 not ECMA. */
static int translate(const char *src, size_t len, buf_t *out, char *why,
                     size_t whysize) {
        int in_class = 0;
        size_t i;

        for (i = 0; i < len; i++) {
                char c = src[i];
                int rc = 0;
                long hi, lo;

                if (c == '\\' && i + 1 >= len) {
                        snprintf(why, whysize, "a \\ at the end");
                        return -2;
                }
                if (c == '\\' && (hi = u_escape(src, len, i)) >= 0xD800 &&
                    hi <= 0xDBFF &&
                    (lo = u_escape(src, len, i + 6)) >= 0xDC00 &&
                    lo <= 0xDFFF) {
                        /* a UTF-16 surrogate pair is one code point */
                        char cp[16];
                        snprintf(cp, sizeof(cp), "\\u{%lx}",
                                 0x10000 + ((hi - 0xD800) << 10) +
                                         (lo - 0xDC00));
                        rc = put(out, cp);
                        i += 11;
                } else if (c == '\\') {
                        char e = src[++i];
                        if (e && strchr("AZzGhHKRXQEC", e)) {
                                snprintf(why, whysize,
                                         "\\%c is not an ECMA-262 escape", e);
                                return -2;
                        }
                        if (e == 's')
                                rc = in_class ? put(out, ECMA_SPACE)
                                              : put(out, "[" ECMA_SPACE "]");
                        else if (e == 'S' && !in_class)
                                rc = put(out, "[^" ECMA_SPACE "]");
                        else
                                rc = buf_put(out, src + i - 1, 2);
                } else if (c == '.' && !in_class) {
                        /* ECMA's "." stops at every line terminator */
                        rc = put(out, "[^\\n\\r\\u2028\\u2029]");
                } else {
                        if (c == '[' && !in_class)
                                in_class = 1;
                        else if (c == ']' && in_class)
                                in_class = 0;
                        rc = buf_put(out, &c, 1);
                }
                if (rc)
                        return -1;
        }
        if (!out->p && buf_put(out, "", 0))
                return -1;
        return 0;
}

static void set_add(unsigned char *set, unsigned lo, unsigned hi) {
        for (unsigned ch = lo; ch <= hi; ch++)
                set[ch >> 3] |= (unsigned char)(1u << (ch & 7));
}

static int read_count(const char **p, const char *end, size_t *out) {
        size_t v = 0;
        const char *q = *p;
        if (q >= end || *q < '0' || *q > '9')
                return -1;
        while (q < end && *q >= '0' && *q <= '9') {
                v = v * 10 + (size_t)(*q++ - '0');
                if (v > 100000)
                        return -1;
        }
        *p = q;
        *out = v;
        return 0;
}

/* Read one atom of a simple pattern into @p set: a literal, an escaped
 * punctuation character, \\d, \\w, or a [set] of those and ranges.
 * @returns 0, or -1 when the atom is beyond the simple subset. */
static int simple_atom(const char **pp, const char *end, unsigned char *set) {
        const char *p = *pp;
        int in_class = 0;

        if (*p == '[') {
                in_class = 1;
                if (++p >= end || *p == '^' || *p == ']')
                        return -1;
        }
        do {
                unsigned lo;
                if (*p == '\\') {
                        if (++p >= end)
                                return -1;
                        if (*p == 'd' || *p == 'w') {
                                set_add(set, '0', '9');
                                if (*p == 'w') {
                                        set_add(set, 'A', 'Z');
                                        set_add(set, 'a', 'z');
                                        set_add(set, '_', '_');
                                }
                                p++;
                                continue;
                        }
                        if (!*p || !strchr(".-_+*?^$()[]{}|/\\", *p))
                                return -1;
                } else if ((unsigned char)*p >= 0x80 || *p == '[' ||
                           (!in_class && strchr(".^$*+?()]{}|", *p))) {
                        return -1;
                }
                lo = (unsigned char)*p++;
                if (in_class && p + 1 < end && *p == '-' && p[1] != ']') {
                        unsigned hi = (unsigned char)p[1];
                        if (p[1] == '\\' || hi >= 0x80 || hi < lo)
                                return -1;
                        set_add(set, lo, hi);
                        p += 2;
                } else {
                        set_add(set, lo, lo);
                }
        } while (in_class && p < end && *p != ']');
        if (in_class) {
                if (p >= end)
                        return -1;
                p++; /* the ']' */
        }
        *pp = p;
        return 0;
}

/* A quantifier after an atom: none, +, *, ?, {n}, {n,}, {n,m}. */
static int simple_quantifier(const char **pp, const char *end, size_t *min,
                             size_t *max) {
        const char *p = *pp;

        *min = *max = 1;
        if (p < end && (*p == '+' || *p == '*' || *p == '?')) {
                *min = *p == '+';
                *max = *p == '?' ? 1 : (size_t)-1;
                p++;
        } else if (p < end && *p == '{') {
                p++;
                if (read_count(&p, end, min))
                        return -1;
                *max = *min;
                if (p < end && *p == ',') {
                        p++;
                        *max = (size_t)-1;
                        if (p < end && *p != '}' && read_count(&p, end, max))
                                return -1;
                }
                if (p >= end || *p != '}' || *max < *min)
                        return -1;
                p++;
        }
        if (p < end && strchr("+*?{", *p))
                return -1; /* lazy or possessive: leave it to PCRE2 */
        *pp = p;
        return 0;
}

static void simple_parse(sch_regex_t *re, const char *src, size_t len) {
        const char *p = src, *end = src + len;
        size_t n = 0;

        re->n_seg = 0;
        if (len < 3 || p[0] != '^' || end[-1] != '$' ||
            (len >= 2 && end[-2] == '\\'))
                return;
        p++;
        end--;
        while (p < end) {
                struct sch_seg_s *g;
                if (n == sizeof(re->seg) / sizeof(re->seg[0]))
                        return;
                g = &re->seg[n];
                memset(g->set, 0, sizeof(g->set));
                if (simple_atom(&p, end, g->set) ||
                    simple_quantifier(&p, end, &g->min, &g->max))
                        return;
                /* only the last part may vary in length */
                if (n > 0 && re->seg[n - 1].min != re->seg[n - 1].max)
                        return;
                n++;
        }
        re->n_seg = n;
}

static int simple_match(const sch_regex_t *re, const char *s, size_t len) {
        const struct sch_seg_s *last = &re->seg[re->n_seg - 1];
        size_t pos = 0, i, g;

        for (g = 0; g + 1 < re->n_seg; g++)
                pos += re->seg[g].min;
        if (len < pos + last->min || len - pos > last->max)
                return 0;
        pos = 0;
        for (g = 0; g < re->n_seg; g++) {
                const struct sch_seg_s *sg = &re->seg[g];
                size_t count = g + 1 < re->n_seg ? sg->min : len - pos;
                for (i = 0; i < count; i++, pos++) {
                        unsigned char ch = (unsigned char)s[pos];
                        /* non-ASCII bytes are in no set */
                        if (!(sg->set[ch >> 3] & (1u << (ch & 7))))
                                return 0;
                }
        }
        return 1;
}

/* The ids of compiled patterns: from 1, never reused. */
static atomic_uint_fast64_t next_id = 1;

/*
 * The verdicts of recent PCRE2 searches, per thread. The fields a pattern
 * checks in events (locales, country codes, kinds of things) come back
 * again and again, and a PCRE2 search costs about 250 instructions where a
 * look-up costs a few dozen. An entry is keyed by the pattern's id, which is
 * never reused, so a freed pattern's verdicts cannot answer for another
 * that takes its address; and by the whole subject, up to MEMO_MAX bytes.
 * Each thread has its own table: nothing is shared, nothing is locked.
 */
#define MEMO_SLOTS 64
#define MEMO_MAX 22

typedef struct memo_s {
        uint64_t id; /* 0: empty */
        unsigned char len;
        unsigned char verdict;
        char s[MEMO_MAX];
} memo_t;

static _Thread_local memo_t memo[MEMO_SLOTS];

static memo_t *memo_slot(uint64_t id, const char *s, size_t len) {
        uint64_t h = id * 0x9e3779b97f4a7c15u ^ len;

        for (size_t k = 0; k < len; k++)
                h = (h ^ (unsigned char)s[k]) * 0x100000001b3u;
        return &memo[(h ^ h >> 29) & (MEMO_SLOTS - 1)];
}

static int memo_hit(const memo_t *e, uint64_t id, const char *s, size_t len) {
        if (e->id != id || e->len != len)
                return 0;
        for (size_t k = 0; k < len; k++)
                if (e->s[k] != s[k])
                        return 0;
        return 1;
}

int events__regex_compile(sch_regex_t *re, const char *src, size_t len,
                          char *why, size_t whysize) {
        buf_t b = {0};
        pcre2_compile_context *cc;
        int errcode, rc;
        PCRE2_SIZE erroff;

        memset(re, 0, sizeof(*re));
        rc = translate(src, len, &b, why, whysize);
        if (rc) {
                free(b.p);
                if (rc == -1)
                        snprintf(why, whysize, "out of memory");
                return rc == -1 ? EVENTS_ERR_NOMEM : EVENTS_ERR_SCHEMA;
        }
        if (!(cc = pcre2_compile_context_create(NULL))) {
                free(b.p);
                snprintf(why, whysize, "out of memory");
                return EVENTS_ERR_NOMEM;
        }
        pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
        re->code = pcre2_compile(
                (PCRE2_SPTR)b.p, b.len,
                PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX |
                        PCRE2_ALLOW_EMPTY_CLASS | PCRE2_MATCH_UNSET_BACKREF,
                &errcode, &erroff, cc);
        pcre2_compile_context_free(cc);
        free(b.p);
        if (!re->code) {
                PCRE2_UCHAR msg[120];
                pcre2_get_error_message(errcode, msg, sizeof(msg));
                snprintf(why, whysize, "%s", (const char *)msg);
                return EVENTS_ERR_SCHEMA;
        }
        /* Without JIT (some platforms, some sandboxes) the interpreter
         * gives the same answers, only slower. */
        if (!EVENTS__UNDER_VALGRIND() || jit_under_valgrind())
                (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
        simple_parse(re, src, len);
        re->id = atomic_fetch_add(&next_id, 1);
        if (!(re->source = strndup(src, len))) {
                pcre2_code_free(re->code);
                re->code = NULL;
                snprintf(why, whysize, "out of memory");
                return EVENTS_ERR_NOMEM;
        }
        return EVENTS_OK;
}

void events__regex_free(sch_regex_t *re) {
        if (!re)
                return;
        pcre2_code_free(re->code);
        free(re->source);
        re->code = NULL;
        re->source = NULL;
}

/* PCRE2 allocates through these: from the arena while it lasts (the
 * general context and the match data fit), then from the heap (the
 * interpreter's frames, when there is no JIT). */
static void *arena_malloc(PCRE2_SIZE size, void *data) {
        sch_matcher_t *m = data;
        size_t need = (size + 15) & ~(size_t)15;

        if (m->used + need <= sizeof(m->arena.bytes)) {
                void *p = m->arena.bytes + m->used;
                m->used += need;
                return p;
        }
        return malloc(size);
}

static void arena_free(void *p, void *data) {
        sch_matcher_t *m = data;
        unsigned char *b = p;

        if (b >= m->arena.bytes && b < m->arena.bytes + sizeof(m->arena.bytes))
                return;
        free(p);
}

void events__matcher_init(sch_matcher_t *m) {
        m->gc = NULL;
        m->md = NULL;
        m->used = 0;
}

void events__matcher_fini(sch_matcher_t *m) {
        if (m->md)
                pcre2_match_data_free(m->md);
        if (m->gc)
                pcre2_general_context_free(m->gc);
        events__matcher_init(m);
}

int events__regex_search(const sch_regex_t *re, const char *s, size_t len,
                         sch_matcher_t *m) {
        memo_t *e = NULL;
        int rc;

        if (re->n_seg)
                return simple_match(re, s, len);
        if (len <= MEMO_MAX) {
                e = memo_slot(re->id, s, len);
                if (memo_hit(e, re->id, s, len))
                        return e->verdict;
        }
        if (!m->md) {
                if (!m->gc && !(m->gc = pcre2_general_context_create(
                                        arena_malloc, arena_free, m)))
                        return -1;
                if (!(m->md = pcre2_match_data_create(1, m->gc)))
                        return -1;
        }
        /* jansson hands out valid UTF-8 only, so PCRE2 need not check. */
        rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK,
                         m->md, NULL);
        /* A pattern that backtracks deeply can outgrow the JIT's stack;
         * the interpreter keeps its frames on the heap and goes on. */
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
                rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0,
                                 PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, m->md,
                                 NULL);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
                return -1; /* not remembered: the next search tries again */
        if (e) {
                e->id = re->id;
                e->len = (unsigned char)len;
                e->verdict = rc >= 0;
                memcpy(e->s, s, len);
        }
        return rc >= 0;
}

int events__regex_valid(const char *src, size_t len) {
        sch_regex_t re;
        char why[128];

        if (events__regex_compile(&re, src, len, why, sizeof(why)))
                return 0;
        events__regex_free(&re);
        return 1;
}
