/*
 * events/event.h - the event envelope: build, stamp, serialize, parse.
 *
 * One event is one JSON object, one Kafka message:
 *
 *   {"event_type":"user.created","data":{"user_id":42},
 *    "timestamp":"2026-11-27T18:05:00.123456Z"}
 *
 * - event_type: a non-empty string of at most 255 bytes from [A-Za-z0-9._-].
 * - data: a JSON object.
 * - timestamp: RFC 3339, UTC, microseconds. Optional on input, where any
 *   offset is accepted and normalized to UTC, and a timestamp without a zone
 *   (Python's datetime.utcnow().isoformat()) is read as UTC. Fractions of 0
 *   to 9 digits are read; digits past the microsecond are truncated.
 * - Unknown top-level fields are kept, in their input order, after the
 *   three known ones.
 *
 * Thread safety: an events_event_t may be read from several threads at
 * once; it must not be changed while another thread reads it.
 */
#ifndef EVENTS_EVENT_H
#define EVENTS_EVENT_H

#include <jansson.h>

#include "events/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An event envelope (opaque). */
typedef struct events_event_s events_event_t;

#define EVENTS_EVENT_TYPE_MAX 255 /**< bytes in event_type */
#define EVENTS_DEFAULT_MAX_BYTES                                               \
        (1u << 20)                  /**< default document limit: 1 MiB */
#define EVENTS_DEFAULT_MAX_DEPTH 64 /**< default nesting limit */
/** The Kafka message header that carries the event type, so that a
 *  consumer can route before it parses the body. */
#define EVENTS_HEADER_EVENT_TYPE "event_type"
/**
 * The length of a timestamp as events_timestamp_format() writes it and as
 * events carry it: RFC 3339 UTC with microseconds,
 * "2026-11-27T18:05:00.123456Z", always exactly this many bytes (years
 * 0001 to 9999). A buffer for one needs EVENTS_TIMESTAMP_LEN + 1 bytes
 * with its NUL; EVENTS_TIMESTAMP_BUFSIZE is such a size.
 */
#define EVENTS_TIMESTAMP_LEN 27
/** Room for a formatted timestamp and its NUL: at least
 *  EVENTS_TIMESTAMP_LEN + 1 bytes (rounded up). */
#define EVENTS_TIMESTAMP_BUFSIZE 32

/**
 * @brief Check that @p event_type is a valid event type.
 * @returns 1 if valid, 0 if not (NULL included).
 */
EVENTS_API int events_type_valid(const char *event_type);

/**
 * @brief Parse JSON strictly: one value, nothing after it but whitespace, no
 *        duplicate keys, valid UTF-8 without NUL bytes or lone surrogates,
 *        no integer or real that overflows, within the size and depth limits.
 * @param out       on success, the value; the caller owns the reference.
 * @param buf       the bytes; need not be NUL-terminated.
 * @param len       the number of bytes in buf.
 * @param max_bytes the size limit; 0 means EVENTS_DEFAULT_MAX_BYTES.
 * @param max_depth the nesting limit; 0 means EVENTS_DEFAULT_MAX_DEPTH.
 *                  The top-level array or object is level 1. jansson's own
 *                  limit (2048) applies above any larger value.
 * @param err       may be NULL; filled with the reason, byte offset and
 *                  line/column on failure.
 * @returns EVENTS_OK, or EVENTS_ERR_JSON, _TOO_LARGE, _TOO_DEEP, _UTF8,
 *          _NUL, _DUPLICATE_KEY, _NUMBER_OVERFLOW, _INVALID_ARG, _NOMEM.
 * @remark Any JSON value is accepted at the top (not only objects).
 *         err->offset is the first byte of what is wrong: the bad byte or
 *         escape, the duplicate key, the number, the unexpected token, the
 *         opening bracket one level too deep; at the end of the input for
 *         a truncated document; max_bytes for a document over the size
 *         limit. err->column counts UTF-8 characters, err->line newlines.
 *         When a document breaks several rules the first one in document
 *         order is reported, except that a document over the size limit is
 *         rejected for that alone, before it is read. \u0000 is rejected as
 *         EVENTS_ERR_NUL; numbers that underflow (1e-400) read as 0.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_json_parse(json_t **out, const char *buf, size_t len, size_t max_bytes,
                  int max_depth, events_error_t *err);

/**
 * @brief Build an event from a type and a data object. It has no timestamp
 *        until events_event_stamp() or events_event_set_timestamp_us().
 * @param evp        on success, the new event; free with
 *                   events_event_destroy().
 * @param event_type copied.
 * @param data       a JSON object; borrowed: the event takes its own
 *                   reference.
 * @param err        may be NULL.
 * @returns EVENTS_OK, EVENTS_ERR_ENVELOPE (bad type, data not an object),
 *          EVENTS_ERR_INVALID_ARG, EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_event_new(events_event_t **evp, const char *event_type, json_t *data,
                 events_error_t *err);

/**
 * @brief Parse and check an envelope with the default limits.
 *        See events_event_parse_limits().
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_event_parse(
        events_event_t **evp, const char *buf, size_t len, events_error_t *err);

/**
 * @brief Parse an envelope from bytes and check its shape.
 *
 * The JSON rules of events_json_parse() apply first; then the envelope
 * rules (an object; event_type valid; data an object; timestamp, if
 * present, a valid RFC 3339 string). On success the timestamp, if any, is
 * normalized to UTC with microseconds in the event's JSON.
 *
 * @param evp       on success, the new event; free with
 *                  events_event_destroy().
 * @param max_bytes 0 means EVENTS_DEFAULT_MAX_BYTES.
 * @param max_depth 0 means EVENTS_DEFAULT_MAX_DEPTH.
 * @param err       may be NULL. Shape errors set err->pointer to the field
 *                  ("/event_type", "/data", "/timestamp"). An invalid
 *                  timestamp string also sets err->offset (and
 *                  line/column) to the failing byte in @p buf, or to the
 *                  value's opening quote when the value holds backslash
 *                  escapes (none when the key does); a top level that is
 *                  not an object sets it to its first byte.
 * @returns EVENTS_OK, a JSON error (see events_json_parse()),
 *          EVENTS_ERR_ENVELOPE or EVENTS_ERR_TIMESTAMP (also when the
 *          timestamp is not a string, null included).
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_event_parse_limits(events_event_t **evp, const char *buf, size_t len,
                          size_t max_bytes, int max_depth, events_error_t *err);

/**
 * @brief Free an event. @p ev may be NULL.
 */
EVENTS_API void events_event_destroy(events_event_t *ev);

/**
 * @brief The event type.
 * @returns a borrowed string that lives as long as the event.
 */
EVENTS_API const char *events_event_type(const events_event_t *ev);

/**
 * @brief The data object.
 * @returns a borrowed reference that lives as long as the event. The caller
 *          may change it (and must then not rely on earlier serializations).
 *          NULL only when memory runs out: an event that events_consumer_t
 *          hands to a handler builds its JSON tree on this first access
 *          (safe from several threads at once), so that handlers which
 *          never look at the data do not pay for it.
 */
EVENTS_API json_t *events_event_data(const events_event_t *ev);

/**
 * @brief The whole envelope as a JSON object: event_type, data, timestamp
 *        (when set) and any unknown fields kept from the input, in input
 *        order.
 * @returns a borrowed reference that lives as long as the event; NULL only
 *          when memory runs out building it (see events_event_data()).
 * @remark Unknown fields may be added, changed or removed through it and
 *         are then serialized. The event_type, data and timestamp members
 *         must not be replaced or removed: use events_event_data() and the
 *         timestamp functions.
 */
EVENTS_API json_t *events_event_json(const events_event_t *ev);

/**
 * @brief Whether the event has a timestamp.
 * @returns 1 or 0.
 */
EVENTS_API int events_event_has_timestamp(const events_event_t *ev);

/**
 * @brief The timestamp in microseconds since 1970-01-01T00:00:00Z.
 * @returns the time, or 0 when the event has none.
 */
EVENTS_API int64_t events_event_timestamp_us(const events_event_t *ev);

/**
 * @brief The timestamp as normalized RFC 3339 text
 *        ("2026-11-27T18:05:00.123456Z").
 * @returns a borrowed string that lives until the timestamp changes or the
 *          event is destroyed, or NULL when the event has none.
 */
EVENTS_API const char *events_event_timestamp(const events_event_t *ev);

/**
 * @brief Stamp the event with the current time (CLOCK_REALTIME), replacing
 *        any timestamp it had.
 * @returns EVENTS_OK or EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_event_stamp(events_event_t *ev);

/**
 * @brief Set the timestamp, in microseconds since the Unix epoch.
 * @returns EVENTS_OK, EVENTS_ERR_TIMESTAMP (before year 0001 or after
 *          9999), EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_event_set_timestamp_us(events_event_t *ev, int64_t us);

/**
 * @brief Serialize to compact JSON: event_type, data, timestamp, then the
 *        unknown fields in input order. No trailing newline.
 * @param bufp on success, a NUL-terminated buffer the caller frees with
 *             free().
 * @param lenp may be NULL; the length without the NUL.
 * @returns EVENTS_OK, EVENTS_ERR_NOMEM, EVENTS_ERR_INVALID_ARG (NULL
 *          arguments), or EVENTS_ERR_TOO_DEEP when a value nests deeper
 *          than 2048 levels (which a cycle made with json_object_set()
 *          does).
 * @remark Strings are written as UTF-8, escaping only what JSON requires
 *         (", \ and control characters); reals with the shortest text that
 *         reads back the same, always with a '.' or an exponent.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_event_serialize(const events_event_t *ev, char **bufp, size_t *lenp);

/**
 * @brief Extract a partition key by a dotted path into the envelope, such as
 *        "data.user_id". Strings are copied as they are; integers are
 *        written in decimal, reals with the shortest text that reads back
 *        the same.
 * @param path each dot-separated part names an object member; on an array
 *             a part that is a decimal number (no sign or leading zero)
 *             picks an element ("data.items.0.sku").
 * @param buf  where to write the key; NUL-terminated when size > 0.
 * @param size the size of buf.
 * @param lenp may be NULL; the key's length (without the NUL), also when
 *             it did not fit.
 * @returns EVENTS_OK; EVENTS_ERR_NOT_FOUND when the path is absent or ends
 *          on null, a boolean, an object or an array; EVENTS_ERR_TOO_LARGE
 *          when the key does not fit in buf (buf is then ""),
 *          EVENTS_ERR_INVALID_ARG for a NULL ev or path.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_event_key(const events_event_t *ev, const char *path, char *buf,
                 size_t size, size_t *lenp);

/**
 * @brief Parse an RFC 3339 timestamp.
 *
 * Accepts "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|z|+HH:MM|-HH:MM)" and the same
 * with no zone, read as UTC; 't' and ' ' are accepted for 'T'. Checks the
 * calendar (leap years included) and the ranges of every field; a leap
 * second (":60") is rejected. Year 0000 is rejected, and so is a time
 * that falls outside 0001-01-01 to 9999-12-31 once converted to UTC.
 *
 * @param s   the text; need not be NUL-terminated.
 * @param len its length.
 * @param usp on success, microseconds since the Unix epoch, UTC.
 * @param err may be NULL; err->offset is the failing byte in @p s.
 * @returns EVENTS_OK, EVENTS_ERR_TIMESTAMP, EVENTS_ERR_INVALID_ARG.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_timestamp_parse(
        const char *s, size_t len, int64_t *usp, events_error_t *err);

/**
 * @brief Format microseconds since the Unix epoch as RFC 3339 UTC with six
 *        fractional digits, e.g. "2026-11-27T18:05:00.123456Z".
 * @param buf  where to write the text and a NUL.
 * @param size the size of buf: at least EVENTS_TIMESTAMP_LEN + 1 (use
 *             EVENTS_TIMESTAMP_BUFSIZE).
 * @returns the length written (EVENTS_TIMESTAMP_LEN), or 0 if the time is
 *          out of range (years 0001 to 9999) or buf too small.
 */
EVENTS_API EVENTS_NODISCARD size_t events_timestamp_format(int64_t us,
                                                           char *buf,
                                                           size_t size);

/**
 * @brief The current time (CLOCK_REALTIME) in microseconds since the epoch.
 */
EVENTS_API int64_t events_now_us(void);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_EVENT_H */
