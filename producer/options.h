/*
 * options.h - events-producer's command line.
 */
#ifndef PRODUCER_OPTIONS_H
#define PRODUCER_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <events/cloudevents.h>
#include <events/kafka.h>

struct opts {
        const char *brokers, *topic, *type, *compression;
        const char **schemas; /* --schemas, in order; they add up */
        size_t nschemas;
        const char *key;
        const char *reject_file, *receipts;
        events_ce_mode_t ce_mode;  /* --cloudevents; EVENTS_CE_NONE: off */
        const char *ce_source;     /* --ce-source; NULL: the default */
        const char *metrics_file;  /* --metrics-file */
        uint64_t metrics_interval; /* --metrics-interval, seconds */
        int no_validate, allow_unknown, restamp, dry_run, progress;
        int log_format; /* --log-format: -1 text (default), else a
                           log_format_t */
        uint64_t max_errors, flush_timeout;
        long workers; /* -1: one per spare CPU */
        double rate;
        events_kafka_arg_t *confs; /* -b, -F and -X, in the order given */
        size_t nconfs;
};

/**
 * @brief Parse argv into @p o with getopt_long(); optind is left at the
 *        first FILE. Defaults are set first.
 * @returns EX_OK to run, EX_USAGE (already told on stderr) or EX_OSERR.
 * @remark --help and --version are answered here, and exit 0. Free
 *         o->confs and o->schemas afterwards; the strings are argv's.
 */
int options_parse(int argc, char **argv, struct opts *o);

#endif /* PRODUCER_OPTIONS_H */
