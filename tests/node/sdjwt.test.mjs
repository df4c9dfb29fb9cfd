// sdjwt.test.mjs - commune's SD-JWT attestations checked against an
// independent implementation (issue #9's acceptance), @sd-jwt/core 0.19.0:
//   - a presentation commune makes (one claim disclosed, key-bound to a
//     verifier's nonce and audience) verifies with @sd-jwt/core, using only
//     the issuer keys of /.well-known/jwt-vc-issuer and node:crypto, and
//     shows only the claim chosen;
//   - an SD-JWT+KB issued and presented by @sd-jwt/core (its own ES256
//     issuer and holder keys) verifies with `commune attest verify`, and a
//     tampered one does not.
//
// Usage: node tests/node/sdjwt.test.mjs PATH/TO/commune
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { SDJwtInstance } from '@sd-jwt/core';

import * as lib from './lib.mjs';
import { password } from './lib.mjs';

const bin = process.argv[2];
if (!bin) {
  console.error('usage: node sdjwt.test.mjs PATH/TO/commune');
  process.exit(2);
}

const RULE = 'bordeaux_metropole.tbm_solidaire';
const AUD = 'https://guichet.tbm.example';

let dir;
let server;
let base;
let alice;

const hasher = (data) => new Uint8Array(createHash('sha256').update(data).digest());
const saltGenerator = (n) => randomBytes(n).toString('base64url');
// ES256 signatures are r || s (IEEE P1363), as JWS wants
const es256Verify = (key) => (data, sig) =>
  verify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'));
const es256Sign = (key) => (data) =>
  sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');

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

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'commune-sdjwt-'));
  lib.cli(bin, dir, ['user', 'add', 'alice'], `${password('alice')}\n`);
  const s = await lib.startServer(bin, dir);
  server = s.p;
  base = s.url;
  alice = await lib.login(base, 'alice');
  // a tax notice: 14,000 € for 2 shares in Bordeaux, the 50 % band
  const r = await call(alice, 'POST', '/api/v1/records/tax.household', {
    income_year: 2024, issued: '2025-08-01', tax_shares: 2, reference_income: 14000,
    commune_insee: '33063',
  });
  assert.equal(r.status, 201, await r.clone().text());
});

after(async () => {
  if (server) {
    server.removeAllListeners('exit');
    const done = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    assert.equal(await done, 0, 'commune serve stops cleanly');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a presentation made by commune verifies with @sd-jwt/core, and shows one claim', async () => {
  let r = await call(alice, 'POST', '/api/v1/attestations', { rule: RULE });
  assert.equal(r.status, 201, await r.clone().text());
  const { id } = await r.json();
  const nonce = randomBytes(12).toString('base64url');
  r = await call(alice, 'POST', `/api/v1/attestations/${id}/present`,
    { disclose: ['grant'], aud: AUD, nonce });
  assert.equal(r.status, 200, await r.clone().text());
  const { presentation } = await r.json();

  // the issuer's keys, from its metadata only
  r = await fetch(`${base}/.well-known/jwt-vc-issuer`);
  assert.equal(r.status, 200);
  const meta = await r.json();
  assert.equal(meta.issuer, base);
  const issuerKey = createPublicKey({ key: meta.jwks.keys[0], format: 'jwk' });

  const sdjwt = new SDJwtInstance({
    hasher,
    hashAlg: 'sha-256',
    verifier: es256Verify(issuerKey),
    // the holder's key is the cnf of the issuer-signed payload
    kbVerifier: (data, sig, payload) =>
      es256Verify(createPublicKey({ key: payload.cnf.jwk, format: 'jwk' }))(data, sig),
  });
  const { payload, kb } = await sdjwt.verify(presentation,
    { keyBindingNonce: nonce, requiredClaimKeys: ['grant'] });
  assert.ok(kb, 'the key binding JWT verified');
  assert.equal(kb.payload.aud, AUD);
  assert.equal(kb.payload.nonce, nonce);
  assert.equal(payload.grant.reduction_percent, 50);
  assert.equal(payload.vct, `urn:commune:attestation:${RULE}`);
  // nothing of the situation: no fact, no rule title, in the claims…
  for (const k of Object.keys(payload)) {
    assert.ok(['iss', 'vct', 'iat', 'exp', 'status', 'cnf', 'grant', '_sd_alg'].includes(k),
      `the verifier learnt ${k}`);
  }
  // …nor anywhere in the decoded presentation
  const decoded = await sdjwt.decode(presentation);
  assert.equal(decoded.disclosures.length, 1);
  assert.equal(decoded.disclosures[0].key, 'grant');
  assert.doesNotMatch(JSON.stringify(decoded.jwt.payload), /14000|33063|quotient/);

  // a tampered disclosure does not verify
  const parts = presentation.split('~');
  const forged = Buffer.from(JSON.stringify(['c2FsdA', 'grant', { reduction_percent: 100 }]))
    .toString('base64url');
  await assert.rejects(sdjwt.verify([parts[0], forged, parts[2]].join('~'),
    { keyBindingNonce: nonce }));
});

test('an SD-JWT issued by @sd-jwt/core verifies with commune, a tampered one does not', async () => {
  const issuer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sdjwt = new SDJwtInstance({
    hasher,
    hashAlg: 'sha-256',
    saltGenerator,
    signer: es256Sign(issuer.privateKey),
    signAlg: 'ES256',
    kbSigner: es256Sign(holder.privateKey),
    kbSignAlg: 'ES256',
  });
  const now = Math.floor(Date.now() / 1000);
  const issued = await sdjwt.issue({
    iss: 'https://issuer.example', vct: 'urn:example:fare', iat: now, exp: now + 3600,
    cnf: { jwk: holder.publicKey.export({ format: 'jwk' }) },
    reduction_percent: 50, family_quotient: 583.33, commune: '33063',
  }, { _sd: ['reduction_percent', 'family_quotient', 'commune'] });
  const nonce = randomBytes(12).toString('base64url');
  const presented = await sdjwt.present(issued, { reduction_percent: true },
    { kb: { payload: { iat: now, aud: AUD, nonce } } });

  const jwkFile = path.join(dir, 'other-issuer.jwk');
  writeFileSync(jwkFile, JSON.stringify(issuer.publicKey.export({ format: 'jwk' })));
  const run = (token, n = nonce) => spawnSync(bin, ['attest', 'verify', token, '--nonce', n,
    '--aud', AUD, '--issuer-jwk', jwkFile, '--data', dir], { env: lib.env, encoding: 'utf8' });

  let r = run(presented);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.valid, true);
  assert.equal(out.key_bound, true);
  assert.equal(out.claims.reduction_percent, 50);
  assert.equal(out.claims.family_quotient, undefined);
  assert.equal(out.claims.commune, undefined);

  // the other nonce, a changed issuer signature: refused, one line
  r = run(presented, 'another-nonce-123');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^commune: not valid: /);
  const parts = presented.split('~');
  const jwt = parts[0].split('.');
  jwt[2] = (jwt[2][0] === 'A' ? 'B' : 'A') + jwt[2].slice(1);
  r = run([jwt.join('.'), ...parts.slice(1)].join('~'));
  assert.equal(r.status, 1);
});
