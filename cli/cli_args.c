/*
 * cli_args.c - the command-line helpers that events-producer's and
 * events-consumer's modes share (cli_args.h). The programs use only the
 * public API of libevents; this file is linked into both as a static
 * library (cli/CMakeLists.txt), so a message or a rule of their options
 * is written once.
 */
#include "cli_args.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int cli_usage(const char *prog, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "%s: ", prog);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry '%s --help'.\n", prog);
        return EX_USAGE;
}

int cli_has_arg(int argc, char **argv, const char *arg, int prefix) {
        size_t n = strlen(arg) + (prefix ? 0 : 1); /* 1: the NUL too */

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--"))
                        break;
                if (!strncmp(argv[i], arg, n))
                        return 1;
        }
        return 0;
}

int cli_kafka_arg_add(const char *prog, int kind, const char *arg,
                      events_kafka_arg_t **args, size_t *n) {
        events_kafka_arg_t *na;

        if (kind == 'X' && !strchr(arg, '='))
                return cli_usage(prog, "-X %s: expected KEY=VALUE", arg);
        na = realloc(*args, (*n + 1) * sizeof(*na));
        if (!na)
                return EX_OSERR;
        na[*n].kind = (char)kind;
        na[*n].arg = arg;
        *args = na;
        ++*n;
        return 0;
}

/* The type filter's handler: the router only matches, and this never
 * runs. */
static int match_any(const events_event_t *ev, events_handler_ctx_t *ctx,
                     void *opaque) {
        (void)ev;
        (void)ctx;
        (void)opaque;
        return 0;
}

int cli_type_filter_add(events_router_t **types, const char *pattern) {
        if (!*types && events_router_new(types))
                return EX_OSERR;
        if (events_router_add(*types, pattern, "type", match_any, NULL) !=
            EVENTS_OK)
                return EX_USAGE;
        return 0;
}

int cli_type_add(const char *prog, events_router_t **types,
                 const char *pattern) {
        int rc = cli_type_filter_add(types, pattern);

        if (rc == EX_USAGE)
                cli_usage(prog, "--type %s: not a type or a glob", pattern);
        return rc;
}

int cli_option_error(const char *prog, int c, const char *opt,
                     const char *where) {
        if (c == ':')
                return cli_usage(prog, "option %s needs a value", opt);
        if (where)
                return cli_usage(prog, "unknown option %s (%s)", opt, where);
        return cli_usage(prog, "unknown option %s", opt);
}

int cli_no_operands(const char *prog, int argc, char **argv) {
        if (optind < argc)
                return cli_usage(prog, "unexpected argument %s", argv[optind]);
        return 0;
}
