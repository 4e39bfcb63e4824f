#!/usr/bin/env bash
# When the dead-letter topic cannot be written, the event's offset is not
# committed: the consumer says so and exits with status 75 (EX_TEMPFAIL),
# and the next consumer of the group gets the event again.
# Real Kafka only: the mock cluster under events-devbroker accepts any
# topic name, so a DLQ write cannot be made to fail there.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique dlqfail)
group=$(unique dlqfail-g)
create_topic "$topic" 1
create_topic "$topic.dlq" 1
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false, "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
printf '%s\n' $'k\t{"event_type":"a.b","data":{"id":"x-0"}}' $'k\tpoison' \
        $'k\t{"event_type":"a.b","data":{"id":"x-1"}}' | produce "$topic"

# An invalid topic name: the broker refuses every write to it.
start_consumer c1 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning \
        --dlq-topic 'no such/topic'
pid=$CONSUMER_PID
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 75 ] || fail "exit status $rc, expected 75; $(tail -5 "$T/c1.log")"
grep -q 'DLQ write failed' "$T/c1.log" || fail "the failure is not logged"
[ "$(ids "$T/out.ndjson" | tr '\n' ' ')" = "x-0 " ] || fail "handled past the poison event: $(ids "$T/out.ndjson")"

# A good DLQ: the poison event is read again, dead-lettered, and the
# consumer goes on.
start_consumer c2 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 2 "$T/out.ndjson" || fail "after the restart: $(ids "$T/out.ndjson")"
dlq_one() { [ "$(kcat -C -b "$BROKERS" -t "$topic.dlq" -o beginning -e -q -f '%s\n' 2>/dev/null)" = poison ]; }
wait_until 30 dlq_one || fail "the poison event is not in $topic.dlq"
stop_consumer "$pid"
echo "ok: DLQ failure stops, and the event is not lost"
