#!/usr/bin/env bash
# Redrive is exactly once under kill -9: a redrive of 3000 dead-lettered
# messages, one transaction per 10, is killed with SIGKILL once 300 have
# reached the main topic (committed or not: the kill lands in mid-batch,
# whose messages the restart's fencing aborts); a second run of the same
# group finishes; then
# every message is in the main topic exactly once (read_committed), and no
# aborted message is visible to a read_committed reader.
# Kafka only: it relies on transactions and on TxnOffsetCommit keeping the
# group's offsets, which librdkafka 2.0.2's mock cluster does not.
# ctest-labels: timing -- the kill must land while the redrive runs
source "$(dirname "$0")/lib.sh"

# 3000 dead letters, of events of an hour ago (see lib.sh).
redrive_prelude kill9 3000

args=(-b "$BROKERS" --redrive "$dlq" -g "$g" --batch 10 -X session.timeout.ms=6000)
# events-consumer itself is the background job, so that $! is its pid and
# the SIGKILL reaches it (a shell function in the background would be a
# subshell, and the kill would leave the redrive running).
"$C" "${args[@]}" 2>>"$T/redrive.log" &
pid=$!
# Wait until 300 messages are in the main topic, committed or not: the
# redrive is then in full flow, mostly in mid-transaction.
for _ in $(seq 1 600); do
        kill -0 "$pid" 2>/dev/null ||
                fail "the redrive ended before the kill ($(tail -3 "$T/redrive.log"))"
        n=$( (timeout 10 kcat -b "$BROKERS" -C -t "$main" -o beginning -c 300 -e -q \
                -X isolation.level=read_uncommitted -f '%o\n' || true) | wc -l)
        [ "$n" -ge 300 ] && break
        sleep 0.02
done
kill -9 "$pid" 2>/dev/null || fail "the redrive ended before the kill: nothing was tested"
st=0
wait "$pid" 2>/dev/null || st=$?
[ "$st" -eq 137 ] || fail "the redrive was not killed by SIGKILL (status $st)"
before=$(timeout 60 kcat -b "$BROKERS" -C -t "$main" -o beginning -e -q \
        -X isolation.level=read_committed -f '%o\n' | wc -l)
[ "$before" -lt 3000 ] || fail "all 3000 were committed before the kill"

timeout 120 "$C" "${args[@]}" 2>>"$T/redrive.log" ||
        fail "the second run exited $? ($(tail -3 "$T/redrive.log"))"

timeout 60 kcat -b "$BROKERS" -C -t "$main" -o beginning -e -q \
        -X isolation.level=read_committed -f '%s\n' >"$T/got" || fail "kcat could not read $main"
redrive_assert_each_once "$T/got" 3000
total=$(wc -l <"$T/got")
[ "$total" -eq 3000 ] || fail "$main holds $total committed messages, expected 3000"
# A figure, not a check: messages of the batch the kill aborted, which a
# read_uncommitted reader still sees.
all=$(timeout 60 kcat -b "$BROKERS" -C -t "$main" -o beginning -e -q \
        -X isolation.level=read_uncommitted -f '%o\n' | wc -l)
echo "ok: killed with $before of 3000 committed; after a restart each is in $main" \
        "exactly once ($((all - 3000)) aborted messages are visible read_uncommitted)"
