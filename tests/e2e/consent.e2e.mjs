// consent.e2e.mjs - a resident sees what a consent gave a social worker
// (what, what for, how often used), withdraws it with the keyboard only
// (after a confirmation that Escape cancels), the worker's next read is
// refused, and the audit timeline says who read what, when and why.
// French.
//
// Usage: node tests/e2e/consent.e2e.mjs PATH/TO/commune
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import * as e2e from './lib.mjs';
import { people } from './lib.mjs';

let ctx;

before(async () => {
  ctx = await e2e.setup();
});

after(async () => {
  await e2e.teardown(ctx);
});

// session - logs in through the API: {call(path, opts)} with its cookie and CSRF token.
async function session(url, who) {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ handle: who.handle, password: who.password }),
  });
  assert.equal(r.status, 200, `${who.handle} logs in`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const { csrf } = await r.json();
  return {
    call: (path, { method = 'GET', body, headers = {} } = {}) => fetch(`${url}/api/v1${path}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    }),
  };
}

const PURPOSE = 'Préparer le dossier d\'aide au logement';

test('withdraw a consent with the keyboard; the worker is refused at once; the log says why', async () => {
  const resident = await session(ctx.url, people.resident);
  const worker = await session(ctx.url, people.professional);
  const given = await resident.call('/consents', {
    method: 'POST',
    body: {
      grantee: { kind: 'person', handle: people.professional.handle },
      purpose: { dpv: 'ServiceProvision', text: { fr: PURPOSE, en: 'Prepare the housing aid file' } },
      legal_basis: 'consent',
      scope: { doctypes: ['bank.transaction'], operations: ['read'] },
    },
  });
  assert.equal(given.status, 201, 'the consent is given');
  const consent = await given.json();
  const read = await worker.call('/records/bank.transaction?limit=2', { headers: { 'Commune-Consent': consent.id } });
  assert.equal(read.status, 200, 'the worker reads under the consent');

  const page = await e2e.newPage(ctx.browser, 'fr');
  await page.goto(ctx.url);
  await e2e.useLanguage(page, 'fr');
  await e2e.login(page, 'fr', people.resident.handle, people.resident.password);
  await page.getByRole('link', { name: 'Consentements' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Mes consentements' }).waitFor();

  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /sophie \(personne\)/ }) });
  const text = await card.innerText();
  assert.match(text, new RegExp(PURPOSE), 'what for');
  assert.match(text, /Opération bancaire/, 'which data');
  assert.match(text, /Utilisations\s+1 fois/, 'used once');
  await e2e.axe(page, 'consents-fr');
  await e2e.screenshots(page, 'consents-fr');

  // keyboard only: Enter asks, focus on "Annuler"; Escape cancels and gives the focus back
  const withdraw = card.getByRole('button', { name: 'Retirer ce consentement' });
  await withdraw.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.textContent === 'Annuler');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.activeElement.textContent === 'Retirer ce consentement');
  assert.equal(await card.getByRole('button', { name: 'Oui, retirer' }).count(), 0, 'Escape cancelled');
  const still = await worker.call('/records/bank.transaction?limit=1', { headers: { 'Commune-Consent': consent.id } });
  assert.equal(still.status, 200, 'nothing withdrawn yet');

  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.textContent === 'Annuler');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Oui, retirer');
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'Consentement retiré : sophie (personne)' }).waitFor();

  const refused = await worker.call('/records/bank.transaction?limit=1', { headers: { 'Commune-Consent': consent.id } });
  assert.equal(refused.status, 403, 'the worker\'s next read is refused');

  // the past consents keep it, withdrawn
  await page.getByRole('button', { name: 'Afficher 1 consentement passé' }).click();
  const past = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /sophie \(personne\) retiré/ }) });
  await past.waitFor();

  // the log: who read what, when and why
  await page.getByRole('link', { name: 'Journal des accès' }).click();
  await page.getByRole('heading', { level: 1, name: 'Journal des accès' }).waitFor();
  const entries = page.getByRole('listitem');
  const readEntry = entries.filter({ hasText: 'sophie (personne) — a lu : bank.transaction' });
  await readEntry.first().waitFor();
  assert.match(await readEntry.first().innerText(), new RegExp(`Pourquoi : ${PURPOSE}`));
  assert.equal(await entries.filter({ hasText: 'Vous — a retiré un consentement' }).count(), 1, 'the withdrawal is in the log');
  await page.getByRole('button', { name: 'Vérifier que le journal est intact' }).click();
  await page.getByRole('status').filter({ hasText: /Le journal est intact/ }).waitFor();
  await e2e.axe(page, 'audit-fr');
  await e2e.screenshots(page, 'audit-fr');
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});
