#!/usr/bin/env bash
# The real compose tool validates docker-compose.yml: Debian's
# docker-compose (1.29) resolves the file with `config`, which needs no
# Docker daemon, for the default services and each profile. Any error, or
# any warning on stderr, fails.
# Usage: config.sh docker-compose.yml
set -euo pipefail
file=${1:?usage: config.sh docker-compose.yml}
command -v docker-compose >/dev/null ||
        { echo "config.sh: docker-compose is not installed (scripts/deps.sh test)" >&2; exit 1; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
status=0
for profile in "" three toolkit; do
        args=(-f "$file")
        [ -z "$profile" ] || args+=(--profile "$profile")
        if ! docker-compose "${args[@]}" config -q 2>"$err" || [ -s "$err" ]; then
                echo "FAIL: docker-compose ${args[*]} config:" >&2
                cat "$err" >&2
                status=1
                continue
        fi
        # 1.29 lists every service, whatever the profile.
        services=$(docker-compose "${args[@]}" config --services 2>"$err")
        [ ! -s "$err" ] || { cat "$err" >&2; status=1; }
        echo "ok: docker-compose ${args[*]} config: $(echo $services)"
done
exit "$status"
