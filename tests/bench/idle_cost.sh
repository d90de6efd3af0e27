#!/usr/bin/env bash
# idle_cost.sh — what an idle hcbridged costs with one WebSocket client (issue 4).
#
# Usage: tests/bench/idle_cost.sh [--seconds 60] [HCBRIDGED]
#
#   HCBRIDGED      the hcbridged binary (default build-rel/src/daemon/hcbridged;
#                  this script builds nothing)
#   --seconds N    length of the idle window (default 60)
#
# Starts `hcbridged --simulate` (simulated cards, no pcscd) on a free loopback
# port with state files in a temp dir, waits for the cards to be identified,
# prints its RSS, connects ONE WebSocket client to /v1/events with the demo key
# (tests/bench/ws_idle_client.py, python3 standard library only), lets it take
# the initial events, then measures over N idle seconds:
#   - CPU time of the service: utime+stime from /proc/PID/stat (10 ms ticks)
#   - context switches (voluntary and involuntary) summed over all threads,
#     /proc/PID/task/*/status, and per thread, to show who wakes up
#   - frames the client received in the window (pings would show here)
# Goal: 0.00 s CPU and ~0 context switches (no periodic wake-ups).
# Everything started is stopped on exit.
set -euo pipefail
. "$(dirname "$0")/hcbridged-simulate.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

seconds=60
hcbridged=build-rel/src/daemon/hcbridged
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    -*) echo "idle_cost: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) hcbridged=$1; shift ;;
  esac
done
client=$(dirname "$0")/ws_idle_client.py
[ -x "$hcbridged" ] || { echo "idle_cost: $hcbridged is not an executable (build it first)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "idle_cost: python3 not found" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hcb-idle.XXXXXX")
hcb_pid=
client_pid=
cleanup() {
  set +e  # a killed child's status must not stop the cleanup half-way
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null && wait "$client_pid" 2>/dev/null || true
  [ -n "$hcb_pid" ] && kill "$hcb_pid" 2>/dev/null && wait "$hcb_pid" 2>/dev/null || true
  rm -rf "$tmp"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_simulated_hcbridged "$tmp" "$tmp/state/audit.log" ''
port=$hcb_port
key=$hcb_key
# Both simulated cards identified (two card.inserted lines with a cardType in its log).
for _ in $(seq 100); do
  [ "$(grep -c 'event card.inserted.*cardType=' "$tmp/hcbridged.err")" -ge 2 ] && break
  sleep 0.1
done
sleep 1

cpu_ticks() { awk '{print $14 + $15}' "/proc/$hcb_pid/stat"; }  # utime + stime
# "TID NAME voluntary nonvoluntary" for every thread
switches() {
  local t
  for t in /proc/"$hcb_pid"/task/*; do
    awk -v tid="${t##*/}" '/^Name:/ {n=$2} /^voluntary_ctxt/ {v=$2} /^nonvoluntary_ctxt/ {i=$2}
      END {print tid, n, v, i}' "$t/status" 2>/dev/null || true
  done
}
hz=$(getconf CLK_TCK)
status=/proc/$hcb_pid/status
echo "idle_cost: hcbridged pid $hcb_pid, port $port, $(ls /proc/$hcb_pid/task | wc -l) threads"
echo "  RSS after start: VmRSS $(awk '/^VmRSS:/ {print $2, $3}' "$status"), VmHWM $(awk '/^VmHWM:/ {print $2, $3}' "$status")"

python3 -u "$client" 127.0.0.1 "$port" /v1/events "$key" >"$tmp/client.out" 2>&1 &
client_pid=$!
for _ in $(seq 50); do
  grep -q connected "$tmp/client.out" && break
  kill -0 "$client_pid" 2>/dev/null || { cat "$tmp/client.out" >&2; exit 1; }
  sleep 0.1
done
grep -q connected "$tmp/client.out" || { echo "idle_cost: client did not connect" >&2; exit 1; }
sleep 2  # the initial events
frames_before=$(($(wc -l <"$tmp/client.out") - 1))
echo "  WebSocket client connected (pid $client_pid), $frames_before initial frames"
echo "  RSS with the client: VmRSS $(awk '/^VmRSS:/ {print $2, $3}' "$status")"

cpu0=$(cpu_ticks)
switches >"$tmp/sw0"
echo "  idle window: $seconds s ..."
sleep "$seconds"
cpu1=$(cpu_ticks)
switches >"$tmp/sw1"
kill -0 "$client_pid" 2>/dev/null || { echo "idle_cost: the client left during the window:" >&2; cat "$tmp/client.out" >&2; exit 1; }
frames_window=$(($(wc -l <"$tmp/client.out") - 1 - frames_before))

echo
echo "per thread (context switches during the window):"
join <(sort "$tmp/sw0") <(sort "$tmp/sw1") |
  awk '{ printf "  tid %-8s %-16s voluntary %d  involuntary %d\n", $1, $2, $6 - $3, $7 - $4 }'
read -r vol invol < <(join <(sort "$tmp/sw0") <(sort "$tmp/sw1") |
  awk '{ v += $6 - $3; i += $7 - $4 } END { print v + 0, i + 0 }')
echo
echo "| window | CPU (utime+stime) | voluntary ctxt switches | involuntary | frames to client | RSS after |"
echo "|---|---|---|---|---|---|"
printf '| %s s, 1 WebSocket client | %s s | %s | %s | %s | %s |\n' "$seconds" \
  "$(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')" \
  "$vol" "$invol" "$frames_window" "$(awk '/^VmRSS:/ {print $2, $3}' "$status")"
