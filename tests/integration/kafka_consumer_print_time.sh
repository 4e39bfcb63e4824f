#!/usr/bin/env bash
# -o s@TIME starts at the first message at or after TIME and -o e@TIME stops
# before it, as kcat's. Kafka only: librdkafka 2.0.2's mock cluster (the
# devbroker) answers ListOffsets for the earliest and latest offsets only,
# not for a timestamp.
source "$(dirname "$0")/lib.sh"

C="$BUILD/consumer/events-consumer"
P="$BUILD/producer/events-producer"
topic=$(unique print-time)
create_topic "$topic" 1
# 100 records, timestamps t0 + 7 ms * i, t0 an hour ago (a whole second):
# Kafka deletes messages older than retention.ms at its next check.
t0=$((($(date +%s) - 3600) * 1000))
python3 "$SRC/tests/integration/capture_gen.py" 100 1 --t0 "$t0" >"$T/gen.jsonl" ||
        fail "capture_gen.py failed"
timeout 60 "$P" -b "$BROKERS" --replay "$T/gen.jsonl" -t "$topic" || fail "--replay failed"

timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o "s@$((t0 + 40 * 7))" -e \
        --format '%o\n' >"$T/s" || fail "-o s@TIME exited $?"
seq 40 99 | cmp -s - "$T/s" || fail "-o s@TIME read offsets $(head -1 "$T/s")..$(tail -1 "$T/s"), expected 40..99"

timeout 60 "$C" -b "$BROKERS" -t "$topic" --print -o beginning \
        -o "e@$(date -u -d "@$((t0 / 1000))" +%Y-%m-%dT%H:%M:%S).210Z" --format '%o\n' >"$T/e" || fail "-o e@TIME exited $?"
seq 0 29 | cmp -s - "$T/e" || fail "-o e@TIME read offsets $(head -1 "$T/e")..$(tail -1 "$T/e"), expected 0..29"

echo "ok: -o s@TIME and e@TIME on Kafka"
