#!/usr/bin/python3
"""The soak and chaos run itself (tests/soak/soak.sh takes the pcscd lock and
starts it; see README.md). Exit 0 when every assertion held, 1 naming those
that broke, 2 when the run could not be set up."""
import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aiohttp  # noqa: E402

import soak_cards  # noqa: E402
import soak_checks  # noqa: E402
import soak_clients  # noqa: E402
import soak_daemon  # noqa: E402
from soak_chaos import Chaos  # noqa: E402
from soak_monitor import Monitor  # noqa: E402
from soak_stats import Stats  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GEMATIK_EGK = os.path.join(ROOT, "..", "shared", "reference-cards", "gematik", "EGK_G2_1_ecc.xml")
VITALE_PROFILE = os.path.join(ROOT, "drivers", "vitale", "profiles", "vitale-family.json")


def options():
    parser = argparse.ArgumentParser(prog="soak.sh", description=__doc__)
    length = parser.add_mutually_exclusive_group(required=True)
    length.add_argument("--minutes", type=float)
    length.add_argument("--iterations", type=int, help="card pulls")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--pcscd-kills", type=int)
    parser.add_argument("--hcbridged", required=True)
    parser.add_argument("--hcbridge", required=True)
    parser.add_argument("--hang-seconds", type=int, default=20)
    parser.add_argument("--rss-growth-mib", type=int, default=64)
    parser.add_argument("--fd-growth", type=int, default=8)
    parser.add_argument("--thread-growth", type=int, default=2)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--work")
    parser.add_argument("--patient", action="append",
                        help="patient card profile(s) for slot 0, in turn")
    return parser.parse_args()


def duration_text(seconds):
    return "%dm%02ds" % (seconds // 60, seconds % 60)


class Run:
    def __init__(self, args):
        self.args = args
        self.stats = Stats()
        self.work = args.work or tempfile.mkdtemp(prefix="hcbridge-soak-")
        os.makedirs(self.work, exist_ok=True)
        self.bound = args.hang_seconds
        self.samples = []  # (elapsed, rss KiB, fds, threads)

    def planned_kills(self):
        if self.args.pcscd_kills is not None:
            return self.args.pcscd_kills
        if self.args.minutes:
            return max(2, round(self.args.minutes))
        return max(2, self.args.iterations // 100)

    def done(self):
        if self.args.minutes:
            return self.stats.elapsed() >= self.args.minutes * 60
        return self.stats.pulls >= self.args.iterations

    def progress(self):
        """0..1 of the run, for the pcscd kill schedule."""
        if self.args.minutes:
            return self.stats.elapsed() / (self.args.minutes * 60)
        return self.stats.pulls / self.args.iterations

    async def sampler(self, daemon):
        while daemon.alive():
            sample = daemon.sample()
            if sample:
                self.samples.append((self.stats.elapsed(),) + sample)
            self.monitor.check_session_closed()
            await asyncio.sleep(0.5)
        if not self.stopping:
            self.stats.fail("service-died", "hcbridged exited %s during the run (stderr: %s)" %
                            (daemon.process.returncode, daemon.stderr_path))

    async def main(self):
        self.daemon, self.slots = None, []
        try:
            return await self.run()
        finally:
            # Also after an error or Ctrl+C: nothing started here outlives the run.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            for slot in self.slots:
                slot.pull()
            if self.daemon and self.daemon.alive():
                self.daemon.process.kill()
                await self.daemon.process.wait()

    async def run(self):
        args = self.args
        self.stopping = False
        pki = os.path.join(ROOT, "tests", "pki", "fixtures")
        config = soak_daemon.write_config(self.work, pki)
        keys = {app: soak_daemon.add_app_key(args.hcbridge, self.work, app)
                for app in ("clinic", "reception")}
        patients = args.patient or (["vitale-family"] +
                                    ([GEMATIK_EGK] if os.path.exists(GEMATIK_EGK) else []))
        slots = self.slots = [soak_cards.Slot(args.hcbridge, i, self.work) for i in (0, 1)]
        if not soak_cards.pcscd_pids():
            raise RuntimeError("pcscd is not running (soak.sh starts it)")

        daemon = self.daemon = soak_daemon.Daemon(args.hcbridged, self.work)
        await daemon.start(config)
        base = "http://127.0.0.1:%d" % daemon.port
        self.monitor = Monitor(base.replace("http", "ws", 1) + "/v1/events",
                               {"Authorization": "Bearer " + keys["clinic"]}, self.stats,
                               self.bound)
        load = soak_clients.Load(base, keys, self.stats, self.bound)
        chaos = Chaos(slots, {0: patients, 1: ["cps-demo"]}, self.monitor, load, self.stats,
                      self.bound)
        tasks = [asyncio.create_task(self.monitor.run())]
        await asyncio.wait_for(self.monitor.connected.wait(), self.bound)
        for index in (0, 1):
            await chaos.insert(index)
        idle = daemon.sample()
        tasks.append(asyncio.create_task(self.sampler(daemon)))

        # The clients: a quarter listening on /v1/events (one in five of them
        # reconnecting every few seconds), the rest HTTP, and the keeper.
        listeners = max(1, args.clients // 4)
        clinics = max(1, (args.clients - listeners - 1) * 6 // 10)
        receptions = max(0, args.clients - listeners - clinics - 1)
        load_tasks = [asyncio.create_task(load.keeper())]
        for i in range(listeners):
            churn = (lambda: random.uniform(1, 6)) if i % 5 == 0 else None
            load_tasks.append(asyncio.create_task(load.listener(i, churn)))
        load_tasks += [asyncio.create_task(load.clinic(i)) for i in range(clinics)]
        load_tasks += [asyncio.create_task(load.reception(i)) for i in range(receptions)]

        chaos_tasks = [asyncio.create_task(chaos.pull_loop(i)) for i in (0, 1)]
        kills_planned, warm = self.planned_kills(), None
        next_progress = 60
        while not self.done() and daemon.alive():
            await asyncio.sleep(0.2)
            if self.stats.elapsed() >= next_progress:  # long runs: a sign of life on stderr
                next_progress += 60
                print("soak: %s pulls=%d pcscd_kills=%d requests=%d failures=%d" % (
                    duration_text(self.stats.elapsed()), self.stats.pulls,
                    self.stats.pcscd_kills, self.stats.requests,
                    sum(self.stats.failure_count.values())), file=sys.stderr, flush=True)
            if warm is None and self.stats.elapsed() >= min(20, self.progress_seconds() / 4):
                warm = daemon.sample()
            if self.stats.pcscd_kills < kills_planned and \
                    self.progress() >= (self.stats.pcscd_kills + 1) / (kills_planned + 1):
                await chaos.kill_pcscd()
        if warm is None:
            warm = daemon.sample()
        chaos.running = False
        await asyncio.gather(*chaos_tasks, return_exceptions=True)
        for index, slot in enumerate(slots):
            if daemon.alive() and not slot.present():
                await chaos.insert(index)
        load.running = False
        await asyncio.wait(load_tasks, timeout=2 * self.bound)
        for task in load_tasks:
            task.cancel()
        duration = self.stats.elapsed()

        if daemon.alive():
            await self.final_checks(base, keys, load)
        await asyncio.sleep(2)  # the closed connections leave hcbridged's tables
        end = daemon.sample()
        self.stopping = True
        self.monitor.stopping = True
        code = await daemon.stop(15)
        for task in tasks:
            task.cancel()
        for slot in slots:
            slot.pull()
        if code != 0:
            self.stats.fail("service-exit", "hcbridged exited %s on SIGTERM (stderr: %s)" %
                            (code, daemon.stderr_path))
        self.check_resources(idle, warm, end)
        self.check_files(load, daemon)
        return self.summary(duration, idle, warm, end)

    def progress_seconds(self):
        return self.args.minutes * 60 if self.args.minutes else 80

    async def final_checks(self, base, keys, load):
        """Alive and answering, cards read, a new session opened and used."""
        async with aiohttp.ClientSession() as http:
            clinic = load.headers("clinic")
            reply = await load.call(http, "GET", "/v1/readers", "readers", clinic)
            present = reply and reply[0] == 200 and all(
                r["cardPresent"] for r in reply[2]["readers"]) and len(reply[2]["readers"]) == 2
            if not present:
                self.stats.fail("final-state", "GET /v1/readers at the end: %r" % (reply,))
            reply = await load.call(http, "POST", "/v1/practitioner/session", "pin", clinic,
                                    {"pin": soak_clients.PIN})
            if not reply or reply[0] != 201:
                self.stats.fail("final-state", "no session at the end: %r" % (reply and reply[:2],))
                return
            clinic["HCBridge-Session"] = reply[2]["sessionToken"]
            for method, path, body in (("GET", "/v1/patient-card", None),
                                       ("POST", "/v1/practitioner/authenticate",
                                        {"challengeNonce": soak_clients.nonce()}),
                                       ("DELETE", "/v1/practitioner/session", None)):
                reply = await load.call(http, method, path, "sign", clinic, body)
                if not reply or reply[0] != 200:
                    self.stats.fail("final-state", "%s %s at the end: %r" %
                                    (method, path, reply and reply[:2]))
                elif path == "/v1/patient-card":
                    load.remember_patient(reply[2])

    def check_resources(self, idle, warm, end):
        args = self.args
        if not (idle and warm and end):
            return
        if end[0] > warm[0] + args.rss_growth_mib * 1024:
            self.stats.fail("rss-grew", "RSS %d KiB at the end > %d KiB after warm-up + %d MiB" %
                            (end[0], warm[0], args.rss_growth_mib))
        if end[1] > idle[1] + args.fd_growth:
            self.stats.fail("fds-leaked", "%d fds open at the end, clients gone > %d before "
                            "them + %d" % (end[1], idle[1], args.fd_growth))
        if end[2] > idle[2] + args.thread_growth:
            self.stats.fail("threads-grew", "%d threads at the end > %d at the start + %d" %
                            (end[2], idle[2], args.thread_growth))

    def check_files(self, load, daemon):
        ok, lines, output = soak_checks.audit_verify(
            self.args.hcbridge, os.path.join(self.work, "audit.log"),
            os.path.join(self.work, "audit.key"))
        self.audit_lines = lines
        if not ok:
            self.stats.fail("audit-chain", output.splitlines()[-1] if output else "verify failed")
        values = set(load.patient_values)
        values |= soak_checks.vitale_profile_values(VITALE_PROFILE)
        if not load.patient_values:
            self.stats.fail("no-patient-read", "no GET /v1/patient-card succeeded in the run")
        logs = [daemon.stdout_path, daemon.stderr_path, os.path.join(self.work, "audit.log")]
        for file, what in soak_checks.leaks(logs, values, soak_clients.PIN):
            self.stats.fail("health-data-in-log", "%s in %s" % (what, file))

    def summary(self, duration, idle, warm, end):
        s = self.stats
        peak = max((sample[1] for sample in self.samples), default=0)
        peak_fds = max((sample[2] for sample in self.samples), default=0)
        errors = ",".join("%s=%d" % kv for kv in sorted(s.codes.items()))
        during = ",".join("%s=%d" % kv for kv in sorted(s.pulls_during.items()))
        closes = ",".join("%s=%d" % kv for kv in sorted(s.session_closes.items()))
        verdict = "ok" if not s.failure_count else "FAILED " + ",".join(
            "%s=%d" % kv for kv in sorted(s.failure_count.items()))
        line = ("soak: %s pulls=%d{%s} pcscd_kills=%d requests=%d ws_connects=%d ws_events=%d "
                "sessions=%d closed{%s} errors{%s} hangs=%d p99_ms=%d max_ms=%d "
                "rss_kib=%d/%d/%d fds=%d/%d/%d threads=%d/%d audit_lines=%d %s") % (
            duration_text(duration), s.pulls, during, s.pcscd_kills, s.requests, s.ws_connects,
            s.ws_events, s.sessions_opened, closes, errors, s.hangs, s.percentile(0.99),
            max(s.latencies_ms, default=0), warm[0] if warm else 0, peak,
            end[0] if end else 0, idle[1] if idle else 0, peak_fds, end[1] if end else 0,
            idle[2] if idle else 0, end[2] if end else 0, getattr(self, "audit_lines", 0), verdict)
        for failure in s.failures:
            print("soak: FAILED " + failure, file=sys.stderr)
        print("soak: work folder %s" % self.work, file=sys.stderr)
        print(line, flush=True)
        return 0 if not s.failure_count else 1


def main():
    args = options()
    if args.seed is not None:
        random.seed(args.seed)
    run = Run(args)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # cleans up as Ctrl+C does
    try:
        return asyncio.run(run.main())
    except KeyboardInterrupt:
        print("soak: interrupted (work folder %s)" % run.work, file=sys.stderr)
        return 130
    except (RuntimeError, OSError) as error:
        print("soak: could not run: %s (work folder %s)" % (error, run.work), file=sys.stderr)
        return 2


if __name__ == "__main__":
    started = time.monotonic()
    sys.exit(main())
