#!/usr/bin/env bash
# Each message's event_type header names its own event's type when many
# types are interleaved, one by one and in runs, keyed and not, and sent
# in parts with pauses between (so that delivery reports and sends
# interleave too). Read back with kcat.
# ctest-labels: timing -- sleeps between parts so that sends and delivery reports interleave
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"

topic=$(unique headers)
create_topic "$topic" 3
n=6000

# 12 types: t.a0 .. t.a11. Types change every line in some stretches and
# come in runs of 50 lines in others; every 7th line has no key.
awk -v n=$n 'BEGIN {
        for (i = 1; i <= n; i++) {
                t = (int(i / 1000) % 2) ? int(i / 50) % 12 : i % 12
                key = (i % 7) ? sprintf("\"user_id\":%d,", i % 41 + 1) : ""
                printf "{\"event_type\":\"t.a%d\",\"data\":{%s\"seq\":%d}}\n", t, key, i
        }
}' >"$T/in"

# Fed in three parts with pauses: the delivery reports of one part come
# back before the next part is sent.
for part in 1 2 3; do
        sed -n "$(((part - 1) * n / 3 + 1)),$((part * n / 3))p" "$T/in"
        sleep 1
done | timeout 120 "$P" -b "$BROKERS" -t "$topic" --no-validate 2>"$T/err" ||
        fail "events-producer exited with $?: $(cat "$T/err")"
grep -q "$n read, $n delivered, 0 rejected, 0 failed" "$T/err" ||
        fail "unexpected summary: $(cat "$T/err")"

timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q \
        -f '%h\t%s\n' >"$T/read" || fail "kcat could not consume $topic"

python3 - "$T/read" "$n" <<'PY' || fail "headers read back are wrong (see above)"
import json, sys
readf, n = sys.argv[1], int(sys.argv[2])
seen = set()
for row in open(readf).read().splitlines():
    hdr, payload = row.split("\t", 1)
    ev = json.loads(payload)
    seq = ev["data"]["seq"]
    assert seq not in seen, "line %d arrived twice" % seq
    seen.add(seq)
    want = "event_type=" + ev["event_type"]
    assert hdr == want, "line %d: headers %r, expected %r" % (seq, hdr, want)
assert len(seen) == n, "%d messages, expected %d" % (len(seen), n)
PY

echo "ok: $n events of 12 interleaved types, each with its own type's header, on $EVENTS_TEST_BROKER_KIND"
