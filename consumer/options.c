/*
 * options.c - the command line of events-consumer, parsed with
 * getopt_long(). Everything here is checked before the daemon touches the
 * network, so that a typo fails at once with EX_USAGE.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <events/events.h>

#include "http.h"
#include "log.h"
#include "print.h"

enum {
        OPT_HTTP = 256,
        OPT_SCHEMAS,
        OPT_NO_VALIDATE,
        OPT_DLQ_TOPIC,
        OPT_FROM_BEGINNING,
        OPT_FROM_TIME,
        OPT_LOG_LEVEL,
        OPT_SHUTDOWN_TIMEOUT,
        OPT_STALL_TIMEOUT,
        OPT_LOG_FORMAT,
        OPT_GROUP_INSTANCE_ID,
        OPT_TYPE,
        OPT_PARTITION,
};

void options_usage(FILE *fp) {
        fprintf(fp,
                "Usage: events-consumer -b BROKERS -g GROUP -t "
                "TOPIC[,TOPIC...] "
                "-r ROUTES [options]\n"
                "Join a Kafka consumer group and run, for each event, the "
                "handlers its type\nis routed to in the routes file.\n\n"
                "  -b, --brokers LIST       bootstrap brokers, host:port,... "
                "(also\n"
                "                           --bootstrap-server); the same as "
                "-X\n"
                "                           bootstrap.servers=LIST\n"
                "  -g, --group GROUP        consumer group id\n"
                "      --group-instance-id ID  static group membership "
                "(KIP-345): a member\n"
                "                           restarted with the same ID takes "
                "its partitions\n"
                "                           back at once; unique per member "
                "(the same as\n"
                "                           -X group.instance.id=ID)\n"
                "  -t, --topic T[,T...]     topics to consume (repeatable)\n"
                "  -r, --routes FILE        the routes file (JSON); SIGHUP "
                "reloads it\n"
                "      --http [ADDR:]PORT   serve /livez, /readyz, /health "
                "and /metrics on\n"
                "                           ADDR:PORT (default ADDR "
                "127.0.0.1; [::]:PORT for IPv6)\n"
                "      --handler-stall-timeout MS  /livez fails when a "
                "handler call runs\n"
                "                           longer (default 60000, or an exec "
                "handler's shorter\n"
                "                           timeout_ms), plus 2000 ms of "
                "grace\n"
                "      --schemas DIR        JSON Schemas to validate against; "
                "repeatable,\n"
                "                           the folders add up (default: "
                "$EVENTS_SCHEMAS_DIR,\n"
                "                           else ../share/events/schemas "
                "from the program,\n"
                "                           else the installed ones)\n"
                "      --no-validate        validate no event, whatever the "
                "routes say\n"
                "      --dlq-topic TOPIC    dead-letter topic (default: "
                "<topic>.dlq)\n"
                "      --from-beginning     a new group starts at the oldest "
                "event\n"
                "      --from-time T        a new group starts at time T "
                "(RFC 3339, or ms since\n"
                "                           the epoch)\n"
                "  -X, --property KEY=VALUE  a librdkafka property "
                "(repeatable)\n"
                "  -F, --config-file FILE   librdkafka properties, one "
                "KEY=VALUE a line\n"
                "                           ($EVENTS_BROKERS first, then -b, "
                "-F and -X in\n"
                "                           command-line order: a later one "
                "wins)\n"
                "      --log-level LEVEL    debug, info (default), warn or "
                "error\n"
                "      --log-format FORMAT  logfmt (default) or json: one "
                "JSON object a line\n"
                "      --shutdown-timeout MS  how long SIGTERM may take, "
                "handlers included\n"
                "                           (default 10000)\n"
                "      --type PATTERN       handle only events whose type "
                "matches (the router's\n"
                "                           glob; repeatable); skip and "
                "commit the others\n"
                "      --partition N        handle only partition N "
                "(repeatable); skip and\n"
                "                           commit the others\n"
                "  -e, --exit-at-end        handle what the partitions held "
                "when assigned, commit,\n"
                "                           and exit: 0, or 65 when "
                "anything was dead-lettered\n"
                "  -h, --help               show this help and exit\n"
                "  -V, --version            show the version and exit\n\n"
                "Exit status: 0 stopped by SIGTERM/SIGINT, 64 usage, 65 bad "
                "routes file,\n66 a file not found, 69 Kafka unavailable or "
                "fatal, 70 internal error,\n71 system error (e.g. HTTP port "
                "in use), 75 the final commit failed or could not\nbe made, or "
                "the dead-letter topic could not be written, 78 bad Kafka\n"
                "property or no schemas.\n");
        print_usage(fp);
}

static int add_topics(options_t *o, const char *arg) {
        char *copy = strdup(arg), *save = NULL;

        if (!copy)
                return -1;
        for (char *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
                char **nt;
                if (!*t)
                        continue;
                nt = realloc(o->topics, (o->n_topics + 2) * sizeof(char *));
                if (!nt)
                        break;
                o->topics = nt;
                if (!(o->topics[o->n_topics] = strdup(t)))
                        break;
                o->topics[++o->n_topics] = NULL;
        }
        free(copy);
        return 0;
}

static int append(options_t *o, int kind, const char *v) {
        events_kafka_arg_t *na =
                realloc(o->kafka_args, (o->n_kafka_args + 1) * sizeof(*na));
        if (!na)
                return -1;
        na[o->n_kafka_args].kind = (char)kind;
        na[o->n_kafka_args++].arg = v;
        o->kafka_args = na;
        return 0;
}

/* --group-instance-id ID: -X group.instance.id=ID, in command-line order
 * with -F and -X. Kafka takes up to 249 of [A-Za-z0-9._-]. */
static int instance_id(options_t *o, const char *id) {
        static const char prefix[] = "group.instance.id=";
        size_t n = strlen(id);
        char *arg;

        if (o->instance_arg) {
                fprintf(stderr, "events-consumer: --group-instance-id given "
                                "twice\nTry 'events-consumer --help'.\n");
                return -1;
        }
        if (n == 0 || n > 249 ||
            strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789._-") != n) {
                fprintf(stderr,
                        "events-consumer: --group-instance-id %s: expected 1 "
                        "to 249 of the characters A-Z a-z 0-9 . _ -\n"
                        "Try 'events-consumer --help'.\n",
                        id);
                return -1;
        }
        if (!(arg = malloc(sizeof(prefix) + n)))
                return -1;
        memcpy(arg, prefix, sizeof(prefix) - 1);
        memcpy(arg + sizeof(prefix) - 1, id, n + 1);
        o->instance_arg = arg;
        return append(o, 'X', arg);
}

static int append_schemas(options_t *o, const char *dir) {
        const char **ns = realloc(o->schemas, (o->n_schemas + 1) * sizeof(*ns));
        if (!ns)
                return -1;
        ns[o->n_schemas++] = dir;
        o->schemas = ns;
        return 0;
}

static int parse_int(const char *s, long lo, long hi, int *out) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < lo || v > hi)
                return -1;
        *out = (int)v;
        return 0;
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt,
                                                             ...) {
        va_list ap;

        fprintf(stderr, "events-consumer: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'events-consumer --help'.\n");
        return -1;
}

int options_parse(options_t *o, int argc, char **argv) {
        static const struct option longopts[] = {
                {"brokers", required_argument, NULL, 'b'},
                /* Kafka's own tools spell -b this way. */
                {"bootstrap-server", required_argument, NULL, 'b'},
                {"property", required_argument, NULL, 'X'},
                {"config-file", required_argument, NULL, 'F'},
                {"group", required_argument, NULL, 'g'},
                {"group-instance-id", required_argument, NULL,
                 OPT_GROUP_INSTANCE_ID},
                {"topic", required_argument, NULL, 't'},
                {"routes", required_argument, NULL, 'r'},
                {"http", required_argument, NULL, OPT_HTTP},
                {"schemas", required_argument, NULL, OPT_SCHEMAS},
                {"no-validate", no_argument, NULL, OPT_NO_VALIDATE},
                {"dlq-topic", required_argument, NULL, OPT_DLQ_TOPIC},
                {"from-beginning", no_argument, NULL, OPT_FROM_BEGINNING},
                {"from-time", required_argument, NULL, OPT_FROM_TIME},
                {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
                {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
                {"shutdown-timeout", required_argument, NULL,
                 OPT_SHUTDOWN_TIMEOUT},
                {"handler-stall-timeout", required_argument, NULL,
                 OPT_STALL_TIMEOUT},
                {"exit-at-end", no_argument, NULL, 'e'},
                {"type", required_argument, NULL, OPT_TYPE},
                {"partition", required_argument, NULL, OPT_PARTITION},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {NULL, 0, NULL, 0},
        };
        int c;

        memset(o, 0, sizeof(*o));
        o->http_port = -1;
        o->validate = 1;
        o->from_time_ms = -1;
        o->log_level = LOG_INFO;
        o->shutdown_timeout_ms = 10000;
        o->stall_timeout_ms = 60000;
        opterr = 0;
        optind = 1;
        while ((c = getopt_long(argc, argv, ":b:g:t:r:X:F:ehV", longopts,
                                NULL)) != -1) {
                switch (c) {
                case 'b':
                        /* In order with -F and -X: a later one wins. */
                        o->brokers = optarg;
                        if (append(o, 'b', optarg))
                                return usage_error("%s", "out of memory");
                        break;
                case 'g':
                        o->group = optarg;
                        break;
                case OPT_GROUP_INSTANCE_ID:
                        if (instance_id(o, optarg))
                                return -1;
                        break;
                case 't':
                        if (add_topics(o, optarg))
                                return usage_error("%s", "out of memory");
                        break;
                case 'r':
                        o->routes = optarg;
                        break;
                case 'X':
                        if (!strchr(optarg, '='))
                                return usage_error("-X %s: expected KEY=VALUE",
                                                   optarg);
                        if (append(o, 'X', optarg))
                                return usage_error("%s", "out of memory");
                        break;
                case 'F':
                        if (append(o, 'F', optarg))
                                return usage_error("%s", "out of memory");
                        break;
                case OPT_HTTP:
                        if (http_listen_parse(optarg, o->http_addr,
                                              sizeof(o->http_addr),
                                              &o->http_port))
                                return usage_error(
                                        "--http %s: expected [ADDR:]PORT, a "
                                        "numeric address and a port 0 to "
                                        "65535",
                                        optarg);
                        break;
                case OPT_SCHEMAS:
                        if (append_schemas(o, optarg))
                                return usage_error("%s", "out of memory");
                        break;
                case OPT_NO_VALIDATE:
                        o->validate = 0;
                        break;
                case OPT_DLQ_TOPIC:
                        o->dlq_topic = optarg;
                        break;
                case OPT_FROM_BEGINNING:
                        o->from_beginning = 1;
                        break;
                case OPT_FROM_TIME: {
                        char *end;
                        long long ms;
                        int64_t us;

                        errno = 0;
                        ms = strtoll(optarg, &end, 10);
                        if (!errno && end != optarg && !*end && ms >= 0) {
                                o->from_time_ms = ms;
                        } else if (events_timestamp_parse(optarg,
                                                          strlen(optarg), &us,
                                                          NULL) == EVENTS_OK &&
                                   us >= 0) {
                                o->from_time_ms = us / 1000;
                        } else {
                                return usage_error(
                                        "--from-time %s: expected an RFC "
                                        "3339 time or milliseconds since the "
                                        "epoch",
                                        optarg);
                        }
                        break;
                }
                case OPT_LOG_LEVEL:
                        if ((o->log_level = log_level_parse(optarg)) < 0)
                                return usage_error(
                                        "--log-level %s: expected debug, "
                                        "info, warn or error",
                                        optarg);
                        break;
                case OPT_LOG_FORMAT:
                        if ((o->log_format = log_format_parse(optarg)) < 0)
                                return usage_error("--log-format %s: expected "
                                                   "logfmt or json",
                                                   optarg);
                        break;
                case OPT_SHUTDOWN_TIMEOUT:
                        if (parse_int(optarg, 100, 3600000,
                                      &o->shutdown_timeout_ms))
                                return usage_error(
                                        "--shutdown-timeout %s: expected "
                                        "100 to 3600000 ms",
                                        optarg);
                        break;
                case OPT_STALL_TIMEOUT:
                        if (parse_int(optarg, 100, 86400000,
                                      &o->stall_timeout_ms))
                                return usage_error("--handler-stall-timeout "
                                                   "%s: expected 100 to "
                                                   "86400000 ms",
                                                   optarg);
                        break;
                case 'e':
                        o->exit_at_end = 1;
                        break;
                case OPT_TYPE: {
                        const char **nt = realloc(
                                o->types, (o->n_types + 1) * sizeof(*nt));
                        if (!nt)
                                return usage_error("%s", "out of memory");
                        nt[o->n_types++] = optarg;
                        o->types = nt;
                        break;
                }
                case OPT_PARTITION: {
                        int p;
                        int32_t *np;
                        if (parse_int(optarg, 0, INT32_MAX, &p))
                                return usage_error("--partition %s: expected "
                                                   "a partition number",
                                                   optarg);
                        np = realloc(o->partitions,
                                     (o->n_partitions + 1) * sizeof(*np));
                        if (!np)
                                return usage_error("%s", "out of memory");
                        np[o->n_partitions++] = p;
                        o->partitions = np;
                        break;
                }
                case 'h':
                        options_usage(stdout);
                        return 1;
                case 'V':
                        printf("events-consumer %s\n", events_version());
                        return 1;
                case ':':
                        return usage_error("option %s needs a value",
                                           argv[optind - 1]);
                default:
                        return usage_error("unknown option %s",
                                           argv[optind - 1]);
                }
        }
        if (optind < argc)
                return usage_error("unexpected argument %s", argv[optind]);
        /* Brokers may come from -F or -X as well: make_conf() finds out
         * whether any are set, by events_kafka_conf_apply()'s rule. */
        if (!o->group || !*o->group)
                return usage_error("%s", "no group: give -g GROUP");
        if (o->n_topics == 0)
                return usage_error("%s", "no topic: give -t TOPIC");
        if (!o->routes)
                return usage_error("%s", "no routes file: give -r FILE");
        if (o->from_beginning && o->from_time_ms >= 0)
                return usage_error("%s", "--from-beginning and --from-time "
                                         "exclude each other");
        return 0;
}

void options_free(options_t *o) {
        for (size_t i = 0; i < o->n_topics; i++)
                free(o->topics[i]);
        free(o->topics);
        free(o->kafka_args);
        free(o->schemas);
        free(o->instance_arg);
        free(o->types);
        free(o->partitions);
        memset(o, 0, sizeof(*o));
}
