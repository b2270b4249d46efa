import { expect, Page, TestInfo, test } from '@playwright/test';
import { declineCatalog, open, signIn, uniqueTag } from './support';

/** Submits a request for `image` as the signed-in user and returns its number. */
async function submit(page: Page, testInfo: TestInfo, image: string): Promise<string> {
  await open(page, testInfo, '/requests/new');
  await page.getByLabel('Image reference').fill(image);
  await declineCatalog(page, testInfo, 'We need the upstream njs module.');
  await page.getByLabel('Team / application').fill('Web platform');
  await page.getByLabel('Contact address').fill('web@example.org');
  await page.getByLabel('Justification').fill('Reverse proxy in front of the course portal.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/\d+$/);
  return page.url().split('/').pop()!;
}

/** Opens a decision's folded form ("Request changes", "Reject"). */
async function unfold(page: Page, name: string) {
  const details = page.locator('details.decision').filter({ has: page.locator('summary', { hasText: name }) });
  if (!(await details.getAttribute('open').then((v) => v !== null))) {
    await details.locator('summary').click();
  }
  return details;
}

/** The subjects of the mails the SMTP server received about request `id`. */
async function subjectsAbout(page: Page, id: string): Promise<string[]> {
  const answer = await page.request.get(`${process.env.PORTCULLIS_E2E_SMTP_API}/messages`);
  const mails: { subject: string; to: string[] }[] = await answer.json();
  return mails.filter((m) => m.subject.includes(`#${id}`)).map((m) => `${m.subject} → ${m.to.join(', ')}`);
}

test.describe('the security review', () => {
  test('submit, request changes, resubmit, approve with a pattern and expiry; the mails arrive', async ({ page }, testInfo) => {
    const tag = uniqueTag('1.25');
    await signIn(page, testInfo, 'Alice Andersen');
    // Alice's mail follows her language; other journeys may have left it Norwegian.
    await page.request.post('/language', { form: { lang: 'en', return_to: '/requests' } });
    const id = await submit(page, testInfo, `nginx:${tag}`);

    // Rita finds it in the queue, claims it and asks for changes.
    await signIn(page, testInfo, 'Rita Reviewer');
    await open(page, testInfo, '/review');
    await page.getByRole('link', { name: `#${id}`, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/requests/${id}$`));
    await page.getByRole('button', { name: 'Claim' }).click();
    await expect(page.getByText('Claimed by Rita Reviewer.')).toBeVisible();
    const changes = await unfold(page, 'Request changes');
    await changes.getByLabel('What should the requester change?').fill('Name the service that runs it, please.');
    await changes.getByRole('button', { name: 'Request changes' }).click();
    await expect(page.locator('.title-row').getByText('Changes requested')).toBeVisible();

    // Alice edits and resubmits.
    await signIn(page, testInfo, 'Alice Andersen');
    await open(page, testInfo, `/requests/${id}`);
    await page.getByRole('link', { name: 'Edit and resubmit' }).click();
    await expect(page.getByText('Name the service that runs it, please.')).toBeVisible();
    await page.getByLabel('Justification').fill('Reverse proxy in front of the course portal app servers (service: portal-web).');
    await page.getByLabel('What did you change?').fill('Named the service: portal-web.');
    await page.getByRole('button', { name: 'Resubmit' }).click();
    await expect(page).toHaveURL(new RegExp(`/requests/${id}$`));
    await expect(page.locator('.title-row').getByText('Submitted')).toBeVisible();

    // Rita approves a tag pattern until a chosen day.
    await signIn(page, testInfo, 'Rita Reviewer');
    await open(page, testInfo, `/requests/${id}`);
    await page.getByRole('button', { name: 'Claim' }).click();
    await expect(page.getByText('Claimed by Rita Reviewer.')).toBeVisible();
    const expiry = new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    await page.getByLabel('Regular expression (must match the whole tag)').check();
    await page.getByLabel('Tags or pattern').fill('1\\.25\\..*');
    await page.getByLabel('Architectures').fill('amd64, arm64');
    await page.getByLabel('Last day of the approval').fill(expiry);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(page.locator('.title-row').getByText('Approved')).toBeVisible();

    // Alice sees the approval and its scope.
    await signIn(page, testInfo, 'Alice Andersen');
    await open(page, testInfo, `/requests/${id}`);
    const entry = page.locator('.entry-panel');
    await expect(entry.getByText('active')).toBeVisible();
    await expect(entry.getByText('/^(?:1\\.25\\..*)$/')).toBeVisible();
    // The last day, written out in the page's language (English here).
    const writtenOut = new Date(`${expiry}T00:00:00Z`).toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    await expect(entry.getByText(writtenOut)).toBeVisible();
    await expect(page.getByText('Rita Reviewer approved the request')).toBeVisible();

    // The mails reached the SMTP server.
    const image = `docker.io/library/nginx:${tag}`;
    await expect
      .poll(() => subjectsAbout(page, id), { timeout: 15_000 })
      .toEqual([
        `New request #${id}: ${image} → security@example.org`,
        `Request #${id} needs changes: ${image} → alice@example.org, web@example.org`,
        `Request #${id} resubmitted: ${image} → security@example.org`,
        `Request #${id} approved: ${image} → alice@example.org, web@example.org`,
      ]);
  });

  test('a reviewer cannot approve their own request', async ({ page }, testInfo) => {
    await signIn(page, testInfo, 'Rita Reviewer');
    const id = await submit(page, testInfo, `nginx:${uniqueTag('1.25')}`);
    // The page offers no review of one's own request …
    await expect(page.getByRole('button', { name: 'Claim' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Withdraw the request' })).toBeVisible();
    // … and the server refuses a forged approval, saying why.
    const expiry = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const forged = await page.request.post('/api/approve_request', {
      form: { id, version: '1', tag_mode: 'exact', tags: '1.25', architectures: 'amd64', expires_on: expiry },
      headers: { Accept: 'application/json' },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('four eyes');
    await open(page, testInfo, `/requests/${id}`);
    await expect(page.locator('.title-row').getByText('Submitted')).toBeVisible();
  });
});
