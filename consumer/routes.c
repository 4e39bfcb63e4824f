/*
 * routes.c - read and check the routes file (see routes.h). The file's
 * shape (every key, type and range) is checked against its JSON Schema
 * (routes_schema.c) by libevents' validator; what a schema cannot say is
 * checked here: a pattern or "default": true, one default route, no
 * pattern twice, the retry policy's own rule (events_route_policy_check()),
 * and that an exec handler's program exists. Every error names the JSON
 * pointer of the first bad place, so that handlers.c only ever builds from
 * a valid specification, and a reload (SIGHUP) can reject a bad file
 * before it touches the running routes. Unknown keys are errors: a typo
 * such as "retires" would otherwise silently give the default policy.
 */
#include "routes.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <events/router.h>

#include "routes_schema.h"

#define DEFAULT_EXEC_TIMEOUT_MS 5000
#define DEFAULT_FSYNC_INTERVAL_MS 1000

const char *handler_kind_name(handler_kind_t k) {
        static const char *const names[] = {"log", "exec", "file", "forward",
                                            "plugin"};
        return (unsigned)k < 5 ? names[k] : "?";
}

/* The readers below see a document that matched the schema: a key, when
 * present, has the type and range the schema gives it. */

/* An optional integer; absent leaves *out unchanged. */
static void get_int(const json_t *obj, const char *key, int *out) {
        json_t *v = json_object_get(obj, key);

        if (v) /* "integer" also admits 5.0 */
                *out = (int)json_number_value(v);
}

static void get_bool(const json_t *obj, const char *key, int *out) {
        json_t *v = json_object_get(obj, key);

        if (v)
                *out = json_is_true(v);
}

/* An optional string; NULL when absent. A string that jansson holds with
 * a NUL inside (never one read from a file) is refused here: the schema
 * cannot see it. */
static int get_str(const json_t *obj, const char *key, const char **out,
                   const char *pointer, char *err, size_t errsize) {
        json_t *v = json_object_get(obj, key);
        char p[256];

        *out = NULL;
        if (!v)
                return 0;
        if (strlen(json_string_value(v)) != json_string_length(v)) {
                snprintf(p, sizeof(p), "%s/%s", pointer, key);
                return routes_fail(err, errsize, p, "must not contain NUL");
        }
        *out = json_string_value(v);
        return 0;
}

/* @p path made absolute against @p base_dir; malloc'ed. */
static char *resolve(const char *base_dir, const char *path) {
        char *out;

        if (path[0] == '/' || !base_dir || !*base_dir || !strcmp(base_dir, "."))
                return strdup(path);
        if (asprintf(&out, "%s/%s", base_dir, path) < 0)
                return NULL;
        return out;
}

/* Find a command the way execvp() would, once, at load time, so that the
 * child only calls execve() (async-signal-safe after fork). */
static char *find_command(const char *base_dir, const char *cmd) {
        const char *path;
        char *copy, *save = NULL;

        if (strchr(cmd, '/')) {
                char *p = resolve(base_dir, cmd);
                if (p && access(p, X_OK) == 0)
                        return p;
                free(p);
                return NULL;
        }
        path = getenv("PATH");
        if (!path || !*path)
                path = "/usr/local/bin:/usr/bin:/bin";
        copy = strdup(path);
        if (!copy)
                return NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir;
             dir = strtok_r(NULL, ":", &save)) {
                char *p;
                if (asprintf(&p, "%s/%s", *dir ? dir : ".", cmd) < 0)
                        break;
                if (access(p, X_OK) == 0) {
                        free(copy);
                        return p;
                }
                free(p);
        }
        free(copy);
        return NULL;
}

static void handler_spec_clear(handler_spec_t *h) {
        free(h->name);
        if (h->argv)
                for (char **a = h->argv; *a; a++)
                        free(*a);
        free(h->argv);
        free(h->path);
        free(h->topic);
        free(h->function);
        json_decref(h->config);
}

void routes_free(routes_t *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_routes; i++) {
                route_spec_t *rt = &r->routes[i];
                for (size_t j = 0; j < rt->n_handlers; j++)
                        handler_spec_clear(&rt->handlers[j]);
                free(rt->handlers);
                free(rt->pattern);
        }
        free(r->routes);
        free(r);
}

#define NOMEM(p) routes_fail(err, errsize, p, "out of memory")

/* The router's own rule (events_route_policy_check()), so that a policy
 * this file accepts is one the router takes. */
static int policy_check(const route_spec_t *rt, char *err, size_t errsize) {
        events_error_t e;
        char p[sizeof(rt->pointer) + EVENTS_ERROR_POINTER_LENGTH];

        if (events_route_policy_check(rt->retries, rt->backoff_ms,
                                      rt->backoff_max_ms, &e) == EVENTS_OK)
                return 0;
        snprintf(p, sizeof(p), "%s%s", rt->pointer, e.pointer);
        return routes_fail(err, errsize, p, "%s", e.text);
}

static int parse_handler(const json_t *obj, const char *base_dir,
                         handler_spec_t *h, char *err, size_t errsize) {
        const char *p = h->pointer, *type = NULL, *name = NULL, *s = NULL;
        char sub[256], *dflt = NULL;

        if (get_str(obj, "type", &type, p, err, errsize) ||
            get_str(obj, "name", &name, p, err, errsize))
                return -1;
        if (!strcmp(type, "log")) {
                h->kind = HANDLER_LOG;
                h->log_data = 1;
                get_bool(obj, "data", &h->log_data);
                dflt = strdup("log");
        } else if (!strcmp(type, "exec")) {
                json_t *cmd = json_object_get(obj, "command");
                size_t n = json_array_size(cmd);

                h->kind = HANDLER_EXEC;
                h->timeout_ms = DEFAULT_EXEC_TIMEOUT_MS;
                get_int(obj, "timeout_ms", &h->timeout_ms);
                snprintf(sub, sizeof(sub), "%s/command", p);
                h->argv = calloc(n + 1, sizeof(char *));
                if (!h->argv)
                        return NOMEM(sub);
                for (size_t i = 0; i < n; i++) {
                        json_t *a = json_array_get(cmd, i);
                        char ap[320];

                        snprintf(ap, sizeof(ap), "%s/%zu", sub, i);
                        if (strlen(json_string_value(a)) !=
                            json_string_length(a))
                                return routes_fail(
                                        err, errsize, ap,
                                        "must be a string without NUL");
                        h->argv[i] = i == 0 ? find_command(base_dir,
                                                           json_string_value(a))
                                            : strdup(json_string_value(a));
                        if (!h->argv[i]) {
                                if (i == 0)
                                        return routes_fail(
                                                err, errsize, ap,
                                                "program \"%s\" not found "
                                                "or not executable",
                                                json_string_value(a));
                                return NOMEM(ap);
                        }
                }
                if (asprintf(&dflt, "exec:%s",
                             json_string_value(json_array_get(cmd, 0))) < 0)
                        dflt = NULL;
        } else if (!strcmp(type, "file")) {
                h->kind = HANDLER_FILE;
                h->fsync = FSYNC_INTERVAL;
                h->fsync_interval_ms = DEFAULT_FSYNC_INTERVAL_MS;
                get_int(obj, "fsync_interval_ms", &h->fsync_interval_ms);
                if (get_str(obj, "path", &s, p, err, errsize))
                        return -1;
                if (!(h->path = resolve(base_dir, s)))
                        return NOMEM(p);
                if (get_str(obj, "fsync", &s, p, err, errsize))
                        return -1;
                if (s && !strcmp(s, "never"))
                        h->fsync = FSYNC_NEVER;
                else if (s && !strcmp(s, "always"))
                        h->fsync = FSYNC_ALWAYS;
                if (asprintf(&dflt, "file:%s", h->path) < 0)
                        dflt = NULL;
        } else if (!strcmp(type, "forward")) {
                h->kind = HANDLER_FORWARD;
                if (get_str(obj, "topic", &s, p, err, errsize))
                        return -1;
                if (!(h->topic = strdup(s)))
                        return NOMEM(p);
                if (asprintf(&dflt, "forward:%s", s) < 0)
                        dflt = NULL;
        } else { /* "plugin": the schema admits no other type */
                const char *fn = NULL;

                h->kind = HANDLER_PLUGIN;
                if (get_str(obj, "path", &s, p, err, errsize) ||
                    get_str(obj, "function", &fn, p, err, errsize))
                        return -1;
                /* A bare name is left to dlopen()'s search path. */
                h->path = strchr(s, '/') ? resolve(base_dir, s) : strdup(s);
                h->function = strdup(fn);
                if (!h->path || !h->function)
                        return NOMEM(p);
                h->config = json_incref(json_object_get(obj, "config"));
                if (asprintf(&dflt, "plugin:%s", fn) < 0)
                        dflt = NULL;
        }
        h->name = name ? strdup(name) : dflt;
        if (name)
                free(dflt);
        if (!h->name)
                return NOMEM(p);
        return 0;
}

/* The route's pattern, or none for the default route: the cross-field
 * rules that the schema cannot say. */
static int parse_pattern(const json_t *obj, routes_t *r, size_t i,
                         int *have_default, char *err, size_t errsize) {
        route_spec_t *rt = &r->routes[i];
        json_t *pv = json_object_get(obj, "pattern");
        int is_default = 0;
        const char *pat;
        char pp[96];

        get_bool(obj, "default", &is_default);
        if (is_default && pv)
                return routes_fail(err, errsize, rt->pointer,
                                   "a route has either \"pattern\" or "
                                   "\"default\": true, not both");
        if (is_default) {
                if (*have_default)
                        return routes_fail(err, errsize, rt->pointer,
                                           "a second default route");
                *have_default = 1;
                return 0;
        }
        if (!pv)
                return routes_fail(
                        err, errsize, rt->pointer,
                        "missing \"pattern\" (or \"default\": true)");
        snprintf(pp, sizeof(pp), "%s/pattern", rt->pointer);
        pat = json_string_value(pv);
        for (size_t k = 0; k < i; k++)
                if (r->routes[k].pattern && !strcmp(r->routes[k].pattern, pat))
                        return routes_fail(
                                err, errsize, pp,
                                "pattern \"%s\" is already routed at %s", pat,
                                r->routes[k].pointer);
        if (!(rt->pattern = strdup(pat)))
                return NOMEM(pp);
        return 0;
}

int routes_parse(const json_t *doc, const char *base_dir, routes_t **out,
                 char *err, size_t errsize) {
        int retries = EVENTS_ROUTE_DEFAULT_RETRIES,
            backoff = EVENTS_ROUTE_DEFAULT_BACKOFF_MS,
            backoff_max = EVENTS_ROUTE_DEFAULT_BACKOFF_MAX_MS, validate = 1;
        json_t *defaults, *arr;
        routes_t *r;
        int have_default = 0;

        *out = NULL;
        /* Every key, type and range: the schema (routes_schema.c). */
        if (routes_schema_check(doc, err, errsize))
                return -1;
        if ((defaults = json_object_get(doc, "defaults"))) {
                get_int(defaults, "retries", &retries);
                get_int(defaults, "backoff_ms", &backoff);
                get_int(defaults, "backoff_max_ms", &backoff_max);
                get_bool(defaults, "validate", &validate);
        }
        arr = json_object_get(doc, "routes");
        r = calloc(1, sizeof(*r));
        if (!r ||
            !(r->routes = calloc(json_array_size(arr), sizeof(route_spec_t)))) {
                free(r);
                return NOMEM("/routes");
        }
        for (size_t i = 0; i < json_array_size(arr); i++) {
                json_t *obj = json_array_get(arr, i), *hs;
                route_spec_t *rt = &r->routes[i];

                r->n_routes++;
                snprintf(rt->pointer, sizeof(rt->pointer), "/routes/%zu", i);
                rt->retries = retries;
                rt->backoff_ms = backoff;
                rt->backoff_max_ms = backoff_max;
                rt->validate = validate;
                get_int(obj, "retries", &rt->retries);
                get_int(obj, "backoff_ms", &rt->backoff_ms);
                get_int(obj, "backoff_max_ms", &rt->backoff_max_ms);
                get_bool(obj, "validate", &rt->validate);
                if (policy_check(rt, err, errsize) ||
                    parse_pattern(obj, r, i, &have_default, err, errsize))
                        goto bad;
                hs = json_object_get(obj, "handlers");
                rt->handlers =
                        calloc(json_array_size(hs), sizeof(handler_spec_t));
                if (!rt->handlers) {
                        NOMEM(rt->pointer);
                        goto bad;
                }
                for (size_t j = 0; j < json_array_size(hs); j++) {
                        handler_spec_t *h = &rt->handlers[j];
                        rt->n_handlers++;
                        snprintf(h->pointer, sizeof(h->pointer),
                                 "%s/handlers/%zu", rt->pointer, j);
                        if (parse_handler(json_array_get(hs, j), base_dir, h,
                                          err, errsize))
                                goto bad;
                }
        }
        *out = r;
        return 0;
bad:
        routes_free(r);
        return -1;
}

int routes_load(const char *path, routes_t **out, char *err, size_t errsize) {
        json_error_t jerr;
        json_t *doc;
        char inner[1024];
        int rc;

        *out = NULL;
        doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
                if (jerr.line > 0)
                        snprintf(err, errsize, "%s: line %d, column %d: %s",
                                 path, jerr.line, jerr.column, jerr.text);
                else
                        snprintf(err, errsize, "%s: %s", path, jerr.text);
                return -1;
        }
        /* Relative paths stay relative to the daemon's working directory,
         * like the paths on its command line: the same rule for file
         * handlers, plugins and the plugins' own config. */
        rc = routes_parse(doc, NULL, out, inner, sizeof(inner));
        if (rc)
                snprintf(err, errsize, "%s: %s", path, inner);
        json_decref(doc);
        return rc;
}
