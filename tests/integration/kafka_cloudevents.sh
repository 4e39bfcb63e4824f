#!/usr/bin/env bash
# CloudEvents both ways, in both content modes, against the real Kafka, with
# the CloudEvents Python SDK (its kafka module) and confluent-kafka:
#  - CloudEvents the SDK made (to_binary, to_structured) are routed by
#    events-consumer by their type, validated against their schema like
#    our envelope (the ones that fail it are dead-lettered), and the exec
#    handler sees the event and its attributes (EVENT_CE_*);
#  - what events-producer --cloudevents binary|structured sends is read
#    back by the SDK (from_binary, from_structured) with the attributes
#    matching the input.
# The SDK comes from PyPI into $BUILD/venv (tests/python/venv.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

PY=$("$SRC/tests/python/venv.sh" "$BUILD/venv") ||
        fail "cannot make the Python environment with the CloudEvents SDK"
interop=$SRC/tests/python/cloudevents_interop.py
PRODUCER_BIN=$BUILD/producer/events-producer
[ -x "$PRODUCER_BIN" ] || fail "$PRODUCER_BIN is not built"

# ---- SDK -> events-consumer ----
topic=$(unique ce-in)
create_topic "$topic" 3
create_topic "$topic.dlq" 1
mkdir -p "$T/schemas"
for t in ce.user.created ce.user.deleted; do
        cat >"$T/schemas/$t.json" <<'JSON'
{"type": "object", "required": ["user_id", "seq"],
 "properties": {"user_id": {"type": "integer"}, "seq": {"type": "string"}}}
JSON
done
# One line per event: type, the CloudEvents attributes, the event's JSON.
cat >"$T/routes.json" <<JSON
{"defaults": {"validate": true, "retries": 0},
 "routes": [
  {"pattern": "ce.user.*", "handlers": [
    {"type": "exec", "command": ["/bin/sh", "-c",
     "printf '%s\\\\t%s\\\\t%s\\\\t%s\\\\t%s\\\\t%s\\\\n' \"\$EVENT_TYPE\" \"\$EVENT_CE_ID\" \"\$EVENT_CE_SOURCE\" \"\$EVENT_CE_MODE\" \"\$EVENT_CE_TYPE\" \"\$(cat)\" >> $T/seen.tsv"]}
  ]}
 ]}
JSON

n=20
"$PY" "$interop" produce "$BROKERS" "$topic" binary $n "$T/expect.tsv" --invalid 1 ||
        fail "the SDK could not produce binary CloudEvents"
"$PY" "$interop" produce "$BROKERS" "$topic" structured $n "$T/expect.tsv" --invalid 1 ||
        fail "the SDK could not produce structured CloudEvents"

start_consumer c1 -g "$(unique ce-g)" -t "$topic" -r "$T/routes.json" \
        --schemas "$T/schemas" --from-beginning
pid=$CONSUMER_PID
wait_until 90 at_least $((2 * n)) "$T/seen.tsv" ||
        fail "handled $(line_count "$T/seen.tsv") of $((2 * n)) CloudEvents; log: $(tail -5 "$T/c1.log")"
dlq_ok() {
        kcat -C -b "$BROKERS" -t "$topic.dlq" -o beginning -e -q -J >"$T/dlq.json" 2>/dev/null
        [ "$(wc -l <"$T/dlq.json")" -ge 2 ]
}
wait_until 30 dlq_ok || fail "the DLQ has $(wc -l <"$T/dlq.json") messages, expected the 2 invalid ones"
sleep 1 # nothing more may come
stop_consumer "$pid"

"$PY" - "$T/seen.tsv" "$T/expect.tsv" "$T/dlq.json" "$n" <<'PY' || fail "what the handler saw is wrong (see above)"
import json, sys
seen = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
expect = {}
for l in open(sys.argv[2]):
    seq, id_, typ, src = l.rstrip("\n").split("\t")
    expect[seq] = (id_, typ, src)
n = int(sys.argv[4])
assert len(seen) == 2 * n, "handled %d, expected %d" % (len(seen), 2 * n)
modes = {}
for etype, ce_id, ce_src, ce_mode, ce_type, js in seen:
    ev = json.loads(js)
    seq = ev["data"]["seq"]
    assert seq in expect, "unexpected event %r" % ev
    id_, typ, src = expect.pop(seq)
    assert etype == typ == ev["event_type"] == ce_type, (seq, etype, typ, ce_type)
    assert ce_id == id_, (seq, ce_id, id_)
    assert ce_src == src, (seq, ce_src)
    assert ce_mode == seq.split("-")[0], (seq, ce_mode)
    assert isinstance(ev["data"]["user_id"], int), ev
    assert "timestamp" in ev, ev
    modes[ce_mode] = modes.get(ce_mode, 0) + 1
assert not expect, "not handled: %s" % sorted(expect)
assert modes == {"binary": n, "structured": n}, modes
dlq = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
assert len(dlq) == 2, len(dlq)
for m in dlq:
    h = m.get("headers") or []
    h = dict(zip(h[0::2], h[1::2]))
    assert "schema validation failed" in h["events.error"], h
    assert "invalid" in m["payload"], m["payload"]
print("consumer: %d CloudEvents routed (%s), 2 invalid ones dead-lettered" % (2 * n, modes))
PY

# ---- events-producer --cloudevents -> SDK ----
m=30
"$PY" - "$m" >"$T/input.ndjson" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    t = ["ce.user.created", "ce.user.deleted"][i % 2]
    print(json.dumps({"event_type": t, "data": {"user_id": i % 5, "seq": "p-%d" % i},
                      "timestamp": "2026-11-27T18:05:%02d.%06dZ" % (i, i * 1001)}))
PY
for mode in binary structured; do
        out=$(unique "ce-out-$mode")
        create_topic "$out" 2
        "$PRODUCER_BIN" -b "$BROKERS" -t "$out" --cloudevents "$mode" \
                --ce-source /interop/test --schemas "$T/schemas" \
                "$T/input.ndjson" 2>"$T/producer-$mode.log" ||
                fail "events-producer --cloudevents $mode failed: $(tail -3 "$T/producer-$mode.log")"
        "$PY" "$interop" consume "$BROKERS" "$out" "$mode" "$m" /interop/test \
                "$T/input.ndjson" ||
                fail "the SDK's from_$mode does not read what events-producer --cloudevents $mode sent"
done
echo "ok: cloudevents (SDK -> consumer and producer -> SDK, binary and structured)"
