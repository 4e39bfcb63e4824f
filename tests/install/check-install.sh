#!/usr/bin/env bash
# Install the toolkit into a temporary prefix, then:
#  - build and run a small program against libevents twice: with
#    pkg-config and with find_package(events);
#  - move the whole install tree elsewhere and run the installed tools
#    from there, with no LD_LIBRARY_PATH and no EVENTS_SCHEMAS_DIR: they
#    find libevents through their RPATH ($ORIGIN) and the schemas relative
#    to themselves (events_schemas_dir());
#  - read the installed man pages with man(1), when they were built.
# Usage: check-install.sh BUILD_DIR THIS_DIR SOURCE_DIR
set -euo pipefail
build=$1 here=$2 src=$3
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
prefix=$top/first
fail() { echo "install: $*" >&2; exit 1; }
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name 'libevents.so.0' -printf '%h\n' | head -1)
[ -n "$libdir" ] || fail "libevents.so.0 not installed"
[ -f "$prefix/include/events/events.h" ] || fail "headers missing"
[ -f "$prefix/include/events/version.h" ] || fail "the generated events/version.h is missing"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs events)
echo "pkg-config --cflags --libs events: $flags"
cc -Wall -Wextra -Werror -o "$prefix/hello-pc" "$here/hello.c" $flags
LD_LIBRARY_PATH="$libdir" "$prefix/hello-pc"

cmake -S "$here" -B "$prefix/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/cmake-build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$prefix/cmake-build/hello"
echo "install: pkg-config and find_package(events) builds both round-tripped an event"
rm -rf "$prefix/cmake-build" "$prefix/hello-pc"

# Move the tree: nothing may remember where it was installed.
moved=$top/moved/elsewhere
mkdir -p "$(dirname "$moved")"
mv "$prefix" "$moved"
unset LD_LIBRARY_PATH EVENTS_SCHEMAS_DIR EVENTS_BROKERS
cd "$top" # not the source tree: the tools must not find its schemas/
for tool in events-producer events-consumer events-devbroker; do
        [ -x "$moved/bin/$tool" ] || fail "$tool not installed in bin/"
        out=$("$moved/bin/$tool" --version) || fail "$tool --version failed from the moved tree"
        echo "$out" | grep -q "^$tool " || fail "$tool --version printed '$out'"
done
[ -f "$moved/share/events/schemas/envelope.json" ] || fail "schemas not installed in share/events/schemas"
# A dry run validates the samples against the installed schemas.
"$moved/bin/events-producer" --dry-run "$src/samples/events.ndjson" >"$top/envelopes" 2>"$top/err" ||
        fail "producer --dry-run from the moved tree failed: $(cat "$top/err")"
want=$(grep -c . "$src/samples/events.ndjson")
got=$(wc -l <"$top/envelopes")
[ "$got" -eq "$want" ] || fail "--dry-run printed $got envelopes for $want sample lines"
grep -q "$want valid (dry run), 0 rejected" "$top/err" || fail "summary: $(cat "$top/err")"
# ...and those schemas are really in use: an event that breaks them is
# rejected, naming the schema's reason.
echo '{"event_type":"user.created","data":{"user_id":"not a number"}}' >"$top/bad.ndjson"
rc=0
"$moved/bin/events-producer" --dry-run "$top/bad.ndjson" >/dev/null 2>"$top/err" || rc=$?
[ "$rc" -eq 65 ] || fail "an invalid event gave status $rc, not 65: $(cat "$top/err")"
# With the schemas gone, both programs stop with the same advice.
mv "$moved/share/events/schemas" "$top/schemas-away"
rc=0
"$moved/bin/events-producer" --dry-run "$src/samples/events.ndjson" >/dev/null 2>"$top/err" || rc=$?
[ "$rc" -eq 78 ] || fail "producer without schemas: status $rc, not 78"
grep -q -- "give --schemas DIR" "$top/err" || fail "producer without schemas: $(cat "$top/err")"
printf '{"routes":[{"pattern":"*","handlers":[{"type":"log"}]}]}\n' >"$top/routes.json"
rc=0
"$moved/bin/events-consumer" -b 127.0.0.1:1 -g g -t t -r "$top/routes.json" >/dev/null 2>"$top/err" </dev/null || rc=$?
[ "$rc" -eq 78 ] || fail "consumer without schemas: status $rc, not 78: $(cat "$top/err")"
grep -q -- "give --schemas DIR" "$top/err" || fail "consumer without schemas: $(cat "$top/err")"
mv "$top/schemas-away" "$moved/share/events/schemas"
echo "install: the moved tree runs with no LD_LIBRARY_PATH and finds its schemas"

# The man pages, read back with man(1) from the moved tree.
if [ -d "$moved/share/man/man1" ]; then
        for page in events-producer events-consumer events-devbroker events-routes libevents; do
                MANPATH="$moved/share/man" man -w "$page" >/dev/null 2>&1 ||
                        fail "man $page: no manual entry under $moved/share/man"
        done
        MANPATH="$moved/share/man" MANPAGER=cat MANWIDTH=80 man events-producer 2>/dev/null |
                grep -q -- "--dry-run" || fail "man events-producer does not show --dry-run"
        echo "install: man events-producer (and the other pages) work"
elif [ "${EVENTS_REQUIRE_MAN:-0}" = 1 ]; then
        fail "no man pages installed"
fi
