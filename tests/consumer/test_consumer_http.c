/*
 * test_consumer_http.c - the /health and /metrics listener and the
 * Prometheus rendering, over real sockets on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"
#include "metrics.h"

static metrics_t *metrics;
static int assigned = 3, broker = 1;

static void route(void *opaque, const char *path, int *status,
                  const char **ctype, char **body, size_t *len) {
        (void)opaque;
        if (!strcmp(path, "/metrics")) {
                *body = metrics_render(metrics, len);
                *status = 200;
                *ctype = "text/plain; version=0.0.4";
        } else if (!strcmp(path, "/health")) {
                int ok;
                *body = metrics_health(metrics, &ok, len);
                *status = ok ? 200 : 503;
                *ctype = "application/json";
        } else {
                *status = 404;
        }
}

static int src_assigned(void *o) {
        (void)o;
        return assigned;
}
static int src_broker(void *o) {
        (void)o;
        return broker;
}
static size_t src_lag(void *o, metrics_lag_cb cb, void *cbo) {
        (void)o;
        cb("orders", 0, 5, cbo);
        cb("orders", 1, 0, cbo);
        return 2;
}

static int connect_to(int port) {
        struct sockaddr_in a;
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        return fd;
}

/* Send @p req, read the whole answer into a malloc'ed string. */
static char *request(int port, const char *req) {
        int fd = connect_to(port);
        size_t len = 0, cap = 65536;
        char *out = malloc(cap);
        ssize_t n;

        assert_non_null(out);
        assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
        while ((n = read(fd, out + len, cap - len - 1)) > 0)
                len += (size_t)n;
        out[len] = '\0';
        close(fd);
        return out;
}

static int setup(void **state) {
        http_server_t *s;
        char err[256];
        metrics_source_t src = {src_assigned, src_broker, src_lag, NULL};

        metrics = metrics_new();
        metrics_set_source(metrics, &src);
        if (http_server_start(&s, 0, route, NULL, err, sizeof(err)))
                return -1;
        *state = s;
        return 0;
}

static int teardown(void **state) {
        http_server_stop(*state);
        metrics_destroy(metrics);
        return 0;
}

static void test_http_metrics_prometheus_text(void **state) {
        int port = http_server_port(*state);
        char *r;

        metrics_consumed(metrics, "user.created");
        metrics_consumed(metrics, "user.created");
        metrics_handler_call(metrics, "user.created", "log", 0, 1500);
        metrics_handler_call(metrics, "user.created", "exec:mail", 1, 200000);
        metrics_event_done(metrics, "user.created", "exec:mail", 0);
        metrics_dead_lettered(metrics, "user.created", "exec:mail",
                              "ERR_HANDLER");
        metrics_dead_lettered(metrics, "_unknown", "", "ERR_JSON");
        r = request(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
        assert_non_null(strstr(r, "# TYPE events_consumed_total counter\n"));
        assert_non_null(
                strstr(r, "events_consumed_total{type=\"user.created\"} 2\n"));
        assert_non_null(strstr(r, "events_handled_total{type=\"user.created\","
                                  "handler=\"log\"} 1\n"));
        assert_non_null(strstr(r, "events_failed_total{type=\"user.created\","
                                  "handler=\"exec:mail\"} 1\n"));
        assert_non_null(strstr(r,
                               "events_dead_lettered_total{type=\"_unknown\","
                               "handler=\"\",reason=\"ERR_JSON\"} 1\n"));
        assert_non_null(strstr(r, "events_handler_duration_seconds_bucket{"
                                  "handler=\"log\",le=\"0.0025\"} 1\n"));
        assert_non_null(strstr(r, "events_handler_duration_seconds_bucket{"
                                  "handler=\"log\",le=\"0.001\"} 0\n"));
        assert_non_null(strstr(r, "events_handler_duration_seconds_count{"
                                  "handler=\"exec:mail\"} 1\n"));
        assert_non_null(strstr(r, "events_consumer_lag{topic=\"orders\","
                                  "partition=\"0\"} 5\n"));
        assert_non_null(strstr(r, "events_partitions_assigned 3\n"));
        free(r);
}

static void test_http_health_ok_then_failing(void **state) {
        int port = http_server_port(*state);
        char *r;

        assigned = 3;
        broker = 1;
        /* One failure (from the test before) among more successes is
         * healthy. */
        metrics_event_done(metrics, "x", NULL, 1);
        metrics_event_done(metrics, "x", NULL, 1);
        r = request(port, "GET /health HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 200 OK"));
        assert_non_null(strstr(r, "\"status\":\"ok\""));
        free(r);

        assigned = 0;
        r = request(port, "GET /health HTTP/1.0\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 503 Service Unavailable"));
        assert_non_null(strstr(r, "\"partitions\":{\"ok\":false"));
        free(r);

        assigned = 2;
        broker = 0;
        r = request(port, "GET /health HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 503 "));
        assert_non_null(
                strstr(r, "\"broker\":{\"ok\":false,\"state\":\"down\""));
        free(r);
        broker = 1;

        /* Handlers failing more often than not make it unhealthy. */
        metrics_event_done(metrics, "x", "h", 0);
        metrics_event_done(metrics, "x", "h", 0);
        r = request(port, "GET /health HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 503 "));
        assert_non_null(strstr(r, "\"handlers\":{\"ok\":false"));
        free(r);
        for (int i = 0; i < 5; i++)
                metrics_event_done(metrics, "x", NULL, 1);
        r = request(port, "GET /health HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 200 "));
        free(r);
}

static void test_http_errors(void **state) {
        int port = http_server_port(*state);
        char *r;

        r = request(port, "GET /nope HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 404 Not Found"));
        free(r);
        r = request(port, "POST /metrics HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 405"));
        free(r);
        r = request(port, "garbage\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 400"));
        free(r);
        r = request(port, "HEAD /health HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "Content-Length: "));
        assert_null(strstr(r, "\"status\""));
        free(r);
}

static void test_http_slow_client_does_not_block_others(void **state) {
        int port = http_server_port(*state);
        int idle = connect_to(port);
        char *r;

        /* A client that connects and sends half a request keeps its slot
         * only; the next client is answered at once. */
        assert_int_equal(write(idle, "GET /hea", 8), 8);
        r = request(port, "GET /metrics HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 200 "));
        free(r);
        close(idle);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_http_metrics_prometheus_text),
                cmocka_unit_test(test_http_health_ok_then_failing),
                cmocka_unit_test(test_http_errors),
                cmocka_unit_test(test_http_slow_client_does_not_block_others),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
