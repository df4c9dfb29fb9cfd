// share-export.e2e.mjs - a resident shares her allowances with a social
// worker, behind a passcode; the worker opens it (a wrong code first),
// sees the data under the banner saying whose it is, writes a note; the
// resident sees the view counted and stops the share, which the worker
// then finds gone. Then the resident exports all her data as one file.
// French.
//
// Usage: node tests/e2e/share-export.e2e.mjs PATH/TO/commune
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as e2e from './lib.mjs';
import { people } from './lib.mjs';

let ctx;

before(async () => {
  ctx = await e2e.setup();
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

const PURPOSE = 'Demande au fonds de solidarité logement';

test('share with a social worker, who views it as a worker; stop it', async () => {
  const resident = await open(people.resident);
  await resident.getByRole('link', { name: 'Partages', exact: true }).click();
  await resident.getByLabel('Identifiant de la personne').fill(people.professional.handle);
  await resident.getByLabel('Motif').fill(PURPOSE);
  await resident.getByLabel('Versement de prestation sociale').check();
  await resident.getByLabel('Code (facultatif)').fill('tulipe-4821');
  await resident.getByRole('button', { name: 'Partager' }).click();
  await resident.getByRole('status').filter({ hasText: 'Partage créé avec sophie.' }).waitFor();
  await e2e.axe(resident, 'shares-fr');
  await e2e.screenshots(resident, 'shares-fr');

  const worker = await open(people.professional);
  await worker.getByRole('link', { name: 'Partages reçus' }).click();
  await worker.getByRole('link', { name: PURPOSE }).click();
  await worker.getByLabel('Code donné par la personne').fill('pas-le-bon-code');
  await worker.getByRole('button', { name: 'Ouvrir le partage' }).click();
  await worker.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await worker.getByRole('region', { name: 'Données d\'une autre personne' }).count(), 0, 'a wrong code opens nothing');
  await worker.getByLabel('Code donné par la personne').fill('tulipe-4821');
  await worker.getByRole('button', { name: 'Ouvrir le partage' }).click();
  const banner = worker.getByRole('region', { name: 'Données d\'une autre personne' });
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(`Vous consultez les données d'une autre personne, pour : ${PURPOSE}`));
  const table = worker.getByRole('table').filter({ hasText: 'Versement de prestation sociale' });
  await table.waitFor();
  assert.ok(await table.locator('tbody tr').count() > 0, 'the shared allowances are shown');
  assert.equal(await worker.getByRole('table').filter({ hasText: 'Opération bancaire' }).count(), 0, 'nothing that was not shared');
  await worker.getByLabel('Votre note').fill('Dossier reçu, rendez-vous jeudi.');
  await worker.getByRole('button', { name: 'Envoyer la note' }).click();
  await worker.getByRole('status').filter({ hasText: 'Note envoyée.' }).waitFor();
  await e2e.axe(worker, 'inbox-share-fr');
  await e2e.screenshots(worker, 'inbox-share-fr');

  await resident.reload();
  const card = resident.getByRole('listitem').filter({ has: resident.getByRole('heading', { name: 'sophie (personne)' }) });
  await card.waitFor();
  assert.doesNotMatch(await card.innerText(), /Utilisations\s+0 fois/, 'the worker\'s view is counted');
  await card.getByRole('button', { name: 'Arrêter ce partage' }).click();
  await card.getByRole('button', { name: 'Oui, arrêter' }).click();
  await resident.getByRole('status').filter({ hasText: 'Partage arrêté : sophie (personne) ne voit plus vos données.' }).waitFor();

  await worker.reload();
  await worker.getByRole('alert').filter({ hasText: 'Ce n\'est plus disponible.' }).waitFor();
  assert.equal(await worker.getByRole('table').count(), 0, 'the data is gone for the worker');
  assert.deepEqual(e2e.pageErrors(worker), [], 'no uncaught exception (worker)');
  await worker.context().close();
  assert.deepEqual(e2e.pageErrors(resident), [], 'no uncaught exception (resident)');
  await resident.context().close();
});

test('export all my data as one file', async () => {
  const page = await open(people.resident);
  await page.getByRole('link', { name: 'Mon compte' }).click();
  const download = page.waitForEvent('download', { timeout: 60000 });
  await page.getByRole('button', { name: 'Télécharger toutes mes données' }).click();
  const file = await (await download).path();
  const data = JSON.parse(readFileSync(file, 'utf8'));
  await page.getByRole('status').filter({ hasText: /Fichier prêt/ }).waitFor();

  // the file has what the API has
  const api = (p) => page.evaluate(async (q) => (await fetch(`/api/v1${q}`)).json(), p);
  const allowances = [];
  for (let cursor = null, first = true; first || cursor; first = false) {
    const r = await api(`/records/social.allowance?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    allowances.push(...r.items);
    cursor = r.next_cursor;
  }
  assert.equal(data.person.handle, people.resident.handle);
  assert.equal(data.records['social.allowance'].length, allowances.length, 'every allowance');
  const series = (await api('/series')).items;
  assert.equal(data.series.length, series.length, 'every series');
  for (const s of series)
    assert.equal(data.series.find((x) => x.id === s.id).data.length, s.points, `every point of ${s.doctype}`);
  assert.ok(data.audit.length > 0 && data.consents.length > 0, 'the log and the consents');
  await e2e.axe(page, 'account-fr');
  await e2e.screenshots(page, 'account-fr');
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});
