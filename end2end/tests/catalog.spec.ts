import { expect, test } from '@playwright/test';
import { checkCatalog, open, signIn, uniqueTag } from './support';

test.describe('the Red Hat catalog check', () => {
  test('postgres:16 suggests rhel9/postgresql-16 first, and choosing it requests that image', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Alice Andersen');
    await open(page, testInfo, '/requests/new');
    await page.getByLabel('Image reference').fill('postgres:16');
    const catalog = await checkCatalog(page, testInfo);
    const first = catalog.getByRole('radio').first();
    await expect(first).toHaveAccessibleName(/rhel9\/postgresql-16/);
    await expect(catalog.getByText('Same version (16)').first()).toBeVisible();
    // The current freshness grade, read from the catalog's images (the stand-in's: A).
    await expect(catalog.locator('.candidate').first().getByText('Grade A')).toBeVisible();
    await expect(catalog.getByRole('link', { name: 'Catalog page' }).first()).toHaveAttribute('href', /catalog\.redhat\.com/);
    await first.check();

    await page.getByLabel('Team / application').fill('Course portal');
    await page.getByLabel('Contact address').fill('portal@example.org');
    await page.getByLabel('Justification').fill('Database for the course portal, replacing a VM.');
    await page.getByRole('button', { name: 'Submit request' }).click();

    await expect(page).toHaveURL(/\/requests\/\d+$/);
    await expect(page.getByRole('heading', { name: 'registry.redhat.io/rhel9/postgresql-16:latest' })).toBeVisible();
    const check = page.getByRole('region', { name: 'Red Hat catalog check' }).or(page.locator('.catalog-panel'));
    await expect(check.getByText('Chose the Red Hat image rhel9/postgresql-16 instead of postgres:16.')).toBeVisible();
  });

  test('an image the catalog lacks is said plainly and goes through as it is', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Bob Berg');
    await open(page, testInfo, '/requests/new');
    await page.getByLabel('Image reference').fill('grafana/grafana:11.0.0');
    const catalog = await checkCatalog(page, testInfo);
    await expect(catalog.getByText('has no equivalent')).toBeVisible();
    await page.getByLabel('Team / application').fill('Observability');
    await page.getByLabel('Contact address').fill('obs@example.org');
    await page.getByLabel('Justification').fill('Dashboards for the platform metrics.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await expect(page).toHaveURL(/\/requests\/\d+$/);
    await expect(page.getByText('The catalog had no equivalent.')).toBeVisible();
  });

  test('submitting without deciding on the suggestions asks for a decision and keeps the form', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Bob Berg');
    await open(page, testInfo, '/requests/new');
    await page.getByLabel('Image reference').fill('python:3.12-slim');
    await checkCatalog(page, testInfo);
    await page.getByLabel('Team / application').fill('Research IT');
    await page.getByLabel('Contact address').fill('rit@example.org');
    await page.getByLabel('Justification').fill('Notebook runner for the HPC portal.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'There is a problem' })).toBeVisible();
    await expect(page.getByText('Pick one of the Red Hat images').first()).toBeVisible();
    await expect(page.getByLabel('Image reference')).toHaveValue('python:3.12-slim');
    await expect(page.getByRole('radio').first()).toHaveAccessibleName(/ubi9\/python-312/);
  });
});

test.describe('when the Red Hat catalog is down', () => {
  // A second portal whose catalog answers 503 to everything (see playwright.config.ts).
  test.use({ baseURL: process.env.PORTCULLIS_E2E_CATALOG_DOWN_URL });

  test('a request still goes through, marked "catalog not checked"', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Alice Andersen');
    await open(page, testInfo, '/requests/new');
    const tag = uniqueTag('1.24');
    await page.getByLabel('Image reference').fill(`nginx:${tag}`);
    // The suggestions still come, from the snapshot shipped with the portal.
    const catalog = await checkCatalog(page, testInfo);
    await expect(catalog.getByRole('radio').first()).toHaveAccessibleName(/ubi9\/nginx-124/);
    await catalog.getByRole('radio', { name: 'None of these fits' }).check();
    await catalog.getByLabel('Why not?').fill('We need the upstream module set.');
    await page.getByLabel('Team / application').fill('Web platform');
    await page.getByLabel('Contact address').fill('web@example.org');
    await page.getByLabel('Justification').fill('Reverse proxy for the course portal.');
    await page.getByRole('button', { name: 'Submit request' }).click();

    await expect(page).toHaveURL(/\/requests\/\d+$/);
    const notice = page.locator('.catalog-not-checked');
    await expect(notice.getByText('Catalog not checked.')).toBeVisible();
    await expect(notice.getByText('the offline snapshot shipped with Portcullis')).toBeVisible();

    await open(page, testInfo, '/requests');
    const row = page.getByRole('row').filter({ hasText: tag });
    await expect(row.getByText('Catalog not checked')).toBeVisible();
  });
});
