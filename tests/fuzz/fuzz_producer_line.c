/*
 * fuzz_producer_line.c - libFuzzer target: the producer's line path
 * (events__producer_probe()), with the strict example schemas (if/then,
 * enums, patterns, formats, patternProperties) loaded once. Each input is
 * one or more lines; every line is shaped three ways: on the full path
 * (jansson, the full validator), on the fast path with a fresh tree, and
 * on the fast path with one tree kept from line to line (so layouts and
 * their plans are remembered and reused). All three must agree on the
 * outcome, the error code, the message, the key, the type and the
 * timestamp; any difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_int.h"
#include "event_int.h"
#include "lite_int.h"
#include "producer_int.h"

#define NOW_US 1795802700123456LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static events_producer_t *producer;
static events_registry_t *registry;

static void setup(void) {
        const char *dir = getenv("EVENTS_FUZZ_SCHEMAS_DIR");

        if (!dir)
                dir = EVENTS_FUZZ_SCHEMAS;
        if (events_registry_new(&registry) != EVENTS_OK ||
            events_registry_load_dir(registry, dir, NULL) != EVENTS_OK ||
            events_producer_new(&producer, NULL, NULL, NULL) != EVENTS_OK) {
                fprintf(stderr, "fuzz_producer_line: cannot load %s\n", dir);
                abort();
        }
        events_producer_set_registry(producer, registry);
}

static void same(const events__probe_t *a, const events__probe_t *b) {
        if (a->outcome != b->outcome || a->code != b->code)
                abort();
        if (a->outcome != EVENTS_OUTCOME_QUEUED)
                return;
        if (a->mlen != b->mlen || memcmp(a->msg, b->msg, a->mlen) ||
            a->has_key != b->has_key || a->klen != b->klen ||
            memcmp(a->key, b->key, a->klen) || strcmp(a->type, b->type) ||
            a->ts_ms != b->ts_ms)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static events__lite_t kept;
        const char *s = (const char *)data, *end = s + size;

        if (!producer)
                setup();
        /* The kept tree lives for one input: a leak checker must not see
         * it as lost, and each input starts from no layouts. */
        while (s <= end) {
                const char *nl = memchr(s, '\n', (size_t)(end - s));
                size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
                events__probe_t full, fresh, reuse;

                if (events__producer_probe(producer, s, n, NOW_US, 0, &full) ||
                    events__producer_probe(producer, s, n, NOW_US, 1, &fresh) ||
                    events__producer_probe_tree(producer, &kept, s, n, NOW_US,
                                                &reuse))
                        abort(); /* no memory */
                same(&full, &fresh);
                same(&full, &reuse);
                free(full.msg);
                free(fresh.msg);
                free(reuse.msg);
                if (!nl)
                        break;
                s = nl + 1;
        }
        events__lite_free(&kept);
        memset(&kept, 0, sizeof(kept));
        return 0;
}
