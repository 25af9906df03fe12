// Discovery and registration against a scripted metadata server on loopback: RFC 9728, then
// RFC 8414 with the OpenID fallback, the HTTPS rules, registration and its cache, and the
// authorization URL openid-client builds from it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverAuthorizationServer } from '../../src/auth/discovery.js';
import { type AuthHttp, createAuthHttp } from '../../src/auth/http.js';
import { createOAuthClient } from '../../src/auth/oauth.js';
import { resolveClient } from '../../src/auth/registration.js';
import { AuthError } from '../../src/auth/types.js';
import { createLogger } from '../../src/log.js';
import type { CredentialStore, Registration } from '../../src/store/types.js';

type Route = (req: IncomingMessage, body: string) => { status?: number; json?: unknown } | 'hang';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function metadataServer(routes: Record<string, Route>) {
  const seen: Array<{ method: string; path: string; body: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ method: req.method ?? '', path, body });
      const route = routes[path];
      const answer = route ? route(req, body) : { status: 404, json: { error: 'not_found' } };
      if (answer === 'hang') return;
      res
        .writeHead(answer.status ?? 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { origin, seen };
}

function http(timeoutMs?: number): AuthHttp {
  const h = createAuthHttp(timeoutMs ? { timeoutMs } : {});
  cleanups.push(() => h.close());
  return h;
}

function asMetadata(issuer: string, extra: Record<string, unknown> = {}) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/reg`,
    revocation_endpoint: `${issuer}/token/revocation`,
    code_challenge_methods_supported: ['S256'],
    response_types_supported: ['code'],
    scopes_supported: ['sites:read', 'offline_access'],
    ...extra,
  };
}

/** API and issuer on one scripted server: the API at the root, the issuer under /as. */
async function world(
  opts: { prm?: (origin: string) => unknown; as?: (issuer: string) => unknown; oidcOnly?: boolean } = {},
) {
  let origin = '';
  const routes: Record<string, Route> = {
    '/.well-known/oauth-protected-resource': () => ({
      json: opts.prm ? opts.prm(origin) : { resource: origin, authorization_servers: [`${origin}/as`] },
    }),
    [opts.oidcOnly ? '/as/.well-known/openid-configuration' : '/.well-known/oauth-authorization-server/as']:
      () => ({
        json: opts.as ? opts.as(`${origin}/as`) : asMetadata(`${origin}/as`),
      }),
    '/as/reg': (_req, body) => ({ status: 201, json: { ...JSON.parse(body), client_id: 'dyn-client-1' } }),
  };
  const server = await metadataServer(routes);
  origin = server.origin;
  return server;
}

async function failure(p: Promise<unknown>): Promise<AuthError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe('discoverAuthorizationServer', () => {
  it('follows RFC 9728 to the issuer and reads its RFC 8414 metadata', async () => {
    const { origin, seen } = await world();
    const as = await discoverAuthorizationServer({ apiUrl: `${origin}/`, http: http() });
    expect(as).toMatchObject({
      resource: origin,
      issuer: `${origin}/as`,
      algorithm: 'oauth2',
      insecure: true,
    });
    expect(as.metadata.token_endpoint).toBe(`${origin}/as/token`);
    expect(seen.map((s) => s.path)).toEqual([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-authorization-server/as',
    ]);
  });

  it('falls back to OpenID discovery', async () => {
    const { origin } = await world({ oidcOnly: true });
    const as = await discoverAuthorizationServer({ apiUrl: origin, http: http() });
    expect(as.algorithm).toBe('oidc');
  });

  it('refuses metadata that describes another resource', async () => {
    const { origin } = await world({
      prm: () => ({ resource: 'https://elsewhere.example', authorization_servers: ['https://a.example'] }),
    });
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.code).toBe('DISCOVERY_FAILED');
    expect(error.message).toMatch(/describes the resource https:\/\/elsewhere\.example/);
  });

  it('says what to check when the API has no metadata', async () => {
    const { origin } = await metadataServer({});
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.code).toBe('DISCOVERY_FAILED');
    expect(error.message).toMatch(/answered HTTP 404.*--api-url \/ HOSTSMITH_API_URL/);
  });

  it('rejects malformed protected-resource metadata', async () => {
    const { origin } = await world({ prm: (o) => ({ resource: o, authorization_servers: [] }) });
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.message).toMatch(/valid protected-resource metadata/);
  });

  it('refuses a plain-http issuer off loopback before contacting it', async () => {
    const { origin, seen } = await world({
      prm: (o) => ({ resource: o, authorization_servers: ['http://auth.example'] }),
    });
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.code).toBe('INSECURE_URL');
    expect(seen).toHaveLength(1);
  });

  it('refuses a loopback issuer whose endpoints leave loopback over plain http', async () => {
    const { origin } = await world({
      as: (issuer) => asMetadata(issuer, { token_endpoint: 'http://evil.example/token' }),
    });
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.code).toBe('INSECURE_URL');
    expect(error.message).toMatch(/token endpoint/);
  });

  it('refuses metadata whose issuer is not the one named', async () => {
    const { origin } = await world({ as: () => asMetadata('https://impostor.example') });
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.code).toBe('DISCOVERY_FAILED');
  });

  it('refuses a server without S256', async () => {
    const { origin } = await world({
      as: (i) => asMetadata(i, { code_challenge_methods_supported: ['plain'] }),
    });
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.message).toMatch(/S256/);
  });

  it('reports an unreachable API', async () => {
    const { origin } = await metadataServer({});
    await cleanups.pop()?.(); // close it: the port now refuses
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http() }));
    expect(error.message).toMatch(/Could not reach the Hostsmith API/);
  });

  it('gives up on a server that never answers, after the timeout', async () => {
    const { origin } = await metadataServer({ '/.well-known/oauth-protected-resource': () => 'hang' });
    const started = Date.now();
    const error = await failure(discoverAuthorizationServer({ apiUrl: origin, http: http(300) }));
    expect(error.code).toBe('DISCOVERY_FAILED');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

class RegistrationStore {
  registrations = new Map<string, Registration>();
  async readRegistration(issuer: string) {
    return this.registrations.get(issuer);
  }
  async writeRegistration(issuer: string, registration: Registration) {
    this.registrations.set(issuer, registration);
  }
  async removeRegistration(issuer: string) {
    this.registrations.delete(issuer);
  }
}
const asStore = (s: RegistrationStore) => s as unknown as CredentialStore;
const log = createLogger({ write: () => {} });

describe('registration', () => {
  it('registers a public native client once per issuer and caches it', async () => {
    const { origin, seen } = await world();
    const h = http();
    const as = await discoverAuthorizationServer({ apiUrl: origin, http: h });
    const store = new RegistrationStore();
    expect(await resolveClient({ as, store: asStore(store), http: h, log })).toEqual({
      clientId: 'dyn-client-1',
      dynamic: true,
    });
    const sent = JSON.parse(seen.find((s) => s.path === '/as/reg')?.body ?? '{}');
    expect(sent).toMatchObject({
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['http://127.0.0.1/callback'],
    });
    expect(store.registrations.get(as.issuer)?.client_id).toBe('dyn-client-1');
    const before = seen.length;
    expect((await resolveClient({ as, store: asStore(store), http: h, log })).clientId).toBe('dyn-client-1');
    expect(seen.length).toBe(before);
  });

  it('uses a pre-registered client id without registering', async () => {
    const { origin, seen } = await world();
    const h = http();
    const as = await discoverAuthorizationServer({ apiUrl: origin, http: h });
    const store = new RegistrationStore();
    expect(await resolveClient({ as, store: asStore(store), http: h, log, clientId: 'pre-1' })).toEqual({
      clientId: 'pre-1',
      dynamic: false,
    });
    expect(seen.some((s) => s.path === '/as/reg')).toBe(false);
  });

  it('asks for --client-id when the server offers no registration', async () => {
    const { origin } = await world({ as: (i) => ({ ...asMetadata(i), registration_endpoint: undefined }) });
    const h = http();
    const as = await discoverAuthorizationServer({ apiUrl: origin, http: h });
    const error = await failure(resolveClient({ as, store: asStore(new RegistrationStore()), http: h, log }));
    expect(error.code).toBe('REGISTRATION_FAILED');
    expect(error.message).toMatch(/--client-id/);
  });
});

describe('authorization URL', () => {
  it('carries PKCE S256, state, the resource, the scopes and offline_access with consent', async () => {
    const { origin } = await world();
    const client = createOAuthClient({
      apiUrl: origin,
      store: asStore(new RegistrationStore()),
      http: http(),
      log,
    });
    const signIn = await client.prepareSignIn();
    const url = new URL(
      signIn.authorizationUrl({
        redirectUri: 'http://127.0.0.1:5000/callback',
        state: 'st',
        codeChallenge: 'ch',
      }),
    );
    expect(url.origin + url.pathname).toBe(`${origin}/as/auth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'dyn-client-1',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:5000/callback',
      scope: 'sites:read sites:write domains:read files:write offline_access',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
      state: 'st',
      resource: origin,
      prompt: 'consent',
    });
  });

  it('leaves offline_access out where the server does not list it', async () => {
    const { origin } = await world({ as: (i) => asMetadata(i, { scopes_supported: ['sites:read'] }) });
    const client = createOAuthClient({
      apiUrl: origin,
      store: asStore(new RegistrationStore()),
      http: http(),
      log,
    });
    const signIn = await client.prepareSignIn();
    expect(signIn.scope).toBe('sites:read sites:write domains:read files:write');
    const url = new URL(
      signIn.authorizationUrl({ redirectUri: 'http://127.0.0.1:1/callback', state: 's', codeChallenge: 'c' }),
    );
    expect(url.searchParams.has('prompt')).toBe(false);
  });
});
