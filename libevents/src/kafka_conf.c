/*
 * kafka_conf.c - librdkafka configuration from "key=value" text, property
 * files and the broker list, for the -X, -F and -b options of both
 * programs. The precedence rule is written down once, in events/kafka.h,
 * and implemented once, in events_kafka_conf_apply().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_int.h"

static events_err_t conf_set(rd_kafka_conf_t *conf, const char *key,
                             const char *val, events_error_t *err) {
        char errstr[256];

        if (rd_kafka_conf_set(conf, key, val, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK)
                return events__error_set(err, EVENTS_ERR_CONF, "%s: %s", key,
                                         errstr);
        return EVENTS_OK;
}

events_err_t events_kafka_conf_set(rd_kafka_conf_t *conf, const char *kv,
                                   events_error_t *err) {
        const char *eq;
        char *key;
        events_err_t rc;

        if (!conf || !kv)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        eq = strchr(kv, '=');
        if (!eq || eq == kv)
                return events__error_set(err, EVENTS_ERR_CONF,
                                         "expected key=value, got \"%s\"", kv);
        key = strndup(kv, (size_t)(eq - kv));
        if (!key)
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        rc = conf_set(conf, key, eq + 1, err);
        free(key);
        return rc;
}

static char *trim(char *s) {
        char *end;

        while (*s == ' ' || *s == '\t')
                s++;
        end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
                           end[-1] == '\n' || end[-1] == '\r'))
                *--end = '\0';
        return s;
}

events_err_t events_kafka_conf_set_file(rd_kafka_conf_t *conf, const char *path,
                                        events_error_t *err) {
        FILE *fp;
        char *line = NULL, *key, *eq;
        size_t cap = 0;
        int lineno = 0;
        events_err_t rc = EVENTS_OK;

        if (!conf || !path)
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        if (!(fp = fopen(path, "r")))
                return events__error_set(err, EVENTS_ERR_IO, "%s: %s", path,
                                         strerror(errno));
        while (getline(&line, &cap, fp) != -1) {
                lineno++;
                key = trim(line);
                if (!*key || *key == '#')
                        continue;
                if (!(eq = strchr(key, '=')) || eq == key) {
                        rc = events__error_set(err, EVENTS_ERR_CONF,
                                               "%s:%d: expected key=value",
                                               path, lineno);
                } else {
                        *eq = '\0';
                        rc = conf_set(conf, trim(key), trim(eq + 1), err);
                        if (rc && err) {
                                char why[EVENTS_ERROR_TEXT_LENGTH];

                                snprintf(why, sizeof(why), "%s", err->text);
                                events__error_set(err, rc, "%s:%d: %s", path,
                                                  lineno, why);
                        }
                }
                if (rc) {
                        if (err)
                                err->line = lineno;
                        break;
                }
        }
        if (!rc && ferror(fp))
                rc = events__error_set(err, EVENTS_ERR_IO, "%s: read error",
                                       path);
        free(line);
        fclose(fp);
        return rc;
}

/* Is "bootstrap.servers" (or its alias metadata.broker.list) non-empty? */
static int has_brokers(const rd_kafka_conf_t *conf) {
        size_t size = 0;

        /* A NULL buffer asks for the size only; it counts the NUL, and an
         * unset (or emptied) property is not RD_KAFKA_CONF_OK. */
        return rd_kafka_conf_get(conf, "bootstrap.servers", NULL, &size) ==
                       RD_KAFKA_CONF_OK &&
               size > 1;
}

/* Set "bootstrap.servers" from -b or the environment; @p place names it
 * in the error ("-b LIST", "EVENTS_BROKERS=LIST"). */
static events_err_t set_brokers(rd_kafka_conf_t *conf, const char *brokers,
                                const char *place, events_error_t *err) {
        char why[EVENTS_ERROR_TEXT_LENGTH];
        events_err_t rc;

        if ((rc = conf_set(conf, "bootstrap.servers", brokers, err)) && err) {
                snprintf(why, sizeof(why), "%s", err->text);
                events__error_set(err, rc, "%s%s: %s", place, brokers, why);
        }
        return rc;
}

static events_err_t apply_one(rd_kafka_conf_t *conf,
                              const events_kafka_arg_t *a,
                              events_error_t *err) {
        char why[EVENTS_ERROR_TEXT_LENGTH];
        events_err_t rc;

        switch (a->kind) {
        case 'b':
                return set_brokers(conf, a->arg, "-b ", err);
        case 'F':
                /* The file's own errors already name FILE:LINE. */
                return events_kafka_conf_set_file(conf, a->arg, err);
        default: /* 'X' */
                if ((rc = events_kafka_conf_set(conf, a->arg, err)) && err) {
                        snprintf(why, sizeof(why), "%s", err->text);
                        events__error_set(err, rc, "-X %s: %s", a->arg, why);
                }
                return rc;
        }
}

events_err_t events_kafka_conf_apply(rd_kafka_conf_t *conf,
                                     const events_kafka_arg_t *args, size_t n,
                                     const char *brokers, events_error_t *err) {
        const char *env;
        events_err_t rc;

        if (!conf || (n && !args))
                return events__error_set(err, EVENTS_ERR_INVALID_ARG, NULL);
        /* Check every argument before changing anything. */
        for (size_t i = 0; i < n; i++)
                if (!args[i].arg ||
                    (args[i].kind != 'b' && args[i].kind != 'F' &&
                     args[i].kind != 'X'))
                        return events__error_set(err, EVENTS_ERR_INVALID_ARG,
                                                 NULL);
        env = getenv("EVENTS_BROKERS");
        if (env && *env &&
            (rc = set_brokers(conf, env, "EVENTS_BROKERS=", err)))
                return rc;
        for (size_t i = 0; i < n; i++)
                if ((rc = apply_one(conf, &args[i], err)))
                        return rc;
        if (brokers && *brokers &&
            (rc = set_brokers(conf, brokers, "-b ", err)))
                return rc;
        if (has_brokers(conf))
                return EVENTS_OK;
        return events__error_set(err, EVENTS_ERR_NOT_FOUND,
                                 "no brokers: bootstrap.servers is set by "
                                 "no -b, file or property, and "
                                 "EVENTS_BROKERS is empty");
}
