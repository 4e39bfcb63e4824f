#!/usr/bin/env bash
# Check that every tracked C source and header follows .clang-format.
# Usage: check-format.sh SOURCE_DIR
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (scripts/deps.sh test)" >&2; exit 1; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
[ -n "$files" ] || { echo "check-format: no C files found" >&2; exit 1; }
bad=0 n=0
for f in $files; do
        n=$((n + 1))
        if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
                echo "check-format: $f differs from .clang-format (clang-format -i $f)" >&2
                bad=$((bad + 1))
        fi
done
echo "check-format: $((n - bad)) of $n files follow .clang-format"
[ "$bad" -eq 0 ]
