/*
 * roundtrip - read NDJSON envelopes, check each with libevents, stamp those
 * without a timestamp, and print them normalized. A short example of the
 * envelope API; the README's demo uses it until the brokers are in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <events/events.h>

int main(void) {
        char *line = NULL, *out = NULL, where[EVENTS_ERROR_TEXT_LENGTH * 2];
        size_t cap = 0, lineno = 0, bad = 0;
        ssize_t n;

        while ((n = getline(&line, &cap, stdin)) != -1) {
                events_event_t *ev = NULL;
                events_error_t err;
                events_err_t rc;

                lineno++;
                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                        n--;
                if (n == 0)
                        continue;
                if (events_event_parse(&ev, line, (size_t)n, &err)) {
                        fprintf(stderr, "roundtrip: line %zu: %s\n", lineno,
                                events_error_format(&err, where,
                                                    sizeof(where)));
                        bad++;
                        continue;
                }
                /* Stamping fails only on no memory or a clock outside the
                 * years 0001 to 9999: nothing later lines could fix. */
                if (!events_event_has_timestamp(ev) &&
                    (rc = events_event_stamp(ev)) != EVENTS_OK) {
                        fprintf(stderr,
                                "roundtrip: line %zu: cannot stamp: %s\n",
                                lineno, events_err2str(rc));
                        events_event_destroy(ev);
                        free(line);
                        return EX_OSERR;
                }
                if (events_event_serialize(ev, &out, NULL) == EVENTS_OK)
                        printf("%s\n", out);
                free(out);
                out = NULL;
                events_event_destroy(ev);
        }
        free(line);
        return bad ? EX_DATAERR : EX_OK;
}
