/*
 * schema_compile.c - turn draft-07 schema documents into compiled nodes.
 *
 * A schema set holds documents (deep copies) indexed by URI: the URI each
 * was added under, and every "$id" inside it, resolved against the base in
 * force there (RFC 3986). Compiling walks a document once; every keyword is
 * checked and stored in a node, every regular expression compiled, every
 * "$ref" resolved to the node it names. Nodes are memoized by the JSON
 * value they come from, so a recursive "$ref" ("#") closes a loop instead
 * of recursing forever, and a subschema named twice is compiled once.
 *
 * "$ref"s reach: JSON pointers into any document of the set ("#/a/b",
 * "other.json#/definitions/x"), "$id"s and plain-name fragments ("#foo")
 * declared in any document of the set, the draft-07 meta-schema (built in),
 * and, when the set has a loader, documents the loader fetches.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

#define META_URI "http://json-schema.org/draft-07/schema"

/* Written for libevents from the draft-07 validation and core
 * specifications: what a schema may contain. */
static const char meta_schema_text[] =
        "{\"$schema\":\"http://json-schema.org/draft-07/schema#\","
        "\"$id\":\"http://json-schema.org/draft-07/schema#\","
        "\"title\":\"draft-07 meta-schema\","
        "\"definitions\":{"
        " \"list\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"$ref\":\"#"
        "\"}},"
        " \"count\":{\"type\":\"integer\",\"minimum\":0},"
        " \"count0\":{\"allOf\":[{\"$ref\":\"#/definitions/count\"},"
        "{\"default\":0}]},"
        " \"typeName\":{\"enum\":[\"array\",\"boolean\",\"integer\",\"null\","
        "\"number\",\"object\",\"string\"]},"
        " \"names\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
        "\"uniqueItems\":true,\"default\":[]},"
        " \"schemaMap\":{\"type\":\"object\",\"additionalProperties\":"
        "{\"$ref\":\"#\"},\"default\":{}}},"
        "\"type\":[\"object\",\"boolean\"],"
        "\"properties\":{"
        " \"$id\":{\"type\":\"string\",\"format\":\"uri-reference\"},"
        " \"$schema\":{\"type\":\"string\",\"format\":\"uri\"},"
        " \"$ref\":{\"type\":\"string\",\"format\":\"uri-reference\"},"
        " \"$comment\":{\"type\":\"string\"},"
        " \"title\":{\"type\":\"string\"},"
        " \"description\":{\"type\":\"string\"},"
        " \"default\":true,"
        " \"readOnly\":{\"type\":\"boolean\",\"default\":false},"
        " \"examples\":{\"type\":\"array\",\"items\":true},"
        " \"multipleOf\":{\"type\":\"number\",\"exclusiveMinimum\":0},"
        " \"maximum\":{\"type\":\"number\"},"
        " \"exclusiveMaximum\":{\"type\":\"number\"},"
        " \"minimum\":{\"type\":\"number\"},"
        " \"exclusiveMinimum\":{\"type\":\"number\"},"
        " \"maxLength\":{\"$ref\":\"#/definitions/count\"},"
        " \"minLength\":{\"$ref\":\"#/definitions/count0\"},"
        " \"pattern\":{\"type\":\"string\",\"format\":\"regex\"},"
        " \"additionalItems\":{\"$ref\":\"#\"},"
        " \"items\":{\"anyOf\":[{\"$ref\":\"#\"},{\"$ref\":\"#/definitions/"
        "list\"}],"
        "\"default\":true},"
        " \"maxItems\":{\"$ref\":\"#/definitions/count\"},"
        " \"minItems\":{\"$ref\":\"#/definitions/count0\"},"
        " \"uniqueItems\":{\"type\":\"boolean\",\"default\":false},"
        " \"contains\":{\"$ref\":\"#\"},"
        " \"maxProperties\":{\"$ref\":\"#/definitions/count\"},"
        " \"minProperties\":{\"$ref\":\"#/definitions/count0\"},"
        " \"required\":{\"$ref\":\"#/definitions/names\"},"
        " \"additionalProperties\":{\"$ref\":\"#\"},"
        " \"definitions\":{\"$ref\":\"#/definitions/schemaMap\"},"
        " \"properties\":{\"$ref\":\"#/definitions/schemaMap\"},"
        " \"patternProperties\":{\"allOf\":[{\"$ref\":\"#/definitions/"
        "schemaMap\"},"
        "{\"propertyNames\":{\"format\":\"regex\"}}]},"
        " \"dependencies\":{\"type\":\"object\",\"additionalProperties\":"
        "{\"anyOf\":[{\"$ref\":\"#\"},{\"$ref\":\"#/definitions/names\"}]}},"
        " \"propertyNames\":{\"$ref\":\"#\"},"
        " \"const\":true,"
        " \"enum\":{\"type\":\"array\",\"items\":true},"
        " \"type\":{\"anyOf\":[{\"$ref\":\"#/definitions/typeName\"},"
        "{\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/typeName\"},"
        "\"minItems\":1,\"uniqueItems\":true}]},"
        " \"format\":{\"type\":\"string\"},"
        " \"contentMediaType\":{\"type\":\"string\"},"
        " \"contentEncoding\":{\"type\":\"string\"},"
        " \"if\":{\"$ref\":\"#\"},\"then\":{\"$ref\":\"#\"},"
        "\"else\":{\"$ref\":\"#\"},"
        " \"allOf\":{\"$ref\":\"#/definitions/list\"},"
        " \"anyOf\":{\"$ref\":\"#/definitions/list\"},"
        " \"oneOf\":{\"$ref\":\"#/definitions/list\"},"
        " \"not\":{\"$ref\":\"#\"}},"
        "\"default\":true}";

/* ----------------------------------------------------------- the set */

typedef struct resource_s {
        char *uri; /* absolute, with a fragment only for plain names */
        const json_t *node;
        char *outer; /* the base URI in force around node */
} resource_t;

typedef struct memo_s {
        const json_t *js;
        sch_node_t *node;
} memo_t;

struct events__schema_set_s {
        json_t *docs; /* an array: keeps every document alive */
        resource_t *res;
        size_t n_res, cap_res;
        memo_t *memo;
        size_t n_memo, cap_memo; /* open addressing, power of 2 */
        sch_node_t **nodes;
        size_t n_nodes, cap_nodes;
        events__schema_loader_cb loader;
        void *loader_opaque;
        int meta_loaded;
};

events__schema_set_t *events__schema_set_new(void) {
        events__schema_set_t *set = calloc(1, sizeof(*set));
        if (!set)
                return NULL;
        if (!(set->docs = json_array())) {
                free(set);
                return NULL;
        }
        return set;
}

static void node_free(sch_node_t *n) {
        json_decref(n->enum_values);
        free(n->enum_str);
        json_decref(n->const_value);
        json_decref(n->multiple_of);
        json_decref(n->maximum);
        json_decref(n->excl_maximum);
        json_decref(n->minimum);
        json_decref(n->excl_minimum);
        events__regex_free(&n->pattern);
        free(n->items_array);
        for (size_t i = 0; i < n->n_required; i++)
                free(n->required[i]);
        free(n->required);
        free(n->required_prop);
        for (size_t i = 0; i < n->n_props; i++)
                free(n->props[i].name);
        free(n->props);
        for (size_t i = 0; i < n->n_pprops; i++)
                events__regex_free(&n->pprops[i].re);
        free(n->pprops);
        for (size_t i = 0; i < n->n_deps; i++) {
                free(n->deps[i].name);
                for (size_t j = 0; j < n->deps[i].n_names; j++)
                        free(n->deps[i].names[j]);
                free(n->deps[i].names);
        }
        free(n->deps);
        for (size_t i = 0; i < SCH_TX__COUNT; i++)
                free(n->text[i]);
        free(n->all_of);
        free(n->any_of);
        free(n->one_of);
        free(n);
}

void events__schema_set_destroy(events__schema_set_t *set) {
        if (!set)
                return;
        for (size_t i = 0; i < set->n_nodes; i++)
                node_free(set->nodes[i]);
        free(set->nodes);
        for (size_t i = 0; i < set->n_res; i++) {
                free(set->res[i].uri);
                free(set->res[i].outer);
        }
        free(set->res);
        free(set->memo);
        json_decref(set->docs);
        free(set);
}

void events__schema_set_loader(events__schema_set_t *set,
                               events__schema_loader_cb cb, void *opaque) {
        set->loader = cb;
        set->loader_opaque = opaque;
}

static const resource_t *res_find(const events__schema_set_t *set,
                                  const char *uri) {
        for (size_t i = 0; i < set->n_res; i++)
                if (!strcmp(set->res[i].uri, uri))
                        return &set->res[i];
        return NULL;
}

/* Takes ownership of uri. */
static int res_add(events__schema_set_t *set, char *uri, const json_t *node,
                   const char *outer) {
        char *o;
        if (res_find(set, uri)) {
                free(uri); /* the first declaration wins */
                return 0;
        }
        if (!(o = strdup(outer ? outer : ""))) {
                free(uri);
                return -1;
        }
        if (set->n_res == set->cap_res) {
                size_t cap = set->cap_res ? set->cap_res * 2 : 16;
                resource_t *r = realloc(set->res, cap * sizeof(*r));
                if (!r) {
                        free(uri);
                        free(o);
                        return -1;
                }
                set->res = r;
                set->cap_res = cap;
        }
        set->res[set->n_res].uri = uri;
        set->res[set->n_res].node = node;
        set->res[set->n_res].outer = o;
        set->n_res++;
        return 0;
}

static size_t ptr_hash(const void *p, size_t cap) {
        uintptr_t v = (uintptr_t)p;
        v ^= v >> 17;
        v *= (uintptr_t)0x9E3779B97F4A7C15ull;
        return (size_t)(v >> 7) & (cap - 1);
}

static sch_node_t *memo_get(const events__schema_set_t *set, const json_t *js) {
        if (!set->cap_memo)
                return NULL;
        for (size_t i = ptr_hash(js, set->cap_memo);;
             i = (i + 1) & (set->cap_memo - 1)) {
                if (!set->memo[i].js)
                        return NULL;
                if (set->memo[i].js == js)
                        return set->memo[i].node;
        }
}

static int memo_put(events__schema_set_t *set, const json_t *js,
                    sch_node_t *node) {
        if ((set->n_memo + 1) * 2 > set->cap_memo) {
                size_t cap = set->cap_memo ? set->cap_memo * 2 : 64;
                memo_t *m = calloc(cap, sizeof(*m)), *old = set->memo;
                size_t oldcap = set->cap_memo;
                if (!m)
                        return -1;
                set->memo = m;
                set->cap_memo = cap;
                set->n_memo = 0;
                for (size_t i = 0; i < oldcap; i++)
                        if (old[i].js)
                                memo_put(set, old[i].js, old[i].node);
                free(old);
        }
        for (size_t i = ptr_hash(js, set->cap_memo);;
             i = (i + 1) & (set->cap_memo - 1)) {
                if (!set->memo[i].js) {
                        set->memo[i].js = js;
                        set->memo[i].node = node;
                        set->n_memo++;
                        return 0;
                }
        }
}

/* The keywords whose values are schemas, maps of schemas, or arrays of
 * schemas: where "$id"s may be declared. */
static const char *const kw_schema[] = {"additionalItems",
                                        "contains",
                                        "additionalProperties",
                                        "propertyNames",
                                        "if",
                                        "then",
                                        "else",
                                        "not",
                                        "items"};
static const char *const kw_array[] = {"allOf", "anyOf", "oneOf", "items"};
static const char *const kw_map[] = {"properties", "patternProperties",
                                     "definitions", "dependencies"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The base URI in force inside @p js, given @p base outside it. */
static char *base_of(const json_t *js, const char *base) {
        const json_t *id = json_object_get(js, "$id");
        if (json_is_string(id) && !json_object_get(js, "$ref")) {
                char *u = events__uri_resolve(base, json_string_value(id));
                char *hash = u ? strchr(u, '#') : NULL;
                if (hash)
                        *hash = '\0';
                return u;
        }
        return strdup(base ? base : "");
}

static int index_schema(events__schema_set_t *set, const json_t *js,
                        const char *base, int depth) {
        const json_t *id, *v;
        const char *key;
        char *here;
        int rc = 0;

        if (!json_is_object(js) || depth > 200)
                return 0;
        id = json_object_get(js, "$id");
        if (json_is_string(id) && !json_object_get(js, "$ref")) {
                char *u = events__uri_resolve(base, json_string_value(id));
                if (!u || res_add(set, u, js, base))
                        return -1;
        }
        if (!(here = base_of(js, base)))
                return -1;
        for (size_t i = 0; i < COUNT(kw_schema) && !rc; i++)
                rc = index_schema(set, json_object_get(js, kw_schema[i]), here,
                                  depth + 1);
        for (size_t i = 0; i < COUNT(kw_array) && !rc; i++) {
                size_t j;
                v = json_object_get(js, kw_array[i]);
                if (json_is_array(v))
                        json_array_foreach(v, j, id) {
                                if ((rc = index_schema(set, id, here,
                                                       depth + 1)))
                                        break;
                        }
        }
        for (size_t i = 0; i < COUNT(kw_map) && !rc; i++) {
                v = json_object_get(js, kw_map[i]);
                if (json_is_object(v))
                        json_object_foreach((json_t *)v, key, id) {
                                if ((rc = index_schema(set, id, here,
                                                       depth + 1)))
                                        break;
                        }
        }
        free(here);
        return rc;
}

events_err_t events__schema_set_add(events__schema_set_t *set, const char *uri,
                                    const json_t *doc, events_error_t *err) {
        json_t *copy;
        char *u;

        if (!set || !doc)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (!json_is_object(doc) && !json_is_boolean(doc))
                return events__error_set(err, EVENTS_ERR_SCHEMA,
                                         "a schema must be an object or a "
                                         "boolean");
        if (!(copy = json_deep_copy(doc)))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        if (json_array_append_new(set->docs, copy))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        if (!(u = events__uri_resolve("", uri ? uri : "")) ||
            res_add(set, u, copy, uri) || index_schema(set, copy, uri, 0))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        return EVENTS_OK;
}

/* ------------------------------------------------------------ compile */

typedef struct cctx_s {
        events__schema_set_t *set;
        events_error_t *err;
        events_err_t rc;
        char loc[EVENTS_ERROR_POINTER_LENGTH]; /* where in the schema */
        size_t loc_len;
        int depth;
} cctx_t;

static sch_node_t *compile(cctx_t *c, const json_t *js, const char *base);

static sch_node_t *fail(cctx_t *c, events_err_t rc, const char *what) {
        if (c->rc == EVENTS_OK) {
                c->rc = rc;
                events__error_set(c->err, rc, "%s", what);
                events__error_set_pointer(c->err, c->loc);
        }
        return NULL;
}

static size_t loc_push(cctx_t *c, const char *key) {
        size_t saved = c->loc_len;
        size_t room = sizeof(c->loc) - 1;

        if (c->loc_len < room)
                c->loc[c->loc_len++] = '/';
        for (const char *k = key; *k && c->loc_len < room; k++) {
                if ((*k == '~' || *k == '/') && c->loc_len + 1 < room) {
                        c->loc[c->loc_len++] = '~';
                        c->loc[c->loc_len++] = *k == '~' ? '0' : '1';
                } else {
                        c->loc[c->loc_len++] = *k;
                }
        }
        c->loc[c->loc_len] = '\0';
        return saved;
}

static void loc_pop(cctx_t *c, size_t saved) {
        c->loc_len = saved;
        c->loc[saved] = '\0';
}

/* Compile the subschema at js[key]. */
static sch_node_t *compile_at(cctx_t *c, const json_t *v, const char *key,
                              const char *base) {
        size_t saved = loc_push(c, key);
        sch_node_t *n = compile(c, v, base);
        loc_pop(c, saved);
        return n;
}

static sch_node_t **compile_list(cctx_t *c, const json_t *v, const char *key,
                                 const char *base, size_t *np,
                                 int allow_empty) {
        sch_node_t **list;
        size_t saved, i;
        const json_t *item;
        char idx[32];

        saved = loc_push(c, key);
        if (!json_is_array(v) || (!allow_empty && json_array_size(v) == 0)) {
                fail(c, EVENTS_ERR_SCHEMA,
                     allow_empty ? "must be an array of schemas"
                                 : "must be a non-empty array of schemas");
                loc_pop(c, saved);
                return NULL;
        }
        if (!(list = calloc(json_array_size(v) + 1, sizeof(*list)))) {
                fail(c, EVENTS_ERR_NOMEM, "out of memory");
                loc_pop(c, saved);
                return NULL;
        }
        json_array_foreach(v, i, item) {
                snprintf(idx, sizeof(idx), "%zu", i);
                if (!(list[i] = compile_at(c, item, idx, base))) {
                        free(list);
                        loc_pop(c, saved);
                        return NULL;
                }
        }
        *np = json_array_size(v);
        loc_pop(c, saved);
        return list;
}

static int get_count(cctx_t *c, const json_t *js, const char *key,
                     long long *out) {
        const json_t *v = json_object_get(js, key);
        double d;

        *out = -1;
        if (!v)
                return 0;
        if (json_is_integer(v) && json_integer_value(v) >= 0) {
                *out = json_integer_value(v);
                return 0;
        }
        d = json_is_real(v) ? json_real_value(v) : -1;
        /* In range before the cast: converting a double past long long's
         * range is undefined (the fuzzer found "maxLength": 5e212). */
        if (d >= 0 && d < 9e18 && d == (double)(long long)d) {
                *out = (long long)d;
                return 0;
        }
        {
                size_t saved = loc_push(c, key);
                fail(c, EVENTS_ERR_SCHEMA, "must be a non-negative integer");
                loc_pop(c, saved);
        }
        return -1;
}

/* A schema value as short text for failure messages. */
static int value_text(cctx_t *c, const json_t *v, char **out, size_t max) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

        if (!s) {
                fail(c, EVENTS_ERR_NOMEM, "out of memory");
                return -1;
        }
        if (strlen(s) > max)
                memcpy(s + max - 3, "...", 4);
        *out = s;
        return 0;
}

/* n->enum_str when every value of n's "enum" is a string: the lite
 * validator compares bytes instead of asking jansson. The strings are the
 * enum array's, which the node holds. */
static int enum_strings(cctx_t *c, sch_node_t *n) {
        size_t i, k = json_array_size(n->enum_values);
        const json_t *v;

        json_array_foreach(n->enum_values, i, v) {
                if (!json_is_string(v))
                        return 0;
        }
        if (!k)
                return 0;
        if (!(n->enum_str = calloc(k, sizeof(*n->enum_str)))) {
                fail(c, EVENTS_ERR_NOMEM, "out of memory");
                return -1;
        }
        json_array_foreach(n->enum_values, i, v) {
                n->enum_str[i].s = json_string_value(v);
                n->enum_str[i].len = json_string_length(v);
        }
        n->n_enum_str = k;
        return 0;
}

static int get_number(cctx_t *c, const json_t *js, const char *key,
                      json_t **out, unsigned bit, int tx, sch_node_t *n) {
        json_t *v = json_object_get(js, key);
        if (!v)
                return 0;
        if (!json_is_number(v)) {
                size_t saved = loc_push(c, key);
                fail(c, EVENTS_ERR_SCHEMA, "must be a number");
                loc_pop(c, saved);
                return -1;
        }
        if (bit == SCH_K_MULTIPLE_OF && json_number_value(v) <= 0) {
                size_t saved = loc_push(c, key);
                fail(c, EVENTS_ERR_SCHEMA, "must be greater than 0");
                loc_pop(c, saved);
                return -1;
        }
        *out = json_incref(v);
        n->keys |= bit;
        return value_text(c, v, &n->text[tx], 64);
}

static unsigned type_bit(const char *t) {
        static const struct {
                const char *name;
                unsigned bit;
        } types[] = {{"null", SCH_T_NULL},      {"boolean", SCH_T_BOOLEAN},
                     {"object", SCH_T_OBJECT},  {"array", SCH_T_ARRAY},
                     {"number", SCH_T_NUMBER},  {"string", SCH_T_STRING},
                     {"integer", SCH_T_INTEGER}};
        for (size_t i = 0; i < COUNT(types); i++)
                if (!strcmp(types[i].name, t))
                        return types[i].bit;
        return 0;
}

static char **string_list(cctx_t *c, const json_t *v, const char *key,
                          size_t *np) {
        char **list;
        size_t i;
        const json_t *item;
        size_t saved = loc_push(c, key);

        if (!json_is_array(v)) {
                fail(c, EVENTS_ERR_SCHEMA, "must be an array of strings");
                loc_pop(c, saved);
                return NULL;
        }
        if (!(list = calloc(json_array_size(v) + 1, sizeof(*list)))) {
                fail(c, EVENTS_ERR_NOMEM, "out of memory");
                loc_pop(c, saved);
                return NULL;
        }
        json_array_foreach(v, i, item) {
                if (!json_is_string(item)) {
                        fail(c, EVENTS_ERR_SCHEMA,
                             "must be an array of strings");
                        break;
                }
                if (!(list[i] = strdup(json_string_value(item)))) {
                        fail(c, EVENTS_ERR_NOMEM, "out of memory");
                        break;
                }
        }
        loc_pop(c, saved);
        if (c->rc) {
                for (size_t j = 0; j < json_array_size(v); j++)
                        free(list[j]);
                free(list);
                return NULL;
        }
        *np = json_array_size(v);
        return list;
}

static int compile_regex(cctx_t *c, sch_regex_t *re, const char *src,
                         size_t len) {
        char why[160], text[EVENTS_ERROR_TEXT_LENGTH];
        int rc = events__regex_compile(re, src, len, why, sizeof(why));
        if (rc) {
                snprintf(text, sizeof(text),
                         "not an ECMA-262 regular expression: %s", why);
                fail(c, (events_err_t)rc, text);
                return -1;
        }
        return 0;
}

/* Find the JSON value a "$ref" names, and the base URI in force there. */
static const json_t *resolve_ref(cctx_t *c, const char *abs, char **basep) {
        events__schema_set_t *set = c->set;
        const resource_t *res;
        const json_t *cur;
        char *doc, *hash, *base;
        const char *frag;

        *basep = NULL;
        if (!(doc = strdup(abs)))
                return NULL;
        hash = strchr(doc, '#');
        frag = hash ? abs + (hash - doc) + 1 : "";
        if (hash)
                *hash = '\0';
        res = res_find(set, doc);
        if (!res && !set->meta_loaded &&
            (!strcmp(doc, META_URI) ||
             !strcmp(doc, "https://json-schema.org/draft-07/schema"))) {
                json_t *meta = json_loads(meta_schema_text, 0, NULL);
                set->meta_loaded = 1;
                if (meta) {
                        events__schema_set_add(set, META_URI, meta, NULL);
                        json_decref(meta);
                }
                if (strcmp(doc, META_URI)) {
                        const resource_t *m = res_find(set, META_URI);
                        char *alias = strdup(doc);
                        if (m && alias)
                                res_add(set, alias, m->node, m->outer);
                        else
                                free(alias);
                }
                res = res_find(set, doc);
        }
        if (!res && set->loader && doc[0]) {
                json_t *loaded = set->loader(doc, set->loader_opaque);
                if (loaded) {
                        events__schema_set_add(set, doc, loaded, NULL);
                        json_decref(loaded);
                        res = res_find(set, doc);
                }
        }
        if (frag[0] && frag[0] != '/') {
                /* a plain-name fragment: "$id": "#foo" */
                const resource_t *anchor = res_find(set, abs);
                cur = anchor ? anchor->node : NULL;
                free(doc);
                if (cur && !(*basep = strdup(anchor->outer)))
                        return NULL;
                return cur;
        }
        if (!res) {
                free(doc);
                return NULL;
        }
        cur = res->node;
        free(doc);
        if (!(base = strdup(res->outer)))
                return NULL;
        /* Walk the pointer, percent-decoded, minding the "$id"s of the
         * values it passes through (not of its target: compile() does). */
        while (cur && *frag == '/') {
                char tok[1024];
                size_t n = 0;
                frag++;
                while (*frag && *frag != '/' && n + 1 < sizeof(tok)) {
                        char ch = *frag++;
                        if (ch == '%' && isxdigit((unsigned char)frag[0]) &&
                            isxdigit((unsigned char)frag[1])) {
                                char hex[3] = {frag[0], frag[1], 0};
                                ch = (char)strtol(hex, NULL, 16);
                                frag += 2;
                        }
                        tok[n++] = ch;
                }
                tok[n] = '\0';
                if (json_is_object(cur)) {
                        char *b = base_of(cur, base);
                        free(base);
                        if (!(base = b))
                                return NULL;
                }
                /* ~1 and ~0 after percent-decoding (RFC 6901) */
                {
                        size_t r = 0, w = 0;
                        for (; r < n; r++) {
                                if (tok[r] == '~' && tok[r + 1] == '1')
                                        tok[w++] = '/', r++;
                                else if (tok[r] == '~' && tok[r + 1] == '0')
                                        tok[w++] = '~', r++;
                                else
                                        tok[w++] = tok[r];
                        }
                        tok[w] = '\0';
                }
                if (json_is_object(cur)) {
                        cur = json_object_get(cur, tok);
                } else if (json_is_array(cur)) {
                        char *end;
                        unsigned long idx = strtoul(tok, &end, 10);
                        cur = (*tok && !*end) ? json_array_get(cur, idx) : NULL;
                } else {
                        cur = NULL;
                }
        }
        if (!cur) {
                free(base);
                return NULL;
        }
        *basep = base;
        return cur;
}

static sch_node_t *new_node(cctx_t *c, const json_t *js) {
        events__schema_set_t *set = c->set;
        sch_node_t *n = calloc(1, sizeof(*n));

        if (!n)
                return fail(c, EVENTS_ERR_NOMEM, "out of memory");
        if (set->n_nodes == set->cap_nodes) {
                size_t cap = set->cap_nodes ? set->cap_nodes * 2 : 64;
                sch_node_t **v = realloc(set->nodes, cap * sizeof(*v));
                if (!v) {
                        free(n);
                        return fail(c, EVENTS_ERR_NOMEM, "out of memory");
                }
                set->nodes = v;
                set->cap_nodes = cap;
        }
        set->nodes[set->n_nodes++] = n;
        if (memo_put(set, js, n))
                return fail(c, EVENTS_ERR_NOMEM, "out of memory");
        n->boolean = -1;
        n->max_length = n->min_length = -1;
        n->max_items = n->min_items = -1;
        n->max_properties = n->min_properties = -1;
        return n;
}

static int compile_ref(cctx_t *c, sch_node_t *n, const json_t *ref,
                       const char *base) {
        char *abs, *tbase = NULL, text[EVENTS_ERROR_TEXT_LENGTH];
        const json_t *target;
        size_t saved;

        saved = loc_push(c, "$ref");
        if (!json_is_string(ref)) {
                fail(c, EVENTS_ERR_SCHEMA, "must be a string");
                loc_pop(c, saved);
                return -1;
        }
        if (!(abs = events__uri_resolve(base, json_string_value(ref)))) {
                fail(c, EVENTS_ERR_NOMEM, "out of memory");
                loc_pop(c, saved);
                return -1;
        }
        target = resolve_ref(c, abs, &tbase);
        if (!target) {
                snprintf(text, sizeof(text), "unresolvable reference \"%s\"",
                         json_string_value(ref));
                fail(c, EVENTS_ERR_SCHEMA, text);
                free(abs);
                loc_pop(c, saved);
                return -1;
        }
        n->ref = compile(c, target, tbase);
        free(tbase);
        free(abs);
        loc_pop(c, saved);
        return n->ref ? 0 : -1;
}

static int compile_object_kws(cctx_t *c, sch_node_t *n, const json_t *js,
                              const char *base) {
        const json_t *v, *s;
        const char *key;
        size_t i;

        if (get_count(c, js, "maxProperties", &n->max_properties) ||
            get_count(c, js, "minProperties", &n->min_properties))
                return -1;
        if ((v = json_object_get(js, "required")) &&
            !(n->required = string_list(c, v, "required", &n->n_required)))
                return -1;
        if ((v = json_object_get(js, "properties"))) {
                size_t saved = loc_push(c, "properties");
                if (!json_is_object(v)) {
                        fail(c, EVENTS_ERR_SCHEMA,
                             "must be an object of schemas");
                        return -1;
                }
                if (!(n->props = calloc(json_object_size(v) + 1,
                                        sizeof(*n->props)))) {
                        fail(c, EVENTS_ERR_NOMEM, "out of memory");
                        return -1;
                }
                json_object_foreach((json_t *)v, key, s) {
                        sch_prop_t *p = &n->props[n->n_props];
                        if (!(p->name = strdup(key))) {
                                fail(c, EVENTS_ERR_NOMEM, "out of memory");
                                return -1;
                        }
                        p->len = strlen(key);
                        n->n_props++;
                        if (!(p->schema = compile_at(c, s, key, base)))
                                return -1;
                }
                loc_pop(c, saved);
        }
        if ((v = json_object_get(js, "patternProperties"))) {
                size_t saved = loc_push(c, "patternProperties");
                if (!json_is_object(v)) {
                        fail(c, EVENTS_ERR_SCHEMA,
                             "must be an object of schemas");
                        return -1;
                }
                if (!(n->pprops = calloc(json_object_size(v) + 1,
                                         sizeof(*n->pprops)))) {
                        fail(c, EVENTS_ERR_NOMEM, "out of memory");
                        return -1;
                }
                json_object_foreach((json_t *)v, key, s) {
                        sch_pprop_t *p = &n->pprops[n->n_pprops];
                        size_t sv = loc_push(c, key);
                        if (compile_regex(c, &p->re, key, strlen(key)))
                                return -1;
                        n->n_pprops++;
                        loc_pop(c, sv);
                        if (!(p->schema = compile_at(c, s, key, base)))
                                return -1;
                }
                loc_pop(c, saved);
        }
        if ((v = json_object_get(js, "additionalProperties")) &&
            !(n->additional_properties =
                      compile_at(c, v, "additionalProperties", base)))
                return -1;
        if ((v = json_object_get(js, "propertyNames")) &&
            !(n->property_names = compile_at(c, v, "propertyNames", base)))
                return -1;
        if ((v = json_object_get(js, "dependencies"))) {
                size_t saved = loc_push(c, "dependencies");
                if (!json_is_object(v)) {
                        fail(c, EVENTS_ERR_SCHEMA, "must be an object");
                        return -1;
                }
                if (!(n->deps = calloc(json_object_size(v) + 1,
                                       sizeof(*n->deps)))) {
                        fail(c, EVENTS_ERR_NOMEM, "out of memory");
                        return -1;
                }
                json_object_foreach((json_t *)v, key, s) {
                        sch_dep_t *d = &n->deps[n->n_deps];
                        if (!(d->name = strdup(key))) {
                                fail(c, EVENTS_ERR_NOMEM, "out of memory");
                                return -1;
                        }
                        n->n_deps++;
                        if (json_is_array(s)) {
                                if (!(d->names = string_list(c, s, key,
                                                             &d->n_names)))
                                        return -1;
                        } else if (!(d->schema = compile_at(c, s, key, base))) {
                                return -1;
                        }
                }
                loc_pop(c, saved);
        }
        /* On the yes/no path, required names found among the properties
         * are checked from the key walk, without a hash lookup each. */
        if (n->n_required && n->n_props && n->n_props <= 64) {
                if (!(n->required_prop = calloc(n->n_required, sizeof(int)))) {
                        fail(c, EVENTS_ERR_NOMEM, "out of memory");
                        return -1;
                }
                n->required_by_props = 1;
                for (i = 0; i < n->n_required; i++) {
                        size_t p;
                        for (p = 0; p < n->n_props; p++)
                                if (!strcmp(n->props[p].name, n->required[i]))
                                        break;
                        if (p == n->n_props)
                                n->required_by_props = 0;
                        n->required_prop[i] = (int)p;
                }
        }
        return 0;
}

static int compile_keywords(cctx_t *c, sch_node_t *n, const json_t *js,
                            const char *base) {
        const json_t *v;
        size_t i;

        if ((v = json_object_get(js, "type"))) {
                size_t saved = loc_push(c, "type");
                const json_t *t;
                if (json_is_string(v)) {
                        n->types = type_bit(json_string_value(v));
                        if (!n->types) {
                                char text[EVENTS_ERROR_TEXT_LENGTH];
                                snprintf(text, sizeof(text),
                                         "unknown type \"%.64s\"",
                                         json_string_value(v));
                                fail(c, EVENTS_ERR_SCHEMA, text);
                                return -1;
                        }
                } else if (json_is_array(v)) {
                        json_array_foreach(v, i, t) {
                                unsigned bit =
                                        json_is_string(t)
                                                ? type_bit(json_string_value(t))
                                                : 0;
                                if (!bit) {
                                        fail(c, EVENTS_ERR_SCHEMA,
                                             "unknown type");
                                        return -1;
                                }
                                n->types |= bit;
                        }
                        if (!n->types) /* "type": [] allows nothing */
                                n->boolean = 0;
                } else {
                        fail(c, EVENTS_ERR_SCHEMA,
                             "must be a type name or an array of them");
                        return -1;
                }
                /* "number" covers "integer" */
                if (n->types & SCH_T_NUMBER)
                        n->types |= SCH_T_INTEGER;
                loc_pop(c, saved);
        }
        if ((v = json_object_get(js, "enum"))) {
                if (!json_is_array(v)) {
                        size_t saved = loc_push(c, "enum");
                        fail(c, EVENTS_ERR_SCHEMA, "must be an array");
                        loc_pop(c, saved);
                        return -1;
                }
                n->enum_values = json_incref((json_t *)v);
                if (value_text(c, v, &n->text[SCH_TX_ENUM], 160) ||
                    enum_strings(c, n))
                        return -1;
        }
        if ((v = json_object_get(js, "const"))) {
                n->const_value = json_incref((json_t *)v);
                n->keys |= SCH_K_CONST;
                if (json_is_string(v)) {
                        n->const_str.s = json_string_value(v);
                        n->const_str.len = json_string_length(v);
                }
                if (value_text(c, v, &n->text[SCH_TX_CONST], 128))
                        return -1;
        }
        if (get_number(c, js, "multipleOf", &n->multiple_of, SCH_K_MULTIPLE_OF,
                       SCH_TX_MULTIPLE_OF, n) ||
            get_number(c, js, "maximum", &n->maximum, SCH_K_MAXIMUM,
                       SCH_TX_MAXIMUM, n) ||
            get_number(c, js, "exclusiveMaximum", &n->excl_maximum,
                       SCH_K_EXCL_MAXIMUM, SCH_TX_EXCL_MAXIMUM, n) ||
            get_number(c, js, "minimum", &n->minimum, SCH_K_MINIMUM,
                       SCH_TX_MINIMUM, n) ||
            get_number(c, js, "exclusiveMinimum", &n->excl_minimum,
                       SCH_K_EXCL_MINIMUM, SCH_TX_EXCL_MINIMUM, n))
                return -1;
        if (get_count(c, js, "maxLength", &n->max_length) ||
            get_count(c, js, "minLength", &n->min_length))
                return -1;
        if ((v = json_object_get(js, "pattern"))) {
                size_t saved = loc_push(c, "pattern");
                if (!json_is_string(v)) {
                        fail(c, EVENTS_ERR_SCHEMA, "must be a string");
                        return -1;
                }
                if (compile_regex(c, &n->pattern, json_string_value(v),
                                  json_string_length(v)))
                        return -1;
                loc_pop(c, saved);
        }
        if ((v = json_object_get(js, "format"))) {
                if (!json_is_string(v)) {
                        size_t saved = loc_push(c, "format");
                        fail(c, EVENTS_ERR_SCHEMA, "must be a string");
                        loc_pop(c, saved);
                        return -1;
                }
                n->format = events__format_lookup(json_string_value(v));
                n->format_name = json_string_value(v); /* lives in the set */
        }

        if ((v = json_object_get(js, "items"))) {
                if (json_is_array(v)) {
                        if (!(n->items_array =
                                      compile_list(c, v, "items", base,
                                                   &n->n_items_array, 1)))
                                return -1;
                } else if (!(n->items = compile_at(c, v, "items", base))) {
                        return -1;
                }
        }
        if ((v = json_object_get(js, "additionalItems")) &&
            !(n->additional_items = compile_at(c, v, "additionalItems", base)))
                return -1;
        if (get_count(c, js, "maxItems", &n->max_items) ||
            get_count(c, js, "minItems", &n->min_items))
                return -1;
        if ((v = json_object_get(js, "uniqueItems"))) {
                if (!json_is_boolean(v)) {
                        size_t saved = loc_push(c, "uniqueItems");
                        fail(c, EVENTS_ERR_SCHEMA, "must be a boolean");
                        loc_pop(c, saved);
                        return -1;
                }
                if (json_is_true(v))
                        n->keys |= SCH_K_UNIQUE_ITEMS;
        }
        if ((v = json_object_get(js, "contains")) &&
            !(n->contains = compile_at(c, v, "contains", base)))
                return -1;

        if (compile_object_kws(c, n, js, base))
                return -1;

        if ((v = json_object_get(js, "if"))) {
                if (!(n->if_ = compile_at(c, v, "if", base)))
                        return -1;
                if ((v = json_object_get(js, "then")) &&
                    !(n->then_ = compile_at(c, v, "then", base)))
                        return -1;
                if ((v = json_object_get(js, "else")) &&
                    !(n->else_ = compile_at(c, v, "else", base)))
                        return -1;
        }
        if ((v = json_object_get(js, "allOf")) &&
            !(n->all_of = compile_list(c, v, "allOf", base, &n->n_all_of, 0)))
                return -1;
        if ((v = json_object_get(js, "anyOf")) &&
            !(n->any_of = compile_list(c, v, "anyOf", base, &n->n_any_of, 0)))
                return -1;
        if ((v = json_object_get(js, "oneOf")) &&
            !(n->one_of = compile_list(c, v, "oneOf", base, &n->n_one_of, 0)))
                return -1;
        if ((v = json_object_get(js, "not")) &&
            !(n->not_ = compile_at(c, v, "not", base)))
                return -1;
        /* Definitions are compiled even when nothing refers to them yet,
         * so that a mistake in one shows when the file is loaded. */
        if ((v = json_object_get(js, "definitions"))) {
                const char *key;
                const json_t *d;
                size_t saved = loc_push(c, "definitions");
                if (!json_is_object(v)) {
                        fail(c, EVENTS_ERR_SCHEMA,
                             "must be an object of schemas");
                        return -1;
                }
                json_object_foreach((json_t *)v, key, d) {
                        if (!compile_at(c, d, key, base))
                                return -1;
                }
                loc_pop(c, saved);
        }
        return 0;
}

static sch_node_t *compile(cctx_t *c, const json_t *js, const char *base) {
        sch_node_t *n;
        const json_t *ref;
        char *here;
        int rc;

        if ((n = memo_get(c->set, js)))
                return n;
        if (!json_is_object(js) && !json_is_boolean(js))
                return fail(c, EVENTS_ERR_SCHEMA,
                            "a schema must be an object or a boolean");
        if (c->depth > 200)
                return fail(c, EVENTS_ERR_SCHEMA, "schema nested too deeply");
        if (!(n = new_node(c, js)))
                return NULL;
        if (json_is_boolean(js)) {
                n->boolean = json_is_true(js);
                return n;
        }
        c->depth++;
        /* In draft-07 a "$ref" hides every keyword beside it. */
        if ((ref = json_object_get(js, "$ref"))) {
                rc = compile_ref(c, n, ref, base);
        } else if (!(here = base_of(js, base))) {
                rc = -1;
                fail(c, EVENTS_ERR_NOMEM, "out of memory");
        } else {
                rc = compile_keywords(c, n, js, here);
                free(here);
                if (!rc)
                        events__lite_prepare(n);
        }
        c->depth--;
        return rc ? NULL : n;
}

events_err_t events__schema_set_compile(events__schema_set_t *set,
                                        const char *uri, sch_node_t **rootp,
                                        events_error_t *err) {
        cctx_t c;
        const resource_t *res;
        char *u = events__uri_resolve("", uri ? uri : "");

        if (!u)
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        res = res_find(set, u);
        free(u);
        if (!res)
                return events__error_set(err, EVENTS_ERR_NOT_FOUND,
                                         "no document \"%s\"", uri);
        memset(&c, 0, sizeof(c));
        c.set = set;
        c.err = err;
        *rootp = compile(&c, res->node, uri ? uri : "");
        if (!*rootp)
                return c.rc ? c.rc : EVENTS_ERR_SCHEMA;
        return EVENTS_OK;
}

events_err_t events__schema_compile_ex(events_schema_t **sp, const json_t *doc,
                                       const char *base_uri,
                                       events__schema_loader_cb loader,
                                       void *opaque, events_error_t *err) {
        events_schema_t *s;
        events_err_t rc;

        if (!sp || !doc)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        *sp = NULL;
        if (!(s = calloc(1, sizeof(*s))) ||
            !(s->set = events__schema_set_new())) {
                free(s);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        s->owns_set = 1;
        events__schema_set_loader(s->set, loader, opaque);
        if ((rc = events__schema_set_add(s->set, base_uri, doc, err)) ||
            (rc = events__schema_set_compile(s->set, base_uri, &s->root,
                                             err))) {
                events_schema_destroy(s);
                return rc;
        }
        *sp = s;
        return EVENTS_OK;
}

events_err_t events_schema_compile(events_schema_t **sp, const json_t *doc,
                                   events_error_t *err) {
        return events__schema_compile_ex(sp, doc, NULL, NULL, NULL, err);
}

void events_schema_destroy(events_schema_t *s) {
        if (!s)
                return;
        if (s->owns_set)
                events__schema_set_destroy(s->set);
        free(s);
}
