/*
 * producer_receipt.c - the producer's accounting: every line's final
 * outcome is counted here and handed to the receipt callback, once.
 *
 * Two ways lead here. librdkafka's delivery report
 * (events__producer_dr_cb()) ends a line that was queued: delivered, or
 * failed with librdkafka's error. A line that never reaches Kafka
 * (skipped, rejected, a dry run, an interrupt) ends in
 * events__producer_finish_sync(), called by the sending code
 * (producer_pipeline.c) and by events_producer_submit(). The line number
 * travels as the message's opaque into the delivery report, so a receipt
 * needs no allocation: it lives on the stack for the callback's duration,
 * which is what events_receipt_*() read.
 */
#include <stdio.h>
#include <string.h>

#include "producer_int.h"

/* A line's finish record (events__finish_t), borrowed for the callback,
 * and what only a delivery report knows: where the message landed. */
struct events_receipt_s {
        const events__finish_t *f;
        const events_error_t *err; /* f->e, or the all-clear record */
        int32_t partition;
        int64_t offset;
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
int events__kafka_err_retriable(rd_kafka_resp_err_t e) {
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

/* Hand @p r to the receipt callback, when its outcome is wanted. */
static void emit(events_producer_t *p, const events_receipt_t *r) {
        if (p->receipt_cb &&
            (p->receipt_mask & EVENTS_OUTCOME_BIT(r->f->outcome)))
                p->receipt_cb(r, p->receipt_opaque);
}

/* The delivery report of one message: its line's final outcome. */
void events__producer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                            void *opaque) {
        events_producer_t *p = opaque;
        events__finish_t f;
        events_receipt_t r;
        events_error_t e;

        (void)rk;
        p->c.in_flight--;
        if (!m->err) {
                p->c.delivered++;
                p->c.bytes += m->len;
                if (p->runs.fn && m->key)
                        events__runs_learn(&p->runs, p->rkt, m);
                /* Most lines: no receipt to build when none is wanted. */
                if (!p->receipt_cb ||
                    !(p->receipt_mask &
                      EVENTS_OUTCOME_BIT(EVENTS_OUTCOME_DELIVERED)))
                        return;
        }
        f = (events__finish_t){.line = (uint64_t)(uintptr_t)m->_private,
                               .outcome = m->err ? EVENTS_OUTCOME_FAILED
                                                 : EVENTS_OUTCOME_DELIVERED,
                               .msg = m->payload,
                               .mlen = m->len};
        r = (events_receipt_t){
                .f = &f, .err = &p->ok, .partition = -1, .offset = -1};
        if (m->err) {
                p->c.failed++;
                f.kerr = m->err;
                f.retriable = events__kafka_err_retriable(m->err);
                if (!f.retriable)
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

void events__producer_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                             const char *buf) {
        events_producer_t *p = rd_kafka_opaque(rk);

        if (p)
                events__log_rdkafka(&p->log, rk, level, fac, buf);
}

void events__producer_error_cb(rd_kafka_t *rk, int err, const char *reason,
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

/* A line's final outcome, known without Kafka's word (see
 * events__finish_t). */
events_outcome_t events__producer_finish_sync(events_producer_t *p,
                                              const events__finish_t *f) {
        if (f->pending)
                p->c.in_flight--;
        switch (f->outcome) {
        case EVENTS_OUTCOME_SKIPPED:
                p->c.skipped++;
                break;
        case EVENTS_OUTCOME_REJECTED:
                p->c.rejected++;
                break;
        case EVENTS_OUTCOME_DELIVERED:
                p->c.delivered++;
                p->c.bytes += f->mlen;
                break;
        case EVENTS_OUTCOME_FAILED:
                p->c.failed++;
                if (!f->retriable)
                        p->c.failed_permanent++;
                break;
        default:
                break;
        }
        /* The receipt borrows f: nothing copied. */
        emit(p, &(events_receipt_t){.f = f,
                                    .err = f->e ? f->e : &p->ok,
                                    .partition = -1,
                                    .offset = -1});
        return f->outcome;
}

/* ---- Receipts: what the callback may read ---- */

uint64_t events_receipt_line(const events_receipt_t *r) {
        return r ? r->f->line : 0;
}

events_outcome_t events_receipt_outcome(const events_receipt_t *r) {
        return r ? r->f->outcome : EVENTS_OUTCOME_FAILED;
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
        return r ? r->f->kerr : RD_KAFKA_RESP_ERR_NO_ERROR;
}

int events_receipt_retriable(const events_receipt_t *r) {
        return r ? r->f->retriable : 0;
}

const char *events_receipt_input(const events_receipt_t *r, size_t *lenp) {
        if (lenp)
                *lenp = r ? r->f->n : 0;
        return r ? r->f->in : NULL;
}

const char *events_receipt_message(const events_receipt_t *r, size_t *lenp) {
        if (lenp)
                *lenp = r ? r->f->mlen : 0;
        return r ? r->f->msg : NULL;
}
