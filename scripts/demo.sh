#!/usr/bin/env bash
# Installs what is needed, builds hcbridge, and runs the service with the
# simulated demo cards: no reader, no card, no pcscd needed.
#   scripts/demo.sh            hcbridged --simulate: the family Carte Vitale in
#                              reader 0, the CPS practitioner card (PIN 1234)
#                              in reader 1; prints how to call the API
#   scripts/demo.sh --vpcd     the same two cards behind the real pcscd (vpcd
#                              virtual reader), read with the hcbridge CLI
# Press Ctrl+C to stop; everything started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="${HCBRIDGE_BUILD:-$root/build}"
mode="${1:-service}"

scripts/install-deps.sh

export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHCBRIDGE_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target hcbridge hcbridged

hcbridge="$build/src/cli/hcbridge"
if [ "$mode" != "--vpcd" ]; then
  port="${HCBRIDGE_DEMO_PORT:-8732}"
  echo
  echo "Starting hcbridged with simulated cards on port $port (Ctrl+C stops it)."
  exec "$build/src/daemon/hcbridged" --simulate --listen "$port"
fi

. scripts/pcscd-lib.sh
pcscd_ensure_running

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pcscd_stop_if_started
}
trap cleanup EXIT
trap 'exit 0' INT TERM

"$hcbridge" sim --card vitale-family --slot 0 &
pids+=($!)
"$hcbridge" sim --card cps-demo --slot 1 &
pids+=($!)
# pcscd notices vpcd cards at its next presence poll (~0.5 s).
for _ in $(seq 50); do
  [ "$("$hcbridge" readers --json | grep -c '"cardPresent": true')" -ge 2 ] && break
  sleep 0.2
done

echo
"$hcbridge" readers
echo
"$hcbridge" read --reader 0
echo
"$hcbridge" read --reader 1
cat <<TEXT

The two demo TEST cards above are in the vpcd readers (invented people, TEST
keys only). Try, in another terminal:
  $hcbridge readers --watch
  $hcbridge read --reader 0 --json
  $hcbridge pin-status --reader 1
  $hcbridge sim --list             # every simulated card and what it is
Press Ctrl+C here to remove the cards and stop.
TEXT
wait
