// i18n.mjs - the interface's language: French by default, English available.
// Every string shown lives in web/i18n/<lang>.json; pages ask for it with
// t(key, params). The choice is kept in localStorage 'lang'; until someone
// chooses, the browser's language decides (English if it says so, else French).

const LANGS = ['fr', 'en'];
const LOCALES = { fr: 'fr-FR', en: 'en-GB' };
let lang = 'fr';
let catalogue = {};
let plural = new Intl.PluralRules('fr-FR');

/* initialLang - the saved choice, else the browser's language, else French. */
export function initialLang() {
	const saved = localStorage.getItem('lang');
	if (LANGS.includes(saved))
		return saved;
	const nav = (navigator.language || '').toLowerCase();
	return nav.startsWith('en') ? 'en' : 'fr';
}

/* loadLang - fetch the catalogue of `l` and make it current. */
export async function loadLang(l) {
	const res = await fetch(`/i18n/${l}.json`, { headers: { Accept: 'application/json' } });
	if (!res.ok)
		throw new Error(`catalogue ${l}: HTTP ${res.status}`);
	catalogue = await res.json();
	lang = l;
	plural = new Intl.PluralRules(LOCALES[l]);
	document.documentElement.lang = l;
}

/* chooseLang - a person's explicit choice: remembered, then loaded. */
export async function chooseLang(l) {
	localStorage.setItem('lang', l);
	await loadLang(l);
}

export function getLang() {
	return lang;
}

export function otherLang() {
	return lang === 'fr' ? 'en' : 'fr';
}

export function locale() {
	return LOCALES[lang];
}

export function has(key) {
	return Object.prototype.hasOwnProperty.call(catalogue, key);
}

/* fieldLabel - the name of a record's field (or an app's result) for people:
 * its "field.NAME" entry in the catalogue, else the name itself. */
export function fieldLabel(name) {
	return has(`field.${name}`) ? catalogue[`field.${name}`] : name;
}

/* t - the string of `key`, with {name} placeholders taken from params. */
export function t(key, params) {
	let s = catalogue[key];
	if (s === undefined) {
		console.warn(`i18n: no "${key}" in ${lang}.json`);
		s = key;
	}
	if (!params)
		return s;
	return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined ? m : String(params[k])));
}

/* tn - a string that depends on a count: `key.one` or `key.other`, with {n}. */
export function tn(key, n, params) {
	const form = plural.select(n);
	const k = has(`${key}.${form}`) ? `${key}.${form}` : `${key}.other`;
	return t(k, { n: formatNumber(n), ...params });
}

/* pick - the current language's text of a {fr, en} object from the server. */
export function pick(obj) {
	if (obj == null)
		return '';
	if (typeof obj === 'string')
		return obj;
	return obj[lang] ?? obj.fr ?? obj.en ?? '';
}

export function formatNumber(n, digits) {
	if (n == null || Number.isNaN(n))
		return '—';
	const opts = digits === undefined ? { maximumFractionDigits: 2 } :
		{ minimumFractionDigits: digits, maximumFractionDigits: digits };
	return new Intl.NumberFormat(LOCALES[lang], opts).format(n);
}

export function formatMoney(n, currency = 'EUR') {
	if (n == null)
		return '—';
	return new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency }).format(n);
}

/* formatDate - a date or date-time as a date; bare dates stay on their day. */
export function formatDate(s) {
	if (!s)
		return '—';
	const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T12:00:00`) : new Date(s);
	if (Number.isNaN(d.getTime()))
		return String(s);
	return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium' }).format(d);
}

export function formatDateTime(s) {
	if (!s)
		return '—';
	const d = new Date(s);
	if (Number.isNaN(d.getTime()))
		return String(s);
	return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatMonth(d) {
	return new Intl.DateTimeFormat(LOCALES[lang], { month: 'long', year: 'numeric' }).format(d);
}
