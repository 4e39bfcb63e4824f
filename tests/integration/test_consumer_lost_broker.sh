#!/usr/bin/env bash
# The broker is lost after events were handled and before any commit: a
# SIGTERM then cannot commit. events-consumer must not claim it did: it
# exits 75 (EX_TEMPFAIL) within --shutdown-timeout, with an error record
# naming the partitions whose offsets were not committed.
#
# The test starts a broker of its own and kills it, so that the shared one
# other tests use is untouched: an events-devbroker, or a real Kafka from
# the same jars (tests/kafka/kafka.sh), by the kind under test.
# ctest-labels: timing -- asserts the stop takes at most the timeout plus 1 s
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

dir="$T/broker"
mkdir -p "$dir"
if [ "$EVENTS_TEST_BROKER_KIND" = kafka ]; then
        # The private Kafka is not a job of this shell: kill it on any exit,
        # then let lib.sh clean up with the test's own status.
        trap 'st=$?; set +e; kill -KILL "$(cat "$dir/pid" 2>/dev/null)" 2>/dev/null; (exit $st); _events_test_cleanup' EXIT
        BROKERS=$("$SRC/tests/kafka/kafka.sh" start "$dir") ||
                fail "the private Kafka did not start (log in $dir)"
        broker_pid=$(cat "$dir/pid")
        export BROKERS
else
        "$BUILD/devbroker/events-devbroker" -c "$dir/control.sock" >"$dir/out" 2>"$dir/log" </dev/null &
        broker_pid=$!
        wait_until 10 test -s "$dir/out" || fail "the private devbroker did not start: $(cat "$dir/log")"
        BROKERS=$(head -n 1 "$dir/out")
        EVENTS_TEST_DEVBROKER_CONTROL="$dir/control.sock"
        export BROKERS EVENTS_TEST_DEVBROKER_CONTROL
fi

topic=$(unique lost)
create_topic "$topic" 2
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
make_events a 40 user.created | produce "$topic"

timeout_ms=3000
# No auto-commit before the stop: the final commit is the only one.
start_consumer c1 -g "$(unique lost-g)" -t "$topic" -r "$T/routes.json" \
        --from-beginning --shutdown-timeout $timeout_ms \
        -X auto.commit.interval.ms=600000
pid=$CONSUMER_PID
wait_until 60 at_least 40 "$T/out.ndjson" || fail "handled $(line_count "$T/out.ndjson") of 40"
sleep 0.5 # the last offsets are stored when the poll finds nothing more
kill -KILL "$broker_pid"
wait "$broker_pid" 2>/dev/null || true
t0=$(date +%s%N)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
took_ms=$((($(date +%s%N) - t0) / 1000000))
echo "lost broker: stopped in ${took_ms} ms (timeout ${timeout_ms} ms), status $rc"
[ "$rc" -eq 75 ] || fail "exit status $rc, expected 75: $(tail -5 "$T/c1.log")"
[ "$took_ms" -le $((timeout_ms + 1000)) ] || fail "SIGTERM took ${took_ms} ms"
line=$(grep 'level=error msg="final commit failed: offsets not committed" group=' "$T/c1.log") ||
        fail "no final-commit error record: $(tail -12 "$T/c1.log")"
for p in 0 1; do
        # every partition handled events (keys 0..49 spread over both)
        echo "$line" | grep -q "partitions=[^ ]*$topic\[$p\]" ||
                fail "partition $p not named: $line"
done
if grep -E 'msg="(offsets committed|final commit: offsets committed|final commit: no offsets to commit)' "$T/c1.log"; then
        fail "a commit that did not happen was logged"
fi
tail -6 "$T/c1.log" | cut -c1-250
echo "ok: a lost broker at shutdown gives 75 and names the partitions"
