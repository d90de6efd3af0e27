// The demo web app in headless Chromium, from a real web origin (the record
// server) against hcbridged on the real pcscd with simulated cards in the
// vpcd readers: what a GP does, and what goes wrong.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';

import {
  READER, call, cardTray, demoPage, freePort, launchBrowser, markTime, screenshotter, startHcbridged, startRecordServer,
  startSimulatedHcbridged,
} from './harness.mjs';

const PATIENT_SLOT = 0;
const PRACTITIONER_SLOT = 1;

describe('demo web app through hcbridged on pcscd + vpcd', () => {
  let daemon;
  let recordServer;
  let otherServer; // a second web app hcbridged allows, served on another port
  let pageOrigin;
  let otherOrigin;
  let browser;
  let context;
  let page;
  let bodyState, readerShows, messageShows, messageCode, message, typePin;
  const tray = cardTray();
  const { insert, pull } = tray;

  before(async () => {
    const [bridgePort, recordPort, otherPort] = [await freePort(), await freePort(), await freePort()];
    pageOrigin = `http://localhost:${recordPort}`;
    otherOrigin = `http://localhost:${otherPort}`;
    // http://localhost:1 is allowed too: a second web app whose assertions
    // the record server must refuse (they name another origin).
    daemon = await startHcbridged({ port: bridgePort, origins: [pageOrigin, 'http://localhost:1', otherOrigin] });
    recordServer = await startRecordServer({ port: recordPort, hcbridgeUrl: `http://localhost:${bridgePort}` });
    otherServer = await startRecordServer({ port: otherPort, hcbridgeUrl: `http://localhost:${bridgePort}` });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await otherServer?.stop();
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

  test('a wrong PIN shows the tries left, the wait before the next one, and the last try needs a confirmation',
    async () => {
      const shot = screenshotter(page, 'wrong-pin');
      await page.goto(pageOrigin);
      await insert('cps-demo', PRACTITIONER_SLOT);
      await page.waitForSelector('#pin-form:not([hidden])');

      await typePin('0000');
      await page.waitForSelector('#pin-tries:not([hidden])');
      assert.equal(await page.textContent('#pin-tries'), 'Wrong PIN: 2 tries left.');
      assert.equal(await messageCode(), 'pin-incorrect');
      await shot('two-tries-left');

      // hcbridged makes the PIN after a wrong one wait 1 s (then 5 s, 30 s): wait it out here.
      await page.waitForTimeout(1100);
      await typePin('9999');
      await page.waitForFunction(() => document.querySelector('#pin-tries').textContent.includes('1 try left'));
      const wrongSeenAt = Date.now();
      assert.ok(await page.isVisible('#last-try'));
      await shot('one-try-left');

      // The right PIN without the confirmation is not sent.
      await typePin('1234');
      await messageShows('pin-last-try');
      assert.equal(await page.getAttribute('body', 'data-session'), 'closed');

      // Confirmed, but within 5 s of the wrong PIN: refused unsent; the page
      // says how long to wait and keeps the button off until then.
      await page.check('#confirm-last-try');
      await typePin('1234');
      await messageShows('pin-attempt-too-soon');
      const wait = await page.textContent('#pin-wait');
      const seconds = Number(/^Wait (\d) s before trying again\.$/.exec(wait)?.[1]);
      assert.ok(seconds >= 1 && seconds <= 5, `the page says '${wait}'`);
      assert.match(await message(), /Wait a moment before trying the PIN again/);
      assert.equal(await page.isDisabled('#open-session'), true, 'the button is off during the wait');
      assert.equal(await page.textContent('#pin-tries'), 'One try left.', 'the tries left stay shown');
      assert.equal(await page.isChecked('#confirm-last-try'), true, 'the confirmation stays');
      assert.equal(await page.getAttribute('body', 'data-session'), 'closed');
      await shot('wait-before-the-last-try');

      await page.waitForSelector('#open-session:not([disabled])', { timeout: 10000 });
      const waited = Date.now() - wrongSeenAt;
      console.log(`# PIN too soon after a wrong one: the page said '${wait}', the button came back after ${waited} ms`);
      assert.ok(waited >= 4000, `the button came back ${waited} ms after the wrong PIN, before the 5 s wait`);
      assert.equal(await page.isHidden('#pin-wait'), true);
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
    // The session is its opener's: each call that uses it sends the token.
    const openSession = async (origin) => {
      const opened = await call(`${bridge}/v1/practitioner/session`, { origin, body: { pin: '1234' } });
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      return { 'HCBridge-Session': opened.body.sessionToken };
    };
    const session = await openSession(pageOrigin);
    const nonce = async () => (await call(`${pageOrigin}/api/nonce`, { origin: pageOrigin, body: {} })).body.nonce;
    const assertionFor = async (audience, origin = pageOrigin, withNonce, headers = session) => {
      const answer = await call(`${bridge}/v1/record-access`, {
        origin, headers, body: { audience, nonce: withNonce ?? (await nonce()), purpose: 'normal', beneficiary: 2 } });
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
    const unknownNonce = await assertionFor(audience, pageOrigin, Buffer.alloc(32, 7).toString('base64'));
    await expectRefusal(await records(unknownNonce), 403, 'nonce-unknown');
    await expectRefusal(await records(await assertionFor(audience), 'https://evil.example'), 403, 'origin-forbidden');
    // An assertion the other allowed web app got with its own session (this
    // one closed first: one session at a time) names its origin.
    const closed = await call(`${bridge}/v1/practitioner/session`, { origin: pageOrigin, method: 'DELETE', headers: session });
    assert.ok(closed.status < 300, JSON.stringify(closed.body));
    const foreign = await assertionFor(audience, 'http://localhost:1', undefined, await openSession('http://localhost:1'));
    await expectRefusal(await records(foreign), 403, 'origin-mismatch');
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

  // The practitioner session's token (sessionStorage, this tab's) and the
  // patient's view of the audit log (issue 14, items 2 and 7).
  const SESSION_KEY = () => `hcbridge.session ${daemon.url}`;
  const pinPostsLogged = () => daemon.output.match(/^http POST \/v1\/practitioner\/session /gm)?.length ?? 0;

  test('a reload resumes the open session: the patient is read and the record opens without the PIN', async () => {
    const shot = screenshotter(page, 'reload-resumes-session');
    await openSessionWithPatient('vitale-family');
    await page.waitForSelector('#login[data-state="signed-in"]');
    const token = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY());
    assert.match(token ?? '', /^[A-Za-z0-9_-]{43}$/, 'the tab keeps the session token');
    const pinPosts = pinPostsLogged();
    const patientReads = () => daemon.output.match(/^http GET \/v1\/patient-card(\?\S*)? 200 /gm)?.length ?? 0;
    const readsBefore = patientReads();
    // What the page sends to hcbridged: the token goes with the session's calls only.
    const sent = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(daemon.url)) return;
      sent.push({ call: `${request.method()} ${new URL(request.url()).pathname}`,
        token: request.headers()['hcbridge-session'] ?? null });
    });

    await page.reload();
    await bodyState('session', 'open');
    await bodyState('patient', 'shown');
    await page.waitForSelector('#login[data-state="signed-in"]');
    assert.equal(await page.isHidden('#pin-form'), true, 'no PIN asked');
    assert.equal(await page.locator('#beneficiaries label').count(), 4);
    assert.ok(patientReads() > readsBefore, 'the card was read again with the kept token');
    await page.click('#open-record');
    await bodyState('record', 'shown');
    assert.match(await page.textContent('#record'), /Jean DUPONT-TEST — opened by Hélène DURAND-TEST \(normal\)/);
    assert.equal(pinPostsLogged(), pinPosts, 'the reload sent no PIN');
    const sessionCall = /^(GET \/v1\/patient-card|POST \/v1\/record-access|POST \/v1\/practitioner\/authenticate)/;
    assert.ok(sent.some(({ call }) => call.startsWith('POST /v1/record-access')), JSON.stringify(sent));
    for (const { call, token: sentToken } of sent) {
      assert.equal(sentToken, sessionCall.test(call) ? token : null, `${call} and the token`);
    }
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY()), token);
    await shot('record-after-reload');

    // Closed on the page: the token is forgotten with the session.
    await page.click('#close-session');
    await bodyState('session', 'closed');
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY()), null);
  });

  test('another web app or tab gets session-not-yours and session-busy while this page holds the session',
    async () => {
      const shot = screenshotter(page, 'session-not-yours');
      await openSessionWithPatient('vitale-family');
      await page.waitForSelector('#login[data-state="signed-in"]');
      const reader = READER[PATIENT_SLOT];

      // The API through the client, as page `where` calls it: 'STATUS code' per call.
      const refusals = (where) => where.evaluate(async ({ url, reader, audience, nonce }) => {
        const { HcBridge } = await import('/client/hcbridge.js');
        const bridge = new HcBridge({ url });
        const outcome = (promise) => promise.then(() => 'answered', (error) => `${error.status} ${error.code}`);
        return {
          patientCard: await outcome(bridge.patientCard({ reader })),
          accesses: await outcome(bridge.patientCardAccesses({ reader })),
          recordAccess: await outcome(bridge.recordAccess({ audience, nonce, reader })),
          authenticate: await outcome(bridge.authenticate(nonce)),
          closeSession: await outcome(bridge.closeSession()),
        };
      }, { url: daemon.url, reader, audience: `${otherOrigin}/api`, nonce: Buffer.alloc(32, 9).toString('base64') });
      const notYours = { patientCard: '403 session-not-yours', accesses: '403 session-not-yours',
        recordAccess: '403 session-not-yours', authenticate: '403 session-not-yours',
        closeSession: '403 session-not-yours' };

      // Another allowed web app, in another browser profile.
      const otherContext = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      try {
        const other = await otherContext.newPage();
        other.on('pageerror', (error) => assert.fail(`page error on the other app: ${error.message}`));
        const otherUi = demoPage(other);
        const otherShot = screenshotter(other, 'session-not-yours-other-app');
        await other.goto(otherOrigin);
        // The event stream says a session is open; this page holds no token for it.
        await otherUi.messageShows('session-busy');
        assert.match(await otherUi.message(), /Another application holds the practitioner session/);
        assert.equal(await other.getAttribute('body', 'data-patient'), 'none');
        assert.deepEqual(await refusals(other), notYours);

        // Its PIN is refused unsent: the first page keeps its session.
        await other.waitForSelector('#pin-form:not([hidden])');
        const otherQuoted = otherOrigin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const busyLine = new RegExp(
          `^http POST /v1/practitioner/session 409 \\d+ms origin ${otherQuoted} session-busy$`, 'gm');
        const busyBefore = daemon.output.match(busyLine)?.length ?? 0;
        await otherUi.typePin('1234');
        await other.waitForFunction(() => /PIN was not sent/.test(document.querySelector('#message').textContent));
        assert.equal(await otherUi.messageCode(), 'session-busy');
        assert.match(await otherUi.message(), /Another application holds the practitioner session/);
        assert.equal(daemon.output.match(busyLine)?.length ?? 0, busyBefore + 1);
        assert.equal(await other.getAttribute('body', 'data-session'), 'closed');
        await otherShot('pin-refused-session-busy');

        // The first page's token copied into the other app (a leak): of no use there.
        const token = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY());
        await other.evaluate(([key, value]) => sessionStorage.setItem(key, value), [SESSION_KEY(), token]);
        await other.reload();
        await otherUi.messageShows('session-not-yours');
        assert.match(await otherUi.message(), /Another application holds the practitioner session/);
        await other.waitForSelector('body[data-session="closed"]');
        assert.equal(await other.getAttribute('body', 'data-patient'), 'none');
        assert.equal(await other.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY()), null,
          'the client forgot the refused token');
        await otherShot('copied-token-refused');
      } finally {
        await otherContext.close();
      }

      // Another tab of the same web app: no token (sessionStorage is per tab), no data.
      const tab = await context.newPage();
      tab.on('pageerror', (error) => assert.fail(`page error in the second tab: ${error.message}`));
      await tab.goto(pageOrigin);
      await demoPage(tab).messageShows('session-busy');
      assert.equal(await tab.getAttribute('body', 'data-patient'), 'none');
      assert.deepEqual(await refusals(tab), notYours);

      // The first page's session went through all this untouched.
      assert.equal(await page.getAttribute('body', 'data-session'), 'open');
      await page.click('#open-record');
      await bodyState('record', 'shown');
      await shot('first-page-still-works');

      // The PIN typed in the second tab of the same web app opens that tab's
      // own session, which replaces the first tab's.
      const tabUi = demoPage(tab);
      await tab.waitForSelector('#pin-form:not([hidden])');
      await tabUi.typePin('1234');
      await tabUi.bodyState('session', 'open');
      await tabUi.bodyState('patient', 'shown');
      await bodyState('session', 'closed');
      await bodyState('record', 'none');
      assert.match(await message(), /another application or browser tab/);
      assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY()), null);
      await tab.close();
    });

  test('the patient sees who accessed the data here: the record just opened, by whom, why', async () => {
    const shot = screenshotter(page, 'who-accessed');
    await openSessionWithPatient('vitale-family');
    await page.waitForSelector('#login[data-state="signed-in"]');
    // An emergency access whose justification looks like HTML: it must stay text.
    const justification = 'Unconscious at the desk <img src=x onerror="window.injected=1"> & no relative';
    await page.selectOption('#purpose', 'bris_de_glace');
    await page.fill('#justification', justification);
    const openedAt = Date.now();
    await page.click('#open-record');
    await bodyState('record', 'shown');

    await page.click('#show-accesses');
    await bodyState('accesses', 'shown');
    await shot('accesses-shown');
    const rows = await page.$$eval('#accesses tbody tr', (trs) => trs.map((tr) => ({
      action: tr.dataset.action,
      time: tr.querySelector('time')?.dateTime,
      cells: [...tr.cells].map((cell) => cell.textContent),
    })));
    const described = JSON.stringify(rows, null, 1);
    assert.equal(rows[0]?.action, 'record-access.issue', `the newest first: ${described}`);
    const [when, app, practitioner, what, purpose, why, outcome] = rows[0].cells;
    assert.ok(when.length > 0);
    assert.ok(Math.abs(Date.parse(rows[0].time) - openedAt) < 60000, `logged at ${rows[0].time}`);
    assert.equal(app, `web page of ${pageOrigin}`);
    assert.match(practitioner, /^Hélène DURAND-TEST \(CPS card \S+\)$/);
    assert.equal(what, 'opened the record (signed access request)');
    assert.equal(purpose, 'emergency without consent (bris de glace)');
    assert.equal(why, justification);
    assert.equal(outcome, 'done');
    const read = rows.find((row) => row.action === 'patient-card.read');
    assert.ok(read, `the card reading is listed: ${described}`);
    assert.match(read.cells[3], /^read the card/);
    assert.match(read.cells[2], /Hélène DURAND-TEST/);
    // Nothing from the log became markup.
    assert.equal(await page.locator('#accesses img').count(), 0);
    assert.equal(await page.evaluate(() => window.injected), undefined);
    assert.equal(await page.isHidden('#accesses-empty'), true);

    // Another opening while the list is shown: the list follows.
    const openings = () => page.locator('#accesses tbody tr[data-action="record-access.issue"]').count();
    const openingsBefore = await openings(); // the earlier tests opened this card's records too
    await page.selectOption('#purpose', 'normal');
    await page.click('#open-record');
    await page.waitForFunction(() => document.querySelector('#accesses tbody tr')?.cells[4].textContent ===
      'care, with the patient\'s consent');
    assert.equal(await openings(), openingsBefore + 1);

    // The patient's card leaves: the list leaves the screen with it.
    await pull(tray.find('vitale'));
    await bodyState('accesses', 'none');
    assert.equal(await page.locator('#accesses tbody tr').count(), 0);
  });

  test('a card with nothing recorded shows "No access recorded on this workstation"', async () => {
    await openSessionWithPatient('vitale-family');
    // This workstation's log always holds the demo's own reading of the card:
    // the service's answer is replaced by an empty list to show that state.
    await page.route(`${daemon.url}/v1/patient-card/accesses?*`, (route) => route.fulfill({
      status: 200, contentType: 'application/json',
      headers: { 'Access-Control-Allow-Origin': pageOrigin },
      body: JSON.stringify({ reader: READER[PATIENT_SLOT], limit: 500, accesses: [] }),
    }));
    await page.click('#show-accesses');
    await bodyState('accesses', 'shown');
    assert.equal(await page.textContent('#accesses-empty'), 'No access recorded on this workstation.');
    assert.equal(await page.isHidden('#accesses'), true);
    await screenshotter(page, 'who-accessed-nothing')('empty');
  });

  // Runs last: by now both programs have served every flow above.
  test('no name, NIR or record text reaches the logs of hcbridged or the record server', () => {
    const cardAndRecordData = /DUPONT|DURAND|Hélène|CORSE|175047505612377|279035121518989|Peanuts|Amlodipine|19750412/i;
    for (const program of [daemon, recordServer, otherServer]) {
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
      // The patient's view works on the simulated service too.
      await page.click('#show-accesses');
      await page.waitForSelector('body[data-accesses="shown"]');
      assert.equal(await page.getAttribute('#accesses tbody tr', 'data-action'), 'record-access.issue');
      await shot('accesses-shown');
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
