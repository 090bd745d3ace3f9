// Bytes on the wire of the editors' interface in a real browser (headless Chromium, 360 px):
// the first visit (sign-in page, then the desk) and a later screen, as transferred, and what
// gzip and brotli would make of each answer. Usage: node bench/admin-bytes.mjs BASE_URL
import { chromium, record, report, kb } from './browser-bytes.mjs';

const base = process.argv[2];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
const page = await context.newPage();
const log = await record(context, page);
const settle = () => new Promise((r) => setTimeout(r, 300));
// The script's share, compressed: what the JavaScript target is about.
const js = (sent) => kb(sent.filter((x) => x.type === 'Script').reduce((a, x) => a + x.br, 0));
const step = async (label) => {
  await settle();
  report(label, log.splice(0), base, (sent) => ` ${js(sent)}`);
};
console.log(`${'step'.padEnd(34)} reqs wire KB gzip KB   br KB br JS KB`);
await page.goto(base + '/admin/login');
await step('first visit: sign-in page');
await page.fill('input[name=username]', 'editor');
await page.fill('input[name=password]', 'demo');
await Promise.all([page.waitForURL(base + '/admin/'), page.click('button[type=submit]')]);
await step('then: the desk (92 portals)');
await page.goto(base + '/admin/sites/main/items');
await step('later: item list');
const href = await page.getAttribute('.items a.title', 'href');
await page.goto(base + href);
await step('later: edit page');
await browser.close();
