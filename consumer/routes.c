/*
 * routes.c - read and check the routes file (see routes.h). Every value is
 * checked here, with the JSON pointer of the first bad one in the message,
 * so that handlers.c only ever builds from a valid specification, and a
 * reload (SIGHUP) can reject a bad file before it touches the running
 * routes. Unknown keys are errors: a typo such as "retires" would otherwise
 * silently give the default policy.
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

#define DEFAULT_EXEC_TIMEOUT_MS 5000
#define DEFAULT_FSYNC_INTERVAL_MS 1000

const char *handler_kind_name(handler_kind_t k) {
        static const char *const names[] = {"log", "exec", "file", "forward",
                                            "plugin"};
        return (unsigned)k < 5 ? names[k] : "?";
}

__attribute__((format(printf, 4, 5))) static int
fail(char *err, size_t errsize, const char *pointer, const char *fmt, ...) {
        va_list ap;
        int n = snprintf(err, errsize, "%s: ", *pointer ? pointer : "/");

        if (n < 0 || (size_t)n >= errsize)
                return -1;
        va_start(ap, fmt);
        vsnprintf(err + n, errsize - (size_t)n, fmt, ap);
        va_end(ap);
        return -1;
}

/* Is every key of @p obj one of the NULL-terminated @p allowed? */
static int check_keys(const json_t *obj, const char *const *allowed,
                      const char *pointer, char *err, size_t errsize) {
        const char *key;
        json_t *v;

        json_object_foreach((json_t *)obj, key, v) {
                int ok = 0;
                for (size_t i = 0; allowed[i]; i++)
                        if (!strcmp(key, allowed[i]))
                                ok = 1;
                if (!ok)
                        return fail(err, errsize, pointer, "unknown key \"%s\"",
                                    key);
        }
        return 0;
}

/* Read an optional integer in [lo, hi]; absent leaves *out unchanged. */
static int get_int(const json_t *obj, const char *key, int lo, int hi, int *out,
                   const char *pointer, char *err, size_t errsize) {
        json_t *v = json_object_get(obj, key);
        char p[256];

        if (!v)
                return 0;
        snprintf(p, sizeof(p), "%s/%s", pointer, key);
        if (!json_is_integer(v))
                return fail(err, errsize, p, "must be an integer");
        if (json_integer_value(v) < lo || json_integer_value(v) > hi)
                return fail(err, errsize, p, "must be between %d and %d", lo,
                            hi);
        *out = (int)json_integer_value(v);
        return 0;
}

static int get_bool(const json_t *obj, const char *key, int *out,
                    const char *pointer, char *err, size_t errsize) {
        json_t *v = json_object_get(obj, key);
        char p[256];

        if (!v)
                return 0;
        snprintf(p, sizeof(p), "%s/%s", pointer, key);
        if (!json_is_boolean(v))
                return fail(err, errsize, p, "must be true or false");
        *out = json_is_true(v);
        return 0;
}

/* A required (or optional, when !required) non-empty string. */
static int get_str(const json_t *obj, const char *key, int required,
                   const char **out, const char *pointer, char *err,
                   size_t errsize) {
        json_t *v = json_object_get(obj, key);
        char p[256];

        snprintf(p, sizeof(p), "%s/%s", pointer, key);
        if (!v) {
                if (required)
                        return fail(err, errsize, pointer,
                                    "missing required key \"%s\"", key);
                return 0;
        }
        if (!json_is_string(v) || json_string_length(v) == 0)
                return fail(err, errsize, p, "must be a non-empty string");
        if (strlen(json_string_value(v)) != json_string_length(v))
                return fail(err, errsize, p, "must not contain NUL");
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

static int pattern_ok(const char *p) {
        if (!*p || strlen(p) > 255)
                return 0;
        for (; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
                      *p == '-' || *p == '*'))
                        return 0;
        return 1;
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

#define NOMEM(p) fail(err, errsize, p, "out of memory")

/* The router's own rule (events_route_policy_check()), so that a policy
 * this file accepts is one the router takes. */
static int policy_check(const route_spec_t *rt, char *err, size_t errsize) {
        events_error_t e;
        char p[sizeof(rt->pointer) + EVENTS_ERROR_POINTER_LENGTH];

        if (events_route_policy_check(rt->retries, rt->backoff_ms,
                                      rt->backoff_max_ms, &e) == EVENTS_OK)
                return 0;
        snprintf(p, sizeof(p), "%s%s", rt->pointer, e.pointer);
        return fail(err, errsize, p, "%s", e.text);
}

static int parse_handler(const json_t *obj, const char *base_dir,
                         handler_spec_t *h, char *err, size_t errsize) {
        const char *p = h->pointer, *type = NULL, *name = NULL, *s = NULL;
        char sub[256], *dflt = NULL;

        if (!json_is_object(obj))
                return fail(err, errsize, p, "a handler must be an object");
        if (get_str(obj, "type", 1, &type, p, err, errsize))
                return -1;
        if (get_str(obj, "name", 0, &name, p, err, errsize))
                return -1;

        if (!strcmp(type, "log")) {
                static const char *const keys[] = {"type", "name", "data",
                                                   NULL};
                h->kind = HANDLER_LOG;
                h->log_data = 1;
                if (check_keys(obj, keys, p, err, errsize) ||
                    get_bool(obj, "data", &h->log_data, p, err, errsize))
                        return -1;
                dflt = strdup("log");
        } else if (!strcmp(type, "exec")) {
                static const char *const keys[] = {"type", "name", "command",
                                                   "timeout_ms", NULL};
                json_t *cmd = json_object_get(obj, "command");
                size_t n;

                h->kind = HANDLER_EXEC;
                h->timeout_ms = DEFAULT_EXEC_TIMEOUT_MS;
                if (check_keys(obj, keys, p, err, errsize) ||
                    get_int(obj, "timeout_ms", 1, 86400000, &h->timeout_ms, p,
                            err, errsize))
                        return -1;
                snprintf(sub, sizeof(sub), "%s/command", p);
                if (!cmd)
                        return fail(err, errsize, p,
                                    "missing required key \"command\"");
                if (!json_is_array(cmd) || json_array_size(cmd) == 0)
                        return fail(err, errsize, sub,
                                    "must be a non-empty array of strings "
                                    "(the program, then its arguments)");
                n = json_array_size(cmd);
                h->argv = calloc(n + 1, sizeof(char *));
                if (!h->argv)
                        return NOMEM(sub);
                for (size_t i = 0; i < n; i++) {
                        json_t *a = json_array_get(cmd, i);
                        char ap[320];

                        snprintf(ap, sizeof(ap), "%s/%zu", sub, i);
                        if (!json_is_string(a) ||
                            strlen(json_string_value(a)) !=
                                    json_string_length(a) ||
                            (i == 0 && json_string_length(a) == 0))
                                return fail(err, errsize, ap,
                                            i == 0 ? "must be a non-empty "
                                                     "string"
                                                   : "must be a string "
                                                     "without NUL");
                        h->argv[i] = i == 0 ? find_command(base_dir,
                                                           json_string_value(a))
                                            : strdup(json_string_value(a));
                        if (!h->argv[i]) {
                                if (i == 0)
                                        return fail(err, errsize, ap,
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
                static const char *const keys[] = {
                        "type", "name", "path", "fsync", "fsync_interval_ms",
                        NULL};
                h->kind = HANDLER_FILE;
                h->fsync = FSYNC_INTERVAL;
                h->fsync_interval_ms = DEFAULT_FSYNC_INTERVAL_MS;
                if (check_keys(obj, keys, p, err, errsize) ||
                    get_str(obj, "path", 1, &s, p, err, errsize) ||
                    get_int(obj, "fsync_interval_ms", 1, 3600000,
                            &h->fsync_interval_ms, p, err, errsize))
                        return -1;
                if (!(h->path = resolve(base_dir, s)))
                        return NOMEM(p);
                s = NULL;
                if (get_str(obj, "fsync", 0, &s, p, err, errsize))
                        return -1;
                if (s) {
                        snprintf(sub, sizeof(sub), "%s/fsync", p);
                        if (!strcmp(s, "never"))
                                h->fsync = FSYNC_NEVER;
                        else if (!strcmp(s, "always"))
                                h->fsync = FSYNC_ALWAYS;
                        else if (!strcmp(s, "interval"))
                                h->fsync = FSYNC_INTERVAL;
                        else
                                return fail(err, errsize, sub,
                                            "must be \"never\", \"always\" "
                                            "or \"interval\"");
                }
                if (asprintf(&dflt, "file:%s", h->path) < 0)
                        dflt = NULL;
        } else if (!strcmp(type, "forward")) {
                static const char *const keys[] = {"type", "name", "topic",
                                                   NULL};
                h->kind = HANDLER_FORWARD;
                if (check_keys(obj, keys, p, err, errsize) ||
                    get_str(obj, "topic", 1, &s, p, err, errsize))
                        return -1;
                if (!(h->topic = strdup(s)))
                        return NOMEM(p);
                if (asprintf(&dflt, "forward:%s", s) < 0)
                        dflt = NULL;
        } else if (!strcmp(type, "plugin")) {
                static const char *const keys[] = {"type",     "name",   "path",
                                                   "function", "config", NULL};
                const char *fn = NULL;
                json_t *conf = json_object_get(obj, "config");

                h->kind = HANDLER_PLUGIN;
                if (check_keys(obj, keys, p, err, errsize) ||
                    get_str(obj, "path", 1, &s, p, err, errsize) ||
                    get_str(obj, "function", 1, &fn, p, err, errsize))
                        return -1;
                /* A bare name is left to dlopen()'s search path. */
                h->path = strchr(s, '/') ? resolve(base_dir, s) : strdup(s);
                h->function = strdup(fn);
                if (!h->path || !h->function)
                        return NOMEM(p);
                h->config = json_incref(conf);
                if (asprintf(&dflt, "plugin:%s", fn) < 0)
                        dflt = NULL;
        } else {
                snprintf(sub, sizeof(sub), "%s/type", p);
                return fail(err, errsize, sub,
                            "unknown handler type \"%s\" (expected log, exec, "
                            "file, forward or plugin)",
                            type);
        }
        h->name = name ? strdup(name) : dflt;
        if (name)
                free(dflt);
        if (!h->name)
                return NOMEM(p);
        return 0;
}

int routes_parse(const json_t *doc, const char *base_dir, routes_t **out,
                 char *err, size_t errsize) {
        static const char *const top_keys[] = {"defaults", "routes", NULL};
        static const char *const policy_keys[] = {
                "retries", "backoff_ms", "backoff_max_ms", "validate", NULL};
        static const char *const route_keys[] = {
                "pattern",    "default",        "handlers", "retries",
                "backoff_ms", "backoff_max_ms", "validate", NULL};
        int retries = EVENTS_ROUTE_DEFAULT_RETRIES,
            backoff = EVENTS_ROUTE_DEFAULT_BACKOFF_MS,
            backoff_max = EVENTS_ROUTE_DEFAULT_BACKOFF_MAX_MS, validate = 1;
        json_t *defaults, *arr;
        routes_t *r;
        int have_default = 0;

        *out = NULL;
        if (!json_is_object(doc))
                return fail(err, errsize, "",
                            "the routes file must hold a JSON object");
        if (check_keys(doc, top_keys, "", err, errsize))
                return -1;
        if ((defaults = json_object_get(doc, "defaults"))) {
                if (!json_is_object(defaults))
                        return fail(err, errsize, "/defaults",
                                    "must be an object");
                if (check_keys(defaults, policy_keys, "/defaults", err,
                               errsize) ||
                    get_int(defaults, "retries", 0, EVENTS_ROUTE_MAX_RETRIES,
                            &retries, "/defaults", err, errsize) ||
                    get_int(defaults, "backoff_ms", 0,
                            EVENTS_ROUTE_MAX_BACKOFF_MS, &backoff, "/defaults",
                            err, errsize) ||
                    get_int(defaults, "backoff_max_ms", 0,
                            EVENTS_ROUTE_MAX_BACKOFF_MS, &backoff_max,
                            "/defaults", err, errsize) ||
                    get_bool(defaults, "validate", &validate, "/defaults", err,
                             errsize))
                        return -1;
        }
        arr = json_object_get(doc, "routes");
        if (!arr)
                return fail(err, errsize, "",
                            "missing required key \"routes\"");
        if (!json_is_array(arr) || json_array_size(arr) == 0)
                return fail(err, errsize, "/routes",
                            "must be a non-empty array of routes");

        r = calloc(1, sizeof(*r));
        if (!r ||
            !(r->routes = calloc(json_array_size(arr), sizeof(route_spec_t)))) {
                free(r);
                return NOMEM("/routes");
        }
        for (size_t i = 0; i < json_array_size(arr); i++) {
                json_t *obj = json_array_get(arr, i), *hs, *pv;
                route_spec_t *rt = &r->routes[i];
                int is_default = 0;

                r->n_routes++;
                snprintf(rt->pointer, sizeof(rt->pointer), "/routes/%zu", i);
                rt->retries = retries;
                rt->backoff_ms = backoff;
                rt->backoff_max_ms = backoff_max;
                rt->validate = validate;
                if (!json_is_object(obj)) {
                        fail(err, errsize, rt->pointer,
                             "a route must be an object");
                        goto bad;
                }
                if (check_keys(obj, route_keys, rt->pointer, err, errsize) ||
                    get_bool(obj, "default", &is_default, rt->pointer, err,
                             errsize) ||
                    get_int(obj, "retries", 0, EVENTS_ROUTE_MAX_RETRIES,
                            &rt->retries, rt->pointer, err, errsize) ||
                    get_int(obj, "backoff_ms", 0, EVENTS_ROUTE_MAX_BACKOFF_MS,
                            &rt->backoff_ms, rt->pointer, err, errsize) ||
                    get_int(obj, "backoff_max_ms", 0,
                            EVENTS_ROUTE_MAX_BACKOFF_MS, &rt->backoff_max_ms,
                            rt->pointer, err, errsize) ||
                    get_bool(obj, "validate", &rt->validate, rt->pointer, err,
                             errsize))
                        goto bad;
                if (policy_check(rt, err, errsize))
                        goto bad;
                pv = json_object_get(obj, "pattern");
                if (is_default && pv) {
                        fail(err, errsize, rt->pointer,
                             "a route has either \"pattern\" or "
                             "\"default\": true, not both");
                        goto bad;
                }
                if (is_default) {
                        if (have_default) {
                                fail(err, errsize, rt->pointer,
                                     "a second default route");
                                goto bad;
                        }
                        have_default = 1;
                } else {
                        char pp[96];
                        snprintf(pp, sizeof(pp), "%s/pattern", rt->pointer);
                        if (!pv) {
                                fail(err, errsize, rt->pointer,
                                     "missing \"pattern\" (or \"default\": "
                                     "true)");
                                goto bad;
                        }
                        if (!json_is_string(pv) ||
                            !pattern_ok(json_string_value(pv))) {
                                fail(err, errsize, pp,
                                     "a pattern is an event type, where '*' "
                                     "matches any run of characters: 1 to "
                                     "255 of [A-Za-z0-9._-*]");
                                goto bad;
                        }
                        for (size_t k = 0; k < i; k++)
                                if (r->routes[k].pattern &&
                                    !strcmp(r->routes[k].pattern,
                                            json_string_value(pv))) {
                                        fail(err, errsize, pp,
                                             "pattern \"%s\" is already "
                                             "routed at %s",
                                             json_string_value(pv),
                                             r->routes[k].pointer);
                                        goto bad;
                                }
                        if (!(rt->pattern = strdup(json_string_value(pv)))) {
                                NOMEM(pp);
                                goto bad;
                        }
                }
                hs = json_object_get(obj, "handlers");
                if (!hs) {
                        fail(err, errsize, rt->pointer,
                             "missing required key \"handlers\"");
                        goto bad;
                }
                if (!json_is_array(hs) || json_array_size(hs) == 0) {
                        char hp[96];
                        snprintf(hp, sizeof(hp), "%s/handlers", rt->pointer);
                        fail(err, errsize, hp,
                             "must be a non-empty array of handlers");
                        goto bad;
                }
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
