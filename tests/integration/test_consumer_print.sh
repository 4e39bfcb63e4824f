#!/usr/bin/env bash
# events-consumer --print reads a topic as kcat -C does: the same messages,
# in the same per-partition order, with -e ending the run at the end each
# partition had at the start (exit 0, every event printed, on 1 and 6
# partitions); --partition and --type filter; -o beginning, end, N, -N and
# stored start where they say. (s@TIME and e@TIME: kafka_consumer_print_time.sh,
# since librdkafka 2.0.2's mock cluster answers ListOffsets only for the
# earliest and latest offsets.)
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
C="$BUILD/consumer/events-consumer"

for parts in 1 6; do
        topic=$(unique print$parts)
        create_topic "$topic" "$parts"
        for i in $(seq 0 299); do
                echo "k$((i % 17)):{\"event_type\":\"t.$((i % 3))\",\"data\":{\"i\":$i}}"
        done | timeout 60 kcat -b "$BROKERS" -P -t "$topic" -K: -H src=kcat -H src=again ||
                fail "kcat could not produce to $topic"

        # The same messages as kcat, field for field, in the same order
        # within each partition.
        fmt='%t %p %o %k %h %T %s\n'
        timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o beginning -e \
                --format "$fmt" >"$T/ours.$parts" ||
                fail "--print -e exited $? on $parts partitions"
        timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q \
                -f "$fmt" >"$T/kcat.$parts" || fail "kcat -C failed on $topic"
        [ "$(wc -l <"$T/ours.$parts")" -eq 300 ] ||
                fail "--print -e printed $(wc -l <"$T/ours.$parts") of 300 on $parts partitions"
        sort -k2,2n -k3,3n "$T/ours.$parts" >"$T/ours.sorted"
        sort -k2,2n -k3,3n "$T/kcat.$parts" >"$T/kcat.sorted"
        cmp -s "$T/ours.sorted" "$T/kcat.sorted" ||
                fail "--print and kcat -C differ on $parts partitions: $(diff "$T/ours.sorted" "$T/kcat.sorted" | head -3)"
        for p in $(seq 0 $((parts - 1))); do
                grep "^$topic $p " "$T/ours.$parts" | cut -d' ' -f3 >"$T/offs"
                sort -n "$T/offs" | cmp -s - "$T/offs" ||
                        fail "partition $p printed out of order"
        done

        # ndjson: the values as they are.
        timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o beginning -e |
                sort >"$T/values" || fail "--print (ndjson) failed"
        timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q |
                sort | cmp -s - "$T/values" || fail "--print values differ from kcat's"

        # --type: the router's glob on the event type.
        n=$(timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o beginning -e \
                --type 't.1' | wc -l)
        [ "$n" -eq 100 ] || fail "--type t.1 printed $n events, expected 100"
        n=$(timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o beginning -e \
                --type 't.*' | wc -l)
        [ "$n" -eq 300 ] || fail "--type 't.*' printed $n events, expected 300"

        # -o -N: the last 2 of every partition, as kcat -o -2.
        timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o -2 -e \
                --format "$fmt" | sort >"$T/tail" || fail "-o -2 failed"
        timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o -2 -e -q -f "$fmt" |
                sort | cmp -s - "$T/tail" || fail "-o -2 differs from kcat -o -2"
        [ "$(wc -l <"$T/tail")" -eq $((2 * parts)) ] || fail "-o -2 printed $(wc -l <"$T/tail") lines"

        # -o end with -e: nothing, and it still exits 0.
        n=$(timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o end -e | wc -l)
        [ "$n" -eq 0 ] || fail "-o end -e printed $n events"
done

# --partition N and -o P:N on the 6-partition topic: what kcat -p N -o N reads.
timeout 60 "$C" -b "$BROKERS" -t "$topic" --print --partition 4 -o 4:10 -e \
        --format "$fmt" >"$T/p4" || fail "--partition 4 -o 4:10 failed"
timeout 60 kcat -b "$BROKERS" -C -t "$topic" -p 4 -o 10 -e -q -f "$fmt" |
        cmp -s - "$T/p4" || fail "--partition 4 -o 4:10 differs from kcat -p 4 -o 10"
[ -s "$T/p4" ] || fail "--partition 4 -o 4:10 printed nothing"
cut -d' ' -f2 "$T/p4" | sort -u | grep -qvx 4 && fail "--partition 4 printed another partition"

# -o stored: a group's second run reads only what came after its first.
group=$(unique print-group)
gopts=(-X session.timeout.ms=6000)
n=$(timeout 60 "$C" -b "$BROKERS" -g "$group" "${gopts[@]}" -t "$topic" --print -o beginning -e | wc -l)
[ "$n" -eq 300 ] || fail "the group's first run printed $n of 300"
for i in 0 1 2 3 4; do echo "later-$i"; done |
        timeout 60 kcat -b "$BROKERS" -P -t "$topic" || fail "kcat could not produce the later batch"
timeout 60 "$C" -b "$BROKERS" -g "$group" "${gopts[@]}" -t "$topic" --print -e -o stored |
        sort >"$T/later" || fail "-o stored failed"
printf 'later-%d\n' 0 1 2 3 4 | cmp -s - "$T/later" ||
        fail "-o stored read $(tr '\n' ' ' <"$T/later"), not the 5 later messages"

echo "ok: --print matches kcat -C on 1 and 6 partitions; -e, --type, --partition, -o beginning/end/N/-N/stored on $EVENTS_TEST_BROKER_KIND"
