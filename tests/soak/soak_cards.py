"""The cards and pcscd the soak run breaks: `hcbridge sim` serves one card
into a vpcd slot (insert = start it, pull = SIGKILL it), and pcscd itself is
SIGKILLed and started again. The caller holds the pcscd lock (soak.sh)."""
import asyncio
import os
import signal
import subprocess

READERS = ["Virtual PCD 00 00", "Virtual PCD 00 01"]
PCSCD = "/usr/sbin/pcscd"
PCSCD_PID_FILE = "/run/pcscd/pcscd.pid"


class Slot:
    def __init__(self, hcbridge, slot, work):
        self.hcbridge = hcbridge
        self.slot = slot
        self.reader = READERS[slot]
        self.log_path = os.path.join(work, "sim-%d.log" % slot)
        self.process = None
        self.profile = None

    def present(self):
        return self.process is not None and self.process.poll() is None

    def insert(self, profile):
        self.pull()
        self.profile = profile
        # close_fds (the default): the simulator must not inherit the pcscd lock.
        self.process = subprocess.Popen(
            [self.hcbridge, "sim", "--card", profile, "--slot", str(self.slot)],
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT)

    def pull(self):
        """The card leaves at once, mid-APDU if one is under way."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None


def pcscd_pids():
    """Every running pcscd (the pid file may be stale after a SIGKILL)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        if stat.split(" ", 2)[1] == "(pcscd)" and stat.split(") ", 1)[1][0] != "Z":
            pids.append(int(entry))
    return pids


async def kill_pcscd():
    pids = pcscd_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    # Until the zombie is reaped too: a new pcscd refuses to start while the
    # pid in its pid file answers kill(pid, 0), which a zombie does.
    for _ in range(100):
        if not any(os.path.exists("/proc/%d" % pid) for pid in pids):
            return len(pids)
        await asyncio.sleep(0.05)
    if pcscd_pids():
        raise RuntimeError("pcscd survived SIGKILL")
    os.unlink(PCSCD_PID_FILE)  # a zombie nobody reaps: its pid file would stop the new pcscd
    return len(pids)


async def start_pcscd():
    # pcscd forks into the background; close_fds keeps the lock out of it.
    process = await asyncio.create_subprocess_exec(PCSCD, stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL)
    code = await process.wait()
    if code != 0:
        raise RuntimeError("%s exited %d" % (PCSCD, code))
    for _ in range(100):
        if pcscd_pids() and os.path.exists("/run/pcscd/pcscd.comm"):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("pcscd did not come back within 5 s")
