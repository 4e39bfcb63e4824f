/*
 * producer_int.h - what the producer's files share (producer*.c): the
 * producer's struct, a shaped line, and the internal functions one file
 * calls in another. Nothing here is installed or exported; the unit tests
 * reach the probes through the static events_internal archive.
 *
 *   producer.c          the API: creation, settings, submit, flush, close
 *   producer_receipt.c  counting outcomes: receipts, delivery reports
 *   producer_runs.c     predicting a key's partition (runs, the hint)
 *   producer_shape.c    shaping a line: parse, wrap, stamp, validate, key
 *   producer_pipeline.c sending shaped lines; the worker ring and windows
 */
#ifndef EVENTS_PRODUCER_INT_H
#define EVENTS_PRODUCER_INT_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "events_int.h"
#include "event_int.h"
#include "lite_int.h"
#include "log_int.h"
#include "tbucket_int.h"
#include "timestamp_int.h"

/* What shaping gives: the message to send, or why there is none. */
typedef struct events__shaped_s {
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
        /* With CloudEvents only (producer_ce.c): the id and the time. */
        char ce_id[EVENTS_CE_ID_LEN + 1];
        char ce_time[EVENTS_TIMESTAMP_BUFSIZE];
} events__shaped_t;

/* Where shaping writes: a message buffer, and a validation report. */
typedef struct events__shaper_s {
        char *buf;
        size_t cap;
        events_report_t *report;
        events__lite_t *lite; /* the shaping thread's tree (lite.c) */
        /* The last timestamp's minute (timestamp_int.h). */
        events__ts_cache_t ts;
} events__shaper_t;

struct events__slot_s;
struct events__worker_s;

/* A librdkafka partitioner (rdkafka.h's rd_kafka_msg_partitioner_*()). */
typedef int32_t (*events__partitioner_fn)(const rd_kafka_topic_t *rkt,
                                          const void *key, size_t keylen,
                                          int32_t partition_cnt,
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
struct events__runs_s {
        /* NULL: the partitioner is not predictable */
        events__partitioner_fn fn;
        /* the configured one itself, keyless too */
        events__partitioner_fn exact;
        int32_t parts;    /* the highest partition reported, + 1 */
        unsigned hits;    /* predictions confirmed in a row */
        unsigned reports; /* keyed reports seen */
        int on;
};

/* The fields of a message in rd_kafka_produceva()'s array (p->vu). */
enum {
        EVENTS__VU_RKT,
        EVENTS__VU_MSGFLAGS,
        EVENTS__VU_VALUE,
        EVENTS__VU_KEY,
        EVENTS__VU_TIMESTAMP,
        EVENTS__VU_HEADERS,
        EVENTS__VU_OPAQUE,
        EVENTS__VU__COUNT
};

/* Topics with more partitions are sent in input order. */
#define EVENTS__RUNS_MAX_PARTS 256

struct events_producer_s {
        rd_kafka_t *rk; /* NULL in a dry run */
        rd_kafka_topic_t *rkt;
        /* the next message (events__producer_send()) */
        rd_kafka_vu_t vu[EVENTS__VU__COUNT];
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
        events__log_t log; /* librdkafka's log lines */
        volatile sig_atomic_t interrupted;
        int fatal;
        char fatal_reason[256];
        events_producer_counts_t c;
        events__shaper_t shaper; /* for lines shaped on the driving thread */
        events__lite_t lite;     /* the driving thread's lite tree */
        events__shaped_t one;    /* the line being submitted, without workers */
        events_error_t ok;       /* an all-clear error record for receipts */
        /* the pipeline, with workers (see drain()) */
        struct events__slot_s *ring;
        struct events__worker_s *workers;
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
        /* sending in partition runs (see drain()) */
        struct events__runs_s runs;
        int windows;        /* events_producer_set_partition_runs() */
        int sleeping;       /* workers waiting for lines, under the lock */
        int driver_waiting; /* the driving thread waits in drain() */
        int quit;
        /* settings too (events_producer_set_cloudevents()); kept after
         * the envelope path's fields, which they do not concern */
        events_ce_mode_t ce_mode; /* EVENTS_CE_NONE: our envelope */
        char *ce_source;          /* with ce_mode */
};

/* ---- Receipts and delivery reports (producer_receipt.c) ---- */

/** @returns 1 for errors after which sending the same message again later
 *  may succeed. */
int events__kafka_err_retriable(rd_kafka_resp_err_t e);

/** The delivery-report callback (rd_kafka_conf_set_dr_msg_cb()); the
 *  opaque is the producer. */
void events__producer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                            void *opaque);

/** The log callback (rd_kafka_conf_set_log_cb()); the opaque is the
 *  producer. */
void events__producer_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                             const char *buf);

/** The error callback (rd_kafka_conf_set_error_cb()). */
void events__producer_error_cb(rd_kafka_t *rk, int err, const char *reason,
                               void *opaque);

/**
 * A line's final outcome, known without Kafka's word: what
 * events__producer_finish_sync() counts and puts in the line's receipt.
 * Write it with designated initializers; a field left out is 0 or NULL.
 */
typedef struct events__finish_s {
        uint64_t line;            /**< the line's number (its receipt's) */
        events_outcome_t outcome; /**< SKIPPED, REJECTED, DELIVERED, FAILED */
        const char *in;           /**< the input line, without its ending */
        size_t n;                 /**< its length */
        const char *msg;          /**< the message (DELIVERED, FAILED) */
        size_t mlen;              /**< its length */
        rd_kafka_resp_err_t kerr; /**< librdkafka's error (FAILED) */
        int retriable;            /**< FAILED: a retry later may work */
        const events_error_t *e;  /**< the reason; NULL: none */
        int pending; /**< counted in flight when it entered the pipeline */
} events__finish_t;

/**
 * @brief Count line @p f's final outcome and hand its receipt to the
 *        receipt callback.
 * @param f borrowed for the call; its pointers too.
 * @returns f->outcome.
 * @remark The driving thread's.
 */
events_outcome_t events__producer_finish_sync(events_producer_t *p,
                                              const events__finish_t *f);

/* ---- Partition prediction (producer_runs.c) ---- */

/** Check the prediction of runs against a delivered message @p m. */
void events__runs_learn(struct events__runs_s *u, const rd_kafka_topic_t *rkt,
                        const rd_kafka_message_t *m);

/**
 * For librdkafka's partitioner @p name: the prediction function for keyed
 * messages (NULL when it is random or unknown), and in @p exact the
 * partitioner itself when events__hinted_partitioner() may stand in for it.
 */
events__partitioner_fn events__runs_partitioner(const char *name,
                                                events__partitioner_fn *exact);

/** The partition runs_order() found for the message being sent. */
struct events__part_hint {
        int32_t part, cnt;
};

/** Set by the sending thread around rd_kafka_produceva() only. */
extern __thread const struct events__part_hint *events__sending_hint
        __attribute__((tls_model("initial-exec")));

/** The topic's partitioner callback: the hint, else the configured
 *  partitioner (rkt_opaque is the producer). */
int32_t events__hinted_partitioner(const rd_kafka_topic_t *rkt, const void *key,
                                   size_t keylen, int32_t partition_cnt,
                                   void *rkt_opaque, void *msg_opaque);

/* ---- Shaping (producer_shape.c) ---- */

/**
 * Shape the line in[0..n) (its line ending already cut) into @p o, with
 * @p sh's buffers. @p now_us: the time to stamp with
 * (events_producer_set_stamp_time()), or 0 for the clock's. Reads only
 * the producer's settings: any thread may call it, each with its own
 * shaper.
 */
void events__producer_shape(const events_producer_t *p, events__shaper_t *sh,
                            const char *in, size_t n, int64_t now_us,
                            events__shaped_t *o);

/* ---- CloudEvents (producer_ce.c) ---- */

/**
 * The message of event @p ev, shaped and keyed in @p o, as a CloudEvent in
 * p->ce_mode: the value in @p sh's buffer (o->msg, o->mlen), a new id and
 * the time in o->ce_id and o->ce_time.
 * @returns EVENTS_OK, or the error also written to @p e.
 */
events_err_t events__producer_shape_ce(const events_producer_t *p,
                                       events__shaper_t *sh,
                                       const events_event_t *ev,
                                       events__shaped_t *o, events_error_t *e);

/**
 * Add the headers of p->ce_mode for a line shaped by
 * events__producer_shape_ce() to @p hdrs, the message's list (which
 * already holds the event type header); librdkafka copies the values.
 * @returns RD_KAFKA_RESP_ERR_NO_ERROR, or rd_kafka_header_add()'s error.
 */
rd_kafka_resp_err_t events__producer_ce_headers(const events_producer_t *p,
                                                const events__shaped_t *o,
                                                rd_kafka_headers_t *hdrs);

/* ---- Test probes (producer_shape.c) ---- */

/** What events__producer_probe() found for one line. */
typedef struct events__probe_s {
        int lite_taken;           /**< the lite path shaped it */
        events_outcome_t outcome; /**< QUEUED, SKIPPED or REJECTED */
        events_err_t code;        /**< REJECTED: why */
        char *msg;                /**< QUEUED: the message (malloc'd) */
        size_t mlen;
        int has_key;
        char key[EVENTS_KEY_MAX + 1];
        size_t klen;
        char type[EVENTS_EVENT_TYPE_MAX + 1];
        int64_t ts_ms;
} events__probe_t;

/**
 * For tests: shape one line as events_producer_submit() would, with
 * @p now_us as the clock, on the lite path (@p lite: only when it takes
 * the line; out->lite_taken says whether it did) or on the full path.
 * Free out->msg.
 */
events_err_t events__producer_probe(const events_producer_t *p, const char *in,
                                    size_t n, int64_t now_us, int lite,
                                    events__probe_t *out);

/**
 * events__producer_probe() on the lite path with the tree @p L, which
 * keeps its layouts from call to call as a shaping thread's tree does.
 */
events_err_t events__producer_probe_tree(const events_producer_t *p,
                                         events__lite_t *L, const char *in,
                                         size_t n, int64_t now_us,
                                         events__probe_t *out);

/** For tests: whether producer @p p sends its lines in partition runs now
 *  (producer_pipeline.c). */
int events__producer_runs_on(const events_producer_t *p);

/* ---- Sending and the pipeline (producer_pipeline.c) ---- */

/** Hand a shaped line to librdkafka, or report why not. @p pending: the
 *  line was counted in flight when it entered the pipeline. */
events_outcome_t events__producer_send(events_producer_t *p, uint64_t line,
                                       const char *in, size_t n,
                                       events__shaped_t *o, int pending);

/** Submit a line to the worker ring (with workers). */
events_outcome_t events__producer_pipeline_submit(events_producer_t *p,
                                                  const char *in, size_t n,
                                                  uint64_t line);

/** Submit a line to the window (without workers, runs on). */
events_outcome_t events__producer_window_submit(events_producer_t *p,
                                                const char *in, size_t n,
                                                uint64_t line,
                                                events_error_t *err);

/** Send every line in the ring, shaping what is not shaped yet. */
void events__producer_drain_all(events_producer_t *p);

/** Send what is left, stop the workers and free the ring (if any). */
void events__producer_workers_stop(events_producer_t *p);

/** Make the ring, its lock and conditions. @returns 0, or -1 (no memory). */
int events__producer_ring_new(events_producer_t *p);

#endif /* EVENTS_PRODUCER_INT_H */
