#!/usr/bin/env bash
# Check that every tracked C source and header follows .clang-format.
# Usage: check-format.sh SOURCE_DIR
#        check-format.sh --probe   (only: is the right version there?
#                                   tests/CMakeLists.txt warns when not)
#
# The version is pinned: clang-format's output changes between major
# versions, and the tree is formatted as clang-format 14 (Debian 12's)
# formats it. Without clang-format 14 the check is skipped, loudly, with
# status 77 (ctest's SKIP_RETURN_CODE for this test); with
# EVENTS_LINT_REQUIRED=1 (scripts/test.sh sets it) a missing version fails.
# CLANG_FORMAT names the program to use, if not clang-format-14 or
# clang-format.
set -euo pipefail
want=14
probe=0
[ "${1:-}" != --probe ] || probe=1
[ "$probe" -eq 1 ] || cd "${1:?usage: check-format.sh SOURCE_DIR}"

missing() {
        local verdict=SKIPPED status=77
        if [ "${EVENTS_LINT_REQUIRED:-0}" = 1 ]; then
                verdict="FAILED (EVENTS_LINT_REQUIRED=1)" status=1
        fi
        echo "check-format: $verdict: needs clang-format $want, the version the tree is formatted with; $*." >&2
        echo "check-format: install it with scripts/deps.sh test (Debian: apt-get install clang-format-$want)," >&2
        echo "check-format: or name it in CLANG_FORMAT." >&2
        exit "$status"
}

cf=""
for c in ${CLANG_FORMAT:-} clang-format-$want clang-format; do
        if command -v "$c" >/dev/null; then
                cf=$c
                break
        fi
done
[ -n "$cf" ] || missing "none is installed"
version=$("$cf" --version | head -n 1)
major=$(echo "$version" | sed -n 's/.*clang-format version \([0-9][0-9]*\)\..*/\1/p')
[ "$major" = "$want" ] || missing "$cf is '$version'"
[ "$probe" -eq 0 ] || exit 0

files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
[ -n "$files" ] || { echo "check-format: no C files found" >&2; exit 1; }
bad=0 n=0
for f in $files; do
        n=$((n + 1))
        if ! "$cf" --dry-run --Werror "$f" >/dev/null 2>&1; then
                echo "check-format: $f differs from .clang-format ($cf -i $f)" >&2
                bad=$((bad + 1))
        fi
done
echo "check-format: $((n - bad)) of $n files follow .clang-format ($cf, version $major)"
[ "$bad" -eq 0 ]
