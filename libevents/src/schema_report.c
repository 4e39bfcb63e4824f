/*
 * schema_report.c - the validation report (events_report_t): the failures
 * a validation found, each with its JSON pointer, keyword and message, up
 * to a limit. schema_validate.c fills it; this file keeps it, and words
 * the types a "type" failure names.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lite_int.h"
#include "schema_int.h"

typedef struct failure_s {
        char *pointer;
        const char *keyword; /* static */
        char *message;
} failure_t;

struct events_report_s {
        size_t max;
        size_t count;
        int truncated;
        failure_t *f;
};

events_report_t *events_report_new(size_t max_failures) {
        events_report_t *r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->max = max_failures ? max_failures : 16;
        if (!(r->f = calloc(r->max, sizeof(*r->f)))) {
                free(r);
                return NULL;
        }
        return r;
}

void events_report_clear(events_report_t *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->count; i++) {
                free(r->f[i].pointer);
                free(r->f[i].message);
        }
        memset(r->f, 0, r->max * sizeof(*r->f));
        r->count = 0;
        r->truncated = 0;
}

void events_report_destroy(events_report_t *r) {
        if (!r)
                return;
        events_report_clear(r);
        free(r->f);
        free(r);
}

size_t events_report_count(const events_report_t *r) {
        return r ? r->count : 0;
}

int events_report_truncated(const events_report_t *r) {
        return r ? r->truncated : 0;
}

const char *events_report_pointer(const events_report_t *r, size_t i) {
        return r && i < r->count ? r->f[i].pointer : NULL;
}

const char *events_report_keyword(const events_report_t *r, size_t i) {
        return r && i < r->count ? r->f[i].keyword : NULL;
}

const char *events_report_message(const events_report_t *r, size_t i) {
        return r && i < r->count ? r->f[i].message : NULL;
}

char *events_report_format(const events_report_t *r, char *buf, size_t size) {
        size_t n = 0;

        if (!buf || size == 0)
                return buf;
        buf[0] = '\0';
        if (!r)
                return buf;
        for (size_t i = 0; i < r->count && n < size; i++) {
                int w = snprintf(buf + n, size - n, "%s%s: %s", i ? "; " : "",
                                 r->f[i].pointer[0] ? r->f[i].pointer
                                                    : "(root)",
                                 r->f[i].message);
                if (w < 0)
                        break;
                n += (size_t)w;
        }
        if (r->truncated && n < size)
                snprintf(buf + n, size - n, "; ...");
        return buf;
}

int events__report_push(events_report_t *r, char *pointer, const char *keyword,
                        const char *msg) {
        failure_t *f;

        if (r->count >= r->max) {
                free(pointer);
                r->truncated = 1;
                return 1;
        }
        f = &r->f[r->count];
        f->pointer = pointer;
        f->message = strdup(msg);
        f->keyword = keyword;
        if (!f->pointer || !f->message) {
                free(f->pointer);
                free(f->message);
                f->pointer = f->message = NULL;
                r->truncated = 1;
                return 1;
        }
        r->count++;
        return 0;
}

int events__report_full(events_report_t *r) {
        if (r->count < r->max)
                return 0;
        r->truncated = 1;
        return 1;
}

void events__report_add(events_report_t *report, const char *pointer,
                        const char *keyword, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        if (!report)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        events__report_push(report, strdup(pointer), keyword, msg);
}

/* ------------------------------------------- words for "type" */

const char *events__lite_type_name(const events__lnode_t *v) {
        switch (v->type) {
        case EVENTS__LT_OBJECT:
                return "object";
        case EVENTS__LT_ARRAY:
                return "array";
        case EVENTS__LT_STRING:
                return "string";
        case EVENTS__LT_INT:
                return "integer";
        case EVENTS__LT_REAL:
                return "number";
        case EVENTS__LT_TRUE:
        case EVENTS__LT_FALSE:
                return "boolean";
        default:
                return "null";
        }
}

void events__types_text(unsigned types, char *buf, size_t size) {
        static const struct {
                unsigned bit;
                const char *name;
        } names[] = {{SCH_T_OBJECT, "object"},   {SCH_T_ARRAY, "array"},
                     {SCH_T_STRING, "string"},   {SCH_T_NUMBER, "number"},
                     {SCH_T_INTEGER, "integer"}, {SCH_T_BOOLEAN, "boolean"},
                     {SCH_T_NULL, "null"}};
        size_t n = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                if (!(types & names[i].bit))
                        continue;
                if (names[i].bit == SCH_T_INTEGER && (types & SCH_T_NUMBER))
                        continue;
                n += (size_t)snprintf(buf + n, size > n ? size - n : 0, "%s%s",
                                      n ? " or " : "", names[i].name);
                if (n >= size)
                        break;
        }
}
