/*
 * schema_bench.c - how fast libevents validates events against the
 * registry: the helper of bench/schema/run.sh.
 *
 * Usage: schema_bench SCHEMAS_DIR NDJSON [SECONDS]
 *
 * Every line of NDJSON is parsed once into an event; then, for SECONDS
 * (default 1) per mode, the events are validated round-robin:
 *   yes/no       events_registry_validate() without a report (the
 *                producer's and consumer's path for valid events);
 *   with report  the same with a report, cleared after each event;
 *   parse        events_event_parse() alone, for scale;
 *   parse+valid  parse then validate, what a producer does per line.
 * Prints validations per second and nanoseconds per validation, in CPU
 * time, the best of five interleaved rounds per mode (the machine may be
 * shared). Uses only the public API. Exit status: 0, or 1 when an event does
 * not validate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <events/events.h>

#define MAX_EVENTS 1024

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct bench_s {
        const events_registry_t *reg;
        events_event_t **ev;
        char **line;
        size_t n;
        events_report_t *report;
} bench_t;

/* Run one mode for about @p secs; @returns operations per second. */
static double run(const bench_t *b, int mode, double secs, long *errors) {
        long ops = 0;
        double start = now(), elapsed;

        do {
                for (int k = 0; k < 1000; k++) {
                        size_t i = (size_t)ops % b->n;
                        events_event_t *ev;
                        switch (mode) {
                        case 0:
                                *errors += events_registry_validate(
                                                   b->reg, b->ev[i], NULL) !=
                                           EVENTS_OK;
                                break;
                        case 1:
                                events_report_clear(b->report);
                                *errors += events_registry_validate(
                                                   b->reg, b->ev[i],
                                                   b->report) != EVENTS_OK;
                                break;
                        case 2:
                        case 3:
                                if (events_event_parse(&ev, b->line[i],
                                                       strlen(b->line[i]),
                                                       NULL) != EVENTS_OK) {
                                        (*errors)++;
                                        break;
                                }
                                if (mode == 3)
                                        *errors += events_registry_validate(
                                                           b->reg, ev, NULL) !=
                                                   EVENTS_OK;
                                events_event_destroy(ev);
                                break;
                        }
                        ops++;
                }
                elapsed = now() - start;
        } while (elapsed < secs);
        return (double)ops / elapsed;
}

int main(int argc, char **argv) {
        static const char *const names[] = {"validate (yes/no)",
                                            "validate (with report)",
                                            "parse only", "parse + validate"};
        events_registry_t *reg;
        events_error_t err;
        bench_t b = {0};
        char buf[65536], ebuf[512];
        double secs = argc > 3 ? atof(argv[3]) : 1.0, rate[4];
        long errors = 0;
        FILE *f;

        if (argc < 3) {
                fprintf(stderr, "usage: %s SCHEMAS_DIR NDJSON [SECONDS]\n",
                        argv[0]);
                return 2;
        }
        if (events_registry_new(&reg) ||
            events_registry_load_dir(reg, argv[1], &err)) {
                fprintf(stderr, "schema_bench: %s\n",
                        events_error_format(&err, ebuf, sizeof(ebuf)));
                return 1;
        }
        if (!(f = fopen(argv[2], "r"))) {
                perror(argv[2]);
                return 1;
        }
        b.ev = calloc(MAX_EVENTS, sizeof(*b.ev));
        b.line = calloc(MAX_EVENTS, sizeof(*b.line));
        while (b.n < MAX_EVENTS && fgets(buf, sizeof(buf), f)) {
                buf[strcspn(buf, "\n")] = '\0';
                if (!buf[0])
                        continue;
                if (events_event_parse(&b.ev[b.n], buf, strlen(buf), &err)) {
                        fprintf(stderr, "schema_bench: %s: %s\n", buf,
                                events_error_format(&err, ebuf, sizeof(ebuf)));
                        return 1;
                }
                b.line[b.n++] = strdup(buf);
        }
        fclose(f);
        if (b.n == 0) {
                fprintf(stderr, "schema_bench: no events in %s\n", argv[2]);
                return 1;
        }
        b.reg = reg;
        b.report = events_report_new(16);

        printf("%zu sample events, %.1f s of CPU per mode, best of 5 rounds\n",
               b.n, secs);
        /* The machine may be shared: each mode runs in five rounds,
         * interleaved with the others, and keeps its best. */
        for (int m = 0; m < 4; m++)
                rate[m] = 0;
        for (int round = 0; round < 5; round++)
                for (int m = 0; m < 4; m++) {
                        double r = run(&b, m, secs / 5, &errors);
                        if (r > rate[m])
                                rate[m] = r;
                }
        for (int m = 0; m < 4; m++) {
                printf("  %-24s %12.0f /s  %8.0f ns each\n", names[m], rate[m],
                       1e9 / rate[m]);
        }
        printf("validation beyond parsing: %.0f ns per event "
               "(parse + validate vs parse only)\n",
               1e9 / rate[3] - 1e9 / rate[2]);
        printf("validation is %.2fx the cost of parsing\n", rate[2] / rate[0]);
        if (errors)
                fprintf(stderr, "schema_bench: %ld validations failed\n",
                        errors);

        for (size_t i = 0; i < b.n; i++) {
                events_event_destroy(b.ev[i]);
                free(b.line[i]);
        }
        free(b.ev);
        free(b.line);
        events_report_destroy(b.report);
        events_registry_destroy(reg);
        return errors ? 1 : 0;
}
