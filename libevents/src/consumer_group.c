/*
 * consumer_group.c - the consumer's group membership: the rebalance
 * callback, served on the polling thread. On assignment it applies the
 * start position asked for with events_consumer_set_start() to partitions
 * the group has no committed offset for; on revoke it stores the pending
 * offset and commits while the partitions are still ours.
 */
#include <inttypes.h>

#include "consumer_int.h"

#define COMMITTED_TIMEOUT_MS 10000

/* For partitions the group has no committed offset for, choose the start
 * the caller asked for. Partitions with a committed offset keep it. */
static void apply_start(events_consumer_t *c,
                        rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_topic_partition_list_t *committed, *times = NULL;
        rd_kafka_resp_err_t err;

        if (c->start == EVENTS_START_COMMITTED || parts->cnt == 0)
                return;
        committed = rd_kafka_topic_partition_list_copy(parts);
        err = rd_kafka_committed(c->rk, committed, COMMITTED_TIMEOUT_MS);
        if (err) {
                events__consumer_logf(
                        c, EVENTS_LOG_WARNING,
                        "cannot read committed offsets (%s): start position "
                        "not applied, using the group's offsets",
                        rd_kafka_err2str(err));
                rd_kafka_topic_partition_list_destroy(committed);
                return;
        }
        for (int i = 0; i < committed->cnt; i++) {
                rd_kafka_topic_partition_t *cp = &committed->elems[i];
                rd_kafka_topic_partition_t *pp =
                        rd_kafka_topic_partition_list_find(parts, cp->topic,
                                                           cp->partition);

                if (!pp || cp->err || cp->offset != RD_KAFKA_OFFSET_INVALID)
                        continue;
                if (c->start == EVENTS_START_BEGINNING) {
                        pp->offset = RD_KAFKA_OFFSET_BEGINNING;
                } else if (c->start == EVENTS_START_END) {
                        pp->offset = RD_KAFKA_OFFSET_END;
                } else {
                        if (!times)
                                times = rd_kafka_topic_partition_list_new(
                                        parts->cnt);
                        rd_kafka_topic_partition_list_add(times, cp->topic,
                                                          cp->partition)
                                ->offset = c->start_time_ms;
                }
        }
        rd_kafka_topic_partition_list_destroy(committed);
        if (!times)
                return;
        err = rd_kafka_offsets_for_times(c->rk, times, COMMITTED_TIMEOUT_MS);
        for (int i = 0; i < times->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &times->elems[i];
                rd_kafka_topic_partition_t *pp =
                        rd_kafka_topic_partition_list_find(parts, tp->topic,
                                                           tp->partition);

                if (!pp)
                        continue;
                if (err || tp->err) {
                        events__consumer_logf(
                                c, EVENTS_LOG_WARNING,
                                "cannot find offset by time topic=%s "
                                "partition=%" PRId32 ": %s",
                                tp->topic, tp->partition,
                                rd_kafka_err2str(err ? err : tp->err));
                        continue;
                }
                /* -1: no message at or after the time: start at the end */
                pp->offset = tp->offset >= 0 ? tp->offset : RD_KAFKA_OFFSET_END;
                events__consumer_logf(
                        c, EVENTS_LOG_INFO,
                        "start by time topic=%s partition=%" PRId32
                        " offset=%" PRId64,
                        tp->topic, tp->partition, tp->offset);
        }
        rd_kafka_topic_partition_list_destroy(times);
}

static void commit_sync(events_consumer_t *c, const char *why) {
        rd_kafka_resp_err_t err;

        events__consumer_store_flush(c);
        err = rd_kafka_commit(c->rk, NULL, 0);

        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                events__consumer_logf(c, EVENTS_LOG_DEBUG,
                                      "offsets committed on %s", why);
        else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
                events__consumer_set_last_error(c, "commit on %s failed: %s",
                                                why, rd_kafka_err2str(err));
                events__consumer_logf(c, EVENTS_LOG_ERROR,
                                      "commit on %s failed: %s", why,
                                      rd_kafka_err2str(err));
        }
}

void events__consumer_rebalance(events_consumer_t *c, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t *parts) {
        int cooperative = c->cooperative;
        rd_kafka_error_t *error = NULL;
        rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_topic_partition_list_t *now = NULL;

        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                events__consumer_count(c, EVENTS_COUNTER_ASSIGNS);
                apply_start(c, parts);
                if (cooperative)
                        error = rd_kafka_incremental_assign(c->rk, parts);
                else
                        aerr = rd_kafka_assign(c->rk, parts);
                events__consumer_logf(c, EVENTS_LOG_INFO,
                                      "partitions assigned count=%d",
                                      parts->cnt);
        } else {
                events__consumer_count(c, EVENTS_COUNTER_REVOKES);
                /* while still assigned: the pending offset is ours */
                events__consumer_store_flush(c);
                if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
                    !rd_kafka_assignment_lost(c->rk))
                        commit_sync(c, "revoke");
                if (cooperative)
                        error = rd_kafka_incremental_unassign(c->rk, parts);
                else
                        aerr = rd_kafka_assign(c->rk, NULL);
                events__consumer_logf(
                        c, EVENTS_LOG_INFO, "partitions revoked count=%d%s",
                        parts->cnt,
                        err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS
                                ? ""
                                : " (rebalance error)");
        }
        if (error) {
                events__consumer_logf(c, EVENTS_LOG_ERROR,
                                      "assignment failed: %s",
                                      rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        } else if (aerr) {
                events__consumer_logf(c, EVENTS_LOG_ERROR,
                                      "assignment failed: %s",
                                      rd_kafka_err2str(aerr));
        }
        if (!rd_kafka_assignment(c->rk, &now)) {
                pthread_mutex_lock(&c->lock);
                c->assigned = now->cnt;
                /* An assignment, even an empty one, means the group was
                 * joined; an eager revoke (or a lost assignment) leaves it
                 * until the next one, a cooperative revoke does not. */
                if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                        c->joined = 1;
                        /* It came from the group coordinator: a broker
                         * is up, even for a member that never fetches. */
                        c->broker_up = 1;
                } else if (!cooperative ||
                           err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ||
                           now->cnt == 0)
                        c->joined = 0;
                pthread_mutex_unlock(&c->lock);
                rd_kafka_topic_partition_list_destroy(now);
        }
}

void events__consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t *parts,
                                   void *opaque) {
        events__consumer_rebalance(opaque, err, parts);
}
