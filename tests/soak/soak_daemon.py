"""hcbridged under test: its config (TEST PKI, limits for 200 clients), its
application keys, the process, and its RSS / fds / threads from /proc."""
import asyncio
import json
import os
import re
import subprocess

ORIGIN = "https://dmp.test.example"
# Each load client holds one connection; the per-caller cap (16 by default)
# would otherwise refuse most of the 200 clients of the few callers here.
CONNECTION_LIMIT = 1024


def write_config(work, pki):
    config = {
        "allowed_origins": [ORIGIN],
        "practitioner_trust": {"anchors": [os.path.join(pki, "root.cert.pem")],
                               "intermediates": [os.path.join(pki, "intermediate.cert.pem")],
                               "crls": [os.path.join(pki, "intermediate.crl.pem")]},
        "patient_card_trust": {"anchors": [os.path.join(pki, "patient-root.cert.pem")],
                               "intermediates": [os.path.join(pki, "vitale-ca.cert.pem")]},
        "app_origins": {"clinic": ORIGIN},
        "audit_log": os.path.join(work, "audit.log"),
        "audit_key_file": os.path.join(work, "audit.key"),
        "serial_key_file": os.path.join(work, "serial.key"),
        "app_keys_file": os.path.join(work, "app-keys.json"),
        "limits": {"max_connections": CONNECTION_LIMIT,
                   "max_connections_per_caller": CONNECTION_LIMIT},
    }
    path = os.path.join(work, "config.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    return path


def add_app_key(hcbridge, work, name):
    out = subprocess.run([hcbridge, "apps", "add", name, "--keys",
                          os.path.join(work, "app-keys.json")],
                         capture_output=True, text=True, check=True).stdout
    return re.search(r"hcb_[A-Za-z0-9_-]+", out).group(0)


def is_asan_build(binary):
    with open(binary, "rb") as f:
        return b"AddressSanitizer" in f.read()


class Daemon:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.process = None
        self.port = 0
        self.stdout_path = os.path.join(work, "hcbridged.stdout")
        self.stderr_path = os.path.join(work, "hcbridged.stderr")
        self._drain = None

    async def start(self, config):
        env = dict(os.environ)
        if is_asan_build(self.binary):
            # ASan keeps freed memory in a 256 MiB quarantine by default: RSS
            # would grow by that much and hide a real leak's growth.
            env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16").lstrip(":")
        self.process = await asyncio.create_subprocess_exec(
            self.binary, "--listen", "0", "--config", config,
            stdout=asyncio.subprocess.PIPE, stderr=open(self.stderr_path, "wb"), env=env)
        line = await asyncio.wait_for(self.process.stdout.readline(), 30)
        match = re.search(rb"listening on http://127\.0\.0\.1:(\d+) ", line)
        if not match:
            raise RuntimeError("hcbridged printed no start line: %r" % line)
        self.port = int(match.group(1))
        self._drain = asyncio.create_task(self._keep_stdout(line))

    async def _keep_stdout(self, first):
        with open(self.stdout_path, "wb") as out:
            out.write(first)
            while line := await self.process.stdout.readline():
                out.write(line)
                out.flush()

    def alive(self):
        return self.process is not None and self.process.returncode is None

    def sample(self):
        """(RSS KiB, open fds, threads) from /proc, or None once it is gone."""
        try:
            with open("/proc/%d/status" % self.process.pid) as f:
                status = f.read()
            fds = len(os.listdir("/proc/%d/fd" % self.process.pid))
        except OSError:
            return None
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
        return rss, fds, threads

    async def stop(self, timeout):
        """SIGTERM, then the exit code (None when it had to be killed)."""
        if not self.alive():
            return self.process.returncode
        self.process.terminate()
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()
            code = None
        if self._drain:
            await self._drain
        return code
