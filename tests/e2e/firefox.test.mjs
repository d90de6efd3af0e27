// The demo web app on a public origin in Debian's Firefox ESR (153+: Local
// Network Access on by default), headless, driven through WebDriver BiDi
// (puppeteer-core; tests/e2e/firefox.mjs maps https://dmp.example to the
// record server on this machine and puts that address in the public address
// space). hcbridged runs on the real pcscd with simulated cards in the vpcd
// readers.
//   (a) granted by the enterprise policy the package installs
//       (`hcbridge browser-policy --browser firefox --write`)
//   (b) denied (WebDriver BiDi permissions.setPermission 'loopback-network')
//   (c) the same, with Firefox's WebSocket check on (network.lna.websocket.enabled)
//   (d) the page really is public: the same page and mapping without the
//       public-space preference, and a loopback page, reach hcbridged
//   (e) no policy and nobody answers the prompt (headless Firefox holds the
//       requests for it: network.lna.prompt.timeout, 5 min)
// Firefox 153 does not check WebSockets by default: a page without the
// permission still gets the event stream; (b) shows what the page does then.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { FIREFOX_POLICY_FILE, launchFirefox } from './firefox.mjs';
import {
  PRACTITIONER_SLOT, PUBLIC_HOST, READER, assertNoInstalledBrowserPolicy, browserPolicy, cardTray, completeGpFlow, env, freePort, startHcbridged,
  startPublicRecordServer, startRecordServer,
} from './harness.mjs';

const ORIGIN = `https://${PUBLIC_HOST}`;

// What hcbridged logged of this page's origin: HTTP requests, WebSockets accepted.
const logged = (daemon, origin) => {
  const quoted = origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    http: daemon.output.match(new RegExp(`^http [A-Z]+ .* origin ${quoted}$`, 'gm'))?.length ?? 0,
    webSockets: daemon.output.match(new RegExp(`^ws /v1/events 101 origin ${quoted}$`, 'gm'))?.length ?? 0,
  };
};

// The machine's policies.json, to put back exactly as it was (null: none).
function savePolicyFile() {
  return existsSync(FIREFOX_POLICY_FILE) ? readFileSync(FIREFOX_POLICY_FILE) : null;
}

// The CLI records its entries in this root-owned folder; --remove takes
// it away with the last entry.
const POLICY_RECORD_FOLDER = '/var/lib/hcbridge-browser-policy';

function restorePolicyFile(saved) {
  if (saved === null) {
    rmSync(FIREFOX_POLICY_FILE, { force: true });
  } else if (!existsSync(FIREFOX_POLICY_FILE) || !readFileSync(FIREFOX_POLICY_FILE).equals(saved)) {
    mkdirSync(path.dirname(FIREFOX_POLICY_FILE), { recursive: true });
    writeFileSync(FIREFOX_POLICY_FILE, saved);
  }
}

// Waits and reads on the demo page (web/demo) through puppeteer.
function demoPage(page) {
  const ui = {
    bodyState: (name, value, timeout = 10000) => page.waitForSelector(`body[data-${name}="${value}"]`, { timeout }),
    readerShows: (slot, text, timeout = 10000) => page.waitForFunction((name, text) =>
      document.querySelector(`#readers li[data-reader="${name}"]`)?.textContent.includes(text),
    { timeout }, READER[slot], text),
    messageCode: () => page.$eval('#message', (element) => element.dataset.code),
    message: () => page.$eval('#message', (element) => element.textContent),
    messageShows: (code, timeout = 10000) => page.waitForFunction((code) =>
      document.querySelector('#message').dataset.code === code, { timeout }, code).catch(async (error) => {
      const shown = await page.evaluate(() => `${document.querySelector('#message').dataset.code}: ` +
        document.querySelector('#message').textContent.trim()).catch(() => '?');
      throw new Error(`the page did not show '${code}' within ${timeout} ms; it shows ${shown}`, { cause: error });
    }),
    async typePin(pin) {
      await page.$eval('#pin', (field) => { field.value = ''; });
      await page.type('#pin', pin);
      await page.click('#open-session');
    },
    permission: () => page.evaluate(async () => (await navigator.permissions.query({ name: 'loopback-network' })).state),
    // A direct GET from the page to hcbridged: 'answered STATUS', or the error's name.
    fetchFromPage: (url, timeoutMs = 3000) => page.evaluate(async (url, timeoutMs) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        return `answered ${response.status}`;
      } catch (error) {
        return error.name;
      }
    }, url, timeoutMs),
  };
  return ui;
}

function screenshotter(page, testName) {
  const folder = path.join(env.artifacts(), testName);
  mkdirSync(folder, { recursive: true });
  let step = 0;
  return (label) => page.screenshot({ path: path.join(folder, `${String(++step).padStart(2, '0')}-${label}.png`), fullPage: true });
}

describe('the demo on a public origin in Firefox ESR (Local Network Access)', () => {
  let daemon;
  let publicServer;
  let loopbackServer;
  let firefox;
  let page;
  const pageErrors = [];
  const tray = cardTray();

  before(async () => {
    assertNoInstalledBrowserPolicy();
    const policy = savePolicyFile();
    assert.ok(policy === null || !policy.toString().includes(PUBLIC_HOST),
      `${FIREFOX_POLICY_FILE} already names ${PUBLIC_HOST}: the tests need a machine without that policy ` +
      `(sudo hcbridge browser-policy --browser firefox --remove, or move the file away)`);
    const [bridgePort, loopbackPort] = [await freePort(), await freePort()];
    const loopbackOrigin = `http://localhost:${loopbackPort}`;
    daemon = await startHcbridged({ port: bridgePort, origins: [ORIGIN, loopbackOrigin] });
    publicServer = await startPublicRecordServer({ hcbridgeUrl: daemon.url });
    loopbackServer = await startRecordServer({ port: loopbackPort, hcbridgeUrl: daemon.url });
  });

  after(async () => {
    await publicServer?.stop();
    await loopbackServer?.stop();
    await daemon?.stop();
  });

  afterEach(async () => {
    await firefox?.close();
    firefox = null;
    // Firefox reports each request or WebSocket it blocks as an error of the
    // page; anything else is a fault. Taken before removeAll, which may
    // throw: this test's errors are never reported as the next one's.
    const blocked = /^(Cross-Origin Request Blocked|Firefox can’t establish a connection to the server at ws:)/;
    const faults = pageErrors.splice(0).filter((text) => !blocked.test(text));
    await tray.removeAll();
    assert.deepEqual(faults, [], 'errors in the page');
  });

  // A fresh Firefox (new profile) and a page in a new user context.
  // permission: 'granted' or 'denied' through WebDriver BiDi for ORIGIN.
  const openFirefox = async ({ permission, prefs, isPublic = true } = {}) => {
    firefox = await launchFirefox({ publicServer, isPublic, prefs });
    const context = await firefox.browser.createBrowserContext();
    if (permission) {
      await context.setPermission(ORIGIN, { permission: { name: 'loopback-network' }, state: permission });
    }
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return demoPage(page);
  };

  // The GP's whole flow: readers from the event stream, PIN, patient, record.
  const gpFlow = (ui, shot) => completeGpFlow({ page, ui, tray, daemon, origin: ORIGIN, shot });

  test('(a) granted by the enterprise policy the package installs: the policy is active, the whole GP flow', async () => {
    const saved = savePolicyFile();
    const recordFolderExisted = existsSync(POLICY_RECORD_FOLDER);
    try {
      browserPolicy('firefox', daemon.config, '--write');
      const written = JSON.parse(readFileSync(FIREFOX_POLICY_FILE, 'utf8'));
      assert.ok(written.policies?.LocalNetworkAccess?.SkipDomains?.includes(PUBLIC_HOST),
        `${FIREFOX_POLICY_FILE}: ${JSON.stringify(written)}`);
      // Firefox reads the policies at start: launched after the write, no BiDi grant.
      const ui = await openFirefox();
      // The policy engine's own log (browser.policies.loglevel=debug): the file it read, and no error.
      const policyLog = firefox.process.output;
      assert.match(policyLog, new RegExp(`policies\\.json path = ${FIREFOX_POLICY_FILE.replace(/\./g, '\\.')}`));
      const content = policyLog.match(/policies\.json content = (.*)/s)?.[1] ?? '';
      assert.ok(content.includes('"LocalNetworkAccess"') && content.includes(`"${PUBLIC_HOST}"`),
        `Firefox read no LocalNetworkAccess policy for ${PUBLIC_HOST}:\n${policyLog}`);
      assert.doesNotMatch(policyLog, /console\.error: Enterprise Policies/, 'Firefox refused a policy');

      await page.goto(`${ORIGIN}/`);
      // Under the policy Firefox still answers 'prompt' (docs/web-client.md says so).
      assert.equal(await ui.permission(), 'prompt');
      await gpFlow(ui, screenshotter(page, 'firefox-a-policy'));
    } finally {
      await firefox?.close();
      firefox = null;
      try {
        browserPolicy('firefox', daemon.config, '--remove');
        const left = savePolicyFile();
        assert.ok(left === null ? saved === null : !left.toString().includes(PUBLIC_HOST),
          `--remove left ${PUBLIC_HOST} in ${FIREFOX_POLICY_FILE}`);
        if (saved === null) assert.equal(left, null, `--remove left ${FIREFOX_POLICY_FILE}`);
      } finally {
        restorePolicyFile(saved);
        if (!recordFolderExisted) {
          assert.ok(!existsSync(POLICY_RECORD_FOLDER), `--remove left ${POLICY_RECORD_FOLDER}`);
        }
      }
    }
  });

  test('(b) denied: no request reaches hcbridged, the page says the browser blocks it, allowed later it works', async () => {
    const before = logged(daemon, ORIGIN);
    const ui = await openFirefox({ permission: 'denied' });
    const shot = screenshotter(page, 'firefox-b-denied');
    await tray.insert('cps-demo', PRACTITIONER_SLOT);
    await page.goto(`${ORIGIN}/`);
    assert.equal(await ui.permission(), 'denied');
    // Firefox 153 does not check WebSockets (network.lna.websocket.enabled
    // is false): the event stream connects and the readers show.
    await ui.readerShows(PRACTITIONER_SLOT, 'CPS');
    await page.waitForSelector('#pin-form:not([hidden])');
    await ui.typePin('1234');
    await ui.messageShows('local-network-denied');
    const text = await ui.message();
    assert.match(text, /browser blocks this page/);
    assert.match(text, /hcbridge browser-policy --write/);
    assert.doesNotMatch(text, /not running|install it|did not answer/);
    assert.equal(await ui.fetchFromPage(`${daemon.url}/v1/status`), 'TypeError');
    await shot('denied');
    const now = logged(daemon, ORIGIN);
    assert.equal(now.http, before.http, 'an HTTP request reached hcbridged');
    assert.equal(now.webSockets - before.webSockets, 1, 'the event stream (not checked by Firefox 153)');
    assert.equal(await page.$eval('body', (body) => body.dataset.session), 'closed');

    // The user allows it (site settings; here BiDi): the PIN goes through.
    await page.browserContext().setPermission(ORIGIN, { permission: { name: 'loopback-network' }, state: 'granted' });
    await ui.typePin('1234');
    await ui.bodyState('session', 'open');
    await shot('granted-later');
  });

  test('(c) denied, with Firefox\'s WebSocket check on: nothing reaches hcbridged, the page says why at once', async () => {
    const before = logged(daemon, ORIGIN);
    const ui = await openFirefox({ permission: 'denied', prefs: { 'network.lna.websocket.enabled': true } });
    await tray.insert('cps-demo', PRACTITIONER_SLOT);
    await page.goto(`${ORIGIN}/`);
    await ui.messageShows('local-network-denied');
    assert.doesNotMatch(await ui.message(), /not running|install it/);
    assert.equal(await page.$eval('#service', (pill) => pill.textContent), 'Card service blocked by the browser');
    assert.equal(await page.$$eval('#readers li[data-reader]', (items) => items.length), 0);
    await screenshotter(page, 'firefox-c-denied-websocket-checked')('denied');
    await new Promise((resolve) => setTimeout(resolve, 2000)); // a retry loop would show by now
    assert.deepEqual(logged(daemon, ORIGIN), before, 'something reached hcbridged');
  });

  test('(d) the page is public: the same page not in the public space, and a loopback page, reach hcbridged', async () => {
    const status = `${daemon.url}/v1/status`;
    // Public (the preference set), nobody answers the prompt: held, nothing reaches hcbridged.
    let ui = await openFirefox();
    const before = logged(daemon, ORIGIN);
    await page.goto(`${ORIGIN}/`);
    assert.equal(await ui.fetchFromPage(status), 'TimeoutError');
    assert.equal(logged(daemon, ORIGIN).http, before.http, 'a request of the public page reached hcbridged');
    // The loopback origin in the same browser: not restricted.
    await page.goto(loopbackServer.origin);
    assert.equal(await ui.fetchFromPage(status), 'answered 200');
    await firefox.close();

    // The same host mapping without the public-space preference: loopback, not restricted.
    ui = await openFirefox({ isPublic: false });
    await page.goto(`${ORIGIN}/`);
    assert.equal(await ui.fetchFromPage(status), 'answered 200');
    assert.ok(logged(daemon, ORIGIN).http > before.http, 'hcbridged logged no request of the loopback-space page');
  });

  // Firefox 153 lets the WebSocket through unchecked while it holds every
  // fetch for the prompt: an open socket must not make the client take the
  // service as reached (it did, and the PIN request ended in "timeout").
  test('(e) no policy, nobody answers the prompt: the page says the browser is asking', async () => {
    const before = logged(daemon, ORIGIN);
    const ui = await openFirefox();
    await tray.insert('cps-demo', PRACTITIONER_SLOT);
    await page.goto(`${ORIGIN}/`);
    await page.waitForSelector('#pin-form:not([hidden])');
    await ui.typePin('1234');
    try {
      await ui.messageShows('local-network-prompt', 5000);
      assert.match(await ui.message(), /Allow/);
    } finally {
      await screenshotter(page, 'firefox-e-prompt-unanswered')('after-pin');
      assert.equal(logged(daemon, ORIGIN).http, before.http, 'a request reached hcbridged before an answer');
    }
  });

  // Runs last: by now both programs have served the flows above.
  test('no name, NIR or record text reaches the logs of hcbridged or the record servers', () => {
    const cardAndRecordData = /DUPONT|DURAND|Hélène|175047505612377|Peanuts|Amlodipine|19750412/i;
    for (const program of [daemon, publicServer, loopbackServer]) {
      assert.doesNotMatch(program.output, cardAndRecordData, `${program.name} logged card or record data`);
    }
  });
});
