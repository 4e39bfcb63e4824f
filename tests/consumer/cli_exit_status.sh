#!/usr/bin/env bash
# events-consumer's exit statuses for everything that fails before it
# talks to a broker: usage, routes file, property files, properties.
# Usage: cli_exit_status.sh PATH/TO/events-consumer
set -euo pipefail
bin=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
expect() {
        local want=$1
        shift
        local rc=0
        "$bin" "$@" >"$t/out" 2>"$t/err" </dev/null || rc=$?
        if [ "$rc" -ne "$want" ]; then
                echo "FAIL: events-consumer $* exited $rc, expected $want; stderr: $(tail -2 "$t/err")" >&2
                fails=1
        fi
}
printf '{"routes":[{"pattern":"*","handlers":[{"type":"log"}]}]}\n' >"$t/good.json"
printf '{"routes":[{"pattern":"*","handlers":[{"type":"smtp"}]}]}\n' >"$t/bad.json"
printf '{"routes":[{"pattern":"*","handlers":[{"type":"file","path":"%s/no/dir/x"}]}]}\n' "$t" >"$t/unopenable.json"
printf 'no.such.property=1\n' >"$t/bad.properties"
common=(-b 127.0.0.1:1 -g g -t t)

expect 0 --help
expect 0 --version
grep -q "^events-consumer " "$t/out" || { echo "FAIL: --version prints '$(cat "$t/out")'" >&2; fails=1; }
expect 64
expect 64 "${common[@]}"
expect 64 "${common[@]}" -r "$t/good.json" --http nope
expect 66 "${common[@]}" -r "$t/missing.json"
expect 65 "${common[@]}" -r "$t/bad.json"
grep -q '/routes/0/handlers/0/type: unknown handler type' "$t/err" ||
        { echo "FAIL: the routes error has no JSON pointer: $(cat "$t/err")" >&2; fails=1; }
expect 65 "${common[@]}" -r "$t/unopenable.json"
expect 78 "${common[@]}" -r "$t/good.json" --no-validate -X no.such.property=1
expect 78 "${common[@]}" -r "$t/good.json" --no-validate -F "$t/bad.properties"
expect 66 "${common[@]}" -r "$t/good.json" --no-validate -F "$t/missing.properties"
expect 78 "${common[@]}" -r "$t/good.json" --schemas "$t/no-schemas"
# No schemas found by the default rule either: an error, never a run
# without validation (as the producer).
EVENTS_SCHEMAS_DIR="$t/no-schemas" expect 78 "${common[@]}" -r "$t/good.json"
# No broker anywhere (no -b, no bootstrap.servers in -F/-X, empty
# EVENTS_BROKERS) is a usage error, found once the configuration is built.
EVENTS_BROKERS= expect 64 -g g -t t -r "$t/good.json" --no-validate -X linger.ms=1
grep -q 'no brokers' "$t/err" || { echo "FAIL: no 'no brokers' message: $(cat "$t/err")" >&2; fails=1; }
printf 'bootstrap.servers=127.0.0.1:1\nno.such.property=1\n' >"$t/brokers-bad.properties"
EVENTS_BROKERS= expect 78 -g g -t t -r "$t/good.json" --no-validate -F "$t/brokers-bad.properties"
grep -q "brokers-bad.properties:2: no.such.property" "$t/err" ||
        { echo "FAIL: the bad property is not named FILE:LINE: $(cat "$t/err")" >&2; fails=1; }
exit $fails
