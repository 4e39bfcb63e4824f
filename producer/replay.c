/*
 * replay.c - events-producer --replay FILE -t TOPIC: send each message of
 * an events-consumer --capture file to TOPIC with its key, value, headers
 * (in order, duplicates kept) and timestamp as they were captured. Nothing
 * is parsed as an event: the bytes are sent as they are. With
 * --same-partitions each message goes to the partition it was read from;
 * otherwise the key chooses, as for any producer.
 *
 * Delivery is counted as the rest of the producer does: the exit status is
 * 0 only when every line was delivered.
 */
#include "replay.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "app.h"
#include "cli_args.h"
#include "conf.h"
#include "options.h"

#define FLUSH_TIMEOUT_MS 60000

typedef struct replay {
        const char *path;
        const char *topic;
        int same_partitions;
        struct opts o; /* -b, -F, -X for build_conf() */
        long delivered, failed;
        rd_kafka_resp_err_t first_err;
} replay_t;

int replay_wanted(int argc, char **argv) {
        return cli_has_arg(argc, argv, "--replay", 1);
}

static int parse(replay_t *r, int argc, char **argv) {
        enum { OPT_REPLAY = 256, OPT_SAME };
        static const struct option longopts[] = {
                CLI_KAFKA_LONGOPTS,
                {"topic", required_argument, NULL, 't'},
                {"replay", required_argument, NULL, OPT_REPLAY},
                {"same-partitions", no_argument, NULL, OPT_SAME},
                {NULL, 0, NULL, 0},
        };
        int c, rc;

        opterr = 0;
        optind = 1;
        while ((c = getopt_long(argc, argv, ":b:X:F:t:", longopts, NULL)) !=
               -1) {
                switch (c) {
                case 'b':
                case 'X':
                case 'F':
                        if ((rc = cli_kafka_arg_add(PROG, c, optarg,
                                                    &r->o.confs, &r->o.nconfs)))
                                return rc;
                        break;
                case 't':
                        r->topic = optarg;
                        break;
                case OPT_REPLAY:
                        r->path = optarg;
                        break;
                case OPT_SAME:
                        r->same_partitions = 1;
                        break;
                default:
                        return cli_option_error(PROG, c, argv[optind - 1],
                                                "with --replay");
                }
        }
        if ((rc = cli_no_operands(PROG, argc, argv)))
                return rc;
        if (!r->topic || !*r->topic)
                return cli_usage(PROG, "%s", "no topic: give -t TOPIC");
        return 0;
}

static int b64val(int ch) {
        if (ch >= 'A' && ch <= 'Z')
                return ch - 'A';
        if (ch >= 'a' && ch <= 'z')
                return ch - 'a' + 26;
        if (ch >= '0' && ch <= '9')
                return ch - '0' + 52;
        return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* Decode base64 into a new buffer. @returns 0, or -1 when it is not. */
static int unbase64(const char *s, unsigned char **out, size_t *len) {
        size_t n = strlen(s), o = 0;
        unsigned char *b;

        if (n % 4)
                return -1;
        if (!(b = malloc(n / 4 * 3 + 1)))
                return -1;
        for (size_t i = 0; i < n; i += 4) {
                int v[4];
                for (int j = 0; j < 4; j++) {
                        v[j] = s[i + j] == '=' && i + 4 == n && j >= 2
                                       ? 0
                                       : b64val((unsigned char)s[i + j]);
                        if (v[j] < 0 ||
                            (j == 2 && s[i + 2] == '=' && s[i + 3] != '=')) {
                                free(b);
                                return -1;
                        }
                }
                b[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
                if (s[i + 2] != '=')
                        b[o++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
                if (s[i + 3] != '=')
                        b[o++] = (unsigned char)(v[2] << 6 | v[3]);
        }
        *out = b;
        *len = o;
        return 0;
}

/* A capture's bytes: a string, {"base64":...} or null (*p stays NULL).
 * *owned is set when *p must be freed. @returns 0, -1 when malformed. */
static int bytes_of(json_t *j, const void **p, size_t *len,
                    unsigned char **owned) {
        const char *b;

        *p = NULL;
        *len = 0;
        *owned = NULL;
        if (!j || json_is_null(j))
                return 0;
        if (json_is_string(j)) {
                *p = json_string_value(j);
                *len = json_string_length(j);
                return 0;
        }
        if (!json_is_object(j) || json_object_size(j) != 1 ||
            !(b = json_string_value(json_object_get(j, "base64"))) ||
            unbase64(b, owned, len))
                return -1;
        *p = *owned;
        return 0;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        replay_t *r = opaque;

        (void)rk;
        if (m->err) {
                if (!r->failed++)
                        r->first_err = m->err;
        } else {
                r->delivered++;
        }
}

/* Send one capture line. @returns 0, 1 for a malformed line, -1 when
 * librdkafka refused it (told on stderr). */
static int send_line(replay_t *r, rd_kafka_t *rk, const char *line,
                     long lineno) {
        json_error_t je;
        json_t *rec = json_loads(line, JSON_ALLOW_NUL, &je), *hs;
        const void *key, *val;
        size_t klen, vlen;
        unsigned char *kown = NULL, *vown = NULL;
        rd_kafka_headers_t *hdrs = NULL;
        rd_kafka_resp_err_t err;
        json_int_t ts = 0, part = RD_KAFKA_PARTITION_UA;
        int rc = 1;

        if (!rec) {
                fprintf(stderr, PROG ": %s:%ld:%d: %s\n", r->path, lineno,
                        je.column, je.text);
                return 1;
        }
        hs = json_object_get(rec, "headers");
        if (bytes_of(json_object_get(rec, "key"), &key, &klen, &kown) ||
            bytes_of(json_object_get(rec, "value"), &val, &vlen, &vown) ||
            (hs && !json_is_array(hs)) ||
            (json_object_get(rec, "timestamp") &&
             !json_is_integer(json_object_get(rec, "timestamp"))) ||
            (r->same_partitions &&
             !json_is_integer(json_object_get(rec, "partition")))) {
                fprintf(stderr,
                        PROG ": %s:%ld: not a capture record (key, value, "
                             "headers, timestamp or partition)\n",
                        r->path, lineno);
                goto out;
        }
        ts = json_integer_value(json_object_get(rec, "timestamp"));
        if (r->same_partitions)
                part = json_integer_value(json_object_get(rec, "partition"));
        if (hs && json_array_size(hs)) {
                size_t i;
                json_t *h;

                hdrs = rd_kafka_headers_new(json_array_size(hs));
                json_array_foreach(hs, i, h) {
                        const char *name =
                                json_string_value(json_array_get(h, 0));
                        const void *hv;
                        size_t hlen;
                        unsigned char *hown;

                        if (!json_is_array(h) || json_array_size(h) != 2 ||
                            !name ||
                            bytes_of(json_array_get(h, 1), &hv, &hlen, &hown)) {
                                fprintf(stderr,
                                        PROG ": %s:%ld: header %zu is not "
                                             "[NAME, VALUE]\n",
                                        r->path, lineno, i);
                                goto out;
                        }
                        rd_kafka_header_add(hdrs, name, -1, hv,
                                            hv ? (ssize_t)hlen : 0);
                        free(hown);
                }
        }
        for (;;) {
                err = rd_kafka_producev(
                        rk, RD_KAFKA_V_TOPIC(r->topic),
                        RD_KAFKA_V_PARTITION((int32_t)part),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_KEY(key, klen),
                        RD_KAFKA_V_VALUE((void *)val, vlen),
                        RD_KAFKA_V_TIMESTAMP(ts > 0 ? ts : 0),
                        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                /* Queue full: serve delivery reports, then retry. */
                rd_kafka_poll(rk, 100);
        }
        if (err) {
                fprintf(stderr, PROG ": %s:%ld: %s\n", r->path, lineno,
                        rd_kafka_err2str(err));
                rc = -1;
                goto out;
        }
        hdrs = NULL; /* librdkafka's now */
        rc = 0;
out:
        if (hdrs)
                rd_kafka_headers_destroy(hdrs);
        free(kown);
        free(vown);
        json_decref(rec);
        return rc;
}

int replay_main(int argc, char **argv) {
        replay_t r;
        rd_kafka_conf_t *conf = NULL;
        rd_kafka_t *rk = NULL;
        FILE *in = NULL;
        char errstr[512], *line = NULL;
        size_t cap = 0;
        long lineno = 0, bad = 0;
        int rc, refused = 0;

        memset(&r, 0, sizeof(r));
        if ((rc = parse(&r, argc, argv)))
                goto out;
        in = strcmp(r.path, "-") ? fopen(r.path, "r") : stdin;
        if (!in) {
                fprintf(stderr, PROG ": --replay %s: %s\n", r.path,
                        strerror(errno));
                rc = EX_NOINPUT;
                goto out;
        }
        if ((rc = build_conf(&r.o, &conf)))
                goto out;
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_conf_set_opaque(conf, &r);
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
                                sizeof(errstr)))) {
                fprintf(stderr, PROG ": %s\n", errstr);
                rc = EX_CONFIG;
                goto out;
        }
        conf = NULL;
        while (getline(&line, &cap, in) > 0) {
                int s;
                lineno++;
                if (!strcmp(line, "\n"))
                        continue;
                if ((s = send_line(&r, rk, line, lineno)) > 0)
                        bad++;
                else if (s < 0 && ++refused)
                        break;
                rd_kafka_poll(rk, 0);
        }
        if (ferror(in)) {
                fprintf(stderr, PROG ": --replay %s: %s\n", r.path,
                        strerror(errno));
                rc = EX_IOERR;
        }
        rd_kafka_flush(rk, FLUSH_TIMEOUT_MS);
        if (rd_kafka_outq_len(rk) > 0)
                r.failed += rd_kafka_outq_len(rk);
        fprintf(stderr,
                PROG ": replayed %ld of %ld lines to %s: %ld failed, %ld "
                     "malformed%s%s\n",
                r.delivered, lineno, r.topic, r.failed, bad,
                r.failed ? "; first error: " : "",
                r.failed ? rd_kafka_err2str(r.first_err) : "");
        if (!rc)
                rc = bad        ? EX_DATAERR
                     : refused  ? EX_UNAVAILABLE
                     : r.failed ? EX_UNAVAILABLE
                                : EX_OK;
out:
        if (rk)
                rd_kafka_destroy(rk);
        if (conf)
                rd_kafka_conf_destroy(conf);
        if (in && in != stdin)
                fclose(in);
        free(line);
        free(r.o.confs);
        return rc;
}
