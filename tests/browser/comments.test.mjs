// Comments on a class post, on a phone (`preau serve --demo`, headless Chromium, 390×844):
// a parent of CE1 A comments on the farm trip post and sees it "en attente de validation";
// the teacher sees the pending count on Mon espace, opens /espace/moderation/ and publishes
// it with one tap; another parent of CE1 A then sees it on the post. axe-core (WCAG 2.1 AA)
// passes on the post with comments (parent: pending, then published) and on the moderation
// page (teacher), in light and dark, and the moderation buttons are at least 44 px tall.
//
// The demo has one parent of CE1 A: the second one is created with
// `preau accounts add --data <the demo data dir printed by preau serve>`.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  startServer, launchBrowser, phoneContext, signInAndAccept, ensureDir, ROOT, ARTIFACTS, PREAU_BIN, POST_URL,
} from './server.mjs';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SCHEMES = ['light', 'dark'];
const SHOTS = path.join(ARTIFACTS, 'screenshots');
const MODERATION = '/espace/moderation/';
const SECOND_PARENT = 'parent2.ce1a';
const SECOND_PASSWORD = 'girafe-velo-orange-piscine-42';
const TEXT = `Merci pour cette belle sortie ! Léa a adoré les chèvres. (${Date.now()})`;

const pathOf = (page) => new URL(page.url()).pathname;

function formatViolations(violations) {
  return violations.map((v) => [
    `- ${v.id} [${v.impact}] ${v.help}`,
    ...v.nodes.slice(0, 8).map((n) => `  target: ${n.target.join(' ')}\n    ${n.failureSummary?.replace(/\n/g, '\n    ')}`),
  ].join('\n')).join('\n');
}

describe('comments (phone, 390×844)', () => {
  let server;
  let browser;
  let axeSource;
  const pages = {}; // login → { context, page, problems }

  before(async () => {
    axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await ensureDir(SHOTS);
    server = await startServer();
    browser = await launchBrowser();
    // A second parent of CE1 A, in the demo's own data folder.
    const data = /Données de démonstration dans (\S*preau-demo-\S+) /.exec(server.logs());
    assert.ok(data, `the demo data folder is printed:\n${server.logs()}`);
    const add = spawnSync(PREAU_BIN, [
      'accounts', 'add', '--data', data[1], '--role', 'parent', '--scope', 'ecole-jean-moulin/ce1-a',
      '--name', 'M. Hugo Martin', '--password-stdin', '--quiet', SECOND_PARENT,
    ], { cwd: ROOT, input: `${SECOND_PASSWORD}\n`, encoding: 'utf8' });
    assert.equal(add.status, 0, `preau accounts add: ${add.stdout}\n${add.stderr}`);
  });

  after(async () => {
    for (const p of Object.values(pages)) await p.context.close();
    await browser?.close();
    await server?.stop();
  });

  const passwords = (login) => (login === SECOND_PARENT ? SECOND_PASSWORD : server.password(login));

  /** One phone context per account (bypassCSP so axe can be injected), signed in. */
  async function pageFor(login) {
    if (!pages[login]) {
      // bypassCSP: the site's CSP (rightly) forbids inline scripts, and axe is injected inline.
      const context = await phoneContext(browser, server.baseURL, { bypassCSP: true });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
      page.on('response', (r) => {
        if (r.request().resourceType() !== 'document' && r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });
      await signInAndAccept(page, { password: passwords }, login);
      assert.equal(pathOf(page), '/espace/', `${login}: signed in, charter accepted`);
      pages[login] = { context, page, problems };
    }
    return pages[login].page;
  }

  async function axe(page, what) {
    await page.addScriptTag({ content: axeSource });
    const results = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
      AXE_TAGS,
    );
    assert.ok(results.passes.length > 10, `axe ran its rules (${results.passes.length} passed)`);
    assert.equal(results.violations.length, 0, `${what}: axe violations\n${formatViolations(results.violations)}`);
  }

  async function noSidewaysScroll(page, what) {
    const o = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(o <= 0, `${what}: the page scrolls sideways by ${o} px`);
  }

  test('parent: post → comment → back on the post, "en attente de validation"', async () => {
    const page = await pageFor('parent.ce1a');
    await page.goto(POST_URL);
    assert.equal(pathOf(page), POST_URL);
    const form = page.locator('form.comment-form');
    await form.waitFor();
    assert.equal(await form.getAttribute('method'), 'post');
    assert.equal(await form.getAttribute('action'), '/commentaires/');
    await form.locator('textarea[name=texte]').fill(TEXT);
    await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);

    assert.equal(pathOf(page), POST_URL, 'sent back to the post');
    assert.equal(new URL(page.url()).hash, '#commentaires');
    const mine = page.locator('.comment-list li.comment', { hasText: TEXT });
    await mine.waitFor();
    assert.match(await mine.locator('.meta').innerText(), /Mme Camille Petit/);
    assert.match(await mine.locator('.meta .status').innerText(), /en attente de validation/);
    assert.match(await page.locator('main').innerText(), /Votre commentaire est en attente de validation/, 'the result is announced');
    await noSidewaysScroll(page, 'post with comments');
    // The author's view of a pending comment (with its edit and delete forms) passes axe too.
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await page.screenshot({ path: path.join(SHOTS, `comments-post-pending-${scheme}.png`), fullPage: true });
      await axe(page, `post with a pending comment (${scheme})`);
    }
    assert.deepEqual(pages['parent.ce1a'].problems, []);

    // Until a moderator publishes it, no other family sees it.
    const other = await pageFor(SECOND_PARENT);
    await other.goto(POST_URL);
    await other.locator('form.comment-form').waitFor();
    assert.equal(await other.locator('.comment', { hasText: TEXT }).count(), 0, 'pending: invisible to another parent');
  });

  test('teacher: Mon espace shows the pending count → moderation → publish in one tap', async () => {
    const page = await pageFor('enseignant.ce1a');
    await page.goto('/espace/');
    const link = page.getByRole('link', { name: /Modérer les commentaires/ });
    assert.match(await link.innerText(), /1 en attente/);
    await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(pathOf(page), MODERATION);
    assert.equal(await page.locator('h1').first().innerText(), 'Modération des commentaires');

    const item = page.locator('.moderation-queue li.comment', { hasText: TEXT });
    await item.waitFor();
    assert.match(await item.locator('.meta').innerText(), /Mme Camille Petit/);
    assert.equal(await item.locator(`a[href="${POST_URL}#commentaires"]`).count(), 1, 'the comment names its post');

    // Moderation buttons: at least 44 px tall (and wide), light and dark; axe passes.
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      const small = await page.evaluate(() => [...document.querySelectorAll('main button')]
        .map((b) => ({ t: b.textContent.trim(), r: b.getBoundingClientRect() }))
        .filter(({ r }) => r.height < 43.5 || r.width < 43.5)
        .map(({ t, r }) => `"${t}" ${Math.round(r.width)}×${Math.round(r.height)}`));
      assert.deepEqual(small, [], `moderation (${scheme}): buttons under 44×44 px`);
      assert.ok(await page.locator('main button').count() >= 3, 'publish, reject and publish all');
      await noSidewaysScroll(page, `moderation (${scheme})`);
      await page.screenshot({ path: path.join(SHOTS, `comments-moderation-${scheme}.png`), fullPage: true });
      await axe(page, `moderation (${scheme})`);
    }
    await page.reload(); // drop axe before the tap

    await Promise.all([
      page.waitForNavigation(),
      page.locator('.moderation-queue li.comment', { hasText: TEXT }).getByRole('button', { name: 'Publier', exact: true }).click(),
    ]);
    assert.equal(pathOf(page), MODERATION);
    assert.match(await page.locator('main').innerText(), /Le commentaire est publié/);
    assert.equal(await page.locator('.moderation-queue li.comment', { hasText: TEXT }).count(), 0, 'gone from the queue');
    assert.deepEqual(pages['enseignant.ce1a'].problems, []);
  });

  test('another parent of CE1 A sees the published comment on the post', async () => {
    const page = await pageFor(SECOND_PARENT);
    await page.goto(POST_URL);
    const it = page.locator('.comment-list li.comment', { hasText: TEXT });
    await it.waitFor();
    assert.match(await it.locator('.meta').innerText(), /Mme Camille Petit/);
    assert.equal(await it.locator('.meta .status').count(), 0, 'not marked pending any more');
    assert.deepEqual(pages[SECOND_PARENT].problems, []);
  });

  for (const scheme of SCHEMES) {
    test(`post with comments, as the parent: axe passes (${scheme})`, async () => {
      const page = await pageFor('parent.ce1a');
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await page.goto(`${POST_URL}#commentaires`);
      await page.locator('.comment-list li.comment', { hasText: TEXT }).waitFor();
      await noSidewaysScroll(page, `post (${scheme})`);
      await page.screenshot({ path: path.join(SHOTS, `comments-post-${scheme}.png`), fullPage: true });
      await axe(page, `post with comments (${scheme})`);
    });
  }
});
