#!/usr/bin/env python3
"""Writes the Carte Vitale simulator profiles (vitale-*.json) of this folder.

Everything in them is invented TEST data: names, birth dates, card serials,
the pointer-file labels, the file IDs 2002/2003/2F00 and their layout, the
end-of-validity tag 66/81. Public facts used (shared/cards/vitale.md): the
ATR, the two AIDs, EF 2001 and its layout, the tags 65/80/81/82/93, 66/80.
NIRs are public test vectors or keyed with the public rule; none is a real
person's. Run it from anywhere; commit the JSON it writes.

The card-authentication function of vitale-family, vitale-forged and
vitale-cloned is INVENTED: the real Vitale card authentication is not public
(SESAM-Vitale licence). An EF with an invented FID (2F10) in VITALE holds an
X.509 card certificate (DER) and an invented key reference (10) answers
INTERNAL AUTHENTICATE without PIN (EC P-256, plain r||s). Certificates and
keys come from the TEST PKI in tests/pki/fixtures (run
tests/pki/make-test-pki.sh first when regenerating them): TEST ONLY keys.
"""
import json
import os

VITALE_AID = "D2500000025649 54414C45".replace(" ", "")
MF_VITALE_AID = "D25000000 24D465F564954414C45".replace(" ", "")
ATR = "3B 75 13 00 00 45 09 EA 90 00"
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests",
                        "pki", "fixtures")
CARD_CERT_FID = "2F10"  # invented
CARD_KEY_REF = "10"  # invented


def nir_key(first13):
    digits = first13.replace("2A", "19").replace("2B", "18") if first13[5:7] in ("2A", "2B") else first13
    return "%02d" % (97 - int(digits) % 97)


def nir(first13):
    return first13 + nir_key(first13)


def tlv(tag, value):
    assert len(value) < 0x80
    return bytes([tag, len(value)]) + value


def beneficiary(surname, given, birth, nir_value):
    return tlv(0x65, tlv(0x80, surname.encode()) + tlv(0x81, given.encode())
               + tlv(0x82, birth.encode()) + tlv(0x93, nir_value.encode()))


def hexs(data):
    return " ".join("%02X" % b for b in data)


def pointer_file():
    apps = (tlv(0x82, bytes.fromhex("00010000" + VITALE_AID))
            + tlv(0x82, bytes.fromhex("00020000" + MF_VITALE_AID)))
    files = (tlv(0x80, b"EF_BENEF" + bytes.fromhex("00012002"))
             + tlv(0x80, b"EF_CARTE" + bytes.fromhex("00012003")))
    return tlv(0xE0, tlv(0xA0, apps) + files)


def padded(data, size):
    assert len(data) <= size, (len(data), size)
    return data + bytes(size - len(data))


def fixture(name, mode="rb"):
    with open(os.path.join(FIXTURES, name), mode) as f:
        return f.read()


def card_certificate_ef(cert_name):
    return {"comment": ("INVENTED card-authentication certificate EF (FID 2F10 invented; the real "
                        "Vitale card authentication is not public): X.509 DER, TEST PKI " + cert_name),
            "type": "EF", "fid": CARD_CERT_FID, "data": hexs(fixture(cert_name + ".cert.der"))}


def card_key(key_name):
    return {"comment": ("INVENTED card-authentication key, reference 10 (invented): INTERNAL "
                        "AUTHENTICATE without PIN, never PSO. EC P-256, TEST ONLY "
                        "(tests/pki/fixtures/" + key_name + ".key.pem)"),
            "ref": CARD_KEY_REF, "use": "never", "authenticate": "always",
            "pem": fixture(key_name + ".key.pem", "r").strip().splitlines()}


def profile(name, description, beneficiaries, start, end, serial, card_auth=None):
    card = tlv(0x80, start.encode())
    if end:
        card += tlv(0x81, end.encode())
    benef = b"".join(beneficiary(*b) for b in beneficiaries)
    return {
        "name": name,
        "description": description,
        "atr": ATR,
        "protocol": "T=0",
        "mf": {
            "_comment": "MF = MF_VITALE (public AID); its DF name is an assumption",
            "aid": MF_VITALE_AID,
            "children": [
                {"comment": "EF.DIR (invented content): one template naming VITALE",
                 "type": "records", "fid": "2F00",
                 "records": [hexs(tlv(0x61, tlv(0x4F, bytes.fromhex(VITALE_AID)) + tlv(0x50, b"VITALE")))]},
                {"comment": "EF 2F02 'PAN' (format not public: invented 5A 0A + 10 BCD bytes)",
                 "type": "EF", "fid": "2F02", "data": hexs(tlv(0x5A, bytes.fromhex(serial)))},
                {"comment": "the VITALE application (public AID)",
                 "type": "DF", "aid": VITALE_AID,
                 "children": [
                     {"comment": "EF 2001 pointer file (public layout; entries invented)",
                      "type": "EF", "fid": "2001", "data": hexs(pointer_file())},
                     {"comment": "EF 2002 'EF_BENEF' (invented FID): templates 65, zero-padded to 300 bytes",
                      "type": "EF", "fid": "2002", "data": hexs(padded(benef, 300))},
                     {"comment": "EF 2003 'EF_CARTE' (invented FID): template 66 (80 start; 81 end is an invented tag)",
                      "type": "EF", "fid": "2003", "data": hexs(padded(tlv(0x66, card), 32))},
                 ] + ([card_certificate_ef(card_auth[0])] if card_auth else [])},
            ],
        },
        **({"keys": [card_key(card_auth[1])]} if card_auth else {}),
    }


INVENTED = ("Everything on it is invented TEST data: names, birth dates, the card serial in EF 2F02, "
            "the pointer-file entries, the data file IDs 2002/2003 and their layout")

INVENTED_AUTH = (
    "It also has an INVENTED card-authentication function (the real Vitale card authentication "
    "is not public: SESAM-Vitale licence): EF 2F10 in VITALE (invented FID) holds an X.509 card "
    "certificate with no patient data in it, and key reference 10 (invented) signs a 32-byte "
    "challenge digest by INTERNAL AUTHENTICATE without PIN (EC P-256, r||s)")

HOLDER_NIR = nir("1750475056123")
FAMILY = [("DUPONT-TEST", "JEAN", "19750412", HOLDER_NIR),
          ("DUPONT-TEST", "ALICE", "19790328", "279035121518989"),
          ("DUPONT-TEST", "LUCAS", "20100305", HOLDER_NIR),
          ("DUPONT-TEST", "EMMA", "20150035", HOLDER_NIR)]
FAMILY_DESCRIPTION = (
    "Carte Vitale 2 TEST card of a family (the demo patient card): holder, spouse and two "
    "children, the younger with the 'lunar' birth date 20150035; the children carry the "
    "holder's NIR, as dependants do. " + INVENTED + ". The spouse's NIR is the public DMP "
    "test NIR 279035121518989; the others are keyed with the public rule. Not a real person. "
    + INVENTED_AUTH + "; certificate and key from hcbridge's TEST PKI (vitale-family-card, "
    "issued by the 'TEST hcbridge Vitale Card CA'; TEST ONLY key).")
PROFILES = [
    profile("vitale-family", FAMILY_DESCRIPTION, FAMILY, "20200115", None, "92500000000000001001",
            ("vitale-family-card", "vitale-family-card")),
    profile("vitale-corse",
            "Carte Vitale 2 TEST card of two beneficiaries born in Corsica: NIRs with the "
            "departements 2A and 2B (public test vectors 253072A07300443 and 253072B07300470). "
            + INVENTED + ". Not a real person.",
            [("CORSE-TEST", "ANNA", "19530712", "253072A07300443"),
             ("CORSE-TEST", "MARIA", "19530712", "253072B07300470")],
            "20190601", None, "92500000000000001002"),
    profile("vitale-expired",
            "Carte Vitale 2 TEST card whose validity dates are in the past (start 2005-03-01, end "
            "2015-02-28, in the invented tag 66/81). " + INVENTED + ". Not a real person.",
            [("ANCIEN-TEST", "PAUL", "19600101", nir("1600133063042"))],
            "20050301", "20150228", "92500000000000001003"),
]

# Merge patches over vitale-family (registered with it as their base):
# the same card data with another card-authentication certificate or key.
FORGED = profile("vitale-forged", "", FAMILY, "20200115", None, "92500000000000001001",
                 ("vitale-forged-card", "vitale-forged-card"))
PATCHES = [
    {"name": "vitale-forged",
     "description": (
         "The vitale-family TEST card (invented family, see vitale-family) with a forged card "
         "certificate: its INVENTED card-authentication EF 2F10 holds a certificate issued by "
         "the 'TEST hcbridge Other Root CA', which hcbridge does not trust, and key 10 is that "
         "certificate's key (TEST PKI vitale-forged-card, TEST ONLY), so the signature verifies "
         "but the chain does not. The real Vitale card authentication is not public. A JSON "
         "merge patch over vitale-family."),
     "mf": FORGED["mf"], "keys": FORGED["keys"]},
    {"name": "vitale-cloned",
     "description": (
         "The vitale-family TEST card (invented family, see vitale-family) as a clone: its "
         "INVENTED card-authentication EF 2F10 holds vitale-family's genuine TEST certificate, "
         "but key 10 is another TEST ONLY key (TEST PKI vitale-forged-card.key.pem), so its "
         "signatures do not verify against the certificate. The real Vitale card authentication "
         "is not public. A JSON merge patch over vitale-family."),
     "keys": [card_key("vitale-forged-card")]},
]

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for p in PROFILES + PATCHES:
        with open(os.path.join(here, p["name"] + ".json"), "w", encoding="utf-8") as out:
            json.dump(p, out, indent=2, ensure_ascii=False)
            out.write("\n")
