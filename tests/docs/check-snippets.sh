#!/usr/bin/env bash
# Run every code snippet of README.md, docs/*.md, bench/README.md and the
# man pages (the convention: docs/development.md, "Code snippets") against
# the devbroker fixture, with the toolkit installed to a temporary prefix as
# a user would have it: its tools first on PATH, its libevents for
# pkg-config, its man pages on MANPATH.
source "$EVENTS_SOURCE_DIR/tests/integration/lib.sh"
cmake --install "$BUILD" --prefix "$T/prefix" >/dev/null
export PATH="$T/prefix/bin:$PATH"
libdir=$(find "$T/prefix" -name 'libevents.so.0' -printf '%h\n' | head -1)
[ -n "$libdir" ] || fail "libevents.so.0 was not installed"
export EVENTS_DOCS_LIBDIR="$libdir"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export MANPATH="$T/prefix/share/man"
export EVENTS_SCHEMAS_DIR="$T/prefix/share/events/schemas"
export EVENTS_BROKERS="$BROKERS"
mkdir -p "$T/work"
files=("$SRC/README.md" "$SRC"/docs/*.md "$SRC/bench/README.md")
for f in "$SRC"/man/*.scd; do
        [ -e "$f" ] && files+=("$f")
done
python3 "$SRC/tests/docs/check-snippets.py" "$SRC" "$T/prefix" "$T/work" "${files[@]}" ||
        fail "a documentation snippet failed (above)"
