#!/usr/bin/env bash
# soak.sh — hcbridged under chaos on the real pcscd + vpcd (issue 17).
#
# Usage: tests/soak/soak.sh --minutes M | --iterations N [options]
#
#   --minutes M          run for M minutes (decimals allowed)
#   --iterations N       run until N cards were pulled (both slots together)
#   --clients C          concurrent clients (default 200): 1/4 WebSocket on
#                        /v1/events, the rest HTTP, plus one session keeper
#   --pcscd-kills K      pcscd SIGKILLs spread over the run (default: one per
#                        minute, or one per 100 pulls; at least 2)
#   --hcbridged PATH     the service under test (default build/src/daemon/hcbridged)
#   --hcbridge PATH      the CLI: simulator, app keys, audit verify (default:
#                        ../cli/hcbridge beside --hcbridged)
#   --hang-seconds S     every request answered within S s (default 20)
#   --rss-growth-mib X   RSS at the end <= RSS after warm-up + X MiB (default 64)
#   --fd-growth F        open fds at the end, clients gone <= before them + F (default 8)
#   --seed S             random seed; --work DIR keeps the files there
#   --patient PROFILE    patient card(s) of slot 0, in turn (repeatable; default
#                        vitale-family, and the gematik eGK image when present)
#
# hcbridged gets the TEST PKI and its own state in a temporary folder; the
# patient card is in 'Virtual PCD 00 00', the practitioner's cps-demo in
# 'Virtual PCD 00 01', each served by `hcbridge sim`. Cards are pulled
# (SIGKILL of the simulator) at random moments and during reads, PIN
# verifications and signatures, pcscd is SIGKILLed and restarted. The run
# fails (exit 1, naming each broken assertion) on a hang, a 5xx other than
# pcscd away, an unexpected problem code, card-data-invalid, a session that
# outlives its card, a WebSocket dropped, the service dead or not answering
# at the end, RSS / fds / threads over their bounds, a broken audit chain,
# or patient data or the PIN in hcbridged's output or audit log. It prints
# one summary line. Exit 2: could not run. The pcscd lock
# (HCBRIDGE_PCSCD_LOCK, default /tmp/hcbridge-pcscd.lock) is held throughout;
# everything runs under nice -n 19. See tests/soak/README.md.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
hcbridged=$root/build/src/daemon/hcbridged
hcbridge=
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --hcbridged) hcbridged=${2:?--hcbridged needs a path}; shift 2 ;;
    --hcbridge) hcbridge=${2:?--hcbridge needs a path}; shift 2 ;;
    --minutes | --iterations | --clients | --pcscd-kills | --hang-seconds | --rss-growth-mib | \
      --fd-growth | --seed | --work | --patient)
      pass+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    *) echo "soak: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
hcbridge=${hcbridge:-$(dirname "$hcbridged")/../cli/hcbridge}

for file in "$hcbridged" "$hcbridge"; do
  [ -x "$file" ] || { echo "soak: $file is not executable (build it, or see --help)" >&2; exit 2; }
done
[ -r /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
  { echo "soak: vsmartcard-vpcd is missing (scripts/install-deps.sh)" >&2; exit 2; }
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null ||
  { echo "soak: python3-aiohttp is missing (scripts/install-deps.sh)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "soak: must run as root (it kills and restarts pcscd)" >&2; exit 2; }

# Held on fd 9 for the whole run; every child started below closes it, so a
# pcscd started here does not keep the lock after we exit.
exec 9>"${HCBRIDGE_PCSCD_LOCK:-/tmp/hcbridge-pcscd.lock}"
flock 9
. "$root/scripts/pcscd-lib.sh"
pcscd_ensure_running 9>&-
nice -n 19 /usr/bin/python3 "$here/soak.py" --hcbridged "$hcbridged" --hcbridge "$hcbridge" \
  "${pass[@]}" 9>&-
