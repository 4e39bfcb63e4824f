/*
 * bench_envelope - time the envelope work the producer does per line, on an
 * NDJSON stream read whole into memory first (so that reading stdin is not
 * measured): parse, then stamp and key, then serialize or splice.
 *
 * Usage: events-bench-envelope STAGE < stream.ndjson
 *   STAGE: scan (find line ends only), parse, stamp (parse + stamp + key),
 *          splice (stamp + splice the input bytes), serialize (stamp +
 *          serialize). Prints "STAGE LINES SECONDS LINES_PER_SECOND".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "event_int.h"

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        const char *stage = argc > 1 ? argv[1] : "parse";
        size_t cap = 1 << 20, len = 0, n, lines = 0, sink = 0;
        char *all = malloc(cap), *p, *end, *out = malloc(1 << 20);
        double t0;

        if (!all || !out)
                return EX_OSERR;
        while ((n = fread(all + len, 1, cap - len, stdin)) > 0) {
                len += n;
                if (len == cap && !(all = realloc(all, cap *= 2)))
                        return EX_OSERR;
        }
        t0 = now();
        for (p = all; p < all + len; p = end + 1) {
                events_event_t *ev;
                events_error_t err;
                char key[256], *ser;
                size_t klen, olen;

                end = memchr(p, '\n', (size_t)(all + len - p));
                if (!end)
                        end = all + len;
                lines++;
                if (!strcmp(stage, "scan")) {
                        sink += (size_t)(end - p);
                        continue;
                }
                if (events_event_parse(&ev, p, (size_t)(end - p), &err)) {
                        fprintf(stderr, "line %zu: %s\n", lines, err.text);
                        return EX_DATAERR;
                }
                if (strcmp(stage, "parse")) {
                        events_err_t rc;

                        if (!events_event_has_timestamp(ev) &&
                            (rc = events_event_stamp(ev))) {
                                fprintf(stderr, "line %zu: cannot stamp: %s\n",
                                        lines, events_err2str(rc));
                                return EX_OSERR;
                        }
                        if (!events_event_key(ev, "data.user_id", key,
                                              sizeof(key), &klen))
                                sink += klen;
                }
                if (!strcmp(stage, "splice") &&
                    !events__event_splice(ev, p, (size_t)(end - p), out,
                                          1 << 20, &olen))
                        sink += olen;
                if (!strcmp(stage, "serialize") &&
                    !events_event_serialize(ev, &ser, &olen)) {
                        sink += olen;
                        free(ser);
                }
                events_event_destroy(ev);
        }
        t0 = now() - t0;
        printf("%s %zu %.3f %.0f\n", stage, lines, t0, (double)lines / t0);
        free(all);
        free(out);
        return sink ? EX_OK : EX_SOFTWARE;
}
