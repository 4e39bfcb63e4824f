/*
 * test_fastpath_off.c - EVENTS_FASTPATH=0, the switch for bisecting: the
 * token parser declines everything, so every line takes jansson's parser
 * (and the same validator), with the same outcomes and messages. A test
 * program of its own, because the switch is read once per process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "events_int.h"
#include "event_int.h"
#include "lite_int.h"
#include "producer_int.h"

#define NOW_US 1795802700123456LL

static void test_events__fastpath_on_off(void **state) {
        events__lite_t L = {0};

        (void)state;
        assert_int_equal(events__fastpath_on(), 0);
        assert_int_equal(events__lite_parse(&L, "{}", 2, 64), -1);
        events__lite_free(&L);
}

static void test_events__producer_probe_fastpath_off(void **state) {
        static const char *const lines[] = {
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":1,"
                "\"ip\":\"203.0.113.7\",\"method\":\"sso\"}}",
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":0}}",
                "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":2},"
                "\"timestamp\":\"2026-11-27T18:05:00Z\"}",
        };
        const char *dir = getenv("EVENTS_SCHEMAS_DIR");
        events_registry_t *reg = NULL;
        events_producer_t *p = NULL;
        events__lite_t kept = {0};

        (void)state;
        assert_non_null(dir);
        assert_int_equal(events_registry_new(&reg), EVENTS_OK);
        assert_int_equal(events_registry_load_dir(reg, dir, NULL), EVENTS_OK);
        assert_int_equal(events_producer_new(&p, NULL, NULL, NULL), EVENTS_OK);
        events_producer_set_registry(p, reg);
        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                        events__probe_t a, b;

                        assert_int_equal(events__producer_probe(
                                                 p, lines[i], strlen(lines[i]),
                                                 NOW_US, 0, &a),
                                         EVENTS_OK);
                        assert_int_equal(events__producer_probe_tree(
                                                 p, &kept, lines[i],
                                                 strlen(lines[i]), NOW_US, &b),
                                         EVENTS_OK);
                        assert_int_equal(b.lite_taken, 0);
                        assert_int_equal(a.outcome, b.outcome);
                        assert_int_equal(a.code, b.code);
                        assert_int_equal(a.outcome,
                                         i == 1 ? EVENTS_OUTCOME_REJECTED
                                                : EVENTS_OUTCOME_QUEUED);
                        if (a.outcome == EVENTS_OUTCOME_QUEUED)
                                assert_string_equal(a.msg, b.msg);
                        free(a.msg);
                        free(b.msg);
                }
        events__lite_free(&kept);
        events_producer_destroy(p);
        events_registry_destroy(reg);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__fastpath_on_off),
                cmocka_unit_test(test_events__producer_probe_fastpath_off),
        };

        /* Before anything asks: the switch is read once. */
        setenv("EVENTS_FASTPATH", "0", 1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
