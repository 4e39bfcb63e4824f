#!/usr/bin/env bash
# --metrics-file: events-producer writes its counts in the Prometheus text
# format (promtool accepts it), at the start, every --metrics-interval while
# its input is idle, and final counts at the end; atomically (no temporary
# file is left behind).
# ctest-labels: timing -- its input pauses 3 s so that a periodic write shows
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool is not installed (Debian: prometheus; scripts/deps.sh)"
P="$BUILD/producer/events-producer"
[ -x "$P" ] || fail "$P is not built"

topic=$(unique producer-metrics)
create_topic "$topic" 1
ev() { printf '{"event_type":"user.login","data":{"user_id":%d}}\n' "$1"; }
m() { awk -v k="$1{topic=\"$topic\"} " 'index($0, k) == 1 {print $NF}' "$T/metrics.prom"; }

mkfifo "$T/in"
timeout 60 "$P" -b "$BROKERS" -t "$topic" --no-validate --metrics-file "$T/metrics.prom" \
        --metrics-interval 1 <"$T/in" 2>"$T/err" &
pid=$!
{
        for i in 1 2 3 4 5; do ev "$i"; done
        echo 'not json'
        # While the input is idle, the file shows the first lines.
        sleep 3
        [ -f "$T/metrics.prom" ] && cp "$T/metrics.prom" "$T/mid.prom"
        for i in 6 7 8; do ev "$i"; done
        echo '{"event_type":"user.login"}'
} >"$T/in"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 65 ] || fail "exit status $rc, expected 65 (2 lines rejected): $(cat "$T/err")"

[ -f "$T/mid.prom" ] || fail "no metrics file while the input was idle"
mid() { awk -v k="$1{topic=\"$topic\"} " 'index($0, k) == 1 {print $NF}' "$T/mid.prom"; }
[ "$(mid events_producer_read_total)" = 6 ] || fail "mid-run read: $(cat "$T/mid.prom")"
[ "$(mid events_producer_delivered_total)" = 5 ] || fail "mid-run delivered: $(cat "$T/mid.prom")"
[ "$(mid events_producer_finished)" = 0.000000 ] || fail "mid-run finished: $(cat "$T/mid.prom")"

[ "$(m events_producer_read_total)" = 10 ] || fail "read: $(cat "$T/metrics.prom")"
[ "$(m events_producer_delivered_total)" = 8 ] || fail "delivered: $(cat "$T/metrics.prom")"
[ "$(m events_producer_rejected_total)" = 2 ] || fail "rejected: $(cat "$T/metrics.prom")"
[ "$(m events_producer_failed_total)" = 0 ] || fail "failed: $(cat "$T/metrics.prom")"
[ "$(m events_producer_finished)" = 1.000000 ] || fail "finished: $(cat "$T/metrics.prom")"
bytes=$(m events_producer_delivered_bytes_total)
[ "$bytes" -gt 8 ] || fail "bytes: $bytes"
awk -v d="$(m events_producer_duration_seconds)" 'BEGIN { exit !(d >= 2.5 && d < 60) }' ||
        fail "duration: $(m events_producer_duration_seconds)"
grep -q '^events_producer_build_info{version="' "$T/metrics.prom" || fail "no build info"
for f in mid.prom metrics.prom; do
        promtool check metrics <"$T/$f" >"$T/promtool" 2>&1 || fail "promtool on $f: $(cat "$T/promtool")"
done
ls "$T" | grep -q '\.tmp\.' && fail "a temporary file was left: $(ls "$T")"

# A file that cannot be written is refused before any line is read.
rc=0
ev 1 | "$P" -b "$BROKERS" -t "$topic" --no-validate --metrics-file "$T/no/such/dir/m.prom" 2>"$T/err2" || rc=$?
[ "$rc" -eq 73 ] || fail "unwritable --metrics-file: status $rc, expected 73: $(cat "$T/err2")"
grep -q -- '--metrics-file' "$T/err2" || fail "the error does not name --metrics-file: $(cat "$T/err2")"
echo "ok: producer metrics"
