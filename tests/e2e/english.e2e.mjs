// english.e2e.mjs - the app in English, from the browser's language: the
// home page's domains, the explorer's records page after page, the
// consents page; then the language switch to French is kept across a
// reload (localStorage), and back.
//
// Usage: node tests/e2e/english.e2e.mjs PATH/TO/commune
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

test('English: home by domain, records page after page, consents; the switch is remembered', async () => {
  const page = await e2e.newPage(ctx.browser, 'en');
  await page.goto(ctx.url);
  assert.match(await e2e.htmlLang(page), /^en/, 'English from the browser\'s language, without a choice');
  await e2e.login(page, 'en', people.resident.handle, people.resident.password);
  await page.getByRole('heading', { level: 1, name: `Hello ${people.resident.handle}` }).waitFor();
  for (const domain of ['Energy and water', 'Mobility', 'Money', 'Social', 'Documents'])
    await page.getByRole('heading', { level: 2, name: domain }).waitFor();
  // each series' card loads on its own: wait for the electricity one
  const region = page.getByRole('region', { name: 'Energy and water' });
  await region.getByText(/\d kWh/).first().waitFor();
  const energy = await region.innerText();
  assert.match(energy, /[\d,]+ kWh\s+in [A-Z][a-z]+ 20\d\d/, 'the latest month\'s electricity in kWh');

  await page.getByRole('link', { name: 'See all my transactions' }).click();
  await page.getByRole('heading', { level: 1, name: 'My data' }).waitFor();
  const caption = page.getByRole('table').locator('caption');
  await caption.waitFor();
  assert.match(await caption.innerText(), /^Bank transaction: 50 rows shown, most recent first$/);
  await page.getByRole('button', { name: 'Show more' }).click();
  await page.getByText('Bank transaction: 100 rows shown, most recent first').waitFor();
  assert.equal(await page.getByRole('table').locator('tbody tr').count(), 100);
  await e2e.axe(page, 'explorer-records-en');
  await e2e.screenshots(page, 'explorer-records-en');

  // the trips of the latest month, drawn as lines: as many lines as the map says
  await page.getByRole('link', { name: 'Home' }).click();
  await page.getByRole('link', { name: 'See my trips' }).click();
  const map = page.getByRole('img', { name: /^Map: \d+ trips in [A-Z][a-z]+ 20\d\d/ });
  await map.waitFor();
  const trips = Number((await map.getAttribute('aria-label')).match(/^Map: (\d+) trips/)[1]);
  assert.ok(trips > 0, 'some trips');
  assert.equal(await map.locator('line').count(), trips, 'one line a trip');
  await e2e.axe(page, 'explorer-trips-en');
  await e2e.screenshots(page, 'explorer-trips-en');

  await page.getByRole('link', { name: 'Consents' }).click();
  await page.getByRole('heading', { level: 1, name: 'My consents' }).waitFor();
  await page.getByRole('button', { name: 'Withdraw this consent' }).first().waitFor();
  await e2e.axe(page, 'consents-en');

  // the switch to French, kept across a reload
  await page.getByRole('button', { name: e2e.ui.language }).click();
  await page.getByRole('heading', { level: 1, name: 'Mes consentements' }).waitFor();
  assert.match(await e2e.htmlLang(page), /^fr/);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Mes consentements' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('lang')), 'fr', 'the choice is kept');
  await page.getByRole('button', { name: e2e.ui.language }).click();
  await page.getByRole('heading', { level: 1, name: 'My consents' }).waitFor();
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});
