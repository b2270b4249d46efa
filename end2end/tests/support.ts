import { expect, Page, TestInfo } from '@playwright/test';

/** True for the project that runs with JavaScript on. */
export function hydrated(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Opens a page and, with JavaScript on, waits until the WASM has hydrated it. */
export async function open(page: Page, testInfo: TestInfo, path: string) {
  await page.goto(path);
  if (hydrated(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  }
}

/** Signs in through the development sign-in page, starting from the start page's link. */
export async function signIn(page: Page, testInfo: TestInfo, name: string) {
  await open(page, testInfo, '/');
  await page.getByRole('link', { name: 'Sign in' }).first().click();
  await expect(page.getByRole('heading', { name: 'Development sign-in' })).toBeVisible();
  if (hydrated(testInfo)) {
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  }
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(page.getByRole('heading', { name: 'My requests' })).toBeVisible();
  await expect(page.getByText(name, { exact: false }).first()).toBeVisible();
}

/** A tag no earlier run used, so journeys can find their own rows. */
export function uniqueTag(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}
