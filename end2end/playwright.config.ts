import { defineConfig, devices } from '@playwright/test';
import * as path from 'path';
import * as fs from 'fs';
import * as os from 'os';

// The server under test: the binary that `cargo leptos build` made, started here on its own port
// with a fresh database (a new SQLite file, or PORTCULLIS_E2E_DATABASE_URL for PostgreSQL).
const root = path.resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');
const binary = process.env.PORTCULLIS_BIN ?? path.join(targetDir, 'debug', 'portcullis');
const port = Number(process.env.PORTCULLIS_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-e2e-'));
const databaseUrl = process.env.PORTCULLIS_E2E_DATABASE_URL ?? `sqlite://${stateDir}/portcullis.db`;
// A real OpenID Connect provider (npm oidc-provider) with its own login and consent pages.
const providerPort = Number(process.env.PORTCULLIS_E2E_OIDC_PORT ?? 4011);
const issuer = `http://127.0.0.1:${providerPort}`;
// The Red Hat catalog stand-in (recorded Pyxis responses); `/fail/...` answers 503 to everything.
const catalogPort = Number(process.env.PORTCULLIS_E2E_CATALOG_PORT ?? 4012);
const catalogApi = `http://127.0.0.1:${catalogPort}/api/containers/v1`;
const failingCatalogApi = `http://127.0.0.1:${catalogPort}/fail/api/containers/v1`;
// A real SMTP server (npm smtp-server) whose received messages the journeys read over HTTP.
const smtpPort = Number(process.env.PORTCULLIS_E2E_SMTP_PORT ?? 2525);
const smtpApiPort = Number(process.env.PORTCULLIS_E2E_SMTP_API_PORT ?? 2580);
process.env.PORTCULLIS_E2E_SMTP_API = `http://127.0.0.1:${smtpApiPort}`;
// A second portal whose catalog is down, for the "catalog not checked" journey.
const downPort = port + 1;
const downURL = `http://127.0.0.1:${downPort}`;
process.env.PORTCULLIS_E2E_CATALOG_DOWN_URL = downURL;
const downDatabaseUrl =
  process.env.PORTCULLIS_E2E_CATALOG_DOWN_DATABASE_URL ?? `sqlite://${stateDir}/catalog-down.db`;
// A third portal that signs in through the identity provider only: development sign-in never
// runs beside a provider, so the journeys that use it have the first portal to themselves.
const oidcPort = port + 2;
const oidcURL = `http://127.0.0.1:${oidcPort}`;
process.env.PORTCULLIS_E2E_OIDC_URL = oidcURL;
const oidcDatabaseUrl =
  process.env.PORTCULLIS_E2E_OIDC_DATABASE_URL ?? `sqlite://${stateDir}/oidc.db`;

const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  },
};

/** Sign-in through the test identity provider (instead of the development sign-in). */
const providerSignIn = {
  PORTCULLIS_OIDC_ISSUER: issuer,
  PORTCULLIS_OIDC_CLIENT_ID: 'portcullis',
  PORTCULLIS_OIDC_CLIENT_SECRET: 'portcullis-e2e-secret',
  PORTCULLIS_OIDC_SCOPES: 'openid profile email groups',
  PORTCULLIS_REQUESTER_GROUPS: 'staff',
  PORTCULLIS_REVIEWER_GROUPS: 'security-reviewers',
  PORTCULLIS_ADMIN_GROUPS: 'portal-admins',
};

/** The portal binary on `listenPort`, with its own database and catalog, and `signIn` settings. */
function portal(
  listenPort: number,
  database: string,
  catalog: string,
  signIn: Record<string, string> = { PORTCULLIS_DEV_SIGNIN: 'true' },
) {
  const url = `http://127.0.0.1:${listenPort}`;
  return {
    command: binary,
    url: `${url}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${listenPort}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? path.join(root, 'target', 'site'),
      LEPTOS_ENV: 'PROD',
      PORTCULLIS_DATABASE_URL: database,
      PORTCULLIS_CATALOG_URL: catalog,
      PORTCULLIS_CATALOG_ATTEMPTS: '1',
      PORTCULLIS_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      PORTCULLIS_MAIL_FROM: 'Portcullis <portcullis@example.org>',
      PORTCULLIS_SECURITY_TEAM_EMAIL: 'security@example.org',
      PORTCULLIS_MAIL_JOB_SECONDS: '1',
      // Pull paths name the mirror; it is not reachable here, so its job only says so.
      PORTCULLIS_MIRROR_REGISTRY: 'registry.example.org/mirror',
      PORTCULLIS_MIRROR_JOB_SECONDS: '3600',
      PORTCULLIS_LOG: 'warn',
      // The journeys read the security team's mail in English; pages follow each browser's
      // language or the switch (accessibility.spec.ts covers both), and the default nb is
      // covered by server/tests/platform.rs.
      PORTCULLIS_DEFAULT_LANGUAGE: 'en',
      ...signIn,
    },
  };
}

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: path.join(stateDir, 'results'),
  use: {
    baseURL,
    trace: 'retain-on-failure',
  },
  // Every journey runs twice: hydrated (the WASM takes over) and with JavaScript off (forms post).
  projects: [
    { name: 'hydrated', use: { ...chromium, javaScriptEnabled: true } },
    { name: 'no-javascript', use: { ...chromium, javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: `node ${path.join(__dirname, 'oidc', 'provider.mjs')}`,
      url: `${issuer}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        OIDC_PORT: String(providerPort),
        OIDC_CLIENT_ID: 'portcullis',
        OIDC_CLIENT_SECRET: 'portcullis-e2e-secret',
        OIDC_REDIRECT_URIS: `${oidcURL}/auth/callback`,
        OIDC_POST_LOGOUT_URIS: `${oidcURL}/`,
      },
    },
    {
      command: `node ${path.join(__dirname, 'pyxis', 'standin.mjs')}`,
      url: `${catalogApi}/repositories?page_size=1`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: { PYXIS_PORT: String(catalogPort) },
    },
    {
      command: `node ${path.join(__dirname, 'smtp', 'server.mjs')}`,
      url: `http://127.0.0.1:${smtpApiPort}/messages`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: { SMTP_PORT: String(smtpPort), SMTP_HTTP_PORT: String(smtpApiPort) },
    },
    portal(port, databaseUrl, catalogApi),
    portal(downPort, downDatabaseUrl, failingCatalogApi),
    portal(oidcPort, oidcDatabaseUrl, catalogApi, providerSignIn),
  ],
});
