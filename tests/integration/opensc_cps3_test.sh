#!/usr/bin/env bash
# Debian's OpenSC reads the simulated CPS3 unmodified: `hcbridge sim` serves
# cps-demo (then cps-one-try-left and cps-blocked) to pcscd through vpcd, and
# OpenSC's own tools list it, log in, sign and count wrong PINs down.
#   opensc_cps3_test.sh HCBRIDGE_BINARY
# Environment: HCBRIDGE_OPENSC_SLOT, the vpcd slot (default 1);
# HCBRIDGE_PCSCD_LOCK, the file held with flock while pcscd is used
# (default /tmp/hcbridge-pcscd.lock). ctest runs it as "opensc_cps3".
# The PIN is the TEST card's 1234 (invented, public); it is never printed.
set -euo pipefail

hcbridge=${1:?usage: opensc_cps3_test.sh HCBRIDGE_BINARY}
root=$(cd "$(dirname "$0")/../.." && pwd)
slot=${HCBRIDGE_OPENSC_SLOT:-1}
reader="Virtual PCD 00 0$slot"
module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
auth_cert="$root/tests/pki/fixtures/cps-demo-auth.cert.pem"
# CKA_ID of CPS_PRIV_AUT and its certificate: the PKCS#15 AID || 02.
auth_id=e828bd080f8025000001ff001002

work=$(mktemp -d)
sim_pid=""
step="setup"

fail() {
  echo "opensc_cps3: FAILED at '$step': $*" >&2
  exit 1
}

cleanup() {
  stop_card
  pcscd_stop_if_started || true
  rm -rf "$work"
}

for tool in pkcs15-tool pkcs11-tool opensc-tool openssl flock; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs opensc)"
done
[ -r "$module" ] || fail "$module is missing (package opensc-pkcs11)"
[ -x "$hcbridge" ] || fail "$hcbridge is not executable"

exec 9>"${HCBRIDGE_PCSCD_LOCK:-/tmp/hcbridge-pcscd.lock}"
flock 9
. "$root/scripts/pcscd-lib.sh"
pcscd_ensure_running
trap cleanup EXIT

# The card is present for OpenSC once opensc-tool lists the reader with "Yes".
card_present() {
  opensc-tool -l 2>/dev/null | grep -q "Yes .*$reader\$"
}

start_card() {
  step="start $1"
  "$hcbridge" sim --card "$1" --slot "$slot" >"$work/sim-$1.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 1 100); do
    card_present && return 0
    kill -0 "$sim_pid" 2>/dev/null || fail "hcbridge sim exited: $(cat "$work/sim-$1.log")"
    sleep 0.1
  done
  fail "no card in '$reader' after 10 s"
}

stop_card() {
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
    for _ in $(seq 1 50); do
      card_present || return 0
      sleep 0.1
    done
  fi
}

p11() {
  pkcs11-tool --module "$module" --slot-description "$reader" "$@"
}

expect() {  # expect FILE PATTERN...: every pattern (grep -E) is in FILE
  local file=$1
  shift
  for pattern in "$@"; do
    grep -qE -- "$pattern" "$file" || { cat "$file" >&2; fail "missing '$pattern'"; }
  done
}

token_flags() {
  p11 -L >"$work/slots.txt" 2>&1 || { cat "$work/slots.txt" >&2; fail "pkcs11-tool -L"; }
  grep -A8 ": $reader\$" "$work/slots.txt" | grep "token flags" || fail "no token in '$reader'"
}

start_card cps-demo

step="pkcs15-tool -D"
pkcs15-tool --reader "$reader" -D >"$work/dump.txt" 2>&1 || { cat "$work/dump.txt" >&2; fail "failed (output above)"; }
expect "$work/dump.txt" "^PKCS#15 Card \[CPS TEST\]" "^PIN \[PIN CPS\]" "Reference +: 1 \(0x01\)" \
  "^Private RSA Key \[CPS_PRIV_AUT\]" "Key ref +: 130 \(0x82\)" "^Private RSA Key \[CPS_PRIV_SIG\]" \
  "^X.509 Certificate \[Certificat d'Authentification CPS\]" \
  "^X.509 Certificate \[Certificat de Signature CPS\]" "ID +: $auth_id"

step="pkcs11-tool -L"
p11 -L >"$work/slots.txt" 2>&1 || { cat "$work/slots.txt" >&2; fail "failed (output above)"; }
grep -A8 ": $reader\$" "$work/slots.txt" >"$work/slot.txt" || fail "no slot described '$reader'"
expect "$work/slot.txt" "token label +: CPS TEST \(PIN CPS\)" "serial num +: 3939303031323334" \
  "token flags +: login required.*PIN initialized$"

step="pkcs11-tool -O (logged in)"
p11 --login --pin 1234 -O >"$work/objects.txt" 2>&1 || { cat "$work/objects.txt" >&2; fail "failed (output above)"; }
expect "$work/objects.txt" "label: +CPS_PRIV_AUT" "label: +CPS_PRIV_SIG" \
  "label: +Certificat d'Authentification CPS" "ID: +$auth_id"

# CPS_PRIV_AUT signs with CKM_RSA_PKCS over a DigestInfo (OpenSC allows no other
# signing mechanism on a CPx authentication key, see docs/cards-french.md);
# the result is the RSA PKCS#1 v1.5 SHA-256 signature of the data.
step="pkcs11-tool --sign + openssl verify"
printf 'hcbridge: OpenSC signs with the simulated CPS3\n' >"$work/data.txt"
{
  printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20'
  openssl dgst -sha256 -binary "$work/data.txt"
} >"$work/digestinfo.bin"
p11 --login --pin 1234 --sign -m RSA-PKCS --id "$auth_id" -i "$work/digestinfo.bin" \
  -o "$work/signature.bin" >"$work/sign.txt" 2>&1 || { cat "$work/sign.txt" >&2; fail "failed (output above)"; }
[ "$(stat -c %s "$work/signature.bin")" -eq 256 ] || fail "the signature is not 256 bytes"
openssl x509 -in "$auth_cert" -pubkey -noout >"$work/auth-pub.pem"
openssl dgst -sha256 -verify "$work/auth-pub.pem" -signature "$work/signature.bin" \
  "$work/data.txt" || fail "openssl does not verify the signature with $auth_cert"

step="wrong PIN countdown (cps-demo, 3 tries)"
if pkcs15-tool --reader "$reader" --verify-pin --auth-id 01 --pin 9999 >"$work/wrong.txt" 2>&1; then
  fail "a wrong PIN was accepted"
fi
expect "$work/wrong.txt" "PIN code or key incorrect"
token_flags | grep -q "user PIN count low" || fail "no 'user PIN count low' after 1 wrong PIN"
if p11 --login --pin 9999 -O >"$work/wrong2.txt" 2>&1; then fail "a wrong PIN was accepted"; fi
expect "$work/wrong2.txt" "CKR_PIN_INCORRECT"
token_flags | grep -q "final user PIN try" || fail "no 'final user PIN try' after 2 wrong PINs"
pkcs15-tool --reader "$reader" --verify-pin --auth-id 01 --pin 1234 >"$work/right.txt" 2>&1 \
  || { cat "$work/right.txt" >&2; fail "the right PIN was refused"; }
if token_flags | grep -qE "count low|final user PIN try|locked"; then
  fail "the right PIN did not restore the counter"
fi
stop_card

start_card cps-one-try-left
step="cps-one-try-left"
token_flags | grep -q "final user PIN try" || fail "no 'final user PIN try'"
if p11 --login --pin 9999 -O >"$work/last.txt" 2>&1; then fail "a wrong PIN was accepted"; fi
expect "$work/last.txt" "CKR_PIN_INCORRECT"
token_flags | grep -q "user PIN locked" || fail "the last wrong PIN did not block the PIN"
if p11 --login --pin 1234 -O >"$work/locked.txt" 2>&1; then fail "a blocked PIN logged in"; fi
expect "$work/locked.txt" "CKR_PIN_LOCKED"
stop_card

start_card cps-blocked
step="cps-blocked"
token_flags | grep -q "user PIN locked" || fail "no 'user PIN locked'"
if pkcs15-tool --reader "$reader" --verify-pin --auth-id 01 --pin 1234 >"$work/blocked.txt" 2>&1; then
  fail "a blocked PIN was verified"
fi
expect "$work/blocked.txt" "Authentication method blocked"
if p11 --login --pin 1234 --sign -m RSA-PKCS --id "$auth_id" -i "$work/digestinfo.bin" \
  -o "$work/blocked.bin" >"$work/blocked-sign.txt" 2>&1; then
  fail "a blocked card signed"
fi
expect "$work/blocked-sign.txt" "CKR_PIN_LOCKED"
stop_card

echo "opensc_cps3: OpenSC $(dpkg-query -W -f '${Version}' opensc 2>/dev/null || echo '?') read," \
  "signed with and counted the PIN of the simulated CPS3 in '$reader'"
