#!/usr/bin/env bash
# What an operator reads from events-consumer (issue 15):
# - /readyz is 200 for an idle member of a group with more members than
#   partitions, and --http 0.0.0.0:PORT listens on every address;
# - the event-age histogram counts each handled event once, in its bucket;
# - a new group on a backlog shows lag for every partition;
# - /livez turns 503 while a handler runs past its limit, and /readyz stays
#   200 meanwhile;
# - commits and rebalances are counted; promtool accepts /metrics.
# Requests go to 127.0.0.1 only.
# ctest-labels: timing -- a handler stalls 2 s past a 1 s limit; lag comes from 1 s statistics
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"
command -v curl >/dev/null || fail "curl is not installed"
command -v promtool >/dev/null || fail "promtool is not installed (Debian: prometheus; scripts/deps.sh)"
command -v ss >/dev/null || fail "ss is not installed (iproute2)"

code() { curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$1$2"; }
is_code() { [ "$(code "$1" "$2")" = "$3" ]; }
metrics() { curl -sf "http://127.0.0.1:$1/metrics" >"$T/metrics.$1"; }
metric() { awk -v k="$2 " 'index($0, k) == 1 {print $NF}' "$T/metrics.$1"; }

# ---- 1. Two members, one partition: both ready; the idle one too. ----
topic=$(unique ops)
group=$(unique ops-g)
create_topic "$topic" 1
cat >"$T/routes.json" <<JSON
{"defaults": {"validate": false},
 "routes": [{"pattern": "user.*", "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
p1=$(free_port)
p2=$(free_port)
start_consumer a -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning --http "0.0.0.0:$p1"
pa=$CONSUMER_PID
start_consumer b -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning --http "$p2"
pb=$CONSUMER_PID
both_joined() {
        metrics "$p1" && metrics "$p2" &&
                [ "$(metric "$p1" events_group_joined)" = 1 ] &&
                [ "$(metric "$p2" events_group_joined)" = 1 ] &&
                [ $(($(metric "$p1" events_partitions_assigned) + $(metric "$p2" events_partitions_assigned))) = 1 ]
}
wait_until 60 both_joined || fail "the two members never shared the partition: $(grep -h 'joined\|assigned ' "$T"/metrics.* 2>/dev/null)"
if [ "$(metric "$p1" events_partitions_assigned)" = 0 ]; then idle=$p1 busy=$p2; else idle=$p2 busy=$p1; fi
wait_until 10 is_code "$idle" /readyz 200 || fail "idle member: /readyz $(cat "$T/body")"
is_code "$idle" /livez 200 || fail "idle member: /livez $(cat "$T/body")"
is_code "$idle" /health 200 || fail "idle member: /health $(cat "$T/body")"
is_code "$busy" /readyz 200 || fail "busy member: /readyz $(cat "$T/body")"
# --http 0.0.0.0:PORT listens on every address; the default on loopback.
ss -ltnH "sport = :$p1" | grep -q "0\.0\.0\.0:$p1 " || fail "not on 0.0.0.0:$p1: $(ss -ltnH "sport = :$p1")"
ss -ltnH "sport = :$p2" | grep -q "127\.0\.0\.1:$p2 " || fail "not on 127.0.0.1:$p2: $(ss -ltnH "sport = :$p2")"

# Event age: five events stamped two minutes ago, each observed once.
python3 -c '
import datetime, json
ts = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=120)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
for i in range(5):
    print("%d\t%s" % (i, json.dumps({"event_type": "user.created", "data": {"user_id": i, "id": "age-%d" % i}, "timestamp": ts})))
' | produce "$topic"
wait_until 60 at_least 5 "$T/out.ndjson" || fail "handled $(line_count "$T/out.ndjson") of 5"
aged() { metrics "$busy" && [ "$(metric "$busy" events_event_age_seconds_count)" = 5 ]; }
wait_until 10 aged || fail "age count: $(grep age_seconds "$T/metrics.$busy")"
[ "$(metric "$busy" 'events_event_age_seconds_bucket{le="60"}')" = 0 ] || fail "age under 60 s: $(grep age_seconds "$T/metrics.$busy")"
[ "$(metric "$busy" 'events_event_age_seconds_bucket{le="300"}')" = 5 ] || fail "age over 300 s: $(grep age_seconds "$T/metrics.$busy")"
# The handled offsets reach an (automatic) commit, and it is counted.
commits_ok() { metrics "$busy" && [ "$(metric "$busy" 'events_commits_total{result="ok"}')" -ge 1 ]; }
wait_until 20 commits_ok || fail "no commit counted: $(grep commits_total "$T/metrics.$busy")"
[ "$(metric "$busy" 'events_commits_total{result="failed"}')" = 0 ] || fail "failed commits: $(grep commits_total "$T/metrics.$busy")"
[ "$(metric "$busy" 'events_rebalances_total{kind="assign"}')" -ge 1 ] || fail "rebalances: $(grep rebalances "$T/metrics.$busy")"
for p in "$p1" "$p2"; do
        metrics "$p" || fail "/metrics on :$p"
        promtool check metrics <"$T/metrics.$p" >"$T/promtool" 2>&1 || fail "promtool on :$p: $(cat "$T/promtool")"
done
stop_consumer "$pa"
stop_consumer "$pb"

# ---- 2. A new group on a backlog, its handler stuck. ----
topic=$(unique ops-lag)
create_topic "$topic" 3
cat >"$T/slow.json" <<JSON
{"defaults": {"validate": false},
 "routes": [{"pattern": "*", "retries": 0,
   "handlers": [{"type": "exec", "command": ["sleep", "6"], "timeout_ms": 30000}]}]}
JSON
make_events lag 60 user.created | produce "$topic"
p3=$(free_port)
start_consumer c -g "$(unique ops-lag-g)" -t "$topic" -r "$T/slow.json" --from-beginning \
        --http "$p3" --handler-stall-timeout 1000 -X statistics.interval.ms=500
pc=$CONSUMER_PID
lag_everywhere() {
        metrics "$p3" || return 1
        local n
        n=$(awk -v t="$topic" 'index($0, "events_consumer_lag{topic=\"" t "\"") == 1 && $NF > 0' "$T/metrics.$p3" | wc -l)
        [ "$n" = 3 ]
}
wait_until 30 lag_everywhere || fail "lag for 3 partitions: $(grep '^events_consumer_lag' "$T/metrics.$p3")"
# The exec handler sleeps 6 s against a 1 s limit plus 2 s of grace.
wait_until 6 is_code "$p3" /livez 503 || fail "/livez stayed $(code "$p3" /livez) with a stuck handler: $(cat "$T/body")"
grep -q '"handler_stall":{"ok":false' "$T/body" || fail "/livez body: $(cat "$T/body")"
is_code "$p3" /readyz 200 || fail "/readyz while a handler is stuck: $(cat "$T/body")"
is_code "$p3" /health 503 || fail "/health while a handler is stuck: $(cat "$T/body")"
metrics "$p3" && promtool check metrics <"$T/metrics.$p3" >"$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"
[ "$(metric "$p3" events_live)" = 0 ] || fail "events_live during the stall: $(metric "$p3" events_live)"
stop_consumer "$pc"
echo "ok: ops"
