/*
 * fuzz_differential.c - libFuzzer target: the fast path's verdict against
 * the full validator's, over generated schemas and instances.
 *
 * An input is a JSON array: a schema, then instances ([schema, i1, i2,
 * ...]; the seeds are the JSON-Schema-Test-Suite's cases and the shipped
 * schemas with events, and libFuzzer mutates them). Each instance is
 * written compactly (as member "v" of an object) and read into the fast
 * path's token tree; the fast verdict (events__lite_validate()) must
 * equal the full verdict (events_schema_validate() on the jansson value,
 * no report), and that must equal the report's (no failure exactly when
 * valid). Then the producer's plans: each valid instance's line is
 * remembered as a layout with the plan its validation records
 * (events__lite_plan()), and every instance whose line matches that
 * layout (the same keys and types, other values) must get the full
 * verdict from the plan's checks (events__lite_plan_check()). Any
 * difference aborts, and the input that showed it becomes a regression
 * case in tests/fuzz/regressions/differential/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "events_int.h"
#include "lite_int.h"
#include "schema_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const events_schema_t *s, const json_t *inst,
                  events__lite_t *L, events_report_t *rep) {
        json_t *wrap = json_pack("{sO}", "v", inst);
        char *text = json_dumps(wrap, JSON_COMPACT);
        int full = events_schema_validate(s, inst, NULL) == EVENTS_OK;
        int fast;

        if (!wrap || !text)
                abort();
        events_report_clear(rep);
        if ((events_schema_validate(s, inst, rep) == EVENTS_OK) != full ||
            full != !events_report_count(rep))
                abort(); /* the report path disagrees with yes/no */
        /* The tree takes objects only: the instance is member "v" of one,
         * node 1. */
        if (!events__lite_parse(L, text, strlen(text),
                                EVENTS_DEFAULT_MAX_DEPTH)) {
                fast = events__lite_validate(s->root, L, 1);
                if (fast != full)
                        abort(); /* the fast path disagrees */
        }
        free(text);
        json_decref(wrap);
}

/* Instance @p inst as member "v" of an object, compact: a line. */
static char *line_of(const json_t *inst) {
        json_t *wrap = json_pack("{sO}", "v", inst);
        char *text = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;

        json_decref(wrap);
        if (!text)
                abort();
        return text;
}

/* The plan made with instance @p i's line against the verdicts of the
 * instances of @p doc (from 1) whose lines match its layout. */
static void check_plan(const events_schema_t *s, const json_t *doc, size_t i) {
        events__lite_t L = {0};
        char *text = line_of(json_array_get(doc, i));
        events__ltpl_t *t;

        if (events__lite_parse(&L, text, strlen(text),
                               EVENTS_DEFAULT_MAX_DEPTH) ||
            !(t = events__lite_remember(&L, text, strlen(text), UINT32_MAX)) ||
            events__lite_plan(t, s->root, &L, 1) != 1) {
                free(text);
                events__lite_free(&L);
                return; /* no layout, invalid, or no plan stands for it */
        }
        t->planned = 1; /* as the registry marks it */
        for (size_t j = 1; j < json_array_size(doc); j++) {
                const json_t *inst = json_array_get(doc, j);
                char *other = line_of(inst);

                L.pause = 0;
                if (events__lite_match(&L, other, strlen(other)) == t &&
                    events__lite_plan_check(t, &L) !=
                            (events_schema_validate(s, inst, NULL) ==
                             EVENTS_OK))
                        abort(); /* the plan disagrees */
                free(other);
        }
        free(text);
        events__lite_free(&L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_t *doc =
                json_loadb((const char *)data, size,
                           JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        events_schema_t *s = NULL;
        events_report_t *rep = NULL;
        events__lite_t L = {0};
        events_error_t err;

        if (!json_is_array(doc) || json_array_size(doc) < 2 ||
            events_schema_compile(&s, json_array_get(doc, 0), &err) !=
                    EVENTS_OK) {
                json_decref(doc);
                return 0;
        }
        if (!(rep = events_report_new(8)))
                abort();
        for (size_t i = 1; i < json_array_size(doc); i++)
                check(s, json_array_get(doc, i), &L, rep);
        for (size_t i = 1; i < json_array_size(doc); i++)
                check_plan(s, doc, i);
        events__lite_free(&L);
        events_report_destroy(rep);
        events_schema_destroy(s);
        json_decref(doc);
        return 0;
}
