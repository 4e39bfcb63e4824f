#!/usr/bin/env bash
# A SIGTERM ends events-consumer within --shutdown-timeout even while an
# exec handler runs `sleep 40`: the program gets SIGTERM, the event it was
# handling is not committed, and a restart in the same group handles it.
# The JSON log of the run parses line by line, and the library's records
# have their fields as their own members.
# ctest-labels: timing -- asserts the stop takes at most the timeout plus 1 s
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique cancel)
group=$(unique cancel-g)
create_topic "$topic" 1
cat >"$T/slow.json" <<JSON
{"routes": [{"pattern": "*", "validate": false, "retries": 0,
  "handlers": [{"type": "exec", "timeout_ms": 60000,
    "command": ["/bin/sh", "-c", "echo \$EVENT_OFFSET >>'$T/started'; exec sleep 40"]}]}]}
JSON
cat >"$T/fast.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
make_events a 3 user.created | produce "$topic"

timeout_ms=4000
start_consumer c1 -g "$group" -t "$topic" -r "$T/slow.json" --from-beginning \
        --shutdown-timeout $timeout_ms --log-format json
pid=$CONSUMER_PID
wait_until 60 test -s "$T/started" || fail "the exec handler never started: $(tail -5 "$T/c1.log")"
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
took_ms=$((($(date +%s%N) - t0) / 1000000))
echo "SIGTERM with sleep 40 running: stopped in ${took_ms} ms (timeout ${timeout_ms} ms), status $rc"
[ "$took_ms" -le $((timeout_ms + 1000)) ] || fail "SIGTERM took ${took_ms} ms, timeout ${timeout_ms} ms"
[ "$rc" -eq 0 ] || fail "exit status $rc: $(tail -5 "$T/c1.log")"
[ "$(line_count "$T/started")" -eq 1 ] || fail "the handler started $(line_count "$T/started") times"
cut=$(cat "$T/started")

python3 - "$T/c1.log" "$cut" <<'PY' || fail "JSON log: see above; $(tail -5 "$T/c1.log")"
import json, sys
recs = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        recs.append(json.loads(line))
    except ValueError as e:
        sys.exit("line %d is not JSON (%s): %r" % (n, e, line))
def find(msg):
    return [r for r in recs if r.get("msg") == msg]
hf = find("handler failed")
assert hf and hf[0]["error"] == "stopped at shutdown: killed by signal 15 (SIGTERM)", hf
assert "rc" not in hf[0], hf[0]
cut = find("handler interrupted by stop: offset not stored")
assert cut, "no interrupted record"
r = cut[0]
# the library's fields are members of their own, numbers as numbers
assert r["source"] == "libevents" and r["offset"] == int(sys.argv[2]), r
assert isinstance(r["partition"], int) and r["topic"], r
assert not find("dead-lettered"), "the cut event was dead-lettered"
assert find("final commit: no offsets to commit"), "no truthful final commit record"
print("ok: %d JSON lines parse" % len(recs))
PY

# The cut event comes again.
start_consumer c2 -g "$group" -t "$topic" -r "$T/fast.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 3 "$T/out.ndjson" || fail "after the restart: $(line_count "$T/out.ndjson") of 3"
stop_consumer "$pid"
ids "$T/out.ndjson" | grep -qx "a-0" || fail "the cut event a-0 was not redelivered: $(ids "$T/out.ndjson")"
# logfmt: the library's fields are keys of their own, not inside msg
grep -q 'msg="partitions assigned" source=libevents count=1' "$T/c2.log" ||
        fail "library fields not their own keys: $(grep 'partitions assigned' "$T/c2.log")"
echo "ok: shutdown cancels the exec handler on $EVENTS_TEST_BROKER_KIND"
