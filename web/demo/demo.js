// The demo web app: a GP's page that identifies the patient from the
// insurance card and opens the patient's record, through hcbridged (cards,
// PIN, signatures) and the record server that served this page (nonces,
// verification, records). Card and record data are shown with textContent
// only: nothing from a card or a server is ever parsed as HTML. Performance
// marks (demo:*) time the steps for tests/e2e/measure.mjs.
import { HcBridge, HcBridgeError } from '/client/hcbridge.js';

import { renderAccesses } from '/demo/accesses.js';

const PRACTITIONER_CARDS = new Set(['cps', 'hba']);
const PATIENT_CARDS = new Set(['vitale', 'egk']);

// Readable headlines for the errors a GP meets; the detail comes from the problem.
const HEADLINES = {
  'pin-incorrect': 'Wrong PIN',
  'pin-blocked': 'The card\'s PIN is blocked',
  'pin-last-try': 'One PIN try left',
  'card-removed': 'The card was removed',
  'card-absent': 'No card in the reader',
  'card-unsupported': 'This card is not supported',
  'reader-busy': 'Another program is using the card',
  'pcsc-unavailable': 'The smart-card service (pcscd) is not running',
  'practitioner-session-required': 'Open the practitioner session first',
  'session-not-yours': 'Another application holds the practitioner session',
  'session-busy': 'Another application holds the practitioner session',
  'pin-attempt-too-soon': 'Wait a moment before trying the PIN again',
  'patient-card-required': 'Insert the patient\'s card',
  'pin-required': 'Type the practitioner\'s PIN again',
  'certificate-untrusted': 'The practitioner card is not trusted',
  'certificate-expired': 'The practitioner card has expired',
  'certificate-revoked': 'The practitioner card has been revoked',
  'card-signature-invalid': 'The practitioner card failed its check',
  'record-not-found': 'No record for this patient',
  'nonce-unknown': 'The request is stale',
  'nonce-replayed': 'This request was already used',
  // The browser's Local Network Access: the detail says what to click or ask IT.
  'local-network-prompt': 'Your browser asks whether this page may use the card reader: click "Allow"',
  'local-network-denied': 'Your browser blocks this page from the card reader service',
  'insecure-origin': 'This page is not secure (http): the browser keeps it away from the card reader',
};

// The GP's own words where the service's detail speaks to developers.
const ELSEWHERE = 'The session was opened in another application or browser tab: close it there, or remove the ' +
  'practitioner card and insert it again.';
const DETAILS = {
  'session-busy': `Your PIN was not sent. ${ELSEWHERE}`,
  'session-not-yours': `This page cannot use it. ${ELSEWHERE} Then type the PIN here.`,
};

const $ = (id) => document.getElementById(id);
const state = {
  bridge: null,
  config: null,
  readers: new Map(), // name -> card type or null
  session: null, // { reader, name }
  opening: false, // a PIN went to the service and its answer is awaited
  patient: null, // { reader, card }
  practitionerName: new Map(), // reader -> name on the card (public data)
  practitionerLabels: new Map(), // "cps ID" (as the audit log names a card) -> name
  pinWaitUntil: 0, // Date.now() before which the service refuses the next PIN
  pinWaitTimer: null,
};

// ---------------------------------------------------------------- messages

function showMessage(kind, title, detail = '', code = '') {
  $('message').hidden = false;
  $('message').dataset.kind = kind;
  $('message').dataset.code = code;
  $('message-title').textContent = title;
  $('message-detail').textContent = detail;
}

function showError(error, kind = 'error') {
  const code = error?.code ?? 'internal';
  const title = HEADLINES[code] ?? error?.title ?? 'Something went wrong';
  let detail = DETAILS[code] ?? (error?.detail || (error?.title && HEADLINES[code] ? error.title : ''));
  if (!(error instanceof HcBridgeError) && !error?.code) detail = String(error?.message ?? error);
  showMessage(kind, title, detail);
  $('message').dataset.code = code;
}

// The browser shows its Local Network Access prompt: say what to click; the
// client waits for the answer, then the page goes on (or says it is denied).
function onPermissionPrompt(error, answered) {
  showError(error, 'info');
  answered.then((answer) => {
    if (answer === 'granted' && $('message').dataset.code === 'local-network-prompt') clearMessage();
  });
}

function clearMessage() {
  $('message').hidden = true;
}

// ---------------------------------------------------------------- record server

async function recordServer(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (failure) {
    throw new HcBridgeError({ code: 'record-server-unreachable', title: 'The record server does not answer',
      detail: 'Check the network, then try again.', cause: failure });
  }
  const answer = await response.json().catch(() => null);
  if (response.ok && answer) return answer;
  throw new HcBridgeError({ code: answer?.code ?? `http-${response.status}`, status: response.status,
    title: answer?.title ?? `The record server answered ${response.status}`, detail: answer?.detail ?? '' });
}

const newNonce = async () => (await recordServer('POST', '/api/nonce', {})).nonce;

// ---------------------------------------------------------------- readers

function readerOf(kinds) {
  for (const [name, type] of state.readers) if (kinds.has(type)) return name;
  return null;
}

function renderReaders() {
  const list = $('readers');
  list.replaceChildren();
  if (state.readers.size === 0) {
    list.append(Object.assign(document.createElement('li'), { className: 'muted', textContent: 'No reader yet.' }));
  }
  for (const [name, type] of state.readers) {
    const item = document.createElement('li');
    item.dataset.reader = name;
    item.textContent = `${name}: ${type ? cardLabel(type) : 'empty'}`;
    list.append(item);
  }
}

function cardLabel(type) {
  return { vitale: 'Carte Vitale', egk: 'eGK', cps: 'CPS (practitioner)', hba: 'HBA (practitioner)' }[type]
    ?? `unknown card (${type})`;
}

// ---------------------------------------------------------------- practitioner

async function renderPractitioner() {
  const reader = readerOf(PRACTITIONER_CARDS);
  const open = state.session !== null;
  document.body.dataset.session = open ? 'open' : 'closed';
  $('session').hidden = !open;
  $('pin-form').hidden = open || reader === null;
  $('practitioner-hint').hidden = open || reader !== null;
  if (open) {
    $('session-name').textContent = state.session.name ?? '';
    $('session-reader').textContent = `(${state.session.reader})`;
  } else if (reader && !state.practitionerName.has(reader)) {
    state.practitionerName.set(reader, null);
    try {
      const card = await state.bridge.practitionerCard({ reader });
      const name = `${card.givenNames} ${card.surname}`;
      state.practitionerName.set(reader, name);
      // The audit log names the card by one of its ids: know the name for each.
      for (const id of [card.nationalId, card.registrationNumber, card.telematikId]) {
        if (id) state.practitionerLabels.set(`${card.cardType} ${id}`, name);
      }
    } catch {
      state.practitionerName.delete(reader); // the PIN form works without the name
    }
  }
  $('practitioner-card-name').textContent = state.practitionerName.get(reader) ?? 'your card';
}

async function openSession(event) {
  event.preventDefault();
  const pinField = $('pin');
  const pin = pinField.value;
  pinField.value = ''; // the PIN leaves the page's state at once
  const confirmLastTry = $('confirm-last-try').checked;
  $('open-session').disabled = true;
  state.opening = true;
  try {
    const opened = await state.bridge.openSession({ pin, confirmLastTry, reader: readerOf(PRACTITIONER_CARDS) });
    const who = opened.practitioner;
    // The session.opened event may have come first and started the next steps.
    const announced = state.session !== null;
    state.session = { reader: opened.reader, name: `${who.givenNames} ${who.surname}` };
    if (who.id) state.practitionerLabels.set(`${who.cardType} ${who.id}`, state.session.name);
    resetPinPrompt();
    clearMessage();
    await renderPractitioner();
    if (!announced) {
      signIn();
      await loadPatient();
    }
  } catch (error) {
    showPinError(error);
  } finally {
    state.opening = false;
    $('open-session').disabled = Date.now() < state.pinWaitUntil;
  }
}

function resetPinPrompt() {
  $('pin-tries').hidden = true;
  $('last-try').hidden = true;
  $('confirm-last-try').checked = false;
  endPinWait();
}

// After a wrong PIN the service makes the next one wait (1 s, 5 s, 30 s):
// the button stays off and counts down, so the GP neither hammers it nor
// wonders why nothing happens.
function startPinWait(seconds) {
  state.pinWaitUntil = Date.now() + Math.max(1, seconds) * 1000;
  clearInterval(state.pinWaitTimer);
  const tick = () => {
    const left = Math.ceil((state.pinWaitUntil - Date.now()) / 1000);
    if (left <= 0) return endPinWait();
    $('pin-wait').hidden = false;
    $('pin-wait').textContent = `Wait ${left} s before trying again.`;
    $('open-session').disabled = true;
  };
  tick();
  state.pinWaitTimer = setInterval(tick, 250);
}

function endPinWait() {
  clearInterval(state.pinWaitTimer);
  state.pinWaitTimer = null;
  state.pinWaitUntil = 0;
  $('pin-wait').hidden = true;
  $('open-session').disabled = state.opening;
}

function showPinError(error) {
  if (error.code === 'pin-attempt-too-soon') {
    // The PIN was not sent: the tries left and the confirmation stay as they were.
    startPinWait(error.retryAfterSeconds ?? 1);
    return showError(error);
  }
  resetPinPrompt();
  if (error.code === 'pin-incorrect') {
    $('pin-tries').hidden = false;
    $('pin-tries').textContent = `Wrong PIN: ${error.retriesLeft} ${error.retriesLeft === 1 ? 'try' : 'tries'} left.`;
    $('last-try').hidden = error.retriesLeft !== 1;
  } else if (error.code === 'pin-last-try') {
    $('pin-tries').hidden = false;
    $('pin-tries').textContent = 'One try left.';
    $('last-try').hidden = false;
  }
  showError(error);
}

// The record server learns who the practitioner is: a Web eID token for its
// origin and nonce, signed by the card.
async function signIn() {
  $('login').textContent = 'Signing in to the record server…';
  try {
    const nonce = await newNonce();
    const token = await state.bridge.authenticate(nonce);
    const { practitioner } = await recordServer('POST', '/api/login', { nonce, token });
    const name = /CN=([^,]+)/.exec(practitioner.subject)?.[1] ?? practitioner.subject;
    $('login').textContent = `Record server: signed in as ${name} (card certificate verified).`;
    $('login').dataset.state = 'signed-in';
  } catch (error) {
    $('login').textContent = 'Record server: not signed in.';
    $('login').dataset.state = 'failed';
    showError(error);
    sessionNotOurs(error);
  }
}

async function closeSession() {
  try {
    await state.bridge.closeSession();
  } catch (error) {
    showError(error);
  }
}

// Refused as session-not-yours: the session this page thought it held is
// another caller's (or its token is gone); the client forgot the token, the
// page forgets the session and shows the PIN form again.
function sessionNotOurs(error) {
  if (error?.code !== 'session-not-yours' || state.session === null) return;
  state.session = null;
  forgetPatient();
  renderPractitioner();
}

function sessionClosed(reason) {
  if (state.session === null) return;
  performance.mark('demo:session-closed');
  state.session = null;
  forgetPatient();
  renderPractitioner();
  const reasons = {
    'card-removed': 'The practitioner card was removed: the session is closed.',
    'idle-timeout': 'The session was idle too long and is closed.',
    replaced:
        'The PIN was entered in another application or browser tab: the session is now there.',
    closed: 'The session is closed.',
    'module-failed':
        'The practitioner card software stopped answering: ask IT to restart the card service.',
    'service-stopped': 'The card service stopped: the session is closed.',
  };
  showMessage('info', 'Practitioner session closed', reasons[reason] ?? `The session ended (${reason}).`);
}

// ---------------------------------------------------------------- patient

async function loadPatient() {
  const reader = readerOf(PATIENT_CARDS);
  if (!state.session || !reader) return renderPatient();
  try {
    const card = await state.bridge.patientCard({ reader });
    if (readerOf(PATIENT_CARDS) !== reader) return; // removed meanwhile
    state.patient = { reader, card };
  } catch (error) {
    state.patient = null;
    showError(error);
    sessionNotOurs(error);
  }
  renderPatient();
}

function forgetPatient() {
  state.patient = null;
  renderPatient();
  showRecord(null);
  hideAccesses();
}

function renderPatient() {
  const shown = state.session !== null && state.patient !== null;
  document.body.dataset.patient = shown ? 'shown' : 'none';
  $('patient-form').hidden = !shown;
  $('patient-hint').hidden = shown;
  $('patient-hint').textContent = state.session
    ? 'Insert the patient\'s Carte Vitale or eGK.'
    : 'Open the practitioner session, then insert the patient\'s card.';
  if (!shown) return;
  performance.mark('demo:patient-shown');
  const { card } = state.patient;
  const authenticity = card.authenticity ?? { status: 'unverified', reason: '' };
  const badge = Object.assign(document.createElement('span'), {
    className: 'badge', textContent: `card ${authenticity.status}`, title: authenticity.reason ?? '' });
  badge.dataset.status = authenticity.status;
  $('patient-card').replaceChildren(`${cardLabel(card.cardType)} in ${state.patient.reader} `, badge);
  const list = $('beneficiaries');
  list.replaceChildren();
  card.beneficiaries.forEach((person, index) => {
    const label = document.createElement('label');
    const radio = Object.assign(document.createElement('input'), { type: 'radio', name: 'beneficiary' });
    radio.value = String(person.rank ?? index + 1);
    radio.checked = index === 0;
    const role = index === 0 ? 'holder' : 'beneficiary';
    label.append(radio, ` ${person.givenNames} ${person.surname}, born ${birthDate(person.birthDate)} (${role})`);
    list.append(label);
  });
}

// Card birth dates are YYYYMMDD; Vitale allows invented days (e.g. 35) for
// people whose date is unknown, so the text is shown, not parsed as a Date.
function birthDate(text) {
  return /^\d{8}$/.test(text ?? '') ? `${text.slice(6)}/${text.slice(4, 6)}/${text.slice(0, 4)}` : (text ?? '?');
}

// ---------------------------------------------------------------- record

async function openRecord(event) {
  event.preventDefault();
  performance.mark('demo:open-record');
  const purpose = $('purpose').value;
  const chosen = document.querySelector('input[name="beneficiary"]:checked');
  const request = { audience: state.config.audience, purpose, reader: state.patient?.reader };
  if (state.patient?.card.cardType === 'vitale' && chosen) request.beneficiary = Number(chosen.value);
  if (purpose === 'bris_de_glace') request.justification = $('justification').value.trim() || undefined;
  $('open-record').disabled = true;
  showRecord(null);
  try {
    request.nonce = await newNonce();
    const { assertion } = await state.bridge.recordAccess(request);
    const opened = await recordServer('POST', '/api/records', { assertion });
    clearMessage();
    showRecord(opened);
    if (!$('accesses-panel').hidden) await showAccesses(); // the list now has this opening too
  } catch (error) {
    showError(error);
    sessionNotOurs(error);
  } finally {
    $('open-record').disabled = false;
  }
}

// ---------------------------------------------------------------- accesses

// "Who accessed my data here": the patient sees, with the practitioner, what
// this workstation's service recorded about the card in the reader.
async function showAccesses() {
  const reader = state.patient?.reader;
  if (!reader) return;
  $('show-accesses').disabled = true;
  try {
    const answer = await state.bridge.patientCardAccesses({ reader });
    if (state.patient?.reader !== reader) return; // the card left meanwhile
    renderAccesses({ table: $('accesses'), empty: $('accesses-empty'), answer,
      names: state.practitionerLabels, headlines: HEADLINES });
    $('accesses-panel').hidden = false;
    document.body.dataset.accesses = 'shown';
  } catch (error) {
    showError(error);
    sessionNotOurs(error);
  } finally {
    $('show-accesses').disabled = false;
  }
}

function hideAccesses() {
  $('accesses-panel').hidden = true;
  $('accesses').tBodies[0].replaceChildren(); // nothing of a patient stays in the page
  document.body.dataset.accesses = 'none';
}

function showRecord(opened) {
  document.body.dataset.record = opened ? 'shown' : 'none';
  $('record-panel').hidden = !opened;
  const root = $('record');
  root.replaceChildren();
  if (!opened) return;
  performance.mark('demo:record-shown');
  const { record } = opened;
  const element = (tag, text) => Object.assign(document.createElement(tag), { textContent: text });
  root.append(element('p', `${record.name} — opened by ${opened.openedBy.name} (${opened.purpose})`));
  const notice = element('p', record.test);
  notice.className = 'warning';
  root.append(notice);
  const section = (title, items, line) => {
    root.append(element('h3', title));
    const list = document.createElement('ul');
    if (items.length === 0) list.append(element('li', 'none recorded'));
    for (const item of items) list.append(element('li', line(item)));
    root.append(list);
  };
  section('Allergies', record.allergies, (text) => text);
  section('Treatments', record.treatments, (t) => `${t.drug}: ${t.dosage} (since ${t.since})`);
  section('Documents', record.documents, (d) => `${d.date} ${d.type} — ${d.author}: ${d.summary}`);
  section('Vaccinations', record.vaccinations, (v) => `${v.date} ${v.vaccine}`);
}

// ---------------------------------------------------------------- events

function onEvent({ type, data = {} }) {
  switch (type) {
    case 'reader.added':
      if (!state.readers.has(data.reader)) state.readers.set(data.reader, null);
      break;
    case 'reader.removed':
      state.readers.delete(data.reader);
      break;
    case 'card.inserted':
      if (performance.getEntriesByName('demo:first-card-event', 'mark').length === 0) {
        performance.mark('demo:first-card-event');
      }
      state.readers.set(data.reader, data.cardType);
      if (PATIENT_CARDS.has(data.cardType)) {
        performance.mark('demo:patient-card-inserted');
        loadPatient();
      }
      break;
    case 'card.removed':
      state.readers.set(data.reader, null);
      if (state.practitionerName.delete(data.reader)) resetPinPrompt(); // another card may come
      if (state.patient?.reader === data.reader) {
        forgetPatient();
        showMessage('info', 'The patient card was removed', 'Insert it again to open the record.');
      }
      break;
    case 'practitioner.session.opened':
      // Ours only with its token: this tab opened it (now, or before a reload).
      if (!state.session && !state.opening && !state.bridge.hasSession) {
        showMessage('info', HEADLINES['session-busy'], ELSEWHERE, 'session-busy');
      } else if (!state.session && !state.opening) {
        state.session = { reader: data.reader, name: state.practitionerName.get(data.reader) ?? 'practitioner' };
        signIn();
        loadPatient();
      }
      break;
    case 'practitioner.session.closed':
      sessionClosed(data.reason);
      break;
    case 'service.lost':
      showMessage('error', 'The smart-card service (pcscd) stopped', 'hcbridged reconnects when it is back.');
      break;
    case 'service.restored':
      clearMessage();
      break;
    default:
      return;
  }
  renderReaders();
  renderPractitioner();
}

function onConnection(connection, error) {
  const pill = $('service');
  pill.dataset.state = connection;
  const blocked = ['local-network-denied', 'insecure-origin'].includes(error?.code);
  pill.textContent = { connecting: 'Connecting to the card service…', open: 'Card service connected',
    closed: blocked ? 'Card service blocked by the browser' : 'Card service not available' }[connection];
  if (connection === 'open') {
    // The service sends its current state again, an open session included.
    state.readers.clear();
    state.session = null;
    forgetPatient();
    clearMessage();
  }
  if (connection === 'closed') {
    state.readers.clear();
    state.session = null;
    forgetPatient();
    renderReaders();
    renderPractitioner();
    showError(error);
  }
}

// ---------------------------------------------------------------- start

// A failure nobody expected still reaches the GP as a message, not a dead page.
window.addEventListener('unhandledrejection', (event) => showError(event.reason));
window.addEventListener('error', (event) => showError(event.error ?? event.message));

async function start() {
  $('page-origin').textContent = location.origin;
  try {
    state.config = await recordServer('GET', '/api/config');
  } catch (error) {
    return showError(error);
  }
  $('bridge-url').textContent = state.config.hcbridgeUrl;
  state.bridge = new HcBridge({ url: state.config.hcbridgeUrl, onPermissionPrompt });
  $('pin-form').addEventListener('submit', openSession);
  $('close-session').addEventListener('click', closeSession);
  $('patient-form').addEventListener('submit', openRecord);
  $('show-accesses').addEventListener('click', showAccesses);
  $('hide-accesses').addEventListener('click', hideAccesses);
  hideAccesses();
  $('purpose').addEventListener('change', () => {
    $('justification-field').hidden = $('purpose').value !== 'bris_de_glace';
  });
  state.bridge.watch(onEvent, { onConnection });
}

start();
