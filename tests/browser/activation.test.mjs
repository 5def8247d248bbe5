// Activation on a phone (`preau serve --demo`, headless Chromium, 390×844): a parent scans
// the QR code of their invitation letter (the link `/activer/?code=…`), finds the code
// filled in, chooses a password, accepts the charter and lands signed in on Mon espace.
// axe-core (WCAG 2.1 AA) passes on both steps of /activer/, in light and dark.
//
// The letter's account and code are made the way the IT team does it, in the demo's own
// data folder: `preau accounts add`, then `preau accounts activation-code`.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  startServer, launchBrowser, phoneContext, ensureDir, ROOT, ARTIFACTS, PREAU_BIN,
} from './server.mjs';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SCHEMES = ['light', 'dark'];
const SHOTS = path.join(ARTIFACTS, 'screenshots');
const LOGIN = 'nouveau.parent';
const CHOSEN = 'hibou-tartine-gravier-octobre-58';

const pathOf = (page) => new URL(page.url()).pathname;

function preau(args, input = '') {
  const r = spawnSync(PREAU_BIN, args, { cwd: ROOT, input, encoding: 'utf8' });
  assert.equal(r.status, 0, `preau ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('activation (phone, 390×844)', () => {
  let server;
  let browser;
  let context;
  let page;
  let axeSource;
  let code;
  const problems = [];

  before(async () => {
    axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await ensureDir(SHOTS);
    server = await startServer();
    browser = await launchBrowser();
    const data = /Données de démonstration dans (\S*preau-demo-\S+) /.exec(server.logs());
    assert.ok(data, `the demo data folder is printed:\n${server.logs()}`);
    preau(['accounts', 'add', '--data', data[1], '--role', 'parent', '--scope', 'ecole-jean-moulin/ce1-a',
      '--name', 'Mme Inès Nouvel', '--password-stdin', '--quiet', LOGIN], 'provisoire-jamais-utilise-991\n');
    code = preau(['accounts', 'activation-code', '--data', data[1], '--quiet', LOGIN]).trim();
    assert.match(code, /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    // bypassCSP: the site's CSP (rightly) forbids inline scripts, and axe is injected inline.
    context = await phoneContext(browser, server.baseURL, { bypassCSP: true });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  async function axe(what) {
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      const o = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(o <= 0, `${what} (${scheme}): the page scrolls sideways by ${o} px`);
      await page.screenshot({ path: path.join(SHOTS, `activation-${what}-${scheme}.png`), fullPage: true });
      await page.addScriptTag({ content: axeSource });
      const results = await page.evaluate(
        (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
        AXE_TAGS,
      );
      assert.ok(results.passes.length > 10, `axe ran its rules (${results.passes.length} passed)`);
      const list = results.violations.map((v) => `- ${v.id} [${v.impact}] ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      assert.equal(results.violations.length, 0, `${what} (${scheme}): axe violations\n${list.join('\n')}`);
    }
  }

  test('the QR link → the code filled in → a password → the charter → Mon espace', async () => {
    await page.goto(`/activer/?code=${code}`);
    assert.equal(pathOf(page), '/activer/');
    assert.equal(await page.locator('h1').innerText(), 'Activer mon compte');
    assert.equal(await page.getByLabel("Code d'activation").inputValue(), code, 'the code is filled in');
    await axe('code');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Continuer' }).click()]);

    assert.equal(await page.locator('h1').innerText(), 'Choisir mon mot de passe');
    assert.match(await page.locator('main').innerText(), new RegExp(LOGIN.replace('.', '\\.')), 'the login is shown to note down');
    await axe('password');
    await page.locator('#nouveau').fill(CHOSEN);
    await page.locator('#confirmation').fill(CHOSEN);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enregistrer et continuer' }).click()]);

    assert.equal(pathOf(page), '/charte/accepter/', 'the charter gate comes next');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /accepte la charte/ }).click()]);
    assert.equal(pathOf(page), '/espace/', 'signed in, on Mon espace');
    assert.match(await page.locator('main').innerText(), /Inès Nouvel/);
    assert.deepEqual(problems, []);
  });

  test('the same code again says it was used', async () => {
    const other = await phoneContext(browser, server.baseURL);
    const p = await other.newPage();
    await p.goto(`/activer/?code=${code}`);
    await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: 'Continuer' }).click()]);
    assert.match(await p.getByRole('alert').innerText(), /déjà servi/);
    await other.close();
  });
});
