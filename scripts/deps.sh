#!/usr/bin/env bash
# Install the Debian packages the toolkit needs to build, demo and test,
# when they are missing. Runs apt-get as root, or through sudo.
# Usage: scripts/deps.sh [build|demo|package|test]
#   (default: test, which is everything)
set -euo pipefail
what=${1:-test}
pkgs=(build-essential cmake pkg-config librdkafka-dev libjansson-dev
      libpcre2-dev libcmocka-dev libjemalloc-dev libsystemd-dev
      libmicrohttpd-dev)
if [ "$what" = demo ]; then
        # kcat checks a given broker; curl reads events-consumer's /health
        # and /metrics.
        pkgs+=(kcat curl)
fi
if [ "$what" = package ] || [ "$what" = test ]; then
        # scripts/package.sh: cpack's dpkg-shlibdeps and dpkg-buildflags
        # (dpkg-dev), file (cpack sorts binaries with it), scdoc (the man
        # pages the packages carry).
        pkgs+=(dpkg-dev file scdoc)
fi
if [ "$what" = test ]; then
        # kcat and Kafka's own jars (Maven, Java 17) are the clients and the
        # broker we did not write; the JSON-Schema-Test-Suite is the
        # conformance data; valgrind checks the unit tests; python3-yaml
        # parses docker-compose.yml; curl reads /health and /metrics;
        # clang-format-14 is the version the tree is formatted with
        # (tests/check-format.sh pins it); scdoc builds the man pages and
        # man-db reads them back (tests/docs/); systemd's systemd-analyze
        # verifies the unit; debootstrap and lintian install and check the
        # Debian packages (tests/package/check-deb.sh); python3-kafka and
        # python3-confluent-kafka are the Python service's clients
        # (tests/python/), as Debian packages them: python3-kafka brings
        # no codec library (gzip is built in; no lz4, snappy or zstd);
        # python3-venv makes the environment in which tests/python/venv.sh
        # installs the CloudEvents SDK (over Debian's confluent-kafka);
        # prometheus brings promtool, which checks /metrics, the producer's
        # metrics file and the example alerting rules; docker-compose
        # (1.29) validates docker-compose.yml with `config`, no Docker
        # daemon needed, and resolves it for tests/compose/boot.py (the
        # compose tests and the fault suite boot the file from it); clang-14
        # builds the fuzz targets (scripts/fuzz.sh) against libFuzzer and
        # the sanitizers' runtimes, which are libclang-rt-14-dev's (only
        # recommended by clang-14's packages, so not installed with them
        # here).
        pkgs+=(kcat valgrind json-schema-test-suite maven openjdk-17-jre-headless
               python3 python3-yaml curl clang-format-14 clang-14 libclang-rt-14-dev procps iproute2
               scdoc man-db systemd debootstrap lintian
               python3-kafka python3-confluent-kafka python3-venv prometheus
               docker-compose)
fi
missing=()
for p in "${pkgs[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
                missing+=("$p")
        fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
