/*
 * schema_uri.c - URI reference resolution (RFC 3986 section 5) for "$id"
 * and "$ref": the base URI in force meets a reference and gives the
 * absolute URI that names a schema. Only what JSON Schema needs: parse
 * into scheme, authority, path, query and fragment; merge paths; remove
 * dot segments. Percent-encoding is compared as written, and an empty
 * fragment is dropped so that "x#" and "x" name one document.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

typedef struct part_s {
        const char *s;
        size_t n;
        int has;
} part_t;

typedef struct uri_s {
        part_t scheme, auth, path, query, frag;
} uri_t;

static void uri_parse(const char *u, uri_t *p) {
        const char *c = u, *q = u;

        memset(p, 0, sizeof(*p));
        while (*q && (isalnum((unsigned char)*q) || *q == '+' || *q == '-' ||
                      *q == '.'))
                q++;
        if (*q == ':' && q > u && isalpha((unsigned char)u[0])) {
                p->scheme = (part_t){u, (size_t)(q - u), 1};
                c = q + 1;
        }
        if (c[0] == '/' && c[1] == '/') {
                c += 2;
                for (q = c; *q && !strchr("/?#", *q); q++)
                        ;
                p->auth = (part_t){c, (size_t)(q - c), 1};
                c = q;
        }
        for (q = c; *q && *q != '?' && *q != '#'; q++)
                ;
        p->path = (part_t){c, (size_t)(q - c), 1};
        c = q;
        if (*c == '?') {
                for (q = ++c; *q && *q != '#'; q++)
                        ;
                p->query = (part_t){c, (size_t)(q - c), 1};
                c = q;
        }
        if (*c == '#')
                p->frag = (part_t){c + 1, strlen(c + 1), 1};
}

/* RFC 3986 section 5.2.4, in place. */
static void remove_dots(char *in) {
        char *out = in, *r = in;

        while (*r) {
                if (!strncmp(r, "../", 3)) {
                        r += 3;
                } else if (!strncmp(r, "./", 2)) {
                        r += 2;
                } else if (!strncmp(r, "/./", 3)) {
                        r += 2;
                } else if (!strcmp(r, "/.")) {
                        r[1] = '\0';
                } else if (!strncmp(r, "/../", 4) || !strcmp(r, "/..")) {
                        if (r[3] == '/')
                                r += 3;
                        else
                                r[1] = '\0';
                        while (out > in && out[-1] != '/')
                                out--;
                        if (out > in)
                                out--;
                } else if (!strcmp(r, ".") || !strcmp(r, "..")) {
                        r += strlen(r);
                } else {
                        do
                                *out++ = *r++;
                        while (*r && *r != '/');
                }
        }
        *out = '\0';
}

char *events__uri_resolve(const char *base, const char *ref) {
        uri_t b, r;
        part_t scheme, auth, query, frag = {0};
        char *path, *out;
        size_t cap;

        uri_parse(base ? base : "", &b);
        uri_parse(ref, &r);
        cap = strlen(base ? base : "") + strlen(ref) + 8;
        if (!(path = malloc(cap)))
                return NULL;
        path[0] = '\0';
        if (r.scheme.has) {
                scheme = r.scheme, auth = r.auth, query = r.query;
                memcpy(path, r.path.s, r.path.n), path[r.path.n] = '\0';
        } else {
                scheme = b.scheme;
                if (r.auth.has) {
                        auth = r.auth, query = r.query;
                        memcpy(path, r.path.s, r.path.n);
                        path[r.path.n] = '\0';
                } else {
                        auth = b.auth;
                        if (r.path.n == 0) {
                                memcpy(path, b.path.s, b.path.n);
                                path[b.path.n] = '\0';
                                query = r.query.has ? r.query : b.query;
                        } else {
                                query = r.query;
                                if (r.path.s[0] == '/') {
                                        memcpy(path, r.path.s, r.path.n);
                                        path[r.path.n] = '\0';
                                } else if (b.auth.has && b.path.n == 0) {
                                        path[0] = '/';
                                        memcpy(path + 1, r.path.s, r.path.n);
                                        path[r.path.n + 1] = '\0';
                                } else {
                                        size_t keep = b.path.n;
                                        while (keep > 0 &&
                                               b.path.s[keep - 1] != '/')
                                                keep--;
                                        memcpy(path, b.path.s, keep);
                                        memcpy(path + keep, r.path.s, r.path.n);
                                        path[keep + r.path.n] = '\0';
                                }
                        }
                }
        }
        remove_dots(path);
        frag = r.frag;
        if (!(out = malloc(cap + 8))) {
                free(path);
                return NULL;
        }
        out[0] = '\0';
        {
                size_t n = 0;
                if (scheme.has) {
                        memcpy(out + n, scheme.s, scheme.n), n += scheme.n;
                        out[n++] = ':';
                }
                if (auth.has) {
                        out[n++] = '/', out[n++] = '/';
                        memcpy(out + n, auth.s, auth.n), n += auth.n;
                }
                memcpy(out + n, path, strlen(path)), n += strlen(path);
                if (query.has) {
                        out[n++] = '?';
                        memcpy(out + n, query.s, query.n), n += query.n;
                }
                /* An empty fragment names the document itself: drop it,
                 * so that "x#" and "x" are one key. */
                if (frag.has && frag.n > 0) {
                        out[n++] = '#';
                        memcpy(out + n, frag.s, frag.n), n += frag.n;
                }
                out[n] = '\0';
        }
        free(path);
        return out;
}
