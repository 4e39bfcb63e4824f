/*
 * producer_pipeline.c - sending shaped lines, on the thread that drives
 * the producer, and the ring that holds lines between reading and sending.
 *
 * events__producer_send() hands one shaped line to librdkafka with
 * RD_KAFKA_MSG_F_COPY, waiting for a rate token first when a rate is set.
 * librdkafka's queue filling up is waited out (serving reports meanwhile),
 * never treated as a loss. A line that is not for Kafka gets its outcome
 * at once (producer_receipt.c).
 *
 * The ring is used with worker threads, which shape lines while the
 * driving thread reads and sends, and without them once partition runs
 * are on (producer_runs.c), as the window in which lines are grouped by
 * partition before they are sent.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "producer_int.h"

/* ---- Sending a shaped line, on the thread that drives the producer ---- */

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

/* A line that never reached librdkafka: failed, worth sending again; the
 * reason is in o->err. */
static events_outcome_t not_sent(events_producer_t *p, uint64_t line,
                                 const char *in, size_t n, events__shaped_t *o,
                                 int pending) {
        return events__producer_finish_sync(
                p, &(events__finish_t){.line = line,
                                       .outcome = EVENTS_OUTCOME_FAILED,
                                       .in = in,
                                       .n = n,
                                       .msg = o->msg,
                                       .mlen = o->mlen,
                                       .retriable = 1,
                                       .e = &o->err,
                                       .pending = pending});
}

/* The message's headers: the event type, and the CloudEvents binding's in
 * that mode. They travel in a list of ours, not as VTYPE_HEADER entries:
 * librdkafka up to at least 2.3 frees a list it made itself twice when
 * rd_kafka_produceva() fails at once after the message was made (a refused
 * topic's partitioner error; librdkafka issue #4627). A list of the
 * application's stays ours on failure, and librdkafka keeps its hands off
 * it; it costs the same one allocation that librdkafka's own list did.
 * @returns the list (librdkafka's once a produce call takes it), or NULL. */
static rd_kafka_headers_t *message_headers(const events_producer_t *p,
                                           const events__shaped_t *o) {
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(p->ce_mode ? 8 : 1);

        if (hdrs && (rd_kafka_header_add(hdrs, EVENTS_HEADER_EVENT_TYPE, -1,
                                         o->type, (ssize_t)o->tlen) ||
                     (p->ce_mode && events__producer_ce_headers(p, o, hdrs)))) {
                rd_kafka_headers_destroy(hdrs);
                hdrs = NULL;
        }
        return hdrs;
}

/* Hand a queued line to librdkafka, or report why not. Apart from
 * events__producer_send(), so that a line that goes nowhere near Kafka
 * (a dry run's, a rejected one) does not pay for this one's stack. */
static events_outcome_t __attribute__((noinline))
send_kafka(events_producer_t *p, uint64_t line, const char *in, size_t n,
           events__shaped_t *o, int pending) {
        events_error_t *e = &o->err;
        rd_kafka_resp_err_t kerr;
        rd_kafka_headers_t *hdrs;
        /* The partition runs_order() predicted (part -1: none). */
        struct events__part_hint hint = {o->part1 - 1, o->part_cnt};

        o->part1 = 0; /* good for this send only */

        if (p->rate_on && wait_token(p)) {
                events__error_set(e, EVENTS_ERR_STATE,
                                  "interrupted before it was sent");
                return not_sent(p, line, in, n, o, pending);
        }
        if (!(hdrs = message_headers(p, o))) {
                events__error_set(e, EVENTS_ERR_NOMEM,
                                  "no memory for the message's headers");
                return not_sent(p, line, in, n, o, pending);
        }
        for (;;) {
                /* The array form of rd_kafka_producev(): librdkafka reads
                 * the message's fields from p->vu (vu_init()) instead of
                 * walking a va_list; only the message's own fields change
                 * from one message to the next. */
                rd_kafka_vu_t *vu = p->vu;
                rd_kafka_error_t *error;

                vu[EVENTS__VU_VALUE].u.mem.ptr = (void *)o->msg;
                vu[EVENTS__VU_VALUE].u.mem.size = o->mlen;
                vu[EVENTS__VU_KEY].u.mem.ptr = o->has_key ? o->key : NULL;
                vu[EVENTS__VU_KEY].u.mem.size = o->klen;
                vu[EVENTS__VU_TIMESTAMP].u.i64 = o->ts_ms;
                vu[EVENTS__VU_HEADERS].u.headers = hdrs;
                vu[EVENTS__VU_OPAQUE].u.ptr = (void *)(uintptr_t)line;
                if (hint.part >= 0)
                        events__sending_hint = &hint;
                error = rd_kafka_produceva(p->rk, vu, EVENTS__VU__COUNT);
                events__sending_hint = NULL;

                kerr = RD_KAFKA_RESP_ERR_NO_ERROR;
                if (error) {
                        kerr = rd_kafka_error_code(error);
                        rd_kafka_error_destroy(error);
                } else {
                        hdrs = NULL; /* the message's now */
                }
                if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                /* Full: let delivery reports make room, never drop. */
                if (p->interrupted)
                        break;
                rd_kafka_poll(p->rk, 10);
        }
        if (hdrs)
                rd_kafka_headers_destroy(hdrs);
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
                return events__producer_finish_sync(
                        p,
                        &(events__finish_t){.line = line,
                                            .outcome = EVENTS_OUTCOME_REJECTED,
                                            .in = in,
                                            .n = n,
                                            .e = e,
                                            .pending = pending});
        }
        if (kerr == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                events__error_set(e, EVENTS_ERR_STATE,
                                  "interrupted while waiting for queue room");
        else
                events__error_set(e, EVENTS_ERR_KAFKA, "%s",
                                  rd_kafka_err2str(kerr));
        return events__producer_finish_sync(
                p, &(events__finish_t){
                           .line = line,
                           .outcome = EVENTS_OUTCOME_FAILED,
                           .in = in,
                           .n = n,
                           .msg = o->msg,
                           .mlen = o->mlen,
                           .kerr = kerr,
                           .retriable = events__kafka_err_retriable(kerr),
                           .e = e,
                           .pending = pending});
}

/* Hand a shaped line to librdkafka, or report why not. */
events_outcome_t events__producer_send(events_producer_t *p, uint64_t line,
                                       const char *in, size_t n,
                                       events__shaped_t *o, int pending) {
        if (o->oc != EVENTS_OUTCOME_QUEUED || !p->rk)
                o->part1 = 0; /* a hint is good for one send only */
        if (o->oc != EVENTS_OUTCOME_QUEUED)
                return events__producer_finish_sync(
                        p,
                        &(events__finish_t){
                                .line = line,
                                .outcome = o->oc,
                                .in = in,
                                .n = n,
                                .e = o->oc == EVENTS_OUTCOME_REJECTED ? &o->err
                                                                      : NULL,
                                .pending = pending});
        if (!o->has_key && p->key_path)
                p->c.no_key++;
        /* A dry run: valid is as far as the line goes. */
        if (!p->rk)
                return events__producer_finish_sync(
                        p,
                        &(events__finish_t){.line = line,
                                            .outcome = EVENTS_OUTCOME_DELIVERED,
                                            .in = in,
                                            .n = n,
                                            .msg = o->msg,
                                            .mlen = o->mlen,
                                            .pending = pending});
        return send_kafka(p, line, in, n, o, pending);
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

struct events__slot_s {
        uint64_t line;
        int64_t stamp_us; /* p->stamp_us when it was submitted */
        char *in;         /* a copy of the line */
        size_t in_len, in_cap;
        events__shaper_t sh; /* sh.report unused: the shaping thread's own */
        events__shaped_t out;
        int state; /* under the lock */
};

struct events__worker_s {
        events_producer_t *p;
        pthread_t tid;
        events_report_t *report;
        events__lite_t lite;
};

/* Shape ring slot @p idx with @p report. */
static void shape_slot(events_producer_t *p, uint64_t idx,
                       events_report_t *report, events__lite_t *lite) {
        struct events__slot_s *slot = &p->ring[idx % RING_SIZE];

        slot->sh.report = report;
        slot->sh.lite = lite;
        events__producer_shape(p, &slot->sh, slot->in, slot->in_len,
                               slot->stamp_us, &slot->out);
}

/* Lines a worker claims at once: one lock round trip per batch. */
#define CLAIM_BATCH 32
/* Lines the driving thread puts in the ring between two lock round trips. */
#define PUBLISH_BATCH 16
/* Unclaimed lines that make the driving thread wake a sleeping worker. */
#define WAKE_BACKLOG 128

static void *worker_main(void *arg) {
        struct events__worker_s *w = arg;
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
        uint16_t group[RING_SIZE], start[EVENTS__RUNS_MAX_PARTS + 2];
        int32_t n = p->runs.parts;

        memset(start, 0, sizeof(start[0]) * (size_t)(n + 2));
        for (uint64_t i = 0; i < k; i++) {
                events__shaped_t *o = &p->ring[(p->head + i) % RING_SIZE].out;
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
                struct events__slot_s *slot =
                        &p->ring[(p->head + order[i]) % RING_SIZE];

                events__producer_send(p, slot->line, slot->in, slot->in_len,
                                      &slot->out, 1);
        }
        for (uint64_t i = 0; i < k; i++) {
                struct events__slot_s *slot =
                        &p->ring[(p->head + i) % RING_SIZE];

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

void events__producer_drain_all(events_producer_t *p) {
        while (p->ring && p->head < p->fill)
                drain(p, 1);
}

/* Put line @p line in the next ring slot (not yet counted in fill), after
 * making room. @returns the slot, or NULL when its copy cannot be made. */
static struct events__slot_s *slot_fill(events_producer_t *p, const char *in,
                                        size_t n, uint64_t line) {
        struct events__slot_s *slot;

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
        return events__producer_finish_sync(
                p, &(events__finish_t){.line = line,
                                       .outcome = EVENTS_OUTCOME_FAILED,
                                       .in = in,
                                       .n = n,
                                       .e = &e});
}

events_outcome_t events__producer_pipeline_submit(events_producer_t *p,
                                                  const char *in, size_t n,
                                                  uint64_t line) {
        struct events__slot_s *slot = slot_fill(p, in, n, line);

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
events_outcome_t events__producer_window_submit(events_producer_t *p,
                                                const char *in, size_t n,
                                                uint64_t line,
                                                events_error_t *err) {
        struct events__slot_s *slot = slot_fill(p, in, n, line);
        events_outcome_t oc;

        if (!slot)
                return nomem(p, in, n, line);
        slot->sh.report = p->shaper.report;
        slot->sh.lite = &p->lite;
        events__producer_shape(p, &slot->sh, slot->in, n, slot->stamp_us,
                               &slot->out);
        if (slot->out.oc != EVENTS_OUTCOME_QUEUED) {
                /* Not for Kafka: its outcome is final now. */
                oc = events__producer_send(p, line, slot->in, n, &slot->out, 0);
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

void events__producer_workers_stop(events_producer_t *p) {
        if (!p->ring)
                return;
        events__producer_drain_all(p);
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
int events__producer_ring_new(events_producer_t *p) {
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
        if (events__producer_ring_new(p)) {
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
                struct events__worker_s *w = &p->workers[i];

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
                events__producer_workers_stop(p);
                return EVENTS_ERR_NOMEM;
        }
        return EVENTS_OK;
}

int events__producer_runs_on(const events_producer_t *p) {
        return p && windows_on(p) && p->runs.parts > 1;
}
