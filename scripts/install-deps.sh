#!/usr/bin/env bash
# Installs every Debian 12 package hcbridge needs to build, run the demo and run
# the tests. Idempotent: packages already present are left as they are.
#
# Usage: scripts/install-deps.sh [--bench]
#   --bench  also the tools of the HTTP benchmarks (tests/bench/http_throughput.sh):
#            wrk and nginx-light. Not needed to build or test; CI does not install them.
set -euo pipefail

bench=false
for arg in "$@"; do
  case "$arg" in
    --bench) bench=true ;;
    -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

packages=(
  # toolchain
  cmake ninja-build ccache pkg-config g++ clang libclang-rt-14-dev clang-format
  # libstdc++ with its symbols: the ThreadSanitizer suppressions name its frames (scripts/test-tsan.sh)
  libstdc++6-12-dbg
  # libraries
  libpcsclite-dev libssl-dev libboost-dev libboost-program-options-dev nlohmann-json3-dev zlib1g-dev libpugixml-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # the standard PKCS#11 header (pkcs11.h) for src/pkcs11
  libp11-kit-dev
  # run time and tests: the PC/SC daemon, the virtual reader driver, tools
  pcscd vsmartcard-vpcd pcsc-tools openssl procps psmisc curl
  # the PKCS#11 tests' token (SoftHSM2) and the tool that writes its certificate (pkcs11-tool);
  # OpenSC's tools and PKCS#11 module read the simulated CPS3 (tests/integration/opensc_cps3_test.sh)
  softhsm2 opensc opensc-pkcs11
  # the OpenAPI check of the integration tests (run with /usr/bin/python3)
  python3-jsonschema
  # the soak and chaos run's 200 HTTP/WebSocket clients (tests/soak/soak.py)
  python3-aiohttp
  # the Debian package (scripts/package-test.sh): man pages, packaging, lint,
  # the unit check, setpriv (util-linux) and adduser
  help2man dpkg-dev fakeroot lintian systemd util-linux adduser
  # the reference record server, the demo web app and its browser tests;
  # xvfb: a headed Chromium whose Local Network Access prompt stays open
  nodejs chromium firefox-esr xvfb
)
# Debian's nodejs comes without npm (NodeSource's bundles it).
command -v npm >/dev/null 2>&1 || packages+=(npm)

# Benchmarks only (--bench): the load generator and the static-file baseline.
bench_packages=(wrk nginx-light)
if $bench; then
  packages+=("${bench_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
