/*
 * handlers.c - the handler instances behind a routes file, and the router
 * that points to them (see handlers.h).
 *
 * Each handler is one struct handler, handed to the router as the opaque
 * of a small callback per kind. Handlers return 0 for success and -1 for
 * failure, with the reason in their context
 * (events_handler_ctx_set_error()), whence it reaches the daemon's log
 * line and the DLQ header; the router retries failures by the route's
 * policy, so no handler retries by itself. Where the event came from
 * (topic, partition, offset, key) is read from the context too.
 *
 * - log:     one logfmt line per event on stderr.
 * - exec:    the program gets the event's JSON on stdin and EVENT_TYPE,
 *            EVENT_TOPIC, EVENT_PARTITION, EVENT_OFFSET, EVENT_KEY,
 *            EVENT_TIMESTAMP and EVENT_HANDLER in its environment; and,
 *            when the message was a CloudEvent, EVENT_CE_MODE and one
 *            EVENT_CE_<NAME> per attribute (EVENT_CE_ID, EVENT_CE_SOURCE,
 *            ...).
 * - file:    one JSON line per event, appended with one write(2) on an
 *            O_APPEND descriptor, so lines are never interleaved; a short
 *            write (full disk, file size limit) is cut back to where the
 *            line began, so the file holds whole lines only and the
 *            event fails (retried, then dead-lettered); fsync policy
 *            never / always / interval.
 * - forward: through env->publish, which waits for the broker's ack.
 * - plugin:  see plugin_loader.c.
 */
#include "clock.h"
#include "handlers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"
#include "plugin_loader.h"

extern char **environ;

struct handler {
        const handler_spec_t *spec; /* owned by the set's routes */
        handler_env_t *env;
        struct handler_set *set; /* exec: the environment snapshot */
        /* file */
        int fd;
        int dirty;
        int no_sync; /* not a regular file (/dev/null, a FIFO): no disk */
        int64_t last_sync_ms;
        /* plugin */
        plugin_handler_t plugin;
};

struct handler_set {
        routes_t *routes;
        events_router_t *router;
        struct handler *handlers;
        size_t n;
        char **base_env; /* environ without EVENT_* names, for exec */
        size_t n_base_env;
};

void handler_env_reset(handler_env_t *env) {
        free(env->ser);
        env->ser = NULL;
        env->ser_len = 0;
        env->ser_ev = NULL;
}

/* The event's JSON, serialized once per event whatever the number of
 * handlers that need it. */
static const char *serialized(handler_env_t *env, const events_event_t *ev,
                              events_handler_ctx_t *ctx, size_t *len) {
        if (env->ser_ev != ev || !env->ser) {
                handler_env_reset(env);
                if (events_event_serialize(ev, &env->ser, &env->ser_len) !=
                    EVENTS_OK) {
                        events_handler_ctx_set_error(
                                ctx,
                                "cannot serialize the event: out of memory");
                        return NULL;
                }
                env->ser_ev = ev;
        }
        *len = env->ser_len;
        return env->ser;
}

/* Where the event came from, from the handler's context. */
static void get_meta(const events_handler_ctx_t *ctx, msg_meta_t *m) {
        m->topic = events_handler_ctx_topic(ctx);
        m->partition = events_handler_ctx_partition(ctx);
        m->offset = events_handler_ctx_offset(ctx);
        m->key = events_handler_ctx_key(ctx, &m->key_len);
}

static int handle_log(const events_event_t *ev, events_handler_ctx_t *ctx,
                      void *opaque) {
        struct handler *h = opaque;
        msg_meta_t meta, *m = &meta;
        char qname[256], qkey[256], qtopic[256], qev[3072];
        size_t len = 0;
        const char *json = NULL;
        char keybuf[200];

        get_meta(ctx, m);
        if (h->spec->log_data && !(json = serialized(h->env, ev, ctx, &len)))
                return -1;
        snprintf(keybuf, sizeof(keybuf), "%.*s",
                 (int)(m->key_len < sizeof(keybuf) - 1 ? m->key_len
                                                       : sizeof(keybuf) - 1),
                 m->key ? m->key : "");
        log_msg(LOG_INFO, "event",
                "handler=%s type=%s topic=%s partition=%" PRId32
                " offset=%" PRId64 " key=%s%s%s",
                log_quote(h->spec->name, qname, sizeof(qname)),
                events_event_type(ev),
                log_quote(m->topic ? m->topic : "", qtopic, sizeof(qtopic)),
                m->partition, m->offset, log_quote(keybuf, qkey, sizeof(qkey)),
                json ? " event=" : "",
                json ? log_quote(json, qev, sizeof(qev)) : "");
        return 0;
}

/* The longest attribute name exported to an exec handler's environment;
 * longer names (only other producers' extensions) are left out. */
#define CE_ENV_NAME_MAX 64

/* EVENT_CE_MODE and EVENT_CE_<NAME>=value for the CloudEvents attributes
 * of @p ce into out[] (room for events_cloudevent_count() + 1), malloc'd.
 * Names outside [a-z0-9] cannot be environment names and are left out.
 * @returns how many, or -1 when out of memory (out[] then freed). */
static long ce_env(const events_cloudevent_t *ce, char **out) {
        size_t n = 0, count = events_cloudevent_count(ce);
        const char *name, *value;
        char var[CE_ENV_NAME_MAX + 1];

        if (!ce)
                return 0;
        if (asprintf(&out[n++], "EVENT_CE_MODE=%s",
                     events_ce_mode_name(events_cloudevent_mode(ce))) < 0)
                return -1;
        for (size_t i = 0; i < count; i++) {
                size_t k = 0;

                if (events_cloudevent_at(ce, i, &name, &value))
                        break;
                for (; name[k] && k < CE_ENV_NAME_MAX; k++) {
                        if (!((name[k] >= 'a' && name[k] <= 'z') ||
                              (name[k] >= '0' && name[k] <= '9')))
                                break;
                        var[k] = (char)(name[k] >= 'a' ? name[k] - 'a' + 'A'
                                                       : name[k]);
                }
                if (k == 0 || name[k])
                        continue;
                var[k] = '\0';
                if (asprintf(&out[n], "EVENT_CE_%s=%s", var, value) < 0) {
                        while (n > 0)
                                free(out[--n]);
                        return -1;
                }
                n++;
        }
        return (long)n;
}

/* The daemon is stopping: stop the program too, by the context's deadline
 * (exec_cancel_cb). */
static int64_t exec_cancel(void *opaque) {
        const events_handler_ctx_t *ctx = opaque;
        int64_t d;

        if (!events_handler_ctx_cancelled(ctx))
                return -1;
        d = events_handler_ctx_deadline_ms(ctx);
        return d > 0 ? d : 0;
}

static int handle_exec(const events_event_t *ev, events_handler_ctx_t *ctx,
                       void *opaque) {
        struct handler *h = opaque;
        handler_env_t *env = h->env;
        msg_meta_t meta, *m = &meta;
        struct handler_set *set;
        size_t len, nb;
        long nce;
        const events_cloudevent_t *ce = events_handler_ctx_cloudevent(ctx);
        const char *json = serialized(env, ev, ctx, &len);
        const char *ts = events_event_timestamp(ev);
        char **envp, vars[7][320], why[EVENTS_HANDLER_ERROR_MAX];
        int rc;

        if (!json)
                return -1;
        get_meta(ctx, m);
        set = h->set;
        nb = set->n_base_env;
        envp = malloc((nb + 9 + events_cloudevent_count(ce)) * sizeof(char *));
        if (!envp || (nce = ce_env(ce, envp + nb + 7)) < 0) {
                free(envp);
                events_handler_ctx_set_error(ctx, "out of memory");
                return -1;
        }
        memcpy(envp, set->base_env, nb * sizeof(char *));
        snprintf(vars[0], sizeof(vars[0]), "EVENT_TYPE=%s",
                 events_event_type(ev));
        snprintf(vars[1], sizeof(vars[1]), "EVENT_TOPIC=%s",
                 m->topic ? m->topic : "");
        snprintf(vars[2], sizeof(vars[2]), "EVENT_PARTITION=%" PRId32,
                 m->partition);
        snprintf(vars[3], sizeof(vars[3]), "EVENT_OFFSET=%" PRId64, m->offset);
        snprintf(vars[4], sizeof(vars[4]), "EVENT_KEY=%.*s",
                 (int)(m->key_len < 300 ? m->key_len : 300),
                 m->key ? m->key : "");
        /* A key with a NUL byte ends early: the environment is C strings. */
        snprintf(vars[5], sizeof(vars[5]), "EVENT_TIMESTAMP=%s", ts ? ts : "");
        snprintf(vars[6], sizeof(vars[6]), "EVENT_HANDLER=%s", h->spec->name);
        for (int i = 0; i < 7; i++)
                envp[nb + (size_t)i] = vars[i];
        envp[nb + 7 + (size_t)nce] = NULL;
        {
                exec_req_t req = {h->spec->argv,       envp,        json, len,
                                  h->spec->timeout_ms, exec_cancel, ctx};
                rc = exec_run_req(&req, why, sizeof(why));
        }
        for (long i = 0; i < nce; i++)
                free(envp[nb + 7 + (size_t)i]);
        free(envp);
        if (rc != 0)
                events_handler_ctx_set_error(ctx, "%s", why);
        return rc;
}

/* On failure, the reason goes to @p ctx (may be NULL). */
static int file_sync(struct handler *h, events_handler_ctx_t *ctx) {
        if (!h->no_sync && fdatasync(h->fd) < 0) {
                events_handler_ctx_set_error(ctx, "fdatasync %s: %s",
                                             h->spec->path, strerror(errno));
                return -1;
        }
        h->dirty = 0;
        h->last_sync_ms = consumer_mono_ms();
        return 0;
}

/* A write that failed after `done` bytes of a line: cut the file back to
 * `start`, where the line began, so that no fragment stays to be glued to
 * the next line. The event fails either way. */
static int file_cut(struct handler *h, events_handler_ctx_t *ctx, off_t start,
                    size_t done, int error) {
        if (done == 0) {
                events_handler_ctx_set_error(ctx, "write %s: %s", h->spec->path,
                                             strerror(error));
                return -1;
        }
        if (start < 0 || ftruncate(h->fd, start) != 0) {
                events_handler_ctx_set_error(
                        ctx,
                        "write %s: %s after %zu bytes; the partial line "
                        "stays: %s",
                        h->spec->path, strerror(error), done,
                        start < 0 ? "offset unknown" : strerror(errno));
                return -1;
        }
        events_handler_ctx_set_error(ctx,
                                     "write %s: %s after %zu bytes; the "
                                     "partial line was removed",
                                     h->spec->path, strerror(error), done);
        return -1;
}

static int handle_file(const events_event_t *ev, events_handler_ctx_t *ctx,
                       void *opaque) {
        struct handler *h = opaque;
        handler_env_t *env = h->env;
        size_t len, off = 0;
        const char *json = serialized(env, ev, ctx, &len);
        char *line;
        off_t start;

        if (!json)
                return -1;
        /* One write(2) per line: the JSON and its newline together. */
        line = malloc(len + 1);
        if (!line) {
                events_handler_ctx_set_error(ctx, "out of memory");
                return -1;
        }
        memcpy(line, json, len);
        line[len] = '\n';
        /* Where the line begins: the end, as this daemon is the only
         * writer (O_APPEND writes there too). */
        start = lseek(h->fd, 0, SEEK_END);
        while (off < len + 1) {
                ssize_t n = write(h->fd, line + off, len + 1 - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        int e = n < 0 ? errno : ENOSPC;

                        free(line);
                        return file_cut(h, ctx, start, off, e);
                }
                off += (size_t)n;
        }
        free(line);
        h->dirty = 1;
        if (h->spec->fsync == FSYNC_ALWAYS ||
            (h->spec->fsync == FSYNC_INTERVAL &&
             consumer_mono_ms() - h->last_sync_ms >=
                     h->spec->fsync_interval_ms))
                return file_sync(h, ctx);
        return 0;
}

static int handle_forward(const events_event_t *ev, events_handler_ctx_t *ctx,
                          void *opaque) {
        struct handler *h = opaque;
        handler_env_t *env = h->env;
        msg_meta_t meta;
        size_t len;
        const char *json;
        char why[EVENTS_HANDLER_ERROR_MAX];
        int rc;

        get_meta(ctx, &meta);
        if (!env->publish) {
                events_handler_ctx_set_error(ctx,
                                             "forwarding is not available");
                return -1;
        }
        if (!(json = serialized(env, ev, ctx, &len)))
                return -1;
        why[0] = '\0';
        rc = env->publish(env->publish_opaque, h->spec->topic, &meta, ev, json,
                          len, why, sizeof(why));
        if (rc != 0)
                events_handler_ctx_set_error(ctx, "%s", why);
        return rc;
}

static int handle_plugin(const events_event_t *ev, events_handler_ctx_t *ctx,
                         void *opaque) {
        struct handler *h = opaque;
        int rc = plugin_handler_call(&h->plugin, ev, ctx);

        /* The plugin's own reason stands; without one, say what we know. */
        if (rc != 0 && !*events_handler_ctx_error(ctx))
                events_handler_ctx_set_error(ctx,
                                             "plugin function %s returned %d",
                                             h->spec->function, rc);
        return rc;
}

/* environ minus EVENT_* names, so that a stale EVENT_TYPE of the daemon's
 * own environment never reaches a program next to ours. */
static int snapshot_env(struct handler_set *s) {
        size_t n = 0;

        for (char **e = environ; e && *e; e++)
                n++;
        s->base_env = calloc(n + 1, sizeof(char *));
        if (!s->base_env)
                return -1;
        for (char **e = environ; e && *e; e++) {
                if (!strncmp(*e, "EVENT_", 6))
                        continue;
                if (!(s->base_env[s->n_base_env] = strdup(*e)))
                        return -1;
                s->n_base_env++;
        }
        return 0;
}

static int handler_init(struct handler_set *s, struct handler *h,
                        const handler_spec_t *spec, handler_env_t *env,
                        char *err, size_t errsize) {
        char why[512];

        h->spec = spec;
        h->env = env;
        h->fd = -1;
        switch (spec->kind) {
        case HANDLER_LOG:
        case HANDLER_FORWARD:
                return 0;
        case HANDLER_EXEC:
                h->set = s;
                return 0;
        case HANDLER_FILE:
                h->fd = open(spec->path,
                             O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (h->fd < 0) {
                        snprintf(err, errsize, "%s: cannot open %s: %s",
                                 spec->pointer, spec->path, strerror(errno));
                        return -1;
                }
                {
                        struct stat st;

                        /* fdatasync() fails (EINVAL) on what is not a
                         * regular file, and there is nothing to sync. */
                        h->no_sync = !fstat(h->fd, &st) && !S_ISREG(st.st_mode);
                }
                h->last_sync_ms = consumer_mono_ms();
                return 0;
        case HANDLER_PLUGIN:
                if (plugin_handler_load(&h->plugin, spec->path, spec->function,
                                        spec->config, why, sizeof(why))) {
                        snprintf(err, errsize, "%s: %s", spec->pointer, why);
                        return -1;
                }
                log_msg(LOG_DEBUG, "plugin loaded", "path=%s function=%s",
                        spec->path, spec->function);
                return 0;
        }
        return 0;
}

static void handler_fini(struct handler *h) {
        if (h->spec && h->spec->kind == HANDLER_FILE && h->fd >= 0) {
                if (h->dirty)
                        (void)file_sync(h, NULL);
                close(h->fd);
        } else if (h->spec && h->spec->kind == HANDLER_PLUGIN) {
                plugin_handler_unload(&h->plugin);
        }
}

static const events_handler_cb kind_cbs[] = {
        [HANDLER_LOG] = handle_log,       [HANDLER_EXEC] = handle_exec,
        [HANDLER_FILE] = handle_file,     [HANDLER_FORWARD] = handle_forward,
        [HANDLER_PLUGIN] = handle_plugin,
};

/* Every call goes through here, so that /livez can tell a call that runs
 * past its limit (its own timeout, else the stall timeout). */
static int handle_any(const events_event_t *ev, events_handler_ctx_t *ctx,
                      void *opaque) {
        struct handler *h = opaque;
        handler_env_t *env = h->env;
        int64_t limit = env->stall_timeout_ms > 0 ? env->stall_timeout_ms
                                                  : INT64_MAX / 4;
        int rc;

        if (h->spec->kind == HANDLER_EXEC && h->spec->timeout_ms < limit)
                limit = h->spec->timeout_ms;
        env->busy_limit_ms = limit;
        env->busy_since_ms = consumer_mono_ms();
        rc = kind_cbs[h->spec->kind](ev, ctx, opaque);
        env->busy_since_ms = 0;
        return rc;
}

int handler_set_new(routes_t *routes, handler_env_t *env, handler_set_t **out,
                    char *err, size_t errsize) {
        struct handler_set *s;
        size_t total = 0, k = 0;

        *out = NULL;
        for (size_t i = 0; i < routes->n_routes; i++)
                total += routes->routes[i].n_handlers;
        s = calloc(1, sizeof(*s));
        if (!s || !(s->handlers = calloc(total, sizeof(struct handler))) ||
            snapshot_env(s) || events_router_new(&s->router) != EVENTS_OK) {
                snprintf(err, errsize, "out of memory");
                goto bad;
        }
        for (size_t i = 0; i < routes->n_routes; i++) {
                const route_spec_t *rt = &routes->routes[i];
                events_err_t e = events_router_set_policy(
                        s->router, rt->pattern, rt->retries, rt->backoff_ms,
                        rt->backoff_max_ms, rt->validate);

                if (e != EVENTS_OK) {
                        snprintf(err, errsize, "%s: %s", rt->pointer,
                                 events_err2str(e));
                        goto bad;
                }
                for (size_t j = 0; j < rt->n_handlers; j++, k++) {
                        const handler_spec_t *spec = &rt->handlers[j];
                        struct handler *h = &s->handlers[k];

                        s->n = k + 1;
                        if (handler_init(s, h, spec, env, err, errsize))
                                goto bad;
                        e = events_router_add(s->router, rt->pattern,
                                              spec->name, handle_any, h);
                        if (e != EVENTS_OK) {
                                snprintf(err, errsize, "%s: %s", spec->pointer,
                                         events_err2str(e));
                                goto bad;
                        }
                }
        }
        s->routes = routes;
        *out = s;
        return 0;
bad:
        if (s)
                s->routes = NULL; /* the caller keeps them on failure */
        handler_set_destroy(s);
        return -1;
}

events_router_t *handler_set_router(handler_set_t *s) {
        return s->router;
}

void handler_set_counts(const handler_set_t *s, size_t *routes,
                        size_t *handlers) {
        *routes = s->routes ? s->routes->n_routes : 0;
        *handlers = s->n;
}

void handler_set_tick(handler_set_t *s) {
        int64_t now;

        if (!s)
                return;
        now = consumer_mono_ms();
        for (size_t i = 0; i < s->n; i++) {
                struct handler *h = &s->handlers[i];
                if (h->spec->kind == HANDLER_FILE && h->dirty &&
                    h->spec->fsync == FSYNC_INTERVAL &&
                    now - h->last_sync_ms >= h->spec->fsync_interval_ms &&
                    file_sync(h, NULL))
                        log_msg(LOG_WARN, "fsync failed", "handler=%s",
                                h->spec->name);
        }
}

void handler_set_destroy(handler_set_t *s) {
        if (!s)
                return;
        events_router_destroy(s->router);
        if (s->handlers)
                for (size_t i = 0; i < s->n; i++)
                        handler_fini(&s->handlers[i]);
        free(s->handlers);
        if (s->base_env)
                for (size_t i = 0; i < s->n_base_env; i++)
                        free(s->base_env[i]);
        free(s->base_env);
        routes_free(s->routes);
        free(s);
}
