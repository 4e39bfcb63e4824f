/*
 * producer_shape.c - shaping a line: what events_producer_submit() does to
 * a line before it can be sent. Parse (strict), wrap or check the
 * envelope, stamp, validate, key, then put the message together.
 *
 * The message is built from the input bytes, not from the parsed tree: a
 * valid envelope whose timestamp is already normalized is sent exactly as
 * read; otherwise the timestamp's bytes are replaced, or the member
 * appended before the final '}'. Wrapped lines are concatenated into an
 * envelope. Re-serializing is the fallback only for keys written with
 * escapes. Most lines take the lite path (shape_lite(), on lite.c's tree);
 * every other line, and every line to be rejected, the full path
 * (jansson), so that rejections and their reasons come from one place.
 *
 * Shaping reads only the producer's settings and writes only to the
 * shaper it is given: worker threads (producer_pipeline.c) shape lines at
 * once, each with its own.
 */
#include <stdlib.h>
#include <string.h>

#include "producer_int.h"

/* JSON's white space. Most bytes tested are a line's '{' and '}': the
 * first comparison turns them away. */
static int is_ws(char c) {
        return (unsigned char)c <= ' ' &&
               (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

static int reserve(events__shaper_t *sh, size_t need) {
        char *nb;
        size_t cap = sh->cap ? sh->cap : 512;

        if (need <= sh->cap)
                return 0;
        while (cap < need)
                cap *= 2;
        if (!(nb = realloc(sh->buf, cap)))
                return -1;
        sh->buf = nb;
        sh->cap = cap;
        return 0;
}

/* Append to the message buffer, which has room (see reserve()). */
#define PUT(sh, at, src, n)                                                    \
        do {                                                                   \
                memcpy((sh)->buf + (at), (src), (n));                          \
                (at) += (n);                                                   \
        } while (0)

/* Whether a timestamp that parsed is written back as its own digits and
 * a Z: UTC with six fractional digits and an upper-case T, its Z there or
 * not (what Python's datetime.utcnow().isoformat() writes, mostly). The
 * sixth digit rules out the 26 bytes of five digits and a Z. Formatting it
 * again would give the same bytes. */
static int ts_own_digits(const char *s, size_t n) {
        return (n == EVENTS_TIMESTAMP_LEN - 1 ||
                (n == EVENTS_TIMESTAMP_LEN && s[n - 1] == 'Z')) &&
               s[10] == 'T' && s[19] == '.' &&
               (unsigned)(s[EVENTS_TIMESTAMP_LEN - 2] - '0') < 10;
}

/*
 * The message for a line: the input bytes with the timestamp spliced in.
 * Sets *msgp and *lenp to the message, which may be the input itself.
 */
static events_err_t build_message(const events_producer_t *p,
                                  events__shaper_t *sh,
                                  const events_event_t *ev, const char *in,
                                  size_t n, int stamped, const char **msgp,
                                  size_t *lenp, events_error_t *err) {
        const char *ts = events_event_timestamp(ev);
        size_t tslen = ts ? strlen(ts) : 0, at = 0;
        const events__event_input_t *inp = events__event_input(ev);
        char *ser;

        if (p->wrap_prefix) {
                /* {"event_type":"T","data":LINE,"timestamp":"TS"} */
                if (reserve(sh, p->wrap_prefix_len + n + tslen + 16))
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                PUT(sh, at, p->wrap_prefix, p->wrap_prefix_len);
                PUT(sh, at, in, n);
                PUT(sh, at, ",\"timestamp\":\"", 14);
                PUT(sh, at, ts, tslen);
                PUT(sh, at, "\"}", 2);
                *msgp = sh->buf;
                *lenp = at;
                return EVENTS_OK;
        }
        if (inp->known) {
                if (inp->ts_present && inp->ts_normalized && !stamped) {
                        *msgp = in; /* already what we would send */
                        *lenp = n;
                        return EVENTS_OK;
                }
                if (reserve(sh, n + EVENTS__SPLICE_EXTRA))
                        return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
                if (events__event_splice(ev, in, n, sh->buf, sh->cap, lenp) ==
                    EVENTS_OK) {
                        *msgp = sh->buf;
                        return EVENTS_OK;
                }
        }
        /* Escaped top-level keys: let the envelope module write it. */
        if (events_event_serialize(ev, &ser, lenp))
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        if (reserve(sh, *lenp + 1)) {
                free(ser);
                return events__error_set(err, EVENTS_ERR_NOMEM, NULL);
        }
        memcpy(sh->buf, ser, *lenp);
        free(ser);
        *msgp = sh->buf;
        return EVENTS_OK;
}

/* Fill @p e with why validation failed, every reason on one line
 * ("/data/email: does not match format \"email\"; ..."). */
static void validation_reason(const events_producer_t *p,
                              events_report_t *report, const events_event_t *ev,
                              events_err_t rc, events_error_t *e) {
        if (rc != EVENTS_ERR_VALIDATION) {
                events__error_set(e, rc, "no schema for event type \"%s\"",
                                  events_event_type(ev));
                return;
        }
        events_report_clear(report);
        /* The verdict is @p rc already; this run only fills the report. */
        events_err_t again = events_registry_validate(p->reg, ev, report);
        (void)again;
        events__error_set(e, rc, NULL);
        if (events_report_count(report) > 0)
                events_report_format(report, e->text, sizeof(e->text));
}

/* The node at the key path on the lite tree, or -1 when there is none.
 * It depends only on the tree's keys and sizes: a layout's lines share it. */
static long lite_key_node(const events_producer_t *p, const events__lite_t *L) {
        const char *path = p->key_path, *dot;
        const events__lnode_t *v;
        uint32_t at = 0;
        size_t seg;
        long c;

        for (;; path = dot + 1) {
                dot = strchr(path, '.');
                seg = dot ? (size_t)(dot - path) : strlen(path);
                v = &L->n[at];
                if (v->type == EVENTS__LT_OBJECT) {
                        c = events__lite_get(L, at, path, seg);
                } else if (v->type == EVENTS__LT_ARRAY) {
                        long long i = events__path_index(path, seg);

                        c = -1;
                        if (i >= 0 && (unsigned long long)i < v->count) {
                                uint32_t k = at + 1;

                                while (i-- > 0)
                                        k = L->n[k].end;
                                c = (long)k;
                        }
                } else {
                        c = -1;
                }
                if (c < 0)
                        return -1;
                at = (uint32_t)c;
                if (!dot)
                        break;
        }
        return (long)at;
}

/* events_event_key() on the lite tree, from the key path's node @p at
 * (-1: none): 1 with the key in @p o, 0 for no key, -1 when the full path
 * must decide (a key too long). */
static int lite_key(const events__lite_t *L, long at, events__shaped_t *o) {
        char tmp[EVENTS__REAL_BUFSIZE];
        const events__lnode_t *v;
        const char *src;
        size_t n;

        if (at < 0)
                return 0;
        v = &L->n[at];
        switch (v->type) {
        case EVENTS__LT_STRING:
                src = v->s;
                n = v->len;
                break;
        case EVENTS__LT_INT:
                /* A JSON integer has one way to be written, its decimal
                 * form, but for -0. */
                if (v->len == 2 && v->s[0] == '-') {
                        n = events__int_format(v->num.i, tmp);
                        src = tmp;
                } else {
                        src = v->s;
                        n = v->len;
                }
                break;
        case EVENTS__LT_REAL:
                n = events__real_format(v->num.d, tmp);
                src = tmp;
                break;
        default:
                return 0;
        }
        if (n >= sizeof(o->key))
                return -1;
        memcpy(o->key, src, n);
        o->key[n] = '\0';
        o->klen = n;
        return 1;
}

/* A type copied as a fixed block: shorter than both type buffers. */
#define SHORT_TYPE 32
_Static_assert(SHORT_TYPE <= sizeof(((events__shaped_t *)0)->type) &&
                       SHORT_TYPE <= sizeof(((events__ltpl_t *)0)->type),
               "a short type fits both type buffers");

/* events__lite_timestamp() for the stamp time @p us: the lines of one read
 * are stamped with one time (events_producer_set_stamp_time()), so the
 * shaper keeps the last one's text. @returns 0 when @p us is out of
 * range. */
static int stamp_text(events__shaper_t *sh, events__lite_t *L, int64_t us,
                      char *ts) {
        if (sh->ts.stamp[0] && sh->ts.stamp_us == us) {
                memcpy(ts, sh->ts.stamp, EVENTS_TIMESTAMP_LEN + 1);
                return 1;
        }
        if (!events__lite_timestamp(L, us, ts))
                return 0;
        memcpy(sh->ts.stamp, ts, EVENTS_TIMESTAMP_LEN + 1);
        sh->ts.stamp_us = us;
        return 1;
}

/* Nodes a thread's lite tree keeps between lines (about 56 bytes each). */
#define LITE_KEEP_NODES 4096

/*
 * The lite path of events__producer_shape(): an envelope line of the simple
 * kind most lines are, shaped on the lite tree (lite.c) without building
 * jansson values.
 * @returns 1 when @p o holds the shaped line (QUEUED), 0 when
 * events__producer_shape() must do it the full way: for every line the lite
 * path does not take, and for every line that is to be rejected, so that
 * rejections and their reasons come from one place. Whatever it queues, the
 * full path queues as the same message (test_producer_shape.c compares the
 * two).
 */
static int shape_lite(const events_producer_t *p, events__shaper_t *sh,
                      const char *s, size_t sn, int64_t now_us,
                      events__shaped_t *o) {
        events__lite_t *L = sh->lite;
        events__ltpl_t *lay;
        size_t lim = p->max_msg ? p->max_msg : EVENTS_DEFAULT_MAX_BYTES;
        const events__lnode_t *t, *d;
        char ts[EVENTS_TIMESTAMP_BUFSIZE];
        size_t head, tail, at = 0;
        long ti, di, tsi;
        int64_t us = 0;
        int stamped = 0, normalized = 0, tsi_added = 0, parsed = 0, cache, kr;
        long key_node;

        /* CloudEvents take the full path: the lite one writes envelopes. */
        if (!L || p->wrap_type || p->ce_mode || sn > lim)
                return 0;
        /* A line of a layout seen before needs no parse; a parsed line's
         * layout is remembered for the lines after it. */
        if (!(lay = events__lite_match(L, s, sn))) {
                if (events__lite_parse(L, s, sn, EVENTS_DEFAULT_MAX_DEPTH))
                        return 0;
                parsed = 1;
        }
        /* What the first line of a layout found (the members, the type,
         * the key's node) holds for the layout's other lines. */
        cache = lay && lay->shaped && lay->shaped_by == p &&
                lay->shaped_gen == p->settings_gen;
        if (cache) {
                ti = lay->ti;
                di = lay->di;
                tsi = lay->tsi;
                o->tlen = lay->type_len;
                /* A short type (all the usual ones) is copied as a fixed
                 * block, which compiles to a few moves instead of a call;
                 * the bytes past its NUL are not read. */
                if (o->tlen < SHORT_TYPE)
                        memcpy(o->type, lay->type, SHORT_TYPE);
                else
                        memcpy(o->type, lay->type, o->tlen + 1);
                goto envelope_ok;
        }
        /* The envelope, as events_event_parse_limits() checks it. */
        /* One walk over the top-level members. */
        ti = di = tsi = -1;
        for (uint32_t k = 1; k < L->used; k = L->n[k].end) {
                const events__lnode_t *m = &L->n[k];

                if (m->klen == 10 && !memcmp(m->key, "event_type", 10))
                        ti = (long)k;
                else if (m->klen == 4 && !memcmp(m->key, "data", 4))
                        di = (long)k;
                else if (m->klen == 9 && !memcmp(m->key, "timestamp", 9))
                        tsi = (long)k;
        }
        if (ti < 0 || di < 0)
                return 0;
        if (parsed)
                lay = events__lite_remember(L, s, sn, (uint32_t)ti);
        t = &L->n[ti];
        d = &L->n[di];
        if (t->type != EVENTS__LT_STRING || t->len > EVENTS_EVENT_TYPE_MAX ||
            t->len == 0 || d->type != EVENTS__LT_OBJECT)
                return 0;
        memcpy(o->type, t->s, t->len);
        o->type[t->len] = '\0';
        o->tlen = t->len;
        if (!events_type_valid(o->type))
                return 0;
        if (lay) {
                lay->shaped = 0;
                lay->ti = ti;
                lay->di = di;
                lay->tsi = tsi;
                memcpy(lay->type, o->type, o->tlen + 1);
                lay->type_len = o->tlen;
        }
envelope_ok:
        if (tsi >= 0) {
                events__lnode_t *v = &L->n[tsi];

                /* A timestamp written with escapes (its node points to
                 * the unescaped copy) is spliced by the full path. */
                if (v->type != EVENTS__LT_STRING ||
                    events__lite_unescaped(L, v->s) ||
                    events__timestamp_parse_cached(&sh->ts, v->s, v->len, &us,
                                                   NULL))
                        return 0;
                if (ts_own_digits(v->s, v->len)) {
                        memcpy(ts, v->s, EVENTS_TIMESTAMP_LEN - 1);
                        ts[EVENTS_TIMESTAMP_LEN - 1] = 'Z';
                        ts[EVENTS_TIMESTAMP_LEN] = '\0';
                        /* Its own bytes, and a Z when it has 27. */
                        normalized = v->len == EVENTS_TIMESTAMP_LEN;
                } else if (!events__lite_timestamp(L, us, ts)) {
                        return 0;
                } else {
                        normalized = v->len == EVENTS_TIMESTAMP_LEN &&
                                     !memcmp(v->s, ts, EVENTS_TIMESTAMP_LEN);
                }
        }
        if (tsi < 0 || p->restamp) {
                us = now_us;
                if (!stamp_text(sh, L, us, ts))
                        return 0;
                stamped = 1;
        }
        /* The tree as the full path validates it: the timestamp always in
         * its normalized text. */
        if (tsi >= 0) {
                head = (size_t)(L->n[tsi].s - s) - 1; /* its opening quote */
                tail = head + L->n[tsi].len + 2;
                L->n[tsi].s = ts;
                L->n[tsi].len = EVENTS_TIMESTAMP_LEN;
        } else {
                head = tail = L->close;
                if ((tsi = events__lite_append_string(
                             L, "timestamp", ts, EVENTS_TIMESTAMP_LEN)) < 0)
                        return 0;
                tsi_added = 1;
        }
        L->n[tsi].is_ts = 1;
        if (p->reg && !events__registry_lite_validate_layout(p->reg, o->type, L,
                                                             (uint32_t)di, lay))
                return 0;
        if (p->key_path) {
                if (!cache) {
                        key_node = lite_key_node(p, L);
                        if (lay)
                                lay->key = key_node;
                } else {
                        key_node = lay->key;
                }
                if ((kr = lite_key(L, key_node, o)) < 0)
                        return 0;
                o->has_key = kr;
        }
        /* The message: the input, with the timestamp spliced in as
         * events__event_splice() does. */
        if (!tsi_added && normalized && !stamped) {
                o->msg = s;
                o->mlen = sn;
        } else {
                if (reserve(sh, sn + EVENTS__SPLICE_EXTRA))
                        return 0;
                PUT(sh, at, s, head);
                if (tsi_added)
                        PUT(sh, at, ",\"timestamp\":", 13);
                sh->buf[at++] = '"';
                PUT(sh, at, ts, EVENTS_TIMESTAMP_LEN);
                sh->buf[at++] = '"';
                PUT(sh, at, s + tail, sn - tail);
                o->msg = sh->buf;
                o->mlen = at;
        }
        if (o->mlen + o->klen > p->max_msg)
                return 0;
        o->ts_ms = us / 1000;
        if (o->ts_ms < 0)
                o->ts_ms = 0;
        o->oc = EVENTS_OUTCOME_QUEUED;
        if (lay && !cache) {
                lay->shaped_by = p;
                lay->shaped_gen = p->settings_gen;
                lay->shaped = 1;
        }
        return 1;
}

/*
 * Shape the line in[0..n) (its line ending already cut). Reads only the
 * producer's settings, so that worker threads can shape lines at once,
 * each with its own shaper.
 */
static int shape_at(const events_producer_t *p, events__shaper_t *sh,
                    const char *in, size_t n, int64_t now_us, int lite,
                    events__shaped_t *o) {
        events_error_t *e = &o->err;
        events_event_t *ev = NULL;
        json_t *data = NULL;
        const char *s = in;
        size_t sn = n;
        int stamped = 0;
        events_err_t rc;

        o->oc = EVENTS_OUTCOME_REJECTED;
        o->has_key = 0;
        o->klen = 0;
        o->msg = NULL;
        o->mlen = 0;
        e->code = EVENTS_OK;
        while (sn > 0 && is_ws(*s))
                s++, sn--;
        while (sn > 0 && is_ws(s[sn - 1]))
                sn--;
        if (sn == 0) {
                o->oc = EVENTS_OUTCOME_SKIPPED;
                return 0;
        }

        if (lite) {
                int taken = shape_lite(p, sh, s, sn, now_us, o);

                /* The tree is not needed past shape_lite(); one that a
                 * rare huge line grew is not kept for the next lines. */
                if (sh->lite && sh->lite->cap > LITE_KEEP_NODES)
                        events__lite_free(sh->lite);
                if (taken)
                        return 1;
        }
        o->has_key = 0;
        o->klen = 0;
        o->msg = NULL;
        o->mlen = 0;

        /* An envelope, checked; stamped unless it has a timestamp. */
        if (p->wrap_type) {
                rc = events_json_parse(&data, s, sn, p->max_msg, 0, e);
                if (!rc && !json_is_object(data)) {
                        rc = events__error_set(e, EVENTS_ERR_ENVELOPE,
                                               "a line must be a JSON object "
                                               "(the event's data)");
                        events__error_set_pointer(e, "/data");
                }
                if (!rc)
                        rc = events_event_new(&ev, p->wrap_type, data, e);
                json_decref(data);
                if (!rc && !(rc = events_event_set_timestamp_us(ev, now_us)))
                        stamped = 1;
        } else {
                rc = events_event_parse_limits(&ev, s, sn, p->max_msg, 0, e);
                if (!rc && (p->restamp || !events_event_has_timestamp(ev))) {
                        if (!(rc = events_event_set_timestamp_us(ev, now_us)))
                                stamped = 1;
                }
        }
        if (rc)
                goto out;
        if (p->reg && (rc = events_registry_validate(p->reg, ev, NULL))) {
                validation_reason(p, sh->report, ev, rc, e);
                goto out;
        }
        if (p->key_path) {
                rc = events_event_key(ev, p->key_path, o->key, sizeof(o->key),
                                      &o->klen);
                if (rc == EVENTS_OK) {
                        o->has_key = 1;
                } else if (rc == EVENTS_ERR_TOO_LARGE) {
                        events__error_set(e, rc,
                                          "partition key at \"%s\" is longer "
                                          "than %d bytes",
                                          p->key_path, EVENTS_KEY_MAX);
                        goto out;
                } else {
                        o->klen = 0; /* no key */
                }
        }
        if (p->ce_mode ? events__producer_shape_ce(p, sh, ev, o, e)
                       : build_message(p, sh, ev, s, sn, stamped, &o->msg,
                                       &o->mlen, e))
                goto out;
        if (o->mlen + o->klen > p->max_msg) {
                events__error_set(e, EVENTS_ERR_TOO_LARGE,
                                  "message of %zu bytes is larger than "
                                  "message.max.bytes (%zu)",
                                  o->mlen + o->klen, p->max_msg);
                goto out;
        }
        {
                const char *type = events_event_type(ev);
                size_t tl = strlen(type); /* a valid type has <= 255 bytes */

                if (tl >= sizeof(o->type))
                        tl = sizeof(o->type) - 1;
                memcpy(o->type, type, tl);
                o->type[tl] = '\0';
                o->tlen = tl;
        }
        /* The Kafka timestamp is the event's, in ms; before 1970 there is
         * no valid one, and 0 lets the broker's clock decide. */
        o->ts_ms = events_event_timestamp_us(ev) / 1000;
        if (o->ts_ms < 0)
                o->ts_ms = 0;
        o->oc = EVENTS_OUTCOME_QUEUED;
out:
        events_event_destroy(ev);
        return 0;
}

/* @p now_us: the time to stamp with (events_producer_set_stamp_time()),
 * or 0 for the clock's. */
void events__producer_shape(const events_producer_t *p, events__shaper_t *sh,
                            const char *in, size_t n, int64_t now_us,
                            events__shaped_t *o) {
        shape_at(p, sh, in, n, now_us ? now_us : events_now_us(), 1, o);
}

/* events__producer_probe() with the lite tree @p L. */
static events_err_t probe(const events_producer_t *p, events__lite_t *L,
                          const char *in, size_t n, int64_t now_us, int lite,
                          events__probe_t *out) {
        events__shaper_t sh = {0};
        events__shaped_t *o = calloc(1, sizeof(*o));

        memset(out, 0, sizeof(*out));
        if (!o)
                return EVENTS_ERR_NOMEM;
        sh.report = events_report_new(4);
        sh.lite = L;
        if (!sh.report) {
                free(o);
                return EVENTS_ERR_NOMEM;
        }
        out->lite_taken = shape_at(p, &sh, in, n, now_us, lite, o);
        out->outcome = o->oc;
        out->code = o->oc == EVENTS_OUTCOME_REJECTED ? o->err.code : EVENTS_OK;
        if (o->oc == EVENTS_OUTCOME_QUEUED) {
                out->msg = malloc(o->mlen + 1);
                if (out->msg) {
                        memcpy(out->msg, o->msg, o->mlen);
                        out->msg[o->mlen] = '\0';
                }
                out->mlen = o->mlen;
                out->has_key = o->has_key;
                memcpy(out->key, o->key, o->klen + 1);
                out->klen = o->klen;
                memcpy(out->type, o->type, sizeof(out->type));
                out->ts_ms = o->ts_ms;
        }
        events_report_destroy(sh.report);
        free(sh.buf);
        free(o);
        return out->outcome == EVENTS_OUTCOME_QUEUED && !out->msg
                       ? EVENTS_ERR_NOMEM
                       : EVENTS_OK;
}

events_err_t events__producer_probe(const events_producer_t *p, const char *in,
                                    size_t n, int64_t now_us, int lite,
                                    events__probe_t *out) {
        events__lite_t L = {0};
        events_err_t rc = probe(p, &L, in, n, now_us, lite, out);

        events__lite_free(&L);
        return rc;
}

events_err_t events__producer_probe_tree(const events_producer_t *p,
                                         events__lite_t *L, const char *in,
                                         size_t n, int64_t now_us,
                                         events__probe_t *out) {
        return probe(p, L, in, n, now_us, 1, out);
}
