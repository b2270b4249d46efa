import { expect, test } from '@playwright/test';
import { open, signIn } from './support';

test.describe('API tokens', () => {
  test('an admin creates a token and sees it once; others are not offered the form', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Adam Admin');
    await open(page, testInfo, '/admin/tokens');
    const name = `mirror-${testInfo.project.name}-${Date.now().toString(36)}`;
    await page.getByLabel('Name').fill(name);
    await page.getByLabel(/allowlist:read/).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByText(`Token “${name}” created.`)).toBeVisible();
    await expect(page.locator('.token-secret')).toHaveText(/^pct_[0-9a-f]{16}_[0-9a-f]{64}$/);
    // The token travelled in a cookie the page cleared as it showed it: gone on reload.
    await page.reload();
    await expect(page.getByRole('button', { name: `Revoke ${name}` })).toBeVisible();
    await expect(page.locator('.token-secret')).toHaveCount(0);
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain('portcullis-new-token');

    await page.context().clearCookies();
    await signIn(page, testInfo, 'Alice Andersen');
    await open(page, testInfo, '/admin/tokens');
    await expect(page.getByText('API tokens are managed by admins.')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'New token' })).toHaveCount(0);
  });
});
