/*
 * shutdown.h - the daemon's bounded stop. SIGTERM and SIGINT set the stop
 * flag and, in the signal handler, the time they came; from then:
 *
 *   t0 + T/2   handlers must have returned (events_handler_ctx_deadline_ms():
 *              an exec program gets SIGTERM at t0 and SIGKILL by then);
 *   t0 + T     the watchdog ends the process with status 75 (EX_TEMPFAIL)
 *              if it is still there: nothing more is committed;
 *
 * where T is --shutdown-timeout. The final commit and leaving the group get
 * what is left before t0 + T (shutdown_left_ms()).
 */
#ifndef CONSUMER_SHUTDOWN_H
#define CONSUMER_SHUTDOWN_H

#include <signal.h>
#include <stdint.h>

/** Set by SIGTERM/SIGINT (and shutdown_begin()). */
extern volatile sig_atomic_t shutdown_requested;

/** The handlers' deadline (CLOCK_MONOTONIC ms; 0 until a stop), for
 *  events_consumer_set_handler_deadline(). */
extern volatile int64_t shutdown_handler_deadline_ms;

/**
 * Install the SIGTERM/SIGINT handlers and start the watchdog thread.
 * @param timeout_ms --shutdown-timeout.
 * @returns 0, or -1 when the thread cannot start (errno).
 */
int shutdown_init(int timeout_ms);

/** The loop ended for another reason than a signal: start the clock. */
void shutdown_begin(void);

/** Milliseconds left for closing before the watchdog fires (at least
 *  100). */
int shutdown_left_ms(void);

/** The consumer is closed and the exit status known: from now on the
 *  watchdog exits with @p status rather than 75. */
void shutdown_set_status(int status);

/** Everything is done: the watchdog stands down. */
void shutdown_done(void);

#endif /* CONSUMER_SHUTDOWN_H */
