/*
 * schema_values.c - the values of a token tree (lite.c) against a schema's
 * values: numbers read once from jansson (events__schema_num()), and JSON
 * Schema's equality, where 1 equals 1.0, of a schema's value and a node
 * (enum, const) or of two nodes (uniqueItems). The helpers the validator
 * calls on every line (comparisons of numbers and of short strings, a
 * member's look-up) are inline in lite_int.h.
 */
#include <string.h>

#include "lite_int.h"
#include "schema_int.h"

static long double num_value(const json_t *v) {
        return json_is_integer(v) ? (long double)json_integer_value(v)
                                  : (long double)json_real_value(v);
}

void events__schema_num(const json_t *v, sch_num_t *out) {
        memset(out, 0, sizeof(*out)); /* keys_only() compares bytes */
        out->is_int = json_is_integer(v);
        out->i = out->is_int ? json_integer_value(v) : 0;
        out->ld = num_value(v);
        out->d = json_number_value(v);
}

/* The same with a jansson number on the right (enum, const). */
static int lnum_cmp(const events__lnode_t *a, const json_t *b) {
        sch_num_t nb;

        events__schema_num(b, &nb);
        return events__lnum_cmp_num(a, &nb);
}

int events__schema_equal_jl(const json_t *j, const events__lite_t *L,
                            uint32_t i) {
        const events__lnode_t *v = &L->n[i];

        if (events__lnode_is_num(v))
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
        case EVENTS__LT_ARRAY: {
                size_t k = 0;

                if (!json_is_array(j) || json_array_size(j) != v->count)
                        return 0;
                for (uint32_t m = i + 1; m < v->end; m = L->n[m].end, k++)
                        if (!events__schema_equal_jl(json_array_get(j, k), L,
                                                     m))
                                return 0;
                return 1;
        }
        default: { /* an object */
                const json_t *jm;

                if (!json_is_object(j) || json_object_size(j) != v->count)
                        return 0;
                for (uint32_t m = i + 1; m < v->end; m = L->n[m].end)
                        if (!(jm = json_object_getn(j, L->n[m].key,
                                                    L->n[m].klen)) ||
                            !events__schema_equal_jl(jm, L, m))
                                return 0;
                return 1;
        }
        }
}

int events__schema_equal_ll(const events__lite_t *L, uint32_t a, uint32_t b) {
        const events__lnode_t *x = &L->n[a], *y = &L->n[b];

        if (events__lnode_is_num(x) && events__lnode_is_num(y)) {
                if (x->type == EVENTS__LT_INT && y->type == EVENTS__LT_INT)
                        return x->num.i == y->num.i;
                return events__lnode_num(x) == events__lnode_num(y);
        }
        if (x->type != y->type)
                return 0;
        switch (x->type) {
        case EVENTS__LT_STRING:
                return x->len == y->len && !memcmp(x->s, y->s, x->len);
        case EVENTS__LT_ARRAY:
                if (x->count != y->count)
                        return 0;
                for (uint32_t m = a + 1, k = b + 1; m < x->end;
                     m = L->n[m].end, k = L->n[k].end)
                        if (!events__schema_equal_ll(L, m, k))
                                return 0;
                return 1;
        case EVENTS__LT_OBJECT:
                if (x->count != y->count)
                        return 0;
                for (uint32_t m = a + 1; m < x->end; m = L->n[m].end) {
                        long k = events__lite_get(L, b, L->n[m].key,
                                                  L->n[m].klen);
                        if (k < 0 ||
                            !events__schema_equal_ll(L, m, (uint32_t)k))
                                return 0;
                }
                return 1;
        default:
                return 1; /* true, false, null */
        }
}
