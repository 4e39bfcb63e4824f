/*
 * drain.c - events-consumer -e in routing mode: end once every assigned
 * partition has reached the end it had when it was first assigned (the
 * high watermark then), so that a batch job handles what was there and
 * no more. The position is librdkafka's (the offset after the last
 * message polled); a partition that gave nothing since the assignment is
 * drained when its committed offset, or its low watermark, is at the end.
 */
#include "drain.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_EVERY_US 200000
#define QUERY_TIMEOUT_MS 5000

typedef struct end {
        char *topic;
        int32_t partition;
        int64_t end;
} end_t;

struct drain {
        end_t *v;
        size_t n;
        int64_t next_us;
};

static int64_t mono_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

drain_t *drain_new(void) {
        return calloc(1, sizeof(drain_t));
}

void drain_destroy(drain_t *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                free(d->v[i].topic);
        free(d->v);
        free(d);
}

/* The end of a partition when first seen; -1 on error. */
static int64_t end_of(drain_t *d, rd_kafka_t *rk, const char *topic,
                      int32_t partition) {
        int64_t lo, hi;
        end_t *nv;

        for (size_t i = 0; i < d->n; i++)
                if (d->v[i].partition == partition &&
                    !strcmp(d->v[i].topic, topic))
                        return d->v[i].end;
        if (rd_kafka_query_watermark_offsets(rk, topic, partition, &lo, &hi,
                                             QUERY_TIMEOUT_MS))
                return -1;
        if (!(nv = realloc(d->v, (d->n + 1) * sizeof(*nv))) ||
            !(nv[d->n].topic = strdup(topic))) {
                if (nv)
                        d->v = nv;
                return -1;
        }
        d->v = nv;
        /* An empty partition (low == high) is at its end already. */
        nv[d->n].end = lo >= hi ? 0 : hi;
        nv[d->n++].partition = partition;
        return lo >= hi ? 0 : hi;
}

int drain_reached(drain_t *d, events_consumer_t *c) {
        rd_kafka_t *rk = events_consumer_handle(c);
        rd_kafka_topic_partition_list_t *a = NULL, *unknown;
        int done = 1;

        if (!rk || mono_us() < d->next_us)
                return 0;
        d->next_us = mono_us() + CHECK_EVERY_US;
        if (rd_kafka_assignment(rk, &a) || !a)
                return 0;
        if (a->cnt == 0 || rd_kafka_position(rk, a)) {
                rd_kafka_topic_partition_list_destroy(a);
                return 0;
        }
        unknown = rd_kafka_topic_partition_list_new(a->cnt);
        for (int i = 0; done && i < a->cnt; i++) {
                rd_kafka_topic_partition_t *p = &a->elems[i];
                int64_t end = end_of(d, rk, p->topic, p->partition);

                if (end < 0)
                        done = 0;
                else if (p->offset < 0 && end > 0)
                        rd_kafka_topic_partition_list_add(unknown, p->topic,
                                                          p->partition)
                                ->offset = end;
                else if (p->offset >= 0 && p->offset < end)
                        done = 0;
        }
        if (done && unknown->cnt) {
                /* Nothing polled there yet: drained if the group's
                 * committed offset is already at the end. */
                rd_kafka_topic_partition_list_t *q =
                        rd_kafka_topic_partition_list_copy(unknown);
                if (rd_kafka_committed(rk, q, QUERY_TIMEOUT_MS))
                        done = 0;
                for (int i = 0; done && i < q->cnt; i++)
                        if (q->elems[i].offset < unknown->elems[i].offset)
                                done = 0;
                rd_kafka_topic_partition_list_destroy(q);
        }
        rd_kafka_topic_partition_list_destroy(unknown);
        rd_kafka_topic_partition_list_destroy(a);
        return done;
}
