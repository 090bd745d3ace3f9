// Shared by bench/admin-bytes.mjs and bench/portal-bytes.mjs: what a page in headless
// Chromium put on the wire, request by request, with what gzip (level 6) and brotli
// (quality 5) would make of each answer.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

const require = createRequire(new URL('../scripts/a11y/package.json', import.meta.url));
export const { chromium } = require('playwright-core');

/** Starts recording `page`'s responses into the array it returns. */
export async function record(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const log = [];
  const seen = new Map();
  cdp.on('Network.responseReceived', (e) => seen.set(e.requestId, { url: e.response.url, type: e.type }));
  cdp.on('Network.loadingFinished', async (e) => {
    const t = seen.get(e.requestId) || {};
    let body = Buffer.alloc(0);
    try {
      const b = await cdp.send('Network.getResponseBody', { requestId: e.requestId });
      body = Buffer.from(b.body, b.base64Encoded ? 'base64' : 'utf8');
    } catch { /* a redirect has no body */ }
    log.push({ url: t.url || '', type: t.type || '', wire: e.encodedDataLength,
      gzip: zlib.gzipSync(body, { level: 6 }).length,
      br: zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }).length });
  });
  return log;
}

/** `12.3` KB, right-aligned. */
export const kb = (n) => (n / 1024).toFixed(1).padStart(7);

/** Prints one line for `entries` (what crossed the wire) and one per request. */
export function report(label, entries, base, extra = () => '') {
  const sent = entries.filter((x) => x.wire > 0);
  const sum = (k, list = sent) => list.reduce((a, x) => a + x[k], 0);
  console.log(`${label.padEnd(34)} ${String(entries.length).padStart(4)} ${kb(sum('wire', entries))} ${kb(sum('gzip'))} ${kb(sum('br'))}${extra(sent, sum)}`);
  for (const x of entries) console.log(`    ${x.type.padEnd(10)} ${kb(x.wire)} ${kb(x.gzip)} ${kb(x.br)}  ${x.url.replace(base, '')}`);
}
