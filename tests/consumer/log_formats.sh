#!/usr/bin/env bash
# The log formats of both programs, with no broker (a closed port):
# - every line of --log-format json parses as JSON (python3 json.loads);
# - the library's records carry their fields as members of their own;
# - each librdkafka error is one record (no FAIL log line beside it);
# - librdkafka never prints its raw "%3|...|FAIL|" lines;
# - a consumer that never connected does not claim a commit;
# - an unknown --log-format is a usage error (64).
# Usage: log_formats.sh PATH/TO/events-consumer PATH/TO/events-producer
# ctest-labels: timing -- waits 2 s for librdkafka's connection errors
set -euo pipefail
consumer=$1 producer=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fail() {
        echo "FAIL: log_formats: $*" >&2
        exit 1
}
cat >"$t/routes.json" <<'JSON'
{"routes": [{"pattern": "*", "validate": false, "handlers": [{"type": "log"}]}]}
JSON

rc=0
"$consumer" -b "127.0.0.1:$port" -g g -t t -r "$t/routes.json" --no-validate \
        --log-format json 2>"$t/c.json" &
pid=$!
sleep 2
kill -TERM "$pid"
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "consumer: exit status $rc: $(tail -3 "$t/c.json")"

python3 - "$t/c.json" <<'PY' || fail "consumer JSON log: $(head -c 2000 "$t/c.json")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
errs = [r for r in recs if r.get("msg") == "kafka error"]
assert errs, "no kafka error record"
for r in errs:
    assert r["source"] == "libevents" and r["code"].startswith("_"), r
    assert "client" in r and "error" in r, r
# librdkafka's log line for a failed connection repeated its error record
assert not [r for r in recs if r.get("rdkafka") == "FAIL"], "FAIL log lines"
refused = [r for r in recs if "Connection refused" in json.dumps(r)]
assert refused and all(r["msg"] == "kafka error" for r in refused), refused
msgs = [r["msg"] for r in recs]
assert "final commit: no offsets to commit" in msgs, msgs
assert not [m for m in msgs if "offsets committed" in m or "group left" in m], msgs
fc = [r for r in recs if r["msg"] == "final commit: no offsets to commit"][0]
assert fc["group_joined"] == "false", fc
print("ok: consumer, %d JSON lines" % len(recs))
PY

echo '{"event_type":"user.created","data":{"user_id":1}}' >"$t/in"
echo 'not json' >>"$t/in"
for fmt in json logfmt; do
        rc=0
        "$producer" -b "127.0.0.1:$port" -t t --no-validate --log-format $fmt \
                -X message.timeout.ms=1500 "$t/in" 2>"$t/p.$fmt" || rc=$?
        [ "$rc" -eq 75 ] || fail "producer --log-format $fmt: exit status $rc: $(cat "$t/p.$fmt")"
        grep -q '%[0-9]|' "$t/p.$fmt" && fail "librdkafka printed raw lines: $(grep '%[0-9]|' "$t/p.$fmt")"
done
python3 - "$t/p.json" <<'PY' || fail "producer JSON log: $(cat "$t/p.json")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
msgs = [r["msg"] for r in recs]
for want in ("kafka error", "rejected", "not delivered", "done"):
    assert want in msgs, (want, msgs)
done = [r for r in recs if r["msg"] == "done"][0]
assert done["read"] == 2 and done["rejected"] == 1 and done["failed"] == 1, done
print("ok: producer, %d JSON lines" % len(recs))
PY
grep -q '^ts=[^ ]* level=warn msg=rejected at=' "$t/p.logfmt" || fail "producer logfmt: $(cat "$t/p.logfmt")"
grep -q '^events-producer:' "$t/p.logfmt" && fail "producer logfmt has text lines: $(cat "$t/p.logfmt")"

rc=0
"$consumer" --log-format xml -b x -g g -t t -r "$t/routes.json" 2>/dev/null || rc=$?
[ "$rc" -eq 64 ] || fail "consumer --log-format xml: exit status $rc, expected 64"
rc=0
"$producer" --log-format xml -b x -t t "$t/in" 2>/dev/null || rc=$?
[ "$rc" -eq 64 ] || fail "producer --log-format xml: exit status $rc, expected 64"
echo "ok: log formats"
