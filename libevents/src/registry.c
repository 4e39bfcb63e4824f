/*
 * registry.c - the schemas of a deployment, by event type.
 *
 * A registry holds the envelope's schema and one schema per event type,
 * all compiled into one schema set so that a "$ref" in one file may name
 * another ("common.json#/definitions/email") or any "$id" declared in the
 * registry. Every document is added under the URI
 * "events:/schemas/NAME.json", which is what relative references resolve
 * against when a schema has no "$id" of its own.
 *
 * A document whose name starts with '_' ("_common.json") holds shared
 * definitions: other schemas may "$ref" it, but it is no event type.
 *
 * Adding schemas recompiles the whole set and swaps it in only when every
 * schema compiled, so a bad file leaves the registry as it was. Sets that
 * were swapped out stay alive until the registry is destroyed, so that a
 * schema pointer handed out earlier never dangles.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lite_int.h"
#include "schema_int.h"

#define REGISTRY_BASE "events:/schemas/"
#define ENVELOPE_NAME "envelope"

typedef struct doc_s {
        char *name;
        json_t *doc; /* a deep copy */
} doc_t;

typedef struct named_s {
        const char *name; /* borrowed from the docs */
        events_schema_t schema;
} named_t;

typedef struct generation_s {
        events__schema_set_t *set;
        named_t *types; /* sorted by name */
        size_t n_types;
        events_schema_t *envelope;
        doc_t *docs;
        size_t n_docs;
        struct generation_s *older;
} generation_t;

struct events_registry_s {
        events_unknown_type_t unknown;
        generation_t *gen; /* the current one; ->older are retired */
};

static void docs_free(doc_t *docs, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(docs[i].name);
                json_decref(docs[i].doc);
        }
        free(docs);
}

static void gen_free(generation_t *g) {
        while (g) {
                generation_t *older = g->older;
                events__schema_set_destroy(g->set);
                free(g->types);
                free(g->envelope);
                docs_free(g->docs, g->n_docs);
                free(g);
                g = older;
        }
}

events_err_t events_registry_new(events_registry_t **rp) {
        events_registry_t *r;

        if (!rp)
                return EVENTS_ERR_INVALID_ARG;
        if (!(r = calloc(1, sizeof(*r))))
                return EVENTS_ERR_NOMEM;
        r->unknown = EVENTS_UNKNOWN_TYPE_REJECT;
        *rp = r;
        return EVENTS_OK;
}

void events_registry_destroy(events_registry_t *r) {
        if (!r)
                return;
        gen_free(r->gen);
        free(r);
}

void events_registry_set_unknown_type(events_registry_t *r,
                                      events_unknown_type_t policy) {
        if (r)
                r->unknown = policy;
}

static int cmp_named(const void *a, const void *b) {
        return strcmp(((const named_t *)a)->name, ((const named_t *)b)->name);
}

static int name_valid(const char *name) {
        size_t n = 0;
        for (const char *p = name; *p; p++, n++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
                      *p == '-'))
                        return 0;
        return n > 0 && n <= EVENTS_EVENT_TYPE_MAX;
}

static char *doc_uri(const char *name) {
        size_t n = strlen(REGISTRY_BASE) + strlen(name) + sizeof(".json");
        char *u = malloc(n);
        if (u)
                snprintf(u, n, REGISTRY_BASE "%s.json", name);
        return u;
}

/* Prefix err's text with the schema's name. */
static events_err_t blame(events_error_t *err, events_err_t rc,
                          const char *name) {
        if (err) {
                char text[EVENTS_ERROR_TEXT_LENGTH];
                /* bounded so that the result always fits */
                snprintf(text, sizeof(text), "%.64s.json: %.180s", name,
                         err->text);
                memcpy(err->text, text, sizeof(text));
        }
        return rc;
}

/* Compile @p docs (taking them) into a new generation and make it current. */
static events_err_t rebuild(events_registry_t *r, doc_t *docs, size_t n_docs,
                            events_error_t *err) {
        generation_t *g = calloc(1, sizeof(*g));
        events_err_t rc = EVENTS_OK;
        size_t i;

        if (!g || !(g->set = events__schema_set_new()) ||
            !(g->types = calloc(n_docs + 1, sizeof(*g->types)))) {
                if (g)
                        events__schema_set_destroy(g->set);
                free(g);
                docs_free(docs, n_docs);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        g->docs = docs;
        g->n_docs = n_docs;
        for (i = 0; i < n_docs && !rc; i++) {
                char *u = doc_uri(docs[i].name);
                rc = u ? events__schema_set_add(g->set, u, docs[i].doc, err)
                       : events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                free(u);
                if (rc)
                        rc = blame(err, rc, docs[i].name);
        }
        for (i = 0; i < n_docs && !rc; i++) {
                char *u = doc_uri(docs[i].name);
                sch_node_t *root = NULL;
                if (!u) {
                        rc = events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                        break;
                }
                rc = events__schema_set_compile(g->set, u, &root, err);
                free(u);
                if (rc) {
                        rc = blame(err, rc, docs[i].name);
                        break;
                }
                if (!strcmp(docs[i].name, ENVELOPE_NAME)) {
                        if (!(g->envelope = calloc(1, sizeof(*g->envelope)))) {
                                rc = events__error_set(err, EVENTS_ERR_NOMEM,
                                                       NULL);
                                break;
                        }
                        g->envelope->set = g->set;
                        g->envelope->root = root;
                } else if (docs[i].name[0] != '_') {
                        named_t *t = &g->types[g->n_types++];
                        t->name = docs[i].name;
                        t->schema.set = g->set;
                        t->schema.root = root;
                }
        }
        if (rc) {
                g->older = NULL;
                gen_free(g);
                return rc;
        }
        qsort(g->types, g->n_types, sizeof(*g->types), cmp_named);
        g->older = r->gen;
        r->gen = g;
        return EVENTS_OK;
}

/* The current documents plus @p add (taken), which replace same names. */
static events_err_t merge_docs(events_registry_t *r, doc_t *add, size_t n_add,
                               doc_t **outp, size_t *np) {
        size_t n_old = r->gen ? r->gen->n_docs : 0, n = 0;
        doc_t *out = calloc(n_old + n_add + 1, sizeof(*out));

        if (!out) {
                docs_free(add, n_add);
                return EVENTS_ERR_NOMEM;
        }
        for (size_t i = 0; i < n_old; i++) {
                const doc_t *d = &r->gen->docs[i];
                size_t j;
                for (j = 0; j < n_add; j++)
                        if (!strcmp(add[j].name, d->name))
                                break;
                if (j < n_add)
                        continue;
                if (!(out[n].name = strdup(d->name))) {
                        docs_free(out, n);
                        docs_free(add, n_add);
                        return EVENTS_ERR_NOMEM;
                }
                out[n++].doc = json_incref(d->doc);
        }
        memcpy(out + n, add, n_add * sizeof(*add));
        free(add);
        *outp = out;
        *np = n + n_add;
        return EVENTS_OK;
}

events_err_t events_registry_add(events_registry_t *r, const char *name,
                                 const json_t *doc, events_error_t *err) {
        doc_t *add, *all;
        size_t n;

        if (!r || !name || !doc)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (!name_valid(name))
                return events__error_set(err, EVENTS_ERR_INVALID_ARG,
                                         "\"%s\" is not a valid event type",
                                         name);
        if (!(add = calloc(1, sizeof(*add))) || !(add->name = strdup(name)) ||
            !(add->doc = json_deep_copy(doc))) {
                if (add)
                        free(add->name);
                free(add);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        if (merge_docs(r, add, 1, &all, &n))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        return rebuild(r, all, n, err);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

events_err_t events_registry_load_dir(events_registry_t *r, const char *dir,
                                      events_error_t *err) {
        DIR *d;
        struct dirent *e;
        char **files = NULL;
        size_t n_files = 0, cap = 0, i;
        doc_t *add = NULL, *all;
        events_err_t rc = EVENTS_OK;

        if (!r || !dir)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (!(d = opendir(dir)))
                return events__error_set(err, EVENTS_ERR_IO, "%s: %s", dir,
                                         strerror(errno));
        while ((e = readdir(d))) {
                size_t len = strlen(e->d_name);
                if (len <= 5 || strcmp(e->d_name + len - 5, ".json") ||
                    e->d_name[0] == '.')
                        continue;
                if (n_files == cap) {
                        char **f;
                        cap = cap ? cap * 2 : 16;
                        if (!(f = realloc(files, cap * sizeof(*f)))) {
                                rc = EVENTS_ERR_NOMEM;
                                break;
                        }
                        files = f;
                }
                if (!(files[n_files] = strdup(e->d_name))) {
                        rc = EVENTS_ERR_NOMEM;
                        break;
                }
                n_files++;
        }
        closedir(d);
        if (!rc && n_files)
                qsort(files, n_files, sizeof(*files), cmp_str);
        if (!rc && !(add = calloc(n_files + 1, sizeof(*add))))
                rc = EVENTS_ERR_NOMEM;
        for (i = 0; i < n_files && !rc; i++) {
                char path[4096];
                json_error_t jerr;
                size_t len = strlen(files[i]) - 5;

                snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                if (!(add[i].name = strndup(files[i], len))) {
                        rc = EVENTS_ERR_NOMEM;
                        break;
                }
                if (!name_valid(add[i].name)) {
                        rc = events__error_set(err, EVENTS_ERR_SCHEMA,
                                               "%s: \"%s\" is not a valid "
                                               "event type",
                                               path, add[i].name);
                        break;
                }
                add[i].doc =
                        json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
                if (!add[i].doc) {
                        rc = events__error_set(err,
                                               errno == ENOENT || jerr.line < 0
                                                       ? EVENTS_ERR_IO
                                                       : EVENTS_ERR_JSON,
                                               "%s: %s", path, jerr.text);
                        if (err && jerr.line > 0) {
                                err->line = jerr.line;
                                err->column = jerr.column;
                                err->offset = (size_t)jerr.position;
                        }
                        break;
                }
        }
        for (i = 0; i < n_files; i++)
                free(files[i]);
        free(files);
        if (rc) {
                if (rc == EVENTS_ERR_NOMEM)
                        events__error_set(err, rc, NULL);
                docs_free(add, n_files);
                return rc;
        }
        if (merge_docs(r, add, n_files, &all, &n_files))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        return rebuild(r, all, n_files, err);
}

const events_schema_t *events_registry_get(const events_registry_t *r,
                                           const char *event_type) {
        named_t key, *found;

        if (!r || !r->gen || !event_type)
                return NULL;
        key.name = event_type;
        found = bsearch(&key, r->gen->types, r->gen->n_types,
                        sizeof(*r->gen->types), cmp_named);
        return found ? &found->schema : NULL;
}

events_err_t events__registry_validate_json(const events_registry_t *r,
                                            const char *event_type,
                                            const json_t *envelope,
                                            const json_t *data,
                                            events_report_t *report) {
        const events_schema_t *s;
        events_err_t rc = EVENTS_OK;

        if (!r || !event_type)
                return EVENTS_ERR_INVALID_ARG;
        if (r->gen && r->gen->envelope && envelope &&
            events__schema_validate_at(r->gen->envelope, envelope, "",
                                       report) != EVENTS_OK) {
                rc = EVENTS_ERR_VALIDATION;
                if (!report)
                        return rc;
        }
        if (!(s = events_registry_get(r, event_type))) {
                if (r->unknown == EVENTS_UNKNOWN_TYPE_ALLOW)
                        return rc;
                events__report_add(report, "/event_type", "event_type",
                                   "no schema for event type \"%s\"",
                                   event_type);
                return rc ? rc : EVENTS_ERR_NO_SCHEMA;
        }
        if (!data)
                return EVENTS_ERR_INVALID_ARG;
        if (events__schema_validate_at(s, data, "/data", report) != EVENTS_OK)
                rc = EVENTS_ERR_VALIDATION;
        return rc;
}

int events__registry_lite_validate(const events_registry_t *r,
                                   const char *event_type,
                                   const events__lite_t *L, uint32_t data) {
        const events_schema_t *s;

        if (!r || !event_type)
                return 0;
        if (r->gen && r->gen->envelope &&
            !events__lite_validate(r->gen->envelope->root, L, 0))
                return 0;
        if (!(s = events_registry_get(r, event_type)))
                return r->unknown == EVENTS_UNKNOWN_TYPE_ALLOW;
        return events__lite_validate(s->root, L, data);
}

int events__registry_lite_validate_layout(const events_registry_t *r,
                                          const char *event_type,
                                          const events__lite_t *L,
                                          uint32_t data, events__ltpl_t *t) {
        const sch_node_t *env;
        const events_schema_t *s;
        int ev, dv;

        if (!t)
                return events__registry_lite_validate(r, event_type, L, data);
        if (!r || !event_type)
                return 0;
        /* A layout's lines all have its event type, and a generation
         * compiles every schema anew and keeps it: the plan holds for the
         * generation it was made in. */
        if (t->planned && t->plan_owner == r && t->plan_gen == r->gen)
                return events__lite_plan_check(t, L);
        env = r->gen && r->gen->envelope ? r->gen->envelope->root : NULL;
        s = events_registry_get(r, event_type);
        /* A plan is made with the layout's first line: recording it costs
         * less than validating that line twice (now, and again when the
         * next line of the layout comes), and layouts that never repeat
         * pause themselves (lite.c). None for a type without a schema. */
        if (!s)
                return events__registry_lite_validate(r, event_type, L, data);
        /* Validate, recording the plan that stands for this validation on
         * the next lines of the layout. */
        t->planned = 0;
        t->ncheck = 0;
        ev = env ? events__lite_plan(t, env, L, 0) : 1;
        if (!ev)
                return 0;
        dv = events__lite_plan(t, s->root, L, data);
        if (!dv)
                return 0;
        if (ev == 1 && dv == 1) {
                t->plan_owner = r;
                t->plan_gen = r->gen;
                t->planned = 1;
        }
        return 1;
}

events_err_t events_registry_validate(const events_registry_t *r,
                                      const events_event_t *ev,
                                      events_report_t *report) {
        if (!r || !ev)
                return EVENTS_ERR_INVALID_ARG;
        return events__registry_validate_json(r, events_event_type(ev),
                                              events_event_json(ev),
                                              events_event_data(ev), report);
}

const char *events_schemas_default_dir(void) {
        return EVENTS_DATADIR "/schemas";
}

/* "<program's folder>/EVENTS_BINDIR_TO_SCHEMAS" when that is a folder, once
 * per process; NULL when it is not (or /proc is not mounted). */
static char exe_schemas[PATH_MAX];
static pthread_once_t exe_schemas_once = PTHREAD_ONCE_INIT;

static void find_exe_schemas(void) {
        char exe[PATH_MAX], want[PATH_MAX];
        char *slash;
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        struct stat st;

        if (n <= 0)
                return;
        exe[n] = '\0';
        if (!(slash = strrchr(exe, '/')))
                return;
        *slash = '\0';
        if (snprintf(want, sizeof(want), "%s/%s", exe,
                     EVENTS_BINDIR_TO_SCHEMAS) >= (int)sizeof(want))
                return;
        /* The canonical path reads better in messages and logs. */
        if (stat(want, &st) == 0 && S_ISDIR(st.st_mode) &&
            !realpath(want, exe_schemas))
                exe_schemas[0] = '\0';
}

const char *events_schemas_dir(void) {
        const char *dir = getenv("EVENTS_SCHEMAS_DIR");

        if (dir && *dir)
                return dir;
        pthread_once(&exe_schemas_once, find_exe_schemas);
        return exe_schemas[0] ? exe_schemas : events_schemas_default_dir();
}
