/*
 * options.c - the command line of events-producer, parsed with
 * getopt_long(), and its --help. Everything here is checked before
 * anything is read or sent, so that a typo fails at once with EX_USAGE.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <events/events.h>
#include <events/producer.h>

#include "app.h"
#include "log.h"

enum {
        OPT_TYPE = 256,
        OPT_SCHEMAS,
        OPT_NO_VALIDATE,
        OPT_ALLOW_UNKNOWN,
        OPT_RESTAMP,
        OPT_REJECT_FILE,
        OPT_RECEIPTS,
        OPT_MAX_ERRORS,
        OPT_RATE,
        OPT_DRY_RUN,
        OPT_PROGRESS,
        OPT_FLUSH_TIMEOUT,
        OPT_WORKERS,
        OPT_CLOUDEVENTS,
        OPT_CE_SOURCE,
        OPT_METRICS_FILE,
        OPT_METRICS_INTERVAL,
        OPT_LOG_FORMAT,
};

static const struct option long_opts[] = {
        {"brokers", required_argument, NULL, 'b'},
        /* Kafka's own tools spell -b this way. */
        {"bootstrap-server", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"property", required_argument, NULL, 'X'},
        {"config-file", required_argument, NULL, 'F'},
        {"compression", required_argument, NULL, 'z'},
        {"key", required_argument, NULL, 'k'},
        {"type", required_argument, NULL, OPT_TYPE},
        {"schemas", required_argument, NULL, OPT_SCHEMAS},
        {"no-validate", no_argument, NULL, OPT_NO_VALIDATE},
        {"allow-unknown-types", no_argument, NULL, OPT_ALLOW_UNKNOWN},
        {"restamp", no_argument, NULL, OPT_RESTAMP},
        {"reject-file", required_argument, NULL, OPT_REJECT_FILE},
        {"receipts", required_argument, NULL, OPT_RECEIPTS},
        {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"flush-timeout", required_argument, NULL, OPT_FLUSH_TIMEOUT},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"cloudevents", required_argument, NULL, OPT_CLOUDEVENTS},
        {"ce-source", required_argument, NULL, OPT_CE_SOURCE},
        {"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
        {"metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
};

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: " PROG " -b BROKERS -t TOPIC [options] [FILE...]\n"
                "Publish NDJSON events to a Kafka topic, one event per line, "
                "from\n"
                "the FILEs or from stdin ('-' is stdin).\n"
                "\n"
                "Kafka:\n"
                "  -b, --brokers LIST       bootstrap brokers, host:port,... "
                "(also\n"
                "                           --bootstrap-server); the same as "
                "-X\n"
                "                           bootstrap.servers=LIST\n"
                "  -t, --topic TOPIC        the topic to produce to\n"
                "  -X, --property KEY=VAL   set a librdkafka property "
                "(repeatable)\n"
                "  -F, --config-file FILE   read librdkafka properties from "
                "FILE\n"
                "                           ($EVENTS_BROKERS first, then -b, "
                "-F and -X in\n"
                "                           command-line order: a later one "
                "wins)\n"
                "  -z, --compression CODEC  none (default: every client reads "
                "it), gzip,\n"
                "                           snappy, lz4 or zstd (a default: -X "
                "compression.codec\n"
                "                           overrides it)\n"
                "      --rate N             at most N events per second\n"
                "      --workers N          threads that parse and validate "
                "(default:\n"
                "                           one per CPU beyond two, at most "
                "4)\n"
                "      --flush-timeout MS   on SIGINT/SIGTERM, how long to "
                "wait "
                "for\n"
                "                           deliveries before giving up "
                "(default "
                "10000)\n"
                "\n"
                "Events:\n"
                "      --type TYPE          lines are bare data objects; wrap "
                "each "
                "in an\n"
                "                           envelope of type TYPE\n"
                "  -k, --key PATH           partition key path (default "
                "data.user_id;\n"
                "                           '' for no key)\n"
                "      --restamp            replace timestamps already in the "
                "input\n"
                "      --schemas DIR        JSON Schemas to validate against; "
                "repeatable,\n"
                "                           the folders add up (default: "
                "$EVENTS_SCHEMAS_DIR,\n"
                "                           else ../share/events/schemas "
                "from the program,\n"
                "                           else %s)\n"
                "      --no-validate        check the envelope only, no "
                "schemas\n"
                "      --allow-unknown-types  accept types that have no "
                "schema\n"
                "      --cloudevents MODE   send CloudEvents 1.0, binary or "
                "structured\n"
                "                           (see docs/cloudevents.md)\n"
                "      --ce-source URI      their source (default "
                "/events-producer/HOST)\n"
                "\n"
                "Outcomes:\n"
                "      --reject-file F      write rejected lines verbatim to "
                "F, "
                "and why\n"
                "                           to F.reasons (one JSON line each)\n"
                "      --receipts F         write one JSON line per input line "
                "to F\n"
                "      --max-errors N       give up after N rejected lines "
                "(default 0:\n"
                "                           never)\n"
                "      --progress           show a live count (on a terminal)\n"
                "      --metrics-file F     write the counts to F in the "
                "Prometheus text\n"
                "                           format (node_exporter's textfile "
                "collector),\n"
                "                           atomically: at the start, every "
                "interval, at the end\n"
                "      --metrics-interval S  seconds between writes of "
                "--metrics-file\n"
                "                           (default 10)\n"
                "      --log-format FORMAT  text (default), logfmt or json: "
                "one record a\n"
                "                           line on stderr\n"
                "      --dry-run            validate and print the envelopes; "
                "no "
                "Kafka\n"
                "  -h, --help               show this help and exit\n"
                "  -V, --version            show the version and exit\n"
                "\n"
                "Exit status: 0 every line delivered; 64 bad usage; 65 some "
                "lines\n"
                "rejected, the rest delivered; 66 an input file is missing; 69 "
                "a\n"
                "delivery failed for good; 74 an output could not be written; "
                "75 a\n"
                "delivery failed for now (broker unreachable, timed out, "
                "interrupted);\n"
                "78 bad configuration; 70 internal error.\n"
                "\n"
                "Replay (" PROG " --replay FILE -t TOPIC [-b/-F/-X]):\n"
                "      --replay FILE        send the messages of an "
                "events-consumer capture\n"
                "                           file as they are: keys, values, "
                "headers, timestamps\n"
                "      --same-partitions    to the partitions they were "
                "captured from\n",
                events_schemas_default_dir());
}

static int parse_u64(const char *s, uint64_t *out) {
        char *end;
        unsigned long long v;

        errno = 0;
        if (!*s || *s == '-')
                return -1;
        v = strtoull(s, &end, 10);
        if (errno || *end)
                return -1;
        *out = v;
        return 0;
}

int options_parse(int argc, char **argv, struct opts *o) {
        int c;
        uint64_t u;
        char *end;

        o->key = EVENTS_DEFAULT_KEY_PATH;
        o->flush_timeout = 10000;
        o->workers = -1;
        o->log_format = -1;
        o->confs = calloc((size_t)argc, sizeof(*o->confs));
        o->schemas = calloc((size_t)argc, sizeof(*o->schemas));
        if (!o->confs || !o->schemas)
                return EX_OSERR;
        while ((c = getopt_long(argc, argv, "b:t:X:F:z:k:hV", long_opts,
                                NULL)) != -1) {
                switch (c) {
                case 'b':
                        /* In order with -F and -X: a later one wins. */
                        o->brokers = optarg;
                        o->confs[o->nconfs].kind = 'b';
                        o->confs[o->nconfs++].arg = optarg;
                        break;
                case 't':
                        o->topic = optarg;
                        break;
                case 'X':
                case 'F':
                        o->confs[o->nconfs].kind = (char)c;
                        o->confs[o->nconfs++].arg = optarg;
                        break;
                case 'z':
                        o->compression = optarg;
                        break;
                case 'k':
                        o->key = optarg;
                        break;
                case OPT_TYPE:
                        if (!events_type_valid(optarg)) {
                                fprintf(stderr,
                                        PROG ": --type: \"%s\" is not a valid "
                                             "event type ([A-Za-z0-9._-], 1 "
                                             "to 255 bytes)\n",
                                        optarg);
                                return EX_USAGE;
                        }
                        o->type = optarg;
                        break;
                case OPT_SCHEMAS:
                        o->schemas[o->nschemas++] = optarg;
                        break;
                case OPT_NO_VALIDATE:
                        o->no_validate = 1;
                        break;
                case OPT_ALLOW_UNKNOWN:
                        o->allow_unknown = 1;
                        break;
                case OPT_RESTAMP:
                        o->restamp = 1;
                        break;
                case OPT_REJECT_FILE:
                        o->reject_file = optarg;
                        break;
                case OPT_RECEIPTS:
                        o->receipts = optarg;
                        break;
                case OPT_MAX_ERRORS:
                        if (parse_u64(optarg, &o->max_errors)) {
                                fprintf(stderr,
                                        PROG ": --max-errors: not a count: "
                                             "%s\n",
                                        optarg);
                                return EX_USAGE;
                        }
                        break;
                case OPT_FLUSH_TIMEOUT:
                        if (parse_u64(optarg, &u) || u > INT32_MAX) {
                                fprintf(stderr,
                                        PROG ": --flush-timeout: not a time "
                                             "in ms: %s\n",
                                        optarg);
                                return EX_USAGE;
                        }
                        o->flush_timeout = u;
                        break;
                case OPT_WORKERS:
                        if (parse_u64(optarg, &u) ||
                            u > EVENTS_PRODUCER_MAX_WORKERS) {
                                fprintf(stderr,
                                        PROG ": --workers: not a count from 0 "
                                             "to %d: %s\n",
                                        EVENTS_PRODUCER_MAX_WORKERS, optarg);
                                return EX_USAGE;
                        }
                        o->workers = (long)u;
                        break;
                case OPT_RATE:
                        errno = 0;
                        o->rate = strtod(optarg, &end);
                        if (errno || *end || end == optarg || !(o->rate > 0)) {
                                fprintf(stderr,
                                        PROG ": --rate: not a positive "
                                             "number: %s\n",
                                        optarg);
                                return EX_USAGE;
                        }
                        break;
                case OPT_CLOUDEVENTS:
                        o->ce_mode = events_ce_mode_parse(optarg);
                        if (o->ce_mode == EVENTS_CE_NONE) {
                                fprintf(stderr,
                                        PROG ": --cloudevents: \"%s\" is not "
                                             "binary or structured\n",
                                        optarg);
                                return EX_USAGE;
                        }
                        break;
                case OPT_CE_SOURCE:
                        if (!*optarg) {
                                fprintf(stderr, PROG ": --ce-source: empty\n");
                                return EX_USAGE;
                        }
                        o->ce_source = optarg;
                        break;
                case OPT_METRICS_FILE:
                        o->metrics_file = optarg;
                        break;
                case OPT_METRICS_INTERVAL:
                        if (parse_u64(optarg, &u) || u < 1 || u > 86400) {
                                fprintf(stderr,
                                        PROG ": --metrics-interval: not a "
                                             "number of seconds from 1 to "
                                             "86400: %s\n",
                                        optarg);
                                return EX_USAGE;
                        }
                        o->metrics_interval = u;
                        break;
                case OPT_DRY_RUN:
                        o->dry_run = 1;
                        break;
                case OPT_PROGRESS:
                        o->progress = 1;
                        break;
                case OPT_LOG_FORMAT:
                        if (!strcmp(optarg, "text")) {
                                o->log_format = -1;
                        } else if ((o->log_format = log_format_parse(optarg)) <
                                   0) {
                                fprintf(stderr,
                                        PROG ": --log-format %s: expected "
                                             "text, logfmt or json\n",
                                        optarg);
                                return EX_USAGE;
                        }
                        break;
                case 'h':
                        usage(stdout);
                        exit(EX_OK);
                case 'V':
                        printf(PROG " %s\n", events_version());
                        exit(EX_OK);
                default:
                        fprintf(stderr, "Try '" PROG " --help'.\n");
                        return EX_USAGE;
                }
        }
        if (o->ce_source && o->ce_mode == EVENTS_CE_NONE) {
                fprintf(stderr, PROG ": --ce-source needs --cloudevents\n");
                return EX_USAGE;
        }
        if (o->metrics_interval && !o->metrics_file) {
                fprintf(stderr, PROG ": --metrics-interval needs "
                                     "--metrics-file\n");
                return EX_USAGE;
        }
        /* No brokers is found out by build_conf(): -F or -X may set
         * bootstrap.servers. */
        if (!o->dry_run && (!o->topic || !*o->topic)) {
                fprintf(stderr, PROG ": no topic: give -t TOPIC\n");
                return EX_USAGE;
        }
        return EX_OK;
}
