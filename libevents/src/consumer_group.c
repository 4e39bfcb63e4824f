/*
 * consumer_group.c - the consumer's group membership: the rebalance
 * callback, served on the polling thread. On assignment it drops
 * dead-letter topics that only a pattern subscription matched (a pattern
 * such as ^orders.* must not consume orders.dlq, nor the orders.dlq.dlq
 * that consuming it would make), then applies the start position asked
 * for with events_consumer_set_start() to partitions the group has no
 * committed offset for; on revoke it stores the pending offset and commits
 * while the partitions are still ours.
 *
 * It also keeps, per partition, the newest offset we stored and the
 * newest the coordinator confirmed (from librdkafka's commit results), so
 * that the final commit at close can say truthfully what was committed
 * and what was not.
 *
 * The DLQ filter is in the rebalance callback rather than in the pattern:
 * librdkafka matches patterns with POSIX extended regular expressions
 * (regcomp), which have no negative lookahead, and the callback works the
 * same for the eager and the cooperative protocols (the partitions left
 * out are left out of the revocations too).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
                events__consumer_log(
                        c, EVENTS_LOG_WARNING,
                        "cannot read committed offsets: start position not "
                        "applied, using the group's offsets",
                        "error", rd_kafka_err2str(err));
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
                        events__consumer_log(
                                c, EVENTS_LOG_WARNING,
                                "cannot find offset by time", "topic",
                                tp->topic, "partition",
                                EVENTS__I64(tp->partition), "error",
                                rd_kafka_err2str(err ? err : tp->err));
                        continue;
                }
                /* -1: no message at or after the time: start at the end */
                pp->offset = tp->offset >= 0 ? tp->offset : RD_KAFKA_OFFSET_END;
                events__consumer_log(c, EVENTS_LOG_INFO, "start by time",
                                     "topic", tp->topic, "partition",
                                     EVENTS__I64(tp->partition), "offset",
                                     EVENTS__I64(tp->offset));
        }
        rd_kafka_topic_partition_list_destroy(times);
}

/* ---- stored and committed offsets ---- */

static offs_t *offs_find(const events_consumer_t *c, const char *topic,
                         int32_t partition) {
        for (size_t i = 0; i < c->noffs; i++)
                if (c->offs[i].partition == partition &&
                    !strcmp(c->offs[i].topic, topic))
                        return &c->offs[i];
        return NULL;
}

void events__consumer_note_stored(events_consumer_t *c, const char *topic,
                                  int32_t partition, int64_t next) {
        offs_t *o = offs_find(c, topic, partition), *grown;

        if (!o) {
                char *t = strdup(topic);
                if (!t || !(grown = realloc(c->offs,
                                            (c->noffs + 1) * sizeof(*grown)))) {
                        free(t);
                        return; /* out of memory: the commit is not told */
                }
                c->offs = grown;
                o = &c->offs[c->noffs++];
                o->topic = t;
                o->partition = partition;
                o->committed = -1;
        }
        o->stored = next;
}

void events__consumer_note_committed(
        events_consumer_t *c, const rd_kafka_topic_partition_list_t *offsets) {
        for (int i = 0; offsets && i < offsets->cnt; i++) {
                const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
                offs_t *o = offs_find(c, tp->topic, tp->partition);

                if (o && !tp->err && tp->offset >= 0 &&
                    tp->offset > o->committed)
                        o->committed = tp->offset;
        }
}

void events__consumer_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t *offsets,
                                void *opaque) {
        (void)rk;
        if (!err || err == RD_KAFKA_RESP_ERR__NO_OFFSET)
                events__consumer_note_committed(opaque, offsets);
        /* An automatic commit with nothing new to commit is no commit. */
        if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
                return;
        events__consumer_count(opaque, err ? EVENTS_COUNTER_COMMITS_FAILED
                                           : EVENTS_COUNTER_COMMITS_OK);
}

rd_kafka_topic_partition_list_t *
events__consumer_uncommitted_list(const events_consumer_t *c) {
        rd_kafka_topic_partition_list_t *l = NULL;

        for (size_t i = 0; i < c->noffs; i++) {
                const offs_t *o = &c->offs[i];

                if (o->stored <= o->committed)
                        continue;
                if (!l && !(l = rd_kafka_topic_partition_list_new(4)))
                        return NULL;
                rd_kafka_topic_partition_list_add(l, o->topic, o->partition)
                        ->offset = o->stored;
        }
        return l;
}

int events_consumer_uncommitted(const events_consumer_t *c, char *buf,
                                size_t size) {
        size_t n = 0;
        int count = 0;

        if (buf && size)
                buf[0] = '\0';
        if (!c)
                return 0;
        for (size_t i = 0; i < c->noffs; i++) {
                const offs_t *o = &c->offs[i];

                if (o->stored <= o->committed)
                        continue;
                count++;
                if (buf && n < size) {
                        int w = snprintf(buf + n, size - n, "%s%s[%" PRId32 "]",
                                         n ? "," : "", o->topic, o->partition);
                        n = w > 0 ? n + (size_t)w : n;
                }
        }
        return count;
}

/* ---- dead-letter topics ---- */

/* Whether @p topic has the shape of the DLQ template @p tmpl: equal to it
 * when it has no {topic}, else its prefix + something + its suffix. */
static int dlq_shaped(const char *tmpl, const char *topic) {
        const char *at = strstr(tmpl, "{topic}");
        size_t pre, post, len = strlen(topic);

        if (!at)
                return !strcmp(tmpl, topic);
        pre = (size_t)(at - tmpl);
        post = strlen(at + 7);
        if (pre + post == 0)
                return 0; /* "{topic}" alone: the topic itself, no DLQ */
        return len > pre + post && !strncmp(topic, tmpl, pre) &&
               !strcmp(topic + len - post, at + 7);
}

int events__consumer_skip_topic(const events_consumer_t *c, const char *topic) {
        for (size_t i = 0; i < c->nexplicit; i++)
                if (!strcmp(c->explicit_topics[i], topic))
                        return 0;
        return dlq_shaped(EVENTS_DLQ_DEFAULT, topic) ||
               (c->dlq_tmpl && dlq_shaped(c->dlq_tmpl, topic));
}

/* @p parts without the partitions of topics to skip; @p nskipped gets how
 * many were left out. The caller frees the copy. */
static rd_kafka_topic_partition_list_t *
without_dlq(const events_consumer_t *c,
            const rd_kafka_topic_partition_list_t *parts, int *nskipped) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(
                parts->cnt > 0 ? parts->cnt : 1);

        *nskipped = 0;
        for (int i = 0; l && i < parts->cnt; i++) {
                const rd_kafka_topic_partition_t *tp = &parts->elems[i];

                if (events__consumer_skip_topic(c, tp->topic)) {
                        (*nskipped)++;
                        continue;
                }
                rd_kafka_topic_partition_list_add(l, tp->topic, tp->partition)
                        ->offset = tp->offset;
        }
        return l;
}

/* ---- rebalances ---- */

static void commit_sync(events_consumer_t *c, const char *why) {
        rd_kafka_resp_err_t err;
        rd_kafka_topic_partition_list_t *now = NULL;

        events__consumer_store_flush(c);
        err = rd_kafka_commit(c->rk, NULL, 0);

        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                /* every stored offset of the assignment is committed */
                if (!rd_kafka_assignment(c->rk, &now)) {
                        for (int i = 0; i < now->cnt; i++) {
                                offs_t *o = offs_find(c, now->elems[i].topic,
                                                      now->elems[i].partition);
                                if (o)
                                        o->committed = o->stored;
                        }
                        rd_kafka_topic_partition_list_destroy(now);
                }
                events__consumer_log(c, EVENTS_LOG_DEBUG, "offsets committed",
                                     "on", why);
        } else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
                events__consumer_set_last_error(c, "commit on %s failed: %s",
                                                why, rd_kafka_err2str(err));
                events__consumer_log(c, EVENTS_LOG_ERROR, "commit failed", "on",
                                     why, "error", rd_kafka_err2str(err));
        }
}

/* A rebalance served while closing: events_consumer_close() serves the
 * close queue, and the group may still hand us an assignment the consumer
 * never took (it did not poll since the group assigned it). Once the group
 * is terminating librdkafka turns any assign into a full unassign, so we
 * unassign, once, and ask the group nothing more. librdkafka 2.0.2
 * answers a request to the group (an assign, rd_kafka_assignment())
 * through the group's op queue, which the group purges unanswered when it
 * terminates, so a request made as it terminates waits forever (librdkafka
 * #4884, #4041). The first unassign is what the terminating group waits
 * for; after it, a cooperative group may still send the revoke of what it
 * had assigned, which needs nothing: answering it raced the group's end
 * (measured: one close in 15 hung there). Skipping a call the group did
 * need would cost the close's deadline, not a hang. */
static void rebalance_closing(events_consumer_t *c, rd_kafka_resp_err_t err,
                              int n) {
        rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        int first = !c->close_unassigned;

        if (first) {
                aerr = rd_kafka_assign(c->rk, NULL);
                c->close_unassigned = 1;
        }
        pthread_mutex_lock(&c->lock);
        c->assigned = 0;
        c->joined = 0;
        pthread_mutex_unlock(&c->lock);
        events__consumer_log(
                c, EVENTS_LOG_INFO,
                err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
                        ? "assignment declined: the consumer is closing"
                : first ? "partitions revoked"
                        : "partitions revoked: already unassigned",
                "count", EVENTS__I64(n));
        if (aerr)
                events__consumer_log(c, EVENTS_LOG_ERROR, "assignment failed",
                                     "error", rd_kafka_err2str(aerr));
}

void events__consumer_rebalance(events_consumer_t *c, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t *given) {
        int cooperative = c->cooperative, nskipped = 0;
        rd_kafka_error_t *error = NULL;
        rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_topic_partition_list_t *now = NULL;
        rd_kafka_topic_partition_list_t *parts =
                without_dlq(c, given, &nskipped);

        if (!parts) {
                events__consumer_log(c, EVENTS_LOG_ERROR,
                                     "rebalance: out of memory");
                return;
        }
        /* Counted, and a revoke's pending offset stored while still
         * assigned (it is ours), closing or not. */
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                events__consumer_count(c, EVENTS_COUNTER_ASSIGNS);
                c->ever_joined = 1;
        } else {
                events__consumer_count(c, EVENTS_COUNTER_REVOKES);
                events__consumer_store_flush(c);
        }
        if (c->state == STATE_CLOSED) {
                rebalance_closing(c, err, parts->cnt);
                rd_kafka_topic_partition_list_destroy(parts);
                return;
        }
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                apply_start(c, parts);
                if (cooperative)
                        error = rd_kafka_incremental_assign(c->rk, parts);
                else
                        aerr = rd_kafka_assign(c->rk, parts);
                events__consumer_log(c, EVENTS_LOG_INFO, "partitions assigned",
                                     "count", EVENTS__I64(parts->cnt),
                                     "dlq_skipped",
                                     nskipped ? EVENTS__I64(nskipped) : NULL);
        } else {
                /* Never while closing (rebalance_closing() above): the
                 * final commit was made (or failed) already, and a
                 * synchronous commit has no bound: with the broker gone it
                 * would hold the close forever. */
                if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
                    !rd_kafka_assignment_lost(c->rk))
                        commit_sync(c, "revoke");
                if (cooperative)
                        error = rd_kafka_incremental_unassign(c->rk, parts);
                else
                        aerr = rd_kafka_assign(c->rk, NULL);
                events__consumer_log(
                        c, EVENTS_LOG_INFO,
                        err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS
                                ? "partitions revoked"
                                : "partitions revoked (rebalance error)",
                        "count", EVENTS__I64(parts->cnt));
        }
        rd_kafka_topic_partition_list_destroy(parts);
        if (error) {
                events__consumer_log(c, EVENTS_LOG_ERROR, "assignment failed",
                                     "error", rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        } else if (aerr) {
                events__consumer_log(c, EVENTS_LOG_ERROR, "assignment failed",
                                     "error", rd_kafka_err2str(aerr));
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
        (void)rk;
        events__consumer_rebalance(opaque, err, parts);
}
