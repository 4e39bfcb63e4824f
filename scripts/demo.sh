#!/usr/bin/env bash
# The demo, the README's first command: build the toolkit, find a Kafka
# broker, send the sample events (samples/events.ndjson) through it and show
# what came out. Installs the Debian packages it needs first.
#
# The broker is $EVENTS_BROKERS when set (e.g. localhost:9092 from
# `docker compose up -d`); otherwise the demo starts events-devbroker, the
# in-memory broker built here, and stops it at the end. It leaves nothing
# running.
#
# Environment: EVENTS_BROKERS (bootstrap servers of a broker to use),
# EVENTS_DEMO_TOPIC (default: a new topic events-demo-<time>).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

say() { printf '\n== %s\n' "$*"; }
die() {
        echo "demo: $*" >&2
        exit 1
}

# --- Build --------------------------------------------------------------

"$root/scripts/deps.sh" demo
say "building (cmake, into build/)"
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

# --- The broker: found or started, and stopped at exit --------------------

BROKERS=""
devbroker_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/events-demo.XXXXXX")

stop_started() {
        if [ -n "$devbroker_pid" ]; then
                kill -TERM "$devbroker_pid" 2>/dev/null || true
                wait "$devbroker_pid" 2>/dev/null || true
                echo "demo: stopped events-devbroker (pid $devbroker_pid)"
        fi
        rm -rf "$work"
}
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Sets BROKERS: $EVENTS_BROKERS if it answers, else a new events-devbroker.
find_broker() {
        local i
        if [ -n "${EVENTS_BROKERS:-}" ]; then
                timeout 15 kcat -b "$EVENTS_BROKERS" -L -m 5 >/dev/null 2>&1 ||
                        die "no Kafka broker answers at EVENTS_BROKERS=$EVENTS_BROKERS"
                BROKERS=$EVENTS_BROKERS
                say "broker: $BROKERS (from \$EVENTS_BROKERS)"
                return
        fi
        build/devbroker/events-devbroker -t "$TOPIC:3" \
                >"$work/devbroker.out" 2>"$work/devbroker.log" </dev/null &
        devbroker_pid=$!
        for i in $(seq 1 50); do
                [ -s "$work/devbroker.out" ] && break
                kill -0 "$devbroker_pid" 2>/dev/null || break
                sleep 0.1
        done
        BROKERS=$(head -n 1 "$work/devbroker.out")
        [ -n "$BROKERS" ] || { cat "$work/devbroker.log" >&2; die "events-devbroker did not start"; }
        say "broker: events-devbroker at $BROKERS, started for the demo (in memory; set EVENTS_BROKERS to use another)"
}

# --- Produce and consume ----------------------------------------------------
# events-producer publishes the samples (the envelope's partition key,
# data.user_id, becomes the message key); until events-consumer exists, kcat
# reads them back. consume_and_show is what changes when it lands.

produce_samples() {
        say "producing samples/events.ndjson ($(wc -l <samples/events.ndjson) events) to topic $TOPIC with events-producer: validated, stamped, keyed by data.user_id"
        timeout 60 build/producer/events-producer -b "$BROKERS" -t "$TOPIC" \
                --schemas schemas samples/events.ndjson ||
                die "producing to $TOPIC failed"
}

consume_and_show() {
        local n
        say "consuming $TOPIC from the beginning"
        timeout 60 kcat -b "$BROKERS" -C -t "$TOPIC" -o beginning -e -q \
                -f '%p\t%o\t%k\t%s\n' >"$work/read" ||
                die "consuming $TOPIC failed"
        sort -t $'\t' -k1,1n -k2,2n "$work/read" |
                while IFS=$'\t' read -r part off key value; do
                        type=$(sed -E 's/.*"event_type":"([^"]*)".*/\1/' <<<"$value")
                        printf '  partition %s offset %-3s user %-5s %-22s %s\n' \
                                "$part" "$off" "$key" "$type" "$value"
                done
        n=$(wc -l <"$work/read")
        say "$n of $(wc -l <samples/events.ndjson) events came back; each user's events share one partition, in the order sent"
        [ "$n" -eq "$(wc -l <samples/events.ndjson)" ] || die "events were lost"
}

TOPIC=${EVENTS_DEMO_TOPIC:-events-demo-$(date +%s)}
find_broker
produce_samples
consume_and_show
