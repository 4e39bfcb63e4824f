/*
 * error.c - error codes, their names and texts, and the caller-owned error
 * record that parsing and validation fill in. Every other module reports
 * through events__error_set() so that the record is filled the same way
 * everywhere.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "events_int.h"

static const struct {
        const char *name;
        const char *text;
} err_table[EVENTS_ERR__COUNT] = {
        [EVENTS_OK] = {"OK", "success"},
        [EVENTS_ERR_INVALID_ARG] = {"ERR_INVALID_ARG", "invalid argument"},
        [EVENTS_ERR_NOMEM] = {"ERR_NOMEM", "out of memory"},
        [EVENTS_ERR_JSON] = {"ERR_JSON", "invalid JSON"},
        [EVENTS_ERR_TOO_LARGE] = {"ERR_TOO_LARGE", "document too large"},
        [EVENTS_ERR_TOO_DEEP] = {"ERR_TOO_DEEP", "nesting too deep"},
        [EVENTS_ERR_UTF8] = {"ERR_UTF8", "invalid UTF-8"},
        [EVENTS_ERR_NUL] = {"ERR_NUL", "NUL byte in document"},
        [EVENTS_ERR_DUPLICATE_KEY] = {"ERR_DUPLICATE_KEY",
                                      "duplicate object key"},
        [EVENTS_ERR_NUMBER_OVERFLOW] = {"ERR_NUMBER_OVERFLOW",
                                        "number out of range"},
        [EVENTS_ERR_ENVELOPE] = {"ERR_ENVELOPE", "invalid event envelope"},
        [EVENTS_ERR_TIMESTAMP] = {"ERR_TIMESTAMP", "invalid timestamp"},
        [EVENTS_ERR_NOT_FOUND] = {"ERR_NOT_FOUND", "not found"},
        [EVENTS_ERR_SCHEMA] = {"ERR_SCHEMA", "invalid schema"},
        [EVENTS_ERR_VALIDATION] = {"ERR_VALIDATION",
                                   "schema validation failed"},
        [EVENTS_ERR_NO_SCHEMA] = {"ERR_NO_SCHEMA", "no schema for event type"},
        [EVENTS_ERR_IO] = {"ERR_IO", "input/output error"},
        [EVENTS_ERR_CONF] = {"ERR_CONF", "invalid configuration"},
        [EVENTS_ERR_KAFKA] = {"ERR_KAFKA", "Kafka error"},
        [EVENTS_ERR_QUEUE_FULL] = {"ERR_QUEUE_FULL", "queue full"},
        [EVENTS_ERR_TIMED_OUT] = {"ERR_TIMED_OUT", "timed out"},
        [EVENTS_ERR_NO_ROUTE] = {"ERR_NO_ROUTE", "no route for event type"},
        [EVENTS_ERR_HANDLER] = {"ERR_HANDLER", "handler failed"},
        [EVENTS_ERR_STATE] = {"ERR_STATE", "invalid state"},
};

const char *events_version(void) {
        return EVENTS_VERSION_STR;
}

const char *events_err2str(events_err_t err) {
        if ((unsigned)err >= EVENTS_ERR__COUNT || !err_table[err].text)
                return "unknown error";
        return err_table[err].text;
}

const char *events_err2name(events_err_t err) {
        if ((unsigned)err >= EVENTS_ERR__COUNT || !err_table[err].name)
                return "ERR_UNKNOWN";
        return err_table[err].name;
}

void events_error_clear(events_error_t *err) {
        if (!err)
                return;
        memset(err, 0, sizeof(*err));
        err->offset = (size_t)-1;
}

events_err_t events__error_set(events_error_t *err, events_err_t code,
                               const char *fmt, ...) {
        va_list ap;

        if (!err)
                return code;
        events_error_clear(err);
        err->code = code;
        if (fmt) {
                va_start(ap, fmt);
                vsnprintf(err->text, sizeof(err->text), fmt, ap);
                va_end(ap);
        } else {
                snprintf(err->text, sizeof(err->text), "%s",
                         events_err2str(code));
        }
        return code;
}

void events__error_set_pointer(events_error_t *err, const char *pointer) {
        if (err && pointer)
                snprintf(err->pointer, sizeof(err->pointer), "%s", pointer);
}

char *events_error_format(const events_error_t *err, char *buf, size_t size) {
        size_t n = 0;

        if (!buf || size == 0)
                return buf;
        buf[0] = '\0';
        if (!err)
                return buf;
        if (err->pointer[0]) {
                n = (size_t)snprintf(buf, size, "%s: ", err->pointer);
        } else if (err->line > 0) {
                if (err->offset != (size_t)-1)
                        n = (size_t)snprintf(
                                buf, size,
                                "line %d, column %d (byte %zu): ", err->line,
                                err->column, err->offset);
                else
                        n = (size_t)snprintf(buf, size,
                                             "line %d, column %d: ", err->line,
                                             err->column);
        } else if (err->offset != (size_t)-1) {
                n = (size_t)snprintf(buf, size, "byte %zu: ", err->offset);
        }
        if (n < size)
                snprintf(buf + n, size - n, "%s",
                         err->text[0] ? err->text : events_err2str(err->code));
        return buf;
}
