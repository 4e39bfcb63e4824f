/*
 * outbuf.h - the dry run's stdout: one line per valid event, through a
 * buffer of the program's own, cut where stdio would cut it (outbuf.c).
 */
#ifndef PRODUCER_OUTBUF_H
#define PRODUCER_OUTBUF_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Lines for one stream; fill it with outbuf_init(). */
struct outbuf {
        FILE *fp;    /* the stream */
        int fd;      /* its descriptor, written to directly */
        char *buf;   /* NULL: every line goes through fp's stdio */
        size_t used; /* bytes held in buf */
        size_t cap;  /* buf's size: the stream's block; 0 without buf */
        int fresh;   /* nothing written yet (see put()) */
};

/**
 * @brief Set @p o up for the stream @p fp, before anything is written
 *        to it: a terminal keeps stdio's line buffering, anything else
 *        gets a buffer of the block stdio would have used.
 * @returns 0, or -1 without memory.
 * @remark An outbuf is one thread's: events-producer's receipts all come
 *         on the thread that drives the producer.
 */
__attribute__((warn_unused_result)) int outbuf_init(struct outbuf *o, FILE *fp);

/** The slow part of outbuf_line(): a line that does not fit, or stdio. */
void outbuf_line_slow(struct outbuf *o, const char *s, size_t n);

/**
 * @brief Write the @p n bytes at @p s and a newline. Write errors are
 *        stdio's: the bytes are dropped, and only outbuf_flush() reports.
 */
static inline void outbuf_line(struct outbuf *o, const char *s, size_t n) {
        /* Most lines: a copy into the buffer, with room for the newline
         * (cap is 0 without a buffer: never taken then). */
        if (n < o->cap - o->used) {
                memcpy(o->buf + o->used, s, n);
                o->buf[o->used + n] = '\n';
                o->used += n + 1;
                return;
        }
        outbuf_line_slow(o, s, n);
}

/**
 * @brief Write what is held, as fflush() would.
 * @returns 0, or -1 when that write failed (as fflush(), an earlier
 *          failed write is not reported here).
 */
__attribute__((warn_unused_result)) int outbuf_flush(struct outbuf *o);

/** Free the buffer; what it still holds is dropped (outbuf_flush()
 *  first). */
void outbuf_free(struct outbuf *o);

#endif /* PRODUCER_OUTBUF_H */
