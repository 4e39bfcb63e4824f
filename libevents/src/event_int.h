/*
 * event_int.h - private parts of the envelope module (json.c, json_write.c,
 * timestamp.c, event.c): the strict JSON parser's report on where things
 * are in its input, the compact serializer, and what the producer needs to
 * reuse the bytes of an input envelope instead of serializing it again.
 */
#ifndef EVENTS_EVENT_INT_H
#define EVENTS_EVENT_INT_H

#include "events_int.h"

/** An absent offset or length. */
#define EVENTS__NPOS ((size_t)-1)

/**
 * Where things are in the bytes events__json_parse_top() parsed, learnt
 * while it scanned them: the top-level value, and when that is an object,
 * its closing brace and the value of the one member the caller names.
 * Offsets are bytes from the start of the input. The parser gives these
 * facts for any caller and knows nothing of what they are used for.
 */
typedef struct events__json_top_s {
        /* Set by the caller before the parse. */
        const char *member; /**< a top-level member to locate, as its name
                                 is written between the quotes when it
                                 has no escapes; NULL: none */
        size_t member_len;  /**< the name's length */
        /* Filled by the parse. */
        size_t start;        /**< first non-whitespace byte (the value) */
        size_t close;        /**< the '}' that closes a top-level object,
                                  or EVENTS__NPOS */
        size_t value_offset; /**< the first byte of @c member's value (a
                                  string's opening quote); EVENTS__NPOS
                                  when the object has no such member
                                  written without escapes */
        size_t value_len;    /**< that value's length in bytes, without
                                  the white space around it (a string's
                                  quotes included) */
        int escaped_key;     /**< a top-level key was written with a
                                  backslash escape, so the raw bytes cannot
                                  tell whether it is @c member */
} events__json_top_t;

/**
 * events_json_parse() that also reports, in @p top (may be NULL), where the
 * top-level value, an object's closing brace and the value of the member
 * top->member are. @p top is filled (all but its member fields) only on
 * success.
 */
events_err_t events__json_parse_top(json_t **out, const char *buf, size_t len,
                                    size_t max_bytes, int max_depth,
                                    events_error_t *err,
                                    events__json_top_t *top);

/**
 * The fast path of events__json_parse_top(): a one-pass parser that builds
 * jansson values directly. It accepts exactly what the slow path accepts
 * (within depth @p max_depth, at most jansson's own 2048), builds equal
 * values and fills @p top (may be NULL) alike, but reports no error: NULL
 * means "not accepted, ask the slow path". Exposed for the differential
 * test.
 */
json_t *events__json_parse_fast(const char *buf, size_t len, int max_depth,
                                events__json_top_t *top);

/**
 * The slow path: the pre-scan, then json_loadb(); fills @p err with the
 * first error in document order. No size limit check. @p buf not NULL,
 * @p max_depth > 0.
 */
events_err_t events__json_parse_slow(json_t **out, const char *buf, size_t len,
                                     int max_depth, events_error_t *err,
                                     events__json_top_t *top);

/**
 * Fill err->line and err->column (1-based; columns count UTF-8 characters)
 * for err->offset in @p buf, and set err->offset. @p err may be NULL.
 */
void events__error_locate(events_error_t *err, const char *buf, size_t len,
                          size_t offset);

/** The length of the valid UTF-8 sequence at @p b[0..n) (n >= 1): 1 to
 *  4, or 0 when it is invalid. */
size_t events__utf8_seq(const unsigned char *b, size_t n);

/** The offset of the quote that closes a string, scanning from @p j (in
 *  the string, past its opening quote) and stepping over escapes; @p len
 *  when there is none. */
size_t events__json_string_end(const unsigned char *b, size_t len, size_t j);

/**
 * A string's bytes @p b[start, end) (between its quotes) unescaped into
 * @p out, which holds at least end - start bytes (the text never grows).
 * Strict, as jansson: @returns the length, or -1 for a bad escape,
 * \u0000, a lone surrogate, a control byte or bad UTF-8.
 */
long events__json_unescape(const unsigned char *b, size_t start, size_t end,
                           char *out);

/** A growable byte buffer for the serializer. */
typedef struct events__buf_s {
        char *p;    /**< the bytes, NUL-terminated when len > 0 */
        size_t len; /**< bytes used, without the NUL */
        size_t cap; /**< bytes allocated */
} events__buf_t;

/** Make room for @p n more bytes (and a NUL). @returns 0, or -1 (ENOMEM). */
int events__buf_reserve(events__buf_t *b, size_t n);

/** Append @p n bytes. @returns 0 or -1. */
int events__buf_put(events__buf_t *b, const void *p, size_t n);

/**
 * Append @p v as compact JSON: no spaces, object members in their order,
 * strings escaped as RFC 8259 requires (", \ and control characters) and
 * otherwise written as they are, integers in decimal, reals with
 * events__real_format().
 * @returns EVENTS_OK, EVENTS_ERR_NOMEM, or EVENTS_ERR_TOO_DEEP when @p v
 *          nests deeper than EVENTS__DUMP_MAX_DEPTH (which a cycle does).
 */
events_err_t events__json_dump(events__buf_t *b, const json_t *v);

/** Append a JSON string literal, quotes included. @returns 0 or -1. */
int events__json_dump_string(events__buf_t *b, const char *s, size_t len);

#define EVENTS__DUMP_MAX_DEPTH 2048

/** Room for any events__real_format() result. */
#define EVENTS__REAL_BUFSIZE 32

/**
 * Write the shortest decimal text that reads back as exactly @p d, with
 * ".0" appended when it would otherwise read as an integer ("1.0",
 * "0.1", "1e+300"). @p buf has EVENTS__REAL_BUFSIZE bytes.
 * @returns the length.
 */
size_t events__real_format(double d, char *buf);

/** Write @p v in decimal into @p buf (at least 21 bytes). @returns length. */
size_t events__int_format(json_int_t v, char *buf);

/*
 * For the producer: reusing an input envelope's bytes.
 *
 * A producer that reads a valid envelope need not serialize it again: the
 * bytes it read are already the message, except for the timestamp, which
 * may be missing or not yet normalized. events__event_input() says where
 * the timestamp is in those bytes, and events__event_splice() writes the
 * bytes with the event's current timestamp in place.
 */

/** Where an event's parts were in the bytes it was parsed from. */
typedef struct events__event_input_s {
        /** 1 when the event came from events_event_parse*() and the offsets
         *  below are known; 0 for events_event_new(), and for inputs whose
         *  top-level keys use backslash escapes (rare; serialize those). */
        int known;
        /** 1 when the input had a top-level "timestamp". */
        int ts_present;
        /** 1 when that timestamp's raw text (between the quotes) is already
         *  the normalized form, so the input bytes can be sent unchanged. */
        int ts_normalized;
        /** The "timestamp" value's opening quote, when ts_present. */
        size_t ts_offset;
        /** Its length, both quotes included (EVENTS_TIMESTAMP_LEN + 2
         *  when normalized). */
        size_t ts_len;
        /** The '}' that closes the top-level object; where a timestamp
         *  member is inserted when there was none. */
        size_t close_offset;
        /** The length of the input in bytes. */
        size_t len;
} events__event_input_t;

/**
 * Where the event's parts were in its input.
 * @returns a pointer that lives as long as @p ev; never NULL. Its fields
 *          describe the input and do not change when the event is stamped.
 */
const events__event_input_t *events__event_input(const events_event_t *ev);

/** The most bytes events__event_splice() adds to its input: a member
 *  ,"timestamp":"...Z" (13 + EVENTS_TIMESTAMP_LEN + 2 = 42 bytes) in
 *  place of nothing. */
#define EVENTS__SPLICE_EXTRA 48
_Static_assert(EVENTS__SPLICE_EXTRA >= 13 + EVENTS_TIMESTAMP_LEN + 2,
               "a spliced timestamp member fits EVENTS__SPLICE_EXTRA");

/**
 * Write @p in (the bytes @p ev was parsed from) to @p out with the event's
 * current timestamp in place of the input's: the input timestamp's value is
 * replaced (unless it is already the same text), or a member
 * ,"timestamp":"..." is inserted before the closing '}'. Everything else is
 * copied byte for byte.
 *
 * @param in       exactly the bytes given to events_event_parse*().
 * @param out      where to write; in_len + EVENTS__SPLICE_EXTRA bytes are
 *                 always enough. Not NUL-terminated.
 * @param out_size the size of out.
 * @param out_len  the length written.
 * @returns EVENTS_OK; EVENTS_ERR_STATE when the event has no timestamp or
 *          its input offsets are not known (events__event_input()->known
 *          is 0): serialize it instead; EVENTS_ERR_INVALID_ARG when in_len
 *          does not match the input; EVENTS_ERR_TOO_LARGE when out is too
 *          small.
 */
events_err_t events__event_splice(const events_event_t *ev, const char *in,
                                  size_t in_len, char *out, size_t out_size,
                                  size_t *out_len);

struct events__lite_s;

/**
 * events_event_parse() for the consumer's hot path: the same verdicts and
 * the same error reports, but an envelope the lite parser (lite_int.h)
 * takes and finds well-shaped is only checked, and its jansson tree is
 * built on the first access (events_event_data(), events_event_json(),
 * serialize, key, stamp), thread-safely. Anything else takes the full
 * path.
 * @param buf the bytes; they must stay unchanged and alive as long as
 *            the event.
 * @param L   a reusable lite tree (its content is replaced); NULL: the
 *            full path.
 */
events_err_t events__event_parse_lazy(events_event_t **evp, const char *buf,
                                      size_t len, struct events__lite_s *L,
                                      events_error_t *err);

/** 1 when @p ev came from events__event_parse_lazy()'s lite path. */
int events__event_is_lazy(const events_event_t *ev);

/* Civil dates (timestamp.c), for tests and the timestamp formatter. */

/** Days from 1970-01-01 to @p y-@p m-@p d (proleptic Gregorian, y >= 1). */
int64_t events__days_from_civil(int y, int m, int d);

/** The civil date of @p days after 1970-01-01 (days >= -719162). */
void events__civil_from_days(int64_t days, int *y, int *m, int *d);

/** Write the last @p n decimal digits of @p v at @p p, zero-padded, without
 *  a terminating NUL (timestamp.c). */
void events__put_digits(char *p, unsigned v, int n);

/** The bytes of a normalized timestamp before its six fraction digits,
 *  "2026-11-27T18:05:00.": what one second's timestamps share. */
#define EVENTS__TS_HEAD_LEN 20

/** The first and last microsecond events_timestamp_format() accepts:
 *  0001-01-01T00:00:00.000000Z and 9999-12-31T23:59:59.999999Z. */
#define EVENTS__TS_MIN_US (-62135596800LL * 1000000LL)
#define EVENTS__TS_MAX_US (253402300800LL * 1000000LL - 1)

/**
 * A key path segment as an array index: the number written in p[0..n), or
 * -1 when it is not a plain decimal (no sign, no leading zero, at most 18
 * digits). Shared by events_event_key() and the producer's light path so
 * that both read "data.items.0" alike.
 */
long long events__path_index(const char *p, size_t n);

#endif /* EVENTS_EVENT_INT_H */
