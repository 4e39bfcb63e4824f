/*
 * events/common.h - what every libevents header shares: the export macro,
 * the version, the error codes and the caller-owned error record.
 *
 * Error model (after CURLcode and jansson's json_error_t): every fallible
 * function returns an events_err_t, EVENTS_OK (0) on success. Parsing and
 * validation functions also take an optional events_error_t *, owned by the
 * caller, that they fill with the code, a readable text and where the
 * problem is (byte offset and line/column for JSON, a JSON pointer for
 * schema failures). The library never prints and never exits.
 */
#ifndef EVENTS_COMMON_H
#define EVENTS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(EVENTS_BUILDING) && !defined(EVENTS_STATIC)
#define EVENTS_API __attribute__((visibility("default")))
#else
#define EVENTS_API
#endif

/* EVENTS_VERSION_MAJOR, _MINOR, _PATCH and _STR, generated from the
 * project's version (CMakeLists.txt) into the build tree and installed
 * next to this header. */
#include "events/version.h"

/**
 * Marks a function whose result must not be dropped: an events_err_t, a
 * status such as an outcome, or a new object the caller owns. The compiler
 * then warns about a call that ignores it, as jansson's
 * JANSSON_ATTRS((warn_unused_result)) does. Empty on compilers without the
 * attribute. Where ignoring a result is right, say why next to the call.
 */
#if defined(__GNUC__) || defined(__clang__)
#define EVENTS_NODISCARD __attribute__((warn_unused_result))
#else
#define EVENTS_NODISCARD
#endif

/**
 * @brief The library's version string, e.g. "0.1.0".
 * @returns a static string; it lives as long as the process.
 */
EVENTS_API const char *events_version(void);

/** Log levels, with syslog's numbers (librdkafka's levels map 1:1). */
typedef enum events_log_level_e {
        EVENTS_LOG_ERROR = 3,
        EVENTS_LOG_WARNING = 4,
        EVENTS_LOG_NOTICE = 5,
        EVENTS_LOG_INFO = 6,
        EVENTS_LOG_DEBUG = 7
} events_log_level_t;

/** One field of a log record: a key and its value, both borrowed. */
typedef struct events_log_field_s {
        const char *key;   /**< e.g. "topic", "partition"; never NULL */
        const char *value; /**< the value as text, never NULL */
} events_log_field_t;

/**
 * A structured log callback: the library never prints; it hands every log
 * record here, its message and its fields kept apart, so that a program
 * can write each field as its own logfmt key or JSON member.
 * @param level   how important.
 * @param msg     a short fixed text ("dead-lettered", "kafka error"), no
 *                newline; borrowed for the call.
 * @param fields  @p nfields key/value pairs (topic, partition, offset,
 *                error, ...); numbers are written in decimal; borrowed
 *                for the call. Keys are lower case, [a-z_].
 * @param nfields how many; may be 0 (then @p fields may be NULL).
 * @param opaque  as given to the setter.
 * @remark which thread calls it is said by each setter.
 */
typedef void (*events_log_fields_cb)(events_log_level_t level, const char *msg,
                                     const events_log_field_t *fields,
                                     size_t nfields, void *opaque);

/** Result codes. New codes are only ever appended. */
typedef enum events_err_e {
        EVENTS_OK = 0,
        EVENTS_ERR_INVALID_ARG, /**< a NULL or out-of-range argument */
        EVENTS_ERR_NOMEM,       /**< allocation failed */
        EVENTS_ERR_JSON,      /**< not valid JSON (syntax, trailing garbage) */
        EVENTS_ERR_TOO_LARGE, /**< document larger than the size limit */
        EVENTS_ERR_TOO_DEEP,  /**< nesting deeper than the depth limit */
        EVENTS_ERR_UTF8,      /**< invalid UTF-8 or lone surrogate escape */
        EVENTS_ERR_NUL,       /**< a NUL byte in the document */
        EVENTS_ERR_DUPLICATE_KEY,   /**< an object has the same key twice */
        EVENTS_ERR_NUMBER_OVERFLOW, /**< a number does not fit int64 / double */
        EVENTS_ERR_ENVELOPE,        /**< valid JSON, but not a valid envelope */
        EVENTS_ERR_TIMESTAMP,       /**< not an RFC 3339 timestamp / bad date */
        EVENTS_ERR_NOT_FOUND,       /**< a path, key, file or item is absent */
        EVENTS_ERR_SCHEMA,          /**< a schema document is itself invalid */
        EVENTS_ERR_VALIDATION,      /**< an instance failed its schema */
        EVENTS_ERR_NO_SCHEMA,       /**< no schema for this event type */
        EVENTS_ERR_IO,              /**< a file or socket operation failed */
        EVENTS_ERR_CONF,            /**< a bad configuration property */
        EVENTS_ERR_KAFKA,           /**< librdkafka reported an error */
        EVENTS_ERR_QUEUE_FULL, /**< a local queue is full; poll and retry */
        EVENTS_ERR_TIMED_OUT,  /**< an operation did not finish in time */
        EVENTS_ERR_NO_ROUTE,   /**< no handler is routed for this type */
        EVENTS_ERR_HANDLER,    /**< a handler function reported failure */
        EVENTS_ERR_STATE,      /**< not allowed in the object's state */
        EVENTS_ERR__COUNT      /**< the number of codes; not an error */
} events_err_t;

/**
 * @brief A short, static, English description of an error code.
 * @returns never NULL; "unknown error" for codes out of range.
 */
EVENTS_API const char *events_err2str(events_err_t err);

/**
 * @brief A stable identifier for an error code, e.g. "ERR_JSON", for logs
 *        and metrics labels.
 * @returns never NULL.
 */
EVENTS_API const char *events_err2name(events_err_t err);

#define EVENTS_ERROR_TEXT_LENGTH 256
#define EVENTS_ERROR_POINTER_LENGTH 256

/**
 * The caller-owned error record that parsing and validation fill in.
 * Fields that do not apply are 0 (line, column) or "" (pointer); offset is
 * then (size_t)-1. Like jansson's json_error_t it is a plain struct so that
 * it can live on the caller's stack.
 */
typedef struct events_error_s {
        events_err_t code;                         /**< as returned */
        size_t offset;                             /**< byte offset in input */
        int line;                                  /**< 1-based, 0 if n/a */
        int column;                                /**< 1-based, 0 if n/a */
        char pointer[EVENTS_ERROR_POINTER_LENGTH]; /**< JSON pointer, or "" */
        char text[EVENTS_ERROR_TEXT_LENGTH];       /**< readable reason */
} events_error_t;

/**
 * @brief Reset an error record to "no error".
 * @param err may be NULL (then nothing happens).
 */
EVENTS_API void events_error_clear(events_error_t *err);

/**
 * @brief Format an error record on one line, e.g.
 *        "line 1, column 17 (byte 16): duplicate key \"data\"" or
 *        "/data/email: does not match format \"email\"".
 * @param err  the record; NULL gives "".
 * @param buf  where to write; always NUL-terminated when size > 0.
 * @param size the size of buf.
 * @returns buf.
 */
EVENTS_API char *events_error_format(const events_error_t *err, char *buf,
                                     size_t size);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_COMMON_H */
