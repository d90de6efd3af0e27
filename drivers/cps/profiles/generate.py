#!/usr/bin/env python3
"""Writes the CPS simulator profiles (cps-*.json) of this folder from the TEST
PKI fixtures in tests/pki/fixtures (run tests/pki/make-test-pki.sh first when
regenerating them). Commit the JSON it writes: the build only reads it.

Public facts used (shared/cards/cps.md): the ATR, the PKCS#15 AID, EF.SN.ICC
(3F00/D003) and the ANS issuer number, EF.ATR's content, DF 0001 with 7001,
the key references 81/82, PIN reference 01 with 3 tries, the certificate
labels and key IDs (AID || 01/02). From OpenSC 0.23.0 (what its IAS-ECC
driver needs to accept a CPx, docs/cards-french.md): EF.ATR with pre-issuing
data (46, at least 4 bytes) and the IO buffer sizes (E0, 16 bytes), the SFIs of
EF.DIR/EF.ATR/EF.SN (1E/1D/1C), the algorithm reference 02 (RSA PKCS#1) in
TokenInfo's supportedAlgorithms. Invented: the PKCS#15 DF's FID 5015, the
FIDs of the PrKDF/CDF/AODF and certificate files, the AODF/PrKDF/TokenInfo
content, the pre-issuing bytes, the serial number, the PIN 1234 and PUK, the
keys and certificates (TEST ONLY, from the test PKI) and the subject layout.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "..", "tests", "pki", "fixtures")

ATR_CPS3 = "3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00"
PKCS15_AID = bytes.fromhex("E828BD080F8025000001FF0010")
ISSUER = "8025000001"
SERIAL = "99001234"  # invented


def der_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, value):
    return bytes([tag]) + der_len(len(value)) + value


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def octets(data):
    return tlv(0x04, data)


def integer(n):
    body = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")
    return tlv(0x02, body)


def utf8(text):
    return tlv(0x0C, text.encode("utf-8"))


def path(hexpath):
    return seq(octets(bytes.fromhex(hexpath)))


def hexs(data):
    return " ".join("%02X" % b for b in data)


def luhn_digit(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def sn_icc():
    digits = ISSUER + SERIAL
    return tlv(0x5A, bytes.fromhex(digits + "%dF" % luhn_digit(digits)))


def read(name, mode="rb"):
    with open(os.path.join(FIXTURES, name), mode) as f:
        return f.read()


def odf():
    return (tlv(0xA0, path("3F0050154401")) + tlv(0xA4, path("3F0050154404"))
            + tlv(0xA8, path("3F0050154408")))


def cdf(with_signature=True):
    # The signature certificate first: the driver finds the authentication one by label.
    sign = seq(seq(utf8("Certificat de Signature CPS")), seq(octets(PKCS15_AID + b"\x01")),
               tlv(0xA1, seq(path("3F0050154302"))))
    auth = seq(seq(utf8("Certificat d'Authentification CPS")), seq(octets(PKCS15_AID + b"\x02")),
               tlv(0xA1, seq(path("3F0050154301"))))
    return (sign if with_signature else b"") + auth


def bits(*numbers, width):
    """A DER BIT STRING of `width` bits with the given bit numbers set (bit 0 first)."""
    value = bytearray((width + 7) // 8)
    for n in numbers:
        value[n // 8] |= 0x80 >> (n % 8)
    return tlv(0x03, bytes([len(value) * 8 - width]) + bytes(value))


def prkdf(with_signature=True):
    def key(label, key_id, usage, ref):
        return seq(seq(utf8(label), tlv(0x03, b"\x07\x80"), octets(b"\x01")),
                   seq(octets(PKCS15_AID + key_id), usage, integer(ref)),
                   tlv(0xA1, seq(path("3F000001"), integer(2048))))
    # KeyUsageFlags: decrypt (1), sign (2), nonRepudiation (9) (cps.md: the authentication
    # key decrypts and signs; the signature key is for non-repudiation).
    sign = key("CPS_PRIV_SIG", b"\x01", bits(9, width=10), 0x81) if with_signature else b""
    return sign + key("CPS_PRIV_AUT", b"\x02", bits(1, 2, width=3), 0x82)


def aodf():
    # PinAttributes: flags initialized (4) only, no needs-padding (5): the card compares the
    # ASCII digits as typed; type ascii-numeric (1), min 4, stored 8, max 8,
    # reference [0] 01, pad char FF (all invented: the real values are not public).
    return seq(seq(utf8("PIN CPS"), tlv(0x03, b"\x07\x80")), seq(octets(b"\x01")),
               tlv(0xA1, seq(bits(4, width=5), tlv(0x0A, b"\x01"), integer(4), integer(8),
                             integer(8), tlv(0x80, b"\x01"), octets(b"\xFF"))))


def token_info():
    # supportedAlgorithms [2]: reference 1, CKM_RSA_PKCS (1), RSA parameters NULL,
    # operations compute-signature (1), algRef 02 = IAS-ECC RSA PKCS#1 (OpenSC's
    # IAS-ECC driver takes the MSE algorithm from here; the CPS3 trace sends 80 01 02).
    rsa_pkcs1 = seq(integer(1), integer(1), tlv(0x05, b""), bits(1, width=8), integer(2))
    return seq(integer(0), octets(SERIAL.encode()), utf8("TEST hcbridge"),
               tlv(0x80, b"CPS TEST"), tlv(0x03, b"\x06\x40"), tlv(0xA2, rsa_pkcs1))


def ef_atr():
    # 46: pre-issuing data, OpenSC reads IC manufacturer, IC type, OS and IAS-ECC
    # versions from its first 4 bytes (values invented); E0: IO buffer sizes as published.
    return (tlv(0x46, bytes.fromhex("00 00 01 01"))
            + bytes.fromhex("E0 10 02 02 01 04 02 02 01 04 02 02 01 00 02 02 01 00"))


def pem_lines(name):
    return read(name, "r").strip().splitlines()


def mf(auth_cert, with_signature=True):
    """The card's file tree. Without the signature pair, the CDF and PrKDF
    list the authentication certificate and key only, and EF 4302 is absent."""
    pkcs15 = [
        {"comment": "ODF: PrKDF 4401, CDF 4404, AODF 4408",
         "type": "EF", "fid": "5031", "data": hexs(odf())},
        {"comment": "TokenInfo (invented)",
         "type": "EF", "fid": "5032", "data": hexs(token_info())},
        {"comment": ("PrKDF: CPS_PRIV_SIG (81) and CPS_PRIV_AUT (82)" if with_signature
                     else "PrKDF: CPS_PRIV_AUT (82) only"),
         "type": "EF", "fid": "4401", "data": hexs(prkdf(with_signature))},
        {"comment": ("CDF: signature then authentication certificate" if with_signature
                     else "CDF: the authentication certificate only"),
         "type": "EF", "fid": "4404", "data": hexs(cdf(with_signature))},
        {"comment": "AODF: the user PIN, reference 01 (attributes invented)",
         "type": "EF", "fid": "4408", "data": hexs(aodf())},
        {"comment": "Certificat d'Authentification CPS (TEST PKI: %s)" % auth_cert,
         "type": "EF", "fid": "4301", "data": hexs(read(auth_cert + ".cert.der"))},
    ]
    if with_signature:
        pkcs15.append({"comment": "Certificat de Signature CPS (TEST PKI: cps-demo-sign)",
                       "type": "EF", "fid": "4302", "data": hexs(read("cps-demo-sign.cert.der"))})
    return {
        "children": [
            {"comment": "EF.DIR (invented content): the PKCS#15 application",
             "type": "records", "fid": "2F00", "sfi": "1E",
             "records": [hexs(tlv(0x61, tlv(0x4F, PKCS15_AID) + tlv(0x50, b"CPS TEST")
                                  + tlv(0x51, bytes.fromhex("3F005015"))))]},
            {"comment": "EF.ATR: pre-issuing data (invented) and buffer sizes as published (cps.md §5)",
             "type": "EF", "fid": "2F01", "sfi": "1D", "data": hexs(ef_atr())},
            {"comment": "EF.SN.ICC: 5A 0A, ANS issuer 80 25 00 00 01, invented serial, Luhn digit + F",
             "type": "EF", "fid": "D003", "sfi": "1C", "data": hexs(sn_icc())},
            {"comment": "DF 0001 (keys); 7001 is readable in contact mode (content invented)",
             "type": "DF", "fid": "0001",
             "children": [{"type": "EF", "fid": "7001", "data": "00"}]},
            {"comment": "PKCS#15 application; FID 5015 and all file IDs below are invented",
             "type": "DF", "fid": "5015", "aid": hexs(PKCS15_AID), "children": pkcs15},
        ]
    }


def auth_key(key_name):
    return {"comment": "CPS_PRIV_AUT, RSA-2048, TEST ONLY (tests/pki/fixtures/%s.key.pem)" % key_name,
            "ref": "82", "use": "pin:01", "pem": pem_lines(key_name + ".key.pem")}


def demo():
    return {
        "name": "cps-demo",
        "description": (
            "CPS3 contact TEST card of an invented practitioner (the demo practitioner card): "
            "Hélène DURAND-TEST, physician (TRE_G15 10), idNat_PS 810101201234. PIN 1234 "
            "(3 tries), PUK 12345678. Public: the ATR, PKCS#15 AID, EF.SN.ICC with the ANS "
            "issuer number, key references 81/82, PIN reference 01, certificate labels. "
            "Invented TEST data: the serial number, the PKCS#15 DF FID 5015 and the FIDs of its "
            "files, the PrKDF/AODF/TokenInfo content, the PIN/PUK values, the subject layout, "
            "and the keys and certificates, which come from hcbridge's TEST PKI (TEST ONLY, "
            "public keys: never trust them)."),
        "atr": ATR_CPS3,
        "protocol": "T=0",
        "mf": mf("cps-demo-auth"),
        "pins": [{"ref": "01", "value": "1234", "format": "ascii", "maxTries": 3,
                  "puk": "12345678", "pukMaxTries": 10}],
        "keys": [
            auth_key("cps-demo-auth"),
            {"comment": "CPS_PRIV_SIG, RSA-2048, TEST ONLY (tests/pki/fixtures/cps-demo-sign.key.pem)",
             "ref": "81", "use": "pin:01", "pem": pem_lines("cps-demo-sign.key.pem")},
        ],
    }


def auth_patch(name, auth_cert, key_name, what):
    """A card like cps-demo (same PIN, files and layout) that carries only an
    authentication certificate and key 82, for certificate-check tests."""
    return {
        "name": name,
        "description": (
            "CPS3 contact TEST card like cps-demo (PIN 1234, same invented files and layout) "
            "carrying " + what + ". Only the authentication certificate and key (82) are on it: "
            "the TEST PKI has no signature certificate for it. Invented TEST data: the "
            "practitioner, the serial number and file layout (see cps-demo); the certificate "
            "and key come from hcbridge's TEST PKI (TEST ONLY, public keys: never trust them). "
            "A JSON merge patch over cps-demo."),
        "mf": mf(auth_cert, with_signature=False),
        "keys": [auth_key(key_name)],
    }


def pin_patch(name, tries_left, what):
    return {
        "name": name,
        "description": (
            "The cps-demo CPS3 TEST card (invented practitioner, TEST ONLY keys and "
            "certificates, see cps-demo) with " + what + ". A JSON merge patch over cps-demo."),
        "pins": [{"ref": "01", "value": "1234", "format": "ascii", "maxTries": 3,
                  "triesLeft": tries_left, "puk": "12345678", "pukMaxTries": 10}],
    }


def write(name, document):
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")


if __name__ == "__main__":
    write("cps-demo", demo())
    write("cps-one-try-left", pin_patch("cps-one-try-left", 1,
                                        "PIN 1234 having 1 try left (a wrong PIN blocks it)"))
    write("cps-blocked", pin_patch("cps-blocked", 0, "PIN 1234 blocked (0 tries left)"))
    write("cps-expired", auth_patch(
        "cps-expired", "cps-expired-auth", "cps-expired-auth",
        "an authentication certificate that expired on 2018-01-01 (TEST PKI cps-expired-auth: "
        "Paul ANCIEN-TEST, invented, idNat_PS 810000000027)"))
    write("cps-revoked", auth_patch(
        "cps-revoked", "cps-revoked-auth", "cps-revoked-auth",
        "an authentication certificate revoked in the TEST intermediate CA's CRL (TEST PKI "
        "cps-revoked-auth: Marc REVOQUE-TEST, invented, idNat_PS 810000000035)"))
    write("cps-wrong-ca", auth_patch(
        "cps-wrong-ca", "cps-wrong-ca-auth", "cps-wrong-ca-auth",
        "an authentication certificate issued by the 'TEST hcbridge Other Root CA', which "
        "hcbridge does not trust (TEST PKI cps-wrong-ca-auth: Eve FAUSSE-TEST, invented, "
        "idNat_PS 810000000043)"))
    write("cps-wrong-usage", auth_patch(
        "cps-wrong-usage", "cps-wrong-usage-auth", "cps-wrong-usage-auth",
        "an authentication certificate whose keyUsage is keyEncipherment only, without "
        "digitalSignature (TEST PKI cps-wrong-usage-auth: Ugo USAGE-TEST, invented, idNat_PS "
        "810000000050)"))
    write("cps-cloned", auth_patch(
        "cps-cloned", "cps-demo-auth", "cps-cloned",
        "a copied certificate: cps-demo's authentication certificate (Hélène DURAND-TEST) "
        "with another key (TEST PKI cps-cloned.key.pem), so its signatures do not verify "
        "against the certificate"))
