/*
 * abi_plugin.c - a plugin that declares the plugin ABI version it is
 * compiled with (-DTEST_PLUGIN_ABI=N), written by hand as a plugin built
 * against an older or a newer events/plugin.h would be. Version 1 handlers
 * take no context: test_consumer_handlers checks that the loader adapts
 * them, and refuses versions it does not know.
 */
#include <string.h>

#include <events/events.h>
#include <events/plugin.h>

EVENTS_PLUGIN_EXPORT extern const events_plugin_t events_plugin_abi;
EVENTS_PLUGIN_EXPORT const events_plugin_t events_plugin_abi = {
        TEST_PLUGIN_ABI, "abi-test", "0.0.1", NULL, NULL};

/* Version 1's signature: no context. Fails (rc 3) for "v1.fail". */
EVENTS_PLUGIN_HANDLER int v1_handler(const events_event_t *ev, void *state);

EVENTS_PLUGIN_HANDLER int v1_handler(const events_event_t *ev, void *state) {
        (void)state;
        return strcmp(events_event_type(ev), "v1.fail") ? 0 : 3;
}
