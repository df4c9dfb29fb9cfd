// campaign-vote.e2e.mjs - a resident reads a campaign in plain words, joins
// it and withdraws from it; reads the published results of another; then,
// as a member of the energy cooperative, votes on its open proposal,
// changes the vote, and speaks in the debate. French.
//
// Usage: node tests/e2e/campaign-vote.e2e.mjs PATH/TO/commune
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import * as e2e from './lib.mjs';
import { people } from './lib.mjs';

let ctx;
let page;

before(async () => {
  ctx = await e2e.setup();
  page = await e2e.newPage(ctx.browser, 'fr');
  await page.goto(ctx.url);
  await e2e.useLanguage(page, 'fr');
  await e2e.login(page, 'fr', people.resident.handle, people.resident.password);
});

after(async () => {
  if (page) await page.context().close();
  await e2e.teardown(ctx);
});

// participation - what the server says of h000001 in the campaign, through the page's session
const participation = (id) => page.evaluate(async (cid) => {
  const r = await fetch(`/api/v1/campaigns/${cid}`);
  return (await r.json()).participation || null;
}, id);

test('a campaign in plain words: join, then withdraw', async () => {
  await page.getByRole('link', { name: 'Campagnes' }).click();
  await page.getByRole('heading', { level: 1, name: 'Campagnes' }).waitFor();
  await page.getByRole('link', { name: 'Profil horaire d\'électricité de Villebrune, janvier 2025' }).click();
  await page.getByRole('heading', { level: 1, name: /Profil horaire/ }).waitFor();
  const id = page.url().split('/').pop();
  const plain = await page.getByRole('region', { name: 'En clair' }).innerText();
  assert.match(plain, /Ce qui sort de votre espace/);
  assert.match(plain, /Rien de vos données brutes/, 'the server\'s plain words are shown');
  assert.match(plain, /Qui décide/);
  assert.equal(await participation(id), null, 'not joined yet');

  await page.getByRole('button', { name: 'Participer à cette campagne' }).click();
  await page.getByRole('status').filter({ hasText: 'Vous participez à cette campagne.' }).waitFor();
  const joined = await participation(id);
  assert.ok(joined && joined.joined && !joined.withdrawn, 'the server has the participation');
  await e2e.axe(page, 'campaign-fr');
  await e2e.screenshots(page, 'campaign-fr');

  await page.getByRole('button', { name: 'Me retirer de cette campagne' }).click();
  await page.getByRole('button', { name: 'Oui, me retirer' }).click();
  await page.getByRole('status').filter({ hasText: 'Vous ne participez plus à cette campagne.' }).waitFor();
  const left = await participation(id);
  assert.ok(left && left.withdrawn, 'the server has the withdrawal');
  // the page reads the campaign again: one may join again
  await page.getByRole('button', { name: 'Participer à cette campagne' }).waitFor();
});

test('the published results of a campaign', async () => {
  await page.getByRole('link', { name: '← Toutes les campagnes' }).click();
  await page.getByRole('link', { name: 'Électricité des foyers par type de chauffage, janvier 2025' }).click();
  await page.getByRole('heading', { name: 'Résultats publiés' }).waitFor();
  const table = page.getByRole('table').filter({ hasText: 'heating_type' });
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), 7, 'one row per heating type');
  assert.equal(await page.getByText('La campagne est calculée').count(), 1, 'no joining once computed');
  await e2e.axe(page, 'campaign-results-fr');
});

test('vote in the cooperative, change the vote, speak in the debate', async () => {
  await page.getByRole('link', { name: 'Coopérative et régie' }).click();
  await page.getByRole('link', { name: 'Coopérative Énergie Citoyenne' }).click();
  await page.getByRole('link', { name: /Prévoir la production locale/ }).click();
  await page.getByRole('heading', { level: 1, name: /Prévoir la production locale/ }).waitFor();

  await page.getByRole('radio', { name: 'Contre' }).check();
  await page.getByRole('button', { name: 'Voter' }).click();
  await page.getByRole('status').filter({ hasText: 'Votre vote est enregistré : Contre.' }).waitFor();
  await page.reload();
  await page.getByText('Vous avez voté : Contre.').waitFor();
  assert.equal(await page.getByRole('radio', { name: 'Contre' }).isChecked(), true, 'the vote is kept');

  await page.getByRole('radio', { name: 'Pour' }).check();
  await page.getByRole('button', { name: 'Changer mon vote' }).click();
  await page.getByRole('status').filter({ hasText: 'Votre vote est enregistré : Pour.' }).waitFor();
  const id = page.url().split('/').pop();
  const mine = await page.evaluate(async (pid) => (await (await fetch(`/api/v1/proposals/${pid}`)).json()).my_vote, id);
  assert.equal(mine && (mine.vote || mine), 'yes', 'the server has the new vote');

  const words = 'Pour, si le bilan de production est publié chaque année.';
  await page.getByLabel('Votre commentaire').fill(words);
  await page.getByRole('button', { name: 'Publier' }).click();
  await page.getByRole('status').filter({ hasText: 'Commentaire publié.' }).waitFor();
  const debate = page.getByRole('region', { name: 'Débat' });
  await debate.getByText(words).waitFor();
  assert.match(await debate.innerText(), /h000001/, 'the comment names its author');
  await e2e.axe(page, 'proposal-fr');
  await e2e.screenshots(page, 'proposal-fr');
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
});
