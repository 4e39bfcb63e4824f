/*
 * test_consumer_handlers.c - the built-in handlers and the plugin loader,
 * driven through a real libevents router: a routes document in, events
 * dispatched, effects checked on disk.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "handlers.h"
#include "plugin_loader.h"
#include "routes.h"

static char dir[] = "/tmp/handlers-test-XXXXXX";

/* Build a handler set from routes text with "@DIR@" standing for the
 * temporary directory and "@PLUGIN@" for the example plugin. */
static handler_set_t *build(handler_env_t *env, const char *tmpl, char *err,
                            size_t errsize) {
        char text[4096], *o = text;
        const char *plugin = getenv("EXAMPLE_PLUGIN");
        json_t *doc;
        routes_t *r;
        handler_set_t *s = NULL;

        assert_non_null(plugin);
        for (const char *p = tmpl; *p;) {
                if (!strncmp(p, "@DIR@", 5)) {
                        o += sprintf(o, "%s", dir);
                        p += 5;
                } else if (!strncmp(p, "@PLUGIN@", 8)) {
                        o += sprintf(o, "%s", plugin);
                        p += 8;
                } else {
                        *o++ = *p++;
                }
        }
        *o = '\0';
        doc = json_loads(text, 0, NULL);
        assert_non_null(doc);
        if (routes_parse(doc, dir, &r, err, errsize)) {
                json_decref(doc);
                fail_msg("routes: %s", err);
        }
        json_decref(doc);
        memset(env, 0, sizeof(*env));
        if (handler_set_new(r, env, &s, err, errsize)) {
                routes_free(r);
                return NULL;
        }
        return s;
}

static events_event_t *event(const char *type, int user_id) {
        json_t *data = json_pack("{s:i}", "user_id", user_id);
        events_event_t *ev = NULL;

        assert_int_equal(events_event_new(&ev, type, data, NULL), EVENTS_OK);
        json_decref(data);
        return ev;
}

static char *slurp(const char *name) {
        char path[512], *buf = calloc(1, 65536);
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "r");
        assert_non_null(fp);
        assert_non_null(buf);
        (void)!fread(buf, 1, 65535, fp);
        fclose(fp);
        return buf;
}

static events_err_t dispatch(handler_set_t *s, handler_env_t *env,
                             const char *type, int user_id,
                             events_dispatch_t *out) {
        events_event_t *ev = event(type, user_id);
        events_err_t rc =
                events_router_dispatch(handler_set_router(s), ev, NULL, out);
        handler_env_reset(env);
        events_event_destroy(ev);
        return rc;
}

static void test_handler_file_appends_ndjson(void **state) {
        handler_env_t env;
        char err[512];
        handler_set_t *s =
                build(&env,
                      "{\"routes\":[{\"pattern\":\"user.*\",\"handlers\":["
                      "{\"type\":\"file\",\"path\":\"out.ndjson\",\"fsync\":"
                      "\"always\"}]}]}",
                      err, sizeof(err));
        char *text;
        (void)state;

        assert_non_null(s);
        assert_int_equal(dispatch(s, &env, "user.created", 1, NULL), EVENTS_OK);
        assert_int_equal(dispatch(s, &env, "user.deleted", 2, NULL), EVENTS_OK);
        assert_int_equal(dispatch(s, &env, "order.paid", 3, NULL),
                         EVENTS_ERR_NO_ROUTE);
        handler_set_destroy(s);
        text = slurp("out.ndjson");
        assert_string_equal(text, "{\"event_type\":\"user.created\",\"data\":"
                                  "{\"user_id\":1}}\n"
                                  "{\"event_type\":\"user.deleted\",\"data\":"
                                  "{\"user_id\":2}}\n");
        free(text);
}

/* A file handler on what is not a regular file (/dev/null, a FIFO) with
 * fsync "always": fdatasync() fails there (EINVAL), and there is nothing
 * to sync, so the events are handled, not retried and dead-lettered. */
static void test_handler_file_not_regular_needs_no_sync(void **state) {
        handler_env_t env;
        char err[512];
        handler_set_t *s =
                build(&env,
                      "{\"routes\":[{\"pattern\":\"user.*\",\"handlers\":["
                      "{\"type\":\"file\",\"path\":\"/dev/null\",\"fsync\":"
                      "\"always\"}]}]}",
                      err, sizeof(err));
        (void)state;

        assert_non_null(s);
        assert_int_equal(dispatch(s, &env, "user.created", 1, NULL), EVENTS_OK);
        assert_int_equal(dispatch(s, &env, "user.deleted", 2, NULL), EVENTS_OK);
        handler_set_destroy(s);
}

/* A short write, made real by a file size limit (as a full disk would
 * make it): the partial line is cut off, the event fails after its
 * retries, and the next line starts where the last whole line ended. */
static void test_handler_file_short_write_leaves_whole_lines(void **state) {
        handler_env_t env;
        char err[512], path[512];
        events_dispatch_t out;
        struct rlimit old, lim;
        struct stat st;
        off_t whole;
        handler_set_t *s =
                build(&env,
                      "{\"routes\":[{\"pattern\":\"*\",\"retries\":1,"
                      "\"backoff_ms\":1,\"backoff_max_ms\":1,\"handlers\":["
                      "{\"type\":\"file\",\"path\":\"short.ndjson\"}]}]}",
                      err, sizeof(err));
        char *text;
        (void)state;

        assert_non_null(s);
        assert_int_equal(dispatch(s, &env, "a", 1, NULL), EVENTS_OK);
        snprintf(path, sizeof(path), "%s/short.ndjson", dir);
        assert_int_equal(stat(path, &st), 0);
        whole = st.st_size;
        /* room for 10 more bytes: the next line's write is cut short */
        signal(SIGXFSZ, SIG_IGN);
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
        lim = old;
        lim.rlim_cur = (rlim_t)st.st_size + 10;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
        assert_int_equal(dispatch(s, &env, "b", 2, &out), EVENTS_ERR_HANDLER);
        assert_int_equal(out.attempts, 2);
        assert_non_null(strstr(out.error, "after 10 bytes; the partial line "
                                          "was removed"));
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, whole);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        signal(SIGXFSZ, SIG_DFL);
        assert_int_equal(dispatch(s, &env, "c", 3, NULL), EVENTS_OK);
        handler_set_destroy(s);
        text = slurp("short.ndjson");
        assert_string_equal(text, "{\"event_type\":\"a\",\"data\":"
                                  "{\"user_id\":1}}\n"
                                  "{\"event_type\":\"c\",\"data\":"
                                  "{\"user_id\":3}}\n");
        free(text);
}

/* Outside a consumer the handlers' context has no message: the exec
 * handler's EVENT_TOPIC and EVENT_KEY are then empty and its
 * EVENT_PARTITION and EVENT_OFFSET -1 (test_consumer_handle checks the
 * context of a consumed message). */
static void test_handler_exec_gets_stdin_and_env(void **state) {
        handler_env_t env;
        char err[512];
        handler_set_t *s = build(
                &env,
                "{\"routes\":[{\"pattern\":\"*\",\"handlers\":["
                "{\"type\":\"exec\",\"command\":[\"/bin/sh\",\"-c\","
                "\"{ echo \\\"$EVENT_TYPE $EVENT_TOPIC $EVENT_PARTITION "
                "$EVENT_OFFSET $EVENT_KEY $EVENT_HANDLER\\\"; cat; echo; } "
                ">> @DIR@/exec.txt\"],\"name\":\"sh\"}]}]}",
                err, sizeof(err));
        char *text;
        (void)state;

        assert_non_null(s);
        assert_int_equal(dispatch(s, &env, "user.login", 7, NULL), EVENTS_OK);
        handler_set_destroy(s);
        text = slurp("exec.txt");
        assert_string_equal(text, "user.login  -1 -1  sh\n"
                                  "{\"event_type\":\"user.login\",\"data\":"
                                  "{\"user_id\":7}}\n");
        free(text);
}

static void count_delivery(const events_delivery_t *d, void *opaque) {
        int *n = opaque;

        (void)d;
        (*n)++;
}

/* Under a consumer, the exec handler's environment comes from the
 * context of the consumed message (librdkafka's mock cluster). */
static void test_handler_exec_gets_metadata_of_consumed_message(void **state) {
        const char *v = "{\"event_type\":\"user.login\",\"data\":{}}";
        char errstr[256], err[512], topic[64];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_mock_cluster_t *mock;
        events_consumer_t *c = NULL;
        const char *topics[1] = {topic};
        handler_env_t env;
        handler_set_t *s;
        rd_kafka_t *p;
        int delivered = 0;
        char *text;
        (void)state;

        snprintf(topic, sizeof(topic), "orders-%d", (int)getpid());
        rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", errstr,
                          sizeof(errstr));
        p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        assert_non_null(p);
        mock = rd_kafka_handle_mock_cluster(p);
        assert_int_equal(rd_kafka_mock_topic_create(mock, topic, 3, 1), 0);
        for (int i = 0; i < 2; i++)
                assert_int_equal(
                        rd_kafka_producev(
                                p, RD_KAFKA_V_TOPIC(topic),
                                RD_KAFKA_V_PARTITION(2),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY("42", 2),
                                RD_KAFKA_V_VALUE((void *)v, strlen(v)),
                                RD_KAFKA_V_END),
                        0);
        assert_int_equal(rd_kafka_flush(p, 5000), 0);

        s = build(&env,
                  "{\"routes\":[{\"pattern\":\"*\",\"handlers\":["
                  "{\"type\":\"exec\",\"command\":[\"/bin/sh\",\"-c\","
                  "\"echo \\\"$EVENT_TOPIC $EVENT_PARTITION $EVENT_OFFSET "
                  "$EVENT_KEY\\\" >> @DIR@/meta.txt\"]}]}]}",
                  err, sizeof(err));
        if (!s)
                fail_msg("%s", err);
        conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers",
                          rd_kafka_mock_cluster_bootstraps(mock), errstr,
                          sizeof(errstr));
        assert_int_equal(events_consumer_new(&c, conf, "meta-group", topics, 1,
                                             handler_set_router(s), NULL),
                         EVENTS_OK);
        assert_int_equal(
                events_consumer_set_start(c, EVENTS_START_BEGINNING, 0),
                EVENTS_OK);
        events_consumer_set_delivery_cb(c, count_delivery, &delivered);
        for (int i = 0; i < 100 && delivered < 2; i++)
                assert_int_equal(events_consumer_poll(c, 100, NULL), EVENTS_OK);
        events_consumer_destroy(c);
        handler_set_destroy(s);
        handler_env_reset(&env);
        rd_kafka_destroy(p);

        assert_int_equal(delivered, 2);
        text = slurp("meta.txt");
        {
                char want[256];
                snprintf(want, sizeof(want), "%s 2 0 42\n%s 2 1 42\n", topic,
                         topic);
                assert_string_equal(text, want);
        }
        free(text);
}

/* As the daemon's delivery callback: count, and forget the serialized
 * event, whose address the next event may reuse. */
static handler_env_t *ce_env_of_test;

static void count_and_reset(const events_delivery_t *d, void *opaque) {
        count_delivery(d, opaque);
        handler_env_reset(ce_env_of_test);
}

/* A CloudEvent in either mode is routed like our envelope, and the exec
 * handler gets its attributes as EVENT_CE_*; our envelope gets none. */
static void test_handler_exec_gets_cloudevents_env(void **state) {
        static const char bin[] = "{\"user_id\":7}";
        static const char st[] =
                "{\"specversion\":\"1.0\",\"id\":\"s-1\",\"source\":\"/st\","
                "\"type\":\"user.login\",\"time\":\"2026-11-27T19:05:00+01:"
                "00\",\"data\":{\"user_id\":8}}";
        static const char env_v[] =
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":9}}";
        char errstr[256], err[512], topic[64];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_mock_cluster_t *mock;
        events_consumer_t *c = NULL;
        const char *topics[1] = {topic};
        handler_env_t env;
        handler_set_t *s;
        rd_kafka_t *p;
        int delivered = 0;
        char *text;
        (void)state;

        snprintf(topic, sizeof(topic), "ce-%d", (int)getpid());
        rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", errstr,
                          sizeof(errstr));
        p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        assert_non_null(p);
        mock = rd_kafka_handle_mock_cluster(p);
        assert_int_equal(rd_kafka_mock_topic_create(mock, topic, 1, 1), 0);
        assert_int_equal(rd_kafka_producev(
                                 p, RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY("7", 1),
                                 RD_KAFKA_V_VALUE((void *)bin, strlen(bin)),
                                 RD_KAFKA_V_HEADER("ce_specversion", "1.0", -1),
                                 RD_KAFKA_V_HEADER("ce_id", "b-1", -1),
                                 RD_KAFKA_V_HEADER("ce_source", "/bin", -1),
                                 RD_KAFKA_V_HEADER("ce_type", "user.login", -1),
                                 RD_KAFKA_V_HEADER("ce_tenant", "acme", -1),
                                 RD_KAFKA_V_HEADER("content-type",
                                                   "application/json", -1),
                                 RD_KAFKA_V_END),
                         0);
        assert_int_equal(
                rd_kafka_producev(
                        p, RD_KAFKA_V_TOPIC(topic),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_VALUE((void *)st, strlen(st)),
                        RD_KAFKA_V_HEADER("content-type",
                                          "application/cloudevents+json", -1),
                        RD_KAFKA_V_END),
                0);
        assert_int_equal(rd_kafka_producev(
                                 p, RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_VALUE((void *)env_v, strlen(env_v)),
                                 RD_KAFKA_V_END),
                         0);
        assert_int_equal(rd_kafka_flush(p, 5000), 0);

        s = build(&env,
                  "{\"routes\":[{\"pattern\":\"user.login\",\"handlers\":["
                  "{\"type\":\"exec\",\"command\":[\"/bin/sh\",\"-c\","
                  "\"echo \\\"$EVENT_TYPE|$EVENT_CE_MODE|$EVENT_CE_ID|"
                  "$EVENT_CE_SOURCE|$EVENT_CE_PARTITIONKEY|$EVENT_CE_TENANT|"
                  "$EVENT_CE_TIME|$(cat)\\\" >> @DIR@/ce.txt\"]}]}]}",
                  err, sizeof(err));
        if (!s)
                fail_msg("%s", err);
        conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers",
                          rd_kafka_mock_cluster_bootstraps(mock), errstr,
                          sizeof(errstr));
        assert_int_equal(events_consumer_new(&c, conf, "ce-group", topics, 1,
                                             handler_set_router(s), NULL),
                         EVENTS_OK);
        assert_int_equal(
                events_consumer_set_start(c, EVENTS_START_BEGINNING, 0),
                EVENTS_OK);
        ce_env_of_test = &env;
        events_consumer_set_delivery_cb(c, count_and_reset, &delivered);
        for (int i = 0; i < 100 && delivered < 3; i++)
                assert_int_equal(events_consumer_poll(c, 100, NULL), EVENTS_OK);
        events_consumer_destroy(c);
        handler_set_destroy(s);
        handler_env_reset(&env);
        rd_kafka_destroy(p);

        assert_int_equal(delivered, 3);
        text = slurp("ce.txt");
        assert_string_equal(
                text,
                "user.login|binary|b-1|/bin|7|acme||"
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":7}}\n"
                "user.login|structured|s-1|/st|||2026-11-27T19:05:00+01:00|"
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":8},"
                "\"timestamp\":\"2026-11-27T18:05:00.000000Z\"}\n"
                "user.login|||||||"
                "{\"event_type\":\"user.login\",\"data\":{\"user_id\":9}}\n");
        free(text);
}

static void test_handler_exec_failure_is_retried_then_reported(void **state) {
        handler_env_t env;
        char err[512];
        events_dispatch_t out;
        handler_set_t *s =
                build(&env,
                      "{\"routes\":[{\"pattern\":\"*\",\"retries\":2,"
                      "\"backoff_ms\":1,\"backoff_max_ms\":2,\"handlers\":["
                      "{\"type\":\"exec\",\"command\":[\"false\"]}]}]}",
                      err, sizeof(err));
        (void)state;

        assert_non_null(s);
        assert_int_equal(dispatch(s, &env, "a", 1, &out), EVENTS_ERR_HANDLER);
        assert_string_equal(out.failed_handler, "exec:false");
        assert_int_equal(out.attempts, 3);
        /* the reason, through the handler's context */
        assert_string_equal(out.error, "exit status 1");
        handler_set_destroy(s);
}

static void test_handler_plugin_runs_in_order_with_others(void **state) {
        handler_env_t env;
        char err[512];
        events_dispatch_t out;
        handler_set_t *s = build(
                &env,
                "{\"routes\":[{\"pattern\":\"user.created\",\"retries\":3,"
                "\"backoff_ms\":1,\"backoff_max_ms\":1,\"handlers\":["
                "{\"type\":\"plugin\",\"path\":\"@PLUGIN@\",\"function\":"
                "\"example_append\",\"config\":{\"path\":\"@DIR@/p.txt\"}},"
                "{\"type\":\"plugin\",\"path\":\"@PLUGIN@\",\"function\":"
                "\"example_flaky\",\"config\":{\"fail_times\":2}},"
                "{\"type\":\"log\"}]}]}",
                err, sizeof(err));
        char *text;
        (void)state;

        if (!s)
                fail_msg("%s", err);
        assert_int_equal(dispatch(s, &env, "user.created", 42, &out),
                         EVENTS_OK);
        assert_int_equal(out.handlers_ok, 3);
        handler_set_destroy(s);
        /* The first handler ran once: retries of the flaky second one do
         * not run it again. */
        text = slurp("p.txt");
        assert_string_equal(text, "user.created 42\n");
        free(text);
}

static void test_handler_plugin_load_errors(void **state) {
        handler_env_t env;
        char err[512];
        (void)state;

        assert_null(build(&env,
                          "{\"routes\":[{\"pattern\":\"*\",\"handlers\":["
                          "{\"type\":\"log\"},{\"type\":\"plugin\",\"path\":"
                          "\"@PLUGIN@\",\"function\":\"no_such_fn\"}]}]}",
                          err, sizeof(err)));
        assert_non_null(strstr(err, "/routes/0/handlers/1: "));
        assert_non_null(strstr(err, "no function \"no_such_fn\""));
        assert_null(build(&env,
                          "{\"routes\":[{\"pattern\":\"*\",\"handlers\":["
                          "{\"type\":\"plugin\",\"path\":\"@DIR@/none.so\","
                          "\"function\":\"f\"}]}]}",
                          err, sizeof(err)));
        assert_non_null(strstr(err, "cannot load plugin"));
        /* A shared object without the descriptor is refused. */
        assert_null(build(&env,
                          "{\"routes\":[{\"pattern\":\"*\",\"handlers\":["
                          "{\"type\":\"plugin\",\"path\":\"libjansson.so.4\","
                          "\"function\":\"json_loads\"}]}]}",
                          err, sizeof(err)));
        assert_non_null(strstr(err, "not an events plugin"));
        assert_null(build(&env,
                          "{\"routes\":[{\"pattern\":\"*\",\"handlers\":["
                          "{\"type\":\"file\",\"path\":\"no/such/dir/f\"}]}]}",
                          err, sizeof(err)));
        assert_non_null(strstr(err, "/routes/0/handlers/0: cannot open"));
}

static void test_handler_forward_without_publisher_fails(void **state) {
        handler_env_t env;
        char err[512];
        events_dispatch_t out;
        handler_set_t *s = build(
                &env,
                "{\"routes\":[{\"default\":true,\"retries\":0,\"handlers\":["
                "{\"type\":\"forward\",\"topic\":\"copy\"}]}]}",
                err, sizeof(err));
        (void)state;

        assert_non_null(s);
        assert_int_equal(dispatch(s, &env, "x", 1, &out), EVENTS_ERR_HANDLER);
        assert_string_equal(out.failed_handler, "forward:copy");
        handler_set_destroy(s);
}

static void test_handler_forward_failure_reason_in_context(void **state) {
        handler_env_t env;
        char err[512];
        events_dispatch_t out;
        handler_set_t *s = build(
                &env,
                "{\"routes\":[{\"default\":true,\"retries\":0,\"handlers\":["
                "{\"type\":\"forward\",\"topic\":\"copy\"}]}]}",
                err, sizeof(err));
        (void)state;

        assert_non_null(s);
        assert_int_equal(dispatch(s, &env, "x", 1, &out), EVENTS_ERR_HANDLER);
        assert_string_equal(out.error, "forwarding is not available");
        handler_set_destroy(s);
}

/* A plugin's own reason reaches the dispatch result; without one, the
 * daemon says which function returned what. */
static void test_handler_plugin_error_text(void **state) {
        handler_env_t env;
        char err[512];
        events_dispatch_t out;
        handler_set_t *s = build(
                &env,
                "{\"routes\":[{\"pattern\":\"x\",\"retries\":0,\"handlers\":["
                "{\"type\":\"plugin\",\"path\":\"@PLUGIN@\",\"function\":"
                "\"example_fail\"}]}]}",
                err, sizeof(err));
        (void)state;

        if (!s)
                fail_msg("%s", err);
        assert_int_equal(dispatch(s, &env, "x", 1, &out), EVENTS_ERR_HANDLER);
        assert_string_equal(out.error,
                            "example_fail always fails (x at -/-1/-1)");
        handler_set_destroy(s);
}

/* Plugins of the current ABI load (the tests above); version 1, whose
 * functions take no context, is adapted; an unknown version is refused
 * with the version it declares and the ones the daemon speaks. */
static void test_plugin_handler_load_checks_abi_version(void **state) {
        plugin_handler_t p;
        handler_env_t env;
        events_dispatch_t out;
        handler_set_t *s;
        char err[512], routes[1024];
        (void)state;

        assert_int_equal(plugin_handler_load(&p, TEST_ABI99_PLUGIN,
                                             "v1_handler", NULL, err,
                                             sizeof(err)),
                         -1);
        assert_non_null(strstr(err, "built for plugin ABI version 99"));
        assert_non_null(strstr(err, "speaks versions 1 to 2"));
        assert_null(p.dl);

        assert_int_equal(plugin_handler_load(&p, TEST_ABI1_PLUGIN, "v1_handler",
                                             NULL, err, sizeof(err)),
                         0);
        assert_null(p.fn);
        assert_non_null(p.fn_v1);
        plugin_handler_unload(&p);

        assert_int_equal(plugin_handler_load(&p, getenv("EXAMPLE_PLUGIN"),
                                             "example_fail", NULL, err,
                                             sizeof(err)),
                         0);
        assert_int_equal(p.desc->abi_version, EVENTS_PLUGIN_ABI_VERSION);
        assert_non_null(p.fn);
        assert_null(p.fn_v1);
        plugin_handler_unload(&p);

        /* A version 1 function runs through the router, without context */
        snprintf(routes, sizeof(routes),
                 "{\"routes\":[{\"pattern\":\"v1.*\",\"retries\":0,"
                 "\"handlers\":[{\"type\":\"plugin\",\"path\":\"%s\","
                 "\"function\":\"v1_handler\"}]}]}",
                 TEST_ABI1_PLUGIN);
        s = build(&env, routes, err, sizeof(err));
        if (!s)
                fail_msg("%s", err);
        assert_int_equal(dispatch(s, &env, "v1.ok", 1, &out), EVENTS_OK);
        assert_int_equal(dispatch(s, &env, "v1.fail", 1, &out),
                         EVENTS_ERR_HANDLER);
        assert_int_equal(out.rc, 3);
        assert_string_equal(out.error, "plugin function v1_handler returned 3");
        handler_set_destroy(s);
}

static int setup(void **state) {
        (void)state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[600];
        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_handler_file_appends_ndjson),
                cmocka_unit_test(test_handler_file_not_regular_needs_no_sync),
                cmocka_unit_test(
                        test_handler_file_short_write_leaves_whole_lines),
                cmocka_unit_test(test_handler_exec_gets_stdin_and_env),
                cmocka_unit_test(
                        test_handler_exec_gets_metadata_of_consumed_message),
                cmocka_unit_test(
                        test_handler_exec_failure_is_retried_then_reported),
                cmocka_unit_test(test_handler_plugin_runs_in_order_with_others),
                cmocka_unit_test(test_handler_exec_gets_cloudevents_env),
                cmocka_unit_test(test_handler_plugin_load_errors),
                cmocka_unit_test(test_handler_forward_without_publisher_fails),
                cmocka_unit_test(
                        test_handler_forward_failure_reason_in_context),
                cmocka_unit_test(test_handler_plugin_error_text),
                cmocka_unit_test(test_plugin_handler_load_checks_abi_version),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
