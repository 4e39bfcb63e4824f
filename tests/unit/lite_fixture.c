/*
 * lite_fixture.c - see lite_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lite_fixture.h"

void lite_same_tree(const events__lite_t *a, const events__lite_t *b) {
        assert_int_equal(a->used, b->used);
        assert_int_equal(a->close, b->close);
        for (size_t i = 0; i < a->used; i++) {
                const events__lnode_t *x = &a->n[i], *y = &b->n[i];

                assert_int_equal(x->type, y->type);
                assert_int_equal(x->end, y->end);
                assert_int_equal(x->klen, y->klen);
                if (x->klen)
                        assert_memory_equal(x->key, y->key, x->klen);
                if (x->type == EVENTS__LT_OBJECT || x->type == EVENTS__LT_ARRAY)
                        assert_int_equal(x->count, y->count);
                if (x->type == EVENTS__LT_STRING || x->type == EVENTS__LT_INT ||
                    x->type == EVENTS__LT_REAL) {
                        assert_int_equal(x->len, y->len);
                        assert_memory_equal(x->s, y->s, x->len);
                }
                if (x->type == EVENTS__LT_INT)
                        assert_true(x->num.i == y->num.i);
                if (x->type == EVENTS__LT_REAL)
                        assert_memory_equal(&x->num.d, &y->num.d,
                                            sizeof(x->num.d));
        }
}
