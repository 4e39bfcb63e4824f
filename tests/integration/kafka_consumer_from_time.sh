#!/usr/bin/env bash
# --from-time T starts a new group at the first event at or after T.
# Real Kafka only: librdkafka's mock cluster, under events-devbroker, does
# not look offsets up by time (it answers with the end of the partition).
# ctest-labels: timing -- sleeps around a wall-clock time that splits old from new events
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique replay)
create_topic "$topic" 2
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false, "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
make_events old 20 user.created | produce "$topic"
sleep 1.5
t=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 1.5
make_events new 20 user.created | produce "$topic"

start_consumer c1 -g "$(unique replay-g)" -t "$topic" -r "$T/routes.json" --from-time "$t"
pid=$CONSUMER_PID
wait_until 60 at_least 20 "$T/out.ndjson" || fail "--from-time: $(line_count "$T/out.ndjson") of 20; $(tail -3 "$T/c1.log")"
sleep 2
stop_consumer "$pid"
[ "$(ids "$T/out.ndjson" | grep -c '^old-' || true)" -eq 0 ] || fail "--from-time replayed events from before $t"
[ "$(ids "$T/out.ndjson" | grep -c '^new-')" -eq 20 ] || fail "--from-time missed events after $t"

echo "ok: from-time"
