/*
 * plugin_loader.c - dlopen() a plugin and check it before trusting it.
 *
 * RTLD_NOW makes a plugin with an unresolved symbol fail here, at load
 * time, with dlerror()'s message, rather than at its first event;
 * RTLD_LOCAL keeps two plugins' symbols (each has an events_plugin_abi)
 * apart. dlopen() counts references, so one .so named by several handler
 * entries is mapped once, and each entry gets its own init() state.
 *
 * ABI versions (events/plugin.h): the current one is called as
 * events_handler_cb; version 1, whose descriptor is the same and whose
 * functions only lack the context, is adapted by calling them with their
 * own signature (plugin_handler_call()); any other is refused.
 */
#include "plugin_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int plugin_handler_load(plugin_handler_t *out, const char *path,
                        const char *function, const json_t *config, char *err,
                        size_t errsize) {
        uint32_t abi;
        void *sym;

        memset(out, 0, sizeof(*out));
        out->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!out->dl) {
                snprintf(err, errsize, "cannot load plugin: %s", dlerror());
                return -1;
        }
        out->desc = dlsym(out->dl, EVENTS_PLUGIN_SYMBOL);
        if (!out->desc) {
                snprintf(err, errsize,
                         "%s is not an events plugin: it has no \"%s\" symbol "
                         "(see EVENTS_PLUGIN_DEFINE in events/plugin.h)",
                         path, EVENTS_PLUGIN_SYMBOL);
                goto bad;
        }
        abi = out->desc->abi_version;
        if (abi < EVENTS_PLUGIN_ABI_VERSION_MIN ||
            abi > EVENTS_PLUGIN_ABI_VERSION) {
                snprintf(err, errsize,
                         "%s was built for plugin ABI version %u; this "
                         "daemon speaks versions %d to %d (rebuild the "
                         "plugin against this events/plugin.h)",
                         path, (unsigned)abi, EVENTS_PLUGIN_ABI_VERSION_MIN,
                         EVENTS_PLUGIN_ABI_VERSION);
                goto bad;
        }
        /* Object and function pointers convert through a union: dlsym()
         * returns void * for both, which ISO C does not convert. */
        sym = dlsym(out->dl, function);
        if (!sym) {
                snprintf(err, errsize, "plugin %s has no function \"%s\"", path,
                         function);
                goto bad;
        }
        {
                union {
                        void *obj;
                        events_handler_cb fn;
                        events_plugin_handler_v1_cb fn_v1;
                } u = {.obj = sym};
                if (abi == 1)
                        out->fn_v1 = u.fn_v1;
                else
                        out->fn = u.fn;
        }
        if (out->desc->init) {
                char why[256] = "";
                if (out->desc->init(config, &out->state, why, sizeof(why))) {
                        snprintf(err, errsize, "plugin %s: init failed: %s",
                                 out->desc->name ? out->desc->name : path,
                                 *why ? why : "no reason given");
                        out->state = NULL;
                        goto bad;
                }
        }
        return 0;
bad:
        dlclose(out->dl);
        memset(out, 0, sizeof(*out));
        return -1;
}

int plugin_handler_call(const plugin_handler_t *p, const events_event_t *ev,
                        events_handler_ctx_t *ctx) {
        return p->fn ? p->fn(ev, ctx, p->state) : p->fn_v1(ev, p->state);
}

void plugin_handler_unload(plugin_handler_t *p) {
        if (!p || !p->dl)
                return;
        if (p->desc && p->desc->fini)
                p->desc->fini(p->state);
        dlclose(p->dl);
        memset(p, 0, sizeof(*p));
}
