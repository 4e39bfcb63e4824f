/*
 * fuzz_schema_compile.c - libFuzzer target: schema compilation
 * (events_schema_compile()) on any JSON document, then validation of a
 * few fixed instances with and without a report. Nothing may crash or
 * leak, and the yes/no verdict must equal the report's (no failures
 * exactly when valid).
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "events/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const instances[] = {"null", "true",
                                        "0",    "-1.5",
                                        "\"\"", "\"a@example.com\"",
                                        "[]",   "[1,1]",
                                        "{}",   "{\"a\":1,\"b\":[\"x\",{}]}"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_t *doc =
                json_loadb((const char *)data, size,
                           JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        events_schema_t *s = NULL;
        events_report_t *rep;
        events_error_t err;

        if (!doc)
                return 0;
        if (events_schema_compile(&s, doc, &err) != EVENTS_OK) {
                json_decref(doc);
                return 0;
        }
        if (!(rep = events_report_new(8)))
                abort();
        for (size_t i = 0; i < sizeof(instances) / sizeof(instances[0]); i++) {
                json_t *inst = json_loads(instances[i], JSON_DECODE_ANY, NULL);
                events_err_t yes = events_schema_validate(s, inst, NULL);
                events_err_t rc;

                events_report_clear(rep);
                rc = events_schema_validate(s, inst, rep);
                if (yes != rc || (rc == EVENTS_OK) != !events_report_count(rep))
                        abort();
                json_decref(inst);
        }
        events_report_destroy(rep);
        events_schema_destroy(s);
        json_decref(doc);
        return 0;
}
