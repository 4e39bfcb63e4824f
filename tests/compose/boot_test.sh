#!/usr/bin/env bash
# Boots a profile of docker-compose.yml from Kafka's jars (boot.py: the
# configuration `docker-compose config` resolves, with only its addresses
# moved to 127.0.0.1) and checks the cluster it gives:
#   default  one node: the demo (scripts/demo.sh --brokers) runs its samples
#            through it, and the toolkit's consumer and producer services
#            run as the compose file says (toolkit.py);
#   three    three nodes: every node sees three brokers; with one node
#            killed (boot.py kill), a topic with three replicas and
#            min.insync.replicas 2 still takes acks=all writes; the node
#            comes back (boot.py restart-node) and rejoins.
# Prints how long the boot took.
# Usage: boot_test.sh default|three BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
profile=${1:?usage: boot_test.sh default|three BUILD_DIR}
build=$(cd "${2:?usage: boot_test.sh default|three BUILD_DIR}" && pwd)
state=$(mktemp -d "${TMPDIR:-/tmp}/compose-boot-$profile.XXXXXX")
booted=0
cleanup() {
        if [ "$booted" = 1 ]; then
                python3 "$here/boot.py" stop "$state/c" || true
        fi
        rm -rf "$state"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*" >&2
        exit 1
}

t0=$EPOCHREALTIME
brokers=$(python3 "$here/boot.py" --profile "$profile" start "$state/c")
booted=1
t1=$EPOCHREALTIME
printf 'boot_test: profile %s booted in %.1f s: %s\n' "$profile" "$(python3 -c "print($t1 - $t0)")" "$brokers"

case "$profile" in
default)
        [ "$(echo "$brokers" | tr ',' '\n' | wc -l)" -eq 1 ] || fail "one node expected, got $brokers"
        EVENTS_DEMO_TOPIC=compose-demo-$$ "$root/scripts/demo.sh" --brokers "$brokers" ||
                fail "the demo failed against the booted default service"
        python3 "$here/toolkit.py" "$state/c" "$build" ||
                fail "the toolkit services failed against the booted default service"
        ;;
three)
        [ "$(echo "$brokers" | tr ',' '\n' | wc -l)" -eq 3 ] || fail "three nodes expected, got $brokers"
        for b in ${brokers//,/ }; do
                n=$(kcat -b "$b" -L -J -m 5 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["brokers"]))')
                [ "$n" -eq 3 ] || fail "$b sees $n brokers, not 3"
        done
        python3 "$here/boot.py" kill "$state/c" kafka-3
        first=${brokers%%,*}
        echo one | timeout 60 kcat -b "$first" -P -t compose-three-$$ -X acks=all \
                -X message.timeout.ms=30000 ||
                fail "acks=all write with kafka-3 killed failed (3 replicas, min.insync.replicas 2)"
        back=$(python3 "$here/boot.py" restart-node "$state/c" kafka-3)
        for i in $(seq 1 120); do
                n=$(kcat -b "$back" -L -J -m 5 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["brokers"]))' 2>/dev/null || echo 0)
                [ "$n" -eq 3 ] && break
                sleep 0.5
        done
        [ "$n" -eq 3 ] || fail "kafka-3 did not rejoin: it sees $n brokers"
        got=$(timeout 60 kcat -b "$back" -C -t compose-three-$$ -o beginning -c 1 -e -q) ||
                fail "reading back through the restarted node failed"
        [ "$got" = one ] || fail "read back '$got', not 'one'"
        echo "boot_test: kill, acks=all write on two nodes, restart-node: ok"
        ;;
*) fail "unknown profile $profile" ;;
esac
echo "ok: profile $profile"
