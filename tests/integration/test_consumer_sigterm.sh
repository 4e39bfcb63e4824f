#!/usr/bin/env bash
# SIGTERM: the consumer finishes, commits and leaves the group, exiting 0
# within the shutdown bound; a restart in the same group does not replay
# what was done.
# ctest-labels: timing -- bounds the shutdown at 12 s; sleeps 2 s for a replay to show
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique sigterm)
group=$(unique sigterm-g)
create_topic "$topic" 3
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
make_events a 100 user.created | produce "$topic"

start_consumer c1 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 100 "$T/out.ndjson" || fail "handled $(line_count "$T/out.ndjson") of 100"
start=$SECONDS
stop_consumer "$pid"
[ $((SECONDS - start)) -le 12 ] || fail "SIGTERM took $((SECONDS - start)) s"
grep -q 'msg="consumer closed"' "$T/c1.log" || fail "no clean close on SIGTERM: $(tail -5 "$T/c1.log")"

# Restart: only the new events are handled.
make_events b 20 user.created | produce "$topic"
start_consumer c2 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 120 "$T/out.ndjson" || fail "after the restart: $(line_count "$T/out.ndjson") of 120"
sleep 2 # room for a replay to show itself
stop_consumer "$pid"
[ "$(line_count "$T/out.ndjson")" -eq 120 ] ||
        fail "the restart replayed: $(line_count "$T/out.ndjson") lines for 120 events"
[ "$(ids "$T/out.ndjson" | uniq -d | wc -l)" -eq 0 ] || fail "duplicate ids after the restart"

# SIGINT behaves the same.
start_consumer c3 -g "$group" -t "$topic" -r "$T/routes.json"
pid=$CONSUMER_PID
wait_until 30 grep -q "partitions assigned" "$T/c3.log" || fail "c3 got no partitions"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "SIGINT: exit status $rc"
echo "ok: sigterm"
