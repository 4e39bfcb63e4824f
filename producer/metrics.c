/*
 * metrics.c - events-producer's counts in the Prometheus text format, for
 * node_exporter's textfile collector (--metrics-file, --metrics-interval).
 *
 * The main thread writes: at the start (so that a path that cannot be
 * written is found before any line is read), every interval while lines
 * are read or delivered, and at the end. Each write goes to F.tmp.PID in
 * the same folder and is renamed over F: the collector reads either the
 * old file or the new one, never a torn one.
 */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <events/events.h>

static void put_counter(FILE *fp, const char *name, const char *help,
                        const char *topic, uint64_t v) {
        fprintf(fp,
                "# HELP %s %s\n# TYPE %s counter\n%s{topic=\"%s\"} %" PRIu64
                "\n",
                name, help, name, name, topic, v);
}

static void put_gauge(FILE *fp, const char *name, const char *help,
                      const char *topic, double v) {
        fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n%s{topic=\"%s\"} %.6f\n",
                name, help, name, name, topic, v);
}

int metrics_file_write(struct app *a, int force, int final) {
        events_producer_counts_t c;
        int64_t now = mono_us();
        char *tmp;
        FILE *fp;
        int ok;

        if (!a->metrics_path || (!force && now < a->metrics_next_us))
                return 0;
        a->metrics_next_us = now + a->metrics_interval_us;
        events_producer_counts(a->p, &c);
        if (asprintf(&tmp, "%s.tmp.%ld", a->metrics_path, (long)getpid()) < 0)
                return -1;
        if (!(fp = fopen(tmp, "w"))) {
                if (force || !a->metrics_warned)
                        fprintf(stderr, PROG ": --metrics-file %s: %s\n", tmp,
                                strerror(errno));
                a->metrics_warned = 1;
                free(tmp);
                return -1;
        }
        /* The topic names the run: one file per producer. Topic names are
         * [a-zA-Z0-9._-], nothing to escape in a label. */
        put_counter(fp, "events_producer_read_total",
                    "Lines read (blank ones included).", a->topic, c.read);
        put_counter(fp, "events_producer_delivered_total",
                    "Events the broker acknowledged.", a->topic, c.delivered);
        put_counter(fp, "events_producer_rejected_total",
                    "Lines rejected as bad (JSON, envelope, schema, size).",
                    a->topic, c.rejected);
        put_counter(fp, "events_producer_failed_total",
                    "Events not delivered (delivery error, timeout, purge).",
                    a->topic, c.failed);
        put_counter(fp, "events_producer_delivered_bytes_total",
                    "Message bytes the broker acknowledged.", a->topic,
                    c.bytes);
        put_gauge(fp, "events_producer_in_flight",
                  "Events sent, their delivery report still pending.", a->topic,
                  (double)c.in_flight);
        put_gauge(fp, "events_producer_duration_seconds",
                  "Time since the producer started reading.", a->topic,
                  (double)(now - a->start_us) / 1e6);
        put_gauge(fp, "events_producer_finished",
                  "1 once the run is over and these counts are final.",
                  a->topic, final ? 1 : 0);
        fprintf(fp,
                "# HELP events_producer_build_info The events toolkit's "
                "version.\n# TYPE events_producer_build_info gauge\n"
                "events_producer_build_info{version=\"%s\"} 1\n",
                events_version());
        ok = !ferror(fp) & !fflush(fp) & !fsync(fileno(fp));
        ok &= !fclose(fp);
        if (!ok || rename(tmp, a->metrics_path) < 0) {
                if (force || !a->metrics_warned)
                        fprintf(stderr, PROG ": --metrics-file %s: %s\n",
                                a->metrics_path, strerror(errno));
                a->metrics_warned = 1;
                unlink(tmp);
                free(tmp);
                return -1;
        }
        free(tmp);
        return 0;
}
