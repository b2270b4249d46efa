// Page load as a user on a phone meets it: headless Chromium (Debian's) with the network
// throttled through the DevTools protocol (PAGELOAD_KBITS down, 1.6 Mbit/s by default; 750 kbit/s
// up; PAGELOAD_RTT_MS round trip, 150 ms) and the CPU slowed PAGELOAD_CPU_SLOWDOWN times (4, as
// Lighthouse does for phones). Every load starts with an empty cache. For two pages it prints the
// median over PAGELOAD_RUNS (5) loads, in milliseconds from navigation start:
//   - the request form (/requests/new): first contentful paint (readable, and usable as a plain
//     form post), and hydrated (the live registry and catalog checks answer as you type);
//   - a request's page (/requests/ID): first contentful paint and the load event;
// and the bytes each load transferred (compressed, as on the wire).
//
// Environment: PAGELOAD_URL (the portal, release build), PAGELOAD_COOKIE (a signed-in session's
// cookie), PAGELOAD_REQUEST (a request id the cookie may read).
import { chromium } from '@playwright/test';

const base = process.env.PAGELOAD_URL ?? 'http://127.0.0.1:3414';
const cookie = process.env.PAGELOAD_COOKIE ?? '';
const request = process.env.PAGELOAD_REQUEST ?? '1';
const runs = Number(process.env.PAGELOAD_RUNS ?? 5);
const kbits = Number(process.env.PAGELOAD_KBITS ?? 1600);
const rtt = Number(process.env.PAGELOAD_RTT_MS ?? 150);
const cpu = Number(process.env.PAGELOAD_CPU_SLOWDOWN ?? 4);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run',
  ],
});

/** One load of `path` in a fresh context; returns the page's timings and bytes transferred. */
async function load(path, waitForHydration) {
  const context = await browser.newContext();
  const [name, value] = cookie.split(/=(.*)/s);
  if (name) {
    await context.addCookies([{ name, value, url: base }]);
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: rtt,
    downloadThroughput: (kbits * 1000) / 8,
    uploadThroughput: (750 * 1000) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  // The moment the WASM marks the page hydrated, taken in the page itself (a later
  // `performance.now()` from here would add the test's own round trips).
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated === 'true') {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  });
  let bytes = 0;
  cdp.on('Network.loadingFinished', (event) => {
    bytes += event.encodedDataLength;
  });
  const response = await page.goto(base + path, { waitUntil: 'load', timeout: 120_000 });
  if (response.status() !== 200) {
    throw new Error(`${path} answered ${response.status()}`);
  }
  let hydrated = null;
  if (waitForHydration) {
    await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached', timeout: 120_000 });
    hydrated = await page.evaluate(() => window.__hydratedAt ?? null);
  }
  // A page with no scripts can fire `load` before its first paint: wait for the paint entry.
  const fcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        new PerformanceObserver((list, observer) => {
          const entry = list.getEntriesByName('first-contentful-paint')[0];
          if (entry) {
            observer.disconnect();
            resolve(entry.startTime);
          }
        }).observe({ type: 'paint', buffered: true });
        setTimeout(() => resolve(null), 30_000);
      }),
  );
  const timings = {
    fcp,
    load: await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? null),
  };
  await context.close();
  return { ...timings, hydrated, bytes };
}

const median = (values) => {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (v) => (v === null ? '-' : Math.round(v).toString());
const count = (v) => (v === null ? '-' : Math.round(v).toLocaleString('en'));

const pages = [
  { label: 'request form /requests/new', path: '/requests/new', hydration: true },
  { label: `request page /requests/${request}`, path: `/requests/${request}`, hydration: false },
];
console.log(
  `page load: ${kbits / 1000} Mbit/s down, ${rtt} ms RTT, CPU ${cpu}x slower, empty cache; median of ${runs} loads`,
);
console.log(
  `${'page'.padEnd(34)} ${'FCP ms'.padStart(8)} ${'hydrated ms'.padStart(12)} ${'load ms'.padStart(8)} ${'bytes'.padStart(10)}`,
);
for (const { label, path, hydration } of pages) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    results.push(await load(path, hydration));
  }
  const pick = (key) => median(results.map((r) => r[key]));
  console.log(
    `${label.padEnd(34)} ${ms(pick('fcp')).padStart(8)} ${ms(pick('hydrated')).padStart(12)} ${ms(pick('load')).padStart(8)} ${count(pick('bytes')).padStart(10)}`,
  );
}
await browser.close();
