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
// codes (pin-incorrect, card-removed, ...) plus this client's own:
// `insecure-origin` (a page on plain http from another machine: browsers
// never let it reach this device), `local-network-denied` (the browser's
// Local Network Access permission is refused for this page),
// `local-network-prompt` (the browser is asking the user; given to the
// onPermissionPrompt callback, the request waits for the answer),
// `service-unreachable` (hcbridged is not running), `origin-forbidden` (it
// runs but this page's origin is not on its allow-list; the browser hides
// the answer, so the client tells the two apart with an opaque request),
// `timeout`, and `request-failed` (the service answers, this request did
// not get through).

export const DEFAULT_URL = 'http://localhost:8732';

export class HcBridgeError extends Error {
  constructor({code, status = 0, title, detail = '', retriesLeft, retryAfterSeconds, cause}) {
    super(detail ? `${title}: ${detail}` : title, cause ? { cause } : undefined);
    this.name = 'HcBridgeError';
    this.code = code; // stable identifier, e.g. 'pin-incorrect'
    this.status = status; // HTTP status, 0 when no answer came
    this.title = title; // short, for people
    this.detail = detail; // what to change
    if (retriesLeft !== undefined) this.retriesLeft = retriesLeft;
    // pin-attempt-too-soon: how long the service makes the next PIN wait.
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

const CLIENT_PROBLEMS = {
  'insecure-origin': {
    title: 'This page is not secure (http), so the browser keeps it away from the card service',
    detail:
      'Browsers let only https pages reach programs on this computer. Open the https:// address of this ' +
      'web app; if it has none, ask the site\'s IT to serve it over https.',
  },
  'local-network-denied': {
    title: 'The browser blocks this page from the card service on this computer',
    detail:
      'Allow it: click the icon left of the address bar, open Site settings, set "Local network access" ' +
      '(or "Apps and services on this device") to Allow, then reload the page. If the setting is missing ' +
      'or locked, ask IT to allow this site for all users ("hcbridge browser-policy --write", see ' +
      'docs/install.md).',
  },
  'local-network-prompt': {
    title: 'The browser asks whether this page may use the card service',
    detail:
      'Click "Allow" on the browser\'s prompt "Access other apps and services on this device", next to ' +
      'the address bar. IT can allow this site for all users ("hcbridge browser-policy --write", see ' +
      'docs/install.md).',
  },
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

// The Local Network Access permission: Chromium 146+ and Firefox 153+ name it
// 'loopback-network' (requests to this device); older Chromium
// 'local-network-access'. A browser that knows neither throws a TypeError.
// Queried afresh each time: Chromium turns 'prompt' into 'denied' when it
// blocks a first request, without a 'change' event on older statuses.
const PERMISSION_NAMES = ['loopback-network', 'local-network-access'];
let knownName; // the first name this browser accepted

async function queryPermission() {
  if (!globalThis.navigator?.permissions?.query) return null;
  for (const name of knownName ? [knownName] : PERMISSION_NAMES) {
    try {
      const status = await navigator.permissions.query({ name });
      knownName = name;
      return status;
    } catch {
      // unknown name here: try the next one
    }
  }
  return null;
}

// Pages the browser never restricts: loopback, and files.
function isLoopbackPage() {
  const { protocol, hostname } = globalThis.location ?? {};
  if (protocol === 'file:') return true;
  const host = (hostname ?? '').replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class HcBridge {
  #reached = false; // an answer came: the browser lets this page through
  #resumers = new Set(); // watches paused while the permission is denied
  #prompt = null; // { answered, settle } while the browser asks the user
  #sessionStore;  // where this tab keeps the practitioner session's token

  // url: where hcbridged listens. timeoutMs: per request (a card read or a
  // PIN check takes well under a second; a slow card a few).
  // onPermissionPrompt(error, answered): called when the first request has
  // not answered after promptAfterMs and the browser's Local Network Access
  // permission is still 'prompt': the browser is asking the user. error is
  // an HcBridgeError 'local-network-prompt' (show it), answered a Promise of
  // 'granted' or 'denied'. Meanwhile the request waits, without timeout.
  // sessionStore: where the practitioner session's token is kept, default
  // this tab's sessionStorage: a reload resumes the session, another tab or
  // page does not share it (the service refuses a session to anyone but
  // its opener).
  constructor({
    url = DEFAULT_URL,
    timeoutMs = 20000,
    promptAfterMs = 1000,
    onPermissionPrompt = () => {},
    sessionStore = globalThis.sessionStorage ?? null,
  } = {}) {
    this.url = url.replace(/\/+$/, '');
    this.#sessionStore = sessionStore;
    this.timeoutMs = timeoutMs;
    this.promptAfterMs = promptAfterMs;
    this.onPermissionPrompt = onPermissionPrompt;
  }

  // The browser's Local Network Access permission for this page: 'granted',
  // 'denied', 'prompt' (the browser will ask at the first request) or
  // 'unsupported' (no such permission here: nothing to ask). For explaining
  // before the prompt appears. Not a verdict: Firefox under an enterprise
  // policy answers 'prompt' for a site the policy allows, and Chromium
  // answers 'prompt' until a first request was blocked; the client itself
  // reads it only after a failed or slow request.
  async permissionState() {
    return (await this.#permissionStatus())?.state ?? 'unsupported';
  }

  #permissionStatus() {
    return queryPermission().catch(() => null);
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

  // The patient's view: who accessed the data of the patient card in
  // `reader` on this workstation ({reader, limit, accesses: [{time, action,
  // caller, practitioner, fields, outcome, purpose, justification}]}).
  // Needs this page's practitioner session and the card in a reader.
  patientCardAccesses({reader} = {}) {
    return this.#request('GET', '/v1/patient-card/accesses' + query({reader}));
  }

  practitionerCard({ reader } = {}) {
    return this.#request('GET', '/v1/practitioner-card' + query({ reader }));
  }

  // Verifies the PIN on the practitioner card and proves the card. With one
  // try left the service refuses with 'pin-last-try' until confirmLastTry;
  // after a wrong PIN the next attempt must wait ('pin-attempt-too-soon',
  // error.retryAfterSeconds). The session is this page's alone: the client
  // keeps its token (not returned) and sends it with every call that uses it.
  // The caller should clear its PIN field right after this call.
  async openSession({pin, confirmLastTry = false, reader} = {}) {
    const body = { pin: String(pin ?? '') };
    if (confirmLastTry) body.confirmLastTry = true;
    if (reader) body.reader = reader;
    const opened = await this.#request('POST', '/v1/practitioner/session', body);
    const {sessionToken, ...session} = opened;
    this.#storeSessionToken(sessionToken);
    return session;
  }

  async closeSession() {
    try {
      return await this.#request('DELETE', '/v1/practitioner/session');
    } finally {
      this.#storeSessionToken(null);
    }
  }

  // Whether this tab holds a practitioner session token (the session may
  // have ended since: its card left, the idle time passed).
  get hasSession() { return Boolean(this.#sessionToken()); }

  // A Web eID authentication token for this page's origin and the server's nonce.
  authenticate(challengeNonce) {
    return this.#request('POST', '/v1/practitioner/authenticate', { challengeNonce });
  }

  // A record-access assertion signed by the practitioner card. beneficiary:
  // the rank of the person on a Carte Vitale (default: the holder). patient:
  // a patient without a card in a reader; the workstation's
  // card_absent_access may then ask for the practitioner's pin
  // ('pin-required'), or refuse ('patient-card-required').
  recordAccess({
    audience,
    nonce,
    purpose = 'normal',
    beneficiary,
    patient,
    justification,
    reader,
    pin,
    confirmLastTry
  }) {
    const body = { audience, nonce, purpose };
    if (beneficiary !== undefined) body.beneficiary = beneficiary;
    if (patient !== undefined) body.patient = patient;
    if (justification !== undefined) body.justification = justification;
    if (reader !== undefined) body.reader = reader;
    if (pin !== undefined) body.pin = String(pin);
    if (confirmLastTry) body.confirmLastTry = true;
    return this.#request('POST', '/v1/record-access', body);
  }

  #sessionKey() { return `hcbridge.session ${this.url}`; }

  #sessionToken() {
    try {
      return this.#sessionStore?.getItem(this.#sessionKey()) ?? null;
    } catch {
      return null;  // storage disabled: the session lasts as long as the page
    }
  }

  #storeSessionToken(token) {
    try {
      if (token)
        this.#sessionStore?.setItem(this.#sessionKey(), token);
      else
        this.#sessionStore?.removeItem(this.#sessionKey());
    } catch {
      // storage disabled or full: the session then needs the PIN after a reload
    }
  }

  // Live events ({type, data}: reader.added, card.inserted, card.removed,
  // practitioner.session.opened/closed, service.lost/restored...). The
  // current state arrives first. onConnection(state, error) is told
  // 'connecting', 'open' or 'closed' (with the HcBridgeError saying why).
  // Reconnects by itself, backing off to retryMaxMs; but not while the
  // browser denies this page access to this device (local-network-denied,
  // or insecure-origin in a browser that has the permission): then it waits
  // until the permission turns 'granted', a request of this client gets an
  // answer, or retry() is called. Returns { close(), retry() }.
  watch(onEvent, { onConnection = () => {}, retryMinMs = 500, retryMaxMs = 5000 } = {}) {
    let socket = null;
    let stopped = false;
    let retryMs = retryMinMs;
    let timer = null;
    let paused = null; // { release() } while denied
    const resumeNow = () => {
      if (stopped || !paused) return;
      paused.release();
      paused = null;
      retryMs = retryMinMs;
      connect();
    };
    const pause = async () => {
      const status = await this.#permissionStatus();
      if (stopped) return;
      const onChange = () => {
        if (status.state === 'granted') resumeNow();
      };
      paused = {
        release: () => {
          status?.removeEventListener('change', onChange);
          this.#resumers.delete(resumeNow);
        },
      };
      status?.addEventListener('change', onChange);
      this.#resumers.add(resumeNow);
      if (status?.state === 'granted') resumeNow(); // granted meanwhile
    };
    const connect = () => {
      onConnection('connecting');
      const current = new WebSocket(this.url.replace(/^http/, 'ws') + '/v1/events');
      socket = current;
      let opened = false;
      // A connection held by the prompt may stay held when the permission
      // is given elsewhere (site settings): then start a new one. When it is
      // refused, drop it and say why (onclose).
      const prompt = this.#watchForPrompt(() => opened || stopped, (answered) => answered.then((answer) =>
        setTimeout(() => {
          if (stopped || socket !== current || current.readyState !== WebSocket.CONNECTING) return;
          if (answer === 'granted') {
            current.onclose = null;
            current.close();
            connect();
          } else {
            current.close();
          }
        }, HELD_GRACE_MS)));
      current.onopen = () => {
        opened = true;
        // Not this.#answered(): Firefox 153 lets WebSockets through without
        // asking (network.lna.websocket.enabled is off) while it holds
        // every fetch for its prompt, so an open socket proves nothing.
        retryMs = retryMinMs;
        onConnection('open');
      };
      current.onmessage = (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch {
          return; // not an event: ignore rather than break the page
        }
        if (event?.type === 'practitioner.session.closed')
          this.#storeSessionToken(null);  // one at a time
        if (event && typeof event.type === 'string') onEvent(event);
      };
      current.onclose = async () => {
        prompt.cancel();
        if (stopped) return;
        const reason = opened ? clientError('service-unreachable') : await this.diagnose();
        if (stopped) return;
        onConnection('closed', reason);
        // No retry can help while the browser denies access (an http page
        // never gets it); a browser without the permission may still let an
        // http page through once the service runs.
        if (reason?.code === 'local-network-denied') return pause();
        if (reason?.code === 'insecure-origin' && (await this.permissionState()) === 'denied') return pause();
        if (stopped) return;
        timer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, retryMaxMs);
      };
    };
    connect();
    return {
      close() {
        stopped = true;
        clearTimeout(timer);
        paused?.release();
        socket?.close(1000);
      },
      // Reconnects now, e.g. after the user changed the site's settings.
      retry() {
        if (stopped) return;
        if (paused) return resumeNow();
        if (socket?.readyState === WebSocket.CLOSED) {
          clearTimeout(timer);
          retryMs = retryMinMs;
          connect();
        }
      },
    };
  }

  // While a first connection waits (the WebSocket or a request), tells the
  // app when the browser is asking the user: after promptAfterMs, if nothing
  // answered yet and the permission reads 'prompt'. done(): the wait is
  // over. onAnswer(answered) is told when a prompt is reported (answered: a
  // Promise of 'granted' or 'denied'). Several waits share one report.
  #watchForPrompt(done, onAnswer = () => {}) {
    const timer = setTimeout(async () => {
      if (done() || this.#reached) return;
      if (this.#prompt) return onAnswer(this.#prompt.answered);
      const status = await this.#permissionStatus();
      if (!status || status.state !== 'prompt' || done() || this.#reached) return;
      if (this.#prompt) return onAnswer(this.#prompt.answered);
      const prompt = {};
      prompt.answered = new Promise((resolve) => {
        const onChange = () => {
          if (status.state !== 'prompt') prompt.settle(status.state === 'granted' ? 'granted' : 'denied');
        };
        prompt.settle = (answer) => {
          status.removeEventListener('change', onChange);
          if (this.#prompt === prompt) this.#prompt = null;
          resolve(answer);
        };
        status.addEventListener('change', onChange);
      });
      this.#prompt = prompt;
      onAnswer(prompt.answered);
      this.onPermissionPrompt(clientError('local-network-prompt'), prompt.answered);
    }, this.promptAfterMs);
    return { cancel: () => clearTimeout(timer) };
  }

  // Why the service cannot be used from this page: an HcBridgeError, or
  // null when it answers. In this order: the page is on plain http from
  // another machine (insecure-origin); the browser's permission is denied
  // (local-network-denied); else an opaque request tells whether something
  // answers (origin-forbidden) or not (service-unreachable).
  async diagnose() {
    try {
      await this.#fetch('GET', '/v1/status', undefined, 'cors');
      this.#answered();
      return null;
    } catch (corsFailure) {
      if (corsFailure instanceof HcBridgeError && corsFailure.code === 'local-network-denied') return corsFailure;
      const insecure = globalThis.isSecureContext === false && !isLoopbackPage();
      if (!insecure && (await this.permissionState()) === 'denied') {
        return clientError('local-network-denied', corsFailure);
      }
      try {
        // An opaque request gets through without CORS: if it does, the
        // service runs and only this origin is refused.
        await this.#fetch('GET', '/v1/status', undefined, 'no-cors');
        return clientError('origin-forbidden', corsFailure, {
          detail: `${location.origin} is not on hcbridged's allow-list. ${CLIENT_PROBLEMS['origin-forbidden'].detail}`,
        });
      } catch (failure) {
        if (failure instanceof HcBridgeError && failure.code === 'timeout') return failure;
        // A browser with Local Network Access blocks an insecure page before
        // any request leaves; one without it lets the opaque request through.
        if (insecure) {
          return clientError('insecure-origin', failure, {
            detail: `${location.origin} is plain http. ${CLIENT_PROBLEMS['insecure-origin'].detail}`,
          });
        }
        return clientError('service-unreachable', failure);
      }
    }
  }

  async #request(method, path, body) {
    let response;
    try {
      response = await this.#fetch(method, path, body, 'cors');
    } catch (failure) {
      if (failure instanceof HcBridgeError) throw failure; // timeout, local-network-denied
      throw (await this.diagnose()) ?? clientError('request-failed', failure);
    }
    this.#answered();
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // A non-JSON answer is reported below with its status.
    }
    if (response.ok) return json;
    // Another opener's session, or ours ended: the token is of no more use.
    if (json?.code === 'session-not-yours' || json?.code === 'practitioner-session-required') {
      this.#storeSessionToken(null);
    }
    throw new HcBridgeError({
      code: json?.code ?? `http-${response.status}`,
      status: response.status,
      title: json?.title ?? `hcbridged answered ${response.status}`,
      detail: json?.detail ?? '',
      retriesLeft: json?.retriesLeft,
      retryAfterSeconds: json?.retryAfterSeconds,
    });
  }

  // The service answered an HTTP request of this page: the browser lets it
  // through, so watches paused on a denied permission may try again.
  #answered() {
    this.#reached = true;
    this.#prompt?.settle('granted'); // e.g. Firefox under a policy still reads 'prompt'
    for (const resume of [...this.#resumers]) resume();
  }

  // A fetch with the timeout; while the browser asks the user for the Local
  // Network Access permission, the timeout waits for the answer. A GET the
  // prompt still holds once the permission is given is sent again.
  async #fetch(method, path, body, mode) {
    for (let attempt = 0; ; ++attempt) {
      const outcome = await this.#fetchOnce(method, path, body, mode, method === 'GET' && attempt === 0);
      if (outcome !== RESEND) return outcome;
    }
  }

  // The session's token goes only with the calls that use the session: a
  // custom header makes the browser send a preflight first, which the other
  // calls (and the opaque probe of diagnose()) should not need.
  #headers(path, body, mode) {
    const headers = body === undefined ? {} : {'Content-Type': 'application/json'};
    const token = mode === 'cors' && SESSION_PATHS.some((p) => path.startsWith(p)) ?
        this.#sessionToken() :
        null;
    if (token) headers['HCBridge-Session'] = token;
    return headers;
  }

  async #fetchOnce(method, path, body, mode, mayResend) {
    const abort = new AbortController();
    let verdict = null; // why we aborted: a client error, or RESEND
    let timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let finished = false;
    const prompt = this.#watchForPrompt(() => finished, (answered) => {
      clearTimeout(timer); // the user takes the time they need
      answered.then((answer) => {
        if (finished) return;
        if (answer === 'granted') {
          timer = setTimeout(() => abort.abort(), this.timeoutMs);
          if (mayResend) {
            setTimeout(() => {
              if (finished) return;
              verdict = RESEND;
              abort.abort();
            }, HELD_GRACE_MS);
          }
        } else {
          verdict = clientError('local-network-denied');
          abort.abort();
        }
      });
    });
    try {
      return await fetch(this.url + path, {
        method,
        mode,
        signal: abort.signal,
        cache: 'no-store',
        credentials: 'omit',
        headers: this.#headers(path, body, mode),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (failure) {
      if (verdict === RESEND) return RESEND;
      if (verdict) throw verdict;
      if (abort.signal.aborted) throw clientError('timeout', failure);
      throw failure;
    } finally {
      finished = true;
      clearTimeout(timer);
      prompt.cancel();
    }
  }
}

// The endpoints that use the practitioner session (docs/web-client.md).
const SESSION_PATHS = ['/v1/patient-card', '/v1/practitioner/', '/v1/record-access'];

// A request the prompt held after it was answered: how long to wait before
// sending it again; and the marker of such a request.
const HELD_GRACE_MS = 500;
const RESEND = Symbol('resend');

function query(params) {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined && value !== '');
  return entries.length ? '?' + new URLSearchParams(entries).toString() : '';
}
