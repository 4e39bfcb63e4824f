/*
 * events/schema.h - JSON Schema (draft-07) validation and the registry of
 * schemas by event type.
 *
 * A schema is compiled once (references resolved, patterns compiled) and
 * then validates many instances; a compiled schema is immutable, so several
 * threads may validate with it at once, each with its own report.
 *
 * The registry holds one schema for the envelope ("envelope.json") and one
 * per event type ("user.created.json"). A type's schema describes the
 * event's data object; failures are reported with JSON pointers into the
 * whole envelope ("/data/email").
 *
 * What is supported: every draft-07 validation keyword; "$ref" by JSON
 * pointer, by "$id" (any document of the same schema or registry) and by
 * plain-name fragment, recursion included; the draft-07 meta-schema by its
 * URI; "pattern" and "patternProperties" as ECMA-262 regular expressions;
 * the formats date-time, date, time, email, idn-email, hostname, ipv4,
 * ipv6, uri, uri-reference, iri, iri-reference, uuid, json-pointer,
 * relative-json-pointer, regex and uri-template (other formats pass).
 * Remote references (http://...) are not fetched.
 */
#ifndef EVENTS_SCHEMA_H
#define EVENTS_SCHEMA_H

#include <jansson.h>

#include "events/common.h"
#include "events/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct events_schema_s events_schema_t;     /**< a compiled schema */
typedef struct events_registry_s events_registry_t; /**< schemas by type */
typedef struct events_report_s events_report_t;     /**< validation failures */

/**
 * @brief Compile a draft-07 schema document.
 * @param sp  on success, the schema; free with events_schema_destroy().
 * @param doc the schema (object or boolean); borrowed, not kept: the
 *            schema keeps its own copy.
 * @param err may be NULL; err->pointer names the bad part of the schema
 *            ("/properties/email/pattern"), err->text says why.
 * @returns EVENTS_OK, EVENTS_ERR_SCHEMA (a keyword with a bad value, a
 *          pattern that is no ECMA-262 regular expression, a "$ref" that
 *          does not resolve), EVENTS_ERR_INVALID_ARG, EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_schema_compile(
        events_schema_t **sp, const json_t *doc, events_error_t *err);

/** @brief Free a schema; @p s may be NULL. */
EVENTS_API void events_schema_destroy(events_schema_t *s);

/**
 * @brief Validate an instance.
 * @param report may be NULL: validation then stops at the first failure,
 *               which is the fastest way to get a yes or no. Otherwise
 *               every failure is appended to it (up to its limit); clear
 *               it between instances with events_report_clear().
 * @returns EVENTS_OK, EVENTS_ERR_VALIDATION, or EVENTS_ERR_INVALID_ARG
 *          when @p s or @p instance is NULL.
 * @remark thread-safe: any number of threads may validate with one schema
 *         at once, each with its own report.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_schema_validate(const events_schema_t *s, const json_t *instance,
                       events_report_t *report);

/**
 * @brief A report that collects up to @p max_failures failures
 *        (0 means 16). Reuse it across validations with
 *        events_report_clear().
 * @returns the report, or NULL when out of memory.
 * @remark one report belongs to one validation at a time.
 */
EVENTS_API EVENTS_NODISCARD events_report_t *
events_report_new(size_t max_failures);
/** @brief Free a report; @p r may be NULL. */
EVENTS_API void events_report_destroy(events_report_t *r);
/** @brief Forget every failure (the strings handed out die). */
EVENTS_API void events_report_clear(events_report_t *r);
/** @brief @returns the number of failures kept (0 for NULL). */
EVENTS_API size_t events_report_count(const events_report_t *r);
/** @brief @returns 1 if more failures happened than were kept. */
EVENTS_API int events_report_truncated(const events_report_t *r);
/**
 * @brief The parts of failure @p i (0-based): the JSON pointer into the
 *        instance ("" for the root), the keyword ("format") and a readable
 *        message ("does not match format \"email\"").
 * @returns borrowed strings that live until the report is cleared or
 *          destroyed; NULL when i is out of range.
 */
EVENTS_API const char *events_report_pointer(const events_report_t *r,
                                             size_t i);
EVENTS_API const char *events_report_keyword(const events_report_t *r,
                                             size_t i);
EVENTS_API const char *events_report_message(const events_report_t *r,
                                             size_t i);
/**
 * @brief Write all failures on one line, "; "-separated, each as
 *        "POINTER: MESSAGE" (e.g. "/data/email: does not match format
 *        \"email\""); the root's empty pointer is written "(root)", and
 *        "; ..." ends a truncated report. NUL-terminated when size > 0;
 *        cut to fit.
 * @returns buf.
 */
EVENTS_API char *events_report_format(const events_report_t *r, char *buf,
                                      size_t size);

/** What to do with an event type that has no schema. */
typedef enum events_unknown_type_e {
        EVENTS_UNKNOWN_TYPE_REJECT = 0, /**< EVENTS_ERR_NO_SCHEMA (default) */
        EVENTS_UNKNOWN_TYPE_ALLOW = 1   /**< only the envelope is checked */
} events_unknown_type_t;

/**
 * @brief A new, empty registry; unknown types are rejected.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG or EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_registry_new(events_registry_t **rp);
/** @brief Free a registry and all its schemas; @p r may be NULL. */
EVENTS_API void events_registry_destroy(events_registry_t *r);

/**
 * @brief Load every "*.json" file of a directory: "envelope.json" is the
 *        envelope's schema, "TYPE.json" is the schema of event type TYPE,
 *        and a file whose name starts with '_' ("_common.json") holds
 *        shared definitions that are no event type.
 *
 *        Each file is known as "events:/schemas/NAME.json", so a relative
 *        "$ref" names another file ("_common.json#/definitions/email"); a
 *        "$id" declared anywhere in the registry is found too. Files are
 *        added to what the registry already holds (a file replaces the
 *        schema of the same name); everything is compiled before anything
 *        is used (every "definitions" entry included, referred to or
 *        not), and on any failure the registry is left as it was. The
 *        compiled schemas a load replaces stay in memory until the
 *        registry is destroyed; to reload often, build a new registry.
 * @param err may be NULL; its text starts with the file's name, its
 *            pointer names the place in the schema (or line and column
 *            for a JSON syntax error).
 * @returns EVENTS_OK, EVENTS_ERR_IO, EVENTS_ERR_JSON, EVENTS_ERR_SCHEMA
 *          (also for a file name that is no valid event type),
 *          EVENTS_ERR_INVALID_ARG, EVENTS_ERR_NOMEM.
 * @remark not thread-safe: load before validating from other threads.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_registry_load_dir(
        events_registry_t *r, const char *dir, events_error_t *err);

/**
 * @brief Add one schema by name ("envelope", an event type, or "_NAME"
 *        for shared definitions), as if loaded from NAME.json.
 * @param doc borrowed; the registry keeps a copy.
 * @returns as events_registry_load_dir(); EVENTS_ERR_INVALID_ARG for a
 *          name that is no valid event type.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_registry_add(events_registry_t *r, const char *name, const json_t *doc,
                    events_error_t *err);

/** @brief Choose what happens to event types without a schema. */
EVENTS_API void events_registry_set_unknown_type(events_registry_t *r,
                                                 events_unknown_type_t policy);

/**
 * @brief The schema of an event type (never the envelope's, nor a "_"
 *        file's).
 * @returns a borrowed schema that lives as long as the registry (adding
 *          schemas later does not free it), or NULL.
 */
EVENTS_API const events_schema_t *
events_registry_get(const events_registry_t *r, const char *event_type);

/**
 * @brief Validate an event: its envelope against the envelope schema (when
 *        loaded) and its data against its type's schema, with pointers
 *        into the envelope ("/data/email").
 * @param report may be NULL (stop at the first failure). A type without a
 *               schema, under the reject policy, adds the failure
 *               "/event_type: no schema for event type \"TYPE\"" (keyword
 *               "event_type").
 * @returns EVENTS_OK, EVENTS_ERR_VALIDATION, or EVENTS_ERR_NO_SCHEMA when
 *          the envelope passed but the type has no schema and the policy
 *          is reject; EVENTS_ERR_INVALID_ARG for NULL arguments.
 * @remark thread-safe for concurrent calls with separate reports.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_registry_validate(const events_registry_t *r, const events_event_t *ev,
                         events_report_t *report);

/**
 * @brief The directory the schemas were installed to at build time
 *        (e.g. "/usr/local/share/events/schemas"): the last resort of
 *        events_schemas_dir().
 * @returns a static string.
 */
EVENTS_API const char *events_schemas_default_dir(void);

/**
 * @brief The schemas directory a program uses when it is given none
 *        (--schemas): the one rule both programs follow, first match wins:
 *
 *        1. $EVENTS_SCHEMAS_DIR, when it is set and not empty (whether or
 *           not the folder exists: an explicit choice is never skipped);
 *        2. the folder relative to the running program, as installed:
 *           "<program's folder>/../share/events/schemas" (the relative
 *           part follows the install's bindir and datadir), when it is a
 *           folder. An install tree moved elsewhere keeps working, and a
 *           build tree has this folder too: it links to the source tree's
 *           schemas/;
 *        3. events_schemas_default_dir().
 * @returns a string that lives until the environment changes (the
 *          variable's value) or for the whole process (the others).
 * @remark reads the environment (getenv) and /proc/self/exe: do not call
 *         it while another thread changes the environment.
 */
EVENTS_API const char *events_schemas_dir(void);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_SCHEMA_H */
