/*
 * events-test-create-topic - create a topic for an integration test and wait
 * until every partition has a leader, against either broker the tests use.
 *
 * Against a real Kafka it sends a CreateTopics request (the Admin API).
 * librdkafka's mock cluster, which events-devbroker is, does not implement
 * CreateTopics, so against events-devbroker the topic is created through
 * the devbroker's control socket (-c). Either way the tool then asks the
 * cluster for the topic's metadata until it shows the requested partitions
 * with leaders, so that a test can produce to it at once.
 *
 * Used by tests/integration/lib.sh (create_topic); not installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define TIMEOUT_MS 30000

static const char *progname = "events-test-create-topic";

static void usage(FILE *fp) {
        fprintf(fp,
                "Usage: %s -b BROKERS [-c DEVBROKER_SOCKET] TOPIC "
                "PARTITIONS\n"
                "Create TOPIC and wait until all its partitions have a "
                "leader (%d s at most).\n"
                "With -c, ask events-devbroker through its control socket; "
                "without, send\n"
                "CreateTopics to BROKERS. An existing topic with PARTITIONS "
                "partitions is fine.\n",
                progname, TIMEOUT_MS / 1000);
}

static long long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns 0 when the control socket answered "ok" or that the topic exists
 * (metadata then checks its partition count). */
static int create_via_control(const char *path, const char *topic,
                              int partitions) {
        struct sockaddr_un addr;
        char cmd[512], answer[512];
        ssize_t n;
        size_t got = 0;
        int fd, len;

        if (strlen(path) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "%s: socket path too long: %s\n", progname,
                        path);
                return -1;
        }
        memset(&addr, 0, sizeof(addr));
        addr.sun_family = AF_UNIX;
        memcpy(addr.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
                fprintf(stderr, "%s: devbroker control socket %s: %s\n",
                        progname, path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        len = snprintf(cmd, sizeof(cmd), "topic %s %d\n", topic, partitions);
        if (len < 0 || (size_t)len >= sizeof(cmd) ||
            write(fd, cmd, (size_t)len) != len) {
                fprintf(stderr, "%s: cannot send to %s\n", progname, path);
                close(fd);
                return -1;
        }
        while (got + 1 < sizeof(answer) &&
               (n = read(fd, answer + got, sizeof(answer) - 1 - got)) > 0)
                got += (size_t)n;
        close(fd);
        answer[got] = '\0';
        answer[strcspn(answer, "\n")] = '\0';
        if (!strcmp(answer, "ok") ||
            strstr(answer,
                   rd_kafka_err2str(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)))
                return 0;
        fprintf(stderr, "%s: devbroker refused topic %s: %s\n", progname, topic,
                got ? answer : "(no answer)");
        return -1;
}

static int create_via_admin(rd_kafka_t *rk, const char *topic, int partitions) {
        char errstr[512];
        rd_kafka_NewTopic_t *nt;
        rd_kafka_queue_t *q;
        rd_kafka_event_t *ev;
        const rd_kafka_CreateTopics_result_t *res;
        const rd_kafka_topic_result_t **results;
        size_t cnt;
        int ret = -1;

        /* Replication factor -1: the broker's default. */
        nt = rd_kafka_NewTopic_new(topic, partitions, -1, errstr,
                                   sizeof(errstr));
        if (!nt) {
                fprintf(stderr, "%s: %s\n", progname, errstr);
                return -1;
        }
        q = rd_kafka_queue_new(rk);
        rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
        ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);
        if (!ev) {
                fprintf(stderr, "%s: CreateTopics %s: no answer\n", progname,
                        topic);
        } else if (rd_kafka_event_error(ev)) {
                fprintf(stderr, "%s: CreateTopics %s: %s\n", progname, topic,
                        rd_kafka_event_error_string(ev));
        } else {
                res = rd_kafka_event_CreateTopics_result(ev);
                results = rd_kafka_CreateTopics_result_topics(res, &cnt);
                if (cnt == 1 &&
                    (rd_kafka_topic_result_error(results[0]) ==
                             RD_KAFKA_RESP_ERR_NO_ERROR ||
                     rd_kafka_topic_result_error(results[0]) ==
                             RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
                        ret = 0;
                else
                        fprintf(stderr, "%s: CreateTopics %s: %s\n", progname,
                                topic,
                                cnt == 1 ? rd_kafka_topic_result_error_string(
                                                   results[0])
                                         : "no result");
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(q);
        rd_kafka_NewTopic_destroy(nt);
        return ret;
}

/* 1 when the metadata shows topic with partitions partitions, each with a
 * leader; 0 when not yet; -1 when it has another partition count. */
static int topic_ready(rd_kafka_t *rk, const char *topic, int partitions) {
        const struct rd_kafka_metadata *md;
        int i, j, ready = 0;

        if (rd_kafka_metadata(rk, 1, NULL, &md, 5000))
                return 0;
        for (i = 0; i < md->topic_cnt; i++) {
                const rd_kafka_metadata_topic_t *t = &md->topics[i];
                if (strcmp(t->topic, topic) || t->err)
                        continue;
                if (t->partition_cnt != partitions) {
                        fprintf(stderr,
                                "%s: topic %s exists with %d partitions, "
                                "not %d\n",
                                progname, topic, t->partition_cnt, partitions);
                        ready = -1;
                        break;
                }
                ready = 1;
                for (j = 0; j < t->partition_cnt; j++)
                        if (t->partitions[j].err || t->partitions[j].leader < 0)
                                ready = 0;
        }
        rd_kafka_metadata_destroy(md);
        return ready;
}

int main(int argc, char **argv) {
        const char *brokers = NULL, *control = NULL, *topic;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        long long deadline;
        int partitions, opt, ready = 0, status;
        char *end;

        while ((opt = getopt(argc, argv, "b:c:h")) != -1) {
                switch (opt) {
                case 'b':
                        brokers = optarg;
                        break;
                case 'c':
                        control = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EX_OK;
                default:
                        usage(stderr);
                        return EX_USAGE;
                }
        }
        if (!brokers || argc - optind != 2) {
                usage(stderr);
                return EX_USAGE;
        }
        topic = argv[optind];
        partitions = (int)strtol(argv[optind + 1], &end, 10);
        if (*end || partitions < 1) {
                fprintf(stderr, "%s: bad partition count '%s'\n", progname,
                        argv[optind + 1]);
                return EX_USAGE;
        }

        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr,
                              sizeof(errstr)) ||
            rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr,
                              sizeof(errstr))) {
                fprintf(stderr, "%s: %s\n", progname, errstr);
                rd_kafka_conf_destroy(conf);
                return EX_USAGE;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "%s: %s\n", progname, errstr);
                rd_kafka_conf_destroy(conf);
                return EX_SOFTWARE;
        }

        if ((control ? create_via_control(control, topic, partitions)
                     : create_via_admin(rk, topic, partitions)) == 0) {
                deadline = now_ms() + TIMEOUT_MS;
                while ((ready = topic_ready(rk, topic, partitions)) == 0 &&
                       now_ms() < deadline)
                        usleep(100 * 1000);
                if (ready == 0)
                        fprintf(stderr,
                                "%s: topic %s has no leader for every "
                                "partition after %d s\n",
                                progname, topic, TIMEOUT_MS / 1000);
        }
        status = ready == 1 ? EX_OK : EX_UNAVAILABLE;
        rd_kafka_destroy(rk);
        return status;
}
