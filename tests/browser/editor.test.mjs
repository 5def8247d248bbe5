// The online editor on a phone (390×844, headless Chromium), against `preau serve --demo`
// on a copy of the demo town's content made into a Git repository (the editor writes into
// a Git working tree; the repository's own content/ is not one). The CE1 A teacher opens
// "Écrire un article" from Mon espace, writes a post, previews it (the real page with the
// preview banner), publishes it from the preview, and a parent of CE1 A sees it in the
// class blog. axe-core (WCAG 2.1 AA) passes on the list and the editor, in light and dark;
// nothing is wider than the screen; the new post is one commit by the teacher. On the way
// the teacher adds a photo from the editor itself (first without its description: refused
// next to the field, the text kept), which the parent sees and another class's parent not.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, mkdtemp, cp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, launchBrowser, phoneContext, signInAndAccept, ensureDir, ROOT, ARTIFACTS, CLASS_URL,
} from './server.mjs';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SHOTS = path.join(ARTIFACTS, 'screenshots');
const TITLE = 'Les feuilles d\'automne';
const MARKER = `FEUILLES-${Date.now()}`;
const ALT = 'La cour couverte de feuilles';

const git = (dir, ...args) => {
  const r = spawnSync('git', ['-C', dir, '-c', 'user.name=Test', '-c', 'user.email=test@test', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

async function axe(page, source, label) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.addScriptTag({ content: source });
    const result = await page.evaluate(async (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
    assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${label} (${scheme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function fitsTheScreen(page, label) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `${label}: ${wide} px wide on a 390 px screen`);
}

describe('online editor (phone, 390×844)', () => {
  let server;
  let browser;
  let axeSource;
  let content;

  before(async () => {
    axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await ensureDir(SHOTS);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'preau-editor-'));
    content = path.join(tmp, 'content');
    await cp(path.join(ROOT, 'content'), content, { recursive: true });
    git(content, 'init', '--quiet', '-b', 'main');
    git(content, 'add', '-A');
    git(content, 'commit', '--quiet', '-m', 'Contenu de démonstration');
    server = await startServer({ content });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (content) await rm(path.dirname(content), { recursive: true, force: true });
  });

  test('a teacher writes, previews and publishes; a parent of the class reads it', async () => {
    const context = await phoneContext(browser, server.baseURL, { bypassCSP: true });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signInAndAccept(page, server, 'enseignant.ce1a');
    await page.getByRole('link', { name: 'Écrire un article' }).click();
    assert.equal(new URL(page.url()).pathname, '/espace/ecrire/');
    await axe(page, axeSource, 'list of posts');
    await fitsTheScreen(page, 'list of posts');
    await page.getByRole('link', { name: 'Nouvel article' }).first().click();
    await page.getByLabel('Titre').fill(TITLE);
    await page.getByLabel('Texte', { exact: true }).fill(`## Dans la cour\n\nNous avons ramassé des **feuilles** rouges et jaunes. ${MARKER}\n\n[photo]\n\n- érable\n- chêne`);
    await axe(page, axeSource, 'editor');
    await fitsTheScreen(page, 'editor');
    await page.screenshot({ path: path.join(SHOTS, 'editor-phone.png'), fullPage: true });

    // A photo from the phone, from the editor itself (the browser's own JPEG of the page).
    const jpeg = await page.screenshot({ type: 'jpeg', quality: 80, clip: { x: 0, y: 0, width: 240, height: 180 } });
    await page.getByLabel(/^Photo \(JPEG/).setInputFiles({ name: 'IMG_0042.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    // Without its description first: refused next to the field, the text kept.
    await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await page.locator('#photo-erreur').waitFor();
    assert.match(await page.getByLabel('Texte', { exact: true }).inputValue(), new RegExp(MARKER));
    await axe(page, axeSource, 'editor with the photo error');
    await fitsTheScreen(page, 'editor with the photo error');
    await page.getByLabel(/^Photo \(JPEG/).setInputFiles({ name: 'IMG_0042.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await page.getByLabel('Ce que montre la photo').fill(ALT);
    await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await page.locator('[role=status]', { hasText: 'Brouillon enregistré' }).waitFor();
    const text = await page.getByLabel('Texte', { exact: true }).inputValue();
    assert.match(text, new RegExp(`\\n!\\[${ALT}\\]\\(/medias/ecole-jean-moulin/ce1-a/[^)]+\\.jpg\\)\\n`), text);
    assert.ok(!text.includes('[photo]'), 'the snippet took the marker\'s place');
    await fitsTheScreen(page, 'editor after the photo');
    await page.screenshot({ path: path.join(SHOTS, 'editor-photo-phone.png'), fullPage: true });

    await page.getByRole('button', { name: 'Aperçu' }).click();
    await page.getByText('Aperçu : cet article n\'est pas encore publié').waitFor();
    assert.ok(await page.getByText(MARKER).isVisible(), 'the preview shows the text');
    assert.equal(await page.locator('main h2', { hasText: 'Dans la cour' }).count(), 1, 'rendered by the theme');
    await fitsTheScreen(page, 'preview');
    await page.screenshot({ path: path.join(SHOTS, 'editor-preview-phone.png'), fullPage: true });

    await page.locator('.preview-banner').getByRole('button', { name: 'Publier' }).click();
    await page.locator('.notice', { hasText: 'Article publié' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/espace/ecrire/');
    await context.close();

    const parent = await phoneContext(browser, server.baseURL);
    const p = await parent.newPage();
    await signInAndAccept(p, server, 'parent.ce1a', CLASS_URL);
    await p.goto(`${server.baseURL}${CLASS_URL}`);
    await p.getByRole('link', { name: TITLE }).click();
    assert.ok(await p.getByText(MARKER).isVisible(), 'the parent reads the new post');
    const img = p.getByRole('img', { name: ALT });
    await img.waitFor();
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the parent sees the photo');
    await parent.close();

    // Another class's parent sees neither the post nor its photo.
    const other = await phoneContext(browser, server.baseURL);
    const o = await other.newPage();
    await signInAndAccept(o, server, 'parent.cpa');
    const photo = /\((\/medias\/[^)]+)\)/.exec(text)[1];
    assert.equal((await o.request.get(`${server.baseURL}${photo}`)).status(), 403);
    await other.close();

    const log = git(content, 'log', '-1', '--format=%an|%ae|%s').trim();
    assert.match(log, /\|enseignant\.ce1a@[^|]+\|Publication : « Les feuilles d'automne »$/);
    assert.deepEqual(errors, []);
  });
});
