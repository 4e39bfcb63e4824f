/*
 * tbucket.c - a token bucket: the producer's --rate. Tokens flow in at a
 * steady rate up to a small burst, and each event takes one, so a stream
 * never runs faster than the rate over any stretch longer than the burst.
 * Time is always given by the caller (microseconds, monotonic), which
 * keeps the arithmetic testable without sleeping.
 */
#include "tbucket_int.h"

void events__tbucket_init(events__tbucket_t *tb, double rate, double burst,
                          int64_t now_us) {
        tb->rate = rate > 0 ? rate : 0;
        tb->burst = burst < 1 ? 1 : burst;
        tb->tokens = tb->burst;
        tb->last_us = now_us;
}

int64_t events__tbucket_take(events__tbucket_t *tb, int64_t now_us) {
        double missing;
        int64_t wait;

        if (tb->rate <= 0)
                return 0;
        if (now_us > tb->last_us) {
                tb->tokens += (double)(now_us - tb->last_us) * tb->rate / 1e6;
                if (tb->tokens > tb->burst)
                        tb->tokens = tb->burst;
                tb->last_us = now_us;
        }
        if (tb->tokens >= 1) {
                tb->tokens -= 1;
                return 0;
        }
        missing = 1 - tb->tokens;
        wait = (int64_t)(missing * 1e6 / tb->rate);
        return wait > 0 ? wait : 1;
}
