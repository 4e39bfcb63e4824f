# The Python service of issue 13 against the toolkit, for one client
# library (tests/python/*_service.py). Source it after lib.sh and
# consumer_common.sh, then call both checks with the program's name:
#
#   service_into_consumer PROGRAM   the service publishes 1,000 events of
#       mixed types (json.dumps, utcnow().isoformat() timestamps without a
#       zone, no key); events-consumer, with the shipped schemas and
#       validation on, routes every one to a file handler and dead-letters
#       none.
#   producer_into_service PROGRAM   events-producer, on its defaults (codec
#       included), sends events of mixed types; the service's consumer loop
#       reads every one, and each timestamp parses with
#       datetime.fromisoformat().
#
# The programs run on Debian's /usr/bin/python3 with python3-kafka and
# python3-confluent-kafka as installed (scripts/deps.sh test): nothing
# optional, no lz4.

PY=/usr/bin/python3
PRODUCER_BIN=$BUILD/producer/events-producer
[ -x "$PY" ] || fail "$PY is missing (scripts/deps.sh test)"
[ -x "$PRODUCER_BIN" ] || fail "$PRODUCER_BIN is not built"

service_into_consumer() {
        local prog=$SRC/tests/python/$1 n=1000 topic group
        topic=$(unique py-in)
        group=$(unique py-in-g)
        create_topic "$topic" 3
        create_topic "$topic.dlq" 1

        timeout 120 "$PY" "$prog" produce "$BROKERS" "$topic" "$n" >"$T/sent" 2>"$T/py-produce.err" ||
                fail "$1 produce failed: $(tail -n 20 "$T/py-produce.err")"
        [ "$(wc -l <"$T/sent")" -eq "$n" ] || fail "$1 sent $(wc -l <"$T/sent") events, not $n"

        # Validation on, for every route, against the shipped schemas.
        cat >"$T/routes.json" <<JSON
{"defaults": {"validate": true, "retries": 0},
 "routes": [{"pattern": "user.*", "handlers": [{"type": "file", "path": "$T/handled.ndjson"}]}]}
JSON
        start_consumer in -g "$group" -t "$topic" -r "$T/routes.json" \
                --schemas "$SRC/schemas" --from-beginning
        local pid=$CONSUMER_PID
        wait_until 120 at_least "$n" "$T/handled.ndjson" ||
                fail "events-consumer handled $(line_count "$T/handled.ndjson") of $n events; log: $(tail -n 5 "$T/in.log")"
        # A clean stop (status 0) has flushed anything sent to the DLQ.
        stop_consumer "$pid"

        [ "$(line_count "$T/handled.ndjson")" -eq "$n" ] ||
                fail "events-consumer handled $(line_count "$T/handled.ndjson") events, expected $n"
        timeout 60 kcat -C -b "$BROKERS" -t "$topic.dlq" -o beginning -e -q >"$T/dlq" 2>"$T/dlq.err" ||
                fail "cannot read $topic.dlq: $(cat "$T/dlq.err")"
        [ ! -s "$T/dlq" ] || fail "$(wc -l <"$T/dlq") events dead-lettered, expected none: $(head -c 600 "$T/dlq")"
        ! grep -q 'dead-lettered' "$T/in.log" ||
                fail "events-consumer logged dead letters: $(grep -m 3 'dead-lettered' "$T/in.log")"
        # Every event came through once, type and user, and each timestamp
        # was read as UTC (the consumer's file handler writes the
        # normalized envelope).
        "$PY" - "$T/handled.ndjson" >"$T/handled" <<'PYCHECK' || fail "the handled events are malformed"
import json, re, sys
for line in open(sys.argv[1]):
    ev = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", ev["timestamp"]), ev
    assert ev["data"]["team"].startswith("team-"), ev  # unknown fields kept
    print(ev["event_type"], ev["data"]["user_id"])
PYCHECK
        LC_ALL=C sort "$T/sent" >"$T/sent.sorted"
        LC_ALL=C sort "$T/handled" | cmp -s - "$T/sent.sorted" ||
                fail "the handled events differ from the sent ones: $(LC_ALL=C sort "$T/handled" | diff "$T/sent.sorted" - | head)"
        [ "$(cut -d' ' -f1 "$T/sent" | sort -u | wc -l)" -eq 7 ] ||
                fail "the service did not send all seven user.* types"
        echo "ok: $1 published $n events of 7 types; events-consumer validated and routed all $n, dead-lettered none"
}

producer_into_service() {
        local prog=$SRC/tests/python/$1 n=700 topic
        topic=$(unique py-out)
        create_topic "$topic" 3

        # The events: the user's record under every type; a third carry an
        # RFC 3339 timestamp, a third Python's zone-less one, a third none
        # (events-producer stamps those).
        "$PY" - "$n" >"$T/events.ndjson" <<'PYGEN'
import json, sys
types = ["user.created", "user.updated", "user.login", "user.logout",
         "user.email_verified", "user.password_changed", "user.deleted"]
for i in range(int(sys.argv[1])):
    ev = {"event_type": types[i % 7],
          "data": {"user_id": 1 + i % 89, "email": "u%d@example.com" % i, "name": "U %d" % i}}
    if i % 3 == 0:
        ev["timestamp"] = "2026-11-27T19:05:00.5+01:00"
    elif i % 3 == 1:
        ev["timestamp"] = "2026-11-27T18:05:%02d.%06d" % (i % 60, i)
    print(json.dumps(ev))
PYGEN
        # On its defaults: only the broker and the topic; the shipped
        # schemas are the default ones (EVENTS_SCHEMAS_DIR stands for the
        # installed folder).
        EVENTS_SCHEMAS_DIR=$SRC/schemas timeout 120 "$PRODUCER_BIN" -b "$BROKERS" -t "$topic" \
                "$T/events.ndjson" 2>"$T/producer.err" ||
                fail "events-producer failed: $(tail -n 5 "$T/producer.err")"
        grep -q "$n read, $n delivered, 0 rejected, 0 failed" "$T/producer.err" ||
                fail "events-producer did not deliver all $n: $(cat "$T/producer.err")"

        timeout 120 "$PY" "$prog" consume "$BROKERS" "$topic" "$n" >"$T/read" 2>"$T/py-consume.err" ||
                fail "$1's consumer loop failed: $(tail -n 20 "$T/py-consume.err")"
        "$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    ev = json.loads(line)
    print(ev["event_type"], ev["data"]["user_id"])
' "$T/events.ndjson" | LC_ALL=C sort >"$T/want"
        LC_ALL=C sort "$T/read" | cmp -s - "$T/want" ||
                fail "$1 read other events than events-producer sent: $(LC_ALL=C sort "$T/read" | diff "$T/want" - | head)"
        echo "ok: $1's consumer loop read all $n events from events-producer's defaults; every timestamp parsed with datetime.fromisoformat()"
}
