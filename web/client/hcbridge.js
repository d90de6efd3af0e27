// hcbridge.js: a small client for the hcbridged local API, for web apps.
// ES module, no dependencies. Documented in docs/web-client.md.
//
//   import { HcBridge } from './hcbridge.js';
//   const bridge = new HcBridge();                 // http://localhost:8732
//   const watch = bridge.watch(event => ...);      // live readers and cards
//   await bridge.openSession({ pin });             // the practitioner's PIN
//   const card = await bridge.patientCard();
//   const { assertion } = await bridge.recordAccess({ audience, nonce });
//
// Every failure is an HcBridgeError with a stable `code`: the API's problem
// codes (pin-incorrect, card-removed, ...) plus four of this client's own:
// `service-unreachable` (hcbridged is not running), `origin-forbidden` (it
// runs but this page's origin is not on its allow-list; the browser hides
// the answer, so the client tells the two apart with an opaque request),
// `timeout`, and `request-failed` (the service answers, this request did
// not get through).

export const DEFAULT_URL = 'http://localhost:8732';

export class HcBridgeError extends Error {
  constructor({ code, status = 0, title, detail = '', retriesLeft, cause }) {
    super(detail ? `${title}: ${detail}` : title, cause ? { cause } : undefined);
    this.name = 'HcBridgeError';
    this.code = code; // stable identifier, e.g. 'pin-incorrect'
    this.status = status; // HTTP status, 0 when no answer came
    this.title = title; // short, for people
    this.detail = detail; // what to change
    if (retriesLeft !== undefined) this.retriesLeft = retriesLeft;
  }
}

const CLIENT_PROBLEMS = {
  'service-unreachable': {
    title: 'The card service is not running',
    detail:
      'hcbridged does not answer on this workstation. Start it (systemctl start hcbridged) ' +
      'or install it (see docs/install.md); "hcbridge doctor" tells what is wrong.',
  },
  'origin-forbidden': {
    title: 'This web page is not allowed to use the card service',
    detail: 'Ask IT to add this page\'s origin to allowed_origins in /etc/hcbridge/config.json.',
  },
  timeout: {
    title: 'The card service did not answer in time',
    detail: 'Try again; if it persists, run "hcbridge doctor".',
  },
  'request-failed': {
    title: 'The request to the card service failed',
    detail: 'The service answers, but this request did not get through; try again.',
  },
};

function clientError(code, cause, extra = {}) {
  return new HcBridgeError({ code, ...CLIENT_PROBLEMS[code], ...extra, cause });
}

export class HcBridge {
  // url: where hcbridged listens. timeoutMs: per request (a card read or a
  // PIN check takes well under a second; a slow card a few).
  constructor({ url = DEFAULT_URL, timeoutMs = 20000 } = {}) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  status() {
    return this.#request('GET', '/v1/status');
  }

  readers() {
    return this.#request('GET', '/v1/readers');
  }

  // fields: optional list of field names, e.g. ['beneficiaries'].
  patientCard({ reader, fields } = {}) {
    return this.#request('GET', '/v1/patient-card' + query({ reader, fields: fields?.join(',') }));
  }

  practitionerCard({ reader } = {}) {
    return this.#request('GET', '/v1/practitioner-card' + query({ reader }));
  }

  // Verifies the PIN on the practitioner card and proves the card. With one
  // try left the service refuses with 'pin-last-try' until confirmLastTry.
  // The caller should clear its PIN field right after this call.
  openSession({ pin, confirmLastTry = false, reader } = {}) {
    const body = { pin: String(pin ?? '') };
    if (confirmLastTry) body.confirmLastTry = true;
    if (reader) body.reader = reader;
    return this.#request('POST', '/v1/practitioner/session', body);
  }

  closeSession() {
    return this.#request('DELETE', '/v1/practitioner/session');
  }

  // A Web eID authentication token for this page's origin and the server's nonce.
  authenticate(challengeNonce) {
    return this.#request('POST', '/v1/practitioner/authenticate', { challengeNonce });
  }

  // A record-access assertion signed by the practitioner card. beneficiary:
  // the rank of the person on a Carte Vitale (default: the holder).
  recordAccess({ audience, nonce, purpose = 'normal', beneficiary, patient, justification, reader }) {
    const body = { audience, nonce, purpose };
    if (beneficiary !== undefined) body.beneficiary = beneficiary;
    if (patient !== undefined) body.patient = patient;
    if (justification !== undefined) body.justification = justification;
    if (reader !== undefined) body.reader = reader;
    return this.#request('POST', '/v1/record-access', body);
  }

  // Live events ({type, data}: reader.added, card.inserted, card.removed,
  // practitioner.session.opened/closed, service.lost/restored...). The
  // current state arrives first. onConnection(state, error) is told
  // 'connecting', 'open' or 'closed' (with the HcBridgeError saying why).
  // Reconnects by itself, backing off to retryMaxMs. Returns { close() }.
  watch(onEvent, { onConnection = () => {}, retryMinMs = 500, retryMaxMs = 5000 } = {}) {
    let socket = null;
    let stopped = false;
    let retryMs = retryMinMs;
    let timer = null;
    const connect = () => {
      onConnection('connecting');
      socket = new WebSocket(this.url.replace(/^http/, 'ws') + '/v1/events');
      let opened = false;
      socket.onopen = () => {
        opened = true;
        retryMs = retryMinMs;
        onConnection('open');
      };
      socket.onmessage = (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return; // not an event: ignore rather than break the page
        }
        if (event && typeof event.type === 'string') onEvent(event);
      };
      socket.onclose = async () => {
        if (stopped) return;
        const reason = opened ? clientError('service-unreachable') : await this.diagnose();
        onConnection('closed', reason);
        timer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, retryMaxMs);
      };
    };
    connect();
    return {
      close() {
        stopped = true;
        clearTimeout(timer);
        socket?.close(1000);
      },
    };
  }

  // Why the service cannot be used from this page: an HcBridgeError with
  // code 'service-unreachable' or 'origin-forbidden', or null when it answers.
  async diagnose() {
    try {
      await this.#fetch('GET', '/v1/status', undefined, 'cors');
      return null;
    } catch (corsFailure) {
      try {
        // An opaque request gets through without CORS: if it does, the
        // service runs and only this origin is refused.
        await this.#fetch('GET', '/v1/status', undefined, 'no-cors');
        return clientError('origin-forbidden', corsFailure, {
          detail: `${location.origin} is not on hcbridged's allow-list. ${CLIENT_PROBLEMS['origin-forbidden'].detail}`,
        });
      } catch (failure) {
        return failure instanceof HcBridgeError && failure.code === 'timeout'
          ? failure
          : clientError('service-unreachable', failure);
      }
    }
  }

  async #request(method, path, body) {
    let response;
    try {
      response = await this.#fetch(method, path, body, 'cors');
    } catch (failure) {
      if (failure instanceof HcBridgeError) throw failure;
      throw (await this.diagnose()) ?? clientError('request-failed', failure);
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // A non-JSON answer is reported below with its status.
    }
    if (response.ok) return json;
    throw new HcBridgeError({
      code: json?.code ?? `http-${response.status}`,
      status: response.status,
      title: json?.title ?? `hcbridged answered ${response.status}`,
      detail: json?.detail ?? '',
      retriesLeft: json?.retriesLeft,
    });
  }

  async #fetch(method, path, body, mode) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      return await fetch(this.url + path, {
        method,
        mode,
        signal: abort.signal,
        cache: 'no-store',
        credentials: 'omit',
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (failure) {
      if (abort.signal.aborted) throw clientError('timeout', failure);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }
}

function query(params) {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined && value !== '');
  return entries.length ? '?' + new URLSearchParams(entries).toString() : '';
}
