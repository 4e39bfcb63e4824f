/*
 * test_kafka_conf.c - "key=value" properties and property files (-X, -F).
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_kafka_conf_set_valid),
                cmocka_unit_test(test_events_kafka_conf_set_rejects_bad_text),
                cmocka_unit_test(
                        test_events_kafka_conf_set_file_reads_properties),
                cmocka_unit_test(
                        test_events_kafka_conf_set_file_names_bad_line),
                cmocka_unit_test(test_events_kafka_conf_set_file_missing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
