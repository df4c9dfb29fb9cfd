// commune - the first web page: log in, see one's records by doctype.
// French by default, English available; every string is in the catalogue.
'use strict';

const catalogue = {
  fr: {
    'logout': 'Se déconnecter',
    'login.title': 'Connexion',
    'login.handle': 'Identifiant',
    'login.password': 'Mot de passe',
    'login.submit': 'Se connecter',
    'login.failed': 'Identifiant ou mot de passe incorrect.',
    'login.limited': 'Trop de tentatives : réessayez plus tard.',
    'home.hello': 'Bonjour {name}',
    'home.intro': 'Vos données, dans votre espace : vous seul·e les voyez.',
    'home.doctype': 'Type de données',
    'home.empty': 'Aucune donnée de ce type pour le moment.',
    'home.more': 'Afficher plus',
  },
  en: {
    'logout': 'Log out',
    'login.title': 'Log in',
    'login.handle': 'Handle',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.failed': 'Wrong handle or password.',
    'login.limited': 'Too many attempts: try again later.',
    'home.hello': 'Hello {name}',
    'home.intro': 'Your data, in your own space: only you can see it.',
    'home.doctype': 'Kind of data',
    'home.empty': 'No data of this kind yet.',
    'home.more': 'Show more',
  },
};

let lang = localStorage.getItem('lang') || 'fr';
let csrf = sessionStorage.getItem('csrf') || '';
let doctypes = [];
let cursor = null;

const $ = (id) => document.getElementById(id);
const t = (key, vars = {}) =>
  (catalogue[lang][key] || key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');

function translate() {
  document.documentElement.lang = lang;
  $('lang').textContent = lang === 'fr' ? 'EN' : 'FR';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { method, headers, body: body && JSON.stringify(body),
                                  credentials: 'same-origin' });
  const json = res.status === 204 ? null : await res.json();
  return { status: res.status, json };
}

function show(view) {
  $('login-view').hidden = view !== 'login';
  $('home-view').hidden = view !== 'home';
  $('logout').hidden = view !== 'home';
}

function title(d) {
  return (d.title && d.title[lang]) || d.name;
}

async function home(me) {
  $('hello').textContent = t('home.hello', { name: me.handle });
  const { json } = await api('GET', '/api/v1/doctypes');
  doctypes = json.items.filter((d) => d.kind === 'document');
  $('doctype').replaceChildren(...doctypes.map((d) => new Option(title(d), d.name)));
  show('home');
  await load(true);
}

function cell(v) {
  const td = document.createElement('td');
  if (typeof v === 'number') {
    td.className = 'num';
    td.textContent = v.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB');
  } else {
    td.textContent = v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return td;
}

async function load(reset) {
  const name = $('doctype').value;
  if (reset) cursor = null;
  const q = cursor ? `?limit=20&cursor=${encodeURIComponent(cursor)}` : '?limit=20';
  const { status, json } = await api('GET', `/api/v1/records/${name}${q}`);
  if (status !== 200) return;
  const fields = [...new Set(json.items.flatMap((r) => Object.keys(r.data)))];
  if (reset) {
    const tr = document.createElement('tr');
    for (const f of fields) {
      const th = document.createElement('th');
      th.textContent = f;
      tr.append(th);
    }
    $('records').tHead.replaceChildren(tr);
    $('records').tBodies[0].replaceChildren();
  }
  for (const r of json.items) {
    const tr = document.createElement('tr');
    for (const f of fields) tr.append(cell(r.data[f]));
    $('records').tBodies[0].append(tr);
  }
  cursor = json.next_cursor;
  $('more').hidden = !cursor;
  $('empty').hidden = json.items.length > 0 || !reset;
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const { status, json } = await api('POST', '/api/v1/auth/login',
                                     { handle: form.get('handle'), password: form.get('password') });
  if (status === 200) {
    csrf = json.csrf;
    sessionStorage.setItem('csrf', csrf);
    $('login-error').textContent = '';
    e.target.reset();
    await home(json.person);
  } else {
    $('login-error').textContent = t(status === 429 ? 'login.limited' : 'login.failed');
  }
});

$('logout').addEventListener('click', async () => {
  await api('POST', '/api/v1/auth/logout');
  sessionStorage.removeItem('csrf');
  show('login');
});

$('lang').addEventListener('click', () => {
  lang = lang === 'fr' ? 'en' : 'fr';
  localStorage.setItem('lang', lang);
  translate();
  if (!$('home-view').hidden) {
    for (const o of $('doctype').options)
      o.textContent = title(doctypes.find((d) => d.name === o.value));
  }
});

$('doctype').addEventListener('change', () => load(true));
$('more').addEventListener('click', () => load(false));

(async () => {
  translate();
  const { status, json } = await api('GET', '/api/v1/me');
  if (status === 200 && csrf) await home(json);
  else show('login');
})();
