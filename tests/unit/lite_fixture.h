/*
 * lite_fixture.h - what the token tree's unit tests (test_lite*.c) share:
 * the check that two trees read the same, node by node.
 */
#ifndef EVENTS_TEST_LITE_FIXTURE_H
#define EVENTS_TEST_LITE_FIXTURE_H

#include "lite_int.h"

/* Assert (cmocka) that trees @p a and @p b read the same: their sizes and
 * closing braces, and every node's type, extent, member or item count,
 * key, value bytes and number. */
void lite_same_tree(const events__lite_t *a, const events__lite_t *b);

#endif
