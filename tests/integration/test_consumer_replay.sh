#!/usr/bin/env bash
# --from-beginning starts a new group at the oldest event. An existing
# group keeps its committed position whatever the option says.
# ctest-labels: timing -- sleeps 3 s to give a replay room to show
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique replay)
create_topic "$topic" 2
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false, "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
make_events old 20 user.created | produce "$topic"
make_events new 20 user.created | produce "$topic"

group=$(unique replay-g2)
start_consumer c2 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 40 "$T/out.ndjson" || fail "--from-beginning: $(line_count "$T/out.ndjson") of 40"
stop_consumer "$pid"
start_consumer c3 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 30 grep -q "partitions assigned" "$T/c3.log" || fail "c3 got no partitions"
sleep 3
stop_consumer "$pid"
[ "$(line_count "$T/out.ndjson")" -eq 40 ] || fail "a committed group replayed with --from-beginning: $(line_count "$T/out.ndjson") lines"
echo "ok: replay"
