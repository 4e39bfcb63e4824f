#!/usr/bin/env bash
# Runs the integration tests against both brokers:
#   1. starts a real Apache Kafka from the cached jars (tests/kafka/kafka.sh)
#      and events-devbroker, each on free ports of 127.0.0.1;
#   2. runs `ctest -L integration` with their addresses in
#      EVENTS_TEST_KAFKA_BROKERS, EVENTS_TEST_DEVBROKER_BROKERS and
#      EVENTS_TEST_DEVBROKER_CONTROL;
#   3. stops both, whatever happened, leaving no process behind.
# A broker that cannot start fails the run and says where its log is. When
# tests fail, the Kafka broker's log is kept and its place printed.
#
# Usage: tests/integration/run.sh [BUILD_DIR [CTEST_ARGS...]]
#        (BUILD_DIR defaults to build/; it must be built already)
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shift || true
prog=run.sh

die() {
        echo "$prog: $*" >&2
        exit 1
}

devbroker=$build/devbroker/events-devbroker
[ -x "$devbroker" ] || die "$devbroker is not built (cmake --build $build)"
[ -x "$build/tests/tools/events-test-create-topic" ] ||
        die "$build/tests/tools/events-test-create-topic is not built"

state=$(mktemp -d "${TMPDIR:-/tmp}/events-integration.XXXXXX")
kafka_dir=$state/kafka
devbroker_pid=""
kafka_started=0
tests_failed=0

cleanup() {
        local status=$?
        trap - EXIT INT TERM
        if [ -n "$devbroker_pid" ]; then
                kill -TERM "$devbroker_pid" 2>/dev/null || true
                wait "$devbroker_pid" 2>/dev/null || true
        fi
        if [ -f "$kafka_dir/pid" ]; then
                if [ "$tests_failed" -eq 1 ] || [ "$kafka_started" -eq 0 ]; then
                        "$src/tests/kafka/kafka.sh" stop --keep-log "$kafka_dir" || status=1
                else
                        "$src/tests/kafka/kafka.sh" stop "$kafka_dir" || status=1
                fi
        fi
        # Keep the folder when it still holds a log worth reading.
        if [ -z "$(find "$state" -name '*.log' -print -quit)" ] || [ "$status" -eq 0 ]; then
                rm -rf "$state"
        else
                echo "$prog: logs kept in $state" >&2
        fi
        exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "$prog: starting Apache Kafka $("$src/tests/kafka/kafka.sh" version) (KRaft, one node)"
started=$SECONDS
kafka=$("$src/tests/kafka/kafka.sh" start "$kafka_dir") ||
        die "the real Kafka broker could not start (see above)"
kafka_started=1
echo "$prog: Kafka answers at $kafka after $((SECONDS - started)) s (pid $(cat "$kafka_dir/pid"), $(($(ps -o rss= -p "$(cat "$kafka_dir/pid")") / 1024)) MiB resident)"

"$devbroker" -c "$state/devbroker.sock" >"$state/devbroker.out" 2>"$state/devbroker.log" </dev/null &
devbroker_pid=$!
for _ in $(seq 1 100); do
        [ -s "$state/devbroker.out" ] && break
        kill -0 "$devbroker_pid" 2>/dev/null || break
        sleep 0.1
done
devbroker_addr=$(head -n 1 "$state/devbroker.out")
if [ -z "$devbroker_addr" ]; then
        cat "$state/devbroker.log" >&2
        die "events-devbroker did not print its address; its log: $state/devbroker.log"
fi
echo "$prog: events-devbroker answers at $devbroker_addr (pid $devbroker_pid)"

export EVENTS_TEST_KAFKA_BROKERS=$kafka
export EVENTS_TEST_DEVBROKER_BROKERS=$devbroker_addr
export EVENTS_TEST_DEVBROKER_CONTROL=$state/devbroker.sock

# Two at a time: the machine running this may be small, and the Java broker
# takes its share.
if ! ctest --test-dir "$build" -L integration --no-tests=error \
        --output-on-failure --timeout 600 -j 2 "$@"; then
        tests_failed=1
        exit 1
fi
