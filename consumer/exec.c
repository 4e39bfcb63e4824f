/*
 * exec.c - fork, execve, a stdin socket and a deadline.
 *
 * The daemon has librdkafka's threads running, so after fork() the child
 * may only call async-signal-safe functions: everything it needs (the
 * resolved path, argv, the environment) is prepared by the caller before
 * the fork, and the child only calls setpgid, sigaction, sigprocmask, dup2,
 * close, execve and _exit. The child gets its own process group so that a
 * timeout kills whatever it started too, and a Ctrl-C at the terminal goes
 * to the daemon alone, which then finishes the current event.
 *
 * The parent writes stdin without blocking (a program that never reads its
 * input must not hang the daemon past the deadline), then waits with
 * waitpid(WNOHANG) and short sleeps that grow from 1 ms to 20 ms. Between
 * two sleeps it asks the cancellation (the daemon is stopping): then the
 * group gets SIGTERM, and SIGKILL after a short grace, so that a SIGTERM
 * of the daemon ends within its --shutdown-timeout whatever the program
 * does.
 */
#include "clock.h"
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

static void child(char *const argv[], char *const envp[], int in_fd) {
        struct sigaction sa;
        sigset_t none;

        setpgid(0, 0);
        /* The daemon ignores SIGPIPE and blocks nothing it wants the child
         * to keep: give the program the defaults it expects. */
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (in_fd != STDIN_FILENO) {
                if (dup2(in_fd, STDIN_FILENO) < 0)
                        _exit(126);
                close(in_fd);
        }
        execve(argv[0], argv, envp);
        _exit(127);
}

/* "killed by signal 9 (SIGKILL)" and the like, for @p status. */
static void describe(int status, const char *prog, char *err, size_t errsize) {
        if (WIFEXITED(status)) {
                if (WEXITSTATUS(status) == 127)
                        snprintf(err, errsize,
                                 "exit status 127 (could not run %s?)", prog);
                else
                        snprintf(err, errsize, "exit status %d",
                                 WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
                const char *name = sigabbrev_np(WTERMSIG(status));
                snprintf(err, errsize, "killed by signal %d%s%s%s",
                         WTERMSIG(status), name ? " (SIG" : "",
                         name ? name : "", name ? ")" : "");
        } else {
                snprintf(err, errsize, "ended with status 0x%x", status);
        }
}

int exec_run(char *const argv[], char *const envp[], const char *in,
             size_t in_len, int timeout_ms, char *err, size_t errsize) {
        exec_req_t req = {argv, envp, in, in_len, timeout_ms, NULL, NULL};

        return exec_run_req(&req, err, errsize);
}

/* Where the cancellation stands: -1 not cancelled, else when to SIGKILL. */
static int64_t kill_at(const exec_req_t *req, int64_t *termed_at, pid_t pid) {
        int64_t d, now;

        if (!req->cancel || (d = req->cancel(req->cancel_opaque)) < 0)
                return -1;
        now = consumer_mono_ms();
        if (!*termed_at) {
                kill(-pid, SIGTERM);
                kill(pid, SIGTERM);
                *termed_at = now;
        }
        if (d == 0 || d > *termed_at + EXEC_TERM_GRACE_MS)
                d = *termed_at + EXEC_TERM_GRACE_MS;
        return d;
}

int exec_run_req(const exec_req_t *req, char *err, size_t errsize) {
        int64_t deadline = consumer_mono_ms() + req->timeout_ms, termed = 0;
        int pfd[2], status = 0, nap = 1;
        size_t off = 0;
        pid_t pid, w;

        /* A socket pair rather than a pipe: send(MSG_NOSIGNAL) reports a
         * program that exits without reading as EPIPE, with no SIGPIPE,
         * whatever the caller's signal dispositions. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pfd) < 0) {
                snprintf(err, errsize, "socketpair: %s", strerror(errno));
                return -1;
        }
        pid = fork();
        if (pid < 0) {
                snprintf(err, errsize, "fork: %s", strerror(errno));
                close(pfd[0]);
                close(pfd[1]);
                return -1;
        }
        if (pid == 0) {
                /* pfd[1] is close-on-exec; pfd[0] becomes stdin (dup2
                 * clears the flag on the copy). */
                child(req->argv, req->envp, pfd[0]);
        }
        setpgid(pid, pid); /* also here: no race with a kill before exec */
        close(pfd[0]);
        fcntl(pfd[1], F_SETFL, O_NONBLOCK);

        /* Feed stdin until done, the program closes it, the deadline or a
         * cancellation. */
        while (off < req->in_len) {
                int64_t left = deadline - consumer_mono_ms();
                struct pollfd p = {pfd[1], POLLOUT, 0};
                ssize_t n;

                if (left <= 0 || kill_at(req, &termed, pid) >= 0)
                        break;
                if (poll(&p, 1, (int)(left > 20 ? 20 : left)) < 0 &&
                    errno != EINTR)
                        break;
                n = send(pfd[1], req->in + off, req->in_len - off,
                         MSG_NOSIGNAL);
                if (n > 0) {
                        off += (size_t)n;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        break; /* EPIPE: it exited or closed stdin */
                }
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        close(pfd[1]);
                        goto reaped;
                }
        }
        close(pfd[1]);

        for (;;) {
                int64_t now, k;

                w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR) {
                        snprintf(err, errsize, "waitpid: %s", strerror(errno));
                        return -1;
                }
                now = consumer_mono_ms();
                k = kill_at(req, &termed, pid);
                if (now >= deadline || (k >= 0 && now >= k)) {
                        kill(-pid, SIGKILL);
                        kill(pid, SIGKILL);
                        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                                ;
                        if (termed) {
                                char why[128];
                                describe(status, req->argv[0], why,
                                         sizeof(why));
                                snprintf(err, errsize,
                                         "stopped at shutdown: %s", why);
                        } else {
                                snprintf(err, errsize, "timed out after %d ms",
                                         req->timeout_ms);
                        }
                        return -1;
                }
                sleep_ms(nap);
                if (nap < 20)
                        nap *= 2;
        }
reaped:
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (termed) {
                char why[128];
                describe(status, req->argv[0], why, sizeof(why));
                snprintf(err, errsize, "stopped at shutdown: %s", why);
        } else {
                describe(status, req->argv[0], err, errsize);
        }
        return -1;
}
