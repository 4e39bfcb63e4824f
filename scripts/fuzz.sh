#!/usr/bin/env bash
# scripts/fuzz.sh [BUILD_DIR] - build the libFuzzer targets of tests/fuzz
# with clang (EVENTS_FUZZ=ON: libFuzzer, AddressSanitizer,
# UndefinedBehaviorSanitizer) in BUILD_DIR (default build-fuzz) and run
# each for EVENTS_FUZZ_SECONDS (default 60) through ctest -L fuzz.
# docs/fuzzing.md says how to run them longer or alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fuzz}
cc=${CC:-$(command -v clang-14 || command -v clang || true)}
[ -n "$cc" ] || { echo "scripts/fuzz.sh: clang is not installed (scripts/deps.sh test)" >&2; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
CC=$cc cmake -S "$root" -B "$build" -DEVENTS_FUZZ=ON -DEVENTS_WERROR=ON \
        -DEVENTS_BUILD_BENCH=OFF -DEVENTS_MAN_PAGES=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_targets
# The targets run side by side, one per core: four minutes of fuzzing in
# two on the 2-core CI machine.
ctest --test-dir "$build" -L fuzz --no-tests=error --output-on-failure -j "$jobs"
