#!/usr/bin/env bash
# Checks events-devbroker as a program: its options and exit statuses, the
# bootstrap address alone on the first line of stdout, pre-created topics,
# topics created through the control socket, a message produced and read
# back with kcat, and a clean exit on SIGTERM and on SIGINT.
# Usage: check_devbroker.sh DEVBROKER CREATE_TOPIC_TOOL [WRAPPER...]
# (WRAPPER is e.g. valgrind with its options; its errors fail the check.)
set -euo pipefail
devbroker=$1 tool=$2
shift 2
wrapper=("$@")
T=$(mktemp -d "${TMPDIR:-/tmp}/devbroker-check.XXXXXX")
pid=""
cleanup() {
        [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ ! -f "$T/err" ] || sed 's/^/  devbroker: /' "$T/err" >&2; exit 1; }

# The output first, then grep: `| grep -q` can close the pipe under a
# program still writing (SIGPIPE) and fail under pipefail.
h=$("$devbroker" --help) || fail "--help exited $?"
grep -q -- '--topic' <<<"$h" || fail "--help does not list --topic"
v=$("$devbroker" --version) || fail "--version exited $?"
grep -q '^events-devbroker ' <<<"$v" || fail "--version"
for bad in "-n 0" "-n x" "-t bad/name" "-t t:0" "extra-arg" "--nope"; do
        status=0
        # shellcheck disable=SC2086
        "$devbroker" $bad >/dev/null 2>&1 || status=$?
        [ "$status" -eq 64 ] || fail "'$bad' exited $status, expected 64 (EX_USAGE)"
done

for sig in TERM INT; do
        rm -f "$T/out" "$T/err"
        mkfifo "$T/out"
        "${wrapper[@]}" "$devbroker" -n 3 -t two:2 -t one -c "$T/sock" \
                >"$T/out" 2>"$T/err" &
        pid=$!
        exec 3<"$T/out"
        IFS= read -r -t 60 bootstrap <&3 || fail "no bootstrap line on stdout"
        [[ "$bootstrap" =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){2}$ ]] ||
                fail "first line is '$bootstrap', expected 3 addresses on 127.0.0.1"

        kcat -b "$bootstrap" -L -J >"$T/md" || fail "kcat -L"
        parts=$(python3 -c 'import json,sys
md = json.load(open(sys.argv[1]))
print(" ".join("%s:%d" % (t["topic"], len(t["partitions"])) for t in sorted(md["topics"], key=lambda t: t["topic"])))' "$T/md")
        [ "$parts" = "one:1 two:2" ] || fail "topics are '$parts', expected 'one:1 two:2'"

        "$tool" -b "$bootstrap" -c "$T/sock" made 5 || fail "control socket topic"
        "$tool" -b "$bootstrap" -c "$T/sock" made 6 2>/dev/null &&
                fail "a second create with another partition count succeeded"
        echo "hello-$sig" | kcat -b "$bootstrap" -P -t made -p 4 || fail "produce"
        got=$(timeout 30 kcat -b "$bootstrap" -C -t made -p 4 -o beginning -e -q) || fail "consume"
        [ "$got" = "hello-$sig" ] || fail "read back '$got'"

        kill -"$sig" "$pid"
        status=0
        wait "$pid" || status=$?
        pid=""
        exec 3<&-
        [ "$status" -eq 0 ] || fail "exit status $status after SIG$sig, expected 0"
        [ ! -e "$T/sock" ] || fail "the control socket was left behind"
done
# A control socket left behind by a killed devbroker is replaced; one that a
# running devbroker answers on is not taken over.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
"$devbroker" -c "$T/stale.sock" >"$T/out2" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do [ -s "$T/out2" ] && break; sleep 0.1; done
[ -s "$T/out2" ] || fail "no start with a stale control socket"
status=0
"$devbroker" -c "$T/stale.sock" >"$T/out3" 2>/dev/null || status=$?
[ "$status" -eq 71 ] || fail "a second devbroker on a live control socket exited $status, expected 71"
[ ! -s "$T/out3" ] || fail "the second devbroker printed an address"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"
pid=""
echo "ok: events-devbroker"
