"""The end-of-run checks on files: the audit chain (`hcbridge audit verify`
with the key) and no health data or PIN in any log."""
import json
import os
import re
import subprocess


def audit_verify(hcbridge, log, key):
    """(ok, lines, output)."""
    result = subprocess.run([hcbridge, "audit", "verify", log, "--key", key],
                            capture_output=True, text=True)
    with open(log, "rb") as f:
        lines = sum(1 for _ in f)
    return result.returncode == 0, lines, (result.stdout + result.stderr).strip()


def _tlv_values(data):
    """The primitive values of a BER-TLV string with one-byte tags and lengths."""
    out, i = [], 0
    while i + 2 <= len(data):
        tag, length = data[i], data[i + 1]
        value = data[i + 2:i + 2 + length]
        if tag & 0x20:  # constructed
            out += _tlv_values(value)
        elif tag:
            out.append(value)
        i += 2 + length
    return out


def vitale_profile_values(path):
    """Names, birth dates and NIRs of a Vitale simulator profile (EF 2002,
    docs/sim-profiles.md), read from the profile itself, not from the API."""
    with open(path) as f:
        profile = json.load(f)
    values = set()

    def visit(node):
        for child in node.get("children", []):
            if child.get("fid") == "2002" and "data" in child:
                for value in _tlv_values(bytes.fromhex(child["data"].replace(" ", ""))):
                    values.add(value.decode("latin-1"))
            visit(child)

    visit(profile["mf"])
    return values


# Numbers the logs carry by design (audit sequence numbers, durations) and the
# audit lines' hashes: a patient value or PIN matching inside them is no leak.
_BY_DESIGN = re.compile(r'"(?:seq|prev|mac|cardSerialHash|time)":(?:"[^"]*"|\d+)|seq=\d+|'
                        r'head=[0-9a-f]+|\b\d+ms\b')
# The PIN as a leak would show it: quoted, or after the word PIN.
_PIN_FORMS = r'["\']%s["\']|pin\W{0,3}%s(?![0-9])'


def leaks(paths, patient_values, pin):
    """[(file, what)] for each patient value or the PIN found in the files."""
    needles = [re.compile(r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % re.escape(v))
               for v in sorted(patient_values) if len(v) >= 4]
    pin_pattern = re.compile(_PIN_FORMS % (re.escape(pin), re.escape(pin)), re.IGNORECASE)
    found = []
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = _BY_DESIGN.sub("", f.read())
        for needle in needles:
            if needle.search(text):
                value = needle.pattern.split(")", 1)[1]
                found.append((os.path.basename(path), "patient data '%s…'" % value[:2]))
        if pin_pattern.search(text):
            found.append((os.path.basename(path), "the PIN"))
    return found
