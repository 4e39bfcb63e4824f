/*
 * clock.h - the daemon's one monotonic clock, for timeouts, intervals and
 * "recent failures" windows. Inline so that each file (and each test that
 * compiles a file alone) gets it without another object to link.
 */
#ifndef EVENTS_CONSUMER_CLOCK_H
#define EVENTS_CONSUMER_CLOCK_H

#include <stdint.h>
#include <time.h>

/** CLOCK_MONOTONIC in milliseconds. */
static inline int64_t consumer_mono_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* EVENTS_CONSUMER_CLOCK_H */
