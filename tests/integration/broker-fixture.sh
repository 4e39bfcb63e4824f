#!/usr/bin/env bash
# The brokers of the integration tests, as CTest fixtures (see
# tests/CMakeLists.txt): fixture.<broker>.start runs `start`, and
# fixture.<broker>.stop runs `stop` once the last test that needs the
# broker is done, whatever happened to the tests.
#
#   broker-fixture.sh start kafka STATE_DIR
#   broker-fixture.sh start devbroker STATE_DIR DEVBROKER_PROGRAM
#   broker-fixture.sh stop kafka|devbroker STATE_DIR
#
# `start` starts the broker on free ports of 127.0.0.1 and writes its
# address to STATE_DIR/<broker>.env, which tests/integration/lib.sh reads:
#   kafka.env       EVENTS_TEST_KAFKA_BROKERS=127.0.0.1:PORT
#   devbroker.env   EVENTS_TEST_DEVBROKER_BROKERS=127.0.0.1:PORT
#                   EVENTS_TEST_DEVBROKER_CONTROL=STATE_DIR/devbroker/control.sock
# The broker itself lives in STATE_DIR/<broker>/ (its pid, data and log).
# When the address is exported already (EVENTS_TEST_KAFKA_BROKERS, or
# EVENTS_TEST_DEVBROKER_BROKERS with EVENTS_TEST_DEVBROKER_CONTROL), that
# broker is used and none is started. A broker that cannot start fails
# `start`, with where its log is; CTest then runs none of the tests that
# need it, and reports them as failed.
#
# `stop` stops the broker and removes its folder. A test that fails leaves
# STATE_DIR/<broker>.failed (lib.sh does); then the broker's log is kept
# in STATE_DIR/<broker>/ and its place printed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kafka_sh=$here/../kafka/kafka.sh
prog="fixture"

die() {
        echo "$prog: $*" >&2
        exit 1
}

[ $# -ge 3 ] || die "usage: broker-fixture.sh start|stop kafka|devbroker STATE_DIR [DEVBROKER_PROGRAM]"
action=$1 kind=$2 state=$3
prog="fixture.$kind.$action"
mkdir -p "$state"
state=$(cd "$state" && pwd)
dir=$state/$kind

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# A broker from an earlier run that never reached its stop (ctest was
# interrupted) is stopped first, unless the ctest that started it still
# runs: two ctest runs in one build folder would share one broker.
take_over() {
        local owner
        alive "$dir/pid" || return 0
        owner=$(cat "$dir/owner" 2>/dev/null || echo)
        if [ -n "$owner" ] && [ "$(ps -o comm= -p "$owner" 2>/dev/null)" = ctest ]; then
                die "ctest (pid $owner) still runs the $kind broker of this build folder" \
                        "(pid $(cat "$dir/pid")); wait for it, or use another build folder"
        fi
        echo "$prog: stopping $kind (pid $(cat "$dir/pid")), left behind by a former run"
        stop_broker
}

kafka_start() {
        local addr started=$SECONDS
        if [ -n "${EVENTS_TEST_KAFKA_BROKERS:-}" ]; then
                echo "$prog: EVENTS_TEST_KAFKA_BROKERS is exported: the tests use Kafka at $EVENTS_TEST_KAFKA_BROKERS"
                return 0
        fi
        echo "$prog: starting Apache Kafka $("$kafka_sh" version) (KRaft, one node) in $dir"
        addr=$("$kafka_sh" start "$dir") ||
                die "the real Kafka broker could not start (its log is named above)"
        echo "$PPID" >"$dir/owner"
        echo "EVENTS_TEST_KAFKA_BROKERS=$addr" >"$state/kafka.env.new"
        mv "$state/kafka.env.new" "$state/kafka.env"
        echo "$prog: Kafka answers at $addr after $((SECONDS - started)) s" \
                "(pid $(cat "$dir/pid"), $(($(ps -o rss= -p "$(cat "$dir/pid")") / 1024)) MiB resident)"
}

devbroker_start() {
        local program=$1 addr pid
        if [ -n "${EVENTS_TEST_DEVBROKER_BROKERS:-}" ]; then
                [ -n "${EVENTS_TEST_DEVBROKER_CONTROL:-}" ] ||
                        die "EVENTS_TEST_DEVBROKER_BROKERS is exported without EVENTS_TEST_DEVBROKER_CONTROL" \
                                "(events-devbroker's control socket, -c)"
                echo "$prog: EVENTS_TEST_DEVBROKER_BROKERS is exported: the tests use events-devbroker at $EVENTS_TEST_DEVBROKER_BROKERS"
                return 0
        fi
        [ -x "$program" ] || die "$program is not built"
        rm -rf "$dir"
        mkdir -p "$dir"
        # Every descriptor goes to a file: ctest waits for the test's
        # output to close, and the broker outlives this script.
        "$program" -c "$dir/control.sock" >"$dir/out" 2>"$dir/devbroker.log" </dev/null &
        pid=$!
        echo "$pid" >"$dir/pid"
        echo "$PPID" >"$dir/owner"
        for _ in $(seq 1 100); do
                [ -s "$dir/out" ] && break
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        addr=$(head -n 1 "$dir/out")
        if [ -z "$addr" ]; then
                kill -KILL "$pid" 2>/dev/null || true
                cat "$dir/devbroker.log" >&2
                die "events-devbroker did not print its address; its log: $dir/devbroker.log"
        fi
        printf 'EVENTS_TEST_DEVBROKER_BROKERS=%s\nEVENTS_TEST_DEVBROKER_CONTROL=%s\n' \
                "$addr" "$dir/control.sock" >"$state/devbroker.env.new"
        mv "$state/devbroker.env.new" "$state/devbroker.env"
        echo "$prog: events-devbroker answers at $addr (pid $pid)"
}

# Stops the broker of $dir. Keeps its log when a test failed, or when the
# broker never got as far as an address (its start failed).
stop_broker() {
        local pid keep=0
        [ -d "$dir" ] || { rm -f "$state/$kind.env"; return 0; }
        [ -f "$state/$kind.env" ] || keep=1
        [ ! -f "$state/$kind.failed" ] || keep=1
        rm -f "$state/$kind.env"
        if [ "$kind" = kafka ]; then
                if [ "$keep" -eq 1 ]; then
                        "$kafka_sh" stop --keep-log "$dir"
                else
                        "$kafka_sh" stop "$dir"
                fi
                return
        fi
        if alive "$dir/pid"; then
                pid=$(cat "$dir/pid")
                kill -TERM "$pid" 2>/dev/null || true
                for _ in $(seq 1 100); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.1
                done
                if kill -0 "$pid" 2>/dev/null; then
                        kill -KILL "$pid" 2>/dev/null || true
                        keep=1
                        echo "$prog: events-devbroker (pid $pid) ignored SIGTERM for 10 s and was killed" >&2
                fi
        fi
        if [ "$keep" -eq 1 ]; then
                find "$dir" -mindepth 1 -maxdepth 1 ! -name devbroker.log -exec rm -rf {} +
                echo "$prog: events-devbroker's log is kept: $dir/devbroker.log" >&2
        else
                rm -rf "$dir"
        fi
}

case "$action:$kind" in
start:kafka | start:devbroker)
        take_over
        rm -f "$state/$kind.env" "$state/$kind.failed"
        if [ "$kind" = kafka ]; then
                kafka_start
        else
                [ $# -eq 4 ] || die "usage: broker-fixture.sh start devbroker STATE_DIR DEVBROKER_PROGRAM"
                devbroker_start "$4"
        fi
        ;;
stop:kafka | stop:devbroker)
        stop_broker
        rm -f "$state/$kind.failed"
        ;;
*)
        die "usage: broker-fixture.sh start|stop kafka|devbroker STATE_DIR [DEVBROKER_PROGRAM]"
        ;;
esac
