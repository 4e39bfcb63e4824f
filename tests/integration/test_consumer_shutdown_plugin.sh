#!/usr/bin/env bash
# SIGTERM while a plugin handler runs for 40 s: a plugin that honours
# events_handler_ctx_cancelled() stops at once (exit 0, its event not
# committed and handled again after a restart); one that ignores it is
# abandoned at --shutdown-timeout by the watchdog (exit 75). Either way the
# stop takes at most the timeout plus 1 s.
# ctest-labels: timing -- asserts the stop takes at most the timeout plus 1 s
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

slow=$BUILD/tests/consumer/libtest_slow_plugin.so
[ -f "$slow" ] || fail "$slow is not built"
timeout_ms=3000

# run NAME FUNCTION WANT_STATUS: one event, SIGTERM while FUNCTION runs
run() {
        local name=$1 fn=$2 want=$3 topic group t0 took_ms rc=0
        topic=$(unique "plug-$name")
        group=$(unique "plug-$name-g")
        create_topic "$topic" 1
        cat >"$T/$name.json" <<JSON
{"routes": [{"pattern": "*", "validate": false, "retries": 0,
  "handlers": [{"type": "plugin", "path": "$slow", "function": "$fn",
                "config": {"marker": "$T/$name.started"}}]}]}
JSON
        make_events "$name" 2 user.created | produce "$topic"
        start_consumer "$name" -g "$group" -t "$topic" -r "$T/$name.json" \
                --from-beginning --shutdown-timeout $timeout_ms
        local pid=$CONSUMER_PID
        wait_until 60 test -s "$T/$name.started" || fail "$fn never started: $(tail -5 "$T/$name.log")"
        sleep 0.3
        t0=$(date +%s%N)
        kill -TERM "$pid"
        wait "$pid" || rc=$?
        took_ms=$((($(date +%s%N) - t0) / 1000000))
        echo "$fn: SIGTERM to exit ${took_ms} ms (timeout ${timeout_ms} ms), status $rc"
        [ "$rc" -eq "$want" ] || fail "$fn: exit status $rc, expected $want: $(tail -5 "$T/$name.log")"
        [ "$took_ms" -le $((timeout_ms + 1000)) ] || fail "$fn: SIGTERM took ${took_ms} ms"
        grep -q 'msg=dead-lettered' "$T/$name.log" && fail "$fn: the cut event was dead-lettered"
        # The cut event comes again.
        cat >"$T/$name-fast.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/$name.out"}]}]}
JSON
        start_consumer "$name-2" -g "$group" -t "$topic" -r "$T/$name-fast.json" --from-beginning
        pid=$CONSUMER_PID
        wait_until 60 at_least 2 "$T/$name.out" || fail "$fn: after the restart $(line_count "$T/$name.out") of 2"
        stop_consumer "$pid"
        ids "$T/$name.out" | grep -qx "$name-0" || fail "$fn: the cut event was not redelivered"
}

run coop slow_cooperative 0
grep -q 'msg="handler failed" handler=.* error="cancelled, deadline [0-9]' "$T/coop.log" ||
        fail "the cooperative plugin saw no deadline: $(grep 'handler failed' "$T/coop.log")"
run stub slow_stubborn 75
grep -q 'level=error msg="shutdown timeout passed: exiting without a final commit"' "$T/stub.log" ||
        fail "no watchdog record: $(tail -3 "$T/stub.log")"
echo "ok: plugins and the shutdown timeout on $EVENTS_TEST_BROKER_KIND"
