/*
 * routes_schema.h - the routes file's JSON Schema, compiled into
 * events-consumer and checked with libevents' own validator, with the
 * failures told in the words of the routes file (see routes_schema.c).
 */
#ifndef CONSUMER_ROUTES_SCHEMA_H
#define CONSUMER_ROUTES_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

/** The limits of handler settings, shared by the schema and its messages. */
#define ROUTES_EXEC_TIMEOUT_MAX_MS 86400000
#define ROUTES_FSYNC_INTERVAL_MAX_MS 3600000

/**
 * The routes file's schema (JSON Schema draft-07), as text.
 * @returns a static string.
 */
const char *routes_schema_text(void);

/**
 * Check a routes document against the schema.
 * @param doc the document (borrowed).
 * @param err filled with "POINTER: reason" (the root is "/") on failure,
 *            the reason in the routes file's words ("unknown key \"x\"",
 *            "must be between 0 and 1000").
 * @returns 0 when the document matches; -1 otherwise.
 */
int routes_schema_check(const json_t *doc, char *err, size_t errsize);

/**
 * Write "POINTER: message" to @p err (the routes file's error form; an
 * empty @p pointer is the document, "/").
 * @returns -1, so that a check can `return routes_fail(...)`.
 */
__attribute__((format(printf, 4, 5))) int routes_fail(char *err, size_t errsize,
                                                      const char *pointer,
                                                      const char *fmt, ...);

#endif /* CONSUMER_ROUTES_SCHEMA_H */
