/*
 * cli_args.h - the command-line helpers that the modes of events-producer
 * and events-consumer share (producer/replay.c, consumer/print.c,
 * consumer/redrive.c): the "PROG: message / Try 'PROG --help'." error,
 * the -b/-F/-X options, --type's type filter, and getopt's errors. Each
 * program passes its own name; nothing here keeps state.
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <getopt.h>
#include <stddef.h>

#include <events/events.h>
#include <events/kafka.h>

/** The long options of -b, -X and -F: entries of a struct option table. */
/* clang-format off */
#define CLI_KAFKA_LONGOPTS                                                     \
        {"brokers", required_argument, NULL, 'b'},                             \
        {"bootstrap-server", required_argument, NULL, 'b'},                    \
        {"property", required_argument, NULL, 'X'},                            \
        {"config-file", required_argument, NULL, 'F'}
/* clang-format on */

/**
 * @brief Write "PROG: MESSAGE" and "Try 'PROG --help'." to stderr.
 * @param prog the program's name, as it names itself in messages
 * @param fmt printf-style message, without a final newline
 * @returns EX_USAGE, for the caller to return as its exit status
 */
int cli_usage(const char *prog, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/**
 * @brief Whether an argument before "--" asks for a mode.
 * @param arg the option, as "--redrive"
 * @param prefix 0: the argument is @p arg; 1: it starts with @p arg (so
 *        "--capture=FILE" counts)
 * @returns 1 when such an argument is there, else 0
 */
int cli_has_arg(int argc, char **argv, const char *arg, int prefix);

/**
 * @brief Append one -b, -F or -X argument to a list, in the order given.
 * @param kind 'b', 'F' or 'X' (getopt's character)
 * @param arg optarg; -X needs KEY=VALUE
 * @param args, n the list and its length, grown by one (realloc)
 * @returns 0; EX_USAGE after cli_usage() for -X without '='; EX_OSERR
 *          when out of memory (the list is unchanged)
 * @remark the list keeps @p arg, which must outlive it (argv does).
 */
int cli_kafka_arg_add(const char *prog, int kind, const char *arg,
                      events_kafka_arg_t **args, size_t *n);

/**
 * @brief Add a --type PATTERN to a type filter: a router that is used only
 *        to match (events_router_match()), whose handler never runs, so
 *        that --type's patterns are checked as a route's are.
 * @param types the filter, made on first use; the caller destroys it
 * @returns 0; EX_USAGE when @p pattern is not a type or a glob (nothing is
 *          written); EX_OSERR when out of memory
 */
int cli_type_filter_add(events_router_t **types, const char *pattern);

/**
 * @brief cli_type_filter_add(), and for a bad pattern the usage error
 *        "--type PATTERN: not a type or a glob" (cli_usage()).
 * @returns as cli_type_filter_add()
 */
int cli_type_add(const char *prog, events_router_t **types,
                 const char *pattern);

/**
 * @brief Report what getopt_long() (with opterr = 0 and optstring
 *        starting with ':') returned for a bad option.
 * @param c ':' (a value is missing) or anything else (unknown)
 * @param opt the option as given, argv[optind - 1]
 * @param where NULL, or what to add to "unknown option X", in parentheses
 *        ("with --redrive")
 * @returns EX_USAGE
 */
int cli_option_error(const char *prog, int c, const char *opt,
                     const char *where);

/**
 * @brief After getopt_long(): refuse an argument that is not an option.
 * @returns 0 when getopt used every argument (optind == argc); else
 *          EX_USAGE after cli_usage()'s "unexpected argument X"
 */
int cli_no_operands(const char *prog, int argc, char **argv);

#endif /* CLI_ARGS_H */
