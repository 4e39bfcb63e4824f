#!/usr/bin/env bash
# examples/route.c, a service of one's own built on libevents: two event
# types reach their two C functions with the message's metadata from the
# handler context, and a handler's error text becomes the DLQ message's
# events.error header.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

ROUTE_BIN=$BUILD/examples/events-route
[ -x "$ROUTE_BIN" ] || fail "$ROUTE_BIN is not built"

topic=$(unique route)
create_topic "$topic" 1
create_topic "$topic.dlq" 1

printf '%s\n' \
        $'1\t{"event_type":"user.created","data":{"user_id":1,"email":"a@example.com"}}' \
        $'7\t{"event_type":"order.placed","data":{"user_id":7},"timestamp":"2026-11-27T18:05:00.123456Z"}' \
        $'2\t{"event_type":"user.created","data":{"user_id":2}}' | produce "$topic"

"$ROUTE_BIN" "$BROKERS" "$(unique route-g)" "$topic" >"$T/route.out" 2>"$T/route.err" &
pid=$!

dlq_ok() {
        kcat -C -b "$BROKERS" -t "$topic.dlq" -o beginning -e -q -J >"$T/dlq.json" 2>/dev/null
        [ "$(wc -l <"$T/dlq.json")" -ge 1 ]
}
wait_until 60 at_least 2 "$T/route.out" ||
        fail "handled: $(cat "$T/route.out"); stderr: $(tail -5 "$T/route.err")"
wait_until 60 dlq_ok || fail "no DLQ message; stderr: $(tail -5 "$T/route.err")"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "events-route exited with status $rc after SIGINT"

expected="welcome a@example.com ($topic/0@0)
order for user 7 at 2026-11-27T18:05:00.123456Z"
[ "$(cat "$T/route.out")" = "$expected" ] || fail "output: $(cat "$T/route.out")"

python3 - "$T/dlq.json" <<'PY' || fail "DLQ content is wrong: $(cat "$T/dlq.json")"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(msgs) == 1, len(msgs)
h = msgs[0].get("headers") or []
h = dict(zip(h[0::2], h[1::2]))
assert h["events.error"] == 'handler "welcome" failed 4 times: no email in user.created', h
assert h["events.handler"] == "welcome", h
assert h["events.offset"] == "2", h
PY
echo "ok: example route"
