/*
 * events-producer - publish NDJSON events to a Kafka topic.
 *
 * The command-line shell around libevents' producer API (events/producer.h).
 * This file wires the parts together and owns the process's life: the
 * command line (options.c), the librdkafka configuration (conf.c), the
 * reader that submits each line of stdin or the files given (input.c),
 * and what is told about the lines: the receipt callback, the reject and
 * receipts files, the summary and the exit status (report.c). On SIGINT
 * or SIGTERM it stops reading, flushes for a while, and purges the rest
 * so that every line read is accounted for; the summary and the exit
 * status say what happened (see usage() and the README).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <events/events.h>
#include <events/producer.h>

#include "app.h"
#include "conf.h"
#include "input.h"
#include "metrics.h"
#include "options.h"
#include "log.h"
#include "replay.h"
#include "report.h"

volatile sig_atomic_t signals_seen;
int log_structured;
static volatile sig_atomic_t last_signal;
static events_producer_t *volatile the_producer;

static void on_signal(int sig) {
        last_signal = sig;
        signals_seen++;
        if (the_producer)
                events_producer_interrupt(the_producer);
}

/* The schemas to validate against: every --schemas folder, in order, or
 * else the one events_schemas_dir() finds. */
static int load_schemas(const struct opts *o, events_registry_t **regp) {
        const char *dflt = events_schemas_dir();
        size_t n = o->nschemas ? o->nschemas : 1;
        events_error_t err;
        char buf[600];

        if (events_registry_new(regp))
                return EX_OSERR;
        for (size_t i = 0; i < n; i++) {
                const char *dir = o->nschemas ? o->schemas[i] : dflt;

                if (!events_registry_load_dir(*regp, dir, &err))
                        continue;
                /* The text names the folder or the file already. */
                prog_error("schemas: %s\n",
                           events_error_format(&err, buf, sizeof(buf)));
                prog_error("give --schemas DIR (repeatable) or set "
                           "EVENTS_SCHEMAS_DIR; --no-validate checks "
                           "envelopes only\n");
                return EX_CONFIG;
        }
        if (o->allow_unknown)
                events_registry_set_unknown_type(*regp,
                                                 EVENTS_UNKNOWN_TYPE_ALLOW);
        return EX_OK;
}

/* The producer's settings from the options, and where its reports go. */
static int setup(struct app *a, struct opts *o, events_registry_t *reg) {
        if (events_producer_set_key_path(a->p, o->key) ||
            events_producer_set_wrap_type(a->p, o->type) ||
            events_producer_set_cloudevents(a->p, o->ce_mode, o->ce_source) ||
            (o->rate > 0 && events_producer_set_rate(a->p, o->rate)))
                return EX_SOFTWARE;
        events_producer_set_registry(a->p, reg);
        events_producer_set_restamp(a->p, o->restamp);
        /* Shape on the spare CPUs: the main thread and librdkafka's
         * broker thread keep two busy. On two CPUs a worker cost more CPU
         * time (handing lines over, waking threads) than it saved in time
         * (bench/producer: 2.13 s against 1.74 s per million). --max-errors
         * must stop at exactly the Nth bad line, so it shapes each line
         * before reading the next. */
        if (o->workers < 0) {
                long cpus = sysconf(_SC_NPROCESSORS_ONLN);

                o->workers = cpus > 2 ? (cpus - 2 > 4 ? 4 : cpus - 2) : 0;
        }
        if (o->max_errors)
                o->workers = 0;
        /* The reader polls whenever its input would block. */
        events_producer_set_partition_runs(a->p, 1);
        if (o->workers && events_producer_set_workers(a->p, (int)o->workers))
                return EX_OSERR;
        events_producer_set_receipt_cb(a->p, on_receipt, a);
        /* on_receipt() acts on a delivered line only for --receipts and
         * --dry-run: otherwise the counts are enough. */
        if (!o->receipts && !o->dry_run)
                events_producer_set_receipt_outcomes(
                        a->p,
                        EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_REJECTED) |
                                EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_FAILED));
        events_producer_set_error_cb(a->p, on_error, NULL);
        events_producer_set_log_fields_cb(a->p, on_log, NULL);
        a->dry_run = o->dry_run;
        if (a->dry_run && outbuf_init(&a->out, stdout))
                return EX_OSERR;
        a->max_errors = o->max_errors;
        a->progress = o->progress && isatty(STDERR_FILENO);
        return report_open(a, o->reject_file, o->receipts);
}

static void catch_signals(events_producer_t *p) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: a blocked read must return */
        the_producer = p;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
}

/* Deliver what is queued: at the end of the input, for as long as
 * librdkafka keeps trying (message.timeout.ms); after a signal, for
 * --flush-timeout; after a second signal, not at all. Then purge the
 * rest, each line with its failed receipt. */
static void deliver_rest(struct app *a, uint64_t flush_timeout) {
        events_producer_counts_t c;
        int64_t deadline = -1;
        int flushed;

        for (;;) {
                events_producer_counts(a->p, &c);
                if (!c.in_flight)
                        break;
                if (signals_seen && deadline < 0)
                        deadline = mono_us() + (int64_t)flush_timeout * 1000;
                if (signals_seen > 1 ||
                    (deadline >= 0 && mono_us() >= deadline))
                        break;
                flushed = events_producer_flush(a->p, 100) == EVENTS_OK;
                show_progress(a, 0);
                if (flushed)
                        break;
        }
        /* What close() has to purge gets failed receipts and is counted in
         * c.failed; its result says the same, and both set the status. */
        a->close_failed = events_producer_close(a->p, 0) != EVENTS_OK;
}

int main(int argc, char **argv) {
        struct opts o = {0};
        struct app a = {0};
        rd_kafka_conf_t *conf = NULL;
        events_registry_t *reg = NULL;
        events_error_t err;
        int rc, stopped, nfiles;

        /* --replay sends a capture file back, bytes as they are. */
        if (replay_wanted(argc, argv))
                return replay_main(argc, argv);
        if ((rc = options_parse(argc, argv, &o)) != EX_OK)
                goto out;
        if (o.log_format >= 0) {
                log_structured = 1;
                log_set_format((log_format_t)o.log_format);
        }
        nfiles = argc - optind;
        if ((rc = input_check(argv + optind, nfiles)) != EX_OK)
                goto out;
        a.named_files = nfiles > 0;
        a.srcs = calloc((size_t)(nfiles ? nfiles : 1), sizeof(*a.srcs));
        if (!a.srcs) {
                rc = EX_OSERR;
                goto out;
        }
        if (!o.no_validate && (rc = load_schemas(&o, &reg)) != EX_OK)
                goto out;
        if (!o.dry_run && (rc = build_conf(&o, &conf)) != EX_OK)
                goto out;
        if (events_producer_new(&a.p, conf, o.topic, &err)) {
                prog_error("%s\n", err.text);
                /* EVENTS_ERR_KAFKA: librdkafka refused -t's topic. conf
                 * is still ours: freed below. */
                rc = err.code == EVENTS_ERR_CONF    ? EX_CONFIG
                     : err.code == EVENTS_ERR_KAFKA ? EX_USAGE
                                                    : EX_SOFTWARE;
                goto out;
        }
        conf = NULL; /* the producer's now */
        a.key_path = o.key && *o.key ? o.key : NULL;
        if ((rc = setup(&a, &o, reg)) != EX_OK)
                goto out;
        catch_signals(a.p);

        a.start_us = mono_us();
        if (o.metrics_file) {
                a.metrics_path = o.metrics_file;
                a.topic = o.topic ? o.topic : "";
                a.metrics_interval_us =
                        (int64_t)(o.metrics_interval ? o.metrics_interval
                                                     : 10) *
                        1000000;
                if (metrics_file_write(&a, 1, 0)) {
                        rc = EX_CANTCREAT;
                        goto out;
                }
        }
        stopped = read_all(&a, argv + optind, nfiles);
        deliver_rest(&a, o.flush_timeout);
        rc = report_finish(&a, stopped, last_signal);

out:
        the_producer = NULL;
        events_producer_destroy(a.p);
        if (conf)
                rd_kafka_conf_destroy(conf);
        events_registry_destroy(reg);
        if (a.reject)
                fclose(a.reject);
        if (a.reasons)
                fclose(a.reasons);
        if (a.receipts)
                fclose(a.receipts);
        outbuf_free(&a.out);
        free(a.srcs);
        free(o.confs);
        free(o.schemas);
        return rc;
}
