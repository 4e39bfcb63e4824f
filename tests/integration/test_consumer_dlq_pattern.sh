#!/usr/bin/env bash
# A pattern subscription (-t '^prefix.*') never consumes dead-letter
# topics: <topic>.dlq, nor what --dlq-topic names, under the eager and the
# cooperative protocols. Named explicitly, a DLQ topic is consumed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

base=$(unique pat)
create_topic "$base" 2
create_topic "$base.dlq" 1
create_topic "$base-failed" 1
make_events main 20 user.created | produce "$base"
make_events dlq 5 user.created | produce "$base.dlq"
make_events custom 5 user.created | produce "$base-failed"

for strategy in range cooperative-sticky; do
        out="$T/out-$strategy.ndjson"
        cat >"$T/routes-$strategy.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$out"}]}]}
JSON
        start_consumer "c-$strategy" -g "$(unique pat-g)" -t "^$base.*" \
                -r "$T/routes-$strategy.json" --from-beginning \
                --dlq-topic '{topic}-failed' \
                -X partition.assignment.strategy=$strategy \
                -X topic.metadata.refresh.interval.ms=1000
        pid=$CONSUMER_PID
        wait_until 60 at_least 20 "$out" || fail "$strategy: handled $(line_count "$out") of 20"
        sleep 3 # room for the DLQ topics' events to show up, were they assigned
        stop_consumer "$pid"
        [ "$(line_count "$out")" -eq 20 ] ||
                fail "$strategy: $(line_count "$out") events handled, want the 20 of $base: $(ids "$out" | cut -d- -f1 | uniq -c)"
        ids "$out" | grep -qv '^main-' && fail "$strategy: a DLQ topic was consumed"
        grep -q 'msg="partitions assigned" source=libevents count=2 dlq_skipped=2' "$T/c-$strategy.log" ||
                fail "$strategy: no skip recorded: $(grep 'partitions assigned' "$T/c-$strategy.log")"
done

# Named outright, a DLQ topic is consumed (that is how one redrives it).
cat >"$T/routes-dlq.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/out-dlq.ndjson"}]}]}
JSON
start_consumer c-dlq -g "$(unique pat-g)" -t "$base.dlq" -r "$T/routes-dlq.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 5 "$T/out-dlq.ndjson" || fail "the named DLQ topic: $(line_count "$T/out-dlq.ndjson") of 5"
stop_consumer "$pid"
echo "ok: a pattern subscription skips dead-letter topics on $EVENTS_TEST_BROKER_KIND"
