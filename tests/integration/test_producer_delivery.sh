#!/usr/bin/env bash
# events-producer delivers every line exactly once, and keeps each user's
# events in order on one partition. Read back with kcat, a client we did
# not write: the count, the keys, the event_type header, the Kafka
# timestamps, and the partition/offset of each line's receipt all match.
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"

topic=$(unique producer)
create_topic "$topic" 4
n=3000

# Odd lines carry a normalized timestamp (sent byte for byte), even lines
# none (the producer stamps them). 37 users; the sequence number rides in
# user_agent.
awk -v n=$n 'BEGIN {
        for (i = 1; i <= n; i++) {
                ts = (i % 2) ? ",\"timestamp\":\"2026-11-27T18:05:00.123456Z\"" : ""
                printf "{\"event_type\":\"user.login\",\"data\":{\"user_id\":%d,\"ip\":\"203.0.113.7\",\"user_agent\":\"test/%d\",\"method\":\"password\"}%s}\n", i % 37 + 1, i, ts
        }
}' >"$T/in"

before=$(date +%s%3N)
timeout 120 "$P" -b "$BROKERS" -t "$topic" --schemas "$SRC/schemas" \
        --receipts "$T/receipts" <"$T/in" 2>"$T/err" ||
        fail "events-producer exited with $?: $(cat "$T/err")"
after=$(date +%s%3N)
grep -q "$n read, $n delivered, 0 rejected, 0 failed" "$T/err" ||
        fail "unexpected summary: $(cat "$T/err")"

timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q \
        -f '%p %o %k %T %h\t%s\n' >"$T/read" || fail "kcat could not consume $topic"

python3 - "$T/in" "$T/read" "$T/receipts" "$n" "$before" "$after" <<'PY' || fail "the messages read back are wrong (see above)"
import json, sys
inp, readf, recf, n, before, after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
lines = open(inp).read().splitlines()
msgs = {}
for row in open(readf).read().splitlines():
    meta, payload = row.split("\t", 1)
    p, o, k, ts, hdr = meta.split(" ", 4)
    ev = json.loads(payload)
    seq = int(ev["data"]["user_agent"].split("/")[1])
    assert seq not in msgs, "line %d arrived twice" % seq
    msgs[seq] = (int(p), int(o), k, int(ts), hdr, payload, ev)
assert len(msgs) == n, "%d messages, expected %d" % (len(msgs), n)
last = {}
for seq in range(1, n + 1):
    p, o, k, ts, hdr, payload, ev = msgs[seq]
    uid = str(ev["data"]["user_id"])
    assert k == uid, "line %d: key %r, expected %r" % (seq, k, uid)
    assert hdr == "event_type=user.login", "line %d: headers %r" % (seq, hdr)
    if seq % 2:
        assert payload == lines[seq - 1], "line %d was not sent as read" % seq
        assert ts == 1795802700123, "line %d: Kafka timestamp %d" % (seq, ts)
    else:
        assert before - 1000 <= ts <= after + 1000, "line %d: stamped %d" % (seq, ts)
        assert ev["timestamp"].endswith("Z") and len(ev["timestamp"]) == 27
    if uid in last:
        lp, lo = last[uid]
        assert lp == p, "user %s on partitions %d and %d" % (uid, lp, p)
        assert o > lo, "user %s out of order at line %d" % (uid, seq)
    last[uid] = (p, o)
assert len({v[0] for v in msgs.values()}) > 1, "37 users all on one partition"
recs = [json.loads(l) for l in open(recf)]
assert len(recs) == n, "%d receipts for %d lines" % (len(recs), n)
for r in recs:
    assert r["status"] == "delivered", r
    p, o = msgs[r["line"]][:2]
    assert (r["partition"], r["offset"]) == (p, o), "receipt %r, message at %d/%d" % (r, p, o)
assert sorted(r["line"] for r in recs) == list(range(1, n + 1))
PY

echo "ok: $n events delivered once each, in order per user, on $EVENTS_TEST_BROKER_KIND"
