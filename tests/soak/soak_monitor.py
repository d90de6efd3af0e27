"""One WebSocket client on /v1/events that the chaos waits on (a card seen
again after an insertion, pcscd restored) and that checks one assertion
itself: whenever the practitioner's card or pcscd leaves while a session is
open, practitioner.session.closed follows within the bound."""
import asyncio
import json
import time

import aiohttp


class Monitor:
    def __init__(self, url, headers, stats, bound):
        self.url = url
        self.headers = headers
        self.stats = stats
        self.bound = bound
        self.events = []  # (seq, monotonic time, type, data)
        self.changed = asyncio.Condition()
        self.session_reader = None  # reader of the open session, as the events say
        self.session_must_close_by = None  # deadline after its card or pcscd left
        self.cards = {}  # reader -> card present
        self.connected = asyncio.Event()
        self.stopping = False

    async def run(self):
        async with aiohttp.ClientSession() as http:
            while not self.stopping:
                try:
                    async with http.ws_connect(self.url, headers=self.headers,
                                               timeout=self.bound) as ws:
                        self.connected.set()
                        async for message in ws:
                            if message.type == aiohttp.WSMsgType.TEXT:
                                await self._on_event(json.loads(message.data))
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    if not self.stopping:
                        self.stats.fail("ws-dropped", "the monitor's /v1/events: %r" % error)
                if not self.stopping:
                    self.stats.fail("ws-dropped", "hcbridged closed the monitor's /v1/events")
                    self.connected.clear()
                    await asyncio.sleep(0.5)

    async def _on_event(self, event):
        kind, data = event.get("type"), event.get("data", {})
        reader = data.get("reader")
        if kind == "card.inserted":
            self.cards[reader] = True
        elif kind in ("card.removed", "reader.removed"):
            self.cards[reader] = False
            if reader == self.session_reader:
                self._session_must_close()
        elif kind == "service.lost":
            self.cards = {}
            if self.session_reader:
                self._session_must_close()
        elif kind == "practitioner.session.opened":
            self.session_reader = reader
            self.session_must_close_by = None
        elif kind == "practitioner.session.closed":
            self.stats.session_closes[data.get("reason", "?")] += 1
            self.session_reader = None
            self.session_must_close_by = None
        async with self.changed:
            self.events.append((len(self.events), time.monotonic(), kind, data))
            self.changed.notify_all()

    def _session_must_close(self):
        if self.session_must_close_by is None:
            self.session_must_close_by = time.monotonic() + self.bound

    def check_session_closed(self):
        """Called periodically: a session outliving its card by the bound fails."""
        deadline = self.session_must_close_by
        if deadline is not None and time.monotonic() > deadline:
            self.stats.fail("session-outlived-its-card",
                            "no practitioner.session.closed on %s %ds after its card or pcscd "
                            "left" % (self.session_reader, self.bound))
            self.session_must_close_by = None

    def mark(self):
        return len(self.events)

    async def wait_for(self, since, match, timeout):
        """The first event after mark `since` for which match(type, data) holds."""
        deadline = time.monotonic() + timeout
        async with self.changed:
            while True:
                for seq, _, kind, data in self.events[since:]:
                    if match(kind, data):
                        return seq
                since = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    await asyncio.wait_for(self.changed.wait(), left)
                except asyncio.TimeoutError:
                    return None
