// lib.mjs - what the node tests share: the commune CLI on a data directory,
// `commune serve` on a free loopback port, and a person's session.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

// The environment of every commune the tests start: the cheapest password
// hashes (the parameters are in each hash; tests only).
export const env = { ...process.env, COMMUNE_PWHASH_COST: 'min' };

// password - the password of a test person.
export const password = (who) => `pw-${who}-correct-horse`;

// cli - runs `commune ARGS --data DIR` with input on stdin; its stdout.
export function cli(bin, dir, args, input = '') {
  const r = spawnSync(bin, [...args, '--data', dir], { input, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `commune ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// startServer - `commune serve` on a free loopback port (the kernel picks
// it; the server prints where it listens): {p, url}.
export function startServer(bin, dir) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', dir, '--no-access-log'],
      { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20000);
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ p, url: m[1] });
      }
    });
    p.on('exit', (code) => reject(new Error(`commune serve exited with ${code}: ${out}`)));
  });
}

// login - a person's session on the server at base: {cookie, csrf}.
export async function login(base, handle) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ handle, password: password(handle) }),
  });
  assert.equal(r.status, 200);
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: (await r.json()).csrf };
}
