/*
 * consumer_message.c - what the consumer does with one message, on the
 * polling thread: parse the envelope (lazily, on a reused lite tree),
 * match its route, validate it when the route asks, dispatch it through
 * the router with retries, then store its offset, or dead-letter it
 * (consumer_dlq.c) and store, or, when the DLQ write fails, rewind and
 * stop. Offsets of a run of one partition are stored once (store_offset()).
 * A message that is not an envelope may be a CloudEvent (cloudevents.c):
 * it is then decoded into the same event, and routed the same way.
 * Every outcome is reported to the delivery callback.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_int.h"

/* Give librdkafka the pending offset at least every this many messages,
 * and once it is this old: a slow handler on one partition must not hold
 * the commits (every auto.commit.interval.ms) back. */
#define STORE_EVERY 1024
#define STORE_MAX_AGE_US 100000

/* Seek a partition back to @p offset (and pause it), so that the message is
 * consumed again rather than skipped. */
static void rewind_partition(events_consumer_t *c, const rd_kafka_message_t *m,
                             int pause) {
        rd_kafka_topic_partition_list_t *l =
                rd_kafka_topic_partition_list_new(1);
        rd_kafka_error_t *error;

        rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt),
                                          m->partition)
                ->offset = m->offset;
        if (pause)
                rd_kafka_pause_partitions(c->rk, l);
        if ((error = rd_kafka_seek_partitions(c->rk, l, 5000))) {
                events__consumer_log(c, EVENTS_LOG_WARNING, "seek back failed",
                                     "topic", rd_kafka_topic_name(m->rkt),
                                     "partition", EVENTS__I64(m->partition),
                                     "offset", EVENTS__I64(m->offset), "error",
                                     rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
        rd_kafka_topic_partition_list_destroy(l);
}

/* Give librdkafka the pending offset, if any. Called before anything that
 * may commit or change the assignment: taking the next batch (which
 * serves rebalances), a commit, the close. */
void events__consumer_store_flush(events_consumer_t *c) {
        rd_kafka_resp_err_t kerr;

        if (!c->st_rkt)
                return;
        /* the legacy call stores st_offset + 1: the next one to read */
        kerr = rd_kafka_offset_store(c->st_rkt, c->st_partition, c->st_offset);
        if (!kerr)
                events__consumer_note_stored(c, rd_kafka_topic_name(c->st_rkt),
                                             c->st_partition, c->st_offset + 1);
        if (kerr) {
                /* Revoked while we handled it: the new owner redoes it. */
                events__consumer_log(c, EVENTS_LOG_WARNING, "offset not stored",
                                     "topic", rd_kafka_topic_name(c->st_rkt),
                                     "partition", EVENTS__I64(c->st_partition),
                                     "offset", EVENTS__I64(c->st_offset),
                                     "error", rd_kafka_err2str(kerr));
        }
        rd_kafka_topic_destroy(c->st_rkt);
        c->st_rkt = NULL;
}

/* The message is done with (handled, or safe in the DLQ): its offset may be
 * stored. Consecutive messages of one partition are stored once, with the
 * newest offset: the pending one is flushed when another partition comes,
 * and by events__consumer_store_flush() before any commit. A pending offset is
 * never committed early, only late, which keeps at-least-once. */
static void store_offset(events_consumer_t *c, const rd_kafka_message_t *m) {
        if (c->st_rkt &&
            (c->st_rkt != m->rkt || c->st_partition != m->partition))
                events__consumer_store_flush(c);
        if (!c->st_rkt) {
                /* m->rkt is the message's: keep our own reference */
                c->st_rkt = rd_kafka_topic_new(
                        c->rk, rd_kafka_topic_name(m->rkt), NULL);
                c->st_partition = m->partition;
                c->st_since_us = events__mono_us();
        }
        c->st_offset = m->offset;
        /* a long run of one partition still reaches the commits */
        if (++c->st_count % STORE_EVERY == 0 ||
            events__mono_us() - c->st_since_us >= STORE_MAX_AGE_US)
                events__consumer_store_flush(c);
}

static void deliver(events_consumer_t *c, events_delivery_t *d, int64_t t0) {
        if (c->delivery_cb) {
                d->duration_us = events__mono_us() - t0;
                c->delivery_cb(d, c->delivery_opaque);
        }
}

/* The event type from the message header, when the body is unusable. */
static const char *header_type(const rd_kafka_message_t *m, char *buf,
                               size_t size) {
        rd_kafka_headers_t *h;
        const void *v;
        size_t len;

        if (rd_kafka_message_headers(m, &h) ||
            rd_kafka_header_get_last(h, EVENTS_HEADER_EVENT_TYPE, &v, &len) ||
            !v || len == 0 || len >= size)
                return NULL;
        memcpy(buf, v, len);
        buf[len] = '\0';
        return events_type_valid(buf) ? buf : NULL;
}

/* A message that is not our envelope may be a CloudEvent, in either mode.
 * Asked only once the envelope failed, so that envelopes pay nothing.
 * @returns 1 when it is one (decoded into *evp and *cep, or why not in
 * *rcp and *perr), 0 when it is not (*perr keeps the envelope's error). */
static int cloudevent(const rd_kafka_message_t *m, events_event_t **evp,
                      events_cloudevent_t **cep, events_err_t *rcp,
                      events_error_t *perr) {
        events_ce_message_t cm = {m->payload, m->len, m->key, m->key_len, NULL};

        if (rd_kafka_message_headers(m, &cm.headers))
                cm.headers = NULL;
        if (events_cloudevent_detect(&cm) == EVENTS_CE_NONE)
                return 0;
        *rcp = events_cloudevent_decode(&cm, evp, cep, perr);
        return 1;
}

/* 1 when the lite validator certainly accepts @p ev, which must be the
 * lazy event built on c->lite (so that the tree is the event's). The
 * tree's timestamp is given the event's normalized text, as the full
 * path's tree has it (an input such as Python's utcnow().isoformat(),
 * without a zone, reads differently there); that text is what
 * events_timestamp_format() wrote, a valid date-time (is_ts). 0: ask the
 * full validator, which also writes the reasons. */
static int lite_valid(events_consumer_t *c, const events_event_t *ev) {
        const events__event_input_t *in = events__event_input(ev);
        long d, t;

        if (!events__event_is_lazy(ev) ||
            (d = events__lite_get(&c->lite, 0, "data", 4)) < 0)
                return 0;
        if (in->ts_present) {
                if ((t = events__lite_get(&c->lite, 0, "timestamp", 9)) < 0)
                        return 0;
                c->lite.n[t].s = events_event_timestamp(ev);
                c->lite.n[t].len = EVENTS_TIMESTAMP_LEN;
                c->lite.n[t].is_ts = 1;
        }
        /* Through the layout's plan when the tree came from a layout. */
        return events__registry_lite_validate_layout(
                c->registry, events_event_type(ev), &c->lite, (uint32_t)d,
                c->lite.last);
}

/* The program's filter declines d's message: store its offset as done and
 * report it skipped. @returns 1 when skipped. */
static int skipped(events_consumer_t *c, const rd_kafka_message_t *m,
                   events_delivery_t *d, int64_t t0) {
        if (!c->filter_cb || c->filter_cb(d->topic, d->partition, d->event_type,
                                          c->filter_opaque))
                return 0;
        d->outcome = EVENTS_DISPOSITION_SKIPPED;
        d->reason = EVENTS_OK;
        d->error = "";
        store_offset(c, m);
        deliver(c, d, t0);
        return 1;
}

events_err_t events__consumer_handle(events_consumer_t *c,
                                     const rd_kafka_message_t *m,
                                     events_error_t *err) {
        int64_t t0 = c->delivery_cb ? events__mono_us() : 0;
        events_delivery_t d;
        events_dispatch_t dr;
        events_event_t *ev = NULL;
        events_cloudevent_t *ce = NULL;
        events_error_t perr;
        char text[512], typebuf[EVENTS_EVENT_TYPE_MAX + 1];
        events_err_t rc;

        memset(&d, 0, sizeof(d));
        d.topic = rd_kafka_topic_name(m->rkt);
        d.partition = m->partition;
        d.offset = m->offset;
        d.error = "";

        /* The event reads m's payload until it is destroyed, which happens
         * in this function, before events_consumer_poll() destroys m. */
        rc = events__event_parse_lazy(&ev, m->payload ? m->payload : "", m->len,
                                      &c->lite, &perr);
        if (rc && cloudevent(m, &ev, &ce, &rc, &perr) && rc) {
                char where[300];
                d.reason = rc;
                d.event_type = header_type(m, typebuf, sizeof(typebuf));
                if (skipped(c, m, &d, t0)) {
                        events_event_destroy(ev);
                        events_cloudevent_destroy(ce);
                        return EVENTS_OK;
                }
                snprintf(text, sizeof(text), "not a valid CloudEvent: %s",
                         events_error_format(&perr, where, sizeof(where)));
                d.error = text;
                goto dlq;
        }
        if (rc) {
                char where[300];
                d.reason = rc;
                d.event_type = header_type(m, typebuf, sizeof(typebuf));
                if (skipped(c, m, &d, t0)) {
                        events_event_destroy(ev);
                        events_cloudevent_destroy(ce);
                        return EVENTS_OK;
                }
                snprintf(text, sizeof(text), "not a valid event: %s",
                         events_error_format(&perr, where, sizeof(where)));
                d.error = text;
                goto dlq;
        }
        d.event_type = events_event_type(ev);
        if (skipped(c, m, &d, t0)) {
                events_event_destroy(ev);
                events_cloudevent_destroy(ce);
                return EVENTS_OK;
        }
        d.route = events_router_match(c->router, d.event_type);
        if (!d.route) {
                d.reason = EVENTS_ERR_NO_ROUTE;
                snprintf(text, sizeof(text), "no route for event type \"%s\"",
                         d.event_type);
                d.error = text;
                goto dlq;
        }
        if (c->registry && events_route_validates(d.route)) {
                if (!c->report)
                        c->report = events_report_new(4);
                if (c->report)
                        events_report_clear(c->report);
                rc = lite_valid(c, ev) ? EVENTS_OK
                                       : events_registry_validate(
                                                 c->registry, ev, c->report);
                if (rc) {
                        char why[400];
                        d.reason = rc;
                        if (c->report && events_report_count(c->report))
                                events_report_format(c->report, why,
                                                     sizeof(why));
                        else
                                snprintf(why, sizeof(why), "%s",
                                         events_err2str(rc));
                        snprintf(text, sizeof(text),
                                 "schema validation failed: %s", why);
                        d.error = text;
                        goto dlq;
                }
        }

        c->current = m;
        rc = events__router_dispatch_route(c->router, d.route, ev, m, ce,
                                           c->stop, c->deadline_ms, &dr);
        c->current = NULL;
        if (rc == EVENTS_OK) {
                d.outcome = EVENTS_DISPOSITION_HANDLED;
                store_offset(c, m);
                deliver(c, &d, t0);
                events_event_destroy(ev);
                events_cloudevent_destroy(ce);
                return EVENTS_OK;
        }
        d.handler = dr.failed_handler;
        d.attempts = dr.attempts;
        if (rc == EVENTS_ERR_TIMED_OUT) {
                d.outcome = EVENTS_DISPOSITION_INTERRUPTED;
                d.reason = rc;
                d.error = "stopped during handler retries";
                rewind_partition(c, m, 0);
                events__consumer_log(
                        c, EVENTS_LOG_WARNING,
                        "handler interrupted by stop: offset not stored",
                        "topic", d.topic, "partition", EVENTS__I64(d.partition),
                        "offset", EVENTS__I64(d.offset), "handler", d.handler,
                        "attempts", EVENTS__I64(d.attempts));
                deliver(c, &d, t0);
                events_event_destroy(ev);
                events_cloudevent_destroy(ce);
                return events__error_set(err, EVENTS_ERR_TIMED_OUT,
                                         "stopped during handler retries");
        }
        d.reason = EVENTS_ERR_HANDLER;
        /* The handler's own words when it gave any, else its rc. */
        if (dr.error[0])
                snprintf(text, sizeof(text),
                         "handler \"%s\" failed %d time%s: %s", d.handler,
                         d.attempts, d.attempts == 1 ? "" : "s", dr.error);
        else
                snprintf(text, sizeof(text),
                         "handler \"%s\" failed %d time%s (rc %d)", d.handler,
                         d.attempts, d.attempts == 1 ? "" : "s", dr.rc);
        d.error = text;

dlq:
        rc = events__consumer_dead_letter(c, m, &d, &perr);
        if (rc == EVENTS_OK) {
                d.outcome = EVENTS_DISPOSITION_DEAD_LETTERED;
                store_offset(c, m);
                if (d.reason == EVENTS_ERR_HANDLER)
                        events__consumer_set_last_error(c, "%s", d.error);
                events__consumer_log(c, EVENTS_LOG_WARNING, "dead-lettered",
                                     "topic", d.topic, "partition",
                                     EVENTS__I64(d.partition), "offset",
                                     EVENTS__I64(d.offset), "event_type",
                                     d.event_type ? d.event_type : "-",
                                     "reason", events_err2name(d.reason), "dlq",
                                     d.dlq_topic, "error", d.error);
                deliver(c, &d, t0);
                free((char *)d.dlq_topic);
                events_event_destroy(ev);
                events_cloudevent_destroy(ce);
                return EVENTS_OK;
        }
        /* The event is neither handled nor safe in the DLQ: keep it. */
        d.outcome = EVENTS_DISPOSITION_DLQ_FAILED;
        rewind_partition(c, m, 1);
        c->state = STATE_STOPPED;
        events__consumer_set_last_error(
                c, "DLQ write failed, consumer stopped: %s", perr.text);
        events__consumer_log(
                c, EVENTS_LOG_ERROR,
                "DLQ write failed: offset not stored, partition paused, "
                "consumer stopped",
                "topic", d.topic, "partition", EVENTS__I64(d.partition),
                "offset", EVENTS__I64(d.offset), "dlq",
                d.dlq_topic ? d.dlq_topic : "-", "error", perr.text);
        deliver(c, &d, t0);
        free((char *)d.dlq_topic);
        events_event_destroy(ev);
        events_cloudevent_destroy(ce);
        return events__error_set(err, EVENTS_ERR_KAFKA,
                                 "DLQ write failed, consumer stopped: %s",
                                 perr.text);
}
