/*
 * producer_hdrpool.c - the header lists of delivered messages, kept to be
 * sent again with the next message of the same event type.
 *
 * Every message carries one header, event_type. Made afresh, its list
 * costs three allocations (the list, its array, the header) and three
 * frees when librdkafka destroys the message: callgrind counted 790
 * instructions an event on user.created through a real Kafka, 15% of the
 * thread that drives the producer. A list is never changed by librdkafka,
 * so the delivery report detaches it from the message
 * (rd_kafka_message_detach_headers()) and puts it here, and the next
 * message of that type takes it as it is.
 *
 * Only a list that is exactly one event_type header comes in: a list that
 * an interceptor added to, or one of the CloudEvents mode's, is destroyed
 * as librdkafka would have. The pool holds at most EVENTS__HDRPOOL_MAX
 * lists of at most EVENTS__HDRPOOL_TYPES types; beyond them lists are
 * destroyed, so its memory stays below what the messages in flight held.
 * The driving thread's, as delivery reports are.
 */
#include <stdlib.h>
#include <string.h>

#include "producer_int.h"

/* The slot of @p type, or NULL when there is none (and @p make is 0, or
 * every slot is taken). */
static struct events__hdrpool_slot *
slot_of(events__hdrpool_t *hp, const char *type, size_t tlen, int make) {
        struct events__hdrpool_slot *s = &hp->slot[hp->last];

        if (hp->nslots && s->tlen == tlen && !memcmp(s->type, type, tlen))
                return s;
        for (unsigned i = 0; i < hp->nslots; i++) {
                s = &hp->slot[i];
                if (s->tlen == tlen && !memcmp(s->type, type, tlen)) {
                        hp->last = i;
                        return s;
                }
        }
        if (!make || hp->nslots == EVENTS__HDRPOOL_TYPES ||
            tlen > EVENTS_EVENT_TYPE_MAX)
                return NULL;
        s = &hp->slot[hp->nslots];
        memcpy(s->type, type, tlen);
        s->tlen = tlen;
        hp->last = hp->nslots++;
        return s;
}

rd_kafka_headers_t *events__hdrpool_get(events__hdrpool_t *hp, const char *type,
                                        size_t tlen) {
        struct events__hdrpool_slot *s = slot_of(hp, type, tlen, 0);

        if (!s || !s->n)
                return NULL;
        hp->total--;
        return s->v[--s->n];
}

void events__hdrpool_put(events__hdrpool_t *hp, rd_kafka_headers_t *hdrs) {
        struct events__hdrpool_slot *s;
        const char *hname;
        const void *val;
        size_t size;

        if (hp->total >= EVENTS__HDRPOOL_MAX ||
            rd_kafka_header_cnt(hdrs) != 1 ||
            rd_kafka_header_get_all(hdrs, 0, &hname, &val, &size) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR ||
            strcmp(hname, EVENTS_HEADER_EVENT_TYPE) || !val ||
            !(s = slot_of(hp, val, size, 1)))
                goto drop;
        if (events__lite_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v)))
                goto drop;
        s->v[s->n++] = hdrs;
        hp->total++;
        return;
drop:
        rd_kafka_headers_destroy(hdrs);
}

void events__hdrpool_clear(events__hdrpool_t *hp) {
        for (unsigned i = 0; i < hp->nslots; i++) {
                struct events__hdrpool_slot *s = &hp->slot[i];

                while (s->n)
                        rd_kafka_headers_destroy(s->v[--s->n]);
                free(s->v);
        }
        memset(hp, 0, sizeof(*hp));
}
