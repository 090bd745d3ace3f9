// Single sign-on in a real browser (headless Chromium) against a real OpenID provider
// (oidc-provider.mjs), as the province's staff use it:
// - a first sign-in from the sign-in page's link creates the account, and the directory
//   group mapped to a role grants it (the editor sees the portal's work);
// - signing out ends the provider's session too (RP-initiated logout): the next sign-in asks
//   for the password at the provider again;
// - a person with no mapped group gets an account with no role;
// - an account a network admin disabled is refused;
// - an ID token that was tampered with, or is for another client, names another issuer,
//   carries another nonce or has expired, is refused, and nobody is signed in;
// - after the provider rotates its signing key, sign-in works (the keys are fetched again);
// - the sign-in page, and the users screen with its "link to sign-on" buttons, pass axe at
//   1280 and 360 px.
// Starts its own provider and its own `portico serve --demo --demo-size small`.
// Usage: node sso.mjs PORTICO_BINARY [SHOTS_DIR]
import { axeSource, checks, freePort, launch } from './harness.mjs';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { startProvider } from './oidc-provider.mjs';

const binary = process.argv[2];
const shots = process.argv[3];
if (!binary) {
  console.error('usage: node sso.mjs PORTICO_BINARY [SHOTS_DIR]');
  process.exit(2);
}

const [opPort, ptPort] = [await freePort(), await freePort()];
const base = `http://127.0.0.1:${ptPort}`;
const provider = await startProvider({
  port: opPort,
  redirectUri: `${base}/auth/oidc/callback`,
  postLogoutUri: `${base}/admin/login?signed_out=1`,
});
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-sso-'));
const server = spawn(binary, [
  'serve', '--demo', '--demo-size', 'small', '--data', data, '--listen', `127.0.0.1:${ptPort}`,
  '--public-url', base,
  '--oidc-issuer', provider.issuer, '--oidc-client-id', 'portico',
  '--oidc-client-secret', 'bi-mat-cua-portico',
  '--oidc-role-map', 'bien-tap-main=main:editor',
], { env: { ...process.env, PORTICO_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (d) => { serverLog += d; });
// The server's folder goes only once the server has exited: its indexer may be writing
// into it until then (it reads the demo's files after start).
const exited = new Promise((resolve) => server.once('exit', resolve));
const cleanup = async () => {
  if (server.exitCode === null) {
    server.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
  }
  await provider.stop();
  fs.rmSync(data, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
};
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch { /* not yet */ }
  if (i > 240 || server.exitCode !== null) {
    console.error(`portico did not start:\n${serverLog}`);
    await cleanup();
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 500));
}

const axe = axeSource;
const browser = await launch();
const tally = checks();
const check = tally.check;

/** From Portico's sign-in page through the provider's form; returns where the browser ends. */
const ssoSignIn = async (page, login) => {
  await page.goto(`${base}/admin/`);
  assert.match(page.url(), /\/admin\/login/);
  // The provider asks who it is, or (with a session of its own) sends the browser straight
  // back to Portico.
  const back = (u) => u.href.startsWith(`${base}/`) && !(u.pathname === '/admin/login' && !u.search.includes('sso='));
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${provider.issuer}/interaction/`) || back(u)),
    page.click('#sso'),
  ]);
  if (page.url().startsWith(provider.issuer)) {
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'mat-khau-bat-ky');
    await Promise.all([page.waitForURL(back), page.click('button[type=submit]')]);
  }
  await page.waitForLoadState('load');
  return page.url();
};
const newPage = async (width = 1280) => {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  return { context, page: await context.newPage() };
};
const sessionCookie = async (context) => (await context.cookies(`${base}/admin/`)).find((c) => c.name === 'portico_session');

const an = await newPage();
await check('a first single sign-on creates the account and the mapped group makes it an editor of the main portal', async () => {
  const { page } = an;
  const url = await ssoSignIn(page, 'le.van.an');
  assert.equal(url, `${base}/admin/`);
  assert.ok(await sessionCookie(an.context), 'a session cookie was set');
  assert.match(await page.textContent('body'), /le\.van\.an|Lê Văn An/);
  const row = page.locator('#site-table tbody tr', { hasText: 'Cổng Thông tin điện tử tỉnh' }).first();
  assert.match(await row.textContent(), /Biên tập/, 'the main portal row names the editor role');
  await page.goto(`${base}/admin/sites/main/items?state=in_review`);
  assert.equal((await page.goto(`${base}/admin/sites/main/items`)).status(), 200);
});

await check('signing out ends the provider session too: the next sign-in asks for the password again', async () => {
  const { page, context } = an;
  await page.goto(`${base}/admin/`);
  await page.click('form.signout button');
  // The provider asks to confirm, then sends the browser back to the sign-in page.
  await page.waitForURL(new RegExp(`^${provider.issuer}/session/end`));
  await Promise.all([page.waitForURL(`${base}/admin/login?signed_out=1`), page.click('button[name=logout][value=yes]')]);
  assert.equal(await sessionCookie(context), undefined, 'no session cookie is left');
  await page.click('#sso');
  await page.waitForSelector('input[name=login]');
  assert.ok(page.url().startsWith(provider.issuer), 'the provider asks who it is');
});

await check('a person with no mapped group gets an account with no role', async () => {
  const { page, context } = await newPage();
  const url = await ssoSignIn(page, 'pham.minh.chau');
  assert.equal(url, `${base}/admin/`);
  assert.equal(await page.locator('#site-table').count(), 0, 'no portal is listed');
  await context.close();
});

await check('an account a network admin disabled is refused', async () => {
  const { page: admin, context: adminContext } = await newPage();
  // First sign-in creates the account; the network admin then disables it.
  const { page, context } = await newPage();
  await ssoSignIn(page, 'tran.thi.binh');
  assert.equal(page.url(), `${base}/admin/`);
  await admin.goto(`${base}/admin/login`);
  await admin.fill('input[name=username]', 'admin');
  await admin.fill('input[name=password]', 'demo');
  await Promise.all([admin.waitForURL(`${base}/admin/`), admin.click('form[action="/admin/login"] button[type=submit]')]);
  await admin.goto(`${base}/admin/users`);
  const row = admin.locator('tr', { hasText: 'tran.thi.binh' });
  await Promise.all([admin.waitForLoadState('load'), row.locator('button[value="user.disable"]').click()]);
  await admin.waitForSelector('.notice');
  // Her open session has ended at once, and signing in again is refused.
  await page.goto(`${base}/admin/`);
  assert.match(page.url(), /\/admin\/login/, 'the session ended when she was disabled');
  const url = await ssoSignIn(page, 'tran.thi.binh');
  assert.match(url, /\/admin\/login\?sso=disabled/);
  assert.match(await page.textContent('[role=alert]'), /đã bị khóa/);
  assert.equal(await sessionCookie(context), undefined);
  await context.close();
  await adminContext.close();
});

for (const [mode, why] of [
  ['tamper', 'a claim changed after signing'],
  ['audience', 'a token for another client'],
  ['issuer', 'a token naming another issuer'],
  ['nonce', 'a token with another nonce'],
  ['expired', 'an expired token'],
]) {
  await check(`${why} is refused and nobody is signed in`, async () => {
    const { page, context } = await newPage();
    provider.setMode(mode);
    try {
      const url = await ssoSignIn(page, 'le.van.an');
      assert.match(url, /\/admin\/login\?sso=invalid/, url);
      assert.match(await page.textContent('[role=alert]'), /Không xác thực được/);
      assert.equal(await sessionCookie(context), undefined);
    } finally {
      provider.setMode(null);
      await context.close();
    }
  });
}

await check('after the provider rotates its signing key, sign-in works', async () => {
  const { page, context } = await newPage();
  provider.setMode('rotate');
  const fetched = provider.keyFetches();
  try {
    const url = await ssoSignIn(page, 'le.van.an');
    assert.equal(url, `${base}/admin/`);
    assert.ok(await sessionCookie(context));
    assert.equal(provider.keyFetches(), fetched + 1, 'the keys were fetched again once');
  } finally {
    provider.setMode(null);
    await context.close();
  }
});

/** The page's WCAG 2.1 A and AA violations (axe), with a screenshot NAME.png when asked for. */
const audit = async (page, name) => {
  await page.addScriptTag({ content: axe });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
  if (shots) {
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }
  return result.violations.map((v) => `${v.id}: ${v.help}`);
};

await check('the sign-in page with single sign-on passes axe (WCAG 2.1 AA) at 1280 and 360 px', async () => {
  for (const width of [1280, 360]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login?sso=disabled`);
    const violations = await audit(page, `sso-login-${width}`);
    await context.close();
    assert.deepEqual(violations, []);
  }
});

await check('the users screen with single sign-on (its link buttons) passes axe at 1280 and 360 px', async () => {
  for (const width of [1280, 360]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'demo');
    await Promise.all([page.waitForURL(`${base}/admin/`), page.click('form[action="/admin/login"] button[type=submit]')]);
    await page.goto(`${base}/admin/users`);
    assert.ok(await page.locator('button[value="user.sso_link"]').count() > 0, 'the link buttons are shown');
    const violations = await audit(page, `sso-users-${width}`);
    await context.close();
    assert.deepEqual(violations, []);
  }
});

await browser.close();
await cleanup();
if (tally.failed) console.log(`the server said:\n${serverLog.split('\n').slice(-30).join('\n')}`);
console.log(`\nsingle sign-on: ${tally.run} checks, ${tally.failed} failed`);
process.exit(tally.failed ? 1 : 0);
