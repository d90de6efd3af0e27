#!/usr/bin/python3
"""Checks the OpenAPI document of a running `hcbridged --simulate` against its
real answers: each response body is validated (JSON Schema Draft 2020-12,
Debian's python3-jsonschema) against the schema the document declares for
that path, status and content type, WebSocket event frames included.

Usage: openapi_responses_test.py PATH/TO/hcbridged   (exit 0 = all match)
"""
import base64
import http.client
import json
import time
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.parse

import jsonschema

HCBRIDGED = sys.argv[1]
failures = []


def start_daemon(folder):
    config = os.path.join(folder, "config.json")
    with open(config, "w") as f:
        json.dump({"audit_log": os.path.join(folder, "audit.log"),
                   "serial_key_file": os.path.join(folder, "serial.key"),
                   "app_keys_file": os.path.join(folder, "keys.json"),
                   "require_practitioner_session": False,
                   "app_origins": {"demo": "https://dmp.example"}}, f)
    daemon = subprocess.Popen([HCBRIDGED, "--simulate", "--listen", "0", "--config", config],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = key = None
    for _ in range(5):  # the start line, then the demo lines with the key
        line = daemon.stdout.readline()
        port = port or re.search(r"listening on http://127\.0\.0\.1:(\d+) ", line)
        key = key or re.search(r"Bearer (hcb_[A-Za-z0-9_-]+)'", line)
        if port and key:
            return daemon, int(port.group(1)), key.group(1)
    daemon.kill()
    sys.exit("hcbridged did not print its port and demo key")


def request(port, target, headers, method="GET", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if body is not None:
        headers = dict(headers, **{"Content-Type": "application/json"})
        body = json.dumps(body)
    connection.request(method, target, body=body, headers=headers)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, response.getheader("Content-Type"), body


def resolve(node):
    """Follows "$ref": "#/components/..." to the node it names."""
    while "$ref" in node:
        parts = node["$ref"].split("/")[1:]
        node = document_root
        for part in parts:
            node = node[part]
    return node


def declared_schema(path, status, content_type, method="get"):
    responses = document_root["paths"][path][method]["responses"]
    response = responses.get(str(status), responses.get("default"))
    if response is None:
        return None, f"no response declared for {status}"
    response = resolve(response)
    media = (content_type or "").split(";")[0].strip()
    if media not in response.get("content", {}):
        return None, f"{status} answered {media}, declared {list(response.get('content', {}))}"
    return response["content"][media]["schema"], None


def check(what, path, status, content_type, body, method="get"):
    schema, problem = declared_schema(path, status, content_type, method)
    if problem:
        failures.append(f"{what}: {problem}")
        return
    # The schema with the document's components beside it, so "#/components/..." resolves.
    root = dict(schema, components=document_root["components"])
    validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(json.loads(body))]
    if errors:
        failures.append(f"{what} ({path} {status}): " + "; ".join(errors[:5]))
    else:
        print(f"ok   {what} ({path} {status})")


def websocket_frames(port, headers, count):
    """The first `count` text frames of /v1/events (server frames are unmasked)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /v1/events HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, data = data.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 101"):
        failures.append(f"WebSocket upgrade refused: {head[:40]!r}")
        return []

    def take(n):
        nonlocal data
        while len(data) < n:
            data += sock.recv(4096)
        chunk, data = data[:n], data[n:]
        return chunk

    frames = []
    while len(frames) < count:
        first, second = take(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(take(2), "big")
        elif length == 127:
            length = int.from_bytes(take(8), "big")
        payload = take(length)
        if first & 0x0F == 1:
            frames.append(payload.decode())
    sock.close()
    return frames


with tempfile.TemporaryDirectory(prefix="hcbridged-openapi-") as folder:
    daemon, port, key = start_daemon(folder)
    try:
        bearer = {"Authorization": f"Bearer {key}"}
        status, content_type, body = request(port, "/v1/openapi.json", bearer)
        assert status == 200, body
        document_root = json.loads(body)
        for name, schema in document_root["components"]["schemas"].items():
            jsonschema.Draft202012Validator.check_schema(schema)

        readers = json.loads(request(port, "/v1/readers", bearer)[2])["readers"]
        cps_reader = urllib.parse.quote(readers[1]["name"])
        answers = [
            ("status", "/v1/status", bearer),
            ("readers", "/v1/readers", bearer),
            ("practitioner card", "/v1/practitioner-card", bearer),
            ("patient card", "/v1/patient-card", bearer),
            ("patient card, some fields", "/v1/patient-card?fields=beneficiaries,insurer", bearer),
            ("problem app-key-required", "/v1/readers", {}),
            ("problem app-key-invalid", "/v1/status", {"Authorization": "Bearer hcb_nope"}),
            ("problem origin-forbidden", "/v1/readers", {"Origin": "https://evil.example"}),
            ("problem bad-request", "/v1/patient-card?fields=nope", bearer),
            ("problem reader-not-found", "/v1/practitioner-card?reader=nope", bearer),
            ("problem card-unsupported", "/v1/patient-card?reader=" + cps_reader, bearer),
        ]
        for what, target, headers in answers:
            status, content_type, body = request(port, target, headers)
            check(what, target.split("?")[0], status, content_type, body)
        # The practitioner session and its tokens (demo CPS, PIN 1234).
        nonce = base64.b64encode(os.urandom(33)).decode()
        session_calls = [
            ("problem pin-incorrect", "/v1/practitioner/session", "POST", {"pin": "0000"}),
            ("problem practitioner-session-required", "/v1/practitioner/authenticate", "POST",
             {"challengeNonce": nonce}),
            ("session", "/v1/practitioner/session", "POST", {"pin": "1234"}),
            ("patient card accesses", "/v1/patient-card/accesses", "GET", None),
            ("problem nonce-invalid", "/v1/practitioner/authenticate", "POST",
             {"challengeNonce": "short"}),
            ("web eid token", "/v1/practitioner/authenticate", "POST", {"challengeNonce": nonce}),
            ("problem purpose-invalid", "/v1/record-access", "POST",
             {"audience": "https://dmp.example", "nonce": nonce, "purpose": "curious"}),
            ("record access", "/v1/record-access", "POST",
             {"audience": "https://dmp.example", "nonce": nonce, "purpose": "normal",
              "patient": "2790351215189", "pin": "1234"}),
            ("record access for a beneficiary of the card", "/v1/record-access", "POST",
             {"audience": "https://dmp.example", "nonce": nonce, "purpose": "normal",
              "beneficiary": 3}),
            ("problem bad-request (no such beneficiary)", "/v1/record-access", "POST",
             {"audience": "https://dmp.example", "nonce": nonce, "purpose": "normal",
              "beneficiary": 9}),
            ("session closed", "/v1/practitioner/session", "DELETE", None),
        ]
        headers = dict(bearer)
        for what, target, method, body in session_calls:
            status, content_type, answer = request(port, target, headers, method, body)
            check(what, target, status, content_type, answer, method.lower())
            if what == "problem pin-incorrect":
                time.sleep(1.1)  # the service makes the next PIN attempt wait
            if what == "session":
                # The session is the opener's: its token goes with every call using it.
                headers["HCBridge-Session"] = json.loads(answer)["sessionToken"]
        # An undeclared path: checked against any path's default answer, a Problem.
        status, content_type, body = request(port, "/v1/nothing", bearer)
        check("problem not-found", "/v1/status", status, content_type, body)

        for frame in websocket_frames(port, bearer, 4):  # 2 readers, 2 cards
            check("event " + json.loads(frame).get("type", "?"), "/v1/events", 101,
                  "application/json", frame)
    finally:
        daemon.terminate()
        daemon.wait(10)

if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print("the OpenAPI document matches every answer checked")
