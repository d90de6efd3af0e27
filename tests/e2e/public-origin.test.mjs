// The demo web app on a public origin, as a clinic's web EHR or the DMP web
// app is deployed: https://dmp.example, mapped by Chromium to the record
// server on this machine and counted in the public IP address space (checked
// through the DevTools protocol), so Chromium's Local Network Access applies
// to its requests to hcbridged on http://localhost exactly as to a real site.
// hcbridged runs on the real pcscd with simulated cards in the vpcd readers.
//   (a) granted by the managed policy `hcbridge browser-policy --write` installs
//   (b) granted by the user (DevTools Browser.setPermission 'loopback-network')
//   (c) denied (headless Chromium denies what it would prompt for)
//   (d) the page on plain http: never allowed
//   (e) a foreign public origin, granted by the browser, refused by hcbridged
//   (f) headed Chromium under Xvfb: the browser's own prompt is open
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import {
  Child, PRACTITIONER_SLOT, PUBLIC_HOST, assertNoInstalledBrowserPolicy, browserPolicy, cardTray, completeGpFlow, demoPage, env, freePort, launchBrowser,
  screenshotter, startHcbridged, startPublicRecordServer, watchAddressSpaces,
} from './harness.mjs';

const ORIGIN = `https://${PUBLIC_HOST}`;
const FOREIGN_HOST = 'evil.example';
const POLICY_FOLDER = '/etc/chromium/policies/managed';
const POLICY_FILE = path.join(POLICY_FOLDER, 'hcbridge.json');

// Requests hcbridged logged (http METHOD ... / ws /v1/events 101 ...).
const REQUEST_LINE = /^(http [A-Z]+ |ws \/)/gm;
const requestsLogged = (daemon) => daemon.output.match(REQUEST_LINE)?.length ?? 0;

// Policy files of this machine that name the test's hosts would change what
// the browser allows: the tests need a machine without them.
function policiesNamingTestHosts() {
  if (!existsSync(POLICY_FOLDER)) return [];
  return readdirSync(POLICY_FOLDER).filter((name) => {
    const text = readFileSync(path.join(POLICY_FOLDER, name), 'utf8');
    return text.includes(PUBLIC_HOST) || text.includes(FOREIGN_HOST);
  }).map((name) => path.join(POLICY_FOLDER, name));
}

// An X server in memory for a headed browser; -fbdir keeps its screen in a
// file, so the browser's own prompt (not part of the page) can be saved.
async function startXvfb() {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'hcbridge-e2e-xvfb-'));
  let xvfb;
  try {
    xvfb = new Child('Xvfb', 'Xvfb', ['-displayfd', '1', '-screen', '0', '1280x900x24', '-nolisten', 'tcp',
      '-fbdir', folder]);
    await new Promise((resolve, reject) => {
      xvfb.process.once('error', reject);
      xvfb.waitFor(/^\d+$/m, 10000).then(resolve, reject);
    });
  } catch (error) {
    throw new Error(`cannot start Xvfb (apt-get install xvfb; scripts/install-deps.sh does): ${error.message}`);
  }
  xvfb.display = `:${xvfb.output.match(/^(\d+)$/m)[1]}`;
  xvfb.framebuffer = path.join(folder, 'Xvfb_screen0');
  return xvfb;
}

// Saves Xvfb's screen (XWD, 32 bits per pixel) as a PNG in the test artifacts.
function saveScreen(xvfb, testName, label) {
  const xwd = readFileSync(xvfb.framebuffer);
  const word = (index) => xwd.readUInt32BE(index * 4);
  const [headerSize, width, height, byteOrder, bytesPerLine, colors] = [0, 4, 5, 7, 12, 19].map(word);
  const pixels = headerSize + colors * 12;
  const rows = [];
  for (let y = 0; y < height; ++y) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
    for (let x = 0; x < width; ++x) {
      const at = pixels + y * bytesPerLine + x * 4;
      const value = byteOrder === 0 ? xwd.readUInt32LE(at) : xwd.readUInt32BE(at);
      row.writeUIntBE(value & 0xffffff, 1 + x * 3, 3);
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([length, Buffer.from(type), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2], 8); // 8 bits per channel, RGB
  const folder = path.join(env.artifacts(), testName);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, `screen-${label}.png`), Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]));
}

describe('the demo on a public origin in Chromium (Local Network Access)', () => {
  let daemon;
  let bridgePort;
  const servers = {};
  let browser;
  let context;
  let page;
  const tray = cardTray();

  before(async () => {
    assertNoInstalledBrowserPolicy();
    const stale = policiesNamingTestHosts();
    assert.deepEqual(stale, [], `remove these Chromium policies first (they allow the test's hosts): ${stale}`);
    bridgePort = await freePort();
    daemon = await startHcbridged({ port: bridgePort, origins: [ORIGIN] });
    servers.https = await startPublicRecordServer({ hcbridgeUrl: daemon.url });
    servers.http = await startPublicRecordServer({ hcbridgeUrl: daemon.url, scheme: 'http' });
    servers.foreign = await startPublicRecordServer({ hcbridgeUrl: daemon.url, host: FOREIGN_HOST });
  });

  after(async () => {
    for (const server of Object.values(servers)) await server.stop();
    await daemon?.stop();
  });

  afterEach(async () => {
    await browser?.close();
    browser = null;
    await tray.removeAll();
  });

  // A browser that maps `server`'s host to it, headed on `display` if given.
  const openBrowser = async (server, { grant = [], display } = {}) => {
    browser = await launchBrowser({ publicServer: server, display });
    return openPage({ grant });
  };

  // A new context and page, and the address spaces of its responses.
  // grant: origins given the permission through DevTools, as a user who
  // allowed it in the site's settings.
  const openPage = async ({ grant = [] } = {}) => {
    context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    page = await context.newPage();
    page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
    const spaces = await watchAddressSpaces(page);
    const { targetInfo } = await spaces.cdp.send('Target.getTargetInfo');
    spaces.setPermission = (origin, setting) => spaces.cdp.send('Browser.setPermission', {
      permission: { name: 'loopback-network' }, setting, origin, browserContextId: targetInfo.browserContextId });
    spaces.grant = (origin) => spaces.setPermission(origin, 'granted');
    for (const origin of grant) await spaces.grant(origin);
    // Attempts to reach hcbridged, as the browser saw them.
    spaces.toBridge = { webSockets: 0, requests: 0 };
    spaces.cdp.on('Network.webSocketCreated', ({ url }) => {
      if (url.startsWith(`ws://localhost:${bridgePort}/`)) spaces.toBridge.webSockets += 1;
    });
    spaces.cdp.on('Network.requestWillBeSent', ({ request }) => {
      if (request.url.startsWith(daemon.url)) spaces.toBridge.requests += 1;
    });
    return { spaces, ui: demoPage(page) };
  };

  // Loads the page and checks Chromium counts it as public.
  const goPublic = async (spaces, url) => {
    await page.goto(url);
    assert.equal(await spaces.documentSpace(url), 'Public', `${url} is not in the public address space`);
  };

  const permission = () => page.evaluate(async () => (await navigator.permissions.query({ name: 'loopback-network' })).state);
  // What the page's own client (web/client/hcbridge.js) says of the permission.
  const clientPermission = () => page.evaluate(async (url) => {
    const { HcBridge } = await import('/client/hcbridge.js');
    return new HcBridge({ url }).permissionState();
  }, daemon.url);

  // The GP's whole flow: readers from the event stream, PIN, patient, record.
  const gpFlow = (ui, shot) => completeGpFlow({ page, ui, tray, daemon, origin: ORIGIN, shot });

  test('(a) granted by the managed policy the package installs: the whole GP flow', async () => {
    browserPolicy('chromium', daemon.config, '--write');
    try {
      const written = JSON.parse(readFileSync(POLICY_FILE, 'utf8'));
      assert.deepEqual(written.LoopbackNetworkAllowedForUrls, [ORIGIN], `${POLICY_FILE}: ${JSON.stringify(written)}`);
      // Chromium reads the policy folder at start: launched after the write, no DevTools grant.
      const { spaces, ui } = await openBrowser(servers.https);
      await goPublic(spaces, `${ORIGIN}/`);
      assert.equal(await permission(), 'granted', 'the policy does not grant the permission');
      assert.equal(await clientPermission(), 'granted');
      await gpFlow(ui, screenshotter(page, 'public-a-policy'));
    } finally {
      await browser?.close();
      browser = null;
      browserPolicy('chromium', daemon.config, '--remove');
    }
    assert.ok(!existsSync(POLICY_FILE), `--remove left ${POLICY_FILE}`);
  });

  test('(b) granted by the user: the whole GP flow', async () => {
    const { spaces, ui } = await openBrowser(servers.https, { grant: [ORIGIN] });
    await goPublic(spaces, `${ORIGIN}/`);
    assert.equal(await permission(), 'granted');
    await gpFlow(ui, screenshotter(page, 'public-b-user-granted'));
  });

  test('(c) denied: the page says the browser blocks it, nothing reaches hcbridged, no retry loop', async () => {
    await tray.insert('cps-demo', PRACTITIONER_SLOT);
    const { spaces, ui } = await openBrowser(servers.https);
    const { toBridge } = spaces;
    const loggedBefore = requestsLogged(daemon);
    await goPublic(spaces, `${ORIGIN}/`);
    await ui.messageShows('local-network-denied');
    const shot = screenshotter(page, 'public-c-denied');
    await shot('denied');
    const text = await ui.message();
    assert.match(text, /browser blocks this page/);
    assert.match(text, /Local network access/);
    assert.match(text, /hcbridge browser-policy --write/);
    assert.doesNotMatch(text, /not running|install it/);
    assert.equal(await page.textContent('#service'), 'Card service blocked by the browser');
    assert.equal(await permission(), 'denied');
    assert.equal(await clientPermission(), 'denied');
    assert.equal(await page.locator('#readers li[data-reader]').count(), 0);

    // Over 3 s: the watch does not try again.
    const seen = { ...toBridge };
    await page.waitForTimeout(3000);
    assert.equal(toBridge.webSockets, 1, `WebSocket attempts: ${toBridge.webSockets}`);
    assert.deepEqual(toBridge, seen, 'the page kept trying while denied');
    assert.equal(requestsLogged(daemon), loggedBefore, 'a request reached hcbridged');

    // The user allows it in the site settings: the page goes on by itself.
    await spaces.grant(ORIGIN);
    await ui.readerShows(PRACTITIONER_SLOT, 'CPS');
    assert.equal(await page.getAttribute('#service', 'data-state'), 'open');
    assert.equal(await page.isHidden('#message'), true);
    await shot('granted-later');
  });

  test('(d) on plain http: the page says it must be https, nothing reaches hcbridged', async () => {
    const { spaces, ui } = await openBrowser(servers.http);
    const loggedBefore = requestsLogged(daemon);
    const url = `http://${PUBLIC_HOST}/`;
    await goPublic(spaces, url);
    assert.equal(await page.evaluate(() => window.isSecureContext), false);
    await ui.messageShows('insecure-origin');
    const text = await ui.message();
    assert.match(text, /not secure \(http\)/);
    assert.match(text, /https/);
    assert.doesNotMatch(text, /not running|install it/);
    await screenshotter(page, 'public-d-plain-http')('insecure');
    assert.equal(requestsLogged(daemon), loggedBefore, 'a request reached hcbridged');
  });

  test('(e) a foreign public origin, allowed by the browser, gets no data and no events', async () => {
    await tray.insert('cps-demo', PRACTITIONER_SLOT);
    const foreign = `https://${FOREIGN_HOST}`;
    const { spaces, ui } = await openBrowser(servers.foreign, { grant: [foreign] });
    await goPublic(spaces, `${foreign}/`);
    assert.equal(await permission(), 'granted');
    await ui.messageShows('origin-forbidden');
    const text = await ui.message();
    assert.match(text, /not allowed to use the card service/);
    assert.match(text, /evil\.example/);
    assert.equal(await page.locator('#readers li[data-reader]').count(), 0);
    await screenshotter(page, 'public-e-foreign-origin')('refused');

    const direct = await page.evaluate(async (url) => {
      try {
        const response = await fetch(`${url}/v1/readers`);
        return `answered ${response.status}: ${await response.text()}`;
      } catch (error) {
        return `refused: ${error.name}`;
      }
    }, daemon.url);
    assert.equal(direct, 'refused: TypeError');
    const socket = await page.evaluate((url) => new Promise((resolve) => {
      const events = [];
      const ws = new WebSocket(url);
      ws.onmessage = (message) => events.push(message.data);
      ws.onclose = () => resolve({ events: events.length, closed: true });
      setTimeout(() => resolve({ events: events.length, closed: false }), 2000);
    }), `ws://localhost:${bridgePort}/v1/events`);
    assert.deepEqual(socket, { events: 0, closed: true });
    // The browser let the requests through; hcbridged refused them.
    assert.match(daemon.output, new RegExp(`^http GET /v1/readers 403 \\d+ms .*${FOREIGN_HOST}`, 'm'));
    assert.doesNotMatch(daemon.output, new RegExp(`^ws /v1/events 101 .*${FOREIGN_HOST}`, 'm'));
  });

  test('(f) the browser asks (headed, Xvfb): the page says what to click and goes on once allowed', async () => {
    await tray.insert('cps-demo', PRACTITIONER_SLOT);
    const xvfb = await startXvfb();
    try {
      const { spaces, ui } = await openBrowser(servers.https, { display: xvfb.display });
      const loggedBefore = requestsLogged(daemon);
      const pinPostsLogged = () => daemon.output.match(/^http POST \/v1\/practitioner\/session /gm)?.length ?? 0;
      const pinPostsBefore = pinPostsLogged();
      await goPublic(spaces, `${ORIGIN}/`);
      await ui.messageShows('local-network-prompt', 5000);
      assert.equal(await page.getAttribute('#message', 'data-kind'), 'info');
      assert.match(await ui.message(), /click "Allow"/);
      assert.match(await ui.message(), /Access other apps and services on this device/);
      assert.equal(await permission(), 'prompt');
      assert.equal(await clientPermission(), 'prompt');
      // A second client of the page asks for the readers meanwhile: held too.
      await page.evaluate(async (url) => {
        const { HcBridge } = await import('/client/hcbridge.js');
        window.prompted = [];
        const bridge = new HcBridge({ url, timeoutMs: 3000,
          onPermissionPrompt: (error, answered) => {
            window.prompted.push(error.code);
            answered.then((answer) => window.prompted.push(answer));
          } });
        window.heldReaders = bridge.readers().then((answer) => answer.readers.length, (error) => error.code);
        // A PIN held by the prompt: a POST must never be sent twice (each
        // send may spend one of the card's tries).
        window.heldPin = bridge.openSession({ pin: '0000' })
          .then(() => 'opened', (error) => `${error.code} ${error.retriesLeft ?? ''}`.trim());
      }, daemon.url);
      const shot = screenshotter(page, 'public-f-prompt');
      await shot('prompt-open');
      saveScreen(xvfb, 'public-f-prompt', 'browser-prompt-open'); // the browser's own prompt
      // The page waits for the answer: no timeout (the second client's is
      // 3 s), no second attempt, nothing reached hcbridged.
      await page.waitForTimeout(3500);
      assert.deepEqual(await page.evaluate(() => window.prompted), ['local-network-prompt']);
      assert.equal(await ui.messageCode(), 'local-network-prompt');
      assert.equal(await page.getAttribute('#service', 'data-state'), 'connecting');
      // Held: GET /v1/readers, and the PIN's POST with its CORS preflight.
      assert.deepEqual(spaces.toBridge, { webSockets: 1, requests: 3 });
      assert.equal(requestsLogged(daemon), loggedBefore, 'a request reached hcbridged before the answer');

      // Allowed (through DevTools: the prompt itself is browser UI): the page goes on.
      await spaces.grant(ORIGIN);
      await ui.readerShows(PRACTITIONER_SLOT, 'CPS');
      assert.equal(await page.getAttribute('#service', 'data-state'), 'open');
      assert.equal(await page.isHidden('#message'), true);
      assert.equal(await page.evaluate(() => window.heldReaders), 2, 'the held request did not go on');
      assert.deepEqual(await page.evaluate(() => window.prompted), ['local-network-prompt', 'granted']);
      // The held PIN: sent at most once, whatever became of it (a grant
      // through DevTools may leave a held POST waiting until its timeout).
      const pinOutcome = await page.evaluate(() => window.heldPin);
      await page.waitForTimeout(500);
      const pinPosts = pinPostsLogged() - pinPostsBefore;
      assert.ok(pinPosts <= 1, `the held PIN reached hcbridged ${pinPosts} times`);
      assert.ok(['pin-incorrect 2', 'timeout'].includes(pinOutcome), `the held PIN ended as ${pinOutcome}`);
      assert.equal(pinPosts, pinOutcome === 'timeout' ? 0 : 1, `outcome ${pinOutcome}, ${pinPosts} sent`);
      console.log(`# held PIN POST after the grant: ${pinOutcome}, sent ${pinPosts} time(s)`);
      await shot('allowed');

      // Another profile: refused while the prompt is open.
      await context.close();
      const refused = await openPage();
      await goPublic(refused.spaces, `${ORIGIN}/`);
      await refused.ui.messageShows('local-network-prompt', 5000);
      await refused.spaces.setPermission(ORIGIN, 'denied');
      await refused.ui.messageShows('local-network-denied', 5000);
      await screenshotter(page, 'public-f-prompt-refused')('refused');
    } finally {
      await browser?.close();
      browser = null;
      await xvfb.stop();
    }
  });

  // Runs last: by now both programs have served the flows above.
  test('no name, NIR or record text reaches the logs of hcbridged or the record server', () => {
    const cardAndRecordData = /DUPONT|DURAND|Hélène|175047505612377|Peanuts|Amlodipine|19750412/i;
    for (const program of [daemon, ...Object.values(servers)]) {
      assert.doesNotMatch(program.output, cardAndRecordData, `${program.name} logged card or record data`);
    }
  });
});
