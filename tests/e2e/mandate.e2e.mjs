// mandate.e2e.mjs - a digital mediator asks a resident for a mandate to
// import her files; she accepts it in her space; the mediator acts for her
// under a banner shown on every page and imports her Enedis file; her
// imports and her log say it was the mediator, under the mandate; she ends
// it. French.
//
// Usage: node tests/e2e/mandate.e2e.mjs PATH/TO/commune
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import * as e2e from './lib.mjs';
import { people } from './lib.mjs';

const fixture = path.join(e2e.fixtures, 'enedis/Enedis_Conso_Heure_20230809-20240725_1429xxxxxxxxxx.csv');
const mediator = { handle: 'mediatrice.e2e', password: 'mediatrice-e2e-2026' };
let ctx;

before(async () => {
  ctx = await e2e.setup();
  // the demo has no mediator: the administrator makes one
  const r = await fetch(`${ctx.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ handle: people.admin.handle, password: people.admin.password }),
  });
  const { csrf } = await r.json();
  const made = await fetch(`${ctx.url}/api/v1/persons`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: r.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': csrf },
    body: JSON.stringify({ ...mediator, role: 'mediator' }),
  });
  assert.equal(made.status, 201, 'the mediator exists');
});

after(async () => {
  await e2e.teardown(ctx);
});

async function open(who) {
  const page = await e2e.newPage(ctx.browser, 'fr');
  await page.goto(ctx.url);
  await e2e.useLanguage(page, 'fr');
  await e2e.login(page, 'fr', who.handle, who.password);
  return page;
}

test('a mediator imports a resident\'s file under her mandate, under the acting banner', async () => {
  const helper = await open(mediator);
  await helper.getByRole('link', { name: 'Mandats' }).click();
  await helper.getByLabel('Identifiant de la personne').fill(people.resident.handle);
  await helper.getByRole('button', { name: 'Demander le mandat' }).click();
  await helper.getByRole('status').filter({ hasText: `Mandat demandé à ${people.resident.handle}` }).waitFor();
  await helper.getByRole('heading', { name: `Pour ${people.resident.handle}` }).waitFor();
  assert.equal(await helper.getByRole('button', { name: 'Agir pour cette personne' }).count(), 0, 'nothing before she accepts');

  const resident = await open(people.resident);
  await resident.getByRole('link', { name: 'Mandats' }).click();
  const asked = resident.getByRole('listitem').filter({ has: resident.getByRole('heading', { name: `Demandé par ${mediator.handle}` }) });
  assert.match(await asked.innerText(), /importer des fichiers/, 'she sees what it allows');
  await asked.getByRole('button', { name: 'Accepter ce mandat' }).click();
  await resident.getByRole('status').filter({ hasText: 'Mandat accepté' }).waitFor();
  await e2e.axe(resident, 'mandates-fr');

  await helper.reload();
  await helper.getByRole('button', { name: 'Agir pour cette personne' }).click();
  const banner = helper.getByRole('region', { name: 'Vous agissez pour une autre personne' });
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(`Vous agissez pour ${people.resident.handle}, sous mandat \\(importer des fichiers\\)`));
  await helper.getByRole('heading', { level: 1, name: `Importer pour ${people.resident.handle}` }).waitFor();
  await helper.getByLabel('Fichiers à importer').setInputFiles(fixture);
  await helper.getByRole('button', { name: 'Importer', exact: true }).click();
  await helper.getByRole('status').filter({ hasText: 'Import terminé.' }).waitFor({ timeout: 30000 });
  await e2e.axe(helper, 'import-for-fr');
  await e2e.screenshots(helper, 'import-for-fr');
  await helper.getByRole('link', { name: 'Accueil' }).click();
  await banner.waitFor();

  // her side: the import is hers, made by the mediator under the mandate
  const imports = await resident.evaluate(async () => (await (await fetch('/api/v1/imports')).json()).items);
  const mine = imports.find((i) => i.name === path.basename(fixture));
  assert.ok(mine && mine.status === 'done', 'the file is imported into her store');
  assert.match(mine.by, /^mediator:[0-9a-f]{32}\/mandate:[0-9a-f]{32}$/, 'by the mediator, under the mandate');
  await resident.getByRole('link', { name: 'Journal des accès' }).click();
  await resident.getByRole('listitem').filter({ hasText: 'Un médiateur — a importé un fichier' }).first().waitFor();

  // she ends it; the mediator can no longer import
  await resident.getByRole('link', { name: 'Mandats' }).click();
  await resident.getByRole('button', { name: 'Mettre fin au mandat' }).click();
  await resident.getByRole('button', { name: 'Oui, y mettre fin' }).click();
  await resident.getByRole('status').filter({ hasText: 'Mandat terminé' }).waitFor();
  await helper.getByRole('link', { name: 'Importer', exact: true }).click();
  await helper.getByRole('heading', { level: 1, name: `Importer pour ${people.resident.handle}` }).waitFor();
  await helper.getByLabel('Fichiers à importer').setInputFiles(fixture);
  // the list of earlier imports may already say no; the upload must say so too
  const refusals = helper.getByRole('alert').filter({ hasText: 'Vous n\'avez pas le droit de faire cela.' });
  await helper.waitForTimeout(300);
  const before = await refusals.count();
  await helper.getByRole('button', { name: 'Importer', exact: true }).click();
  await helper.waitForFunction((n) => [...document.querySelectorAll('[role=alert]')]
    .filter((a) => a.textContent.includes('Vous n\'avez pas le droit de faire cela.')).length > n, before);
  assert.equal(await helper.getByRole('status').filter({ hasText: 'Import terminé.' }).count(), 0, 'nothing imported');
  assert.deepEqual(e2e.pageErrors(helper), [], 'no uncaught exception (mediator)');
  assert.deepEqual(e2e.pageErrors(resident), [], 'no uncaught exception (resident)');
  await helper.context().close();
  await resident.context().close();
});
