#!/usr/bin/env bash
# tests/fuzz/run.sh NAME FUZZER WORKDIR - the ctest fuzz.NAME: replay the
# checked-in cases of NAME, then fuzz for EVENTS_FUZZ_SECONDS (default 60)
# from the seed corpus (seeds.py) and the corpus earlier runs grew in
# WORKDIR/NAME/corpus. A crash or a disagreement (the target aborts) fails
# the test; libFuzzer leaves the input in WORKDIR/NAME/, named
# crash-<sha1>: copy it to tests/fuzz/cases/NAME/ with the fix.
# EVENTS_FUZZ_ARGS adds libFuzzer options (e.g. -jobs=2 -workers=2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=$1 fuzzer=$2 work=$3/$1
seconds=${EVENTS_FUZZ_SECONDS:-60}
mkdir -p "$work/corpus" "$work/seeds"
python3 "$here/seeds.py" "$name" "$work/seeds"
cd "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "fuzz.$name: replaying tests/fuzz/cases/$name"
"$fuzzer" -runs=0 "$here/cases/$name"
echo "fuzz.$name: fuzzing for $seconds s (EVENTS_FUZZ_SECONDS)"
# -max_len: the producer's lines and schemas worth mutating are small;
# -timeout: a single input slower than 10 s is a finding too.
# shellcheck disable=SC2086
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -max_len=8192 \
        -rss_limit_mb=2048 -print_final_stats=1 ${EVENTS_FUZZ_ARGS:-} \
        "$work/corpus" "$work/seeds"
