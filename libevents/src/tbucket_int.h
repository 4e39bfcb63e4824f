/*
 * tbucket_int.h - a token bucket, for limiting a rate of events. The clock
 * is passed in by the caller, so that the tests can drive it.
 */
#ifndef EVENTS_TBUCKET_INT_H
#define EVENTS_TBUCKET_INT_H

#include <stdint.h>

typedef struct events__tbucket_s {
        double rate;     /* tokens added per second; 0 means no limit */
        double burst;    /* the most tokens the bucket holds */
        double tokens;   /* tokens now */
        int64_t last_us; /* when tokens was last brought up to date */
} events__tbucket_t;

/**
 * Start a bucket of @p rate tokens per second, holding at most @p burst
 * tokens (values below 1 mean 1), full at @p now_us.
 */
void events__tbucket_init(events__tbucket_t *tb, double rate, double burst,
                          int64_t now_us);

/**
 * Take one token at @p now_us.
 * @returns 0 when a token was taken; otherwise how many microseconds to
 *          wait before one is there (nothing is taken then).
 */
int64_t events__tbucket_take(events__tbucket_t *tb, int64_t now_us);

#endif /* EVENTS_TBUCKET_INT_H */
