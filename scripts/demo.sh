#!/usr/bin/env bash
# The demo: build the toolkit and run the sample events through libevents.
# Installs the Debian packages it needs first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh" build
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "== samples/events.ndjson, parsed, checked, stamped and normalized by libevents:"
./build/examples/events-roundtrip < samples/events.ndjson
