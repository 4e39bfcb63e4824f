#!/usr/bin/env bash
# Install libevents into a temporary prefix, then build and run a small
# program against it twice: with pkg-config and with find_package(events).
# Usage: check-install.sh BUILD_DIR THIS_DIR
set -euo pipefail
build=$1 here=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name 'libevents.so.0' -printf '%h\n' | head -1)
[ -n "$libdir" ] || { echo "install: libevents.so.0 not installed" >&2; exit 1; }
[ -f "$prefix/include/events/events.h" ] || { echo "install: headers missing" >&2; exit 1; }
[ -f "$prefix/include/events/version.h" ] || { echo "install: the generated events/version.h is missing" >&2; exit 1; }

export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs events)
echo "pkg-config --cflags --libs events: $flags"
cc -Wall -Wextra -Werror -o "$prefix/hello-pc" "$here/hello.c" $flags
LD_LIBRARY_PATH="$libdir" "$prefix/hello-pc"

cmake -S "$here" -B "$prefix/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/cmake-build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$prefix/cmake-build/hello"
echo "install: pkg-config and find_package(events) builds both round-tripped an event"
