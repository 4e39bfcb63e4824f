/*
 * print.c - events-consumer's reading modes. --print writes each event to
 * stdout, one a line (the value as it is, an envelope with the message's
 * metadata, or a kcat-like format); --capture FILE writes each message
 * without loss (capture.c), for events-producer --replay.
 *
 * Without -g the partitions are assigned, as kcat -C does, and nothing is
 * committed; with -g the group is joined and offsets are committed as they
 * are read. -o sets where each partition starts (offsets.c); -e ends the
 * program once every partition has reached the end it had at the start.
 * This mode has no routes, handlers or HTTP listener: it is a reader.
 */
#include "print.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <events/events.h>
#include <events/kafka.h>

#include "capture.h"
#include "cli_args.h"
#include "offsets.h"

#define PROG "events-consumer"
#define META_TIMEOUT_MS 10000

enum { FMT_NDJSON, FMT_ENVELOPE, FMT_KCAT };

typedef struct part {
        char *topic;
        int32_t partition;
        int64_t end; /* stop before this offset (-e, e@TIME) */
        int done;
} part_t;

typedef struct reader {
        const char *group;
        char **topics;
        size_t n_topics;
        offset_spec_t *specs;
        size_t n_specs;
        int32_t *only; /* --partition */
        size_t n_only;
        int exit_at_end; /* -e */
        int reset;       /* --reset */
        int print;
        int format;
        const char *fmt; /* the kcat-like format */
        const char *capture_path;
        FILE *capture;
        events_router_t *types; /* --type, NULL: every type */
        events_kafka_arg_t *kafka_args;
        size_t n_kafka_args;
        rd_kafka_t *rk;
        part_t *parts;
        size_t n_parts;
        int failed;
} reader_t;

static volatile sig_atomic_t stop;

static void on_stop(int sig) {
        (void)sig;
        stop = 1;
}

void print_usage(FILE *fp) {
        fprintf(fp,
                "\nReading modes (no routes file; -g is optional):\n"
                "      --print              print each event to stdout, one "
                "a line\n"
                "      --format F           ndjson (the value, default), "
                "envelope (the value\n"
                "                           with topic, partition, offset, "
                "key, headers and\n"
                "                           timestamp), or a kcat-like "
                "format with %%t %%p %%o\n"
                "                           %%k %%s %%h %%T %%S %%K\n"
                "      --capture FILE       write every message losslessly, "
                "one JSON object a\n"
                "                           line ('-': stdout), which "
                "events-producer replays\n"
                "  -o, --offset [P:]SPEC    where to start: beginning, end "
                "(default), stored,\n"
                "                           N, minus N (N before the end), "
                "s@TIME; e@TIME\n"
                "                           stops there (repeatable)\n"
                "  -e, --exit-at-end        exit once every partition has "
                "reached the end it\n"
                "                           had at the start\n"
                "      --partition N        only partition N (repeatable)\n"
                "      --type PATTERN       only events whose type matches "
                "(the routes' glob)\n"
                "      --reset              with -g and -o: commit those "
                "positions for the\n"
                "                           group and exit; refused while "
                "it has live members\n"
                "\nRedrive (events-consumer --redrive DLQ [-g GROUP]):\n"
                "      --redrive DLQ        send each message of the "
                "dead-letter topic DLQ\n"
                "                           back to its events.topic, "
                "exactly once, and exit\n"
                "      --code CODE          only those with events.error.code "
                "CODE (repeatable)\n"
                "      --since T, --until T only those dead-lettered at or "
                "after T, before T\n"
                "      --dry-run            list them; send nothing\n"
                "      --batch N            messages per transaction "
                "(default 200)\n");
}

int print_wanted(int argc, char **argv) {
        return cli_has_arg(argc, argv, "--print", 0) ||
               cli_has_arg(argc, argv, "--reset", 0) ||
               cli_has_arg(argc, argv, "--capture", 1);
}

static int grow(void **p, size_t n, size_t size) {
        void *np = realloc(*p, (n + 1) * size);
        if (!np)
                return -1;
        *p = np;
        return 0;
}

static int parse(reader_t *r, int argc, char **argv) {
        enum {
                OPT_PRINT = 256,
                OPT_FORMAT,
                OPT_CAPTURE,
                OPT_PARTITION,
                OPT_TYPE,
                OPT_RESET,
        };
        static const struct option longopts[] = {
                CLI_KAFKA_LONGOPTS,
                {"group", required_argument, NULL, 'g'},
                {"topic", required_argument, NULL, 't'},
                {"offset", required_argument, NULL, 'o'},
                {"exit-at-end", no_argument, NULL, 'e'},
                {"print", no_argument, NULL, OPT_PRINT},
                {"format", required_argument, NULL, OPT_FORMAT},
                {"capture", required_argument, NULL, OPT_CAPTURE},
                {"partition", required_argument, NULL, OPT_PARTITION},
                {"type", required_argument, NULL, OPT_TYPE},
                {"reset", no_argument, NULL, OPT_RESET},
                {NULL, 0, NULL, 0},
        };
        int c, rc;

        opterr = 0;
        optind = 1;
        while ((c = getopt_long(argc, argv, ":b:X:F:g:t:o:e", longopts,
                                NULL)) != -1) {
                switch (c) {
                case 'b':
                case 'X':
                case 'F':
                        if ((rc = cli_kafka_arg_add(PROG, c, optarg,
                                                    &r->kafka_args,
                                                    &r->n_kafka_args)))
                                return rc;
                        break;
                case 'g':
                        r->group = optarg;
                        break;
                case 't': {
                        char *copy = strdup(optarg), *save = NULL;
                        if (!copy)
                                return EX_OSERR;
                        for (char *t = strtok_r(copy, ",", &save); t;
                             t = strtok_r(NULL, ",", &save)) {
                                if (grow((void **)&r->topics, r->n_topics + 1,
                                         sizeof(char *)) ||
                                    !(r->topics[r->n_topics] = strdup(t))) {
                                        free(copy);
                                        return EX_OSERR;
                                }
                                r->topics[++r->n_topics] = NULL;
                        }
                        free(copy);
                        break;
                }
                case 'o':
                        if (grow((void **)&r->specs, r->n_specs,
                                 sizeof(*r->specs)))
                                return EX_OSERR;
                        if (offset_spec_parse(optarg, &r->specs[r->n_specs]))
                                return cli_usage(
                                        PROG,
                                        "-o %s: expected [P:]beginning, "
                                        "end, stored, N, -N, s@TIME or "
                                        "e@TIME",
                                        optarg);
                        r->n_specs++;
                        break;
                case 'e':
                        r->exit_at_end = 1;
                        break;
                case OPT_PRINT:
                        r->print = 1;
                        break;
                case OPT_FORMAT:
                        if (!strcmp(optarg, "ndjson")) {
                                r->format = FMT_NDJSON;
                        } else if (!strcmp(optarg, "envelope")) {
                                r->format = FMT_ENVELOPE;
                        } else if (strchr(optarg, '%')) {
                                r->format = FMT_KCAT;
                                r->fmt = optarg;
                        } else {
                                return cli_usage(
                                        PROG,
                                        "--format %s: expected ndjson, "
                                        "envelope or a format with %%",
                                        optarg);
                        }
                        break;
                case OPT_CAPTURE:
                        r->capture_path = optarg;
                        break;
                case OPT_RESET:
                        r->reset = 1;
                        break;
                case OPT_PARTITION: {
                        char *end;
                        long v;
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno || end == optarg || *end || v < 0 ||
                            v > INT32_MAX)
                                return cli_usage(PROG,
                                                 "--partition %s: expected a "
                                                 "partition number",
                                                 optarg);
                        if (grow((void **)&r->only, r->n_only,
                                 sizeof(*r->only)))
                                return EX_OSERR;
                        r->only[r->n_only++] = (int32_t)v;
                        break;
                }
                case OPT_TYPE:
                        if ((rc = cli_type_add(PROG, &r->types, optarg)))
                                return rc;
                        break;
                default:
                        return cli_option_error(PROG, c, argv[optind - 1],
                                                "in --print or --capture "
                                                "mode");
                }
        }
        if ((rc = cli_no_operands(PROG, argc, argv)))
                return rc;
        if (r->n_topics == 0)
                return cli_usage(PROG, "%s", "no topic: give -t TOPIC");
        if (r->reset && (!r->group || !r->n_specs))
                return cli_usage(PROG, "%s",
                                 "--reset needs -g GROUP and -o SPEC");
        for (size_t i = 0; i < r->n_specs; i++)
                if (r->specs[i].kind == OFFSET_STORED && !r->group)
                        return cli_usage(PROG, "%s",
                                         "-o stored needs a group: give "
                                         "-g GROUP");
        return 0;
}

static int wanted_partition(const reader_t *r, int32_t p) {
        if (!r->n_only)
                return 1;
        for (size_t i = 0; i < r->n_only; i++)
                if (r->only[i] == p)
                        return 1;
        return 0;
}

static part_t *find_part(reader_t *r, const char *topic, int32_t p) {
        for (size_t j = 0; j < r->n_parts; j++)
                if (r->parts[j].partition == p &&
                    !strcmp(r->parts[j].topic, topic))
                        return &r->parts[j];
        return NULL;
}

/* Resolve -o for @p parts and remember where each partition ends. */
static rd_kafka_resp_err_t prepare(reader_t *r,
                                   rd_kafka_topic_partition_list_t *parts) {
        int64_t *end = calloc((size_t)parts->cnt + 1, sizeof(*end));
        rd_kafka_resp_err_t err;

        if (!end)
                return RD_KAFKA_RESP_ERR__NOENT;
        err = offsets_resolve(r->rk, parts, r->specs, r->n_specs,
                              r->group ? OFFSET_STORED : OFFSET_END, end,
                              META_TIMEOUT_MS);
        for (int i = 0; !err && i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *p = &parts->elems[i];
                part_t *pt;
                int64_t lo, hi;

                /* A partition assigned again (a rebalance) starts over. */
                if (!(pt = find_part(r, p->topic, p->partition))) {
                        if (grow((void **)&r->parts, r->n_parts,
                                 sizeof(*r->parts)) ||
                            !(r->parts[r->n_parts].topic = strdup(p->topic))) {
                                err = RD_KAFKA_RESP_ERR__NOENT;
                                break;
                        }
                        pt = &r->parts[r->n_parts++];
                        pt->partition = p->partition;
                }
                pt->end = end[i];
                pt->done = !wanted_partition(r, p->partition);
                if (r->exit_at_end && !pt->done) {
                        err = rd_kafka_query_watermark_offsets(
                                r->rk, p->topic, p->partition, &lo, &hi,
                                META_TIMEOUT_MS);
                        if (err)
                                break;
                        if (hi < pt->end)
                                pt->end = hi;
                }
        }
        free(end);
        return err;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        reader_t *r = opaque;

        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                rd_kafka_resp_err_t e = prepare(r, parts);
                if (e) {
                        fprintf(stderr,
                                "events-consumer: cannot resolve -o: %s\n",
                                rd_kafka_err2str(e));
                        r->failed = 1;
                        stop = 1;
                }
                rd_kafka_assign(rk, parts);
        } else {
                /* Gone from this member: nothing to wait for there. */
                for (int i = 0; i < parts->cnt; i++)
                        for (size_t j = 0; j < r->n_parts; j++)
                                if (r->parts[j].partition ==
                                            parts->elems[i].partition &&
                                    !strcmp(r->parts[j].topic,
                                            parts->elems[i].topic))
                                        r->parts[j].done = 1;
                rd_kafka_assign(rk, NULL);
        }
}

static int all_done(const reader_t *r) {
        if (!r->n_parts)
                return 0;
        for (size_t j = 0; j < r->n_parts; j++)
                if (!r->parts[j].done)
                        return 0;
        return 1;
}

static int make_rk(reader_t *r) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_error_t e;
        events_err_t rc;
        char errstr[512];
        static const char *const defaults[] = {
                "enable.partition.eof=true",
                "queued.max.messages.kbytes=65536",
                "session.timeout.ms=10000",
                /* Commit what was read: a reader has nothing to retry. */
                "enable.auto.commit=true",
                "auto.commit.interval.ms=1000",
                NULL,
        };

        for (size_t i = 0; defaults[i]; i++)
                if (events_kafka_conf_set(conf, defaults[i], NULL)) {
                        rd_kafka_conf_destroy(conf);
                        return EX_SOFTWARE;
                }
        if (r->group) {
                if (rd_kafka_conf_set(conf, "group.id", r->group, errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                        rd_kafka_conf_destroy(conf);
                        return cli_usage(PROG, "-g %s: %s", r->group, errstr);
                }
                rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
                rd_kafka_conf_set_opaque(conf, r);
        } else if (rd_kafka_conf_set(conf, "group.id", "events-consumer-print",
                                     errstr, sizeof(errstr)) ||
                   rd_kafka_conf_set(conf, "enable.auto.commit", "false",
                                     errstr, sizeof(errstr))) {
                /* librdkafka's assign() needs a group id, though it joins
                 * nothing: without -g, nothing is committed under it. */
                rd_kafka_conf_destroy(conf);
                return EX_SOFTWARE;
        }
        rc = events_kafka_conf_apply(conf, r->kafka_args, r->n_kafka_args, NULL,
                                     &e);
        if (rc == EVENTS_ERR_NOT_FOUND) {
                rd_kafka_conf_destroy(conf);
                return cli_usage(PROG, "%s",
                                 "no brokers: give -b, set "
                                 "bootstrap.servers with -F or -X, or set "
                                 "EVENTS_BROKERS");
        }
        if (rc) {
                fprintf(stderr, "events-consumer: %s\n", e.text);
                rd_kafka_conf_destroy(conf);
                return rc == EVENTS_ERR_IO ? EX_NOINPUT : EX_CONFIG;
        }
        if (!(r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr,
                                   sizeof(errstr)))) {
                fprintf(stderr, "events-consumer: %s\n", errstr);
                rd_kafka_conf_destroy(conf);
                return EX_CONFIG;
        }
        rd_kafka_poll_set_consumer(r->rk);
        return 0;
}

/* Assign every partition of every topic (kcat -C without -G). */
static int assign_all(reader_t *r) {
        rd_kafka_topic_partition_list_t *parts =
                rd_kafka_topic_partition_list_new(8);
        rd_kafka_resp_err_t err = 0;

        for (size_t t = 0; !err && t < r->n_topics; t++) {
                const struct rd_kafka_metadata *md;
                rd_kafka_topic_t *rkt =
                        rd_kafka_topic_new(r->rk, r->topics[t], NULL);

                err = rd_kafka_metadata(r->rk, 0, rkt, &md, META_TIMEOUT_MS);
                rd_kafka_topic_destroy(rkt);
                if (err)
                        break;
                if (md->topic_cnt != 1 || md->topics[0].err) {
                        err = md->topic_cnt == 1
                                      ? md->topics[0].err
                                      : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
                } else {
                        for (int p = 0; p < md->topics[0].partition_cnt; p++)
                                if (wanted_partition(
                                            r, md->topics[0].partitions[p].id))
                                        rd_kafka_topic_partition_list_add(
                                                parts, r->topics[t],
                                                md->topics[0].partitions[p].id);
                }
                rd_kafka_metadata_destroy(md);
        }
        if (!err && parts->cnt == 0)
                err = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
        if (!err)
                err = prepare(r, parts);
        if (!err)
                err = rd_kafka_assign(r->rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        if (err) {
                fprintf(stderr, "events-consumer: cannot assign %s: %s\n",
                        r->topics[0], rd_kafka_err2str(err));
                return EX_UNAVAILABLE;
        }
        return 0;
}

/* The event type: the event_type header, a CloudEvent's ce_type, or the
 * envelope's "event_type". NULL-terminated copy in @p buf. */
static const char *event_type(const rd_kafka_message_t *m, char *buf,
                              size_t size) {
        rd_kafka_headers_t *h = NULL;
        const void *v;
        size_t len;
        json_t *root;

        if (!rd_kafka_message_headers(m, &h) &&
            (!rd_kafka_header_get_last(h, EVENTS_HEADER_EVENT_TYPE, &v, &len) ||
             !rd_kafka_header_get_last(h, "ce_type", &v, &len)) &&
            v && len < size) {
                memcpy(buf, v, len);
                buf[len] = '\0';
                return buf;
        }
        if (!m->payload || !(root = json_loadb(m->payload, m->len, 0, NULL)))
                return NULL;
        v = json_string_value(json_object_get(root, "event_type"));
        if (v && strlen(v) < size)
                strcpy(buf, v);
        json_decref(root);
        return v ? buf : NULL;
}

static void put_bytes(const void *p, size_t len, FILE *fp) {
        if (p)
                fwrite(p, 1, len, fp);
}

static void print_kcat(const reader_t *r, const rd_kafka_message_t *m) {
        for (const char *f = r->fmt; *f; f++) {
                if (*f == '\\' && f[1]) {
                        f++;
                        putchar(*f == 'n' ? '\n' : *f == 't' ? '\t' : *f);
                        continue;
                }
                if (*f != '%' || !f[1]) {
                        putchar(*f);
                        continue;
                }
                switch (*++f) {
                case 't':
                        fputs(rd_kafka_topic_name(m->rkt), stdout);
                        break;
                case 'p':
                        printf("%" PRId32, m->partition);
                        break;
                case 'o':
                        printf("%" PRId64, m->offset);
                        break;
                case 'k':
                        put_bytes(m->key, m->key_len, stdout);
                        break;
                case 's':
                        put_bytes(m->payload, m->len, stdout);
                        break;
                case 'K':
                        printf("%zd", m->key ? (ssize_t)m->key_len : -1);
                        break;
                case 'S':
                        printf("%zd", m->payload ? (ssize_t)m->len : -1);
                        break;
                case 'T':
                        printf("%" PRId64, rd_kafka_message_timestamp(m, NULL));
                        break;
                case 'h': {
                        rd_kafka_headers_t *h = NULL;
                        const char *name;
                        const void *v;
                        size_t len;
                        if (rd_kafka_message_headers(m, &h))
                                break;
                        for (size_t i = 0;
                             !rd_kafka_header_get_all(h, i, &name, &v, &len);
                             i++) {
                                printf("%s%s=", i ? "," : "", name);
                                put_bytes(v, len, stdout);
                        }
                        break;
                }
                default:
                        putchar('%');
                        putchar(*f);
                }
        }
}

static int emit(reader_t *r, const rd_kafka_message_t *m) {
        json_t *rec = NULL;

        if (r->capture || r->format == FMT_ENVELOPE) {
                if (!(rec = capture_record(m)))
                        return -1;
        }
        if (r->capture && (json_dumpf(rec, r->capture, JSON_COMPACT) ||
                           fputc('\n', r->capture) == EOF)) {
                json_decref(rec);
                return -1;
        }
        if (r->print) {
                if (r->format == FMT_NDJSON) {
                        put_bytes(m->payload, m->len, stdout);
                        putchar('\n');
                } else if (r->format == FMT_ENVELOPE) {
                        json_t *ev = m->payload ? json_loadb(m->payload, m->len,
                                                             0, NULL)
                                                : NULL;
                        /* The event itself when the value is JSON; the
                         * capture's "value" otherwise. */
                        if (ev)
                                json_object_set_new(rec, "event", ev);
                        json_object_del(rec, ev ? "value" : "event");
                        json_dumpf(rec, stdout, JSON_COMPACT);
                        putchar('\n');
                } else {
                        print_kcat(r, m);
                }
        }
        json_decref(rec);
        return ferror(stdout) ? -1 : 0;
}

static int consume(reader_t *r) {
        char tbuf[256];

        while (!stop && !(all_done(r))) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 200);
                part_t *pt;

                if (!m)
                        continue;
                pt = m->rkt ? find_part(r, rd_kafka_topic_name(m->rkt),
                                        m->partition)
                            : NULL;
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        if (pt && r->exit_at_end)
                                pt->done = 1;
                } else if (m->err) {
                        fprintf(stderr, "events-consumer: %s\n",
                                rd_kafka_message_errstr(m));
                        if (m->err == RD_KAFKA_RESP_ERR__FATAL ||
                            m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                            m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                                r->failed = 1;
                                stop = 1;
                        }
                } else if (pt && m->offset >= pt->end) {
                        pt->done = 1;
                } else if (!pt || !pt->done) {
                        if (pt && m->offset + 1 >= pt->end)
                                pt->done = 1;
                        if ((!r->n_only || pt) &&
                            wanted_partition(r, m->partition) &&
                            (!r->types ||
                             events_router_match(
                                     r->types,
                                     event_type(m, tbuf, sizeof(tbuf)))) &&
                            emit(r, m)) {
                                fprintf(stderr,
                                        "events-consumer: cannot "
                                        "write: %s\n",
                                        strerror(errno));
                                r->failed = 1;
                                stop = 1;
                        }
                }
                rd_kafka_message_destroy(m);
        }
        return r->failed;
}

/* --reset: commit -o's positions for a group that has no live member
 * (kafka-consumer-groups --reset-offsets, refusing when it is in use). */
static int reset_group(reader_t *r) {
        const struct rd_kafka_group_list *gl = NULL;
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t err;
        int rc = EX_OK;

        err = rd_kafka_list_groups(r->rk, r->group, &gl, META_TIMEOUT_MS);
        if (err) {
                fprintf(stderr,
                        "events-consumer: --reset: cannot describe "
                        "group %s: %s\n",
                        r->group, rd_kafka_err2str(err));
                return EX_UNAVAILABLE;
        }
        for (int i = 0; i < gl->group_cnt; i++)
                if (gl->groups[i].member_cnt > 0) {
                        fprintf(stderr,
                                "events-consumer: --reset: group %s has %d "
                                "live member(s) (state %s); stop them "
                                "first\n",
                                r->group, gl->groups[i].member_cnt,
                                gl->groups[i].state);
                        rc = EX_TEMPFAIL;
                }
        rd_kafka_group_list_destroy(gl);
        if (rc)
                return rc;
        /* prepare() through assign_all()'s metadata, without assigning. */
        parts = rd_kafka_topic_partition_list_new(8);
        for (size_t t = 0; !err && t < r->n_topics; t++) {
                const struct rd_kafka_metadata *md;
                rd_kafka_topic_t *rkt =
                        rd_kafka_topic_new(r->rk, r->topics[t], NULL);
                err = rd_kafka_metadata(r->rk, 0, rkt, &md, META_TIMEOUT_MS);
                rd_kafka_topic_destroy(rkt);
                if (err)
                        break;
                if (md->topic_cnt == 1 && !md->topics[0].err)
                        for (int p = 0; p < md->topics[0].partition_cnt; p++)
                                if (wanted_partition(
                                            r, md->topics[0].partitions[p].id))
                                        rd_kafka_topic_partition_list_add(
                                                parts, r->topics[t],
                                                md->topics[0].partitions[p].id);
                err = md->topic_cnt == 1 ? md->topics[0].err
                                         : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
                rd_kafka_metadata_destroy(md);
        }
        if (!err)
                err = prepare(r, parts);
        /* Logical offsets become numbers: a commit stores numbers. */
        for (int i = 0; !err && i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *p = &parts->elems[i];
                int64_t lo, hi;

                if (p->offset >= 0 || p->offset == RD_KAFKA_OFFSET_STORED)
                        continue;
                err = rd_kafka_query_watermark_offsets(r->rk, p->topic,
                                                       p->partition, &lo, &hi,
                                                       META_TIMEOUT_MS);
                if (p->offset == RD_KAFKA_OFFSET_BEGINNING)
                        p->offset = lo;
                else if (p->offset == RD_KAFKA_OFFSET_END)
                        p->offset = hi;
                else /* RD_KAFKA_OFFSET_TAIL(n) */
                        p->offset =
                                hi - (RD_KAFKA_OFFSET_TAIL_BASE - p->offset) <
                                                lo
                                        ? lo
                                        : hi - (RD_KAFKA_OFFSET_TAIL_BASE -
                                                p->offset);
        }
        for (int i = parts->cnt; i-- > 0;)
                if (parts->elems[i].offset == RD_KAFKA_OFFSET_STORED)
                        rd_kafka_topic_partition_list_del_by_idx(parts, i);
        if (!err && parts->cnt)
                err = rd_kafka_commit(r->rk, parts, 0);
        for (int i = 0; !err && i < parts->cnt; i++)
                printf("%s %" PRId32 " %" PRId64 "\n", parts->elems[i].topic,
                       parts->elems[i].partition, parts->elems[i].offset);
        rd_kafka_topic_partition_list_destroy(parts);
        if (err) {
                fprintf(stderr, "events-consumer: --reset %s: %s\n", r->group,
                        rd_kafka_err2str(err));
                return EX_UNAVAILABLE;
        }
        return EX_OK;
}

int print_main(int argc, char **argv) {
        reader_t r;
        struct sigaction sa;
        int rc;

        memset(&r, 0, sizeof(r));
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if ((rc = parse(&r, argc, argv)))
                goto out;
        if (r.capture_path) {
                r.capture = strcmp(r.capture_path, "-")
                                    ? fopen(r.capture_path, "w")
                                    : stdout;
                if (!r.capture) {
                        fprintf(stderr, "events-consumer: --capture %s: %s\n",
                                r.capture_path, strerror(errno));
                        rc = EX_CANTCREAT;
                        goto out;
                }
        }
        if ((rc = make_rk(&r)))
                goto out;
        if (r.reset) {
                rc = reset_group(&r);
                goto out;
        }
        if (r.group) {
                rd_kafka_topic_partition_list_t *sub =
                        rd_kafka_topic_partition_list_new((int)r.n_topics);
                rd_kafka_resp_err_t err;
                for (size_t t = 0; t < r.n_topics; t++)
                        rd_kafka_topic_partition_list_add(
                                sub, r.topics[t], RD_KAFKA_PARTITION_UA);
                err = rd_kafka_subscribe(r.rk, sub);
                rd_kafka_topic_partition_list_destroy(sub);
                if (err) {
                        fprintf(stderr, "events-consumer: subscribe: %s\n",
                                rd_kafka_err2str(err));
                        rc = EX_UNAVAILABLE;
                        goto out;
                }
        } else if ((rc = assign_all(&r))) {
                goto out;
        }
        rc = consume(&r) ? EX_UNAVAILABLE : EX_OK;
        if (fflush(stdout) || (r.capture && fflush(r.capture))) {
                fprintf(stderr, "events-consumer: cannot write: %s\n",
                        strerror(errno));
                rc = EX_IOERR;
        }
out:
        if (r.rk) {
                /* Commits what was read, and leaves the group. */
                rd_kafka_consumer_close(r.rk);
                rd_kafka_destroy(r.rk);
        }
        if (r.capture && r.capture != stdout && fclose(r.capture) &&
            rc == EX_OK)
                rc = EX_IOERR;
        for (size_t i = 0; i < r.n_parts; i++)
                free(r.parts[i].topic);
        for (size_t i = 0; i < r.n_topics; i++)
                free(r.topics[i]);
        free(r.parts);
        free(r.topics);
        free(r.specs);
        free(r.only);
        free(r.kafka_args);
        events_router_destroy(r.types);
        return rc;
}
