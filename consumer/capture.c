/*
 * capture.c - one Kafka message as a self-contained JSON line, without
 * loss: keys, values and header values are bytes, so text stays readable
 * as it is and anything that is not UTF-8 is base64 inside an object that
 * says so. events-producer's replay.c reads the same format back; the
 * format is described in docs/recipes.md.
 */
#include "capture.h"

#include <stdint.h>
#include <stdlib.h>

static char *base64(const unsigned char *p, size_t len) {
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
                                  "stuvwxyz0123456789+/";
        char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16;
                if (i + 1 < len)
                        v |= (uint32_t)p[i + 1] << 8;
                if (i + 2 < len)
                        v |= p[i + 2];
                *o++ = tab[v >> 18 & 63];
                *o++ = tab[v >> 12 & 63];
                *o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
                *o++ = i + 2 < len ? tab[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

json_t *capture_bytes(const void *p, size_t len) {
        json_t *s;
        char *b;

        if (!p)
                return json_null();
        /* json_stringn() refuses bytes that are not UTF-8; NUL is fine. */
        if ((s = json_stringn(p, len)))
                return s;
        if (!(b = base64(p, len)))
                return NULL;
        s = json_pack("{s:s}", "base64", b);
        free(b);
        return s;
}

json_t *capture_record(const rd_kafka_message_t *m) {
        rd_kafka_timestamp_type_t tst;
        int64_t ts = rd_kafka_message_timestamp(m, &tst);
        rd_kafka_headers_t *hdrs = NULL;
        json_t *h = json_array(), *rec;
        const char *tname = tst == RD_KAFKA_TIMESTAMP_CREATE_TIME ? "create"
                            : tst == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                                    ? "log_append"
                                    : "none";

        if (!h)
                return NULL;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char *name;
                const void *v;
                size_t vlen;

                for (size_t i = 0;
                     !rd_kafka_header_get_all(hdrs, i, &name, &v, &vlen); i++) {
                        json_t *pair = json_pack("[s,o]", name,
                                                 capture_bytes(v, vlen));
                        if (!pair || json_array_append_new(h, pair)) {
                                json_decref(h);
                                return NULL;
                        }
                }
        }
        rec = json_pack("{s:s,s:i,s:I,s:I,s:s,s:o,s:o,s:o}", "topic",
                        rd_kafka_topic_name(m->rkt), "partition",
                        (int)m->partition, "offset", (json_int_t)m->offset,
                        "timestamp", (json_int_t)ts, "timestamp_type", tname,
                        "key", capture_bytes(m->key, m->key_len), "value",
                        capture_bytes(m->payload, m->len), "headers", h);
        return rec;
}
