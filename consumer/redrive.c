/*
 * redrive.c - events-consumer --redrive DLQ: read a dead-letter topic up to
 * the end it had at the start and send each message back to the topic in
 * its events.topic header (consumer_dlq.c writes it), with the original
 * key, value and headers, the events.* headers dropped, and the original
 * message's Kafka timestamp (its events.timestamp header; failing that the
 * envelope's "timestamp", then the dead-letter message's own). Filters:
 * --code (events.error.code), --type (the router's glob on the event
 * type), --since/--until (when the message was dead-lettered: its Kafka
 * timestamp).
 *
 * Exactly once: the DLQ is read with isolation.level=read_committed under a
 * group, and each batch of re-sent messages and the group's DLQ offsets
 * are committed in one Kafka transaction (send_offsets_to_transaction).
 * A crash in mid-batch aborts the batch: the next run, whose producer has
 * the same transactional.id and so fences the dead one, starts from the
 * last committed offsets. Skipped messages are committed past too.
 */
#include "redrive.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <events/consumer.h>
#include <events/events.h>
#include <events/kafka.h>

#include "cli_args.h"

#define PROG "events-consumer"
#define TIMEOUT_MS 30000
#define BATCH 200 /* messages per transaction, by default */

typedef struct rpart {
        int32_t partition;
        int64_t end;  /* the end at assignment: stop there */
        int64_t next; /* the offset after the last one sent or skipped; -1 */
        int done;
} rpart_t;

/* A target topic's time retention, asked once: restored timestamps older
 * than it are accepted, then deleted at the broker's next retention
 * check. */
typedef struct target {
        char *topic;
        int64_t retention_ms; /* -1: none, or not known */
        long too_old;         /* messages sent older than that */
} target_t;

typedef struct redrive {
        const char *dlq;
        const char *group;
        char group_buf[512];
        const char **codes;
        size_t n_codes;
        events_router_t *types;
        int64_t since_ms, until_ms;
        int dry_run;
        int batch; /* --batch */
        events_kafka_arg_t *kafka_args;
        size_t n_kafka_args;
        rd_kafka_t *c, *p;
        rpart_t *parts;
        size_t n_parts;
        long sent, skipped, failed;
        target_t *targets;
        size_t n_targets;
        int no_describe; /* DescribeConfigs failed once: ask no more */
        int in_txn;      /* a transaction is open */
        int n;           /* messages in it */
        int broken;      /* a transaction failed in a rebalance */
} redrive_t;

static int commit_batch(redrive_t *r);

static volatile sig_atomic_t stop;

static void on_stop(int sig) {
        (void)sig;
        stop = 1;
}

int redrive_wanted(int argc, char **argv) {
        return cli_has_arg(argc, argv, "--redrive", 1);
}

static int parse_time(const char *s, int64_t *ms) {
        char *end;
        long long v;
        int64_t us;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (!errno && end != s && !*end && v >= 0) {
                *ms = v;
                return 0;
        }
        if (events_timestamp_parse(s, strlen(s), &us, NULL) == EVENTS_OK) {
                *ms = us / 1000;
                return 0;
        }
        return -1;
}

static int parse(redrive_t *r, int argc, char **argv) {
        enum {
                OPT_REDRIVE = 256,
                OPT_CODE,
                OPT_TYPE,
                OPT_SINCE,
                OPT_UNTIL,
                OPT_DRY_RUN,
                OPT_BATCH
        };
        static const struct option longopts[] = {
                CLI_KAFKA_LONGOPTS,
                {"group", required_argument, NULL, 'g'},
                {"redrive", required_argument, NULL, OPT_REDRIVE},
                {"code", required_argument, NULL, OPT_CODE},
                {"type", required_argument, NULL, OPT_TYPE},
                {"since", required_argument, NULL, OPT_SINCE},
                {"until", required_argument, NULL, OPT_UNTIL},
                {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                {"batch", required_argument, NULL, OPT_BATCH},
                {NULL, 0, NULL, 0},
        };
        int c, rc;

        r->until_ms = INT64_MAX;
        r->batch = BATCH;
        opterr = 0;
        optind = 1;
        while ((c = getopt_long(argc, argv, ":b:X:F:g:", longopts, NULL)) !=
               -1) {
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
                case OPT_REDRIVE:
                        r->dlq = optarg;
                        break;
                case OPT_CODE: {
                        const char **nc = realloc(
                                r->codes, (r->n_codes + 1) * sizeof(*nc));
                        if (!nc)
                                return EX_OSERR;
                        nc[r->n_codes++] = optarg;
                        r->codes = nc;
                        break;
                }
                case OPT_TYPE:
                        if ((rc = cli_type_add(PROG, &r->types, optarg)))
                                return rc;
                        break;
                case OPT_SINCE:
                case OPT_UNTIL:
                        if (parse_time(optarg, c == OPT_SINCE ? &r->since_ms
                                                              : &r->until_ms))
                                return cli_usage(PROG,
                                                 "%s %s: expected an RFC 3339 "
                                                 "time or ms since the epoch",
                                                 c == OPT_SINCE ? "--since"
                                                                : "--until",
                                                 optarg);
                        break;
                case OPT_DRY_RUN:
                        r->dry_run = 1;
                        break;
                case OPT_BATCH: {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (end == optarg || *end || v < 1 || v > 100000)
                                return cli_usage(PROG,
                                                 "--batch %s: expected 1 to "
                                                 "100000 messages",
                                                 optarg);
                        r->batch = (int)v;
                        break;
                }
                default:
                        return cli_option_error(PROG, c, argv[optind - 1],
                                                "with --redrive");
                }
        }
        if ((rc = cli_no_operands(PROG, argc, argv)))
                return rc;
        if (!r->dlq || !*r->dlq)
                return cli_usage(PROG, "%s", "--redrive: no dead-letter topic");
        if (!r->group) {
                /* One group per DLQ: a second run resumes the first. */
                snprintf(r->group_buf, sizeof(r->group_buf),
                         "events-redrive.%s", r->dlq);
                r->group = r->group_buf;
        }
        return 0;
}

static int conf_new(redrive_t *r, const char *const *defaults,
                    rd_kafka_conf_t **out) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_error_t e;
        events_err_t rc = EVENTS_OK;

        for (size_t i = 0; !rc && defaults[i]; i++)
                rc = events_kafka_conf_set(conf, defaults[i], &e);
        if (!rc)
                rc = events_kafka_conf_apply(conf, r->kafka_args,
                                             r->n_kafka_args, NULL, &e);
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
        *out = conf;
        return 0;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        redrive_t *r = opaque;

        if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                /* Commit what was sent with the positions it came from
                 * before they go: after the revoke the positions are
                 * gone, and a reassigned partition would be read (and
                 * sent) again from the last commit. */
                if (r->in_txn && commit_batch(r)) {
                        r->broken = 1;
                        stop = 1;
                }
                r->in_txn = r->n = 0;
                /* Nothing to wait for until the next assignment. */
                r->n_parts = 0;
                rd_kafka_assign(rk, NULL);
                return;
        }
        for (int i = 0; i < parts->cnt; i++) {
                int64_t lo = 0, hi = 0;
                rpart_t *np = realloc(r->parts, (r->n_parts + 1) * sizeof(*np));
                if (!np) {
                        stop = 1;
                        break;
                }
                r->parts = np;
                /* The end to reach: the last stable offset under
                 * read_committed, so an open transaction is not waited
                 * for. */
                if (rd_kafka_query_watermark_offsets(rk, parts->elems[i].topic,
                                                     parts->elems[i].partition,
                                                     &lo, &hi, TIMEOUT_MS))
                        stop = 1;
                np[r->n_parts].partition = parts->elems[i].partition;
                np[r->n_parts].end = hi;
                np[r->n_parts].next = -1;
                np[r->n_parts++].done = 0;
        }
        rd_kafka_assign(rk, parts);
}

static rpart_t *find(redrive_t *r, int32_t p) {
        for (size_t j = r->n_parts; j-- > 0;)
                if (r->parts[j].partition == p)
                        return &r->parts[j];
        return NULL;
}

static int all_done(const redrive_t *r) {
        if (!r->n_parts)
                return 0;
        for (size_t j = 0; j < r->n_parts; j++)
                if (!r->parts[j].done)
                        return 0;
        return 1;
}

static const char *hdr(rd_kafka_headers_t *h, const char *name, char *buf,
                       size_t size) {
        const void *v;
        size_t len;

        if (!h || rd_kafka_header_get_last(h, name, &v, &len) || !v ||
            len >= size)
                return NULL;
        memcpy(buf, v, len);
        buf[len] = '\0';
        return buf;
}

/* The original message's time: its Kafka timestamp, which the dead-letter
 * write keeps in a header; for a DLQ written before that header existed,
 * the envelope's "timestamp" (which events-producer makes the Kafka
 * timestamp); else the DLQ message's own. */
static int64_t event_time(const rd_kafka_message_t *m, rd_kafka_headers_t *h) {
        char buf[32], *end;
        const char *s;
        json_t *root;
        long long v;
        int64_t us, ms = rd_kafka_message_timestamp(m, NULL);

        if ((s = hdr(h, EVENTS_DLQ_HDR_TIMESTAMP, buf, sizeof(buf)))) {
                errno = 0;
                v = strtoll(s, &end, 10);
                if (!errno && end != s && !*end && v >= 0)
                        return v;
        }
        root = m->payload ? json_loadb(m->payload, m->len, 0, NULL) : NULL;
        s = json_string_value(json_object_get(root, "timestamp"));
        if (s && events_timestamp_parse(s, strlen(s), &us, NULL) == EVENTS_OK)
                ms = us / 1000;
        json_decref(root);
        return ms;
}

/* The DLQ writes events_err2name()'s "ERR_HANDLER"; the C name
 * "EVENTS_ERR_HANDLER" names the same code. */
static const char *no_prefix(const char *code) {
        return strncmp(code, "EVENTS_", 7) ? code : code + 7;
}

/* Whether @p m passes the filters; its target topic in @p topic. */
static int wanted(redrive_t *r, const rd_kafka_message_t *m,
                  rd_kafka_headers_t *h, char *topic, size_t size) {
        char code[128], type[256];
        int64_t ts = rd_kafka_message_timestamp(m, NULL);
        int ok = !r->n_codes;

        if (!hdr(h, EVENTS_DLQ_HDR_TOPIC, topic, size))
                return 0;
        for (size_t i = 0; i < r->n_codes; i++)
                if (hdr(h, EVENTS_DLQ_HDR_ERROR_CODE, code, sizeof(code)) &&
                    !strcmp(no_prefix(code), no_prefix(r->codes[i])))
                        ok = 1;
        if (ok && r->types)
                ok = events_router_match(r->types,
                                         hdr(h, EVENTS_DLQ_HDR_EVENT_TYPE, type,
                                             sizeof(type))) != NULL;
        return ok && ts >= r->since_ms && ts < r->until_ms;
}

static void list(const rd_kafka_message_t *m, rd_kafka_headers_t *h,
                 const char *topic) {
        char code[128] = "", type[256] = "", error[1024] = "";
        json_t *o;

        hdr(h, EVENTS_DLQ_HDR_ERROR_CODE, code, sizeof(code));
        hdr(h, EVENTS_DLQ_HDR_EVENT_TYPE, type, sizeof(type));
        hdr(h, EVENTS_DLQ_HDR_ERROR, error, sizeof(error));
        o = json_pack("{s:i,s:I,s:s,s:s,s:s,s:s}", "partition",
                      (int)m->partition, "offset", (json_int_t)m->offset, "to",
                      topic, "code", code, "event_type", type, "error", error);
        if (o) {
                json_dumpf(o, stdout, JSON_COMPACT);
                putchar('\n');
                json_decref(o);
        }
}

static int resend(redrive_t *r, const rd_kafka_message_t *m,
                  rd_kafka_headers_t *h, const char *topic) {
        rd_kafka_headers_t *out = rd_kafka_headers_new(8);
        const char *name;
        const void *v;
        size_t len;
        rd_kafka_resp_err_t err;

        for (size_t i = 0; h && !rd_kafka_header_get_all(h, i, &name, &v, &len);
             i++)
                if (strncmp(name, "events.", 7))
                        rd_kafka_header_add(out, name, -1, v,
                                            v ? (ssize_t)len : 0);
        for (;;) {
                err = rd_kafka_producev(
                        r->p, RD_KAFKA_V_TOPIC(topic),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_KEY(m->key, m->key_len),
                        RD_KAFKA_V_VALUE(m->payload, m->len),
                        RD_KAFKA_V_TIMESTAMP(event_time(m, h)),
                        RD_KAFKA_V_HEADERS(out), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(r->p, 100);
        }
        if (err) {
                rd_kafka_headers_destroy(out);
                fprintf(stderr,
                        "events-consumer: cannot send %s [%" PRId32
                        "] offset %" PRId64 " to %s: %s\n",
                        r->dlq, m->partition, m->offset, topic,
                        rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

/* @p topic's retention.ms when its cleanup.policy deletes, else -1 (also
 * when the broker does not say within 2 s: the devbroker's mock cluster
 * does not answer; *failed is then set, so as not to wait again). */
static int64_t retention_ms(rd_kafka_t *rk, const char *topic, int *failed) {
        rd_kafka_ConfigResource_t *res =
                rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(
                rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
        rd_kafka_event_t *ev;
        char errstr[256];
        const rd_kafka_ConfigResource_t **rs;
        const rd_kafka_ConfigEntry_t **es;
        size_t n = 0, ne = 0;
        int64_t ms = -1;
        int deletes = 1;

        rd_kafka_AdminOptions_set_request_timeout(opt, 2000, errstr,
                                                  sizeof(errstr));
        rd_kafka_DescribeConfigs(rk, &res, 1, opt, q);
        ev = rd_kafka_queue_poll(q, 3000);
        if (!ev || rd_kafka_event_error(ev) ||
            !rd_kafka_event_DescribeConfigs_result(ev)) {
                *failed = 1;
        } else {
                rs = rd_kafka_DescribeConfigs_result_resources(
                        rd_kafka_event_DescribeConfigs_result(ev), &n);
                es = n == 1 && !rd_kafka_ConfigResource_error(rs[0])
                             ? rd_kafka_ConfigResource_configs(rs[0], &ne)
                             : NULL;
                for (size_t i = 0; i < ne; i++) {
                        const char *k = rd_kafka_ConfigEntry_name(es[i]);
                        const char *v = rd_kafka_ConfigEntry_value(es[i]);
                        if (!v)
                                continue;
                        if (!strcmp(k, "retention.ms"))
                                ms = strtoll(v, NULL, 10);
                        else if (!strcmp(k, "cleanup.policy"))
                                deletes = strstr(v, "delete") != NULL;
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(opt);
        rd_kafka_queue_destroy(q);
        rd_kafka_ConfigResource_destroy(res);
        return deletes && ms > 0 ? ms : -1;
}

/* Count a message for @p topic whose restored timestamp is @p ts. */
static void note_age(redrive_t *r, const char *topic, int64_t ts) {
        target_t *t = NULL;
        struct timespec now;

        for (size_t i = 0; i < r->n_targets && !t; i++)
                if (!strcmp(r->targets[i].topic, topic))
                        t = &r->targets[i];
        if (!t) {
                target_t *nt =
                        realloc(r->targets, (r->n_targets + 1) * sizeof(*nt));
                if (!nt)
                        return;
                r->targets = nt;
                t = &nt[r->n_targets];
                if (!(t->topic = strdup(topic)))
                        return;
                r->n_targets++;
                t->retention_ms =
                        r->no_describe
                                ? -1
                                : retention_ms(r->c, topic, &r->no_describe);
                t->too_old = 0;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        if (t->retention_ms > 0 && ts < (int64_t)now.tv_sec * 1000 +
                                                   now.tv_nsec / 1000000 -
                                                   t->retention_ms)
                t->too_old++;
}

/* Commit the batch: the re-sent messages and the DLQ offsets, together.
 * The offsets are those of the messages this run has handled, not the
 * consumer's position: a message past a partition's end is read but not
 * handled (it came after the start), and must be read again next time. */
static int commit_batch(redrive_t *r) {
        rd_kafka_topic_partition_list_t *pos;
        rd_kafka_consumer_group_metadata_t *gm;
        rd_kafka_error_t *e;

        pos = rd_kafka_topic_partition_list_new((int)r->n_parts + 1);
        for (size_t j = 0; j < r->n_parts; j++)
                if (r->parts[j].next >= 0)
                        rd_kafka_topic_partition_list_add(pos, r->dlq,
                                                          r->parts[j].partition)
                                ->offset = r->parts[j].next;
        gm = rd_kafka_consumer_group_metadata(r->c);
        e = rd_kafka_send_offsets_to_transaction(r->p, pos, gm, TIMEOUT_MS);
        rd_kafka_consumer_group_metadata_destroy(gm);
        rd_kafka_topic_partition_list_destroy(pos);
        if (!e)
                e = rd_kafka_commit_transaction(r->p, TIMEOUT_MS);
        if (e) {
                fprintf(stderr, "events-consumer: redrive transaction: %s\n",
                        rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
                /* The batch is aborted or in doubt: end, so that the next
                 * run starts again from the last committed offsets. */
                e = rd_kafka_abort_transaction(r->p, TIMEOUT_MS);
                if (e)
                        rd_kafka_error_destroy(e);
                return -1;
        }
        return 0;
}

static int loop(redrive_t *r) {
        rd_kafka_error_t *e;

        while (!stop && !all_done(r)) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(r->c, 100);
                rd_kafka_headers_t *h = NULL;
                char topic[256];
                rpart_t *pt;

                if (!m) {
                        if (r->in_txn && r->n) {
                                if (commit_batch(r))
                                        return -1;
                                r->in_txn = r->n = 0;
                        }
                        continue;
                }
                pt = find(r, m->partition);
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        if (pt)
                                pt->done = 1;
                        rd_kafka_message_destroy(m);
                        continue;
                }
                if (m->err) {
                        fprintf(stderr, "events-consumer: %s\n",
                                rd_kafka_message_errstr(m));
                        rd_kafka_message_destroy(m);
                        return -1;
                }
                /* Past the end (or not assigned): left for the next
                 * run, its offset not committed. */
                if (!pt || m->offset >= pt->end) {
                        if (pt)
                                pt->done = 1;
                        rd_kafka_message_destroy(m);
                        continue;
                }
                if (m->offset + 1 >= pt->end)
                        pt->done = 1;
                pt->next = m->offset + 1;
                rd_kafka_message_headers(m, &h);
                if (!wanted(r, m, h, topic, sizeof(topic))) {
                        r->skipped++;
                        rd_kafka_message_destroy(m);
                        continue;
                }
                note_age(r, topic, event_time(m, h));
                if (r->dry_run) {
                        list(m, h, topic);
                        r->sent++;
                } else {
                        if (!r->in_txn) {
                                if ((e = rd_kafka_begin_transaction(r->p))) {
                                        fprintf(stderr, "events-consumer: %s\n",
                                                rd_kafka_error_string(e));
                                        rd_kafka_error_destroy(e);
                                        rd_kafka_message_destroy(m);
                                        return -1;
                                }
                                r->in_txn = 1;
                        }
                        if (resend(r, m, h, topic)) {
                                rd_kafka_message_destroy(m);
                                return -1;
                        }
                        r->sent++;
                        r->n++;
                }
                rd_kafka_message_destroy(m);
                if (r->in_txn && r->n >= r->batch) {
                        if (commit_batch(r))
                                return -1;
                        r->in_txn = r->n = 0;
                }
        }
        /* Skipped messages only: their offsets go in a transaction too,
         * so that the next run does not list them again. */
        if (!r->dry_run && !stop) {
                if (!r->in_txn && (e = rd_kafka_begin_transaction(r->p))) {
                        rd_kafka_error_destroy(e);
                        return -1;
                }
                if (commit_batch(r))
                        return -1;
        }
        return 0;
}

int redrive_main(int argc, char **argv) {
        redrive_t r;
        rd_kafka_conf_t *cc = NULL, *pc = NULL;
        rd_kafka_topic_partition_list_t *sub;
        rd_kafka_error_t *e;
        struct sigaction sa;
        char errstr[512], txn_id[600];
        int rc;
        const char *cdefaults[] = {
                "isolation.level=read_committed", "enable.auto.commit=false",
                "auto.offset.reset=earliest",     "enable.partition.eof=true",
                "session.timeout.ms=10000",       NULL};
        const char *pdefaults[] = {"enable.idempotence=true", "acks=all", NULL};

        memset(&r, 0, sizeof(r));
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if ((rc = parse(&r, argc, argv)) || (rc = conf_new(&r, cdefaults, &cc)))
                goto out;
        if (rd_kafka_conf_set(cc, "group.id", r.group, errstr,
                              sizeof(errstr))) {
                rc = cli_usage(PROG, "-g %s: %s", r.group, errstr);
                goto out;
        }
        rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
        rd_kafka_conf_set_opaque(cc, &r);
        if (!(r.c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr,
                                 sizeof(errstr)))) {
                fprintf(stderr, "events-consumer: %s\n", errstr);
                rc = EX_CONFIG;
                goto out;
        }
        cc = NULL;
        rd_kafka_poll_set_consumer(r.c);
        if (!r.dry_run) {
                if ((rc = conf_new(&r, pdefaults, &pc)))
                        goto out;
                /* The same id on every run of this group: a new run fences
                 * a crashed one and aborts its open transaction. */
                snprintf(txn_id, sizeof(txn_id), "%s.%s", r.group, r.dlq);
                if (rd_kafka_conf_set(pc, "transactional.id", txn_id, errstr,
                                      sizeof(errstr))) {
                        fprintf(stderr, "events-consumer: %s\n", errstr);
                        rc = EX_CONFIG;
                        goto out;
                }
                if (!(r.p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr,
                                         sizeof(errstr)))) {
                        fprintf(stderr, "events-consumer: %s\n", errstr);
                        rc = EX_CONFIG;
                        goto out;
                }
                pc = NULL;
                if ((e = rd_kafka_init_transactions(r.p, TIMEOUT_MS))) {
                        fprintf(stderr,
                                "events-consumer: cannot start a "
                                "transaction: %s\n",
                                rd_kafka_error_string(e));
                        rd_kafka_error_destroy(e);
                        rc = EX_UNAVAILABLE;
                        goto out;
                }
        }
        {
                /* A group subscribed to a missing topic waits forever. */
                const struct rd_kafka_metadata *md = NULL;
                rd_kafka_topic_t *rkt = rd_kafka_topic_new(r.c, r.dlq, NULL);
                rd_kafka_resp_err_t err =
                        rd_kafka_metadata(r.c, 0, rkt, &md, TIMEOUT_MS);

                if (!err)
                        err = md->topic_cnt != 1
                                      ? RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
                              : md->topics[0].err ? md->topics[0].err
                              : md->topics[0].partition_cnt == 0
                                      ? RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
                                      : RD_KAFKA_RESP_ERR_NO_ERROR;
                if (md)
                        rd_kafka_metadata_destroy(md);
                rd_kafka_topic_destroy(rkt);
                if (err) {
                        fprintf(stderr, "events-consumer: --redrive %s: %s\n",
                                r.dlq, rd_kafka_err2str(err));
                        rc = EX_UNAVAILABLE;
                        goto out;
                }
        }
        sub = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(sub, r.dlq, RD_KAFKA_PARTITION_UA);
        if (rd_kafka_subscribe(r.c, sub)) {
                rd_kafka_topic_partition_list_destroy(sub);
                rc = EX_UNAVAILABLE;
                goto out;
        }
        rd_kafka_topic_partition_list_destroy(sub);
        rc = loop(&r) || r.broken ? EX_UNAVAILABLE : stop ? EX_TEMPFAIL : EX_OK;
        fflush(stdout);
        fprintf(stderr,
                "events-consumer: %s %ld of %s's messages, skipped %ld\n",
                r.dry_run ? "would redrive" : "redrove", r.sent, r.dlq,
                r.skipped);
        for (size_t i = 0; i < r.n_targets; i++)
                if (r.targets[i].too_old)
                        fprintf(stderr,
                                "events-consumer: warning: %ld message%s %s "
                                "%s with a timestamp older than its "
                                "retention.ms (%" PRId64
                                " ms): the broker deletes them at its next "
                                "retention check\n",
                                r.targets[i].too_old,
                                r.targets[i].too_old == 1 ? "" : "s",
                                r.dry_run ? "would go to" : "went to",
                                r.targets[i].topic, r.targets[i].retention_ms);
out:
        if (r.c) {
                rd_kafka_consumer_close(r.c);
                rd_kafka_destroy(r.c);
        }
        if (r.p)
                rd_kafka_destroy(r.p);
        if (cc)
                rd_kafka_conf_destroy(cc);
        if (pc)
                rd_kafka_conf_destroy(pc);
        for (size_t i = 0; i < r.n_targets; i++)
                free(r.targets[i].topic);
        free(r.targets);
        free(r.parts);
        free(r.codes);
        free(r.kafka_args);
        events_router_destroy(r.types);
        return rc;
}
