/*
 * schema_validate.c - validate JSON values against compiled schemas, the
 * failures going to a report (schema_report.c). The one validator: every path
 * that says "valid" or "invalid, because..." runs this code.
 *
 * Why one validator over one representation: one per representation
 * would keep two copies of each keyword's meaning, which drift, and what
 * the faster one did not know would send events to the slow path. The
 * instance is always a token tree (lite_int.h): the fast paths parse
 * bytes straight into one, and a jansson value is turned into one first
 * (events__lite_from_json(), its nodes pointing into the value's strings).
 * The tree is read-only, flat and typed like JSON; the conversion costs
 * the jansson path only. A report is the same walk with failures recorded.
 *
 * Validation walks the compiled nodes and the instance together. With no
 * report it stops at the first failure and builds no text at all, which is
 * the fast yes-or-no path. With a report it goes on and records every
 * failure (up to the report's limit) as a JSON pointer into the instance,
 * the keyword that failed and a readable message. Inside "anyOf", "oneOf",
 * "not", "if", "contains" and "propertyNames" the failures of the
 * subschemas are expected and say nothing on their own; they are muted and
 * the keyword reports one summary failure instead, to which "anyOf",
 * "oneOf" and "propertyNames" add the first reason of each subschema
 * (found by validating the subschemas again, on the failure path only).
 *
 * Everything a validation changes lives in its own context on the stack
 * (and the caller's report, and its thread's table of pattern verdicts,
 * schema_regex.c), so any number of threads may validate with one
 * compiled schema. Equality of values (enum, const, uniqueItems) is in
 * schema_values.c.
 *
 * The producer's layouts keep plans (lite_validate.c): a validation with a
 * plan records the checks that stand for it on later lines of the same
 * layout, and they run the same functions again: v_node() on scalars (or
 * v_string() or v_number() straight, when the first line showed that only
 * they can fail), v_run() on the value keywords of containers, and an
 * "if" on a field through that field (run_if()). A container whose schema
 * has anything outside lite_validate.c's positive lists makes no plan.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lite_int.h"
#include "schema_int.h"

/* The steps every scalar takes (type_of(), v_number(), v_string(), and
 * the lean entry v_scalar() through v_node()) are inlined into their
 * callers, v_run(), validate() and the loop of a plan's checks: called,
 * their prologues cost more than their work on a short string. */
#define HOT static inline __attribute__((always_inline))

/* A schema that recurses without consuming the instance ({"allOf":
 * [{"$ref":"#"}]}) would recurse forever; this caps it. */
#define MAX_SCHEMA_DEPTH 512

/* One step of the path from the root to the value being validated: an
 * object key (borrowed from the instance) or, with key NULL, an index. */
typedef struct step_s {
        const char *key;
        size_t n; /* the key's length, or the index */
} step_t;

typedef struct vctx_s {
        const events__lite_t *L; /* the instance */
        events_report_t *report;
        int mute;
        int stop;
        int depth;
        /* The path is kept as steps and written out as a JSON pointer
         * only when a failure is recorded: valid events pay for no text. */
        const char *prefix;
        step_t *path;
        size_t n_path, cap_path;
        step_t inline_path[32];
        sch_matcher_t matcher;
        /* Recording a layout's plan (lite_validate.c): the scalars'
         * checks go to plan; plan_ok drops to 0 when a plan cannot stand
         * for this validation; no_record > 0 below a recorded scalar. */
        events__ltpl_t *plan;
        int plan_ok, no_record;
} vctx_t;

/* ----------------------------------------------------------- helpers */

static char *pointer_text(const vctx_t *c);

/* Record a failure. @returns 1 when validation should stop now: muted,
 * no report (a yes/no question), or the report is full. */
static int fail(vctx_t *c, const char *keyword, const char *fmt, ...)
        EVENTS__PRINTF(3, 4);
static int fail(vctx_t *c, const char *keyword, const char *fmt, ...) {
        events_report_t *r = c->report;
        char msg[512];
        va_list ap;

        if (c->mute || !r || c->stop)
                return 1;
        if (events__report_full(r)) {
                c->stop = 1;
                return 1;
        }
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (events__report_push(r, pointer_text(c), keyword, msg))
                c->stop = 1;
        return c->stop;
}

static int fast(const vctx_t *c) {
        return c->mute || !c->report || c->stop;
}

static void push(vctx_t *c, const char *key, size_t n) {
        if (c->n_path == c->cap_path) {
                size_t cap = c->cap_path * 2;
                step_t *p;
                if (c->path == c->inline_path) {
                        if (!(p = malloc(cap * sizeof(*p))))
                                return; /* the pointer loses a step */
                        memcpy(p, c->inline_path, sizeof(c->inline_path));
                } else if (!(p = realloc(c->path, cap * sizeof(*p)))) {
                        return;
                }
                c->path = p;
                c->cap_path = cap;
        }
        c->path[c->n_path].key = key;
        c->path[c->n_path].n = n;
        c->n_path++;
}

/* Step into an object member, only when a report may need the pointer.
 * @returns what pop() restores. */
static size_t push_key(vctx_t *c, const char *key, size_t klen) {
        size_t saved = c->n_path;
        if (c->report)
                push(c, key, klen);
        return saved;
}

static size_t push_index(vctx_t *c, size_t i) {
        size_t saved = c->n_path;
        if (c->report)
                push(c, NULL, i);
        return saved;
}

static void pop(vctx_t *c, size_t saved) {
        c->n_path = saved;
}

/* The JSON pointer (RFC 6901) of the current path; malloc'd. */
static char *pointer_text(const vctx_t *c) {
        size_t len = strlen(c->prefix), i, k;
        char *out, *w;

        for (i = 0; i < c->n_path; i++)
                len += 1 + (c->path[i].key ? 2 * c->path[i].n : 20);
        if (!(out = malloc(len + 1)))
                return NULL;
        w = out;
        memcpy(w, c->prefix, strlen(c->prefix));
        w += strlen(c->prefix);
        for (i = 0; i < c->n_path; i++) {
                const step_t *st = &c->path[i];
                *w++ = '/';
                if (!st->key) {
                        w += sprintf(w, "%zu", st->n);
                        continue;
                }
                for (k = 0; k < st->n; k++) {
                        if (st->key[k] == '~' || st->key[k] == '/') {
                                *w++ = '~';
                                *w++ = st->key[k] == '~' ? '0' : '1';
                        } else {
                                *w++ = st->key[k];
                        }
                }
        }
        *w = '\0';
        return out;
}

/* ------------------------------------------------- values of the tree */

/* @p n's number @p k (SCH_TX_MULTIPLE_OF to SCH_TX_EXCL_MINIMUM), whose
 * jansson value is @p v: as prepared with the node, or (a node not
 * prepared) read now into @p tmp. */
static const sch_num_t *num_of(const sch_node_t *n, int k, const json_t *v,
                               sch_num_t *tmp) {
        if (n->lite & EVENTS__LK_READY)
                return &n->num[k];
        events__schema_num(v, tmp);
        return tmp;
}

HOT unsigned type_of(const events__lnode_t *v) {
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

static size_t utf8_length(const char *s, size_t len) {
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
                n += ((unsigned char)s[i] & 0xC0) != 0x80;
        return n;
}

/* Whether @p s has at least @p min characters (utf8_length() >= min). */
static int utf8_at_least(const char *s, size_t len, long long min) {
        size_t n = 0;
        for (size_t i = 0; i < len && n < (unsigned long long)min; i++)
                n += ((unsigned char)s[i] & 0xC0) != 0x80;
        return n >= (unsigned long long)min;
}

static int validate(vctx_t *c, const sch_node_t *n, uint32_t i);

/* Validate with failures muted; @returns 1 if valid. */
static int test(vctx_t *c, const sch_node_t *n, uint32_t i) {
        int ok;
        c->mute++;
        ok = validate(c, n, i);
        c->mute--;
        return ok;
}

/* Why each of @p n schemas rejects node @p i, for a summary failure: the
 * first failure of each, "[i] MESSAGE" or "[i] /RELATIVE/POINTER: MESSAGE"
 * (without "[i] " when @p n is 1). Runs only when a failure is about to
 * be recorded, so the valid path never pays for it. */
static void reasons(vctx_t *c, sch_node_t *const *nodes, size_t n,
                    uint32_t inst, char *buf, size_t size) {
        events_report_t *saved = c->report, *tmp = events_report_new(1);
        int saved_stop = c->stop;
        char *here = pointer_text(c);
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; tmp && here && i < n && used < size; i++) {
                const char *p, *rel;
                events_report_clear(tmp);
                c->report = tmp;
                c->stop = 0;
                validate(c, nodes[i], inst);
                if (!events_report_count(tmp))
                        continue;
                p = events_report_pointer(tmp, 0);
                rel = strncmp(p, here, strlen(here)) ? p : p + strlen(here);
                if (n > 1)
                        used += (size_t)snprintf(buf + used, size - used,
                                                 "%s[%zu] ", used ? "; " : "",
                                                 i);
                if (used < size)
                        used += (size_t)snprintf(buf + used, size - used,
                                                 "%s%s%s", rel,
                                                 *rel ? ": " : "",
                                                 events_report_message(tmp, 0));
        }
        c->report = saved;
        c->stop = saved_stop;
        free(here);
        events_report_destroy(tmp);
}

#define FAIL(...)                                                              \
        do {                                                                   \
                ok = 0;                                                        \
                if (fast(c) || fail(c, __VA_ARGS__))                           \
                        return 0;                                              \
        } while (0)

#define SUB(expr)                                                              \
        do {                                                                   \
                if (!(expr)) {                                                 \
                        ok = 0;                                                \
                        if (fast(c))                                           \
                                return 0;                                      \
                }                                                              \
        } while (0)

/* ---------------------------------------------------------- keywords */

HOT int v_number(vctx_t *c, const sch_node_t *n, const events__lnode_t *v) {
        sch_num_t tmp;
        int ok = 1;

        if (n->keys & SCH_K_MULTIPLE_OF) {
                const sch_num_t *m =
                        num_of(n, SCH_TX_MULTIPLE_OF, n->multiple_of, &tmp);
                int good;
                if (v->type == EVENTS__LT_INT && m->is_int) {
                        good = v->num.i % m->i == 0;
                } else {
                        double q = (double)events__lnode_num(v) / m->d;
                        good = isfinite(q) && fabs(q - nearbyint(q)) <=
                                                      1e-9 * fmax(1.0, fabs(q));
                }
                if (!good) {
                        FAIL("multipleOf", "must be a multiple of %s",
                             n->text[SCH_TX_MULTIPLE_OF]);
                }
        }
        if ((n->keys & SCH_K_MAXIMUM) &&
            events__lnum_cmp_num(
                    v, num_of(n, SCH_TX_MAXIMUM, n->maximum, &tmp)) > 0) {
                FAIL("maximum", "must be <= %s", n->text[SCH_TX_MAXIMUM]);
        }
        if ((n->keys & SCH_K_EXCL_MAXIMUM) &&
            events__lnum_cmp_num(v, num_of(n, SCH_TX_EXCL_MAXIMUM,
                                           n->excl_maximum, &tmp)) >= 0) {
                FAIL("exclusiveMaximum", "must be < %s",
                     n->text[SCH_TX_EXCL_MAXIMUM]);
        }
        if ((n->keys & SCH_K_MINIMUM) &&
            events__lnum_cmp_num(
                    v, num_of(n, SCH_TX_MINIMUM, n->minimum, &tmp)) < 0) {
                FAIL("minimum", "must be >= %s", n->text[SCH_TX_MINIMUM]);
        }
        if ((n->keys & SCH_K_EXCL_MINIMUM) &&
            events__lnum_cmp_num(v, num_of(n, SCH_TX_EXCL_MINIMUM,
                                           n->excl_minimum, &tmp)) <= 0) {
                FAIL("exclusiveMinimum", "must be > %s",
                     n->text[SCH_TX_EXCL_MINIMUM]);
        }
        return ok;
}

HOT int v_string(vctx_t *c, const sch_node_t *n, const events__lnode_t *v) {
        const char *s = v->s;
        size_t len = v->len;
        int ok = 1;

        /* Characters are counted only when the bytes do not decide: a
         * string of at most max bytes has at most max characters, and
         * the count for minLength stops once it is reached. */
        if (n->max_length >= 0 && len > (size_t)n->max_length) {
                size_t cps = utf8_length(s, len);
                if (cps > (size_t)n->max_length)
                        FAIL("maxLength",
                             "must be at most %lld characters long (is %zu)",
                             n->max_length, cps);
        }
        if (n->min_length > 0 && !utf8_at_least(s, len, n->min_length))
                FAIL("minLength",
                     "must be at least %lld characters long (is %zu)",
                     n->min_length, utf8_length(s, len));
        if (n->pattern.code &&
            events__regex_search(&n->pattern, s, len, &c->matcher) != 1)
                FAIL("pattern", "does not match pattern \"%s\"",
                     n->pattern.source);
        /* is_ts: a timestamp events_timestamp_format() wrote, which is a
         * valid date-time (lite_int.h). */
        if (n->format != SCH_F_NONE &&
            !(n->format == SCH_F_DATE_TIME && v->is_ts) &&
            !events__format_check(n->format, s, len))
                FAIL("format", "does not match format \"%s\"", n->format_name);
        return ok;
}

static int v_array(vctx_t *c, const sch_node_t *n, uint32_t a) {
        const events__lite_t *L = c->L;
        size_t size = L->n[a].count, i, saved;
        uint32_t end = L->n[a].end, k;
        int ok = 1;

        if (n->items) {
                for (i = 0, k = a + 1; k < end; i++, k = L->n[k].end) {
                        saved = push_index(c, i);
                        int good = validate(c, n->items, k);
                        pop(c, saved);
                        SUB(good);
                }
        } else if (n->items_array) {
                for (i = 0, k = a + 1; k < end; i++, k = L->n[k].end) {
                        int good;
                        saved = push_index(c, i);
                        if (i < n->n_items_array) {
                                good = validate(c, n->items_array[i], k);
                        } else if (!n->additional_items) {
                                good = 1;
                        } else if (n->additional_items->boolean == 0) {
                                good = 0;
                                if (fail(c, "additionalItems",
                                         "additional items are not "
                                         "allowed (at most %zu)",
                                         n->n_items_array)) {
                                        pop(c, saved);
                                        return 0;
                                }
                        } else {
                                good = validate(c, n->additional_items, k);
                        }
                        pop(c, saved);
                        SUB(good);
                }
        }
        if (n->max_items >= 0 && size > (size_t)n->max_items)
                FAIL("maxItems", "must have at most %lld items (has %zu)",
                     n->max_items, size);
        if (n->min_items >= 0 && size < (size_t)n->min_items)
                FAIL("minItems", "must have at least %lld items (has %zu)",
                     n->min_items, size);
        return ok;
}

/* The array keywords that look at the items' values (a plan re-runs them
 * on every line: v_run()). */
static int v_array_values(vctx_t *c, const sch_node_t *n, uint32_t a) {
        const events__lite_t *L = c->L;
        size_t i;
        uint32_t end = L->n[a].end, k;
        int ok = 1;

        if (n->keys & SCH_K_UNIQUE_ITEMS) {
                uint32_t x, y;
                size_t j;
                for (i = 0, x = a + 1; x < end; i++, x = L->n[x].end) {
                        for (j = i + 1, y = L->n[x].end; y < end;
                             j++, y = L->n[y].end)
                                if (events__schema_equal_ll(L, x, y))
                                        break;
                        if (y < end) {
                                FAIL("uniqueItems",
                                     "items must be unique (items %zu and %zu "
                                     "are equal)",
                                     i, j);
                                break;
                        }
                }
        }
        if (n->contains) {
                int found = 0;
                for (k = a + 1; k < end && !found; k = L->n[k].end)
                        found = test(c, n->contains, k);
                if (!found)
                        FAIL("contains",
                             "must contain an item that matches the "
                             "\"contains\" schema");
        }
        return ok;
}

/* Node 0 of a tree of its own: the key @p key as a string value, for
 * "propertyNames" (a plan never records it: keys belong to the layout). */
typedef struct name_tree_s {
        events__lnode_t nd;
        events__lite_t K;
        const events__lite_t *saved;
} name_tree_t;

static void name_enter(vctx_t *c, name_tree_t *t, const char *key,
                       size_t klen) {
        memset(t, 0, sizeof(*t));
        t->nd.type = EVENTS__LT_STRING;
        t->nd.s = key;
        t->nd.len = klen;
        t->nd.end = 1;
        t->K.n = &t->nd;
        t->K.used = t->K.cap = 1;
        t->saved = c->L;
        c->L = &t->K;
        c->no_record++;
}

static void name_leave(vctx_t *c, name_tree_t *t) {
        c->L = t->saved;
        c->no_record--;
}

static int v_object(vctx_t *c, const sch_node_t *n, uint32_t o) {
        const events__lite_t *L = c->L;
        size_t size = L->n[o].count, i, saved;
        uint32_t end = L->n[o].end;
        uint64_t seen = 0; /* which props the instance has */
        int ok = 1;

        if (n->max_properties >= 0 && size > (size_t)n->max_properties)
                FAIL("maxProperties",
                     "must have at most %lld properties (has %zu)",
                     n->max_properties, size);
        if (n->min_properties >= 0 && size < (size_t)n->min_properties)
                FAIL("minProperties",
                     "must have at least %lld properties (has %zu)",
                     n->min_properties, size);
        /* Reporting keeps "required" first; the yes/no path checks it
         * from the key walk below when it can. */
        if (!(n->required_by_props && fast(c)))
                for (i = 0; i < n->n_required; i++)
                        if (events__lite_get(L, o, n->required[i],
                                             strlen(n->required[i])) < 0)
                                FAIL("required",
                                     "missing required property \"%s\"",
                                     n->required[i]);

        if (fast(c) && (!c->plan || c->no_record) && n->n_props <= 2 &&
            !n->n_pprops && !n->additional_properties && !n->property_names) {
                /* A yes/no on a schema that names a property or two and
                 * asks nothing of the other members (an "if" that looks
                 * at one field): each looked up instead of every member
                 * walked (a tree has no key twice; no report shows the
                 * order; nothing is being recorded). */
                for (size_t p = 0; p < n->n_props; p++) {
                        long k = events__lite_get(L, o, n->props[p].name,
                                                  n->props[p].len);

                        if (k < 0)
                                continue;
                        seen |= (uint64_t)1 << (p & 63);
                        if (n->props[p].schema->boolean == 0 ||
                            !validate(c, n->props[p].schema, (uint32_t)k))
                                return 0;
                }
        } else if (n->n_props || n->n_pprops || n->additional_properties ||
                   n->property_names) {
                for (uint32_t k = o + 1; k < end; k = L->n[k].end) {
                        const char *key = L->n[k].key;
                        size_t klen = L->n[k].klen;
                        int matched = 0, good = 1;

                        saved = push_key(c, key, klen);
                        for (size_t p = 0; p < n->n_props; p++) {
                                /* The first byte before a call. */
                                if (n->props[p].len != klen ||
                                    (klen && n->props[p].name[0] != key[0]) ||
                                    memcmp(n->props[p].name, key, klen))
                                        continue;
                                matched = 1;
                                seen |= (uint64_t)1 << (p & 63);
                                if (n->props[p].schema->boolean == 0) {
                                        good = 0;
                                        if (fail(c, "properties",
                                                 "property \"%.*s\" is not "
                                                 "allowed",
                                                 (int)klen, key))
                                                goto stop;
                                } else {
                                        good = validate(c, n->props[p].schema,
                                                        k);
                                }
                                break;
                        }
                        for (size_t p = 0;
                             p < n->n_pprops && (good || !fast(c)); p++) {
                                if (events__regex_search(&n->pprops[p].re, key,
                                                         klen,
                                                         &c->matcher) != 1)
                                        continue;
                                matched = 1;
                                if (!validate(c, n->pprops[p].schema, k))
                                        good = 0;
                        }
                        if (!matched && n->additional_properties &&
                            (good || !fast(c))) {
                                if (n->additional_properties->boolean == 0) {
                                        good = 0;
                                        if (fail(c, "additionalProperties",
                                                 "property \"%.*s\" is not "
                                                 "allowed",
                                                 (int)klen, key))
                                                goto stop;
                                } else if (!validate(c,
                                                     n->additional_properties,
                                                     k)) {
                                        good = 0;
                                }
                        }
                        if (n->property_names && (good || !fast(c))) {
                                name_tree_t nt;
                                char why[400] = "";
                                int named;

                                name_enter(c, &nt, key, klen);
                                named = test(c, n->property_names, 0);
                                if (!named && !fast(c))
                                        reasons(c, &n->property_names, 1, 0,
                                                why, sizeof(why));
                                name_leave(c, &nt);
                                if (!named) {
                                        good = 0;
                                        if (fail(c, "propertyNames",
                                                 "property name \"%.*s\" "
                                                 "does not match the "
                                                 "\"propertyNames\" schema "
                                                 "(%s)",
                                                 (int)klen, key, why))
                                                goto stop;
                                }
                        }
                        pop(c, saved);
                        SUB(good);
                        continue;
                stop:
                        pop(c, saved);
                        return 0;
                }
        }
        if (n->required_by_props && fast(c))
                for (i = 0; i < n->n_required; i++)
                        if (!(seen & (uint64_t)1 << n->required_prop[i]))
                                return 0;
        for (i = 0; i < n->n_deps; i++) {
                const sch_dep_t *d = &n->deps[i];
                if (events__lite_get(L, o, d->name, strlen(d->name)) < 0)
                        continue;
                if (d->schema) {
                        SUB(validate(c, d->schema, o));
                        continue;
                }
                for (size_t j = 0; j < d->n_names; j++)
                        if (events__lite_get(L, o, d->names[j],
                                             strlen(d->names[j])) < 0)
                                FAIL("dependencies",
                                     "property \"%s\" requires property "
                                     "\"%s\"",
                                     d->name, d->names[j]);
        }
        return ok;
}

/* enum and const. */
static inline __attribute__((always_inline)) int
v_values(vctx_t *c, const sch_node_t *n, uint32_t i, unsigned m) {
        const events__lnode_t *v = &c->L->n[i];
        int ok = 1;
        size_t k;

        if ((m & EVENTS__LK_VALUES) && n->enum_values) {
                const json_t *e;
                int found = 0;
                if (n->enum_str) {
                        /* Only strings: only a string can be one. */
                        const struct sch_enum_str_s *es = n->enum_str,
                                                    *end = es + n->n_enum_str;
                        for (; v->type == EVENTS__LT_STRING && es < end; es++)
                                if (es->len == v->len &&
                                    events__same_bytes(es->s, v->s, v->len)) {
                                        found = 1;
                                        break;
                                }
                } else {
                        json_array_foreach(n->enum_values, k, e) {
                                if (events__schema_equal_jl(e, c->L, i)) {
                                        found = 1;
                                        break;
                                }
                        }
                }
                if (!found)
                        FAIL("enum", "must be one of %s", n->text[SCH_TX_ENUM]);
        }
        if ((m & EVENTS__LK_VALUES) && (n->keys & SCH_K_CONST) &&
            !(n->const_str.s
                      ? v->type == EVENTS__LT_STRING &&
                                v->len == n->const_str.len &&
                                events__same_bytes(n->const_str.s, v->s, v->len)
                      : events__schema_equal_jl(n->const_value, c->L, i))) {
                FAIL("const", "must be equal to %s", n->text[SCH_TX_CONST]);
        }
        return ok;
}

/* if, then, else. */
static int v_if(vctx_t *c, const sch_node_t *n, uint32_t i) {
        int ok = 1;

        if (n->if_) {
                if (test(c, n->if_, i)) {
                        if (n->then_)
                                SUB(validate(c, n->then_, i));
                } else if (n->else_) {
                        SUB(validate(c, n->else_, i));
                }
        }
        return ok;
}

/* anyOf, oneOf, not. */
static int v_choices(vctx_t *c, const sch_node_t *n, uint32_t i) {
        int ok = 1;
        size_t k;

        if (n->any_of) {
                int found = 0;
                for (k = 0; k < n->n_any_of && !found; k++)
                        found = test(c, n->any_of[k], i);
                if (!found) {
                        char why[400];
                        if (fast(c))
                                return 0;
                        reasons(c, n->any_of, n->n_any_of, i, why, sizeof(why));
                        FAIL("anyOf",
                             "must match at least one schema in \"anyOf\" "
                             "(%s)",
                             why);
                }
        }
        if (n->one_of) {
                size_t first = 0, matches = 0;
                for (k = 0; k < n->n_one_of && matches < 2; k++) {
                        if (test(c, n->one_of[k], i)) {
                                if (matches++ == 0)
                                        first = k;
                                else
                                        break;
                        }
                }
                if (matches == 0) {
                        char why[400];
                        if (fast(c))
                                return 0;
                        reasons(c, n->one_of, n->n_one_of, i, why, sizeof(why));
                        FAIL("oneOf",
                             "must match exactly one schema in \"oneOf\" "
                             "(matches none: %s)",
                             why);
                } else if (matches > 1)
                        FAIL("oneOf",
                             "must match exactly one schema in \"oneOf\" "
                             "(matches %zu and %zu)",
                             first, k);
        }
        if (n->not_ && test(c, n->not_, i))
                FAIL("not", "must not match the \"not\" schema");
        return ok;
}

/*
 * Node @p i against @p n: every keyword (@p part 0), or (@p part 1, a
 * plan's check of a container, lite_validate.c) only the keywords that
 * look at values below the container's keys and sizes: enum, const,
 * uniqueItems, contains, if/then/else, anyOf, oneOf, not. While a plan is
 * recorded, a container whose schema has those keywords gets such a
 * check, and nothing inside them is recorded (the check re-runs them);
 * a container whose schema has anything else makes no plan (fails
 * closed).
 */
static int v_run(vctx_t *c, const sch_node_t *n, uint32_t i, int part) {
        const events__lnode_t *v = &c->L->n[i];
        unsigned t = type_of(v), m;
        int ok = 1, rec = 0;
        size_t k;

        if (n->boolean == 1)
                return 1;
        if (n->boolean == 0) {
                FAIL("false", "no value is allowed here");
                return 0;
        }
        if (n->types && !(n->types & t)) {
                char want[96];
                if (fast(c)) /* no message will be read */
                        return 0;
                events__types_text(n->types, want, sizeof(want));
                FAIL("type", "must be of type %s, not %s", want,
                     events__lite_type_name(v));
                /* the other keywords would only repeat the point */
                return 0;
        }
        m = n->lite & EVENTS__LK_READY ? n->lite : events__lite_mask(n);
        if (c->plan && !c->no_record && !part &&
            (t & (SCH_T_OBJECT | SCH_T_ARRAY)) && !(m & EVENTS__LK_KEYS_ONLY)) {
                /* an "if" on one field and a "then" that requires
                 * another, as EVENTS__CK_IF; else a part check */
                int r = m & EVENTS__LK_PLANNABLE
                                ? events__lite_plan_add_if(c->plan, n, c->L, i)
                                : 0;

                if (!(m & EVENTS__LK_PLANNABLE) || r < 0 ||
                    (!r && events__lite_plan_add_part(c->plan, n, i)))
                        c->plan_ok = 0;
                rec = 1;
        }
        if (m & EVENTS__LK_VALUES) {
                c->no_record += rec;
                k = (size_t)v_values(c, n, i, m);
                c->no_record -= rec;
                SUB(k);
        }
        if (t & SCH_T_NUMBER) {
                if (n->keys & SCH_K_NUMERIC)
                        SUB(v_number(c, n, v));
        } else if (t == SCH_T_STRING) {
                SUB(v_string(c, n, v));
        } else if (t == SCH_T_ARRAY) {
                if (!part)
                        SUB(v_array(c, n, i));
                if (n->contains || (n->keys & SCH_K_UNIQUE_ITEMS)) {
                        c->no_record += rec;
                        k = (size_t)v_array_values(c, n, i);
                        c->no_record -= rec;
                        SUB(k);
                }
        } else if (t == SCH_T_OBJECT) {
                if (!part)
                        SUB(v_object(c, n, i));
        }

        /* The mask says no applicator: the rest would find none. */
        if (!(m & EVENTS__LK_APPLICATORS))
                return ok;
        if (n->if_) {
                c->no_record += rec;
                k = (size_t)v_if(c, n, i);
                c->no_record -= rec;
                SUB(k);
        }
        /* allOf's schemas are recorded (or checked) on their own. */
        for (k = 0; !part && k < n->n_all_of; k++)
                SUB(validate(c, n->all_of[k], i));
        if (n->any_of || n->one_of || n->not_) {
                c->no_record += rec;
                k = (size_t)v_choices(c, n, i);
                c->no_record -= rec;
                SUB(k);
        }
        return ok;
}

/*
 * The lean entry: node @p i, a scalar, against @p n, a node that has
 * nothing but the keywords v_run() runs on a scalar through v_number() and
 * v_string() (SCH_S_LEAN: a positive list, events__lite_prepare()). It
 * is v_run() without the steps that cannot apply: such a node is no
 * boolean schema and has no enum, const or applicator, and a scalar has no
 * members or items to record. Most of a plan's checks, and the subschemas
 * of an "anyOf" of formats, come here. The keywords are the same functions.
 */
/* v_scalar() of a node with "enum" or "const": those first, as in
 * v_run(), and in a report every failure. Apart, so that the commoner
 * nodes without them do not pay for the steps. */
static int v_scalar_values(vctx_t *c, const sch_node_t *n, uint32_t i,
                           unsigned t) {
        const events__lnode_t *v = &c->L->n[i];
        int ok = v_values(c, n, i, EVENTS__LK_VALUES);

        if (!ok && fast(c))
                return 0;
        if (t & SCH_T_NUMBER)
                return (!(n->keys & SCH_K_NUMERIC) || v_number(c, n, v)) && ok;
        if (t == SCH_T_STRING)
                return (!(n->scalar & SCH_S_STRING) || v_string(c, n, v)) && ok;
        return ok;
}

HOT int v_scalar(vctx_t *c, const sch_node_t *n, uint32_t i) {
        const events__lnode_t *v = &c->L->n[i];
        unsigned t = type_of(v);

        if (n->types && !(n->types & t))
                /* v_run() words the failure when one is wanted */
                return fast(c) ? 0 : v_run(c, n, i, 0);
        if (n->scalar & SCH_S_VALUES)
                return v_scalar_values(c, n, i, t);
        if (t & SCH_T_NUMBER)
                return !(n->keys & SCH_K_NUMERIC) || v_number(c, n, v);
        if (t == SCH_T_STRING)
                return !(n->scalar & SCH_S_STRING) || v_string(c, n, v);
        return 1;
}

/* A scalar @p i against @p n, a SCH_S_ANY_LEAN node, when no failure is
 * to be worded (fast(c)): what v_run() would do, v_scalar(), then each
 * "anyOf" schema through test() and validate(), which for a lean node is
 * v_scalar() again (at a depth validate() accepts: the caller checks). */
static int v_scalar_any(vctx_t *c, const sch_node_t *n, uint32_t i) {
        if (!v_scalar(c, n, i))
                return 0;
        for (size_t k = 0; k < n->n_any_of; k++)
                if (v_scalar(c, n->any_of[k], i))
                        return 1;
        return 0;
}

HOT int v_node(vctx_t *c, const sch_node_t *n, uint32_t i) {
        unsigned char ty = c->L->n[i].type;

        if (ty == EVENTS__LT_OBJECT || ty == EVENTS__LT_ARRAY)
                return v_run(c, n, i, 0);
        if (n->scalar & SCH_S_LEAN)
                return v_scalar(c, n, i);
        if ((n->scalar & SCH_S_ANY_LEAN) && fast(c) &&
            c->depth < MAX_SCHEMA_DEPTH)
                return v_scalar_any(c, n, i);
        return v_run(c, n, i, 0);
}

/* What a plan may take for granted in the next lines' checks of scalar
 * @p i against @p n (lite_int.h, EVENTS__CK_*): for a lean schema whose
 * "type" admits the node, that only its "enum" or "const" (v_values()) and
 * v_string() or v_number() can fail while the node has the same type:
 * v_scalar_values()'s steps, without v_node()'s and v_scalar()'s. */
static unsigned check_kind(const vctx_t *c, const sch_node_t *n, uint32_t i) {
        const events__lnode_t *v = &c->L->n[i];

        if (!(n->scalar & SCH_S_LEAN) || (n->types && !(n->types & type_of(v))))
                return EVENTS__CK_NODE;
        if (v->type == EVENTS__LT_STRING)
                return EVENTS__CK_STRING;
        if (v->type == EVENTS__LT_INT)
                return EVENTS__CK_INT;
        return EVENTS__CK_NODE;
}

static int validate(vctx_t *c, const sch_node_t *n, uint32_t i) {
        int ok, hops = 0;

        while (n->ref) {
                n = n->ref;
                if (++hops > 64) /* "$ref"s that only name each other */
                        break;
        }
        if (c->depth >= MAX_SCHEMA_DEPTH || n->ref) {
                ok = 1;
                FAIL("$ref", "schema recursion too deep");
                return 0;
        }
        c->depth++;
        if (c->plan && !c->no_record && c->L->n[i].type != EVENTS__LT_OBJECT &&
            c->L->n[i].type != EVENTS__LT_ARRAY) {
                /* A scalar: the plan checks it again on every line of the
                 * layout (unless the layout fixes it), with this very
                 * function; nothing under it is recorded again. */
                if (events__lite_plan_add(c->plan, n, i, check_kind(c, n, i)))
                        c->plan_ok = 0;
                c->no_record++;
                ok = v_node(c, n, i);
                c->no_record--;
        } else {
                ok = v_node(c, n, i);
        }
        c->depth--;
        return ok;
}

static void ctx_init(vctx_t *c, const events__lite_t *L, const char *prefix,
                     events_report_t *report) {
        c->L = L;
        c->report = report;
        c->mute = c->stop = c->depth = 0;
        c->plan = NULL;
        c->plan_ok = 1;
        c->no_record = 0;
        c->prefix = prefix ? prefix : "";
        c->path = c->inline_path;
        c->n_path = 0;
        c->cap_path = sizeof(c->inline_path) / sizeof(c->inline_path[0]);
        events__matcher_init(&c->matcher);
}

static void ctx_fini(vctx_t *c) {
        /* Nothing to free unless a PCRE2 match ran: most validations run
         * none (the byte-table patterns need no match data). */
        if (c->matcher.gc || c->matcher.md)
                events__matcher_fini(&c->matcher);
        if (c->path != c->inline_path)
                free(c->path);
}

int events__schema_run(const sch_node_t *n, const events__lite_t *L, uint32_t i,
                       const char *prefix, events_report_t *report,
                       events__ltpl_t *plan) {
        vctx_t c; /* not zero-filled: the matcher's arena is large */
        int ok;

        if (!n || !L || i >= L->used)
                return 0;
        ctx_init(&c, L, prefix, report);
        c.plan = plan;
        ok = validate(&c, n, i);
        if (plan && !c.plan_ok)
                ok = ok ? -1 : 0;
        ctx_fini(&c);
        return ok;
}

events_err_t events__schema_validate_at(const events_schema_t *s,
                                        const json_t *instance,
                                        const char *prefix,
                                        events_report_t *report) {
        events__lite_t L = {0};
        int ok;

        if (!s || !instance)
                return EVENTS_ERR_INVALID_ARG;
        /* One representation for every path: the jansson value becomes a
         * tree like the one the fast path parses (its nodes point into
         * the value's own strings). */
        if (events__lite_from_json(&L, instance)) {
                events__lite_free(&L);
                events__report_add(report, prefix ? prefix : "", "depth",
                                   "value nested too deeply, or no memory");
                return EVENTS_ERR_VALIDATION;
        }
        ok = events__schema_run(s->root, &L, 0, prefix, report, NULL);
        events__lite_free(&L);
        return ok == 1 ? EVENTS_OK : EVENTS_ERR_VALIDATION;
}

events_err_t events_schema_validate(const events_schema_t *s,
                                    const json_t *instance,
                                    events_report_t *report) {
        return events__schema_validate_at(s, instance, NULL, report);
}

/* An EVENTS__CK_IF check @p e: the "if" holds when its keys hold
 * (recorded) and each member after @p e validates, as v_if(), test(),
 * validate() and v_object() would find at the depth they would; then
 * "then" or "else" as recorded. Sets *@p ok; @returns its last member. */
static const events__lcheck_t *run_if(vctx_t *c, const events__lcheck_t *e,
                                      const events__lcheck_t *end, int *ok) {
        const events__lcheck_t *m = e + 1;
        int holds = (e->flags & EVENTS__CK_IF_KEYS) != 0;

        c->depth = 1;
        for (; m < end && m->kind == EVENTS__CK_IF_MEMBER; m++) {
                if (!holds)
                        continue;
                if (m->node >= c->L->used) {
                        holds = 0;
                } else if (m->schema->ref) {
                        holds = validate(c, m->schema, m->node);
                } else {
                        /* validate()'s work without its steps, at the
                         * depth it would give */
                        c->depth = 2;
                        holds = v_node(c, m->schema, m->node);
                        c->depth = 1;
                }
        }
        c->depth = 0;
        *ok = (e->flags & (holds ? EVENTS__CK_THEN_OK : EVENTS__CK_ELSE_OK)) !=
              0;
        return m - 1;
}

int events__schema_run_checks(const events__lcheck_t *ck, uint32_t n,
                              const events__lite_t *L) {
        vctx_t c; /* not zero-filled: the matcher's arena is large */
        int ok = 1;

        if (!n) /* a plan of no check has none to point at */
                return 1;
        ctx_init(&c, L, NULL, NULL);
        /* v_node(), or only the string or number keywords while the node
         * has the type the plan found (check_kind()), or run_if(). */
        for (const events__lcheck_t *e = ck, *end = ck + n; ok && e < end;
             e++) {
                const sch_node_t *s = e->schema;
                const events__lnode_t *v;

                if (e->node >= L->used) {
                        ok = 0;
                        break;
                }
                v = &L->n[e->node];
                if (e->kind == EVENTS__CK_STRING &&
                    v->type == EVENTS__LT_STRING)
                        ok = (!(s->scalar & SCH_S_VALUES) ||
                              v_values(&c, s, e->node, EVENTS__LK_VALUES)) &&
                             (!(s->scalar & SCH_S_STRING) ||
                              v_string(&c, s, v));
                else if (e->kind == EVENTS__CK_INT && v->type == EVENTS__LT_INT)
                        ok = (!(s->scalar & SCH_S_VALUES) ||
                              v_values(&c, s, e->node, EVENTS__LK_VALUES)) &&
                             (!(s->keys & SCH_K_NUMERIC) || v_number(&c, s, v));
                else if (e->kind == EVENTS__CK_IF)
                        e = run_if(&c, e, end, &ok);
                else if (e->kind == EVENTS__CK_IF_MEMBER)
                        continue; /* run_if()'s, never reached */
                else
                        ok = e->part ? v_run(&c, s, e->node, 1)
                                     : v_node(&c, s, e->node);
        }
        ctx_fini(&c);
        return ok;
}
