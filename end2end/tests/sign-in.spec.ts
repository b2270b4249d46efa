import { expect, test } from '@playwright/test';
import { live, signInWithProvider } from './support';

// The portal that signs in through the identity provider (development sign-in is off there).
test.use({ baseURL: process.env.PORTCULLIS_E2E_OIDC_URL });

test.describe('signing in through the organisation', () => {
  test('a requester signs in and sees the requester menus', async ({ page }, testInfo) => {
    await signInWithProvider(page, testInfo, 'alice');
    await expect(page).toHaveURL(/\/requests$/);
    await expect(page.getByRole('heading', { name: 'My requests' })).toBeVisible();
    const banner = page.getByRole('banner');
    await expect(banner.getByText('Alice Andersen')).toBeVisible();
    await expect(banner.getByRole('link', { name: 'New request' })).toBeVisible();
    await expect(banner.getByText('Reviewer', { exact: true })).toHaveCount(0);
    await live(page, testInfo);
  });

  test('a reviewer signs in and is shown as a reviewer', async ({ page }, testInfo) => {
    await signInWithProvider(page, testInfo, 'rita');
    const banner = page.getByRole('banner');
    await expect(banner.getByText('Rita Reviewer')).toBeVisible();
    await expect(banner.getByText('Reviewer', { exact: true })).toBeVisible();
  });

  test('someone outside the allowed groups is told why and not signed in', async ({ page }, testInfo) => {
    await signInWithProvider(page, testInfo, 'eve');
    await expect(page.getByRole('heading', { name: 'Sign-in failed' })).toBeVisible();
    await expect(page.getByText('not in a group that may use Portcullis')).toBeVisible();
    await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
  });

  test('a forged answer is refused with a way to try again', async ({ page }) => {
    await page.goto('/auth/callback?code=forged&state=forged');
    await expect(page.getByRole('heading', { name: 'Sign-in failed' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Try again' })).toBeVisible();
  });

  test('signing out ends the session here and at the provider', async ({ page }, testInfo) => {
    await signInWithProvider(page, testInfo, 'alice');
    await expect(page.getByRole('banner').getByText('Alice Andersen')).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The provider asks to confirm (its own page), then sends the browser back to the start page.
    await page.getByRole('button', { name: /Yes, sign me out/ }).click();
    await expect(page.getByRole('heading', { name: /Container images for production/ })).toBeVisible();
    await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
    await page.goto('/requests');
    await expect(page.getByRole('heading', { name: 'Sign in to see your requests' })).toBeVisible();
  });
});
