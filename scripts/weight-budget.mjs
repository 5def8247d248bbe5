#!/usr/bin/env node
// Page weight budget and Lighthouse scores for Préau's page types (a report, not a test).
//
//   node scripts/weight-budget.mjs            # table + Lighthouse on three page types
//   node scripts/weight-budget.mjs --no-lighthouse
//
// Needs target/debug/preau (cargo build --bin preau), Debian's Chromium (/usr/bin/chromium)
// and node_modules (npm ci). Starts its own `preau serve --demo` on a free loopback port.
//
// For each page type it loads the page with the cache disabled in headless Chromium on a phone
// screen and records every request of the final page load through the DevTools network
// events: count, transferred bytes (encodedDataLength: headers + body as sent; `preau serve`
// does not compress, so this is the uncompressed size) and, for HTML/CSS/JS/SVG, the size
// gzip -6 would give (node's zlib), which is what a compressing edge would send.
// Budget: HTML + CSS + JS ≤ 30 KB gzipped, ≤ 4 requests, 0 bytes of JS.
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  startServer, launchBrowser, phoneContext, ROOT, ARTIFACTS, CHROMIUM, CHROME_ARGS,
} from '../tests/browser/server.mjs';
import { PAGE_TYPES, signInFor, openPage } from '../tests/browser/pages.mjs';

const BUDGET = { bytes: 30 * 1024, requests: 4, js: 0 };
const LIGHTHOUSE_PAGES = ['home', 'school-news', 'post'];
const noLighthouse = process.argv.includes('--no-lighthouse');
const run = promisify(execFile);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const isText = (mime) => /^(text\/|application\/(javascript|json|xml|atom\+xml)|image\/svg\+xml)/.test(mime || '');
/** Images that belong to the content (post pictures), not to the page's own chrome. */
const isContentImage = (r) => kind(r) === 'img' && !new URL(r.url).pathname.startsWith('/theme/');
const kind = (r) => {
  if (r.type === 'Document') return 'html';
  if (r.type === 'Stylesheet' || /css/.test(r.mime)) return 'css';
  if (r.type === 'Script' || /javascript/.test(r.mime)) return 'js';
  if (r.type === 'Image' || /^image\//.test(r.mime)) return 'img';
  return 'other';
};

/** Load one page type cold and return the requests of its final document load. */
async function measure(browser, server, spec) {
  const context = await phoneContext(browser, server.baseURL);
  const page = await context.newPage();
  await signInFor(page, server, spec);

  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // Cold cache: nothing comes from the sign-in or form steps some page types go through.
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let reqs = new Map();
  const bodies = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    // A new main document (after the sign-in or form steps of some page types) starts the count again.
    if (e.type === 'Document' && !e.redirectResponse) reqs = new Map();
    reqs.set(e.requestId, { id: e.requestId, url: e.request.url, type: e.type, mime: '', bytes: 0, body: 0, gzip: 0, status: 0 });
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = reqs.get(e.requestId);
    if (r) Object.assign(r, { mime: e.response.mimeType, status: e.response.status });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = reqs.get(e.requestId);
    if (!r) return;
    r.bytes = e.encodedDataLength;
    bodies.push(cdp.send('Network.getResponseBody', { requestId: e.requestId }).then((b) => {
      const buf = Buffer.from(b.body, b.base64Encoded ? 'base64' : 'utf8');
      r.body = buf.length;
      r.gzip = isText(r.mime) ? zlib.gzipSync(buf, { level: 6 }).length : buf.length;
    }).catch(() => {}));
  });

  const resp = await openPage(page, server, spec);
  await page.waitForLoadState('load');
  await page.waitForTimeout(300); // late favicon / lazy image requests
  await Promise.all(bodies);
  // With the cache off, the favicon fetch repeats the header logo (/theme/icon.svg); a real
  // first visit gets it from the cache (max-age=86400), so each URL counts once.
  const seen = new Set();
  const list = [...reqs.values()].filter((r) => r.status > 0 && !seen.has(r.url) && seen.add(r.url));
  await context.close();
  return { status: resp.status(), list };
}

function summarize(name, status, list) {
  const text = list.filter((r) => ['html', 'css', 'js'].includes(kind(r)));
  const sum = (xs, f) => xs.reduce((a, r) => a + f(r), 0);
  const row = {
    page: name,
    status,
    requests: list.length,
    chromeRequests: list.filter((r) => !isContentImage(r)).length,
    textRequests: text.length,
    raw: sum(text, (r) => r.bytes), // transferred (uncompressed by preau serve) incl. headers
    body: sum(text, (r) => r.body),
    gzip: sum(text, (r) => r.gzip),
    js: sum(list.filter((r) => kind(r) === 'js'), (r) => r.body),
    all: sum(list, (r) => r.bytes),
    files: list.map((r) => `${kind(r)}:${new URL(r.url).pathname}`),
  };
  row.ok = row.gzip <= BUDGET.bytes && row.chromeRequests <= BUDGET.requests && row.js <= BUDGET.js;
  return row;
}

function printTable(rows) {
  const head = ['page', 'status', 'requests', 'w/o content img', 'raw bytes', 'gzip bytes', 'JS bytes', 'all transferred', 'budget'];
  const data = rows.map((r) => [
    r.page, String(r.status), String(r.requests), String(r.chromeRequests), String(r.raw), String(r.gzip),
    String(r.js), String(r.all), r.ok ? 'ok' : 'OVER',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const d of data) console.log(line(d));
  console.log(`\nraw/gzip bytes: HTML + CSS + JS of the page (raw = transferred incl. headers, uncompressed;`);
  console.log(`gzip = bodies through zlib gzip -6). requests: every URL the load fetched (once each), images`);
  console.log(`of the content included; "w/o content img" leaves out the content's pictures (post photos),`);
  console.log(`which the request budget does not count. all transferred: every request's bytes.`);
  console.log(`Budget: gzip ≤ ${kb(BUDGET.bytes)}, requests (w/o content img) ≤ ${BUDGET.requests}, JS = ${BUDGET.js}.`);
  for (const r of rows) console.log(`  ${r.page}: ${r.files.join(' ')}`);
}

async function lighthouse(server, browser, spec) {
  // Sessions ride along as a Cookie header for signed-in pages.
  const headers = {};
  if (spec.as) {
    const context = await phoneContext(browser, server.baseURL);
    const page = await context.newPage();
    await signInFor(page, server, spec);
    const cookies = await context.cookies();
    headers.Cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    await context.close();
  }
  const out = path.join(ARTIFACTS, 'lighthouse', `${spec.name}.json`);
  await mkdir(path.dirname(out), { recursive: true });
  const args = [
    `${server.baseURL}${spec.url}`,
    `--chrome-flags=${CHROME_ARGS.join(' ')}`,
    '--only-categories=performance,accessibility',
    '--form-factor=mobile',
    '--output=json',
    `--output-path=${out}`,
    '--quiet',
  ];
  if (Object.keys(headers).length) args.push(`--extra-headers=${JSON.stringify(headers)}`);
  await run(path.join(ROOT, 'node_modules', '.bin', 'lighthouse'), args, {
    env: { ...process.env, CHROME_PATH: CHROMIUM },
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(await readFile(out, 'utf8'));
  const score = (c) => (report.categories[c]?.score == null ? 'n/a' : Math.round(report.categories[c].score * 100));
  const failed = Object.values(report.audits)
    .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary')
    .map((a) => a.id);
  return {
    page: spec.name,
    url: spec.url,
    performance: score('performance'),
    accessibility: score('accessibility'),
    fcp: report.audits['first-contentful-paint']?.displayValue,
    lcp: report.audits['largest-contentful-paint']?.displayValue,
    cls: report.audits['cumulative-layout-shift']?.displayValue,
    failed,
    finalUrl: report.finalDisplayedUrl || report.finalUrl,
  };
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const rows = [];
  for (const spec of PAGE_TYPES) {
    const { status, list } = await measure(browser, server, spec);
    rows.push(summarize(spec.name, status, list));
  }
  console.log('Page weight (phone, cold cache)\n');
  printTable(rows);
  const over = rows.filter((r) => !r.ok).map((r) => r.page);
  console.log(over.length ? `\nOver budget: ${over.join(', ')}` : '\nAll page types within budget.');

  if (!noLighthouse) {
    console.log('\nLighthouse (mobile, simulated throttling)\n');
    for (const name of LIGHTHOUSE_PAGES) {
      const spec = PAGE_TYPES.find((p) => p.name === name);
      try {
        const r = await lighthouse(server, browser, spec);
        console.log(`${r.page.padEnd(12)} performance ${String(r.performance).padStart(3)}  accessibility ${String(r.accessibility).padStart(3)}  FCP ${r.fcp}  LCP ${r.lcp}  CLS ${r.cls}  (${r.finalUrl})`);
        if (r.failed.length) console.log(`${''.padEnd(12)} failed audits: ${r.failed.join(', ')}`);
      } catch (e) {
        console.log(`${name.padEnd(12)} Lighthouse failed: ${e.message.split('\n')[0]}`);
      }
    }
    console.log(`\nReports: ${path.relative(ROOT, path.join(ARTIFACTS, 'lighthouse'))}/<page>.json`);
  }
} finally {
  await browser.close();
  await server.stop();
}
