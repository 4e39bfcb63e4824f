#!/usr/bin/env bash
# /health, /livez, /readyz and /metrics over HTTP on 127.0.0.1:PORT; promtool
# checks /metrics.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"
command -v curl >/dev/null || fail "curl is not installed"
command -v promtool >/dev/null || fail "promtool is not installed (Debian: prometheus; scripts/deps.sh)"

topic=$(unique http)
create_topic "$topic" 2
create_topic "$topic.dlq" 1
cat >"$T/routes.json" <<JSON
{"defaults": {"validate": false},
 "routes": [{"pattern": "user.*", "handlers": [{"type": "file", "path": "$T/out.ndjson"}]},
            {"pattern": "test.fail", "retries": 1, "backoff_ms": 1,
             "handlers": [{"type": "plugin", "path": "$PLUGIN", "function": "example_fail", "name": "boom"}]}]}
JSON
port=$(free_port)
start_consumer c1 -g "$(unique http-g)" -t "$topic" -r "$T/routes.json" --from-beginning --http "$port"
pid=$CONSUMER_PID

health_ok() { [ "$(curl -s -o "$T/health" -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ]; }
wait_until 60 health_ok || fail "/health never returned 200: $(cat "$T/health" 2>/dev/null)"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h["status"] == "healthy", h
assert h["timestamp"].endswith("Z"), h
c = h["checks"]
assert all(c[k]["ok"] for k in ("loop", "handler_stall", "broker", "group", "handlers")), h
assert c["group"]["partitions_assigned"] == 2, h
' "$T/health" || fail "/health body: $(cat "$T/health")"
for p in livez readyz; do
        [ "$(curl -s -o "$T/$p" -w '%{http_code}' "http://127.0.0.1:$port/$p")" = 200 ] || fail "/$p: $(cat "$T/$p")"
done

{ make_events m 7 user.created; make_events f 1 test.fail; make_events m2 3 user.login; } | produce "$topic"
wait_until 60 at_least 10 "$T/out.ndjson" || fail "handled $(line_count "$T/out.ndjson") of 10"
metric() { awk -v k="$1 " 'index($0, k) == 1 {print $NF}' "$T/metrics"; }
metrics_ready() {
        curl -sf "http://127.0.0.1:$port/metrics" >"$T/metrics" &&
                [ "$(metric 'events_dead_lettered_total{type="test.fail",handler="boom",reason="ERR_HANDLER"}')" = 1 ] &&
                grep -q '^events_consumer_lag{' "$T/metrics"
}
wait_until 30 metrics_ready || fail "/metrics: $(grep -v '^#' "$T/metrics" | head -20)"
[ "$(metric 'events_consumed_total{type="user.created"}')" = 7 ] || fail "consumed user.created: $(metric 'events_consumed_total{type="user.created"}')"
[ "$(metric "events_handled_total{type=\"user.login\",handler=\"file:$T/out.ndjson\"}")" = 3 ] ||
        fail "handled user.login: $(grep handled_total "$T/metrics")"
[ "$(metric 'events_handler_errors_total{type="test.fail",handler="boom"}')" = 2 ] || fail "handler errors: $(grep errors_total "$T/metrics")"
[ "$(metric 'events_failed_total{type="test.fail",handler="boom"}')" = 1 ] || fail "failed: $(grep failed_total "$T/metrics")"
[ "$(metric 'events_handler_duration_seconds_count{handler="boom"}')" = 2 ] || fail "histogram: $(grep 'duration_seconds_count' "$T/metrics")"
grep -q '^# TYPE events_handler_duration_seconds histogram$' "$T/metrics" || fail "no histogram TYPE line"
grep -q "^events_consumer_lag{topic=\"$topic\",partition=\"[01]\"} [0-9]*$" "$T/metrics" || fail "no lag: $(grep lag "$T/metrics")"
[ "$(metric 'events_partitions_assigned')" = 2 ] || fail "assigned: $(metric events_partitions_assigned)"
[ "$(metric 'events_group_joined')" = 1 ] || fail "joined: $(metric events_group_joined)"
[ "$(metric 'events_rebalances_total{kind="assign"}')" -ge 1 ] || fail "rebalances: $(grep rebalances "$T/metrics")"
promtool check metrics <"$T/metrics" >"$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"

[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")" = 404 ] || fail "/nope is not 404"
# Only 127.0.0.1 listens.
ss -ltn 2>/dev/null | grep -q ":$port " && { ss -ltn | grep ":$port " | grep -q '127.0.0.1:' || fail "listens beyond 127.0.0.1"; }
stop_consumer "$pid"
echo "ok: http"
