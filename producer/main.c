/*
 * events-producer - publish NDJSON events to a Kafka topic.
 *
 * For now it only answers --help and --version; the producer issue fills
 * in the reading, validation and delivery.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <events/events.h>

static void usage(FILE *fp) {
        fprintf(fp, "Usage: events-producer -b BROKERS -t TOPIC [options] "
                    "[FILE...]\n"
                    "Publish NDJSON events to a Kafka topic.\n\n"
                    "  -h, --help     show this help and exit\n"
                    "  -V, --version  show the version and exit\n");
}

int main(int argc, char **argv) {
        if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                usage(stdout);
                return EX_OK;
        }
        if (argc == 2 &&
            (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
                printf("events-producer %s\n", events_version());
                return EX_OK;
        }
        usage(stderr);
        return EX_USAGE;
}
