/*
 * offsets.c - -o start positions for events-consumer's reading modes, in
 * kcat's spelling: beginning, end, stored, N (an absolute offset), -N (N
 * before the end), s@TIME (the first message at or after TIME) and e@TIME
 * (stop before the first message at or after TIME). TIME is milliseconds
 * since the epoch or RFC 3339. "P:SPEC" applies to partition P only.
 */
#include "offsets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <events/events.h>

static int parse_time(const char *s, int64_t *ms) {
        char *end;
        long long v;
        int64_t us;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (!errno && end != s && !*end && v >= 0) {
                *ms = v;
                return 0;
        }
        if (events_timestamp_parse(s, strlen(s), &us, NULL) == EVENTS_OK &&
            us >= 0) {
                *ms = us / 1000;
                return 0;
        }
        return -1;
}

int offset_spec_parse(const char *s, offset_spec_t *out) {
        offset_spec_t o = {.partition = -1};
        const char *colon = strchr(s, ':');
        char *end;
        long long v;

        /* "P:" only when what precedes the colon is a partition number: an
         * RFC 3339 time has colons too. */
        if (colon && colon > s &&
            strspn(s, "0123456789") == (size_t)(colon - s)) {
                errno = 0;
                v = strtoll(s, &end, 10);
                if (errno || v > INT32_MAX)
                        return -1;
                o.partition = (int32_t)v;
                s = colon + 1;
        }
        if (!strcmp(s, "beginning")) {
                o.kind = OFFSET_BEGINNING;
        } else if (!strcmp(s, "end")) {
                o.kind = OFFSET_END;
        } else if (!strcmp(s, "stored")) {
                o.kind = OFFSET_STORED;
        } else if (!strncmp(s, "s@", 2) || !strncmp(s, "e@", 2)) {
                o.kind = s[0] == 's' ? OFFSET_START_TIME : OFFSET_END_TIME;
                if (parse_time(s + 2, &o.value))
                        return -1;
        } else {
                errno = 0;
                v = strtoll(s, &end, 10);
                if (errno || end == s || *end)
                        return -1;
                if (*s == '-') {
                        if (v == 0)
                                return -1;
                        o.kind = OFFSET_TAIL;
                        o.value = -v;
                } else {
                        o.kind = OFFSET_ABS;
                        o.value = v;
                }
        }
        *out = o;
        return 0;
}

static const offset_spec_t *pick(const offset_spec_t *specs, size_t n,
                                 int32_t partition, offset_kind_t kind) {
        const offset_spec_t *all = NULL, *one = NULL;

        for (size_t i = 0; i < n; i++) {
                if (specs[i].kind == OFFSET_END_TIME && kind != OFFSET_END_TIME)
                        continue;
                if (specs[i].kind != OFFSET_END_TIME && kind == OFFSET_END_TIME)
                        continue;
                if (specs[i].partition == partition)
                        one = &specs[i];
                else if (specs[i].partition < 0)
                        all = &specs[i];
        }
        return one ? one : all;
}

rd_kafka_resp_err_t offsets_resolve(rd_kafka_t *rk,
                                    rd_kafka_topic_partition_list_t *parts,
                                    const offset_spec_t *specs, size_t n,
                                    offset_kind_t dflt, int64_t *end,
                                    int timeout_ms) {
        rd_kafka_topic_partition_list_t *times;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        int any_time = 0;

        times = rd_kafka_topic_partition_list_new(parts->cnt);
        if (!times)
                return RD_KAFKA_RESP_ERR__NOENT;
        for (int i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *p = &parts->elems[i];
                const offset_spec_t *s = pick(specs, n, p->partition, 0);
                const offset_spec_t *e =
                        pick(specs, n, p->partition, OFFSET_END_TIME);
                offset_kind_t k = s ? s->kind : dflt;

                end[i] = INT64_MAX;
                switch (k) {
                case OFFSET_BEGINNING:
                        p->offset = RD_KAFKA_OFFSET_BEGINNING;
                        break;
                case OFFSET_END:
                        p->offset = RD_KAFKA_OFFSET_END;
                        break;
                case OFFSET_STORED:
                        p->offset = RD_KAFKA_OFFSET_STORED;
                        break;
                case OFFSET_ABS:
                        p->offset = s->value;
                        break;
                case OFFSET_TAIL:
                        p->offset = RD_KAFKA_OFFSET_TAIL(s->value);
                        break;
                case OFFSET_START_TIME:
                        rd_kafka_topic_partition_list_add(times, p->topic,
                                                          p->partition)
                                ->offset = s->value;
                        any_time = 1;
                        break;
                case OFFSET_END_TIME:
                        break;
                }
                if (e) {
                        /* Resolved below with the start times, in a
                         * second list: one partition, two times. */
                        end[i] = -2 - e->value;
                        any_time = 1;
                }
        }
        if (any_time) {
                rd_kafka_topic_partition_list_t *ends =
                        rd_kafka_topic_partition_list_new(parts->cnt);
                for (int i = 0; i < parts->cnt; i++)
                        if (end[i] <= -2)
                                rd_kafka_topic_partition_list_add(
                                        ends, parts->elems[i].topic,
                                        parts->elems[i].partition)
                                        ->offset = -2 - end[i];
                if (times->cnt)
                        err = rd_kafka_offsets_for_times(rk, times, timeout_ms);
                if (!err && ends->cnt)
                        err = rd_kafka_offsets_for_times(rk, ends, timeout_ms);
                for (int i = 0; !err && i < parts->cnt; i++) {
                        rd_kafka_topic_partition_t *p = &parts->elems[i], *t;

                        if ((t = rd_kafka_topic_partition_list_find(
                                     times, p->topic, p->partition))) {
                                if (t->err)
                                        err = t->err;
                                /* -1: no message that late; start at the
                                 * end. */
                                p->offset = t->offset < 0 ? RD_KAFKA_OFFSET_END
                                                          : t->offset;
                        }
                        if ((t = rd_kafka_topic_partition_list_find(
                                     ends, p->topic, p->partition))) {
                                if (t->err)
                                        err = t->err;
                                end[i] = t->offset < 0 ? INT64_MAX : t->offset;
                        }
                }
                rd_kafka_topic_partition_list_destroy(ends);
        }
        rd_kafka_topic_partition_list_destroy(times);
        return err;
}
