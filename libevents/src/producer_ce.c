/*
 * producer_ce.c - the producer's CloudEvents mode
 * (events_producer_set_cloudevents()): a shaped event's message as a
 * CloudEvent, and its send with the binding's headers.
 *
 * Kept apart from producer_shape.c and producer_pipeline.c so that the
 * envelope path, the default, does no work for it beyond one test of
 * p->ce_mode per line. The value is written into the shaper's buffer by
 * cloudevents.c's writer; the headers are built at send time from the
 * shaped line's id and time and the producer's source, and librdkafka
 * copies them, so that nothing here outlives the send.
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

/* The most fields a CloudEvent's message has in produceva()'s array. */
#define CE_VU_MAX 16

static void header(rd_kafka_vu_t *vu, int *n, const char *name,
                   const char *value, size_t len) {
        vu[*n].vtype = RD_KAFKA_VTYPE_HEADER;
        vu[*n].u.header.name = name;
        vu[*n].u.header.val = value;
        vu[*n].u.header.size = (ssize_t)len;
        (*n)++;
}

rd_kafka_error_t *events__producer_produce_ce(events_producer_t *p,
                                              const events__shaped_t *o,
                                              uint64_t line) {
        rd_kafka_vu_t vu[CE_VU_MAX];
        int n = 0;

        vu[n].vtype = RD_KAFKA_VTYPE_RKT;
        vu[n++].u.rkt = p->rkt;
        vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
        vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
        vu[n].u.mem.ptr = (void *)o->msg;
        vu[n++].u.mem.size = o->mlen;
        vu[n].vtype = RD_KAFKA_VTYPE_KEY;
        vu[n].u.mem.ptr = o->has_key ? (void *)o->key : NULL;
        vu[n++].u.mem.size = o->has_key ? o->klen : 0;
        vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        vu[n++].u.i64 = o->ts_ms;
        vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vu[n++].u.ptr = (void *)(uintptr_t)line;
        header(vu, &n, EVENTS_HEADER_EVENT_TYPE, o->type, o->tlen);
        if (p->ce_mode == EVENTS_CE_STRUCTURED) {
                header(vu, &n, EVENTS_CE_HEADER_CONTENT_TYPE,
                       EVENTS_CE_STRUCTURED_CONTENT_TYPE,
                       strlen(EVENTS_CE_STRUCTURED_CONTENT_TYPE));
        } else {
                header(vu, &n, "ce_specversion", EVENTS_CE_SPECVERSION,
                       strlen(EVENTS_CE_SPECVERSION));
                header(vu, &n, "ce_id", o->ce_id, strlen(o->ce_id));
                header(vu, &n, "ce_source", p->ce_source, strlen(p->ce_source));
                header(vu, &n, "ce_type", o->type, o->tlen);
                if (o->ce_time[0])
                        header(vu, &n, "ce_time", o->ce_time,
                               strlen(o->ce_time));
                header(vu, &n, EVENTS_CE_HEADER_CONTENT_TYPE,
                       EVENTS_CE_DATA_CONTENT_TYPE,
                       strlen(EVENTS_CE_DATA_CONTENT_TYPE));
        }
        return rd_kafka_produceva(p->rk, vu, (size_t)n);
}
