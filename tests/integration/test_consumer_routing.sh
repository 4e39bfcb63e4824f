#!/usr/bin/env bash
# events-consumer routes each event by type: an exact type beats a glob, the
# glob with more literal characters beats "*"... and the default route
# catches the rest. Several handlers on one type all run, in order; the
# exec, file, log and plugin handlers each do their job.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique routing)
group=$(unique routing-g)
create_topic "$topic" 3

cat >"$T/routes.json" <<JSON
{
  "defaults": {"validate": false, "retries": 0},
  "routes": [
    {"pattern": "user.created", "handlers": [
      {"type": "file", "path": "$T/exact.ndjson"},
      {"type": "plugin", "path": "$PLUGIN", "function": "example_append",
       "config": {"path": "$T/order.txt", "field": "id"}},
      {"type": "exec", "command": ["/bin/sh", "-c",
       "id=\$(sed 's/.*\"id\":\"\\\\([^\"]*\\\\)\".*/\\\\1/'); echo \"exec \$EVENT_TYPE \$id\" >> $T/order.txt"]},
      {"type": "log", "name": "audit"}
    ]},
    {"pattern": "user.*", "handlers": [{"type": "file", "path": "$T/user-glob.ndjson"}]},
    {"pattern": "*", "handlers": [{"type": "file", "path": "$T/star.ndjson"}]},
    {"pattern": "order.*.done", "handlers": [{"type": "file", "path": "$T/order-done.ndjson"}]}
  ]
}
JSON

{
        make_events c 5 user.created
        make_events g 4 user.deleted
        make_events s 3 billing.paid
        make_events o 2 order.ship.done
} | produce "$topic"

start_consumer c1 -g "$group" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 3 "$T/star.ndjson" || fail "the '*' route got $(line_count "$T/star.ndjson") of 3 events; log: $(tail -5 "$T/c1.log")"
wait_until 30 at_least 5 "$T/exact.ndjson" || fail "exact route got $(line_count "$T/exact.ndjson") of 5"
wait_until 30 at_least 4 "$T/user-glob.ndjson" || fail "user.* route got $(line_count "$T/user-glob.ndjson") of 4"
wait_until 30 at_least 2 "$T/order-done.ndjson" || fail "order.*.done route got $(line_count "$T/order-done.ndjson") of 2"
wait_until 30 at_least 10 "$T/order.txt" || fail "plugin+exec wrote $(line_count "$T/order.txt") of 10 lines"
stop_consumer "$pid"

[ "$(ids "$T/exact.ndjson" | tr '\n' ' ')" = "c-0 c-1 c-2 c-3 c-4 " ] ||
        fail "exact route: $(ids "$T/exact.ndjson" | tr '\n' ' ')"
[ "$(ids "$T/user-glob.ndjson" | tr '\n' ' ')" = "g-0 g-1 g-2 g-3 " ] ||
        fail "user.* route: $(ids "$T/user-glob.ndjson" | tr '\n' ' ')"
[ "$(ids "$T/star.ndjson" | tr '\n' ' ')" = "s-0 s-1 s-2 " ] ||
        fail "'*' route: $(ids "$T/star.ndjson" | tr '\n' ' ')"
[ "$(ids "$T/order-done.ndjson" | tr '\n' ' ')" = "o-0 o-1 " ] ||
        fail "order.*.done route: $(ids "$T/order-done.ndjson" | tr '\n' ' ')"

# Several handlers on one type: for every event the plugin's line comes
# right before the exec handler's line (handlers run in order, one event
# at a time).
python3 - "$T/order.txt" <<'PY' || fail "handlers did not run in order: $(cat "$T/order.txt")"
import sys
lines = [l.split() for l in open(sys.argv[1])]
assert len(lines) == 10, lines
for a, b in zip(lines[0::2], lines[1::2]):
    assert a[0] == "user.created" and b == ["exec", "user.created", a[1]], (a, b)
assert sorted(l[1] for l in lines[0::2]) == ["c-%d" % i for i in range(5)]
PY

# The log handler wrote one logfmt line per event.
n=$(grep -c 'msg=event handler=audit type=user.created' "$T/c1.log" || true)
[ "$n" -eq 5 ] || fail "log handler: $n lines, expected 5"

# And a default route catches what no pattern matches.
topic2=$(unique routing-default)
create_topic "$topic2" 1
cat >"$T/routes2.json" <<JSON
{"routes": [
  {"pattern": "user.created", "validate": false, "handlers": [{"type": "file", "path": "$T/d-exact.ndjson"}]},
  {"default": true, "validate": false, "handlers": [{"type": "file", "path": "$T/d-default.ndjson"}]}
]}
JSON
{ make_events x 2 user.created; make_events y 3 something.else; } | produce "$topic2"
start_consumer c2 -g "$(unique routing-g2)" -t "$topic2" -r "$T/routes2.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 at_least 3 "$T/d-default.ndjson" || fail "default route got $(line_count "$T/d-default.ndjson") of 3"
wait_until 30 at_least 2 "$T/d-exact.ndjson" || fail "exact route got $(line_count "$T/d-exact.ndjson") of 2"
stop_consumer "$pid"
[ "$(ids "$T/d-default.ndjson" | tr '\n' ' ')" = "y-0 y-1 y-2 " ] || fail "default route: $(ids "$T/d-default.ndjson")"
echo "ok: routing"
