// Accessibility of every page type with axe-core (WCAG 2.0/2.1 A and AA rules, onto which
// the RGAA maps), in light and dark colour schemes, on a phone-sized screen. Each page is
// also saved as a full-page screenshot in tests/artifacts/screenshots/<name>-<scheme>.png
// for a human look.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  startServer, launchBrowser, phoneContext, ensureDir, ROOT, ARTIFACTS,
} from './server.mjs';
import { PAGE_TYPES, signInFor, openPage } from './pages.mjs';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SCHEMES = ['light', 'dark'];
const SHOTS = path.join(ARTIFACTS, 'screenshots');

function formatViolations(violations) {
  return violations.map((v) => [
    `- ${v.id} [${v.impact}] ${v.help}`,
    `  ${v.helpUrl}`,
    ...v.nodes.slice(0, 8).map((n) => `  target: ${n.target.join(' ')}\n    ${n.failureSummary?.replace(/\n/g, '\n    ')}`),
  ].join('\n')).join('\n');
}

/** Load lazy images so full-page screenshots show them. */
async function loadAllImages(page) {
  await page.evaluate(async () => {
    const imgs = [...document.images];
    for (const img of imgs) img.loading = 'eager';
    await Promise.all(imgs.map((img) => (img.complete ? null : new Promise((r) => {
      img.addEventListener('load', r, { once: true });
      img.addEventListener('error', r, { once: true });
    }))));
  });
}

describe('accessibility (axe-core, WCAG 2.1 AA) and screenshots', () => {
  let server;
  let browser;
  let axeSource;
  const contexts = new Map(); // account (or '') → page

  before(async () => {
    axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await ensureDir(SHOTS);
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** One page per account, signed in (and charter accepted unless told otherwise). */
  async function pageFor(spec) {
    const key = spec.as || '';
    if (!contexts.has(key)) {
      // bypassCSP: the site's CSP (rightly) forbids inline scripts, and axe is injected inline.
      const context = await phoneContext(browser, server.baseURL, { bypassCSP: true });
      const page = await context.newPage();
      await signInFor(page, server, spec);
      contexts.set(key, page);
    }
    return contexts.get(key);
  }

  for (const spec of PAGE_TYPES) {
    for (const scheme of SCHEMES) {
      test(`${spec.name} (${scheme})`, async () => {
        const page = await pageFor(spec);
        await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
        const resp = await openPage(page, server, spec);
        assert.equal(resp.status(), spec.status, `${spec.name}: HTTP status of ${page.url()}`);
        assert.equal(new URL(page.url()).pathname, spec.url, `${spec.name}: no redirect`);

        // Reflow (WCAG 1.4.10): nothing wider than the phone screen, no sideways scrolling.
        const overflow = await page.evaluate(() => {
          const vw = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > vw + 1)
            .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''}`);
          return { scroll: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 5) };
        });
        assert.ok(overflow.scroll <= overflow.vw, `${spec.name}: page wider than the screen (${overflow.scroll} > ${overflow.vw}): ${overflow.wide}`);

        // Touch targets of at least 44×44 CSS px for every control and every link that is not
        // part of a sentence (links inside running text are exempt, as in WCAG 2.5.5/2.5.8).
        const small = await page.evaluate(() => {
          const out = [];
          const controls = 'a[href], button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, summary';
          for (const el of document.querySelectorAll(controls)) {
            let r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= 0) continue; // hidden, or the off-screen skip link
            // A stretched link (::after covering its card) is as big as that card.
            if (getComputedStyle(el, '::after').position === 'absolute' && el.offsetParent) {
              r = el.offsetParent.getBoundingClientRect();
            }
            let block = el.parentElement;
            while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
            const text = (n) => n.textContent.replace(/\s+/g, ' ').trim();
            const inSentence = block && text(block).length > text(el).length + 2;
            if (!inSentence && (r.height < 43.5 || r.width < 43.5)) {
              out.push(`${el.tagName.toLowerCase()} "${text(el).slice(0, 40)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
            }
          }
          return out;
        });
        assert.deepEqual(small, [], `${spec.name}: touch targets under 44×44 px`);

        await loadAllImages(page);
        await page.screenshot({ path: path.join(SHOTS, `${spec.name}-${scheme}.png`), fullPage: true });

        await page.addScriptTag({ content: axeSource });
        const results = await page.evaluate(
          (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
          AXE_TAGS,
        );
        const { violations } = results;
        assert.ok(results.passes.length > 10, `axe ran its rules (${results.passes.length} passed)`);
        if (violations.length) console.log(`\n${spec.name} (${scheme}) — ${page.url()}\n${formatViolations(violations)}`);
        assert.equal(violations.length, 0, `${spec.name} (${scheme}): axe violations\n${formatViolations(violations)}`);
      });
    }
  }
});
