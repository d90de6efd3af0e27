#!/usr/bin/env bash
# Builds the Debian package from its own Release GCC build (never the
# sanitizer build of scripts/test.sh), lints it (lintian: no errors) and runs
# tests/package/install_test.sh on it: install, files, user, modes, the
# service as its user, `hcbridge doctor` healthy and broken, remove, purge.
# Needs root (it installs and purges the package) and Debian 12.
#   scripts/package-test.sh [FIGURES_FILE]   FIGURES_FILE: docs/performance.md's figures
# Environment: HCBRIDGE_PKG_BUILD (default build-pkg); HCBRIDGE_PCSCD_LOCK, a
# file to hold with flock while pcscd is used, where other tests share pcscd.
# ctest runs it as the test "package_install" (label package).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="${HCBRIDGE_PKG_BUILD:-$root/build-pkg}"

if [ "$(id -u)" -ne 0 ]; then
  echo "package-test: needs root (it installs and purges the package); skipped" >&2
  exit 77  # ctest's SKIP_RETURN_CODE
fi

export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
  -DHCBRIDGE_TESTS=OFF -DHCBRIDGE_BENCH=OFF -DHCBRIDGE_SANITIZE=OFF -DHCBRIDGE_FUZZ=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
rm -f "$build"/hcbridge_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/hcbridge_*.deb)

echo "package-test: lintian $(basename "$deb")"
lintian --fail-on error --info "$deb" || { echo "package-test: lintian reports errors" >&2; exit 1; }

. scripts/pcscd-lib.sh
if [ -n "${HCBRIDGE_PCSCD_LOCK:-}" ]; then
  exec 9>"$HCBRIDGE_PCSCD_LOCK"
  flock 9
fi
pcscd_ensure_running
trap pcscd_stop_if_started EXIT
tests/package/install_test.sh "$deb" "$@"
