/*
 * test_producer_outbuf.c - events-producer's dry-run output buffer
 * (producer/outbuf.c) against stdio itself: the same lines written with
 * fwrite() and putc() to one pipe and with outbuf_line() to another must
 * reach the reader in the same pieces at the same moments, and a failing
 * stream must end with the same flush result.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "outbuf.h"

/* A pipe; its reader does not block. Each test line puts at most four
 * blocks in it (of at most BUFSIZ), well within a pipe's 64 KiB. */
struct pipe {
        int r, w;
};

static void pipe_open(struct pipe *p) {
        int fds[2];

        assert_int_equal(pipe(fds), 0);
        p->r = fds[0];
        p->w = fds[1];
        assert_int_equal(fcntl(p->r, F_SETFL, O_NONBLOCK), 0);
}

/* The bytes waiting in the pipe. */
static size_t waiting(int r) {
        int n = 0;

        assert_int_equal(ioctl(r, FIONREAD, &n), 0);
        return (size_t)n;
}

/* Read everything waiting into @p out (of @p cap), after @p *len. */
static void drain(int r, char *out, size_t cap, size_t *len) {
        for (;;) {
                ssize_t k = read(r, out + *len, cap - *len);

                if (k <= 0)
                        break;
                *len += (size_t)k;
        }
}

/* Line @p i of a test: lengths around the block and its multiples. */
static size_t line_len(unsigned i, size_t block) {
        unsigned r = i * 2654435761u;

        switch (i % 9) {
        case 0:
                return 0;
        case 1:
                return 1;
        case 3:
                return block - 1 - r % 3; /* one or two short of a block */
        case 4:
                return block; /* exactly one */
        case 5:
                return block + 1 + r % 5;
        case 6:
                return 2 * block + (r % 2 ? 0 : block / 2);
        case 7:
                return 3 * block - 1;
        default:
                return 20 + r % 400;
        }
}

static void fill_line(char *buf, size_t n, unsigned i) {
        for (size_t k = 0; k < n; k++)
                buf[k] = (char)('a' + (i + k) % 26);
}

/*
 * Write @p count lines (lengths from line_len(), starting at @p first)
 * with stdio and with outbuf to two pipes; after each line the bytes that
 * reached each reader must be the same.
 */
static void compare_with_stdio(unsigned first, unsigned count) {
        struct pipe a, b;
        struct outbuf o;
        FILE *fa, *fb;
        size_t cap = 16u << 20, la = 0, lb = 0, block;
        char *line = malloc(4 * 65536), *ga = malloc(cap), *gb = malloc(cap);

        assert_non_null(line);
        assert_non_null(ga);
        assert_non_null(gb);
        pipe_open(&a);
        pipe_open(&b);
        fa = fdopen(a.w, "w");
        fb = fdopen(b.w, "w");
        assert_non_null(fa);
        assert_non_null(fb);
        assert_int_equal(outbuf_init(&o, fb), 0);
        assert_non_null(o.buf); /* a pipe is not a terminal */
        block = o.cap;
        assert_true(block >= 512 && block <= BUFSIZ);
        for (unsigned i = first; i < first + count; i++) {
                size_t n = line_len(i, block);

                assert_true(n <= 4 * 65536);
                fill_line(line, n, i);
                fwrite(line, 1, n, fa);
                putc('\n', fa);
                outbuf_line(&o, line, n);
                /* Same bytes arrived, so far, and nothing more. */
                assert_int_equal(waiting(a.r), waiting(b.r));
                drain(a.r, ga, cap, &la);
                drain(b.r, gb, cap, &lb);
                assert_int_equal(la, lb);
        }
        assert_int_equal(fflush(fa), 0);
        assert_int_equal(outbuf_flush(&o), 0);
        drain(a.r, ga, cap, &la);
        drain(b.r, gb, cap, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(ga, gb, la);
        outbuf_free(&o);
        fclose(fa);
        fclose(fb);
        close(a.r);
        close(b.r);
        free(line);
        free(ga);
        free(gb);
}

/* Lines of every size, from the very first write on. */
static void test_outbuf_line_cuts_like_stdio(void **state) {
        (void)state;
        compare_with_stdio(0, 400);
}

/* A first line of more than a block goes out at once, as stdio's first
 * write (it has no buffer yet) sends its whole blocks straight. */
static void test_outbuf_line_first_line_over_block(void **state) {
        (void)state;
        compare_with_stdio(6, 50); /* line 6: two blocks and more */
        compare_with_stdio(4, 50); /* line 4: exactly one block */
}

/* Short lines stay in the buffer until a byte more than a block comes;
 * then exactly one block reaches the reader. */
static void test_outbuf_line_holds_until_full(void **state) {
        struct pipe p;
        struct outbuf o;
        FILE *fp;
        char line[100];
        size_t sent = 0;

        (void)state;
        pipe_open(&p);
        assert_non_null(fp = fdopen(p.w, "w"));
        assert_int_equal(outbuf_init(&o, fp), 0);
        memset(line, 'x', sizeof(line));
        while (sent + sizeof(line) + 1 <= o.cap) {
                outbuf_line(&o, line, sizeof(line));
                sent += sizeof(line) + 1;
                assert_int_equal(waiting(p.r), 0);
        }
        /* This one does not fit: the block goes, the rest stays. */
        outbuf_line(&o, line, sizeof(line));
        sent += sizeof(line) + 1;
        assert_int_equal(waiting(p.r), o.cap);
        assert_int_equal(o.used, sent - o.cap);
        assert_int_equal(outbuf_flush(&o), 0);
        assert_int_equal(waiting(p.r), sent);
        /* Nothing held: a flush writes nothing and succeeds. */
        assert_int_equal(outbuf_flush(&o), 0);
        assert_int_equal(waiting(p.r), sent);
        outbuf_free(&o);
        fclose(fp);
        close(p.r);
}

/*
 * Lines to /dev/full: every write fails. The final flush's result must be
 * fflush()'s for the same lines (the program's exit status depends on
 * it): a failure when bytes are held at the end, success when a failed
 * write has just emptied the buffer.
 */
static void test_outbuf_flush_fails_as_stdio(void **state) {
        char *line = malloc(4 * 65536);
        int both_seen[2] = {0, 0};

        (void)state;
        assert_non_null(line);
        for (unsigned count = 1; count < 60; count++) {
                FILE *fa = fopen("/dev/full", "w"), *fb;
                struct outbuf o;
                int ra, rb;

                assert_non_null(fa);
                assert_non_null(fb = fopen("/dev/full", "w"));
                assert_int_equal(outbuf_init(&o, fb), 0);
                assert_non_null(o.buf);
                for (unsigned i = 0; i < count; i++) {
                        size_t n = line_len(i * 7 + count, o.cap);

                        fill_line(line, n, i);
                        fwrite(line, 1, n, fa);
                        putc('\n', fa);
                        outbuf_line(&o, line, n);
                }
                ra = fflush(fa) ? -1 : 0;
                rb = outbuf_flush(&o);
                assert_int_equal(ra, rb);
                both_seen[ra == 0]++;
                outbuf_free(&o);
                fclose(fa);
                fclose(fb);
        }
        /* The sequences cover both endings. */
        assert_true(both_seen[0] > 0);
        assert_true(both_seen[1] > 0);
        free(line);
}

/* A first line of exactly a block, to /dev/full: stdio has no buffer
 * yet, tries to write the block straight, fails, and keeps the newline
 * that follows; the final flush fails on it. (Copied into a buffer
 * instead, the block's failed write would take the newline with it, and
 * the flush would succeed.) */
static void test_outbuf_flush_first_block_fails(void **state) {
        FILE *fa = fopen("/dev/full", "w"), *fb = fopen("/dev/full", "w");
        struct outbuf o;
        char *line;

        (void)state;
        assert_non_null(fa);
        assert_non_null(fb);
        assert_int_equal(outbuf_init(&o, fb), 0);
        assert_non_null(line = malloc(o.cap));
        fill_line(line, o.cap, 0);
        fwrite(line, 1, o.cap, fa);
        putc('\n', fa);
        outbuf_line(&o, line, o.cap);
        assert_int_equal(o.used, 1);
        assert_int_equal(fflush(fa), EOF);
        assert_int_equal(outbuf_flush(&o), -1);
        outbuf_free(&o);
        free(line);
        fclose(fa);
        fclose(fb);
}

/* A reader that is gone, SIGPIPE ignored: EPIPE, and the flush says so. */
static void test_outbuf_flush_reader_gone(void **state) {
        struct pipe p;
        struct outbuf o;
        FILE *fp;
        void (*old)(int) = signal(SIGPIPE, SIG_IGN);

        (void)state;
        pipe_open(&p);
        close(p.r);
        assert_non_null(fp = fdopen(p.w, "w"));
        assert_int_equal(outbuf_init(&o, fp), 0);
        outbuf_line(&o, "{}", 2);
        assert_int_equal(o.used, 3);
        assert_int_equal(outbuf_flush(&o), -1);
        assert_int_equal(o.used, 0);
        outbuf_free(&o);
        fclose(fp);
        signal(SIGPIPE, old);
}

/* A regular file: stdio's block (st_blksize up to BUFSIZ), and every
 * byte there after the flush. */
static void test_outbuf_init_regular_file(void **state) {
        FILE *fp = tmpfile();
        struct outbuf o;
        struct stat st;
        char back[64];

        (void)state;
        assert_non_null(fp);
        assert_int_equal(fstat(fileno(fp), &st), 0);
        assert_int_equal(outbuf_init(&o, fp), 0);
        assert_non_null(o.buf);
        assert_int_equal(o.cap, st.st_blksize > 0 && st.st_blksize < BUFSIZ
                                        ? (size_t)st.st_blksize
                                        : (size_t)BUFSIZ);
        outbuf_line(&o, "one", 3);
        outbuf_line(&o, "", 0);
        outbuf_line(&o, "three", 5);
        assert_int_equal(outbuf_flush(&o), 0);
        assert_int_equal(pread(fileno(fp), back, sizeof(back), 0), 11);
        assert_memory_equal(back, "one\n\nthree\n", 11);
        outbuf_free(&o);
        fclose(fp);
}

/* A terminal keeps stdio's line buffering: each line is there at once. */
static void test_outbuf_init_terminal_line_by_line(void **state) {
        int m = posix_openpt(O_RDWR | O_NOCTTY);
        struct pollfd pfd;
        struct outbuf o;
        FILE *fp;
        char got[64];
        ssize_t k;

        (void)state;
        assert_true(m >= 0);
        assert_int_equal(grantpt(m), 0);
        assert_int_equal(unlockpt(m), 0);
        assert_non_null(ptsname(m));
        assert_non_null(fp = fopen(ptsname(m), "w"));
        assert_int_equal(outbuf_init(&o, fp), 0);
        assert_null(o.buf);
        assert_int_equal(o.cap, 0);
        outbuf_line(&o, "line", 4);
        pfd = (struct pollfd){.fd = m, .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 5000), 1);
        k = read(m, got, sizeof(got));
        /* The terminal turns "\n" into "\r\n". */
        assert_true(k >= 5);
        assert_memory_equal(got, "line", 4);
        assert_int_equal(outbuf_flush(&o), 0);
        outbuf_free(&o);
        fclose(fp);
        close(m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_outbuf_line_cuts_like_stdio),
                cmocka_unit_test(test_outbuf_line_first_line_over_block),
                cmocka_unit_test(test_outbuf_line_holds_until_full),
                cmocka_unit_test(test_outbuf_flush_fails_as_stdio),
                cmocka_unit_test(test_outbuf_flush_first_block_fails),
                cmocka_unit_test(test_outbuf_flush_reader_gone),
                cmocka_unit_test(test_outbuf_init_regular_file),
                cmocka_unit_test(test_outbuf_init_terminal_line_by_line),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
