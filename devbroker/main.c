/*
 * events-devbroker - an in-memory Kafka-protocol broker for the demo and for
 * fast tests.
 *
 * It is librdkafka's mock cluster (<librdkafka/rdkafka_mock.h>) wrapped in a
 * small program: it starts N mock brokers on 127.0.0.1, pre-creates the
 * topics it is given, prints the bootstrap address alone on the first line
 * of stdout, and runs until SIGINT or SIGTERM. Any Kafka client can talk to
 * it (kcat, librdkafka, the events tools).
 *
 * The mock cluster does not implement the CreateTopics request, so topics
 * can also be created while it runs through an optional control socket (a
 * Unix socket, one text command per connection). Everything lives in memory
 * and each partition keeps only its most recent data; it is not a broker for
 * production. This program uses librdkafka only, never libevents.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#ifndef EVENTS_DEVBROKER_VERSION
#define EVENTS_DEVBROKER_VERSION "unknown"
#endif

/* Kafka's own limits on topic names (kafka.common.internals.Topic). */
#define TOPIC_NAME_MAX 249
#define MAX_BROKERS 32
#define MAX_PARTITIONS 10000
/* A control command is one short line; anything longer is refused. */
#define CONTROL_LINE_MAX 512

static const char *progname = "events-devbroker";

/* Written by the signal handler, read by the main loop's poll(): a signal
 * wakes the loop at once, without a polling interval. */
static int signal_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

struct topic_spec {
        char *name; /* borrowed from argv */
        int partitions;
};

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: %s [-n BROKERS] [-t TOPIC[:PARTITIONS]]... "
                "[-c SOCKET]\n"
                "An in-memory Kafka-protocol broker for demos and tests "
                "(librdkafka's mock\n"
                "cluster). Prints its bootstrap address alone on the first "
                "line of stdout\n"
                "and runs until SIGINT or SIGTERM. Not for production: data "
                "lives in memory\n"
                "and each partition keeps only its most recent messages.\n"
                "\n"
                "  -n, --brokers N            number of brokers, 1 to %d "
                "(default 1)\n"
                "  -t, --topic NAME[:PARTS]   create topic NAME with PARTS "
                "partitions\n"
                "                             (default 1); repeatable\n"
                "  -c, --control SOCKET       listen on the Unix socket "
                "SOCKET for commands:\n"
                "                             `topic NAME PARTS` creates a "
                "topic, answers\n"
                "                             `ok` or `error: REASON`\n"
                "  -h, --help                 show this help and exit\n"
                "  -V, --version              show the version and exit\n"
                "\n"
                "A missing topic that a client may auto-create (producers "
                "may) gets 4\n"
                "partitions. Exit status: 0 after SIGINT/SIGTERM, 64 on bad "
                "usage, 69 when\n"
                "the cluster cannot start, 71 on a system error.\n",
                progname, MAX_BROKERS);
}

static void on_signal(int sig) {
        int saved = errno;
        char c = 1;
        stop_signal = sig;
        if (write(signal_pipe[1], &c, 1) < 0) {
                /* The pipe is full: a wake-up is already pending. */
        }
        errno = saved;
}

/* Parses a decimal int in [lo, hi]; returns 0 on success. */
static int parse_int(const char *s, int lo, int hi, int *out) {
        char *end;
        long v;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < lo || v > hi)
                return -1;
        *out = (int)v;
        return 0;
}

static int topic_name_valid(const char *name) {
        size_t len = strlen(name);
        if (len == 0 || len > TOPIC_NAME_MAX || !strcmp(name, ".") ||
            !strcmp(name, ".."))
                return 0;
        return strspn(name, "abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789._-") == len;
}

/* Splits "NAME[:PARTITIONS]" in place; returns 0 on success. */
static int parse_topic_spec(char *arg, struct topic_spec *spec) {
        char *colon = strrchr(arg, ':');
        spec->name = arg;
        spec->partitions = 1;
        if (colon) {
                *colon = '\0';
                if (parse_int(colon + 1, 1, MAX_PARTITIONS, &spec->partitions))
                        return -1;
        }
        return topic_name_valid(spec->name) ? 0 : -1;
}

static int replication_factor(int brokers) {
        return brokers < 3 ? brokers : 3;
}

static rd_kafka_resp_err_t create_topic(rd_kafka_mock_cluster_t *mcluster,
                                        int brokers, const char *name,
                                        int partitions) {
        return rd_kafka_mock_topic_create(mcluster, name, partitions,
                                          replication_factor(brokers));
}

static int control_listen(const char *path) {
        struct sockaddr_un addr;
        int fd;

        if (strlen(path) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "%s: control socket path too long: %s\n",
                        progname, path);
                return -1;
        }
        memset(&addr, 0, sizeof(addr));
        addr.sun_family = AF_UNIX;
        memcpy(addr.sun_path, path, strlen(path) + 1);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                fprintf(stderr, "%s: socket: %s\n", progname, strerror(errno));
                return -1;
        }
        /* A socket left by a devbroker that was killed answers nothing:
         * remove it. One that answers belongs to a running devbroker. */
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
                fprintf(stderr, "%s: control socket %s is in use\n", progname,
                        path);
                close(fd);
                return -1;
        }
        if (errno == ECONNREFUSED)
                unlink(path);
        close(fd);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                fprintf(stderr, "%s: socket: %s\n", progname, strerror(errno));
                return -1;
        }
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            listen(fd, 16) < 0) {
                fprintf(stderr, "%s: control socket %s: %s\n", progname, path,
                        strerror(errno));
                close(fd);
                return -1;
        }
        return fd;
}

/* Reads one line (without its newline) into buf; returns its length, or -1
 * on error, timeout, or a line too long. */
static ssize_t read_line(int fd, char *buf, size_t size) {
        size_t len = 0;
        while (len + 1 < size) {
                ssize_t n = read(fd, buf + len, 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (buf[len] == '\n') {
                        buf[len] = '\0';
                        return (ssize_t)len;
                }
                len++;
        }
        if (len > 0 && len + 1 < size) {
                /* The client closed without a newline: accept the line. */
                buf[len] = '\0';
                return (ssize_t)len;
        }
        return -1;
}

static void reply(int fd, const char *msg, const char *detail) {
        char out[CONTROL_LINE_MAX + 64];
        int n = snprintf(out, sizeof(out), "%s%s%s\n", msg, detail ? ": " : "",
                         detail ? detail : "");
        if (n > 0 && (size_t)n < sizeof(out) &&
            send(fd, out, (size_t)n, MSG_NOSIGNAL) < 0) {
                /* The client went away: nothing to tell it. */
        }
}

/* Serves one control connection: one command, one answer. A client that
 * sends nothing for two seconds is dropped, so that it cannot stall the
 * loop. */
static void control_serve(int lfd, rd_kafka_mock_cluster_t *mcluster,
                          int brokers) {
        struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
        char line[CONTROL_LINE_MAX];
        char name[CONTROL_LINE_MAX];
        char extra;
        int partitions;
        rd_kafka_resp_err_t err;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0)
                return;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

        if (read_line(fd, line, sizeof(line)) < 0) {
                reply(fd, "error", "expected one line");
        } else if (!strcmp(line, "ping")) {
                reply(fd, "ok", NULL);
        } else if (sscanf(line, "topic %511s %d %c", name, &partitions,
                          &extra) != 2 ||
                   !topic_name_valid(name) || partitions < 1 ||
                   partitions > MAX_PARTITIONS) {
                reply(fd, "error",
                      "expected `topic NAME PARTITIONS` or `ping`");
        } else if ((err = create_topic(mcluster, brokers, name, partitions))) {
                reply(fd, "error", rd_kafka_err2str(err));
        } else {
                reply(fd, "ok", NULL);
                fprintf(stderr, "%s: created topic %s with %d partition%s\n",
                        progname, name, partitions, partitions == 1 ? "" : "s");
        }
        close(fd);
}

/* Waits for a signal, serving the control socket meanwhile when there is
 * one. Returns 0 on a signal, -1 on a system error. */
static int run(int control_fd, rd_kafka_mock_cluster_t *mcluster, int brokers) {
        struct pollfd fds[2] = {
                {.fd = signal_pipe[0], .events = POLLIN},
                {.fd = control_fd, .events = POLLIN},
        };
        nfds_t nfds = control_fd >= 0 ? 2 : 1;

        while (!stop_signal) {
                if (poll(fds, nfds, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "%s: poll: %s\n", progname,
                                strerror(errno));
                        return -1;
                }
                if (nfds == 2 && (fds[1].revents & POLLIN))
                        control_serve(control_fd, mcluster, brokers);
        }
        return 0;
}

static int install_signals(void) {
        struct sigaction sa;

        if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
                fprintf(stderr, "%s: pipe: %s\n", progname, strerror(errno));
                return -1;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGINT, &sa, NULL) < 0 ||
            sigaction(SIGTERM, &sa, NULL) < 0) {
                fprintf(stderr, "%s: sigaction: %s\n", progname,
                        strerror(errno));
                return -1;
        }
        /* A reader of our stdout may go away (`| head -1`). */
        signal(SIGPIPE, SIG_IGN);
        return 0;
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                {"brokers", required_argument, NULL, 'n'},
                {"topic", required_argument, NULL, 't'},
                {"control", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {NULL, 0, NULL, 0},
        };
        struct topic_spec *topics;
        int ntopics = 0;
        int brokers = 1;
        const char *control_path = NULL;
        int control_fd = -1;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;
        int status = EX_OK;
        int opt, i;

        /* At most one topic per argument. */
        topics = calloc((size_t)argc, sizeof(*topics));
        if (!topics) {
                fprintf(stderr, "%s: out of memory\n", progname);
                return EX_OSERR;
        }

        while ((opt = getopt_long(argc, argv, "n:t:c:hV", longopts, NULL)) !=
               -1) {
                switch (opt) {
                case 'n':
                        if (parse_int(optarg, 1, MAX_BROKERS, &brokers)) {
                                fprintf(stderr,
                                        "%s: -n: expected 1 to %d, got "
                                        "'%s'\n",
                                        progname, MAX_BROKERS, optarg);
                                free(topics);
                                return EX_USAGE;
                        }
                        break;
                case 't':
                        if (parse_topic_spec(optarg, &topics[ntopics])) {
                                fprintf(stderr,
                                        "%s: -t: expected NAME[:PARTITIONS] "
                                        "with NAME of [A-Za-z0-9._-] (1 to "
                                        "%d bytes) and PARTITIONS 1 to %d, "
                                        "got '%s'\n",
                                        progname, TOPIC_NAME_MAX,
                                        MAX_PARTITIONS, optarg);
                                free(topics);
                                return EX_USAGE;
                        }
                        ntopics++;
                        break;
                case 'c':
                        control_path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        free(topics);
                        return EX_OK;
                case 'V':
                        printf("%s %s (librdkafka %s)\n", progname,
                               EVENTS_DEVBROKER_VERSION,
                               rd_kafka_version_str());
                        free(topics);
                        return EX_OK;
                default:
                        usage(stderr);
                        free(topics);
                        return EX_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", progname,
                        argv[optind]);
                usage(stderr);
                free(topics);
                return EX_USAGE;
        }

        if (install_signals() < 0) {
                free(topics);
                return EX_OSERR;
        }

        /* The mock cluster needs a client instance for its bookkeeping; this
         * one talks to no broker of its own, and
         * log_level 4 hides the notice that it has no bootstrap.servers. */
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "client.id", progname, errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)) !=
                    RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%s: %s\n", progname, errstr);
                rd_kafka_conf_destroy(conf);
                free(topics);
                return EX_SOFTWARE;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "%s: %s\n", progname, errstr);
                rd_kafka_conf_destroy(conf);
                free(topics);
                return EX_UNAVAILABLE;
        }
        mcluster = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mcluster) {
                fprintf(stderr, "%s: cannot create the mock cluster\n",
                        progname);
                rd_kafka_destroy(rk);
                free(topics);
                return EX_UNAVAILABLE;
        }

        for (i = 0; i < ntopics; i++) {
                rd_kafka_resp_err_t err =
                        create_topic(mcluster, brokers, topics[i].name,
                                     topics[i].partitions);
                if (err) {
                        fprintf(stderr, "%s: topic %s: %s\n", progname,
                                topics[i].name, rd_kafka_err2str(err));
                        status = EX_USAGE;
                        goto out;
                }
        }

        if (control_path) {
                control_fd = control_listen(control_path);
                if (control_fd < 0) {
                        status = EX_OSERR;
                        goto out;
                }
        }

        /* The first line of stdout is the bootstrap address alone, so that
         * a script can read it with `read -r`. */
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);
        fprintf(stderr, "%s: %d broker%s at %s, %d topic%s created%s%s\n",
                progname, brokers, brokers == 1 ? "" : "s",
                rd_kafka_mock_cluster_bootstraps(mcluster), ntopics,
                ntopics == 1 ? "" : "s",
                control_path ? ", control socket " : "",
                control_path ? control_path : "");

        if (run(control_fd, mcluster, brokers) < 0)
                status = EX_OSERR;
        else
                fprintf(stderr, "%s: %s, stopping\n", progname,
                        strsignal(stop_signal));

out:
        if (control_fd >= 0) {
                close(control_fd);
                unlink(control_path);
        }
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        close(signal_pipe[0]);
        close(signal_pipe[1]);
        free(topics);
        return status;
}
