#!/usr/bin/env node
// Measures the demo in headless Chromium (a benchmark, not a test): with the
// practitioner session open, the time from inserting the patient card to the
// patient shown, and from the "Open record" click to the record shown; each
// beside the sum of the page's underlying API calls (Resource Timing).
// Needs pcscd running; prints the median of --samples runs (default 10).
//   HCBRIDGED=build-rel/src/daemon/hcbridged HCBRIDGE_CLI=build-rel/src/cli/hcbridge \
//     node tests/e2e/measure.mjs --samples 10
// With --origins: page load -> first card event and "Open record" -> record
// shown, the page on its loopback origin (http://localhost:PORT) beside the
// page on a public origin (https://dmp.example, Local Network Access
// granted by the managed policy `hcbridge browser-policy --write` writes:
// run as root).
// --origins --browser firefox: the same in headless Firefox ESR (FIREFOX, default
// /usr/bin/firefox-esr) through WebDriver BiDi, the public origin granted by
// the Firefox enterprise policy (`hcbridge browser-policy --browser firefox`).
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

import { launchFirefox } from './firefox.mjs';
import {
  PUBLIC_HOST, env, freePort, insertCard, launchBrowser, markTime, startHcbridged, startPublicRecordServer,
  startRecordServer,
} from './harness.mjs';

const { values } = parseArgs({ options: {
  samples: { type: 'string', default: '10' }, origins: { type: 'boolean', default: false },
  browser: { type: 'string', default: 'chromium' } } });
const samples = Number(values.samples);

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// The page's requests since `mark` whose URL matches, summed (ms).
const apiTime = (page, since, pattern) => page.evaluate(({ since, pattern }) =>
  performance.getEntriesByType('resource')
    .filter((entry) => entry.startTime >= since && new RegExp(pattern).test(entry.name))
    .reduce((sum, entry) => sum + entry.duration, 0), { since, pattern });

// Milliseconds between the latest performance marks `from` and `to` of the page.
const between = async (page, from, to) => (await markTime(page, to)) - (await markTime(page, from));

// What measureOrigins needs of a browser, for Chromium (Playwright) and
// Firefox ESR (puppeteer-core over WebDriver BiDi): both browsers read the
// managed policy `hcbridge browser-policy --browser NAME` writes at start.
const DRIVERS = {
  chromium: {
    tool: 'Playwright',
    async launch(options) {
      const browser = await launchBrowser(options);
      return {
        version: `chromium/${browser.version()}`,
        newContext: () => browser.newContext(),
        pinFormShown: (page) => page.isVisible('#pin-form'),
        typePin: (page) => page.fill('#pin', '1234'),
        close: () => browser.close(),
      };
    },
  },
  firefox: {
    tool: 'puppeteer',
    async launch(options) {
      const firefox = await launchFirefox(options);
      return {
        version: await firefox.browser.version(),
        newContext: () => firefox.browser.createBrowserContext(),
        pinFormShown: (page) => page.$eval('#pin-form', (form) => !form.hidden),
        typePin: (page) => page.type('#pin', '1234'),
        close: () => firefox.close(),
      };
    },
  },
};

// A page load in a new browser (user) context, nothing cached, until the
// record is shown. Times from the page's own marks (ms): navigation start
// -> first card.inserted event, and the "Open record" submit -> record
// shown; and the click -> shown as the driver sees it.
async function loadAndOpenRecord(browser, url) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('#pin-form:not([hidden]), body[data-session="open"]');
    if (await browser.pinFormShown(page)) {
      await browser.typePin(page);
      await page.click('#open-session');
    }
    await page.waitForSelector('body[data-patient="shown"]');
    const clickedAt = Date.now();
    await page.click('#open-record');
    await page.waitForSelector('body[data-record="shown"]');
    const clickToShown = Date.now() - clickedAt;
    const [firstEvent, recordInPage] = await page.evaluate(() => {
      const at = (name) => performance.getEntriesByName(name, 'mark').at(-1).startTime;
      return [at('demo:first-card-event'), at('demo:record-shown') - at('demo:open-record')];
    });
    return { firstEvent, recordInPage, clickToShown };
  } finally {
    await context.close();
  }
}

// The page on its loopback origin beside the page on the public origin,
// Local Network Access granted by the managed policy (run as root).
async function measureOrigins(browserName) {
  const driver = DRIVERS[browserName];
  const bridgePort = await freePort();
  const loopbackPort = await freePort();
  const loopbackOrigin = `http://localhost:${loopbackPort}`;
  const publicOrigin = `https://${PUBLIC_HOST}`;
  const daemon = await startHcbridged({ port: bridgePort, origins: [loopbackOrigin, publicOrigin] });
  const servers = [];
  const cards = [];
  const policy = (action) => execFileSync(env.hcbridge(),
    ['browser-policy', '--config', daemon.config, '--browser', browserName, action], { stdio: 'inherit' });
  const rows = {};
  let version = '';
  try {
    servers.push(await startRecordServer({ port: loopbackPort, hcbridgeUrl: daemon.url }));
    const publicServer = await startPublicRecordServer({ hcbridgeUrl: daemon.url });
    servers.push(publicServer);
    cards.push(await insertCard('cps-demo', 1), await insertCard('vitale-family', 0));
    const settings = [
      ['loopback origin', loopbackOrigin, {}],
      ['public origin, policy-granted', publicOrigin, { publicServer }],
    ];
    policy('--write'); // browsers read their policies at start
    try {
      for (const [name, url, options] of settings) {
        const browser = await driver.launch(options);
        try {
          version = browser.version;
          await loadAndOpenRecord(browser, url); // warm-up: the session opens, nothing cached yet
          rows[name] = { firstEvent: [], recordInPage: [], clickToShown: [] };
          for (let run = 0; run < samples; ++run) {
            const times = await loadAndOpenRecord(browser, url);
            for (const key of Object.keys(times)) rows[name][key].push(times[key]);
          }
        } finally {
          await browser.close();
        }
      }
    } finally {
      policy('--remove');
    }
  } finally {
    for (const card of cards) await card.stop();
    for (const server of servers) await server.stop();
    await daemon.stop();
  }
  const show = (list) => `median ${median(list).toFixed(1)} ms (min ${Math.min(...list).toFixed(1)}, max ${Math.max(...list).toFixed(1)})`;
  console.log(`${version}, samples: ${samples} per origin, each a page load in a new context`);
  for (const [name, row] of Object.entries(rows)) {
    console.log(`${name}:`);
    console.log(`  navigation start -> first card event in the page: ${show(row.firstEvent)}`);
    console.log(`  "Open record" submit -> record shown, in the page: ${show(row.recordInPage)}`);
    console.log(`  "Open record" click -> record shown, as ${driver.tool} sees it: ${show(row.clickToShown)}`);
  }
}

if (!(values.browser in DRIVERS)) throw new Error(`--browser chromium or firefox, not '${values.browser}'`);
if (values.origins) {
  await measureOrigins(values.browser);
  process.exit(0);
}
if (values.browser !== 'chromium') throw new Error('--browser firefox is for --origins only');

const [bridgePort, recordPort] = [await freePort(), await freePort()];
const origin = `http://localhost:${recordPort}`;
const daemon = await startHcbridged({ port: bridgePort, origins: [origin] });
const server = await startRecordServer({ port: recordPort, hcbridgeUrl: `http://localhost:${bridgePort}` });
const browser = await launchBrowser();
const practitioner = await insertCard('cps-demo', 1);
const rows = { insertedToEvent: [], sessionClosedInLog: [], sessionClosedOnPage: [], patientShown: [], eventToShown: [], patientApi: [], recordShown: [], recordInPage: [], recordApi: [] };
try {
  const page = await browser.newPage();
  await page.goto(origin);
  await page.waitForSelector('#pin-form:not([hidden])');
  await page.fill('#pin', '1234');
  await page.click('#open-session');
  await page.waitForSelector('body[data-session="open"]');
  for (let run = 0; run < samples; ++run) {
    const since = await page.evaluate(() => performance.now());
    const patient = await insertCard('vitale-family', 0);
    const insertedAt = Date.now(); // the simulator is connected: the card is in the reader
    await page.waitForSelector('body[data-patient="shown"]');
    rows.patientShown.push((await markTime(page, 'demo:patient-shown')) - insertedAt);
    rows.insertedToEvent.push((await markTime(page, 'demo:patient-card-inserted')) - insertedAt);
    rows.patientApi.push(await apiTime(page, since, '/v1/patient-card'));
    rows.eventToShown.push(await between(page, 'demo:patient-card-inserted', 'demo:patient-shown'));

    const clickedSince = await page.evaluate(() => performance.now());
    const clickedAt = Date.now();
    await page.click('#open-record');
    await page.waitForSelector('body[data-record="shown"]');
    rows.recordShown.push(Date.now() - clickedAt); // includes Playwright's click and wait
    rows.recordApi.push(await apiTime(page, clickedSince, '/api/nonce|/v1/record-access|/api/records'));
    for (const call of ['/api/nonce', '/v1/record-access', '/api/records']) {
      rows[call] ??= [];
      rows[call].push(await apiTime(page, clickedSince, call));
    }
    rows.recordInPage.push(await between(page, 'demo:open-record', 'demo:record-shown'));

    await patient.stop('SIGKILL');
    await page.waitForSelector('body[data-patient="none"]');
  }
  await practitioner.stop('SIGKILL');

  // Pulling the practitioner card: when the simulator has left vpcd, when
  // hcbridged logs the removal, when the page shows the session closed.
  for (let run = 0; run < samples; ++run) {
    const card = await insertCard('cps-demo', 1);
    await page.waitForSelector('#pin-form:not([hidden])');
    await page.fill('#pin', '1234');
    await page.click('#open-session');
    await page.waitForSelector('#login[data-state="signed-in"]'); // the card is idle
    const closedBefore = daemon.output.split('practitioner.session.closed').length;
    const pulledAt = Date.now();
    const closedInLog = new Promise((resolve) => {
      const check = () => {
        if (daemon.output.split('practitioner.session.closed').length > closedBefore) {
          daemon.process.off('output', check);
          resolve(Date.now() - pulledAt);
        }
      };
      daemon.process.on('output', check);
    });
    await card.stop('SIGKILL');
    await page.waitForSelector('body[data-session="closed"]');
    rows.sessionClosedOnPage.push((await markTime(page, 'demo:session-closed')) - pulledAt);
    rows.sessionClosedInLog.push(await closedInLog);
  }
} finally {
  await practitioner.stop(); // a no-op once stopped
  await browser.close();
  await server.stop();
  await daemon.stop();
}
const show = (list) => `median ${median(list).toFixed(1)} ms (min ${Math.min(...list).toFixed(1)}, max ${Math.max(...list).toFixed(1)})`;
console.log(`samples: ${samples}`);
console.log(`patient card inserted -> patient shown: ${show(rows.patientShown)}`);
console.log(`  card inserted -> card.inserted event in the page (pcscd polls vpcd): ${show(rows.insertedToEvent)}`);
console.log(`  card.inserted event -> patient shown, in the page: ${show(rows.eventToShown)}`);
console.log(`  GET /v1/patient-card as the page saw it: ${show(rows.patientApi)}`);
console.log(`"Open record" click -> record shown, as Playwright sees it: ${show(rows.recordShown)}`);
console.log(`  submit handler -> record shown, in the page: ${show(rows.recordInPage)}`);
console.log(`  nonce + record-access + records as the page saw them: ${show(rows.recordApi)}`);
for (const call of ['/api/nonce', '/v1/record-access', '/api/records']) console.log(`    ${call}: ${show(rows[call])}`);
console.log(`practitioner card pulled (simulator killed):`);
console.log(`  -> hcbridged logs practitioner.session.closed: ${show(rows.sessionClosedInLog)}`);
console.log(`  -> the page shows the session closed: ${show(rows.sessionClosedOnPage)}`);
