// The sandbox's authorization server: oidc-provider configured to the contract in
// shared/design/hostsmith-api.md. The issuer is the root of its own listener; access tokens
// are opaque, or JWTs padded to a size (accessTokenBytes), and either way checked in-process
// (verifyAccessToken) against a live grant, so a revoked token fails at once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientLike, Configuration, KoaLikeContext, TokenLike } from 'oidc-provider';
import { type AuthServer, type AuthServerOptions, SCOPES, type TokenInfo } from '../types.js';
import { createInteractions, isInteractionPath } from './interactions.js';
import {
  type JwtAccessClaims,
  jwtVerifier,
  MIN_ACCESS_TOKEN_BYTES,
  padTo,
  signingKey,
} from './jwt-access.js';
import { Ledger } from './ledger.js';
import { loadOidcProvider } from './load.js';
import { errorPage } from './pages.js';
import { type AuthState, generateKeys, parseState } from './state.js';
import { Store } from './store.js';

const DAY = 24 * 60 * 60;
/** Refresh tokens live 90 days from the original authorization; rotation does not extend it. */
export const REFRESH_TOKEN_LIFETIME = 90 * DAY;
/** A day longer than a refresh token, so the grant never ends before the tokens it holds. */
const GRANT_LIFETIME = REFRESH_TOKEN_LIFETIME + DAY;
const RESOURCE_SCOPE = SCOPES.join(' ');
const RFC8414_PATH = '/.well-known/oauth-authorization-server';
const OPENID_DISCOVERY_PATH = '/.well-known/openid-configuration';

const now = () => Math.floor(Date.now() / 1000);

/** What verifyAccessToken checks, read from a stored opaque token or a verified JWT. */
interface AccessTokenFacts {
  accountId?: string;
  clientId?: string;
  grantId?: string;
  aud?: string | string[];
  exp?: number;
  scope?: string;
}

function jwtFacts(claims: JwtAccessClaims): AccessTokenFacts {
  return {
    accountId: claims.sub,
    clientId: claims.client_id,
    grantId: claims.grant_id,
    aud: claims.aud,
    exp: claims.exp,
    ...(claims.scope !== undefined ? { scope: claims.scope } : {}),
  };
}

function audiences(aud: string | string[] | undefined): string[] {
  if (aud === undefined) return [];
  return Array.isArray(aud) ? aud : [aud];
}

export async function createAuthServer(opts: AuthServerOptions): Promise<AuthServer> {
  const { Provider, errors } = await loadOidcProvider();
  const saved = parseState(opts.persist?.load());
  const keys = saved?.keys ?? generateKeys();
  let accessTokenTtl = opts.accessTokenTtl;
  let closed = false;

  // Every change is handed to the data file as an object that serializes itself when written
  // (the file is written debounced, so a burst of changes costs one snapshot).
  const persistNow = () => {
    if (!opts.persist || closed) return;
    opts.persist.save({ toJSON: (): AuthState => snapshot() });
  };
  const store = new Store({ onChange: persistNow });
  const ledger = new Ledger(persistNow);
  if (saved) {
    store.load(saved);
    ledger.load(saved);
  }
  const snapshot = (): AuthState => ({
    version: 1,
    keys,
    ...store.snapshot(),
    refreshCounts: ledger.refreshCounts(),
    secrets: ledger.secrets(),
  });
  // A fresh server saves its keys at once: a restart must find the same ones.
  if (!saved) persistNow();

  const bytes = opts.accessTokenBytes;
  if (bytes !== undefined && (!Number.isInteger(bytes) || bytes < MIN_ACCESS_TOKEN_BYTES)) {
    throw new RangeError(`access-token bytes must be an integer >= ${MIN_ACCESS_TOKEN_BYTES}`);
  }
  const userById = (id: string) => opts.users.find((u) => u.id === id);
  // JWT access tokens are signed with the server's own (persisted) key, named in the header.
  const jwtKey = bytes !== undefined ? signingKey(keys.jwks) : undefined;
  const verifyJwt = jwtKey ? jwtVerifier(jwtKey, opts.issuer) : undefined;

  const configuration: Configuration = {
    adapter: store.adapterFor,
    jwks: keys.jwks,
    cookies: { keys: keys.cookies },
    // Expiry is exact: a test that sets a 2-second access token must see it die after 2 seconds.
    clockTolerance: 0,
    scopes: ['openid', 'offline_access', ...SCOPES],
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'ES256',
    },
    // The redirect_uri is always required, as the contract's clients send it.
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: false },
      revocation: {
        enabled: true,
        // RFC 7009 §2.1: a client may revoke only its own tokens; a public client gets no hint.
        allowedPolicy: async (_ctx: unknown, client: ClientLike, token: TokenLike) =>
          token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf,
        // A refresh request without `resource` gets the resource of the grant.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
          if (resourceIndicator !== opts.apiResource) throw new errors.InvalidTarget();
          return {
            scope: RESOURCE_SCOPE,
            audience: opts.apiResource,
            accessTokenTTL: accessTokenTtl,
            ...(jwtKey
              ? { accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256', kid: jwtKey.kid } } }
              : { accessTokenFormat: 'opaque' }),
          };
        },
      },
    },
    // Refresh tokens for any client allowed the grant type: the contract's scopes are enough,
    // neither `openid` nor prompt=consent is needed (oidc-provider's default wants both).
    issueRefreshToken: async (_ctx: unknown, client: ClientLike, source: TokenLike) =>
      client.grantTypeAllowed('refresh_token') &&
      (source.scopes.has('offline_access') || SCOPES.some((s) => source.scopes.has(s))),
    // Tokens outlive the browser session: signing in once lasts until the refresh token ends.
    expiresWithSession: async () => false,
    rotateRefreshToken: true,
    // Revoking any token of a sign-in ends the whole grant: oidc-provider already revokes every
    // token of the grant on an access-token revocation (RFC 7009 §2.1 allows it); dropping the
    // grant record too keeps grants() truthful.
    revokeGrantPolicy: () => true,
    ttl: {
      AccessToken: () => accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * DAY,
      Grant: GRANT_LIFETIME,
      RefreshToken: (_ctx: unknown, token: TokenLike) =>
        Math.max(1, (token.iiat ?? now()) + REFRESH_TOKEN_LIFETIME - now()),
    },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = userById(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({ sub: user.id, email: user.email, name: user.name }),
      };
    },
    ...(jwtKey && bytes !== undefined ? { formats: { customizers: { jwt: padTo(bytes, jwtKey) } } } : {}),
    // Native clients make no cross-origin browser requests.
    clientBasedCORS: () => false,
    renderError: async (ctx: KoaLikeContext & { type: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = errorPage(out.error ?? 'server_error', out.error_description);
    },
  };

  const provider = new Provider(opts.issuer, configuration);
  // Endpoint URLs come from the request (ctx.href): behind the front it says https.
  if (opts.trustForwardedProto) provider.proxy = true;

  // RFC 8414 metadata: the same document as OpenID discovery, at the path the contract names.
  provider.use(async (ctx, next) => {
    if (ctx.path === RFC8414_PATH) ctx.path = OPENID_DISCOVERY_PATH;
    await next();
  });

  // The window: capture what the token and revocation endpoints received and issued.
  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      // What was presented, issued here or not (a foreign token here was sent to the wrong server).
      const bearer = /^Bearer +(\S+)/i.exec(String(ctx.headers.authorization ?? ''))?.[1];
      ledger.received('accessTokens', bearer);
      if (ctx.oidc?.route === 'revocation') {
        const hint = ctx.oidc.params?.token_type_hint;
        ledger.received(hint === 'refresh_token' ? 'refreshTokens' : 'accessTokens', ctx.oidc.params?.token);
      }
      if (ctx.oidc?.route === 'token') {
        ledger.received('refreshTokens', ctx.oidc.params?.refresh_token);
        ledger.secret('codeVerifiers', ctx.oidc.params?.code_verifier);
        ledger.secret('authorizationCodes', ctx.oidc.params?.code);
        if (ctx.status === 200 && typeof ctx.body === 'object' && ctx.body !== null) {
          const body = ctx.body as Record<string, unknown>;
          ledger.secret('accessTokens', body.access_token);
          ledger.secret('refreshTokens', body.refresh_token);
        }
      }
    }
  });
  // Opaque tokens are their own ids, so every saved one is known even if never sent.
  provider.on('access_token.saved', (token: TokenLike) => ledger.secret('accessTokens', token.jti));
  provider.on('refresh_token.saved', (token: TokenLike) => ledger.secret('refreshTokens', token.jti));
  provider.on('authorization_code.saved', (code: TokenLike) => ledger.secret('authorizationCodes', code.jti));
  provider.on('grant.success', (ctx: KoaLikeContext) => {
    if (ctx.oidc?.params?.grant_type !== 'refresh_token') return;
    const refreshToken = ctx.oidc.entities.RefreshToken as TokenLike | undefined;
    if (refreshToken?.grantId) ledger.refreshed(refreshToken.grantId);
  });
  // A refused token request, by grant type and what was wrong: a refresh token presented twice
  // reads `refresh_token invalid_grant: refresh token already used` (and revokes the grant).
  provider.on(
    'grant.error',
    (ctx: KoaLikeContext, error: Error & { error?: string; error_detail?: string }) => {
      const grantType = ctx.oidc?.params?.grant_type ?? 'unknown';
      const detail = error.error_detail ?? error.message;
      ledger.tokenError(`${String(grantType)} ${error.error ?? 'server_error'}: ${detail}`);
    },
  );
  // Koa would print every server error's stack to stderr; one line is enough.
  provider.on('server_error', (_ctx: unknown, error: Error) => {
    process.stderr.write(`sandbox auth: server error: ${error.message}\n`);
  });
  provider.on('error', (error: Error) => {
    process.stderr.write(`sandbox auth: ${error.message}\n`);
  });

  const callback = provider.callback();
  const interactions = createInteractions({
    provider,
    users: opts.users,
    password: opts.password,
    autoApprove: opts.autoApprove,
    autoApproveUser: opts.autoApproveUser,
  });

  return {
    issuer: opts.issuer,
    handle(req: IncomingMessage, res: ServerResponse) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      return isInteractionPath(path) ? interactions(req, res) : callback(req, res);
    },
    // The one place a presented access token is judged, whatever its format.
    async verifyAccessToken(token: string): Promise<TokenInfo | null> {
      ledger.received('accessTokens', token);
      let at: AccessTokenFacts | undefined;
      if (verifyJwt) {
        const claims = verifyJwt(token);
        at = claims ? jwtFacts(claims) : undefined;
      } else {
        at = await provider.AccessToken.find(token);
      }
      if (!at || at.exp === undefined || at.exp <= now()) return null;
      if (!audiences(at.aud).includes(opts.apiResource)) return null;
      if (!at.accountId || !at.clientId || !at.grantId) return null;
      // A token whose grant is gone is dead, whatever removed the grant.
      if (!(await provider.Grant.find(at.grantId))) return null;
      return {
        accountId: at.accountId,
        clientId: at.clientId,
        grantId: at.grantId,
        scopes: new Set((at.scope ?? '').split(' ').filter((s) => s !== '')),
        expiresAt: at.exp,
      };
    },
    async revokeGrant(grantId: string) {
      return store.revokeGrant(grantId);
    },
    async grants() {
      return store.list('Grant').map(({ id, payload }) => ({
        grantId: id,
        accountId: String(payload.accountId),
        clientId: String(payload.clientId),
        // What the person consented to for the API (the consent page's list), as granted.
        scopes: grantedScopes(payload.resources, opts.apiResource),
        refreshes: ledger.refreshCount(id),
      }));
    },
    refreshCounts: () => ledger.refreshCounts(),
    tokenErrors: () => ledger.tokenErrors(),
    currentRefreshTokens() {
      // Opaque refresh tokens are their own ids; a rotated one is marked consumed, not removed.
      const live = new Set(store.list('Grant').map((g) => g.id));
      return store
        .list('RefreshToken')
        .filter(({ payload }) => !payload.consumed && live.has(String(payload.grantId)))
        .map(({ id, payload }) => ({
          grantId: String(payload.grantId),
          clientId: String(payload.clientId),
          refreshToken: id,
        }));
    },
    secrets: () => ledger.secrets(),
    setAccessTokenTtl(seconds: number) {
      if (!Number.isInteger(seconds) || seconds < 1)
        throw new RangeError('access-token TTL must be a positive integer');
      accessTokenTtl = seconds;
    },
    async close() {
      // The data file flushes what it was handed; after this, nothing more is handed to it.
      persistNow();
      closed = true;
    },
  };
}

/** The API scopes a grant record holds (oidc-provider keeps them per resource, space-separated). */
function grantedScopes(resources: unknown, resource: string): string[] {
  const scope = (resources as Record<string, unknown> | undefined)?.[resource];
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
}
