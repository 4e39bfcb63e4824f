#!/usr/bin/env bash
# At least once: kill -9 the consumer in mid-stream, start it again, and
# every event produced is handled at least once (checked by id).
# ctest-labels: timing -- kill -9 must land in mid-stream
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

n=2000
topic=$(unique kill9)
group=$(unique kill9-g)
create_topic "$topic" 3
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/out.ndjson", "fsync": "always"}]}]}
JSON
make_events k "$n" user.created | produce "$topic"
make_events k "$n" user.created | cut -f2 | python3 -c '
import json, sys
for l in sys.stdin: print(json.loads(l)["data"]["id"])' | LC_ALL=C sort >"$T/expected"

start_consumer c1 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 200 "$T/out.ndjson" || fail "the first consumer handled $(line_count "$T/out.ndjson") events"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
before=$(line_count "$T/out.ndjson")
[ "$before" -lt "$n" ] || fail "the consumer finished all $n events before the kill; make the stream longer"

start_consumer c2 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
all_seen() {
        ids "$T/out.ndjson" | LC_ALL=C sort -u >"$T/seen"
        [ "$(comm -23 "$T/expected" "$T/seen" | wc -l)" -eq 0 ]
}
wait_until 120 all_seen ||
        fail "after the restart, $(comm -23 "$T/expected" "$T/seen" | wc -l) of $n events were never handled"
stop_consumer "$pid"
echo "ok: kill -9 at $before of $n events; after the restart all $n handled ($(line_count "$T/out.ndjson") handler runs)"
