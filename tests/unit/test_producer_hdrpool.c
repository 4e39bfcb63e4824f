/*
 * test_producer_hdrpool.c - the header lists kept for reuse
 * (producer_hdrpool.c): what is kept, what is destroyed, by type, and the
 * limits. Leaks show under ASan and valgrind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "producer_int.h"

/* A list of the headers name=value given as pairs, NULL-ended. */
static rd_kafka_headers_t *list(const char *name, ...) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(2);
        va_list ap;

        va_start(ap, name);
        for (const char *n = name; n; n = va_arg(ap, const char *)) {
                const char *v = va_arg(ap, const char *);
                assert_int_equal(rd_kafka_header_add(h, n, -1, v, -1), 0);
        }
        va_end(ap);
        return h;
}

static rd_kafka_headers_t *get(events__hdrpool_t *hp, const char *type) {
        return events__hdrpool_get(hp, type, strlen(type));
}

static void test_events__hdrpool_keeps_by_type(void **state) {
        events__hdrpool_t hp = {0};
        rd_kafka_headers_t *a = list("event_type", "user.created", NULL);
        rd_kafka_headers_t *b = list("event_type", "user.login", NULL);
        rd_kafka_headers_t *a2 = list("event_type", "user.created", NULL);

        (void)state;
        assert_null(get(&hp, "user.created"));
        events__hdrpool_put(&hp, a);
        events__hdrpool_put(&hp, b);
        events__hdrpool_put(&hp, a2);
        assert_int_equal(hp.total, 3);
        /* a type's lists only, the last one kept first */
        assert_ptr_equal(get(&hp, "user.created"), a2);
        assert_null(get(&hp, "user.create"));
        assert_null(get(&hp, "user.created.x"));
        assert_ptr_equal(get(&hp, "user.login"), b);
        assert_null(get(&hp, "user.login"));
        assert_ptr_equal(get(&hp, "user.created"), a);
        assert_null(get(&hp, "user.created"));
        assert_int_equal(hp.total, 0);
        events__hdrpool_put(&hp, a);
        events__hdrpool_put(&hp, a2);
        events__hdrpool_put(&hp, b);
        /* types alike but for one byte: at the end, in the middle of a
         * long one (its first and last 8 bytes equal), a short one */
        assert_null(get(&hp, "user.createe"));
        events__hdrpool_put(&hp,
                            list("event_type", "abcdefgh-X-12345678", NULL));
        assert_null(get(&hp, "abcdefgh-Y-12345678"));
        events__hdrpool_put(&hp, list("event_type", "a.b", NULL));
        assert_null(get(&hp, "a.c"));
        assert_null(get(&hp, "a.bc"));
        assert_int_equal(hp.total, 5);
        events__hdrpool_clear(&hp);
        assert_int_equal(hp.total, 0);
        assert_null(get(&hp, "user.created"));
}

/* Only a list that is one event_type header is kept: one an interceptor
 * added to, the CloudEvents mode's, another header's, or a null value
 * would carry into the next message. */
static void test_events__hdrpool_destroys_other_lists(void **state) {
        events__hdrpool_t hp = {0};
        rd_kafka_headers_t *none = rd_kafka_headers_new(1);
        rd_kafka_headers_t *nullv = rd_kafka_headers_new(1);

        (void)state;
        assert_int_equal(rd_kafka_header_add(nullv, "event_type", -1, NULL, 0),
                         0);
        events__hdrpool_put(&hp, list("event_type", "a", "ce_id", "1", NULL));
        events__hdrpool_put(&hp, list("ce_id", "1", "event_type", "a", NULL));
        events__hdrpool_put(&hp, list("event_typ", "a", NULL));
        events__hdrpool_put(&hp, list("event_type_", "a", NULL));
        events__hdrpool_put(&hp, none);
        events__hdrpool_put(&hp, nullv);
        assert_int_equal(hp.total, 0);
        assert_null(get(&hp, "a"));
        events__hdrpool_clear(&hp);
}

/* At most EVENTS__HDRPOOL_TYPES types and EVENTS__HDRPOOL_MAX lists. */
static void test_events__hdrpool_limits(void **state) {
        events__hdrpool_t hp = {0};
        rd_kafka_headers_t *h;
        char type[32];

        (void)state;
        for (int i = 0; i < EVENTS__HDRPOOL_TYPES + 3; i++) {
                snprintf(type, sizeof(type), "t%d", i);
                events__hdrpool_put(&hp, list("event_type", type, NULL));
        }
        assert_int_equal(hp.total, EVENTS__HDRPOOL_TYPES);
        assert_non_null(h = get(&hp, "t0"));
        rd_kafka_headers_destroy(h);
        snprintf(type, sizeof(type), "t%d", EVENTS__HDRPOOL_TYPES - 1);
        assert_non_null(h = get(&hp, type));
        rd_kafka_headers_destroy(h);
        snprintf(type, sizeof(type), "t%d", EVENTS__HDRPOOL_TYPES);
        assert_null(get(&hp, type));
        for (int i = 0; i < EVENTS__HDRPOOL_MAX + 5; i++)
                events__hdrpool_put(&hp, list("event_type", "t1", NULL));
        assert_int_equal(hp.total, EVENTS__HDRPOOL_MAX);
        events__hdrpool_clear(&hp);
        assert_int_equal(hp.total, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_events__hdrpool_keeps_by_type),
                cmocka_unit_test(test_events__hdrpool_destroys_other_lists),
                cmocka_unit_test(test_events__hdrpool_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
