/*
 * shutdown.c - the daemon's bounded stop (shutdown.h). The signal handler
 * only reads the monotonic clock (clock_gettime is async-signal-safe) and
 * stores two values; the watchdog is a thread rather than alarm(), so that
 * it can log an ordinary record before it ends the process, and so that
 * its deadline is in milliseconds.
 */
#include "shutdown.h"

#include <pthread.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

volatile sig_atomic_t shutdown_requested;
volatile int64_t shutdown_handler_deadline_ms;

static volatile int64_t stop_at_ms; /* 0: no stop yet */
static volatile sig_atomic_t done;
static volatile sig_atomic_t decided = -1; /* the exit status, once known */
static int timeout;

static void note_stop(void) {
        if (!stop_at_ms) {
                int64_t now = consumer_mono_ms();
                stop_at_ms = now;
                shutdown_handler_deadline_ms = now + timeout / 2;
        }
}

static void on_stop(int sig) {
        (void)sig;
        note_stop();
        shutdown_requested = 1;
}

static void *watchdog(void *arg) {
        struct timespec nap = {0, 20 * 1000000L};

        (void)arg;
        for (;;) {
                nanosleep(&nap, NULL);
                if (done)
                        return NULL;
                if (stop_at_ms && consumer_mono_ms() >= stop_at_ms + timeout)
                        break;
        }
        if (decided >= 0) {
                /* closed already: only releasing resources hangs (e.g.
                 * librdkafka's threads on a lost broker) */
                log_msg(LOG_WARN,
                        "shutdown timeout passed while releasing resources: "
                        "exiting",
                        "timeout_ms=%d status=%d", timeout, (int)decided);
                _exit(decided);
        }
        log_msg(LOG_ERROR,
                "shutdown timeout passed: exiting without a final commit",
                "timeout_ms=%d status=%d", timeout, EX_TEMPFAIL);
        _exit(EX_TEMPFAIL);
}

int shutdown_init(int timeout_ms) {
        struct sigaction sa;
        pthread_attr_t attr;
        pthread_t t;
        sigset_t all, old;
        int rc;

        timeout = timeout_ms;
        memset(&sa, 0, sizeof(sa));
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = on_stop;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        /* The signals go to the main thread, whose polls they end. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        rc = pthread_create(&t, &attr, watchdog, NULL);
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return rc ? -1 : 0;
}

void shutdown_begin(void) {
        note_stop();
}

int shutdown_left_ms(void) {
        /* a little before the watchdog, for the last records */
        int64_t left = stop_at_ms + timeout - 200 - consumer_mono_ms();

        return left < 100 ? 100 : left > timeout ? timeout : (int)left;
}

void shutdown_set_status(int status) {
        decided = status;
}

void shutdown_done(void) {
        done = 1;
}
