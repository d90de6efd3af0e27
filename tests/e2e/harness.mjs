// The end-to-end set-up: simulated cards served to the real pcscd through
// vpcd (`hcbridge sim`), hcbridged on pcscd, the reference record server,
// and headless Chromium driven by playwright-core. Paths come from the
// environment ctest sets (see tests/e2e/CMakeLists.txt).
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const execFileAsync = promisify(execFile);

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, '../..');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (ctest does; see tests/e2e/CMakeLists.txt)`);
  return value;
}

export const env = {
  hcbridged: () => required('HCBRIDGED'),
  hcbridge: () => required('HCBRIDGE_CLI'),
  pki: () => process.env.HCBRIDGE_TEST_PKI ?? path.join(source, 'tests/pki/fixtures'),
  chromium: () => process.env.CHROMIUM ?? '/usr/bin/chromium',
  artifacts: () => process.env.E2E_ARTIFACTS ?? path.join(os.tmpdir(), 'hcbridge-e2e-artifacts'),
};

export const READER = ['Virtual PCD 00 00', 'Virtual PCD 00 01'];
// The demo's readers: the patient's card in the first, the practitioner's in the second.
export const PATIENT_SLOT = 0;
export const PRACTITIONER_SLOT = 1;

export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// A child process whose output is kept (for the failure report) and scanned.
export class Child {
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.output = '';
    this.process = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.exited = once(this.process, 'exit');
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => {
        this.output += text;
        this.process.emit('output');
      });
    }
  }

  // Resolves with the match of `pattern` in the output, or rejects on exit or timeout.
  waitFor(pattern, timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.output);
        if (match) {
          cleanup();
          resolve(match);
        }
      };
      const exited = () => {
        cleanup();
        reject(new Error(`${this.name} exited before printing ${pattern}:\n${this.output}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not print ${pattern} in ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.process.off('output', check);
        this.process.off('exit', exited);
      };
      this.process.on('output', check);
      this.process.on('exit', exited);
      check();
    });
  }

  // SIGKILL drops the simulator's vpcd connection at once: a card yanked out.
  async stop(signal = 'SIGTERM') {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill(signal);
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

// Starts a child and resolves once its output matches `ready`; a child that
// does not get ready is stopped, so a failed start leaves no process behind.
async function startChild(name, command, args, ready, { timeoutMs, ...options } = {}) {
  const child = new Child(name, command, args, options);
  try {
    await child.waitFor(ready, timeoutMs);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

// A simulated card in a vpcd slot, resolved once it is in the reader (the
// simulator is connected to vpcd); stop('SIGKILL') pulls it out at once.
export function insertCard(profile, slot) {
  return startChild(`card ${profile}`, env.hcbridge(), ['sim', '--card', profile, '--slot', String(slot)],
    /Serving simulated card/, { timeoutMs: 10000 });
}

// The simulated cards a test inserted, pulled out in its afterEach (removeAll).
// removeAll returns only once pcscd sees the readers this tray used empty:
// vpcd shows a card swapped within one pcscd presence poll as no change at
// all, so the next test's card would go into a reader still known to hold
// the last one (a GP's hand is slower than that poll).
export function cardTray() {
  const cards = [];
  const slotsUsed = new Set();
  return {
    async insert(profile, slot) {
      const card = await insertCard(profile, slot);
      cards.push(card);
      slotsUsed.add(slot);
      return card;
    },
    async pull(card) {
      await card.stop('SIGKILL');
      cards.splice(cards.indexOf(card), 1);
    },
    find: (profile) => cards.find((card) => card.name.includes(profile)),
    async removeAll() {
      while (cards.length) await cards.pop().stop();
      await waitUntilEmpty([...slotsUsed].map((slot) => READER[slot]));
      slotsUsed.clear();
    },
  };
}

// Asks pcscd itself (`hcbridge readers`), not hcbridged: a test that counts
// hcbridged's requests sees none of these.
async function waitUntilEmpty(readerNames, timeoutMs = 5000) {
  if (!readerNames.length) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await execFileAsync(env.hcbridge(), ['readers', '--json'], { timeout: 2000 });
    const held = JSON.parse(stdout).readers
      .filter((reader) => reader.cardPresent && readerNames.includes(reader.name)).map((reader) => reader.name);
    if (!held.length) return;
    assert.ok(Date.now() < deadline, `pcscd still sees a card in ${held} ${timeoutMs} ms after it left`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const LISTENING = /listening on http:\/\/127\.0\.0\.1:\d+/;

// hcbridged as scripts/demo.sh runs it: --simulate (its own simulated
// cards, no pcscd), allowing `origin`.
export async function startSimulatedHcbridged({ port, origin }) {
  const state = mkdtempSync(path.join(os.tmpdir(), 'hcbridge-e2e-state-'));
  const daemon = await startChild('hcbridged --simulate', env.hcbridged(),
    ['--simulate', '--listen', String(port), '--allow-origin', origin], LISTENING,
    { env: { ...process.env, XDG_STATE_HOME: state } });
  daemon.url = `http://localhost:${port}`;
  return daemon;
}

// hcbridged on pcscd, trusting the TEST PKI, allowing `origins`.
export async function startHcbridged({ port, origins }) {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'hcbridge-e2e-'));
  const pki = env.pki();
  const config = path.join(folder, 'config.json');
  writeFileSync(config, JSON.stringify({
    audit_log: path.join(folder, 'audit.log'),
    serial_key_file: path.join(folder, 'serial.key'),
    audit_key_file: path.join(folder, 'audit.key'),
    app_keys_file: path.join(folder, 'keys.json'),
    allowed_origins: origins,
    practitioner_trust: {
      anchors: [path.join(pki, 'root.cert.pem')],
      intermediates: [path.join(pki, 'intermediate.cert.pem')],
      crls: [path.join(pki, 'intermediate.crl.pem')],
      issuers: [path.join(pki, 'intermediate.cert.pem')],
      policies: ['1.2.3.4.5.6.7.8.1'],
      extended_key_usage: ['1.3.6.1.5.5.7.3.2'],
    },
    patient_card_trust: { anchors: [path.join(pki, 'vitale-ca.cert.pem')] },
  }));
  const daemon = await startChild('hcbridged', env.hcbridged(), ['--listen', String(port), '--config', config],
    LISTENING);
  daemon.url = `http://localhost:${port}`;
  daemon.config = config;
  return daemon;
}

// The reference record server serving the demo. extraArgs: e.g. the TLS
// and public-origin options of startPublicRecordServer.
export async function startRecordServer({ port, hcbridgeUrl, extraArgs = [] }) {
  const pki = env.pki();
  const server = await startChild('record server', process.execPath, [
    path.join(source, 'examples/record-server/server.mjs'), '--port', String(port),
    '--hcbridge-url', hcbridgeUrl, '--hcbridge-cli', env.hcbridge(),
    '--ca', path.join(pki, 'root.cert.pem'), '--intermediate', path.join(pki, 'intermediate.cert.pem'),
    '--crl', path.join(pki, 'intermediate.crl.pem'), '--issuer', path.join(pki, 'intermediate.cert.pem'),
    '--policy', '1.2.3.4.5.6.7.8.1', '--eku', '1.3.6.1.5.5.7.3.2', ...extraArgs], /record server listening on (\S+)/);
  server.origin = server.output.match(/record server listening on (\S+)/)[1];
  return server;
}

// The host name of the "public" web app in the browser tests: the browser
// maps it to the record server on this machine and is told that this
// address is in the public address space, as a real DMP server would be.
// A reserved name (RFC 2606 .example): should a killed test leave a policy
// behind, it grants nothing real.
export const PUBLIC_HOST = 'dmp.example';

// A throw-away self-signed certificate for `host` (EC P-256, two days),
// with the base64 SHA-256 of its public key, which Chromium accepts with
// --ignore-certificate-errors-spki-list.
export function makeThrowawayCertificate(host) {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'hcbridge-e2e-tls-'));
  const cert = path.join(folder, 'cert.pem');
  const key = path.join(folder, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`],
  { stdio: 'ignore' });
  const publicKey = execFileSync('openssl', ['x509', '-in', cert, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: publicKey });
  const spki = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
  return { cert, key, spki };
}

// The record server as a web app on a public origin: https://PUBLIC_HOST
// (or http:// with scheme 'http'), listening on 127.0.0.1:port. Pass the
// result to launchBrowser({ publicServer }) so the browser maps the name
// and counts the address as public.
export async function startPublicRecordServer({ hcbridgeUrl, scheme = 'https', host = PUBLIC_HOST }) {
  const port = await freePort();
  const certificate = scheme === 'https' ? makeThrowawayCertificate(host) : null;
  const server = await startRecordServer({
    port, hcbridgeUrl, extraArgs: [
      '--public-origin', `${scheme}://${host}`,
      ...(certificate ? ['--tls-cert', certificate.cert, '--tls-key', certificate.key] : [])],
  });
  Object.assign(server, { host, port, scheme, certificate });
  return server;
}

// Chromium switches that put a public server's name on 127.0.0.1:port, in
// the public IP address space (Local Network Access then applies to its
// pages as to a real web app), trusting its throw-away certificate.
export function publicServerSwitches(server) {
  const defaultPort = server.scheme === 'https' ? 443 : 80;
  return [
    `--host-resolver-rules=MAP ${server.host}:${defaultPort} 127.0.0.1:${server.port}`,
    `--ip-address-space-overrides=127.0.0.1:${server.port}=public`,
    ...(server.certificate ? [`--ignore-certificate-errors-spki-list=${server.certificate.spki}`] : []),
  ];
}

// An HTTP request as a page of `origin` would send it (Node may set Origin).
// body: JSON to send (POST); raw: a body sent as is; headers: more request
// headers (e.g. HCBridge-Session). Resolves {status, body, headers}.
export function call(url, { origin, body, raw, method, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const request = http.request(url, {
      method: method ?? (payload === undefined ? 'GET' : 'POST'),
      headers: { ...(origin ? { Origin: origin } : {}),
        ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { json = { text }; }
        resolve({ status: response.statusCode, body: json, headers: response.headers });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

// publicServer: a startPublicRecordServer result whose pages must be public.
// display: an X display (e.g. Xvfb's) for a headed browser, which shows
// permission prompts where a headless one denies at once.
export async function launchBrowser({ publicServer, display } = {}) {
  return chromium.launch({
    executablePath: env.chromium(),
    headless: !display,
    ...(display ? { env: { ...process.env, DISPLAY: display } } : {}),
    args: [...(display ? [] : ['--headless']), '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
      ...(publicServer ? publicServerSwitches(publicServer) : [])],
  });
}

// Waits and reads on the demo page (web/demo) in `page`.
export function demoPage(page) {
  return {
    // body[data-session|patient|record] says what the page shows.
    bodyState: (name, value, timeout = 10000) => page.waitForSelector(`body[data-${name}="${value}"]`, { timeout }),
    readerShows: (slot, text) => page.waitForFunction(([name, text]) =>
      document.querySelector(`#readers li[data-reader="${name}"]`)?.textContent.includes(text), [READER[slot], text]),
    // Waits until the page's message is the one for problem `code`.
    messageShows: (code, timeout = 10000) =>
      page.waitForFunction((code) => document.querySelector('#message').dataset.code === code, code, { timeout })
        .catch(async (error) => {
          const shown = await page.evaluate(() => `${document.querySelector('#message').dataset.code}: ` +
            document.querySelector('#message').textContent.trim()).catch(() => '?');
          throw new Error(`the page did not show '${code}' within ${timeout} ms; it shows ${shown}`, { cause: error });
        }),
    messageCode: () => page.getAttribute('#message', 'data-code'),
    message: () => page.textContent('#message'),
    async typePin(pin) {
      await page.fill('#pin', pin);
      await page.click('#open-session');
    },
  };
}

// The IP address space Chromium gave each response of `page` (Local Network
// Access: 'Public', 'Local', 'Loopback'), through the DevTools protocol.
// Call before the navigation; documentSpace(url) waits for the document's.
export async function watchAddressSpaces(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const documents = new Map(); // url -> request id
  const spaces = new Map(); // request id -> space
  cdp.on('Network.requestWillBeSent', (event) => {
    if (event.type === 'Document') documents.set(event.request.url, event.requestId);
  });
  cdp.on('Network.responseReceivedExtraInfo', (event) => spaces.set(event.requestId, event.resourceIPAddressSpace));
  return {
    cdp,
    async documentSpace(url, timeoutMs = 5000) {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
        const space = spaces.get(documents.get(url));
        if (space) return space;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no address space reported for the document ${url}`);
    },
  };
}

// The wall-clock time (ms since the epoch, as Date.now()) of the page's
// latest performance mark `name` (web/demo/demo.js sets demo:* marks). The
// page's own time: Playwright notices a change only at its next poll, up to
// 500 ms later.
export function markTime(page, name) {
  return page.evaluate((name) =>
    performance.timeOrigin + performance.getEntriesByName(name, 'mark').at(-1).startTime, name);
}

// Screenshots of each step, kept as test artifacts.
export function screenshotter(page, testName) {
  const folder = path.join(env.artifacts(), testName);
  mkdirSync(folder, { recursive: true });
  let step = 0;
  return (label) => page.screenshot({ path: path.join(folder, `${String(++step).padStart(2, '0')}-${label}.png`), fullPage: true });
}

// The GP's whole flow on the demo page, from a page that hcbridged and the
// browser let through: readers from the event stream, PIN, patient,
// record; hcbridged's log shows that it served `origin`. `page` is a
// Playwright or a puppeteer page (only the calls both have); `ui` gives
// readerShows, typePin, bodyState (demoPage or the Firefox test's).
export async function completeGpFlow({ page, ui, tray, daemon, origin, shot }) {
  await page.waitForSelector('#service[data-state="open"]');
  await tray.insert('cps-demo', PRACTITIONER_SLOT);
  await tray.insert('vitale-family', PATIENT_SLOT);
  await ui.readerShows(PRACTITIONER_SLOT, 'CPS');
  await ui.readerShows(PATIENT_SLOT, 'Carte Vitale');
  await page.waitForSelector('#pin-form:not([hidden])');
  await shot('cards-shown');
  await ui.typePin('1234');
  await ui.bodyState('session', 'open');
  await ui.bodyState('patient', 'shown');
  await page.waitForSelector('#login[data-state="signed-in"]');
  const shown = () => page.evaluate(() => ({
    people: document.querySelectorAll('#beneficiaries label').length,
    badge: document.querySelector('#patient-card .badge')?.dataset.status,
    record: document.querySelector('#record').textContent,
  }));
  const patient = await shown();
  assert.equal(patient.people, 4, 'beneficiaries on the family card');
  assert.equal(patient.badge, 'verified', 'the card authenticity badge');
  await shot('patient-shown');
  await page.click('#open-record');
  await ui.bodyState('record', 'shown');
  assert.match((await shown()).record, /Jean DUPONT-TEST — opened by Hélène DURAND-TEST \(normal\)/);
  await shot('record-shown');
  // hcbridged served this origin (its log names the caller's origin).
  const quoted = origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(daemon.output, new RegExp(`^ws /v1/events 101 origin ${quoted}$`, 'm'));
  assert.match(daemon.output, new RegExp(`^http POST /v1/record-access 200 \\d+ms origin ${quoted}$`, 'm'));
}

// `hcbridge browser-policy --browser BROWSER ACTION` for hcbridged's
// `config`: the managed policy exactly as the package writes and removes
// it (the tests never write a policy file themselves).
export function browserPolicy(browser, config, action) {
  const args = ['browser-policy', '--config', config, '--browser', browser, action];
  try {
    return execFileSync(env.hcbridge(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    if (/unknown command/i.test(output)) {
      throw new Error(`${env.hcbridge()} has no 'browser-policy' command (it said: ${output}). Build the CLI ` +
        'with it: the tests use the command the package runs and do not write the policy file themselves.');
    }
    throw new Error(`hcbridge ${args.join(' ')} failed (exit ${error.status}): ${output}`);
  }
}

// The browser policies hcbridge's package installs on this machine: the
// tests write and remove the same files, so they refuse to run beside them.
const INSTALLED_POLICIES = ['/var/lib/hcbridge-browser-policy/record.json',
  '/etc/chromium/policies/managed/hcbridge.json', '/etc/opt/chrome/policies/managed/hcbridge.json',
  '/etc/opt/edge/policies/managed/hcbridge.json'];
export function assertNoInstalledBrowserPolicy() {
  const found = INSTALLED_POLICIES.filter((file) => existsSync(file));
  assert.deepEqual(found, [], 'hcbridge\'s browser policies are installed on this machine and the tests would ' +
    'change them: run the browser tests where the hcbridge package is not installed');
}
