/*
 * events/kafka.h - small helpers around librdkafka configuration, shared by
 * the producer and the consumer: "key=value" properties (the -X option) and
 * property files (the -F option), with errors that name the place.
 */
#ifndef EVENTS_KAFKA_H
#define EVENTS_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "events/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Set one property from "key=value" text.
 * @param conf the configuration to change.
 * @param kv   "key=value"; the value may be empty and may contain '='.
 * @param err  may be NULL; the text names the key and librdkafka's reason.
 * @returns EVENTS_OK or EVENTS_ERR_CONF.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_kafka_conf_set(
        rd_kafka_conf_t *conf, const char *kv, events_error_t *err);

/**
 * @brief Set the properties of a file: one "key=value" per line; blank
 *        lines and lines starting with '#' are ignored; spaces around the
 *        key and the value are trimmed.
 * @param err may be NULL; err->line is the failing line.
 * @returns EVENTS_OK, EVENTS_ERR_IO or EVENTS_ERR_CONF.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_kafka_conf_set_file(
        rd_kafka_conf_t *conf, const char *path, events_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_KAFKA_H */
