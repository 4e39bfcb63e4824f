/*
 * handler_ctx.c - the accessors of a handler's context (events/router.h).
 *
 * The router makes one context per dispatch, on its stack, and hands it to
 * every handler call with the Kafka message being dispatched (or none,
 * outside the consumer). The accessors only read that message through
 * librdkafka's own accessors, so a context costs nothing until a handler
 * asks, and outlives nothing: it is valid during the call only.
 */
#include <stdarg.h>
#include <stdio.h>

#include "router_int.h"

const char *events_handler_ctx_topic(const events_handler_ctx_t *ctx) {
        return ctx && ctx->msg && ctx->msg->rkt
                       ? rd_kafka_topic_name(ctx->msg->rkt)
                       : NULL;
}

int32_t events_handler_ctx_partition(const events_handler_ctx_t *ctx) {
        return ctx && ctx->msg ? ctx->msg->partition : -1;
}

int64_t events_handler_ctx_offset(const events_handler_ctx_t *ctx) {
        return ctx && ctx->msg ? ctx->msg->offset : -1;
}

const void *events_handler_ctx_key(const events_handler_ctx_t *ctx,
                                   size_t *lenp) {
        const void *key = ctx && ctx->msg ? ctx->msg->key : NULL;

        if (lenp)
                *lenp = key ? ctx->msg->key_len : 0;
        return key;
}

/* The message's headers, or NULL. librdkafka parses them on first ask and
 * keeps them with the message, hence its non-const argument. */
static rd_kafka_headers_t *headers(const events_handler_ctx_t *ctx) {
        rd_kafka_headers_t *h = NULL;

        if (!ctx || !ctx->msg ||
            rd_kafka_message_headers(ctx->msg, &h) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR)
                return NULL;
        return h;
}

int events_handler_ctx_header(const events_handler_ctx_t *ctx, const char *name,
                              const void **valuep, size_t *sizep) {
        rd_kafka_headers_t *h = headers(ctx);
        const void *v = NULL;
        size_t size = 0;

        if (!h || !name || rd_kafka_header_get_last(h, name, &v, &size))
                return -1;
        if (valuep)
                *valuep = v;
        if (sizep)
                *sizep = size;
        return 0;
}

int events_handler_ctx_header_at(const events_handler_ctx_t *ctx, size_t idx,
                                 const char **namep, const void **valuep,
                                 size_t *sizep) {
        rd_kafka_headers_t *h = headers(ctx);
        const char *name = NULL;
        const void *v = NULL;
        size_t size = 0;

        if (!h || rd_kafka_header_get_all(h, idx, &name, &v, &size))
                return -1;
        if (namep)
                *namep = name;
        if (valuep)
                *valuep = v;
        if (sizep)
                *sizep = size;
        return 0;
}

int64_t events_handler_ctx_timestamp_ms(const events_handler_ctx_t *ctx,
                                        events_tstype_t *typep) {
        rd_kafka_timestamp_type_t t = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        int64_t ms = -1;

        if (ctx && ctx->msg)
                ms = rd_kafka_message_timestamp(ctx->msg, &t);
        if (typep)
                *typep = t == RD_KAFKA_TIMESTAMP_CREATE_TIME
                                 ? EVENTS_TSTYPE_CREATE_TIME
                         : t == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                                 ? EVENTS_TSTYPE_LOG_APPEND_TIME
                                 : EVENTS_TSTYPE_NONE;
        return t == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ms;
}

int events_handler_ctx_attempt(const events_handler_ctx_t *ctx) {
        return ctx ? ctx->attempt : 0;
}

void events_handler_ctx_set_error(events_handler_ctx_t *ctx, const char *fmt,
                                  ...) {
        va_list ap;

        if (!ctx || !fmt)
                return;
        va_start(ap, fmt);
        vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
        va_end(ap);
}

const char *events_handler_ctx_error(const events_handler_ctx_t *ctx) {
        return ctx ? ctx->error : "";
}

int events_handler_ctx_cancelled(const events_handler_ctx_t *ctx) {
        return ctx && ctx->stop && *ctx->stop ? 1 : 0;
}

const events_cloudevent_t *
events_handler_ctx_cloudevent(const events_handler_ctx_t *ctx) {
        return ctx ? ctx->ce : NULL;
}

const char *events_handler_ctx_ce_attr(const events_handler_ctx_t *ctx,
                                       const char *name) {
        return events_cloudevent_get(ctx ? ctx->ce : NULL, name);
}

int64_t events_handler_ctx_deadline_ms(const events_handler_ctx_t *ctx) {
        int64_t d;

        if (!events_handler_ctx_cancelled(ctx) || !ctx->deadline_ms)
                return -1;
        d = *ctx->deadline_ms;
        return d > 0 ? d : -1;
}
