/*
 * events-consumer - join a consumer group and route each event to the
 * handlers its type is routed to in the routes file.
 *
 * This file wires the pieces together and owns the process's life: the
 * command line (options.c), the routes file and its handlers (routes.c,
 * handlers.c), the libevents consumer that does the Kafka work and the
 * at-least-once bookkeeping (events/consumer.h), the HTTP listener
 * (http.c, metrics.c), systemd's notifications (notify.c) and the signals:
 *
 * - SIGTERM, SIGINT: set the run flag (shutdown.c). The handler in hand is
 *   cancelled (an exec program gets SIGTERM, then SIGKILL; a plugin reads
 *   events_handler_ctx_cancelled() and its deadline) and its event is left
 *   unstored, to be read again; then the loop ends and
 *   events_consumer_close() commits and leaves the group in what is left
 *   of --shutdown-timeout. A final commit that fails or cannot be made
 *   exits 75 (EX_TEMPFAIL), naming the partitions. A watchdog ends the
 *   process with 75 at --shutdown-timeout whatever hangs.
 * - SIGHUP: set the reload flag; between two events the loop reads the
 *   routes file again and swaps the router only when the whole new file
 *   loads; the position in every partition is kept either way.
 *
 * Signal handlers only set volatile sig_atomic_t flags; everything else
 * happens on the main thread between polls.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <events/consumer.h>
#include <events/events.h>

#include "cli_args.h"
#include "drain.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "options.h"
#include "print.h"
#include "redrive.h"
#include "routes.h"
#include "shutdown.h"

#define stop_flag shutdown_requested
static volatile sig_atomic_t reload_flag;

static void on_hup(int sig) {
        (void)sig;
        reload_flag = 1;
}

/* The daemon's state, passed as the opaque of every callback. */
typedef struct daemon {
        options_t opt;
        events_consumer_t *consumer;
        handler_set_t *handlers;
        handler_env_t env;
        metrics_t *metrics;
        events_registry_t *registry;
        http_server_t *http;
        int dlq_failed;         /* a DLQ write failed: the consumer stopped */
        uint64_t dead_lettered; /* for -e's exit status */
        events_router_t *only_types; /* --type; NULL: every type */
        uint64_t skipped;            /* by --type and --partition */
        drain_t *drain;              /* -e; NULL without */
        notify_t notify;             /* systemd: READY, WATCHDOG, STOPPING */
        const events_event_t *aged;  /* the event whose age was observed */
} daemon_t;

/* ---- callbacks from the consumer and the router (main thread) ---- */

/* A library record: each of its fields is its own key. */
static void on_lib_log(events_log_level_t level, const char *msg,
                       const events_log_field_t *fields, size_t nfields,
                       void *opaque) {
        log_level_t l = level <= EVENTS_LOG_ERROR     ? LOG_ERROR
                        : level == EVENTS_LOG_WARNING ? LOG_WARN
                        : level >= EVENTS_LOG_DEBUG   ? LOG_DEBUG
                                                      : LOG_INFO;
        daemon_t *dm = opaque;
        log_field_t f[24];
        size_t n = 0;

        /* An assignment, even an empty one, means the group has us (the
         * library logs each; devbroker_consumer_notify.sh tests it). */
        if (!strncmp(msg, "partitions assigned", 19))
                notify_joined(&dm->notify);
        f[n++] = (log_field_t){"source", "libevents"};
        for (size_t i = 0; i < nfields && n < 24; i++)
                f[n++] = (log_field_t){fields[i].key, fields[i].value};
        log_fields(l, msg, f, n);
}

static void on_delivery(const events_delivery_t *d, void *opaque) {
        daemon_t *dm = opaque;
        const char *type = d->event_type ? d->event_type : "_unknown";

        metrics_consumed(dm->metrics, type);
        switch (d->outcome) {
        case EVENTS_DISPOSITION_HANDLED:
                metrics_event_done(dm->metrics, type, NULL, 1);
                if (log_enabled(LOG_DEBUG))
                        log_msg(LOG_DEBUG, "event handled",
                                "type=%s topic=%s partition=%d offset=%lld",
                                type, d->topic, (int)d->partition,
                                (long long)d->offset);
                break;
        case EVENTS_DISPOSITION_DEAD_LETTERED:
                dm->dead_lettered++;
                metrics_dead_lettered(dm->metrics, type,
                                      d->handler ? d->handler : "",
                                      events_err2name(d->reason));
                if (d->reason == EVENTS_ERR_HANDLER)
                        metrics_event_done(dm->metrics, type, d->handler, 0);
                break;
        case EVENTS_DISPOSITION_DLQ_FAILED:
                dm->dlq_failed = 1;
                break;
        case EVENTS_DISPOSITION_INTERRUPTED:
                break; /* the library logs these; the event comes again */
        case EVENTS_DISPOSITION_SKIPPED:
                dm->skipped++;
                metrics_skipped(dm->metrics, type);
                if (log_enabled(LOG_DEBUG))
                        log_msg(LOG_DEBUG, "event skipped by a filter",
                                "type=%s topic=%s partition=%d offset=%lld",
                                type, d->topic, (int)d->partition,
                                (long long)d->offset);
                break;
        }
        handler_env_reset(&dm->env);
        dm->aged = NULL;
}

/* --type and --partition: whether the daemon handles this message. */
static int filter(const char *topic, int32_t partition, const char *type,
                  void *opaque) {
        daemon_t *dm = opaque;
        size_t i;

        (void)topic;
        for (i = 0; i < dm->opt.n_partitions; i++)
                if (dm->opt.partitions[i] == partition)
                        break;
        if (dm->opt.n_partitions && i == dm->opt.n_partitions)
                return 0;
        return !dm->only_types ||
               (type && events_router_match(dm->only_types, type));
}

/* --type's patterns, checked as the router checks a route's. */
static int make_filter(daemon_t *dm) {
        for (size_t i = 0; i < dm->opt.n_types; i++) {
                int rc = cli_type_filter_add(&dm->only_types, dm->opt.types[i]);

                if (rc == EX_USAGE)
                        fprintf(stderr,
                                "events-consumer: --type %s: not a type or "
                                "a glob\n",
                                dm->opt.types[i]);
                if (rc)
                        return rc;
        }
        return 0;
}

static void on_handler_call(const events_event_t *ev,
                            const events_handler_ctx_t *ctx,
                            const char *pattern, const char *handler, int rc,
                            int64_t duration_us, void *opaque) {
        daemon_t *dm = opaque;
        const char *why = events_handler_ctx_error(ctx);
        char q[300], qe[300];

        metrics_handler_call(dm->metrics, events_event_type(ev), handler, rc,
                             duration_us);
        /* Age once per event, at its first handler call (the observer runs
         * after the call: its start is now minus its duration). */
        if (ev != dm->aged && events_event_has_timestamp(ev)) {
                dm->aged = ev;
                metrics_event_age(dm->metrics,
                                  events_now_us() - duration_us -
                                          events_event_timestamp_us(ev));
        }
        /* rc only when it says something: exec handlers return -1 and
         * say why in the error ("exit status 1"). */
        if (rc != 0)
                log_msg(LOG_WARN, "handler failed",
                        "handler=%s type=%s pattern=%s attempt=%d%s%.0d "
                        "error=%s",
                        log_quote(handler, q, sizeof(q)), events_event_type(ev),
                        pattern ? pattern : "default",
                        events_handler_ctx_attempt(ctx), rc != -1 ? " rc=" : "",
                        rc != -1 ? rc : 0,
                        log_quote(*why ? why : "-", qe, sizeof(qe)));
}

static int publish(void *opaque, const char *topic, const msg_meta_t *meta,
                   const events_event_t *ev, const char *json, size_t len,
                   char *err, size_t errsize) {
        daemon_t *dm = opaque;
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(1);
        events_error_t e = {0};
        events_err_t rc;

        if (!hdrs) {
                snprintf(err, errsize, "out of memory");
                return -1;
        }
        rd_kafka_header_add(hdrs, EVENTS_HEADER_EVENT_TYPE, -1,
                            events_event_type(ev), -1);
        rc = events_consumer_publish(dm->consumer, topic, meta->key,
                                     meta->key_len, json, len, hdrs, 0, &e);
        rd_kafka_headers_destroy(hdrs);
        if (rc != EVENTS_OK) {
                snprintf(err, errsize, "forward to %s: %s", topic,
                         e.text[0] ? e.text : events_err2str(rc));
                return -1;
        }
        return 0;
}

/* ---- HTTP (the server's thread) ---- */

static int src_assigned(void *opaque) {
        return events_consumer_assigned_count(opaque);
}

static int src_broker_up(void *opaque) {
        return events_consumer_broker_up(opaque);
}

struct lag_fwd {
        metrics_lag_cb cb;
        void *opaque;
};

static void lag_fwd(const char *topic, int32_t partition, int64_t lag,
                    void *opaque) {
        struct lag_fwd *f = opaque;
        f->cb(topic, partition, lag, f->opaque);
}

static size_t src_lag(void *opaque, metrics_lag_cb cb, void *cb_opaque) {
        struct lag_fwd f = {cb, cb_opaque};
        return events_consumer_lag_foreach(opaque, lag_fwd, &f);
}

static int src_joined(void *opaque) {
        return events_consumer_joined(opaque);
}

static void src_counters(void *opaque, metrics_counters_t *out) {
        out->commits_ok =
                events_consumer_counter(opaque, EVENTS_COUNTER_COMMITS_OK);
        out->commits_failed =
                events_consumer_counter(opaque, EVENTS_COUNTER_COMMITS_FAILED);
        out->assigns = events_consumer_counter(opaque, EVENTS_COUNTER_ASSIGNS);
        out->revokes = events_consumer_counter(opaque, EVENTS_COUNTER_REVOKES);
}

static int64_t src_busy(void *opaque, int64_t *limit_ms) {
        handler_env_t *env = opaque;
        int64_t since = env->busy_since_ms;

        *limit_ms = env->busy_limit_ms;
        return since;
}

/* ---- routes ---- */

/* Load the routes file into a new handler set. @returns 0, or an exit
 * status with the reason logged. */
static int load_routes(daemon_t *dm, handler_set_t **out) {
        routes_t *routes;
        char err[1024];
        struct stat st;

        if (stat(dm->opt.routes, &st) < 0) {
                log_msg(LOG_ERROR, "cannot read the routes file",
                        "file=%s error=\"%s\"", dm->opt.routes,
                        strerror(errno));
                return EX_NOINPUT;
        }
        if (routes_load(dm->opt.routes, &routes, err, sizeof(err))) {
                char q[1100];
                log_msg(LOG_ERROR, "invalid routes file", "error=%s",
                        log_quote(err, q, sizeof(q)));
                return EX_DATAERR;
        }
        if (handler_set_new(routes, &dm->env, out, err, sizeof(err))) {
                char q[1100];
                routes_free(routes);
                log_msg(LOG_ERROR, "cannot set up the routes' handlers",
                        "file=%s error=%s", dm->opt.routes,
                        log_quote(err, q, sizeof(q)));
                return EX_DATAERR;
        }
        events_router_set_observer(handler_set_router(*out), on_handler_call,
                                   dm);
        return 0;
}

static void reload_routes(daemon_t *dm) {
        handler_set_t *fresh = NULL;
        size_t nr, nh;

        log_msg(LOG_INFO, "SIGHUP: reloading the routes file", "file=%s",
                dm->opt.routes);
        if (load_routes(dm, &fresh)) {
                metrics_reload(dm->metrics, 0);
                log_msg(LOG_ERROR, "reload failed, the old routes stay",
                        "file=%s", dm->opt.routes);
                return;
        }
        events_consumer_set_router(dm->consumer, handler_set_router(fresh));
        handler_set_destroy(dm->handlers);
        dm->handlers = fresh;
        handler_set_counts(fresh, &nr, &nh);
        metrics_reload(dm->metrics, 1);
        log_msg(LOG_INFO, "routes reloaded", "routes=%zu handlers=%zu", nr, nh);
}

/* ---- setup ---- */

/* Every --schemas folder, or else events_schemas_dir()'s: as the
 * producer, no schemas is an error (never a run without validation). */
static int load_schemas(daemon_t *dm) {
        size_t n = dm->opt.n_schemas ? dm->opt.n_schemas : 1;
        events_error_t e;
        char buf[512];

        if (!dm->opt.validate)
                return 0;
        if (events_registry_new(&dm->registry) != EVENTS_OK)
                return EX_OSERR;
        for (size_t i = 0; i < n; i++) {
                const char *dir = dm->opt.n_schemas ? dm->opt.schemas[i]
                                                    : events_schemas_dir();

                if (events_registry_load_dir(dm->registry, dir, &e) ==
                    EVENTS_OK) {
                        log_msg(LOG_INFO, "schemas loaded", "dir=%s", dir);
                        continue;
                }
                log_msg(LOG_ERROR, "cannot load the schemas",
                        "error=\"%s\" hint=\"give --schemas DIR (repeatable) "
                        "or set EVENTS_SCHEMAS_DIR; --no-validate validates "
                        "no event\"",
                        events_error_format(&e, buf, sizeof(buf)));
                events_registry_destroy(dm->registry);
                dm->registry = NULL;
                return EX_CONFIG;
        }
        return 0;
}

#define DEFAULT_FETCH_MAX_BYTES "1048576"

/* librdkafka refuses a fetch.max.bytes below message.max.bytes. A user who
 * raised message.max.bytes (for the dead-letter producer, or to read larger
 * messages) and left our fetch.max.bytes gets one as large: the user's
 * setting wins over our default, never the other way round. A
 * fetch.max.bytes the user set stays as set (unless it is our default's
 * value: then it is raised too, where librdkafka would refuse it). */
static void fix_fetch_max(rd_kafka_conf_t *conf) {
        char fetch[64], msg[64], errstr[256];
        size_t flen = sizeof(fetch), mlen = sizeof(msg);

        if (rd_kafka_conf_get(conf, "fetch.max.bytes", fetch, &flen) !=
                    RD_KAFKA_CONF_OK ||
            rd_kafka_conf_get(conf, "message.max.bytes", msg, &mlen) !=
                    RD_KAFKA_CONF_OK ||
            strcmp(fetch, DEFAULT_FETCH_MAX_BYTES) != 0 ||
            strtoll(msg, NULL, 10) <= strtoll(fetch, NULL, 10))
                return;
        /* message.max.bytes' range (up to 1000000000) lies within
         * fetch.max.bytes': this cannot fail. */
        (void)rd_kafka_conf_set(conf, "fetch.max.bytes", msg, errstr,
                                sizeof(errstr));
}

/* The defaults below, then EVENTS_BROKERS and -b/-F/-X in order, by the
 * one rule of events_kafka_conf_apply() (events/kafka.h). */
static int make_conf(const options_t *o, rd_kafka_conf_t **out) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_error_t e;
        events_err_t rc;
        char buf[512];
        /* Defaults a user may override with -X / -F. The fetch queue is
         * kept small: librdkafka's default (64 MB per consumer) would be
         * the daemon's whole memory budget. So is one fetch: the queue's
         * bounds only decide whether to fetch, and a response is queued
         * whole, decompressed, with an op of about 300 bytes per message
         * (massif: a 4 MB zstd response of 180-byte events is about
         * 75,000 messages, 45 MB, on top of a full queue; docs/operations.md,
         * "Memory"). 1 MB is the least librdkafka takes with its default
         * message.max.bytes (fix_fetch_max() below). Offsets are committed
         * every second (librdkafka: 5 s), and on every revoke, so that a
         * crash repeats at most about a second of events. */
        static const char *const defaults[] = {
                "queued.max.messages.kbytes=4096",
                "auto.commit.interval.ms=1000",
                "fetch.max.bytes=" DEFAULT_FETCH_MAX_BYTES,
                "session.timeout.ms=10000",
                "heartbeat.interval.ms=1000",
                NULL,
        };

        /* The defaults are ours: one that librdkafka refuses is a bug in
         * this program (or a librdkafka it was not built for). */
        for (size_t i = 0; defaults[i]; i++)
                if (events_kafka_conf_set(conf, defaults[i], &e) != EVENTS_OK) {
                        log_msg(LOG_ERROR, "bad built-in property",
                                "error=\"%s\"",
                                events_error_format(&e, buf, sizeof(buf)));
                        rd_kafka_conf_destroy(conf);
                        return EX_SOFTWARE;
                }
        rc = events_kafka_conf_apply(conf, o->kafka_args, o->n_kafka_args, NULL,
                                     &e);
        if (rc == EVENTS_ERR_NOT_FOUND) {
                fprintf(stderr, "events-consumer: no brokers: give -b, set "
                                "bootstrap.servers with -F or -X, or set "
                                "EVENTS_BROKERS\nTry 'events-consumer "
                                "--help'.\n");
                rd_kafka_conf_destroy(conf);
                return EX_USAGE;
        }
        if (rc) {
                /* The text names the place: FILE:LINE, or the -X/-b. */
                log_msg(LOG_ERROR, "bad Kafka configuration", "error=\"%s\"",
                        e.text);
                rd_kafka_conf_destroy(conf);
                return rc == EVENTS_ERR_IO ? EX_NOINPUT : EX_CONFIG;
        }
        fix_fetch_max(conf);
        *out = conf;
        return 0;
}

static void install_signals(void) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = on_hup;
        sigaction(SIGHUP, &sa, NULL);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
}

/* Close in what is left of --shutdown-timeout, and say truthfully what the
 * final commit did. @returns the exit status. */
static int close_consumer(daemon_t *dm, int rc) {
        events_error_t e = {0};
        char parts[1024], q[1100], qe[600];
        int n;

        /* On success the library's records say what was committed. */
        if (events_consumer_close(dm->consumer, shutdown_left_ms(), &e) ==
            EVENTS_OK)
                return rc;
        n = events_consumer_uncommitted(dm->consumer, parts, sizeof(parts));
        if (n > 0) {
                log_msg(LOG_ERROR, "final commit failed: offsets not committed",
                        "group=%s partitions=%s count=%d error=%s",
                        log_quote(dm->opt.group, q, sizeof(q)), parts, n,
                        log_quote(e.text, qe, sizeof(qe)));
                return rc == EX_OK ? EX_TEMPFAIL : rc;
        }
        log_msg(LOG_WARN, "close did not finish cleanly", "error=%s",
                log_quote(e.text, qe, sizeof(qe)));
        return rc;
}

static int run(daemon_t *dm) {
        rd_kafka_conf_t *conf = NULL;
        events_error_t e = {0};
        char buf[512];
        int rc;
        size_t nr, nh;

        if ((rc = load_routes(dm, &dm->handlers)))
                return rc;
        handler_set_counts(dm->handlers, &nr, &nh);
        log_msg(LOG_INFO, "routes loaded", "file=%s routes=%zu handlers=%zu",
                dm->opt.routes, nr, nh);
        if ((rc = load_schemas(dm)))
                return rc;
        if ((rc = make_conf(&dm->opt, &conf)))
                return rc;
        if (events_consumer_new(
                    &dm->consumer, conf, dm->opt.group,
                    (const char *const *)dm->opt.topics, dm->opt.n_topics,
                    handler_set_router(dm->handlers), &e) != EVENTS_OK) {
                rd_kafka_conf_destroy(conf);
                log_msg(LOG_ERROR, "cannot create the consumer", "error=\"%s\"",
                        events_error_format(&e, buf, sizeof(buf)));
                return e.code == EVENTS_ERR_CONF ? EX_CONFIG : EX_UNAVAILABLE;
        }
        events_consumer_set_log_fields_cb(dm->consumer, on_lib_log, dm);
        events_consumer_set_handler_deadline(dm->consumer,
                                             &shutdown_handler_deadline_ms);
        events_consumer_set_delivery_cb(dm->consumer, on_delivery, dm);
        if (dm->opt.n_types || dm->opt.n_partitions)
                events_consumer_set_filter(dm->consumer, filter, dm);
        events_consumer_set_registry(dm->consumer, dm->registry);
        events_consumer_set_stop_flag(dm->consumer,
                                      (const volatile int *)&stop_flag);
        if (dm->opt.dlq_topic &&
            events_consumer_set_dlq_topic(dm->consumer, dm->opt.dlq_topic) !=
                    EVENTS_OK) {
                log_msg(LOG_ERROR, "bad --dlq-topic", "topic=%s",
                        dm->opt.dlq_topic);
                return EX_USAGE;
        }
        if (dm->opt.from_beginning || dm->opt.from_time_ms >= 0) {
                events_err_t sr = events_consumer_set_start(
                        dm->consumer,
                        dm->opt.from_beginning ? EVENTS_START_BEGINNING
                                               : EVENTS_START_TIME,
                        dm->opt.from_beginning ? 0 : dm->opt.from_time_ms);

                if (sr != EVENTS_OK) {
                        log_msg(LOG_ERROR, "bad start position", "error=\"%s\"",
                                events_err2str(sr));
                        return EX_USAGE;
                }
        }

        if (dm->opt.http_port >= 0) {
                metrics_source_t src = {
                        src_assigned, src_broker_up, src_lag,
                        dm->consumer, src_joined,    src_counters,
                        src_busy,     &dm->env,      dm->opt.stall_timeout_ms};
                const char *a = dm->opt.http_addr;
                int v6 = strchr(a, ':') != NULL;

                metrics_set_source(dm->metrics, &src);
                if (http_server_start(&dm->http, a, dm->opt.http_port,
                                      metrics_route, dm->metrics, buf,
                                      sizeof(buf))) {
                        log_msg(LOG_ERROR, "cannot listen for HTTP",
                                "error=\"%s\"", buf);
                        return EX_OSERR;
                }
                log_msg(LOG_INFO, "HTTP listening",
                        "addr=%s%s%s:%d paths=/livez,/readyz,/health,/metrics",
                        v6 ? "[" : "", a, v6 ? "]" : "",
                        http_server_port(dm->http));
        }
        log_msg(LOG_INFO, "consumer started", "group=%s topics=%zu brokers=%s",
                dm->opt.group, dm->opt.n_topics,
                dm->opt.brokers ? dm->opt.brokers : "(-F/-X/EVENTS_BROKERS)");

        rc = EX_OK;
        notify_init(&dm->notify);
        while (!stop_flag) {
                events_err_t r;

                notify_tick(&dm->notify,
                            events_consumer_assigned_count(dm->consumer));
                r = events_consumer_poll(dm->consumer, 100, &e);

                metrics_heartbeat(dm->metrics);

                if (r == EVENTS_ERR_TIMED_OUT)
                        continue; /* stopped during retries */
                if (r != EVENTS_OK) {
                        int dlq = dm->dlq_failed;
                        log_msg(LOG_ERROR,
                                dlq ? "stopping: the dead-letter topic "
                                      "cannot be written; the event stays "
                                      "uncommitted"
                                    : "stopping: consumer error",
                                "error=\"%s\"",
                                events_error_format(&e, buf, sizeof(buf)));
                        rc = dlq ? EX_TEMPFAIL : EX_UNAVAILABLE;
                        break;
                }
                if (reload_flag) {
                        reload_flag = 0;
                        reload_routes(dm);
                }
                handler_set_tick(dm->handlers);
                if (dm->drain && drain_reached(dm->drain, dm->consumer))
                        break; /* -e: all handled; close commits below */
        }
        notify_stopping(&dm->notify);
        if (stop_flag)
                log_msg(LOG_INFO, "stopping: signal received", "timeout_ms=%d",
                        dm->opt.shutdown_timeout_ms);
        if (dm->opt.n_types || dm->opt.n_partitions)
                log_msg(LOG_INFO, "skipped by --type/--partition", "count=%llu",
                        (unsigned long long)dm->skipped);
        shutdown_begin();
        rc = close_consumer(dm, rc);
        /* -e: a batch job's status says whether anything went to the
         * DLQ. */
        if (rc == EX_OK && dm->drain && dm->dead_lettered)
                rc = EX_DATAERR;
        shutdown_set_status(rc);
        return rc;
}

int main(int argc, char **argv) {
        daemon_t dm;
        int rc;

        /* --print and --capture read a topic, without routes: print.c. */
        if (print_wanted(argc, argv))
                return print_main(argc, argv);
        if (redrive_wanted(argc, argv))
                return redrive_main(argc, argv);
        memset(&dm, 0, sizeof(dm));
        rc = options_parse(&dm.opt, argc, argv);
        if (rc != 0) {
                options_free(&dm.opt);
                return rc > 0 ? EX_OK : EX_USAGE;
        }
        log_set_level((log_level_t)dm.opt.log_level);
        log_set_format((log_format_t)dm.opt.log_format);
        install_signals();
        if (shutdown_init(dm.opt.shutdown_timeout_ms)) {
                log_msg(LOG_ERROR, "cannot start the shutdown watchdog",
                        "error=\"%s\"", strerror(errno));
                options_free(&dm.opt);
                return EX_OSERR;
        }
        dm.env.publish = publish;
        dm.env.publish_opaque = &dm;
        dm.env.stall_timeout_ms = dm.opt.stall_timeout_ms;
        if (!(dm.metrics = metrics_new())) {
                options_free(&dm.opt);
                return EX_OSERR;
        }
        if (dm.opt.exit_at_end && !(dm.drain = drain_new())) {
                options_free(&dm.opt);
                return EX_OSERR;
        }
        if ((rc = make_filter(&dm))) {
                drain_destroy(dm.drain);
                metrics_destroy(dm.metrics);
                options_free(&dm.opt);
                return rc;
        }
        rc = run(&dm);
        drain_destroy(dm.drain);
        events_router_destroy(dm.only_types);
        http_server_stop(dm.http);
        events_consumer_destroy(dm.consumer);
        handler_set_destroy(dm.handlers);
        handler_env_reset(&dm.env);
        events_registry_destroy(dm.registry);
        metrics_destroy(dm.metrics);
        log_msg(LOG_INFO, "exit", "status=%d", rc);
        shutdown_done();
        options_free(&dm.opt);
        return rc;
}
