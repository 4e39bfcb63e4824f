#!/usr/bin/env bash
# The routing daemon's peak RSS under load stays within 64 MB (issue 17):
# 500,000 realistic mixed events (bench/producer/gen_mixed.py) sent by
# events-producer with zstd, read by `events-consumer -g NEW -e` into a
# file handler, with /metrics polled every 10 ms for the whole run. The
# test asserts that the daemon exited 0, that the file holds every event,
# that /metrics answered, and that the peak RSS (getrusage's ru_maxrss of
# the whole process, librdkafka's threads and buffers included) is at most
# 64 MB, the target, and at most 48 MB, the bound this load should keep.
# Then that a raised message.max.bytes alone is not refused: the daemon's
# fetch.max.bytes follows it.
#
# Why these numbers: the daemon's peak is its base (about 12 MB) plus the
# prefetch queue (20,000 messages) plus one fetch response, queued whole
# and decompressed, with an op of a few hundred bytes per message
# (docs/operations.md, "Memory"). zstd packs the most events into a fetch
# (about 56 bytes each: a 1 MB fetch is some 18,000 events). 500,000
# events are about 7 full fetches of the old 4 MB default and 28 of the
# 1 MB one, each landing on a partly full queue: enough rounds for the
# peak to show. Fewer did not: with the old default (-X
# fetch.max.bytes=4194304) 300,000 events peaked at 63 to 65 MB and
# 500,000 at 61 to 69 MB, against 31 to 33 MB now. The old default sits
# at the 64 MB target, over it in one run and under it in the next, so
# the 64 MB check alone would pass it about half the time: the 48 MB bound
# (the base, a full queue and a full 1 MB fetch, about 33 MB, plus half
# again) fails it every time and leaves the present default 15 MB of room.
#
# Kafka only: the dev broker's fetches are not Kafka's. To check the test
# against another setting, give the daemon extra arguments:
#   EVENTS_RSS_ARGS='-X fetch.max.bytes=4194304' ctest -R kafka_consumer_rss
# ctest-labels: timing -- the peak depends on when fetches land against the queue
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

n=500000
limit_kb=$((64 * 1024))
bound_kb=$((48 * 1024))
P="$BUILD/producer/events-producer"
topic=$(unique rss)
create_topic "$topic" 4
start=$SECONDS

python3 "$SRC/bench/producer/gen_mixed.py" -n "$n" >"$T/events.ndjson" ||
        fail "gen_mixed.py failed"
timeout 120 "$P" -b "$BROKERS" -t "$topic" -z zstd --schemas "$SRC/schemas" \
        "$T/events.ndjson" 2>"$T/producer.log" ||
        fail "events-producer failed: $(tail -3 "$T/producer.log")"
grep -q " $n delivered" "$T/producer.log" ||
        fail "not all $n events were delivered: $(tail -1 "$T/producer.log")"
rm -f "$T/events.ndjson"
produced=$SECONDS

printf '{"routes":[{"pattern":"*","handlers":[{"type":"file","path":"%s"}]}]}\n' \
        "$T/out.ndjson" >"$T/routes.json"
port=$(free_port)
# ${EVENTS_RSS_ARGS} is split into words on purpose: several -X options.
# shellcheck disable=SC2086
args=(-b "$BROKERS" -g "$(unique rss-g)" -t "$topic" -r "$T/routes.json"
        --schemas "$SRC/schemas" --from-beginning -e --http "127.0.0.1:$port"
        --log-level warn ${EVENTS_RSS_ARGS:-})

# The daemon runs under a small Python parent that reports its exit status
# and ru_maxrss (kB) once it has exited; setsid so that a failing test
# ends both (lib.sh).
setsid python3 -c '
import resource, subprocess, sys
try:
    rc = subprocess.run(sys.argv[2:], timeout=180).returncode
except subprocess.TimeoutExpired:
    rc = "timeout"
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as f:
    f.write("%s %d\n" % (rc, peak))
' "$T/result" "$CONSUMER_BIN" "${args[@]}" 2>"$T/consumer.log" &
runner=$!

# /metrics every 10 ms until the daemon is gone.
polls=0 answered=0
while [ ! -s "$T/result" ] && kill -0 "$runner" 2>/dev/null; do
        polls=$((polls + 1))
        if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/metrics"; then
                answered=$((answered + 1))
        fi
        sleep 0.01
done
wait "$runner" || fail "the runner failed: $(tail -3 "$T/consumer.log")"
read -r rc peak_kb <"$T/result" || fail "no result from the runner"

[ "$rc" = 0 ] || fail "events-consumer -e exited $rc: $(tail -3 "$T/consumer.log")"
got=$(line_count "$T/out.ndjson")
[ "$got" -eq "$n" ] || fail "the file handler wrote $got lines, expected $n"
[ "$answered" -ge 10 ] || fail "/metrics answered $answered of $polls polls"
peak_mb=$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')
[ "$peak_kb" -le "$limit_kb" ] ||
        fail "peak RSS $peak_mb MB ($peak_kb kB) is over 64 MB, $n events," \
                "/metrics polled $answered times (docs/operations.md, Memory)"
[ "$peak_kb" -le "$bound_kb" ] ||
        fail "peak RSS $peak_mb MB ($peak_kb kB) is over this load's 48 MB bound" \
                "(base, a full queue and one 1 MB fetch: about 33 MB; the old" \
                "4 MB fetch gave 61-69 MB), $n events (docs/operations.md, Memory)"
# The 1 MB default must not refuse a larger message.max.bytes (librdkafka
# wants fetch.max.bytes >= message.max.bytes): fetch.max.bytes follows it.
small=$(unique rss-small)
create_topic "$small" 1
head -n 10 "$SRC/samples/events.ndjson" >"$T/small.ndjson"
m=$(wc -l <"$T/small.ndjson")
timeout 60 "$P" -b "$BROKERS" -t "$small" --schemas "$SRC/schemas" "$T/small.ndjson" \
        2>"$T/producer-small.log" || fail "events-producer failed: $(tail -3 "$T/producer-small.log")"
printf '{"routes":[{"pattern":"*","handlers":[{"type":"file","path":"%s"}]}]}\n' \
        "$T/small.out" >"$T/small.json"
timeout 60 "$CONSUMER_BIN" -b "$BROKERS" -g "$(unique rss-g)" -t "$small" -r "$T/small.json" \
        --schemas "$SRC/schemas" --from-beginning -e --log-level warn \
        -X message.max.bytes=2000000 2>"$T/small.log" ||
        fail "-X message.max.bytes=2000000: events-consumer exited $?: $(tail -2 "$T/small.log")"
[ "$(line_count "$T/small.out")" -eq "$m" ] ||
        fail "-X message.max.bytes=2000000: $(line_count "$T/small.out") of $m events handled"

echo "ok: $n events handled, peak RSS $peak_mb MB (at most 48), /metrics" \
        "answered $answered of $polls polls; produce $((produced - start)) s," \
        "consume $((SECONDS - produced)) s"
