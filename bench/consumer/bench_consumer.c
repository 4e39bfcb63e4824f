/*
 * events-bench-consumer - the consumer benchmark's helper: libevents'
 * consumer routing events from a real broker to a no-op C handler, storing
 * every offset, as events-consumer does.
 *
 *   events-bench-consumer throughput BROKERS TOPIC COUNT
 *       Join a new group at the beginning of TOPIC, route COUNT events,
 *       print "events SECONDS RATE JOIN_SECONDS PEAK_RSS_KB": the time runs
 *       from the first event to the last (the group join, printed apart,
 *       is not in it).
 *
 *   events-bench-consumer latency BROKERS TOPIC RATE SECONDS
 *       Join a new group on TOPIC, then produce RATE events a second for
 *       SECONDS, after one second of warm-up, from a second thread, each
 *       event carrying its send time; the handler records now minus send
 *       time. Prints "latency COUNT P50_MS P99_MS MAX_MS" over every event
 *       after the warm-up.
 *
 * Uses only the public API. Exit status 0, or 1 with a message on stderr.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <events/events.h>

static void die(const char *what, const events_error_t *err) {
        fprintf(stderr, "events-bench-consumer: %s%s%s\n", what,
                err ? ": " : "", err ? err->text : "");
        exit(1);
}

static int64_t mono_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_log(events_log_level_t level, const char *msg, void *opaque) {
        /* BENCH_LOG_ALL=1 (with BENCH_X="debug=fetch" say) prints every
         * line, with a monotonic time stamp, for studying the fetcher */
        if (getenv("BENCH_LOG_ALL"))
                fprintf(stderr, "%.6f level=%d %s\n", (double)mono_us() / 1e6,
                        level, msg);
        else if (level <= EVENTS_LOG_WARNING)
                fprintf(stderr, "level=%d %s\n", level, msg);
}

typedef struct state_s {
        long handled;
        long dead;
        long count; /* throughput mode: the last event's time is taken */
        int64_t first_us;
        int64_t last_us;
        int64_t *lat_us; /* latency mode */
        long nlat, caplat;
} state_t;

static int noop(const events_event_t *ev, events_handler_ctx_t *ctx,
                void *opaque) {
        return 0;
}

static int record_latency(const events_event_t *ev, events_handler_ctx_t *ctx,
                          void *opaque) {
        state_t *s = opaque;
        json_t *sent = json_object_get(events_event_data(ev), "sent_us");

        if (json_is_integer(sent) && s->nlat < s->caplat)
                s->lat_us[s->nlat++] =
                        events_now_us() - json_integer_value(sent);
        return 0;
}

static void on_delivery(const events_delivery_t *d, void *opaque) {
        state_t *s = opaque;

        /* the clock only for the first and the last event: reading it for
         * every event was 1% of the polling thread */
        if (!s->first_us)
                s->first_us = mono_us();
        if (s->handled + s->dead + 1 >= s->count)
                s->last_us = mono_us();
        if (d->outcome == EVENTS_DISPOSITION_HANDLED)
                s->handled++;
        else
                s->dead++;
}

static events_consumer_t *make_consumer(const char *brokers, const char *topic,
                                        events_router_t *r, state_t *s) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        events_consumer_t *c;
        events_error_t err;
        char group[128], kv[512];
        const char *topics[] = {topic};

        snprintf(kv, sizeof(kv), "bootstrap.servers=%s", brokers);
        if (events_kafka_conf_set(conf, kv, &err))
                die("conf", &err);
        /* extra properties for experiments: BENCH_X="k=v k=v" */
        if (getenv("BENCH_X")) {
                char *copy = strdup(getenv("BENCH_X")), *save = NULL;
                for (char *t = strtok_r(copy, " ", &save); t;
                     t = strtok_r(NULL, " ", &save))
                        if (events_kafka_conf_set(conf, t, &err))
                                die("BENCH_X", &err);
                free(copy);
        }
        snprintf(group, sizeof(group), "bench-%s-%ld", topic,
                 (long)events_now_us());
        if (events_consumer_new(&c, conf, group, topics, 1, r, &err))
                die("consumer", &err);
        events_consumer_set_log_cb(c, on_log, NULL);
        events_consumer_set_delivery_cb(c, on_delivery, s);
        if (events_consumer_set_start(c, EVENTS_START_BEGINNING, 0))
                die("start position", NULL);
        return c;
}

static long peak_rss_kb(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_maxrss;
}

static int throughput(const char *brokers, const char *topic, long count) {
        events_router_t *r;
        events_consumer_t *c;
        events_error_t err;
        state_t s = {0};
        int64_t t0 = mono_us(), deadline = t0 + 600 * 1000000LL;

        s.count = count;

        if (events_router_new(&r) ||
            events_router_add(r, "*", "noop", noop, NULL) ||
            events_router_set_policy(r, "*", 0, 1, 1, 0))
                die("router", NULL);
        c = make_consumer(brokers, topic, r, &s);
        while (s.handled + s.dead < count && mono_us() < deadline)
                if (events_consumer_poll(c, 100, &err))
                        die("poll", &err);
        if (s.handled + s.dead < count)
                die("timed out before COUNT events", NULL);
        if (events_consumer_close(c, 10000, &err))
                die("close", &err);
        events_consumer_destroy(c);
        events_router_destroy(r);
        {
                double secs = (double)(s.last_us - s.first_us) / 1e6;
                printf("events %ld %.3f %.0f %.3f %ld\n", s.handled, secs,
                       secs > 0 ? (double)s.handled / secs : 0.0,
                       (double)(s.first_us - t0) / 1e6, peak_rss_kb());
        }
        if (s.dead)
                fprintf(stderr, "events-bench-consumer: %ld dead-lettered\n",
                        s.dead);
        return s.dead ? 1 : 0;
}

typedef struct producer_arg_s {
        const char *brokers;
        const char *topic;
        long rate;
        long seconds;
        long sent;
} producer_arg_t;

static void *produce_steadily(void *opaque) {
        producer_arg_t *a = opaque;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *p;
        char errstr[256], buf[256];
        long warm = a->rate, total = warm + a->rate * a->seconds;
        int64_t start;

        rd_kafka_conf_set(conf, "bootstrap.servers", a->brokers, errstr,
                          sizeof(errstr));
        rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof(errstr));
        if (!(p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
                               sizeof(errstr)))) {
                fprintf(stderr, "producer: %s\n", errstr);
                exit(1);
        }
        /* connected and the topic's leaders known before the clock starts */
        {
                rd_kafka_topic_t *rkt = rd_kafka_topic_new(p, a->topic, NULL);
                const struct rd_kafka_metadata *md;
                if (rd_kafka_metadata(p, 0, rkt, &md, 10000) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR)
                        rd_kafka_metadata_destroy(md);
                rd_kafka_topic_destroy(rkt);
        }
        start = mono_us();
        for (long i = 0; i < total; i++) {
                /* the i-th event is due at start + i / rate */
                int64_t due = start + i * 1000000 / a->rate, now;
                while ((now = mono_us()) < due) {
                        int64_t w = due - now;
                        struct timespec ts = {0, (long)(w > 1000 ? 1000 : w) *
                                                         1000};
                        rd_kafka_poll(p, 0);
                        nanosleep(&ts, NULL);
                }
                int n = snprintf(buf, sizeof(buf),
                                 "{\"event_type\":\"bench.latency\",\"data\":"
                                 "{\"user_id\":%ld,\"%s\":%lld}}",
                                 i, i < warm ? "warm_us" : "sent_us",
                                 (long long)events_now_us());
                while (rd_kafka_producev(
                               p, RD_KAFKA_V_TOPIC(a->topic),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                               RD_KAFKA_V_VALUE(buf, (size_t)n),
                               RD_KAFKA_V_HEADER("event_type", "bench.latency",
                                                 -1),
                               RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(p, 1);
                a->sent++;
        }
        rd_kafka_flush(p, 30000);
        rd_kafka_destroy(p);
        return NULL;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return x < y ? -1 : x > y;
}

static int latency(const char *brokers, const char *topic, long rate,
                   long seconds) {
        events_router_t *r;
        events_consumer_t *c;
        events_error_t err;
        state_t s = {0};
        producer_arg_t a = {brokers, topic, rate, seconds, 0};
        pthread_t th;
        /* one second of warm-up first (connections, fetch sessions):
         * those events are routed but not measured */
        long total = rate + rate * seconds;
        int64_t deadline;

        s.caplat = rate * seconds;
        if (!(s.lat_us = calloc((size_t)total, sizeof(*s.lat_us))))
                die("out of memory", NULL);
        if (events_router_new(&r) ||
            events_router_add(r, "*", "latency", record_latency, &s) ||
            events_router_set_policy(r, "*", 0, 1, 1, 0))
                die("router", NULL);
        c = make_consumer(brokers, topic, r, &s);
        /* join first: the join is not part of an event's latency */
        deadline = mono_us() + 60 * 1000000LL;
        while (events_consumer_assigned_count(c) == 0 && mono_us() < deadline)
                if (events_consumer_poll(c, 100, &err))
                        die("poll", &err);
        if (events_consumer_assigned_count(c) == 0)
                die("no partition assigned in 60 s", NULL);
        /* a few more polls so that fetching has started */
        for (int i = 0; i < 10; i++)
                if (events_consumer_poll(c, 50, &err))
                        die("poll", &err);
        pthread_create(&th, NULL, produce_steadily, &a);
        deadline = mono_us() + (seconds + 60) * 1000000LL;
        while (s.handled + s.dead < total && mono_us() < deadline)
                if (events_consumer_poll(c, 100, &err))
                        die("poll", &err);
        pthread_join(th, NULL);
        if (events_consumer_close(c, 10000, &err))
                die("close", &err);
        events_consumer_destroy(c);
        events_router_destroy(r);
        if (s.nlat == 0)
                die("no event measured", NULL);
        if (getenv("BENCH_LATENCY_DUMP")) {
                FILE *fp = fopen(getenv("BENCH_LATENCY_DUMP"), "w");
                for (long i = 0; fp && i < s.nlat; i++)
                        fprintf(fp, "%lld\n", (long long)s.lat_us[i]);
                if (fp)
                        fclose(fp);
        }
        qsort(s.lat_us, (size_t)s.nlat, sizeof(*s.lat_us), cmp_i64);
        printf("latency %ld %.3f %.3f %.3f\n", s.nlat,
               (double)s.lat_us[s.nlat / 2] / 1000.0,
               (double)s.lat_us[(long)((double)s.nlat * 0.99)] / 1000.0,
               (double)s.lat_us[s.nlat - 1] / 1000.0);
        free(s.lat_us);
        return s.nlat == s.caplat ? 0 : 1;
}

int main(int argc, char **argv) {
        if (argc == 5 && !strcmp(argv[1], "throughput"))
                return throughput(argv[2], argv[3], atol(argv[4]));
        if (argc == 6 && !strcmp(argv[1], "latency"))
                return latency(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
        fprintf(stderr,
                "Usage: events-bench-consumer throughput BROKERS TOPIC COUNT\n"
                "       events-bench-consumer latency BROKERS TOPIC RATE "
                "SECONDS\n");
        return 2;
}
