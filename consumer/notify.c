/*
 * notify.c - systemd's notification protocol for events-consumer (see
 * notify.h). The unit (packaging/systemd/events-consumer@.service) is
 * Type=notify with WatchdogSec=: systemd counts the service as started
 * only when READY=1 arrives, i.e. once the consumer has joined its group,
 * and restarts it when WATCHDOG=1 stops arriving, i.e. when the poll loop
 * hangs. libsystemd's sd_notify() does the socket work; it does nothing
 * when NOTIFY_SOCKET is unset.
 */
#include "notify.h"

#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "log.h"

void notify_init(notify_t *n) {
        uint64_t usec = 0;

        memset(n, 0, sizeof(*n));
        /* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is
         * this process. Half the interval leaves room for one late turn. */
        if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
                n->watchdog_ms = (int64_t)(usec / 2000);
                if (n->watchdog_ms < 1)
                        n->watchdog_ms = 1;
                log_msg(LOG_INFO, "systemd watchdog enabled",
                        "interval_ms=%lld", (long long)(usec / 1000));
        }
}

void notify_joined(notify_t *n) {
        n->joined = 1;
}

void notify_tick(notify_t *n, int assigned) {
        if (!n->ready && (assigned > 0 || n->joined)) {
                char msg[96];

                n->ready = 1;
                snprintf(msg, sizeof(msg),
                         "READY=1\nSTATUS=consuming, %d partition(s) assigned",
                         assigned);
                sd_notify(0, msg);
        }
        if (n->watchdog_ms > 0) {
                int64_t now = consumer_mono_ms();

                if (now - n->last_watchdog_ms >= n->watchdog_ms) {
                        n->last_watchdog_ms = now;
                        sd_notify(0, "WATCHDOG=1");
                }
        }
}

void notify_stopping(notify_t *n) {
        (void)n;
        sd_notify(0, "STOPPING=1\nSTATUS=stopping: committing and leaving "
                     "the group");
}
