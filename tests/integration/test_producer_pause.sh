#!/usr/bin/env bash
# A pause in the input does not hold messages back. events-producer hands
# messages to librdkafka in windows grouped by partition, once delivery
# reports have confirmed where keys go (the first second of input below);
# whenever its input would block it sends what it has, so every line read
# before a pause is in Kafka during the pause. Each partition also receives
# its lines in input order, across users: offsets rise with line numbers.
# ctest-labels: timing -- a 10 s input pause; the lines must be in Kafka within 8 s
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"

topic=$(unique pause)
create_topic "$topic" 3
n=20000 pause=10

awk -v n=$((n + 10)) 'BEGIN {
        for (i = 1; i <= n; i++)
                printf "{\"event_type\":\"user.login\",\"data\":{\"user_id\":%d,\"ip\":\"203.0.113.7\",\"user_agent\":\"test/%d\",\"method\":\"password\"}}\n", i % 41 + 1, i
}' >"$T/in"
head -n 2000 "$T/in" >"$T/warm"
sed -n "2001,${n}p" "$T/in" >"$T/first"
tail -n 10 "$T/in" >"$T/rest"

# The end offsets summed over the partitions: the messages in the topic.
count() {
        local sum=0 p off
        for p in 0 1 2; do
                off=$(kcat -b "$BROKERS" -Q -t "$topic:$p:-1" 2>/dev/null | awk '{print $NF}')
                sum=$((sum + ${off:-0}))
        done
        echo "$sum"
}

{ cat "$T/warm"; sleep 1; cat "$T/first"; sleep "$pause"; cat "$T/rest"; } |
        timeout 120 "$P" -b "$BROKERS" -t "$topic" --schemas "$SRC/schemas" \
                --receipts "$T/receipts" 2>"$T/err" &
producer=$!

# The first lines must all arrive while the input pauses.
deadline=$(($(date +%s) + pause - 2))
got=0
while [ "$(date +%s)" -lt "$deadline" ]; do
        got=$(count)
        [ "$got" -ge $n ] && break
        sleep 0.2
done
[ "$got" -eq $n ] ||
        fail "$got of the $n lines read before a ${pause}s pause are in $topic during it"
wait "$producer" || fail "events-producer exited with $?: $(cat "$T/err")"
grep -q "$((n + 10)) read, $((n + 10)) delivered, 0 rejected, 0 failed" "$T/err" ||
        fail "unexpected summary: $(cat "$T/err")"

python3 - "$T/receipts" $((n + 10)) <<'PY' || fail "a partition's lines are out of input order (see above)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
assert sorted(r["line"] for r in recs) == list(range(1, n + 1)), "receipts"
last = {}
for r in sorted(recs, key=lambda r: r["line"]):
    assert r["status"] == "delivered", r
    p, o = r["partition"], r["offset"]
    assert o > last.get(p, -1), "line %d at %d/%d, after offset %d" % (r["line"], p, o, last[p])
    last[p] = o
assert len(last) == 3, "partitions used: %r" % sorted(last)
PY

echo "ok: $n lines in Kafka during a ${pause}s input pause, each partition in input order, on $EVENTS_TEST_BROKER_KIND"
