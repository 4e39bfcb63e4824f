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
#   redrive_prelude PREFIX COUNT [NOW]   the start of a redrive test: topics,
#                    a group and dead letters in the DLQ (below)
#   redrive_assert_each_once FILE COUNT   each of COUNT redriven events is
#                    in FILE exactly once
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

# redrive_prelude PREFIX COUNT [NOW]: the common start of the redrive tests
# against Kafka (kafka_consumer_redrive_*.sh). Sets C and P (events-consumer
# and events-producer), dlq, main and g (names from PREFIX for a dead-letter
# topic, the main topic its messages go back to, both created with 3
# partitions, and the redrive's group) and t0 (an hour ago, in ms). Writes
# COUNT dead letters of events for $main, stamped from $t0 on, to
# $T/dlq.jsonl and replays the first NOW of them (default: all) to $dlq;
# the rest are left in $T/dlq-later.jsonl.
redrive_prelude() {
        [ $# -ge 2 ] || fail "usage: redrive_prelude PREFIX COUNT [NOW]"
        local prefix=$1 count=$2 now=${3:-$2}
        command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
        C="$BUILD/consumer/events-consumer"
        P="$BUILD/producer/events-producer"
        dlq=$(unique "$prefix-dlq")
        main=$(unique "$prefix-main")
        g=$(unique "$prefix-group")
        create_topic "$dlq" 3
        create_topic "$main" 3
        # Events of an hour ago: the redrive restores their timestamps, and
        # Kafka deletes messages older than retention.ms (7 days) at its
        # next retention check, which would look like a loss.
        t0=$((($(date +%s) - 3600) * 1000))
        python3 "$SRC/tests/integration/dlq_gen.py" "$count" "$main" --t0 "$t0" \
                >"$T/dlq.jsonl" || fail "dlq_gen.py failed"
        head -n "$now" "$T/dlq.jsonl" >"$T/dlq-now.jsonl"
        tail -n "+$((now + 1))" "$T/dlq.jsonl" >"$T/dlq-later.jsonl"
        timeout 60 "$P" -b "$BROKERS" --replay "$T/dlq-now.jsonl" -t "$dlq" ||
                fail "--replay to $dlq failed"
}

# redrive_assert_each_once FILE COUNT: FILE holds the values a redrive sent
# (dlq_gen.py's events, one a line); each of the events 0 to COUNT-1 is
# there exactly once, or the test fails naming the first missing and
# doubled ones.
redrive_assert_each_once() {
        [ $# -eq 2 ] || fail "usage: redrive_assert_each_once FILE COUNT"
        python3 - "$1" "$2" <<'PY' || fail "the main topic does not hold each message exactly once"
import collections, json, sys
seen = collections.Counter(json.loads(l)["data"]["i"] for l in open(sys.argv[1]))
n = int(sys.argv[2])
missing = [i for i in range(n) if i not in seen]
doubled = [i for i, c in seen.items() if c > 1]
assert not missing and not doubled, \
    f"{len(missing)} missing {missing[:10]}, {len(doubled)} doubled {doubled[:10]}"
PY
}
