// Bytes on the wire of the public portal in a real browser (headless Chromium, 360 px): a
// phone's first visit to a portal's home page, all assets included, then an article page with
// the assets already cached, and an article page on a first visit; as sent, and what gzip and
// brotli would make of each answer. Usage: node bench/portal-bytes.mjs BASE_URL
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
const require = createRequire(new URL('../scripts/a11y/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const base = process.argv[2];
const items = await (await fetch(`${base}/api/v1/public/sites/main/items?kind=article&limit=1`)).json();
const a = items.items[0];
const article = `/main/${a.channels[0] || 'bai-viet'}/${a.slug}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const visit = async (context, label, path) => {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const log = [];
  const types = new Map();
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, { url: e.response.url, type: e.type }));
  cdp.on('Network.loadingFinished', async (e) => {
    const t = types.get(e.requestId) || {};
    let body = Buffer.alloc(0);
    try {
      const b = await cdp.send('Network.getResponseBody', { requestId: e.requestId });
      body = Buffer.from(b.body, b.base64Encoded ? 'base64' : 'utf8');
    } catch { /* no body */ }
    log.push({ url: t.url, type: t.type, wire: e.encodedDataLength, gzip: zlib.gzipSync(body, { level: 6 }).length,
      br: zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }).length });
  });
  await page.goto(base + path, { waitUntil: 'networkidle' });
  await new Promise((r) => setTimeout(r, 300));
  const sent = log.filter((x) => x.wire > 0);
  const kb = (n) => (n / 1024).toFixed(1).padStart(7);
  const sum = (k) => sent.reduce((s, x) => s + x[k], 0);
  console.log(`${label.padEnd(34)} ${String(sent.length).padStart(4)} ${kb(sum('wire'))} ${kb(sum('gzip'))} ${kb(sum('br'))}`);
  for (const x of sent) console.log(`    ${(x.type || '').padEnd(10)} ${kb(x.wire)} ${kb(x.gzip)} ${kb(x.br)}  ${x.url.replace(base, '')}`);
  await page.close();
};
console.log(`${'visit'.padEnd(34)} reqs wire KB gzip KB   br KB`);
const phone = await browser.newContext({ viewport: { width: 360, height: 800 }, isMobile: true });
await visit(phone, 'first visit: main portal home', '/main/');
await visit(phone, 'then: an article (assets cached)', article);
await phone.close();
const fresh = await browser.newContext({ viewport: { width: 360, height: 800 }, isMobile: true });
await visit(fresh, 'first visit: an article', article);
await browser.close();
