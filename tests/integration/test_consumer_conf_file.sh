#!/usr/bin/env bash
# The one Kafka configuration rule (events/kafka.h), end to end for
# events-consumer: a properties file that holds bootstrap.servers needs no
# -b and no EVENTS_BROKERS; a later -b overrides the file's brokers, and
# the file overrides EVENTS_BROKERS.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique conffile)
create_topic "$topic" 1
cat >"$T/routes.json" <<JSON
{"defaults": {"validate": false, "retries": 0},
 "routes": [{"pattern": "*", "handlers": [{"type": "file", "path": "$T/a.ndjson"}]}]}
JSON
printf '# the client configuration a user already has\nbootstrap.servers=%s\nsession.timeout.ms=6000\n' \
        "$BROKERS" >"$T/client.properties"
printf 'bootstrap.servers=127.0.0.1:1\n' >"$T/nobody.properties"
make_events f 3 user.created | produce "$topic"

# Brokers from -F alone, over an unreachable EVENTS_BROKERS.
env EVENTS_BROKERS=127.0.0.1:1 "$CONSUMER_BIN" -F "$T/client.properties" -g "$(unique conffile-g)" \
        -t "$topic" -r "$T/routes.json" --from-beginning >>"$T/c1.out" 2>>"$T/c1.log" &
pid=$!
wait_until 60 at_least 3 "$T/a.ndjson" || fail "-F brokers: got $(line_count "$T/a.ndjson") of 3 events; log: $(tail -5 "$T/c1.log")"
stop_consumer "$pid"

# A later -b wins over the file's (unreachable) brokers.
sed -i "s|$T/a.ndjson|$T/b.ndjson|" "$T/routes.json"
"$CONSUMER_BIN" -F "$T/nobody.properties" -b "$BROKERS" -g "$(unique conffile-g)" \
        -t "$topic" -r "$T/routes.json" --from-beginning >>"$T/c2.out" 2>>"$T/c2.log" &
pid=$!
wait_until 60 at_least 3 "$T/b.ndjson" || fail "-b over -F: got $(line_count "$T/b.ndjson") of 3 events; log: $(tail -5 "$T/c2.log")"
stop_consumer "$pid"
echo "ok: -F brokers without -b and over EVENTS_BROKERS, and a later -b over -F"
