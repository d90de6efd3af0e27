#!/usr/bin/env bash
# Installs what is needed, builds hcbridge, and runs the service with the
# simulated demo cards: no reader, no card, no pcscd needed.
#   scripts/demo.sh            hcbridged --simulate (the family Carte Vitale in
#                              reader 0, the CPS practitioner card, PIN 1234, in
#                              reader 1) and the reference record server with
#                              the demo web app: open the URL it prints
#   HCBRIDGE_DEMO_PORT / HCBRIDGE_DEMO_WEB_PORT change the ports (8732 / 8733)
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
  web_port="${HCBRIDGE_DEMO_WEB_PORT:-8733}"
  pki="$root/tests/pki/fixtures"
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
  trap 'exit 0' INT TERM
  echo
  echo "Starting hcbridged with simulated cards on port $port and the record server on $web_port."
  "$build/src/daemon/hcbridged" --simulate --listen "$port" \
    --allow-origin "http://localhost:$web_port" &
  pids+=($!)
  node examples/record-server/server.mjs --port "$web_port" \
    --hcbridge-url "http://localhost:$port" --hcbridge-cli "$hcbridge" \
    --ca "$pki/root.cert.pem" --intermediate "$pki/intermediate.cert.pem" \
    --crl "$pki/intermediate.crl.pem" --issuer "$pki/intermediate.cert.pem" \
    --policy 1.2.3.4.5.6.7.8.1 --eku 1.3.6.1.5.5.7.3.2 &
  pids+=($!)
  for _ in $(seq 50); do
    curl -sf "http://localhost:$web_port/api/config" >/dev/null 2>&1 && break
    sleep 0.2
  done
  cat <<TEXT

  Demo: open http://localhost:$web_port in a browser on this machine.
  The practitioner card's PIN is 1234; pick a family member and open the record.
  (TEST cards and TEST data only. Ctrl+C stops both services.)

TEXT
  wait -n
  exit 0
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
