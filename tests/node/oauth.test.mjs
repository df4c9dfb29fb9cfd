// oauth.test.mjs - the OAuth 2.0 authorization server driven by an
// independent client, openid-client (issue #6's acceptance): on a real
// `commune serve` with a fresh data directory, an organisation's agent
// registers a service (RFC 7591); the service sends alice through an
// authorization with PKCE (the login and consent pages are filled in with
// plain HTTP requests, as a browser would); openid-client exchanges the
// code, reads within the consent's scope and is refused outside it,
// refreshes (rotation: the old refresh token used again fails and kills
// the family), introspects and revokes; alice withdraws a consent and the
// very next request is refused, introspection says inactive, a refresh
// fails. A confidential client does the same with client_secret_basic.
//
// Usage: node tests/node/oauth.test.mjs PATH/TO/commune
// (CTest passes the built binary; see tests/CMakeLists.txt.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as lib from './lib.mjs';
import { password } from './lib.mjs';

import { Issuer, generators, errors } from 'openid-client';

const bin = process.argv[2];
if (!bin) {
  console.error('usage: node oauth.test.mjs PATH/TO/commune');
  process.exit(2);
}

const REDIRECT = 'http://127.0.0.1:4711/callback';
let dir;
let server;
let base;
let issuer;
let alice; // alice's session in the web app: {cookie, csrf}

function cli(args, input = '') {
  return lib.cli(bin, dir, args, input);
}

const startServer = () => lib.startServer(bin, dir);

const login = (handle) => lib.login(base, handle);

// api - a JSON call of the web app with a session.
async function api(session, method, url, body) {
  const headers = { Cookie: session.cookie, 'X-CSRF-Token': session.csrf };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${base}${url}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// bearer - a read with an access token.
const bearer = (token, url) => fetch(`${base}${url}`, { headers: { Authorization: `Bearer ${token}` } });

// The hidden inputs of a page's form (as a browser would post them back).
function formOf(html) {
  const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]] = unescape(m[2]);
  }
  return fields;
}

const postForm = (fields, cookie) => fetch(`${base}/oauth/authorize`, {
  method: 'POST',
  redirect: 'manual',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
  body: new URLSearchParams(fields).toString(),
});

// consent - the person's part of an authorization: from the service's
// authorization URL to the redirect back (its Location), through the
// login page when there is no session, then the consent screen.
async function consent(url, { give = true, session = null, check = null } = {}) {
  let cookie = session && session.cookie;
  let r = await fetch(url, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} });
  assert.equal(r.status, 200);
  let html = await r.text();
  if (!cookie) {
    assert.match(html, /name="password"/, 'a login form without a session');
    r = await postForm({ ...formOf(html), handle: 'alice', password: password('alice') });
    assert.equal(r.status, 200);
    cookie = r.headers.get('set-cookie').split(';')[0];
    html = await r.text();
  }
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  if (check) check(html);
  const fields = formOf(html);
  assert.ok(fields.csrf, 'the consent form carries the CSRF token');
  r = await postForm({ ...fields, action: give ? 'give' : 'refuse' }, cookie);
  assert.equal(r.status, 303);
  return r.headers.get('location');
}

// register - an organisation's agent registers a service (RFC 7591).
async function register(extra) {
  const agent = await login('agent');
  const r = await api(agent, 'POST', '/oauth/register', {
    client_name: 'Budget <Malin>',
    redirect_uris: [REDIRECT],
    purpose_dpv: 'ServiceProvision',
    purpose_fr: 'Vous aider à suivre votre budget mois après mois.',
    purpose_en: 'Help you follow your budget month after month.',
    consent_days: 90,
    ...extra,
  });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

// authorize - a whole authorization code flow with PKCE: openid-client
// builds the request and exchanges the code; the person consents.
async function authorize(client, scope, opts = {}) {
  const codeVerifier = generators.codeVerifier();
  const state = generators.state();
  const url = client.authorizationUrl({
    scope,
    state,
    redirect_uri: REDIRECT,
    code_challenge: generators.codeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  const location = await consent(url, opts);
  const params = client.callbackParams(location);
  if (opts.give === false) return { params };
  const tokens = await client.oauthCallback(REDIRECT, params, { state, code_verifier: codeVerifier });
  return { tokens, params, codeVerifier, state };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'commune-oauth-'));
  cli(['org', 'add', 'Budget Malin SCIC', '--kind', 'reuser']);
  cli(['user', 'add', 'agent', '--role', 'agent', '--org', 'Budget Malin SCIC'], `${password('agent')}\n`);
  cli(['user', 'add', 'alice'], `${password('alice')}\n`);
  cli(['user', 'add', 'bob'], `${password('bob')}\n`);
  server = await startServer();
  base = server.url;
  alice = await login('alice');
  for (const [date, amount, label] of [['2024-03-02', -42.5, 'Boulangerie'], ['2024-05-10', 1500, 'Salaire']]) {
    const r = await api(alice, 'POST', '/api/v1/records/bank.transaction',
      { date, amount, currency: 'EUR', label });
    assert.equal(r.status, 201, await r.clone().text());
  }
  const r = await api(alice, 'POST', '/api/v1/records/calendar.event',
    { start: '2024-03-02T10:00:00Z', end: '2024-03-02T11:00:00Z', summary: 'Médecin' });
  assert.ok(r.status === 201, await r.clone().text());
  issuer = await Issuer.discover(`${base}/.well-known/oauth-authorization-server`);
});

after(() => {
  if (server) server.p.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('metadata (RFC 8414) as openid-client reads it', () => {
  assert.equal(issuer.issuer, base);
  assert.equal(issuer.token_endpoint, `${base}/oauth/token`);
  assert.deepEqual(issuer.code_challenge_methods_supported, ['S256']);
  assert.ok(issuer.scopes_supported.includes('doctype:bank.transaction'));
});

test('registration needs a member of an organisation', async () => {
  const bob = await login('bob');
  const r = await api(bob, 'POST', '/oauth/register', {
    client_name: 'x', redirect_uris: [REDIRECT], purpose_dpv: 'ServiceProvision',
    purpose_fr: 'x', purpose_en: 'x',
  });
  assert.equal(r.status, 403);
  const bad = await register({ redirect_uris: ['http://example.org/cb'] }).catch((e) => e);
  assert.ok(bad instanceof Error, 'http on a non-loopback host is refused');
});

test('public client: PKCE, reads within scope, rotation, theft of a refresh token', async () => {
  const reg = await register({ token_endpoint_auth_method: 'none' });
  const client = new issuer.Client({
    client_id: reg.client_id, token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT],
    response_types: ['code'],
  });
  const scope = 'doctype:bank.transaction field:date field:amount period:2024-01-01/2024-04-01';
  const { tokens, params, codeVerifier, state } = await authorize(client, scope, {
    check: (html) => {
      // French by default, every dynamic string escaped
      assert.match(html, /Budget &lt;Malin&gt;/);
      assert.match(html, /Budget Malin SCIC/);
      assert.match(html, /Vous aider à suivre votre budget/);
      assert.match(html, /Opération bancaire/);
      assert.match(html, /Seulement ces informations/);
      assert.match(html, /2024-01-01/);
      assert.match(html, /retirer cette autorisation à tout moment/);
      assert.match(html, /votre consentement \(RGPD/);
    },
  });
  assert.equal(params.iss, base, 'RFC 9207: the issuer comes back with the code');
  assert.match(tokens.access_token, /^cat_/);
  assert.match(tokens.refresh_token, /^crt_/);
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.expires_in > 500 && tokens.expires_in <= 600);
  assert.equal(tokens.scope, 'doctype:bank.transaction field:date field:amount period:2024-01-01/2024-04-01 op:read');

  // the code serves once
  await assert.rejects(client.oauthCallback(REDIRECT, params, { state, code_verifier: codeVerifier }),
    (e) => e instanceof errors.OPError && e.error === 'invalid_grant');
  // ... and its replay revoked what it gave (RFC 6749 §4.1.2)
  let r = await bearer(tokens.access_token, '/api/v1/records/bank.transaction');
  assert.equal(r.status, 401);

  // a fresh authorization; alice's session is there now: straight to consent
  const { tokens: t1 } = await authorize(client, scope, { session: alice });
  r = await bearer(t1.access_token, '/api/v1/records/bank.transaction');
  assert.equal(r.status, 200, await r.clone().text());
  const page = await r.json();
  assert.equal(page.items.length, 1, 'only the period of the consent');
  assert.equal(page.items[0].data.amount, -42.5);
  assert.equal(page.items[0].data.label, undefined, 'only the fields of the consent');
  // outside the scope
  r = await bearer(t1.access_token, '/api/v1/records/calendar.event');
  assert.equal(r.status, 403);
  r = await bearer(t1.access_token, '/api/v1/me');
  assert.equal(r.status, 403);

  // introspection (RFC 7662): active, a pairwise subject, not alice's id
  let info = await client.introspect(t1.access_token);
  assert.equal(info.active, true);
  assert.equal(info.client_id, reg.client_id);
  assert.equal(info.scope, t1.scope);
  assert.match(info.sub, /^[0-9a-f]{64}$/);
  const me = await (await api(alice, 'GET', '/api/v1/me')).json();
  assert.notEqual(info.sub, me.id);

  // refresh: rotation
  const t2 = await client.refresh(t1);
  assert.notEqual(t2.refresh_token, t1.refresh_token);
  assert.notEqual(t2.access_token, t1.access_token);
  r = await bearer(t2.access_token, '/api/v1/records/bank.transaction');
  assert.equal(r.status, 200);
  // the old refresh token used again: refused, and the family dies
  await assert.rejects(client.refresh(t1.refresh_token),
    (e) => e instanceof errors.OPError && e.error === 'invalid_grant');
  r = await bearer(t2.access_token, '/api/v1/records/bank.transaction');
  assert.equal(r.status, 401, 'a replayed refresh token revokes the whole family');
  info = await client.introspect(t2.refresh_token);
  assert.equal(info.active, false);

  // revocation (RFC 7009)
  const { tokens: t3 } = await authorize(client, scope, { session: alice });
  await client.revoke(t3.refresh_token, 'refresh_token');
  r = await bearer(t3.access_token, '/api/v1/records/bank.transaction');
  assert.equal(r.status, 401, 'revoking a refresh token revokes its access tokens');
  await client.revoke('cat_unknown-token');
});

test('refusal at the consent screen', async () => {
  const reg = await register({ token_endpoint_auth_method: 'none' });
  const client = new issuer.Client({
    client_id: reg.client_id, token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT],
  });
  const { params } = await authorize(client, 'doctype:bank.transaction', { session: alice, give: false });
  assert.equal(params.error, 'access_denied');
  const list = await (await api(alice, 'GET', '/api/v1/consents')).json();
  const mine = list.items.find((g) => g.grantee.id === reg.client_id);
  assert.equal(mine.status, 'refused');
  assert.deepEqual(mine.history.map((h) => h.status), ['requested', 'refused']);
});

test('confidential client (client_secret_basic); withdrawal stops the next request', async () => {
  const reg = await register({ token_endpoint_auth_method: 'client_secret_basic' });
  assert.match(reg.client_secret, /^ccs_/);
  const client = new issuer.Client({
    client_id: reg.client_id, client_secret: reg.client_secret,
    token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [REDIRECT],
  });
  const { tokens } = await authorize(client, 'doctype:bank.transaction', {
    session: alice,
    check: (html) => assert.match(html, /Toutes les informations/),
  });
  let r = await bearer(tokens.access_token, '/api/v1/records/bank.transaction');
  assert.equal(r.status, 200);
  assert.equal((await r.json()).items.length, 2);

  // a wrong secret is refused
  const impostor = new issuer.Client({
    client_id: reg.client_id, client_secret: 'ccs_wrong', token_endpoint_auth_method: 'client_secret_basic',
  });
  await assert.rejects(impostor.introspect(tokens.access_token),
    (e) => e instanceof errors.OPError && e.error === 'invalid_client');

  // the consent as alice sees it: requested by the service, then given by her
  const grant = tokens.grant_id;
  const seen = await (await api(alice, 'GET', `/api/v1/consents/${grant}`)).json();
  assert.deepEqual(seen.history.map((h) => h.status), ['requested', 'given']);
  assert.equal(seen.grantee.id, reg.client_id);

  // alice withdraws it: the very next request is refused
  r = await api(alice, 'POST', `/api/v1/consents/${grant}/withdraw`);
  assert.equal(r.status, 200);
  r = await bearer(tokens.access_token, '/api/v1/records/bank.transaction');
  assert.ok(r.status === 401 || r.status === 403, `refused after withdrawal, got ${r.status}`);
  const info = await client.introspect(tokens.access_token);
  assert.equal(info.active, false);
  await assert.rejects(client.refresh(tokens),
    (e) => e instanceof errors.OPError && e.error === 'invalid_grant');
});
