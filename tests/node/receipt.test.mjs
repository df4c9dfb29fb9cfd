// receipt.test.mjs - consent receipts checked by independent tools (issue
// #6's acceptance): a person gives a consent on a real `commune serve`, then
// its Kantara receipt is validated with ajv against the Kantara work group's
// v1.1 JSON Schema, and its JWS is verified with jose (not commune's code)
// against the keys of /.well-known/jwks.json; a tampered JWS must fail.
//
// Usage: node tests/node/receipt.test.mjs PATH/TO/commune
// (CTest passes the built binary; see tests/CMakeLists.txt.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as lib from './lib.mjs';
import { password } from './lib.mjs';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv-draft-04';
import * as jose from 'jose';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2];
if (!bin) {
  console.error('usage: node receipt.test.mjs PATH/TO/commune');
  process.exit(2);
}

let dir;
let server;
let base;

function cli(args, input = '') {
  return lib.cli(bin, dir, args, input);
}

const startServer = () => lib.startServer(bin, dir);

const login = (handle) => lib.login(base, handle);

async function call(session, method, url, body) {
  const headers = { Cookie: session.cookie };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = session.csrf;
  }
  return fetch(`${base}${url}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// the Kantara work group's schema: its two `//` comment lines dropped
function kantaraSchema() {
  const text = readFileSync(path.join(here, 'schemas', 'kantara-consent-receipt-v1_1-schema.json'),
    'utf8');
  return JSON.parse(text.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n'));
}

let alice;
let bob;
let orgId;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'commune-receipt-'));
  cli(['user', 'add', 'alice'], `${password('alice')}\n`);
  cli(['user', 'add', 'bob'], `${password('bob')}\n`);
  cli(['org', 'add', 'Énergie Coop', '--kind', 'cooperative']);
  cli(['user', 'add', 'agent', '--role', 'agent', '--org', 'Énergie Coop'],
    `${password('agent')}\n`);
  orgId = cli(['org', 'list']).match(/([0-9a-f]{32})/)[1];
  const s = await startServer();
  server = s.p;
  base = s.url;
  alice = await login('alice');
  bob = await login('bob');
});

after(async () => {
  if (server) {
    server.removeAllListeners('exit');
    const done = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    const code = await done;
    assert.equal(code, 0, 'commune serve stops cleanly');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const terms = (grantee) => ({
  grantee,
  purpose: {
    dpv: 'ServiceProvision',
    text: {
      fr: 'Conseils pour réduire ma consommation d\'énergie',
      en: 'Advice to reduce my energy use',
    },
  },
  legal_basis: 'consent',
  scope: {
    doctypes: ['energy.electricity.load_curve', 'bank.transaction'],
    operations: ['read'],
  },
  valid_until: '2030-01-01T00:00:00Z',
});

async function give(grantee) {
  const r = await call(alice, 'POST', '/api/v1/consents', terms(grantee));
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()).id;
}

test('a receipt validates against the Kantara v1.1 schema and its JWS verifies with jose',
  async () => {
    const id = await give({ kind: 'org', id: orgId });
    const r = await call(alice, 'GET', `/api/v1/consents/${id}/receipt?lang=en`);
    assert.equal(r.status, 200);
    const { receipt, jws } = await r.json();

    const ajv = new Ajv({ allErrors: true });
    const validate = ajv.compile(kantaraSchema());
    assert.ok(validate(receipt), JSON.stringify(validate.errors, null, 2));
    assert.equal(receipt.version, 'KI-CR-v1.1.0');
    assert.equal(receipt.piiPrincipalId, 'alice');
    assert.equal(receipt.piiControllers[0].piiController, 'Énergie Coop');
    assert.equal(receipt.services[0].purposes[0].purpose, 'Advice to reduce my energy use');
    assert.ok(Number.isInteger(receipt.consentTimestamp));
    assert.ok(Math.abs(receipt.consentTimestamp - Date.now() / 1000) < 300);

    // the keys, from the well-known address, with nothing else known
    const k = await fetch(`${base}/.well-known/jwks.json`);
    assert.equal(k.status, 200);
    assert.match(k.headers.get('content-type'), /^application\/jwk-set\+json/);
    const jwks = await k.json();
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].d, undefined, 'no private part is published');
    assert.equal(jwks.keys[0].kid, await jose.calculateJwkThumbprint(jwks.keys[0]));
    const keys = jose.createLocalJWKSet(jwks);

    const { payload, protectedHeader } = await jose.compactVerify(jws, keys,
      { algorithms: ['EdDSA'] });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(protectedHeader.kid, jwks.keys[0].kid);
    assert.equal(protectedHeader.typ, 'JWT');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), receipt);

    // the same grant, the same receipt and signature
    const again = await (await call(alice, 'GET', `/api/v1/consents/${id}/receipt?lang=en`)).json();
    assert.equal(again.jws, jws);

    // a receipt changed after signing no longer verifies
    const [h, , sig] = jws.split('.');
    const forged = { ...receipt, piiPrincipalId: 'mallory' };
    const forgedJws = `${h}.${jose.base64url.encode(JSON.stringify(forged))}.${sig}`;
    await assert.rejects(jose.compactVerify(forgedJws, keys),
      jose.errors.JWSSignatureVerificationFailed);
    // nor does one changed character of the signature
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    await assert.rejects(jose.compactVerify(`${h}.${jws.split('.')[1]}.${flipped}`, keys),
      jose.errors.JWSSignatureVerificationFailed);
  });

test('the receipt of a consent to a service names the organisation that runs it', async () => {
  const agent = await login('agent');
  const reg = await call(agent, 'POST', '/oauth/register', {
    client_name: 'Watt Coach',
    redirect_uris: ['http://127.0.0.1:4711/callback'],
    token_endpoint_auth_method: 'none',
    purpose_dpv: 'ServiceProvision',
    purpose_fr: 'Conseils d\'économie d\'énergie',
    purpose_en: 'Energy saving advice',
  });
  assert.equal(reg.status, 201, await reg.clone().text());
  const { client_id: clientId } = await reg.json();
  const id = await give({ kind: 'service', id: clientId });
  const r = await call(alice, 'GET', `/api/v1/consents/${id}/receipt?lang=en`);
  assert.equal(r.status, 200);
  const { receipt, jws } = await r.json();
  const validate = new Ajv({ allErrors: true }).compile(kantaraSchema());
  assert.ok(validate(receipt), JSON.stringify(validate.errors, null, 2));
  assert.equal(receipt.piiControllers[0].piiController, 'Énergie Coop');
  assert.equal(receipt.services[0].service, 'Watt Coach');
  const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
  const { payload } = await jose.compactVerify(jws, jose.createLocalJWKSet(jwks));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), receipt);
  const d = await (await call(alice, 'GET', `/api/v1/consents/${id}/dpv`)).json();
  assert.equal(d['dpv:hasPersonalDataHandling']['dpv:hasRecipient']['@id'],
    `urn:commune:service:${clientId}`);
});

test('receipts of a consent to a person, in French, validate too', async () => {
  const id = await give({ kind: 'person', handle: 'bob' });
  const r = await call(alice, 'GET', `/api/v1/consents/${id}/receipt`);
  assert.equal(r.status, 200);
  const { receipt, jws } = await r.json();
  const validate = new Ajv({ allErrors: true }).compile(kantaraSchema());
  assert.ok(validate(receipt), JSON.stringify(validate.errors, null, 2));
  assert.equal(receipt.language, 'fr');
  assert.equal(receipt.services[0].purposes[0].purpose,
    'Conseils pour réduire ma consommation d\'énergie');
  assert.equal(receipt.sensitive, true);
  const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
  await jose.compactVerify(jws, jose.createLocalJWKSet(jwks));
});

test('a receipt of another person\'s consent is not found', async () => {
  const id = await give({ kind: 'person', handle: 'bob' });
  for (const what of ['receipt', 'dpv']) {
    const r = await call(bob, 'GET', `/api/v1/consents/${id}/${what}`);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  }
  const anonymous = await fetch(`${base}/api/v1/consents/${id}/receipt`);
  assert.equal(anonymous.status, 401);
  const badLang = await call(alice, 'GET', `/api/v1/consents/${id}/receipt?lang=de`);
  assert.equal(badLang.status, 400);
});

test('the DPV export is JSON-LD with the consent status', async () => {
  const id = await give({ kind: 'org', id: orgId });
  let r = await call(alice, 'GET', `/api/v1/consents/${id}/dpv`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/ld\+json/);
  let d = await r.json();
  assert.equal(d['@context'].dpv, 'https://w3id.org/dpv#');
  assert.equal(d['@type'], 'dpv:ConsentRecord');
  assert.equal(d['dpv:hasConsentStatus']['@id'], 'dpv:ConsentGiven');
  const handling = d['dpv:hasPersonalDataHandling'];
  assert.equal(handling['dpv:hasPurpose']['@id'], 'dpv:ServiceProvision');
  assert.equal(handling['dpv:hasLegalBasis']['@id'], 'dpv-gdpr:A6-1-a');
  assert.equal(handling['dpv:hasPersonalData'].length, 2);
  assert.equal(handling['dpv:hasRecipient']['@id'], `urn:commune:org:${orgId}`);

  const w = await call(alice, 'POST', `/api/v1/consents/${id}/withdraw`, {});
  assert.equal(w.status, 200);
  r = await call(alice, 'GET', `/api/v1/consents/${id}/dpv`);
  d = await r.json();
  assert.equal(d['dpv:hasConsentStatus']['@id'], 'dpv:ConsentWithdrawn');
  // the receipt of the consent once given stays available
  const receipt = await call(alice, 'GET', `/api/v1/consents/${id}/receipt`);
  assert.equal(receipt.status, 200);
});
