/*
 * kafka_conf.c - librdkafka configuration from "key=value" text and from
 * property files, for the -X and -F options of both programs.
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
