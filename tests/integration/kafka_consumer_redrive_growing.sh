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

# Events of an hour ago; 9000 dead letters now, 1000 to append.
redrive_prelude grow 10000 9000

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
timeout 60 "$P" -b "$BROKERS" --replay "$T/dlq-later.jsonl" -t "$dlq" 2>"$T/append.log" ||
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
redrive_assert_each_once "$T/got" 10000
echo "ok: the first run sent $first (9000 were there at its start), the second the rest;" \
        "each of 10000 is in $main exactly once"
