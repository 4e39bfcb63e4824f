/*
 * test_consumer_routes.c - the routes file parser of events-consumer:
 * valid files give the policies and handlers they say; every kind of bad
 * file is rejected with the JSON pointer of the bad place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "routes.h"

static routes_t *parse_ok(const char *text) {
        json_error_t je;
        json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
        routes_t *r = NULL;
        char err[512] = "";

        assert_non_null(doc);
        if (routes_parse(doc, "/base", &r, err, sizeof(err)) != 0)
                fail_msg("unexpected error: %s", err);
        json_decref(doc);
        return r;
}

/* Parse, expect failure with an error that starts with @p want. */
static void parse_bad(const char *text, const char *want) {
        json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        routes_t *r = NULL;
        char err[512] = "";

        assert_non_null(doc);
        assert_int_equal(routes_parse(doc, "/base", &r, err, sizeof(err)), -1);
        assert_null(r);
        if (strncmp(err, want, strlen(want)))
                fail_msg("error \"%s\" does not start with \"%s\"", err, want);
        json_decref(doc);
}

static void test_routes_parse_defaults(void **state) {
        routes_t *r = parse_ok("{\"routes\":[{\"pattern\":\"user.created\","
                               "\"handlers\":[{\"type\":\"log\"}]}]}");
        (void)state;
        assert_int_equal(r->n_routes, 1);
        assert_string_equal(r->routes[0].pattern, "user.created");
        assert_int_equal(r->routes[0].retries, 3);
        assert_int_equal(r->routes[0].backoff_ms, 100);
        assert_int_equal(r->routes[0].backoff_max_ms, 10000);
        assert_int_equal(r->routes[0].validate, 1);
        assert_int_equal(r->routes[0].n_handlers, 1);
        assert_int_equal(r->routes[0].handlers[0].kind, HANDLER_LOG);
        assert_string_equal(r->routes[0].handlers[0].name, "log");
        assert_int_equal(r->routes[0].handlers[0].log_data, 1);
        routes_free(r);
}

static void test_routes_parse_policy_and_defaults_block(void **state) {
        routes_t *r = parse_ok(
                "{\"defaults\":{\"retries\":1,\"backoff_ms\":5,"
                "\"validate\":false},"
                "\"routes\":[{\"pattern\":\"a.*\",\"retries\":7,"
                "\"backoff_max_ms\":50,\"handlers\":[{\"type\":\"log\","
                "\"name\":\"audit\",\"data\":false}]},"
                "{\"default\":true,\"handlers\":[{\"type\":\"log\"}]}]}");
        (void)state;
        assert_int_equal(r->n_routes, 2);
        assert_int_equal(r->routes[0].retries, 7);
        assert_int_equal(r->routes[0].backoff_ms, 5);
        assert_int_equal(r->routes[0].backoff_max_ms, 50);
        assert_int_equal(r->routes[0].validate, 0);
        assert_string_equal(r->routes[0].handlers[0].name, "audit");
        assert_int_equal(r->routes[0].handlers[0].log_data, 0);
        assert_null(r->routes[1].pattern);
        assert_int_equal(r->routes[1].retries, 1);
        routes_free(r);
}

static void test_routes_parse_every_handler_kind(void **state) {
        routes_t *r = parse_ok(
                "{\"routes\":[{\"pattern\":\"*\",\"handlers\":["
                "{\"type\":\"exec\",\"command\":[\"true\",\"x y\"],"
                "\"timeout_ms\":250},"
                "{\"type\":\"file\",\"path\":\"out/e.ndjson\","
                "\"fsync\":\"always\"},"
                "{\"type\":\"file\",\"path\":\"/abs.ndjson\"},"
                "{\"type\":\"forward\",\"topic\":\"copy\"},"
                "{\"type\":\"plugin\",\"path\":\"lib/p.so\","
                "\"function\":\"f\",\"config\":{\"k\":1}},"
                "{\"type\":\"plugin\",\"path\":\"p.so\",\"function\":\"g\"}"
                "]}]}");
        handler_spec_t *h;
        (void)state;

        h = r->routes[0].handlers;
        assert_int_equal(r->routes[0].n_handlers, 6);
        assert_int_equal(h[0].kind, HANDLER_EXEC);
        assert_non_null(strchr(h[0].argv[0], '/')); /* found in PATH */
        assert_string_equal(h[0].argv[1], "x y");
        assert_null(h[0].argv[2]);
        assert_int_equal(h[0].timeout_ms, 250);
        assert_string_equal(h[0].name, "exec:true");
        assert_string_equal(h[1].path, "/base/out/e.ndjson");
        assert_int_equal(h[1].fsync, FSYNC_ALWAYS);
        assert_string_equal(h[2].path, "/abs.ndjson");
        assert_int_equal(h[2].fsync, FSYNC_INTERVAL);
        assert_int_equal(h[2].fsync_interval_ms, 1000);
        assert_string_equal(h[3].topic, "copy");
        assert_string_equal(h[3].name, "forward:copy");
        assert_string_equal(h[4].path, "/base/lib/p.so");
        assert_string_equal(h[4].function, "f");
        assert_true(json_is_object(h[4].config));
        assert_string_equal(h[5].path, "p.so"); /* left to dlopen's search */
        assert_null(h[5].config);
        assert_string_equal(h[5].name, "plugin:g");
        routes_free(r);
}

static void test_routes_parse_errors_name_the_place(void **state) {
        (void)state;
        parse_bad("[]", "/: the routes file must hold a JSON object");
        parse_bad("{}", "/: missing required key \"routes\"");
        parse_bad("{\"routes\":[],\"x\":1}", "/: unknown key \"x\"");
        parse_bad("{\"routes\":[]}", "/routes: must be a non-empty array");
        parse_bad("{\"routes\":[1]}", "/routes/0: a route must be an object");
        parse_bad("{\"routes\":[{\"handlers\":[{\"type\":\"log\"}]}]}",
                  "/routes/0: missing \"pattern\"");
        parse_bad("{\"routes\":[{\"pattern\":\"a b\",\"handlers\":[{\"type\":"
                  "\"log\"}]}]}",
                  "/routes/0/pattern: a pattern is an event type");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"log\"}]},{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"log\"}]}]}",
                  "/routes/1/pattern: pattern \"a\" is already routed at "
                  "/routes/0");
        parse_bad("{\"routes\":[{\"default\":true,\"handlers\":[{\"type\":"
                  "\"log\"}]},{\"default\":true,\"handlers\":[{\"type\":"
                  "\"log\"}]}]}",
                  "/routes/1: a second default route");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"retires\":3,"
                  "\"handlers\":[{\"type\":\"log\"}]}]}",
                  "/routes/0: unknown key \"retires\"");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"retries\":-1,"
                  "\"handlers\":[{\"type\":\"log\"}]}]}",
                  "/routes/0/retries: must be between 0 and 1000");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"backoff_ms\":500,"
                  "\"backoff_max_ms\":100,\"handlers\":[{\"type\":\"log\"}]}]}",
                  "/routes/0: backoff_max_ms (100) is less than backoff_ms");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[]}]}",
                  "/routes/0/handlers: must be a non-empty array");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"log\"},{\"type\":\"smtp\"}]}]}",
                  "/routes/0/handlers/1/type: unknown handler type \"smtp\"");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"exec\"}]}]}",
                  "/routes/0/handlers/0: missing required key \"command\"");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"exec\",\"command\":\"/bin/echo hi\"}]}]}",
                  "/routes/0/handlers/0/command: must be a non-empty array");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"exec\",\"command\":[\"no-such-program-xyz\"]}]}]}",
                  "/routes/0/handlers/0/command/0: program "
                  "\"no-such-program-xyz\" not found");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"exec\",\"command\":[\"true\",3]}]}]}",
                  "/routes/0/handlers/0/command/1: must be a string");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"file\",\"path\":\"x\",\"fsync\":\"sometimes\"}]}]}",
                  "/routes/0/handlers/0/fsync: must be \"never\"");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"forward\"}]}]}",
                  "/routes/0/handlers/0: missing required key \"topic\"");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"plugin\",\"path\":\"p.so\"}]}]}",
                  "/routes/0/handlers/0: missing required key \"function\"");
        parse_bad("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{\"type\":"
                  "\"log\",\"name\":\"\"}]}]}",
                  "/routes/0/handlers/0/name: must be a non-empty string");
}

/* Parse, expect failure with exactly the error @p want. */
static void parse_bad_exactly(const char *text, const char *want) {
        json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        routes_t *r = NULL;
        char err[512] = "";

        assert_non_null(doc);
        assert_int_equal(routes_parse(doc, "/base", &r, err, sizeof(err)), -1);
        assert_null(r);
        assert_string_equal(err, want);
        json_decref(doc);
}

#define ROUTE_WITH(extra)                                                      \
        "{\"routes\":[{\"pattern\":\"a\"," extra                               \
        ",\"handlers\":[{\"type\":\"log\"}]}]}"
#define HANDLER(h) "{\"routes\":[{\"pattern\":\"a\",\"handlers\":[" h "]}]}"

/* The schema's failures are told in the routes file's terms, at the
 * place that is wrong; an unknown key at the object that holds it. */
static void test_routes_parse_schema_errors_in_file_terms(void **state) {
        (void)state;
        parse_bad_exactly(ROUTE_WITH("\"retries\":5000"),
                          "/routes/0/retries: must be between 0 and 1000");
        parse_bad_exactly(ROUTE_WITH("\"retries\":\"3\""),
                          "/routes/0/retries: must be an integer");
        parse_bad_exactly(ROUTE_WITH("\"backoff_max_ms\":3600001"),
                          "/routes/0/backoff_max_ms: must be between 0 and "
                          "3600000");
        parse_bad_exactly(ROUTE_WITH("\"validate\":\"yes\""),
                          "/routes/0/validate: must be true or false");
        parse_bad_exactly(ROUTE_WITH("\"default\":1"),
                          "/routes/0/default: must be true or false");
        parse_bad_exactly("{\"defaults\":[],\"routes\":[]}",
                          "/defaults: must be an object");
        parse_bad_exactly("{\"defaults\":{\"retry\":1},\"routes\":[{"
                          "\"pattern\":\"a\",\"handlers\":[{\"type\":\"log\"}]"
                          "}]}",
                          "/defaults: unknown key \"retry\"");
        parse_bad_exactly("{\"routes\":[],\"a/b~c\":1}",
                          "/: unknown key \"a/b~c\"");
        parse_bad_exactly("{\"routes\":[{\"pattern\":7,\"handlers\":[{"
                          "\"type\":\"log\"}]}]}",
                          "/routes/0/pattern: a pattern is an event type, "
                          "where '*' matches any run of characters: 1 to 255 "
                          "of [A-Za-z0-9._-*]");
        parse_bad_exactly(HANDLER("3"),
                          "/routes/0/handlers/0: a handler must be an object");
        parse_bad_exactly(HANDLER("{\"name\":\"x\"}"),
                          "/routes/0/handlers/0: missing required key "
                          "\"type\"");
        parse_bad_exactly(HANDLER("{\"type\":3}"),
                          "/routes/0/handlers/0/type: must be a non-empty "
                          "string");
        parse_bad_exactly(HANDLER("{\"type\":\"smtp\"}"),
                          "/routes/0/handlers/0/type: unknown handler type "
                          "\"smtp\" (expected log, exec, file, forward or "
                          "plugin)");
        parse_bad_exactly(HANDLER("{\"type\":\"log\",\"path\":\"x\"}"),
                          "/routes/0/handlers/0: unknown key \"path\"");
        parse_bad_exactly(HANDLER("{\"type\":\"log\",\"data\":1}"),
                          "/routes/0/handlers/0/data: must be true or false");
        parse_bad_exactly(HANDLER("{\"type\":\"exec\",\"command\":[\"\"]}"),
                          "/routes/0/handlers/0/command/0: must be a "
                          "non-empty string");
        parse_bad_exactly(HANDLER("{\"type\":\"exec\",\"command\":[],"
                                  "\"timeout_ms\":5}"),
                          "/routes/0/handlers/0/command: must be a non-empty "
                          "array of strings (the program, then its "
                          "arguments)");
        parse_bad_exactly(HANDLER("{\"type\":\"exec\",\"command\":[\"true\"],"
                                  "\"timeout_ms\":0}"),
                          "/routes/0/handlers/0/timeout_ms: must be between "
                          "1 and 86400000");
        parse_bad_exactly(HANDLER("{\"type\":\"file\",\"path\":\"x\","
                                  "\"fsync\":true}"),
                          "/routes/0/handlers/0/fsync: must be a non-empty "
                          "string");
        parse_bad_exactly(HANDLER("{\"type\":\"file\",\"path\":\"\"}"),
                          "/routes/0/handlers/0/path: must be a non-empty "
                          "string");
        parse_bad_exactly(HANDLER("{\"type\":\"plugin\",\"path\":\"p.so\","
                                  "\"function\":\"f\",\"config\":[1],"
                                  "\"fn\":1}"),
                          "/routes/0/handlers/0: unknown key \"fn\"");
        /* Of several mistakes the one nearest the root is told: an
         * object's keys and values before the values inside them. */
        parse_bad_exactly("{\"routes\":[{\"pattern\":\"a\",\"retries\":-1,"
                          "\"handlers\":[{\"type\":\"smtp\"}]}],\"x\":1}",
                          "/: unknown key \"x\"");
        parse_bad_exactly("{\"routes\":[{\"pattern\":\"a\",\"handlers\":[{"
                          "\"type\":\"smtp\"}],\"retries\":-1}]}",
                          "/routes/0/retries: must be between 0 and 1000");
}

/* The shipped sample routes file is one the schema accepts. */
static void test_routes_load_sample_file(void **state) {
        const char *src = getenv("EVENTS_SOURCE_DIR");
        char path[1024], err[512] = "";
        routes_t *r = NULL;
        (void)state;

        if (!src)
                fail_msg("EVENTS_SOURCE_DIR is not set (run it through ctest)");
        snprintf(path, sizeof(path), "%s/samples/routes.json", src);
        if (routes_load(path, &r, err, sizeof(err)))
                fail_msg("%s", err);
        assert_true(r->n_routes > 0);
        routes_free(r);
}

static void test_routes_load_reports_line_and_file(void **state) {
        char path[] = "/tmp/routes-test-XXXXXX";
        int fd = mkstemp(path);
        routes_t *r = NULL;
        char err[512];
        (void)state;

        assert_true(fd >= 0);
        assert_int_equal(write(fd, "{\"routes\": [\n  {,}\n]}", 21), 21);
        close(fd);
        assert_int_equal(routes_load(path, &r, err, sizeof(err)), -1);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "line 2"));

        /* Duplicate keys are an error, not a silent last-one-wins. */
        fd = open(path, O_WRONLY | O_TRUNC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "{\"routes\":[],\"routes\":[]}", 25), 25);
        close(fd);
        assert_int_equal(routes_load(path, &r, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "duplicate"));

        assert_int_equal(
                routes_load("/nonexistent/routes.json", &r, err, sizeof(err)),
                -1);
        unlink(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_routes_parse_defaults),
                cmocka_unit_test(test_routes_parse_policy_and_defaults_block),
                cmocka_unit_test(test_routes_parse_every_handler_kind),
                cmocka_unit_test(test_routes_parse_errors_name_the_place),
                cmocka_unit_test(test_routes_parse_schema_errors_in_file_terms),
                cmocka_unit_test(test_routes_load_sample_file),
                cmocka_unit_test(test_routes_load_reports_line_and_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
