// A local stand-in for Red Hat's catalog API (Pyxis, /api/containers/v1), for tests and
// development on machines without internet. It speaks the real API's shapes: the paged envelope
// {data,page,page_size,total} (pages from 0), bare single objects, the connexion-style 404 and 400
// bodies, `include`/`exclude` projections and the RSQL operators the portal uses (==, !=, =in=,
// =iregex=, `;` and `,`). An unknown filter field gets a 400, as on the real API.
//
// Data: the recorded responses in ./fixtures (see fixtures/SOURCES.txt) plus the repositories of
// the portal's shipped snapshot (app/src/catalog/snapshot.json), each given synthetic images with
// freshness grades built the way the real ones are. PYXIS_SYNTHETIC_REPOSITORIES=N adds N more
// generated repositories (the 10,000-repository benchmark).
//
// Faults, chosen by a path prefix so one process serves every test at once:
//   /slow/...     answers after PYXIS_SLOW_MS (default 5000) milliseconds
//   /fail/...     503 with an HTML body, like a load balancer in front of a dead backend
//   /garbage/...  200 with a body that is not JSON
//   /flaky/...    every other request to the same URL fails with 502
// GET /__requests returns how many requests each path got (the retry tests read it).
//
// Environment: PYXIS_PORT (default 4012), PYXIS_HOST (127.0.0.1).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures');
const readJson = (...parts) => JSON.parse(fs.readFileSync(path.join(...parts), 'utf8'));
const API = '/api/containers/v1';
const DAY = 24 * 3600 * 1000;

// ---------------------------------------------------------------------------------------------
// The data
// ---------------------------------------------------------------------------------------------

const repositories = new Map(); // "registry/repository" -> record
const key = (registry, repository) => `${registry}/${repository}`;
const addRepository = (record) => repositories.set(key(record.registry, record.repository), record);

// The portal's shipped snapshot: real names and descriptions, some records recorded in full.
const snapshot = readJson(here, '..', '..', 'app', 'src', 'catalog', 'snapshot.json');
snapshot.data.forEach(addRepository);
// Recorded full records replace their snapshot entries.
for (const file of ['ubi8_ubi', 'ubi9_ubi', 'ubi9_httpd-24']) {
  addRepository(readJson(fixtures, 'claircore', `${file}.repository_by_id.json`));
}
readJson(fixtures, 'vuln4shift', 'repositories_list_rhel7.1.json').data.forEach(addRepository);
addRepository(readJson(fixtures, 'vuln4shift', 'repository_jboss-fuse-6_fis-java-openshift.json'));

// Generated repositories, named the way the catalog names them.
const synthetic = Number(process.env.PYXIS_SYNTHETIC_REPOSITORIES ?? 0);
const products = [
  'python', 'nodejs', 'nginx', 'httpd', 'php', 'ruby', 'perl', 'openjdk', 'postgresql', 'mysql',
  'mariadb', 'redis', 'dotnet', 'go-toolset', 'ose-cli', 'ose-router', 'jboss-eap', 'amq-broker',
  'sso', 'datagrid', 'fuse-java', 'kafka', 'grafana-operator', 'cert-manager', 'keycloak',
];
for (let i = 0; repositories.size < snapshot.data.length + synthetic && synthetic > 0; i++) {
  const product = products[i % products.length];
  const namespace = ['ubi8', 'ubi9', 'ubi10', 'rhel8', 'rhel9', 'openshift4', 'rhscl', 'jboss'][
    Math.floor(i / products.length) % 8
  ];
  const version = Math.floor(i / (products.length * 8));
  addRepository({
    _id: (0x6000000000000000n + BigInt(i)).toString(16).padStart(24, '0'),
    repository: `${namespace}/${product}-${version}`,
    registry: i % 3 === 0 ? 'registry.redhat.io' : 'registry.access.redhat.com',
    display_data: {
      name: `${product} ${version} on ${namespace}`,
      short_description: `Generated repository ${i} for load tests: ${product} version ${version}.`,
    },
    release_categories: [i % 17 === 0 ? 'Deprecated' : i % 11 === 0 ? 'Tech Preview' : 'Generally Available'],
    requires_terms: i % 3 === 0,
  });
}

// Images per repository. Recorded ones where there are recordings; else one synthetic image per
// repository whose freshness grades run A (since 20 days ago) → B (in 40 days) → C, like the real
// windows. The grade letter for some repositories is worse, so tests see more than one grade.
const recordedImages = new Map([
  [key('registry.access.redhat.com', 'ubi9/ubi'), readJson(fixtures, 'claircore', 'ubi9_ubi.repository_images.json')],
  [key('registry.access.redhat.com', 'ubi8/ubi'), readJson(fixtures, 'claircore', 'ubi8_ubi.repository_images.json')],
  [key('registry.access.redhat.com', 'ubi9/httpd-24'), readJson(fixtures, 'claircore', 'ubi9_httpd-24.repository_images.json')],
  [key('registry.access.redhat.com', 'rhel7.1'), readJson(fixtures, 'vuln4shift', 'repository_images_rhel7.1.json')],
]);
const gradeLetters = 'ABCDEF';
function syntheticImages(record) {
  const now = Date.now();
  const hash = [...record.repository].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const first = record.repository.startsWith('rhel9/postgresql') || record.repository.startsWith('ubi9/') ? 0 : hash % 3;
  const iso = (t) => new Date(t).toISOString().replace('Z', '+00:00');
  const created = now - 20 * DAY;
  return [{
    _id: hash.toString(16).padStart(24, '0'),
    architecture: 'amd64',
    creation_date: iso(created),
    docker_image_digest: `sha256:${hash.toString(16).padStart(64, '0')}`,
    freshness_grades: [
      { creation_date: iso(created), grade: gradeLetters[first], start_date: iso(created), end_date: iso(now + 40 * DAY) },
      { creation_date: iso(created), grade: gradeLetters[first + 1], start_date: iso(now + 40 * DAY), end_date: iso(now + 90 * DAY) },
      { creation_date: iso(created), grade: gradeLetters[first + 2], start_date: iso(now + 90 * DAY) },
    ],
    parsed_data: { labels: [{ name: 'name', value: record.repository }] },
    repositories: [{ registry: record.registry, repository: record.repository, tags: [{ name: 'latest' }] }],
  }];
}

// ---------------------------------------------------------------------------------------------
// RSQL and projections
// ---------------------------------------------------------------------------------------------

const FILTER_FIELDS = new Set([
  'repository', 'registry', 'release_categories', 'requires_terms', 'deleted', 'build_categories',
  'eol_date', 'architecture', 'repositories.repository', 'repositories.registry', 'repositories.tags.name',
]);
class BadRequest extends Error {}

// Values at a dotted path, flattening arrays on the way ("repositories.tags.name").
function valuesAt(object, dotted) {
  let values = [object];
  for (const part of dotted.split('.')) {
    values = values.flatMap((v) => (v == null ? [] : Array.isArray(v[part]) ? v[part] : v[part] === undefined ? [] : [v[part]]));
  }
  return values.map((v) => String(v));
}

// `a==b;c=in=(d,e),f!=g`: `,` (or) binds looser than `;` (and), as in RSQL.
function parseFilter(text) {
  if (!text) return () => true;
  const split = (s, sep) => {
    const parts = [];
    let depth = 0, start = 0;
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '(') depth++;
      else if (s[i] === ')') depth--;
      else if (s[i] === sep && depth === 0) { parts.push(s.slice(start, i)); start = i + 1; }
    }
    parts.push(s.slice(start));
    return parts;
  };
  const comparison = (s) => {
    const m = /^([A-Za-z_.]+)(==|!=|=in=|=iregex=|=regex=)(.*)$/.exec(s);
    if (!m) throw new BadRequest(`Invalid filter expression: ${s}`);
    const [, field, op, raw] = m;
    if (!FILTER_FIELDS.has(field)) throw new BadRequest(`Invalid filter field: ${field}`);
    const value = raw.replace(/^"(.*)"$/, '$1');
    switch (op) {
      case '==': return (o) => valuesAt(o, field).includes(value);
      case '!=': return (o) => !valuesAt(o, field).includes(value);
      case '=in=': {
        const set = value.replace(/^\((.*)\)$/, '$1').split(',').map((v) => v.replace(/^"(.*)"$/, '$1'));
        return (o) => valuesAt(o, field).some((v) => set.includes(v));
      }
      default: {
        let re;
        try { re = new RegExp(value, op === '=iregex=' ? 'i' : ''); } catch { throw new BadRequest(`Invalid regular expression: ${value}`); }
        return (o) => valuesAt(o, field).some((v) => re.test(v));
      }
    }
  };
  const ors = split(text, ',').map((group) => split(group, ';').map(comparison));
  return (o) => ors.some((ands) => ands.every((test) => test(o)));
}

// `include=data.repository,data.display_data.name,total` keeps only those paths.
function project(item, include, exclude) {
  const paths = (list) => list.filter((p) => p.startsWith('data.')).map((p) => p.slice(5).split('.'));
  let result = item;
  if (include.length) {
    result = {};
    for (const parts of paths(include)) {
      let from = item, to = result;
      for (let i = 0; i < parts.length && from != null; i++) {
        const value = from[parts[i]];
        if (value === undefined) break;
        if (i === parts.length - 1) to[parts[i]] = value;
        else { to[parts[i]] ??= {}; to = to[parts[i]]; from = value; }
      }
    }
  }
  for (const parts of paths(exclude)) {
    if (parts.length === 1) { result = { ...result }; delete result[parts[0]]; }
  }
  return result;
}

function envelope(items, query) {
  const pageSize = Math.min(Math.max(Number(query.get('page_size') ?? 100), 1), 500);
  const page = Math.max(Number(query.get('page') ?? 0), 0);
  if (!Number.isInteger(pageSize) || !Number.isInteger(page)) throw new BadRequest('page and page_size must be integers');
  const matching = items.filter(parseFilter(query.get('filter')));
  const sortBy = query.get('sort_by');
  if (sortBy) {
    const m = /^([a-z_.]+)\[(asc|desc)\]$/.exec(sortBy);
    if (!m) throw new BadRequest(`Invalid sort_by: ${sortBy}`);
    const [, field, dir] = m;
    matching.sort((a, b) => String(valuesAt(a, field)[0] ?? '').localeCompare(String(valuesAt(b, field)[0] ?? '')) * (dir === 'asc' ? 1 : -1));
  }
  const split = (name) => (query.get(name) ?? '').split(',').filter(Boolean);
  const include = split('include'), exclude = split('exclude');
  const data = matching.slice(page * pageSize, (page + 1) * pageSize).map((item) => project(item, include, exclude));
  return { data, page, page_size: pageSize, total: matching.length };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

const notFoundUrl = readJson(fixtures, 'test-network-function', 'error_404_url_not_found.json');
const notFoundDocument = (collection) => ({
  detail: `Document in ${collection} not found.`, status: 404, title: 'Not Found', type: 'about:blank',
  trace_id: `0x${Math.floor(Math.random() * 2 ** 52).toString(16)}`,
});
const badRequest = (detail) => ({ detail, status: 400, title: 'Bad Request', type: 'about:blank' });

function route(pathname, query) {
  if (!pathname.startsWith(API + '/')) return [404, notFoundUrl];
  const rest = pathname.slice(API.length);
  if (rest === '/repositories') return [200, envelope([...repositories.values()], query)];
  let m = /^\/repositories\/id\/([0-9a-f]{24})$/.exec(rest);
  if (m) {
    const found = [...repositories.values()].find((r) => r._id === m[1]);
    return found ? [200, found] : [404, notFoundDocument('containerRepository')];
  }
  m = /^\/repositories\/registry\/([^/]+)\/repository\/(.+?)(\/images)?$/.exec(rest);
  if (m) {
    const [, registry, repository, images] = m;
    const record = repositories.get(key(registry, repository));
    if (!record) return [404, notFoundDocument('containerRepository')];
    if (!images) return [200, record];
    const recorded = recordedImages.get(key(registry, repository));
    return [200, envelope(recorded ? recorded.data : syntheticImages(record), query)];
  }
  return [404, notFoundUrl];
}

const counts = new Map();
const slowMs = Number(process.env.PYXIS_SLOW_MS ?? 5000);

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://stand-in');
  const send = (status, body, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  if (url.pathname === '/__requests') return send(200, Object.fromEntries(counts));
  const seen = (counts.get(url.pathname) ?? 0) + 1;
  counts.set(url.pathname, seen);
  if (req.method !== 'GET') return send(405, { detail: 'Method not allowed', status: 405, title: 'Method Not Allowed', type: 'about:blank' });

  const fault = /^\/(slow|fail|garbage|flaky)(\/.*)$/.exec(url.pathname);
  const pathname = fault ? fault[2] : url.pathname;
  const answer = () => {
    try {
      const [status, body] = route(pathname, url.searchParams);
      send(status, body);
    } catch (e) {
      if (e instanceof BadRequest) send(400, badRequest(e.message));
      else send(500, { detail: String(e), status: 500, title: 'Internal Server Error', type: 'about:blank' });
    }
  };
  switch (fault?.[1]) {
    case 'slow': return void setTimeout(answer, slowMs);
    case 'fail': return send(503, '<html><body><h1>503 Service Unavailable</h1></body></html>', 'text/html');
    case 'garbage': return send(200, '{"data": [{"repository": "ubi9/ubi", "registry": tru', 'application/json');
    case 'flaky': return seen % 2 === 1 ? send(502, '<html><body>502 Bad Gateway</body></html>', 'text/html') : answer();
    default: return answer();
  }
});

const port = Number(process.env.PYXIS_PORT ?? 4012);
server.listen(port, process.env.PYXIS_HOST ?? '127.0.0.1', () => {
  console.log(`pyxis stand-in on http://127.0.0.1:${port}${API} (${repositories.size} repositories)`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
