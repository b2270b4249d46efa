import { test, expect, Browser, BrowserContext, Page, TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'fs';
import * as path from 'path';
import { hydrated, live } from './support';

// Every page in every state, in both languages, with JavaScript on and off (the two projects):
// zero axe-core violations at WCAG 2.1 A and AA; and no English left on a Norwegian page.

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LANGUAGES = ['nb', 'en'] as const;
type Language = (typeof LANGUAGES)[number];
type Who = 'alice' | 'rita' | 'adam' | null;
const NAMES: Record<Exclude<Who, null>, string> = {
  alice: 'Alice Andersen',
  rita: 'Rita Reviewer',
  adam: 'Adam Admin',
};

/** A page to check: who looks at it, where, and (optionally) what they do first. */
interface Check {
  name: string;
  /** The route in app.rs this covers (its `path!` text). */
  route: string;
  who: Who;
  path: (ids: Ids) => string;
  /** Brings the page into the state to check (e.g. a form posted with errors). */
  act?: (page: Page) => Promise<void>;
}

/** Requests in each state, made once per run through the server functions. */
interface Ids {
  submitted: number;
  inReview: number;
  changesRequested: number;
  approved: number;
  rejected: number;
  withdrawn: number;
}

const CHECKS: Check[] = [
  { name: 'start page', route: '', who: null, path: () => '/' },
  { name: 'start page, signed in', route: '', who: 'alice', path: () => '/' },
  { name: 'development sign-in', route: 'auth/dev-sign-in', who: null, path: () => '/auth/dev-sign-in' },
  {
    name: 'sign-in failed',
    route: 'auth/sign-in-failed',
    who: null,
    path: () => '/auth/sign-in-failed?reason=provider-unavailable',
  },
  { name: 'my requests, signed out', route: 'requests', who: null, path: () => '/requests' },
  { name: 'my requests', route: 'requests', who: 'alice', path: () => '/requests' },
  { name: 'new request', route: 'requests/new', who: 'alice', path: () => '/requests/new' },
  {
    name: 'new request with errors',
    route: 'requests/new',
    who: 'alice',
    path: () => '/requests/new',
    act: async (page) => {
      await page.locator('#image').fill('Not A Valid Reference!!');
      await page.locator('#team').fill('x');
      await page.locator('#contact').fill('a@b');
      await page.locator('#justification').fill('kort');
      await page.locator('form button[type="submit"].button-primary').click();
      await expect(page.locator('.error-summary')).toBeVisible();
    },
  },
  { name: 'request, submitted', route: 'requests/:id', who: 'alice', path: (i) => `/requests/${i.submitted}` },
  { name: 'request, submitted (reviewer)', route: 'requests/:id', who: 'rita', path: (i) => `/requests/${i.submitted}` },
  { name: 'request, in review', route: 'requests/:id', who: 'rita', path: (i) => `/requests/${i.inReview}` },
  {
    name: 'request, changes requested',
    route: 'requests/:id',
    who: 'alice',
    path: (i) => `/requests/${i.changesRequested}`,
  },
  { name: 'request, approved', route: 'requests/:id', who: 'rita', path: (i) => `/requests/${i.approved}` },
  { name: 'request, rejected', route: 'requests/:id', who: 'alice', path: (i) => `/requests/${i.rejected}` },
  { name: 'request, withdrawn', route: 'requests/:id', who: 'alice', path: (i) => `/requests/${i.withdrawn}` },
  { name: 'request, not found', route: 'requests/:id', who: 'alice', path: () => '/requests/999999' },
  {
    name: 'edit and resubmit',
    route: 'requests/:id/edit',
    who: 'alice',
    path: (i) => `/requests/${i.changesRequested}/edit`,
  },
  { name: 'review queue', route: 'review', who: 'rita', path: () => '/review' },
  { name: 'review queue, requester', route: 'review', who: 'alice', path: () => '/review' },
  { name: 'audit trail', route: 'admin/audit', who: 'adam', path: () => '/admin/audit' },
  { name: 'API tokens', route: 'admin/tokens', who: 'adam', path: () => '/admin/tokens' },
  {
    name: 'API tokens with errors',
    route: 'admin/tokens',
    who: 'adam',
    path: () => '/admin/tokens',
    act: async (page) => {
      await page.locator('#name').fill('a11y-token');
      await page.getByRole('button', { name: /Create token|Opprett token/ }).click();
      await expect(page.locator('#scope-error')).not.toBeEmpty();
    },
  },
  { name: 'mirror drift', route: 'admin/drift', who: 'rita', path: () => '/admin/drift' },
  { name: 'approved images', route: 'images', who: 'alice', path: () => '/images' },
  { name: 'approved images, no match', route: 'images', who: 'alice', path: () => '/images?q=finnesikke' },
  { name: 'image report', route: 'images/report', who: 'alice', path: () => '/images/report' },
  { name: 'page not found', route: '*', who: null, path: () => '/finnes/ikke' },
];

test('every route in app.rs has an accessibility check', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'app', 'src', 'app.rs'), 'utf8');
  const routes = [...source.matchAll(/<Route path=path!\("([^"]*)"\)/g)].map((m) => m[1]);
  expect(routes.length).toBeGreaterThan(10);
  const checked = new Set(CHECKS.map((c) => c.route));
  const missing = routes.filter((r) => !checked.has(r));
  expect(missing, 'pages without an axe check: add them to CHECKS').toEqual([]);
  expect(checked.has('*'), 'the not-found page').toBe(true);
});

/** Words that may stand in a Norwegian page although English uses them too. */
const ALLOWED_IN_NORWEGIAN = new Set(
  [
    'portcullis', 'red', 'hat', 'api', 'csv', 'json', 'uio', 'url', 'oci', 'digest', 'sha256',
    'alice', 'andersen', 'bob', 'berg', 'rita', 'ruth', 'reviewer', 'adam', 'admin', 'english',
    'generally', 'available', 'tech', 'preview', 'beta', 'deprecated', 'nginx', 'postgres',
    'regex', 'semver', 'latest', 'mirror', 'job', 'amd64', 'arm64', 'ppc64le', 's390x', 'utc',
    'allowlist', 'read', 'catalog', 'repository', 'registry', 'example', 'org', 'ghcr',
  ],
);

/** Every word of every English text that no Norwegian text uses. */
function englishOnlyWords(): Set<string> {
  const locales = path.join(__dirname, '..', '..', 'app', 'locales');
  const words = (language: string) => {
    const out = new Set<string>();
    const walk = (value: unknown) => {
      if (typeof value === 'string') {
        for (const w of value.replace(/\{\{[^}]*\}\}/g, ' ').toLowerCase().match(/\p{L}{3,}/gu) ?? []) {
          out.add(w);
        }
      } else if (value && typeof value === 'object') {
        Object.values(value).forEach(walk);
      }
    };
    for (const file of fs.readdirSync(path.join(locales, language))) {
      walk(JSON.parse(fs.readFileSync(path.join(locales, language, file), 'utf8')));
    }
    return out;
  };
  const nb = words('nb');
  return new Set([...words('en')].filter((w) => !nb.has(w) && !ALLOWED_IN_NORWEGIAN.has(w)));
}
const ENGLISH_ONLY = englishOnlyWords();

/** Signs `who` in through the development sign-in page of a fresh context in `language`. */
async function contextFor(browser: Browser, testInfo: TestInfo, language: Language, who: Who) {
  const baseURL = testInfo.project.use.baseURL ?? 'http://127.0.0.1:3100';
  const context = await browser.newContext({
    ...testInfo.project.use,
    baseURL,
    javaScriptEnabled: hydrated(testInfo),
  });
  await context.addCookies([{ name: 'portcullis-lang', value: language, url: baseURL }]);
  if (who) {
    const page = await context.newPage();
    await page.goto('/auth/dev-sign-in');
    await page.locator('form', { hasText: NAMES[who] }).locator('button').click();
    await expect(page).toHaveURL(/\/requests$/);
    await page.close();
  }
  return context;
}

/** Calls a server function as the context's user, form-encoded, without following redirects. */
async function call(context: BrowserContext, endpoint: string, form: Record<string, string>) {
  const response = await context.request.post(`/api/${endpoint}`, { form, maxRedirects: 0 });
  expect(response.status(), `${endpoint}: ${await response.text()}`).toBeLessThan(400);
  return response;
}

async function version(context: BrowserContext, id: number): Promise<string> {
  const response = await context.request.post('/api/get_request', {
    form: { id: String(id) },
    headers: { Accept: 'application/json' },
  });
  const page = await response.json();
  return String(page.request.version);
}

async function submit(context: BrowserContext, image: string): Promise<number> {
  const response = await call(context, 'submit_request', {
    image,
    team: 'Plattform / emneportal',
    contact: 'plattform@example.org',
    justification: 'Trengs i produksjon for emneportalen.',
    catalog_choice: 'none',
    catalog_reason: 'Ingen av dem passer til oppsettet vårt.',
  });
  const location = response.headers()['location'] ?? '';
  const id = Number(location.split('/').pop());
  expect(id, `submit ${image}: ${location}`).toBeGreaterThan(0);
  return id;
}

async function act(context: BrowserContext, id: number, action: string, text = '') {
  await call(context, 'act_on_request', { id: String(id), version: await version(context, id), action, text });
}

let ids: Ids | undefined;

/** One request in each state, made once (both projects share the server). */
async function requestsInEveryState(browser: Browser, testInfo: TestInfo): Promise<Ids> {
  if (ids) return ids;
  const alice = await contextFor(browser, testInfo, 'nb', 'alice');
  const rita = await contextFor(browser, testInfo, 'nb', 'rita');
  const run = Date.now().toString(36);
  const image = (n: string) => `docker.io/library/a11y-${n}-${run}:1.0`;
  const made: Ids = {
    // Norwegian names: the English check reads the page, data included.
    submitted: await submit(alice, image('innsendt')),
    inReview: await submit(alice, image('behandles')),
    changesRequested: await submit(alice, image('endres')),
    approved: await submit(alice, image('godkjent')),
    rejected: await submit(alice, image('avslatt')),
    withdrawn: await submit(alice, image('trukket')),
  };
  for (const id of [made.inReview, made.changesRequested, made.approved, made.rejected]) {
    await act(rita, id, 'claim');
  }
  await act(rita, made.changesRequested, 'request_changes', 'Legg til en kontaktetikett i bildet.');
  await act(rita, made.rejected, 'reject', 'Bildet inneholder hemmeligheter.');
  await act(alice, made.withdrawn, 'withdraw');
  await call(rita, 'approve_request', {
    id: String(made.approved),
    version: await version(rita, made.approved),
    tag_mode: 'exact',
    tags: '1.0',
    digests: '',
    architectures: 'amd64',
    expires_on: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
  });
  await alice.close();
  await rita.close();
  ids = made;
  return made;
}

/** Runs axe on what the browser shows; without JavaScript, on the page as the server sent it. */
async function violations(browser: Browser, page: Page, testInfo: TestInfo) {
  let target = page;
  let scratch: BrowserContext | undefined;
  if (!hydrated(testInfo)) {
    // axe needs JavaScript; give it the served HTML, without its scripts, in a page that has it.
    const html = (await page.content())
      .replace(/<script\b[\s\S]*?<\/script>/gi, '')
      .replace('<head>', `<head><base href="${new URL(page.url()).origin}/">`);
    scratch = await browser.newContext({ javaScriptEnabled: true });
    target = await scratch.newPage();
    await target.setContent(html, { waitUntil: 'load' });
  }
  const result = await new AxeBuilder({ page: target }).withTags(WCAG).analyze();
  await scratch?.close();
  return result.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}

/** Attributes whose text people read or hear: labels, tooltips, hints, the phone layout's cell labels. */
const READ_ATTRIBUTES = /\s(?:aria-label|aria-description|title|placeholder|alt|data-label)="([^"]*)"/gi;

/**
 * The words of a page that are English only, in its text, its title and the attributes people
 * read or hear (READ_ATTRIBUTES), outside code, text marked `lang="en"` and text people typed
 * (marked `translate="no"`).
 */
async function englishLeftOnPage(page: Page): Promise<string[]> {
  const html = (await page.content())
    .replace(/<script\b[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style\b[\s\S]*?<\/style>/gi, ' ')
    .replace(/<(code|pre)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<([a-z]+)\b[^>]*\blang="en"[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    // What people typed (team names) is marked translate="no"; it is theirs, not the portal's.
    .replace(/<([a-z]+)\b[^>]*\btranslate="no"[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    // …and so is the syntax an input's example shows (an element with no closing tag).
    .replace(/<[a-z]+\b[^>]*\btranslate="no"[^>]*>/gi, ' ');
  const attributes = [...html.matchAll(READ_ATTRIBUTES)].map((m) => m[1]).join(' ');
  const text = `${html.replace(/<[^>]+>/g, ' ')} ${attributes}`
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .toLowerCase();
  const words = text.match(/\p{L}{3,}/gu) ?? [];
  return [...new Set(words.filter((w) => ENGLISH_ONLY.has(w)))];
}

for (const language of LANGUAGES) {
  test.describe(`accessibility (${language})`, () => {
    for (const check of CHECKS) {
      test(`${check.name}`, async ({ browser }, testInfo) => {
        const made = await requestsInEveryState(browser, testInfo);
        const context = await contextFor(browser, testInfo, language, check.who);
        const page = await context.newPage();
        await page.goto(check.path(made));
        await live(page, testInfo);
        await expect(page.locator('html')).toHaveAttribute('lang', language);
        if (check.act) {
          await check.act(page);
        }
        await page.waitForLoadState('networkidle');
        expect(await violations(browser, page, testInfo), `axe on ${check.path(made)}`).toEqual([]);
        if (language === 'nb') {
          expect(await englishLeftOnPage(page), `English on the Norwegian ${check.name}`).toEqual([]);
        }
        await context.close();
      });
    }
  });
}

test('the language switch, Accept-Language and the cookie agree', async ({ browser }, testInfo) => {
  const context = await browser.newContext({
    ...testInfo.project.use,
    javaScriptEnabled: hydrated(testInfo),
    locale: 'en-GB',
  });
  const page = await context.newPage();
  await page.goto('/images?q=nginx');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByRole('button', { name: 'Bytt til norsk' }).click();
  await expect(page).toHaveURL(/\/images\?q=nginx$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'nb');
  await expect(page.getByRole('heading', { level: 2, name: /Logg inn/ })).toBeVisible();
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await context.close();
});
