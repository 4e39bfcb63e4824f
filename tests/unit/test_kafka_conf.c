/*
 * test_kafka_conf.c - "key=value" properties and property files (-X, -F),
 * and the one precedence rule of -F, -X, -b and EVENTS_BROKERS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "events_int.h"

static char *conf_get(rd_kafka_conf_t *conf, const char *key) {
        static char buf[256];
        size_t size = sizeof(buf);

        if (rd_kafka_conf_get(conf, key, buf, &size) != RD_KAFKA_CONF_OK)
                return NULL;
        return buf;
}

static void test_events_kafka_conf_set_valid(void **state) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_error_t err;

        assert_int_equal(events_kafka_conf_set(conf, "linger.ms=7", &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "linger.ms"), "7");
        /* The value may itself contain '='. */
        assert_int_equal(events_kafka_conf_set(conf, "client.id=a=b", &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "client.id"), "a=b");
        rd_kafka_conf_destroy(conf);
}

static void test_events_kafka_conf_set_rejects_bad_text(void **state) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_error_t err;

        assert_int_equal(events_kafka_conf_set(conf, "linger.ms", &err),
                         EVENTS_ERR_CONF);
        assert_non_null(strstr(err.text, "key=value"));
        assert_int_equal(events_kafka_conf_set(conf, "=5", &err),
                         EVENTS_ERR_CONF);
        assert_int_equal(
                events_kafka_conf_set(conf, "no.such.property=1", &err),
                EVENTS_ERR_CONF);
        assert_non_null(strstr(err.text, "no.such.property"));
        assert_int_equal(events_kafka_conf_set(conf, "linger.ms=soon", &err),
                         EVENTS_ERR_CONF);
        assert_int_equal(events_kafka_conf_set(NULL, "a=b", &err),
                         EVENTS_ERR_INVALID_ARG);
        rd_kafka_conf_destroy(conf);
}

static char *write_file(const char *text) {
        char *path = strdup("/tmp/events-test-conf-XXXXXX");
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        return path;
}

static void test_events_kafka_conf_set_file_reads_properties(void **state) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char *path = write_file("# a comment\n\n  linger.ms = 9 \r\n"
                                "client.id=tester\n");
        events_error_t err;

        assert_int_equal(events_kafka_conf_set_file(conf, path, &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "linger.ms"), "9");
        assert_string_equal(conf_get(conf, "client.id"), "tester");
        unlink(path);
        free(path);
        rd_kafka_conf_destroy(conf);
}

static void test_events_kafka_conf_set_file_names_bad_line(void **state) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char *path = write_file("linger.ms=1\nnot a property line\n");
        events_error_t err;

        assert_int_equal(events_kafka_conf_set_file(conf, path, &err),
                         EVENTS_ERR_CONF);
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.text, ":2:"));
        unlink(path);
        free(path);
        rd_kafka_conf_destroy(conf);
}

static void test_events_kafka_conf_set_file_missing(void **state) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_error_t err;

        assert_int_equal(events_kafka_conf_set_file(
                                 conf, "/nonexistent/events.properties", &err),
                         EVENTS_ERR_IO);
        assert_non_null(strstr(err.text, "/nonexistent/events.properties"));
        rd_kafka_conf_destroy(conf);
}

static void
test_events_kafka_conf_set_file_unknown_key_names_line(void **state) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char *path = write_file("linger.ms=1\n\nno.such.property=1\n");
        char want[128];
        events_error_t err;

        assert_int_equal(events_kafka_conf_set_file(conf, path, &err),
                         EVENTS_ERR_CONF);
        assert_int_equal(err.line, 3);
        snprintf(want, sizeof(want), "%s:3: no.such.property", path);
        assert_memory_equal(err.text, want, strlen(want));
        unlink(path);
        free(path);
        rd_kafka_conf_destroy(conf);
}

/* Run events_kafka_conf_apply() with EVENTS_BROKERS set to @p env (NULL:
 * unset) on a fresh configuration; the caller destroys *confp. */
static events_err_t apply(rd_kafka_conf_t **confp,
                          const events_kafka_arg_t *args, size_t n,
                          const char *brokers, const char *env,
                          events_error_t *err) {
        if (env)
                setenv("EVENTS_BROKERS", env, 1);
        else
                unsetenv("EVENTS_BROKERS");
        *confp = rd_kafka_conf_new();
        return events_kafka_conf_apply(*confp, args, n, brokers, err);
}

static void test_events_kafka_conf_apply_command_line_order(void **state) {
        char *path = write_file("linger.ms=5\nclient.id=from-file\n");
        events_kafka_arg_t file_then_x[] = {{'F', path}, {'X', "linger.ms=7"}};
        events_kafka_arg_t x_then_file[] = {
                {'X', "linger.ms=7"}, {'X', "client.id=from-x"}, {'F', path}};
        rd_kafka_conf_t *conf;
        events_error_t err;

        /* A later -X overrides an earlier file... */
        assert_int_equal(apply(&conf, file_then_x, 2, "b:1", NULL, &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "linger.ms"), "7");
        assert_string_equal(conf_get(conf, "client.id"), "from-file");
        rd_kafka_conf_destroy(conf);
        /* ...and a later file overrides an earlier -X: order, not kind. */
        assert_int_equal(apply(&conf, x_then_file, 3, "b:1", NULL, &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "linger.ms"), "5");
        assert_string_equal(conf_get(conf, "client.id"), "from-file");
        rd_kafka_conf_destroy(conf);
        unlink(path);
        free(path);
}

static void test_events_kafka_conf_apply_brokers_in_order(void **state) {
        char *path = write_file("bootstrap.servers=file:9092\n");
        events_kafka_arg_t b_first[] = {{'b', "cli:9092"},
                                        {'F', path},
                                        {'X', "bootstrap.servers=x:9092"}};
        events_kafka_arg_t b_last[] = {{'F', path}, {'b', "cli:9092"}};
        events_kafka_arg_t x_then_b_then_f[] = {
                {'X', "bootstrap.servers=x:9092"},
                {'b', "cli:9092"},
                {'F', path}};
        rd_kafka_conf_t *conf;
        events_error_t err;

        /* -b is one more argument in order: a later -F or -X overrides it... */
        assert_int_equal(apply(&conf, b_first, 3, NULL, "env:9092", &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "x:9092");
        rd_kafka_conf_destroy(conf);
        assert_int_equal(apply(&conf, b_first, 2, NULL, "env:9092", &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "file:9092");
        rd_kafka_conf_destroy(conf);
        /* ...and a later -b overrides an earlier file. */
        assert_int_equal(apply(&conf, b_last, 2, NULL, "env:9092", &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "cli:9092");
        rd_kafka_conf_destroy(conf);
        assert_int_equal(apply(&conf, x_then_b_then_f, 3, NULL, NULL, &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "file:9092");
        rd_kafka_conf_destroy(conf);
        /* The old trailing @p brokers acts as a last 'b' argument. */
        assert_int_equal(apply(&conf, b_first, 3, "old:1", NULL, &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "old:1");
        rd_kafka_conf_destroy(conf);
        unlink(path);
        free(path);
        unsetenv("EVENTS_BROKERS");
}

static void test_events_kafka_conf_apply_env_before_options(void **state) {
        events_kafka_arg_t args[] = {{'X', "linger.ms=3"}};
        events_kafka_arg_t over[] = {{'X', "bootstrap.servers=x:1"}};
        rd_kafka_conf_t *conf;
        events_error_t err;

        assert_int_equal(apply(&conf, args, 1, NULL, "env:9092", &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "env:9092");
        rd_kafka_conf_destroy(conf);
        /* Any option naming brokers overrides the environment. */
        assert_int_equal(apply(&conf, over, 1, NULL, "env:9092", &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "x:1");
        rd_kafka_conf_destroy(conf);
        /* The environment overrides the program's defaults. */
        conf = rd_kafka_conf_new();
        assert_int_equal(events_kafka_conf_set(
                                 conf, "metadata.broker.list=dflt:1", &err),
                         EVENTS_OK);
        setenv("EVENTS_BROKERS", "env:9092", 1);
        assert_int_equal(events_kafka_conf_apply(conf, NULL, 0, NULL, &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "env:9092");
        rd_kafka_conf_destroy(conf);
        /* A default broker list holds when the environment is empty. */
        conf = rd_kafka_conf_new();
        assert_int_equal(events_kafka_conf_set(
                                 conf, "metadata.broker.list=dflt:1", &err),
                         EVENTS_OK);
        setenv("EVENTS_BROKERS", "", 1);
        assert_int_equal(events_kafka_conf_apply(conf, NULL, 0, NULL, &err),
                         EVENTS_OK);
        assert_string_equal(conf_get(conf, "bootstrap.servers"), "dflt:1");
        rd_kafka_conf_destroy(conf);
        /* Nowhere: -b, files, properties and the environment all empty. */
        assert_int_equal(apply(&conf, args, 1, NULL, "", &err),
                         EVENTS_ERR_NOT_FOUND);
        assert_non_null(strstr(err.text, "no brokers"));
        rd_kafka_conf_destroy(conf);
        assert_int_equal(apply(&conf, NULL, 0, NULL, NULL, &err),
                         EVENTS_ERR_NOT_FOUND);
        rd_kafka_conf_destroy(conf);
}

static void test_events_kafka_conf_apply_errors_name_the_place(void **state) {
        char *path = write_file("# ok\nlinger.ms=soon\n");
        events_kafka_arg_t bad_x[] = {{'X', "linger.ms=1"},
                                      {'X', "no.such.property=1"}};
        events_kafka_arg_t bad_f[] = {{'X', "linger.ms=1"}, {'F', path}};
        events_kafka_arg_t missing[] = {{'F', "/nonexistent/c.properties"}};
        events_kafka_arg_t bad_kind[] = {{'Y', "linger.ms=1"}};
        events_kafka_arg_t bad_b[] = {{'b', ""}};
        rd_kafka_conf_t *conf;
        events_error_t err;
        char want[128];

        assert_int_equal(apply(&conf, bad_x, 2, "b:1", NULL, &err),
                         EVENTS_ERR_CONF);
        assert_memory_equal(err.text, "-X no.such.property=1: ",
                            strlen("-X no.such.property=1: "));
        rd_kafka_conf_destroy(conf);
        assert_int_equal(apply(&conf, bad_f, 2, "b:1", NULL, &err),
                         EVENTS_ERR_CONF);
        assert_int_equal(err.line, 2);
        snprintf(want, sizeof(want), "%s:2: linger.ms", path);
        assert_memory_equal(err.text, want, strlen(want));
        rd_kafka_conf_destroy(conf);
        assert_int_equal(apply(&conf, missing, 1, "b:1", NULL, &err),
                         EVENTS_ERR_IO);
        assert_non_null(strstr(err.text, "/nonexistent/c.properties"));
        rd_kafka_conf_destroy(conf);
        assert_int_equal(apply(&conf, bad_kind, 1, "b:1", NULL, &err),
                         EVENTS_ERR_INVALID_ARG);
        rd_kafka_conf_destroy(conf);
        /* An empty -b empties the list: no brokers at all. */
        assert_int_equal(apply(&conf, bad_b, 1, NULL, "env:1", &err),
                         EVENTS_ERR_NOT_FOUND);
        rd_kafka_conf_destroy(conf);
        assert_int_equal(events_kafka_conf_apply(NULL, NULL, 0, "b:1", &err),
                         EVENTS_ERR_INVALID_ARG);
        unlink(path);
        free(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_kafka_conf_set_valid),
                cmocka_unit_test(test_events_kafka_conf_set_rejects_bad_text),
                cmocka_unit_test(
                        test_events_kafka_conf_set_file_reads_properties),
                cmocka_unit_test(
                        test_events_kafka_conf_set_file_names_bad_line),
                cmocka_unit_test(test_events_kafka_conf_set_file_missing),
                cmocka_unit_test(
                        test_events_kafka_conf_set_file_unknown_key_names_line),
                cmocka_unit_test(
                        test_events_kafka_conf_apply_command_line_order),
                cmocka_unit_test(test_events_kafka_conf_apply_brokers_in_order),
                cmocka_unit_test(
                        test_events_kafka_conf_apply_env_before_options),
                cmocka_unit_test(
                        test_events_kafka_conf_apply_errors_name_the_place),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
