#!/usr/bin/env bash
# Malformed lines are rejected with their line numbers and reasons, the
# valid lines around them are delivered in order, the reject file holds the
# bad lines verbatim (reasons alongside) so that they can be fixed and
# replayed, and the receipts file has one line per input line.
source "$(dirname "$0")/lib.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"

topic=$(unique producer-rej)
create_topic "$topic" 1

ok() { printf '{"event_type":"user.login","data":{"user_id":%d,"ip":"203.0.113.7","user_agent":"test/%d","method":"password"}}' "$1" "$1"; }
big=$(head -c 3000 /dev/zero | tr '\0' x)
{
        ok 1; echo                                                     # 1
        echo 'not json'                                                # 2
        ok 3; echo                                                     # 3
        echo                                                           # 4 (blank: skipped)
        echo '{"event_type":"user.login","data":{"user_id":5}'         # 5 truncated
        ok 6; printf '\r\n'                                            # 6 CRLF
        echo '{"event_type":"user.login","data":[]}'                   # 7 data not an object
        ok 8; echo                                                     # 8
        echo '{"event_type":"no.such.type","data":{"user_id":9}}'      # 9 no schema
        printf '{"event_type":"user.login","data":{"user_id":10,"ip":"203.0.113.7","user_agent":"%s","method":"password"}}\n' "$big" # 10 too large
        ok 11; echo                                                    # 11
} >"$T/in"

rc=0
timeout 60 "$P" -b "$BROKERS" -t "$topic" --schemas "$SRC/schemas" \
        -X message.max.bytes=2000 --reject-file "$T/rejects" \
        --receipts "$T/receipts" <"$T/in" 2>"$T/err" || rc=$?
[ "$rc" -eq 65 ] || fail "exit status $rc, expected 65 (EX_DATAERR): $(cat "$T/err")"
for l in 2 5 7 9 10; do
        grep -q "^events-producer: line $l: rejected: " "$T/err" ||
                fail "line $l is not reported as rejected: $(cat "$T/err")"
done
[ "$(grep -c 'rejected: ' "$T/err")" -eq 5 ] || fail "not exactly 5 rejections: $(cat "$T/err")"
grep -q "11 read, 5 delivered, 5 rejected, 0 failed, 1 skipped" "$T/err" ||
        fail "unexpected summary: $(cat "$T/err")"

# The reject file: the bad lines, byte for byte, in order.
sed -n '2p;5p;7p;9p;10p' "$T/in" | cmp -s - "$T/rejects" || fail "the reject file is not the 5 bad lines verbatim"
python3 - "$T/rejects.reasons" "$T/receipts" <<'PY' || fail "reasons or receipts are wrong"
import json, sys
reasons = [json.loads(l) for l in open(sys.argv[1])]
assert [r["line"] for r in reasons] == [2, 5, 7, 9, 10], reasons
assert [r["reject_line"] for r in reasons] == [1, 2, 3, 4, 5], reasons
codes = [r["error"] for r in reasons]
assert codes == ["ERR_JSON", "ERR_JSON", "ERR_ENVELOPE", "ERR_NO_SCHEMA", "ERR_TOO_LARGE"], codes
assert all(r["reason"] for r in reasons)
recs = {json.loads(l)["line"]: json.loads(l) for l in open(sys.argv[2])}
assert sorted(recs) == list(range(1, 12)), sorted(recs)
want = {1: "delivered", 2: "rejected", 3: "delivered", 4: "skipped", 5: "rejected", 6: "delivered",
        7: "rejected", 8: "delivered", 9: "rejected", 10: "rejected", 11: "delivered"}
for l, s in want.items():
    assert recs[l]["status"] == s, recs[l]
offsets = [recs[l]["offset"] for l in (1, 3, 6, 8, 11)]
assert offsets == sorted(offsets) and len(set(offsets)) == 5, offsets
PY

timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q -f '%s\n' >"$T/read" ||
        fail "kcat could not consume $topic"
sed -n '1p;3p;6p;8p;11p' "$T/in" | tr -d '\r' >"$T/want"
# delivered lines had no timestamp; compare without the one that was added
sed 's/,"timestamp":"[^"]*"}$/}/' "$T/read" | cmp -s "$T/want" - ||
        fail "the valid lines around the bad ones were not delivered in order: $(cat "$T/read")"

# Fix, then replay: mend the truncated line and the type, drop the rest.
sed -n '2p;4p' "$T/rejects" | sed '1s/}$/}}/; s/no\.such\.type/user.login/' >"$T/fixed"
timeout 60 "$P" -b "$BROKERS" -t "$topic" --no-validate "$T/fixed" 2>"$T/err2" ||
        fail "replaying the fixed rejects failed: $(cat "$T/err2")"
timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q -f '%s\n' >"$T/read2"
[ "$(wc -l <"$T/read2")" -eq 7 ] || fail "after the replay the topic has $(wc -l <"$T/read2") events, expected 7"

echo "ok: rejects reported, kept verbatim and replayed on $EVENTS_TEST_BROKER_KIND"
