/*
 * schema_int.h - the compiled form of JSON Schemas, shared by the compiler
 * (schema_compile.c), the validator (schema_validate.c), the formats
 * (schema_format.c), the ECMA-262 regular expressions (schema_regex.c) and
 * the registry (registry.c).
 *
 * A schema set owns every document it was given (deep copies), every
 * compiled node and every compiled regular expression. Schemas are roots
 * into a set: events_schema_compile() makes a set of its own, a registry
 * shares one set among all its schemas so that "$ref"s between files
 * resolve. Once compiled, nothing in a set changes, so many threads may
 * validate with it at once.
 */
#ifndef EVENTS_SCHEMA_INT_H
#define EVENTS_SCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stddef.h>
#include <stdint.h>

#include "events_int.h"

/* Type bits of the "type" keyword. "integer" is a subset of "number". */
enum {
        SCH_T_NULL = 1 << 0,
        SCH_T_BOOLEAN = 1 << 1,
        SCH_T_OBJECT = 1 << 2,
        SCH_T_ARRAY = 1 << 3,
        SCH_T_NUMBER = 1 << 4,
        SCH_T_STRING = 1 << 5,
        SCH_T_INTEGER = 1 << 6
};

/* The formats we check; others are annotations only, as draft-07 allows. */
typedef enum sch_format_e {
        SCH_F_NONE = 0,
        SCH_F_DATE_TIME,
        SCH_F_DATE,
        SCH_F_TIME,
        SCH_F_EMAIL,
        SCH_F_IDN_EMAIL,
        SCH_F_HOSTNAME,
        SCH_F_IPV4,
        SCH_F_IPV6,
        SCH_F_URI,
        SCH_F_URI_REFERENCE,
        SCH_F_IRI,
        SCH_F_IRI_REFERENCE,
        SCH_F_UUID,
        SCH_F_JSON_POINTER,
        SCH_F_RELATIVE_JSON_POINTER,
        SCH_F_REGEX,
        SCH_F_URI_TEMPLATE
} sch_format_t;

typedef struct sch_node_s sch_node_t;

/* Values quoted by failure messages, written once at compile time (also
 * because jansson's json_dumps() is not documented as safe on a value
 * other threads read). */
enum {
        SCH_TX_MULTIPLE_OF,
        SCH_TX_MAXIMUM,
        SCH_TX_EXCL_MAXIMUM,
        SCH_TX_MINIMUM,
        SCH_TX_EXCL_MINIMUM,
        SCH_TX_ENUM,
        SCH_TX_CONST,
        SCH_TX__COUNT
};

/* A number of the schema (multipleOf and the bounds) as the validator
 * compares an instance with it: taken from its jansson value once, when the
 * node is prepared (events__schema_num()), so that no comparison calls into
 * jansson. */
typedef struct sch_num_s {
        long double ld; /* its value, as num_value() reads it */
        double d;       /* json_number_value() */
        json_int_t i;   /* its integer, when is_int */
        int is_int;     /* a JSON integer (not a real) */
} sch_num_t;

/* sch_node_t.scalar, filled by events__lite_prepare() with n->lite. */
enum {
        /* Nothing but type, enum, const, the numeric and the string
         * keywords, and keywords only arrays or objects have: for a
         * scalar, v_run() reduces to the type, v_values() and v_number()
         * or v_string()
         * (schema_validate.c, v_scalar()). A positive list, as keys_only()
         * is (lite_validate.c): any other field set clears it. */
        SCH_S_LEAN = 1 << 0,
        /* Has maxLength, minLength, pattern or format: v_string() runs. */
        SCH_S_STRING = 1 << 1,
        /* SCH_S_LEAN but for an "anyOf" whose schemas are all SCH_S_LEAN
         * ("anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]): a scalar
         * that passes v_scalar() passes when it passes one of them
         * (schema_validate.c, v_node()). */
        SCH_S_ANY_LEAN = 1 << 2,
        /* Has "enum" or "const": v_values() runs (v_scalar() too; they
         * are on SCH_S_LEAN's list). */
        SCH_S_VALUES = 1 << 3
};

typedef struct sch_regex_s {
        pcre2_code *code;
        char *source; /* as written in the schema, for messages */
        /* Patterns such as "^[A-Z]{2}$" or "^x_[a-z0-9_]{1,64}$", the
         * commonest in event schemas, run as byte tables instead of a
         * PCRE2 call: anchored, ASCII, every part a fixed count except
         * the last. n_seg is 0 for every other pattern. */
        size_t n_seg;
        struct sch_seg_s {
                unsigned char set[32]; /* a bit per byte value */
                size_t min, max;
        } seg[8];
        uint64_t id; /* never reused: keys the verdicts remembered */
} sch_regex_t;

typedef struct sch_prop_s {
        char *name;
        size_t len;
        sch_node_t *schema;
} sch_prop_t;

typedef struct sch_pprop_s {
        sch_regex_t re;
        sch_node_t *schema;
} sch_pprop_t;

typedef struct sch_dep_s {
        char *name;
        sch_node_t *schema; /* schema dependency, or NULL */
        char **names;       /* property dependency */
        size_t n_names;
} sch_dep_t;

/* Which optional keywords a node has. */
enum {
        SCH_K_MULTIPLE_OF = 1 << 0,
        SCH_K_MAXIMUM = 1 << 1,
        SCH_K_EXCL_MAXIMUM = 1 << 2,
        SCH_K_MINIMUM = 1 << 3,
        SCH_K_EXCL_MINIMUM = 1 << 4,
        SCH_K_CONST = 1 << 5,
        SCH_K_UNIQUE_ITEMS = 1 << 6,
        SCH_K_NUMERIC = SCH_K_MULTIPLE_OF | SCH_K_MAXIMUM | SCH_K_EXCL_MAXIMUM |
                        SCH_K_MINIMUM | SCH_K_EXCL_MINIMUM
};

struct sch_node_s {
        int boolean; /* -1: an object schema; 0: false; 1: true */
        unsigned keys;
        sch_node_t *ref; /* "$ref": every sibling keyword is ignored */

        unsigned types; /* 0: no "type" keyword */
        json_t *enum_values;
        /* "enum" when every value is a string: their bytes (lite_validate.c) */
        struct sch_enum_str_s {
                const char *s;
                size_t len;
        } * enum_str;
        size_t n_enum_str;
        json_t *const_value;
        /* "const" when it is a string: its bytes (derived, as enum_str) */
        struct sch_enum_str_s const_str;

        json_t *multiple_of, *maximum, *excl_maximum, *minimum, *excl_minimum;

        long long max_length, min_length; /* -1: absent */
        sch_regex_t pattern;
        sch_format_t format;
        const char *format_name;

        sch_node_t *items;        /* "items" as one schema */
        sch_node_t **items_array; /* "items" as an array */
        size_t n_items_array;
        sch_node_t *additional_items;
        long long max_items, min_items;
        sch_node_t *contains;

        long long max_properties, min_properties;
        char **required;
        size_t n_required;
        int *required_prop;    /* index into props for each required name */
        int required_by_props; /* every required name is in props (<= 64) */
        sch_prop_t *props;
        size_t n_props;
        sch_pprop_t *pprops;
        size_t n_pprops;
        sch_node_t *additional_properties;
        sch_dep_t *deps;
        size_t n_deps;
        sch_node_t *property_names;

        sch_node_t *if_, *then_, *else_;
        sch_node_t **all_of, **any_of, **one_of;
        size_t n_all_of, n_any_of, n_one_of;
        sch_node_t *not_;

        char *text[SCH_TX__COUNT];
        /* multipleOf and the bounds as numbers, indexed like text (up to
         * SCH_TX_EXCL_MINIMUM); filled with lite (events__lite_prepare()). */
        sch_num_t num[SCH_TX_EXCL_MINIMUM + 1];
        unsigned scalar; /* SCH_S_*, 0 until events__lite_prepare() ran */

        /* Which keyword groups the node has, for the producer's lite
         * validator (lite_validate.c); 0 until events__lite_prepare() ran. */
        unsigned lite;
};

/** Fill @p n->lite once @p n is compiled (lite_validate.c). */
void events__lite_prepare(sch_node_t *n);

/* Fetches a document that a "$ref" names but the set does not hold. */
typedef json_t *(*events__schema_loader_cb)(const char *uri, void *opaque);

typedef struct events__schema_set_s events__schema_set_t;

struct events_schema_s {
        events__schema_set_t *set;
        sch_node_t *root;
        int owns_set;
};

events__schema_set_t *events__schema_set_new(void);
void events__schema_set_destroy(events__schema_set_t *set);

/**
 * Make documents that "$ref"s name but no added document holds come from
 * @p cb (which returns a new reference, or NULL). Used by the conformance
 * runner to serve the test suite's remotes/ folder.
 */
void events__schema_set_loader(events__schema_set_t *set,
                               events__schema_loader_cb cb, void *opaque);

/**
 * Add a document to @p set under @p uri (may be "" or NULL), indexing its
 * "$id"s; nothing is compiled yet. The set keeps a deep copy.
 */
events_err_t events__schema_set_add(events__schema_set_t *set, const char *uri,
                                    const json_t *doc, events_error_t *err);

/**
 * Compile the document added under @p uri; @p *rootp is owned by the set.
 */
events_err_t events__schema_set_compile(events__schema_set_t *set,
                                        const char *uri, sch_node_t **rootp,
                                        events_error_t *err);

/**
 * Compile @p doc with @p loader for unknown documents (NULL for none).
 * @p base_uri may be NULL.
 */
events_err_t events__schema_compile_ex(events_schema_t **sp, const json_t *doc,
                                       const char *base_uri,
                                       events__schema_loader_cb loader,
                                       void *opaque, events_error_t *err);

/**
 * Validate @p instance; failures get JSON pointers that start with
 * @p prefix (e.g. "/data"; "" or NULL for the root).
 */
events_err_t events__schema_validate_at(const events_schema_t *s,
                                        const json_t *instance,
                                        const char *prefix,
                                        events_report_t *report);

/**
 * Add a failure to @p report (may be NULL) outside a validation.
 * @p keyword must be a static string.
 */
/* Keep one failure in @p r; takes @p pointer (malloc'd, may be NULL on
 * allocation failure). @returns 0 when kept, 1 when the report is full or
 * memory ran out (the report is then marked truncated). schema_report.c */
int events__report_push(events_report_t *r, char *pointer, const char *keyword,
                        const char *msg);
/* 1 (and the report marked truncated) when @p r holds all it may. */
int events__report_full(events_report_t *r);
void events__report_add(events_report_t *report, const char *pointer,
                        const char *keyword, const char *fmt, ...)
        EVENTS__PRINTF(4, 5);

/**
 * events_registry_validate() on parts: the envelope as JSON (may be NULL:
 * not checked), the type and the data object.
 */
events_err_t events__registry_validate_json(const events_registry_t *r,
                                            const char *event_type,
                                            const json_t *envelope,
                                            const json_t *data,
                                            events_report_t *report);

/** Resolve @p ref against @p base (RFC 3986 section 5); malloc'd. */
char *events__uri_resolve(const char *base, const char *ref);

/* ECMA-262 regular expressions on PCRE2 (schema_regex.c). */

/* What one validation needs to run regular expressions: PCRE2 match data,
 * allocated from a small arena inside the validation's own context (on
 * its stack) rather than from the heap, once per validation. */
typedef struct sch_matcher_s {
        pcre2_general_context *gc;
        pcre2_match_data *md;
        size_t used;
        union {
                max_align_t align;
                unsigned char bytes[512];
        } arena;
} sch_matcher_t;

void events__matcher_init(sch_matcher_t *m);
void events__matcher_fini(sch_matcher_t *m);

int events__regex_compile(sch_regex_t *re, const char *src, size_t len,
                          char *why, size_t whysize);
void events__regex_free(sch_regex_t *re);
/** @returns 1 on a match anywhere in s, 0 on none, -1 on an engine error. */
int events__regex_search(const sch_regex_t *re, const char *s, size_t len,
                         sch_matcher_t *m);
/** @returns 1 if @p src is a valid ECMA-262 regular expression. */
int events__regex_valid(const char *src, size_t len);

/* Formats (schema_format.c). */
sch_format_t events__format_lookup(const char *name);
/** @returns 1 if @p s (of @p len bytes) is valid for @p f. */
int events__format_check(sch_format_t f, const char *s, size_t len);

/** The names of @p types (SCH_T_*) as a "type" failure words them, "string
 *  or null", into @p buf of @p size bytes (schema_report.c). */
void events__types_text(unsigned types, char *buf, size_t size);

/** Fill @p out with the number @p v (schema_values.c). */
void events__schema_num(const json_t *v, sch_num_t *out);

#endif /* EVENTS_SCHEMA_INT_H */
