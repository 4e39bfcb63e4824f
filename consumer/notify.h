/*
 * notify.h - the daemon's side of systemd's service notification protocol
 * (sd_notify(3)): READY=1 once it consumes, WATCHDOG=1 from the poll loop,
 * STATUS=... and STOPPING=1. Outside systemd (no NOTIFY_SOCKET in the
 * environment) every call is a cheap no-op, so the daemon calls them
 * unconditionally. Main thread only.
 */
#ifndef CONSUMER_NOTIFY_H
#define CONSUMER_NOTIFY_H

#include <stdint.h>

typedef struct notify {
        int ready;           /* READY=1 was sent */
        int joined;          /* the group gave us an assignment */
        int64_t watchdog_ms; /* keep-alive period: half WATCHDOG_USEC, 0 off */
        int64_t last_watchdog_ms; /* when WATCHDOG=1 was last sent */
} notify_t;

/** Read WATCHDOG_USEC (and WATCHDOG_PID) from the environment. */
void notify_init(notify_t *n);

/**
 * Note that the group gave this member an assignment, even an empty one
 * (more members than partitions): the member is then consuming as far as
 * the group is concerned.
 */
void notify_joined(notify_t *n);

/**
 * Call once per turn of the poll loop: sends READY=1 (with a STATUS) the
 * first time the member has joined or holds partitions, and WATCHDOG=1
 * whenever half the watchdog interval has passed since the last one.
 * @param assigned the number of partitions the member holds now.
 */
void notify_tick(notify_t *n, int assigned);

/** Send STOPPING=1: the daemon has left its loop and is shutting down. */
void notify_stopping(notify_t *n);

#endif /* CONSUMER_NOTIFY_H */
