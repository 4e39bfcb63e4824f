/*
 * events-consumer - route events from Kafka to handler functions.
 *
 * For now it only answers --help and --version; the consumer issue fills
 * in group membership, routing and delivery.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <events/events.h>

static void usage(FILE *fp) {
        fprintf(fp, "Usage: events-consumer -b BROKERS -g GROUP -t TOPIC -r ROUTES "
                    "[options]\n"
                    "Route events from Kafka topics to handler functions.\n\n"
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
                printf("events-consumer %s\n", events_version());
                return EX_OK;
        }
        usage(stderr);
        return EX_USAGE;
}
