/*
 * report.h - what events-producer tells about the lines: each rejected or
 * failed line on stderr, the reject and receipts files, the dry run's
 * output, the live progress, the summary and the exit status.
 */
#ifndef PRODUCER_REPORT_H
#define PRODUCER_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <events/producer.h>

#include "app.h"

/**
 * @brief Open the reject file (and its .reasons) and the receipts file.
 * @param reject_file, receipts the paths; NULL for none.
 * @returns EX_OK, EX_OSERR, or EX_CANTCREAT (told on stderr).
 */
int report_open(struct app *a, const char *reject_file, const char *receipts);

/** The receipt callback (events_producer_set_receipt_cb()); @p opaque is
 *  the struct app. */
void on_receipt(const events_receipt_t *r, void *opaque);

/** The log callback (events_producer_set_log_fields_cb()): librdkafka's
 *  records, in the program's format. */
void on_log(events_log_level_t level, const char *msg,
            const events_log_field_t *fields, size_t nfields, void *opaque);

/** The error callback (events_producer_set_error_cb()). */
void on_error(events_err_t err, const char *why, int fatal, void *opaque);

/** Show the live count (--progress, on a terminal): at most every 250 ms
 *  unless @p force. */
void show_progress(struct app *a, int force);

/** Warn once, naming -k's path, when a line was sent without a key. */
void check_key(struct app *a);

/** "FILE:LINE" or "line LINE" (stdin) of the global line id @p id. */
void where(const struct app *a, uint64_t id, char *buf, size_t size);

/**
 * @brief After the last delivery: the summary on stderr, the outputs
 *        closed, and the exit status.
 * @param stopped read_all()'s result.
 * @param last_signal the last signal seen, for the summary.
 * @returns the exit status: EX_UNAVAILABLE, EX_TEMPFAIL, EX_IOERR,
 *          EX_DATAERR or EX_OK, the first that applies.
 */
int report_finish(struct app *a, int stopped, int last_signal);

#endif /* PRODUCER_REPORT_H */
