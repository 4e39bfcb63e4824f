#!/usr/bin/env bash
# A redrive while the DLQ grows (the daemon still dead-letters): messages
# that reach the DLQ after the redrive started are left for the next run,
# not committed past unsent. 9000 dead letters are redriven in batches of
# 10 while 1000 more are appended; a second run of the group sends the
# rest; then each of the 10000 is in the main topic exactly once.
# Kafka only: it relies on transactions and on TxnOffsetCommit keeping the
# group's offsets, which librdkafka 2.0.2's mock cluster does not.
# ctest-labels: timing -- the appends must land while the redrive runs
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
C="$BUILD/consumer/events-consumer"
P="$BUILD/producer/events-producer"
dlq=$(unique grow-dlq)
main=$(unique grow-main)
g=$(unique grow-group)
create_topic "$dlq" 3
create_topic "$main" 3
# Events of an hour ago (see kafka_consumer_redrive_kill9.sh).
t0=$((($(date +%s) - 3600) * 1000))
python3 "$SRC/tests/integration/dlq_gen.py" 10000 "$main" --t0 "$t0" >"$T/all.jsonl" ||
        fail "dlq_gen.py failed"
head -9000 "$T/all.jsonl" >"$T/first.jsonl"
tail -1000 "$T/all.jsonl" >"$T/later.jsonl"
timeout 60 "$P" -b "$BROKERS" --replay "$T/first.jsonl" -t "$dlq" || fail "--replay to $dlq failed"

# Small fetches and a short prefetch queue keep the fetcher just ahead of
# the redrive, so that the smallest partition reaches its end while the
# others still run, and its appended messages are read before they end.
args=(-b "$BROKERS" --redrive "$dlq" -g "$g" --batch 10 -X session.timeout.ms=6000
        -X max.partition.fetch.bytes=20000 -X queued.min.messages=20)
"$C" "${args[@]}" 2>>"$T/redrive.log" &
pid=$!
for _ in $(seq 1 300); do
        n=$( (timeout 10 kcat -b "$BROKERS" -C -t "$main" -o beginning -c 1 -e -q \
                -f '%o\n' || true) | wc -l)
        [ "$n" -gt 0 ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
done
kill -0 "$pid" 2>/dev/null || fail "the redrive ended before the appends: nothing was tested"
timeout 60 "$P" -b "$BROKERS" --replay "$T/later.jsonl" -t "$dlq" 2>"$T/append.log" ||
        fail "appending to $dlq failed"
kill -0 "$pid" 2>/dev/null || echo "note: the redrive ended while the appends ran"
st=0
wait "$pid" || st=$?
[ "$st" -eq 0 ] || fail "the first run exited $st ($(tail -3 "$T/redrive.log"))"
first=$(timeout 60 kcat -b "$BROKERS" -C -t "$main" -o beginning -e -q \
        -X isolation.level=read_committed -f '%o\n' | wc -l)
[ "$first" -ge 9000 ] || fail "the first run sent $first messages, expected at least the 9000 there at its start"

timeout 120 "$C" "${args[@]}" 2>>"$T/redrive.log" ||
        fail "the second run exited $? ($(tail -3 "$T/redrive.log"))"
timeout 60 kcat -b "$BROKERS" -C -t "$main" -o beginning -e -q \
        -X isolation.level=read_committed -f '%s\n' >"$T/got" || fail "kcat could not read $main"
python3 - "$T/got" <<'PY' || fail "the main topic does not hold each message exactly once"
import collections, json, sys
seen = collections.Counter(json.loads(l)["data"]["i"] for l in open(sys.argv[1]))
missing = [i for i in range(10000) if i not in seen]
doubled = [i for i, c in seen.items() if c > 1]
assert not missing and not doubled, \
    f"{len(missing)} missing {missing[:10]}, {len(doubled)} doubled {doubled[:10]}"
PY
echo "ok: the first run sent $first (9000 were there at its start), the second the rest;" \
        "each of 10000 is in $main exactly once"
