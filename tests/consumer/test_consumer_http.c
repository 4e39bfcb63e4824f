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

#include "clock.h"
#include "http.h"
#include "metrics.h"

static metrics_t *metrics;
static int assigned = 3, broker = 1, joined = 1;
static int64_t busy_since, busy_limit = 1000, counters_base;

static int src_assigned(void *o) {
        (void)o;
        return assigned;
}
static int src_broker(void *o) {
        (void)o;
        return broker;
}
static int src_joined(void *o) {
        (void)o;
        return joined;
}
static void src_counters(void *o, metrics_counters_t *c) {
        (void)o;
        c->commits_ok = (uint64_t)counters_base + 4;
        c->commits_failed = 1;
        c->assigns = 2;
        c->revokes = 1;
}
static int64_t src_busy(void *o, int64_t *limit) {
        (void)o;
        *limit = busy_limit;
        return busy_since;
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
        metrics_source_t src = {src_assigned, src_broker, src_lag,
                                NULL,         src_joined, src_counters,
                                src_busy,     NULL,       5000};

        metrics = metrics_new();
        metrics_set_source(metrics, &src);
        if (http_server_start(&s, NULL, 0, metrics_route, metrics, err,
                              sizeof(err)))
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
        assert_non_null(strstr(r, "{\"status\":\"healthy\",\"checks\":{"));
        assert_non_null(strstr(r, "\"timestamp\":\"20"));
        assert_non_null(strstr(r, "Content-Type: application/json"));
        free(r);

        /* A member without partitions is healthy and ready ... */
        assigned = 0;
        r = request(port, "GET /health HTTP/1.0\r\n\r\n");
        assert_non_null(strstr(r, " 200 "));
        assert_non_null(strstr(r, "\"partitions_assigned\":0"));
        free(r);
        r = request(port, "GET /readyz HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 200 "));
        free(r);
        /* ... a member outside its group is neither. */
        joined = 0;
        r = request(port, "GET /readyz HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 503 Service Unavailable"));
        assert_non_null(strstr(r, "\"status\":\"unhealthy\""));
        assert_non_null(strstr(r, "\"group\":{\"ok\":false"));
        free(r);
        r = request(port, "GET /livez HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 200 ")); /* not a liveness matter */
        free(r);
        joined = 1;

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

static void test_http_livez_handler_stall(void **state) {
        int port = http_server_port(*state);
        char *r;

        metrics_heartbeat(metrics);
        r = request(port, "GET /livez HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 200 "));
        assert_non_null(strstr(r, "\"loop\":{\"ok\":true"));
        free(r);
        /* Running, within its limit plus the grace: alive. */
        busy_limit = 1000;
        busy_since = consumer_mono_ms() - 1000 - METRICS_STALL_GRACE_MS + 500;
        r = request(port, "GET /livez HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 200 "));
        assert_non_null(strstr(r, "\"running\":true"));
        free(r);
        /* Past it: stalled, and /health says so too. */
        busy_since = consumer_mono_ms() - 1000 - METRICS_STALL_GRACE_MS - 500;
        r = request(port, "GET /livez HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 503 "));
        assert_non_null(strstr(r, "\"handler_stall\":{\"ok\":false"));
        free(r);
        r = request(port, "GET /metrics HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "\nevents_live 0\n"));
        assert_non_null(strstr(r, "\nevents_ready 1\n"));
        free(r);
        r = request(port, "GET /health HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 503 "));
        free(r);
        busy_since = 0;
        r = request(port, "GET /livez HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, " 200 "));
        free(r);
        r = request(port, "GET /metrics HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "\nevents_live 1\n"));
        free(r);
}

static void test_http_metrics_operator_series(void **state) {
        int port = http_server_port(*state);
        char *r;

        metrics_event_age(metrics, 30000);     /* 30 ms */
        metrics_event_age(metrics, 120000000); /* 2 min */
        metrics_event_age(metrics, -5000);     /* a clock ahead: 0 */
        r = request(port, "GET /metrics HTTP/1.1\r\n\r\n");
        assert_non_null(
                strstr(r, "# TYPE events_event_age_seconds histogram\n"));
        assert_non_null(
                strstr(r, "events_event_age_seconds_bucket{le=\"0.01\"} 1\n"));
        assert_non_null(
                strstr(r, "events_event_age_seconds_bucket{le=\"0.05\"} 2\n"));
        assert_non_null(
                strstr(r, "events_event_age_seconds_bucket{le=\"60\"} 2\n"));
        assert_non_null(
                strstr(r, "events_event_age_seconds_bucket{le=\"300\"} 3\n"));
        assert_non_null(strstr(r, "events_event_age_seconds_count 3\n"));
        assert_non_null(strstr(r, "events_commits_total{result=\"ok\"} 4\n"));
        assert_non_null(
                strstr(r, "events_commits_total{result=\"failed\"} 1\n"));
        assert_non_null(
                strstr(r, "events_rebalances_total{kind=\"assign\"} 2\n"));
        assert_non_null(
                strstr(r, "events_rebalances_total{kind=\"revoke\"} 1\n"));
        assert_non_null(strstr(r, "events_build_info{version=\""));
        assert_non_null(strstr(r, "\nprocess_cpu_seconds_total "));
        assert_non_null(strstr(r, "\nprocess_resident_memory_bytes "));
        assert_null(strstr(r, "\nprocess_resident_memory_bytes 0\n"));
        assert_non_null(strstr(r, "\nprocess_open_fds "));
        assert_non_null(strstr(r, "\nprocess_max_fds "));
        assert_non_null(strstr(r, "\nprocess_start_time_seconds 1"));
        free(r);
}

static void test_http_listen_parse_forms(void **state) {
        char addr[64];
        int port = -1;

        (void)state;
        assert_int_equal(http_listen_parse("8080", addr, sizeof(addr), &port),
                         0);
        assert_string_equal(addr, "127.0.0.1");
        assert_int_equal(port, 8080);
        assert_int_equal(
                http_listen_parse("0.0.0.0:9", addr, sizeof(addr), &port), 0);
        assert_string_equal(addr, "0.0.0.0");
        assert_int_equal(port, 9);
        assert_int_equal(http_listen_parse("[::]:0", addr, sizeof(addr), &port),
                         0);
        assert_string_equal(addr, "::");
        assert_int_equal(port, 0);
        assert_int_equal(http_listen_parse("::1:80", addr, sizeof(addr), &port),
                         -1);
        assert_int_equal(
                http_listen_parse("localhost:80", addr, sizeof(addr), &port),
                -1);
        assert_int_equal(
                http_listen_parse("1.2.3.4:", addr, sizeof(addr), &port), -1);
        assert_int_equal(
                http_listen_parse("1.2.3.4:65536", addr, sizeof(addr), &port),
                -1);
        assert_int_equal(
                http_listen_parse("[::1]80", addr, sizeof(addr), &port), -1);
        assert_int_equal(http_listen_parse("-1", addr, sizeof(addr), &port),
                         -1);
}

static void test_http_ipv6_listener(void **state) {
        http_server_t *s;
        char err[256];
        struct sockaddr_in6 a;
        int fd;

        (void)state;
        if (http_server_start(&s, "::1", 0, metrics_route, metrics, err,
                              sizeof(err)))
                fail_msg("::1: %s", err); /* loopback IPv6 is expected */
        fd = socket(AF_INET6, SOCK_STREAM, 0);
        memset(&a, 0, sizeof(a));
        a.sin6_family = AF_INET6;
        a.sin6_port = htons((uint16_t)http_server_port(s));
        a.sin6_addr = in6addr_loopback;
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        {
                const char *req = "GET /livez HTTP/1.1\r\nHost: x\r\n"
                                  "Connection: close\r\n\r\n";
                char out[4096];
                ssize_t n, len = 0;
                assert_int_equal(write(fd, req, strlen(req)),
                                 (ssize_t)strlen(req));
                while ((n = read(fd, out + len,
                                 sizeof(out) - 1 - (size_t)len)) > 0)
                        len += n;
                out[len] = '\0';
                assert_non_null(strstr(out, "HTTP/1.1 200 OK"));
        }
        close(fd);
        http_server_stop(s);
}

static void test_http_errors(void **state) {
        int port = http_server_port(*state);
        char *r;

        r = request(port, "GET /nope HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 404 Not Found"));
        free(r);
        r = request(port, "POST /metrics HTTP/1.1\r\nHost: x\r\n"
                          "Content-Length: 0\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 405"));
        assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
        free(r);
        r = request(port, "DELETE /livez HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 405"));
        free(r);
        /* Exact paths only: no decoding, no dot segments, no slashes. */
        static const char *const tricks[] = {
                "/health/",  "//health", "/%68ealth",  "/x/../health",
                "/./health", "/HEALTH",  "/health%00", "/metrics.txt"};
        for (size_t i = 0; i < sizeof(tricks) / sizeof(tricks[0]); i++) {
                char req[128];
                snprintf(req, sizeof(req),
                         "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close"
                         "\r\n\r\n",
                         tricks[i]);
                r = request(port, req);
                if (!strstr(r, "HTTP/1.1 404 Not Found"))
                        fail_msg("%s: %.40s", tricks[i], r);
                free(r);
        }
        /* A query string is not part of the path. */
        r = request(port, "GET /livez?verbose=1 HTTP/1.1\r\nHost: x\r\n"
                          "Connection: close\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 200 OK"));
        free(r);
        /* A request line without a version is refused; one that is not a
         * request line at all is closed unanswered (libmicrohttpd). */
        r = request(port, "GET /livez\r\n\r\n");
        assert_non_null(strstr(r, "HTTP/1.1 400"));
        free(r);
        r = request(port, "garbage\r\n\r\n");
        assert_null(strstr(r, " 200 "));
        free(r);
        r = request(port, "HEAD /health HTTP/1.1\r\n\r\n");
        assert_non_null(strstr(r, "Content-Length: "));
        assert_null(strstr(r, "\"status\""));
        free(r);
}

static void test_http_huge_head_is_431(void **state) {
        int port = http_server_port(*state);
        size_t big = HTTP_CONNECTION_MEMORY * 2;
        char *req = malloc(big + 128), *r;

        assert_non_null(req);
        strcpy(req, "GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ");
        memset(req + strlen(req), 'a', big);
        strcpy(req + strlen("GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ") + big,
               "\r\n\r\n");
        r = request(port, req);
        if (!strstr(r, "HTTP/1.1 431"))
                fail_msg("answer: %.60s", r);
        free(r);
        free(req);
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
                cmocka_unit_test(test_http_livez_handler_stall),
                cmocka_unit_test(test_http_metrics_operator_series),
                cmocka_unit_test(test_http_listen_parse_forms),
                cmocka_unit_test(test_http_ipv6_listener),
                cmocka_unit_test(test_http_errors),
                cmocka_unit_test(test_http_huge_head_is_431),
                cmocka_unit_test(test_http_slow_client_does_not_block_others),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
