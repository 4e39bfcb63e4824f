/*
 * cloudevents_int.h - what the producer needs from cloudevents.c beyond
 * its public API: writing a CloudEvent's value into a buffer it reuses,
 * with the id, source and key it already has, so that a line costs no
 * attribute object.
 */
#ifndef EVENTS_CLOUDEVENTS_INT_H
#define EVENTS_CLOUDEVENTS_INT_H

#include "event_int.h"
#include "events/cloudevents.h"

/* The attributes a value is written with, beside the event's own. */
typedef struct events__ce_attrs_s {
        const char *id;                 /* never NULL */
        const char *source;             /* never NULL */
        const char *pkey;               /* partitionkey; NULL: none */
        size_t pklen;                   /* its length */
        const events_cloudevent_t *ext; /* extensions to write; may be NULL */
} events__ce_attrs_t;

/**
 * Append the value of @p ev as a CloudEvent in @p mode to @p b: the data
 * (binary), or the whole CloudEvent as JSON (structured) with the
 * attributes of @p a.
 * @returns EVENTS_OK, EVENTS_ERR_NOMEM, EVENTS_ERR_TOO_DEEP.
 */
events_err_t events__ce_write_value(events__buf_t *b, const events_event_t *ev,
                                    events_ce_mode_t mode,
                                    const events__ce_attrs_t *a);

#endif /* EVENTS_CLOUDEVENTS_INT_H */
