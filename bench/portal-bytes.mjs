// Bytes on the wire of the public portal in a real browser (headless Chromium, 360 px): a
// phone's first visit to a portal's home page, all assets included, then an article page with
// the assets already cached, and an article page on a first visit; as sent, and what gzip and
// brotli would make of each answer. Usage: node bench/portal-bytes.mjs BASE_URL
import { chromium, record, report } from './browser-bytes.mjs';

const base = process.argv[2];
// The newest article with a cover photo: the heavier case.
const items = await (await fetch(`${base}/api/v1/public/sites/main/items?kind=article&limit=50`)).json();
const a = items.items.find((i) => i.fields.cover) || items.items[0];
const article = `/main/${a.channels[0] || 'bai-viet'}/${a.slug}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const visit = async (context, label, path) => {
  const page = await context.newPage();
  const log = await record(context, page);
  await page.goto(base + path, { waitUntil: 'networkidle' });
  await new Promise((r) => setTimeout(r, 300));
  // Answers the browser took from its cache are not listed.
  report(label, log.filter((x) => x.wire > 0), base);
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
