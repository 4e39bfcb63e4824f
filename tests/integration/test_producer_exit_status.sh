#!/usr/bin/env bash
# events-producer's exit status tells the truth: 0 when every line was
# delivered, 65 when some were rejected and the rest delivered, 75 when the
# broker cannot be reached (nothing delivered, retry later), and 64, 66, 78
# for bad usage, a missing input file and bad configuration.
source "$(dirname "$0")/lib.sh"

P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"
topic=$(unique producer-exit)
create_topic "$topic" 2

good='{"event_type":"user.login","data":{"user_id":1,"ip":"203.0.113.7","user_agent":"t","method":"password"}}'
printf '%s\n%s\n' "$good" "$good" >"$T/good"
printf '%s\nnope\n%s\n' "$good" "$good" >"$T/mixed"

status() { # status EXPECTED DESCRIPTION CMD...
        local want=$1 what=$2 rc=0
        shift 2
        timeout 60 "$@" >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -eq "$want" ] || fail "$what: exit status $rc, expected $want: $(cat "$T/err")"
}
common=(-t "$topic" --schemas "$SRC/schemas")

status 0 "all delivered" "$P" -b "$BROKERS" "${common[@]}" "$T/good"
grep -q "2 read, 2 delivered" "$T/err" || fail "summary: $(cat "$T/err")"
status 0 "brokers from EVENTS_BROKERS" env EVENTS_BROKERS="$BROKERS" "$P" "${common[@]}" "$T/good"
# The one precedence rule (events/kafka.h): EVENTS_BROKERS first, then
# -b, -F and -X in command-line order, a later one winning.
echo "bootstrap.servers=$BROKERS" >"$T/props"
echo "bootstrap.servers=127.0.0.1:1" >"$T/props-nobody"
status 0 "brokers from -F, no -b" env -u EVENTS_BROKERS "$P" "${common[@]}" -F "$T/props" "$T/good"
status 0 "-F over EVENTS_BROKERS" env EVENTS_BROKERS=127.0.0.1:1 "$P" "${common[@]}" -F "$T/props" "$T/good"
status 0 "a later -b over -F" "$P" "${common[@]}" -F "$T/props-nobody" -b "$BROKERS" "$T/good"
status 0 "a later -F over -b" "$P" -b 127.0.0.1:1 "${common[@]}" -F "$T/props" "$T/good"
status 0 "a later -X over -F" "$P" -F "$T/props-nobody" "${common[@]}" -X "bootstrap.servers=$BROKERS" "$T/good"
status 0 "-b over EVENTS_BROKERS" env EVENTS_BROKERS=127.0.0.1:1 "$P" -b "$BROKERS" "${common[@]}" "$T/good"
status 0 "stdin as -" "$P" -b "$BROKERS" "${common[@]}" - <"$T/good"

status 65 "some rejected" "$P" -b "$BROKERS" "${common[@]}" "$T/mixed"
grep -q "mixed:2: rejected" "$T/err" || fail "the rejected line is not named: $(cat "$T/err")"
grep -q "3 read, 2 delivered, 1 rejected" "$T/err" || fail "summary: $(cat "$T/err")"

# --max-errors: give up at the second bad line, read no further.
printf 'bad\n%s\nbad\nbad\n%s\n' "$good" "$good" >"$T/bad"
status 65 "--max-errors" "$P" -b "$BROKERS" "${common[@]}" --max-errors 2 "$T/bad"
grep -q "3 read, 1 delivered, 2 rejected" "$T/err" || fail "--max-errors 2 did not stop at the 2nd bad line: $(cat "$T/err")"

# Nobody listens on port 1: the lines time out, a temporary failure.
status 75 "broker unreachable" "$P" -b 127.0.0.1:1 "${common[@]}" \
        -X message.timeout.ms=1500 --receipts "$T/receipts" "$T/good"
grep -q "2 read, 0 delivered, 0 rejected, 2 failed" "$T/err" || fail "summary: $(cat "$T/err")"
[ "$(grep -c '"status":"failed".*"retriable":true' "$T/receipts")" -eq 2 ] ||
        fail "receipts of the undelivered lines: $(cat "$T/receipts")"

status 64 "no topic" "$P" -b "$BROKERS" --schemas "$SRC/schemas" "$T/good"
status 64 "unknown option" "$P" -b "$BROKERS" "${common[@]}" --no-such-option "$T/good"
status 64 "bad --rate" "$P" -b "$BROKERS" "${common[@]}" --rate -3 "$T/good"
status 64 "bad --type" "$P" -b "$BROKERS" "${common[@]}" --type 'has space' "$T/good"
status 64 "no brokers" env -u EVENTS_BROKERS "$P" "${common[@]}" "$T/good"
status 66 "missing input file" "$P" -b "$BROKERS" "${common[@]}" "$T/good" "$T/absent"
grep -q "absent" "$T/err" || fail "the missing file is not named"
status 78 "bad -X" "$P" -b "$BROKERS" "${common[@]}" -X no.such.property=1 "$T/good"
status 78 "bad --compression" "$P" -b "$BROKERS" "${common[@]}" -z rot13 "$T/good"
status 78 "bad schemas dir" "$P" -b "$BROKERS" -t "$topic" --schemas "$T/none" "$T/good"
status 0 "--help" "$P" --help
grep -q -- "--reject-file" "$T/out" || fail "--help does not document --reject-file"

# Only the good lines arrived: 9 runs of 2, then 2 of "mixed" and 1 before --max-errors stopped.
command -v kcat >/dev/null || fail "kcat is not installed"
timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q -f '%s\n' >"$T/read"
[ "$(wc -l <"$T/read")" -eq 21 ] || fail "the topic has $(wc -l <"$T/read") events, expected 21"

echo "ok: exit statuses 0, 64, 65, 66, 75, 78 on $EVENTS_TEST_BROKER_KIND"
