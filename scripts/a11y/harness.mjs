// What every browser test script shares: headless Chromium (Debian's, or $CHROMIUM), axe-core's
// source to inject, and named checks that are counted and reported one line each.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import net from 'node:net';

export const axeSource = fs.readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});

/** A counter of checks: `check(name, fn)` runs one, `tally()` says how many and how many failed. */
export function checks() {
  const t = { run: 0, failed: 0 };
  t.check = async (name, fn) => {
    t.run += 1;
    try {
      await fn();
      console.log(`✓ ${name}`);
    } catch (e) {
      t.failed += 1;
      console.log(`✗ ${name}: ${e.message.split('\n').slice(0, 6).join('\n    ')}`);
    }
  };
  return t;
}

/** A port free on 127.0.0.1 now, for a server a script starts itself. */
export const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
