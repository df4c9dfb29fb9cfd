// lib.mjs - what the end-to-end journeys of the web application share
// (issue 12): a throwaway territory served by scripts/demo on a free
// loopback port, Debian's chromium driven by playwright-core, the app's
// locators (the contract between the journeys and web/, all in `ui`
// below), and the checks every page gets: axe-core, screenshots at 360 and
// 1280 px, the home page's first render and weight (docs/e2e.md).
//
// A journey is `tests/e2e/NAME.e2e.mjs PATH/TO/commune` (CTest passes the
// built binary, see tests/CMakeLists.txt); it calls `setup()` in a
// `before` and `teardown()` in an `after`.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync,
  symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
export const screenshotDir = path.join(here, 'screenshots');
// the holders' real export files: COMMUNE_FIXTURES (set by tests/CMakeLists.txt)
// or ../shared/fixtures beside the clone
export const fixtures = process.env.COMMUNE_FIXTURES || path.resolve(here, '../../../shared/fixtures');

// The demo's people (scripts/demo): fictional, never real persons.
export const people = {
  resident: { handle: 'h000001', password: 'resident-demo-2026' },
  professional: { handle: 'sophie', password: 'sophie-demo-2026' },
  agent: { handle: 'agent', password: 'agent-demo-2026' },
  member: { handle: 'camille', password: 'camille-demo-2026' },
  admin: { handle: 'admin', password: 'admin-demo-2026' },
};

// ui - the locators of the app's contract, by language: accessible names
// only (labels, roles, headings), never CSS classes or ids, so that the app
// may change its markup freely. Labels match as a case-insensitive part of
// the label ("Mot de passe *" still matches); buttons match exactly.
export const ui = {
  fr: {
    locale: 'fr-FR',
    handle: 'Identifiant', // the login form's fields
    password: 'Mot de passe',
    submit: 'Se connecter', // its button
    hello: /Bonjour/, // a heading of the home page, once logged in
  },
  en: {
    locale: 'en-GB',
    handle: 'Handle',
    password: 'Password',
    submit: 'Log in',
    hello: /Hello/,
  },
  language: 'Language / Langue', // part of the language switch's name, in both languages
};

export const loc = {
  handle: (page, lang) => page.getByLabel(ui[lang].handle),
  password: (page, lang) => page.getByLabel(ui[lang].password),
  submit: (page, lang) => page.getByRole('button', { name: ui[lang].submit, exact: true }),
  hello: (page, lang) => page.getByRole('heading', { name: ui[lang].hello }),
  language: (page) => page.getByRole('button', { name: ui.language }),
  // an alert that says something (an empty live region may wait in the page)
  alert: (page) => page.getByRole('alert').filter({ hasText: /\S/ }),
};

// ---------------------------------------------------------------- territory

// freePort - a loopback port nobody listens on now (the kernel picks it).
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Territories still running, stopped at once if the process ends early.
const running = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

// On an early exit, the demo is told to stop at once; its lifeline (whose
// pipe closes with this process) waits for it and removes the data.
process.on('exit', () => {
  for (const t of running) killGroup(t.demo.pid, 'SIGTERM');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
}

// webParent - where `commune serve` runs: it serves ./web. The tree's web/,
// or $COMMUNE_E2E_WEB (another copy of the app: an installed one, or a
// snapshot such as `git archive HEAD web` plus web/vendor) through a
// symbolic link in the territory's temporary directory.
function webParent(tmp) {
  const web = process.env.COMMUNE_E2E_WEB;
  if (!web) return root;
  accessSync(path.join(web, 'index.html'), constants.R_OK);
  const link = path.join(tmp, 'web');
  try {
    symlinkSync(path.resolve(web), link);
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
  return tmp;
}

// The lifeline of a territory (sh PGID TMP): reads a pipe from this process
// until it ends, that is until this process is gone, even by SIGKILL; then
// terminates the demo's process group (the demo's trap stops the server),
// kills what is left after 15 s and removes the territory. A normal stop
// kills the lifeline first.
const LIFELINE = `cat >/dev/null
kill -TERM -$1 2>/dev/null
i=0
while kill -0 -$1 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -$1 2>/dev/null
rm -rf "$2"`;

// pgStore - with COMMUNE_TEST_STORE=postgres (ctest's e2e_pg_*), a new
// database in the test cluster whose URL is in $COMMUNE_TEST_PG_FILE
// (tests/support/pg-cluster.sh): the territory's store, given to scripts/demo
// as COMMUNE_STORE; null otherwise. drop() removes it.
function pgStore() {
  if (process.env.COMMUNE_TEST_STORE !== 'postgres') return null;
  const file = process.env.COMMUNE_TEST_PG_FILE;
  if (!file) throw new Error('COMMUNE_TEST_STORE=postgres needs COMMUNE_TEST_PG_FILE');
  const cluster = readFileSync(file, 'utf8').trim();
  const name = `e2e_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const psql = (sql) => execFileSync('psql', [`${cluster}/postgres`, '-qAtc', sql],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  psql(`CREATE DATABASE ${name}`);
  return {
    url: `${cluster}/${name}?sslmode=disable`,
    drop: () => {
      try {
        psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch {
        /* the cluster goes at the end of the run anyway */
      }
    },
  };
}

// serveOnce - scripts/demo BIN DIR on PORT in its own process group, with
// its lifeline in another. Resolves when /api/v1/health answers, rejects if
// the demo ends first.
async function serveOnce(bin, tmp, dir, port, households, store) {
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    COMMUNE_PWHASH_COST: 'min', // the cheapest password hashes (tests only)
    COMMUNE_LISTEN: `127.0.0.1:${port}`,
    DEMO_HOUSEHOLDS: String(households),
  };
  if (store) env.COMMUNE_STORE = store.url;
  const demo = spawn(path.join(root, 'scripts/demo'), [bin, dir],
    { cwd: webParent(tmp), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.setEncoding('utf8').on('data', (s) => { out += s; });
  demo.stderr.setEncoding('utf8').on('data', (s) => { out += s; });
  const exited = new Promise((resolve) => demo.on('exit', (code, sig) => resolve(sig || code)));
  const lifeline = spawn('sh', ['-c', LIFELINE, 'e2e-lifeline', String(demo.pid), tmp],
    { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  const t = { url, dir, tmp, demo, lifeline, exited, store, output: () => out };
  running.add(t);

  let ended = null;
  exited.then((how) => { ended = how; });
  const deadline = Date.now() + 180000; // the territory is made first (about 10 s)
  while (ended === null && Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/api/v1/health`);
      if (r.status === 200) return t;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  await stopTerritory(t, false);
  throw new Error(`scripts/demo ${ended === null ? 'did not answer in 180 s' : `ended (${ended})`}:\n${out}`);
}

// stopTerritory - SIGTERM to the demo's process group (the demo's trap stops
// the server and waits for it), then SIGKILL if it lingers; removes the data.
async function stopTerritory(t, removeData = true) {
  if (!running.has(t)) return;
  killGroup(t.demo.pid, 'SIGTERM');
  const gone = await Promise.race([t.exited.then(() => true), sleep(15000).then(() => false)]);
  if (!gone) {
    killGroup(t.demo.pid, 'SIGKILL');
    await t.exited;
  }
  killGroup(t.lifeline.pid, 'SIGKILL');
  running.delete(t);
  if (removeData) {
    rmSync(t.tmp, { recursive: true, force: true });
    if (t.store) t.store.drop();
  }
}

// territory - the fictional city of Villebrune (scripts/demo) with a few
// households, in a new temporary directory, served on a free loopback port:
// {url, dir, stop()}. The port is free when chosen; if someone takes it
// before the server binds, the demo ends and another port is tried (the
// territory, already made, is kept).
export async function territory(bin, households = 24) {
  accessSync(bin, constants.X_OK);
  const tmp = mkdtempSync(path.join(tmpdir(), 'commune-e2e-'));
  const dir = path.join(tmp, 'data');
  const store = pgStore();
  let last;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const t = await serveOnce(bin, tmp, dir, await freePort(), households, store);
      return { url: t.url, dir, stop: () => stopTerritory(t) };
    } catch (e) {
      last = e;
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  if (store) store.drop();
  throw last;
}

// ---------------------------------------------------------------- browser

// chromiumPath - Debian's chromium ($COMMUNE_CHROMIUM, else `chromium` on
// the PATH); never a browser downloaded by playwright.
export function chromiumPath() {
  const candidates = process.env.COMMUNE_CHROMIUM
    ? [process.env.COMMUNE_CHROMIUM]
    : (process.env.PATH || '/usr/bin').split(path.delimiter).map((d) => path.join(d, 'chromium'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  throw new Error('chromium is missing: run scripts/install-deps e2e (Debian\'s chromium)');
}

// launch - a headless chromium (root cannot use chromium's sandbox).
export function launch() {
  const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumPath(), args, headless: true });
}

const uncaught = new WeakMap();

// newPage - a page in a new context (its own cookies, storage and cache) in
// LANG's locale, desktop-sized unless a viewport is given. The page's
// console errors are printed as TAP comments (to tell why a locator waits
// in vain); its uncaught exceptions are kept for pageErrors().
export async function newPage(browser, lang, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ locale: ui[lang].locale, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const errors = [];
  uncaught.set(page, errors);
  page.on('pageerror', (e) => {
    errors.push(e.message);
    console.log(`# page error: ${e.message}`);
  });
  page.on('console', (m) => {
    // a 401 is how the app learns nobody is logged in, or a password is wrong
    if (m.type() === 'error' && !/status of 401/.test(m.text()))
      console.log(`# console error: ${m.text()} (${m.location().url})`);
  });
  return page;
}

// pageErrors - the exceptions the page's scripts did not catch, so far.
export const pageErrors = (page) => [...(uncaught.get(page) || [])];

// htmlLang - the page's <html lang>.
export const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);

// useLanguage - makes the app speak LANG: nothing if it already does (from
// the browser's locale or a stored choice), else the language switch.
export async function useLanguage(page, lang) {
  if ((await htmlLang(page)).startsWith(lang)) return;
  await loc.language(page).click();
  await page.waitForFunction((l) => document.documentElement.lang.startsWith(l), lang);
}

// login - through the login form, as a person would: fills the fields by
// their labels, presses the button, waits for the hello heading.
export async function login(page, lang, handle, password) {
  await loc.handle(page, lang).fill(handle);
  await loc.password(page, lang).fill(password);
  await loc.submit(page, lang).click();
  await loc.hello(page, lang).waitFor({ state: 'visible' });
}

// ---------------------------------------------------------------- checks

const axeSource = readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

// axe - axe-core on the page as it is (all its rules but the experimental
// ones: WCAG 2.x A and AA, and best practices). Throws, listing them, on any
// violation of impact serious or critical; returns axe's results.
// axe is evaluated through the DevTools protocol, so the app's
// Content-Security-Policy (no inline script) needs no exception.
export async function axe(page, name) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const list = bad.map((v) => `  ${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n` +
      v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n'));
    throw new Error(`axe on ${name}: ${bad.length} serious or critical violation(s)\n${list.join('\n')}`);
  }
  const minor = results.violations.map((v) => `${v.impact} ${v.id}`);
  if (minor.length) console.log(`# axe ${name}: minor: ${minor.join(', ')}`);
  return results;
}

const nextFrame = (page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

// screenshots - full-page PNGs of the page 360 px wide (a phone) and 1280 px
// (a desktop): tests/e2e/screenshots/NAME-360.png and NAME-1280.png. Returns
// the page's width at 360 px (more than 360: the page scrolls sideways).
export async function screenshots(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const before = page.viewportSize();
  let width360 = 0;
  for (const [width, height] of [[360, 740], [1280, 800]]) {
    await page.setViewportSize({ width, height });
    await nextFrame(page);
    if (width === 360) width360 = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${width}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
  return { width360 };
}

// watchHello - runs in the page before its own scripts (an init script): as
// soon as a visible heading matches SOURCE, keeps the time it appeared in
// the DOM (seen), then the time the frame that shows it has been rendered
// (painted: a task queued from that frame's requestAnimationFrame callback
// runs once the frame is done): window.__e2eHello = {seen, painted}, in ms
// since the navigation started (performance.now()).
function watchHello(source) {
  const re = new RegExp(source);
  const visible = () => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6,[role=heading]')]
    .some((h) => re.test(h.textContent) && h.checkVisibility());
  const mo = new MutationObserver(() => {
    if (window.__e2eHello || !visible()) return;
    mo.disconnect();
    const hello = { seen: performance.now() };
    window.__e2eHello = hello;
    requestAnimationFrame(() => setTimeout(() => { hello.painted = performance.now(); }, 0));
  });
  mo.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

const kB = (n) => (n / 1000).toFixed(1);

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor((v.length - 1) / 2)];
};

// loadHome - one load of the page (already on the home page) with the cache
// disabled: the figures of that load (see measureHome).
async function loadHome(page, lang, cdp) {
  const received = new Map();
  let failed = 0;
  const finished = (e) => received.set(e.requestId, e.encodedDataLength);
  const lost = () => { failed++; };
  cdp.on('Network.loadingFinished', finished);
  cdp.on('Network.loadingFailed', lost);
  await page.reload({ waitUntil: 'networkidle' });
  await loc.hello(page, lang).waitFor({ state: 'visible' });
  await page.waitForFunction(() => window.__e2eHello && window.__e2eHello.painted !== undefined);
  cdp.off('Network.loadingFinished', finished);
  cdp.off('Network.loadingFailed', lost);
  const m = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      painted: window.__e2eHello.painted,
      seen: window.__e2eHello.seen,
      fcp: fcp ? fcp.startTime : 0,
      dcl: nav.domContentLoadedEventEnd,
      bodies: nav.encodedBodySize + res.reduce((sum, r) => sum + r.encodedBodySize, 0),
    };
  });
  return { ...m, transferred: [...received.values()].reduce((sum, n) => sum + n, 0),
           requests: received.size, failed };
}

// measureHome - the home page of a logged-in person (the page must show it)
// loaded LOADS times with the browser's cache disabled (every byte fetched
// again, as on a first visit), 1280x800; the medians.
// First render: from the start of the navigation to the end of the first
// frame in which the hello heading is visible (Performance API, see
// watchHello). Bytes: everything received for the page's requests
// (document, scripts, styles, API calls) until the network is idle for
// 500 ms, headers included (the DevTools protocol's encodedDataLength, as
// DevTools' "transferred"); bodies alone from Resource Timing
// (encodedBodySize). Prints one line; returns the figures.
export async function measureHome(page, lang, loads = 5) {
  await page.setViewportSize({ width: 1280, height: 800 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.addInitScript(watchHello, ui[lang].hello.source);
  const runs = [];
  for (let i = 0; i < loads; i++) runs.push(await loadHome(page, lang, cdp));
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.detach();

  const mid = (k) => Math.round(median(runs.map((r) => r[k])));
  const figures = {
    firstRenderMs: mid('painted'),
    firstRenderRangeMs: [Math.round(Math.min(...runs.map((r) => r.painted))),
                         Math.round(Math.max(...runs.map((r) => r.painted)))],
    helloInDomMs: mid('seen'),
    fcpMs: mid('fcp'),
    domContentLoadedMs: mid('dcl'),
    transferredBytes: mid('transferred'),
    bodyBytes: mid('bodies'),
    requests: mid('requests'),
    failedRequests: Math.max(...runs.map((r) => r.failed)),
    loads,
  };
  assert.ok(figures.firstRenderMs > 0 && figures.transferredBytes > 0, 'home page measured');
  console.log(`# e2e home page (${lang}, 1280x800, cache disabled, median of ${loads} loads): ` +
    `first render ${figures.firstRenderMs} ms (${figures.firstRenderRangeMs.join('-')}; ` +
    `hello heading in the DOM at ${figures.helloInDomMs} ms, first contentful paint ` +
    `${figures.fcpMs} ms, DOMContentLoaded ${figures.domContentLoadedMs} ms); ` +
    `${kB(figures.transferredBytes)} kB transferred in ${figures.requests} requests ` +
    `(${kB(figures.bodyBytes)} kB of bodies)` +
    (figures.failedRequests ? `; ${figures.failedRequests} failed requests` : ''));
  return figures;
}

// ---------------------------------------------------------------- a journey

// setup - the binary from argv[2], a territory, a browser: {bin, url, browser}.
// teardown(ctx) closes the browser and stops the territory.
export async function setup(households = 24) {
  const bin = process.argv[2];
  if (!bin) {
    console.error(`usage: node ${path.basename(process.argv[1])} PATH/TO/commune`);
    process.exit(2);
  }
  chromiumPath(); // fail before making a territory
  const t = await territory(path.resolve(bin), households);
  let browser;
  try {
    browser = await launch();
  } catch (e) {
    await t.stop();
    throw e;
  }
  return { bin, url: t.url, browser, territory: t };
}

export async function teardown(ctx) {
  if (!ctx) return;
  try {
    await ctx.browser.close();
  } finally {
    await ctx.territory.stop();
  }
}
