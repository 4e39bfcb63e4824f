/*
 * input.c - events-producer's reading: each FILE in turn, or stdin, split
 * into lines and submitted to the producer, each with a global line id
 * that report.c turns back into FILE:LINE. Before the reader would wait
 * for input it has the producer send what it holds; it stops at a signal
 * and, with --max-errors, at the Nth rejected line.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <events/events.h>

#include "report.h"

int input_check(char **files, int nfiles) {
        /* Every input must be there before anything is sent. */
        for (int i = 0; i < nfiles; i++) {
                if (strcmp(files[i], "-") && access(files[i], R_OK)) {
                        prog_error("%s: %s\n", files[i], strerror(errno));
                        return EX_NOINPUT;
                }
        }
        return EX_OK;
}

/*
 * A line reader over read(2): it knows when it is about to wait for input,
 * and then first has the producer send what it holds, so that a slow
 * stream (tail -F) is never left sitting in the pipeline.
 */
struct reader {
        int fd;
        char *buf;
        size_t cap, start, end;
        int eof;
};

/* The next line, its '\n' included (the last may lack it). Returns 1, 0
 * at the end, -1 on a read error (errno), -2 when a signal stopped it. */
static int next_line(struct app *a, struct reader *r, const char **linep,
                     size_t *lenp) {
        for (;;) {
                char *at = r->buf + r->start, *nl;
                size_t have = r->end - r->start;
                ssize_t n;

                if (have && (nl = memchr(at, '\n', have))) {
                        *linep = at;
                        *lenp = (size_t)(nl - at) + 1;
                        r->start += *lenp;
                        return 1;
                }
                if (r->eof) {
                        if (!have)
                                return 0;
                        *linep = at;
                        *lenp = have;
                        r->start = r->end;
                        return 1;
                }
                if (r->start > 0) {
                        memmove(r->buf, at, have);
                        r->start = 0;
                        r->end = have;
                }
                if (r->end == r->cap) {
                        size_t cap = r->cap ? r->cap * 2 : 1 << 16;
                        char *nb = realloc(r->buf, cap);

                        if (!nb)
                                return -1;
                        r->buf = nb;
                        r->cap = cap;
                }
                {
                        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};

                        if (poll(&pfd, 1, 0) == 0) {
                                events_producer_poll(a->p, 0);
                                show_progress(a, 0);
                                /* Idle input: keep --metrics-file fresh
                                 * while waiting for it. */
                                while (a->metrics_path && !signals_seen &&
                                       poll(&pfd, 1, 1000) == 0) {
                                        events_producer_poll(a->p, 0);
                                        show_progress(a, 0);
                                }
                        }
                }
                n = read(r->fd, r->buf + r->end, r->cap - r->end);
                /* The lines this read completes arrived now: stamped with
                 * this time, and the clock is read once a read. */
                if (n > 0)
                        events_producer_set_stamp_time(a->p, events_now_us());
                if (n < 0) {
                        if (errno == EINTR && !signals_seen)
                                continue;
                        return errno == EINTR ? -2 : -1;
                }
                if (n == 0)
                        r->eof = 1;
                r->end += (size_t)n;
                if (signals_seen)
                        return -2;
        }
}

/*
 * Read every source, submitting each line. Returns 0 at the end of the
 * input, 1 when stopped early (signal or --max-errors), -1 on a read error.
 */
int read_all(struct app *a, char **files, int nfiles) {
        struct reader r = {0};
        const char *line;
        size_t len;
        uint64_t id = 0;
        int rc = 0, got;

        for (int i = 0; i < (nfiles ? nfiles : 1) && rc == 0; i++) {
                const char *name = nfiles ? files[i] : "-";
                int fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;

                if (fd < 0) {
                        prog_error("%s: %s\n", name, strerror(errno));
                        rc = -1;
                        break;
                }
                r.fd = fd;
                r.start = r.end = 0;
                r.eof = 0;
                a->srcs[a->nsrcs].name = strcmp(name, "-") ? name
                                         : a->named_files  ? "(stdin)"
                                                           : NULL;
                a->srcs[a->nsrcs++].first = id + 1;
                while ((got = next_line(a, &r, &line, &len)) == 1) {
                        events_producer_submit(a->p, line, len, ++id, NULL);
                        if (a->key_path && !a->key_warned)
                                check_key(a);
                        if (signals_seen) {
                                rc = 1;
                                break;
                        }
                        if (a->max_errors && a->rejected >= a->max_errors) {
                                char at[512];

                                where(a, id, at, sizeof(at));
                                prog_error("giving up after %" PRIu64
                                           " rejected lines (--max-errors); "
                                           "stopped after %s\n",
                                           a->rejected, at);
                                rc = 1;
                                break;
                        }
                        if ((id & 1023) == 0)
                                show_progress(a, 0);
                }
                if (got == -2) {
                        rc = 1;
                } else if (got == -1) {
                        prog_error("%s: read error: %s\n", name,
                                   strerror(errno));
                        rc = -1;
                }
                if (fd != 0)
                        close(fd);
        }
        free(r.buf);
        return rc;
}
