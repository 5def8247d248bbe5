// Helpers shared by the browser tests and scripts/weight-budget.mjs:
// start `preau serve --demo` on a free loopback port, read the demo accounts it prints,
// launch Debian's Chromium through playwright-core, and a few page helpers.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PREAU_BIN = process.env.PREAU_BIN || path.join(ROOT, 'target', 'debug', 'preau');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROME_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');

/** Phone-sized context options (an iPhone 12/13/14-like screen). */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  locale: 'fr-FR',
};

/** The main page types, reachable from the demo content. `auth` is the demo login to use. */
export const CLASS_URL = '/ecoles/ecole-jean-moulin/classes/ce1-a/';
export const POST_URL = '/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/';
export const TAG_URL = '/ecoles/ecole-jean-moulin/classes/ce1-a/etiquettes/sortie/';

/** Ask the OS for a free port: listen on port 0, read it, close. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Parse the demo account table printed by `preau serve --demo`:
 *   "  parent.ce1a        soleil-lune-etoile-lanterne-24     Mme Camille Petit (parent, CE1 A)"
 * Returns { login: { password, label } }.
 */
export function parseAccounts(stdout) {
  const accounts = {};
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /Comptes de démonstration/.test(l));
  if (start < 0) return accounts;
  for (const line of lines.slice(start + 1)) {
    // Columns are padded, but a long password may leave a single space before the name.
    const m = /^\s+(\S+)\s+(\S+)\s+(.*\S)\s*$/.exec(line);
    if (!m) break;
    accounts[m[1]] = { password: m[2], label: m[3] };
  }
  return accounts;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start `preau serve --demo --no-watch --no-reload` on a free port, with the build output
 * in a temp dir. Resolves once "/" answers 200 and the account table has been read.
 */
export async function startServer({ timeoutMs = 90_000, content = null } = {}) {
  if (!existsSync(PREAU_BIN)) {
    throw new Error(`${PREAU_BIN} is missing: run \`cargo build --bin preau\` first`);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'preau-browser-'));
  const output = path.join(tmp, 'public');
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const child = spawn(
    PREAU_BIN,
    ['serve', '--demo', '--no-watch', '--no-reload', '--addr', `127.0.0.1:${port}`, '--output', output,
      ...(content ? ['--content', content] : [])],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  let exited = null;
  // Never leave a server behind if this process ends without calling stop().
  const reap = () => { if (!exited) child.kill('SIGKILL'); };
  process.once('exit', reap);
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    process.removeListener('exit', reap);
    resolve(exited);
  }));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGINT'); // what Ctrl+C sends
      const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5000);
      await exit;
      clearTimeout(t);
    }
    // preau promises to erase its demo data at exit, but a signal ends it before its temp
    // dir is dropped: remove the folder it printed.
    const demo = /Données de démonstration dans (\S*preau-demo-\S+) /.exec(stdout);
    if (demo) await rm(demo[1], { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`preau serve exited early (${JSON.stringify(exited)})\n${stdout}\n${stderr}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`preau serve did not answer on ${baseURL} within ${timeoutMs} ms\n${stdout}\n${stderr}`);
    }
    try {
      const res = await fetch(`${baseURL}/`, { redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status === 200 && Object.keys(parseAccounts(stdout)).length > 0) break;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  const accounts = parseAccounts(stdout);
  const password = (login) => {
    if (!accounts[login]) throw new Error(`no demo account ${login} in the table printed by preau serve:\n${stdout}`);
    return accounts[login].password;
  };
  return { baseURL, port, accounts, password, output, stop, logs: () => stdout + stderr };
}

/** Launch Debian's Chromium (never a downloaded browser); playwright gives it a fresh temp profile. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/install-deps.sh (apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROME_ARGS });
}

/** A fresh phone-sized context (own cookies) on the given server. */
export async function phoneContext(browser, baseURL, extra = {}) {
  return browser.newContext({ ...PHONE, baseURL, ...extra });
}

/**
 * Sign in from scratch: open `target` (default /espace/), which sends to /connexion/,
 * submit the form, and accept the charter if the gate shows up. Ends on `target`.
 */
export async function signInAndAccept(page, server, login, target = '/espace/') {
  await page.goto(target);
  if (new URL(page.url()).pathname === '/connexion/') {
    await page.locator('#login').fill(login);
    await page.locator('#password').fill(server.password(login));
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Se connecter' }).click(),
    ]);
  }
  if (new URL(page.url()).pathname === '/charte/accepter/') {
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: /accepte la charte/ }).click(),
    ]);
  }
}

export async function ensureDir(dir) {
  await mkdir(dir, { recursive: true });
  return dir;
}
