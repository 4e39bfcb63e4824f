/*
 * exec.h - run a program without a shell, feed it bytes on stdin, and wait
 * for it with a deadline. Used by the exec handler.
 */
#ifndef CONSUMER_EXEC_H
#define CONSUMER_EXEC_H

#include <stddef.h>
#include <stdint.h>

/* After SIGTERM at shutdown, how long a program gets to exit before
 * SIGKILL, unless the handler's deadline comes first. */
#define EXEC_TERM_GRACE_MS 2000

/**
 * Whether to stop the program early: -1 to go on; otherwise the
 * CLOCK_MONOTONIC time in ms by which it must be gone (0: no deadline of
 * its own, EXEC_TERM_GRACE_MS applies). Asked every few ms.
 */
typedef int64_t (*exec_cancel_cb)(void *opaque);

/** One run: what exec_run() takes, plus a cancellation. */
typedef struct exec_req {
        char *const *argv;
        char *const *envp;
        const char *in;
        size_t in_len;
        int timeout_ms;
        exec_cancel_cb cancel; /* may be NULL */
        void *cancel_opaque;
} exec_req_t;

/**
 * Run @p argv[0] (a path; no PATH search, no shell) with @p argv and
 * @p envp, write @p in to its stdin, close it, and wait until it exits or
 * @p timeout_ms passes. On timeout the program's process group is killed
 * (SIGKILL) and reaped. stdout and stderr are the daemon's.
 * @returns 0 when it exited with status 0; -1 otherwise, with the reason
 *          ("exit status 3", "killed by signal 9 (SIGKILL)", "timed out
 *          after 50 ms", "fork: ...") in @p err.
 */
int exec_run(char *const argv[], char *const envp[], const char *in,
             size_t in_len, int timeout_ms, char *err, size_t errsize);

/**
 * exec_run() with a cancellation: once @p req->cancel says so, the
 * program's process group gets SIGTERM, and SIGKILL at the cancel's
 * deadline or after EXEC_TERM_GRACE_MS, whichever comes first. The reason
 * then starts with "stopped at shutdown: " ("...: killed by signal 15
 * (SIGTERM)", or its exit status when it exited by itself).
 * @returns as exec_run(); also 0 when a cancelled program still exited 0.
 */
int exec_run_req(const exec_req_t *req, char *err, size_t errsize);

#endif /* CONSUMER_EXEC_H */
