/*
 * options.h - events-consumer's command line.
 */
#ifndef CONSUMER_OPTIONS_H
#define CONSUMER_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <events/kafka.h>

typedef struct options {
        const char *brokers; /* the last -b, for the log; NULL: none */
        const char *group;   /* -g */
        char **topics;       /* -t, split at commas; NULL-terminated */
        size_t n_topics;
        const char *routes;    /* -r */
        int http_port;         /* --http; -1: no listener */
        const char **schemas;  /* --schemas DIR, in order: they add up */
        size_t n_schemas;      /* 0: events_schemas_dir() */
        char http_addr[64];    /* --http ADDR, numeric */
        int validate;          /* 0 with --no-validate */
        const char *dlq_topic; /* --dlq-topic; NULL: <topic>.dlq */
        int from_beginning;    /* --from-beginning */
        int64_t from_time_ms;  /* --from-time; -1: not given */
        events_kafka_arg_t *kafka_args; /* -b, -F FILE and -X key=value,
                                           in command-line order */
        size_t n_kafka_args;
        int log_level;           /* --log-level */
        int log_format;          /* --log-format, a log_format_t */
        int shutdown_timeout_ms; /* --shutdown-timeout */
        int stall_timeout_ms;    /* --handler-stall-timeout */
        char *instance_arg;      /* "group.instance.id=ID", in kafka_args */
        int exit_at_end;         /* -e */
        const char **types;      /* --type PATTERN, repeatable */
        size_t n_types;          /* 0: every type */
        int32_t *partitions;     /* --partition N, repeatable */
        size_t n_partitions;     /* 0: every partition */
} options_t;

/**
 * Parse argv.
 * @returns 0 to run; 1 when --help or --version was answered (exit 0);
 *          -1 on a usage error (already reported on stderr; exit
 *          EX_USAGE).
 */
int options_parse(options_t *o, int argc, char **argv);

void options_free(options_t *o);

void options_usage(FILE *fp);

#endif /* CONSUMER_OPTIONS_H */
