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
expect 78 "${common[@]}" -t t -z rot13
expect 78 "${common[@]}" -t t -F "$t/bad.properties"
expect 66 "${common[@]}" -t t -F "$t/missing.properties"
expect 78 -b 127.0.0.1:1 -t t --schemas "$t/no-schemas"
# A dry run needs no broker at all: the envelope goes to stdout.
expect 0 --dry-run --no-validate
grep -q '"event_type":"user.login"' "$t/out" || fail "dry run printed '$(cat "$t/out")'"
exit $fails
