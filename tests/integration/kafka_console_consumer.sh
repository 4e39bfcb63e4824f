#!/usr/bin/env bash
# Kafka's own console consumer (org.apache.kafka.tools.consumer.ConsoleConsumer,
# the Java client) reads what librdkafka (kcat) produced to the real broker:
# every message, with its key, and the group it joined commits its offsets.
# It also reads what events-producer sends on its defaults (codec included):
# every event, keyed by its user_id, the body as sent but normalized.
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
kafka=$SRC/tests/kafka/kafka.sh

topic=$(unique console)
group=$(unique console-group)
create_topic "$topic" 2

for i in $(seq 1 40); do
        echo "user$((i % 5)):{\"event_type\":\"user.created\",\"data\":{\"user_id\":$((i % 5)),\"n\":$i}}"
done >"$T/sent"
timeout 60 kcat -b "$BROKERS" -P -t "$topic" -K: -X acks=all <"$T/sent" ||
        fail "kcat could not produce to $topic"

timeout 120 "$kafka" run org.apache.kafka.tools.consumer.ConsoleConsumer \
        --bootstrap-server "$BROKERS" --topic "$topic" --group "$group" \
        --from-beginning --max-messages 40 --timeout-ms 60000 \
        --property print.key=true --property key.separator=: \
        >"$T/read" 2>"$T/stderr" ||
        fail "the console consumer failed: $(tail -n 20 "$T/stderr")"
# The Java tool ends with a "Processed a total of N messages" line on stderr.
[ "$(wc -l <"$T/read")" -eq 40 ] ||
        fail "the console consumer printed $(wc -l <"$T/read") messages, expected 40"
sort "$T/sent" >"$T/sent.sorted"
sort "$T/read" | cmp -s - "$T/sent.sorted" ||
        fail "the console consumer read other messages than kcat produced: $(diff "$T/sent.sorted" <(sort "$T/read") | head)"

# The Java consumer committed its group's offsets: librdkafka sees them.
timeout 60 kcat -b "$BROKERS" -G "$group" -q -e -f '%s\n' \
        -X session.timeout.ms=6000 "$topic" >"$T/after" 2>"$T/kcat.err" ||
        fail "kcat could not join $group: $(cat "$T/kcat.err")"
[ ! -s "$T/after" ] ||
        fail "the group re-read $(wc -l <"$T/after") messages: the console consumer did not commit"

# events-producer on its defaults: only the broker and the topic.
P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"
topic2=$(unique console-ep)
create_topic "$topic2" 2
for i in $(seq 1 300); do
        echo "{\"event_type\":\"user.login\",\"data\":{\"user_id\":$((i % 7 + 1)),\"email\":\"u$i@example.com\",\"n\":$i},\"timestamp\":\"2026-11-27T18:05:00.$(printf %06d "$i")\"}"
done >"$T/events"
EVENTS_SCHEMAS_DIR=$SRC/schemas timeout 60 "$P" -b "$BROKERS" -t "$topic2" "$T/events" 2>"$T/producer.err" ||
        fail "events-producer failed: $(cat "$T/producer.err")"
timeout 120 "$kafka" run org.apache.kafka.tools.consumer.ConsoleConsumer \
        --bootstrap-server "$BROKERS" --topic "$topic2" \
        --from-beginning --max-messages 300 --timeout-ms 60000 \
        --property print.key=true --property key.separator=$'\t' \
        >"$T/read2" 2>"$T/stderr2" ||
        fail "the console consumer failed on events-producer's output: $(tail -n 20 "$T/stderr2")"
# KEY<TAB>the normalized event, as events-producer writes it.
while IFS= read -r line; do
        uid=${line#*\"user_id\":}
        uid=${uid%%,*}
        printf '%s\t%sZ"}\n' "$uid" "${line%\"\}}"
done <"$T/events" | sort >"$T/want2"
sort "$T/read2" | cmp -s - "$T/want2" ||
        fail "the console consumer read other messages than events-producer sent: $(sort "$T/read2" | diff "$T/want2" - | head)"

echo "ok: Kafka's console consumer read 40 messages from kcat and 300 from events-producer's defaults on $BROKERS"
