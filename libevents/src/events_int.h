/*
 * events_int.h - private helpers shared by libevents' modules. Nothing here
 * is installed or exported; the unit tests reach it through the static
 * events_internal archive.
 */
#ifndef EVENTS_INT_H
#define EVENTS_INT_H

#include "events/events.h"

#if defined(__GNUC__)
#define EVENTS__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EVENTS__PRINTF(f, a)
#endif

/**
 * Fill @p err (may be NULL) with @p code and a printf-style text (NULL fmt
 * uses events_err2str()). Clears the location fields first.
 * @returns code, so that callers can `return events__error_set(...)`.
 */
events_err_t events__error_set(events_error_t *err, events_err_t code,
                               const char *fmt, ...) EVENTS__PRINTF(3, 4);

/** Set the JSON pointer of @p err (may be NULL). */
void events__error_set_pointer(events_error_t *err, const char *pointer);

/** CLOCK_MONOTONIC in microseconds, for durations, deadlines and rates. */
int64_t events__mono_us(void);

#endif /* EVENTS_INT_H */
