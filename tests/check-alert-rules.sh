#!/usr/bin/env bash
# The example alerting rules in docs/operations.md and README.md (their
# first ```yaml blocks) are
# valid Prometheus rules, fire on the cases of tests/data/alerts/rules_test.yml,
# and name only metrics the programs export.
# Usage: check-alert-rules.sh SOURCE_DIR
set -euo pipefail
src=$1
doc=$src/docs/operations.md
command -v promtool >/dev/null || { echo "promtool is not installed (Debian: prometheus; scripts/deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```yaml$/ {on = 1; next} on && /^```$/ {exit} on {print}' "$doc" >"$tmp/rules.yml"
[ -s "$tmp/rules.yml" ] || { echo "no yaml block in $doc" >&2; exit 1; }
promtool check rules "$tmp/rules.yml"
# The README's short example too.
awk '/^```yaml$/ {on = 1; next} on && /^```$/ {exit} on {print}' "$src/README.md" >"$tmp/readme-rules.yml"
[ -s "$tmp/readme-rules.yml" ] || { echo "no yaml block in $src/README.md" >&2; exit 1; }
promtool check rules "$tmp/readme-rules.yml"
# ... that fire when they should (tests/data/alerts/rules_test.yml).
cp "$src/tests/data/alerts/rules_test.yml" "$tmp/"
(cd "$tmp" && promtool test rules rules_test.yml)
# Every events_ metric a rule reads is one the code writes.
for m in $(cat "$tmp/rules.yml" "$tmp/readme-rules.yml" | grep -o 'events_[a-z_]*' | sed 's/_bucket$//' | sort -u); do
        grep -rqF "\"$m" "$src/consumer/metrics.c" "$src/producer/metrics.c" ||
                grep -rqF "$m " "$src/consumer/metrics.c" ||
                { echo "the rules read $m, which no program exports" >&2; exit 1; }
done
echo "ok: alert rules"
