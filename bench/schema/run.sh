#!/usr/bin/env bash
# Schema validation benchmark: validations per second for the sample
# events against the project's schemas, with and without a failure report,
# and the cost of validation beyond parsing. There is no kcat equivalent
# for validation, so it prints libevents' own figures only.
#
# Usage: bench/schema/run.sh [SECONDS_PER_MODE]    (default 1)
# Environment: BUILD (default: build), SAMPLES (default: samples/events.ndjson)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
samples=${SAMPLES:-$root/samples/events.ndjson}

if [ ! -x "$build/bench/schema/schema_bench" ]; then
        cmake -S "$root" -B "$build" >/dev/null
        cmake --build "$build" -j 2 --target schema_bench >/dev/null
fi
exec "$build/bench/schema/schema_bench" "$root/schemas" "$samples" "${1:-1}"
