#!/usr/bin/env bash
# systemd's notification protocol (consumer/notify.c), against a datagram
# socket this test listens on in systemd's place (notify_listener.py):
# READY=1 arrives once, after the consumer has joined its group; with
# WATCHDOG_USEC=1 s, WATCHDOG=1 arrives every half second or so; SIGTERM
# brings STOPPING=1 and a clean exit. A second run with WATCHDOG_PID naming
# another process sends no WATCHDOG=1 (the watchdog is not ours then); a
# third member of that group, on a one-partition topic, gets no partition
# and is still READY: it has joined.
# ctest-labels: timing -- counts keep-alives over about 3 s of wall-clock time
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

topic=$(unique notify)
create_topic "$topic" 2
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$T/out.ndjson"}]}]}
JSON
make_events a 10 user.created | produce "$topic"

# listen NAME: start the listener on $T/NAME.sock, recording to $T/NAME.rec
# and reading the consumer's log $T/NAME.log; sets LISTENER_PID.
listen() {
        python3 "$SRC/tests/integration/notify_listener.py" "$T/$1.sock" \
                "$T/$1.rec" "$T/$1.log" &
        LISTENER_PID=$!
        wait_until 10 test -S "$T/$1.sock" || fail "the listener did not bind $T/$1.sock"
}
count() { grep -c -- "$1" "$2" || true; }

# --- run 1: READY after the join, keep-alives, STOPPING on SIGTERM ---------
listen c1
NOTIFY_SOCKET=$T/c1.sock WATCHDOG_USEC=1000000 \
        start_consumer c1 -g "$(unique notify-g)" -t "$topic" -r "$T/routes.json" --from-beginning
pid=$CONSUMER_PID
wait_until 60 grep -q ' READY=1' "$T/c1.rec" || fail "no READY=1; log: $(tail -5 "$T/c1.log")"
grep ' READY=1' "$T/c1.rec" | grep -q '^[0-9.]* 1 ' ||
        fail "READY=1 came before the consumer was assigned: $(cat "$T/c1.rec")"
grep ' READY=1' "$T/c1.rec" | grep -q 'STATUS=consuming' || fail "READY=1 without a STATUS"
wait_until 60 at_least 10 "$T/out.ndjson" || fail "handled $(line_count "$T/out.ndjson") of 10"
sleep 3 # the keep-alives of about three seconds
n1=$(count ' WATCHDOG=1$' "$T/c1.rec")
[ "$n1" -ge 4 ] || fail "$n1 WATCHDOG=1 in the last ~3 s with WATCHDOG_USEC=1s: $(cat "$T/c1.rec")"
# No gap between two keep-alives reaches the interval (1 s).
python3 - "$T/c1.rec" <<'PY' || fail "a keep-alive gap reached WATCHDOG_USEC: $(cat "$T/c1.rec")"
import sys
ts = [float(l.split()[0]) for l in open(sys.argv[1]) if l.rstrip().endswith(" WATCHDOG=1")]
gaps = [b - a for a, b in zip(ts, ts[1:])]
print("keep-alive gaps: max %.3f s over %d" % (max(gaps), len(gaps)))
sys.exit(0 if gaps and max(gaps) < 1.0 else 1)
PY
[ "$(count ' STOPPING=1' "$T/c1.rec")" -eq 0 ] || fail "STOPPING=1 before SIGTERM"
stop_consumer "$pid"
wait_until 5 grep -q ' STOPPING=1' "$T/c1.rec" || fail "no STOPPING=1 after SIGTERM: $(tail -3 "$T/c1.rec")"
[ "$(count ' READY=1' "$T/c1.rec")" -eq 1 ] || fail "READY=1 sent more than once"
kill -TERM "$LISTENER_PID"

# --- run 2: a watchdog meant for another process is not ours; a member ----
# --- with no partition is ready too --------------------------------------
one=$(unique notify1)
create_topic "$one" 1
group=$(unique notify-g)
listen c2
l2=$LISTENER_PID
NOTIFY_SOCKET=$T/c2.sock WATCHDOG_USEC=1000000 WATCHDOG_PID=1 \
        start_consumer c2 -g "$group" -t "$one" -r "$T/routes.json"
pid2=$CONSUMER_PID
wait_until 60 grep -q ' READY=1' "$T/c2.rec" || fail "run 2: no READY=1"
listen c3
l3=$LISTENER_PID
NOTIFY_SOCKET=$T/c3.sock start_consumer c3 -g "$group" -t "$one" -r "$T/routes.json"
pid3=$CONSUMER_PID
wait_until 60 grep -q ' READY=1' "$T/c3.rec" ||
        fail "a member with no partition sent no READY=1: $(grep partitions "$T/c3.log" "$T/c2.log")"
grep -q 'STATUS=consuming, 0 partition' "$T/c2.rec" "$T/c3.rec" ||
        fail "neither member reported 0 partitions: $(cat "$T/c2.rec" "$T/c3.rec")"
stop_consumer "$pid3"
stop_consumer "$pid2"
wait_until 5 grep -q ' STOPPING=1' "$T/c2.rec" || fail "run 2: no STOPPING=1"
[ "$(count 'WATCHDOG=1' "$T/c2.rec")" -eq 0 ] ||
        fail "WATCHDOG=1 sent although WATCHDOG_PID names another process"
[ "$(count 'WATCHDOG=1' "$T/c3.rec")" -eq 0 ] || fail "WATCHDOG=1 sent without WATCHDOG_USEC"
kill -TERM "$l2" "$l3"
echo "ok: notify ($n1 keep-alives in ~3 s)"
