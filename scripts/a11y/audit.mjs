// Accessibility audit of the portal pages: every rule of axe-core tagged WCAG 2.0/2.1 A and
// AA, on the pages a citizen uses, at a desktop and a phone width, in headless Chromium.
// Usage: node audit.mjs BASE_URL   (a running `portico serve --demo`)
import { chromium } from 'playwright-core';
import fs from 'node:fs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node audit.mjs BASE_URL');
  process.exit(2);
}
const axe = fs.readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const json = async (path) => (await fetch(base + path)).json();

// One page of each kind, found through the delivery API.
const firstOf = async (kind) => {
  const { items } = await json(`/api/v1/public/sites/main/items?kind=${kind}&limit=1`);
  const it = items[0];
  // Answers and consultations live beside their pages, whatever their channels.
  const segment = { question: 'hoi-dap', consultation: 'lay-y-kien' }[kind] || it.channels[0];
  return `/main/${segment}/${it.slug}`;
};
const sites = await json('/api/v1/public/sites');
const component = sites[0].children[0].slug;
const paths = [
  '/',
  '/main/',
  `/${component}/`,
  '/main/tin-tuc-su-kien',
  await firstOf('article'),
  '/main/van-ban',
  '/main/van-ban?doc_type=Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh',
  await firstOf('document'),
  '/main/thu-tuc',
  await firstOf('procedure'),
  await firstOf('page'),
  '/main/hoi-dap',
  await firstOf('question'),
  '/main/hoi-dap/tra-cuu?ma=HD-KHONGCO1',
  '/main/lay-y-kien',
  await firstOf('consultation'),
  '/main/tim-kiem',
  '/main/tim-kiem?q=quyet+dinh',
  '/main/khong-co-trang-nay/khong-co',
  '/main/van-ban?year=abc',
  `/${component}/khong-co/a/b`,
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
let violations = 0;
let audited = 0;
for (const width of [1280, 375]) {
  // The pages forbid scripts (CSP); the audit's own script needs to run.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width, height: 900 } });
  const page = await context.newPage();
  for (const path of paths) {
    await page.goto(base + path);
    await page.addScriptTag({ content: axe });
    const result = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
    );
    audited += 1;
    for (const v of result.violations) {
      violations += 1;
      console.log(`✗ ${path} @${width}px: ${v.id} (${v.impact}): ${v.help}`);
      for (const n of v.nodes.slice(0, 3)) {
        console.log(`    ${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1).join('; ')}`);
      }
    }
  }
  await context.close();
}
// Keyboard: the first Tab lands on the skip link, which is visible when focused and leads to
// the main content; every link and control is reachable and shows where the focus is.
{
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(base + '/main/');
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
      href: el.getAttribute('href'),
      visible: box.width > 0 && box.height > 0 && box.top >= 0,
      outline: style.outlineStyle !== 'none' || style.boxShadow !== 'none',
      target: !!document.querySelector(el.getAttribute('href') || 'x'),
    };
  });
  audited += 1;
  if (!(first.href && first.href.startsWith('#') && first.visible && first.outline && first.target)) {
    violations += 1;
    console.log(`✗ /main/: the first Tab does not reach a visible skip link: ${JSON.stringify(first)}`);
  }
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    const shown = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return document.activeElement === document.body || s.outlineStyle !== 'none' || s.boxShadow !== 'none';
    });
    if (!shown) {
      violations += 1;
      console.log(`✗ /main/: Tab ${i + 2} reaches an element with no visible focus`);
      break;
    }
  }
  await context.close();
}
// A phone (360 px): the document register does not scroll sideways and no document number
// or date is broken over two lines.
{
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(base + '/main/van-ban');
  const layout = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    rows: document.querySelectorAll('.documents tbody tr').length,
    broken: [...document.querySelectorAll('.documents tbody td:nth-child(-n+2)')]
      .filter((td) => {
        const r = document.createRange();
        r.selectNodeContents(td);
        const lines = new Set([...r.getClientRects()].map((b) => Math.round(b.top)));
        return lines.size > 1;
      })
      .map((td) => td.textContent.trim()),
  }));
  audited += 1;
  if (layout.rows === 0 || layout.overflow > 0 || layout.broken.length > 0) {
    violations += 1;
    console.log(`✗ /main/van-ban @360px: ${JSON.stringify(layout)}`);
  }
  await context.close();
}
await browser.close();
console.log(`a11y: ${audited} page audits, ${violations} violations (axe-core, WCAG 2.1 A and AA)`);
process.exit(violations === 0 ? 0 : 1);
