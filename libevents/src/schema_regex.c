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
 * only afterwards; each validation brings its own match data, so that
 * threads never share one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

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
        (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
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

int events__regex_search(const sch_regex_t *re, const char *s, size_t len,
                         pcre2_match_data **mdp) {
        int rc;

        if (!*mdp && !(*mdp = pcre2_match_data_create(1, NULL)))
                return -1;
        /* jansson hands out valid UTF-8 only, so PCRE2 need not check. */
        rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK,
                         *mdp, NULL);
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
