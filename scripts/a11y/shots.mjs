// Full-page screenshots of portal pages at a phone's and a desktop's width, for a person to
// look at before calling a page done.
// Usage: node shots.mjs BASE_URL OUT_DIR PATH...   e.g. node shots.mjs http://127.0.0.1:8080 /tmp/shots /main/ /main/van-ban
import { chromium } from 'playwright-core';
import fs from 'node:fs';

const [base, out, ...paths] = process.argv.slice(2);
if (!base || !out || paths.length === 0) {
  console.error('usage: node shots.mjs BASE_URL OUT_DIR PATH...');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || undefined });
for (const width of [360, 1280]) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  for (const path of paths) {
    await page.goto(base + path, { waitUntil: 'networkidle' });
    const name = path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'root';
    const file = `${out}/${name}-${width}.png`;
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
    // The first two screens alone too: a long phone page shrinks to nothing in one picture.
    if (width === 360) {
      const top = `${out}/${name}-${width}-top.png`;
      await page.screenshot({ path: top, clip: { x: 0, y: 0, width, height: 1600 } });
      console.log(top);
    }
  }
  await page.close();
}
await browser.close();
