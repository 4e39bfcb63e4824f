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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_int.h"
#include "event_int.h"
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

struct events_producer_s {
        rd_kafka_t *rk; /* NULL in a dry run */
        rd_kafka_topic_t *rkt;
        char *topic;
        const events_registry_t *reg;
        events_report_t *report;
        char *wrap_type;
        char *wrap_prefix; /* {"event_type":"TYPE","data": */
        size_t wrap_prefix_len;
        char *key_path; /* NULL: no key */
        int restamp;
        int rate_on;
        events__tbucket_t tb;
        events_receipt_cb receipt_cb;
        void *receipt_opaque;
        events_producer_error_cb error_cb;
        void *error_opaque;
        size_t max_msg;
        volatile sig_atomic_t interrupted;
        int fatal;
        char fatal_reason[256];
        events_producer_counts_t c;
        char *buf; /* the message being put together */
        size_t cap;
        events_error_t ok; /* an all-clear error record for receipts */
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

static int64_t mono_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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
        if (p->receipt_cb)
                p->receipt_cb(r, p->receipt_opaque);
}

/* The delivery report of one message: its line's final outcome. */
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        events_producer_t *p = opaque;
        events_receipt_t r;
        events_error_t e;

        (void)rk;
        p->c.in_flight--;
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
                p->c.delivered++;
                p->c.bytes += m->len;
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

rd_kafka_conf_t *events_producer_conf_new(void) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[256];

        if (!conf)
                return NULL;
        if (rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof(errstr)) !=
                RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

events_err_t events_producer_new(events_producer_t **pp, rd_kafka_conf_t *conf,
                                 const char *topic, events_error_t *err) {
        events_producer_t *p;
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
        if ((topic && !(p->topic = strdup(topic))) ||
            !(p->key_path = strdup(EVENTS_DEFAULT_KEY_PATH)) ||
            !(p->report = events_report_new(4))) {
                events_producer_destroy(p);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        if (conf) {
                if (rd_kafka_conf_get(conf, "message.max.bytes", val, &vlen) ==
                    RD_KAFKA_CONF_OK)
                        p->max_msg = (size_t)strtoull(val, NULL, 10);
                rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
                rd_kafka_conf_set_error_cb(conf, error_cb);
                rd_kafka_conf_set_opaque(conf, p);
                p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
                                     sizeof(errstr));
                if (!p->rk) {
                        /* conf stays the caller's, as with rd_kafka_new() */
                        rd_kafka_conf_set_opaque(conf, NULL);
                        events_producer_destroy(p);
                        return events__error_set(err, EVENTS_ERR_CONF, "%s",
                                                 errstr);
                }
                p->rkt = rd_kafka_topic_new(p->rk, topic, NULL);
                if (!p->rkt) {
                        events__error_set(
                            err, EVENTS_ERR_KAFKA, "topic \"%s\": %s", topic,
                            rd_kafka_err2str(rd_kafka_last_error()));
                        events_producer_destroy(p);
                        return EVENTS_ERR_KAFKA;
                }
        }
        *pp = p;
        return EVENTS_OK;
}

void events_producer_set_registry(events_producer_t *p,
                                  const events_registry_t *reg) {
        if (p)
                p->reg = reg;
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
                n = snprintf(NULL, 0, "{\"event_type\":\"%s\",\"data\":",
                             event_type);
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
        return EVENTS_OK;
}

void events_producer_set_restamp(events_producer_t *p, int restamp) {
        if (p)
                p->restamp = !!restamp;
}

events_err_t events_producer_set_rate(events_producer_t *p, double per_second) {
        if (!p || !(per_second >= 0))
                return EVENTS_ERR_INVALID_ARG;
        p->rate_on = per_second > 0;
        events__tbucket_init(&p->tb, per_second, per_second / 10, mono_us());
        return EVENTS_OK;
}

void events_producer_set_receipt_cb(events_producer_t *p, events_receipt_cb cb,
                                    void *opaque) {
        if (p) {
                p->receipt_cb = cb;
                p->receipt_opaque = opaque;
        }
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

/* ---- Putting the message together ---- */

static int is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int reserve(events_producer_t *p, size_t need) {
        char *nb;
        size_t cap = p->cap ? p->cap : 512;

        if (need <= p->cap)
                return 0;
        while (cap < need)
                cap *= 2;
        if (!(nb = realloc(p->buf, cap)))
                return -1;
        p->buf = nb;
        p->cap = cap;
        return 0;
}

/* Append to the message buffer, which has room (see reserve()). */
#define PUT(p, at, src, n)                                                     \
        do {                                                                   \
                memcpy((p)->buf + (at), (src), (n));                           \
                (at) += (n);                                                   \
        } while (0)

/*
 * The message for a line: the input bytes with the timestamp spliced in.
 * Sets *msgp and *lenp to the message, which may be the input itself.
 */
static events_err_t build_message(events_producer_t *p, const events_event_t *ev,
                                  const char *in, size_t n, int stamped,
                                  const char **msgp, size_t *lenp,
                                  events_error_t *err) {
        const char *ts = events_event_timestamp(ev);
        size_t tslen = ts ? strlen(ts) : 0, at = 0;
        const events__event_input_t *inp = events__event_input(ev);
        char *ser;

        if (p->wrap_prefix) {
                /* {"event_type":"T","data":LINE,"timestamp":"TS"} */
                if (reserve(p, p->wrap_prefix_len + n + tslen + 16))
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                PUT(p, at, p->wrap_prefix, p->wrap_prefix_len);
                PUT(p, at, in, n);
                PUT(p, at, ",\"timestamp\":\"", 14);
                PUT(p, at, ts, tslen);
                PUT(p, at, "\"}", 2);
                *msgp = p->buf;
                *lenp = at;
                return EVENTS_OK;
        }
        if (inp->known) {
                if (inp->ts_present && inp->ts_normalized && !stamped) {
                        *msgp = in; /* already what we would send */
                        *lenp = n;
                        return EVENTS_OK;
                }
                if (reserve(p, n + EVENTS__SPLICE_EXTRA))
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                if (events__event_splice(ev, in, n, p->buf, p->cap, lenp) ==
                    EVENTS_OK) {
                        *msgp = p->buf;
                        return EVENTS_OK;
                }
        }
        /* Escaped top-level keys: let the envelope module write it. */
        if (events_event_serialize(ev, &ser, lenp))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        if (reserve(p, *lenp + 1)) {
                free(ser);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        memcpy(p->buf, ser, *lenp);
        free(ser);
        *msgp = p->buf;
        return EVENTS_OK;
}

/* ---- Submitting a line ---- */

static events_outcome_t finish_sync(events_producer_t *p, uint64_t line,
                                    events_outcome_t outcome, const char *in,
                                    size_t n, const char *msg, size_t mlen,
                                    rd_kafka_resp_err_t kerr, int retriable,
                                    const events_error_t *e) {
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

/* Fill @p e with why validation failed, every reason on one line
 * ("/data/email: does not match format \"email\"; ..."). */
static void validation_reason(events_producer_t *p, const events_event_t *ev,
                              events_err_t rc, events_error_t *e) {
        if (rc != EVENTS_ERR_VALIDATION) {
                events__error_set(e, rc, "no schema for event type \"%s\"",
                                  events_event_type(ev));
                return;
        }
        events_report_clear(p->report);
        events_registry_validate(p->reg, ev, p->report);
        events__error_set(e, rc, NULL);
        if (events_report_count(p->report) > 0)
                events_report_format(p->report, e->text, sizeof(e->text));
}

/* Wait for a rate token, serving delivery reports meanwhile. */
static int wait_token(events_producer_t *p) {
        int64_t wait;

        while ((wait = events__tbucket_take(&p->tb, mono_us())) > 0) {
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

events_outcome_t events_producer_submit(events_producer_t *p, const char *buf,
                                        size_t len, uint64_t line,
                                        events_error_t *err) {
        events_error_t local, *e = err ? err : &local;
        events_event_t *ev = NULL;
        json_t *data = NULL;
        const char *in = buf, *msg = NULL, *s;
        size_t n = len, sn, mlen = 0, klen = 0;
        char key[EVENTS_KEY_MAX + 1];
        int has_key = 0, stamped = 0;
        events_err_t rc;
        rd_kafka_resp_err_t kerr;
        int64_t ts_ms;

        if (!p || (!buf && len))
                return EVENTS_OUTCOME_FAILED;
        events_error_clear(e);
        p->c.read++;
        if (n > 0 && in[n - 1] == '\n')
                n--;
        if (n > 0 && in[n - 1] == '\r')
                n--;
        s = in;
        sn = n;
        while (sn > 0 && is_ws(*s))
                s++, sn--;
        while (sn > 0 && is_ws(s[sn - 1]))
                sn--;
        if (sn == 0)
                return finish_sync(p, line, EVENTS_OUTCOME_SKIPPED, in, n, NULL,
                                   0, 0, 0, NULL);
        if (p->fatal || p->interrupted) {
                events__error_set(e, p->fatal ? EVENTS_ERR_KAFKA
                                              : EVENTS_ERR_STATE,
                                  "%s",
                                  p->fatal ? p->fatal_reason : "interrupted");
                return finish_sync(p, line, EVENTS_OUTCOME_FAILED, in, n, NULL,
                                   0, 0, !p->fatal, e);
        }

        /* Shape: an envelope, checked; stamped unless it has a timestamp. */
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
                if (!rc && !(rc = events_event_stamp(ev)))
                        stamped = 1;
        } else {
                rc = events_event_parse_limits(&ev, s, sn, p->max_msg, 0, e);
                if (!rc && (p->restamp || !events_event_has_timestamp(ev))) {
                        if (!(rc = events_event_stamp(ev)))
                                stamped = 1;
                }
        }
        if (rc)
                goto reject;
        if (p->reg && (rc = events_registry_validate(p->reg, ev, NULL))) {
                validation_reason(p, ev, rc, e);
                goto reject;
        }
        if (p->key_path) {
                rc = events_event_key(ev, p->key_path, key, sizeof(key), &klen);
                if (rc == EVENTS_OK) {
                        has_key = 1;
                } else if (rc == EVENTS_ERR_TOO_LARGE) {
                        events__error_set(e, rc,
                                          "partition key at \"%s\" is longer "
                                          "than %d bytes",
                                          p->key_path, EVENTS_KEY_MAX);
                        goto reject;
                }
        }
        if ((rc = build_message(p, ev, s, sn, stamped, &msg, &mlen, e)))
                goto reject;
        if (mlen + klen > p->max_msg) {
                rc = events__error_set(e, EVENTS_ERR_TOO_LARGE,
                                       "message of %zu bytes is larger than "
                                       "message.max.bytes (%zu)",
                                       mlen + klen, p->max_msg);
                goto reject;
        }
        if (!p->rk) {
                events_event_destroy(ev);
                return finish_sync(p, line, EVENTS_OUTCOME_DELIVERED, in, n, msg,
                                   mlen, 0, 0, NULL);
        }
        if (p->rate_on && wait_token(p)) {
                events__error_set(e, EVENTS_ERR_STATE,
                                  "interrupted before it was sent");
                events_event_destroy(ev);
                return finish_sync(p, line, EVENTS_OUTCOME_FAILED, in, n, msg,
                                   mlen, 0, 1, e);
        }

        /* The Kafka timestamp is the event's, in ms; before 1970 there is
         * no valid one, and 0 lets the broker's clock decide. */
        ts_ms = events_event_timestamp_us(ev) / 1000;
        if (ts_ms < 0)
                ts_ms = 0;
        for (;;) {
                const char *type = events_event_type(ev);

                kerr = rd_kafka_producev(
                    p->rk, RD_KAFKA_V_RKT(p->rkt),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_VALUE((void *)msg, mlen),
                    RD_KAFKA_V_KEY(has_key ? key : NULL, has_key ? klen : 0),
                    RD_KAFKA_V_TIMESTAMP(ts_ms),
                    RD_KAFKA_V_HEADER(EVENTS_HEADER_EVENT_TYPE, type,
                                      (ssize_t)strlen(type)),
                    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)line), RD_KAFKA_V_END);
                if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                /* Full: let delivery reports make room, never drop. */
                if (p->interrupted)
                        break;
                rd_kafka_poll(p->rk, 10);
        }
        events_event_destroy(ev);
        ev = NULL;
        if (kerr == RD_KAFKA_RESP_ERR_NO_ERROR) {
                p->c.in_flight++;
                rd_kafka_poll(p->rk, 0);
                return EVENTS_OUTCOME_QUEUED;
        }
        if (kerr == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
                rc = events__error_set(e, EVENTS_ERR_TOO_LARGE,
                                       "message of %zu bytes is too large for "
                                       "the producer (message.max.bytes)",
                                       mlen);
                goto reject;
        }
        if (kerr == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                events__error_set(e, EVENTS_ERR_STATE,
                                  "interrupted while waiting for queue room");
        else
                events__error_set(e, EVENTS_ERR_KAFKA, "%s",
                                  rd_kafka_err2str(kerr));
        return finish_sync(p, line, EVENTS_OUTCOME_FAILED, in, n, msg, mlen,
                           kerr, kafka_err_retriable(kerr), e);

reject:
        events_event_destroy(ev);
        return finish_sync(p, line, EVENTS_OUTCOME_REJECTED, in, n, NULL, 0, 0,
                           0, e);
}

int events_producer_poll(events_producer_t *p, int timeout_ms) {
        if (!p || !p->rk)
                return 0;
        return rd_kafka_poll(p->rk, timeout_ms);
}

events_err_t events_producer_flush(events_producer_t *p, int timeout_ms) {
        if (!p)
                return EVENTS_ERR_INVALID_ARG;
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
        if (!p->rk)
                return EVENTS_OK;
        rc = events_producer_flush(p, timeout_ms);
        if (rc == EVENTS_OK)
                return EVENTS_OK;
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        /* Purged messages come back as failed reports; serve them all. */
        deadline = mono_us() + 10 * 1000000;
        while (p->c.in_flight > 0 && mono_us() < deadline)
                rd_kafka_poll(p->rk, 100);
        return EVENTS_ERR_TIMED_OUT;
}

void events_producer_destroy(events_producer_t *p) {
        if (!p)
                return;
        if (p->rk) {
                if (p->c.in_flight > 0)
                        events_producer_close(p, 0);
                if (p->rkt)
                        rd_kafka_topic_destroy(p->rkt);
                rd_kafka_destroy(p->rk);
        }
        events_report_destroy(p->report);
        free(p->topic);
        free(p->wrap_type);
        free(p->wrap_prefix);
        free(p->key_path);
        free(p->buf);
        free(p);
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
