#!/usr/bin/python3
"""Starts a service the way systemd's Type=notify does and waits for READY=1.

Usage: start_until_ready.py NOTIFY_SOCKET LOG_FILE COMMAND...

Binds a datagram socket at NOTIFY_SOCKET (writable by everyone, so a service
that drops to its own user can still notify), starts COMMAND with
$NOTIFY_SOCKET set and its output appended to LOG_FILE, and prints
"PID MILLISECONDS" once the service sent READY=1. The service keeps running.
Exit 1 (with the log's tail) when it exits or stays silent for 15 s.
"""
import os
import socket
import subprocess
import sys
import time


def main() -> int:
    path, log_path, command = sys.argv[1], sys.argv[2], sys.argv[3:]
    if os.path.exists(path):
        os.unlink(path)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(path)
    os.chmod(path, 0o777)
    notify.settimeout(0.05)
    with open(log_path, "ab") as log:
        started = time.monotonic()
        service = subprocess.Popen(command, env={**os.environ, "NOTIFY_SOCKET": path},
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
    while time.monotonic() - started < 15:
        try:
            message = notify.recv(4096).decode()
        except socket.timeout:
            if service.poll() is not None:
                break
            continue
        if "READY=1" in message.split("\n"):
            elapsed_ms = (time.monotonic() - started) * 1000
            print(f"{service.pid} {elapsed_ms:.1f}")
            return 0
    code = service.poll()
    with open(log_path, errors="replace") as log:
        tail = log.read()[-2000:]
    print(f"start_until_ready: no READY=1 from {command[0]} (exit code {code}); log:\n{tail}",
          file=sys.stderr)
    if code is None:
        service.kill()
    return 1


if __name__ == "__main__":
    sys.exit(main())
