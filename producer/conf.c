/*
 * conf.c - events-producer's librdkafka configuration: the producer's
 * defaults (events_producer_conf_new()), the program's own settings, and
 * then what the command line says, in order.
 */
#include "conf.h"

#include <stdio.h>
#include <sysexits.h>

#include <events/events.h>
#include <events/producer.h>

#include "app.h"

/* The librdkafka configuration: the defaults, -z, then EVENTS_BROKERS and
 * -b/-F/-X in order by the one rule of events_kafka_conf_apply(). */
int build_conf(const struct opts *o, rd_kafka_conf_t **confp) {
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_error_t err;
        char kv[1024];
        events_err_t rc = EVENTS_OK;

        if (!conf)
                return EX_OSERR;
        /* The summary reports delivery problems; librdkafka need not log
         * every closed idle connection. */
        rc = events_kafka_conf_set(conf, "log.connection.close=false", &err);
        /* Bounded memory: a queued message costs its copy, its key and its
         * header, and when the broker falls behind librdkafka's queue fills
         * up. Measured against the real Kafka, 1,000,000 events: 50000
         * queued peaked at 40-58 MB RSS, 20000 at 23 MB, at the same rate
         * (two full batches of batch.num.messages are still queued). */
        if (!rc)
                rc = events_kafka_conf_set(
                        conf, "queue.buffering.max.messages=20000", &err);
        /* and large events: 32 MB of queued payload, not librdkafka's 1 GB */
        if (!rc)
                rc = events_kafka_conf_set(
                        conf, "queue.buffering.max.kbytes=32768", &err);
        if (!rc && o->compression) {
                snprintf(kv, sizeof(kv), "compression.codec=%s",
                         o->compression);
                rc = events_kafka_conf_set(conf, kv, &err);
        }
        if (!rc)
                rc = events_kafka_conf_apply(conf, o->confs, o->nconfs, NULL,
                                             &err);
        if (rc == EVENTS_ERR_NOT_FOUND) {
                prog_error("no brokers: give -b BROKERS, set "
                           "bootstrap.servers with -F or -X, or "
                           "set EVENTS_BROKERS\n");
                rd_kafka_conf_destroy(conf);
                return EX_USAGE;
        }
        if (rc) {
                prog_error("configuration: %s\n", err.text);
                rd_kafka_conf_destroy(conf);
                return rc == EVENTS_ERR_IO ? EX_NOINPUT : EX_CONFIG;
        }
        *confp = conf;
        return EX_OK;
}
