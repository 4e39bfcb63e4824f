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
# Usage: scripts/demo.sh [--brokers HOST:PORT[,...]]
#   --brokers  the Kafka to run against (overrides $EVENTS_BROKERS): e.g.
#              localhost:9092 after `docker compose up -d`
#
# Environment: EVENTS_BROKERS (bootstrap servers of a broker to use),
# EVENTS_DEMO_TOPIC (default: a new topic events-demo-<time>).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

usage() {
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
        exit "$1"
}
while [ $# -gt 0 ]; do
        case "$1" in
        --brokers)
                [ $# -ge 2 ] && [ -n "$2" ] || { echo "demo: --brokers needs HOST:PORT" >&2; exit 64; }
                export EVENTS_BROKERS=$2
                shift 2
                ;;
        --brokers=*)
                [ -n "${1#--brokers=}" ] || { echo "demo: --brokers needs HOST:PORT" >&2; exit 64; }
                export EVENTS_BROKERS=${1#--brokers=}
                shift
                ;;
        -h | --help) usage 0 ;;
        *)
                echo "demo: unknown argument '$1'" >&2
                usage 64
                ;;
        esac
done

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
consumer_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/events-demo.XXXXXX")

stop_started() {
        if [ -n "$consumer_pid" ]; then
                kill -TERM "$consumer_pid" 2>/dev/null || true
                wait "$consumer_pid" 2>/dev/null || true
        fi
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
                say "broker: $BROKERS (given: --brokers or \$EVENTS_BROKERS)"
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
# data.user_id, becomes the message key); events-consumer routes them by
# samples/routes.json to handlers whose effects are shown: log lines, NDJSON
# files and the example plugin's output under build/demo/, an exec of
# printenv, and its /health and /metrics.

produce_samples() {
        say "producing samples/events.ndjson ($(wc -l <samples/events.ndjson) events) to topic $TOPIC with events-producer: validated, stamped, keyed by data.user_id"
        timeout 60 build/producer/events-producer -b "$BROKERS" -t "$TOPIC" \
                --schemas schemas samples/events.ndjson ||
                die "producing to $TOPIC failed"
}

consume_and_show() {
        local n=0 i port rc=0 want
        want=$(wc -l <samples/events.ndjson)
        mkdir -p build/demo
        rm -f build/demo/users.ndjson build/demo/sessions.ndjson \
                build/demo/signups.txt build/demo/verified.txt
        say "events-consumer: routing $TOPIC by samples/routes.json (log, file, exec and plugin handlers)"
        build/consumer/events-consumer -b "$BROKERS" -g "demo-$TOPIC" -t "$TOPIC" \
                -r samples/routes.json --schemas schemas --from-beginning --http 0 \
                >"$work/consumer.out" 2>"$work/consumer.log" </dev/null &
        consumer_pid=$!
        for i in $(seq 1 300); do
                n=$(cat build/demo/users.ndjson build/demo/sessions.ndjson \
                        build/demo/verified.txt 2>/dev/null | wc -l || true)
                [ "$n" -ge "$want" ] && break
                kill -0 "$consumer_pid" 2>/dev/null || break
                sleep 0.1
        done
        port=$(sed -n 's/.*msg="HTTP listening" addr=127.0.0.1:\([0-9]*\).*/\1/p' "$work/consumer.log")
        say "its log (logfmt on stderr; the 'log' handler writes msg=event lines):"
        sed 's/^/  /' "$work/consumer.log"
        say "the exec handler ran /usr/bin/printenv EVENT_TYPE EVENT_KEY for user.deleted:"
        sed 's/^/  /' "$work/consumer.out"
        say "the file handlers appended NDJSON; the example plugin appended 'TYPE EMAIL' lines:"
        for f in build/demo/users.ndjson build/demo/sessions.ndjson build/demo/signups.txt build/demo/verified.txt; do
                echo "  $f:"
                sed 's/^/    /' "$f" 2>/dev/null || true
        done
        if [ -n "$port" ]; then
                say "GET http://127.0.0.1:$port/health"
                curl -s "http://127.0.0.1:$port/health" | sed 's/^/  /' || true
                say "GET http://127.0.0.1:$port/metrics (the counters)"
                curl -s "http://127.0.0.1:$port/metrics" | grep -E '^events_(consumed|handled|dead_lettered)_total' | sed 's/^/  /' || true
        fi
        kill -TERM "$consumer_pid" 2>/dev/null || true
        wait "$consumer_pid" || rc=$?
        consumer_pid=""
        say "$n of $want events handled; events-consumer stopped on SIGTERM with status $rc (offsets committed, group left)"
        [ "$n" -ge "$want" ] || die "events were not all handled; see the log above"
        [ "$rc" -eq 0 ] || die "events-consumer exited with status $rc"
}

TOPIC=${EVENTS_DEMO_TOPIC:-events-demo-$(date +%s)}
find_broker
produce_samples
consume_and_show
