/*
 * json_build_int.h - the parser's fast path (json_build.c), for json.c.
 */
#ifndef EVENTS_JSON_BUILD_INT_H
#define EVENTS_JSON_BUILD_INT_H

#include <stddef.h>

#include <jansson.h>

/**
 * Build the jansson value of @p buf[0..len), a document that json.c's
 * pre-scan has accepted (UTF-8, escapes, NUL, control characters, depth).
 * @returns a new reference, or NULL when the document has anything the
 *          fast path leaves to json_loadb(): a syntax error, a duplicate
 *          key, a real, an integer out of range, trailing bytes; or when
 *          memory ran out. NULL is never a verdict: run json_loadb().
 */
json_t *events__json_build(const char *buf, size_t len);

#endif /* EVENTS_JSON_BUILD_INT_H */
