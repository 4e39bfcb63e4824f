/*
 * lite_int.h - a light, read-only JSON tree for the producer's hot path
 * (lite.c), and a validator that can only say "certainly valid"
 * (lite_validate.c).
 *
 * Building jansson values (a hashtable per object, an allocation per
 * value and per key) and freeing them again was most of the producer's
 * time. The lite tree is one array of nodes that points into the input
 * bytes (strings with escapes: into the tree's buffer, unescaped), reused
 * from line to line. It takes only the simplest documents: objects of at
 * most 64 members without duplicate keys, limited nesting, strict JSON
 * strings; anything else makes the parser give
 * up, and the caller takes the full path (jansson's values, turned into
 * the same kind of tree: events__lite_from_json()). There is one
 * validator, over this tree (schema_validate.c): events__lite_validate()
 * is its first-failure mode, and the error report its other mode, so the
 * two cannot disagree on any keyword.
 */
#ifndef EVENTS_LITE_INT_H
#define EVENTS_LITE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* A value's fields after its type, s, len and num, are one run of bytes,
 * which lite.c copies in one go. */
#define EVENTS__LNODE_VALUE_BYTES                                              \
        (offsetof(events__lnode_t, num) + sizeof(int64_t) -                    \
         offsetof(events__lnode_t, s))
_Static_assert(offsetof(events__lnode_t, len) ==
                               offsetof(events__lnode_t, s) + sizeof(char *) &&
                       offsetof(events__lnode_t, num) ==
                               offsetof(events__lnode_t, len) +
                                       sizeof(size_t) &&
                       sizeof(((events__lnode_t *)0)->num) == sizeof(int64_t),
               "s, len and num are contiguous");

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

/* What a plan's check found on the line the plan was made from, so that
 * the next lines go straight to the keywords that can fail
 * (schema_validate.c, events__schema_run_checks()). */
enum {
        EVENTS__CK_NODE = 0, /**< v_node(): nothing known */
        /** a SCH_S_LEAN schema whose "type" admits the node, a string:
         * while the node is a string, its "enum" or "const" (if any) and
         * v_string() alone decide */
        EVENTS__CK_STRING,
        /** the same for an integer node and v_number() */
        EVENTS__CK_INT,
        /** a part check whose value keywords are an "if" that asks of the
         *  object's values only through "properties", and a "then" and an
         *  "else" that ask only of its keys: the check's flags hold what
         *  the keys decide, and the EVENTS__CK_IF_MEMBER checks after it
         *  the members the "if" validates (events__lite_plan_add_if()) */
        EVENTS__CK_IF,
        /** a member an EVENTS__CK_IF check validates, against the schema
         *  "properties" gives it; run by that check only */
        EVENTS__CK_IF_MEMBER
};

/* events__lcheck_t.flags of an EVENTS__CK_IF check. */
enum {
        EVENTS__CK_IF_KEYS = 1 << 0, /**< the "if" holds but for its members */
        EVENTS__CK_THEN_OK = 1 << 1, /**< "then" holds, or is absent */
        EVENTS__CK_ELSE_OK = 1 << 2  /**< "else" holds, or is absent */
};

/* A plan's check: the validator on node against schema (past its
 * "$ref"s), as it ran on the line the plan was made from. */
typedef struct events__lcheck_s {
        uint32_t node;
        unsigned char part;  /**< 1: a container's value keywords only */
        unsigned char kind;  /**< EVENTS__CK_* */
        unsigned char flags; /**< EVENTS__CK_IF_KEYS ... for EVENTS__CK_IF */
        const sch_node_t *schema;
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

/*
 * The index of a tree's layouts (lite.c): a tree of segments, the fixed
 * bytes of a layout between two of its values (or before the first, or
 * after the last). A path from the root spells a layout: a segment, a
 * value, a segment, ..., the last segment, which holds the layout. A line
 * that walks to a layout spells it exactly (every fixed byte compared,
 * every value scanned), so it matches that layout and no other. Layouts
 * that begin alike share the nodes of their common segments and values;
 * a node's children are the segments that follow its value in some
 * layout, tried in turn (the one that matched last first).
 */
typedef struct events__lidx_s {
        /* The segment's first eight bytes (fewer: zero above them) and
         * which of them it has, and its last eight (when it has eight),
         * read as lite.c reads a line's bytes (little-endian): most
         * segments a line does not spell fail on the first word, and
         * short ones are decided by these words alone (idx_match()). */
        uint64_t head, hmask, tail;
        const char *lit;      /**< the segment, in some layout's text */
        uint32_t litlen;      /**< its length */
        uint32_t node;        /**< the value after it: its node in the tree */
        uint32_t child;       /**< the first segment after that value (0:
                                   none; 0 is the root, never a child) */
        uint32_t next;        /**< the next segment after the same value */
        unsigned char vkind;  /**< the value after it: EVENTS__LT_STRING,
                                   EVENTS__LT_INT (a number), or 0 (none) */
        events__ltpl_t *leaf; /**< the layout whose lines end with it */
} events__lidx_t;

/** A value a line holds where its layout has a slot, while it is walked. */
typedef struct events__lval_s {
        uint32_t node;
        events__lnode_t v;
} events__lval_t;

/* Layouts a tree remembers at most: when there are more, all are
 * forgotten and the index starts again. A stream of a few event types with
 * optional fields has hundreds (the mixed benchmark: 865 in 20,000
 * lines); each costs about a kilobyte. */
#define EVENTS__LITE_LAYOUTS 1024

typedef struct events__lite_s {
        events__lnode_t *n;
        size_t used, cap;
        size_t close; /**< offset of the root object's closing brace */
        /* events__lite_timestamp()'s cache: the text up to the fraction
         * ("2026-11-27T18:05:00.") of the second ts_sec (-1: none). */
        int64_t ts_sec;
        char ts_head[EVENTS__TS_HEAD_LEN];
        events__ltpl_t **tpl; /**< every remembered layout */
        unsigned ntpl, tpl_cap;
        events__lidx_t *idx; /**< their index; idx[0] is the root */
        uint32_t nidx, idx_cap;
        events__lval_t *val; /**< the values of the line being matched */
        uint32_t val_cap;
        /** The layout that filled the tree (events__lite_match(), or
         *  events__lite_remember() after a parse), or NULL. */
        events__ltpl_t *last;
        /** Strings with escapes, unescaped (events__lite_parse()): their
         *  nodes point here, not into the line; escaped says the tree has
         *  one. */
        char *sbuf;
        size_t sbuf_used, sbuf_cap;
        int escaped;
        /** Whether the last line repeated the layout of the one before;
         *  lines seen since the last direct try of the last layout. */
        unsigned run, probe;
        /* The current window's lines and hits, and lines for which no
         * layout is tried or remembered: when few lines repeat a recent
         * layout, trying costs more than it saves, so it pauses
         * (events__lite_match()). */
        unsigned win_lines, win_hits, pause;
} events__lite_t;

/** Whether @p s, a string of @p L's tree, is an unescaped copy in the
 *  tree's buffer rather than bytes of the line. */
static inline int events__lite_unescaped(const events__lite_t *L,
                                         const char *s) {
        return L->escaped && s >= L->sbuf && s < L->sbuf + L->sbuf_cap;
}

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
 * events__lite_parse() would fill it, without parsing: one walk of the
 * layouts' index.
 * @returns the layout, or NULL when no layout matches: then
 *          events__lite_parse() must run.
 */
events__ltpl_t *events__lite_match(events__lite_t *L, const char *buf,
                                   size_t len);

/**
 * Remember the layout of @p buf, which events__lite_parse() has just
 * parsed into @p L (before anything changed the tree). When
 * EVENTS__LITE_LAYOUTS are remembered already, all are forgotten first.
 * @param fixed a node whose value belongs to the layout like a key (the
 *        event type, which picks the schema), or UINT32_MAX.
 * @returns the layout (the one remembered before, if it is the same), or
 *          NULL (too large to be worth it, layouts paused, or no memory).
 */
events__ltpl_t *events__lite_remember(events__lite_t *L, const char *buf,
                                      size_t len, uint32_t fixed);

/**
 * Validate node @p i of @p L, a tree of @p t's layout, against @p schema
 * and add to @p t's plan the checks that stand for that validation on the
 * next lines of the layout (lite_validate.c says when a plan can).
 * @returns 1 (valid, and the plan stands for it), -1 (valid, but no plan
 *          can stand for it, or no memory) or 0 (invalid).
 */
int events__lite_plan(events__ltpl_t *t, const sch_node_t *schema,
                      const events__lite_t *L, uint32_t i);

/** Run @p t's plan on @p L: 1 when every check passes (as
 *  events__lite_validate() would answer 1), else 0. */
int events__lite_plan_check(const events__ltpl_t *t, const events__lite_t *L);

/** The JSON type of node @p v as a "type" failure names it ("integer",
 *  "boolean", ...; schema_report.c). */
const char *events__lite_type_name(const events__lnode_t *v);

/**
 * Append a member @p key : string @p s (not copied) to the root object,
 * which must not have that key yet. @returns its index, or -1 (no memory).
 */
long events__lite_append_string(events__lite_t *L, const char *key,
                                const char *s, size_t len);

/**
 * The validator's verdict (schema_validate.c, first-failure mode) on node
 * @p i: @returns 1 when @p schema accepts it, else 0.
 */
int events__lite_validate(const sch_node_t *schema, const events__lite_t *L,
                          uint32_t i);

/**
 * Fill @p L with a tree of the jansson value @p v (any type; node 0),
 * whose strings and keys point into @p v: valid while @p v lives and is
 * not changed. The one representation the validator reads.
 * @returns 0, or -1 (nested past 4096 levels, or no memory).
 */
int events__lite_from_json(events__lite_t *L, const json_t *v);

/**
 * Whether the fast path (the token parser, remembered layouts and their
 * plans) runs: 1 unless the environment variable EVENTS_FASTPATH is "0"
 * or "off" when first asked (for bisecting: every line then takes the
 * jansson parser; validation is the same code either way).
 */
int events__fastpath_on(void);

/* The validator (schema_validate.c) and what plans need of it. */

/**
 * Validate node @p i of @p L against @p n: with @p report NULL, stop at
 * the first failure; else record every failure, their pointers prefixed
 * with @p prefix (may be NULL). With @p plan, also record the checks of a
 * plan (events__lite_plan()).
 * @returns 1 valid, 0 invalid; with @p plan, -1 when valid but no plan
 *          stands for it.
 */
int events__schema_run(const sch_node_t *n, const events__lite_t *L, uint32_t i,
                       const char *prefix, events_report_t *report,
                       events__ltpl_t *plan);

/** Run @p n checks of a plan on @p L: 1 when all pass, else 0. */
int events__schema_run_checks(const events__lcheck_t *ck, uint32_t n,
                              const events__lite_t *L);

/** Record node @p i against @p n in @p t's plan, unless the layout fixes
 *  node @p i's value. @returns 0, or -1 (no memory). */
int events__lite_plan_add(events__ltpl_t *t, const sch_node_t *n, uint32_t i,
                          unsigned kind);

/** Record a check of container node @p i against @p n's value keywords
 *  only (enum, const, uniqueItems, contains, if, anyOf, oneOf, not).
 *  @returns 0, or -1 (no memory). */
int events__lite_plan_add_part(events__ltpl_t *t, const sch_node_t *n,
                               uint32_t i);

/**
 * Record a check of object node @p o against @p n's value keywords, when
 * they are an "if", "then" and "else" that EVENTS__CK_IF can stand for:
 * the "if" has nothing but "type", "required" and "properties", "then"
 * and "else" nothing but "type" and "required" (each past its "$ref"s),
 * and @p n no other value keyword. What the object's keys decide is
 * decided now, for every line of the layout.
 * @returns 1 (recorded), 0 (not such keywords: record a part check), or
 *          -1 (no memory).
 */
int events__lite_plan_add_if(events__ltpl_t *t, const sch_node_t *n,
                             const events__lite_t *L, uint32_t o);

/** 1 when @p n asks of a container only what its keys and sizes decide
 *  (lite_validate.c, keys_only()). */
int events__lite_keys_only(const sch_node_t *n);

/* sch_node_t.lite, filled by events__lite_prepare() once a node is
 * compiled: what the validator may skip without looking at each field. */
enum {
        EVENTS__LK_READY = 1 << 0,       /* the mask is filled in */
        EVENTS__LK_KEYS_ONLY = 1 << 1,   /* keys_only() */
        EVENTS__LK_APPLICATORS = 1 << 2, /* if, allOf, anyOf, oneOf, not */
        EVENTS__LK_VALUES = 1 << 3,      /* enum, const */
        EVENTS__LK_PLANNABLE = 1 << 4    /* keys_only() but for the value
                                            keywords a plan's check re-runs */
};

/** The mask events__lite_prepare() stores in @p n->lite. */
unsigned events__lite_mask(const sch_node_t *n);

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

/* ---- values of the tree against a schema's (schema_values.c) ---- */

/** 1 when node @p v is a number. */
static inline int events__lnode_is_num(const events__lnode_t *v) {
        return v->type == EVENTS__LT_INT || v->type == EVENTS__LT_REAL;
}

/** Node @p v's number as a long double. */
static inline long double events__lnode_num(const events__lnode_t *v) {
        return v->type == EVENTS__LT_INT ? (long double)v->num.i
                                         : (long double)v->num.d;
}

/* A value of the tree against a schema's number, read once
 * (events__schema_num()): integers exactly, else as long doubles. */
static inline int events__lnum_cmp_num(const events__lnode_t *a,
                                       const sch_num_t *b) {
        if (a->type == EVENTS__LT_INT && b->is_int) {
                json_int_t x = a->num.i, y = b->i;
                return x < y ? -1 : x > y;
        }
        {
                long double x = events__lnode_num(a);
                return x < b->ld ? -1 : x > b->ld;
        }
}

/** The member @p key of node @p obj of @p L, or -1 when @p obj is not an
 *  object or has no such member (the tree's objects have no key twice).
 *  Inline: the validators call it per required and per declared member. */
static inline long events__lite_get(const events__lite_t *L, uint32_t obj,
                                    const char *key, size_t klen) {
        if (L->n[obj].type != EVENTS__LT_OBJECT)
                return -1;
        for (uint32_t k = obj + 1; k < L->n[obj].end; k = L->n[k].end)
                if (L->n[k].klen == klen && !memcmp(L->n[k].key, key, klen))
                        return (long)k;
        return -1;
}

/* Whether @p n bytes at @p a and @p b are the same: enum and const values
 * are short, shorter than a call to memcmp(). In words, the last one
 * overlapping, never reading outside the n bytes. */
static inline int events__same_bytes(const char *a, const char *b, size_t n) {
        uint64_t x, y;
        uint32_t p, q;

        if (n >= 8) {
                for (size_t k = 0; k + 8 < n; k += 8) {
                        memcpy(&x, a + k, 8);
                        memcpy(&y, b + k, 8);
                        if (x != y)
                                return 0;
                }
                memcpy(&x, a + n - 8, 8);
                memcpy(&y, b + n - 8, 8);
                return x == y;
        }
        if (n >= 4) {
                memcpy(&p, a, 4);
                memcpy(&q, b, 4);
                if (p != q)
                        return 0;
                memcpy(&p, a + n - 4, 4);
                memcpy(&q, b + n - 4, 4);
                return p == q;
        }
        return !n || (a[0] == b[0] && a[n - 1] == b[n - 1] &&
                      (n < 3 || a[1] == b[1]));
}

/** JSON Schema's equality (1 equals 1.0) of a schema's value @p j and node
 *  @p i of @p L, for enum and const (schema_values.c). */
int events__schema_equal_jl(const json_t *j, const events__lite_t *L,
                            uint32_t i);
/** The same equality between nodes @p a and @p b of @p L (uniqueItems). */
int events__schema_equal_ll(const events__lite_t *L, uint32_t a, uint32_t b);

#endif /* EVENTS_LITE_INT_H */
