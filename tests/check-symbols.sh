#!/usr/bin/env bash
# Compare the dynamic symbols that libevents exports with the checked-in list.
# Usage: check-symbols.sh LIBRARY EXPECTED_LIST
set -euo pipefail
lib=$1 expected=$2
actual=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | LC_ALL=C sort)
if ! diff -u <(LC_ALL=C sort "$expected") <(echo "$actual"); then
        echo "check-symbols: $lib exports differ from $expected (- expected, + actual)" >&2
        exit 1
fi
n=$(echo "$actual" | grep -c . || true)
if [ "$n" -lt 1 ]; then
        echo "check-symbols: $lib exports no symbols" >&2
        exit 1
fi
echo "check-symbols: $n exported symbols match $expected"
