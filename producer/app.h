/*
 * app.h - what the parts of events-producer share: the program's state,
 * set up by main(), whose sources the reader (input.c) records as it
 * reads, and which the receipt callback (report.c) writes its reports
 * through; and the signal count main()'s handler keeps.
 */
#ifndef PRODUCER_APP_H
#define PRODUCER_APP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <events/producer.h>

#include "outbuf.h"

#define PROG "events-producer"

/** 1 with --log-format logfmt or json: stderr gets log records (log.h)
 *  rather than "events-producer: ..." lines. Set once by main(). */
extern int log_structured;

/** An error on stderr: "events-producer: TEXT", or an error record with
 *  --log-format. printf-style; a final newline is dropped. */
void prog_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** SIGINT and SIGTERM seen so far; set by main.c's handler. */
extern volatile sig_atomic_t signals_seen;

/* One input source and the global line id of its first line. */
struct source {
        const char *name; /* NULL for stdin */
        uint64_t first;
};

struct app {
        events_producer_t *p;
        int dry_run;
        struct outbuf out; /* --dry-run's stdout */
        int progress;
        uint64_t max_errors;
        /* outputs */
        FILE *reject, *reasons, *receipts;
        const char *reject_path, *receipts_path;
        uint64_t reject_lines;
        int write_error;
        int close_failed; /* events_producer_close() did not deliver all */
        /* input */
        struct source *srcs;
        size_t nsrcs;
        int named_files;
        /* what happened */
        uint64_t rejected, failed_shown;
        const char *key_path; /* -k; NULL: no key wanted */
        int key_warned;       /* a line without the key was reported */
        int hinted;           /* the hint for a type without a schema */
        int64_t start_us, last_progress_us;
        /* --metrics-file (metrics.c) */
        const char *metrics_path, *topic;
        int64_t metrics_interval_us, metrics_next_us;
        int metrics_warned;
};

/** CLOCK_MONOTONIC in microseconds. */
static inline int64_t mono_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif /* PRODUCER_APP_H */
