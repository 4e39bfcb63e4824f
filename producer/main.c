/*
 * events-producer - publish NDJSON events to a Kafka topic.
 *
 * The command-line shell around libevents' producer API (events/producer.h):
 * it parses the options, builds the librdkafka configuration, reads lines
 * from stdin or the files given, and submits each one. Everything a line
 * can become comes back through one receipt callback, which writes the
 * stderr report, the reject file, the receipts file and the dry run's
 * output. On SIGINT or SIGTERM it stops reading, flushes for a while, and
 * purges the rest so that every line read is accounted for; the summary
 * and the exit status say what happened (see usage() and the README).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <events/events.h>
#include <events/producer.h>

#define PROG "events-producer"
/* Failed deliveries shown one by one on stderr; the rest are counted. */
#define MAX_FAILURES_SHOWN 10

static volatile sig_atomic_t signals_seen;
static volatile sig_atomic_t last_signal;
static events_producer_t *volatile the_producer;

static void on_signal(int sig) {
        last_signal = sig;
        signals_seen++;
        if (the_producer)
                events_producer_interrupt(the_producer);
}

/* One input source and the global line id of its first line. */
struct source {
        const char *name; /* NULL for stdin */
        uint64_t first;
};

struct app {
        events_producer_t *p;
        int dry_run;
        int progress;
        uint64_t max_errors;
        /* outputs */
        FILE *reject, *reasons, *receipts;
        const char *reject_path, *receipts_path;
        uint64_t reject_lines;
        int write_error;
        /* input */
        struct source *srcs;
        size_t nsrcs;
        int named_files;
        /* what happened */
        uint64_t rejected, failed_shown;
        int64_t start_us, last_progress_us;
};

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: " PROG " -b BROKERS -t TOPIC [options] [FILE...]\n"
                "Publish NDJSON events to a Kafka topic, one event per line, "
                "from\n"
                "the FILEs or from stdin ('-' is stdin).\n"
                "\n"
                "Kafka:\n"
                "  -b, --brokers LIST       bootstrap brokers (default: "
                "$EVENTS_BROKERS)\n"
                "  -t, --topic TOPIC        the topic to produce to\n"
                "  -X, --property KEY=VAL   set a librdkafka property "
                "(repeatable)\n"
                "  -F, --config-file FILE   read librdkafka properties from "
                "FILE\n"
                "  -z, --compression CODEC  none, gzip, snappy, lz4 or zstd\n"
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
                "      --schemas DIR        JSON Schemas to validate against\n"
                "                           (default %s)\n"
                "      --no-validate        check the envelope only, no "
                "schemas\n"
                "      --allow-unknown-types  accept types that have no "
                "schema\n"
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
                "78 bad configuration; 70 internal error.\n",
                events_schemas_default_dir());
}

static int64_t mono_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Write @p s as a JSON string. Input bytes pass through; the library's
 * texts are UTF-8. */
static void json_str(FILE *fp, const char *s) {
        fputc('"', fp);
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch == '"' || ch == '\\')
                        fprintf(fp, "\\%c", ch);
                else if (ch == '\n')
                        fputs("\\n", fp);
                else if (ch == '\t')
                        fputs("\\t", fp);
                else if (ch < 0x20 || ch == 0x7f)
                        fprintf(fp, "\\u%04x", ch);
                else
                        fputc(ch, fp);
        }
        fputc('"', fp);
}

/* The source and in-file line number of a global line id. */
static const struct source *source_of(const struct app *a, uint64_t id,
                                      uint64_t *line) {
        size_t lo = 0, hi = a->nsrcs;

        while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;

                if (a->srcs[mid].first <= id)
                        lo = mid;
                else
                        hi = mid;
        }
        *line = id - a->srcs[lo].first + 1;
        return &a->srcs[lo];
}

/* "FILE:LINE" or "line LINE" (stdin). */
static void where(const struct app *a, uint64_t id, char *buf, size_t size) {
        uint64_t line;
        const struct source *src = source_of(a, id, &line);

        if (src->name)
                snprintf(buf, size, "%s:%" PRIu64, src->name, line);
        else
                snprintf(buf, size, "line %" PRIu64, line);
}

/* A reason on one line: where in the event, then why. */
static void reason(const events_error_t *e, char *buf, size_t size) {
        if (e->pointer[0])
                snprintf(buf, size, "%s: %s", e->pointer, e->text);
        else if (e->column > 0)
                snprintf(buf, size, "column %d: %s", e->column, e->text);
        else
                snprintf(buf, size, "%s", e->text);
}

static void json_where(FILE *fp, const struct app *a, uint64_t id) {
        uint64_t line;
        const struct source *src = source_of(a, id, &line);

        fputc('{', fp);
        if (src->name) {
                fputs("\"file\":", fp);
                json_str(fp, src->name);
                fputc(',', fp);
        }
        fprintf(fp, "\"line\":%" PRIu64, line);
}

static void on_receipt(const events_receipt_t *r, void *opaque) {
        struct app *a = opaque;
        uint64_t id = events_receipt_line(r);
        events_outcome_t oc = events_receipt_outcome(r);
        const events_error_t *e = events_receipt_error(r);
        char at[512], why[EVENTS_ERROR_TEXT_LENGTH +
                          EVENTS_ERROR_POINTER_LENGTH + 16];
        const char *bytes;
        size_t len;

        if (oc == EVENTS_OUTCOME_REJECTED || oc == EVENTS_OUTCOME_FAILED) {
                where(a, id, at, sizeof(at));
                reason(e, why, sizeof(why));
        }
        if (oc == EVENTS_OUTCOME_REJECTED) {
                a->rejected++;
                fprintf(stderr, PROG ": %s: rejected: %s\n", at, why);
                if (a->reject) {
                        bytes = events_receipt_input(r, &len);
                        if (fwrite(bytes, 1, len, a->reject) != len ||
                            fputc('\n', a->reject) == EOF)
                                a->write_error = 1;
                        a->reject_lines++;
                        json_where(a->reasons, a, id);
                        fprintf(a->reasons,
                                ",\"reject_line\":%" PRIu64
                                ",\"error\":\"%s\",\"reason\":",
                                a->reject_lines, events_err2name(e->code));
                        json_str(a->reasons, why);
                        fputs("}\n", a->reasons);
                }
        } else if (oc == EVENTS_OUTCOME_FAILED) {
                if (a->failed_shown++ < MAX_FAILURES_SHOWN)
                        fprintf(stderr, PROG ": %s: not delivered: %s\n", at,
                                why);
                else if (a->failed_shown == MAX_FAILURES_SHOWN + 1)
                        fprintf(stderr, PROG ": (further undelivered lines "
                                             "are counted, not shown)\n");
        } else if (oc == EVENTS_OUTCOME_DELIVERED && a->dry_run) {
                bytes = events_receipt_message(r, &len);
                fwrite(bytes, 1, len, stdout);
                putchar('\n');
        }
        if (a->receipts) {
                FILE *fp = a->receipts;

                json_where(fp, a, id);
                fprintf(fp, ",\"status\":\"%s\"", events_outcome_name(oc));
                if (oc == EVENTS_OUTCOME_DELIVERED) {
                        fprintf(fp,
                                ",\"partition\":%" PRId32
                                ",\"offset\":%" PRId64,
                                events_receipt_partition(r),
                                events_receipt_offset(r));
                } else if (oc == EVENTS_OUTCOME_REJECTED ||
                           oc == EVENTS_OUTCOME_FAILED) {
                        fprintf(fp, ",\"error\":\"%s\",\"reason\":",
                                events_err2name(e->code));
                        json_str(fp, why);
                        if (oc == EVENTS_OUTCOME_FAILED)
                                fprintf(fp, ",\"retriable\":%s",
                                        events_receipt_retriable(r) ? "true"
                                                                    : "false");
                }
                fputs("}\n", fp);
        }
}

static void on_error(events_err_t err, const char *why, int fatal,
                     void *opaque) {
        (void)err, (void)opaque;
        fprintf(stderr, PROG ": kafka%s: %s\n", fatal ? " (fatal)" : "", why);
}

static void show_progress(struct app *a, int force) {
        events_producer_counts_t c;
        int64_t now = mono_us();
        double secs;

        if (!a->progress || (!force && now - a->last_progress_us < 250000))
                return;
        a->last_progress_us = now;
        events_producer_counts(a->p, &c);
        secs = (double)(now - a->start_us) / 1e6;
        fprintf(stderr,
                "\r\033[K%" PRIu64 " read, %" PRIu64 " delivered, %" PRIu64
                " rejected, %" PRIu64 " failed, %" PRIu64
                " in flight (%.0f events/s)",
                c.read, c.delivered, c.rejected, c.failed, c.in_flight,
                secs > 0 ? (double)c.delivered / secs : 0.0);
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

static FILE *open_out(const char *path) {
        FILE *fp = fopen(path, "w");

        if (!fp)
                fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return fp;
}

static int close_out(FILE *fp, const char *path) {
        if (fp && (ferror(fp) | fclose(fp))) {
                fprintf(stderr, PROG ": %s: write error\n", path);
                return -1;
        }
        return 0;
}

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
};

static const struct option long_opts[] = {
        {"brokers", required_argument, NULL, 'b'},
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
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
};

/* -X and -F in the order given, applied after the defaults. */
struct conf_arg {
        int opt;
        const char *val;
};

struct opts {
        const char *brokers, *topic, *type, *schemas, *compression;
        const char *key;
        const char *reject_file, *receipts;
        int no_validate, allow_unknown, restamp, dry_run, progress;
        uint64_t max_errors, flush_timeout;
        long workers; /* -1: one per spare CPU */
        double rate;
        struct conf_arg *confs;
        size_t nconfs;
};

static int parse_opts(int argc, char **argv, struct opts *o) {
        int c;
        uint64_t u;
        char *end;

        o->key = EVENTS_DEFAULT_KEY_PATH;
        o->flush_timeout = 10000;
        o->workers = -1;
        o->confs = calloc((size_t)argc, sizeof(*o->confs));
        if (!o->confs)
                return EX_OSERR;
        while ((c = getopt_long(argc, argv, "b:t:X:F:z:k:hV", long_opts,
                                NULL)) != -1) {
                switch (c) {
                case 'b':
                        o->brokers = optarg;
                        break;
                case 't':
                        o->topic = optarg;
                        break;
                case 'X':
                case 'F':
                        o->confs[o->nconfs].opt = c;
                        o->confs[o->nconfs++].val = optarg;
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
                        o->schemas = optarg;
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
                case OPT_DRY_RUN:
                        o->dry_run = 1;
                        break;
                case OPT_PROGRESS:
                        o->progress = 1;
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
        if (!o->brokers)
                o->brokers = getenv("EVENTS_BROKERS");
        if (!o->dry_run && (!o->brokers || !*o->brokers)) {
                fprintf(stderr, PROG ": no brokers: give -b BROKERS or set "
                                     "EVENTS_BROKERS\n");
                return EX_USAGE;
        }
        if (!o->dry_run && (!o->topic || !*o->topic)) {
                fprintf(stderr, PROG ": no topic: give -t TOPIC\n");
                return EX_USAGE;
        }
        return EX_OK;
}

/* The librdkafka configuration: defaults, then the options, in order. */
static int build_conf(const struct opts *o, rd_kafka_conf_t **confp) {
        rd_kafka_conf_t *conf = events_producer_conf_new();
        events_error_t err;
        char kv[1024];
        events_err_t rc = EVENTS_OK;

        if (!conf)
                return EX_OSERR;
        /* The summary reports delivery problems; librdkafka need not log
         * every closed idle connection. */
        rc = events_kafka_conf_set(conf, "log.connection.close=false", &err);
        /* Bounded memory: a queued message costs its copy, its key and its
         * header, and when the broker falls behind librdkafka's queue fills
         * up. Measured against the real Kafka, 1,000,000 events: 50000
         * queued peaked at 40-58 MB RSS, 20000 at 23 MB, at the same rate
         * (two full batches of batch.num.messages are still queued). */
        if (!rc)
                rc = events_kafka_conf_set(
                        conf, "queue.buffering.max.messages=20000", &err);
        /* and large events: 32 MB of queued payload, not librdkafka's 1 GB */
        if (!rc)
                rc = events_kafka_conf_set(
                        conf, "queue.buffering.max.kbytes=32768", &err);
        if (!rc) {
                snprintf(kv, sizeof(kv), "bootstrap.servers=%s", o->brokers);
                rc = events_kafka_conf_set(conf, kv, &err);
        }
        if (!rc && o->compression) {
                snprintf(kv, sizeof(kv), "compression.codec=%s",
                         o->compression);
                rc = events_kafka_conf_set(conf, kv, &err);
        }
        for (size_t i = 0; !rc && i < o->nconfs; i++)
                rc = o->confs[i].opt == 'X'
                             ? events_kafka_conf_set(conf, o->confs[i].val,
                                                     &err)
                             : events_kafka_conf_set_file(conf, o->confs[i].val,
                                                          &err);
        if (rc) {
                fprintf(stderr, PROG ": configuration: %s\n", err.text);
                rd_kafka_conf_destroy(conf);
                return rc == EVENTS_ERR_IO ? EX_NOINPUT : EX_CONFIG;
        }
        *confp = conf;
        return EX_OK;
}

/*
 * A line reader over read(2): it knows when it is about to wait for input,
 * and then first has the producer send what it holds, so that a slow
 * stream (tail -F) is never left sitting in the pipeline.
 */
struct reader {
        int fd;
        char *buf;
        size_t cap, start, end;
        int eof;
};

/* The next line, its '\n' included (the last may lack it). Returns 1, 0
 * at the end, -1 on a read error (errno), -2 when a signal stopped it. */
static int next_line(struct app *a, struct reader *r, const char **linep,
                     size_t *lenp) {
        for (;;) {
                char *at = r->buf + r->start, *nl;
                size_t have = r->end - r->start;
                ssize_t n;

                if (have && (nl = memchr(at, '\n', have))) {
                        *linep = at;
                        *lenp = (size_t)(nl - at) + 1;
                        r->start += *lenp;
                        return 1;
                }
                if (r->eof) {
                        if (!have)
                                return 0;
                        *linep = at;
                        *lenp = have;
                        r->start = r->end;
                        return 1;
                }
                if (r->start > 0) {
                        memmove(r->buf, at, have);
                        r->start = 0;
                        r->end = have;
                }
                if (r->end == r->cap) {
                        size_t cap = r->cap ? r->cap * 2 : 1 << 16;
                        char *nb = realloc(r->buf, cap);

                        if (!nb)
                                return -1;
                        r->buf = nb;
                        r->cap = cap;
                }
                {
                        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};

                        if (poll(&pfd, 1, 0) == 0) {
                                events_producer_poll(a->p, 0);
                                show_progress(a, 0);
                        }
                }
                n = read(r->fd, r->buf + r->end, r->cap - r->end);
                /* The lines this read completes arrived now: stamped with
                 * this time, and the clock is read once a read. */
                if (n > 0)
                        events_producer_set_stamp_time(a->p, events_now_us());
                if (n < 0) {
                        if (errno == EINTR && !signals_seen)
                                continue;
                        return errno == EINTR ? -2 : -1;
                }
                if (n == 0)
                        r->eof = 1;
                r->end += (size_t)n;
                if (signals_seen)
                        return -2;
        }
}

/*
 * Read every source, submitting each line. Returns 0 at the end of the
 * input, 1 when stopped early (signal or --max-errors), -1 on a read error.
 */
static int read_all(struct app *a, char **files, int nfiles) {
        struct reader r = {0};
        const char *line;
        size_t len;
        uint64_t id = 0;
        int rc = 0, got;

        for (int i = 0; i < (nfiles ? nfiles : 1) && rc == 0; i++) {
                const char *name = nfiles ? files[i] : "-";
                int fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;

                if (fd < 0) {
                        fprintf(stderr, PROG ": %s: %s\n", name,
                                strerror(errno));
                        rc = -1;
                        break;
                }
                r.fd = fd;
                r.start = r.end = 0;
                r.eof = 0;
                a->srcs[a->nsrcs].name = strcmp(name, "-") ? name
                                         : a->named_files  ? "(stdin)"
                                                           : NULL;
                a->srcs[a->nsrcs++].first = id + 1;
                while ((got = next_line(a, &r, &line, &len)) == 1) {
                        events_producer_submit(a->p, line, len, ++id, NULL);
                        if (signals_seen) {
                                rc = 1;
                                break;
                        }
                        if (a->max_errors && a->rejected >= a->max_errors) {
                                char at[512];

                                where(a, id, at, sizeof(at));
                                fprintf(stderr,
                                        PROG ": giving up after %" PRIu64
                                             " rejected lines (--max-errors); "
                                             "stopped after %s\n",
                                        a->rejected, at);
                                rc = 1;
                                break;
                        }
                        if ((id & 1023) == 0)
                                show_progress(a, 0);
                }
                if (got == -2) {
                        rc = 1;
                } else if (got == -1) {
                        fprintf(stderr, PROG ": %s: read error: %s\n", name,
                                strerror(errno));
                        rc = -1;
                }
                if (fd != 0)
                        close(fd);
        }
        free(r.buf);
        return rc;
}

int main(int argc, char **argv) {
        struct opts o = {0};
        struct app a = {0};
        rd_kafka_conf_t *conf = NULL;
        events_registry_t *reg = NULL;
        events_error_t err;
        events_producer_counts_t c;
        struct sigaction sa;
        int rc, stopped, nfiles, flushed;
        int64_t deadline = -1;
        events_err_t closed;
        double secs;

        if ((rc = parse_opts(argc, argv, &o)) != EX_OK)
                goto out;
        nfiles = argc - optind;
        /* Every input must be there before anything is sent. */
        for (int i = optind; i < argc; i++) {
                if (strcmp(argv[i], "-") && access(argv[i], R_OK)) {
                        fprintf(stderr, PROG ": %s: %s\n", argv[i],
                                strerror(errno));
                        rc = EX_NOINPUT;
                        goto out;
                }
        }
        a.named_files = nfiles > 0;
        a.srcs = calloc((size_t)(nfiles ? nfiles : 1), sizeof(*a.srcs));
        if (!a.srcs) {
                rc = EX_OSERR;
                goto out;
        }
        if (!o.no_validate) {
                const char *dir =
                        o.schemas ? o.schemas : events_schemas_default_dir();

                if (events_registry_new(&reg)) {
                        rc = EX_OSERR;
                        goto out;
                }
                if (events_registry_load_dir(reg, dir, &err)) {
                        char buf[600];
                        fprintf(stderr, PROG ": schemas in %s: %s\n", dir,
                                events_error_format(&err, buf, sizeof(buf)));
                        rc = EX_CONFIG;
                        goto out;
                }
                if (o.allow_unknown)
                        events_registry_set_unknown_type(
                                reg, EVENTS_UNKNOWN_TYPE_ALLOW);
        }
        if (!o.dry_run && (rc = build_conf(&o, &conf)) != EX_OK)
                goto out;
        if (events_producer_new(&a.p, conf, o.topic, &err)) {
                fprintf(stderr, PROG ": %s\n", err.text);
                rc = err.code == EVENTS_ERR_CONF ? EX_CONFIG : EX_SOFTWARE;
                goto out;
        }
        conf = NULL; /* the producer's now */
        if (events_producer_set_key_path(a.p, o.key) ||
            events_producer_set_wrap_type(a.p, o.type) ||
            (o.rate > 0 && events_producer_set_rate(a.p, o.rate))) {
                rc = EX_SOFTWARE;
                goto out;
        }
        events_producer_set_registry(a.p, reg);
        events_producer_set_restamp(a.p, o.restamp);
        /* Shape on the spare CPUs: the main thread and librdkafka's
         * broker thread keep two busy. On two CPUs a worker cost more CPU
         * time (handing lines over, waking threads) than it saved in time
         * (bench/producer: 2.13 s against 1.74 s per million). --max-errors
         * must stop at exactly the Nth bad line, so it shapes each line
         * before reading the next. */
        if (o.workers < 0) {
                long cpus = sysconf(_SC_NPROCESSORS_ONLN);

                o.workers = cpus > 2 ? (cpus - 2 > 4 ? 4 : cpus - 2) : 0;
        }
        if (o.max_errors)
                o.workers = 0;
        /* The reader polls whenever its input would block. */
        events_producer_set_partition_runs(a.p, 1);
        if (o.workers && events_producer_set_workers(a.p, (int)o.workers)) {
                rc = EX_OSERR;
                goto out;
        }
        events_producer_set_receipt_cb(a.p, on_receipt, &a);
        /* on_receipt() acts on a delivered line only for --receipts and
         * --dry-run: otherwise the counts are enough. */
        if (!o.receipts && !o.dry_run)
                events_producer_set_receipt_outcomes(
                        a.p, EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_REJECTED) |
                                     EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_FAILED));
        events_producer_set_error_cb(a.p, on_error, NULL);
        a.dry_run = o.dry_run;
        a.max_errors = o.max_errors;
        a.progress = o.progress && isatty(STDERR_FILENO);
        if (o.reject_file) {
                char *rp = malloc(strlen(o.reject_file) + sizeof(".reasons"));

                if (!rp) {
                        rc = EX_OSERR;
                        goto out;
                }
                strcpy(rp, o.reject_file);
                strcat(rp, ".reasons");
                a.reject_path = o.reject_file;
                a.reject = open_out(o.reject_file);
                a.reasons = a.reject ? open_out(rp) : NULL;
                free(rp);
                if (!a.reasons) {
                        rc = EX_CANTCREAT;
                        goto out;
                }
        }
        if (o.receipts && !(a.receipts = open_out(o.receipts))) {
                rc = EX_CANTCREAT;
                goto out;
        }

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: a blocked read must return */
        the_producer = a.p;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        a.start_us = mono_us();
        stopped = read_all(&a, argv + optind, nfiles);

        /* Deliver what is queued: at the end of the input, for as long as
         * librdkafka keeps trying (message.timeout.ms); after a signal, for
         * --flush-timeout; after a second signal, not at all. */
        for (;;) {
                events_producer_counts(a.p, &c);
                if (!c.in_flight)
                        break;
                if (signals_seen && deadline < 0)
                        deadline = mono_us() + (int64_t)o.flush_timeout * 1000;
                if (signals_seen > 1 ||
                    (deadline >= 0 && mono_us() >= deadline))
                        break;
                flushed = events_producer_flush(a.p, 100) == EVENTS_OK;
                show_progress(&a, 0);
                if (flushed)
                        break;
        }
        /* What close() has to purge gets failed receipts and is counted in
         * c.failed; its result says the same, and both set the status. */
        closed = events_producer_close(a.p, 0);
        events_producer_counts(a.p, &c);
        secs = (double)(mono_us() - a.start_us) / 1e6;
        if (a.progress)
                fputs("\r\033[K", stderr);
        if (signals_seen)
                fprintf(stderr,
                        PROG ": %s: stopped reading after %" PRIu64
                             " lines; %" PRIu64 " not delivered\n",
                        strsignal(last_signal), c.read, c.failed);
        fprintf(stderr,
                PROG ": %" PRIu64 " read, %" PRIu64 " %s, %" PRIu64
                     " rejected, %" PRIu64 " failed, %" PRIu64
                     " skipped (blank) in %.3f s, %.0f events/s\n",
                c.read, c.delivered,
                o.dry_run ? "valid (dry run)" : "delivered", c.rejected,
                c.failed, c.skipped, secs,
                secs > 0 ? (double)c.delivered / secs : 0.0);

        if (close_out(a.reject, a.reject_path) ||
            close_out(a.reasons, "reject reasons") ||
            close_out(a.receipts, o.receipts) || a.write_error)
                a.write_error = 1;
        a.reject = a.reasons = a.receipts = NULL;
        if (o.dry_run && fflush(stdout))
                a.write_error = 1;

        if (c.failed_permanent)
                rc = EX_UNAVAILABLE;
        else if (c.failed || signals_seen || closed != EVENTS_OK)
                rc = EX_TEMPFAIL;
        else if (stopped < 0 || a.write_error)
                rc = EX_IOERR;
        else if (c.rejected)
                rc = EX_DATAERR;
        else
                rc = EX_OK;

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
        free(a.srcs);
        free(o.confs);
        return rc;
}
