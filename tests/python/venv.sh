#!/usr/bin/env bash
# Make (or reuse) the Python virtual environment the interop tests use:
#   tests/python/venv.sh VENV_DIR      prints the environment's python
#
# Debian's python3 with --system-site-packages, so that Debian's
# python3-confluent-kafka is the Kafka client; pip adds what Debian lacks
# (requirements.txt next to this script: the CloudEvents SDK). Run again,
# it only checks: a stamp holds the requirements it was made with, so a
# changed requirements.txt remakes it. A failing step fails loudly.
set -euo pipefail
dir=${1:?usage: venv.sh VENV_DIR}
here=$(cd "$(dirname "$0")" && pwd)
req=$here/requirements.txt
py=/usr/bin/python3
die() {
        echo "venv.sh: $*" >&2
        exit 1
}
[ -x "$py" ] || die "$py is missing (Debian's python3; scripts/deps.sh installs it)"
"$py" -c 'import confluent_kafka' 2>/dev/null ||
        die "Debian's python3-confluent-kafka is missing (scripts/deps.sh installs it)"
stamp=$dir/.events-requirements
if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp" &&
        "$dir/bin/python" -c 'import cloudevents.kafka, confluent_kafka' 2>/dev/null; then
        echo "$dir/bin/python"
        exit 0
fi
rm -rf "$dir"
"$py" -m venv --system-site-packages "$dir" >&2 ||
        die "python3 -m venv failed (Debian's python3-venv is needed)"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$req" >&2 || die "pip install -r $req failed"
"$dir/bin/python" -c 'import cloudevents.kafka, confluent_kafka' ||
        die "the environment cannot import cloudevents.kafka and confluent_kafka"
cp "$req" "$stamp"
echo "$dir/bin/python"
