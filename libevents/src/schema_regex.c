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
 * their Perl meaning. A "pattern" is a search, not anchored.
 *
 * Compiled code is JIT-compiled when the platform allows it. It is read
 * only afterwards; each validation brings its own match data, from an
 * arena on its own stack, so that threads never share one and a
 * validation does not go to the heap for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

/* PCRE2's JIT code reads ahead in words past the subject, which valgrind
 * reports as uses of uninitialised memory though no result depends on
 * them. Under valgrind the interpreter runs instead: same answers, and the
 * unit tests stay meaningful there. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define EVENTS__UNDER_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef EVENTS__UNDER_VALGRIND
#define EVENTS__UNDER_VALGRIND() 0
#endif

/* ECMA-262 WhiteSpace and LineTerminator, minus what PCRE2's \s has
 * (written \uHHHH: with PCRE2_ALT_BSUX, \x{...} is not read). */
#define ECMA_EXTRA_SPACE                                                       \
        "\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"     \
        "\\ufeff"

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

/* Rewrite @p src for PCRE2. @returns 0, -1 out of memory, -2 not ECMA. */
static int translate(const char *src, size_t len, buf_t *out, char *why,
                     size_t whysize) {
        int in_class = 0;
        size_t i;

        for (i = 0; i < len; i++) {
                char c = src[i];
                int rc = 0;

                if (c == '\\') {
                        char e;
                        if (i + 1 >= len) {
                                snprintf(why, whysize, "a \\ at the end");
                                return -2;
                        }
                        e = src[++i];
                        if (e && strchr("AZzGhHKRXQEC", e)) {
                                snprintf(why, whysize,
                                         "\\%c is not an ECMA-262 escape", e);
                                return -2;
                        }
                        if (e == 's')
                                rc = in_class
                                             ? buf_put(out,
                                                       "\\s" ECMA_EXTRA_SPACE,
                                                       sizeof("\\"
                                                              "s" ECMA_EXTRA_SPACE) -
                                                               1)
                                             : buf_put(out,
                                                       "[\\s" ECMA_EXTRA_SPACE
                                                       "]",
                                                       sizeof("[\\"
                                                              "s" ECMA_EXTRA_SPACE
                                                              "]") -
                                                               1);
                        else if (e == 'S' && !in_class)
                                rc = buf_put(
                                        out, "[^\\s" ECMA_EXTRA_SPACE "]",
                                        sizeof("[^\\s" ECMA_EXTRA_SPACE "]") -
                                                1);
                        else {
                                rc = buf_put(out, src + i - 1, 2);
                        }
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

/* Recognize "^[set]Q$" where set holds ASCII characters, ranges, \d, \w
 * and escaped punctuation, and Q is +, *, ?, {n}, {n,} or {n,m}. Anything
 * else stays with PCRE2. */
static void simple_parse(sch_regex_t *re, const char *src, size_t len) {
        const char *p = src, *end = src + len;

        memset(re->set, 0, sizeof(re->set));
        if (len < 5 || p[0] != '^' || p[1] != '[' || p[2] == '^' ||
            end[-1] != '$')
                return;
        end--; /* the '$' */
        p += 2;
        while (p < end && *p != ']') {
                unsigned lo;
                if (*p == '\\') {
                        if (++p >= end)
                                return;
                        if (*p == 'd') {
                                set_add(re->set, '0', '9');
                                p++;
                                continue;
                        }
                        if (*p == 'w') {
                                set_add(re->set, '0', '9');
                                set_add(re->set, 'A', 'Z');
                                set_add(re->set, 'a', 'z');
                                set_add(re->set, '_', '_');
                                p++;
                                continue;
                        }
                        if (!*p || !strchr(".-_+*?^$()[]{}|/\\", *p))
                                return;
                } else if ((unsigned char)*p >= 0x80 || *p == '[') {
                        return;
                }
                lo = (unsigned char)*p++;
                if (p + 1 < end && *p == '-' && p[1] != ']') {
                        unsigned hi = (unsigned char)p[1];
                        if (p[1] == '\\' || hi >= 0x80 || hi < lo)
                                return;
                        set_add(re->set, lo, hi);
                        p += 2;
                } else {
                        set_add(re->set, lo, lo);
                }
        }
        if (p >= end || *p != ']')
                return;
        p++;
        if (p == end)
                return; /* "^[a]$": one character; rare, leave it */
        if (*p == '+' && p + 1 == end) {
                re->min = 1, re->max = (size_t)-1;
        } else if (*p == '*' && p + 1 == end) {
                re->min = 0, re->max = (size_t)-1;
        } else if (*p == '?' && p + 1 == end) {
                re->min = 0, re->max = 1;
        } else if (*p == '{') {
                p++;
                if (read_count(&p, end, &re->min))
                        return;
                re->max = re->min;
                if (p < end && *p == ',') {
                        p++;
                        re->max = (size_t)-1;
                        if (p < end && *p != '}' &&
                            read_count(&p, end, &re->max))
                                return;
                }
                if (p + 1 != end || *p != '}' || re->max < re->min)
                        return;
        } else {
                return;
        }
        re->simple = 1;
}

static int simple_match(const sch_regex_t *re, const char *s, size_t len) {
        if (len < re->min || len > re->max)
                return 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (!(re->set[ch >> 3] & (1u << (ch & 7))))
                        return 0; /* non-ASCII bytes are never in the set */
        }
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
        if (!EVENTS__UNDER_VALGRIND())
                (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
        simple_parse(re, src, len);
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
        int rc;

        if (re->simple)
                return simple_match(re, s, len);
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
        if (rc >= 0)
                return 1;
        return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int events__regex_valid(const char *src, size_t len) {
        sch_regex_t re;
        char why[128];

        if (events__regex_compile(&re, src, len, why, sizeof(why)))
                return 0;
        events__regex_free(&re);
        return 1;
}
