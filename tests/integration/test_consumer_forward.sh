#!/usr/bin/env bash
# The forward handler republishes an event to another topic, with its key
# and an event_type header, before the event counts as handled.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique fwd)
create_topic "$topic" 1
create_topic "$topic.copy" 1
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "user.*", "validate": false,
  "handlers": [{"type": "forward", "topic": "$topic.copy"},
               {"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
make_events f 5 user.login | produce "$topic"
start_consumer c1 -g "$(unique fwd-g)" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 5 "$T/out.ndjson" || fail "handled $(line_count "$T/out.ndjson") of 5; $(tail -3 "$T/c1.log")"
stop_consumer "$pid"
kcat -C -b "$BROKERS" -t "$topic.copy" -o beginning -e -q -J >"$T/copy.json" 2>/dev/null || fail "cannot read $topic.copy"
python3 - "$T/copy.json" <<'PY' || fail "forwarded copies are wrong: $(cat "$T/copy.json")"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(msgs) == 5, len(msgs)
for i, m in enumerate(msgs):
    ev = json.loads(m["payload"])
    assert ev["event_type"] == "user.login" and ev["data"]["id"] == "f-%d" % i, ev
    assert m["key"] == str(i % 50), m["key"]
    h = m.get("headers") or []
    assert dict(zip(h[0::2], h[1::2])).get("event_type") == "user.login", h
PY
echo "ok: forward"
