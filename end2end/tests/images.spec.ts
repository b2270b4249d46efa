import { expect, Page, TestInfo, test } from '@playwright/test';
import { checkCatalog, hydrated, open, signIn, uniqueTag } from './support';

/** Submits a request for `image` as the signed-in user and returns its number. */
async function submit(page: Page, testInfo: TestInfo, image: string): Promise<string> {
  await open(page, testInfo, '/requests/new');
  await page.getByLabel('Image reference').fill(image);
  const catalog = await checkCatalog(page, testInfo);
  const none = catalog.getByRole('radio', { name: 'None of these fits' });
  if (await none.isVisible().catch(() => false)) {
    await none.check();
    await catalog.getByLabel('Why not?').fill('The tests need the upstream image itself.');
  }
  await page.getByLabel('Team / application').fill('Research computing');
  await page.getByLabel('Contact address').fill('rc@example.org');
  await page.getByLabel('Justification').fill('Runs the nightly batch jobs of the research cluster.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/\d+$/);
  return page.url().split('/').pop()!;
}

/** Types `image` into the request form and shows what the organisation's registry has. */
async function typeImage(page: Page, testInfo: TestInfo, image: string) {
  await open(page, testInfo, '/requests/new');
  await page.getByLabel('Image reference').fill(image);
  if (!hydrated(testInfo)) {
    await page.getByRole('button', { name: 'Check the Red Hat catalog' }).click();
  }
}

test.describe('what the mirror offers', () => {
  test('a second requester finds an approved image and its pull path; the form says it is there', async ({ page }, testInfo) => {
    const owner = uniqueTag('e2e');
    const image = `ghcr.io/${owner}/tool`;
    await signIn(page, testInfo, 'Alice Andersen');
    const id = await submit(page, testInfo, `${image}:1.0`);

    await signIn(page, testInfo, 'Rita Reviewer');
    await open(page, testInfo, `/requests/${id}`);
    await page.getByRole('button', { name: 'Claim' }).click();
    await expect(page.getByText('Claimed by Rita Reviewer.')).toBeVisible();
    await page.getByLabel('Tags or pattern').fill('1.0, 1.1');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(page.locator('.title-row').getByText('Approved')).toBeVisible();
    await expect(page.locator('.entry-panel').getByText('not mirrored yet')).toBeVisible();

    // Bob searches the catalog and finds it, with where to pull it from.
    await signIn(page, testInfo, 'Bob Berg');
    await open(page, testInfo, '/images');
    await page.getByRole('searchbox', { name: 'Search' }).fill(owner.toUpperCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(/\/images\?q=/);
    const row = page.getByRole('row').filter({ hasText: `${owner}/tool` });
    await expect(row).toHaveCount(1);
    await expect(row.locator('code.pull-path')).toHaveText(`registry.example.org/mirror/${owner}/tool`);
    await expect(row.getByText('not mirrored yet')).toBeVisible();
    await expect(row.getByRole('link', { name: `request #${id}` })).toBeVisible();

    // Typing it in the form says no new request is needed.
    await typeImage(page, testInfo, `${image}:1.1`);
    const note = page.locator('.local-check');
    await expect(note.getByText('Already approved.')).toBeVisible();
    await expect(note.getByText('No new request is needed.')).toBeVisible();
    await expect(note.locator('code.pull-path')).toHaveText(`registry.example.org/mirror/${owner}/tool`);
  });

  test('typing a repository someone already asked for links to that request; others learn only that it exists', async ({ page }, testInfo) => {
    const owner = uniqueTag('e2e');
    await signIn(page, testInfo, 'Alice Andersen');
    const id = await submit(page, testInfo, `quay.io/${owner}/worker:2.0`);
    await typeImage(page, testInfo, `quay.io/${owner}/worker:2.1`);
    const note = page.locator('.local-check');
    await expect(note.getByText('Already asked for.')).toBeVisible();
    await expect(note.getByRole('link', { name: `request #${id}` })).toHaveAttribute('href', `/requests/${id}`);

    // Someone else is told too, with nothing of a request they may not open.
    await signIn(page, testInfo, 'Bob Berg');
    await typeImage(page, testInfo, `quay.io/${owner}/worker:2.1`);
    await expect(page.locator('.local-check').getByText('Already asked for.')).toBeVisible();
    await expect(page.locator('.local-check').getByRole('link')).toHaveCount(0);
    await expect(page.locator('.local-check')).not.toContainText(`#${id}`);
    await expect(page.locator('.local-check')).not.toContainText('Research computing');
  });
});
