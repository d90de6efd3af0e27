#!/bin/sh
# Makes the hcbridge TEST PKI with the openssl command (no network):
#
#   root CA            "TEST hcbridge Root CA"             (self-signed): the
#                      root of PRACTITIONER certificates only
#   intermediate CA    "TEST hcbridge CPS Intermediate CA" (signed by the root),
#                      the one practitioner issuer (practitioner_trust.issuers)
#   card certificates  signed by the intermediate, CPS-like, with the test
#                      subject layout of docs/cards-french.md (RPPS in the
#                      subject serialNumber):
#     cps-demo-auth    "Certificat d'Authentification CPS" of the demo card
#     cps-demo-sign    "Certificat de Signature CPS" of the demo card
#     cps-expired-auth an authentication certificate that expired in 2018
#     cps-revoked-auth an authentication certificate revoked in intermediate.crl
#     cps-wrong-usage-auth an authentication certificate whose keyUsage is
#                      keyEncipherment only (no digitalSignature)
#     cps-cloned.key   a fresh key alone: a card carrying cps-demo-auth's
#                      certificate with this key (a copied certificate)
#     cps-no-policy-auth an authentication certificate without the TEST
#                      practitioner policy (no certificatePolicies)
#     cps-wrong-eku-auth an authentication certificate whose extendedKeyUsage
#                      is emailProtection only (no clientAuth)
#     cps-ec-auth      a valid authentication certificate with an EC P-256 key
#   staff CA           "TEST hcbridge Staff CA" (signed by the root): a CA under
#                      the practitioner root that is NOT a practitioner issuer,
#                      as IGC-Sante also issues staff and server certificates:
#     staff-auth       a CPS-like authentication certificate it issued
#   Every practitioner authentication certificate carries the TEST policy
#   1.2.3.4.5.6.7.8.1 and extendedKeyUsage clientAuth (except the two above).
#   patient root CA    "TEST hcbridge Patient Card Root CA" (self-signed): the
#                      root of PATIENT card certificates, apart from the
#                      practitioner root so that a patient card can never pass
#                      for a practitioner's
#   intermediate.crl   the intermediate CA's CRL (lists cps-revoked-auth)
#   Vitale card CA     "TEST hcbridge Vitale Card CA" (signed by the patient
#                      root, pathlen 0), EC P-256 like the cards below:
#     vitale-family-card the card-authentication certificate of the
#                      vitale-family simulated card (no patient data in it)
#   other root CA      "TEST hcbridge Other Root CA" (self-signed), a CA
#                      hcbridge does not trust:
#     cps-wrong-ca-auth  a CPS-like authentication certificate issued by it
#     vitale-forged-card a Vitale card certificate issued by it
#
# Every name contains "TEST". The keys are TEST ONLY: they are generated here,
# committed under tests/pki/fixtures/ and public. Never use them for anything
# real, and never put a real key here.
#
# Usage: tests/pki/make-test-pki.sh OUTDIR
# OUTDIR gets <name>.key.pem (PKCS#8, unencrypted), <name>.cert.pem,
# <name>.cert.der, chain.pem and intermediate.crl(.pem). Dates (also the
# revocation time) and serials are fixed and a key already in OUTDIR is kept,
# so a rerun over tests/pki/fixtures rewrites the RSA-signed certificates and
# the CRL byte for byte and adds what is new; only ECDSA signatures (the
# Vitale card CA's) come out different, each as valid as the last.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

# One openssl ca database per CA.
make_ca_dir() {
  mkdir -p "$WORK/$1/new"
  : > "$WORK/$1/index.txt"
  echo "$2" > "$WORK/$1/serial"
  echo 1000 > "$WORK/$1/crlnumber"
  cat > "$WORK/$1/ca.cnf" <<EOF
[ ca ]
default_ca = this_ca
[ this_ca ]
dir = $WORK/$1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $OUT/$1.cert.pem
private_key = $OUT/$1.key.pem
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
preserve = yes
string_mask = utf8only
[ any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
title = optional
serialNumber = optional
surname = optional
givenName = optional
commonName = supplied
[ root_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ intermediate_ext ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ auth_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.2.3.4.5.6.7.8.1
[ sign_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.2.3.4.5.6.7.8.2
[ usage_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.2.3.4.5.6.7.8.1
[ card_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.2.3.4.5.6.7.8.3
[ no_policy_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ wrong_eku_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.2.3.4.5.6.7.8.1
[ crl_ext ]
authorityKeyIdentifier = keyid
EOF
}

# A key of an earlier run is kept (see the top).
new_key() {
  [ -s "$OUT/$1.key.pem" ] && return 0
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$OUT/$1.key.pem" 2>/dev/null
}

# The Vitale card keys are EC P-256, so both key types are exercised.
new_ec_key() {
  [ -s "$OUT/$1.key.pem" ] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
    -out "$OUT/$1.key.pem" 2>/dev/null
}

new_csr() {  # name subject
  openssl req -new -utf8 -key "$OUT/$1.key.pem" -subj "$2" -out "$WORK/$1.csr"
}

sign() {  # ca name extensions start end
  openssl ca -batch -utf8 -notext -config "$WORK/$1/ca.cnf" -extensions "$3" \
    -startdate "$4" -enddate "$5" -in "$WORK/$2.csr" -out "$OUT/$2.cert.pem" 2>/dev/null
  openssl x509 -in "$OUT/$2.cert.pem" -outform DER -out "$OUT/$2.cert.der"
}

# The test layout of a CPS certificate subject (the real layout is not
# public): C, O (structure), title (profession code, NOS TRE_G15),
# serialNumber (idNat_PS = "8" + RPPS), SN, GN, CN ("Given SURNAME").
practitioner() {  # idnat profession surname given
  echo "/C=FR/O=TEST HCBRIDGE CABINET/title=$2/serialNumber=$1/SN=$3/GN=$4/CN=$4 $3"
}

# A self-signed root (through openssl ca, for fixed dates).
make_root() {  # name serial common-name
  make_ca_dir "$1" "$2"
  new_key "$1"
  openssl req -new -utf8 -key "$OUT/$1.key.pem" -subj "/C=FR/O=TEST HCBRIDGE PKI/CN=$3" \
    -out "$WORK/$1.csr"
  openssl ca -batch -utf8 -notext -selfsign -keyfile "$OUT/$1.key.pem" -config "$WORK/$1/ca.cnf" \
    -extensions root_ext -startdate 240101000000Z -enddate 491231235959Z \
    -in "$WORK/$1.csr" -out "$OUT/$1.cert.pem" 2>/dev/null
  openssl x509 -in "$OUT/$1.cert.pem" -outform DER -out "$OUT/$1.cert.der"
}

make_root root 1000 "TEST hcbridge Root CA"

# Intermediate CA.
make_ca_dir intermediate 2000
new_key intermediate
new_csr intermediate "/C=FR/O=TEST HCBRIDGE PKI/CN=TEST hcbridge CPS Intermediate CA"
sign root intermediate intermediate_ext 240101000000Z 491231235959Z

# Card certificates.
for name in cps-demo-auth cps-demo-sign cps-expired-auth cps-revoked-auth; do new_key "$name"; done
DEMO=$(practitioner 810101201234 10 DURAND-TEST "Hélène")
new_csr cps-demo-auth "$DEMO"
sign intermediate cps-demo-auth auth_ext 250101000000Z 491231235959Z
# The signature key pairs with its own certificate, same subject.
new_csr cps-demo-sign "$DEMO"
sign intermediate cps-demo-sign sign_ext 250101000000Z 491231235959Z
new_csr cps-expired-auth "$(practitioner 810000000027 21 ANCIEN-TEST Paul)"
sign intermediate cps-expired-auth auth_ext 150101000000Z 180101000000Z
new_csr cps-revoked-auth "$(practitioner 810000000035 60 REVOQUE-TEST Marc)"
sign intermediate cps-revoked-auth auth_ext 250101000000Z 491231235959Z
new_key cps-wrong-usage-auth
new_csr cps-wrong-usage-auth "$(practitioner 810000000050 10 USAGE-TEST Ugo)"
sign intermediate cps-wrong-usage-auth usage_ext 250101000000Z 491231235959Z
# Only a key: the cps-cloned card carries cps-demo-auth's certificate with it.
new_key cps-cloned
# Without the TEST policy; with another extended key usage than clientAuth.
new_key cps-no-policy-auth
new_csr cps-no-policy-auth "$(practitioner 810000000068 10 SANSPOLITIQUE-TEST Noe)"
sign intermediate cps-no-policy-auth no_policy_ext 250101000000Z 491231235959Z
new_key cps-wrong-eku-auth
new_csr cps-wrong-eku-auth "$(practitioner 810000000076 10 COURRIEL-TEST Iris)"
sign intermediate cps-wrong-eku-auth wrong_eku_ext 250101000000Z 491231235959Z
# An EC P-256 practitioner authentication certificate (ES256 tokens).
new_ec_key cps-ec-auth
new_csr cps-ec-auth "$(practitioner 810000000092 21 ELLIPTIQUE-TEST Eli)"
sign intermediate cps-ec-auth auth_ext 250101000000Z 491231235959Z

# The patient-card root: its own root, never a practitioner trust anchor.
make_root patient-root 5000 "TEST hcbridge Patient Card Root CA"

# Vitale card CA and the vitale-family card's certificate. The subject names
# the card only: the certificate proves the card, it carries no patient data.
make_ca_dir vitale-ca 3000
new_ec_key vitale-ca
new_csr vitale-ca "/C=FR/O=TEST HCBRIDGE PKI/CN=TEST hcbridge Vitale Card CA"
sign patient-root vitale-ca intermediate_ext 240101000000Z 491231235959Z
new_ec_key vitale-family-card
new_csr vitale-family-card "/C=FR/O=TEST HCBRIDGE VITALE/CN=TEST Vitale card 0000000001"
sign vitale-ca vitale-family-card card_ext 250101000000Z 491231235959Z

# A CA under the practitioner root that is not a practitioner issuer.
make_ca_dir staff-ca 6000
new_key staff-ca
new_csr staff-ca "/C=FR/O=TEST HCBRIDGE PKI/CN=TEST hcbridge Staff CA"
sign root staff-ca intermediate_ext 240101000000Z 491231235959Z
new_key staff-auth
new_csr staff-auth "$(practitioner 810000000084 10 PERSONNEL-TEST Sam)"
sign staff-ca staff-auth auth_ext 250101000000Z 491231235959Z

# A root hcbridge does not trust, and the certificates it issues.
make_root other-root 4000 "TEST hcbridge Other Root CA"
new_key cps-wrong-ca-auth
new_csr cps-wrong-ca-auth "$(practitioner 810000000043 10 FAUSSE-TEST Eve)"
sign other-root cps-wrong-ca-auth auth_ext 250101000000Z 491231235959Z
new_ec_key vitale-forged-card
new_csr vitale-forged-card "/C=FR/O=TEST HCBRIDGE VITALE/CN=TEST Vitale card 0000000001"
sign other-root vitale-forged-card card_ext 250101000000Z 491231235959Z

# Revoke one and publish the CRL (fixed update times).
openssl ca -batch -config "$WORK/intermediate/ca.cnf" -revoke "$OUT/cps-revoked-auth.cert.pem" \
  -crl_reason keyCompromise 2>/dev/null
# The revocation time openssl ca recorded (now) -> the fixed one of the first run.
sed -i 's/^R\t\([0-9]*Z\)\t[0-9]*Z,/R\t\1\t261129201456Z,/' "$WORK/intermediate/index.txt"
openssl ca -batch -gencrl -config "$WORK/intermediate/ca.cnf" -crlexts crl_ext \
  -crl_lastupdate 20250601000000Z -crl_nextupdate 20491231000000Z -out "$OUT/intermediate.crl.pem" \
  2>/dev/null
openssl crl -in "$OUT/intermediate.crl.pem" -outform DER -out "$OUT/intermediate.crl"

cat "$OUT/intermediate.cert.pem" "$OUT/root.cert.pem" > "$OUT/chain.pem"
# Sanity: the chain verifies, the revoked certificate does not with the CRL.
openssl verify -attime 1767225600 -CAfile "$OUT/root.cert.pem" -untrusted "$OUT/intermediate.cert.pem" \
  "$OUT/cps-demo-auth.cert.pem" "$OUT/cps-demo-sign.cert.pem" "$OUT/cps-wrong-usage-auth.cert.pem" \
  "$OUT/cps-ec-auth.cert.pem" >/dev/null
openssl verify -attime 1767225600 -CAfile "$OUT/patient-root.cert.pem" \
  -untrusted "$OUT/vitale-ca.cert.pem" "$OUT/vitale-family-card.cert.pem" >/dev/null
openssl verify -attime 1767225600 -CAfile "$OUT/root.cert.pem" -untrusted "$OUT/staff-ca.cert.pem" \
  "$OUT/staff-auth.cert.pem" >/dev/null
if openssl verify -attime 1767225600 -CAfile "$OUT/root.cert.pem" \
  -untrusted "$OUT/vitale-ca.cert.pem" "$OUT/vitale-family-card.cert.pem" >/dev/null 2>&1; then
  echo "$0: a patient card certificate verifies against the practitioner root" >&2
  exit 1
fi
openssl verify -attime 1767225600 -CAfile "$OUT/other-root.cert.pem" "$OUT/cps-wrong-ca-auth.cert.pem" \
  "$OUT/vitale-forged-card.cert.pem" >/dev/null
for name in cps-wrong-ca-auth vitale-forged-card; do
  if openssl verify -attime 1767225600 -CAfile "$OUT/root.cert.pem" \
    -untrusted "$OUT/intermediate.cert.pem" -untrusted "$OUT/vitale-ca.cert.pem" \
    "$OUT/$name.cert.pem" >/dev/null 2>&1; then
    echo "$0: $name verifies against the test root" >&2
    exit 1
  fi
done
if openssl verify -attime 1767225600 -crl_check -CRLfile "$OUT/intermediate.crl.pem" \
  -CAfile "$OUT/root.cert.pem" -untrusted "$OUT/intermediate.cert.pem" \
  "$OUT/cps-revoked-auth.cert.pem" >/dev/null 2>&1; then
  echo "$0: the revoked certificate still verifies" >&2
  exit 1
fi
echo "TEST PKI written to $OUT"
