/*
 * producer_ce.c - the producer's CloudEvents mode
 * (events_producer_set_cloudevents()): a shaped event's message as a
 * CloudEvent, and its send with the binding's headers.
 *
 * Kept apart from producer_shape.c and producer_pipeline.c so that the
 * envelope path, the default, does no work for it beyond one test of
 * p->ce_mode per line. The value is written into the shaper's buffer by
 * cloudevents.c's writer; the headers join the message's header list at
 * send time, from the shaped line's id and time and the producer's source;
 * librdkafka copies them, so that nothing here outlives the send.
 */
#include <stdio.h>
#include <string.h>

#include "cloudevents_int.h"
#include "producer_int.h"

events_err_t events__producer_shape_ce(const events_producer_t *p,
                                       events__shaper_t *sh,
                                       const events_event_t *ev,
                                       events__shaped_t *o, events_error_t *e) {
        events__buf_t b = {sh->buf, 0, sh->cap};
        const char *ts = events_event_timestamp(ev);
        events__ce_attrs_t a = {.id = o->ce_id,
                                .source = p->ce_source,
                                .pkey = o->has_key ? o->key : NULL,
                                .pklen = o->has_key ? o->klen : 0};
        events_err_t rc;

        if ((rc = events_cloudevent_id(o->ce_id, sizeof(o->ce_id))))
                return events__error_set(e, rc, "no random seed for an id");
        /* A shaped event always has a timestamp: stamped if it had none. */
        snprintf(o->ce_time, sizeof(o->ce_time), "%s", ts ? ts : "");
        rc = events__ce_write_value(&b, ev, p->ce_mode, &a);
        sh->buf = b.p;
        sh->cap = b.cap;
        if (rc)
                return events__error_set(e, rc, NULL);
        o->msg = sh->buf;
        o->mlen = b.len;
        return EVENTS_OK;
}

static rd_kafka_resp_err_t header(rd_kafka_headers_t *hdrs, const char *name,
                                  const char *value, size_t len) {
        return rd_kafka_header_add(hdrs, name, -1, value, (ssize_t)len);
}

rd_kafka_resp_err_t events__producer_ce_headers(const events_producer_t *p,
                                                const events__shaped_t *o,
                                                rd_kafka_headers_t *hdrs) {
        rd_kafka_resp_err_t err;

        if (p->ce_mode == EVENTS_CE_STRUCTURED)
                return header(hdrs, EVENTS_CE_HEADER_CONTENT_TYPE,
                              EVENTS_CE_STRUCTURED_CONTENT_TYPE,
                              strlen(EVENTS_CE_STRUCTURED_CONTENT_TYPE));
        if ((err = header(hdrs, "ce_specversion", EVENTS_CE_SPECVERSION,
                          strlen(EVENTS_CE_SPECVERSION))) ||
            (err = header(hdrs, "ce_id", o->ce_id, strlen(o->ce_id))) ||
            (err = header(hdrs, "ce_source", p->ce_source,
                          strlen(p->ce_source))) ||
            (err = header(hdrs, "ce_type", o->type, o->tlen)))
                return err;
        if (o->ce_time[0] &&
            (err = header(hdrs, "ce_time", o->ce_time, strlen(o->ce_time))))
                return err;
        return header(hdrs, EVENTS_CE_HEADER_CONTENT_TYPE,
                      EVENTS_CE_DATA_CONTENT_TYPE,
                      strlen(EVENTS_CE_DATA_CONTENT_TYPE));
}
