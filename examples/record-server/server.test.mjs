// The record server against issue 14's attacks, with the real hcbridge CLI as
// its verifier and assertions forged here with the TEST PKI's keys: no
// browser, no card. Run: HCBRIDGE_CLI=build/src/cli/hcbridge node --test
// examples/record-server/server.test.mjs (ctest: record_server_attacks).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pki = path.resolve(here, '../../tests/pki/fixtures');
const cli = process.env.HCBRIDGE_CLI ?? path.resolve(here, '../../build/src/cli/hcbridge');
const pem = (name) => path.join(pki, name);
const der = (name) => new X509Certificate(readFileSync(pem(name))).raw.toString('base64');
const TRUST = ['--ca', pem('root.cert.pem'), '--intermediate', pem('intermediate.cert.pem'),
  '--crl', pem('intermediate.crl.pem'), '--issuer', pem('intermediate.cert.pem'),
  '--policy', '1.2.3.4.5.6.7.8.1', '--eku', '1.3.6.1.5.5.7.3.2'];
// The simulated family card's holder: a record of records.json.
const PATIENT = { idType: 'nir-card', id: '175047505612377', rank: 1, birthDate: '19750412' };

function startServer(extraArgs = []) {
  const child = spawn(process.execPath, [path.join(here, 'server.mjs'), '--port', '0',
    '--hcbridge-cli', cli, ...TRUST, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.log = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      child.log += chunk;
      const found = child.log.match(/record server listening on (\S+)/);
      if (found && !child.origin) {
        child.origin = found[1];
        resolve(child);
      }
    });
    child.stderr.on('data', (chunk) => { child.log += chunk; });
    child.on('exit', (code) => reject(new Error(`record server exited ${code}: ${child.log}`)));
  });
}

async function post(server, route, body) {
  const response = await fetch(`${server.origin}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.origin },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const b64url = (value) => Buffer.from(value).toString('base64url');

// A record-access assertion as an attacker (or hcbridged) makes it.
function assertion({ x5c, keyFile, practitionerId, nonce, origin }) {
  const key = createPrivateKey(readFileSync(pem(keyFile)));
  const ec = key.asymmetricKeyType === 'ec';
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: ec ? 'ES256' : 'RS256', typ: 'hcbridge-record-access+jwt', x5c: x5c.map(der) };
  const claims = {
    iss: 'hcbridge', sub: practitionerId,
    practitioner: { idType: 'rpps', id: practitionerId, surname: 'MALLORY-TEST', givenNames: 'Mallory' },
    patient: PATIENT, aud: `${origin}/api`, nonce, purpose: 'normal', origin,
    iat: now, exp: now + 120, jti: randomBytes(16).toString('base64url'),
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), ec ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

async function openRecord(server, forged) {
  const { body: { nonce } } = await post(server, '/api/nonce', {});
  return post(server, '/api/records',
    { assertion: assertion({ ...forged, nonce, origin: server.origin }) });
}

describe('record server: who opened the record is the certificate\'s practitioner', () => {
  let server;
  let wide;
  before(async () => {
    server = await startServer();
    // A misconfiguration: the patient-card root among the anchors too.
    wide = await startServer(['--ca', pem('patient-root.cert.pem'),
      '--intermediate', pem('vitale-ca.cert.pem')]);
  });
  after(() => {
    server?.kill();
    wide?.kill();
  });

  it('attributes an access to the certificate, not to the claims\' names', async () => {
    const opened = await openRecord(server,
      { x5c: ['cps-demo-auth.cert.pem'], keyFile: 'cps-demo-auth.key.pem', practitionerId: '10101201234' });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.deepEqual(opened.body.openedBy, { id: '10101201234', idType: 'rpps', name: 'Hélène DURAND-TEST' });
    assert.match(server.log, /record opened by rpps 10101201234/);
    assert.doesNotMatch(server.log, /MALLORY/);
  });

  it('refuses claims naming another practitioner (attack 2)', async () => {
    const opened = await openRecord(server,
      { x5c: ['cps-demo-auth.cert.pem'], keyFile: 'cps-demo-auth.key.pem', practitionerId: '99999999999' });
    assert.equal(opened.status, 403, JSON.stringify(opened.body));
    assert.equal(opened.body.code, 'claims-mismatch');
    assert.doesNotMatch(server.log, /record opened by rpps 99999999999/);
  });

  it('refuses a patient card\'s key (attack 1), even with its root among the anchors', async () => {
    for (const target of [server, wide]) {
      const opened = await openRecord(target, {
        x5c: ['vitale-family-card.cert.pem', 'vitale-ca.cert.pem'],
        keyFile: 'vitale-family-card.key.pem', practitionerId: '10101201234',
      });
      assert.equal(opened.status, 401, JSON.stringify(opened.body));
      assert.equal(opened.body.code, 'certificate-untrusted');
    }
  });

  it('will not start without --issuer', async () => {
    const child = spawn(process.execPath, [path.join(here, 'server.mjs'), '--port', '0',
      '--hcbridge-cli', cli, '--ca', pem('root.cert.pem')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk) => { err += chunk; });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /--issuer/);
  });
});
