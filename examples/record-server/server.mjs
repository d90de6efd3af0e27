#!/usr/bin/env node
// Reference record server: what a shared-medical-record service (in France,
// the DMP) does with what hcbridged produces. It serves the demo web app,
// issues single-use nonces, checks Web eID authentication tokens and
// record-access assertions with hcbridge's own verifier (`hcbridge
// verify-token` / `verify-assertion`: signature, chain to the trusted CA,
// issued by a practitioner CA, policy, revocation, audience, origin, nonce,
// expiry, claims naming the certificate's practitioner) and answers with the
// demo record of the patient the assertion names. Each access is attributed
// to the practitioner the CERTIFICATE names, never to the claims. Everything else is refused
// with a problem+json {code, title, detail}. Node.js standard library only.
// Run `node server.mjs --help`; described in examples/record-server/README.md.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const NONCE_LIFETIME_MS = 5 * 60 * 1000;
const MAX_OPEN_NONCES = 10000;
const MAX_BODY_BYTES = 64 * 1024;
const VERIFIER_TIMEOUT_MS = 10000;

const HELP = `Usage: node server.mjs [--port PORT] [--hcbridge-url URL] --ca PEM... --issuer PEM... [options]

The reference record server of hcbridge: serves the demo web app and checks
the practitioner's authentication token and record-access assertions with
'hcbridge verify-token' / 'verify-assertion' before it returns a demo record.
Listens on 127.0.0.1 and [::1]; its origin is http://localhost:PORT.

Options:
  --port PORT            port to listen on (default 8733; 0 = any free port)
  --hcbridge-url URL     where the page finds hcbridged (default http://localhost:8732)
  --hcbridge-cli PATH    the hcbridge command-line tool (default: hcbridge on PATH)
  --ca PEM               trust anchor of practitioner certificates (repeatable, required)
  --issuer PEM           CA allowed to issue practitioner certificates (repeatable,
                         required): a patient card's or a server's certificate under
                         the same --ca is refused
  --policy OID           certificate policy the practitioner certificate must carry
                         (repeatable: any of them)
  --eku OID              extended key usage it must carry (repeatable: all of them)
  --intermediate PEM     intermediate CA certificate (repeatable)
  --crl FILE             CRL checked for revocation (repeatable)
  --records FILE         demo records (default records.json beside this file)
  --web-root DIR         the folder holding demo/ and client/ (default ../../web)
  --tls-cert PEM         serve https with this certificate (with --tls-key)
  --tls-key PEM          the certificate's private key
  --public-origin ORIGIN the origin browsers reach this server under, when it
                         is not http(s)://localhost:PORT: a name mapped to this
                         machine, e.g. https://dmp.example.fr (the browser tests
                         map it with --host-resolver-rules)
  -h, --help             show this help

Prints "record server listening on ORIGIN" once ready.
hcbridged must allow this origin (allowed_origins or --allow-origin).`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8733' },
      'hcbridge-url': { type: 'string', default: 'http://localhost:8732' },
      'hcbridge-cli': { type: 'string', default: 'hcbridge' },
      ca: { type: 'string', multiple: true, default: [] },
      intermediate: { type: 'string', multiple: true, default: [] },
      crl: { type: 'string', multiple: true, default: [] },
      issuer: { type: 'string', multiple: true, default: [] },
      policy: { type: 'string', multiple: true, default: [] },
      eku: { type: 'string', multiple: true, default: [] },
      records: { type: 'string', default: path.join(here, 'records.json') },
      'web-root': { type: 'string', default: path.resolve(here, '../../web') },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'public-origin': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535, not '${values.port}'`);
  }
  if (values.ca.length === 0) throw new Error('give at least one --ca (the practitioner cards\' CA)');
  if (values.issuer.length === 0) {
    throw new Error('give at least one --issuer (the CA that issues practitioner cards): without it a ' +
      'patient card\'s certificate under the same --ca would pass for a practitioner\'s');
  }
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
    throw new Error('give --tls-cert and --tls-key together');
  }
  if (values['public-origin'] !== undefined) {
    let origin;
    try {
      origin = new URL(values['public-origin']).origin;
    } catch {
      origin = null;
    }
    if (origin !== values['public-origin']) {
      throw new Error(`--public-origin must be an origin like https://dmp.example.fr, not '${values['public-origin']}'`);
    }
  }
  return { ...values, port };
}

// ---------------------------------------------------------------- problems

class Problem extends Error {
  constructor(status, code, title, detail) {
    super(title);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

// The verifier's error ids, as HTTP statuses a web app understands.
const VERIFIER_STATUS = {
  'token-invalid': 401, 'token-expired': 401, 'certificate-invalid': 401,
  'certificate-untrusted': 401, 'certificate-expired': 401, 'certificate-revoked': 401,
  'certificate-key-usage': 401, 'certificate-policy': 401, 'claims-mismatch': 403,
  'origin-mismatch': 403, 'audience-mismatch': 403,
  'nonce-mismatch': 403, 'nonce-replayed': 403, 'nonce-invalid': 400,
};

// ---------------------------------------------------------------- nonces

class NonceBook {
  #open = new Map(); // nonce -> expiry (ms)

  issue() {
    this.#prune();
    if (this.#open.size >= MAX_OPEN_NONCES) {
      throw new Problem(503, 'busy', 'Too many open requests', 'Try again in a few minutes.');
    }
    const nonce = randomBytes(32).toString('base64');
    this.#open.set(nonce, Date.now() + NONCE_LIFETIME_MS);
    return nonce;
  }

  // Each nonce is good once, whatever the outcome of the check that uses it.
  consume(nonce) {
    const expiry = typeof nonce === 'string' ? this.#open.get(nonce) : undefined;
    this.#open.delete(nonce);
    if (expiry === undefined) {
      throw new Problem(403, 'nonce-unknown', 'This request was not issued by this server, or was already used',
        'Ask for a new nonce (POST /api/nonce) and sign again.');
    }
    if (expiry < Date.now()) {
      throw new Problem(403, 'nonce-expired', 'The request took too long',
        'Nonces are valid for 5 minutes: ask for a new one.');
    }
  }

  #prune() {
    const now = Date.now();
    for (const [nonce, expiry] of this.#open) if (expiry < now) this.#open.delete(nonce);
  }
}

// ---------------------------------------------------------------- the verifier

function runVerifier(options, args, input) {
  const trust = [
    ...options.ca.flatMap((file) => ['--ca', file]),
    ...options.intermediate.flatMap((file) => ['--intermediate', file]),
    ...options.crl.flatMap((file) => ['--crl', file]),
    ...options.issuer.flatMap((file) => ['--issuer', file]),
    ...options.policy.flatMap((oid) => ['--policy', oid]),
    ...options.eku.flatMap((oid) => ['--eku', oid]),
  ];
  return new Promise((resolve, reject) => {
    const child = execFile(options['hcbridge-cli'], [...args, ...trust, '--json'],
      { timeout: VERIFIER_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
      (error, stdout) => {
        let answer = null;
        try {
          answer = JSON.parse(stdout);
        } catch {
          // handled below
        }
        if (answer?.valid === true) return resolve(answer);
        if (answer && typeof answer.error === 'string') {
          return reject(new Problem(VERIFIER_STATUS[answer.error] ?? 401, answer.error,
            answer.message ?? 'refused', answer.hint ?? ''));
        }
        reject(new Problem(500, 'verifier-failed', 'The record server could not check the request',
          `Running '${options['hcbridge-cli']}' failed (${error?.code ?? 'no JSON answer'}); ` +
          'check --hcbridge-cli.'));
      });
    child.stdin.on('error', () => {}); // a verifier that failed to start: reported above
    child.stdin.end(input);
  });
}

// The assertion's payload, read only to find its nonce; the verifier checks it.
function nonceOfAssertion(assertion) {
  const parts = typeof assertion === 'string' ? assertion.split('.') : [];
  if (parts.length !== 3 || assertion.length > 32768) {
    throw new Problem(400, 'assertion-malformed', 'The assertion is not a compact JWS',
      'Send {"assertion": "<header>.<payload>.<signature>"} as hcbridged returned it.');
  }
  let payload;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new Problem(400, 'assertion-malformed', 'The assertion\'s payload is not JSON',
      'Send the assertion exactly as hcbridged returned it.');
  }
  if (typeof payload?.nonce !== 'string') {
    throw new Problem(400, 'assertion-malformed', 'The assertion carries no nonce',
      'Ask hcbridged for an assertion with this server\'s nonce.');
  }
  return payload.nonce;
}

// ---------------------------------------------------------------- records

function recordKey(patient) {
  return [patient?.idType, patient?.id, patient?.birthDate].filter(Boolean).join(':');
}

function findRecord(records, patient) {
  const record = records[recordKey(patient)] ?? records[recordKey({ ...patient, birthDate: undefined })];
  if (!record) {
    throw new Problem(404, 'record-not-found', 'This patient has no record on this server',
      'The demo server holds records for the simulated family card only (TEST data).');
  }
  return record;
}

// ---------------------------------------------------------------- HTTP

const STATIC_TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json',
};

function securityHeaders(options) {
  const bridge = new URL(options['hcbridge-url']);
  const sockets = `ws://${bridge.host}`;
  return {
    'Content-Security-Policy':
      `default-src 'self'; connect-src 'self' ${bridge.origin} ${sockets}; ` +
      "img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

function send(response, status, type, body, headers) {
  response.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function sendJson(response, status, value, headers) {
  send(response, status, 'application/json', JSON.stringify(value), headers);
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// A browser navigating somewhere wrong gets a page, a program a problem document.
function sendProblem(request, response, problem, headers) {
  if (/text\/html/.test(request.headers.accept ?? '') && !request.url.startsWith('/api/')) {
    return send(response, problem.status, 'text/html; charset=utf-8',
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(problem.message)}</title>` +
      `<h1>${escapeHtml(problem.message)}</h1><p>${escapeHtml(problem.detail ?? '')}</p>` +
      '<p><a href="/">Back to the demo</a></p></html>', headers);
  }
  send(response, problem.status, 'application/problem+json',
    JSON.stringify({ code: problem.code, title: problem.message, detail: problem.detail ?? '' }), headers);
}

async function readJsonBody(request) {
  if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
    throw new Problem(415, 'content-type', 'Send JSON', 'Use Content-Type: application/json.');
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Problem(413, 'body-too-large', 'The request is too large', 'At most 64 KiB.');
    chunks.push(chunk);
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  } catch {
    // below
  }
  throw new Problem(400, 'body-invalid', 'The request body is not a JSON object', 'Send a JSON object.');
}

function staticFile(options, urlPath) {
  const routes = { '/': 'demo/index.html', '/favicon.ico': null };
  let relative = urlPath in routes ? routes[urlPath] : urlPath.slice(1);
  if (relative === null) return null;
  if (!/^(demo|client)\/[A-Za-z0-9_.-]+$/.test(relative) || relative.includes('..')) return null;
  return path.join(options['web-root'], relative);
}

function makeHandler(options, records) {
  const nonces = new NonceBook();
  // A function: with --port 0 the port is known only once listening.
  const ownOrigin = () => originOf(options);
  const headers = securityHeaders(options);
  const audience = () => `${ownOrigin()}/api`;

  const api = {
    'GET /api/config': async () => ({ hcbridgeUrl: options['hcbridge-url'], audience: audience() }),
    'POST /api/nonce': async () => ({ nonce: nonces.issue(), expiresInSeconds: NONCE_LIFETIME_MS / 1000 }),
    // The practitioner signs in: a Web eID token for this origin and nonce.
    'POST /api/login': async (body, origin) => {
      nonces.consume(body.nonce);
      const token = JSON.stringify(body.token ?? null);
      const verified = await runVerifier(options,
        ['verify-token', '--token', '-', '--origin', origin, '--nonce', body.nonce], token);
      const { practitioner, subject, issuer, revocationChecked } = verified;
      return { practitioner: { ...practitioner, subject, issuer, revocationChecked } };
    },
    // The record, for the patient an assertion signed by the card names.
    'POST /api/records': async (body, origin) => {
      const nonce = nonceOfAssertion(body.assertion);
      nonces.consume(nonce);
      const verified = await runVerifier(options,
        ['verify-assertion', '--assertion', '-', '--audience', audience(), '--nonce', nonce, '--origin', origin],
        body.assertion);
      // Who opened it is the certificate's practitioner (the verifier refused
      // claims naming anyone else): the claims' names are not used.
      const { claims, practitioner } = verified;
      const record = findRecord(records, claims.patient);
      console.log(`record opened by ${practitioner.idType} ${practitioner.id}: ` +
        `purpose=${claims.purpose} jti=${claims.jti}`); // no health data
      return {
        patient: claims.patient,
        openedBy: { id: practitioner.id, idType: practitioner.idType, name: practitioner.name },
        purpose: claims.purpose,
        record,
      };
    },
  };

  return async (request, response) => {
    const url = new URL(request.url, 'http://localhost');
    try {
      const route = api[`${request.method} ${url.pathname}`];
      if (route) {
        const origin = request.headers.origin;
        // A page of another origin must not use this server on a GP's behalf.
        if (request.method !== 'GET' && origin !== ownOrigin()) {
          throw new Problem(403, 'origin-forbidden', 'This server answers its own pages only',
            `Requests must come from ${ownOrigin()}, not ${origin ?? 'a page without Origin'}.`);
        }
        const body = request.method === 'POST' ? await readJsonBody(request) : {};
        return sendJson(response, 200, await route(body, origin), headers);
      }
      if (url.pathname.startsWith('/api/')) {
        throw new Problem(404, 'not-found', `No ${request.method} ${url.pathname} here`,
          'The API has GET /api/config, POST /api/nonce, /api/login and /api/records.');
      }
      const file = request.method === 'GET' ? staticFile(options, url.pathname) : null;
      if (file) {
        try {
          const content = await readFile(file);
          return send(response, 200, STATIC_TYPES[path.extname(file)] ?? 'application/octet-stream', content, headers);
        } catch {
          // not found, below
        }
      }
      throw new Problem(404, 'not-found', `Nothing at ${url.pathname}`, 'The demo is at /.');
    } catch (failure) {
      const problem = failure instanceof Problem ? failure
        : new Problem(500, 'internal', 'The record server failed', 'See its log.');
      if (!(failure instanceof Problem)) console.error('record server:', failure);
      console.log(`${request.method} ${url.pathname} -> ${problem.status} ${problem.code}`);
      return sendProblem(request, response, problem, headers);
    }
  };
}

// The origin of this server's pages, as a browser sees it.
function originOf(options) {
  return options['public-origin'] ?? `${options['tls-cert'] ? 'https' : 'http'}://localhost:${options.port}`;
}

function createServer(options, handler) {
  if (!options['tls-cert']) return http.createServer(handler);
  return https.createServer({ cert: readFileSync(options['tls-cert']), key: readFileSync(options['tls-key']) }, handler);
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address().port));
  });
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`record server: ${error.message}\n(see --help)`);
    process.exit(2);
  }
  let records;
  try {
    const tls = [options['tls-cert'], options['tls-key']].filter(Boolean);
    for (const file of [...options.ca, ...options.intermediate, ...options.crl, ...options.issuer, ...tls]) {
      readFileSync(file);
    }
    records = JSON.parse(readFileSync(options.records, 'utf8'));
  } catch (error) {
    console.error(`record server: ${error.message}`);
    process.exit(2);
  }
  const handler = makeHandler(options, records);
  const ipv4 = createServer(options, handler);
  try {
    options.port = await listen(ipv4, options.port, '127.0.0.1');
  } catch (error) {
    console.error(`record server: cannot listen on 127.0.0.1:${options.port}: ${error.message}`);
    process.exit(1);
  }
  // localhost may resolve to ::1 first; a machine without IPv6 still works.
  await listen(createServer(options, handler), options.port, '::1').catch(() => {});
  console.log(`record server listening on ${originOf(options)}`);
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
