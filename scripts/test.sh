#!/usr/bin/env bash
# Run every test of the toolkit, the way CI does:
#   1. a build with warnings as errors: unit tests, the exported-symbols
#      check, the install check, the format check (label lint, with
#      clang-format 14: here a missing version fails instead of skipping),
#      and the unit tests again under valgrind;
#   2. a build with AddressSanitizer + UndefinedBehaviorSanitizer: the unit
#      tests again;
#   2b. the libFuzzer targets (tests/fuzz), built with clang, each run for
#      EVENTS_FUZZ_SECONDS (default 60) after replaying its regression
#      cases (scripts/fuzz.sh, label fuzz; docs/fuzzing.md);
#   3. the integration tests (first build) against a real Apache Kafka,
#      started from Maven Central's jars, and against events-devbroker:
#      `ctest -L integration`, whose fixtures start both brokers and stop
#      them afterwards, even when tests fail (tests/integration/run.sh);
#      with them, docker-compose.yml's Kafka services booted from the same
#      jars as the compose tool resolves them (label compose:
#      tests/compose/boot_test.sh, broken.py; docs/brokers.md);
#   4. the fault suite (tests/faults/run.sh, label faults): broker kills,
#      a rolling restart, a frozen broker, consumer crashes, an unwritable
#      dead-letter topic and a full disk, against docker-compose.yml's
#      3-broker profile three, booted by tests/compose/boot.py; one counted
#      table row per scenario (docs/faults.md);
#   5. the Debian packages (scripts/package.sh): lintian, `apt-get install
#      ./*.deb` in a fresh Debian 12 minbase root, a smoke test of the
#      installed tools (tests/package/check-deb.sh; needs root).
# Installs the Debian packages it needs first. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

"$root/scripts/deps.sh" test

step() { printf '\n==== %s\n' "$*"; }

step "build (warnings are errors)"
cmake -S . -B build -DEVENTS_WERROR=ON -DEVENTS_VALGRIND=ON -DEVENTS_MAN_PAGES=ON >/dev/null
cmake --build build -j "$jobs"

step "unit tests"
ctest --test-dir build -L unit --output-on-failure -j "$jobs"

step "lint: the format check (clang-format 14)"
EVENTS_LINT_REQUIRED=1 ctest --test-dir build -L lint --no-tests=error --output-on-failure

step "unit tests under valgrind"
ctest --test-dir build -L valgrind --output-on-failure -j "$jobs"

step "build with AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DEVENTS_WERROR=ON -DEVENTS_SANITIZE=ON \
      -DEVENTS_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"

step "unit tests under the sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan -L unit --output-on-failure -j "$jobs"

step "fuzz targets (clang, libFuzzer, the sanitizers), ${EVENTS_FUZZ_SECONDS:-60} s each"
"$root/scripts/fuzz.sh" "$root/build-fuzz"

step "integration tests against a real Kafka and events-devbroker"
# The ASan build also runs where an integration test asks for it (a
# refused topic at 100,000 lines: kafka_producer_refused_topic.sh).
EVENTS_TEST_ASAN_BUILD_DIR="$root/build-asan" "$root/tests/integration/run.sh" build

step "fault suite: a 3-broker cluster, broker and consumer failures, a full disk"
# -V: the table is the point, pass or fail.
ctest --test-dir build -L faults --no-tests=error -V

step "Debian packages: build, lintian, install on a clean Debian 12, smoke test"
"$root/scripts/package.sh" "$root/build-deb"
"$root/tests/package/check-deb.sh" "$root/build-deb/packages"

step "all tests passed"
