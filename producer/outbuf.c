/*
 * outbuf.c - the dry run's stdout: one line per valid event, through a
 * buffer of the program's own rather than two stdio calls a line.
 *
 * fwrite() and putchar() cost some 180 instructions a line, more than a
 * tenth of a dry run's time per event; a copy into a buffer costs a
 * fifth of that. What the reader sees does not change: the buffer is the
 * block stdio would have chosen for the stream, and it is written out at
 * the moments stdio would write its own, byte for byte the same writes
 * (fully buffered streams: pipes, files, /dev/null). So `| head` ends the
 * program with SIGPIPE (or EPIPE, when ignored) after the same lines as
 * before, and 2>&1 interleaves stderr's reports at the same places. A
 * terminal, which stdio buffers by lines, keeps stdio.
 *
 * stdio's rules, followed here (glibc's libio, which the test
 * tests/producer/test_producer_outbuf.c compares against on a pipe):
 * - the block is st_blksize, when that is smaller than BUFSIZ, else
 *   BUFSIZ; a character device that is a terminal is line-buffered;
 * - data is copied while it fits; when it does not, the block is filled,
 *   written, the rest's whole blocks are written straight from the
 *   caller's bytes, and what is left is copied (so writes always end on
 *   a block boundary, and happen only once a byte more than fits comes);
 * - the first write has no buffer yet: all its whole blocks go straight;
 * - a failed write empties the buffer and drops the rest of the call;
 *   only the final flush's failure is reported (fflush()'s result), and
 *   a write interrupted by a signal is not retried.
 */
#include "outbuf.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int outbuf_init(struct outbuf *o, FILE *fp) {
        struct stat st;
        int fd = fileno(fp);

        *o = (struct outbuf){.fp = fp, .fd = fd, .fresh = 1};
        o->cap = BUFSIZ;
        if (fd >= 0 && fstat(fd, &st) == 0) {
                if (S_ISCHR(st.st_mode) && isatty(fd)) {
                        o->cap = 0; /* line by line, through stdio */
                        return 0;
                }
                if (st.st_blksize > 0 && st.st_blksize < BUFSIZ)
                        o->cap = (size_t)st.st_blksize;
        }
        if (!(o->buf = malloc(o->cap))) {
                o->cap = 0;
                return -1;
        }
        return 0;
}

/* write(2) all of it, as stdio does: on a partial write the rest, on an
 * error (EINTR too) nothing more. @returns 0, or -1. */
static int write_all(int fd, const char *s, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, s, n);

                if (k < 0)
                        return -1;
                s += k;
                n -= (size_t)k;
        }
        return 0;
}

/* Append @p n bytes as stdio's fully buffered fwrite() would (see the
 * rules above). */
static void put(struct outbuf *o, const char *s, size_t n) {
        /* Before the first write stdio has no buffer: no room yet. */
        size_t room = o->fresh && !o->used ? 0 : o->cap - o->used;
        size_t direct;

        if (n <= room) {
                memcpy(o->buf + o->used, s, n);
                o->used += n;
                return;
        }
        o->fresh = 0;
        memcpy(o->buf + o->used, s, room);
        s += room;
        n -= room;
        o->used += room;
        if (o->used && write_all(o->fd, o->buf, o->used)) {
                o->used = 0;
                return;
        }
        o->used = 0;
        /* glibc writes all of the rest straight from a tiny block. */
        direct = o->cap >= 128 ? n - n % o->cap : n;
        if (direct && write_all(o->fd, s, direct))
                return;
        memcpy(o->buf, s + direct, n - direct);
        o->used = n - direct;
}

void outbuf_line_slow(struct outbuf *o, const char *s, size_t n) {
        if (!o->buf) {
                fwrite(s, 1, n, o->fp);
                putc('\n', o->fp);
                return;
        }
        /* Two calls, as fwrite() and putchar() were: a failed write drops
         * the rest of its own call only. */
        if (n)
                put(o, s, n);
        put(o, "\n", 1);
}

int outbuf_flush(struct outbuf *o) {
        int rc;

        if (!o->buf)
                return fflush(o->fp) ? -1 : 0;
        if (!o->used)
                return 0;
        rc = write_all(o->fd, o->buf, o->used);
        o->used = 0;
        o->fresh = 0;
        return rc;
}

void outbuf_free(struct outbuf *o) {
        free(o->buf);
        o->buf = NULL;
        o->used = o->cap = 0;
}
