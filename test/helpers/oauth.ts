// An OAuth client written only against the contract (shared/design/hostsmith-api.md), with
// openid-client, independent of src/: protected-resource metadata → authorization-server
// metadata (RFC 8414) → dynamic registration → authorization code + PKCE through a loopback
// callback server of its own, driven by the scripted browser → tokens bound to the API.
//
//   const { accessToken, refreshToken, config } = await signIn({ api: sandbox.api });
//   const next = await client.refreshTokenGrant(config, refreshToken, { resource: sandbox.api });
//
// Lower steps, for tests that need them one by one:
//   discoverResource(api)            → { resource, issuer, scopes, metadata }   (RFC 9728)
//   registerClient(issuer)           → openid-client Configuration (public, native, RFC 7591)
//   startCallbackServer()            → { redirectUri, next(), close() }          (RFC 8252 loopback)
//   authorize(config, { resource, redirectUri, scopes }) → { url, verifier, state }
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { completeSignIn, type ScriptedBrowser } from './scripted-browser.js';

export const CONTRACT_SCOPES = ['sites:read', 'sites:write', 'domains:read', 'files:write'] as const;
export const DEFAULT_SCOPES = [...CONTRACT_SCOPES, 'offline_access'];
/** Registered without a port: the server must accept any port on the loopback (RFC 8252 §7.3). */
export const REGISTERED_REDIRECT_URI = 'http://127.0.0.1/callback';

export interface ProtectedResource {
  resource: string;
  issuer: string;
  scopes: string[];
  metadata: Record<string, unknown>;
}

/** RFC 9728: GET {api}/.well-known/oauth-protected-resource, checked as the contract says. */
export async function discoverResource(api: string): Promise<ProtectedResource> {
  const res = await fetch(new URL('/.well-known/oauth-protected-resource', api));
  if (res.status !== 200) throw new Error(`protected-resource metadata: HTTP ${res.status}`);
  const metadata = (await res.json()) as Record<string, unknown>;
  const servers = metadata.authorization_servers;
  if (metadata.resource !== api)
    throw new Error(`protected-resource metadata names ${String(metadata.resource)}`);
  if (!Array.isArray(servers) || typeof servers[0] !== 'string') {
    throw new Error('protected-resource metadata has no authorization_servers');
  }
  const scopes = Array.isArray(metadata.scopes_supported) ? metadata.scopes_supported.map(String) : [];
  return { resource: metadata.resource, issuer: servers[0], scopes, metadata };
}

/** The options every openid-client call needs here: RFC 8414 discovery, http on the loopback. */
const INSECURE_OAUTH2: client.DynamicClientRegistrationRequestOptions = {
  algorithm: 'oauth2',
  execute: [client.allowInsecureRequests],
};

/** RFC 7591 registration of a public native client; the Configuration carries the AS metadata. */
export function registerClient(
  issuer: string,
  metadata: Partial<client.ClientMetadata> = {},
): Promise<client.Configuration> {
  return client.dynamicClientRegistration(
    new URL(issuer),
    {
      client_name: 'oauth test helper',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REGISTERED_REDIRECT_URI],
      ...metadata,
    },
    client.None(),
    INSECURE_OAUTH2,
  );
}

export interface CallbackServer {
  /** http://127.0.0.1:{port}/callback */
  redirectUri: string;
  /** The next callback request's full URL. */
  next(): Promise<URL>;
  close(): Promise<void>;
}

/** The client's loopback redirect target; answers the browser with a small page. */
export async function startCallbackServer(): Promise<CallbackServer> {
  const arrived: URL[] = [];
  const waiting: Array<(url: URL) => void> = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<p>Done. You can close this tab.</p>');
    const waiter = waiting.shift();
    if (waiter) waiter(url);
    else arrived.push(url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    next: () => {
      const url = arrived.shift();
      return url ? Promise.resolve(url) : new Promise<URL>((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Authorization {
  url: string;
  verifier: string;
  state: string;
}

/** The authorization URL: PKCE S256, state, resource. */
export async function authorize(
  config: client.Configuration,
  opts: { resource: string; redirectUri: string; scopes?: readonly string[] },
): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: opts.redirectUri,
    scope: (opts.scopes ?? DEFAULT_SCOPES).join(' '),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    resource: opts.resource,
  });
  return { url: url.href, verifier, state };
}

export interface SignInOptions {
  email?: string;
  password?: string;
  scopes?: readonly string[];
  /** `deny` makes signIn reject with openid-client's AuthorizationResponseError (access_denied). */
  action?: 'approve' | 'deny';
  /** Reuse a registered client instead of registering a new one. */
  config?: client.Configuration;
  browser?: ScriptedBrowser;
}

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  config: client.Configuration;
  resource: string;
  tokens: client.TokenEndpointResponse;
}

/** A whole sign-in, as any client following the contract would do it. */
export async function signIn(
  endpoints: { api: string; issuer?: string },
  opts: SignInOptions = {},
): Promise<SignedIn> {
  const { resource, issuer } = await discoverResource(endpoints.api);
  if (endpoints.issuer !== undefined && new URL(endpoints.issuer).href !== new URL(issuer).href) {
    throw new Error(`the API names the issuer ${issuer}, not ${endpoints.issuer}`);
  }
  const config = opts.config ?? (await registerClient(issuer));
  const callback = await startCallbackServer();
  try {
    const auth = await authorize(config, {
      resource,
      redirectUri: callback.redirectUri,
      ...(opts.scopes ? { scopes: opts.scopes } : {}),
    });
    await completeSignIn(auth.url, {
      action: opts.action ?? 'approve',
      ...(opts.email ? { email: opts.email } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.browser ? { browser: opts.browser } : {}),
    });
    const tokens = await client.authorizationCodeGrant(
      config,
      await callback.next(),
      { pkceCodeVerifier: auth.verifier, expectedState: auth.state },
      { resource },
    );
    if (!tokens.refresh_token) throw new Error('the token response carries no refresh_token');
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      clientId: config.clientMetadata().client_id,
      config,
      resource,
      tokens,
    };
  } finally {
    await callback.close();
  }
}
