#!/usr/bin/env bash
# Every option a program's --help names (-x and --long-name) must appear in
# its man page's scdoc source, man/PROGRAM.1.scd, as *-x* or *--long-name*
# (scdoc's bold), so that the manual never lags behind the program.
# Usage: check-man-options.sh MAN_DIR PROGRAM...
set -euo pipefail
man=$1
shift
fails=0
for bin in "$@"; do
        prog=$(basename "$bin")
        page="$man/$prog.1.scd"
        [ -f "$page" ] || { echo "FAIL: $prog has no man page ($page)" >&2; fails=1; continue; }
        opts=$("$bin" --help | grep -oE '(^|[ ,(])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[ ,(]//' | sort -u)
        [ -n "$opts" ] || { echo "FAIL: $prog --help names no option" >&2; fails=1; continue; }
        n=0
        for o in $opts; do
                n=$((n + 1))
                grep -qF -- "*$o*" "$page" || {
                        echo "FAIL: $prog: --help names $o, $page does not (as *$o*)" >&2
                        fails=1
                }
        done
        echo "$prog: $n options in --help, all in $(basename "$page")"
done
exit $fails
