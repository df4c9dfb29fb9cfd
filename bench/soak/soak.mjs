// bench/soak/soak.mjs: the client of bench/soak/run.sh. CONNS connections, each a
// resident of the territory logged in with a session, loop for SECONDS over a mixed
// workload; every 5 s the server's RSS and open file descriptors are read from /proc.
//
//   node soak.mjs BASE PID PEOPLE.json CONNS SECONDS WARMUP
//
// PEOPLE.json: {"password": "...", "handles": [...], "token": "cat_..."} (the token: a
// service's access token bound to a grant of handles[0]). Prints the table of each kind
// of request, the RSS curve and the descriptors; exits 1 on any 5xx, transport error or
// unexpected status, on descriptors that grow, or on RSS that grows after the warm-up by
// more than a tenth.
import { readFileSync, readdirSync } from 'node:fs';

const [base, pidText, peopleFile, connsText, secondsText, warmupText] = process.argv.slice(2);
const pid = Number(pidText), conns = Number(connsText);
const seconds = Number(secondsText), warmup = Number(warmupText);
const people = JSON.parse(readFileSync(peopleFile, 'utf8'));

// the mix: reads, writes, imports, consent checks (a service's reads), app runs
const kinds = [
  ['read records', 45], ['read series', 10], ['write record', 15],
  ['consent check', 15], ['import', 5], ['app run', 5], ['read audit', 5],
];
const total = kinds.reduce((s, [, w]) => s + w, 0);
const stats = new Map(kinds.map(([k]) => [k, { n: 0, bad: 0, s5xx: 0, lat: [] }]));
let transport = 0, unexpected = [];

function pick() {
  let r = Math.random() * total;
  for (const [k, w] of kinds) { if ((r -= w) < 0) return k; }
  return kinds[0][0];
}

function ofx(prefix, n) {
  let t = 'OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nENCODING:USASCII\r\nCHARSET:1252\r\n\r\n' +
    '<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\r\n<BANKACCTFROM><BANKID>1<ACCTID>FR76 9' +
    '<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n<BANKTRANLIST>\r\n';
  for (let k = 0; k < n; k++) {
    t += `<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>202501${String(1 + (k % 28)).padStart(2, '0')}` +
      `<TRNAMT>-${1 + (k % 80)}.20<FITID>${prefix}${k}<NAME>SHOP ${k % 11}</STMTTRN>\r\n`;
  }
  return t + '</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n';
}

async function login(handle) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ handle, password: people.password }),
  });
  if (r.status !== 200) throw new Error(`login ${handle}: ${r.status}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const { csrf } = await r.json();
  return { cookie, csrf };
}

async function one(kind, who, i, n) {
  const h = { Cookie: who.cookie, 'X-CSRF-Token': who.csrf };
  switch (kind) {
    case 'read records':
      return [await fetch(`${base}/api/v1/records/bank.transaction?limit=20&sort=date`, { headers: h }), [200]];
    case 'read series':
      return [await fetch(`${base}/api/v1/series`, { headers: h }), [200]];
    case 'read audit':
      return [await fetch(`${base}/api/v1/audit?limit=20`, { headers: h }), [200]];
    case 'write record':
      return [await fetch(`${base}/api/v1/records/bank.transaction`, {
        method: 'POST', headers: { ...h, 'Content-Type': 'application/json' },
        body: JSON.stringify({ date: '2025-02-03', amount: -(n % 90) - 0.5, currency: 'EUR', label: `soak ${i} ${n}` }),
      }), [201]];
    case 'consent check':
      return [await fetch(`${base}/api/v1/records/bank.transaction?limit=5`, {
        headers: { Authorization: `Bearer ${people.token}` },
      }), [200]];
    case 'import': {
      const form = new FormData();
      form.append('file', new Blob([ofx(`S${i}N${n}T`, 30)]), `soak-${i}-${n}.ofx`);
      return [await fetch(`${base}/api/v1/imports`, {
        method: 'POST', headers: { ...h, Prefer: 'wait=30' }, body: form,
      }), [201]];
    }
    case 'app run':
      return [await fetch(`${base}/api/v1/apps/coach-co2/run`, {
        method: 'POST', headers: { ...h, 'Content-Type': 'application/json' }, body: '{}',
      }), [200, 201]];
  }
  throw new Error(kind);
}

const t0 = Date.now(), end = t0 + seconds * 1000;
const samples = [];

function sample() {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    samples.push({ t: (Date.now() - t0) / 1000, rss, fds });
  } catch { /* the server went: told by the requests */ }
}
sample();
const timer = setInterval(sample, 5000);

async function loop(i) {
  const who = await login(people.handles[i % people.handles.length]);
  for (let n = 0; Date.now() < end; n++) {
    const kind = pick(), s = stats.get(kind), a = performance.now();
    try {
      const [r, want] = await one(kind, who, i, n);
      await r.arrayBuffer();
      const ms = performance.now() - a;
      s.n++;
      s.lat.push(ms);
      if (r.status >= 500) s.s5xx++;
      if (!want.includes(r.status)) {
        s.bad++;
        if (unexpected.length < 10) unexpected.push(`${kind}: ${r.status}`);
      }
    } catch (e) {
      transport++;
      if (unexpected.length < 10) unexpected.push(`${kind}: ${e.message}`);
    }
  }
}

await Promise.all(Array.from({ length: conns }, (_, i) => loop(i)));
clearInterval(timer);
sample();

const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0; };
let all = 0, bad = 0, s5xx = 0;
console.log(`| request | share | count | per s | p50 ms | p99 ms | not as expected | 5xx |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|---:|`);
for (const [k, w] of kinds) {
  const s = stats.get(k);
  all += s.n; bad += s.bad; s5xx += s.s5xx;
  console.log(`| ${k} | ${w} % | ${s.n} | ${(s.n / seconds).toFixed(1)} | ${q(s.lat, 0.5).toFixed(1)} | ${q(s.lat, 0.99).toFixed(1)} | ${s.bad} | ${s.s5xx} |`);
}
console.log(`| all | | ${all} | ${(all / seconds).toFixed(1)} | | | ${bad} | ${s5xx} |`);
console.log(`\ntransport errors: ${transport}`);
if (unexpected.length) console.log(`first unexpected answers: ${unexpected.join('; ')}`);

// the curve: one sample a minute (and the first and last)
console.log('\n| s | RSS MiB | open fds |\n|---:|---:|---:|');
let lastMinute = -1;
samples.forEach((x, k) => {
  const minute = Math.floor(x.t / 60);
  if (minute !== lastMinute || k === samples.length - 1) {
    console.log(`| ${x.t.toFixed(0)} | ${x.rss.toFixed(1)} | ${x.fds} |`);
    lastMinute = minute;
  }
});
const after = samples.filter((x) => x.t >= warmup);
const rssAt = after.length ? after[0].rss : 0, rssEnd = samples.at(-1).rss;
const rssMax = Math.max(...after.map((x) => x.rss));
const fdStart = after.length ? after[0].fds : 0, fdEnd = samples.at(-1).fds;
const fdMax = Math.max(...after.map((x) => x.fds));
console.log(`\nafter the ${warmup} s warm-up: RSS ${rssAt.toFixed(1)} -> ${rssEnd.toFixed(1)} MiB (max ${rssMax.toFixed(1)}), fds ${fdStart} -> ${fdEnd} (max ${fdMax})`);
const ok = s5xx === 0 && bad === 0 && transport === 0 && rssMax <= rssAt * 1.1 + 1 && fdEnd <= fdStart + 4;
console.log(ok ? 'soak: passed' : 'soak: FAILED');
process.exit(ok ? 0 : 1);
