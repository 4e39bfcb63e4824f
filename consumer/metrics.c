/*
 * metrics.c - counters by label set in a small open-addressing hash table,
 * a fixed-bucket histogram per handler, the lag table from librdkafka's
 * statistics, and 60 one-second slots of handled/failed counts for the
 * health check. Rendering builds the whole text in one buffer under the
 * lock; the HTTP thread then writes it out without it.
 */
#include "clock.h"
#include "metrics.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <events/events.h>

enum counter_id {
        C_CONSUMED,
        C_HANDLED,
        C_FAILED,
        C_CALL_FAILURES,
        C_DEAD_LETTERED,
        C_SKIPPED,
        C__COUNT
};

static const struct {
        const char *name;
        const char *help;
} counter_info[C__COUNT] = {
        [C_CONSUMED] = {"events_consumed_total",
                        "Events read from Kafka, by event type."},
        [C_HANDLED] = {"events_handled_total",
                       "Events a handler handled successfully, by event type "
                       "and handler."},
        [C_FAILED] = {"events_failed_total",
                      "Events a handler failed for good (after its retries), "
                      "by event type and handler."},
        [C_CALL_FAILURES] = {"events_handler_errors_total",
                             "Failed handler calls, retries included, by "
                             "event type and handler."},
        [C_DEAD_LETTERED] = {"events_dead_lettered_total",
                             "Events written to the dead-letter topic, by "
                             "event type, handler (empty for poison events) "
                             "and reason."},
        [C_SKIPPED] = {"events_skipped_total",
                       "Events the --type and --partition filters skipped "
                       "(committed, no handler run), by event type."},
};

#define MAX_SERIES 2048 /* label sets; table has twice the slots */
#define TABLE_SLOTS 4096
#define MAX_HISTOGRAMS 256
#define WINDOW_S 60

static const double bucket_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                  0.025,  0.05,  0.1,    0.25,  0.5,
                                  1,      2.5,   5,      10};
#define N_BUCKETS (sizeof(bucket_s) / sizeof(bucket_s[0]))

/* Event age: from a live stream (milliseconds) to a replayed day. */
static const double age_bucket_s[] = {0.005, 0.01, 0.05, 0.1,   0.5,
                                      1,     5,    10,   30,    60,
                                      300,   900,  3600, 21600, 86400};
#define N_AGE_BUCKETS (sizeof(age_bucket_s) / sizeof(age_bucket_s[0]))

struct series {
        int used;
        enum counter_id id;
        char *type;
        char *handler;
        char *reason;
        uint64_t value;
};

struct histogram {
        char *handler;
        uint64_t buckets[N_BUCKETS];
        uint64_t count;
        double sum;
};

struct metrics {
        pthread_mutex_t lock;
        struct series *table;
        size_t n_series;
        size_t n_types;
        struct histogram hist[MAX_HISTOGRAMS];
        size_t n_hist;
        metrics_source_t src; /* set once, before the HTTP thread */
        uint64_t reloads_ok, reloads_failed;
        /* health window: per-second slots */
        int64_t slot_sec[WINDOW_S];
        uint64_t slot_ok[WINDOW_S];
        uint64_t slot_fail[WINDOW_S];
        int64_t started;
        _Atomic int64_t last_beat_ms; /* the main loop's heartbeat */
        uint64_t age_buckets[N_AGE_BUCKETS];
        uint64_t age_count;
        double age_sum;
};

metrics_t *metrics_new(void) {
        metrics_t *m = calloc(1, sizeof(*m));

        if (!m)
                return NULL;
        m->table = calloc(TABLE_SLOTS, sizeof(struct series));
        if (!m->table) {
                free(m);
                return NULL;
        }
        pthread_mutex_init(&m->lock, NULL);
        m->started = consumer_mono_ms() / 1000;
        m->last_beat_ms = consumer_mono_ms();
        return m;
}

void metrics_destroy(metrics_t *m) {
        if (!m)
                return;
        for (size_t i = 0; i < TABLE_SLOTS; i++) {
                free(m->table[i].type);
                free(m->table[i].handler);
                free(m->table[i].reason);
        }
        free(m->table);
        for (size_t i = 0; i < m->n_hist; i++)
                free(m->hist[i].handler);
        pthread_mutex_destroy(&m->lock);
        free(m);
}

static uint64_t fnv(uint64_t h, const char *s) {
        for (; s && *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ull;
        return (h ^ 0xff) * 1099511628211ull;
}

static int streq(const char *a, const char *b) {
        return !strcmp(a ? a : "", b ? b : "");
}

/* Find or add a series; NULL when the table is full. Called locked. */
static struct series *series_get(metrics_t *m, enum counter_id id,
                                 const char *type, const char *handler,
                                 const char *reason) {
        uint64_t h = fnv(fnv(fnv(14695981039346656037ull + id, type), handler),
                         reason);
        size_t i = (size_t)(h % TABLE_SLOTS);

        for (size_t probe = 0; probe < TABLE_SLOTS; probe++) {
                struct series *s = &m->table[(i + probe) % TABLE_SLOTS];
                if (!s->used) {
                        if (m->n_series >= MAX_SERIES)
                                return NULL;
                        s->type = strdup(type ? type : "");
                        s->handler = handler ? strdup(handler) : NULL;
                        s->reason = reason ? strdup(reason) : NULL;
                        if (!s->type || (handler && !s->handler) ||
                            (reason && !s->reason)) {
                                free(s->type);
                                free(s->handler);
                                free(s->reason);
                                memset(s, 0, sizeof(*s));
                                return NULL;
                        }
                        s->used = 1;
                        s->id = id;
                        m->n_series++;
                        return s;
                }
                if (s->id == id && streq(s->type, type) &&
                    streq(s->handler, handler) && streq(s->reason, reason))
                        return s;
        }
        return NULL;
}

static void count(metrics_t *m, enum counter_id id, const char *type,
                  const char *handler, const char *reason) {
        struct series *s = series_get(m, id, type, handler, reason);

        /* Past the cap, fold new label sets into one catch-all series,
         * which may exist already. */
        if (!s)
                s = series_get(m, id, "_other", handler ? "_other" : NULL,
                               reason ? "_other" : NULL);
        if (s)
                s->value++;
}

void metrics_consumed(metrics_t *m, const char *type) {
        pthread_mutex_lock(&m->lock);
        count(m, C_CONSUMED, type, NULL, NULL);
        pthread_mutex_unlock(&m->lock);
}

void metrics_handler_call(metrics_t *m, const char *type, const char *handler,
                          int rc, int64_t duration_us) {
        struct histogram *hg = NULL;
        double d = (double)duration_us / 1e6;

        pthread_mutex_lock(&m->lock);
        count(m, rc == 0 ? C_HANDLED : C_CALL_FAILURES, type, handler, NULL);
        for (size_t i = 0; i < m->n_hist; i++)
                if (!strcmp(m->hist[i].handler, handler))
                        hg = &m->hist[i];
        if (!hg && m->n_hist < MAX_HISTOGRAMS &&
            (m->hist[m->n_hist].handler = strdup(handler)))
                hg = &m->hist[m->n_hist++];
        if (hg) {
                for (size_t b = 0; b < N_BUCKETS; b++)
                        if (d <= bucket_s[b])
                                hg->buckets[b]++;
                hg->count++;
                hg->sum += d;
        }
        pthread_mutex_unlock(&m->lock);
}

static void window_add(metrics_t *m, int ok) {
        int64_t t = consumer_mono_ms() / 1000;
        size_t i = (size_t)(t % WINDOW_S);

        if (m->slot_sec[i] != t) {
                m->slot_sec[i] = t;
                m->slot_ok[i] = m->slot_fail[i] = 0;
        }
        if (ok)
                m->slot_ok[i]++;
        else
                m->slot_fail[i]++;
}

void metrics_event_done(metrics_t *m, const char *type, const char *handler,
                        int ok) {
        pthread_mutex_lock(&m->lock);
        if (!ok)
                count(m, C_FAILED, type, handler ? handler : "", NULL);
        window_add(m, ok);
        pthread_mutex_unlock(&m->lock);
}

void metrics_dead_lettered(metrics_t *m, const char *type, const char *handler,
                           const char *reason) {
        pthread_mutex_lock(&m->lock);
        count(m, C_DEAD_LETTERED, type, handler ? handler : "",
              reason ? reason : "");
        pthread_mutex_unlock(&m->lock);
}

void metrics_skipped(metrics_t *m, const char *type) {
        pthread_mutex_lock(&m->lock);
        count(m, C_SKIPPED, type, NULL, NULL);
        pthread_mutex_unlock(&m->lock);
}

void metrics_reload(metrics_t *m, int ok) {
        pthread_mutex_lock(&m->lock);
        if (ok)
                m->reloads_ok++;
        else
                m->reloads_failed++;
        pthread_mutex_unlock(&m->lock);
}

void metrics_set_source(metrics_t *m, const metrics_source_t *src) {
        m->src = *src;
}

void metrics_heartbeat(metrics_t *m) {
        m->last_beat_ms = consumer_mono_ms();
}

void metrics_event_age(metrics_t *m, int64_t age_us) {
        /* A clock ahead of ours reads as no age, not as a negative one. */
        double a = age_us > 0 ? (double)age_us / 1e6 : 0;

        pthread_mutex_lock(&m->lock);
        for (size_t b = 0; b < N_AGE_BUCKETS; b++)
                if (a <= age_bucket_s[b])
                        m->age_buckets[b]++;
        m->age_count++;
        m->age_sum += a;
        pthread_mutex_unlock(&m->lock);
}

/* A growable text buffer. */
struct buf {
        char *p;
        size_t len, cap;
        int oom;
};

__attribute__((format(printf, 2, 3))) static void
bprintf(struct buf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        if (b->oom)
                return;
        for (;;) {
                size_t room = b->cap - b->len;
                va_start(ap, fmt);
                n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->oom = 1;
                        return;
                }
                if ((size_t)n < room) {
                        b->len += (size_t)n;
                        return;
                }
                size_t nc = b->cap ? b->cap * 2 : 4096;
                while (nc - b->len <= (size_t)n)
                        nc *= 2;
                char *np = realloc(b->p, nc);
                if (!np) {
                        b->oom = 1;
                        return;
                }
                b->p = np;
                b->cap = nc;
        }
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static const char *esc(const char *s, char *out, size_t size) {
        size_t o = 0;

        for (; s && *s && o + 3 < size; s++) {
                if (*s == '\\' || *s == '"') {
                        out[o++] = '\\';
                        out[o++] = *s;
                } else if (*s == '\n') {
                        out[o++] = '\\';
                        out[o++] = 'n';
                } else {
                        out[o++] = *s;
                }
        }
        out[o] = '\0';
        return out;
}

static void render_lag(const char *topic, int32_t partition, int64_t lag,
                       void *opaque) {
        char e[600];
        bprintf(opaque,
                "events_consumer_lag{topic=\"%s\",partition=\"%" PRId32
                "\"} %" PRId64 "\n",
                esc(topic, e, sizeof(e)), partition, lag);
}

static void render_consumer_counters(metrics_t *m, struct buf *b) {
        metrics_counters_t c = {0};

        if (m->src.counters)
                m->src.counters(m->src.opaque, &c);
        bprintf(b,
                "# HELP events_commits_total Offset commits (automatic and "
                "explicit), by result.\n"
                "# TYPE events_commits_total counter\n"
                "events_commits_total{result=\"ok\"} %" PRIu64 "\n"
                "events_commits_total{result=\"failed\"} %" PRIu64 "\n"
                "# HELP events_rebalances_total Group rebalance callbacks, by "
                "kind (assign or revoke).\n"
                "# TYPE events_rebalances_total counter\n"
                "events_rebalances_total{kind=\"assign\"} %" PRIu64 "\n"
                "events_rebalances_total{kind=\"revoke\"} %" PRIu64 "\n"
                "# HELP events_group_joined 1 when this member is in its "
                "consumer group.\n"
                "# TYPE events_group_joined gauge\n"
                "events_group_joined %d\n"
                "# HELP events_build_info The events toolkit's version.\n"
                "# TYPE events_build_info gauge\n"
                "events_build_info{version=\"%s\"} 1\n",
                c.commits_ok, c.commits_failed, c.assigns, c.revokes,
                m->src.joined ? m->src.joined(m->src.opaque) : 0,
                events_version());
}

/* /livez and /readyz as gauges, for alerting rules. */
static void render_probes(metrics_t *m, struct buf *b) {
        int live = 0, ready = 0;
        size_t n;

        free(metrics_health(m, METRICS_LIVE, &live, &n));
        free(metrics_health(m, METRICS_READY, &ready, &n));
        bprintf(b,
                "# HELP events_live 1 when /livez passes: the poll loop "
                "turns and no handler call runs past its limit.\n"
                "# TYPE events_live gauge\n"
                "events_live %d\n"
                "# HELP events_ready 1 when /readyz passes: in the group, "
                "a broker up.\n"
                "# TYPE events_ready gauge\n"
                "events_ready %d\n",
                live, ready);
}

/* The process_* metrics of Prometheus client libraries, from /proc. */
static void render_process(struct buf *b) {
        char stat[1024], *p;
        unsigned long utime = 0, stime = 0;
        unsigned long long starttime = 0, btime = 0;
        long rss = 0, tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
        size_t n = 0, fds = 0;
        struct rlimit rl;
        FILE *f;
        DIR *d;

        if ((f = fopen("/proc/self/stat", "r"))) {
                n = fread(stat, 1, sizeof(stat) - 1, f);
                fclose(f);
        }
        stat[n] = '\0';
        /* Fields after the command name, which may hold spaces: state is
         * field 3, utime 14, stime 15, starttime 22, rss 24. */
        if ((p = strrchr(stat, ')')))
                (void)sscanf(p + 2,
                             "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                             "%lu %lu %*d %*d %*d %*d %*d %*d %llu %*u %ld",
                             &utime, &stime, &starttime, &rss);
        if ((f = fopen("/proc/stat", "r"))) {
                char line[256];
                while (fgets(line, sizeof(line), f))
                        if (sscanf(line, "btime %llu", &btime) == 1)
                                break;
                fclose(f);
        }
        if ((d = opendir("/proc/self/fd"))) {
                struct dirent *e;
                while ((e = readdir(d)))
                        if (e->d_name[0] != '.')
                                fds++;
                closedir(d);
                fds--; /* the directory's own descriptor */
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                rl.rlim_cur = 0;
        if (tck <= 0)
                tck = 100;
        bprintf(b,
                "# HELP process_cpu_seconds_total Total user and system CPU "
                "time spent in seconds.\n"
                "# TYPE process_cpu_seconds_total counter\n"
                "process_cpu_seconds_total %.2f\n"
                "# HELP process_resident_memory_bytes Resident memory size in "
                "bytes.\n"
                "# TYPE process_resident_memory_bytes gauge\n"
                "process_resident_memory_bytes %lld\n"
                "# HELP process_open_fds Number of open file descriptors.\n"
                "# TYPE process_open_fds gauge\n"
                "process_open_fds %zu\n"
                "# HELP process_max_fds Maximum number of open file "
                "descriptors.\n"
                "# TYPE process_max_fds gauge\n"
                "process_max_fds %.0f\n"
                "# HELP process_start_time_seconds Start time of the process "
                "since unix epoch in seconds.\n"
                "# TYPE process_start_time_seconds gauge\n"
                "process_start_time_seconds %.2f\n",
                (double)(utime + stime) / (double)tck, (long long)rss * page,
                fds, rl.rlim_cur == RLIM_INFINITY ? 1e18 : (double)rl.rlim_cur,
                (double)btime + (double)starttime / (double)tck);
}

char *metrics_render(metrics_t *m, size_t *len) {
        struct buf b = {0};
        char e1[600], e2[600], e3[600];
        uint64_t reloads_ok, reloads_failed;

        pthread_mutex_lock(&m->lock);
        reloads_ok = m->reloads_ok;
        reloads_failed = m->reloads_failed;
        for (int id = 0; id < C__COUNT; id++) {
                bprintf(&b, "# HELP %s %s\n# TYPE %s counter\n",
                        counter_info[id].name, counter_info[id].help,
                        counter_info[id].name);
                for (size_t i = 0; i < TABLE_SLOTS; i++) {
                        struct series *s = &m->table[i];
                        if (!s->used || (int)s->id != id)
                                continue;
                        bprintf(&b, "%s{type=\"%s\"", counter_info[id].name,
                                esc(s->type, e1, sizeof(e1)));
                        if (s->handler)
                                bprintf(&b, ",handler=\"%s\"",
                                        esc(s->handler, e2, sizeof(e2)));
                        if (s->reason)
                                bprintf(&b, ",reason=\"%s\"",
                                        esc(s->reason, e3, sizeof(e3)));
                        bprintf(&b, "} %" PRIu64 "\n", s->value);
                }
        }
        bprintf(&b, "# HELP events_handler_duration_seconds Time a handler "
                    "call took, retries counted one by one.\n"
                    "# TYPE events_handler_duration_seconds histogram\n");
        for (size_t i = 0; i < m->n_hist; i++) {
                struct histogram *h = &m->hist[i];
                esc(h->handler, e1, sizeof(e1));
                for (size_t k = 0; k < N_BUCKETS; k++)
                        bprintf(&b,
                                "events_handler_duration_seconds_bucket{"
                                "handler=\"%s\",le=\"%g\"} %" PRIu64 "\n",
                                e1, bucket_s[k], h->buckets[k]);
                bprintf(&b,
                        "events_handler_duration_seconds_bucket{handler=\"%s\","
                        "le=\"+Inf\"} %" PRIu64 "\n"
                        "events_handler_duration_seconds_sum{handler=\"%s\"} "
                        "%.6f\n"
                        "events_handler_duration_seconds_count{handler=\"%s\"} "
                        "%" PRIu64 "\n",
                        e1, h->count, e1, h->sum, e1, h->count);
        }
        bprintf(&b, "# HELP events_event_age_seconds Age of an event when "
                    "its first handler call starts: now minus the "
                    "envelope's timestamp.\n"
                    "# TYPE events_event_age_seconds histogram\n");
        for (size_t k = 0; k < N_AGE_BUCKETS; k++)
                bprintf(&b,
                        "events_event_age_seconds_bucket{le=\"%g\"} %" PRIu64
                        "\n",
                        age_bucket_s[k], m->age_buckets[k]);
        bprintf(&b,
                "events_event_age_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
                "events_event_age_seconds_sum %.6f\n"
                "events_event_age_seconds_count %" PRIu64 "\n",
                m->age_count, m->age_sum, m->age_count);
        pthread_mutex_unlock(&m->lock);
        /* The gauges come from the consumer, outside our lock. */
        bprintf(&b, "# HELP events_consumer_lag Messages between the "
                    "committed position and the end of each assigned "
                    "partition, from librdkafka's statistics.\n"
                    "# TYPE events_consumer_lag gauge\n");
        if (m->src.lag_foreach)
                m->src.lag_foreach(m->src.opaque, render_lag, &b);
        bprintf(&b,
                "# HELP events_partitions_assigned Partitions assigned to "
                "this member of the group.\n"
                "# TYPE events_partitions_assigned gauge\n"
                "events_partitions_assigned %d\n"
                "# HELP events_broker_up 1 when a broker connection is up, "
                "0 when all are down, -1 before the first news.\n"
                "# TYPE events_broker_up gauge\n"
                "events_broker_up %d\n"
                "# HELP events_routes_reloads_total Reloads of the routes "
                "file (SIGHUP), by result.\n"
                "# TYPE events_routes_reloads_total counter\n"
                "events_routes_reloads_total{result=\"ok\"} %" PRIu64 "\n"
                "events_routes_reloads_total{result=\"failed\"} %" PRIu64 "\n",
                m->src.assigned ? m->src.assigned(m->src.opaque) : 0,
                m->src.broker_up ? m->src.broker_up(m->src.opaque) : -1,
                reloads_ok, reloads_failed);
        render_consumer_counters(m, &b);
        render_probes(m, &b);
        render_process(&b);
        if (b.oom) {
                free(b.p);
                return NULL;
        }
        *len = b.len;
        return b.p;
}

/* One check of a health answer, as JSON: "name":{"ok":..., detail}. */
__attribute__((format(printf, 5, 6))) static void
check(struct buf *b, int *first, const char *name, int ok, const char *fmt,
      ...) {
        char detail[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        bprintf(b, "%s\"%s\":{\"ok\":%s%s%s}", *first ? "" : ",", name,
                ok ? "true" : "false", *detail ? "," : "", detail);
        *first = 0;
}

char *metrics_health(metrics_t *m, metrics_probe_t which, int *ok,
                     size_t *len) {
        struct buf b = {0}, out = {0};
        uint64_t handled = 0, failed = 0;
        int64_t now = consumer_mono_ms(), t = now / 1000;
        int64_t beat = m->last_beat_ms, since = 0, limit = 0;
        int64_t loop_limit =
                m->src.loop_limit_ms > 0 ? m->src.loop_limit_ms : 60000;
        int first = 1, all = 1, up, joined, assigned;
        char ts[EVENTS_TIMESTAMP_BUFSIZE] = "";

        up = m->src.broker_up ? m->src.broker_up(m->src.opaque) : -1;
        joined = m->src.joined ? m->src.joined(m->src.opaque) : 0;
        assigned = m->src.assigned ? m->src.assigned(m->src.opaque) : 0;
        if (m->src.busy)
                since = m->src.busy(m->src.busy_opaque, &limit);
        if (which == METRICS_LIVE || which == METRICS_HEALTH) {
                /* A handler call in progress is the loop at work; its own
                 * limit applies to it. */
                int running = since > 0;
                int64_t ran = running ? now - since : 0;
                int handler_ok =
                        !running || ran <= limit + METRICS_STALL_GRACE_MS;
                int loop_ok = running ||
                              now - beat <= loop_limit + METRICS_STALL_GRACE_MS;

                check(&b, &first, "loop", loop_ok,
                      "\"last_turn_ms_ago\":%" PRId64, now - beat);
                check(&b, &first, "handler_stall", handler_ok,
                      "\"running\":%s,\"running_ms\":%" PRId64
                      ",\"limit_ms\":%" PRId64 ",\"grace_ms\":%d",
                      running ? "true" : "false", ran, running ? limit : 0,
                      METRICS_STALL_GRACE_MS);
                all = all && loop_ok && handler_ok;
        }
        if (which == METRICS_READY || which == METRICS_HEALTH) {
                /* A member without partitions is in the group, and ready:
                 * more members than partitions is a normal way to run. */
                check(&b, &first, "broker", up == 1, "\"state\":\"%s\"",
                      up == 1   ? "up"
                      : up == 0 ? "down"
                                : "unknown");
                check(&b, &first, "group", joined == 1,
                      "\"joined\":%s,\"partitions_assigned\":%d",
                      joined == 1 ? "true" : "false", assigned);
                all = all && up == 1 && joined == 1;
        }
        if (which == METRICS_HEALTH) {
                int handlers_ok;

                pthread_mutex_lock(&m->lock);
                for (size_t i = 0; i < WINDOW_S; i++)
                        if (t - m->slot_sec[i] < WINDOW_S) {
                                handled += m->slot_ok[i];
                                failed += m->slot_fail[i];
                        }
                pthread_mutex_unlock(&m->lock);
                /* One poison event is not ill health; handlers that fail
                 * more often than they succeed are. */
                handlers_ok = !(failed > 0 && failed > handled);
                check(&b, &first, "handlers", handlers_ok,
                      "\"window_seconds\":%d,\"handled\":%" PRIu64
                      ",\"failed\":%" PRIu64,
                      WINDOW_S, handled, failed);
                all = all && handlers_ok;
        }
        if (events_timestamp_format(events_now_us(), ts, sizeof(ts)) == 0)
                ts[0] = '\0';
        bprintf(&out,
                "{\"status\":\"%s\",\"checks\":{%.*s},\"timestamp\":\"%s\"}"
                "\n",
                all ? "healthy" : "unhealthy", (int)b.len, b.p ? b.p : "", ts);
        *ok = all;
        free(b.p);
        if (b.oom || out.oom) {
                free(out.p);
                return NULL;
        }
        *len = out.len;
        return out.p;
}

void metrics_route(void *opaque, const char *path, int *status,
                   const char **ctype, char **body, size_t *len) {
        metrics_t *m = opaque;
        int ok = 0;

        if (!strcmp(path, "/metrics")) {
                *body = metrics_render(m, len);
                *status = *body ? 200 : 500;
                *ctype = "text/plain; version=0.0.4; charset=utf-8";
                return;
        }
        if (!strcmp(path, "/livez"))
                *body = metrics_health(m, METRICS_LIVE, &ok, len);
        else if (!strcmp(path, "/readyz"))
                *body = metrics_health(m, METRICS_READY, &ok, len);
        else if (!strcmp(path, "/health"))
                *body = metrics_health(m, METRICS_HEALTH, &ok, len);
        else {
                *status = 404;
                return;
        }
        *status = !*body ? 500 : ok ? 200 : 503;
        *ctype = "application/json";
}
