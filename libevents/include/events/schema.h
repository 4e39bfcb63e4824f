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
 * @param doc the schema (object or boolean); borrowed, not kept.
 * @param err may be NULL; err->pointer names the bad part of the schema.
 * @returns EVENTS_OK, EVENTS_ERR_SCHEMA, EVENTS_ERR_NOMEM.
 */
EVENTS_API events_err_t events_schema_compile(events_schema_t **sp,
                                              const json_t *doc,
                                              events_error_t *err);

/** @brief Free a schema; @p s may be NULL. */
EVENTS_API void events_schema_destroy(events_schema_t *s);

/**
 * @brief Validate an instance.
 * @param report may be NULL: validation then stops at the first failure,
 *               which is the fastest way to get a yes or no.
 * @returns EVENTS_OK or EVENTS_ERR_VALIDATION.
 */
EVENTS_API events_err_t events_schema_validate(const events_schema_t *s,
                                               const json_t *instance,
                                               events_report_t *report);

/**
 * @brief A report that collects up to @p max_failures failures
 *        (0 means 16). Reuse it across validations with
 *        events_report_clear().
 * @returns the report, or NULL when out of memory.
 */
EVENTS_API events_report_t *events_report_new(size_t max_failures);
EVENTS_API void events_report_destroy(events_report_t *r);
EVENTS_API void events_report_clear(events_report_t *r);
/** @returns the number of failures kept. */
EVENTS_API size_t events_report_count(const events_report_t *r);
/** @returns 1 if more failures happened than were kept. */
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
 *        \"email\""). NUL-terminated when size > 0; truncated to fit.
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
 * @returns EVENTS_OK or EVENTS_ERR_NOMEM.
 */
EVENTS_API events_err_t events_registry_new(events_registry_t **rp);
EVENTS_API void events_registry_destroy(events_registry_t *r);

/**
 * @brief Load every "*.json" file of a directory: "envelope.json" is the
 *        envelope's schema, "TYPE.json" is the schema of event type TYPE.
 *        All files are compiled before any is used, so that "$ref"s between
 *        them (by "$id") resolve.
 * @param err may be NULL; names the file and the place on failure.
 * @returns EVENTS_OK, EVENTS_ERR_IO, EVENTS_ERR_JSON (and the other parse
 *          errors), EVENTS_ERR_SCHEMA, EVENTS_ERR_NOMEM.
 */
EVENTS_API events_err_t events_registry_load_dir(events_registry_t *r,
                                                 const char *dir,
                                                 events_error_t *err);

/**
 * @brief Add one schema by name ("envelope" or an event type).
 * @param doc borrowed.
 * @returns as events_registry_load_dir().
 */
EVENTS_API events_err_t events_registry_add(events_registry_t *r,
                                            const char *name,
                                            const json_t *doc,
                                            events_error_t *err);

/** @brief Choose what happens to event types without a schema. */
EVENTS_API void events_registry_set_unknown_type(events_registry_t *r,
                                                 events_unknown_type_t policy);

/**
 * @brief The schema of an event type.
 * @returns a borrowed schema that lives as long as the registry, or NULL.
 */
EVENTS_API const events_schema_t *
events_registry_get(const events_registry_t *r, const char *event_type);

/**
 * @brief Validate an event: its envelope against the envelope schema (when
 *        loaded) and its data against its type's schema.
 * @param report may be NULL (stop at the first failure).
 * @returns EVENTS_OK, EVENTS_ERR_VALIDATION, or EVENTS_ERR_NO_SCHEMA when
 *          the type has no schema and the policy is reject.
 * @remark thread-safe for concurrent calls with separate reports.
 */
EVENTS_API events_err_t events_registry_validate(const events_registry_t *r,
                                                 const events_event_t *ev,
                                                 events_report_t *report);

/**
 * @brief The directory the schemas were installed to
 *        (e.g. "/usr/local/share/events/schemas").
 * @returns a static string.
 */
EVENTS_API const char *events_schemas_default_dir(void);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_SCHEMA_H */
