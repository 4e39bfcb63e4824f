/*
 * lite_int.h - a light, read-only JSON tree for the producer's hot path
 * (lite.c), and a validator that can only say "certainly valid"
 * (lite_validate.c).
 *
 * Building jansson values (a hashtable per object, an allocation per
 * value and per key) and freeing them again was most of the producer's
 * time. The lite tree is one array of nodes that points into the input
 * bytes, reused from line to line. It takes only the simplest documents:
 * strings without escapes, objects of at most 64 members without
 * duplicate keys, limited nesting; anything else makes the parser give
 * up, and the caller takes the full path (jansson, the full validator),
 * which also produces every error report. In the same spirit
 * events__lite_validate() returns 1 only when the full validator would
 * accept the value, and 0 when it would not or when it cannot tell
 * (keywords it does not handle): 0 always means "ask the full path".
 */
#ifndef EVENTS_LITE_INT_H
#define EVENTS_LITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "event_int.h"
#include "schema_int.h"

enum {
        EVENTS__LT_NULL,
        EVENTS__LT_TRUE,
        EVENTS__LT_FALSE,
        EVENTS__LT_INT,
        EVENTS__LT_REAL,
        EVENTS__LT_STRING,
        EVENTS__LT_ARRAY,
        EVENTS__LT_OBJECT
};

/** One value. Children follow their parent in document order; a node's
 *  subtree ends at index end, where its next sibling starts. */
typedef struct events__lnode_s {
        unsigned char type;
        unsigned char is_ts; /**< a string events_timestamp_format() wrote:
                                  a valid RFC 3339 date-time */
        uint32_t klen;       /**< member key length (in an object) */
        const char *key;     /**< member key, into the input; not terminated */
        const char *s;       /**< string bytes, into the input (no escapes);
                                  an integer's text */
        size_t len;          /**< their length */
        union {
                int64_t i;
                double d;
        } num;
        uint32_t count; /**< members or items */
        uint32_t end;   /**< index past the subtree */
} events__lnode_t;

/*
 * A line's layout, remembered so that the next lines of the same layout
 * need no parse (events__lite_match()): most streams repeat a few layouts
 * in which only the values change. A layout is the line's bytes outside
 * its string and number values (the keys, the punctuation, the white
 * space, true, false and null), and the nodes the parser made of it. A
 * line matches when those bytes are the same and each value scans as the
 * parser would scan it; its tree is then the one the parser would have
 * built, so the parse's verdict and the tree are the same.
 *
 * A layout also keeps a validation plan (events__lite_plan()): what a
 * schema asks of an object (required, properties, additionalProperties,
 * sizes) depends only on its keys, which a matching line shares, so only
 * the scalar values need checking again.
 */
typedef struct events__lslot_s {
        uint32_t node; /**< the value's node */
        uint32_t lit;  /**< the bytes before it: text[lit, lit + litlen) */
        uint32_t litlen;
} events__lslot_t;

/* A plan's check: node against schema (past its "$ref"s). The common
 * schemas of scalars are decided without the general validator when the
 * value has the type the plan was made for (lite_validate.c,
 * lcheck_compile()). */
typedef struct events__lcheck_s {
        uint32_t node;
        unsigned char kind; /**< LC_FULL, LC_INT or LC_STR (lite_validate.c) */
        unsigned char str;  /**< LC_STR: the string keywords apply */
        const sch_node_t *schema;
        int64_t lo, hi; /**< LC_INT: the integers the bounds allow */
} events__lcheck_t;

typedef struct events__ltpl_s {
        char *text; /**< the line the layout was taken from */
        size_t len, text_cap;
        events__lnode_t *n; /**< its nodes; keys point into text */
        uint32_t used, n_cap;
        events__lslot_t *slot;
        uint32_t nslot, slot_cap;
        uint32_t tail; /**< text[tail, len): the bytes after the last value */
        size_t close;  /**< offset of the root's closing brace in text */
        /* The plan: lite-validate these nodes against these schemas; valid
         * for the schemas it names only. */
        int planned;
        uint32_t plan_used;     /**< the tree's nodes when it was made */
        uint64_t hits;          /**< lines that matched the layout */
        const void *plan_owner; /**< the registry it was made with */
        const void *plan_gen;   /**< and its generation (schemas) then */
        events__lcheck_t *check;
        uint32_t ncheck, check_cap;
        /* What the producer found in the layout's first line that it took
         * (producer.c, shape_lite()), valid for the same producer and
         * settings: the top-level members, the type, the key's node. */
        int shaped;
        const void *shaped_by;
        unsigned shaped_gen;
        long ti, di, tsi, key;
        char type[EVENTS_EVENT_TYPE_MAX + 1];
        size_t type_len;
} events__ltpl_t;

/* Layouts a tree remembers, most recently used first. */
#define EVENTS__LITE_LAYOUTS 4

/** A reusable tree; zero-initialize, events__lite_free() at the end. */
typedef struct events__lite_s {
        events__lnode_t *n;
        size_t used, cap;
        size_t close; /**< offset of the root object's closing brace */
        /* events__lite_timestamp()'s cache: the text up to the fraction
         * ("2026-11-27T18:05:00.") of the second ts_sec (-1: none). */
        int64_t ts_sec;
        char ts_head[EVENTS__TS_HEAD_LEN];
        events__ltpl_t *tpl[EVENTS__LITE_LAYOUTS];
        unsigned ntpl;
        /* Lines that matched no layout in a row, and lines for which no
         * layout is tried or remembered: when lines do not repeat their
         * layouts, trying costs more than it saves, so it pauses. */
        unsigned miss_run, pause;
} events__lite_t;

/**
 * Parse @p buf[0..len) into @p L (its previous tree is dropped): exactly
 * one object, with only what the lite tree takes (see above).
 * @returns 0, or -1 when the full path must parse it (which may or may
 *          not accept it).
 */
int events__lite_parse(events__lite_t *L, const char *buf, size_t len,
                       int max_depth);

/**
 * events_timestamp_format() for @p us, which repeats the date and time of
 * day of the last call's second instead of computing them again.
 * @param buf at least EVENTS_TIMESTAMP_BUFSIZE bytes.
 * @returns the length (EVENTS_TIMESTAMP_LEN), or 0 when @p us is out of
 *          range.
 */
size_t events__lite_timestamp(events__lite_t *L, int64_t us, char *buf);

/**
 * Grow the array *@p pp of *@p cap items of @p size bytes to hold at
 * least @p need (doubling); shared by the layouts (lite.c) and their plans
 * (lite_validate.c). @returns 0, or -1 (no memory; *@p pp is unchanged).
 */
int events__lite_grow(void *pp, uint32_t *cap, size_t need, size_t size);

/** Free @p L's memory (not @p L), its layouts included. */
void events__lite_free(events__lite_t *L);

/**
 * Fill @p L from @p buf[0..len) through a remembered layout, as
 * events__lite_parse() would fill it, without parsing.
 * @returns the layout (now the most recently used), or NULL when no layout
 *          matches: then events__lite_parse() must run.
 */
events__ltpl_t *events__lite_match(events__lite_t *L, const char *buf,
                                   size_t len);

/**
 * Remember the layout of @p buf, which events__lite_parse() has just
 * parsed into @p L (before anything changed the tree), in place of the
 * least recently used one.
 * @param fixed a node whose value belongs to the layout like a key (the
 *        event type, which picks the schema), or UINT32_MAX.
 * @returns the layout, or NULL (too large to be worth it, or no memory).
 */
events__ltpl_t *events__lite_remember(events__lite_t *L, const char *buf,
                                      size_t len, uint32_t fixed);

/**
 * Add to @p t's plan the checks that stand for events__lite_validate() of
 * @p schema on node @p i of @p L, a tree of @p t's layout that the
 * validator has just accepted. @returns 1, or 0 when the schema asks
 * something of an object that depends on its values (anyOf, enum on an
 * object, ...) or on no memory: then no plan can stand for it.
 */
int events__lite_plan(events__ltpl_t *t, const sch_node_t *schema,
                      const events__lite_t *L, uint32_t i);

/** Run @p t's plan on @p L: 1 when every check passes (as
 *  events__lite_validate() would answer 1), else 0. */
int events__lite_plan_check(const events__ltpl_t *t, const events__lite_t *L);

/** The member @p key of object node @p obj, or -1. */
long events__lite_get(const events__lite_t *L, uint32_t obj, const char *key,
                      size_t klen);

/**
 * Append a member @p key : string @p s (not copied) to the root object,
 * which must not have that key yet. @returns its index, or -1 (no memory).
 */
long events__lite_append_string(events__lite_t *L, const char *key,
                                const char *s, size_t len);

/**
 * @returns 1 when @p schema certainly accepts node @p i, 0 when it does
 *          not or when the lite validator cannot tell.
 */
int events__lite_validate(const sch_node_t *schema, const events__lite_t *L,
                          uint32_t i);

/**
 * events__registry_validate_json() on a lite envelope (root node 0) and
 * its data node: @returns 1 when both are certainly valid (and the type
 * known, or unknown types allowed), else 0.
 */
int events__registry_lite_validate(const events_registry_t *r,
                                   const char *event_type,
                                   const events__lite_t *L, uint32_t data);

/**
 * events__registry_lite_validate() for a tree that @p t's layout filled
 * (or NULL): through @p t's plan when it was made for these schemas, else
 * in full, and then a plan is made for the next lines.
 */
int events__registry_lite_validate_layout(const events_registry_t *r,
                                          const char *event_type,
                                          const events__lite_t *L,
                                          uint32_t data, events__ltpl_t *t);

#endif /* EVENTS_LITE_INT_H */
