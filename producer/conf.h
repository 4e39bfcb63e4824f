/*
 * conf.h - the librdkafka configuration events-producer produces with.
 */
#ifndef PRODUCER_CONF_H
#define PRODUCER_CONF_H

#include <librdkafka/rdkafka.h>

#include "options.h"

/**
 * @brief The librdkafka configuration: the producer's defaults, then the
 *        options (-b, -z, -X and -F in the order given).
 * @param confp on EX_OK, the configuration, the caller's to free or to
 *              give to events_producer_new().
 * @returns EX_OK; EX_OSERR (out of memory); EX_NOINPUT (a -F file cannot
 *          be read) or EX_CONFIG (a property librdkafka refuses), both
 *          already told on stderr.
 */
int build_conf(const struct opts *o, rd_kafka_conf_t **confp);

#endif /* PRODUCER_CONF_H */
