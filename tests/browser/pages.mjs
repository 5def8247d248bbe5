// The page types of the site, shared by the accessibility test and scripts/weight-budget.mjs.
import {
  signInAndAccept, CLASS_URL, POST_URL, TAG_URL,
} from './server.mjs';

// `as`: the demo account whose session is used (null = anonymous). `accept`: whether that
// account accepts the charter first (false keeps it on the gate).
// `open(page, server)` replaces a plain goto for pages reached through a form.
export const PAGE_TYPES = [
  { name: 'home', url: '/', status: 200 },
  { name: 'school', url: '/ecoles/ecole-jean-moulin/', status: 200 },
  { name: 'school-news', url: '/ecoles/ecole-jean-moulin/actualites/', status: 200 },
  { name: 'school-news-item', url: '/ecoles/ecole-jean-moulin/actualites/reunions-de-rentree/', status: 200 },
  { name: 'town-news', url: '/actualites/', status: 200 },
  { name: 'town-news-item', url: '/actualites/rentree-scolaire/', status: 200 },
  { name: 'guides', url: '/guides/', status: 200 },
  { name: 'guide', url: '/guides/activer-son-compte/', status: 200 },
  { name: 'charters', url: '/charte/', status: 200 },
  { name: 'charter', url: '/charte/parents/', status: 200 },
  { name: 'signin', url: '/connexion/', status: 200 },
  {
    name: 'signin-error',
    url: '/connexion/',
    status: 401,
    async open(page) {
      await page.goto('/connexion/');
      await page.locator('#login').fill('parent.ce1a');
      await page.locator('#password').fill('pas-le-bon-mot-de-passe');
      const [resp] = await Promise.all([page.waitForNavigation(), page.locator('form.form button').click()]);
      return resp;
    },
  },
  { name: 'not-found', url: '/cette-page-n-existe-pas/', status: 404 },
  { name: 'class', url: CLASS_URL, status: 200, as: 'parent.ce1a' },
  { name: 'post', url: POST_URL, status: 200, as: 'parent.ce1a' },
  { name: 'tag', url: TAG_URL, status: 200, as: 'parent.ce1a' },
  // A post with a task list (rendered as the characters of the tasks' states, not as checkboxes).
  { name: 'post-tasks', url: '/ecoles/ecole-jean-moulin/classes/ce1-a/preparer-la-sortie-a-la-ferme/', status: 200, as: 'parent.ce1a' },
  { name: 'periscolaire', url: '/ecoles/ecole-jean-moulin/periscolaire/', status: 200, as: 'parent.ce1a' },
  { name: 'periscolaire-item', url: '/ecoles/ecole-jean-moulin/periscolaire/semaine-du-gout/', status: 200, as: 'parent.ce1a' },
  { name: 'espace', url: '/espace/', status: 200, as: 'parent.ce1a' },
  { name: 'gate', url: '/charte/accepter/', status: 200, as: 'partenaire.jm', accept: false },
  { name: 'forbidden', url: CLASS_URL, status: 403, as: 'parent.cpa' },
  {
    // The generic message page, as shown after signing out.
    name: 'signed-out',
    url: '/deconnexion/',
    status: 200,
    async open(page, server) {
      await signInAndAccept(page, server, 'eleve.ce1a');
      const [resp] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Se déconnecter', exact: true }).click(),
      ]);
      return resp;
    },
  },
];

/**
 * Sign a fresh page in as `spec.as` (accepting the charter unless `spec.accept === false`,
 * which leaves the account on the charter gate). Anonymous specs do nothing.
 */
export async function signInFor(page, server, spec) {
  if (!spec.as) return;
  if (spec.accept === false) {
    await page.goto('/connexion/');
    await page.locator('#login').fill(spec.as);
    await page.locator('#password').fill(server.password(spec.as));
    await Promise.all([page.waitForNavigation(), page.locator('form.form button').click()]);
  } else {
    await signInAndAccept(page, server, spec.as);
  }
}

/** Open the page of `spec` on `page` (already signed in as needed); returns the response. */
export async function openPage(page, server, spec) {
  return spec.open ? spec.open(page, server) : page.goto(spec.url);
}
