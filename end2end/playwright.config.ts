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
  webServer: {
    command: binary,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? path.join(root, 'target', 'site'),
      LEPTOS_ENV: 'PROD',
      PORTCULLIS_DATABASE_URL: databaseUrl,
      PORTCULLIS_DEV_SIGNIN: 'true',
      PORTCULLIS_LOG: 'warn',
    },
  },
});
