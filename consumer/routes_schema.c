/*
 * routes_schema.c - the shape of the routes file as a JSON Schema, checked
 * by libevents' validator (events/schema.h), the same one that checks
 * events: every key, type and range of the file is written once, here,
 * instead of in hand-written checks. What a schema cannot say (a pattern
 * or "default": true, one default route, no pattern twice, a longest
 * backoff not below the first, a program that exists) stays in routes.c.
 *
 * The schema is compiled into the program, not installed as a file: the
 * consumer and the schema it was written for can never part, and there is
 * no search path to get wrong. routes_schema_text() shows it.
 *
 * The validator reports "/routes/0/retries: must be <= 1000"; the user
 * reads the file's own terms, "must be between 0 and 1000", as before.
 * tell() maps a failure to those terms by where it is; the place is the
 * validator's JSON pointer, except for an unknown key, which is told at
 * the object that holds it ("/routes/0: unknown key \"retires\""). Of
 * several failures the one nearest the root is told, so that an object's
 * keys are judged before its values.
 */
#include "routes_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <events/router.h>
#include <events/schema.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* Failures kept to choose the one nearest the root from. */
#define MAX_FAILURES 64

#define MSG_PATTERN                                                            \
        "a pattern is an event type, where '*' matches any run of "            \
        "characters: 1 to 255 of [A-Za-z0-9._-*]"

static const char schema_text[] =
        "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
        "\"$id\":\"events:/consumer/routes.schema.json\","
        "\"title\":\"events-consumer routes file\","
        "\"type\":\"object\",\"required\":[\"routes\"],"
        "\"additionalProperties\":false,"
        "\"properties\":{"
        "\"defaults\":{\"type\":\"object\",\"additionalProperties\":false,"
        "\"properties\":{\"retries\":{\"$ref\":\"#/definitions/retries\"},"
        "\"backoff_ms\":{\"$ref\":\"#/definitions/backoff\"},"
        "\"backoff_max_ms\":{\"$ref\":\"#/definitions/backoff\"},"
        "\"validate\":{\"type\":\"boolean\"}}},"
        "\"routes\":{\"type\":\"array\",\"minItems\":1,"
        "\"items\":{\"$ref\":\"#/definitions/route\"}}},"
        "\"definitions\":{"
        "\"retries\":{\"type\":\"integer\",\"minimum\":0,"
        "\"maximum\":" STR(EVENTS_ROUTE_MAX_RETRIES) "},"
                                                     "\"backoff\":{\"type\":"
                                                     "\"integer\",\"minimum\":"
                                                     "0,"
                                                     "\"maximum\":" STR(EVENTS_ROUTE_MAX_BACKOFF_MS) "},"
                                                                                                     "\"text\":{\"type\":\"string\",\"minLength\":1},"
                                                                                                     "\"route\":{\"type\":\"object\",\"required\":[\"handlers\"],"
                                                                                                     "\"additionalProperties\":false,\"properties\":{"
                                                                                                     "\"pattern\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,"
                                                                                                     "\"pattern\":\"^[A-Za-z0-9._*-]+$\"},"
                                                                                                     "\"default\":{\"type\":\"boolean\"},"
                                                                                                     "\"handlers\":{\"type\":\"array\",\"minItems\":1,"
                                                                                                     "\"items\":{\"$ref\":\"#/definitions/handler\"}},"
                                                                                                     "\"retries\":{\"$ref\":\"#/definitions/retries\"},"
                                                                                                     "\"backoff_ms\":{\"$ref\":\"#/definitions/backoff\"},"
                                                                                                     "\"backoff_max_ms\":{\"$ref\":\"#/definitions/backoff\"},"
                                                                                                     "\"validate\":{\"type\":\"boolean\"}}},"
                                                                                                     "\"handler\":{\"type\":\"object\",\"required\":[\"type\"],"
                                                                                                     "\"properties\":{\"type\":{\"enum\":[\"log\",\"exec\",\"file\","
                                                                                                     "\"forward\",\"plugin\"]},"
                                                                                                     "\"name\":{\"$ref\":\"#/definitions/text\"}},"
                                                                                                     "\"allOf\":["
                                                                                                     "{\"if\":{\"$ref\":\"#/definitions/is_log\"},\"then\":{"
                                                                                                     "\"additionalProperties\":false,\"properties\":{\"type\":true,"
                                                                                                     "\"name\":true,\"data\":{\"type\":\"boolean\"}}}},"
                                                                                                     "{\"if\":{\"$ref\":\"#/definitions/is_exec\"},\"then\":{"
                                                                                                     "\"required\":[\"command\"],\"additionalProperties\":false,"
                                                                                                     "\"properties\":{\"type\":true,\"name\":true,"
                                                                                                     "\"command\":{\"type\":\"array\",\"minItems\":1,"
                                                                                                     "\"items\":[{\"$ref\":\"#/definitions/text\"}],"
                                                                                                     "\"additionalItems\":{\"type\":\"string\"}},"
                                                                                                     "\"timeout_ms\":{\"type\":\"integer\",\"minimum\":1,"
                                                                                                     "\"maximum\":" STR(ROUTES_EXEC_TIMEOUT_MAX_MS) "}}}},"
                                                                                                                                                    "{\"if\":{\"$ref\":\"#/definitions/is_file\"},\"then\":{"
                                                                                                                                                    "\"required\":[\"path\"],\"additionalProperties\":false,"
                                                                                                                                                    "\"properties\":{\"type\":true,\"name\":true,"
                                                                                                                                                    "\"path\":{\"$ref\":\"#/definitions/text\"},"
                                                                                                                                                    "\"fsync\":{\"enum\":[\"never\",\"always\",\"interval\"]},"
                                                                                                                                                    "\"fsync_interval_ms\":{\"type\":\"integer\",\"minimum\":1,"
                                                                                                                                                    "\"maximum\":" STR(ROUTES_FSYNC_INTERVAL_MAX_MS) "}}}},"
                                                                                                                                                                                                     "{\"if\":{\"$ref\":\"#/definitions/is_forward\"},\"then\":{"
                                                                                                                                                                                                     "\"required\":[\"topic\"],\"additionalProperties\":false,"
                                                                                                                                                                                                     "\"properties\":{\"type\":true,\"name\":true,"
                                                                                                                                                                                                     "\"topic\":{\"$ref\":\"#/definitions/text\"}}}},"
                                                                                                                                                                                                     "{\"if\":{\"$ref\":\"#/definitions/is_plugin\"},\"then\":{"
                                                                                                                                                                                                     "\"required\":[\"path\",\"function\"],"
                                                                                                                                                                                                     "\"additionalProperties\":false,"
                                                                                                                                                                                                     "\"properties\":{\"type\":true,\"name\":true,"
                                                                                                                                                                                                     "\"path\":{\"$ref\":\"#/definitions/text\"},"
                                                                                                                                                                                                     "\"function\":{\"$ref\":\"#/definitions/text\"},"
                                                                                                                                                                                                     "\"config\":true}}}]},"
                                                                                                                                                                                                     "\"is_log\":{\"required\":[\"type\"],"
                                                                                                                                                                                                     "\"properties\":{\"type\":{\"const\":\"log\"}}},"
                                                                                                                                                                                                     "\"is_exec\":{\"required\":[\"type\"],"
                                                                                                                                                                                                     "\"properties\":{\"type\":{\"const\":\"exec\"}}},"
                                                                                                                                                                                                     "\"is_file\":{\"required\":[\"type\"],"
                                                                                                                                                                                                     "\"properties\":{\"type\":{\"const\":\"file\"}}},"
                                                                                                                                                                                                     "\"is_forward\":{\"required\":[\"type\"],"
                                                                                                                                                                                                     "\"properties\":{\"type\":{\"const\":\"forward\"}}},"
                                                                                                                                                                                                     "\"is_plugin\":{\"required\":[\"type\"],"
                                                                                                                                                                                                     "\"properties\":{\"type\":{\"const\":\"plugin\"}}}}}";

const char *routes_schema_text(void) {
        return schema_text;
}

/* Integer settings and their bounds, as the schema above has them. */
static const struct {
        const char *key;
        long lo, hi;
} int_keys[] = {
        {"retries", 0, EVENTS_ROUTE_MAX_RETRIES},
        {"backoff_ms", 0, EVENTS_ROUTE_MAX_BACKOFF_MS},
        {"backoff_max_ms", 0, EVENTS_ROUTE_MAX_BACKOFF_MS},
        {"timeout_ms", 1, ROUTES_EXEC_TIMEOUT_MAX_MS},
        {"fsync_interval_ms", 1, ROUTES_FSYNC_INTERVAL_MAX_MS},
};
static const char *const bool_keys[] = {"validate", "default", "data"};
static const char *const text_keys[] = {"name", "path", "topic", "function"};

int routes_fail(char *err, size_t errsize, const char *pointer, const char *fmt,
                ...) {
        va_list ap;
        int n = snprintf(err, errsize, "%s: ", *pointer ? pointer : "/");

        if (n < 0 || (size_t)n >= errsize)
                return -1;
        va_start(ap, fmt);
        vsnprintf(err + n, errsize - (size_t)n, fmt, ap);
        va_end(ap);
        return -1;
}

static size_t depth(const char *pointer) {
        size_t n = 0;

        for (; *pointer; pointer++)
                n += *pointer == '/';
        return n;
}

/* Segment @p i (0-based) of @p pointer counted from its end (0: the last),
 * unescaped, into @p out; "" when there is none. */
static const char *segment(const char *pointer, size_t i, char *out,
                           size_t size) {
        const char *end = pointer + strlen(pointer), *start;
        size_t n = 0;

        for (;;) {
                start = end;
                while (start > pointer && start[-1] != '/')
                        start--;
                if (start == pointer) { /* no '/' left: no such segment */
                        out[0] = '\0';
                        return out;
                }
                if (i-- == 0)
                        break;
                end = start - 1;
        }
        for (const char *p = start; p < end && n + 1 < size; p++) {
                if (*p == '~' && p + 1 < end && (p[1] == '0' || p[1] == '1')) {
                        out[n++] = p[1] == '0' ? '~' : '/';
                        p++;
                } else {
                        out[n++] = *p;
                }
        }
        out[n] = '\0';
        return out;
}

/* The value at @p pointer in @p doc, or NULL. */
static const json_t *at(const json_t *doc, const char *pointer) {
        size_t d = depth(pointer);
        char seg[256];

        while (d > 0 && doc) {
                segment(pointer, --d, seg, sizeof(seg));
                if (json_is_array(doc))
                        doc = json_array_get(doc, strtoul(seg, NULL, 10));
                else
                        doc = json_object_get(doc, seg);
        }
        return doc;
}

static int in(const char *key, const char *const *keys, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!strcmp(key, keys[i]))
                        return 1;
        return 0;
}

/* The place a failure is told at: an unknown key's object. */
static void place(const char *pointer, const char *keyword, char *out,
                  size_t size) {
        size_t n = strlen(pointer);

        if (!strcmp(keyword, "additionalProperties") ||
            !strcmp(keyword, "properties"))
                while (n > 0 && pointer[--n] != '/')
                        ;
        snprintf(out, size, "%.*s", (int)n, pointer);
}

/* Tell one failure of the validator in the routes file's terms. */
static int tell(const json_t *doc, const char *pointer, const char *keyword,
                const char *message, char *err, size_t errsize) {
        char where[EVENTS_ERROR_POINTER_LENGTH], last[256], parent[256];
        const json_t *v = at(doc, pointer);
        size_t d = depth(pointer);

        place(pointer, keyword, where, sizeof(where));
        segment(pointer, 0, last, sizeof(last));
        segment(pointer, 1, parent, sizeof(parent));
        if (!strcmp(keyword, "required")) {
                const char *q = strchr(message, '"'),
                           *e = strrchr(message, '"');
                if (q && e > q)
                        return routes_fail(err, errsize, where,
                                           "missing required key \"%.*s\"",
                                           (int)(e - q - 1), q + 1);
        } else if (!strcmp(keyword, "additionalProperties") ||
                   !strcmp(keyword, "properties")) {
                return routes_fail(err, errsize, where, "unknown key \"%s\"",
                                   last);
        }
        if (d == 0)
                return routes_fail(err, errsize, where,
                                   "the routes file must hold a JSON object");
        if (d == 1 && !strcmp(last, "defaults"))
                return routes_fail(err, errsize, where, "must be an object");
        if (d == 1 && !strcmp(last, "routes"))
                return routes_fail(err, errsize, where,
                                   "must be a non-empty array of routes");
        if (d == 2 && !strcmp(parent, "routes"))
                return routes_fail(err, errsize, where,
                                   "a route must be an object");
        if (!strcmp(last, "handlers"))
                return routes_fail(err, errsize, where,
                                   "must be a non-empty array of handlers");
        if (!strcmp(parent, "handlers"))
                return routes_fail(err, errsize, where,
                                   "a handler must be an object");
        if (!strcmp(last, "command"))
                return routes_fail(err, errsize, where,
                                   "must be a non-empty array of strings (the "
                                   "program, then its arguments)");
        if (!strcmp(parent, "command"))
                return routes_fail(err, errsize, where,
                                   !strcmp(last, "0")
                                           ? "must be a non-empty string"
                                           : "must be a string without "
                                             "NUL");
        for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++)
                if (!strcmp(last, int_keys[i].key))
                        return !strcmp(keyword, "type")
                                       ? routes_fail(err, errsize, where,
                                                     "must be an integer")
                                       : routes_fail(
                                                 err, errsize, where,
                                                 "must be between %ld and %ld",
                                                 int_keys[i].lo,
                                                 int_keys[i].hi);
        if (in(last, bool_keys, sizeof(bool_keys) / sizeof(bool_keys[0])))
                return routes_fail(err, errsize, where,
                                   "must be true or false");
        if (!strcmp(last, "pattern"))
                return routes_fail(err, errsize, where, "%s", MSG_PATTERN);
        if (!strcmp(last, "type") && json_is_string(v))
                return routes_fail(
                        err, errsize, where,
                        "unknown handler type \"%s\" (expected log, exec, "
                        "file, forward or plugin)",
                        json_string_value(v));
        if (!strcmp(last, "fsync") && json_is_string(v))
                return routes_fail(
                        err, errsize, where,
                        "must be \"never\", \"always\" or \"interval\"");
        if (!strcmp(last, "type") || !strcmp(last, "fsync") ||
            in(last, text_keys, sizeof(text_keys) / sizeof(text_keys[0])))
                return routes_fail(err, errsize, where,
                                   "must be a non-empty string");
        /* A place the schema has no words for: the validator's own. */
        return routes_fail(err, errsize, pointer, "%s", message);
}

int routes_schema_check(const json_t *doc, char *err, size_t errsize) {
        events_schema_t *schema = NULL;
        events_report_t *report = NULL;
        events_error_t e;
        json_error_t je;
        json_t *sdoc = json_loads(schema_text, 0, &je);
        size_t best = 0, best_depth = (size_t)-1;
        char where[EVENTS_ERROR_POINTER_LENGTH];
        int rc = -1;

        if (!sdoc) {
                routes_fail(err, errsize, "",
                            "the routes schema is no JSON: %s", je.text);
                goto out;
        }
        if (events_schema_compile(&schema, sdoc, &e) != EVENTS_OK) {
                routes_fail(err, errsize, "",
                            "the routes schema does not compile: "
                            "%s: %s",
                            e.pointer, e.text);
                goto out;
        }
        if (!(report = events_report_new(MAX_FAILURES))) {
                routes_fail(err, errsize, "", "out of memory");
                goto out;
        }
        if (events_schema_validate(schema, doc, report) == EVENTS_OK) {
                rc = 0;
                goto out;
        }
        for (size_t i = 0; i < events_report_count(report); i++) {
                size_t d;

                place(events_report_pointer(report, i),
                      events_report_keyword(report, i), where, sizeof(where));
                if ((d = depth(where)) < best_depth) {
                        best = i;
                        best_depth = d;
                }
        }
        if (events_report_count(report) == 0)
                routes_fail(err, errsize, "", "out of memory");
        else
                tell(doc, events_report_pointer(report, best),
                     events_report_keyword(report, best),
                     events_report_message(report, best), err, errsize);
out:
        events_report_destroy(report);
        events_schema_destroy(schema);
        json_decref(sdoc);
        return rc;
}
