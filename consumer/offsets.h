/*
 * offsets.h - the -o start positions of events-consumer's reading modes
 * (print.c): beginning, end, stored, N, -N, s@TIME and e@TIME, for all
 * partitions or one (-o P:SPEC).
 */
#ifndef CONSUMER_OFFSETS_H
#define CONSUMER_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

typedef enum offset_kind {
        OFFSET_BEGINNING,
        OFFSET_END,
        OFFSET_STORED,
        OFFSET_ABS,        /* N */
        OFFSET_TAIL,       /* -N: N before the end */
        OFFSET_START_TIME, /* s@TIME: the first at or after TIME */
        OFFSET_END_TIME,   /* e@TIME: stop before the first at or after TIME */
} offset_kind_t;

typedef struct offset_spec {
        int32_t partition; /* -1: every partition */
        offset_kind_t kind;
        int64_t value; /* N, or TIME in ms since the epoch */
} offset_spec_t;

/**
 * Parse "[P:]SPEC".
 * @returns 0, or -1 when @p s is not one (nothing is changed then).
 */
int offset_spec_parse(const char *s, offset_spec_t *out);

/**
 * The start and end of every partition in @p parts from @p specs (the
 * last spec naming the partition wins, else the last one for all, else
 * @p dflt): sets each element's offset to a librdkafka start offset, and
 * end[i] to the offset reading stops before (INT64_MAX: no such limit).
 * s@TIME and e@TIME ask the broker (rd_kafka_offsets_for_times()).
 * @returns 0, or a librdkafka error.
 */
rd_kafka_resp_err_t offsets_resolve(rd_kafka_t *rk,
                                    rd_kafka_topic_partition_list_t *parts,
                                    const offset_spec_t *specs, size_t n,
                                    offset_kind_t dflt, int64_t *end,
                                    int timeout_ms);

#endif /* CONSUMER_OFFSETS_H */
