// bench/peers/load.mjs: the load generator of bench/peers/run.sh, and the setup of both servers.
//
//   node load.mjs setup-css BASE OUT.json                      account, pod, client credentials, resource
//   node load.mjs setup-commune BASE HANDLE PASSWORD OUT.json  API token (or session), one record
//   node load.mjs run TARGET.json get|put CONNS SECONDS WARMUP SERVER_PID
//
// `setup-*` write a target file: what `run` needs to reach one small resource as its owner, and
// check on the way that the resource answers 401 without credentials (auth is really exercised).
// `run` opens CONNS keep-alive connections and makes each of them send requests one after the
// other (no pipelining) for WARMUP seconds (not recorded), then SECONDS seconds. It records every
// latency, counts non-2xx answers and socket errors, samples the server's VmRSS every 50 ms, reads
// its CPU time (/proc/PID/stat) and its own (process.cpuUsage), and prints one line:
//   RESULT {"rps":...,"p50_ms":...,"p99_ms":...,"non2xx":...,"errors":...,...}
//
// HTTP/1.1 is spoken over node:net directly, not through node:http: its client costs several
// times more CPU per request than the servers measured here, and the generator would then measure
// itself. The parser handles what these two servers send (Content-Length or chunked bodies).
//
// CSS requests carry `Authorization: DPoP <access token>` and a fresh DPoP proof (RFC 9449: ES256,
// typ dpop+jwt, the public key as jwk; htm, htu, iat, a random jti and ath, the hash of the token)
// on every request, as a Solid client must; the access token comes from the client-credentials
// grant at the server's token endpoint, DPoP-bound to the generator's key, fetched anew by every
// `run`. commune requests carry `Authorization: Bearer cmn_...` (a personal API token), or the
// session cookie plus X-CSRF-Token when the target was set up with COMMUNE_AUTH=session.
import net from 'node:net';
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [cmd, ...args] = process.argv.slice(2);

// A ~200-byte JSON document: the data of a bank.transaction record in commune, and the body of
// the resource in CSS. PUT writes these same bytes again.
const DOC = JSON.stringify({
  date: '2024-03-01', amount: -12.5, currency: 'EUR',
  label: 'CB BOULANGERIE DU MARCHE 29/02 LYON 3E', category: 'food',
  counterparty: 'Boulangerie du Marche', account: 'FR7630004000050000123456789',
});

function die(msg) {
  console.error(`load.mjs: ${msg}`);
  process.exit(1);
}

// ------------------------------------------------------------------ DPoP (RFC 9449) with node:crypto
function dpopKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } }))
    .toString('base64url');
  return { privateKey, header };
}

function dpopProof(key, htm, htu, accessToken) {
  const claims = { htm, htu, iat: Math.floor(Date.now() / 1000), jti: randomUUID() };
  if (accessToken) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
  const input = `${key.header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  // JWS ES256 wants the raw r||s signature, not DER
  const sig = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

async function cssAccessToken(t, key) {
  const res = await fetch(t.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(t.clientId)}:${encodeURIComponent(t.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      dpop: dpopProof(key, 'POST', t.tokenEndpoint),
    },
    body: 'grant_type=client_credentials&scope=webid',
  });
  const body = await res.json().catch(() => ({}));
  if (res.status !== 200 || body.token_type !== 'DPoP' || !body.access_token) {
    die(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
  }
  return body;
}

// ------------------------------------------------------------------ setup: CSS
async function jsonCall(url, { method = 'GET', auth, body } = {}) {
  const headers = { accept: 'application/json' };
  if (auth) headers.authorization = `CSS-Account-Token ${auth}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (res.status < 200 || res.status > 299) die(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function setupCss(base, out) {
  const index = `${base}/.account/`;
  // 1. an account (its token stands for the css-account cookie), 2. a password login on it,
  // 3. a pod, which creates the WebID and links it to the account, 4. client credentials.
  let { controls } = await jsonCall(index);
  const { authorization: auth } = await jsonCall(controls.account.create, { method: 'POST', body: {} });
  if (!auth) die('account creation gave no authorization value');
  ({ controls } = await jsonCall(index, { auth }));
  const email = 'alice@example.org', password = 'bench password 0123456789';
  await jsonCall(controls.password.create, { method: 'POST', auth, body: { email, password } });
  // logging in with the password proves the login works (and is what a person would do next)
  const login = await jsonCall(controls.password.login, { method: 'POST', body: { email, password } });
  const pod = await jsonCall(controls.account.pod, { method: 'POST', auth: login.authorization, body: { name: 'alice' } });
  if (!pod.pod || !pod.webId) die(`pod creation: ${JSON.stringify(pod)}`);
  const cred = await jsonCall(controls.account.clientCredentials, {
    method: 'POST', auth: login.authorization, body: { name: 'bench', webId: pod.webId },
  });
  if (!cred.id || !cred.secret) die(`client credentials: ${JSON.stringify(cred)}`);
  const oidc = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
  const t = {
    kind: 'css', base, webId: pod.webId, pod: pod.pod, url: `${pod.pod}bench/record.json`,
    tokenEndpoint: oidc.token_endpoint, clientId: cred.id, clientSecret: cred.secret, doc: DOC,
  };
  // the resource, written by its owner; the pod's default ACL gives only the owner access
  const key = dpopKey();
  const { access_token: at } = await cssAccessToken(t, key);
  const authed = (method, extra = {}) => ({
    method, headers: { authorization: `DPoP ${at}`, dpop: dpopProof(key, method, t.url, at), ...extra },
  });
  let res = await fetch(t.url, { ...authed('PUT', { 'content-type': 'application/json' }), body: DOC });
  if (res.status !== 201 && res.status !== 205 && res.status !== 204) die(`PUT ${t.url}: ${res.status} ${await res.text()}`);
  res = await fetch(t.url, authed('GET'));
  const got = await res.text();
  if (res.status !== 200 || got !== DOC) die(`GET ${t.url} as owner: ${res.status} ${got}`);
  t.getBytes = Buffer.byteLength(got);
  res = await fetch(t.url);
  if (res.status !== 401) die(`GET ${t.url} without credentials: ${res.status}, want 401`);
  await res.arrayBuffer();
  res = await fetch(t.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: DOC });
  if (res.status !== 401) die(`PUT ${t.url} without credentials: ${res.status}, want 401`);
  await res.arrayBuffer();
  // a proof for another URL must be refused: the server checks the DPoP binding
  res = await fetch(t.url, { method: 'GET', headers: { authorization: `DPoP ${at}`, dpop: dpopProof(key, 'GET', t.pod, at) } });
  if (res.status !== 401) die(`GET ${t.url} with a proof for another URL: ${res.status}, want 401`);
  await res.arrayBuffer();
  writeFileSync(out, JSON.stringify(t, null, 1));
  console.log(`css: pod ${t.pod}, WebID ${t.webId}, resource ${t.url} (${t.getBytes} bytes, application/json); ` +
    'owner GET 200, anonymous GET/PUT 401, proof for another URL 401');
}

// ------------------------------------------------------------------ setup: commune
async function setupCommune(base, handle, password, out) {
  let res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, password }),
  });
  if (res.status !== 200) die(`commune login: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const { csrf } = await res.json();
  const mode = process.env.COMMUNE_AUTH || 'token';
  let auth;
  if (mode === 'session') {
    auth = { cookie, 'x-csrf-token': csrf };
  } else {
    res = await fetch(`${base}/api/v1/tokens`, {
      method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench' }),
    });
    const tok = await res.json();
    if (res.status !== 201 && res.status !== 200) die(`commune token: ${res.status} ${JSON.stringify(tok)}`);
    auth = { authorization: `Bearer ${tok.token}` };
  }
  res = await fetch(`${base}/api/v1/records/bank.transaction`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: DOC,
  });
  const rec = await res.json();
  if (res.status !== 201) die(`commune create: ${res.status} ${JSON.stringify(rec)}`);
  const url = `${base}/api/v1/records/bank.transaction/${rec.id}`;
  res = await fetch(url, { headers: auth });
  const got = await res.text();
  if (res.status !== 200) die(`commune GET as owner: ${res.status} ${got}`);
  res = await fetch(url, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: DOC });
  if (res.status !== 200) die(`commune PUT as owner: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  res = await fetch(url);
  if (res.status !== 401) die(`commune GET without credentials: ${res.status}, want 401`);
  await res.arrayBuffer();
  res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: DOC });
  if (res.status !== 401) die(`commune PUT without credentials: ${res.status}, want 401`);
  await res.arrayBuffer();
  const t = { kind: 'commune', base, url, auth, mode, doc: DOC, getBytes: Buffer.byteLength(got) };
  writeFileSync(out, JSON.stringify(t, null, 1));
  console.log(`commune: record ${url} (GET answers ${t.getBytes} bytes), ${mode === 'session' ? 'session cookie + X-CSRF-Token' : 'personal API token (Bearer)'}; ` +
    'owner GET/PUT 200, anonymous GET/PUT 401');
}

// ------------------------------------------------------------------ a minimal HTTP/1.1 client
const CRLF2 = Buffer.from('\r\n\r\n');

// Parses one response at the start of buf: null when incomplete, else { status, end, close }.
function parseResponse(buf) {
  const h = buf.indexOf(CRLF2);
  if (h < 0) return null;
  const head = buf.toString('latin1', 0, h);
  const lines = head.split('\r\n');
  const status = Number(lines[0].slice(9, 12));
  let length = -1, chunked = false, close = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i], c = line.indexOf(':');
    const name = line.slice(0, c).toLowerCase(), value = line.slice(c + 1).trim().toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value.includes('close');
  }
  let p = h + 4;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, end: p, close };
  if (chunked) {
    for (;;) {
      const eol = buf.indexOf('\r\n', p, 'latin1');
      if (eol < 0) return null;
      const size = parseInt(buf.toString('latin1', p, eol).split(';')[0], 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      p = eol + 2;
      if (size === 0) {
        if (buf.length < p + 2) return null;
        if (buf[p] === 13 && buf[p + 1] === 10) return { status, end: p + 2, close };
        const t = buf.indexOf(CRLF2, p - 2);
        return t < 0 ? null : { status, end: t + 4, close };
      }
      p += size + 2;
      if (p > buf.length) return null;
    }
  }
  if (length < 0) throw new Error(`response ${status} without Content-Length nor chunked body`);
  return buf.length >= p + length ? { status, end: p + length, close } : null;
}

class Conn {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.sock = null;
    this.buf = null;
    this.pending = null;
  }

  open() {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port, noDelay: true });
      s.setTimeout(30000);
      s.once('connect', () => { this.sock = s; resolve(); });
      s.on('data', (d) => this.onData(d));
      s.on('timeout', () => s.destroy(new Error('timeout (30 s)')));
      s.on('error', (e) => { if (this.sock !== s) reject(e); this.fail(e); });
      s.on('close', () => { if (this.sock === s) { this.sock = null; this.fail(new Error('connection closed')); } });
    });
  }

  fail(e) {
    const p = this.pending;
    this.pending = null;
    this.buf = null;
    if (p) p.reject(e);
  }

  onData(d) {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    if (!this.pending) return;
    let r;
    try {
      r = parseResponse(this.buf);
    } catch (e) {
      this.sock.destroy();
      return;
    }
    if (!r) return;
    this.buf = r.end < this.buf.length ? this.buf.subarray(r.end) : null;
    const p = this.pending;
    this.pending = null;
    if (r.close) { const s = this.sock; this.sock = null; s.destroy(); }
    p.resolve(r.status);
  }

  async request(bytes) {
    if (!this.sock) await this.open();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.sock.write(bytes);
    });
  }

  close() { if (this.sock) { const s = this.sock; this.sock = null; s.destroy(); } }
}

// ------------------------------------------------------------------ run
function procCpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(v[11]) + Number(v[12]); // utime, stime (fields 14 and 15)
}

function procMemKb(pid, field) {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) : 0;
}

async function run(targetFile, method, conns, seconds, warmup, pid) {
  const t = JSON.parse(readFileSync(targetFile, 'utf8'));
  const u = new URL(t.url);
  const M = method.toUpperCase();
  const body = M === 'PUT' ? Buffer.from(t.doc) : null;
  const fixed = `${M} ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: application/json\r\n` +
    (body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : '');
  let build;
  if (t.kind === 'css') {
    const key = dpopKey();
    const tok = await cssAccessToken(t, key);
    if (tok.expires_in < seconds + warmup + 30) die(`access token lives ${tok.expires_in} s only`);
    const at = tok.access_token;
    const htu = `${u.origin}${u.pathname}`;
    const pre = `${fixed}Authorization: DPoP ${at}\r\nDPoP: `;
    build = () => { // a new proof for every request
      const head = Buffer.from(`${pre}${dpopProof(key, M, htu, at)}\r\n\r\n`, 'latin1');
      return body ? Buffer.concat([head, body]) : head;
    };
  } else {
    const head = fixed + Object.entries(t.auth).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
    const bytes = Buffer.concat([Buffer.from(head, 'latin1'), body || Buffer.alloc(0)]);
    build = () => bytes;
  }

  const clk = 100; // CLK_TCK on Linux
  let recording = false, stop = 0;
  const lat = [];
  let non2xx = 0, errors = 0, responses = 0;
  const statuses = new Map(), firstErrors = [];
  async function worker() {
    const c = new Conn(u.hostname === 'localhost' ? '127.0.0.1' : u.hostname, Number(u.port));
    while (performance.now() < stop) {
      const bytes = build();
      const a = performance.now();
      try {
        const st = await c.request(bytes);
        if (recording) {
          lat.push(performance.now() - a);
          responses++;
          if (st < 200 || st > 299) { non2xx++; statuses.set(st, (statuses.get(st) || 0) + 1); }
        }
      } catch (e) {
        if (recording) errors++;
        if (firstErrors.length < 5) firstErrors.push(e.message);
        c.close();
      }
    }
    c.close();
  }

  if (warmup > 0) {
    stop = performance.now() + warmup * 1000;
    await Promise.all(Array.from({ length: conns }, worker));
  }
  let rssMax = 0;
  const sampleRss = () => { try { rssMax = Math.max(rssMax, procMemKb(pid, 'VmRSS')); } catch { /* gone */ } };
  sampleRss();
  const timer = setInterval(sampleRss, 50);
  const cpu0 = procCpuTicks(pid), self0 = process.cpuUsage();
  recording = true;
  const t0 = performance.now();
  stop = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: conns }, worker));
  const wall = (performance.now() - t0) / 1000;
  recording = false;
  const cpu1 = procCpuTicks(pid), self1 = process.cpuUsage(self0);
  clearInterval(timer);
  sampleRss();

  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0);
  const r = {
    rps: responses / wall, responses, p50_ms: q(0.5), p99_ms: q(0.99), non2xx, errors,
    server_cpu_us_per_req: responses ? ((cpu1 - cpu0) / clk) * 1e6 / responses : 0,
    server_rss_max_kb: rssMax, server_hwm_kb: procMemKb(pid, 'VmHWM'),
    gen_cpu_pct: ((self1.user + self1.system) / 1e6 / wall) * 100,
    statuses: Object.fromEntries(statuses), first_errors: firstErrors,
  };
  console.log(`RESULT ${JSON.stringify(r)}`);
}

// ------------------------------------------------------------------ main
switch (cmd) {
  case 'setup-css':
    await setupCss(args[0].replace(/\/$/, ''), args[1]);
    break;
  case 'setup-commune':
    await setupCommune(args[0].replace(/\/$/, ''), args[1], args[2], args[3]);
    break;
  case 'run': {
    const [file, method, conns, seconds, warmup, pid] = args;
    if (!['get', 'put'].includes(method)) die('method: get or put');
    await run(file, method, Number(conns), Number(seconds), Number(warmup), Number(pid));
    break;
  }
  default:
    die('usage: load.mjs setup-css|setup-commune|run ...');
}
