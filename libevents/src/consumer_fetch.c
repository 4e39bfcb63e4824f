/*
 * consumer_fetch.c - waking librdkafka's fetcher when the consumer queue
 * drains (see events__consumer_kick_fetchers() below for why), through a
 * small thread of the consumer's own, the kicker, which makes the
 * synchronous watermark query so that the polling thread never waits on
 * it. The kicker blocks all signals and shares only its request, under
 * c->klock.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "consumer_int.h"

#define KICK_TIMEOUT_MS 1000

/* Remember a partition messages come from, for
 * events__consumer_kick_fetchers(). */
static void note_partition(events_consumer_t *c, const rd_kafka_message_t *m) {
        const char *t = rd_kafka_topic_name(m->rkt);
        int i;

        for (i = 0; i < c->nrecent; i++)
                if (c->recent[i].partition == m->partition &&
                    !strcmp(c->recent[i].topic, t))
                        return;
        if (strlen(t) >= sizeof(c->recent[0].topic))
                return;
        i = c->nrecent < KICK_MAX ? c->nrecent++
                                  : (int)(c->nmsgs / c->kick_every) % KICK_MAX;
        strcpy(c->recent[i].topic, t);
        c->recent[i].partition = m->partition;
}

static void *kicker_main(void *opaque) {
        events_consumer_t *c = opaque;
        char topic[sizeof(c->ktopic)];
        int32_t partition;

        pthread_mutex_lock(&c->klock);
        for (;;) {
                int64_t lo, hi;

                while (!c->kquit && !c->kpending)
                        pthread_cond_wait(&c->kcond, &c->klock);
                if (c->kquit)
                        break;
                memcpy(topic, c->ktopic, sizeof(topic));
                partition = c->kpartition;
                c->kpending = 0;
                pthread_mutex_unlock(&c->klock);
                rd_kafka_query_watermark_offsets(c->rk, topic, partition, &lo,
                                                 &hi, KICK_TIMEOUT_MS);
                pthread_mutex_lock(&c->klock);
        }
        pthread_mutex_unlock(&c->klock);
        return NULL;
}

/* Hand a query to the kicker thread, starting it if need be; when it
 * cannot start, make the query here. */
static void kick_request(events_consumer_t *c, const char *topic,
                         int32_t partition) {
        if (!c->kicker_started) {
                sigset_t all, old;
                int rc;

                sigfillset(&all);
                pthread_sigmask(SIG_SETMASK, &all, &old);
                rc = pthread_create(&c->kicker, NULL, kicker_main, c);
                pthread_sigmask(SIG_SETMASK, &old, NULL);
                if (rc) {
                        int64_t lo, hi;
                        rd_kafka_query_watermark_offsets(c->rk, topic,
                                                         partition, &lo, &hi,
                                                         KICK_TIMEOUT_MS);
                        return;
                }
                c->kicker_started = 1;
        }
        pthread_mutex_lock(&c->klock);
        snprintf(c->ktopic, sizeof(c->ktopic), "%s", topic);
        c->kpartition = partition;
        c->kpending = 1;
        pthread_cond_signal(&c->kcond);
        pthread_mutex_unlock(&c->klock);
}

void events__consumer_kicker_stop(events_consumer_t *c) {
        if (!c->kicker_started)
                return;
        pthread_mutex_lock(&c->klock);
        c->kquit = 1;
        pthread_cond_signal(&c->kcond);
        pthread_mutex_unlock(&c->klock);
        pthread_join(c->kicker, NULL);
        c->kicker_started = 0;
}

/* librdkafka 2.0.2 stops fetching a partition while the consumer queue
 * holds queued.min.messages messages or queued.max.messages.kbytes (the
 * partitions' queues are forwarded to it, so the thresholds apply to their
 * sum), and looks again only when its broker thread wakes up: on network
 * or queue activity, else once a second. A consumer that drains the queue
 * in less than a second then idles until that tick (measured: fetches at
 * whole seconds, the queue empty in between).
 *
 * So, sampling the queue's length every kick_every messages: once it was at
 * half a threshold or more (the fetcher is ahead and may stop), when it is
 * below 75% of the threshold and shrinking, wake the fetchers before the
 * queue runs dry (once, until it grows to half a threshold again). Thresholds
 * are crossed between samples, so the rule asks for no exact value: a watermark
 * query for a partition goes through its leader's broker thread, which
 * then re-evaluates all its partitions and fetches again. One query per
 * cycle, made by the kicker thread (it is a synchronous round trip), for
 * each of the last KICK_MAX distinct partitions seen in turn: with several
 * brokers, each leader is woken every few cycles (and by its own 1 s tick
 * at worst). A consumer that keeps up never kicks: its queue stays short.
 * The bytes threshold is estimated from the mean message size. */
void events__consumer_kick_fetchers(events_consumer_t *c,
                                    const rd_kafka_message_t *m) {
        int64_t qlen = (int64_t)rd_kafka_queue_length(c->cq), prev;
        double bytes;

        c->avg_len = c->avg_len * 0.75 + (double)m->len * 0.25;
        note_partition(c, m);
        bytes = (double)qlen * c->avg_len;
        prev = c->prev_qlen;
        c->prev_qlen = qlen;
        if (qlen * 2 >= c->q_min_msgs || bytes * 2 >= (double)c->q_max_bytes)
                c->armed = 1;
        if (!c->armed || qlen >= prev || qlen * 4 >= c->q_min_msgs * 3 ||
            bytes * 4 >= (double)c->q_max_bytes * 3)
                return;
        c->armed = 0;
        if (c->nrecent) {
                int i = (int)(c->kicks++ % (unsigned)c->nrecent);
                kick_request(c, c->recent[i].topic, c->recent[i].partition);
        }
}
