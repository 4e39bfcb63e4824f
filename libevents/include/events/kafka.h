/*
 * events/kafka.h - small helpers around librdkafka configuration, shared by
 * the producer and the consumer: "key=value" properties (the -X option),
 * property files (the -F option) and the broker list (-b, EVENTS_BROKERS),
 * with errors that name the place.
 *
 * The precedence rule, the one both programs follow (the one kcat and
 * Kafka's own tools teach), lowest first:
 *
 *   1. the program's built-in defaults;
 *   2. the environment: $EVENTS_BROKERS, when set and not empty, is
 *      "bootstrap.servers";
 *   3. the options, in command-line order: every -b BROKERS,
 *      -F FILE and -X KEY=VALUE; a later one wins over an earlier one,
 *      whichever kind each is. -b LIST is a shortcut for
 *      -X bootstrap.servers=LIST.
 *
 * "bootstrap.servers" from a file or a property is enough: -b and
 * $EVENTS_BROKERS are only shortcuts for it. No broker set anywhere is an
 * error (EVENTS_ERR_NOT_FOUND).
 *
 * events_kafka_conf_apply() implements steps 2 and 3 on a configuration
 * that already holds step 1.
 */
#ifndef EVENTS_KAFKA_H
#define EVENTS_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "events/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Set one property from "key=value" text.
 * @param conf the configuration to change.
 * @param kv   "key=value"; the value may be empty and may contain '='.
 * @param err  may be NULL; the text names the key and librdkafka's reason.
 * @returns EVENTS_OK or EVENTS_ERR_CONF.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_kafka_conf_set(
        rd_kafka_conf_t *conf, const char *kv, events_error_t *err);

/**
 * @brief Set the properties of a file: one "key=value" per line; blank
 *        lines and lines starting with '#' are ignored; spaces around the
 *        key and the value are trimmed.
 * @param err may be NULL; err->line is the failing line, and the text
 *            starts with "PATH:LINE: " (or "PATH: " when the file cannot
 *            be read).
 * @returns EVENTS_OK, EVENTS_ERR_IO or EVENTS_ERR_CONF.
 */
EVENTS_API EVENTS_NODISCARD events_err_t events_kafka_conf_set_file(
        rd_kafka_conf_t *conf, const char *path, events_error_t *err);

/** One -b, -F or -X argument, in the order it was given. */
typedef struct events_kafka_arg_s {
        char kind;       /**< 'b': a broker list; 'F': a property file;
                              'X': "key=value" */
        const char *arg; /**< the brokers, the file's path, or the
                              "key=value" text */
} events_kafka_arg_t;

/**
 * @brief Apply $EVENTS_BROKERS, then the -b/-F/-X arguments in order, to a
 *        configuration that already holds the program's defaults, by the
 *        precedence rule at the top of this header.
 * @param conf    the configuration to change.
 * @param args    the -b, -F and -X arguments in command-line order; may be
 *                NULL when @p n is 0.
 * @param n       the number of @p args.
 * @param brokers NULL (or "") in new code: put -b in @p args as kind 'b'.
 *                When given, it is applied as one more 'b' argument after
 *                all of @p args (what callers of the first version of this
 *                function expected from "-b wins").
 * @param err     may be NULL; the text starts with the place: "FILE:LINE: "
 *                for a bad file line (err->line is LINE too), "FILE: " for
 *                a file that cannot be read, "-X KEY=VALUE: " for a bad
 *                property, "-b BROKERS: " for a bad broker list,
 *                "EVENTS_BROKERS=...: " for a bad environment value.
 * @returns EVENTS_OK; EVENTS_ERR_IO (a file cannot be read);
 *          EVENTS_ERR_CONF (a bad line or property); EVENTS_ERR_NOT_FOUND
 *          when no broker is set anywhere (not by -b, not by a file or
 *          property, not by $EVENTS_BROKERS); EVENTS_ERR_INVALID_ARG (NULL
 *          @p conf, a kind other than 'b', 'F' or 'X', a NULL arg).
 * @remark on failure @p conf holds what was applied before the failing
 *         argument; the caller still owns and destroys it. Reads the
 *         environment (getenv), so do not call it while another thread
 *         changes the environment.
 */
EVENTS_API events_err_t events_kafka_conf_apply(rd_kafka_conf_t *conf,
                                                const events_kafka_arg_t *args,
                                                size_t n, const char *brokers,
                                                events_error_t *err);

#ifdef __cplusplus
}
#endif
#endif /* EVENTS_KAFKA_H */
