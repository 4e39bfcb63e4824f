/*
 * metrics.h - events-producer's counts as a Prometheus text file
 * (--metrics-file), for node_exporter's textfile collector.
 */
#ifndef PRODUCER_METRICS_H
#define PRODUCER_METRICS_H

#include "app.h"

/**
 * @brief Write the counts now if the interval has passed (or @p force):
 *        to a temporary file next to a->metrics_path, then renamed over it,
 *        so that a reader never sees half a file.
 * @param final 1 for the last write, after the last delivery.
 * @returns 0, or -1 with the reason told on stderr (once per run for the
 *          periodic writes).
 */
int metrics_file_write(struct app *a, int force, int final);

#endif /* PRODUCER_METRICS_H */
