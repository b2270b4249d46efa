import { test, expect, Browser, Locator, Page, TestInfo } from '@playwright/test';
import { hydrated, live, uniqueTag } from './support';

// A request submitted and reviewed to approval with the keyboard alone, in Norwegian: every
// control is reached with Tab and used with Enter or Space, and focus is checked after each step.

/** Presses Tab until `target` has focus; fails when 80 presses do not reach it. */
async function tabTo(page: Page, target: Locator, what: string) {
  for (let presses = 0; presses < 80; presses++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${what}`);
}

/** Whether the focused element is `target`. (Without JavaScript, Playwright can still ask.) */
async function focused(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === document.activeElement);
}

/** A fresh context in Norwegian, signed in as `name` with the keyboard. */
async function signInByKeyboard(browser: Browser, testInfo: TestInfo, name: string) {
  const context = await browser.newContext({
    ...testInfo.project.use,
    javaScriptEnabled: hydrated(testInfo),
  });
  const baseURL = testInfo.project.use.baseURL!;
  await context.addCookies([{ name: 'portcullis-lang', value: 'nb', url: baseURL }]);
  const page = await context.newPage();
  await page.goto('/auth/dev-sign-in');
  await live(page, testInfo);
  // The first Tab lands on the skip link.
  await page.keyboard.press('Tab');
  expect(await focused(page.getByRole('link', { name: 'Hopp til innholdet' }))).toBe(true);
  const button = page.getByRole('button', { name: `Logg inn som ${name}` });
  await tabTo(page, button, `the sign-in button for ${name}`);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Mine forespørsler' })).toBeVisible();
  return { context, page };
}

test('submit and approve a request with the keyboard only, in Norwegian', async ({ browser }, testInfo) => {
  const js = hydrated(testInfo);
  const alice = await signInByKeyboard(browser, testInfo, 'Alice Andersen');
  let page = alice.page;
  await page.goto('/requests/new');
  await live(page, testInfo);

  // A first try with a bad reference: the errors come back, focus moves to the list of
  // problems, and each problem links to its field.
  const image = page.getByLabel('Bildereferanse');
  await tabTo(page, image, 'the image field');
  await page.keyboard.type('Ugyldig Referanse');
  const submit = page.getByRole('button', { name: 'Send forespørsel' });
  await tabTo(page, page.getByLabel('Team / applikasjon'), 'the team field');
  await page.keyboard.type('Plattform');
  await tabTo(page, page.getByLabel('Kontaktadresse'), 'the contact field');
  await page.keyboard.type('plattform@example.org');
  await tabTo(page, page.getByLabel('Begrunnelse'), 'the justification field');
  await page.keyboard.type('Omvendt mellomtjener foran emneportalen.');
  await tabTo(page, submit, 'the submit button');
  await page.keyboard.press('Enter');
  const summary = page.locator('.error-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText('kan ikke inneholde mellomrom');
  // Focus is on the list of problems (with JavaScript the island moves it; without, the page
  // comes back with the list autofocused).
  await expect.poll(() => focused(summary)).toBe(true);
  await expect(page.getByLabel('Bildereferanse')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Bildereferanse')).toHaveAttribute('aria-describedby', /image-error/);

  // Correct the reference from the keyboard and send it again.
  const tag = uniqueTag('1.27');
  await tabTo(page, page.getByLabel('Bildereferanse'), 'the image field again');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(`nginx:${tag}`);
  if (!js) {
    // Without JavaScript the catalog's suggestions come with a reload ("Søk i Red Hat-katalogen").
    await tabTo(page, page.getByRole('button', { name: 'Søk i Red Hat-katalogen' }), 'the catalog button');
    await page.keyboard.press('Enter');
  }
  const none = page.getByRole('radio', { name: 'Ingen av disse passer' });
  await expect(none).toBeVisible();
  await tabTo(page, page.getByRole('radio').first(), 'the first catalog choice');
  // Arrow keys move within a radio group; Space would pick the focused one.
  for (let i = 0; i < 20 && !(await focused(none)); i++) {
    await page.keyboard.press('ArrowDown');
  }
  expect(await focused(none)).toBe(true);
  await page.keyboard.press('Space');
  await expect(none).toBeChecked();
  await tabTo(page, page.getByLabel('Hvorfor ikke?'), 'the reason field');
  await page.keyboard.type('Vi trenger njs-modulen fra opphavet.');
  for (const [label, text] of [
    ['Team / applikasjon', 'Plattform'],
    ['Kontaktadresse', 'plattform@example.org'],
    ['Begrunnelse', 'Omvendt mellomtjener foran emneportalen.'],
  ]) {
    const field = page.getByLabel(label);
    if ((await field.inputValue()) !== text) {
      await tabTo(page, field, label);
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.type(text);
    }
  }
  await tabTo(page, page.getByRole('button', { name: 'Send forespørsel' }), 'the submit button');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/requests\/\d+$/);
  const id = page.url().split('/').pop()!;
  await expect(page.getByText('Sendt inn', { exact: true }).first()).toBeVisible();
  // The request's page is a new page load (in both modes), so focus starts at its beginning:
  // the first Tab reaches the skip link.
  await page.keyboard.press('Tab');
  expect(await focused(page.getByRole('link', { name: 'Hopp til innholdet' }))).toBe(true);
  await alice.context.close();

  // Rita takes the request and approves it, still with the keyboard only.
  const rita = await signInByKeyboard(browser, testInfo, 'Rita Reviewer');
  page = rita.page;
  await page.goto(`/requests/${id}`);
  await live(page, testInfo);
  await tabTo(page, page.getByRole('button', { name: 'Ta forespørselen' }), 'the claim button');
  await page.keyboard.press('Enter');
  await expect(page.getByText('Under behandling', { exact: true }).first()).toBeVisible();
  await tabTo(page, page.getByLabel('Tagger eller mønster'), 'the tags field');
  await page.keyboard.type(tag);
  await tabTo(page, page.getByRole('button', { name: 'Godkjenn', exact: true }), 'the approve button');
  await page.keyboard.press('Enter');
  await expect(page.getByText('Godkjent', { exact: true }).first()).toBeVisible();
  await expect(page.getByRole('heading', { name: /Oppføring i godkjenningslisten/ })).toBeVisible();
  await rita.context.close();
});
