/*
 * producer_runs.c - predicting the partition of a line's key, so that
 * the lines of a window can be sent in partition runs (see struct
 * events__runs_s in producer_int.h for why), and the partitioner that lets
 * librdkafka reuse the prediction instead of hashing the key again.
 *
 * The prediction is the configured partitioner itself
 * (events__runs_partitioner()), checked against the delivery reports
 * (events__runs_learn(), from the delivery report callback) before runs are
 * used. The pipeline (runs_order() in producer_pipeline.c) groups a window's
 * lines by it and leaves each line's partition as a hint for
 * events__hinted_partitioner(). All on the driving thread.
 */
#include <string.h>

#include "producer_int.h"

/* Keyed reports confirmed in a row before runs are used. */
#define RUNS_TRUST 64
/* While runs are used, one keyed report in this many is checked. */
#define RUNS_SAMPLE 16

/* Check the prediction of runs against a delivered message @p m. */
void events__runs_learn(struct events__runs_s *u, const rd_kafka_topic_t *rkt,
                        const rd_kafka_message_t *m) {
        if (m->partition >= u->parts) {
                /* A partition not seen before: the count so far was low. */
                u->parts = m->partition + 1;
                u->hits = 0;
                u->on = 0;
                return;
        }
        if (u->on && ++u->reports % RUNS_SAMPLE)
                return;
        if (u->fn(rkt, m->key, m->key_len, u->parts, NULL, NULL) !=
            m->partition) {
                u->hits = 0;
                u->on = 0;
        } else if (++u->hits >= RUNS_TRUST &&
                   u->parts <= EVENTS__RUNS_MAX_PARTS) {
                u->on = 1;
        }
}

/* For librdkafka's partitioner @p name: the prediction function for keyed
 * messages (NULL when it is random or unknown), and in @p exact the
 * partitioner itself when events__hinted_partitioner() may stand in for
 * it: only the _random ones. librdkafka sends keyless messages to sticky
 * partitions unless the partitioner is consistent, murmur2 or fnv1a, so a
 * callback in their place would move keyless messages. */
events__partitioner_fn events__runs_partitioner(const char *name,
                                                events__partitioner_fn *exact) {
        static const struct {
                const char *name;
                events__partitioner_fn fn, exact;
        } known[] = {
                {"consistent_random", rd_kafka_msg_partitioner_consistent,
                 rd_kafka_msg_partitioner_consistent_random},
                {"consistent", rd_kafka_msg_partitioner_consistent, NULL},
                {"murmur2_random", rd_kafka_msg_partitioner_murmur2,
                 rd_kafka_msg_partitioner_murmur2_random},
                {"murmur2", rd_kafka_msg_partitioner_murmur2, NULL},
                {"fnv1a_random", rd_kafka_msg_partitioner_fnv1a,
                 rd_kafka_msg_partitioner_fnv1a_random},
                {"fnv1a", rd_kafka_msg_partitioner_fnv1a, NULL},
        };

        *exact = NULL;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                if (!strcmp(name, known[i].name)) {
                        *exact = known[i].exact;
                        return known[i].fn;
                }
        return NULL;
}

/*
 * The partition a message's key was found to go to before it was sent
 * (runs_order()), for the partitioner callback below: set by the sending
 * thread around rd_kafka_produceva() only, so that librdkafka's own
 * threads, which partition again the messages sent before the topic was
 * known, never see it.
 */
__thread const struct events__part_hint *events__sending_hint
        __attribute__((tls_model("initial-exec")));

/*
 * The configured partitioner, installed as the topic's callback when it is
 * one of librdkafka's own (and the application set none), so that a key
 * runs_order() has hashed is not hashed again: the hint is the same
 * function's answer for the same key and partition count. librdkafka
 * still partitions keyless messages itself (sticky partitions); an empty
 * key, which librdkafka's consistent_random would also give a sticky
 * partition, gets a random one here, as that partitioner documents.
 */
int32_t events__hinted_partitioner(const rd_kafka_topic_t *rkt, const void *key,
                                   size_t keylen, int32_t partition_cnt,
                                   void *rkt_opaque, void *msg_opaque) {
        const events_producer_t *p = rkt_opaque;
        const struct events__part_hint *h = events__sending_hint;

        if (h && h->cnt == partition_cnt)
                return h->part;
        return p->runs.exact(rkt, key, keylen, partition_cnt, NULL, msg_opaque);
}
