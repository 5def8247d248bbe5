// User journeys through `preau serve --demo` in headless Chromium, on a phone-sized screen.
// Run with `node --test tests/browser/` (scripts/browser-tests.sh builds preau first).
//
// A teacher uploading photos has its own journey (uploads.test.mjs), and so do family
// comments and their moderation (comments.test.mjs). Not covered yet because the feature
// does not exist: a teacher moderating a post.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, phoneContext, signInAndAccept, CLASS_URL, POST_URL,
} from './server.mjs';

const path = (page) => new URL(page.url()).pathname;
const h1 = (page) => page.locator('h1').first().innerText();

describe('journeys (phone, 390×844)', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A fresh phone context that records failed sub-requests, page errors and CSP reports. */
  async function fresh() {
    const context = await phoneContext(browser, server.baseURL);
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('requestfailed', (r) => {
      // A request cut short by the next navigation (net::ERR_ABORTED) is not a fault.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
      if (r.request().resourceType() !== 'document' && r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return { context, page, problems };
  }

  test('parent: class page → sign-in → charter → class page → post with images', async () => {
    const { context, page, problems } = await fresh();
    try {
      const login = 'parent.ce1a';
      const resp = await page.goto(CLASS_URL);
      assert.equal(resp.status(), 200);
      assert.equal(path(page), '/connexion/', 'an anonymous visitor is sent to sign-in');
      assert.equal(new URL(page.url()).searchParams.get('suite'), CLASS_URL);
      assert.equal(await h1(page), 'Connexion');

      await page.getByLabel('Identifiant').fill(login);
      await page.getByLabel('Mot de passe').fill(server.password(login));
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Se connecter' }).click()]);

      assert.equal(path(page), '/charte/accepter/', 'first sign-in meets the charter gate');
      assert.equal(await h1(page), "Charte d'usage");
      await assert.doesNotReject(
        page.locator('.charter-box h2').first().waitFor(),
        'the gate shows the charter text',
      );
      assert.match(await page.locator('.charter-box').innerText(), /Parents/);
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /accepte la charte/ }).click()]);

      assert.equal(path(page), CLASS_URL, 'accepting brings the parent back to the class page');
      assert.match(await h1(page), /CE1 A/);
      await page.locator('.private').waitFor();

      // Open the farm trip post from the class page.
      const link = page.locator(`a[href="${POST_URL}"]`).first();
      await Promise.all([page.waitForNavigation(), link.click()]);
      assert.equal(path(page), POST_URL);
      assert.match(await h1(page), /ferme/);

      const imgs = page.locator('main img');
      const count = await imgs.count();
      assert.ok(count >= 2, `the post has images (found ${count})`);
      const srcs = [];
      for (let i = 0; i < count; i++) {
        const img = imgs.nth(i);
        await img.scrollIntoViewIfNeeded(); // the prose images are loading="lazy"
        await page.waitForFunction((el) => el.complete, await img.elementHandle());
        const { src, w } = await img.evaluate((el) => ({ src: el.currentSrc || el.src, w: el.naturalWidth }));
        assert.ok(w > 0, `${src} loaded (naturalWidth ${w})`);
        srcs.push(src);
      }
      assert.ok(srcs.some((s) => s.endsWith('/vache.svg')), `vache.svg shown: ${srcs}`);
      assert.ok(srcs.some((s) => s.endsWith('/bus.svg')), `bus.svg shown: ${srcs}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('parent of another class gets 403 "Accès refusé" on the CE1 A page', async () => {
    const { context, page } = await fresh();
    try {
      await signInAndAccept(page, server, 'parent.cpa');
      assert.equal(path(page), '/espace/');
      const resp = await page.goto(CLASS_URL);
      assert.equal(resp.status(), 403);
      assert.equal(path(page), CLASS_URL);
      assert.equal(await h1(page), 'Accès refusé');
      assert.doesNotMatch(await page.content(), /sortie-a-la-ferme/, 'no CE1 A content leaks');
      // Their own class still opens.
      const own = await page.goto('/ecoles/ecole-jean-moulin/classes/cp-a/');
      assert.equal(own.status(), 200);
      assert.match(await h1(page), /CP A/);
    } finally {
      await context.close();
    }
  });

  test('director: staff charter, school classes in Mon espace, opens CE1 A', async () => {
    const { context, page } = await fresh();
    try {
      const login = 'directeur.jm';
      await page.goto('/espace/');
      assert.equal(path(page), '/connexion/');
      await page.getByLabel('Identifiant').fill(login);
      await page.getByLabel('Mot de passe').fill(server.password(login));
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Se connecter' }).click()]);
      assert.equal(path(page), '/charte/accepter/');
      assert.match(await page.locator('.charter-box').innerText(), /Personnels/, 'staff get the staff charter');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /accepte la charte/ }).click()]);

      assert.equal(path(page), '/espace/');
      assert.equal(await h1(page), 'Mon espace');
      const places = page.locator('section[aria-labelledby="h-places"] a');
      const hrefs = await places.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      for (const cls of ['ce1-a', 'cm2-b', 'cp-a']) {
        assert.ok(hrefs.includes(`/ecoles/ecole-jean-moulin/classes/${cls}/`), `${cls} listed in ${hrefs}`);
      }
      await Promise.all([page.waitForNavigation(), places.filter({ hasText: 'CE1 A' }).first().click()]);
      assert.equal(path(page), CLASS_URL);
      assert.match(await h1(page), /CE1 A/);
    } finally {
      await context.close();
    }
  });

  test('anonymous visitor: public guide and school news, sign-in for a class page', async () => {
    const { context, page, problems } = await fresh();
    try {
      let resp = await page.goto('/guides/');
      assert.equal(resp.status(), 200);
      const first = page.locator('.guide-list a').first();
      const guideHref = await first.getAttribute('href');
      await Promise.all([page.waitForNavigation(), first.click()]);
      assert.equal(path(page), guideHref);
      assert.ok((await page.locator('main .prose').innerText()).length > 200, 'the guide has text');

      resp = await page.goto('/ecoles/ecole-jean-moulin/actualites/');
      assert.equal(resp.status(), 200);
      assert.equal(path(page), '/ecoles/ecole-jean-moulin/actualites/');
      assert.ok(await page.locator('main .card').count() >= 1, 'school news cards');
      const news = page.locator('main .card-title a').first();
      await Promise.all([page.waitForNavigation(), news.click()]);
      assert.match(path(page), /^\/ecoles\/ecole-jean-moulin\/actualites\/[^/]+\/$/);

      await page.goto(CLASS_URL);
      assert.equal(path(page), '/connexion/');
      assert.equal(new URL(page.url()).searchParams.get('suite'), CLASS_URL);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('keyboard only: skip link first, sign in with Tab/typing/Enter', async () => {
    const { context, page } = await fresh();
    try {
      const login = 'enseignant.ce1a';
      await page.goto(CLASS_URL);
      assert.equal(path(page), '/connexion/');

      await page.keyboard.press('Tab');
      const firstFocus = await page.evaluate(() => {
        const el = document.activeElement;
        return { cls: el.className, href: el.getAttribute('href'), text: el.textContent.trim() };
      });
      assert.deepEqual(firstFocus, { cls: 'skip', href: '#contenu', text: 'Aller au contenu' });
      const skipBox = await page.locator('.skip').boundingBox();
      assert.ok(skipBox && skipBox.x >= 0 && skipBox.y >= 0, 'the focused skip link is on screen');

      // Follow the skip link, then Tab to the login field.
      await page.keyboard.press('Enter');
      const focusedId = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
      for (let i = 0; i < 20 && (await focusedId()) !== 'login'; i++) await page.keyboard.press('Tab');
      assert.equal(await focusedId(), 'login', 'Tab reaches the login field');
      await page.keyboard.type(login);
      await page.keyboard.press('Tab');
      assert.equal(await focusedId(), 'password');
      await page.keyboard.type(server.password(login));
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert.equal(path(page), '/charte/accepter/');

      // Accept the charter with the keyboard too.
      const focusedText = () => page.evaluate(() => {
        const el = document.activeElement;
        return el?.tagName === 'BUTTON' ? el.textContent.trim() : '';
      });
      for (let i = 0; i < 40 && !/accepte la charte/.test((await focusedText()) || ''); i++) {
        await page.keyboard.press('Tab');
      }
      assert.match(await focusedText(), /accepte la charte/);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert.equal(path(page), CLASS_URL);
      assert.match(await h1(page), /CE1 A/);
    } finally {
      await context.close();
    }
  });

  test('wrong password: error message and the form again', async () => {
    const { context, page } = await fresh();
    try {
      await page.goto('/connexion/');
      await page.getByLabel('Identifiant').fill('parent.ce1a');
      await page.getByLabel('Mot de passe').fill('pas-le-bon-mot-de-passe');
      const [resp] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Se connecter' }).click(),
      ]);
      assert.equal(resp.status(), 401);
      assert.equal(path(page), '/connexion/');
      await assert.doesNotReject(page.getByText('Identifiant ou mot de passe incorrect.').waitFor());
      assert.equal(await page.getByLabel('Mot de passe').inputValue(), '', 'password not echoed');
      assert.ok(await page.getByRole('button', { name: 'Se connecter' }).isVisible());
    } finally {
      await context.close();
    }
  });

  test('sign out from Mon espace ends the session', async () => {
    const { context, page } = await fresh();
    try {
      await signInAndAccept(page, server, 'parent.ce1a', CLASS_URL);
      assert.equal(path(page), CLASS_URL, 'signed in');

      await page.goto('/espace/');
      assert.equal(await h1(page), 'Mon espace');
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Se déconnecter', exact: true }).click(),
      ]);
      const cookies = await context.cookies();
      assert.ok(!cookies.some((c) => /sess/i.test(c.name) && c.value), `no session cookie left: ${cookies.map((c) => c.name)}`);

      await page.goto(CLASS_URL);
      assert.equal(path(page), '/connexion/', 'the class page asks for sign-in again');
      await page.goto('/espace/');
      assert.equal(path(page), '/connexion/');
    } finally {
      await context.close();
    }
  });
});
