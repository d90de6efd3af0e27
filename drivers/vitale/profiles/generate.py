#!/usr/bin/env python3
"""Writes the Carte Vitale simulator profiles (vitale-*.json) of this folder.

Everything in them is invented TEST data: names, birth dates, card serials,
the pointer-file labels, the file IDs 2002/2003/2F00 and their layout, the
end-of-validity tag 66/81. Public facts used (shared/cards/vitale.md): the
ATR, the two AIDs, EF 2001 and its layout, the tags 65/80/81/82/93, 66/80.
NIRs are public test vectors or keyed with the public rule; none is a real
person's. Run it from anywhere; commit the JSON it writes.
"""
import json
import os

VITALE_AID = "D2500000025649 54414C45".replace(" ", "")
MF_VITALE_AID = "D25000000 24D465F564954414C45".replace(" ", "")
ATR = "3B 75 13 00 00 45 09 EA 90 00"


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


def profile(name, description, beneficiaries, start, end, serial):
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
                 ]},
            ],
        },
    }


INVENTED = ("Everything on it is invented TEST data: names, birth dates, the card serial in EF 2F02, "
            "the pointer-file entries, the data file IDs 2002/2003 and their layout")

HOLDER_NIR = nir("1750475056123")
PROFILES = [
    profile("vitale-family",
            "Carte Vitale 2 TEST card of a family (the demo patient card): holder, spouse and two "
            "children, the younger with the 'lunar' birth date 20150035; the children carry the "
            "holder's NIR, as dependants do. " + INVENTED + ". The spouse's NIR is the public DMP "
            "test NIR 279035121518989; the others are keyed with the public rule. Not a real person.",
            [("DUPONT-TEST", "JEAN", "19750412", HOLDER_NIR),
             ("DUPONT-TEST", "ALICE", "19790328", "279035121518989"),
             ("DUPONT-TEST", "LUCAS", "20100305", HOLDER_NIR),
             ("DUPONT-TEST", "EMMA", "20150035", HOLDER_NIR)],
            "20200115", None, "92500000000000001001"),
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

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for p in PROFILES:
        with open(os.path.join(here, p["name"] + ".json"), "w", encoding="utf-8") as out:
            json.dump(p, out, indent=2, ensure_ascii=False)
            out.write("\n")
