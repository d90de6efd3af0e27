"""The chaos: each slot's card pulled at random moments (often while a read,
a PIN verification or a signature is in flight) and inserted again, and
pcscd SIGKILLed and restarted, with the assertions that belong to them: the
service sees each card again, and a session token stops working once its
card left."""
import asyncio
import random

import aiohttp

import soak_cards
import soak_clients

# What to wait for before pulling the card of each slot: the kinds of request
# in flight that touch it (soak_clients.ALLOWED's kinds).
TARGETS = {0: ["read", None], 1: ["pin", "sign", None]}


class Chaos:
    def __init__(self, slots, profiles, monitor, load, stats, bound):
        self.slots = slots
        self.profiles = profiles  # slot -> list of profiles to insert in turn
        self.monitor = monitor
        self.load = load
        self.stats = stats
        self.bound = bound
        self.locks = [asyncio.Lock() for _ in slots]
        self.running = True
        self.inserted = [0 for _ in slots]

    async def insert(self, index):
        """Insert the slot's next card; False when the service does not see it."""
        slot = self.slots[index]
        choices = self.profiles[index]
        profile = choices[self.inserted[index] % len(choices)]
        self.inserted[index] += 1
        mark = self.monitor.mark()
        slot.insert(profile)
        seen = await self.monitor.wait_for(
            mark, lambda kind, data: kind == "card.inserted" and data.get("reader") == slot.reader,
            self.bound)
        if seen is None:
            self.stats.fail("card-not-seen", "no card.inserted for %s (%s) within %ds" %
                            (slot.reader, profile, self.bound))
        return seen is not None

    async def pull_loop(self, index):
        slot = self.slots[index]
        while self.running:
            async with self.locks[index]:
                if not slot.present() and not await self.insert(index):
                    continue
                target = random.choice(TARGETS[index])
                await self._wait_for_target(target)
                token = self.load.shared.token if index == 1 else None
                during = [kind for kind in TARGETS[index] if kind and self.stats.in_flight[kind]]
                slot.pull()
                self.stats.pulls += 1
                for kind in during:
                    self.stats.pulls_during[kind] += 1
                # Out longer than pcscd's presence poll of vpcd (400 ms): a card back
                # sooner is never seen gone, by pcscd or anyone.
                await asyncio.sleep(random.uniform(0.5, 1.2))
                if await self.insert(index) and token:
                    # The service saw the card leave and come back: a new PIN is needed.
                    await self._old_token_refused(token)

    async def _wait_for_target(self, target):
        """Until a request of `target` is in flight (a little after), or a random moment."""
        if target is None:
            await asyncio.sleep(random.uniform(0, 1.0))
            return
        for _ in range(200):
            if self.stats.in_flight[target]:
                await asyncio.sleep(random.uniform(0, 0.03))
                return
            await asyncio.sleep(0.005)

    async def _old_token_refused(self, token):
        """The session of a pulled card is over: its token gets a 4xx, never a signature."""
        headers = dict(self.load.headers("clinic"), **{"HCBridge-Session": token})
        async with aiohttp.ClientSession() as http:
            reply = await self.load.call(http, "POST", "/v1/practitioner/authenticate",
                                         "old-token", headers,
                                         {"challengeNonce": soak_clients.nonce()})
        if reply and reply[0] < 400:
            self.stats.fail("session-outlived-its-card",
                            "the token of a session whose card was pulled still signed (%d)" %
                            reply[0])
        self.load.shared.drop(token)

    async def kill_pcscd(self):
        """SIGKILL pcscd between two pulls, start it again, wait for both cards."""
        for lock in self.locks:
            await lock.acquire()
        try:
            token = self.load.shared.token
            mark = self.monitor.mark()
            await soak_cards.kill_pcscd()
            self.stats.pcscd_kills += 1
            await asyncio.sleep(random.uniform(0.2, 1.5))
            await soak_cards.start_pcscd()
            for slot in self.slots:
                seen = await self.monitor.wait_for(
                    mark, lambda kind, data, r=slot.reader: kind == "card.inserted" and
                    data.get("reader") == r, 2 * self.bound)
                if seen is None:
                    self.stats.fail("card-not-seen", "no card.inserted for %s within %ds after "
                                    "pcscd restarted" % (slot.reader, 2 * self.bound))
            if token:
                await self._old_token_refused(token)
        finally:
            for lock in self.locks:
                lock.release()
