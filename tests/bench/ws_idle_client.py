#!/usr/bin/env python3
"""ws_idle_client.py — one idle WebSocket client for tests/bench/idle_cost.sh.

Usage: ws_idle_client.py HOST PORT PATH KEY

Standard library only. Opens PATH (e.g. /v1/events) with `Authorization:
Bearer KEY`, prints "connected" once the server accepted the upgrade, then
one line per frame it receives ("text N bytes", "ping", ...), answers pings
with pongs and stays connected until the server closes or it is killed.
"""
import base64
import os
import socket
import struct
import sys


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def send_frame(sock, opcode, payload=b""):
    mask = os.urandom(4)  # client frames are masked (RFC 6455 5.3)
    header = bytes([0x80 | opcode, 0x80 | len(payload)])  # control frames: < 126 bytes
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    host, port, path, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    sock = socket.create_connection((host, port))
    nonce = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
         f"Connection: Upgrade\r\nSec-WebSocket-Key: {nonce}\r\n"
         f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {key}\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            sys.exit("ws_idle_client: connection closed during the handshake")
        response += chunk
    head, _, rest = response.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].decode()
    if " 101 " not in status + " ":
        sys.exit(f"ws_idle_client: upgrade refused: {status}")
    print("connected", flush=True)
    buffered = rest

    def take(n):
        nonlocal buffered
        if len(buffered) >= n:
            out, buffered = buffered[:n], buffered[n:]
            return out
        out, buffered = buffered, b""
        return out + read_exact(sock, n - len(out))

    try:
        while True:
            b0, b1 = take(2)
            opcode, length = b0 & 0x0F, b1 & 0x7F
            if length == 126:
                length = struct.unpack("!H", take(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", take(8))[0]
            payload = take(length)  # server frames are not masked
            if opcode == 0x9:
                print("ping", flush=True)
                send_frame(sock, 0xA, payload)
            elif opcode == 0x8:
                print("close", flush=True)
                send_frame(sock, 0x8, payload[:2])
                return
            else:
                print(f"frame opcode={opcode} {length} bytes", flush=True)
    except EOFError:
        print("eof", flush=True)


if __name__ == "__main__":
    main()
