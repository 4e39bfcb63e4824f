#!/usr/bin/env bash
# Run events-roundtrip over the samples: every line must come out
# normalized. Samples without a timestamp are stamped with the current time,
# so those timestamps are compared by shape only.
# Usage: check-roundtrip.sh EVENTS_ROUNDTRIP SAMPLES EXPECTED
set -euo pipefail
prog=$1 samples=$2 expected=$3
day1=$(date -u +%Y-%m-%d)
out=$("$prog" < "$samples")
day2=$(date -u +%Y-%m-%d)
n_in=$(grep -c . "$samples")
n_out=$(printf '%s\n' "$out" | grep -c .)
[ "$n_in" = "$n_out" ] || { echo "roundtrip: $n_in samples, $n_out lines out" >&2; exit 1; }
ts='"timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"'
paste -d '\n' <(printf '%s\n' "$out") "$expected" | while IFS= read -r got && IFS= read -r want; do
        if [[ $want == *'"timestamp":"NOW"'* ]]; then
                printf '%s\n' "$got" | grep -Eq "$ts\}\$" || { echo "roundtrip: not stamped: $got" >&2; exit 1; }
                [[ $got == *"\"timestamp\":\"$day1"* || $got == *"\"timestamp\":\"$day2"* ]] ||
                        { echo "roundtrip: stamp is not today: $got" >&2; exit 1; }
                got=$(printf '%s\n' "$got" | sed -E "s/$ts/\"timestamp\":\"NOW\"/")
        fi
        [ "$got" = "$want" ] || { printf 'roundtrip:\n got  %s\n want %s\n' "$got" "$want" >&2; exit 1; }
done
echo "roundtrip: $n_out samples normalized"
