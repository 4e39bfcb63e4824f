/*
 * test_registry.c - the registry of schemas by event type: loading a
 * directory, the project's schemas and samples, the unknown-type policy,
 * references between files, failures with pointers into the envelope, and
 * a registry left unchanged by a bad load.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema_int.h"

static const char *schemas_dir(void) {
        const char *d = getenv("EVENTS_SCHEMAS_DIR");
        return d ? d : "schemas";
}

static events_registry_t *project_registry(void) {
        events_registry_t *r;
        events_error_t err;

        assert_int_equal(events_registry_new(&r), EVENTS_OK);
        if (events_registry_load_dir(r, schemas_dir(), &err) != EVENTS_OK)
                fail_msg("%s: %s %s", schemas_dir(), err.pointer, err.text);
        return r;
}

static events_event_t *parse(const char *text) {
        events_event_t *ev = NULL;
        events_error_t err;
        if (events_event_parse(&ev, text, strlen(text), &err) != EVENTS_OK)
                fail_msg("%s: %s", text, err.text);
        return ev;
}

/* Validate @p text; @returns the formatted report in a static buffer. */
static const char *check(const events_registry_t *r, const char *text,
                         events_err_t want) {
        static char buf[2048];
        events_event_t *ev = parse(text);
        events_report_t *rep = events_report_new(16);

        assert_int_equal(events_registry_validate(r, ev, rep), want);
        events_report_format(rep, buf, sizeof(buf));
        /* the yes/no path agrees */
        assert_int_equal(events_registry_validate(r, ev, NULL), want);
        events_report_destroy(rep);
        events_event_destroy(ev);
        return buf;
}

static void test_events_registry_load_dir_project_schemas(void **state) {
        events_registry_t *r = project_registry();
        static const char *const types[] = {
                "user.created",       "user.updated", "user.deleted",
                "user.login",         "user.logout",  "user.password_changed",
                "user.email_verified"};

        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                assert_non_null(events_registry_get(r, types[i]));
        /* neither the envelope nor shared definitions are event types */
        assert_null(events_registry_get(r, "envelope"));
        assert_null(events_registry_get(r, "_common"));
        assert_null(events_registry_get(r, "user.nope"));
        assert_null(events_registry_get(r, NULL));
        events_registry_destroy(r);
}

static void test_events_registry_validate_samples(void **state) {
        events_registry_t *r = project_registry();
        char path[4096], line[8192];
        const char *src = getenv("EVENTS_SOURCE_DIR");
        FILE *f;
        int n = 0;

        snprintf(path, sizeof(path), "%s/samples/events.ndjson",
                 src ? src : ".");
        assert_non_null(f = fopen(path, "r"));
        while (fgets(line, sizeof(line), f)) {
                if (line[0] == '\n')
                        continue;
                line[strcspn(line, "\n")] = '\0';
                assert_string_equal(check(r, line, EVENTS_OK), "");
                n++;
        }
        fclose(f);
        assert_true(n >= 7);
        events_registry_destroy(r);
}

/* The shipped schemas are open: the user's record under every user.*
 * type, user_id required, known fields typed, unknown fields allowed.
 * (They were closed contracts until issue 13; those moved to
 * examples/schemas-strict/, tested below.) */
static void test_events_registry_validate_pointers_into_envelope(void **state) {
        events_registry_t *r = project_registry();

        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.created\",\"data\":{\"user_id\":"
                      "7,\"email\":\"not-an-email\",\"nickname\":\"x\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data/email: does not match format \"email\"");
        assert_string_equal(check(r,
                                  "{\"event_type\":\"user.login\",\"data\":{}}",
                                  EVENTS_ERR_VALIDATION),
                            "/data: missing required property \"user_id\"");
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.login\",\"data\":{\"user_id\":0,"
                      "\"ip\":\"300.1.1.1\",\"method\":\"password\","
                      "\"x_geo\":\"FR\",\"geo\":\"FR\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data/user_id: must be >= 1; /data/ip: must match at least "
                "one schema in \"anyOf\" ([0] does not match format "
                "\"ipv4\"; [1] does not match format \"ipv6\")");
        /* a known field is typed under every user.* type */
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.deleted\",\"data\":{\"user_id\":"
                      "7,\"email\":\"a@\",\"name\":1}}",
                      EVENTS_ERR_VALIDATION),
                "/data/email: does not match format \"email\"; /data/name: "
                "must be of type string, not integer");
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.password_changed\",\"data\":{"
                      "\"user_id\":7,\"password_hash\":\"x\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data/password_hash: property \"password_hash\" is not "
                "allowed");
        events_registry_destroy(r);
}

/* What a Python service sends (issue 13): data is the user's record for
 * every type, with fields the schemas do not name, and a timestamp from
 * datetime.utcnow().isoformat() (no zone). The shipped schemas pass it. */
static void test_events_registry_validate_user_record_any_type(void **state) {
        events_registry_t *r = project_registry();
        static const char *const types[] = {
                "user.created",       "user.updated", "user.deleted",
                "user.login",         "user.logout",  "user.password_changed",
                "user.email_verified"};
        char text[512];

        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                snprintf(text, sizeof(text),
                         "{\"event_type\":\"%s\",\"data\":{\"user_id\":42,"
                         "\"email\":\"a@example.com\",\"name\":\"Ada\","
                         "\"favourite_colour\":\"teal\",\"tags\":[1]},"
                         "\"timestamp\":\"2026-12-03T00:23:54.123456\"}",
                         types[i]);
                assert_string_equal(check(r, text, EVENTS_OK), "");
        }
        events_registry_destroy(r);
}

/* The closed contract, opt-in (examples/schemas-strict/): unknown fields,
 * missing type-specific fields and values outside a vocabulary are
 * refused. */
static void test_events_registry_validate_strict_example(void **state) {
        const char *src = getenv("EVENTS_SOURCE_DIR");
        events_registry_t *r;
        events_error_t err;
        char dir[4096];

        snprintf(dir, sizeof(dir), "%s/examples/schemas-strict",
                 src ? src : ".");
        assert_int_equal(events_registry_new(&r), EVENTS_OK);
        if (events_registry_load_dir(r, dir, &err) != EVENTS_OK)
                fail_msg("%s: %s %s", dir, err.pointer, err.text);
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.created\",\"data\":{\"user_id\":"
                      "7,\"email\":\"not-an-email\",\"nickname\":\"x\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data/email: does not match format \"email\"; "
                "/data/nickname: property \"nickname\" is not allowed");
        assert_string_equal(check(r,
                                  "{\"event_type\":\"user.login\",\"data\":{}}",
                                  EVENTS_ERR_VALIDATION),
                            "/data: missing required property \"user_id\"; "
                            "/data: missing required property \"ip\"; "
                            "/data: missing required property \"method\"");
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.login\",\"data\":{\"user_id\":0,"
                      "\"ip\":\"300.1.1.1\",\"method\":\"password\","
                      "\"x_geo\":\"FR\",\"geo\":\"FR\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data/user_id: must be >= 1; /data/ip: must match at least "
                "one schema in \"anyOf\" ([0] does not match format "
                "\"ipv4\"; [1] does not match format \"ipv6\"); /data/geo: "
                "property \"geo\" is not allowed");
        /* if/then: an administrator's deletion names the administrator */
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.deleted\",\"data\":{\"user_id\":"
                      "7,\"reason\":\"admin\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data: missing required property \"deleted_by\"");
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.updated\",\"data\":{\"user_id\":"
                      "7,\"changes\":{}}}",
                      EVENTS_ERR_VALIDATION),
                "/data/changes: must have at least 1 properties (has 0)");
        /* the events: a user's record under user.updated */
        assert_string_equal(
                check(r,
                      "{\"event_type\":\"user.updated\",\"data\":{\"user_id\":"
                      "7,\"email\":\"a@example.com\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data: missing required property \"changes\"; /data/email: "
                "property \"email\" is not allowed");
        events_registry_destroy(r);
}

static void test_events_registry_validate_envelope(void **state) {
        events_registry_t *r = project_registry();
        events_report_t *rep = events_report_new(8);
        json_t *env = json_loads(
                "{\"event_type\":\"user.logout\",\"data\":{\"user_id\":1},"
                "\"timestamp\":\"yesterday\"}",
                0, NULL);
        char buf[512];

        /* the envelope schema sees the whole envelope */
        assert_int_equal(events__registry_validate_json(
                                 r, "user.logout", env,
                                 json_object_get(env, "data"), rep),
                         EVENTS_ERR_VALIDATION);
        assert_string_equal(events_report_format(rep, buf, sizeof(buf)),
                            "/timestamp: does not match format \"date-time\"");
        assert_string_equal(events_report_keyword(rep, 0), "format");
        json_decref(env);
        events_report_destroy(rep);

        /* unknown top-level fields are allowed by the envelope */
        assert_string_equal(check(r,
                                  "{\"event_type\":\"user.logout\",\"data\":{"
                                  "\"user_id\":1},\"trace_id\":\"abc\"}",
                                  EVENTS_OK),
                            "");
        events_registry_destroy(r);
}

static void test_events_registry_unknown_type_policy(void **state) {
        events_registry_t *r = project_registry();
        const char *ev = "{\"event_type\":\"order.placed\",\"data\":{}}";

        assert_string_equal(check(r, ev, EVENTS_ERR_NO_SCHEMA),
                            "/event_type: no schema for event type "
                            "\"order.placed\"");
        events_registry_set_unknown_type(r, EVENTS_UNKNOWN_TYPE_ALLOW);
        assert_string_equal(check(r, ev, EVENTS_OK), "");
        events_registry_set_unknown_type(r, EVENTS_UNKNOWN_TYPE_REJECT);
        assert_string_equal(check(r, ev, EVENTS_ERR_NO_SCHEMA),
                            "/event_type: no schema for event type "
                            "\"order.placed\"");
        events_registry_destroy(r);
}

static void test_events_registry_empty_rejects(void **state) {
        events_registry_t *r;

        assert_int_equal(events_registry_new(&r), EVENTS_OK);
        check(r, "{\"event_type\":\"a\",\"data\":{}}", EVENTS_ERR_NO_SCHEMA);
        assert_int_equal(events_registry_validate(r, NULL, NULL),
                         EVENTS_ERR_INVALID_ARG);
        assert_int_equal(events_registry_new(NULL), EVENTS_ERR_INVALID_ARG);
        events_registry_destroy(r);
        events_registry_destroy(NULL);
}

static void write_file(const char *dir, const char *name, const char *text) {
        char path[4096];
        FILE *f;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_non_null(f = fopen(path, "w"));
        fputs(text, f);
        fclose(f);
}

static void remove_dir(const char *dir) {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_events_registry_load_dir_bad_files(void **state) {
        char dir[] = "/tmp/events-registry-XXXXXX";
        events_registry_t *r;
        events_error_t err;
        const events_schema_t *before;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(events_registry_new(&r), EVENTS_OK);
        write_file(dir, "a.json", "{\"required\":[\"x\"]}");
        assert_int_equal(events_registry_load_dir(r, dir, &err), EVENTS_OK);
        assert_non_null(before = events_registry_get(r, "a"));

        /* a syntax error names the file, line and column */
        write_file(dir, "b.json", "{\n  \"type\": }");
        assert_int_equal(events_registry_load_dir(r, dir, &err),
                         EVENTS_ERR_JSON);
        assert_non_null(strstr(err.text, "b.json"));
        assert_int_equal(err.line, 2);
        /* nothing changed */
        assert_ptr_equal(events_registry_get(r, "a"), before);
        assert_null(events_registry_get(r, "b"));

        /* a bad schema names the file and the place in it */
        write_file(dir, "b.json",
                   "{\"properties\":{\"x\":{\"maxItems\":\"3\"}}}");
        assert_int_equal(events_registry_load_dir(r, dir, &err),
                         EVENTS_ERR_SCHEMA);
        assert_string_equal(err.text, "b.json: must be a non-negative integer");
        assert_string_equal(err.pointer, "/properties/x/maxItems");
        assert_ptr_equal(events_registry_get(r, "a"), before);

        /* a reference to a missing file */
        write_file(dir, "b.json", "{\"$ref\":\"_missing.json#/x\"}");
        assert_int_equal(events_registry_load_dir(r, dir, &err),
                         EVENTS_ERR_SCHEMA);
        assert_string_equal(err.text, "b.json: unresolvable reference "
                                      "\"_missing.json#/x\"");

        /* a definition nothing refers to yet is checked all the same */
        write_file(dir, "b.json", "{}");
        write_file(dir, "_defs.json",
                   "{\"definitions\":{\"x\":{\"type\":\"nope\"}}}");
        assert_int_equal(events_registry_load_dir(r, dir, &err),
                         EVENTS_ERR_SCHEMA);
        assert_string_equal(err.text, "_defs.json: unknown type \"nope\"");
        assert_string_equal(err.pointer, "/definitions/x/type");
        write_file(dir, "_defs.json", "{\"definitions\":{}}");

        /* a file name that is no event type */
        write_file(dir, "b.json", "{}");
        write_file(dir, "c d.json", "{}");
        assert_int_equal(events_registry_load_dir(r, dir, &err),
                         EVENTS_ERR_SCHEMA);
        assert_null(events_registry_get(r, "b"));

        remove_dir(dir);
        assert_int_equal(events_registry_load_dir(r, dir, &err), EVENTS_ERR_IO);
        assert_non_null(strstr(err.text, dir));
        events_registry_destroy(r);
}

static void test_events_registry_refs_between_files(void **state) {
        events_registry_t *r;
        events_error_t err;
        json_t *defs = json_loads(
                "{\"$id\":\"https://example.com/defs.json\",\"definitions\":{"
                "\"code\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"}}}",
                0, NULL);
        json_t *by_id = json_loads(
                "{\"properties\":{\"c\":{\"$ref\":"
                "\"https://example.com/defs.json#/definitions/code\"}}}",
                0, NULL);
        json_t *by_name = json_loads("{\"properties\":{\"c\":{\"$ref\":"
                                     "\"_defs.json#/definitions/code\"}}}",
                                     0, NULL);

        assert_int_equal(events_registry_new(&r), EVENTS_OK);
        /* a reference may name a schema added later, in the same call */
        assert_int_equal(events_registry_add(r, "by.id", by_id, &err),
                         EVENTS_ERR_SCHEMA);
        assert_int_equal(events_registry_add(r, "_defs", defs, &err),
                         EVENTS_OK);
        assert_int_equal(events_registry_add(r, "by.id", by_id, &err),
                         EVENTS_OK);
        assert_int_equal(events_registry_add(r, "by.name", by_name, &err),
                         EVENTS_OK);
        assert_string_equal(check(r,
                                  "{\"event_type\":\"by.id\",\"data\":{\"c\":"
                                  "\"ABC\"}}",
                                  EVENTS_OK),
                            "");
        assert_string_equal(
                check(r, "{\"event_type\":\"by.name\",\"data\":{\"c\":\"ab\"}}",
                      EVENTS_ERR_VALIDATION),
                "/data/c: does not match pattern \"^[A-Z]{3}$\"");
        assert_int_equal(events_registry_add(r, "bad name", defs, &err),
                         EVENTS_ERR_INVALID_ARG);
        json_decref(defs);
        json_decref(by_id);
        json_decref(by_name);
        events_registry_destroy(r);
}

static void test_events_registry_add_keeps_old_schemas(void **state) {
        events_registry_t *r;
        json_t *v1 = json_loads("{\"required\":[\"a\"]}", 0, NULL);
        json_t *v2 = json_loads("{\"required\":[\"b\"]}", 0, NULL);
        json_t *inst = json_loads("{\"a\":1}", 0, NULL);
        const events_schema_t *old;

        assert_int_equal(events_registry_new(&r), EVENTS_OK);
        assert_int_equal(events_registry_add(r, "t", v1, NULL), EVENTS_OK);
        old = events_registry_get(r, "t");
        assert_int_equal(events_registry_add(r, "t", v2, NULL), EVENTS_OK);
        /* the new schema replaces the old one; the old pointer still works */
        assert_int_equal(
                events_schema_validate(events_registry_get(r, "t"), inst, NULL),
                EVENTS_ERR_VALIDATION);
        assert_int_equal(events_schema_validate(old, inst, NULL), EVENTS_OK);
        json_decref(v1);
        json_decref(v2);
        json_decref(inst);
        events_registry_destroy(r);
}

static void test_events_registry_report_limit(void **state) {
        events_registry_t *r = project_registry();
        events_event_t *ev = parse(
                "{\"event_type\":\"user.created\",\"data\":{\"user_id\":\"x\","
                "\"email\":1,\"name\":2,\"plan\":3,\"locale\":4,\"a\":1}"
                "}");
        events_report_t *rep = events_report_new(3);

        assert_int_equal(events_registry_validate(r, ev, rep),
                         EVENTS_ERR_VALIDATION);
        assert_int_equal(events_report_count(rep), 3);
        assert_true(events_report_truncated(rep));
        assert_string_equal(events_report_pointer(rep, 0), "/data/user_id");
        assert_string_equal(events_report_keyword(rep, 0), "type");
        events_report_destroy(rep);
        events_event_destroy(ev);
        events_registry_destroy(r);
}

static void test_events_schemas_default_dir(void **state) {
        const char *d = events_schemas_default_dir();
        size_t n = strlen(d);
        assert_true(n > 20);
        assert_string_equal(d + n - strlen("/events/schemas"),
                            "/events/schemas");
}

static void test_events_schemas_dir_env_then_program_relative(void **state) {
        char *saved = getenv("EVENTS_SCHEMAS_DIR")
                              ? strdup(getenv("EVENTS_SCHEMAS_DIR"))
                              : NULL;
        const char *src = getenv("EVENTS_SOURCE_DIR");
        char want[PATH_MAX], path[PATH_MAX];

        setenv("EVENTS_SCHEMAS_DIR", "/opt/my/schemas", 1);
        assert_string_equal(events_schemas_dir(), "/opt/my/schemas");
        /* Empty counts as unset. This test runs from the build tree, whose
         * share/events/schemas (beside the programs' folders, as when
         * installed) links to the source tree's schemas/. */
        assert_non_null(src);
        snprintf(path, sizeof(path), "%s/schemas", src);
        assert_non_null(realpath(path, want));
        setenv("EVENTS_SCHEMAS_DIR", "", 1);
        assert_string_equal(events_schemas_dir(), want);
        unsetenv("EVENTS_SCHEMAS_DIR");
        assert_string_equal(events_schemas_dir(), want);
        assert_string_not_equal(events_schemas_dir(),
                                events_schemas_default_dir());
        if (saved)
                setenv("EVENTS_SCHEMAS_DIR", saved, 1);
        free(saved);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events_registry_load_dir_project_schemas),
                cmocka_unit_test(test_events_registry_validate_samples),
                cmocka_unit_test(
                        test_events_registry_validate_pointers_into_envelope),
                cmocka_unit_test(
                        test_events_registry_validate_user_record_any_type),
                cmocka_unit_test(test_events_registry_validate_strict_example),
                cmocka_unit_test(test_events_registry_validate_envelope),
                cmocka_unit_test(test_events_registry_unknown_type_policy),
                cmocka_unit_test(test_events_registry_empty_rejects),
                cmocka_unit_test(test_events_registry_load_dir_bad_files),
                cmocka_unit_test(test_events_registry_refs_between_files),
                cmocka_unit_test(test_events_registry_add_keeps_old_schemas),
                cmocka_unit_test(test_events_registry_report_limit),
                cmocka_unit_test(test_events_schemas_default_dir),
                cmocka_unit_test(
                        test_events_schemas_dir_env_then_program_relative),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
