/*
 * events/cloudevents.h - one event as a CloudEvent: the CloudEvents 1.0
 * Kafka protocol binding, in both of its content modes.
 *
 * A CloudEvent is a second wire format of one event, not a second event
 * model: it decodes into an events_event_t, plus its CloudEvents
 * attributes (an events_cloudevent_t), and an events_event_t encodes into
 * it. The mapping:
 *
 *   CloudEvents       events_event_t
 *   type              event_type (must be a valid event type)
 *   time              timestamp (RFC 3339; optional both ways)
 *   data              data (a JSON object; absent or null reads as {})
 *   id                none: unique per event (a UUIDv4 by default)
 *   source            none: the producer's (events_cloudevent_default_source())
 *   specversion       "1.0", always
 *   datacontenttype   "application/json"
 *   partitionkey      the Kafka message key
 *
 * Binary mode: the data is the message value, each other attribute a
 * "ce_<name>" header, datacontenttype the "content-type" header.
 * Structured mode: the whole CloudEvent is the value, as JSON, with the
 * header "content-type: application/cloudevents+json".
 *
 * Only JSON data is supported: a binary-mode content-type that is not JSON
 * (application/json, or any type ending in "+json") and a structured
 * "data_base64" are refused, with the attribute named.
 *
 * Thread safety: the functions keep no state but the id generator's,
 * which is per thread; an events_cloudevent_t is like an events_event_t
 * (read from several threads at once, changed by one).
 */
#ifndef EVENTS_CLOUDEVENTS_H
#define EVENTS_CLOUDEVENTS_H

#include <librdkafka/rdkafka.h>

#include "events/common.h"
#include "events/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A CloudEvent's attributes, data excepted (opaque). */
typedef struct events_cloudevent_s events_cloudevent_t;

/** The two content modes of the Kafka binding. */
typedef enum events_ce_mode_e {
        EVENTS_CE_NONE = 0,   /**< not a CloudEvent (our own envelope) */
        EVENTS_CE_BINARY,     /**< attributes in ce_ headers, data as value */
        EVENTS_CE_STRUCTURED, /**< the whole event as JSON in the value */
} events_ce_mode_t;

/** The only CloudEvents version read and written. */
#define EVENTS_CE_SPECVERSION "1.0"
/** The prefix of a binary-mode attribute header. */
#define EVENTS_CE_HEADER_PREFIX "ce_"
/** The header that carries the content type, in both modes. */
#define EVENTS_CE_HEADER_CONTENT_TYPE "content-type"
/** The content type of a structured-mode message. */
#define EVENTS_CE_STRUCTURED_CONTENT_TYPE "application/cloudevents+json"
/** The content type of our data (datacontenttype). */
#define EVENTS_CE_DATA_CONTENT_TYPE "application/json"
/** The prefix of the default source; the host name follows. */
#define EVENTS_CE_DEFAULT_SOURCE_PREFIX "/events-producer/"
/** The length of an id from events_cloudevent_id(), without its NUL. */
#define EVENTS_CE_ID_LEN 36
/** The longest attribute name (the spec's advice). */
#define EVENTS_CE_NAME_MAX 20

/**
 * @brief New, empty attributes, to set before events_cloudevent_encode().
 * @param cep on success, the attributes; free with
 *            events_cloudevent_destroy().
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG, EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_cloudevent_new(events_cloudevent_t **cep);

/** @brief Free attributes; @p ce may be NULL. */
EVENTS_API void events_cloudevent_destroy(events_cloudevent_t *ce);

/**
 * @brief Set (or replace) an attribute.
 * @param name  1 to EVENTS_CE_NAME_MAX characters from [a-z0-9], as the
 *              spec requires; copied. "data" and "data_base64" are not
 *              attributes.
 * @param value a string; copied.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (a bad name, NULL),
 *          EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_cloudevent_set(
        events_cloudevent_t *ce, const char *name, const char *value);

/**
 * @brief An attribute's value, as text (numbers and booleans of a
 *        structured event in their JSON text).
 * @returns a borrowed string that lives until the attribute changes or
 *          @p ce is destroyed; NULL when absent (or @p ce is NULL).
 */
EVENTS_API const char *events_cloudevent_get(const events_cloudevent_t *ce,
                                             const char *name);

/** @returns the number of attributes; 0 for NULL. */
EVENTS_API size_t events_cloudevent_count(const events_cloudevent_t *ce);

/**
 * @brief Attribute @p i, in the order they were set; decoded ones in
 *        message order (headers, or members), datacontenttype from a
 *        structured message's header and partitionkey from the key last.
 * @param namep  may be NULL; borrowed, as events_cloudevent_get().
 * @param valuep may be NULL; borrowed, as events_cloudevent_get().
 * @returns 0, or -1 when @p i is out of range.
 */
EVENTS_API int events_cloudevent_at(const events_cloudevent_t *ce, size_t i,
                                    const char **namep, const char **valuep);

/**
 * @returns the mode a decoded event came in, EVENTS_CE_NONE for attributes
 *          made with events_cloudevent_new() or NULL.
 */
EVENTS_API events_ce_mode_t
events_cloudevent_mode(const events_cloudevent_t *ce);

/** @returns "binary", "structured" or "none". */
EVENTS_API const char *events_ce_mode_name(events_ce_mode_t mode);

/**
 * @brief Read a mode's name ("binary", "structured").
 * @returns the mode, or EVENTS_CE_NONE for anything else (NULL included).
 */
EVENTS_API events_ce_mode_t events_ce_mode_parse(const char *name);

/**
 * @brief Write a new event id: a random (version 4) UUID in its 36
 *        characters, e.g. "1b4e28ba-2fa1-41d2-883f-0016d3cca427". 122 bits
 *        come from a per-thread xoshiro256** generator seeded from
 *        getrandom(2), so ids are unique in practice across threads,
 *        processes and machines (a collision among 10^15 ids has a chance
 *        of about 10^-7) without a system call per id.
 * @param buf  where to write the id and a NUL.
 * @param size at least EVENTS_CE_ID_LEN + 1.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (buf too small),
 *          EVENTS_ERR_IO (no random seed could be had).
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_cloudevent_id(char *buf,
                                                              size_t size);

/**
 * @brief The default source: EVENTS_CE_DEFAULT_SOURCE_PREFIX followed by
 *        the host name ("/events-producer/web-1"), or by "localhost" when
 *        the host has none.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (NULL), EVENTS_ERR_TOO_LARGE
 *          (buf too small; it then holds "").
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_cloudevent_default_source(char *buf, size_t size);

/**
 * One Kafka message as a CloudEvent travels in: the input of
 * events_cloudevent_decode() (caller-owned, borrowed pointers) and the
 * output of events_cloudevent_encode() (see there who owns what).
 */
typedef struct events_ce_message_s {
        const void *value;           /**< the message value, may be NULL */
        size_t len;                  /**< its length */
        const void *key;             /**< the message key, may be NULL */
        size_t key_len;              /**< its length */
        rd_kafka_headers_t *headers; /**< may be NULL (no headers) */
} events_ce_message_t;

/**
 * @brief Encode an event as a CloudEvent in @p mode.
 *
 * type and time come from @p ev (time only when it has a timestamp);
 * specversion is "1.0" and datacontenttype "application/json". From
 * @p ce (may be NULL): id (a new events_cloudevent_id() when absent),
 * source (events_cloudevent_default_source() when absent), partitionkey
 * (the message key, when present) and any other attribute, as an
 * extension. Binary mode writes no ce_partitionkey header: the key is the
 * partition key, as the binding says.
 *
 * @param out on success: out->value (malloc'd, the caller frees it),
 *            out->len, out->headers (rd_kafka_headers_new(); the caller
 *            owns it, and may hand it to rd_kafka_producev() with
 *            RD_KAFKA_V_HEADERS), out->key and out->key_len (borrowed from
 *            @p ce's partitionkey, or NULL and 0).
 * @param err may be NULL.
 * @returns EVENTS_OK, EVENTS_ERR_INVALID_ARG (NULL, a bad mode),
 *          EVENTS_ERR_ENVELOPE (an attribute of @p ce that must not be
 *          set: type, time, specversion, datacontenttype, named in
 *          err->text), EVENTS_ERR_IO (no id), EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_cloudevent_encode(
        const events_event_t *ev, const events_cloudevent_t *ce,
        events_ce_mode_t mode, events_ce_message_t *out, events_error_t *err);

/**
 * @brief Which mode a message is a CloudEvent in, from its headers and
 *        value, without decoding it: binary when it has a ce_specversion
 *        header; structured when its content-type is
 *        application/cloudevents+json, or when the value is a JSON object
 *        with a "specversion" member (the Python SDK's to_structured()
 *        puts the data's content type in the header instead).
 * @returns the mode, or EVENTS_CE_NONE.
 * @remark the last test looks for the member's name in the value's bytes:
 *         a message it picks that is not a CloudEvent fails to decode.
 */
EVENTS_API events_ce_mode_t
events_cloudevent_detect(const events_ce_message_t *msg);

/**
 * @brief Decode a Kafka message that is a CloudEvent (in the mode
 *        events_cloudevent_detect() finds) into an event and its
 *        attributes.
 *
 * Checked: specversion is "1.0"; id, source and type are non-empty
 * strings; type is a valid event type; time, when present, is an RFC 3339
 * timestamp; the data is a JSON object (or absent); a binary-mode
 * content-type is JSON. The message key, when there is one and no
 * partitionkey attribute, becomes partitionkey.
 *
 * @param evp on success, the event (the caller destroys it); its
 *            timestamp is time's, or none.
 * @param cep may be NULL; on success, the attributes (the caller destroys
 *            them), data excepted, datacontenttype included when given.
 * @param err may be NULL. The text names the place: the header
 *            ("header ce_id: missing") in binary mode, the attribute in
 *            structured mode, where err->pointer is also set ("/id").
 * @returns EVENTS_OK; EVENTS_ERR_ENVELOPE (not a CloudEvent in either
 *          mode, a missing or bad attribute, a bad specversion, data that
 *          is not a JSON object, unsupported data); EVENTS_ERR_TIMESTAMP
 *          (a bad time); a JSON error of events_json_parse() (the value);
 *          EVENTS_ERR_INVALID_ARG, EVENTS_ERR_NOMEM.
 */
EVENTS_API EVENTS_NODISCARD events_err_t
events_cloudevent_decode(const events_ce_message_t *msg, events_event_t **evp,
                         events_cloudevent_t **cep, events_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_CLOUDEVENTS_H */
