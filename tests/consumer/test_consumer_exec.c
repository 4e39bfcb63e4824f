/*
 * test_consumer_exec.c - the exec handler's runner: stdin, environment,
 * exit statuses, and the deadline that kills a program that hangs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec.h"

static char *const no_env[] = {"PATH=/usr/bin:/bin", NULL};

static void test_exec_run_exit_zero_is_success(void **state) {
        char *argv[] = {"/bin/true", NULL};
        char err[256] = "";
        (void)state;
        assert_int_equal(
                exec_run(argv, no_env, "{}", 2, 5000, err, sizeof(err)), 0);
}

static void test_exec_run_nonzero_is_failure(void **state) {
        char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
        char err[256] = "";
        (void)state;
        assert_int_equal(exec_run(argv, no_env, "", 0, 5000, err, sizeof(err)),
                         -1);
        assert_string_equal(err, "exit status 3");
}

static void test_exec_run_stdin_and_env_reach_the_program(void **state) {
        char out[] = "/tmp/exec-test-XXXXXX";
        int fd = mkstemp(out);
        char script[512], buf[256] = "", err[256] = "";
        char *argv[] = {"/bin/sh", "-c", script, NULL};
        char *env[] = {"PATH=/usr/bin:/bin", "EVENT_TYPE=user.created", NULL};
        FILE *fp;
        (void)state;

        assert_true(fd >= 0);
        close(fd);
        /* The shell here is the program under test, not a shell of ours. */
        snprintf(script, sizeof(script),
                 "printf '%%s ' \"$EVENT_TYPE\" > %s; cat >> %s", out, out);
        assert_int_equal(
                exec_run(argv, env, "{\"a\":1}", 7, 5000, err, sizeof(err)), 0);
        fp = fopen(out, "r");
        assert_non_null(fp);
        assert_non_null(fgets(buf, sizeof(buf), fp));
        fclose(fp);
        unlink(out);
        assert_string_equal(buf, "user.created {\"a\":1}");
}

static void test_exec_run_timeout_kills(void **state) {
        char *argv[] = {"/bin/sleep", "10", NULL};
        char err[256] = "";
        struct timespec a, b;
        (void)state;

        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_int_equal(exec_run(argv, no_env, "", 0, 100, err, sizeof(err)),
                         -1);
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_string_equal(err, "timed out after 100 ms");
        assert_true(b.tv_sec - a.tv_sec < 5);
}

static void test_exec_run_program_that_ignores_stdin(void **state) {
        /* 1 MiB of input to a program that never reads it: no hang, and
         * its exit status still decides. */
        size_t n = 1 << 20;
        char *big = malloc(n);
        char *argv[] = {"/bin/true", NULL};
        char err[256] = "";
        (void)state;

        assert_non_null(big);
        memset(big, 'x', n);
        assert_int_equal(exec_run(argv, no_env, big, n, 5000, err, sizeof(err)),
                         0);
        free(big);
}

static void test_exec_run_missing_program(void **state) {
        char *argv[] = {"/nonexistent/prog", NULL};
        char err[256] = "";
        (void)state;
        assert_int_equal(exec_run(argv, no_env, "", 0, 5000, err, sizeof(err)),
                         -1);
        assert_non_null(strstr(err, "127"));
}

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Cancelled from the start, with a deadline @p opaque ms from the first
 * ask (0: none of its own). */
typedef struct {
        int64_t after_ms;
        int64_t deadline;
        int64_t first;
} cancel_t;

static int64_t cancel_now(void *opaque) {
        cancel_t *c = opaque;

        if (!c->first)
                c->first = now_ms();
        if (now_ms() < c->first + c->after_ms)
                return -1;
        return c->deadline;
}

static void test_exec_run_req_cancel_sends_sigterm(void **state) {
        char *argv[] = {"/bin/sleep", "40", NULL};
        char err[256] = "";
        cancel_t c = {100, 0, 0};
        exec_req_t req = {argv, no_env, "", 0, 60000, cancel_now, &c};
        int64_t t0 = now_ms();
        (void)state;

        assert_int_equal(exec_run_req(&req, err, sizeof(err)), -1);
        assert_string_equal(
                err, "stopped at shutdown: killed by signal 15 (SIGTERM)");
        assert_true(now_ms() - t0 < 1000);
}

static void test_exec_run_req_cancel_kills_at_the_deadline(void **state) {
        /* a program that ignores SIGTERM */
        char *argv[] = {"/bin/sh", "-c",
                        "trap '' TERM; sleep 40 & wait; "
                        "sleep 40",
                        NULL};
        char err[256] = "";
        cancel_t c = {100, 0, 0};
        exec_req_t req = {argv, no_env, "", 0, 60000, cancel_now, &c};
        int64_t t0 = now_ms(), took;
        (void)state;

        c.deadline = t0 + 700;
        assert_int_equal(exec_run_req(&req, err, sizeof(err)), -1);
        took = now_ms() - t0;
        assert_string_equal(
                err, "stopped at shutdown: killed by signal 9 (SIGKILL)");
        assert_true(took >= 650);
        assert_true(took < 700 + 500);
}

static void test_exec_run_reports_the_signal(void **state) {
        char *argv[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
        char err[256] = "";
        (void)state;

        assert_int_equal(exec_run(argv, no_env, "", 0, 5000, err, sizeof(err)),
                         -1);
        assert_string_equal(err, "killed by signal 9 (SIGKILL)");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_run_exit_zero_is_success),
                cmocka_unit_test(test_exec_run_nonzero_is_failure),
                cmocka_unit_test(test_exec_run_stdin_and_env_reach_the_program),
                cmocka_unit_test(test_exec_run_timeout_kills),
                cmocka_unit_test(test_exec_run_program_that_ignores_stdin),
                cmocka_unit_test(test_exec_run_missing_program),
                cmocka_unit_test(test_exec_run_req_cancel_sends_sigterm),
                cmocka_unit_test(
                        test_exec_run_req_cancel_kills_at_the_deadline),
                cmocka_unit_test(test_exec_run_reports_the_signal),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
