#!/usr/bin/env node
// Measures the demo in headless Chromium (a benchmark, not a test): with the
// practitioner session open, the time from inserting the patient card to the
// patient shown, and from the "Open record" click to the record shown; each
// beside the sum of the page's underlying API calls (Resource Timing).
// Needs pcscd running; prints the median of --samples runs (default 10).
//   HCBRIDGED=build-rel/src/daemon/hcbridged HCBRIDGE_CLI=build-rel/src/cli/hcbridge \
//     node tests/e2e/measure.mjs --samples 10
import { parseArgs } from 'node:util';

import { freePort, insertCard, launchBrowser, startHcbridged, startRecordServer } from './harness.mjs';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '10' } } });
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
const between = (page, from, to) => page.evaluate(([from, to]) => {
  const last = (name) => performance.getEntriesByName(name, 'mark').at(-1).startTime;
  return last(to) - last(from);
}, [from, to]);

const [bridgePort, recordPort] = [await freePort(), await freePort()];
const origin = `http://localhost:${recordPort}`;
const daemon = await startHcbridged({ port: bridgePort, origins: [origin] });
const server = await startRecordServer({ port: recordPort, hcbridgeUrl: `http://localhost:${bridgePort}` });
const browser = await launchBrowser();
const practitioner = await insertCard('cps-demo', 1);
const rows = { patientShown: [], eventToShown: [], patientApi: [], recordShown: [], recordInPage: [], recordApi: [] };
try {
  const page = await browser.newPage();
  await page.goto(origin);
  await page.waitForSelector('#pin-form:not([hidden])');
  await page.fill('#pin', '1234');
  await page.click('#open-session');
  await page.waitForSelector('body[data-session="open"]');
  for (let run = 0; run < samples; ++run) {
    const since = await page.evaluate(() => performance.now());
    const insertedAt = Date.now();
    const patient = await insertCard('vitale-family', 0);
    await page.waitForSelector('body[data-patient="shown"]');
    rows.patientShown.push(Date.now() - insertedAt);
    rows.patientApi.push(await apiTime(page, since, '/v1/patient-card'));
    rows.eventToShown.push(await between(page, 'demo:patient-card-inserted', 'demo:patient-shown'));

    const clickedSince = await page.evaluate(() => performance.now());
    const clickedAt = Date.now();
    await page.click('#open-record');
    await page.waitForSelector('body[data-record="shown"]');
    rows.recordShown.push(Date.now() - clickedAt);
    rows.recordApi.push(await apiTime(page, clickedSince, '/api/nonce|/v1/record-access|/api/records'));
    rows.recordInPage.push(await between(page, 'demo:open-record', 'demo:record-shown'));

    await patient.stop();
    await page.waitForSelector('body[data-patient="none"]');
  }
} finally {
  await practitioner.stop();
  await browser.close();
  await server.stop();
  await daemon.stop();
}
const show = (list) => `median ${median(list).toFixed(1)} ms (min ${Math.min(...list).toFixed(1)}, max ${Math.max(...list).toFixed(1)})`;
console.log(`samples: ${samples}`);
console.log(`patient card inserted -> patient shown: ${show(rows.patientShown)}`);
console.log(`  card.inserted event -> patient shown, in the page: ${show(rows.eventToShown)}`);
console.log(`  GET /v1/patient-card as the page saw it: ${show(rows.patientApi)}`);
console.log(`"Open record" click -> record shown: ${show(rows.recordShown)}`);
console.log(`  submit handler -> record shown, in the page: ${show(rows.recordInPage)}`);
console.log(`  nonce + record-access + records as the page saw them: ${show(rows.recordApi)}`);
