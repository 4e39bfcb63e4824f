#!/usr/bin/env bash
# --reset commits -o's positions for an existing group: refused (75) while
# the group has a live member, done once it has none, and the group's next
# run starts there.
# Kafka only: librdkafka 2.0.2's mock cluster (the devbroker) does not
# answer ListGroups/DescribeGroups ("Required feature not supported by
# broker"), so --reset cannot see the members there and refuses (69).
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
C="$BUILD/consumer/events-consumer"
topic=$(unique reset)
g=$(unique reset-g)
create_topic "$topic" 2
# Each partition gets 20 explicitly: keyless messages from kcat are
# partitioned by librdkafka's sticky partitioner, which may put all 40 on one
# partition and leave nothing for -o 1:-5 to select.
seq 1 20 | timeout 60 kcat -b "$BROKERS" -P -t "$topic" -p 0 || fail "kcat could not produce to partition 0"
seq 21 40 | timeout 60 kcat -b "$BROKERS" -P -t "$topic" -p 1 || fail "kcat could not produce to partition 1"
gopts=(-X session.timeout.ms=6000)

# The group reads everything and commits.
n=$(timeout 60 "$C" -b "$BROKERS" -g "$g" "${gopts[@]}" -t "$topic" --print -o beginning -e | wc -l)
[ "$n" -eq 40 ] || fail "the group's first run read $n of 40"

# A live member: --reset is refused and commits nothing.
"$C" -b "$BROKERS" -g "$g" "${gopts[@]}" -t "$topic" --print >/dev/null 2>"$T/live.log" &
live=$!
for _ in $(seq 1 100); do
        set +e
        timeout 30 "$C" -b "$BROKERS" -g "$g" -t "$topic" -o beginning --reset >"$T/reset.out" 2>"$T/reset.err"
        rc=$?
        set -e
        [ "$rc" -eq 75 ] && break
        [ "$rc" -eq 0 ] && fail "--reset succeeded while a member was live"
        sleep 0.2
done
[ "$rc" -eq 75 ] || fail "--reset with a live member exited $rc: $(cat "$T/reset.err")"
grep -q "live member" "$T/reset.err" || fail "the refusal does not say why: $(cat "$T/reset.err")"
kill -TERM "$live"
wait "$live" || fail "the live member exited $?"

# No member: the reset is committed, and the next run reads from there.
for _ in $(seq 1 100); do
        set +e
        timeout 30 "$C" -b "$BROKERS" -g "$g" -t "$topic" -o beginning -o 1:-5 --reset >"$T/reset.out" 2>"$T/reset.err"
        rc=$?
        set -e
        [ "$rc" -eq 75 ] || break
        sleep 0.2 # the member's leaving is still being settled
done
[ "$rc" -eq 0 ] || fail "--reset without members exited $rc: $(cat "$T/reset.err")"
[ "$(wc -l <"$T/reset.out")" -eq 2 ] || fail "--reset printed $(cat "$T/reset.out")"
timeout 60 "$C" -b "$BROKERS" -g "$g" "${gopts[@]}" -t "$topic" --print -e >"$T/after.out"
n=$(wc -l <"$T/after.out")
[ "$n" -eq 25 ] || fail "after --reset the group read $n, expected 25 (partition 0's 20, partition 1's last 5)"
want=$( (seq 1 20; seq 36 40) | sort -n)
got=$(grep -oE '^[0-9]+' "$T/after.out" | sort -n)
[ "$got" = "$want" ] || fail "after --reset the group read other events: $(echo $got)"

echo "ok: --reset refused with a live member, committed without, on $EVENTS_TEST_BROKER_KIND"
