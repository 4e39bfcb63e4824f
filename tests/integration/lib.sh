# Shared setup for the integration tests; every test starts with
#   source "$(dirname "$0")/lib.sh"
#
# It gives the test:
#   $BROKERS         bootstrap address of the broker under test
#   $EVENTS_TEST_BROKER_KIND   kafka (the real Apache Kafka) or devbroker
#   $BUILD, $SRC     the build and the source folders
#   $T               a temporary folder, removed when the test exits
#   create_topic NAME PARTITIONS   create a topic, wait until it has leaders
#   unique PREFIX    print a topic or group name no other test run uses
#   fail MSG...      print MSG on stderr and exit 1
#
# The brokers come from tests/integration/run.sh (the test command starts
# them), through EVENTS_TEST_KAFKA_BROKERS, EVENTS_TEST_DEVBROKER_BROKERS and
# EVENTS_TEST_DEVBROKER_CONTROL. When they are missing the test fails: an
# integration test never skips itself into a pass.
#
# Background processes the test starts (cmd &) are killed when it exits,
# with their process groups when they were started through `setsid`.

set -euo pipefail

fail() {
        echo "FAIL: $(basename "$0") [${EVENTS_TEST_BROKER_KIND:-?}]: $*" >&2
        exit 1
}

SRC=${EVENTS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${EVENTS_BUILD_DIR:-$SRC/build}
[ -d "$BUILD" ] || fail "build folder $BUILD does not exist (EVENTS_BUILD_DIR)"

case "${EVENTS_TEST_BROKER_KIND:-}" in
kafka)
        BROKERS=${EVENTS_TEST_KAFKA_BROKERS:-}
        [ -n "$BROKERS" ] || fail "EVENTS_TEST_KAFKA_BROKERS is not set: run" \
                "the integration tests through tests/integration/run.sh" \
                "(scripts/test.sh does), which starts a real Kafka"
        ;;
devbroker)
        BROKERS=${EVENTS_TEST_DEVBROKER_BROKERS:-}
        [ -n "$BROKERS" ] || fail "EVENTS_TEST_DEVBROKER_BROKERS is not set:" \
                "run the integration tests through tests/integration/run.sh" \
                "(scripts/test.sh does), which starts events-devbroker"
        ;;
*)
        fail "EVENTS_TEST_BROKER_KIND must be kafka or devbroker, not" \
                "'${EVENTS_TEST_BROKER_KIND:-}'"
        ;;
esac
export BROKERS BUILD SRC EVENTS_TEST_BROKER_KIND

T=$(mktemp -d "${TMPDIR:-/tmp}/events-test.XXXXXX")
export T

_events_test_cleanup() {
        local status=$? pid
        trap - EXIT
        for pid in $(jobs -p); do
                # A process started with setsid leads its own group: end the
                # whole group; otherwise the process alone.
                kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        done
        wait 2>/dev/null || true
        rm -rf "$T"
        exit "$status"
}
trap _events_test_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# unique PREFIX: a name for a topic or a consumer group that no other test,
# run or earlier run uses, so that tests can run in parallel on one broker.
unique() {
        local prefix=${1:-t}
        printf '%s-%s-%s-%s%s\n' "$prefix" "$(date +%s%N)" "$$" "$RANDOM" "$RANDOM"
}

# create_topic NAME PARTITIONS: create the topic on the broker under test and
# wait until every partition has a leader. The real Kafka gets a CreateTopics
# request; events-devbroker (librdkafka's mock cluster lacks CreateTopics)
# gets a command on its control socket.
create_topic() {
        [ $# -eq 2 ] || fail "usage: create_topic NAME PARTITIONS"
        local tool="$BUILD/tests/tools/events-test-create-topic"
        [ -x "$tool" ] || fail "$tool is not built"
        if [ "$EVENTS_TEST_BROKER_KIND" = devbroker ]; then
                [ -n "${EVENTS_TEST_DEVBROKER_CONTROL:-}" ] ||
                        fail "EVENTS_TEST_DEVBROKER_CONTROL (events-devbroker's" \
                                "control socket) is not set; run.sh sets it"
                "$tool" -b "$BROKERS" -c "$EVENTS_TEST_DEVBROKER_CONTROL" "$1" "$2" ||
                        fail "cannot create topic $1 ($2 partitions) on events-devbroker"
        else
                "$tool" -b "$BROKERS" "$1" "$2" ||
                        fail "cannot create topic $1 ($2 partitions) on Kafka at $BROKERS"
        fi
}
