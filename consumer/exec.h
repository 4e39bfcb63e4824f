/*
 * exec.h - run a program without a shell, feed it bytes on stdin, and wait
 * for it with a deadline. Used by the exec handler.
 */
#ifndef CONSUMER_EXEC_H
#define CONSUMER_EXEC_H

#include <stddef.h>

/**
 * Run @p argv[0] (a path; no PATH search, no shell) with @p argv and
 * @p envp, write @p in to its stdin, close it, and wait until it exits or
 * @p timeout_ms passes. On timeout the program's process group is killed
 * (SIGKILL) and reaped. stdout and stderr are the daemon's.
 * @returns 0 when it exited with status 0; -1 otherwise, with the reason
 *          ("exit status 3", "killed by signal 9", "timed out after 50
 *          ms", "fork: ...") in @p err.
 */
int exec_run(char *const argv[], char *const envp[], const char *in,
             size_t in_len, int timeout_ms, char *err, size_t errsize);

#endif /* CONSUMER_EXEC_H */
