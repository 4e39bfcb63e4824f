#!/usr/bin/env bash
# With 10,000 idle connections held open on events-consumer's HTTP port, at
# least 99% of new /livez probes are answered 200 within 100 ms
# (tests/integration/http_flood.py measures, prints the figures and checks).
# It runs against both brokers, as every consumer test does, though the
# broker plays no part in the HTTP answers.
# ctest-labels: timing -- asserts answer times under a flood of connections
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique flood)
create_topic "$topic" 1
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false, "handlers": [{"type": "log"}]}]}
JSON
port=$(free_port)
start_consumer c -g "$(unique flood-g)" -t "$topic" -r "$T/routes.json" --http "$port"
pid=$CONSUMER_PID
live() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/livez")" = 200 ]; }
wait_until 30 live || fail "/livez never answered 200"
timeout 120 python3 "$SRC/tests/integration/http_flood.py" "$port" 10000 1000 || fail "flood: see above"
kill -0 "$pid" 2>/dev/null || fail "the consumer died under the flood: $(tail -5 "$T/c.log")"
live || fail "/livez after the flood"
stop_consumer "$pid"
echo "ok: http flood"
