#!/usr/bin/env bash
# A SoftHSM2 token holding one TEST practitioner key and its certificate, as a
# CPS would show them through a PKCS#11 module: what the PKCS#11 tests and
# `hcbridge doctor`'s test run against instead of a real card.
#
# Usage: tests/support/softhsm-token.sh DIR LABEL KEY.pem CERT.der [PIN] [SO-PIN]
#
#   DIR       the token store: DIR/softhsm2.conf and DIR/tokens are replaced
#             (other files in DIR are left alone), so a rerun starts afresh
#   LABEL     the token's label (CK_TOKEN_INFO.label, at most 32 characters)
#   KEY.pem   the private key, PEM (any form openssl reads; imported as PKCS#8)
#   CERT.der  its X.509 certificate, DER
#   PIN       the user PIN, default 1234; SO-PIN the security officer's, default 12345678
#
# Prints one line, SOFTHSM2_CONF=DIR/softhsm2.conf: export it before loading
# /usr/lib/softhsm/libsofthsm2.so. Fails (exit 1, the reason on stderr) at the
# first step that does not work.
#
# The token holds, with CKA_ID 01 on both (as a card ties its key to its
# certificate): the private key labelled "TEST CPS_PRIV_AUT", its public key,
# and the certificate labelled "TEST Certificat d'Authentification CPS" (the
# labels a CPS gives its authentication objects, marked TEST). Keys from tests/pki/fixtures: cps-demo-auth (RSA 2048) or
# cps-ec-auth (EC P-256). Every key there is a TEST key, public in this repository.
#
# Needs softhsm2 (softhsm2-util, the module), opensc (pkcs11-tool) and openssl.
set -euo pipefail

readonly MODULE=/usr/lib/softhsm/libsofthsm2.so
readonly KEY_ID=01
readonly KEY_LABEL="TEST CPS_PRIV_AUT"
readonly CERT_LABEL="TEST Certificat d'Authentification CPS"

fail() {
  echo "softhsm-token: $*" >&2
  exit 1
}

{ [ $# -ge 4 ] && [ $# -le 6 ]; } ||
  fail "usage: softhsm-token.sh DIR LABEL KEY.pem CERT.der [PIN] [SO-PIN]"
dir=$1
label=$2
key=$3
cert=$4
pin=${5:-1234}
so_pin=${6:-12345678}

[ -n "$dir" ] || fail "DIR is empty"
{ [ -n "$label" ] && [ ${#label} -le 32 ]; } || fail "LABEL must have 1 to 32 characters: '$label'"
[ -r "$key" ] || fail "cannot read the key $key"
[ -r "$cert" ] || fail "cannot read the certificate $cert"
[ -r "$MODULE" ] || fail "no SoftHSM2 module at $MODULE (sudo apt install softhsm2)"
for tool in softhsm2-util pkcs11-tool openssl; do
  command -v "$tool" >/dev/null || fail "$tool is missing (sudo apt install softhsm2 opensc openssl)"
done
openssl x509 -inform DER -in "$cert" -noout 2>/dev/null || fail "$cert is not a DER X.509 certificate"

mkdir -p "$dir" || fail "cannot create $dir"
dir=$(cd "$dir" && pwd) # SoftHSM2 resolves the token folder from its working directory
rm -rf "$dir/tokens" "$dir/softhsm2.conf" "$dir/key.p8.pem"
mkdir "$dir/tokens"
cat >"$dir/softhsm2.conf" <<EOF
# Written by tests/support/softhsm-token.sh: a TEST token store.
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
EOF
export SOFTHSM2_CONF=$dir/softhsm2.conf

# softhsm2-util imports PKCS#8 only; the key file is removed at once (a TEST key, but still a key).
trap 'rm -f "$dir/key.p8.pem"' EXIT
(umask 077 && openssl pkey -in "$key" -out "$dir/key.p8.pem" 2>/dev/null) ||
  fail "$key is not a private key openssl reads"

softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin "$so_pin" >&2 ||
  fail "softhsm2-util could not initialise the token '$label'"
softhsm2-util --import "$dir/key.p8.pem" --token "$label" --id "$KEY_ID" --label "$KEY_LABEL" \
  --pin "$pin" >&2 || fail "softhsm2-util could not import the key $key"
pkcs11-tool --module "$MODULE" --token-label "$label" --login --pin "$pin" \
  --write-object "$cert" --type cert --id "$KEY_ID" --label "$CERT_LABEL" >&2 ||
  fail "pkcs11-tool could not write the certificate $cert"

echo "SOFTHSM2_CONF=$SOFTHSM2_CONF"
