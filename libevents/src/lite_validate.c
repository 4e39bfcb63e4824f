/*
 * lite_validate.c - the fast path's side of validation: the verdict on a
 * token tree, and the validation plans that remembered layouts keep (see
 * lite_int.h; the tree itself is lite.c).
 *
 * There is one validator: schema_validate.c, over the token tree, with
 * two modes (first failure, yes or no; or every failure, with a report).
 * A jansson value is turned into the same kind of tree before it is
 * validated, so the fast path and the error report run the same code for
 * every keyword and cannot disagree (docs/schemas.md, "One validator").
 * This file adds only what the producer's layouts need on top of it.
 *
 * A plan stands for a validation of one layout: the lines of a layout
 * have the same keys, sizes and fixed values, and differ only in their
 * scalar values. While the validator accepts the first line it records
 * each (scalar node, schema) it checks; the next lines of the layout
 * re-run the validator on those pairs only. What a container's schema
 * asks of its keys and sizes holds for every line then; what it asks of
 * the values below it (enum, const, uniqueItems, contains, if/then/else,
 * anyOf, oneOf, not) is recorded as a check of the container that re-runs
 * just those keywords (schema_validate.c, v_run()). The test fails closed:
 * a container's schema node may have only the fields of a positive list
 * (keys_only() below: type, properties, patternProperties,
 * additionalProperties, required, the size limits, propertyNames,
 * dependencies, items, additionalItems, allOf, $ref, and those value
 * keywords), and a node with any other field set, including one for a
 * keyword added after this was written, makes no plan: every line is then
 * validated in full.
 */
#include <stdlib.h>
#include <string.h>

#include "lite_int.h"

#define LK_READY EVENTS__LK_READY
#define LK_KEYS_ONLY EVENTS__LK_KEYS_ONLY

/*
 * 1 when @p n asks of an object or an array nothing but what its keys and
 * sizes decide (with its members' own schemas, which the validator visits
 * anyway). Written as a positive list: the node is copied, the fields of
 * the list are reset to a fresh node's values, and anything left that
 * differs from a fresh node (a value-dependent keyword such as enum,
 * const, if, anyOf, oneOf, not, uniqueItems or contains, or a field added
 * later) answers 0.
 */
/* A fresh node's values (schema_compile.c, new_node()), and what
 * events__lite_prepare() derives from the other fields reset to them. */
static void fresh_node(sch_node_t *t) {
        memset(t, 0, sizeof(*t));
        t->boolean = -1;
        t->max_length = t->min_length = -1;
        t->max_items = t->min_items = -1;
        t->max_properties = t->min_properties = -1;
}

static void reset_derived(sch_node_t *t) {
        t->lite = 0;
        t->scalar = 0;
        memset(t->num, 0, sizeof(t->num));
        t->const_str.s = NULL;
        t->const_str.len = 0;
}

/* Clear in @p t the fields that only an object or an array reads, those
 * that keys_only() and scalar_lean() both let through. */
static void clear_containers(sch_node_t *t) {
        t->max_properties = t->min_properties = -1;
        t->required = NULL;
        t->n_required = 0;
        t->required_prop = NULL;
        t->required_by_props = 0;
        t->props = NULL;
        t->n_props = 0;
        t->pprops = NULL;
        t->n_pprops = 0;
        t->additional_properties = NULL;
        t->deps = NULL;
        t->n_deps = 0;
        t->property_names = NULL;
        t->items = NULL;
        t->items_array = NULL;
        t->n_items_array = 0;
        t->additional_items = NULL;
        t->max_items = t->min_items = -1;
}

static int keys_only(const sch_node_t *n, int values) {
        sch_node_t t, fresh;

        fresh_node(&fresh);
        memcpy(&t, n, sizeof(t));
        reset_derived(&t);
        t.boolean = -1;
        t.ref = NULL;
        t.types = 0;
        clear_containers(&t);
        t.all_of = NULL;
        t.n_all_of = 0;
        t.lite = 0;
        if (values) {
                /* And the keywords a plan's check of a container re-runs
                 * on every line (schema_validate.c, v_run()). */
                t.enum_values = NULL;
                t.enum_str = NULL;
                t.n_enum_str = 0;
                t.const_value = NULL;
                t.text[SCH_TX_ENUM] = t.text[SCH_TX_CONST] = NULL;
                t.keys &= ~(unsigned)(SCH_K_CONST | SCH_K_UNIQUE_ITEMS);
                t.contains = NULL;
                t.if_ = t.then_ = t.else_ = NULL;
                t.any_of = t.one_of = NULL;
                t.n_any_of = t.n_one_of = 0;
                t.not_ = NULL;
        }
        return !memcmp(&t, &fresh, sizeof(t));
}

/*
 * 1 when @p n asks of a scalar nothing but its type and the keywords of
 * v_number() and v_string() (schema_validate.c, v_scalar()): the same
 * positive list as keys_only(), of the fields v_run() reads for a scalar
 * that way (enum and const among them) and of the fields only an array
 * or an object reads. Anything else (if, allOf, anyOf, oneOf, not, a
 * boolean schema, a "$ref", or a field added later) answers 0, and
 * v_run() runs in full.
 * With @p any, an "anyOf" is let through too when each of its schemas is
 * such a node (SCH_S_ANY_LEAN).
 */
static int scalar_lean(const sch_node_t *n, int any) {
        sch_node_t t, fresh;

        fresh_node(&fresh);
        memcpy(&t, n, sizeof(t));
        reset_derived(&t);
        if (any) {
                /* and an "anyOf" of such nodes (compiled before their
                 * parent; a "$ref" among them is not one) */
                for (size_t k = 0; k < n->n_any_of; k++)
                        if (!(n->any_of[k]->scalar & SCH_S_LEAN))
                                return 0;
                t.any_of = NULL;
                t.n_any_of = 0;
        }
        /* type, enum and const (v_values()), and v_number()'s keywords */
        t.types = 0;
        t.enum_values = NULL;
        t.enum_str = NULL;
        t.n_enum_str = 0;
        t.const_value = NULL;
        t.text[SCH_TX_ENUM] = t.text[SCH_TX_CONST] = NULL;
        t.keys &= ~(unsigned)SCH_K_CONST;
        t.keys &= ~(unsigned)SCH_K_NUMERIC;
        t.multiple_of = t.maximum = t.excl_maximum = NULL;
        t.minimum = t.excl_minimum = NULL;
        for (int k = SCH_TX_MULTIPLE_OF; k <= SCH_TX_EXCL_MINIMUM; k++)
                t.text[k] = NULL;
        /* v_string()'s */
        t.max_length = t.min_length = -1;
        memset(&t.pattern, 0, sizeof(t.pattern));
        t.format = SCH_F_NONE;
        t.format_name = NULL;
        /* an array's or an object's only (v_array(), v_array_values(),
         * v_object()) */
        t.keys &= ~(unsigned)SCH_K_UNIQUE_ITEMS;
        t.contains = NULL;
        clear_containers(&t);
        return !memcmp(&t, &fresh, sizeof(t));
}

unsigned events__lite_mask(const sch_node_t *n) {
        unsigned m = LK_READY | (keys_only(n, 0) ? LK_KEYS_ONLY : 0);

        if (keys_only(n, 1))
                m |= EVENTS__LK_PLANNABLE;

        if (n->if_ || n->n_all_of || n->any_of || n->one_of || n->not_)
                m |= EVENTS__LK_APPLICATORS;
        if (n->enum_values || (n->keys & SCH_K_CONST))
                m |= EVENTS__LK_VALUES;
        return m;
}

void events__lite_prepare(sch_node_t *n) {
        static const int k[] = {SCH_TX_MULTIPLE_OF, SCH_TX_MAXIMUM,
                                SCH_TX_EXCL_MAXIMUM, SCH_TX_MINIMUM,
                                SCH_TX_EXCL_MINIMUM};
        const json_t *v[] = {n->multiple_of, n->maximum, n->excl_maximum,
                             n->minimum, n->excl_minimum};
        unsigned scalar = 0;

        /* Both masks first: they read the node without what this derives. */
        if (scalar_lean(n, 0))
                scalar |= SCH_S_LEAN;
        else if (n->any_of && scalar_lean(n, 1))
                scalar |= SCH_S_ANY_LEAN;
        if (n->max_length >= 0 || n->min_length > 0 || n->pattern.code ||
            n->format != SCH_F_NONE)
                scalar |= SCH_S_STRING;
        if (n->enum_values || (n->keys & SCH_K_CONST))
                scalar |= SCH_S_VALUES;
        n->lite = events__lite_mask(n);
        n->scalar = scalar;
        for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
                if (v[i])
                        events__schema_num(v[i], &n->num[k[i]]);
}

int events__lite_keys_only(const sch_node_t *n) {
        if (n->lite & LK_READY)
                return (n->lite & LK_KEYS_ONLY) != 0;
        return keys_only(n, 0);
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

/* Append a check to @p t's plan: @returns 0, or -1 (no memory). */
static int push_check(events__ltpl_t *t, uint32_t node, const sch_node_t *n,
                      int part, unsigned kind, unsigned flags) {
        if (events__lite_grow(&t->check, &t->check_cap, t->ncheck + 1,
                              sizeof(*t->check)))
                return -1;
        t->check[t->ncheck].node = node;
        t->check[t->ncheck].schema = n;
        t->check[t->ncheck].part = (unsigned char)part;
        t->check[t->ncheck].kind = (unsigned char)kind;
        t->check[t->ncheck].flags = (unsigned char)flags;
        t->ncheck++;
        return 0;
}

int events__lite_plan_add(events__ltpl_t *t, const sch_node_t *n, uint32_t i,
                          unsigned kind) {
        /* A value that is part of the layout (true, false, null, the event
         * type) is the same on every line: its verdict holds for all. */
        if (i < t->used && !is_slot(t, i))
                return 0;
        return push_check(t, i, n, 0, kind, 0);
}

int events__lite_plan_add_part(events__ltpl_t *t, const sch_node_t *n,
                               uint32_t i) {
        return push_check(t, i, n, 1, EVENTS__CK_NODE, 0);
}

/* @p n past its "$ref"s (as validate() follows them), or NULL. */
static const sch_node_t *past_refs(const sch_node_t *n) {
        for (int hops = 0; n && n->ref && hops <= 64; hops++)
                n = n->ref;
        return n && !n->ref ? n : NULL;
}

/* 1 when @p n has nothing but "type", "required" and, with @p props,
 * "properties": the positive list of events__lite_plan_add_if(). */
static int if_shaped(const sch_node_t *n, int props) {
        sch_node_t t, fresh;

        fresh_node(&fresh);
        memcpy(&t, n, sizeof(t));
        reset_derived(&t);
        t.types = 0;
        t.required = NULL;
        t.n_required = 0;
        t.required_prop = NULL;
        t.required_by_props = 0;
        if (props) {
                t.props = NULL;
                t.n_props = 0;
        }
        return !memcmp(&t, &fresh, sizeof(t));
}

/* What an if_shaped() node's "type" and "required" say of object @p o:
 * v_run() and v_object() with member lookups, as the validator asks. */
static int keys_hold(const sch_node_t *n, const events__lite_t *L, uint32_t o) {
        if (n->types && !(n->types & SCH_T_OBJECT))
                return 0;
        for (size_t k = 0; k < n->n_required; k++)
                if (events__lite_get(L, o, n->required[k],
                                     strlen(n->required[k])) < 0)
                        return 0;
        return 1;
}

int events__lite_plan_add_if(events__ltpl_t *t, const sch_node_t *n,
                             const events__lite_t *L, uint32_t o) {
        const sch_node_t *f, *th = NULL, *el = NULL;
        unsigned flags = 0;

        if (L->n[o].type != EVENTS__LT_OBJECT || !n->if_ || n->enum_values ||
            (n->keys & (SCH_K_CONST | SCH_K_UNIQUE_ITEMS)) || n->contains ||
            n->any_of || n->one_of || n->not_)
                return 0;
        if (!(f = past_refs(n->if_)) || !if_shaped(f, 1) ||
            (n->then_ && (!(th = past_refs(n->then_)) || !if_shaped(th, 0))) ||
            (n->else_ && (!(el = past_refs(n->else_)) || !if_shaped(el, 0))))
                return 0;
        if (keys_hold(f, L, o))
                flags |= EVENTS__CK_IF_KEYS;
        if (!th || keys_hold(th, L, o))
                flags |= EVENTS__CK_THEN_OK;
        if (!el || keys_hold(el, L, o))
                flags |= EVENTS__CK_ELSE_OK;
        if (push_check(t, o, n, 1, EVENTS__CK_IF, flags))
                return -1;
        /* The members the "if" validates, on every line; none when its
         * keys already fail it. */
        for (size_t p = 0; (flags & EVENTS__CK_IF_KEYS) && p < f->n_props;
             p++) {
                long k = events__lite_get(L, o, f->props[p].name,
                                          f->props[p].len);

                if (k >= 0 && push_check(t, (uint32_t)k, f->props[p].schema, 0,
                                         EVENTS__CK_IF_MEMBER, 0))
                        return -1;
        }
        return 1;
}

int events__lite_plan(events__ltpl_t *t, const sch_node_t *schema,
                      const events__lite_t *L, uint32_t i) {
        if (!t || !schema || i >= L->used)
                return 0;
        /* The tree the plan is for may have grown past the layout's nodes
         * (a timestamp appended); every line of the layout grows alike. */
        t->plan_used = (uint32_t)L->used;
        return events__schema_run(schema, L, i, NULL, NULL, t);
}

int events__lite_plan_check(const events__ltpl_t *t, const events__lite_t *L) {
        if (!t->planned || L->used != t->plan_used)
                return 0;
        return events__schema_run_checks(t->check, t->ncheck, L);
}

int events__lite_validate(const sch_node_t *schema, const events__lite_t *L,
                          uint32_t i) {
        return events__schema_run(schema, L, i, NULL, NULL, NULL) == 1;
}
