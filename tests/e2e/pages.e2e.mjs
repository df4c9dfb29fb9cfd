// pages.e2e.mjs - the main pages the other journeys leave out, each with
// axe and screenshots at 360 and 1280 px: a resident runs an app and reads
// its report; a household with a right gets an attestation, whose QR code
// (decoded here from the screenshot's pixels) carries the token, then
// revokes it; the data map and a GDPR letter downloaded; the governance
// bodies and a vote changed by the cooperative member camille; the
// territory console as the city's agent (indicators in counts, a draft
// campaign) and as the administrator (who approves it), the campaign
// computed and published once households have joined; the mandates of a
// mediator, who sees the person named. French.
//
// Usage: node tests/e2e/pages.e2e.mjs PATH/TO/commune
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import jsQR from 'jsqr';

import * as e2e from './lib.mjs';
import { people } from './lib.mjs';

let ctx;

before(async () => {
  ctx = await e2e.setup();
});

after(async () => {
  await e2e.teardown(ctx);
});

// session - logs in through the API: call(path, opts) answers the parsed JSON ({status, body}).
async function session(who) {
  const r = await fetch(`${ctx.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ handle: who.handle, password: who.password }),
  });
  assert.equal(r.status, 200, `${who.handle} logs in`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const { csrf, person } = await r.json();
  const call = async (path, { method = 'GET', body } = {}) => {
    const res = await fetch(`${ctx.url}/api/v1${path}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { call, person };
}

// cli - the commune binary on the territory's data, as the operator would run it.
function cli(args, input) {
  const r = spawnSync(ctx.bin, [...args, '--data', ctx.territory.dir],
    { input, encoding: 'utf8', env: { ...process.env, COMMUNE_PWHASH_COST: 'min' } });
  assert.equal(r.status, 0, `commune ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// open - a new page logged in as WHO, in French, on the home page.
async function open(who) {
  const page = await e2e.newPage(ctx.browser, 'fr');
  await page.goto(ctx.url);
  await e2e.useLanguage(page, 'fr');
  await e2e.login(page, 'fr', who.handle, who.password);
  return page;
}

// visit - follows a link of the main navigation to the page whose h1 is TITLE.
async function visit(page, link, title) {
  await page.getByRole('navigation').getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

const fr = (n) => new Intl.NumberFormat('fr-FR').format(n);

const status = (page, text) => page.getByRole('status').filter({ hasText: text }).waitFor();

// check - axe and the two screenshots of the page as it is.
async function check(page, name) {
  await e2e.axe(page, name);
  await e2e.screenshots(page, name);
}

test('apps: run Coach CO2 in my store and read its report', async () => {
  const page = await open(people.resident);
  const me = await session(people.resident);
  const before = (await me.call('/apps/coach-co2/runs')).body.items.length;
  await visit(page, 'Applications', 'Mes applications');
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 2, name: /Coach CO2/ }) });
  await card.getByRole('button', { name: 'Lancer maintenant' }).click();
  await card.getByRole('status').filter({ hasText: 'Calcul terminé.' }).waitFor();

  const runs = (await me.call('/apps/coach-co2/runs')).body.items;
  assert.equal(runs.length, before + 1, 'the server has one more run');
  const last = runs[0];
  assert.equal(last.outcome, 'ok');
  // the report shown is the server's last run: its records and its figures
  const report = await card.innerText();
  assert.match(report, new RegExp(`${last.records_written} enregistrement\\(s\\) écrit\\(s\\)`));
  // what it reads and writes, named by the doctypes' titles
  const [reads, writes] = await Promise.all(['mobility.trip', 'footprint.co2.monthly'].map(async (d) => (await me.call(`/doctypes/${d}`)).body.title.fr));
  const rights = await card.locator('dl.facts').first().innerText();
  assert.match(rights, new RegExp(`${reads} \\(Début, Mode, Distance \\(m\\)\\)`), `it reads ${reads}: ${rights}`);
  assert.ok(rights.includes(writes), `it writes ${writes}: ${rights}`);
  const facts = await card.locator('dl.facts').last().evaluate((dl) =>
    Object.fromEntries([...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  assert.equal(facts['Déplacements'], fr(last.result.trips), 'the trips counted, named in words');
  assert.equal(facts['Mois'], fr(last.result.months), 'the months, named in words');
  assert.ok(!Object.keys(facts).some((k) => /_/.test(k)), `no raw name in the report: ${Object.keys(facts)}`);
  await check(page, 'apps-fr');
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});

test('the explorer names the columns in words', async () => {
  const page = await open(people.resident);
  await visit(page, 'Mes données', 'Mes données');
  await page.getByLabel('Que voulez-vous voir ?').selectOption({ label: 'Opération bancaire' });
  const headers = page.getByRole('table').getByRole('columnheader');
  await headers.first().waitFor();
  const names = await headers.allInnerTexts();
  for (const words of ['Date', 'Montant', 'Libellé'])
    assert.ok(names.includes(words), `a column "${words}" in ${names}`);
  assert.ok(!names.some((n) => /^[a-z0-9_]+$/.test(n)), `no raw field name: ${names}`);
  await page.context().close();
});

// eligible - the first household of the demo with a right to some rule,
// given a password (the demo gives one to h000001 only, who has none).
async function eligible() {
  for (let i = 0; i < 24; i++) {
    const who = { handle: `h${String(i).padStart(6, '0')}`, password: 'rights-e2e-2026' };
    if (who.handle === people.resident.handle) continue;
    cli(['user', 'passwd', who.handle], `${who.password}\n`);
    const s = await session(who);
    const rules = (await s.call('/eligibility/simulate', { method: 'POST', body: {} })).body.items;
    const rule = rules.find((r) => r.eligible);
    if (rule) return { who, rule, s };
  }
  throw new Error('no household of the demo has a right: the rights page cannot be shown');
}

// decodeQr - the QR code in a PNG's pixels, read by jsQR; the PNG is decoded
// by chromium on a blank page (no Content-Security-Policy there).
async function decodeQr(png) {
  const blank = await ctx.browser.newPage();
  try {
    const { width, height, rgba } = await blank.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = canvas.getContext('2d');
      g.drawImage(bitmap, 0, 0);
      const data = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let s = '';
      for (let i = 0; i < data.length; i += 8192) s += String.fromCharCode(...data.subarray(i, i + 8192));
      return { width: bitmap.width, height: bitmap.height, rgba: btoa(s) };
    }, png.toString('base64'));
    const code = jsQR(new Uint8ClampedArray(Buffer.from(rgba, 'base64')), width, height);
    return code ? code.data : null;
  } finally {
    await blank.close();
  }
}

test('rights: an attestation presented as a QR code and a token, then revoked', async () => {
  const { who, rule, s } = await eligible();
  const title = rule.title.fr;
  const page = await open(who);
  await visit(page, 'Mes droits', 'Mes droits');
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: title }) }).first();
  await card.getByText('vous y avez droit').waitFor();
  await card.getByRole('button', { name: 'Obtenir l\'attestation' }).click();
  await status(page, `Attestation délivrée : ${title}.`);

  const mine = (await s.call('/attestations')).body.items;
  assert.equal(mine.length, 1, 'the server has the attestation');
  const token = (await s.call(`/attestations/${mine[0].id}`)).body.sd_jwt;
  console.log(`# rights: the attestation "${rule.id}" of ${who.handle} is a token of ${token.length} bytes (a QR code holds 2953)`);

  const held = page.getByRole('region', { name: 'Mes attestations' }).getByRole('listitem')
    .filter({ has: page.getByRole('heading', { level: 3, name: title }) });
  await held.getByRole('button', { name: 'Afficher le jeton à présenter' }).click();
  const qr = held.getByRole('img', { name: `QR code de l'attestation « ${title} »` });
  await qr.waitFor();
  assert.equal(await held.getByLabel('Jeton (SD-JWT) à présenter').inputValue(), token, 'the token shown is the server\'s');
  const box = await qr.boundingBox();
  assert.ok(box.width >= 200 && Math.abs(box.width - box.height) < 1, `a square code, large enough to scan (${box.width} px)`);
  const read = await decodeQr(await qr.screenshot());
  assert.equal(read, token, 'the QR code on the screen holds the token');
  await check(page, 'rights-fr');

  await held.getByRole('button', { name: 'Révoquer l\'attestation' }).click();
  await page.getByRole('button', { name: 'Oui, révoquer' }).click();
  await status(page, 'Attestation révoquée.');
  await held.getByText('révoquée', { exact: true }).waitFor();
  assert.equal(await held.getByRole('img').count(), 0, 'no code is offered for a revoked attestation');
  const after = (await s.call(`/attestations/${mine[0].id}`)).body;
  assert.equal(after.status, 'revoked', 'the server has revoked it');
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});

test('get my data back: the data map, a portability letter downloaded', async () => {
  const page = await open(people.resident);
  const me = await session(people.resident);
  const holders = (await me.call('/datamap')).body.holders;
  await visit(page, 'Récupérer mes données', 'Récupérer mes données');
  const map = page.getByRole('region', { name: 'Qui détient quoi' });
  for (const h of holders)
    await map.getByRole('heading', { level: 3, name: h.name, exact: true }).waitFor();
  // every way to get one's data says what it is, even those the data map gives no note
  const bare = await map.getByRole('listitem').filter({ hasText: /^\s*Y aller(\s*\([^)]*\))?\s*$/ }).count();
  assert.equal(bare, 0, 'no link left without words');
  const first = holders[0];
  await map.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: first.name, exact: true }) })
    .getByRole('button', { name: 'Rédiger une demande de portabilité' }).click();
  await status(page, `Demande rédigée pour ${first.name}`);
  const requests = page.getByRole('region', { name: 'Mes demandes' });
  const request = requests.getByRole('listitem').filter({ hasText: first.name });
  await request.getByText('à envoyer').waitFor();

  const download = page.waitForEvent('download');
  await request.getByRole('button', { name: 'Télécharger la lettre' }).click();
  const letter = readFileSync(await (await download).path(), 'utf8');
  const asked = (await me.call('/portability')).body.items.find((q) => q.holder === first.id);
  assert.ok(asked, 'the server has the request');
  assert.equal(letter, (await me.call(`/portability/${asked.id}`)).body.letter, 'the letter downloaded is the server\'s');
  assert.match(letter, /20/, 'the letter cites the right to portability (article 20)');
  await check(page, 'holders-fr');
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});

test('governance: the bodies, a proposal, camille changes her vote', async () => {
  const page = await open(people.member);
  const camille = await session(people.member);
  const bodies = (await camille.call('/bodies')).body.items;
  await visit(page, 'Coopérative et régie', 'Coopérative et régie de données');
  for (const b of bodies)
    await page.getByRole('heading', { level: 2, name: new RegExp(b.name) }).waitFor();
  await check(page, 'governance-fr');

  await page.getByRole('link', { name: 'Coopérative Énergie Citoyenne' }).click();
  await page.getByRole('link', { name: /Prévoir la production locale/ }).click();
  await page.getByRole('heading', { level: 1, name: /Prévoir la production locale/ }).waitFor();
  // the demo has camille vote for it: the page says so, and she changes her mind
  await page.getByText('Vous avez voté : Pour.').waitFor();
  await page.getByRole('radio', { name: 'Abstention' }).check();
  await page.getByRole('button', { name: 'Changer mon vote' }).click();
  await status(page, 'Votre vote est enregistré : Abstention.');
  const id = page.url().split('/').pop();
  const mine = (await camille.call(`/proposals/${id}`)).body.my_vote;
  assert.equal(mine && (mine.vote || mine), 'abstain', 'the server has the new vote');
  await check(page, 'proposal-camille-fr');
  assert.deepEqual(e2e.pageErrors(page), [], 'no uncaught exception');
  await page.context().close();
});

// A draft of the city's, on March 2025 (a period that has ended).
const DRAFT_TITLE = 'Électricité des foyers par type de chauffage, mars 2025';
const draft = (org) => ({
  title: { fr: DRAFT_TITLE, en: 'Household electricity by heating type, March 2025' },
  purpose: { fr: 'Suivre la consommation d\'électricité des foyers en mars.', en: 'Follow household electricity use in March.' },
  organisation: org,
  source: { series: 'energy.electricity.load_curve' },
  period: { from: '2025-03-01', to: '2025-04-01' },
  group_by: ['heating_type'],
  measures: [{ kind: 'count' }, { kind: 'mean', clip: [0, 6000] }],
  privacy: { k: 11, mechanism: 'laplace', epsilon: '2', max_cells_per_person: 1 },
  opens: '2025-04-02T00:00:00Z',
  closes: '2030-01-01T00:00:00Z',
  governance: { body: 'operator' },
  licence: 'etalab-2.0',
});

// indicators - the console's indicators as {term: text}.
const indicators = (page) => page.getByRole('region', { name: 'Indicateurs d\'usage' }).evaluate((s) =>
  Object.fromEntries([...s.querySelectorAll('dt')].map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()])));

test('the territory console: the agent drafts, the admin approves, the agent computes and publishes', async () => {
  const agentApi = await session(people.agent);
  const campaigns = (await agentApi.call('/campaigns')).body.items;
  const published = campaigns.find((c) => c.state === 'published');

  const agent = await open(people.agent);
  await visit(agent, 'Territoire', 'Console du territoire');
  let shown = await indicators(agent);
  assert.equal(shown.Campagnes, fr(campaigns.length), 'the campaigns, counted');
  assert.equal(shown['Participations aux campagnes'], fr(campaigns.reduce((a, c) => a + (c.participants || 0), 0)));
  assert.equal(shown['Habitants inscrits'], undefined, 'the agent sees no count of persons');
  assert.equal(shown['Consentements en vigueur'], fr((await agentApi.call('/consents/stats')).body.in_force),
    'the consents in force, counted by the server');
  for (const v of Object.values(shown)) assert.match(v, /^[\d\s\u202f]+(\(.*\))?$/, 'counts only');
  await agent.getByLabel('Définition de la campagne (JSON)').fill(JSON.stringify(draft(published.organisation), null, 1));
  await agent.getByRole('button', { name: 'Créer le brouillon' }).click();
  await status(agent, `Brouillon créé : ${DRAFT_TITLE}.`);
  // another organisation's open campaign (the cooperative's): the city's agent may not compute it
  const theirs = campaigns.find((c) => c.organisation !== published.organisation && c.state === 'approved');
  assert.ok(theirs && theirs.yours === false, 'the demo has another organisation\'s open campaign, not the agent\'s');
  const theirRow = agent.getByRole('region', { name: 'Tableau des campagnes' }).getByRole('row')
    .filter({ has: agent.getByRole('rowheader', { name: theirs.title.fr }) });
  await theirRow.getByRole('cell', { name: 'ouverte' }).waitFor();
  assert.equal(await theirRow.getByRole('button', { name: 'Calculer' }).count(), 0,
    'no computing of another organisation\'s campaign is offered');
  const table = agent.getByRole('region', { name: 'Tableau des campagnes' });
  const row = (page) => page.getByRole('region', { name: 'Tableau des campagnes' }).getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: DRAFT_TITLE }) });
  await row(agent).getByRole('cell', { name: 'brouillon' }).waitFor();
  assert.equal(await row(agent).getByRole('button', { name: 'Approuver' }).count(), 0, 'the agent does not approve');
  await check(agent, 'territory-agent-fr');

  const admin = await open(people.admin);
  await visit(admin, 'Territoire', 'Console du territoire');
  const persons = (await (await session(people.admin)).call('/persons')).body.items;
  shown = await indicators(admin);
  assert.equal(shown['Habitants inscrits'], fr(persons.filter((p) => p.role === 'resident').length), 'residents, counted');
  await row(admin).getByRole('button', { name: 'Approuver' }).click();
  await status(admin, `Campagne approuvée : ${DRAFT_TITLE}.`);
  await row(admin).getByRole('cell', { name: 'ouverte' }).waitFor();
  await check(admin, 'territory-admin-fr');
  await admin.context().close();

  // the households join (the campaign journey does it in the browser; here the operator's tool)
  const id = (await agentApi.call('/campaigns')).body.items.find((c) => c.title.fr === DRAFT_TITLE).id;
  for (let i = 1; i < 24; i++) cli(['campaign', 'join', id, '--person', `h${String(i).padStart(6, '0')}`]);
  await agent.reload();
  await row(agent).getByRole('button', { name: 'Calculer' }).click();
  await status(agent, `Campagne calculée : ${DRAFT_TITLE}.`);
  await row(agent).getByRole('button', { name: 'Publier les résultats' }).click();
  await status(agent, `Résultats publiés : ${DRAFT_TITLE}.`);
  await row(agent).getByRole('link', { name: /CSV/ }).waitFor();
  const after = (await agentApi.call(`/campaigns/${id}`)).body;
  assert.equal(after.state, 'published', 'the server has published it');
  shown = await indicators(agent);
  assert.equal(shown['Participations aux campagnes'],
    fr((await agentApi.call('/campaigns')).body.items.reduce((a, c) => a + (c.participants || 0), 0)), 'the joins counted');
  assert.ok(await table.isVisible());
  assert.deepEqual(e2e.pageErrors(agent), [], 'no uncaught exception');
  await agent.context().close();
});

test('mandates: the resident sees who asks; the mediator sees the person named', async () => {
  const mediator = { handle: 'mediateur.pages', password: 'mediateur-pages-2026' };
  const admin = await session(people.admin);
  const made = await admin.call('/persons', { method: 'POST', body: { ...mediator, role: 'mediator' } });
  assert.equal(made.status, 201, 'the mediator exists');
  const helperApi = await session(mediator);
  const until = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
  const asked = await helperApi.call('/mandates', { method: 'POST', body: { person: people.resident.handle, procedures: ['import'], until } });
  assert.equal(asked.status, 201, 'a mandate is asked');

  const resident = await open(people.resident);
  await visit(resident, 'Mandats', 'Mandats d\'aide');
  await resident.getByRole('heading', { level: 3, name: `Demandé par ${mediator.handle}` }).waitFor();
  await check(resident, 'mandates-resident-fr');
  await resident.context().close();

  // a new browser: the mediator's page names the person from the server alone
  const helper = await open(mediator);
  await visit(helper, 'Mandats', 'Mandats d\'aide');
  await helper.getByRole('heading', { level: 3, name: `Pour ${people.resident.handle}` }).waitFor();
  await check(helper, 'mandates-mediator-fr');
  assert.deepEqual(e2e.pageErrors(helper), [], 'no uncaught exception');
  await helper.context().close();
});
