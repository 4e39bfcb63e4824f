#!/usr/bin/env bash
# The routing daemon with -e handles what its partitions held at the start,
# commits, and exits by itself: 0 with every event handled, on 1 and on 6
# partitions, and a second run of the group finds nothing left; a new
# group that starts at the end exits at once; 65 when an event went to the
# dead-letter topic.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

C="$BUILD/consumer/events-consumer"
for parts in 1 6; do
        topic=$(unique drain$parts)
        create_topic "$topic" "$parts"
        create_topic "$topic.dlq" 1
        out="$T/out.$parts.ndjson"
        cat >"$T/routes.$parts.json" <<JSON
{"defaults": {"validate": false},
 "routes": [{"pattern": "t.*", "handlers": [{"type": "file", "path": "$out"}]}]}
JSON
        for i in $(seq 0 199); do
                printf 'k%d\t{"event_type":"t.%d","data":{"id":"e-%d"}}\n' $((i % 23)) $((i % 3)) "$i"
        done | produce "$topic"
        g=$(unique drain-g)
        timeout 120 "$C" -b "$BROKERS" -g "$g" -t "$topic" -r "$T/routes.$parts.json" --from-beginning \
                -e -X session.timeout.ms=6000 2>"$T/c.$parts.log" ||
                fail "-e exited $? on $parts partitions: $(tail -3 "$T/c.$parts.log")"
        [ "$(line_count "$out")" -eq 200 ] ||
                fail "-e handled $(line_count "$out") of 200 on $parts partitions"
        [ "$(ids "$out" | sort -u | wc -l)" -eq 200 ] || fail "-e handled some events twice"
        # Committed: the group's second run handles nothing and still exits.
        timeout 120 "$C" -b "$BROKERS" -g "$g" -t "$topic" -r "$T/routes.$parts.json" \
                -e -X session.timeout.ms=6000 2>>"$T/c.$parts.log" ||
                fail "the second -e run exited $?"
        [ "$(line_count "$out")" -eq 200 ] ||
                fail "the second run handled $(($(line_count "$out") - 200)) events again"
done

# A new group without --from-beginning starts where librdkafka's
# auto.offset.reset says: at the end by default, so there is nothing to
# drain and it exits at once (it used to wait for a commit that never
# came); with auto.offset.reset=earliest it drains all 200.
out="$T/out.6.ndjson"
before=$(line_count "$out")
timeout 60 "$C" -b "$BROKERS" -g "$(unique drain-new)" -t "$topic" -r "$T/routes.6.json" \
        -e -X session.timeout.ms=6000 2>"$T/new.log" ||
        fail "-e for a new group at the end exited $?: $(tail -3 "$T/new.log")"
[ "$(line_count "$out")" -eq "$before" ] ||
        fail "a new group at the end handled $(($(line_count "$out") - before)) events"
timeout 60 "$C" -b "$BROKERS" -g "$(unique drain-new)" -t "$topic" -r "$T/routes.6.json" \
        -e -X session.timeout.ms=6000 -X auto.offset.reset=earliest 2>"$T/early.log" ||
        fail "-e for a new group with auto.offset.reset=earliest exited $?: $(tail -3 "$T/early.log")"
[ "$(line_count "$out")" -eq $((before + 200)) ] ||
        fail "a new group from the earliest handled $(($(line_count "$out") - before)) of 200"

# An event no route takes is dead-lettered: exit status 65.
printf 'k\t{"event_type":"nobody.routes.this","data":{"id":"x"}}\n' | produce "$topic"
set +e
timeout 120 "$C" -b "$BROKERS" -g "$(unique drain-dlq)" -t "$topic" -r "$T/routes.6.json" --from-beginning \
        -e -X session.timeout.ms=6000 2>"$T/dlq.log"
rc=$?
set -e
[ "$rc" -eq 65 ] || fail "-e with a dead-lettered event exited $rc, expected 65: $(tail -3 "$T/dlq.log")"

echo "ok: -e handled every event and exited on 1 and 6 partitions; 65 after a dead letter on $EVENTS_TEST_BROKER_KIND"
