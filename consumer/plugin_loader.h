/*
 * plugin_loader.h - load a handler plugin (see events/plugin.h): dlopen,
 * check the ABI descriptor, init with the routes entry's config, and find
 * the handler function by name.
 */
#ifndef CONSUMER_PLUGIN_LOADER_H
#define CONSUMER_PLUGIN_LOADER_H

#include <stddef.h>

#include <events/plugin.h>

typedef struct plugin_handler {
        void *dl;                    /* dlopen() handle */
        const events_plugin_t *desc; /* the plugin's descriptor */
        void *state;                 /* from desc->init() */
        /* The named function: fn for the current ABI, fn_v1 (and fn NULL)
         * for a plugin of ABI version 1. */
        events_handler_cb fn;
        events_plugin_handler_v1_cb fn_v1;
} plugin_handler_t;

/**
 * Load @p path, check its ABI version (EVENTS_PLUGIN_ABI_VERSION, or
 * version 1, adapted: see events/plugin.h), call its init() with
 * @p config and look up @p function.
 * @returns 0 and a filled @p out, or -1 with the reason in @p err.
 */
int plugin_handler_load(plugin_handler_t *out, const char *path,
                        const char *function, const json_t *config, char *err,
                        size_t errsize);

/** Call the function with the signature of its ABI version. */
int plugin_handler_call(const plugin_handler_t *p, const events_event_t *ev,
                        events_handler_ctx_t *ctx);

/** fini() the state and dlclose(); safe on a zeroed struct. */
void plugin_handler_unload(plugin_handler_t *p);

#endif /* CONSUMER_PLUGIN_LOADER_H */
