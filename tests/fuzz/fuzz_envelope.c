/*
 * fuzz_envelope.c - libFuzzer target: the envelope parser
 * (events_event_parse()) on any bytes. It must never crash, leak or read
 * out of bounds (the sanitizers tell); an envelope it accepts must
 * serialize, and the serialized text must parse again to the same type,
 * timestamp and serialized text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        events_event_t *ev = NULL, *again = NULL;
        events_error_t err;
        char *text, *text2;
        size_t len, len2;

        if (events_event_parse(&ev, (const char *)data, size, &err) !=
            EVENTS_OK)
                return 0;
        if (events_event_serialize(ev, &text, &len) != EVENTS_OK)
                abort();
        if (events_event_parse(&again, text, len, &err) != EVENTS_OK)
                abort(); /* what we wrote, we must read */
        if (strcmp(events_event_type(ev), events_event_type(again)) ||
            events_event_timestamp_us(ev) != events_event_timestamp_us(again))
                abort();
        if (events_event_serialize(again, &text2, &len2) != EVENTS_OK ||
            len2 != len || memcmp(text, text2, len))
                abort();
        free(text);
        free(text2);
        events_event_destroy(again);
        events_event_destroy(ev);
        return 0;
}
