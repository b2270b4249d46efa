// The resilience test's load: whole journeys, run concurrently against the load balancer for a
// bounded time. Each virtual user signs in as a requester and as a reviewer (development
// sign-in), then repeats: submit a request, comment on it, claim it, approve it, and poll the
// allowlist with its ETag as the mirror job does. An action that fails ends that journey (the
// next one starts); nothing is retried, so every success the server answered was done once.
//
// Environment: LOAD_URL (the balancer), LOAD_USERS (8), LOAD_SECONDS (45), LOAD_TOKEN (an
// allowlist:read token), LOAD_OUT (where the JSON record of every action goes).
import fs from 'node:fs';

const base = process.env.LOAD_URL ?? 'http://127.0.0.1:3610';
const users = Number(process.env.LOAD_USERS ?? 8);
const seconds = Number(process.env.LOAD_SECONDS ?? 45);
const token = process.env.LOAD_TOKEN ?? '';
const out = process.env.LOAD_OUT ?? 'load.json';
const started = Date.now();
const deadline = started + seconds * 1000;
const actions = [];
const run = Math.random().toString(36).slice(2, 8);

/** One HTTP call, recorded: `kind`, the request it concerns, status (0: no answer), timing. */
async function call(kind, path, { form, cookie, headers = {}, method = form ? 'POST' : 'GET', id = null } = {}) {
  const at = Date.now();
  const init = {
    method,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
    headers: { ...headers, ...(cookie ? { cookie } : {}) },
  };
  if (form) {
    init.body = new URLSearchParams(form).toString();
    Object.assign(init.headers, {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      origin: base,
      'sec-fetch-site': 'same-origin',
    });
  }
  let status = 0;
  let body = '';
  let response = null;
  try {
    response = await fetch(base + path, init);
    status = response.status;
    body = await response.text();
  } catch (error) {
    body = String(error.cause?.code ?? error.name ?? error);
  }
  const record = { kind, id, status, at, ms: Date.now() - at };
  if (status >= 400 || status === 0) record.error = body.slice(0, 200);
  actions.push(record);
  return { status, body, response, record };
}

async function signIn(user) {
  const { status, response } = await call('sign_in', '/api/dev_sign_in', { form: { user } });
  if (status !== 200) return null;
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('portcullis-session='));
  return cookie ? cookie.split(';')[0] : null;
}

async function version(id, cookie) {
  const { status, body } = await call('read', '/api/get_request', { form: { id }, cookie, id });
  return status === 200 ? String(JSON.parse(body).request.version) : null;
}

async function journey(vu, n, requester, reviewer, etag) {
  const marker = `${run}-${vu}-${n}`;
  const submitted = await call('submit', '/api/submit_request', {
    cookie: requester,
    form: {
      image: `registry.example.org/load/app-${marker}:1.0`,
      team: `Load team ${vu}`,
      contact: 'load@example.org',
      justification: `Resilience journey ${marker}.`,
      catalog_choice: 'none',
      catalog_reason: 'The load test needs this image itself.',
    },
  });
  if (submitted.status !== 200) return etag;
  const id = submitted.body.trim();
  submitted.record.id = id;
  submitted.record.marker = marker;
  const step = async (kind, who, form, path = '/api/act_on_request') => {
    const v = await version(id, who);
    if (v === null) return false;
    const { status, record } = await call(kind, path, { cookie: who, form: { id, version: v, ...form }, id });
    record.marker = marker;
    return status === 200;
  };
  if (!(await step('comment', requester, { action: 'comment', text: `Comment ${marker}` }))) return etag;
  if (!(await step('claim', reviewer, { action: 'claim' }))) return etag;
  const expires = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  if (!(await step('approve', reviewer, {
    tag_mode: 'exact', tags: '1.0', architectures: 'amd64', expires_on: expires,
  }, '/api/approve_request'))) return etag;
  const polled = await call('poll', '/api/v1/allowlist?format=skopeo', {
    headers: { authorization: `Bearer ${token}`, ...(etag ? { 'if-none-match': etag } : {}) },
  });
  return polled.status === 200 ? polled.response.headers.get('etag') : etag;
}

async function virtualUser(vu) {
  let requester = null;
  let reviewer = null;
  let etag = null;
  for (let n = 0; Date.now() < deadline; n++) {
    requester ??= await signIn(vu % 2 ? 'bob' : 'alice');
    reviewer ??= await signIn(vu % 2 ? 'ruth' : 'rita');
    if (!requester || !reviewer) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    etag = await journey(vu, n, requester, reviewer, etag);
  }
}

await Promise.all(Array.from({ length: users }, (_, vu) => virtualUser(vu)));
fs.writeFileSync(out, JSON.stringify({ run, seconds, users, actions }));
const by = (f) => actions.reduce((m, a) => ((m[f(a)] = (m[f(a)] ?? 0) + 1), m), {});
console.log(`${actions.length} calls in ${seconds} s by ${users} users:`, JSON.stringify(by((a) => `${a.kind} ${a.status}`)));
