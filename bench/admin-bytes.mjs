// Bytes on the wire of the editors' interface in a real browser (headless Chromium, 360 px):
// the first visit (sign-in page, then the desk) and a later screen, as transferred, and what
// gzip and brotli would make of each answer. Usage: node bench/admin-bytes.mjs BASE_URL
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
const require = createRequire(new URL('../scripts/a11y/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const base = process.argv[2];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Network.enable');
let log = [];
const types = new Map();
cdp.on('Network.responseReceived', (e) => types.set(e.requestId, { url: e.response.url, type: e.type }));
cdp.on('Network.loadingFinished', async (e) => {
  const t = types.get(e.requestId) || {};
  let body = Buffer.alloc(0);
  try {
    const b = await cdp.send('Network.getResponseBody', { requestId: e.requestId });
    body = Buffer.from(b.body, b.base64Encoded ? 'base64' : 'utf8');
  } catch { /* a redirect has no body */ }
  log.push({ url: t.url, type: t.type, wire: e.encodedDataLength, body: body.length,
    gzip: zlib.gzipSync(body, { level: 6 }).length,
    br: zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }).length });
});
const settle = () => new Promise((r) => setTimeout(r, 300));
const report = (name) => {
  // Compressed sizes count only what crossed the wire (not what came from the browser's cache).
  const sent = (x) => x.wire > 0;
  const sum = (k, f = () => true) => log.filter((x) => f(x) && (k === 'wire' || sent(x))).reduce((a, x) => a + x[k], 0);
  const js = (x) => x.type === 'Script';
  const kb = (n) => (n / 1024).toFixed(1).padStart(7);
  console.log(`${name.padEnd(30)} ${String(log.length).padStart(4)} ${kb(sum('wire'))} ${kb(sum('gzip'))} ${kb(sum('br'))} ${kb(sum('br', js))}`);
  for (const x of log) console.log(`    ${x.type?.padEnd(10) ?? ''} ${kb(x.wire)} ${kb(x.gzip)} ${kb(x.br)}  ${x.url?.replace(base, '')}`);
  log = [];
};
console.log(`${'step'.padEnd(30)} reqs wire KB gzip KB   br KB br JS KB`);
await page.goto(base + '/admin/login');
await settle();
report('first visit: sign-in page');
await page.fill('input[name=username]', 'editor');
await page.fill('input[name=password]', 'demo');
await Promise.all([page.waitForURL(base + '/admin/'), page.click('button[type=submit]')]);
await settle();
report('then: the desk (92 portals)');
await page.goto(base + '/admin/sites/main/items');
await settle();
report('later: item list');
const href = await page.getAttribute('.items a.title', 'href');
await page.goto(base + href);
await settle();
report('later: edit page');
await browser.close();
