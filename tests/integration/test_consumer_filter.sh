#!/usr/bin/env bash
# --type and --partition in routing mode: the daemon handles only the
# events that match; the others run no handler, go to no dead-letter topic
# (a message with no event type does not match --type), are committed (a
# second run of the group without filters handles nothing), and are counted
# in the log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh test)"
C="$BUILD/consumer/events-consumer"
topic=$(unique filter)
create_topic "$topic" 3
create_topic "$topic.dlq" 1
cat >"$T/routes.json" <<JSON
{"defaults": {"validate": false},
 "routes": [{"pattern": "*", "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
{
        for i in $(seq 0 299); do
                printf 'k%d\t{"event_type":"%s.%d","data":{"id":"e-%d"}}\n' $((i % 17)) \
                        "$([ $((i % 3)) -eq 0 ] && echo user || echo order)" $((i % 2)) "$i"
        done
        printf 'k1\tnot json at all\n'
} | produce "$topic"
# Where each event is, as kcat reads it: "partition id type".
timeout 60 kcat -b "$BROKERS" -C -t "$topic" -o beginning -e -q -f '%p %s\n' >"$T/all" ||
        fail "kcat could not read $topic"
[ "$(wc -l <"$T/all")" -eq 301 ] || fail "$topic holds $(wc -l <"$T/all") of 301 messages"
expect() { # expect AWK-CONDITION: the ids of the events that meet it, sorted
        grep '{' "$T/all" | python3 -c '
import json, sys
for line in sys.stdin:
    p, v = line.split(" ", 1)
    e = json.loads(v)
    print(p, e["data"]["id"], e["event_type"])' | awk "$1 {print \$2}" | sort
}

run() { # run GROUP LOG ARGS...: the daemon with -e
        local g=$1 log=$2
        shift 2
        timeout 120 "$C" -b "$BROKERS" -g "$g" -t "$topic" -r "$T/routes.json" --from-beginning \
                -e -X session.timeout.ms=6000 "$@" 2>"$log" ||
                fail "events-consumer $* exited $?: $(tail -3 "$log")"
}

# --type: two patterns, the router's globs.
g=$(unique filter-type)
run "$g" "$T/type.log" --type 'user.*' --type order.1
ids "$T/out.ndjson" | sort >"$T/got"
expect '$3 ~ /^user\./ || $3 == "order.1"' >"$T/want"
[ -s "$T/want" ] || fail "no event matches the filter: the test proves nothing"
cmp -s "$T/want" "$T/got" ||
        fail "--type handled $(wc -l <"$T/got") events, expected $(wc -l <"$T/want"): $(diff "$T/want" "$T/got" | head -3)"
skipped=$((301 - $(wc -l <"$T/want")))
grep -q "skipped by --type/--partition.*count=$skipped" "$T/type.log" ||
        fail "the log does not count $skipped skipped: $(grep skipped "$T/type.log")"
# Skipped, not dead-lettered: the message with no type too (and -e exit 0).
n=$( (timeout 30 kcat -b "$BROKERS" -C -t "$topic.dlq" -o beginning -e -q -f '%o\n' || true) | wc -l)
[ "$n" -eq 0 ] || fail "--type sent $n skipped events to the dead-letter topic"
# Committed: the same group without filters finds nothing left.
: >"$T/out.ndjson"
run "$g" "$T/type2.log"
[ "$(line_count "$T/out.ndjson")" -eq 0 ] ||
        fail "the skipped events were not committed: a second run handled $(line_count "$T/out.ndjson")"

# --partition, under another group.
: >"$T/out.ndjson"
run "$(unique filter-part)" "$T/part.log" --partition 1 --type '*'
ids "$T/out.ndjson" | sort >"$T/got"
expect '$1 == 1' >"$T/want"
[ -s "$T/want" ] || fail "partition 1 is empty: the test proves nothing"
cmp -s "$T/want" "$T/got" ||
        fail "--partition 1 handled $(wc -l <"$T/got") events, expected $(wc -l <"$T/want")"

echo "ok: --type and --partition in routing mode on $EVENTS_TEST_BROKER_KIND"
