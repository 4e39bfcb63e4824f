#!/usr/bin/env bash
# The Debian packages on a clean Debian 12 (docs/packaging.md):
#   1. lintian on the three .deb files: any error (E:) fails; every other
#      tag is printed. Overrides, each with its reason, are in
#      packaging/debian/*.lintian-overrides.
#   2. a minimal Debian 12 root (debootstrap --variant=minbase bookworm,
#      cached as ~/.cache/events/bookworm-minbase.tar.gz; the first run
#      makes it, about half a minute), unpacked afresh for every run, in
#      which `apt-get install ./*.deb` must resolve every dependency from
#      Debian's archive alone;
#   3. a smoke test of the installed tools, inside that root: --version
#      and --help of the three programs, a --dry-run of samples/ against
#      the installed schemas (every sample valid, one envelope per line),
#      a bad event rejected by those schemas, the samples sent through the
#      installed events-devbroker by events-producer and routed by
#      events-consumer to a file, the unit file where systemd looks for it, the CMake package and the .pc file in place, and a
#      clean purge.
# It needs root (chroot) and Debian's mirror. Not a ctest entry: it is
# scripts/test.sh's "packages" step, after scripts/package.sh.
# Usage: check-deb.sh PACKAGE_DIR   (the folder with the .deb files)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
debs=$(cd "$1" && pwd)
cache=${EVENTS_CACHE_DIR:-$HOME/.cache/events}
tarball=$cache/bookworm-minbase.tar.gz
mirror=${EVENTS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
fail() {
        echo "FAIL: check-deb: $*" >&2
        exit 1
}
[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot); run scripts/test.sh as root"
for tool in lintian debootstrap; do
        command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps.sh test)"
done
n=$(find "$debs" -maxdepth 1 -name '*.deb' | wc -l)
[ "$n" -eq 3 ] || fail "$n .deb files in $debs, expected 3 (scripts/package.sh)"

for pair in events-tools:libevents0 libevents-dev:libevents0 libevents-dev:librdkafka-dev \
        events-tools:librdkafka1 events-tools:libsystemd0 libevents0:libjansson4; do
        deb=$(ls "$debs/${pair%%:*}"_*.deb 2>/dev/null) || fail "no ${pair%%:*} package"
        dpkg-deb -f "$deb" Depends | grep -Eq "(^|, )${pair#*:}( |,|$)" ||
                fail "${pair%%:*} does not depend on ${pair#*:}: $(dpkg-deb -f "$deb" Depends)"
done

# --- 1. lintian ------------------------------------------------------------
echo "== lintian $debs/*.deb"
tags=$(lintian --allow-root --info "$debs"/*.deb 2>&1 | grep -v '^N:' || true)
printf '%s\n' "${tags:-(no tags)}"
if grep -q '^E: ' <<<"$tags"; then
        fail "lintian reports errors"
fi

# --- 2. a clean Debian 12, and apt-get install ./*.deb ----------------------
root=$(mktemp -d "${TMPDIR:-/tmp}/events-deb.XXXXXX")
pids=()
cleanup() {
        local pid
        for pid in "${pids[@]}"; do
                kill -TERM "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
        done
        rm -rf --one-file-system "$root"
}
trap cleanup EXIT
if [ ! -s "$tarball" ]; then
        echo "== making a minimal Debian 12 root (debootstrap --variant=minbase bookworm), cached in $tarball"
        mkdir -p "$cache"
        debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
                { tail -20 "$root.log" >&2; rm -f "$root.log"; fail "debootstrap failed"; }
        rm -f "$root.log"
        tar -C "$root" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
        rm -rf --one-file-system "$root"
        mkdir "$root"
fi
tar -C "$root" -xzf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs" "$root/tmp/samples"
cp "$debs"/*.deb "$root/tmp/debs/"
cp "$src"/samples/*.ndjson "$root/tmp/samples/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
[ "$(in_root sh -c '. /etc/os-release; echo $VERSION_CODENAME')" = bookworm ] || fail "the root is not Debian 12"
in_root dpkg-query -W libevents0 >/dev/null 2>&1 && fail "the fresh root already has libevents0"
echo "== apt-get install ./*.deb in a fresh Debian 12 minbase root"
in_root apt-get update -qq >"$root/apt.log" 2>&1 || { cat "$root/apt.log" >&2; fail "apt-get update failed in the root"; }
(cd "$root/tmp/debs" && in_root sh -c 'cd /tmp/debs && apt-get install -y -q --no-install-recommends ./*.deb') \
        >"$root/apt.log" 2>&1 || { tail -30 "$root/apt.log" >&2; fail "apt-get install ./*.deb failed"; }
grep -E '^Setting up (libevents0|libevents-dev|events-tools)' "$root/apt.log" | sed 's/^/  /'
echo "  $(grep -c '^Setting up ' "$root/apt.log") packages set up, $(grep -c '^Get:' "$root/apt.log" || true) fetched from Debian's archive"

# --- 3. the installed tools ---------------------------------------------------
echo "== smoke test of the installed tools"
for p in events-producer events-consumer events-devbroker; do
        [ "$(in_root sh -c "command -v $p")" = /usr/bin/$p ] ||
                fail "$p is not /usr/bin/$p"
        v=$(in_root $p --version) || fail "$p --version failed"
        grep -q "^$p 0\.[0-9]" <<<"$v" || fail "$p --version printed: $v"
        # Not `--help | grep -q` under pipefail: grep leaves at the first
        # match, and a help text longer than stdio's 4 KB buffer then meets
        # a closed pipe (SIGPIPE, 141) on its second write.
        h=$(in_root $p --help) || fail "$p --help exited $?"
        grep -q '^Usage: ' <<<"$h" || fail "$p --help printed no usage"
        if in_root ldd /usr/bin/$p | grep -q 'not found'; then
                fail "$p misses a library: $(in_root ldd /usr/bin/$p | grep 'not found')"
        fi
        echo "  $v"
done
want=$(cat "$root"/tmp/samples/events.ndjson | grep -c .)
out=$(in_root events-producer --dry-run /tmp/samples/events.ndjson 2>"$root/dry.err") ||
        { cat "$root/dry.err" >&2; fail "events-producer --dry-run samples/events.ndjson failed"; }
got=$(grep -c '"event_type"' <<<"$out" || true)
[ "$got" -eq "$want" ] || fail "--dry-run printed $got envelopes for $want sample events"
echo "  events-producer --dry-run samples/events.ndjson: $got of $want valid against /usr/share/events/schemas"
rc=0
echo '{"event_type":"user.created","data":{"user_id":"not-a-number"}}' |
        in_root events-producer --dry-run >/dev/null 2>"$root/bad.err" || rc=$?
[ "$rc" -ne 0 ] || fail "an event the installed schemas forbid passed --dry-run"
grep -q 'user_id' "$root/bad.err" || fail "the rejection does not name data.user_id: $(cat "$root/bad.err")"
echo "  a user.created with a string user_id: rejected (status $rc)"
# The samples through the installed programs: devbroker, producer,
# consumer (the chroot shares this machine's 127.0.0.1).
chroot "$root" events-devbroker -t smoke:3 >"$root/tmp/db.out" 2>"$root/tmp/db.log" </dev/null &
pids+=($!)
for _ in $(seq 50); do [ -s "$root/tmp/db.out" ] && break; sleep 0.1; done
brokers=$(head -n 1 "$root/tmp/db.out")
[ -n "$brokers" ] || fail "the installed events-devbroker did not start: $(cat "$root/tmp/db.log")"
in_root events-producer -b "$brokers" -t smoke /tmp/samples/events.ndjson 2>"$root/tmp/p.err" ||
        fail "events-producer to the installed devbroker failed: $(cat "$root/tmp/p.err")"
printf '{"routes":[{"pattern":"*","handlers":[{"type":"file","path":"/tmp/out.ndjson"}]}]}\n' >"$root/tmp/routes.json"
chroot "$root" events-consumer -b "$brokers" -g smoke -t smoke -r /tmp/routes.json \
        --from-beginning 2>"$root/tmp/c.log" </dev/null &
cpid=$!
pids+=("$cpid")
for _ in $(seq 300); do
        [ "$(cat "$root/tmp/out.ndjson" 2>/dev/null | wc -l)" -ge "$want" ] && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
done
got=$(cat "$root/tmp/out.ndjson" 2>/dev/null | wc -l)
kill -TERM "$cpid"
rc=0
wait "$cpid" || rc=$?
[ "$got" -eq "$want" ] || fail "events-consumer routed $got of $want samples: $(tail -5 "$root/tmp/c.log")"
[ "$rc" -eq 0 ] || fail "events-consumer exited with $rc on SIGTERM"
grep -q 'msg="schemas loaded" dir=/usr/share/events/schemas' "$root/tmp/c.log" ||
        fail "events-consumer did not load the installed schemas: $(grep schemas "$root/tmp/c.log")"
kill -TERM "${pids[0]}"
wait "${pids[0]}" || fail "events-devbroker did not stop cleanly on SIGTERM"
pids=()
echo "  the samples through the installed events-devbroker, events-producer and events-consumer: $got of $want routed"
[ -f "$root/lib/systemd/system/events-consumer@.service" ] || fail "no /lib/systemd/system/events-consumer@.service"
[ -f "$root/usr/lib/x86_64-linux-gnu/cmake/events/eventsConfig.cmake" ] || fail "no CMake package"
[ -f "$root/usr/lib/x86_64-linux-gnu/pkgconfig/events.pc" ] || fail "no events.pc"
in_root apt-get purge -y -q events-tools libevents-dev libevents0 >"$root/apt.log" 2>&1 ||
        { tail -20 "$root/apt.log" >&2; fail "apt-get purge failed"; }
left=$(ls "$root/usr/share/events" "$root/usr/include/events" 2>/dev/null || true)
[ -z "$left" ] || fail "purge left files behind: $left"
echo "ok: the packages install on a clean Debian 12, run, and purge"
