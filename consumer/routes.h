/*
 * routes.h - the routes file: which handlers run for which event types,
 * with which retry policy. Parsing is separate from building handlers, so
 * that a file is checked completely (and a bad one rejected with the place
 * of its first error, as a JSON pointer) before anything is opened, spawned
 * or loaded. See README.md, "The routes file".
 */
#ifndef CONSUMER_ROUTES_H
#define CONSUMER_ROUTES_H

#include <stddef.h>

#include <jansson.h>

typedef enum {
        HANDLER_LOG,
        HANDLER_EXEC,
        HANDLER_FILE,
        HANDLER_FORWARD,
        HANDLER_PLUGIN,
} handler_kind_t;

typedef enum {
        FSYNC_NEVER,    /* leave it to the kernel */
        FSYNC_ALWAYS,   /* fdatasync before the event counts as handled */
        FSYNC_INTERVAL, /* fdatasync at most every fsync_interval_ms */
} fsync_mode_t;

/** One handler of a route, as written in the file, checked. */
typedef struct handler_spec {
        handler_kind_t kind;
        char *name;        /* for logs, metrics and DLQ headers */
        char pointer[160]; /* where it is in the file, e.g. /routes/0/handlers/1
                            */
        /* log */
        int log_data; /* include the event's JSON in the line */
        /* exec */
        char **argv; /* NULL-terminated; argv[0] resolved to a path */
        int timeout_ms;
        /* file and plugin: a path */
        char *path;
        fsync_mode_t fsync;
        int fsync_interval_ms;
        /* forward */
        char *topic;
        /* plugin */
        char *function;
        json_t *config; /* may be NULL; owned reference */
} handler_spec_t;

/** One route: a pattern (NULL for the default route) and its handlers. */
typedef struct route_spec {
        char *pattern;
        char pointer[64];
        int retries;
        int backoff_ms;
        int backoff_max_ms;
        int validate;
        handler_spec_t *handlers;
        size_t n_handlers;
} route_spec_t;

typedef struct routes {
        route_spec_t *routes;
        size_t n_routes;
} routes_t;

/**
 * Parse a routes document.
 * @param doc the document (borrowed).
 * @param base_dir directory that relative paths are resolved against, or
 *                 NULL to leave them relative (to the working directory).
 * @param err  filled with "POINTER: reason" on failure.
 * @returns 0 and *out (free with routes_free()), or -1.
 */
int routes_parse(const json_t *doc, const char *base_dir, routes_t **out,
                 char *err, size_t errsize);

/**
 * Read and parse a routes file. Relative paths inside it are relative to
 * the working directory. Duplicate keys and trailing garbage are errors.
 * @param err filled with "FILE: line L, column C: reason" or
 *            "FILE: POINTER: reason".
 * @returns 0 and *out, or -1.
 */
int routes_load(const char *path, routes_t **out, char *err, size_t errsize);

void routes_free(routes_t *r);

const char *handler_kind_name(handler_kind_t k);

#endif /* CONSUMER_ROUTES_H */
