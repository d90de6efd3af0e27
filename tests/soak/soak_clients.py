"""The load: N concurrent clients, each with its own connection, mixing
HTTP (readers, status, patient-card reads, Web eID tokens, record-access
assertions) and WebSocket (/v1/events, some reconnecting), and one keeper
that opens the practitioner session with the PIN, closes it and opens it
again. Every answer is checked here: within the bound, never a 5xx other
than pcscd being away, only the problem codes allowed for that call."""
import asyncio
import base64
import json
import os
import random
import time

import aiohttp

from soak_daemon import ORIGIN

PIN = "1234"  # the TEST card cps-demo's, invented and public; never printed
# What a pulled card, a pulled reader or a dead pcscd may answer.
CARD_GONE = {"card-absent", "card-removed", "reader-removed", "pcsc-unavailable", "no-readers"}
# A call with the session token: the session may have closed or been replaced.
SESSION_GONE = {"practitioner-session-required", "session-not-yours"}
ALLOWED = {
    "status": set(),
    "readers": set(),
    # The session holds its card exclusively (docs/architecture.md): a read
    # of a card inserted just before its session opened finds it busy.
    "practitioner-card": CARD_GONE | {"reader-busy"},
    "read": CARD_GONE | SESSION_GONE,
    "pin": CARD_GONE,
    "close": SESSION_GONE,
    "sign": CARD_GONE | SESSION_GONE,
    "old-token": SESSION_GONE,
}
# 5xx answers that are typed and expected while pcscd is away.
ALLOWED_5XX = {"pcsc-unavailable", "no-readers"}


def nonce():
    return base64.urlsafe_b64encode(os.urandom(33)).decode()


class Shared:
    """The practitioner session as the keeper knows it."""

    def __init__(self):
        self.token = None
        self.generation = 0  # changes whenever the keeper's token may have changed

    def drop(self, token):
        if token is not None and token == self.token:
            self.token = None
            self.generation += 1


class Load:
    def __init__(self, base, keys, stats, bound):
        self.base = base
        self.keys = keys  # app name -> key
        self.stats = stats
        self.bound = bound
        self.shared = Shared()
        self.running = True
        self.patient_values = set()  # every patient-data string read, for the log check

    def headers(self, app):
        return {"Authorization": "Bearer " + self.keys[app]}

    async def call(self, http, method, path, kind, headers, body=None):
        """One request: (status, problem code or None, JSON) or None when unanswered."""
        self.stats.in_flight[kind] += 1
        generation = self.shared.generation
        start = time.monotonic()
        try:
            async with http.request(method, self.base + path, headers=headers, json=body,
                                    timeout=aiohttp.ClientTimeout(total=self.bound)) as reply:
                raw = await reply.read()
                status = reply.status
        except asyncio.TimeoutError:
            self.stats.hangs += 1
            self.stats.fail("hang", "%s %s unanswered after %ds" % (method, path, self.bound))
            return None
        except aiohttp.ClientError as error:
            if self.running:
                self.stats.fail("connection-error", "%s %s: %r" % (method, path, error))
            return None
        finally:
            self.stats.in_flight[kind] -= 1
        self.stats.requests += 1
        self.stats.statuses[status] += 1
        self.stats.latency((time.monotonic() - start) * 1000)
        try:
            document = json.loads(raw) if raw else None
        except ValueError:
            self.stats.fail("not-json", "%s %s answered %d with a body that is not JSON" %
                            (method, path, status))
            return None
        code = document.get("code") if isinstance(document, dict) and status >= 400 else None
        detail = document.get("detail", "") if code else ""
        self._check("%s %s" % (method, path), kind, status, code, detail, generation,
                    "HCBridge-Session" in headers)
        return status, code, document

    def _check(self, what, kind, status, code, detail, generation, with_token):
        if status < 400:
            return
        self.stats.codes[code or "status-%d" % status] += 1
        if code is None:
            self.stats.fail("untyped-error", "%s answered %d without a problem code" % (what, status))
        elif code == "card-data-invalid":
            self.stats.fail("card-data-invalid", "%s: %s (a pulled card must be card-removed or "
                            "card-absent)" % (what, detail))
        elif status >= 500 and code not in ALLOWED_5XX:
            self.stats.fail("http-5xx", "%s answered %d %s: %s" % (what, status, code, detail))
        elif code not in ALLOWED[kind]:
            self.stats.fail("unexpected-problem", "%s answered %d %s: %s" %
                            (what, status, code, detail))
        elif code == "session-not-yours" and kind != "old-token" and with_token and \
                generation == self.shared.generation:
            self.stats.fail("session-not-yours", "%s with the current session token" % what)

    # --- the clients ------------------------------------------------------

    async def reception(self, index):
        """GET readers / status / practitioner card, by app key or by Origin."""
        headers = self.headers("reception") if index % 2 else {"Origin": ORIGIN}
        calls = [("/v1/readers", "readers"), ("/v1/status", "status"),
                 ("/v1/practitioner-card", "practitioner-card")]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
            while self.running:
                path, kind = random.choice(calls)
                await self.call(http, "GET", path, kind, headers)
                await asyncio.sleep(random.uniform(0, 0.02))

    async def clinic(self, index):
        """The practice software: patient-card reads, tokens, assertions."""
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
            while self.running:
                token = self.shared.token
                headers = self.headers("clinic")
                if token:
                    headers["HCBridge-Session"] = token
                choice = random.random()
                if choice < 0.6:
                    reply = await self.call(http, "GET", "/v1/patient-card", "read", headers)
                    if reply and reply[0] == 200:
                        self.remember_patient(reply[2])
                elif choice < 0.8:
                    reply = await self.call(http, "POST", "/v1/practitioner/authenticate", "sign",
                                            headers, {"challengeNonce": nonce()})
                else:
                    reply = await self.call(http, "POST", "/v1/record-access", "sign", headers,
                                            {"audience": ORIGIN + "/api", "nonce": nonce(),
                                             "purpose": "normal"})
                if reply and reply[1] == "practitioner-session-required":
                    self.shared.drop(token)
                await asyncio.sleep(random.uniform(0, 0.02))

    async def listener(self, index, stop_after):
        """/v1/events; some listeners close and reconnect every few seconds."""
        async with aiohttp.ClientSession() as http:
            while self.running:
                start = time.monotonic()
                try:
                    async with http.ws_connect(self.base.replace("http", "ws", 1) + "/v1/events",
                                               headers=self.headers("clinic"),
                                               timeout=self.bound) as ws:
                        self.stats.ws_connects += 1
                        self.stats.latency((time.monotonic() - start) * 1000)
                        until = time.monotonic() + stop_after() if stop_after else None
                        while self.running and (until is None or time.monotonic() < until):
                            try:
                                message = await ws.receive(timeout=0.5)
                            except asyncio.TimeoutError:
                                continue
                            if message.type != aiohttp.WSMsgType.TEXT:
                                if self.running:
                                    self.stats.fail("ws-dropped", "/v1/events closed by hcbridged"
                                                    " (%s)" % message.type)
                                break
                            self.stats.ws_events += 1
                except asyncio.TimeoutError:
                    self.stats.hangs += 1
                    self.stats.fail("hang", "WS /v1/events not upgraded within %ds" % self.bound)
                except aiohttp.ClientError as error:
                    if self.running:
                        self.stats.fail("connection-error", "WS /v1/events: %r" % error)
                    await asyncio.sleep(0.2)

    async def keeper(self):
        """Opens the session with the PIN, uses it a while, closes it, again."""
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
            while self.running:
                if self.shared.token is None:
                    self.shared.generation += 1
                    reply = await self.call(http, "POST", "/v1/practitioner/session", "pin",
                                            self.headers("clinic"), {"pin": PIN})
                    self.shared.generation += 1
                    if reply and reply[0] == 201:
                        self.shared.token = reply[2]["sessionToken"]
                        self.stats.sessions_opened += 1
                    else:
                        await asyncio.sleep(random.uniform(0.02, 0.2))
                    continue
                token = self.shared.token
                await asyncio.sleep(random.uniform(0.2, 2.5))
                if self.shared.token == token and random.random() < 0.5:
                    headers = dict(self.headers("clinic"), **{"HCBridge-Session": token})
                    self.shared.drop(token)
                    await self.call(http, "DELETE", "/v1/practitioner/session", "close", headers)

    def remember_patient(self, card):
        """The patient's data as read: none of it may appear in a log."""
        for person in card.get("beneficiaries", []):
            for key in ("surname", "givenNames", "birthDate", "nameSuffix"):
                self.patient_values.add(person.get(key, ""))
            self.patient_values.add(person.get("nir", {}).get("value", ""))
            address = person.get("address", {})
            for key in ("street", "city", "postalCode"):
                self.patient_values.add(address.get(key, ""))
        self.patient_values.add(card.get("cardSerial", ""))
        self.patient_values.add(card.get("egk", {}).get("insuranceNumber", ""))
