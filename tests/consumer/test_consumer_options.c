/*
 * test_consumer_options.c - events-consumer's command line: what is
 * accepted, the defaults, and what is refused before any network work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "options.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void test_options_parse_full(void **state) {
        char *argv[] = {"events-consumer",
                        "-b",
                        "h:1",
                        "-g",
                        "grp",
                        "-t",
                        "a,b",
                        "-t",
                        "c",
                        "-r",
                        "routes.json",
                        "--http",
                        "8080",
                        "--schemas",
                        "s",
                        "--no-validate",
                        "--dlq-topic",
                        "{topic}.dead",
                        "-X",
                        "k=v",
                        "--config-file",
                        "props",
                        "--property",
                        "k2=v2",
                        "--bootstrap-server",
                        "h:2",
                        "--log-level",
                        "debug",
                        "--shutdown-timeout",
                        "2500",
                        "--from-time",
                        "2026-11-27T18:00:00Z",
                        NULL};
        options_t o;
        (void)state;

        assert_int_equal(options_parse(&o, ARGC(argv), argv), 0);
        assert_string_equal(o.brokers, "h:2");
        assert_string_equal(o.group, "grp");
        assert_int_equal(o.n_topics, 3);
        assert_string_equal(o.topics[0], "a");
        assert_string_equal(o.topics[1], "b");
        assert_string_equal(o.topics[2], "c");
        assert_null(o.topics[3]);
        assert_string_equal(o.routes, "routes.json");
        assert_int_equal(o.http_port, 8080);
        assert_int_equal(o.n_schemas, 1);
        assert_string_equal(o.schemas[0], "s");
        assert_string_equal(o.http_addr, "127.0.0.1");
        assert_int_equal(o.stall_timeout_ms, 60000);
        assert_int_equal(o.validate, 0);
        assert_string_equal(o.dlq_topic, "{topic}.dead");
        /* -b, -F and -X keep their command-line order: it is the
         * precedence. */
        assert_int_equal(o.n_kafka_args, 5);
        assert_int_equal(o.kafka_args[0].kind, 'b');
        assert_string_equal(o.kafka_args[0].arg, "h:1");
        assert_int_equal(o.kafka_args[1].kind, 'X');
        assert_string_equal(o.kafka_args[1].arg, "k=v");
        assert_int_equal(o.kafka_args[2].kind, 'F');
        assert_string_equal(o.kafka_args[2].arg, "props");
        assert_int_equal(o.kafka_args[3].kind, 'X');
        assert_string_equal(o.kafka_args[3].arg, "k2=v2");
        assert_int_equal(o.kafka_args[4].kind, 'b');
        assert_string_equal(o.kafka_args[4].arg, "h:2");
        assert_int_equal(o.log_level, LOG_DEBUG);
        assert_int_equal(o.shutdown_timeout_ms, 2500);
        assert_int_equal(o.from_time_ms, 1795802400000LL);
        options_free(&o);
}

static void test_options_parse_defaults_and_env(void **state) {
        char *argv[] = {
                "events-consumer", "-g", "g", "-t", "t", "-r", "r", NULL};
        options_t o;
        (void)state;

        /* EVENTS_BROKERS is a fallback applied with the Kafka
         * configuration (events_kafka_conf_apply()), not an -b. */
        setenv("EVENTS_BROKERS", "env:9092", 1);
        assert_int_equal(options_parse(&o, ARGC(argv), argv), 0);
        assert_null(o.brokers);
        assert_int_equal(o.http_port, -1);
        assert_int_equal(o.validate, 1);
        assert_int_equal(o.from_time_ms, -1);
        assert_int_equal(o.from_beginning, 0);
        assert_int_equal(o.log_level, LOG_INFO);
        assert_int_equal(o.shutdown_timeout_ms, 10000);
        options_free(&o);
        unsetenv("EVENTS_BROKERS");
}

static void test_options_parse_from_time_millis(void **state) {
        char *argv[] = {"events-consumer",
                        "-b",
                        "b",
                        "-g",
                        "g",
                        "-t",
                        "t",
                        "-r",
                        "r",
                        "--from-time",
                        "1700000000123",
                        NULL};
        options_t o;
        (void)state;

        assert_int_equal(options_parse(&o, ARGC(argv), argv), 0);
        assert_int_equal(o.from_time_ms, 1700000000123LL);
        options_free(&o);
}

/* No -b is no usage error: bootstrap.servers may come from -F or -X. */
static void test_options_parse_no_brokers_left_to_conf(void **state) {
        char *argv[] = {"c", "-g", "g", "-t", "t", "-r", "r", "-F", "p", NULL};
        options_t o;
        (void)state;

        unsetenv("EVENTS_BROKERS");
        assert_int_equal(options_parse(&o, ARGC(argv), argv), 0);
        assert_null(o.brokers);
        assert_int_equal(o.n_kafka_args, 1);
        assert_int_equal(o.kafka_args[0].kind, 'F');
        options_free(&o);
}

static void expect_usage_error(char **argv, int argc) {
        options_t o;
        assert_int_equal(options_parse(&o, argc, argv), -1);
        options_free(&o);
}

static void test_options_parse_http_address_and_stall_timeout(void **state) {
        char *v4[] = {"c",
                      "-g",
                      "g",
                      "-t",
                      "t",
                      "-r",
                      "r",
                      "--http",
                      "0.0.0.0:9100",
                      "--handler-stall-timeout",
                      "1500",
                      NULL};
        char *v6[] = {"c",  "-g", "g",      "-t",        "t",
                      "-r", "r",  "--http", "[::]:9100", NULL};
        char *bare6[] = {"c",  "-g", "g",      "-t",     "t",
                         "-r", "r",  "--http", "::1:80", NULL};
        char *name[] = {"c",  "-g", "g",      "-t",           "t",
                        "-r", "r",  "--http", "localhost:80", NULL};
        char *stall[] = {"c",  "-g", "g", "-t",
                         "t",  "-r", "r", "--handler-stall-timeout",
                         "10", NULL};
        options_t o;
        (void)state;

        assert_int_equal(options_parse(&o, ARGC(v4), v4), 0);
        assert_string_equal(o.http_addr, "0.0.0.0");
        assert_int_equal(o.http_port, 9100);
        assert_int_equal(o.stall_timeout_ms, 1500);
        options_free(&o);
        assert_int_equal(options_parse(&o, ARGC(v6), v6), 0);
        assert_string_equal(o.http_addr, "::");
        assert_int_equal(o.http_port, 9100);
        options_free(&o);
        assert_int_equal(options_parse(&o, ARGC(bare6), bare6), -1);
        options_free(&o);
        assert_int_equal(options_parse(&o, ARGC(name), name), -1);
        options_free(&o);
        assert_int_equal(options_parse(&o, ARGC(stall), stall), -1);
        options_free(&o);
}

/* --group-instance-id is -X group.instance.id=ID, in order with -X. */
static void test_options_parse_group_instance_id(void **state) {
        char *argv[] = {"c",
                        "-g",
                        "g",
                        "-t",
                        "t",
                        "-r",
                        "r",
                        "-X",
                        "group.instance.id=old",
                        "--group-instance-id",
                        "member-1.a_b",
                        NULL};
        char *empty[] = {"c", "-g", "g", "-t",
                         "t", "-r", "r", "--group-instance-id",
                         "",  NULL};
        char *bad[] = {"c",   "-g", "g", "-t",
                       "t",   "-r", "r", "--group-instance-id",
                       "a b", NULL};
        char *twice[] = {"c", "-g",
                         "g", "-t",
                         "t", "-r",
                         "r", "--group-instance-id",
                         "a", "--group-instance-id",
                         "b", NULL};
        options_t o;
        (void)state;

        unsetenv("EVENTS_BROKERS");
        assert_int_equal(options_parse(&o, ARGC(argv), argv), 0);
        assert_int_equal(o.n_kafka_args, 2);
        assert_int_equal(o.kafka_args[1].kind, 'X');
        assert_string_equal(o.kafka_args[1].arg,
                            "group.instance.id=member-1.a_b");
        options_free(&o);
        expect_usage_error(empty, ARGC(empty));
        expect_usage_error(bad, ARGC(bad));
        expect_usage_error(twice, ARGC(twice));
}

static void test_options_parse_refusals(void **state) {
        char *no_group[] = {"c", "-b", "b", "-t", "t", "-r", "r", NULL};
        char *no_topic[] = {"c", "-b", "b", "-g", "g", "-r", "r", NULL};
        char *no_routes[] = {"c", "-b", "b", "-g", "g", "-t", "t", NULL};
        char *bad_port[] = {"c", "-b", "b", "-g",     "g",     "-t",
                            "t", "-r", "r", "--http", "70000", NULL};
        char *bad_time[] = {"c", "-b", "b", "-g",          "g",         "-t",
                            "t", "-r", "r", "--from-time", "yesterday", NULL};
        char *both[] = {"c", "-b", "b", "-g",          "g", "-t",
                        "t", "-r", "r", "--from-time", "0", "--from-beginning",
                        NULL};
        char *bad_x[] = {"c", "-b", "b", "-g", "g",       "-t",
                         "t", "-r", "r", "-X", "novalue", NULL};
        char *bad_level[] = {"c", "-b", "b", "-g",          "g",    "-t",
                             "t", "-r", "r", "--log-level", "loud", NULL};
        char *unknown[] = {"c", "--frobnicate", NULL};
        char *missing_value[] = {"c", "-b", NULL};
        char *extra[] = {"c", "-b", "b", "-g",    "g", "-t",
                         "t", "-r", "r", "stray", NULL};
        (void)state;

        unsetenv("EVENTS_BROKERS");
        expect_usage_error(no_group, ARGC(no_group));
        expect_usage_error(no_topic, ARGC(no_topic));
        expect_usage_error(no_routes, ARGC(no_routes));
        expect_usage_error(bad_port, ARGC(bad_port));
        expect_usage_error(bad_time, ARGC(bad_time));
        expect_usage_error(both, ARGC(both));
        expect_usage_error(bad_x, ARGC(bad_x));
        expect_usage_error(bad_level, ARGC(bad_level));
        expect_usage_error(unknown, ARGC(unknown));
        expect_usage_error(missing_value, ARGC(missing_value));
        expect_usage_error(extra, ARGC(extra));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_options_parse_full),
                cmocka_unit_test(test_options_parse_defaults_and_env),
                cmocka_unit_test(test_options_parse_from_time_millis),
                cmocka_unit_test(test_options_parse_no_brokers_left_to_conf),
                cmocka_unit_test(test_options_parse_refusals),
                cmocka_unit_test(test_options_parse_group_instance_id),
                cmocka_unit_test(
                        test_options_parse_http_address_and_stall_timeout),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
