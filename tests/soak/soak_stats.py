"""What the soak run counts, and the failures it records (each one a named
assertion that broke). One asyncio thread writes it: no locks."""
import collections
import time


class Stats:
    MAX_KEPT_FAILURES = 50

    def __init__(self):
        self.started = time.monotonic()
        self.requests = 0
        self.codes = collections.Counter()  # problem codes answered
        self.statuses = collections.Counter()
        self.hangs = 0
        self.latencies_ms = []
        self.in_flight = collections.Counter()  # kind -> requests waiting for their answer
        self.ws_connects = 0
        self.ws_events = 0
        self.pulls = 0
        self.pulls_during = collections.Counter()  # kind in flight when a card was pulled
        self.pcscd_kills = 0
        self.sessions_opened = 0
        self.session_closes = collections.Counter()  # reason of practitioner.session.closed
        self.failure_count = collections.Counter()  # assertion -> how many times it broke
        self.failures = []  # the first few, with their details

    def fail(self, assertion, detail):
        """One broken assertion; the run will exit 1 naming it."""
        self.failure_count[assertion] += 1
        if len(self.failures) < self.MAX_KEPT_FAILURES:
            self.failures.append("%s: %s (at %.1fs)" % (assertion, detail, self.elapsed()))

    def elapsed(self):
        return time.monotonic() - self.started

    def latency(self, ms):
        self.latencies_ms.append(ms)

    def percentile(self, fraction):
        if not self.latencies_ms:
            return 0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
