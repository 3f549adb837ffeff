// A real OpenID Connect provider for hub's single sign-on tests: panva's certified
// oidc-provider with one confidential client and people read from a JSON file.
//
// Everything comes from the environment (the pytest fixture in tests/security/sso sets it):
//   OIDC_PORT              port on 127.0.0.1
//   OIDC_CLIENT_ID         the client hub logs in as
//   OIDC_CLIENT_SECRET     its secret (client_secret_basic)
//   OIDC_REDIRECT_URIS     comma-separated redirect URIs of that client
//   OIDC_ACCOUNTS_FILE     {"<login>": {"sub", "password", "email", "email_verified", "name",
//                          "groups": [...], "amr": [...]}}; read at every request, so a test
//                          changes someone's groups or removes them by rewriting the file
//   OIDC_CLAIMS_IN_ID_TOKEN  "1": scope claims (email, name, groups) go into the ID token as
//                          well (as Microsoft Entra ID does); otherwise only into userinfo
//
// The login page is a minimal interaction on the provider's own interaction API
// (interactionDetails / interactionFinished): a wrong password or a person no longer in the
// file is refused there, as at the city's identity provider. Consent is given at once (a
// first-party client, as Keycloak and Entra ID are set up for an office's own apps).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider, { interactionPolicy } from 'oidc-provider';

const env = process.env;
const port = Number(env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;

function accounts() {
  return JSON.parse(readFileSync(env.OIDC_ACCOUNTS_FILE, 'utf8'));
}

function bySub(sub) {
  return Object.values(accounts()).find((person) => person.sub === sub);
}

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

// Someone removed while still logged in at the provider is asked to log in again (where they
// are refused), as at Keycloak; oidc-provider's own policy does not look for the account.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'account_removed',
  'the account of this session no longer exists',
  (ctx) => Boolean(ctx.oidc.session.accountId && !ctx.oidc.account),
));

const configuration = {
  clients: [{
    client_id: env.OIDC_CLIENT_ID,
    client_secret: env.OIDC_CLIENT_SECRET,
    redirect_uris: env.OIDC_REDIRECT_URIS.split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    // amr: how the person logged in ("pwd", "otp", "mfa"), from the login below.
    openid: ['sub', 'amr'],
    email: ['email', 'email_verified'],
    // Groups come with "profile", as from a Keycloak client's default "groups" mapper.
    profile: ['name', 'groups'],
  },
  conformIdTokenClaims: env.OIDC_CLAIMS_IN_ID_TOKEN !== '1',
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: false } },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'test-key' }] },
  pkce: { required: () => true },
  async findAccount(ctx, sub) {
    const person = bySub(sub);
    if (!person) return undefined; // removed: no code is redeemed, no token issued
    return {
      accountId: sub,
      async claims() {
        const { email, email_verified: emailVerified, name, groups } = person;
        return { sub, email, email_verified: emailVerified, name, groups };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>City login</title></head>
<body><main><h1>City login</h1>
${error ? `<p role="alert" id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function consent(ctx, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true });
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== match[1]) ctx.throw(400, 'interaction mismatch');
  if (ctx.method === 'GET' && !match[2]) {
    if (details.prompt.name === 'consent') return consent(ctx, details);
    ctx.type = 'html';
    ctx.body = loginPage(details.uid);
    return undefined;
  }
  if (ctx.method === 'POST' && match[2] && details.prompt.name === 'login') {
    const form = await formBody(ctx.req);
    const person = accounts()[form.get('login')];
    if (!person || person.password !== form.get('password')) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, 'Invalid username or password.');
      return undefined;
    }
    const login = { accountId: person.sub, amr: person.amr || ['pwd'] };
    return provider.interactionFinished(ctx.req, ctx.res, { login },
      { mergeWithLastSubmission: false });
  }
  return ctx.throw(405);
});

// What the provider refused, and why, into its log (the test's provider.log).
for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'server_error']) {
  provider.on(event, (ctx, error) => console.log(`${event}: ${error.message} ${error.error_description || ''}`));
}

// The test that started the provider holds its stdin: when that process ends, however it
// ends, the pipe closes and the provider stops with it (no provider is left behind).
if (env.OIDC_STOP_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
