/*
 * drain.c - events-consumer -e in routing mode: end once every assigned
 * partition has reached the end it had when it was first assigned (the
 * high watermark then), so that a batch job handles what was there and
 * no more. The position is librdkafka's (the offset after the last
 * message polled); a partition that gave nothing since the assignment is
 * drained when it started at the end: assigned at the end, or at an
 * offset past it, or at the group's committed offset when that is at the
 * end, or, for a group without one, by an auto.offset.reset to the end
 * (librdkafka's default: a new group without --from-beginning has nothing
 * to drain).
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

/* Where a partition with no committed offset starts: 1 at its end (the
 * handle's auto.offset.reset is latest, largest or end, librdkafka's
 * default), 0 at its beginning, -1 unknown. */
static int reset_to_end(rd_kafka_t *rk) {
        /* A topic property: it lives in the default topic configuration,
         * which exists once any topic property was set. */
        rd_kafka_topic_conf_t *tc = rd_kafka_conf_get_default_topic_conf(
                (rd_kafka_conf_t *)rd_kafka_conf(rk));
        char v[32];
        size_t n = sizeof(v);

        if (!tc)
                return 1; /* librdkafka's default, largest */
        if (rd_kafka_topic_conf_get(tc, "auto.offset.reset", v, &n) !=
            RD_KAFKA_CONF_OK)
                return -1;
        if (!strcmp(v, "latest") || !strcmp(v, "largest") || !strcmp(v, "end"))
                return 1;
        if (!strcmp(v, "earliest") || !strcmp(v, "smallest") ||
            !strcmp(v, "beginning"))
                return 0;
        return -1;
}

/* Whether partition @p p, from which nothing was polled since it was
 * assigned at @p start (the assignment's offset: logical or absolute),
 * starts at or past @p end. 1 yes, 0 no, -1 ask the group's committed
 * offset. */
static int starts_at_end(int64_t start, int64_t end) {
        if (start == RD_KAFKA_OFFSET_END)
                return 1;
        if (start >= 0)
                return start >= end;
        if (start == RD_KAFKA_OFFSET_BEGINNING)
                return end == 0;
        return -1; /* the committed offset, or auto.offset.reset */
}

int drain_reached(drain_t *d, events_consumer_t *c) {
        rd_kafka_t *rk = events_consumer_handle(c);
        rd_kafka_topic_partition_list_t *a = NULL, *start, *unknown;
        int done = 1;

        if (!rk || mono_us() < d->next_us)
                return 0;
        d->next_us = mono_us() + CHECK_EVERY_US;
        if (rd_kafka_assignment(rk, &a) || !a)
                return 0;
        /* The assignment's offsets are where each partition started;
         * rd_kafka_position() replaces them with the positions. */
        start = rd_kafka_topic_partition_list_copy(a);
        if (a->cnt == 0 || rd_kafka_position(rk, a)) {
                rd_kafka_topic_partition_list_destroy(start);
                rd_kafka_topic_partition_list_destroy(a);
                return 0;
        }
        unknown = rd_kafka_topic_partition_list_new(a->cnt);
        for (int i = 0; done && i < a->cnt; i++) {
                rd_kafka_topic_partition_t *p = &a->elems[i];
                int64_t end = end_of(d, rk, p->topic, p->partition);

                if (end < 0) {
                        done = 0;
                } else if (p->offset >= 0) {
                        done = p->offset >= end;
                } else if (end > 0) {
                        /* Nothing polled there yet: where did it start? */
                        switch (starts_at_end(start->elems[i].offset, end)) {
                        case 1:
                                break;
                        case 0:
                                done = 0;
                                break;
                        default:
                                rd_kafka_topic_partition_list_add(
                                        unknown, p->topic, p->partition)
                                        ->offset = end;
                        }
                }
        }
        if (done && unknown->cnt) {
                /* Drained if the group's committed offset is at the end
                 * already, or, without one, if the reset goes to the end. */
                rd_kafka_topic_partition_list_t *q =
                        rd_kafka_topic_partition_list_copy(unknown);
                if (rd_kafka_committed(rk, q, QUERY_TIMEOUT_MS))
                        done = 0;
                for (int i = 0; done && i < q->cnt; i++) {
                        int64_t off = q->elems[i].offset;

                        if (off >= 0)
                                done = off >= unknown->elems[i].offset;
                        else
                                done = reset_to_end(rk) == 1;
                }
                rd_kafka_topic_partition_list_destroy(q);
        }
        rd_kafka_topic_partition_list_destroy(unknown);
        rd_kafka_topic_partition_list_destroy(start);
        rd_kafka_topic_partition_list_destroy(a);
        return done;
}
