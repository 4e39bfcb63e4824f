#!/usr/bin/env bash
# SIGTERM in the middle of a stream: events-producer stops reading, flushes,
# and accounts for every line it read. Nothing that was acknowledged is lost
# (every delivered receipt is in the topic at its partition and offset),
# nothing unread was sent, and read = delivered + rejected + failed +
# skipped, in the summary and in the receipts alike.
# ctest-labels: timing -- SIGTERM after 2 s must cut a --rate stream in mid-way; a 5 s stop bound
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"
topic=$(unique producer-term)
create_topic "$topic" 3

n=200000
awk -v n=$n 'BEGIN {
        for (i = 1; i <= n; i++)
                printf "{\"event_type\":\"user.login\",\"data\":{\"user_id\":%d,\"ip\":\"203.0.113.7\",\"user_agent\":\"test/%d\",\"method\":\"password\"}}\n", i % 101 + 1, i
}' >"$T/in"

# --rate keeps the stream going for ~10 s; stop it after 2.
"$P" -b "$BROKERS" -t "$topic" --schemas "$SRC/schemas" --rate 20000 \
        --receipts "$T/receipts" <"$T/in" 2>"$T/err" &
pid=$!
sleep 2
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 75 ] || fail "exit status $rc after SIGTERM, expected 75 (EX_TEMPFAIL): $(cat "$T/err")"
grep -q "stopped reading after" "$T/err" || fail "no report of the interruption: $(cat "$T/err")"

summary=$(grep -E '^events-producer: [0-9]+ read, ' "$T/err") || fail "no summary: $(cat "$T/err")"
read -r nread ndel nrej nfail nskip < <(echo "$summary" |
        sed -E 's/.*: ([0-9]+) read, ([0-9]+) delivered, ([0-9]+) rejected, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3 \4 \5/')
[ "$nread" -gt 0 ] && [ "$nread" -lt "$n" ] || fail "read $nread of $n lines: the stream was not cut in the middle"
[ "$nread" -eq $((ndel + nrej + nfail + nskip)) ] || fail "the counts do not add up: $summary"
[ "$ndel" -gt 0 ] || fail "nothing was delivered before SIGTERM"

timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q -f '%p %o %s\n' >"$T/read" ||
        fail "kcat could not consume $topic"
python3 - "$T/receipts" "$T/read" "$nread" "$ndel" <<'PY' || fail "receipts and topic disagree (see above)"
import json, sys
nread, ndel = int(sys.argv[3]), int(sys.argv[4])
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == nread, "%d receipts for %d lines read" % (len(recs), nread)
assert sorted(r["line"] for r in recs) == list(range(1, nread + 1)), "receipts are not lines 1..%d once each" % nread
topic = {}
for row in open(sys.argv[2]):
    p, o, payload = row.rstrip("\n").split(" ", 2)
    seq = int(json.loads(payload)["data"]["user_agent"].split("/")[1])
    assert seq <= nread, "line %d was sent but never read" % seq
    topic[(int(p), int(o))] = seq
assert len(set(topic.values())) == len(topic), "a line arrived twice"
delivered = [r for r in recs if r["status"] == "delivered"]
assert len(delivered) == ndel
for r in delivered:
    assert topic.get((r["partition"], r["offset"])) == r["line"], "acknowledged line %d is missing" % r["line"]
PY

# A slow stream: a line is sent as soon as it is read, not when the next
# one comes; and SIGTERM stops a producer that is waiting for input.
topic2=$(unique producer-idle)
create_topic "$topic2" 1
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
"$P" -b "$BROKERS" -t "$topic2" --schemas "$SRC/schemas" --receipts "$T/receipts2" \
        <"$T/fifo" 2>"$T/err2" &
pid=$!
head -n 1 "$T/in" >&3
timeout 30 kcat -b "$BROKERS" -C -t "$topic2" -o beginning -c 1 -q -f '%s\n' >"$T/first" ||
        fail "the first line of an idle stream was not sent: $(cat "$T/err2")"
sed 's/,"timestamp":"[^"]*"}$/}/' "$T/first" | cmp -s - <(head -n 1 "$T/in") || fail "the idle stream's line arrived changed: $(cat "$T/first")"
start=$SECONDS
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
exec 3>&-
[ $((SECONDS - start)) -le 5 ] || fail "SIGTERM took $((SECONDS - start)) s to stop a producer waiting for input"
[ "$rc" -eq 75 ] || fail "exit status $rc after SIGTERM on an idle stream, expected 75: $(cat "$T/err2")"
grep -q "1 read, 1 delivered, 0 rejected, 0 failed" "$T/err2" || fail "idle stream summary: $(cat "$T/err2")"
grep -q '"line":1,"status":"delivered"' "$T/receipts2" || fail "idle stream receipt: $(cat "$T/receipts2")"

echo "ok: SIGTERM after $nread of $n lines, $ndel delivered, counts add up on $EVENTS_TEST_BROKER_KIND"
