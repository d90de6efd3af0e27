// The demo web app in headless Chromium, from a real web origin (the record
// server) against hcbridged on the real pcscd with simulated cards in the
// vpcd readers: what a GP does, and what goes wrong.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';

import {
  call, cardTray, demoPage, freePort, launchBrowser, markTime, screenshotter, startHcbridged, startRecordServer,
  startSimulatedHcbridged,
} from './harness.mjs';

const PATIENT_SLOT = 0;
const PRACTITIONER_SLOT = 1;

describe('demo web app through hcbridged on pcscd + vpcd', () => {
  let daemon;
  let recordServer;
  let pageOrigin;
  let browser;
  let context;
  let page;
  let bodyState, readerShows, messageShows, messageCode, message, typePin;
  const tray = cardTray();
  const { insert, pull } = tray;

  before(async () => {
    const [bridgePort, recordPort] = [await freePort(), await freePort()];
    pageOrigin = `http://localhost:${recordPort}`;
    // http://localhost:1 is allowed too: a second web app whose assertions
    // the record server must refuse (they name another origin).
    daemon = await startHcbridged({ port: bridgePort, origins: [pageOrigin, 'http://localhost:1'] });
    recordServer = await startRecordServer({ port: recordPort, hcbridgeUrl: `http://localhost:${bridgePort}` });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await recordServer?.stop();
    await daemon?.stop();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
    ({ bodyState, readerShows, messageShows, messageCode, message, typePin } = demoPage(page));
  });

  afterEach(async () => {
    await context?.close();
    await tray.removeAll();
  });

  // The page loaded, cps-demo's session open with its PIN, `patient` shown.
  // Returns the practitioner card.
  const openSessionWithPatient = async (patient) => {
    await page.goto(pageOrigin);
    const practitioner = await insert('cps-demo', PRACTITIONER_SLOT);
    await insert(patient, PATIENT_SLOT);
    await page.waitForSelector('#pin-form:not([hidden])');
    await typePin('1234');
    await bodyState('patient', 'shown');
    return practitioner;
  };

  test('a GP inserts both cards, types the PIN, picks a beneficiary and opens the record', async () => {
    const shot = screenshotter(page, 'open-record');
    await page.goto(pageOrigin);
    await page.waitForSelector('#service[data-state="open"]');
    await shot('connected-no-cards');

    await insert('cps-demo', PRACTITIONER_SLOT);
    await insert('vitale-family', PATIENT_SLOT);
    await page.waitForSelector('#pin-form:not([hidden])');
    await page.waitForFunction(() => document.querySelector('#readers').textContent.includes('Carte Vitale'));
    // The name comes from GET /v1/practitioner-card after the card event
    // ("your card" until then): wait for it rather than race it.
    await page.waitForFunction(() => document.querySelector('#practitioner-card-name').textContent !== 'your card');
    assert.match(await page.textContent('#practitioner-card-name'), /Hélène DURAND-TEST/);
    await shot('cards-inserted');

    await typePin('1234');
    await bodyState('session', 'open');
    assert.equal(await page.inputValue('#pin'), '', 'the PIN field is cleared');
    await bodyState('patient', 'shown');
    await page.waitForSelector('#login[data-state="signed-in"]');
    assert.match(await page.textContent('#login'), /signed in as Hélène DURAND-TEST/);
    const people = await page.locator('#beneficiaries label').allTextContents();
    assert.equal(people.length, 4);
    assert.match(people[0], /JEAN DUPONT-TEST, born 12\/04\/1975 \(holder\)/);
    assert.equal(await page.getAttribute('#patient-card .badge', 'data-status'), 'verified');
    await shot('session-open-patient-shown');

    await page.locator('#beneficiaries label', { hasText: 'LUCAS' }).locator('input').check();
    await shot('beneficiary-chosen');
    await page.click('#open-record');
    await bodyState('record', 'shown');
    const record = await page.textContent('#record');
    assert.match(record, /Lucas DUPONT-TEST — opened by Hélène DURAND-TEST \(normal\)/);
    assert.match(record, /Peanuts/);
    await shot('record-shown');

    // The holder's record is another one: the beneficiary choice reached the server.
    await page.locator('#beneficiaries label', { hasText: 'JEAN' }).locator('input').check();
    await page.click('#open-record');
    await page.waitForFunction(() => document.querySelector('#record').textContent.includes('Jean DUPONT-TEST'));
    assert.doesNotMatch(await page.textContent('#record'), /Peanuts/);

    // A reload keeps the session (the event stream says it is open) but not the record.
    await page.reload();
    await bodyState('session', 'open');
    await bodyState('patient', 'shown');
    assert.equal(await page.getAttribute('body', 'data-record'), 'none');
    await shot('reloaded');

    // Pulling the patient card takes the record off the screen.
    await pull(tray.find('vitale'));
    await bodyState('record', 'none');
    await bodyState('patient', 'none');
    await shot('patient-card-removed');
  });

  test('pulling the practitioner card closes the session on the page within 1 s', async () => {
    const shot = screenshotter(page, 'practitioner-card-pulled');
    const practitioner = await openSessionWithPatient('vitale-family');
    // No card command in flight (the sign-in signs with the card): the card is idle when pulled.
    await page.waitForSelector('#login[data-state="signed-in"]');
    await shot('session-open');

    const pulledAt = Date.now();
    await pull(practitioner);
    await bodyState('session', 'closed', 5000);
    // When the page itself closed the session, not when Playwright noticed.
    const elapsed = (await markTime(page, 'demo:session-closed')) - pulledAt;
    console.log(`# practitioner card pulled -> session closed on the page: ${elapsed.toFixed(0)} ms`);
    assert.ok(elapsed < 1000, `the page lost the session after ${elapsed.toFixed(0)} ms`);
    await bodyState('patient', 'none');
    assert.match(await message(), /practitioner card was removed/);
    await shot('session-closed');
  });

  test('a wrong PIN shows the tries left and the last try needs a confirmation', async () => {
    const shot = screenshotter(page, 'wrong-pin');
    await page.goto(pageOrigin);
    await insert('cps-demo', PRACTITIONER_SLOT);
    await page.waitForSelector('#pin-form:not([hidden])');

    await typePin('0000');
    await page.waitForSelector('#pin-tries:not([hidden])');
    assert.equal(await page.textContent('#pin-tries'), 'Wrong PIN: 2 tries left.');
    assert.equal(await messageCode(), 'pin-incorrect');
    await shot('two-tries-left');

    await typePin('9999');
    await page.waitForFunction(() => document.querySelector('#pin-tries').textContent.includes('1 try left'));
    assert.ok(await page.isVisible('#last-try'));
    await shot('one-try-left');

    // The right PIN without the confirmation is not sent.
    await typePin('1234');
    await messageShows('pin-last-try');
    assert.equal(await page.getAttribute('body', 'data-session'), 'closed');
    await page.check('#confirm-last-try');
    await typePin('1234');
    await bodyState('session', 'open');
    await shot('confirmed-and-open');
  });

  test('refusals show as readable messages: no record, revoked card, blocked PIN', async () => {
    const shot = screenshotter(page, 'refusals');
    const practitioner = await openSessionWithPatient('vitale-corse');
    await page.click('#open-record');
    await messageShows('record-not-found');
    assert.match(await message(), /No record for this patient/);
    assert.equal(await page.getAttribute('body', 'data-record'), 'none');
    await shot('no-record');

    // An emergency access without its justification is refused by hcbridged.
    await page.selectOption('#purpose', 'bris_de_glace');
    await page.click('#open-record');
    await messageShows('justification-required');
    await shot('justification-required');

    await pull(practitioner);
    await bodyState('session', 'closed');
    await insert('cps-revoked', PRACTITIONER_SLOT);
    await page.waitForSelector('#pin-form:not([hidden])');
    await typePin('1234');
    await messageShows('certificate-revoked');
    assert.match(await message(), /has been revoked/);
    await shot('revoked');

    await pull(tray.find('cps-revoked'));
    await readerShows(PRACTITIONER_SLOT, 'empty');
    await insert('cps-blocked', PRACTITIONER_SLOT);
    await readerShows(PRACTITIONER_SLOT, 'CPS');
    await typePin('1234');
    await messageShows('pin-blocked');
    assert.match(await message(), /PIN is blocked/);
    await shot('pin-blocked');
  });

  test('the record server refuses replayed, foreign and malformed requests', async () => {
    await insert('cps-demo', PRACTITIONER_SLOT);
    await insert('vitale-family', PATIENT_SLOT);
    const bridge = daemon.url;
    // hcbridged sees a vpcd card at pcscd's next poll: wait for both cards.
    const deadline = Date.now() + 5000;
    const cardsSeen = async () =>
      (await call(`${bridge}/v1/readers`, { origin: pageOrigin })).body.readers.filter((r) => r.cardType).length;
    while ((await cardsSeen()) < 2) {
      assert.ok(Date.now() < deadline, 'hcbridged did not see both cards within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const opened = await call(`${bridge}/v1/practitioner/session`, { origin: pageOrigin, body: { pin: '1234' } });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const nonce = async () => (await call(`${pageOrigin}/api/nonce`, { origin: pageOrigin, body: {} })).body.nonce;
    const assertionFor = async (audience, origin = pageOrigin, withNonce) => {
      const answer = await call(`${bridge}/v1/record-access`, {
        origin, body: { audience, nonce: withNonce ?? (await nonce()), purpose: 'normal', beneficiary: 2 } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.assertion;
    };
    const records = (assertion, origin = pageOrigin) => call(`${pageOrigin}/api/records`, { origin, body: { assertion } });
    const audience = `${pageOrigin}/api`;

    const good = await assertionFor(audience);
    const first = await records(good);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.record.name, 'Alice DUPONT-TEST');
    assert.deepEqual(Object.keys(first.body.patient).sort(), ['birthDate', 'id', 'idType', 'rank']);

    const expectRefusal = async (answer, status, code) => {
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body.code, code);
      assert.ok(answer.body.title && typeof answer.body.detail === 'string', JSON.stringify(answer.body));
    };
    await expectRefusal(await records(good), 403, 'nonce-unknown');
    await expectRefusal(await records(await assertionFor('https://other-records.example/api')), 403, 'audience-mismatch');
    await expectRefusal(await records(await assertionFor(audience, 'http://localhost:1')), 403, 'origin-mismatch');
    const unknownNonce = await assertionFor(audience, pageOrigin, Buffer.alloc(32, 7).toString('base64'));
    await expectRefusal(await records(unknownNonce), 403, 'nonce-unknown');
    await expectRefusal(await records(await assertionFor(audience), 'https://evil.example'), 403, 'origin-forbidden');
    await expectRefusal(await records('not.a-jws'), 400, 'assertion-malformed');
    const tampered = good.split('.');
    tampered[1] = Buffer.from(JSON.stringify({ nonce: await nonce(), patient: { idType: 'nir-card', id: '1' } })).toString('base64url');
    await expectRefusal(await records(tampered.join('.')), 401, 'token-invalid');
    await expectRefusal(await call(`${pageOrigin}/api/records`, { origin: pageOrigin, raw: '{"assertion":' }), 400, 'body-invalid');
    const token = await call(`${pageOrigin}/api/login`, { origin: pageOrigin, body: { nonce: await nonce(), token: { format: 'web-eid:1.0' } } });
    await expectRefusal(token, 401, 'token-invalid');
  });

  test('a page from an origin not on the allow-list gets nothing from hcbridged', async () => {
    const shot = screenshotter(page, 'origin-not-allowed');
    await insert('cps-demo', PRACTITIONER_SLOT);
    // The same page from 127.0.0.1 instead of localhost: another origin.
    const otherOrigin = pageOrigin.replace('localhost', '127.0.0.1');
    await page.goto(otherOrigin);
    await page.waitForSelector('#service[data-state="closed"]');
    await messageShows('origin-forbidden');
    assert.match(await message(), /not allowed to use the card service/);
    assert.match(await message(), /127\.0\.0\.1/);
    assert.equal(await page.locator('#readers li[data-reader]').count(), 0);
    const direct = await page.evaluate(async (url) => {
      try {
        const response = await fetch(url);
        return `answered ${response.status}: ${await response.text()}`;
      } catch (error) {
        return `refused: ${error.name}`;
      }
    }, `${new URL(await page.textContent('#bridge-url')).origin}/v1/readers`);
    assert.equal(direct, 'refused: TypeError');
    await shot('refused');
  });

  // Runs last: by now both programs have served every flow above.
  test('no name, NIR or record text reaches the logs of hcbridged or the record server', () => {
    const cardAndRecordData = /DUPONT|DURAND|Hélène|CORSE|175047505612377|279035121518989|Peanuts|Amlodipine|19750412/i;
    for (const program of [daemon, recordServer]) {
      assert.ok(program.output.length > 0, `${program.name} logged nothing at all`);
      assert.doesNotMatch(program.output, cardAndRecordData, `${program.name} logged card or record data`);
    }
  });
});

describe('the README demo: hcbridged --simulate and the record server', () => {
  test('a newcomer completes the whole flow with the simulated cards', async () => {
    const [bridgePort, recordPort] = [await freePort(), await freePort()];
    const origin = `http://localhost:${recordPort}`;
    const daemon = await startSimulatedHcbridged({ port: bridgePort, origin });
    const server = await startRecordServer({ port: recordPort, hcbridgeUrl: daemon.url });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
      const shot = screenshotter(page, 'readme-demo');
      await page.goto(origin);
      await page.waitForSelector('#pin-form:not([hidden])');
      assert.equal(await page.locator('#readers li[data-reader]').count(), 2);
      await page.fill('#pin', '1234');
      await page.click('#open-session');
      await page.waitForSelector('body[data-patient="shown"]');
      await page.locator('#beneficiaries label', { hasText: 'EMMA' }).locator('input').check();
      await page.click('#open-record');
      await page.waitForSelector('body[data-record="shown"]');
      assert.match(await page.textContent('#record'), /Emma DUPONT-TEST — opened by Hélène DURAND-TEST/);
      await shot('record-shown');
    } finally {
      await browser.close();
      await server.stop();
      await daemon.stop();
    }
  });
});

describe('demo web app without hcbridged', () => {
  test('says the card service is not running and how to install it', async () => {
    const recordPort = await freePort();
    const closedPort = await freePort(); // nothing listens there
    const server = await startRecordServer({ port: recordPort, hcbridgeUrl: `http://localhost:${closedPort}` });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const shot = screenshotter(page, 'service-not-running');
      await page.goto(`http://localhost:${recordPort}`);
      await page.waitForFunction(() => document.querySelector('#message').dataset.code === 'service-unreachable');
      const text = await page.textContent('#message');
      assert.match(text, /card service is not running/);
      assert.match(text, /install/);
      await shot('not-running');

      // A wrong address on the record server is a page that says so, not a blank one.
      const missing = await page.goto(`http://localhost:${recordPort}/demo/nothing.html`);
      assert.equal(missing.status(), 404);
      assert.equal(await page.textContent('h1'), 'Nothing at /demo/nothing.html');
      await shot('not-found-page');
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
