#!/usr/bin/env bash
# Build the Debian packages: libevents0, libevents-dev and events-tools
# (docs/packaging.md). Configures a release build under /usr in its own
# folder (default build-deb/), with the systemd unit, then runs
# `cpack -G DEB`; the .deb files land in that folder's packages/.
# Usage: scripts/package.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-deb}
jobs=$(nproc 2>/dev/null || echo 2)

# Debian's hardening flags, all of them (fortify, stack protector, relro,
# bindnow, PIE), as a Debian package build would use them.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
# No RPATH in the packages: the library is in the linker's path (lintian
# flags custom search paths), and no tests or benchmarks to build.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
        -DCMAKE_SHARED_LINKER_FLAGS="$ldflags" -DCMAKE_MODULE_LINKER_FLAGS="$ldflags" \
        -DCMAKE_SKIP_INSTALL_RPATH=ON -DEVENTS_INSTALL_SYSTEMD_UNIT=ON -DEVENTS_MAN_PAGES=ON \
        -DEVENTS_BUILD_TESTS=OFF -DEVENTS_BUILD_BENCH=OFF -DEVENTS_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs" >/dev/null
rm -rf "$build/packages"
(cd "$build" && cpack -G DEB -B "$build/packages" >/dev/null) || {
        echo "package: cpack failed; see $build/packages/_CPack_Packages" >&2
        exit 1
}
rm -rf "$build/packages/_CPack_Packages"
ls "$build"/packages/*.deb
