// The patient's view of the audit log: "Who accessed my data here". Turns
// the lines GET /v1/patient-card/accesses returns into a table a patient can
// read (plain words instead of action ids). Every value is set with
// textContent: audit lines hold text that callers chose (a justification,
// an application name), never HTML to parse.

// What each audited action did to the patient's data, in plain words.
const ACTIONS = {
  'patient-card.read': 'read the card',
  'record-access.issue': 'opened the record (signed access request)',
  'patient-card.accesses': 'looked at this list of accesses',
  'practitioner.authenticate': 'signed in',
  'practitioner-session.open': 'opened the practitioner session',
  'practitioner-session.close': 'closed the practitioner session',
};

// The purposes of a record access (POST /v1/record-access).
const PURPOSES = {
  normal: 'care, with the patient\'s consent',
  bris_de_glace: 'emergency without consent (bris de glace)',
  centre_15: 'emergency call centre (centre 15)',
};

// The card fields a reading returned, as a patient knows them; the
// technical ones (the card's type, format, warnings) are left out.
const FIELDS = {
  beneficiaries: 'names, birth dates and social security numbers',
  insurer: 'health insurer',
  coverageStart: 'coverage dates',
  coverageEnd: 'coverage dates',
  cardSerial: 'card number',
  egk: 'insurance details',
};
const TECHNICAL_FIELDS = new Set(['kind', 'cardType', 'generation', 'warnings', 'inventedFields', 'authenticity',
  'accesses']);

// "read the card (names, ..., card number)": each field once, unknown ones by name.
function readWords(fields) {
  const words = [];
  for (const field of Array.isArray(fields) ? fields : []) {
    const word = TECHNICAL_FIELDS.has(field) ? null : (FIELDS[field] ?? String(field));
    if (word && !words.includes(word)) words.push(word);
  }
  return words.length ? `read the card (${words.join(', ')})` : 'read the card';
}

export function actionWords(action) {
  return ACTIONS[action] ?? action;
}

export function purposeWords(purpose) {
  if (purpose === null || purpose === undefined) return '';
  return PURPOSES[purpose] ?? purpose;
}

// "origin https://dmp.example.fr" -> web page of https://dmp.example.fr;
// "app NAME" -> application NAME.
export function callerWords(caller) {
  const [kind, ...rest] = String(caller ?? '').split(' ');
  const name = rest.join(' ');
  if (kind === 'origin' && name) return `web page of ${name}`;
  if (kind === 'app' && name) return `application ${name}`;
  return String(caller ?? '');
}

// The log names the practitioner by card type and id ("cps 899700123456");
// `names` maps that label to a name this page learned from the card.
export function practitionerWords(label, names) {
  if (!label) return 'none (no practitioner session)';
  const name = names.get(label);
  const [type, ...id] = label.split(' ');
  const card = id.length ? `${type.toUpperCase()} card ${id.join(' ')}` : label;
  return name ? `${name} (${card})` : card;
}

export function outcomeWords(outcome, headlines) {
  if (outcome === 'ok') return 'done';
  return `refused: ${headlines[outcome] ?? outcome}`;
}

// RFC 3339 UTC from the service, shown in the workstation's local time.
function timeCell(text) {
  const time = document.createElement('time');
  time.dateTime = String(text ?? '');
  const date = new Date(text);
  time.textContent = Number.isNaN(date.getTime()) ? String(text ?? '') : date.toLocaleString();
  return time;
}

// Fills `table` (a thead and a tbody) from the service's answer, newest
// first; `empty` is shown instead when nothing was recorded. names: as
// practitionerWords; headlines: readable titles of problem codes.
export function renderAccesses({ table, empty, answer, names, headlines }) {
  const accesses = Array.isArray(answer?.accesses) ? [...answer.accesses].reverse() : [];
  const body = table.tBodies[0];
  body.replaceChildren();
  empty.hidden = accesses.length !== 0;
  table.hidden = accesses.length === 0;
  for (const access of accesses) {
    const row = body.insertRow();
    row.dataset.action = String(access.action ?? '');
    row.dataset.outcome = access.outcome === 'ok' ? 'ok' : 'refused';
    const what = access.action === 'patient-card.read' ? readWords(access.fields) : actionWords(access.action);
    row.insertCell().append(timeCell(access.time));
    for (const text of [callerWords(access.caller), practitionerWords(access.practitioner, names), what,
      purposeWords(access.purpose), access.justification ?? '', outcomeWords(access.outcome, headlines)]) {
      row.insertCell().textContent = String(text);
    }
  }
}
