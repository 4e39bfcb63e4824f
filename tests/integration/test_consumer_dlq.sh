#!/usr/bin/env bash
# A failing handler is retried with backoff, then its event goes to the
# dead-letter topic with headers saying why, where from and how often.
# Poison events (not JSON, no route, failing their schema) go straight to
# the DLQ, and the events after them are still handled, in order.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique dlq)
create_topic "$topic" 1
create_topic "$topic.dlq" 1

mkdir -p "$T/schemas"
cat >"$T/schemas/test.strict.json" <<'JSON'
{"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}
JSON
cat >"$T/routes.json" <<JSON
{"defaults": {"validate": false},
 "routes": [
  {"pattern": "test.fail", "retries": 2, "backoff_ms": 20, "backoff_max_ms": 40,
   "handlers": [{"type": "file", "path": "$T/before-fail.ndjson"},
                {"type": "plugin", "path": "$PLUGIN", "function": "example_fail", "name": "always-fails"}]},
  {"pattern": "test.flaky", "retries": 3, "backoff_ms": 10,
   "handlers": [{"type": "plugin", "path": "$PLUGIN", "function": "example_flaky",
                 "config": {"fail_times": 2}},
                {"type": "file", "path": "$T/ok.ndjson"}]},
  {"pattern": "test.strict", "validate": true, "handlers": [{"type": "file", "path": "$T/ok.ndjson"}]},
  {"pattern": "test.ok", "handlers": [{"type": "file", "path": "$T/ok.ndjson"}]}
 ]}
JSON

printf '%s\n' \
        $'k\t{"event_type":"test.fail","data":{"id":"a-0"}}' \
        $'k\tnot json at all' \
        $'k\t{"event_type":"test.flaky","data":{"id":"a-1"}}' \
        $'k\t{"event_type":"nobody.routes.this","data":{"id":"a-2"}}' \
        $'k\t{"event_type":"test.strict","data":{"id":"a-3"}}' \
        $'k\t{"event_type":"test.strict","data":{"id":"a-4","email":"x@example.com"}}' \
        $'k\t{"event_type":"test.ok","data":{"id":"a-5"}}' | produce "$topic"

start_consumer c1 -g "$(unique dlq-g)" -t "$topic" -r "$T/routes.json" \
        --schemas "$T/schemas" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 3 "$T/ok.ndjson" ||
        fail "handled $(line_count "$T/ok.ndjson") of 3 good events; log: $(tail -5 "$T/c1.log")"

# Read the DLQ: four messages, with their headers.
dlq_ok() {
        kcat -C -b "$BROKERS" -t "$topic.dlq" -o beginning -e -q -J >"$T/dlq.json" 2>/dev/null
        [ "$(wc -l <"$T/dlq.json")" -ge 4 ]
}
wait_until 30 dlq_ok || fail "DLQ has $(wc -l <"$T/dlq.json") messages, expected 4"
stop_consumer "$pid"

[ "$(ids "$T/ok.ndjson" | tr '\n' ' ')" = "a-1 a-4 a-5 " ] ||
        fail "good events handled: $(ids "$T/ok.ndjson" | tr '\n' ' ')"
# The handler before the failing one ran once, not once per retry.
[ "$(line_count "$T/before-fail.ndjson")" -eq 1 ] ||
        fail "the handler before the failing one ran $(line_count "$T/before-fail.ndjson") times"
# Backoff: 20 ms then 40 ms between the three tries.
n=$(grep -c 'msg="handler failed" handler=always-fails' "$T/c1.log" || true)
[ "$n" -eq 3 ] || fail "the failing handler ran $n times, expected 1 + 2 retries"

kcat -C -b "$BROKERS" -t "$topic" -o beginning -e -q -J >"$T/orig.json" ||
        fail "kcat could not read $topic"
python3 - "$T/dlq.json" "$topic" "$T/orig.json" <<'PY' || fail "DLQ content is wrong: $(cat "$T/dlq.json")"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
topic = sys.argv[2]
orig = {m["offset"]: m for m in (json.loads(l) for l in open(sys.argv[3]) if l.strip())}
assert len(msgs) == 4, len(msgs)
def headers(m):
    h = m.get("headers") or []
    return dict(zip(h[0::2], h[1::2]))
got = [(headers(m), m["payload"], m["key"]) for m in msgs]
for h, payload, key in got:
    assert key == "k", key
    assert h["events.topic"] == topic, h
    assert h["events.partition"] == "0", h
    assert "events.error" in h and h["events.error"], h
    assert "events.dead_lettered_at" in h, h
    # the original Kafka timestamp and its type, for a redrive to restore
    o = orig[int(h["events.offset"])]
    assert h["events.timestamp"] == str(o["ts"]), (h, o["ts"])
    assert h["events.timestamp_type"] == "create", h
offsets = [int(h["events.offset"]) for h, _, _ in got]
assert offsets == [0, 1, 3, 4], offsets
h, payload, _ = got[0]
assert h["events.error.code"] == "ERR_HANDLER", h
assert h["events.handler"] == "always-fails", h
assert h["events.attempts"] == "3", h
# the plugin's own reason, set through its handler context
assert "example_fail always fails (test.fail at %s/0/0)" % topic in h["events.error"], h
assert json.loads(payload)["data"]["id"] == "a-0"
h, payload, _ = got[1]
assert h["events.error.code"] == "ERR_JSON", h
assert h["events.attempts"] == "0", h
assert payload == "not json at all", payload   # the original bytes
h, payload, _ = got[2]
assert h["events.error.code"] == "ERR_NO_ROUTE", h
h, payload, _ = got[3]
assert h["events.error.code"] == "ERR_VALIDATION", h
assert "email" in h["events.error"], h
PY

# The counters agree.
echo "ok: dlq"
