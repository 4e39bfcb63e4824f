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
# The brokers come from CTest fixtures: fixture.kafka.start and
# fixture.devbroker.start (tests/integration/broker-fixture.sh) start them
# and write their addresses to $EVENTS_TEST_BROKERS_DIR (BUILD/test-brokers)
# kafka.env and devbroker.env. An address exported in the environment
# (EVENTS_TEST_KAFKA_BROKERS, EVENTS_TEST_DEVBROKER_BROKERS and
# EVENTS_TEST_DEVBROKER_CONTROL) wins over the file. When neither is there
# the test fails: an integration test never skips itself into a pass.
# A test that fails leaves <broker>.failed there, so that the fixture keeps
# the broker's log.
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

EVENTS_TEST_BROKERS_DIR=${EVENTS_TEST_BROKERS_DIR:-$BUILD/test-brokers}

# _events_test_state_file FILE VAR...: set each VAR that is unset or empty
# from its VAR=VALUE line in FILE, when FILE exists. Only the named
# variables are read; the file is not run as a script.
_events_test_state_file() {
        local file=$1 line key want
        shift
        [ -f "$file" ] || return 0
        while IFS= read -r line; do
                key=${line%%=*}
                for want in "$@"; do
                        if [ "$key" = "$want" ] && [ -z "${!want:-}" ]; then
                                printf -v "$want" '%s' "${line#*=}"
                                export "${want?}"
                        fi
                done
        done <"$file"
}

case "${EVENTS_TEST_BROKER_KIND:-}" in
kafka)
        _events_test_state_file "$EVENTS_TEST_BROKERS_DIR/kafka.env" EVENTS_TEST_KAFKA_BROKERS
        BROKERS=${EVENTS_TEST_KAFKA_BROKERS:-}
        [ -n "$BROKERS" ] || fail "no Kafka: EVENTS_TEST_KAFKA_BROKERS is unset and" \
                "$EVENTS_TEST_BROKERS_DIR/kafka.env is missing. Run the test" \
                "through ctest (ctest --test-dir $BUILD -R $(basename "$0" .sh)):" \
                "its fixture fixture.kafka.start starts a real Kafka"
        ;;
devbroker)
        _events_test_state_file "$EVENTS_TEST_BROKERS_DIR/devbroker.env" \
                EVENTS_TEST_DEVBROKER_BROKERS EVENTS_TEST_DEVBROKER_CONTROL
        BROKERS=${EVENTS_TEST_DEVBROKER_BROKERS:-}
        [ -n "$BROKERS" ] || fail "no events-devbroker: EVENTS_TEST_DEVBROKER_BROKERS" \
                "is unset and $EVENTS_TEST_BROKERS_DIR/devbroker.env is missing." \
                "Run the test through ctest (ctest --test-dir $BUILD -R" \
                "$(basename "$0" .sh)): its fixture fixture.devbroker.start starts one"
        ;;
*)
        fail "EVENTS_TEST_BROKER_KIND must be kafka or devbroker, not" \
                "'${EVENTS_TEST_BROKER_KIND:-}'"
        ;;
esac
export BROKERS BUILD SRC EVENTS_TEST_BROKER_KIND EVENTS_TEST_BROKERS_DIR

T=$(mktemp -d "${TMPDIR:-/tmp}/events-test.XXXXXX")
export T

_events_test_cleanup() {
        local status=$? pid
        trap - EXIT
        # A failure keeps the broker's log: the fixture's stop looks for
        # this mark (tests/integration/broker-fixture.sh).
        if [ "$status" -ne 0 ] && [ -d "$EVENTS_TEST_BROKERS_DIR/$EVENTS_TEST_BROKER_KIND" ]; then
                touch "$EVENTS_TEST_BROKERS_DIR/$EVENTS_TEST_BROKER_KIND.failed"
                echo "$(basename "$0") [$EVENTS_TEST_BROKER_KIND]: the broker's log will be kept in" \
                        "$EVENTS_TEST_BROKERS_DIR/$EVENTS_TEST_BROKER_KIND/" >&2
        fi
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
                                "control socket) is not set, nor in devbroker.env"
                "$tool" -b "$BROKERS" -c "$EVENTS_TEST_DEVBROKER_CONTROL" "$1" "$2" ||
                        fail "cannot create topic $1 ($2 partitions) on events-devbroker"
        else
                "$tool" -b "$BROKERS" "$1" "$2" ||
                        fail "cannot create topic $1 ($2 partitions) on Kafka at $BROKERS"
        fi
}
