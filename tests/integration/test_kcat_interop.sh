#!/usr/bin/env bash
# kcat, a Kafka client we did not write (librdkafka underneath), produces to
# and consumes from the broker under test: keyed messages land and come back
# complete, each key's messages stay on one partition in order, and a
# consumer group commits its offsets so that a second run of the group reads
# only what is new.
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"

topic=$(unique kcat)
group=$(unique kcat-group)
create_topic "$topic" 3

# 120 keyed messages, 12 keys, numbered per key.
for i in $(seq 0 119); do
        echo "key$((i % 12)):value-$((i % 12))-$((i / 12))"
done >"$T/sent"
timeout 60 kcat -b "$BROKERS" -P -t "$topic" -K: -X acks=all <"$T/sent" ||
        fail "kcat could not produce to $topic"

# Every message comes back, byte for byte.
timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q \
        -f '%k:%s %p %o\n' >"$T/read" || fail "kcat could not consume $topic"
[ "$(wc -l <"$T/read")" -eq 120 ] ||
        fail "read $(wc -l <"$T/read") messages back, expected 120"
cut -d' ' -f1 "$T/read" | sort >"$T/read.sorted"
sort "$T/sent" | cmp -s - "$T/read.sorted" ||
        fail "the messages read back differ from those sent"

# One key, one partition, in order (offsets rise with the sequence).
for k in $(seq 0 11); do
        parts=$(grep "^key$k:" "$T/read" | cut -d' ' -f2 | sort -u | wc -l)
        [ "$parts" -eq 1 ] || fail "key$k is spread over $parts partitions"
        grep "^key$k:" "$T/read" | sort -n -k3 | cut -d' ' -f1 |
                sed 's/.*-//' >"$T/seq"
        seq 0 9 | cmp -s - "$T/seq" || fail "key$k's messages are out of order"
done
[ "$(cut -d' ' -f2 "$T/read" | sort -u | wc -l)" -gt 1 ] ||
        fail "12 keys all landed on one of 3 partitions"

# A consumer group reads everything, commits, and a second member of the
# same group afterwards gets only the messages produced since. The short
# session timeout is for events-devbroker: librdkafka 2.0.2's mock cluster
# keeps a member that left its group until the member's session times out,
# and the next member's join waits for that (45 s by default).
timeout 60 kcat -b "$BROKERS" -G "$group" -q -c 120 -f '%s\n' \
        -X auto.offset.reset=earliest -X session.timeout.ms=6000 "$topic" >"$T/group1" ||
        fail "kcat -G could not consume 120 messages from $topic"
[ "$(wc -l <"$T/group1")" -eq 120 ] || fail "the group read $(wc -l <"$T/group1") of 120"
for i in $(seq 0 4); do echo "new:later-$i"; done |
        timeout 60 kcat -b "$BROKERS" -P -t "$topic" -K: ||
        fail "kcat could not produce the second batch"
timeout 60 kcat -b "$BROKERS" -G "$group" -q -c 5 -f '%s\n' \
        -X auto.offset.reset=earliest -X session.timeout.ms=6000 "$topic" >"$T/group2" ||
        fail "kcat -G could not consume the 5 new messages"
sort "$T/group2" >"$T/group2.sorted"
printf 'later-%d\n' 0 1 2 3 4 | cmp -s - "$T/group2.sorted" ||
        fail "the group's second run read $(tr '\n' ' ' <"$T/group2"), not the 5 new messages: offsets were not committed"

echo "ok: kcat produced and consumed 125 messages on $EVENTS_TEST_BROKER_KIND ($BROKERS)"
