#!/usr/bin/env bash
# Consumer chaos (issue #18): kill -9 the consumer every 1 to 2 s while it
# works through 100,000 events on 3 partitions, starting it again each
# time with the same --group-instance-id, until every event is handled.
# Asserted:
#   - every event is handled at least once;
#   - the extra copies are no more than the events handled in one commit
#     interval (the last second before each kill, the daemon's default
#     auto.commit.interval.ms) summed over the kills;
#   - every restart makes progress: no kill lands before the new run has
#     handled an event no run before it did, and that happens within 30 s
#     of the start (a static member takes its partitions back at once; a
#     dynamic one would wait out the dead member's 45 s session first).
#     Waiting for it, rather than killing on a fixed clock, keeps a slow
#     machine from killing each run while it replays the last one's
#     uncommitted tail.
# Prints the figures: kills, extra copies, the most copies of one event,
# the longest wait for a restart's first new event.
# EVENTS_CHAOS_EVENTS (default 100000) and EVENTS_CHAOS_LIMIT (seconds,
# default 300) change the size and the time bound.
# ctest-labels: timing -- kills land every 1 to 2 s
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"

n=${EVENTS_CHAOS_EVENTS:-100000}
limit=${EVENTS_CHAOS_LIMIT:-300}
topic=$(unique chaos)
group=$(unique chaos-g)
out=$T/out.ndjson
create_topic "$topic" 3
cat >"$T/routes.json" <<JSON
{"routes": [{"pattern": "*", "validate": false,
  "handlers": [{"type": "file", "path": "$out", "fsync": "always"}]}]}
JSON
make_events c "$n" user.created | produce "$topic"

# seconds as a decimal fraction between 1 and 2
one_to_two() { printf '1.%d' $((RANDOM % 10)); }
# distinct events handled so far (a line still being written is not counted)
distinct() {
        [ -f "$out" ] || { echo 0; return; }
        python3 -c '
import json, sys
seen = set()
for line in open(sys.argv[1]):
    if line.endswith("\n"):
        seen.add(json.loads(line)["data"]["id"])
print(len(seen))
' "$out"
}

kills=0
bound=0
seen=0     # distinct events at the last kill
slowest=0  # the longest wait for a run's first new event, in seconds
: >"$T/checkpoints" # the line count at each kill
end=$((SECONDS + limit))
while :; do
        start_consumer "c$kills" -g "$group" -t "$topic" -r "$T/routes.json" \
                --from-beginning --group-instance-id chaos-member-1
        pid=$CONSUMER_PID
        t0=$SECONDS
        sleep "$(one_to_two)"
        until [ "$(distinct)" -gt "$seen" ]; do
                kill -0 "$pid" 2>/dev/null || fail "run $kills exited before the kill"
                [ $((SECONDS - t0)) -lt 30 ] ||
                        fail "run $kills handled no new event within 30 s of its start"
                sleep 0.2
        done
        [ $((SECONDS - t0)) -le "$slowest" ] || slowest=$((SECONDS - t0))
        # the events handled in the last commit interval before the kill
        a=$(line_count "$out")
        sleep 1
        kill -KILL "$pid"
        wait "$pid" 2>/dev/null || true
        b=$(line_count "$out")
        kills=$((kills + 1))
        bound=$((bound + b - a))
        echo "$b" >>"$T/checkpoints"
        seen=$(distinct)
        [ "$b" -lt "$n" ] || [ "$(ids "$out" | uniq | wc -l)" -lt "$n" ] || break
        [ $SECONDS -lt $end ] ||
                fail "not every event was handled within ${limit}s ($kills kills)"
done

python3 - "$out" "$T/checkpoints" "$n" "$kills" "$bound" "$slowest" <<'EOF'
import collections, json, sys
out, cps, n, kills, bound, slowest = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
checkpoints = [int(l) for l in open(cps) if l.strip()]
seen, counts, distinct_at = set(), collections.Counter(), []
lines = 0
while len(distinct_at) < len(checkpoints) and checkpoints[len(distinct_at)] == 0:
    distinct_at.append(0)
for line in open(out):
    i = json.loads(line)["data"]["id"]
    counts[i] += 1
    seen.add(i)
    lines += 1
    while len(distinct_at) < len(checkpoints) and lines == checkpoints[len(distinct_at)]:
        distinct_at.append(len(seen))
missing = n - len(seen)
extra = lines - len(seen)
most = max(counts.values()) if counts else 0
multi = sum(1 for c in counts.values() if c > 1)
print("kills=%d events=%d handled=%d extra=%d multi=%d max_copies=%d bound=%d first_new_s=%d"
      % (kills, n, lines, extra, multi, most, bound, slowest))
bad = []
if missing:
    bad.append("%d events never handled" % missing)
prev = 0
for k, d in enumerate(distinct_at):
    if d <= prev:
        bad.append("no progress between kill %d and kill %d (%d distinct events)" % (k, k + 1, d))
    prev = d
if extra > bound:
    bad.append("%d extra copies, more than the %d events handled in the last commit interval before each kill" % (extra, bound))
if bad:
    print("FAIL: " + "; ".join(bad), file=sys.stderr)
    sys.exit(1)
EOF
