#!/usr/bin/env bash
# events-consumer --redrive: --dry-run lists and sends nothing; a redrive
# puts every dead-lettered message back in the topic of its events.topic
# header with its key, value, non-events.* headers and the envelope's
# timestamp, exactly once; a second run sends nothing more; --code and
# --type send only what matches.
# Kafka only: librdkafka 2.0.2's mock cluster (the devbroker) accepts the
# transaction's TxnOffsetCommit but does not keep the offsets, so there a
# second run sends everything again.
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
C="$BUILD/consumer/events-consumer"
P="$BUILD/producer/events-producer"
dlq=$(unique redrive-dlq)
main=$(unique redrive-main)
create_topic "$dlq" 1
create_topic "$main" 1
gopts=(-X session.timeout.ms=6000)
# Events of an hour ago: redrive restores their timestamps, and Kafka
# deletes messages older than retention.ms (7 days) at its next check.
t0=$((($(date +%s) - 3600) * 1000))

python3 "$SRC/tests/integration/dlq_gen.py" 300 "$main" --t0 "$t0" >"$T/dlq.jsonl" || fail "dlq_gen.py failed"
python3 "$SRC/tests/integration/dlq_gen.py" 300 "$main" --t0 "$t0" --expect >"$T/expect" || fail "dlq_gen.py --expect failed"
timeout 60 "$P" -b "$BROKERS" --replay "$T/dlq.jsonl" -t "$dlq" || fail "--replay to $dlq failed"

count() { # count TOPIC: messages in TOPIC, committed ones only
        timeout 60 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q \
                -X isolation.level=read_committed -f '%o\n' | wc -l
}

timeout 60 "$C" -b "$BROKERS" --redrive "$dlq" --dry-run --code EVENTS_ERR_HANDLER \
        >"$T/list" || fail "--dry-run exited $?"
[ "$(wc -l <"$T/list")" -eq 150 ] || fail "--dry-run --code listed $(wc -l <"$T/list") of 150"
grep -c "\"to\":\"$main\"" "$T/list" | grep -qx 150 || fail "--dry-run names the wrong target"
[ "$(count "$main")" -eq 0 ] || fail "--dry-run sent messages"

# --code and --type together, under their own group.
timeout 60 "$C" -b "$BROKERS" --redrive "$dlq" -g "$(unique redrive-f)" "${gopts[@]}" \
        --code ERR_HANDLER --type t.1 || fail "a filtered redrive exited $?"
want=$(python3 -c 'print(sum(1 for i in range(300) if i % 2 and i % 3 == 1))')
[ "$(count "$main")" -eq "$want" ] || fail "the filtered redrive sent $(count "$main"), expected $want"

# Everything, under another group, into a fresh main topic.
main2=$(unique redrive-main2)
create_topic "$main2" 1
python3 "$SRC/tests/integration/dlq_gen.py" 300 "$main2" --t0 "$t0" >"$T/dlq2.jsonl"
python3 "$SRC/tests/integration/dlq_gen.py" 300 "$main2" --t0 "$t0" --expect >"$T/expect2"
dlq2=$(unique redrive-dlq2)
create_topic "$dlq2" 1
timeout 60 "$P" -b "$BROKERS" --replay "$T/dlq2.jsonl" -t "$dlq2" || fail "--replay to $dlq2 failed"
g=$(unique redrive-all)
timeout 60 "$C" -b "$BROKERS" --redrive "$dlq2" -g "$g" "${gopts[@]}" 2>"$T/all.log" ||
        fail "the redrive exited $?: $(tail -3 "$T/all.log")"
! grep -q 'retention' "$T/all.log" || fail "a warning about recent events: $(grep retention "$T/all.log")"
timeout 60 kcat -b "$BROKERS" -C -t "$main2" -o beginning -e -q -X isolation.level=read_committed \
        -f '%k|%h|%T|%s\n' >"$T/got" || fail "kcat could not read $main2"
cmp -s "$T/expect2" "$T/got" ||
        fail "the redriven messages differ: $(diff "$T/expect2" "$T/got" | head -4)"
# A second run of the same group finds nothing new.
timeout 60 "$C" -b "$BROKERS" --redrive "$dlq2" -g "$g" "${gopts[@]}" || fail "the second redrive exited $?"
[ "$(count "$main2")" -eq 300 ] || fail "a second run re-sent: $(count "$main2") messages in $main2"

# Events older than the target topic's retention.ms (7 days here): the
# broker would delete them soon after the redrive, which says so.
old_t0=$((($(date +%s) - 30 * 86400) * 1000))
dlq3=$(unique redrive-dlq3)
create_topic "$dlq3" 1
python3 "$SRC/tests/integration/dlq_gen.py" 3 "$main2" --t0 "$old_t0" >"$T/old.jsonl"
timeout 60 "$P" -b "$BROKERS" --replay "$T/old.jsonl" -t "$dlq3" || fail "--replay to $dlq3 failed"
timeout 60 "$C" -b "$BROKERS" --redrive "$dlq3" --dry-run >/dev/null 2>"$T/old.log" ||
        fail "--dry-run of old events exited $?"
grep -q "warning: 3 messages would go to $main2 with a timestamp older than its retention.ms (604800000 ms)" \
        "$T/old.log" || fail "no retention warning: $(cat "$T/old.log")"

echo "ok: redrive --dry-run, filters and a full redrive on $EVENTS_TEST_BROKER_KIND"
