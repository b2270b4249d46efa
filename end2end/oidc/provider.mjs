// A real OpenID Connect provider (the `oidc-provider` package) for the tests, on loopback.
// Its own login and consent pages (devInteractions): any password is accepted for the users below.
//
// Environment:
//   OIDC_PORT                 port to listen on (issuer http://127.0.0.1:PORT)
//   OIDC_CLIENT_ID / _SECRET  the one registered client
//   OIDC_REDIRECT_URIS        comma-separated redirect URIs of the client
//   OIDC_POST_LOGOUT_URIS     comma-separated post-logout redirect URIs
//   OIDC_CLOCK_OFFSET_SECONDS shifts the provider's clock (negative: issues already-expired tokens)
//   OIDC_WRONG_JWKS=1         publishes a key set that does not match the signing key
//   OIDC_ID_TOKEN_TTL_SECONDS lifetime of ID tokens (default 3600)
//   OIDC_GROUPS_API           as Feide does: no groups claim; the groups are served at
//                             GET /groups/me/groups to the holder of an access token, as
//                             [{"id": …, "displayName": …}]. `on`, or a fault: `down` (503),
//                             `slow` (answers after 30 s), `html` (a login page, 200)
import Provider from 'oidc-provider';
import { generateKeyPairSync } from 'node:crypto';

const offset = Number(process.env.OIDC_CLOCK_OFFSET_SECONDS ?? 0) * 1000;
if (offset !== 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}

const port = Number(process.env.OIDC_PORT ?? 4010);
const issuer = `http://127.0.0.1:${port}`;
const list = (value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const groupsApi = process.env.OIDC_GROUPS_API;

const accounts = {
  alice: { name: 'Alice Andersen', email: 'alice@example.org', groups: ['staff'] },
  bob: { name: 'Bob Berg', email: 'bob@example.org', groups: ['staff'] },
  rita: { name: 'Rita Reviewer', email: 'rita@example.org', groups: ['staff', 'security-reviewers'] },
  adam: { name: 'Adam Admin', email: 'adam@example.org', groups: ['staff', 'portal-admins'] },
  eve: { name: 'Eve Outsider', email: 'eve@example.org', groups: ['guests'] },
  // A hostile directory entry: a spreadsheet formula, a line separator and a direction override
  // in the name, a header injection in the address.
  mallory: {
    name: '=HYPERLINK("https://evil.example","Rita")\u2028\u202eweiveR atiR',
    email: 'mallory@example.org\r\nBcc: everyone@example.org',
    groups: ['staff'],
  },
};

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `k-${Math.random().toString(36).slice(2, 10)}`, use: 'sig', alg: 'RS256' };
}
const key = signingKey();

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID ?? 'portcullis',
    client_secret: process.env.OIDC_CLIENT_SECRET ?? 'portcullis-test-secret',
    redirect_uris: list(process.env.OIDC_REDIRECT_URIS),
    post_logout_redirect_uris: list(process.env.OIDC_POST_LOGOUT_URIS),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [key] },
  ttl: { IdToken: Number(process.env.OIDC_ID_TOKEN_TTL_SECONDS ?? 3600) },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['portcullis-test-cookie-key'] },
  async findAccount(_ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: id, name: account.name, email: account.email, email_verified: true };
        return groupsApi ? claims : { ...claims, groups: account.groups };
      },
    };
  },
});
provider.proxy = false;

if (process.env.OIDC_WRONG_JWKS === '1') {
  const { kid: _kid, d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...otherPublic } = signingKey();
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/jwks') {
      ctx.body = { keys: [{ ...otherPublic, kid: key.kid }] };
    }
  });
}

if (groupsApi) {
  provider.use(async (ctx, next) => {
    if (ctx.path !== '/groups/me/groups') return next();
    if (groupsApi === 'down') {
      ctx.status = 503;
      ctx.body = { error: 'unavailable' };
      return;
    }
    if (groupsApi === 'slow') await new Promise((resolve) => setTimeout(resolve, 30_000));
    if (groupsApi === 'html') {
      ctx.type = 'html';
      ctx.body = '<html><body>Please log in</body></html>';
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(ctx.get('authorization') ?? '');
    const token = bearer ? await provider.AccessToken.find(bearer[1]) : undefined;
    if (!token) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_token' };
      return;
    }
    ctx.body = accounts[token.accountId].groups.map((id) => ({ id, displayName: id, type: 'fc:adhoc' }));
  });
}

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
