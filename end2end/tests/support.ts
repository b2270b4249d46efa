import { expect, Page, TestInfo } from '@playwright/test';

/** True for the project that runs with JavaScript on. */
export function hydrated(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/**
 * With JavaScript on, waits until the page's islands (its live parts, such as the request
 * form) have hydrated. Most pages have none: they are server-rendered alone and load no WASM.
 */
export async function live(page: Page, testInfo: TestInfo) {
  if (hydrated(testInfo) && (await page.locator('leptos-island').count()) > 0) {
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  }
}

/** Opens a page and waits until its live parts, if any, have hydrated. */
export async function open(page: Page, testInfo: TestInfo, path: string) {
  await page.goto(path);
  await live(page, testInfo);
}

/** Signs in through the development sign-in page (the provider's journey is in sign-in.spec.ts). */
export async function signIn(page: Page, testInfo: TestInfo, name: string) {
  await open(page, testInfo, '/auth/dev-sign-in');
  await expect(page.getByRole('heading', { name: 'Development sign-in' })).toBeVisible();
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(page.getByRole('heading', { name: 'My requests' })).toBeVisible();
  await expect(page.getByText(name, { exact: false }).first()).toBeVisible();
}

/** Signs in through the identity provider's own login and consent pages. */
export async function signInWithProvider(page: Page, testInfo: TestInfo, login: string) {
  await open(page, testInfo, '/');
  await page.getByRole('link', { name: 'Sign in' }).first().click();
  // The provider's login page (oidc-provider's own interaction pages).
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const consent = page.getByRole('button', { name: 'Continue' });
  if (await consent.isVisible().catch(() => false)) {
    await consent.click();
  }
}

/**
 * Shows the Red Hat catalog's suggestions for the typed image: with JavaScript they follow the
 * typing; without it, the "Check the Red Hat catalog" button reloads the form with them.
 */
export async function checkCatalog(page: Page, testInfo: TestInfo) {
  const catalog = page.getByRole('group', { name: 'Red Hat catalog' });
  if (!hydrated(testInfo)) {
    await page.getByRole('button', { name: 'Check the Red Hat catalog' }).click();
  }
  await expect(catalog.getByRole('radio').first().or(catalog.getByText('has no equivalent'))).toBeVisible();
  return catalog;
}

/** Declines the catalog's suggestions with a reason. */
export async function declineCatalog(page: Page, testInfo: TestInfo, reason: string) {
  const catalog = await checkCatalog(page, testInfo);
  await catalog.getByRole('radio', { name: 'None of these fits' }).check();
  await catalog.getByLabel('Why not?').fill(reason);
}

/** A tag no earlier run used, so journeys can find their own rows. */
export function uniqueTag(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}
