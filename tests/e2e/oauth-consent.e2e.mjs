// oauth-consent.e2e.mjs - a real OAuth 2.0 flow (authorization code with
// PKCE): a city service asks the resident for her bank transactions; she
// allows it on commune's consent page; the service reads with its token;
// the web application's consents page shows the service and its use; she
// withdraws the consent there, and the service's next read is refused.
// French.
//
// Usage: node tests/e2e/oauth-consent.e2e.mjs PATH/TO/commune
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import * as e2e from './lib.mjs';
import { people } from './lib.mjs';

const REDIRECT = 'http://127.0.0.1:9/rappel';
const SERVICE = 'Budget Malin (e2e)';
let ctx;
let client;

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

before(async () => {
  ctx = await e2e.setup();
  // an agent of the city registers the service, as a public client (PKCE)
  const login = await fetch(`${ctx.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ handle: people.agent.handle, password: people.agent.password }),
  });
  const { csrf } = await login.json();
  const r = await fetch(`${ctx.url}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: login.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': csrf },
    body: JSON.stringify({
      client_name: SERVICE, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none',
      purpose_dpv: 'ServiceProvision', purpose_fr: 'Suivre votre budget mois après mois.',
      purpose_en: 'Follow your budget month after month.',
    }),
  });
  assert.equal(r.status, 201, 'the service is registered');
  client = await r.json();
});

after(async () => {
  await e2e.teardown(ctx);
});

test('allow a service through OAuth, see its use, withdraw it: its next read is refused', async () => {
  const page = await e2e.newPage(ctx.browser, 'fr');
  await page.goto(ctx.url);
  await e2e.useLanguage(page, 'fr');
  await e2e.login(page, 'fr', people.resident.handle, people.resident.password);

  // the service sends her to the consent page; its redirect is caught here
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(9));
  let back = null;
  await page.route(`${REDIRECT}**`, (route) => {
    back = new URL(route.request().url());
    route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' });
  });
  const q = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, state,
    code_challenge: challenge, code_challenge_method: 'S256', scope: 'doctype:bank.transaction',
  });
  await page.goto(`${ctx.url}/oauth/authorize?${q}`);
  assert.match(await page.locator('body').innerText(), new RegExp(SERVICE.replace(/[()]/g, '\\$&')), 'the page names the service');
  await page.getByRole('button', { name: 'Autoriser' }).click();
  await page.waitForURL(`${REDIRECT}**`);
  assert.ok(back, 'back to the service');
  assert.equal(back.searchParams.get('state'), state);

  const tok = await fetch(`${ctx.url}/oauth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code'),
      client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  assert.equal(tok.status, 200, 'the code gives a token');
  const { access_token: token } = await tok.json();
  const read = () => fetch(`${ctx.url}/api/v1/records/bank.transaction?limit=3`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await read()).status, 200, 'the service reads her transactions');

  // the web application: the service, what for, used once; withdrawn in one click and a confirmation
  await page.goto(`${ctx.url}/#/consents`);
  await page.getByRole('heading', { level: 1, name: 'Mes consentements' }).waitFor();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: new RegExp(`${SERVICE.replace(/[()]/g, '\\$&')} \\(service\\)`) }) });
  const text = await card.innerText();
  assert.match(text, /Suivre votre budget mois après mois\./);
  assert.match(text, /Opération bancaire/);
  assert.match(text, /Utilisations\s+1 fois/, 'the read is counted');
  await card.getByRole('button', { name: 'Retirer ce consentement' }).click();
  await card.getByRole('button', { name: 'Oui, retirer' }).click();
  await page.getByRole('status').filter({ hasText: /Consentement retiré/ }).waitFor();
  const after = await read();
  assert.ok(after.status === 401 || after.status === 403, `the service's next read is refused (${after.status})`);
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});
