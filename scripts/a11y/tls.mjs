// Signing in through the edge over TLS in a real browser (headless Chromium), as staff do on
// a portal served over https: the node is told by the edge (a trusted proxy) that the client
// came over TLS, so every cookie of ours is a `__Host-` cookie (Secure, Path=/, no Domain),
// which Chromium accepts only when the rules hold; four users sign in at once while four
// strangers ask for the same screens, and nobody gets anybody else's page; a valid session
// planted under the bare name `portico_session` (as a sibling host or a plain-http answer
// could) is not read.
// Starts its own `portico serve --demo --demo-size small` and `portico edge` with a
// self-signed certificate (openssl).
// Usage: node tls.mjs PORTICO_BINARY
import { checks, freePort, launch } from './harness.mjs';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node tls.mjs PORTICO_BINARY');
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-tls-'));
const [cert, key] = [path.join(dir, 'edge.crt'), path.join(dir, 'edge.key')];
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
  '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  '-keyout', key, '-out', cert,
], { stdio: 'ignore' });
const [nodePort, plainPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
const env = { ...process.env, PORTICO_LOG: 'warn' };
const logs = [];
const run = (args) => {
  const p = spawn(binary, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr.on('data', (d) => logs.push(String(d)));
  return { p, exited: new Promise((resolve) => p.once('exit', resolve)) };
};
const node = run([
  'serve', '--demo', '--demo-size', 'small', '--data', path.join(dir, 'data'),
  '--listen', `127.0.0.1:${nodePort}`, '--trusted-proxy', '127.0.0.1',
]);
const edge = run([
  'edge', '--listen', `127.0.0.1:${plainPort}`, '--origin', `http://127.0.0.1:${nodePort}`,
  '--tls-listen', `127.0.0.1:${tlsPort}`, '--tls-cert', cert, '--tls-key', key,
]);
const cleanup = async () => {
  for (const s of [edge, node]) {
    if (s.p.exitCode === null) {
      s.p.kill('SIGTERM');
      await s.exited;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
};
const base = `https://127.0.0.1:${tlsPort}`;
let up = false;
for (let i = 0; i < 240 && !up; i++) {
  try {
    const r = await fetch(`http://127.0.0.1:${nodePort}/readyz`);
    const e = await fetch(`http://127.0.0.1:${plainPort}/_edge/healthz`);
    up = r.ok && e.ok;
  } catch { /* not yet */ }
  if (!up) await new Promise((r) => setTimeout(r, 500));
}
if (!up) {
  console.error(logs.join(''));
  await cleanup();
  process.exit(1);
}

const browser = await launch();
const tally = checks();
const check = tally.check;
const context = () => browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });

const signIn = async (username) => {
  const ctx = await context();
  const page = await ctx.newPage();
  await page.goto(base + '/admin/');
  assert.match(page.url(), /\/admin\/login\?next=/, 'signed out, /admin/ leads to the sign-in page');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'demo');
  await Promise.all([page.waitForURL(base + '/admin/'), page.click('button[type=submit]')]);
  return { ctx, page, username };
};

try {
  const users = ['author', 'editor', 'approver', 'admin'];
  let staff = [];
  await check('four people sign in at once over TLS, each to their own desk', async () => {
    staff = await Promise.all(users.map(signIn));
    for (const s of staff) {
      assert.equal(await s.page.textContent('.who strong'), s.username);
    }
  });

  await check('the session is a __Host- cookie: Secure, Path=/, HttpOnly, no bare cookie of ours', async () => {
    const jar = await staff[0].ctx.cookies(base);
    const ours = jar.filter((c) => c.name.includes('portico_'));
    const session = ours.find((c) => c.name === '__Host-portico_session');
    assert.ok(session, `cookies: ${ours.map((c) => c.name).join(', ')}`);
    assert.equal(session.path, '/');
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.ok(ours.every((c) => c.name.startsWith('__Host-')), ours.map((c) => c.name).join(', '));
  });

  await check('many at once through the edge: everyone gets their own screen, strangers the sign-in page', async () => {
    const strangers = await Promise.all([0, 1, 2, 3].map(async () => (await context()).newPage()));
    const screens = ['/admin/', '/admin/users', '/admin/sites/main/items', '/admin/items/1', '/admin/audit'];
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        ...staff.flatMap((s) => screens.map(async (screen) => {
          const r = await s.page.request.get(base + screen, { maxRedirects: 0 });
          const body = await r.text();
          if (r.status() === 200) {
            const who = body.match(/class="who">[^<]*<strong>([^<]+)<\/strong>/);
            assert.equal(who && who[1], s.username, `${s.username} at ${screen}`);
          } else {
            // A screen a role may not see: refused, never someone else's page.
            assert.ok([303, 403, 404].includes(r.status()), `${s.username} at ${screen}: ${r.status()}`);
          }
        })),
        ...strangers.flatMap((p) => screens.map(async (screen) => {
          const r = await p.request.get(base + screen, { maxRedirects: 0 });
          assert.equal(r.status(), 303, `a stranger at ${screen}`);
          assert.match(r.headers().location, /^\/admin\/login/);
          assert.doesNotMatch(await r.text(), /class="who"/);
        })),
      ]);
    }
    await Promise.all(strangers.map((p) => p.context().close()));
  });

  await check('a valid session planted under the bare name is not read over TLS', async () => {
    const api = await context();
    const login = await api.request.post(base + '/api/v1/auth/login', {
      data: { username: 'admin', password: 'demo' },
    });
    assert.equal(login.status(), 200);
    const { token } = await login.json();
    assert.ok(token);
    const victim = await context();
    await victim.addCookies([{ name: 'portico_session', value: token, url: base + '/admin/' }]);
    const page = await victim.newPage();
    await page.goto(base + '/admin/');
    assert.match(page.url(), /\/admin\/login\?next=/, 'the planted session signs nobody in');
    await victim.close();
    await api.close();
  });

  await check('signing out over TLS clears the __Host- session', async () => {
    const s = staff[0];
    await Promise.all([s.page.waitForURL(/\/admin\/login/), s.page.click('form[action="/admin/logout"] button')]);
    const jar = await s.ctx.cookies(base);
    assert.ok(!jar.some((c) => c.name === '__Host-portico_session'), jar.map((c) => c.name).join(', '));
  });
} finally {
  await browser.close();
  await cleanup();
}
const { run: ran, failed } = tally;
console.log(`tls: ${ran - failed} of ${ran} checks passed`);
process.exit(failed ? 1 : 0);
