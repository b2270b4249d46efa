import { expect, test } from '@playwright/test';
import { declineCatalog, hydrated, live, open, signIn, uniqueTag } from './support';

test.describe('a requester', () => {
  test('submits a valid request and finds it in My requests', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Alice Andersen');
    const tag = uniqueTag('1.25');

    await page.getByRole('link', { name: 'New request' }).first().click();
    await expect(page.getByRole('heading', { name: 'Request an image' })).toBeVisible();
    await live(page, testInfo);
    await page.getByLabel('Image reference').fill(`nginx:${tag}`);
    if (hydrated(testInfo)) {
      // The reference is normalised as it is typed.
      await expect(page.getByText(`docker.io/library/nginx:${tag}`)).toBeVisible();
    }
    await declineCatalog(page, testInfo, 'We need the upstream njs module, which the UBI image lacks.');
    await page.getByLabel('Team / application').fill('Web platform / course portal');
    await page.getByLabel('Contact address').fill('web-platform@example.org');
    await page.getByLabel('Justification').fill('Reverse proxy in front of the course portal; replaces a VM.');
    await page.getByRole('button', { name: 'Submit request' }).click();

    await expect(page).toHaveURL(/\/requests\/\d+$/);
    await expect(page.getByRole('heading', { name: `docker.io/library/nginx:${tag}` })).toBeVisible();
    await expect(page.getByText('Submitted', { exact: true }).first()).toBeVisible();
    await expect(page.getByText('web-platform@example.org')).toBeVisible();

    await page.getByRole('link', { name: 'My requests' }).first().click();
    const row = page.getByRole('row', { name: new RegExp(`nginx:${tag}`) });
    await expect(row).toHaveCount(1);
    await expect(row.getByText('Submitted')).toBeVisible();
    await expect(row.getByText('Web platform / course portal')).toBeVisible();
  });

  test('gets the error next to the field for an invalid reference, and nothing is stored', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Bob Berg');
    await open(page, testInfo, '/requests');
    const rowsBefore = await page.locator('tbody tr').count();

    await open(page, testInfo, '/requests/new');
    const image = page.getByLabel('Image reference');
    await image.fill('Nginx:1.25');
    await page.getByLabel('Team / application').fill('Research IT');
    await page.getByLabel('Contact address').fill('rit@example.org');
    await page.getByLabel('Justification').fill('Batch pipeline for the genomics cluster.');
    await page.getByRole('button', { name: 'Submit request' }).click();

    // The message sits with the field, is tied to it, and the summary links to it.
    await expect(page.getByRole('alert').filter({ hasText: 'There is a problem' })).toBeVisible();
    await expect(image).toHaveAttribute('aria-invalid', 'true');
    await expect(image).toHaveAccessibleDescription(/must be lowercase: write “nginx:1\.25”/);
    await expect(page).toHaveURL(/\/requests\/new/);
    // Nothing typed is lost.
    await expect(image).toHaveValue('Nginx:1.25');
    await expect(page.getByLabel('Team / application')).toHaveValue('Research IT');
    await expect(page.getByLabel('Justification')).toHaveValue('Batch pipeline for the genomics cluster.');

    await open(page, testInfo, '/requests');
    await expect(page.locator('tbody tr')).toHaveCount(rowsBefore);
  });

  test('only the page with the request form loads the WASM bundle', async ({ page }, testInfo) => {
    test.skip(!hydrated(testInfo), 'about what a browser with JavaScript downloads');
    const code: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/\.(js|wasm)$/.test(path)) code.push(path);
    });
    await signIn(page, testInfo, 'Alice Andersen');
    // The pages people read: server-rendered, with plain links and form posts.
    for (const path of ['/', '/requests', '/images', '/images/report']) {
      await open(page, testInfo, path);
      await expect(page.locator('leptos-island')).toHaveCount(0);
    }
    expect(code).toEqual([]);
    // The form reacts to the typing: its island brings the bundle, once.
    await open(page, testInfo, '/requests/new');
    expect(code).toEqual(['/pkg/app.js', '/pkg/app.wasm']);
    await page.getByLabel('Image reference').fill('nginx:1.25');
    await expect(page.getByText('Will be requested as docker.io/library/nginx:1.25')).toBeVisible();
  });

  test('cannot open another requester\'s request', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Alice Andersen');
    await open(page, testInfo, '/requests/new');
    await page.getByLabel('Image reference').fill(`redis:${uniqueTag('7')}`);
    await declineCatalog(page, testInfo, 'Needs the upstream Redis modules build.');
    await page.getByLabel('Team / application').fill('Web platform');
    await page.getByLabel('Contact address').fill('web-platform@example.org');
    await page.getByLabel('Justification').fill('Session cache for the course portal.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await expect(page).toHaveURL(/\/requests\/\d+$/);
    const url = page.url();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
    await signIn(page, testInfo, 'Bob Berg');
    await page.goto(url);
    await expect(page.getByRole('heading', { name: /was not found/ })).toBeVisible();
    await expect(page.getByText('Session cache for the course portal.')).toHaveCount(0);
  });
});
