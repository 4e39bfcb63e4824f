/*
 * lite_validate.c - the lite tree's validator, which can only say
 * "certainly valid", and the validation plans that layouts keep (see
 * lite_int.h; the tree itself is lite.c).
 *
 * The validator mirrors schema_validate.c keyword by keyword for the
 * keywords it handles, and answers 0 ("ask the full validator") for those
 * it does not: if/then/else, oneOf, not, multipleOf, dependencies,
 * propertyNames, tuple items, additionalItems, contains, uniqueItems, and
 * enum or const compared with an object or an array. Its 1 must never
 * differ from the full validator's verdict; test_lite.c checks this on
 * the JSON Schema test suite and on the producer's cases. A plan is what
 * the validator would ask of the scalar values of one layout: the lines
 * of that layout share their keys, so the rest was answered once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lite_int.h"

/* As schema_validate.c's limit on "$ref" depth. */
#define LITE_MAX_SCHEMA_DEPTH 512

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
                if (events__lite_grow(&t->check, &t->check_cap, t->ncheck + 1,
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
