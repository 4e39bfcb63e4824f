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

/* The librdkafka configuration: defaults, then the options, in order. */
int build_conf(const struct opts *o, rd_kafka_conf_t **confp) {
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_error_t err;
        char kv[1024];
        events_err_t rc = EVENTS_OK;

        if (!conf)
                return EX_OSERR;
        /* The summary reports delivery problems; librdkafka need not log
         * every closed idle connection. */
        events_kafka_conf_set(conf, "log.connection.close=false", NULL);
        /* Bounded memory: a queued message costs its copy, its key and its
         * header, and when the broker falls behind librdkafka's queue fills
         * up. Measured against the real Kafka, 1,000,000 events: 50000
         * queued peaked at 40-58 MB RSS, 20000 at 23 MB, at the same rate
         * (two full batches of batch.num.messages are still queued). */
        events_kafka_conf_set(conf, "queue.buffering.max.messages=20000", NULL);
        /* and large events: 32 MB of queued payload, not librdkafka's 1 GB */
        events_kafka_conf_set(conf, "queue.buffering.max.kbytes=32768", NULL);
        snprintf(kv, sizeof(kv), "bootstrap.servers=%s", o->brokers);
        rc = events_kafka_conf_set(conf, kv, &err);
        if (!rc && o->compression) {
                snprintf(kv, sizeof(kv), "compression.codec=%s",
                         o->compression);
                rc = events_kafka_conf_set(conf, kv, &err);
        }
        for (size_t i = 0; !rc && i < o->nconfs; i++)
                rc = o->confs[i].opt == 'X'
                             ? events_kafka_conf_set(conf, o->confs[i].val,
                                                     &err)
                             : events_kafka_conf_set_file(conf, o->confs[i].val,
                                                          &err);
        if (rc) {
                fprintf(stderr, PROG ": configuration: %s\n", err.text);
                rd_kafka_conf_destroy(conf);
                return rc == EVENTS_ERR_IO ? EX_NOINPUT : EX_CONFIG;
        }
        *confp = conf;
        return EX_OK;
}
