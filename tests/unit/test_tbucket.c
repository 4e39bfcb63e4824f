/*
 * test_tbucket.c - the token bucket behind --rate, driven by a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tbucket_int.h"

static void test_events__tbucket_take_unlimited_never_waits(void **state) {
        events__tbucket_t tb;

        events__tbucket_init(&tb, 0, 0, 0);
        for (int i = 0; i < 1000; i++)
                assert_int_equal(events__tbucket_take(&tb, 0), 0);
}

static void test_events__tbucket_take_burst_then_waits(void **state) {
        events__tbucket_t tb;

        /* 100/s with a burst of 10: ten at once, then one every 10 ms */
        events__tbucket_init(&tb, 100, 10, 1000000);
        for (int i = 0; i < 10; i++)
                assert_int_equal(events__tbucket_take(&tb, 1000000), 0);
        assert_int_equal(events__tbucket_take(&tb, 1000000), 10000);
        assert_int_equal(events__tbucket_take(&tb, 1005000), 5000);
        assert_int_equal(events__tbucket_take(&tb, 1010000), 0);
        assert_true(events__tbucket_take(&tb, 1010000) > 0);
}

static void test_events__tbucket_take_rate_over_time(void **state) {
        events__tbucket_t tb;
        int64_t now = 0;
        int taken = 0;

        /* Over 10 simulated seconds at 1000/s, no more than 10000 plus the
         * burst get through, and no fewer than 10000. */
        events__tbucket_init(&tb, 1000, 100, now);
        while (now <= 10000000) {
                int64_t wait = events__tbucket_take(&tb, now);

                if (wait == 0)
                        taken++;
                else
                        now += wait;
        }
        assert_in_range(taken, 10000, 10100);
}

static void test_events__tbucket_take_idle_does_not_overfill(void **state) {
        events__tbucket_t tb;
        int got = 0;

        events__tbucket_init(&tb, 1000, 5, 0);
        /* an hour idle still leaves only the burst */
        while (events__tbucket_take(&tb, 3600000000LL) == 0)
                got++;
        assert_int_equal(got, 5);
}

static void test_events__tbucket_init_small_burst_is_one(void **state) {
        events__tbucket_t tb;

        events__tbucket_init(&tb, 2, 0.2, 0);
        assert_int_equal(events__tbucket_take(&tb, 0), 0);
        assert_int_equal(events__tbucket_take(&tb, 0), 500000);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(
                        test_events__tbucket_take_unlimited_never_waits),
                cmocka_unit_test(test_events__tbucket_take_burst_then_waits),
                cmocka_unit_test(test_events__tbucket_take_rate_over_time),
                cmocka_unit_test(
                        test_events__tbucket_take_idle_does_not_overfill),
                cmocka_unit_test(test_events__tbucket_init_small_burst_is_one),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
