/*
 * test_lite_validate.c - what lite_validate.c decides once per compiled
 * schema node: the positive lists that say when a plan may stand for a
 * container (keys_only()) and when a scalar check may take the
 * validator's lean entry (scalar_lean()), both failing closed on anything
 * they do not name; and the numeric bounds prepared for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lite_int.h"

/* A plan may stand for a container whose schema asks nothing but what
 * keys and sizes decide, or also the value keywords a plan's check re-runs
 * (plannable); anything else, including what the lists do not name,
 * makes none (fails closed). */
static void test_events__lite_keys_only_positive_list(void **state) {
        static const struct {
                const char *schema;
                int keys_only, plannable;
        } cases[] = {
                {"{}", 1, 1},
                {"{\"type\":\"object\",\"required\":[\"a\"],\"properties\":"
                 "{\"a\":{\"type\":\"integer\"}},\"additionalProperties\":"
                 "false,"
                 "\"patternProperties\":{\"^x_\":{}},\"minProperties\":1,"
                 "\"propertyNames\":{\"maxLength\":9},\"dependencies\":{\"a\":"
                 "[\"b\"]},\"allOf\":[{}],\"x-annotation\":1}",
                 1, 1},
                {"{\"items\":[{}],\"additionalItems\":{},\"maxItems\":3}", 1,
                 1},
                {"{\"enum\":[{}]}", 0, 1},
                {"{\"const\":{}}", 0, 1},
                {"{\"if\":{},\"then\":{}}", 0, 1},
                {"{\"anyOf\":[{}]}", 0, 1},
                {"{\"oneOf\":[{}]}", 0, 1},
                {"{\"not\":false}", 0, 1},
                {"{\"uniqueItems\":true}", 0, 1},
                {"{\"contains\":{}}", 0, 1},
                {"{\"maxLength\":3}", 0, 0},
                {"{\"minimum\":3}", 0, 0},
                {"{\"if\":{},\"then\":{},\"pattern\":\"a\"}", 0, 0},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *doc = json_loads(cases[i].schema, 0, NULL);
                events_schema_t *s = NULL;

                assert_non_null(doc);
                assert_int_equal(events_schema_compile(&s, doc, NULL),
                                 EVENTS_OK);
                if (events__lite_keys_only(s->root) != cases[i].keys_only)
                        fail_msg("keys only: %s", cases[i].schema);
                if (!!(events__lite_mask(s->root) & EVENTS__LK_PLANNABLE) !=
                    cases[i].plannable)
                        fail_msg("plannable: %s", cases[i].schema);
                events_schema_destroy(s);
                json_decref(doc);
        }
}

/* The lean entry's positive list (lite_validate.c, scalar_lean()): a node
 * with only type, enum and const (SCH_S_VALUES), the numeric and string
 * keywords and what only arrays and objects read takes it; any
 * applicator, a "$ref" or a boolean schema do not (v_run() in full), but
 * for an "anyOf" of lean schemas (SCH_S_ANY_LEAN). SCH_S_STRING says
 * v_string() has work. */
static void test_events__lite_scalar_lean_positive_list(void **state) {
        static const struct {
                const char *schema;
                unsigned scalar;
        } cases[] = {
                {"{}", SCH_S_LEAN},
                {"{\"title\":\"t\",\"description\":\"d\",\"x-note\":1}",
                 SCH_S_LEAN},
                {"{\"type\":\"string\",\"maxLength\":3}",
                 SCH_S_LEAN | SCH_S_STRING},
                {"{\"minLength\":1}", SCH_S_LEAN | SCH_S_STRING},
                {"{\"minLength\":0}", SCH_S_LEAN},
                {"{\"pattern\":\"^a\"}", SCH_S_LEAN | SCH_S_STRING},
                {"{\"format\":\"email\"}", SCH_S_LEAN | SCH_S_STRING},
                {"{\"format\":\"not-a-format\"}", SCH_S_LEAN},
                {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":5,"
                 "\"exclusiveMinimum\":0,\"exclusiveMaximum\":9,"
                 "\"multipleOf\":2}",
                 SCH_S_LEAN},
                {"{\"type\":[\"object\",\"string\"],\"properties\":{\"a\":{}},"
                 "\"required\":[\"a\"],\"additionalProperties\":false,"
                 "\"patternProperties\":{\"x\":{}},\"propertyNames\":{},"
                 "\"dependencies\":{\"a\":[\"b\"]},\"minProperties\":1,"
                 "\"maxProperties\":3,\"items\":[{}],\"additionalItems\":{},"
                 "\"maxItems\":2,\"minItems\":1,\"uniqueItems\":true,"
                 "\"contains\":{}}",
                 SCH_S_LEAN},
                {"{\"maxLength\":3,\"enum\":[\"a\"]}",
                 SCH_S_LEAN | SCH_S_STRING | SCH_S_VALUES},
                {"{\"const\":1}", SCH_S_LEAN | SCH_S_VALUES},
                {"{\"type\":\"integer\",\"enum\":[1,2],\"const\":1}",
                 SCH_S_LEAN | SCH_S_VALUES},
                {"{\"allOf\":[{}]}", 0},
                /* an "anyOf" of lean schemas: SCH_S_ANY_LEAN (v_node()
                 * tests them in turn with v_scalar()); one that is not
                 * lean, a "$ref" among them, or an applicator beside
                 * them: v_run() */
                {"{\"anyOf\":[{}]}", SCH_S_ANY_LEAN},
                {"{\"type\":\"string\",\"maxLength\":45,\"anyOf\":"
                 "[{\"format\":\"ipv4\"},{\"format\":\"ipv6\"}]}",
                 SCH_S_ANY_LEAN | SCH_S_STRING},
                {"{\"anyOf\":[{\"format\":\"ipv4\"},{\"enum\":[\"x\"]}]}",
                 SCH_S_ANY_LEAN},
                {"{\"anyOf\":[{\"format\":\"ipv4\"},{\"not\":{}}]}", 0},
                {"{\"anyOf\":[{\"anyOf\":[{}]}]}", 0},
                {"{\"anyOf\":[{\"$ref\":\"#/definitions/a\"}],"
                 "\"definitions\":{\"a\":{}}}",
                 0},
                {"{\"anyOf\":[{}],\"oneOf\":[{}]}", 0},
                {"{\"anyOf\":[{}],\"enum\":[1]}",
                 SCH_S_ANY_LEAN | SCH_S_VALUES},
                {"{\"oneOf\":[{}]}", 0},
                {"{\"not\":{}}", 0},
                {"{\"if\":{},\"then\":{},\"else\":{}}", 0},
                {"{\"$ref\":\"#/definitions/a\",\"definitions\":{\"a\":{}}}",
                 0},
                {"true", 0},
                {"false", 0},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *doc =
                        json_loads(cases[i].schema, JSON_DECODE_ANY, NULL);
                events_schema_t *s = NULL;

                assert_non_null(doc);
                assert_int_equal(events_schema_compile(&s, doc, NULL),
                                 EVENTS_OK);
                if (s->root->scalar != cases[i].scalar)
                        fail_msg("%s: scalar %u, expected %u", cases[i].schema,
                                 s->root->scalar, cases[i].scalar);
                events_schema_destroy(s);
                json_decref(doc);
        }
}

/* A prepared node holds its bounds as numbers: integers exactly (past a
 * double's 53 bits), reals as reals. */
static void test_events__lite_prepare_numbers(void **state) {
        json_t *doc = json_loads("{\"minimum\":1.5,"
                                 "\"maximum\":9007199254740993,"
                                 "\"exclusiveMinimum\":-2,"
                                 "\"exclusiveMaximum\":1e3,"
                                 "\"multipleOf\":0.25}",
                                 0, NULL);
        events_schema_t *s = NULL;
        const sch_num_t *num;

        (void)state;
        assert_non_null(doc);
        assert_int_equal(events_schema_compile(&s, doc, NULL), EVENTS_OK);
        num = s->root->num;
        assert_false(num[SCH_TX_MINIMUM].is_int);
        assert_true(num[SCH_TX_MINIMUM].ld == 1.5L);
        assert_true(num[SCH_TX_MAXIMUM].is_int);
        assert_true(num[SCH_TX_MAXIMUM].i == 9007199254740993LL);
        assert_true(num[SCH_TX_EXCL_MINIMUM].is_int);
        assert_true(num[SCH_TX_EXCL_MINIMUM].i == -2);
        assert_true(num[SCH_TX_EXCL_MINIMUM].d == -2.0);
        assert_false(num[SCH_TX_EXCL_MAXIMUM].is_int);
        assert_true(num[SCH_TX_EXCL_MAXIMUM].ld == 1000.0L);
        assert_false(num[SCH_TX_MULTIPLE_OF].is_int);
        assert_true(num[SCH_TX_MULTIPLE_OF].d == 0.25);
        events_schema_destroy(s);
        json_decref(doc);
}

/* Compile @p schema (*@p doc, its document, to be released after *@p s)
 * and remember @p line's layout in @p L: the layout, for a plan to be made
 * on it. */
static events__ltpl_t *remembered(const char *schema, const char *line,
                                  json_t **doc, events_schema_t **s,
                                  events__lite_t *L) {
        events__ltpl_t *t;

        assert_non_null(*doc = json_loads(schema, 0, NULL));
        assert_int_equal(events_schema_compile(s, *doc, NULL), EVENTS_OK);
        assert_int_equal(events__lite_parse(L, line, strlen(line), 64), 0);
        assert_non_null(
                t = events__lite_remember(L, line, strlen(line), UINT32_MAX));
        return t;
}

/* A plan records, per scalar check, what the next lines may take for
 * granted (EVENTS__CK_*): a lean schema whose type admits the node goes
 * straight to its enum or const and v_string() or v_number() while the
 * node keeps its type; a real, an anyOf, or a schema the first line failed
 * get the whole v_node(). */
static void test_events__lite_plan_check_kinds(void **state) {
        static const char *const schema =
                "{\"properties\":{"
                "\"a\":{\"type\":\"string\",\"maxLength\":3},"
                "\"b\":{\"type\":\"integer\",\"minimum\":1},"
                "\"c\":{\"type\":\"number\",\"maximum\":9},"
                "\"d\":{\"enum\":[\"y\"]},"
                "\"e\":{\"anyOf\":[{\"format\":\"ipv4\"}]},"
                "\"f\":{\"type\":\"integer\"},"
                "\"g\":{}}}";
        static const struct {
                char key;
                unsigned kind;
        } want[] = {{'a', EVENTS__CK_STRING}, {'b', EVENTS__CK_INT},
                    {'c', EVENTS__CK_NODE},   {'d', EVENTS__CK_STRING},
                    {'e', EVENTS__CK_NODE},   {'f', EVENTS__CK_NODE},
                    {'g', EVENTS__CK_STRING}};
        const char *line = "{\"a\":\"x\",\"b\":5,\"c\":1.5,\"d\":\"y\","
                           "\"e\":\"1.2.3.4\",\"g\":\"z\",\"f\":\"no\"}";
        json_t *doc;
        events_schema_t *s = NULL;
        events__lite_t L = {0};
        events__ltpl_t *t;

        (void)state;
        t = remembered(schema, line, &doc, &s, &L);
        /* "f", last, fails its type: the line is invalid, and the plan
         * has recorded what was checked up to there */
        (void)events__lite_plan(t, s->root, &L, 0);
        for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
                int found = 0;

                for (uint32_t k = 0; k < t->ncheck; k++) {
                        const events__lnode_t *v = &L.n[t->check[k].node];

                        if (t->check[k].part || v->klen != 1 ||
                            v->key[0] != want[w].key)
                                continue;
                        found = 1;
                        if (t->check[k].kind != want[w].kind)
                                fail_msg("\"%c\": kind %u, expected %u",
                                         want[w].key, t->check[k].kind,
                                         want[w].kind);
                }
                if (!found)
                        fail_msg("\"%c\": no check", want[w].key);
        }
        events__lite_free(&L);
        events_schema_destroy(s);
        json_decref(doc);
}

/* The kinds that go straight to the keywords still check "enum" and
 * "const" on every line of the layout: the plan's verdicts on lines that
 * differ in one value each. */
static void test_events__lite_plan_checks_values(void **state) {
        static const char *const schema =
                "{\"properties\":{"
                "\"d\":{\"type\":\"string\",\"enum\":[\"y\",\"yes\"],"
                "\"maxLength\":3},"
                "\"n\":{\"type\":\"integer\",\"const\":5},"
                "\"m\":{\"enum\":[1,\"1\"]}}}";
        static const struct {
                const char *line;
                int valid;
        } lines[] = {
                {"{\"d\":\"yes\",\"n\":5,\"m\":1}", 1},
                {"{\"d\":\"ye\",\"n\":5,\"m\":1}", 0},
                {"{\"d\":\"yess\",\"n\":5,\"m\":1}", 0},
                {"{\"d\":\"y\",\"n\":6,\"m\":1}", 0},
                {"{\"d\":\"y\",\"n\":5,\"m\":2}", 0},
                {"{\"d\":\"y\",\"n\":5,\"m\":1}", 1},
        };
        json_t *doc;
        events_schema_t *s = NULL;
        events__lite_t L = {0};
        events__ltpl_t *t;

        (void)state;
        t = remembered(schema, "{\"d\":\"y\",\"n\":5,\"m\":1}", &doc, &s, &L);
        assert_int_equal(events__lite_plan(t, s->root, &L, 0), 1);
        t->planned = 1; /* as registry.c marks a plan that validated */
        for (uint32_t k = 0; k < t->ncheck; k++)
                if (!t->check[k].part)
                        assert_int_equal(t->check[k].kind,
                                         L.n[t->check[k].node].type ==
                                                         EVENTS__LT_STRING
                                                 ? EVENTS__CK_STRING
                                                 : EVENTS__CK_INT);
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                const char *l = lines[i].line;

                assert_ptr_equal(events__lite_match(&L, l, strlen(l)), t);
                if (events__lite_plan_check(t, &L) != lines[i].valid)
                        fail_msg("%s: plan says %d", l, !lines[i].valid);
                assert_int_equal(events__lite_validate(s->root, &L, 0),
                                 lines[i].valid);
        }
        events__lite_free(&L);
        events_schema_destroy(s);
        json_decref(doc);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__lite_keys_only_positive_list),
                cmocka_unit_test(test_events__lite_scalar_lean_positive_list),
                cmocka_unit_test(test_events__lite_prepare_numbers),
                cmocka_unit_test(test_events__lite_plan_check_kinds),
                cmocka_unit_test(test_events__lite_plan_checks_values),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
