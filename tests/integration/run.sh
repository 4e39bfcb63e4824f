#!/usr/bin/env bash
# Runs the integration tests against both brokers, as scripts/test.sh does:
# `ctest -L integration` in BUILD_DIR, two tests at a time. The brokers
# come from CTest fixtures (tests/integration/broker-fixture.sh):
# fixture.kafka.start starts a real Apache Kafka from the cached jars,
# fixture.devbroker.start starts events-devbroker, each on free ports of
# 127.0.0.1, and their stop fixtures end them after the last test, whatever
# happened. Plain `ctest -L integration` does the same; this script adds
# what a CI log needs: the brokers' start lines, where a kept broker log
# is when tests fail, and a check that no broker is left running.
#
# Usage: tests/integration/run.sh [BUILD_DIR [CTEST_ARGS...]]
#        (BUILD_DIR defaults to build/; it must be built already)
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shift || true
prog=run.sh
state=$build/test-brokers

die() {
        echo "$prog: $*" >&2
        exit 1
}

[ -x "$build/devbroker/events-devbroker" ] ||
        die "$build/devbroker/events-devbroker is not built (cmake --build $build)"
[ -x "$build/tests/tools/events-test-create-topic" ] ||
        die "$build/tests/tools/events-test-create-topic is not built"

status=0
# Two at a time: the machine running this may be small, and the Java broker
# takes its share.
ctest --test-dir "$build" -L integration --no-tests=error --output-on-failure \
        -j 2 "$@" || status=$?

# What the fixtures said when they started the brokers.
sed -n 's/^\(fixture\.[a-z]*\.start: .* answers at .*\)$/\1/p' \
        "$build/Testing/Temporary/LastTest.log" 2>/dev/null | sed "s/^/$prog: /" || true

if [ "$status" -ne 0 ]; then
        for log in "$state/kafka/server.log" "$state/devbroker/devbroker.log"; do
                [ ! -f "$log" ] || echo "$prog: tests failed; a broker's log is kept: $log" >&2
        done
fi
for kind in kafka devbroker; do
        pidfile=$state/$kind/pid
        if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
                echo "$prog: the $kind broker (pid $(cat "$pidfile")) is still running; stopping it" >&2
                bash "$src/tests/integration/broker-fixture.sh" stop "$kind" "$state" || true
                status=1
        fi
done
exit "$status"
