/*
 * capture.h - the lossless capture record of one Kafka message, written by
 * events-consumer --capture and read back by events-producer --replay.
 */
#ifndef CONSUMER_CAPTURE_H
#define CONSUMER_CAPTURE_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>

/**
 * The record of @p m as a JSON object:
 * {"topic","partition","offset","timestamp","timestamp_type","key",
 *  "value","headers":[[NAME,VALUE],...]}. A key, value or header value is
 * a JSON string when its bytes are UTF-8, {"base64":"..."} otherwise, and
 * null when absent (a null key, a tombstone, a header without a value).
 * Headers keep their order and their duplicates.
 * @returns a new reference, or NULL when out of memory.
 */
json_t *capture_record(const rd_kafka_message_t *m);

/**
 * The bytes as a JSON value: a string when they are UTF-8, else
 * {"base64":"..."}; null for NULL @p p.
 */
json_t *capture_bytes(const void *p, size_t len);

#endif /* CONSUMER_CAPTURE_H */
