#!/usr/bin/env bash
# SIGHUP reloads the routes file without losing the position; an invalid
# new file keeps the old routes and says why in the log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique sighup)
create_topic "$topic" 2
routes() {
        cat >"$T/routes.json.new" <<JSON
{"routes": [{"pattern": "user.*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/$1"}]}]}
JSON
        mv "$T/routes.json.new" "$T/routes.json"
}
routes a.ndjson
make_events a 10 user.created | produce "$topic"
start_consumer c1 -g "$(unique sighup-g)" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 10 "$T/a.ndjson" || fail "first routes: $(line_count "$T/a.ndjson") of 10"

routes b.ndjson
kill -HUP "$pid"
wait_until 20 grep -q 'msg="routes reloaded"' "$T/c1.log" || fail "no reload logged: $(tail -3 "$T/c1.log")"
make_events b 10 user.updated | produce "$topic"
wait_until 60 at_least 10 "$T/b.ndjson" || fail "new routes: $(line_count "$T/b.ndjson") of 10"

# A broken file: the old routes (b) stay, and the log says where it broke.
printf '{"routes": [{"pattern": "user.*", "handlers": [{"type": "nope"}]}]}\n' >"$T/routes.json"
kill -HUP "$pid"
wait_until 20 grep -q 'msg="reload failed, the old routes stay"' "$T/c1.log" ||
        fail "no reload failure logged: $(tail -3 "$T/c1.log")"
grep -q '/routes/0/handlers/0/type: unknown handler type' "$T/c1.log" ||
        fail "the reason is not logged: $(grep invalid "$T/c1.log")"
make_events c 10 user.deleted | produce "$topic"
wait_until 60 at_least 20 "$T/b.ndjson" || fail "after a bad reload: $(line_count "$T/b.ndjson") of 20"
kill -0 "$pid" || fail "the consumer died on a bad reload"
stop_consumer "$pid"

# Position kept: every event exactly once across the reloads.
[ "$(line_count "$T/a.ndjson")" -eq 10 ] || fail "a.ndjson has $(line_count "$T/a.ndjson") lines"
want=$(for p in b c; do for i in $(seq 0 9); do echo "$p-$i"; done; done | LC_ALL=C sort | tr '\n' ' ')
[ "$(ids "$T/b.ndjson" | tr '\n' ' ')" = "$want" ] ||
        fail "b.ndjson: $(ids "$T/b.ndjson" | tr '\n' ' ')"
echo "ok: sighup"
