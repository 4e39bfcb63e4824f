# Helpers for the events-consumer integration tests (test_consumer_*.sh).
# Source it after lib.sh:
#   source "$(dirname "$0")/lib.sh"
#   source "$(dirname "$0")/consumer_common.sh"
#
#   produce TOPIC            stdin: "KEY<TAB>JSON" lines; each message gets
#                            an event_type header (from the JSON), as
#                            events-producer sends them
#   start_consumer NAME ARGS start events-consumer in the background, logs
#                            in $T/NAME.log; sets CONSUMER_PID
#   wait_until SECS CMD...   retry CMD every 0.2 s until it succeeds
#   free_port                print a free TCP port on 127.0.0.1
#   ids FILE                 the sorted "id" fields of an NDJSON file
#   make_events PREFIX N     N events {"event_type":...,"data":{"user_id":i,
#                            "id":"PREFIX-i"}}, keyed by user_id

CONSUMER_BIN=$BUILD/consumer/events-consumer
PLUGIN=$BUILD/examples/plugin/libevents_example_plugin.so
[ -x "$CONSUMER_BIN" ] || fail "$CONSUMER_BIN is not built"
[ -f "$PLUGIN" ] || fail "$PLUGIN is not built"
command -v kcat >/dev/null || fail "kcat is not installed"

produce() {
        local topic=$1
        # One kcat per run of lines of the same type, so that order is kept
        # and each message carries its own type's header.
        python3 -c '
import json, sys
runs = []
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    key, _, body = line.partition("\t")
    try:
        t = json.loads(body).get("event_type", "")
    except Exception:
        t = ""
    if not isinstance(t, str):
        t = ""
    if runs and runs[-1][0] == t:
        runs[-1][1].append(line)
    else:
        runs.append((t, [line]))
for i, (t, lines) in enumerate(runs):
    with open("%s/run.%06d" % (sys.argv[1], i), "w") as f:
        f.write(t + "\n")
        f.write("\n".join(lines) + "\n")
' "$T" || fail "produce: cannot split the input"
        local f t
        for f in "$T"/run.*; do
                [ -e "$f" ] || continue
                t=$(head -n 1 "$f")
                if [ -n "$t" ]; then
                        tail -n +2 "$f" | kcat -P -b "$BROKERS" -t "$topic" -K $'\t' \
                                -H "event_type=$t" || fail "kcat -P failed"
                else
                        tail -n +2 "$f" | kcat -P -b "$BROKERS" -t "$topic" -K $'\t' ||
                                fail "kcat -P failed"
                fi
                rm -f "$f"
        done
}

make_events() {
        local prefix=$1 n=$2 type=${3:-user.created}
        python3 -c '
import json, sys
p, n, t = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    ev = {"event_type": t, "data": {"user_id": i % 50, "id": "%s-%d" % (p, i)}}
    print("%d\t%s" % (i % 50, json.dumps(ev, separators=(",", ":"))))
' "$prefix" "$n" "$type"
}

start_consumer() {
        local name=$1
        shift
        # Short sessions: a member killed with -9 is noticed quickly.
        "$CONSUMER_BIN" -b "$BROKERS" -X session.timeout.ms=6000 \
                -X heartbeat.interval.ms=500 "$@" >>"$T/$name.out" 2>>"$T/$name.log" &
        CONSUMER_PID=$!
}

wait_until() {
        local secs=$1
        shift
        local end=$((SECONDS + secs))
        while ! "$@" >/dev/null 2>&1; do
                [ $SECONDS -lt $end ] || return 1
                sleep 0.2
        done
}

free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ids() {
        [ -f "$1" ] || return 0
        python3 -c '
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        print(json.loads(line)["data"]["id"])
' "$1" | LC_ALL=C sort
}

# line_count FILE: lines in FILE, 0 when it does not exist.
line_count() {
        if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# at_least N FILE: FILE has at least N lines.
at_least() {
        [ "$(line_count "$2")" -ge "$1" ]
}

# stop_consumer PID: SIGTERM, and wait for a clean exit (status 0).
stop_consumer() {
        local pid=$1 rc=0
        kill -TERM "$pid" 2>/dev/null || fail "consumer $pid is not running"
        wait "$pid" || rc=$?
        [ "$rc" -eq 0 ] || fail "consumer $pid exited with status $rc after SIGTERM"
}
