// api.mjs - how the pages talk to the server: JSON in and out under /api/v1,
// the session's X-CSRF-Token on every unsafe method, RFC 9457 problem
// documents turned into ApiError, and uploads with their progress.

const BASE = '/api/v1';
const CSRF_KEY = 'commune.csrf';
const SAFE = new Set(['GET', 'HEAD']);

/*
 * The CSRF token of the login answer. It is kept for this tab only
 * (sessionStorage), so that a reload keeps the session usable; it is
 * never a cookie and leaves with the tab.
 */
let csrf = sessionStorage.getItem(CSRF_KEY) || '';
let sessionLost = null;

/* ApiError - a failed call: its HTTP status and its problem document. */
export class ApiError extends Error {
	constructor(status, problem) {
		const p = problem && typeof problem === 'object' ? problem : {};
		super(p.detail || p.title || `HTTP ${status}`);
		this.status = status;
		this.problem = p;
	}

	/* the short name of the problem type: "invalid-request", "csrf"... */
	get kind() {
		const type = this.problem.type || '';
		if (type.startsWith('urn:commune:problem:'))
			return type.slice('urn:commune:problem:'.length);
		return this.status === 0 ? 'network' : 'unknown';
	}
}

export function setCsrf(token) {
	csrf = token || '';
	if (csrf)
		sessionStorage.setItem(CSRF_KEY, csrf);
	else
		sessionStorage.removeItem(CSRF_KEY);
}

export function hasCsrf() {
	return csrf !== '';
}

/* onSessionLost - called when an authenticated call answers 401. */
export function onSessionLost(fn) {
	sessionLost = fn;
}

/* url - BASE + path, with the defined members of query as parameters. */
export function url(path, query) {
	const u = new URL(BASE + path, location.origin);
	for (const [k, v] of Object.entries(query || {}))
		if (v !== undefined && v !== null && v !== '')
			u.searchParams.set(k, v);
	return u.pathname + u.search;
}

async function parseBody(res) {
	const type = res.headers.get('Content-Type') || '';
	if (res.status === 204)
		return null;
	if (type.includes('json'))
		return res.json().catch(() => null);
	return res.text();
}

/*
 * api - call a route. opts: method (GET), query (object), body (sent as
 * JSON), headers. Resolves to the parsed answer (null for 204); rejects
 * with an ApiError (status 0 when the server could not be reached).
 */
export async function api(path, opts = {}) {
	const method = opts.method || 'GET';
	const headers = { Accept: 'application/json', ...(opts.headers || {}) };
	let body;

	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = JSON.stringify(opts.body);
	}
	if (!SAFE.has(method) && csrf)
		headers['X-CSRF-Token'] = csrf;
	let res;
	try {
		res = await fetch(url(path, opts.query), { method, headers, body, credentials: 'same-origin' });
	} catch (e) {
		throw new ApiError(0, { detail: e.message });
	}
	const data = await parseBody(res);
	if (!res.ok) {
		if (res.status === 401 && sessionLost && !path.startsWith('/auth/'))
			sessionLost();
		throw new ApiError(res.status, typeof data === 'object' ? data : { detail: String(data || '') });
	}
	return data;
}

/* apiAll - every item of a paged record listing (next_cursor), up to max. */
export async function apiAll(path, query = {}, max = 100000) {
	const items = [];
	let cursor = null;
	do {
		const page = await api(path, { query: { ...query, limit: 1000, cursor } });
		items.push(...page.items);
		cursor = page.next_cursor;
	} while (cursor && items.length < max);
	return items;
}

/*
 * upload - POST a multipart form with XMLHttpRequest, which reports the
 * upload's progress: onProgress(sent, total) as the bytes leave; headers
 * are added to the request (a mandate's Commune-Consent).
 */
export function upload(path, form, onProgress, headers) {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		xhr.open('POST', BASE + path);
		xhr.setRequestHeader('Accept', 'application/json');
		if (csrf)
			xhr.setRequestHeader('X-CSRF-Token', csrf);
		for (const [k, v] of Object.entries(headers || {}))
			xhr.setRequestHeader(k, v);
		xhr.upload.onprogress = (e) => onProgress && onProgress(e.loaded, e.lengthComputable ? e.total : 0);
		xhr.onerror = () => reject(new ApiError(0, { detail: 'network error' }));
		xhr.onload = () => {
			let data = null;
			try {
				data = JSON.parse(xhr.responseText);
			} catch (e) {
				data = { detail: xhr.responseText };
			}
			if (xhr.status >= 200 && xhr.status < 300)
				resolve(data);
			else
				reject(new ApiError(xhr.status, data));
		};
		xhr.send(form);
	});
}
