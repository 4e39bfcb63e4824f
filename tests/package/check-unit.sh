#!/usr/bin/env bash
# Checks packaging/systemd/events-consumer@.service without a running
# systemd (none runs in a container or on a CI machine):
#   - `systemd-analyze verify` loads an instance of the template from a
#     temporary unit path, with ExecStart pointing at the built binary:
#     unknown or misspelt settings, bad specifiers and a missing
#     executable fail it. (--man=no: the man page is checked elsewhere.)
#   - `systemd-analyze security --offline` scores the hardening; more than
#     2.0 of systemd's 10-point exposure scale fails the test.
#   - the settings the unit promises are there: Type=notify, a watchdog,
#     DynamicUser, and the options in ExecStart are ones the daemon knows.
# Usage: check-unit.sh UNIT CONSUMER_BINARY
set -euo pipefail
unit=$1
bin=$2
fail() {
        echo "FAIL: $unit: $*" >&2
        exit 1
}
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed (package systemd)"
[ -x "$bin" ] || fail "$bin is not built"
t=$(mktemp -d "${TMPDIR:-/tmp}/events-unit.XXXXXX")
trap 'rm -rf "$t"' EXIT

grep -q '^ExecStart=/usr/bin/events-consumer ' "$unit" || fail "ExecStart does not run /usr/bin/events-consumer"
sed "s|/usr/bin/events-consumer|$bin|" "$unit" >"$t/events-consumer@.service"
# The trailing ':' keeps systemd's own unit folders in the path, for the
# targets the unit names (network-online.target, multi-user.target).
out=$(cd "$t" && SYSTEMD_UNIT_PATH="$t:" systemd-analyze verify --man=no \
        events-consumer@demo.service 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

score=$(systemd-analyze security --offline=yes --no-pager "$t/events-consumer@.service" 2>&1 |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "systemd-analyze security gave no exposure level"
systemd-analyze security --offline=yes --threshold=20 "$t/events-consumer@.service" >/dev/null 2>&1 ||
        fail "exposure level $score is above 2.0"

for want in '^Type=notify$' '^WatchdogSec=[1-9]' '^NotifyAccess=main$' '^DynamicUser=yes$' \
        '^ProtectSystem=strict$' '^NoNewPrivileges=yes$' '^CapabilityBoundingSet=$' \
        '^SystemCallFilter=@system-service$' '^Restart=on-failure$' \
        '^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX$' \
        '/etc/events/%i\.routes\.json' '^EnvironmentFile=-/etc/events/%i\.env$'; do
        grep -Eq -- "$want" "$unit" || fail "no line matches $want"
done
# Each option ExecStart passes is one the daemon documents in --help.
help=$("$bin" --help)
for opt in $(sed -n 's/^ExecStart=[^ ]* //p' "$unit" | grep -o -- '-[a-zA-Z-]*'); do
        grep -q -- "$opt[ ,]" <<<"$help" || fail "ExecStart passes $opt, which events-consumer --help does not list"
done
echo "ok: $(basename "$unit"): verifies; exposure $score"
