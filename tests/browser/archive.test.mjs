// The year-end class archive opened the way a family opens it: `preau archive` of the demo's
// CE1 A, unzipped, then `index.html` opened as file:// in Chromium on a phone-sized screen,
// with no server running. From the first page to the class blog to a post: every request
// succeeds (stylesheet, icon, images), the pages are styled, and axe finds no violation.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { launchBrowser, PHONE, PREAU_BIN, ROOT } from './server.mjs';

/** The files of a zip (stored or deflated entries), read from its central directory. */
function unzip(buf) {
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end -= 1;
  assert.ok(end >= 0, 'end of central directory');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const files = new Map();
  for (let i = 0; i < count; i += 1) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    files.set(name, method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

describe('the class archive, opened from a folder without a server', () => {
  let dir;
  let browser;
  let axeSource;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preau-archive-'));
    const data = path.join(dir, 'data');
    // A data folder of its own (the archive needs one for photos, comments and the log).
    execFileSync(PREAU_BIN, ['audit', 'purge', '--quiet', '--data', data], { cwd: ROOT });
    const zip = path.join(dir, 'ce1-a.zip');
    execFileSync(PREAU_BIN, [
      'archive', 'ecole-jean-moulin/ce1-a', '--year', '2026-2027', '--comments',
      '--output', zip, '--data', data, '--quiet',
    ], { cwd: ROOT });
    const out = path.join(dir, 'cle-usb');
    for (const [name, bytes] of unzip(await readFile(zip))) {
      const file = path.join(out, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, bytes);
    }
    dir = { root: dir, out };
    axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (dir?.root) await rm(dir.root, { recursive: true, force: true });
  });

  test('from index.html to the class blog to a post, everything loads, styled and accessible', async () => {
    const context = await browser.newContext({ ...PHONE });
    const page = await context.newPage();
    const failed = [];
    page.on('requestfailed', (r) => {
      // axe fetches the stylesheets again to read them, which file:// forbids; what the
      // page itself loads is what counts.
      if (!['xhr', 'fetch'].includes(r.resourceType())) failed.push(`${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) failed.push(`${r.url()} leaves the folder`);
    });
    const axe = async (what) => {
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        resultTypes: ['violations'],
      }).then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)));
      assert.deepEqual(violations, [], `${what}: ${violations.join('\n')}`);
    };
    const imagesLoaded = () => page.evaluate(async () => {
      for (const img of document.images) img.loading = 'eager';
      await Promise.all([...document.images].map((img) => (img.complete ? null
        : new Promise((r) => { img.onload = r; img.onerror = r; }))));
      return [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.src);
    });

    await page.goto(pathToFileURL(path.join(dir.out, 'index.html')).href);
    await axe('index.html');
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('link', { name: 'Ouvrir le blog de la classe' }).click(),
    ]);
    assert.match(page.url(), /\/ecoles\/ecole-jean-moulin\/classes\/ce1-a\/index\.html$/);
    assert.match(await page.locator('h1').innerText(), /CE1/);
    // The theme's stylesheet applies (a rule of style.css on the archive's note).
    const border = await page.locator('.archive-note').evaluate((el) => getComputedStyle(el).borderLeftWidth);
    assert.equal(border, '4px');
    assert.equal(await page.locator('form, script[src]').count(), 0);
    await axe('the class blog');

    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('link', { name: 'Notre journée à la ferme de la Croix-Blanche' }).first().click(),
    ]);
    assert.match(page.url(), /ce1-a\/sortie-a-la-ferme\/index\.html$/);
    assert.deepEqual(await imagesLoaded(), [], 'every image of the post shows');
    assert.ok(await page.locator('img').count() > 0, 'the post has images');
    await axe('a post');
    // Back to the class from the breadcrumbs, as a family would.
    await Promise.all([
      page.waitForNavigation(),
      page.locator('nav.crumbs a').last().click(),
    ]);
    assert.match(page.url(), /ce1-a\/index\.html$/);
    assert.deepEqual(failed, [], failed.join('\n'));
    await context.close();
  });
});
