/*
 * test_lite_plan_if.c - a layout's plan for a schema's "if", "then" and
 * "else" (lite_validate.c, events__lite_plan_add_if(); schema_validate.c,
 * run_if()): an "if" that looks at fields through "properties" and a
 * "then" or "else" that requires others is decided on each line by the
 * members the "if" validates, the rest once for the layout. Every line's
 * verdict must be the full validator's, for every layout (fields present
 * or not, of one type or another) and every value in it, and the plan
 * must be the EVENTS__CK_IF one where the keywords allow, a part check
 * where they do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lite_int.h"
#include "producer_int.h"

#define NOW_US 1795802700123456LL

/* Two types: "t.if" has keywords EVENTS__CK_IF stands for (an "if" with
 * "required" and two properties, one through a "$ref"; a "then" and an
 * "else" of "required"); "t.part" has a "then" that looks at a value,
 * which needs the part check. */
static const char *const schemas[][2] = {
        {"t.if", "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":"
                 "[\"string\",\"integer\"]}},"
                 "\"if\":{\"required\":[\"s\"],\"properties\":{"
                 "\"s\":{\"const\":\"admin\"},"
                 "\"n\":{\"$ref\":\"#/definitions/big\"}}},"
                 "\"then\":{\"required\":[\"by\"]},"
                 "\"else\":{\"type\":\"object\",\"required\":[\"why\"]},"
                 "\"definitions\":{\"big\":{\"minimum\":5}}}"},
        {"t.part", "{\"type\":\"object\","
                   "\"if\":{\"properties\":{\"s\":{\"const\":\"admin\"}}},"
                   "\"then\":{\"properties\":{\"by\":{\"minimum\":1}}}}"},
};

/* A field's possible values: absent (NULL), or values of one layout (a
 * string or two, a number or two), or another layout's (another type). */
static const char *const s_vals[] = {NULL, "\"admin\"", "\"user\"", "7"};
static const char *const n_vals[] = {NULL, "3", "9", "\"x\""};
static const char *const by_vals[] = {NULL, "0", "2"};
static const char *const why_vals[] = {NULL, "\"w\""};

/* One line of type @p type with the fields given (NULL: absent). */
static size_t line(char *buf, size_t size, const char *type,
                   const char *const f[4]) {
        static const char *const names[4] = {"s", "n", "by", "why"};
        size_t n = (size_t)snprintf(buf, size,
                                    "{\"event_type\":\"%s\",\"data\":{", type);
        int first = 1;

        for (int k = 0; k < 4; k++) {
                if (!f[k])
                        continue;
                n += (size_t)snprintf(buf + n, size - n, "%s\"%s\":%s",
                                      first ? "" : ",", names[k], f[k]);
                first = 0;
        }
        n += (size_t)snprintf(buf + n, size - n, "}}");
        assert_true(n < size);
        return n;
}

/* Whether some layout of @p L has a check of @p kind. */
static int has_kind(const events__lite_t *L, unsigned kind) {
        for (uint32_t t = 0; t < L->ntpl; t++)
                for (uint32_t k = 0; k < L->tpl[t]->ncheck; k++)
                        if (L->tpl[t]->check[k].kind == kind)
                                return 1;
        return 0;
}

static void test_events__lite_plan_if_equals_full(void **state) {
        events_registry_t *reg = NULL;
        events_producer_t *p = NULL;
        char buf[256];

        (void)state;
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        for (size_t k = 0; k < sizeof(schemas) / sizeof(schemas[0]); k++) {
                json_t *doc = json_loads(schemas[k][1], 0, NULL);

                assert_non_null(doc);
                assert_int_equal(
                        events_registry_add(reg, schemas[k][0], doc, NULL),
                        EVENTS_OK);
                json_decref(doc);
        }
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_registry(p, reg);
        for (size_t k = 0; k < sizeof(schemas) / sizeof(schemas[0]); k++) {
                events__lite_t L = {0};
                size_t taken = 0, valid = 0, invalid = 0, planned = 0;

                /* Every combination, twice: the second round finds every
                 * layout remembered and planned. */
                for (int round = 0; round < 2; round++)
                        for (size_t i = 0; i < 4 * 4 * 3 * 2; i++) {
                                const char *f[4] = {
                                        s_vals[i % 4], n_vals[i / 4 % 4],
                                        by_vals[i / 16 % 3], why_vals[i / 48]};
                                size_t n = line(buf, sizeof(buf), schemas[k][0],
                                                f);
                                events__probe_t full, lay;

                                L.pause = 0; /* misses are part of the test */
                                assert_int_equal(
                                        events__producer_probe(
                                                p, buf, n, NOW_US, 0, &full),
                                        EVENTS_OK);
                                assert_int_equal(
                                        events__producer_probe_tree(
                                                p, &L, buf, n, NOW_US, &lay),
                                        EVENTS_OK);
                                if (full.outcome != lay.outcome ||
                                    full.code != lay.code)
                                        fail_msg("%s: full %d/%d, layout "
                                                 "%d/%d",
                                                 buf, full.outcome, full.code,
                                                 lay.outcome, lay.code);
                                /* The plan's own verdict, both ways: a
                                 * plan that refused a valid line would
                                 * only cost the slow path's time, and
                                 * the outcome would not show it. */
                                if (lay.lite_taken && L.last &&
                                    L.last->planned &&
                                    L.last->plan_used == L.used) {
                                        planned++;
                                        if (events__lite_plan_check(L.last,
                                                                    &L) !=
                                            (full.outcome ==
                                             EVENTS_OUTCOME_QUEUED))
                                                fail_msg("%s: the plan says "
                                                         "otherwise",
                                                         buf);
                                }
                                if (full.outcome == EVENTS_OUTCOME_QUEUED)
                                        valid++;
                                else
                                        invalid++;
                                taken += (size_t)lay.lite_taken;
                                free(full.msg);
                                free(lay.msg);
                        }
                /* Both verdicts come up, and most lines take a plan. */
                assert_true(valid > 10 && invalid > 10);
                assert_true(taken > 4 * 4 * 3 * 2);
                assert_true(planned > 4 * 4 * 3);
                if (k == 0) {
                        assert_true(has_kind(&L, EVENTS__CK_IF));
                        assert_true(has_kind(&L, EVENTS__CK_IF_MEMBER));
                } else {
                        assert_false(has_kind(&L, EVENTS__CK_IF));
                }
                events__lite_free(&L);
        }
        events_producer_destroy(p);
        events_registry_destroy(reg);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__lite_plan_if_equals_full),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
