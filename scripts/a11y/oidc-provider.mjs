// A real OpenID Connect provider for the single sign-on tests: npm's `oidc-provider` (the
// certified implementation), with its development sign-in form (any login, any password)
// standing in for the province's directory. The accounts' claims are below; `groups` is the
// claim Portico maps to roles.
//
// For the checks that the relying party refuses what it must, `setMode` changes the ID
// token on its way out of the token endpoint, as an attacker or a broken provider would:
//   tamper   a claim changed after signing (the signature no longer matches)
//   audience signed properly, but for another client
//   issuer   signed properly, but naming another issuer
//   nonce    signed properly, with another nonce
//   expired  signed properly, expired ten minutes ago
//   rotate   signed with a new key that the provider now publishes (a key rotation: must be
//            accepted once the relying party fetches the keys again)
//
// Usage as a module: `const p = await startProvider({ port, redirectUri, postLogoutUri })`,
// then `p.issuer`, `p.setMode('tamper')`, `await p.stop()`.
// Usage by hand: `node oidc-provider.mjs PORT PORTICO_URL` (serves until stopped).
import Provider from 'oidc-provider';
import * as jose from 'jose';
import http from 'node:http';

export const ACCOUNTS = {
  // A new member of the Finance Department's editorial group.
  'le.van.an': { name: 'Lê Văn An', email: 'an.lv@laocai.gov.vn', groups: ['bien-tap-main'] },
  // Someone the network admins disable in Portico.
  'tran.thi.binh': { name: 'Trần Thị Bình', email: 'binh.tt@laocai.gov.vn', groups: ['bien-tap-main'] },
  // A person with no mapped group: signs in with no role.
  'pham.minh.chau': { name: 'Phạm Minh Châu', email: 'chau.pm@laocai.gov.vn', groups: ['ke-toan'] },
};

export async function startProvider({ port, redirectUri, postLogoutUri, clientId = 'portico', clientSecret = 'bi-mat-cua-portico' }) {
  const issuer = `http://127.0.0.1:${port}`;
  const makeKey = async (kid) => {
    const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
    return { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  };
  const first = await makeKey('khoa-1');
  const second = await makeKey('khoa-2');
  const publicOf = (jwk) => {
    const { d, p, q, dp, dq, qi, ...pub } = jwk;
    return pub;
  };
  let mode = null;
  let rotated = false;
  let keyFetches = 0;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [first] },
    cookies: { keys: ['khoa-cookie-thu-nghiem'] },
    pkce: { required: () => true },
    // The groups come with the profile, as directories such as Keycloak send them.
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email'],
    },
    scopes: ['openid', 'profile', 'email'],
    // The provider's default (conformIdTokenClaims): the ID token carries who signed in,
    // and the profile (username, name, email, groups) comes from UserInfo, as OIDC Core 5.4
    // says; Portico asks UserInfo for what the ID token leaves out.
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    // A first-party application: no consent screen.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id] || { name: id, email: `${id}@example.gov.vn`, groups: [] };
      return {
        accountId: id,
        async claims() {
          return { sub: `sub-${id}`, preferred_username: id, ...account };
        },
      };
    },
    ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  });
  provider.proxy = false;

  const resign = async (payload, jwk) => new jose.SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
    .sign(await jose.importJWK(jwk, 'RS256'));

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/jwks') keyFetches += 1;
    if (ctx.path === '/jwks' && rotated && ctx.body?.keys) {
      ctx.body = { keys: [publicOf(first), publicOf(second)] };
    }
    if (ctx.path !== '/token' || !mode || !ctx.body?.id_token) return;
    const token = ctx.body.id_token;
    const payload = jose.decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    switch (mode) {
      case 'tamper': {
        const [h, , s] = token.split('.');
        const forged = Buffer.from(JSON.stringify({ ...payload, groups: ['quan-tri'] })).toString('base64url');
        ctx.body = { ...ctx.body, id_token: `${h}.${forged}.${s}` };
        break;
      }
      case 'audience':
        ctx.body = { ...ctx.body, id_token: await resign({ ...payload, aud: 'ung-dung-khac' }, first) };
        break;
      case 'issuer':
        ctx.body = { ...ctx.body, id_token: await resign({ ...payload, iss: 'http://127.0.0.1:1/gia-mao' }, first) };
        break;
      case 'nonce':
        ctx.body = { ...ctx.body, id_token: await resign({ ...payload, nonce: 'nonce-khac' }, first) };
        break;
      case 'expired':
        ctx.body = { ...ctx.body, id_token: await resign({ ...payload, iat: now - 1200, exp: now - 600 }, first) };
        break;
      case 'rotate':
        rotated = true;
        ctx.body = { ...ctx.body, id_token: await resign(payload, second) };
        break;
      default:
        throw new Error(`unknown mode ${mode}`);
    }
  });

  const server = http.createServer(provider.callback());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    issuer,
    setMode(m) { mode = m; },
    keyFetches: () => keyFetches,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [port, portico] = [Number(process.argv[2] || 8090), process.argv[3] || 'http://127.0.0.1:8080'];
  const p = await startProvider({
    port,
    redirectUri: `${portico}/auth/oidc/callback`,
    postLogoutUri: `${portico}/admin/login?signed_out=1`,
  });
  console.log(`OpenID provider at ${p.issuer} (client 'portico', secret 'bi-mat-cua-portico'); accounts: ${Object.keys(ACCOUNTS).join(', ')}`);
}
