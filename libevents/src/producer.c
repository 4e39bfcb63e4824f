/*
 * producer.c - the producer: one NDJSON line in, one Kafka message out, and
 * one receipt per line whatever happens to it.
 *
 * events_producer_submit() is the hot path: parse (strict), wrap or check
 * the envelope, stamp, validate, key, then put the message together and hand
 * it to librdkafka with RD_KAFKA_MSG_F_COPY. The message is built from the
 * input bytes, not from the parsed tree: a valid envelope whose timestamp is
 * already normalized is sent exactly as read; otherwise the timestamp's
 * bytes are replaced, or the member appended before the final '}'. Wrapped
 * lines are concatenated into an envelope. Re-serializing is the fallback
 * only for keys written with escapes.
 *
 * Accounting: every line is counted once in "read" and once in exactly one
 * of skipped, rejected, in_flight (then delivered or failed). The line
 * number travels as the message's opaque into the delivery report, so a
 * receipt needs no allocation. librdkafka's queue filling up is waited out
 * (serving reports meanwhile), never treated as a loss; at close, what did
 * not flush in time is purged so that each of those lines, too, gets its
 * failed receipt before the handle goes away.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_int.h"
#include "event_int.h"
#include "lite_int.h"
#include "tbucket_int.h"

struct events_receipt_s {
        uint64_t line;
        events_outcome_t outcome;
        int32_t partition;
        int64_t offset;
        rd_kafka_resp_err_t kerr;
        int retriable;
        const char *input;
        size_t input_len;
        const char *msg;
        size_t msg_len;
        const events_error_t *err;
};

/* What shaping gives: the message to send, or why there is none. */
typedef struct shaped_s {
        events_outcome_t oc; /* QUEUED (send it), SKIPPED or REJECTED */
        events_error_t err;  /* REJECTED: why */
        const char *msg;     /* into the input or the shaper's buffer */
        size_t mlen;
        char key[EVENTS_KEY_MAX + 1];
        size_t klen;
        int has_key;
        char type[EVENTS_EVENT_TYPE_MAX + 1];
        size_t tlen; /* strlen(type) */
        int64_t ts_ms;
        /* The partition runs_order() found for it, + 1 (0: none), among
         * part_cnt partitions; good for one send only. */
        int32_t part1, part_cnt;
} shaped_t;

/* Where shaping writes: a message buffer, and a validation report. */
typedef struct shaper_s {
        char *buf;
        size_t cap;
        events_report_t *report;
        events__lite_t *lite; /* the shaping thread's tree (lite.c) */
} shaper_t;

struct slot_s;
struct worker_s;

/* A librdkafka partitioner (rdkafka.h's rd_kafka_msg_partitioner_*()). */
typedef int32_t (*partitioner_fn)(const rd_kafka_topic_t *rkt, const void *key,
                                  size_t keylen, int32_t partition_cnt,
                                  void *rkt_opaque, void *msg_opaque);

/*
 * Partition runs. librdkafka spends much more per message when consecutive
 * messages go to different partitions than when they come in runs for one
 * partition (bench/producer: keyed messages spread over 3 partitions cost
 * kcat about 40% more CPU than the same messages sent in runs). So the
 * driving thread sends the lines it has shaped grouped by the partition
 * their key will go to, each group in input order.
 *
 * Reordering by any function of the key keeps each key's events in order.
 * When the function is the partitioner librdkafka uses, each partition also
 * receives its messages in exactly the input order, as if nothing had been
 * reordered. The function is the configured "partitioner", and the number
 * of partitions is learnt from the delivery reports: runs are used only
 * while recent reports confirm the prediction, so that a partitioner we
 * cannot predict (random, an application's callback) or a topic that grew
 * turns them off. The driving thread's, like the reports.
 */
struct runs_s {
        partitioner_fn fn;    /* NULL: the partitioner is not predictable */
        partitioner_fn exact; /* the configured one itself, keyless too */
        int32_t parts;        /* the highest partition reported, + 1 */
        unsigned hits;        /* predictions confirmed in a row */
        unsigned reports;     /* keyed reports seen */
        int on;
};

/* The fields of a message in rd_kafka_produceva()'s array (p->vu). */
enum {
        VU_RKT,
        VU_MSGFLAGS,
        VU_VALUE,
        VU_KEY,
        VU_TIMESTAMP,
        VU_HEADER,
        VU_OPAQUE,
        VU__COUNT
};

struct events_producer_s {
        rd_kafka_t *rk; /* NULL in a dry run */
        rd_kafka_topic_t *rkt;
        rd_kafka_vu_t vu[VU__COUNT]; /* the next message (send_shaped()) */
        char *topic;
        /* settings: fixed before the first line, read by every thread */
        const events_registry_t *reg;
        char *wrap_type;
        char *wrap_prefix; /* {"event_type":"TYPE","data": */
        size_t wrap_prefix_len;
        char *key_path; /* NULL: no key */
        int restamp;
        size_t max_msg;
        unsigned settings_gen; /* changes with each setting above */
        /* the driving thread's */
        int rate_on;
        events__tbucket_t tb;
        events_receipt_cb receipt_cb;
        void *receipt_opaque;
        unsigned receipt_mask; /* the outcomes receipt_cb gets */
        int64_t stamp_us;      /* events_producer_set_stamp_time(); 0: clock */
        events_producer_error_cb error_cb;
        void *error_opaque;
        volatile sig_atomic_t interrupted;
        int fatal;
        char fatal_reason[256];
        events_producer_counts_t c;
        shaper_t shaper;     /* for lines shaped on the driving thread */
        events__lite_t lite; /* the driving thread's lite tree */
        shaped_t one;        /* the line being submitted, without workers */
        events_error_t ok;   /* an all-clear error record for receipts */
        /* the pipeline, with workers (see drain()) */
        struct slot_s *ring;
        struct worker_s *workers;
        int nworkers;
        pthread_mutex_t lock;
        pthread_cond_t work_cv;     /* a line to shape, or quit */
        pthread_cond_t done_cv;     /* a line shaped */
        uint64_t head, claim, tail; /* claim and tail under the lock */
        uint64_t fill;       /* lines put in the ring; up to tail published to
                                the workers (the driving thread's) */
        uint64_t done;       /* head..done are shaped (the driving thread's) */
        size_t ring_bytes;   /* input bytes in the ring */
        unsigned since_poll; /* messages since the last poll */
        struct runs_s runs;  /* sending in partition runs (see drain()) */
        int windows;         /* events_producer_set_partition_runs() */
        int sleeping;        /* workers waiting for lines, under the lock */
        int driver_waiting;  /* the driving thread waits in drain() */
        int quit;
};

static const char *const outcome_names[EVENTS_OUTCOME__COUNT] = {
        [EVENTS_OUTCOME_QUEUED] = "queued",
        [EVENTS_OUTCOME_SKIPPED] = "skipped",
        [EVENTS_OUTCOME_REJECTED] = "rejected",
        [EVENTS_OUTCOME_DELIVERED] = "delivered",
        [EVENTS_OUTCOME_FAILED] = "failed",
};

const char *events_outcome_name(events_outcome_t outcome) {
        if ((unsigned)outcome >= EVENTS_OUTCOME__COUNT)
                return "unknown";
        return outcome_names[outcome];
}

/* Errors after which sending the same message again later may succeed. */
static int kafka_err_retriable(rd_kafka_resp_err_t e) {
        switch (e) {
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
        case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
                return 1;
        default:
                return 0;
        }
}

static void receipt_init(events_producer_t *p, events_receipt_t *r,
                         uint64_t line, events_outcome_t outcome) {
        r->line = line;
        r->outcome = outcome;
        r->partition = -1;
        r->offset = -1;
        r->kerr = RD_KAFKA_RESP_ERR_NO_ERROR;
        r->retriable = 0;
        r->input = NULL;
        r->input_len = 0;
        r->msg = NULL;
        r->msg_len = 0;
        r->err = &p->ok;
}

static void emit(events_producer_t *p, const events_receipt_t *r) {
        if (p->receipt_cb && (p->receipt_mask & EVENTS_OUTCOME_BIT(r->outcome)))
                p->receipt_cb(r, p->receipt_opaque);
}

/* Keyed reports confirmed in a row before runs are used. */
#define RUNS_TRUST 64
/* While runs are used, one keyed report in this many is checked. */
#define RUNS_SAMPLE 16
/* Topics with more partitions are sent in input order. */
#define RUNS_MAX_PARTS 256

/* Check the prediction of runs against a delivered message @p m. */
static void runs_learn(struct runs_s *u, const rd_kafka_topic_t *rkt,
                       const rd_kafka_message_t *m) {
        if (m->partition >= u->parts) {
                /* A partition not seen before: the count so far was low. */
                u->parts = m->partition + 1;
                u->hits = 0;
                u->on = 0;
                return;
        }
        if (u->on && ++u->reports % RUNS_SAMPLE)
                return;
        if (u->fn(rkt, m->key, m->key_len, u->parts, NULL, NULL) !=
            m->partition) {
                u->hits = 0;
                u->on = 0;
        } else if (++u->hits >= RUNS_TRUST && u->parts <= RUNS_MAX_PARTS) {
                u->on = 1;
        }
}

/* For librdkafka's partitioner @p name: the prediction function for keyed
 * messages (NULL when it is random or unknown), and in @p exact the
 * partitioner itself when hinted_partitioner() may stand in for it: only
 * the _random ones. librdkafka sends keyless messages to sticky
 * partitions unless the partitioner is consistent, murmur2 or fnv1a, so a
 * callback in their place would move keyless messages. */
static partitioner_fn runs_partitioner(const char *name,
                                       partitioner_fn *exact) {
        static const struct {
                const char *name;
                partitioner_fn fn, exact;
        } known[] = {
                {"consistent_random", rd_kafka_msg_partitioner_consistent,
                 rd_kafka_msg_partitioner_consistent_random},
                {"consistent", rd_kafka_msg_partitioner_consistent, NULL},
                {"murmur2_random", rd_kafka_msg_partitioner_murmur2,
                 rd_kafka_msg_partitioner_murmur2_random},
                {"murmur2", rd_kafka_msg_partitioner_murmur2, NULL},
                {"fnv1a_random", rd_kafka_msg_partitioner_fnv1a,
                 rd_kafka_msg_partitioner_fnv1a_random},
                {"fnv1a", rd_kafka_msg_partitioner_fnv1a, NULL},
        };

        *exact = NULL;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                if (!strcmp(name, known[i].name)) {
                        *exact = known[i].exact;
                        return known[i].fn;
                }
        return NULL;
}

/*
 * The partition a message's key was found to go to before it was sent
 * (runs_order()), for the partitioner callback below: set by the sending
 * thread around rd_kafka_produceva() only, so that librdkafka's own
 * threads, which partition again the messages sent before the topic was
 * known, never see it.
 */
struct part_hint {
        int32_t part, cnt;
};

static __thread const struct part_hint *sending_hint
        __attribute__((tls_model("initial-exec")));

/*
 * The configured partitioner, installed as the topic's callback when it is
 * one of librdkafka's own (and the application set none), so that a key
 * runs_order() has hashed is not hashed again: the hint is the same
 * function's answer for the same key and partition count. librdkafka
 * still partitions keyless messages itself (sticky partitions); an empty
 * key, which librdkafka's consistent_random would also give a sticky
 * partition, gets a random one here, as that partitioner documents.
 */
static int32_t hinted_partitioner(const rd_kafka_topic_t *rkt, const void *key,
                                  size_t keylen, int32_t partition_cnt,
                                  void *rkt_opaque, void *msg_opaque) {
        const events_producer_t *p = rkt_opaque;
        const struct part_hint *h = sending_hint;

        if (h && h->cnt == partition_cnt)
                return h->part;
        return p->runs.exact(rkt, key, keylen, partition_cnt, NULL, msg_opaque);
}

/* The delivery report of one message: its line's final outcome. */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        events_producer_t *p = opaque;
        events_receipt_t r;
        events_error_t e;

        (void)rk;
        p->c.in_flight--;
        if (!m->err) {
                p->c.delivered++;
                p->c.bytes += m->len;
                if (p->runs.fn && m->key)
                        runs_learn(&p->runs, p->rkt, m);
                /* Most lines: no receipt to build when none is wanted. */
                if (!p->receipt_cb ||
                    !(p->receipt_mask &
                      EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_DELIVERED)))
                        return;
        }
        receipt_init(p, &r, (uint64_t)(uintptr_t)m->_private,
                     m->err ? EVENTS_OUTCOME_FAILED : EVENTS_OUTCOME_DELIVERED);
        r.msg = m->payload;
        r.msg_len = m->len;
        if (m->err) {
                p->c.failed++;
                r.kerr = m->err;
                r.retriable = kafka_err_retriable(m->err);
                if (!r.retriable)
                        p->c.failed_permanent++;
                events__error_set(&e, EVENTS_ERR_KAFKA, "%s",
                                  rd_kafka_err2str(m->err));
                r.err = &e;
        } else {
                r.partition = m->partition;
                r.offset = m->offset;
        }
        emit(p, &r);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason,
                     void *opaque) {
        events_producer_t *p = opaque;
        char buf[256];
        int fatal = 0;

        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                fatal = 1;
                rd_kafka_fatal_error(rk, buf, sizeof(buf));
                snprintf(p->fatal_reason, sizeof(p->fatal_reason), "%s", buf);
                p->fatal = 1;
                reason = p->fatal_reason;
        }
        if (p->error_cb)
                p->error_cb(EVENTS_ERR_KAFKA, reason, fatal, p->error_opaque);
}

/* What every message shares in p->vu; send_shaped() fills in the rest. */
static void vu_init(events_producer_t *p) {
        static const rd_kafka_vtype_t types[VU__COUNT] = {
                [VU_RKT] = RD_KAFKA_VTYPE_RKT,
                [VU_MSGFLAGS] = RD_KAFKA_VTYPE_MSGFLAGS,
                [VU_VALUE] = RD_KAFKA_VTYPE_VALUE,
                [VU_KEY] = RD_KAFKA_VTYPE_KEY,
                [VU_TIMESTAMP] = RD_KAFKA_VTYPE_TIMESTAMP,
                [VU_HEADER] = RD_KAFKA_VTYPE_HEADER,
                [VU_OPAQUE] = RD_KAFKA_VTYPE_OPAQUE,
        };

        for (int i = 0; i < VU__COUNT; i++)
                p->vu[i].vtype = types[i];
        p->vu[VU_RKT].u.rkt = p->rkt;
        p->vu[VU_MSGFLAGS].u.i = RD_KAFKA_MSG_F_COPY;
        p->vu[VU_HEADER].u.header.name = EVENTS_HEADER_EVENT_TYPE;
}

rd_kafka_conf_t *events_producer_conf_new(void) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[256];

        if (!conf)
                return NULL;
        if (rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof(errstr)) !=
                    RD_KAFKA_CONF_OK ||
            /* JSON compresses well, and a compressed batch costs the
             * broker less work (bench/producer: a third of its CPU time)
             * than the client spends compressing it. */
            rd_kafka_conf_set(conf, "compression.codec", "lz4", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            /* Compressed batches fill up by time, not by size: waiting
             * 10 ms instead of librdkafka's 5 makes them about 1.6 times
             * larger, and the broker's work is mostly per batch
             * (bench/producer: its CPU time per event fell by a third, and the
             * producer's by a tenth, in interleaved rounds). */
            rd_kafka_conf_set(conf, "linger.ms", "10", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

events_err_t events_producer_new(events_producer_t **pp, rd_kafka_conf_t *conf,
                                 const char *topic, events_error_t *err) {
        events_producer_t *p;
        rd_kafka_topic_conf_t *tconf;
        rd_kafka_conf_t *dup;
        char errstr[512], val[64];
        size_t vlen = sizeof(val);

        if (!pp || (conf && (!topic || !*topic)))
                return events__error_set(err, EVENTS_ERR_INVALID_ARG,
                                         "a producer needs a topic");
        *pp = NULL;
        if (!(p = calloc(1, sizeof(*p))))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        events_error_clear(&p->ok);
        p->max_msg = 1000000; /* librdkafka's default message.max.bytes */
        p->receipt_mask = ~0u;
        p->shaper.lite = &p->lite;
        if ((topic && !(p->topic = strdup(topic))) ||
            !(p->key_path = strdup(EVENTS_DEFAULT_KEY_PATH)) ||
            !(p->shaper.report = events_report_new(4))) {
                events_producer_destroy(p);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        if (conf) {
                if (rd_kafka_conf_get(conf, "message.max.bytes", val, &vlen) ==
                    RD_KAFKA_CONF_OK)
                        p->max_msg = (size_t)strtoull(val, NULL, 10);
                /* A topic property: answered from the default topic
                 * configuration, when one was made. */
                vlen = sizeof(val);
                p->runs.fn = runs_partitioner(
                        rd_kafka_conf_get(conf, "partitioner", val, &vlen) ==
                                        RD_KAFKA_CONF_OK
                                ? val
                                : "consistent_random",
                        &p->runs.exact);
                /* An application's own partitioner stays in place. */
                vlen = sizeof(val);
                if (rd_kafka_conf_get(conf, "partitioner_cb", val, &vlen) ==
                            RD_KAFKA_CONF_OK &&
                    vlen > 1)
                        p->runs.exact = NULL;
                /* Work on a copy, as events_consumer_new() does: the
                 * caller's conf stays untouched until everything below has
                 * worked, and is the caller's still on any failure, also
                 * once librdkafka has taken the copy and then refused the
                 * topic. */
                if (!(dup = rd_kafka_conf_dup(conf))) {
                        events_producer_destroy(p);
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                }
                rd_kafka_conf_set_dr_msg_cb(dup, dr_cb);
                rd_kafka_conf_set_error_cb(dup, error_cb);
                rd_kafka_conf_set_opaque(dup, p);
                p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, dup, errstr,
                                     sizeof(errstr));
                if (!p->rk) {
                        /* rd_kafka_new() takes its conf on success only. */
                        rd_kafka_conf_destroy(dup);
                        events_producer_destroy(p);
                        return events__error_set(err, EVENTS_ERR_CONF, "%s",
                                                 errstr);
                }
                /* dup is the handle's now. */
                /* Without memory for it, the topic keeps librdkafka's
                 * partitioner: nothing but the hint is lost. */
                tconf = p->runs.exact ? rd_kafka_default_topic_conf_dup(p->rk)
                                      : NULL;
                if (tconf) {
                        rd_kafka_topic_conf_set_partitioner_cb(
                                tconf, hinted_partitioner);
                        rd_kafka_topic_conf_set_opaque(tconf, p);
                }
                /* tconf is librdkafka's now, even when this fails. */
                p->rkt = rd_kafka_topic_new(p->rk, topic, tconf);
                if (!p->rkt) {
                        /* A refused name is most likely a long one: a part
                         * of it, so that the reason fits in err. */
                        events__error_set(
                                err, EVENTS_ERR_KAFKA,
                                "topic \"%.64s%s\" refused (%zu bytes): %s",
                                topic, strlen(topic) > 64 ? "..." : "",
                                strlen(topic),
                                rd_kafka_err2str(rd_kafka_last_error()));
                        events_producer_destroy(p);
                        return EVENTS_ERR_KAFKA;
                }
                vu_init(p);
                /* Success: conf is ours to free, as rd_kafka_new() would
                 * have taken it. */
                rd_kafka_conf_destroy(conf);
        }
        *pp = p;
        return EVENTS_OK;
}

void events_producer_set_registry(events_producer_t *p,
                                  const events_registry_t *reg) {
        if (p)
                p->reg = reg;
        p->settings_gen++;
}

events_err_t events_producer_set_wrap_type(events_producer_t *p,
                                           const char *event_type) {
        char *type = NULL, *prefix = NULL;
        int n;

        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        if (event_type) {
                if (!events_type_valid(event_type))
                        return EVENTS_ERR_INVALID_ARG;
                /* A valid type has no character that JSON would escape. */
                n = snprintf(NULL, 0,
                             "{\"event_type\":\"%s\",\"data\":", event_type);
                if (!(type = strdup(event_type)) ||
                    !(prefix = malloc((size_t)n + 1))) {
                        free(type);
                        return EVENTS_ERR_NOMEM;
                }
                snprintf(prefix, (size_t)n + 1,
                         "{\"event_type\":\"%s\",\"data\":", event_type);
                p->wrap_prefix_len = (size_t)n;
        }
        free(p->wrap_type);
        free(p->wrap_prefix);
        p->wrap_type = type;
        p->settings_gen++;
        p->wrap_prefix = prefix;
        return EVENTS_OK;
}

events_err_t events_producer_set_key_path(events_producer_t *p,
                                          const char *path) {
        char *copy = NULL;

        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        if (path && *path && !(copy = strdup(path)))
                return EVENTS_ERR_NOMEM;
        free(p->key_path);
        p->key_path = copy;
        p->settings_gen++;
        return EVENTS_OK;
}

void events_producer_set_restamp(events_producer_t *p, int restamp) {
        if (p)
                p->restamp = !!restamp;
        p->settings_gen++;
}

events_err_t events_producer_set_rate(events_producer_t *p, double per_second) {
        if (!p || !(per_second >= 0))
                return EVENTS_ERR_INVALID_ARG;
        p->rate_on = per_second > 0;
        events__tbucket_init(&p->tb, per_second, per_second / 10,
                             events__mono_us());
        return EVENTS_OK;
}

void events_producer_set_receipt_cb(events_producer_t *p, events_receipt_cb cb,
                                    void *opaque) {
        if (p) {
                p->receipt_cb = cb;
                p->receipt_opaque = opaque;
        }
}

void events_producer_set_receipt_outcomes(events_producer_t *p, unsigned mask) {
        if (p)
                p->receipt_mask = mask;
}

void events_producer_set_stamp_time(events_producer_t *p, int64_t us) {
        if (p)
                p->stamp_us = us > 0 ? us : 0;
}

void events_producer_set_error_cb(events_producer_t *p,
                                  events_producer_error_cb cb, void *opaque) {
        if (p) {
                p->error_cb = cb;
                p->error_opaque = opaque;
        }
}

size_t events_producer_max_message_bytes(const events_producer_t *p) {
        return p ? p->max_msg : 0;
}

void events_producer_interrupt(events_producer_t *p) {
        if (p)
                p->interrupted = 1;
}

void events_producer_counts(const events_producer_t *p,
                            events_producer_counts_t *out) {
        if (!out)
                return;
        if (!p) {
                memset(out, 0, sizeof(*out));
                return;
        }
        *out = p->c;
}

/* ---- Shaping a line: parse, wrap, stamp, validate, key, message ---- */

static int is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int reserve(shaper_t *sh, size_t need) {
        char *nb;
        size_t cap = sh->cap ? sh->cap : 512;

        if (need <= sh->cap)
                return 0;
        while (cap < need)
                cap *= 2;
        if (!(nb = realloc(sh->buf, cap)))
                return -1;
        sh->buf = nb;
        sh->cap = cap;
        return 0;
}

/* Append to the message buffer, which has room (see reserve()). */
#define PUT(sh, at, src, n)                                                    \
        do {                                                                   \
                memcpy((sh)->buf + (at), (src), (n));                          \
                (at) += (n);                                                   \
        } while (0)

/*
 * The message for a line: the input bytes with the timestamp spliced in.
 * Sets *msgp and *lenp to the message, which may be the input itself.
 */
static events_err_t build_message(const events_producer_t *p, shaper_t *sh,
                                  const events_event_t *ev, const char *in,
                                  size_t n, int stamped, const char **msgp,
                                  size_t *lenp, events_error_t *err) {
        const char *ts = events_event_timestamp(ev);
        size_t tslen = ts ? strlen(ts) : 0, at = 0;
        const events__event_input_t *inp = events__event_input(ev);
        char *ser;

        if (p->wrap_prefix) {
                /* {"event_type":"T","data":LINE,"timestamp":"TS"} */
                if (reserve(sh, p->wrap_prefix_len + n + tslen + 16))
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                PUT(sh, at, p->wrap_prefix, p->wrap_prefix_len);
                PUT(sh, at, in, n);
                PUT(sh, at, ",\"timestamp\":\"", 14);
                PUT(sh, at, ts, tslen);
                PUT(sh, at, "\"}", 2);
                *msgp = sh->buf;
                *lenp = at;
                return EVENTS_OK;
        }
        if (inp->known) {
                if (inp->ts_present && inp->ts_normalized && !stamped) {
                        *msgp = in; /* already what we would send */
                        *lenp = n;
                        return EVENTS_OK;
                }
                if (reserve(sh, n + EVENTS__SPLICE_EXTRA))
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                if (events__event_splice(ev, in, n, sh->buf, sh->cap, lenp) ==
                    EVENTS_OK) {
                        *msgp = sh->buf;
                        return EVENTS_OK;
                }
        }
        /* Escaped top-level keys: let the envelope module write it. */
        if (events_event_serialize(ev, &ser, lenp))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        if (reserve(sh, *lenp + 1)) {
                free(ser);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        memcpy(sh->buf, ser, *lenp);
        free(ser);
        *msgp = sh->buf;
        return EVENTS_OK;
}

/* Fill @p e with why validation failed, every reason on one line
 * ("/data/email: does not match format \"email\"; ..."). */
static void validation_reason(const events_producer_t *p,
                              events_report_t *report, const events_event_t *ev,
                              events_err_t rc, events_error_t *e) {
        if (rc != EVENTS_ERR_VALIDATION) {
                events__error_set(e, rc, "no schema for event type \"%s\"",
                                  events_event_type(ev));
                return;
        }
        events_report_clear(report);
        events_registry_validate(p->reg, ev, report);
        events__error_set(e, rc, NULL);
        if (events_report_count(report) > 0)
                events_report_format(report, e->text, sizeof(e->text));
}

/* The node at the key path on the lite tree, or -1 when there is none.
 * It depends only on the tree's keys and sizes: a layout's lines share it. */
static long lite_key_node(const events_producer_t *p, const events__lite_t *L) {
        const char *path = p->key_path, *dot;
        const events__lnode_t *v;
        uint32_t at = 0;
        size_t seg;
        long c;

        for (;; path = dot + 1) {
                dot = strchr(path, '.');
                seg = dot ? (size_t)(dot - path) : strlen(path);
                v = &L->n[at];
                if (v->type == EVENTS__LT_OBJECT) {
                        c = events__lite_get(L, at, path, seg);
                } else if (v->type == EVENTS__LT_ARRAY) {
                        long long i = events__path_index(path, seg);

                        c = -1;
                        if (i >= 0 && (unsigned long long)i < v->count) {
                                uint32_t k = at + 1;

                                while (i-- > 0)
                                        k = L->n[k].end;
                                c = (long)k;
                        }
                } else {
                        c = -1;
                }
                if (c < 0)
                        return -1;
                at = (uint32_t)c;
                if (!dot)
                        break;
        }
        return (long)at;
}

/* events_event_key() on the lite tree, from the key path's node @p at
 * (-1: none): 1 with the key in @p o, 0 for no key, -1 when the full path
 * must decide (a key too long). */
static int lite_key(const events__lite_t *L, long at, shaped_t *o) {
        char tmp[EVENTS__REAL_BUFSIZE];
        const events__lnode_t *v;
        const char *src;
        size_t n;

        if (at < 0)
                return 0;
        v = &L->n[at];
        switch (v->type) {
        case EVENTS__LT_STRING:
                src = v->s;
                n = v->len;
                break;
        case EVENTS__LT_INT:
                /* A JSON integer has one way to be written, its decimal
                 * form, but for -0. */
                if (v->len == 2 && v->s[0] == '-') {
                        n = events__int_format(v->num.i, tmp);
                        src = tmp;
                } else {
                        src = v->s;
                        n = v->len;
                }
                break;
        case EVENTS__LT_REAL:
                n = events__real_format(v->num.d, tmp);
                src = tmp;
                break;
        default:
                return 0;
        }
        if (n >= sizeof(o->key))
                return -1;
        memcpy(o->key, src, n);
        o->key[n] = '\0';
        o->klen = n;
        return 1;
}

/* Nodes a thread's lite tree keeps between lines (about 56 bytes each). */
#define LITE_KEEP_NODES 4096

/*
 * The lite path of shape(): an envelope line of the simple kind most lines
 * are, shaped on the lite tree (lite.c) without building jansson values.
 * @returns 1 when @p o holds the shaped line (QUEUED), 0 when shape() must
 * do it the full way: for every line the lite path does not take, and for
 * every line that is to be rejected, so that rejections and their reasons
 * come from one place. Whatever it queues, the full path queues as the
 * same message (test_producer.c compares the two).
 */
static int shape_lite(const events_producer_t *p, shaper_t *sh, const char *s,
                      size_t sn, int64_t now_us, shaped_t *o) {
        events__lite_t *L = sh->lite;
        events__ltpl_t *lay;
        size_t lim = p->max_msg ? p->max_msg : EVENTS_DEFAULT_MAX_BYTES;
        const events__lnode_t *t, *d;
        char ts[EVENTS_TIMESTAMP_BUFSIZE];
        size_t head, tail, at = 0;
        long ti, di, tsi;
        int64_t us = 0;
        int stamped = 0, normalized = 0, tsi_added = 0, parsed = 0, cache, kr;
        long key_node;

        if (!L || p->wrap_type || sn > lim)
                return 0;
        /* A line of a layout seen before needs no parse; a parsed line's
         * layout is remembered for the lines after it. */
        if (!(lay = events__lite_match(L, s, sn))) {
                if (events__lite_parse(L, s, sn, EVENTS_DEFAULT_MAX_DEPTH))
                        return 0;
                parsed = 1;
        }
        /* What the first line of a layout found (the members, the type,
         * the key's node) holds for the layout's other lines. */
        cache = lay && lay->shaped && lay->shaped_by == p &&
                lay->shaped_gen == p->settings_gen;
        if (cache) {
                ti = lay->ti;
                di = lay->di;
                tsi = lay->tsi;
                o->tlen = lay->type_len;
                memcpy(o->type, lay->type, o->tlen + 1);
                goto envelope_ok;
        }
        /* The envelope, as events_event_parse_limits() checks it. */
        /* One walk over the top-level members. */
        ti = di = tsi = -1;
        for (uint32_t k = 1; k < L->used; k = L->n[k].end) {
                const events__lnode_t *m = &L->n[k];

                if (m->klen == 10 && !memcmp(m->key, "event_type", 10))
                        ti = (long)k;
                else if (m->klen == 4 && !memcmp(m->key, "data", 4))
                        di = (long)k;
                else if (m->klen == 9 && !memcmp(m->key, "timestamp", 9))
                        tsi = (long)k;
        }
        if (ti < 0 || di < 0)
                return 0;
        if (parsed)
                lay = events__lite_remember(L, s, sn, (uint32_t)ti);
        t = &L->n[ti];
        d = &L->n[di];
        if (t->type != EVENTS__LT_STRING || t->len > EVENTS_EVENT_TYPE_MAX ||
            t->len == 0 || d->type != EVENTS__LT_OBJECT)
                return 0;
        memcpy(o->type, t->s, t->len);
        o->type[t->len] = '\0';
        o->tlen = t->len;
        if (!events_type_valid(o->type))
                return 0;
        if (lay) {
                lay->shaped = 0;
                lay->ti = ti;
                lay->di = di;
                lay->tsi = tsi;
                memcpy(lay->type, o->type, o->tlen + 1);
                lay->type_len = o->tlen;
        }
envelope_ok:
        if (tsi >= 0) {
                events__lnode_t *v = &L->n[tsi];

                if (v->type != EVENTS__LT_STRING ||
                    events_timestamp_parse(v->s, v->len, &us, NULL) ||
                    !events__lite_timestamp(L, us, ts))
                        return 0;
                normalized = v->len == 27 && !memcmp(v->s, ts, 27);
        }
        if (tsi < 0 || p->restamp) {
                us = now_us;
                if (!events__lite_timestamp(L, us, ts))
                        return 0;
                stamped = 1;
        }
        /* The tree as the full path validates it: the timestamp always in
         * its normalized text. */
        if (tsi >= 0) {
                head = (size_t)(L->n[tsi].s - s) - 1; /* its opening quote */
                tail = head + L->n[tsi].len + 2;
                L->n[tsi].s = ts;
                L->n[tsi].len = 27;
        } else {
                head = tail = L->close;
                if ((tsi = events__lite_append_string(L, "timestamp", ts, 27)) <
                    0)
                        return 0;
                tsi_added = 1;
        }
        L->n[tsi].is_ts = 1;
        if (p->reg && !events__registry_lite_validate_layout(p->reg, o->type, L,
                                                             (uint32_t)di, lay))
                return 0;
        if (p->key_path) {
                if (!cache) {
                        key_node = lite_key_node(p, L);
                        if (lay)
                                lay->key = key_node;
                } else {
                        key_node = lay->key;
                }
                if ((kr = lite_key(L, key_node, o)) < 0)
                        return 0;
                o->has_key = kr;
        }
        /* The message: the input, with the timestamp spliced in as
         * events__event_splice() does. */
        if (!tsi_added && normalized && !stamped) {
                o->msg = s;
                o->mlen = sn;
        } else {
                if (reserve(sh, sn + EVENTS__SPLICE_EXTRA))
                        return 0;
                PUT(sh, at, s, head);
                if (tsi_added)
                        PUT(sh, at, ",\"timestamp\":", 13);
                sh->buf[at++] = '"';
                PUT(sh, at, ts, 27);
                sh->buf[at++] = '"';
                PUT(sh, at, s + tail, sn - tail);
                o->msg = sh->buf;
                o->mlen = at;
        }
        if (o->mlen + o->klen > p->max_msg)
                return 0;
        o->ts_ms = us / 1000;
        if (o->ts_ms < 0)
                o->ts_ms = 0;
        o->oc = EVENTS_OUTCOME_QUEUED;
        if (lay && !cache) {
                lay->shaped_by = p;
                lay->shaped_gen = p->settings_gen;
                lay->shaped = 1;
        }
        return 1;
}

/*
 * Shape the line in[0..n) (its line ending already cut). Reads only the
 * producer's settings, so that worker threads can shape lines at once,
 * each with its own shaper.
 */
static int shape_at(const events_producer_t *p, shaper_t *sh, const char *in,
                    size_t n, int64_t now_us, int lite, shaped_t *o) {
        events_error_t *e = &o->err;
        events_event_t *ev = NULL;
        json_t *data = NULL;
        const char *s = in;
        size_t sn = n;
        int stamped = 0;
        events_err_t rc;

        o->oc = EVENTS_OUTCOME_REJECTED;
        o->has_key = 0;
        o->klen = 0;
        o->msg = NULL;
        o->mlen = 0;
        e->code = EVENTS_OK;
        while (sn > 0 && is_ws(*s))
                s++, sn--;
        while (sn > 0 && is_ws(s[sn - 1]))
                sn--;
        if (sn == 0) {
                o->oc = EVENTS_OUTCOME_SKIPPED;
                return 0;
        }

        if (lite) {
                int taken = shape_lite(p, sh, s, sn, now_us, o);

                /* The tree is not needed past shape_lite(); one that a
                 * rare huge line grew is not kept for the next lines. */
                if (sh->lite && sh->lite->cap > LITE_KEEP_NODES)
                        events__lite_free(sh->lite);
                if (taken)
                        return 1;
        }
        o->has_key = 0;
        o->klen = 0;
        o->msg = NULL;
        o->mlen = 0;

        /* An envelope, checked; stamped unless it has a timestamp. */
        if (p->wrap_type) {
                rc = events_json_parse(&data, s, sn, p->max_msg, 0, e);
                if (!rc && !json_is_object(data)) {
                        rc = events__error_set(e, EVENTS_ERR_ENVELOPE,
                                               "a line must be a JSON object "
                                               "(the event's data)");
                        events__error_set_pointer(e, "/data");
                }
                if (!rc)
                        rc = events_event_new(&ev, p->wrap_type, data, e);
                json_decref(data);
                if (!rc && !(rc = events_event_set_timestamp_us(ev, now_us)))
                        stamped = 1;
        } else {
                rc = events_event_parse_limits(&ev, s, sn, p->max_msg, 0, e);
                if (!rc && (p->restamp || !events_event_has_timestamp(ev))) {
                        if (!(rc = events_event_set_timestamp_us(ev, now_us)))
                                stamped = 1;
                }
        }
        if (rc)
                goto out;
        if (p->reg && (rc = events_registry_validate(p->reg, ev, NULL))) {
                validation_reason(p, sh->report, ev, rc, e);
                goto out;
        }
        if (p->key_path) {
                rc = events_event_key(ev, p->key_path, o->key, sizeof(o->key),
                                      &o->klen);
                if (rc == EVENTS_OK) {
                        o->has_key = 1;
                } else if (rc == EVENTS_ERR_TOO_LARGE) {
                        events__error_set(e, rc,
                                          "partition key at \"%s\" is longer "
                                          "than %d bytes",
                                          p->key_path, EVENTS_KEY_MAX);
                        goto out;
                } else {
                        o->klen = 0; /* no key */
                }
        }
        if (build_message(p, sh, ev, s, sn, stamped, &o->msg, &o->mlen, e))
                goto out;
        if (o->mlen + o->klen > p->max_msg) {
                events__error_set(e, EVENTS_ERR_TOO_LARGE,
                                  "message of %zu bytes is larger than "
                                  "message.max.bytes (%zu)",
                                  o->mlen + o->klen, p->max_msg);
                goto out;
        }
        {
                const char *type = events_event_type(ev);
                size_t tl = strlen(type); /* a valid type has <= 255 bytes */

                if (tl >= sizeof(o->type))
                        tl = sizeof(o->type) - 1;
                memcpy(o->type, type, tl);
                o->type[tl] = '\0';
                o->tlen = tl;
        }
        /* The Kafka timestamp is the event's, in ms; before 1970 there is
         * no valid one, and 0 lets the broker's clock decide. */
        o->ts_ms = events_event_timestamp_us(ev) / 1000;
        if (o->ts_ms < 0)
                o->ts_ms = 0;
        o->oc = EVENTS_OUTCOME_QUEUED;
out:
        events_event_destroy(ev);
        return 0;
}

/* @p now_us: the time to stamp with (events_producer_set_stamp_time()),
 * or 0 for the clock's. */
static void shape(const events_producer_t *p, shaper_t *sh, const char *in,
                  size_t n, int64_t now_us, shaped_t *o) {
        shape_at(p, sh, in, n, now_us ? now_us : events_now_us(), 1, o);
}

/* events__producer_probe() with the lite tree @p L. */
static events_err_t probe(const events_producer_t *p, events__lite_t *L,
                          const char *in, size_t n, int64_t now_us, int lite,
                          events__probe_t *out) {
        shaper_t sh = {0};
        shaped_t *o = calloc(1, sizeof(*o));

        memset(out, 0, sizeof(*out));
        if (!o)
                return EVENTS_ERR_NOMEM;
        sh.report = events_report_new(4);
        sh.lite = L;
        if (!sh.report) {
                free(o);
                return EVENTS_ERR_NOMEM;
        }
        out->lite_taken = shape_at(p, &sh, in, n, now_us, lite, o);
        out->outcome = o->oc;
        out->code = o->oc == EVENTS_OUTCOME_REJECTED ? o->err.code : EVENTS_OK;
        if (o->oc == EVENTS_OUTCOME_QUEUED) {
                out->msg = malloc(o->mlen + 1);
                if (out->msg) {
                        memcpy(out->msg, o->msg, o->mlen);
                        out->msg[o->mlen] = '\0';
                }
                out->mlen = o->mlen;
                out->has_key = o->has_key;
                memcpy(out->key, o->key, o->klen + 1);
                out->klen = o->klen;
                memcpy(out->type, o->type, sizeof(out->type));
                out->ts_ms = o->ts_ms;
        }
        events_report_destroy(sh.report);
        free(sh.buf);
        free(o);
        return out->outcome == EVENTS_OUTCOME_QUEUED && !out->msg
                       ? EVENTS_ERR_NOMEM
                       : EVENTS_OK;
}

events_err_t events__producer_probe(const events_producer_t *p, const char *in,
                                    size_t n, int64_t now_us, int lite,
                                    events__probe_t *out) {
        events__lite_t L = {0};
        events_err_t rc = probe(p, &L, in, n, now_us, lite, out);

        events__lite_free(&L);
        return rc;
}

events_err_t events__producer_probe_tree(const events_producer_t *p,
                                         events__lite_t *L, const char *in,
                                         size_t n, int64_t now_us,
                                         events__probe_t *out) {
        return probe(p, L, in, n, now_us, 1, out);
}

/* ---- Sending a shaped line, on the thread that drives the producer ---- */

/*
 * A line's final outcome, known without Kafka's word. @p pending: the line
 * was counted in flight when it entered the pipeline.
 */
static events_outcome_t finish_sync(events_producer_t *p, uint64_t line,
                                    events_outcome_t outcome, const char *in,
                                    size_t n, const char *msg, size_t mlen,
                                    rd_kafka_resp_err_t kerr, int retriable,
                                    const events_error_t *e, int pending) {
        events_receipt_t r;

        receipt_init(p, &r, line, outcome);
        r.input = in;
        r.input_len = n;
        r.msg = msg;
        r.msg_len = mlen;
        r.kerr = kerr;
        r.retriable = retriable;
        if (e)
                r.err = e;
        if (pending)
                p->c.in_flight--;
        switch (outcome) {
        case EVENTS_OUTCOME_SKIPPED:
                p->c.skipped++;
                break;
        case EVENTS_OUTCOME_REJECTED:
                p->c.rejected++;
                break;
        case EVENTS_OUTCOME_DELIVERED:
                p->c.delivered++;
                p->c.bytes += mlen;
                break;
        case EVENTS_OUTCOME_FAILED:
                p->c.failed++;
                if (!retriable)
                        p->c.failed_permanent++;
                break;
        default:
                break;
        }
        emit(p, &r);
        return outcome;
}

/* Wait for a rate token, serving delivery reports meanwhile. */
static int wait_token(events_producer_t *p) {
        int64_t wait;

        while ((wait = events__tbucket_take(&p->tb, events__mono_us())) > 0) {
                if (p->interrupted)
                        return -1;
                if (wait > 100000)
                        wait = 100000;
                if (p->rk) {
                        rd_kafka_poll(p->rk, (int)((wait + 999) / 1000));
                } else {
                        struct timespec ts = {0, (long)wait * 1000};
                        nanosleep(&ts, NULL);
                }
        }
        return 0;
}

/* Hand a shaped line to librdkafka, or report why not. */
static events_outcome_t send_shaped(events_producer_t *p, uint64_t line,
                                    const char *in, size_t n, shaped_t *o,
                                    int pending) {
        events_error_t *e = &o->err;
        rd_kafka_resp_err_t kerr;
        struct part_hint hint = {o->part1 - 1, o->part_cnt};

        o->part1 = 0;
        if (o->oc != EVENTS_OUTCOME_QUEUED)
                return finish_sync(p, line, o->oc, in, n, NULL, 0, 0, 0,
                                   o->oc == EVENTS_OUTCOME_REJECTED ? e : NULL,
                                   pending);
        if (!p->rk)
                return finish_sync(p, line, EVENTS_OUTCOME_DELIVERED, in, n,
                                   o->msg, o->mlen, 0, 0, NULL, pending);
        if (p->rate_on && wait_token(p)) {
                events__error_set(e, EVENTS_ERR_STATE,
                                  "interrupted before it was sent");
                return finish_sync(p, line, EVENTS_OUTCOME_FAILED, in, n,
                                   o->msg, o->mlen, 0, 1, e, pending);
        }
        for (;;) {
                /* The array form of rd_kafka_producev(): librdkafka reads
                 * the message's fields from p->vu (vu_init()) instead of
                 * walking a va_list; only the message's own fields change
                 * from one message to the next. */
                rd_kafka_vu_t *vu = p->vu;
                rd_kafka_error_t *error;

                vu[VU_VALUE].u.mem.ptr = (void *)o->msg;
                vu[VU_VALUE].u.mem.size = o->mlen;
                vu[VU_KEY].u.mem.ptr = o->has_key ? o->key : NULL;
                vu[VU_KEY].u.mem.size = o->klen;
                vu[VU_TIMESTAMP].u.i64 = o->ts_ms;
                vu[VU_HEADER].u.header.val = o->type;
                vu[VU_HEADER].u.header.size = (ssize_t)o->tlen;
                vu[VU_OPAQUE].u.ptr = (void *)(uintptr_t)line;
                if (hint.part >= 0)
                        sending_hint = &hint;
                error = rd_kafka_produceva(p->rk, vu, VU__COUNT);
                sending_hint = NULL;

                kerr = RD_KAFKA_RESP_ERR_NO_ERROR;
                if (error) {
                        kerr = rd_kafka_error_code(error);
                        rd_kafka_error_destroy(error);
                }
                if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                /* Full: let delivery reports make room, never drop. */
                if (p->interrupted)
                        break;
                rd_kafka_poll(p->rk, 10);
        }
        if (kerr == RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (!pending)
                        p->c.in_flight++;
                if ((++p->since_poll & 31) == 0)
                        rd_kafka_poll(p->rk, 0);
                return EVENTS_OUTCOME_QUEUED;
        }
        if (kerr == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
                events__error_set(e, EVENTS_ERR_TOO_LARGE,
                                  "message of %zu bytes is too large for the "
                                  "producer (message.max.bytes)",
                                  o->mlen);
                return finish_sync(p, line, EVENTS_OUTCOME_REJECTED, in, n,
                                   NULL, 0, 0, 0, e, pending);
        }
        if (kerr == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                events__error_set(e, EVENTS_ERR_STATE,
                                  "interrupted while waiting for queue room");
        else
                events__error_set(e, EVENTS_ERR_KAFKA, "%s",
                                  rd_kafka_err2str(kerr));
        return finish_sync(p, line, EVENTS_OUTCOME_FAILED, in, n, o->msg,
                           o->mlen, kerr, kafka_err_retriable(kerr), e,
                           pending);
}

/* ---- The pipeline: worker threads shape, the driving thread sends ---- */

/*
 * Lines enter a ring in input order (tail). Workers claim the next line to
 * shape (claim) in any order of completion; the driving thread sends the
 * shaped lines strictly from the head, in input order, so that each key's
 * events keep their order. When the head's line is not shaped yet the
 * driving thread shapes one itself rather than wait idle.
 */
#define RING_SIZE 512
/* Buffers a slot keeps between lines; larger ones are freed after use. */
#define SLOT_KEEP_BYTES 65536
/* Input bytes the ring holds at most (past one line): a bound on memory
 * when lines are large. */
#define RING_MAX_BYTES (4u << 20)

enum { SLOT_FILLED = 1, SLOT_DONE = 2 };

struct slot_s {
        uint64_t line;
        int64_t stamp_us; /* p->stamp_us when it was submitted */
        char *in;         /* a copy of the line */
        size_t in_len, in_cap;
        shaper_t sh; /* sh.report unused: the shaping thread's own */
        shaped_t out;
        int state; /* under the lock */
};

struct worker_s {
        events_producer_t *p;
        pthread_t tid;
        events_report_t *report;
        events__lite_t lite;
};

/* Shape ring slot @p idx with @p report. */
static void shape_slot(events_producer_t *p, uint64_t idx,
                       events_report_t *report, events__lite_t *lite) {
        struct slot_s *slot = &p->ring[idx % RING_SIZE];

        slot->sh.report = report;
        slot->sh.lite = lite;
        shape(p, &slot->sh, slot->in, slot->in_len, slot->stamp_us, &slot->out);
}

/* Lines a worker claims at once: one lock round trip per batch. */
#define CLAIM_BATCH 32
/* Lines the driving thread puts in the ring between two lock round trips. */
#define PUBLISH_BATCH 16
/* Unclaimed lines that make the driving thread wake a sleeping worker. */
#define WAKE_BACKLOG 128

static void *worker_main(void *arg) {
        struct worker_s *w = arg;
        events_producer_t *p = w->p;
        uint64_t first, end;

        pthread_mutex_lock(&p->lock);
        for (;;) {
                while (!p->quit && p->claim == p->tail) {
                        p->sleeping++;
                        pthread_cond_wait(&p->work_cv, &p->lock);
                        p->sleeping--;
                }
                if (p->claim == p->tail)
                        break; /* quitting, nothing left */
                first = p->claim;
                end = p->tail - first > CLAIM_BATCH ? first + CLAIM_BATCH
                                                    : p->tail;
                p->claim = end;
                pthread_mutex_unlock(&p->lock);
                for (uint64_t i = first; i < end; i++)
                        shape_slot(p, i, w->report, &w->lite);
                pthread_mutex_lock(&p->lock);
                for (uint64_t i = first; i < end; i++)
                        p->ring[i % RING_SIZE].state = SLOT_DONE;
                if (p->driver_waiting)
                        pthread_cond_signal(&p->done_cv);
        }
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

/* Make the lines filled so far claimable; under the lock. Waking a worker
 * costs a system call: it is done for a batch, not for every line. A
 * short backlog is shaped by whoever gets to it first, the driving thread
 * included (see drain()). */
static void publish_locked(events_producer_t *p) {
        p->tail = p->fill;
        if (p->sleeping && p->tail - p->claim >= WAKE_BACKLOG)
                pthread_cond_signal(&p->work_cv);
}

/* Lines a drain that need not wait leaves at the head while runs are used,
 * so that the runs are long: a partition run of a few lines saves little.
 * events_producer_poll() and a full ring send whatever is shaped. */
#define RUNS_WINDOW 256

/* Whether shaped lines wait for a window now: with workers, or when the
 * program has asked for it (events_producer_set_partition_runs()), while
 * runs are used. */
static int windows_on(const events_producer_t *p) {
        return p->runs.on && (p->nworkers || p->windows);
}

/* The order in which to send the @p k shaped lines at the head: by the
 * group of their key (the partition predicted), each group in input order;
 * the lines without a key, and those not to be sent, come last. */
static void runs_order(events_producer_t *p, uint64_t k, uint16_t *order) {
        uint16_t group[RING_SIZE], start[RUNS_MAX_PARTS + 2];
        int32_t n = p->runs.parts;

        memset(start, 0, sizeof(start[0]) * (size_t)(n + 2));
        for (uint64_t i = 0; i < k; i++) {
                shaped_t *o = &p->ring[(p->head + i) % RING_SIZE].out;
                int32_t g = n;

                if (o->oc == EVENTS_OUTCOME_QUEUED && o->has_key) {
                        g = p->runs.fn(p->rkt, o->key, o->klen, n, NULL, NULL);
                        if (g < 0 || g > n)
                                g = n;
                        /* An empty key is not hashed by consistent_random:
                         * no hint for it. */
                        else if (o->klen) {
                                o->part1 = g + 1;
                                o->part_cnt = n;
                        }
                }
                group[i] = (uint16_t)g;
                start[g + 1]++;
        }
        for (int32_t g = 1; g <= n; g++)
                start[g] += start[g - 1];
        for (uint64_t i = 0; i < k; i++)
                order[start[group[i]]++] = (uint16_t)i;
}

/*
 * Send the shaped lines at the head. With @p block, first make sure the
 * head's line is shaped (shaping lines itself while it waits).
 * @returns the number of lines sent.
 */
static uint64_t drain(events_producer_t *p, int block) {
        uint64_t k, idx, want = 0;
        uint16_t order[RING_SIZE];

        if (!p->ring)
                return 0;
        pthread_mutex_lock(&p->lock);
        publish_locked(p);
        if (p->done < p->head)
                p->done = p->head;
        /* To wait is to wait for the head's line, or with runs for a
         * window of lines. */
        if (block)
                want = windows_on(p) ? RUNS_WINDOW : 1;
        if (want > p->tail - p->head)
                want = p->tail - p->head;
        for (;;) {
                while (p->done < p->tail &&
                       p->ring[p->done % RING_SIZE].state == SLOT_DONE)
                        p->done++;
                if (p->done - p->head >= want)
                        break;
                if (p->claim < p->tail) {
                        idx = p->claim++;
                        pthread_mutex_unlock(&p->lock);
                        shape_slot(p, idx, p->shaper.report, &p->lite);
                        pthread_mutex_lock(&p->lock);
                        p->ring[idx % RING_SIZE].state = SLOT_DONE;
                } else {
                        p->driver_waiting = 1;
                        pthread_cond_wait(&p->done_cv, &p->lock);
                        p->driver_waiting = 0;
                }
        }
        pthread_mutex_unlock(&p->lock);
        k = p->done - p->head;
        if (!k || (!block && windows_on(p) && k < RUNS_WINDOW))
                return 0;
        if (p->runs.on && p->runs.parts > 1)
                runs_order(p, k, order);
        else
                for (uint64_t i = 0; i < k; i++)
                        order[i] = (uint16_t)i;
        /* Shaped slots are the driving thread's until head moves past. */
        for (uint64_t i = 0; i < k; i++) {
                struct slot_s *slot =
                        &p->ring[(p->head + order[i]) % RING_SIZE];

                send_shaped(p, slot->line, slot->in, slot->in_len, &slot->out,
                            1);
        }
        for (uint64_t i = 0; i < k; i++) {
                struct slot_s *slot = &p->ring[(p->head + i) % RING_SIZE];

                p->ring_bytes -= slot->in_len;
                /* A rare huge line must not leave every slot holding a
                 * huge buffer: the ring's memory stays bounded. */
                if (slot->in_cap > SLOT_KEEP_BYTES) {
                        free(slot->in);
                        slot->in = NULL;
                        slot->in_cap = 0;
                }
                if (slot->sh.cap > SLOT_KEEP_BYTES) {
                        free(slot->sh.buf);
                        slot->sh.buf = NULL;
                        slot->sh.cap = 0;
                }
        }
        p->head += k;
        return k;
}

static void drain_all(events_producer_t *p) {
        while (p->ring && p->head < p->fill)
                drain(p, 1);
}

/* Put line @p line in the next ring slot (not yet counted in fill), after
 * making room. @returns the slot, or NULL when its copy cannot be made. */
static struct slot_s *slot_fill(events_producer_t *p, const char *in, size_t n,
                                uint64_t line) {
        struct slot_s *slot;

        while (p->fill - p->head >= RING_SIZE ||
               (p->ring_bytes > RING_MAX_BYTES && p->head < p->fill))
                drain(p, 1);
        slot = &p->ring[p->fill % RING_SIZE];
        if (n + 1 > slot->in_cap) {
                char *nb = realloc(slot->in, n + 1);

                if (!nb)
                        return NULL;
                slot->in = nb;
                slot->in_cap = n + 1;
        }
        if (n)
                memcpy(slot->in, in, n);
        slot->in_len = n;
        slot->line = line;
        slot->stamp_us = p->stamp_us;
        return slot;
}

static events_outcome_t nomem(events_producer_t *p, const char *in, size_t n,
                              uint64_t line) {
        events_error_t e;

        events__error_set(&e, EVENTS_ERR_NOMEM, NULL);
        return finish_sync(p, line, EVENTS_OUTCOME_FAILED, in, n, NULL, 0, 0, 0,
                           &e, 0);
}

static events_outcome_t pipeline_submit(events_producer_t *p, const char *in,
                                        size_t n, uint64_t line) {
        struct slot_s *slot = slot_fill(p, in, n, line);

        if (!slot)
                return nomem(p, in, n, line);
        p->ring_bytes += n;
        p->c.in_flight++;
        slot->state = SLOT_FILLED; /* seen by workers once published */
        p->fill++;
        /* One lock round trip per batch of lines, not two per line: the
         * batch is published, and what is shaped is sent. Lines of a
         * batch not yet full are published by drain() when it must wait,
         * and by events_producer_poll() and _flush(). */
        if (p->fill % PUBLISH_BATCH == 0)
                drain(p, 0);
        return EVENTS_OUTCOME_QUEUED;
}

/*
 * Without workers, once runs are used (see runs_s), the ring holds the
 * window: a line is shaped at once, so that a rejection is still reported
 * inside events_producer_submit(), and its message waits in the ring to be
 * sent with its window.
 */
static events_outcome_t window_submit(events_producer_t *p, const char *in,
                                      size_t n, uint64_t line,
                                      events_error_t *err) {
        struct slot_s *slot = slot_fill(p, in, n, line);
        events_outcome_t oc;

        if (!slot)
                return nomem(p, in, n, line);
        slot->sh.report = p->shaper.report;
        slot->sh.lite = &p->lite;
        shape(p, &slot->sh, slot->in, n, slot->stamp_us, &slot->out);
        if (slot->out.oc != EVENTS_OUTCOME_QUEUED) {
                /* Not for Kafka: its outcome is final now. */
                oc = send_shaped(p, line, slot->in, n, &slot->out, 0);
                if (err)
                        *err = slot->out.err;
                return oc;
        }
        p->ring_bytes += n;
        p->c.in_flight++;
        slot->state = SLOT_DONE;
        p->claim = ++p->fill; /* nothing for workers to claim */
        if (!windows_on(p) || p->fill - p->head >= RUNS_WINDOW)
                drain(p, 0);
        if (err)
                events_error_clear(err);
        return EVENTS_OUTCOME_QUEUED;
}

static void workers_stop(events_producer_t *p) {
        if (!p->ring)
                return;
        drain_all(p);
        pthread_mutex_lock(&p->lock);
        p->quit = 1;
        pthread_cond_broadcast(&p->work_cv);
        pthread_mutex_unlock(&p->lock);
        for (int i = 0; i < p->nworkers; i++) {
                pthread_join(p->workers[i].tid, NULL);
                events_report_destroy(p->workers[i].report);
                events__lite_free(&p->workers[i].lite);
        }
        for (int i = 0; i < RING_SIZE; i++) {
                free(p->ring[i].in);
                free(p->ring[i].sh.buf);
        }
        free(p->workers);
        free(p->ring);
        p->workers = NULL;
        p->ring = NULL;
        p->nworkers = 0;
        pthread_cond_destroy(&p->work_cv);
        pthread_cond_destroy(&p->done_cv);
        pthread_mutex_destroy(&p->lock);
}

/* The ring, its lock and conditions. */
static int ring_new(events_producer_t *p) {
        if (!(p->ring = calloc(RING_SIZE, sizeof(*p->ring))))
                return -1;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->work_cv, NULL);
        pthread_cond_init(&p->done_cv, NULL);
        return 0;
}

events_err_t events_producer_set_workers(events_producer_t *p, int n) {
        sigset_t all, old;

        if (!p || n < 0 || n > EVENTS_PRODUCER_MAX_WORKERS)
                return EVENTS_ERR_INVALID_ARG;
        if (p->c.read > 0 || p->ring)
                return EVENTS_ERR_STATE;
        if (n == 0)
                return EVENTS_OK;
        if (!(p->workers = calloc((size_t)n, sizeof(*p->workers))))
                return EVENTS_ERR_NOMEM;
        if (ring_new(p)) {
                free(p->workers);
                p->workers = NULL;
                return EVENTS_ERR_NOMEM;
        }
        /* Workers start with every signal blocked, as librdkafka's threads
         * do, so that a program's SIGINT reaches the thread that reads and
         * interrupts its wait for input. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        for (int i = 0; i < n; i++) {
                struct worker_s *w = &p->workers[i];

                w->p = p;
                if (!(w->report = events_report_new(4)) ||
                    pthread_create(&w->tid, NULL, worker_main, w)) {
                        events_report_destroy(w->report);
                        break;
                }
                p->nworkers++;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (p->nworkers < n) {
                workers_stop(p);
                return EVENTS_ERR_NOMEM;
        }
        return EVENTS_OK;
}

/* ---- Submitting a line ---- */

events_outcome_t events_producer_submit(events_producer_t *p, const char *buf,
                                        size_t len, uint64_t line,
                                        events_error_t *err) {
        events_error_t local;
        events_outcome_t oc;
        size_t n = len;

        if (!p || (!buf && len))
                return EVENTS_OUTCOME_FAILED;
        if (!buf)
                buf = "";
        p->c.read++;
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        if (p->fatal || p->interrupted) {
                events_error_t *e = err ? err : &local;

                events__error_set(
                        e, p->fatal ? EVENTS_ERR_KAFKA : EVENTS_ERR_STATE, "%s",
                        p->fatal ? p->fatal_reason : "interrupted");
                return finish_sync(p, line, EVENTS_OUTCOME_FAILED, buf, n, NULL,
                                   0, 0, !p->fatal, e, 0);
        }
        if (p->ring && p->nworkers)
                return pipeline_submit(p, buf, n, line);
        if (p->ring || (p->windows && p->runs.on && !ring_new(p)))
                return window_submit(p, buf, n, line, err);
        shape(p, &p->shaper, buf, n, p->stamp_us, &p->one);
        oc = send_shaped(p, line, buf, n, &p->one, 0);
        if (err) {
                if (oc == EVENTS_OUTCOME_REJECTED ||
                    oc == EVENTS_OUTCOME_FAILED)
                        *err = p->one.err;
                else
                        events_error_clear(err);
        }
        return oc;
}

int events_producer_poll(events_producer_t *p, int timeout_ms) {
        if (!p)
                return 0;
        drain_all(p);
        if (!p->rk)
                return 0;
        return rd_kafka_poll(p->rk, timeout_ms);
}

events_err_t events_producer_flush(events_producer_t *p, int timeout_ms) {
        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        drain_all(p);
        if (!p->rk)
                return EVENTS_OK;
        rd_kafka_flush(p->rk, timeout_ms);
        /* flush() waits for librdkafka's queues; the reports for the last
         * messages may still be waiting to be served. */
        while (p->c.in_flight > 0 && rd_kafka_outq_len(p->rk) == 0 &&
               rd_kafka_poll(p->rk, 0) > 0)
                ;
        return p->c.in_flight ? EVENTS_ERR_TIMED_OUT : EVENTS_OK;
}

events_err_t events_producer_close(events_producer_t *p, int timeout_ms) {
        events_err_t rc;
        int64_t deadline;

        if (!p)
                return EVENTS_ERR_INVALID_ARG;
        drain_all(p);
        if (!p->rk)
                return EVENTS_OK;
        rc = events_producer_flush(p, timeout_ms);
        if (rc == EVENTS_OK)
                return EVENTS_OK;
        rd_kafka_purge(p->rk,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        /* Purged messages come back as failed reports; serve them all. */
        deadline = events__mono_us() + 10 * 1000000;
        while (p->c.in_flight > 0 && events__mono_us() < deadline)
                rd_kafka_poll(p->rk, 100);
        return EVENTS_ERR_TIMED_OUT;
}

void events_producer_destroy(events_producer_t *p) {
        if (!p)
                return;
        workers_stop(p); /* sends what is left in the pipeline first */
        if (p->rk) {
                if (p->c.in_flight > 0)
                        events_producer_close(p, 0);
                if (p->rkt)
                        rd_kafka_topic_destroy(p->rkt);
                rd_kafka_destroy(p->rk);
        }
        events_report_destroy(p->shaper.report);
        events__lite_free(&p->lite);
        free(p->shaper.buf);
        free(p->topic);
        free(p->wrap_type);
        free(p->wrap_prefix);
        free(p->key_path);
        free(p);
}

void events_producer_set_partition_runs(events_producer_t *p, int on) {
        if (p)
                p->windows = on != 0;
}

int events__producer_runs_on(const events_producer_t *p) {
        return p && windows_on(p) && p->runs.parts > 1;
}

/* ---- Receipts ---- */

uint64_t events_receipt_line(const events_receipt_t *r) {
        return r ? r->line : 0;
}

events_outcome_t events_receipt_outcome(const events_receipt_t *r) {
        return r ? r->outcome : EVENTS_OUTCOME_FAILED;
}

int32_t events_receipt_partition(const events_receipt_t *r) {
        return r ? r->partition : -1;
}

int64_t events_receipt_offset(const events_receipt_t *r) {
        return r ? r->offset : -1;
}

const events_error_t *events_receipt_error(const events_receipt_t *r) {
        return r ? r->err : NULL;
}

rd_kafka_resp_err_t events_receipt_kafka_err(const events_receipt_t *r) {
        return r ? r->kerr : RD_KAFKA_RESP_ERR_NO_ERROR;
}

int events_receipt_retriable(const events_receipt_t *r) {
        return r ? r->retriable : 0;
}

const char *events_receipt_input(const events_receipt_t *r, size_t *lenp) {
        if (lenp)
                *lenp = r ? r->input_len : 0;
        return r ? r->input : NULL;
}

const char *events_receipt_message(const events_receipt_t *r, size_t *lenp) {
        if (lenp)
                *lenp = r ? r->msg_len : 0;
        return r ? r->msg : NULL;
}
