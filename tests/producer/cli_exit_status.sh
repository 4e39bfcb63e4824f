#!/usr/bin/env bash
# events-producer's exit statuses and messages for everything that fails
# before a broker is needed: usage, a topic librdkafka refuses, properties,
# schemas, input files. -b names a closed port: nothing here may depend on
# a broker answering.
# Usage: cli_exit_status.sh PATH/TO/events-producer
set -euo pipefail
bin=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
fail() {
        echo "FAIL: $*" >&2
        fails=1
}
expect() {
        local want=$1
        shift
        local rc=0
        "$bin" "$@" >"$t/out" 2>"$t/err" <"$t/in" || rc=$?
        if [ "$rc" -ne "$want" ]; then
                fail "events-producer ${*:1:6} exited $rc, expected $want; stderr: $(tail -c 2000 "$t/err")"
        fi
}
good='{"event_type":"user.login","data":{"user_id":1,"ip":"203.0.113.7","user_agent":"t","method":"password"}}'
printf '%s\n' "$good" >"$t/in"
printf 'no.such.property=1\n' >"$t/bad.properties"
common=(-b 127.0.0.1:1 --no-validate)

# A topic librdkafka refuses (a name over 512 bytes): a usage error, told
# once, with librdkafka's reason, and the configuration freed once (this
# aborted with a double free under AddressSanitizer).
long=$(printf 't%.0s' $(seq 600))
expect 64 "${common[@]}" -t "$long"
grep -q '^events-producer: topic "t*\.\.\." refused (600 bytes): Local: Invalid argument or configuration$' "$t/err" ||
        fail "refused topic: stderr is '$(cat "$t/err")'"
[ "$(grep -c '^events-producer: ' "$t/err")" -eq 1 ] ||
        fail "refused topic: stderr is '$(cat "$t/err")'"

expect 0 --help
grep -q -- "--reject-file" "$t/out" || fail "--help does not document --reject-file"
expect 0 --version
grep -q "^events-producer " "$t/out" || fail "--version prints '$(cat "$t/out")'"
expect 64 -b 127.0.0.1:1
grep -q "no topic" "$t/err" || fail "no topic: stderr is '$(cat "$t/err")'"
expect 64 "${common[@]}" -t t --no-such-option
expect 64 "${common[@]}" -t t --rate -3
expect 64 "${common[@]}" -t t --type 'has space'
expect 64 "${common[@]}" -t t --workers 65
expect 66 "${common[@]}" -t t "$t/absent"
grep -q "absent" "$t/err" || fail "the missing file is not named: '$(cat "$t/err")'"
expect 78 "${common[@]}" -t t -X no.such.property=1
# Kafka's tools spell -b --bootstrap-server: accepted (status 78 is the
# bad property after it, not a usage error).
expect 78 --bootstrap-server 127.0.0.1:1 --no-validate -t t -X no.such.property=1
expect 78 "${common[@]}" -t t -z rot13
expect 78 "${common[@]}" -t t -F "$t/bad.properties"
expect 66 "${common[@]}" -t t -F "$t/missing.properties"
expect 78 -b 127.0.0.1:1 -t t --schemas "$t/no-schemas"
grep -q -- "give --schemas DIR" "$t/err" || fail "no advice without schemas: '$(cat "$t/err")'"
EVENTS_SCHEMAS_DIR="$t/no-schemas" expect 78 --dry-run
grep -q -- "give --schemas DIR" "$t/err" || fail "no advice without schemas: '$(cat "$t/err")'"
# --schemas adds up: a second folder adds a type the first lacks.
mkdir -p "$t/more"
printf '{"type":"object","required":["n"]}\n' >"$t/more/thing.made.json"
printf '{"event_type":"thing.made","data":{"n":1}}\n' >"$t/thing"
expect 65 --dry-run --schemas "$EVENTS_SOURCE_DIR/schemas" "$t/thing"
grep -q -- "--allow-unknown-types" "$t/err" || fail "no hint for a type without a schema: '$(cat "$t/err")'"
expect 0 --dry-run --schemas "$EVENTS_SOURCE_DIR/schemas" --schemas "$t/more" "$t/thing" "$t/in"
# -k naming a path that is in no event: a warning naming it, and a count.
expect 0 --dry-run --no-validate -k user-42 "$t/in" "$t/in"
grep -q 'warning: a line has no "user-42" (-k)' "$t/err" || fail "no -k warning: '$(cat "$t/err")'"
grep -q '2 valid without a key: no "user-42"' "$t/err" || fail "no count of keyless lines: '$(cat "$t/err")'"
expect 0 --dry-run --no-validate "$t/in"
grep -q 'without a key' "$t/err" && fail "a keyed line was counted without a key: '$(cat "$t/err")'"
# A dry run needs no broker at all: the envelope goes to stdout.
expect 0 --dry-run --no-validate
grep -q '"event_type":"user.login"' "$t/out" || fail "dry run printed '$(cat "$t/out")'"
exit $fails
