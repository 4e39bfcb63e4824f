/*
 * report.c - what events-producer tells about the lines it read.
 * Everything a line can become comes back through one receipt callback,
 * on_receipt(), which writes the stderr report, the reject file and its
 * reasons, the receipts file and the dry run's output; line ids become
 * FILE:LINE through the sources input.c recorded. At the end
 * report_finish() writes the summary and chooses the exit status from
 * the producer's counts (see usage() and the README).
 */
#include "report.h"

#include "metrics.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <events/events.h>

#include "log.h"

/* Failed deliveries shown one by one on stderr; the rest are counted. */
#define MAX_FAILURES_SHOWN 10

/* Write @p s as a JSON string. Input bytes pass through; the library's
 * texts are UTF-8. */
static void json_str(FILE *fp, const char *s) {
        fputc('"', fp);
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch == '"' || ch == '\\')
                        fprintf(fp, "\\%c", ch);
                else if (ch == '\n')
                        fputs("\\n", fp);
                else if (ch == '\t')
                        fputs("\\t", fp);
                else if (ch < 0x20 || ch == 0x7f)
                        fprintf(fp, "\\u%04x", ch);
                else
                        fputc(ch, fp);
        }
        fputc('"', fp);
}

/* The source and in-file line number of a global line id. */
static const struct source *source_of(const struct app *a, uint64_t id,
                                      uint64_t *line) {
        size_t lo = 0, hi = a->nsrcs;

        while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;

                if (a->srcs[mid].first <= id)
                        lo = mid;
                else
                        hi = mid;
        }
        *line = id - a->srcs[lo].first + 1;
        return &a->srcs[lo];
}

/* "FILE:LINE" or "line LINE" (stdin). */
void where(const struct app *a, uint64_t id, char *buf, size_t size) {
        uint64_t line;
        const struct source *src = source_of(a, id, &line);

        if (src->name)
                snprintf(buf, size, "%s:%" PRIu64, src->name, line);
        else
                snprintf(buf, size, "line %" PRIu64, line);
}

/* A reason on one line: where in the event, then why. */
static void reason(const events_error_t *e, char *buf, size_t size) {
        if (e->pointer[0])
                snprintf(buf, size, "%s: %s", e->pointer, e->text);
        else if (e->column > 0)
                snprintf(buf, size, "column %d: %s", e->column, e->text);
        else
                snprintf(buf, size, "%s", e->text);
}

static void json_where(FILE *fp, const struct app *a, uint64_t id) {
        uint64_t line;
        const struct source *src = source_of(a, id, &line);

        fputc('{', fp);
        if (src->name) {
                fputs("\"file\":", fp);
                json_str(fp, src->name);
                fputc(',', fp);
        }
        fprintf(fp, "\"line\":%" PRIu64, line);
}

/* on_receipt() for everything but a delivered line without --receipts:
 * the reports on stderr and in the files. Apart, so that the common case
 * does not pay for this one's stack. */
static void __attribute__((noinline))
report_line(const events_receipt_t *r, struct app *a, events_outcome_t oc) {
        uint64_t id = events_receipt_line(r);
        const events_error_t *e = events_receipt_error(r);
        char at[512], why[EVENTS_ERROR_TEXT_LENGTH +
                          EVENTS_ERROR_POINTER_LENGTH + 16];
        char q1[600], q2[sizeof(why) + 64];
        const char *bytes;
        size_t len;

        if (oc == EVENTS_OUTCOME_REJECTED || oc == EVENTS_OUTCOME_FAILED) {
                where(a, id, at, sizeof(at));
                reason(e, why, sizeof(why));
        }
        if (oc == EVENTS_OUTCOME_REJECTED) {
                a->rejected++;
                if (log_structured)
                        log_msg(LOG_WARN, "rejected",
                                "at=%s error=%s reason=%s",
                                log_quote(at, q1, sizeof(q1)),
                                events_err2name(e->code),
                                log_quote(why, q2, sizeof(q2)));
                else
                        fprintf(stderr, PROG ": %s: rejected: %s\n", at, why);
                if (e && e->code == EVENTS_ERR_NO_SCHEMA && !a->hinted++) {
                        static const char hint[] =
                                "add the type's schema (--schemas DIR, "
                                "repeatable), or accept types without one "
                                "(--allow-unknown-types)";

                        if (log_structured)
                                log_msg(LOG_INFO, "hint", "hint=%s",
                                        log_quote(hint, q1, sizeof(q1)));
                        else
                                fprintf(stderr, PROG ": hint: %s\n", hint);
                }
                if (a->reject) {
                        bytes = events_receipt_input(r, &len);
                        if (fwrite(bytes, 1, len, a->reject) != len ||
                            fputc('\n', a->reject) == EOF)
                                a->write_error = 1;
                        a->reject_lines++;
                        json_where(a->reasons, a, id);
                        fprintf(a->reasons,
                                ",\"reject_line\":%" PRIu64
                                ",\"error\":\"%s\",\"reason\":",
                                a->reject_lines, events_err2name(e->code));
                        json_str(a->reasons, why);
                        fputs("}\n", a->reasons);
                }
        } else if (oc == EVENTS_OUTCOME_FAILED) {
                if (a->failed_shown++ < MAX_FAILURES_SHOWN && log_structured)
                        log_msg(LOG_ERROR, "not delivered", "at=%s reason=%s",
                                log_quote(at, q1, sizeof(q1)),
                                log_quote(why, q2, sizeof(q2)));
                else if (a->failed_shown <= MAX_FAILURES_SHOWN)
                        fprintf(stderr, PROG ": %s: not delivered: %s\n", at,
                                why);
                else if (a->failed_shown == MAX_FAILURES_SHOWN + 1 &&
                         log_structured)
                        log_msg(LOG_WARN,
                                "further undelivered lines are counted, "
                                "not shown",
                                "shown=%d", MAX_FAILURES_SHOWN);
                else if (a->failed_shown == MAX_FAILURES_SHOWN + 1)
                        fprintf(stderr, PROG ": (further undelivered lines "
                                             "are counted, not shown)\n");
        }
        if (a->receipts) {
                FILE *fp = a->receipts;

                json_where(fp, a, id);
                fprintf(fp, ",\"status\":\"%s\"", events_outcome_name(oc));
                if (oc == EVENTS_OUTCOME_DELIVERED) {
                        fprintf(fp,
                                ",\"partition\":%" PRId32
                                ",\"offset\":%" PRId64,
                                events_receipt_partition(r),
                                events_receipt_offset(r));
                } else if (oc == EVENTS_OUTCOME_REJECTED ||
                           oc == EVENTS_OUTCOME_FAILED) {
                        fprintf(fp, ",\"error\":\"%s\",\"reason\":",
                                events_err2name(e->code));
                        json_str(fp, why);
                        if (oc == EVENTS_OUTCOME_FAILED)
                                fprintf(fp, ",\"retriable\":%s",
                                        events_receipt_retriable(r) ? "true"
                                                                    : "false");
                }
                fputs("}\n", fp);
        }
}

void on_receipt(const events_receipt_t *r, void *opaque) {
        struct app *a = opaque;
        events_outcome_t oc = events_receipt_outcome(r);

        if (oc == EVENTS_OUTCOME_DELIVERED) {
                if (a->dry_run) {
                        size_t len;
                        const char *bytes = events_receipt_message(r, &len);

                        outbuf_line(&a->out, bytes, len);
                }
                /* The common case: nothing more to tell. */
                if (!a->receipts)
                        return;
        }
        report_line(r, a, oc);
}

void prog_error(const char *fmt, ...) {
        char text[1024];
        size_t n;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        n = strlen(text);
        if (n && text[n - 1] == '\n')
                text[--n] = '\0';
        if (log_structured)
                log_msg(LOG_ERROR, text, NULL);
        else
                fprintf(stderr, PROG ": %s\n", text);
}

void on_error(events_err_t err, const char *why, int fatal, void *opaque) {
        char q[600];

        (void)err, (void)opaque;
        if (log_structured)
                log_msg(LOG_ERROR, fatal ? "fatal kafka error" : "kafka error",
                        "error=%s", log_quote(why ? why : "", q, sizeof(q)));
        else
                fprintf(stderr, PROG ": kafka%s: %s\n", fatal ? " (fatal)" : "",
                        why);
}

void on_log(events_log_level_t level, const char *msg,
            const events_log_field_t *fields, size_t nfields, void *opaque) {
        log_level_t l = level <= EVENTS_LOG_ERROR     ? LOG_ERROR
                        : level == EVENTS_LOG_WARNING ? LOG_WARN
                        : level >= EVENTS_LOG_DEBUG   ? LOG_DEBUG
                                                      : LOG_INFO;
        log_field_t f[16];
        const char *fac = "";
        size_t n = 0;

        (void)opaque;
        for (size_t i = 0; i < nfields && n < 16; i++) {
                f[n++] = (log_field_t){fields[i].key, fields[i].value};
                if (!strcmp(fields[i].key, "rdkafka"))
                        fac = fields[i].value;
        }
        if (log_structured)
                log_fields(l, msg, f, n);
        else if (log_enabled(l))
                fprintf(stderr, PROG ": librdkafka %s: %s\n", fac, msg);
}

void show_progress(struct app *a, int force) {
        events_producer_counts_t c;
        int64_t now = mono_us();
        double secs;

        (void)metrics_file_write(a, 0, 0);
        if (!a->progress || (!force && now - a->last_progress_us < 250000))
                return;
        a->last_progress_us = now;
        events_producer_counts(a->p, &c);
        secs = (double)(now - a->start_us) / 1e6;
        fprintf(stderr,
                "\r\033[K%" PRIu64 " read, %" PRIu64 " delivered, %" PRIu64
                " rejected, %" PRIu64 " failed, %" PRIu64
                " in flight (%.0f events/s)",
                c.read, c.delivered, c.rejected, c.failed, c.in_flight,
                secs > 0 ? (double)c.delivered / secs : 0.0);
}

/* check_key()'s warning, apart: check_key() runs after every line. */
static void __attribute__((noinline)) warn_key(struct app *a) {
        a->key_warned = 1;
        /* kcat's -k is a literal key: "-k user-42" here is a path that
         * matches nothing, and every message would go without a key. */
        if (log_structured) {
                char q[600];

                log_msg(LOG_WARN, "a line has no key path: sent without a key",
                        "key_path=%s hint=\"-k names a path in the event "
                        "(default data.user_id); -k '' sends no key\"",
                        log_quote(a->key_path, q, sizeof(q)));
                return;
        }
        fprintf(stderr,
                PROG ": warning: a line has no \"%s\" (-k): sent without a "
                     "key; -k names a path in the event (default "
                     "data.user_id), -k '' sends no key\n",
                a->key_path);
}

void check_key(struct app *a) {
        events_producer_counts_t c;

        events_producer_counts(a->p, &c);
        if (c.no_key)
                warn_key(a);
}

static FILE *open_out(const char *path) {
        FILE *fp = fopen(path, "w");

        if (!fp)
                prog_error("%s: %s\n", path, strerror(errno));
        return fp;
}

static int close_out(FILE *fp, const char *path) {
        if (fp && (ferror(fp) | fclose(fp))) {
                prog_error("%s: write error\n", path);
                return -1;
        }
        return 0;
}

int report_open(struct app *a, const char *reject_file, const char *receipts) {
        if (reject_file) {
                char *rp = malloc(strlen(reject_file) + sizeof(".reasons"));

                if (!rp)
                        return EX_OSERR;
                strcpy(rp, reject_file);
                strcat(rp, ".reasons");
                a->reject_path = reject_file;
                a->reject = open_out(reject_file);
                a->reasons = a->reject ? open_out(rp) : NULL;
                free(rp);
                if (!a->reasons)
                        return EX_CANTCREAT;
        }
        a->receipts_path = receipts;
        if (receipts && !(a->receipts = open_out(receipts)))
                return EX_CANTCREAT;
        return EX_OK;
}

int report_finish(struct app *a, int stopped, int last_signal) {
        events_producer_counts_t c;
        double secs;
        char q[600];

        events_producer_counts(a->p, &c);
        secs = (double)(mono_us() - a->start_us) / 1e6;
        if (metrics_file_write(a, 1, 1))
                a->write_error = 1;
        if (a->progress)
                fputs("\r\033[K", stderr);
        if (a->key_path && !a->key_warned)
                check_key(a);
        if (signals_seen && log_structured)
                log_msg(LOG_WARN, "stopped reading",
                        "signal=%d read=%" PRIu64 " failed=%" PRIu64,
                        last_signal, c.read, c.failed);
        else if (signals_seen)
                fprintf(stderr,
                        PROG ": %s: stopped reading after %" PRIu64
                             " lines; %" PRIu64 " not delivered\n",
                        strsignal(last_signal), c.read, c.failed);
        if (log_structured)
                log_msg(LOG_INFO, "done",
                        "read=%" PRIu64 " delivered=%" PRIu64
                        " rejected=%" PRIu64 " failed=%" PRIu64
                        " skipped=%" PRIu64 " dry_run=%s duration_s=%.3f"
                        " events_per_s=%.0f",
                        c.read, c.delivered, c.rejected, c.failed, c.skipped,
                        a->dry_run ? "true" : "false", secs,
                        secs > 0 ? (double)c.delivered / secs : 0.0);
        else
                fprintf(stderr,
                        PROG ": %" PRIu64 " read, %" PRIu64 " %s, %" PRIu64
                             " rejected, %" PRIu64 " failed, %" PRIu64
                             " skipped (blank) in %.3f s, %.0f events/s\n",
                        c.read, c.delivered,
                        a->dry_run ? "valid (dry run)" : "delivered",
                        c.rejected, c.failed, c.skipped, secs,
                        secs > 0 ? (double)c.delivered / secs : 0.0);
        if (c.no_key && log_structured)
                log_msg(LOG_WARN, "sent without a key",
                        "count=%" PRIu64 " key_path=%s dry_run=%s", c.no_key,
                        log_quote(a->key_path, q, sizeof(q)),
                        a->dry_run ? "true" : "false");
        else if (c.no_key)
                fprintf(stderr,
                        PROG ": %" PRIu64 " %s without a key: no \"%s\" in "
                             "them (-k)\n",
                        c.no_key, a->dry_run ? "valid" : "sent", a->key_path);

        if (close_out(a->reject, a->reject_path) ||
            close_out(a->reasons, "reject reasons") ||
            close_out(a->receipts, a->receipts_path) || a->write_error)
                a->write_error = 1;
        a->reject = a->reasons = a->receipts = NULL;
        if (a->dry_run && outbuf_flush(&a->out))
                a->write_error = 1;

        if (c.failed_permanent)
                return EX_UNAVAILABLE;
        if (c.failed || signals_seen || a->close_failed)
                return EX_TEMPFAIL;
        if (stopped < 0 || a->write_error)
                return EX_IOERR;
        if (c.rejected)
                return EX_DATAERR;
        return EX_OK;
}
